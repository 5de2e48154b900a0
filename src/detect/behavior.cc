#include "keikai/detect/behavior.h"

#include "keikai/core/ascii.h"
#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace keikai::detect {
namespace {

using SC = SourceClass;

// The one table of scenarios. Capacities and leak rates are chosen so that ordinary browsing
// (a page every few seconds at most, with its assets, a few 404s) never overflows, while tools
// that enumerate overflow within a minute or two. docs/behavior.md explains each row.
constexpr uint32_t Bit(AttackClass c) { return 1u << static_cast<int>(c); }

constexpr ScenarioSpec kScenarios[] = {
    {Scenario::kProbe404, "probe-404", 20, 0.1, SC::kScanner, Bit(AttackClass::kProbe), false,
     "4xx answers on more than 20 distinct paths in a burst (draining 1 per 10 s)",
     "短時間に20を超える別々のパスで4xx応答（10秒に1件ずつ回復）"},
    {Scenario::kSensitiveFiles, "sensitive-files", 2, 1.0 / 60, SC::kScanner, 0, false,
     "more than 2 requests for sensitive files (draining 1 per minute)",
     "機密ファイルへのリクエストが2件を超える（1分に1件ずつ回復）"},
    {Scenario::kAdminProbe, "admin-probe", 2, 1.0 / 60, SC::kScanner, 0, false,
     "more than 2 requests for admin interfaces the site does not have (draining 1 per minute)",
     "存在しない管理画面へのリクエストが2件を超える（1分に1件ずつ回復）"},
    {Scenario::kBackdoor, "backdoor-names", 1, 1.0 / 60, SC::kScanner, 0, false,
     "more than 1 request for web-shell names (draining 1 per minute)",
     "Webシェル名へのリクエストが1件を超える（1分に1件ずつ回復）"},
    {Scenario::kCvePath, "cve-paths", 1, 1.0 / 60, SC::kScanner, 0, false,
     "more than 1 known-CVE probe (draining 1 per minute)",
     "既知のCVEを狙うリクエストが1件を超える（1分に1件ずつ回復）"},
    {Scenario::kFastCrawl, "fast-crawl", 60, 0.5, SC::kBadBot, Bit(AttackClass::kBadBot), true,
     "pages faster than 1 per 2 s beyond a burst of 60, with under 10% assets",
     "アセットが10%未満のまま、60件のバーストを超えて2秒に1ページより速く取得"},
    {Scenario::kPathEnum, "path-enumeration", 100, 0.2, SC::kBadBot, Bit(AttackClass::kBadBot), true,
     "more than 100 distinct paths in a burst (draining 1 per 5 s)",
     "短時間に100を超える別々のパス（5秒に1件ずつ回復）"},
    // Many user agents alone is a weak signal (a household, an office, a carrier's NAT): it is
    // evidence beside others, and makes no request an attack and no source a bot by itself.
    {Scenario::kUaSwitch, "ua-switching", 4, 1.0 / 300, SC::kUnknown, 0, true,
     "more than 4 different user agents (draining 1 per 5 minutes)",
     "4種類を超えるユーザーエージェント（5分に1件ずつ回復）"},
    {Scenario::kScriptedUa, "scripted-ua", 10, 1.0 / 60, SC::kBadBot, Bit(AttackClass::kBadBot), false,
     "more than 10 requests with an empty or scripted user agent (draining 1 per minute)",
     "空またはスクリプトのユーザーエージェントで10件を超えるリクエスト（1分に1件ずつ回復）"},
    {Scenario::kHeadOptions, "head-options", 20, 1.0 / 30, SC::kBadBot, Bit(AttackClass::kBadBot), false,
     "more than 20 HEAD/OPTIONS requests (draining 1 per 30 s)",
     "HEAD/OPTIONSリクエストが20件を超える（30秒に1件ずつ回復）"},
    {Scenario::kManySites, "many-sites", 5, 1.0 / 600, SC::kScanner, Bit(AttackClass::kScanner), true,
     "more than 5 different sites (draining 1 per 10 minutes)",
     "5つを超える別々のサイト（10分に1件ずつ回復）"},
};
static_assert(std::size(kScenarios) == kScenarioCount);

// The scenarios that make a source's requests attacks in their own right.
constexpr uint32_t kRequestClassScenarios = [] {
  uint32_t m = 0;
  for (int k = 0; k < kScenarioCount; ++k) {
    if (kScenarios[k].request_classes != 0) m |= 1u << k;
  }
  return m;
}();

constexpr std::string_view kClassNames[] = {"unknown", "human", "crawler", "bad-bot", "scanner", "shared"};

// The scenarios whose classes a shared-looking source does not get (ScenarioSpec::volume).
constexpr uint32_t kVolumeScenarios = [] {
  uint32_t m = 0;
  for (int k = 0; k < kScenarioCount; ++k) {
    if (kScenarios[k].volume) m |= 1u << k;
  }
  return m;
}();


enum Crawler : uint8_t { kNoCrawler = 0, kGoogle, kBing, kYandex, kBaidu, kApple, kDuckDuck };
struct CrawlerSpec {
  std::string_view ua;       // lowercase substring of the user agent
  std::string_view name;
  std::string_view domains[3];  // reverse DNS must end with one of these
};
constexpr CrawlerSpec kCrawlers[] = {
    {"", "", {}},
    {"googlebot", "googlebot", {".googlebot.com", ".google.com", ".googleusercontent.com"}},
    {"bingbot", "bingbot", {".search.msn.com", "", ""}},
    {"yandex", "yandexbot", {".yandex.ru", ".yandex.net", ".yandex.com"}},
    {"baiduspider", "baiduspider", {".baidu.com", ".baidu.jp", ""}},
    {"applebot", "applebot", {".applebot.apple.com", "", ""}},
    {"duckduckbot", "duckduckbot", {".duckduckgo.com", "", ""}},
};

constexpr int kPathSlots = 16, kUaSlots = 8, kSiteSlots = 8;

// One tracked source. Fixed size; lives in the open-addressing table.
struct SourceState {
  std::array<uint8_t, 16> key{};
  uint8_t used = 0;
  uint8_t crawler = kNoCrawler;
  uint8_t browser = 0;  // the user agent looked like a browser
  uint8_t path_n = 0, ua_n = 0, site_n = 0;
  uint32_t signatures = 0;
  uint32_t triggered = 0;
  uint32_t class_bits = 0;     // attack classes the triggered behaviour scenarios give requests
  uint32_t volume_bits = 0;    // ... of which from volume scenarios (not for shared sources)
  uint16_t browser_uas = 0;    // distinct browser user agents seen (about: a ring of 8 recalls)
  uint16_t attack_requests = 0;  // requests with a signature class, saturating
  int64_t first_seen = 0, last_seen = 0;
  uint32_t requests = 0, client_errors = 0, pages = 0, assets = 0;
  float level[kScenarioCount] = {};
  uint16_t triggers[kScenarioCount] = {};
  uint16_t paths[kPathSlots] = {};
  uint16_t uas[kUaSlots] = {};
  uint16_t sites[kSiteSlots] = {};
};


// Many people behind one address: at least 5 different browser user agents, browsing as people
// do (assets with the pages, few client errors), and attacks a small share of its requests.
// Such an address is judged by what its requests are, not by its volume.
bool LooksShared(const SourceState& s) {
  return s.browser_uas >= 5 && uint64_t{s.assets} * 2 >= s.pages &&
         uint64_t{s.client_errors} * 10 <= s.requests && uint64_t{s.attack_requests} * 10 <= s.requests;
}

uint64_t HashKey(const std::array<uint8_t, 16>& k) {
  uint64_t a, b;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  return Mix64(a ^ Mix64(b + 0x9e3779b97f4a7c15ULL));
}

// A 16-bit fingerprint of a target, user agent or site (0 marks an empty ring slot).
uint16_t Fp16(uint64_t hash) {
  const auto f = static_cast<uint16_t>(hash);
  return f == 0 ? 1 : f;
}
uint16_t Fp16(std::string_view s) { return Fp16(FastHash64(s)); }

// Remembers a fingerprint in a small ring; true if it was new.
template <int N>
bool Remember(uint16_t (&ring)[N], uint8_t& n, uint16_t fp) {
  for (int i = 0; i < N; ++i) {
    if (ring[i] == fp) return false;
  }
  ring[n % N] = fp;
  n = static_cast<uint8_t>((n + 1) % N);
  return true;
}

bool IsAsset(std::string_view path) {
  // The extension, lowercased into one 64-bit word, compared against a small table.
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.size() - dot - 1 > 5 || path.size() - dot - 1 < 2) {
    return false;
  }
  uint64_t w = 0;
  for (std::size_t i = dot + 1; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') return false;
    w = w << 8 | static_cast<unsigned char>(c | 0x20);
  }
  constexpr auto W = [](std::string_view e) {
    uint64_t x = 0;
    for (char c : e) x = x << 8 | static_cast<unsigned char>(c);
    return x;
  };
  switch (w) {
    case W("css"): case W("js"): case W("png"): case W("jpg"): case W("jpeg"): case W("gif"):
    case W("svg"): case W("ico"): case W("webp"): case W("woff"): case W("woff2"):
    case W("ttf"): case W("map"): case W("avif"): case W("mp4"): case W("webm"):
      return true;
    default:
      return false;
  }
}


