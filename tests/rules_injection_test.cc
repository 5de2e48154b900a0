// Tests for DetectSqli / DetectXss (@detectSQLi / @detectXSS): classic attacks in each quoting
// context must be flagged, ordinary text (prose, names with apostrophes, numbers, dates, emails,
// URLs, JSON, Japanese, search phrases) must not. Both operators answer as libinjection 3.9.2
// inside libmodsecurity 3.0.9 answers (bench/injection_diff.sh measures it), so cases where
// libinjection's answer is surprising are pinned here too, each verified against
// libmodsecurity's: keikai must not be "better" there, since CRS rules rely on the same verdicts.
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
              "1/**/or/**/1=1", "' or 1 like 1--"},
             true);
}

TEST(Injection, SqliUnionAndStacked) {
  ExpectSqli({"foo') UNION ALL select NULL --", "-1 union select 1,2,3",
              "1 UNION SELECT username, password FROM users--", "' union select @@version--",
              "1; drop table users", "'; DROP TABLE users; --", "1;insert into log values(1)",
              "x'; exec master..xp_cmdshell 'dir'--", "1 /*!50000union*/ /*!50000select*/ 1,2"},
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
              "x' order by 3--",
              "x' into outfile '/tmp/x'--", "1' and (select 1 from dual)='1",
              "' (select load_file('/etc/passwd')) '",
              "1' AND extractvalue(1,concat(0x7e,version()))--", "' GROUP BY name having 1=1 --",
              "1 rlike (select (case when (1=1) then 1 else 0x28 end))",
              "1' or '1'='1' limit 1;#", "'=0-- ", "1'='1"},
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
              "The '--format' flag", "user's guide; chapter 2",
              "Rock 'n' roll and 'blues'", "a=b&c=d", "x<5 and y>3",
              "--verbose", "I'm here; you're there",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0",
              "Guns N' Roses - Sweet Child O' Mine (1987)", "L'Oreal Paris; Ca va",
              "she said: 'no; drop it'", "Don't select 'none' or 'all'", "It's 1=1, isn't it?",
              "shutdown", "pound drop set live", "select a plan or not", "cats and dogs or birds",
              "Mary's book and Tom's pen", "price: 10 or 20", "user@example.com",
              "{\"select\":\"x\",\"where\":{\"id\":3}}", "2024-01-15T10:20:30Z"},
             false);
}

// Short values that libinjection flags although they are text: a string, an operator and a
// string ("sos"), "x order by y" prose, "name-sleep(8)". keikai answers the same.
TEST(Injection, SqliTextThatLibinjectionAlsoFlags) {
  ExpectSqli({"delimiter: '#'", "The \"--\" argument", "systemd-sleep(8)",
              "Flag --regexp is deprecated. Use --filter=\"name~'REGEXP'\"",
              "To describe an order by name, including its prefix, run:"},
             true);
}

// Injections that libinjection does not flag (their folded shapes are not in its model), so
// neither does keikai: @detectSQLi is expected to answer as libmodsecurity does.
TEST(Injection, SqliShapesLibinjectionDoesNotFlag) {
  ExpectSqli({"AND 2771=1709)", "DELETE FROM users;--", "select * from users", "admin';",
              "'; shutdown --", "' and starts_with(password,'a') and 'true",
              "exec xp_cmdshell 'dir'", "select pg_sleep", ";DROP/*x*/TABLE test;",
              // sqlmap payloads that the previous keikai flagged and libmodsecurity does not.
              "1;(SELECT * FROM (SELECT(SLEEP(5)))XIhe)#",
              "10';(SELECT * FROM (SELECT(SLEEP(5)))OUlQ) OR 'tPJo'='eFYj",
              "1';SELECT CASE WHEN 6978=9328 THEN 1 ELSE NULL END--",
              "(SELECT * FROM GENERATE_SERIES(6343,6343,CASE WHEN (6343=6343) THEN 1 ELSE 0 END) "
              "LIMIT 1)",
              "10\";WAITFOR DELAY '0:0:5' AND \"aJAJ\"=\"aJAJ",
              "1' OR GTID_SUBSET(CONCAT(0x71787a6271,(CURRENT_USER()),0x717a6b7071),6944) AND "
              "'QfhI' LIKE 'QfhI",
              "10,(BEGIN IF (6767=6767) THEN DBMS_LOCK.SLEEP(5); ELSE DBMS_LOCK.SLEEP(0); END IF; "
              "END;)",
              // Padding before the attack: only the first five folded tokens are judged.
              "word word word word word word 1 union select 1,2,3"},
             false);
}

