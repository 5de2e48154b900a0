// The ingest cursor: no line counted twice whatever copies are read, in whatever order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
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
  void Apply(const StreamUpdate& u) { ApplyUpdate(streams_[u.id], u); }
  std::size_t size() const { return streams_.size(); }
  void DropFingerprints() {
    for (auto& [id, r] : streams_) {
      for (Checkpoint& c : r.checkpoints) c.line_fps.clear();
    }
  }

  // Reads data as one input; returns the new lines. commit_every > 0 commits mid-way, as the
  // scanner does every N lines.
  // follow: read as the daemon reads a followed file (ResumeReader::Options::reopen).
  std::vector<std::string> Read(const std::string& data, bool hold_back = true,
                                std::size_t commit_every = 0, bool follow = false) {
    ResumeReader::Options o{hold_back, 64, {}, {}};
    if (follow) {
      o.reopen = [&data]() -> Result<std::unique_ptr<LineSource>> { return LineSource::FromString(data); };
      o.load_ends = [this](const std::string& key) -> Result<std::vector<StreamRecord>> {
        auto all = Loader()(key);
        for (StreamRecord& r : all.value()) {  // as the store gives them: the last two checkpoints
          if (r.checkpoints.size() > 2) r.checkpoints.erase(r.checkpoints.begin(), r.checkpoints.end() - 2);
        }
        return all;
      };
    }
    ResumeReader r(LineSource::FromString(data), o, Loader());
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
  EXPECT_EQ(st.Read(other).size(), 999u);  // the shared first line was counted with the first
  EXPECT_EQ(st.size(), 2u);
  // Both are remembered: neither counts again.
  EXPECT_EQ(st.Read(other).size(), 0u);
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
}

TEST(IngestCursor, DivergingCopyAddsExactlyTheLinesAfterItDeparts) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  // Shares 600 lines, then differs: the line fingerprints find line 601 as the first new one,
  // though the last shared checkpoint is at 512.
  const std::string fork = Lines(1, 600) + Lines(601, 900, "fork");
  const auto got = st.Read(fork);
  ASSERT_EQ(got.size(), 300u);
  EXPECT_EQ(got.front(), "fork 601");
  EXPECT_EQ(st.last_already(), 600u);
  EXPECT_EQ(st.Read(fork).size(), 0u);
  EXPECT_EQ(st.Read(fork + Lines(1, 10, "more")).size(), 10u);
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
  // A fork of the fork, departing between its checkpoints again.
  const std::string fork2 = Lines(1, 600) + Lines(601, 650, "fork") + Lines(651, 700, "again");
  const auto got2 = st.Read(fork2);
  ASSERT_EQ(got2.size(), 50u);
  EXPECT_EQ(got2.front(), "again 651");
  EXPECT_EQ(st.Read(fork2).size(), 0u);
  EXPECT_EQ(st.Read(fork).size(), 0u);
}

// A shorter file that shares only its first lines with a longer one and ends before the next
// checkpoint: its own lines are new (they were once taken as a copy).
TEST(IngestCursor, ShorterFileThatDepartsBeforeACheckpointIsNew) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  const std::string other = Lines(1, 100) + Lines(101, 200, "other");
  const auto got = st.Read(other);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got.front(), "other 101");
  EXPECT_EQ(st.Read(other).size(), 0u);
  // The other way round: the short one first, then the long one.
  FakeStreams st2;
  EXPECT_EQ(st2.Read(other).size(), 200u);
  EXPECT_EQ(st2.Read(Lines(1, 1000)).size(), 900u);
  EXPECT_EQ(st2.Read(other).size(), 0u);
  EXPECT_EQ(st2.Read(Lines(1, 1000)).size(), 0u);
  // A copy whose last line alone differs.
  EXPECT_EQ(st.Read(Lines(1, 299) + "changed 300\n").size(), 1u);
}

