// The report's mail section (model.h MailSection): latency per service and phase over time, and
// the delay incidents with their causes.
#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "keikai/report/build.h"
#include "keikai/report/model.h"
#include "keikai/report/mail.h"
#include "keikai/core/i18n.h"
#include "report/format.h"

namespace keikai::report {
mail::ProbeResult ProbeFromRow(const store::ProbeRow& row) {
  mail::ProbeResult r;
  r.name = row.service;
  r.protocol = row.protocol;
  r.host = row.host;
  r.port = row.port;
  r.time = row.time;
  r.ok = row.ok;
  r.failed_phase = row.failed_phase;
  r.failure = row.failure;
  r.detail = row.detail;
  r.cert_not_after = row.cert_not_after;
  r.tls = row.cert_not_after > 0;
  // The phases as stored; a row that is not the array written by ProbeRowOf keeps none.
  const nlohmann::json phases = nlohmann::json::parse(row.phases, nullptr, false);
  if (phases.is_array()) {
    for (const auto& p : phases) {
      if (p.is_object() && p.contains("name") && p["name"].is_string() && p.contains("ms") && p["ms"].is_number()) {
        r.phases.push_back({p["name"].get<std::string>(), p["ms"].get<double>()});
      }
    }
  }
  return r;
}

store::ProbeRow ProbeRowOf(const mail::ProbeResult& r) {
  store::ProbeRow row;
  row.service = r.name;
  row.protocol = r.protocol;
  row.host = r.host;
  row.port = r.port;
  row.time = r.time;
  row.ok = r.ok;
  row.failed_phase = r.failed_phase;
  row.failure = r.failure;
  row.detail = r.detail;
  nlohmann::json phases = nlohmann::json::array();
  for (const mail::ProbePhase& p : r.phases) phases.push_back({{"name", p.name}, {"ms", p.ms}});
  row.phases = phases.dump();
  row.cert_not_after = r.cert_not_after;
  return row;
}

Result<std::vector<mail::ProbeResult>> LoadProbes(store::Store& st, int64_t from, int64_t to) {
  auto rows = st.ProbesBetween("", from, to);
  if (!rows.ok()) return rows.status();
  std::vector<mail::ProbeResult> out;
  out.reserve(rows.value().size());
  for (const store::ProbeRow& row : rows.value()) out.push_back(ProbeFromRow(row));
  return out;
}

MailSection BuildMailSection(const std::vector<mail::ProbeResult>& probes, const std::vector<mail::Incident>* logs,
                             int64_t logs_from, int64_t logs_to, const mail::LatencyOptions& o, std::size_t max_points) {
  MailSection m;
  m.services = mail::SummarizeLatency(probes);
  m.latency_incidents = mail::LatencyIncidents(probes, m.services, o);
  if (logs != nullptr) {
    m.logs_read = true;
    m.logs_from = logs_from;
    m.logs_to = logs_to;
    m.log_incidents = *logs;
    mail::Attribute(m.latency_incidents, *logs, logs_from, logs_to);
  }
  if (probes.empty()) return m;
  m.from = m.to = probes.front().time;
  for (const mail::ProbeResult& p : probes) {
    m.from = std::min(m.from, p.time);
    m.to = std::max(m.to, p.time);
  }
  // The charts: per service, its probes in time order, folded into at most max_points buckets
  // (the worst probe of each phase per bucket: a chart of a week must still show a minute's
  // spike).
  for (const mail::ServiceLatency& s : m.services) {
    MailSection::Series series;
    series.service = s.service;
    for (const mail::PhaseLatency& p : s.phases) series.phases.push_back(p.name);
    std::vector<const mail::ProbeResult*> rs;
    for (const mail::ProbeResult& p : probes) {
      if ((p.name.empty() ? p.protocol : p.name) == s.service) rs.push_back(&p);
    }
    std::stable_sort(rs.begin(), rs.end(), [](const auto* a, const auto* b) { return a->time < b->time; });
    const int64_t span = rs.back()->time - rs.front()->time + 1;
    if (rs.size() > std::max<std::size_t>(1, max_points)) {
      series.bucket_s = std::max<int64_t>(60, (span + static_cast<int64_t>(max_points) - 1) / static_cast<int64_t>(max_points));
    }
    for (const mail::ProbeResult* r : rs) {
      const int64_t t = series.bucket_s > 0 ? r->time - (r->time - rs.front()->time) % series.bucket_s : r->time;
      if (series.points.empty() || series.points.back().time != t) {
        series.points.push_back({t, std::vector<double>(series.phases.size(), -1.0), false});
      }
      MailSection::Point& pt = series.points.back();
      pt.failed = pt.failed || !r->ok;
      for (const mail::ProbePhase& ph : r->phases) {
        const auto it = std::find(series.phases.begin(), series.phases.end(), ph.name);
        if (it == series.phases.end()) continue;
        double& v = pt.ms[static_cast<std::size_t>(it - series.phases.begin())];
        v = std::max(v, ph.ms);
      }
    }
    m.series.push_back(std::move(series));
  }
  return m;
}


namespace {

using nlohmann::ordered_json;

ordered_json SymptomsJson(const std::array<uint64_t, mail::kSymptomCount>& symptoms) {
  ordered_json o = ordered_json::object();
  for (int i = 1; i < mail::kSymptomCount; ++i) {
    if (symptoms[i] > 0) o[std::string(mail::SymptomName(static_cast<mail::Symptom>(i)))] = symptoms[i];
  }
  return o;
}

}  // namespace

std::string PhaseText(const std::string& phase) {
  const std::string key = "mail.phase." + phase;
  return HasMsg(key) ? Tr(key) : phase;
}

std::string KindText(const std::string& kind) {
  const std::string key = "mail.kind." + kind;
  return HasMsg(key) ? Tr(key) : kind;
}

// "timeout@connect" -> "timed out (connect)"
std::string FailureText(const std::string& key) {
  const std::size_t at = key.find('@');
  const std::string kind = key.substr(0, at), phase = at == std::string::npos ? "" : key.substr(at + 1);
  const std::string k = "mail.failure." + kind;
  return (HasMsg(k) ? Tr(k) : kind) + (phase.empty() ? "" : " (" + PhaseText(phase) + ")");
}

std::string MsText(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, ms < 10 ? "%.2f" : ms < 1000 ? "%.1f" : "%.0f", ms);
  return b;
}

