// End-to-end tests of the keikai binary, as a user runs it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <mutex>
#include <sstream>
#include <csignal>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "keikai/core/time.h"
#include "cli_util.h"
#include "test_util.h"

namespace keikai {
namespace {

using keikai::testing::TempDir;

using keikai::testing::Exec;
using keikai::testing::Outcome;
using keikai::testing::Q;

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

// Mail logs in the same scan as a web log: each file is read by its kind, found from its first
// lines, and the mail classes are in the JSON report.
TEST(Cli, MailLogsAndWebLogsInOneScan) {
  TempDir d;
  keikai::testing::WriteFile(d / "shop.example.jp.log",
                             "203.0.113.5 - - [26/Nov/2026:07:00:00 +0900] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"curl/8\"\n");
  Outcome r = Exec("scan --db :memory: --format json --log-tz UTC --no-progress " + (d / "shop.example.jp.log") +
                   " " KEIKAI_SHARED_DIR "/data/maillogs/postfix.log " KEIKAI_SHARED_DIR "/data/maillogs/dovecot.log");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["classes"]["mail-lost-connection"], 588 + 452);
  EXPECT_EQ(j["classes"]["mail-auth-failure"], 4);
  EXPECT_EQ(j["classes"]["probe"], 1);
  std::vector<std::string> formats;
  for (const auto& f : j["files"]) formats.push_back(f["format"]);
  std::sort(formats.begin(), formats.end());
  EXPECT_EQ(formats, (std::vector<std::string>{"combined", "dovecot", "maillog"}));
  // Mail-log events are counted as events of their kind, not as requests.
  EXPECT_EQ(j["summary"]["events_by_kind"]["web"], 1);
  EXPECT_EQ(j["summary"]["events_by_kind"]["mail"], 2851);
  EXPECT_EQ(j["summary"]["requests"], 2852);  // all events, as before
  Outcome text = Exec("scan --db :memory: --lang en --log-tz UTC --no-progress " + (d / "shop.example.jp.log") +
                      " " KEIKAI_SHARED_DIR "/data/maillogs/postfix.log");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("Events: 2,"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(mail-log events "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(", web requests 1)"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Requests:"), std::string::npos) << text.out;
  Outcome web = Exec("scan --db :memory: --lang en --log-tz UTC --no-progress " + (d / "shop.example.jp.log"));
  EXPECT_NE(web.out.find("Requests: 1 "), std::string::npos) << web.out;  // web only: requests
  // NDJSON: a line per mail attack event too, with its kind, program and the log message.
  Outcome nd = Exec("scan --db :memory: --format ndjson --log-tz UTC --no-progress " KEIKAI_SHARED_DIR
                    "/data/maillogs/postfix.log");
  ASSERT_EQ(nd.code, 0);
  std::size_t auth = 0, lost = 0;
  std::istringstream lines(nd.out);
  for (std::string l; std::getline(lines, l);) {
    if (l.empty() || l[0] != '{') continue;
    const auto e = nlohmann::json::parse(l);
    EXPECT_EQ(e["kind"], "mail");
    EXPECT_EQ(e["site"], "mx");
    auth += e["classes"][0] == "mail-auth-failure";
    lost += e["classes"][0] == "mail-lost-connection";
    if (e["classes"][0] == "mail-auth-failure") {
      EXPECT_NE(e["evidence"][0].get<std::string>().find("SASL"), std::string::npos) << l;
    }
  }
  EXPECT_EQ(auth, 2u);
  EXPECT_EQ(lost, 588u);
  // A named mail format is accepted up front; a bad zone is a usage error.
  EXPECT_EQ(Exec("scan --db :memory: --log-format dovecot --no-progress " KEIKAI_SHARED_DIR "/data/maillogs/dovecot.log").code, 0);
  EXPECT_EQ(Exec("scan --db :memory: --log-tz Mars/Olympus x.log").code, 2);
}

