#include "milter_cmd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

#include "errors.h"
#include "yara_opt.h"
#include "keikai/core/ascii.h"
#include "keikai/core/i18n.h"
#include "keikai/gate/gate.h"

namespace keikai::cli {
namespace {

// libmilter calls plain C functions: the gate and the log are process-wide, set once before
// smfi_main starts its threads.
gate::Gate* g_gate = nullptr;

class LogSink {
 public:
  bool Open(const std::string& path) {
    path_ = path;
    if (path == "-") {
      fd_ = STDOUT_FILENO;
      return true;
    }
    return Reopen();
  }
  // One line per write; a log file renamed away (logrotate) is opened again by name.
  void Line(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (path_ != "-") {
      struct stat by_name {}, by_fd {};
      if (::stat(path_.c_str(), &by_name) != 0 || ::fstat(fd_, &by_fd) != 0 || by_name.st_ino != by_fd.st_ino ||
          by_name.st_dev != by_fd.st_dev) {
        Reopen();
      }
    }
    const std::string out = line + "\n";
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  bool Reopen() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return false;
    if (fd_ > STDERR_FILENO) ::close(fd_);
    fd_ = fd;
    return true;
  }
  std::mutex mu_;
  std::string path_;
  int fd_ = -1;
};
LogSink* g_log = nullptr;

// Bytes of messages held by all sessions together, against --max-memory: past it a message is
// not kept and gets --on-error (tempfail by default), so that a hundred sessions at --max-size
// cannot exhaust the machine.
std::atomic<uint64_t> g_held{0};
uint64_t g_max_held = 1ull << 30;

// Scans at once, at most one per core: more only share the cores and each takes longer.
class Slots {
 public:
  void lock() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return used_ < max_; });
    ++used_;
  }
  void unlock() {
    {
      std::lock_guard<std::mutex> l(mu_);
      --used_;
    }
    cv_.notify_one();
  }
  void set_max(unsigned n) { max_ = n == 0 ? 1 : n; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned used_ = 0, max_ = 2;
};
Slots g_slots;

// The headers keikai adds; the same names arriving with a message are the sender's, and go.
constexpr const char* kOwnHeaders[] = {"X-Keikai-Verdict", "X-Keikai-Reasons", "X-Keikai-Error", "X-Keikai-PPAP"};
constexpr int kMaxForged = 20;  // more than this is an attack on the header edits: --on-error

// One SMTP connection's state; the message part is reset by MAIL FROM and by abort.
struct Conn {
  std::string client, helo;
  gate::Envelope env;
  std::string message;
  uint64_t size = 0;     // bytes received, also past max_size
  bool over = false;     // past max_size: not kept
  bool starved = false;  // past --max-memory of all sessions: not kept, not judged
  int forged[std::size(kOwnHeaders)] = {};  // keikai's own header names the message came with
  int forged_total = 0;
  std::chrono::steady_clock::time_point start;
  uint64_t counted = 0;   // the bytes of g_held that are this session's (message's capacity)
  ~Conn() { Release(); }
  void Release() {
    g_held -= counted;
    counted = 0;
    std::string().swap(message);
  }
  void Reset() {
    env = gate::Envelope{};
    env.client = client;
    env.helo = helo;
    Release();
    size = 0;
    over = starved = false;
    for (int& f : forged) f = 0;
    forged_total = 0;
  }
  void Append(std::string_view s) {
    size += s.size();
    if (over || starved) return;
    if (size > g_gate->options().max_size) {
      over = true;
      Release();
      return;
    }
    if (message.size() + s.size() > message.capacity()) {
      // Grow by what the budget allows: the reservation is counted before it is made.
      const uint64_t want = std::max<uint64_t>(message.size() + s.size(), 2 * uint64_t{message.capacity()});
      const uint64_t more = want > counted ? want - counted : 0;
      if (g_held.fetch_add(more) + more > g_max_held) {
        g_held -= more;
        starved = true;
        Release();
        return;
      }
      counted += more;
      message.reserve(want);
      if (message.capacity() > counted) {
        g_held += message.capacity() - counted;
        counted = message.capacity();
      }
    }
    message.append(s);
  }
};

