// The mail gate (gate/gate.h) without a server: per-verdict actions, the reply in both languages,
// size and time limits, the PPAP policy (an outbound encrypted archive, then its password to the
// same recipients within the window), the milter's log line read back as the mail kind's
// "keikai-milter" format, and a scan of such a log counting its verdicts as events.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "cli_util.h"
#include "keikai/core/time.h"
#include "keikai/gate/gate.h"
#include "keikai/report/render.h"
#include "keikai/store/store.h"
#include "keikai/mail/log.h"
#include "mail_util.h"
#include "scan_util.h"
#include "test_util.h"

namespace keikai {
namespace {

using namespace keikai::testing;
using gate::Action;

gate::Envelope Env(const std::string& from, std::vector<std::string> to, const std::string& auth = "",
                   const std::string& client = "203.0.113.9") {
  gate::Envelope e;
  e.client = client;
  e.helo = "mx.example.net";
  e.sender = from;
  e.recipients = std::move(to);
  e.auth_user = auth;
  e.queue_id = "Q" + std::to_string(std::hash<std::string>{}(from + client) % 100000);
  return e;
}

std::string Header(const gate::Decision& d, const std::string& name) {
  for (const auto& [n, v] : d.headers) {
    if (n == name) return v;
  }
  return "";
}

constexpr int64_t kNow = 1'796'000'000;

TEST(Gate, EachVerdictGetsItsActionAndTheReplySaysWhyInBothLanguages) {
  gate::Gate g{gate::Options{}};
  const std::string clean = Mime("a@example.net", "b@example.jp", "会議の件", "明日の会議は 10 時からです。");
  gate::Decision d = g.Judge(Env("a@example.net", {"b@example.jp"}), clean, kNow);
  EXPECT_EQ(d.verdict, "clean");
  EXPECT_EQ(d.action, Action::kTag);
  EXPECT_EQ(Header(d, "X-Keikai-Verdict"), "clean; score=0");
  EXPECT_FALSE(d.outbound);

  // A program behind a document's name: malicious, refused with the reasons.
  const std::string exe = Mime("a@example.net", "b@example.jp", "請求書", "ご確認ください。",
                               {{"請求書.pdf.exe", std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(200, 'A')}});
  d = g.Judge(Env("a@example.net", {"b@example.jp"}), exe, kNow);
  EXPECT_EQ(d.verdict, "malicious");
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.reply_code, "550");
  EXPECT_EQ(d.reply_xcode, "5.7.1");
  ASSERT_EQ(d.reply_lines.size(), 2u);
  EXPECT_NE(d.reply_lines[0].find("malware"), std::string::npos) << d.reply_lines[0];
  EXPECT_NE(d.reply_lines[0].find("Reasons:"), std::string::npos) << d.reply_lines[0];
  EXPECT_NE(d.reply_lines[1].find("拒否"), std::string::npos) << d.reply_lines[1];
  EXPECT_NE(d.reply_lines[1].find("理由"), std::string::npos) << d.reply_lines[1];
  ASSERT_FALSE(d.reasons.empty());
  bool pe = false;
  for (std::size_t i = 0; i < d.reasons.size(); ++i) {
    pe = pe || d.reasons[i].first == "pe_executable";
    if (i > 0) {
      EXPECT_GE(d.reasons[i - 1].second, d.reasons[i].second);  // the worst reasons first
    }
  }
  EXPECT_TRUE(pe);
  EXPECT_TRUE(d.headers.empty());

