#pragma once
// ASCII case mapping for SecLang names, selectors and keys (the C locale's tolower/toupper,
// without a libc call per byte). Shared by the parser, compiler and evaluator.
#include <string>
#include <string_view>

namespace keikai::rules::internal {

inline char FoldLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
inline char FoldUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

inline std::string Lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = FoldLower(c);
  return o;
}

inline std::string Upper(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = FoldUpper(c);
  return o;
}

inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (FoldLower(a[i]) != FoldLower(b[i])) return false;
  }
  return true;
}

}  // namespace keikai::rules::internal
