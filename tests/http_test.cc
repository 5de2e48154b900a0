#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "test_util.h"

#include "keikai/http/decode.h"
#include "keikai/http/ip.h"
#include "keikai/http/request.h"

namespace keikai::http {
namespace {

TEST(Ip, ParsesV4AndV6) {
  IpAddr a;
  ASSERT_TRUE(IpAddr::Parse("203.0.113.7", a));
  EXPECT_TRUE(a.v4);
  EXPECT_EQ(a.ToString(), "203.0.113.7");
  ASSERT_TRUE(IpAddr::Parse("203.0.113.7:443", a));
  EXPECT_EQ(a.ToString(), "203.0.113.7");
  ASSERT_TRUE(IpAddr::Parse("2001:DB8:0:0:0:0:0:1", a));
  EXPECT_FALSE(a.v4);
  EXPECT_EQ(a.ToString(), "2001:db8::1");
  ASSERT_TRUE(IpAddr::Parse("[2001:db8::1]:8080", a));
  EXPECT_EQ(a.ToString(), "2001:db8::1");
  ASSERT_TRUE(IpAddr::Parse("::ffff:192.0.2.1", a));
  EXPECT_TRUE(a.v4);
  EXPECT_EQ(a.ToString(), "192.0.2.1");
  ASSERT_TRUE(IpAddr::Parse("::", a));
  EXPECT_EQ(a.ToString(), "::");
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "1.2.3.4.5", "01234.1.1.1", "::1::2",
                          "1:2:3:4:5:6:7:8:9", "gggg::1", "[::1", "example.com", ":1"}) {
    EXPECT_FALSE(IpAddr::Parse(bad, a)) << bad;
  }
}

TEST(Ip, Prefixes) {
  IpPrefix p;
  ASSERT_TRUE(IpPrefix::Parse("10.0.0.0/8", p));
  IpAddr a;
  ASSERT_TRUE(IpAddr::Parse("10.1.2.3", a));
  EXPECT_TRUE(p.Contains(a));
  ASSERT_TRUE(IpAddr::Parse("11.1.2.3", a));
  EXPECT_FALSE(p.Contains(a));
  ASSERT_TRUE(IpPrefix::Parse("2001:db8::/32", p));
  ASSERT_TRUE(IpAddr::Parse("2001:db8:1::5", a));
  EXPECT_TRUE(p.Contains(a));
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/33", p));
  ASSERT_TRUE(IpAddr::Parse("192.168.1.1", a));
  EXPECT_TRUE(a.IsLoopbackOrPrivate());
}

TEST(Decode, Percent) {
  std::string out;
  PercentDecode("a%20b+c%zz%4", out, true);
  EXPECT_EQ(out, "a b c%zz%4");
  PercentDecode("a+b", out, false);
  EXPECT_EQ(out, "a+b");
  EXPECT_TRUE(NeedsDecode("%2e", false));
  EXPECT_FALSE(NeedsDecode("%2", false));
}

TEST(Decode, Query) {
  bool truncated = false;
  auto args = DecodeQuery("q=%E8%AD%A6%E6%88%92&page=2&flag&&x=a+b", 10, &truncated);
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0].name, "q");
  EXPECT_EQ(args[0].value, "警戒");
  EXPECT_EQ(args[2].name, "flag");
  EXPECT_EQ(args[2].value, "");
  EXPECT_EQ(args[3].value, "a b");
  EXPECT_FALSE(truncated);
  args = DecodeQuery("a=1&b=2&c=3", 2, &truncated);
  EXPECT_EQ(args.size(), 2u);
  EXPECT_TRUE(truncated);
}

TEST(Decode, NormalizeForMatchUndoesDoubleEncoding) {
  std::string out;
  NormalizeForMatch("/cgi-bin/%252e%252e/%252E%252E/etc/PASSWD", out, false);
  EXPECT_EQ(out, "/cgi-bin/../../etc/passwd");
  NormalizeForMatch("//a\\\\b//C", out, false);
  EXPECT_EQ(out, "/a/b/c");
}

TEST(Request, PathAndQuery) {
  Request r;
  r.target = "/a/b?x=1&y=2#frag";
  EXPECT_EQ(r.Path(), "/a/b");
  EXPECT_EQ(r.Query(), "x=1&y=2");
  r.target = "http://example.com:80/login.php?u=1";
  EXPECT_EQ(r.Path(), "/login.php");
  EXPECT_EQ(r.Query(), "u=1");
  r.target = "https://example.com";
  EXPECT_EQ(r.Path(), "/");
  r.target = "*";
  EXPECT_EQ(r.Path(), "*");
  OwnedRequest o(r);
  EXPECT_EQ(o.View().target, "*");
}

}  // namespace
}  // namespace keikai::http

#include "keikai/geo/geo.h"

namespace keikai::geo {
namespace {

TEST(Geo, ParsesTorGeoipTextAndSkipsBadLines) {
  uint64_t bad = 0;
  auto db = ParseTorGeoip("# c\n3405803776,3405804031,JP\nnot,a,line\n9,1,US\n4294967040,4294967295,??\n",
                          "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\nzz\n", &bad);
  EXPECT_EQ(bad, 3u);  // "not,a,line", start > end, "zz"
  http::IpAddr a;
  ASSERT_TRUE(http::IpAddr::Parse("203.0.113.9", a));
  EXPECT_EQ(db->Lookup(a), "JP");
  ASSERT_TRUE(http::IpAddr::Parse("2001:db8::5", a));
  EXPECT_EQ(db->Lookup(a), "DE");
  ASSERT_TRUE(http::IpAddr::Parse("255.255.255.255", a));
  EXPECT_EQ(db->Lookup(a), "");  // "??" is unknown
}

// Debian's tables are cached in binary after the first parse, IPv6 too (it was parsed from text
// on every run that met an IPv6 address); a damaged cache is rebuilt, never trusted.
TEST(Geo, DebianTablesAreCachedAndADamagedCacheIsRebuilt) {
  keikai::testing::TempDir d;
  const std::string cache = d / "cache";
  std::filesystem::create_directories(cache);
  http::IpAddr v6, v4;
  ASSERT_TRUE(http::IpAddr::Parse("2001:200::1", v6));
  ASSERT_TRUE(http::IpAddr::Parse("203.0.113.9", v4));
  std::string want6, want4;
  {
    auto db = Open("", cache);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    want6 = db.value()->Lookup(v6);
    want4 = db.value()->Lookup(v4);
  }
  EXPECT_EQ(want6, "JP");
  std::vector<std::filesystem::path> files6;
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    if (e.path().filename().string().rfind("geoip6-", 0) == 0) files6.push_back(e.path());
  }
  ASSERT_EQ(files6.size(), 1u);
  EXPECT_GT(std::filesystem::file_size(files6[0]), 1000000u);
  for (int round = 0; round < 2; ++round) {
    auto db = Open("", cache);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(db.value()->Lookup(v6), want6) << round;
    EXPECT_EQ(db.value()->Lookup(v4), want4) << round;
    // Damage the cache: swap two ranges (unsorted) for the next round.
    std::string bytes = keikai::testing::ReadFile(files6[0]);
    std::swap_ranges(bytes.begin() + 8, bytes.begin() + 8 + 34, bytes.begin() + 8 + 34 * 100);
    keikai::testing::WriteFile(files6[0], bytes);
  }
}

}  // namespace
}  // namespace keikai::geo
