#define PCRE2_CODE_UNIT_WIDTH 8
#include "keikai/rules/operator.h"

#include <hs/hs.h>
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/hs_cache.h"
#include "keikai/core/ascii.h"
#include "keikai/core/hash.h"
#include "keikai/http/ip.h"
#include "keikai/rules/injection.h"

namespace keikai::rules {

struct OperatorScratch {
  pcre2_match_data* md = nullptr;
  pcre2_match_context* mctx = nullptr;
  pcre2_jit_stack* jit = nullptr;
  hs_scratch_t* hs = nullptr;
  std::unordered_set<const void*> hs_ready;  // databases this scratch has been sized for
  // MacroRegexOp's regex per operator, with the text it was compiled from: the expansion
  // (a TX value) is the same on most requests, so it is compiled again only when it changes.
  struct MacroRegex {
    std::string text;
    std::unique_ptr<CompiledOperator> rx;
  };
  std::unordered_map<const void*, MacroRegex> macro_rx;
  uint32_t match_limit = 0, depth_limit = 0;  // the limits mctx holds now
  ~OperatorScratch() {
    if (md != nullptr) pcre2_match_data_free(md);
    if (mctx != nullptr) pcre2_match_context_free(mctx);
    if (jit != nullptr) pcre2_jit_stack_free(jit);
    if (hs != nullptr) hs_free_scratch(hs);
  }
};

std::unique_ptr<OperatorScratch, void (*)(OperatorScratch*)> NewOperatorScratch() {
  auto* s = new OperatorScratch();
  s->md = pcre2_match_data_create(32, nullptr);
  s->mctx = pcre2_match_context_create(nullptr);
  s->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
  pcre2_jit_stack_assign(s->mctx, nullptr, s->jit);
  return {s, [](OperatorScratch* p) { delete p; }};
}

namespace {

constexpr std::string_view kNames[] = {
    "rx", "pm", "pmf", "pmfromfile", "streq", "eq", "ge", "gt", "lt", "le", "beginswith",
    "endswith", "contains", "containsword", "within", "ipmatch", "ipmatchf", "ipmatchfromfile",
    "validatebyterange", "validateurlencoding", "validateutf8encoding", "unconditionalmatch",
    "nomatch", "detectsqli", "detectxss", "rbl", "geolookup"};

std::string Arg(const std::string& arg, const MacroExpander& expand) {
  return HasMacro(arg) && expand ? expand(arg) : arg;
}

class RegexOp : public CompiledOperator {
 public:
  ~RegexOp() override {
    if (code_ != nullptr) pcre2_code_free(code_);
  }
  Status Init(const std::string& pattern, const OperatorOptions& opt) {
    int err = 0;
    PCRE2_SIZE off = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                          PCRE2_DOTALL | PCRE2_MULTILINE, &err, &off, nullptr);
    if (code_ == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      return Status::Error("regex", std::string(reinterpret_cast<char*>(msg)) + " in /" + pattern + "/",
                           off);
    }
    match_limit_ = opt.match_limit;
    depth_limit_ = opt.depth_limit;
    InitFilter();
    return Status::Ok();
  }
  const ByteFilter* byte_filter() const override { return filter_used_ ? &filter_ : nullptr; }
  MatchResult Match(std::string_view v, const MacroExpander&, OperatorScratch& s,
                    bool want_captures) const override {
    MatchResult r;
    if (s.match_limit != match_limit_ || s.depth_limit != depth_limit_) {
      pcre2_set_match_limit(s.mctx, match_limit_);
      pcre2_set_depth_limit(s.mctx, depth_limit_);
      s.match_limit = match_limit_;
      s.depth_limit = depth_limit_;
    }
    // JIT-compiled on first use, not at load: most of a rule set's patterns are never run in a
    // process (the prefilter and byte filters reject their values), and JIT compilation of all
    // of CRS 4 costs more than a short log scan's evaluations. call_once: one rule set serves
    // the evaluators of several threads.
    std::call_once(jit_once_, [this] { jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0; });
    // pcre2_jit_match skips pcre2_match's argument checks and dispatch: it is called thousands
    // of times per request.
    const int rc = jit_ ? pcre2_jit_match(code_, reinterpret_cast<PCRE2_SPTR>(v.data()), v.size(), 0, 0,
                                          s.md, s.mctx)
                        : pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(v.data()), v.size(), 0, 0,
                                      s.md, s.mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      r.limit_hit = true;
      return r;
    }
    if (rc < 0) return r;
    r.matched = true;
    if (want_captures) {
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.md);
      const int n = rc == 0 ? 32 : std::min(rc, 10);
      for (int i = 0; i < n && i < 10; ++i) {
        const PCRE2_SIZE a = ov[2 * i], b = ov[2 * i + 1];
        r.captures.emplace_back(a == PCRE2_UNSET || b < a ? std::string() : std::string(v.substr(a, b - a)));
      }
    }
    return r;
  }

 private:
  static void AddBothCases(uint64_t (&set)[4], uint32_t byte) {
    const char c = static_cast<char>(byte);
    for (uint32_t b : {byte, uint32_t{static_cast<unsigned char>(FoldLower(c))},
                       uint32_t{static_cast<unsigned char>(FoldUpper(c))}}) {
      set[b / 64] |= uint64_t{1} << (b % 64);
    }
  }
  // From PCRE2's own study of the pattern (see ByteFilter). Whether its first or last code unit
  // is caseless is not exposed, so both cases are taken: a larger set only filters less.
  void InitFilter() {
    uint32_t min_len = 0, first_type = 0, last_type = 0, unit = 0;
    const uint8_t* bitmap = nullptr;
    if (pcre2_pattern_info(code_, PCRE2_INFO_MINLENGTH, &min_len) == 0) filter_.min_length = min_len;
    if (pcre2_pattern_info(code_, PCRE2_INFO_FIRSTCODETYPE, &first_type) == 0 && first_type == 1 &&
        pcre2_pattern_info(code_, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 && unit < 256) {
      filter_.has_first = true;
      AddBothCases(filter_.first, unit);
    } else if (pcre2_pattern_info(code_, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 && bitmap != nullptr) {
      filter_.has_first = true;
      for (uint32_t b = 0; b < 256; ++b) {
        if (bitmap[b / 8] & (1u << (b % 8))) filter_.first[b / 64] |= uint64_t{1} << (b % 64);
      }
    }
    if (pcre2_pattern_info(code_, PCRE2_INFO_LASTCODETYPE, &last_type) == 0 && last_type == 1 &&
        pcre2_pattern_info(code_, PCRE2_INFO_LASTCODEUNIT, &unit) == 0 && unit < 256) {
      filter_.has_required = true;
      AddBothCases(filter_.required, unit);
    }
    filter_used_ = filter_.min_length > 0 || filter_.has_first || filter_.has_required;
  }

  pcre2_code* code_ = nullptr;
  mutable std::once_flag jit_once_;
  mutable bool jit_ = false;
  uint32_t match_limit_ = 0, depth_limit_ = 0;
  ByteFilter filter_;
  bool filter_used_ = false;
};

// A regex whose text holds macros (CRS 3: "!@rx ^%{tx.allowed_request_content_type}$") is
// compiled at match time from the expanded text; such rules are few and run once per request.
class MacroRegexOp : public CompiledOperator {
 public:
  MacroRegexOp(std::string pattern, const OperatorOptions& opt) : pattern_(std::move(pattern)), opt_(opt) {}
  MatchResult Match(std::string_view v, const MacroExpander& expand, OperatorScratch& s,
                    bool want_captures) const override {
    OperatorScratch::MacroRegex& m = s.macro_rx[this];
    std::string text = Arg(pattern_, expand);
    if (m.rx == nullptr || m.text != text) {
      auto r = std::make_unique<RegexOp>();
      m.rx.reset();
      if (!r->Init(text, opt_).ok()) return {};
      m.rx = std::move(r);
      m.text = std::move(text);
    }
    return m.rx->Match(v, expand, s, want_captures);
  }

 private:
  std::string pattern_;
  OperatorOptions opt_;
};

// @detectSQLi / @detectXSS: keikai's own tokenizer-based detectors (injection.h). With capture,
// TX.0 receives the fingerprint, as libinjection-based engines do.
class InjectionOp : public CompiledOperator {
 public:
  explicit InjectionOp(bool sqli) : sqli_(sqli) {}
  MatchResult Match(std::string_view v, const MacroExpander&, OperatorScratch&,
                    bool want_captures) const override {
    InjectionResult d = sqli_ ? DetectSqli(v) : DetectXss(v);
    MatchResult r;
    r.matched = d.detected;
    if (d.detected && want_captures) r.captures.push_back(std::move(d.fingerprint));
    return r;
  }

 private:
  bool sqli_;
};

class PhraseOp : public CompiledOperator {
 public:
  // With cache_dir, the compiled database is kept on disk by a hash of the phrases, flags and
  // library version: compiling CRS 4's phrase lists takes ~0.4 s, which every start paid.
  Status Init(std::vector<std::string> phrases, const std::string& cache_dir) {
    phrases_ = std::move(phrases);
    phrases_.erase(std::remove(phrases_.begin(), phrases_.end(), std::string()), phrases_.end());
    if (phrases_.empty()) return Status::Error("operator", "phrase list is empty");
    std::vector<const char*> ptrs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < phrases_.size(); ++i) {
      ptrs.push_back(phrases_[i].data());
      lens.push_back(phrases_[i].size());
      flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
      ids.push_back(static_cast<unsigned>(i));
    }
    uint64_t key = Fnv1a64(std::string(hs_version()) + " pm caseless singlematch block");
    for (const std::string& p : phrases_) key = Fnv1a64(p, Fnv1a64(std::string_view("\0", 1), key));
    const std::string path = CachedDatabasePath(cache_dir, "rules-pm-", key);
    if (!path.empty()) {
      db_.reset(LoadCachedDatabase(path));
      if (db_ != nullptr) return Status::Ok();
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(),
                             static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK, nullptr, &db,
                             &err) != HS_SUCCESS) {
      std::string m = err != nullptr && err->message != nullptr ? err->message : "?";
      hs_free_compile_error(err);
      return Status::Error("operator", "cannot compile phrase list: " + m);
    }
    db_.reset(db);
    if (!path.empty()) StoreCachedDatabase(cache_dir, path, db_.get());
    return Status::Ok();
  }
  MatchResult Match(std::string_view v, const MacroExpander&, OperatorScratch& s,
                    bool want_captures) const override {
    MatchResult r;
    if (s.hs_ready.insert(db_.get()).second) hs_alloc_scratch(db_.get(), &s.hs);
    struct Ctx {
      int id = -1;
    } ctx;
    hs_scan(db_.get(), v.data(), static_cast<unsigned>(std::min<std::size_t>(v.size(), 1u << 30)), 0,
            s.hs,
            [](unsigned id, unsigned long long, unsigned long long, unsigned, void* p) -> int {
              static_cast<Ctx*>(p)->id = static_cast<int>(id);
              return 1;  // stop at the first phrase
            },
            &ctx);
    if (ctx.id >= 0) {
      r.matched = true;
      if (want_captures) r.captures.push_back(phrases_[static_cast<std::size_t>(ctx.id)]);
    }
    return r;
  }

 private:
  HsDatabasePtr db_;
  std::vector<std::string> phrases_;
};

