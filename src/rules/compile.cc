// RuleSet::Load: turns parsed SecLang directives into the engine's rules, in file order, the way
// ModSecurity applies them: SecDefaultAction sets the defaults of rules that follow in its phase;
// SecRuleRemove* and SecRuleUpdate* change rules defined before them; SecMarker places a marker
// in every phase; a rule with `chain` takes the following SecRule as its next link.
#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "engine_internal.h"
#include "keikai/core/ascii.h"
#include "keikai/core/files.h"
#include "keikai/core/hash.h"

namespace keikai::rules {

using namespace internal;

namespace {

constexpr const char* kSeverityNames[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR",
                                          "WARNING", "NOTICE", "INFO", "DEBUG"};

// The persistent collections setvar can write ("tx", "ip", ... lower-cased).
Var CollectionVar(std::string_view lower) {
  if (lower == "tx") return Var::kTx;
  if (lower == "ip") return Var::kIp;
  if (lower == "global") return Var::kGlobal;
  if (lower == "session") return Var::kSession;
  if (lower == "user") return Var::kUser;
  if (lower == "resource") return Var::kResource;
  return Var::kCount;
}

std::string Where(const Directive& d) { return d.file + ":" + std::to_string(d.line); }

constexpr VarInfo kVars[] = {
    {"ARGS", Var::kArgs, true},
    {"ARGS_GET", Var::kArgsGet, true},
    {"ARGS_POST", Var::kArgsPost, true},
    {"ARGS_NAMES", Var::kArgsNames, true},
    {"ARGS_GET_NAMES", Var::kArgsGetNames, true},
    {"ARGS_POST_NAMES", Var::kArgsPostNames, true},
    {"ARGS_COMBINED_SIZE", Var::kArgsCombinedSize, false},
    {"REQUEST_HEADERS", Var::kRequestHeaders, true},
    {"REQUEST_HEADERS_NAMES", Var::kRequestHeadersNames, true},
    {"REQUEST_COOKIES", Var::kRequestCookies, true},
    {"REQUEST_COOKIES_NAMES", Var::kRequestCookiesNames, true},
    {"FILES", Var::kFiles, true},
    {"FILES_NAMES", Var::kFilesNames, true},
    {"FILES_SIZES", Var::kFilesSizes, true},
    {"FILES_COMBINED_SIZE", Var::kFilesCombinedSize, false},
    {"FILES_TMPNAMES", Var::kFilesTmpNames, true},
    {"MULTIPART_PART_HEADERS", Var::kMultipartPartHeaders, true},
    {"MULTIPART_FILENAME", Var::kMultipartFilename, false},
    {"MULTIPART_NAME", Var::kMultipartName, false},
    {"MULTIPART_STRICT_ERROR", Var::kMultipartStrictError, false},
    {"MULTIPART_UNMATCHED_BOUNDARY", Var::kMultipartUnmatchedBoundary, false},
    {"MULTIPART_BOUNDARY_QUOTED", Var::kMultipartBoundaryQuoted, false},
    {"MULTIPART_BOUNDARY_WHITESPACE", Var::kMultipartBoundaryWhitespace, false},
    {"MULTIPART_DATA_BEFORE", Var::kMultipartDataBefore, false},
    {"MULTIPART_DATA_AFTER", Var::kMultipartDataAfter, false},
    {"MULTIPART_HEADER_FOLDING", Var::kMultipartHeaderFolding, false},
    {"MULTIPART_LF_LINE", Var::kMultipartLfLine, false},
    {"MULTIPART_CRLF_LF_LINES", Var::kMultipartCrlfLfLines, false},
    {"MULTIPART_MISSING_SEMICOLON", Var::kMultipartMissingSemicolon, false},
    {"MULTIPART_INVALID_QUOTING", Var::kMultipartInvalidQuoting, false},
    {"MULTIPART_INVALID_PART", Var::kMultipartInvalidPart, false},
    {"MULTIPART_INVALID_HEADER_FOLDING", Var::kMultipartInvalidHeaderFolding, false},
    {"MULTIPART_FILE_LIMIT_EXCEEDED", Var::kMultipartFileLimitExceeded, false},
    {"TX", Var::kTx, true},
    {"XML", Var::kXml, true},
    {"MATCHED_VAR", Var::kMatchedVar, false},
    {"MATCHED_VAR_NAME", Var::kMatchedVarName, false},
    {"MATCHED_VARS", Var::kMatchedVars, true},
    {"MATCHED_VARS_NAMES", Var::kMatchedVarsNames, true},
    {"IP", Var::kIp, true},
    {"GLOBAL", Var::kGlobal, true},
    {"SESSION", Var::kSession, true},
    {"USER", Var::kUser, true},
    {"RESOURCE", Var::kResource, true},
    {"ENV", Var::kEnv, true},
    {"GEO", Var::kGeo, true},
    {"REQUEST_FILENAME", Var::kRequestFilename, false},
    {"REQUEST_BASENAME", Var::kRequestBasename, false},
    {"REQUEST_URI", Var::kRequestUri, false},
    {"REQUEST_URI_RAW", Var::kRequestUriRaw, false},
    {"REQUEST_LINE", Var::kRequestLine, false},
    {"REQUEST_METHOD", Var::kRequestMethod, false},
    {"REQUEST_PROTOCOL", Var::kRequestProtocol, false},
    {"QUERY_STRING", Var::kQueryString, false},
    {"REQUEST_BODY", Var::kRequestBody, false},
    {"REQUEST_BODY_LENGTH", Var::kRequestBodyLength, false},
    {"FULL_REQUEST", Var::kFullRequest, false},
    {"FULL_REQUEST_LENGTH", Var::kFullRequestLength, false},
    {"REMOTE_ADDR", Var::kRemoteAddr, false},
    {"REMOTE_PORT", Var::kRemotePort, false},
    {"REMOTE_HOST", Var::kRemoteHost, false},
    {"REMOTE_USER", Var::kRemoteUser, false},
    {"SERVER_ADDR", Var::kServerAddr, false},
    {"SERVER_PORT", Var::kServerPort, false},
    {"SERVER_NAME", Var::kServerName, false},
    {"UNIQUE_ID", Var::kUniqueId, false},
    {"REQBODY_PROCESSOR", Var::kReqbodyProcessor, false},
    {"REQBODY_ERROR", Var::kReqbodyError, false},
    {"REQBODY_ERROR_MSG", Var::kReqbodyErrorMsg, false},
    {"REQBODY_PROCESSOR_ERROR", Var::kReqbodyProcessorError, false},
    {"REQBODY_PROCESSOR_ERROR_MSG", Var::kReqbodyProcessorErrorMsg, false},
    {"INBOUND_DATA_ERROR", Var::kInboundDataError, false},
    {"URLENCODED_ERROR", Var::kUrlencodedError, false},
    {"HIGHEST_SEVERITY", Var::kHighestSeverity, false},
    {"DURATION", Var::kDuration, false},
    {"TIME", Var::kTime, false},
    {"TIME_EPOCH", Var::kTimeEpoch, false},
    {"AUTH_TYPE", Var::kAuthType, false},
    {"PATH_INFO", Var::kPathInfo, false},
    {"MSC_PCRE_LIMITS_EXCEEDED", Var::kMscPcreLimitsExceeded, false},
    {"WEBSERVER_ERROR_LOG", Var::kWebserverErrorLog, true},
    {"STATUS_LINE", Var::kStatusLine, false},
    {"RESPONSE_BODY", Var::kResponseBody, false},
    {"RESPONSE_HEADERS", Var::kResponseHeaders, true},
    {"RESPONSE_HEADERS_NAMES", Var::kResponseHeadersNames, true},
    {"RESPONSE_STATUS", Var::kResponseStatus, false},
    {"RESPONSE_PROTOCOL", Var::kResponseProtocol, false},
    {"RESPONSE_CONTENT_TYPE", Var::kResponseContentType, false},
    {"RESPONSE_CONTENT_LENGTH", Var::kResponseContentLength, false},
    {"OUTBOUND_DATA_ERROR", Var::kOutboundDataError, false},
};

struct Compiler {
  RuleSet::Impl& set;
  PhaseDefaults defaults[6];
  std::map<std::vector<TransformFn>, int> chains;
  // Regex selectors by text: the compiled regex, and for those used on TX its Target::key_rx_slot.
  struct KeyRegex {
    std::shared_ptr<CompiledOperator> rx;
    int slot = -1;
  };
  std::map<std::string, KeyRegex> key_regexes;
  int tx_key_regex_slots = 0;
  Rule* open_chain = nullptr;  // the last link of a chain that expects another rule
  int open_chain_phase = 0;

