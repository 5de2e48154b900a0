#include <gtest/gtest.h>
#include <unistd.h>

#include "keikai/core/ascii.h"
#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/core/span_memo.h"
#include "keikai/core/status.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"
#include "keikai/geo/country_names.h"
#include "test_util.h"

#include <nlohmann/json.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>

namespace keikai {
namespace {

TEST(Time, CivilRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  for (int64_t d = -1000; d < 40000; d += 37) {
    int64_t y;
    unsigned m, dd;
    CivilFromDays(d, y, m, dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d);
  }
}

TEST(Time, ClfWithZone) {
  int64_t t = 0;
  ASSERT_TRUE(ParseClfTime("16/Feb/2022:09:00:00 +0900", t));
  EXPECT_EQ(t, DaysFromCivil(2022, 2, 16) * 86400);  // 00:00 UTC
  ASSERT_TRUE(ParseClfTime("10/Oct/2000:13:55:36 -0700", t));
  EXPECT_EQ(t, 971211336);
  EXPECT_FALSE(ParseClfTime("10/Foo/2000:13:55:36 -0700", t));
  EXPECT_FALSE(ParseClfTime("10/Oct/2000:25:55:36 -0700", t));
  EXPECT_FALSE(ParseClfTime("10/Oct/2000:13:55:36 -07", t));
  EXPECT_FALSE(ParseClfTime("", t));
}

// The streaming parser remembers the day and zone: it must accept and compute exactly what
// ParseClfTime does, whatever came before (same day, other day, other zone, bad clocks).
TEST(Time, ClfStreamAgreesWithParseClfTime) {
  const char* kTimes[] = {
      "16/Feb/2022:09:00:00 +0900", "16/Feb/2022:09:00:01 +0900", "16/Feb/2022:23:59:60 +0900",
      "16/Feb/2022:24:00:00 +0900", "16/Feb/2022:09:60:00 +0900", "16/Feb/2022:09:00:61 +0900",
      "16/Feb/2022:9:00:00 +0900",  "16/Feb/2022:09-00:00 +0900", "16/Feb/2022:09:00:00 +0000",
      "16/Feb/2022:09:00:00",       "16/Feb/2022:09:00:00 +09",   "16/Feb/2022:09:00:00 +0900x",
      "17/Feb/2022:00:00:00 +0900", "29/Feb/2024:12:00:00 -0130", "29/Feb/2024:12:0a:00 -0130",
      "10/Oct/2000:13:55:36 -0700", "10/Foo/2000:13:55:36 -0700", "",
      "16/Feb/2022:09:00:00 +0900", "16/Feb/2022"};
  ClfTimeParser p;
  for (int round = 0; round < 2; ++round) {
    for (const char* s : kTimes) {
      int64_t a = -1, b = -1;
      const bool ok_a = ParseClfTime(s, a);
      const bool ok_b = p.Parse(s, b);
      EXPECT_EQ(ok_a, ok_b) << s;
      if (ok_a && ok_b) {
        EXPECT_EQ(a, b) << s;
      }
    }
  }
}

// Well-formed text is written exactly as nlohmann::json writes it (quotes, backslashes, C0
// controls escaped; UTF-8 and DEL as is); ill-formed bytes become U+FFFD per maximal subpart,
// and the result always parses back.
TEST(Utf8, AppendJsonStringMatchesNlohmannOnWellFormedText) {
  const std::string cases[] = {"", "plain", "q\"uote", "back\\slash", "tab\tnl\ncr\rbs\bff\f",
                               std::string("nul\0x", 5), "\x01\x1f\x7f", "日本語 テキスト",
                               "emoji \xF0\x9F\x98\x80", "/slash/"};
  for (const std::string& c : cases) {
    std::string out;
    AppendJsonString(out, c);
    EXPECT_EQ(out, nlohmann::json(c).dump()) << c;
  }
  std::mt19937 rng(7);
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    const int len = static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) s += static_cast<char>(rng() % 256);
    std::string out;
    AppendJsonString(out, s);
    nlohmann::json back;
    ASSERT_NO_THROW(back = nlohmann::json::parse(out)) << out;
    // Round trip: what was written is the well-formed text itself when s was well-formed.
    bool well_formed = true;
    for (std::size_t i = 0; i < s.size();) {
      char32_t cp;
      std::size_t bad;
      const std::size_t l = DecodeUtf8(s, i, &cp, &bad);
      if (l == 0) {
        well_formed = false;
        break;
      }
      i += l;
    }
    if (well_formed) {
      EXPECT_EQ(back.get<std::string>(), s);
    }
  }
  std::string out;
  AppendJsonString(out, "a\xE3\x81z\xFF");  // truncated sequence (one U+FFFD), stray byte
  EXPECT_EQ(out, "\"a\xEF\xBF\xBDz\xEF\xBF\xBD\"");
}

