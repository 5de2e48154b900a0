#pragma once
// Country of an IP address from offline data: Debian's tor-geoipdb text files (derived from the
// IPFire location database, the same data libloc ships) by default, or a MaxMind-format .mmdb
// through libmaxminddb when the user gives one. No network is ever used.
//
// Thread-safety: a loaded GeoDb is immutable; Lookup is safe from many threads.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/ip.h"

namespace keikai::geo {

// Two upper-case letters, or "" when unknown.
using Country = std::array<char, 2>;

class GeoDb {
 public:
  virtual ~GeoDb() = default;
  // "" if unknown.
  virtual std::string Lookup(const http::IpAddr& ip) const = 0;
  virtual std::string Describe() const = 0;  // e.g. "tor-geoipdb (385,600 IPv4 ranges)"
};

// Default locations of Debian's tor-geoipdb.
constexpr const char* kTorGeoip4 = "/usr/share/tor/geoip";
constexpr const char* kTorGeoip6 = "/usr/share/tor/geoip6";

// Load tor-geoipdb format files ("start,end,CC" for IPv4 as integers; "start,end,CC" IPv6).
// The IPv6 path may be empty. Malformed lines are skipped and counted in bad_lines.
Result<std::unique_ptr<GeoDb>> LoadTorGeoip(const std::string& v4_path,
                                           const std::string& v6_path,
                                           uint64_t* bad_lines = nullptr);
// Parse tor-geoipdb text already in memory (both tables at once); malformed lines are skipped
// and counted in bad_lines. LoadTorGeoip reads files and parses with the same code.
std::unique_ptr<GeoDb> ParseTorGeoip(std::string_view v4_text, std::string_view v6_text,
                                     uint64_t* bad_lines = nullptr);
// Load a MaxMind DB (.mmdb): country.iso_code (or registered_country.iso_code).
Result<std::unique_ptr<GeoDb>> LoadMmdb(const std::string& path);
// Load by path: .mmdb -> libmaxminddb, otherwise tor-geoipdb format; "" -> the Debian default.
// cache_dir (optional): the parsed IPv4 table is kept there in binary form, keyed by the source
// file's path, size and modification time, so later runs load it in milliseconds.
Result<std::unique_ptr<GeoDb>> Open(const std::string& path, const std::string& cache_dir = "");

}  // namespace keikai::geo
