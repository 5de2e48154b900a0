#include "keikai/core/time.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace keikai {
namespace {

inline bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

int MonthFromAbbrev(std::string_view m) {
  if (m.size() != 3) return 0;
  // Case-insensitive on the first letter only would accept junk; compare all three.
  static constexpr const char* kNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
  char l[3];
  for (int i = 0; i < 3; ++i) l[i] = static_cast<char>(m[static_cast<std::size_t>(i)] | 0x20);
  for (int i = 0; i < 12; ++i) {
    if (l[0] == kNames[i][0] && l[1] == kNames[i][1] && l[2] == kNames[i][2]) return i + 1;
  }
  return 0;
}

bool ValidCivil(int y, int mo, int d, int h, int mi, int s) {
  return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
         h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

// "+0900", "+09:00", "Z"; returns characters consumed (0 = none/invalid).
std::size_t ParseOffset(std::string_view s, std::size_t pos, int& offset_seconds) {
  if (pos >= s.size()) return 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    offset_seconds = 0;
    return 1;
  }
  if (s[pos] != '+' && s[pos] != '-') return 0;
  int hh = 0, mm = 0;
  if (!Digits(s, pos + 1, 2, hh)) return 0;
  std::size_t n = 3;
  if (pos + n < s.size() && s[pos + n] == ':') ++n;
  if (!Digits(s, pos + n, 2, mm)) return 0;
  n += 2;
  if (hh > 23 || mm > 59) return 0;
  offset_seconds = (hh * 3600 + mm * 60) * (s[pos] == '-' ? -1 : 1);
  return n;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Shift the year so it starts in March; then leap days fall at the end of the year.
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

namespace {

// The clock of a CLF time ("10/Oct/2000:13:55:36 ..."): seconds since midnight, or -1.
int ClfClock(std::string_view s) {
  int h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || s[11] != ':' || !Digits(s, 12, 2, h) || s[14] != ':' ||
      !Digits(s, 15, 2, mi) || s[17] != ':' || !Digits(s, 18, 2, sec) || h > 23 || mi > 59 ||
      sec > 60) {
    return -1;
  }
  return h * 3600 + mi * 60 + sec;
}

// The day and zone of a CLF time (s holds at least the 20 characters ClfClock checked):
// base = the day's midnight in UTC minus the zone's offset, offset = the zone, seconds east.
bool ClfDayAndZone(std::string_view s, int64_t& base, int& offset) {
  int d = 0, y = 0;
  if (!Digits(s, 0, 2, d) || s[2] != '/' || s[6] != '/' || !Digits(s, 7, 4, y)) return false;
  const int mo = MonthFromAbbrev(s.substr(3, 3));
  if (mo == 0 || !ValidCivil(y, mo, d, 0, 0, 0)) return false;
  int off = 0;
  std::size_t pos = 20;
  if (pos < s.size() && s[pos] == ' ') {
    const std::size_t n = ParseOffset(s, pos + 1, off);
    if (n == 0) return false;
    pos += 1 + n;
  }
  if (pos != s.size()) return false;
  base = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 - off;
  offset = off;
  return true;
}

}  // namespace

bool ParseClfTime(std::string_view s, int64_t& utc) {
  // 10/Oct/2000:13:55:36 -0700
  const int clock = ClfClock(s);
  int64_t base = 0;
  int offset = 0;
  if (clock < 0 || !ClfDayAndZone(s, base, offset)) return false;
  utc = base + clock;
  return true;
}

bool ClfTimeParser::Parse(std::string_view s, int64_t& utc, int32_t* offset_seconds) {
  const int clock = ClfClock(s);
  if (clock < 0) return false;
  if (!valid_ || std::memcmp(s.data(), day_, sizeof day_) != 0 || s.substr(20) != zone_) {
    int64_t base = 0;
    int offset = 0;
    if (!ClfDayAndZone(s, base, offset)) return false;
    std::memcpy(day_, s.data(), sizeof day_);
    zone_.assign(s.substr(20));
    day_base_ = base;
    offset_ = offset;
    valid_ = true;
  }
  utc = day_base_ + clock;
  if (offset_seconds != nullptr) *offset_seconds = offset_;
  return true;
}

bool ParseIsoTime(std::string_view s, int64_t& utc) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, off = 0;
  if (s.size() < 19 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) ||
      s[7] != '-' || !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
      !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' ||
      !Digits(s, 17, 2, sec)) {
    return false;
  }
  if (!ValidCivil(y, mo, d, h, mi, sec)) return false;
  std::size_t pos = 19;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size()) {
    const std::size_t n = ParseOffset(s, pos, off);
    if (n == 0) return false;
    pos += n;
  }
  if (pos != s.size()) return false;
  utc = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
        h * 3600 + mi * 60 + sec - off;
  return true;
}

