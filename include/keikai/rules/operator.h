#pragma once
// Operators (SecLang @name): compiled once from a parsed Operator, then matched against
// transformed values. One registry lists the operators keikai implements; an operator it does
// not (e.g. @rbl, which needs the network) is refused at compile time with its name, never
// silently treated as "no match".
//
// Regexes are PCRE2 with JIT, compiled DOTALL|MULTILINE (as ModSecurity does), with match and
// depth limits so no input can make one match slow; a match that hits a limit counts as no
// match and is reported through MatchResult::limit_hit. Phrase lists (@pm, @pmFromFile) are one
// case-insensitive Vectorscan literal database each.
//
// Operator arguments may contain macros (%{tx.x}); Match expands them through the callback.
// Thread-safety: a compiled operator is immutable and may be shared; each thread passes its
// own scratch (OperatorScratch).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/rules/seclang.h"

namespace keikai::rules {

struct MatchResult {
  bool matched = false;
  bool limit_hit = false;               // a regex hit its match/depth limit
  std::vector<std::string> captures;    // TX.0 .. TX.9 for capture, when asked
};

// Expands %{...} macros in an operator argument at match time.
using MacroExpander = std::function<std::string(std::string_view)>;
// Whether a rule text holds a macro ("%{tx.x}") for a MacroExpander to expand.
inline bool HasMacro(std::string_view s) { return s.find("%{") != std::string_view::npos; }

struct OperatorScratch;
std::unique_ptr<OperatorScratch, void (*)(OperatorScratch*)> NewOperatorScratch();

// What a value must hold for an operator to be able to match it, so the evaluator can skip the
// call on values that lack it. For a regex it is what PCRE2 itself checks before matching (its
// minimum length, the bytes a match can start with, a byte every match contains), with both
// cases of a letter: a value that fails it gets no match, and no limit hit, from PCRE2 too. The
// evaluator tests it against a value's set of bytes, computed once per transformed value and
// shared by every rule that reads it.
struct ByteFilter {
  using ByteSet = std::array<uint64_t, 4>;  // bit b: byte b occurs

  std::size_t min_length = 0;
  bool has_first = false;  // first: some byte of the value must be in this set
  uint64_t first[4] = {};
  bool has_required = false;  // required: likewise
  uint64_t required[4] = {};

  static ByteSet BytesOf(std::string_view v) {
    ByteSet set{};
    for (const char ch : v) {
      const auto b = static_cast<unsigned char>(ch);
      set[b >> 6] |= uint64_t{1} << (b & 63);
    }
    return set;
  }
  // True when the filter proves that a value of this length and these bytes cannot match.
  bool Rejects(std::size_t length, const ByteSet& bytes) const {
    if (length < min_length) return true;
    return (has_first && !Intersects(bytes, first)) || (has_required && !Intersects(bytes, required));
  }
  // The same, for a value whose byte set is not kept.
  bool Rejects(std::string_view v) const {
    if (v.size() < min_length) return true;
    if (!has_first && !has_required) return false;
    return Rejects(v.size(), BytesOf(v));
  }

 private:
  static bool Intersects(const ByteSet& a, const uint64_t (&b)[4]) {
    return ((a[0] & b[0]) | (a[1] & b[1]) | (a[2] & b[2]) | (a[3] & b[3])) != 0;
  }
};

class CompiledOperator {
 public:
  virtual ~CompiledOperator() = default;
  // Matches value (already transformed). want_captures fills MatchResult::captures.
  virtual MatchResult Match(std::string_view value, const MacroExpander& expand,
                            OperatorScratch& scratch, bool want_captures) const = 0;
  // nullptr when the operator can match any value.
  virtual const ByteFilter* byte_filter() const { return nullptr; }
};

struct OperatorOptions {
  std::string base_dir;          // where @pmFromFile / @ipMatchFromFile files are looked up
  uint32_t match_limit = 100000; // PCRE2 match limit (backtracking steps)
  uint32_t depth_limit = 10000;  // PCRE2 depth limit
  std::string cache_dir;         // compiled @pm databases kept here between runs ("" = none)
};

// Names keikai implements (without '@'), for documentation and tests.
std::span<const std::string_view> OperatorNames();
Result<std::unique_ptr<CompiledOperator>> CompileOperator(const Operator& op,
                                                          const OperatorOptions& opt);

}  // namespace keikai::rules
