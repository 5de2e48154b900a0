#include "keikai/core/utf8.h"
#include "keikai/notify/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <httplib.h>

#include "keikai/core/i18n.h"
#include "keikai/core/log.h"
#include "smtp.h"

namespace keikai::notify {
namespace {

constexpr const char* kOutboxKey = "alerts/outbox";

std::string Dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

class StdoutChannel : public Channel {
 public:
  Status Send(const Message& m) override {
    const std::string line = Dump(m.record) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
      return Status::Error("alert", "stdout: write failed");
    }
    return Status::Ok();
  }
};

// POSTs Body(type, m) to the URL; 2xx is delivered. Errors name the scheme and host only (a
// Slack or Teams URL carries its secret in the path).
class HttpChannel : public Channel {
 public:
  HttpChannel(std::string type, const std::string& url) : type_(std::move(type)) {
    const std::size_t scheme = url.find("://");
    const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    origin_ = url.substr(0, slash);
    path_ = slash == std::string::npos ? "/" : url.substr(slash);
  }
  Status Send(const Message& m) override {
    httplib::Client cli(origin_);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(10, 0);
    cli.set_write_timeout(10, 0);
    const httplib::Result res = cli.Post(path_.c_str(), Body(type_, m), "application/json");
    if (!res) return Status::Error("alert", origin_ + ": " + httplib::to_string(res.error()));
    if (res->status < 200 || res->status >= 300) {
      return Status::Error("alert", origin_ + ": HTTP " + std::to_string(res->status));
    }
    return Status::Ok();
  }

 private:
  std::string type_, origin_, path_;
};

// RFC 3164 lines to the local syslog daemon's datagram socket (what syslog(3) writes), at
// severity warning: "<PRI>Mmm dd hh:mm:ss keikai[pid]: text details".
class SyslogChannel : public Channel {
 public:
  explicit SyslogChannel(const config::Alert& a) : socket_(a.socket) {
    static constexpr std::pair<const char*, int> kFacilities[] = {
        {"user", 1}, {"mail", 2}, {"daemon", 3}, {"auth", 4}, {"authpriv", 10}, {"local0", 16},
        {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21},
        {"local6", 22}, {"local7", 23}};
    for (const auto& [name, code] : kFacilities) {
      if (a.facility == name) facility_ = code;
    }
  }
  Status Send(const Message& m) override {
    if (socket_.size() >= sizeof(sockaddr_un{}.sun_path)) return Status::Error("alert", socket_ + ": path too long");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::Error("alert", "syslog: socket: " + std::string(std::strerror(errno)));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_.data(), socket_.size());
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    std::string line = "<" + std::to_string(facility_ * 8 + 4) + ">" + stamp + " keikai[" +
                       std::to_string(::getpid()) + "]: " + m.text;
    if (!m.details.empty()) line += " " + m.details;
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';  // one record, one line
    }
    if (line.size() > 8192) line.resize(8192);
    const ssize_t n = ::sendto(fd, line.data(), line.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                               sizeof addr);
    const int err = errno;
    ::close(fd);
    if (n < 0) return Status::Error("alert", "syslog " + socket_ + ": " + std::strerror(err));
    return Status::Ok();
  }

 private:
  std::string socket_;
  int facility_ = 3;
};

// Mail through the configured SMTP server (smtp.h): the alert sentence as the subject, the
// sentences and figures as the body, in the channel's language. The credentials file is read
// at each send, so a changed password needs no restart.
class EmailChannel : public Channel {
 public:
  explicit EmailChannel(const config::Alert& a) : a_(a) {}
  Status Send(const Message& m) override {
    SmtpOptions o;
    o.host = a_.smtp_host;
    o.port = a_.smtp_port;
    o.starttls = a_.starttls;
    o.ca_file = a_.ca_file;
    o.from = a_.from;
    o.to = a_.to;
    if (!a_.credentials.empty()) {
      Status c = ReadCredentials(a_.credentials, o.user, o.password);
      if (!c.ok()) return c;
    }
    MailText t;
    std::string first = m.text.substr(0, m.text.find('\n'));
    if (first.size() > 160) first = first.substr(0, Utf8Cut(first, 160)) + "...";  // whole UTF-8 characters
    t.subject = "[keikai] " + first;
    t.body = m.text + "\n" + (m.details.empty() ? "" : "\n" + m.details + "\n");
    t.key = m.key;
    return SendMail(o, t);
  }

