#pragma once
// A small SMTP client for alert mail (RFC 5321): one message per connection, STARTTLS (RFC 3207)
// or TLS from the start (port 465, RFC 8314) through OpenSSL with the certificate checked
// against the host name, AUTH PLAIN or LOGIN (RFC 4954) only inside TLS, and a UTF-8 text body
// in base64 with an RFC 2047 subject, so Japanese alerts arrive intact through any relay.
// Every step has a timeout; a reply longer than 64 KB is refused (a hostile server cannot make it
// buffer without end). Errors say the host, the step and the server's reply, never the password.
//
// Thread-safety: SendMail may be called from any thread; it shares nothing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"

namespace keikai::notify {

struct SmtpOptions {
  std::string host;
  int port = 587;
  bool starttls = true;    // upgrade with STARTTLS (required when true); port 465 is TLS at once
  std::string ca_file;     // certificates to trust besides the system's ("" = the system's)
  std::string user, password;  // AUTH when user is not empty (never without TLS)
  std::string from;
  std::vector<std::string> to;
  int timeout_s = 10;      // each connect, read and write
};

struct MailText {
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8, lines ending in "\n"
  std::string key;         // X-Keikai-Alert header: what the alert is about
};

// Server replies are judged by mail::SmtpLine and mail::SmtpOffers (mail/probe.h), which the
// probes share.

// The message as sent after DATA (headers, blank line, base64 body, CRLF line ends), without the
// final dot; for tests and the docs.
std::string RenderMail(const SmtpOptions& o, const MailText& m, int64_t now);

Status SendMail(const SmtpOptions& o, const MailText& m);

// "user:password" from the first line of a credentials file that only its owner may read
// (mode 0600 or stricter, owned by this process's user); an error says why not.
Status ReadCredentials(const std::string& path, std::string& user, std::string& password);

}  // namespace keikai::notify
