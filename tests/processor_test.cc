// The long-lived processor over files in memory (ingest::MemEnv): files that grow, rotate by
// rename and by copytruncate, and vanish, fed again and again, with restarts in between: every
// line is counted once. And the aggregates stay bounded.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include <sqlite3.h>

#include "keikai/detect/detector.h"
#include "keikai/event/aggregator.h"
#include "keikai/ingest/env.h"
#include "keikai/pipeline/processor.h"
#include "keikai/core/clock.h"
#include "keikai/report/build.h"
#include "keikai/report/render.h"
#include "keikai/store/store.h"
#include "test_util.h"

namespace keikai::pipeline {
namespace {

std::string Lines(int from, int n) {
  std::string out;
  for (int i = from; i < from + n; ++i) {
    char ts[64];
    std::snprintf(ts, sizeof ts, "16/Feb/2022:%02d:%02d:%02d +0900", (i / 3600) % 24, (i / 60) % 60, i % 60);
    out += "203.0.113." + std::to_string(i % 200) + " - - [" + ts + "] \"GET /p/" + std::to_string(i) +
           (i % 10 == 0 ? "/.env" : "") + " HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"\n";
  }
  return out;
}

uint64_t StoredRequests(store::Store& st) {
  auto h = st.RequestHours({});
  EXPECT_TRUE(h.ok());
  uint64_t n = 0;
  for (const auto& x : h.value()) n += x.count;
  return n;
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    det_ = std::make_unique<detect::DetectorSet>(std::move(detect::DetectorSet::Build(detect::Builtins())).value());
    store_ = std::move(store::OpenSqlite(":memory:")).value();
    opt_.env = &env_;
    opt_.site = "web";
  }
  // Feeds every input that exists now; returns the lines parsed.
  uint64_t FeedAll(Processor& p, const std::vector<std::string>& inputs) {
    uint64_t parsed = 0;
    for (const std::string& f : inputs) {
      FileRow row;
      Status st = p.Feed(f, row);
      EXPECT_FALSE(p.fatal());
      if (st.ok()) parsed += row.parsed;
    }
    return parsed;
  }
  void GrowAndRotate();
  ingest::MemEnv env_{1645000000 + 86400};
  ScanOptions opt_;
  std::unique_ptr<detect::DetectorSet> det_;
  std::unique_ptr<store::Store> store_;
};

// Inputs with options of their own (a configuration's sites): each file's lines go to its site,
// read in its format, and the next input is back to the processor's options.
TEST_F(ProcessorTest, EachInputWithItsOwnSiteAndFormat) {
  env_.Write("log/shop.log", Lines(0, 30));
  env_.Write("log/corp.log", Lines(30, 20));
  env_.Write("log/other.log", Lines(50, 10));
  env_.Write("log/mail.log", "Feb 16 09:00:01 mx postfix/smtpd[1]: warning: unknown[198.51.100.8]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n");
  Processor p(opt_, *store_, *det_, nullptr);
  ASSERT_TRUE(p.Start().ok());
  InputOptions shop, corp, mail;
  shop.site = "shop.example.jp";
  corp.site = "corp.example.jp";
  corp.log_format = "combined";
  mail.site = "mx.example.jp";
  mail.log_format = "maillog";
  mail.log_zone_offset = 9 * 3600;
  FileRow r1, r2, r3, r4;
  ASSERT_TRUE(p.Feed("log/shop.log", r1, shop).ok());
  ASSERT_TRUE(p.Feed("log/corp.log", r2, corp).ok());
  ASSERT_TRUE(p.Feed("log/other.log", r3).ok());
  ASSERT_TRUE(p.Feed("log/mail.log", r4, mail).ok()) << r4.error;
  EXPECT_EQ(r1.site, "shop.example.jp");
  EXPECT_EQ(r2.site, "corp.example.jp");
  EXPECT_EQ(r2.format, "combined");
  EXPECT_EQ(r3.site, "web");  // the processor's own --site again
  EXPECT_EQ(r4.site, "mx.example.jp");
  EXPECT_EQ(r4.parsed, 1u);
  ASSERT_TRUE(p.Finish().ok());
  std::map<std::string, uint64_t> by_site;
  auto h = store_->RequestHours({});
  ASSERT_TRUE(h.ok());
  for (const auto& x : h.value()) by_site[x.site] += x.count;
  EXPECT_EQ(by_site["shop.example.jp"], 30u);
  EXPECT_EQ(by_site["corp.example.jp"], 20u);
  EXPECT_EQ(by_site["web"], 10u);
  EXPECT_EQ(by_site["mx.example.jp"], 1u);
  // The mail line's hour: 09:00 in the zone given for that input (UTC+9) is 00:00 UTC.
  auto a = store_->AttackHours({{"mx.example.jp"}});
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE(a.value().empty());
  EXPECT_EQ(a.value()[0].hour * 3600 % 86400, 0);
}

TEST_F(ProcessorTest, GrowingAndRotatedFilesAreCountedOnce) { GrowAndRotate(); }

// The same as the daemon reads its logs: a file that grew is read on from where it was left
// (ScanOptions::follow); copytruncate and rename still count every line once.
TEST_F(ProcessorTest, FollowedFilesAreCountedOnce) {
  opt_.follow = true;
  GrowAndRotate();
}

void ProcessorTest::GrowAndRotate() {
  Processor p(opt_, *store_, *det_, nullptr);
  ASSERT_TRUE(p.Start().ok());
  env_.Write("log/access.log", Lines(0, 100));
  EXPECT_EQ(FeedAll(p, {"log/access.log"}), 100u);
  env_.Append("log/access.log", Lines(100, 50));  // grows
  EXPECT_EQ(FeedAll(p, {"log/access.log"}), 50u);
  EXPECT_EQ(FeedAll(p, {"log/access.log"}), 0u);  // nothing new
  // Rotation by rename: the old file under its new name, a new file under the old one.
  ASSERT_TRUE(env_.Rename("log/access.log", "log/access.log.1"));
  env_.Append("log/access.log.1", Lines(150, 5));  // the writer finished the old file
  env_.Write("log/access.log", Lines(155, 20));
  EXPECT_EQ(FeedAll(p, {"log/access.log.1", "log/access.log"}), 25u);
  // copytruncate: the copy replaces access.log.1, access.log starts again empty and grows.
  env_.CopyTruncate("log/access.log", "log/access.log.1");
  env_.Append("log/access.log", Lines(175, 10));
  EXPECT_EQ(FeedAll(p, {"log/access.log.1", "log/access.log"}), 10u);
  ASSERT_TRUE(p.Flush().ok());
  EXPECT_EQ(StoredRequests(*store_), 185u);
  // The file vanishes: a feed says so, and nothing else changes.
  env_.Remove("log/access.log.1");
  FileRow row;
  EXPECT_FALSE(p.Feed("log/access.log.1", row).ok());
  EXPECT_EQ(row.error_code, "open");
  EXPECT_FALSE(p.fatal());
  auto res = p.Finish();
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.value().summary.parsed, 185u);
  EXPECT_EQ(StoredRequests(*store_), 185u);
}