  // Configured otherwise: malicious is held with headers, suspicious quarantined without a folder
  // falls back to the error action.
  gate::Options o;
  o.on_malicious = Action::kHold;
  gate::Gate held{o};
  d = held.Judge(Env("a@example.net", {"b@example.jp"}), exe, kNow);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_NE(Header(d, "X-Keikai-Reasons").find("pe_executable="), std::string::npos);
  o.on_malicious = Action::kQuarantine;
  gate::Gate nowhere{o};
  EXPECT_EQ(nowhere.Judge(Env("a@example.net", {"b@example.jp"}), exe, kNow).action, Action::kTempfail);
}

TEST(Gate, SizeAndTimeLimitsGiveTheirOwnActions) {
  gate::Options o;
  o.max_size = 1000;
  o.on_oversize = Action::kAccept;
  gate::Gate small{o};
  const std::string big = Mime("a@example.net", "b@example.jp", "big", std::string(5000, 'x'));
  gate::Decision d = small.Judge(Env("a@example.net", {"b@example.jp"}), big, kNow);
  EXPECT_EQ(d.verdict, "unscanned");
  EXPECT_EQ(d.action, Action::kAccept);

  // A scan past its deadline is not a clean verdict: the error action (fail closed by default).
  gate::Options t;
  t.scan_timeout_ms = 0;
  t.scan.deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(1));
  gate::Gate late{t};
  const std::string att = Mime("a@example.net", "b@example.jp", "doc", "see", {{"a.txt", "hello"}});
  d = late.Judge(Env("a@example.net", {"b@example.jp"}), att, kNow);
  EXPECT_EQ(d.verdict, "error");
  EXPECT_EQ(d.error, "scan timeout");
  EXPECT_EQ(d.action, Action::kTempfail);
  EXPECT_EQ(d.reply_code, "451");
  EXPECT_NE(d.reply_lines[0].find("try again later"), std::string::npos);
  t.on_error = Action::kAccept;  // fail open
  gate::Gate open{t};
  EXPECT_EQ(open.Judge(Env("a@example.net", {"b@example.jp"}), att, kNow).action, Action::kAccept);

  // Not a message at all is an error, not clean.
  d = gate::Gate{gate::Options{}}.Failed(Env("a@example.net", {"b@example.jp"}), "broken");
  EXPECT_EQ(d.verdict, "error");
  EXPECT_EQ(d.action, Action::kTempfail);
}