std::string KeyText(const std::array<uint8_t, 16>& k, int bits_v4, int bits_v6) {
  http::IpAddr a;
  a.b = k;
  a.v4 = k[10] == 0xff && k[11] == 0xff &&
         std::all_of(k.begin(), k.begin() + 10, [](uint8_t b) { return b == 0; });
  std::string s = a.ToString();
  const int bits = a.v4 ? bits_v4 : bits_v6;
  if (bits < (a.v4 ? 32 : 128)) s += "/" + std::to_string(bits);
  return s;
}

bool VerifyCrawler(const std::array<uint8_t, 16>& k, bool v4, const CrawlerSpec& c) {
  // Reverse DNS, then forward DNS of that name must give the address back.
  sockaddr_storage ss{};
  socklen_t len;
  if (v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, k.data() + 12, 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, k.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, nullptr, 0,
                  NI_NAMEREQD) != 0) {
    return false;
  }
  const std::string_view h(host);
  bool domain_ok = false;
  for (std::string_view d : c.domains) {
    domain_ok = domain_ok || (!d.empty() && h.size() > d.size() &&
                              h.compare(h.size() - d.size(), d.size(), d) == 0);
  }
  if (!domain_ok) return false;
  addrinfo hints{};
  hints.ai_family = v4 ? AF_INET : AF_INET6;
  addrinfo* res = nullptr;
  if (getaddrinfo(host, nullptr, &hints, &res) != 0) return false;
  bool match = false;
  for (addrinfo* p = res; p != nullptr && !match; p = p->ai_next) {
    if (v4 && p->ai_family == AF_INET) {
      match = std::memcmp(&reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, k.data() + 12, 4) == 0;
    } else if (!v4 && p->ai_family == AF_INET6) {
      match = std::memcmp(&reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, k.data(), 16) == 0;
    }
  }
  freeaddrinfo(res);
  return match;
}

}  // namespace