// Cache families whose entries coexist are pruned by age: what was not used for the given
// number of days goes, what was loaded recently (TouchIfStale) and other families stay.
// The zone each time was written in, as the scanner records it per site.
TEST(Time, ClfStreamGivesTheZone) {
  ClfTimeParser p;
  int64_t t = 0;
  int32_t off = 1;
  ASSERT_TRUE(p.Parse("16/Feb/2022:09:00:00 +0900", t, &off));
  EXPECT_EQ(off, 9 * 3600);
  ASSERT_TRUE(p.Parse("16/Feb/2022:09:00:01 +0900", t, &off));  // remembered day and zone
  EXPECT_EQ(off, 9 * 3600);
  ASSERT_TRUE(p.Parse("10/Oct/2000:13:55:36 -0700", t, &off));
  EXPECT_EQ(off, -7 * 3600);
  ASSERT_TRUE(p.Parse("10/Oct/2000:13:55:36 +05:30", t, &off));
  EXPECT_EQ(off, 5 * 3600 + 30 * 60);
  ASSERT_TRUE(p.Parse("10/Oct/2000:13:55:36", t, &off));
  EXPECT_EQ(off, 0);
}

TEST(Files, PruneOlderThanKeepsWhatIsInUse) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("keikai-prune-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* n : {"rules-pm-old.hsdb", "rules-pm-used.hsdb", "rules-pm-new.hsdb", "detect-0-old.hsdb"}) {
    ASSERT_TRUE(WriteFileAtomic((dir / n).string(), "x"));
  }
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 40);
  for (const char* n : {"rules-pm-old.hsdb", "rules-pm-used.hsdb", "detect-0-old.hsdb"}) {
    fs::last_write_time(dir / n, old);
  }
  TouchIfStale((dir / "rules-pm-used.hsdb").string());  // loaded today
  PruneOlderThan(dir.string(), "rules-pm-", 30);
  EXPECT_FALSE(fs::exists(dir / "rules-pm-old.hsdb"));
  EXPECT_TRUE(fs::exists(dir / "rules-pm-used.hsdb"));
  EXPECT_TRUE(fs::exists(dir / "rules-pm-new.hsdb"));
  EXPECT_TRUE(fs::exists(dir / "detect-0-old.hsdb"));  // another family
  PruneOlderThan((dir / "missing").string(), "rules-pm-", 30);  // no directory: nothing happens
  fs::remove_all(dir);
}

TEST(Time, Iso) {
  int64_t t = 0;
  ASSERT_TRUE(ParseIsoTime("2000-10-10T13:55:36-07:00", t));
  EXPECT_EQ(t, 971211336);
  ASSERT_TRUE(ParseIsoTime("2000-10-10T20:55:36.123456Z", t));
  EXPECT_EQ(t, 971211336);
  ASSERT_TRUE(ParseIsoTime("2000-10-11T05:55:36+0900", t));
  EXPECT_EQ(t, 971211336);
  ASSERT_TRUE(ParseIsoTime("2000-10-10 20:55:36", t));
  EXPECT_EQ(t, 971211336);
  EXPECT_FALSE(ParseIsoTime("2000-10-10T20:55:36X", t));
  EXPECT_FALSE(ParseIsoTime("2000-13-10T20:55:36Z", t));
}