TEST(Gate, PpapArchiveThenItsPasswordToTheSameRecipientsWithinTheWindow) {
  TempDir dir;
  const std::string zip = PasswordZip(dir, "Xq7-pw42");
  gate::Options o;
  o.ppap.archive_action = Action::kTag;
  o.ppap.password_action = Action::kReject;
  o.ppap.window = 1800;
  o.ppap.allow_domains = {"partner.example"};
  o.own_networks.resize(1);
  ASSERT_TRUE(http::IpPrefix::Parse("192.0.2.0/24", o.own_networks[0]));
  gate::Gate g{o};
  const std::string archive = Mime("tanaka@corp.example", "suzuki@customer.example", "見積書の送付",
                                   "見積書を送付します。パスワードは別途お送りします。", {{"見積書.zip", zip}});
  const std::string password = Mime("tanaka@corp.example", "suzuki@customer.example", "パスワードのお知らせ",
                                    "先ほどのファイルのパスワードです。\nパスワード：Xq7-pw42\n");
  // Outbound by SMTP AUTH: the archive is tagged and remembered.
  gate::Envelope a = Env("tanaka@corp.example", {"Suzuki@Customer.example"}, "tanaka", "198.51.100.20");
  a.queue_id = "ARCH1";
  gate::Decision d = g.Judge(a, archive, kNow);
  EXPECT_TRUE(d.outbound);
  EXPECT_EQ(d.ppap, "archive");
  EXPECT_EQ(d.action, Action::kTag);
  EXPECT_EQ(Header(d, "X-Keikai-PPAP"), "encrypted-archive");
  EXPECT_EQ(g.remembered(), 1u);

  // Its password 10 minutes later to the same recipient: the policy's reject, with the
  // explanation of the alternative in both languages.
  gate::Envelope p = Env("tanaka@corp.example", {"<suzuki@customer.example>"}, "tanaka", "198.51.100.20");
  d = g.Judge(p, password, kNow + 600);
  EXPECT_EQ(d.verdict, "clean");
  EXPECT_EQ(d.ppap, "password");
  EXPECT_EQ(d.ppap_of, "ARCH1");
  EXPECT_EQ(d.ppap_after, 600);
  EXPECT_EQ(d.action, Action::kReject);
  ASSERT_EQ(d.reply_lines.size(), 2u);
  EXPECT_NE(d.reply_lines[0].find("10 minutes ago"), std::string::npos) << d.reply_lines[0];
  EXPECT_NE(d.reply_lines[0].find("file-sharing"), std::string::npos);
  EXPECT_NE(d.reply_lines[1].find("10 分前"), std::string::npos) << d.reply_lines[1];

  // Not PPAP: another recipient; past the window; an inbound sender; an exempt domain.
  EXPECT_EQ(g.Judge(Env("tanaka@corp.example", {"sato@other.example"}, "tanaka"), password, kNow + 600).ppap, "");
  EXPECT_EQ(g.Judge(p, password, kNow + 1801).ppap, "");
  gate::Gate g2{o};
  g2.Judge(Env("x@outside.example", {"suzuki@customer.example"}), archive, kNow);
  d = g2.Judge(Env("x@outside.example", {"suzuki@customer.example"}), password, kNow + 60);
  EXPECT_FALSE(d.outbound);
  EXPECT_EQ(d.ppap, "");
  EXPECT_EQ(g2.remembered(), 0u);
  gate::Gate g3{o};
  const gate::Envelope partner = Env("tanaka@corp.example", {"kato@sub.partner.example"}, "", "192.0.2.15");
  d = g3.Judge(partner, archive, kNow);
  EXPECT_TRUE(d.outbound);  // own network
  EXPECT_EQ(d.ppap, "");    // every recipient exempt
  EXPECT_EQ(g3.Judge(partner, password, kNow + 60).ppap, "");

  // The sender's own copy links nothing: an archive Cc'd to oneself, then a password-looking mail
  // to someone else with the same self Cc.
  gate::Gate g4{o};
  g4.Judge(Env("tanaka@corp.example", {"suzuki@customer.example", "tanaka@corp.example"}, "tanaka"), archive, kNow);
  d = g4.Judge(Env("tanaka@corp.example", {"sato@other.example", "Tanaka@Corp.example"}, "tanaka"), password, kNow + 60);
  EXPECT_EQ(d.ppap, "");

  // From the own network without AUTH, keyed by the envelope sender; the archive's own action
  // can refuse it outright.
  o.ppap.archive_action = Action::kReject;
  gate::Gate strict{o};
  d = strict.Judge(Env("tanaka@corp.example", {"suzuki@customer.example"}, "", "192.0.2.15"), archive, kNow);
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_NE(d.reply_lines[0].find("Encrypted archives"), std::string::npos) << d.reply_lines[0];
  EXPECT_EQ(d.reply_lines[0].find("Reasons:"), std::string::npos);
}

TEST(Gate, MalwareKeepsItsOwnActionOverThePolicy) {
  TempDir dir;
  gate::Options o;
  o.ppap.archive_action = Action::kHold;
  o.on_malicious = Action::kReject;
  gate::Gate g{o};
  WriteFile(dir / "run.exe", std::string("MZ\x90\x00", 4) + std::string(300, 'B'));
  ASSERT_EQ(std::system(("cd " + Q(dir.str()) + " && zip -q -P pw123456 bad.zip run.exe").c_str()), 0);
  const std::string m = Mime("a@corp.example", "b@customer.example", "件名", "パスワード: pw123456", {{"bad.zip", ReadFile(dir / "bad.zip")}});
  gate::Decision d = g.Judge(Env("a@corp.example", {"b@customer.example"}, "a"), m, kNow);
  EXPECT_EQ(d.verdict, "malicious");
  EXPECT_EQ(d.ppap, "archive");
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_NE(d.reply_lines[0].find("malware"), std::string::npos) << d.reply_lines[0];
}

