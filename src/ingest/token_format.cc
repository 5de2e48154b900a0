#include "ingest/token_format.h"

#include <array>

#include <cctype>
#include <cstring>
#include <ctime>

#include "keikai/core/i18n.h"
#include "keikai/core/ascii.h"
#include "keikai/core/hash.h"
#include "keikai/core/time.h"

namespace keikai::ingest {
namespace {

inline std::string_view Dash(std::string_view v) { return v == "-" ? std::string_view() : v; }

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// nginx (escape=default) writes '"', '\\' and bytes below 0x20 or above 0x7e in logged
// variables as \xHH; Apache (ap_escape_logitem) writes \" \\ \b \n \r \t \v and \xhh. Neither
// writes the other's forms (a raw backslash is always escaped itself), so one decoder undoes
// both. Detection must see what the client sent: a payload like id=\x22 or \x22a\x22=\x22a is
// id=" or "a"="a.
bool UnescapeLogField(std::string_view v, std::string& out) {
  if (std::memchr(v.data(), '\\', v.size()) == nullptr) return false;
  out.clear();
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' || i + 1 >= v.size()) {
      out += c;
      continue;
    }
    const char e = v[i + 1];
    int hi = 0, lo = 0;
    if (e == 'x' && i + 3 < v.size() && (hi = HexVal(v[i + 2])) >= 0 && (lo = HexVal(v[i + 3])) >= 0) {
      out += static_cast<char>(hi << 4 | lo);
      i += 3;
      continue;
    }
    char d = 0;
    switch (e) {
      case '"': d = '"'; break;
      case '\\': d = '\\'; break;
      case 'n': d = '\n'; break;
      case 'r': d = '\r'; break;
      case 't': d = '\t'; break;
      case 'b': d = '\b'; break;
      case 'v': d = '\v'; break;
      default: break;
    }
    if (d == 0) {
      out += c;  // not an escape this side writes: kept as it is
      continue;
    }
    out += d;
    ++i;
  }
  return true;
}

namespace {

// Whether line holds lit at pos. Inline bytes, not memcmp: literals are a few characters, and
// a line checks about a dozen of them.
inline bool EqualAt(std::string_view line, std::size_t pos, std::string_view lit) {
  if (pos > line.size() || line.size() - pos < lit.size()) return false;
  const char* p = line.data() + pos;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    if (p[i] != lit[i]) return false;
  }
  return true;
}

// Find literal lit in line at or after pos, skipping backslash-escaped characters (Apache
// writes \" inside quoted fields; escaped: the line has a backslash at all).
std::size_t FindLiteral(std::string_view line, std::size_t pos, const std::string& lit, bool escaped) {
  const char first = lit[0];
  while (pos < line.size()) {
    const void* p = std::memchr(line.data() + pos, first, line.size() - pos);
    if (p == nullptr) return std::string_view::npos;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(p) - line.data());
    std::size_t bs = 0;
    while (escaped && at > bs && line[at - 1 - bs] == '\\') ++bs;
    if (bs % 2 == 0 && EqualAt(line, at + 1, std::string_view(lit).substr(1))) return at;
    pos = at + 1;
  }
  return std::string_view::npos;
}

bool ParseStrfTime(std::string_view v, const std::string& fmt, int64_t& out) {
  std::string s(v);
  std::tm tm{};
  const char* end = strptime(s.c_str(), fmt.c_str(), &tm);
  if (end == nullptr || *end != '\0') return false;
  const long off = tm.tm_gmtoff;
  out = DaysFromCivil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                      static_cast<unsigned>(tm.tm_mday)) *
            86400 +
        tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - off;
  return true;
}

class TokenParser : public LineParser {
 public:
  TokenParser(std::string name, std::vector<Token> tokens)
      : name_(std::move(name)), tokens_(std::move(tokens)) {}
  std::string_view name() const override { return name_; }

