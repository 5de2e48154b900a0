// The daemon's configuration (config/config.h): the documented example is valid, and every
// kind of mistake is named with its line, column, key and why, all of them in one pass.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "keikai/config/config.h"
#include "keikai/core/i18n.h"
#include "test_util.h"

namespace keikai::config {
namespace {

using keikai::testing::TempDir;

std::vector<Problem> Check(const std::string& text, Config* out = nullptr) {
  std::vector<Problem> p;
  Config c = Parse(text, "k.yaml", p);
  if (out != nullptr) *out = std::move(c);
  return p;
}

// The problem about key, or null.
const Problem* About(const std::vector<Problem>& ps, const std::string& key) {
  for (const Problem& p : ps) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

std::string All(const std::vector<Problem>& ps) {
  std::string s;
  for (const Problem& p : ps) s += p.ToString() + "\n";
  return s;
}

TEST(Config, TheDocumentedExampleIsValid) {
  std::vector<Problem> ps;
  const Config c = Load(KEIKAI_SOURCE_DIR "/docs/keikai.example.yaml", ps);
  ASSERT_TRUE(ps.empty()) << All(ps);
  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.sites[0].name, "shop.example.jp");
  ASSERT_EQ(c.sites[0].logs.size(), 2u);
  EXPECT_EQ(c.sites[0].logs[0].format, "");  // detected
  EXPECT_EQ(c.sites[0].trusted_proxies.size(), 2u);
  EXPECT_EQ(c.mail_site, "mail.example.jp");
  EXPECT_EQ(c.mail_logs.size(), 3u);  // syslog, Dovecot, keikai milter
  ASSERT_EQ(c.mail_services.size(), 2u);
  EXPECT_EQ(c.mail_services[0].interval_s, 60);
  EXPECT_EQ(c.mail_services[1].name, "imaps");  // the protocol when unnamed
  EXPECT_EQ(c.mail_services[1].interval_s, 300);
  EXPECT_EQ(c.evaluate_every_s, 300);
  ASSERT_EQ(c.alerts.size(), 4u);
  EXPECT_EQ(c.alerts[0].min_interval_s, 1800);
  EXPECT_EQ(c.alerts[1].to.size(), 2u);
  EXPECT_EQ(c.metrics_listen, "127.0.0.1:9464");
}

TEST(Config, EveryMistakeIsNamedWithItsLineAndKey) {
  const std::string text =
      "langage: ja\n"                              // 1
      "timezone: Mars/Olympus\n"                   // 2
      "sites:\n"                                   // 3
      "  - name: shop.example.jp\n"                // 4
      "    logs:\n"                                // 5
      "      - access.log\n"                       // 6
      "      - path: /var/log/a.log\n"             // 7
      "        format: combind\n"                  // 8
      "  - name: shop.example.jp\n"                // 9
      "    logs: [/var/log/a.log]\n"               // 10
      "surge:\n"                                   // 11
      "  window_days: 3\n"                         // 12
      "  evaluate_every: 5x\n"                     // 13
      "alerts:\n"                                  // 14
      "  - type: slack\n"                          // 15
      "    url: hooks.slack.com/x\n"               // 16
      "    facility: daemon\n"                     // 17
      "metrics:\n"                                 // 18
      "  listen: 0.0.0.0:9464\n";                  // 19
  const auto ps = Check(text);
  struct Want {
    std::string key;
    int line;
    std::string why;
  };
  for (const Want& w : std::vector<Want>{
           {"langage", 1, "unknown key"},
           {"timezone", 2, "no such time zone"},
           {"sites[0].logs[0]", 6, "absolute path"},
           {"sites[0].logs[1].format", 8, "no such log format"},
           {"sites[1].name", 9, "given twice (first at line 4)"},
           {"sites[1].logs[0]", 10, "given twice (first at line 7)"},
           {"surge.window_days", 12, "from 7 to 3650"},
           {"surge.evaluate_every", 13, "duration"},
           {"alerts[0].url", 16, "http://"},
           {"alerts[0].facility", 17, "not used by alerts of type slack"},
           {"metrics.listen", 19, "allow_remote"},
       }) {
    const Problem* p = About(ps, w.key);
    ASSERT_NE(p, nullptr) << w.key << "\n" << All(ps);
    EXPECT_EQ(p->line, w.line) << w.key;
    EXPECT_GT(p->column, 0) << w.key;
    EXPECT_NE(p->why.find(w.why), std::string::npos) << p->ToString();
  }
  EXPECT_EQ(ps.size(), 11u) << All(ps);
  EXPECT_EQ(ps[1].ToString(), "k.yaml:2:11: timezone: no such time zone");
  SetLang(Lang::kJa);
  const auto ja = Check(text);
  SetLang(Lang::kEn);
  ASSERT_NE(About(ja, "timezone"), nullptr);
  EXPECT_EQ(About(ja, "timezone")->why, "そのようなタイムゾーンはありません");
}

TEST(Config, SecretsMustBeTheOwnersAlone) {
  TempDir d;
  const std::string cred = d / "mx.cred";
  keikai::testing::WriteFile(cred, "probe:secret\n");
  const std::string text = "mail:\n  services:\n    - protocol: smtp\n      credentials: " + cred + "\n";
  ::chmod(cred.c_str(), 0600);
  EXPECT_TRUE(Check(text).empty()) << All(Check(text));
  ::chmod(cred.c_str(), 0640);
  auto ps = Check(text);
  ASSERT_EQ(ps.size(), 1u) << All(ps);
  EXPECT_NE(ps[0].why.find("mode 640"), std::string::npos) << ps[0].why;
  EXPECT_EQ(ps[0].line, 4);
  ps = Check("mail:\n  services:\n    - protocol: smtp\n      credentials: " + std::string(d / "none") + "\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_NE(ps[0].why.find("does not exist"), std::string::npos);
}

// A password for alert mail goes only inside TLS; a CA file must be there.
TEST(Config, MailAlertsKeepPasswordsInsideTls) {
  TempDir d;
  const std::string cred = d / "smtp.cred";
  keikai::testing::WriteFile(cred, "alerts:secret\n");
  ::chmod(cred.c_str(), 0600);
  const std::string base = "sites: [{name: a.jp, logs: [/var/log/a.log]}]\nalerts:\n  - type: email\n"
                           "    smtp_host: mx.example.jp\n    from: k@example.jp\n    to: o@example.jp\n"
                           "    credentials: " + cred + "\n";
  EXPECT_TRUE(Check(base).empty()) << All(Check(base));
  EXPECT_TRUE(Check(base + "    smtp_port: 465\n    starttls: false\n").empty());
  auto ps = Check(base + "    starttls: false\n");
  ASSERT_EQ(ps.size(), 1u) << All(ps);
  EXPECT_EQ(ps[0].key, "alerts[0].starttls");
  EXPECT_NE(ps[0].why.find("without TLS"), std::string::npos) << ps[0].why;
  ps = Check(base + "    ca_file: " + std::string(d / "none.pem") + "\n");
  ASSERT_EQ(ps.size(), 1u) << All(ps);
  EXPECT_EQ(ps[0].key, "alerts[0].ca_file");
  ps = Check(base + "    ca_file: relative.pem\n");
  ASSERT_EQ(ps.size(), 1u) << All(ps);
  EXPECT_NE(ps[0].why.find("absolute"), std::string::npos);
}

TEST(Config, ListenAddressesAndTheLoopback) {
  const std::string base = "sites: [{name: a.jp, logs: [/var/log/a.log]}]\nmetrics:\n";
  EXPECT_TRUE(Check(base + "  listen: \"[::1]:9464\"\n").empty());
  EXPECT_TRUE(Check(base + "  listen: localhost:9100\n").empty());
  EXPECT_TRUE(Check(base + "  listen: 192.0.2.1:9464\n  allow_remote: true\n").empty());
  EXPECT_EQ(Check(base + "  listen: 192.0.2.1:9464\n").size(), 1u);
  EXPECT_EQ(Check(base + "  listen: 127.0.0.1:99999\n").size(), 1u);
  EXPECT_EQ(Check(base + "  listen: nohost\n").size(), 1u);
}

TEST(Config, BadInputIsBounded) {
  // Not YAML: the parser's position.
  auto ps = Check("sites: [\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_NE(ps[0].why.find("not valid YAML"), std::string::npos);
  EXPECT_GT(ps[0].line, 0);
  // Nested past 64 brackets: refused before the parser recurses into it.
  ps = Check("a: " + std::string(100000, '[') + std::string(100000, ']') + "\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_NE(ps[0].why.find("nested"), std::string::npos);
  // Over 1 MiB.
  ps = Check("# " + std::string(2 << 20, 'x') + "\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_NE(ps[0].why.find("1 MiB"), std::string::npos);
  // A list over 10,000 entries.
  std::string many = "sites:\n";
  for (int i = 0; i < 10001; ++i) many += "  - x\n";
  ps = Check(many);
  ASSERT_FALSE(ps.empty());
  EXPECT_NE(ps[0].why.find("10,000"), std::string::npos) << ps[0].why;
  // Problems are capped at 100 and say so.
  std::string bad = "sites:\n";
  for (int i = 0; i < 300; ++i) bad += "  - {name: 'x y', logs: [rel.log]}\n";
  ps = Check(bad);
  EXPECT_EQ(ps.size(), 101u);
  EXPECT_NE(ps.back().why.find("first 100"), std::string::npos);
  // Nothing at all, and nothing to watch.
  EXPECT_NE(Check("")[0].why.find("no configuration"), std::string::npos);
  EXPECT_NE(Check("language: en\n")[0].why.find("nothing to watch"), std::string::npos);
  EXPECT_NE(Check("- a\n- b\n")[0].why.find("mapping"), std::string::npos);
}

}  // namespace
}  // namespace keikai::config
