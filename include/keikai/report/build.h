#pragma once
// Builds the report document from the store (everything ingested for the chosen sites, in all
// runs) and from this run's scan result (lines, bad lines, files).

#include <string>
#include <vector>

#include "keikai/core/clock.h"
#include "keikai/core/time.h"
#include "keikai/mail/latency.h"
#include "keikai/pipeline/result.h"
#include "keikai/report/model.h"
#include "keikai/store/store.h"
#include "keikai/surge/detector.h"
#include "keikai/surge/trend.h"

namespace keikai::report {

struct BuildOptions {
  std::vector<std::string> sites;  // empty = the sites of this scan (or all in the store)
  TimeZone tz = TimeZone::Jst();
  std::string home_country = "JP";
  surge::TrendOptions trend;        // window_days, min_history_days, baseline_floor
  surge::DetectorOptions detector;  // the statistical surge detector
  std::size_t top_sources = 20;
  std::size_t top_paths = 20;
  const Clock* clock = nullptr;    // for generated_at; nullptr = the system clock
  std::size_t surge_drivers = 5;   // sources listed per surge
  int report_days = 400;           // the report covers this many days up to its last data
  std::size_t max_sites = 20;      // sites with their own series and charts; the rest "(other)"
  // Keep the surge detector's memory in the store (Store::SaveState) and resume from it, so
  // that the hours tested before are not tested again (the answer is the same).
  bool keep_surge_state = true;
  // A report of the store alone (no scan) has a mail section: the probes of the last mail_days
  // days up to now, judged with these options.
  int mail_days = 7;
  mail::LatencyOptions latency;
};

// How a report was computed (for tests and logs; not part of the report).
struct BuildStats {
  bool surge_state_used = false;   // the stored surge state fitted and was resumed from
  int64_t surge_tested_from = 0;   // the first hour the surge detector tested (UTC hours)
  int64_t surge_hours = 0;         // hours in the series
};

// Probe results as the store keeps them (store::ProbeRow; phases as a JSON array) and back.
mail::ProbeResult ProbeFromRow(const store::ProbeRow& row);
store::ProbeRow ProbeRowOf(const mail::ProbeResult& r);
// The probes stored between two Unix times, inclusive, oldest first.
Result<std::vector<mail::ProbeResult>> LoadProbes(store::Store& st, int64_t from, int64_t to);

Result<Report> BuildReport(store::Store& store, const pipeline::ScanResult* scan,
                           const BuildOptions& opt, BuildStats* stats = nullptr);

}  // namespace keikai::report
