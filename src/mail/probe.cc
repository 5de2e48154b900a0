#include "keikai/mail/probe.h"

#include <chrono>
#include <ctime>
#include <functional>

#include "keikai/core/base64.h"
#include "keikai/core/net.h"
#include "keikai/core/utf8.h"

namespace keikai::mail {
namespace {

struct Proto {
  const char* name;
  int port;
  bool implicit_tls;
  char family;  // 's' SMTP, 'p' POP3, 'i' IMAP
};
constexpr Proto kProtos[] = {{"smtp", 25, false, 's'},  {"submission", 587, false, 's'}, {"smtps", 465, true, 's'},
                             {"pop3", 110, false, 'p'}, {"pop3s", 995, true, 'p'},       {"imap", 143, false, 'i'},
                             {"imaps", 993, true, 'i'}};

const Proto* Find(std::string_view p) {
  for (const Proto& x : kProtos) {
    if (p == x.name) return &x;
  }
  return nullptr;
}



bool StartsWithNoCase(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != std::toupper(static_cast<unsigned char>(p[i]))) return false;
  }
  return true;
}

// One probe session: phases timed, the first failure kept.
class Session {
 public:
  Session(const ProbeTarget& t, ProbeResult& r) : t_(t), r_(r), c_(t.timeout_s) {}

  // Runs fn as phase `name`, which must be done within the timeout; false (the result filled)
  // when it fails.
  bool Phase(const char* name, const std::function<bool()>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    c_.SetDeadline(t0 + std::chrono::seconds(t_.timeout_s));
    const bool ok = fn();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    r_.phases.push_back({name, ms});
    if (!ok) r_.failed_phase = name;
    return ok;
  }
  bool NetFail(const Status& st) {
    r_.failure = net::FailureName(c_.failure());
    // The system's or the TLS library's words say more than the kind; a timeout, a closed
    // connection or an over-long line say nothing more (the kind is shown translated).
    const net::Failure f = c_.failure();
    r_.detail = f == net::Failure::kTimeout || f == net::Failure::kClosed || f == net::Failure::kTooLong ? "" : st.message();
    return false;
  }
  // A reply longer than LineConn::kMaxLine in all: the probe gives up (a server cannot make it
  // buffer without end).
  bool TooLong() {
    r_.failure = net::FailureName(net::Failure::kTooLong);
    r_.detail.clear();
    return false;
  }
  bool Unexpected(const std::string& said) {
    r_.failure = "unexpected_reply";
    r_.detail = PeerText(said);
    return false;
  }
  bool Rejected(const std::string& said) {
    r_.failure = "auth_rejected";
    r_.detail = PeerText(said);
    return false;
  }

  bool Connect() {
    Status st = c_.Connect(t_.host, r_.port);
    return st.ok() || NetFail(st);
  }
  bool Tls() {
    net::TlsOptions o;
    o.verify = t_.verify;
    o.ca_file = t_.ca_file;
    Status st = c_.StartTls(t_.host, o);
    if (!st.ok()) return NetFail(st);
    r_.tls = true;
    r_.cert_not_after = c_.cert_not_after();
    return true;
  }
  bool Send(const std::string& line) {
    Status st = c_.Write(line + "\r\n");
    return st.ok() || NetFail(st);
  }
  bool Line(std::string& line) {
    Status st = c_.ReadLine(line);
    if (!st.ok()) return NetFail(st);
    reply_ += line.size() + 2;
    return reply_ <= net::LineConn::kMaxLine || TooLong();
  }

  // SMTP: a reply of class want; *text gets all its lines.
  bool Smtp(int want, std::string* text = nullptr, bool auth = false) {
    std::string all;
    reply_ = 0;
    for (;;) {
      std::string line;
      if (!Line(line)) return false;
      all += (all.empty() ? "" : "\n") + line;
      const Verdict v = SmtpLine(line, want);
      if (v == Verdict::kMore) continue;
      if (text != nullptr) *text = all;
      if (v == Verdict::kOk) return true;
      return auth ? Rejected(line) : Unexpected(line);
    }
  }
  bool Pop3(bool auth = false, bool multiline = false, std::string* text = nullptr) {
    std::string line;
    reply_ = 0;
    if (!Line(line)) return false;
    const Verdict v = Pop3Line(line);
    if (v != Verdict::kOk) return auth ? Rejected(line) : Unexpected(line);
    if (!multiline) return true;
    for (;;) {  // CAPA: lines up to "."
      if (!Line(line)) return false;
      if (line == ".") return true;
      if (text != nullptr) *text += line + "\n";
    }
  }
  bool Imap(const std::string& tag, bool auth = false, std::string* text = nullptr) {
    reply_ = 0;
    for (;;) {
      std::string line;
      if (!Line(line)) return false;
      const Verdict v = ImapLine(line, tag);
      if (v == Verdict::kMore) {
        if (text != nullptr) *text += line + "\n";
        continue;
      }
      if (v == Verdict::kOk) return true;
      return auth ? Rejected(line) : Unexpected(line);
    }
  }

