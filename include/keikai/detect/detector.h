#pragma once
// Signature detectors over one request. Each detector is plain data (DetectorSpec): an id, an
// attack class, which normalised field it looks at, how its patterns match, an optional status
// condition, and its pattern list. Builtins() is the one registry of them (src/detect/builtin.cc,
// lists in src/detect/lists.cc). DetectorSet compiles all patterns of all detectors into one
// Hyperscan (Vectorscan) database per field, so a request costs one scan per field however many
// patterns there are.
//
// Thread-safety: a built DetectorSet is immutable and may be shared; each thread needs its own
// Scratch.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/request.h"

namespace keikai::detect {

// Attack classes. Order is the storage id; append only.
enum class AttackClass : uint8_t {
  kScanner = 0,  // a vulnerability-scanner tool (by its user agent)
  kBadBot,       // an abusive bot, scraper or scripted client
  kProbe,        // sensitive-file / admin-interface probing
  kBackdoor,     // requests for known web-shell / backdoor names
  kExploit,      // known-CVE probe paths
  kLfi,          // path traversal / local file inclusion
  kSqli,
  kXss,
  kRce,          // command / code injection (incl. Log4Shell, ThinkPHP invokefunction)
  kCrlf,         // HTTP header injection / response splitting (a line break then a header)
  kCount
};
constexpr int kClassCount = static_cast<int>(AttackClass::kCount);
std::string_view ClassName(AttackClass c);  // "scanner", "bad-bot", ...
bool ParseClass(std::string_view name, AttackClass& out);

// The normalised fields detectors look at.
enum class Field : uint8_t {
  kPath = 0,    // decoded, lowercased path, '\\' -> '/', "//" collapsed
  kQuery,       // decoded ('+' -> ' '), lowercased query string
  kTarget,      // kPath + "?" + kQuery (when there is a query)
  kRawTarget,   // the target as logged, lowercased (catches encoded traversal)
  kUserAgent,   // lowercased user agent
  kCount
};
std::string_view FieldName(Field f);

enum class Match : uint8_t {
  kContains,    // pattern anywhere in the field
  kPrefix,      // field starts with pattern
  kSuffix,      // field ends with pattern
  kExact,       // field equals pattern
  kSegment,     // pattern equals a whole path segment sequence: "/x" matches "/x", "/x/..." and
                // "/a/x", not "/xy" (for admin interfaces, backdoor file names)
  kRegex,       // pattern is a PCRE-compatible regex (Hyperscan subset), case-insensitive
  kCheck,       // no patterns: DetectorSpec::check decides (detect/checks.h)
};

// A value check (Match::kCheck): the value (see CheckSpec::on for what it is) and its name (the
// query argument's, or "user-agent" / "referer"); true if it is an attack. why, when given, gets
// a short English description of what was seen.
struct CheckInput {
  std::string_view value;
  std::string_view name;
  uint32_t chars = 0;  // CharClasses(value): which kinds of characters it holds
};
// Bits of CheckInput::chars, so that each check can rule a value out without reading it again.
enum CharClass : uint32_t {
  kChSpace = 1u << 0,      // space, tab
  kChLineBreak = 1u << 1,  // CR, LF, VT, FF
  kChQuote = 1u << 2,      // ' " `
  kChParen = 1u << 3,      // ( )
  kChAngle = 1u << 4,      // < >
  kChSemicolon = 1u << 5,
  kChPipe = 1u << 6,       // |
  kChAmp = 1u << 7,        // &
  kChDollar = 1u << 8,
  kChHash = 1u << 9,
  kChStar = 1u << 10,
  kChPercent = 1u << 11,
  kChSlash = 1u << 12,
  kChBackslash = 1u << 13,
  kChColon = 1u << 14,
  kChEquals = 1u << 15,
  kChDot = 1u << 16,
  kChDash = 1u << 17,
  kChHighByte = 1u << 18,  // bytes >= 0x80 (UTF-8 text, overlong encodings)
  kChControl = 1u << 19,   // other bytes below 0x20, and DEL
};
uint32_t CharClasses(std::string_view v);
using CheckFn = bool (*)(const CheckInput& in, std::string* why);

enum class StatusCond : uint8_t {
  kAny,         // regardless of the response status
  kNotFound,    // only when the response was 4xx other than 401/407 (probing something absent)
  kClientError, // only when the response was 4xx
};

struct DetectorSpec {
  std::string_view id;       // stable id, e.g. "ua-scanner"; appears in evidence
  AttackClass cls;
  Field field;
  Match match;
  StatusCond status = StatusCond::kAny;
  std::string_view help_en;
  std::string_view help_ja;
  std::span<const std::string_view> patterns;  // lowercase for literal kinds
  // Optional, parallel to patterns: a note shown with the evidence (e.g. the CVE id).
  std::span<const std::string_view> pattern_notes = {};
  // Match::kCheck only: the check and where it looks (kOnArgs, kOnPath, kOnHeaders bits).
  CheckFn check = nullptr;
  uint8_t check_on = 0;
};

// The built-in detectors (the registry).
std::span<const DetectorSpec> Builtins();

struct Hit {
  uint16_t detector = 0;  // index into DetectorSet::specs()
  uint32_t pattern = 0;   // index into that detector's patterns
};

struct Detection {
  std::vector<Hit> hits;   // at most one hit per detector (the first pattern that matched)
  uint32_t class_mask = 0; // bit per AttackClass
  bool any() const { return class_mask != 0; }
  void clear() { hits.clear(); class_mask = 0; }
};

class DetectorSet {
 public:
  struct Scratch;
  ~DetectorSet();
  DetectorSet(DetectorSet&&) noexcept;
  DetectorSet& operator=(DetectorSet&&) noexcept;