std::string SymptomsText(const std::array<uint64_t, mail::kSymptomCount>& symptoms) {
  std::string out;
  for (int i = 1; i < mail::kSymptomCount; ++i) {
    if (symptoms[i] == 0) continue;
    const std::string name(mail::SymptomName(static_cast<mail::Symptom>(i)));
    const std::string key = "mail.symptom." + name;
    out += (out.empty() ? "" : ", ") + (HasMsg(key) ? Tr(key) : name) + " " + std::to_string(symptoms[i]);
  }
  return out.empty() ? "-" : out;
}

ordered_json LogIncidentsJson(const std::vector<mail::Incident>& incidents) {
  ordered_json out = ordered_json::array();
  const auto groups = [](const std::vector<mail::IncidentGroup>& gs) {
    ordered_json a = ordered_json::array();
    for (const mail::IncidentGroup& g : gs) a.push_back({{"key", g.key}, {"excess", g.excess}, {"sources", g.sources}});
    return a;
  };
  for (const mail::Incident& inc : incidents) {
    ordered_json sources = ordered_json::array();
    for (const mail::IncidentSource& s : inc.sources) {
      sources.push_back({{"address", s.address}, {"connections", s.connections}, {"baseline_per_minute", s.baseline},
                         {"excess", s.excess}, {"auth_failures", s.auth_failures}, {"country", s.country}});
    }
    out.push_back({{"start", FormatIsoUtc(inc.start)}, {"end", FormatIsoUtc(inc.end)}, {"minutes", inc.minutes}, {"kind", inc.kind},
                   {"connections", inc.connections}, {"auth_failures", inc.auth_failures}, {"lost", inc.lost},
                   {"baseline_per_minute", inc.baseline_per_minute}, {"excess", inc.excess},
                   {"symptoms", SymptomsJson(inc.symptoms)}, {"overseas_share", inc.overseas_share},
                   {"sources", sources}, {"networks", groups(inc.networks)}, {"countries", groups(inc.countries)}});
  }
  return out;
}

