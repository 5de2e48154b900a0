#include "smtp.h"

#include "keikai/core/base64.h"
#include "keikai/core/i18n.h"
#include "keikai/core/net.h"
#include "keikai/core/utf8.h"
#include "keikai/mail/probe.h"

#include <sys/stat.h>
#include <unistd.h>


#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>

namespace keikai::notify {
namespace {

constexpr std::size_t kMaxReply = 64 * 1024;


// RFC 2047 encoded words for a header value: ASCII text stays as it is; other text becomes
// =?UTF-8?B?...?= words of at most 45 bytes each (whole characters), folded onto lines.
std::string EncodeHeader(std::string_view v) {
  bool ascii = true;
  for (char c : v) ascii = ascii && static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  if (ascii && v.size() <= 900) return std::string(v);
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    std::size_t n = Utf8Cut(v.substr(i), 45);  // not mid-character
    if (n == 0) n = std::min<std::size_t>(45, v.size() - i);  // 45 continuation bytes: no character to keep whole
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(v.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}


// One SMTP session over a net::LineConn; errors name the server and the step.
class Conn {
 public:
  explicit Conn(const SmtpOptions& o) : o_(o), c_(o.timeout_s), where_("smtp " + o.host + ":" + std::to_string(o.port)) {}

  Status Connect() {
    c_.SetDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(o_.timeout_s));
    Status st = c_.Connect(o_.host, o_.port);
    return st.ok() ? st : Fail("connect", st.message());
  }

  // TLS over the connection, the server's certificate checked against the host name (or
  // address) and the system's trusted certificates (and ca_file).
  Status StartTls() {
    net::TlsOptions t;
    t.ca_file = o_.ca_file;
    c_.SetDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(o_.timeout_s));
    Status st = c_.StartTls(o_.host, t);
    return st.ok() ? st : Fail("tls", st.message());
  }

  // Sends a command (none: reads the banner) and expects a reply of class want (2 or 3), within
  // the timeout; *reply gets its lines.
  Status Command(const std::string& cmd, int want, const char* step, std::string* reply = nullptr) {
    c_.SetDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(o_.timeout_s));
    if (!cmd.empty()) {
      Status w = c_.Write(cmd + "\r\n");
      if (!w.ok()) return Fail(step, w.message());
    }
    std::string text;
    for (;;) {
      std::string line;
      Status st = c_.ReadLine(line);
      if (!st.ok()) return Fail(step, st.message());
      text += (text.empty() ? "" : "\n") + line;
      if (text.size() > kMaxReply) return Fail(step, "reply too long");
      const mail::Verdict v = mail::SmtpLine(line, want);
      if (v == mail::Verdict::kMore) continue;
      if (v == mail::Verdict::kBad) return Fail(step, "not an SMTP reply: " + PeerText(line));
      if (v == mail::Verdict::kNo) return Fail(step, PeerText(text));
      if (reply != nullptr) *reply = text;
      return Status::Ok();
    }
  }

  Status Fail(const std::string& step, const std::string& why) const {
    return Status::Error("alert", where_ + ": " + step + ": " + why);
  }

 private:
  const SmtpOptions& o_;
  net::LineConn c_;
  std::string where_;
};

std::string HostName() {
  char h[256] = {0};
  if (::gethostname(h, sizeof h - 1) != 0 || h[0] == '\0') return "localhost";
  return h;
}

}  // namespace

