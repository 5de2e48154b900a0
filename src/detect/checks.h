#pragma once
// Value checks: detectors that decide from the structure of a request's values instead of a list
// of strings (SQL and markup by their tokens, a shell command after a separator, a remote URL
// where a file is included, traversal in any encoding, a header after a line break). They are
// registered as DetectorSpecs with Match::kCheck (builtin.cc), run by DetectorSet on the decoded
// query values, the path and the user agent and referer, and cached with the other hits of the
// same text. Pure functions; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "keikai/detect/detector.h"

namespace keikai::detect {

// Where a check looks (bits).
constexpr uint8_t kOnArgs = 1;     // each query argument's value, percent-decoded ('+' a space)
constexpr uint8_t kOnPath = 2;     // the path as logged (checks decode it themselves)
constexpr uint8_t kOnHeaders = 4;  // the user agent, and the referer (its query values if a URL)

struct CheckSpec {
  std::string_view id;
  AttackClass cls;
  uint8_t on;
  std::string_view help_en;
  std::string_view help_ja;
  CheckFn fn;
};

// The table of checks (builtin.cc makes a DetectorSpec of each).
std::span<const CheckSpec> Checks();

}  // namespace keikai::detect
