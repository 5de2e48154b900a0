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

// Hostile bodies within the size limits: what is kept is bounded by the limits, not by what the
// body repeats.
TEST(Body, HostileBodiesStayWithinTheLimits) {
  BodyLimits lim;
  lim.max_args = 100;
  // A long key over a long array: every leaf's name carries the key.
  std::string json = "{\"" + std::string(100000, 'k') + "\":[";
  for (int i = 0; i < 5000; ++i) json += i ? ",0" : "0";
  json += "]}";
  auto j = ParseJson(json, lim);
  ASSERT_FALSE(j.error) << j.error_message;
  EXPECT_EQ(j.args.size(), 100u);
  EXPECT_TRUE(j.args_truncated);
  EXPECT_EQ(j.args.back().name, "json." + std::string(100000, 'k') + ".99");
  // Deep nesting under a long key stays an error, named.
  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "{\"" + std::string(1000, 'd') + "\":";
  EXPECT_TRUE(ParseJson(deep).error);
  // Multipart: many parts, many header lines, a file of a million bare lines.
  lim.max_parts = 3;
  std::string mp;
  for (int i = 0; i < 10; ++i) {
    mp += "--B\r\nContent-Disposition: form-data; name=\"p" + std::to_string(i) + "\"\r\n";
    for (int h = 0; h < 20; ++h) mp += "X-H: " + std::to_string(h) + "\r\n";
    mp += "\r\nv\r\n";
  }
  mp += "--B--\r\n";
  auto m = ParseMultipart(mp, "multipart/form-data; boundary=B", lim);
  EXPECT_TRUE(m.multipart.file_limit_exceeded);
  EXPECT_EQ(m.args.size(), 3u);
  EXPECT_LE(m.part_headers.size(), 24u);
  const std::string file = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n" +
                           std::string(1000000, '\n') + "\r\n--B--\r\n";
  auto f = ParseMultipart(file, "multipart/form-data; boundary=B");
  ASSERT_EQ(f.files.size(), 1u);
  EXPECT_EQ(f.files[0].size, 1000000u);
  EXPECT_FALSE(f.multipart.lf_line);  // bare LFs inside file content are not an irregularity
}

}  // namespace
}  // namespace keikai::http