std::string_view SourceClassName(SourceClass c) {
  const auto i = static_cast<std::size_t>(c);
  return i < std::size(kClassNames) ? kClassNames[i] : "unknown";
}

bool ParseSourceClass(std::string_view s, SourceClass& out) {
  for (std::size_t i = 0; i < std::size(kClassNames); ++i) {
    if (kClassNames[i] == s) {
      out = static_cast<SourceClass>(i);
      return true;
    }
  }
  return false;
}

std::span<const ScenarioSpec> Scenarios() { return kScenarios; }

namespace {

// A scenario's id and evidence line, built once (findings list them, per finding).
struct ScenarioTexts {
  std::string id, evidence;
};
const ScenarioTexts& TextsOf(const ScenarioSpec& s) {
  static const auto table = [] {
    std::array<ScenarioTexts, std::size(kScenarios)> t;
    for (std::size_t k = 0; k < t.size(); ++k) {
      t[k].id = "behavior:" + std::string(kScenarios[k].name);
      t[k].evidence = t[k].id + ": " + std::string(kScenarios[k].help_en);
    }
    return t;
  }();
  // s is a row of kScenarios (Scenarios() gives no other): its place there is its index.
  const auto k = static_cast<std::size_t>(&s - std::data(kScenarios));
  assert(k < table.size());
  return table[k];
}

}  // namespace

const std::string& ScenarioDetectorId(const ScenarioSpec& s) { return TextsOf(s).id; }

std::string_view ScenarioHelp(std::string_view id) {
  for (const ScenarioSpec& s : kScenarios) {
    if (s.name == id) return CurrentLang() == Lang::kJa ? s.help_ja : s.help_en;
  }
  return {};
}

const std::string& ScenarioEvidence(const ScenarioSpec& s) { return TextsOf(s).evidence; }

std::vector<std::string> SourceVerdict::scenario_ids() const {
  std::vector<std::string> ids;
  for (int i = 0; i < kScenarioCount; ++i) {
    if (triggered & (1u << i)) ids.emplace_back(kScenarios[i].name);
  }
  return ids;
}

