#include "keikai/config/config.h"
#include "keikai/ingest/source.h"

#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "keikai/core/format.h"
#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/http/ip.h"
#include "keikai/pipeline/scan.h"
#include "keikai/store/store.h"

namespace keikai::config {
namespace {

constexpr std::size_t kMaxBytes = 1 << 20;
constexpr int kMaxFlowDepth = 64;
constexpr std::size_t kMaxList = 10000;
constexpr std::size_t kMaxProblems = 100;

// Flow-style nesting ("[[[[...") deeper than kMaxFlowDepth, which the YAML parser would follow
// recursively. Brackets inside quotes count too: a false alarm only for strange strings.
bool TooDeep(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class Reader {
 public:
  Reader(std::string file, std::vector<Problem>& out) : file_(std::move(file)), out_(out) {}

  void Add(const YAML::Node& at, const std::string& key, std::string why) {
    Problem p{file_, 0, 0, key, std::move(why)};
    if (at.IsDefined()) {
      const YAML::Mark m = at.Mark();
      if (m.line >= 0) {
        p.line = m.line + 1;
        p.column = m.column + 1;
      }
    }
    AddProblem(std::move(p));
  }
  void AddProblem(Problem p) {
    if (out_.size() < kMaxProblems) {
      out_.push_back(std::move(p));
    } else if (out_.size() == kMaxProblems) {
      out_.push_back({file_, 0, 0, "", Tr("config.too_many_problems")});
    }
  }
  static int Line(const YAML::Node& n) { return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

  // A mapping whose keys are all known; false (and a problem) when it is no mapping.
  bool Map(const YAML::Node& n, const std::string& key, const std::vector<std::string>& known) {
    if (!n.IsMap()) {
      Add(n, key, Tr("config.not_map"));
      return false;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        Add(kv.first, Path(key, k), FillTemplate(Tr("config.unknown_key"), {{"{known}", Join(known)}}));
      }
    }
    return true;
  }
  // The items of a list (at most kMaxList); empty and a problem when it is no list.
  std::vector<YAML::Node> List(const YAML::Node& n, const std::string& key) {
    std::vector<YAML::Node> items;
    if (!n.IsSequence()) {
      Add(n, key, Tr("config.not_list"));
      return items;
    }
    if (n.size() > kMaxList) {
      Add(n, key, FillTemplate(Tr("config.too_many"), {{"{max}", Thousands(kMaxList)}}));
      return items;
    }
    for (const auto& x : n) items.push_back(x);
    return items;
  }
  bool Str(const YAML::Node& m, const std::string& key, const std::string& path, std::string& out,
           bool required = false) {
    const YAML::Node n = m[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Add(m, Path(path, key), Tr("config.required"));
      return false;
    }
    if (!n.IsScalar()) {
      Add(n, Path(path, key), Tr("config.not_scalar"));
      return false;
    }
    out = n.Scalar();
    if (required && out.empty()) {
      Add(n, Path(path, key), Tr("config.required"));
      return false;
    }
    return true;
  }
  void Choice(const YAML::Node& m, const std::string& key, const std::string& path, std::string& out,
              const std::vector<std::string>& choices, bool required = false) {
    std::string v;
    if (!Str(m, key, path, v, required)) return;
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      Add(m[key], Path(path, key), FillTemplate(Tr("config.bad_choice"), {{"{choices}", Join(choices)}}));
      return;
    }
    out = v;
  }
  template <class T>
  void Int(const YAML::Node& m, const std::string& key, const std::string& path, T& out, int64_t lo, int64_t hi) {
    std::string v;
    if (!Str(m, key, path, v)) return;
    int64_t x = 0;
    if (!ParseDecimal(v, x) || x < lo || x > hi) {
      Add(m[key], Path(path, key),
          FillTemplate(Tr("config.not_int"), {{"{min}", std::to_string(lo)}, {"{max}", std::to_string(hi)}}));
      return;
    }
    out = static_cast<T>(x);
  }
  void Bool(const YAML::Node& m, const std::string& key, const std::string& path, bool& out) {
    std::string v;
    if (!Str(m, key, path, v)) return;
    std::transform(v.begin(), v.end(), v.begin(), [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; });
    if (v == "true" || v == "yes" || v == "on") {
      out = true;
    } else if (v == "false" || v == "no" || v == "off") {
      out = false;
    } else {
      Add(m[key], Path(path, key), Tr("config.not_bool"));
    }
  }
  // "90" (seconds), "30s", "5m", "2h", "1d".
  void Duration(const YAML::Node& m, const std::string& key, const std::string& path, int& out, int lo, int hi) {
    std::string v;
    if (!Str(m, key, path, v)) return;
    int64_t mult = 1;
    std::string num = v;
    if (!v.empty()) {
      switch (v.back()) {
        case 's': mult = 1; num.pop_back(); break;
        case 'm': mult = 60; num.pop_back(); break;
        case 'h': mult = 3600; num.pop_back(); break;
        case 'd': mult = 86400; num.pop_back(); break;
        default: break;
      }
    }
    int64_t x = 0;
    if (!ParseDecimal(num, x) || x > 1'000'000'000 / mult || x * mult < lo || x * mult > hi) {
      Add(m[key], Path(path, key),
          FillTemplate(Tr("config.bad_duration"), {{"{min}", DurationText(lo)}, {"{max}", DurationText(hi)}}));
      return;
    }
    out = static_cast<int>(x * mult);
  }
  // A file of secrets: present, readable, and not readable by group or others.
  void Secret(const YAML::Node& m, const std::string& key, const std::string& path, std::string& out) {
    if (!Str(m, key, path, out)) return;
    if (out.empty() || out.front() != '/') {
      Add(m[key], Path(path, key), Tr("config.not_absolute"));
      return;
    }
    struct stat sb {};
    std::FILE* f = std::fopen(out.c_str(), "r");
    if (f == nullptr || ::stat(out.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) {
      if (f != nullptr) std::fclose(f);
      Add(m[key], Path(path, key), Tr("config.secret_missing"));
      return;
    }
    std::fclose(f);
    if ((sb.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(sb.st_mode & 0777));
      Add(m[key], Path(path, key), FillTemplate(Tr("config.secret_open"), {{"{mode}", mode}}));
    }
  }

  static std::string Path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }
  static std::string Index(const std::string& parent, std::size_t i) {
    return parent + "[" + std::to_string(i) + "]";
  }
  static std::string DurationText(int s) {
    if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
  }

 private:
  std::string file_;
  std::vector<Problem>& out_;
};

bool SiteName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

bool Url(std::string_view u) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (u.substr(0, scheme.size()) != scheme) continue;
    const std::string_view rest = u.substr(scheme.size());
    const std::size_t end = rest.find_first_of("/?#");
    const std::string_view host = rest.substr(0, end);
    return !host.empty() && host.find_first_of(" \t\r\n") == std::string_view::npos;
  }
  return false;
}

