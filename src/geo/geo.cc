#include "keikai/geo/geo.h"

#include "keikai/core/i18n.h"

#include "keikai/core/files.h"
#include "keikai/core/hash.h"

#include <maxminddb.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <cstdio>
#include <cstring>

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

void LoadV6(const std::string& path, std::vector<Range6>& out, uint64_t& bad);
// The IPv6 table from its cache file (cache_dir/geoip6-KEY.bin) or, failing that, from the text
// (then cached): parsing the 276,000-line text cost about 0.4 s a run that met an IPv6 address.
void LoadV6Cached(const std::string& path, const std::string& cache_dir, std::vector<Range6>& out);

class TorGeoip : public GeoDb {
 public:
  std::vector<Range4> v4;
  // IPv6 ranges are loaded on the first IPv6 lookup: most scans never need them.
  mutable std::vector<Range6> v6;
  mutable std::once_flag v6_once;
  std::string v6_path;
  std::string cache_dir;  // "" = no cache

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
    std::call_once(v6_once, [this] {
      if (!v6_path.empty()) LoadV6Cached(v6_path, cache_dir, v6);
    });
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
    return "tor-geoipdb (" + std::to_string(v4.size()) + " IPv4 ranges" +
           (v6_path.empty() ? "" : ", IPv6 from " + v6_path) + ")";
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

namespace {


bool ParseU32(std::string_view s, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

template <typename F>
void ForEachLine(std::string_view data, F f) {
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line[0] != '#') f(line);
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
}

void ParseV4Text(std::string_view data, std::vector<Range4>& out, uint64_t& bad) {
  out.reserve(out.size() + data.size() / 24);
  ForEachLine(data, [&](std::string_view line) {
    const std::size_t c1 = line.find(','), c2 = line.rfind(',');
    Range4 r{};
    if (c1 == std::string_view::npos || c2 <= c1 || !ParseU32(line.substr(0, c1), r.start) ||
        !ParseU32(line.substr(c1 + 1, c2 - c1 - 1), r.end) || r.start > r.end) {
      ++bad;
      return;
    }
    if (ParseCc(line.substr(c2 + 1), r.cc)) out.push_back(r);  // "??" = unknown
  });
  // Debian's files are sorted already; sorting again only guards against other sources.
  auto by4 = [](const Range4& x, const Range4& y) { return x.start < y.start; };
  if (!std::is_sorted(out.begin(), out.end(), by4)) std::sort(out.begin(), out.end(), by4);
}

void ParseV6Text(std::string_view data, std::vector<Range6>& out, uint64_t& bad) {
  out.reserve(out.size() + data.size() / 48);
  ForEachLine(data, [&](std::string_view line) {
    const std::size_t c1 = line.find(','), c2 = line.rfind(',');
    http::IpAddr a, b;
    Range6 r{};
    if (c1 == std::string_view::npos || c2 <= c1 || !http::IpAddr::Parse(line.substr(0, c1), a) ||
        !http::IpAddr::Parse(line.substr(c1 + 1, c2 - c1 - 1), b)) {
      ++bad;
      return;
    }
    if (!ParseCc(line.substr(c2 + 1), r.cc)) return;
    r.start = a.b;
    r.end = b.b;
    out.push_back(r);
  });
  auto by6 = [](const Range6& x, const Range6& y) { return x.start < y.start; };
  if (!std::is_sorted(out.begin(), out.end(), by6)) std::sort(out.begin(), out.end(), by6);
}

void LoadV6(const std::string& path, std::vector<Range6>& out, uint64_t& bad) {
  std::string data;
  if (ReadFile(path, data)) ParseV6Text(data, out, bad);
}

}  // namespace

Result<std::unique_ptr<GeoDb>> LoadTorGeoip(const std::string& v4_path, const std::string& v6_path,
                                           uint64_t* bad_lines) {
  auto db = std::make_unique<TorGeoip>();
  uint64_t bad = 0;
  std::string data;
  errno = 0;
  if (!ReadFile(v4_path, data)) {
    return Status::Error("geo", v4_path + ": " + ErrnoText(errno != 0 ? errno : EIO));  // in the user's language
  }
  ParseV4Text(data, db->v4, bad);
  db->v6_path = v6_path;
  if (bad_lines != nullptr) *bad_lines = bad;
  return std::unique_ptr<GeoDb>(std::move(db));
}

std::unique_ptr<GeoDb> ParseTorGeoip(std::string_view v4_text, std::string_view v6_text,
                                     uint64_t* bad_lines) {
  auto db = std::make_unique<TorGeoip>();
  uint64_t bad = 0;
  ParseV4Text(v4_text, db->v4, bad);
  ParseV6Text(v6_text, db->v6, bad);  // v6_path stays empty: nothing is loaded lazily
  if (bad_lines != nullptr) *bad_lines = bad;
  return db;
}

Result<std::unique_ptr<GeoDb>> LoadMmdb(const std::string& path) {
  auto db = std::make_unique<Mmdb>(path);
  Status st = db->Init();
  if (!st.ok()) return st;
  return std::unique_ptr<GeoDb>(std::move(db));
}

namespace {

constexpr uint32_t kCacheMagic4 = 0x6b6b6734;  // "kkg4"
constexpr uint32_t kCacheMagic6 = 0x6b6b6736;  // "kkg6"

std::string CacheKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  const uint64_t h =
      Fnv1a64(path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtime));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// A cached table: magic, count, then the ranges as they are in memory (the cache is per machine).
template <typename Range>
bool LoadCache(const std::string& file, uint32_t magic, std::vector<Range>& out) {
  // Read straight into the table (megabytes): no intermediate copy.
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) return false;
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  struct stat st {};
  uint32_t head[2] = {0, 0};  // magic, count
  if (::fstat(::fileno(f), &st) != 0 || std::fread(head, 1, sizeof head, f) != sizeof head) {
    return false;
  }
  const uint32_t n = head[1];
  if (head[0] != magic ||
      static_cast<std::size_t>(st.st_size) != 8 + static_cast<std::size_t>(n) * sizeof(Range)) {
    return false;
  }
  out.resize(n);
  if (std::fread(out.data(), sizeof(Range), n, f) != n) {
    out.clear();
    return false;
  }
  // Never trust a cache blindly: it must still be a sorted table of valid ranges.
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].start > out[i].end || (i > 0 && out[i - 1].start > out[i].start) ||
        !ParseCc(std::string_view(out[i].cc.data(), 2), out[i].cc)) {
      out.clear();
      return false;
    }
  }
  return true;
}