struct BehaviorTracker::Impl {
  BehaviorOptions opt;
  // Two parts, for locality: a compact open-addressing index (4 bytes a slot, growing up to the
  // power of two >= max_sources * 4/3 slots; see Grow) of ids into a dense array of max_sources
  // states that are handed out in order and reused after eviction. Active sources thus sit together in memory, and the
  // states come from calloc: untouched ones cost no resident memory.
  struct Free {
    void operator()(SourceState* p) const { std::free(p); }
  };
  std::vector<uint32_t> index;  // 0 = empty, else state id + 1
  std::unique_ptr<SourceState, Free> storage;
  SourceState* states = nullptr;
  std::vector<uint32_t> free_ids;
  uint32_t high = 0;            // ids [0, high) have been handed out at least once
  std::size_t slots = 0;      // current index size (a power of two)
  std::size_t max_slots = 0;  // its bound: the power of two >= max_sources * 4/3
  std::size_t count = 0;
  uint64_t evictions = 0;
  uint64_t rng = 0x2545F4914F6CDD1DULL;
  std::vector<int8_t> detector_scenario;  // per detector index: scenario or -1
  std::vector<SourceVerdict> pending;
  std::string last_site;
  uint16_t last_site_fp = 0;
  std::array<uint8_t, 16> mask_v4{}, mask_v6{};  // the prefix that names a source, as a byte mask
  std::string ua_lower;                          // scratch: the user agent lower-cased
  // Checkpoint deltas: state ids written or freed since the last TakeCheckpoint.
  std::vector<uint8_t> touched;
  std::vector<uint32_t> touched_ids;

  void Touch(uint32_t id) {
    if (touched.size() <= id) touched.resize(std::max<std::size_t>(id + 1, touched.size() * 2), 0);
    if (touched[id] != 0) return;
    touched[id] = 1;
    touched_ids.push_back(id);
  }

  static std::array<uint8_t, 16> PrefixMask(int prefix_bits) {
    std::array<uint8_t, 16> m{};
    for (int i = 0; i < 16; ++i) {
      const int keep = std::clamp(prefix_bits - i * 8, 0, 8);
      m[static_cast<std::size_t>(i)] = static_cast<uint8_t>(0xff00 >> keep);
    }
    return m;
  }

