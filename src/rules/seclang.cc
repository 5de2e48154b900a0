#include "keikai/rules/seclang.h"

#include "keikai/core/files.h"
#include "keikai/core/ascii.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace keikai::rules {
namespace {


std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits a directive line into arguments: whitespace separates, "..." groups (with \" for a
// quote; other backslashes are kept, as ModSecurity does).
Result<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string arg;
    if (line[i] == '"') {
      const std::size_t start = i;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '"') {
          arg += '"';
          i += 2;
          continue;
        }
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        arg += line[i++];
      }
      if (!closed) return Status::Error("seclang", "unterminated quoted argument", start);
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) arg += line[i++];
    }
    out.push_back(std::move(arg));
  }
  return out;
}

struct KindName {
  std::string_view name;
  Kind kind;
};
constexpr KindName kKinds[] = {
    {"secrule", Kind::kRule},
    {"secaction", Kind::kAction},
    {"secmarker", Kind::kMarker},
    {"secdefaultaction", Kind::kDefaultAction},
    {"secruleupdatetargetbyid", Kind::kUpdateTargetById},
    {"secruleupdatetargetbytag", Kind::kUpdateTargetByTag},
    {"secruleupdatetargetbymsg", Kind::kUpdateTargetByMsg},
    {"secruleupdateactionbyid", Kind::kUpdateActionById},
    {"secruleremovebyid", Kind::kRemoveById},
    {"secruleremovebytag", Kind::kRemoveByTag},
    {"secruleremovebymsg", Kind::kRemoveByMsg},
    {"seccomponentsignature", Kind::kComponentSignature},
    {"secruleengine", Kind::kSetting},
    {"secrequestbodyaccess", Kind::kSetting},
    {"secrequestbodylimit", Kind::kSetting},
    {"secrequestbodynofileslimit", Kind::kSetting},
    {"secrequestbodyinmemorylimit", Kind::kSetting},
    {"secrequestbodylimitaction", Kind::kSetting},
    {"secrequestbodyjsondepthlimit", Kind::kSetting},
    {"secargumentslimit", Kind::kSetting},
    {"secargumentseparator", Kind::kSetting},
    {"seccollectiontimeout", Kind::kSetting},
    {"secresponsebodyaccess", Kind::kSetting},
    {"secresponsebodymimetype", Kind::kSetting},
    {"secresponsebodylimit", Kind::kSetting},
    {"secpcrematchlimit", Kind::kSetting},
    {"secpcrematchlimitrecursion", Kind::kSetting},
};

Status Describe(const Status& st, const std::string& file, int line) {
  return Status::Error(st.code(), file + ":" + std::to_string(line) + ": " + st.message(),
                       st.offset());
}

}  // namespace

const Action* Directive::Find(std::string_view action) const {
  for (const Action& a : actions) {
    if (a.name == action) return &a;
  }
  return nullptr;
}

Result<std::vector<Variable>> ParseVariables(std::string_view text) {
  std::vector<Variable> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    // One variable up to a '|' that is not inside a /regex/ or '...' selector.
    std::size_t j = i;
    bool in_regex = false, in_quote = false, after_colon = false;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (in_regex) {
        if (c == '\\') {
          ++j;
        } else if (c == '/') {
          in_regex = false;
        }
        continue;
      }
      if (in_quote) {
        if (c == '\'') in_quote = false;
        continue;
      }
      if (c == ':' && !after_colon) {
        after_colon = true;
        // XML's selector is an XPath (XML:/*, XML://@*), never a /regex/.
        std::string_view name = text.substr(i, j - i);
        while (!name.empty() && (name.front() == ' ' || name.front() == '!' || name.front() == '&')) {
          name.remove_prefix(1);
        }
        const bool xpath = Upper(name) == "XML";
        if (!xpath && j + 1 < text.size() && text[j + 1] == '/') {
          in_regex = true;
          ++j;
        } else if (j + 1 < text.size() && text[j + 1] == '\'') {
          in_quote = true;
          ++j;
        }
        continue;
      }
      if (c == '|') break;
    }
    if (in_quote) return Status::Error("seclang", "unterminated variable selector", i);
    if (in_regex) {
      // Not a /regex/ after all: an XPath such as XML:/* runs to the next '|'.
      const std::size_t bar = text.find('|', i);
      j = bar == std::string_view::npos ? text.size() : bar;
    }
    std::string_view one = text.substr(i, j - i);
    while (!one.empty() && std::isspace(static_cast<unsigned char>(one.front()))) one.remove_prefix(1);
    while (!one.empty() && std::isspace(static_cast<unsigned char>(one.back()))) one.remove_suffix(1);
    if (one.empty()) return Status::Error("seclang", "empty variable", i);
    Variable v;
    if (one.front() == '!') {
      v.exclude = true;
      one.remove_prefix(1);
    } else if (one.front() == '&') {
      v.count = true;
      one.remove_prefix(1);
    }
    const std::size_t colon = one.find(':');
    v.name = Upper(one.substr(0, colon));
    if (v.name.empty() ||
        !std::all_of(v.name.begin(), v.name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; })) {
      return Status::Error("seclang", "bad variable name '" + std::string(one.substr(0, colon)) + "'", i);
    }
    if (colon != std::string_view::npos) {
      std::string_view sel = one.substr(colon + 1);
      if (v.name != "XML" && sel.size() >= 3 && sel.front() == '/' && sel.back() == '/') {
        v.selector_regex = true;
        sel = sel.substr(1, sel.size() - 2);
      } else if (sel.size() >= 2 && sel.front() == '\'' && sel.back() == '\'') {
        sel = sel.substr(1, sel.size() - 2);
      }
      v.selector = std::string(sel);
    }
    out.push_back(std::move(v));
    if (j >= text.size()) break;
    i = j + 1;
  }
  return out;
}

