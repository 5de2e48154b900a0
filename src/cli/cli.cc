#include "keikai/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "keikai/config/config.h"
#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"
#include "keikai/demo/generator.h"
#include "keikai/detect/detector.h"
#include "keikai/geo/geo.h"
#include "keikai/ingest/format.h"
#include "keikai/mail/log.h"
#include "keikai/pipeline/scan.h"
#include "keikai/report/build.h"
#include "keikai/report/render.h"
#include "report/format.h"
#include "keikai/rules/engine.h"
#include "keikai/store/store.h"
#include "errors.h"
#include "rules_cmd.h"
#include "run_cmd.h"
#include "mail_cmd.h"
#include "milter_cmd.h"
#include "sweep_cmd.h"

namespace keikai::cli {
namespace {

// CLI11's own error messages, in the user's language: the common kinds are recognised by their
// class and the words CLI11 uses, the argument they name is kept; anything else is shown as
// CLI11 says it, after a lead-in in the user's language.
std::string CliErrorText(const CLI::ParseError& e) {
  const std::string what = e.what();
  const std::string kind = e.get_name();
  auto after = [&](std::string_view marker) {
    const std::size_t p = what.find(marker);
    return p == std::string::npos ? std::string() : what.substr(p + marker.size());
  };
  auto fill = [](const char* key, const std::string& arg) { return report::ReplaceAll(Tr(key), "{arg}", arg); };
  if (kind == "RequiredError") {
    if (what.find("subcommand") != std::string::npos) return Tr("cli.subcommand_required");
    const std::size_t p = what.find(" is required");
    if (p != std::string::npos) return fill("cli.required", what.substr(0, p));
  }
  if (kind == "ExtrasError" || what.find("not expected") != std::string::npos) {
    const std::string extra = what.substr(what.find(':') == std::string::npos ? 0 : what.find(':') + 2);
    return fill("cli.not_expected", extra);
  }
  if (kind == "ValidationError") {
    // "--max-line: Value 3 not in range 256 to 67108864", or a validator's own words.
    const std::size_t colon = what.find(": ");
    const std::string opt = colon == std::string::npos ? std::string() : what.substr(0, colon);
    if (what.find("not in range") != std::string::npos) {
      return report::ReplaceAll(fill("cli.out_of_range", opt), "{detail}", what.substr(colon + 2));
    }
    if (what.find("looks like an option") != std::string::npos) return fill("cli.missing_value", opt);
    return report::ReplaceAll(fill("cli.invalid_value", opt), "{detail}", colon == std::string::npos ? what : what.substr(colon + 2));
  }
  if (kind == "ConversionError" || kind == "ArgumentMismatch") {
    const std::string opt = what.substr(0, what.find(':'));
    return report::ReplaceAll(fill("cli.invalid_value", opt.rfind("Could not convert", 0) == 0 ? after("convert: ") : opt),
                              "{detail}", what);
  }
  return std::string(Tr("cli.error")) + ": " + what;
}

// A value that starts with "--" is the next option, not a value the user gave (CLI11 would
// take "--format" as the site in "--site --format json").
const CLI::Validator& NotAnOption() {
  static const CLI::Validator v(
      [](std::string& s) -> std::string {
        return s.size() > 2 && s.rfind("--", 0) == 0 ? "looks like an option (" + s + "): the value is missing" : "";
      },
      "", "NOT_AN_OPTION");
  return v;
}

// Options shared by scan and demo.
struct ScanArgs {
  std::vector<std::string> inputs;
  std::string site, log_format, format = "text", output, db, tz, home_country = "JP", geoip, log_tz;
  std::vector<std::string> trusted;
  std::size_t max_line = 64 * 1024;
  std::size_t bad_samples = 20;
  bool no_progress = false;
  bool dry_run = false;
  int window = 90;
  bool no_behavior = false;
  bool prefixes = false;
  std::size_t max_sources = detect::BehaviorOptions{}.max_sources;
  bool verify_crawlers = false;
  std::string crs;
  int paranoia = 1;
  bool follow_symlinks = false;
  int lock_wait = 600;
  std::size_t max_sites = 1000;
  std::size_t threads = 0;
  int report_days = 400;
  std::size_t report_sites = 20;
  int crs_budget_ms = 100;
  std::string config;              // --config: the daemon's configuration (sites, logs, store)
  std::set<std::string> given;     // the options given on the command line (they win over it)
};

// The configuration's sites and mail logs as inputs with options of their own, and its
// settings where the command line gave none. Each log is read with its first rotated copy
// (path.1), where lines written just before a rotation are. False (problems printed) when the
// configuration is not valid.
bool ApplyConfig(ScanArgs& a, pipeline::ScanOptions& so) {
  std::vector<config::Problem> problems;
  const config::Config c = config::Load(a.config, problems);
  for (const config::Problem& p : problems) Error(p.ToString());
  if (!problems.empty()) return false;
  const auto unset = [&](const char* opt) { return a.given.count(opt) == 0; };
  if (unset("--db") && !c.store.empty()) a.db = c.store;
  if (unset("--tz") && !c.timezone.empty()) a.tz = c.timezone;
  if (unset("--home-country")) a.home_country = c.home_country;
  if (unset("--window-days")) a.window = c.window_days;
  if (unset("--report-days")) a.report_days = c.report_days;
  if (unset("--report-sites")) a.report_sites = static_cast<std::size_t>(c.report_sites);
  if (unset("--no-behavior")) a.no_behavior = !c.behavior;
  if (unset("--crs")) a.crs = c.crs;
  if (unset("--paranoia")) a.paranoia = c.paranoia;
  if (unset("--max-sources") && c.max_sources != 0) a.max_sources = c.max_sources;
  if (unset("--verify-crawlers")) a.verify_crawlers = c.verify_crawlers;
  so.configured = config::Inputs(c);
  return true;
}

class Progress {
 public:
  explicit Progress(bool on) : on_(on) {}
  void Update(const std::string& file, uint64_t pos, uint64_t size, uint64_t lines) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && pos < size) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::string name = TerminalSafe(std::filesystem::path(file).filename().string());
    if (name.size() > 28) name = name.substr(0, 25) + "...";
    if (size > 0) {
      const int pct = static_cast<int>(100.0 * static_cast<double>(pos) / static_cast<double>(size));
      const int w = 24, fill = std::min(w, pct * w / 100);
      std::fprintf(stderr, "\r%-28s [%s%s] %3d%% %12llu %s", name.c_str(),
                   std::string(static_cast<std::size_t>(fill), '#').c_str(),
                   std::string(static_cast<std::size_t>(w - fill), ' ').c_str(), pct,
                   static_cast<unsigned long long>(lines), Tr("text.lines"));
    } else {
      std::fprintf(stderr, "\r%-28s %12llu %s  %.0f %s", name.c_str(),
                   static_cast<unsigned long long>(lines), Tr("text.lines"),
                   secs > 0 ? static_cast<double>(lines) / secs : 0.0, Tr("msg.lines_per_sec"));
    }
    dirty_ = true;
  }
  void Done() {
    if (on_ && dirty_) std::fprintf(stderr, "\r\x1b[K");
  }

