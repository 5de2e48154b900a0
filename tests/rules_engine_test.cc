// The rule engine's semantics, one behaviour per test, on small rule sets written here.
// (CRS as a whole is exercised by the crs_*_regression tests, which run the CRS suites.)
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "keikai/core/files.h"
#include "keikai/http/full_request.h"
#include "keikai/rules/engine.h"
#include "keikai/crstest/ftw.h"
#include "test_util.h"
#include "rules/xml_text.h"

namespace keikai::rules {
namespace {

std::shared_ptr<const RuleSet> Rules(const std::string& text) {
  auto r = RuleSet::FromText("SecRuleEngine On\nSecRequestBodyAccess On\n" + text, "");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : nullptr;
}

http::FullRequest Get(const std::string& uri) {
  http::FullRequest q;
  q.uri = uri;
  q.headers = {{"Host", "example.jp"}, {"User-Agent", "test"}};
  return q;
}

http::FullRequest Post(const std::string& body, const std::string& ctype) {
  http::FullRequest q = Get("/post");
  q.method = "POST";
  q.headers.emplace_back("Content-Type", ctype);
  q.body = body;
  return q;
}

std::vector<int> Ids(const std::shared_ptr<const RuleSet>& rs, const http::FullRequest& q) {
  Evaluator ev(rs);
  return ev.Evaluate(q).LoggedIds();
}

TEST(RulesEngine, ArgsSelectorsExclusionsAndCounts) {
  auto rs = Rules(R"X(
SecRule ARGS "@rx attack" "id:1,phase:2,pass,log"
SecRule ARGS:q "@rx attack" "id:2,phase:2,pass,log"
SecRule ARGS|!ARGS:q "@rx attack" "id:3,phase:2,pass,log"
SecRule ARGS:/^x/ "@rx attack" "id:4,phase:2,pass,log"
SecRule &ARGS "@eq 2" "id:5,phase:2,pass,log"
SecRule &ARGS:missing "@eq 0" "id:6,phase:2,pass,log"
)X");
  EXPECT_EQ(Ids(rs, Get("/?q=attack&other=1")), (std::vector<int>{1, 2, 5, 6}));
  EXPECT_EQ(Ids(rs, Get("/?xy=attack&Q=fine")), (std::vector<int>{1, 3, 4, 5, 6}));
}

TEST(RulesEngine, TransformationsApplyInOrderAndNoneResets) {
  auto rs = Rules(R"X(
SecDefaultAction "phase:2,log,pass,t:lowercase"
SecRule ARGS "@streq abc" "id:1,phase:2"
SecRule ARGS "@streq abc" "id:2,phase:2,t:none"
SecRule ARGS "@streq <b>" "id:3,phase:2,t:none,t:urlDecodeUni,t:htmlEntityDecode"
)X");
  EXPECT_EQ(Ids(rs, Get("/?a=ABC")), (std::vector<int>{1}));
  EXPECT_EQ(Ids(rs, Get("/?a=%2526lt;b%2526gt;")), (std::vector<int>{3}));
}

TEST(RulesEngine, SetvarMacrosAndScores) {
  auto rs = Rules(R"X(
SecAction "id:10,phase:1,pass,nolog,setvar:tx.critical=5,setvar:tx.score=0"
SecRule ARGS "@rx evil" "id:11,phase:2,pass,log,msg:'evil in %{MATCHED_VAR_NAME}',setvar:'tx.score=+%{tx.critical}'"
SecRule TX:score "@ge 10" "id:12,phase:2,pass,log,msg:'score %{tx.score}',setvar:tx.anomaly_score=%{tx.score}"
SecRule TX:score "@ge 15" "id:13,phase:2,pass,log"
)X");
  Evaluator ev(rs);
  // Two matching arguments count twice, as ModSecurity counts them.
  const Verdict v = ev.Evaluate(Get("/?a=evil&b=evil&c=ok"));
  EXPECT_EQ(v.LoggedIds(), (std::vector<int>{11, 12}));
  EXPECT_EQ(v.inbound_anomaly_score, 10);
  ASSERT_GE(v.matches.size(), 2u);
  EXPECT_EQ(v.matches[0].msg, "evil in ARGS:b");
  EXPECT_EQ(v.matches[1].msg, "score 10");
}

TEST(RulesEngine, ChainsNeedEveryLinkAndLinksSeeTheStartersSetvars) {
  auto rs = Rules(R"X(
SecRule REQUEST_METHOD "@streq POST" "id:20,phase:2,pass,log,chain,setvar:tx.seen=1"
  SecRule TX:seen "@eq 1" "chain"
  SecRule ARGS:a "@rx ^x"
SecRule ARGS "@rx ^x" "id:21,phase:2,pass,log,chain"
  SecRule MATCHED_VARS_NAMES "@streq ARGS:a"
)X");
  EXPECT_EQ(Ids(rs, Post("a=xyz", "application/x-www-form-urlencoded")), (std::vector<int>{20, 21}));
  EXPECT_EQ(Ids(rs, Post("a=yz", "application/x-www-form-urlencoded")), std::vector<int>{});
  EXPECT_EQ(Ids(rs, Post("b=xyz", "application/x-www-form-urlencoded")), std::vector<int>{});
}

TEST(RulesEngine, SkipAfterAndSkipJumpOverRules) {
  auto rs = Rules(R"X(
SecRule ARGS:pl "@lt 2" "id:30,phase:1,pass,nolog,skipAfter:END-PL2"
SecRule ARGS "@rx ." "id:31,phase:1,pass,log"
SecMarker END-PL2
SecAction "id:32,phase:1,pass,log,skip:1"
SecAction "id:33,phase:1,pass,log"
SecAction "id:34,phase:1,pass,log"
)X");
  EXPECT_EQ(Ids(rs, Get("/?pl=1")), (std::vector<int>{32, 34}));
  EXPECT_EQ(Ids(rs, Get("/?pl=2")), (std::vector<int>{31, 32, 34}));
}

TEST(RulesEngine, CtlRemovesRulesAndTargetsForThisRequestOnly) {
  auto rs = Rules(R"X(
SecRule REQUEST_FILENAME "@streq /admin" "id:40,phase:1,pass,nolog,ctl:ruleRemoveById=42,ctl:ruleRemoveTargetById=43;ARGS:token"
SecRule REQUEST_FILENAME "@streq /tagged" "id:41,phase:1,pass,nolog,ctl:ruleRemoveByTag=attack-sqli"
SecRule ARGS "@rx select" "id:42,phase:2,pass,log,tag:'attack-sqli'"
SecRule ARGS "@rx select" "id:43,phase:2,pass,log"
)X");
  Evaluator ev(rs);
  EXPECT_EQ(ev.Evaluate(Get("/admin?token=select&x=1")).LoggedIds(), std::vector<int>{});
  EXPECT_EQ(ev.Evaluate(Get("/admin?other=select")).LoggedIds(), (std::vector<int>{43}));
  EXPECT_EQ(ev.Evaluate(Get("/tagged?a=select")).LoggedIds(), (std::vector<int>{43}));
  // The next request starts clean.
  EXPECT_EQ(ev.Evaluate(Get("/x?a=select")).LoggedIds(), (std::vector<int>{42, 43}));
}

TEST(RulesEngine, RemovalsAndTargetUpdatesApplyWherePlaced) {
  auto rs = Rules(R"X(
SecRuleRemoveById 51
SecRule ARGS "@rx bad" "id:50,phase:2,pass,log,tag:'t1'"
SecRule ARGS "@rx bad" "id:51,phase:2,pass,log"
SecRule ARGS "@rx bad" "id:52,phase:2,pass,log,tag:'gone'"
SecRuleRemoveByTag gone
SecRuleUpdateTargetById 50 "!ARGS:safe"
)X");
  EXPECT_EQ(Ids(rs, Get("/?safe=bad")), std::vector<int>{});
  EXPECT_EQ(Ids(rs, Get("/?x=bad")), (std::vector<int>{50}));
}

TEST(RulesEngine, CaptureFillsTxAndMultiMatchCountsStages) {
  auto rs = Rules(R"X(
SecRule ARGS:v "@rx (\d+)-(\d+)" "id:60,phase:2,pass,log,capture,setvar:tx.sum=%{tx.1}%{tx.2}"
SecRule TX:sum "@streq 1234" "id:61,phase:2,pass,log"
SecAction "id:62,phase:2,pass,nolog,setvar:tx.mm=0"
SecRule ARGS:w "@rx a" "id:63,phase:2,pass,log,multiMatch,t:none,t:lowercase,t:urlDecode,setvar:tx.mm=+1"
SecRule TX:mm "@eq 2" "id:64,phase:2,pass,log"
)X");
  // "A%61": no 'a' as is; lowercase gives "a%61" (a match); urlDecode gives "aa" (another).
  EXPECT_EQ(Ids(rs, Get("/?v=12-34&w=A%2561")), (std::vector<int>{60, 61, 63, 64}));
}

TEST(RulesEngine, DenyInterruptsOnlyWhenTheEngineIsOn) {
  const std::string rules = R"X(
SecRule ARGS "@rx evil" "id:70,phase:1,deny,status:406,log"
SecAction "id:71,phase:2,pass,log"
)X";
  auto on = Rules(rules);
  Evaluator ev(on);
  const Verdict v = ev.Evaluate(Get("/?a=evil"));
  EXPECT_TRUE(v.interrupted);
  EXPECT_EQ(v.status, 406);
  EXPECT_EQ(v.interrupting_rule, 70);
  EXPECT_EQ(v.LoggedIds(), (std::vector<int>{70}));
  auto det = RuleSet::FromText("SecRuleEngine DetectionOnly\n" + rules, "");
  ASSERT_TRUE(det.ok());
  Evaluator ev2(det.value());
  const Verdict v2 = ev2.Evaluate(Get("/?a=evil"));
  EXPECT_FALSE(v2.interrupted);
  EXPECT_EQ(v2.LoggedIds(), (std::vector<int>{70, 71}));
}

TEST(RulesEngine, BodyProcessors) {
  auto rs = Rules(R"X(
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" "id:1,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/xml" "id:2,phase:1,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule ARGS_POST:json.user.name "@streq root" "id:80,phase:2,pass,log"
SecRule XML:/* "@rx secret" "id:81,phase:2,pass,log"
SecRule XML://@* "@streq evil" "id:82,phase:2,pass,log"
SecRule FILES "@rx \.php$" "id:83,phase:2,pass,log"
SecRule REQBODY_ERROR "!@eq 0" "id:84,phase:2,pass,log"
SecRule REQUEST_BODY "@rx ." "id:85,phase:2,pass,log"
SecRule ARGS_POST:a "@streq 1 2" "id:86,phase:2,pass,log"
)X");
  EXPECT_EQ(Ids(rs, Post(R"({"user":{"name":"root"}})", "application/json")), (std::vector<int>{80}));
  EXPECT_EQ(Ids(rs, Post(R"({"user":)", "application/json")), (std::vector<int>{84}));
  EXPECT_EQ(Ids(rs, Post(R"(<a x="evil">top secret</a>)", "application/xml")), (std::vector<int>{81, 82}));
  EXPECT_EQ(Ids(rs, Post("<a><b></a>", "application/xml")), (std::vector<int>{84}));
  EXPECT_EQ(Ids(rs, Post("a=1+2", "application/x-www-form-urlencoded")), (std::vector<int>{85, 86}));
  const std::string mp =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"shell.php\"\r\n"
      "Content-Type: text/plain\r\n\r\n<?php\nsystem($_GET[1]);\n\r\n--XyZ--\r\n";
  EXPECT_EQ(Ids(rs, Post(mp, "multipart/form-data; boundary=XyZ")), (std::vector<int>{83}));
}

TEST(RulesEngine, BodyLimitsHaveAClearOutcome) {
  auto rs = Rules(R"X(
SecRequestBodyNoFilesLimit 16
SecRequestBodyLimitAction Reject
SecRule REQBODY_ERROR "!@eq 0" "id:1,phase:2,pass,log,msg:'%{REQBODY_ERROR_MSG}'"
SecRule ARGS_POST:a "@rx ^x+$" "id:2,phase:2,pass,log"
)X");
  Evaluator ev(rs);
  const Verdict small = ev.Evaluate(Post("a=xxxx", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(small.body_error);
  EXPECT_EQ(small.LoggedIds(), (std::vector<int>{2}));
  const Verdict big = ev.Evaluate(Post("a=" + std::string(100000, 'x'), "application/x-www-form-urlencoded"));
  EXPECT_TRUE(big.body_error);
  EXPECT_NE(big.body_error_message.find("limit (16)"), std::string::npos) << big.body_error_message;
  // Only the first 16 bytes were processed: the argument is cut, the rest never parsed.
  EXPECT_EQ(big.LoggedIds(), (std::vector<int>{1, 2}));
  ASSERT_FALSE(big.matches.empty());
  EXPECT_NE(big.matches[0].msg.find("larger than the configured limit"), std::string::npos);
}

TEST(RulesEngine, ResponsePhasesRunOnlyWithAResponse) {
  auto rs = Rules(R"X(
SecResponseBodyAccess On
SecRule RESPONSE_STATUS "@rx ^5" "id:90,phase:3,pass,log"
SecRule RESPONSE_BODY "@rx ORA-\d{5}" "id:91,phase:4,pass,log"
)X");
  Evaluator ev(rs);
  http::FullResponse resp;
  resp.status = 500;
  resp.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  resp.body = "error ORA-00933: SQL command not properly ended";
  EXPECT_EQ(ev.Evaluate(Get("/")).LoggedIds(), std::vector<int>{});
  EXPECT_EQ(ev.Evaluate(Get("/"), &resp).LoggedIds(), (std::vector<int>{90, 91}));
  resp.headers = {{"Content-Type", "image/png"}};  // not a listed MIME type: body unseen
  EXPECT_EQ(ev.Evaluate(Get("/"), &resp).LoggedIds(), (std::vector<int>{90}));
}

TEST(RulesEngine, LoadErrorsNameTheRule) {
  auto bad = RuleSet::FromText("SecRule ARGS \"@rx (\" \"id:1,phase:2,pass\"", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":1:"), std::string::npos) << bad.status().ToString();
  auto chain = RuleSet::FromText("SecRule ARGS \"@rx a\" \"id:1,phase:2,pass,chain\"", "");
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("chain"), std::string::npos);
  auto var = RuleSet::FromText("SecRule NOPE \"@rx a\" \"id:1,phase:2,pass\"", "");
  ASSERT_FALSE(var.ok());
  EXPECT_NE(var.status().message().find("NOPE"), std::string::npos);
}

TEST(RulesEngine, PathologicalRegexIsBoundedAndReported) {
  auto rs = Rules(R"(SecRule ARGS "@rx ^(a+)+$" "id:1,phase:2,pass,log")");
  Evaluator ev(rs);
  const Verdict v = ev.Evaluate(Get("/?x=" + std::string(5000, 'a') + "!"));
  EXPECT_TRUE(v.limit_hit);
  EXPECT_EQ(v.LoggedIds(), std::vector<int>{});
}

// SecPcreMatchLimit and SecPcreMatchLimitRecursion apply to the regexes after them, as in
// ModSecurity (the benchmark gives both engines the same limits through the same file).
TEST(RulesEngine, PcreMatchLimitDirectivesApply) {
  auto rs = Rules("SecPcreMatchLimit 1000\nSecPcreMatchLimitRecursion 500\n"
                  R"(SecRule ARGS "@rx ^(?:a|aa)+$" "id:1,phase:2,pass,log")");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->options().match_limit, 1000u);
  EXPECT_EQ(rs->options().depth_limit, 500u);
  Evaluator ev(rs);
  const Verdict v = ev.Evaluate(Get("/?x=" + std::string(40, 'a') + "b"));
  EXPECT_TRUE(v.limit_hit);
  EXPECT_FALSE(RuleSet::FromText("SecPcreMatchLimit lots", "").ok());
}

// A per-request time budget: past it no operator runs and the verdict says so; without a
// budget, nothing changes.
TEST(RulesEngine, TimeBudgetStopsEvaluationAndSaysSo) {
  const std::string text = R"(SecRuleEngine On
SecRule ARGS "@rx b$" "id:1,phase:2,pass,log"
SecRule ARGS "@contains zzz" "id:2,phase:2,pass,log")";
  const http::FullRequest q = Get("/?x=" + std::string(4000, 'a') + "b&y=zzz");
  auto unbounded = RuleSet::FromText(text, "");
  ASSERT_TRUE(unbounded.ok());
  Evaluator a(unbounded.value());
  const Verdict va = a.Evaluate(q);
  EXPECT_FALSE(va.budget_exceeded);
  EXPECT_EQ(va.LoggedIds(), (std::vector<int>{1, 2}));
  // A fake clock that moves 1 ms each time it is read: a 500 us budget is spent by the time the
  // first operator on the long value asks, whatever the machine's speed.
  EngineOptions eo;
  eo.request_budget_us = 500;
  static int64_t fake_now = 0;
  eo.monotonic_ns = [] { return fake_now += 1'000'000; };
  auto tight = RuleSet::FromText(text, "", eo);
  ASSERT_TRUE(tight.ok());
  Evaluator b(tight.value());
  const Verdict vb = b.Evaluate(q);
  EXPECT_TRUE(vb.budget_exceeded);
  EXPECT_EQ(vb.LoggedIds(), std::vector<int>{});
  // With a clock that stands still the same budget is never spent.
  eo.monotonic_ns = [] { return int64_t{42}; };
  auto still = RuleSet::FromText(text, "", eo);
  ASSERT_TRUE(still.ok());
  Evaluator c(still.value());
  const Verdict vc = c.Evaluate(q);
  EXPECT_FALSE(vc.budget_exceeded);
  EXPECT_EQ(vc.LoggedIds(), (std::vector<int>{1, 2}));
}

// The prefilter only skips regexes that cannot match: the same verdicts with and without it.
TEST(RulesEngine, PrefilterChangesNoVerdict) {
  const std::string rules = R"X(SecRuleEngine On
SecRule ARGS "@rx (?i)union\s+select" "id:1,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule ARGS "@rx (a)\1b" "id:2,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule ARGS|REQUEST_HEADERS "@rx (?<=x)y" "id:3,phase:2,pass,log,t:none,t:lowercase"
SecRule REQUEST_FILENAME "@rx \.php$" "id:4,phase:1,pass,log"
)X";
  EngineOptions with;
  with.prefilter = true;
  auto a = RuleSet::FromText(rules, "", with);
  auto b = RuleSet::FromText(rules, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(a.value()->prefiltered_rules(), 0u);
  EXPECT_EQ(b.value()->prefiltered_rules(), 0u);
  Evaluator ea(a.value()), eb(b.value());
  for (const char* uri : {"/x.php?q=1%20UNION%20%20select", "/?a=aab&b=XY", "/?c=union+all", "/a.phpx",
                          "/?d=xy&e=aa%62"}) {
    EXPECT_EQ(ea.Evaluate(Get(uri)).LoggedIds(), eb.Evaluate(Get(uri)).LoggedIds()) << uri;
  }
  EXPECT_EQ(ea.Evaluate(Get("/x.php?q=1%20UNION%20%20select")).LoggedIds(), (std::vector<int>{1, 4}));
  // A cached prefilter whose list of covered rules is damaged (here: every index twice) is
  // rebuilt, not trusted: verdicts stay those of the uncached engine.
  testing::TempDir cache;
  with.cache_dir = cache.str();
  ASSERT_TRUE(RuleSet::FromText(rules, "", with).ok());
  int damaged = 0;
  for (const auto& f : std::filesystem::directory_iterator(cache.str())) {
    if (f.path().extension() != ".ids") continue;
    std::string ids;
    ASSERT_TRUE(ReadFile(f.path().string(), ids));
    ASSERT_TRUE(WriteFileAtomic(f.path().string(), ids + ids));
    ++damaged;
  }
  EXPECT_GT(damaged, 0);
  auto c = RuleSet::FromText(rules, "", with);
  ASSERT_TRUE(c.ok());
  Evaluator ec(c.value());
  for (const char* uri : {"/x.php?q=1%20UNION%20%20select", "/?a=aab&b=XY", "/?d=xy&e=aa%62"}) {
    EXPECT_EQ(ec.Evaluate(Get(uri)).LoggedIds(), eb.Evaluate(Get(uri)).LoggedIds()) << uri;
  }
}

// Regexes are not run on values their byte filter rules out; verdicts must not change for it,
// negated operators included (they are never filtered), and a value shared by several rules
// (one byte set per transformed value) must be judged by each.
TEST(RulesEngine, ByteFilterSkipsOnlyWhatCannotMatch) {
  auto rs = Rules(R"X(
SecRule ARGS "@rx (?i)eval\s*\(" "id:1,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule ARGS "!@rx \(" "id:2,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule ARGS "@rx (?i)^script" "id:3,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule ARGS "@rx ..........." "id:4,phase:2,pass,log,t:none"
SecRule TX:v "@rx \(" "id:5,phase:2,pass,log,t:none"
SecAction "id:6,phase:1,pass,nolog,setvar:tx.v=a(b"
)X");
  EXPECT_EQ(Ids(rs, Get("/?a=EVAL%20(x)")), (std::vector<int>{1, 5}));
  EXPECT_EQ(Ids(rs, Get("/?a=evalx")), (std::vector<int>{2, 5}));
  EXPECT_EQ(Ids(rs, Get("/?a=Script")), (std::vector<int>{2, 3, 5}));
  EXPECT_EQ(Ids(rs, Get("/?a=12345678901")), (std::vector<int>{2, 4, 5}));
  EXPECT_EQ(Ids(rs, Get("/?a=1234567890")), (std::vector<int>{2, 5}));
}

// A test file that is not YAML, or YAML of another shape, is that file's load error; the
// runner goes on.
TEST(FtwRunner, HostileTestFilesAreLoadErrorsNotCrashes) {
  auto rs = Rules(R"X(SecRule ARGS "@rx attack" "id:1,phase:2,pass,log,msg:'x'")X");
  Evaluator ev(rs);
  crstest::FtwSummary sum;
  crstest::RunFtwDocument("tests: [x, {stages: 3}]\nrule_id: {a: b}\n", "shape.yaml", ev, sum);
  crstest::RunFtwDocument("just text", "plain.yaml", ev, sum);
  crstest::RunFtwDocument("{{{", "broken.yaml", ev, sum);
  crstest::RunFtwDocument(R"Y(rule_id: 1
tests:
  - test_id: 1
    stages:
      - input: {method: GET, uri: "/?a=attack", headers: {Host: localhost}}
        output: {log: {expect_ids: [1]}}
)Y", "good.yaml", ev, sum);
  EXPECT_EQ(sum.files, 4);
  EXPECT_EQ(sum.load_errors, 3);
  ASSERT_EQ(sum.problems.size(), 3u);
  EXPECT_EQ(sum.problems[0].rfind("shape.yaml: ", 0), 0u) << sum.problems[0];
  EXPECT_EQ(sum.passed, 1);
  EXPECT_EQ(sum.failed, 0);
}

// A test's data made of YAML aliases nested six deep, ten copies each: flattened it would be a
// million lines (and each level more ten times that). Only a flat list is lines, so the body
// stays a few bytes.
TEST(FtwRunner, AliasBombInDataStaysSmall) {
  auto rs = Rules(R"X(SecRule ARGS "@rx attack" "id:1,phase:2,pass,log,msg:'x'"
SecRule REQUEST_BODY_LENGTH "@gt 1000" "id:2,phase:2,pass,log,msg:'big'")X");
  Evaluator ev(rs);
  crstest::FtwSummary sum;
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 6; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 10; ++k) bomb += ", " + prev;
    bomb += "]\n";
  }
  bomb += R"Y(rule_id: 1
tests:
  - test_id: 2
    stages:
      - input: {method: POST, uri: "/", headers: {Host: localhost}, data: *a5}
        output: {log: {no_expect_ids: [1, 2]}}
)Y";
  crstest::RunFtwDocument(bomb, "bomb.yaml", ev, sum);
  EXPECT_EQ(sum.files, 1);
  EXPECT_EQ(sum.load_errors, 0);
  EXPECT_EQ(sum.passed, 1);
  EXPECT_EQ(sum.failed, 0);
}

TEST(RawRequest, ParsesWireFormatLeniently) {
  auto r = http::ParseRawRequest(
      "\r\nPOST /a?b=1 HTTP/1.1\r\nHost: x\r\nbroken line\nX-Y:  z \r\n\r\nbody\r\nmore");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().method, "POST");
  EXPECT_EQ(r.value().uri, "/a?b=1");
  EXPECT_EQ(r.value().protocol, "HTTP/1.1");
  ASSERT_EQ(r.value().headers.size(), 3u);
  EXPECT_EQ(r.value().headers[1].first, "broken line");
  EXPECT_EQ(*r.value().Header("x-y"), "z");
  EXPECT_EQ(r.value().body, "body\r\nmore");
  EXPECT_FALSE(http::ParseRawRequest("").ok());
  auto old = http::ParseRawRequest("GET /\r\n\r\n");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old.value().protocol, "");
}

TEST(XmlText, TextAttributesAndErrors) {
  XmlText x = ExtractXmlText("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"x\">]><a k='1 &amp; 2'>"
                             "t&lt;1<![CDATA[<raw>]]><!-- c --><b/>&#x41;</a>");
  ASSERT_TRUE(x.ok) << x.error;
  EXPECT_EQ(x.text, "t<1<raw>A");
  ASSERT_EQ(x.attributes.size(), 1u);
  EXPECT_EQ(x.attributes[0], "1 & 2");
  EXPECT_FALSE(ExtractXmlText("<a><b></a>").ok);
  EXPECT_FALSE(ExtractXmlText("<a>").ok);
  EXPECT_FALSE(ExtractXmlText("plain").ok);
  EXPECT_FALSE(ExtractXmlText(std::string(1000, '<')).ok);
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  EXPECT_FALSE(ExtractXmlText(deep).ok);  // depth is capped
  // A run of '&' (each one a would-be reference) is kept as text, in one pass.
  XmlText amps = ExtractXmlText("<a>&lt;" + std::string(128 * 1024, '&') + "</a>");
  ASSERT_TRUE(amps.ok) << amps.error;
  EXPECT_TRUE(amps.text == "<" + std::string(128 * 1024, '&'));
}

}  // namespace
}  // namespace keikai::rules
