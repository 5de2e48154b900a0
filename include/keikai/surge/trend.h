#pragma once
// The simple trend view: daily attack counts against their trailing average, and surges found
// as runs of days far above it. (The statistical surge detector of a later stage replaces the
// surge rule; the daily view stays.) Pure functions over plain vectors; thread-safe.

#include <cstdint>
#include <vector>

namespace keikai::surge {

struct TrendOptions {
  int window_days = 90;        // the trailing window of the baseline
  int min_history_days = 7;    // no baseline (and no surge) before this much history
  double baseline_floor = 5.0; // ratios use max(baseline, floor): 0 -> 3 never reads as infinite
  double surge_ratio = 2.5;    // a day at or above this ratio (and min_attacks) starts a surge
  double end_ratio = 1.5;      // a surge ends after two days below this ratio
  uint64_t min_attacks = 30;   // a day needs at least this many attacks to start a surge
};

struct DayStat {
  double baseline = 0;   // mean of the trailing window (excluding the day); 0 if no history
  double ratio = 0;      // count / max(baseline, floor); 0 if no history
  bool has_baseline = false;
};

// counts[i] is day first_day + i (consecutive days, zeros included).
std::vector<DayStat> Trailing(const std::vector<uint64_t>& counts, const TrendOptions& opt);

struct SurgeRun {
  std::size_t start = 0, end = 0, peak = 0;  // day indexes, inclusive
  double baseline = 0;   // the trailing mean before start, frozen for the whole surge
  double peak_ratio = 0;
  bool ongoing = false;  // still surging on the last day
};

// Runs of days whose count stands far above the baseline frozen at the start of the run. The
// start is walked back over the days that already rose (>= end_ratio) before the trigger day.
std::vector<SurgeRun> FindSurges(const std::vector<uint64_t>& counts, const TrendOptions& opt);

}  // namespace keikai::surge
