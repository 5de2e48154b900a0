#pragma once
// Request: one HTTP request as keikai sees it, whether rebuilt from an access-log line or taken
// from live traffic. Readers fill it; nothing downstream knows which log format it came from.
//
// Ownership: the string_view members point into the reader's line buffer (or the parser's
// scratch) and are valid only until the reader produces the next line. Code that keeps a
// request past that point copies it with OwnedRequest. Not thread-safe; one per reader.

#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/core/hash.h"
#include "keikai/http/ip.h"

namespace keikai::http {

struct Request {
  int64_t time = 0;              // Unix seconds, UTC
  int32_t logged_offset = 0;     // the zone offset the log line carried, seconds east of UTC
  std::string_view site;         // virtual host / site name (from --site, the vhost field, Host)
  std::string_view client_ip;    // the client after trusted-proxy resolution of X-Forwarded-For
  std::string_view peer_ip;      // the address the server saw ($remote_addr, %h)
  std::string_view forwarded_for;  // X-Forwarded-For as logged, empty if absent
  std::string_view method;       // "GET"
  std::string_view target;       // raw request-target as logged: "/a/b?x=1" or absolute-form
  std::string_view protocol;     // "HTTP/1.1"; empty for HTTP/0.9 or unknown
  int status = 0;                // 0 when not logged
  int64_t bytes = -1;            // response body bytes, -1 when not logged
  std::string_view referer;
  std::string_view user_agent;
  std::string_view host;         // Host header if logged

  // Path part of target (before '?', '#'), absolute-form scheme://authority stripped.
  std::string_view Path() const;
  // Query part of target (after '?', without it), empty if none.
  std::string_view Query() const;
};

// The hashed texts of a request that several stages look up (detector caches, behaviour
// fingerprints, the rule engine's part memo): hashed once per request.
struct RequestKeys {
  HashedView target, user_agent, referer;
  RequestKeys() = default;
  explicit RequestKeys(const Request& r) : target(r.target), user_agent(r.user_agent), referer(r.referer) {}
};

// A Request that owns its strings, for keeping past the reader's next line.
struct OwnedRequest {
  int64_t time = 0;
  int32_t logged_offset = 0;
  std::string site, client_ip, peer_ip, forwarded_for, method, target, protocol;
  int status = 0;
  int64_t bytes = -1;
  std::string referer, user_agent, host;

  OwnedRequest() = default;
  explicit OwnedRequest(const Request& r);
  Request View() const;
};

}  // namespace keikai::http