  int Phase(std::string_view v) {
    const std::string l = Lower(v);
    if (l == "request") return 2;
    if (l == "response") return 4;
    if (l == "logging") return 5;
    const int p = std::atoi(l.c_str());
    return p >= 1 && p <= 5 ? p : 0;
  }

  Result<Target> CompileTarget(const Variable& v, const Directive& d) {
    const VarInfo* info = FindVar(Upper(v.name));
    if (info == nullptr) {
      return Status::Error("rules", Where(d) + ": unknown variable " + v.name);
    }
    Target t;
    t.var = info->var;
    t.count = v.count;
    t.exclude = v.exclude;
    t.collection = info->collection;
    if (v.selector_regex) {
      // One compiled regex per selector text: CRS repeats !REQUEST_COOKIES:/__utm/ in dozens of
      // rules, and the evaluator's per-request answers are keyed by the compiled regex.
      KeyRegex& kr = key_regexes[v.selector];
      if (!kr.rx) {
        Operator op;
        op.name = "rx";
        op.argument = "(?i)" + v.selector;
        OperatorOptions oo;
        auto c = CompileOperator(op, oo);
        if (!c.ok()) return Status::Error("rules", Where(d) + ": selector /" + v.selector + "/: " +
                                                       c.status().message());
        kr.rx = std::shared_ptr<CompiledOperator>(std::move(c).value());
      }
      // Slots are for selectors on TX only: the evaluator keeps answers in TX entries.
      if (t.var == Var::kTx && kr.slot < 0 && tx_key_regex_slots < kKeyRxSlots) {
        kr.slot = tx_key_regex_slots++;
      }
      t.key_rx = kr.rx;
      t.key_rx_text = v.selector;
      t.key_rx_slot = t.var == Var::kTx ? kr.slot : -1;
    } else {
      t.key = Lower(v.selector);
    }
    return t;
  }

