#include "mail_cmd.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "prober.h"
#include "mail_scan_cmd.h"
#include "keikai/config/config.h"
#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/ingest/source.h"
#include "keikai/mail/log.h"
#include "keikai/mail/probe.h"
#include "keikai/mail/summary.h"
#include "keikai/mail/incidents.h"
#include "keikai/geo/geo.h"
#include "keikai/report/build.h"
#include "keikai/report/mail.h"
#include "keikai/report/render.h"
#include "keikai/store/store.h"
#include "keikai/http/ip.h"
#include "keikai/core/files.h"
#include "notify/smtp.h"

namespace keikai::cli {

struct MailCommandArgs {
  MailScanArgs scan;
  // mail logs
  std::vector<std::string> logs;
  std::string log_tz, log_format, logs_format = "text";
  std::size_t top = 20;
  std::string geoip, home_country = "JP";
  std::string db, tz;  // probes from this store; times shown in this zone
  // mail probe
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

std::string Text(const mail::ProbeResult& r, int64_t now) {
  std::string line = r.name + " " + r.host + ":" + std::to_string(r.port) + "  ";
  line += r.ok ? Tr("mail.ok") : FillTemplate(Tr("mail.failed"), {{"{phase}", r.failed_phase},
                                                                          {"{why}", report::FailureText(r.failure)}});
  line += "  " + report::MsText(r.total_ms()) + " ms  (";
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    line += (i ? ", " : "") + r.phases[i].name + " " + report::MsText(r.phases[i].ms);
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
      if (Status cr = Prober::TargetOf(s, t); !cr.ok()) {
        Error(cr, "mail.services: " + (s.name.empty() ? s.protocol : s.name));
        return 2;
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

nlohmann::ordered_json CountsJson(const mail::Counts& c) {
  nlohmann::ordered_json symptoms = nlohmann::ordered_json::object();
  for (int i = 1; i < mail::kSymptomCount; ++i) {
    if (c.symptoms[i] > 0) symptoms[std::string(mail::SymptomName(static_cast<mail::Symptom>(i)))] = c.symptoms[i];
  }
  return {{"records", c.records}, {"connections", c.connections}, {"auth_failures", c.auth_failures},
          {"lost", c.lost}, {"symptoms", symptoms}};
}

std::string SymptomsText(const mail::Counts& c) { return report::SymptomsText(c.symptoms); }

std::string IncidentText(const mail::Incident& inc) {
  char share[32];
  std::snprintf(share, sizeof share, "%.0f%%", inc.overseas_share * 100);
  std::string out = FillTemplate(Tr("mail.incident"), {{"{start}", FormatIsoUtc(inc.start)}, {"{end}", FormatIsoUtc(inc.end)},
                                                       {"{kind}", report::KindText(inc.kind)},
                                                       {"{connections}", std::to_string(inc.connections)},
                                                       {"{baseline}", std::to_string(static_cast<int64_t>(inc.baseline_per_minute + 0.5))},
                                                       {"{symptoms}", report::SymptomsText(inc.symptoms)}, {"{share}", share}}) + "\n";
  for (std::size_t i = 0; i < inc.sources.size() && i < 10; ++i) {
    const mail::IncidentSource& s = inc.sources[i];
    char line[256];
    std::snprintf(line, sizeof line, "    %-39s %8llu %10.1f %s\n", s.address.c_str(),
                  static_cast<unsigned long long>(s.connections), s.excess, s.country.empty() ? "-" : s.country.c_str());
    out += line;
  }
  for (std::size_t i = 0; i < inc.networks.size() && i < 5; ++i) {
    char line[256];
    std::snprintf(line, sizeof line, "    %-39s %10.1f (%llu)\n", inc.networks[i].key.c_str(), inc.networks[i].excess,
                  static_cast<unsigned long long>(inc.networks[i].sources));
    out += line;
  }
  return out;
}

// keikai mail logs FILES: per-source and per-minute counts of Postfix and Dovecot logs.
int RunLogs(const MailCommandArgs& a) {
  if (a.logs_format != "text" && a.logs_format != "json" && a.logs_format != "html") {
    Error(FillTemplate(Tr("err.report_format"), {{"{format}", a.logs_format}}));
    return 2;
  }
  // Times shown to people: --tz; else JST in Japanese; else --log-tz; else UTC (JSON is UTC).
  std::optional<TimeZone> shown;
  if (!a.tz.empty() || CurrentLang() == Lang::kJa || !a.log_tz.empty()) {
    const std::string name = !a.tz.empty() ? a.tz : CurrentLang() == Lang::kJa ? "Asia/Tokyo" : a.log_tz;
    shown = TimeZone::Make(name);
    if (!shown) {
      Error(std::string(Tr("err.bad_tz")) + ": " + name);
      return 2;
    }
  }
  const TimeZone display = shown ? *shown : TimeZone::Utc();
  // The probes' store, opened before the logs are read (a wrong path is said at once).
  std::unique_ptr<store::Store> st;
  if (!a.db.empty()) {
    store::OpenOptions oo;
    oo.write = false;
    oo.create = false;
    auto opened = store::Open(a.db, oo);
    if (!opened.ok()) {
      Error(opened.status(), "--db");
      return 2;
    }
    st = std::move(opened).value();
  }
  if (!a.log_format.empty() && mail::FindFormat(a.log_format) == nullptr) {
    Error("--log-format: " + a.log_format + ": " + Tr("mail.not_a_mail_format"));
    return 2;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  int32_t zone = TimeZone::Make("localtime") ? TimeZone::Make("localtime")->OffsetAt(now) : 0;
  if (!a.log_tz.empty()) {
    const auto z = TimeZone::Make(a.log_tz);
    if (!z) {
      Error(std::string(Tr("err.bad_tz")) + ": " + a.log_tz);
      return 2;
    }
    zone = z->OffsetAt(now);
  }
  auto files = ingest::ExpandInputs(a.logs);
  if (!files.ok()) {
    Error(files.status());
    return 2;
  }
  mail::LogSummary sum;
  nlohmann::ordered_json file_rows = nlohmann::ordered_json::array();
  bool failed = false;
  // (path, format, lines read) for the second pass, which reads no further than the first did
  // (a live log may have grown since).
  struct Readable {
    std::string path, format;
    uint64_t lines;
  };
  std::vector<Readable> readable;
  const auto failed_file = [&](const std::string& path, const std::string& why) {
    Error(path + ": " + why);
    failed = true;
    file_rows.push_back({{"path", path}, {"error", why}});
  };
  for (const std::string& path : files.value()) {
    auto src = ingest::LineSource::Open(path);
    if (!src.ok()) {
      failed_file(path, src.status().message());
      continue;
    }
    std::unique_ptr<ingest::LineSource> in = std::move(src).value();
    std::vector<std::string> head;
    std::string_view line;
    bool too_long = false;
    while (head.size() < 64 && in->Next(line, too_long)) head.emplace_back(line);
    std::vector<std::string_view> views(head.begin(), head.end());
    const std::string format = !a.log_format.empty() ? a.log_format : mail::DetectFormat(views, now, zone);
    if (format.empty()) {
      failed_file(path, Tr("mail.not_a_mail_log"));
      continue;
    }
    mail::LogParser parser(format, now, zone);
    uint64_t n = 0, records = 0, bad = 0;
    const auto one = [&](std::string_view l) {
      ++n;
      mail::Record r;
      ingest::ParseError err;
      const ingest::LineKind k = parser.Parse(l, r, err);
      if (k == ingest::LineKind::kBad) ++bad;
      if (k != ingest::LineKind::kRecord) return;
      ++records;
      sum.Add(r);
    };
    for (const std::string& h : head) one(h);
    while (in->Next(line, too_long)) one(line);
    nlohmann::ordered_json row = {{"path", path}, {"format", format}, {"lines", n}, {"records", records}, {"bad_lines", bad}};
    if (!in->status().ok()) {
      Error(in->status(), path);
      failed = true;
      row["error"] = in->status().message();
    } else if (n > 0 && records == 0) {
      // Not one line of it is a mail record in this format (a wrong --log-format): no all-clear.
      const std::string why = FillTemplate(Tr("mail.no_records"), {{"{format}", format}});
      Error(path + ": " + why);
      failed = true;
      row["error"] = why;
    }
    file_rows.push_back(std::move(row));
    readable.push_back({path, format, n});
    if (a.logs_format == "text") {
      std::printf("%s\n", TerminalSafe(FillTemplate(Tr("mail.logs_file"), {{"{path}", path}, {"{format}", format},
                                                                             {"{lines}", std::to_string(n)},
                                                                             {"{records}", std::to_string(records)},
                                                                             {"{bad}", std::to_string(bad)}}))
                                 .c_str());
    }
  }
  const auto top = sum.TopSources(a.top);
  // Delay incidents: the windows from the minutes, then each source's share (a second pass).
  mail::IncidentOptions io;
  io.home_country = a.home_country;
  std::unique_ptr<geo::GeoDb> geodb;
  if (auto g = geo::Open(a.geoip, DefaultCacheDir()); g.ok()) {
    geodb = std::move(g).value();
  } else if (!a.geoip.empty()) {
    Error(g.status(), "--geoip");
    return 2;
  }
  if (geodb) {
    io.country = [&geodb](const std::string& address) {
      http::IpAddr ip;
      return http::IpAddr::Parse(address, ip) ? geodb->Lookup(ip) : std::string();
    };
  }
  double baseline = 0;
  auto windows = mail::IncidentWindows(sum, io, &baseline);
  mail::IncidentAttribution attribution(windows, sum.first(), sum.last());
  if (!windows.empty()) {
    for (const Readable& f : readable) {
      auto src = ingest::LineSource::Open(f.path);
      if (!src.ok()) {
        failed_file(f.path, src.status().message());
        continue;
      }
      mail::LogParser parser(f.format, now, zone);
      std::string_view l;
      bool tl = false;
      for (uint64_t n = 0; n < f.lines && src.value()->Next(l, tl); ++n) {
        mail::Record r;
        ingest::ParseError err;
        if (parser.Parse(l, r, err) == ingest::LineKind::kRecord) attribution.Add(r);
      }
      if (!src.value()->status().ok()) failed_file(f.path, src.value()->status().message());
    }
  }
  const std::vector<mail::Incident> incidents = attribution.Incidents(sum, io, baseline);
  // Probe latency of the same time (and the day before, for its baseline), its delays judged by
  // these logs' incidents.
  report::Report page;
  page.version = KEIKAI_VERSION;
  page.generated_at = display.FormatTime(now);
  page.timezone = display.name() + " (UTC" + TimeZone::FormatOffset(display.OffsetAt(now)) + ")";
  const int64_t logs_from = sum.first() - sum.first() % 60, logs_to = sum.last() - sum.last() % 60 + 60;
  if (st != nullptr && sum.totals().records > 0) {
    auto probes = report::LoadProbes(*st, logs_from - 86400, logs_to + 3600);
    if (!probes.ok()) {
      Error(probes.status(), "--db");
      return 2;
    }
    page.mail = report::BuildMailSection(probes.value(), &incidents, logs_from, logs_to, mail::LatencyOptions{});
  } else {
    page.mail = report::BuildMailSection({}, &incidents, logs_from, logs_to, mail::LatencyOptions{});
  }
  page.mail.tz = display;
  if (a.logs_format == "html") {
    const std::string html = report::RenderMailHtml(page);
    std::fwrite(html.data(), 1, html.size(), stdout);
    return failed ? 1 : 0;
  }
  if (a.logs_format == "json") {
    nlohmann::ordered_json minutes = nlohmann::ordered_json::array();
    for (const auto& [m, c] : sum.minutes()) {
      nlohmann::ordered_json row = {{"minute", FormatIsoUtc(m)}};
      const nlohmann::ordered_json counts = CountsJson(c);
      for (auto it = counts.begin(); it != counts.end(); ++it) row[it.key()] = it.value();
      minutes.push_back(row);
    }
    nlohmann::ordered_json sources = nlohmann::ordered_json::array();
    for (const mail::SourceCounts& s : top) {
      nlohmann::ordered_json row = {{"address", s.address}};
      const nlohmann::ordered_json counts = CountsJson(s.counts);
      for (auto it = counts.begin(); it != counts.end(); ++it) row[it.key()] = it.value();
      row["peak_connections_per_minute"] = s.peak_minute;
      row["peak_minute"] = s.peak_minute > 0 ? nlohmann::ordered_json(FormatIsoUtc(s.peak_at)) : nlohmann::ordered_json();
      row["first"] = FormatIsoUtc(s.first);
      row["last"] = FormatIsoUtc(s.last);
      sources.push_back(row);
    }
    nlohmann::ordered_json out = {{"complete", !failed},
                                  {"files", file_rows},
                                  {"first", sum.totals().records ? nlohmann::ordered_json(FormatIsoUtc(sum.first())) : nlohmann::ordered_json()},
                                  {"last", sum.totals().records ? nlohmann::ordered_json(FormatIsoUtc(sum.last())) : nlohmann::ordered_json()},
                                  {"totals", CountsJson(sum.totals())},
                                  {"source_count", sum.sources()},
                                  {"records_of_sources_not_kept_apart", sum.other_source_count()},
                                  {"records_of_minutes_not_kept_apart", sum.other_minutes().records},
                                  {"sources", sources},
                                  {"incidents", report::LogIncidentsJson(incidents)},
                                  {"probes", st != nullptr ? report::MailJson(page.mail) : nlohmann::ordered_json()},
                                  {"minutes", minutes}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return failed ? 1 : 0;
  }
  const mail::Counts& t = sum.totals();
  std::printf("%s\n", FillTemplate(Tr("mail.logs_totals"),
                                   {{"{records}", std::to_string(t.records)}, {"{connections}", std::to_string(t.connections)},
                                    {"{failures}", std::to_string(t.auth_failures)}, {"{lost}", std::to_string(t.lost)},
                                    {"{sources}", std::to_string(sum.sources())}})
                          .c_str());
  std::printf("%s %s\n", Tr("mail.logs_symptoms"), SymptomsText(t).c_str());
  if (sum.other_source_count() + sum.other_minutes().records > 0) {
    std::printf("%s\n", FillTemplate(Tr("mail.logs_not_apart"), {{"{sources}", std::to_string(sum.other_source_count())},
                                                                  {"{minutes}", std::to_string(sum.other_minutes().records)}})
                            .c_str());
  }
  if (t.records > 0) std::printf("%s %s .. %s\n", Tr("mail.logs_span"), FormatIsoUtc(sum.first()).c_str(), FormatIsoUtc(sum.last()).c_str());
  std::printf("%s\n", Tr("mail.logs_sources_header"));
  for (const mail::SourceCounts& s : top) {
    std::printf("  %-39s %8llu %8llu %8llu %6llu  %s\n", TerminalSafe(s.address).c_str(),
                static_cast<unsigned long long>(s.counts.connections), static_cast<unsigned long long>(s.counts.auth_failures),
                static_cast<unsigned long long>(s.counts.lost), static_cast<unsigned long long>(s.peak_minute),
                SymptomsText(s.counts).c_str());
  }
  // The busiest minutes by symptoms, then connections.
  std::vector<std::pair<int64_t, const mail::Counts*>> ms;
  for (const auto& [m, c] : sum.minutes()) ms.emplace_back(m, &c);
  const auto weight = [](const mail::Counts* c) {
    uint64_t w = 0;
    for (int i = 1; i < mail::kSymptomCount; ++i) w += i == static_cast<int>(mail::Symptom::kScreenPass) ? 0 : c->symptoms[i];
    return w;
  };
  std::stable_sort(ms.begin(), ms.end(), [&](const auto& x, const auto& y) {
    if (weight(x.second) != weight(y.second)) return weight(x.second) > weight(y.second);
    return x.second->connections > y.second->connections;
  });
  for (const mail::Incident& inc : incidents) std::printf("%s", TerminalSafe(IncidentText(inc)).c_str());
  if (st != nullptr) std::printf("%s", TerminalSafe(report::MailText(page.mail)).c_str());
  std::printf("%s\n", Tr("mail.logs_minutes_header"));
  for (std::size_t i = 0; i < ms.size() && i < 10; ++i) {
    std::printf("  %s %8llu %8llu %8llu  %s\n", FormatIsoUtc(ms[i].first).c_str(),
                static_cast<unsigned long long>(ms[i].second->connections),
                static_cast<unsigned long long>(ms[i].second->auth_failures),
                static_cast<unsigned long long>(ms[i].second->lost), SymptomsText(*ms[i].second).c_str());
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
  c.logs = mail->add_subcommand("logs", Tr("cmd.mail_logs"));
  c.logs->add_option("files", a.logs, Tr("opt.mail_logs_files"))->required();
  c.logs->add_option("--log-tz", a.log_tz, Tr("opt.log_tz"));
  c.logs->add_option("--log-format", a.log_format, Tr("opt.mail_logs_format_in"));
  c.logs->add_option("--format", a.logs_format, Tr("opt.mail_logs_format"));
  c.logs->add_option("--geoip", a.geoip, Tr("opt.geoip"));
  c.logs->add_option("--home-country", a.home_country, Tr("opt.home_country"));
  c.logs->add_option("--db", a.db, Tr("opt.mail_logs_db"));
  c.logs->add_option("--tz", a.tz, Tr("opt.tz"));
  c.logs->add_option("--top", a.top, Tr("opt.mail_logs_top"))->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
  c.scan = AddMailScan(*mail, a.scan);
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
  if (c.logs != nullptr && c.logs->parsed()) return RunLogs(*c.args);
  if (c.scan != nullptr && c.scan->parsed()) return RunMailScan(c.args->scan);
  return -1;
}

}  // namespace keikai::cli
