#include "keikai/crstest/ftw.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/http/full_request.h"
#include "keikai/rules/operator.h"
#include "keikai/rules/transform.h"

namespace keikai::crstest {

using namespace keikai::rules;  // the engine this tool drives

std::string CrsTestSetup() {
  return R"(SecAction "id:900005,phase:1,nolog,pass,ctl:ruleEngine=DetectionOnly,ctl:ruleRemoveById=910000,\
setvar:tx.blocking_paranoia_level=4,setvar:tx.paranoia_level=4,setvar:tx.crs_validate_utf8_encoding=1,\
setvar:tx.arg_name_length=100,setvar:tx.arg_length=400,setvar:tx.total_arg_length=64000,\
setvar:tx.max_num_args=255,setvar:tx.max_file_size=64100,setvar:tx.combined_file_sizes=65535"
)";
}

namespace {

namespace fs = std::filesystem;

// encoded_request and albedo's encodedBody: base64 (line breaks allowed), through t:base64DecodeExt
// transformation.
std::string Base64Decode(std::string_view in) {
  std::string out;
  FindTransformation("base64DecodeExt")->fn(in, out);
  return out;
}

std::string Scalar(const YAML::Node& n, const std::string& def = {}) {
  if (!n || !n.IsDefined() || n.IsNull()) return def;
  if (n.IsScalar()) return n.Scalar();
  if (n.IsSequence()) {  // CRS 3 allows data as a list of lines
    // One level only: lines are scalars. Nested lists are not lines, and flattening them would
    // let YAML aliases (a list of ten copies of a list of ten copies of ...) grow exponentially.
    std::string s;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (i > 0) s += "\r\n";
      if (n[i].IsScalar()) s += n[i].Scalar();
    }
    return s;
  }
  return def;
}

std::vector<int> Ids(const YAML::Node& n) {
  std::vector<int> ids;
  if (!n) return ids;
  if (n.IsScalar()) {
    ids.push_back(std::atoi(n.Scalar().c_str()));
  } else if (n.IsSequence()) {
    for (const auto& x : n) ids.push_back(std::atoi(Scalar(x).c_str()));
  }
  return ids;
}

// Go's url.QueryEscape.
std::string QueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      o += static_cast<char>(c);
    } else if (c == ' ') {
      o += '+';
    } else {
      o += '%';
      o += kHex[c >> 4];
      o += kHex[c & 15];
    }
  }
  return o;
}

// go-ftw's encodeDataParameters: data that url-unescaping would not change is encoded key by
// key; anything with '%' or '+' is taken as already encoded.
std::string EncodeData(std::string_view data) {
  if (data.find('%') != std::string_view::npos || data.find('+') != std::string_view::npos) {
    return std::string(data);
  }
  std::string o;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t amp = data.find('&', pos);
    if (amp == std::string_view::npos) amp = data.size();
    const std::string_view tok = data.substr(pos, amp - pos);
    const std::size_t eq = tok.find('=');
    if (eq == std::string_view::npos) {
      o += QueryEscape(tok);
    } else {
      o += QueryEscape(tok.substr(0, eq));
      o += '=';
      o += QueryEscape(tok.substr(eq + 1));
    }
    o += '&';
    pos = amp + 1;
  }
  if (!o.empty()) o.pop_back();
  return o;
}

// go-ftw reaches the server from another host (a container), never from loopback: CRS 905100
// exempts "GET /" from 127.0.0.1 (Apache's internal dummy connections).
constexpr const char* kTestClient = "192.0.2.100";

