#include "keikai/mail/log.h"

#include <nlohmann/json.hpp>

#include "keikai/core/hash.h"

#include <iterator>

#include "keikai/core/ascii.h"
#include "keikai/core/registry.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"

namespace keikai::mail {
namespace {

constexpr FormatInfo kFormats[] = {
    {"maillog", "Postfix and Dovecot lines in syslog (RFC 3164 with the year inferred, or RFC 3339 times)",
     "syslog 形式の Postfix・Dovecot のログ（RFC 3164 は年を補完、または RFC 3339 の時刻）"},
    {"dovecot", "Dovecot's own log file (log_path): \"Nov 26 07:00:00 imap-login: Info: ...\" or with log_timestamp \"%Y-%m-%d %H:%M:%S \"",
     "Dovecot 独自のログファイル（log_path）: \"Nov 26 07:00:00 imap-login: Info: ...\" または log_timestamp \"%Y-%m-%d %H:%M:%S \" の形式"},
    {"journal", "journald's JSON export of Postfix and Dovecot (journalctl -o json)",
     "journald の JSON 出力の Postfix・Dovecot（journalctl -o json）"},
    {"keikai-milter", "keikai milter's log of verdicts (--log: one JSON object per message)",
     "keikai milter の判定ログ（--log：1 通ごとに 1 つの JSON）"},
};

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// "HH:MM:SS" at pos; seconds of the day.
bool Clock(std::string_view s, std::size_t pos, int64_t& secs) {
  int h = 0, m = 0, x = 0;
  if (!Digits(s, pos, 2, h) || pos + 8 > s.size() || s[pos + 2] != ':' || !Digits(s, pos + 3, 2, m) ||
      s[pos + 5] != ':' || !Digits(s, pos + 6, 2, x) || h > 23 || m > 59 || x > 60) {
    return false;
  }
  secs = h * 3600 + m * 60 + x;
  return true;
}

// "YYYY-MM-DD" at pos: days since the epoch.
bool Date(std::string_view s, std::size_t pos, int64_t& days) {
  int y = 0, mo = 0, d = 0;
  if (!Digits(s, pos, 4, y) || pos + 10 > s.size() || s[pos + 4] != '-' || !Digits(s, pos + 5, 2, mo) ||
      s[pos + 7] != '-' || !Digits(s, pos + 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return false;
  }
  days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return true;
}

bool IsMailProgram(std::string_view p) {
  return p.starts_with("postfix") || p.starts_with("dovecot") || p == "imap-login" ||
         p == "pop3-login" || p == "auth" || p == "imap" || p == "pop3" || p == "lmtp" ||
         p == "master" || p == "anvil" || p == "submission-login" || p == "managesieve-login";
}

// The address inside "name[addr]" that ends right before pos (or the last "[...]" of s).
std::string_view Bracketed(std::string_view s) {
  const std::size_t open = s.find('[');
  if (open == std::string_view::npos) return {};
  const std::size_t close = s.find(']', open);
  if (close == std::string_view::npos) return {};
  return s.substr(open + 1, close - open - 1);
}

// The value of "key=" up to ',' or ' ' (Dovecot's "rip=203.0.113.5,").
std::string_view Field(std::string_view s, std::string_view key) {
  std::size_t p = 0;
  while ((p = s.find(key, p)) != std::string_view::npos) {
    if (p == 0 || s[p - 1] == ' ' || s[p - 1] == ',' || s[p - 1] == '(') {
      const std::size_t start = p + key.size();
      std::size_t end = start;
      while (end < s.size() && s[end] != ',' && s[end] != ' ' && s[end] != ')') ++end;
      return s.substr(start, end - start);
    }
    p += key.size();
  }
  return {};
}

// The address of postscreen's "[addr]:port" (or "[addr]").
std::string_view ScreenAddress(std::string_view s) {
  const std::size_t open = s.find('[');
  if (open == std::string_view::npos) return {};
  const std::size_t close = s.find(']', open);
  if (close == std::string_view::npos) return {};
  return s.substr(open + 1, close - open - 1);
}

// Postfix's symptoms of limits and defences (the client, when the line names one).
void PostfixSymptom(Record& r) {
  const std::string_view m = r.message;
  const auto from_client = [&] {
    const std::size_t from = m.find(" from ");
    if (from != std::string_view::npos && r.client.empty()) r.client = Bracketed(m.substr(from + 6));
  };
  if (r.program.ends_with("/postscreen")) {
    if (m.starts_with("PREGREET ")) {
      r.symptom = Symptom::kPregreet;
      const std::size_t from = m.find(" from ");
      if (from != std::string_view::npos) r.client = ScreenAddress(m.substr(from));
    } else if (m.starts_with("DNSBL rank ")) {
      r.symptom = Symptom::kDnsbl;
      const std::size_t f = m.find(" for ");
      if (f != std::string_view::npos) r.client = ScreenAddress(m.substr(f));
    } else if (m.starts_with("PASS NEW ") || m.starts_with("PASS OLD ")) {
      r.symptom = Symptom::kScreenPass;
      r.client = ScreenAddress(m);
    } else if (m.starts_with("CONNECT from ") || m.starts_with("DISCONNECT ")) {
      r.client = ScreenAddress(m);
    }
    return;
  }
  if (m.starts_with("warning: ") && m.find("limit exceeded: ") != std::string_view::npos) {
    r.symptom = m.find("concurrency limit exceeded") != std::string_view::npos ? Symptom::kConcurrencyLimit
                                                                               : Symptom::kRateLimit;
    from_client();
  } else if (m.starts_with("too many errors after ")) {
    r.symptom = Symptom::kTooManyErrors;
    from_client();
  } else if (m.starts_with("timeout after ")) {
    r.symptom = Symptom::kTimeout;
    from_client();
  } else if (m.starts_with("statistics: max connection rate ") || m.starts_with("statistics: max connection count ")) {
    // "statistics: max connection rate 70/60s for (smtp:203.0.113.5) at Nov 26 07:00:00"
    r.symptom = Symptom::kAnvilMax;
    const std::size_t open = m.find(" for (");
    const std::size_t colon = open == std::string_view::npos ? open : m.find(':', open + 6);
    const std::size_t close = colon == std::string_view::npos ? colon : m.find(')', colon);
    if (close != std::string_view::npos) r.client = m.substr(colon + 1, close - colon - 1);
  } else if (r.program == "postfix/master" && m.find("reached its process limit") != std::string_view::npos) {
    r.symptom = Symptom::kProcessLimit;
  }
}

}  // namespace

std::string_view SymptomName(Symptom s) {
  static constexpr std::string_view kNames[kSymptomCount] = {
      "", "rate_limit", "concurrency_limit", "too_many_errors", "timeout", "pregreet", "dnsbl", "screen_pass",
      "anvil_max", "process_limit", "queue_full"};
  const auto i = static_cast<std::size_t>(s);
  return i < kSymptomCount ? kNames[i] : "";
}

std::span<const FormatInfo> Formats() { return kFormats; }

const FormatInfo* FindFormat(std::string_view name) {
  return FindByName(std::span<const FormatInfo>(kFormats), name);
}

LogParser::LogParser(std::string_view format, int64_t now, int32_t zone)
    : name_(FindFormat(format) != nullptr ? FindFormat(format)->name : kFormats[0].name),
      dovecot_(format == "dovecot"),
      journal_(format == "journal"),
      milter_(format == "keikai-milter"),
      now_(now),
      zone_(zone) {}

ingest::LineKind LogParser::Parse(std::string_view line, Record& out, ingest::ParseError& err) {
  out = Record{};
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return ingest::LineKind::kSkip;
  if (journal_) return Journal(line, out, err);
  if (milter_) return Milter(line, out, err);
  return dovecot_ ? Dovecot(line, out, err) : Syslog(line, out, err);
}

ingest::LineKind LogParser::Journal(std::string_view line, Record& out, ingest::ParseError& err) {
  // {"__REALTIME_TIMESTAMP":"1764108000123456","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtpd",
  //  "MESSAGE":"connect from ..."}: every value a string (a MESSAGE of bytes is an array).
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) {
    err = {"bad_json", 0};
    return ingest::LineKind::kBad;
  }
  const auto str = [&](const char* k, std::string& into) {
    const auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    into = it->get<std::string>();
    return true;
  };
  std::string stamp;
  if (!str("__REALTIME_TIMESTAMP", stamp)) {
    err = {"bad_time", 0};
    return ingest::LineKind::kBad;
  }
  int64_t us = 0;
  if (!ParseDecimal(stamp, us) || us < 0) {
    err = {"bad_time", 0};
    return ingest::LineKind::kBad;
  }
  if (!str("SYSLOG_IDENTIFIER", program_)) return ingest::LineKind::kSkip;
  if (!str("MESSAGE", message_)) {
    // journald exports a message that is not valid UTF-8 as an array of its bytes: taken back
    // as it was (a login with a crafted user name is still counted).
    const auto it = j.find("MESSAGE");
    if (it == j.end() || !it->is_array() || it->size() > 65536) return ingest::LineKind::kSkip;
    message_.clear();
    for (const auto& b : *it) {
      if (!b.is_number_unsigned() || b.get<uint64_t>() > 255) return ingest::LineKind::kSkip;
      message_.push_back(static_cast<char>(b.get<uint64_t>()));
    }
  }
  if (!str("_HOSTNAME", host_)) host_.clear();
  out.time = us / 1'000'000;
  out.offset = zone_;
  out.host = host_;
  out.program = program_;
  out.message = message_;
  if (!IsMailProgram(out.program)) return ingest::LineKind::kSkip;
  Classify(out);
  return ingest::LineKind::kRecord;
}

ingest::LineKind LogParser::Milter(std::string_view line, Record& out, ingest::ParseError& err) {
  // {"time":"2026-12-06T08:15:02Z","program":"keikai-milter","queue_id":"4Q...","client":"192.0.2.7",
  //  ...,"verdict":"malicious","score":75,"action":"reject","reasons":[...],"ppap":"password",...}
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) {
    err = {"bad_json", 0};
    return ingest::LineKind::kBad;
  }
  const auto str = [&](const char* k) -> std::string {
    const auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("program") != "keikai-milter") {
    err = {"not_milter", 0};
    return ingest::LineKind::kBad;
  }
  if (!ParseIsoTime(str("time"), out.time)) {
    err = {"bad_time", 0};
    return ingest::LineKind::kBad;
  }
  program_ = "keikai-milter";
  client_ = str("client");
  const std::string verdict = str("verdict"), action = str("action"), ppap = str("ppap");
  // What the finding shows: verdict, action, the first reasons and the subject.
  message_ = verdict + " " + action;
  if (!ppap.empty()) message_ += " ppap=" + ppap;
  if (const auto it = j.find("reasons"); it != j.end() && it->is_array()) {
    std::size_t n = 0;
    for (const auto& r : *it) {
      if (!r.is_object() || n++ >= 3) break;
      const auto code = r.find("code");
      if (code != r.end() && code->is_string()) message_ += " " + code->get<std::string>();
    }
  }
  const std::string subject = str("subject");
  if (!subject.empty()) message_ += " subject: " + Excerpt(subject, Utf8Cut(subject, 200));  // whole UTF-8 characters
  out.offset = zone_;  // the time is UTC; days are counted in the logs' zone, as for the server's own log
  out.program = program_;
  out.client = client_;
  out.message = message_;
  out.what = ppap == "password" ? What::kPpap : verdict == "malicious" ? What::kMalicious
           : verdict == "suspicious" ? What::kSuspicious : What::kJudged;
  detail_ = action;
  out.detail = detail_;
  return ingest::LineKind::kRecord;
}