ordered_json MailJson(const MailSection& m) {
  ordered_json services = ordered_json::array();
  for (const mail::ServiceLatency& s : m.services) {
    ordered_json phases = ordered_json::array();
    for (const mail::PhaseLatency& p : s.phases) {
      phases.push_back({{"name", p.name}, {"median_ms", p.median_ms}, {"p95_ms", p.p95_ms}, {"max_ms", p.max_ms},
                        {"samples", p.samples}});
    }
    ordered_json failures = ordered_json::object();
    for (const auto& [k, n] : s.failures) failures[k] = n;
    services.push_back({{"service", s.service}, {"protocol", s.protocol}, {"host", s.host}, {"port", s.port},
                        {"probes", s.probes}, {"failed", s.failed}, {"failures", failures}, {"phases", phases}});
  }
  ordered_json series = ordered_json::array();
  for (const MailSection::Series& s : m.series) {
    ordered_json points = ordered_json::array();
    for (const MailSection::Point& p : s.points) {
      ordered_json ms = ordered_json::array();
      for (const double v : p.ms) ms.push_back(v < 0 ? ordered_json() : ordered_json(v));
      points.push_back({{"time", FormatIsoUtc(p.time)}, {"ms", ms}, {"failed", p.failed}});
    }
    series.push_back({{"service", s.service}, {"phases", s.phases}, {"bucket_seconds", s.bucket_s}, {"points", points}});
  }
  ordered_json latency = ordered_json::array();
  for (const mail::LatencyIncident& li : m.latency_incidents) {
    ordered_json peaks = ordered_json::array();
    for (const auto& p : li.peaks) {
      peaks.push_back({{"phase", p.phase}, {"median_ms", p.median_ms}, {"peak_ms", p.peak_ms}, {"at", FormatIsoUtc(p.at)}});
    }
    ordered_json failures = ordered_json::object();
    for (const auto& [k, n] : li.failures) failures[k] = n;
    latency.push_back({{"service", li.service}, {"start", FormatIsoUtc(li.start)}, {"end", FormatIsoUtc(li.end)}, {"kind", li.kind},
                       {"probes", li.probes}, {"slow", li.slow}, {"failed", li.failed}, {"failures", failures},
                       {"peaks", peaks},
                       {"log_incident", li.log_incident < 0 ? ordered_json() : ordered_json(li.log_incident)}});
  }
  ordered_json out = {{"from", m.services.empty() ? ordered_json() : ordered_json(FormatIsoUtc(m.from))},
                      {"to", m.services.empty() ? ordered_json() : ordered_json(FormatIsoUtc(m.to))},
                      {"services", services},
                      {"latency_incidents", latency},
                      {"logs_read", m.logs_read}};
  if (m.logs_read) {
    out["logs_from"] = FormatIsoUtc(m.logs_from);
    out["logs_to"] = FormatIsoUtc(m.logs_to);
    out["log_incidents"] = LogIncidentsJson(m.log_incidents);
  }
  out["series"] = series;
  return out;
}

std::string MailText(const MailSection& m) {
  const TimeZone& tz = m.tz;
  std::string out;
  if (m.services.empty()) return Tr("mail.latency_none") + std::string("\n");  // said, not silent
  out += FillTemplate(Tr("mail.latency_header"), {{"{from}", tz.FormatTime(m.from)}, {"{to}", tz.FormatTime(m.to)}}) + "\n";
  for (const mail::ServiceLatency& s : m.services) {
    out += "  " + FillTemplate(Tr("mail.latency_service"), {{"{service}", s.service}, {"{where}", s.host + ":" + std::to_string(s.port)},
                                                           {"{probes}", std::to_string(s.probes)},
                                                           {"{failed}", std::to_string(s.failed)}}) + "\n";
    for (const mail::PhaseLatency& p : s.phases) {
      char line[160];
      std::snprintf(line, sizeof line, "    %-14s %10s %10s %10s\n", PhaseText(p.name).c_str(), MsText(p.median_ms).c_str(),
                    MsText(p.p95_ms).c_str(), MsText(p.max_ms).c_str());
      out += line;
    }
    for (const auto& [k, n] : s.failures) out += "    " + FailureText(k) + ": " + std::to_string(n) + "\n";
  }
  for (const mail::LatencyIncident& li : m.latency_incidents) {
    std::string peaks;
    for (const auto& p : li.peaks) {
      peaks += (peaks.empty() ? "" : ", ") + PhaseText(p.phase) + " " + MsText(p.peak_ms) + " ms (" + MsText(p.median_ms) + ")";
    }
    std::string failures;
    for (const auto& [k, n] : li.failures) failures += (failures.empty() ? "" : ", ") + FailureText(k) + " " + std::to_string(n);
    out += FillTemplate(Tr("mail.latency_incident"),
                        {{"{service}", li.service}, {"{start}", tz.FormatTime(li.start)}, {"{end}", tz.FormatTime(li.end)},
                         {"{kind}", KindText(li.kind)}, {"{slow}", std::to_string(li.slow)},
                         {"{probes}", std::to_string(li.probes)}, {"{peaks}", peaks.empty() ? "-" : peaks},
                         {"{failures}", failures.empty() ? "-" : failures}}) +
           "\n";
    if (li.log_incident >= 0 && static_cast<std::size_t>(li.log_incident) < m.log_incidents.size()) {
      const mail::Incident& x = m.log_incidents[static_cast<std::size_t>(li.log_incident)];
      std::string who;
      for (std::size_t i = 0; i < x.networks.size() && i < 3; ++i) {
        char b[96];
        std::snprintf(b, sizeof b, "%s%s (%.0f)", i ? ", " : "", x.networks[i].key.c_str(), x.networks[i].excess);
        who += b;
      }
      out += "    " + FillTemplate(Tr("mail.latency_cause"), {{"{start}", tz.FormatTime(x.start)},
                                                              {"{networks}", who.empty() ? "-" : who},
                                                              {"{symptoms}", SymptomsText(x.symptoms)}}) + "\n";
    }
  }
  return out;
}

}  // namespace keikai::report
