#pragma once
// The SecLang rule engine: runs ModSecurity rule sets -- OWASP CRS 3.3 and 4.x unmodified --
// over requests and reports which rules matched, the anomaly score and whether the rule set
// asked to interrupt the request.
//
// RuleSet::Load parses and compiles rule files once (operators, transformation chains, chains,
// markers, removals and target updates applied in file order). A RuleSet is immutable after
// loading and may be shared by any number of threads; each thread evaluates requests with its
// own Evaluator (scratch space for operators and the per-request collections).
//
// Evaluation follows ModSecurity's request phases: phase 1 (request headers), the request-body
// processor (URLENCODED, MULTIPART, JSON, XML; chosen by Content-Type or ctl:requestBodyProcessor),
// then phase 2 (request body); phases 3 to 5 only when the caller has the response.
// Everything a rule can do to the transaction is supported as CRS uses it: TX variables and
// setvar with %{...} macros, chain, skipAfter/skip, capture, multiMatch, ctl (rule and target
// removal, engine mode, body processor), msg/logdata/tag/severity, block/pass/deny/drop/allow.
// Anomaly scoring and paranoia levels are not engine features: CRS implements them in its own
// rules, which run here as written.
//
// Bounded: regexes carry match limits (see operator.h), bodies are cut at the configured limit
// (SecRequestBodyLimit / SecRequestBodyNoFilesLimit, with REQBODY_ERROR set as ModSecurity does),
// argument counts are limited (SecArgumentsLimit). No input can make evaluation unbounded.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/full_request.h"

namespace keikai::rules {

struct EngineOptions {
  // Extra SecLang text evaluated before the rule files (e.g. the test setup's SecAction).
  std::string prelude;
  // Extra SecLang text evaluated after the rule files.
  std::string postlude;
  uint32_t match_limit = 100000;  // PCRE2 match limit per regex match (SecPcreMatchLimit)
  uint32_t depth_limit = 10000;   // (SecPcreMatchLimitRecursion)
  // Time one Evaluate may spend running operators, in microseconds (0 = no limit, as in
  // ModSecurity). Past it no further operator runs (those rules do not match) and the verdict
  // says budget_exceeded: a few hostile requests cannot hold a scan or a server for minutes.
  uint32_t request_budget_us = 0;
  // The monotonic clock the budget is measured with, in nanoseconds (null = CLOCK_MONOTONIC);
  // tests give a fake one so that the budget is tested without depending on speed.
  int64_t (*monotonic_ns)() = nullptr;
  // The Vectorscan prefilter: regexes of rules sharing a transformation chain are scanned in
  // one pass per value, and PCRE2 runs only for the rules whose prefilter matched. Off by
  // default: on CRS it costs more than it saves (docs/rules-engine.md has the measurement).
  bool prefilter = false;
  // Where compiled Vectorscan databases (@pm phrase lists, the prefilter) are kept between runs
  // ("" = compile every time).
  std::string cache_dir;
};

struct RuleMatch {
  int id = 0;
  int phase = 0;
  bool logged = true;        // false for nolog rules
  std::string msg;           // macro-expanded
  std::string data;          // logdata, macro-expanded
  std::string severity;      // "CRITICAL", ... or "" if none
  std::vector<std::string> tags;
  std::string matched_var_name;  // e.g. "ARGS:id"
  std::string matched_var;       // the value that matched (after transformations), cut to 200 bytes
};

struct Verdict {
  std::vector<RuleMatch> matches;   // in evaluation order
  int inbound_anomaly_score = 0;    // TX:blocking_inbound_anomaly_score (CRS 4) or
                                    // TX:anomaly_score (CRS 3), 0 if the rule set sets neither
  bool interrupted = false;         // a disruptive action fired with SecRuleEngine On
  int status = 0;                   // its status (403 by default) when interrupted
  int interrupting_rule = 0;
  bool limit_hit = false;           // some regex hit its match limit (treated as no match)
  bool budget_exceeded = false;     // the time budget ran out: later operators did not run
  bool body_error = false;          // REQBODY_ERROR
  std::string body_error_message;

  // Unique ids of logged matches, sorted.
  std::vector<int> LoggedIds() const;
};

class RuleSet {
 public:
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Loads rule files (Include globs followed) and compiles them. Errors name file and line.
  static Result<std::shared_ptr<const RuleSet>> Load(const std::vector<std::string>& files,
                                                     const EngineOptions& options = {});
  // The same from SecLang text (tests, embedded configs). base_dir resolves @pmFromFile.
  static Result<std::shared_ptr<const RuleSet>> FromText(std::string_view text,
                                                         const std::string& base_dir,
                                                         const EngineOptions& options = {});

  std::size_t rule_count() const;  // rules after removals (chains count once)
  const EngineOptions& options() const;  // as loaded (SecPcreMatchLimit etc. applied)
  // Regex rules (chain links included), and how many of them the prefilter covers.
  std::size_t regex_rules() const;
  std::size_t prefiltered_rules() const;
  // Directives parsed but not applied by keikai ("file:line Name"), for the user to see.
  const std::vector<std::string>& not_applicable() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Per-thread evaluation state. Reuse one for many requests.
class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const RuleSet> rules);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Request phases 1 and 2. With a response, also phases 3 (response headers), 4 (response
  // body, when SecResponseBodyAccess is On and its MIME type is listed) and 5 (logging).
  Verdict Evaluate(const http::FullRequest& request, const http::FullResponse* response = nullptr);

  struct State;  // defined in evaluate.cc

 private:
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<State> state_;
};

// Where Debian's modsecurity-crs package puts the rules (its setup is in /etc/modsecurity/crs).
inline constexpr const char* kDebianCrsDir = "/usr/share/modsecurity-crs";

// The SecLang an engine needs before CRS, as ModSecurity's recommended configuration sets it:
// rule engine on, request body access, body limits, and the JSON/XML body-processor rules.
std::string EngineBaseConfig();

// Loads an OWASP CRS installation for log scanning and live requests: `dir` is a CRS 4 tree
// (crs-setup.conf.example or crs-setup.conf, rules/), Debian's /usr/share/modsecurity-crs
// (setup in /etc/modsecurity/crs), or "debian" for the latter. The engine runs in DetectionOnly mode with ModSecurity's
// recommended body settings, at the given paranoia level (1-4).
// for_logs: requests rebuilt from log lines lack most headers, so CRS's protocol rules
// (tag attack-protocol, 920/921) would only judge the rebuilding; they are removed.
// Regexes get ModSecurity's recommended limits (SecPcreMatchLimit 1000, recursion 1000), and
// each evaluation the time budget request_budget_us (EngineOptions; 0 = none).
Result<std::shared_ptr<const RuleSet>> LoadCrs(const std::string& dir, int paranoia_level,
                                               const std::string& cache_dir = "",
                                               bool for_logs = false,
                                               uint32_t request_budget_us = 0);

}  // namespace keikai::rules