enum class Cmp { kStreq, kEq, kGe, kGt, kLt, kLe, kBegins, kEnds, kContains, kWord, kWithin };

class CompareOp : public CompiledOperator {
 public:
  CompareOp(Cmp c, std::string arg)
      : c_(c), arg_(std::move(arg)), macro_(HasMacro(arg_)), arg_int_(LeadingInt(arg_)) {}
  MatchResult Match(std::string_view v, const MacroExpander& expand, OperatorScratch&,
                    bool want_captures) const override {
    // The argument is expanded only when it holds a macro (CRS's "@lt 1" runs hundreds of
    // times per request; copying it each time showed in profiles).
    std::string expanded;
    if (macro_ && expand) expanded = expand(arg_);
    const bool expanding = macro_ && expand;
    const std::string_view a = expanding ? std::string_view(expanded) : std::string_view(arg_);
    const int64_t n = expanding ? LeadingInt(a) : arg_int_;  // for the numeric comparisons
    bool m = false;
    switch (c_) {
      case Cmp::kStreq: m = v == a; break;
      case Cmp::kEq: m = LeadingInt(v) == n; break;
      case Cmp::kGe: m = LeadingInt(v) >= n; break;
      case Cmp::kGt: m = LeadingInt(v) > n; break;
      case Cmp::kLt: m = LeadingInt(v) < n; break;
      case Cmp::kLe: m = LeadingInt(v) <= n; break;
      case Cmp::kBegins: m = v.size() >= a.size() && v.compare(0, a.size(), a) == 0; break;
      case Cmp::kEnds:
        m = v.size() >= a.size() && v.compare(v.size() - a.size(), a.size(), a) == 0;
        break;
      case Cmp::kContains: m = v.find(a) != std::string_view::npos; break;
      case Cmp::kWord: {
        const auto word = [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
        };
        for (std::size_t p = v.find(a); !a.empty() && p != std::string_view::npos; p = v.find(a, p + 1)) {
          const bool left = p == 0 || !word(v[p - 1]);
          const bool right = p + a.size() == v.size() || !word(v[p + a.size()]);
          if (left && right) {
            m = true;
            break;
          }
        }
        break;
      }
      case Cmp::kWithin: m = a.find(v) != std::string_view::npos; break;
    }
    MatchResult r;
    r.matched = m;
    if (m && want_captures) r.captures.emplace_back(v);
    return r;
  }

