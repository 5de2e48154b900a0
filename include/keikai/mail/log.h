#pragma once
// Mail-server logs: Postfix and Dovecot lines in syslog (RFC 3164 "Nov 26 06:59:37 host
// prog[pid]: msg", with the year inferred and an optional "<PRI>"; RFC 3339 timestamps as Debian
// 12's rsyslog writes; RFC 5424 "<22>1 2026-11-26T07:00:00+09:00 host prog pid - - msg"), in
// journald's JSON export (`journalctl -o json`: one object per line) and in Dovecot's own log
// file ("2026-11-26 07:00:00 imap-login: Info: msg"). A record's views point into the line, or
// into the parser for a journal record: valid until the next Parse. A small reader
// for the event pipeline: it names the client of a line and what happened to it (a connection,
// an authentication failure, a connection lost or given up before authenticating). The mail
// monitor extends it.
//
// Thread-safety: a LogParser belongs to one reader.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "keikai/ingest/format.h"

namespace keikai::mail {

enum class What : uint8_t {
  kOther,           // a mail line without a client, or one keikai does not judge
  kConnect,         // postfix "connect from", dovecot "Login:"/"Disconnected"
  kAuthFailed,      // postfix "SASL ... authentication failed", dovecot "(auth failed, ...)"
  kLostConnection,  // postfix "lost connection after X", dovecot "(no auth attempts ...)"
  kMalicious,       // keikai milter: a message judged malicious (detail: the action)
  kSuspicious,      // keikai milter: a message judged suspicious
  kPpap,            // keikai milter: an outbound password mail after its encrypted archive
  kJudged,          // keikai milter: a message judged clean, or not judged
};

// What a line says about the service's health, beside what happened to its client (issue 14):
// the server's own limits and defences at work. A line has at most one.
enum class Symptom : uint8_t {
  kNone,
  kRateLimit,         // postfix anvil: "Connection rate limit exceeded" (and message, recipient, TLS rates)
  kConcurrencyLimit,  // postfix anvil: "Connection concurrency limit exceeded"
  kTooManyErrors,     // postfix smtpd: "too many errors after X from ..."
  kTimeout,           // postfix smtpd: "timeout after X from ..."
  kPregreet,          // postscreen: "PREGREET n after t from [addr]:port" (talked before the banner)
  kDnsbl,             // postscreen: "DNSBL rank n for [addr]:port"
  kScreenPass,        // postscreen: "PASS NEW|OLD [addr]:port" (a client let through)
  kAnvilMax,          // postfix anvil statistics: "max connection rate|count n for (service:addr)"
  kProcessLimit,      // postfix master "reached its process limit", dovecot "process_limit (n) reached"
  kQueueFull,         // dovecot login: "Disconnected: Connection queue full"
};
constexpr int kSymptomCount = static_cast<int>(Symptom::kQueueFull) + 1;
// "rate_limit", "concurrency_limit", "too_many_errors", "timeout", "pregreet", "dnsbl",
// "screen_pass", "anvil_max", "process_limit", "queue_full"; "" for kNone.
std::string_view SymptomName(Symptom s);

struct Record {
  int64_t time = 0;          // Unix seconds, UTC
  int32_t offset = 0;        // the zone the time was read in (seconds east of UTC)
  std::string_view host;     // syslog host name; "" in Dovecot's own log
  std::string_view program;  // "postfix/smtpd", "postfix/submission/smtpd", "imap-login", "auth"
  std::string_view client;   // the client's address as logged, "" when the line names none
  std::string_view message;  // the text after "program[pid]: "
  What what = What::kOther;
  std::string_view detail;   // kAuthFailed: the mechanism or reason; kLostConnection: "after X"
  Symptom symptom = Symptom::kNone;
};

// The formats, by name: "maillog" (syslog), "dovecot" (Dovecot's log_path file), "journal"
// (journalctl -o json) and "keikai-milter" (keikai milter's log of verdicts).
struct FormatInfo {
  std::string_view name;
  std::string_view help_en, help_ja;
};
std::span<const FormatInfo> Formats();
const FormatInfo* FindFormat(std::string_view name);

class LogParser {
 public:
  // now: the reference for a syslog line's missing year (the year that puts the line at most
  // two days after now). zone: the offset of times that carry none (syslog and Dovecot write
  // local time), seconds east of UTC.
  LogParser(std::string_view format, int64_t now, int32_t zone);
  std::string_view name() const { return name_; }
  // kRecord for a line of a mail program (Postfix, Dovecot); kSkip for another program's syslog
  // line or a blank one; kBad with err for a line that is not in the format.
  ingest::LineKind Parse(std::string_view line, Record& out, ingest::ParseError& err);

 private:
  ingest::LineKind Syslog(std::string_view line, Record& out, ingest::ParseError& err);
  ingest::LineKind Dovecot(std::string_view line, Record& out, ingest::ParseError& err);
  bool Rfc3164Time(std::string_view line, int64_t& utc) const;
  ingest::LineKind Journal(std::string_view line, Record& out, ingest::ParseError& err);
  // keikai milter's log: one JSON object per message (gate::LogLine).
  ingest::LineKind Milter(std::string_view line, Record& out, ingest::ParseError& err);
  // RFC 5424: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG".
  ingest::LineKind Rfc5424(std::string_view line, Record& out, ingest::ParseError& err);
  std::string_view name_;
  bool dovecot_ = false;
  bool journal_ = false;
  bool milter_ = false;
  std::string host_, program_, message_, detail_, client_;  // a journal record's decoded fields (Record views them)
  int64_t now_;
  int32_t zone_;
};

// The format of a file from its first lines: the one under which most are records, if at least
// half of the non-blank lines parse and one is a mail record; "" otherwise.
std::string DetectFormat(std::span<const std::string_view> lines, int64_t now, int32_t zone);

// Judges a record's message: fills what, client and detail.
void Classify(Record& r);

}  // namespace keikai::mail
