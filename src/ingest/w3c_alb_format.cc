// IIS W3C extended logs (#Fields: directive) and AWS Application Load Balancer logs.
#include <array>
#include <cstring>

#include "keikai/core/hash.h"
#include "keikai/core/time.h"
#include "keikai/ingest/format.h"

namespace keikai::ingest {
namespace {

LineKind Bad(ParseError& err, const char* code, std::size_t col) {
  err.code = code;
  err.column = col;
  return LineKind::kBad;
}

// ---- IIS W3C ----
enum W3cField : uint8_t { kWIgnore, kWDate, kWTime, kWIp, kWMethod, kWStem, kWQuery, kWStatus,
                          kWBytes, kWUa, kWReferer, kWHost, kWVersion, kWXff, kWSite };

W3cField W3cFieldOf(std::string_view n) {
  struct M { std::string_view name; W3cField f; };
  static constexpr M kMap[] = {
      {"date", kWDate}, {"time", kWTime}, {"c-ip", kWIp}, {"cs-method", kWMethod},
      {"cs-uri-stem", kWStem}, {"cs-uri-query", kWQuery}, {"sc-status", kWStatus},
      {"sc-bytes", kWBytes}, {"cs(user-agent)", kWUa}, {"cs(referer)", kWReferer},
      {"cs-host", kWHost}, {"cs(host)", kWHost}, {"cs-version", kWVersion},
      {"x-forwarded-for", kWXff}, {"cs(x-forwarded-for)", kWXff}, {"s-sitename", kWIgnore},
  };
  std::string lower(n);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  for (const M& m : kMap) {
    if (m.name == lower) return m.f;
  }
  return kWIgnore;
}

class W3cParser : public LineParser {
 public:
  W3cParser() {
    // IIS's default field set, used until a #Fields: directive says otherwise.
    SetFields("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
              "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken");
  }
  std::string_view name() const override { return "iis"; }

  LineKind Parse(std::string_view line, http::Request& req, ParseError& err) override {
    if (line.empty()) return LineKind::kSkip;
    if (line[0] == '#') {
      if (line.rfind("#Fields:", 0) == 0) SetFields(line.substr(8));
      return LineKind::kSkip;
    }
    req = http::Request{};
    std::string_view date, time, stem, query;
    std::size_t pos = 0;
    std::size_t idx = 0;
    while (pos <= line.size()) {
      std::size_t sp = line.find(' ', pos);
      if (sp == std::string_view::npos) sp = line.size();
      if (idx >= fields_.size()) return Bad(err, "too_many_fields", pos);
      std::string_view v = line.substr(pos, sp - pos);
      if (v == "-") v = {};
      switch (fields_[idx]) {
        case kWDate: date = v; break;
        case kWTime: time = v; break;
        case kWIp: req.peer_ip = v; break;
        case kWMethod: req.method = v; break;
        case kWStem: stem = v; break;
        case kWQuery: query = v; break;
        case kWStatus: {
          int64_t s = 0;
          if (!v.empty() && (!ParseDecimal(v, s) || s > 999)) return Bad(err, "bad_status", pos);
          req.status = static_cast<int>(s);
          break;
        }
        case kWBytes: {
          int64_t b = 0;
          if (!v.empty() && !ParseDecimal(v, b)) return Bad(err, "bad_bytes", pos);
          req.bytes = v.empty() ? -1 : b;
          break;
        }
        // IIS writes the spaces of these headers as '+' (it separates fields by spaces).
        case kWUa: req.user_agent = Plus(v, ua_); break;
        case kWReferer: req.referer = Plus(v, referer_); break;
        case kWHost: req.host = v; break;
        case kWVersion: req.protocol = v; break;
        case kWXff: req.forwarded_for = v; break;
        case kWSite: case kWIgnore: break;
      }
      ++idx;
      if (sp == line.size()) break;
      pos = sp + 1;
    }
    if (idx != fields_.size()) return Bad(err, "too_few_fields", line.size());
    // W3C times are UTC.
    if (date.size() != 10 || time.size() < 8) return Bad(err, "bad_time", 0);
    char buf[32];
    std::memcpy(buf, date.data(), 10);
    buf[10] = 'T';
    std::memcpy(buf + 11, time.data(), 8);
    buf[19] = 'Z';
    if (!ParseIsoTime(std::string_view(buf, 20), req.time)) return Bad(err, "bad_time", 0);
    if (req.peer_ip.empty()) return Bad(err, "missing_client", 0);
    if (stem.empty()) return Bad(err, "missing_request", 0);
    req.client_ip = req.peer_ip;
    if (query.empty()) {
      req.target = stem;
    } else {
      target_.assign(stem);
      target_ += '?';
      target_ += query;
      req.target = target_;
    }
    return LineKind::kRecord;
  }