template <typename Range>
void StoreCache(const std::string& dir, const std::string& file, uint32_t magic,
                const std::vector<Range>& v, const char* prefix) {
  const uint32_t n = static_cast<uint32_t>(v.size());
  std::string bytes;
  bytes.append(reinterpret_cast<const char*>(&magic), 4);
  bytes.append(reinterpret_cast<const char*>(&n), 4);
  bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(Range));
  if (WriteFileAtomic(file, bytes)) PruneSiblings(dir, file, prefix);
}

}  // namespace

namespace {

void LoadV6Cached(const std::string& path, const std::string& cache_dir, std::vector<Range6>& out) {
  const std::string key = cache_dir.empty() ? "" : CacheKey(path);
  const std::string file = key.empty() ? "" : cache_dir + "/geoip6-" + key + ".bin";
  if (!file.empty() && LoadCache(file, kCacheMagic6, out)) return;
  uint64_t bad = 0;
  LoadV6(path, out, bad);
  if (!file.empty() && !out.empty()) StoreCache(cache_dir, file, kCacheMagic6, out, "geoip6-");
}

}  // namespace

Result<std::unique_ptr<GeoDb>> Open(const std::string& path, const std::string& cache_dir) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".mmdb") == 0) return LoadMmdb(path);
  const std::string v4 = path.empty() ? kTorGeoip4 : path;
  const std::string v6 = path.empty() ? kTorGeoip6 : "";
  const std::string key = cache_dir.empty() ? "" : CacheKey(v4);
  const std::string cache_file = key.empty() ? "" : cache_dir + "/geoip4-" + key + ".bin";
  if (!cache_file.empty()) {
    auto db = std::make_unique<TorGeoip>();
    if (LoadCache(cache_file, kCacheMagic4, db->v4)) {
      db->v6_path = v6;
      db->cache_dir = cache_dir;
      return std::unique_ptr<GeoDb>(std::move(db));
    }
  }
  auto r = LoadTorGeoip(v4, v6);
  if (r.ok()) {
    auto* t = static_cast<TorGeoip*>(r.value().get());
    t->cache_dir = cache_dir;
    if (!cache_file.empty()) StoreCache(cache_dir, cache_file, kCacheMagic4, t->v4, "geoip4-");
  }
  return r;
}

}  // namespace keikai::geo
