// Scenario tests for per-source behaviour, each with generated traffic, and the memory bound.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>

#include "keikai/detect/behavior.h"

namespace keikai::detect {
namespace {

constexpr const char* kBrowser =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/98.0.4758.102 Safari/537.36";

class BehaviorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_ = new DetectorSet(std::move(DetectorSet::Build(Builtins())).value());
  }
  static void TearDownTestSuite() { delete set_; }
  void SetUp() override {
    BehaviorOptions o;
    o.max_sources = 10'000;
    tracker_ = std::make_unique<BehaviorTracker>(o, *set_);
    scratch_ = set_->NewScratch();
  }

  // Sends one request through signature detection and the tracker.
  void Send(const std::string& ip, int64_t t, const std::string& target, int status,
            const std::string& ua = kBrowser, const std::string& method = "GET",
            const std::string& site = "shop.example.jp") {
    http::Request r;
    r.time = t;
    r.method = method;
    r.target = target;
    r.status = status;
    r.user_agent = ua;
    http::IpAddr a;
    ASSERT_TRUE(http::IpAddr::Parse(ip, a));
    Detection d;
    set_->Detect(r, *scratch_, d);
    tracker_->Observe(r, a, site, d);
  }

  SourceVerdict VerdictOf(const std::string& key) {
    std::vector<SourceVerdict> out;
    tracker_->Drain(out, true);
    for (auto& v : out) {
      if (v.key == key) return v;
    }
    return {};
  }

  static bool Has(const SourceVerdict& v, Scenario s) {
    return (v.triggered & (1u << static_cast<int>(s))) != 0;
  }

  static DetectorSet* set_;
  std::unique_ptr<BehaviorTracker> tracker_;
  std::unique_ptr<DetectorSet::Scratch, void (*)(DetectorSet::Scratch*)> scratch_{nullptr, nullptr};
};
DetectorSet* BehaviorTest::set_ = nullptr;

TEST_F(BehaviorTest, ScannerWithABrowserUserAgentIsFoundFromBehaviourAlone) {
  // A content-discovery tool that hides behind a browser user agent and asks for paths no
  // signature knows: only the burst of 404s on distinct paths gives it away.
  const char* words[] = {"old", "new", "test", "dev", "beta", "tmp", "files", "data", "bak2",
                         "archive", "stage", "v1", "v2", "home2", "site", "private", "secret1",
                         "upload2", "media2", "docs", "include", "lib", "src", "web", "www"};
  int64_t t = 1645000000;
  for (const char* w : words) Send("198.51.100.7", t++, std::string("/") + w + "/", 404);
  const SourceVerdict v = VerdictOf("198.51.100.7");
  EXPECT_EQ(v.signature_classes, 0u) << "no signature should match these paths";
  EXPECT_TRUE(Has(v, Scenario::kProbe404));
  EXPECT_EQ(v.cls, SourceClass::kScanner);
  ASSERT_FALSE(v.evidence.empty());
  EXPECT_NE(v.evidence[0].find("probe-404"), std::string::npos);
}

TEST_F(BehaviorTest, BusyHumanShoppingIsHuman) {
  // An hour of eager shopping: 300 product pages, each with its stylesheet, script and images,
  // a few missing pages, one browser.
  int64_t t = 1645000000;
  for (int i = 0; i < 300; ++i) {
    Send("203.0.113.50", t, "/products/" + std::to_string(1000 + i), i % 50 == 0 ? 404 : 200);
    Send("203.0.113.50", t, "/static/css/site.css", 304);
    Send("203.0.113.50", t, "/static/js/app.js", 304);
    Send("203.0.113.50", t + 1, "/images/p" + std::to_string(1000 + i) + ".jpg", 200);
    t += 12;
  }
  const SourceVerdict v = VerdictOf("203.0.113.50");
  EXPECT_EQ(v.triggered, 0u) << (v.evidence.empty() ? "" : v.evidence[0]);
  EXPECT_EQ(v.cls, SourceClass::kHuman);
}

TEST_F(BehaviorTest, SignatureScenarios) {
  int64_t t = 1645000000;
  for (const char* p : {"/.env", "/.git/config", "/backup.sql", "/.aws/credentials"}) {
    Send("192.0.2.1", t++, p, 404);
  }
  for (const char* p : {"/phpmyadmin/", "/pma/", "/adminer.php", "/manager/html"}) {
    Send("192.0.2.2", t++, p, 404);
  }
  for (const char* p : {"/c99.php", "/r57.php", "/wso.php"}) Send("192.0.2.3", t++, p, 404);
  for (const char* p : {"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                        "/_ignition/execute-solution", "/remote/fgt_lang"}) {
    Send("192.0.2.4", t++, p, 404);
  }
  std::vector<SourceVerdict> out;
  tracker_->Drain(out, true);
  std::map<std::string, SourceVerdict> by;
  for (auto& v : out) by[v.key] = v;
  EXPECT_TRUE(Has(by["192.0.2.1"], Scenario::kSensitiveFiles));
  EXPECT_TRUE(Has(by["192.0.2.2"], Scenario::kAdminProbe));
  EXPECT_TRUE(Has(by["192.0.2.3"], Scenario::kBackdoor));
  EXPECT_TRUE(Has(by["192.0.2.4"], Scenario::kCvePath));
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}) {
    EXPECT_EQ(by[ip].cls, SourceClass::kScanner) << ip;
  }
}

