#include "keikai/report/build.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "keikai/core/hash.h"
#include "keikai/detect/behavior.h"
#include "keikai/detect/detector.h"
#include "keikai/event/event.h"
#include "keikai/geo/country_names.h"
#include "keikai/surge/state.h"
#include "report/format.h"

namespace keikai::report {
namespace {

const std::string kFleet = "*";
const std::string kOtherSites = "(other)";  // sites beyond max_sites, counted together

uint8_t ClsId(const std::string& name) {
  uint8_t id = kAllClasses;
  if (name != "*") event::ParseClass(name, id);
  return id;
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
        d += SentenceGap() + ReplaceAll(Tr("problem.looks_like"), "{format}", f.detected_format);
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

std::string ClassKey(uint8_t cls) { return std::string(event::ClassName(cls)); }

Result<Report> BuildReport(store::Store& st, const pipeline::ScanResult* scan,
                           const BuildOptions& opt, BuildStats* stats) {
  Report r;
  static const SystemClock kSystemClock;
  const int64_t now = (opt.clock != nullptr ? opt.clock : &kSystemClock)->NowSeconds();
  r.version = KEIKAI_VERSION;
  r.generated_at = opt.tz.FormatTime(now);
  r.timezone = opt.tz.name() + " (UTC" + TimeZone::FormatOffset(opt.tz.OffsetAt(now)) + ")";
  r.home_country = opt.home_country;
  r.min_history_days = std::max(1, opt.trend.min_history_days);
  std::vector<std::string> sites = opt.sites;
  if (sites.empty() && scan != nullptr && !scan->all_sites) sites = scan->sites;
  // Every site of the store: queries then name no site (a fleet's store may hold more sites
  // than one statement can list).
  const bool whole_store = sites.empty() && (scan == nullptr || scan->all_sites);
  if (whole_store) {
    // A report of the store alone covers every site in it; a scan's report covers what its
    // inputs hold, and nothing else (a scan of a missing file must not show old data).
    auto all = st.Sites();
    if (!all.ok()) return all.status();
    sites = all.value();
  }
  if (scan != nullptr) {
    static_cast<pipeline::ScanCounts&>(r.summary) = scan->summary;
    r.files = scan->files;
    r.bad_line_samples = scan->bad_line_samples;
    r.notes = scan->notes;
    AddProblems(r);
  }
  if (scan == nullptr) {  // a report of the store: its mail probes too
    auto probes = LoadProbes(st, now - int64_t{std::max(1, opt.mail_days)} * 86400, now);
    if (!probes.ok()) return probes.status();
    r.mail = BuildMailSection(probes.value(), nullptr, 0, 0, opt.latency);
    r.mail.tz = opt.tz;
  }
  if (sites.empty()) return r;

  // The window: report_days ending on the last day with data (never later than two days after
  // now), plus window_days before it as the history the first days are measured against. Every
  // query is bounded by it.
  const std::vector<std::string> scope_sites = whole_store ? std::vector<std::string>{} : sites;
  auto last = st.LastHour(scope_sites);
  if (!last.ok()) return last.status();
  if (!last.value()) {
    r.sites = sites;
    return r;
  }
  const int64_t end_hour = std::min(*last.value(), now / 3600 + 48);
  const int64_t last_day = opt.tz.LocalDay(end_hour * 3600);
  const int64_t shown_first_day = last_day - std::max(1, opt.report_days) + 1;
  const int w = std::max(1, opt.trend.window_days);
  const int64_t load_first_day = shown_first_day - w;
  const auto day_start_hour = [&](int64_t day) {
    // The first UTC hour of a local day (zones here have whole-hour or half-hour offsets;
    // the hour that contains local midnight counts for the day it starts).
    const int64_t guess = (day * 86400 - opt.tz.OffsetAt(day * 86400)) / 3600;
    int64_t h = guess - 2;
    while (opt.tz.LocalDay(h * 3600) < day) ++h;
    return h;
  };
  store::Store::Scope load{scope_sites, day_start_hour(load_first_day), end_hour};
  store::Store::Scope shown{scope_sites, day_start_hour(shown_first_day), end_hour};

  // Sites with their own series: the busiest max_sites; the others are counted together as
  // "(other)" (a log with a hundred thousand Host names must not give as many charts).
  auto by_requests = st.SiteRequests(load);
  if (!by_requests.ok()) return by_requests.status();
  std::map<std::string, std::string> series_site;  // site -> its series name
  std::vector<std::string> folded;
  for (const auto& [site, n] : by_requests.value()) {
    if (series_site.size() < opt.max_sites) {
      series_site[site] = site;
    } else {
      series_site[site] = kOtherSites;
      folded.push_back(site);
    }
  }
  for (const std::string& s : sites) {
    if (series_site.count(s) != 0 && series_site[s] == s) r.sites.push_back(s);
  }
  if (r.sites.empty() && folded.empty()) r.sites = sites;  // sites without requests
  r.other_sites = folded.size();
  const bool fleet = series_site.size() > 1;
  auto name_of = [&](const std::string& site) -> const std::string& {
    auto it = series_site.find(site);
    return it != series_site.end() ? it->second : site;
  };

  auto attacks = st.AttackHours(load);
  if (!attacks.ok()) return attacks.status();
  auto requests = st.RequestHours(load);
  if (!requests.ok()) return requests.status();
  if (requests.value().empty() && attacks.value().empty()) return r;

  int64_t first_hour = INT64_MAX;
  for (const auto& h : requests.value()) first_hour = std::min(first_hour, h.hour);
  for (const auto& h : attacks.value()) first_hour = std::min(first_hour, h.hour);
  const int64_t first_day = opt.tz.LocalDay(first_hour * 3600);
  const auto ndays = static_cast<std::size_t>(last_day - first_day + 1);
  const auto nhours = static_cast<std::size_t>(end_hour - first_hour + 1);
  const std::size_t shown_from =
      static_cast<std::size_t>(std::max<int64_t>(0, shown_first_day - first_day));
  const auto day_index = [&](int64_t hour) {
    return static_cast<std::size_t>(std::clamp<int64_t>(
        opt.tz.LocalDay(hour * 3600) - first_day, 0, static_cast<int64_t>(ndays) - 1));
  };
  r.first_day = first_day + static_cast<int64_t>(shown_from);
  r.last_day = last_day;
  r.history_days = last_day - first_day + 1;

  // Hourly series per (series site, class) and the fleet ("*"); hours in which a site logged
  // no request at all are gaps. Daily counts per the same keys, and requests per site.
  using Key = std::pair<std::string, std::string>;  // series site, class
  std::vector<surge::HourlySeries> hourly;
  std::map<Key, std::size_t> index;
  std::map<std::string, std::vector<uint8_t>> present;
  std::map<std::string, std::vector<uint64_t>> req_days;
  std::map<std::string, std::size_t> history_start;  // series site -> first day with requests
  for (const auto& h : requests.value()) {
    const std::size_t d = day_index(h.hour);
    for (const std::string* site : {&name_of(h.site), &kFleet}) {
      if (site == &kFleet && !fleet) continue;
      auto& v = present[*site];
      if (v.empty()) v.assign(nhours, 0);
      if (h.count > 0) v[static_cast<std::size_t>(h.hour - first_hour)] = 1;
      auto& rd = req_days[*site];
      if (rd.empty()) rd.assign(ndays, 0);
      rd[d] += h.count;
      auto hs = history_start.find(*site);
      if (hs == history_start.end()) history_start[*site] = d;
      else hs->second = std::min(hs->second, d);
    }
    if (d >= shown_from) {
      r.summary.requests += h.count;
      r.summary.events_by_kind[std::string(event::KindName(static_cast<event::Kind>(h.cls)))] += h.count;
    }
  }
  auto series = [&](const std::string& site, const std::string& cls) -> surge::HourlySeries& {
    auto it = index.find({site, cls});
    if (it != index.end()) return hourly[it->second];
    surge::HourlySeries s;
    s.site = site;
    s.cls = cls;
    s.first_hour = first_hour;
    s.counts.assign(nhours, 0);
    auto p = present.find(site);
    if (p != present.end()) s.present = p->second;
    index[{site, cls}] = hourly.size();
    hourly.push_back(std::move(s));
    return hourly.back();
  };
  // Every site gets an all-classes series, even with no attacks, so the chart shows calm sites.
  for (const auto& [site, v] : req_days) series(site, "*");
  // The kinds of input each series name's attacks came from (a mail server's "*" series is not
  // "bots and scanners"): bit per event::Kind, by site, and for the fleet.
  std::map<std::string, uint32_t> site_kinds;
  for (const auto& h : attacks.value()) {
    if (h.cls == store::kAllClasses) continue;
    for (const event::ClassInfo& ci : event::Classes()) {
      if (ci.id != h.cls) continue;
      const uint32_t bit = 1u << static_cast<unsigned>(ci.kind);
      site_kinds[name_of(h.site)] |= bit;
      site_kinds[kFleet] |= bit;
    }
  }
  for (const auto& h : attacks.value()) {
    const std::string cls = ClassKey(h.cls);
    const auto i = static_cast<std::size_t>(h.hour - first_hour);
    const auto c = static_cast<uint32_t>(std::min<uint64_t>(h.count, UINT32_MAX));
    series(name_of(h.site), cls).counts[i] += c;
    if (fleet) series(kFleet, cls).counts[i] += c;
    if (day_index(h.hour) >= shown_from) {
      if (h.cls == store::kAllClasses) r.summary.attacks += h.count;
      else r.classes[cls] += h.count;
    }
  }

  // Surges: the statistical detector over the hourly series.
  std::vector<std::vector<const surge::SurgeEvent*>> events(hourly.size());
  // The detector resumes from what it remembered for this report's sites (the state says
  // itself whether it still fits); the hour still being written is tested but not remembered.
  surge::Resume resume;
  std::optional<surge::DetectorState> memory;
  std::string memory_key;
  if (opt.keep_surge_state) {
    std::string scope = std::to_string(opt.max_sites);
    if (whole_store) scope += "\n(the whole store)";
    for (const std::string& s : scope_sites) scope += "\n" + s;
    memory_key = "surge/" + HashKey(Fnv1a64(scope), sites.size());
    auto text = st.LoadState(memory_key);
    if (text.ok() && text.value()) memory = surge::DecodeState(*text.value());
    resume.from = memory ? &*memory : nullptr;
    resume.save_through = end_hour - 1;
  }
  const std::vector<surge::SurgeEvent> found =
      surge::DetectSurges(hourly, opt.detector, opt.keep_surge_state ? &resume : nullptr);
  if (opt.keep_surge_state && resume.to.through != INT64_MIN &&
      (!resume.used || resume.to.through > resume.from->through)) {
    // Best effort: a store opened for reading keeps no memory, and the next report tests again.
    (void)st.SaveState(memory_key, surge::EncodeState(resume.to));
  }
  if (stats != nullptr) {
    stats->surge_state_used = resume.used;
    stats->surge_tested_from = opt.keep_surge_state ? resume.tested_from : first_hour;
    stats->surge_hours = static_cast<int64_t>(nhours);
  }
  for (const surge::SurgeEvent& e : found) events[e.series].push_back(&e);

  const double floor = opt.trend.baseline_floor;
  const auto min_hist = static_cast<std::size_t>(r.min_history_days);
  for (std::size_t si = 0; si < hourly.size(); ++si) {
    const surge::HourlySeries& hs = hourly[si];
    const uint8_t series_cls = ClsId(hs.cls);
    std::vector<uint64_t> daily(ndays, 0);
    for (std::size_t i = 0; i < nhours; ++i) daily[day_index(first_hour + static_cast<int64_t>(i))] += hs.counts[i];
    const auto hsit = history_start.find(hs.site);
    const std::size_t hist0 = hsit != history_start.end() ? hsit->second : 0;
    std::vector<int32_t> in_surge(ndays, -1);  // index into this series' surges, by day
    // The mean daily count over the window before day d, leaving out days of earlier surges:
    // what "normal" was. days = the calendar days of history the window covers.
    struct Base {
      double mean = 0;
      std::size_t days = 0;
    };
    const auto baseline = [&](std::size_t d) {
      Base b;
      const std::size_t from = std::max(hist0, d > static_cast<std::size_t>(w) ? d - static_cast<std::size_t>(w) : 0);
      if (d <= from) return b;
      b.days = d - from;
      double sum = 0, n = 0;
      for (std::size_t k = from; k < d; ++k) {
        if (in_surge[k] >= 0) continue;
        sum += static_cast<double>(daily[k]);
        n += 1;
      }
      b.mean = n > 0 ? sum / n : 0;
      return b;
    };
    std::vector<Surge> mine;
    std::vector<bool> shown_flag;
    for (const surge::SurgeEvent* e : events[si]) {
      std::size_t d0 = day_index(e->start_hour);
      const std::size_t alarm_day = day_index(e->first_alarm_hour);
      const std::size_t d1 = day_index(e->last_alarm_hour);
      // The hourly CUSUM may date the rise a few hours early (a busy evening before it); for
      // the day people read, the first day from there that is itself clearly raised.
      {
        const Base b = baseline(d0);
        for (std::size_t d = d0; d <= alarm_day; ++d) {
          if (static_cast<double>(daily[d]) >= 1.5 * std::max(b.mean, floor)) {
            d0 = d;
            break;
          }
        }
      }
      const Base b = baseline(d0);
      if (b.days == 0) continue;  // no day before it to compare with
      const std::size_t dend = e->ongoing ? ndays - 1 : std::max(d0, d1);
      Surge x;
      x.site = hs.site;
      x.cls = series_cls;
      if (const auto k = site_kinds.find(hs.site); k != site_kinds.end()) x.kinds = k->second;
      x.start = first_day + static_cast<int64_t>(d0);
      x.end = first_day + static_cast<int64_t>(std::max(d0, d1));
      x.days = std::max(d0, d1) - d0 + 1;
      x.baseline = b.mean;
      x.baseline_days = b.days;
      x.short_history = b.days < static_cast<std::size_t>(w);
      x.window_days = static_cast<uint64_t>(w);
      std::size_t peak = d0;
      for (std::size_t d = d0; d <= dend; ++d) {
        if (daily[d] > daily[peak]) peak = d;
      }
      x.peak_day = first_day + static_cast<int64_t>(peak);
      x.peak_attacks = daily[peak];
      x.peak_ratio = static_cast<double>(daily[peak]) / std::max(b.mean, floor);
      x.ongoing = e->ongoing;
      x.start_time = opt.tz.FormatTime(e->start_hour * 3600);
      x.first_alarm_time = opt.tz.FormatTime(e->first_alarm_hour * 3600);
      x.p_value = e->min_p;
      x.peak_hour_attacks = e->peak_count;
      x.peak_hour_expected = e->peak_expected;
      x.peak_hour_time = opt.tz.FormatTime(e->peak_hour * 3600);
      x.total_attacks = e->total;
      x.total_expected = e->total_expected;
      for (std::size_t d = d0; d <= dend; ++d) {
        if (in_surge[d] < 0) in_surge[d] = static_cast<int32_t>(mine.size());
      }
      if (dend < shown_from) {  // before the window: it only shapes later baselines
        mine.push_back(std::move(x));
        shown_flag.push_back(false);
        continue;
      }
      // The sources that drove it.
      const uint8_t cls_id = x.cls;
      const bool group = hs.site == kFleet || hs.site == kOtherSites;
      // "(other)" of the whole store: every site but those with their own series.
      const bool other = hs.site == kOtherSites;
      auto drivers = st.TopSourcesBetween(other ? (whole_store ? r.sites : folded) : scope_sites,
                                          group ? kFleet : hs.site, cls_id, e->start_hour,
                                          e->last_alarm_hour, opt.surge_drivers, other && whole_store);
      if (!drivers.ok()) return drivers.status();
      for (const auto& d : drivers.value()) {
        x.drivers.push_back({d.ip, d.country, geo::CountryName(d.country, CurrentLang()), d.attacks,
                             d.classification});
      }
      mine.push_back(std::move(x));
      shown_flag.push_back(true);
    }
    // The daily view: a day inside a surge carries the surge's baseline (so the peak day's
    // ratio is the surge's peak_ratio); any other day the normal level before it.
    const auto reqs = req_days.find(hs.site);
    for (std::size_t d = shown_from; d < ndays; ++d) {
      DailyRow row;
      // A class's series is sparse: a day without its attacks and outside its surges has no
      // row (zero); a site's all-classes series has every day (its requests, calm days).
      if (hs.cls != "*" && daily[d] == 0 && in_surge[d] < 0) continue;
      row.day = first_day + static_cast<int64_t>(d);
      row.site = hs.site;
      row.cls = series_cls;
      row.attacks = daily[d];
      if (hs.cls == "*" && reqs != req_days.end()) row.requests = reqs->second[d];
      if (in_surge[d] >= 0) {
        const Surge& s = mine[static_cast<std::size_t>(in_surge[d])];
        row.in_surge = true;
        row.baseline = s.baseline;
        row.baseline_days = s.baseline_days;
      } else {
        const Base b = baseline(d);
        row.baseline = b.mean;
        row.baseline_days = b.days;
      }
      row.has_baseline = row.baseline_days >= min_hist || (row.in_surge && row.baseline_days > 0);
      row.ratio = row.has_baseline ? static_cast<double>(row.attacks) / std::max(row.baseline, floor) : 0;
      r.daily.push_back(std::move(row));
    }
    for (std::size_t k = 0; k < mine.size(); ++k) {
      if (shown_flag[k]) r.surges.push_back(std::move(mine[k]));
    }
  }
  // "*" first, then by site, class ("*" first), start.
  std::stable_sort(r.surges.begin(), r.surges.end(), [](const Surge& a, const Surge& b) {
    auto k = [](const Surge& s) {
      return std::make_tuple(s.site != kAllSites, s.site, s.cls != kAllClasses, ClassKey(s.cls), s.start);
    };
    return k(a) < k(b);
  });

  auto sources = st.TopSources(shown, opt.top_sources);

  if (!sources.ok()) return sources.status();
  for (const auto& s : sources.value()) {
    SourceRow row;
    row.ip = s.ip;
    row.country = s.country;
    row.country_name = geo::CountryName(s.country, CurrentLang());
    row.domestic = !s.country.empty() && s.country == opt.home_country;
    row.attacks = s.attacks;
    for (const auto& [c, n] : s.classes) row.classes[ClassKey(c)] = n;
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
  auto countries = st.Countries(shown);
  if (!countries.ok()) return countries.status();
  for (const auto& [cc, v] : countries.value()) {
    CountryRow row{cc, geo::CountryName(cc, CurrentLang()), v.first, v.second,
                   !cc.empty() && cc == opt.home_country};
    if (cc.empty()) r.unknown_country_attacks += v.first;
    else if (row.domestic) r.domestic_attacks += v.first;
    else r.overseas_attacks += v.first;
    r.countries.push_back(row);
  }
  auto classes = st.SourceClasses(shown);
  if (!classes.ok()) return classes.status();
  for (const auto& [c, k] : classes.value()) r.source_classes[c.empty() ? "unclassified" : c] += k;
  auto n = st.DistinctSources(shown);
  if (!n.ok()) return n.status();
  r.summary.sources = n.value();
  // "And N other sources": all attacking sources' attacks are the countries' sum.
  uint64_t source_attacks = 0, listed = 0;
  for (const CountryRow& c : r.countries) source_attacks += c.attacks;
  for (const SourceRow& s : r.top_sources) listed += s.attacks;
  r.other_sources.rows = r.summary.sources - std::min<uint64_t>(r.summary.sources, r.top_sources.size());
  r.other_sources.attacks = source_attacks - std::min(source_attacks, listed);
  auto paths = st.TopPaths(shown, opt.top_paths);
  if (!paths.ok()) return paths.status();
  listed = 0;
  for (const auto& p : paths.value()) {
    PathRow row;
    row.path = p.path;
    row.attacks = p.attacks;
    listed += p.attacks;
    for (const auto& [c, k] : p.classes) row.classes[c] = k;
    r.top_paths.push_back(std::move(row));
  }
  auto path_count = st.PathCount(shown);
  if (!path_count.ok()) return path_count.status();
  const auto [npaths, nfindings] = path_count.value();
  r.other_paths.rows = npaths - std::min<uint64_t>(npaths, r.top_paths.size());
  r.other_paths.attacks = nfindings - std::min(nfindings, listed);
  return r;
}

}  // namespace keikai::report
