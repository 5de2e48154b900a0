// End-to-end tests of the keikai binary, as a user runs it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <map>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "keikai/core/time.h"
#include "test_util.h"

namespace keikai {
namespace {

using keikai::testing::TempDir;

struct Outcome {
  int code;
  std::string out;
};

// Runs the binary with a shell-free argument list is not possible with popen; arguments here
// are fixed test strings, quoted by Q().
Outcome Exec(const std::string& args, const std::string& env = "LANG=C LC_ALL=") {
  const std::string cmd = env + " " + KEIKAI_BIN + " " + args + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  Outcome r{-1, {}};
  if (p == nullptr) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Q(const std::string& s) { return "'" + s + "'"; }

TEST(Cli, HelpInBothLanguages) {
  Outcome en = Exec("--help");
  EXPECT_EQ(en.code, 0);
  EXPECT_NE(en.out.find("early warning"), std::string::npos) << en.out;
  Outcome ja = Exec("--lang ja --help");
  EXPECT_EQ(ja.code, 0);
  EXPECT_NE(ja.out.find("早期に検知"), std::string::npos) << ja.out;
  Outcome ja_env = Exec("scan --help", "LANG=ja_JP.UTF-8 LC_ALL=");
  EXPECT_NE(ja_env.out.find("ログ形式"), std::string::npos) << ja_env.out;
  EXPECT_EQ(Exec("--lang fr --help").code, 2);
}

TEST(Cli, UsageErrorsAreClear) {
  Outcome r = Exec("scan --log-format '$remote_addr $request' x.log");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("no time field"), std::string::npos) << r.out;
  r = Exec("scan --db :memory: /nonexistent/access.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("/nonexistent/access.log"), std::string::npos) << r.out;
  EXPECT_EQ(Exec("scan --format xml x.log").code, 2);
  EXPECT_EQ(Exec("nosuchcommand").code, 2);
}

TEST(Cli, StdinAndNdjson) {
  TempDir d;
  keikai::testing::WriteFile(
      d / "in.log",
      R"(198.51.100.7 - - [16/Feb/2022:10:00:00 +0900] "GET /.env HTTP/1.1" 404 0 "-" "sqlmap/1.6")"
      "\n"
      R"(198.51.100.8 - - [16/Feb/2022:10:00:01 +0900] "GET / HTTP/1.1" 200 10 "-" "Mozilla/5.0")"
      "\n");
  Outcome r = Exec("scan --db :memory: --format ndjson --site s.jp - < " + Q(d / "in.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(j["line"], 1);
  EXPECT_EQ(j["site"], "s.jp");
  EXPECT_EQ(j["ip"], "198.51.100.7");
  EXPECT_EQ(j["classes"], nlohmann::json::array({"scanner", "probe"}));
  const auto ids = j["detectors"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "ua-scanner"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "sensitive-file"), ids.end());
  EXPECT_EQ(j["evidence"].size(), ids.size());
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

// The acceptance check of the foundation: the demo's seeded surge is found by `scan --format
// json` with the right start (+-1 day) and a peak ratio within 20% of the seeded one, and the
// calm site shows no surge.
TEST(Cli, DemoSurgeIsFoundByScanJson) {
  TempDir d;
  Outcome g = Exec("demo --generate-only " + Q(d / "logs"));
  ASSERT_EQ(g.code, 0) << g.out;
  auto truth = nlohmann::json::parse(keikai::testing::ReadFile(d / "logs/truth.json"));
  Outcome r = Exec("scan --no-progress --db " + Q(d / "k.db") + " --format json -o " +
               Q(d / "r.json") + " " + Q(d / "logs") + "/*.log");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(keikai::testing::ReadFile(d / "r.json"));
  EXPECT_EQ(j["summary"]["bad_lines"], 0);
  EXPECT_GT(j["summary"]["attacks"].get<uint64_t>(), 10000u);
  int64_t seeded_start = 0;
  ASSERT_TRUE(ParseDate(truth["surge_start"].get<std::string>(), seeded_start));
  std::map<std::string, nlohmann::json> by_site;
  std::map<std::string, int> any_class;
  for (const auto& s : j["surges"]) {
    ++any_class[s["site"].get<std::string>()];
    if (s["class"] == "*") {
      EXPECT_EQ(by_site.count(s["site"].get<std::string>()), 0u) << "one surge per site: " << s;
      by_site[s["site"].get<std::string>()] = s;
    }
  }
  for (const auto& t : truth["sites"]) {
    const std::string site = t["site"];
    const double seeded = t["seeded_peak_ratio"];
    if (seeded <= 1) {
      EXPECT_EQ(any_class[site], 0) << site << " was left calm but a surge was reported";
      continue;
    }
    ASSERT_EQ(by_site.count(site), 1u) << site;
    const auto& s = by_site[site];
    int64_t start = 0;
    ASSERT_TRUE(ParseDate(s["start"].get<std::string>(), start));
    EXPECT_LE(std::abs(start - seeded_start), 1) << site << " start " << s["start"];
    EXPECT_NEAR(s["peak_ratio"].get<double>(), seeded, 0.1 * seeded) << site;  // issue 4: 10%
  }
  // Every attack line the generator wrote is detected, and nothing else: the demo's ordinary
  // browsing and crawlers raise no false alarm.
  std::map<std::string, uint64_t> detected;
  for (const auto& row : j["daily"]) {
    if (row["class"] == "*") detected[row["site"].get<std::string>()] += row["attacks"].get<uint64_t>();
  }
  for (const auto& t : truth["sites"]) {
    EXPECT_EQ(detected[t["site"].get<std::string>()], t["attack_lines"].get<uint64_t>()) << t["site"];
  }
  // Scanning the same logs again counts nothing twice.
  Outcome again = Exec("scan --no-progress --db " + Q(d / "k.db") + " --format json -o " +
                   Q(d / "r2.json") + " " + Q(d / "logs") + "/*.log");
  ASSERT_EQ(again.code, 0) << again.out;
  auto j2 = nlohmann::json::parse(keikai::testing::ReadFile(d / "r2.json"));
  EXPECT_EQ(j2["summary"]["parsed"], 0);
  // No line was parsed this time, yet dates stay in the logs' zone (remembered per site).
  EXPECT_EQ(j2["timezone"], j["timezone"]);
  EXPECT_EQ(j2["surges"], j["surges"]);
  EXPECT_EQ(j2["summary"]["attacks"], j["summary"]["attacks"]);
}

TEST(Cli, DemoWritesReportsInJapanese) {
  TempDir d;
  Outcome r = Exec("demo --lang ja --no-progress --scale 0.3 --dir " + Q(d.str()));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2022年2月16日以降、ボット・脆弱性スキャンなどによる攻撃が過去3か月平均の約"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("（shop.example.jp）"), std::string::npos) << r.out;
  const std::string html = keikai::testing::ReadFile(d / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("lang=\"ja\""), std::string::npos);
  EXPECT_TRUE(nlohmann::json::accept(keikai::testing::ReadFile(d / "report.json")));
}

}  // namespace
}  // namespace keikai
