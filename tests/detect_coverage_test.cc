// Coverage of keikai's own built-in lists, measured against CrowdSec's scenario data and CRS's
// scanners-user-agents.data (both in ../shared/data, read here, never copied into keikai).
// Each test prints its coverage; the floors below are the measured values rounded down, so a
// change that loses coverage fails. docs/detection.md records the numbers.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "keikai/detect/detector.h"

namespace keikai::detect {
namespace {

const std::string kShared = std::string(KEIKAI_SHARED_DIR) + "/data";

std::vector<std::string> ListFile(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

struct Coverage {
  std::size_t total = 0, hit = 0;
  std::vector<std::string> missed;
  double pct() const { return total == 0 ? 0 : 100.0 * static_cast<double>(hit) / static_cast<double>(total); }
};

class CoverageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_ = new DetectorSet(std::move(DetectorSet::Build(Builtins())).value());
  }
  static void TearDownTestSuite() { delete set_; }

  bool Detects(std::string_view target, std::string_view ua, int status) {
    static auto scratch = set_->NewScratch();
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.user_agent = ua;
    r.status = status;
    Detection d;
    set_->Detect(r, *scratch, d);
    return d.any();
  }

  template <typename F>
  Coverage Measure(const std::vector<std::string>& items, F make_and_detect) {
    Coverage c;
    for (const std::string& it : items) {
      ++c.total;
      if (make_and_detect(it)) ++c.hit;
      else if (c.missed.size() < 8) c.missed.push_back(it);
    }
    return c;
  }

  static void Report(const char* name, const Coverage& c) {
    std::printf("[coverage] %-40s %4zu / %4zu = %5.1f%%\n", name, c.hit, c.total, c.pct());
    std::string m;
    for (const auto& s : c.missed) m += " " + s;
    if (!m.empty()) std::printf("[coverage]   e.g. missed:%s\n", m.c_str());
  }

  static DetectorSet* set_;
};
DetectorSet* CoverageTest::set_ = nullptr;

constexpr const char* kBrowser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
// Floors of the held-out measurements below: what was measured when they were added, rounded
// down (docs/detection.md).
constexpr double kHeldOutScannerFloor = 48.0, kHeldOutScriptingFloor = 10.0, kHeldOutCrawlerFloor = 22.0,
                 kHeldOutRestrictedFloor = 55.0;

TEST_F(CoverageTest, CrsScannerUserAgents) {
  auto items = ListFile(kShared + "/crs/v4.28.0/rules/scanners-user-agents.data");
  ASSERT_GT(items.size(), 50u);
  auto c = Measure(items, [&](const std::string& ua) { return Detects("/", ua, 200); });
  Report("CRS 4.28 scanners-user-agents.data", c);
  EXPECT_GE(c.pct(), 95.0);
}

TEST_F(CoverageTest, CrowdsecBadUserAgents) {
  auto items = ListFile(kShared + "/lists/crowdsec/web/bad_user_agents.txt");
  ASSERT_GT(items.size(), 500u);
  auto c = Measure(items, [&](const std::string& ua) {
    return Detects("/", "Mozilla/5.0 (compatible; " + ua + "/1.0)", 200);
  });
  Report("CrowdSec bad_user_agents.txt", c);
  EXPECT_GE(c.pct(), 33.0);
}

TEST_F(CoverageTest, CrowdsecSensitiveFilesAdminAndBackdoors) {
  auto sens = ListFile(kShared + "/lists/crowdsec/web/sensitive_data.txt");
  // An entry is a file name, a dotfile or an extension: probe it as "/entry" and as
  // "/backup<entry>" (extensions), and count it when either is detected.
  auto c1 = Measure(sens, [&](const std::string& s) {
    const std::string path = s[0] == '/' ? s : "/" + s;
    return Detects(path, kBrowser, 404) || (s[0] == '.' && Detects("/backup" + s, kBrowser, 404));
  });
  Report("CrowdSec sensitive_data.txt", c1);
  EXPECT_GE(c1.pct(), 69.0);
  auto admin = ListFile(kShared + "/lists/crowdsec/web/admin_interfaces.txt");
  auto c2 = Measure(admin, [&](const std::string& s) { return Detects(s, kBrowser, 404); });
  Report("CrowdSec admin_interfaces.txt", c2);
  EXPECT_GE(c2.pct(), 45.0);
  auto bd = ListFile(kShared + "/lists/crowdsec/web/backdoors.txt");
  auto c3 = Measure(bd, [&](const std::string& s) { return Detects("/" + s, kBrowser, 404); });
  Report("CrowdSec backdoors.txt", c3);
  EXPECT_GE(c3.pct(), 39.0);
}

TEST_F(CoverageTest, CrowdsecCveUris) {
  std::ifstream in(kShared + "/lists/crowdsec/web/trendy_cves_uris.json");
  std::vector<std::string> uris;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("uri")) uris.push_back(j["uri"].get<std::string>());
  }
  ASSERT_GT(uris.size(), 10u);
  auto c = Measure(uris, [&](const std::string& u) { return Detects(u, kBrowser, 404); });
  Report("CrowdSec trendy_cves_uris.json", c);
  EXPECT_GE(c.pct(), 30.0);
}

