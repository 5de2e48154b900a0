#include "mail_cmd.h"

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "keikai/config/config.h"
#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/mail/probe.h"
#include "notify/smtp.h"

namespace keikai::cli {

struct MailCommandArgs {
  std::vector<std::string> targets;  // PROTOCOL://HOST[:PORT]
  std::string config;
  std::string credentials, ca_file, format = "text";
  bool no_verify = false;
  int timeout_s = 10;
};

namespace {

// "imaps://mail.example.jp:9993" -> target; false with why.
bool ParseTarget(const std::string& s, mail::ProbeTarget& t, std::string& why) {
  const std::size_t sep = s.find("://");
  if (sep == std::string::npos) {
    why = Tr("mail.target_form");
    return false;
  }
  t.protocol = s.substr(0, sep);
  if (!mail::KnownProtocol(t.protocol)) {
    why = Tr("mail.unknown_protocol");
    return false;
  }
  std::string rest = s.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host = rest, port;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const std::size_t close = rest.find(']');
    if (close == std::string::npos) {
      why = Tr("mail.target_form");
      return false;
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" /\t") != std::string::npos) {
    why = Tr("mail.target_form");
    return false;
  }
  t.host = host;
  if (!port.empty()) {
    int64_t p = 0;
    if (!ParseDecimal(port, p) || p < 1 || p > 65535) {
      why = Tr("mail.bad_port");
      return false;
    }
    t.port = static_cast<int>(p);
  }
  return true;
}

std::string FailureText(const std::string& kind) {
  const std::string key = "mail.failure." + kind;
  return HasMsg(key) ? Tr(key) : kind;
}

std::string Ms(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, ms < 10 ? "%.2f" : ms < 1000 ? "%.1f" : "%.0f", ms);
  return b;
}

std::string Text(const mail::ProbeResult& r, int64_t now) {
  std::string line = r.name + " " + r.host + ":" + std::to_string(r.port) + "  ";
  line += r.ok ? Tr("mail.ok") : FillTemplate(Tr("mail.failed"), {{"{phase}", r.failed_phase},
                                                                          {"{why}", FailureText(r.failure)}});
  line += "  " + Ms(r.total_ms()) + " ms  (";
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    line += (i ? ", " : "") + r.phases[i].name + " " + Ms(r.phases[i].ms);
  }
  line += " ms)";
  if (!r.ok && !r.detail.empty()) line += "\n    " + r.detail;
  if (r.cert_not_after > 0) {
    const int64_t days = (r.cert_not_after - now) / 86400;
    line += "\n    " + FillTemplate(Tr(r.cert_not_after < now ? "mail.cert_expired" : "mail.cert_until"),
                                            {{"{date}", FormatDate(r.cert_not_after / 86400)},
                                             {"{days}", std::to_string(days)}});
  }
  return line;
}

nlohmann::ordered_json Json(const mail::ProbeResult& r, int64_t now) {
  nlohmann::ordered_json phases = nlohmann::ordered_json::array();
  for (const mail::ProbePhase& p : r.phases) phases.push_back({{"name", p.name}, {"ms", p.ms}});
  nlohmann::ordered_json j = {{"name", r.name},   {"protocol", r.protocol}, {"host", r.host},     {"port", r.port},
                      {"time", r.time},   {"ok", r.ok},             {"total_ms", r.total_ms()},
                      {"phases", phases}, {"tls", r.tls}};
  if (!r.ok) {
    j["failed_phase"] = r.failed_phase;
    j["failure"] = r.failure;
    j["detail"] = r.detail;
  }
  if (r.cert_not_after > 0) {
    j["cert_not_after"] = FormatDate(r.cert_not_after / 86400);
    j["cert_days_left"] = (r.cert_not_after - now) / 86400;
  }
  return j;
}

int RunProbe(const MailCommandArgs& a) {
  if (a.format != "text" && a.format != "json") {
    Error(FillTemplate(Tr("err.report_format"), {{"{format}", a.format}}));
    return 2;
  }
  std::vector<mail::ProbeTarget> targets;
  if (!a.config.empty()) {
    std::vector<config::Problem> problems;
    const config::Config c = config::Load(a.config, problems);
    for (const config::Problem& p : problems) Error(p.ToString());
    if (!problems.empty()) return 2;
    for (const config::MailService& s : c.mail_services) {
      mail::ProbeTarget t;
      t.name = s.name;
      t.protocol = s.protocol;
      t.host = s.host;
      t.port = s.port;
      t.starttls = s.starttls;
      t.timeout_s = s.timeout_s;
      t.ca_file = s.ca_file;
      if (!s.credentials.empty()) {
        Status cr = notify::ReadCredentials(s.credentials, t.user, t.password);
        if (!cr.ok()) {
          Error(cr, "mail.services: " + (s.name.empty() ? s.protocol : s.name));
          return 2;
        }
      }
      targets.push_back(std::move(t));
    }
  }
  std::string user, password;
  if (!a.credentials.empty()) {
    Status cr = notify::ReadCredentials(a.credentials, user, password);
    if (!cr.ok()) {
      Error(cr, "--credentials");
      return 2;
    }
  }
  for (const std::string& s : a.targets) {
    mail::ProbeTarget t;
    std::string why;
    if (!ParseTarget(s, t, why)) {
      Error(s + ": " + why);
      return 2;
    }
    t.user = user;
    t.password = password;
    t.ca_file = a.ca_file;
    t.verify = !a.no_verify;
    t.timeout_s = a.timeout_s;
    targets.push_back(std::move(t));
  }
  if (targets.empty()) {
    Error(Tr("mail.no_targets"));
    return 2;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  bool failed = false;
  for (const mail::ProbeTarget& t : targets) {
    const mail::ProbeResult r = mail::Probe(t);
    failed = failed || !r.ok;
    if (a.format == "json") {
      all.push_back(Json(r, now));
    } else {
      std::printf("%s\n", TerminalSafe(Text(r, now)).c_str());
    }
  }
  if (a.format == "json") {
    std::printf("%s\n", nlohmann::ordered_json({{"probes", all}}).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace

MailCommands AddMailCommands(CLI::App& app) {
  MailCommands c;
  c.args = std::make_shared<MailCommandArgs>();
  MailCommandArgs& a = *c.args;
  CLI::App* mail = app.add_subcommand("mail", Tr("cmd.mail"));
  mail->require_subcommand(1);
  c.probe = mail->add_subcommand("probe", Tr("cmd.mail_probe"));
  c.probe->add_option("targets", a.targets, Tr("opt.probe_targets"));
  c.probe->add_option("--config", a.config, Tr("opt.probe_config"));
  c.probe->add_option("--credentials", a.credentials, Tr("opt.probe_credentials"));
  c.probe->add_option("--ca-file", a.ca_file, Tr("opt.probe_ca"));
  c.probe->add_flag("--no-verify", a.no_verify, Tr("opt.probe_no_verify"));
  c.probe->add_option("--timeout", a.timeout_s, Tr("opt.probe_timeout"))->check(CLI::Range(1, 300));
  c.probe->add_option("--format", a.format, Tr("opt.probe_format"));
  return c;
}

int RunMailCommands(const MailCommands& c) {
  if (c.probe != nullptr && c.probe->parsed()) return RunProbe(*c.args);
  return -1;
}

}  // namespace keikai::cli
