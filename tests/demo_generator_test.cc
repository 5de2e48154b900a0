// Tests for the demo generator: reproducibility, truth.json against the files actually written,
// the combined-log format of every line, and the seeded surge.

#include "keikai/demo/generator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

namespace keikai::demo {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = fs::temp_directory_path() /
            ("keikai_demo_" + tag + "_" + std::to_string(static_cast<long long>(::getpid())));
    fs::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string str(const std::string& sub = "") const { return (path_ / sub).string(); }

 private:
  fs::path path_;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint64_t CountLines(const std::string& s) {
  uint64_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

// A short, small run: a few thousand lines in all.
Options SmallOptions(uint64_t seed) {
  Options o;
  o.seed = seed;
  o.scale = 0.02;
  o.start_date = "2022-02-20";
  o.end_date = "2022-03-03";
  o.surge_start = "2022-02-25";
  o.surge_peak = "2022-03-01";
  return o;
}

TEST(DemoGenerator, DefaultSites) {
  const auto sites = DefaultSites();
  ASSERT_EQ(sites.size(), 4u);
  EXPECT_EQ(sites[0].name, "shop.example.jp");
  EXPECT_EQ(sites[3].name, "calm.example.jp");
  EXPECT_EQ(sites[3].surge_multiple, 0);
}

TEST(DemoGenerator, SameSeedSameBytes) {
  TempDir a("same_a"), b("same_b");
  auto ra = Generate(SmallOptions(7), a.str());
  auto rb = Generate(SmallOptions(7), b.str());
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  for (const auto& s : ra.value().sites) {
    const std::string fa = ReadAll(a.path() / s.file);
    EXPECT_FALSE(fa.empty()) << s.file;
    EXPECT_EQ(fa, ReadAll(b.path() / s.file)) << s.file;
  }
  EXPECT_EQ(ReadAll(a.path() / "truth.json"), ReadAll(b.path() / "truth.json"));
}

TEST(DemoGenerator, DifferentSeedDiffers) {
  TempDir a("seed_a"), b("seed_b");
  auto ra = Generate(SmallOptions(7), a.str());
  auto rb = Generate(SmallOptions(8), b.str());
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  const std::string file = ra.value().sites.at(0).file;
  EXPECT_NE(ReadAll(a.path() / file), ReadAll(b.path() / file));
}

TEST(DemoGenerator, TruthMatchesFiles) {
  TempDir d("truth");
  auto r = Generate(SmallOptions(11), d.str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Truth& t = r.value();
  ASSERT_EQ(t.sites.size(), 4u);
  EXPECT_EQ(t.surge_start, "2022-02-25");
  EXPECT_EQ(t.surge_peak, "2022-03-01");

  const auto j = nlohmann::json::parse(ReadAll(d.path() / "truth.json"));
  EXPECT_EQ(j.at("surge_start").get<std::string>(), t.surge_start);
  EXPECT_EQ(j.at("surge_peak").get<std::string>(), t.surge_peak);
  ASSERT_EQ(j.at("sites").size(), t.sites.size());

  for (std::size_t i = 0; i < t.sites.size(); ++i) {
    const SiteTruth& s = t.sites[i];
    const auto& js = j.at("sites").at(i);
    EXPECT_EQ(s.file, s.site + ".log");
    EXPECT_EQ(js.at("site").get<std::string>(), s.site);
    EXPECT_EQ(js.at("file").get<std::string>(), s.file);
    EXPECT_EQ(js.at("lines").get<uint64_t>(), s.lines);
    EXPECT_EQ(js.at("attack_lines").get<uint64_t>(), s.attack_lines);
    EXPECT_DOUBLE_EQ(js.at("baseline_daily").get<double>(), s.baseline_daily);
    EXPECT_DOUBLE_EQ(js.at("peak_daily").get<double>(), s.peak_daily);
    EXPECT_DOUBLE_EQ(js.at("seeded_peak_ratio").get<double>(), s.seeded_peak_ratio);
    EXPECT_DOUBLE_EQ(js.at("realised_peak_ratio").get<double>(), s.realised_peak_ratio);

    EXPECT_EQ(CountLines(ReadAll(d.path() / s.file)), s.lines) << s.file;
    EXPECT_GT(s.lines, 0u);
    EXPECT_LE(s.attack_lines, s.lines);
  }
}

TEST(DemoGenerator, EveryLineIsCombinedFormatInTimeOrder) {
  TempDir d("format");
  auto r = Generate(SmallOptions(3), d.str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::regex line_re(
      R"re(^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}) - - \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0900\] "([A-Z]+) (\S+) HTTP/1\.1" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$)re");
  static const std::array<std::string, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (const auto& s : r.value().sites) {
    std::istringstream in(ReadAll(d.path() / s.file));
    std::string line;
    std::tuple<int, int, int, int, int, int> prev{0, 0, 0, 0, 0, 0};
    uint64_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      ASSERT_TRUE(std::regex_match(line, m, line_re)) << s.file << ":" << n << ": " << line;
      int month = 0;
      for (std::size_t k = 0; k < kMonths.size(); ++k) {
        if (m[3].str() == kMonths[k]) month = static_cast<int>(k) + 1;
      }
      ASSERT_NE(month, 0) << line;
      const std::tuple<int, int, int, int, int, int> ts{
          std::stoi(m[4].str()), month, std::stoi(m[2].str()),
          std::stoi(m[5].str()), std::stoi(m[6].str()), std::stoi(m[7].str())};
      EXPECT_LE(prev, ts) << s.file << ":" << n << " is out of time order";
      EXPECT_GE(ts, std::make_tuple(2022, 2, 20, 0, 0, 0)) << line;
      EXPECT_LE(ts, std::make_tuple(2022, 3, 3, 23, 59, 59)) << line;
      prev = ts;
    }
    EXPECT_EQ(n, s.lines) << s.file;
  }
}

TEST(DemoGenerator, CalmSiteHasNoSeededSurge) {
  TempDir d("calm");
  auto r = Generate(SmallOptions(5), d.str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool found = false;
  for (const auto& s : r.value().sites) {
    if (s.site != "calm.example.jp") continue;
    found = true;
    EXPECT_EQ(s.seeded_peak_ratio, 0.0);
  }
  EXPECT_TRUE(found);
}

TEST(DemoGenerator, DefaultDatesRealisePeakRatio) {
  TempDir d("peak");
  Options o;
  o.scale = 0.2;
  auto r = Generate(o, d.str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int surging = 0;
  for (const auto& s : r.value().sites) {
    if (s.seeded_peak_ratio == 0) continue;
    ++surging;
    EXPECT_EQ(s.seeded_peak_ratio, 25.0) << s.site;
    EXPECT_GT(s.baseline_daily, 0.0) << s.site;
    EXPECT_NEAR(s.realised_peak_ratio, 25.0, 25.0 * 0.15) << s.site;
  }
  EXPECT_EQ(surging, 3);
}

TEST(DemoGenerator, BadDatesAreErrors) {
  TempDir d("bad");
  Options o = SmallOptions(1);
  o.start_date = "2022-13-40";
  EXPECT_FALSE(Generate(o, d.str()).ok());

  o = SmallOptions(1);
  o.start_date = "2022-03-10";  // after end
  EXPECT_FALSE(Generate(o, d.str()).ok());

  o = SmallOptions(1);
  o.surge_peak = "2022-02-24";  // before surge_start
  auto r = Generate(o, d.str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "io");
}

TEST(DemoGenerator, UnwritableDirIsAnError) {
  TempDir d("unwritable");
  fs::create_directories(d.path());
  const fs::path file = d.path() / "plain_file";
  std::ofstream(file) << "x";
  auto r = Generate(SmallOptions(1), (file / "sub").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "io");
}

}  // namespace
}  // namespace keikai::demo