// The notes of a scan reach the user in every format: on stderr with ndjson, first in HTML.
TEST(Cli, NotesAreShownWithNdjsonAndFirstInHtml) {
  TempDir d;
  std::filesystem::create_directories(d / "logs/old");
  keikai::testing::WriteFile(d / "logs/access.log",
                             "203.0.113.5 - - [26/Nov/2026:07:00:00 +0900] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"curl/8\"\n");
  Outcome nd = Exec("scan --db :memory: --format ndjson --no-progress " + (d / "logs"));
  EXPECT_EQ(nd.code, 0) << nd.out;
  EXPECT_NE(nd.out.find("subdirectory not scanned"), std::string::npos) << nd.out;
  EXPECT_NE(nd.out.find("\"classes\":[\"probe\"]"), std::string::npos) << nd.out;
  Outcome html = Exec("scan --db :memory: --format html --no-progress " + (d / "logs"));
  const std::size_t note = html.out.find("subdirectory not scanned");
  ASSERT_NE(note, std::string::npos);
  EXPECT_LT(note, html.out.find("id=\"surges\""));
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
  // keikai report: the same report from the database alone, reading no input.
  Outcome rep = Exec("report --db " + Q(d / "k.db") + " --format json -o " + Q(d / "rep.json"));
  ASSERT_EQ(rep.code, 0) << rep.out;
  auto k = nlohmann::json::parse(keikai::testing::ReadFile(d / "rep.json"));
  for (const char* key : {"surges", "daily", "top_sources", "other_sources", "countries", "top_paths",
                          "classes", "timezone", "first_date", "last_date", "sites"}) {
    EXPECT_EQ(k[key], j[key]) << key;
  }
  EXPECT_EQ(k["summary"]["attacks"], j["summary"]["attacks"]);
  EXPECT_EQ(k["summary"]["lines"], 0);
  EXPECT_EQ(k["status"], "complete");
  EXPECT_TRUE(k["files"].empty());
  Outcome one = Exec("--lang ja report --db " + Q(d / "k.db") + " --site shop.example.jp");
  EXPECT_EQ(one.code, 0) << one.out;
  EXPECT_NE(one.out.find("keikai 攻撃レポート"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("shop.example.jp"), std::string::npos);
  EXPECT_EQ(one.out.find("blog.example.jp"), std::string::npos) << one.out;
  Outcome nd = Exec("report --db " + Q(d / "k.db") + " --format ndjson");
  EXPECT_EQ(nd.code, 2);
  EXPECT_NE(nd.out.find("streaming output of keikai scan"), std::string::npos) << nd.out;
  Outcome none = Exec("report --db " + Q(d / "k.db") + " --site nosuch.example.jp");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.out.find("nosuch.example.jp"), std::string::npos) << none.out;
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

// n combined-format lines over a few days from a few hundred addresses, about 3% attacks.
std::string SampleLog(int n, int first_day = 1) {
  std::string out;
  static const char* kAttacks[] = {"/.env", "/wp-login.php?x=1", "/item.php?id=1%27%20or%201=1--",
                                   "/../../etc/passwd", "/shell.php"};
  for (int i = 0; i < n; ++i) {
    const int day = first_day + i * 3 / std::max(1, n);
    const int sec = (i * 37) % 86400;
    char t[64];
    std::snprintf(t, sizeof t, "%02d/Mar/2022:%02d:%02d:%02d +0900", day, sec / 3600, sec / 60 % 60,
                  sec % 60);
    const bool attack = i % 31 == 0;
    const std::string ip = "198.51." + std::to_string(100 + i % 7) + "." + std::to_string(i % 200 + 1);
    const std::string target = attack ? kAttacks[i % 5] : "/page/" + std::to_string(i % 500);
    out += ip + " - - [" + t + "] \"GET " + target + " HTTP/1.1\" " + (attack ? "404" : "200") +
           " 512 \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0\"\n";
  }
  return out;
}

uint64_t JsonRequests(const std::string& path) {
  auto j = nlohmann::json::parse(keikai::testing::ReadFile(path), nullptr, false);
  return j.is_object() ? j["summary"]["requests"].get<uint64_t>() : 0;
}

// Issue 11: a log and a shorter copy with the same first line side by side shared one resume
// mark, and every scan counted half of it again.
TEST(Cli, ShorterCopySideBySideIsCountedOnce) {
  TempDir d;
  const std::string log = SampleLog(4000);
  std::filesystem::create_directories(d / "logs");
  keikai::testing::WriteFile(d / "logs/access.log", log);
  keikai::testing::WriteFile(d / "logs/access.log.bak", log.substr(0, log.size() / 2 + 17));
  for (int round = 0; round < 4; ++round) {
    Outcome r = Exec("scan --no-progress --site web --db " + Q(d / "x.db") + " --format json -o " +
                     Q(d / "r.json") + " " + Q(d / "logs"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(JsonRequests(d / "r.json"), 4000u) << "round " << round;
  }
}

TEST(Cli, CopyWithNothingNewNamesTheSiteItWasCountedUnder) {
  TempDir d;
  const std::string log = SampleLog(300);
  keikai::testing::WriteFile(d / "shop.example.jp.log", log);
  keikai::testing::WriteFile(d / "backup.log", log);
  ASSERT_EQ(Exec("scan --no-progress --db " + Q(d / "x.db") + " " + Q(d / "shop.example.jp.log")).code, 0);
  Outcome r = Exec("scan --no-progress --db " + Q(d / "x.db") + " --format json " + Q(d / "backup.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["files"][0]["already_ingested"], 300);
  EXPECT_EQ(j["files"][0]["site"], "shop.example.jp") << j["files"];
}

TEST(Cli, StdinPipedTwiceIsCountedOnce) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(3000));
  for (int round = 0; round < 2; ++round) {
    Outcome r = Exec("scan --no-progress --db " + Q(d / "x.db") + " --format json -o " +
                     Q(d / "r.json") + " - < " + Q(d / "in.log"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(JsonRequests(d / "r.json"), 3000u) << "round " << round;
  }
}

TEST(Cli, DryRunReportsTheInput) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(1000));
  for (const std::string db : {" --db :memory:", ""}) {
    Outcome r = Exec("scan --dry-run --no-progress" + db + " --format json -o " + Q(d / "r.json") +
                     " " + Q(d / "in.log"), "LANG=C HOME=" + d.str());
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(keikai::testing::ReadFile(d / "r.json"));
    EXPECT_EQ(j["summary"]["requests"], 1000);
    EXPECT_EQ(j["summary"]["attacks"], 33);
  }
  EXPECT_FALSE(std::filesystem::exists(d / ".local/share/keikai/keikai.db"));
}

// Issue 10: a scan of a missing file replaced a good report with an empty, green one.
TEST(Cli, FailedScanKeepsTheOldReportAndSaysSo) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(500));
  Outcome r = Exec("scan --no-progress --db " + Q(d / "x.db") + " --format html -o " +
                   Q(d / "keep.html") + " " + Q(d / "in.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string good = keikai::testing::ReadFile(d / "keep.html");
  r = Exec("scan --no-progress --db " + Q(d / "x.db") + " --format html -o " + Q(d / "keep.html") +
           " " + Q(d / "missing.log"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("missing.log"), std::string::npos) << r.out;
  EXPECT_EQ(keikai::testing::ReadFile(d / "keep.html"), good);
  // To stdout, the report leads with the failure and shows no old data of the database.
  r = Exec("scan --no-progress --db " + Q(d / "x.db") + " --format json " + Q(d / "missing.log"));
  EXPECT_EQ(r.code, 1);
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["summary"]["requests"], 0);
  EXPECT_EQ(j["problems"][0]["kind"], "input_error");
  r = Exec("scan --no-progress --db " + Q(d / "x.db") + " " + Q(d / "missing.log"));
  EXPECT_EQ(r.out.find("No surge found."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos) << r.out;
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.str())) files += e.path().filename().string()[0] == '.';
  EXPECT_EQ(files, 0);
}

TEST(Cli, WrongLogFormatIsNamedAndNotAnAllClear) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(300));
  Outcome r = Exec("scan --no-progress --db :memory: --log-format common --format json " +
                   Q(d / "in.log"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("look like 'combined'"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["problems"][0]["kind"], "input_error");
  EXPECT_NE(j["problems"][0]["detail"].get<std::string>().find("'combined'"), std::string::npos) << j["problems"];
  EXPECT_EQ(j["files"][0]["detected_format"], "combined");
  // With some good lines besides, the report is partial: written, and saying so first.
  keikai::testing::WriteFile(d / "mixed.log", SampleLog(300, 10) + std::string(400, 'x') + "\n" +
                                                  "a b c\n" + "1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 1\n");
  r = Exec("scan --no-progress --db :memory: --format json -o " + Q(d / "r.json") + " " +
           Q(d / "in.log") + " " + Q(d / "mixed.log"));
  EXPECT_EQ(r.code, 0) << r.out;  // 3 bad lines of 303: no problem worth a failure
  r = Exec("scan --no-progress --db :memory: --log-format common --format json -o " + Q(d / "r.json") +
           " " + Q(d / "in.log") + " " + Q(d / "missing.log"));
  EXPECT_EQ(r.code, 1);
  keikai::testing::WriteFile(d / "common.log", "1.2.3.4 - - [01/Mar/2022:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1\n");
  r = Exec("scan --no-progress --db :memory: --log-format common --format json -o " + Q(d / "r.json") +
           " " + Q(d / "in.log") + " " + Q(d / "common.log"));
  EXPECT_EQ(r.code, 1);
  j = nlohmann::json::parse(keikai::testing::ReadFile(d / "r.json"));
  EXPECT_EQ(j["status"], "partial");
  EXPECT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["summary"]["requests"], 1);
  // Nothing of a file refused for its format is remembered: the right format reads it all.
  r = Exec("scan --no-progress --db " + Q(d / "k.db") + " --log-format common " + Q(d / "in.log"));
  EXPECT_EQ(r.code, 1) << r.out;
  r = Exec("--lang ja scan --no-progress --db " + Q(d / "k.db") + " --log-format iis " + Q(d / "in.log"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("読み込んでいません"), std::string::npos) << r.out;
  r = Exec("scan --no-progress --db " + Q(d / "k.db") + " --format json " + Q(d / "in.log"));
  EXPECT_EQ(r.code, 0) << r.out;
  j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["summary"]["requests"], 300);
}

// keikai config check: 0 for the documented example; every problem with its line, and 1.
TEST(Cli, ConfigCheck) {
  Outcome ok = Exec("config check " KEIKAI_SOURCE_DIR "/docs/keikai.example.yaml");
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("valid: 2 site(s), 6 log file(s), 2 mail service(s), 4 alert channel(s)"), std::string::npos)
      << ok.out;
  TempDir d;
  keikai::testing::WriteFile(d / "k.yaml", "sites:\n  - name: a.jp\n    logs: [access.log]\nsurge: {window_days: 1}\n");
  Outcome bad = Exec("config check " + Q(d / "k.yaml"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("k.yaml:3:12: sites[0].logs[0]: expected an absolute path"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("surge.window_days: expected a whole number from 7 to 3650"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("2 problem(s)"), std::string::npos) << bad.out;
  Outcome ja = Exec("--lang ja config check " + Q(d / "k.yaml"));
  EXPECT_NE(ja.out.find("絶対パスが必要です"), std::string::npos) << ja.out;
  EXPECT_EQ(Exec("config check").code, 2);
  EXPECT_EQ(Exec("config check " + Q(d / "none.yaml")).code, 1);
}

// keikai scan --config: the configuration's sites, each log with its rotated copy (.1), the mail
// logs under the mail site, its store unless --db is given.
TEST(Cli, ScanWithAConfiguration) {
  TempDir d;
  const auto line = [](int i, const std::string& path) {
    char ts[64];
    std::snprintf(ts, sizeof ts, "26/Nov/2026:07:%02d:%02d +0900", i / 60 % 60, i % 60);
    return "203.0.113." + std::to_string(i % 200) + " - - [" + ts + "] \"GET " + path +
           " HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n";
  };
  std::string shop, shop1, corp;
  for (int i = 0; i < 30; ++i) shop += line(i, i % 10 == 0 ? "/.env" : "/item/" + std::to_string(i));
  for (int i = 30; i < 40; ++i) shop1 += line(i, "/old/" + std::to_string(i));
  for (int i = 0; i < 12; ++i) corp += line(i, "/about");
  keikai::testing::WriteFile(d / "shop.log", shop);
  keikai::testing::WriteFile(d / "shop.log.1", shop1);
  keikai::testing::WriteFile(d / "corp.log", corp);
  keikai::testing::WriteFile(d / "k.yaml",
      "store: " + std::string(d / "conf.db") + "\n"
      "timezone: UTC\n"
      "sites:\n"
      "  - name: shop.example.jp\n"
      "    logs: [" + std::string(d / "shop.log") + "]\n"
      "  - name: corp.example.jp\n"
      "    logs:\n"
      "      - path: " + std::string(d / "corp.log") + "\n"
      "        format: combined\n"
      "mail:\n"
      "  site: mx.example.jp\n"
      "  timezone: UTC\n"
      "  logs: [" KEIKAI_SHARED_DIR "/data/maillogs/postfix.log]\n");
  Outcome r = Exec("scan --no-progress --config " + Q(d / "k.yaml") + " --format json -o " + Q(d / "r.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(keikai::testing::ReadFile(d / "r.json"));
  std::map<std::string, std::pair<std::string, uint64_t>> files;
  for (const auto& f : j["files"]) files[f["path"]] = {f["site"], f["parsed"]};
  EXPECT_EQ(files[d / "shop.log"], std::make_pair(std::string("shop.example.jp"), uint64_t{30}));
  EXPECT_EQ(files[d / "shop.log.1"], std::make_pair(std::string("shop.example.jp"), uint64_t{10}));
  EXPECT_EQ(files[d / "corp.log"], std::make_pair(std::string("corp.example.jp"), uint64_t{12}));
  EXPECT_EQ(files[KEIKAI_SHARED_DIR "/data/maillogs/postfix.log"].first, "mx.example.jp");
  EXPECT_EQ(j["timezone"].get<std::string>().substr(0, 3), "UTC");
  EXPECT_TRUE(std::filesystem::exists(d / "conf.db"));  // the configuration's store
  // --db on the command line wins; a second scan of the same store finds everything read.
  Outcome again = Exec("scan --no-progress --config " + Q(d / "k.yaml") + " --db " + Q(d / "other.db") +
                       " --format json");
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_TRUE(std::filesystem::exists(d / "other.db"));
  // A configuration with problems is named and nothing is scanned.
  keikai::testing::WriteFile(d / "bad.yaml", "sites: [{name: a.jp, logs: [rel.log]}]\n");
  Outcome bad = Exec("scan --config " + Q(d / "bad.yaml"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("bad.yaml:1:29: sites[0].logs[0]: expected an absolute path"), std::string::npos) << bad.out;
  Outcome none = Exec("scan");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.out.find("nothing to scan"), std::string::npos) << none.out;
}

TEST(Cli, ReadingCommandsNeverCreateADatabase) {
  TempDir d;
  for (const std::string cmd : {"sites --db ", "db check --db ", "sites rename a b --db ", "report --db "}) {
    Outcome r = Exec(cmd + Q(d / "sub/typo.db"));
    EXPECT_EQ(r.code, 1) << cmd << r.out;
    EXPECT_NE(r.out.find("no database"), std::string::npos) << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(d / "sub"));
  Outcome r = Exec("--lang ja sites --db " + Q(d / "typo.db"));
  EXPECT_NE(r.out.find("データベースがありません"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d / "typo.db"));
}

TEST(Cli, OutputRefusesASymlinkUnlessAsked) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(50));
  keikai::testing::WriteFile(d / "secret", "do not touch");
  std::filesystem::create_symlink(d / "secret", d / "out.json");
  Outcome r = Exec("scan --no-progress --db :memory: --format json -o " + Q(d / "out.json") + " " +
                   Q(d / "in.log"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("symbolic link"), std::string::npos) << r.out;
  EXPECT_EQ(keikai::testing::ReadFile(d / "secret"), "do not touch");
  r = Exec("scan --no-progress --db :memory: --follow-symlinks --format json -o " + Q(d / "out.json") +
           " " + Q(d / "in.log"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::is_symlink(d / "out.json"));
  EXPECT_TRUE(nlohmann::json::accept(keikai::testing::ReadFile(d / "secret")));
}

TEST(Cli, DatabaseAndItsDirectoryArePrivate) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(50));
  Outcome r = Exec("scan --no-progress --db " + Q(d / "new/dir/k.db") + " " + Q(d / "in.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(d / "new/dir/k.db").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(d / "new/dir").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(d / "new").permissions() & fs::perms::all, fs::perms::owner_all);
  // keikai's cache directory left 0755 by an older version is made private again.
  fs::create_directories(d / "xdg/keikai");
  fs::permissions(d / "xdg/keikai", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
  r = Exec("scan --no-progress --db :memory: " + Q(d / "in.log"), "LANG=C LC_ALL= XDG_CACHE_HOME=" + Q(d / "xdg"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(fs::status(d / "xdg/keikai").permissions() & fs::perms::all, fs::perms::owner_all);
  for (const auto& e : fs::directory_iterator(d / "xdg/keikai")) {
    EXPECT_EQ(e.status().permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << e.path();
  }
}

TEST(Cli, DamagedDatabaseIsRefused) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(3000));
  ASSERT_EQ(Exec("scan --no-progress --db " + Q(d / "k.db") + " " + Q(d / "in.log")).code, 0);
  std::string db = keikai::testing::ReadFile(d / "k.db");
  ASSERT_GT(db.size(), 3u * 16384);
  // The b-tree page headers of every page after the first four (16 KB pages): the damage is
  // where SQLite reads, whatever the layout of the tables.
  for (std::size_t page = 4; (page + 1) * 16384 <= db.size(); ++page) {
    for (std::size_t i = 0; i < 64; ++i) db[page * 16384 + i] = static_cast<char>((i * 7919) ^ 0x5a);
  }
  keikai::testing::WriteFile(d / "k.db", db);
  keikai::testing::WriteFile(d / "more.log", SampleLog(10, 20));
  Outcome r = Exec("scan --no-progress --db " + Q(d / "k.db") + " " + Q(d / "more.log"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("damaged"), std::string::npos) << r.out;
  r = Exec("--lang ja scan --no-progress --db " + Q(d / "k.db") + " " + Q(d / "more.log"));
  EXPECT_NE(r.out.find("破損"), std::string::npos) << r.out;
}

TEST(Cli, FileErrorsInJapanese) {
  TempDir d;
  Outcome r = Exec("--lang ja scan --no-progress --db :memory: " + Q(d / "missing.log"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("ファイルまたはディレクトリがありません"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("No such file"), std::string::npos) << r.out;
  keikai::testing::WriteFile(d / "t.gz", keikai::testing::Gzip(SampleLog(200)).substr(0, 300));
  r = Exec("--lang ja scan --no-progress --db :memory: " + Q(d / "t.gz"));
  EXPECT_NE(r.out.find("gzip データが途中で切れています"), std::string::npos) << r.out;
}

TEST(Cli, TerminalEscapesFromLogsAreShownNotObeyed) {
  TempDir d;
  std::string log;
  for (int i = 0; i < 40; ++i) {
    log += "198.51.100.9 - - [01/Mar/2022:10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
           " +0900] \"GET /.env HTTP/1.1\" 404 0 \"-\" \"sqlmap/1.6\"\n";
  }
  keikai::testing::WriteFile(d / "evil\x1b]0;pwned\x07\x1b[2J.log", log);
  Outcome r = Exec("scan --no-progress --db :memory: " + Q(d / "evil\x1b]0;pwned\x07\x1b[2J.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  EXPECT_NE(r.out.find("evil\\x1B]0;pwned\\x07\\x1B[2J"), std::string::npos) << r.out;
}

// Issue 10: CLI11's own errors and help headings were English under --lang ja; --site with no
// value took the next option as its value.
TEST(Cli, CommandLineErrorsAndHelpInJapanese) {
  Outcome r = Exec("--lang ja scan");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("スキャン対象がありません"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("is required"), std::string::npos) << r.out;
  r = Exec("--lang ja scan --bogus x.log");
  EXPECT_NE(r.out.find("ここでは使えない引数です: --bogus"), std::string::npos) << r.out;
  r = Exec("--lang ja scan --max-line 3 x.log");
  EXPECT_NE(r.out.find("--max-line: 値が範囲外です"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("詳しくは --help"), std::string::npos) << r.out;
  for (const char* cmd : {"--lang ja --help", "--lang ja scan --help"}) {
    r = Exec(cmd);
    EXPECT_EQ(r.out.find("Options:"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Subcommands:"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Display program"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("オプション:"), std::string::npos) << r.out;
  }
  r = Exec("scan --site --format json x.log");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--site: the value is missing"), std::string::npos) << r.out;
  EXPECT_NE(Exec("scan --help").out.find("otherwise the zone the logs themselves carry"), std::string::npos);
}

// Bad-line columns count from 1 everywhere; the text report names the format it read.
TEST(Cli, BadLineColumnsAndFormatAreStatedAlike) {
  TempDir d;
  keikai::testing::WriteFile(d / "in.log", SampleLog(20) + "198.51.100.1 - - [01/Mar/2022:10:00:00 +0900] \"GET / HTTP/1.1\" abc 1 \"-\" \"x\"\n");
  Outcome t = Exec("scan --no-progress --db :memory: " + Q(d / "in.log"));
  EXPECT_NE(t.out.find("in.log:21:64: "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("Read as: combined"), std::string::npos) << t.out;
  Outcome j = Exec("scan --no-progress --db :memory: --format json " + Q(d / "in.log"));
  auto doc = nlohmann::json::parse(j.out.substr(j.out.find('{')));
  EXPECT_EQ(doc["bad_line_samples"][0]["column"], 64);  // "abc" starts at byte 64
}

// Issue 10: --site X after a first scan of the same files reported 0 requests, the data sitting
// under "default"; now the report shows where they are, says how to move them, and they move.
TEST(Cli, SiteCanBeRelabelled) {
  TempDir d;
  keikai::testing::WriteFile(d / "access.log", SampleLog(500));
  const std::string db = " --db " + Q(d / "k.db");
  ASSERT_EQ(Exec("scan --no-progress" + db + " " + Q(d / "access.log")).code, 0);
  Outcome r = Exec("scan --no-progress --site web --format json" + db + " " + Q(d / "access.log"));
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["summary"]["requests"], 500);
  EXPECT_EQ(j["sites"], nlohmann::json::array({"default"}));
  EXPECT_NE(j["notes"].dump().find("keikai sites rename 'default' 'web'"), std::string::npos) << j["notes"];
  r = Exec("sites rename default web" + db);
  EXPECT_EQ(r.code, 0) << r.out;
  r = Exec("sites" + db);
  EXPECT_NE(r.out.find("web"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("default"), std::string::npos) << r.out;
  r = Exec("scan --no-progress --site web --format json" + db + " " + Q(d / "access.log"));
  j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["sites"], nlohmann::json::array({"web"}));
  EXPECT_EQ(j["summary"]["requests"], 500);
  EXPECT_EQ(j["notes"].size(), 0u) << j["notes"];
  EXPECT_EQ(Exec("sites rename nope web" + db).code, 1);
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
