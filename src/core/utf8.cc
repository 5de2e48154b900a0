#include "keikai/core/utf8.h"

#include <algorithm>
#include <cstdint>

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
    } else if (how.show_bidi && IsBidiControl(cp)) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\u";
      for (int k = 3; k >= 0; --k) out += kHex[(cp >> (4 * k)) & 15];
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

bool IsBidiControl(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

namespace {

void AppendHex(std::string& out, const char* prefix, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += prefix;
  for (int k = digits - 1; k >= 0; --k) out += kHex[(v >> (4 * k)) & 15];
}

// The length of an SGR sequence (ESC [ digits and ';' m) at s[i], or 0.
std::size_t SgrLength(std::string_view s, std::size_t i) {
  if (i + 2 >= s.size() || s[i] != '\x1b' || s[i + 1] != '[') return 0;
  for (std::size_t k = i + 2; k < s.size() && k < i + 24; ++k) {
    if (s[k] == 'm') return k + 1 - i;
    if (!((s[k] >= '0' && s[k] <= '9') || s[k] == ';')) return 0;
  }
  return 0;
}

}  // namespace

std::string PeerText(std::string_view s, std::size_t max) {
  std::string one(s.substr(0, max));
  for (char& c : one) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return CleanUtf8(one, Utf8Cleaning{}) + (s.size() > max ? "..." : "");
}

std::string TerminalSafe(std::string_view s, bool allow_sgr) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F) {
      out += s[i++];
      continue;
    }
    if (b == '\n' || b == '\t') {
      out += s[i++];
      continue;
    }
    if (b == 0x1B && allow_sgr) {
      if (const std::size_t n = SgrLength(s, i); n > 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
    }
    if (b < 0x80) {  // other C0 controls and DEL
      AppendHex(out, "\\x", b, 2);
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = DecodeUtf8(s, i, &cp, &bad);
    if (n == 0) {
      for (std::size_t k = 0; k < bad; ++k) AppendHex(out, "\\x", static_cast<unsigned char>(s[i + k]), 2);
      i += bad;
      continue;
    }
    if ((cp >= 0x80 && cp <= 0x9F) || IsBidiControl(cp) || cp == 0x2028 || cp == 0x2029) {
      AppendHex(out, "\\u", static_cast<uint32_t>(cp), 4);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string EscapeBidiInJson(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  std::size_t i = 0;
  while (i < json.size()) {
    // Bidi controls are all 2 (U+061C) or 3 (U+20xx) bytes, led by 0xD8 or 0xE2; C1 controls
    // are 0xC2 0x80..0x9F.
    const auto b = static_cast<unsigned char>(json[i]);
    if (b == 0xD8 || b == 0xE2 || b == 0xC2) {
      char32_t cp = 0;
      std::size_t bad = 0;
      const std::size_t n = DecodeUtf8(json, i, &cp, &bad);
      if (n > 0 && (IsBidiControl(cp) || (cp >= 0x80 && cp <= 0x9F))) {
        AppendHex(out, "\\u", static_cast<uint32_t>(cp), 4);
        i += n;
        continue;
      }
    }
    out += json[i++];
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x110000) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Utf16LeToUtf8(std::string_view bytes, bool* bad, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes));
  const auto unit = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(bytes[2 * i])) |
           static_cast<char32_t>(static_cast<unsigned char>(bytes[2 * i + 1])) << 8;
  };
  const std::size_t units = bytes.size() / 2;
  for (std::size_t i = 0; i < units && out.size() <= max_bytes; ++i) {
    const char32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
      AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      AppendUtf8(out, 0xFFFD);
      if (bad != nullptr) *bad = true;
    } else {
      AppendUtf8(out, u);
    }
  }
  return out;
}

std::string_view Utf16LeUntilNul(std::string_view bytes) {
  std::size_t e = 0;
  while (e + 1 < bytes.size() && (bytes[e] != '\0' || bytes[e + 1] != '\0')) e += 2;
  return bytes.substr(0, std::min(e, bytes.size()));
}

}  // namespace keikai
