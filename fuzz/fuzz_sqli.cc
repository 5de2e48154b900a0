// DetectSqli on arbitrary bytes: never crashes, and the answer is a pure function of the input.
#include <cstdint>
#include <string_view>

#include "keikai/rules/injection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::rules;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const InjectionResult a = DetectSqli(in);
  if (a.detected == a.fingerprint.empty()) __builtin_trap();  // a hit always says why
  if (a.fingerprint.size() > 64) __builtin_trap();            // fingerprints stay short
  const InjectionResult b = DetectSqli(in);
  if (a.detected != b.detected || a.fingerprint != b.fingerprint) __builtin_trap();
  return 0;
}