bool MailAddress(std::string_view a) {
  const std::size_t at = a.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() && a.find('@', at + 1) == std::string_view::npos &&
         a.find_first_of(" \t\r\n<>,;") == std::string_view::npos;
}

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464": whether it parses, and whether it is loopback.
bool Listen(const std::string& s, bool& loopback) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = s.substr(0, colon);
  int64_t port = 0;
  if (!ParseDecimal(std::string_view(s).substr(colon + 1), port) || port < 1 || port > 65535) return false;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") {
    loopback = true;
    return true;
  }
  http::IpAddr a;
  if (!http::IpAddr::Parse(host, a)) return false;
  http::IpPrefix v4, v6;
  http::IpPrefix::Parse("127.0.0.0/8", v4);
  http::IpPrefix::Parse("::1/128", v6);
  loopback = v4.Contains(a) || v6.Contains(a);
  return true;
}

struct Seen {  // names given twice, with the line of the first
  std::map<std::string, int> lines;
  bool Twice(Reader& r, const YAML::Node& at, const std::string& key, const std::string& name) {
    auto [it, fresh] = lines.emplace(name, Reader::Line(at));
    if (fresh) return false;
    r.Add(at, key, FillTemplate(Tr("config.duplicate"), {{"{line}", std::to_string(it->second)}}));
    return true;
  }
};

