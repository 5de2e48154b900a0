// Surges in reports built from scanned logs: short histories (issue 10, item 1) and one figure
// for one thing in text, JSON and HTML (item 2).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "keikai/core/clock.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/pipeline/scan.h"
#include "keikai/report/alert.h"
#include "keikai/report/build.h"
#include "keikai/report/render.h"
#include "test_util.h"

namespace keikai {
namespace {

using keikai::testing::TempDir;

// `quiet` days with 20 attacks and 1,000 requests a day, then `rise` days with 25 times the
// attacks, from 1 November 2022 (a day is 86,400 s; attack lines come from distinct addresses).
std::string History(int quiet, int rise) {
  int64_t day0 = 0;
  ParseDate("2022-11-01", day0);
  std::string out;
  for (const std::string& l : keikai::testing::SurgeHistory(day0, quiet, rise, 1000)) out += l;
  return out;
}

struct Built {
  report::Report report;
  std::string text, json, html;
};

Built ScanAndReport(const std::string& log, Lang lang = Lang::kEn) {
  SetLang(lang);
  TempDir d;
  keikai::testing::WriteFile(d / "shop.log", log);
  auto det = detect::DetectorSet::Build(detect::Builtins());
  auto st = store::OpenSqlite(":memory:");
  pipeline::ScanOptions o;
  o.inputs = {d / "shop.log"};
  o.site = "shop.example.jp";
  o.behavior = false;
  o.now = 1700000000;  // 2023-11-14
  auto res = pipeline::Scan(o, *st.value(), det.value(), nullptr);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  report::BuildOptions bo;
  bo.tz = TimeZone::Jst();
  const FakeClock clock(1700000000);
  bo.clock = &clock;
  auto r = report::BuildReport(*st.value(), &res.value(), bo);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  Built b;
  b.report = r.value();
  b.text = report::RenderText(b.report, false);
  b.json = report::RenderJson(b.report);
  b.html = report::RenderHtml(b.report);
  SetLang(Lang::kEn);
  return b;
}

const report::Surge* SiteSurge(const report::Report& r) {
  for (const report::Surge& s : r.surges) {
    if (s.cls == report::kAllClasses) return &s;
  }
  return nullptr;
}

// Ten quiet days and a rise to the end of the log: the rise is found from its first day,
// ongoing, at the seeded ratio, against "the previous 10 days" (it was "from 27 to 28 November
// ... about 3.3 times", ended, with the baseline made of surge days).
TEST(SurgeReport, TenQuietDaysThenARise) {
  const Built b = ScanAndReport(History(10, 4));
  const report::Surge* s = SiteSurge(b.report);
  ASSERT_NE(s, nullptr) << b.text;
  EXPECT_EQ(FormatDate(s->start), "2022-11-11");
  EXPECT_TRUE(s->ongoing);
  EXPECT_NEAR(s->peak_ratio, 25.0, 5.0);
  EXPECT_EQ(s->baseline_days, 10u);
  EXPECT_TRUE(s->short_history);
  EXPECT_NE(b.text.find("the average of the previous 10 days"), std::string::npos) << b.text;
  EXPECT_EQ(b.text.find("three months"), std::string::npos) << b.text;
  const Built ja = ScanAndReport(History(10, 4), Lang::kJa);
  EXPECT_NE(ja.text.find("過去10日間平均"), std::string::npos) << ja.text;
  EXPECT_EQ(ja.text.find("過去3か月"), std::string::npos) << ja.text;
  // The provisional note follows the sentence without a space, as Japanese is written.
  EXPECT_NE(ja.text.find("。急増前の履歴は"), std::string::npos) << ja.text;
  EXPECT_EQ(ja.text.find("。 "), std::string::npos) << ja.text;
}

TEST(SurgeReport, SevenQuietDaysAreEnough) {
  const Built b = ScanAndReport(History(7, 3));
  const report::Surge* s = SiteSurge(b.report);
  ASSERT_NE(s, nullptr) << b.text;
  EXPECT_EQ(FormatDate(s->start), "2022-11-08");
  EXPECT_EQ(s->baseline_days, 7u);
  EXPECT_NEAR(s->peak_ratio, 25.0, 5.0);
}

TEST(SurgeReport, NoClaimOfThreeMonthsWithoutThem) {
  const Built b = ScanAndReport(History(22, 3));
  const report::Surge* s = SiteSurge(b.report);
  ASSERT_NE(s, nullptr) << b.text;
  EXPECT_EQ(s->baseline_days, 22u);
  EXPECT_NE(b.text.find("the previous 22 days"), std::string::npos) << b.text;
  EXPECT_EQ(b.text.find("three months"), std::string::npos) << b.text;
  EXPECT_EQ(b.html.find("three months"), std::string::npos);
  EXPECT_EQ(b.json.find("three months"), std::string::npos);
  const Built full = ScanAndReport(History(100, 3));
  ASSERT_NE(SiteSurge(full.report), nullptr);
  EXPECT_NE(full.text.find("the previous three months"), std::string::npos) << full.text;
}

TEST(SurgeReport, TooShortASpanSaysSo) {
  const Built b = ScanAndReport(History(3, 2));
  EXPECT_EQ(SiteSurge(b.report), nullptr);
  EXPECT_NE(b.text.find("Not enough history to look for surges: the data cover 5 day(s); 7 are needed."),
            std::string::npos)
      << b.text;
  EXPECT_EQ(b.text.find("No surge found."), std::string::npos) << b.text;
  auto j = nlohmann::json::parse(b.json);
  EXPECT_EQ(j["history_days"], 5);
  EXPECT_EQ(j["min_history_days"], 7);
}

// One figure for one thing: the surge's ratio and baseline are the peak day's ratio and
// baseline in the daily series and on the chart, and text, JSON and HTML say the same number.
TEST(SurgeReport, TextJsonAndHtmlAgree) {
  const Built b = ScanAndReport(History(30, 5));
  const report::Surge* s = SiteSurge(b.report);
  ASSERT_NE(s, nullptr) << b.text;
  auto j = nlohmann::json::parse(b.json);
  const nlohmann::json* js = nullptr;
  for (const auto& x : j["surges"]) {
    if (x["class"] == "*") js = &x;
  }
  ASSERT_NE(js, nullptr);
  bool found = false;
  for (const auto& row : j["daily"]) {
    if (row["class"] != "*" || row["date"] != (*js)["peak_date"]) continue;
    found = true;
    EXPECT_NEAR(row["ratio"].get<double>(), (*js)["peak_ratio"].get<double>(), 0.01);
    EXPECT_NEAR(row["baseline"].get<double>(), (*js)["baseline"].get<double>(), 0.001);
    EXPECT_EQ(row["baseline_days"], (*js)["baseline_days"]);
  }
  EXPECT_TRUE(found);
  const std::string ratio = report::RoundedRatio((*js)["peak_ratio"].get<double>());
  const std::string about = "about " + ratio + " times";
  EXPECT_NE(b.text.find(about), std::string::npos) << b.text;
  EXPECT_NE(b.html.find(about), std::string::npos);
  EXPECT_NE((*js)["alert"].get<std::string>().find(about), std::string::npos);
  // The chart's baseline line passes through the surge's baseline on the surge's days.
  char tip[128];
  std::snprintf(tip, sizeof tip, "(baseline %.1f/day)", s->baseline);
  EXPECT_NE(b.html.find(tip), std::string::npos) << tip;
}


// The surge detector's memory in the store: a report after more lines of the same log tests
// only the hours not tested before, and says what one report over everything says.
TEST(SurgeReport, StoredStateResumesWithTheSameAnswer) {
  const std::string log = History(12, 4);
  std::size_t cut = log.size() * 13 / 16;  // in the third day of the rise
  cut = log.find('\n', cut) + 1;
  TempDir d;
  auto det = detect::DetectorSet::Build(detect::Builtins());
  const FakeClock clock(1700000000);
  report::BuildOptions bo;
  bo.tz = TimeZone::Jst();
  bo.clock = &clock;
  const auto scan = [&](store::Store& st, const std::string& text) {
    keikai::testing::WriteFile(d / "shop.log", text);
    pipeline::ScanOptions o;
    o.inputs = {d / "shop.log"};
    o.site = "shop.example.jp";
    o.behavior = false;
    o.now = 1700000000;
    auto res = pipeline::Scan(o, st, det.value(), nullptr);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.value();
  };
  const auto report = [&](store::Store& st, const pipeline::ScanResult& res, report::BuildStats& stats) {
    auto r = report::BuildReport(st, &res, bo, &stats);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto j = nlohmann::json::parse(report::RenderJson(r.value()));
    return nlohmann::json{{"surges", j["surges"]}, {"daily", j["daily"]}};
  };
  auto a = store::OpenSqlite(d / "a.db");
  ASSERT_TRUE(a.ok());
  report::BuildStats s1, s2, s3, s4;
  const auto part = scan(*a.value(), log.substr(0, cut));
  const nlohmann::json first = report(*a.value(), part, s1);
  EXPECT_FALSE(s1.surge_state_used);
  EXPECT_EQ(report(*a.value(), part, s2), first);  // nothing new: nothing tested again
  EXPECT_TRUE(s2.surge_state_used);
  EXPECT_EQ(s2.surge_tested_from, s1.surge_tested_from + s1.surge_hours - 1);  // only the last hour
  const auto rest = scan(*a.value(), log);  // the log grew
  const nlohmann::json resumed = report(*a.value(), rest, s3);
  EXPECT_TRUE(s3.surge_state_used);
  EXPECT_GT(s3.surge_tested_from, s1.surge_tested_from + 24 * 10);
  ASSERT_FALSE(resumed["surges"].empty());
  EXPECT_TRUE(resumed["surges"][0]["ongoing"].get<bool>());
  // One store, one scan of the whole log, one report: the same.
  auto b = store::OpenSqlite(d / "b.db");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(report(*b.value(), scan(*b.value(), log), s4), resumed);
  EXPECT_FALSE(s4.surge_state_used);
}


// Top lists with "and N other ...": what the list leaves out is counted, so that the rows and
// the rest add up to the totals (issue 12, scope 4).
TEST(SurgeReport, TopListsCountTheRest) {
  const Built b = ScanAndReport(History(3, 1));
  const report::Report& r = b.report;
  ASSERT_EQ(r.top_sources.size(), 20u);
  ASSERT_GT(r.summary.sources, 20u);
  EXPECT_EQ(r.other_sources.rows, r.summary.sources - 20);
  uint64_t sum = r.other_sources.attacks;
  for (const auto& s : r.top_sources) sum += s.attacks;
  EXPECT_EQ(sum, r.summary.attacks);  // one source per attack request here
  ASSERT_EQ(r.top_paths.size(), 1u);  // every attack asks for /.env
  EXPECT_EQ(r.other_paths.rows, 0u);
  auto j = nlohmann::json::parse(b.json);
  EXPECT_EQ(j["other_sources"]["sources"], r.other_sources.rows);
  EXPECT_EQ(j["other_sources"]["attacks"], r.other_sources.attacks);
  EXPECT_EQ(j["other_paths"]["paths"], 0);
  // The text shows 10 and counts the other sources (the 10 it does not show among them).
  const std::string rest = "and " + std::to_string(r.summary.sources - 10) + " other sources: ";
  EXPECT_NE(b.text.find(rest), std::string::npos) << b.text;
  EXPECT_NE(b.html.find("and " + std::to_string(r.other_sources.rows) + " other sources"), std::string::npos);
  const Built ja = ScanAndReport(History(3, 1), Lang::kJa);
  EXPECT_NE(ja.text.find("ほか " + std::to_string(r.summary.sources - 10) + " 件の攻撃元"), std::string::npos);
}


// Sparse series: a class has rows only on days with its attacks or in its surges; the site's
// all-classes series has every day of the window.
TEST(SurgeReport, ClassSeriesAreSparse) {
  // A second class on the first day only: SQL injection in one request.
  std::string log = History(12, 3);
  const std::size_t at = log.find("GET /.env");
  ASSERT_NE(at, std::string::npos);
  const std::size_t eol = log.find('\n', at);
  std::string line = log.substr(log.rfind('\n', at) + 1, eol - log.rfind('\n', at));
  line.replace(line.find("GET /.env"), 9, "GET /item?id=1%27%20UNION%20SELECT%20password%20FROM%20users--");
  log.insert(eol + 1, line);
  const Built b = ScanAndReport(log);
  std::map<std::string, int> all_days, sqli_days;
  int class_rows = 0;
  for (const report::DailyRow& d : b.report.daily) {
    if (d.cls == report::kAllClasses) {
      ++all_days[d.site];
    } else {
      ++class_rows;
      if (report::ClassKey(d.cls) == "sqli") ++sqli_days[d.site];
      EXPECT_TRUE(d.attacks > 0 || d.in_surge) << FormatDate(d.day) << " " << report::ClassKey(d.cls);
    }
  }
  EXPECT_EQ(all_days["shop.example.jp"], b.report.last_day - b.report.first_day + 1);
  EXPECT_GT(class_rows, 0);
  EXPECT_EQ(sqli_days["shop.example.jp"], 1);  // one day of SQL injection: one row, not 15
}


// A fleet's store with more sites than one SQL statement can name (SQLite's limit on
// parameters: 32,766 by default, 250,000 in Debian's build): the report of the whole store names no site in its queries, and the sites past
// the busiest are one series "(other)" whose surge drivers are every site but the busiest.
TEST(SurgeReport, WholeStoreWithMoreSitesThanAStatementCanName) {
  auto st = store::OpenSqlite(":memory:");
  ASSERT_TRUE(st.ok());
  const int64_t h0 = 1700000000 / 3600 - 24 * 20;
  store::Batch b;
  for (int i = 0; i < 260000; ++i) {
    const std::string site = "s" + std::to_string(i) + ".example.jp";
    b.requests.push_back({site, h0 + i % (24 * 20), 1 + static_cast<uint64_t>(i % 7), 0});
  }
  // The last day, an attack surge on many small sites from one source.
  for (int i = 0; i < 400; ++i) {
    const std::string site = "s" + std::to_string(30000 + i) + ".example.jp";
    b.requests.push_back({site, h0 + 24 * 20 - 3, 50, 0});
    b.attacks.push_back({site, h0 + 24 * 20 - 3, store::kAllClasses, "198.51.100.9", 50});
    b.attacks.push_back({site, h0 + 24 * 20 - 3, 2, "198.51.100.9", 50});
  }
  ASSERT_TRUE(st.value()->Commit(b).ok());
  report::BuildOptions bo;
  const FakeClock clock(1700000000);
  bo.clock = &clock;
  bo.tz = TimeZone::Utc();
  auto r = report::BuildReport(*st.value(), nullptr, bo);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().sites.size(), 20u);
  EXPECT_EQ(r.value().other_sites, 260000u - 20u);
  EXPECT_EQ(r.value().summary.attacks, 400u * 50u);
  ASSERT_FALSE(r.value().top_sources.empty());
  EXPECT_EQ(r.value().top_sources[0].ip, "198.51.100.9");
}

}  // namespace
}  // namespace keikai
