#pragma once
// Internal data of the rule engine, shared by compile.cc (RuleSet::Load) and evaluate.cc
// (Evaluator). Not part of the public API.

#include <hs/hs.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/hs_cache.h"
#include "keikai/rules/engine.h"
#include "keikai/rules/operator.h"
#include "keikai/rules/seclang.h"
#include "keikai/rules/transform.h"

namespace keikai::rules::internal {

// Every variable SecLang names. Scalars are collections of at most one entry with an empty key.
enum class Var : uint8_t {
  kArgs, kArgsGet, kArgsPost, kArgsNames, kArgsGetNames, kArgsPostNames, kArgsCombinedSize,
  kRequestHeaders, kRequestHeadersNames, kRequestCookies, kRequestCookiesNames,
  kFiles, kFilesNames, kFilesSizes, kFilesCombinedSize, kFilesTmpNames,
  kMultipartPartHeaders, kMultipartFilename, kMultipartName,
  kMultipartStrictError, kMultipartUnmatchedBoundary, kMultipartBoundaryQuoted,
  kMultipartBoundaryWhitespace, kMultipartDataBefore, kMultipartDataAfter,
  kMultipartHeaderFolding, kMultipartLfLine, kMultipartCrlfLfLines, kMultipartMissingSemicolon,
  kMultipartInvalidQuoting, kMultipartInvalidPart, kMultipartInvalidHeaderFolding,
  kMultipartFileLimitExceeded,
  kTx, kXml, kMatchedVar, kMatchedVarName, kMatchedVars, kMatchedVarsNames,
  kIp, kGlobal, kSession, kUser, kResource, kEnv, kGeo,
  kRequestFilename, kRequestBasename, kRequestUri, kRequestUriRaw, kRequestLine,
  kRequestMethod, kRequestProtocol, kQueryString, kRequestBody, kRequestBodyLength,
  kFullRequest, kFullRequestLength,
  kRemoteAddr, kRemotePort, kRemoteHost, kRemoteUser, kServerAddr, kServerPort, kServerName,
  kUniqueId, kReqbodyProcessor, kReqbodyError, kReqbodyErrorMsg, kReqbodyProcessorError,
  kReqbodyProcessorErrorMsg, kInboundDataError, kUrlencodedError, kHighestSeverity,
  kDuration, kTime, kTimeEpoch, kAuthType, kPathInfo, kMscPcreLimitsExceeded,
  kWebserverErrorLog, kStatusLine,
  kResponseBody, kResponseHeaders, kResponseHeadersNames, kResponseStatus, kResponseProtocol,
  kResponseContentType, kResponseContentLength, kOutboundDataError,
  kCount  // number of variables; keep last
};
inline constexpr std::size_t kVarCount = static_cast<std::size_t>(Var::kCount);
static_assert(kVarCount <= 128, "Step::vars holds 128 variables");

// Variables that rules write while they run (setvar, capture, the matched-variable
// bookkeeping, HIGHEST_SEVERITY, the PCRE limit flag): their values are never cached or shared.
inline bool WrittenByRules(Var v) {
  switch (v) {
    case Var::kTx: case Var::kMatchedVar: case Var::kMatchedVarName: case Var::kMatchedVars:
    case Var::kMatchedVarsNames: case Var::kIp: case Var::kGlobal: case Var::kSession:
    case Var::kUser: case Var::kResource: case Var::kHighestSeverity:
    case Var::kMscPcreLimitsExceeded:
      return true;
    default:
      return false;
  }
}
// Variables a ctl action changes while rules run (ctl:requestBodyProcessor), or that the body
// processor fills between the phases.
inline bool ChangedByCtl(Var v) {
  return v == Var::kReqbodyProcessor || v == Var::kReqbodyError || v == Var::kReqbodyErrorMsg ||
         v == Var::kReqbodyProcessorError || v == Var::kReqbodyProcessorErrorMsg;
}

struct VarInfo {
  std::string_view name;
  Var var;
  bool collection;  // has keys (ARGS:name); scalars do not
};
const VarInfo* FindVar(std::string_view upper_name);
std::string_view VarName(Var v);

inline constexpr int kKeyRxSlots = 64;

struct Target {
  Var var = Var::kArgs;
  std::string key;                          // lower-cased selector, "" for the whole variable
  std::shared_ptr<CompiledOperator> key_rx; // regex selector (case-insensitive)
  std::string key_rx_text;                  // its text, for comparing exclusions
  bool count = false;
  bool exclude = false;
  bool collection = false;                  // the variable has keys (copied from its VarInfo)
  uint64_t key_hash = 0;                    // FastHash64(key), set when the rule set is built
  // The selector's number in its rule set (the first kKeyRxSlots selectors; else -1): TX
  // entries remember their answers by it (see the evaluator's Entry).
  int key_rx_slot = -1;
};

// A target whose entries cannot change while a phase runs: a request variable (not a count,
// nothing rules, ctl actions or the body processor write mid-phase; GEO and ENV kept out in case
// an operator ever fills them). Rules whose targets are all such share candidate lists
// (Rule::target_sig) and can be skipped when those variables are empty (Step::SkipWhenEmpty).
inline bool StableRequestTarget(const Target& t) {
  return !t.count && !WrittenByRules(t.var) && !ChangedByCtl(t.var) && t.var != Var::kGeo &&
         t.var != Var::kEnv;
}

enum class Disruptive : uint8_t { kNone, kPass, kBlock, kDeny, kDrop, kAllow, kRedirect };

struct SetVar {
  bool unset = false;
  Var collection = Var::kCount;  // TX, IP, GLOBAL, SESSION, USER, RESOURCE; kCount: none keikai keeps
  std::string name;        // may hold macros; lower-cased when it holds none
  char op = '=';           // '=', '+', '-'
  std::string value;       // may hold macros
  std::string value_tx_ref;  // when value is exactly "%{tx.name}": name, lower-cased
  bool has_value = false;
  bool name_has_macro = false, value_has_macro = false;
  // FastHash64 of name (when it holds no macro) and of value_tx_ref, set when the rule set is
  // built: TX is found by hash, and these names are looked up on every request.
  uint64_t name_hash = 0, value_tx_ref_hash = 0;
};

struct IdRange {
  int lo = 0, hi = 0;
  bool Contains(int id) const { return id >= lo && id <= hi; }
};
inline bool InRanges(const std::vector<IdRange>& ranges, int id) {
  for (const IdRange& r : ranges) {
    if (r.Contains(id)) return true;
  }
  return false;
}
// "942100", "942100-942199", several separated by spaces or commas.
std::vector<IdRange> ParseIdRanges(std::string_view s);

struct Ctl {
  enum Kind : uint8_t {
    kRuleRemoveById, kRuleRemoveByTag, kRuleRemoveTargetById, kRuleRemoveTargetByTag,
    kRuleEngine, kRequestBodyProcessor, kForceRequestBodyVariable, kRequestBodyAccess,
    kIgnored
  } kind = kIgnored;
  // Tag, processor name (upper case), or on/off/detectiononly (lower case).
  std::string value;
  std::vector<IdRange> ids;      // for ruleRemoveById / ruleRemoveTargetById
  std::vector<Target> targets;   // for ruleRemoveTarget*
};

struct Rule {
  int id = 0;
  int phase = 2;
  bool is_action = false;         // SecAction: matches without variables
  std::vector<Target> targets;    // inclusions and exclusions in order
  std::shared_ptr<CompiledOperator> op;
  const ByteFilter* byte_filter = nullptr;  // op->byte_filter(); none for a negated operator
  std::string op_name;
  std::string op_arg;             // the operator's argument as written
  bool op_negated = false;
  // Bit of this rule's regex in its transformation chain's prefilter database, -1 if the
  // regex is not prefiltered (then PCRE2 always runs).
  int pf_bit = -1;
  // Rules whose targets are identical (and read only request data, no TX or counts) share a
  // signature > 0, and with it one candidate list per request; 0 = resolved for each rule.
  int target_sig = 0;
  std::vector<TransformFn> transforms;
  int transform_chain = 0;        // interned id of the transformation chain (0 = none)
  std::vector<int> transform_prefixes;  // interned id of the chain's first 1, 2, ... steps
  bool multi_match = false;
  bool capture = false;
  bool log = true;
  Disruptive disruptive = Disruptive::kNone;  // kNone: the phase default applies
  int status = 0;
  std::string msg, logdata, severity;
  int severity_num = -1;
  std::vector<std::string> tags;
  std::vector<SetVar> setvars;
  std::vector<Ctl> ctls;
  std::string skip_after;
  int skip = 0;
  std::vector<Rule> chain;        // chained rules, evaluated in order after this one matches
  // Whether a link of this rule reads MATCHED_VARS or MATCHED_VARS_NAMES (which then must be
  // recorded as the rule matches; for other rules that bookkeeping is skipped).
  bool needs_matched_vars = false;
  bool removed = false;
  std::string file;
  int line = 0;
};

// A rule or a marker in a phase's evaluation order.
struct Step {
  int rule = -1;          // index into Impl::rules, or -1 for a marker
  std::string marker;
  // The rule's skipAfter (its own or its chain's first), resolved when the set is built: the
  // step index after that marker in this phase (the phase's end when the marker is missing).
  bool has_skip_after = false;
  std::size_t skip_to = 0;
  // The variables (bit per Var) of a rule whose targets are request variables only (no counts,
  // nothing rules or operators write while a phase runs); none for other rules. While every one
  // of them is empty the rule has no candidates, so it neither matches nor acts, and the
  // evaluator skips it without touching it.
  uint64_t vars[2] = {0, 0};
  bool SkipWhenEmpty(const uint64_t (&nonempty)[2]) const {
    return (vars[0] | vars[1]) != 0 && (vars[0] & nonempty[0]) == 0 && (vars[1] & nonempty[1]) == 0;
  }
};

struct PhaseDefaults {
  Disruptive disruptive = Disruptive::kPass;
  bool log = true;
  int status = 403;
  std::vector<TransformFn> transforms;
};

enum class EngineMode : uint8_t { kOn, kOff, kDetectionOnly };

// One transformation chain's prefilter: every eligible @rx of rules using that chain, compiled
// together in Vectorscan's prefilter mode (a superset of each regex's matches).
struct Prefilter {
  HsDatabasePtr db;
  int count = 0;  // patterns, i.e. bits
};

}  // namespace keikai::rules::internal

namespace keikai::rules {

struct RuleSet::Impl {
  std::vector<internal::Rule> rules;
  std::vector<internal::Step> phases[6];  // index 1..5
  internal::EngineMode mode = internal::EngineMode::kOn;
  bool body_access = false;
  std::size_t body_limit = 13107200;
  std::size_t body_no_files_limit = 131072;
  bool body_limit_reject = true;
  std::size_t args_limit = 1000;
  std::size_t json_depth_limit = 512;
  bool response_body_access = false;
  std::vector<std::string> response_mime_types{"text/plain", "text/html"};
  std::size_t response_body_limit = 524288;
  int transform_chains = 0;
  std::vector<std::unique_ptr<internal::Prefilter>> prefilters;  // by transformation chain id
  std::size_t regex_rules = 0, prefiltered_rules = 0;
  std::vector<std::string> not_applicable;
  EngineOptions options;
};

namespace internal {
// Builds RuleSet::Impl::prefilters and sets Rule::pf_bit (prefilter.cc). With cache_dir, compiled
// databases are kept there, keyed by a hash of their patterns and the Vectorscan version.
Status BuildPrefilters(RuleSet::Impl& set, const std::string& cache_dir);
}  // namespace internal

}  // namespace keikai::rules