Conn* Get(SMFICTX* ctx) { return static_cast<Conn*>(smfi_getpriv(ctx)); }

std::string Sym(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v == nullptr ? std::string() : std::string(v);
}

std::string Unbracket(const char* a) {
  std::string_view s = a == nullptr ? "" : a;
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Every callback behind this: an exception (no memory) never unwinds into libmilter's C code; the
// session gets a temporary failure instead.
template <auto F>
struct Safe;
template <class... A, sfsistat (*F)(SMFICTX*, A...)>
struct Safe<F> {
  static sfsistat Call(SMFICTX* ctx, A... a) noexcept {
    try {
      return F(ctx, a...);
    } catch (...) {
      return SMFIS_TEMPFAIL;
    }
  }
};

// The macros keikai reads, asked for where it reads them and nowhere else: the SASL login at MAIL
// (Postfix sends it only for an authenticated session) and the queue id at DATA (Postfix opens the
// queue file after the first recipient it accepts). Every other stage gets a name no server
// defines, so the server sends no macro command there. A macro command gets no reply: over TCP,
// the command the server writes right after it waits for keikai's delayed ACK (40 ms, Nagle's
// algorithm on the server's side), once per macro command; so one stage has them, not every one
// as by default. Over a unix socket there is no such wait.
sfsistat OnNegotiate(SMFICTX* ctx, unsigned long f0, unsigned long, unsigned long, unsigned long, unsigned long* pf0,
                     unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  // The edits keikai's actions need; a server that cannot make them gets no half-working filter
  // (it then applies its own default action for a milter that fails).
  constexpr unsigned long kNeeded = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
  if ((f0 & kNeeded) != kNeeded) return SMFIS_REJECT;
  *pf0 = f0 & (kNeeded | SMFIF_SETSYMLIST);
  *pf1 = 0;  // every stage, a reply to each
  *pf2 = 0;
  *pf3 = 0;
  if ((f0 & SMFIF_SETSYMLIST) != 0) {
    char none[] = "{keikai_no_macro}", from[] = "{auth_authen}", data[] = "i";
    for (int where : {SMFIM_CONNECT, SMFIM_HELO, SMFIM_ENVRCPT, SMFIM_EOH, SMFIM_EOM}) smfi_setsymlist(ctx, where, none);
    smfi_setsymlist(ctx, SMFIM_ENVFROM, from);
    smfi_setsymlist(ctx, SMFIM_DATA, data);
  }
  return SMFIS_CONTINUE;
}

sfsistat OnConnect(SMFICTX* ctx, char*, _SOCK_ADDR* addr) {
  auto* c = new (std::nothrow) Conn;
  if (c == nullptr) return SMFIS_TEMPFAIL;
  if (addr != nullptr) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (addr->sa_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof buf);
    } else if (addr->sa_family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, buf, sizeof buf);
    }
    c->client = buf;
  }
  c->Reset();
  smfi_setpriv(ctx, c);
  return SMFIS_CONTINUE;
}

sfsistat OnHelo(SMFICTX* ctx, char* helo) {
  if (Conn* c = Get(ctx); c != nullptr) c->helo = c->env.helo = helo == nullptr ? "" : helo;
  return SMFIS_CONTINUE;
}

sfsistat OnEnvFrom(SMFICTX* ctx, char** argv) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  c->Reset();
  c->env.sender = Unbracket(argv != nullptr ? argv[0] : nullptr);
  c->env.auth_user = Sym(ctx, "{auth_authen}");
  return SMFIS_CONTINUE;
}

sfsistat OnEnvRcpt(SMFICTX* ctx, char** argv) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  if (c->env.recipients.size() < 1000) c->env.recipients.push_back(Unbracket(argv != nullptr ? argv[0] : nullptr));
  return SMFIS_CONTINUE;
}