// Streams written before the fingerprints (empty line_fps): the reader falls back to its
// checkpoints alone, never counting a line twice.
TEST(IngestCursor, StreamsWithoutFingerprintsAreReadConservatively) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 1000u);
  st.DropFingerprints();
  const std::string fork = Lines(1, 600) + Lines(601, 900, "fork");
  const auto got = st.Read(fork);
  ASSERT_EQ(got.size(), 900u - 512u);  // from the last agreeing checkpoint
  EXPECT_EQ(got.front(), "line 513");
  EXPECT_EQ(st.Read(Lines(1, 100) + Lines(101, 200, "other")).size(), 0u);  // taken as a copy
  EXPECT_EQ(st.Read(Lines(1, 1000)).size(), 0u);
}

// Inputs made by growing, copying and forking a few logs, read in random orders with commits at
// random points: the lines counted are exactly the distinct (prefix, line) pairs, i.e. the
// nodes of the trie of all inputs.
TEST(IngestCursor, RandomCopiesAndForksCountEachLineOnce) {
  for (const bool follow : {false, true})
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    std::vector<std::vector<std::string>> inputs;
    inputs.push_back({});
    for (int i = 0; i < 1 + static_cast<int>(pick(1500)); ++i) {
      inputs[0].push_back("base " + std::to_string(i));
    }
    for (int k = 0; k < 6; ++k) {
      const auto& from = inputs[pick(static_cast<uint32_t>(inputs.size()))];
      std::vector<std::string> in(from.begin(), from.begin() + 1 + pick(static_cast<uint32_t>(from.size())));
      const uint32_t extra = pick(3) == 0 ? 0 : pick(900);
      for (uint32_t j = 0; j < extra; ++j) {
        in.push_back("s" + std::to_string(seed) + "k" + std::to_string(k) + " " + std::to_string(j));
      }
      inputs.push_back(std::move(in));
    }
    std::map<std::pair<std::size_t, std::string>, std::size_t> trie;  // (parent, line) -> node
    for (const auto& in : inputs) {
      std::size_t node = 0;
      for (const std::string& l : in) {
        auto [it, added] = trie.try_emplace({node, l}, trie.size() + 1);
        node = it->second;
      }
    }
    FakeStreams st;
    std::size_t total = 0;
    for (int round = 0; round < 3; ++round) {
      std::shuffle(inputs.begin(), inputs.end(), rng);
      for (const auto& in : inputs) {
        std::string data;
        for (const std::string& l : in) data += l + "\n";
        total += st.Read(data, true, pick(2) == 0 ? 0 : 1 + pick(400), follow).size();
      }
    }
    EXPECT_EQ(total, trie.size()) << "seed " << seed << (follow ? " following" : "");
  }
}

// A followed file is read on from the end of what was ingested of it, after a check of the last
// block only: a file whose earlier lines changed while its last block did not is taken as grown
// (that is the trade, and why `keikai scan` does not follow).
TEST(IngestCursor, FollowedFileIsReadOnAfterItsLastBlock) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 1000), true, 300).size(), 1000u);
  const auto more = st.Read(Lines(1, 1200), true, 0, true);
  ASSERT_EQ(more.size(), 200u);
  EXPECT_EQ(more.front(), "line 1001");
  EXPECT_EQ(st.last_already(), 1000u);
  EXPECT_EQ(st.Read(Lines(1, 1200), true, 0, true).size(), 0u);
  // Lines 500-509 rewritten with the same lengths; the last block (from 1024) is the same.
  std::string edited = Lines(1, 499) + Lines(500, 509, "LINE") + Lines(510, 1300);
  EXPECT_EQ(st.Read(edited, true, 0, true).size(), 100u);
  // Without following, every line is checked: the edit forks a stream there.
  EXPECT_EQ(st.Read(edited).size(), 801u);
}

TEST(IngestCursor, FollowedFileTruncatedAndRewrittenIsReadWhole) {
  FakeStreams st;
  EXPECT_EQ(st.Read(Lines(1, 900)).size(), 900u);
  // copytruncate, then the server writes more than there was before, under the same first line.
  const std::string again = Lines(1, 1) + Lines(2, 1100, "new");
  EXPECT_EQ(st.Read(again, true, 0, true).size(), 1099u);
  EXPECT_EQ(st.Read(again, true, 0, true).size(), 0u);
  EXPECT_EQ(st.Read(Lines(1, 900), true, 0, true).size(), 0u);
  // A file shorter than the stream is not followed past its end.
  EXPECT_EQ(st.Read(Lines(1, 10), true, 0, true).size(), 0u);
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
