#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>

#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/store/store.h"

namespace keikai::store {
namespace {

// Versioned migrations: index i brings the schema from version i to i+1. Append only.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE files (
  first_line_hash TEXT PRIMARY KEY,
  path TEXT NOT NULL, site TEXT NOT NULL,
  offset INTEGER NOT NULL, lines INTEGER NOT NULL, tail_hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));
CREATE TABLE attack_hours (
  site TEXT NOT NULL, hour INTEGER NOT NULL, cls INTEGER NOT NULL, ip TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (site, hour, cls, ip)) WITHOUT ROWID;
CREATE INDEX attack_hours_ip ON attack_hours (ip, cls);
CREATE TABLE class_hours (
  site TEXT NOT NULL, hour INTEGER NOT NULL, cls INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (site, hour, cls)) WITHOUT ROWID;
CREATE TABLE request_hours (
  site TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (site, hour)) WITHOUT ROWID;
CREATE TABLE sources (
  ip TEXT PRIMARY KEY, country TEXT NOT NULL, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE findings (
  id INTEGER PRIMARY KEY, site TEXT NOT NULL, time INTEGER NOT NULL, ip TEXT NOT NULL,
  classes TEXT NOT NULL, detectors TEXT NOT NULL, evidence TEXT NOT NULL,
  method TEXT NOT NULL, target TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL,
  user_agent TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL);
CREATE INDEX findings_site_time ON findings (site, time);
CREATE INDEX findings_site_path ON findings (site, path);
)sql",
    // 2: behaviour verdicts per source.
    R"sql(
CREATE TABLE source_behaviour (
  ip TEXT PRIMARY KEY, classification TEXT NOT NULL, scenarios TEXT NOT NULL,
  evidence TEXT NOT NULL, requests INTEGER NOT NULL, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, crawler TEXT NOT NULL, verified INTEGER NOT NULL) WITHOUT ROWID;
)sql",
    // 3: the zone offset each site's logs carry, so a rescan that parses nothing still shows
    // dates in the logs' zone.
    R"sql(
CREATE TABLE site_meta (
  site TEXT PRIMARY KEY, utc_offset INTEGER NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))) WITHOUT ROWID;
)sql",
    // 4: ingested streams with checkpoints (ingest/cursor.h) instead of one mark per first line,
    // and the behaviour tracker's checkpoint of an interrupted scan (row -1 is its meta record).
    R"sql(
CREATE TABLE streams (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL, path TEXT NOT NULL, site TEXT NOT NULL,
  sites TEXT NOT NULL, lines INTEGER NOT NULL, offset INTEGER NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));
CREATE INDEX streams_key ON streams (key);
CREATE TABLE stream_checkpoints (
  stream INTEGER NOT NULL, lines INTEGER NOT NULL, offset INTEGER NOT NULL, hash INTEGER NOT NULL,
  PRIMARY KEY (stream, lines)) WITHOUT ROWID;
CREATE TABLE behaviour_checkpoint (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql",
    // 5: repair stores poisoned by impossible dates (a line dated 9999 made every report of its
    // site allocate a series to that year): hours more than two days ahead of now, or before
    // 1990, are removed; scans now reject such lines as bad.
    R"sql(
DELETE FROM attack_hours WHERE hour > CAST(strftime('%s','now') AS INTEGER) / 3600 + 48 OR hour < 175320;
DELETE FROM class_hours WHERE hour > CAST(strftime('%s','now') AS INTEGER) / 3600 + 48 OR hour < 175320;
DELETE FROM request_hours WHERE hour > CAST(strftime('%s','now') AS INTEGER) / 3600 + 48 OR hour < 175320;
DELETE FROM findings WHERE time > CAST(strftime('%s','now') AS INTEGER) + 172800 OR time < 631152000;
UPDATE sources SET last_seen = first_seen WHERE last_seen > CAST(strftime('%s','now') AS INTEGER) + 172800;
)sql",
    // 6: whether a finding concerns the request itself (a signature on its target), for the
    // most targeted paths; findings stored before could not tell and count as such. The index
    // serves reports bounded by time.
    R"sql(
ALTER TABLE findings ADD COLUMN target_hit INTEGER NOT NULL DEFAULT 1;
)sql",
    // 7: the most targeted paths of a site in a time window from an index alone (with the time
    // and target_hit beside the path, the report's query reads no finding row).
    R"sql(
DROP INDEX IF EXISTS findings_site_path;
CREATE INDEX IF NOT EXISTS findings_site_path_hit_time ON findings (site, path, target_hit, time);
)sql",
    // 8: a 16-bit fingerprint per line of each checkpoint's block (ingest/cursor.h), so that a
    // copy that departs from a stream inside a block forks at the exact line. Empty for the
    // checkpoints written before.
    R"sql(
ALTER TABLE stream_checkpoints ADD COLUMN line_fps BLOB NOT NULL DEFAULT x'';
)sql",
    // 9: events of every kind (event/event.h): request_hours counts per site x hour x kind
    // (web = 0, the rows so far), and each finding says its kind.
    R"sql(
CREATE TABLE request_hours_new (
  site TEXT NOT NULL, hour INTEGER NOT NULL, kind INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (site, hour, kind)) WITHOUT ROWID;
INSERT INTO request_hours_new (site, hour, kind, count) SELECT site, hour, 0, count FROM request_hours;
DROP TABLE request_hours;
ALTER TABLE request_hours_new RENAME TO request_hours;
ALTER TABLE findings ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
)sql",
    // 10: the batches applied (Batch::id), so that a batch sent again is applied once.
    R"sql(
CREATE TABLE applied_batches (
  id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))) WITHOUT ROWID;
)sql",
    // 11: records kept between runs (Store::SaveState), such as the surge detector's memory.
    R"sql(
CREATE TABLE kept_state (
  key TEXT PRIMARY KEY, value BLOB NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))) WITHOUT ROWID;
)sql",
    // 12: the mail monitor's probe results (mail/probe.h), one row per probe.
    R"sql(
CREATE TABLE probe_results (
  service TEXT NOT NULL, time INTEGER NOT NULL, protocol TEXT NOT NULL, host TEXT NOT NULL,
  port INTEGER NOT NULL, ok INTEGER NOT NULL, failed_phase TEXT NOT NULL, failure TEXT NOT NULL,
  detail TEXT NOT NULL, phases TEXT NOT NULL, cert_not_after INTEGER NOT NULL,
  PRIMARY KEY (service, time));
CREATE INDEX probe_results_time ON probe_results (time);
)sql",
};

// Strength of a behaviour classification, for keeping the strongest verdict of a source.
#define RANK(col)                                                                           \
  "(CASE " col " WHEN 'scanner' THEN 4 WHEN 'bad-bot' THEN 3 WHEN 'crawler' THEN 2 "       \
  "WHEN 'shared' THEN 2 WHEN 'human' THEN 1 ELSE 0 END)"

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

