#include "run_cmd.h"

#include <pthread.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "errors.h"
#include "prober.h"
#include "watch.h"
#include "keikai/config/config.h"
#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/detect/detector.h"
#include "keikai/geo/geo.h"
#include "keikai/notify/notify.h"
#include "keikai/pipeline/processor.h"
#include "keikai/report/alert.h"
#include "keikai/report/build.h"
#include "keikai/report/mail.h"
#include "keikai/rules/engine.h"
#include "keikai/store/store.h"
#include "keikai/report/render.h"
#include "report/format.h"

namespace keikai::cli {
namespace {

constexpr const char* kSentKey = "alerts/surges";  // kept state: the surges alerted, by key
constexpr std::size_t kSentMax = 1000;
constexpr std::chrono::seconds kMinRoundGap{1};  // rounds that a change to a log brings forward
constexpr uint64_t kBacklogLines = 20'000;        // a round that read this many is behind

// What a file was when it was last read: unchanged, it is not read again.
struct FileMark {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileMark&) const = default;
};

bool Mark(const std::string& path, FileMark& m) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) return false;
  m = {sb.st_dev, sb.st_ino, sb.st_size,
       static_cast<int64_t>(sb.st_mtim.tv_sec) * 1'000'000'000 + sb.st_mtim.tv_nsec};
  return true;
}

constexpr const char* kMarksKey = "run/marks";  // kept state: the files read, as they were

nlohmann::json MarksJson(const std::map<std::string, FileMark>& marks) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [path, m] : marks) {
    j[path] = {static_cast<uint64_t>(m.dev), static_cast<uint64_t>(m.ino), static_cast<int64_t>(m.size), m.mtime_ns};
  }
  return j;
}

// A damaged record loses only its bad entries: those files are read again (nothing is counted
// twice: the resume cursor sees to that).
std::map<std::string, FileMark> MarksFrom(const std::string& text) {
  std::map<std::string, FileMark> out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    if (!v.is_array() || v.size() != 4) continue;
    if (!v[0].is_number_unsigned() || !v[1].is_number_unsigned() || !v[2].is_number_integer() ||
        !v[3].is_number_integer()) {
      continue;
    }
    out[it.key()] = {static_cast<dev_t>(v[0].get<uint64_t>()), static_cast<ino_t>(v[1].get<uint64_t>()),
                     static_cast<off_t>(v[2].get<int64_t>()), v[3].get<int64_t>()};
  }
  return out;
}

// A surge is alerted once: by its series and its first day.
std::string SurgeKey(const report::Surge& s) {
  return s.site + "|" + report::ClassKey(s.cls) + "|" + FormatDate(s.start);
}

// What /metrics shows, updated by the daemon's loop after each round and evaluation.
struct Metrics {
  uint64_t lines = 0, bad_lines = 0, inputs = 0, rounds = 0, evaluations = 0, store_errors = 0;
  bool store_ok = true;
  uint64_t alerts_sent = 0, alerts_failed = 0, alerts_dropped = 0, alerts_queued = 0, alerts_held = 0;
  uint64_t window_requests = 0, window_attacks = 0, window_sources = 0;
  int64_t last_round = 0, last_evaluation = 0;
  std::vector<std::pair<std::string, std::string>> ongoing;  // (site, class)
  std::map<std::string, uint64_t> lines_by_format;           // the event kinds' formats
  struct Probe {
    bool up = false;
    double total_ms = 0;
    std::vector<std::pair<std::string, double>> phases;  // the last probe's
    int64_t cert_not_after = 0;
    uint64_t ok = 0, failed = 0;
  };
  std::map<std::string, Probe> probes;                       // by service name
  std::map<std::string, uint64_t> window_requests_by_site;
  std::map<std::pair<std::string, std::string>, uint64_t> window_attacks_by;  // (site, class)
};