std::string RenderMail(const SmtpOptions& o, const MailText& m, int64_t now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char date[64];
  // RFC 5322 date: English names whatever the locale.
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const long off = tm.tm_gmtoff / 60;
  std::snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", kDays[tm.tm_wday], tm.tm_mday,
                kMon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
                std::labs(off) / 60, std::labs(off) % 60);
  std::random_device rd;
  char id[64];
  std::snprintf(id, sizeof id, "%lld.%08x%08x", static_cast<long long>(now), rd(), rd());
  std::string to;
  for (const std::string& r : o.to) to += (to.empty() ? "" : ", ") + r;
  std::string subject = m.subject;
  for (char& c : subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  std::string key = m.key;
  for (char& c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  std::string out = "From: " + o.from + "\r\nTo: " + to + "\r\nSubject: " + EncodeHeader(subject) +
                    "\r\nDate: " + date + "\r\nMessage-ID: <" + id + "@keikai." + HostName() +
                    ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n";
  if (!key.empty()) out += "X-Keikai-Alert: " + key.substr(0, 900) + "\r\n";
  out += "\r\n";
  std::string body;
  for (char c : m.body) {  // CRLF line ends inside the text (RFC 2046 text/plain)
    if (c == '\n' && (body.empty() || body.back() != '\r')) body += '\r';
    body += c;
  }
  const std::string b64 = Base64(body);
  for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

Status SendMail(const SmtpOptions& o, const MailText& m) {
  Conn c(o);
  Status st = c.Connect();
  const bool implicit = o.port == 465;
  if (st.ok() && implicit) st = c.StartTls();
  if (st.ok()) st = c.Command("", 2, "banner");
  const std::string helo = "EHLO " + HostName();
  std::string ehlo;
  if (st.ok()) st = c.Command(helo, 2, "EHLO", &ehlo);
  if (!st.ok()) return st;
  bool tls = implicit;
  if (!implicit && o.starttls) {
    if (!mail::SmtpOffers(ehlo, "STARTTLS")) return c.Fail("STARTTLS", "the server does not offer it (starttls: true)");
    st = c.Command("STARTTLS", 2, "STARTTLS");
    if (st.ok()) st = c.StartTls();
    if (st.ok()) st = c.Command(helo, 2, "EHLO", &ehlo);
    if (!st.ok()) return st;
    tls = true;
  }
  if (!o.user.empty()) {
    if (!tls) return c.Fail("AUTH", "refused to send a password without TLS");
    std::string mechs;
    if (!mail::SmtpOffers(ehlo, "AUTH", &mechs)) return c.Fail("AUTH", "the server does not offer AUTH");
    mechs = " " + mechs + " ";
    if (mechs.find(" PLAIN ") != std::string::npos) {
      st = c.Command("AUTH PLAIN " + Base64(std::string(1, '\0') + o.user + std::string(1, '\0') + o.password), 2,
                     "AUTH PLAIN");
    } else if (mechs.find(" LOGIN ") != std::string::npos) {
      st = c.Command("AUTH LOGIN", 3, "AUTH LOGIN");
      if (st.ok()) st = c.Command(Base64(o.user), 3, "AUTH LOGIN");
      if (st.ok()) st = c.Command(Base64(o.password), 2, "AUTH LOGIN");
    } else {
      return c.Fail("AUTH", "no mechanism keikai speaks (PLAIN, LOGIN) among:" + PeerText(mechs));
    }
    if (!st.ok()) return st;
  }
  st = c.Command("MAIL FROM:<" + o.from + ">", 2, "MAIL FROM");
  for (const std::string& r : o.to) {
    if (st.ok()) st = c.Command("RCPT TO:<" + r + ">", 2, "RCPT TO");
  }
  if (st.ok()) st = c.Command("DATA", 3, "DATA");
  if (!st.ok()) return st;
  // Dot-stuffing (RFC 5321 4.5.2); base64 lines never start with '.', headers might.
  std::string data = RenderMail(o, m, static_cast<int64_t>(std::time(nullptr)));
  std::string stuffed;
  stuffed.reserve(data.size() + 16);
  bool bol = true;
  for (char ch : data) {
    if (bol && ch == '.') stuffed += '.';
    stuffed += ch;
    bol = ch == '\n';
  }
  st = c.Command(stuffed + ".", 2, "message");
  if (!st.ok()) return st;
  (void)c.Command("QUIT", 2, "QUIT");  // delivered already: a failing QUIT changes nothing
  return Status::Ok();
}

Status ReadCredentials(const std::string& path, std::string& user, std::string& password) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) return Status::Error("alert", path + ": " + std::strerror(errno));
  if ((sb.st_mode & 077) != 0 || sb.st_uid != ::geteuid()) {
    return Status::Error("alert", path + ": " + Tr("notify.cred_open"));
  }
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return Status::Error("alert", path + ": " + Tr("notify.cred_empty"));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return Status::Error("alert", path + ": " + Tr("notify.cred_form"));
  user = line.substr(0, colon);
  password = line.substr(colon + 1);
  return Status::Ok();
}

}  // namespace keikai::notify