 private:
  bool on_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// The --format names, from the renderer registry.
std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const report::Renderer& r : report::Renderers()) names.emplace_back(r.name);
  return names;
}

// Opens the database a command names (given as it should be opened), saying on stderr when it
// has to wait for another writer; a failure is printed and gives null.
std::unique_ptr<store::Store> OpenStore(const std::string& db, store::OpenOptions oo) {
  oo.on_wait = [&db](const std::string& holder) {
    Notice(report::FillTemplate(Tr("msg.waiting_for_lock"), {{"{db}", db}, {"{holder}", holder}}));
  };
  auto st = store::Open(db, oo);
  if (!st.ok()) {
    Error(st.status());
    return nullptr;
  }
  return std::move(st).value();
}

// The zone for a report's dates: --tz; else JST for Japanese; else nullopt (the logs' own zone,
// decided once it is known). false when --tz names no zone (printed).
bool GivenZone(const std::string& name, std::optional<TimeZone>& tz) {
  if (name.empty() && CurrentLang() != Lang::kJa) return true;
  const std::string tzname = !name.empty() ? name : "Asia/Tokyo";
  tz = TimeZone::Make(tzname);
  if (!tz) Error(std::string(Tr("err.bad_tz")) + ": " + tzname);
  return tz.has_value();
}

// The zone of an offset the logs carried (seconds east of UTC).
TimeZone ZoneOfOffset(int32_t off) {
  return off == 9 * 3600 ? TimeZone::Jst() : off == 0 ? TimeZone::Utc() : *TimeZone::Make(TimeZone::FormatOffset(off));
}

