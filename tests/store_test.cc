#include <gtest/gtest.h>
#include <sqlite3.h>

#include "keikai/store/store.h"
#include "test_util.h"

namespace keikai::store {
namespace {

TEST(SqliteStore, MigratesOnceAndReopens) {
  keikai::testing::TempDir dir;
  const std::string path = dir / "sub/dir/k.db";
  {
    auto s = OpenSqlite(path);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  {
    auto again = OpenSqlite(path);
    ASSERT_TRUE(again.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_migrations", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), SchemaVersion());
  EXPECT_EQ(sqlite3_column_int(st, 1), SchemaVersion());
  sqlite3_finalize(st);
  // A database from a newer keikai is refused with a clear message.
  sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto newer = OpenSqlite(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("newer"), std::string::npos);
}

// The registry opens a location by its scheme; a location without one is a SQLite path.
TEST(StoreRegistry, OpensByScheme) {
  keikai::testing::TempDir dir;
  const std::string path = dir / "k.db";
  ASSERT_FALSE(StoreKinds().empty());
  EXPECT_STREQ(StoreKinds()[0].scheme, "sqlite");
  {
    auto s = Open("sqlite:" + path);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  OpenOptions ro;
  ro.write = false;
  ro.create = false;
  EXPECT_TRUE(Open(path, ro).ok());  // the same file, by its path
  auto missing = Open("sqlite:" + (dir / "none.db"), ro);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "no_database");
}

// A batch sent again (same id) is applied once; batches without an id always apply.
TEST(SqliteStore, BatchSentAgainIsAppliedOnce) {
  auto s = OpenSqlite(":memory:");
  ASSERT_TRUE(s.ok());
  Batch b;
  b.id = "run1:1";
  b.requests = {{"a.jp", 400000, 10}};
  ASSERT_TRUE(s.value()->Commit(b).ok());
  ASSERT_TRUE(s.value()->Commit(b).ok());  // the retry
  auto total = [&] {
    auto h = s.value()->RequestHours({});
    EXPECT_TRUE(h.ok());
    uint64_t n = 0;
    for (const auto& x : h.value()) n += x.count;
    return n;
  };
  EXPECT_EQ(total(), 10u);
  b.id = "run1:2";
  ASSERT_TRUE(s.value()->Commit(b).ok());
  EXPECT_EQ(total(), 20u);
  b.id.clear();
  ASSERT_TRUE(s.value()->Commit(b).ok());
  ASSERT_TRUE(s.value()->Commit(b).ok());
  EXPECT_EQ(total(), 40u);
}

// Kept state (the surge detector's memory): saved, replaced, read back; a reader cannot save.
TEST(SqliteStore, KeepsStateByKey) {
  keikai::testing::TempDir dir;
  const std::string path = dir / "k.db";
  {
    auto s = OpenSqlite(path);
    ASSERT_TRUE(s.ok());
    auto none = s.value()->LoadState("surge/x");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().has_value());
    ASSERT_TRUE(s.value()->SaveState("surge/x", "one").ok());
    ASSERT_TRUE(s.value()->SaveState("surge/x", std::string("t\0wo", 4)).ok());
    ASSERT_TRUE(s.value()->SaveState("surge/y", "other").ok());
  }
  OpenOptions ro;
  ro.write = false;
  auto r = OpenSqlite(path, ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto got = r.value()->LoadState("surge/x");
  ASSERT_TRUE(got.ok() && got.value().has_value());
  EXPECT_EQ(*got.value(), std::string("t\0wo", 4));
  EXPECT_FALSE(r.value()->SaveState("surge/x", "three").ok());
  EXPECT_EQ(*r.value()->LoadState("surge/y").value(), "other");
}

// Retention: findings and hourly counts before their cut-offs go, in one transaction; the rest
// stays.
TEST(SqliteStore, PruneRemovesWhatIsOlderThanTheCutOffs) {
  auto s = OpenSqlite(":memory:");
  ASSERT_TRUE(s.ok());
  Batch b;
  for (int64_t h : {1000, 1001, 2000}) {
    b.requests.push_back({"a.jp", h, 5, 0});
    b.attacks.push_back({"a.jp", h, kAllClasses, "198.51.100.1", 2});
    Finding f;
    f.site = "a.jp";
    f.time = h * 3600;
    f.ip = "198.51.100.1";
    f.evidence = "[]";
    b.findings.push_back(f);
  }
  ASSERT_TRUE(s.value()->Commit(b).ok());
  // Findings before hour 1001 (one), hourly rows before hour 2000 (two hours of three tables).
  auto removed = s.value()->Prune(1001 * 3600, 2000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value(), 1u + 3u * 2u);
  auto req = s.value()->RequestHours({});
  ASSERT_TRUE(req.ok());
  ASSERT_EQ(req.value().size(), 1u);
  EXPECT_EQ(req.value()[0].hour, 2000);
  auto paths = s.value()->PathCount({});
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths.value().second, 2u);  // the findings of hours 1001 and 2000
  EXPECT_EQ(s.value()->Prune(0, 0).value(), 0u);
}

TEST(SqliteStore, CommitsAggregateAndAnswerQueries) {
  auto s = OpenSqlite(":memory:");
  ASSERT_TRUE(s.ok());
  Store& st = *s.value();
  Batch b;
  b.requests = {{"a.jp", 100, 10}, {"b.jp", 100, 5}};
  b.attacks = {{"a.jp", 100, 0, "192.0.2.1", 3}, {"a.jp", 100, kAllClasses, "192.0.2.1", 3},
               {"b.jp", 101, 2, "192.0.2.2", 1}, {"b.jp", 101, kAllClasses, "192.0.2.2", 1}};
  b.sources = {{"192.0.2.1", "US", 360000, 360100}, {"192.0.2.2", "JP", 363600, 363600}};
  Finding f;
  f.site = "a.jp";
  f.ip = "192.0.2.1";
  f.classes = "scanner";
  f.target = "/.env?x=1";
  f.evidence = "[]";
  b.findings = {f};
  ingest::StreamUpdate u;
  u.id = 42;
  u.key = "abc:10";
  u.path = "/var/log/x";
  u.site = "a.jp";
  u.sites = {"a.jp"};
  u.lines = 300;
  u.offset = 9000;
  u.checkpoints = {{256, 8000, 7, std::string("\x01\x00\xff\x7f", 4)}, {300, 9000, 8, ""}};
  b.streams = {u};
  ASSERT_TRUE(st.Commit(b).ok());
  ASSERT_TRUE(st.Commit(b).ok());  // a second batch adds to the counts

  auto hours = st.AttackHours({{"a.jp"}});
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours.value().size(), 2u);
  EXPECT_EQ(hours.value()[0].count, 6u);
  auto req = st.RequestHours({});
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req.value().size(), 2u);
  auto top = st.TopSources({}, 10);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top.value().size(), 2u);
  EXPECT_EQ(top.value()[0].ip, "192.0.2.1");
  EXPECT_EQ(top.value()[0].attacks, 6u);
  EXPECT_EQ(top.value()[0].country, "US");
  auto countries = st.Countries({});
  ASSERT_TRUE(countries.ok());
  EXPECT_EQ(countries.value().size(), 2u);
  auto paths = st.TopPaths({}, 5);
  ASSERT_TRUE(paths.ok());
  ASSERT_EQ(paths.value().size(), 1u);
  EXPECT_EQ(paths.value()[0].path, "/.env");
  EXPECT_EQ(paths.value()[0].attacks, 2u);
  auto streams = st.FindStreams("abc:10");
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams.value().size(), 1u);
  EXPECT_EQ(streams.value()[0].id, 42u);
  EXPECT_EQ(streams.value()[0].sites, std::vector<std::string>{"a.jp"});
  EXPECT_EQ(streams.value()[0].checkpoints,
            (std::vector<ingest::Checkpoint>{{256, 8000, 7, std::string("\x01\x00\xff\x7f", 4)},
                                             {300, 9000, 8, ""}}));
  auto last = st.FindStreams("abc:10", 1);  // only the stream's end (a followed file)
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last.value().size(), 1u);
  EXPECT_EQ(last.value()[0].checkpoints, (std::vector<ingest::Checkpoint>{{300, 9000, 8, ""}}));
  EXPECT_EQ(st.FindStreams("abc:10", 5).value()[0].checkpoints, streams.value()[0].checkpoints);
  EXPECT_TRUE(st.FindStreams("nope").value().empty());
  EXPECT_FALSE(st.FindFile("nope").value().has_value());
  EXPECT_EQ(st.Sites().value(), (std::vector<std::string>{"a.jp", "b.jp"}));
}

// A rename changes whole site names in a stream's list, never a name that merely ends with it.
TEST(SqliteStore, RenameTouchesWholeSiteNamesOnly) {
  auto s = OpenSqlite(":memory:");
  ASSERT_TRUE(s.ok());
  Batch b;
  b.requests = {{"a.com", 100, 1}, {"www.a.com", 100, 1}};
  ingest::StreamUpdate u;
  u.id = 7;
  u.key = "k:1";
  u.site = "a.com";
  u.sites = {"www.a.com", "a.com", "aa.com"};
  u.lines = 1;
  u.checkpoints = {{1, 10, 5, std::string(2, '\0')}};
  b.streams = {u};
  ASSERT_TRUE(s.value()->Commit(b).ok());
  auto moved = s.value()->RenameSite("a.com", "b.com");
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  auto streams = s.value()->FindStreams("k:1");
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams.value().size(), 1u);
  EXPECT_EQ(streams.value()[0].sites, (std::vector<std::string>{"www.a.com", "b.com", "aa.com"}));
  EXPECT_EQ(streams.value()[0].site, "b.com");
}

}  // namespace
}  // namespace keikai::store
