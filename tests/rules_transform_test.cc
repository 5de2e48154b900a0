#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "keikai/rules/seclang.h"
#include "keikai/rules/transform.h"

namespace keikai::rules {
namespace {

std::string T(std::string_view name, std::string_view in) {
  const TransformInfo* t = FindTransformation(name);
  EXPECT_NE(t, nullptr) << name;
  std::string out;
  if (t != nullptr) t->fn(in, out);
  return out;
}

TEST(Transform, Decoders) {
  EXPECT_EQ(T("urlDecode", "a%20b+c%zz%4"), "a b c%zz%4");
  EXPECT_EQ(T("urlDecodeUni", "%u0041%uFF1C%253c"), "A<%3c");
  EXPECT_EQ(T("htmlEntityDecode", "&lt;script&gt;&#x61;&#98&quot;&bogus;"), "<script>ab\"&bogus;");
  EXPECT_EQ(T("jsDecode", "\\x3cscript\\u003e\\'\\n\\101"), "<script>'\nA");
  EXPECT_EQ(T("cssDecode", "\\3c script\\3E\\\nx\\e"), "<script>x\x0e");
  EXPECT_EQ(T("base64Decode", "PHNjcmlwdD4="), "<script>");
  EXPECT_EQ(T("base64DecodeExt", "PHNj.cmlw dD4"), "<script>");
  EXPECT_EQ(T("hexDecode", "3c73"), "<s");
  EXPECT_EQ(T("sqlHexDecode", "select 0x414243,1"), "select ABC,1");
  EXPECT_EQ(T("utf8toUnicode", "a\xe8\xad\xa6"), "a%u8b66");
}

TEST(Transform, Normalisers) {
  EXPECT_EQ(T("lowercase", "SeLeCt"), "select");
  EXPECT_EQ(T("cmdLine", "C^md.Exe /c \"who\"'ami' ,;  ls"), "cmd.exe/c whoami ls");
  EXPECT_EQ(T("compressWhitespace", "a \t\n b"), "a b");
  EXPECT_EQ(T("removeWhitespace", " a \t b\n"), "ab");
  EXPECT_EQ(T("removeNulls", std::string("a\0b", 3)), "ab");
  EXPECT_EQ(T("replaceNulls", std::string("a\0b", 3)), "a b");
  EXPECT_EQ(T("replaceComments", "un/**/ion/* x */select/* open"), "un ion select ");
  EXPECT_EQ(T("removeCommentsChar", "un/**/ion--#sel"), "unionsel");
  EXPECT_EQ(T("normalizePath", "/a/./b/../../../etc//passwd"), "/etc/passwd");
  EXPECT_EQ(T("normalizePathWin", "..\\..\\windows\\win.ini"), "../../windows/win.ini");
  EXPECT_EQ(T("normalizePath", ""), "");
  EXPECT_EQ(T("normalizePath", "/"), "/");
  EXPECT_EQ(T("normalizePath", "a/b/../../.."), "..");
  EXPECT_EQ(T("normalizePath", "//a//b/"), "/a/b/");
  EXPECT_EQ(T("normalizePath", "/../x/./"), "/x/");
  EXPECT_EQ(T("normalizePathWin", "\\a\\.\\b\\"), "/a/b/");
  EXPECT_EQ(T("normalizePath", "a\\b"), "a\\b");  // a backslash is data unless Win
  EXPECT_EQ(T("trim", "  x  "), "x");
  EXPECT_EQ(T("length", "abcd"), "4");
}

TEST(Transform, Hashes) {
  EXPECT_EQ(T("hexEncode", T("sha1", "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(T("hexEncode", T("sha1", "")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(T("base64Encode", "ab"), "YWI=");
}

// Every transformation the CRS rule sets use is in the registry.
TEST(Transform, CoversEveryTransformationCrsUses) {
  std::vector<std::string> files;
  const std::string crs4 = std::string(KEIKAI_SHARED_DIR) + "/data/crs/v4.28.0/rules";
  for (const auto& e : std::filesystem::directory_iterator(crs4)) {
    if (e.path().extension() == ".conf") files.push_back(e.path().string());
  }
  if (std::filesystem::exists("/usr/share/modsecurity-crs/rules")) {
    for (const auto& e : std::filesystem::directory_iterator("/usr/share/modsecurity-crs/rules")) {
      if (e.path().extension() == ".conf") files.push_back(e.path().string());
    }
  }
  std::set<std::string> used, missing;
  for (const std::string& f : files) {
    auto r = LoadFiles({f});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const Directive& d : r.value().directives) {
      for (const Action& a : d.actions) {
        if (a.name != "t") continue;
        used.insert(a.value);
        if (FindTransformation(a.value) == nullptr) missing.insert(a.value);
      }
    }
  }
  EXPECT_GT(used.size(), 15u);
  EXPECT_TRUE(missing.empty()) << *missing.begin();
}

}  // namespace
}  // namespace keikai::rules
