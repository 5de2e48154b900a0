#include "keikai/report/alert.h"

#include <cmath>
#include <cstdio>

#include "keikai/core/i18n.h"

namespace keikai::report {
namespace {

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Count(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace

std::string LongDate(const std::string& ymd) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(ymd.c_str(), "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12) return ymd;
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

std::string SurgeAlertSentence(const Surge& s) {
  std::string t = Tr(s.ongoing ? "alert.surge" : "alert.surge_ended");
  t = Replace(t, "{start}", LongDate(s.start));
  t = Replace(t, "{end}", LongDate(s.end));
  t = Replace(t, "{what}", Tr("alert.what." + s.cls));
  t = Replace(t, "{ratio}", RoundedRatio(s.peak_ratio));
  t = Replace(t, "{site}", s.site == "*" ? Tr("text.all_sites") : s.site);
  return t;
}

std::string SurgeAlertDetails(const Surge& s) {
  std::string t = Tr("alert.details");
  t = Replace(t, "{peak}", s.peak_date);
  t = Replace(t, "{attacks}", Count(s.peak_attacks));
  t = Replace(t, "{baseline}", Fixed(s.baseline, 1));
  char p[32];
  std::snprintf(p, sizeof p, "%.1e", s.p_value);
  t = Replace(t, "{p}", p);
  t = Replace(t, "{first_alarm}", s.first_alarm_time);
  std::string drivers;
  for (std::size_t i = 0; i < s.drivers.size() && i < 3; ++i) {
    const SurgeDriver& d = s.drivers[i];
    if (!drivers.empty()) drivers += ", ";
    drivers += d.ip + (d.country.empty() ? "" : " (" + d.country + ")") + " " + Count(d.attacks);
  }
  t = Replace(t, "{sources}", drivers.empty() ? "-" : drivers);
  return t;
}

}  // namespace keikai::report
