#pragma once
// The demo generator: a seeded, reproducible synthesis of several sites' access logs
// (combined format, times in +09:00) with ordinary browsing, crawlers, daily and weekly rhythm,
// a background of attacks, and a bot/scanner surge. The same options always produce the same
// bytes (own PRNG and samplers; no std:: distributions, whose output is implementation-defined).
//
// The truth of what was seeded is written beside the logs as truth.json, so tests can check
// what `keikai scan` finds against it.

#include <cstdint>
#include <string>
#include <vector>

#include "keikai/core/status.h"

namespace keikai::demo {

struct SiteSpec {
  std::string name;              // "shop.example.jp"
  double requests_per_day = 0;   // mean ordinary requests per day (humans + good crawlers)
  double attacks_per_day = 0;    // mean background attack requests per day before the surge
  double surge_multiple = 0;     // peak daily attacks / mean daily attacks of the 90 days before
                                 // the surge start; 0 or 1 = calm site (no surge)
};

struct Options {
  uint64_t seed = 20220316;
  std::string start_date = "2021-11-01";   // first day (JST), inclusive
  std::string end_date = "2022-03-15";     // last day (JST), inclusive
  std::string surge_start = "2022-02-16";  // first surge day (JST)
  std::string surge_peak = "2022-03-01";   // day on which the surge reaches its peak multiple
  std::vector<SiteSpec> sites;             // empty = DefaultSites()
  double scale = 1.0;                      // multiplies requests_per_day and attacks_per_day
};

std::vector<SiteSpec> DefaultSites();

struct SiteTruth {
  std::string site;
  std::string file;               // the log file written for this site
  uint64_t lines = 0;             // total lines written
  uint64_t attack_lines = 0;      // lines the generator made as attacks
  double baseline_daily = 0;      // realised mean daily attacks over the 90 days before surge_start
  double peak_daily = 0;          // realised attacks on the peak day
  double seeded_peak_ratio = 0;   // the surge_multiple asked for (0 for calm sites)
  double realised_peak_ratio = 0; // peak_daily / baseline_daily
};

struct Truth {
  std::string surge_start, surge_peak;
  std::vector<SiteTruth> sites;
};

// Writes one <site>.log per site and truth.json into dir (created if needed).
Result<Truth> Generate(const Options& opt, const std::string& dir);

}  // namespace keikai::demo