  // cache_dir (e.g. keikai::DefaultCacheDir()): where compiled pattern databases are kept
  // between runs, keyed by a hash of the patterns and the Vectorscan version ("" = no cache). A missing, stale or corrupt cache entry
  // is rebuilt, never trusted.
  static Result<DetectorSet> Build(std::span<const DetectorSpec> specs,
                                   const std::string& cache_dir = "");

  std::unique_ptr<Scratch, void (*)(Scratch*)> NewScratch() const;
  // Runs all detectors on req and fills out (cleared first).
  void Detect(const http::Request& req, Scratch& scratch, Detection& out) const;
  // The same, with the request's hashed texts already computed by the caller, and optionally
  // the target's hits (from TargetHits) kept by the caller with other results of the same
  // target, instead of this set's own cache of them.
  void Detect(const http::Request& req, const http::RequestKeys& keys, Scratch& scratch,
              Detection& out, const std::vector<Hit>* target_hits = nullptr) const;
  // Starts loading what Detect will look up for keys (see SpanMemo::Prefetch): called a line
  // ahead, it overlaps the memory latency of the lookups with other work.
  void Prefetch(const http::RequestKeys& keys, Scratch& scratch) const;
  // The second step, a line later: the kept texts and hits the loaded slots point to.
  void PrefetchKept(const http::RequestKeys& keys, Scratch& scratch) const;
  // The hits of the target fields (path, query, whole and raw target), whatever the status:
  // Detect keeps those of the statuses each detector accepts.
  void TargetHits(const http::Request& req, Scratch& scratch, std::vector<Hit>& out) const;
  // Runs the detectors of one field on an already normalised value (for tests and coverage).
  void DetectField(Field f, std::string_view normalised, int status, Scratch& scratch,
                   Detection& out) const;

  std::span<const DetectorSpec> specs() const;
  // Human-readable evidence for a hit: "ua-scanner: user_agent contains \"sqlmap\"" (built with
  // the set, valid as long as it is).
  const std::string& Evidence(const Hit& h) const;

 private:
  DetectorSet();
  void ScanTarget(const http::Request& req, Scratch& s, std::vector<Hit>& out) const;
  void ScanField(Field f, std::string_view v, Scratch& s, std::vector<Hit>& out) const;
  void RunCheck(uint16_t detector, const CheckInput& in, Scratch& s, std::vector<Hit>& out) const;
  void HeaderChecks(std::string_view name, std::string_view value, Scratch& s,
                    std::vector<Hit>& out) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keikai::detect