// Runs a scan and writes the chosen output; returns the exit code: 0 when every input was read,
// 1 when one could not be (or most of a file's lines were bad: the report says so first), when
// nothing could be read, or on a fatal error; 2 for usage errors.
int RunScan(const ScanArgs& args, report::Report* out_report = nullptr,
            const std::string& html_path = "", const std::string& json_path = "") {
  // Dates are shown in --tz; else JST for Japanese; else the zone the logs themselves carry.
  pipeline::ScanOptions so;
  ScanArgs a = args;
  if (!a.config.empty() && !ApplyConfig(a, so)) return 2;
  if (a.inputs.empty() && so.configured.empty()) {
    Error(Tr("err.no_inputs"));
    return 2;
  }
  std::optional<TimeZone> tz;
  if (!GivenZone(a.tz, tz)) return 2;
  so.inputs = a.inputs;
  so.site = a.site;
  so.log_format = a.log_format;
  so.max_line = a.max_line;
  so.bad_line_samples = a.bad_samples;
  so.max_sites = a.max_sites;
  so.threads = a.threads;
  so.behavior = !a.no_behavior;
  so.behavior_options.max_sources = a.max_sources;
  so.behavior_options.verify_crawlers = a.verify_crawlers;
  if (a.prefixes) {
    so.behavior_options.prefix_v4 = 24;
    so.behavior_options.prefix_v6 = 64;
  }
  for (const std::string& t : a.trusted) {
    http::IpPrefix p;
    if (!http::IpPrefix::Parse(t, p)) {
      Error("--trusted-proxy " + t + ": " + Tr("err.bad_proxy"));
      return 2;
    }
    so.trusted_proxies.push_back(p);
  }
  if (!a.log_format.empty()) {
    Status p = pipeline::CheckLogFormat(a.log_format);  // fail early with the position of the problem
    if (!p.ok()) {
      Error(p, "--log-format");
      return 2;
    }
  }
  if (!a.log_tz.empty()) {
    // Logs that write local time without a zone (syslog, Dovecot) are read in this zone.
    const auto z = TimeZone::Make(a.log_tz);
    if (!z) {
      Error(std::string(Tr("err.bad_tz")) + ": " + a.log_tz);
      return 2;
    }
    so.log_zone_offset = z->OffsetAt(std::time(nullptr));
  }
  // The outputs first: a path that cannot be written is found before the scan, and nothing is
  // replaced until the scan has succeeded (OutputFile writes beside it and renames).
  auto out = OutputFile::Create(a.output, a.follow_symlinks);
  if (!out.ok()) {
    Error(out.status());
    return 1;
  }
  std::vector<std::pair<OutputFile, bool>> extra;  // (file, html) for the demo's reports
  for (const auto& [path, html] : {std::pair{html_path, true}, std::pair{json_path, false}}) {
    if (path.empty()) continue;
    auto f = OutputFile::Create(path, a.follow_symlinks);
    if (!f.ok()) {
      Error(f.status());
      return 1;
    }
    extra.emplace_back(std::move(f).value(), html);
  }
  if (!a.crs.empty()) {
    auto rs = rules::LoadCrs(a.crs, a.paranoia, DefaultCacheDir(), /*for_logs=*/true,
                             static_cast<uint32_t>(a.crs_budget_ms) * 1000);
    if (!rs.ok()) {
      Error(rs.status(), "--crs");
      return 2;
    }
    so.rules = rs.value();
  }
  OutputFile& outf = out.value();
  uint64_t ndjson_lines = 0;
  const report::Renderer* renderer = report::FindRenderer(a.format);
  if (renderer->detection != nullptr) {
    so.on_detection = [&outf, &ndjson_lines, renderer](const pipeline::DetectionEvent& ev) {
      outf.Write(renderer->detection(ev));
      ++ndjson_lines;
    };
  }
  Progress progress(!a.no_progress && isatty(2) != 0);
  so.on_progress = [&](const std::string& f, uint64_t pos, uint64_t size, uint64_t lines) {
    progress.Update(f, pos, size, lines);
  };

  const auto tm0 = std::chrono::steady_clock::now();
  auto tmark = [&](const char* what) {
    if (std::getenv("KEIKAI_TIMING") != nullptr) {
      std::fprintf(stderr, "[timing] %-10s %.3f s\n", what,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - tm0).count());
    }
  };
  // The database: checked and locked before the scan, so a damaged, read-only or busy database
  // is reported now rather than after reading every input.
  const std::string db_path = a.dry_run ? ":memory:" : a.db.empty() ? store::DefaultDbPath() : a.db;
  store::OpenOptions oo;
  oo.lock_wait_seconds = a.lock_wait;
  const std::unique_ptr<store::Store> store = OpenStore(db_path, oo);
  if (!store) return 1;
  tmark("store");
  auto det = detect::DetectorSet::Build(detect::Builtins(), DefaultCacheDir());
  if (!det.ok()) {
    Error(det.status());
    return 1;
  }
  tmark("detectors");
  auto geo = geo::Open(a.geoip, DefaultCacheDir());
  tmark("geo");
  if (!geo.ok()) Error(std::string(Tr("err.geo")) + " (" + geo.status().message() + ")");
  auto res = pipeline::Scan(so, *store, det.value(), geo.ok() ? geo.value().get() : nullptr);
  progress.Done();
  tmark("scan");
  if (!res.ok()) {
    // Nothing is replaced: the outputs' temporary files go with their OutputFile.
    Error(res.status());
    return 1;
  }
  if (!tz) {
    // The zone the logs carry: from this run's lines, else from what the store remembers of
    // these sites (a rescan that found everything ingested parses no line), else UTC.
    int32_t off = res.value().has_offset ? res.value().dominant_offset : 0;
    if (!res.value().has_offset) {
      auto remembered = store->SiteOffset(res.value().sites);
      if (remembered.ok() && remembered.value()) off = *remembered.value();
    }
    tz = ZoneOfOffset(off);
  }
  report::BuildOptions bo;
  bo.tz = *tz;
  bo.home_country = a.home_country;
  bo.trend.window_days = a.window;
  bo.report_days = a.report_days;
  bo.max_sites = a.report_sites;
  bo.detector.window_days = a.window;

  auto rep = report::BuildReport(*store, &res.value(), bo);
  if (!rep.ok()) {
    Error(rep.status());
    return 1;
  }
  const report::Report& r = rep.value();
  tmark("report");
  // A scan that read nothing replaces no report file: the old one stays, and stderr says why.
  const bool failed = r.status == "failed";
  for (const report::Problem& p : r.problems) {
    Error((p.file.empty() ? "" : p.file + ": ") + p.detail);
  }
  if (failed && outf.replaces_file()) {
    Error(report::FillTemplate(Tr("err.output_kept"), {{"{path}", a.output}}));
    return 1;
  }
  if (renderer->report != nullptr) {
    report::RenderOptions ro;
    ro.color = a.format == "text" && outf.is_stdout() && isatty(1) != 0;
    outf.Write(renderer->report(r, ro));
  }
  Status committed = outf.Commit();
  if (!committed.ok()) {
    Error(committed);
    return 1;
  }
  if (renderer->detection != nullptr) {
    // A streaming output has no report to carry the notes (a CRS budget, folded sites, skipped
    // subdirectories): they go to stderr.
    for (const std::string& n : r.notes) Notice(n);
  }
  if (renderer->detection != nullptr && ndjson_lines == 0 && r.summary.parsed == 0 &&
      r.summary.already_ingested > 0) {
    // Nothing new: say so, and how to see those lines' detections again.
    Notice(report::FillTemplate(Tr("msg.ndjson_nothing_new"),
                        {{"{lines}", report::Thousands(r.summary.already_ingested)}}));
  }
  tmark("render");
  for (auto& [f, html] : extra) {
    if (failed) break;
    f.Write(html ? report::RenderHtml(r) : report::RenderJson(r));
    Status c = f.Commit();
    if (!c.ok()) {
      Error(c);
      return 1;
    }
  }
  if (out_report != nullptr) *out_report = r;
  return r.status == "complete" ? 0 : 1;
}