// Random appends, rotations and restarts (a new processor on the same store, as after a crash or
// an upgrade), with feeds at random moments and always before a rotation: at the end every line
// written is counted exactly once.
TEST_F(ProcessorTest, RandomRotationsAndRestartsCountEachLineOnce) {
  for (const bool follow : {false, true})
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(std::to_string(seed) + (follow ? " following" : ""));
    opt_.follow = follow;
    store_ = std::move(store::OpenSqlite(":memory:")).value();
    ingest::MemEnv env(1645000000 + 86400);
    opt_.env = &env;
    std::mt19937 rng(seed);
    int written = 0;
    auto p = std::make_unique<Processor>(opt_, *store_, *det_, nullptr);
    ASSERT_TRUE(p->Start().ok());
    env.Write("d/app.log", "");
    // What a follower does when it sees the files change: read every file there (old copies
    // too). It reacts to a rotation before the next one, as inotify lets it.
    auto feed_all = [&] {
      auto files = env.Expand({"d"}, nullptr);
      ASSERT_TRUE(files.ok());
      FeedAll(*p, files.value());
    };
    // Lines written between the last feed and a rotation: read later from the rotated copy.
    auto write_late = [&] {
      if (rng() % 2 == 0) return;
      const int n = 1 + static_cast<int>(rng() % 20);
      env.Append("d/app.log", Lines(written, n));
      written += n;
    };
    for (int step = 0; step < 40; ++step) {
      switch (rng() % 6) {
        case 0:
        case 1:
        case 2: {  // the server writes
          const int n = 1 + static_cast<int>(rng() % 300);
          env.Append("d/app.log", Lines(written, n));
          written += n;
          break;
        }
        case 3:  // logrotate: rename (older copies shift)
          feed_all();
          write_late();
          env.Rename("d/app.log.1", "d/app.log.2");
          env.Rename("d/app.log", "d/app.log.1");
          env.Write("d/app.log", "");
          break;
        case 4:  // logrotate copytruncate
          feed_all();
          write_late();
          env.Rename("d/app.log.1", "d/app.log.2");
          env.CopyTruncate("d/app.log", "d/app.log.1");
          break;
        case 5: {  // restart
          auto r = p->Finish();
          ASSERT_TRUE(r.ok());
          p = std::make_unique<Processor>(opt_, *store_, *det_, nullptr);
          ASSERT_TRUE(p->Start().ok());
          break;
        }
      }
      if (rng() % 3 == 0) feed_all();
    }
    feed_all();
    ASSERT_TRUE(p->Finish().ok());
    EXPECT_EQ(StoredRequests(*store_), static_cast<uint64_t>(written));
  }
}

