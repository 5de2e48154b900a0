#include "keikai/rules/transform.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "keikai/core/ascii.h"

namespace keikai::rules {
namespace {

int Hex(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsWs(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xa0;
}

// A 16-bit code unit reduced to one byte: full-width ASCII (U+FF01..U+FF5E) to ASCII, else the
// low byte, as the manual describes for %u and \u escapes without a Unicode map.
char UnicodeToByte(unsigned cp) {
  if (cp >= 0xff01 && cp <= 0xff5e) return static_cast<char>(cp - 0xff01 + 0x21);
  return static_cast<char>(cp & 0xff);
}

void None(std::string_view in, std::string& out) { out.assign(in); }

void Lowercase(std::string_view in, std::string& out) { AssignLower(out, in); }  // C locale

void Uppercase(std::string_view in, std::string& out) {
  out.resize(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = FoldUpper(in[i]);  // the C locale's toupper
}

// Fast paths: most values have nothing a decoder would touch (no '%', no '&', no '\\', pure
// ASCII); those are copied in one go instead of byte by byte.
bool HasAny(std::string_view in, std::string_view chars) {
  // One memchr per wanted byte (string_view::find_first_of calls memchr per input byte).
  for (char c : chars) {
    if (!in.empty() && std::memchr(in.data(), c, in.size()) != nullptr) return true;
  }
  return false;
}
bool AllAscii(std::string_view in) {
  for (char c : in) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

void UrlDecodeImpl(std::string_view in, std::string& out, bool uni) {
  if (!HasAny(in, "%+")) {
    out.assign(in);
    return;
  }
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
      continue;
    }
    if (c == '%') {
      if (uni && i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
        int v = 0;
        bool ok = true;
        for (std::size_t k = 2; ok && k < 6; ++k) {
          const int h = Hex(static_cast<unsigned char>(in[i + k]));
          ok = h >= 0;
          v = v << 4 | (h < 0 ? 0 : h);
        }
        if (ok) {
          out += UnicodeToByte(static_cast<unsigned>(v));
          i += 5;
          continue;
        }
      }
      if (i + 2 < in.size()) {
        const int h = Hex(static_cast<unsigned char>(in[i + 1]));
        const int l = Hex(static_cast<unsigned char>(in[i + 2]));
        if (h >= 0 && l >= 0) {
          out += static_cast<char>(h << 4 | l);
          i += 2;
          continue;
        }
      }
    }
    out += c;
  }
}

void UrlDecode(std::string_view in, std::string& out) { UrlDecodeImpl(in, out, false); }
void UrlDecodeUni(std::string_view in, std::string& out) { UrlDecodeImpl(in, out, true); }

void UrlEncode(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

void HtmlEntityDecode(std::string_view in, std::string& out) {
  if (!HasAny(in, "&")) {
    out.assign(in);
    return;
  }
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] != '&') {
      out += in[i++];
      continue;
    }
    // &#DDD; &#xHH; (the ';' is optional), and the common named entities.
    std::size_t j = i + 1;
    if (j < in.size() && in[j] == '#') {
      ++j;
      const bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
      if (hex) ++j;
      const std::size_t digits_at = j;
      // Every digit is consumed (&#000...000123; is '{', a known Log4Shell evasion); the value
      // saturates instead of overflowing.
      uint64_t v = 0;
      while (j < in.size()) {
        const int d = hex ? Hex(static_cast<unsigned char>(in[j]))
                          : (std::isdigit(static_cast<unsigned char>(in[j])) ? in[j] - '0' : -1);
        if (d < 0) break;
        v = std::min<uint64_t>(v * (hex ? 16 : 10) + static_cast<unsigned>(d), 0xffffffffULL);
        ++j;
      }
      if (j > digits_at) {
        out += static_cast<char>(v & 0xff);
        if (j < in.size() && in[j] == ';') ++j;
        i = j;
        continue;
      }
    } else {
      struct Named {
        std::string_view name;
        char c;
      };
      static constexpr Named kNamed[] = {
          {"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"nbsp", '\xa0'}};
      bool done = false;
      for (const Named& n : kNamed) {
        if (in.compare(j, n.name.size(), n.name) == 0) {
          out += n.c;
          j += n.name.size();
          if (j < in.size() && in[j] == ';') ++j;
          i = j;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out += in[i++];
  }
}

void JsDecode(std::string_view in, std::string& out) {
  if (!HasAny(in, "\\")) {
    out.assign(in);
    return;
  }
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\' || i + 1 >= in.size()) {
      out += in[i];
      continue;
    }
    const char n = in[i + 1];
    if ((n == 'u' || n == 'U') && i + 5 < in.size()) {
      int v = 0;
      bool ok = true;
      for (std::size_t k = 2; k < 6; ++k) {
        const int h = Hex(static_cast<unsigned char>(in[i + k]));
        ok = ok && h >= 0;
        v = v << 4 | (h < 0 ? 0 : h);
      }
      if (ok) {
        out += UnicodeToByte(static_cast<unsigned>(v));
        i += 5;
        continue;
      }
    }
    if ((n == 'x' || n == 'X') && i + 3 < in.size()) {
      const int h = Hex(static_cast<unsigned char>(in[i + 2]));
      const int l = Hex(static_cast<unsigned char>(in[i + 3]));
      if (h >= 0 && l >= 0) {
        out += static_cast<char>(h << 4 | l);
        i += 3;
        continue;
      }
    }
    if (n >= '0' && n <= '7') {
      int v = 0;
      std::size_t k = i + 1;
      while (k < in.size() && k < i + 4 && in[k] >= '0' && in[k] <= '7' && v * 8 + (in[k] - '0') <= 0xff) {
        v = v * 8 + (in[k] - '0');
        ++k;
      }
      out += static_cast<char>(v);
      i = k - 1;
      continue;
    }
    switch (n) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      default: out += n; break;  // \\ \' \" \? and any other: the character itself
    }
    ++i;
  }
}

void CssDecode(std::string_view in, std::string& out) {
  if (!HasAny(in, "\\")) {
    out.assign(in);
    return;
  }
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (i + 1 >= in.size()) break;  // a trailing backslash is dropped
    std::size_t k = i + 1;
    unsigned v = 0;
    while (k < in.size() && k < i + 7 && Hex(static_cast<unsigned char>(in[k])) >= 0) {
      v = v << 4 | static_cast<unsigned>(Hex(static_cast<unsigned char>(in[k])));
      ++k;
    }
    if (k > i + 1) {
      out += UnicodeToByte(v);
      if (k < in.size() && IsWs(static_cast<unsigned char>(in[k]))) ++k;  // one ws ends it
      i = k - 1;
      continue;
    }
    if (in[i + 1] == '\n') {  // an escaped newline is removed
      ++i;
      continue;
    }
    out += in[i + 1];
    ++i;
  }
}

void CmdLine(std::string_view in, std::string& out) {
  // Deletes \ " ' ^, turns , and ; into spaces, collapses whitespace, drops spaces before '/'
  // and '(', lowercases.
  out.clear();
  bool space = false;
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '"' || c == '\'' || c == '^') continue;
    if (c == ',' || c == ';' || IsWs(c)) {
      space = true;
      continue;
    }
    if (space && c != '/' && c != '(' && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
}

void CompressWhitespace(std::string_view in, std::string& out) {
  out.clear();
  bool ws = false;
  for (char ch : in) {
    if (IsWs(static_cast<unsigned char>(ch))) {
      if (!ws) out += ' ';
      ws = true;
    } else {
      out += ch;
      ws = false;
    }
  }
}

void RemoveWhitespace(std::string_view in, std::string& out) {
  out.clear();
  for (char ch : in) {
    if (!IsWs(static_cast<unsigned char>(ch))) out += ch;
  }
}

void RemoveNulls(std::string_view in, std::string& out) {
  if (in.find('\0') == std::string_view::npos) {
    out.assign(in);
    return;
  }
  out.clear();
  for (char ch : in) {
    if (ch != '\0') out += ch;
  }
}

void ReplaceNulls(std::string_view in, std::string& out) {
  out.assign(in);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
}

void ReplaceComments(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "/*") == 0) {
      const std::size_t end = in.find("*/", i + 2);
      out += ' ';
      i = end == std::string_view::npos ? in.size() : end + 2;
      continue;
    }
    out += in[i++];
  }
}