TEST(Gate, OptionsThatCouldLoseOrLetThroughMailAreRefused) {
  const auto code = [](const std::string& args) { return Exec("milter --postfix-config " + args + " 2>&1").code; };
  EXPECT_EQ(code(""), 0);
  Outcome o = Exec("milter --postfix-config --on-oversize quarantine --quarantine-dir /tmp/q 2>&1");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.out.find("--on-oversize"), std::string::npos) << o.out;
  EXPECT_EQ(code("--ppap-password tempfail"), 2);  // it would pass once its archive left the window
  EXPECT_EQ(code("--on-malicious quarantine"), 2);  // no --quarantine-dir
  EXPECT_EQ(code("--on-error hold"), 2);
  EXPECT_EQ(code("--own-network 10.0.0.0/33"), 2);
  EXPECT_EQ(code("--ppap-allow-domain a@b"), 2);
  o = Exec("milter --postfix-config --on-error accept --socket inet:9999@127.0.0.1 2>&1");
  EXPECT_NE(o.out.find("smtpd_milters = inet:127.0.0.1:9999"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("milter_default_action = accept"), std::string::npos) << o.out;
}

// Emotet's "password in a separate mail": the archive passes first (suspicious: it cannot be
// opened), and its password comes in the next mail. That mail opens the archive kept from the
// first; malware inside makes the password mail malicious, naming the first mail's queue id.
TEST(Gate, APasswordMailOpensTheArchiveOfAnEarlierMail) {
  TempDir dir;
  // A workbook whose Excel 4.0 macro runs on open (a shared oletools sample): only its content,
  // which the encryption hides, is malicious.
  std::filesystem::copy_file(std::string(KEIKAI_SHARED_DIR) + "/data/maldoc/oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlsm",
                             dir / "請求書.xlsm");
  ASSERT_EQ(std::system(("cd " + Q(dir.str()) + " && zip -q -P Zt5-k81q bad.zip 請求書.xlsm").c_str()), 0);
  const std::string bad_zip = ReadFile(dir / "bad.zip");
  const std::string clean_zip = PasswordZip(dir, "Mv2-q09x");
  gate::Gate g{gate::Options{}};
  const auto env = [](const std::string& from, const std::string& to, const std::string& id) {
    gate::Envelope e = Env(from, {to});
    e.queue_id = id;
    return e;
  };
  gate::Decision d = g.Judge(env("billing@example.org", "keiri@corp.example", "FIRST1"),
                             Mime("billing@example.org", "keiri@corp.example", "請求書", "パスワードは別メールでお送りします。",
                                  {{"請求書.zip", bad_zip}}),
                             kNow);
  EXPECT_EQ(d.verdict, "suspicious");
  EXPECT_EQ(d.action, Action::kTag);
  const std::string password = Mime("billing@example.org", "keiri@corp.example", "パスワード", "パスワード：Zt5-k81q");
  // From someone else, the same password opens nothing.
  d = g.Judge(env("other@example.net", "keiri@corp.example", "OTHER1"), password, kNow + 60);
  EXPECT_EQ(d.verdict, "clean");
  EXPECT_EQ(d.opens, "");
  d = g.Judge(env("billing@example.org", "keiri@corp.example", "SECOND1"), password, kNow + 120);
  EXPECT_EQ(d.verdict, "malicious");
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.opens, "FIRST1");
  EXPECT_EQ(d.opened_verdict, "malicious");
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_EQ(d.reasons[0].first, "password_opens_malicious_archive");
  EXPECT_NE(d.reply_lines[0].find("encrypted archive of an earlier message"), std::string::npos) << d.reply_lines[0];
  const nlohmann::json line = nlohmann::json::parse(gate::LogLine(env("billing@example.org", "keiri@corp.example", "SECOND1"), d, kNow, 10, 1));
  EXPECT_EQ(line["opens_archive_of"], "FIRST1");
  // Opened once: a second password mail finds nothing left to open.
  EXPECT_EQ(g.Judge(env("billing@example.org", "keiri@corp.example", "THIRD1"), password, kNow + 180).opens, "");

  // A harmless archive opened this way leaves the password mail as it is.
  gate::Gate g2{gate::Options{}};
  g2.Judge(env("tanaka@partner.example", "keiri@corp.example", "A1"),
           Mime("tanaka@partner.example", "keiri@corp.example", "見積書", "別途パスワードを送ります。", {{"見積書.zip", clean_zip}}), kNow);
  d = g2.Judge(env("tanaka@partner.example", "keiri@corp.example", "A2"),
               Mime("tanaka@partner.example", "keiri@corp.example", "パスワード", "パスワード：Mv2-q09x"), kNow + 60);
  EXPECT_EQ(d.verdict, "clean");
  EXPECT_EQ(d.opens, "A1");
  EXPECT_EQ(d.opened_verdict, "clean");
  // Past the window nothing is kept.
  gate::Gate g3{gate::Options{}};
  g3.Judge(env("billing@example.org", "keiri@corp.example", "OLD1"),
           Mime("billing@example.org", "keiri@corp.example", "請求書", "別途", {{"請求書.zip", bad_zip}}), kNow);
  EXPECT_EQ(g3.Judge(env("billing@example.org", "keiri@corp.example", "OLD2"), password, kNow + 3601).opens, "");
}