TEST_F(BehaviorTest, FastCrawlWithoutAssetsIsABadBot) {
  int64_t t = 1645000000;
  for (int i = 0; i < 200; ++i) Send("192.0.2.10", t + i / 4, "/products/" + std::to_string(i), 200);
  const SourceVerdict v = VerdictOf("192.0.2.10");
  EXPECT_TRUE(Has(v, Scenario::kFastCrawl));
  EXPECT_EQ(v.cls, SourceClass::kBadBot);
  EXPECT_FALSE(Has(v, Scenario::kProbe404));
}

TEST_F(BehaviorTest, PathEnumerationUaSwitchingScriptedHeadAndManySites) {
  int64_t t = 1645000000;
  for (int i = 0; i < 150; ++i) {
    Send("192.0.2.20", t + i / 2, "/item?id=" + std::to_string(i) + "&x", 200);
    Send("192.0.2.20", t + i / 2, "/catalog/" + std::to_string(i) + ".css", 200);  // with assets
  }
  for (int i = 0; i < 8; ++i) {
    Send("192.0.2.21", t + i, "/", 200, "Mozilla/5.0 (X11; Linux) Firefox/" + std::to_string(90 + i));
  }
  for (int i = 0; i < 15; ++i) Send("192.0.2.22", t + i, "/api/status", 200, "");
  for (int i = 0; i < 25; ++i) Send("192.0.2.23", t + i, "/", 200, kBrowser, "HEAD");
  for (int i = 0; i < 8; ++i) {
    Send("192.0.2.24", t + i, "/", 200, kBrowser, "GET", "site" + std::to_string(i) + ".example.jp");
  }
  std::vector<SourceVerdict> out;
  tracker_->Drain(out, true);
  std::map<std::string, SourceVerdict> by;
  for (auto& v : out) by[v.key] = v;
  EXPECT_TRUE(Has(by["192.0.2.20"], Scenario::kPathEnum));
  EXPECT_TRUE(Has(by["192.0.2.21"], Scenario::kUaSwitch));
  EXPECT_TRUE(Has(by["192.0.2.22"], Scenario::kScriptedUa));
  EXPECT_TRUE(Has(by["192.0.2.23"], Scenario::kHeadOptions));
  EXPECT_TRUE(Has(by["192.0.2.24"], Scenario::kManySites));
  EXPECT_EQ(by["192.0.2.20"].cls, SourceClass::kBadBot);
  EXPECT_EQ(by["192.0.2.24"].cls, SourceClass::kScanner);
}

