#include "keikai/http/full_request.h"

#include "keikai/core/ascii.h"

namespace keikai::http {
namespace {

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::string* FullRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return &v;
  }
  return nullptr;
}

Result<FullRequest> ParseRawRequest(std::string_view raw) {
  FullRequest r;
  // Line ends may be CRLF or bare LF, as servers accept both.
  auto next_line = [&](std::string_view& rest, std::string_view& line) {
    if (rest.empty()) return false;
    const std::size_t nl = rest.find('\n');
    line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return true;
  };
  std::string_view rest = raw;
  std::string_view line;
  // Leading empty lines before the request line are ignored (RFC 9112 2.2).
  do {
    if (!next_line(rest, line)) return Status::Error("request", "no request line");
  } while (line.empty());
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    r.method = std::string(line);
    r.uri.clear();       // FullRequest's defaults ("/", HTTP/1.1) are not what was sent
    r.protocol.clear();
  } else {
    r.method = std::string(line.substr(0, sp1));
    std::string_view after = line.substr(sp1 + 1);
    const std::size_t sp2 = after.rfind(' ');
    if (sp2 == std::string_view::npos) {
      r.uri = std::string(after);
      r.protocol.clear();  // HTTP/0.9 style (the default is HTTP/1.1)
    } else {
      r.uri = std::string(after.substr(0, sp2));
      r.protocol = std::string(after.substr(sp2 + 1));
    }
  }
  bool body_started = false;
  while (next_line(rest, line)) {
    if (line.empty()) {
      body_started = true;
      break;
    }
    if (r.headers.size() >= kMaxHeaders) {
      ++r.dropped_headers;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      r.headers.emplace_back(std::string(TrimWs(line)), std::string());
    } else {
      r.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(TrimWs(line.substr(colon + 1))));
    }
  }
  if (body_started) r.body = std::string(rest);
  return r;
}

FullRequest ToFullRequest(const Request& q) {
  FullRequest r;
  r.method = q.method.empty() ? std::string("GET") : std::string(q.method);
  r.uri = q.target.empty() ? std::string("/") : std::string(q.target);
  r.protocol = std::string(q.protocol);
  if (!q.host.empty()) r.headers.emplace_back("Host", std::string(q.host));
  else if (!q.site.empty()) r.headers.emplace_back("Host", std::string(q.site));
  if (!q.user_agent.empty() && q.user_agent != "-") r.headers.emplace_back("User-Agent", std::string(q.user_agent));
  if (!q.referer.empty() && q.referer != "-") r.headers.emplace_back("Referer", std::string(q.referer));
  if (!q.client_ip.empty()) r.client_ip = std::string(q.client_ip);
  return r;
}

}  // namespace keikai::http
