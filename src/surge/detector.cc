#include "keikai/surge/detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

#include "keikai/core/hash.h"
#include "keikai/surge/stats.h"

namespace keikai::surge {
namespace {

constexpr int kWeek = 168;

int HourOfWeek(int64_t unix_hour) {
  // 1970-01-01 was a Thursday; any fixed phase works as long as it is consistent.
  const int64_t h = unix_hour % kWeek;
  return static_cast<int>(h < 0 ? h + kWeek : h);
}

// Rolling state of one series: the trailing window's usable hours, by hour-of-week.
struct SeriesState {
  const HourlySeries* s = nullptr;
  std::vector<double> expected;     // per hour, 0 where not tested
  std::vector<uint8_t> usable;      // in the baseline (present and not alarmed)
  std::vector<uint8_t> alarmed;
  std::vector<double> alarm_p;      // the p-value of each alarmed hour
  double slot_sum[kWeek] = {};
  double slot_n[kWeek] = {};
  double sum = 0, n = 0;
  std::size_t tail = 0;             // first hour index still inside the window
  double inv_size = 0.0;            // NB2 overdispersion 1/r, re-estimated daily
  int64_t phi_day = -1;
  double cusum = 0;
  std::size_t cusum_zero = 0;       // last index where the CUSUM was 0
  std::vector<std::size_t> cusum_zero_at;  // per index: last zero at or before it

  // Hour t (of this series, at unix hour `hour`) joins the window's baseline, or leaves it.
  void Join(int64_t hour, double x) { Add(hour, x, 1); }
  void Leave(int64_t hour, double x) { Add(hour, -x, -1); }
  void Add(int64_t hour, double x, double n1) {
    const int slot = HourOfWeek(hour);
    slot_sum[slot] += x;
    slot_n[slot] += n1;
    sum += x;
    n += n1;
  }
};

// Negative-binomial (NB2) overdispersion 1/r over the window: Var(x) = mu + mu^2 / r, so
// 1/r = sum((x - mu)^2 - mu) / sum(mu^2), by the method of moments, against the window's own
// seasonal expectation (the current slot means, usable from the first test on). Quadratic
// variance matters: bursty attack counts vary most in the busiest hours.
double EstimateInvSize(const SeriesState& st, std::size_t t, std::size_t window, double prior) {
  if (st.n < 48) return 0.0;
  const double level = st.sum / st.n;
  double num = 0, den = 0, n = 0;
  const std::size_t from = t > window ? t - window : 0;
  for (std::size_t i = from; i < t; ++i) {
    if (!st.usable[i]) continue;
    const int slot = HourOfWeek(st.s->first_hour + static_cast<int64_t>(i));
    const double mu =
        std::max((st.slot_sum[slot] + prior * level) / (st.slot_n[slot] + prior), 1.0 / 24.0);
    const double d = static_cast<double>(st.s->counts[i]) - mu;
    num += d * d - mu;
    den += mu * mu;
    n += 1;
  }
  if (n < 48 || den <= 0) return 0.0;
  return std::clamp(num / den, 0.0, 20.0);
}

uint64_t MixIn(uint64_t h, uint64_t v) { return Mix64(h ^ Mix64(v + 0x9e3779b97f4a7c15ULL)); }

uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// Hours before `through` that the tests after it depend on: the baseline window, the start's
// walk-back and the longest count window.
int64_t Lookback(const DetectorOptions& o) {
  int64_t w = 0;
  for (int x : o.windows_hours) w = std::max<int64_t>(w, x);
  return int64_t{std::max(1, o.window_days)} * 24 + std::max(0, o.max_walkback_hours) + w;
}

// The input series' indexes by key (site, class).
std::vector<std::size_t> KeyOrder(const std::vector<HourlySeries>& series) {
  std::vector<std::size_t> order(series.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(series[a].site, series[a].cls, a) < std::tie(series[b].site, series[b].cls, b);
  });
  return order;
}

// What a state's validity rests on: the options, the series' keys, and their counts and gaps
// in [from, through].
uint64_t Fingerprint(const std::vector<HourlySeries>& series, const std::vector<std::size_t>& order,
                     const DetectorOptions& o, int64_t from, int64_t through) {
  uint64_t h = Fnv1a64("keikai-surge-state-1");
  for (uint64_t v : {uint64_t(o.window_days), uint64_t(o.min_history_days), Bits(o.fdr_q),
                     Bits(o.max_p), o.min_count, Bits(o.min_ratio), Bits(o.seasonal_prior_hours),
                     Bits(o.cusum_shift), uint64_t(o.merge_gap_hours),
                     uint64_t(o.max_walkback_hours), Bits(o.min_day_ratio), Bits(o.day_floor),
                     uint64_t(o.min_alarm_hours)}) {
    h = MixIn(h, v);
  }
  for (int w : o.windows_hours) h = MixIn(h, static_cast<uint64_t>(w));
  h = MixIn(h, static_cast<uint64_t>(from));
  h = MixIn(h, static_cast<uint64_t>(through));
  for (std::size_t i : order) {
    const HourlySeries& s = series[i];
    h = MixIn(h, Fnv1a64(s.site));
    h = MixIn(h, Fnv1a64(s.cls));
    const int64_t n = static_cast<int64_t>(s.counts.size());
    const int64_t a = std::max<int64_t>(from - s.first_hour, 0);
    const int64_t b = std::min<int64_t>(through - s.first_hour, n - 1);
    for (int64_t t = a; t <= b; ++t) {
      const auto k = static_cast<std::size_t>(t);
      const bool gap = !s.present.empty() && s.present[k] == 0;
      h = MixIn(h, (static_cast<uint64_t>(t + s.first_hour) << 33) ^ (uint64_t{s.counts[k]} << 1) ^ (gap ? 1 : 0));
    }
  }
  return h;
}

// Whether a state fits the input (see Resume): its memos by input index, or empty.
std::vector<const SeriesMemo*> Fit(const DetectorState& st, const std::vector<HourlySeries>& series,
                                   const std::vector<std::size_t>& order, const DetectorOptions& o) {
  if (st.through == INT64_MIN || st.series.size() != series.size()) return {};
  const int64_t settled = st.through - Lookback(o);
  std::vector<const SeriesMemo*> memo(series.size(), nullptr);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const HourlySeries& s = series[order[k]];
    const SeriesMemo& m = st.series[k];
    if (s.site != m.site || s.cls != m.cls) return {};
    if (s.first_hour != st.first_hour && !(s.first_hour <= settled && st.first_hour <= settled)) return {};
    memo[order[k]] = &m;
  }
  if (Fingerprint(series, order, o, st.check_from, st.through) != st.fingerprint) return {};
  return memo;
}

}  // namespace