TEST_F(BehaviorTest, ClaimedCrawlersAreUnverifiedByDefault) {
  int64_t t = 1645000000;
  for (int i = 0; i < 20; ++i) {
    Send("192.0.2.30", t + i * 30, "/posts/" + std::to_string(i), 200,
         "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
  }
  const SourceVerdict v = VerdictOf("192.0.2.30");
  EXPECT_EQ(v.cls, SourceClass::kCrawler);
  EXPECT_EQ(v.claimed_crawler, "googlebot");
  EXPECT_FALSE(v.crawler_verified);
  bool said = false;
  for (const auto& e : v.evidence) said = said || e.find("unverified") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST_F(BehaviorTest, PrefixesAggregateAddresses) {
  BehaviorOptions o;
  o.prefix_v4 = 24;
  o.prefix_v6 = 64;
  tracker_ = std::make_unique<BehaviorTracker>(o, *set_);
  for (int i = 0; i < 30; ++i) {
    Send("198.51.100." + std::to_string(i + 1), 1645000000 + i, "/w" + std::to_string(i) + "/", 404);
  }
  Send("2001:db8:1:2::5", 1645000000, "/", 200);
  std::vector<SourceVerdict> out;
  tracker_->Drain(out, true);
  bool prefix_scanner = false;
  for (auto& v : out) prefix_scanner = prefix_scanner || (v.key == "198.51.100.0/24" && v.cls == SourceClass::kScanner);
  EXPECT_TRUE(prefix_scanner);
}

// The bound: with millions of distinct sources, the table never grows and evicted sources
// still yield their verdicts.
TEST(BehaviorMemory, TwoMillionSourcesStayWithinTheBound) {
  auto set = std::move(DetectorSet::Build(Builtins())).value();
  BehaviorOptions o;
  o.max_sources = 100'000;
  BehaviorTracker tr(o, set);
  const std::size_t bytes = tr.memory_bytes();
  EXPECT_LE(bytes, 300u * 4 / 3 * o.max_sources);  // about 270 bytes per tracked source
  http::Request r;
  r.method = "GET";
  r.target = "/";
  r.status = 404;
  r.user_agent = kBrowser;
  Detection none;
  std::vector<SourceVerdict> out;
  std::size_t verdicts = 0;
  for (uint32_t i = 0; i < 2'000'000; ++i) {
    http::IpAddr a;
    a.v4 = true;
    a.b[10] = a.b[11] = 0xff;
    const uint32_t v = 0x0a000000u + i * 2654435761u % 0x3fffffffu;
    a.b[12] = static_cast<uint8_t>(v >> 24);
    a.b[13] = static_cast<uint8_t>(v >> 16);
    a.b[14] = static_cast<uint8_t>(v >> 8);
    a.b[15] = static_cast<uint8_t>(v);
    r.time = 1645000000 + i / 100;
    tr.Observe(r, a, "s", none);
    ASSERT_LE(tr.size(), o.max_sources);
    if ((i & 0xffff) == 0) {
      tr.Drain(out, false);
      verdicts += out.size();
      out.clear();
    }
  }
  EXPECT_EQ(tr.memory_bytes(), bytes);
  EXPECT_GE(tr.evictions(), 1'800'000u);
  std::printf("[behavior] 2,000,000 sources through a %zu-source table: %zu bytes fixed (%zu per "
              "source), %llu evictions\n",
              o.max_sources, bytes, bytes / o.max_sources,
              static_cast<unsigned long long>(tr.evictions()));
  (void)verdicts;
}

// Issue 10: the busiest addresses of a shop (a carrier's NAT, an office proxy) carry many
// browsers; ua-switching alone made them bad bots and every one of their requests an attack.
TEST_F(BehaviorTest, SharedAddressWithManyBrowsersStaysHumanAndOnlySuspiciousRequestsCount) {
  BehaviorOptions o;
  o.max_sources = 1000;
  BehaviorTracker t(o, *set_);
  const std::string ip = "126.133.222.3";
  http::IpAddr a;
  ASSERT_TRUE(http::IpAddr::Parse(ip, a));
  uint32_t classed = 0, requests = 0;
  int64_t now = 1700000000;
  for (int person = 0; person < 300; ++person) {
    // Each person: a different browser, a few pages with their assets, human pacing.
    const std::string ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_" + std::to_string(person % 7) +
                           " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16." +
                           std::to_string(person % 9) + " Mobile/15E148 Safari/604." + std::to_string(person);
    for (int page = 0; page < 4; ++page) {
      for (const std::string& target :
           {"/item/" + std::to_string(person * 10 + page), std::string("/css/site.css"),
            std::string("/js/app.js"), "/img/p" + std::to_string(person * 10 + page) + ".jpg"}) {
        http::Request r;
        r.time = now;
        r.method = "GET";
        r.target = target;
        r.status = 200;
        r.user_agent = ua;
        Detection d;
        set_->Detect(r, *scratch_, d);
        classed += t.Observe(r, a, "shop.example.jp", d) != 0 ? 1 : 0;
        ++requests;
        now += 2;
      }
    }
  }
  // One person behind it probes for .env: that request counts, and only it.
  http::Request probe;
  probe.time = now;
  probe.method = "GET";
  probe.target = "/.env";
  probe.status = 404;
  probe.user_agent = kBrowser;
  Detection d;
  set_->Detect(probe, *scratch_, d);
  EXPECT_NE(d.class_mask, 0u);
  t.Observe(probe, a, "shop.example.jp", d);
  EXPECT_EQ(classed, 0u) << "of " << requests << " ordinary requests";
  std::vector<SourceVerdict> out;
  t.Drain(out, true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cls, SourceClass::kShared);
  EXPECT_NE(out[0].evidence.back().find("shared address"), std::string::npos);
}

// A bot that rotates user agents but fetches no assets is still a bad bot.
TEST_F(BehaviorTest, UserAgentRotatingScraperIsStillABadBot) {
  for (int i = 0; i < 400; ++i) {
    const std::string ua = "Mozilla/5.0 (Windows NT 10.0) Chrome/1" + std::to_string(i % 40) + ".0 Safari/537.36";
    Send("203.0.113.77", 1700000000 + i / 2, "/item/" + std::to_string(i), 200, ua);
  }
  const SourceVerdict v = VerdictOf("203.0.113.77");
  EXPECT_EQ(v.cls, SourceClass::kBadBot);
  EXPECT_TRUE(Has(v, Scenario::kFastCrawl) || Has(v, Scenario::kPathEnum));
}

}  // namespace
}  // namespace keikai::detect
