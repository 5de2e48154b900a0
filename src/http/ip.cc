#include "keikai/http/ip.h"

#include <cstdio>

namespace keikai::http {
namespace {

bool ParseV4(std::string_view s, uint8_t out[4]) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (++digits > 3 || v > 255) return false;
      ++i;
    }
    out[part++] = static_cast<uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseV6(std::string_view s, std::array<uint8_t, 16>& out) {
  uint16_t words[8] = {};
  int n = 0;
  int gap = -1;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      out.fill(0);
      return true;
    }
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // Embedded IPv4 in the last 32 bits.
    const std::size_t rest_dot = s.find('.', i);
    if (rest_dot != std::string_view::npos && s.find(':', i) == std::string_view::npos) {
      uint8_t v4[4];
      if (n > 6 || !ParseV4(s.substr(i), v4)) return false;
      words[n++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      words[n++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && HexVal(s[i]) >= 0) {
      v = v << 4 | static_cast<unsigned>(HexVal(s[i]));
      if (++digits > 4) return false;
      ++i;
    }
    if (digits == 0) return false;
    words[n++] = static_cast<uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n > 7) return false;
  uint16_t full[8] = {};
  if (gap >= 0) {
    const int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = words[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = words[gap + k];
  } else {
    for (int k = 0; k < 8; ++k) full[k] = words[k];
  }
  for (int k = 0; k < 8; ++k) {
    out[static_cast<std::size_t>(2 * k)] = static_cast<uint8_t>(full[k] >> 8);
    out[static_cast<std::size_t>(2 * k + 1)] = static_cast<uint8_t>(full[k] & 0xff);
  }
  return true;
}

}  // namespace

bool IpAddr::Parse(std::string_view s, IpAddr& out) {
  if (s.empty() || s.size() > 64) return false;
  if (s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    s = s.substr(1, close - 1);
  }
  // IPv4 with optional :port.
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || (s.find('.') != std::string_view::npos &&
                                          s.find(':', colon + 1) == std::string_view::npos &&
                                          s.find('.') < colon)) {
    uint8_t v4[4];
    if (!ParseV4(colon == std::string_view::npos ? s : s.substr(0, colon), v4)) return false;
    out.b.fill(0);
    out.b[10] = 0xff;
    out.b[11] = 0xff;
    for (int k = 0; k < 4; ++k) out.b[static_cast<std::size_t>(12 + k)] = v4[k];
    out.v4 = true;
    return true;
  }
  if (!ParseV6(s, out.b)) return false;
  // ::ffff:a.b.c.d is IPv4.
  out.v4 = true;
  for (int k = 0; k < 10; ++k) out.v4 = out.v4 && out.b[static_cast<std::size_t>(k)] == 0;
  out.v4 = out.v4 && out.b[10] == 0xff && out.b[11] == 0xff;
  return true;
}

bool IpAddr::IsLoopbackOrPrivate() const {
  if (v4) {
    const uint32_t a = V4();
    return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) ||
           (a >> 16) == (192u << 8 | 168) || (a >> 16) == (169u << 8 | 254) || (a >> 24) == 0;
  }
  bool loop = b[15] == 1;
  for (int k = 0; k < 15; ++k) loop = loop && b[static_cast<std::size_t>(k)] == 0;
  return loop || (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

std::string IpAddr::ToString() const {
  char buf[48];
  if (v4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    return buf;
  }
  // RFC 5952: compress the longest run of zero words.
  uint16_t w[8];
  for (int k = 0; k < 8; ++k) {
    w[k] = static_cast<uint16_t>(b[static_cast<std::size_t>(2 * k)] << 8 |
                                 b[static_cast<std::size_t>(2 * k + 1)]);
  }
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (w[k] != 0) {
      ++k;
      continue;
    }
    int j = k;
    while (j < 8 && w[j] == 0) ++j;
    if (j - k > best_len && j - k > 1) {
      best = k;
      best_len = j - k;
    }
    k = j;
  }
  std::string out;
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", w[k]);
    out += buf;
  }
  return out;
}

bool IpPrefix::Parse(std::string_view s, IpPrefix& out) {
  const std::size_t slash = s.find('/');
  if (!IpAddr::Parse(s.substr(0, slash), out.addr)) return false;
  const int max = out.addr.v4 ? 32 : 128;
  int bits = max;
  if (slash != std::string_view::npos) {
    const std::string_view b = s.substr(slash + 1);
    if (b.empty() || b.size() > 3) return false;
    bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return false;
      bits = bits * 10 + (c - '0');
    }
    if (bits > max) return false;
  }
  out.bits = out.addr.v4 ? 96 + bits : bits;
  return true;
}

bool IpPrefix::Contains(const IpAddr& a) const {
  int left = bits;
  for (std::size_t k = 0; k < 16 && left > 0; ++k, left -= 8) {
    const uint8_t mask = left >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - left));
    if ((a.b[k] & mask) != (addr.b[k] & mask)) return false;
  }
  return true;
}

}  // namespace keikai::http