// A list of log files: each a path, or {path, format}.
std::vector<LogFile> Logs(Reader& r, const YAML::Node& n, const std::string& key, Seen& paths) {
  std::vector<LogFile> out;
  const auto items = r.List(n, key);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node& x = items[i];
    const std::string k = Reader::Index(key, i);
    LogFile f;
    f.line = Reader::Line(x);
    if (x.IsScalar()) {
      f.path = x.Scalar();
    } else if (r.Map(x, k, {"path", "format"})) {
      r.Str(x, "path", k, f.path, true);
      if (r.Str(x, "format", k, f.format) && !f.format.empty()) {
        const Status st = pipeline::CheckLogFormat(f.format);
        if (!st.ok()) r.Add(x["format"], Reader::Path(k, "format"), FillTemplate(Tr("config.bad_format"), {{"{detail}", st.message()}}));
      }
    } else {
      continue;
    }
    if (f.path.empty()) continue;
    if (f.path.front() != '/') {
      r.Add(x.IsScalar() ? x : x["path"], k, Tr("config.not_absolute"));
      continue;
    }
    if (paths.Twice(r, x, k, f.path)) continue;
    out.push_back(std::move(f));
  }
  return out;
}

void ReadSites(Reader& r, const YAML::Node& n, Config& c, Seen& paths) {
  Seen names;
  const auto items = r.List(n, "sites");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node& x = items[i];
    const std::string k = Reader::Index("sites", i);
    if (!r.Map(x, k, {"name", "logs", "trusted_proxies"})) continue;
    Site s;
    if (r.Str(x, "name", k, s.name, true) && !SiteName(s.name)) {
      r.Add(x["name"], Reader::Path(k, "name"), Tr("config.bad_site"));
    }
    if (!s.name.empty()) names.Twice(r, x["name"], Reader::Path(k, "name"), s.name);
    if (x["logs"].IsDefined()) {
      s.logs = Logs(r, x["logs"], Reader::Path(k, "logs"), paths);
    } else {
      r.Add(x, Reader::Path(k, "logs"), Tr("config.required"));
    }
    if (x["trusted_proxies"].IsDefined()) {
      const std::string pk = Reader::Path(k, "trusted_proxies");
      const auto proxies = r.List(x["trusted_proxies"], pk);
      for (std::size_t j = 0; j < proxies.size(); ++j) {
        http::IpPrefix p;
        if (!proxies[j].IsScalar() || !http::IpPrefix::Parse(proxies[j].Scalar(), p)) {
          r.Add(proxies[j], Reader::Index(pk, j), Tr("config.bad_proxy"));
          continue;
        }
        s.trusted_proxies.push_back(proxies[j].Scalar());
      }
    }
    c.sites.push_back(std::move(s));
  }
}

// ca_file: an absolute path to a file that is there (PEM certificates to trust).
void CaFile(Reader& r, const YAML::Node& x, const std::string& k, std::string& out) {
  if (!r.Str(x, "ca_file", k, out)) return;
  struct stat sb {};
  if (out.empty() || out.front() != '/') {
    r.Add(x["ca_file"], Reader::Path(k, "ca_file"), Tr("config.not_absolute"));
  } else if (::stat(out.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    r.Add(x["ca_file"], Reader::Path(k, "ca_file"), Tr("config.secret_missing"));
  }
}

void ReadMail(Reader& r, const YAML::Node& n, Config& c, Seen& paths) {
  if (!r.Map(n, "mail", {"site", "timezone", "logs", "services"})) return;
  if (r.Str(n, "site", "mail", c.mail_site) && !SiteName(c.mail_site)) r.Add(n["site"], "mail.site", Tr("config.bad_site"));
  if (r.Str(n, "timezone", "mail", c.mail_log_timezone) && !TimeZone::Make(c.mail_log_timezone)) {
    r.Add(n["timezone"], "mail.timezone", Tr("config.bad_tz"));
  }
  if (n["logs"].IsDefined()) c.mail_logs = Logs(r, n["logs"], "mail.logs", paths);
  if (!n["services"].IsDefined()) return;
  Seen names;
  const auto items = r.List(n["services"], "mail.services");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node& x = items[i];
    const std::string k = Reader::Index("mail.services", i);
    if (!r.Map(x, k, {"name", "protocol", "host", "port", "starttls", "interval", "timeout", "credentials", "ca_file"})) continue;
    MailService s;
    r.Choice(x, "protocol", k, s.protocol, {"smtp", "submission", "smtps", "pop3", "pop3s", "imap", "imaps"}, true);
    s.name = s.protocol;
    r.Str(x, "name", k, s.name);
    if (!s.name.empty()) names.Twice(r, x["name"].IsDefined() ? x["name"] : x, Reader::Path(k, "name"), s.name);
    r.Str(x, "host", k, s.host);
    r.Int(x, "port", k, s.port, 1, 65535);
    r.Bool(x, "starttls", k, s.starttls);
    r.Duration(x, "interval", k, s.interval_s, 10, 86400);
    r.Duration(x, "timeout", k, s.timeout_s, 1, 300);
    if (s.timeout_s >= s.interval_s) r.Add(x["timeout"].IsDefined() ? x["timeout"] : x, Reader::Path(k, "timeout"), Tr("config.timeout_interval"));
    r.Secret(x, "credentials", k, s.credentials);
    CaFile(r, x, k, s.ca_file);
    c.mail_services.push_back(std::move(s));
  }
}