 private:
  config::Alert a_;
};

template <const char* kType>
std::unique_ptr<Channel> MakeHttp(const config::Alert& a) {
  return std::make_unique<HttpChannel>(kType, a.url);
}
constexpr char kWebhook[] = "webhook";
constexpr char kSlack[] = "slack";
constexpr char kTeams[] = "teams";

constexpr ChannelType kChannels[] = {
    {"stdout", [](const config::Alert&) -> std::unique_ptr<Channel> { return std::make_unique<StdoutChannel>(); }, false},
    {"webhook", MakeHttp<kWebhook>, false},
    {"slack", MakeHttp<kSlack>, true},
    {"teams", MakeHttp<kTeams>, true},
    {"syslog", [](const config::Alert& a) -> std::unique_ptr<Channel> { return std::make_unique<SyslogChannel>(a); }, true},
    {"email", [](const config::Alert& a) -> std::unique_ptr<Channel> { return std::make_unique<EmailChannel>(a); }, true},
};

}  // namespace

std::span<const ChannelType> Channels() { return kChannels; }

const ChannelType* FindChannel(std::string_view type) {
  for (const ChannelType& c : kChannels) {
    if (type == c.name) return &c;
  }
  return nullptr;
}

std::string Body(std::string_view type, const Message& m) {
  const std::string text = m.details.empty() ? m.text : m.text + "\n" + m.details;
  if (type == "slack") return Dump({{"text", text}});
  if (type == "teams") {
    return Dump({{"@type", "MessageCard"},
                 {"@context", "https://schema.org/extensions"},
                 {"summary", m.text.substr(0, 200)},
                 {"text", m.details.empty() ? m.text : m.text + "\n\n" + m.details}});
  }
  return Dump(m.record);
}

Outbox::Outbox(store::Store& st, std::vector<Route> routes) : store_(st), routes_(std::move(routes)) {}

void Outbox::SetChannels(std::vector<Route> routes) { routes_ = std::move(routes); }

Message Join(const std::vector<const Message*>& ms) {
  Message out;
  nlohmann::json records = nlohmann::json::array();
  for (const Message* m : ms) {
    out.key += (out.key.empty() ? "" : ",") + m->key;
    out.text += (out.text.empty() ? "" : "\n") + m->text;
    if (!m->details.empty()) out.details += (out.details.empty() ? "" : "\n") + m->details;
    records.push_back(m->record);
  }
  out.record = {{"type", "batch"}, {"messages", records}};
  return out;
}

