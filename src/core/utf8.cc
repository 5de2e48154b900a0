#include "keikai/core/utf8.h"

namespace keikai {

std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* bad) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t trail = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  char32_t c = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    trail = 1;
    c = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    trail = 2;
    c = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    trail = 3;
    c = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *bad = 1;  // continuation byte, C0/C1 (overlong) or F5..FF
    return 0;
  }
  for (std::size_t k = 1; k <= trail; ++k) {
    if (i + k >= s.size()) {
      *bad = k;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) {
      *bad = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
    c = (c << 6) | (b & 0x3Fu);
  }
  *cp = c;
  return trail + 1;
}

std::string CleanUtf8(std::string_view s, const Utf8Cleaning& how) {
  auto replaced = [&how](char32_t cp) {
    if (cp < 0x20) return cp != '\t' && !(how.keep_newlines && (cp == '\n' || cp == '\r'));
    return how.replace_del_c1 && cp >= 0x7F && cp <= 0x9F;
  };
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80 &&
           !replaced(static_cast<unsigned char>(s[run]))) {
      ++run;
    }
    out.append(s.substr(i, run - i));
    if (run == s.size()) break;
    i = run;
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = DecodeUtf8(s, i, &cp, &bad);
    if (n == 0) {
      out += kReplacementChar;
      i += bad;
      continue;
    }
    if (replaced(cp)) {
      out += kReplacementChar;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Runs of plain ASCII are copied whole.
    std::size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(s.substr(i, run - i));
    if (run == s.size()) break;
    i = run;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x20) {
      switch (c) {
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = DecodeUtf8(s, i, &cp, &bad);
    if (n == 0) {
      out += kReplacementChar;
      i += bad;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

}  // namespace keikai