void ReadAlerts(Reader& r, const YAML::Node& n, Config& c) {
  Seen names;
  const auto items = r.List(n, "alerts");
  // The keys each type uses, besides type, name, language and min_interval.
  const std::map<std::string, std::vector<std::string>> uses = {
      {"webhook", {"url"}}, {"slack", {"url"}}, {"teams", {"url"}},
      {"email", {"smtp_host", "smtp_port", "starttls", "ca_file", "from", "to", "credentials"}},
      {"syslog", {"facility", "socket"}}, {"stdout", {}}};
  const std::vector<std::string> all = {"type", "name", "language", "min_interval", "url", "smtp_host",
                                        "smtp_port", "starttls", "ca_file", "from", "to", "credentials",
                                        "facility", "socket"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node& x = items[i];
    const std::string k = Reader::Index("alerts", i);
    if (!r.Map(x, k, all)) continue;
    Alert a;
    r.Choice(x, "type", k, a.type, {"webhook", "slack", "teams", "email", "syslog", "stdout"}, true);
    a.name = a.type;
    r.Str(x, "name", k, a.name);
    if (!a.name.empty()) names.Twice(r, x["name"].IsDefined() ? x["name"] : x, Reader::Path(k, "name"), a.name);
    r.Choice(x, "language", k, a.language, {"ja", "en"});
    r.Duration(x, "min_interval", k, a.min_interval_s, 0, 86400);
    const auto used = uses.find(a.type);
    if (used == uses.end()) continue;
    for (const auto& kv : x) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const bool common = key == "type" || key == "name" || key == "language" || key == "min_interval";
      const bool known = std::find(all.begin(), all.end(), key) != all.end();
      if (!common && known && std::find(used->second.begin(), used->second.end(), key) == used->second.end()) {
        r.Add(kv.first, Reader::Path(k, key), FillTemplate(Tr("config.not_for_type"), {{"{type}", a.type}}));
      }
    }
    if (a.type == "webhook" || a.type == "slack" || a.type == "teams") {
      if (r.Str(x, "url", k, a.url, true) && !Url(a.url)) r.Add(x["url"], Reader::Path(k, "url"), Tr("config.bad_url"));
    } else if (a.type == "email") {
      r.Str(x, "smtp_host", k, a.smtp_host, true);
      r.Int(x, "smtp_port", k, a.smtp_port, 1, 65535);
      r.Bool(x, "starttls", k, a.starttls);
      if (r.Str(x, "from", k, a.from, true) && !MailAddress(a.from)) r.Add(x["from"], Reader::Path(k, "from"), Tr("config.bad_address"));
      if (!x["to"].IsDefined()) {
        r.Add(x, Reader::Path(k, "to"), Tr("config.required"));
      } else {
        const std::string tk = Reader::Path(k, "to");
        const YAML::Node to = x["to"];
        const auto addrs = to.IsScalar() ? std::vector<YAML::Node>{to} : r.List(to, tk);
        for (std::size_t j = 0; j < addrs.size(); ++j) {
          if (!addrs[j].IsScalar() || !MailAddress(addrs[j].Scalar())) {
            r.Add(addrs[j], Reader::Index(tk, j), Tr("config.bad_address"));
            continue;
          }
          a.to.push_back(addrs[j].Scalar());
        }
      }
      r.Secret(x, "credentials", k, a.credentials);
      CaFile(r, x, k, a.ca_file);
      // A password goes only inside TLS: STARTTLS, or TLS from the start on port 465.
      if (!a.credentials.empty() && !a.starttls && a.smtp_port != 465) {
        r.Add(x["starttls"], Reader::Path(k, "starttls"), Tr("config.clear_password"));
      }
    } else if (a.type == "syslog") {
      r.Choice(x, "facility", k, a.facility,
               {"daemon", "user", "auth", "authpriv", "mail", "local0", "local1", "local2", "local3",
                "local4", "local5", "local6", "local7"});
      if (r.Str(x, "socket", k, a.socket) && (a.socket.empty() || a.socket.front() != '/')) {
        r.Add(x["socket"], Reader::Path(k, "socket"), Tr("config.not_absolute"));
      }
    }
    c.alerts.push_back(std::move(a));
  }
}

}  // namespace