Status Outbox::Load() {
  if (loaded_) return Status::Ok();
  auto text = store_.LoadState(kOutboxKey);
  if (!text.ok()) return text.status();
  loaded_ = true;
  if (!text.value()) return Status::Ok();
  const auto j = nlohmann::json::parse(*text.value(), nullptr, false);
  if (!j.is_object()) return Status::Ok();  // a damaged record: nothing to resend
  if (j.contains("dropped") && j["dropped"].is_number_unsigned()) dropped_ = j["dropped"].get<uint64_t>();
  if (const auto ls = j.find("last_sent"); ls != j.end() && ls->is_object()) {
    for (auto it = ls->begin(); it != ls->end(); ++it) {
      if (it.value().is_number_integer()) last_sent_[it.key()] = it.value().get<int64_t>();
    }
  }
  if (!j.contains("queue") || !j["queue"].is_array()) return Status::Ok();
  for (const auto& e : j["queue"]) {
    if (!e.is_object() || !e.contains("channel") || !e["channel"].is_string() || !e.contains("record")) continue;
    // A damaged entry keeps what it can; json::value() would throw on a field of another type.
    const auto field = [&](const char* k) {
      const auto it = e.find(k);
      return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Entry x;
    x.channel = e["channel"].get<std::string>();
    x.message.key = field("key");
    x.message.text = field("text");
    x.message.details = field("details");
    x.message.record = e["record"];
    if (const auto a = e.find("attempts"); a != e.end() && a->is_number_integer()) x.attempts = a->get<int>();
    queue_.push_back(std::move(x));
  }
  return Status::Ok();
}

Status Outbox::Save() {
  nlohmann::json q = nlohmann::json::array();
  for (const Entry& e : queue_) {
    q.push_back({{"channel", e.channel}, {"key", e.message.key}, {"text", e.message.text},
                 {"details", e.message.details}, {"record", e.message.record}, {"attempts", e.attempts}});
  }
  nlohmann::json last = nlohmann::json::object();
  for (const auto& [name, t] : last_sent_) last[name] = t;
  return store_.SaveState(kOutboxKey, Dump({{"dropped", dropped_}, {"queue", q}, {"last_sent", last}}));
}

Status Outbox::Post(const std::string& channel, Message m) {
  Status st = Load();
  if (!st.ok()) return st;
  queue_.push_back({channel, std::move(m), 0});
  while (queue_.size() > kMaxQueued) {  // the oldest go, counted
    queue_.erase(queue_.begin());
    ++dropped_;
  }
  return Save();
}

Status Outbox::Deliver(int64_t now) {
  Status st = Load();
  if (!st.ok()) return st;
  if (queue_.empty()) return Status::Ok();
  bool changed = false;
  std::vector<Entry> keep;
  std::vector<char> done(queue_.size(), 0);
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (done[i]) continue;
    const std::string name = queue_[i].channel;
    const Route* r = nullptr;
    for (const Route& x : routes_) {
      if (x.name == name) r = &x;
    }
    // This channel's entries, oldest first.
    std::vector<std::size_t> mine;
    for (std::size_t j = i; j < queue_.size(); ++j) {
      if (!done[j] && queue_[j].channel == name) mine.push_back(j);
    }
    for (std::size_t j : mine) done[j] = 1;
    if (r == nullptr) {  // no longer configured
      dropped_ += mine.size();
      changed = true;
      continue;
    }
    const auto last = last_sent_.find(name);
    if (r->min_interval_s > 0 && last != last_sent_.end() && now - last->second < r->min_interval_s) {
      held_ += mine.size();  // counted each time they wait
      for (std::size_t j : mine) keep.push_back(std::move(queue_[j]));
      continue;
    }
    // Grouped channels get what waited as one message; others one message each, in order,
    // stopping at the first failure (its later messages wait behind it).
    std::vector<std::vector<std::size_t>> sends;
    if (r->grouped && mine.size() > 1) {
      sends.push_back(mine);
    } else {
      for (std::size_t j : mine) sends.push_back({j});
    }
    bool down = false;
    for (const auto& group : sends) {
      if (down) {
        for (std::size_t j : group) keep.push_back(std::move(queue_[j]));
        continue;
      }
      std::vector<const Message*> ms;
      for (std::size_t j : group) ms.push_back(&queue_[j].message);
      const Message joined = ms.size() == 1 ? *ms[0] : Join(ms);
      Status s = r->channel->Send(joined);
      changed = true;
      if (s.ok()) {
        sent_ += group.size();
        last_sent_[name] = now;
        continue;
      }
      ++failed_;
      down = true;
      log::Write(log::Level::kWarning, FillTemplate(Tr("notify.failed"), {{"{channel}", name}, {"{why}", s.message()}}),
                 s.code());
      for (std::size_t j : group) {
        ++queue_[j].attempts;
        keep.push_back(std::move(queue_[j]));
      }
    }
  }
  queue_ = std::move(keep);
  return changed ? Save() : Status::Ok();
}

}  // namespace keikai::notify
