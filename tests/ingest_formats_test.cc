#include <gtest/gtest.h>

#include "keikai/core/time.h"
#include "keikai/ingest/format.h"

namespace keikai::ingest {
namespace {

struct Parsed {
  LineKind kind;
  http::OwnedRequest req;
  ParseError err;
};

Parsed ParseWith(LineParser& p, std::string_view line) {
  http::Request r;
  Parsed out;
  out.kind = p.Parse(line, r, out.err);
  out.req = http::OwnedRequest(r);
  return out;
}

std::unique_ptr<LineParser> Named(const char* name) {
  const FormatInfo* f = FindFormat(name);
  EXPECT_NE(f, nullptr) << name;
  return f->factory();
}

constexpr const char* kCombinedLine =
    R"(203.0.113.9 - - [16/Feb/2022:10:11:12 +0900] "GET /products/12?color=red HTTP/1.1" 200 5123 "https://shop.example.jp/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36")";

TEST(Formats, RegistryBuiltinsAllCompile) {
  for (const FormatInfo& f : Formats()) {
    EXPECT_NE(f.factory(), nullptr) << f.name;
    EXPECT_FALSE(f.help_en.empty());
    EXPECT_FALSE(f.help_ja.empty());
  }
}

TEST(Formats, Combined) {
  auto p = Named("combined");
  Parsed r = ParseWith(*p, kCombinedLine);
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.peer_ip, "203.0.113.9");
  EXPECT_EQ(r.req.client_ip, "203.0.113.9");
  EXPECT_EQ(r.req.time, DaysFromCivil(2022, 2, 16) * 86400 + 1 * 3600 + 11 * 60 + 12);
  EXPECT_EQ(r.req.logged_offset, 9 * 3600);
  EXPECT_EQ(r.req.method, "GET");
  EXPECT_EQ(r.req.target, "/products/12?color=red");
  EXPECT_EQ(r.req.protocol, "HTTP/1.1");
  EXPECT_EQ(r.req.status, 200);
  EXPECT_EQ(r.req.bytes, 5123);
  EXPECT_EQ(r.req.referer, "https://shop.example.jp/");
  EXPECT_NE(r.req.user_agent.find("Chrome/98"), std::string::npos);
}

TEST(Formats, CombinedEdgeCases) {
  auto p = Named("combined");
  // Apache escapes quotes in the user agent as \" (undone: detection sees what the client
  // sent); the last field is anchored at the line end.
  Parsed r = ParseWith(*p, R"(198.51.100.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a\"b HTTP/1.0" 404 - "-" "Evil \"quoted\" agent")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.target, R"(/a"b)");
  EXPECT_EQ(r.req.bytes, -1);
  EXPECT_EQ(r.req.referer, "");
  EXPECT_EQ(r.req.user_agent, R"(Evil "quoted" agent)");
  // TLS bytes sent to a plain-HTTP port: logged with status 400, still a request.
  r = ParseWith(*p, R"(192.0.2.5 - - [16/Feb/2022:10:00:00 +0900] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.status, 400);
  EXPECT_EQ(r.req.method, "");
  EXPECT_EQ(r.req.target, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03", 11));
  // An empty request line.
  r = ParseWith(*p, R"(192.0.2.5 - - [16/Feb/2022:10:00:00 +0900] "-" 400 0 "-" "-")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  // Bad lines name the reason and the column.
  r = ParseWith(*p, R"(192.0.2.5 - - [16/Feb/2022:10:00:00 +0900] "GET / HTTP/1.1" abc 0 "-" "-")");
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_STREQ(r.err.code, "bad_status");
  r = ParseWith(*p, R"(192.0.2.5 - - [16/Feb/2022:99:00:00 +0900] "GET / HTTP/1.1" 200 0 "-" "-")");
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_STREQ(r.err.code, "bad_time");
  r = ParseWith(*p, "garbage");
  EXPECT_EQ(r.kind, LineKind::kBad);
  r = ParseWith(*p, R"(192.0.2.5 - - [16/Feb/2022:10:00:00 +0900] "GET / HTTP/1.1" 200 0 "-")");
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_EQ(ParseWith(*p, "").kind, LineKind::kSkip);
}

TEST(Formats, CommonAndNginxMain) {
  auto common = Named("common");
  Parsed r = ParseWith(*common, R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.bytes, 2326);
  EXPECT_EQ(ParseWith(*common, kCombinedLine).kind, LineKind::kBad);
  auto main = Named("nginx-main");
  r = ParseWith(*main, std::string(kCombinedLine) + R"( "198.51.100.23, 10.0.0.1")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.forwarded_for, "198.51.100.23, 10.0.0.1");
}

TEST(Formats, VhostCombined) {
  auto p = Named("vhost_combined");
  Parsed r = ParseWith(*p, R"(shop.example.jp:443 203.0.113.9 - - [16/Feb/2022:10:11:12 +0900] "GET /.env HTTP/1.1" 404 196 "-" "python-requests/2.27.1")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.site, "shop.example.jp");
  EXPECT_EQ(r.req.target, "/.env");
  EXPECT_EQ(r.req.status, 404);
}

TEST(Formats, CustomNginxFormatCompiledOnce) {
  auto p = CompileNginxFormat(
      R"($remote_addr [$time_iso8601] $host "$request_method $request_uri $server_protocol" $status $body_bytes_sent $request_time "$http_user_agent" "$http_x_forwarded_for")");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Parsed r = ParseWith(*p.value(), R"(10.0.0.2 [2022-02-16T10:11:12+09:00] www.example.jp "POST /login?next=%2F HTTP/2.0" 302 0 0.012 "curl/7.81.0" "203.0.113.50")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.method, "POST");
  EXPECT_EQ(r.req.target, "/login?next=%2F");
  EXPECT_EQ(r.req.protocol, "HTTP/2.0");
  EXPECT_EQ(r.req.host, "www.example.jp");
  EXPECT_EQ(r.req.forwarded_for, "203.0.113.50");
  EXPECT_EQ(r.req.time, DaysFromCivil(2022, 2, 16) * 86400 + 3600 + 11 * 60 + 12);
  // $uri + $args are joined into the target.
  auto q = CompileNginxFormat(R"($remote_addr $msec "$uri" "$args" $status)");
  ASSERT_TRUE(q.ok());
  r = ParseWith(*q.value(), R"(192.0.2.1 1645000000.123 "/search" "q=1" 200)");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.target, "/search?q=1");
  EXPECT_EQ(r.req.time, 1645000000);
}

TEST(Formats, NginxFormatErrors) {
  EXPECT_FALSE(CompileNginxFormat("$remote_addr $request").ok());  // no time
  EXPECT_FALSE(CompileNginxFormat("$time_local $request").ok());   // no client
  EXPECT_FALSE(CompileNginxFormat("$remote_addr$time_local $request").ok());  // adjacent vars
  auto e = CompileNginxFormat("${remote_addr [$time_local] $request");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().offset(), 0u);
}

TEST(Formats, CustomApacheFormat) {
  auto p = CompileApacheFormat(
      R"(%a %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D \"%{X-Forwarded-For}i\")");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Parsed r = ParseWith(*p.value(), R"(192.0.2.10 - - [16/Feb/2022:10:11:12 +0900] "GET /wp-login.php HTTP/1.1" 404 209 "-" "Mozilla/5.0" 1234 "-")");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.target, "/wp-login.php");
  EXPECT_EQ(r.req.status, 404);
  EXPECT_EQ(r.req.forwarded_for, "");
  auto strf = CompileApacheFormat(R"(%h %{%Y-%m-%d %H:%M:%S %z}t "%r" %s)");
  ASSERT_TRUE(strf.ok()) << strf.status().ToString();
  r = ParseWith(*strf.value(), R"(192.0.2.10 2022-02-16 10:11:12 +0900 "GET / HTTP/1.1" 200)");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.time, DaysFromCivil(2022, 2, 16) * 86400 + 3600 + 11 * 60 + 12);
  EXPECT_FALSE(CompileApacheFormat("%h %t %Z").ok());
  EXPECT_FALSE(CompileApacheFormat("%h %t %{Referer").ok());
}

TEST(Formats, CaddyJson) {
  auto p = Named("caddy");
  Parsed r = ParseWith(*p, R"({"level":"info","ts":1646861401.5241024,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"198.51.100.7","proto":"HTTP/2.0","method":"GET","host":"shop.example.jp","uri":"/.git/config","headers":{"User-Agent":["Mozilla/5.0 zgrab/0.x"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":0,"status":404,"resp_headers":{"Server":["Caddy"]}})");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.time, 1646861401);
  EXPECT_EQ(r.req.peer_ip, "198.51.100.7");
  EXPECT_EQ(r.req.target, "/.git/config");
  EXPECT_EQ(r.req.host, "shop.example.jp");
  EXPECT_EQ(r.req.user_agent, "Mozilla/5.0 zgrab/0.x");
  EXPECT_EQ(r.req.status, 404);
  EXPECT_EQ(r.req.protocol, "HTTP/2.0");
  EXPECT_EQ(ParseWith(*p, R"({"ts": "x"})").kind, LineKind::kBad);
  EXPECT_EQ(ParseWith(*p, R"({"ts":1646861401,"request":{)").kind, LineKind::kBad);
  EXPECT_EQ(ParseWith(*p, "not json").kind, LineKind::kBad);
}

TEST(Formats, TraefikAndNginxJson) {
  auto t = Named("traefik");
  Parsed r = ParseWith(*t, R"({"ClientHost":"203.0.113.4","DownstreamContentSize":19,"DownstreamStatus":404,"RequestHost":"corp.example.jp","RequestMethod":"GET","RequestPath":"/phpmyadmin/","RequestProtocol":"HTTP/1.1","StartUTC":"2022-02-16T01:02:03.123456789Z","request_User-Agent":"Mozilla/5.0","level":"info","msg":"","time":"2022-02-16T10:02:03+09:00"})");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.target, "/phpmyadmin/");
  EXPECT_EQ(r.req.status, 404);
  EXPECT_EQ(r.req.time, DaysFromCivil(2022, 2, 16) * 86400 + 3600 + 2 * 60 + 3);
  auto n = Named("nginx-json");
  r = ParseWith(*n, R"({"time_local":"16/Feb/2022:10:11:12 +0900","remote_addr":"192.0.2.44","request":"GET /?id=1%27%20OR%20%271%27%3D%271 HTTP/1.1","status":"200","body_bytes_sent":"612","http_referer":"","http_user_agent":"sqlmap/1.6"})");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.method, "GET");
  EXPECT_EQ(r.req.target, "/?id=1%27%20OR%20%271%27%3D%271");
  EXPECT_EQ(r.req.status, 200);
  EXPECT_EQ(r.req.bytes, 612);
}

