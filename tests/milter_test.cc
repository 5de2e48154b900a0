// keikai milter behind a real Postfix from Debian on 127.0.0.1 (tests/servers/postfix.sh): mail
// sent over SMTP with swaks is rejected, tagged, held or accepted as configured, PPAP (an
// outbound password ZIP, then its password to the same recipient) is refused with the reason,
// and keikai killed mid-run gives Postfix's configured fail-closed (tempfail) or fail-open
// (accept) behaviour. The milter's log is then read by keikai scan as mail events.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "mail_util.h"
#include "test_util.h"

namespace keikai {
namespace {

using namespace keikai::testing;

bool Listening(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct Postfix {
  std::string script, dir;
  bool up = false;
  ~Postfix() {
    if (up) std::system(("bash " + Q(script) + " stop " + Q(dir) + " >/dev/null 2>&1").c_str());
  }
};

struct Milter {
  pid_t pid = -1;
  ~Milter() { Kill(SIGTERM); }
  void Kill(int sig) {
    if (pid <= 0) return;
    ::kill(pid, sig);
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }
};

// Files under a folder (delivered mail, the hold queue), waiting up to 15 s for `want` of them.
std::vector<std::string> Files(const std::string& dir, std::size_t want) {
  std::vector<std::string> out;
  for (int i = 0; i < 150; ++i) {
    out.clear();
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file()) out.push_back(it->path().string());
    }
    if (out.size() >= want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Delivered(const std::string& maildir, const std::string& subject_marker) {
  for (const std::string& f : Files(maildir + "/new", 0)) {
    const std::string m = ReadFile(f);
    if (m.find(subject_marker) != std::string::npos) return m;
  }
  return "";
}

TEST(Milter, RealPostfixRejectsTagsHoldsAndAcceptsAsConfiguredAndFailsClosedOrOpen) {
  if (std::system("command -v swaks >/dev/null 2>&1") != 0) GTEST_SKIP() << "swaks is not installed";
  TempDir d;
  const std::string src = KEIKAI_SOURCE_DIR;
  const int smtp = FreePort(), mport = FreePort();
  const std::string log = d / "milter.log";
  Milter milter;
  const std::vector<std::string> args = {"--lang", "en", "milter", "--socket", "inet:" + std::to_string(mport) + "@127.0.0.1",
                                         "--on-clean", "accept", "--on-suspicious", "tag", "--on-malicious", "reject",
                                         "--ppap-archive", "hold", "--ppap-password", "reject", "--log", log};
  milter.pid = Spawn(KEIKAI_BIN, args, d / "milter.out", d / "milter.out");
  ASSERT_GT(milter.pid, 0);
  for (int i = 0; i < 100 && !Listening(mport); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(Listening(mport)) << ReadFile(d / "milter.out");

  Postfix pf{src + "/tests/servers/postfix.sh", d / "postfix"};
  const std::string extra = "smtpd_milters = inet:127.0.0.1:" + std::to_string(mport) +
                            "\nmilter_default_action = tempfail\nmilter_protocol = 6\nsmtpd_tls_auth_only = no\n"
                            "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\n"
                            "smtpd_recipient_restrictions = permit_sasl_authenticated, permit";
  int rc = std::system(("KEIKAI_POSTFIX_EXTRA=" + Q(extra) + " bash " + Q(pf.script) + " start " + Q(pf.dir) + " " +
                        std::to_string(smtp) + " tanaka pw-3 > " + Q(d / "pf.out") + " 2>&1").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << ReadFile(d / "pf.out");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(d / "pf.out");
  pf.up = true;

  // swaks's exit code and its transcript.
  int n = 0;
  const auto send = [&](const std::string& from, const std::string& to, const std::string& message, bool auth, std::string& out) {
    const std::string file = d / ("m" + std::to_string(++n) + ".eml");
    WriteFile(file, message);
    const std::string cmd = "swaks --server 127.0.0.1:" + std::to_string(smtp) + " --from " + Q(from) + " --to " + Q(to) +
                            " --data @" + Q(file) + (auth ? " --auth PLAIN --auth-user tanaka --auth-password pw-3" : "") +
                            " > " + Q(file + ".out") + " 2>&1";
    const int r = std::system(cmd.c_str());
    out = ReadFile(file + ".out");
    return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
  };
  std::string out;
  const std::string maildir = pf.dir + "/maildir";

  // Inbound, clean: accepted as it is.
  ASSERT_EQ(send("a@outside.example", "keiri@corp.example", Mime("a@outside.example", "keiri@corp.example", "clean-1 会議", "明日 10 時から。"), false, out), 0) << out;
  // Inbound, suspicious (an encrypted ZIP whose password is nowhere): tagged; the sender's own
  // forged verdict header is removed.
  const std::string zip = PasswordZip(d, "Kq83-zz");
  std::string susp = Mime("b@outside.example", "keiri@corp.example", "suspicious-1 請求書", "ご確認ください。", {{"請求書.zip", zip}});
  susp = "X-Keikai-Verdict: clean; score=0\r\n" + susp;
  ASSERT_EQ(send("b@outside.example", "keiri@corp.example", susp, false, out), 0) << out;
  // Inbound, malicious (a program behind a document's name): refused at the end of DATA.
  const std::string exe = Mime("c@outside.example", "keiri@corp.example", "malicious-1", "see attached",
                               {{"invoice.pdf.exe", std::string("MZ\x90\x00", 4) + std::string(400, 'A')}});
  EXPECT_EQ(send("c@outside.example", "keiri@corp.example", exe, false, out), 26) << out;
  EXPECT_NE(out.find("550"), std::string::npos) << out;
  EXPECT_NE(out.find("5.7.1"), std::string::npos) << out;
  EXPECT_NE(out.find("malware"), std::string::npos) << out;
  // Outbound (SMTP AUTH): the password ZIP is held, its password mail refused with the reason.
  ASSERT_EQ(send("tanaka@corp.example", "suzuki@customer.example",
                 Mime("tanaka@corp.example", "suzuki@customer.example", "ppap-1 見積書", "パスワードは別途お送りします。", {{"見積書.zip", zip}}),
                 true, out), 0) << out;
  EXPECT_EQ(send("tanaka@corp.example", "suzuki@customer.example",
                 Mime("tanaka@corp.example", "suzuki@customer.example", "ppap-2 パスワード", "パスワード：Kq83-zz"), true, out), 26) << out;
  EXPECT_NE(out.find("PPAP"), std::string::npos) << out;
  EXPECT_NE(out.find("file-sharing"), std::string::npos) << out;

  const std::vector<std::string> delivered = Files(maildir + "/new", 2);
  EXPECT_EQ(delivered.size(), 2u);
  const std::string clean_msg = Delivered(maildir, "a@outside.example");
  ASSERT_FALSE(clean_msg.empty());
  EXPECT_EQ(clean_msg.find("X-Keikai-"), std::string::npos) << clean_msg.substr(0, 1500);  // accept: untouched
  const std::string susp_msg = Delivered(maildir, "b@outside.example");
  ASSERT_FALSE(susp_msg.empty());
  EXPECT_NE(susp_msg.find("X-Keikai-Verdict: suspicious; score="), std::string::npos) << susp_msg.substr(0, 2000);
  EXPECT_NE(susp_msg.find("X-Keikai-Reasons: encrypted_archive_no_password="), std::string::npos) << susp_msg.substr(0, 2000);
  EXPECT_EQ(susp_msg.find("X-Keikai-Verdict: clean"), std::string::npos) << susp_msg.substr(0, 2000);
  EXPECT_TRUE(Delivered(maildir, "c@outside.example").empty());
  const std::vector<std::string> held = Files(pf.dir + "/queue/hold", 1);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_NE(ReadFile(held[0]).find("X-Keikai-PPAP: encrypted-archive"), std::string::npos);

  // One log line per message, in order.
  std::vector<nlohmann::json> lines;
  {
    const std::string text = ReadFile(log);
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t nl = text.find('\n', pos);
      lines.push_back(nlohmann::json::parse(text.substr(pos, nl - pos), nullptr, false));
      pos = nl + 1;
    }
  }
  ASSERT_EQ(lines.size(), 5u) << ReadFile(log);
  const char* verdicts[] = {"clean", "suspicious", "malicious", "suspicious", "clean"};  // an archive without its password is suspicious
  const char* actions[] = {"accept", "tag", "reject", "hold", "reject"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i]["verdict"], verdicts[i]) << lines[i].dump();
    EXPECT_EQ(lines[i]["action"], actions[i]) << lines[i].dump();
    EXPECT_EQ(lines[i]["client"], "127.0.0.1");
    EXPECT_FALSE(lines[i]["queue_id"].get<std::string>().empty()) << lines[i].dump();
  }
  EXPECT_EQ(lines[3]["direction"], "outbound");
  EXPECT_EQ(lines[3]["ppap"], "archive");
  EXPECT_EQ(lines[4]["ppap"], "password");
  EXPECT_EQ(lines[4]["ppap_of"], lines[3]["queue_id"]);
  EXPECT_EQ(lines[0]["direction"], "inbound");

  // The verdicts as events: keikai scan of the log counts them by class.
  Outcome scan = Exec("scan --db " + Q(d / "k.db") + " --format json --no-progress " + Q(log));
  EXPECT_EQ(scan.code, 0) << scan.out;
  EXPECT_NE(scan.out.find("mail-malicious"), std::string::npos) << scan.out.substr(0, 3000);
  EXPECT_NE(scan.out.find("mail-ppap"), std::string::npos) << scan.out.substr(0, 3000);

  // keikai killed mid-run: Postfix's milter_default_action decides. tempfail: fail closed.
  milter.Kill(SIGKILL);
  const int r1 = send("a@outside.example", "keiri@corp.example", Mime("a@outside.example", "keiri@corp.example", "down-1", "x"), false, out);
  EXPECT_NE(r1, 0) << out;
  EXPECT_NE(out.find("4.7.1"), std::string::npos) << out;
  EXPECT_TRUE(Delivered(maildir, "down-1").empty());
  // accept: fail open, the message passes unjudged.
  ASSERT_EQ(std::system(("postconf -c " + Q(pf.dir + "/etc") + " -e milter_default_action=accept >/dev/null 2>&1 && postfix -c " +
                         Q(pf.dir + "/etc") + " reload >/dev/null 2>&1").c_str()), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(send("a@outside.example", "keiri@corp.example", Mime("a@outside.example", "keiri@corp.example", "down-2", "x"), false, out), 0) << out;
  EXPECT_EQ(Files(maildir + "/new", 3).size(), 3u);
  EXPECT_FALSE(Delivered(maildir, "ZG93bi0y").empty());  // "down-2", base64 in the subject

  // Quarantine: keikai back with malicious mail copied to a folder and discarded. The sender sees
  // it accepted; it is in the folder (0600), not in the Maildir.
  Milter again;
  again.pid = Spawn(KEIKAI_BIN, {"milter", "--socket", "inet:" + std::to_string(mport) + "@127.0.0.1", "--on-malicious", "quarantine",
                                 "--quarantine-dir", d / "quarantine", "--log", log},
                    d / "milter2.out", d / "milter2.out");
  ASSERT_GT(again.pid, 0);
  for (int i = 0; i < 100 && !Listening(mport); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(Listening(mport)) << ReadFile(d / "milter2.out");
  const std::string exe2 = Mime("e@outside.example", "keiri@corp.example", "malicious-2", "see attached",
                                {{"invoice.pdf.exe", std::string("MZ\x90\x00", 4) + std::string(400, 'B')}});
  EXPECT_EQ(send("e@outside.example", "keiri@corp.example", exe2, false, out), 0) << out;
  const std::vector<std::string> q = Files(d / "quarantine", 1);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_NE(ReadFile(q[0]).find("e@outside.example"), std::string::npos);
  struct stat qs {};
  ASSERT_EQ(::stat(q[0].c_str(), &qs), 0);
  EXPECT_EQ(qs.st_mode & 0777, 0600u);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_TRUE(Delivered(maildir, "e@outside.example").empty());
}

}  // namespace
}  // namespace keikai
