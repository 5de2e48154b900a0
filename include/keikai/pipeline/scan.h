#pragma once
// The scan pipeline: files -> LineSource -> LineParser -> Request -> DetectorSet -> in-memory
// aggregates -> Store, with country lookup for attacking sources. This is the one place that
// wires the stages together; each stage stays ignorant of the others.
//
// Aggregation happens in memory and is committed in batches (per file, and every
// kCommitEveryLines lines or kCommitEveryFindings findings) in one transaction together with the
// input's stream mark (ingest/cursor.h) and the behaviour tracker's checkpoint, so the store
// never holds half of a batch and a rescan, after a crash too, continues exactly where the last
// commit stopped, with the same state. A failed commit stops the scan. A dry run is a scan into
// an in-memory store. Not thread-safe; one Scan at a time per Store.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/detect/behavior.h"
#include "keikai/detect/detector.h"
#include "keikai/geo/geo.h"
#include "keikai/http/ip.h"
#include "keikai/ingest/env.h"
#include "keikai/pipeline/result.h"
#include "keikai/rules/engine.h"
#include "keikai/store/store.h"

namespace keikai::pipeline {

// One event with at least one detection, as the ndjson output and tests see it. A web request
// has req, detection, detectors, behavior_scenarios and rule_matches; an event of another kind
// (a mail-log line) has req null and its finding instead.
struct DetectionEvent {
  const std::string* file;
  uint64_t line;
  const http::Request* req;
  std::string_view site;
  std::string_view country;
  const detect::Detection* detection;
  const detect::DetectorSet* detectors;
  uint32_t behavior_scenarios;  // behaviour scenarios that gave the request a class (bits)
  const std::vector<rules::RuleMatch>* rule_matches;  // CRS matches that gave a class
  const store::Finding* finding = nullptr;            // other kinds: what is stored of it
};

// What one input may set apart from the others (a configuration's sites, each with its logs):
// a given field replaces the ScanOptions' for that input only.
struct InputOptions {
  std::optional<std::string> site;
  std::optional<std::string> log_format;
  std::optional<std::vector<http::IpPrefix>> trusted_proxies;
  std::optional<int32_t> log_zone_offset;
};

struct ScanOptions {
  std::vector<std::string> inputs;     // paths, globs, directories, "-"
  // Files with options of their own (keikai scan --config), read after `inputs`; each path is
  // one file (no glob), and one that does not exist is an input error like any other.
  std::vector<std::pair<std::string, InputOptions>> configured;
  std::string site;                    // --site: overrides the vhost field and file name
  std::string log_format;              // "" = auto-detect per file
  std::vector<http::IpPrefix> trusted_proxies;
  std::size_t max_line = 64 * 1024;
  std::size_t bad_line_samples = 20;
  int64_t now = 0;                     // Unix seconds; 0 = the system clock (lines dated more
                                       // than two days after it are bad lines)
  // The zone of times logged without one (syslog, Dovecot), seconds east of UTC; unset = this
  // machine's local zone at `now`.
  std::optional<int32_t> log_zone_offset;
  std::size_t max_findings = 2'000'000;  // findings stored per run (aggregates are always kept)
  // Distinct sites in a store (those already there count): beyond it, lines of new sites from
  // vhost fields or Host headers are counted under "(other)" (the report says how many).
  std::size_t max_sites = 1000;
  bool behavior = true;                // per-source behaviour analysis
  detect::BehaviorOptions behavior_options;
  // OWASP CRS (or any SecLang rule set) run on every request rebuilt from its log line; null
  // = off. Matches of attack rules add their classes and are kept as evidence ("crs:942100").
  std::shared_ptr<const rules::RuleSet> rules;
  std::function<void(const DetectionEvent&)> on_detection;
  // Progress: (file, raw bytes read, raw size or 0, lines so far). Called every ~256k lines.
  std::function<void(const std::string&, uint64_t, uint64_t, uint64_t)> on_progress;
  // Threads for one input's lines (0 = every core). Workers parse and detect; the answers are
  // the same whatever the count.
  std::size_t threads = 0;
  // Where files and the clock come from; null = the file system and the system clock.
  ingest::Env* env = nullptr;
  // Followed logs (the daemon): a plain file that holds what was ingested of it is checked over
  // the last block of that and read on from there (ingest::ResumeReader::Options::reopen),
  // instead of being re-read from its start.
  bool follow = false;
};

// Site name from a log file name: "shop.example.jp.access.log.2.gz" -> "shop.example.jp";
// generic names (access.log, access_log, ssl_access.log) -> "default".
std::string SiteFromFileName(const std::string& path);
// The attack classes a CRS rule match stands for (from its attack-* tags), 0 for rules that
// judge protocol details a log line does not carry, or that only report scores.
uint32_t RuleMatchClasses(const rules::RuleMatch& m);
// How a CRS match is named among a finding's detectors ("crs:942100") and its evidence
// ("crs 942100: SQL Injection Attack Detected via libinjection").
std::string RuleMatchDetectorId(const rules::RuleMatch& m);
std::string RuleMatchEvidence(const rules::RuleMatch& m);
// Every reason a detected request is one, in order: signature hits, behaviour scenarios, CRS
// matches (m is the match for those, else null): fn(detector id, evidence, m). The stored
// finding and the NDJSON line both list them this way. Signature and scenario texts are built
// once (DetectorSet::Evidence, ScenarioEvidence); only CRS matches make theirs per match.
template <class Fn>
void ForEachEvidence(const DetectionEvent& ev, Fn&& fn) {
  if (ev.detection == nullptr) return;  // not a web request
  for (const detect::Hit& h : ev.detection->hits) {
    fn(ev.detectors->specs()[h.detector].id, std::string_view(ev.detectors->Evidence(h)),
       static_cast<const rules::RuleMatch*>(nullptr));
  }
  for (int k = 0; k < detect::kScenarioCount; ++k) {
    if ((ev.behavior_scenarios & (1u << k)) == 0) continue;
    const detect::ScenarioSpec& sc = detect::Scenarios()[static_cast<std::size_t>(k)];
    fn(std::string_view(detect::ScenarioDetectorId(sc)), std::string_view(detect::ScenarioEvidence(sc)),
       static_cast<const rules::RuleMatch*>(nullptr));
  }
  if (ev.rule_matches == nullptr) return;
  for (const rules::RuleMatch& m : *ev.rule_matches) {
    const std::string id = RuleMatchDetectorId(m), e = RuleMatchEvidence(m);
    fn(std::string_view(id), std::string_view(e), &m);
  }
}

// Whether a --log-format value can be read (a named format of any input kind, or a format
// string the web kind compiles), with the position of the problem when not.
Status CheckLogFormat(std::string_view format);

Result<ScanResult> Scan(const ScanOptions& opt, store::Store& store,
                        const detect::DetectorSet& detectors, const geo::GeoDb* geo);

}  // namespace keikai::pipeline