  Status CompileCtl(std::string_view value, const Directive& d, Ctl& c) {
    const std::size_t eq = value.find('=');
    const std::string name = Lower(value.substr(0, eq));
    std::string arg = eq == std::string_view::npos ? std::string() : std::string(value.substr(eq + 1));
    c.value = arg;
    if (name == "ruleremovebyid") {
      c.kind = Ctl::kRuleRemoveById;
      c.ids = ParseIdRanges(c.value);
    } else if (name == "ruleremovebytag") {
      c.kind = Ctl::kRuleRemoveByTag;
    } else if (name == "ruleremovetargetbyid" || name == "ruleremovetargetbytag") {
      c.kind = name == "ruleremovetargetbyid" ? Ctl::kRuleRemoveTargetById : Ctl::kRuleRemoveTargetByTag;
      const std::size_t semi = arg.find(';');
      if (semi == std::string::npos) {
        return Status::Error("rules", Where(d) + ": ctl:" + std::string(value) + " needs ID;TARGET");
      }
      c.value = arg.substr(0, semi);
      if (c.kind == Ctl::kRuleRemoveTargetById) c.ids = ParseIdRanges(c.value);
      auto vars = ParseVariables(arg.substr(semi + 1));
      if (!vars.ok()) return Status::Error("rules", Where(d) + ": " + vars.status().message());
      for (const Variable& v : vars.value()) {
        auto t = CompileTarget(v, d);
        if (!t.ok()) return t.status();
        c.targets.push_back(std::move(t).value());
      }
    } else if (name == "ruleengine") {
      c.kind = Ctl::kRuleEngine;
      c.value = Lower(arg);
    } else if (name == "requestbodyprocessor") {
      c.kind = Ctl::kRequestBodyProcessor;
      c.value = Upper(arg);
    } else if (name == "forcerequestbodyvariable") {
      c.kind = Ctl::kForceRequestBodyVariable;
      c.value = Lower(arg);
    } else if (name == "requestbodyaccess") {
      c.kind = Ctl::kRequestBodyAccess;
      c.value = Lower(arg);
    } else {
      c.kind = Ctl::kIgnored;  // auditEngine, auditLogParts, debugLogLevel: logging only
    }
    return Status::Ok();
  }

  Status ParseSetVar(std::string_view v, SetVar& s) {
    if (!v.empty() && v[0] == '!') {
      s.unset = true;
      v.remove_prefix(1);
    }
    const std::size_t dot = v.find('.');
    if (dot == std::string_view::npos) return Status::Error("rules", "setvar:" + std::string(v) + " has no collection");
    s.collection = CollectionVar(Lower(v.substr(0, dot)));
    std::string_view rest = v.substr(dot + 1);
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) {
      s.name = std::string(rest);
      s.name_has_macro = HasMacro(s.name);
      if (!s.name_has_macro) s.name = Lower(s.name);
      return Status::Ok();
    }
    s.name = std::string(rest.substr(0, eq));
    s.name_has_macro = HasMacro(s.name);
    if (!s.name_has_macro) s.name = Lower(s.name);
    std::string_view val = rest.substr(eq + 1);
    s.has_value = true;
    if (!val.empty() && (val[0] == '+' || val[0] == '-')) {
      s.op = val[0];
      val.remove_prefix(1);
    }
    s.value = std::string(val);
    s.value_has_macro = HasMacro(s.value);
    if (val.size() > 6 && val.substr(0, 5) == "%{tx." && val.back() == '}' &&
        val.find_first_of("%}", 5) == val.size() - 1) {
      s.value_tx_ref = Lower(val.substr(5, val.size() - 6));
    }
    return Status::Ok();
  }

  static int SeverityNumber(const std::string& s) {
    if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) return std::atoi(s.c_str());
    const std::string u = Upper(s);
    for (int i = 0; i < 8; ++i) {
      if (u == kSeverityNames[i]) return i;
    }
    return -1;
  }