// sqlmap's payload families that libmodsecurity flagged and the previous keikai missed (one or
// more per family, from the tune split of bench/make_injection_corpus.py).
TEST(Injection, SqliSqlmapFamilies) {
  ExpectSqli({
      // The issue's examples.
      "1\") where 2055=2055 or elt(9714=5040,5040)-- ",
      "1;call regexp_substring(repeat(left(crypt_key(char(65)||char(69)||char(83),null),0),"
      "500000000),null)--",
      // UNION column probes (ORDER BY n), plain and tampered.
      "1 ORDER BY 11--", "-6460 order by 15-- korW", "10 oRDer bY 17-- tWZF",
      "-7301') AS ePaq WHERE 5171=5171 ORDER BY 5-- ePaq",
      // SQL Server stacked IF, Oracle BEGIN ... END blocks, HSQLDB heavy queries.
      "42;IF(7775=7775) SELECT 7775 ELSE DROP FUNCTION rWxH--",
      "2'));IF(5515=5515)/**/SELECT/**/5515/**/ELSE/**/DROP/**/FUNCTION/**/mvVE--",
      "1\";BEGIN USER_LOCK.SLEEP(5); END--", "1';BEGIN DBMS_LOCK.SLEEP(5); END-- rRbS",
      "1;CALL REGEXP_SUBSTRING(REPEAT(RIGHT(CHAR(4839),0),500000000),NULL)--",
      "1'; CALL   REGEXP_SUBSTRING(  REPEAT( RIGHT( CHAR(3868),0),500000000),  NULL   )-- Qisd",
      "test';CALL#XeQKiW\nREGEXP_SUBSTRING(REPEAT(RIGHT(CHAR(6577),0),500000000),NULL)--",
      // MySQL error-based and boolean-based (FLOOR, MAKE_SET, ELT, bool*int, RLIKE).
      "-6875' OR 1 GROUP BY CONCAT(0x7170786b71,(CURRENT_USER()),0x71626a7071,FLOOR(RAND(0)*2)) "
      "HAVING MIN(0)#",
      "1' IN BOOLEAN MODE) AND MAKE_SET(5295=5295,3184)#",
      "-6595) AS zuEP WHERE 5819=5819 OR MAKE_SET(1739=5100,5100)-- zuEP",
      "MAKE_SET(3516=3516,1)", "ELT(8191=8191,1)", "(8497=8497)*10",
      "1' IN BOOLEAN MODE) RLIKE (SELECT (CASE WHEN (4892=4892) THEN 1 ELSE 0x28 END))#",
      "john`=`john` AND 6316=IF((ORD(MID((CURRENT_USER()),4,1))>127),SLEEP(5),6316) AND "
      "`john`=`john",
      "7+(SELECT 0x6a6f7676 WHERE 6655=6655 OR GTID_SUBSET(CONCAT(0x7171717a71,(DATABASE()),"
      "0x717a6a7171),3950))+",
      // Parameter replacement and ORDER BY/GROUP BY clause payloads (CASE, IIF).
      "(SELECT (CASE WHEN (1266=1266) THEN 1266 ELSE 1/(SELECT 0) END))",
      "1,(SELECT (CASE WHEN (6823=6823) THEN 1 ELSE 6823*(SELECT 6823 FROM "
      "INFORMATION_SCHEMA.PLUGINS) END))",
      "1,IIF(ASCW(MID((SELECT 1),2,1))>104,1,1/0)", "IIF(4843=4843,4843,1/0)",
      "(CASE WHEN 5352=5352 THEN 2 ELSE NULL END)", "1 HAVING 5419=9602# plCq",
      // Oracle, Firebird, SQLite, HSQLDB conditions.
      "-8964\")) AS jHYG WHERE 7941=7941 OR (SELECT (CASE WHEN (9492=9492) THEN NULL ELSE "
      "CTXSYS.DRITHSX.SN(1,9492) END) FROM DUAL) IS NULL-- jHYG",
      "5' WHERE 9457=9457 OR 3698=DBMS_PIPE.RECEIVE_MESSAGE(CHR(74)||CHR(98)||CHR(80)||CHR(89),5)"
      "-- EHIK",
      "10') WHERE 3322=3322 AND CHAR(112)||CHAR(78)||CHAR(110)||CHAR(117)=REGEXP_SUBSTRING("
      "REPEAT(RIGHT(CHAR(9574),0),5000000000),NULL)--",
      "10,(SELECT 3364=('qzpjq'||(SELECT CURRENT_USER FROM RDB$DATABASE)||'qxkkq'))",
      "SELECT CHAR(113,120,107,112,113)||(CASE WHEN (9102=9102) THEN 1 ELSE 0 END)||"
      "CHAR(113,98,112,113,113)",
      // Tamper scripts: 0eunion, binary, space2plus, versionedkeywords, space2mssqlhash,
      // sp_password, equaltolike.
      "2e0UNION ALL SELECT 2783,2783,2783,CONCAT('qbbqq','CllL','qpqvq')-- -",
      "2\") AND binary 2648=binary 9975#", "1'+WAITFOR+DELAY+'0:0:5'--",
      "(/*!CASE*//*!WHEN*/ORD(MID((/*!SELECT*/1),4,1))>96/*!THEN*/2364/*!ELSE*//*!NULL*/"
      "/*!END*/)",
      "1,(SELECT#\n(CASE#\nWHEN#\n(7813=7813)#\nTHEN#\n1#\nELSE#\n1/(SELECT#\n0)#\nEND))",
      "john\");BEGIN USER_LOCK.SLEEP(5); END AND (\"FkPj\"=\"FkPj-- sp_password",
      "-6028) AS EAlM WHERE 4075 LIKE 4075 OR MAKE_SET(4628 LIKE 4628,8235)-- EAlM",
      // CRS's own 942100 tests.
      "2010-01-01' sleep(20.to_i) '", "unittests@coreruleset.org\" sleep(10.to_i) \""},
             true);
}

