// keikai run, the daemon, as a user runs it: a process of its own over real files, killed and
// restarted, with real receivers (HTTP, a syslog socket, Prometheus) on 127.0.0.1.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <zlib.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "keikai/core/time.h"
#include "test_util.h"

namespace keikai {
namespace {

using namespace keikai::testing;

// keikai run: a log that grows, is rotated by rename, and grows again while the daemon is
// killed (SIGKILL) and started again; every line is stored exactly once, the surge is alerted
// once across both runs, a configuration with problems sent by SIGHUP is not taken, and SIGTERM
// stops it cleanly (exit 0).
TEST(Daemon, FollowsRotatesSurvivesAKillAndAlertsOnce) {
  TempDir d;
  // Forty days ago, so that retention (from now) has a fixed answer whatever the date.
  const int64_t day0 = static_cast<int64_t>(std::time(nullptr)) / 86400 - 40;
  const std::vector<std::string> lines = ShopDays(day0);
  ASSERT_EQ(lines.size(), 5440u);
  const std::string log = d / "shop.log", db = d / "k.db", cfg = d / "k.yaml";
  const int metrics_port = FreePort();
  ASSERT_GT(metrics_port, 0);
  const std::string config = "language: en\ntimezone: Asia/Tokyo\nstore: " + db +
                             "\nread_every: 1s\nmetrics: {listen: \"127.0.0.1:" + std::to_string(metrics_port) +
                             "\"}\nsites:\n  - name: shop.example.jp\n    logs: [" + log +
                             "]\nalerts:\n  - type: stdout\n";
  keikai::testing::WriteFile(cfg, config);
  keikai::testing::WriteFile(log, Join(lines, 0, 3000));
  pid_t pid = Spawn(KEIKAI_BIN, {"run", "--config", cfg}, d / "alerts.out", d / "daemon.err");
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitForRequests(db, 3000), 3000u);
  {
    // Where the kernel gives huge pages on request, the daemon has started itself again (same
    // process) with glibc asking for them (apps/keikai.cc).
    std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    std::getline(thp, mode);
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (mode.find("[madvise]") != std::string::npos &&
        (tunables == nullptr || std::string(tunables).find("glibc.malloc.hugetlb") == std::string::npos)) {
      std::ifstream envf("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
      const std::string env((std::istreambuf_iterator<char>(envf)), std::istreambuf_iterator<char>());
      EXPECT_NE(env.find("glibc.malloc.hugetlb=1"), std::string::npos);
    }
  }
  {
    std::FILE* f = std::fopen(log.c_str(), "a");  // the log grows
    const std::string more = Join(lines, 3000, 4000);
    std::fwrite(more.data(), 1, more.size(), f);
    std::fclose(f);
  }
  EXPECT_EQ(WaitForRequests(db, 4000), 4000u);
  std::filesystem::rename(log, log + ".1");  // rotated by rename
  keikai::testing::WriteFile(log, Join(lines, 4000, 4700));
  EXPECT_EQ(WaitForRequests(db, 4700), 4700u);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  {
    std::FILE* f = std::fopen(log.c_str(), "a");  // written while it was down
    const std::string rest = Join(lines, 4700, lines.size());
    std::fwrite(rest.data(), 1, rest.size(), f);
    std::fclose(f);
  }
  pid = Spawn(KEIKAI_BIN, {"run", "--config", cfg}, d / "alerts.out", d / "daemon.err");
  EXPECT_EQ(WaitForRequests(db, 5440), 5440u);
  // /metrics on the loopback, in Prometheus's text format: this run read the 740 lines written
  // while the first was down, and the surge is ongoing.
  {
    httplib::Client scrape("127.0.0.1", metrics_port);
    std::string text;
    for (int i = 0; i < 120; ++i) {
      auto res = scrape.Get("/metrics");
      if (res && res->status == 200) {
        EXPECT_NE(res->get_header_value("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
        text = res->body;
        // Read, and evaluated after it (a round reads first, then evaluates).
        if (text.find("keikai_lines_read_total 740\n") != std::string::npos &&
            text.find("keikai_evaluations_total 0\n") == std::string::npos) {
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_EQ(BadExpositionLine(text), "") << text;
    EXPECT_NE(text.find("keikai_lines_read_total 740\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keikai_surge_ongoing{site=\"shop.example.jp\",class=\"*\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keikai_window_requests 5440\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keikai_window_requests_by_site{site=\"shop.example.jp\"} 5440\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keikai_lines_read_by_format_total{format=\"combined\"} 740\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keikai_window_attacks_by_class{site=\"shop.example.jp\",class=\"probe\"} "), std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE keikai_alerts_sent_total counter"), std::string::npos);
    EXPECT_EQ(BadExpositionLine("keikai_x 1\n"), "keikai_x 1");  // the checker can fail
    // Prometheus's own checker, and a real Prometheus (Debian's) scraping it.
    keikai::testing::WriteFile(d / "metrics.txt", text);
    const std::string check = "promtool check metrics < " + Q(d / "metrics.txt") + " 2>&1";
    std::FILE* pc = popen(check.c_str(), "r");
    ASSERT_NE(pc, nullptr);
    std::string promtool_out;
    char pbuf[4096];
    for (std::size_t n; (n = std::fread(pbuf, 1, sizeof pbuf, pc)) > 0;) promtool_out.append(pbuf, n);
    const int pst = pclose(pc);
    EXPECT_TRUE(WIFEXITED(pst) && WEXITSTATUS(pst) == 0) << promtool_out;
    const int prom_port = FreePort();
    keikai::testing::WriteFile(d / "prometheus.yml",
        "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: keikai\n    static_configs:\n"
        "      - targets: ['127.0.0.1:" + std::to_string(metrics_port) + "']\n");
    const pid_t prom = Spawn("/usr/bin/prometheus",
                              {"--config.file=" + std::string(d / "prometheus.yml"),
                               "--storage.tsdb.path=" + std::string(d / "tsdb"),
                               "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                              d / "prometheus.out", d / "prometheus.out");
    ASSERT_GT(prom, 0);
    httplib::Client api("127.0.0.1", prom_port);
    std::string value;
    for (int i = 0; i < 240 && value.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      auto res = api.Get("/api/v1/query?query=keikai_lines_read_total");
      if (!res || res->status != 200) continue;
      auto j = nlohmann::json::parse(res->body, nullptr, false);
      if (j.is_object() && j["data"]["result"].is_array() && !j["data"]["result"].empty()) {
        value = j["data"]["result"][0]["value"][1].get<std::string>();
      }
    }
    ::kill(prom, SIGTERM);
    int prom_status = 0;
    ::waitpid(prom, &prom_status, 0);
    EXPECT_EQ(value, "740") << keikai::testing::ReadFile(d / "prometheus.out");
  }
  keikai::testing::WriteFile(cfg, config + "surge: {window_days: 1}\n");
  ::kill(pid, SIGHUP);
  std::string err;
  for (int i = 0; i < 120 && err.find("running one is kept") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    err = keikai::testing::ReadFile(d / "daemon.err");
  }
  EXPECT_NE(err.find("running one is kept"), std::string::npos) << err;
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << keikai::testing::ReadFile(d / "daemon.err");
  EXPECT_EQ(WaitForRequests(db, 5440), 5440u);  // not one line twice
  // The surge of all classes, alerted once over both runs.
  std::istringstream alerts(keikai::testing::ReadFile(d / "alerts.out"));
  int site_surges = 0;
  for (std::string a; std::getline(alerts, a);) {
    auto j = nlohmann::json::parse(a, nullptr, false);
    ASSERT_TRUE(j.is_object()) << a;
    if (j["class"] == "*") {
      ++site_surges;
      EXPECT_EQ(j["start"], FormatDate(day0 + 12));
      EXPECT_NE(j["message"].get<std::string>().find("surged to about 25 times"), std::string::npos) << a;
    }
  }
  EXPECT_EQ(site_surges, 1) << keikai::testing::ReadFile(d / "alerts.out");
  // Retention: findings kept 20 days are gone (the lines are 27 to 40 days old), hourly counts stay.
  keikai::testing::WriteFile(cfg, config + "retention: {findings_days: 20}\n");
  Outcome pruned = Exec("run --once --config " + Q(cfg));
  EXPECT_EQ(pruned.code, 0) << pruned.out;
  EXPECT_NE(pruned.out.find("retention: 1,240 row(s) removed"), std::string::npos) << pruned.out;
  Outcome rep = Exec("report --db " + Q(db) + " --format json");
  auto after = nlohmann::json::parse(rep.out.substr(rep.out.find('{')));
  EXPECT_EQ(after["summary"]["requests"], 5440);
  EXPECT_TRUE(after["top_paths"].empty());
  // A mail service that does not answer is said (once per change of state), not silently kept.
  const int closed = FreePort();
  keikai::testing::WriteFile(cfg, config + "mail:\n  services:\n    - protocol: smtp\n      port: " +
                                      std::to_string(closed) + "\n");
  Outcome probes = Exec("run --once --config " + Q(cfg));
  EXPECT_EQ(probes.code, 0) << probes.out;
  EXPECT_NE(probes.out.find("mail service smtp (127.0.0.1:" + std::to_string(closed) +
                            ") failed at connect: connection refused"),
            std::string::npos)
      << probes.out;
}

// Webhook, Slack and Teams channels against a real HTTP receiver on 127.0.0.1: while it is down
// the alerts wait in the store; once it is up they arrive, each once, in each channel's format
// and language.
TEST(Daemon, AlertsWaitForAChannelThatIsDown) {
  httplib::Server receiver;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> got;  // path, body
  receiver.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lk(mu);
    got.emplace_back(req.path, req.body);
    res.status = 200;
  });
  // A free port with nothing on it: connections are refused (down).
  const int port = FreePort();
  ASSERT_GT(port, 0);
  TempDir d;
  const int64_t day0 = static_cast<int64_t>(std::time(nullptr)) / 86400 - 40;
  const std::vector<std::string> lines = ShopDays(day0);
  keikai::testing::WriteFile(d / "shop.log", Join(lines, 0, lines.size()));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  keikai::testing::WriteFile(d / "k.yaml",
      "language: en\ntimezone: Asia/Tokyo\nstore: " + std::string(d / "k.db") +
      "\nmetrics: {enabled: false}\nsites:\n  - name: shop.example.jp\n    logs: [" + std::string(d / "shop.log") + "]\n"
      "report: {path: " + std::string(d / "www/report.html") + ", url: \"https://keikai.example.jp/report.html\"}\n"
      "alerts:\n"
      "  - type: webhook\n    url: " + base + "/hook?token=x\n"
      "  - type: slack\n    url: " + base + "/slack/T0/B0/secret\n    language: ja\n"
      "  - type: teams\n    url: " + base + "/teams\n"
      "  - type: syslog\n    facility: local3\n    socket: " + std::string(d / "log.sock") + "\n");
  // A syslog daemon's socket: a datagram socket the test reads.
  const int syslog_fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un su{};
  su.sun_family = AF_UNIX;
  const std::string sock_path = d / "log.sock";
  std::memcpy(su.sun_path, sock_path.data(), sock_path.size());
  ASSERT_EQ(::bind(syslog_fd, reinterpret_cast<sockaddr*>(&su), sizeof su), 0);
  Outcome down = Exec("run --once --config " + Q(d / "k.yaml"));
  EXPECT_EQ(down.code, 0) << down.out;
  EXPECT_NE(down.out.find("not delivered, tried again next round"), std::string::npos) << down.out;
  EXPECT_EQ(down.out.find("secret"), std::string::npos) << "the URL's secret path was printed: " << down.out;
  ASSERT_TRUE(receiver.bind_to_port("127.0.0.1", port));  // up
  std::thread serving([&] { receiver.listen_after_bind(); });
  for (int i = 0; i < 100 && !receiver.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Outcome up = Exec("run --once --config " + Q(d / "k.yaml"));
  EXPECT_EQ(up.code, 0) << up.out;
  Outcome again = Exec("run --once --config " + Q(d / "k.yaml"));  // nothing is sent twice
  EXPECT_EQ(again.code, 0) << again.out;
  receiver.stop();
  serving.join();
  std::map<std::string, std::vector<nlohmann::json>> by_path;
  for (const auto& [path, body] : got) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << body;
    by_path[path.substr(0, path.find('/', 1))].push_back(j);
  }
  // Two surges (all classes, and the probes), each once: one record each on the webhook, one
  // message with both on the channels people read.
  ASSERT_EQ(by_path["/hook"].size(), 2u) << got.size();
  ASSERT_EQ(by_path["/slack"].size(), 1u);
  ASSERT_EQ(by_path["/teams"].size(), 1u);
  EXPECT_NE(by_path["/slack"][0]["text"].get<std::string>().find("ほかに攻撃の種類別の急増 1 件: probe (shop.example.jp)"),
            std::string::npos)
      << by_path["/slack"][0].dump();
  EXPECT_EQ(by_path["/hook"][0]["type"], "surge");
  EXPECT_EQ(by_path["/hook"][0]["site"], "shop.example.jp");
  EXPECT_NE(by_path["/hook"][0]["message"].get<std::string>().find("surged to about 25 times"), std::string::npos);
  EXPECT_NE(by_path["/slack"][0]["text"].get<std::string>().find("約25倍に急増"), std::string::npos)
      << by_path["/slack"][0].dump();
  EXPECT_EQ(by_path["/teams"][0]["@type"], "MessageCard");
  // Each alert links to the report the daemon rewrote at that evaluation.
  EXPECT_EQ(by_path["/hook"][0]["report"], "https://keikai.example.jp/report.html");
  EXPECT_NE(by_path["/slack"][0]["text"].get<std::string>().find("レポート: https://keikai.example.jp/report.html"),
            std::string::npos)
      << by_path["/slack"][0].dump();
  EXPECT_EQ(ReadFile(d / "www/report.html").rfind("<!DOCTYPE html>", 0), 0u);
  struct stat rs {};
  ASSERT_EQ(::stat((d / "www/report.html").c_str(), &rs), 0);
  EXPECT_EQ(rs.st_mode & 0777, 0640u);
  // syslog was up all along: one record, local3.warning (19 * 8 + 4 = 156), one line.
  std::vector<std::string> records;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(syslog_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    records.emplace_back(buf, static_cast<std::size_t>(n));
  }
  ::close(syslog_fd);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].rfind("<156>", 0), 0u) << records[0];
  EXPECT_NE(records[0].find(" keikai["), std::string::npos) << records[0];
  EXPECT_NE(records[0].find("surged to about 25 times"), std::string::npos) << records[0];
  EXPECT_EQ(records[0].find('\n'), std::string::npos);
}

// A header's value with its RFC 2047 UTF-8 B words decoded (what a mail reader shows), from a
// mail as a Maildir keeps it (LF line ends).
std::string HeaderText(const std::string& mail, const std::string& name) {
  const std::size_t at = mail.find("\n" + name + ": ");
  if (at == std::string::npos) return "";
  std::size_t end = at + 1;
  for (;;) {  // the folded lines too
    end = mail.find('\n', end);
    if (end == std::string::npos || (mail[end + 1] != ' ' && mail[end + 1] != '\t')) break;
    end += 1;
  }
  const std::string raw = mail.substr(at + 3 + name.size(), end - at - 3 - name.size());
  std::string out;
  std::size_t i = 0;
  while (i < raw.size()) {
    const std::size_t w = raw.find("=?UTF-8?B?", i);
    if (w == std::string::npos) {
      out += raw.substr(i);
      break;
    }
    const std::string between = raw.substr(i, w - i);
    if (between.find_first_not_of(" \t\r\n") != std::string::npos) out += between;
    const std::size_t e = raw.find("?=", w + 10);
    out += DecodeBase64(raw.substr(w + 10, e - w - 10));
    i = e + 2;
  }
  return out;
}

// A combined-format line at Unix time t (UTC), unique by i; every 7th an attack.
std::string WebLine(int64_t t, int i, const std::string& tag) {
  const std::string ts = ClfTime(t, "+0000");
  const bool attack = i % 7 == 0;
  return "198.51.100." + std::to_string(i % 250) + " - - [" + ts + "] \"GET " +
         (attack ? "/" + tag + "/.env?n=" : "/" + tag + "/page?n=") + std::to_string(i) + " HTTP/1.1\" " +
         (attack ? "404" : "200") + " 512 \"-\" \"Mozilla/5.0 Firefox/120.0\"\n";
}

void Append(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
}

// What logrotate does with delaycompress: PATH.N.gz -> PATH.N+1.gz, PATH.1 -> PATH.2.gz (gzip).
void ShiftCopies(const std::string& path) {
  int top = 1;
  while (std::filesystem::exists(path + "." + std::to_string(top + 1) + ".gz")) ++top;
  for (int n = top; n >= 2; --n) {
    if (!std::filesystem::exists(path + "." + std::to_string(n) + ".gz")) continue;
    std::filesystem::rename(path + "." + std::to_string(n) + ".gz", path + "." + std::to_string(n + 1) + ".gz");
  }
  if (!std::filesystem::exists(path + ".1")) return;
  const std::string data = ReadFile(path + ".1");
  gzFile gz = gzopen((path + ".2.gz.tmp").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  std::filesystem::rename(path + ".2.gz.tmp", path + ".2.gz");
  std::filesystem::remove(path + ".1");
}

uint64_t ReportRequests(const std::string& db, const std::string& site = "") {
  Outcome r = Exec("report --db " + Q(db) + (site.empty() ? "" : " --site " + site) + " --format json");
  if (r.code != 0) return 0;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  return j.is_object() ? j["summary"]["requests"].get<uint64_t>() : 0;
}

// The email channel against a real Postfix from Debian on 127.0.0.1 (tests/servers/postfix.sh:
// STARTTLS with a certificate of its own CA, SMTP AUTH against a sasldb, every message into one
// Maildir): while Postfix is down the alert waits in the outbox; once it is up the mail arrives
// once per recipient, in Japanese, through TLS and with AUTH; a wrong password and an untrusted
// certificate are failures named by step, and the password is never printed.
TEST(Daemon, EmailAlertsThroughARealPostfix) {
  TempDir d;
  const std::string pf = d / "postfix";
  const int smtp_port = FreePort();
  const std::string script = std::string(KEIKAI_SOURCE_DIR) + "/tests/servers/postfix.sh";
  struct Stop {
    std::string script, dir;
    bool started = false;
    ~Stop() {
      if (started) std::system(("bash " + Q(script) + " stop " + Q(dir) + " >/dev/null 2>&1").c_str());
    }
  } stop{script, pf};
  const int64_t day0 = static_cast<int64_t>(std::time(nullptr)) / 86400 - 40;
  const std::vector<std::string> lines = ShopDays(day0);
  WriteFile(d / "shop.log", Join(lines, 0, lines.size()));
  WriteFile(d / "smtp.cred", "alerts:s3cret-pw\n");
  ::chmod((d / "smtp.cred").c_str(), 0600);
  WriteFile(d / "wrong.cred", "alerts:not-the-pw\n");
  ::chmod((d / "wrong.cred").c_str(), 0600);
  const std::string head = "language: en\ntimezone: Asia/Tokyo\nstore: " + std::string(d / "k.db") +
                           "\nmetrics: {enabled: false}\nsites:\n  - name: shop.example.jp\n    logs: [" +
                           std::string(d / "shop.log") + "]\nalerts:\n";
  const std::string mail = "  - type: email\n    smtp_host: localhost\n    smtp_port: " + std::to_string(smtp_port) +
                           "\n    ca_file: " + pf + "/tls/ca.pem\n    from: keikai@localhost\n"
                           "    to: [ops@example.jp, sec@example.jp]\n    language: ja\n";
  WriteFile(d / "k.yaml", head + mail + "    credentials: " + std::string(d / "smtp.cred") + "\n");
  // ca_file must exist when the configuration is read: made before Postfix (which makes its own).
  std::filesystem::create_directories(pf + "/tls");
  WriteFile(pf + "/tls/ca.pem", "");
  Outcome down = Exec("run --once --config " + Q(d / "k.yaml"));
  EXPECT_EQ(down.code, 0) << down.out;
  EXPECT_NE(down.out.find("not delivered, tried again next round"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("smtp localhost:" + std::to_string(smtp_port) + ": connect"), std::string::npos) << down.out;
  std::filesystem::remove_all(pf);
  const int rc = std::system(("bash " + Q(script) + " start " + Q(pf) + " " + std::to_string(smtp_port) +
                              " alerts s3cret-pw > " + Q(d / "postfix.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "postfix.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "postfix.out");
  stop.started = true;
  // A wrong password and a certificate nobody vouches for: failures named by their step.
  std::string bad_head = head;
  bad_head.replace(bad_head.find(std::string(d / "k.db")), std::string(d / "k.db").size(), d / "bad.db");
  WriteFile(d / "bad.yaml", bad_head + mail + "    credentials: " + std::string(d / "wrong.cred") + "\n" +
                                "    name: wrong-password\n" +
                                "  - type: email\n    name: untrusted\n    smtp_host: 127.0.0.1\n    smtp_port: " +
                                std::to_string(smtp_port) + "\n    from: keikai@localhost\n    to: ops@example.jp\n");
  Outcome bad = Exec("run --once --config " + Q(d / "bad.yaml"));
  EXPECT_NE(bad.out.find(": AUTH PLAIN: 535"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find(": tls: certificate: unable to get local issuer certificate"), std::string::npos) << bad.out;
  EXPECT_EQ(bad.out.find("not-the-pw"), std::string::npos) << bad.out;
  // Up: the waiting alert goes out, once.
  Outcome up = Exec("run --once --config " + Q(d / "k.yaml"));
  EXPECT_EQ(up.code, 0) << up.out;
  EXPECT_EQ(up.out.find("not delivered"), std::string::npos) << up.out;
  Outcome again = Exec("run --once --config " + Q(d / "k.yaml"));
  EXPECT_EQ(again.code, 0) << again.out;
  std::vector<std::string> mails;
  for (int i = 0; i < 100 && mails.size() < 2; ++i) {  // Postfix delivers in the background
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    mails.clear();
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(pf + "/maildir/new", ec)) mails.push_back(ReadFile(e.path()));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // nothing more comes
  std::size_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(pf + "/maildir/new", ec)) {
    (void)e;
    ++total;
  }
  ASSERT_EQ(total, 2u) << ReadFile(pf + "/maillog");  // one alert, two recipients
  const std::string maillog = ReadFile(pf + "/maillog");
  EXPECT_NE(maillog.find("sasl_method=PLAIN, sasl_username=alerts"), std::string::npos) << maillog;
  EXPECT_NE(maillog.find("starttls=1"), std::string::npos) << maillog;
  for (const std::string& m : mails) {
    const std::string subject = HeaderText(m, "Subject");
    EXPECT_EQ(subject.rfind("[keikai] ", 0), 0u) << m;
    EXPECT_NE(subject.find("約25倍に急増"), std::string::npos) << subject;
    EXPECT_NE(m.find("\nContent-Type: text/plain; charset=UTF-8\n"), std::string::npos);
    EXPECT_NE(m.find("\nAuto-Submitted: auto-generated\n"), std::string::npos);
    EXPECT_NE(m.find("\nX-Keikai-Alert: shop.example.jp|"), std::string::npos);
    EXPECT_NE(m.find("\nDate: "), std::string::npos);
    const std::string body = DecodeBase64(m.substr(m.find("\n\n") + 2));
    EXPECT_NE(body.find("約25倍に急増"), std::string::npos) << body;
    EXPECT_NE(body.find("ほかに攻撃の種類別の急増 1 件"), std::string::npos) << body;
  }
}

// `user`: started as root, keikai binds what it needs and becomes that user for the rest: the
// store it creates belongs to that user; a user that does not exist is an error (exit 2).
TEST(Daemon, BecomesTheConfiguredUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to become another user)";
  const passwd* pw = ::getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  const uid_t nobody = pw->pw_uid;
  TempDir d;
  ::chmod(d.str().c_str(), 0755);
  const std::string state = d / "state", log = d / "shop.log";
  std::filesystem::create_directories(state);
  ASSERT_EQ(::chown(state.c_str(), nobody, static_cast<gid_t>(-1)), 0);
  std::string lines;
  const int64_t t0 = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 2) * 86400;
  for (int i = 0; i < 50; ++i) lines += WebLine(t0 + i, i, "u");
  WriteFile(log, lines);
  ::chmod(log.c_str(), 0644);
  const std::string base = "language: en\nstore: " + state + "/k.db\nmetrics: {enabled: false}\nsites:\n"
                           "  - name: shop.example.jp\n    logs: [" + log + "]\n";
  WriteFile(d / "k.yaml", base + "user: nobody\n");
  Outcome r = Exec("run --once --config " + Q(d / "k.yaml"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("running as nobody (uid " + std::to_string(nobody) + ")"), std::string::npos) << r.out;
  struct stat sb {};
  ASSERT_EQ(::stat((state + "/k.db").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_uid, nobody);  // created after the change
  EXPECT_EQ(ReportRequests(state + "/k.db"), 50u);
  WriteFile(d / "bad.yaml", base + "user: no-such-user-keikai\n");
  Outcome bad = Exec("run --once --config " + Q(d / "bad.yaml"));
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("bad.yaml:7:7: user: no such user on this machine"), std::string::npos) << bad.out;
}

// log_format: json: every message of the daemon's own is one JSON object on a line, with its
// time, level and text in the configured language (a log collector's input).
TEST(Daemon, OwnMessagesAsJsonLines) {
  TempDir d;
  WriteFile(d / "k.yaml", "language: ja\nlog_format: json\nstore: " + std::string(d / "k.db") +
                              "\nmetrics: {enabled: false}\nsites:\n  - name: a.example.jp\n    logs: [" +
                              std::string(d / "missing.log") + "]\n");
  Outcome r = Exec("run --once --config " + Q(d / "k.yaml"));
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream in(r.out);
  std::map<std::string, int> levels;
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j["time"].is_string() && j["time"].get<std::string>().back() == 'Z') << line;
    EXPECT_EQ(j["program"], "keikai");
    EXPECT_TRUE(j["pid"].is_number_integer());
    ++levels[j["level"].get<std::string>()];
    if (j["level"] == "warning") {
      EXPECT_NE(j["msg"].get<std::string>().find("missing.log: 見つかりません"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(lines, 3) << r.out;  // started, the missing log, stopped
  EXPECT_EQ(levels["warning"], 1) << r.out;
  EXPECT_EQ(levels["notice"], 2) << r.out;
}

// Changes are seen as they happen (inotify on the logs' directory), not at the next periodic
// round: with read_every at an hour, appended lines, a rotation by rename and a new file are all
// read; SIGHUP and SIGTERM are still taken at once.
TEST(Daemon, ChangesAreSeenWithoutWaitingForTheRound) {
  TempDir d;
  const std::string db = d / "k.db", cfg = d / "k.yaml", log = d / "logs/shop.log";
  std::filesystem::create_directories(d / "logs");
  WriteFile(cfg, "language: en\nstore: " + db + "\nread_every: 1h\nmetrics: {enabled: false}\nsites:\n"
                 "  - name: shop.example.jp\n    logs: [" + log + "]\n");
  const int64_t t0 = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 2) * 86400;
  std::string a, b, c;
  for (int i = 0; i < 100; ++i) a += WebLine(t0 + i, i, "a");
  for (int i = 100; i < 150; ++i) b += WebLine(t0 + i, i, "b");
  for (int i = 150; i < 180; ++i) c += WebLine(t0 + i, i, "c");
  pid_t pid = Spawn(KEIKAI_BIN, {"run", "--config", cfg}, d / "daemon.out", d / "daemon.err");
  ASSERT_GT(pid, 0);
  std::string err;
  for (int i = 0; i < 240 && err.find("watching") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    err = ReadFile(d / "daemon.err");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // its first round is done
  Append(log, a);  // the log appears
  EXPECT_EQ(WaitForRequests(db, 100), 100u) << ReadFile(d / "daemon.err");
  Append(log, b);  // it grows
  EXPECT_EQ(WaitForRequests(db, 150), 150u) << ReadFile(d / "daemon.err");
  std::filesystem::rename(log, log + ".1");  // rotated; the new file
  Append(log, c);
  EXPECT_EQ(WaitForRequests(db, 180), 180u) << ReadFile(d / "daemon.err");
  ::kill(pid, SIGHUP);
  for (int i = 0; i < 240 && err.find("configuration reloaded") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    err = ReadFile(d / "daemon.err");
  }
  EXPECT_NE(err.find("configuration reloaded"), std::string::npos) << err;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d / "daemon.err");
}

// The soak test of issue 13: a writer appends to three logs (sometimes a line in two writes) and
// rotates them again and again, by rename (older copies shifted and gzipped, as logrotate's
// delaycompress does; the server sometimes still writes to the renamed file) and by copytruncate,
// while keikai run is killed with SIGKILL at random moments and started again, sometimes after
// rotations it slept through. At the end every line is counted exactly once, per site too.
// Bounded: 70 steps of at most 2,000 lines, about a minute.
TEST(Daemon, SoakRotationsAndKillsCountEveryLineOnce) {
  TempDir d;
  const std::string db = d / "k.db", cfg = d / "k.yaml";
  std::filesystem::create_directories(d / "logs");
  const std::vector<std::string> sites = {"a.example.jp", "b.example.jp", "c.example.jp"};
  std::string config = "language: en\nstore: " + db + "\nread_every: 1s\nmetrics: {enabled: false}\nsites:\n";
  std::vector<std::string> logs;
  for (const std::string& s : sites) {
    logs.push_back(d / ("logs/" + s + ".log"));
    config += "  - name: " + s + "\n    logs: [" + logs.back() + "]\n";
    WriteFile(logs.back(), "");
  }
  WriteFile(cfg, config);
  const int64_t t0 = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 2) * 86400;
  std::vector<int> written(sites.size(), 0);
  int total = 0, kills = 0, starts = 0, renames = 0, truncs = 0, late = 0, split = 0;
  std::mt19937 rng(20261206);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const auto lines = [&](std::size_t k, int n) {
    std::string out;
    for (int j = 0; j < n; ++j, ++written[k], ++total) out += WebLine(t0 + written[k] * 2, written[k], std::to_string(k));
    return out;
  };
  pid_t pid = -1;
  const auto start = [&] {
    pid = Spawn(KEIKAI_BIN, {"run", "--config", cfg}, d / "daemon.out", d / "daemon.err");
    ASSERT_GT(pid, 0);
    ++starts;
  };
  start();
  for (int step = 0; step < 70; ++step) {
    const std::size_t k = static_cast<std::size_t>(pick(3));
    const std::string& log = logs[k];
    const int op = pick(100);
    if (op < 55) {  // the server writes
      std::string data = lines(k, 1 + pick(2000));
      if (pick(4) == 0) {  // the last line in two writes, a moment apart
        const std::size_t cut = data.size() - 1 - static_cast<std::size_t>(pick(40));
        Append(log, data.substr(0, cut));
        std::this_thread::sleep_for(std::chrono::milliseconds(pick(1500)));
        Append(log, data.substr(cut));
        ++split;
      } else {
        Append(log, data);
      }
    } else if (op < 70) {  // logrotate, rename; the server may still write to the old file
      ShiftCopies(log);
      std::filesystem::rename(log, log + ".1");
      WriteFile(log, "");
      ++renames;
      if (pick(2) == 0) {
        Append(log + ".1", lines(k, 1 + pick(50)));
        ++late;
      }
    } else if (op < 80) {  // logrotate, copytruncate
      ShiftCopies(log);
      std::filesystem::copy_file(log, log + ".1");
      std::filesystem::resize_file(log, 0);
      ++truncs;
    } else if (pid > 0) {  // a kill at a random moment; sometimes down for a few steps
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(1500)));
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      pid = -1;
      ++kills;
    }
    if (pid < 0 && pick(3) != 0) start();
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(400)));
  }
  if (pid < 0) start();
  const std::string what = std::to_string(total) + " lines; " + std::to_string(kills) + " kills, " +
                           std::to_string(starts) + " starts, " + std::to_string(renames) + " renames (" +
                           std::to_string(late) + " written late), " + std::to_string(truncs) + " copytruncates, " +
                           std::to_string(split) + " split lines";
  std::printf("soak: %s\n", what.c_str());
  SCOPED_TRACE(what);
  EXPECT_GE(kills, 5);
  EXPECT_GE(renames + truncs, 10);
  EXPECT_EQ(WaitForRequests(db, static_cast<uint64_t>(total)), static_cast<uint64_t>(total));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // more rounds: nothing more comes
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d / "daemon.err");
  EXPECT_EQ(ReportRequests(db), static_cast<uint64_t>(total));
  for (std::size_t k = 0; k < sites.size(); ++k) {
    EXPECT_EQ(ReportRequests(db, sites[k]), static_cast<uint64_t>(written[k])) << sites[k];
  }
}

// A full disk under the store (a tmpfs, made bigger afterwards): the error is said once and
// clearly, the daemon keeps running and serving metrics, nothing stored is lost, and once there
// is room it catches up with every line.
TEST(Daemon, FullDiskIsSaidAndCaughtUpAfter) {
  TempDir d;
  const std::string disk = d / "disk";
  std::filesystem::create_directories(disk);
  if (::geteuid() != 0 || ::mount("keikai-test", disk.c_str(), "tmpfs", 0, "size=2m,mode=0755") != 0) {
    GTEST_SKIP() << "a tmpfs cannot be mounted here (needs root): " << std::strerror(errno);
  }
  struct Unmount {
    std::string at;
    ~Unmount() {
      if (::umount(at.c_str()) != 0) ::umount2(at.c_str(), MNT_DETACH);
    }
  } unmount{disk};
  const std::string db = disk + "/k.db", cfg = d / "k.yaml", log = d / "shop.log";
  const int port = FreePort();
  WriteFile(cfg, "language: en\nstore: " + db + "\nread_every: 1s\nmetrics: {listen: \"127.0.0.1:" +
                     std::to_string(port) + "\"}\nsites:\n  - name: shop.example.jp\n    logs: [" + log + "]\n");
  const int64_t t0 = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 2) * 86400;
  std::string first;
  for (int i = 0; i < 200; ++i) first += WebLine(t0 + i, i, "f");
  WriteFile(log, first);
  pid_t pid = Spawn(KEIKAI_BIN, {"run", "--config", cfg}, d / "daemon.out", d / "daemon.err");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(WaitForRequests(db, 200), 200u) << ReadFile(d / "daemon.err");
  // The disk fills up.
  {
    std::FILE* f = std::fopen((disk + "/filler").c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string block(65536, 'x');
    for (int i = 0; i < 64 && std::fwrite(block.data(), 1, block.size(), f) == block.size(); ++i) {
    }
    std::fflush(f);
    std::fclose(f);
  }
  std::string more;
  for (int i = 200; i < 30200; ++i) more += WebLine(t0 + i, i, "m");
  Append(log, more);
  std::string err;
  for (int i = 0; i < 240 && err.find("disk is full") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    err = ReadFile(d / "daemon.err");
  }
  ASSERT_NE(err.find("disk is full"), std::string::npos) << err;
  EXPECT_NE(err.find("keikai keeps running"), std::string::npos) << err;
  std::this_thread::sleep_for(std::chrono::seconds(3));  // more rounds, still failing
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the daemon stopped:\n" << ReadFile(d / "daemon.err");
  err = ReadFile(d / "daemon.err");
  std::size_t said = 0;
  for (std::size_t at = 0; (at = err.find("could not be written", at)) != std::string::npos; ++at) ++said;
  EXPECT_EQ(said, 1u) << "said once, not every round:\n" << err;
  const uint64_t kept = ReportRequests(db);
  EXPECT_GE(kept, 200u);  // nothing stored is lost
  EXPECT_LT(kept, 30200u);
  {
    httplib::Client c("127.0.0.1", port);
    auto res = c.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_NE(res->body.find("keikai_store_up 0\n"), std::string::npos) << res->body;
  }
  // Room again: it catches up with every line, once.
  ASSERT_EQ(::mount("keikai-test", disk.c_str(), "tmpfs", MS_REMOUNT, "size=64m,mode=0755"), 0) << std::strerror(errno);
  EXPECT_EQ(WaitForRequests(db, 30200), 30200u) << ReadFile(d / "daemon.err");
  err = ReadFile(d / "daemon.err");
  EXPECT_NE(err.find("can be written again"), std::string::npos) << err;
  {
    httplib::Client c("127.0.0.1", port);
    std::string body;
    for (int i = 0; i < 40 && body.find("keikai_store_up 1\n") == std::string::npos; ++i) {
      auto res = c.Get("/metrics");
      if (res) body = res->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_NE(body.find("keikai_store_up 1\n"), std::string::npos) << body;
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d / "daemon.err");
  EXPECT_EQ(ReportRequests(db), 30200u);
}

}  // namespace
}  // namespace keikai