Result<Operator> ParseOperator(std::string_view text) {
  Operator op;
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  if (!t.empty() && t.front() == '!') {
    op.negated = true;
    t.remove_prefix(1);
  }
  if (!t.empty() && t.front() == '@') {
    const std::size_t sp = t.find_first_of(" \t");
    op.name = Lower(t.substr(1, sp == std::string_view::npos ? std::string_view::npos : sp - 1));
    if (op.name.empty()) return Status::Error("seclang", "operator without a name", 0);
    if (sp != std::string_view::npos) {
      std::string_view arg = t.substr(sp + 1);
      while (!arg.empty() && std::isspace(static_cast<unsigned char>(arg.front()))) arg.remove_prefix(1);
      op.argument = std::string(arg);
    }
  } else {
    op.name = "rx";  // a bare pattern is a regular expression
    op.argument = std::string(t);
  }
  return op;
}

Result<std::vector<Action>> ParseActions(std::string_view text) {
  std::vector<Action> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::string item;
    bool in_quote = false;
    std::size_t j = i;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (in_quote) {
        if (c == '\\' && j + 1 < text.size() && text[j + 1] == '\'') {
          item += "\\'";
          ++j;
          continue;
        }
        if (c == '\'') in_quote = false;
        item += c;
        continue;
      }
      if (c == '\'') {
        in_quote = true;
        item += c;
        continue;
      }
      if (c == ',') break;
      item += c;
    }
    if (in_quote) return Status::Error("seclang", "unterminated quote in actions", i);
    const std::string trimmed = Trim(item);
    if (!trimmed.empty()) {
      Action a;
      const std::size_t colon = trimmed.find(':');
      a.name = Lower(Trim(trimmed.substr(0, colon)));
      if (colon != std::string::npos) {
        std::string v = Trim(trimmed.substr(colon + 1));
        if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
          v = v.substr(1, v.size() - 2);
          std::string u;
          for (std::size_t k = 0; k < v.size(); ++k) {
            if (v[k] == '\\' && k + 1 < v.size() && v[k + 1] == '\'') {
              u += '\'';
              ++k;
            } else {
              u += v[k];
            }
          }
          v = std::move(u);
        }
        a.value = std::move(v);
      }
      if (a.name.empty()) return Status::Error("seclang", "action without a name", i);
      out.push_back(std::move(a));
    }
    i = j + 1;
  }
  return out;
}