TEST(Injection, SqliFingerprintShowsContextAndShape) {
  // The folded token shape, as libinjection writes it: string, logic operator, string,
  // operator, string.
  const InjectionResult r = DetectSqli("-1839' or '1'='1");
  ASSERT_TRUE(r.detected);
  EXPECT_EQ(r.fingerprint, "s&sos");
  const InjectionResult n = DetectSqli("1234 OR 1=1");
  ASSERT_TRUE(n.detected);
  EXPECT_EQ(n.fingerprint, "1&1");  // "1=1" folds into one number
  EXPECT_EQ(DetectSqli("1 /*!50000union*/ select 1").fingerprint, "X");  // MySQL /*! code
}

TEST(Injection, XssTags) {
  ExpectXss({"<script>alert(1)</script>", "<ScRiPt >alert(1)", "<script",
             "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\" src=\"data:,alert(1)\" />",
             "<iframe src=//evil>", "<svg/onload=alert(1)>", "<object data=x>",
             "<embed src=x>", "<style>@import 'x'</style>", "<link rel=stylesheet href=x>",
             "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
             "<base href=//evil/>", "<form action=javascript:x>",
             "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mtext>", "\"><script>x</script>",
             "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
             "<?import namespace=\"t\" implementation=\"#default#time2\">"},
            true);
}

TEST(Injection, XssAttributes) {
  ExpectXss({"<img src=x onerror=alert(1)>", "<xss onbeforehellfreezes=alerw(1)>",
             "<a href=\"javascript:alert(1)\">x</a>", "<a href=' \tjavascript:alert(1)'>",
             "<div style=\"width: expression(alert(1))\">", "<body onload=alert(1)>",
             "<img/src/onerror=alert(1)>", "<a href=data:text/html;base64,PHNjcmlwdD4=>",
             "<button formaction=javascript:alert(1)>", "<iframe srcdoc=\"&lt;script&gt;\">",
             "\" onmouseover=\"alert(1)", "' onfocus='alert(1)' autofocus='",
             "x onmouseover=alert(1)", "\" style=\"background:url(javascript:alert(1))"},
            true);
}

// Families libmodsecurity flagged and the previous keikai missed (bench/make_injection_corpus.py).
TEST(Injection, XssLibinjectionFamilies) {
  ExpectXss({"<iframe srcdoc=\"&lt;script&gt;alert`1`&lt;/script&gt;\">",
             std::string_view("<scr\0ipt>print()</script>", 25),  // NUL inside the tag name
             "<!--<img src=\"--><img src=x onerror=confirm(1)//\">",
             "<a href=\"jav&#x0A;ascript:alert`1`\">a</a>",  // newline entity in the scheme
             "<button formaction=&#x6A;avascript:alert`1`>x</button>",
             "<svg><set href=console.log(1)>", "<embed>", "<a online=1>", "<!DOCTYPE html>",
             "<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "<a style=\"color:red\">",
             "<x attributeName=onload>", "<a xmlns:x=\"urn:x\">", "<% x %`>",
             "<?import namespace=x>", "<!ENTITY x SYSTEM \"file:///etc/passwd\">",
             "<a href=view-source:x>"},
            true);
}

