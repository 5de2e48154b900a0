#pragma once
// The properties fuzz_sqli and fuzz_xss check of a detector on arbitrary bytes: it never
// crashes, a hit always says why (in a short fingerprint), and the answer is a pure function of
// the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keikai/rules/injection.h"

inline int CheckInjectionDetector(keikai::rules::InjectionResult (*detect)(std::string_view),
                                  const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const keikai::rules::InjectionResult a = detect(in);
  if (a.detected == a.fingerprint.empty()) __builtin_trap();
  if (a.fingerprint.size() > 64) __builtin_trap();
  const keikai::rules::InjectionResult b = detect(in);
  if (a.detected != b.detected || a.fingerprint != b.fingerprint) __builtin_trap();
  return 0;
}