void RemoveComments(std::string_view in, std::string& out) {
  // /* ... */ and <!-- ... --> are removed; "--" and "#" start comments to the end.
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "/*") == 0) {
      const std::size_t end = in.find("*/", i + 2);
      i = end == std::string_view::npos ? in.size() : end + 2;
      continue;
    }
    if (in.compare(i, 4, "<!--") == 0) {
      const std::size_t end = in.find("-->", i + 4);
      i = end == std::string_view::npos ? in.size() : end + 3;
      continue;
    }
    if (in.compare(i, 2, "--") == 0 || in[i] == '#') break;
    out += in[i++];
  }
}

void RemoveCommentsChar(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "/*") == 0 || in.compare(i, 2, "*/") == 0 ||
        in.compare(i, 2, "--") == 0) {
      i += 2;
      continue;
    }
    if (in.compare(i, 4, "<!--") == 0) {
      i += 4;
      continue;
    }
    if (in.compare(i, 3, "-->") == 0) {
      i += 3;
      continue;
    }
    if (in[i] == '#') {
      ++i;
      continue;
    }
    out += in[i++];
  }
}

// Segments are views into in (a segment holds no separator, so treating '\\' as one for the
// Windows variant gives the same text as converting it first); nothing is allocated per call.
void NormalizePathImpl(std::string_view in, std::string& out, bool win) {
  const auto sep = [win](char c) { return c == '/' || (win && c == '\\'); };
  const bool absolute = !in.empty() && sep(in.front());
  const bool trailing = !in.empty() && sep(in.back());
  thread_local std::vector<std::string_view> parts;
  parts.clear();
  std::size_t pos = 0;
  while (pos <= in.size()) {
    std::size_t end = pos;
    while (end < in.size() && !sep(in[end])) ++end;
    const std::string_view seg = in.substr(pos, end - pos);
    if (seg.empty() || seg == ".") {
      // skip
    } else if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(seg);
      }
    } else {
      parts.push_back(seg);
    }
    if (end == in.size()) break;
    pos = end + 1;
  }
  out.assign(absolute ? "/" : "");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  if (trailing && !parts.empty()) out += '/';
}

