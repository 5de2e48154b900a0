#include "keikai/mail/latency.h"

#include <algorithm>
#include <cmath>

namespace keikai::mail {
namespace {

constexpr const char* kPhaseOrder[] = {"connect", "tls", "banner", "hello", "starttls", "login", "quit"};

int PhaseRank(const std::string& p) {
  for (int i = 0; i < 7; ++i) {
    if (p == kPhaseOrder[i]) return i;
  }
  return 7;
}

std::string ServiceOf(const ProbeResult& r) { return r.name.empty() ? r.protocol : r.name; }

// The failures a delay gives: the server did not answer in time, refused or dropped the
// connection, or said it could not serve now (421, -ERR, BYE at its limits).
bool DelayFailure(const ProbeResult& r) {
  return !r.ok && (r.failure == "timeout" || r.failure == "refused" || r.failure == "closed" ||
                   r.failure == "tls_error" || r.failure == "unexpected_reply");
}

double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

std::vector<ServiceLatency> SummarizeLatency(const std::vector<ProbeResult>& probes) {
  std::map<std::string, ServiceLatency> by;
  std::map<std::string, std::map<std::string, std::vector<double>>> samples;
  for (const ProbeResult& r : probes) {
    const std::string name = ServiceOf(r);
    ServiceLatency& s = by[name];
    if (s.probes == 0) {
      s.service = name;
      s.protocol = r.protocol;
      s.host = r.host;
      s.port = r.port;
    }
    ++s.probes;
    if (!r.ok) {
      ++s.failed;
      ++s.failures[r.failure + "@" + r.failed_phase];
    }
    for (const ProbePhase& p : r.phases) {
      // A failed phase's time is the time to failure, not a latency of the service.
      if (!r.ok && p.name == r.failed_phase) continue;
      samples[name][p.name].push_back(p.ms);
    }
  }
  std::vector<ServiceLatency> out;
  for (auto& [name, s] : by) {
    for (auto& [phase, v] : samples[name]) {
      PhaseLatency p;
      p.name = phase;
      p.samples = v.size();
      p.max_ms = *std::max_element(v.begin(), v.end());
      p.p95_ms = Quantile(v, 0.95);
      p.median_ms = Quantile(v, 0.5);
      s.phases.push_back(std::move(p));
    }
    std::sort(s.phases.begin(), s.phases.end(),
              [](const PhaseLatency& a, const PhaseLatency& b) { return PhaseRank(a.name) < PhaseRank(b.name); });
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<LatencyIncident> LatencyIncidents(const std::vector<ProbeResult>& probes,
                                              const std::vector<ServiceLatency>& summary, const LatencyOptions& o) {
  std::map<std::string, const ServiceLatency*> base;
  for (const ServiceLatency& s : summary) base[s.service] = &s;
  std::map<std::string, std::vector<const ProbeResult*>> by;
  for (const ProbeResult& r : probes) by[ServiceOf(r)].push_back(&r);
  std::vector<LatencyIncident> out;
  for (auto& [name, rs] : by) {
    std::stable_sort(rs.begin(), rs.end(), [](const ProbeResult* a, const ProbeResult* b) { return a->time < b->time; });
    const auto it = base.find(name);
    const ServiceLatency* sl = it == base.end() ? nullptr : it->second;
    const auto median_of = [&](const std::string& phase) -> const PhaseLatency* {
      if (sl == nullptr) return nullptr;
      for (const PhaseLatency& p : sl->phases) {
        if (p.name == phase) return p.samples >= o.min_baseline ? &p : nullptr;
      }
      return nullptr;
    };
    // Each probe: slow or not, and which phases were.
    LatencyIncident cur;
    int64_t last_slow = 0;
    bool open = false;
    const auto close = [&]() {
      if (open && (cur.slow >= o.min_slow || cur.failed > 0)) {
        std::sort(cur.peaks.begin(), cur.peaks.end(), [](const LatencyIncident::Peak& a, const LatencyIncident::Peak& b) {
          return a.peak_ms - a.median_ms > b.peak_ms - b.median_ms;
        });
        out.push_back(cur);
      }
      open = false;
      cur = LatencyIncident{};
    };
    uint64_t since_last_slow = 0;  // probes after the last slow one (counted in if merged)
    for (const ProbeResult* r : rs) {
      bool slow = DelayFailure(*r);
      std::vector<LatencyIncident::Peak> phases;
      for (const ProbePhase& p : r->phases) {
        const PhaseLatency* m = median_of(p.name);
        if (m == nullptr) continue;
        const bool failed_here = !r->ok && p.name == r->failed_phase;
        if (failed_here || (p.ms > o.factor * m->median_ms && p.ms > m->median_ms + o.min_ms)) {
          if (!failed_here) slow = true;
          phases.push_back({p.name, m->median_ms, p.ms, r->time});
        }
      }
      if (!slow) {
        if (open) ++since_last_slow;
        continue;
      }
      if (open && r->time - last_slow > o.merge_gap_s) close();
      if (!open) {
        open = true;
        cur.service = name;
        cur.start = r->time;
        since_last_slow = 0;
      }
      cur.probes += since_last_slow + 1;
      since_last_slow = 0;
      ++cur.slow;
      if (!r->ok) {
        ++cur.failed;
        ++cur.failures[r->failure + "@" + r->failed_phase];
      }
      for (const LatencyIncident::Peak& p : phases) {
        auto pk = std::find_if(cur.peaks.begin(), cur.peaks.end(),
                               [&](const LatencyIncident::Peak& x) { return x.phase == p.phase; });
        if (pk == cur.peaks.end()) {
          cur.peaks.push_back(p);
        } else if (p.peak_ms > pk->peak_ms) {
          pk->peak_ms = p.peak_ms;
          pk->at = p.at;
        }
      }
      last_slow = r->time;
      cur.end = std::max(cur.end, r->time + static_cast<int64_t>(std::ceil(r->total_ms() / 1000)));
    }
    close();
  }
  std::stable_sort(out.begin(), out.end(), [](const LatencyIncident& a, const LatencyIncident& b) { return a.start < b.start; });
  return out;
}

void Attribute(std::vector<LatencyIncident>& latency, const std::vector<Incident>& logs, int64_t logs_from,
               int64_t logs_to) {
  for (LatencyIncident& li : latency) {
    li.kind = "unattributed";
    li.log_incident = -1;
    if (li.end < logs_from || li.start >= logs_to) continue;
    // The overlapping log incident that explains most: a DoS first, then guessing, then limits.
    // Overlap allows a minute either side (log incidents are whole minutes, probes are not).
    int best = -1, best_rank = 9;
    for (std::size_t i = 0; i < logs.size(); ++i) {
      const Incident& x = logs[i];
      if (x.end + 60 < li.start || x.start - 60 > li.end) continue;
      const int rank = x.kind.starts_with("dos_") ? 0 : x.kind == "password_guessing" ? 1 : 2;
      if (rank < best_rank) {
        best_rank = rank;
        best = static_cast<int>(i);
      }
    }
    li.log_incident = best;
    li.kind = best_rank <= 1 ? logs[static_cast<std::size_t>(best)].kind : "slow_server";
  }
}

}  // namespace keikai::mail