Result<ParseResult> ParseText(std::string_view text, const std::string& file) {
  ParseResult res;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    // A logical line: physical lines joined where one ends in a backslash.
    std::string logical;
    const int first_line = line_no + 1;
    for (;;) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view phys = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (!phys.empty() && phys.back() == '\r') phys.remove_suffix(1);
      if (!phys.empty() && phys.back() == '\\') {
        logical.append(phys.substr(0, phys.size() - 1));
        if (pos >= text.size()) break;
        continue;
      }
      logical.append(phys);
      break;
    }
    const std::string line = Trim(logical);
    if (line.empty() || line[0] == '#') continue;
    auto args = SplitArgs(line);
    if (!args.ok()) return Describe(args.status(), file, first_line);
    std::vector<std::string> a = std::move(args).value();
    Directive d;
    d.name = a[0];
    d.file = file;
    d.line = first_line;
    d.args.assign(a.begin() + 1, a.end());
    const std::string lname = Lower(d.name);
    d.kind = Kind::kNotApplicable;
    for (const KindName& k : kKinds) {
      if (k.name == lname) d.kind = k.kind;
    }
    auto need = [&](std::size_t n) -> Status {
      if (d.args.size() < n) {
        return Status::Error("seclang", file + ":" + std::to_string(first_line) + ": " + d.name +
                                            " needs " + std::to_string(n) + " argument(s)");
      }
      return Status::Ok();
    };
    Status st;
    switch (d.kind) {
      case Kind::kRule: {
        st = need(2);
        if (!st.ok()) return st;
        auto vars = ParseVariables(d.args[0]);
        if (!vars.ok()) return Describe(vars.status(), file, first_line);
        d.variables = std::move(vars).value();
        auto op = ParseOperator(d.args[1]);
        if (!op.ok()) return Describe(op.status(), file, first_line);
        d.op = std::move(op).value();
        if (d.args.size() > 2) {
          auto acts = ParseActions(d.args[2]);
          if (!acts.ok()) return Describe(acts.status(), file, first_line);
          d.actions = std::move(acts).value();
        }
        break;
      }
      case Kind::kAction:
      case Kind::kDefaultAction: {
        st = need(1);
        if (!st.ok()) return st;
        auto acts = ParseActions(d.args[0]);
        if (!acts.ok()) return Describe(acts.status(), file, first_line);
        d.actions = std::move(acts).value();
        break;
      }
      case Kind::kUpdateTargetById:
      case Kind::kUpdateTargetByTag:
      case Kind::kUpdateTargetByMsg: {
        st = need(2);
        if (!st.ok()) return st;
        auto vars = ParseVariables(d.args[1]);
        if (!vars.ok()) return Describe(vars.status(), file, first_line);
        d.variables = std::move(vars).value();
        break;
      }
      case Kind::kUpdateActionById: {
        st = need(2);
        if (!st.ok()) return st;
        auto acts = ParseActions(d.args[1]);
        if (!acts.ok()) return Describe(acts.status(), file, first_line);
        d.actions = std::move(acts).value();
        break;
      }
      case Kind::kMarker:
      case Kind::kRemoveById:
      case Kind::kRemoveByTag:
      case Kind::kRemoveByMsg:
      case Kind::kComponentSignature:
      case Kind::kSetting:
        st = need(1);
        if (!st.ok()) return st;
        break;
      case Kind::kNotApplicable:
        if (lname != "include" && lname != "includeoptional") {
          res.not_applicable.push_back(file + ":" + std::to_string(first_line) + " " + d.name);
        }
        break;
    }
    res.directives.push_back(std::move(d));
  }
  return res;
}

namespace {

Status LoadOne(const std::string& path, int depth, std::set<std::string>& stack, ParseResult& out) {
  if (depth > 16) return Status::Error("seclang", path + ": includes nested too deeply");
  std::error_code ec;
  const std::string canon = std::filesystem::weakly_canonical(path, ec).string();
  if (stack.count(canon) != 0) return Status::Error("seclang", path + ": include cycle");
  std::string text;
  if (!ReadFile(path, text)) return Status::Error("seclang", "cannot read rule file " + path);
  auto parsed = ParseText(text, path);
  if (!parsed.ok()) return parsed.status();
  stack.insert(canon);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  for (Directive& d : parsed.value().directives) {
    const std::string lname = Lower(d.name);
    if (lname != "include" && lname != "includeoptional") {
      out.directives.push_back(std::move(d));
      continue;
    }
    const bool optional = lname == "includeoptional";
    if (d.args.empty()) return Status::Error("seclang", path + ":" + std::to_string(d.line) + ": Include without a path");
    std::string pattern = d.args[0];
    if (!pattern.empty() && pattern[0] != '/') pattern = dir + "/" + pattern;
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc != 0) {
      globfree(&g);
      if (rc == GLOB_NOMATCH && (optional || pattern.find_first_of("*?[") != std::string::npos)) {
        continue;
      }
      return Status::Error("seclang", path + ":" + std::to_string(d.line) + ": Include " + d.args[0] + " matches no file");
    }
    std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
    for (const std::string& f : files) {  // glob sorts, as Apache and ModSecurity do
      Status st = LoadOne(f, depth + 1, stack, out);
      if (!st.ok()) return st;
    }
  }
  for (std::string& n : parsed.value().not_applicable) out.not_applicable.push_back(std::move(n));
  stack.erase(canon);
  return Status::Ok();
}

}  // namespace

Result<ParseResult> LoadFiles(const std::vector<std::string>& paths) {
  ParseResult out;
  std::set<std::string> stack;
  for (const std::string& p : paths) {
    Status st = LoadOne(p, 0, stack, out);
    if (!st.ok()) return st;
  }
  return out;
}

}  // namespace keikai::rules
