#include "prober.h"

#include <chrono>

#include "notify/smtp.h"

namespace keikai::cli {

Status Prober::TargetOf(const config::MailService& s, mail::ProbeTarget& t) {
  t.name = s.name;
  t.protocol = s.protocol;
  t.host = s.host;
  t.port = s.port;
  t.starttls = s.starttls;
  t.timeout_s = s.timeout_s;
  t.ca_file = s.ca_file;
  // Read at every probe: a changed password needs no restart.
  return s.credentials.empty() ? Status::Ok() : notify::ReadCredentials(s.credentials, t.user, t.password);
}

mail::ProbeResult Prober::ProbeNow(const config::MailService& s) {
  mail::ProbeTarget t;
  if (Status cr = TargetOf(s, t); !cr.ok()) {
    // A credentials file that cannot be read is the probe's failure, said in its result.
    mail::ProbeResult r;
    r.name = s.name.empty() ? s.protocol : s.name;
    r.protocol = s.protocol;
    r.host = s.host;
    r.port = s.port != 0 ? s.port : mail::DefaultPort(s.protocol);
    r.time = static_cast<int64_t>(std::time(nullptr));
    r.failed_phase = "login";
    r.failure = "error";
    r.detail = cr.message();
    return r;
  }
  return mail::Probe(t);
}

void Prober::Start(const std::vector<config::MailService>& services) {
  Stop();
  if (services.empty()) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this, services] { Loop(services); });
}

void Prober::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<mail::ProbeResult> Prober::Take() {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<mail::ProbeResult> out;
  out.swap(results_);
  return out;
}

void Prober::Loop(std::vector<config::MailService> services) {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> due(services.size(), Clock::now());
  for (;;) {
    auto next = due.front();
    for (const auto& d : due) next = std::min(next, d);
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (cv_.wait_until(lk, next, [this] { return stop_; })) return;
    }
    for (std::size_t i = 0; i < services.size(); ++i) {
      if (Clock::now() < due[i]) continue;
      due[i] = Clock::now() + std::chrono::seconds(services[i].interval_s);
      mail::ProbeResult r = ProbeNow(services[i]);
      std::lock_guard<std::mutex> lk(mu_);
      if (stop_) return;
      results_.push_back(std::move(r));
      if (results_.size() > kMaxWaiting) results_.erase(results_.begin());
    }
  }
}

}  // namespace keikai::cli
