#pragma once
// Store: where scan results live between runs. An interface so that a ClickHouse store for
// fleets can follow; SQLite (OpenSqlite) is the default. Writers hand over whole batches that
// are committed in one transaction, so a crash never leaves half a file counted; readers ask the
// questions reports need.
//
// Thread-safety: one Store per thread (SQLite connections are not shared).

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/ingest/cursor.h"

namespace keikai::store {

constexpr uint8_t kAllClasses = 255;  // the class id of "any attack" rows

// A resume mark of keikai up to schema version 3: what had been ingested of a file identified
// by its first record. Read (FindFile) to continue such a file once; new scans keep streams
// with checkpoints instead (ingest/cursor.h).
struct FileMark {
  std::string first_line_hash;  // hex
  std::string path;             // last path it was seen under (informational)
  std::string site;
  uint64_t offset = 0;          // decompressed bytes ingested (always at a line boundary)
  uint64_t lines = 0;           // lines ingested
  std::string tail_hash;        // hash of the up to 256 bytes before offset
};

struct AttackAgg {  // per site x UTC hour x class x source
  std::string site;
  int64_t hour = 0;  // Unix seconds / 3600
  uint8_t cls = 0;   // detect::AttackClass, or kAllClasses
  std::string ip;
  uint64_t count = 0;
};

struct RequestAgg {  // all events (a web kind's requests) per site x UTC hour x kind
  std::string site;
  int64_t hour = 0;
  uint64_t count = 0;
  uint8_t kind = 0;  // event::Kind
};

struct SourceInfo {
  std::string ip;
  std::string country;
  int64_t first_seen = 0, last_seen = 0;  // Unix seconds
};

struct Finding {
  std::string site;
  int64_t time = 0;
  std::string ip;
  std::string classes;    // "scanner,probe"
  std::string detectors;  // "ua-scanner,sensitive-file"
  std::string evidence;   // JSON array of strings
  std::string method, target, user_agent;
  int status = 0;
  std::string file;
  uint64_t line = 0;
  bool target_hit = true;  // a signature on the request target (not only the user agent or the
                           // source's behaviour) made it an attack
  uint8_t kind = 0;        // event::Kind of the record (web: method/target/user_agent are the
                           // request's; mail: target is the program, evidence the message)
};

// What behaviour analysis concluded about a source (scanner, bad-bot and crawler verdicts are
// kept; a later, stronger verdict replaces a weaker one).
struct SourceBehavior {
  std::string ip;              // address or prefix ("203.0.113.0/24")
  std::string classification;  // "scanner", "bad-bot", "crawler"
  std::string scenarios;       // "probe-404,fast-crawl"
  std::string evidence;        // JSON array of strings
  uint64_t requests = 0;
  int64_t first_seen = 0, last_seen = 0;
  std::string crawler;         // claimed crawler, "" if none
  bool verified = false;
};

// The behaviour tracker's state, so that a scan that was interrupted continues with the state its
// last commit had (detect::BehaviorTracker::TakeCheckpoint/Restore): a meta record and one
// record per tracked source, opaque to the store.
struct BehaviorCheckpoint {
  std::string meta;
  std::vector<std::pair<uint32_t, std::string>> states;  // by state id
};
// What one batch changes of it: the meta record, states written, states freed; or all cleared.
struct BehaviorCheckpointDelta {
  bool clear = false;  // remove the whole checkpoint (the scan finished); the rest is ignored
  std::string meta;
  std::vector<std::pair<uint32_t, std::string>> states;
  std::vector<uint32_t> freed;
};

struct Batch {
  // Unique per batch ("" = none): a store applies a batch with an id it has applied already as
  // a no-op, so a writer that cannot tell whether a commit arrived (a network store) sends it
  // again. Ids are kept for 30 days.
  std::string id;
  std::vector<AttackAgg> attacks;
  std::vector<RequestAgg> requests;
  std::vector<SourceInfo> sources;
  std::vector<Finding> findings;
  std::vector<ingest::StreamUpdate> streams;      // what was ingested (resume marks)
  std::vector<std::string> legacy_files_done;     // legacy marks replaced by a stream
  std::vector<SourceBehavior> behaviors;
  std::optional<BehaviorCheckpointDelta> behavior_checkpoint;
  // The zone offset (seconds east of UTC) most of a site's lines carried in this batch.
  std::vector<std::pair<std::string, int32_t>> site_offsets;
};

struct HourCount {
  std::string site;
  int64_t hour = 0;
  uint8_t cls = 0;  // AttackHours: the class; RequestHours: the event kind (event::Kind)
  uint64_t count = 0;
};

struct SourceTotal {
  std::string ip, country;
  std::string classification, scenarios, evidence;  // from behaviour analysis, "" if none
  uint64_t attacks = 0;
  int64_t first_seen = 0, last_seen = 0;
  std::vector<std::pair<uint8_t, uint64_t>> classes;
  std::vector<std::string> sites;
};

struct PathTotal {
  std::string path;
  uint64_t attacks = 0;
  std::vector<std::pair<std::string, uint64_t>> classes;  // class name -> count
};

// One probe of a mail service as stored: phases is a JSON array [{"name": ..., "ms": ...}].
struct ProbeRow {
  std::string service, protocol, host;
  int port = 0;
  int64_t time = 0;
  bool ok = false;
  std::string failed_phase, failure, detail, phases;
  int64_t cert_not_after = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // The streams whose key is this (ingest/cursor.h), with their checkpoints: all of them, or
  // (last > 0) only each stream's last `last` (a followed file checks only its end; a stream of
  // a busy log holds hundreds of thousands).
  virtual Result<std::vector<ingest::StreamRecord>> FindStreams(const std::string& key, std::size_t last = 0) = 0;
  // A legacy mark (schema <= 3) of a file with this key, if any.
  virtual Result<std::optional<FileMark>> FindFile(const std::string& first_line_hash) = 0;
  // The behaviour checkpoint an interrupted scan left, if any.
  virtual Result<std::optional<BehaviorCheckpoint>> LoadBehaviorCheckpoint() = 0;
  // Everything in the batch in one transaction, or nothing; a batch whose id was applied
  // before changes nothing and succeeds (idempotent re-sends).
  virtual Status Commit(const Batch& batch) = 0;