 private:
  void SetFields(std::string_view spec) {
    fields_.clear();
    std::size_t pos = 0;
    while (pos < spec.size()) {
      while (pos < spec.size() && spec[pos] == ' ') ++pos;
      std::size_t sp = spec.find(' ', pos);
      if (sp == std::string_view::npos) sp = spec.size();
      if (sp > pos) fields_.push_back(W3cFieldOf(spec.substr(pos, sp - pos)));
      pos = sp;
      if (fields_.size() > 128) break;
    }
  }
  // v with '+' as ' ', in buf (v itself when it has no '+').
  static std::string_view Plus(std::string_view v, std::string& buf) {
    if (v.find('+') == std::string_view::npos) return v;
    buf.assign(v);
    for (char& c : buf) c = c == '+' ? ' ' : c;
    return buf;
  }
  std::vector<W3cField> fields_;
  std::string target_, ua_, referer_;
};

// ---- AWS ALB ----
// type time elb client:port target:port req_t target_t resp_t elb_status target_status
// received sent "request" "user_agent" ssl_cipher ssl_protocol tg_arn "trace" "domain" ...
class AlbParser : public LineParser {
 public:
  std::string_view name() const override { return "alb"; }

  LineKind Parse(std::string_view line, http::Request& req, ParseError& err) override {
    if (line.empty()) return LineKind::kSkip;
    std::array<std::string_view, 20> f{};
    std::size_t n = 0, pos = 0;
    while (pos < line.size() && n < f.size()) {
      if (line[pos] == '"') {
        std::size_t e = pos + 1;
        while (e < line.size() && line[e] != '"') e += line[e] == '\\' ? 2 : 1;
        if (e >= line.size()) return Bad(err, "unterminated_quote", pos);
        f[n++] = line.substr(pos + 1, e - pos - 1);
        pos = e + 1;
      } else {
        std::size_t e = line.find(' ', pos);
        if (e == std::string_view::npos) e = line.size();
        f[n++] = line.substr(pos, e - pos);
        pos = e;
      }
      if (pos < line.size() && line[pos] != ' ') return Bad(err, "expected_space", pos);
      ++pos;
    }
    if (n < 14) return Bad(err, "too_few_fields", line.size());
    const std::string_view type = f[0];
    if (type != "http" && type != "https" && type != "h2" && type != "grpcs" && type != "ws" &&
        type != "wss") {
      return Bad(err, "bad_alb_type", 0);
    }
    req = http::Request{};
    if (!ParseIsoTime(f[1], req.time)) return Bad(err, "bad_time", type.size() + 1);
    // client:port (IPv6 clients are written as [addr]:port? ALB writes addr:port).
    std::string_view client = f[3];
    const std::size_t colon = client.rfind(':');
    if (colon != std::string_view::npos) client = client.substr(0, colon);
    if (client.empty() || client == "-") return Bad(err, "missing_client", 0);
    req.peer_ip = client;
    req.client_ip = client;
    int64_t v = 0;
    if (f[8] != "-") {
      if (!ParseDecimal(f[8], v) || v > 999) return Bad(err, "bad_status", 0);
      req.status = static_cast<int>(v);
    }
    if (f[11] != "-" && ParseDecimal(f[11], v)) req.bytes = v;
    const std::string_view r = f[12];
    const std::size_t sp1 = r.find(' ');
    const std::size_t sp2 = r.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 <= sp1) return Bad(err, "bad_request_line", 0);
    req.method = r.substr(0, sp1);
    req.target = r.substr(sp1 + 1, sp2 - sp1 - 1);
    req.protocol = r.substr(sp2 + 1);
    req.user_agent = f[13] == "-" ? std::string_view() : f[13];
    if (n > 18 && f[18] != "-") req.host = f[18];
    return LineKind::kRecord;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeW3cParser() { return std::make_unique<W3cParser>(); }
std::unique_ptr<LineParser> MakeAlbParser() { return std::make_unique<AlbParser>(); }

}  // namespace keikai::ingest
