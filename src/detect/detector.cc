#include "keikai/detect/detector.h"

#include <hs/hs.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <functional>
#include <array>
#include <string>
#include <unordered_map>

#include "keikai/core/ascii.h"
#include "keikai/core/hash.h"
#include "keikai/core/span_memo.h"
#include "keikai/http/decode.h"
#include "core/hs_cache.h"

namespace keikai::detect {
namespace {

constexpr std::array<std::string_view, kClassCount> kClassNames = {
    "scanner", "bad-bot", "probe", "backdoor", "exploit", "lfi", "sqli", "xss", "rce", "crlf"};
constexpr std::array<std::string_view, static_cast<int>(Field::kCount)> kFieldNames = {
    "path", "query", "target", "raw_target", "user_agent"};

std::string EscapeRegex(std::string_view lit) {
  std::string out;
  out.reserve(lit.size() * 2);
  for (char c : lit) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80 || c == '_' || c == '-' || c == '/' || c == ' ' ||
        c == '=' || c == ',' || c == ':' || c == '@' || c == '%' || c == '<' || c == '>' ||
        c == '~' || c == '\'' || c == '"' || c == ';' || c == '&' || c == '!' || c == '`') {
      out += c;
    } else {
      // \xHH is unambiguous for every other byte (metacharacters, controls).
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

struct ScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

struct PatternRef {
  uint16_t detector;
  uint32_t pattern;
};

}  // namespace

std::string_view ClassName(AttackClass c) {
  const auto i = static_cast<std::size_t>(c);
  return i < kClassNames.size() ? kClassNames[i] : "unknown";
}

bool ParseClass(std::string_view name, AttackClass& out) {
  for (std::size_t i = 0; i < kClassNames.size(); ++i) {
    if (kClassNames[i] == name) {
      out = static_cast<AttackClass>(i);
      return true;
    }
  }
  return false;
}

std::string_view FieldName(Field f) {
  const auto i = static_cast<std::size_t>(f);
  return i < kFieldNames.size() ? kFieldNames[i] : "?";
}

struct DetectorSet::Scratch {
  std::unique_ptr<hs_scratch_t, ScratchDeleter> hs;
  std::string path, query, target, raw, ua;
  std::vector<uint8_t> seen;  // per detector, reset after each request
  // User agents, targets (a site's pages, styles, scripts) and referers repeat heavily: their
  // hits are kept by the raw text (the target's cover the query, path and raw-target fields),
  // found without regard to the status and filtered by it on each use, which is exact since a
  // detector's status condition covers all its patterns. Bounded (SpanMemo: two generations of
  // this many texts and key bytes each). Targets vary most (a shop's month: 145,000 distinct in
  // 1M lines; 65,536 per generation leave 200,000 scans where 16,384 cleared when full left
  // 342,000), user agents least.
  SpanMemo<Hit> ua_cache{8192, 2u << 20}, target_cache{65536, 4u << 20}, referer_cache{16384, 4u << 20};
  std::vector<Hit> tmp;
  std::string value, name;  // a decoded query argument, for the value checks
};

namespace {

// Human-readable evidence for a hit of pattern of s (see DetectorSet::Evidence).
std::string EvidenceText(const DetectorSpec& s, uint32_t pattern) {
  if (s.match == Match::kCheck) return std::string(s.id) + ": " + std::string(s.help_en);
  static constexpr std::string_view kVerb[] = {"contains", "starts with", "ends with",
                                               "equals", "has segment", "matches"};
  std::string e(s.id);
  e += ": ";
  e += FieldName(s.field);
  e += ' ';
  e += kVerb[static_cast<int>(s.match)];
  e += " \"";
  e += s.patterns[pattern];
  e += '"';
  if (pattern < s.pattern_notes.size() && !s.pattern_notes[pattern].empty()) {
    e += " (";
    e += s.pattern_notes[pattern];
    e += ')';
  }
  return e;
}

}  // namespace

struct DetectorSet::Impl {
  std::vector<DetectorSpec> specs;
  // Evidence(h) for every detector and pattern (one for a check), built with the set: a
  // finding lists them, and they depend on nothing else.
  std::vector<std::vector<std::string>> evidence;
  std::vector<uint16_t> arg_checks, path_checks, header_checks;  // spec indexes by place
  std::array<HsDatabasePtr, static_cast<int>(Field::kCount)> db;
  std::vector<PatternRef> refs;
};

DetectorSet::DetectorSet() : impl_(std::make_unique<Impl>()) {}
DetectorSet::~DetectorSet() = default;
DetectorSet::DetectorSet(DetectorSet&&) noexcept = default;
DetectorSet& DetectorSet::operator=(DetectorSet&&) noexcept = default;

std::span<const DetectorSpec> DetectorSet::specs() const { return impl_->specs; }


Result<DetectorSet> DetectorSet::Build(std::span<const DetectorSpec> specs,
                                       const std::string& cache_dir) {
  DetectorSet set;
  Impl& im = *set.impl_;
  im.specs.assign(specs.begin(), specs.end());
  if (im.specs.size() > 65535) return Status::Error("detector", "too many detectors");
  for (const DetectorSpec& sp : im.specs) {
    std::vector<std::string>& texts = im.evidence.emplace_back();
    const std::size_t n = sp.match == Match::kCheck ? 1 : sp.patterns.size();
    for (std::size_t p = 0; p < n; ++p) texts.push_back(EvidenceText(sp, static_cast<uint32_t>(p)));
  }
  for (std::size_t d = 0; d < im.specs.size(); ++d) {
    const DetectorSpec& s = im.specs[d];
    if (s.match != Match::kCheck || s.check == nullptr) continue;
    const auto id = static_cast<uint16_t>(d);
    if (s.check_on & 1) im.arg_checks.push_back(id);
    if (s.check_on & 2) im.path_checks.push_back(id);
    if (s.check_on & 4) im.header_checks.push_back(id);
  }
  // Path and target detectors share one database, scanned once over "path\ntarget": path
  // patterns are compiled multi-line, so '$' also means "end of the path" (see Detect).
  const auto db_of = [](Field fld) { return fld == Field::kPath ? Field::kTarget : fld; };
  for (int f = 0; f < static_cast<int>(Field::kCount); ++f) {
    std::vector<std::string> exprs;
    std::vector<unsigned> flags, ids;
    uint64_t key = Fnv1a64(hs_version());
    for (std::size_t d = 0; d < im.specs.size(); ++d) {
      const DetectorSpec& s = im.specs[d];
      if (static_cast<int>(db_of(s.field)) != f) continue;
      for (std::size_t p = 0; p < s.patterns.size(); ++p) {
        const std::string_view pat = s.patterns[p];
        if (pat.empty()) continue;
        std::string e;
        switch (s.match) {
          case Match::kContains: e = EscapeRegex(pat); break;
          case Match::kPrefix: e = "^" + EscapeRegex(pat); break;
          case Match::kSuffix: e = EscapeRegex(pat) + "$"; break;
          case Match::kExact: e = "^" + EscapeRegex(pat) + "$"; break;
          case Match::kSegment: e = EscapeRegex(pat) + "(/|$)"; break;
          case Match::kRegex: e = std::string(pat); break;
          case Match::kCheck: continue;  // decided by code, not patterns
        }
        const unsigned fl = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS |
                            (s.match == Match::kRegex ? 0u : HS_FLAG_DOTALL) |
                            (s.field == Field::kPath ? HS_FLAG_MULTILINE : 0u);
        key = Fnv1a64(e, key);
        key = Fnv1a64(std::to_string(fl) + ":" + std::to_string(im.refs.size()) + "\n", key);
        exprs.push_back(std::move(e));
        flags.push_back(fl);
        ids.push_back(static_cast<unsigned>(im.refs.size()));
        im.refs.push_back({static_cast<uint16_t>(d), static_cast<uint32_t>(p)});
      }
    }
    if (exprs.empty()) continue;
    const std::string cache_path =
        CachedDatabasePath(cache_dir, "detect-" + std::to_string(f) + "-", key);
    hs_database_t* db = cache_path.empty() ? nullptr : LoadCachedDatabase(cache_path);
    if (db != nullptr) {
      im.db[static_cast<std::size_t>(f)].reset(db);
      continue;
    }
    std::vector<const char*> cexprs;
    cexprs.reserve(exprs.size());
    for (const std::string& e : exprs) cexprs.push_back(e.c_str());
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(cexprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(cexprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      std::string msg = err != nullptr && err->message != nullptr ? err->message : "?";
      std::string where;
      if (err != nullptr && err->expression >= 0) {
        const PatternRef& r = im.refs[ids[static_cast<std::size_t>(err->expression)]];
        where = std::string(im.specs[r.detector].id) + " pattern '" +
                std::string(im.specs[r.detector].patterns[r.pattern]) + "'";
      }
      hs_free_compile_error(err);
      return Status::Error("detector", "cannot compile " + where + ": " + msg);
    }
    im.db[static_cast<std::size_t>(f)].reset(db);
    if (!cache_path.empty()) {
      StoreCachedDatabase(cache_dir, cache_path, db, "detect-" + std::to_string(f) + "-");
    }
  }
  return set;
}

std::unique_ptr<DetectorSet::Scratch, void (*)(DetectorSet::Scratch*)> DetectorSet::NewScratch()
    const {
  auto* s = new Scratch();
  hs_scratch_t* raw = nullptr;
  for (const auto& db : impl_->db) {
    if (db) hs_alloc_scratch(db.get(), &raw);
  }
  s->hs.reset(raw);
  s->seen.assign(impl_->specs.size(), 0);
  return {s, [](Scratch* p) { delete p; }};
}

namespace {

struct Ctx {
  const std::vector<PatternRef>* refs;
  std::vector<uint8_t>* seen;
  std::vector<Hit>* out;
};

bool StatusOk(StatusCond c, int status) {
  switch (c) {
    case StatusCond::kAny: return true;
    case StatusCond::kClientError: return status >= 400 && status < 500;
    case StatusCond::kNotFound:
      return status >= 400 && status < 500 && status != 401 && status != 407;
  }
  return true;
}

int OnMatch(unsigned id, unsigned long long, unsigned long long, unsigned, void* p) {
  auto* c = static_cast<Ctx*>(p);
  const PatternRef& r = (*c->refs)[id];
  uint8_t& seen = (*c->seen)[r.detector];
  if (seen != 0) return 0;
  seen = 1;
  c->out->push_back({r.detector, r.pattern});
  return 0;
}

// out = the hits scan(out) finds, with the per-detector 'seen' marks the scans set cleared
// again for the next request.
template <class Scan>
void FreshHits(DetectorSet::Scratch& s, std::vector<Hit>& out, Scan&& scan) {
  out.clear();
  scan(out);
  for (const Hit& h : out) s.seen[h.detector] = 0;
}

// The hits for key in cache, found by fill(hits) (see FreshHits) when missing.
template <class Fill>
std::span<const Hit> CachedHits(DetectorSet::Scratch& s, SpanMemo<Hit>& cache, const HashedView& key,
                                Fill&& fill) {
  std::span<const Hit> hits;
  if (cache.Find(key, hits)) return hits;
  FreshHits(s, s.tmp, fill);
  return cache.Put(key, s.tmp);
}

}  // namespace

void DetectorSet::DetectField(Field f, std::string_view v, int status, Scratch& s,
                              Detection& out) const {
  FreshHits(s, s.tmp, [&](std::vector<Hit>& hits) { ScanField(f, v, s, hits); });
  for (const Hit& h : s.tmp) {
    if (StatusOk(impl_->specs[h.detector].status, status)) out.hits.push_back(h);
  }
}

// The hits of the target fields, whatever the status (see target_cache).
void DetectorSet::ScanTarget(const http::Request& req, Scratch& s, std::vector<Hit>& out) const {
  const Impl& im = *impl_;
  const std::string_view path = req.Path();
  const std::string_view query = req.Query();
  http::NormalizeForMatch(path, s.path, false);
  if (!query.empty()) {
    http::NormalizeForMatch(query, s.query, true);
  } else {
    s.query.clear();
  }
  ScanField(Field::kQuery, s.query, s, out);
  // One scan for path and target detectors: "path\ntarget". Target patterns find what they find
  // in the target line (the path line is a prefix of it, so nothing new); multi-line path
  // patterns see the end of the path at the newline.
  s.target = s.path;
  s.target += '\n';
  s.target += s.path;
  if (!query.empty()) {
    s.target += '?';
    s.target += s.query;
  }
  ScanField(Field::kTarget, s.target, s, out);
  // The raw target only adds information when it carries escapes.
  if (im.db[static_cast<int>(Field::kRawTarget)] &&
      req.target.find_first_of("%\\") != std::string_view::npos) {
    AssignLower(s.raw, req.target);
    ScanField(Field::kRawTarget, s.raw, s, out);
  }
  // Value checks: the path as logged, and each query argument decoded.
  if (!im.path_checks.empty()) {
    const CheckInput in{path, "path", CharClasses(path)};
    for (uint16_t d : im.path_checks) RunCheck(d, in, s, out);
  }
  if (!query.empty() && !im.arg_checks.empty()) {
    http::ForEachQueryPair(query, [&](std::string_view name, std::string_view value, bool has_value) {
      http::PercentDecode(name, s.name, true);
      if (has_value) http::PercentDecode(value, s.value, true);
      else s.value = s.name;  // a lone word (?1%27%20or%201=1) is judged as a value too
      const CheckInput in{s.value, s.name, CharClasses(s.value)};
      for (uint16_t d : im.arg_checks) RunCheck(d, in, s, out);
      return true;
    });
  }
}

void DetectorSet::RunCheck(uint16_t d, const CheckInput& in, Scratch& s, std::vector<Hit>& out) const {
  if (s.seen[d] != 0 || in.value.empty()) return;
  if (!impl_->specs[d].check(in, nullptr)) return;
  s.seen[d] = 1;
  out.push_back({d, 0});
}

void DetectorSet::HeaderChecks(std::string_view name, std::string_view value, Scratch& s,
                               std::vector<Hit>& out) const {
  const Impl& im = *impl_;
  if (im.header_checks.empty() || value.empty() || value == "-") return;
  // A header value is judged as a whole, decoded (as CRS runs its checks on User-Agent and
  // Referer: sqlmap appends its payloads to the referer's path); a referer that is a URL also by
  // each of its query values.
  http::PercentDecode(value, s.value, false);
  {
    const CheckInput in{s.value, name, CharClasses(s.value)};
    for (uint16_t d : im.header_checks) RunCheck(d, in, s, out);
  }
  const std::size_t q = value.find('?');
  const bool url = name == "referer" && value.find("://") != std::string_view::npos && value.find("://") < 12;
  if (url) {
    if (q == std::string_view::npos) return;
    http::ForEachQueryPair(value.substr(q + 1), [&](std::string_view n, std::string_view v, bool has_value) {
      http::PercentDecode(has_value ? v : n, s.value, true);
      const CheckInput in{s.value, name, CharClasses(s.value)};
      for (uint16_t d : im.header_checks) RunCheck(d, in, s, out);
      return true;
    });
  }
}

void DetectorSet::ScanField(Field f, std::string_view v, Scratch& s, std::vector<Hit>& out) const {
  const auto& db = impl_->db[static_cast<std::size_t>(f)];
  if (!db) return;
  Ctx ctx{&impl_->refs, &s.seen, &out};
  hs_scan(db.get(), v.data(), static_cast<unsigned>(std::min<std::size_t>(v.size(), 1u << 30)), 0,
          s.hs.get(), OnMatch, &ctx);
}

void DetectorSet::Detect(const http::Request& req, Scratch& s, Detection& out) const {
  Detect(req, http::RequestKeys(req), s, out);
}

void DetectorSet::TargetHits(const http::Request& req, Scratch& s, std::vector<Hit>& out) const {
  FreshHits(s, out, [&](std::vector<Hit>& hits) { ScanTarget(req, s, hits); });
}

void DetectorSet::Prefetch(const http::RequestKeys& keys, Scratch& s) const {
  s.target_cache.Prefetch(keys.target.hash);
  s.ua_cache.Prefetch(keys.user_agent.hash);
  s.referer_cache.Prefetch(keys.referer.hash);
}

void DetectorSet::PrefetchKept(const http::RequestKeys& keys, Scratch& s) const {
  s.target_cache.PrefetchKept(keys.target.hash);
  s.referer_cache.PrefetchKept(keys.referer.hash);
}

void DetectorSet::Detect(const http::Request& req, const http::RequestKeys& keys, Scratch& s,
                         Detection& out, const std::vector<Hit>* target_hits) const {
  out.clear();
  const Impl& im = *impl_;
  auto add = [&](std::span<const Hit> hits) {
    for (const Hit& h : hits) {
      if (!StatusOk(im.specs[h.detector].status, req.status)) continue;
      out.hits.push_back(h);
      out.class_mask |= 1u << static_cast<unsigned>(im.specs[h.detector].cls);
    }
  };
  if (target_hits != nullptr) {
    add(*target_hits);
  } else {
    add(CachedHits(s, s.target_cache, keys.target, [&](std::vector<Hit>& hits) { ScanTarget(req, s, hits); }));
  }
  if (!req.user_agent.empty()) {
    add(CachedHits(s, s.ua_cache, keys.user_agent, [&](std::vector<Hit>& hits) {
      AssignLower(s.ua, req.user_agent);
      ScanField(Field::kUserAgent, s.ua, s, hits);
      HeaderChecks("user-agent", req.user_agent, s, hits);
    }));
  }
  if (!req.referer.empty() && req.referer != "-" && !im.header_checks.empty()) {
    add(CachedHits(s, s.referer_cache, keys.referer, [&](std::vector<Hit>& hits) {
      HeaderChecks("referer", req.referer, s, hits);
    }));
  }
}

const std::string& DetectorSet::Evidence(const Hit& h) const { return impl_->evidence[h.detector][h.pattern]; }

}  // namespace keikai::detect