// keikai report: the report of what the database holds, reading no input (what a daemon or
// earlier scans have stored). It only reads: no lock, nothing created, and a scan or the daemon
// may write meanwhile. Exit 0 with a report, 1 when the database cannot be read, 2 for usage.
struct ReportArgs {
  std::string db, format = "text", output, tz, home_country = "JP";
  std::vector<std::string> sites;
  int window = 90;
  int report_days = 400;
  std::size_t report_sites = 20;
  bool follow_symlinks = false;
};

int RunReport(const ReportArgs& a) {
  std::optional<TimeZone> tz;
  if (!GivenZone(a.tz, tz)) return 2;
  const report::Renderer* renderer = report::FindRenderer(a.format);
  if (renderer == nullptr || renderer->report == nullptr) {
    Error(report::FillTemplate(Tr("err.report_format"), {{"{format}", a.format}}));
    return 2;
  }
  auto out = OutputFile::Create(a.output, a.follow_symlinks);
  if (!out.ok()) {
    Error(out.status());
    return 1;
  }
  store::OpenOptions oo;
  oo.write = false;
  oo.create = false;
  const std::unique_ptr<store::Store> store = OpenStore(a.db.empty() ? store::DefaultDbPath() : a.db, oo);
  if (!store) return 1;
  if (!a.sites.empty()) {
    auto known = store->Sites();
    if (!known.ok()) {
      Error(known.status());
      return 1;
    }
    for (const std::string& site : a.sites) {
      if (std::find(known.value().begin(), known.value().end(), site) == known.value().end()) {
        Error(site + ": " + Tr("err.no_such_site"));
        return 1;
      }
    }
  }
  if (!tz) {
    auto remembered = store->SiteOffset(a.sites);
    tz = ZoneOfOffset(remembered.ok() && remembered.value() ? *remembered.value() : 0);
  }
  report::BuildOptions bo;
  bo.sites = a.sites;
  bo.tz = *tz;
  bo.home_country = a.home_country;
  bo.trend.window_days = a.window;
  bo.detector.window_days = a.window;
  bo.report_days = a.report_days;
  bo.max_sites = a.report_sites;
  auto rep = report::BuildReport(*store, nullptr, bo);
  if (!rep.ok()) {
    Error(rep.status());
    return 1;
  }
  report::RenderOptions ro;
  ro.color = a.format == "text" && out.value().is_stdout() && isatty(1) != 0;
  out.value().Write(renderer->report(rep.value(), ro));
  Status committed = out.value().Commit();
  if (!committed.ok()) {
    Error(committed);
    return 1;
  }
  return 0;
}

