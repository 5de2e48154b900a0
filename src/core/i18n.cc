#include "keikai/core/i18n.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace keikai {
namespace {

const std::unordered_map<std::string_view, const Message*>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const Message*>();
    for (const MessageTable& t : MessageTables()) {
      for (const Message& msg : t.messages) m->emplace(msg.key, &msg);
    }
    return m;
  }();
  return *index;
}

Lang g_lang = Lang::kEn;

}  // namespace

Lang LangFromEnvironment() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') {
      return (v[0] == 'j' && v[1] == 'a') ? Lang::kJa : Lang::kEn;
    }
  }
  return Lang::kEn;
}

bool ParseLang(std::string_view s, Lang& out) {
  if (s == "ja" || s == "jp" || s == "ja_JP" || s == "ja-JP") {
    out = Lang::kJa;
    return true;
  }
  if (s == "en" || s == "en_US" || s == "en-US" || s == "C") {
    out = Lang::kEn;
    return true;
  }
  return false;
}

void SetLang(Lang lang) { g_lang = lang; }
Lang CurrentLang() { return g_lang; }
std::string_view LangCode(Lang lang) { return lang == Lang::kJa ? "ja" : "en"; }

const char* Tr(std::string_view key, Lang lang) {
  const auto& idx = Index();
  auto it = idx.find(key);
  if (it == idx.end()) {
    // Unknown keys are a bug caught by tests; intern them so the pointer stays valid.
    static std::mutex mu;
    static std::unordered_set<std::string> interned;
    std::lock_guard<std::mutex> lock(mu);
    return interned.emplace(key).first->c_str();
  }
  return lang == Lang::kJa ? it->second->ja : it->second->en;
}

const char* Tr(std::string_view key) { return Tr(key, g_lang); }

const char* SentenceGap() { return g_lang == Lang::kJa ? "" : " "; }

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  if (from.empty()) return s;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string FillTemplate(std::string t, TemplateArgs values) {
  // One pass over the template: a value is never searched for placeholders itself (a site
  // named "{new}" stays as it is).
  std::string out;
  out.reserve(t.size());
  std::size_t i = 0;
  while (i < t.size()) {
    bool replaced = false;
    if (t[i] == '{') {
      for (const auto& [name, value] : values) {
        if (!name.empty() && t.compare(i, name.size(), name) == 0) {
          out += value;
          i += name.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += t[i++];
  }
  return out;
}

std::string TrFill(std::string_view key, TemplateArgs values) { return FillTemplate(Tr(key), values); }

std::string ErrnoText(int errnum) {
  struct Name {
    int e;
    const char* key;
  };
  static constexpr Name kNames[] = {
      {ENOENT, "sys.ENOENT"}, {EACCES, "sys.EACCES"},   {EPERM, "sys.EPERM"},
      {EISDIR, "sys.EISDIR"}, {ENOTDIR, "sys.ENOTDIR"}, {EROFS, "sys.EROFS"},
      {ENOSPC, "sys.ENOSPC"}, {EIO, "sys.EIO"},         {ELOOP, "sys.ELOOP"},
      {EMFILE, "sys.EMFILE"}, {ENAMETOOLONG, "sys.ENAMETOOLONG"}, {EEXIST, "sys.EEXIST"},
      {EDQUOT, "sys.EDQUOT"}};
  for (const Name& n : kNames) {
    if (n.e == errnum) return Tr(n.key);
  }
  return std::strerror(errnum);
}

bool HasMsg(std::string_view key) { return Index().count(key) != 0; }

bool CatalogComplete(std::string* missing) {
  bool ok = true;
  std::unordered_map<std::string_view, int> seen;
  for (const MessageTable& t : MessageTables()) {
    for (const Message& m : t.messages) {
      if (m.en[0] == '\0' || m.ja[0] == '\0' || ++seen[m.key] > 1) {
        ok = false;
        if (missing != nullptr) *missing += std::string(t.stage) + ":" + m.key + " ";
      }
    }
  }
  return ok;
}

}  // namespace keikai
