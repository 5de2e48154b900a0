// The SecLang parser on OWASP CRS as shipped: CRS 4.28.0 from ../shared and Debian's CRS 3.3.4
// (package modsecurity-crs), loaded through their own Include files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "keikai/rules/seclang.h"

namespace keikai::rules {
namespace {

const std::string kCrs4 = std::string(KEIKAI_SHARED_DIR) + "/data/crs/v4.28.0";

std::map<Kind, int> CountKinds(const ParseResult& r) {
  std::map<Kind, int> m;
  for (const Directive& d : r.directives) ++m[d.kind];
  return m;
}

TEST(SecLang, LoadsCrs4Unmodified) {
  std::vector<std::string> files = {kCrs4 + "/crs-setup.conf.example"};
  std::vector<std::string> rules;
  for (const auto& e : std::filesystem::directory_iterator(kCrs4 + "/rules")) {
    if (e.path().extension() == ".conf") rules.push_back(e.path().string());
  }
  std::sort(rules.begin(), rules.end());
  files.insert(files.end(), rules.begin(), rules.end());
  auto r = LoadFiles(files);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto k = CountKinds(r.value());
  EXPECT_EQ(k[Kind::kRule], 695);  // grep -E "^\s*SecRule\s" (chained rules are indented)
  EXPECT_EQ(k[Kind::kMarker], 30);
  EXPECT_EQ(k[Kind::kUpdateTargetById], 55);
  EXPECT_EQ(k[Kind::kComponentSignature], 1);
  EXPECT_TRUE(r.value().not_applicable.empty()) << r.value().not_applicable.front();
  // Every rule that does not continue a chain has an id and a phase or a default.
  bool chained = false;
  int ids = 0;
  for (const Directive& d : r.value().directives) {
    if (d.kind != Kind::kRule && d.kind != Kind::kAction) continue;
    if (!chained) {
      EXPECT_NE(d.Find("id"), nullptr) << d.file << ":" << d.line;
      ++ids;
    }
    chained = d.Find("chain") != nullptr;
  }
  EXPECT_GT(ids, 500);
  // One rule in detail: 913100, the scanner user-agent rule.
  const Directive* r913100 = nullptr;
  for (const Directive& d : r.value().directives) {
    const Action* id = d.Find("id");
    if (id != nullptr && id->value == "913100") r913100 = &d;
  }
  ASSERT_NE(r913100, nullptr);
  ASSERT_EQ(r913100->variables.size(), 1u);
  EXPECT_EQ(r913100->variables[0].name, "REQUEST_HEADERS");
  EXPECT_EQ(r913100->variables[0].selector, "User-Agent");
  EXPECT_EQ(r913100->op.name, "pmfromfile");
  EXPECT_EQ(r913100->op.argument, "scanners-user-agents.data");
  EXPECT_EQ(r913100->Find("msg")->value, "Found User-Agent associated with security scanner");
  EXPECT_EQ(r913100->Find("setvar")->value,
            "tx.inbound_anomaly_score_pl1=+%{tx.critical_anomaly_score}");
  EXPECT_EQ(r913100->Find("phase")->value, "1");
}

TEST(SecLang, LoadsDebianCrs3ThroughItsLoadFile) {
  const std::string load = "/usr/share/modsecurity-crs/owasp-crs.load";
  ASSERT_TRUE(std::filesystem::exists(load)) << "scripts/install-deps.sh installs modsecurity-crs";
  auto r = LoadFiles({load});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto k = CountKinds(r.value());
  // Count "SecRule" directives in the same files independently (a package update may change
  // the number; the parser must find every one).
  int expected = 0;
  std::vector<std::string> files = {"/etc/modsecurity/crs/crs-setup.conf"};
  for (const auto& e : std::filesystem::directory_iterator("/usr/share/modsecurity-crs/rules")) {
    if (e.path().extension() == ".conf") files.push_back(e.path().string());
  }
  const std::regex secrule(R"(^\s*SecRule\s)");
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) expected += std::regex_search(line, secrule) ? 1 : 0;
  }
  EXPECT_GT(expected, 600);
  EXPECT_EQ(k[Kind::kRule], expected);
  EXPECT_GE(k[Kind::kMarker], 40);
}

TEST(SecLang, VariablesOperatorsActions) {
  auto v = ParseVariables("REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|&ARGS:foo|ARGS_NAMES|XML:/*|TX:'a|b'");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v.value().size(), 6u);
  EXPECT_TRUE(v.value()[1].exclude);
  EXPECT_TRUE(v.value()[1].selector_regex);
  EXPECT_EQ(v.value()[1].selector, "__utm");
  EXPECT_TRUE(v.value()[2].count);
  EXPECT_EQ(v.value()[4].selector, "/*");  // an XPath, not a regex
  EXPECT_FALSE(v.value()[4].selector_regex);
  EXPECT_EQ(v.value()[5].selector, "a|b");
  auto op = ParseOperator("!@within |GET| |POST|");
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(op.value().negated);
  EXPECT_EQ(op.value().name, "within");
  EXPECT_EQ(op.value().argument, "|GET| |POST|");
  EXPECT_EQ(ParseOperator("^foo$").value().name, "rx");
  auto a = ParseActions("id:1, phase:2,t:none,t:urlDecodeUni, msg:'it\\'s, here', setvar:'tx.x=+1',chain");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a.value().size(), 7u);
  EXPECT_EQ(a.value()[4].name, "msg");
  EXPECT_EQ(a.value()[4].value, "it's, here");
  EXPECT_EQ(a.value()[6].name, "chain");
}

TEST(SecLang, ErrorsNameFileAndLine) {
  auto r = ParseText("# comment\nSecRule ARGS \"@rx x\" \"id:1,\\\n  msg:'unterminated\"\n", "t.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t.conf:2"), std::string::npos) << r.status().message();
  auto q = ParseText("SecRule ARGS \"@rx x", "q.conf");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("q.conf:1"), std::string::npos);
  auto n = ParseText("SecAuditLog /var/log/x\nSecRule", "n.conf");
  ASSERT_FALSE(n.ok());  // SecRule without arguments
  auto ok = ParseText("SecAuditEngine On\n", "a.conf");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok.value().not_applicable.size(), 1u);
  EXPECT_EQ(ok.value().not_applicable[0], "a.conf:1 SecAuditEngine");
}

}  // namespace
}  // namespace keikai::rules