// keikai config check FILE: every problem of a daemon configuration, one per line
// ("file:line:column: key: why"), then a summary; exit 0 when valid, 1 otherwise.
int RunConfigCheck(const std::string& path) {
  std::vector<config::Problem> problems;
  const config::Config c = config::Load(path, problems);
  for (const config::Problem& p : problems) std::printf("%s\n", TerminalSafe(p.ToString()).c_str());
  if (!problems.empty()) {
    std::printf("%s\n", TerminalSafe(report::FillTemplate(Tr("config.problems"), {{"{file}", path},
                                                                               {"{n}", std::to_string(problems.size())}}))
                             .c_str());
    return 1;
  }
  std::size_t logs = c.mail_logs.size();
  for (const config::Site& s : c.sites) logs += s.logs.size();
  std::printf("%s\n", TerminalSafe(report::FillTemplate(Tr("config.ok"), {{"{file}", path},
                                                                       {"{sites}", std::to_string(c.sites.size())},
                                                                       {"{logs}", std::to_string(logs)},
                                                                       {"{services}", std::to_string(c.mail_services.size())},
                                                                       {"{alerts}", std::to_string(c.alerts.size())}}))
                           .c_str());
  return 0;
}

void AddScanOptions(CLI::App* c, ScanArgs& a) {
  c->add_option("--site", a.site, Tr("opt.site"))->check(NotAnOption());
  c->add_option("--log-format", a.log_format, Tr("opt.log_format"))->check(NotAnOption());
  c->add_option("--db", a.db, Tr("opt.db"))->check(NotAnOption());
  c->add_option("--tz", a.tz, Tr("opt.tz"))->check(NotAnOption());
  c->add_option("--log-tz", a.log_tz, Tr("opt.log_tz"))->check(NotAnOption());
  c->add_option("--home-country", a.home_country, Tr("opt.home_country"))->check(NotAnOption());
  c->add_option("--geoip", a.geoip, Tr("opt.geoip"))->check(NotAnOption());
  c->add_option("--trusted-proxy", a.trusted, Tr("opt.trusted_proxy"));
  c->add_option("--max-line", a.max_line, Tr("opt.max_line"))->check(CLI::Range(256, 64 << 20));
  c->add_option("--threads", a.threads, Tr("opt.threads"))->check(CLI::Range(std::size_t{0}, std::size_t{256}));
  c->add_option("--bad-samples", a.bad_samples, Tr("opt.bad_samples"));
  c->add_option("--window-days", a.window, Tr("opt.window"))->check(CLI::Range(7, 3650));
  c->add_flag("--no-progress", a.no_progress, Tr("opt.no_progress"));
  c->add_flag("--no-behavior", a.no_behavior, Tr("opt.no_behavior"));
  c->add_flag("--by-prefix", a.prefixes, Tr("opt.by_prefix"));
  c->add_option("--max-sources", a.max_sources, Tr("opt.max_sources"))
      ->check(CLI::Range(std::size_t{16}, std::size_t{100'000'000}));
  c->add_flag("--verify-crawlers", a.verify_crawlers, Tr("opt.verify_crawlers"));
  c->add_option("--crs", a.crs, Tr("opt.crs"))->check(NotAnOption());
  c->add_option("--paranoia", a.paranoia, Tr("opt.paranoia"))->check(CLI::Range(1, 4));
  c->add_option("--crs-budget-ms", a.crs_budget_ms, Tr("opt.crs_budget"))->check(CLI::Range(0, 600000));
  c->add_option("--lock-wait", a.lock_wait, Tr("opt.lock_wait"))->check(CLI::Range(0, 86400));
  c->add_option("--max-sites", a.max_sites, Tr("opt.max_sites"))
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  c->add_option("--report-days", a.report_days, Tr("opt.report_days"))->check(CLI::Range(1, 3660));
  c->add_option("--report-sites", a.report_sites, Tr("opt.report_sites"))
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
}