// Issue 11: "status":"nan" was stored as -2147483648 and a duplicated status key gave 0.
TEST(Formats, JsonNumbersAreValidated) {
  auto n = Named("nginx-json");
  const std::string head = R"({"time_local":"16/Feb/2022:10:11:12 +0900","remote_addr":"192.0.2.44","request":"GET / HTTP/1.1",)";
  struct Case {
    const char* tail;
    LineKind kind;
    const char* code;
    int status;
    int64_t bytes;
  };
  const Case cases[] = {
      {R"("status":"200","body_bytes_sent":"612"})", LineKind::kRecord, "", 200, 612},
      {R"("status":200,"body_bytes_sent":612})", LineKind::kRecord, "", 200, 612},
      {R"("status":"-","body_bytes_sent":"-"})", LineKind::kRecord, "", 0, -1},
      {R"("status":"nan","body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":"NaN","body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":1e999,"body_bytes_sent":"1"})", LineKind::kBad, "bad_json", 0, 0},
      {R"("status":1e300,"body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":-5,"body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":200.5,"body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":"2e2","body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
      {R"("status":"200","body_bytes_sent":"inf"})", LineKind::kBad, "bad_bytes", 0, 0},
      {R"("status":"200","body_bytes_sent":-1})", LineKind::kBad, "bad_bytes", 0, 0},
      {R"("status":"200","status":"404","body_bytes_sent":"1"})", LineKind::kBad, "duplicate_key", 0, 0},
      {R"("status":"","body_bytes_sent":"1"})", LineKind::kBad, "bad_status", 0, 0},
  };
  for (const Case& c : cases) {
    Parsed r = ParseWith(*n, head + c.tail);
    EXPECT_EQ(r.kind, c.kind) << c.tail;
    if (c.kind == LineKind::kBad) {
      EXPECT_EQ(std::string(r.err.code), c.code) << c.tail;
    } else {
      EXPECT_EQ(r.req.status, c.status) << c.tail;
      EXPECT_EQ(r.req.bytes, c.bytes) << c.tail;
    }
  }
  // A numeric time must be a number of seconds (or milliseconds), never NaN or infinite.
  auto t = Named("caddy");
  EXPECT_EQ(ParseWith(*t, R"({"ts":1e999,"request":{"remote_ip":"192.0.2.1","method":"GET","uri":"/"},"status":200})").kind,
            LineKind::kBad);
}

TEST(Formats, UserJsonMapping) {
  auto m = ParseJsonMapping("time=@t,ip=src.addr,method=m,uri=u,status=s,user_agent=h.ua");
  ASSERT_TRUE(m.ok());
  auto p = MakeJsonParser(m.value());
  ASSERT_TRUE(p.ok());
  Parsed r = ParseWith(*p.value(), R"({"@t":"2022-02-16T01:00:00Z","src":{"addr":"192.0.2.8"},"m":"GET","u":"/x","s":301,"h":{"ua":"a"}})");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.status, 301);
  EXPECT_FALSE(ParseJsonMapping("time").ok());
  EXPECT_FALSE(ParseJsonMapping("colour=x").ok());
  EXPECT_FALSE(MakeJsonParser(ParseJsonMapping("time=t").value()).ok());
  EXPECT_TRUE(MakeParser("json:time=t,ip=i,uri=u").ok());
}