std::string SiteFilter(const std::vector<std::string>& sites, const char* col, bool except = false) {
  if (sites.empty()) return "1";
  std::string s = std::string(col) + (except ? " NOT IN (" : " IN (");
  for (std::size_t i = 0; i < sites.size(); ++i) s += i == 0 ? "?" : ",?";
  return s + ")";
}

class SqliteStore : public Store {
 public:

  Status Open(const std::string& path, const OpenOptions& opt) {
    path_ = path;
    const bool memory = path == ":memory:";
    if (!memory && (!opt.write || !opt.create)) {
      // A reader (or a command that only changes an existing database) never creates one: a
      // mistyped --db is an error, not a new empty database.
      struct stat sb {};
      if (::stat(path.c_str(), &sb) != 0) {
        return Status::Error(errno == ENOENT ? "no_database" : "store", path + ": " + ErrnoText(errno));
      }
    }
    if (!memory) {
      Status st = opt.write ? PrepareFile(path) : Status::Ok();
      if (!st.ok()) return st;
      if (opt.write) {
        st = Lock(path + ".lock", opt);
        if (!st.ok()) return st;
      }
    }
    // NOMUTEX: a Store is used by one thread at a time (store.h), so the connection's own
    // mutex only cost time (two million lock/unlock pairs in a 1M-line scan).
    const int flags = (opt.write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      return Classify(Err("cannot open database " + path));
    }
    // Busy: another process is between statements (a report reading, a migration); wait.
    sqlite3_busy_timeout(db_, 30000);
    if (opt.write && sqlite3_db_readonly(db_, "main") == 1) {
      return Status::Error("readonly", path + ": " + ErrnoText(EACCES));
    }
    // page_size (new databases only; it must precede WAL): 16 KiB pages instead of 4 KiB put
    // four times as many index entries on a page, so a batch of findings dirties a third of
    // the pages (10,500 -> 3,500 page writes and ~5% of a 1M-line scan --crs).
    Status st = opt.write ? Exec("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
                                 "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
                          : Status::Ok();
    if (!st.ok()) return Classify(st);
    if (opt.check && !memory) {
      st = Check(opt.full_check);
      if (!st.ok()) return st;
    }
    if (opt.migrate || opt.write) {
      st = Migrate(opt.write);
      if (!st.ok()) return Classify(st);
    }
    if (opt.write) {
      // Find out now, not after an hour of scanning, that nothing can be written here.
      st = Exec("BEGIN IMMEDIATE");
      if (st.ok()) st = Exec("ROLLBACK");
      if (!st.ok()) return Classify(st);
    }
    return Status::Ok();
  }

  ~SqliteStore() override;

  Result<std::optional<FileMark>> FindFile(const std::string& h) override {
    Stmt s = Prepare("SELECT path, site, offset, lines, tail_hash FROM files WHERE first_line_hash=?");
    if (!s) return Err("prepare");
    Bind(s.get(), 1, h);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<FileMark>();
    if (rc != SQLITE_ROW) return Err("query files");
    FileMark m;
    m.first_line_hash = h;
    m.path = Text(s.get(), 0);
    m.site = Text(s.get(), 1);
    m.offset = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 2));
    m.lines = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 3));
    m.tail_hash = Text(s.get(), 4);
    return std::optional<FileMark>(m);
  }

  Status Commit(const Batch& b) override {
    Status st = Exec("BEGIN IMMEDIATE");
    if (!st.ok()) return st;
    bool applied = false;
    if (!b.id.empty()) {
      // A batch sent again (a retry after an unclear failure) is applied once: its id is
      // recorded in the same transaction as its rows. Ids older than 30 days are forgotten.
      Stmt ins = Prepare("INSERT OR IGNORE INTO applied_batches (id) VALUES (?)");
      if (!ins) st = Err("prepare applied_batches");
      if (st.ok()) {
        Bind(ins.get(), 1, b.id);
        if (sqlite3_step(ins.get()) != SQLITE_DONE) st = Err("insert applied_batches");
        else applied = sqlite3_changes(db_) == 0;
      }
      if (st.ok() && !applied) {
        st = Exec("DELETE FROM applied_batches WHERE applied_at < CAST(strftime('%s','now') AS INTEGER) - 30 * 86400");
      }
    }
    if (st.ok() && applied) {
      Exec("ROLLBACK");
      return Status::Ok();
    }
    if (st.ok()) st = CommitInner(b);
    if (st.ok()) st = Exec("COMMIT");
    if (!st.ok()) {
      st = Classify(st);  // before ROLLBACK resets the error code
      Exec("ROLLBACK");   // nothing of the batch stays: the caller stops and the rescan redoes it
      return st;
    }
    return Status::Ok();
  }

  Result<std::vector<ingest::StreamRecord>> FindStreams(const std::string& key, std::size_t last) override {
    Stmt s = Prepare("SELECT id, path, site, sites FROM streams WHERE key = ? ORDER BY id");
    Stmt c = Prepare(last == 0 ? "SELECT lines, offset, hash, line_fps FROM stream_checkpoints WHERE stream = ? "
                                 "ORDER BY lines"
                               : "SELECT * FROM (SELECT lines, offset, hash, line_fps FROM stream_checkpoints "
                                 "WHERE stream = ? ORDER BY lines DESC LIMIT " + std::to_string(last) +
                                 ") ORDER BY lines");
    if (!s || !c) return Err("prepare streams");
    Bind(s.get(), 1, key);
    std::vector<ingest::StreamRecord> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      ingest::StreamRecord r;
      r.id = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
      r.key = key;
      r.path = Text(s.get(), 1);
      r.site = Text(s.get(), 2);
      r.sites = SplitLines(Text(s.get(), 3));
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return Classify(Err("query streams"));
    for (ingest::StreamRecord& r : out) {
      sqlite3_reset(c.get());
      sqlite3_bind_int64(c.get(), 1, static_cast<sqlite3_int64>(r.id));
      while ((rc = sqlite3_step(c.get())) == SQLITE_ROW) {
        ingest::Checkpoint cp{static_cast<uint64_t>(sqlite3_column_int64(c.get(), 0)),
                              static_cast<uint64_t>(sqlite3_column_int64(c.get(), 1)),
                              static_cast<uint64_t>(sqlite3_column_int64(c.get(), 2)),
                              {}};
        const void* fps = sqlite3_column_blob(c.get(), 3);
        const int n = sqlite3_column_bytes(c.get(), 3);
        if (fps != nullptr && n > 0) cp.line_fps.assign(static_cast<const char*>(fps), static_cast<std::size_t>(n));
        r.checkpoints.push_back(std::move(cp));
      }
      if (rc != SQLITE_DONE) return Classify(Err("query checkpoints"));
    }
    return out;
  }

  Result<std::optional<BehaviorCheckpoint>> LoadBehaviorCheckpoint() override {
    Stmt s = Prepare("SELECT id, data FROM behaviour_checkpoint ORDER BY id");
    if (!s) return Err("prepare behaviour checkpoint");
    BehaviorCheckpoint cp;
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      const int64_t id = sqlite3_column_int64(s.get(), 0);
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s.get(), 1));
      std::string data(p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 1)));
      if (id < 0) {
        cp.meta = std::move(data);
        any = true;
      } else {
        cp.states.emplace_back(static_cast<uint32_t>(id), std::move(data));
      }
    }
    if (rc != SQLITE_DONE) return Classify(Err("read behaviour checkpoint"));
    if (!any) return std::optional<BehaviorCheckpoint>();
    return std::optional<BehaviorCheckpoint>(std::move(cp));
  }

  Result<std::optional<int64_t>> LastHour(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT MAX(hour) FROM request_hours WHERE " + SiteFilter(sites, "site"));
    if (!s) return Err("prepare last hour");
    BindSites(s.get(), sites);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Classify(Err("query last hour"));
    if (sqlite3_column_type(s.get(), 0) == SQLITE_NULL) return std::optional<int64_t>();
    return std::optional<int64_t>(sqlite3_column_int64(s.get(), 0));
  }

  Result<std::vector<HourCount>> AttackHours(const Scope& q) override {
    Stmt s = Prepare("SELECT site, hour, cls, count FROM class_hours WHERE " + Where(q, "hour") +
                     " ORDER BY hour");
    return HourQuery(s, q);
  }

  Result<std::vector<HourCount>> RequestHours(const Scope& q) override {
    Stmt s = Prepare("SELECT site, hour, kind, SUM(count) FROM request_hours WHERE " + Where(q, "hour") +
                     " GROUP BY site, hour, kind ORDER BY hour");
    return HourQuery(s, q);
  }

  Result<uint64_t> RenameSite(const std::string& from, const std::string& to) override {
    if (from == to) return uint64_t{0};
    Stmt n = Prepare("SELECT COUNT(*) FROM request_hours WHERE site = ?");
    if (!n) return Err("prepare rename");
    Bind(n.get(), 1, from);
    if (sqlite3_step(n.get()) != SQLITE_ROW) return Classify(Err("rename"));
    const auto rows = static_cast<uint64_t>(sqlite3_column_int64(n.get(), 0));
    n.reset();
    // Rows of the same key add up; then the old rows go.
    const char* kSql[] = {
        "INSERT INTO request_hours (site, hour, kind, count) SELECT ?2, hour, kind, count FROM request_hours "
        "WHERE site = ?1 ON CONFLICT (site, hour, kind) DO UPDATE SET count = count + excluded.count",
        "DELETE FROM request_hours WHERE site = ?1",
        "INSERT INTO class_hours (site, hour, cls, count) SELECT ?2, hour, cls, count FROM class_hours "
        "WHERE site = ?1 ON CONFLICT (site, hour, cls) DO UPDATE SET count = count + excluded.count",
        "DELETE FROM class_hours WHERE site = ?1",
        "INSERT INTO attack_hours (site, hour, cls, ip, count) SELECT ?2, hour, cls, ip, count "
        "FROM attack_hours WHERE site = ?1 "
        "ON CONFLICT (site, hour, cls, ip) DO UPDATE SET count = count + excluded.count",
        "DELETE FROM attack_hours WHERE site = ?1",
        "UPDATE findings SET site = ?2 WHERE site = ?1",
        "INSERT OR REPLACE INTO site_meta (site, utc_offset) SELECT ?2, utc_offset FROM site_meta WHERE site = ?1",
        "DELETE FROM site_meta WHERE site = ?1",
        "UPDATE streams SET site = ?2 WHERE site = ?1",
        // Whole lines only: renaming a.com must not touch www.a.com.
        "UPDATE streams SET sites = substr(replace(char(10) || sites, char(10) || ?1 || char(10), "
        "char(10) || ?2 || char(10)), 2) "
        "WHERE instr(char(10) || sites, char(10) || ?1 || char(10)) > 0",
    };
    Status st = InTransaction([&]() -> Status {
      for (const char* sql : kSql) {
        Stmt x = Prepare(sql);
        if (!x) return Err("prepare rename");
        Bind(x.get(), 1, from);
        Bind(x.get(), 2, to);
        if (sqlite3_step(x.get()) != SQLITE_DONE) return Err("rename");
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return rows;
  }

  Result<std::vector<std::pair<std::string, uint64_t>>> SiteRequests(const Scope& q) override {
    Stmt s = Prepare("SELECT site, SUM(count) FROM request_hours WHERE " + Where(q, "hour") +
                     " GROUP BY site ORDER BY 2 DESC, site");
    if (!s) return Err("prepare site requests");
    BindScope(s.get(), q);
    return NameCounts(s.get(), "query site requests");
  }

  Result<std::vector<SourceTotal>> TopSources(const Scope& q, std::size_t limit) override {
    // Ranked first, joined after: the joins then run for the top rows only, not for every
    // (site, hour, source) row (ip is the key of both joined tables, so no row is multiplied).
    Stmt s = Prepare(
        "SELECT t.ip, COALESCE(src.country,''), t.n, t.lo, t.hi, "
        "COALESCE(b.classification,''), COALESCE(b.scenarios,''), COALESCE(b.evidence,'[]') "
        "FROM (SELECT ip, SUM(count) AS n, MIN(hour) AS lo, MAX(hour) AS hi FROM attack_hours "
        "WHERE cls = 255 AND " + Where(q, "hour") +
        " GROUP BY ip ORDER BY n DESC, ip LIMIT ?) t "
        "LEFT JOIN sources src ON src.ip = t.ip LEFT JOIN source_behaviour b ON b.ip = t.ip "
        "ORDER BY t.n DESC, t.ip");
    if (!s) return Err("prepare top sources");
    int i = BindScope(s.get(), q);
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<SourceTotal> out;
    Status st = Rows(s.get(), "query top sources", [&](sqlite3_stmt* r) {
      SourceTotal t;
      t.ip = Text(r, 0);
      t.country = Text(r, 1);
      t.attacks = static_cast<uint64_t>(sqlite3_column_int64(r, 2));
      t.first_seen = sqlite3_column_int64(r, 3) * 3600;
      t.last_seen = sqlite3_column_int64(r, 4) * 3600 + 3599;
      t.classification = Text(r, 5);
      t.scenarios = Text(r, 6);
      t.evidence = Text(r, 7);
      out.push_back(std::move(t));
    });
    if (!st.ok()) return st;
    Stmt c = Prepare("SELECT cls, SUM(count) FROM attack_hours WHERE ip = ? AND cls <> 255 AND " +
                     Where(q, "hour") + " GROUP BY cls ORDER BY SUM(count) DESC");
    Stmt ss = Prepare("SELECT DISTINCT site FROM attack_hours WHERE ip = ? AND cls = 255 AND " +
                      Where(q, "hour") + " ORDER BY site");
    if (!c || !ss) return Err("prepare source detail");
    for (SourceTotal& t : out) {
      sqlite3_reset(c.get());
      Bind(c.get(), 1, t.ip);
      BindScope(c.get(), q, 2);
      st = Rows(c.get(), "query source classes", [&](sqlite3_stmt* r) {
        t.classes.emplace_back(static_cast<uint8_t>(sqlite3_column_int(r, 0)),
                               static_cast<uint64_t>(sqlite3_column_int64(r, 1)));
      });
      if (!st.ok()) return st;
      sqlite3_reset(ss.get());
      Bind(ss.get(), 1, t.ip);
      BindScope(ss.get(), q, 2);
      st = Rows(ss.get(), "query source sites", [&](sqlite3_stmt* r) { t.sites.push_back(Text(r, 0)); });
      if (!st.ok()) return st;
    }
    return out;
  }

  Result<std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>>> Countries(
      const Scope& q) override {
    Stmt s = Prepare(  // summed per source first, so the join runs once per source
        "SELECT COALESCE(src.country,''), SUM(t.n), COUNT(*) FROM "
        "(SELECT ip, SUM(count) AS n FROM attack_hours WHERE cls = 255 AND " +
        Where(q, "hour") + " GROUP BY ip) t "
        "LEFT JOIN sources src ON src.ip = t.ip GROUP BY 1 ORDER BY 2 DESC, 1");
    if (!s) return Err("prepare countries");
    BindScope(s.get(), q);
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> out;
    Status st = Rows(s.get(), "query countries", [&](sqlite3_stmt* r) {
      out.push_back({Text(r, 0),
                     {static_cast<uint64_t>(sqlite3_column_int64(r, 1)),
                      static_cast<uint64_t>(sqlite3_column_int64(r, 2))}});
    });
    if (!st.ok()) return st;
    return out;
  }

  Result<uint64_t> DistinctSources(const Scope& q) override {
    Stmt s = Prepare("SELECT COUNT(DISTINCT ip) FROM attack_hours WHERE cls = 255 AND " +
                     Where(q, "hour"));
    if (!s) return Err("prepare");
    BindScope(s.get(), q);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Err("count sources");
    return static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  }

  Result<std::vector<PathTotal>> TopPaths(const Scope& q, std::size_t limit) override {
    Stmt s = Prepare("SELECT path, COUNT(*) FROM findings WHERE target_hit <> 0 AND " +
                     Where(q, "time") + " GROUP BY path ORDER BY 2 DESC, path LIMIT ?");
    if (!s) return Err("prepare top paths");
    int i = BindScope(s.get(), q, 1, true);
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<PathTotal> out;
    Status st = Rows(s.get(), "query top paths", [&](sqlite3_stmt* r) {
      PathTotal p;
      p.path = Text(r, 0);
      p.attacks = static_cast<uint64_t>(sqlite3_column_int64(r, 1));
      out.push_back(std::move(p));
    });
    if (!st.ok()) return st;
    // By (site, path): the planner would otherwise pick the time index and read every finding
    // of the window once per path.
    Stmt c = Prepare("SELECT classes, COUNT(*) FROM findings INDEXED BY findings_site_path_hit_time "
                     "WHERE path = ? AND target_hit <> 0 AND " + Where(q, "time") + " GROUP BY classes");
    if (!c) return Err("prepare path classes");
    for (PathTotal& p : out) {
      sqlite3_reset(c.get());
      Bind(c.get(), 1, p.path);
      BindScope(c.get(), q, 2, true);
      std::map<std::string, uint64_t> m;
      st = Rows(c.get(), "query path classes", [&](sqlite3_stmt* r) {
        const std::string cls = Text(r, 0);
        const auto n = static_cast<uint64_t>(sqlite3_column_int64(r, 1));
        std::size_t pos = 0;
        while (pos <= cls.size()) {
          std::size_t comma = cls.find(',', pos);
          if (comma == std::string::npos) comma = cls.size();
          if (comma > pos) m[cls.substr(pos, comma - pos)] += n;
          pos = comma + 1;
        }
      });
      if (!st.ok()) return st;
      p.classes.assign(m.begin(), m.end());
    }
    return out;
  }

  Result<std::pair<uint64_t, uint64_t>> PathCount(const Scope& q) override {
    Stmt s = Prepare("SELECT COUNT(DISTINCT path), COUNT(*) FROM findings INDEXED BY findings_site_path_hit_time "
                     "WHERE target_hit <> 0 AND " + Where(q, "time"));
    if (!s) return Err("prepare path count");
    BindScope(s.get(), q, 1, true);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Classify(Err("count paths"));
    return std::pair<uint64_t, uint64_t>(static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0)),
                                         static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1)));
  }

  Result<std::vector<SourceTotal>> TopSourcesBetween(
      const std::vector<std::string>& sites, const std::string& site, uint8_t cls,
      int64_t from_hour, int64_t to_hour, std::size_t limit, bool except_sites) override {
    const bool all = site == "*";
    Stmt s = Prepare(  // ranked first, joined after (see TopSources)
        "SELECT t.ip, t.n, COALESCE(src.country, ''), COALESCE(b.classification, '') "
        "FROM (SELECT ip, SUM(count) AS n FROM attack_hours "
        "WHERE cls = ? AND hour BETWEEN ? AND ? AND " +
        (all ? SiteFilter(sites, "site", except_sites) : std::string("site = ?")) +
        " GROUP BY ip ORDER BY n DESC, ip LIMIT ?) t "
        "LEFT JOIN sources src ON src.ip = t.ip LEFT JOIN source_behaviour b ON b.ip = t.ip "
        "ORDER BY t.n DESC, t.ip");
    if (!s) return Err("prepare surge sources");
    sqlite3_bind_int(s.get(), 1, cls);
    sqlite3_bind_int64(s.get(), 2, from_hour);
    sqlite3_bind_int64(s.get(), 3, to_hour);
    int i = 4;
    if (all) {
      i = BindSites(s.get(), sites, 4);
    } else {
      Bind(s.get(), i++, site);
    }
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<SourceTotal> out;
    Status st = Rows(s.get(), "query surge sources", [&](sqlite3_stmt* r) {
      SourceTotal t;
      t.ip = Text(r, 0);
      t.attacks = static_cast<uint64_t>(sqlite3_column_int64(r, 1));
      t.country = Text(r, 2);
      t.classification = Text(r, 3);
      out.push_back(std::move(t));
    });
    if (!st.ok()) return st;
    return out;
  }

  Result<std::optional<std::string>> LoadState(const std::string& key) override {
    Stmt s = Prepare("SELECT value FROM kept_state WHERE key = ?");
    if (!s) return Err("prepare kept state");
    Bind(s.get(), 1, key);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Classify(Err("read kept state"));
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s.get(), 0));
    return std::optional<std::string>(
        std::string(p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0))));
  }

  Status SaveState(const std::string& key, const std::string& value) override {
    return InTransaction([&]() -> Status {
      Stmt s = Prepare("INSERT INTO kept_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                       "SET value = excluded.value, updated_at = strftime('%s','now')");
      if (!s) return Err("prepare kept state");
      Bind(s.get(), 1, key);
      sqlite3_bind_blob(s.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      if (sqlite3_step(s.get()) != SQLITE_DONE) return Err("save kept state");
      return Exec("DELETE FROM kept_state WHERE updated_at < CAST(strftime('%s','now') AS INTEGER) - 90 * 86400");
    });
  }

  Status SaveProbes(const std::vector<ProbeRow>& rows) override {
    return InTransaction([&]() -> Status {
      Stmt x = Prepare(
          "INSERT OR REPLACE INTO probe_results (service, time, protocol, host, port, ok, failed_phase, failure, "
          "detail, phases, cert_not_after) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      if (!x) return Err("prepare probe_results");
      for (const ProbeRow& r : rows) {
        sqlite3_reset(x.get());
        Bind(x.get(), 1, r.service);
        sqlite3_bind_int64(x.get(), 2, r.time);
        Bind(x.get(), 3, r.protocol);
        Bind(x.get(), 4, r.host);
        sqlite3_bind_int(x.get(), 5, r.port);
        sqlite3_bind_int(x.get(), 6, r.ok ? 1 : 0);
        Bind(x.get(), 7, r.failed_phase);
        Bind(x.get(), 8, r.failure);
        Bind(x.get(), 9, r.detail);
        Bind(x.get(), 10, r.phases);
        sqlite3_bind_int64(x.get(), 11, r.cert_not_after);
        if (sqlite3_step(x.get()) != SQLITE_DONE) return Err("insert probe_results");
      }
      return Status::Ok();
    });
  }

  Result<std::vector<ProbeRow>> ProbesBetween(const std::string& service, int64_t from, int64_t to) override {
    Stmt x = Prepare(
        "SELECT service, time, protocol, host, port, ok, failed_phase, failure, detail, phases, cert_not_after "
        "FROM probe_results WHERE time >= ? AND time <= ? AND (? = '' OR service = ?) ORDER BY time, service");
    if (!x) return Err("prepare probe_results");
    sqlite3_bind_int64(x.get(), 1, from);
    sqlite3_bind_int64(x.get(), 2, to);
    Bind(x.get(), 3, service);
    Bind(x.get(), 4, service);
    std::vector<ProbeRow> out;
    int rc;
    while ((rc = sqlite3_step(x.get())) == SQLITE_ROW) {
      ProbeRow r;
      r.service = Text(x.get(), 0);
      r.time = sqlite3_column_int64(x.get(), 1);
      r.protocol = Text(x.get(), 2);
      r.host = Text(x.get(), 3);
      r.port = sqlite3_column_int(x.get(), 4);
      r.ok = sqlite3_column_int(x.get(), 5) != 0;
      r.failed_phase = Text(x.get(), 6);
      r.failure = Text(x.get(), 7);
      r.detail = Text(x.get(), 8);
      r.phases = Text(x.get(), 9);
      r.cert_not_after = sqlite3_column_int64(x.get(), 10);
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return Classify(Err("query probe_results"));
    return out;
  }

  Result<uint64_t> Prune(int64_t findings_before, int64_t hours_before) override {
    uint64_t removed = 0;
    Status st = InTransaction([&]() -> Status {
      const std::pair<const char*, int64_t> kSql[] = {
          {"DELETE FROM findings WHERE time < ?", findings_before},
          {"DELETE FROM probe_results WHERE time < ?", findings_before},
          {"DELETE FROM attack_hours WHERE hour < ?", hours_before},
          {"DELETE FROM class_hours WHERE hour < ?", hours_before},
          {"DELETE FROM request_hours WHERE hour < ?", hours_before},
      };
      for (const auto& [sql, before] : kSql) {
        Stmt x = Prepare(sql);
        if (!x) return Err("prepare prune");
        sqlite3_bind_int64(x.get(), 1, before);
        if (sqlite3_step(x.get()) != SQLITE_DONE) return Err("prune");
        removed += static_cast<uint64_t>(sqlite3_changes(db_));
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return removed;
  }

  // body() between BEGIN IMMEDIATE and COMMIT; on any failure nothing of it stays (ROLLBACK),
  // and the error is classified before the rollback resets SQLite's error code.
  template <class F>
  Status InTransaction(F&& body) {
    Status st = Exec("BEGIN IMMEDIATE");
    if (!st.ok()) return Classify(st);
    st = body();
    if (st.ok()) st = Exec("COMMIT");
    if (!st.ok()) {
      st = Classify(st);
      Exec("ROLLBACK");
    }
    return st;
  }

  Result<std::vector<std::pair<std::string, uint64_t>>> SourceClasses(const Scope& q) override {
    Stmt s = Prepare(
        "SELECT COALESCE(b.classification, ''), COUNT(*) FROM "
        "(SELECT DISTINCT ip FROM attack_hours WHERE cls = 255 AND " +
        Where(q, "hour") +
        ") a LEFT JOIN source_behaviour b ON b.ip = a.ip GROUP BY 1 ORDER BY 2 DESC");
    if (!s) return Err("prepare source classes");
    BindScope(s.get(), q);
    return NameCounts(s.get(), "query source classes");
  }

  Result<std::optional<int32_t>> SiteOffset(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT utc_offset, COUNT(*) FROM site_meta WHERE " +
                     SiteFilter(sites, "site") + " GROUP BY utc_offset ORDER BY 2 DESC LIMIT 1");
    if (!s) return Err("prepare site offset");
    BindSites(s.get(), sites);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<int32_t>();
    if (rc != SQLITE_ROW) return Classify(Err("query site offset"));
    return std::optional<int32_t>(sqlite3_column_int(s.get(), 0));
  }

  Result<std::vector<std::string>> Sites() override {
    Stmt s = Prepare("SELECT DISTINCT site FROM request_hours ORDER BY site");
    if (!s) return Err("prepare sites");
    std::vector<std::string> out;
    Status st = Rows(s.get(), "query sites", [&](sqlite3_stmt* r) { out.push_back(Text(r, 0)); });
    if (!st.ok()) return st;
    return out;
  }

 private:
  // Classified at once: the statements finalized on the way out reset SQLite's error code, so a
  // full disk found by one insert would read as a plain store error by the time Commit() sees it.
  Status Err(const std::string& what) const {
    return Classify(Status::Error("store", what + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "?")));
  }

  Status Exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg != nullptr ? msg : "?";
      sqlite3_free(msg);
      return Status::Error("store", m);
    }
    return Status::Ok();
  }

  // Steps s to its end, calling row(s) for each row; an error part-way (I/O, a damaged page)
  // is an error, never a short result that would read as the whole answer.
  template <typename F>
  Status Rows(sqlite3_stmt* s, const char* what, F&& row) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    return rc == SQLITE_DONE ? Status::Ok() : Classify(Err(what));
  }

  // (name, count) rows, in the statement's order.
  Result<std::vector<std::pair<std::string, uint64_t>>> NameCounts(sqlite3_stmt* s, const char* what) {
    std::vector<std::pair<std::string, uint64_t>> out;
    Status st = Rows(s, what, [&](sqlite3_stmt* r) {
      out.emplace_back(Text(r, 0), static_cast<uint64_t>(sqlite3_column_int64(r, 1)));
    });
    if (!st.ok()) return st;
    return out;
  }

  Stmt Prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) !=
        SQLITE_OK) {
      return Stmt();
    }
    return Stmt(s);
  }

  // SQLITE_STATIC: the text is not copied, so it must outlive the statement's use (every
  // caller binds a string that lives until the statement is stepped and reset: no temporaries,
  // which is why this takes an lvalue or a view into one). Copying cost ~780 instructions a
  // value, a fifth of what storing a finding costs.
  static void Bind(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  static void Bind(sqlite3_stmt* s, int i, std::string&& v) = delete;
  static int BindSites(sqlite3_stmt* s, const std::vector<std::string>& sites, int first = 1) {
    int i = first;
    for (const std::string& site : sites) Bind(s, i++, site);
    return i;
  }
  static std::string Text(sqlite3_stmt* s, int col) {
    const auto* p = sqlite3_column_text(s, col);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
                        : std::string();
  }

  Result<std::vector<HourCount>> HourQuery(Stmt& s, const Scope& q) {
    if (!s) return Err("prepare hours");
    BindScope(s.get(), q);
    std::vector<HourCount> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      HourCount h;
      h.site = Text(s.get(), 0);
      h.hour = sqlite3_column_int64(s.get(), 1);
      h.cls = static_cast<uint8_t>(sqlite3_column_int(s.get(), 2));
      h.count = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 3));
      out.push_back(std::move(h));
    }
    if (rc != SQLITE_DONE) return Classify(Err("query hours"));
    return out;
  }

  // "site IN (...) AND col BETWEEN ? AND ?" for a scope (col is an hour, or a time in seconds).
  static std::string Where(const Scope& q, const char* col) {
    return SiteFilter(q.sites, "site") + " AND " + col + " BETWEEN ? AND ?";
  }
  // Binds a scope's sites and range from index first; seconds for a time column. Returns the
  // next index.
  static int BindScope(sqlite3_stmt* s, const Scope& q, int first = 1, bool seconds = false) {
    int i = BindSites(s, q.sites, first);
    sqlite3_bind_int64(s, i++, seconds ? q.from_hour * 3600 : q.from_hour);
    sqlite3_bind_int64(s, i++, seconds ? q.to_hour * 3600 + 3599 : q.to_hour);
    return i;
  }

  Status Migrate(bool write) {
    auto version = [&]() -> Result<int> {
      Stmt t = Prepare("SELECT COUNT(*) FROM sqlite_master WHERE name='schema_migrations'");
      if (!t || sqlite3_step(t.get()) != SQLITE_ROW) return Err("read schema version");
      if (sqlite3_column_int(t.get(), 0) == 0) return 0;
      Stmt v = Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (!v || sqlite3_step(v.get()) != SQLITE_ROW) return Err("read schema version");
      return sqlite3_column_int(v.get(), 0);
    };
    const int target = SchemaVersion();
    auto newer = [&](int current) {
      return Status::Error("store", TrFill("store.schema_newer", {{"{current}", std::to_string(current)},
                                                                   {"{target}", std::to_string(target)}}));
    };
    auto cur = version();
    if (!cur.ok()) return cur.status();
    if (cur.value() > target) return newer(cur.value());
    if (cur.value() == target) return Status::Ok();
    if (!write) {
      return Status::Error("store", TrFill("store.schema_older", {{"{current}", std::to_string(cur.value())},
                                                                   {"{target}", std::to_string(target)}}));
    }
    // All pending migrations in one write transaction, with the version read again inside it:
    // two processes opening a new database at once cannot both apply a migration, and the
    // second finds the schema up to date.
    Status st = Exec("BEGIN IMMEDIATE");
    if (!st.ok()) return st;
    st = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)");
    if (st.ok()) {
      cur = version();
      if (!cur.ok()) st = cur.status();
      else if (cur.value() > target) st = newer(cur.value());
    }
    for (int v = st.ok() ? cur.value() : target; v < target && st.ok(); ++v) {
      st = Exec(kMigrations[v]);
      if (st.ok()) {
        st = Exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(v + 1) + ")");
      }
      if (!st.ok()) {
        st = Status::Error(st.code(), TrFill("store.migration_failed",
                                             {{"{version}", std::to_string(v + 1)}, {"{detail}", st.message()}}));
      }
    }
    if (!st.ok()) {
      Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  // The database file: created 0600 (it holds log contents) in a parent created 0700 when the
  // parent is new; an existing file keeps its mode.
  static Status PrepareFile(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::exists(parent, ec)) {
      // Each missing level is made 0700.
      std::vector<fs::path> missing;
      for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
      }
      for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
          return Status::Error("store", it->string() + ": " + ErrnoText(errno));
        }
      }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::Error("store", path + ": " + ErrnoText(EISDIR));
      return Status::Ok();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno != EEXIST) {
      return Status::Error(errno == EACCES || errno == EROFS ? "readonly" : "store",
                           path + ": " + ErrnoText(errno));
    }
    if (fd >= 0) ::close(fd);
    return Status::Ok();
  }

  Status Lock(const std::string& lock_path, const OpenOptions& opt) {
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd_ < 0) {
      return Status::Error(errno == EACCES || errno == EROFS ? "readonly" : "store",
                           lock_path + ": " + ErrnoText(errno));
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(std::max(0, opt.lock_wait_seconds));
    bool told = false;
    for (;;) {
      if (::flock(lock_fd_, LOCK_EX | LOCK_NB) == 0) break;
      if (errno != EWOULDBLOCK && errno != EINTR) {
        return Status::Error("store", lock_path + ": " + ErrnoText(errno));
      }
      std::string holder;
      char buf[32] = {};
      if (::pread(lock_fd_, buf, sizeof buf - 1, 0) > 0) holder = buf;
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::Error("locked", path_ + " (" +
                                           TrFill("store.lock_waited",
                                                  {{"{holder}", holder.empty() ? "?" : "pid " + holder},
                                                   {"{seconds}", std::to_string(opt.lock_wait_seconds)}}) +
                                           ")");
      }
      if (!told && opt.on_wait) opt.on_wait(holder.empty() ? "?" : "pid " + holder);
      told = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Who holds it, for the message a waiting process prints.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd_, 0) == 0 && ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
      // informational only
    }
    return Status::Ok();
  }

  Status Check(bool full) {
    Stmt s = Prepare(full ? "PRAGMA integrity_check(5)" : "PRAGMA quick_check(5)");
    if (!s) return Classify(Err("check"));
    std::string problems;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      const std::string line = Text(s.get(), 0);
      if (line == "ok") continue;
      if (!problems.empty()) problems += "; ";
      problems += line;
    }
    if (rc != SQLITE_DONE) return Classify(Err(full ? "integrity_check" : "quick_check"));
    if (!problems.empty()) return Status::Error("damaged", path_ + ": " + problems);
    return Status::Ok();
  }

  // Errors that mean a damaged file or a read-only one get their own codes (the CLI says what
  // to do about each).
  Status Classify(Status st) const {
    if (st.ok() || db_ == nullptr || st.code() != "store") return st;  // (classified already)
    const int ec = sqlite3_errcode(db_) & 0xff;
    if (ec == SQLITE_CORRUPT || ec == SQLITE_NOTADB) return Status::Error("damaged", path_ + ": " + st.message());
    if (ec == SQLITE_READONLY || ec == SQLITE_CANTOPEN || ec == SQLITE_PERM) {
      return Status::Error(ec == SQLITE_CANTOPEN ? "store" : "readonly", path_ + ": " + st.message());
    }
    // A write that failed is (nearly always) a full disk, a quota or a file size limit: SQLite
    // says SQLITE_FULL for some and SQLITE_IOERR_WRITE for others (EFBIG, EDQUOT).
    const int xc = sqlite3_extended_errcode(db_);
    if (ec == SQLITE_FULL || xc == SQLITE_IOERR_WRITE || xc == SQLITE_IOERR_FSYNC ||
        xc == SQLITE_IOERR_TRUNCATE || xc == SQLITE_IOERR_SHMSIZE) {
      return Status::Error("full", path_ + ": " + st.message());
    }
    return st;
  }

  Status CommitInner(const Batch& b) {
    Stmt a = Prepare(
        "INSERT INTO attack_hours (site, hour, cls, ip, count) VALUES (?,?,?,?,?) "
        "ON CONFLICT (site, hour, cls, ip) DO UPDATE SET count = count + excluded.count");
    Stmt r = Prepare(
        "INSERT INTO request_hours (site, hour, kind, count) VALUES (?,?,?,?) "
        "ON CONFLICT (site, hour, kind) DO UPDATE SET count = count + excluded.count");
    Stmt src = Prepare(
        "INSERT INTO sources (ip, country, first_seen, last_seen) VALUES (?,?,?,?) "
        "ON CONFLICT (ip) DO UPDATE SET country = excluded.country, "
        "first_seen = MIN(first_seen, excluded.first_seen), "
        "last_seen = MAX(last_seen, excluded.last_seen)");
    Stmt f = Prepare(
        "INSERT INTO findings (site, time, ip, classes, detectors, evidence, method, target, "
        "path, status, user_agent, file, line, target_hit, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt ch = Prepare(
        "INSERT INTO class_hours (site, hour, cls, count) VALUES (?,?,?,?) "
        "ON CONFLICT (site, hour, cls) DO UPDATE SET count = count + excluded.count");
    Stmt bh = Prepare(
        "INSERT INTO source_behaviour (ip, classification, scenarios, evidence, requests, "
        "first_seen, last_seen, crawler, verified) VALUES (?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (ip) DO UPDATE SET "
        "scenarios = CASE WHEN " RANK("excluded.classification") " >= " RANK("classification")
        " THEN excluded.scenarios ELSE scenarios END, "
        "evidence = CASE WHEN " RANK("excluded.classification") " >= " RANK("classification")
        " THEN excluded.evidence ELSE evidence END, "
        "classification = CASE WHEN " RANK("excluded.classification") " >= " RANK("classification")
        " THEN excluded.classification ELSE classification END, "
        "requests = requests + excluded.requests, "
        "first_seen = MIN(first_seen, excluded.first_seen), "
        "last_seen = MAX(last_seen, excluded.last_seen), "
        "crawler = CASE WHEN excluded.crawler <> '' THEN excluded.crawler ELSE crawler END, "
        "verified = MAX(verified, excluded.verified)");
    if (!a || !r || !src || !f || !ch || !bh) return Err("prepare insert");
    Stmt so = Prepare(
        "INSERT INTO site_meta (site, utc_offset) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET "
        "utc_offset = excluded.utc_offset, updated_at = strftime('%s','now')");
    if (!so) return Err("prepare site_meta");
    for (const auto& [site, off] : b.site_offsets) {
      sqlite3_reset(so.get());
      Bind(so.get(), 1, site);
      sqlite3_bind_int(so.get(), 2, off);
      if (sqlite3_step(so.get()) != SQLITE_DONE) return Err("insert site_meta");
    }
    for (const SourceBehavior& x : b.behaviors) {
      sqlite3_reset(bh.get());
      Bind(bh.get(), 1, x.ip);
      Bind(bh.get(), 2, x.classification);
      Bind(bh.get(), 3, x.scenarios);
      Bind(bh.get(), 4, x.evidence);
      sqlite3_bind_int64(bh.get(), 5, static_cast<sqlite3_int64>(x.requests));
      sqlite3_bind_int64(bh.get(), 6, x.first_seen);
      sqlite3_bind_int64(bh.get(), 7, x.last_seen);
      Bind(bh.get(), 8, x.crawler);
      sqlite3_bind_int(bh.get(), 9, x.verified ? 1 : 0);
      if (sqlite3_step(bh.get()) != SQLITE_DONE) return Err("insert source_behaviour");
    }
    // Per site x hour x class totals (without the source) for the daily series.
    std::map<std::tuple<std::string, int64_t, int>, uint64_t> totals;
    for (const AttackAgg& x : b.attacks) totals[{x.site, x.hour, x.cls}] += x.count;
    for (const auto& [k, n] : totals) {
      sqlite3_reset(ch.get());
      Bind(ch.get(), 1, std::get<0>(k));
      sqlite3_bind_int64(ch.get(), 2, std::get<1>(k));
      sqlite3_bind_int(ch.get(), 3, std::get<2>(k));
      sqlite3_bind_int64(ch.get(), 4, static_cast<sqlite3_int64>(n));
      if (sqlite3_step(ch.get()) != SQLITE_DONE) return Err("insert class_hours");
    }
    for (const AttackAgg& x : b.attacks) {
      sqlite3_reset(a.get());
      Bind(a.get(), 1, x.site);
      sqlite3_bind_int64(a.get(), 2, x.hour);
      sqlite3_bind_int(a.get(), 3, x.cls);
      Bind(a.get(), 4, x.ip);
      sqlite3_bind_int64(a.get(), 5, static_cast<sqlite3_int64>(x.count));
      if (sqlite3_step(a.get()) != SQLITE_DONE) return Err("insert attack_hours");
    }
    for (const RequestAgg& x : b.requests) {
      sqlite3_reset(r.get());
      Bind(r.get(), 1, x.site);
      sqlite3_bind_int64(r.get(), 2, x.hour);
      sqlite3_bind_int(r.get(), 3, x.kind);
      sqlite3_bind_int64(r.get(), 4, static_cast<sqlite3_int64>(x.count));
      if (sqlite3_step(r.get()) != SQLITE_DONE) return Err("insert request_hours");
    }
    for (const SourceInfo& x : b.sources) {
      sqlite3_reset(src.get());
      Bind(src.get(), 1, x.ip);
      Bind(src.get(), 2, x.country);
      sqlite3_bind_int64(src.get(), 3, x.first_seen);
      sqlite3_bind_int64(src.get(), 4, x.last_seen);
      if (sqlite3_step(src.get()) != SQLITE_DONE) return Err("insert sources");
    }
    for (const Finding& x : b.findings) {
      sqlite3_reset(f.get());
      Bind(f.get(), 1, x.site);
      sqlite3_bind_int64(f.get(), 2, x.time);
      Bind(f.get(), 3, x.ip);
      Bind(f.get(), 4, x.classes);
      Bind(f.get(), 5, x.detectors);
      Bind(f.get(), 6, x.evidence);
      Bind(f.get(), 7, x.method);
      Bind(f.get(), 8, x.target);
      const std::size_t q = x.target.find_first_of("?#");
      Bind(f.get(), 9, std::string_view(x.target).substr(0, q));  // the path: a view, not a copy
      sqlite3_bind_int(f.get(), 10, x.status);
      Bind(f.get(), 11, x.user_agent);
      Bind(f.get(), 12, x.file);
      sqlite3_bind_int64(f.get(), 13, static_cast<sqlite3_int64>(x.line));
      sqlite3_bind_int(f.get(), 14, x.target_hit ? 1 : 0);
      sqlite3_bind_int(f.get(), 15, x.kind);
      if (sqlite3_step(f.get()) != SQLITE_DONE) return Err("insert findings");
    }
    Status st = CommitStreams(b);
    if (!st.ok()) return st;
    return CommitBehaviorCheckpoint(b);
  }

  static std::vector<std::string> SplitLines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t p = 0;
    while (p < s.size()) {
      std::size_t e = s.find('\n', p);
      if (e == std::string::npos) e = s.size();
      if (e > p) out.push_back(s.substr(p, e - p));
      p = e + 1;
    }
    return out;
  }

  Status CommitStreams(const Batch& b) {
    if (b.streams.empty() && b.legacy_files_done.empty()) return Status::Ok();
    Stmt get = Prepare("SELECT sites FROM streams WHERE id = ?");
    Stmt up = Prepare(
        "INSERT INTO streams (id, key, path, site, sites, lines, offset) VALUES (?,?,?,?,?,?,?) "
        "ON CONFLICT (id) DO UPDATE SET path = excluded.path, site = excluded.site, "
        "sites = excluded.sites, lines = MAX(lines, excluded.lines), offset = excluded.offset, "
        "updated_at = strftime('%s','now')");
    Stmt cp = Prepare(
        "INSERT OR REPLACE INTO stream_checkpoints (stream, lines, offset, hash, line_fps) "
        "VALUES (?,?,?,?,?)");
    Stmt del = Prepare("DELETE FROM files WHERE first_line_hash = ?");
    if (!get || !up || !cp || !del) return Err("prepare streams");
    constexpr std::size_t kMaxSites = 64;
    for (const ingest::StreamUpdate& u : b.streams) {
      // The sites its lines went to: the union with what is stored, bounded; "*" last says
      // there were more (a report then covers every site).
      sqlite3_reset(get.get());
      sqlite3_bind_int64(get.get(), 1, static_cast<sqlite3_int64>(u.id));
      std::vector<std::string> sites;
      if (sqlite3_step(get.get()) == SQLITE_ROW) sites = SplitLines(Text(get.get(), 0));
      for (const std::string& x : u.sites) {
        if (std::find(sites.begin(), sites.end(), x) != sites.end()) continue;
        if (sites.size() >= kMaxSites) {
          if (sites.back() != "*") sites.back() = "*";
          break;
        }
        sites.push_back(x);
      }
      std::string joined;
      for (const std::string& x : sites) joined += x + "\n";
      sqlite3_reset(up.get());
      sqlite3_bind_int64(up.get(), 1, static_cast<sqlite3_int64>(u.id));
      Bind(up.get(), 2, u.key);
      Bind(up.get(), 3, u.path);
      Bind(up.get(), 4, u.site);
      Bind(up.get(), 5, joined);
      sqlite3_bind_int64(up.get(), 6, static_cast<sqlite3_int64>(u.lines));
      sqlite3_bind_int64(up.get(), 7, static_cast<sqlite3_int64>(u.offset));
      if (sqlite3_step(up.get()) != SQLITE_DONE) return Err("insert streams");
      for (const ingest::Checkpoint& c : u.checkpoints) {
        sqlite3_reset(cp.get());
        sqlite3_bind_int64(cp.get(), 1, static_cast<sqlite3_int64>(u.id));
        sqlite3_bind_int64(cp.get(), 2, static_cast<sqlite3_int64>(c.lines));
        sqlite3_bind_int64(cp.get(), 3, static_cast<sqlite3_int64>(c.offset));
        sqlite3_bind_int64(cp.get(), 4, static_cast<sqlite3_int64>(c.hash));
        sqlite3_bind_blob(cp.get(), 5, c.line_fps.data(), static_cast<int>(c.line_fps.size()),
                          SQLITE_TRANSIENT);
        if (sqlite3_step(cp.get()) != SQLITE_DONE) return Err("insert checkpoints");
      }
    }
    for (const std::string& k : b.legacy_files_done) {
      sqlite3_reset(del.get());
      Bind(del.get(), 1, k);
      if (sqlite3_step(del.get()) != SQLITE_DONE) return Err("delete legacy mark");
    }
    return Status::Ok();
  }

  Status CommitBehaviorCheckpoint(const Batch& b) {
    if (!b.behavior_checkpoint) return Status::Ok();
    const BehaviorCheckpointDelta& d = *b.behavior_checkpoint;
    if (d.clear) return Exec("DELETE FROM behaviour_checkpoint");
    Stmt put = Prepare("INSERT OR REPLACE INTO behaviour_checkpoint (id, data) VALUES (?, ?)");
    Stmt del = Prepare("DELETE FROM behaviour_checkpoint WHERE id = ?");
    if (!put || !del) return Err("prepare behaviour checkpoint");
    auto write = [&](int64_t id, const std::string& data) {
      sqlite3_reset(put.get());
      sqlite3_bind_int64(put.get(), 1, id);
      sqlite3_bind_blob(put.get(), 2, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
      return sqlite3_step(put.get()) == SQLITE_DONE;
    };
    if (!write(-1, d.meta)) return Err("write behaviour checkpoint");
    for (const auto& [id, data] : d.states) {
      if (!write(id, data)) return Err("write behaviour checkpoint");
    }
    for (uint32_t id : d.freed) {
      sqlite3_reset(del.get());
      sqlite3_bind_int64(del.get(), 1, id);
      if (sqlite3_step(del.get()) != SQLITE_DONE) return Err("write behaviour checkpoint");
    }
    return Status::Ok();
  }

  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  std::string path_;
};

SqliteStore::~SqliteStore() {
  if (db_ != nullptr) sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

}  // namespace

int SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

std::string DefaultDbPath() {
  const std::string dir = DefaultDataDir();
  return dir.empty() ? "keikai.db" : dir + "/keikai.db";
}

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const OpenOptions& opt) {
  auto s = std::make_unique<SqliteStore>();
  Status st = s->Open(path, opt);
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace keikai::store