int RunDemo(ScanArgs a, const std::string& dir, const std::string& generate_only, double scale,
            uint64_t seed) {
  demo::Options o;
  o.scale = scale;
  o.seed = seed;
  const bool only = !generate_only.empty();
  const std::string logs = only ? generate_only : dir + "/logs";
  std::fprintf(stderr, "%s: %s\n", Tr("msg.generating"), logs.c_str());
  auto truth = demo::Generate(o, logs);
  if (!truth.ok()) {
    Error(truth.status());
    return 1;
  }
  if (only) {
    for (const auto& s : truth.value().sites) {
      std::printf("%s/%s\t%llu\n", logs.c_str(), s.file.c_str(),
                  static_cast<unsigned long long>(s.lines));
    }
    return 0;
  }
  // A fresh database each time, so the demo is reproducible.
  const std::string db = dir + "/keikai.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  a.inputs = {logs + "/*.log"};
  a.db = db;
  const std::string html = dir + "/report.html", json = dir + "/report.json";
  report::Report r;
  const int rc = RunScan(a, &r, html, json);
  if (rc != 0) return rc;
  const auto& t = truth.value();
  std::printf("\n%s: %s .. (x%.0f)\n", Tr("msg.seeded"), t.surge_start.c_str(),
              t.sites.empty() ? 0.0 : t.sites.front().seeded_peak_ratio);
  std::printf("%s: %s/\n%s: %s\n%s: %s\n%s: %s\n", Tr("msg.demo_logs"), logs.c_str(),
              Tr("msg.report_html"), html.c_str(), Tr("msg.report_json"), json.c_str(),
              Tr("msg.database"), db.c_str());
  return 0;
}

// `keikai sites`: the sites in a database; `keikai sites rename FROM TO`: relabel one.
int RunSites(const std::string& db_arg, bool rename, const std::string& from, const std::string& to) {
  const std::string db = db_arg.empty() ? store::DefaultDbPath() : db_arg;
  store::OpenOptions oo;
  oo.write = rename;
  oo.create = false;
  const std::unique_ptr<store::Store> store = OpenStore(db, oo);
  if (!store) return 1;
  if (rename) {
    auto known = store->Sites();
    if (!known.ok()) {
      Error(known.status());
      return 1;
    }
    if (std::find(known.value().begin(), known.value().end(), from) == known.value().end()) {
      Error(from + ": " + Tr("err.no_such_site"));
      return 1;
    }
    auto moved = store->RenameSite(from, to);
    if (!moved.ok()) {
      Error(moved.status());
      return 1;
    }
    std::printf("%s\n", TerminalSafe(report::FillTemplate(Tr("msg.site_renamed"),
                                                          {{"{from}", from}, {"{to}", to},
                                                           {"{rows}", report::Thousands(moved.value())}}))
                              .c_str());
    return 0;
  }
  auto rows = store->SiteRequests({});
  if (!rows.ok()) {
    Error(rows.status());
    return 1;
  }
  std::printf("%s\n", TerminalSafe(report::FillTemplate(Tr("msg.sites_header"), {{"{db}", db}})).c_str());
  for (const auto& [site, n] : rows.value()) {
    auto last = store->LastHour({site});
    std::string day = "-";
    if (last.ok() && last.value()) day = FormatDate(*last.value() / 24);
    std::printf("  %-40s %14s  %s\n", TerminalSafe(site).c_str(), report::Thousands(n).c_str(), day.c_str());
  }
  return 0;
}

Lang PreScanLang(int argc, char** argv, bool& bad) {
  Lang lang = LangFromEnvironment();
  for (int i = 1; i < argc; ++i) {
    std::string_view s = argv[i];
    std::string_view v;
    if (s == "--lang" && i + 1 < argc) v = argv[i + 1];
    else if (s.rfind("--lang=", 0) == 0) v = s.substr(7);
    else continue;
    if (!ParseLang(v, lang)) bad = true;
  }
  return lang;
}

}  // namespace

int Main(int argc, char** argv) {
  bool bad_lang = false;
  SetLang(PreScanLang(argc, argv, bad_lang));
  if (bad_lang) {
    Error(Tr("err.bad_lang"));
    return 2;
  }
  try {
    CLI::App app{Tr("app.description"), "keikai"};
    // Headings: CLI11 prints each option's group name and "Subcommands" as they are set.
    app.option_defaults()->group(Tr("cli.options"));
    app.set_version_flag("--version", std::string("keikai ") + KEIKAI_VERSION, Tr("opt.version"));
    if (CurrentLang() == Lang::kJa) {
      auto fmt = app.get_formatter();
      fmt->label("Usage", "使い方");
      fmt->label("OPTIONS", "オプション");
      fmt->label("Options", "オプション");
      fmt->label("Positionals", "位置引数");
      fmt->label("SUBCOMMAND", "サブコマンド");
      fmt->label("Subcommands", "サブコマンド");
      fmt->label("REQUIRED", "必須");
    }
    app.set_help_flag("-h,--help", Tr("opt.help"));
    std::string lang_opt;
    app.add_option("--lang", lang_opt, Tr("opt.lang"));
    app.require_subcommand(1);
    app.fallthrough();  // --lang is accepted after the subcommand too

    ScanArgs scan_args;
    CLI::App* scan = app.add_subcommand("scan", Tr("cmd.scan"));
    scan->add_option("inputs", scan_args.inputs, Tr("opt.inputs"));
    scan->add_option("--config", scan_args.config, Tr("opt.scan_config"))->check(NotAnOption());
    scan->add_option("--format", scan_args.format, Tr("opt.format"))
        ->check(CLI::IsMember(FormatNames()));
    scan->add_option("-o,--output", scan_args.output, Tr("opt.output"))->check(NotAnOption());
    scan->add_flag("--follow-symlinks", scan_args.follow_symlinks, Tr("opt.follow_symlinks"));
    scan->add_flag("--dry-run", scan_args.dry_run, Tr("opt.dry_run"));
    AddScanOptions(scan, scan_args);

    ScanArgs demo_args;
    std::string demo_dir = "keikai-demo", generate_only;
    double scale = 1.0;
    uint64_t seed = demo::Options{}.seed;
    CLI::App* demo = app.add_subcommand("demo", Tr("cmd.demo"));
    demo->add_option("--dir", demo_dir, Tr("opt.demo_dir"));
    demo->add_option("--generate-only", generate_only, Tr("opt.generate_only"));
    demo->add_option("--scale", scale, Tr("opt.scale"))->check(CLI::Range(0.001, 100.0));
    demo->add_option("--seed", seed, Tr("opt.seed"));
    demo->add_option("--tz", demo_args.tz, Tr("opt.tz"));
    demo->add_flag("--no-progress", demo_args.no_progress, Tr("opt.no_progress"));

    ReportArgs report_args;
    CLI::App* report_cmd = app.add_subcommand("report", Tr("cmd.report"));
    report_cmd->add_option("--db", report_args.db, Tr("opt.db"))->check(NotAnOption());
    report_cmd->add_option("--site", report_args.sites, Tr("opt.report_site"))->check(NotAnOption());
    report_cmd->add_option("--format", report_args.format, Tr("opt.report_format"))
        ->check(CLI::IsMember(FormatNames()));
    report_cmd->add_option("-o,--output", report_args.output, Tr("opt.output"))->check(NotAnOption());
    report_cmd->add_flag("--follow-symlinks", report_args.follow_symlinks, Tr("opt.follow_symlinks"));
    report_cmd->add_option("--tz", report_args.tz, Tr("opt.tz"))->check(NotAnOption());
    report_cmd->add_option("--home-country", report_args.home_country, Tr("opt.home_country"))->check(NotAnOption());
    report_cmd->add_option("--window-days", report_args.window, Tr("opt.window"))->check(CLI::Range(7, 3650));
    report_cmd->add_option("--report-days", report_args.report_days, Tr("opt.report_days"))->check(CLI::Range(1, 3660));
    report_cmd->add_option("--report-sites", report_args.report_sites, Tr("opt.report_sites"))
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));

    RunArgs run_args;
    CLI::App* run_cmd = app.add_subcommand("run", Tr("cmd.run"));
    run_cmd->add_option("--config", run_args.config, Tr("opt.run_config"))->required()->check(NotAnOption());
    run_cmd->add_flag("--once", run_args.once, Tr("opt.once"));

    std::string config_file;
    CLI::App* config_cmd = app.add_subcommand("config", Tr("cmd.config"));
    CLI::App* config_check = config_cmd->add_subcommand("check", Tr("cmd.config_check"));
    config_check->add_option("file", config_file, Tr("opt.config_file"))->required();
    config_cmd->require_subcommand(1);

    CLI::App* formats = app.add_subcommand("formats", Tr("cmd.formats"));
    CLI::App* detectors = app.add_subcommand("detectors", Tr("cmd.detectors"));
    CLI::App* version = app.add_subcommand("version", Tr("cmd.version"));
    std::string sites_db, rename_from, rename_to;
    CLI::App* sites_cmd = app.add_subcommand("sites", Tr("cmd.sites"));
    sites_cmd->add_option("--db", sites_db, Tr("opt.db"))->check(NotAnOption());
    std::string check_db;
    bool check_full = false;
    CLI::App* db_cmd = app.add_subcommand("db", Tr("cmd.db"));
    CLI::App* db_check = db_cmd->add_subcommand("check", Tr("cmd.db_check"));
    db_check->add_option("--db", check_db, Tr("opt.db"))->check(NotAnOption());
    db_check->add_flag("--full", check_full, Tr("opt.db_full"));
    db_cmd->require_subcommand(1);
    CLI::App* rename_cmd = sites_cmd->add_subcommand("rename", Tr("cmd.sites_rename"));
    rename_cmd->add_option("from", rename_from, Tr("opt.site_from"))->required();
    rename_cmd->add_option("to", rename_to, Tr("opt.site_to"))->required();
    rename_cmd->add_option("--db", sites_db, Tr("opt.db"))->check(NotAnOption());
    const RulesCommands rules_cmds = AddRulesCommands(app);
    const MailCommands mail_cmds = AddMailCommands(app);
    MilterArgs milter_args;
    CLI::App* milter_cmd = AddMilter(app, milter_args);
    SweepArgs sweep_args;
    CLI::App* sweep_cmd = AddSweep(app, sweep_args);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      sub->group(Tr("cli.subcommands"));
      for (CLI::Option* o : sub->get_options()) {
        if (o->get_group() == "Options") o->group(Tr("cli.options"));  // its own help flag
      }
    }

    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      Error(CliErrorText(e));
      std::fprintf(stderr, "%s\n", Tr("cli.see_help"));
      return 2;
    }

    if (scan->parsed()) {
      for (CLI::Option* o : scan->get_options()) {
        if (o->count() > 0) scan_args.given.insert(o->get_name());
      }
      return RunScan(scan_args);
    }
    if (report_cmd->parsed()) return RunReport(report_args);
    if (config_check->parsed()) return RunConfigCheck(config_file);
    if (run_cmd->parsed()) {
      run_args.lang_given = !lang_opt.empty();
      return RunDaemon(run_args);
    }
    if (const int rc = RunRulesCommands(rules_cmds); rc >= 0) return rc;
    if (const int rc = RunMailCommands(mail_cmds); rc >= 0) return rc;
    if (milter_cmd->parsed()) return RunMilter(milter_args);
    if (sweep_cmd->parsed()) return RunSweep(sweep_args);
    if (demo->parsed()) return RunDemo(demo_args, demo_dir, generate_only, scale, seed);
    if (formats->parsed()) {
      std::printf("%s\n", Tr("msg.formats_header"));
      for (const auto& f : ingest::Formats()) {
        std::printf("  %-16s %s\n", std::string(f.name).c_str(),
                    std::string(CurrentLang() == Lang::kJa ? f.help_ja : f.help_en).c_str());
      }
      for (const auto& f : mail::Formats()) {
        std::printf("  %-16s %s\n", std::string(f.name).c_str(),
                    std::string(CurrentLang() == Lang::kJa ? f.help_ja : f.help_en).c_str());
      }
      std::printf("%s\n", Tr("msg.formats_custom"));
      return 0;
    }
    if (detectors->parsed()) {
      std::printf("%s\n", Tr("msg.detectors_header"));
      for (const auto& d : detect::Builtins()) {
        std::printf("  %-18s %-9s %5zu %s  %s\n", std::string(d.id).c_str(),
                    std::string(detect::ClassName(d.cls)).c_str(), d.patterns.size(),
                    Tr("msg.patterns"),
                    std::string(CurrentLang() == Lang::kJa ? d.help_ja : d.help_en).c_str());
      }
      return 0;
    }
    if (version->parsed()) {
      std::printf("keikai %s\n", KEIKAI_VERSION);
      return 0;
    }
    if (sites_cmd->parsed()) return RunSites(sites_db, rename_cmd->parsed(), rename_from, rename_to);
    if (db_check->parsed()) {
      // The check every open makes (quick_check), or the full one (integrity_check), read-only.
      const std::string db = check_db.empty() ? store::DefaultDbPath() : check_db;
      store::OpenOptions oo;
      oo.write = false;
      oo.migrate = false;
      oo.full_check = check_full;
      if (!OpenStore(db, oo)) return 1;
      std::printf("%s\n", TerminalSafe(report::FillTemplate(Tr(check_full ? "msg.db_ok_full" : "msg.db_ok"), {{"{db}", db}})).c_str());
      return 0;
    }
    return 2;
  } catch (const std::exception& e) {
    // Nothing here should throw; if it does, report it instead of aborting.
    Error(e.what());
    return 1;
  }
}

}  // namespace keikai::cli
