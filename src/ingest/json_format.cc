// JSON-lines access logs (Caddy, Traefik, nginx escape=json, any mapping the user gives).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "keikai/core/i18n.h"
#include "keikai/core/hash.h"
#include "keikai/core/time.h"
#include "keikai/ingest/format.h"

namespace keikai::ingest {
namespace {

using nlohmann::json;

enum Field { kTime, kIp, kRequest, kMethod, kUri, kProtocol, kStatus, kBytes, kReferer, kUa,
             kHost, kXff, kFieldCount };
constexpr std::string_view kFieldNames[kFieldCount] = {
    "time", "ip", "request", "method", "uri", "protocol", "status", "bytes", "referer",
    "user_agent", "host", "xff"};

int FieldIndex(std::string_view n) {
  for (int i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == n) return i;
  }
  return -1;
}

// A path is a list of keys; a mapping value "a.b|c" is two alternative paths.
using Path = std::vector<std::string>;

std::vector<Path> SplitAlternatives(std::string_view spec) {
  std::vector<Path> alts;
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t bar = spec.find('|', pos);
    if (bar == std::string_view::npos) bar = spec.size();
    Path p;
    std::string_view one = spec.substr(pos, bar - pos);
    std::size_t s = 0;
    while (s <= one.size()) {
      std::size_t dot = one.find('.', s);
      if (dot == std::string_view::npos) dot = one.size();
      if (dot > s) p.emplace_back(one.substr(s, dot - s));
      s = dot + 1;
    }
    if (!p.empty()) alts.push_back(std::move(p));
    pos = bar + 1;
  }
  return alts;
}

const json* Lookup(const json& root, const Path& p) {
  const json* cur = &root;
  for (const std::string& k : p) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  while (cur->is_array()) {
    if (cur->empty()) return nullptr;
    cur = &(*cur)[0];
  }
  return cur;
}

class JsonParser : public LineParser {
 public:
  JsonParser(std::string name, std::array<std::vector<Path>, kFieldCount> paths)
      : name_(std::move(name)), paths_(std::move(paths)) {}
  std::string_view name() const override { return name_; }

  LineKind Parse(std::string_view line, http::Request& req, ParseError& err) override {
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) return LineKind::kSkip;
    if (line[first] != '{') return Bad(err, "not_json", first);
    // A key given twice at the top level makes the line ambiguous (which status is it?): such a
    // line is bad, not read one way or the other.
    // The top-level keys are counted as they are read; the object keeps one value per key, so
    // it has fewer members than keys read exactly when a key came twice (no copy of any key,
    // and linear however many keys a hostile line has).
    std::size_t top_keys = 0;
    const json::parser_callback_t cb = [&top_keys](int depth, json::parse_event_t ev, json&) {
      if (ev == json::parse_event_t::key && depth == 1) ++top_keys;
      return true;
    };
    json doc = json::parse(line.begin(), line.end(), cb, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return Bad(err, "bad_json", 0);
    if (top_keys > doc.size()) return Bad(err, "duplicate_key", 0);
    req = http::Request{};
    for (int f = 0; f < kFieldCount; ++f) {
      vals_[f].clear();
      present_[f] = false;
      num_[f] = 0;
      is_num_[f] = false;
      for (const Path& p : paths_[f]) {
        const json* v = Lookup(doc, p);
        if (v == nullptr || v->is_null()) continue;
        present_[f] = true;
        if (v->is_string()) {
          vals_[f] = v->get_ref<const std::string&>();
        } else if (v->is_number()) {
          is_num_[f] = true;
          num_[f] = v->get<double>();
          vals_[f] = v->dump();
        } else {
          vals_[f] = v->dump(-1, ' ', false, json::error_handler_t::replace);
        }
        break;
      }
    }
    // Time.
    if (!present_[kTime]) return Bad(err, "bad_time", 0);
    if (is_num_[kTime]) {
      double t = num_[kTime];
      if (t > 1e11) t /= 1000.0;  // milliseconds
      if (!std::isfinite(t) || t < 0 || t > 4e10) return Bad(err, "bad_time", 0);
      req.time = static_cast<int64_t>(t);
    } else if (!ParseIsoTime(vals_[kTime], req.time) && !ParseClfTime(vals_[kTime], req.time) &&
               !ParseEpochTime(vals_[kTime], req.time)) {
      return Bad(err, "bad_time", 0);
    }
    if (vals_[kIp].empty()) return Bad(err, "missing_client", 0);
    req.peer_ip = vals_[kIp];
    req.client_ip = req.peer_ip;
    if (!vals_[kRequest].empty() && vals_[kUri].empty()) {
      const std::string& r = vals_[kRequest];
      const std::size_t sp1 = r.find(' ');
      const std::size_t sp2 = r.rfind(' ');
      if (sp1 != std::string::npos && sp2 > sp1) {
        req.method = std::string_view(r).substr(0, sp1);
        req.target = std::string_view(r).substr(sp1 + 1, sp2 - sp1 - 1);
        req.protocol = std::string_view(r).substr(sp2 + 1);
      } else {
        req.target = r;
      }
    } else {
      req.target = vals_[kUri];
    }
    if (!vals_[kMethod].empty()) req.method = vals_[kMethod];
    if (!vals_[kProtocol].empty()) req.protocol = vals_[kProtocol];
    if (req.target.empty()) return Bad(err, "missing_request", 0);
    // Numbers are taken only when they are what they claim: a status is an integer 0..999, a
    // byte count a non-negative integer; "-" means not logged. NaN, infinities, fractions,
    // "1e999" and words are bad lines (a cast of NaN gave -2147483648 before).
    if (present_[kStatus] && vals_[kStatus] != "-") {
      int64_t v = 0;
      if (!WholeNumber(kStatus, v) || v > 999) return Bad(err, "bad_status", 0);
      req.status = static_cast<int>(v);
    }
    if (present_[kBytes] && vals_[kBytes] != "-") {
      int64_t v = 0;
      if (!WholeNumber(kBytes, v)) return Bad(err, "bad_bytes", 0);
      req.bytes = v;
    }
    auto dash = [](const std::string& s) { return s == "-" ? std::string_view() : std::string_view(s); };
    req.referer = dash(vals_[kReferer]);
    req.user_agent = dash(vals_[kUa]);
    req.host = dash(vals_[kHost]);
    req.forwarded_for = dash(vals_[kXff]);
    return LineKind::kRecord;
  }

