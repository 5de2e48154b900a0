#include "run_cmd.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "errors.h"
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
#include "keikai/rules/engine.h"
#include "keikai/store/store.h"
#include "report/format.h"

namespace keikai::cli {
namespace {

constexpr const char* kSentKey = "alerts/surges";  // kept state: the surges alerted, by key
constexpr std::size_t kSentMax = 1000;

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

// A surge is alerted once: by its series and its first day.
std::string SurgeKey(const report::Surge& s) {
  return s.site + "|" + report::ClassKey(s.cls) + "|" + FormatDate(s.start);
}

class Daemon {
 public:
  Daemon(const RunArgs& a, config::Config c) : args_(a), c_(std::move(c)) {}

  int Run() {
    auto channels = MakeChannels(c_);
    if (!channels) return 2;
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
    pipeline::ScanOptions so;
    so.behavior = c_.behavior;
    if (c_.max_sources != 0) so.behavior_options.max_sources = c_.max_sources;
    so.behavior_options.verify_crawlers = c_.verify_crawlers;
    if (!c_.crs.empty()) {
      auto rs = rules::LoadCrs(c_.crs, c_.paranoia, DefaultCacheDir(), /*for_logs=*/true, 100'000);
      if (!rs.ok()) {
        Error(rs.status(), "detection.crs");
        return 2;
      }
      so.rules = rs.value();
    }
    outbox_ = std::make_unique<notify::Outbox>(*store_, std::move(*channels));
    processor_ = std::make_unique<pipeline::Processor>(so, *store_, *det_, geo_.get());
    Status started = processor_->Start();
    if (!started.ok()) {
      Error(started);
      return 1;
    }
    Notice(report::FillTemplate(Tr("run.started"), {{"{config}", args_.config}, {"{db}", db},
                                                    {"{inputs}", std::to_string(config::Inputs(c_).size())}}));
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    for (;;) {
      if (!ReadRound()) return 1;
      const int64_t now = std::time(nullptr);
      if (last_prune_ == INT64_MIN || now - last_prune_ >= 86400) {
        if (!Prune(now)) return 1;
        last_prune_ = now;
      }
      if (args_.once || last_eval_ == INT64_MIN || now - last_eval_ >= c_.evaluate_every_s) {
        if (!Evaluate()) return 1;
        last_eval_ = now;
      }
      if (Status d = outbox_->Deliver(); !d.ok()) {
        Error(d);
        return 1;
      }
      if (args_.once) break;
      timespec wait{c_.read_every_s, 0};
      siginfo_t info{};
      const int sig = sigtimedwait(&signals, &info, &wait);
      if (sig == SIGTERM || sig == SIGINT) break;
      if (sig == SIGHUP) Reload();
    }
    auto res = processor_->Finish();
    if (!res.ok()) {
      Error(res.status());
      return 1;
    }
    Notice(report::FillTemplate(Tr("run.stopped"), {{"{lines}", report::Thousands(lines_)}}));
    return 0;
  }

 private:
  // Every input that changed since it was last read; a missing one is looked for again next
  // round (it may come back). False when the store failed.
  bool ReadRound() {
    for (const auto& [path, in] : config::Inputs(c_)) {
      FileMark m;
      if (!Mark(path, m)) continue;
      const auto it = marks_.find(path);
      if (it != marks_.end() && it->second == m) continue;
      pipeline::FileRow row;
      Status st = processor_->Feed(path, row, in);
      if (processor_->fatal()) {
        Error(st);
        return false;
      }
      if (!st.ok()) {
        Error(path + ": " + st.message());  // read again next round
        continue;
      }
      marks_[path] = m;
      lines_ += row.parsed;
    }
    Status fl = processor_->Flush();
    if (!fl.ok()) {
      Error(fl);
      return false;
    }
    return true;
  }

  // Retention, once a day: findings older than findings_days, hourly counts older than
  // hourly_days (from now).
  bool Prune(int64_t now) {
    auto removed = store_->Prune(now - int64_t{c_.findings_days} * 86400, now / 3600 - int64_t{c_.hourly_days} * 24);
    if (!removed.ok()) {
      Error(removed.status());
      return false;
    }
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
    if (!r.ok()) {
      Error(r.status());
      return false;
    }
    auto kept = store_->LoadState(kSentKey);
    nlohmann::json sent = nlohmann::json::object();
    if (kept.ok() && kept.value()) {
      auto j = nlohmann::json::parse(*kept.value(), nullptr, false);
      if (j.is_object()) sent = std::move(j);
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
      SetLang(lang);
      for (notify::Message& m : messages) {
        if (Status q = outbox_->Post(a.name, std::move(m)); !q.ok()) {
          Error(q);
          return false;
        }
      }
    }
    for (const report::Surge* s : fresh) sent[SurgeKey(*s)] = now;
    const bool changed = true;
    if (!changed) return true;
    while (sent.size() > kSentMax) {  // the oldest go first
      auto oldest = sent.begin();
      for (auto it = sent.begin(); it != sent.end(); ++it) {
        if (it.value().get<int64_t>() < oldest.value().get<int64_t>()) oldest = it;
      }
      sent.erase(oldest);
    }
    Status saved = store_->SaveState(kSentKey, sent.dump());
    if (!saved.ok()) Error(saved);  // the alert went out; a restart may send it again
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
    Notice(report::FillTemplate(Tr("run.reloaded"), {{"{inputs}", std::to_string(config::Inputs(c_).size())}}));
  }

  // The configured alert channels; nullopt (printed) when one is of a type this build cannot
  // send to yet.
  static std::optional<std::vector<std::pair<std::string, std::unique_ptr<notify::Channel>>>> MakeChannels(
      const config::Config& c) {
    std::vector<std::pair<std::string, std::unique_ptr<notify::Channel>>> out;
    for (std::size_t i = 0; i < c.alerts.size(); ++i) {
      const notify::ChannelType* t = notify::FindChannel(c.alerts[i].type);
      if (t == nullptr) {
        Error(report::FillTemplate(Tr("run.channel_unsupported"),
                                   {{"{key}", "alerts[" + std::to_string(i) + "]"}, {"{type}", c.alerts[i].type}}));
        return std::nullopt;
      }
      out.emplace_back(c.alerts[i].name, t->make(c.alerts[i]));
    }
    return out;
  }

  RunArgs args_;
  std::unique_ptr<notify::Outbox> outbox_;
  config::Config c_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<detect::DetectorSet> det_;
  std::unique_ptr<geo::GeoDb> geo_;
  std::unique_ptr<pipeline::Processor> processor_;
  std::map<std::string, FileMark> marks_;
  int64_t last_eval_ = INT64_MIN;
  int64_t last_prune_ = INT64_MIN;
  uint64_t lines_ = 0;
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
