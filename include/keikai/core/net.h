#pragma once
// A line-oriented TCP client connection with TLS, for the protocols keikai speaks as a client
// (SMTP for alert mail, and SMTP, POP3 and IMAP for the mail-service probes): a connect with a
// timeout, TLS from the start or after a STARTTLS command through OpenSSL with the server's
// certificate checked against the host name or address, and CRLF lines read with a bound, so a
// hostile or broken server can neither hang nor flood the caller. Every failure has a kind the
// caller can report (refused, timed out, TLS, closed).
//
// Thread-safety: one connection per thread.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/core/status.h"

namespace keikai::net {

enum class Failure { kNone, kRefused, kTimeout, kTls, kClosed, kTooLong, kError };
const char* FailureName(Failure f);  // "refused", "timeout", "tls_error", "closed", "too_long", "error"

struct TlsOptions {
  bool verify = true;        // check the certificate chain and that it names the host
  std::string ca_file;       // PEM certificates to trust besides the system's ("" = the system's)
};

class LineConn {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;
  explicit LineConn(int timeout_s) : timeout_s_(timeout_s) {}
  ~LineConn();
  LineConn(const LineConn&) = delete;
  LineConn& operator=(const LineConn&) = delete;

  // Everything from now on must be done by `deadline` (a phase of a probe, a command of a
  // session): each read and write waits at most until then, so a server that trickles a byte
  // now and then cannot stretch a step. Without one, each read and write waits timeout_s.
  void SetDeadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  // Errors say what failed (the host is the caller's to add); failure() gives its kind.
  Status Connect(const std::string& host, int port);
  Status StartTls(const std::string& host, const TlsOptions& o);
  Status Write(std::string_view data);
  // One line without its CR LF; a line longer than kMaxLine is an error (kTooLong).
  Status ReadLine(std::string& line);
  Failure failure() const { return failure_; }
  bool tls() const { return ssl_ != nullptr; }
  // The server certificate's notAfter (Unix seconds) after StartTls; 0 when unknown.
  int64_t cert_not_after() const { return cert_not_after_; }

 private:
  Status Fail(Failure f, const std::string& why);
  // Sets the socket's timeouts to what is left until the deadline; false when nothing is.
  bool ArmTimeout();
  std::string TlsError() const;
  int timeout_s_;
  std::chrono::steady_clock::time_point deadline_{};  // {} = none
  int fd_ = -1;
  void* ctx_ = nullptr;  // SSL_CTX (OpenSSL stays out of this header)
  void* ssl_ = nullptr;  // SSL
  std::string buf_;
  Failure failure_ = Failure::kNone;
  int64_t cert_not_after_ = 0;
};

}  // namespace keikai::net
