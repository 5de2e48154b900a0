#include <gtest/gtest.h>

#include "keikai/http/body.h"

namespace keikai::http {
namespace {

TEST(Body, Urlencoded) {
  auto b = ParseUrlencoded("user=admin&pass=%27+or+1%3D1--&empty=&flag");
  ASSERT_EQ(b.args.size(), 4u);
  EXPECT_EQ(b.args[1].value, "' or 1=1--");
  EXPECT_EQ(b.args[3].name, "flag");
  BodyLimits lim;
  lim.max_args = 2;
  EXPECT_TRUE(ParseUrlencoded("a=1&b=2&c=3", lim).args_truncated);
}

TEST(Body, JsonNamesLeavesByPath) {
  auto b = ParseJson(R"({"user":{"name":"x","roles":["a","b"]},"n":5,"ok":true,"z":null})");
  ASSERT_FALSE(b.error) << b.error_message;
  std::vector<std::string> names;
  for (const auto& a : b.args) names.push_back(a.name + "=" + a.value);
  EXPECT_EQ(names, (std::vector<std::string>{"json.user.name=x", "json.user.roles.0=a",
                                              "json.user.roles.1=b", "json.n=5", "json.ok=true",
                                              "json.z="}));
  auto top = ParseJson(R"(["a",{"b":1}])");
  ASSERT_EQ(top.args.size(), 2u);
  EXPECT_EQ(top.args[0].name, "json.0");
  EXPECT_EQ(top.args[1].name, "json.1.b");
  EXPECT_EQ(ParseJson("\"bare\"").args.at(0).name, "json");
  auto bad = ParseJson(R"({"a":)");
  EXPECT_TRUE(bad.error);
  BodyLimits lim;
  lim.max_json_depth = 10;
  auto deep = ParseJson(std::string(50, '[') + std::string(50, ']'), lim);
  EXPECT_TRUE(deep.error);
  EXPECT_NE(deep.error_message.find("deeper"), std::string::npos);
}

TEST(Body, MultipartWellFormed) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
      "hello\r\nworld\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"upload\"; filename=\"shell.php\"\r\n"
      "Content-Type: application/x-php\r\n\r\n"
      "<?php system($_GET['c']); ?>\r\n"
      "--XyZ--\r\n";
  auto b = ParseMultipart(body, "multipart/form-data; boundary=XyZ");
  EXPECT_FALSE(b.error) << b.error_message;
  EXPECT_FALSE(b.multipart.strict_error());
  ASSERT_EQ(b.args.size(), 1u);
  EXPECT_EQ(b.args[0].name, "title");
  EXPECT_EQ(b.args[0].value, "hello\r\nworld");
  ASSERT_EQ(b.files.size(), 1u);
  EXPECT_EQ(b.files[0].filename, "shell.php");
  EXPECT_EQ(b.files[0].content_type, "application/x-php");
}

TEST(Body, MultipartIrregularitiesAreFlagged) {
  auto b = ParseMultipart(
      "junk before\n--B\nContent-Disposition: form-data; name=\"a\"\n folded: header\n\nv\n--B--\nafter\n",
      "multipart/form-data; boundary=\"B\"");
  EXPECT_TRUE(b.multipart.data_before);
  EXPECT_TRUE(b.multipart.data_after);
  EXPECT_TRUE(b.multipart.lf_line);
  EXPECT_TRUE(b.multipart.header_folding);
  EXPECT_TRUE(b.multipart.boundary_quoted);
  EXPECT_TRUE(b.multipart.strict_error());
  auto unterminated = ParseMultipart("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n",
                                     "multipart/form-data; boundary=B");
  EXPECT_TRUE(unterminated.error);
  EXPECT_TRUE(unterminated.multipart.unmatched_boundary);
  auto quoting = ParseMultipart("--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--B--\r\n",
                                "multipart/form-data; boundary=B");
  EXPECT_TRUE(quoting.multipart.invalid_quoting);
  auto noname = ParseMultipart("--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\n",
                               "multipart/form-data; boundary=B");
  EXPECT_TRUE(noname.multipart.invalid_part);
  EXPECT_TRUE(ParseMultipart("x", "multipart/form-data").error);  // no boundary
}

}  // namespace
}  // namespace keikai::http
