#include "keikai/geo/geo.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace keikai::geo {
namespace {

struct Range4 {
  uint32_t start, end;
  Country cc;
};
struct Range6 {
  std::array<uint8_t, 16> start, end;
  Country cc;
};

bool ParseCc(std::string_view s, Country& cc) {
  if (s.size() != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z') return false;
  cc = {s[0], s[1]};
  return true;
}

class TorGeoip : public GeoDb {
 public:
  std::vector<Range4> v4;
  std::vector<Range6> v6;

  std::string Lookup(const http::IpAddr& ip) const override {
    if (ip.v4) {
      const uint32_t a = ip.V4();
      auto it = std::upper_bound(v4.begin(), v4.end(), a,
                                 [](uint32_t x, const Range4& r) { return x < r.start; });
      if (it == v4.begin()) return {};
      --it;
      if (a > it->end) return {};
      return std::string(it->cc.data(), 2);
    }
    auto it = std::upper_bound(v6.begin(), v6.end(), ip.b,
                               [](const std::array<uint8_t, 16>& x, const Range6& r) {
                                 return x < r.start;
                               });
    if (it == v6.begin()) return {};
    --it;
    if (ip.b > it->end) return {};
    return std::string(it->cc.data(), 2);
  }
  std::string Describe() const override {
    return "tor-geoipdb (" + std::to_string(v4.size()) + " IPv4, " + std::to_string(v6.size()) +
           " IPv6 ranges)";
  }
};

class Mmdb : public GeoDb {
 public:
  explicit Mmdb(std::string path) : path_(std::move(path)) {}
  ~Mmdb() override {
    if (open_) MMDB_close(&db_);
  }
  Status Init() {
    const int rc = MMDB_open(path_.c_str(), MMDB_MODE_MMAP, &db_);
    if (rc != MMDB_SUCCESS) {
      return Status::Error("geo", path_ + ": " + MMDB_strerror(rc));
    }
    open_ = true;
    return Status::Ok();
  }
  std::string Lookup(const http::IpAddr& ip) const override {
    sockaddr_storage ss{};
    if (ip.v4) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      std::memcpy(&sin->sin_addr, ip.b.data() + 12, 4);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      std::memcpy(&sin6->sin6_addr, ip.b.data(), 16);
    }
    int err = 0;
    MMDB_lookup_result_s r =
        MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&db_), reinterpret_cast<sockaddr*>(&ss), &err);
    if (err != MMDB_SUCCESS || !r.found_entry) return {};
    MMDB_entry_data_s data{};
    for (const char* top : {"country", "registered_country"}) {
      if (MMDB_get_value(&r.entry, &data, top, "iso_code", nullptr) == MMDB_SUCCESS &&
          data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size == 2) {
        return std::string(data.utf8_string, 2);
      }
    }
    return {};
  }
  std::string Describe() const override { return "mmdb " + path_; }

 private:
  std::string path_;
  MMDB_s db_{};
  bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<GeoDb>> LoadTorGeoip(const std::string& v4_path, const std::string& v6_path,
                                           uint64_t* bad_lines) {
  auto db = std::make_unique<TorGeoip>();
  uint64_t bad = 0;
  {
    std::ifstream in(v4_path);
    if (!in) return Status::Error("geo", "cannot open " + v4_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      unsigned long long s = 0, e = 0;
      char cc[3] = {};
      if (std::sscanf(line.c_str(), "%llu,%llu,%2s", &s, &e, cc) != 3 || s > e ||
          e > 0xffffffffULL) {
        ++bad;
        continue;
      }
      Range4 r{static_cast<uint32_t>(s), static_cast<uint32_t>(e), {}};
      if (!ParseCc(cc, r.cc)) continue;  // "??" = unknown
      db->v4.push_back(r);
    }
  }
  if (!v6_path.empty()) {
    std::ifstream in(v6_path);
    if (in) {
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const std::size_t c1 = line.find(','), c2 = line.rfind(',');
        http::IpAddr a, b;
        Range6 r{};
        if (c1 == std::string::npos || c2 <= c1 ||
            !http::IpAddr::Parse(std::string_view(line).substr(0, c1), a) ||
            !http::IpAddr::Parse(std::string_view(line).substr(c1 + 1, c2 - c1 - 1), b)) {
          ++bad;
          continue;
        }
        if (!ParseCc(std::string_view(line).substr(c2 + 1), r.cc)) continue;
        r.start = a.b;
        r.end = b.b;
        db->v6.push_back(r);
      }
    }
  }
  std::sort(db->v4.begin(), db->v4.end(),
            [](const Range4& x, const Range4& y) { return x.start < y.start; });
  std::sort(db->v6.begin(), db->v6.end(),
            [](const Range6& x, const Range6& y) { return x.start < y.start; });
  if (bad_lines != nullptr) *bad_lines = bad;
  return std::unique_ptr<GeoDb>(std::move(db));
}

Result<std::unique_ptr<GeoDb>> LoadMmdb(const std::string& path) {
  auto db = std::make_unique<Mmdb>(path);
  Status st = db->Init();
  if (!st.ok()) return st;
  return std::unique_ptr<GeoDb>(std::move(db));
}

Result<std::unique_ptr<GeoDb>> Open(const std::string& path) {
  if (path.empty()) return LoadTorGeoip(kTorGeoip4, kTorGeoip6);
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".mmdb") == 0) return LoadMmdb(path);
  return LoadTorGeoip(path, "");
}

}  // namespace keikai::geo
