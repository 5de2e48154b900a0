#include "rules_cmd.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/http/full_request.h"
#include "keikai/rules/engine.h"
#include "keikai/crstest/ftw.h"
#include "keikai/core/format.h"

namespace keikai::cli {
namespace {

struct CrsTestArgs {
  std::vector<std::string> rules;
  std::string tests, overrides, only;
  bool verbose = false;
  int max_failures = 0;
};

struct WafEvalArgs {
  std::vector<std::string> rules;
  std::string requests, out;
  int repeat = 1;
  bool prefilter = false;
  int budget_ms = 0;
};


std::string IdList(const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

int RunCrsTest(const CrsTestArgs& a) {
  crstest::FtwOptions o;
  o.rule_files = a.rules;
  o.prelude = rules::EngineBaseConfig() + crstest::CrsTestSetup();
  o.tests_dir = a.tests;
  o.overrides_file = a.overrides;
  o.only = a.only;
  o.cache_dir = DefaultCacheDir();
  auto r = crstest::RunFtw(o);
  if (!r.ok()) {
    Error(r.status());
    return 1;
  }
  const crstest::FtwSummary& sum = r.value();
  for (const std::string& p : sum.problems) Error(std::string(Tr("err.crs_test_file")) + ": " + p);
  // Failures grouped by file, in the user's language; rule ids and patterns as they are.
  for (std::size_t i = 0; i < sum.failures.size();) {
    std::size_t j = i;
    while (j < sum.failures.size() && sum.failures[j].file == sum.failures[i].file) ++j;
    std::printf("%s: %s\n", sum.failures[i].file.c_str(),
                ReplaceAll(Tr("msg.crs_file_failed"), "{n}", std::to_string(j - i)).c_str());
    for (; i < j; ++i) {
      const crstest::FtwFailure& f = sum.failures[i];
      std::string line = "  " + f.test + ":";
      if (!f.request_error.empty()) line += std::string(" ") + Tr("msg.crs_request_error") + ": " + f.request_error;
      if (!f.missing.empty()) line += std::string(" ") + Tr("msg.crs_missing") + " [" + IdList(f.missing) + "]";
      if (!f.unexpected.empty()) line += std::string(" ") + Tr("msg.crs_unexpected") + " [" + IdList(f.unexpected) + "]";
      for (const std::string& p : f.missing_patterns) line += std::string(" ") + Tr("msg.crs_missing") + " /" + p + "/";
      for (const std::string& p : f.unexpected_patterns) line += std::string(" ") + Tr("msg.crs_unexpected") + " /" + p + "/";
      if (a.verbose && f.request_error.empty()) line += std::string(" (") + Tr("msg.crs_matched") + ": " + IdList(f.matched) + ")";
      std::printf("%s\n", line.c_str());
    }
  }
  const std::string summary =
      FillTemplate(Tr("msg.crs_summary"),
                   {{"{passed}", std::to_string(sum.passed)}, {"{failed}", std::to_string(sum.failed)},
                    {"{files}", std::to_string(sum.files)}, {"{na}", std::to_string(sum.not_applicable)},
                    {"{overridden}", std::to_string(sum.overridden)}, {"{ignored}", std::to_string(sum.ignored)},
                    {"{unreadable}", std::to_string(sum.load_errors)}});
  std::printf("%s\n", summary.c_str());
  return sum.failed <= a.max_failures && sum.load_errors == 0 ? 0 : 3;
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
    Error(path + ": " + Tr("err.code.open"));
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      Error(path + ":" + std::to_string(n) + ": " + Tr("err.corpus_line"));
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
  eo.request_budget_us = static_cast<uint32_t>(a.budget_ms) * 1000;
  const auto t0 = std::chrono::steady_clock::now();
  auto set = rules::RuleSet::Load(a.rules, eo);
  if (!set.ok()) {
    Error(set.status(), "--rules");
    return 1;
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rules::Evaluator ev(set.value());
  std::ofstream out;
  if (!a.out.empty()) {
    out.open(a.out);
    if (!out) {
      Error(a.out + ": " + Tr("err.code.output"));
      return 1;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::size_t done = 0, over_budget = 0;
  // Every pass does the same work (evaluate, build the output line, write it: to --out in the
  // first pass, to a discarded buffer after), timed per pass and per request, as
  // bench/modsec_driver does for libmodsecurity.
  std::vector<double> pass_secs, req_ms;
  req_ms.reserve(reqs.size() * static_cast<std::size_t>(std::max(1, a.repeat)));
  std::string line, discard;
  for (int pass = 0; pass < std::max(1, a.repeat); ++pass) {
    const auto p0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      const auto r0 = std::chrono::steady_clock::now();
      rules::Verdict v = ev.Evaluate(reqs[i]);
      ++done;
      if (v.budget_exceeded) ++over_budget;
      const std::vector<int> ids = v.LoggedIds();
      line.clear();
      line += "{\"i\":" + std::to_string(i) + ",\"ids\":[";
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k > 0) line += ',';
        line += std::to_string(ids[k]);
      }
      line += "],\"score\":" + std::to_string(v.inbound_anomaly_score) +
              ",\"status\":" + std::to_string(v.interrupted ? v.status : 200) + "}\n";
      if (pass == 0 && out.is_open()) out << line;
      else discard.assign(line);
      req_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r0).count());
    }
    pass_secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::fprintf(stderr, "keikai waf-eval: %s\n",
               FillTemplate(Tr("msg.waf_prefiltered"), {{"{n}", std::to_string(set.value()->prefiltered_rules())},
                                                {"{of}", std::to_string(set.value()->regex_rules())}}).c_str());
  std::fprintf(stderr, "keikai waf-eval: %s\n",
               FillTemplate(Tr("msg.waf_summary"),
                    {{"{rules}", std::to_string(set.value()->rule_count())},
                     {"{load}", Fixed(load_s, 2)},
                     {"{requests}", std::to_string(done)},
                     {"{secs}", Fixed(secs, 3)},
                     {"{rate}", Fixed(secs > 0 ? static_cast<double>(done) / secs : 0.0, 0)},
                     {"{rss}", Fixed(PeakRssMb(), 1)}}).c_str());
  for (std::size_t p = 0; p < pass_secs.size(); ++p) {
    std::fprintf(stderr, "keikai waf-eval: pass %zu: %s req/s\n", p + 1,
                 Fixed(pass_secs[p] > 0 ? static_cast<double>(reqs.size()) / pass_secs[p] : 0.0, 1).c_str());
  }
  if (!req_ms.empty()) {
    std::vector<double> sorted = req_ms;
    std::sort(sorted.begin(), sorted.end());
    std::fprintf(stderr, "keikai waf-eval: per request ms: max %s p99 %s median %s\n",
                 Fixed(sorted.back(), 3).c_str(), Fixed(sorted[sorted.size() * 99 / 100], 3).c_str(),
                 Fixed(sorted[sorted.size() / 2], 3).c_str());
  }
  if (pass_secs.size() > 1 && req_ms.size() >= reqs.size() && !reqs.empty()) {
    // The last pass alone: the steady state, after every first-use cost (PCRE2 JIT).
    std::vector<double> last(req_ms.end() - static_cast<std::ptrdiff_t>(reqs.size()), req_ms.end());
    std::sort(last.begin(), last.end());
    std::fprintf(stderr, "keikai waf-eval: last pass per request ms: max %s p99 %s median %s\n",
                 Fixed(last.back(), 3).c_str(), Fixed(last[last.size() * 99 / 100], 3).c_str(),
                 Fixed(last[last.size() / 2], 3).c_str());
  }
  if (over_budget > 0) {
    std::fprintf(stderr, "keikai waf-eval: %s\n",
                 FillTemplate(Tr("msg.waf_over_budget"), {{"{n}", std::to_string(over_budget)}}).c_str());
  }
  return 0;
}

}  // namespace

struct RulesCommandArgs {
  CrsTestArgs crs;
  WafEvalArgs waf;
};

RulesCommands AddRulesCommands(CLI::App& app) {
  RulesCommands c;
  c.args = std::make_shared<RulesCommandArgs>();
  CrsTestArgs& crs = c.args->crs;
  WafEvalArgs& waf = c.args->waf;
  c.crs_test = app.add_subcommand("crs-test", Tr("cmd.crs_test"));
  c.crs_test->add_option("--rules", crs.rules, Tr("opt.rules"))->required();
  c.crs_test->add_option("--tests", crs.tests, Tr("opt.crs_tests"))->required();
  c.crs_test->add_option("--overrides", crs.overrides, Tr("opt.crs_overrides"));
  c.crs_test->add_option("--only", crs.only, Tr("opt.crs_only"));
  c.crs_test->add_flag("--verbose", crs.verbose, Tr("opt.crs_verbose"));
  c.crs_test->add_option("--max-failures", crs.max_failures, Tr("opt.crs_max_failures"));
  c.waf_eval = app.add_subcommand("waf-eval", Tr("cmd.waf_eval"));
  c.waf_eval->add_option("--rules", waf.rules, Tr("opt.rules"))->required();
  c.waf_eval->add_option("--requests", waf.requests, Tr("opt.waf_requests"))->required();
  c.waf_eval->add_option("--out", waf.out, Tr("opt.waf_out"));
  c.waf_eval->add_option("--repeat", waf.repeat, Tr("opt.waf_repeat"))->check(CLI::Range(1, 1000));
  c.waf_eval->add_flag("--prefilter", waf.prefilter, Tr("opt.prefilter"));
  c.waf_eval->add_option("--budget-ms", waf.budget_ms, Tr("opt.waf_budget"))->check(CLI::Range(0, 600000));
  return c;
}

int RunRulesCommands(const RulesCommands& c) {
  if (c.crs_test != nullptr && c.crs_test->parsed()) return RunCrsTest(c.args->crs);
  if (c.waf_eval != nullptr && c.waf_eval->parsed()) return RunWafEval(c.args->waf);
  return -1;
}

}  // namespace keikai::cli
