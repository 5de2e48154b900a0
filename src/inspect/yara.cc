#include "keikai/inspect/yara.h"

#include <cerrno>

#include <yara.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "keikai/core/files.h"
#include "keikai/core/i18n.h"

namespace keikai::inspect {
namespace {

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)yr_initialize(); });  // a failure shows in the compiler's create
}

struct CompileErrors {
  std::vector<std::string>* errors;
};

void OnCompile(int level, const char* file, int line, const YR_RULE*, const char* message, void* user) {
  if (level != YARA_ERROR_LEVEL_ERROR) return;
  auto* e = static_cast<CompileErrors*>(user);
  e->errors->push_back(std::string(file ? file : "?") + ":" + std::to_string(line) + ": " + (message ? message : "error"));
}

struct ScanState {
  std::vector<YaraMatch>* out;
};

int OnScan(YR_SCAN_CONTEXT*, int message, void* data, void* user) {
  auto* st = static_cast<ScanState*>(user);
  if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
    // libyara stops counting that string: a rule needing it may be defeated by padding.
    st->out->push_back({"!" + std::string(Tr("inspect.detail.yara_too_many")), 30});
    return CALLBACK_ABORT;
  }
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  const YR_RULE* rule = static_cast<const YR_RULE*>(data);
  YaraMatch m;
  m.rule = std::string(rule->ns != nullptr && rule->ns->name != nullptr ? rule->ns->name : "") + ":" + rule->identifier;
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->identifier != nullptr && std::string_view(meta->identifier) == "score" && meta->type == META_TYPE_INTEGER) {
      m.score = static_cast<int>(std::clamp<int64_t>(meta->integer, 0, 100));
    }
  }
  st->out->push_back(std::move(m));
  return st->out->size() >= 50 ? CALLBACK_ABORT : CALLBACK_CONTINUE;
}

}  // namespace

std::unique_ptr<YaraRules> YaraRules::Compile(const std::string& dir, std::vector<std::string>& errors) {
  InitOnce();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back(dir + ": " + Tr("inspect.yara.not_dir"));
    return nullptr;
  }
  // A rule folder that cannot be read is an error: rules missing without a word would scan clean.
  const TreeListing tree = ListTree(dir, 4, 100'000);
  for (const std::string& u : tree.unreadable) errors.push_back(u);
  if (tree.truncated) errors.push_back(dir + ": " + TrFill("inspect.too_many_files", {{"{n}", "100,000"}}));
  if (!tree.unreadable.empty() || tree.truncated) return nullptr;
  std::vector<std::filesystem::path> files;
  for (const std::string& f : tree.files) {
    const std::string ext = std::filesystem::path(f).extension().string();
    if (ext == ".yar" || ext == ".yara") files.emplace_back(f);
  }
  if (files.empty()) {
    errors.push_back(dir + ": " + Tr("inspect.yara.no_rules"));
    return nullptr;
  }
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
    errors.push_back(std::string("libyara: ") + Tr("inspect.yara.no_compiler"));
    return nullptr;
  }
  CompileErrors ce{&errors};
  yr_compiler_set_callback(compiler, OnCompile, &ce);
  int failed = 0;
  for (const auto& f : files) {
    std::FILE* fp = std::fopen(f.c_str(), "r");
    if (fp == nullptr) {
      errors.push_back(f.string() + ": " + ErrnoText(errno));
      ++failed;
      continue;
    }
    failed += yr_compiler_add_file(compiler, fp, f.stem().c_str(), f.c_str());
    std::fclose(fp);
    if (failed > 0) break;  // libyara refuses further files after an error
  }
  std::unique_ptr<YaraRules> out;
  if (failed == 0) {
    YR_RULES* rules = nullptr;
    if (yr_compiler_get_rules(compiler, &rules) == ERROR_SUCCESS) {
      out.reset(new YaraRules());
      out->rules_ = rules;
      const YR_RULE* rule = nullptr;
      yr_rules_foreach(rules, rule) { ++out->count_; }
    } else {
      errors.push_back(std::string("libyara: ") + Tr("inspect.yara.no_build"));
    }
  }
  yr_compiler_destroy(compiler);
  return out;
}

YaraRules::~YaraRules() {
  if (rules_ != nullptr) yr_rules_destroy(static_cast<YR_RULES*>(rules_));
}

std::vector<YaraMatch> YaraRules::Scan(std::string_view data) const {
  std::vector<YaraMatch> out;
  ScanState st{&out};
  const int rc = yr_rules_scan_mem(static_cast<YR_RULES*>(rules_), reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                   SCAN_FLAGS_FAST_MODE, OnScan, &st, 10);
  if (rc == ERROR_SCAN_TIMEOUT) {
    out.push_back({"!" + TrFill("inspect.detail.yara_timeout", {{"{s}", "10"}}), 30});
  } else if (rc != ERROR_SUCCESS && rc != ERROR_CALLBACK_ERROR) {
    out.push_back({"!" + TrFill("inspect.detail.yara_error", {{"{n}", std::to_string(rc)}}), 30});
  }
  return out;
}

}  // namespace keikai::inspect
