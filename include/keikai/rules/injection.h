#pragma once
// SQL injection and XSS detection for the SecLang operators @detectSQLi and @detectXSS.
// libinjection is not packaged in Debian, so keikai has its own tokenizer-based detectors,
// written after the published approach (tokenize the input in several quoting contexts, fold
// the token stream, judge the folded shape), not after libinjection's code or data.
// Each function is pure, never throws, runs in time linear in the input, and uses memory
// bounded by a constant (inputs are examined up to a fixed length).
// Thread-safe.

#include <string>
#include <string_view>

namespace keikai::rules {

struct InjectionResult {
  bool detected = false;
  // A short description of what was seen (the token-shape fingerprint for SQLi, the element or
  // attribute for XSS); becomes TX.0 / MATCHED data in the engine.
  std::string fingerprint;
};

InjectionResult DetectSqli(std::string_view input);
InjectionResult DetectXss(std::string_view input);

}  // namespace keikai::rules