  LineKind Parse(std::string_view line, http::Request& req, ParseError& err) override {
    if (line.empty()) return LineKind::kSkip;
    // Copied from an object that is never written (not const, so not folded into a memset):
    // GCC zeroes a value-initialised Request's 192 bytes with rep stos, whose start-up cost
    // was a seventh of this function's time; the copy is twelve 16-byte moves.
    static http::Request empty;
    req = empty;
    // Log escaping is rare: one search of the line decides whether fields need undoing.
    escaped_ = std::memchr(line.data(), '\\', line.size()) != nullptr;
    std::size_t pos = 0;
    bool have_time = false;
    std::string_view uri, args;
    const std::size_t n = tokens_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Token& t = tokens_[i];
      if (t.literal) {  // a literal no variable's search has found: the line's first token
        if (!EqualAt(line, pos, t.text)) return Bad(err, "expected_literal", pos);
        pos += t.text.size();
        continue;
      }
      std::size_t end;
      if (i + 1 == n) {
        end = line.size();
      } else {
        const Token& next = tokens_[i + 1];
        if (!next.literal) {
          // Two variables back to back: the first takes one non-space run.
          end = line.find(' ', pos);
          if (end == std::string_view::npos) end = line.size();
        } else if (i + 2 == n) {
          // The last literal anchors at the end of the line: a user agent may contain quotes.
          if (line.size() < pos + next.text.size() ||
              !EqualAt(line, line.size() - next.text.size(), next.text)) {
            return Bad(err, "expected_literal", line.size());
          }
          end = line.size() - next.text.size();
        } else {
          end = FindLiteral(line, pos, next.text, escaped_);
          if (end == std::string_view::npos) return Bad(err, "expected_literal", pos);
        }
      }
      const std::string_view v = line.substr(pos, end - pos);
      if (!Assign(t, v, req, uri, args, have_time, err, pos)) return LineKind::kBad;
      pos = end;
      // A literal after a variable was found at end by the search above: it is passed over.
      if (i + 1 < n && tokens_[i + 1].literal) pos += tokens_[++i].text.size();
    }
    if (pos != line.size()) return Bad(err, "trailing_data", pos);
    if (!have_time) return Bad(err, "bad_time", 0);
    if (req.peer_ip.empty()) return Bad(err, "missing_client", 0);
    if (req.target.empty() && !uri.empty()) {
      if (args.empty()) {
        req.target = uri;
      } else {
        scratch_.assign(uri);
        if (args[0] != '?') scratch_ += '?';
        scratch_ += args;
        req.target = scratch_;
      }
    }
    if (req.client_ip.empty()) req.client_ip = req.peer_ip;
    return LineKind::kRecord;
  }

 private:
  static LineKind Bad(ParseError& err, const char* code, std::size_t col) {
    err.code = code;
    err.column = col;
    return LineKind::kBad;
  }

  bool Assign(const Token& t, std::string_view v, http::Request& req, std::string_view& uri,
              std::string_view& args, bool& have_time, ParseError& err, std::size_t col) {
    int64_t num = 0;
    // Text fields as the client sent them (the server's log escaping undone; see
    // UnescapeLogField). Each field kind has its own buffer, valid until the next line.
    if (escaped_ && t.var >= Var::kRequest && t.var <= Var::kXff && t.var != Var::kStatus &&
        t.var != Var::kBytes) {
      std::string& buf = unescaped_[static_cast<std::size_t>(t.var) - static_cast<std::size_t>(Var::kRequest)];
      if (UnescapeLogField(v, buf)) v = buf;
    }
    switch (t.var) {
      case Var::kIgnore:
      case Var::kRemoteUser:
        return true;
      case Var::kRemoteAddr:
        if (v.empty() || v == "-" || v.find(' ') != std::string_view::npos) {
          Bad(err, "missing_client", col);
          return false;
        }
        req.peer_ip = v;
        return true;
      case Var::kPeerAddr:
        if (req.peer_ip.empty()) req.peer_ip = Dash(v);
        return true;
      case Var::kTimeLocal:
        if (!clf_time_.Parse(v, req.time, &req.logged_offset)) break;
        have_time = true;
        return true;
      case Var::kTimeIso:
        if (!ParseIsoTime(v, req.time)) break;
        have_time = true;
        return true;
      case Var::kTimeEpoch:
        if (!ParseEpochTime(v, req.time)) break;
        have_time = true;
        return true;
      case Var::kTimeEpochMs:
        if (!ParseDecimal(v, num)) break;
        req.time = num / 1000;
        have_time = true;
        return true;
      case Var::kTimeStrf:
        if (!ParseStrfTime(v, t.strf, req.time)) break;
        have_time = true;
        return true;
      case Var::kRequest: {
        // "METHOD SP target SP protocol"; anything else (TLS bytes, junk) is kept whole as the
        // target: it is a real request the server logged, usually with status 400.
        const std::size_t sp1 = v.find(' ');
        const std::size_t sp2 = v.rfind(' ');
        if (sp1 != std::string_view::npos && sp2 > sp1 && EqualAt(v, sp2 + 1, "HTTP/")) {
          req.method = v.substr(0, sp1);
          req.target = v.substr(sp1 + 1, sp2 - sp1 - 1);
          req.protocol = v.substr(sp2 + 1);
        } else if (sp1 != std::string_view::npos && sp2 == sp1 && sp1 > 0) {
          req.method = v.substr(0, sp1);  // HTTP/0.9
          req.target = v.substr(sp1 + 1);
        } else {
          req.target = Dash(v);
        }
        return true;
      }
      case Var::kMethod:
        req.method = Dash(v);
        return true;
      case Var::kUri:
        uri = Dash(v);
        return true;
      case Var::kRequestUri:
        req.target = Dash(v);
        return true;
      case Var::kArgs:
        args = Dash(v);
        return true;
      case Var::kProtocol:
        req.protocol = Dash(v);
        return true;
      case Var::kStatus:
        if (v == "-") return true;
        if (!ParseDecimal(v, num) || num > 999) {
          Bad(err, "bad_status", col);
          return false;
        }
        req.status = static_cast<int>(num);
        return true;
      case Var::kBytes:
        if (v == "-") return true;
        if (!ParseDecimal(v, num)) {
          Bad(err, "bad_bytes", col);
          return false;
        }
        if (req.bytes < 0) req.bytes = num;
        return true;
      case Var::kReferer:
        req.referer = Dash(v);
        return true;
      case Var::kUserAgent:
        req.user_agent = Dash(v);
        return true;
      case Var::kHost:
        if (req.host.empty()) req.host = Dash(v);
        return true;
      case Var::kVhost:
        req.site = Dash(v);
        return true;
      case Var::kXff:
        req.forwarded_for = Dash(v);
        return true;
    }
    Bad(err, "bad_time", col);
    return false;
  }


  std::string name_;
  std::vector<Token> tokens_;
  std::string scratch_;
  ClfTimeParser clf_time_;
  bool escaped_ = false;  // the line has a backslash
  // Decoded text fields, by Var from kRequest to kXff.
  std::array<std::string, static_cast<std::size_t>(Var::kXff) - static_cast<std::size_t>(Var::kRequest) + 1>
      unescaped_;
};

