#pragma once
// Delay incidents from probe latency (issue 14, scope 3, the probe half), and what caused them.
//
// Each service's phases have their own baseline: the median over the probes given (robust to
// the incidents it is meant to find). A probe is slow when a phase took more than factor times
// its median and more than its median plus min_ms, or when it failed for a reason a delay gives
// (timeout, refused, closed, tls_error, unexpected_reply: a server at its process limit refuses
// or answers 421). Slow probes of a service this close to each other make one incident, with its
// start and end, the peak of each phase, and the failures by kind.
//
// What caused it comes from the logs' incidents (incidents.h) over the same time: a connection
// excess means a DoS (from few or many sources), failed logins password guessing; latency up
// without either is a slow server (the machine, its disk, DNS, or a limit set too low).
//
// Thread-safety: pure functions.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keikai/mail/incidents.h"
#include "keikai/mail/probe.h"

namespace keikai::mail {

struct LatencyOptions {
  double factor = 3.0;           // a phase is slow above factor x its median ...
  double min_ms = 250;           // ... and above its median plus this
  int64_t merge_gap_s = 600;     // slow probes this close make one incident
  std::size_t min_slow = 2;      // slow probes an incident needs (one failed probe suffices)
  std::size_t min_baseline = 5;  // probes a phase's median needs; fewer: only failures count
};

struct PhaseLatency {
  std::string name;              // connect, tls, banner, hello, starttls, login, quit
  double median_ms = 0;          // over all the probes given (the baseline)
  double p95_ms = 0, max_ms = 0;
  uint64_t samples = 0;
};

struct ServiceLatency {
  std::string service, protocol, host;
  int port = 0;
  uint64_t probes = 0, failed = 0;
  std::vector<PhaseLatency> phases;             // in protocol order
  std::map<std::string, uint64_t> failures;     // kind -> probes
};

struct LatencyIncident {
  std::string service;
  int64_t start = 0, end = 0;    // the first slow probe's time, the last one's time + its total
  uint64_t probes = 0, slow = 0, failed = 0;
  struct Peak {
    std::string phase;
    double median_ms = 0, peak_ms = 0;
    int64_t at = 0;
  };
  std::vector<Peak> peaks;                       // the phases that were slow, the slowest first
  std::map<std::string, uint64_t> failures;      // kind -> probes, e.g. timeout@connect
  // dos_few_sources, dos_many_sources, password_guessing: from an overlapping log incident;
  // slow_server: the logs were read and show no excess; unattributed: no logs were read for
  // the time.
  std::string kind = "unattributed";
  int log_incident = -1;                         // the index of the log incident that explains it
};

// Per service, the phases' baselines and spread over the probes (any order).
std::vector<ServiceLatency> SummarizeLatency(const std::vector<ProbeResult>& probes);

// The incidents, oldest first, per service. probes: any order.
std::vector<LatencyIncident> LatencyIncidents(const std::vector<ProbeResult>& probes,
                                              const std::vector<ServiceLatency>& summary, const LatencyOptions& o);

// Gives each latency incident its cause from the log incidents (the logs covered
// [logs_from, logs_to), Unix seconds; a latency incident outside that stays unattributed).
void Attribute(std::vector<LatencyIncident>& latency, const std::vector<Incident>& logs, int64_t logs_from,
               int64_t logs_to);

}  // namespace keikai::mail