 private:
  Cmp c_;
  std::string arg_;
  bool macro_ = false;
  int64_t arg_int_ = 0;  // LeadingInt(arg_), for an argument without macros
};

class IpMatchOp : public CompiledOperator {
 public:
  Status Add(std::string_view item) {
    http::IpPrefix p;
    if (!http::IpPrefix::Parse(item, p)) {
      return Status::Error("operator", "not an address or CIDR: '" + std::string(item) + "'");
    }
    prefixes_.push_back(p);
    return Status::Ok();
  }
  MatchResult Match(std::string_view v, const MacroExpander&, OperatorScratch&, bool) const override {
    MatchResult r;
    http::IpAddr a;
    if (!http::IpAddr::Parse(v, a)) return r;
    r.matched = std::any_of(prefixes_.begin(), prefixes_.end(),
                            [&](const http::IpPrefix& p) { return p.Contains(a); });
    return r;
  }

 private:
  std::vector<http::IpPrefix> prefixes_;
};

enum class Validate { kByteRange, kUrlEncoding, kUtf8 };

class ValidateOp : public CompiledOperator {
 public:
  explicit ValidateOp(Validate k) : k_(k) {}
  Status SetRanges(std::string_view spec) {
    // "1-255" or "32-126,9,10,13": the bytes that are allowed.
    std::size_t pos = 0;
    while (pos < spec.size()) {
      std::size_t comma = spec.find(',', pos);
      if (comma == std::string_view::npos) comma = spec.size();
      std::string item(spec.substr(pos, comma - pos));
      item.erase(std::remove_if(item.begin(), item.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }), item.end());
      if (!item.empty()) {
        const std::size_t dash = item.find('-');
        const int lo = std::atoi(item.substr(0, dash).c_str());
        const int hi = dash == std::string::npos ? lo : std::atoi(item.substr(dash + 1).c_str());
        if (lo < 0 || hi > 255 || lo > hi) {
          return Status::Error("operator", "bad byte range '" + item + "'");
        }
        for (int b = lo; b <= hi; ++b) allowed_[static_cast<std::size_t>(b)] = true;
      }
      pos = comma + 1;
    }
    return Status::Ok();
  }
  MatchResult Match(std::string_view v, const MacroExpander&, OperatorScratch&, bool) const override {
    MatchResult r;  // "matched" means: the value violates the rule
    switch (k_) {
      case Validate::kByteRange:
        for (char ch : v) {
          if (!allowed_[static_cast<unsigned char>(ch)]) {
            r.matched = true;
            break;
          }
        }
        break;
      case Validate::kUrlEncoding:
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (v[i] != '%') continue;
          if (i + 2 >= v.size() || !std::isxdigit(static_cast<unsigned char>(v[i + 1])) ||
              !std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
            r.matched = true;
            break;
          }
          i += 2;
        }
        break;
      case Validate::kUtf8:
        for (std::size_t i = 0; i < v.size();) {
          const auto c = static_cast<unsigned char>(v[i]);
          std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
          bool ok = n > 0 && i + n <= v.size();
          uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
          for (std::size_t k = 1; ok && k < n; ++k) {
            const auto cc = static_cast<unsigned char>(v[i + k]);
            ok = (cc & 0xc0) == 0x80;
            cp = cp << 6 | (cc & 0x3f);
          }
          // Overlong forms and code points beyond U+10FFFF are invalid too.
          ok = ok && !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) &&
               !(n == 4 && (cp < 0x10000 || cp > 0x10ffff));
          if (!ok) {
            r.matched = true;
            break;
          }
          i += n;
        }
        break;
    }
    return r;
  }

 private:
  Validate k_;
  std::array<bool, 256> allowed_{};
};

