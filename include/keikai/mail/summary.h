#pragma once
// Per-source and per-minute counts of mail-log records (issue 14, scope 2): connections,
// authentication failures, connections lost before finishing, and each symptom of the server's
// limits (log.h Symptom). What `keikai mail logs` shows, and what delay incidents will rank
// sources by. Memory is bounded: at most max_sources addresses and max_minutes minutes are kept
// apart; the rest are counted together ("other") so the totals always add up.
//
// Thread-safety: one thread.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "keikai/mail/log.h"

namespace keikai::mail {

// Whether a record is one connection: Postfix smtpd "connect from", or the one line Dovecot's
// login processes log per connection when it ends ("Login:", "Disconnected").
bool IsConnection(const Record& r);

struct Counts {
  uint64_t records = 0, connections = 0, auth_failures = 0, lost = 0;
  std::array<uint64_t, kSymptomCount> symptoms{};
  void Add(const Record& r) { Add(r, IsConnection(r)); }
  void Add(const Record& r, bool connection);
  void Add(const Counts& o);
};

struct SourceCounts {
  std::string address;
  Counts counts;
  int64_t first = 0, last = 0;   // Unix seconds
  uint64_t peak_minute = 0;      // most connections in one minute
  int64_t peak_at = 0;           // that minute (Unix seconds)
};

class LogSummary {
 public:
  explicit LogSummary(std::size_t max_sources = 1'000'000, std::size_t max_minutes = 100'000)
      : max_sources_(max_sources), max_minutes_(max_minutes) {}
  void Add(const Record& r);
  const Counts& totals() const { return totals_; }
  // Minutes in time order (Unix seconds of the minute's start).
  const std::map<int64_t, Counts>& minutes() const { return minutes_; }
  const Counts& other_minutes() const { return other_minutes_; }
  // Sources, most connections first (then failures, then address), at most n.
  std::vector<SourceCounts> TopSources(std::size_t n) const;
  std::size_t sources() const { return sources_.size(); }
  const Counts& other_sources() const { return other_sources_; }
  uint64_t other_source_count() const { return other_source_count_; }
  int64_t first() const { return first_; }
  int64_t last() const { return last_; }

 private:
  struct Source {
    SourceCounts s;
    int64_t minute = INT64_MIN;
    uint64_t in_minute = 0;
  };
  std::size_t max_sources_, max_minutes_;
  Counts totals_, other_minutes_, other_sources_;
  uint64_t other_source_count_ = 0;
  std::map<int64_t, Counts> minutes_;
  std::unordered_map<std::string, Source> sources_;
  int64_t first_ = 0, last_ = 0;  // meaningful once totals_.records > 0
};

}  // namespace keikai::mail