  Status ApplyActions(const Directive& d, const std::vector<Action>& actions, Rule& r) {
    for (const Action& a : actions) {
      const std::string& n = a.name;
      if (n == "id") {
        r.id = std::atoi(a.value.c_str());
      } else if (n == "phase") {
        const int p = Phase(a.value);
        if (p == 0) return Status::Error("rules", Where(d) + ": bad phase " + a.value);
        r.phase = p;
      } else if (n == "t") {
        if (Lower(a.value) == "none") {
          r.transforms.clear();
          continue;
        }
        const TransformInfo* t = FindTransformation(a.value);
        if (t == nullptr) return Status::Error("rules", Where(d) + ": unknown transformation t:" + a.value);
        r.transforms.push_back(t->fn);
      } else if (n == "msg") {
        r.msg = a.value;
      } else if (n == "logdata") {
        r.logdata = a.value;
      } else if (n == "tag") {
        r.tags.push_back(a.value);
      } else if (n == "severity") {
        r.severity_num = SeverityNumber(a.value);
        r.severity = r.severity_num >= 0 && r.severity_num < 8 ? kSeverityNames[r.severity_num] : a.value;
      } else if (n == "chain") {
        // handled by the caller
      } else if (n == "capture") {
        r.capture = true;
      } else if (n == "multimatch") {
        r.multi_match = true;
      } else if (n == "log") {
        r.log = true;
      } else if (n == "nolog") {
        r.log = false;
      } else if (n == "setvar") {
        SetVar s;
        Status st = ParseSetVar(a.value, s);
        if (!st.ok()) return Status::Error("rules", Where(d) + ": " + st.message());
        r.setvars.push_back(std::move(s));
      } else if (n == "ctl") {
        Ctl c;
        Status st = CompileCtl(a.value, d, c);
        if (!st.ok()) return st;
        r.ctls.push_back(std::move(c));
      } else if (n == "skipafter") {
        r.skip_after = a.value;
      } else if (n == "skip") {
        r.skip = std::max(0, std::atoi(a.value.c_str()));
      } else if (n == "status") {
        r.status = std::atoi(a.value.c_str());
      } else if (n == "pass") {
        r.disruptive = Disruptive::kPass;
      } else if (n == "block") {
        r.disruptive = Disruptive::kBlock;
      } else if (n == "deny") {
        r.disruptive = Disruptive::kDeny;
      } else if (n == "drop") {
        r.disruptive = Disruptive::kDrop;
      } else if (n == "allow") {
        r.disruptive = Disruptive::kAllow;
      } else if (n == "redirect" || n == "proxy") {
        r.disruptive = Disruptive::kRedirect;
      }
      // Everything else (rev, ver, maturity, accuracy, auditlog, noauditlog, expirevar,
      // initcol, setenv, setuid, setsid, sanitise*, exec, xmlns, append, prepend) concerns
      // logging, persistent storage or response handling; exec never runs anything here.
    }
    return Status::Ok();
  }

  int InternChain(const std::vector<TransformFn>& t) {
    if (t.empty()) return 0;
    auto [it, inserted] = chains.emplace(t, static_cast<int>(chains.size()) + 1);
    return it->second;
  }

  // Interns the chain and each of its prefixes, so that evaluation can reuse the result of a
  // shared prefix (t:utf8toUnicode,t:urlDecodeUni is the start of most CRS chains).
  void SetChain(Rule& r) {
    r.transform_chain = InternChain(r.transforms);
    r.transform_prefixes.clear();
    std::vector<TransformFn> prefix;
    for (TransformFn fn : r.transforms) {
      prefix.push_back(fn);
      r.transform_prefixes.push_back(InternChain(prefix));
    }
  }

  Result<Rule> BuildRule(const Directive& d, bool chained_link) {
    Rule r;
    r.file = d.file;
    r.line = d.line;
    // The phase decides which defaults apply, so find it first.
    int phase = 2;
    if (const Action* p = d.Find("phase")) {
      phase = Phase(p->value);
      if (phase == 0) return Status::Error("rules", Where(d) + ": bad phase " + p->value);
    }
    if (chained_link) phase = open_chain_phase;
    r.phase = phase;
    r.log = defaults[phase].log;
    r.transforms = defaults[phase].transforms;
    Status st = ApplyActions(d, d.actions, r);
    if (!st.ok()) return st;
    if (chained_link) r.phase = open_chain_phase;
    // A rule without a disruptive action, or with `block`, takes its phase's default.
    if (r.disruptive == Disruptive::kNone || r.disruptive == Disruptive::kBlock) {
      r.disruptive = defaults[r.phase].disruptive;
    }
    if (r.status == 0) r.status = defaults[r.phase].status;
    SetChain(r);
    if (d.kind == Kind::kAction) {
      r.is_action = true;
      return r;
    }
    for (const Variable& v : d.variables) {
      auto t = CompileTarget(v, d);
      if (!t.ok()) return t.status();
      r.targets.push_back(std::move(t).value());
    }
    OperatorOptions oo;
    oo.base_dir = std::filesystem::path(d.file).parent_path().string();
    oo.match_limit = set.options.match_limit;
    oo.depth_limit = set.options.depth_limit;
    oo.cache_dir = set.options.cache_dir;
    Operator op = d.op;
    op.name = Lower(op.name);
    auto c = CompileOperator(op, oo);
    if (!c.ok()) {
      return Status::Error("rules", Where(d) + ": " + c.status().message());
    }
    r.op = std::shared_ptr<CompiledOperator>(std::move(c).value());
    r.byte_filter = op.negated ? nullptr : r.op->byte_filter();
    r.op_name = op.name;
    r.op_arg = op.argument;
    r.op_negated = op.negated;
    return r;
  }

