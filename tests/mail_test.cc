// The mail kind: the Postfix/Dovecot reader on the shared real samples, and mail events through
// the whole pipeline (aggregates, sources, countries, surges, reports).
#include <gtest/gtest.h>

#include <array>
#include <map>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "keikai/core/clock.h"
#include "keikai/core/time.h"
#include "keikai/detect/detector.h"
#include "keikai/geo/geo.h"
#include "keikai/mail/log.h"
#include "keikai/mail/summary.h"
#include "keikai/pipeline/scan.h"
#include "keikai/report/build.h"
#include "keikai/report/render.h"
#include "keikai/store/store.h"
#include "scan_util.h"
#include "test_util.h"

namespace keikai::mail {
namespace {

using keikai::testing::TempDir;
using keikai::testing::WriteFile;

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct Counts {
  int records = 0, skipped = 0, bad = 0, with_client = 0, auth = 0, lost = 0, connect = 0;
};
Counts CountFile(const std::string& path, std::string_view format, int64_t now) {
  LogParser p(format, now, 0);
  Counts c;
  Record r;
  ingest::ParseError err;
  for (const std::string& l : ReadLines(path)) {
    switch (p.Parse(l, r, err)) {
      case ingest::LineKind::kRecord:
        ++c.records;
        c.with_client += r.client.empty() ? 0 : 1;
        c.auth += r.what == What::kAuthFailed;
        c.lost += r.what == What::kLostConnection;
        c.connect += r.what == What::kConnect;
        break;
      case ingest::LineKind::kSkip:
        ++c.skipped;
        break;
      case ingest::LineKind::kBad:
        ++c.bad;
        break;
    }
  }
  return c;
}

const std::string kShared = KEIKAI_SHARED_DIR "/data/maillogs/";
constexpr int64_t kNow = 1796000000;  // 2026-11-29, after the samples

// The real samples (Postfix 3.7 and Dovecot 2.3 under a flood, ../shared/data/maillogs): every
// line is read, and the counts are those grep finds in the same files.
TEST(MailLog, SharedPostfixSample) {
  std::vector<std::string> lines = ReadLines(kShared + "postfix.log");
  ASSERT_FALSE(lines.empty()) << "missing " << kShared << "postfix.log";
  std::vector<std::string_view> head(lines.begin(), lines.begin() + 64);
  EXPECT_EQ(DetectFormat(head, kNow, 0), "maillog");
  const Counts c = CountFile(kShared + "postfix.log", "maillog", kNow);
  EXPECT_EQ(c.records, 2409);
  EXPECT_EQ(c.bad, 0);
  EXPECT_EQ(c.auth, 2);     // grep -c 'authentication failed'
  EXPECT_EQ(c.lost, 588);   // grep -c 'lost connection'
  EXPECT_EQ(c.connect, 838);  // smtpd "connect from" (835 + 3 submission)
}

TEST(MailLog, SharedDovecotSample) {
  std::vector<std::string> lines = ReadLines(kShared + "dovecot.log");
  ASSERT_FALSE(lines.empty());
  std::vector<std::string_view> head(lines.begin(), lines.begin() + 64);
  EXPECT_EQ(DetectFormat(head, kNow, 0), "dovecot");
  const Counts c = CountFile(kShared + "dovecot.log", "dovecot", kNow);
  EXPECT_EQ(c.records, 467);
  EXPECT_EQ(c.bad, 0);
  EXPECT_EQ(c.auth, 2);    // "(auth failed"; the auth process's "Password mismatch" lines only name the client
  EXPECT_EQ(c.lost, 452);  // "(no auth attempts"
}

// The server's limits and defences at work, each with its client where the line names one.
TEST(MailLog, SymptomsOfLimitsAndDefences) {
  LogParser p("maillog", kNow, 0);
  struct Case {
    const char* line;
    Symptom symptom;
    const char* client;
  };
  const Case cases[] = {
      {"Nov 26 07:00:02 mx postfix/smtpd[1]: warning: Connection rate limit exceeded: 70 from unknown[203.0.113.5] for service smtp",
       Symptom::kRateLimit, "203.0.113.5"},
      {"Nov 26 07:00:02 mx postfix/smtpd[1]: warning: Connection concurrency limit exceeded: 51 from a.example[2001:db8::5] for service smtp",
       Symptom::kConcurrencyLimit, "2001:db8::5"},
      {"Nov 26 07:00:02 mx postfix/smtpd[1]: too many errors after RCPT from unknown[198.51.100.9]", Symptom::kTooManyErrors,
       "198.51.100.9"},
      {"Nov 26 07:00:02 mx postfix/smtpd[1]: timeout after CONNECT from unknown[198.51.100.10]", Symptom::kTimeout,
       "198.51.100.10"},
      {"Nov 26 07:00:02 mx postfix/postscreen[9]: PREGREET 11 after 0.1 from [198.51.100.7]:53499: EHLO spam\\r\\n",
       Symptom::kPregreet, "198.51.100.7"},
      {"Nov 26 07:00:02 mx postfix/postscreen[9]: DNSBL rank 3 for [198.51.100.8]:40000", Symptom::kDnsbl, "198.51.100.8"},
      {"Nov 26 07:00:02 mx postfix/postscreen[9]: PASS NEW [198.51.100.6]:40493", Symptom::kScreenPass, "198.51.100.6"},
      {"Nov 26 07:00:02 mx postfix/anvil[3]: statistics: max connection rate 70/60s for (smtp:203.0.113.5) at Nov 26 07:00:00",
       Symptom::kAnvilMax, "203.0.113.5"},
      {"Nov 26 07:00:02 mx postfix/master[1]: warning: service \"smtp\" (25) has reached its process limit \"100\": new clients may experience noticeable delays",
       Symptom::kProcessLimit, ""},
      {"Nov 26 07:00:02 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]", Symptom::kNone, "192.0.2.1"},
  };
  for (const Case& c : cases) {
    Record r;
    ingest::ParseError err;
    ASSERT_EQ(p.Parse(c.line, r, err), ingest::LineKind::kRecord) << c.line;
    EXPECT_EQ(r.symptom, c.symptom) << c.line;
    EXPECT_EQ(r.client, c.client) << c.line;
  }
  LogParser d("dovecot", kNow, 0);
  Record r;
  ingest::ParseError err;
  ASSERT_EQ(d.Parse("2026-11-26 07:03:01 imap-login: Info: Disconnected: Connection queue full (no auth attempts in 1 secs): "
                    "user=<>, rip=127.0.0.21, lip=127.0.0.1",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.symptom, Symptom::kQueueFull);
  EXPECT_EQ(r.what, What::kLostConnection);  // still a connection lost before login, as before
  EXPECT_EQ(r.client, "127.0.0.21");
  ASSERT_EQ(d.Parse("2026-11-26 07:03:01 master: Warning: service(imap-login): process_limit (100) reached, client "
                    "connections are being dropped",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.symptom, Symptom::kProcessLimit);
  EXPECT_EQ(SymptomName(Symptom::kQueueFull), "queue_full");
}

// On the real samples the symptoms are those a plain text search finds in the same files.
TEST(MailLog, SharedSamplesSymptomsAreWhatTextSearchFinds) {
  std::array<uint64_t, kSymptomCount> got{};
  std::map<Symptom, uint64_t> want;
  for (const auto& [file, format] : {std::pair<std::string, std::string>{"postfix.log", "maillog"}, {"dovecot.log", "dovecot"}}) {
    LogParser p(format, kNow, 0);
    for (const std::string& l : ReadLines(kShared + file)) {
      Record r;
      ingest::ParseError err;
      if (p.Parse(l, r, err) == ingest::LineKind::kRecord) ++got[static_cast<std::size_t>(r.symptom)];
      const auto has = [&](const char* s) { return l.find(s) != std::string::npos; };
      if (has("limit exceeded: ")) ++want[Symptom::kRateLimit];
      if (has("too many errors after")) ++want[Symptom::kTooManyErrors];
      if (has(": PREGREET ")) ++want[Symptom::kPregreet];
      if (has(": PASS NEW ") || has(": PASS OLD ")) ++want[Symptom::kScreenPass];
      if (has("statistics: max connection rate") || has("statistics: max connection count")) ++want[Symptom::kAnvilMax];
      if (has("process_limit (")) ++want[Symptom::kProcessLimit];
      if (has("Connection queue full")) ++want[Symptom::kQueueFull];
    }
  }
  EXPECT_EQ(want[Symptom::kRateLimit], 84u);  // the samples' flood, as a check on the search itself
  for (const auto& [symptom, n] : want) EXPECT_EQ(got[static_cast<std::size_t>(symptom)], n) << SymptomName(symptom);
}

// RFC 5424 (with structured data, escapes inside), RFC 3164 with its <PRI>, and journald's JSON
// export: the same records as the classic lines.
TEST(MailLog, Rfc5424PriAndJournalJson) {
  LogParser p("maillog", kNow, 9 * 3600);
  Record r;
  ingest::ParseError err;
  ASSERT_EQ(p.Parse("<22>1 2026-11-26T07:00:00.123+09:00 mx postfix/smtpd 1234 - - connect from unknown[198.51.100.7]", r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.what, What::kConnect);
  EXPECT_EQ(r.client, "198.51.100.7");
  EXPECT_EQ(r.host, "mx");
  EXPECT_EQ(r.program, "postfix/smtpd");
  EXPECT_EQ(r.time, 1795644000);  // 2026-11-25T22:00:00Z
  EXPECT_EQ(r.offset, 9 * 3600);
  ASSERT_EQ(p.Parse("<22>1 2026-11-26T07:00:01Z mx postfix/smtpd 1234 ID7 [meta x=\"a\\]b\"][more y=\"1\"] lost connection "
                    "after AUTH from unknown[198.51.100.7]",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.what, What::kLostConnection);
  EXPECT_EQ(r.message.substr(0, 15), "lost connection");
  ASSERT_EQ(p.Parse("<38>Nov 26 07:00:02 mx postfix/smtpd[5]: connect from unknown[198.51.100.8]", r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.client, "198.51.100.8");
  EXPECT_EQ(p.Parse("<22>1 - mx postfix/smtpd 1 - - x", r, err), ingest::LineKind::kBad);  // no time
  EXPECT_EQ(p.Parse("<22>1 2026-11-26T07:00:01Z mx postfix/smtpd 1 - [open", r, err), ingest::LineKind::kBad);
  EXPECT_EQ(p.Parse("<13>1 2026-11-26T07:00:01Z mx CRON 1 - - (root) CMD", r, err), ingest::LineKind::kSkip);

  LogParser j("journal", kNow, 0);
  const std::string rec =
      R"({"__REALTIME_TIMESTAMP":"1795644002000000","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtpd",)"
      R"("MESSAGE":"warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"})";
  ASSERT_EQ(j.Parse(rec, r, err), ingest::LineKind::kRecord);
  EXPECT_EQ(r.what, What::kAuthFailed);
  EXPECT_EQ(r.client, "203.0.113.5");
  EXPECT_EQ(r.time, 1795644002);
  EXPECT_EQ(j.Parse(R"({"__REALTIME_TIMESTAMP":"1","SYSLOG_IDENTIFIER":"CRON","MESSAGE":"x"})", r, err), ingest::LineKind::kSkip);
  EXPECT_EQ(j.Parse(R"({"SYSLOG_IDENTIFIER":"postfix/smtpd","MESSAGE":"x"})", r, err), ingest::LineKind::kBad);
  EXPECT_EQ(j.Parse("not json", r, err), ingest::LineKind::kBad);
  const std::vector<std::string_view> head = {rec, rec};
  EXPECT_EQ(DetectFormat(head, kNow, 0), "journal");
}

// Dovecot's own log file with its default log_timestamp ("%b %d %H:%M:%S "): the year inferred as
// for syslog, the format detected, the process limit and the login seen.
TEST(MailLog, DovecotDefaultTimestamps) {
  const std::vector<std::string_view> lines = {
      "Dec 06 19:20:01 master: Info: Dovecot v2.3.19.1 (9b53102964) starting up for imap, pop3",
      "Dec 06 19:20:05 imap-login: Info: Login: user=<probe>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7, TLS, session=<x>",
      "Dec 06 19:20:06 master: Warning: service(imap-login): process_limit (4) reached, client connections are being dropped",
      "Dec  6 19:20:07 pop3-login: Info: Disconnected (no auth attempts in 2 secs): user=<>, rip=127.0.0.21, lip=127.0.0.1, session=<y>"};
  const int64_t now = 1796587200;  // 2026-12-06 20:00:00 UTC
  EXPECT_EQ(DetectFormat(lines, now, 0), "dovecot");
  LogParser p("dovecot", now, 0);
  Record r;
  ingest::ParseError err;
  ASSERT_EQ(p.Parse(lines[1], r, err), ingest::LineKind::kRecord);
  EXPECT_EQ(TimeZone::Utc().FormatTime(r.time), "2026-12-06 19:20:05 +00:00");
  EXPECT_EQ(r.program, "imap-login");
  EXPECT_EQ(r.client, "127.0.0.1");
  ASSERT_EQ(p.Parse(lines[2], r, err), ingest::LineKind::kRecord);
  EXPECT_EQ(r.symptom, Symptom::kProcessLimit);
  ASSERT_EQ(p.Parse(lines[3], r, err), ingest::LineKind::kRecord);
  EXPECT_EQ(r.client, "127.0.0.21");
  EXPECT_TRUE(IsConnection(r));
  EXPECT_EQ(p.Parse("Dec 6 19:20:07 pop3-login: Info: x", r, err), ingest::LineKind::kBad);
}

TEST(MailLog, FieldsTimesAndYears) {
  LogParser p("maillog", kNow, 9 * 3600);
  Record r;
  ingest::ParseError err;
  ASSERT_EQ(p.Parse("Nov 26 07:00:02 mx postfix/submission/smtpd[20070]: warning: unknown[192.0.2.7]: "
                    "SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.host, "mx");
  EXPECT_EQ(r.program, "postfix/submission/smtpd");
  EXPECT_EQ(r.client, "192.0.2.7");
  EXPECT_EQ(r.what, What::kAuthFailed);
  EXPECT_EQ(r.detail, "SASL PLAIN");
  // 2026-11-26 07:00:02 at +09:00 is 2026-11-25 22:00:02 UTC.
  EXPECT_EQ(TimeZone::Utc().FormatTime(r.time), "2026-11-25 22:00:02 +00:00");
  // A December line read in early January belongs to the year before.
  LogParser jan("maillog", 1767398400 /* 2026-01-03 */, 0);
  ASSERT_EQ(jan.Parse("Dec 31 23:59:59 mx postfix/smtpd[1]: connect from a[192.0.2.1]", r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(TimeZone::Utc().FormatTime(r.time), "2025-12-31 23:59:59 +00:00");
  EXPECT_EQ(r.what, What::kConnect);
  // Space-padded days; IPv6 clients; "unknown" is no client.
  ASSERT_EQ(jan.Parse("Jan  2 01:02:03 mx postfix/smtpd[1]: lost connection after AUTH from "
                      "unknown[2001:db8::5]", r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.client, "2001:db8::5");
  EXPECT_EQ(r.detail, "after AUTH");
  EXPECT_EQ(TimeZone::Utc().FormatTime(r.time), "2026-01-02 01:02:03 +00:00");
  ASSERT_EQ(jan.Parse("Jan  2 01:02:03 mx postfix/smtpd[1]: connect from unknown[unknown]", r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.client, "");
  // RFC 3339 times (Debian 12's rsyslog) carry their zone.
  ASSERT_EQ(p.Parse("2026-11-26T07:00:00.123456+09:00 mx postfix/smtpd[5]: connect from x[198.51.100.2]",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.offset, 9 * 3600);
  EXPECT_EQ(TimeZone::Utc().FormatTime(r.time), "2026-11-25 22:00:00 +00:00");
  // Other programs' lines are skipped; lines that are not syslog are bad, with a reason.
  EXPECT_EQ(p.Parse("Nov 26 07:00:02 mx CRON[1]: (root) CMD (true)", r, err), ingest::LineKind::kSkip);
  EXPECT_EQ(p.Parse("", r, err), ingest::LineKind::kSkip);
  EXPECT_EQ(p.Parse("hello world", r, err), ingest::LineKind::kBad);
  EXPECT_STREQ(err.code, "bad_time");
  EXPECT_EQ(p.Parse("Nov 26 07:00:02 mx", r, err), ingest::LineKind::kBad);
  EXPECT_EQ(p.Parse("Xyz 26 07:00:02 mx postfix/smtpd[1]: connect from a[192.0.2.1]", r, err),
            ingest::LineKind::kBad);
  // Dovecot's own log: rip= is the client.
  LogParser d("dovecot", kNow, 0);
  ASSERT_EQ(d.Parse("2026-11-26 07:00:40 imap-login: Info: Disconnected: Connection closed (auth failed, "
                    "1 attempts in 2 secs): user=<alice>, method=PLAIN, rip=203.0.113.9, lip=127.0.0.1",
                    r, err),
            ingest::LineKind::kRecord);
  EXPECT_EQ(r.client, "203.0.113.9");
  EXPECT_EQ(r.what, What::kAuthFailed);
  EXPECT_EQ(r.detail, "PLAIN");
  EXPECT_EQ(d.Parse("2026-11-26 07:00:40", r, err), ingest::LineKind::kBad);
}

// Twelve days of a mail server's log: a few failed logins a day from many places, then on the last
// two days a password-guessing run from two addresses abroad. The mail events go through the
// same aggregates, sources, countries, surges and report as web requests, with no change to any
// of them.
TEST(MailPipeline, PasswordGuessingSurgeIsReportedWithItsSources) {
  TempDir dir;
  std::string log;
  const int64_t day0 = DaysFromCivil(2026, 11, 1);
  auto line = [&](int64_t day, int sec, const std::string& what) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day0 + day, y, m, d);
    static const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char ts[32];
    std::snprintf(ts, sizeof ts, "%s %2u %02d:%02d:%02d", kMon[m - 1], d, sec / 3600, (sec / 60) % 60, sec % 60);
    log += std::string(ts) + " mx postfix/smtpd[100]: " + what + "\n";
  };
  for (int day = 0; day < 12; ++day) {
    for (int i = 0; i < 40; ++i) {
      const std::string ip = "192.0.2." + std::to_string(1 + (i * 7 + day) % 50);
      line(day, 3600 + i * 1800, "connect from client[" + ip + "]");
      if (i % 10 == 0) {
        line(day, 3601 + i * 1800,
             "warning: client[" + ip + "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6");
      }
    }
    if (day >= 10) {
      for (int i = 0; i < 300; ++i) {
        const std::string ip = i % 3 == 0 ? "198.51.100.7" : "198.51.100.8";
        line(day, 7200 + i * 60, "warning: unknown[" + ip + "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6");
        if (i % 5 == 0) line(day, 7200 + i * 60, "lost connection after AUTH from unknown[" + ip + "]");
      }
    }
  }
  WriteFile(dir / "mail.log", log);
  // A location file: 192.0.2.0/24 is at home (JP), 198.51.100.0/24 abroad (CN).
  auto geo = geo::ParseTorGeoip("3221225984,3221226239,JP\n3325256704,3325256959,CN\n", "");
  const std::string db_path = dir / "k.db";
  auto st = store::OpenSqlite(db_path);
  ASSERT_TRUE(st.ok());
  pipeline::ScanOptions o;
  o.inputs = {dir / "mail.log"};
  o.now = (day0 + 13) * 86400;
  o.log_zone_offset = 0;
  const auto done = testing::ScanThenReport(*st.value(), o, (day0 + 12) * 86400, geo.get());
  ASSERT_TRUE(done);
  const pipeline::ScanResult& scanned = done->first;
  EXPECT_EQ(scanned.files.at(0).format, "maillog");
  EXPECT_EQ(scanned.summary.bad_lines, 0u);
  EXPECT_EQ(scanned.sites, std::vector<std::string>{"mx"});
  const report::Report& r = done->second;
  // Aggregates: every line names a client, so every line is an event of site mx.
  EXPECT_EQ(r.summary.requests, 12u * 44 + 2 * 360);
  EXPECT_EQ(r.classes.at("mail-auth-failure"), 12u * 4 + 2 * 300);
  EXPECT_EQ(r.classes.at("mail-lost-connection"), 2u * 60);
  // Sources: the two guessers first, in their country.
  ASSERT_GE(r.top_sources.size(), 2u);
  EXPECT_EQ(r.top_sources[0].ip, "198.51.100.8");
  EXPECT_EQ(r.top_sources[1].ip, "198.51.100.7");
  EXPECT_EQ(r.top_sources[0].country, "CN");
  EXPECT_FALSE(r.top_sources[0].domestic);
  // Countries: abroad dominates.
  ASSERT_FALSE(r.countries.empty());
  EXPECT_EQ(r.countries[0].country, "CN");
  EXPECT_EQ(r.overseas_attacks, 2u * 360);
  EXPECT_EQ(r.domestic_attacks, 48u);
  // Surges: the failed logins of site mx rose on the eleventh day, driven by the two addresses.
  bool found = false;
  for (const report::Surge& s : r.surges) {
    if (s.site != "mx" || report::ClassKey(s.cls) != "mail-auth-failure") continue;
    found = true;
    EXPECT_EQ(FormatDate(s.start), "2026-11-11") << nlohmann::json::parse(report::RenderJson(r))["surges"].dump(1);
    ASSERT_FALSE(s.drivers.empty());
    EXPECT_EQ(s.drivers[0].ip, "198.51.100.8");
    EXPECT_EQ(s.drivers[0].country, "CN");
  }
  EXPECT_TRUE(found) << report::RenderJson(r).substr(0, 3000);
  // The all-classes surge of a mail-only site is worded as an attack on the mail service.
  const std::string json = report::RenderJson(r);
  EXPECT_NE(json.find("attacks on the mail service (failed logins, dropped connections, malicious mail) have surged"),
            std::string::npos);
  EXPECT_EQ(json.find("bots and vulnerability scanners"), std::string::npos);
  // Reports: the classes have labels in both languages.
  EXPECT_NE(report::RenderJson(r).find("\"mail-auth-failure\""), std::string::npos);
  SetLang(Lang::kJa);
  const std::string ja = report::RenderText(r, false);
  SetLang(Lang::kEn);
  EXPECT_NE(ja.find("メールのログイン失敗"), std::string::npos);
  // Findings keep the mail kind, the program and the log message as evidence.
  st.value().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT kind, COUNT(*), MIN(target), MIN(detectors), MIN(evidence), "
                               "MAX(target_hit) FROM findings GROUP BY kind",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 1);  // event::Kind::kMail
  EXPECT_EQ(sqlite3_column_int(q, 1), 12 * 4 + 2 * 300 + 2 * 60);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 2)), "postfix/smtpd");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 3)), "postfix-lost-connection");
  EXPECT_NE(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 4))).find("postfix/smtpd: "),
            std::string::npos);
  EXPECT_EQ(sqlite3_column_int(q, 5), 0);  // never a "targeted path"
  EXPECT_EQ(sqlite3_step(q), SQLITE_DONE);  // no web findings
  sqlite3_finalize(q);
  sqlite3_close(db);
}

}  // namespace
}  // namespace keikai::mail
