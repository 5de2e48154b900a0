#pragma once
// The mail gate (issue 16): what a mail server does with a message keikai has judged. A Gate
// takes one message as the server received it (envelope and bytes), judges it with
// inspect::ScanBytes, applies the per-verdict action, and, for outbound mail (an authenticated
// sender or a client in the own networks), the policy against "PPAP": an encrypted archive
// followed, within a window, by a mail to the same recipients that carries its password.
// `keikai milter` (src/cli/milter_cmd.cc) is the libmilter front of it for Postfix; the Gate knows
// nothing of libmilter, so it is tested without a server.
//
// Thread-safety: Judge may be called from any number of threads at once (the PPAP memory is
// locked; the scan has no shared state).

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/ip.h"
#include "keikai/inspect/scan.h"

namespace keikai::gate {

// What the server is told to do with a message.
enum class Action : uint8_t {
  kAccept,      // deliver as it is
  kTag,         // deliver with X-Keikai-Verdict and X-Keikai-Reasons headers
  kHold,        // Postfix's hold queue (smfi_quarantine): kept until an administrator releases it
  kQuarantine,  // a copy written to the quarantine folder, the message discarded
  kTempfail,    // 4xx: the sender's server tries again later
  kReject,      // 5xx with the reasons, in Japanese and English
};  // in order of strength: when the verdict and the PPAP policy both act, the stronger wins
std::string_view ActionName(Action a);
bool ParseAction(std::string_view s, Action& out);

// The message's envelope as the server saw it.
struct Envelope {
  std::string client;                   // the client's address ("" when not known)
  std::string helo;
  std::string sender;                   // MAIL FROM, without angle brackets
  std::vector<std::string> recipients;  // RCPT TO, without angle brackets
  std::string auth_user;                // the SASL login name, "" when not authenticated
  std::string queue_id;
};

struct PpapPolicy {
  bool enabled = true;
  Action archive_action = Action::kTag;   // an outbound mail that carries an encrypted archive
  Action password_action = Action::kTag;  // the mail after it that carries its password
  int64_t window = 3600;                  // seconds between the two
  std::vector<std::string> allow_domains; // recipients in these domains (and below) are exempt
  std::size_t max_senders = 100'000;      // senders remembered (memory bound; the oldest tenth goes when full)
};

struct Options {
  Action on_clean = Action::kTag;
  Action on_suspicious = Action::kTag;
  Action on_malicious = Action::kReject;
  Action on_error = Action::kTempfail;    // keikai could not judge (a parse error, a timeout)
  Action on_oversize = Action::kTag;      // larger than max_size: not scanned
  uint64_t max_size = 32ull << 20;
  int scan_timeout_ms = 30'000;
  std::vector<http::IpPrefix> own_networks;
  std::string quarantine_dir;             // for kQuarantine (it falls back to on_error without one)
  PpapPolicy ppap;
  inspect::ScanOptions scan;
};

struct Decision {
  Action action = Action::kAccept;
  std::string verdict;                  // clean, suspicious, malicious, error, unscanned
  int score = 0;
  std::vector<std::pair<std::string, int>> reasons;  // finding codes with their scores, worst first
  std::vector<std::string> objects;     // the object path of each reason ("a.zip > b.xlsm")
  bool outbound = false;
  std::string ppap;                     // "", "archive", "password"
  std::string ppap_of;                  // for "password": the queue id of the archive's mail
  int64_t ppap_after = 0;               // ... and the seconds since it
  std::string opens;                    // an earlier message whose encrypted archive this one's password opened (its queue id)
  std::string opened_verdict;           // ... and that archive's verdict once opened
  std::string error;                    // why the verdict is "error"
  std::string subject, message_id;
  // What the server is told: headers to add (name, value), and for kReject / kTempfail the reply.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string reply_code, reply_xcode;  // "550", "5.7.1"
  std::vector<std::string> reply_lines; // English first, then Japanese
};

// Kept for Reopen: messages of at most 10 MiB, 64 MiB and 1,000 messages in all, for the PPAP
// window.
inline constexpr std::size_t kHeldMessageBytes = 10u << 20, kHeldBytes = 64u << 20, kHeldCount = 1000;

class Gate {
 public:
  explicit Gate(Options o) : o_(std::move(o)) {}
  const Options& options() const { return o_; }
  // Judges one message (its header and body as received, CRLF or LF) at time now (Unix seconds).
  Decision Judge(const Envelope& env, std::string_view message, int64_t now);
  // A message over max_size, not read: the oversize action.
  Decision Oversize(const Envelope& env, uint64_t size);
  // A message that could not be judged for a reason outside the scan (the milter's own failure).
  Decision Failed(const Envelope& env, std::string why);
  bool Outbound(const Envelope& env) const;
  // Senders the PPAP memory holds now.
  std::size_t remembered() const;

 private:
  struct Sent {
    int64_t time;
    std::vector<uint64_t> recipients;  // hashes of the lower-case addresses, exempt ones left out (at most 100)
    std::string queue_id;
  };
  void Finish(Decision& d, bool policy) const;
  void Ppap(const Envelope& env, const inspect::MessageVerdict& v, Decision& d, int64_t now);
  bool Exempt(std::string_view rcpt) const;
  // A message whose encrypted archive did not open is kept (bounded); a later message from the same
  // sender to one of its recipients that carries passwords opens it again with them.
  void Remember(const Envelope& env, std::string_view message, int64_t now);
  void Reopen(const Envelope& env, const inspect::MessageVerdict& v, const inspect::ScanOptions& so, Decision& d, int64_t now);
  struct Held {
    int64_t time;
    std::string sender;                 // lower case
    std::vector<uint64_t> recipients;   // hashes, as Sent's
    std::string queue_id;
    std::shared_ptr<const std::string> message;  // shared with Reopen's candidates, not copied
  };
  std::mutex held_mu_;
  std::deque<Held> held_;
  std::size_t held_bytes_ = 0;
  Options o_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::deque<Sent>> sent_;  // by sender (login, else address)
};

// The one-line record of a decision for the milter's log (NDJSON; docs/milter.md): time, queue
// id, client, sender, recipients, direction, verdict, score, action, reasons, ppap, size, ms.
// `keikai scan` reads a file of them as the mail kind's "keikai-milter" format.
std::string LogLine(const Envelope& env, const Decision& d, int64_t now, uint64_t size, double ms);

// Writes a message into dir as <time>-<queue id>-<random>.eml (0600, written whole or not at all);
// returns the file's path.
Result<std::string> Quarantine(const std::string& dir, const Envelope& env, std::string_view message, int64_t now);

}  // namespace keikai::gate
