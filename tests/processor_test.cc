// The long-lived processor over files in memory (ingest::MemEnv): files that grow, rotate by
// rename and by copytruncate, and vanish, fed again and again, with restarts in between: every
// line is counted once. And the aggregates stay bounded.
#include <gtest/gtest.h>

#include <random>

#include "keikai/detect/detector.h"
#include "keikai/event/aggregator.h"
#include "keikai/ingest/env.h"
#include "keikai/pipeline/processor.h"
#include "keikai/store/store.h"

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
  ingest::MemEnv env_{1645000000 + 86400};
  ScanOptions opt_;
  std::unique_ptr<detect::DetectorSet> det_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ProcessorTest, GrowingAndRotatedFilesAreCountedOnce) {
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
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
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