sfsistat OnData(SMFICTX* ctx) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  c->env.queue_id = Sym(ctx, "i");
  return SMFIS_CONTINUE;
}

sfsistat OnHeader(SMFICTX* ctx, char* name, char* value) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  const std::string_view n = name == nullptr ? "" : name;
  for (std::size_t i = 0; i < std::size(kOwnHeaders); ++i) {
    // A verdict header the sender wrote: removed, so that only keikai's own are read downstream.
    if (IEquals(n, kOwnHeaders[i])) {
      ++c->forged[i];
      ++c->forged_total;
    }
  }
  c->Append(n);
  c->Append(": ");
  c->Append(value == nullptr ? "" : value);
  c->Append("\r\n");
  return SMFIS_CONTINUE;
}

sfsistat OnEoh(SMFICTX* ctx) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  c->Append("\r\n");
  return SMFIS_CONTINUE;
}

sfsistat OnBody(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  c->Append(std::string_view(reinterpret_cast<const char*>(chunk), len));
  return SMFIS_CONTINUE;
}

// Gate::Finish gives every tempfail and reject its two lines (English, Japanese).
sfsistat Reply(SMFICTX* ctx, const gate::Decision& d) {
  smfi_setmlreply(ctx, d.reply_code.c_str(), d.reply_xcode.c_str(), d.reply_lines.at(0).c_str(), d.reply_lines.at(1).c_str(), nullptr);
  return d.action == gate::Action::kReject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

// What the server is told. An edit the server refuses (a header that cannot be removed or added,
// the hold queue) or a quarantine copy that cannot be written turns the decision into keikai's
// failure (--on-error), applied in full: its reply, or its headers.
sfsistat Apply(SMFICTX* ctx, Conn& c, gate::Decision& d, int64_t now) {
  using gate::Action;
  const auto fail = [&](const std::string& why) {
    gate::Decision f = g_gate->Failed(c.env, why);
    f.subject = d.subject;
    f.message_id = d.message_id;
    d = std::move(f);
  };
  bool ok = true;
  if (d.action != Action::kReject && d.action != Action::kTempfail) {
    for (std::size_t i = 0; i < std::size(kOwnHeaders); ++i) {
      for (int k = c.forged[i]; k >= 1; --k) {
        ok = ok && smfi_chgheader(ctx, const_cast<char*>(kOwnHeaders[i]), k, nullptr) == MI_SUCCESS;
      }
    }
    if (!ok) fail("the server refused to remove a forged X-Keikai header");
  }
  if (d.action == Action::kQuarantine) {
    Result<std::string> r = gate::Quarantine(g_gate->options().quarantine_dir, c.env, c.message, now);
    if (r.ok()) return SMFIS_DISCARD;
    fail(r.status().message());
  }
  if (d.action == Action::kReject || d.action == Action::kTempfail) return Reply(ctx, d);
  if (d.action == Action::kAccept) return SMFIS_ACCEPT;
  for (const auto& [name, value] : d.headers) {
    ok = ok && smfi_addheader(ctx, const_cast<char*>(name.c_str()), const_cast<char*>(value.c_str())) == MI_SUCCESS;
  }
  if (ok && d.action == Action::kHold) {
    std::string reason = "keikai: " + d.verdict + (d.ppap.empty() ? "" : " ppap=" + d.ppap);
    ok = smfi_quarantine(ctx, reason.data()) == MI_SUCCESS;
  }
  if (!ok) {
    // Headers half added cannot be taken back: the message is refused for now (or as configured).
    fail("the server refused a header or the hold queue");
    if (d.action != Action::kReject) {
      d.action = Action::kTempfail;
      d.reply_code = "451";
      d.reply_xcode = "4.7.1";
      d.reply_lines = {Tr("gate.reply.tempfail", Lang::kEn), Tr("gate.reply.tempfail", Lang::kJa)};
    }
    return Reply(ctx, d);
  }
  return SMFIS_ACCEPT;
}

sfsistat OnEom(SMFICTX* ctx) {
  Conn* c = Get(ctx);
  if (c == nullptr) return SMFIS_TEMPFAIL;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  c->start = std::chrono::steady_clock::now();  // the time keikai adds: judging and acting
  if (const std::string id = Sym(ctx, "i"); !id.empty()) c->env.queue_id = id;  // a server that sends it here
  gate::Decision d;
  try {
    if (c->starved) {
      d = g_gate->Failed(c->env, "all sessions together hold --max-memory");
    } else if (c->forged_total > kMaxForged) {
      d = g_gate->Failed(c->env, std::to_string(c->forged_total) + " forged X-Keikai headers");
    } else {
      std::lock_guard<Slots> slot(g_slots);  // as many scans at once as cores
      d = c->over ? g_gate->Oversize(c->env, c->size) : g_gate->Judge(c->env, c->message, now);
    }
  } catch (const std::exception& e) {  // memory: the configured failure action, not a crash
    d = g_gate->Failed(c->env, e.what());
  }
  const sfsistat rc = Apply(ctx, *c, d, now);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c->start).count();
  g_log->Line(gate::LogLine(c->env, d, now, c->size, ms));
  c->Reset();
  return rc;
}

