#include "keikai/report/alert.h"

#include <cmath>
#include <cstdio>

#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/event/event.h"
#include "report/format.h"

namespace keikai::report {

std::string LongDate(Day day) {
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(day, y, m, d);
  if (CurrentLang() == Lang::kJa) {
    return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
  }
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return std::to_string(d) + " " + kMonths[m - 1] + " " + std::to_string(y);
}

std::string RoundedRatio(double r) {
  return r >= 10 ? std::to_string(static_cast<long long>(std::llround(r))) : Fixed(r, 1);
}

std::string BaselinePeriod(const Surge& s) {
  // "Three months" for the default 90-day window only (a longer --window-days says its days).
  if (!s.short_history && s.baseline_days >= 88 && s.baseline_days <= 92) return Tr("alert.period_3m");
  if (s.baseline_days == 1) return Tr("alert.period_day");
  return ReplaceAll(Tr("alert.period_days"), "{n}", std::to_string(s.baseline_days));
}

std::string SurgeAlertSentence(const Surge& s) {
  std::string t = Tr(s.ongoing ? "alert.surge" : "alert.surge_ended");
  t = ReplaceAll(t, "{period}", BaselinePeriod(s));
  t = ReplaceAll(t, "{start}", LongDate(s.start));
  t = ReplaceAll(t, "{end}", LongDate(s.end));
  // "*" of a site whose attacks all came from mail logs: failed logins and dropped connections,
  // not "bots and scanners".
  const bool mail_only = s.cls == kAllClasses && s.kinds == (1u << static_cast<unsigned>(event::Kind::kMail));
  t = ReplaceAll(t, "{what}", Tr(mail_only ? "alert.what.*mail" : ("alert.what." + ClassKey(s.cls)).c_str()));
  t = ReplaceAll(t, "{ratio}", RoundedRatio(s.peak_ratio));
  t = ReplaceAll(t, "{site}", s.site == kAllSites ? Tr("text.all_sites") : s.site);
  if (s.short_history) t += SentenceGap() + ShortHistoryNote(s);
  return t;
}

std::string ShortHistoryNote(const Surge& s) {
  return FillTemplate(Tr("alert.short_history"),
                      {{"{n}", std::to_string(s.baseline_days)}, {"{w}", std::to_string(s.window_days)}});
}

std::string SurgeAlertDetails(const Surge& s) {
  std::string t = Tr("alert.details");
  t = ReplaceAll(t, "{peak}", FormatDate(s.peak_day));
  t = ReplaceAll(t, "{attacks}", Thousands(s.peak_attacks));
  t = ReplaceAll(t, "{baseline}", Fixed(s.baseline, 1));
  char p[32];
  std::snprintf(p, sizeof p, "%.1e", s.p_value);
  t = ReplaceAll(t, "{p}", p);
  t = ReplaceAll(t, "{first_alarm}", s.first_alarm_time);
  std::string drivers;
  for (std::size_t i = 0; i < s.drivers.size() && i < 3; ++i) {
    const SurgeDriver& d = s.drivers[i];
    if (!drivers.empty()) drivers += ", ";
    std::string where = d.country;
    if (!d.country_name.empty()) where += " " + d.country_name;
    drivers += d.ip + (where.empty() ? "" : " (" + where + ")") + " " + Thousands(d.attacks);
  }
  t = ReplaceAll(t, "{sources}", drivers.empty() ? "-" : drivers);
  return t;
}

}  // namespace keikai::report
