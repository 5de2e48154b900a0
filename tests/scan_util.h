#pragma once
// One scan and the report after it, as the pipeline tests of the event kinds need them.
#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "keikai/core/clock.h"
#include "keikai/core/time.h"
#include "keikai/detect/detector.h"
#include "keikai/geo/geo.h"
#include "keikai/pipeline/scan.h"
#include "keikai/report/build.h"
#include "keikai/store/store.h"

namespace keikai::testing {

// Scans o's inputs into st with the built-in detectors, then builds the report of st as at
// report_now with days in UTC. A failure of either fails the test and gives nothing.
inline std::optional<std::pair<pipeline::ScanResult, report::Report>> ScanThenReport(
    store::Store& st, const pipeline::ScanOptions& o, int64_t report_now, const geo::GeoDb* geo = nullptr) {
  auto det = detect::DetectorSet::Build(detect::Builtins());
  EXPECT_TRUE(det.ok());
  if (!det.ok()) return std::nullopt;
  auto res = pipeline::Scan(o, st, det.value(), geo);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  if (!res.ok()) return std::nullopt;
  FakeClock clock(report_now);
  report::BuildOptions bo;
  bo.clock = &clock;
  bo.tz = TimeZone::Utc();
  auto rep = report::BuildReport(st, &res.value(), bo);
  EXPECT_TRUE(rep.ok()) << rep.status().ToString();
  if (!rep.ok()) return std::nullopt;
  return std::make_pair(std::move(res).value(), std::move(rep).value());
}

}  // namespace keikai::testing