TEST(Time, EpochAndDates) {
  int64_t t = 0;
  ASSERT_TRUE(ParseEpochTime("1646861401.5241024", t));
  EXPECT_EQ(t, 1646861401);
  EXPECT_FALSE(ParseEpochTime("12a", t));
  int64_t d = 0;
  ASSERT_TRUE(ParseDate("2022-02-16", d));
  EXPECT_EQ(FormatDate(d), "2022-02-16");
  EXPECT_FALSE(ParseDate("2022-02-30", d));
  EXPECT_FALSE(ParseDate("2022-2-16", d));
}

TEST(Time, Zones) {
  const TimeZone jst = TimeZone::Jst();
  const int64_t t = DaysFromCivil(2022, 2, 15) * 86400 + 15 * 3600;  // 15:00 UTC
  EXPECT_EQ(jst.OffsetAt(t), 9 * 3600);
  EXPECT_EQ(FormatDate(jst.LocalDay(t)), "2022-02-16");
  EXPECT_EQ(jst.FormatTime(t), "2022-02-16 00:00:00 +09:00");
  auto ny = TimeZone::Make("America/New_York");
  ASSERT_TRUE(ny.has_value());
  EXPECT_EQ(ny->OffsetAt(DaysFromCivil(2022, 1, 15) * 86400), -5 * 3600);
  EXPECT_EQ(ny->OffsetAt(DaysFromCivil(2022, 7, 15) * 86400), -4 * 3600);
  EXPECT_FALSE(TimeZone::Make("../../etc/passwd").has_value());
  EXPECT_FALSE(TimeZone::Make("Not/AZone").has_value());
  auto fixed = TimeZone::Make("+05:30");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->OffsetAt(0), 5 * 3600 + 1800);
}

// Numbers from request data: read as atoll reads them, but never overflowing.
TEST(Ascii, LeadingIntSaturatesInsteadOfOverflowing) {
  EXPECT_EQ(LeadingInt(" \t+42abc"), 42);
  EXPECT_EQ(LeadingInt("-7"), -7);
  EXPECT_EQ(LeadingInt("x1"), 0);
  EXPECT_EQ(LeadingInt(""), 0);
  const int64_t big = LeadingInt("9999999999999999999999999");
  EXPECT_GT(big, int64_t{1} << 58);
  EXPECT_EQ(LeadingInt("-9999999999999999999999999"), -big);
}

// Every status code the library returns has a lead-in in both languages (the CLI prints it
// before the detail, which stays as the library wrote it).
TEST(I18n, EveryStatusCodeHasALeadIn) {
  for (const char* code : {"detect", "detector", "format", "ftw", "geo", "glob", "io", "mapping", "open",
                           "operator", "output", "read", "regex", "request", "rules", "seclang", "store"}) {
    EXPECT_TRUE(HasMsg(std::string("err.code.") + code)) << code;
  }
  EXPECT_FALSE(HasMsg("err.code.no-such-code"));
}

// Values are not searched for placeholders: a site named "{new}" is shown as it is.
TEST(I18n, FillTemplateIsOnePass) {
  EXPECT_EQ(FillTemplate("move {old} to {new}; {old} again", {{"{old}", "{new}"}, {"{new}", "b"}}),
            "move {new} to b; {new} again");
  EXPECT_EQ(FillTemplate("{n}{n}{", {{"{n}", "1"}}), "11{");
  EXPECT_EQ(FillTemplate("{unknown} stays", {{"{n}", "1"}}), "{unknown} stays");
}

TEST(I18n, CatalogIsCompleteInBothLanguages) {
  std::string missing;
  EXPECT_TRUE(CatalogComplete(&missing)) << missing;
  EXPECT_STRNE(Tr("text.attacks", Lang::kEn), Tr("text.attacks", Lang::kJa));
  EXPECT_STREQ(Tr("no.such.key", Lang::kJa), "no.such.key");
  Lang l;
  EXPECT_TRUE(ParseLang("ja", l));
  EXPECT_EQ(l, Lang::kJa);
  EXPECT_FALSE(ParseLang("fr", l));
}

TEST(Status, Describes) {
  EXPECT_TRUE(Status::Ok().ok());
  const Status s = Status::Error("bad_time", "no time", 12);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "bad_time: no time (at offset 12)");
  Result<int> r = s;
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad_time");
}

}  // namespace

