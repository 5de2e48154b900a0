// Delay incidents from probe latency (mail/latency.h): baselines per service and phase, slow
// probes merged into incidents, and their cause from the logs' incidents.
#include <gtest/gtest.h>

#include "keikai/mail/latency.h"

namespace keikai::mail {
namespace {

ProbeResult P(const std::string& service, int64_t t, double connect, double banner, double hello = 1.0) {
  ProbeResult r;
  r.name = service;
  r.protocol = "smtp";
  r.host = "127.0.0.1";
  r.port = 25;
  r.time = t;
  r.ok = true;
  r.phases = {{"connect", connect}, {"banner", banner}, {"hello", hello}, {"quit", 0.5}};
  return r;
}

ProbeResult Failed(const std::string& service, int64_t t, const std::string& phase, const std::string& kind, double ms) {
  ProbeResult r = P(service, t, 0.3, 2);
  r.ok = false;
  r.failed_phase = phase;
  r.failure = kind;
  r.phases.clear();
  if (phase != "connect") r.phases.push_back({"connect", 0.3});
  r.phases.push_back({phase, ms});
  return r;
}

// An hour of probes every minute: steady, then minutes 20-25 with seconds in connect (a full
// listen queue), one timeout among them; minute 40 one slow banner alone (noise: one probe).
std::vector<ProbeResult> Hour() {
  std::vector<ProbeResult> v;
  for (int m = 0; m < 60; ++m) {
    const int64_t t = 1'000'000 + m * 60;
    if (m >= 20 && m <= 25) {
      v.push_back(m == 23 ? Failed("mx", t, "connect", "timeout", 10'000) : P("mx", t, 3'000 + m, 2.0));
    } else if (m == 40) {
      v.push_back(P("mx", t, 0.3, 900));
    } else {
      v.push_back(P("mx", t, 0.3 + (m % 3) * 0.1, 2.0 + (m % 5) * 0.3));
    }
    v.push_back(P("imap", t + 5, 0.2, 1.5));  // another service, steady all hour
  }
  return v;
}

TEST(MailLatency, BaselinesArePerServiceAndPhaseAndIgnoreTheFailedPhase) {
  const auto s = SummarizeLatency(Hour());
  ASSERT_EQ(s.size(), 2u);
  const ServiceLatency& mx = s[1].service == "mx" ? s[1] : s[0];
  EXPECT_EQ(mx.probes, 60u);
  EXPECT_EQ(mx.failed, 1u);
  EXPECT_EQ(mx.failures.at("timeout@connect"), 1u);
  ASSERT_GE(mx.phases.size(), 4u);
  EXPECT_EQ(mx.phases[0].name, "connect");
  EXPECT_EQ(mx.phases[0].samples, 59u);  // the timed-out connect is no latency sample
  EXPECT_LT(mx.phases[0].median_ms, 1.0);
  EXPECT_GT(mx.phases[0].max_ms, 3000.0);
  EXPECT_EQ(mx.phases[1].name, "banner");
}

TEST(MailLatency, SlowProbesMakeOneIncidentWithPeaksAndALoneSlowProbeNone) {
  const auto probes = Hour();
  const auto inc = LatencyIncidents(probes, SummarizeLatency(probes), LatencyOptions{});
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].service, "mx");
  EXPECT_EQ(inc[0].start, 1'000'000 + 20 * 60);
  EXPECT_GE(inc[0].end, 1'000'000 + 25 * 60 + 3);
  EXPECT_EQ(inc[0].slow, 6u);
  EXPECT_EQ(inc[0].failed, 1u);
  EXPECT_EQ(inc[0].failures.at("timeout@connect"), 1u);
  ASSERT_FALSE(inc[0].peaks.empty());
  EXPECT_EQ(inc[0].peaks[0].phase, "connect");
  EXPECT_EQ(inc[0].peaks[0].peak_ms, 10'000);
  EXPECT_EQ(inc[0].kind, "unattributed");
  // One failed probe alone is an incident (the service did not answer); one slow one is not.
  std::vector<ProbeResult> one = {P("a", 0, 0.3, 2), P("a", 60, 0.3, 2), P("a", 120, 0.3, 2), P("a", 180, 0.3, 2),
                                  P("a", 240, 0.3, 2), Failed("a", 300, "banner", "timeout", 10'000), P("a", 360, 0.3, 2)};
  EXPECT_EQ(LatencyIncidents(one, SummarizeLatency(one), LatencyOptions{}).size(), 1u);
  one[5] = P("a", 300, 0.3, 5000);
  EXPECT_TRUE(LatencyIncidents(one, SummarizeLatency(one), LatencyOptions{}).empty());
  // An authentication rejected is no delay.
  one[5] = Failed("a", 300, "login", "auth_rejected", 3);
  EXPECT_TRUE(LatencyIncidents(one, SummarizeLatency(one), LatencyOptions{}).empty());
}

TEST(MailLatency, TheLogsSayWhetherItWasADosOrASlowServer) {
  const auto probes = Hour();
  auto inc = LatencyIncidents(probes, SummarizeLatency(probes), LatencyOptions{});
  ASSERT_EQ(inc.size(), 1u);
  Incident dos;
  dos.start = 1'000'000 + 19 * 60;
  dos.end = 1'000'000 + 26 * 60;
  dos.kind = "dos_few_sources";
  Incident limits = dos;
  limits.kind = "limits_without_excess";
  Attribute(inc, {limits, dos}, 1'000'000, 1'000'000 + 3600);
  EXPECT_EQ(inc[0].kind, "dos_few_sources");
  EXPECT_EQ(inc[0].log_incident, 1);
  Attribute(inc, {limits}, 1'000'000, 1'000'000 + 3600);
  EXPECT_EQ(inc[0].kind, "slow_server");
  Attribute(inc, {}, 1'000'000, 1'000'000 + 3600);
  EXPECT_EQ(inc[0].kind, "slow_server");
  EXPECT_EQ(inc[0].log_incident, -1);
  // Logs of another time say nothing about it.
  Attribute(inc, {}, 1'000'000 + 7200, 1'000'000 + 9000);
  EXPECT_EQ(inc[0].kind, "unattributed");
}

}  // namespace
}  // namespace keikai::mail