void AddLiteral(std::vector<Token>& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().literal) {
    out.back().text += text;
    return;
  }
  Token t;
  t.literal = true;
  t.text = std::string(text);
  out.push_back(std::move(t));
}

void AddVar(std::vector<Token>& out, Var v, std::string name) {
  Token t;
  t.var = v;
  t.text = std::move(name);
  out.push_back(std::move(t));
}

Var NginxVar(std::string_view n) {
  struct M {
    std::string_view name;
    Var var;
  };
  static constexpr M kMap[] = {
      {"remote_addr", Var::kRemoteAddr},      {"realip_remote_addr", Var::kPeerAddr},
      {"remote_user", Var::kRemoteUser},      {"time_local", Var::kTimeLocal},
      {"time_iso8601", Var::kTimeIso},        {"msec", Var::kTimeEpoch},
      {"request", Var::kRequest},             {"request_method", Var::kMethod},
      {"request_uri", Var::kRequestUri},      {"uri", Var::kUri},
      {"document_uri", Var::kUri},            {"args", Var::kArgs},
      {"query_string", Var::kArgs},           {"server_protocol", Var::kProtocol},
      {"status", Var::kStatus},               {"body_bytes_sent", Var::kBytes},
      {"bytes_sent", Var::kBytes},            {"http_referer", Var::kReferer},
      {"http_user_agent", Var::kUserAgent},   {"http_x_forwarded_for", Var::kXff},
      {"host", Var::kHost},                   {"http_host", Var::kHost},
      {"server_name", Var::kVhost},
  };
  for (const M& m : kMap) {
    if (m.name == n) return m.var;
  }
  return Var::kIgnore;
}