  const ProbeTarget& t_;
  ProbeResult& r_;
  net::LineConn c_;
  std::size_t reply_ = 0;  // bytes of the reply being read
};

bool WantsLogin(const ProbeTarget& t) { return !t.user.empty(); }

// A login without TLS is not attempted: the probe fails at login, and its kind says why.
void RefuseClearLogin(ProbeResult& r) {
  r.failed_phase = "login";
  r.failure = "no_tls_for_login";
  r.detail.clear();
}

void RunSmtp(Session& s, const ProbeTarget& t, bool implicit) {
  ProbeResult& r = s.r_;
  if (!s.Phase("connect", [&] { return s.Connect(); })) return;
  if (implicit && !s.Phase("tls", [&] { return s.Tls(); })) return;
  if (!s.Phase("banner", [&] { return s.Smtp(2); })) return;
  std::string caps;
  if (!s.Phase("hello", [&] { return s.Send("EHLO keikai-probe.invalid") && s.Smtp(2, &caps); })) return;
  if (!implicit && t.starttls && SmtpOffers(caps, "STARTTLS")) {
    if (!s.Phase("starttls", [&] {
          return s.Send("STARTTLS") && s.Smtp(2) && s.Tls() && s.Send("EHLO keikai-probe.invalid") && s.Smtp(2, &caps);
        })) {
      return;
    }
  }
  if (WantsLogin(t)) {
    if (!r.tls) return RefuseClearLogin(r);
    // PLAIN, or LOGIN when that is all the server offers (as the alert mailer chooses).
    std::string mechs;
    SmtpOffers(caps, "AUTH", &mechs);
    mechs = " " + mechs + " ";
    const bool login_only = mechs.find(" PLAIN ") == std::string::npos && mechs.find(" LOGIN ") != std::string::npos;
    const std::string plain = Base64(std::string(1, '\0') + t.user + std::string(1, '\0') + t.password);
    if (!s.Phase("login", [&] {
          if (login_only) {
            return s.Send("AUTH LOGIN") && s.Smtp(3, nullptr, true) && s.Send(Base64(t.user)) &&
                   s.Smtp(3, nullptr, true) && s.Send(Base64(t.password)) && s.Smtp(2, nullptr, true);
          }
          return s.Send("AUTH PLAIN " + plain) && s.Smtp(2, nullptr, true);
        })) {
      return;
    }
  }
  if (!s.Phase("quit", [&] { return s.Send("QUIT") && s.Smtp(2); })) return;
  r.ok = true;
}

void RunPop3(Session& s, const ProbeTarget& t, bool implicit) {
  ProbeResult& r = s.r_;
  if (!s.Phase("connect", [&] { return s.Connect(); })) return;
  if (implicit && !s.Phase("tls", [&] { return s.Tls(); })) return;
  if (!s.Phase("banner", [&] { return s.Pop3(); })) return;
  std::string caps;
  if (!s.Phase("hello", [&] { return s.Send("CAPA") && s.Pop3(false, true, &caps); })) return;
  const bool stls = caps.find("STLS") != std::string::npos;
  if (!implicit && t.starttls && stls) {
    if (!s.Phase("starttls", [&] { return s.Send("STLS") && s.Pop3() && s.Tls(); })) return;
  }
  if (WantsLogin(t)) {
    if (!r.tls) return RefuseClearLogin(r);
    if (!s.Phase("login", [&] {
          return s.Send("USER " + t.user) && s.Pop3(true) && s.Send("PASS " + t.password) && s.Pop3(true);
        })) {
      return;
    }
  }
  if (!s.Phase("quit", [&] { return s.Send("QUIT") && s.Pop3(); })) return;
  r.ok = true;
}