 private:
  // A field's value as a non-negative integer: a JSON number that is finite, whole and below
  // 2^53, or a string of decimal digits.
  bool WholeNumber(int f, int64_t& out) const {
    if (is_num_[f]) {
      const double d = num_[f];
      if (!std::isfinite(d) || d < 0 || d >= 9007199254740992.0 || d != std::floor(d)) return false;
      out = static_cast<int64_t>(d);
      return true;
    }
    return ParseDecimal(vals_[f], out);
  }

  static LineKind Bad(ParseError& err, const char* code, std::size_t col) {
    err.code = code;
    err.column = col;
    return LineKind::kBad;
  }

  std::string name_;
  std::array<std::vector<Path>, kFieldCount> paths_;
  std::array<std::string, kFieldCount> vals_;
  std::array<double, kFieldCount> num_{};
  std::array<bool, kFieldCount> present_{};
  std::array<bool, kFieldCount> is_num_{};
};

}  // namespace

Result<JsonMapping> ParseJsonMapping(std::string_view spec) {
  JsonMapping m;
  std::size_t pos = 0;
  while (pos < spec.size()) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    const std::string_view item = spec.substr(pos, comma - pos);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::Error("mapping", TrFill("fmt.mapping_item", {{"{item}", std::string(item)}}),
                           pos);
    }
    const std::string_view key = item.substr(0, eq);
    if (FieldIndex(key) < 0) {
      return Status::Error("mapping",
                           TrFill("fmt.mapping_field", {{"{field}", std::string(key)}}),
                           pos);
    }
    m.fields.emplace_back(std::string(key), std::string(item.substr(eq + 1)));
    pos = comma + 1;
  }
  return m;
}

Result<std::unique_ptr<LineParser>> MakeJsonParser(const JsonMapping& mapping,
                                                   std::string_view name) {
  std::array<std::vector<Path>, kFieldCount> paths;
  for (const auto& [k, v] : mapping.fields) {
    const int f = FieldIndex(k);
    if (f < 0) return Status::Error("mapping", TrFill("fmt.mapping_field", {{"{field}", k}}));
    auto alts = SplitAlternatives(v);
    paths[static_cast<std::size_t>(f)].insert(paths[static_cast<std::size_t>(f)].end(),
                                              alts.begin(), alts.end());
  }
  if (paths[kTime].empty() || paths[kIp].empty() ||
      (paths[kUri].empty() && paths[kRequest].empty())) {
    return Status::Error("mapping", Tr("fmt.mapping_minimum"));
  }
  return std::unique_ptr<LineParser>(
      std::make_unique<JsonParser>(std::string(name), std::move(paths)));
}

}  // namespace keikai::ingest