void NormalizePath(std::string_view in, std::string& out) { NormalizePathImpl(in, out, false); }
void NormalizePathWin(std::string_view in, std::string& out) { NormalizePathImpl(in, out, true); }

void Utf8ToUnicode(std::string_view in, std::string& out) {
  // Multi-byte UTF-8 characters become %uXXXX; ASCII and invalid bytes stay as they are.
  if (AllAscii(in)) {
    out.assign(in);
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= in.size();
    unsigned cp = n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (!ok) {
      out += in[i++];
      continue;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%%u%04x", cp & 0xffff);
    out += buf;
    i += n;
  }
}

void EscapeSeqDecode(std::string_view in, std::string& out) { JsDecode(in, out); }

void Length(std::string_view in, std::string& out) { out = std::to_string(in.size()); }

int B64(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

void Base64DecodeImpl(std::string_view in, std::string& out, bool forgiving) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    const int v = B64(static_cast<unsigned char>(ch));
    if (v < 0) {
      if (forgiving) continue;
      break;  // decode up to the first character that is not base64
    }
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
}

void Base64Decode(std::string_view in, std::string& out) { Base64DecodeImpl(in, out, false); }
void Base64DecodeExt(std::string_view in, std::string& out) { Base64DecodeImpl(in, out, true); }

void Base64Encode(std::string_view in, std::string& out) {
  static constexpr char kB[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.clear();
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
    out += kB[v >> 18];
    out += kB[(v >> 12) & 63];
    out += kB[(v >> 6) & 63];
    out += kB[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kB[v >> 18];
    out += kB[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB[(v >> 6) & 63] : '=';
    out += '=';
  }
}

void HexEncode(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

void HexDecode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
    const int h = Hex(static_cast<unsigned char>(in[i]));
    const int l = Hex(static_cast<unsigned char>(in[i + 1]));
    if (h < 0 || l < 0) break;
    out += static_cast<char>(h << 4 | l);
  }
}

void SqlHexDecode(std::string_view in, std::string& out) {
  // 0xHEX... sequences become their bytes.
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] == '0' && i + 3 < in.size() && (in[i + 1] == 'x' || in[i + 1] == 'X') &&
        Hex(static_cast<unsigned char>(in[i + 2])) >= 0 &&
        Hex(static_cast<unsigned char>(in[i + 3])) >= 0) {
      std::size_t k = i + 2;
      while (k + 1 < in.size() && Hex(static_cast<unsigned char>(in[k])) >= 0 &&
             Hex(static_cast<unsigned char>(in[k + 1])) >= 0) {
        out += static_cast<char>(Hex(static_cast<unsigned char>(in[k])) << 4 |
                                 Hex(static_cast<unsigned char>(in[k + 1])));
        k += 2;
      }
      i = k;
      continue;
    }
    out += in[i++];
  }
}

