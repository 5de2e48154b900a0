// Tests for DetectSqli / DetectXss (@detectSQLi / @detectXSS): classic attacks in each quoting
// context must be flagged, ordinary text (prose, names with apostrophes, numbers, dates, emails,
// URLs, JSON, Japanese, search phrases) must not.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "keikai/rules/injection.h"

namespace keikai::rules {
namespace {

void ExpectSqli(const std::vector<std::string_view>& cases, bool want) {
  for (std::string_view c : cases) {
    const InjectionResult r = DetectSqli(c);
    EXPECT_EQ(r.detected, want) << "input: " << c << "  fingerprint: " << r.fingerprint;
    if (r.detected) {
      EXPECT_FALSE(r.fingerprint.empty()) << c;
    }
  }
}

void ExpectXss(const std::vector<std::string_view>& cases, bool want) {
  for (std::string_view c : cases) {
    const InjectionResult r = DetectXss(c);
    EXPECT_EQ(r.detected, want) << "input: " << c << "  why: " << r.fingerprint;
    if (r.detected) {
      EXPECT_FALSE(r.fingerprint.empty()) << c;
    }
  }
}

TEST(Injection, SqliTautologies) {
  ExpectSqli({"1234 OR 1=1", "-1839' or '1'='1", "-1839\" or \"1\"=\"2", "' or 'a'='a",
              "' or ''='", "admin' or 1=1--", "1) or (1=1", "x' OR 1=1#", "' or true--",
              "EmptyValue' and 526=527", "1 and 1=1", "') or ('1'='1", "' OR NOT 1=2 --",
              "AND 2771=1709)", "1/**/or/**/1=1", "' or 1 like 1--"},
             true);
}

TEST(Injection, SqliUnionAndStacked) {
  ExpectSqli({"foo') UNION ALL select NULL --", "-1 union select 1,2,3",
              "1 UNION SELECT username, password FROM users--", "' union select @@version--",
              "1; drop table users", "'; DROP TABLE users; --", "1;insert into log values(1)",
              "x'; exec master..xp_cmdshell 'dir'--", "1 /*!50000union*/ /*!50000select*/ 1,2",
              "DELETE FROM users;--", "select * from users", "admin';", "'; shutdown --"},
             true);
}

TEST(Injection, SqliFunctionsAndComments) {
  ExpectSqli({"sleep(20)", "JKGHUKGDI8TDHLFJH72FZLFJSKFH' and sleep(12) --",
              "2010-01-01'+sleep(20.to_i)+'", "unittests@coreruleset.org\" sleep(10.to_i) \"",
              "\" | type %SystemDrive%\\\\config.ini | \"",
              "\"unittests@coreruleset.org\"')) and (select*from(select(sleep(5)))x) --",
              "foo')waitfor delay'5:0:20'--", "1;waitfor delay '0:0:5'--",
              "1' and benchmark(5000000,md5(1))#", "admin'--", "admin')#",
              "1'||(select extractvalue(xmltype('<?xml version=\"1.0\"?>", "1' and 1=1 /*",
              "' and starts_with(password,'a') and 'true", "x' order by 3--",
              "x' into outfile '/tmp/x'--", "1' and (select 1 from dual)='1",
              "' (select load_file('/etc/passwd')) '", "exec xp_cmdshell 'dir'",
              "1' AND extractvalue(1,concat(0x7e,version()))--", "' GROUP BY name having 1=1 --",
              "1 rlike (select (case when (1=1) then 1 else 0x28 end))", "select pg_sleep",
              ";DROP/*x*/TABLE test;", "1' or '1'='1' limit 1;#", "'=0-- ", "1'='1"},
             true);
}

TEST(Injection, SqliBenignText) {
  ExpectSqli({"", "hello", "O'Reilly", "Tim O'Brien", "d'Artagnan", "rock 'n' roll",
              "It's 5 o'clock", "Tom's and Jerry's", "select a plan", "Select your country",
              "union station", "Union Square, New York", "drop me a line", "1 or 2", "2 or 3",
              "5 and 6", "true or false", "cats or dogs", "2024-01-15", "1-800-555-0199",
              "3.14159", "-42", "john.doe+tag@example.com", "https://example.com/a?b=c&d=e#f",
              "{\"user\":\"bob\",\"age\":42,\"tags\":[\"a\",\"b\"]}", "C# and F# developers",
              "issue #42 -- fixed", "東京都渋谷区神南1-2-3", "お問い合わせ (月曜日) または",
              "sleep well tonight", "benchmark results (2023)", "delete from cart",
              "SELECT * FROM your favorite options", "price > 100 and < 200", "10% off",
              "Mr. O'Neil's order #123", "we're #1", "He said 'or else'",
              "The '--format' flag", "delimiter: '#'", "user's guide; chapter 2",
              "Rock 'n' roll and 'blues'", "a=b&c=d", "The \"--\" argument", "x<5 and y>3",
              "--verbose", "I'm here; you're there",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0",
              "Guns N' Roses - Sweet Child O' Mine (1987)", "L'Oreal Paris; Ca va",
              "she said: 'no; drop it'", "Don't select 'none' or 'all'", "It's 1=1, isn't it?",
              "systemd-sleep(8)", "shutdown", "Flag --regexp is deprecated. Use --filter=\"name~'REGEXP'\""},
             false);
}

TEST(Injection, SqliFingerprintShowsContextAndShape) {
  const InjectionResult r = DetectSqli("-1839' or '1'='1");
  ASSERT_TRUE(r.detected);
  // The quote context that matched comes first, then the folded token shape.
  EXPECT_EQ(r.fingerprint.substr(0, 4), "'s&s");
  const InjectionResult n = DetectSqli("1234 OR 1=1");
  ASSERT_TRUE(n.detected);
  EXPECT_EQ(n.fingerprint, "-1&1o1");  // "-" is the as-is context
}

TEST(Injection, XssTags) {
  ExpectXss({"<script>alert(1)</script>", "<ScRiPt >alert(1)", "<script",
             "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\" src=\"data:,alert(1)\" />",
             "<iframe src=//evil>", "<svg/onload=alert(1)>", "<object data=x>",
             "<embed src=x>", "<style>@import 'x'</style>", "<link rel=stylesheet href=x>",
             "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
             "<base href=//evil/>", "<form action=x>",
             "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mtext>", "\"><script>x</script>",
             "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
             "<?import namespace=\"t\" implementation=\"#default#time2\">"},
            true);
}

TEST(Injection, XssAttributes) {
  ExpectXss({"<img src=x onerror=alert(1)>", "<xss onbeforehellfreezes=alerw(1)>",
             "<a href=\"javascript:alert(1)\">x</a>", "<a href=' jav\tascript:alert(1)'>",
             "<div style=\"width: expression(alert(1))\">", "<body onload=alert(1)>",
             "<img/src/onerror=alert(1)>", "<a href=data:text/html;base64,PHNjcmlwdD4=>",
             "<button formaction=javascript:alert(1)>", "<iframe srcdoc=\"&lt;script&gt;\">",
             "\" onmouseover=\"alert(1)", "' onfocus='alert(1)' autofocus='",
             "x onmouseover=alert(1)", "\" style=\"background:url(javascript:alert(1))",
             "javascript:alert(document.cookie)", "data:text/html,<b>x</b>",
             // A value that lands in a style attribute.
             "color:red;background:url(javascript:alert(1))",
             "background : url ( javascript : alert(1) )", "-moz-binding:url(//x/xss.xml#xss)"},
            true);
}

TEST(Injection, XssBenignText) {
  ExpectXss({"", "hello world", "a < b", "x<5", "1 < 2 > 0", "<3 you", "a<b and c>d",
             "<b>bold</b>", "<p>paragraph</p>", "<i>x</i> and <em>y</em>", "<br/>",
             "<a href=\"https://example.com/\">link</a>", "<img src=\"cat.png\" alt=\"cat\">",
             "<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "this is only one option",
             "once online, onboard", "onerror handling", "scripted", "javascript tutorial",
             "JavaScript: The Good Parts", "mailto:foo@bar.com", "O'Reilly \"quoted\" text",
             "Adds HTML keyword <META> tags", "<!-- a comment -->", "x => x * 2",
             "if (a < b && c > d) { run(); }", "東京 <東京> 大阪", "price<=100", "style: modern",
             "<span class=\"x\" title='y'>z</span>", "1 <script-free> text",
             // Documentation placeholders: these tags act only through attributes.
             "git replace [-f] <object> <replacement>", "git rebase <base>", "<svg></svg>",
             // An XML prolog is not script.
             "<?xml version=\"1.0\"?><?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?>",
             "background: url(https://example.com/bg.png)"},
            false);
}

TEST(Injection, XssFingerprintNamesWhatWasSeen) {
  EXPECT_EQ(DetectXss("<script>alert(1)</script>").fingerprint, "tag:script");
  EXPECT_EQ(DetectXss("<img src=x onerror=alert(1)>").fingerprint, "attr:onerror");
  EXPECT_EQ(DetectXss("<a href=\"javascript:alert(1)\">").fingerprint, "attr:href=javascript");
  EXPECT_EQ(DetectXss("<div style=\"x:expression(alert(1))\">").fingerprint, "style:expression");
}

TEST(Injection, LongAndHostileInputsStayBounded) {
  // Far beyond the scan limit, full of shapes that make tokenizers work; must not crash and must
  // still see an attack at the start.
  std::string big = "' or 1=1 -- ";
  big.append(200000, '(');
  EXPECT_TRUE(DetectSqli(big).detected);
  std::string quotes(100000, '\'');
  EXPECT_FALSE(DetectSqli(quotes).detected);
  std::string tags;
  for (int i = 0; i < 20000; ++i) tags += "<meta ";
  EXPECT_FALSE(DetectXss(tags).detected);
  std::string lt(100000, '<');
  EXPECT_FALSE(DetectXss(lt).detected);
  std::string nested;  // each "<" opens a would-be tag name that used to run to the end
  for (int i = 0; i < 32000; ++i) nested += "<a";
  EXPECT_FALSE(DetectXss(nested).detected);
  EXPECT_TRUE(DetectXss(nested + "<script>").detected);
  std::string nul("\0<script>", 9);
  EXPECT_TRUE(DetectXss(nul).detected);
  // An attack after a long run of prose words still falls in a later window.
  std::string padded;
  for (int i = 0; i < 500; ++i) padded += "word ";
  padded += "1 union select 1,2,3";
  EXPECT_TRUE(DetectSqli(padded).detected);
}

}  // namespace
}  // namespace keikai::rules
