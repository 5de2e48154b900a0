#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/report/render.h"

namespace keikai::report {
namespace {

Day D(const char* ymd) {
  int64_t d = 0;
  EXPECT_TRUE(ParseDate(ymd, d)) << ymd;
  return d;
}

Report Sample() {
  Report r;
  r.version = "0.1.0";
  r.generated_at = "2022-03-16 09:00:00 +09:00";
  r.timezone = "Asia/Tokyo (UTC+09:00)";
  r.first_day = D("2022-02-14");
  r.last_day = D("2022-02-17");
  r.sites = {"shop.example.jp"};
  r.summary.lines = 1000;
  r.summary.parsed = 998;
  r.summary.bad_lines = 2;
  r.summary.requests = 998;
  r.summary.attacks = 120;
  r.summary.sources = 7;
  r.classes = {{"scanner", 100}, {"probe", 30}};
  const char* dates[] = {"2022-02-14", "2022-02-15", "2022-02-16", "2022-02-17"};
  const uint64_t att[] = {4, 5, 50, 61};
  for (int i = 0; i < 4; ++i) {
    DailyRow row;
    row.day = D(dates[i]);
    row.site = "shop.example.jp";
    row.cls = kAllClasses;
    row.requests = 250;
    row.attacks = att[i];
    row.baseline = 4.5;
    row.baseline_days = 90;
    row.has_baseline = true;
    row.in_surge = i >= 2;
    row.ratio = static_cast<double>(att[i]) / 5.0;
    r.daily.push_back(row);
  }
  Surge s;
  s.site = "shop.example.jp";
  s.cls = kAllClasses;
  s.start = D("2022-02-16");
  s.end = D("2022-02-17");
  s.peak_day = D("2022-02-17");
  s.peak_ratio = 12.2;
  s.peak_attacks = 61;
  s.baseline = 4.5;
  s.baseline_days = 90;
  s.days = 2;
  s.ongoing = true;
  s.start_time = "2022-02-16 03:00:00 +09:00";
  s.first_alarm_time = "2022-02-16 05:00:00 +09:00";
  s.p_value = 1.5e-12;
  s.peak_hour_attacks = 9;
  s.peak_hour_expected = 0.4;
  s.peak_hour_time = "2022-02-17 10:00:00 +09:00";
  s.total_attacks = 111;
  s.total_expected = 9.1;
  s.drivers = {{"198.51.100.7", "US", "United States", 90, "scanner"}};
  r.surges.push_back(s);
  r.top_sources.push_back({"198.51.100.7", "US", "United States", false, 90, {{"scanner", 90}}, {"shop.example.jp"},
                           "2022-02-16 01:00:00 +09:00", "2022-02-17 02:00:00 +09:00", "scanner",
                           {"probe-404"}, {"probe-404: 4xx answers on more than 20 distinct paths"},
                           {}});
  r.countries.push_back({"US", "United States", 90, 1, false});
  r.top_paths.push_back({"/.env<script>", 30, {{"probe", 30}}});
  r.bad_line_samples.push_back({"a.log", 7, "bad_time", 12, "bad \xff line"});
  return r;
}

// Every --format is a registry row: report formats render the report, ndjson streams.
TEST(Renderers, RegistryHasEachFormatOnce) {
  std::vector<std::string> names;
  for (const Renderer& r : Renderers()) {
    names.emplace_back(r.name);
    EXPECT_NE(r.report == nullptr, r.detection == nullptr) << r.name;  // exactly one of them
    EXPECT_EQ(FindRenderer(r.name), &r);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"text", "json", "ndjson", "html"}));
  EXPECT_EQ(FindRenderer("xml"), nullptr);
  Report rep;
  const std::string json = FindRenderer("json")->report(rep, RenderOptions{});
  EXPECT_EQ(nlohmann::json::parse(json)["status"], "complete");
}

