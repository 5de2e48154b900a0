// The tor-geoipdb text parser (a --geoip file is user input): the input is the IPv4 table and,
// after a line "==", the IPv6 table; a few lookups follow.
#include <cstdint>
#include <string_view>

#include "keikai/geo/geo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = in.find("\n==\n");
  const std::string_view v4 = in.substr(0, sep);
  const std::string_view v6 = sep == std::string_view::npos ? std::string_view() : in.substr(sep + 4);
  uint64_t bad = 0;
  auto db = geo::ParseTorGeoip(v4, v6, &bad);
  for (const char* a : {"1.0.0.1", "203.0.113.9", "255.255.255.255", "2001:db8::1", "::"}) {
    http::IpAddr ip;
    if (http::IpAddr::Parse(a, ip) && db->Lookup(ip).size() > 2) __builtin_trap();
  }
  return 0;
}