std::vector<SurgeEvent> DetectSurges(const std::vector<HourlySeries>& series,
                                     const DetectorOptions& opt, Resume* resume) {
  const auto window = static_cast<std::size_t>(std::max(1, opt.window_days) * 24);
  const auto min_hist = static_cast<std::size_t>(std::max(1, opt.min_history_days) * 24);
  const double nwin = static_cast<double>(opt.windows_hours.size());
  std::vector<SeriesState> st(series.size());
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (std::size_t i = 0; i < series.size(); ++i) {
    st[i].s = &series[i];
    const std::size_t n = series[i].counts.size();
    st[i].expected.assign(n, 0.0);
    st[i].usable.assign(n, 0);
    st[i].alarmed.assign(n, 0);
    st[i].alarm_p.assign(n, 1.0);
    st[i].cusum_zero_at.assign(n, 0);
    if (n == 0) continue;
    first = std::min(first, series[i].first_hour);
    last = std::max(last, series[i].first_hour + static_cast<int64_t>(n) - 1);
  }
  if (resume != nullptr) {
    resume->used = false;
    resume->to = DetectorState();
    resume->tested_from = first;
  }
  if (first > last) return {};

  // Resuming: the hours up to `through` are replayed (expectations and baselines rebuilt from
  // the counts, alarms taken from the state) and only the later ones tested.
  const std::vector<std::size_t> order = KeyOrder(series);
  std::vector<const SeriesMemo*> memo;
  int64_t through = INT64_MIN;
  if (resume != nullptr && resume->from != nullptr) {
    memo = Fit(*resume->from, series, order, opt);
    if (!memo.empty()) {
      through = resume->from->through;
      resume->used = true;
      resume->tested_from = std::max(first, through + 1);
    }
  }
  std::vector<std::size_t> next_alarm(series.size(), 0);  // cursor into each memo's alarms
  const int64_t save_through =
      resume == nullptr ? INT64_MIN : std::min(resume->save_through, last);
  std::vector<SeriesMemo> snapshot;

  struct Candidate {
    std::size_t series;
    std::size_t idx;
    double p;
  };
  const double log_k = std::log(opt.cusum_shift);
  const auto snapshot_now = [&] {
    snapshot.clear();
    for (std::size_t i : order) {
      const SeriesState& S = st[i];
      SeriesMemo m;
      m.site = series[i].site;
      m.cls = series[i].cls;
      m.cusum = S.cusum;
      m.cusum_zero_hour = series[i].first_hour + static_cast<int64_t>(S.cusum_zero);
      m.inv_size = S.inv_size;
      m.phi_day = S.phi_day;
      snapshot.push_back(std::move(m));
    }
  };
  for (int64_t hour = first; hour <= last; ++hour) {
    std::vector<Candidate> cands;
    for (std::size_t si = 0; si < st.size(); ++si) {
      SeriesState& S = st[si];
      const HourlySeries& s = *S.s;
      const int64_t off = hour - s.first_hour;
      if (off < 0 || off >= static_cast<int64_t>(s.counts.size())) continue;
      const auto t = static_cast<std::size_t>(off);
      // Slide the window: drop hours older than `window`.
      while (S.tail + window < t) {
        if (S.usable[S.tail]) S.Leave(s.first_hour + static_cast<int64_t>(S.tail), s.counts[S.tail]);
        ++S.tail;
      }
      const bool present = s.present.empty() || s.present[t] != 0;
      const double x = s.counts[t];
      double mu = 0;
      if (S.n >= static_cast<double>(min_hist) && present) {
        const double level = S.sum / S.n;
        const int slot = HourOfWeek(hour);
        mu = (S.slot_sum[slot] + opt.seasonal_prior_hours * level) /
             (S.slot_n[slot] + opt.seasonal_prior_hours);
        // A floor on the expectation keeps an empty history from making any count "infinite".
        mu = std::max(mu, 1.0 / 24.0);
      }
      S.expected[t] = mu;
      if (hour <= through) {
        // Replayed: the baseline as it was, and the alarm the state remembers.
        S.usable[t] = present ? 1 : 0;
        if (present) S.Join(hour, x);
        const SeriesMemo& m = *memo[si];
        std::size_t& k = next_alarm[si];
        while (k < m.alarms.size() && m.alarms[k].hour < hour) ++k;
        if (k < m.alarms.size() && m.alarms[k].hour == hour) {
          S.alarmed[t] = 1;
          S.alarm_p[t] = m.alarms[k].p;
          S.cusum_zero_at[t] = static_cast<std::size_t>(
              std::clamp<int64_t>(m.alarms[k].cusum_zero_hour - s.first_hour, 0, off));
          if (S.usable[t]) {
            S.Leave(hour, x);
            S.usable[t] = 0;
          }
        }
        continue;
      }
      if (!memo.empty() && hour == std::max(through + 1, s.first_hour)) {
        // The first hour tested: the CUSUM and the day's dispersion continue from the state.
        const SeriesMemo& m = *memo[si];
        S.cusum = m.cusum;
        S.cusum_zero = static_cast<std::size_t>(std::clamp<int64_t>(m.cusum_zero_hour - s.first_hour, 0, off));
        S.inv_size = m.inv_size;
        S.phi_day = m.phi_day;
      }
      // CUSUM for a rise by cusum_shift (Poisson log-likelihood ratio increments).
      // A gap (no data) leaves the CUSUM where it was: silence in the logs is not evidence.
      if (mu > 0) {
        S.cusum = std::max(0.0, S.cusum + x * log_k - mu * (opt.cusum_shift - 1.0));
        if (S.cusum == 0.0) S.cusum_zero = t;
      } else if (present) {
        S.cusum = 0;
        S.cusum_zero = t;
      }
      S.cusum_zero_at[t] = S.cusum_zero;
      if (mu > 0) {
        const int64_t day = hour / 24;
        if (day != S.phi_day) {
          S.inv_size = EstimateInvSize(S, t, window, opt.seasonal_prior_hours);
          S.phi_day = day;
        }
        double best_p = 1.0;
        for (int w : opt.windows_hours) {
          if (w <= 0 || static_cast<std::size_t>(w) > t + 1) continue;
          double X = 0, M = 0, Q = 0;
          for (std::size_t i = t + 1 - static_cast<std::size_t>(w); i <= t; ++i) {
            if (S.expected[i] <= 0) continue;
            X += s.counts[i];
            M += S.expected[i];
            Q += S.expected[i] * S.expected[i];
          }
          if (M <= 0 || X < static_cast<double>(opt.min_count) || X < opt.min_ratio * M) continue;
          // The window's sum as one NB with matching mean and variance M + Q / r.
          const double size = S.inv_size > 1e-9 ? M * M / (Q * S.inv_size) : 0.0;
          const double p = NegBinUpperTail(static_cast<uint64_t>(X), M, size);
          best_p = std::min(best_p, p);
        }
        best_p = std::min(1.0, best_p * nwin);
        if (best_p <= opt.max_p) cands.push_back({si, t, best_p});
      }
      // The hour joins the baseline unless it is a gap (alarms are removed below).
      S.usable[t] = present ? 1 : 0;
      if (present) S.Join(hour, x);
    }
    if (hour == save_through) snapshot_now();
    if (cands.empty()) continue;
    // FDR across the series tested this hour (every series with an expectation counts in m).
    std::size_t m = 0;
    for (const SeriesState& S : st) {
      const int64_t off = hour - S.s->first_hour;
      if (off >= 0 && off < static_cast<int64_t>(S.expected.size()) &&
          S.expected[static_cast<std::size_t>(off)] > 0) {
        ++m;
      }
    }
    std::vector<double> p(m, 1.0);
    for (std::size_t i = 0; i < cands.size(); ++i) p[i] = cands[i].p;
    for (std::size_t k : BenjaminiHochberg(p, opt.fdr_q)) {
      if (k >= cands.size()) continue;
      SeriesState& S = st[cands[k].series];
      const std::size_t t = cands[k].idx;
      S.alarmed[t] = 1;
      // An alarmed hour leaves the baseline.
      if (S.usable[t]) {
        S.Leave(hour, S.s->counts[t]);
        S.usable[t] = 0;
      }
      S.alarm_p[t] = cands[k].p;
    }
  }

  // Group alarms into surges.
  std::vector<SurgeEvent> out;
  for (std::size_t si = 0; si < st.size(); ++si) {
    const SeriesState& S = st[si];
    const HourlySeries& s = *S.s;
    const std::size_t n = s.counts.size();
    std::size_t i = 0;
    while (i < n) {
      if (!S.alarmed[i]) {
        ++i;
        continue;
      }
      SurgeEvent e;
      e.series = si;
      const std::size_t first_alarm = i;
      std::size_t last_alarm = i;
      std::size_t j = i + 1;
      while (j < n && j <= last_alarm + static_cast<std::size_t>(opt.merge_gap_hours)) {
        if (S.alarmed[j]) last_alarm = j;
        ++j;
      }
      std::size_t alarms = 0, confirmed = first_alarm;
      for (std::size_t k = first_alarm; k <= last_alarm; ++k) {
        if (S.alarmed[k] && ++alarms == static_cast<std::size_t>(std::max(1, opt.min_alarm_hours))) {
          confirmed = k;
        }
      }
      const auto walkback = static_cast<std::size_t>(std::max(0, opt.max_walkback_hours));
      std::size_t start = std::min(first_alarm, S.cusum_zero_at[first_alarm] + 1);
      if (first_alarm > walkback) start = std::max(start, first_alarm - walkback);
      if (alarms < static_cast<std::size_t>(std::max(1, opt.min_alarm_hours))) {
        i = last_alarm + 1;  // an isolated anomalous hour: a burst, not a surge
        continue;
      }
      e.confirmed_hour = s.first_hour + static_cast<int64_t>(confirmed);
      e.start_hour = s.first_hour + static_cast<int64_t>(start);
      e.first_alarm_hour = s.first_hour + static_cast<int64_t>(first_alarm);
      e.last_alarm_hour = s.first_hour + static_cast<int64_t>(last_alarm);
      double best = -1;
      for (std::size_t k = start; k <= last_alarm; ++k) {
        if (S.alarmed[k]) e.min_p = std::min(e.min_p, S.alarm_p[k]);
        const double mu = S.expected[k];
        e.total += s.counts[k];
        e.total_expected += mu;
        if (mu > 0) {
          const double r = s.counts[k] / mu;
          if (r > best) {
            best = r;
            e.peak_hour = s.first_hour + static_cast<int64_t>(k);
            e.peak_count = s.counts[k];
            e.peak_expected = mu;
          }
        }
      }
      // The busiest 24 hours from start to the last alarm, against their expectation.
      {
        double best_day = 0;
        for (std::size_t k = start; k <= last_alarm; ++k) {
          double x = 0, mu = 0;
          for (std::size_t h = k >= 23 ? k - 23 : 0; h <= k; ++h) {
            x += s.counts[h];
            mu += S.expected[h];
          }
          best_day = std::max(best_day, x / std::max(mu, opt.day_floor));
        }
        e.day_ratio = best_day;
      }
      e.ongoing = last_alarm + static_cast<std::size_t>(opt.merge_gap_hours) >= n - 1;
      // A run whose rise began before the previous run ended is the same sustained shift that
      // dipped below significance for a while: one surge, not two.
      if (!out.empty() && out.back().series == si && e.start_hour <= out.back().last_alarm_hour) {
        SurgeEvent& p = out.back();
        p.last_alarm_hour = e.last_alarm_hour;
        p.min_p = std::min(p.min_p, e.min_p);
        if (e.start_hour <= p.start_hour) {
          // The new run's totals already span the whole merged surge.
          p.total = e.total;
          p.total_expected = e.total_expected;
        } else {
          p.total += e.total;
          p.total_expected += e.total_expected;
        }
        if (e.peak_expected > 0 &&
            (p.peak_expected <= 0 || e.peak_count / e.peak_expected > p.peak_count / p.peak_expected)) {
          p.peak_hour = e.peak_hour;
          p.peak_count = e.peak_count;
          p.peak_expected = e.peak_expected;
        }
        p.ongoing = e.ongoing;
        p.day_ratio = std::max(p.day_ratio, e.day_ratio);
        i = last_alarm + 1;
        continue;
      }
      out.push_back(e);
      i = last_alarm + 1;
    }
  }
  if (resume != nullptr && save_through >= first) {
    DetectorState& to = resume->to;
    if (save_through <= through) {
      to = *resume->from;  // nothing new was complete: the state stays as it was
    } else if (snapshot.size() == series.size()) {
      to.first_hour = first;
      to.through = save_through;
      to.check_from = std::max(first, save_through - Lookback(opt));
      to.fingerprint = Fingerprint(series, order, opt, to.check_from, save_through);
      to.series = std::move(snapshot);
      for (std::size_t k = 0; k < order.size(); ++k) {
        const SeriesState& S = st[order[k]];
        const HourlySeries& s = series[order[k]];
        for (std::size_t t = 0; t < S.alarmed.size(); ++t) {
          const int64_t h = s.first_hour + static_cast<int64_t>(t);
          if (h > save_through) break;
          if (S.alarmed[t]) {
            to.series[k].alarms.push_back(
                {h, S.alarm_p[t], s.first_hour + static_cast<int64_t>(S.cusum_zero_at[t])});
          }
        }
      }
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [&](const SurgeEvent& e) { return e.day_ratio < opt.min_day_ratio; }),
            out.end());
  return out;
}

}  // namespace keikai::surge