// Issue 11: ESC, OSC title and OSC 8 sequences, BEL, NUL, C1 controls, invalid UTF-8 and bidi
// controls reached the terminal raw.
TEST(TerminalSafe, ShowsControlsInsteadOfObeyingThem) {
  const std::string evil = std::string("a\x1b]0;title\x07 b\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\ c") +
                           std::string(1, '\0') + "\xc2\x9b" + "31m \xff\xfe \xe2\x80\xae" + "gpj.exe\tend\n";
  const std::string t = TerminalSafe(evil);
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n' || c == '\t') << int(u);
  }
  EXPECT_EQ(t.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(t.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_NE(t.find("a\\x1B]0;title\\x07 b"), std::string::npos) << t;
  EXPECT_NE(t.find("\\u009B31m \\xFF\\xFE \\u202Egpj.exe\tend\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\\x00"), std::string::npos);
  // Japanese and other text passes unchanged; keikai's own colours only when allowed.
  EXPECT_EQ(TerminalSafe("攻撃 ok"), "攻撃 ok");
  EXPECT_EQ(TerminalSafe("\x1b[1mX\x1b[0m", true), "\x1b[1mX\x1b[0m");
  EXPECT_EQ(TerminalSafe("\x1b[1mX", false), "\\x1B[1mX");
  EXPECT_EQ(TerminalSafe("\x1b[2J", true), "\\x1B[2J");
}

TEST(Bidi, EscapedInJsonAndShownInCleanText) {
  const std::string j = "{\"p\": \"/evil\xe2\x80\xae" "gpj.exe \xd8\x9c x \xe2\x81\xa6y\"}";
  const std::string e = EscapeBidiInJson(j);
  EXPECT_EQ(e, "{\"p\": \"/evil\\u202Egpj.exe \\u061C x \\u2066y\"}");
  EXPECT_EQ(EscapeBidiInJson("\"a\xc2\x9b" "31m\xc2\xa0\""), "\"a\\u009B31m\xc2\xa0\"");
  EXPECT_EQ(CleanUtf8("a\xe2\x80\xae" "b", Utf8Cleaning{.show_bidi = true}), "a\\u202Eb");
  EXPECT_EQ(CleanUtf8("a\xe2\x80\xae" "b", Utf8Cleaning{}), "a\xe2\x80\xae" "b");
}


TEST(CountryNames, FromIsoCodesInBothLanguages) {
  const std::string mo = testing::ReadFile(std::string(KEIKAI_SOURCE_DIR) + "/fuzz/corpus/fuzz_mo/two_messages.mo");
  EXPECT_EQ(geo::MoLookup(mo, "Japan"), "日本");
  EXPECT_EQ(geo::MoLookup(mo, "France"), "");
  EXPECT_EQ(geo::MoLookup(mo.substr(0, 40), "Japan"), "");
  // Debian's iso-codes (installed by scripts/install-deps.sh).
  EXPECT_EQ(geo::CountryName("JP", Lang::kEn), "Japan");
  EXPECT_EQ(geo::CountryName("KR", Lang::kEn), "South Korea");
  EXPECT_EQ(geo::CountryName("CN", Lang::kJa), "中国");
  EXPECT_EQ(geo::CountryName("ZZ", Lang::kJa), "");
}

}  // namespace keikai

namespace keikai {
namespace {

// A write that stdio could not complete (a full disk) must fail the commit: stdio drops the
// unwritten buffer, so a later fflush alone would succeed and a truncated report would pass.
TEST(OutputFileTest, ShortWriteFailsTheCommit) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  auto f = OutputFile::Create("/dev/full");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f.value().replaces_file());
  EXPECT_FALSE(f.value().is_stdout());
  EXPECT_FALSE(f.value().Write(std::string(1 << 20, 'x')));
  const Status st = f.value().Commit();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), "output");
}

}  // namespace
}  // namespace keikai

