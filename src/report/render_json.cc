#include <cmath>

#include <nlohmann/json.hpp>

#include "keikai/core/utf8.h"
#include "keikai/report/alert.h"
#include "keikai/report/mail.h"
#include "keikai/report/render.h"
#include "report/format.h"

namespace keikai::report {
namespace {

using nlohmann::ordered_json;

double Round(double v, int digits) {
  const double p = std::pow(10.0, digits);
  return std::round(v * p) / p;
}

}  // namespace

std::string RenderJson(const Report& r) {
  ordered_json j;
  j["schema"] = "keikai.scan.v2";
  j["status"] = r.status;
  j["problems"] = ordered_json::array();
  for (const Problem& p : r.problems) {
    j["problems"].push_back({{"kind", p.kind}, {"file", p.file}, {"detail", p.detail}});
  }
  j["notes"] = r.notes;
  j["version"] = r.version;
  j["generated_at"] = r.generated_at;
  j["timezone"] = r.timezone;
  j["home_country"] = r.home_country;
  j["first_date"] = r.first_day == kNoDay ? "" : FormatDate(r.first_day);
  j["last_date"] = r.last_day == kNoDay ? "" : FormatDate(r.last_day);
  j["history_days"] = r.history_days;
  j["min_history_days"] = r.min_history_days;
  j["sites"] = r.sites;
  j["other_sites"] = r.other_sites;
  const Summary& s = r.summary;
  j["summary"] = {{"files", s.files},
                  {"lines", s.lines},
                  {"parsed", s.parsed},
                  {"skipped", s.skipped},
                  {"bad_lines", s.bad_lines},
                  {"already_ingested", s.already_ingested},
                  {"requests", s.requests},
                  {"events_by_kind", s.events_by_kind},
                  {"attacks", s.attacks},
                  {"sources", s.sources},
                  {"domestic_attacks", r.domestic_attacks},
                  {"overseas_attacks", r.overseas_attacks},
                  {"unknown_country_attacks", r.unknown_country_attacks},
                  {"seconds", Round(s.seconds, 3)}};
  j["classes"] = ordered_json::object();
  for (const auto& [c, n] : r.classes) j["classes"][c] = n;
  j["daily"] = ordered_json::array();
  for (const DailyRow& d : r.daily) {
    ordered_json o = {{"date", FormatDate(d.day)}, {"site", d.site}, {"class", ClassKey(d.cls)}, {"attacks", d.attacks}};
    if (d.has_baseline) {
      o["baseline"] = Round(d.baseline, 3);
      o["baseline_days"] = d.baseline_days;
      o["ratio"] = Round(d.ratio, 3);
    } else {
      o["baseline"] = nullptr;
      o["baseline_days"] = d.baseline_days;
      o["ratio"] = nullptr;
    }
    if (d.in_surge) o["in_surge"] = true;
    if (d.cls == kAllClasses) o["requests"] = d.requests;
    j["daily"].push_back(std::move(o));
  }
  j["surges"] = ordered_json::array();
  for (const Surge& x : r.surges) {
    ordered_json drivers = ordered_json::array();
    for (const SurgeDriver& d : x.drivers) {
      drivers.push_back({{"ip", d.ip},
                         {"country", d.country},
                         {"country_name", d.country_name},
                         {"attacks", d.attacks},
                         {"classification", d.classification}});
    }
    j["surges"].push_back({{"site", x.site},
                           {"class", ClassKey(x.cls)},
                           {"start", FormatDate(x.start)},
                           {"end", FormatDate(x.end)},
                           {"peak_date", FormatDate(x.peak_day)},
                           {"peak_ratio", Round(x.peak_ratio, 2)},
                           {"peak_attacks", x.peak_attacks},
                           {"baseline", Round(x.baseline, 3)},
                           {"baseline_days", x.baseline_days},
                           {"short_history", x.short_history},
                           {"days", x.days},
                           {"ongoing", x.ongoing},
                           {"start_time", x.start_time},
                           {"first_alarm_time", x.first_alarm_time},
                           {"p_value", x.p_value},
                           {"peak_hour", {{"time", x.peak_hour_time},
                                          {"attacks", x.peak_hour_attacks},
                                          {"expected", Round(x.peak_hour_expected, 3)}}},
                           {"total_attacks", x.total_attacks},
                           {"total_expected", Round(x.total_expected, 1)},
                           {"drivers", drivers},
                           {"alert", SurgeAlertSentence(x)},
                           {"alert_details", SurgeAlertDetails(x)}});
  }
  j["top_sources"] = ordered_json::array();
  for (const SourceRow& x : r.top_sources) {
    ordered_json cls = ordered_json::object();
    for (const auto& [c, n] : x.classes) cls[c] = n;
    j["top_sources"].push_back({{"ip", x.ip},
                                {"country", x.country},
                                {"country_name", x.country_name},
                                {"domestic", x.domestic},
                                {"attacks", x.attacks},
                                {"classes", cls},
                                {"sites", x.sites},
                                {"first_seen", x.first_seen},
                                {"last_seen", x.last_seen},
                                {"classification", x.classification},
                                {"scenarios", x.scenarios},
                                {"evidence", x.evidence}});
  }
  j["other_sources"] = {{"sources", r.other_sources.rows}, {"attacks", r.other_sources.attacks}};
  j["source_classes"] = ordered_json::object();
  for (const auto& [c, n] : r.source_classes) j["source_classes"][c] = n;
  j["countries"] = ordered_json::array();
  for (const CountryRow& c : r.countries) {
    j["countries"].push_back({{"country", c.country},
                              {"name", c.name},
                              {"attacks", c.attacks},
                              {"sources", c.sources},
                              {"domestic", c.domestic}});
  }
  j["top_paths"] = ordered_json::array();
  for (const PathRow& p : r.top_paths) {
    ordered_json cls = ordered_json::object();
    for (const auto& [c, n] : p.classes) cls[c] = n;
    j["top_paths"].push_back({{"path", p.path}, {"attacks", p.attacks}, {"classes", cls}});
  }
  j["other_paths"] = {{"paths", r.other_paths.rows}, {"attacks", r.other_paths.attacks}};
  j["files"] = ordered_json::array();
  for (const FileRow& f : r.files) {
    ordered_json o = {{"path", f.path},
                      {"site", f.site},
                      {"format", f.format},
                      {"lines", f.lines},
                      {"parsed", f.parsed},
                      {"bad_lines", f.bad_lines},
                      {"already_ingested", f.already_ingested},
                      {"held_back", f.held_back}};
    if (!f.error.empty()) {
      o["error"] = f.error;
      o["error_code"] = f.error_code;
    }
    if (!f.detected_format.empty()) o["detected_format"] = f.detected_format;
    j["files"].push_back(std::move(o));
  }
  j["bad_line_samples"] = ordered_json::array();
  for (const BadLineSample& b : r.bad_line_samples) {
    j["bad_line_samples"].push_back({{"file", b.file},
                                     {"line", b.line},
                                     {"column", b.column},
                                     {"reason", b.code},
                                     {"message", Tr("bad." + b.code)},
                                     {"excerpt", b.excerpt}});
  }
  if (!r.mail.empty()) j["mail"] = MailJson(r.mail);  // a report of the store with mail probes
  // Bidi controls from the logs are written as \u escapes: the values are unchanged for a JSON
  // reader, and a person reading the file sees them instead of reordered text.
  return EscapeBidiInJson(j.dump(2, ' ', false, ordered_json::error_handler_t::replace)) + "\n";
}

}  // namespace keikai::report
