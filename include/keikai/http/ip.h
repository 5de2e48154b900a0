#pragma once
// IpAddr: an IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96), parsed without
// allocation. Value type.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace keikai::http {

struct IpAddr {
  std::array<uint8_t, 16> b{};
  bool v4 = false;

  // Accepts dotted IPv4, IPv6 (with ::, embedded IPv4, optional [brackets]); an optional
  // ":port" after IPv4 or "]:port" after bracketed IPv6 is ignored. False if malformed.
  static bool Parse(std::string_view s, IpAddr& out);
  uint32_t V4() const {
    return (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
  }
  bool IsLoopbackOrPrivate() const;
  std::string ToString() const;
  bool operator==(const IpAddr&) const = default;
};

// A CIDR prefix for trusted-proxy and allowlist settings.
struct IpPrefix {
  IpAddr addr;
  int bits = 0;  // in the 128-bit space (IPv4 /24 is stored as 96+24)
  static bool Parse(std::string_view s, IpPrefix& out);
  bool Contains(const IpAddr& a) const;
};

}  // namespace keikai::http
