// modsec_driver — peer side of keikai's WAF differential test / benchmark.
//
// Runs every request of a JSONL corpus through libmodsecurity (v3) request
// phases only and records the matched+logged rule ids, the inbound anomaly
// score and the intervention status.
//
//   modsec_driver --rules MAIN.conf --requests corpus.jsonl
//                 [--out results.jsonl] [--repeat N] [--quiet]
//                 [--set KEY=VALUE]...
//
// --set KEY=VALUE replaces every "@KEY@" in the rules file text before it is
// loaded (so the bench/waf/*.conf templates can be used directly without sed).
//
// Build (standalone):
//   g++ -std=c++20 -O2 bench/modsec_driver.cc $(pkg-config --cflags --libs modsecurity) -o modsec_driver
// nlohmann/json is header-only (nlohmann-json3-dev).
//
// Corpus line: {"method":..,"uri":..,"version":"HTTP/1.1",
//               "headers":[["Name","Value"],...],"body":"..."}   (other keys ignored)
// Output line: {"i":N,"ids":[sorted unique ints],"score":N,"status":N}

// intervention.h is not self-contained (uses NULL/free): include these first.
#include <cstddef>
#include <cstdlib>

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <modsecurity/collection/collection.h>
#include <modsecurity/collection/collections.h>

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Request {
  std::string method;
  std::string uri;
  std::string version;  // without "HTTP/"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Per-transaction sink the server-log callback writes into.
struct Sink {
  std::vector<int> ids;  // in callback order, not deduplicated
};

void log_cb(void *data, const void *msg) {
  if (data == nullptr || msg == nullptr) return;
  auto *sink = static_cast<Sink *>(data);
  // With RuleMessageLogProperty the callback receives a RuleMessage*.
  const auto *rm = static_cast<const modsecurity::RuleMessage *>(msg);
  sink->ids.push_back(rm->m_ruleId);
}

[[noreturn]] void usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s --rules MAIN.conf --requests corpus.jsonl "
               "[--out results.jsonl] [--repeat N] [--quiet] [--set KEY=VALUE]...\n",
               argv0);
  std::exit(2);
}

