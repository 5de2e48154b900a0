#include "keikai/core/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace keikai::net {
namespace {
SSL* S(void* p) { return static_cast<SSL*>(p); }
SSL_CTX* C(void* p) { return static_cast<SSL_CTX*>(p); }
}  // namespace

const char* FailureName(Failure f) {
  switch (f) {
    case Failure::kNone: return "";
    case Failure::kRefused: return "refused";
    case Failure::kTimeout: return "timeout";
    case Failure::kTls: return "tls_error";
    case Failure::kClosed: return "closed";
    case Failure::kTooLong: return "too_long";
    case Failure::kError: return "error";
  }
  return "error";
}

LineConn::~LineConn() {
  if (ssl_ != nullptr) {
    SSL_shutdown(S(ssl_));
    SSL_free(S(ssl_));
  }
  if (ctx_ != nullptr) SSL_CTX_free(C(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

Status LineConn::Fail(Failure f, const std::string& why) {
  failure_ = f;
  return Status::Error("net", why);
}

bool LineConn::ArmTimeout() {
  if (fd_ < 0) return true;
  auto left = std::chrono::milliseconds(int64_t{timeout_s_} * 1000);
  if (deadline_ != std::chrono::steady_clock::time_point{}) {
    left = std::min(left, std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now()));
    if (left.count() <= 0) return false;
  }
  timeval tv{static_cast<time_t>(left.count() / 1000), static_cast<suseconds_t>(left.count() % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return true;
}

Status LineConn::Connect(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return Fail(Failure::kError, ::gai_strerror(rc));
  Failure kind = Failure::kError;
  std::string why = "no address";
  for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    int err = r == 0 ? 0 : errno;
    if (r != 0 && err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, timeout_s_ * 1000);
      socklen_t len = sizeof err;
      if (n == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        r = 0;
      } else if (n == 0) {
        err = ETIMEDOUT;
      }
    }
    if (r != 0 || err != 0) {
      why = std::strerror(err);
      kind = err == ECONNREFUSED ? Failure::kRefused : err == ETIMEDOUT ? Failure::kTimeout : Failure::kError;
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{timeout_s_, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    fd_ = fd;
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) return Fail(kind, why);
  return Status::Ok();
}

std::string LineConn::TlsError() const {
  const unsigned long e = ERR_get_error();
  if (e == 0) return errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : errno != 0 ? std::strerror(errno) : "connection closed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status LineConn::StartTls(const std::string& host, const TlsOptions& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Fail(Failure::kTls, "SSL_CTX_new");
  ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, o.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (o.verify && SSL_CTX_set_default_verify_paths(ctx) != 1) return Fail(Failure::kTls, "no trusted certificates");
  if (!o.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
    return Fail(Failure::kTls, "cannot read ca_file " + o.ca_file);
  }
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return Fail(Failure::kTls, "SSL_new");
  ssl_ = ssl;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  in6_addr a6{};
  in_addr a4{};
  const bool address = ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
  if (o.verify) {
    if (address) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
  if (!address) SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
  SSL_set_fd(ssl, fd_);
  if (!ArmTimeout()) return Fail(Failure::kTimeout, "timed out");
  errno = 0;
  if (SSL_connect(ssl) != 1) {
    const long v = SSL_get_verify_result(ssl);
    return Fail(Failure::kTls, v != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(v) : TlsError());
  }
  if (X509* cert = SSL_get1_peer_certificate(ssl); cert != nullptr) {
    const ASN1_TIME* na = X509_get0_notAfter(cert);
    std::tm tm{};
    if (na != nullptr && ASN1_TIME_to_tm(na, &tm) == 1) cert_not_after_ = static_cast<int64_t>(timegm(&tm));
    X509_free(cert);
  }
  return Status::Ok();
}

Status LineConn::Write(std::string_view data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size() - off, 1 << 20));
    if (!ArmTimeout()) return Fail(Failure::kTimeout, "timed out");
    long n;
    errno = 0;
    if (ssl_ != nullptr) {
      n = SSL_write(S(ssl_), data.data() + off, chunk);
    } else {
      n = ::send(fd_, data.data() + off, static_cast<std::size_t>(chunk), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
    }
    if (n <= 0) {
      const bool timeout = errno == EAGAIN || errno == EWOULDBLOCK;
      return Fail(timeout ? Failure::kTimeout : Failure::kError, ssl_ != nullptr ? TlsError() : std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status LineConn::ReadLine(std::string& line) {
  for (;;) {
    const std::size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      if (nl > kMaxLine) return Fail(Failure::kTooLong, "a line longer than 64 KB");
      line = buf_.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      buf_.erase(0, nl + 1);
      return Status::Ok();
    }
    if (buf_.size() > kMaxLine) return Fail(Failure::kTooLong, "a line longer than 64 KB");
    char tmp[4096];
    if (!ArmTimeout()) return Fail(Failure::kTimeout, "timed out");
    long n;
    errno = 0;
    if (ssl_ != nullptr) {
      n = SSL_read(S(ssl_), tmp, sizeof tmp);
    } else {
      n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
    }
    if (n == 0) return Fail(Failure::kClosed, "the server closed the connection");
    if (n < 0) {
      const bool timeout = errno == EAGAIN || errno == EWOULDBLOCK;
      return Fail(timeout ? Failure::kTimeout : Failure::kError,
                  timeout ? "timed out" : (ssl_ != nullptr ? TlsError() : std::strerror(errno)));
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
  }
}

}  // namespace keikai::net
