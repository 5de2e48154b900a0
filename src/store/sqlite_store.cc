#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>

#include "keikai/core/files.h"
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
};

// Strength of a behaviour classification, for keeping the strongest verdict of a source.
#define RANK(col)                                                                           \
  "(CASE " col " WHEN 'scanner' THEN 4 WHEN 'bad-bot' THEN 3 WHEN 'crawler' THEN 2 "       \
  "WHEN 'human' THEN 1 ELSE 0 END)"

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

std::string SiteFilter(const std::vector<std::string>& sites, const char* col) {
  if (sites.empty()) return "1";
  std::string s = std::string(col) + " IN (";
  for (std::size_t i = 0; i < sites.size(); ++i) s += i == 0 ? "?" : ",?";
  return s + ")";
}

class SqliteStore : public Store {
 public:
  ~SqliteStore() override {
    if (db_ != nullptr) sqlite3_close(db_);
  }

  Status Open(const std::string& path) {
    if (path != ":memory:") {
      std::error_code ec;
      const auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    }
    // NOMUTEX: a Store is used by one thread at a time (store.h), so the connection's own
    // mutex only cost time (two million lock/unlock pairs in a 1M-line scan).
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      return Err("cannot open database " + path);
    }
    sqlite3_busy_timeout(db_, 5000);
    // page_size (new databases only; it must precede WAL): 16 KiB pages instead of 4 KiB put
    // four times as many index entries on a page, so a batch of findings dirties a third of
    // the pages (10,500 -> 3,500 page writes and ~5% of a 1M-line scan --crs).
    Status st = Exec(
        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;");
    if (!st.ok()) return st;
    return Migrate();
  }

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
    st = CommitInner(b);
    if (!st.ok()) {
      Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  Result<std::vector<HourCount>> AttackHours(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT site, hour, cls, count FROM class_hours WHERE " +
                     SiteFilter(sites, "site") + " ORDER BY hour");
    return HourQuery(s, sites);
  }