  uint64_t Next() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  }

  // The index is a power of two of slots, grown (doubled and rebuilt) as sources arrive, up
  // to max_slots: a scan of a few thousand sources probes a table that stays in cache, not
  // one sized for max_sources (the probe's cache miss was a third of Observe's time).
  std::size_t Home(const std::array<uint8_t, 16>& k) const {
    return static_cast<std::size_t>(HashKey(k)) & (slots - 1);
  }
  std::size_t Step(std::size_t i) const { return (i + 1) & (slots - 1); }

  // Whether one more source needs a larger index. Below max_slots the index is kept at most 3/8
  // full: every probe of a longer chain reads a state (a cache miss of its own), so a sparse
  // index pays for itself; at max_slots the load is at most 0.75.
  bool Crowded() const { return (count + 1) * 8 > slots * 3 && slots < max_slots; }
  // Doubles the index and puts every live state back.
  void Grow() {
    slots *= 2;
    index.assign(slots, 0);
    for (uint32_t id = 0; id < high; ++id) {
      if (!states[id].used) continue;
      std::size_t i = Home(states[id].key);
      while (index[i] != 0) i = Step(i);
      index[i] = id + 1;
    }
  }

  std::size_t FindSlot(const std::array<uint8_t, 16>& k, bool& found) const {
    std::size_t i = Home(k);
    while (index[i] != 0) {
      if (states[index[i] - 1].key == k) {
        found = true;
        return i;
      }
      i = Step(i);
    }
    found = false;
    return i;
  }

  uint32_t NewState() {
    if (!free_ids.empty()) {
      const uint32_t id = free_ids.back();
      free_ids.pop_back();
      return id;
    }
    return high++;
  }

  // Backward-shift deletion keeps linear probing correct without tombstones.
  void EraseSlot(std::size_t i) {
    const uint32_t id = index[i] - 1;
    std::size_t j = i;
    for (;;) {
      j = Step(j);
      if (index[j] == 0) break;
      const std::size_t home = Home(states[index[j] - 1].key);
      // Move j into i if its home is not in the cyclic range (i, j].
      const bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!between) {
        index[i] = index[j];
        i = j;
      }
    }
    index[i] = 0;
    states[id] = SourceState{};
    free_ids.push_back(id);
    Touch(id);
    --count;
  }

  void Evict() {
    // Approximate LRU: the least recently seen of 8 random live states.
    uint32_t victim = UINT32_MAX;
    for (int tries = 0, got = 0; got < 8 && tries < 256; ++tries) {
      const auto id = static_cast<uint32_t>(Next() % high);
      if (!states[id].used) continue;
      ++got;
      if (victim == UINT32_MAX || states[id].last_seen < states[victim].last_seen) victim = id;
    }
    if (victim == UINT32_MAX) {
      for (uint32_t id = 0; id < high; ++id) {
        if (states[id].used) {
          victim = id;
          break;
        }
      }
    }
    Emit(states[victim]);
    bool found = false;
    const std::size_t slot = FindSlot(states[victim].key, found);
    EraseSlot(slot);
    ++evictions;
  }

  void Emit(const SourceState& s) {
    // Most evicted sources did nothing of note: skip building their verdict.
    if (s.triggered == 0 && s.signatures == 0 && s.crawler == kNoCrawler &&
        !(s.browser && s.requests >= 3)) {
      return;
    }
    SourceVerdict v = Verdict(s);
    if (v.cls != SourceClass::kUnknown || v.triggered != 0 || v.signature_classes != 0) {
      pending.push_back(std::move(v));
    }
  }

  SourceVerdict Verdict(const SourceState& s) const {
    SourceVerdict v;
    const bool v4 = s.key[10] == 0xff && s.key[11] == 0xff;
    v.key = KeyText(s.key, opt.prefix_v4, opt.prefix_v6);
    v.triggered = s.triggered;
    for (int i = 0; i < kScenarioCount; ++i) v.triggers[static_cast<std::size_t>(i)] = s.triggers[i];
    v.requests = s.requests;
    v.client_errors = s.client_errors;
    v.pages = s.pages;
    v.assets = s.assets;
    v.signature_classes = s.signatures;
    v.first_seen = s.first_seen;
    v.last_seen = s.last_seen;
    if (s.crawler != kNoCrawler) {
      v.claimed_crawler = std::string(kCrawlers[s.crawler].name);
      if (opt.verify_crawlers) v.crawler_verified = VerifyCrawler(s.key, v4, kCrawlers[s.crawler]);
    }
    const bool shared = LooksShared(s);
    bool scanner = (s.signatures & (1u << static_cast<int>(AttackClass::kScanner))) != 0;
    bool badbot = (s.signatures & (1u << static_cast<int>(AttackClass::kBadBot))) != 0;
    for (int i = 0; i < kScenarioCount; ++i) {
      if (!(s.triggered & (1u << i))) continue;
      const ScenarioSpec& sc = kScenarios[i];
      if (!(shared && sc.volume)) {
        scanner = scanner || sc.implies == SC::kScanner;
        badbot = badbot || sc.implies == SC::kBadBot;
      }
      char line[256];
      std::snprintf(line, sizeof line, "%s: %s (%u times)", std::string(sc.name).c_str(),
                    std::string(sc.help_en).c_str(), static_cast<unsigned>(s.triggers[i]));
      v.evidence.emplace_back(line);
    }
    if (s.signatures != 0) {
      std::string cls;
      for (int c = 0; c < kClassCount; ++c) {
        if (s.signatures & (1u << c)) {
          cls += (cls.empty() ? "" : ",") + std::string(ClassName(static_cast<AttackClass>(c)));
        }
      }
      v.evidence.push_back("signatures: " + cls);
    }
    if (shared) {
      // A few attacks from a carrier's NAT do not make the address a scanner: its attacking
      // requests counted one by one, and the evidence says what they were.
      v.cls = SC::kShared;
      char line[160];
      std::snprintf(line, sizeof line,
                    "shared address: %u browser user agents, %u pages with %u assets, %u of %u requests attacks",
                    static_cast<unsigned>(s.browser_uas), static_cast<unsigned>(s.pages),
                    static_cast<unsigned>(s.assets), static_cast<unsigned>(s.attack_requests),
                    static_cast<unsigned>(s.requests));
      v.evidence.emplace_back(line);
    } else if (scanner) {
      v.cls = SC::kScanner;
    } else if (badbot) {
      v.cls = SC::kBadBot;
    } else if (s.crawler != kNoCrawler) {
      v.cls = SC::kCrawler;
      v.evidence.push_back("claims to be " + v.claimed_crawler +
                           (v.crawler_verified ? " (verified by DNS)" : " (unverified)"));
    } else if (s.browser && s.requests >= 3 && (s.assets > 0 || s.pages <= 10)) {
      v.cls = SC::kHuman;
    }
    return v;
  }
};

