#pragma once
// Delay incidents from mail logs (issue 14, scope 3, the log half): minutes in which the server's
// limits were hit (rate or concurrency limits, process limits, Dovecot's connection queue) or
// connections rose far above the log's own baseline, merged into incidents; then the sources
// ranked by their excess over their own baseline (connections in the incident beyond what their
// rate outside it would give), grouped by network (/24, /48) and by country, with the share from
// abroad; and a kind: a DoS from few or from many sources, password guessing, or limits hit
// without a connection excess (a slow server or limits set too low: the probes tell which).
//
// Thread-safety: pure functions.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keikai/mail/summary.h"

namespace keikai::mail {

struct IncidentSource {
  std::string address;
  uint64_t connections = 0;      // in the incident
  double baseline = 0;           // its connections per minute outside the incident
  double excess = 0;             // connections - baseline * minutes (never below 0)
  uint64_t auth_failures = 0;
  std::string country;           // "" when unknown
};

struct IncidentGroup {
  std::string key;               // "203.0.113.0/24", "2001:db8:1::/48", or a country code ("" unknown)
  double excess = 0;
  uint64_t sources = 0;
};

struct Incident {
  int64_t start = 0, end = 0;    // Unix seconds: the first minute's start, the last minute's end
  int64_t minutes = 0;
  uint64_t connections = 0, auth_failures = 0, lost = 0;
  double baseline_per_minute = 0;   // the log's connections per minute outside incidents
  std::array<uint64_t, kSymptomCount> symptoms{};
  // dos_few_sources, dos_many_sources, password_guessing, limits_without_excess
  std::string kind;
  double excess = 0;             // all sources
  std::vector<IncidentSource> sources;      // by excess, the first max_sources
  std::vector<IncidentGroup> networks;      // by excess
  std::vector<IncidentGroup> countries;     // by excess
  double overseas_share = 0;     // of the excess with a known country, the part not from home
};

struct IncidentOptions {
  // A minute is in an incident when a limit symptom shows, or when its connections exceed both
  // spike_factor times the baseline and the baseline plus min_spike.
  double spike_factor = 3.0;
  uint64_t min_spike = 30;
  int64_t merge_gap_minutes = 2;   // incident minutes this close belong to one incident
  std::size_t max_sources = 20;
  std::string home_country = "JP";
  std::function<std::string(const std::string& address)> country;  // null = none
};

// The incident windows from the per-minute counts: [start minute, last minute] pairs.
std::vector<std::pair<int64_t, int64_t>> IncidentWindows(const LogSummary& s, const IncidentOptions& o,
                                                         double* baseline_per_minute = nullptr);

// Per-source connections inside each window and outside all of them, fed a second time with the
// same records (the first pass found the windows).
class IncidentAttribution {
 public:
  IncidentAttribution(std::vector<std::pair<int64_t, int64_t>> windows, int64_t first, int64_t last);
  void Add(const Record& r);
  // The incidents, with the summary's counts for their minutes.
  std::vector<Incident> Incidents(const LogSummary& s, const IncidentOptions& o, double baseline_per_minute) const;

 private:
  struct PerSource {
    std::vector<uint64_t> in, fails;  // per window
    uint64_t out = 0;
  };
  int Window(int64_t t) const;
  static constexpr std::size_t kMaxSources = 1'000'000;
  std::vector<std::pair<int64_t, int64_t>> windows_;
  int64_t first_, last_;
  std::map<std::string, PerSource, std::less<>> sources_;
};

// "203.0.113.0/24" for IPv4, "2001:db8:1::/48" for IPv6, the address itself otherwise.
std::string NetworkOf(const std::string& address);

}  // namespace keikai::mail