bool Validate(const std::vector<Token>& toks, std::string& why) {
  bool time = false, addr = false, req = false;
  for (const Token& t : toks) {
    time = time || t.var == Var::kTimeLocal || t.var == Var::kTimeIso ||
           t.var == Var::kTimeEpoch || t.var == Var::kTimeEpochMs || t.var == Var::kTimeStrf;
    addr = addr || t.var == Var::kRemoteAddr;
    req = req || t.var == Var::kRequest || t.var == Var::kRequestUri || t.var == Var::kUri;
  }
  if (!time) why = Tr("fmt.no_time");
  else if (!addr) why = Tr("fmt.no_addr");
  else if (!req) why = Tr("fmt.no_request");
  return time && addr && req;
}

}  // namespace

std::unique_ptr<LineParser> MakeTokenParser(std::string name, std::vector<Token> tokens) {
  return std::make_unique<TokenParser>(std::move(name), std::move(tokens));
}

Result<std::unique_ptr<LineParser>> CompileNginxFormat(std::string_view f) {
  std::vector<Token> toks;
  std::size_t i = 0;
  while (i < f.size()) {
    if (f[i] != '$') {
      const std::size_t next = f.find('$', i);
      AddLiteral(toks, f.substr(i, next == std::string_view::npos ? f.size() - i : next - i));
      i = next == std::string_view::npos ? f.size() : next;
      continue;
    }
    std::size_t b = i + 1, e;
    if (b < f.size() && f[b] == '{') {
      e = f.find('}', b);
      if (e == std::string_view::npos) {
        return Status::Error("format", Tr("fmt.nginx_unterminated"), i);
      }
      const std::string_view name = f.substr(b + 1, e - b - 1);
      if (!toks.empty() && !toks.back().literal) {
        return Status::Error("format", Tr("fmt.adjacent_vars"), i);
      }
      AddVar(toks, NginxVar(name), std::string(name));
      i = e + 1;
      continue;
    }
    e = b;
    while (e < f.size() && (std::isalnum(static_cast<unsigned char>(f[e])) || f[e] == '_')) ++e;
    if (e == b) return Status::Error("format", Tr("fmt.dollar_alone"), i);
    if (!toks.empty() && !toks.back().literal) {
      return Status::Error("format", Tr("fmt.adjacent_vars"), i);
    }
    AddVar(toks, NginxVar(f.substr(b, e - b)), std::string(f.substr(b, e - b)));
    i = e;
  }
  std::string why;
  if (!Validate(toks, why)) return Status::Error("format", why);
  return MakeTokenParser("nginx", std::move(toks));
}

