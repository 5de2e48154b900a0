#pragma once
// The statistical surge detector over hourly counts (per site x class, and fleet-wide).
//
// For every series and hour t it predicts the count from the trailing window (90 days by
// default) with hour-of-week seasonality: expected(t) = (sum of counts at t's hour-of-week in
// the window + a * level) / (number of such hours + a), where level is the window's mean hourly
// count and a shrinks sparse slots toward it. Hours inside an earlier alarm, and hours with no
// data (a gap in the logs), are left out of the window, so a surge does not raise its own
// baseline. Overdispersion is estimated from the window (quasi-Poisson factor phi >= 1) and the
// count test is the negative-binomial (phi > 1) or Poisson upper tail of the sums over several
// trailing windows (3, 6 and 24 hours by default; Bonferroni across them). Candidates must also
// pass floors (a minimum count and a minimum ratio over the expectation) so that 0 -> 3 never
// reads as a surge. Across all series tested in the same hour, Benjamini-Hochberg at level q
// controls the false discovery rate. Alarmed hours within merge_gap_hours of each other form one
// surge; its start is found by a Poisson CUSUM (the last hour its statistic was zero before the
// first alarm), which dates the rise rather than the moment it became certain.
//
// Pure computation over vectors (no clock reads, no I/O); thread-safe.

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace keikai::surge {

struct DetectorOptions {
  int window_days = 90;
  int min_history_days = 7;        // no test before this much usable history (Debian's nginx
                                   // keeps 14 days of logs: a surge in the second week counts)
  std::vector<int> windows_hours = {3, 6, 24};
  double fdr_q = 1e-4;             // Benjamini-Hochberg level per hour across series
  double max_p = 1e-5;             // and never an alarm with a (Bonferroni) p above this
  uint64_t min_count = 8;         // floor: the window's count must reach this
  double min_ratio = 3.0;          // floor: and be this many times its expectation
  double seasonal_prior_hours = 4; // shrinkage of hour-of-week slots toward the level
  double cusum_shift = 2.0;        // the CUSUM looks for a rise by this factor
  int merge_gap_hours = 24;        // alarms closer than this belong to one surge
  int max_walkback_hours = 168;    // the start is dated at most this long before the first alarm
  double min_day_ratio = 2.5;      // and the busiest 24 hours of it must hold this many times
                                   // their expectation (floored at day_floor): a rise people
                                   // would call a surge, not an hour's burst in a quiet day
  double day_floor = 10.0;
  int min_alarm_hours = 2;         // a surge is confirmed by this many alarmed hours (a single
                                   // anomalous hour is a burst, not a surge)
};

struct HourlySeries {
  std::string site;                // site name or "*"
  std::string cls;                 // class name or "*"
  int64_t first_hour = 0;          // Unix hours (seconds / 3600) of counts[0]
  std::vector<uint32_t> counts;
  std::vector<uint8_t> present;    // optional, parallel: 0 = no data that hour (a gap)
};

struct SurgeEvent {
  std::size_t series = 0;          // index into the input
  int64_t start_hour = 0;          // CUSUM-dated start of the rise
  int64_t first_alarm_hour = 0;    // when the test first fired
  int64_t confirmed_hour = 0;      // when the min_alarm_hours-th alarm fired (reported then)
  int64_t last_alarm_hour = 0;
  int64_t peak_hour = 0;           // the hour with the largest count / expected
  double min_p = 1.0;              // smallest Bonferroni-adjusted p-value in the surge
  uint64_t peak_count = 0;
  double peak_expected = 0;
  double day_ratio = 0;            // busiest 24 hours / their expectation (floored)
  uint64_t total = 0;              // counts from start to last alarm
  double total_expected = 0;       // expectations over the same hours
  bool ongoing = false;            // alarmed within merge_gap_hours of the series' end
};

// What the detector remembers between runs (kept in the store, surge/state.h), so that a
// long-running process tests only the hours it has not tested yet instead of all history.
struct AlarmMark {
  int64_t hour = 0;
  double p = 1;                    // the hour's adjusted p-value
  int64_t cusum_zero_hour = 0;     // the last hour the CUSUM was zero, at or before it
};
struct SeriesMemo {
  std::string site, cls;           // the series' key
  double cusum = 0;                // the CUSUM after `through`
  int64_t cusum_zero_hour = 0;
  double inv_size = 0;             // the day's overdispersion estimate, and its UTC day
  int64_t phi_day = -1;
  std::vector<AlarmMark> alarms;   // alarmed hours up to `through`, oldest first
};
struct DetectorState {
  int64_t first_hour = 0;          // where the series began when the state was made
  int64_t through = INT64_MIN;     // the hours up to this one have been tested
  int64_t check_from = 0;          // the fingerprint covers [check_from, through]
  uint64_t fingerprint = 0;        // of the options, the series' keys, counts and gaps there
  std::vector<SeriesMemo> series;  // sorted by key
};

// Resuming from a state. A state fits the input when its fingerprint matches (the same options
// and series, and no count or gap changed in the hours that future tests depend on: the window
// and the start walk-back before `through`) and the series begin where they began then or at
// least that far before `through`. Then the hours up to `through` are not tested again (their
// alarms come from the state), and the answer is the one a single run over the same input
// gives. Otherwise every hour is tested, as without a state.
struct Resume {
  const DetectorState* from = nullptr;  // in: what an earlier run left, if anything
  int64_t save_through = INT64_MIN;     // in: the last complete hour (later hours are tested
                                        // but not remembered: they are still being written)
  DetectorState to;                     // out: the state through save_through
  bool used = false;                    // out: `from` fitted and was used
  int64_t tested_from = 0;              // out: the first hour tested in this run
};

// Runs the detector over all series (aligned or not); returns surges in series order, then time.
std::vector<SurgeEvent> DetectSurges(const std::vector<HourlySeries>& series,
                                     const DetectorOptions& opt, Resume* resume = nullptr);

}  // namespace keikai::surge