std::string Problem::ToString() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  return s + why;
}

Config Parse(std::string_view text, const std::string& name, std::vector<Problem>& problems) {
  Config c;
  c.file = name;
  Reader r(name, problems);
  if (text.size() > kMaxBytes) {
    r.AddProblem({name, 0, 0, "", Tr("config.too_large")});
    return c;
  }
  if (TooDeep(text)) {
    r.AddProblem({name, 0, 0, "", Tr("config.too_deep")});
    return c;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    r.AddProblem({name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0, "",
                  FillTemplate(Tr("config.syntax"), {{"{detail}", e.msg}})});
    return c;
  }
  if (!root.IsDefined() || root.IsNull()) {
    r.AddProblem({name, 0, 0, "", Tr("config.empty")});
    return c;
  }
  if (!r.Map(root, "", {"language", "timezone", "home_country", "store", "user", "read_every", "sites", "mail",
                        "detection", "surge", "retention", "alerts", "metrics", "log_format", "report"})) {
    return c;
  }
  r.Choice(root, "language", "", c.language, {"ja", "en"});
  r.Choice(root, "log_format", "", c.log_format, {"text", "json"});
  if (r.Str(root, "timezone", "", c.timezone) && !TimeZone::Make(c.timezone)) {
    r.Add(root["timezone"], "timezone", Tr("config.bad_tz"));
  }
  if (r.Str(root, "home_country", "", c.home_country) &&
      (c.home_country.size() != 2 || !std::all_of(c.home_country.begin(), c.home_country.end(),
                                                   [](char ch) { return ch >= 'A' && ch <= 'Z'; }))) {
    r.Add(root["home_country"], "home_country", Tr("config.bad_country"));
  }
  if (r.Str(root, "store", "", c.store)) {
    const std::size_t colon = c.store.find(':');
    if (colon != std::string::npos && c.store.front() != '/') {
      std::vector<std::string> schemes;
      bool known = false;
      for (const store::StoreKind& k : store::StoreKinds()) {
        schemes.emplace_back(k.scheme);
        known = known || c.store.compare(0, colon, k.scheme) == 0;
      }
      if (!known) r.Add(root["store"], "store", FillTemplate(Tr("config.bad_store"), {{"{known}", Join(schemes)}}));
    } else if (c.store.empty() || c.store.front() != '/') {
      r.Add(root["store"], "store", Tr("config.not_absolute"));
    }
  }
  r.Duration(root, "read_every", "", c.read_every_s, 1, 3600);
  if (r.Str(root, "user", "", c.user) && getpwnam(c.user.c_str()) == nullptr) {
    r.Add(root["user"], "user", Tr("config.no_user"));
  }
  Seen paths;  // a log file belongs to one site
  if (root["sites"].IsDefined()) ReadSites(r, root["sites"], c, paths);
  if (root["mail"].IsDefined()) ReadMail(r, root["mail"], c, paths);
  if (const YAML::Node d = root["detection"]; d.IsDefined() &&
      r.Map(d, "detection", {"behavior", "crs", "paranoia", "max_sources", "verify_crawlers"})) {
    r.Bool(d, "behavior", "detection", c.behavior);
    r.Str(d, "crs", "detection", c.crs);
    r.Int(d, "paranoia", "detection", c.paranoia, 1, 4);
    r.Int(d, "max_sources", "detection", c.max_sources, 16, 100'000'000);
    r.Bool(d, "verify_crawlers", "detection", c.verify_crawlers);
  }
  if (const YAML::Node s = root["surge"]; s.IsDefined() &&
      r.Map(s, "surge", {"window_days", "min_history_days", "evaluate_every", "report_days", "report_sites"})) {
    r.Int(s, "window_days", "surge", c.window_days, 7, 3650);
    r.Int(s, "min_history_days", "surge", c.min_history_days, 1, 3650);
    if (c.min_history_days > c.window_days) r.Add(s["min_history_days"], "surge.min_history_days", Tr("config.history_window"));
    r.Duration(s, "evaluate_every", "surge", c.evaluate_every_s, 60, 86400);
    r.Int(s, "report_days", "surge", c.report_days, 1, 3660);
    r.Int(s, "report_sites", "surge", c.report_sites, 1, 10000);
  }
  if (const YAML::Node t = root["retention"]; t.IsDefined() && r.Map(t, "retention", {"findings_days", "hourly_days"})) {
    r.Int(t, "findings_days", "retention", c.findings_days, 1, 3660);
    r.Int(t, "hourly_days", "retention", c.hourly_days, 400, 3660);
    if (c.findings_days > c.hourly_days) r.Add(t["findings_days"], "retention.findings_days", Tr("config.retention_order"));
  }
  if (root["alerts"].IsDefined()) ReadAlerts(r, root["alerts"], c);
  if (const YAML::Node m = root["metrics"]; m.IsDefined() && r.Map(m, "metrics", {"enabled", "listen", "allow_remote"})) {
    r.Bool(m, "enabled", "metrics", c.metrics);
    r.Bool(m, "allow_remote", "metrics", c.metrics_allow_remote);
    if (r.Str(m, "listen", "metrics", c.metrics_listen)) {
      bool loopback = false;
      if (!Listen(c.metrics_listen, loopback)) {
        r.Add(m["listen"], "metrics.listen", Tr("config.bad_listen"));
      } else if (!loopback && !c.metrics_allow_remote) {
        r.Add(m["listen"], "metrics.listen", Tr("config.remote_listen"));
      }
    }
  }
  if (const YAML::Node m = root["report"]; m.IsDefined() && r.Map(m, "report", {"path", "url"})) {
    if (r.Str(m, "path", "report", c.report_path) && (c.report_path.empty() || c.report_path.front() != '/')) {
      r.Add(m["path"], "report.path", Tr("config.not_absolute"));
    }
    if (r.Str(m, "url", "report", c.report_url) && !Url(c.report_url)) r.Add(m["url"], "report.url", Tr("config.bad_url"));
  }
  std::size_t logs = c.mail_logs.size();
  for (const Site& s : c.sites) logs += s.logs.size();
  if (logs == 0 && c.mail_services.empty() && problems.empty()) {
    r.AddProblem({name, 0, 0, "", Tr("config.no_input")});
  }
  return c;
}