ingest::LineKind LogParser::Rfc5424(std::string_view line, Record& out, ingest::ParseError& err) {
  // "<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]"
  std::size_t pos = line.find('>');
  if (pos == std::string_view::npos || pos + 2 >= line.size() || line[pos + 1] != '1' || line[pos + 2] != ' ') {
    err = {"expected_literal", 0};
    return ingest::LineKind::kBad;
  }
  pos += 3;
  const auto field = [&](std::string_view& f) {
    const std::size_t sp = line.find(' ', pos);
    if (sp == std::string_view::npos) return false;
    f = line.substr(pos, sp - pos);
    pos = sp + 1;
    return true;
  };
  std::string_view ts, host, app, procid, msgid;
  if (!field(ts) || !ParseIsoTime(ts, out.time)) {
    err = {"bad_time", pos};
    return ingest::LineKind::kBad;
  }
  int64_t local_days = 0, local_secs = 0;
  if (Date(ts, 0, local_days) && Clock(ts, 11, local_secs)) {
    out.offset = static_cast<int32_t>(local_days * 86400 + local_secs - out.time);
  }
  if (!field(host) || !field(app) || !field(procid) || !field(msgid)) {
    err = {"expected_literal", pos};
    return ingest::LineKind::kBad;
  }
  // Structured data: "-" or one or more "[...]" elements (with \] escapes inside).
  if (pos < line.size() && line[pos] == '-') {
    ++pos;
  } else {
    while (pos < line.size() && line[pos] == '[') {
      ++pos;
      while (pos < line.size() && line[pos] != ']') pos += line[pos] == '\\' ? 2 : 1;
      if (pos >= line.size()) {
        err = {"expected_literal", line.size()};
        return ingest::LineKind::kBad;
      }
      ++pos;
    }
  }
  if (pos < line.size() && line[pos] == ' ') ++pos;
  std::string_view msg = pos < line.size() ? line.substr(pos) : std::string_view();
  if (msg.starts_with("\xEF\xBB\xBF")) msg.remove_prefix(3);  // the BOM of a UTF-8 MSG
  out.host = host == "-" ? std::string_view() : host;
  out.program = app;
  out.message = msg;
  if (!IsMailProgram(out.program)) return ingest::LineKind::kSkip;
  Classify(out);
  return ingest::LineKind::kRecord;
}