void Trim(std::string_view in, std::string& out) {
  std::size_t b = 0, e = in.size();
  while (b < e && IsWs(static_cast<unsigned char>(in[b]))) ++b;
  while (e > b && IsWs(static_cast<unsigned char>(in[e - 1]))) --e;
  out.assign(in.substr(b, e - b));
}

void TrimLeft(std::string_view in, std::string& out) {
  std::size_t b = 0;
  while (b < in.size() && IsWs(static_cast<unsigned char>(in[b]))) ++b;
  out.assign(in.substr(b));
}

void TrimRight(std::string_view in, std::string& out) {
  std::size_t e = in.size();
  while (e > 0 && IsWs(static_cast<unsigned char>(in[e - 1]))) --e;
  out.assign(in.substr(0, e));
}

// SHA-1 (FIPS 180-4), for t:sha1; output is the raw 20-byte digest.
void Sha1(std::string_view in, std::string& out) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m(in);
  const uint64_t bit_len = static_cast<uint64_t>(in.size()) * 8;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int s = 56; s >= 0; s -= 8) m += static_cast<char>((bit_len >> s) & 0xff);
  const auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (std::size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; ++t) {
      const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off + static_cast<std::size_t>(t) * 4);
      w[t] = static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
             static_cast<uint32_t>(p[2]) << 8 | p[3];
    }
    for (int t = 16; t < 80; ++t) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
      uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const uint32_t tmp = rol(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = rol(b, 30);
      b = a;
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  out.clear();
  for (uint32_t x : h) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((x >> s) & 0xff);
  }
}

constexpr TransformInfo kTransforms[] = {
    {"none", None},
    {"lowercase", Lowercase},
    {"uppercase", Uppercase},
    {"urlDecode", UrlDecode},
    {"urlDecodeUni", UrlDecodeUni},
    {"urlEncode", UrlEncode},
    {"htmlEntityDecode", HtmlEntityDecode},
    {"jsDecode", JsDecode},
    {"cssDecode", CssDecode},
    {"cmdLine", CmdLine},
    {"compressWhitespace", CompressWhitespace},
    {"removeWhitespace", RemoveWhitespace},
    {"removeNulls", RemoveNulls},
    {"replaceNulls", ReplaceNulls},
    {"replaceComments", ReplaceComments},
    {"removeComments", RemoveComments},
    {"removeCommentsChar", RemoveCommentsChar},
    {"normalizePath", NormalizePath},
    {"normalisePath", NormalizePath},
    {"normalizePathWin", NormalizePathWin},
    {"normalisePathWin", NormalizePathWin},
    {"utf8toUnicode", Utf8ToUnicode},
    {"escapeSeqDecode", EscapeSeqDecode},
    {"length", Length},
    {"base64Decode", Base64Decode},
    {"base64DecodeExt", Base64DecodeExt},
    {"base64Encode", Base64Encode},
    {"hexEncode", HexEncode},
    {"hexDecode", HexDecode},
    {"sqlHexDecode", SqlHexDecode},
    {"sha1", Sha1},
    {"trim", Trim},
    {"trimLeft", TrimLeft},
    {"trimRight", TrimRight},
};

}  // namespace

std::span<const TransformInfo> Transformations() { return kTransforms; }

const TransformInfo* FindTransformation(std::string_view name) {
  for (const TransformInfo& t : kTransforms) {
    if (IEquals(t.name, name)) return &t;
  }
  return nullptr;
}

}  // namespace keikai::rules
