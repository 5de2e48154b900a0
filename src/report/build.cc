#include "keikai/report/build.h"

#include <algorithm>
#include <map>
#include <set>

#include "keikai/detect/detector.h"

namespace keikai::report {
namespace {

std::string ClsName(uint8_t c) {
  return c == store::kAllClasses ? "*"
                                 : std::string(detect::ClassName(static_cast<detect::AttackClass>(c)));
}

}  // namespace

Result<Report> BuildReport(store::Store& st, const pipeline::ScanResult* scan,
                           const BuildOptions& opt) {
  Report r;
  r.version = KEIKAI_VERSION;
  r.generated_at = opt.tz.FormatTime(opt.now);
  r.timezone = opt.tz.name() + " (UTC" + TimeZone::FormatOffset(opt.tz.OffsetAt(opt.now)) + ")";
  r.home_country = opt.home_country;
  std::vector<std::string> sites = opt.sites;
  if (sites.empty() && scan != nullptr) sites = scan->sites;
  if (sites.empty()) {
    auto all = st.Sites();
    if (!all.ok()) return all.status();
    sites = all.value();
  }
  r.sites = sites;
  if (scan != nullptr) {
    r.summary = scan->summary;
    r.files = scan->files;
    r.bad_line_samples = scan->bad_line_samples;
  }

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
    for (const surge::SurgeRun& run : surge::FindSurges(counts, opt.trend)) {
      Surge s;
      s.site = key.first;
      s.cls = key.second;
      s.start = FormatDate(first_day + static_cast<int64_t>(run.start));
      s.end = FormatDate(first_day + static_cast<int64_t>(run.end));
      s.peak_date = FormatDate(first_day + static_cast<int64_t>(run.peak));
      s.peak_ratio = run.peak_ratio;
      s.peak_attacks = counts[run.peak];
      s.baseline = run.baseline;
      s.days = run.end - run.start + 1;
      s.ongoing = run.ongoing;
      r.surges.push_back(std::move(s));
    }
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