sfsistat OnAbort(SMFICTX* ctx) {
  if (Conn* c = Get(ctx); c != nullptr) c->Reset();
  return SMFIS_CONTINUE;
}

sfsistat OnClose(SMFICTX* ctx) {
  delete Get(ctx);
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

// "inet:8891@127.0.0.1" -> Postfix's "inet:127.0.0.1:8891"; "unix:/p" and "local:/p" -> "unix:/p".
std::string PostfixSocket(const std::string& s) {
  const std::size_t colon = s.find(':');
  if (colon == std::string::npos) return "unix:" + s;
  const std::string scheme = s.substr(0, colon), rest = s.substr(colon + 1);
  if (scheme == "inet" || scheme == "inet6") {
    const std::size_t at = rest.find('@');
    if (at == std::string::npos) return scheme + ":localhost:" + rest;
    return scheme + ":" + rest.substr(at + 1) + ":" + rest.substr(0, at);
  }
  return "unix:" + rest;
}

// TCP_NODELAY on libmilter's listening socket, which Linux passes on to every connection it
// accepts. libmilter writes each reply of the end of a message (every added header, then the
// verdict) as its own small packet; with Nagle's algorithm each waits for Postfix's delayed ACK
// (40 ms), which made a tagged message 80 ms slower over TCP than over a unix socket. libmilter
// does not hand out its socket, so it is found among the process's listening sockets by family.
void NoDelayOnListener() {
  for (int fd = 0; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) continue;
    sockaddr_storage a{};
    socklen_t alen = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &alen) != 0) continue;
    if (a.ss_family != AF_INET && a.ss_family != AF_INET6) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

bool Action(const std::string& opt, const std::string& v, gate::Action& out) {
  if (gate::ParseAction(v, out)) return true;
  Error(TrFill("err.milter_action", {{"{option}", opt}, {"{value}", v}}));
  return false;
}

}  // namespace