TEST(Gate, QuarantineWritesAPrivateFile) {
  TempDir dir;
  gate::Envelope e = Env("a@example.net", {"b@example.jp"});
  e.queue_id = "4QAB/../x";
  Result<std::string> r = gate::Quarantine(dir / "q", e, "Subject: x\r\n\r\nbody\r\n", kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(std::filesystem::path(r.value()).parent_path(), std::filesystem::path(dir / "q"));
  EXPECT_NE(r.value().find("-4QABx-"), std::string::npos) << r.value();  // the queue id, only its letters
  struct stat st {};
  ASSERT_EQ(::stat(r.value().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(r.value()), "Subject: x\r\n\r\nbody\r\n");
  // A folder that cannot be made is an error, not a lost message.
  WriteFile(dir / "file", "x");
  EXPECT_FALSE(gate::Quarantine(dir / "file/q", e, "x", kNow).ok());
}

TEST(Gate, TheLogLineIsReadBackAsMailEventsAndCounted) {
  gate::Gate g{gate::Options{}};
  const std::string exe = Mime("a@example.net", "b@example.jp", "請求書", "ご確認ください。",
                               {{"invoice.exe", std::string("MZ\x90\x00", 4) + std::string(100, 'A')}});
  const gate::Envelope e = Env("a@example.net", {"b@example.jp"}, "", "203.0.113.9");
  std::string log;
  for (int i = 0; i < 3; ++i) log += gate::LogLine(e, g.Judge(e, exe, kNow + i * 60), kNow + i * 60, exe.size(), 12.5) + "\n";
  const std::string clean = Mime("c@example.net", "b@example.jp", "hello", "hi");
  const gate::Envelope ce = Env("c@example.net", {"b@example.jp"}, "", "198.51.100.1");
  log += gate::LogLine(ce, g.Judge(ce, clean, kNow + 200), kNow + 200, clean.size(), 3.0) + "\n";

  const nlohmann::json first = nlohmann::json::parse(log.substr(0, log.find('\n')));
  EXPECT_EQ(first["program"], "keikai-milter");
  EXPECT_EQ(first["verdict"], "malicious");
  EXPECT_EQ(first["action"], "reject");
  EXPECT_EQ(first["client"], "203.0.113.9");
  EXPECT_EQ(first["direction"], "inbound");
  EXPECT_EQ(first["reasons"][0]["code"], "pe_executable");
  EXPECT_EQ(first["reasons"][0]["object"], "invoice.exe");

  mail::LogParser p("keikai-milter", kNow, 0);
  mail::Record r;
  ingest::ParseError err;
  ASSERT_EQ(p.Parse(log.substr(0, log.find('\n')), r, err), ingest::LineKind::kRecord);
  EXPECT_EQ(r.what, mail::What::kMalicious);
  EXPECT_EQ(r.client, "203.0.113.9");
  EXPECT_EQ(r.time, kNow);
  EXPECT_EQ(r.detail, "reject");
  EXPECT_EQ(p.Parse("{\"program\":\"other\"}", r, err), ingest::LineKind::kBad);
  EXPECT_EQ(p.Parse("not json", r, err), ingest::LineKind::kBad);
  std::vector<std::string_view> head;
  for (std::size_t pos = 0; pos < log.size();) {
    const std::size_t nl = log.find('\n', pos);
    head.emplace_back(log.data() + pos, nl - pos);
    pos = nl + 1;
  }
  EXPECT_EQ(mail::DetectFormat(head, kNow, 0), "keikai-milter");

  // keikai scan of the log: three malicious-mail events from one source.
  TempDir d;
  WriteFile(d / "milter.log", log);
  Outcome o = Exec("scan --db " + Q(d / "k.db") + " --format json --no-progress " + Q(d / "milter.log"));
  ASSERT_EQ(o.code, 0) << o.out;
  const auto j = nlohmann::json::parse(o.out.substr(o.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << o.out;
  EXPECT_NE(o.out.find("mail-malicious"), std::string::npos) << o.out.substr(0, 4000);
  EXPECT_NE(o.out.find("203.0.113.9"), std::string::npos);
  EXPECT_EQ(o.out.find("198.51.100.1\""), std::string::npos);  // a clean message is no attack
}

// Twelve days of the milter's log: ordinary mail and now and then a malicious one, then on the
// last two days an Emotet-style wave from one relay. The verdicts are events like any other: the
// malicious-mail class surges in the report, driven by that relay.
TEST(Gate, AWaveOfMaliciousMailIsASurgeWithItsSource) {
  TempDir dir;
  const int64_t day0 = DaysFromCivil(2026, 11, 1);
  gate::Decision clean, bad;
  clean.verdict = "clean";
  clean.action = Action::kTag;
  bad.verdict = "malicious";
  bad.score = 90;
  bad.action = Action::kReject;
  bad.reasons = {{"xlm_auto_open", 70}};
  bad.objects = {"請求書.zip > 請求書.xlsm"};
  std::string log;
  for (int day = 0; day < 12; ++day) {
    for (int i = 0; i < 40; ++i) {
      const int64_t t = (day0 + day) * 86400 + 3600 + i * 1800;
      const gate::Envelope e = Env("x@example.net", {"keiri@corp.example"}, "", "192.0.2." + std::to_string(1 + (i * 7 + day) % 50));
      log += gate::LogLine(e, i == 5 && day % 3 == 0 ? bad : clean, t, 5000, 2.0) + "\n";
    }
    if (day >= 10) {
      for (int i = 0; i < 120; ++i) {
        const gate::Envelope e = Env("billing@example.org", {"keiri@corp.example"}, "", "198.51.100.44");
        log += gate::LogLine(e, bad, (day0 + day) * 86400 + 7200 + i * 300, 90'000, 40.0) + "\n";
      }
    }
  }
  WriteFile(dir / "milter.log", log);
  auto st = store::OpenSqlite(dir / "k.db");
  ASSERT_TRUE(st.ok());
  pipeline::ScanOptions o;
  o.inputs = {dir / "milter.log"};
  o.site = "mx.corp.example";
  o.now = (day0 + 13) * 86400;
  const auto done = testing::ScanThenReport(*st.value(), o, (day0 + 12) * 86400);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->first.files.at(0).format, "keikai-milter");
  EXPECT_EQ(done->first.summary.bad_lines, 0u);
  const report::Report& r = done->second;
  EXPECT_EQ(r.summary.requests, 12u * 40 + 2 * 120);
  EXPECT_EQ(r.classes.at("mail-malicious"), 4u + 2 * 120);
  ASSERT_FALSE(r.top_sources.empty());
  EXPECT_EQ(r.top_sources[0].ip, "198.51.100.44");
  bool found = false;
  for (const report::Surge& sg : r.surges) {
    if (report::ClassKey(sg.cls) != "mail-malicious") continue;
    found = true;
    EXPECT_EQ(FormatDate(sg.start), "2026-11-11");
    ASSERT_FALSE(sg.drivers.empty());
    EXPECT_EQ(sg.drivers[0].ip, "198.51.100.44");
  }
  EXPECT_TRUE(found) << report::RenderJson(r).substr(0, 3000);
  EXPECT_NE(report::RenderJson(r).find("malicious mail stopped or tagged by keikai milter"), std::string::npos);
}

}  // namespace
}  // namespace keikai