class ConstOp : public CompiledOperator {
 public:
  explicit ConstOp(bool v) : v_(v) {}
  MatchResult Match(std::string_view, const MacroExpander&, OperatorScratch&, bool) const override {
    MatchResult r;
    r.matched = v_;
    return r;
  }

 private:
  bool v_;
};

Result<std::vector<std::string>> ReadListFiles(const std::string& args, const std::string& base) {
  std::vector<std::string> items;
  std::size_t pos = 0;
  while (pos < args.size()) {
    while (pos < args.size() && args[pos] == ' ') ++pos;
    std::size_t sp = args.find(' ', pos);
    if (sp == std::string::npos) sp = args.size();
    if (sp > pos) {
      std::string f = args.substr(pos, sp - pos);
      if (f.rfind("http://", 0) == 0 || f.rfind("https://", 0) == 0) {
        return Status::Error("operator", "remote list " + f + " is not fetched (no network)");
      }
      if (f[0] != '/' && !base.empty()) f = base + "/" + f;
      std::ifstream in(f);
      if (!in) return Status::Error("operator", "cannot read list file " + f);
      std::string line;
      while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        items.push_back(line);
      }
    }
    pos = sp;
  }
  return items;
}

std::vector<std::string> SplitSpaces(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
    std::size_t e = pos;
    while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e]))) ++e;
    if (e > pos) out.push_back(s.substr(pos, e - pos));
    pos = e;
  }
  return out;
}

}  // namespace

