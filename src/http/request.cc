#include "keikai/http/request.h"

#include <cstring>

namespace keikai::http {

namespace {

// First '?' or '#' (memchr is vectorised; find_first_of is a loop of memchr calls per char).
std::size_t QueryOrFragment(std::string_view t) {
  const void* q = std::memchr(t.data(), '?', t.size());
  const std::size_t qi = q == nullptr ? t.size() : static_cast<std::size_t>(static_cast<const char*>(q) - t.data());
  const void* h = std::memchr(t.data(), '#', qi);
  return h == nullptr ? qi : static_cast<std::size_t>(static_cast<const char*>(h) - t.data());
}

}  // namespace

std::string_view Request::Path() const {
  std::string_view t = target;
  // absolute-form: scheme://authority/path
  if (!t.empty() && t[0] != '/') {
    const std::size_t scheme = t.substr(0, 10).find("://");
    if (scheme != std::string_view::npos) {
      const std::size_t slash = t.find('/', scheme + 3);
      t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
    }
  }
  const std::size_t end = QueryOrFragment(t);
  return end == t.size() ? t : t.substr(0, end);
}

std::string_view Request::Query() const {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  const std::size_t hash = rest.find('#');
  return hash == std::string_view::npos ? rest : rest.substr(0, hash);
}

OwnedRequest::OwnedRequest(const Request& r)
    : time(r.time),
      logged_offset(r.logged_offset),
      site(r.site),
      client_ip(r.client_ip),
      peer_ip(r.peer_ip),
      forwarded_for(r.forwarded_for),
      method(r.method),
      target(r.target),
      protocol(r.protocol),
      status(r.status),
      bytes(r.bytes),
      referer(r.referer),
      user_agent(r.user_agent),
      host(r.host) {}

Request OwnedRequest::View() const {
  Request r;
  r.time = time;
  r.logged_offset = logged_offset;
  r.site = site;
  r.client_ip = client_ip;
  r.peer_ip = peer_ip;
  r.forwarded_for = forwarded_for;
  r.method = method;
  r.target = target;
  r.protocol = protocol;
  r.status = status;
  r.bytes = bytes;
  r.referer = referer;
  r.user_agent = user_agent;
  r.host = host;
  return r;
}

}  // namespace keikai::http