TEST_F(CoverageTest, CrowdsecInjectionProbes) {
  struct L {
    const char* file;
    double floor;
  };
  for (const L& l : {L{"sqli_probe_patterns.txt", 45.0}, L{"xss_probe_patterns.txt", 45.0},
                     L{"path_traversal.txt", 80.0}, L{"log4j2_cve_2021_44228.txt", 95.0}}) {
    auto items = ListFile(kShared + "/lists/crowdsec/web/" + l.file);
    auto c = Measure(items, [&](const std::string& p) { return Detects("/index.php?q=" + p, kBrowser, 200); });
    Report((std::string("CrowdSec ") + l.file).c_str(), c);
    EXPECT_GE(c.pct(), l.floor) << l.file;
  }
}

// Held out: the figures above are in-sample (the built-in lists were reviewed against those very
// references). These references were never used to edit the lists: the entries of Debian's CRS
// 3.3.4 data files that CRS 4.28's files do not have (and CrowdSec's do not either).
std::vector<std::string> HeldOut(const std::string& crs3_file, const std::vector<std::string>& seen_files) {
  std::set<std::string> seen;
  for (const std::string& f : seen_files) {
    // A missing reference list would make every entry look unseen: that is a failure, not a
    // quieter held-out set.
    if (ListFile(f).empty()) ADD_FAILURE() << "reference list missing or empty: " << f;
    for (std::string e : ListFile(f)) {
      for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      seen.insert(e);
    }
  }
  std::vector<std::string> out;
  for (std::string e : ListFile(crs3_file)) {
    std::string low = e;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (seen.count(low) == 0) out.push_back(e);
  }
  return out;
}

constexpr const char* kCrs3 = "/usr/share/modsecurity-crs/rules/";

TEST_F(CoverageTest, HeldOutCrs3ScannerUserAgents) {
  if (!std::ifstream(std::string(kCrs3) + "scanners-user-agents.data")) GTEST_SKIP() << "modsecurity-crs not installed";
  auto items = HeldOut(std::string(kCrs3) + "scanners-user-agents.data",
                       {kShared + "/crs/v4.28.0/rules/scanners-user-agents.data",
                        kShared + "/lists/crowdsec/web/bad_user_agents.txt"});
  ASSERT_GT(items.size(), 30u);
  auto c = Measure(items, [&](const std::string& ua) { return Detects("/", ua, 200); });
  Report("held out: CRS 3.3.4 scanner UAs not in CRS 4", c);
  EXPECT_GE(c.pct(), kHeldOutScannerFloor);
}

TEST_F(CoverageTest, HeldOutCrs3ScriptingAndCrawlerUserAgents) {
  if (!std::ifstream(std::string(kCrs3) + "scripting-user-agents.data")) GTEST_SKIP() << "modsecurity-crs not installed";
  for (const char* f : {"scripting-user-agents.data", "crawlers-user-agents.data"}) {
    auto items = HeldOut(std::string(kCrs3) + f, {kShared + "/lists/crowdsec/web/bad_user_agents.txt"});
    auto c = Measure(items, [&](const std::string& ua) { return Detects("/", ua, 200); });
    Report((std::string("held out: CRS 3.3.4 ") + f).c_str(), c);
    EXPECT_GE(c.pct(), std::string(f) == "scripting-user-agents.data" ? kHeldOutScriptingFloor : kHeldOutCrawlerFloor) << f;
  }
}

TEST_F(CoverageTest, HeldOutCrs3RestrictedFiles) {
  if (!std::ifstream(std::string(kCrs3) + "restricted-files.data")) GTEST_SKIP() << "modsecurity-crs not installed";
  auto items = HeldOut(std::string(kCrs3) + "restricted-files.data",
                       {kShared + "/crs/v4.28.0/rules/restricted-files.data",
                        kShared + "/lists/crowdsec/web/sensitive_data.txt"});
  ASSERT_GT(items.size(), 20u);
  auto c = Measure(items, [&](const std::string& s) {
    const std::string path = s[0] == '/' ? s : "/" + s;
    return Detects(path, kBrowser, 404);
  });
  Report("held out: CRS 3.3.4 restricted files not in CRS 4", c);
  EXPECT_GE(c.pct(), kHeldOutRestrictedFloor);
}

}  // namespace
}  // namespace keikai::detect