  Result<std::vector<HourCount>> RequestHours(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT site, hour, 0, count FROM request_hours WHERE " +
                     SiteFilter(sites, "site") + " ORDER BY hour");
    return HourQuery(s, sites);
  }

  Result<std::vector<SourceTotal>> TopSources(const std::vector<std::string>& sites,
                                              std::size_t limit) override {
    // Ranked first, joined after: the joins then run for the top rows only, not for every
    // (site, hour, source) row (ip is the key of both joined tables, so no row is multiplied).
    Stmt s = Prepare(
        "SELECT t.ip, COALESCE(src.country,''), t.n, t.lo, t.hi, "
        "COALESCE(b.classification,''), COALESCE(b.scenarios,''), COALESCE(b.evidence,'[]') "
        "FROM (SELECT ip, SUM(count) AS n, MIN(hour) AS lo, MAX(hour) AS hi FROM attack_hours "
        "WHERE cls = 255 AND " + SiteFilter(sites, "site") +
        " GROUP BY ip ORDER BY n DESC, ip LIMIT ?) t "
        "LEFT JOIN sources src ON src.ip = t.ip LEFT JOIN source_behaviour b ON b.ip = t.ip "
        "ORDER BY t.n DESC, t.ip");
    if (!s) return Err("prepare top sources");
    int i = BindSites(s.get(), sites);
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<SourceTotal> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      SourceTotal t;
      t.ip = Text(s.get(), 0);
      t.country = Text(s.get(), 1);
      t.attacks = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 2));
      t.first_seen = sqlite3_column_int64(s.get(), 3) * 3600;
      t.last_seen = sqlite3_column_int64(s.get(), 4) * 3600 + 3599;
      t.classification = Text(s.get(), 5);
      t.scenarios = Text(s.get(), 6);
      t.evidence = Text(s.get(), 7);
      out.push_back(std::move(t));
    }
    Stmt c = Prepare("SELECT cls, SUM(count) FROM attack_hours WHERE ip = ? AND cls <> 255 AND " +
                     SiteFilter(sites, "site") + " GROUP BY cls ORDER BY SUM(count) DESC");
    Stmt ss = Prepare("SELECT DISTINCT site FROM attack_hours WHERE ip = ? AND cls = 255 AND " +
                      SiteFilter(sites, "site") + " ORDER BY site");
    if (!c || !ss) return Err("prepare source detail");
    for (SourceTotal& t : out) {
      sqlite3_reset(c.get());
      Bind(c.get(), 1, t.ip);
      BindSites(c.get(), sites, 2);
      while (sqlite3_step(c.get()) == SQLITE_ROW) {
        t.classes.emplace_back(static_cast<uint8_t>(sqlite3_column_int(c.get(), 0)),
                               static_cast<uint64_t>(sqlite3_column_int64(c.get(), 1)));
      }
      sqlite3_reset(ss.get());
      Bind(ss.get(), 1, t.ip);
      BindSites(ss.get(), sites, 2);
      while (sqlite3_step(ss.get()) == SQLITE_ROW) t.sites.push_back(Text(ss.get(), 0));
    }
    return out;
  }

  Result<std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>>> Countries(
      const std::vector<std::string>& sites) override {
    Stmt s = Prepare(  // summed per source first, so the join runs once per source
        "SELECT COALESCE(src.country,''), SUM(t.n), COUNT(*) FROM "
        "(SELECT ip, SUM(count) AS n FROM attack_hours WHERE cls = 255 AND " +
        SiteFilter(sites, "site") + " GROUP BY ip) t "
        "LEFT JOIN sources src ON src.ip = t.ip GROUP BY 1 ORDER BY 2 DESC");
    if (!s) return Err("prepare countries");
    BindSites(s.get(), sites);
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.push_back({Text(s.get(), 0),
                     {static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1)),
                      static_cast<uint64_t>(sqlite3_column_int64(s.get(), 2))}});
    }
    return out;
  }

  Result<uint64_t> DistinctSources(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT COUNT(DISTINCT ip) FROM attack_hours WHERE cls = 255 AND " +
                     SiteFilter(sites, "site"));
    if (!s) return Err("prepare");
    BindSites(s.get(), sites);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Err("count sources");
    return static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  }

  Result<std::vector<PathTotal>> TopPaths(const std::vector<std::string>& sites,
                                          std::size_t limit) override {
    Stmt s = Prepare("SELECT path, COUNT(*) FROM findings WHERE " + SiteFilter(sites, "site") +
                     " GROUP BY path ORDER BY 2 DESC, path LIMIT ?");
    if (!s) return Err("prepare top paths");
    int i = BindSites(s.get(), sites);
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<PathTotal> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      PathTotal p;
      p.path = Text(s.get(), 0);
      p.attacks = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
      out.push_back(std::move(p));
    }
    Stmt c = Prepare("SELECT classes, COUNT(*) FROM findings WHERE path = ? AND " +
                     SiteFilter(sites, "site") + " GROUP BY classes");
    if (!c) return Err("prepare path classes");
    for (PathTotal& p : out) {
      sqlite3_reset(c.get());
      Bind(c.get(), 1, p.path);
      BindSites(c.get(), sites, 2);
      std::map<std::string, uint64_t> m;
      while (sqlite3_step(c.get()) == SQLITE_ROW) {
        const std::string cls = Text(c.get(), 0);
        const auto n = static_cast<uint64_t>(sqlite3_column_int64(c.get(), 1));
        std::size_t pos = 0;
        while (pos <= cls.size()) {
          std::size_t comma = cls.find(',', pos);
          if (comma == std::string::npos) comma = cls.size();
          if (comma > pos) m[cls.substr(pos, comma - pos)] += n;
          pos = comma + 1;
        }
      }
      p.classes.assign(m.begin(), m.end());
    }
    return out;
  }

  Result<std::vector<Finding>> Findings(const std::vector<std::string>& sites,
                                        std::size_t limit) override {
    Stmt s = Prepare(
        "SELECT site, time, ip, classes, detectors, evidence, method, target, status, user_agent, "
        "file, line FROM findings WHERE " +
        SiteFilter(sites, "site") + " ORDER BY time, id LIMIT ?");
    if (!s) return Err("prepare findings");
    int i = BindSites(s.get(), sites);
    sqlite3_bind_int64(s.get(), i, static_cast<sqlite3_int64>(limit));
    std::vector<Finding> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      Finding f;
      f.site = Text(s.get(), 0);
      f.time = sqlite3_column_int64(s.get(), 1);
      f.ip = Text(s.get(), 2);
      f.classes = Text(s.get(), 3);
      f.detectors = Text(s.get(), 4);
      f.evidence = Text(s.get(), 5);
      f.method = Text(s.get(), 6);
      f.target = Text(s.get(), 7);
      f.status = sqlite3_column_int(s.get(), 8);
      f.user_agent = Text(s.get(), 9);
      f.file = Text(s.get(), 10);
      f.line = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 11));
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::vector<SourceTotal>> TopSourcesBetween(
      const std::vector<std::string>& sites, const std::string& site, uint8_t cls,
      int64_t from_hour, int64_t to_hour, std::size_t limit) override {
    const bool all = site == "*";
    Stmt s = Prepare(  // ranked first, joined after (see TopSources)
        "SELECT t.ip, t.n, COALESCE(src.country, ''), COALESCE(b.classification, '') "
        "FROM (SELECT ip, SUM(count) AS n FROM attack_hours "
        "WHERE cls = ? AND hour BETWEEN ? AND ? AND " +
        (all ? SiteFilter(sites, "site") : std::string("site = ?")) +
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
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      SourceTotal t;
      t.ip = Text(s.get(), 0);
      t.attacks = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
      t.country = Text(s.get(), 2);
      t.classification = Text(s.get(), 3);
      out.push_back(std::move(t));
    }
    return out;
  }

  Result<std::vector<std::pair<std::string, uint64_t>>> SourceClasses(
      const std::vector<std::string>& sites) override {
    Stmt s = Prepare(
        "SELECT COALESCE(b.classification, ''), COUNT(*) FROM "
        "(SELECT DISTINCT ip FROM attack_hours WHERE cls = 255 AND " +
        SiteFilter(sites, "site") +
        ") a LEFT JOIN source_behaviour b ON b.ip = a.ip GROUP BY 1 ORDER BY 2 DESC");
    if (!s) return Err("prepare source classes");
    BindSites(s.get(), sites);
    std::vector<std::pair<std::string, uint64_t>> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.emplace_back(Text(s.get(), 0), static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1)));
    }
    return out;
  }

  Result<std::optional<int32_t>> SiteOffset(const std::vector<std::string>& sites) override {
    Stmt s = Prepare("SELECT utc_offset, COUNT(*) FROM site_meta WHERE " +
                     SiteFilter(sites, "site") + " GROUP BY utc_offset ORDER BY 2 DESC LIMIT 1");
    if (!s) return Err("prepare site offset");
    BindSites(s.get(), sites);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return std::optional<int32_t>();
    return std::optional<int32_t>(sqlite3_column_int(s.get(), 0));
  }

  Result<std::vector<std::string>> Sites() override {
    Stmt s = Prepare("SELECT DISTINCT site FROM request_hours ORDER BY site");
    if (!s) return Err("prepare sites");
    std::vector<std::string> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(Text(s.get(), 0));
    return out;
  }

 private:
  Status Err(const std::string& what) const {
    return Status::Error("store", what + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "?"));
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

  Result<std::vector<HourCount>> HourQuery(Stmt& s, const std::vector<std::string>& sites) {
    if (!s) return Err("prepare hours");
    BindSites(s.get(), sites);
    std::vector<HourCount> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      HourCount h;
      h.site = Text(s.get(), 0);
      h.hour = sqlite3_column_int64(s.get(), 1);
      h.cls = static_cast<uint8_t>(sqlite3_column_int(s.get(), 2));
      h.count = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 3));
      out.push_back(std::move(h));
    }
    return out;
  }

  Status Migrate() {
    Status st = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)");
    if (!st.ok()) return st;
    Stmt s = Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!s || sqlite3_step(s.get()) != SQLITE_ROW) return Err("read schema version");
    const int current = sqlite3_column_int(s.get(), 0);
    s.reset();
    const int target = SchemaVersion();
    if (current > target) {
      return Status::Error("store", "the database schema (version " + std::to_string(current) +
                                        ") is newer than this keikai (" + std::to_string(target) +
                                        "); upgrade keikai or use another --db");
    }
    for (int v = current; v < target; ++v) {
      st = Exec("BEGIN");
      if (!st.ok()) return st;
      st = Exec(kMigrations[v]);
      if (st.ok()) {
        st = Exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(v + 1) + ")");
      }
      if (!st.ok()) {
        Exec("ROLLBACK");
        return Status::Error("store", "migration to version " + std::to_string(v + 1) +
                                          " failed: " + st.message());
      }
      st = Exec("COMMIT");
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  Status CommitInner(const Batch& b) {
    Stmt a = Prepare(
        "INSERT INTO attack_hours (site, hour, cls, ip, count) VALUES (?,?,?,?,?) "
        "ON CONFLICT (site, hour, cls, ip) DO UPDATE SET count = count + excluded.count");
    Stmt r = Prepare(
        "INSERT INTO request_hours (site, hour, count) VALUES (?,?,?) "
        "ON CONFLICT (site, hour) DO UPDATE SET count = count + excluded.count");
    Stmt src = Prepare(
        "INSERT INTO sources (ip, country, first_seen, last_seen) VALUES (?,?,?,?) "
        "ON CONFLICT (ip) DO UPDATE SET country = excluded.country, "
        "first_seen = MIN(first_seen, excluded.first_seen), "
        "last_seen = MAX(last_seen, excluded.last_seen)");
    Stmt f = Prepare(
        "INSERT INTO findings (site, time, ip, classes, detectors, evidence, method, target, "
        "path, status, user_agent, file, line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt ch = Prepare(
        "INSERT INTO class_hours (site, hour, cls, count) VALUES (?,?,?,?) "
        "ON CONFLICT (site, hour, cls) DO UPDATE SET count = count + excluded.count");
    Stmt fm = Prepare(
        "INSERT INTO files (first_line_hash, path, site, offset, lines, tail_hash) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (first_line_hash) DO UPDATE SET path = excluded.path, "
        "site = excluded.site, offset = excluded.offset, lines = excluded.lines, "
        "tail_hash = excluded.tail_hash, updated_at = strftime('%s','now')");
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
    if (!a || !r || !src || !f || !fm || !ch || !bh) return Err("prepare insert");
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
      sqlite3_bind_int64(r.get(), 3, static_cast<sqlite3_int64>(x.count));
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
      if (sqlite3_step(f.get()) != SQLITE_DONE) return Err("insert findings");
    }
    for (const FileMark& x : b.files) {
      sqlite3_reset(fm.get());
      Bind(fm.get(), 1, x.first_line_hash);
      Bind(fm.get(), 2, x.path);
      Bind(fm.get(), 3, x.site);
      sqlite3_bind_int64(fm.get(), 4, static_cast<sqlite3_int64>(x.offset));
      sqlite3_bind_int64(fm.get(), 5, static_cast<sqlite3_int64>(x.lines));
      Bind(fm.get(), 6, x.tail_hash);
      if (sqlite3_step(fm.get()) != SQLITE_DONE) return Err("insert files");
    }
    return Status::Ok();
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

int SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

std::string DefaultDbPath() {
  const std::string dir = DefaultDataDir();
  return dir.empty() ? "keikai.db" : dir + "/keikai.db";
}

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path) {
  auto s = std::make_unique<SqliteStore>();
  Status st = s->Open(path);
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace keikai::store