// An IMAP quoted string (RFC 3501): backslash and quote escaped; CR/LF cannot be in one.
std::string ImapQuoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void RunImap(Session& s, const ProbeTarget& t, bool implicit) {
  ProbeResult& r = s.r_;
  if (!s.Phase("connect", [&] { return s.Connect(); })) return;
  if (implicit && !s.Phase("tls", [&] { return s.Tls(); })) return;
  if (!s.Phase("banner", [&] {
        std::string line;
        if (!s.Line(line)) return false;
        return StartsWithNoCase(line, "* OK") || StartsWithNoCase(line, "* PREAUTH") || s.Unexpected(line);
      })) {
    return;
  }
  std::string caps;
  if (!s.Phase("hello", [&] { return s.Send("k1 CAPABILITY") && s.Imap("k1", false, &caps); })) return;
  if (!implicit && t.starttls && caps.find("STARTTLS") != std::string::npos) {
    if (!s.Phase("starttls", [&] { return s.Send("k2 STARTTLS") && s.Imap("k2") && s.Tls(); })) return;
  }
  if (WantsLogin(t)) {
    if (!r.tls) return RefuseClearLogin(r);
    if (!s.Phase("login", [&] {
          return s.Send("k3 LOGIN " + ImapQuoted(t.user) + " " + ImapQuoted(t.password)) && s.Imap("k3", true);
        })) {
      return;
    }
  }
  if (!s.Phase("quit", [&] { return s.Send("k4 LOGOUT") && s.Imap("k4"); })) return;
  r.ok = true;
}

}  // namespace

double ProbeResult::total_ms() const {
  double t = 0;
  for (const ProbePhase& p : phases) t += p.ms;
  return t;
}

int DefaultPort(std::string_view protocol) {
  const Proto* p = Find(protocol);
  return p == nullptr ? 0 : p->port;
}
bool KnownProtocol(std::string_view protocol) { return Find(protocol) != nullptr; }

Verdict SmtpLine(std::string_view line, int want_class) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (line.size() < 3 || !digit(line[0]) || !digit(line[1]) || !digit(line[2])) return Verdict::kBad;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return Verdict::kBad;
  if (line.size() > 3 && line[3] == '-') return Verdict::kMore;
  return line[0] - '0' == want_class ? Verdict::kOk : Verdict::kNo;
}

bool SmtpOffers(std::string_view ehlo, std::string_view ext, std::string* args) {
  std::size_t pos = 0;
  while (pos < ehlo.size()) {
    std::size_t end = ehlo.find('\n', pos);
    if (end == std::string_view::npos) end = ehlo.size();
    const std::string_view line = ehlo.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() < 4) continue;
    std::string_view kw = line.substr(4), rest;
    const std::size_t sp = kw.find(' ');
    if (sp != std::string_view::npos) {
      rest = kw.substr(sp + 1);
      kw = kw.substr(0, sp);
    }
    if (kw.size() == ext.size() && StartsWithNoCase(kw, ext)) {
      if (args != nullptr) *args = std::string(rest);
      return true;
    }
  }
  return false;
}

Verdict Pop3Line(std::string_view line) {
  if (StartsWithNoCase(line, "+OK")) return Verdict::kOk;
  if (StartsWithNoCase(line, "-ERR")) return Verdict::kNo;
  return Verdict::kBad;
}

Verdict ImapLine(std::string_view line, std::string_view tag) {
  if (line.size() >= 2 && line[0] == '*' && line[1] == ' ') return Verdict::kMore;  // untagged
  if (line.size() > tag.size() && line.substr(0, tag.size()) == tag && line[tag.size()] == ' ') {
    const std::string_view rest = line.substr(tag.size() + 1);
    if (StartsWithNoCase(rest, "OK")) return Verdict::kOk;
    if (StartsWithNoCase(rest, "NO")) return Verdict::kNo;
    return Verdict::kBad;
  }
  if (!line.empty() && line[0] == '+') return Verdict::kBad;  // a continuation nobody asked for
  return Verdict::kMore;  // another tag's line: not ours
}

ProbeResult Probe(const ProbeTarget& t) {
  ProbeResult r;
  r.protocol = t.protocol;
  r.name = t.name.empty() ? t.protocol : t.name;
  r.host = t.host;
  r.port = t.port != 0 ? t.port : DefaultPort(t.protocol);
  r.time = static_cast<int64_t>(std::time(nullptr));
  const Proto* p = Find(t.protocol);
  if (p == nullptr) {
    r.failed_phase = "connect";
    r.failure = "error";
    r.detail = "unknown protocol " + PeerText(t.protocol);
    return r;
  }
  Session s(t, r);
  if (p->family == 's') RunSmtp(s, t, p->implicit_tls);
  if (p->family == 'p') RunPop3(s, t, p->implicit_tls);
  if (p->family == 'i') RunImap(s, t, p->implicit_tls);
  return r;
}

}  // namespace keikai::mail