CLI::App* AddMilter(CLI::App& app, MilterArgs& a) {
  CLI::App* c = app.add_subcommand("milter", Tr("cmd.milter"));
  c->add_option("--socket", a.socket, Tr("opt.milter_socket"));
  c->add_option("--on-clean", a.on_clean, Tr("opt.milter_on_verdict"));
  c->add_option("--on-suspicious", a.on_suspicious, Tr("opt.milter_on_verdict"));
  c->add_option("--on-malicious", a.on_malicious, Tr("opt.milter_on_verdict"));
  c->add_option("--on-error", a.on_error, Tr("opt.milter_on_error"));
  c->add_option("--on-oversize", a.on_oversize, Tr("opt.milter_on_oversize"));
  c->add_option("--max-size", a.max_size_mb, Tr("opt.milter_max_size"))->check(CLI::Range(uint64_t{1}, uint64_t{1024}));
  c->add_option("--max-memory", a.max_memory_mb, Tr("opt.milter_max_memory"))->check(CLI::Range(uint64_t{16}, uint64_t{1} << 20));
  c->add_option("--scan-timeout", a.scan_timeout, Tr("opt.milter_scan_timeout"))->check(CLI::Range(1, 3600));
  c->add_option("--quarantine-dir", a.quarantine_dir, Tr("opt.milter_quarantine_dir"));
  c->add_option("--own-network", a.own_networks, Tr("opt.milter_own_network"));
  c->add_flag("--no-ppap", a.no_ppap, Tr("opt.milter_no_ppap"));
  c->add_option("--ppap-archive", a.ppap_archive, Tr("opt.milter_ppap_archive"));
  c->add_option("--ppap-password", a.ppap_password, Tr("opt.milter_ppap_password"));
  c->add_option("--ppap-window", a.ppap_window, Tr("opt.milter_ppap_window"))->check(CLI::Range(1, 7 * 24 * 60));
  c->add_option("--ppap-allow-domain", a.ppap_allow, Tr("opt.milter_ppap_allow"));
  c->add_option("--log", a.log, Tr("opt.milter_log"));
  c->add_option("--password", a.passwords, Tr("opt.mail_scan_password"));
  c->add_option("--yara", a.yara, Tr("opt.mail_scan_yara"));
  c->add_option("--max-depth", a.max_depth, Tr("opt.mail_scan_depth"))->check(CLI::Range(1, 32));
  c->add_flag("--postfix-config", a.postfix_config, Tr("opt.milter_postfix_config"));
  return c;
}

