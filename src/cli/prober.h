#pragma once
// The daemon's mail-service probes (mail/probe.h) on a thread of their own, each service at its
// interval, so that a slow or dead server (a probe may take its timeout in every phase) never
// holds up reading the logs. The daemon's loop takes the results each round and stores them.
//
// Thread-safety: Start, Stop and Take from the daemon's thread; the probes run on the prober's.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "keikai/config/config.h"
#include "keikai/core/status.h"
#include "keikai/mail/probe.h"

namespace keikai::cli {

class Prober {
 public:
  static constexpr std::size_t kMaxWaiting = 10'000;  // results not yet taken (the oldest go)
  ~Prober() { Stop(); }
  // Probes these services from now on (each at once, then every interval); replaces any before.
  void Start(const std::vector<config::MailService>& services);
  void Stop();
  // The results since the last call, in the order they finished.
  std::vector<mail::ProbeResult> Take();
  // One probe of a service now, on the caller's thread (keikai run --once).
  static mail::ProbeResult ProbeNow(const config::MailService& s);
  // The probe of a configured service, its credentials read from their file (an error says why
  // they cannot be).
  static Status TargetOf(const config::MailService& s, mail::ProbeTarget& t);

 private:
  void Loop(std::vector<config::MailService> services);
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<mail::ProbeResult> results_;
};

}  // namespace keikai::cli