bool LogParser::Rfc3164Time(std::string_view line, int64_t& utc) const {
  // "Nov 26 06:59:37" (the day space- or zero-padded), local time, no year: the year that puts
  // it no more than two days after now (December's lines read in January: last year).
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (line.substr(0, 3) == kMonths[i]) month = i + 1;
  }
  int day = 0;
  int64_t secs = 0;
  const std::size_t dpos = line[4] == ' ' ? 5 : 4;
  if (month < 0 || !Digits(line, dpos, 6 - dpos, day) || day < 1 || day > 31 || line[6] != ' ' || !Clock(line, 7, secs)) {
    return false;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays((now_ + zone_) / 86400, y, m, d);
  utc = DaysFromCivil(y, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + secs - zone_;
  if (utc > now_ + 2 * 86400) {
    utc = DaysFromCivil(y - 1, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + secs - zone_;
  }
  return true;
}

ingest::LineKind LogParser::Syslog(std::string_view line, Record& out, ingest::ParseError& err) {
  // A leading "<PRI>": RFC 5424 when a version follows, else an RFC 3164 line as sent on the wire.
  if (!line.empty() && line[0] == '<') {
    const std::size_t gt = line.find('>');
    if (gt != std::string_view::npos && gt <= 4 && gt + 1 < line.size()) {
      if (line[gt + 1] == '1' && gt + 2 < line.size() && line[gt + 2] == ' ') return Rfc5424(line, out, err);
      line.remove_prefix(gt + 1);
    }
  }
  std::size_t pos = 0;
  if (line.size() >= 15 && line[3] == ' ') {
    if (!Rfc3164Time(line, out.time)) {
      err = {"bad_time", 0};
      return ingest::LineKind::kBad;
    }
    out.offset = zone_;
    pos = 15;
  } else {
    // RFC 3339: "2026-11-26T07:00:00.123456+09:00" (rsyslog's default on Debian 12).
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) {
      err = {"expected_literal", line.size()};
      return ingest::LineKind::kBad;
    }
    const std::string_view ts = line.substr(0, sp);
    if (ts.size() < 20 || ts[10] != 'T' || !ParseIsoTime(ts, out.time)) {
      err = {"bad_time", 0};
      return ingest::LineKind::kBad;
    }
    int64_t local_days = 0, local_secs = 0;
    if (Date(ts, 0, local_days) && Clock(ts, 11, local_secs)) {
      out.offset = static_cast<int32_t>(local_days * 86400 + local_secs - out.time);
    }
    pos = sp;
  }
  // " host program[pid]: message"
  if (pos >= line.size() || line[pos] != ' ') {
    err = {"expected_literal", pos};
    return ingest::LineKind::kBad;
  }
  ++pos;
  const std::size_t host_end = line.find(' ', pos);
  if (host_end == std::string_view::npos) {
    err = {"expected_literal", line.size()};
    return ingest::LineKind::kBad;
  }
  out.host = line.substr(pos, host_end - pos);
  pos = host_end + 1;
  const std::size_t colon = line.find(": ", pos);
  const std::size_t colon_end = colon == std::string_view::npos && line.back() == ':' ? line.size() - 1 : colon;
  if (colon_end == std::string_view::npos) {
    err = {"expected_literal", pos};
    return ingest::LineKind::kBad;
  }
  std::string_view tag = line.substr(pos, colon_end - pos);
  const std::size_t bracket = tag.find('[');
  if (bracket != std::string_view::npos) tag = tag.substr(0, bracket);
  out.program = tag;
  out.message = colon_end + 2 <= line.size() ? line.substr(colon_end + 2) : std::string_view();
  if (!IsMailProgram(out.program)) return ingest::LineKind::kSkip;  // cron, kernel, sshd, ...
  Classify(out);
  return ingest::LineKind::kRecord;
}

ingest::LineKind LogParser::Dovecot(std::string_view line, Record& out, ingest::ParseError& err) {
  // "2026-11-26 07:00:00 imap-login: Info: message" (log_timestamp = "%Y-%m-%d %H:%M:%S "), or
  // Dovecot's default "Nov 26 07:00:00 imap-login: ..." ("%b %d %H:%M:%S ", the year inferred);
  // local time, an optional fraction.
  int64_t utc = 0, days = 0, secs = 0;
  std::size_t pos = 19;
  if (line.size() >= 16 && line[3] == ' ' && Rfc3164Time(line, utc)) {
    pos = 15;
  } else if (line.size() >= 20 && Date(line, 0, days) && line[10] == ' ' && Clock(line, 11, secs)) {
    utc = days * 86400 + secs - zone_;
  } else {
    err = {"bad_time", 0};
    return ingest::LineKind::kBad;
  }
  if (pos < line.size() && line[pos] == '.') {
    ++pos;
    while (pos < line.size() && line[pos] >= '0' && line[pos] <= '9') ++pos;
  }
  if (pos >= line.size() || line[pos] != ' ') {
    err = {"expected_literal", pos};
    return ingest::LineKind::kBad;
  }
  ++pos;
  out.time = utc;
  out.offset = zone_;
  const std::size_t colon = line.find(": ", pos);
  if (colon == std::string_view::npos) {
    err = {"expected_literal", pos};
    return ingest::LineKind::kBad;
  }
  std::string_view prog = line.substr(pos, colon - pos);
  const std::size_t paren = prog.find('(');  // "imap(alice)<1234><sess>"
  if (paren != std::string_view::npos) prog = prog.substr(0, paren);
  out.program = prog;
  std::string_view msg = line.substr(colon + 2);
  // The level: "Info: ", "Warning: ", "Error: ", "Fatal: ", "Panic: ", "Debug: ".
  for (std::string_view level : {"Info: ", "Warning: ", "Error: ", "Fatal: ", "Panic: ", "Debug: "}) {
    if (msg.starts_with(level)) {
      msg.remove_prefix(level.size());
      break;
    }
  }
  out.message = msg;
  Classify(out);
  return ingest::LineKind::kRecord;
}

void Classify(Record& r) {
  const std::string_view m = r.message;
  r.what = What::kOther;
  r.symptom = Symptom::kNone;
  if ((r.program == "master" || r.program.starts_with("dovecot")) && m.find("process_limit (") != std::string_view::npos &&
      m.find(") reached") != std::string_view::npos) {
    r.symptom = Symptom::kProcessLimit;  // dovecot master: "service(imap-login): process_limit (100) reached, ..."
  }
  if (r.program.starts_with("postfix/")) {
    PostfixSymptom(r);
    // "connect from host[addr]", "lost connection after EHLO from host[addr]",
    // "warning: host[addr]: SASL PLAIN authentication failed: ...".
    if (m.starts_with("connect from ")) {
      r.client = Bracketed(m.substr(13));
      r.what = What::kConnect;
    } else if (m.starts_with("disconnect from ")) {
      r.client = Bracketed(m.substr(16));
    } else if (m.starts_with("lost connection after ")) {
      const std::size_t from = m.find(" from ");
      r.detail = m.substr(16, from == std::string_view::npos ? std::string_view::npos : from - 16);
      if (from != std::string_view::npos) r.client = Bracketed(m.substr(from + 6));
      r.what = What::kLostConnection;
    } else if (m.starts_with("warning: ")) {
      const std::size_t sasl = m.find(": SASL ");
      const std::size_t failed = m.find(" authentication failed");
      if (sasl != std::string_view::npos && failed != std::string_view::npos && failed > sasl) {
        r.client = Bracketed(m.substr(9, sasl - 9));
        r.detail = m.substr(sasl + 2, failed - sasl - 2);  // "SASL PLAIN"
        r.what = What::kAuthFailed;
      }
    } else if (m.starts_with("NOQUEUE: ") || m.starts_with("too many errors") ||
               m.starts_with("timeout after ")) {
      const std::size_t from = m.find(" from ");
      if (from != std::string_view::npos) r.client = Bracketed(m.substr(from + 6));
    }
  } else if (r.program.ends_with("-login")) {
    // "Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<alice>, ..., rip=addr"
    r.client = Field(m, "rip=");
    if (m.starts_with("Login: ")) {
      r.what = What::kConnect;
    } else if (m.find("(auth failed") != std::string_view::npos) {
      r.what = What::kAuthFailed;
      r.detail = Field(m, "method=");
    } else if (m.find("(no auth attempts") != std::string_view::npos) {
      r.what = What::kLostConnection;
      r.detail = "no auth attempts";
      if (m.find("Connection queue full") != std::string_view::npos) r.symptom = Symptom::kQueueFull;
    } else if (m.starts_with("Disconnected")) {
      r.what = What::kConnect;
    }
  } else if (r.program == "auth" || r.program.starts_with("auth-worker")) {
    // "passwd-file(alice,203.0.113.5): Password mismatch": the login process's line counts the
    // failure; this one only names the client.
    const std::size_t open = m.find('(');
    const std::size_t comma = m.find(',', open == std::string_view::npos ? 0 : open);
    const std::size_t close = m.find(')', comma == std::string_view::npos ? 0 : comma);
    if (open != std::string_view::npos && comma != std::string_view::npos && close != std::string_view::npos &&
        comma < close) {
      r.client = m.substr(comma + 1, close - comma - 1);
      const std::size_t comma2 = r.client.find(',');
      if (comma2 != std::string_view::npos) r.client = r.client.substr(0, comma2);
    }
  }
  if (r.client == "unknown") r.client = {};
}

std::string DetectFormat(std::span<const std::string_view> lines, int64_t now, int32_t zone) {
  std::size_t considered = 0;
  for (std::string_view l : lines) considered += l.empty() ? 0 : 1;
  std::string best;
  std::size_t best_ok = 0;
  for (const FormatInfo& f : kFormats) {
    LogParser p(f.name, now, zone);
    std::size_t ok = 0, records = 0;
    Record r;
    ingest::ParseError err;
    for (std::string_view l : lines) {
      const ingest::LineKind k = p.Parse(l, r, err);
      if (k != ingest::LineKind::kBad) ++ok;
      if (k == ingest::LineKind::kRecord) ++records;
    }
    if (records > 0 && ok > best_ok) {
      best_ok = ok;
      best = std::string(f.name);
    }
  }
  if (best.empty() || best_ok * 2 < considered) return "";
  return best;
}

}  // namespace keikai::mail