TEST(Formats, IisW3cFollowsFieldsDirective) {
  auto p = Named("iis");
  EXPECT_EQ(ParseWith(*p, "#Software: Microsoft Internet Information Services 10.0").kind,
            LineKind::kSkip);
  EXPECT_EQ(ParseWith(*p, "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
                          "cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus "
                          "sc-win32-status time-taken").kind,
            LineKind::kSkip);
  Parsed r = ParseWith(*p, "2022-02-16 01:02:03 10.0.0.5 GET /owa/auth/x.js a=1 443 - 203.0.113.77 "
                           "Mozilla/5.0+(compatible;+MSIE+9.0) - 404 0 2 15");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.target, "/owa/auth/x.js?a=1");
  EXPECT_EQ(r.req.peer_ip, "203.0.113.77");
  EXPECT_EQ(r.req.status, 404);
  EXPECT_EQ(r.req.time, DaysFromCivil(2022, 2, 16) * 86400 + 3600 + 2 * 60 + 3);
  // A new #Fields: changes the layout mid-file.
  ParseWith(*p, "#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes cs-host");
  r = ParseWith(*p, "2022-02-16 01:02:04 198.51.100.1 POST /upload 200 1234 www.example.jp");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.bytes, 1234);
  EXPECT_EQ(r.req.host, "www.example.jp");
  r = ParseWith(*p, "2022-02-16 01:02:04 198.51.100.1 POST /upload 200");
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_STREQ(r.err.code, "too_few_fields");
}