  void AddStep(int phase, Step s) { set.phases[phase].push_back(std::move(s)); }

  // Applies f to every already defined rule (chain starters) matched by sel.
  template <typename Sel, typename F>
  void ForRules(Sel sel, F f) {
    for (Rule& r : set.rules) {
      if (!r.removed && sel(r)) f(r);
    }
  }

  // SecRuleRemove* and SecRuleUpdateTarget* apply to every rule of the set, wherever they
  // stand, as in libmodsecurity 3 (which keeps them as exceptions checked at run time).
  std::vector<Directive> exceptions;

  Status AddDirective(const Directive& d) {
    if (d.kind == Kind::kRemoveById || d.kind == Kind::kRemoveByTag ||
        d.kind == Kind::kRemoveByMsg || d.kind == Kind::kUpdateTargetById ||
        d.kind == Kind::kUpdateTargetByTag || d.kind == Kind::kUpdateTargetByMsg) {
      if (open_chain != nullptr) {
        return Status::Error("rules", Where(d) + ": " + d.name + " inside an unfinished chain");
      }
      exceptions.push_back(d);
      return Status::Ok();
    }
    return Apply(d);
  }

  Status Apply(const Directive& d) {
    switch (d.kind) {
      case Kind::kRule:
      case Kind::kAction: {
        const bool link = open_chain != nullptr && d.kind == Kind::kRule;
        auto r = BuildRule(d, link);
        if (!r.ok()) return r.status();
        Rule rule = std::move(r).value();
        const bool wants_chain = d.Find("chain") != nullptr;
        if (link) {
          open_chain->chain.push_back(std::move(rule));
          if (!wants_chain) open_chain = nullptr;  // the chain ends with this link
          return Status::Ok();
        }
        if (open_chain != nullptr) {
          return Status::Error("rules", Where(d) + ": a chain must continue with SecRule");
        }
        if (rule.id == 0) return Status::Error("rules", Where(d) + ": rule without id");
        set.rules.push_back(std::move(rule));
        const int idx = static_cast<int>(set.rules.size()) - 1;
        AddStep(set.rules.back().phase, Step{idx, {}});
        if (wants_chain) {
          open_chain = &set.rules.back();
          open_chain_phase = set.rules.back().phase;
        }
        return Status::Ok();
      }
      default:
        break;
    }
    if (open_chain != nullptr) {
      return Status::Error("rules", Where(d) + ": " + d.name + " inside an unfinished chain");
    }
    switch (d.kind) {
      case Kind::kMarker:
        for (int p = 1; p <= 5; ++p) {
          set.phases[p].push_back(Step{-1, d.args[0]});
        }
        return Status::Ok();
      case Kind::kDefaultAction: {
        const Action* p = d.Find("phase");
        if (p == nullptr) return Status::Error("rules", Where(d) + ": SecDefaultAction needs a phase");
        const int phase = Phase(p->value);
        if (phase == 0) return Status::Error("rules", Where(d) + ": bad phase " + p->value);
        PhaseDefaults& def = defaults[phase];
        for (const Action& a : d.actions) {
          if (a.name == "pass") def.disruptive = Disruptive::kPass;
          else if (a.name == "block") def.disruptive = Disruptive::kBlock;
          else if (a.name == "deny") def.disruptive = Disruptive::kDeny;
          else if (a.name == "drop") def.disruptive = Disruptive::kDrop;
          else if (a.name == "log") def.log = true;
          else if (a.name == "nolog") def.log = false;
          else if (a.name == "status") def.status = std::atoi(a.value.c_str());
          else if (a.name == "t") {
            if (Lower(a.value) == "none") {
              def.transforms.clear();
            } else if (const TransformInfo* t = FindTransformation(a.value)) {
              def.transforms.push_back(t->fn);
            } else {
              return Status::Error("rules", Where(d) + ": unknown transformation t:" + a.value);
            }
          }
        }
        return Status::Ok();
      }
      case Kind::kRemoveById: {
        std::vector<IdRange> ranges;
        for (const std::string& a : d.args) {
          for (const IdRange& r : ParseIdRanges(a)) ranges.push_back(r);
        }
        ForRules([&](const Rule& r) {
          return InRanges(ranges, r.id);
        }, [](Rule& r) { r.removed = true; });
        return Status::Ok();
      }
      case Kind::kRemoveByTag:
      case Kind::kRemoveByMsg: {
        const bool by_tag = d.kind == Kind::kRemoveByTag;
        for (const std::string& a : d.args) {
          ForRules([&](const Rule& r) {
            if (by_tag) return std::find(r.tags.begin(), r.tags.end(), a) != r.tags.end();
            return r.msg == a;
          }, [](Rule& r) { r.removed = true; });
        }
        return Status::Ok();
      }
      case Kind::kUpdateTargetById:
      case Kind::kUpdateTargetByTag:
      case Kind::kUpdateTargetByMsg: {
        std::vector<Target> targets;
        for (const Variable& v : d.variables) {
          auto t = CompileTarget(v, d);
          if (!t.ok()) return t.status();
          targets.push_back(std::move(t).value());
        }
        const std::vector<IdRange> ranges =
            d.kind == Kind::kUpdateTargetById ? ParseIdRanges(d.args[0]) : std::vector<IdRange>{};
        ForRules([&](const Rule& r) {
          if (d.kind == Kind::kUpdateTargetById) {
            return InRanges(ranges, r.id);
          }
          if (d.kind == Kind::kUpdateTargetByTag) {
            return std::find(r.tags.begin(), r.tags.end(), d.args[0]) != r.tags.end();
          }
          return r.msg == d.args[0];
        }, [&](Rule& r) {
          for (const Target& t : targets) r.targets.push_back(t);
        });
        return Status::Ok();
      }
      case Kind::kUpdateActionById: {
        const std::vector<IdRange> ranges = ParseIdRanges(d.args[0]);
        Status st;
        ForRules([&](const Rule& r) {
          return InRanges(ranges, r.id);
        }, [&](Rule& r) {
          // Replacing actions: disruptive, msg, tags and setvars take the new values.
          const int phase = r.phase;
          Rule tmp;
          st = ApplyActions(d, d.actions, tmp);
          if (tmp.disruptive != Disruptive::kNone) r.disruptive = tmp.disruptive;
          if (!tmp.msg.empty()) r.msg = tmp.msg;
          if (!tmp.logdata.empty()) r.logdata = tmp.logdata;
          if (!tmp.tags.empty()) r.tags = tmp.tags;
          if (!tmp.setvars.empty()) r.setvars = tmp.setvars;
          if (tmp.status != 0) r.status = tmp.status;
          if (!tmp.transforms.empty()) {
            r.transforms = tmp.transforms;
            SetChain(r);
          }
          r.phase = phase;
        });
        return st;
      }
      case Kind::kSetting: {
        const std::string n = Lower(d.name);
        const std::string v = Lower(d.args[0]);
        auto size = [&](std::size_t& out) -> Status {
          char* end = nullptr;
          const unsigned long long x = std::strtoull(d.args[0].c_str(), &end, 10);
          if (end == d.args[0].c_str() || *end != '\0') {
            return Status::Error("rules", Where(d) + ": " + d.name + " needs a number, not " + d.args[0]);
          }
          out = static_cast<std::size_t>(x);
          return Status::Ok();
        };
        if (n == "secruleengine") {
          if (v == "on") set.mode = EngineMode::kOn;
          else if (v == "off") set.mode = EngineMode::kOff;
          else if (v == "detectiononly") set.mode = EngineMode::kDetectionOnly;
          else return Status::Error("rules", Where(d) + ": SecRuleEngine takes On, Off or DetectionOnly");
        } else if (n == "secrequestbodyaccess") {
          set.body_access = v == "on";
        } else if (n == "secrequestbodylimit") {
          return size(set.body_limit);
        } else if (n == "secrequestbodynofileslimit") {
          return size(set.body_no_files_limit);
        } else if (n == "secrequestbodylimitaction") {
          set.body_limit_reject = v == "reject";
        } else if (n == "secargumentslimit") {
          return size(set.args_limit);
        } else if (n == "secrequestbodyjsondepthlimit") {
          return size(set.json_depth_limit);
        } else if (n == "secresponsebodyaccess") {
          set.response_body_access = v == "on";
        } else if (n == "secresponsebodymimetype") {
          set.response_mime_types.clear();
          for (const std::string& a : d.args) {
            std::size_t i = 0;
            while (i < a.size()) {
              std::size_t j = a.find(' ', i);
              if (j == std::string::npos) j = a.size();
              if (j > i) set.response_mime_types.push_back(Lower(a.substr(i, j - i)));
              i = j + 1;
            }
          }
        } else if (n == "secresponsebodylimit") {
          return size(set.response_body_limit);
        } else if (n == "secpcrematchlimit" || n == "secpcrematchlimitrecursion") {
          // Like ModSecurity: the limits of the regexes compiled after it.
          std::size_t x = 0;
          Status st = size(x);
          if (!st.ok()) return st;
          const auto lim = static_cast<uint32_t>(std::clamp<std::size_t>(x, 1, UINT32_MAX));
          if (n == "secpcrematchlimit") set.options.match_limit = lim;
          else set.options.depth_limit = lim;
        }
        return Status::Ok();  // SecRequestBodyInMemoryLimit etc.: memory tuning, nothing to do
      }
      case Kind::kComponentSignature:
      case Kind::kNotApplicable:
      default:
        return Status::Ok();
    }
  }