std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The Prometheus text exposition format (version 0.0.4): HELP and TYPE before each family.
std::string MetricsText(const Metrics& m) {
  std::string o;
  const auto family = [&](const char* name, const char* type, const char* help) {
    o += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  const auto sample = [&](const char* name, uint64_t v) { o += std::string(name) + " " + std::to_string(v) + "\n"; };
  family("keikai_build_info", "gauge", "keikai's version, as a label; always 1.");
  o += std::string("keikai_build_info{version=\"") + KEIKAI_VERSION + "\"} 1\n";
  struct Plain {
    const char* name;
    const char* type;
    const char* help;
    uint64_t value;
  };
  const Plain before[] = {
      {"keikai_lines_read_total", "counter", "Log lines parsed and stored since the daemon started.", m.lines},
      {"keikai_bad_lines_total", "counter", "Log lines that could not be parsed since the daemon started.", m.bad_lines},
      {"keikai_inputs", "gauge", "Log files the configuration names (with their rotated copies that exist).", m.inputs},
      {"keikai_rounds_total", "counter", "Reading rounds done.", m.rounds},
      {"keikai_evaluations_total", "counter", "Surge evaluations done.", m.evaluations},
      {"keikai_store_errors_total", "counter",
       "Writes to the store that failed (a full disk, say); what they held is read again.", m.store_errors},
      {"keikai_store_up", "gauge", "1 when the last write to the store succeeded, else 0.", m.store_ok ? 1u : 0u},
      {"keikai_last_round_timestamp_seconds", "gauge", "When the last reading round ended (Unix time).",
       static_cast<uint64_t>(m.last_round)},
      {"keikai_last_evaluation_timestamp_seconds", "gauge", "When surges were last evaluated (Unix time).",
       static_cast<uint64_t>(m.last_evaluation)},
      {"keikai_window_requests", "gauge", "Requests and mail-log events in the report window, at the last evaluation.",
       m.window_requests},
      {"keikai_window_attacks", "gauge", "Attacks in the report window, at the last evaluation.", m.window_attacks},
      {"keikai_window_attacking_sources", "gauge",
       "Distinct attacking sources in the report window, at the last evaluation.", m.window_sources},
  };
  const Plain after[] = {
      {"keikai_alerts_sent_total", "counter", "Alert messages delivered, all channels.", m.alerts_sent},
      {"keikai_alerts_failed_total", "counter", "Delivery attempts that failed (each is tried again).", m.alerts_failed},
      {"keikai_alerts_dropped_total", "counter",
       "Alert messages dropped: the outbox was full, or their channel was removed.", m.alerts_dropped},
      {"keikai_alerts_queued", "gauge", "Alert messages waiting for their channel.", m.alerts_queued},
      {"keikai_alerts_held_total", "counter",
       "Times an alert message waited for its channel's min_interval (rate limit), counted each round it waited.",
       m.alerts_held},
  };
  for (const Plain& p : before) {
    family(p.name, p.type, p.help);
    sample(p.name, p.value);
  }
  family("keikai_surge_ongoing", "gauge", "1 for each ongoing surge, by site and attack class (* = all classes).");
  for (const auto& [site, cls] : m.ongoing) {
    o += "keikai_surge_ongoing{site=\"" + Label(site) + "\",class=\"" + Label(cls) + "\"} 1\n";
  }
  family("keikai_lines_read_by_format_total", "counter",
         "Lines parsed and stored since the daemon started, by log format (web: combined, json, ...; mail: maillog, dovecot).");
  for (const auto& [format, n] : m.lines_by_format) {
    o += "keikai_lines_read_by_format_total{format=\"" + Label(format) + "\"} " + std::to_string(n) + "\n";
  }
  family("keikai_window_requests_by_site", "gauge",
         "Requests and mail-log events in the report window, by site (the busiest report_sites), at the last evaluation.");
  for (const auto& [site, n] : m.window_requests_by_site) {
    o += "keikai_window_requests_by_site{site=\"" + Label(site) + "\"} " + std::to_string(n) + "\n";
  }
  family("keikai_window_attacks_by_class", "gauge",
         "Attacks in the report window, by site and attack class, at the last evaluation.");
  for (const auto& [key, n] : m.window_attacks_by) {
    o += "keikai_window_attacks_by_class{site=\"" + Label(key.first) + "\",class=\"" + Label(key.second) + "\"} " +
         std::to_string(n) + "\n";
  }
  family("keikai_probe_up", "gauge", "1 when the last probe of the mail service succeeded, else 0.");
  for (const auto& [svc, p] : m.probes) o += "keikai_probe_up{service=\"" + Label(svc) + "\"} " + (p.up ? "1" : "0") + "\n";
  family("keikai_probe_duration_seconds", "gauge", "How long the last probe of the mail service took, all phases.");
  for (const auto& [svc, p] : m.probes) {
    o += "keikai_probe_duration_seconds{service=\"" + Label(svc) + "\"} " + std::to_string(p.total_ms / 1000) + "\n";
  }
  family("keikai_probe_phase_seconds", "gauge",
         "How long each phase of the last probe took (connect, tls, banner, hello, starttls, login, quit).");
  for (const auto& [svc, p] : m.probes) {
    for (const auto& [phase, ms] : p.phases) {
      o += "keikai_probe_phase_seconds{service=\"" + Label(svc) + "\",phase=\"" + Label(phase) + "\"} " +
           std::to_string(ms / 1000) + "\n";
    }
  }
  family("keikai_probes_total", "counter", "Probes done since the daemon started, by service and result.");
  for (const auto& [svc, p] : m.probes) {
    o += "keikai_probes_total{service=\"" + Label(svc) + "\",result=\"ok\"} " + std::to_string(p.ok) + "\n";
    o += "keikai_probes_total{service=\"" + Label(svc) + "\",result=\"failed\"} " + std::to_string(p.failed) + "\n";
  }
  family("keikai_probe_cert_expiry_timestamp_seconds", "gauge",
         "When the certificate the mail service showed at its last TLS probe expires (Unix time).");
  for (const auto& [svc, p] : m.probes) {
    if (p.cert_not_after > 0) {
      o += "keikai_probe_cert_expiry_timestamp_seconds{service=\"" + Label(svc) + "\"} " +
           std::to_string(p.cert_not_after) + "\n";
    }
  }
  for (const Plain& p : after) {
    family(p.name, p.type, p.help);
    sample(p.name, p.value);
  }
  return o;
}

class Daemon {
 public:
  Daemon(const RunArgs& a, config::Config c) : args_(a), c_(std::move(c)) {}

  int Run() {
    auto channels = MakeChannels(c_);
    if (!channels) return 2;
    // What may need root is opened first (the metrics port); then keikai becomes `user`.
    if (!StartMetrics()) return 1;
    struct Stop {
      Daemon* d;
      ~Stop() { d->StopMetrics(); }
    } stop_metrics{this};
    if (const int rc = BecomeUser(); rc != 0) return rc;
    const std::string db = c_.store.empty() ? store::DefaultDbPath() : c_.store;
    auto st = store::Open(db, store::OpenOptions{});
    if (!st.ok()) {
      Error(st.status());
      return 1;
    }
    store_ = std::move(st).value();
    auto det = detect::DetectorSet::Build(detect::Builtins(), DefaultCacheDir());
    if (!det.ok()) {
      Error(det.status());
      return 1;
    }
    det_ = std::make_unique<detect::DetectorSet>(std::move(det).value());
    auto geo = geo::Open("", DefaultCacheDir());
    if (geo.ok()) geo_ = std::move(geo).value();
    so_.follow = true;  // followed logs are read on from where they were left
    so_.behavior = c_.behavior;
    if (c_.max_sources != 0) so_.behavior_options.max_sources = c_.max_sources;
    so_.behavior_options.verify_crawlers = c_.verify_crawlers;
    if (!c_.crs.empty()) {
      auto rs = rules::LoadCrs(c_.crs, c_.paranoia, DefaultCacheDir(), /*for_logs=*/true, 100'000);
      if (!rs.ok()) {
        Error(rs.status(), "detection.crs");
        return 2;
      }
      so_.rules = rs.value();
    }
    outbox_ = std::make_unique<notify::Outbox>(*store_, std::move(*channels));
    if (auto kept = store_->LoadState(kMarksKey); kept.ok() && kept.value()) marks_ = MarksFrom(*kept.value());
    processor_ = std::make_unique<pipeline::Processor>(so_, *store_, *det_, geo_.get());
    if (Status started = processor_->Start(); !started.ok()) {
      Error(started);
      return 1;
    }
    // What the configuration asks that this build does not do yet: said, not ignored.
    if (!args_.once) prober_.Start(c_.mail_services);
    Notice(report::FillTemplate(Tr("run.started"), {{"{config}", args_.config}, {"{db}", db},
                                                    {"{inputs}", std::to_string(config::Inputs(c_).size())}}));
    for (;;) {
      const auto round_start = std::chrono::steady_clock::now();
      watch_.Follow(LogPaths());
      const uint64_t read = ReadRound();
      if (args_.once) {
        std::vector<mail::ProbeResult> now_results;
        for (const config::MailService& svc : c_.mail_services) now_results.push_back(Prober::ProbeNow(svc));
        KeepProbes(now_results);
      } else {
        KeepProbes(prober_.Take());
      }
      const int64_t now = std::time(nullptr);
      if (last_prune_ == INT64_MIN || now - last_prune_ >= 86400) {
        if (Prune(now)) last_prune_ = now;
      }
      if (args_.once || last_eval_ == INT64_MIN || now - last_eval_ >= c_.evaluate_every_s) {
        if (Evaluate()) last_eval_ = now;
      }
      StoreResult(outbox_->Deliver(std::time(nullptr)), false);
      {
        std::lock_guard<std::mutex> lk(metrics_mu_);
        metrics_.alerts_sent = outbox_->sent();
        metrics_.alerts_failed = outbox_->failed();
        metrics_.alerts_dropped = outbox_->dropped();
        metrics_.alerts_queued = outbox_->queued();
        metrics_.alerts_held = outbox_->held();
      }
      if (args_.once) break;
      // The next round: read_every after this one began, or sooner when a followed log changes
      // (inotify), but at most one round a second so that a log written line by line is read in
      // batches; after a round that read a backlog, at once.
      bool changed = false;
      int sig = watch_.Wait(round_start + std::chrono::seconds(c_.read_every_s), true, &changed);
      if (sig == 0 && changed && read < kBacklogLines) sig = watch_.Wait(round_start + kMinRoundGap, false, &changed);
      if (sig == SIGTERM || sig == SIGINT) break;
      if (sig == SIGHUP) Reload();
    }
    // The lines read are committed first; then the prober stops (a probe under way may take
    // its timeout) and its last results are kept.
    if (processor_) {
      auto res = processor_->Finish();
      if (!res.ok()) {
        Error(res.status());
        return 1;
      }
    }
    prober_.Stop();
    KeepProbes(prober_.Take());
    if (!store_error_.empty()) return 1;  // what could not be stored is read again next start
    Notice(report::FillTemplate(Tr("run.stopped"), {{"{lines}", report::Thousands(metrics_.lines)}}));
    return 0;
  }

 private:
  // `user`: as root, become that user (its groups, then its group and user id, for good: it
  // cannot come back), with its home for keikai's caches; as that user already, nothing to do;
  // as anyone else, an error (exit 2). 0 when done.
  int BecomeUser() {
    if (c_.user.empty()) return 0;
    errno = 0;
    const passwd* pw = ::getpwnam(c_.user.c_str());
    if (pw == nullptr) {
      Error(report::FillTemplate(Tr("run.user_unknown"), {{"{user}", c_.user}}));
      return 2;
    }
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    const std::string home = pw->pw_dir != nullptr ? pw->pw_dir : "";
    if (::geteuid() == uid) return 0;
    if (::geteuid() != 0) {
      Error(report::FillTemplate(Tr("run.user_cannot"), {{"{user}", c_.user}, {"{uid}", std::to_string(::geteuid())}}));
      return 2;
    }
    if (::initgroups(c_.user.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0 || ::setuid(0) == 0) {
      Error(report::FillTemplate(Tr("run.user_failed"), {{"{user}", c_.user}, {"{why}", std::strerror(errno)}}));
      return 1;
    }
    if (!home.empty()) ::setenv("HOME", home.c_str(), 1);
    ::unsetenv("XDG_CACHE_HOME");
    ::unsetenv("XDG_DATA_HOME");
    Notice(report::FillTemplate(Tr("run.user_now"), {{"{user}", c_.user}, {"{uid}", std::to_string(uid)}}));
    return 0;
  }

  // Probe results: stored (the history), in the metrics, and a change of a service's state
  // (up to down, down to up) said once.
  void KeepProbes(const std::vector<mail::ProbeResult>& results) {
    if (results.empty()) return;
    std::vector<store::ProbeRow> rows;
    for (const mail::ProbeResult& r : results) {
      rows.push_back(report::ProbeRowOf(r));
      const auto was = probe_up_.find(r.name);
      if (!r.ok && (was == probe_up_.end() || was->second)) {
        Warn(report::FillTemplate(Tr("run.probe_down"),
                                  {{"{service}", r.name}, {"{where}", r.host + ":" + std::to_string(r.port)},
                                   {"{phase}", r.failed_phase},
                                   {"{why}", report::FailureText(r.failure)},
                                   {"{detail}", r.detail}}));
      } else if (r.ok && was != probe_up_.end() && !was->second) {
        Notice(report::FillTemplate(Tr("run.probe_up"), {{"{service}", r.name}}));
      }
      probe_up_[r.name] = r.ok;
      std::lock_guard<std::mutex> lk(metrics_mu_);
      auto& m = metrics_.probes[r.name];
      m.up = r.ok;
      m.total_ms = r.total_ms();
      m.phases.clear();
      for (const mail::ProbePhase& p : r.phases) m.phases.emplace_back(p.name, p.ms);
      if (r.cert_not_after > 0) m.cert_not_after = r.cert_not_after;
      ++(r.ok ? m.ok : m.failed);
    }
    StoreResult(store_->SaveProbes(rows));
  }

  // The configured logs (their directories are watched; rotated copies are in the same ones).
  std::vector<std::string> LogPaths() const {
    std::vector<std::string> out;
    for (const config::Site& site : c_.sites) {
      for (const config::LogFile& f : site.logs) out.push_back(f.path);
    }
    for (const config::LogFile& f : c_.mail_logs) out.push_back(f.path);
    return out;
  }

  // The processor over the store, restoring what the last commit left; false (said once, in
  // store_error_) when the store cannot be read.
  bool StartProcessor() {
    auto p = std::make_unique<pipeline::Processor>(so_, *store_, *det_, geo_.get());
    Status started = p->Start();
    if (!StoreResult(started, false)) return false;
    processor_ = std::move(p);
    return true;
  }

  // After each use of the store: a failure (a full disk, a lost directory) is said once with
  // what to do, counted, and the daemon goes on; recovery is said once too, after a write that
  // succeeded (wrote: a read that works says nothing about free space). False on failure.
  bool StoreResult(const Status& st, bool wrote = true) {
    std::lock_guard<std::mutex> lk(metrics_mu_);
    if (st.ok()) {
      if (!wrote) return true;
      if (!store_error_.empty()) Notice(Tr("run.store_back"));
      store_error_.clear();
      metrics_.store_ok = true;
      return true;
    }
    ++metrics_.store_errors;
    metrics_.store_ok = false;
    // Said again only when the kind of failure changes (each round's failing statement may
    // differ; the cause does not).
    if (st.code() != store_error_) {
      Error(st);
      Notice(Tr("run.store_retry"));
    }
    store_error_ = st.code();
    return false;
  }

  // Every input that changed since it was last read; a missing one is looked for again next
  // round (it may come back). When the store fails, the processor is dropped (what it had not
  // committed is read again: the resume cursor knows what was) and made again next round.
  // Returns the lines read.
  uint64_t ReadRound() {
    const auto inputs = config::Inputs(c_);
    {
      std::lock_guard<std::mutex> lk(metrics_mu_);
      metrics_.inputs = inputs.size();
      ++metrics_.rounds;
      metrics_.last_round = std::time(nullptr);
    }
    if (!processor_ && !StartProcessor()) return 0;
    bool read = false;
    uint64_t lines = 0;
    for (const auto& [path, in] : inputs) {
      FileMark m;
      if (!Mark(path, m)) {
        // Said once (a typo'd path must not read as a quiet site), looked for every round.
        if (missing_.insert(path).second) Warn(report::FillTemplate(Tr("run.missing"), {{"{path}", path}}));
        continue;
      }
      missing_.erase(path);
      const auto it = marks_.find(path);
      if (it != marks_.end() && it->second == m) continue;
      pipeline::FileRow row;
      Status st = processor_->Feed(path, row, in);
      if (processor_->fatal()) {
        StoreResult(st);
        processor_.reset();
        return 0;
      }
      if (!st.ok()) {
        Error(st, path);  // read again next round
        continue;
      }
      marks_[path] = m;
      read = true;
      std::lock_guard<std::mutex> lk(metrics_mu_);
      lines += row.parsed + row.bad_lines;
      metrics_.lines += row.parsed;
      if (row.parsed > 0 && !row.format.empty()) metrics_.lines_by_format[row.format] += row.parsed;
      metrics_.bad_lines += row.bad_lines;
    }
    if (!read) return lines;  // each feed committed its lines; nothing is pending
    if (!StoreResult(processor_->Flush())) {
      processor_.reset();
      return 0;
    }
    // Which files were read, as they were: a restart reads only what changed since. Kept after
    // the lines they hold, so a mark never runs ahead of what is stored; files no longer among
    // the inputs (old dated copies) are forgotten, so the record stays as long as the list.
    std::erase_if(marks_, [&](const auto& m) {
      return std::none_of(inputs.begin(), inputs.end(), [&](const auto& in) { return in.first == m.first; });
    });
    StoreResult(store_->SaveState(kMarksKey, MarksJson(marks_).dump()));
    return lines;
  }

  // Retention, once a day: findings older than findings_days, hourly counts older than
  // hourly_days (from now).
  bool Prune(int64_t now) {
    auto removed = store_->Prune(now - int64_t{c_.findings_days} * 86400, now / 3600 - int64_t{c_.hourly_days} * 24);
    if (!StoreResult(removed.status(), removed.ok() && removed.value() > 0)) return false;
    if (removed.value() > 0) {
      Notice(report::FillTemplate(Tr("run.pruned"), {{"{rows}", report::Thousands(removed.value())},
                                                     {"{findings}", std::to_string(c_.findings_days)},
                                                     {"{hourly}", std::to_string(c_.hourly_days)}}));
    }
    return true;
  }

  // The surges of what is stored; each ongoing one not alerted before is alerted now (JSON on
  // stdout), and remembered in the store so that a restart does not alert it again.
  bool Evaluate() {
    report::BuildOptions bo;
    bo.tz = !c_.timezone.empty() ? *TimeZone::Make(c_.timezone)
                                 : CurrentLang() == Lang::kJa ? TimeZone::Jst() : TimeZone::Utc();
    bo.home_country = c_.home_country;
    bo.trend.window_days = c_.window_days;
    bo.trend.min_history_days = c_.min_history_days;
    bo.detector.window_days = c_.window_days;
    bo.detector.min_history_days = c_.min_history_days;
    bo.report_days = c_.report_days;
    bo.max_sites = static_cast<std::size_t>(c_.report_sites);
    for (const config::Site& s : c_.sites) bo.sites.push_back(s.name);
    if (!c_.mail_logs.empty()) bo.sites.push_back(c_.mail_site);
    auto r = report::BuildReport(*store_, nullptr, bo);
    if (!StoreResult(r.status(), false)) return false;
    {
      std::lock_guard<std::mutex> lk(metrics_mu_);
      ++metrics_.evaluations;
      metrics_.last_evaluation = std::time(nullptr);
      metrics_.window_requests = r.value().summary.requests;
      metrics_.window_attacks = r.value().summary.attacks;
      metrics_.window_sources = r.value().summary.sources;
      metrics_.ongoing.clear();
      for (const report::Surge& s : r.value().surges) {
        if (s.ongoing) metrics_.ongoing.emplace_back(s.site, report::ClassKey(s.cls));
      }
      metrics_.window_requests_by_site.clear();
      metrics_.window_attacks_by.clear();
      for (const report::DailyRow& row : r.value().daily) {
        if (row.site == report::kAllSites) continue;
        if (row.cls == report::kAllClasses) {
          metrics_.window_requests_by_site[row.site] += row.requests;
        } else if (row.attacks > 0) {
          metrics_.window_attacks_by[{row.site, report::ClassKey(row.cls)}] += row.attacks;
        }
      }
    }
    // The report people open from an alert: rewritten whole (atomically) at each evaluation.
    std::string where;
    if (!c_.report_path.empty()) {
      if (WriteFileAtomic(c_.report_path, report::RenderHtml(r.value()), 0640)) {  // the group may serve it
        where = c_.report_url.empty() ? c_.report_path : c_.report_url;
      } else {
        Warn(report::FillTemplate(Tr("run.report_write"), {{"{path}", c_.report_path}, {"{why}", std::strerror(errno)}}));
      }
    }
    auto kept = store_->LoadState(kSentKey);
    // Without the record of what was alerted, every ongoing surge would be alerted again (and
    // the record overwritten): this evaluation is given up, and tried again next round.
    if (!StoreResult(kept.status(), false)) return false;
    nlohmann::json sent = nlohmann::json::object();
    if (kept.value()) {
      // A damaged record loses only what it held: entries that are no time are left out.
      const auto j = nlohmann::json::parse(*kept.value(), nullptr, false);
      if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
          if (it.value().is_number_integer()) sent[it.key()] = it.value();
        }
      }
    }
    const int64_t now = std::time(nullptr);
    // The surges not alerted before, all-classes ones first (the report's order).
    std::vector<const report::Surge*> fresh;
    for (const report::Surge& s : r.value().surges) {
      if (s.ongoing && !sent.contains(SurgeKey(s))) fresh.push_back(&s);
    }
    if (fresh.empty()) return true;
    const Lang lang = CurrentLang();
    for (const config::Alert& a : c_.alerts) {
      Lang l = lang;
      if (!a.language.empty()) ParseLang(a.language, l);
      SetLang(l);  // the channel's language for its sentences
      std::vector<notify::Message> messages;
      const notify::ChannelType* type = notify::FindChannel(a.type);
      if (type != nullptr && type->grouped) {
        messages.push_back(Grouped(fresh, bo.tz, now));
      } else {
        for (const report::Surge* s : fresh) messages.push_back(One(*s, bo.tz, now));
      }
      if (!where.empty()) {
        for (notify::Message& m : messages) {
          m.details += (m.details.empty() ? "" : "\n") + report::FillTemplate(Tr("run.report_at"), {{"{where}", where}});
          m.record["report"] = where;
        }
      }
      SetLang(lang);
      for (notify::Message& m : messages) {
        // Kept in memory when the store cannot save it: delivered all the same.
        StoreResult(outbox_->Post(a.name, std::move(m)), false);
      }
    }
    for (const report::Surge* s : fresh) sent[SurgeKey(*s)] = now;
    while (sent.size() > kSentMax) {  // the oldest go first
      auto oldest = sent.begin();
      for (auto it = sent.begin(); it != sent.end(); ++it) {
        if (it.value().get<int64_t>() < oldest.value().get<int64_t>()) oldest = it;
      }
      sent.erase(oldest);
    }
    StoreResult(store_->SaveState(kSentKey, sent.dump()));  // else a restart may alert it again
    return true;
  }

  // One surge as a message: its sentences and its record (machine channels: stdout, webhook).
  static notify::Message One(const report::Surge& s, const TimeZone& tz, int64_t now) {
    notify::Message m;
    m.key = SurgeKey(s);
    m.text = report::SurgeAlertSentence(s);
    m.details = report::SurgeAlertDetails(s);
    m.record = {{"type", "surge"},
                {"time", tz.FormatTime(now)},
                {"site", s.site},
                {"class", report::ClassKey(s.cls)},
                {"start", FormatDate(s.start)},
                {"peak_date", FormatDate(s.peak_day)},
                {"peak_ratio", s.peak_ratio},
                {"baseline", s.baseline},
                {"baseline_days", s.baseline_days},
                {"message", m.text},
                {"details", m.details}};
    return m;
  }

  // The surges of one evaluation as one message, for channels people read (Slack, Teams,
  // syslog): the sentences of the surges of all attacks, then the single-class surges by name,
  // so that a rise across many classes is one message, not thirty.
  static notify::Message Grouped(const std::vector<const report::Surge*>& fresh, const TimeZone& tz, int64_t now) {
    notify::Message m;
    std::vector<std::string> classes;
    nlohmann::json records = nlohmann::json::array();
    for (const report::Surge* s : fresh) {
      m.key += (m.key.empty() ? "" : ",") + SurgeKey(*s);
      records.push_back(One(*s, tz, now).record);
      if (s->cls == report::kAllClasses) {
        m.text += (m.text.empty() ? "" : "\n") + report::SurgeAlertSentence(*s);
        if (m.details.empty()) m.details = report::SurgeAlertDetails(*s);
      } else {
        classes.push_back(report::ClassKey(s->cls) + " (" + s->site + ")");
      }
    }
    if (m.text.empty()) {  // only single classes rose: the first one's sentences lead
      m.text = report::SurgeAlertSentence(*fresh.front());
      m.details = report::SurgeAlertDetails(*fresh.front());
    }
    if (!classes.empty()) {
      std::string list;
      for (std::size_t i = 0; i < classes.size() && i < 10; ++i) list += (i ? ", " : "") + classes[i];
      if (classes.size() > 10) list += ", ...";
      m.details += (m.details.empty() ? "" : "\n") +
                   report::FillTemplate(Tr("run.class_surges"), {{"{n}", std::to_string(classes.size())},
                                                                 {"{list}", list}});
    }
    m.record = {{"type", "surges"}, {"time", tz.FormatTime(now)}, {"surges", records}};
    return m;
  }

  // SIGHUP: the configuration again; one with problems is not taken (the running one stays).
  void Reload() {
    std::vector<config::Problem> problems;
    config::Config c = config::Load(args_.config, problems);
    for (const config::Problem& p : problems) Error(p.ToString());
    if (!problems.empty()) {
      Notice(Tr("run.reload_kept"));
      return;
    }
    auto channels = MakeChannels(c);
    if (!channels) {
      Notice(Tr("run.reload_kept"));
      return;
    }
    c_ = std::move(c);
    outbox_->SetChannels(std::move(*channels));
    prober_.Start(c_.mail_services);
    Notice(report::FillTemplate(Tr("run.reloaded"), {{"{inputs}", std::to_string(config::Inputs(c_).size())}}));
  }

  // The configured alert channels; nullopt (printed) when one is of a type this build cannot
  // send to yet.
  static std::optional<std::vector<notify::Route>> MakeChannels(const config::Config& c) {
    std::vector<notify::Route> out;
    for (std::size_t i = 0; i < c.alerts.size(); ++i) {
      const notify::ChannelType* t = notify::FindChannel(c.alerts[i].type);
      if (t == nullptr) {
        Error(report::FillTemplate(Tr("run.channel_unsupported"),
                                   {{"{key}", "alerts[" + std::to_string(i) + "]"}, {"{type}", c.alerts[i].type}}));
        return std::nullopt;
      }
      out.push_back({c.alerts[i].name, t->make(c.alerts[i]), c.alerts[i].min_interval_s, t->grouped});
    }
    return out;
  }

  // /metrics on the configured loopback address (a thread of its own, reading a snapshot).
  bool StartMetrics() {
    if (!c_.metrics) return true;
    const std::size_t colon = c_.metrics_listen.rfind(':');
    std::string host = c_.metrics_listen.substr(0, colon);
    const int port = std::atoi(c_.metrics_listen.c_str() + colon + 1);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    http_ = std::make_unique<httplib::Server>();
    http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lk(metrics_mu_);
      res.set_content(MetricsText(metrics_), "text/plain; version=0.0.4; charset=utf-8");
    });
    if (!http_->bind_to_port(host.c_str(), port)) {
      Error(report::FillTemplate(Tr("run.metrics_listen"), {{"{listen}", c_.metrics_listen}}));
      return false;
    }
    http_thread_ = std::thread([this] { http_->listen_after_bind(); });
    return true;
  }
  void StopMetrics() {
    if (!http_) return;
    http_->stop();
    if (http_thread_.joinable()) http_thread_.join();
  }

  RunArgs args_;
  Watch watch_;  // signals and changes to the logs, between rounds
  Prober prober_;  // the mail services' probes, on their own thread
  std::map<std::string, bool> probe_up_;  // by service: whether its last probe succeeded
  std::unique_ptr<notify::Outbox> outbox_;
  Metrics metrics_;
  std::mutex metrics_mu_;
  std::unique_ptr<httplib::Server> http_;
  std::thread http_thread_;
  config::Config c_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<detect::DetectorSet> det_;
  std::unique_ptr<geo::GeoDb> geo_;
  pipeline::ScanOptions so_;
  std::unique_ptr<pipeline::Processor> processor_;  // null while the store fails
  std::string store_error_;                         // the code of the store's last failure
  std::map<std::string, FileMark> marks_;
  std::set<std::string> missing_;  // configured inputs not found, said once
  int64_t last_eval_ = INT64_MIN;
  int64_t last_prune_ = INT64_MIN;
};

}  // namespace

int RunDaemon(const RunArgs& a) {
  std::vector<config::Problem> problems;
  config::Config c = config::Load(a.config, problems);
  for (const config::Problem& p : problems) Error(p.ToString());
  if (!problems.empty()) return 2;
  if (!a.lang_given && !c.language.empty()) {
    Lang l;
    if (ParseLang(c.language, l)) SetLang(l);
  }
  log::SetJson(c.log_format == "json");
  // The signals are waited for in the main loop: blocked here, before any thread starts, so
  // that every thread inherits the mask and none of them takes one.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Daemon d(a, std::move(c));
  return d.Run();
}

}  // namespace keikai::cli
