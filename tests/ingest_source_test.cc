#include <gtest/gtest.h>

#include <filesystem>

#include "keikai/ingest/source.h"
#include "test_util.h"

namespace keikai::ingest {
namespace {

using keikai::testing::TempDir;

std::vector<std::string> AllLines(LineSource& s, std::vector<bool>* too_long = nullptr) {
  std::vector<std::string> out;
  std::string_view l;
  bool tl = false;
  while (s.Next(l, tl)) {
    out.emplace_back(l);
    if (too_long != nullptr) too_long->push_back(tl);
  }
  return out;
}

TEST(LineSource, PlainCrLfAndMissingFinalNewline) {
  auto s = LineSource::FromString("a\r\nbb\n\nccc");
  auto lines = AllLines(*s);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[1], "bb");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "ccc");
  EXPECT_FALSE(s->last_line_terminated());
  EXPECT_EQ(s->line_number(), 4u);
  EXPECT_EQ(s->offset(), 10u);
  EXPECT_EQ(s->compression(), Compression::kNone);
}

TEST(LineSource, GzipIncludingConcatenatedMembers) {
  const std::string gz = keikai::testing::Gzip("one\ntwo\n") + keikai::testing::Gzip("three\n");
  auto s = LineSource::FromString(gz);
  EXPECT_EQ(AllLines(*s), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(s->compression(), Compression::kGzip);
  EXPECT_TRUE(s->status().ok());
}

TEST(LineSource, Zstd) {
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "line " + std::to_string(i) + "\n";
  auto s = LineSource::FromString(keikai::testing::Zstd(big));
  auto lines = AllLines(*s);
  ASSERT_EQ(lines.size(), 100000u);
  EXPECT_EQ(lines.back(), "line 99999");
  EXPECT_EQ(s->compression(), Compression::kZstd);
}

TEST(LineSource, TruncatedGzipKeepsTheGoodLinesAndReportsTheError) {
  std::string data;
  for (int i = 0; i < 50000; ++i) data += "request number " + std::to_string(i) + "\n";
  std::string gz = keikai::testing::Gzip(data);
  gz.resize(gz.size() / 2);
  auto s = LineSource::FromString(gz);
  auto lines = AllLines(*s);
  EXPECT_GT(lines.size(), 1000u);
  EXPECT_LT(lines.size(), 50000u);
  EXPECT_FALSE(s->status().ok());
  EXPECT_NE(s->status().message().find("truncated"), std::string::npos);
}

TEST(LineSource, OverlongLinesAreCutAndSkippedWithBoundedMemory) {
  std::string data = "short\n" + std::string(3 << 20, 'x') + "\nafter\n";
  auto s = LineSource::FromString(data, 1024);
  std::vector<bool> tl;
  auto lines = AllLines(*s, &tl);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), 1024u);
  EXPECT_TRUE(tl[1]);
  EXPECT_EQ(lines[2], "after");
  EXPECT_FALSE(tl[2]);
  EXPECT_EQ(s->line_number(), 3u);
}

TEST(LineSource, OverlongLineInsideOneBufferIsCutToo) {
  std::string data = std::string(5000, 'y') + "\nnext\n";
  auto s = LineSource::FromString(data, 100);
  std::vector<bool> tl;
  auto lines = AllLines(*s, &tl);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 100u);
  EXPECT_TRUE(tl[0]);
  EXPECT_EQ(lines[1], "next");
  EXPECT_EQ(s->offset(), data.size());
}

TEST(LineSource, SkipTo) {
  auto s = LineSource::FromString("a\nbb\nccc\n");
  ASSERT_TRUE(s->SkipTo(5, 2));
  std::string_view l;
  bool tl;
  ASSERT_TRUE(s->Next(l, tl));
  EXPECT_EQ(l, "ccc");
  EXPECT_EQ(s->line_number(), 3u);
  auto t = LineSource::FromString("a\n");
  EXPECT_FALSE(t->SkipTo(100, 1));
}

TEST(LineSource, OpenErrorsAreClear) {
  auto r = LineSource::Open("/nonexistent/access.log");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/access.log"), std::string::npos);
  auto d = LineSource::Open("/tmp");
  EXPECT_FALSE(d.ok());
}

TEST(RotatedCopies, NumberedAndDatedCopiesOldestFirst) {
  TempDir dir;
  for (const char* n : {"access.log", "access.log.1", "access.log.2.gz", "access.log.10.zst",
                        "access.log.3", "access.log-20261201", "access.log-20261130.gz", "access.log.bak",
                        "access.log.1.xz", "access.log-2026", "other.log.1", "access.log.1234567"}) {
    keikai::testing::WriteFile(dir / n, "x\n");
  }
  std::filesystem::create_directory(dir / "access.log.4");  // not a file
  const std::string d = dir.str() + "/";
  EXPECT_EQ(RotatedCopies(d + "access.log"),
            (std::vector<std::string>{d + "access.log-20261130.gz", d + "access.log-20261201",
                                      d + "access.log.10.zst", d + "access.log.3", d + "access.log.2.gz",
                                      d + "access.log.1"}));
  EXPECT_EQ(RotatedCopies(d + "access.log", 2), (std::vector<std::string>{d + "access.log.2.gz", d + "access.log.1"}));
  EXPECT_TRUE(RotatedCopies(d + "missing.log").empty());
  EXPECT_TRUE(RotatedCopies(dir / "nodir/access.log").empty());
}

TEST(ExpandInputs, RotatedFilesOldestFirst) {
  TempDir dir;
  for (const char* n : {"access.log", "access.log.1", "access.log.2.gz", "access.log.10.gz",
                        "error.log"}) {
    keikai::testing::WriteFile(dir / n, "x\n");
  }
  auto r = ExpandInputs({dir / "access.log*"});
  ASSERT_TRUE(r.ok());
  std::vector<std::string> names;
  for (const auto& p : r.value()) names.push_back(std::filesystem::path(p).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"access.log.10.gz", "access.log.2.gz",
                                             "access.log.1", "access.log"}));
  auto none = ExpandInputs({dir / "nothing*.log"});
  EXPECT_FALSE(none.ok());
}

}  // namespace
}  // namespace keikai::ingest
