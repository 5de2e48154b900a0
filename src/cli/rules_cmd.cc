#include "rules_cmd.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/http/full_request.h"
#include "keikai/rules/engine.h"
#include "keikai/rules/ftw.h"

namespace keikai::cli {
namespace {

struct CrsTestArgs {
  std::vector<std::string> rules;
  std::string tests, overrides, only;
  bool verbose = false;
  bool no_test_setup = false;
  int max_failures = 0;
};

struct WafEvalArgs {
  std::vector<std::string> rules;
  std::string requests, out;
  int repeat = 1;
  bool base_config = true;
  bool prefilter = false;
};

CrsTestArgs g_crs;
WafEvalArgs g_waf;

void Fail(const std::string& what) {
  std::fprintf(stderr, "keikai: %s: %s\n", Tr("err.prefix"), what.c_str());
}

int RunCrsTest(const CrsTestArgs& a) {
  rules::FtwOptions o;
  o.rule_files = a.rules;
  o.prelude = rules::EngineBaseConfig() + (a.no_test_setup ? "" : rules::CrsTestSetup());
  o.tests_dir = a.tests;
  o.overrides_file = a.overrides;
  o.only = a.only;
  o.verbose = a.verbose;
  o.cache_dir = DefaultCacheDir();
  auto r = rules::RunFtw(o, std::cout);
  if (!r.ok()) {
    Fail(r.status().ToString());
    return 1;
  }
  return r.value().failed <= a.max_failures && r.value().load_errors == 0 ? 0 : 3;
}

double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// One corpus line: {"method","uri","version","headers":[[name,value],...],"body"}.
bool ReadCorpus(const std::string& path, std::vector<http::FullRequest>& out) {
  std::ifstream in(path);
  if (!in) {
    Fail(path + ": " + Tr("err.code.open"));
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      Fail(path + ":" + std::to_string(n) + ": not a JSON object");
      return false;
    }
    http::FullRequest r;
    r.method = j.value("method", "GET");
    r.uri = j.value("uri", "/");
    r.protocol = j.value("version", "HTTP/1.1");
    r.body = j.value("body", "");
    r.client_port = 12345;
    if (j.contains("headers") && j["headers"].is_array()) {
      for (const auto& h : j["headers"]) {
        if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
          r.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
        }
      }
    }
    out.push_back(std::move(r));
  }
  return true;
}

int RunWafEval(const WafEvalArgs& a) {
  std::vector<http::FullRequest> reqs;
  if (!ReadCorpus(a.requests, reqs)) return 1;
  rules::EngineOptions eo;
  eo.cache_dir = DefaultCacheDir();
  eo.prefilter = a.prefilter;
  const auto t0 = std::chrono::steady_clock::now();
  auto set = rules::RuleSet::Load(a.rules, eo);
  if (!set.ok()) {
    Fail(set.status().ToString());
    return 1;
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rules::Evaluator ev(set.value());
  std::ofstream out;
  if (!a.out.empty()) {
    out.open(a.out);
    if (!out) {
      Fail(a.out + ": " + Tr("err.code.output"));
      return 1;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::size_t done = 0;
  for (int pass = 0; pass < std::max(1, a.repeat); ++pass) {
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      rules::Verdict v = ev.Evaluate(reqs[i]);
      ++done;
      if (pass == 0 && out.is_open()) {
        nlohmann::json j;
        j["i"] = i;
        j["ids"] = v.LoggedIds();
        j["score"] = v.inbound_anomaly_score;
        j["status"] = v.interrupted ? v.status : 200;
        out << j.dump() << "\n";
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::fprintf(stderr, "keikai waf-eval: %zu of %zu regex rules prefiltered\n",
               set.value()->prefiltered_rules(), set.value()->regex_rules());
  std::fprintf(stderr, "keikai waf-eval: %zu rules loaded in %.2f s; %zu requests in %.3f s = %.0f requests/s; peak RSS %.1f MB\n",
               set.value()->rule_count(), load_s, done, secs, secs > 0 ? static_cast<double>(done) / secs : 0.0,
               PeakRssMb());
  return 0;
}

}  // namespace

RulesCommands AddRulesCommands(CLI::App& app) {
  RulesCommands c;
  c.crs_test = app.add_subcommand("crs-test", Tr("cmd.crs_test"));
  c.crs_test->add_option("--rules", g_crs.rules, Tr("opt.rules"))->required();
  c.crs_test->add_option("--tests", g_crs.tests, Tr("opt.crs_tests"))->required();
  c.crs_test->add_option("--overrides", g_crs.overrides, Tr("opt.crs_overrides"));
  c.crs_test->add_option("--only", g_crs.only, Tr("opt.crs_only"));
  c.crs_test->add_flag("--verbose", g_crs.verbose, Tr("opt.crs_verbose"));
  c.crs_test->add_option("--max-failures", g_crs.max_failures, Tr("opt.crs_max_failures"));
  c.waf_eval = app.add_subcommand("waf-eval", Tr("cmd.waf_eval"));
  c.waf_eval->add_option("--rules", g_waf.rules, Tr("opt.rules"))->required();
  c.waf_eval->add_option("--requests", g_waf.requests, Tr("opt.waf_requests"))->required();
  c.waf_eval->add_option("--out", g_waf.out, Tr("opt.waf_out"));
  c.waf_eval->add_option("--repeat", g_waf.repeat, Tr("opt.waf_repeat"))->check(CLI::Range(1, 1000));
  c.waf_eval->add_flag("--prefilter", g_waf.prefilter, Tr("opt.prefilter"));
  return c;
}

int RunRulesCommands(const RulesCommands& c) {
  if (c.crs_test != nullptr && c.crs_test->parsed()) return RunCrsTest(g_crs);
  if (c.waf_eval != nullptr && c.waf_eval->parsed()) return RunWafEval(g_waf);
  return -1;
}

}  // namespace keikai::cli