std::span<const std::string_view> OperatorNames() { return kNames; }

Result<std::unique_ptr<CompiledOperator>> CompileOperator(const Operator& op,
                                                          const OperatorOptions& opt) {
  const std::string& n = op.name;
  const std::string& a = op.argument;
  if (n == "rx" && HasMacro(a)) {
    return std::unique_ptr<CompiledOperator>(std::make_unique<MacroRegexOp>(a, opt));
  }
  if (n == "detectsqli" || n == "detectxss") {
    return std::unique_ptr<CompiledOperator>(std::make_unique<InjectionOp>(n == "detectsqli"));
  }
  // @rbl needs DNS and @geoLookup a GeoIP database; keikai's rule engine never makes network
  // calls per request. They load (so CRS loads unmodified) and never match; RuleSet lists every
  // such rule as not applicable so the user sees it.
  if (n == "rbl" || n == "geolookup") return std::unique_ptr<CompiledOperator>(std::make_unique<ConstOp>(false));
  if (n == "rx") {
    auto r = std::make_unique<RegexOp>();
    Status st = r->Init(a, opt);
    if (!st.ok()) return st;
    return std::unique_ptr<CompiledOperator>(std::move(r));
  }
  if (n == "pm" || n == "pmf" || n == "pmfromfile") {
    std::vector<std::string> phrases;
    if (n == "pm") {
      phrases = SplitSpaces(a);
    } else {
      auto items = ReadListFiles(a, opt.base_dir);
      if (!items.ok()) return items.status();
      phrases = std::move(items).value();
    }
    auto p = std::make_unique<PhraseOp>();
    Status st = p->Init(std::move(phrases), opt.cache_dir);
    if (!st.ok()) return st;
    return std::unique_ptr<CompiledOperator>(std::move(p));
  }
  struct C {
    std::string_view name;
    Cmp cmp;
  };
  static constexpr C kCmp[] = {{"streq", Cmp::kStreq}, {"eq", Cmp::kEq}, {"ge", Cmp::kGe},
                               {"gt", Cmp::kGt}, {"lt", Cmp::kLt}, {"le", Cmp::kLe},
                               {"beginswith", Cmp::kBegins}, {"endswith", Cmp::kEnds},
                               {"contains", Cmp::kContains}, {"containsword", Cmp::kWord},
                               {"within", Cmp::kWithin}};
  for (const C& c : kCmp) {
    if (c.name == n) return std::unique_ptr<CompiledOperator>(std::make_unique<CompareOp>(c.cmp, a));
  }
  if (n == "ipmatch" || n == "ipmatchf" || n == "ipmatchfromfile") {
    auto ip = std::make_unique<IpMatchOp>();
    std::vector<std::string> items;
    if (n == "ipmatch") {
      std::string s = a;
      std::replace(s.begin(), s.end(), ',', ' ');
      items = SplitSpaces(s);
    } else {
      auto r = ReadListFiles(a, opt.base_dir);
      if (!r.ok()) return r.status();
      items = std::move(r).value();
    }
    for (const std::string& it : items) {
      Status st = ip->Add(it);
      if (!st.ok()) return st;
    }
    return std::unique_ptr<CompiledOperator>(std::move(ip));
  }
  if (n == "validatebyterange") {
    auto v = std::make_unique<ValidateOp>(Validate::kByteRange);
    Status st = v->SetRanges(a);
    if (!st.ok()) return st;
    return std::unique_ptr<CompiledOperator>(std::move(v));
  }
  if (n == "validateurlencoding") {
    return std::unique_ptr<CompiledOperator>(std::make_unique<ValidateOp>(Validate::kUrlEncoding));
  }
  if (n == "validateutf8encoding") {
    return std::unique_ptr<CompiledOperator>(std::make_unique<ValidateOp>(Validate::kUtf8));
  }
  if (n == "unconditionalmatch") return std::unique_ptr<CompiledOperator>(std::make_unique<ConstOp>(true));
  if (n == "nomatch") return std::unique_ptr<CompiledOperator>(std::make_unique<ConstOp>(false));
  return Status::Error("operator", "@" + n + " is not implemented");
}

}  // namespace keikai::rules