BehaviorTracker::BehaviorTracker(const BehaviorOptions& opt, const DetectorSet& detectors)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.opt = opt;
  im.opt.max_sources = std::max<std::size_t>(opt.max_sources, 16);
  im.max_slots = std::bit_ceil(im.opt.max_sources + im.opt.max_sources / 3 + 1);  // load <= 0.75
  im.slots = std::min<std::size_t>(im.max_slots, 4096);
  im.mask_v4 = Impl::PrefixMask(96 + im.opt.prefix_v4);
  im.mask_v6 = Impl::PrefixMask(im.opt.prefix_v6);
  im.index.assign(im.slots, 0);
  // SourceState is an aggregate of integers and arrays: all-zero bytes are an unused state.
  im.storage.reset(
      static_cast<SourceState*>(std::calloc(im.opt.max_sources, sizeof(SourceState))));
  if (!im.storage) throw std::bad_alloc();
  im.states = im.storage.get();
  for (const DetectorSpec& d : detectors.specs()) {
    int8_t sc = -1;
    if (d.id == "sensitive-file" || d.id == "sensitive-dir" || d.id == "sensitive-pattern") {
      sc = static_cast<int8_t>(Scenario::kSensitiveFiles);
    } else if (d.id == "admin-probe") {
      sc = static_cast<int8_t>(Scenario::kAdminProbe);
    } else if (d.id == "backdoor" || d.id == "backdoor-pattern") {
      sc = static_cast<int8_t>(Scenario::kBackdoor);
    } else if (d.id == "cve-probe") {
      sc = static_cast<int8_t>(Scenario::kCvePath);
    }
    im.detector_scenario.push_back(sc);
  }
}

BehaviorTracker::~BehaviorTracker() = default;

namespace {

// The checkpoint's meta record: a fixed header, then the free list. Native byte order and the
// state's own layout: a checkpoint is read back by the same build on the same machine (another
// layout is refused by the size check, and the scan then starts afresh).
constexpr uint32_t kCheckpointMagic = 0x4b425431;  // "KBT1"
struct CheckpointHeader {
  uint32_t magic = kCheckpointMagic;
  uint32_t state_size = sizeof(SourceState);
  uint64_t max_sources = 0;
  int32_t prefix_v4 = 0, prefix_v6 = 0;
  uint32_t verify_crawlers = 0;
  uint32_t high = 0;
  uint64_t rng = 0, slots = 0, count = 0, evictions = 0, free_n = 0;
};

bool ReadHeader(const std::string& meta, CheckpointHeader& h) {
  if (meta.size() < sizeof h) return false;
  std::memcpy(&h, meta.data(), sizeof h);
  return h.magic == kCheckpointMagic && h.state_size == sizeof(SourceState) &&
         meta.size() == sizeof h + h.free_n * sizeof(uint32_t);
}

}  // namespace

void BehaviorTracker::TakeCheckpoint(CheckpointDelta& out) {
  Impl& im = *impl_;
  CheckpointHeader h;
  h.max_sources = im.opt.max_sources;
  h.prefix_v4 = im.opt.prefix_v4;
  h.prefix_v6 = im.opt.prefix_v6;
  h.verify_crawlers = im.opt.verify_crawlers ? 1 : 0;
  h.high = im.high;
  h.rng = im.rng;
  h.slots = im.slots;
  h.count = im.count;
  h.evictions = im.evictions;
  h.free_n = im.free_ids.size();
  out.meta.assign(reinterpret_cast<const char*>(&h), sizeof h);
  out.meta.append(reinterpret_cast<const char*>(im.free_ids.data()), im.free_ids.size() * sizeof(uint32_t));
  out.states.clear();
  out.freed.clear();
  std::sort(im.touched_ids.begin(), im.touched_ids.end());
  for (uint32_t id : im.touched_ids) {
    im.touched[id] = 0;
    if (id < im.high && im.states[id].used) {
      out.states.emplace_back(id, std::string(reinterpret_cast<const char*>(&im.states[id]),
                                              sizeof(SourceState)));
    } else {
      out.freed.push_back(id);
    }
  }
  im.touched_ids.clear();
}

bool BehaviorTracker::CheckpointOptions(const std::string& meta, BehaviorOptions& out) {
  CheckpointHeader h;
  if (!ReadHeader(meta, h)) return false;
  out.max_sources = h.max_sources;
  out.prefix_v4 = h.prefix_v4;
  out.prefix_v6 = h.prefix_v6;
  out.verify_crawlers = h.verify_crawlers != 0;
  return true;
}

