#include "sweep_cmd.h"

#include <cstdio>
#include <memory>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "yara_opt.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/yara.h"
#include "keikai/sweep/sweep.h"

namespace keikai::cli {
namespace {

using nlohmann::ordered_json;

ordered_json Time(int64_t t) { return t == sweep::kNoTime ? ordered_json(nullptr) : ordered_json(FormatIsoUtc(t)); }
std::string TimeText(int64_t t) { return t == sweep::kNoTime ? "-" : FormatIsoUtc(t); }

std::string RuleText(const std::string& code) {
  const std::string key = "sweep.rule." + code;
  return HasMsg(key) ? Tr(key) : code;
}
std::string ProblemText(const std::string& kind) {
  const std::string key = "sweep.problem." + kind;
  return HasMsg(key) ? Tr(key) : kind;
}

// "what: where: why" (why left out when the message says it all).
std::string ProblemLine(const std::string& dir, const sweep::Problem& p) {
  return ProblemText(p.kind) + ": " + (p.path.empty() ? dir : p.path) + (p.detail.empty() ? "" : ": " + p.detail);
}

ordered_json EvidenceJson(const sweep::Evidence& e) {
  ordered_json j = ordered_json::object();
  if (!e.sha256.empty()) j["sha256"] = e.sha256;
  if (e.size >= 0) j["size"] = e.size;
  if (e.mtime != sweep::kNoTime) j["mtime"] = Time(e.mtime);
  if (e.folder_mtime != sweep::kNoTime) j["folder_mtime"] = Time(e.folder_mtime);
  if (!e.pe.empty()) j["pe"] = e.pe;
  if (!e.run_key.empty()) {
    j["run"] = {{"key", e.run_key}, {"name", e.run_name}, {"data", e.run_data}, {"key_last_write", Time(e.run_key_last_write)}};
  } else if (e.run_key_last_write != sweep::kNoTime) {
    j["run_key_last_write"] = Time(e.run_key_last_write);
  }
  return j;
}

ordered_json ResultJson(const std::string& dir, const sweep::Result& r, int64_t max_file_bytes) {
  ordered_json findings = ordered_json::array();
  for (const sweep::Finding& f : r.findings) {
    findings.push_back({{"code", f.code}, {"score", f.score}, {"path", f.path}, {"detail", f.detail},
                        {"text", RuleText(f.code)}, {"evidence", EvidenceJson(f.evidence)}});
  }
  ordered_json keys = ordered_json::array();
  for (const sweep::RunKey& k : r.hive.keys) keys.push_back({{"path", k.path}, {"last_write", Time(k.last_write)}, {"values", k.values}});
  ordered_json values = ordered_json::array();
  for (const sweep::RunValue& v : r.hive.values) {
    values.push_back({{"key", v.key}, {"name", v.name}, {"type", v.type}, {"data", v.data}, {"key_last_write", Time(v.key_last_write)}});
  }
  ordered_json problems = ordered_json::array();
  for (const sweep::Problem& p : r.problems) problems.push_back({{"kind", p.kind}, {"path", p.path}, {"detail", p.detail}});
  ordered_json skipped = ordered_json::array();
  for (const sweep::Skipped& s : r.skipped) skipped.push_back({{"path", s.path}, {"size", s.size}});
  ordered_json hive = ordered_json(nullptr);
  if (!r.hive_path.empty()) {
    hive = {{"path", r.hive_path}, {"read", r.hive_read}, {"last_write", Time(r.hive.hive_last_write)},
            {"keys", keys}, {"values", values}, {"notes", r.hive.notes}};
    if (!r.hive.error.empty()) hive["error"] = r.hive.error;
  }
  return {{"profile", dir},
          {"verdict", r.verdict},
          {"score", r.score},
          {"worst", r.worst},
          {"status", r.complete() ? "complete" : "partial"},
          {"findings", findings},
          {"hive", hive},
          {"problems", problems},
          {"skipped", {{"count", r.skipped_count}, {"max_file_bytes", max_file_bytes}, {"files", skipped}}},
          {"counts", {{"files", r.files}, {"folders", r.folders}, {"symlinks_not_followed", r.symlinks}, {"hashed", r.hashed}}},
          {"notes", r.notes}};
}

// Names and Run data come from the copy: a line feed in them is shown escaped, so that a
// crafted name cannot forge lines of the report or of stderr (TerminalSafe, which the report
// and Error() apply, escapes the other controls and keeps line feeds).
std::string OneLine(const std::string& s) {
  std::string one;
  for (char c : s) {
    if (c == '\n') one += "\\n";
    else one += c;
  }
  return one;
}

// One line of the report.
void Line(const std::string& s) { std::printf("%s\n", TerminalSafe(OneLine(s)).c_str()); }

void PrintText(const std::string& dir, const sweep::Result& r, int64_t max_file_mb) {
  // A partial sweep that found nothing is not "clean" (JSON: verdict clean, status partial).
  const std::string verdict = r.verdict == "clean" && !r.complete() ? Tr("sweep.verdict_partial") : Tr("inspect.verdict." + r.verdict);
  Line(TrFill("sweep.header", {{"{dir}", dir}, {"{verdict}", verdict}, {"{score}", std::to_string(r.score)}}));
  if (!r.worst.empty()) Line("  " + TrFill("sweep.worst", {{"{path}", r.worst}}));
  if (!r.complete()) Line(Tr("sweep.partial"));
  if (!r.findings.empty()) Line(Tr("sweep.findings"));
  std::set<std::string> shown;  // the evidence of a path once, under its first finding
  for (const sweep::Finding& f : r.findings) {
    Line("  - [" + std::to_string(f.score) + "] " + RuleText(f.code) + " (" + f.code + ")");
    Line("      " + f.path + (f.detail.empty() ? "" : "  " + f.detail));
    if (!shown.insert(f.path).second) continue;
    const sweep::Evidence& e = f.evidence;
    std::vector<std::string> ev;
    if (e.size >= 0) ev.push_back(std::string(Tr("sweep.ev.size")) + " " + std::to_string(e.size));
    if (e.mtime != sweep::kNoTime) ev.push_back(std::string(Tr("sweep.ev.mtime")) + " " + TimeText(e.mtime));
    if (e.folder_mtime != sweep::kNoTime) ev.push_back(std::string(Tr("sweep.ev.folder_mtime")) + " " + TimeText(e.folder_mtime));
    if (e.run_key_last_write != sweep::kNoTime) ev.push_back(std::string(Tr("sweep.ev.run_time")) + " " + TimeText(e.run_key_last_write));
    if (!e.pe.empty()) ev.push_back(e.pe);
    if (!ev.empty()) {
      std::string line = "     ";
      for (const std::string& part : ev) line += " " + part + ";";
      line.pop_back();
      Line(line);
    }
    if (!e.sha256.empty()) Line("      " + std::string(Tr("sweep.ev.sha256")) + " " + e.sha256);
    if (!e.run_key.empty()) Line("      " + std::string(Tr("sweep.ev.run")) + ": " + e.run_name + " = " + e.run_data);
  }
  if (r.hive_read) {
    Line(TrFill("sweep.hive_read", {{"{path}", r.hive_path}, {"{values}", std::to_string(r.hive.values.size())}}));
    for (const sweep::RunKey& k : r.hive.keys) Line("  " + TrFill("sweep.hive_key", {{"{key}", k.path}, {"{time}", TimeText(k.last_write)}}));
    for (const std::string& n : r.hive.notes) Line("  " + n);
  }
  if (!r.problems.empty()) {
    Line(Tr("sweep.problems"));
    for (const sweep::Problem& p : r.problems) Line("  - " + ProblemLine(dir, p));
  }
  if (r.skipped_count > 0) {
    Line(TrFill("sweep.skipped", {{"{count}", std::to_string(r.skipped_count)}, {"{mb}", std::to_string(max_file_mb)}}));
    for (const sweep::Skipped& s : r.skipped) Line("  " + s.path + " (" + std::to_string(s.size) + ")");
  }
  if (r.symlinks > 0) Line(TrFill("sweep.symlinks", {{"{count}", std::to_string(r.symlinks)}}));
  for (const std::string& n : r.notes) Line(n);
  Line(TrFill("sweep.counts", {{"{files}", std::to_string(r.files)}, {"{folders}", std::to_string(r.folders)},
                               {"{hashed}", std::to_string(r.hashed)}, {"{findings}", std::to_string(r.findings.size())}}));
}

}  // namespace

CLI::App* AddSweep(CLI::App& app, SweepArgs& a) {
  CLI::App* c = app.add_subcommand("sweep", Tr("cmd.sweep"));
  c->add_option("dir", a.dir, Tr("opt.sweep_dir"))->required();
  c->add_option("--format", a.format, Tr("opt.sweep_format"));
  c->add_option("--yara", a.yara, Tr("opt.sweep_yara"));
  c->add_option("--sha256", a.sha256, Tr("opt.sweep_sha256"));
  c->add_option("--hive", a.hive, Tr("opt.sweep_hive"));
  c->add_option("--max-file-mb", a.max_file_mb, Tr("opt.sweep_max_file_mb"))->check(CLI::Range(int64_t{1}, int64_t{4096}));  // read whole into memory
  c->add_option("--max-files", a.max_files, Tr("opt.sweep_max_files"))->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  return c;
}

int RunSweep(const SweepArgs& a) {
  if (a.format != "text" && a.format != "json") {
    Error(TrFill("err.sweep_format", {{"{format}", a.format}}));
    return 2;
  }
  sweep::Options o;
  o.max_file_bytes = a.max_file_mb << 20;
  o.max_files = a.max_files;
  o.hive = a.hive;
  std::unique_ptr<inspect::YaraRules> yara;
  if (!LoadYara(a.yara, yara)) return 2;
  o.yara = yara.get();
  std::set<std::string> hashes;
  if (!a.sha256.empty()) {
    std::string error;
    if (!sweep::LoadSha256List(a.sha256, hashes, error)) {
      Error("--sha256: " + error);
      return 2;
    }
    o.sha256 = &hashes;
  }
  sweep::Result r;
  std::string error;
  if (!sweep::Sweep(a.dir, o, r, error)) {
    Error(error);
    return 2;
  }
  for (const sweep::Problem& p : r.problems) Error(OneLine(ProblemLine(a.dir, p)));
  if (a.format == "json") {
    std::printf("%s\n", EscapeBidiInJson(ResultJson(a.dir, r, o.max_file_bytes).dump(2, ' ', false, ordered_json::error_handler_t::replace)).c_str());
  } else {
    PrintText(a.dir, r, a.max_file_mb);
  }
  if (r.verdict == "malicious") return 3;
  if (r.verdict == "suspicious") return 1;
  return r.complete() ? 0 : 2;
}

}  // namespace keikai::cli
