#pragma once
// Time helpers: civil date <-> Unix seconds (UTC), fast parsers for the timestamp formats that
// web servers write, and TimeZone for display. All parsers are allocation-free and never throw;
// they return false on malformed input. Thread-safe: pure functions; TimeZone is immutable after
// construction (its cache is per instance, so share by const reference only within one thread).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keikai {

// Days since 1970-01-01 for a proleptic Gregorian date (y, m 1..12, d 1..31).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// Inverse of DaysFromCivil.
void CivilFromDays(int64_t days, int64_t& y, unsigned& m, unsigned& d);

// "10/Oct/2000:13:55:36 -0700" (nginx $time_local, Apache %t without brackets).
bool ParseClfTime(std::string_view s, int64_t& utc_seconds);
// ParseClfTime for a stream of lines (one per parser, not shared between threads): the day and
// the zone of the last good time are remembered, so the lines of one day parse only their clock.
// Accepts and computes exactly what ParseClfTime does; *offset_seconds (optional) receives the
// zone the time was written in, seconds east of UTC (0 without a zone).
class ClfTimeParser {
 public:
  bool Parse(std::string_view s, int64_t& utc_seconds, int32_t* offset_seconds = nullptr);

 private:
  char day_[11] = {};       // "10/Oct/2000" of the remembered time
  std::string zone_;        // what follows the clock (" -0700", or nothing)
  int64_t day_base_ = 0;    // the day's midnight in UTC, minus the zone's offset
  int32_t offset_ = 0;      // the zone's offset
  bool valid_ = false;
};
// "2000-10-10T13:55:36-07:00", "...Z", "...+0900", optional fraction; also "2000-10-10 13:55:36"
// (taken as UTC unless an offset follows).
bool ParseIsoTime(std::string_view s, int64_t& utc_seconds);
// "1646861401.524" (nginx $msec, Caddy ts).
bool ParseEpochTime(std::string_view s, int64_t& utc_seconds);

// "YYYY-MM-DD" from days since epoch.
std::string FormatDate(int64_t days);
// "2026-12-01T15:05:00Z" from Unix seconds (JSON times of the mail monitor).
std::string FormatIsoUtc(int64_t utc_seconds);
// Parse "YYYY-MM-DD" to days since epoch.
bool ParseDate(std::string_view s, int64_t& days);

// A display time zone: a fixed offset ("+09:00", "UTC") or an IANA name ("Asia/Tokyo") resolved
// through the C library's tz database. Offsets are cached per UTC hour.
class TimeZone {
 public:
  static std::optional<TimeZone> Make(std::string_view spec);
  static TimeZone Utc();
  static TimeZone Jst();  // Asia/Tokyo (+09:00, no DST)

  // Offset from UTC in seconds at the given instant.
  int32_t OffsetAt(int64_t utc_seconds) const;
  int64_t LocalDay(int64_t utc_seconds) const {
    int64_t l = utc_seconds + OffsetAt(utc_seconds);
    return l >= 0 ? l / 86400 : (l - 86399) / 86400;
  }
  // Name as the user gave it, e.g. "Asia/Tokyo" or "+09:00".
  const std::string& name() const { return name_; }
  // "2022-02-16 09:00:00 +09:00"
  std::string FormatTime(int64_t utc_seconds) const;
  // "+09:00"
  static std::string FormatOffset(int32_t offset_seconds);

 private:
  std::string name_;
  bool fixed_ = true;
  int32_t fixed_offset_ = 0;
  mutable std::unordered_map<int64_t, int32_t> cache_;
};

}  // namespace keikai
