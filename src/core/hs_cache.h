#pragma once
// Compiled Vectorscan databases kept on disk between runs (detectors, the rule engine's
// prefilter): a file per database, named by a hash of everything that went into it, so a
// changed pattern list or library version simply misses. A missing, unreadable or corrupt file
// is rebuilt, never trusted. Thread-safe (files are written atomically).
#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace keikai {

// An owned compiled database.
struct HsDatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HsDatabasePtr = std::unique_ptr<hs_database_t, HsDatabaseFree>;

// Where the database named prefix + hash lives in dir ("dir/prefix0123456789abcdef.hsdb"), or
// "" when dir is "" (no cache). hash must be stable across versions (Fnv1a64 of everything
// that went into the database, the Vectorscan version included).
std::string CachedDatabasePath(const std::string& dir, std::string_view prefix, uint64_t hash);

// The database in path, or nullptr if there is none or it does not deserialise. A loaded file
// is marked as used (TouchIfStale).
hs_database_t* LoadCachedDatabase(const std::string& path);
// Writes db to path (atomically). With prune_prefix, other files in dir with that prefix go, so
// a family of databases does not grow with every change of its patterns. Families whose entries
// coexist are pruned by age instead, by their owner (PruneOlderThan with kCacheMaxAgeDays; a
// loaded entry is marked as used by LoadCachedDatabase).
void StoreCachedDatabase(const std::string& dir, const std::string& path, const hs_database_t* db,
                         const std::string& prune_prefix = "");
inline constexpr int kCacheMaxAgeDays = 30;

}  // namespace keikai