bool BehaviorTracker::Restore(const std::string& meta,
                              const std::vector<std::pair<uint32_t, std::string>>& states) {
  Impl& im = *impl_;
  CheckpointHeader h;
  if (!ReadHeader(meta, h) || h.max_sources != im.opt.max_sources ||
      h.prefix_v4 != im.opt.prefix_v4 || h.prefix_v6 != im.opt.prefix_v6 ||
      (h.verify_crawlers != 0) != im.opt.verify_crawlers || h.high > im.opt.max_sources ||
      h.slots == 0 || h.slots > im.max_slots || (h.slots & (h.slots - 1)) != 0 ||
      h.count > h.slots) {
    return false;
  }
  std::vector<uint32_t> free_ids(h.free_n);
  std::memcpy(free_ids.data(), meta.data() + sizeof h, h.free_n * sizeof(uint32_t));
  std::size_t used = 0;
  for (const auto& [id, blob] : states) {
    if (id >= h.high || blob.size() != sizeof(SourceState)) return false;
  }
  for (uint32_t id : free_ids) {
    if (id >= h.high) return false;
  }
  im.slots = h.slots;
  im.index.assign(im.slots, 0);
  for (const auto& [id, blob] : states) {
    std::memcpy(&im.states[id], blob.data(), sizeof(SourceState));
    if (!im.states[id].used) continue;
    ++used;
    std::size_t i = im.Home(im.states[id].key);
    while (im.index[i] != 0) i = im.Step(i);
    im.index[i] = id + 1;
  }
  if (used != h.count) {  // damaged: start afresh rather than from half a state
    for (uint32_t id = 0; id < h.high; ++id) im.states[id] = SourceState{};
    im.index.assign(im.slots, 0);
    return false;
  }
  im.high = h.high;
  im.rng = h.rng;
  im.count = h.count;
  im.evictions = h.evictions;
  im.free_ids = std::move(free_ids);
  return true;
}

std::size_t BehaviorTracker::size() const { return impl_->count; }
std::size_t BehaviorTracker::capacity() const { return impl_->opt.max_sources; }
std::size_t BehaviorTracker::memory_bytes() const {
  return impl_->max_slots * sizeof(uint32_t) + impl_->opt.max_sources * sizeof(SourceState);
}
uint64_t BehaviorTracker::evictions() const { return impl_->evictions; }

uint32_t BehaviorTracker::Observe(const http::Request& req, const http::IpAddr& ip,
                                  std::string_view site, const Detection& det,
                                  uint32_t* scenarios) {
  return Observe(req, http::RequestKeys(req), ip, site, det, scenarios);
}