// Builds the request go-ftw would send for one stage input, from go-ftw's client address.
Result<http::FullRequest> BuildRequest(const YAML::Node& in) {
  const std::string encoded = Scalar(in["encoded_request"]);
  const std::string raw = Scalar(in["raw_request"]);
  if (!encoded.empty() || !raw.empty()) {
    auto parsed = http::ParseRawRequest(encoded.empty() ? raw : Base64Decode(encoded));
    if (parsed.ok()) parsed.value().client_ip = kTestClient;
    return parsed;
  }
  http::FullRequest r;
  r.client_ip = kTestClient;
  r.method = Scalar(in["method"], "GET");
  r.uri = Scalar(in["uri"], "/");
  r.protocol = Scalar(in["version"], "HTTP/1.1");
  r.server_port = std::atoi(Scalar(in["port"], "80").c_str());
  // CRS 3's tests were written for the Python ftw, whose stop_magic: true sends the request as
  // written; go-ftw's autocomplete_headers: false is the same thing.
  const bool autocomplete = Scalar(in["autocomplete_headers"], "true") != "false" &&
                            Scalar(in["stop_magic"], "false") != "true";
  std::map<std::string, std::string> headers;  // go-ftw keeps one value per exact name, sorted
  if (const YAML::Node h = in["headers"]; h && h.IsMap()) {
    for (const auto& kv : h) headers[kv.first.Scalar()] = Scalar(kv.second);
  }
  auto add = [&](const std::string& k, const std::string& v) {
    if (headers.find(k) == headers.end() || headers[k].empty()) headers[k] = v;
  };
  std::string data = Scalar(in["data"]);
  if (!data.empty() && autocomplete) {
    add("Content-Type", "application/x-www-form-urlencoded");
    if (headers["Content-Type"] == "application/x-www-form-urlencoded") data = EncodeData(data);
  }
  if (auto it = headers.find("Content-Type");
      it != headers.end() && it->second.rfind("multipart/form-data;", 0) == 0) {
    // go-ftw turns LF into CRLF here; bare LFs only, so that CRS 3 tests written with
    // explicit \r\n (for the older ftw, which sent data as is) keep their line ends.
    std::string crlf;
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) crlf += '\r';
      crlf += data[i];
    }
    data = std::move(crlf);
  }
  if (autocomplete) {
    add("Connection", "close");
    const std::string& m = r.method;
    const bool body_method = m.rfind("POST", 0) == 0 || m.find("PUT") != std::string::npos ||
                             m.find("PATCH") != std::string::npos ||
                             (m.size() >= 6 && m.compare(m.size() - 6, 6, "DELETE") == 0);
    if (!data.empty() || body_method) add("Content-Length", std::to_string(data.size()));
  }
  for (auto& [k, v] : headers) r.headers.emplace_back(k, v);
  r.body = std::move(data);
  return r;
}