  static void HashNames(Rule& r) {
    for (Target& t : r.targets) t.key_hash = FastHash64(t.key);
    for (SetVar& sv : r.setvars) {
      if (!sv.name_has_macro) sv.name_hash = FastHash64(sv.name);
      if (!sv.value_tx_ref.empty()) sv.value_tx_ref_hash = FastHash64(sv.value_tx_ref);
    }
    for (Rule& link : r.chain) HashNames(link);
  }

  // See Step::SkipWhenEmpty. Only the chain starter matters: without a candidate it fails and
  // the chain is not evaluated.
  static void MarkSkippable(Step& st, const Rule& r) {
    if (r.is_action) return;
    uint64_t vars[2] = {0, 0};
    for (const Target& t : r.targets) {
      if (t.exclude) continue;
      if (!StableRequestTarget(t)) return;  // (a count yields a candidate "0" even when empty)
      const auto v = static_cast<std::size_t>(t.var);
      vars[v / 64] |= uint64_t{1} << (v % 64);
    }
    st.vars[0] = vars[0];
    st.vars[1] = vars[1];
  }

  Status Finish() {
    if (open_chain != nullptr) {
      return Status::Error("rules", "the last rule (id " + std::to_string(open_chain->id) +
                                        ") asks for a chain that never follows");
    }
    for (const Directive& d : exceptions) {
      Status st = Apply(d);
      if (!st.ok()) return st;
    }
    for (int p = 1; p <= 5; ++p) {
      auto& steps = set.phases[p];
      steps.erase(std::remove_if(steps.begin(), steps.end(),
                                 [&](const Step& s) { return s.rule >= 0 && set.rules[s.rule].removed; }),
                  steps.end());
      std::map<std::string, std::size_t> marker_pos;  // marker name -> step index after it
      for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].rule < 0) marker_pos.emplace(steps[i].marker, i + 1);
      }
      for (Step& st : steps) {
        if (st.rule < 0) continue;
        HashNames(set.rules[static_cast<std::size_t>(st.rule)]);
        MarkSkippable(st, set.rules[static_cast<std::size_t>(st.rule)]);
        const Rule& r = set.rules[static_cast<std::size_t>(st.rule)];
        const std::string* skip_after = &r.skip_after;
        for (const Rule& link : r.chain) {
          if (skip_after->empty()) skip_after = &link.skip_after;
        }
        if (skip_after->empty()) continue;
        auto it = marker_pos.find(*skip_after);
        st.has_skip_after = true;
        st.skip_to = it == marker_pos.end() ? steps.size() : it->second;
      }
    }
    set.transform_chains = static_cast<int>(chains.size());
    auto reads_matched = [](const Rule& r) {
      for (const Target& t : r.targets) {
        if (t.var == Var::kMatchedVars || t.var == Var::kMatchedVarsNames) return true;
      }
      auto in = [](const std::string& x) {
        return x.find("MATCHED_VARS") != std::string::npos || x.find("matched_vars") != std::string::npos;
      };
      if (in(r.msg) || in(r.logdata) || in(r.op_arg)) return true;
      for (const SetVar& sv : r.setvars) {
        if (in(sv.name) || in(sv.value)) return true;
      }
      return false;
    };
    // Target signatures (see Rule::target_sig).
    std::map<std::string, int> sigs;
    auto sign = [&](Rule& r) {
      if (r.is_action || r.targets.empty()) return;
      std::string key;
      for (const Target& t : r.targets) {
        if (!StableRequestTarget(t)) return;  // never shared
        key += std::to_string(static_cast<int>(t.var)) + (t.exclude ? "!" : "") + ":" +
               (t.key_rx ? "/" + t.key_rx_text + "/" : t.key) + "|";
      }
      r.target_sig = sigs.emplace(key, static_cast<int>(sigs.size()) + 1).first->second;
    };
    for (Rule& r : set.rules) {
      sign(r);
      for (Rule& link : r.chain) sign(link);
    }
    for (Rule& r : set.rules) {
      r.needs_matched_vars = reads_matched(r);
      for (const Rule& link : r.chain) r.needs_matched_vars = r.needs_matched_vars || reads_matched(link);
    }
    return Status::Ok();
  }
};

