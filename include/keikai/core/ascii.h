#pragma once
// ASCII case mapping (the C locale's tolower/toupper, without a libc call per byte), for
// protocol names, header names, SecLang names and keys. Header-only, pure, thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

namespace keikai {

inline char FoldLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
inline char FoldUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// out = s lower-cased (out keeps its capacity; s must not point into out).
inline void AssignLower(std::string& out, std::string_view s) {
  out.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = FoldLower(s[i]);
}

inline std::string Lower(std::string_view s) {
  std::string o;
  AssignLower(o, s);
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

// The integer a text starts with, read as C's atoll reads it (leading ASCII whitespace, a sign,
// digits; 0 when there are none), but saturating near 2^58 instead of overflowing: rule
// operators and counters read it from request data.
inline int64_t LeadingInt(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (v < (int64_t{1} << 58)) v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

}  // namespace keikai