// The response the CRS test backend (albedo) sends: /reflect answers with the status, headers
// and body the request's JSON describes; everything else gets an empty 200 text/plain page.
http::FullResponse BackendResponse(const http::FullRequest& q) {
  http::FullResponse r;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  const std::string path = q.uri.substr(0, q.uri.find('?'));
  if (path != "/reflect") return r;
  auto j = nlohmann::json::parse(q.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return r;
  if (j.contains("status") && j["status"].is_number_integer()) r.status = j["status"].get<int>();
  if (j.contains("headers") && j["headers"].is_object()) {
    for (auto it = j["headers"].begin(); it != j["headers"].end(); ++it) {
      if (!it.value().is_string()) continue;
      bool replaced = false;
      for (auto& [k, v] : r.headers) {
        if (k == it.key()) {
          v = it.value().get<std::string>();
          replaced = true;
        }
      }
      if (!replaced) r.headers.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  if (j.contains("body") && j["body"].is_string()) r.body = j["body"].get<std::string>();
  if (j.contains("encodedBody") && j["encodedBody"].is_string()) {
    r.body = Base64Decode(j["encodedBody"].get<std::string>());
  }
  return r;
}

// A ModSecurity-style log line for one match, for log_contains regexes.
std::string LogLine(const RuleMatch& m) {
  std::string s = "ModSecurity: Warning. Matched \"Operator\" against variable `" +
                  m.matched_var_name + "' (Value: `" + m.matched_var + "' ) [id \"" +
                  std::to_string(m.id) + "\"] [msg \"" + m.msg + "\"] [data \"" + m.data +
                  "\"] [severity \"" + m.severity + "\"]";
  for (const std::string& t : m.tags) s += " [tag \"" + t + "\"]";
  return s;
}

bool RegexFound(const std::string& pattern, const std::vector<std::string>& lines, bool& bad) {
  Operator op;
  op.name = "rx";
  op.argument = pattern;
  auto c = CompileOperator(op, {});
  if (!c.ok()) {
    bad = true;
    return false;
  }
  thread_local auto scratch = NewOperatorScratch();
  static const MacroExpander kNone;
  for (const std::string& l : lines) {
    if (c.value()->Match(l, kNone, *scratch, false).matched) return true;
  }
  return false;
}

struct Expect {
  std::vector<int> expect_ids, no_expect_ids;
  std::vector<std::string> log_contains, no_log_contains;
  bool response_only = false;  // only status/response expectations
  bool expect_error = false;
};

Expect ReadExpect(const YAML::Node& out) {
  Expect e;
  if (!out) return e;
  bool engine_side = false;
  if (const YAML::Node log = out["log"]) {
    e.expect_ids = Ids(log["expect_ids"]);
    for (int id : Ids(log["expect_id"])) e.expect_ids.push_back(id);
    e.no_expect_ids = Ids(log["no_expect_ids"]);
    for (int id : Ids(log["no_expect_id"])) e.no_expect_ids.push_back(id);
    if (log["match_regex"]) e.log_contains.push_back(Scalar(log["match_regex"]));
    if (log["no_match_regex"]) e.no_log_contains.push_back(Scalar(log["no_match_regex"]));
    engine_side = true;
  }
  if (out["log_contains"]) {
    e.log_contains.push_back(Scalar(out["log_contains"]));
    engine_side = true;
  }
  if (out["no_log_contains"]) {
    e.no_log_contains.push_back(Scalar(out["no_log_contains"]));
    engine_side = true;
  }
  if (out["expect_error"]) e.expect_error = Scalar(out["expect_error"]) == "true";
  engine_side = engine_side || !e.expect_ids.empty() || !e.no_expect_ids.empty();
  e.response_only = !engine_side;
  return e;
}

// CRS 3's log_contains is usually `id "942100"`; such patterns become id checks so that they
// do not depend on the exact log line format.
void IdsFromPatterns(Expect& e) {
  auto take = [](std::vector<std::string>& pats, std::vector<int>& ids) {
    std::vector<std::string> keep;
    for (const std::string& p : pats) {
      std::string q = p;
      q.erase(std::remove(q.begin(), q.end(), '\\'), q.end());
      int id = 0;
      if (std::sscanf(q.c_str(), "id \"%d\"", &id) == 1 && q == "id \"" + std::to_string(id) + "\"") {
        ids.push_back(id);
      } else {
        keep.push_back(p);
      }
    }
    pats = std::move(keep);
  };
  take(e.log_contains, e.expect_ids);
  take(e.no_log_contains, e.no_expect_ids);
}

struct Override {
  std::set<int> test_ids;  // empty: every test of the rule
  std::string reason;
  YAML::Node output;
  bool expect_failure = false;
  bool ignore = false;
};

std::multimap<int, Override> LoadOverrides(const std::string& path, std::vector<std::string>& problems) {
  std::multimap<int, Override> m;
  if (path.empty()) return m;
  try {
    const YAML::Node doc = YAML::LoadFile(path);
    for (const auto& o : doc["test_overrides"]) {
      Override ov;
      for (int id : Ids(o["test_ids"])) ov.test_ids.insert(id);
      ov.reason = Scalar(o["reason"]);
      ov.output = o["output"];
      ov.expect_failure = Scalar(o["expect_failure"]) == "true";
      ov.ignore = Scalar(o["ignore"]) == "true";
      m.emplace(std::atoi(Scalar(o["rule_id"]).c_str()), std::move(ov));
    }
  } catch (const std::exception& e) {
    problems.push_back(path + ": " + e.what());
  }
  return m;
}


// The tests of one parsed document (see RunFtwDocument).
void RunDocument(const YAML::Node& doc, const std::string& file, Evaluator& ev,
                 const std::multimap<int, Override>& overrides, FtwSummary& sum) {
  int rule_id = std::atoi(Scalar(doc["rule_id"]).c_str());
  if (rule_id == 0) rule_id = std::atoi(fs::path(file).stem().string().c_str());
  const std::string file_name = fs::path(file).filename().string();
  int index = 0;
  for (const YAML::Node& test : doc["tests"]) {
    ++index;
    int test_id = index;
    std::string title = Scalar(test["test_title"]);
    if (test["test_id"]) test_id = std::atoi(Scalar(test["test_id"]).c_str());
    else if (const auto dash = title.rfind('-'); dash != std::string::npos) test_id = std::atoi(title.c_str() + dash + 1);
    if (title.empty()) title = std::to_string(rule_id) + "-" + std::to_string(test_id);

    const Override* ov = nullptr;
    for (auto [a, b] = overrides.equal_range(rule_id); a != b; ++a) {
      if (a->second.test_ids.empty() || a->second.test_ids.count(test_id) != 0) ov = &a->second;
    }
    if (ov != nullptr && ov->ignore) {
      ++sum.ignored;
      continue;
    }
    bool ok = true;
    bool applicable = false;
    FtwFailure why;
    for (const YAML::Node& st0 : test["stages"]) {
      const YAML::Node st = st0["stage"] ? st0["stage"] : st0;
      Expect e = ReadExpect(ov != nullptr && ov->output ? ov->output : st["output"]);
      IdsFromPatterns(e);
      auto req = BuildRequest(st["input"]);
      if (!req.ok()) {
        if (e.expect_error) {
          applicable = true;
          continue;
        }
        ok = false;
        why.request_error = req.status().message();
        break;
      }
      if (e.response_only) continue;
      applicable = true;
      const http::FullResponse resp = BackendResponse(req.value());
      const Verdict v = ev.Evaluate(req.value(), &resp);
      const std::vector<int> ids = v.LoggedIds();
      std::vector<int> missing, unexpected;
      for (int id : e.expect_ids) {
        if (!std::binary_search(ids.begin(), ids.end(), id)) missing.push_back(id);
      }
      for (int id : e.no_expect_ids) {
        if (std::binary_search(ids.begin(), ids.end(), id)) unexpected.push_back(id);
      }
      std::vector<std::string> lines;
      for (const RuleMatch& m : v.matches) {
        if (m.logged) lines.push_back(LogLine(m));
      }
      bool bad = false;
      std::vector<std::string> missing_p, unexpected_p;
      for (const std::string& p : e.log_contains) {
        if (!RegexFound(p, lines, bad)) missing_p.push_back(p);
      }
      for (const std::string& p : e.no_log_contains) {
        if (RegexFound(p, lines, bad)) unexpected_p.push_back(p);
      }
      if (bad) sum.problems.push_back(file + ": " + title + ": " + Tr("err.crs_test_bad_log_regex"));
      if (!missing.empty() || !unexpected.empty() || !missing_p.empty() || !unexpected_p.empty()) {
        ok = false;
        why.missing = std::move(missing);
        why.unexpected = std::move(unexpected);
        why.missing_patterns = std::move(missing_p);
        why.unexpected_patterns = std::move(unexpected_p);
        why.matched = ids;
        break;
      }
    }
    if (ov != nullptr && ov->expect_failure) ok = !ok;
    if (ov != nullptr) ++sum.overridden;
    if (!applicable) {
      ++sum.not_applicable;
      continue;
    }
    if (ok) {
      ++sum.passed;
    } else {
      ++sum.failed;
      why.file = file_name;
      why.test = title;
      sum.failures.push_back(std::move(why));
    }
  }
}

// A document that does not parse, or YAML of another shape (yaml-cpp throws on a subscript of
// the wrong kind), is a load error of that file: the other files still run.
void RunDocumentText(std::string_view yaml, const std::string& file, Evaluator& ev,
                     const std::multimap<int, Override>& overrides, FtwSummary& sum) {
  try {
    RunDocument(YAML::Load(std::string(yaml)), file, ev, overrides, sum);
  } catch (const std::exception& e) {
    ++sum.load_errors;
    sum.problems.push_back(file + ": " + e.what());
  }
}

}  // namespace

void RunFtwDocument(std::string_view yaml, const std::string& file, Evaluator& ev, FtwSummary& sum) {
  ++sum.files;
  RunDocumentText(yaml, file, ev, {}, sum);
}

Result<FtwSummary> RunFtw(const FtwOptions& o) {
  FtwSummary sum;
  EngineOptions eo;
  eo.prelude = o.prelude;
  eo.cache_dir = o.cache_dir;
  auto rules = RuleSet::Load(o.rule_files, eo);
  if (!rules.ok()) return rules.status();
  Evaluator ev(rules.value());
  const auto overrides = LoadOverrides(o.overrides_file, sum.problems);

  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(o.tests_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".yaml" &&
        (o.only.empty() || it->path().filename().string().find(o.only) != std::string::npos)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) return Status::Error("ftw", o.tests_dir + ": " + ErrnoText(ec.value()));
  std::sort(files.begin(), files.end());

  for (const std::string& file : files) {
    ++sum.files;
    std::string text;
    if (!ReadFile(file, text)) {
      ++sum.load_errors;
      sum.problems.push_back(file + ": " + Tr("err.crs_test_unreadable"));
      continue;
    }
    RunDocumentText(text, file, ev, overrides, sum);
  }
  return sum;
}

}  // namespace keikai::crstest