namespace keikai {
namespace {

// A listing of a tree says what it could not read or did not list, instead of coming back short.
TEST(Files, ListTreeSaysWhatItDidNotRead) {
  testing::TempDir d;
  std::filesystem::create_directories(d / "a/b/c");
  for (const char* f : {"1", "a/2", "a/b/3", "a/b/c/4"}) testing::WriteFile(d / f, "x");
  TreeListing all = ListTree(d.str(), 3, 100);
  EXPECT_EQ(all.files.size(), 4u);
  EXPECT_TRUE(all.unreadable.empty());
  EXPECT_FALSE(all.truncated);
  EXPECT_EQ(ListTree(d.str(), 1, 100).files.size(), 2u);  // depth bounds it
  EXPECT_TRUE(ListTree(d.str(), 3, 2).truncated);
  TreeListing missing = ListTree(d / "none", 3, 100);
  EXPECT_TRUE(missing.files.empty());
  ASSERT_EQ(missing.unreadable.size(), 1u);
  EXPECT_NE(missing.unreadable[0].find("none"), std::string::npos);
}

// SpanMemo is exact (a text's values, never another's, whatever their hashes), keeps texts in
TEST(Utf8Cut, NeverEndsInsideACharacter) {
  const std::string s = "ab\xE3\x81\x82\xE3\x81\x84";  // "abあい"
  EXPECT_EQ(Utf8Cut(s, 100), s.size());
  EXPECT_EQ(Utf8Cut(s, 8), 8u);
  EXPECT_EQ(Utf8Cut(s, 7), 5u);
  EXPECT_EQ(Utf8Cut(s, 6), 5u);
  EXPECT_EQ(Utf8Cut(s, 5), 5u);
  EXPECT_EQ(Utf8Cut(s, 4), 2u);
  EXPECT_EQ(Utf8Cut(s, 2), 2u);
  EXPECT_EQ(Utf8Cut("\x80\x80\x80", 2), 0u);  // only continuation bytes: nothing whole
}

TEST(Utf16Le, BadUnitsBecomeOneReplacementEachAndTheRestIsKept) {
  const auto u16 = [](std::u16string_view s) {
    std::string b;
    for (char16_t c : s) b += std::string{static_cast<char>(c & 0xFF), static_cast<char>(c >> 8)};
    return b;
  };
  bool bad = false;
  EXPECT_EQ(Utf16LeToUtf8(u16(u"cmd /c \u3042"), &bad), "cmd /c \xE3\x81\x82");
  EXPECT_FALSE(bad);
  EXPECT_EQ(Utf16LeToUtf8(u16(u"\U0001F600")), "\xF0\x9F\x98\x80");  // a pair
  // A lone high surrogate, a lone low one, a high one at the end: each one U+FFFD, and only
  // those units; what is around them stays.
  std::string lone = u16(u"a") + std::string("\x00\xD8", 2) + u16(u"b") + std::string("\x00\xDC", 2) + u16(u"c") +
                     std::string("\x3D\xD8", 2);
  EXPECT_EQ(Utf16LeToUtf8(lone, &bad), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD");
  EXPECT_TRUE(bad);
  EXPECT_EQ(Utf16LeToUtf8(u16(u"ab") + "c"), "ab");  // an odd last byte is dropped
  EXPECT_EQ(Utf16LeToUtf8(u16(u"abcdef"), nullptr, 3), "abcd");  // stops once past the bound
  EXPECT_EQ(Utf16LeUntilNul(u16(u"ab") + std::string(2, '\0') + u16(u"cd")), u16(u"ab"));
  EXPECT_EQ(Utf16LeUntilNul(u16(u"ab")), u16(u"ab"));
  EXPECT_EQ(Utf16LeUntilNul(u16(u"ab") + "x"), u16(u"ab"));
  // A NUL inside is decoded as one (callers cut at terminators with Utf16LeUntilNul).
  EXPECT_EQ(Utf16LeToUtf8(u16(u"a") + std::string(2, '\0')), std::string("a\0", 2));
}

// use across a turnover, and stays within its bounds.
TEST(SpanMemo, KeepsValuesByTextWithinItsBounds) {
  SpanMemo<int> m(4, 64);
  std::span<const int> got;
  EXPECT_FALSE(m.Find(HashedView("a"), got));
  const int one[] = {1, 2};
  m.Put(HashedView("a"), one);
  ASSERT_TRUE(m.Find(HashedView("a"), got));
  EXPECT_EQ(std::vector<int>(got.begin(), got.end()), (std::vector<int>{1, 2}));
  // Same hash, other text: not confused (the key is compared), and both are kept.
  HashedView b("b"), c("c");
  c.hash = b.hash;
  const int two[] = {3};
  m.Put(b, {});
  m.Put(c, two);
  ASSERT_TRUE(m.Find(b, got));
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(m.Find(c, got));
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], 3);
  // The empty text and a hash of 0 are texts like any other.
  HashedView e("");
  e.hash = 0;
  m.Put(e, two);
  ASSERT_TRUE(m.Find(e, got));
  EXPECT_EQ(got[0], 3);
  // A fifth text turns the generation over: "a" was found in the old one and moved on,
  // so it survives the next turnover too; what was not used again is dropped.
  ASSERT_TRUE(m.Find(HashedView("a"), got));
  m.Put(HashedView("d"), one);
  ASSERT_TRUE(m.Find(HashedView("a"), got));
  EXPECT_EQ(got.size(), 2u);
  for (std::string k : {"e", "f", "g", "h"}) m.Put(HashedView(k), one);
  EXPECT_TRUE(m.Find(HashedView("a"), got));
  EXPECT_FALSE(m.Find(HashedView("b"), got));
  EXPECT_LE(m.size(), 8u);
  // A text longer than the key budget is not kept (its values come back as given).
  const std::string big(100, 'x');
  EXPECT_EQ(m.Put(HashedView(big), one).data(), one);
  EXPECT_FALSE(m.Find(HashedView(big), got));
}

// Against a map of the truth, with small bounds (many turnovers), texts longer than the key
// budget, and hashes cut to 8 bits (long probe sequences): whatever it finds is the text's own
// values, what it keeps comes back unchanged, and it never holds more than two generations.
TEST(SpanMemo, AgreesWithAMapUnderTurnoverAndCollisions) {
  std::mt19937 rng(1);
  for (int round = 0; round < 60; ++round) {
    const std::size_t cap = 1 + rng() % 50, bytes = 1 + rng() % 400;
    SpanMemo<int> m(cap, bytes);
    std::map<std::string, std::vector<int>> truth;
    std::size_t found = 0;
    for (int op = 0; op < 2000; ++op) {
      std::string k = "k" + std::to_string(rng() % 200);
      if (rng() % 7 == 0) k = std::string(rng() % 60, 'x') + k;
      auto it = truth.find(k);
      if (it == truth.end()) {
        std::vector<int> v(rng() % 4);
        for (int& x : v) x = static_cast<int>(rng());
        it = truth.emplace(k, v).first;
      }
      HashedView h(k);
      h.hash &= 0xff;
      std::span<const int> got;
      if (m.Find(h, got)) {
        ++found;
        ASSERT_EQ(std::vector<int>(got.begin(), got.end()), it->second) << k;
      } else {
        const std::span<const int> kept = m.Put(h, it->second);
        ASSERT_EQ(std::vector<int>(kept.begin(), kept.end()), it->second) << k;
      }
      ASSERT_LE(m.size(), 2 * cap);
    }
    EXPECT_GT(found, 0u);
  }
}

TEST(SpanMemo, TextsSharingHashBitsCannotMakeLookupsLong) {
  SpanMemo<int> m(1000, 1 << 20);
  const int v[] = {7};
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("k" + std::to_string(i));
  std::size_t kept = 0;
  for (const std::string& k : keys) {
    HashedView h(k);
    h.hash = 12345;  // all in one probe sequence
    m.Put(h, v);
    std::span<const int> got;
    HashedView again(k);
    again.hash = 12345;
    if (m.Find(again, got)) {
      ++kept;
      EXPECT_EQ(got[0], 7);
    }
  }
  EXPECT_LE(kept, 32u);  // the probe limit: the rest is recomputed, not searched for
  EXPECT_GE(kept, 1u);
}

}  // namespace
}  // namespace keikai