uint32_t BehaviorTracker::Observe(const http::Request& req, const http::RequestKeys& keys,
                                  const http::IpAddr& ip, std::string_view site,
                                  const Detection& det, uint32_t* scenarios) {
  Impl& im = *impl_;
  std::array<uint8_t, 16> key = ip.b;
  const std::array<uint8_t, 16>& mask = ip.v4 ? im.mask_v4 : im.mask_v6;
  for (std::size_t i = 0; i < 16; ++i) key[i] &= mask[i];
  bool found = false;
  std::size_t slot = im.FindSlot(key, found);
  if (!found) {
    if (im.count >= im.opt.max_sources) {
      im.Evict();
      slot = im.FindSlot(key, found);
    } else if (im.Crowded()) {
      im.Grow();
      slot = im.FindSlot(key, found);
    }
    const uint32_t id = im.NewState();
    im.index[slot] = id + 1;
    SourceState& n = im.states[id];
    n = SourceState{};
    n.used = 1;
    n.key = key;
    n.first_seen = n.last_seen = req.time;
    ++im.count;
  }
  const uint32_t sid = im.index[slot] - 1;
  im.Touch(sid);
  SourceState& s = im.states[sid];
  // Drain every bucket for the time that passed (never for time going backwards).
  const double dt = static_cast<double>(std::max<int64_t>(0, req.time - s.last_seen));
  if (dt > 0) {
    for (int k = 0; k < kScenarioCount; ++k) {
      s.level[k] = static_cast<float>(std::max(0.0, s.level[k] - dt * kScenarios[k].leak_per_second));
    }
  }
  s.last_seen = std::max(s.last_seen, req.time);
  s.first_seen = std::min(s.first_seen, req.time);
  ++s.requests;
  s.signatures |= det.class_mask;

  auto add = [&](Scenario sc, double amount = 1.0) {
    const auto k = static_cast<int>(sc);
    s.level[k] = static_cast<float>(s.level[k] + amount);
    if (s.level[k] > kScenarios[k].capacity) {
      // Overflow: count it once per burst, and let the bucket restart below capacity.
      s.triggered |= 1u << k;
      (kScenarios[k].volume ? s.volume_bits : s.class_bits) |= kScenarios[k].request_classes;
      if (s.triggers[k] < UINT16_MAX) ++s.triggers[k];
      s.level[k] = static_cast<float>(kScenarios[k].capacity / 2);
    }
  };

  const std::string_view ua = req.user_agent;
  if (Remember(s.uas, s.ua_n, Fp16(keys.user_agent.hash))) {
    if (s.requests > 1) add(Scenario::kUaSwitch);
    // Lower-cased once, then searched with find (memchr on the first byte), not compared
    // case-folding at every position for each of a dozen needles.
    AssignLower(im.ua_lower, ua);
    const std::string_view lua = im.ua_lower;
    auto has = [lua](std::string_view needle) { return lua.find(needle) != std::string_view::npos; };
    s.browser = has("mozilla/") && (has("chrome/") || has("firefox/") || has("safari/") || has("edg/"));
    if (s.browser && s.browser_uas < UINT16_MAX) ++s.browser_uas;
    for (uint8_t c = kGoogle; c < std::size(kCrawlers); ++c) {
      if (has(kCrawlers[c].ua)) s.crawler = c;
    }
  }
  if (det.class_mask != 0 && s.attack_requests < UINT16_MAX) ++s.attack_requests;
  const std::string_view path = req.Path();
  const bool asset = IsAsset(path);
  if (asset) {
    ++s.assets;
  } else {
    ++s.pages;
  }
  // Distinct targets, query included: enumerating ?id=1,2,3... is enumeration too.
  const bool new_path = Remember(s.paths, s.path_n, Fp16(keys.target.hash));
  const bool client_error = req.status >= 400 && req.status < 500 && req.status != 429;
  if (client_error) ++s.client_errors;
  // Search-engine crawlers enumerate pages and meet old links by nature; a source that claims
  // to be one is judged by what it asks for (signatures), not by how much it crawls. With
  // verify_crawlers the claim is checked by DNS and reported either way.
  const bool crawler = s.crawler != kNoCrawler;
  if (new_path && !asset && !crawler) add(Scenario::kPathEnum);
  if (new_path && client_error && !crawler) add(Scenario::kProbe404);
  for (const Hit& h : det.hits) {
    const int8_t sc = h.detector < im.detector_scenario.size() ? im.detector_scenario[h.detector] : -1;
    if (sc >= 0) add(static_cast<Scenario>(sc));
  }
  const bool scripted = ua.empty() || ua == "-" ||
                        (det.class_mask & (1u << static_cast<int>(AttackClass::kBadBot))) != 0;
  if (scripted) add(Scenario::kScriptedUa);
  if (req.method == "HEAD" || req.method == "OPTIONS") add(Scenario::kHeadOptions);
  if (!asset && s.crawler == kNoCrawler) {
    // A fast page crawl only counts while the source fetches almost no assets: browsers load
    // stylesheets, scripts and images with the pages they show.
    if (static_cast<double>(s.assets) < 0.1 * static_cast<double>(s.pages)) {
      add(Scenario::kFastCrawl);
    } else {
      s.level[static_cast<int>(Scenario::kFastCrawl)] = 0;
    }
  }
  // All lines of a file usually carry the same site: remember its fingerprint.
  if (site != im.last_site) {
    im.last_site.assign(site);
    im.last_site_fp = Fp16(site);
  }
  if (!site.empty() && Remember(s.sites, s.site_n, im.last_site_fp) && s.requests > 1) {
    add(Scenario::kManySites);
  }
  // Once a behaviour scenario has triggered, the source's requests are attacks in their own
  // right, signature or not (a scanner behind a browser user agent).
  const bool shared = LooksShared(s);
  if (scenarios != nullptr) {
    *scenarios = s.triggered & kRequestClassScenarios & (shared ? ~kVolumeScenarios : ~0u);
  }
  return s.class_bits | (shared ? 0 : s.volume_bits);
}

void BehaviorTracker::Drain(std::vector<SourceVerdict>& out, bool final) {
  Impl& im = *impl_;
  if (final) {
    for (uint32_t id = 0; id < im.high; ++id) {
      SourceState& s = im.states[id];
      if (!s.used) continue;
      im.Emit(s);
      s = SourceState{};
    }
    std::fill(im.index.begin(), im.index.end(), 0u);
    im.free_ids.clear();
    im.high = 0;
    im.count = 0;
    for (uint32_t id : im.touched_ids) im.touched[id] = 0;
    im.touched_ids.clear();
  }
  for (SourceVerdict& v : im.pending) out.push_back(std::move(v));
  im.pending.clear();
}

}  // namespace keikai::detect