bool ParseEpochTime(std::string_view s, int64_t& utc) {
  if (s.empty() || s.size() > 24) return false;
  int64_t v = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (i >= 12) return false;  // beyond year 33658: not a timestamp
    v = v * 10 + (s[i] - '0');
  }
  if (i == 0) return false;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    for (++i; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
  }
  // Milliseconds since epoch (13 digits) are not accepted here: ambiguity is worse than a miss.
  utc = v;
  return true;
}

std::string FormatIsoUtc(int64_t t) {
  const int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const int64_t s = t - day * 86400;
  char b[64];
  std::snprintf(b, sizeof b, "T%02lld:%02lld:%02lldZ", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60),
                static_cast<long long>(s % 60));
  return FormatDate(day) + b;
}

std::string FormatDate(int64_t days) {
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

bool ParseDate(std::string_view s, int64_t& days) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, m) ||
      s[7] != '-' || !Digits(s, 8, 2, d) || !ValidCivil(y, m, d, 0, 0, 0)) {
    return false;
  }
  days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int64_t yy = 0;
  unsigned mm = 0, dd = 0;
  CivilFromDays(days, yy, mm, dd);
  return yy == y && static_cast<int>(mm) == m && static_cast<int>(dd) == d;  // rejects 02-30
}

std::optional<TimeZone> TimeZone::Make(std::string_view spec) {
  TimeZone tz;
  tz.name_ = std::string(spec);
  if (spec == "UTC" || spec == "utc" || spec == "Z" || spec == "Etc/UTC") {
    tz.name_ = "UTC";
    return tz;
  }
  if (spec == "JST" || spec == "Asia/Tokyo") {
    tz.name_ = "Asia/Tokyo";
    tz.fixed_offset_ = 9 * 3600;
    return tz;
  }
  int off = 0;
  if (!spec.empty() && (spec[0] == '+' || spec[0] == '-')) {
    if (ParseOffset(spec, 0, off) != spec.size()) return std::nullopt;
    tz.fixed_offset_ = off;
    return tz;
  }
  // An IANA name: accept only names the system tz database has (no path tricks).
  for (char c : spec) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
          c == '+')) {
      return std::nullopt;
    }
  }
  if (spec.empty() || spec.find("..") != std::string_view::npos) return std::nullopt;
  std::FILE* f = std::fopen(("/usr/share/zoneinfo/" + std::string(spec)).c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::fclose(f);
  tz.fixed_ = false;
  return tz;
}

TimeZone TimeZone::Utc() { return *Make("UTC"); }
TimeZone TimeZone::Jst() { return *Make("Asia/Tokyo"); }

int32_t TimeZone::OffsetAt(int64_t utc_seconds) const {
  if (fixed_) return fixed_offset_;
  const int64_t hour = utc_seconds >= 0 ? utc_seconds / 3600 : (utc_seconds - 3599) / 3600;
  auto it = cache_.find(hour);
  if (it != cache_.end()) return it->second;
  // The C library's tz database is reached through the process-wide TZ variable; serialise.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", name_.c_str(), 1);
  tzset();
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(hour * 3600);
  localtime_r(&t, &tm);
  const auto off = static_cast<int32_t>(tm.tm_gmtoff);
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  cache_.emplace(hour, off);
  return off;
}

std::string TimeZone::FormatOffset(int32_t off) {
  char buf[16];
  const int32_t a = off < 0 ? -off : off;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, (a % 3600) / 60);
  return buf;
}

std::string TimeZone::FormatTime(int64_t utc_seconds) const {
  const int32_t off = OffsetAt(utc_seconds);
  const int64_t l = utc_seconds + off;
  const int64_t days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
  const int64_t sod = l - days * 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %02lld:%02lld:%02lld %s", FormatDate(days).c_str(),
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60), FormatOffset(off).c_str());
  return buf;
}

}  // namespace keikai