bool read_file(const std::string &path, std::string *out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// CRS 4: tx.blocking_inbound_anomaly_score (summed in REQUEST-949).
// CRS 3.3: tx.anomaly_score (summed from tx.anomaly_score_pl1..4 by 949060..
// 949063); tx.inbound_anomaly_score is initialised to 0 by 901200 and only
// copied from tx.anomaly_score by 949110 when the threshold is reached, so it
// must NOT be used (it reads 0 for scores below the threshold).
long resolve_score(modsecurity::Transaction *t) {
  static const char *const kVars[] = {"blocking_inbound_anomaly_score",
                                      "anomaly_score"};
  auto *tx = t->m_collections.m_tx_collection;
  if (tx == nullptr) return 0;
  for (const char *name : kVars) {
    std::unique_ptr<std::string> v = tx->resolveFirst(name);
    if (v && !v->empty()) return std::strtol(v->c_str(), nullptr, 10);
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  std::string rules_path, requests_path, out_path;
  long repeat = 1;
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> defines;

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (a == "--rules") rules_path = next();
    else if (a == "--requests") requests_path = next();
    else if (a == "--out") out_path = next();
    else if (a == "--repeat") repeat = std::max(1L, std::strtol(next().c_str(), nullptr, 10));
    else if (a == "--quiet") quiet = true;
    else if (a == "--set") {
      std::string kv = next();
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) usage(argv[0]);
      defines.emplace_back("@" + kv.substr(0, eq) + "@", kv.substr(eq + 1));
    } else usage(argv[0]);
  }
  if (rules_path.empty() || requests_path.empty()) usage(argv[0]);

  // ---- rules (not timed) --------------------------------------------------
  std::string rules_text;
  if (!read_file(rules_path, &rules_text)) {
    std::fprintf(stderr, "cannot open %s\n", rules_path.c_str());
    return 1;
  }
  for (const auto &[key, val] : defines) {
    for (size_t pos = 0; (pos = rules_text.find(key, pos)) != std::string::npos;) {
      rules_text.replace(pos, key.size(), val);
      pos += val.size();
    }
  }
  // Warn about unsubstituted template placeholders like @CRS4_DIR@.
  for (size_t pos = 0; (pos = rules_text.find('@', pos)) != std::string::npos; ++pos) {
    size_t end = pos + 1;
    while (end < rules_text.size() &&
           ((rules_text[end] >= 'A' && rules_text[end] <= 'Z') ||
            (rules_text[end] >= '0' && rules_text[end] <= '9') || rules_text[end] == '_'))
      ++end;
    if (end > pos + 1 && end < rules_text.size() && rules_text[end] == '@') {
      std::fprintf(stderr, "warning: unsubstituted placeholder %s in %s (use --set)\n",
                   rules_text.substr(pos, end - pos + 1).c_str(), rules_path.c_str());
      pos = end;
    }
  }

  auto modsec = std::make_unique<modsecurity::ModSecurity>();
  modsec->setConnectorInformation("keikai-bench modsec_driver");
  modsec->setServerLogCb(log_cb, modsecurity::RuleMessageLogProperty);

  auto rules = std::make_unique<modsecurity::RulesSet>();
  // ref = the template's path, so relative Includes resolve next to it.
  if (rules->load(rules_text.c_str(), rules_path) < 0) {
    std::fprintf(stderr, "rule load failed: %s\n", rules->getParserError().c_str());
    return 1;
  }

  // Peak RSS with only the rules loaded (the parsed corpus, held in memory
  // for --repeat, is added on top of this; it is ~2x the JSONL size).
  struct rusage ru_rules {};
  getrusage(RUSAGE_SELF, &ru_rules);

  // ---- corpus (parsed up front, not timed) --------------------------------
  std::vector<Request> reqs;
  {
    std::ifstream in(requests_path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot open %s\n", requests_path.c_str());
      return 1;
    }
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const std::exception &e) {
        std::fprintf(stderr, "%s:%zu: bad JSON: %s\n", requests_path.c_str(), lineno, e.what());
        return 1;
      }
      Request r;
      r.method = j.value("method", "GET");
      r.uri = j.value("uri", "/");
      std::string v = j.value("version", "HTTP/1.1");
      if (v.rfind("HTTP/", 0) == 0) v.erase(0, 5);
      r.version = v;
      if (j.contains("headers")) {
        for (const auto &h : j["headers"]) {
          if (h.is_array() && h.size() == 2)
            r.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
        }
      }
      r.body = j.value("body", "");
      reqs.push_back(std::move(r));
    }
  }

  std::FILE *out = nullptr;
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "cannot open %s for writing\n", out_path.c_str());
      return 1;
    }
  }

  // ---- processing loop (timed) --------------------------------------------
  Sink sink;
  sink.ids.reserve(64);
  std::string line;
  uint64_t processed = 0, flagged = 0;
  auto cpu_seconds = []() {
    struct rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  // Every pass does the same work: evaluate, build the output line, write it (to the file in the
  // first pass, to a discarded buffer after), so passes compare with each other and with
  // keikai waf-eval, which does the same. Each pass is timed on its own, and each request too
  // (the worst case per request matters for hostile input).
  std::string sink_buf;
  std::vector<double> pass_secs;
  std::vector<double> req_ms;  // of all passes
  req_ms.reserve(reqs.size() * static_cast<size_t>(repeat));
  const double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (long pass = 0; pass < repeat; ++pass) {
    const auto p0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < reqs.size(); ++i) {
      const auto r0 = std::chrono::steady_clock::now();
      const Request &r = reqs[i];
      sink.ids.clear();
      auto *t = new modsecurity::Transaction(modsec.get(), rules.get(), &sink);
      t->processConnection("127.0.0.1", 12345, "127.0.0.1", 80);
      t->processURI(r.uri.c_str(), r.method.c_str(), r.version.c_str());
      for (const auto &[k, v] : r.headers) t->addRequestHeader(k, v);
      t->processRequestHeaders();
      if (!r.body.empty())
        t->appendRequestBody(reinterpret_cast<const unsigned char *>(r.body.data()), r.body.size());
      t->processRequestBody();

      modsecurity::ModSecurityIntervention it;
      modsecurity::intervention::clean(&it);
      t->intervention(&it);
      int status = it.status;
      modsecurity::intervention::free(&it);

      long score = resolve_score(t);
      if (!sink.ids.empty()) ++flagged;

      std::vector<int> ids = sink.ids;
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      line.clear();
      line += "{\"i\":";
      line += std::to_string(i);
      line += ",\"ids\":[";
      for (size_t k = 0; k < ids.size(); ++k) {
        if (k) line += ',';
        line += std::to_string(ids[k]);
      }
      line += "],\"score\":";
      line += std::to_string(score);
      line += ",\"status\":";
      line += std::to_string(status);
      line += "}\n";
      if (pass == 0 && out != nullptr) {
        std::fwrite(line.data(), 1, line.size(), out);
      } else {
        sink_buf.assign(line);
      }
      if (pass == 0 && !quiet && !sink.ids.empty()) {
        // Matched ids in log order (duplicates kept) for inspection.
        std::fprintf(stderr, "#%zu %s %s ->", i, r.method.c_str(), r.uri.c_str());
        for (int id : sink.ids) std::fprintf(stderr, " %d", id);
        std::fprintf(stderr, " score=%ld status=%d\n", score, status);
      }
      delete t;
      ++processed;
      req_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r0).count());
    }
    pass_secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count());
  }
  auto t1 = std::chrono::steady_clock::now();
  const double cpu = cpu_seconds() - cpu0;
  if (out) std::fclose(out);

  double secs = std::chrono::duration<double>(t1 - t0).count();
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  double rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
  std::fprintf(stderr,
               "requests: %llu (corpus %zu x %ld)\n"
               "flagged (>=1 logged rule): %llu\n"
               "seconds: %.3f (loop only; CPU %.3f s)\n"
               "req/s: %.1f (per CPU-second: %.1f)\n"
               "peak RSS MB: %.1f (rules only, before corpus: %.1f)\n",
               static_cast<unsigned long long>(processed), reqs.size(), repeat,
               static_cast<unsigned long long>(flagged), secs, cpu,
               secs > 0 ? static_cast<double>(processed) / secs : 0.0,
               cpu > 0 ? static_cast<double>(processed) / cpu : 0.0, rss_mb,
               static_cast<double>(ru_rules.ru_maxrss) / 1024.0);
  for (size_t p = 0; p < pass_secs.size(); ++p) {
    std::fprintf(stderr, "pass %zu: %.1f req/s\n", p + 1,
                 pass_secs[p] > 0 ? static_cast<double>(reqs.size()) / pass_secs[p] : 0.0);
  }
  if (!req_ms.empty()) {
    std::vector<double> sorted = req_ms;
    std::sort(sorted.begin(), sorted.end());
    std::fprintf(stderr, "per request ms: max %.3f p99 %.3f median %.3f\n", sorted.back(),
                 sorted[sorted.size() * 99 / 100], sorted[sorted.size() / 2]);
  }
  if (pass_secs.size() > 1 && req_ms.size() >= reqs.size() && !reqs.empty()) {
    // The last pass alone: the steady state, after every first-use cost.
    std::vector<double> last(req_ms.end() - static_cast<std::ptrdiff_t>(reqs.size()), req_ms.end());
    std::sort(last.begin(), last.end());
    std::fprintf(stderr, "last pass per request ms: max %.3f p99 %.3f median %.3f\n", last.back(),
                 last[last.size() * 99 / 100], last[last.size() / 2]);
  }
  return 0;
}