Result<std::unique_ptr<LineParser>> CompileApacheFormat(std::string_view f) {
  std::vector<Token> toks;
  std::string lit;
  auto flush = [&] {
    AddLiteral(toks, lit);
    lit.clear();
  };
  auto var = [&](Var v, std::string name, std::size_t at) -> Status {
    flush();
    if (!toks.empty() && !toks.back().literal) {
      return Status::Error("format", Tr("fmt.adjacent_directives"), at);
    }
    AddVar(toks, v, std::move(name));
    return Status::Ok();
  };
  std::size_t i = 0;
  while (i < f.size()) {
    const char c = f[i];
    if (c == '\\' && i + 1 < f.size()) {
      const char n = f[i + 1];
      lit += n == 't' ? '\t' : n == 'n' ? '\n' : n;
      i += 2;
      continue;
    }
    if (c != '%') {
      lit += c;
      ++i;
      continue;
    }
    const std::size_t at = i;
    ++i;
    if (i < f.size() && f[i] == '%') {
      lit += '%';
      ++i;
      continue;
    }
    // Conditions and redirect modifiers: %!200,304{...}i, %>s, %<s.
    while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) || f[i] == ',' ||
                            f[i] == '!' || f[i] == '<' || f[i] == '>')) {
      ++i;
    }
    std::string arg;
    if (i < f.size() && f[i] == '{') {
      const std::size_t close = f.find('}', i);
      if (close == std::string_view::npos) {
        return Status::Error("format", Tr("fmt.apache_unterminated"), at);
      }
      arg = std::string(f.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    if (i >= f.size()) return Status::Error("format", Tr("fmt.percent_at_end"), at);
    const char d = f[i++];
    const std::string lower = Lower(arg);
    Status st;
    switch (d) {
      case 'h':
        st = var(Var::kRemoteAddr, "%h", at);
        break;
      case 'a':
        st = var(lower == "c" ? Var::kPeerAddr : Var::kRemoteAddr, "%a", at);
        break;
      case 'u':
        st = var(Var::kRemoteUser, "%u", at);
        break;
      case 't':
        if (arg.empty()) {
          lit += '[';
          st = var(Var::kTimeLocal, "%t", at);
          lit += ']';
        } else if (lower == "sec") {
          st = var(Var::kTimeEpoch, "%{sec}t", at);
        } else if (lower == "msec") {
          st = var(Var::kTimeEpochMs, "%{msec}t", at);
        } else {
          std::string fmt = arg;
          if (fmt.rfind("begin:", 0) == 0) fmt = fmt.substr(6);
          if (fmt.rfind("end:", 0) == 0) fmt = fmt.substr(4);
          st = var(Var::kTimeStrf, "%{" + arg + "}t", at);
          toks.back().strf = fmt;
        }
        break;
      case 'r':
        st = var(Var::kRequest, "%r", at);
        break;
      case 's':
        st = var(Var::kStatus, "%s", at);
        break;
      case 'b':
      case 'B':
        st = var(Var::kBytes, "%b", at);
        break;
      case 'O':
        st = var(Var::kBytes, "%O", at);
        break;
      case 'm':
        st = var(Var::kMethod, "%m", at);
        break;
      case 'U':
        st = var(Var::kUri, "%U", at);
        break;
      case 'q':
        st = var(Var::kArgs, "%q", at);
        break;
      case 'H':
        st = var(Var::kProtocol, "%H", at);
        break;
      case 'v':
      case 'V':
        st = var(Var::kVhost, std::string("%") + d, at);
        break;
      case 'i':
        st = var(lower == "referer"           ? Var::kReferer
                 : lower == "user-agent"      ? Var::kUserAgent
                 : lower == "x-forwarded-for" ? Var::kXff
                 : lower == "host"            ? Var::kHost
                                              : Var::kIgnore,
                 "%{" + arg + "}i", at);
        break;
      case 'l': case 'p': case 'P': case 'D': case 'T': case 'I': case 'S': case 'k':
      case 'L': case 'X': case 'A': case 'f': case 'R': case 'C': case 'e': case 'n':
      case 'o': case 'c': case 'F': case '^':
        if (d == '^') {
          // %^ti / %^to trailers: two more characters.
          i = std::min(f.size(), i + 2);
        }
        st = var(Var::kIgnore, std::string("%") + d, at);
        break;
      default:
        return Status::Error("format", TrFill("fmt.apache_unknown", {{"{d}", std::string(1, d)}}), at);
    }
    if (!st.ok()) return st;
  }
  flush();
  std::string why;
  if (!Validate(toks, why)) return Status::Error("format", why);
  return MakeTokenParser("apache", std::move(toks));
}

}  // namespace keikai::ingest