int RunMilter(const MilterArgs& a) {
  gate::Options o;
  if (!Action("--on-clean", a.on_clean, o.on_clean) || !Action("--on-suspicious", a.on_suspicious, o.on_suspicious) ||
      !Action("--on-malicious", a.on_malicious, o.on_malicious) || !Action("--on-error", a.on_error, o.on_error) ||
      !Action("--on-oversize", a.on_oversize, o.on_oversize) || !Action("--ppap-archive", a.ppap_archive, o.ppap.archive_action) ||
      !Action("--ppap-password", a.ppap_password, o.ppap.password_action)) {
    return 2;
  }
  if (o.on_error != gate::Action::kTempfail && o.on_error != gate::Action::kAccept && o.on_error != gate::Action::kReject &&
      o.on_error != gate::Action::kTag) {
    Error(TrFill("err.milter_on_error", {{"{value}", a.on_error}}));
    return 2;
  }
  // A message over --max-size is not kept, so it cannot be quarantined; a password mail refused
  // for now would be sent again until its archive left the window, and then pass.
  if (o.on_oversize == gate::Action::kQuarantine) {
    Error(TrFill("err.milter_not_here", {{"{option}", "--on-oversize"}, {"{value}", a.on_oversize}}));
    return 2;
  }
  if (o.ppap.password_action == gate::Action::kTempfail || o.ppap.archive_action == gate::Action::kTempfail) {
    Error(TrFill("err.milter_not_here", {{"{option}", o.ppap.password_action == gate::Action::kTempfail ? "--ppap-password" : "--ppap-archive"},
                                         {"{value}", "tempfail"}}));
    return 2;
  }
  const auto uses = [&](gate::Action x) {
    return o.on_clean == x || o.on_suspicious == x || o.on_malicious == x || o.on_oversize == x ||
           o.ppap.archive_action == x || o.ppap.password_action == x;
  };
  if (uses(gate::Action::kQuarantine) && a.quarantine_dir.empty()) {
    Error(Tr("err.milter_quarantine_dir"));
    return 2;
  }
  o.quarantine_dir = a.quarantine_dir;
  for (const std::string& n : a.own_networks) {
    http::IpPrefix p;
    if (!http::IpPrefix::Parse(n, p)) {
      Error(TrFill("err.milter_network", {{"{value}", n}}));
      return 2;
    }
    o.own_networks.push_back(p);
  }
  for (const std::string& d : a.ppap_allow) {
    std::string dom = Lower(d);
    if (dom.starts_with("@")) dom.erase(0, 1);
    if (dom.empty() || dom.find_first_of(" @/") != std::string::npos) {
      Error(TrFill("err.milter_domain", {{"{value}", d}}));
      return 2;
    }
    o.ppap.allow_domains.push_back(dom);
  }
  o.ppap.enabled = !a.no_ppap;
  o.ppap.window = int64_t{a.ppap_window} * 60;
  o.max_size = a.max_size_mb << 20;
  o.scan_timeout_ms = a.scan_timeout * 1000;
  o.scan.max_depth = a.max_depth;
  o.scan.extra_passwords = a.passwords;
  if (a.postfix_config) {
    // The lines for Postfix's main.cf; Postfix's own action when keikai does not answer at all
    // (stopped, killed) follows --on-error.
    const char* fallback = o.on_error == gate::Action::kAccept ? "accept" : o.on_error == gate::Action::kReject ? "reject" : "tempfail";
    std::printf("# %s\nsmtpd_milters = %s\nnon_smtpd_milters = $smtpd_milters\nmilter_default_action = %s\n"
                "milter_protocol = 6\nmilter_content_timeout = %ds\n",
                Tr("msg.milter_postfix_config"), PostfixSocket(a.socket).c_str(), fallback, a.scan_timeout + 30);
    return 0;
  }
  std::unique_ptr<inspect::YaraRules> yara;
  if (!LoadYara(a.yara, yara)) return 2;
  o.scan.yara = yara.get();
  // Never destroyed: libmilter's session threads may still be in a callback when smfi_main
  // returns, and the process ends with _Exit below.
  auto* log = new LogSink;
  if (!log->Open(a.log)) {
    Error(TrFill("err.milter_log", {{"{path}", a.log}, {"{why}", ErrnoText(errno)}}));
    return 2;
  }
  g_gate = new gate::Gate(std::move(o));
  g_log = log;
  g_max_held = a.max_memory_mb << 20;
  g_slots.set_max(std::thread::hardware_concurrency());

  smfiDesc desc{};
  desc.xxfi_name = const_cast<char*>("keikai");
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
  desc.xxfi_connect = Safe<OnConnect>::Call;
  desc.xxfi_helo = Safe<OnHelo>::Call;
  desc.xxfi_envfrom = Safe<OnEnvFrom>::Call;
  desc.xxfi_envrcpt = Safe<OnEnvRcpt>::Call;
  desc.xxfi_header = Safe<OnHeader>::Call;
  desc.xxfi_eoh = Safe<OnEoh>::Call;
  desc.xxfi_body = Safe<OnBody>::Call;
  desc.xxfi_eom = Safe<OnEom>::Call;
  desc.xxfi_abort = Safe<OnAbort>::Call;
  desc.xxfi_close = Safe<OnClose>::Call;
  desc.xxfi_negotiate = Safe<OnNegotiate>::Call;
  desc.xxfi_data = Safe<OnData>::Call;
  if (smfi_setconn(const_cast<char*>(a.socket.c_str())) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
      smfi_opensocket(true) != MI_SUCCESS) {
    Error(TrFill("err.milter_listen", {{"{socket}", a.socket}}));
    return 1;
  }
  NoDelayOnListener();
  Notice(TrFill("msg.milter_listening", {{"{socket}", a.socket}, {"{postfix}", PostfixSocket(a.socket)}}));
  const int rc = smfi_main();
  Notice(Tr("msg.milter_stopped"));
  std::fflush(nullptr);
  std::_Exit(rc == MI_SUCCESS ? 0 : 1);
}

}  // namespace keikai::cli