// The aggregator's source table is dropped after a batch once past its bound; batches still name
// every source, with first and last seen.
TEST(Aggregator, SourceTableStaysBounded) {
  event::Aggregator agg(nullptr, 10, 1000, /*max_sources_kept=*/4);
  const uint32_t site = agg.Site("s");
  std::size_t named = 0;
  for (int batch = 0; batch < 5; ++batch) {
    for (int i = 0; i < 6; ++i) {
      const std::string ip = "192.0.2." + std::to_string(batch * 6 + i);
      const uint32_t id = agg.Source(ip, nullptr, 1000 + i);
      agg.Source(ip, nullptr, 2000 + i);
      agg.Attack(site, 1000 + i, id, 1);
    }
    store::Batch b = agg.TakeBatch();
    named += b.sources.size();
    ASSERT_EQ(b.sources.size(), 6u);
    for (const store::SourceInfo& s : b.sources) EXPECT_EQ(s.last_seen - s.first_seen, 1000);
    EXPECT_EQ(b.attacks.size(), 12u);  // class 0 and "any" per source
  }
  EXPECT_EQ(named, 30u);
}

}  // namespace
}  // namespace keikai::pipeline

namespace keikai::pipeline {
namespace {

using keikai::testing::TempDir;

// Every table a scan writes, as text rows (stream ids and times of writing left out).
std::string DumpStore(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  for (const char* q : {"SELECT site, hour, kind, count FROM request_hours ORDER BY 1, 2, 3",
                        "SELECT site, hour, cls, ip, count FROM attack_hours ORDER BY 1, 2, 3, 4",
                        "SELECT site, hour, cls, count FROM class_hours ORDER BY 1, 2, 3",
                        "SELECT * FROM sources ORDER BY 1",
                        "SELECT site, time, ip, classes, detectors, evidence, method, target, status, "
                        "user_agent, line, target_hit, kind FROM findings ORDER BY line",
                        "SELECT * FROM source_behaviour ORDER BY 1",
                        "SELECT s.key, c.lines, c.offset, c.hash, hex(c.line_fps) FROM stream_checkpoints c "
                        "JOIN streams s ON s.id = c.stream ORDER BY 1, 2"}) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, q, -1, &st, nullptr), SQLITE_OK) << q;
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        out += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

// The same input scanned with 1, 2 and 3 threads gives the same store, row for row (stream
// checkpoints included), and the same report: lines prepared by workers, merged in order.
// The input has what order matters for: behaviour (a scanner from its behaviour alone), a line
// held for a time jump and then accepted, bad, binary and over-long lines, several sites from
// Host-like vhosts, and enough findings for several commits.
TEST(Threads, AnswersDoNotDependOnTheThreadCount) {
  TempDir dir;
  std::string log;
  for (int i = 0; i < 30000; ++i) {
    char ts[64];
    const int day = 10 + i / 20000;
    std::snprintf(ts, sizeof ts, "%02d/Feb/2022:%02d:%02d:%02d +0900", day, (i / 3600) % 24, (i / 60) % 60, i % 60);
    const std::string ip = i % 2 == 0 ? "198.51.100.9" : "203.0.113." + std::to_string(i % 250);
    std::string target = "/p/" + std::to_string(i % 900);
    if (i % 2 == 0) target = "/nope" + std::to_string(i) + ".php";  // a prober: 404s from one address
    if (i % 97 == 0) target = "/index.php?id=1%27%20UNION%20SELECT%201,2--";
    const int status = i % 2 == 0 ? 404 : 200;
    log += "site" + std::to_string(i % 3) + ".example.jp:443 " + ip + " - - [" + ts + "] \"GET " + target +
           " HTTP/1.1\" " + std::to_string(status) + " 5 \"-\" \"Mozilla/5.0 (X11; Linux) Firefox/97.0\"\n";
    if (i == 12000) log += "garbage line\n";
    if (i == 13000) log += std::string("bin\0ary", 7) + "\n";
    if (i == 14000) log += std::string(70000, 'x') + "\n";
    if (i == 15000) {  // a line a year away, then one near it: both count
      log += "site0.example.jp:443 192.0.2.1 - - [01/Mar/2023:00:00:00 +0900] \"GET / HTTP/1.1\" 200 5 \"-\" \"a\"\n";
      log += "site0.example.jp:443 192.0.2.1 - - [01/Mar/2023:00:00:01 +0900] \"GET / HTTP/1.1\" 200 5 \"-\" \"a\"\n";
    }
  }
  keikai::testing::WriteFile(dir / "vhosts.log", log);
  auto det = detect::DetectorSet::Build(detect::Builtins());
  ASSERT_TRUE(det.ok());
  std::string first_dump, first_json;
  for (std::size_t threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    const std::string db = dir / ("t" + std::to_string(threads) + ".db");
    std::string json;
    uint64_t rep_findings = 0;
    {
      auto st = store::OpenSqlite(db);
      ASSERT_TRUE(st.ok());
      ScanOptions o;
      o.inputs = {dir / "vhosts.log"};
      o.threads = threads;
      o.now = 1700000000;
      auto res = Scan(o, *st.value(), det.value(), nullptr);
      ASSERT_TRUE(res.ok());
      EXPECT_EQ(res.value().summary.bad_lines, 3u);
      EXPECT_EQ(res.value().summary.parsed, 30002u);
      res.value().summary.seconds = 0;
      FakeClock clock(1700000000);
      report::BuildOptions bo;
      bo.clock = &clock;
      auto rep = report::BuildReport(*st.value(), &res.value(), bo);
      ASSERT_TRUE(rep.ok());
      json = report::RenderJson(rep.value());
      rep_findings = rep.value().summary.attacks;
    }
    const std::string dump = DumpStore(db);
    if (threads == 1) {
      first_dump = dump;
      first_json = json;
      EXPECT_NE(dump.find("scanner"), std::string::npos);  // behaviour concluded something
      EXPECT_GE(rep_findings, 10000u);                     // more than one batch of findings
    } else {
      EXPECT_TRUE(dump == first_dump);
      EXPECT_TRUE(json == first_json);
    }
  }
}

}  // namespace
}  // namespace keikai::pipeline
