// The ingest cursor: no line counted twice whatever copies are read, in whatever order.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "keikai/ingest/cursor.h"
#include "keikai/ingest/source.h"

namespace keikai::ingest {
namespace {

// An in-memory store of streams: what the SQLite store keeps, for the reader alone.
class FakeStreams {
 public:
  ResumeReader::LoadStreams Loader() {
    return [this](const std::string& key) -> Result<std::vector<StreamRecord>> {
      std::vector<StreamRecord> out;
      for (const auto& [id, r] : streams_) {
        if (r.key == key) out.push_back(r);
      }
      return out;
    };
  }
  void Apply(const StreamUpdate& u) {
    StreamRecord& r = streams_[u.id];
    r.id = u.id;
    r.key = u.key;
    r.site = u.site;
    for (const Checkpoint& c : u.checkpoints) {
      auto it = std::find_if(r.checkpoints.begin(), r.checkpoints.end(),
                             [&](const Checkpoint& x) { return x.lines == c.lines; });
      if (it == r.checkpoints.end()) r.checkpoints.push_back(c);
    }
    std::sort(r.checkpoints.begin(), r.checkpoints.end(),
              [](const Checkpoint& a, const Checkpoint& b) { return a.lines < b.lines; });
  }
  std::size_t size() const { return streams_.size(); }

  // Reads data as one input; returns the new lines. commit_every > 0 commits mid-way, as the
  // scanner does every N lines.
  std::vector<std::string> Read(const std::string& data, bool hold_back = true,
                                std::size_t commit_every = 0) {
    ResumeReader r(LineSource::FromString(data), ResumeReader::Options{hold_back, 64}, Loader());
    EXPECT_TRUE(r.Start().ok());
    std::vector<std::string> out;
    std::string_view line;
    bool too_long = false;
    while (r.Next(line, too_long)) {
      out.emplace_back(line);
      EXPECT_EQ(r.line_number(), r.already() + out.size());
      if (commit_every > 0 && out.size() % commit_every == 0 && r.has_update()) {
        Apply(r.TakeUpdate("p", "s", {"s"}));
      }
    }
    if (r.has_update()) Apply(r.TakeUpdate("p", "s", {"s"}));
    last_already_ = r.already();
    return out;
  }
  uint64_t last_already() const { return last_already_; }

 private:
  std::map<uint64_t, StreamRecord> streams_;
  uint64_t last_already_ = 0;
};

std::string Lines(int from, int to, const std::string& tag = "line") {
  std::string s;
  for (int i = from; i <= to; ++i) s += tag + " " + std::to_string(i) + "\n";
  return s;
}

TEST(IngestCursor, ReadTwiceCountsOnce) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
  EXPECT_EQ(st.last_already(), 1000u);
}

TEST(IngestCursor, GrownFileContinuesWhereItStopped) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 700), true, 100).size(), 700u);
  const auto more = st.Read(Lines(1, 1300));
  ASSERT_EQ(more.size(), 600u);
  EXPECT_EQ(more.front(), "line 701");
  EXPECT_EQ(st.size(), 1u);
}

// The case: a log and a shorter copy with the same first line, side by side, scanned
// again and again in both orders.
TEST(IngestCursor, ShorterCopyAddsNothingInEitherOrder) {
  for (bool short_first : {true, false}) {
    FakeStreams st;
    std::size_t total = 0;
    for (int round = 0; round < 4; ++round) {
      const std::string full = Lines(1, 1000), copy = Lines(1, 500);
      if (short_first) {
        total += st.Read(copy).size();
        total += st.Read(full).size();
      } else {
        total += st.Read(full).size();
        total += st.Read(copy).size();
      }
    }
    EXPECT_EQ(total, 1000u) << (short_first ? "short first" : "long first");
  }
}

TEST(IngestCursor, CopyEndingBetweenCheckpointsAddsNothing) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  EXPECT_EQ(st.Read(Lines(1, 301)).size(), 0u);  // 301 is no checkpoint
  EXPECT_EQ(st.Read(Lines(1, 1)).size(), 0u);
}

TEST(IngestCursor, DifferentFileWithTheSameFirstLineIsNew) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  const std::string other = "line 1\n" + Lines(2, 1000, "other");
  EXPECT_EQ(st.Read(other).size(), 1000u);
  EXPECT_EQ(st.size(), 2u);
  // Both are remembered: neither counts again.
  EXPECT_EQ(st.Read(other).size(), 0u);
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
}

TEST(IngestCursor, DivergingCopyAddsWhatFollowsTheLastAgreement) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  // Shares 600 lines, then differs: lines after the last agreeing checkpoint (512) are new.
  const std::string fork = Lines(1, 600) + Lines(601, 900, "fork");
  const auto got = st.Read(fork);
  ASSERT_EQ(got.size(), 900u - 512u);
  EXPECT_EQ(got.front(), "line 513");
  EXPECT_EQ(st.Read(fork).size(), 0u);
  EXPECT_EQ(st.Read(fork + Lines(1, 10, "more")).size(), 10u);
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
}

TEST(IngestCursor, UnterminatedLastLineIsHeldBackUntilComplete) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 10) + "line 11 partial").size(), 10u);
  const auto got = st.Read(Lines(1, 11));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "line 11");
  // stdin has no such hold-back: its last line counts.
  FakeStreams in;
  EXPECT_EQ(in.Read(Lines(1, 3) + "x", false).size(), 4u);
  EXPECT_EQ(in.Read(Lines(1, 3) + "x", false).size(), 0u);
}

TEST(IngestCursor, DirectivesAreOnlyPartOfTheKey) {
  FakeStreams st;
  const std::string a = "#Software: IIS\n#Fields: date time\n" + Lines(1, 10, "a");
  const std::string b = "#Software: IIS\n#Fields: date time\n" + Lines(1, 10, "b");
  EXPECT_EQ(st.Read(a).size(), 12u);
  EXPECT_EQ(st.Read(b).size(), 12u);
  EXPECT_EQ(st.size(), 2u);
}

TEST(IngestCursor, ChainHashIsStable) {
  // Stored in databases: these values must never change.
  EXPECT_EQ(ChainLine(0, ""), ChainLine(0, ""));
  EXPECT_NE(ChainLine(0, "a"), ChainLine(0, "b"));
  EXPECT_NE(ChainLine(ChainLine(0, "a"), "b"), ChainLine(ChainLine(0, "b"), "a"));
  EXPECT_EQ(ChainLine(0, "198.51.100.7 - - [16/Feb/2022:10:00:00 +0900] \"GET / HTTP/1.1\""),
            0x5f0e0914c3d97f45ULL);
}

}  // namespace
}  // namespace keikai::ingest
