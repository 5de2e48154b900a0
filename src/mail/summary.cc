#include "keikai/mail/summary.h"

#include <algorithm>
#include <climits>

namespace keikai::mail {

bool IsConnection(const Record& r) {
  if (r.what == What::kConnect && r.program.ends_with("/smtpd") && r.message.starts_with("connect from ")) return true;
  return r.program.ends_with("-login") && (r.message.starts_with("Login: ") || r.message.starts_with("Disconnected"));
}

void Counts::Add(const Record& r, bool connection) {
  ++records;
  if (connection) ++connections;
  if (r.what == What::kAuthFailed) ++auth_failures;
  if (r.what == What::kLostConnection) ++lost;
  if (r.symptom != Symptom::kNone) ++symptoms[static_cast<std::size_t>(r.symptom)];
}

void Counts::Add(const Counts& o) {
  records += o.records;
  connections += o.connections;
  auth_failures += o.auth_failures;
  lost += o.lost;
  for (int i = 0; i < kSymptomCount; ++i) symptoms[i] += o.symptoms[i];
}

void LogSummary::Add(const Record& r) {
  const bool connection = IsConnection(r);  // once per record
  if (totals_.records == 0 || r.time < first_) first_ = r.time;
  if (totals_.records == 0 || r.time > last_) last_ = r.time;
  totals_.Add(r, connection);
  const int64_t minute = r.time - ((r.time % 60) + 60) % 60;
  if (auto it = minutes_.find(minute); it != minutes_.end()) {
    it->second.Add(r, connection);
  } else if (minutes_.size() < max_minutes_) {
    minutes_[minute].Add(r, connection);
  } else {
    other_minutes_.Add(r, connection);
  }
  if (r.client.empty()) return;
  auto it = sources_.find(std::string(r.client));
  if (it == sources_.end()) {
    if (sources_.size() >= max_sources_) {
      other_sources_.Add(r, connection);
      ++other_source_count_;  // records, not addresses: they are not told apart any more
      return;
    }
    it = sources_.emplace(std::string(r.client), Source{}).first;
    it->second.s.address = std::string(r.client);
    it->second.s.first = r.time;
  }
  Source& s = it->second;
  const uint64_t before = s.s.counts.connections;
  s.s.counts.Add(r, connection);
  s.s.first = std::min(s.s.first, r.time);
  s.s.last = std::max(s.s.last, r.time);
  if (s.s.counts.connections > before) {
    if (s.minute != minute) {
      s.minute = minute;
      s.in_minute = 0;
    }
    ++s.in_minute;
    if (s.in_minute > s.s.peak_minute) {
      s.s.peak_minute = s.in_minute;
      s.s.peak_at = minute;
    }
  }
}

std::vector<SourceCounts> LogSummary::TopSources(std::size_t n) const {
  std::vector<const SourceCounts*> all;
  all.reserve(sources_.size());
  for (const auto& [addr, s] : sources_) all.push_back(&s.s);
  const auto better = [](const SourceCounts* a, const SourceCounts* b) {
    if (a->counts.connections != b->counts.connections) return a->counts.connections > b->counts.connections;
    if (a->counts.auth_failures != b->counts.auth_failures) return a->counts.auth_failures > b->counts.auth_failures;
    return a->address < b->address;
  };
  const std::size_t k = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<long>(k), all.end(), better);
  std::vector<SourceCounts> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(*all[i]);
  return out;
}

}  // namespace keikai::mail
