#include "core/hs_cache.h"

#include <cstdio>
#include <cstdlib>

#include "keikai/core/files.h"

namespace keikai {

std::string CachedDatabasePath(const std::string& dir, std::string_view prefix, uint64_t hash) {
  if (dir.empty()) return {};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return dir + "/" + std::string(prefix) + hex + ".hsdb";
}

hs_database_t* LoadCachedDatabase(const std::string& path) {
  std::string bytes;
  if (!ReadFile(path, bytes)) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  TouchIfStale(path);
  return db;
}

void StoreCachedDatabase(const std::string& dir, const std::string& path, const hs_database_t* db,
                         const std::string& prune_prefix) {
  char* bytes = nullptr;
  std::size_t len = 0;
  if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) return;
  const bool ok = WriteFileAtomic(path, std::string_view(bytes, len));
  std::free(bytes);
  if (ok && !prune_prefix.empty()) PruneSiblings(dir, path, prune_prefix);
}

}  // namespace keikai
