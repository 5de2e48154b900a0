#include "keikai/mail/incidents.h"

#include <algorithm>
#include <cmath>

#include "keikai/http/ip.h"

namespace keikai::mail {
namespace {

constexpr int64_t kMinute = 60;
// A source counts as flooding when it made this many connections beyond its own baseline.
constexpr double kFloodExcess = 5;

bool LimitSymptom(const Counts& c) {
  return c.symptoms[static_cast<std::size_t>(Symptom::kRateLimit)] + c.symptoms[static_cast<std::size_t>(Symptom::kConcurrencyLimit)] +
             c.symptoms[static_cast<std::size_t>(Symptom::kProcessLimit)] + c.symptoms[static_cast<std::size_t>(Symptom::kQueueFull)] >
         0;
}

std::vector<IncidentGroup> Grouped(const std::vector<IncidentSource>& all, bool by_country) {
  std::map<std::string, IncidentGroup> g;
  for (const IncidentSource& s : all) {
    if (s.excess <= 0) continue;
    const std::string key = by_country ? s.country : NetworkOf(s.address);
    IncidentGroup& x = g[key];
    x.key = key;
    x.excess += s.excess;
    ++x.sources;
  }
  std::vector<IncidentGroup> out;
  for (auto& [k, v] : g) out.push_back(v);
  std::stable_sort(out.begin(), out.end(), [](const IncidentGroup& a, const IncidentGroup& b) { return a.excess > b.excess; });
  return out;
}

}  // namespace

std::string NetworkOf(const std::string& address) {
  http::IpAddr ip;
  if (!http::IpAddr::Parse(address, ip)) return address;
  if (ip.v4) {
    const uint32_t a = ip.V4() & 0xffffff00u;
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + ".0/24";
  }
  for (std::size_t i = 6; i < ip.b.size(); ++i) ip.b[i] = 0;  // the /48
  return ip.ToString() + "/48";
}

std::vector<std::pair<int64_t, int64_t>> IncidentWindows(const LogSummary& s, const IncidentOptions& o,
                                                         double* baseline_per_minute) {
  // The baseline: the median of connections (and failed logins) per minute over the minutes
  // that have lines, robust to the spikes it is meant to find. (Over every minute of the span,
  // one line with a stray time, a year off, would make the median 0 and every minute a spike.)
  std::vector<uint64_t> per_minute, fails;
  for (const auto& [m, c] : s.minutes()) {
    per_minute.push_back(c.connections);
    fails.push_back(c.auth_failures);
  }
  const auto median_of = [](std::vector<uint64_t> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return static_cast<double>(v[v.size() / 2]);
  };
  const double median = median_of(per_minute), median_fails = median_of(fails);
  // A count spikes when it exceeds spike_factor times its median and its median by both a
  // floor and five standard deviations of a Poisson count of that median (so that a busy log's
  // ordinary minute-to-minute noise is not an incident). Failed logins spike on their own
  // (password guessing keeps few connections busy): their floor is half of min_spike.
  const auto spikes = [&](double n, double med, double floor) {
    return n > o.spike_factor * med && n >= med + std::max(floor, 5 * std::sqrt(med));
  };
  const double min_spike = static_cast<double>(o.min_spike);
  std::vector<int64_t> hot;
  for (const auto& [m, c] : s.minutes()) {
    if (LimitSymptom(c) || spikes(static_cast<double>(c.connections), median, min_spike) ||
        spikes(static_cast<double>(c.auth_failures), median_fails, min_spike / 2)) {
      hot.push_back(m);
    }
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int64_t m : hot) {
    if (!out.empty() && m - out.back().second <= o.merge_gap_minutes * kMinute) {
      out.back().second = m;
    } else {
      out.emplace_back(m, m);
    }
  }
  // The baseline people read: connections per minute outside the incidents (minutes with lines).
  if (baseline_per_minute != nullptr) {
    uint64_t outside = 0, minutes = 0;
    std::size_t w = 0;
    for (const auto& [m, c] : s.minutes()) {  // both in time order
      while (w < out.size() && out[w].second < m) ++w;
      if (w < out.size() && m >= out[w].first) continue;
      outside += c.connections;
      ++minutes;
    }
    *baseline_per_minute = minutes == 0 ? 0 : static_cast<double>(outside) / static_cast<double>(minutes);
  }
  return out;
}

IncidentAttribution::IncidentAttribution(std::vector<std::pair<int64_t, int64_t>> windows, int64_t first, int64_t last)
    : windows_(std::move(windows)), first_(first), last_(last) {}

int IncidentAttribution::Window(int64_t t) const {
  // The windows are in time order and apart: the last one starting at or before t.
  const auto it = std::upper_bound(windows_.begin(), windows_.end(), t,
                                   [](int64_t x, const std::pair<int64_t, int64_t>& w) { return x < w.first; });
  if (it == windows_.begin()) return -1;
  const auto& w = *(it - 1);
  return t < w.second + kMinute ? static_cast<int>(it - 1 - windows_.begin()) : -1;
}

void IncidentAttribution::Add(const Record& r) {
  if (r.client.empty() || windows_.empty()) return;
  const bool conn = IsConnection(r);
  const bool fail = r.what == What::kAuthFailed;
  if (!conn && !fail) return;
  auto it = sources_.find(r.client);
  if (it == sources_.end()) {
    if (sources_.size() >= kMaxSources) return;  // as LogSummary: the rest are not told apart
    it = sources_.emplace(std::string(r.client), PerSource{}).first;
  }
  PerSource& p = it->second;
  const int w = Window(r.time);
  if (w < 0) {
    p.out += conn ? 1 : 0;
    return;
  }
  if (p.in.empty()) {  // only sources seen inside an incident keep counts per window
    p.in.assign(windows_.size(), 0);
    p.fails.assign(windows_.size(), 0);
  }
  p.in[static_cast<std::size_t>(w)] += conn ? 1 : 0;
  p.fails[static_cast<std::size_t>(w)] += fail ? 1 : 0;
}

std::vector<Incident> IncidentAttribution::Incidents(const LogSummary& s, const IncidentOptions& o,
                                                     double baseline_per_minute) const {
  std::vector<Incident> out;
  // The time the log covers inside each window and outside all of them, to the second (the
  // windows are whole minutes; a short log, or one that starts or ends inside an incident, would
  // otherwise count minutes it does not cover and misjudge the sources' own rates).
  std::vector<double> in_seconds;
  double inside = 0;
  for (const auto& w : windows_) {
    const int64_t a = std::max(w.first, first_), b = std::min(w.second + kMinute, last_ + 1);
    in_seconds.push_back(static_cast<double>(std::max<int64_t>(1, b - a)));
    inside += in_seconds.back();
  }
  const double outside = std::max(1.0, static_cast<double>(last_ + 1 - first_) - inside);
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    Incident inc;
    inc.start = windows_[i].first;
    inc.end = windows_[i].second + kMinute;
    inc.minutes = (windows_[i].second - windows_[i].first) / kMinute + 1;
    inc.baseline_per_minute = baseline_per_minute;
    for (auto it = s.minutes().lower_bound(windows_[i].first); it != s.minutes().end() && it->first <= windows_[i].second;
         ++it) {
      const Counts& c = it->second;
      inc.connections += c.connections;
      inc.auth_failures += c.auth_failures;
      inc.lost += c.lost;
      for (int k = 0; k < kSymptomCount; ++k) inc.symptoms[k] += c.symptoms[k];
    }
    std::vector<IncidentSource> all;
    for (const auto& [addr, p] : sources_) {
      if (p.in.empty() || (p.in[i] == 0 && p.fails[i] == 0)) continue;
      IncidentSource x;
      x.address = addr;
      x.connections = p.in[i];
      x.auth_failures = p.fails[i];
      x.baseline = static_cast<double>(p.out) / outside * kMinute;
      x.excess = std::max(0.0, static_cast<double>(p.in[i]) - x.baseline * in_seconds[i] / kMinute);
      if (o.country) x.country = o.country(addr);
      inc.excess += x.excess;
      all.push_back(std::move(x));
    }
    std::stable_sort(all.begin(), all.end(), [](const IncidentSource& a, const IncidentSource& b) {
      if (a.excess != b.excess) return a.excess > b.excess;
      return a.address < b.address;
    });
    inc.networks = Grouped(all, false);
    inc.countries = Grouped(all, true);
    double known = 0, abroad = 0;
    for (const IncidentGroup& g : inc.countries) {
      if (g.key.empty()) continue;
      known += g.excess;
      if (g.key != o.home_country) abroad += g.excess;
    }
    inc.overseas_share = known > 0 ? abroad / known : 0;
    // The kind. Guessing when failed logins are half the connections or more. A DoS when the
    // connections beyond the sources' own baselines are a fifth of the incident's or more and
    // either come from sources that each went at least kFloodExcess over their baseline (a
    // flood, even one that displaced the usual traffic) or doubled the log's usual rate (many
    // sources with a few connections each). Newcomers of the usual traffic have an excess of one
    // or two each, so the first test needs the concentrated part. From few sources when three
    // networks (/24, /48: one actor usually holds a network) carry half of that excess.
    // Otherwise limits were hit (or failures rose) without a connection excess.
    double concentrated = 0;
    std::map<std::string, double> by_network;
    for (const IncidentSource& x : all) {
      if (x.excess < kFloodExcess) continue;
      concentrated += x.excess;
      by_network[NetworkOf(x.address)] += x.excess;
    }
    std::vector<double> nets;
    for (const auto& [k, v] : by_network) nets.push_back(v);
    std::sort(nets.begin(), nets.end(), std::greater<>());
    double top3 = 0;
    for (std::size_t k = 0; k < nets.size() && k < 3; ++k) top3 += nets[k];
    const double expected = baseline_per_minute * static_cast<double>(inc.minutes);
    const double floor = std::max(20.0, 0.2 * static_cast<double>(inc.connections));
    if (inc.auth_failures >= 10 && static_cast<double>(inc.auth_failures) * 2 >= static_cast<double>(inc.connections)) {
      inc.kind = "password_guessing";
    } else if (concentrated >= floor) {
      inc.kind = top3 * 2 >= concentrated ? "dos_few_sources" : "dos_many_sources";
    } else if (inc.excess >= floor && static_cast<double>(inc.connections) > 2 * expected) {
      inc.kind = "dos_many_sources";
    } else {
      inc.kind = "limits_without_excess";
    }
    if (all.size() > o.max_sources) all.resize(o.max_sources);
    inc.sources = std::move(all);
    out.push_back(std::move(inc));
  }
  return out;
}

}  // namespace keikai::mail
