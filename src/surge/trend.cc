#include "keikai/surge/trend.h"

#include <algorithm>

namespace keikai::surge {

std::vector<DayStat> Trailing(const std::vector<uint64_t>& counts, const TrendOptions& opt) {
  std::vector<DayStat> out(counts.size());
  const auto w = static_cast<std::size_t>(std::max(1, opt.window_days));
  const auto min_hist = static_cast<std::size_t>(std::max(1, opt.min_history_days));
  double sum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    // sum holds counts[max(0,i-w) .. i-1]
    const std::size_t n = std::min(i, w);
    if (n >= min_hist) {
      out[i].has_baseline = true;
      out[i].baseline = sum / static_cast<double>(n);
      out[i].ratio = static_cast<double>(counts[i]) / std::max(out[i].baseline, opt.baseline_floor);
    }
    sum += static_cast<double>(counts[i]);
    if (i >= w) sum -= static_cast<double>(counts[i - w]);
  }
  return out;
}

std::vector<SurgeRun> FindSurges(const std::vector<uint64_t>& counts, const TrendOptions& opt) {
  const std::vector<DayStat> st = Trailing(counts, opt);
  std::vector<SurgeRun> runs;
  std::size_t i = 0;
  while (i < counts.size()) {
    if (!st[i].has_baseline || counts[i] < opt.min_attacks || st[i].ratio < opt.surge_ratio) {
      ++i;
      continue;
    }
    // Walk the start back over days that had already risen, and take the baseline from before
    // the rise so the rise does not dilute its own reference.
    std::size_t start = i;
    while (start > 0 && st[start - 1].has_baseline &&
           static_cast<double>(counts[start - 1]) /
                   std::max(st[i].baseline, opt.baseline_floor) >=
               opt.end_ratio &&
           counts[start - 1] > 0) {
      --start;
    }
    SurgeRun r;
    r.start = start;
    r.baseline = st[start].baseline;
    const double denom = std::max(r.baseline, opt.baseline_floor);
    std::size_t j = start;
    std::size_t below = 0;
    std::size_t last_high = start;
    for (; j < counts.size(); ++j) {
      const double ratio = static_cast<double>(counts[j]) / denom;
      if (ratio >= opt.end_ratio) {
        below = 0;
        last_high = j;
      } else if (++below >= 2) {
        break;
      }
      if (ratio > r.peak_ratio) {
        r.peak_ratio = ratio;
        r.peak = j;
      }
    }
    r.end = last_high;
    r.ongoing = j >= counts.size() && last_high + 1 >= counts.size();
    runs.push_back(r);
    i = j + 1;
  }
  return runs;
}

}  // namespace keikai::surge
