// keikai mail probe against real servers from Debian on 127.0.0.1: a private Postfix (SMTP with
// STARTTLS and AUTH) and a private Dovecot (POP3 and IMAP, with STARTTLS and TLS from the start),
// made by tests/servers/*.sh; and the ways a probe fails, each named by phase and kind.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <ctime>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "keikai/mail/incidents.h"
#include "keikai/mail/probe.h"
#include "keikai/store/store.h"
#include "test_util.h"

namespace keikai {
namespace {

using namespace keikai::testing;

struct Server {
  std::string script, dir;
  bool up = false;
  ~Server() {
    if (up) std::system(("bash " + Q(script) + " stop " + Q(dir) + " >/dev/null 2>&1").c_str());
  }
};

nlohmann::json Probes(const std::string& args, int& code) {
  Outcome r = Exec("mail probe --format json " + args + " 2>/dev/null");
  code = r.code;
  const std::size_t brace = r.out.find('{');
  if (brace == std::string::npos) return nlohmann::json();
  return nlohmann::json::parse(r.out.substr(brace), nullptr, false);
}

std::vector<std::string> PhaseNames(const nlohmann::json& p) {
  std::vector<std::string> out;
  for (const auto& x : p["phases"]) out.push_back(x["name"].get<std::string>());
  return out;
}

TEST(MailProbe, RealPostfixAndDovecotEveryPhaseTimed) {
  TempDir d;
  const std::string src = KEIKAI_SOURCE_DIR;
  const int smtp = FreePort(), pop3 = FreePort(), imap = FreePort(), pop3s = FreePort(), imaps = FreePort();
  Server pf{src + "/tests/servers/postfix.sh", d / "postfix"};
  Server dv{src + "/tests/servers/dovecot.sh", d / "dovecot"};
  int rc = std::system(("bash " + Q(pf.script) + " start " + Q(pf.dir) + " " + std::to_string(smtp) +
                        " probe pw-1 > " + Q(d / "pf.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "pf.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "pf.out");
  pf.up = true;
  rc = std::system(("bash " + Q(dv.script) + " start " + Q(dv.dir) + " " + std::to_string(pop3) + " " +
                    std::to_string(imap) + " " + std::to_string(pop3s) + " " + std::to_string(imaps) +
                    " probe pw-2 > " + Q(d / "dv.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "dv.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "dv.out");
  dv.up = true;
  WriteFile(d / "smtp.cred", "probe:pw-1\n");
  WriteFile(d / "mbox.cred", "probe:pw-2\n");
  WriteFile(d / "wrong.cred", "probe:not-it\n");
  for (const char* f : {"smtp.cred", "mbox.cred", "wrong.cred"}) ::chmod((d / f).c_str(), 0600);
  const std::string pf_ca = " --ca-file " + Q(pf.dir + "/tls/ca.pem");
  const std::string dv_ca = " --ca-file " + Q(dv.dir + "/tls/ca.pem");
  const std::string L = "localhost:";

  // Every protocol, logged in, each phase there and timed.
  int code = -1;
  nlohmann::json j = Probes("smtp://" + L + std::to_string(smtp) + " --credentials " + Q(d / "smtp.cred") + pf_ca, code);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(code, 0) << j.dump();
  EXPECT_EQ(j["probes"][0]["ok"], true) << j.dump();
  EXPECT_EQ(PhaseNames(j["probes"][0]),
            (std::vector<std::string>{"connect", "banner", "hello", "starttls", "login", "quit"}));
  EXPECT_EQ(j["probes"][0]["cert_days_left"], 1) << j.dump();  // the test CA's certificate: 2 days
  j = Probes("pop3://" + L + std::to_string(pop3) + " imap://" + L + std::to_string(imap) + " pop3s://" + L +
                 std::to_string(pop3s) + " imaps://" + L + std::to_string(imaps) + " --credentials " +
                 Q(d / "mbox.cred") + dv_ca,
             code);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(code, 0) << j.dump();
  ASSERT_EQ(j["probes"].size(), 4u);
  for (const auto& p : j["probes"]) {
    EXPECT_EQ(p["ok"], true) << p.dump();
    EXPECT_EQ(p["tls"], true);
    for (const auto& ph : p["phases"]) EXPECT_GE(ph["ms"].get<double>(), 0.0);
  }
  EXPECT_EQ(PhaseNames(j["probes"][0]), (std::vector<std::string>{"connect", "banner", "hello", "starttls", "login", "quit"}));
  EXPECT_EQ(PhaseNames(j["probes"][3]), (std::vector<std::string>{"connect", "tls", "banner", "hello", "login", "quit"}));
  // Dovecot's own log shows the logins.
  EXPECT_NE(ReadFile(dv.dir + "/dovecot.log").find("Login: user=<probe>"), std::string::npos);

  // Failures, each with its phase and kind.
  const auto one = [&](const std::string& args) {
    int c = -1;
    nlohmann::json x = Probes(args, c);
    EXPECT_EQ(c, 1) << x.dump();
    return x.is_object() && !x["probes"].empty() ? x["probes"][0] : nlohmann::json();
  };
  nlohmann::json p = one("imap://" + L + std::to_string(imap) + " --credentials " + Q(d / "wrong.cred") + dv_ca);
  EXPECT_EQ(p["failed_phase"], "login");
  EXPECT_EQ(p["failure"], "auth_rejected");
  EXPECT_NE(p["detail"].get<std::string>().find("AUTHENTICATIONFAILED"), std::string::npos) << p.dump();
  p = one("pop3://127.0.0.1:" + std::to_string(pop3));  // a certificate nobody here vouches for
  EXPECT_EQ(p["failed_phase"], "starttls");
  EXPECT_EQ(p["failure"], "tls_error");
  p = one("pop3://127.0.0.1:" + std::to_string(smtp));  // POP3 spoken to an SMTP server
  EXPECT_EQ(p["failed_phase"], "banner");
  EXPECT_EQ(p["failure"], "unexpected_reply");
  EXPECT_NE(p["detail"].get<std::string>().find("220 "), std::string::npos) << p.dump();
  p = one("smtp://127.0.0.1:" + std::to_string(FreePort()));
  EXPECT_EQ(p["failed_phase"], "connect");
  EXPECT_EQ(p["failure"], "refused");
  // A server that accepts and never speaks: a timeout in the banner phase, after --timeout.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(silent, 4), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len), 0);
  p = one("imap://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + " --timeout 1");
  ::close(silent);
  EXPECT_EQ(p["failed_phase"], "banner");
  EXPECT_EQ(p["failure"], "timeout");
  // A password is never sent without TLS.
  j = Probes("imap://127.0.0.1:" + std::to_string(imap) + " --no-verify --credentials " + Q(d / "mbox.cred"), code);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["probes"][0]["ok"], true) << j.dump();  // STARTTLS was offered: the login went inside TLS
  EXPECT_EQ(j["probes"][0]["tls"], true);
  // Text output, in Japanese.
  Outcome ja = Exec("--lang ja mail probe smtp://127.0.0.1:" + std::to_string(FreePort()));
  EXPECT_EQ(ja.code, 1);
  EXPECT_NE(ja.out.find("connect で失敗: 接続拒否"), std::string::npos) << ja.out;
  Outcome usage = Exec("mail probe ftp://example.jp");
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.out.find("unknown protocol"), std::string::npos) << usage.out;

  // The daemon probes its mail.services on their own thread, keeps each result in the store
  // and shows the last one per phase in /metrics.
  const int metrics_port = FreePort();
  WriteFile(d / "k.yaml", "language: en\nstore: " + std::string(d / "k.db") + "\nread_every: 1s\n"
                          "metrics: {listen: \"127.0.0.1:" + std::to_string(metrics_port) + "\"}\n"
                          "mail:\n  services:\n"
                          "    - {protocol: imap, name: imap-main, host: localhost, port: " + std::to_string(imap) +
                          ", interval: 10s, timeout: 5s, credentials: " + std::string(d / "mbox.cred") + ", ca_file: " +
                          dv.dir + "/tls/ca.pem}\n"
                          "    - {protocol: smtp, name: smtp-gone, port: " + std::to_string(FreePort()) + ", interval: 10s, timeout: 5s}\n");
  const pid_t pid = Spawn(KEIKAI_BIN, {"run", "--config", d / "k.yaml"}, d / "daemon.out", d / "daemon.err");
  ASSERT_GT(pid, 0);
  std::string text;
  httplib::Client scrape("127.0.0.1", metrics_port);
  for (int i = 0; i < 240; ++i) {
    auto res = scrape.Get("/metrics");
    if (res && res->status == 200) text = res->body;
    if (text.find("keikai_probe_up{service=\"imap-main\"} 1") != std::string::npos &&
        text.find("keikai_probe_up{service=\"smtp-gone\"} 0") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_NE(text.find("keikai_probe_up{service=\"imap-main\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("keikai_probe_up{service=\"smtp-gone\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("keikai_probe_phase_seconds{service=\"imap-main\",phase=\"starttls\"} "), std::string::npos);
  EXPECT_NE(text.find("keikai_probe_cert_expiry_timestamp_seconds{service=\"imap-main\"} "), std::string::npos);
  EXPECT_EQ(BadExpositionLine(text), "") << text;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d / "daemon.err");
  EXPECT_NE(ReadFile(d / "daemon.err").find("mail service smtp-gone (127.0.0.1:"), std::string::npos);
  store::OpenOptions oo;
  oo.write = false;
  oo.create = false;
  auto st = store::Open(d / "k.db", oo);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto rows = st.value()->ProbesBetween("imap-main", 0, INT64_MAX);
  ASSERT_TRUE(rows.ok());
  ASSERT_GE(rows.value().size(), 1u);
  EXPECT_TRUE(rows.value()[0].ok);
  EXPECT_EQ(rows.value()[0].protocol, "imap");
  auto phases = nlohmann::json::parse(rows.value()[0].phases, nullptr, false);
  ASSERT_TRUE(phases.is_array());
  EXPECT_EQ(phases.size(), 6u) << rows.value()[0].phases;
  auto gone = st.value()->ProbesBetween("smtp-gone", 0, INT64_MAX);
  ASSERT_TRUE(gone.ok());
  ASSERT_GE(gone.value().size(), 1u);
  EXPECT_EQ(gone.value()[0].failure, "refused");
  // keikai report of the store has the mail section: both services, the refused one's failures
  // said, in JSON and in the HTML page.
  Outcome rep = Exec("--lang en report --db " + Q(d / "k.db") + " --format json");
  ASSERT_EQ(rep.code, 0) << rep.out;
  const auto rj = nlohmann::json::parse(rep.out.substr(rep.out.find('{')), nullptr, false);
  ASSERT_TRUE(rj.contains("mail")) << rep.out.substr(0, 2000);
  ASSERT_EQ(rj["mail"]["services"].size(), 2u) << rj["mail"].dump(1).substr(0, 2000);
  EXPECT_EQ(rj["mail"]["services"][0]["service"], "imap-main");
  EXPECT_EQ(rj["mail"]["services"][1]["failures"]["refused@connect"], rj["mail"]["services"][1]["probes"]);
  EXPECT_EQ(rj["mail"]["logs_read"], false);
  Outcome page = Exec("--lang ja report --db " + Q(d / "k.db") + " --format html");
  ASSERT_EQ(page.code, 0);
  EXPECT_NE(page.out.find("メールサービス: 遅延とその原因"), std::string::npos);
  EXPECT_NE(page.out.find("imap-main"), std::string::npos);
}

// keikai mail logs on the real samples (../shared/data/maillogs): totals that add up to what the
// files hold, the flooding address first with its rate-limit warnings, per-minute rows.
TEST(MailLogs, CountsPerSourceAndMinuteOnTheSharedSamples) {
  const std::string dir = std::string(KEIKAI_SHARED_DIR) + "/data/maillogs/";
  Outcome r = Exec("mail logs --format json --log-tz Asia/Tokyo " + Q(dir));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["totals"]["records"], 2876);            // every line of both files is a mail record
  EXPECT_EQ(j["totals"]["connections"], 838 + 456);   // smtpd "connect from"; Dovecot logins and disconnects
  EXPECT_EQ(j["totals"]["symptoms"]["rate_limit"], 84);
  EXPECT_EQ(j["totals"]["symptoms"]["queue_full"], 283);
  EXPECT_EQ(j["sources"][0]["address"], "127.0.0.1");
  EXPECT_EQ(j["sources"][0]["symptoms"]["rate_limit"], 84);
  EXPECT_EQ(j["first"], "2026-11-25T21:59:36Z");     // 06:59:36 in Tokyo
  uint64_t per_minute = 0;
  for (const auto& m : j["minutes"]) per_minute += m["records"].get<uint64_t>();
  EXPECT_EQ(per_minute, 2876u);
  Outcome ja = Exec("--lang ja mail logs --log-tz Asia/Tokyo " + Q(dir));
  EXPECT_EQ(ja.code, 0);
  EXPECT_NE(ja.out.find("制限・防御の発動: 接続レート制限 84"), std::string::npos) << ja.out;
  WriteFile(std::string(std::filesystem::temp_directory_path() / "keikai-not-mail.log"), "hello\nworld\n");
  Outcome bad = Exec("mail logs " + Q(std::string(std::filesystem::temp_directory_path() / "keikai-not-mail.log")));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("not a Postfix or Dovecot log"), std::string::npos) << bad.out;
}

// A synthetic hour of Postfix syslog: a normal client (192.0.2.10, JP) once a minute; at minute
// 30, five addresses of 203.0.113.0/24 (CN) and one of 198.51.100.0/24 (US) flood for 5 minutes
// and hit the rate limit; at minute 45, one address (198.51.100.99, US) guesses passwords. The
// location file is the test's own (tor-geoipdb format).
std::string SyntheticHourLog() {
  const auto ts = [](int minute, int second) {
    char b[32];
    std::snprintf(b, sizeof b, "Nov 26 07:%02d:%02d", minute, second);
    return std::string(b);
  };
  std::string log;
  for (int m = 0; m < 60; ++m) {
    log += ts(m, 1) + " mx postfix/smtpd[10]: connect from client.example.jp[192.0.2.10]\n";
    log += ts(m, 2) + " mx postfix/smtpd[10]: disconnect from client.example.jp[192.0.2.10] ehlo=1 quit=1 commands=2\n";
  }
  for (int m = 30; m < 35; ++m) {
    for (int k = 0; k < 40; ++k) {
      for (const char* ip : {"203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8", "203.0.113.9", "198.51.100.7"}) {
        log += ts(m, k) + " mx postfix/smtpd[11]: connect from unknown[" + ip + "]\n";
        log += ts(m, k) + " mx postfix/smtpd[11]: lost connection after CONNECT from unknown[" + ip + "]\n";
      }
      if (k % 10 == 0) {
        log += ts(m, k) + " mx postfix/smtpd[11]: warning: Connection rate limit exceeded: 60 from unknown[203.0.113.5] for service smtp\n";
      }
    }
  }
  for (int m = 45; m < 47; ++m) {
    for (int k = 0; k < 30; ++k) {
      log += ts(m, k) + " mx postfix/submission/smtpd[12]: connect from unknown[198.51.100.99]\n";
      log += ts(m, k) + " mx postfix/submission/smtpd[12]: warning: unknown[198.51.100.99]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n";
    }
  }
  return log;
}

void WriteSyntheticGeoip(const std::filesystem::path& path) {
  const auto ip = [](int a, int b, int c, int e) { return std::to_string((uint64_t{uint32_t(a)} << 24) | (b << 16) | (c << 8) | e); };
  WriteFile(path, ip(192, 0, 2, 0) + "," + ip(192, 0, 2, 255) + ",JP\n" + ip(198, 51, 100, 0) + "," +
                             ip(198, 51, 100, 255) + ",US\n" + ip(203, 0, 113, 0) + "," + ip(203, 0, 113, 255) + ",CN\n");
}

TEST(MailLogs, IncidentRanksTheFloodNotTheNormalClient) {
  TempDir d;
  WriteFile(d / "mail.log", SyntheticHourLog());
  WriteSyntheticGeoip(d / "geoip");
  Outcome r = Exec("mail logs --format json --log-tz UTC --geoip " + Q(d / "geoip") + " " + Q(d / "mail.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  ASSERT_EQ(j["incidents"].size(), 2u) << j["incidents"].dump(1);
  const auto& flood = j["incidents"][0];
  EXPECT_EQ(flood["minutes"], 5);
  EXPECT_TRUE(flood["kind"] == "dos_many_sources" || flood["kind"] == "dos_few_sources") << flood.dump(1);
  ASSERT_GE(flood["sources"].size(), 6u);
  std::set<std::string> first6;
  for (int i = 0; i < 6; ++i) first6.insert(flood["sources"][i]["address"].get<std::string>());
  EXPECT_EQ(first6, (std::set<std::string>{"203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8", "203.0.113.9",
                                           "198.51.100.7"}));
  for (const auto& s : flood["sources"]) {
    if (s["address"] == "192.0.2.10") {
      EXPECT_EQ(s["excess"], 0.0) << "the normal client is not to blame";
    }
  }
  EXPECT_EQ(flood["networks"][0]["key"], "203.0.113.0/24");
  EXPECT_EQ(flood["networks"][0]["sources"], 5);
  EXPECT_EQ(flood["countries"][0]["key"], "CN");
  EXPECT_GT(flood["overseas_share"].get<double>(), 0.99);
  EXPECT_EQ(flood["symptoms"]["rate_limit"], 20);
  const auto& guess = j["incidents"][1];
  EXPECT_EQ(guess["kind"], "password_guessing") << guess.dump(1);
  EXPECT_EQ(guess["sources"][0]["address"], "198.51.100.99");
  EXPECT_EQ(guess["sources"][0]["auth_failures"], 60);  // 2 minutes of 30
  Outcome ja = Exec("--lang ja mail logs --log-tz UTC --geoip " + Q(d / "geoip") + " " + Q(d / "mail.log"));
  EXPECT_NE(ja.out.find("パスワード推測"), std::string::npos) << ja.out;
}

// The synthetic hour with the daemon's probes of it in the store: steady probes every 30 s, seconds
// in connect during the flood (minutes 30-34), and at minute 52 a slow banner for three minutes
// while the logs show nothing. `mail logs --db` finds two delays: the first a DoS (the flood's
// networks named), the second a slow server; text, JSON and HTML in both languages.
TEST(MailLogs, ProbeDelaysAreJudgedByTheLogs) {
  TempDir d;
  WriteFile(d / "mail.log", SyntheticHourLog());
  WriteSyntheticGeoip(d / "geoip");
  Outcome first = Exec("mail logs --format json --log-tz UTC " + Q(d / "mail.log"));
  ASSERT_EQ(first.code, 0) << first.out;
  const auto j0 = nlohmann::json::parse(first.out.substr(first.out.find('{')));
  std::tm tm{};
  ASSERT_NE(::strptime(j0["first"].get<std::string>().c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr);
  const int64_t hour = ::timegm(&tm) / 3600 * 3600;  // 07:00 UTC
  {
    store::OpenOptions oo;
    auto st = store::Open(d / "k.db", oo);
    ASSERT_TRUE(st.ok()) << st.status().message();
    std::vector<store::ProbeRow> rows;
    for (int64_t t = hour - 3600; t < hour + 3600; t += 30) {
      const int64_t m = (t - hour) / 60;
      double connect = 0.2 + (t / 30 % 3) * 0.05, banner = 1.5 + (t / 30 % 4) * 0.2;
      if (m >= 30 && m < 35) connect = 1000 + 500 * static_cast<double>(m - 30);
      if (m >= 52 && m < 55) banner = 2500;
      store::ProbeRow r;
      r.service = "mx";
      r.protocol = "smtp";
      r.host = "127.0.0.1";
      r.port = 25;
      r.time = t;
      r.ok = true;
      r.phases = nlohmann::json::array({{{"name", "connect"}, {"ms", connect}}, {{"name", "banner"}, {"ms", banner}},
                                        {{"name", "hello"}, {"ms", 0.8}}, {{"name", "quit"}, {"ms", 0.4}}})
                     .dump();
      rows.push_back(r);
    }
    ASSERT_TRUE(st.value()->SaveProbes(rows).ok());
  }
  Outcome r = Exec("mail logs --format json --log-tz UTC --geoip " + Q(d / "geoip") + " --db " + Q(d / "k.db") + " " +
                   Q(d / "mail.log"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  const auto& p = j["probes"];
  ASSERT_TRUE(p.is_object()) << r.out.substr(0, 2000);
  EXPECT_EQ(p["logs_read"], true);
  ASSERT_EQ(p["services"].size(), 1u);
  EXPECT_EQ(p["services"][0]["probes"], 240);
  ASSERT_EQ(p["latency_incidents"].size(), 2u) << p["latency_incidents"].dump(1);
  const auto& dos = p["latency_incidents"][0];
  EXPECT_TRUE(dos["kind"] == "dos_few_sources" || dos["kind"] == "dos_many_sources") << dos.dump(1);
  EXPECT_EQ(dos["peaks"][0]["phase"], "connect");
  EXPECT_EQ(dos["peaks"][0]["peak_ms"], 3000.0);
  EXPECT_EQ(dos["log_incident"], 0);
  EXPECT_EQ(dos["slow"], 10);
  const auto& slow = p["latency_incidents"][1];
  EXPECT_EQ(slow["kind"], "slow_server") << slow.dump(1);
  EXPECT_EQ(slow["peaks"][0]["phase"], "banner");
  EXPECT_TRUE(slow["log_incident"].is_null());
  EXPECT_EQ(p["log_incidents"].size(), 2u);
  ASSERT_EQ(p["series"].size(), 1u);
  EXPECT_EQ(p["series"][0]["points"].size(), 240u);
  // The text and the page, in both languages.
  Outcome en = Exec("--lang en mail logs --log-tz UTC --db " + Q(d / "k.db") + " " + Q(d / "mail.log"));
  EXPECT_NE(en.out.find("Delay mx"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("slow server"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("203.0.113.0/24"), std::string::npos) << en.out;
  Outcome ja = Exec("--lang ja mail logs --db " + Q(d / "k.db") + " " + Q(d / "mail.log"));
  EXPECT_NE(ja.out.find("サーバーの遅延"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("+09:00"), std::string::npos) << "Japanese shows JST, with its offset";
  Outcome html = Exec("--lang en mail logs --format html --log-tz UTC --db " + Q(d / "k.db") + " " + Q(d / "mail.log"));
  ASSERT_EQ(html.code, 0);
  EXPECT_NE(html.out.find("<svg class=\"chart\""), std::string::npos);
  EXPECT_NE(html.out.find("class=\"band\""), std::string::npos) << "the delays are marked";
  EXPECT_NE(html.out.find("Incidents in the mail logs"), std::string::npos);
  EXPECT_EQ(html.out.find("<script"), std::string::npos);
  Outcome html_ja = Exec("--lang ja mail logs --format html --db " + Q(d / "k.db") + " " + Q(d / "mail.log"));
  EXPECT_NE(html_ja.out.find("フェーズ別の最大応答時間"), std::string::npos);
  // A store that is not there is said at once.
  Outcome missing = Exec("mail logs --db " + Q(d / "none.db") + " " + Q(d / "mail.log"));
  EXPECT_EQ(missing.code, 2);
}

// A day of a busy server's log from bench/make_mail_log.py (20,000 clients with a heavy tail,
// password guessers all day, one flood hour from 24 addresses of 4 networks): data the incident
// rules were not tuned to (seeds 7 and 11; the generator was written after the rules). Exactly
// one incident, the flood hour, a DoS, the flooders ranked first; the day's ordinary noise
// (newcomers, Poisson-like swings of connections and failed logins) opens none.
TEST(MailLogs, GeneratedDayHasOneIncidentTheFloodHour) {
  for (const int seed : {7, 11}) {
    TempDir d;
    const std::string gen = std::string("python3 ") + KEIKAI_SOURCE_DIR + "/bench/make_mail_log.py -n 60000 --seed " +
                            std::to_string(seed) + " --truth " + Q(d / "truth.json") + " > " + Q(d / "mail.log");
    ASSERT_EQ(std::system(gen.c_str()), 0) << gen;
    const auto truth = nlohmann::json::parse(ReadFile(d / "truth.json"));
    Outcome r = Exec("mail logs --format json --log-tz UTC --top 5 " + Q(d / "mail.log"));
    ASSERT_EQ(r.code, 0) << r.out.substr(0, 2000);
    const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
    ASSERT_TRUE(j.is_object());
    ASSERT_EQ(j["incidents"].size(), 1u) << "seed " << seed << ": " << j["incidents"].dump(1).substr(0, 3000);
    const auto& inc = j["incidents"][0];
    const auto seconds_of_day = [](const std::string& iso) {  // "YYYY-MM-DDTHH:MM:SSZ"
      return std::stoi(iso.substr(11, 2)) * 3600 + std::stoi(iso.substr(14, 2)) * 60 + std::stoi(iso.substr(17, 2));
    };
    const int start = seconds_of_day(inc["start"]), end = seconds_of_day(inc["end"]);
    const int flood_start = truth["flood_start"], flood_end = truth["flood_end"];
    EXPECT_LE(std::abs(start - flood_start), 180) << inc["start"] << " vs " << flood_start;
    EXPECT_LE(std::abs(end - flood_end), 180) << inc["end"] << " vs " << flood_end;
    EXPECT_TRUE(inc["kind"] == "dos_few_sources" || inc["kind"] == "dos_many_sources") << inc["kind"];
    std::set<std::string> flooders;
    for (const auto& a : truth["flooders"]) flooders.insert(a.get<std::string>());
    ASSERT_GE(inc["sources"].size(), 20u);
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(flooders.count(inc["sources"][i]["address"].get<std::string>())) << "seed " << seed << " rank " << i << ": "
                                                                                      << inc["sources"][i].dump();
    }
  }
}

// A TCP connection from a given loopback address to 127.0.0.1:port, with 3 s send and receive
// timeouts; the socket (closed by the caller), or -1 when it could not connect.
int ConnectFrom(const char* from, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One SMTP session from a given loopback address: connect, read the banner, QUIT (or nothing
// more when the banner is a refusal). Bounded by a 3 s receive timeout.
bool SmtpFrom(const char* from, int port, bool polite) {
  const int fd = ConnectFrom(from, port);
  if (fd < 0) return false;
  char buf[512];
  const bool ok = ::recv(fd, buf, sizeof buf, 0) > 0;
  if (ok && polite) {
    const char* quit = "QUIT\r\n";
    (void)::send(fd, quit, std::strlen(quit), MSG_NOSIGNAL);
    (void)::recv(fd, buf, sizeof buf, 0);
  }
  ::close(fd);
  return ok;
}

// One session that holds a server's process: connect from a given loopback address, read the
// greeting (bounded by a 3 s timeout), keep the connection for hold_ms, close without a word.
void HoldFrom(const char* from, int port, int hold_ms) {
  const int fd = ConnectFrom(from, port);
  if (fd < 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return;
  }
  char buf[256];
  (void)::recv(fd, buf, sizeof buf, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
  ::close(fd);
}

// The end-to-end check. Postfix and Dovecot (POP3, IMAP) from Debian on 127.0.0.1 high
// ports, delivering nowhere, with low process limits; the daemon probes SMTP, IMAP and POP3
// every 10 s (Postfix exempts the prober's address from its limits, as docs/mail.md says); a
// normal client (127.0.0.9) talks SMTP every 3 s throughout; after 30 to 90 s, for 30 s, three addresses
// (127.0.0.21-23) each hold four connections to each service, bounded in time and count. Then
// keikai mail logs --db on both logs: the delay incident in the probes' latency, judged a DoS
// by the logs, the flooders ranked first, the normal client and the prober not; the country
// from a location file the test writes.
TEST(MailFlood, ProbesSeeTheDelayAndTheLogsNameTheFlooders) {
  TempDir d;
  const std::string src = KEIKAI_SOURCE_DIR;
  const int smtp = FreePort(), pop3 = FreePort(), imap = FreePort(), pop3s = FreePort(), imaps = FreePort();
  Server pf{src + "/tests/servers/postfix.sh", d / "postfix"};
  Server dv{src + "/tests/servers/dovecot.sh", d / "dovecot"};
  int rc = std::system(("KEIKAI_POSTFIX_EXTRA='default_process_limit = 6\nsmtpd_client_event_limit_exceptions = 127.0.0.1' "
                        "bash " + Q(pf.script) + " start " + Q(pf.dir) + " " + std::to_string(smtp) + " probe pw > " +
                        Q(d / "pf.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "pf.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "pf.out");
  pf.up = true;
  rc = std::system(("KEIKAI_DOVECOT_EXTRA='default_process_limit = 4' bash " + Q(dv.script) + " start " + Q(dv.dir) + " " +
                    std::to_string(pop3) + " " + std::to_string(imap) + " " + std::to_string(pop3s) + " " +
                    std::to_string(imaps) + " probe pw-2 > " + Q(d / "dv.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "dv.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "dv.out");
  dv.up = true;
  const std::string svc = "interval: 10s, timeout: 8s, host: 127.0.0.1";
  WriteFile(d / "k.yaml", "language: en\nstore: " + std::string(d / "k.db") + "\nread_every: 5s\n"
                          "mail:\n  services:\n"
                          "    - {protocol: smtp, name: smtp, port: " + std::to_string(smtp) + ", " + svc + ", ca_file: " +
                          pf.dir + "/tls/ca.pem}\n"
                          "    - {protocol: imap, name: imap, port: " + std::to_string(imap) + ", " + svc + ", ca_file: " +
                          dv.dir + "/tls/ca.pem}\n"
                          "    - {protocol: pop3, name: pop3, port: " + std::to_string(pop3) + ", " + svc + ", ca_file: " +
                          dv.dir + "/tls/ca.pem}\n");
  const pid_t daemon = Spawn(KEIKAI_BIN, {"run", "--config", d / "k.yaml"}, d / "daemon.out", d / "daemon.err");
  ASSERT_GT(daemon, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> normal_ok{0}, normal_tries{0};
  std::thread normal([&] {
    for (int i = 0; i < 60 && !stop; ++i) {
      ++normal_tries;
      normal_ok += SmtpFrom("127.0.0.9", smtp, true) ? 1 : 0;
      for (int k = 0; k < 30 && !stop; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // The flood starts just after a minute begins, with at least 30 s of normal traffic (and
  // probes) before it in a minute of their own: incidents are found in whole minutes.
  {
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    int64_t wait = 60 - now % 60 + 1;
    if (wait < 30) wait += 60;
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
  std::vector<std::thread> flood;
  std::atomic<int> sessions{0};
  for (const char* ip : {"127.0.0.21", "127.0.0.22", "127.0.0.23"}) {
    for (const int port : {smtp, imap, pop3}) {
      for (int k = 0; k < 4; ++k) {
        flood.emplace_back([&, ip, port] {
          const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          for (int i = 0; i < 40 && std::chrono::steady_clock::now() < until; ++i) {
            HoldFrom(ip, port, 2000);
            ++sessions;
          }
        });
      }
    }
  }
  for (std::thread& t : flood) t.join();
  std::this_thread::sleep_for(std::chrono::seconds(30));
  stop = true;
  normal.join();
  ::kill(daemon, SIGTERM);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d / "daemon.err");
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the servers' last log lines
  const auto ip = [](int e) { return std::to_string((uint64_t{127} << 24) | uint64_t(e)); };
  WriteFile(d / "geoip", ip(0) + "," + ip(19) + ",JP\n" + ip(20) + "," + ip(29) + ",CN\n");
  Outcome r = Exec("mail logs --format json --log-tz UTC --geoip " + Q(d / "geoip") + " --db " + Q(d / "k.db") + " " +
                   Q(pf.dir + "/maillog") + " " + Q(dv.dir + "/dovecot.log"));
  ASSERT_EQ(r.code, 0) << r.out.substr(0, 3000);
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out.substr(0, 3000);
  ASSERT_EQ(j["files"].size(), 2u);
  for (const auto& f : j["files"]) {
    const bool dovecot = f["path"].get<std::string>().ends_with("dovecot.log");
    EXPECT_EQ(f["format"], dovecot ? "dovecot" : "maillog") << f.dump();
    EXPECT_GT(f["records"].get<int>(), 100) << "the logins, the probes and the flood's connections are read: " << f.dump();
  }
  // The logs: one incident around the flood, a DoS, the flooders first, then not the others.
  ASSERT_GE(j["incidents"].size(), 1u) << j.dump(1).substr(0, 3000);
  const auto& inc = j["incidents"][0];
  EXPECT_TRUE(inc["kind"] == "dos_few_sources" || inc["kind"] == "dos_many_sources") << inc.dump(1);
  ASSERT_GE(inc["sources"].size(), 3u);
  std::set<std::string> top3;
  double least_flooder = 1e9, normal_excess = 0, prober_excess = 0;
  for (std::size_t i = 0; i < inc["sources"].size(); ++i) {
    const std::string a = inc["sources"][i]["address"].get<std::string>();
    const double e = inc["sources"][i]["excess"].get<double>();
    if (i < 3) {
      top3.insert(a);
      least_flooder = std::min(least_flooder, e);
    }
    if (a == "127.0.0.9") normal_excess = e;
    if (a == "127.0.0.1") prober_excess = e;
  }
  EXPECT_EQ(top3, (std::set<std::string>{"127.0.0.21", "127.0.0.22", "127.0.0.23"})) << inc.dump(1);
  EXPECT_LT(normal_excess, 0.3 * least_flooder) << inc.dump(1);
  EXPECT_LT(prober_excess, 0.3 * least_flooder) << inc.dump(1);
  EXPECT_EQ(inc["countries"][0]["key"], "CN");
  EXPECT_GT(inc["overseas_share"].get<double>(), 0.8);
  // The probes: latency up during the flood, judged a DoS by that incident.
  const auto& p = j["probes"];
  ASSERT_TRUE(p.is_object());
  ASSERT_EQ(p["services"].size(), 3u) << p.dump(1).substr(0, 3000);
  int dos_delays = 0;
  std::string seen;
  for (const auto& li : p["latency_incidents"]) {
    seen += li["service"].get<std::string>() + " " + li["kind"].get<std::string>() + " " + li["start"].get<std::string>() +
            ".." + li["end"].get<std::string>() + " peak " +
            (li["peaks"].empty() ? std::string("-") : li["peaks"][0]["phase"].get<std::string>() + " " +
                                                          std::to_string(li["peaks"][0]["peak_ms"].get<double>())) +
            "; ";
    if (li["kind"].get<std::string>().starts_with("dos_")) {
      ++dos_delays;
      EXPECT_EQ(li["log_incident"], 0) << li.dump(1);
    }
  }
  EXPECT_GE(dos_delays, 1) << seen << "\n" << p["services"].dump(1);
  std::printf("flood: %d flood sessions, %d of %d normal SMTP sessions served; log incident %s..%s %s, flooders' least "
              "excess %.1f, normal client's %.1f, prober's %.1f; delays: %s\n",
              sessions.load(), normal_ok.load(), normal_tries.load(), inc["start"].get<std::string>().c_str(),
              inc["end"].get<std::string>().c_str(), inc["kind"].get<std::string>().c_str(), least_flooder, normal_excess,
              prober_excess, seen.c_str());
  EXPECT_GE(normal_ok.load() * 2, normal_tries.load()) << "the normal client was served most of the time";
}

TEST(MailProbe, ReplyLinesPerProtocol) {
  using mail::Verdict;
  EXPECT_EQ(mail::SmtpLine("250-PIPELINING", 2), Verdict::kMore);
  EXPECT_EQ(mail::SmtpLine("250 OK", 2), Verdict::kOk);
  EXPECT_EQ(mail::SmtpLine("421 4.3.2 busy", 2), Verdict::kNo);
  EXPECT_EQ(mail::SmtpLine("+OK Dovecot ready.", 2), Verdict::kBad);
  EXPECT_EQ(mail::Pop3Line("+OK Logged in."), Verdict::kOk);
  EXPECT_EQ(mail::Pop3Line("-ERR [IN-USE]"), Verdict::kNo);
  EXPECT_EQ(mail::Pop3Line("220 mx ESMTP"), Verdict::kBad);
  EXPECT_EQ(mail::ImapLine("* CAPABILITY IMAP4rev1 STARTTLS", "k1"), Verdict::kMore);
  EXPECT_EQ(mail::ImapLine("k1 OK Pre-login capabilities", "k1"), Verdict::kOk);
  EXPECT_EQ(mail::ImapLine("k3 NO [AUTHENTICATIONFAILED]", "k3"), Verdict::kNo);
  EXPECT_EQ(mail::ImapLine("k3 BAD parse", "k3"), Verdict::kBad);
  EXPECT_EQ(mail::ImapLine("k10 OK", "k1"), Verdict::kMore);  // another tag
  EXPECT_EQ(mail::DefaultPort("imaps"), 993);
  EXPECT_EQ(mail::DefaultPort("gopher"), 0);
  EXPECT_EQ(mail::NetworkOf("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(mail::NetworkOf("2001:db8:1:2::5"), "2001:db8:1::/48");
  EXPECT_EQ(mail::NetworkOf("unknown"), "unknown");
}

}  // namespace
}  // namespace keikai
