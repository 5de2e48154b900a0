#pragma once
// FullRequest: one HTTP request with all its headers and body, as the rule engine evaluates it.
// Live traffic (the nginx module, mirror mode), the CRS regression runner and rebuilt access-log
// lines all become a FullRequest; a log line only has the request line and the few headers the
// log format kept (ToFullRequest).
//
// ParseRawRequest reads an HTTP/1.x request as sent on the wire (request line, header lines,
// body). It is lenient the way servers are in what they accept -- the request line is split on
// spaces, header lines without a colon are kept as names with empty values -- because the
// engine has to see malformed requests to judge them; it fails only when there is no request
// line at all. Bounded: at most kMaxHeaders headers are kept (the rest are counted).
// Thread-safe: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/request.h"

namespace keikai::http {

struct FullRequest {
  std::string method = "GET";
  std::string uri = "/";          // the request-target as sent
  std::string protocol = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order, names as sent
  std::string body;
  std::string client_ip = "127.0.0.1";
  int client_port = 0;
  std::string server_ip = "127.0.0.1";
  int server_port = 80;
  std::size_t dropped_headers = 0;  // header lines beyond kMaxHeaders

  // First header with this name (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

// The response the rule engine's phases 3 and 4 see (for live traffic and the CRS runner; a
// log line has only its status).
struct FullResponse {
  int status = 200;
  std::string protocol = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

inline constexpr std::size_t kMaxHeaders = 512;

Result<FullRequest> ParseRawRequest(std::string_view raw);
// The request a log line describes: request line, Host, User-Agent, Referer when logged.
FullRequest ToFullRequest(const Request& r);

}  // namespace keikai::http
