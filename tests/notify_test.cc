// Alert delivery: the outbox's rate limit (min_interval) and joining, and the mail the SMTP
// channel writes. (Delivery to real receivers: tests/daemon_test.cc.)
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "keikai/notify/notify.h"
#include "keikai/store/store.h"
#include "notify/smtp.h"
#include "test_util.h"

namespace keikai::notify {
namespace {

// Records what it is sent; fails while down.
class Recorder : public Channel {
 public:
  explicit Recorder(std::vector<Message>* got, bool* down) : got_(got), down_(down) {}
  Status Send(const Message& m) override {
    if (*down_) return Status::Error("alert", "down");
    got_->push_back(m);
    return Status::Ok();
  }

 private:
  std::vector<Message>* got_;
  bool* down_;
};

Message Alert(const std::string& key) {
  Message m;
  m.key = key;
  m.text = "surge " + key;
  m.details = "figures " + key;
  m.record = {{"key", key}};
  return m;
}

TEST(Outbox, MinIntervalHoldsAndJoinsWhatWaits) {
  auto st = std::move(store::OpenSqlite(":memory:")).value();
  std::vector<Message> people, machine;
  bool down = false;
  std::vector<Route> routes;
  routes.push_back({"slack", std::make_unique<Recorder>(&people, &down), 300, true});
  routes.push_back({"hook", std::make_unique<Recorder>(&machine, &down), 0, false});
  Outbox box(*st, std::move(routes));
  ASSERT_TRUE(box.Post("slack", Alert("a")).ok());
  ASSERT_TRUE(box.Post("hook", Alert("a")).ok());
  ASSERT_TRUE(box.Deliver(1000).ok());
  ASSERT_EQ(people.size(), 1u);
  ASSERT_EQ(machine.size(), 1u);
  // Within 5 minutes: the people's channel waits, the machine channel (no limit) does not.
  ASSERT_TRUE(box.Post("slack", Alert("b")).ok());
  ASSERT_TRUE(box.Post("slack", Alert("c")).ok());
  ASSERT_TRUE(box.Post("hook", Alert("b")).ok());
  ASSERT_TRUE(box.Post("hook", Alert("c")).ok());
  ASSERT_TRUE(box.Deliver(1100).ok());
  EXPECT_EQ(people.size(), 1u);
  EXPECT_EQ(machine.size(), 3u);
  EXPECT_EQ(box.queued(), 2u);
  EXPECT_EQ(box.held(), 2u);
  // The interval passed: what waited goes as one message, in order.
  ASSERT_TRUE(box.Deliver(1300).ok());
  ASSERT_EQ(people.size(), 2u);
  EXPECT_EQ(people[1].key, "b,c");
  EXPECT_EQ(people[1].text, "surge b\nsurge c");
  EXPECT_EQ(people[1].details, "figures b\nfigures c");
  EXPECT_EQ(people[1].record["type"], "batch");
  EXPECT_EQ(box.queued(), 0u);
  EXPECT_EQ(box.sent(), 6u);
  // The limit holds across a restart (it is kept with the queue), and a failure does not count
  // as a delivery.
  ASSERT_TRUE(box.Post("slack", Alert("d")).ok());
  std::vector<Route> again;
  again.push_back({"slack", std::make_unique<Recorder>(&people, &down), 300, true});
  Outbox box2(*st, std::move(again));
  ASSERT_TRUE(box2.Deliver(1400).ok());
  EXPECT_EQ(people.size(), 2u);
  down = true;
  ASSERT_TRUE(box2.Deliver(1600).ok());
  EXPECT_EQ(box2.failed(), 1u);
  down = false;
  ASSERT_TRUE(box2.Deliver(1601).ok());
  ASSERT_EQ(people.size(), 3u);
  EXPECT_EQ(people[2].key, "d");
}

TEST(Smtp, MailIsUtf8InBase64WithAnEncodedSubject) {
  SmtpOptions o;
  o.from = "keikai@example.jp";
  o.to = {"ops@example.jp", "sec@example.jp"};
  MailText t;
  t.subject = "[keikai] shop.example.jp への攻撃が約25倍に急増しました。ベースラインの期間と比べて非常に多い状態が続いています";
  t.body = "一行目\n.dot line\n";
  t.key = "shop.example.jp|*|2026-12-01\r\nBcc: x@evil";
  const std::string m = RenderMail(o, t, 1'800'000'000);
  EXPECT_NE(m.find("From: keikai@example.jp\r\nTo: ops@example.jp, sec@example.jp\r\n"), std::string::npos) << m;
  // The subject: encoded words of whole characters, folded, that decode to the text.
  const std::size_t s = m.find("Subject: ");
  const std::size_t e = m.find("\r\nDate: ");
  ASSERT_NE(s, std::string::npos);
  std::string decoded;
  const std::string raw = m.substr(s + 9, e - s - 9);
  for (std::size_t i = 0; (i = raw.find("=?UTF-8?B?", i)) != std::string::npos;) {
    const std::size_t end = raw.find("?=", i + 10);
    EXPECT_LE(end + 2 - i, 75u);  // RFC 2047: an encoded word is at most 75 characters
    decoded += keikai::testing::DecodeBase64(raw.substr(i + 10, end - i - 10));
    i = end + 2;
  }
  EXPECT_EQ(decoded, t.subject);
  EXPECT_NE(raw.find("?=\r\n =?UTF-8?B?"), std::string::npos) << raw;
  // No header can be smuggled in through the alert's key.
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nContent-Transfer-Encoding: base64\r\n"), std::string::npos);
  const std::string body = keikai::testing::DecodeBase64(m.substr(m.find("\r\n\r\n") + 4));
  EXPECT_EQ(body, "一行目\r\n.dot line\r\n");
}

TEST(Smtp, CredentialsOnlyFromAFileItsOwnerAloneCanRead) {
  keikai::testing::TempDir d;
  const std::string f = d / "cred";
  keikai::testing::WriteFile(f, "alerts:pa:ss\n");
  ::chmod(f.c_str(), 0644);
  std::string user, pass;
  Status open = ReadCredentials(f, user, pass);
  EXPECT_FALSE(open.ok());
  EXPECT_NE(open.message().find("owner only"), std::string::npos) << open.message();
  ::chmod(f.c_str(), 0600);
  ASSERT_TRUE(ReadCredentials(f, user, pass).ok());
  EXPECT_EQ(user, "alerts");
  EXPECT_EQ(pass, "pa:ss");
  EXPECT_FALSE(ReadCredentials(d / "none", user, pass).ok());
}

TEST(Smtp, AServerThatIsNotThereIsAClearError) {
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = 1;  // nothing listens on port 1 of the loopback
  o.from = "k@example.jp";
  o.to = {"o@example.jp"};
  Status s = SendMail(o, MailText{"s", "b", "k"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("smtp 127.0.0.1:1: connect: "), std::string::npos) << s.message();
}

}  // namespace
}  // namespace keikai::notify
