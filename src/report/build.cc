#include "keikai/report/build.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "keikai/detect/behavior.h"
#include "keikai/detect/detector.h"
#include "report/format.h"

namespace keikai::report {
namespace {

std::string ClsName(uint8_t c) {
  return c == store::kAllClasses ? "*"
                                 : std::string(detect::ClassName(static_cast<detect::AttackClass>(c)));
}

// What makes the report incomplete, from the scan's files: inputs that could not be read, and
// files whose lines were mostly bad. The status says whether anything could be read at all.
void AddProblems(Report& r) {
  bool any_read = false;
  for (const FileRow& f : r.files) {
    if (!f.error.empty()) {
      const std::string lead = HasMsg("err.code." + f.error_code) ? Tr("err.code." + f.error_code) : f.error_code;
      r.problems.push_back({"input_error", f.path, lead + ": " + f.error});
    }
    if (f.lines > 0 && f.bad_lines * 2 > f.lines) {
      std::string d = Tr("problem.mostly_bad");
      d = ReplaceAll(d, "{bad}", Thousands(f.bad_lines));
      d = ReplaceAll(d, "{lines}", Thousands(f.lines));
      d = ReplaceAll(d, "{format}", f.format);
      if (!f.detected_format.empty()) {
        d += " " + ReplaceAll(Tr("problem.looks_like"), "{format}", f.detected_format);
      }
      r.problems.push_back({"mostly_bad", f.path, d});
    }
    if (f.parsed > 0 || f.already_ingested > 0 || (f.error.empty() && f.lines == 0)) any_read = true;
  }
  if (r.files.empty() || !any_read) {
    r.status = "failed";
    if (r.problems.empty()) r.problems.push_back({"nothing_read", "", Tr("problem.nothing_read")});
  } else if (!r.problems.empty()) {
    r.status = "partial";
  }
}

}  // namespace

Result<Report> BuildReport(store::Store& st, const pipeline::ScanResult* scan,
                           const BuildOptions& opt) {
  Report r;
  static const SystemClock kSystemClock;
  const int64_t now = (opt.clock != nullptr ? opt.clock : &kSystemClock)->NowSeconds();
  r.version = KEIKAI_VERSION;
  r.generated_at = opt.tz.FormatTime(now);
  r.timezone = opt.tz.name() + " (UTC" + TimeZone::FormatOffset(opt.tz.OffsetAt(now)) + ")";
  r.home_country = opt.home_country;
  std::vector<std::string> sites = opt.sites;
  if (sites.empty() && scan != nullptr) sites = scan->sites;
  if (sites.empty() && scan == nullptr) {
    // A report of the store alone covers every site in it; a scan's report covers what its
    // inputs hold, and nothing else (a scan of a missing file must not show old data).
    auto all = st.Sites();
    if (!all.ok()) return all.status();
    sites = all.value();
  }
  r.sites = sites;
  if (scan != nullptr) {
    r.summary = scan->summary;
    r.files = scan->files;
    r.bad_line_samples = scan->bad_line_samples;
    r.notes = scan->notes;
    AddProblems(r);
  }
  if (sites.empty()) return r;

  // Daily series in the report's time zone, per site x class and for all sites ("*").
  auto attacks = st.AttackHours(sites);
  if (!attacks.ok()) return attacks.status();
  auto requests = st.RequestHours(sites);
  if (!requests.ok()) return requests.status();
  if (requests.value().empty() && attacks.value().empty()) return r;

  int64_t first_day = INT64_MAX, last_day = INT64_MIN;
  auto day_of = [&](int64_t hour) { return opt.tz.LocalDay(hour * 3600); };
  for (const auto& h : requests.value()) {
    first_day = std::min(first_day, day_of(h.hour));
    last_day = std::max(last_day, day_of(h.hour));
  }
  for (const auto& h : attacks.value()) {
    first_day = std::min(first_day, day_of(h.hour));
    last_day = std::max(last_day, day_of(h.hour));
  }
  const auto ndays = static_cast<std::size_t>(last_day - first_day + 1);
  r.first_date = FormatDate(first_day);
  r.last_date = FormatDate(last_day);

  using Key = std::pair<std::string, std::string>;  // site, class
  std::map<Key, std::vector<uint64_t>> series;
  std::map<std::string, std::vector<uint64_t>> req_series;
  auto vec = [&](std::vector<uint64_t>& v) -> std::vector<uint64_t>& {
    if (v.empty()) v.assign(ndays, 0);
    return v;
  };
  for (const auto& h : attacks.value()) {
    const auto d = static_cast<std::size_t>(day_of(h.hour) - first_day);
    const std::string cls = ClsName(h.cls);
    vec(series[{h.site, cls}])[d] += h.count;
    if (sites.size() > 1) vec(series[{"*", cls}])[d] += h.count;
    if (h.cls == store::kAllClasses) r.summary.attacks += h.count;
    else r.classes[cls] += h.count;
  }
  for (const auto& h : requests.value()) {
    const auto d = static_cast<std::size_t>(day_of(h.hour) - first_day);
    vec(req_series[h.site])[d] += h.count;
    if (sites.size() > 1) vec(req_series["*"])[d] += h.count;
    r.summary.requests += h.count;
  }
  // Every site gets an all-classes series, even with no attacks, so the chart shows calm sites.
  for (const auto& [site, v] : req_series) vec(series[{site, "*"}]);

  for (const auto& [key, counts] : series) {
    const auto stats = surge::Trailing(counts, opt.trend);
    const auto reqs = req_series.find(key.first);
    for (std::size_t d = 0; d < ndays; ++d) {
      DailyRow row;
      row.date = FormatDate(first_day + static_cast<int64_t>(d));
      row.site = key.first;
      row.cls = key.second;
      row.attacks = counts[d];
      if (key.second == "*" && reqs != req_series.end()) row.requests = reqs->second[d];
      row.baseline_90d = stats[d].baseline;
      row.ratio = stats[d].ratio;
      r.daily.push_back(std::move(row));
    }
  }

  // Surges: the statistical detector over hourly series (UTC hours), the same site x class and
  // fleet ("*") series as the daily view. Hours in which a site logged no request at all are gaps.
  int64_t first_hour = INT64_MAX, last_hour = INT64_MIN;
  for (const auto& h : requests.value()) {
    first_hour = std::min(first_hour, h.hour);
    last_hour = std::max(last_hour, h.hour);
  }
  for (const auto& h : attacks.value()) {
    first_hour = std::min(first_hour, h.hour);
    last_hour = std::max(last_hour, h.hour);
  }
  const auto nhours = static_cast<std::size_t>(last_hour - first_hour + 1);
  std::map<std::string, std::vector<uint8_t>> present;
  for (const auto& h : requests.value()) {
    for (const std::string& site : {h.site, std::string("*")}) {
      auto& v = present[site];
      if (v.empty()) v.assign(nhours, 0);
      if (h.count > 0) v[static_cast<std::size_t>(h.hour - first_hour)] = 1;
    }
  }
  std::vector<surge::HourlySeries> hourly;
  std::map<Key, std::size_t> hourly_index;
  auto hseries = [&](const std::string& site, const std::string& cls) -> surge::HourlySeries& {
    auto it = hourly_index.find({site, cls});
    if (it != hourly_index.end()) return hourly[it->second];
    surge::HourlySeries h;
    h.site = site;
    h.cls = cls;
    h.first_hour = first_hour;
    h.counts.assign(nhours, 0);
    auto p = present.find(site);
    if (p != present.end()) h.present = p->second;
    hourly_index[{site, cls}] = hourly.size();
    hourly.push_back(std::move(h));
    return hourly.back();
  };
  for (const auto& [key, counts] : series) hseries(key.first, key.second);
  for (const auto& h : attacks.value()) {
    const std::string cls = ClsName(h.cls);
    const auto i = static_cast<std::size_t>(h.hour - first_hour);
    hseries(h.site, cls).counts[i] += static_cast<uint32_t>(h.count);
    if (sites.size() > 1) hseries("*", cls).counts[i] += static_cast<uint32_t>(h.count);
  }
  const auto day_index = [&](int64_t hour) {
    return static_cast<std::size_t>(std::clamp<int64_t>(day_of(hour) - first_day, 0,
                                                         static_cast<int64_t>(ndays) - 1));
  };
  for (const surge::SurgeEvent& e : surge::DetectSurges(hourly, opt.detector)) {
    const surge::HourlySeries& hs = hourly[e.series];
    const auto& daily = series[{hs.site, hs.cls}];
    Surge x;
    x.site = hs.site;
    x.cls = hs.cls;
    std::size_t d0 = day_index(e.start_hour);
    const std::size_t d1 = day_index(e.last_alarm_hour);
    // The plain ratio for people: the busiest day of the surge against the mean day of the
    // window before it (with the same floor as the daily view, so 0 -> 3 is not infinite).
    const auto w = static_cast<std::size_t>(std::max(1, opt.trend.window_days));
    // The hourly CUSUM may date the rise a few hours early (a busy evening before it); for the
    // day people read, take the first day from there that is itself clearly raised.
    {
      const std::size_t f0 = d0 > w ? d0 - w : 0;
      double b = 0;
      for (std::size_t d = f0; d < d0; ++d) b += static_cast<double>(daily[d]);
      b = d0 > f0 ? b / static_cast<double>(d0 - f0) : 0;
      const std::size_t alarm_day = day_index(e.first_alarm_hour);
      for (std::size_t d = d0; d <= alarm_day; ++d) {
        if (static_cast<double>(daily[d]) >= 1.5 * std::max(b, opt.trend.baseline_floor)) {
          d0 = d;
          break;
        }
      }
    }
    x.start = FormatDate(first_day + static_cast<int64_t>(d0));
    x.end = FormatDate(first_day + static_cast<int64_t>(d1));
    x.days = d1 - d0 + 1;
    const std::size_t from = d0 > w ? d0 - w : 0;
    double sum = 0;
    for (std::size_t d = from; d < d0; ++d) sum += static_cast<double>(daily[d]);
    const std::size_t hist = d0 - from;
    x.baseline = hist > 0 ? sum / static_cast<double>(hist) : 0;
    std::size_t peak = d0;
    for (std::size_t d = d0; d <= d1; ++d) {
      if (daily[d] > daily[peak]) peak = d;
    }
    x.peak_date = FormatDate(first_day + static_cast<int64_t>(peak));
    x.peak_attacks = daily[peak];
    x.peak_ratio = hist >= static_cast<std::size_t>(opt.trend.min_history_days)
                       ? static_cast<double>(daily[peak]) /
                             std::max(x.baseline, opt.trend.baseline_floor)
                       : 0;
    x.ongoing = e.ongoing;
    x.start_time = opt.tz.FormatTime(e.start_hour * 3600);
    x.first_alarm_time = opt.tz.FormatTime(e.first_alarm_hour * 3600);
    x.p_value = e.min_p;
    x.peak_hour_attacks = e.peak_count;
    x.peak_hour_expected = e.peak_expected;
    x.peak_hour_time = opt.tz.FormatTime(e.peak_hour * 3600);
    x.total_attacks = e.total;
    x.total_expected = e.total_expected;
    uint8_t cls_id = store::kAllClasses;
    if (hs.cls != "*") {
      detect::AttackClass c;
      if (detect::ParseClass(hs.cls, c)) cls_id = static_cast<uint8_t>(c);
    }
    auto drivers = st.TopSourcesBetween(sites, hs.site, cls_id, e.start_hour, e.last_alarm_hour,
                                        opt.surge_drivers);
    if (!drivers.ok()) return drivers.status();
    for (const auto& d : drivers.value()) {
      x.drivers.push_back({d.ip, d.country, d.attacks, d.classification});
    }
    r.surges.push_back(std::move(x));
  }
  // "*" first, then by site, class ("*" first), start.
  std::stable_sort(r.surges.begin(), r.surges.end(), [](const Surge& a, const Surge& b) {
    auto k = [](const Surge& s) {
      return std::make_tuple(s.site != "*", s.site, s.cls != "*", s.cls, s.start);
    };
    return k(a) < k(b);
  });

  auto sources = st.TopSources(sites, opt.top_sources);
  if (!sources.ok()) return sources.status();
  for (const auto& s : sources.value()) {
    SourceRow row;
    row.ip = s.ip;
    row.country = s.country;
    row.domestic = !s.country.empty() && s.country == opt.home_country;
    row.attacks = s.attacks;
    for (const auto& [c, n] : s.classes) row.classes[ClsName(c)] = n;
    row.sites = s.sites;
    row.first_seen = opt.tz.FormatTime(s.first_seen);
    row.last_seen = opt.tz.FormatTime(s.last_seen);
    row.classification = s.classification;
    for (std::size_t p = 0; p < s.scenarios.size();) {
      std::size_t c = s.scenarios.find(',', p);
      if (c == std::string::npos) c = s.scenarios.size();
      if (c > p) {
        row.scenarios.push_back(s.scenarios.substr(p, c - p));
        row.scenario_help.push_back(row.scenarios.back() + ": " +
                                    std::string(detect::ScenarioHelp(row.scenarios.back())));
      }
      p = c + 1;
    }
    auto ev = nlohmann::json::parse(s.evidence, nullptr, false);
    if (ev.is_array()) {
      for (const auto& e : ev) {
        if (e.is_string()) row.evidence.push_back(e.get<std::string>());
      }
    }
    r.top_sources.push_back(std::move(row));
  }
  auto countries = st.Countries(sites);
  if (!countries.ok()) return countries.status();
  for (const auto& [cc, v] : countries.value()) {
    CountryRow row{cc, v.first, v.second, !cc.empty() && cc == opt.home_country};
    if (cc.empty()) r.unknown_country_attacks += v.first;
    else if (row.domestic) r.domestic_attacks += v.first;
    else r.overseas_attacks += v.first;
    r.countries.push_back(row);
  }
  auto classes = st.SourceClasses(sites);
  if (!classes.ok()) return classes.status();
  for (const auto& [c, k] : classes.value()) r.source_classes[c.empty() ? "unclassified" : c] += k;
  auto n = st.DistinctSources(sites);
  if (!n.ok()) return n.status();
  r.summary.sources = n.value();
  auto paths = st.TopPaths(sites, opt.top_paths);
  if (!paths.ok()) return paths.status();
  for (const auto& p : paths.value()) {
    PathRow row;
    row.path = p.path;
    row.attacks = p.attacks;
    for (const auto& [c, k] : p.classes) row.classes[c] = k;
    r.top_paths.push_back(std::move(row));
  }
  return r;
}

}  // namespace keikai::report