TEST(Formats, AwsAlb) {
  auto p = Named("alb");
  Parsed r = ParseWith(*p, R"x(https 2022-02-16T01:02:03.186641Z app/my-loadbalancer/50dc6c495c0c9188 203.0.113.12:46532 10.0.0.66:80 0.000 0.001 0.000 404 404 34 366 "GET https://www.example.com:443/.env HTTP/1.1" "Mozilla/5.0 (l9explore/1.2.2)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2022-02-16T01:02:03.185000Z "forward" "-" "-" "10.0.0.66:80" "404" "-" "-")x");
  ASSERT_EQ(r.kind, LineKind::kRecord);
  EXPECT_EQ(r.req.peer_ip, "203.0.113.12");
  EXPECT_EQ(r.req.method, "GET");
  EXPECT_EQ(r.req.target, "https://www.example.com:443/.env");
  EXPECT_EQ(r.req.host, "www.example.com");
  EXPECT_EQ(r.req.status, 404);
  EXPECT_EQ(r.req.bytes, 366);
  EXPECT_EQ(ParseWith(*p, "ftp 2022-02-16T01:02:03Z x").kind, LineKind::kBad);
}

TEST(Formats, AutoDetect) {
  auto detect = [](std::vector<std::string_view> lines) {
    auto r = DetectFormat(lines);
    return r.ok() ? r.value() : "error: " + r.status().message();
  };
  EXPECT_EQ(detect({kCombinedLine, kCombinedLine}), "combined");
  EXPECT_EQ(detect({R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)"}), "common");
  EXPECT_EQ(detect({R"(shop.example.jp:443 203.0.113.9 - - [16/Feb/2022:10:11:12 +0900] "GET / HTTP/1.1" 200 196 "-" "x")"}), "vhost_combined");
  EXPECT_EQ(detect({R"({"level":"info","ts":1646861401.52,"request":{"remote_ip":"127.0.0.1","method":"GET","uri":"/","proto":"HTTP/1.1","host":"a","headers":{}},"status":200,"size":1})"}), "caddy");
  EXPECT_EQ(detect({"#Software: Microsoft Internet Information Services 10.0",
                    "#Fields: date time c-ip cs-method cs-uri-stem sc-status",
                    "2022-02-16 01:02:04 198.51.100.1 GET / 200"}), "iis");
  EXPECT_EQ(detect({"not a log", "still not"}).rfind("error", 0), 0u);
}

}  // namespace
}  // namespace keikai::ingest