std::vector<std::pair<std::string, pipeline::InputOptions>> Inputs(const Config& c) {
  std::vector<std::pair<std::string, pipeline::InputOptions>> out;
  const auto add = [&](const std::string& path, const pipeline::InputOptions& in) {
    // Its rotated copies first (oldest first): lines written just before a rotation, or while
    // keikai was stopped, are in them.
    for (std::string& copy : ingest::RotatedCopies(path)) out.emplace_back(std::move(copy), in);
    out.emplace_back(path, in);
  };
  for (const Site& site : c.sites) {
    pipeline::InputOptions in;
    in.site = site.name;
    if (!site.trusted_proxies.empty()) {
      std::vector<http::IpPrefix> proxies;
      for (const std::string& t : site.trusted_proxies) {
        http::IpPrefix p;
        if (http::IpPrefix::Parse(t, p)) proxies.push_back(p);
      }
      in.trusted_proxies = proxies;
    }
    for (const LogFile& f : site.logs) {
      pipeline::InputOptions fin = in;
      if (!f.format.empty()) fin.log_format = f.format;
      add(f.path, fin);
    }
  }
  const std::string zone = !c.mail_log_timezone.empty() ? c.mail_log_timezone : c.timezone;
  for (const LogFile& f : c.mail_logs) {
    pipeline::InputOptions in;
    in.site = c.mail_site;
    if (!f.format.empty()) in.log_format = f.format;
    if (!zone.empty()) {
      if (const auto z = TimeZone::Make(zone)) in.log_zone_offset = z->OffsetAt(std::time(nullptr));
    }
    add(f.path, in);
  }
  return out;
}

Config Load(const std::string& path, std::vector<Problem>& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back({path, 0, 0, "", FillTemplate(Tr("config.unreadable"), {{"{detail}", std::strerror(errno)}})});
    Config c;
    c.file = path;
    return c;
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxBytes) break;  // Parse says it is too large
  }
  return Parse(text, path, problems);
}

}  // namespace keikai::config
