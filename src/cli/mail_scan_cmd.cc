#include "mail_scan_cmd.h"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "yara_opt.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/scan.h"

namespace keikai::cli {
namespace {

using nlohmann::ordered_json;

std::string FindingText(const std::string& code) {
  const std::string key = "inspect.finding." + code;
  return HasMsg(key) ? Tr(key) : code;
}

void Notes(const inspect::Object& o, const std::string& path, std::vector<std::string>& out) {
  for (const std::string& n : o.notes) out.push_back((path.empty() ? "" : path + ": ") + n);
  for (const inspect::Object& c : o.children) Notes(c, path.empty() ? c.name : path + " > " + c.name, out);
}

ordered_json ObjectJson(const inspect::Object& o) {
  ordered_json findings = ordered_json::array();
  for (const inspect::Finding& f : o.findings) findings.push_back({{"code", f.code}, {"score", f.score}, {"detail", f.detail}});
  ordered_json children = ordered_json::array();
  for (const inspect::Object& c : o.children) children.push_back(ObjectJson(c));
  ordered_json j = {{"name", o.name}, {"type", o.type}, {"size", o.size}, {"sha256", o.sha256}, {"findings", findings}};
  if (!o.notes.empty()) j["notes"] = o.notes;
  j["children"] = children;
  return j;
}

}  // namespace

CLI::App* AddMailScan(CLI::App& mail, MailScanArgs& a) {
  CLI::App* c = mail.add_subcommand("scan", Tr("cmd.mail_scan"));
  c->add_option("paths", a.paths, Tr("opt.mail_scan_paths"))->required();
  c->add_option("--format", a.format, Tr("opt.mail_logs_format_tj"));
  c->add_option("--password", a.passwords, Tr("opt.mail_scan_password"));
  c->add_option("--max-depth", a.max_depth, Tr("opt.mail_scan_depth"))->check(CLI::Range(1, 32));
  c->add_option("--yara", a.yara, Tr("opt.mail_scan_yara"));
  return c;
}

int RunMailScan(const MailScanArgs& a) {
  if (a.format != "text" && a.format != "json") {
    Error(TrFill("err.report_format", {{"{format}", a.format}}));
    return 2;
  }
  inspect::ScanOptions o;
  o.max_depth = a.max_depth;
  std::unique_ptr<inspect::YaraRules> yara;
  if (!LoadYara(a.yara, yara)) return 2;
  o.yara = yara.get();
  o.extra_passwords = a.passwords;
  uint64_t counts[4] = {0, 0, 0, 0};  // clean, suspicious, malicious, error
  ordered_json messages = ordered_json::array();
  bool input_error = false;
  const auto each = [&](inspect::MessageVerdict&& v) {
    const int k = v.verdict == "clean" ? 0 : v.verdict == "suspicious" ? 1 : v.verdict == "malicious" ? 2 : 3;
    ++counts[k];
    const std::vector<inspect::LocatedFinding> reasons = inspect::FindingsByScore(v.root);
    std::vector<std::string> notes;
    Notes(v.root, "", notes);
    if (a.format == "json") {
      ordered_json rs = ordered_json::array();
      for (const auto& [path, f] : reasons) {
        rs.push_back({{"code", f->code}, {"score", f->score}, {"object", path}, {"detail", f->detail}, {"text", FindingText(f->code)}});
      }
      ordered_json m = {{"source", v.source}, {"verdict", v.verdict}, {"score", v.score}};
      if (!v.error.empty()) {
        m["error"] = v.error;
      } else {
        m["message_id"] = v.message_id;
        m["subject"] = v.subject;
        m["from"] = v.from;
        m["date"] = v.date;
        m["passwords_found"] = v.passwords.size();
        m["reasons"] = rs;
        m["notes"] = notes;
        m["objects"] = ObjectJson(v.root);
      }
      messages.push_back(std::move(m));
      return;
    }
    const std::string verdict = Tr("inspect.verdict." + v.verdict);
    std::string line = v.source + "  " + verdict;
    if (v.error.empty()) {
      line += " (" + TrFill("mailscan.score", {{"{score}", std::to_string(v.score)}}) + ")  " + v.subject;
    } else {
      line += "  " + v.error;
    }
    std::printf("%s\n", TerminalSafe(line).c_str());
    for (const auto& [path, f] : reasons) {
      if (f->score == 0 && f->code != "encrypted_archive_opened") continue;
      std::string r = "  - [" + std::to_string(f->score) + "] " + FindingText(f->code);
      if (!path.empty()) r += "  (" + path + ")";
      if (!f->detail.empty()) r += ": " + f->detail;
      std::printf("%s\n", TerminalSafe(r).c_str());
    }
    for (const std::string& n : notes) std::printf("    %s\n", TerminalSafe(n).c_str());
  };
  for (const std::string& p : a.paths) {
    std::string error;
    if (!inspect::ScanPath(p, o, each, error)) {
      input_error = true;
      inspect::MessageVerdict v;
      v.source = p;
      v.verdict = "error";
      v.error = error;
      Error(error);
      each(std::move(v));
    }
  }
  input_error = input_error || counts[3] > 0;
  const ordered_json summary = {{"messages", counts[0] + counts[1] + counts[2] + counts[3]}, {"clean", counts[0]},
                                {"suspicious", counts[1]},  {"malicious", counts[2]}, {"errors", counts[3]}};
  if (a.format == "json") {
    std::printf("%s\n", ordered_json({{"messages", messages}, {"summary", summary}})
                            .dump(2, ' ', false, ordered_json::error_handler_t::replace)
                            .c_str());
  } else {
    std::printf("%s\n", TrFill("mailscan.summary", {{"{messages}", std::to_string(summary["messages"].get<uint64_t>())},
                                                              {"{clean}", std::to_string(counts[0])},
                                                              {"{suspicious}", std::to_string(counts[1])},
                                                              {"{malicious}", std::to_string(counts[2])},
                                                              {"{errors}", std::to_string(counts[3])}})
                            .c_str());
  }
  if (counts[2] > 0) return 3;
  if (counts[1] > 0) return 1;
  return input_error ? 2 : 0;
}

}  // namespace keikai::cli
