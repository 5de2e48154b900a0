#include <gtest/gtest.h>

#include "keikai/surge/trend.h"

namespace keikai::surge {
namespace {

TEST(Trend, TrailingMeanExcludesTheDay) {
  std::vector<uint64_t> c(30, 10);
  c[29] = 100;
  TrendOptions o;
  o.min_history_days = 14;
  auto st = Trailing(c, o);
  EXPECT_FALSE(st[13].has_baseline);
  ASSERT_TRUE(st[14].has_baseline);
  EXPECT_DOUBLE_EQ(st[29].baseline, 10.0);
  EXPECT_DOUBLE_EQ(st[29].ratio, 10.0);
}

TEST(Trend, WindowSlides) {
  std::vector<uint64_t> c(200, 0);
  for (std::size_t i = 0; i < 100; ++i) c[i] = 50;
  TrendOptions o;
  auto st = Trailing(c, o);
  EXPECT_DOUBLE_EQ(st[100].baseline, 50.0);
  EXPECT_NEAR(st[150].baseline, 50.0 * 40 / 90, 1e-9);
  EXPECT_DOUBLE_EQ(st[190].baseline, 0.0);
}

TEST(Trend, FindsSurgeStartAndPeakWithFrozenBaseline) {
  std::vector<uint64_t> c(150, 40);
  for (std::size_t i = 0; i < 150; ++i) c[i] = 35 + (i * 7) % 11;  // 35..45, no surge
  for (std::size_t d = 0; d < 43; ++d) c[107 + d] = 40 * (3 + d * 22 / 13 > 25 ? 25 : 3 + d * 22 / 13);
  auto runs = FindSurges(c, TrendOptions{});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].start, 107u);
  EXPECT_NEAR(runs[0].baseline, 40.0, 1.0);
  EXPECT_NEAR(runs[0].peak_ratio, 25.0, 1.0);
  EXPECT_TRUE(runs[0].ongoing);
}

TEST(Trend, FloorsKeepSmallNumbersCalm) {
  std::vector<uint64_t> c(120, 0);
  c[100] = 3;  // 0 -> 3 is not a surge
  c[110] = 12;
  EXPECT_TRUE(FindSurges(c, TrendOptions{}).empty());
  auto st = Trailing(c, TrendOptions{});
  EXPECT_DOUBLE_EQ(st[100].ratio, 3.0 / 5.0);  // the floor, not infinity
}

TEST(Trend, ASurgeThatEnds) {
  std::vector<uint64_t> c(120, 20);
  for (std::size_t i = 60; i < 70; ++i) c[i] = 200;
  auto runs = FindSurges(c, TrendOptions{});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].start, 60u);
  EXPECT_EQ(runs[0].end, 69u);
  EXPECT_FALSE(runs[0].ongoing);
  EXPECT_NEAR(runs[0].peak_ratio, 10.0, 1e-9);
}

}  // namespace
}  // namespace keikai::surge
