#pragma once
// UTF-8 helpers for text that comes from outside (log lines, request data) and goes into
// documents that require well-formed UTF-8: reports, stored evidence, JSON. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace keikai {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (i < s.size()) and its code point, or 0 when
// the bytes there are ill-formed; then *bad is the length of the maximal subpart to replace
// with one U+FFFD (the Unicode "substitution of maximal subparts" practice, as browsers and ICU
// do). Overlong forms, surrogates and code points above U+10FFFF are ill-formed.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* bad);

// Which control characters CleanUtf8 replaces by U+FFFD (besides every ill-formed sequence):
// all of C0 except tab (and, with keep_newlines, LF and CR); with replace_del_c1 also DEL and C1.
struct Utf8Cleaning {
  bool keep_newlines = false;
  bool replace_del_c1 = false;
};
// s as well-formed UTF-8: each ill-formed sequence becomes one U+FFFD (maximal subpart), and so
// does each control character `how` names. Runs of plain ASCII are copied whole.
std::string CleanUtf8(std::string_view s, const Utf8Cleaning& how);

// Appends s to out as a JSON string literal: quotes, backslashes and C0 controls escaped
// (\b \t \n \f \r, else \u00XX), ill-formed UTF-8 replaced by U+FFFD; everything else as is.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace keikai
