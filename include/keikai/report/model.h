#pragma once
// The report document: everything a report shows, computed once from the store and the scan,
// then rendered as text, JSON, NDJSON or HTML. Renderers hold no logic of their own: they format
// these values and translate labels with Tr(). Plain value types.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/mail/incidents.h"
#include "keikai/mail/latency.h"
#include "keikai/pipeline/result.h"

namespace keikai::report {

// A calendar day in the report's time zone, as days since 1970-01-01 (renderers write it with
// FormatDate); kNoDay when there is none. Classes are event class ids (event/event.h), with
// kAllClasses for "all attack classes together"; sites are names, with kAllSites for the fleet.
using Day = int64_t;
constexpr Day kNoDay = INT64_MIN;
constexpr uint8_t kAllClasses = 255;  // the same id as store::kAllClasses
inline constexpr std::string_view kAllSites = "*";
// The class's stable name ("sqli"), or "*" for kAllClasses: how JSON and messages name it.
std::string ClassKey(uint8_t cls);

// What the scan read (pipeline/result.h), shown as it is.
using BadLineSample = pipeline::BadLineSample;
using FileRow = pipeline::FileRow;

// The scan's counts of lines, and the report window's figures from the store.
struct Summary : pipeline::ScanCounts {
  uint64_t requests = 0;       // events in the report window (from the store): requests, mail-log events
  std::map<std::string, uint64_t> events_by_kind;  // the same by event kind ("web", "mail"), kinds seen only
  // Web requests only (or nothing): the events are called requests. Otherwise (mail-log events
  // too) they are called events, with the kinds' counts.
  bool only_requests() const {
    return events_by_kind.empty() || (events_by_kind.size() == 1 && events_by_kind.begin()->first == "web");
  }
  uint64_t attacks = 0;        // requests with at least one detection in the report window
  uint64_t sources = 0;        // distinct attacking source IPs in the report window
};

// One day of one series. A series of one class has rows only on days with attacks or inside
// one of its surges (the other days are zero: sparse); the all-classes series of a site has a
// row for every day of the window.
struct DailyRow {
  Day day = kNoDay;
  std::string site;      // a site name, or kAllSites
  uint8_t cls = kAllClasses;
  uint64_t requests = 0; // all requests that day (only for cls "*")
  uint64_t attacks = 0;
  // The reference level (docs/surge.md): on a day inside a surge, that surge's baseline; on any
  // other day, the mean daily attacks over the window before it, leaving out surge days.
  double baseline = 0;
  uint64_t baseline_days = 0;  // calendar days of history behind it (at most the window)
  bool has_baseline = false;   // at least min_history_days of history (or inside a surge)
  bool in_surge = false;
  double ratio = 0;            // attacks / max(baseline, floor); 0 without a baseline
};

// A source that drove a surge: its attacks on the surge's series between start and last alarm.
struct SurgeDriver {
  std::string ip;
  std::string country;
  std::string country_name;    // in the report's language, "" if unknown
  uint64_t attacks = 0;
  std::string classification;  // from behaviour analysis, "" if unknown
};

struct Surge {
  std::string site;      // site or kAllSites
  uint8_t cls = kAllClasses;
  uint32_t kinds = 0;    // the input kinds of its site's attacks (bit per event::Kind); wording only
  Day start = kNoDay;    // first day of the rise (CUSUM-dated)
  Day end = kNoDay;      // day of the last alarm
  Day peak_day = kNoDay; // the day with the most attacks between start and end
  double peak_ratio = 0; // peak day's attacks / max(baseline, floor): the ratio people read
  uint64_t peak_attacks = 0;
  double baseline = 0;   // mean daily attacks over the window before start, surge days left out
  uint64_t baseline_days = 0;  // calendar days of history that baseline covers (<= the window)
  bool short_history = false;  // fewer than the window's days: the sentence says how many
  uint64_t window_days = 90;   // the baseline window asked for (--window-days)
  uint64_t days = 0;
  bool ongoing = false;  // still alarmed near the end of the data
  // The statistical evidence behind it.
  std::string start_time;        // start hour, with offset
  std::string first_alarm_time;  // when the count test first fired, with offset
  double p_value = 1;            // smallest adjusted p-value of the surge's hours
  uint64_t peak_hour_attacks = 0;
  double peak_hour_expected = 0; // the seasonal expectation for that hour
  std::string peak_hour_time;
  uint64_t total_attacks = 0;    // from start to the last alarm
  double total_expected = 0;
  std::vector<SurgeDriver> drivers;  // the sources with the most attacks in the surge
};

struct SourceRow {
  std::string ip;
  std::string country;   // ISO 3166 alpha-2, "" if unknown
  std::string country_name;  // in the report's language (iso-codes), "" if unknown
  bool domestic = false; // country == home country
  uint64_t attacks = 0;
  std::map<std::string, uint64_t> classes;
  std::vector<std::string> sites;
  std::string first_seen, last_seen;  // formatted in the report time zone
  std::string classification;         // behaviour: scanner, bad-bot, crawler ("" = none)
  std::vector<std::string> scenarios; // behaviour scenario ids that triggered
  std::vector<std::string> evidence;  // why (behaviour lines, then signatures), stable English
  std::vector<std::string> scenario_help;  // what each scenario means, in the report's language
};

struct CountryRow {
  std::string country;   // "" = unknown
  std::string name;      // in the report's language (iso-codes), "" if unknown
  uint64_t attacks = 0;
  uint64_t sources = 0;
  bool domestic = false;
};

struct PathRow {
  std::string path;
  uint64_t attacks = 0;
  std::map<std::string, uint64_t> classes;
};

// The rows a top list leaves out, counted together ("and N other ...").
struct Rest {
  uint64_t rows = 0;     // sources or paths not listed
  uint64_t attacks = 0;  // their attacks
};

// Something that makes the report incomplete, named first in every output.
struct Problem {
  std::string kind;    // "input_error", "mostly_bad", "nothing_read"
  std::string file;    // the input concerned, "" for the whole scan
  std::string detail;  // what happened, in the report's language
};

// The mail services (issue 14): latency per service and phase over time from the probes, the
// delay incidents, and (when the mail logs were read for the time) their causes and the log's own
// incidents. Empty (no services) when there were no probes in the window.
struct MailSection {
  int64_t from = 0, to = 0;      // Unix seconds the probes were taken from
  TimeZone tz = TimeZone::Utc(); // for times shown to people (JSON is UTC)
  std::vector<mail::ServiceLatency> services;
  // A service's chart: phases in protocol order; per point the worst probe of its bucket (each
  // phase's ms, negative when the phase was not reached) and whether a probe in it failed.
  struct Point {
    int64_t time = 0;
    std::vector<double> ms;
    bool failed = false;
  };
  struct Series {
    std::string service;
    std::vector<std::string> phases;
    int64_t bucket_s = 0;        // seconds per point (the probes' own times when 0)
    std::vector<Point> points;
  };
  std::vector<Series> series;
  std::vector<mail::LatencyIncident> latency_incidents;
  bool logs_read = false;        // the causes come from mail logs read for [logs_from, logs_to)
  int64_t logs_from = 0, logs_to = 0;
  std::vector<mail::Incident> log_incidents;
  bool empty() const { return services.empty() && log_incidents.empty(); }
};

// The section from probes (any order; at most max_points points per chart) and, when logs is
// not null, the incidents of the mail logs read for [logs_from, logs_to).
MailSection BuildMailSection(const std::vector<mail::ProbeResult>& probes, const std::vector<mail::Incident>* logs,
                             int64_t logs_from, int64_t logs_to, const mail::LatencyOptions& o,
                             std::size_t max_points = 240);

struct Report {
  // "complete"; "partial" when an input could not be read or most of a file's lines were bad
  // (problems says which); "failed" when nothing could be read at all. Only a complete report
  // can say that all is well.
  std::string status = "complete";
  std::vector<Problem> problems;
  std::vector<std::string> notes;  // what the reader should know that is no problem
  std::string version;         // keikai version
  std::string generated_at;    // formatted in tz, with offset
  std::string timezone;        // e.g. "Asia/Tokyo (+09:00)"
  std::string home_country = "JP";
  Day first_day = kNoDay, last_day = kNoDay;  // report window
  int64_t history_days = 0;           // days of data up to last_date (all sites)
  int min_history_days = 7;           // surges are looked for from this much history on
  std::vector<std::string> sites;     // sites with their own series (the busiest max_sites)
  uint64_t other_sites = 0;           // further sites, counted together as "(other)"
  Summary summary;
  std::map<std::string, uint64_t> classes;  // class -> attack requests
  std::vector<DailyRow> daily;              // per date x site x class ("*" rows included)
  std::vector<Surge> surges;
  std::vector<SourceRow> top_sources;
  Rest other_sources;                       // the attacking sources beyond top_sources
  std::vector<CountryRow> countries;
  uint64_t domestic_attacks = 0, overseas_attacks = 0, unknown_country_attacks = 0;
  std::vector<PathRow> top_paths;
  Rest other_paths;                         // the paths beyond top_paths
  // Attacking sources by behaviour classification ("unclassified" when behaviour did not
  // conclude anything).
  std::map<std::string, uint64_t> source_classes;
  std::vector<FileRow> files;
  std::vector<BadLineSample> bad_line_samples;
  MailSection mail;                         // a report of the store: its mail probes
};

}  // namespace keikai::report
