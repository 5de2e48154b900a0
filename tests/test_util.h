#pragma once
// Small helpers shared by the tests: temporary directories and file writers.

#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "keikai/core/time.h"

namespace keikai::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("keikai-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

inline std::string DataPath(const std::string& name) {
  return std::string(KEIKAI_TEST_DATA) + "/" + name;
}

// A combined-log time field's inside for `local` seconds (the wall clock of zone `zone`, e.g.
// "+0900"): "16/Feb/2022:09:05:00 +0900".
inline std::string ClfTime(int64_t local, const char* zone) {
  static const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t y = 0;
  unsigned m = 0, dom = 0;
  CivilFromDays(local / 86400, y, m, dom);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%02u/%s/%lld:%02lld:%02lld:%02lld %s", dom, kMon[m - 1], static_cast<long long>(y),
                static_cast<long long>(local % 86400 / 3600), static_cast<long long>(local % 3600 / 60),
                static_cast<long long>(local % 60), zone);
  return ts;
}

// Standard base64 (RFC 4648) decoded; other characters (line ends) skipped.
inline std::string DecodeBase64(const std::string& in) {
  static const std::string k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char c : in) {
    const std::size_t d = k.find(c);
    if (c == '\0' || d == std::string::npos) continue;
    v = v << 6 | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

// Combined-log lines of a shop at +09:00 from local day day0 (days since 1970): `quiet` days of
// 20 attacks (/.env, 404, each from its own address) among `benign` requests, then `rise` days
// of 500 attacks. Used by the surge and daemon tests.
inline std::vector<std::string> SurgeHistory(int64_t day0, int quiet, int rise, int benign) {
  std::vector<std::string> out;
  int n = 0;
  for (int d = 0; d < quiet + rise; ++d) {
    const int attacks = d < quiet ? 20 : 500, total = attacks + benign;
    for (int k = 0; k < total; ++k) {
      const int64_t local = (day0 + d) * 86400 + static_cast<int64_t>(k) * 86400 / total;
      const std::string ts = ClfTime(local, "+0900");
      const bool attack = k % (total / attacks) == 0 && k / (total / attacks) < attacks;
      ++n;
      const std::string ip = attack ? "198.51." + std::to_string(n / 250 % 250) + "." + std::to_string(n % 250)
                                    : "203.0.113." + std::to_string(k % 200);
      out.push_back(ip + " - - [" + ts + "] \"GET " + (attack ? "/.env" : "/page/" + std::to_string(k % 300)) +
                    " HTTP/1.1\" " + (attack ? "404" : "200") + " 100 \"-\" \"Mozilla/5.0 Firefox/120.0\"\n");
    }
  }
  return out;
}

}  // namespace keikai::testing
