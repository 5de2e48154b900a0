#pragma once
// Active probes of mail services (issue 14): SMTP (25), submission (587), SMTPS (465), POP3 (110),
// POP3S (995), IMAP (143) and IMAPS (993), each phase timed apart: TCP connect, TLS handshake
// (the S protocols, at once), banner, EHLO/CAPA/CAPABILITY, STARTTLS (the command and the
// handshake), an optional login, and QUIT/LOGOUT. A flood that fills a server's listen queue
// shows as seconds in connect (the kernel's SYN retries) before any banner; a slow server shows
// in banner and hello. A failure says its phase and kind: refused, timeout, tls_error,
// unexpected_reply (the server's words kept), auth_rejected, closed. The certificate's expiry is
// kept when TLS was used.
//
// One probe is one short session that logs in at most once: it does not trip a server's own
// rate limits by itself (docs/mail.md says which exemptions to configure).
//
// Thread-safety: Probe may run on any thread; it shares nothing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::mail {

struct ProbeTarget {
  std::string name;       // "" = the protocol
  std::string protocol;   // smtp, submission, smtps, pop3, pop3s, imap, imaps
  std::string host = "127.0.0.1";
  int port = 0;           // 0 = the protocol's
  bool starttls = true;   // plain protocols: upgrade when the server offers it
  bool verify = true;     // check the certificate (chain and name)
  std::string ca_file;    // certificates to trust besides the system's
  std::string user, password;  // login when user is set (only inside TLS)
  int timeout_s = 10;     // each phase
};

struct ProbePhase {
  std::string name;       // connect, tls, banner, hello, starttls, login, quit
  double ms = 0;
};

struct ProbeResult {
  std::string name, protocol, host;
  int port = 0;
  int64_t time = 0;       // Unix seconds when it began
  bool ok = false;
  std::vector<ProbePhase> phases;  // the phases done (and the one that failed, timed to failure)
  std::string failed_phase;        // "" when ok
  // refused, timeout, tls_error, unexpected_reply, auth_rejected, closed, too_long,
  // no_tls_for_login (a password is never sent in the clear), error
  std::string failure;
  std::string detail;              // what the server said or the system's words ("" when the kind says all)
  bool tls = false;
  int64_t cert_not_after = 0;      // Unix seconds; 0 unknown
  double total_ms() const;
};

// The protocol's port; 0 for an unknown protocol.
int DefaultPort(std::string_view protocol);
bool KnownProtocol(std::string_view protocol);

ProbeResult Probe(const ProbeTarget& t);

// What a server answered, judged per protocol (for the probe and for fuzz/fuzz_probe_reply.cc):
// SMTP "250-..."/"250 ..." (code, last line), POP3 "+OK"/"-ERR", IMAP "TAG OK|NO|BAD ..." and
// untagged "* ..." lines.
enum class Verdict { kMore, kOk, kNo, kBad };
Verdict SmtpLine(std::string_view line, int want_class);
// Whether an EHLO reply (its lines joined by '\n') offers an extension, its keyword matched
// whole and case-insensitively; *args gets what follows the keyword.
bool SmtpOffers(std::string_view ehlo, std::string_view ext, std::string* args = nullptr);
Verdict Pop3Line(std::string_view line);
Verdict ImapLine(std::string_view line, std::string_view tag);

}  // namespace keikai::mail