Result<std::shared_ptr<const RuleSet>> Build(ParseResult parsed, const EngineOptions& options,
                                             std::unique_ptr<RuleSet::Impl> impl,
                                             RuleSet* (*make)(std::unique_ptr<RuleSet::Impl>)) {
  impl->options = options;
  Compiler c{*impl, {}, {}, {}, {}, nullptr, 0, {}};
  auto add_text = [&](const std::string& text, const char* name) -> Status {
    if (text.empty()) return Status::Ok();
    auto p = ParseText(text, name);
    if (!p.ok()) return p.status();
    for (const Directive& d : p.value().directives) {
      Status st = c.AddDirective(d);
      if (!st.ok()) return st;
    }
    return Status::Ok();
  };
  Status st = add_text(options.prelude, "(prelude)");
  if (!st.ok()) return st;
  for (const Directive& d : parsed.directives) {
    st = c.AddDirective(d);
    if (!st.ok()) return st;
  }
  st = add_text(options.postlude, "(postlude)");
  if (!st.ok()) return st;
  st = c.Finish();
  if (!st.ok()) return st;
  impl->not_applicable = std::move(parsed.not_applicable);
  if (options.prefilter) {
    st = BuildPrefilters(*impl, options.cache_dir);
    if (!st.ok()) return st;
  }
  // The rule engine's cache families coexist (one database per phrase list, per rule group):
  // they are pruned by age once per load (see PruneOlderThan), not on every store.
  if (!options.cache_dir.empty()) {
    PruneOlderThan(options.cache_dir, "rules-pm-", kCacheMaxAgeDays);
    PruneOlderThan(options.cache_dir, "rules-prefilter-", kCacheMaxAgeDays);
  }
  for (const Rule& r : impl->rules) {
    if (r.removed) continue;
    impl->regex_rules += r.op_name == "rx" ? 1 : 0;
    for (const Rule& link : r.chain) impl->regex_rules += link.op_name == "rx" ? 1 : 0;
    if (r.op_name == "rbl" || r.op_name == "geolookup") {
      impl->not_applicable.push_back(r.file + ":" + std::to_string(r.line) + " rule " +
                                     std::to_string(r.id) + " @" + r.op_name +
                                     " (needs a network or GeoIP lookup; never matches)");
    }
  }
  return std::shared_ptr<const RuleSet>(make(std::move(impl)));
}

}  // namespace

