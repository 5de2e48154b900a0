// The registry of named log formats: the one list, in auto-detection priority order.
#include <array>

#include "ingest/token_format.h"
#include "keikai/ingest/format.h"

#include "keikai/core/i18n.h"
#include "keikai/core/registry.h"

namespace keikai::ingest {

std::unique_ptr<LineParser> MakeW3cParser();
std::unique_ptr<LineParser> MakeAlbParser();

namespace {

// Built-in format strings are constants tested in ingest_formats_test; they always compile.
std::unique_ptr<LineParser> Nginx(const char* fmt) {
  return std::move(CompileNginxFormat(fmt)).value();
}

std::unique_ptr<LineParser> Apache(const char* fmt) {
  return std::move(CompileApacheFormat(fmt)).value();
}

std::unique_ptr<LineParser> Json(const char* mapping, const char* name) {
  return std::move(MakeJsonParser(std::move(ParseJsonMapping(mapping)).value(), name)).value();
}

constexpr const char* kCombined =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent")";
constexpr const char* kNginxMain =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" "$http_x_forwarded_for")";
constexpr const char* kCommon =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent)";
constexpr const char* kVhostCombined =
    R"(%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i")";

constexpr const char* kCaddy =
    "time=ts,ip=request.client_ip|request.remote_ip,method=request.method,uri=request.uri,"
    "protocol=request.proto,status=status,bytes=size,user_agent=request.headers.User-Agent,"
    "referer=request.headers.Referer,host=request.host,xff=request.headers.X-Forwarded-For";
constexpr const char* kTraefik =
    "time=StartUTC|time,ip=ClientHost|ClientAddr,method=RequestMethod,uri=RequestPath,"
    "protocol=RequestProtocol,status=DownstreamStatus|OriginStatus,bytes=DownstreamContentSize,"
    "user_agent=request_User-Agent,referer=request_Referer,host=RequestHost,"
    "xff=request_X-Forwarded-For";
constexpr const char* kNginxJson =
    "time=time_iso8601|time_local|msec|timestamp|@timestamp|time,"
    "ip=remote_addr|client_ip|clientip|ip,request=request,method=request_method|method,"
    "uri=request_uri|uri|path,protocol=server_protocol|protocol,status=status,"
    "bytes=body_bytes_sent|bytes_sent|size|bytes,referer=http_referer|referer|referrer,"
    "user_agent=http_user_agent|user_agent|agent,host=host|http_host|server_name,"
    "xff=http_x_forwarded_for|x_forwarded_for";

const std::array<FormatInfo, 9> kFormats = {{
    {"caddy", "Caddy JSON access log (default)", "Caddy の JSON アクセスログ（既定形式）", "1",
     [] { return Json(kCaddy, "caddy"); }},
    {"traefik", "Traefik JSON access log", "Traefik の JSON アクセスログ", "1",
     [] { return Json(kTraefik, "traefik"); }},
    {"nginx-json", "nginx log_format with escape=json (common key names)",
     "nginx の escape=json 形式（一般的なキー名）", "1",
     [] { return Json(kNginxJson, "nginx-json"); }},
    {"iis", "IIS W3C extended log (#Fields: header)", "IIS W3C 拡張ログ（#Fields: ヘッダ）", "1",
     [] { return MakeW3cParser(); }, /*stateful=*/true},
    {"alb", "AWS Application Load Balancer access log", "AWS ALB アクセスログ", "1",
     [] { return MakeAlbParser(); }},
    {"vhost_combined", "Apache vhost_combined (%v:%p before combined)",
     "Apache vhost_combined（combined の前に %v:%p）", "1", [] { return Apache(kVhostCombined); }},
    {"nginx-main", "nginx default 'main' (combined + X-Forwarded-For)",
     "nginx 既定の main 形式（combined + X-Forwarded-For）", "1",
     [] { return Nginx(kNginxMain); }},
    {"combined", "NCSA combined (nginx and Apache default)",
     "NCSA combined（nginx・Apache の既定）", "1", [] { return Nginx(kCombined); }},
    {"common", "NCSA common log format", "NCSA common 形式", "1",
     [] { return Nginx(kCommon); }},
}};

}  // namespace

std::span<const FormatInfo> Formats() { return kFormats; }

const FormatInfo* FindFormat(std::string_view name) {
  return FindByName(std::span<const FormatInfo>(kFormats), name);
}

Result<std::unique_ptr<LineParser>> MakeParser(std::string_view spec) {
  if (const FormatInfo* f = FindFormat(spec)) return f->factory();
  if (spec.rfind("json:", 0) == 0) {
    auto m = ParseJsonMapping(spec.substr(5));
    if (!m.ok()) return m.status();
    return MakeJsonParser(m.value(), "json");
  }
  if (spec.find('$') != std::string_view::npos) return CompileNginxFormat(spec);
  if (spec.find('%') != std::string_view::npos) return CompileApacheFormat(spec);
  std::string names;
  for (const FormatInfo& f : kFormats) names += std::string(names.empty() ? "" : ", ") + std::string(f.name);
  return Status::Error("format", TrFill("fmt.unknown", {{"{spec}", spec}, {"{names}", names}}));
}

Result<std::string> DetectFormat(std::span<const std::string_view> lines) {
  std::string best;
  std::size_t best_ok = 0, considered = 0;
  for (std::string_view l : lines) considered += l.empty() ? 0 : 1;
  for (const FormatInfo& f : kFormats) {
    auto p = f.factory();
    std::size_t ok = 0, records = 0;
    http::Request req;
    ParseError err;
    for (std::string_view l : lines) {
      const LineKind k = p->Parse(l, req, err);
      if (k != LineKind::kBad) ++ok;
      if (k == LineKind::kRecord) ++records;
    }
    if (records > 0 && ok > best_ok) {
      best_ok = ok;
      best = std::string(f.name);
    }
  }
  if (best.empty() || best_ok * 2 < considered) {
    return Status::Error("detect", Tr("read.detect_failed"));
  }
  return best;
}

}  // namespace keikai::ingest