  // What a report asks about: these sites (empty = all) between two UTC hours, inclusive. Every
  // query is bounded by it, so a report's cost follows its window, not the store's history.
  struct Scope {
    std::vector<std::string> sites;
    int64_t from_hour = -(int64_t{1} << 40);  // (times 3600 still fits in 64 bits)
    int64_t to_hour = int64_t{1} << 40;
  };
  // The latest hour with a request of these sites, if any.
  virtual Result<std::optional<int64_t>> LastHour(const std::vector<std::string>& sites) = 0;
  virtual Result<std::vector<HourCount>> AttackHours(const Scope& q) = 0;
  // Events per site, hour and kind (in cls), by hour.
  virtual Result<std::vector<HourCount>> RequestHours(const Scope& q) = 0;
  virtual Result<std::vector<SourceTotal>> TopSources(const Scope& q, std::size_t limit) = 0;
  // attacks and distinct sources per country (country "" = unknown)
  virtual Result<std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>>> Countries(
      const Scope& q) = 0;
  virtual Result<uint64_t> DistinctSources(const Scope& q) = 0;
  // Paths by findings that concern the request itself (a signature on the target, not only the
  // user agent or the source's behaviour: a scanner fetching /robots.txt does not make it a
  // "targeted path").
  virtual Result<std::vector<PathTotal>> TopPaths(const Scope& q, std::size_t limit) = 0;
  // Of the same findings: the distinct paths and the findings (for "and N other paths").
  virtual Result<std::pair<uint64_t, uint64_t>> PathCount(const Scope& q) = 0;
  virtual Result<std::vector<std::string>> Sites() = 0;
  // Moves everything stored under site `from` to site `to` (counts of the same hour add up), in
  // one transaction; the number of request rows moved.
  virtual Result<uint64_t> RenameSite(const std::string& from, const std::string& to) = 0;
  // Sites by requests in the scope, most first.
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> SiteRequests(const Scope& q) = 0;
  // The zone offset the logs of these sites carried most recently (for dates in reports when
  // a rescan parsed no line); nullopt when unknown.
  virtual Result<std::optional<int32_t>> SiteOffset(const std::vector<std::string>& sites) = 0;
  // Attacking sources by behaviour classification ("" = not classified).
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> SourceClasses(const Scope& q) = 0;
  // Records a long-running process keeps between runs (the surge detector's memory,
  // surge/state.h): opaque text by key. A record not saved again for 90 days is removed.
  virtual Result<std::optional<std::string>> LoadState(const std::string& key) = 0;
  virtual Status SaveState(const std::string& key, const std::string& value) = 0;
  // The mail monitor's probe results (mail/probe.h), saved in one transaction; a probe of the
  // same service at the same second replaces the earlier row.
  virtual Status SaveProbes(const std::vector<ProbeRow>& rows) = 0;
  // Probe results of one service ("" = all) between two Unix times, inclusive, oldest first.
  virtual Result<std::vector<ProbeRow>> ProbesBetween(const std::string& service, int64_t from, int64_t to) = 0;
  // Retention: removes findings (and probe results) dated before `findings_before` (Unix seconds) and hourly counts
  // of hours before `hours_before` (Unix hours), in one transaction; the rows removed.
  virtual Result<uint64_t> Prune(int64_t findings_before, int64_t hours_before) = 0;
  // Sources with the most attacks of class cls (kAllClasses = any) on site ("*" = the given
  // sites; empty = all; with except_sites, all but the given ones) between two UTC hours,
  // inclusive.
  virtual Result<std::vector<SourceTotal>> TopSourcesBetween(
      const std::vector<std::string>& sites, const std::string& site, uint8_t cls,
      int64_t from_hour, int64_t to_hour, std::size_t limit, bool except_sites = false) = 0;
};

struct OpenOptions {
  // A writer (a scan) holds an exclusive lock on the database for its whole run (a lock file
  // beside it, "<db>.lock", released by the kernel if the process dies), so that two scans never
  // ingest the same lines or interleave their checkpoints; a second writer waits for it.
  bool write = true;
  // Create the database (and its directories) when missing; a reader never does (error code
  // "no_database").
  bool create = true;
  int lock_wait_seconds = 600;
  std::function<void(const std::string& holder)> on_wait;  // called once when it has to wait
  // PRAGMA quick_check on open (a damaged database is refused, never used silently);
  // full = integrity_check.
  bool check = true;
  bool full_check = false;
  // Apply pending schema migrations (a writer always does); off for a check that must not
  // change the file.
  bool migrate = true;
};

// Opens (creating if needed, 0600 in a directory created 0700) a SQLite store, checks it, and
// applies pending schema migrations (safe when several processes open a new database at once).
// path ":memory:" keeps everything in memory. Errors have the codes "store" (cannot open or
// use), "damaged" (integrity check failed), "readonly" and "locked" (another writer kept it
// past the wait).
Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const OpenOptions& opt = {});
// The store kinds, one row each: a location "<scheme>:<rest>" opens the kind of that scheme
// ("sqlite:/var/lib/keikai/keikai.db"); a location with no registered scheme is a SQLite path.
// The fleet store (ClickHouse) will be a row here.
struct StoreKind {
  const char* scheme;
  Result<std::unique_ptr<Store>> (*open)(const std::string& location, const OpenOptions& opt);
};
std::span<const StoreKind> StoreKinds();
Result<std::unique_ptr<Store>> Open(const std::string& location, const OpenOptions& opt = {});
// The per-user default: $XDG_DATA_HOME/keikai/keikai.db or ~/.local/share/keikai/keikai.db.
std::string DefaultDbPath();
// The schema version this build writes.
int SchemaVersion();

}  // namespace keikai::store