TEST(Report, JsonHasTheDocumentedFields) {
  SetLang(Lang::kEn);
  auto j = nlohmann::json::parse(RenderJson(Sample()));
  for (const char* k : {"lines", "parsed", "bad_lines", "requests", "attacks", "sources"}) {
    EXPECT_TRUE(j["summary"].contains(k)) << k;
  }
  EXPECT_EQ(j["classes"]["scanner"], 100);
  ASSERT_EQ(j["daily"].size(), 4u);
  for (const char* k : {"date", "site", "attacks", "baseline", "baseline_days", "ratio"}) {
    EXPECT_TRUE(j["daily"][0].contains(k)) << k;
  }
  for (const char* k : {"site", "class", "start", "peak_date", "peak_ratio"}) {
    EXPECT_TRUE(j["surges"][0].contains(k)) << k;
  }
  for (const char* k : {"ip", "country", "attacks", "classes", "classification", "scenarios",
                        "evidence"}) {
    EXPECT_TRUE(j["top_sources"][0].contains(k)) << k;
  }
  EXPECT_EQ(j["top_sources"][0]["classification"], "scanner");
  for (const char* k : {"start_time", "first_alarm_time", "p_value", "drivers", "alert"}) {
    EXPECT_TRUE(j["surges"][0].contains(k)) << k;
  }
  EXPECT_EQ(j["bad_line_samples"][0]["line"], 7);
  EXPECT_EQ(j["bad_line_samples"][0]["excerpt"], "bad \xEF\xBF\xBD line");
}

TEST(Report, HtmlIsSelfContainedEscapedAndBilingual) {
  for (Lang lang : {Lang::kEn, Lang::kJa}) {
    SetLang(lang);
    const std::string h = RenderHtml(Sample());
    EXPECT_NE(h.find("<svg"), std::string::npos);
    EXPECT_NE(h.find("shop.example.jp"), std::string::npos);
    EXPECT_EQ(h.find("/.env<script>"), std::string::npos);  // escaped
    EXPECT_NE(h.find("/.env&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(h.find("<script"), std::string::npos);
    EXPECT_EQ(h.find("src=\"http"), std::string::npos);
    EXPECT_EQ(h.find("href=\"http"), std::string::npos);
    EXPECT_NE(h.find("+09:00"), std::string::npos);  // dates state their zone
    if (lang == Lang::kJa) {
      EXPECT_NE(h.find("lang=\"ja\""), std::string::npos);
      EXPECT_NE(h.find("急増"), std::string::npos);
    } else {
      EXPECT_NE(h.find("lang=\"en\""), std::string::npos);
    }
  }
  SetLang(Lang::kEn);
}

// Issue 11: bidi controls in HTML and JSON reversed the text that followed them.
TEST(Report, BidiControlsAreShownNotApplied) {
  Report r = Sample();
  r.top_paths[0].path = "/files/evil\xe2\x80\xae" "fdp.exe";
  r.top_sources[0].ip = "198.51.100.7\xe2\x81\xa7";
  const std::string h = RenderHtml(r);
  EXPECT_EQ(h.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_EQ(h.find("\xe2\x81\xa7"), std::string::npos);
  EXPECT_NE(h.find("/files/evil\\u202Efdp.exe"), std::string::npos);
  const std::string j = RenderJson(r);
  EXPECT_EQ(j.find("\xe2\x80\xae"), std::string::npos);
  auto doc = nlohmann::json::parse(j);
  EXPECT_EQ(doc["top_paths"][0]["path"], "/files/evil\xe2\x80\xae" "fdp.exe");  // the value is kept
  const std::string t = RenderText(r, true);
  EXPECT_EQ(t.find("\xe2\x80\xae"), std::string::npos);
}

TEST(Report, TextNamesTheSurge) {
  SetLang(Lang::kJa);
  std::string t = RenderText(Sample(), false);
  // The sentence of the alert the product grew from, with the numbers behind it.
  EXPECT_NE(t.find("2022年2月16日以降、ボット・脆弱性スキャンなどによる攻撃が過去3か月平均の約12倍に"
                   "急増しています（shop.example.jp）。"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("p = 1.5e-12"), std::string::npos) << t;
  EXPECT_NE(t.find("198.51.100.7 (US United States) 90"), std::string::npos) << t;
  SetLang(Lang::kEn);
  t = RenderText(Sample(), false);
  EXPECT_NE(t.find("Since 16 February 2022, attacks by bots and vulnerability scanners have surged "
                   "to about 12 times the average of the previous three months (shop.example.jp)."),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("\x1b["), std::string::npos);  // no colour unless asked
  // A longer --window-days says its days, not "three months".
  Report longer = Sample();
  for (auto& sg : longer.surges) sg.baseline_days = 180;
  t = RenderText(longer, false);
  EXPECT_NE(t.find("the previous 180 days"), std::string::npos) << t;
  EXPECT_EQ(t.find("three months"), std::string::npos) << t;
  EXPECT_NE(RenderText(Sample(), true).find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace keikai::report