// Values the previous keikai flagged and libinjection does not: a bare URL or CSS value is not
// HTML, livescript: is not one of the schemes it knows, a handler needs a value.
TEST(Injection, XssShapesLibinjectionDoesNotFlag) {
  ExpectXss({"javascript:alert(document.cookie)", "data:text/html,<b>x</b>",
             "color:red;background:url(javascript:alert(1))",
             "background : url ( javascript : alert(1) )", "-moz-binding:url(//x/xss.xml#xss)",
             "<a href=\"livescript:prompt(1)\">x</a>", "<a oncopy>", "<a once=1>",
             "<form action=x>", "<scr<script>ipt>print()</scr</script>ipt>",
             "<math/src=x/onerror=location=name>", "<a href=' jav\tascript:alert(1)'>"},
            false);
}

TEST(Injection, XssBenignText) {
  ExpectXss({"", "hello world", "a < b", "x<5", "1 < 2 > 0", "<3 you", "a<b and c>d",
             "<b>bold</b>", "<p>paragraph</p>", "<i>x</i> and <em>y</em>", "<br/>",
             "<a href=\"https://example.com/\">link</a>", "<img src=\"cat.png\" alt=\"cat\">",
             "this is only one option",
             "once online, onboard", "onerror handling", "scripted", "javascript tutorial",
             "JavaScript: The Good Parts", "mailto:foo@bar.com", "O'Reilly \"quoted\" text",
             "<!-- a comment -->", "x => x * 2",
             "if (a < b && c > d) { run(); }", "東京 <東京> 大阪", "price<=100", "style: modern",
             "<span class=\"x\" title='y'>z</span>", "1 <script-free> text",
             "background: url(https://example.com/bg.png)", "<a href=\"/search?q=1\">x</a>",
             "<input type=\"text\" name=\"q\" value=\"x\">", "お問い合わせ <b>太字</b>"},
            false);
}

// Text that libinjection flags because of the tag names it contains; keikai answers the same.
TEST(Injection, XssTextThatLibinjectionAlsoFlags) {
  ExpectXss({"Adds HTML keyword <META> tags", "git replace [-f] <object> <replacement>",
             "git rebase <base>", "<svg></svg>",
             "<?xml version=\"1.0\"?><?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?>"},
            true);
}

TEST(Injection, XssFingerprintNamesWhatWasSeen) {
  EXPECT_EQ(DetectXss("<script>alert(1)</script>").fingerprint, "tag:script");
  EXPECT_EQ(DetectXss("<img src=x onerror=alert(1)>").fingerprint, "attr:onerror");
  EXPECT_EQ(DetectXss("<a href=\"javascript:alert(1)\">").fingerprint, "attr:href=javascript");
  EXPECT_EQ(DetectXss("<div style=\"x:expression(alert(1))\">").fingerprint, "attr:style");
  EXPECT_EQ(DetectXss("\" onfocus=\"x").fingerprint, "attr:onfocus");
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
  for (int i = 0; i < 20000; ++i) tags += "<mark ";
  EXPECT_FALSE(DetectXss(tags).detected);
  std::string lt(100000, '<');
  EXPECT_FALSE(DetectXss(lt).detected);
  std::string nested;  // one tag name running to the end: read once, not once per "<"
  for (int i = 0; i < 32000; ++i) nested += "<a";
  EXPECT_FALSE(DetectXss(nested).detected);
  EXPECT_TRUE(DetectXss("<script>" + nested).detected);
  std::string nul("\0<script>", 9);
  EXPECT_TRUE(DetectXss(nul).detected);
  // Opening parentheses before an attack say nothing and are skipped, however many.
  std::string parens(100000, '(');
  EXPECT_TRUE(DetectSqli(parens + "1 union select 1,2,3").detected);
  EXPECT_FALSE(DetectSqli(parens).detected);
}

}  // namespace
}  // namespace keikai::rules