namespace internal {

const VarInfo* FindVar(std::string_view upper_name) {
  // Hashed once: macros name variables on every expansion.
  static const auto index = [] {
    std::unordered_map<std::string_view, const VarInfo*> m;
    for (const VarInfo& v : kVars) m.emplace(v.name, &v);
    return m;
  }();
  auto it = index.find(upper_name);
  return it == index.end() ? nullptr : it->second;
}

std::string_view VarName(Var v) {
  // Indexed once: the evaluator names a variable on every match.
  static const auto names = [] {
    std::array<std::string_view, kVarCount> n{};
    n.fill("?");
    for (const VarInfo& i : kVars) n[static_cast<std::size_t>(i.var)] = i.name;
    return n;
  }();
  const auto k = static_cast<std::size_t>(v);
  return k < kVarCount ? names[k] : std::string_view("?");
}

std::vector<IdRange> ParseIdRanges(std::string_view s) {
  std::vector<IdRange> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t' || s[i] == '"' || s[i] == '\'')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '\t') ++j;
    const std::string tok(s.substr(i, j - i));
    i = j;
    if (tok.empty()) continue;
    const std::size_t dash = tok.find('-', 1);
    IdRange r;
    r.lo = std::atoi(tok.c_str());
    r.hi = dash == std::string::npos ? r.lo : std::atoi(tok.c_str() + dash + 1);
    if (r.hi < r.lo) std::swap(r.lo, r.hi);
    out.push_back(r);
  }
  return out;
}

}  // namespace internal

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

Result<std::shared_ptr<const RuleSet>> RuleSet::Load(const std::vector<std::string>& files,
                                                     const EngineOptions& options) {
  auto parsed = LoadFiles(files);
  if (!parsed.ok()) return parsed.status();
  return Build(std::move(parsed).value(), options, std::make_unique<Impl>(),
               [](std::unique_ptr<Impl> i) { return new RuleSet(std::move(i)); });
}

Result<std::shared_ptr<const RuleSet>> RuleSet::FromText(std::string_view text,
                                                         const std::string& base_dir,
                                                         const EngineOptions& options) {
  auto parsed = ParseText(text, base_dir.empty() ? std::string("(text)") : base_dir + "/(text)");
  if (!parsed.ok()) return parsed.status();
  return Build(std::move(parsed).value(), options, std::make_unique<Impl>(),
               [](std::unique_ptr<Impl> i) { return new RuleSet(std::move(i)); });
}

std::size_t RuleSet::rule_count() const {
  std::size_t n = 0;
  for (const internal::Rule& r : impl_->rules) n += r.removed ? 0 : 1;
  return n;
}

const std::vector<std::string>& RuleSet::not_applicable() const { return impl_->not_applicable; }
const EngineOptions& RuleSet::options() const { return impl_->options; }
std::size_t RuleSet::regex_rules() const { return impl_->regex_rules; }
std::size_t RuleSet::prefiltered_rules() const { return impl_->prefiltered_rules; }

}  // namespace keikai::rules
