#include "pipeline/web_kind.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"

namespace keikai::pipeline {
namespace {

// The scan's own part of the behaviour checkpoint, before the tracker's meta record.
constexpr uint32_t kScanMetaMagic = 0x4b534331;  // "KSC1"
struct ScanMeta {
  uint32_t magic = kScanMetaMagic;
  uint32_t reserved = 0;
  uint64_t findings_kept = 0;
};

constexpr std::size_t kRulePartCacheMax = 100000;

}  // namespace

// The attack-rule matches of one part of a request (see RuleClasses), and their classes.
struct WebKind::RulePart {
  std::vector<rules::RuleMatch> matches;
  uint32_t mask = 0;
  bool budget_exceeded = false;  // the evaluation ran out of time (EngineOptions)
  bool limit_hit = false;        // a regex hit its match limit
};

// CRS on a request rebuilt from a log line. A log line has independent parts: the request
// (method, target, protocol, Host) and each client header (User-Agent, Referer). CRS's attack
// rules judge one value at a time, so each part is evaluated on its own and remembered by its
// text: logs repeat every part heavily (a site's few thousand URLs, a few hundred user agents,
// the site's own pages as referers), so most lines cost three lookups. A header is evaluated
// in a neutral request ("GET /", HTTP/1.1, Host localhost): the line's own request line and
// Host are judged in the request part. The classes are the union; the anomaly score of the
// joint request is not computed in log mode. Agreement with evaluating the whole request at
// once is tested (pipeline_test.cc).
//
// A part is one to four texts. Its memo is keyed by a hash of them (the target's and user
// agent's come from the line's RequestKeys, computed once for all stages) and each entry keeps
// the texts to confirm a hit; on the rare hash collision the newer part replaces the older.
constexpr std::size_t kMaxPartFields = 4;
// Short fields (method, protocol, host) are compared inline: a memcmp call costs more than
// the compare itself, and a line compares up to six fields.
inline bool SameBytes(const char* a, const char* b, std::size_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
struct WebKind::PartKey {
  std::array<std::string_view, kMaxPartFields> fields{};
  std::size_t n = 0;
  uint64_t hash = 0;
};
struct WebKind::PartEntry {
  std::array<uint32_t, kMaxPartFields> lengths{};
  std::string text;  // the fields, back to back
  RulePart part;
  std::vector<detect::Hit> target_hits;  // request parts only (see RequestPart)
  bool Is(const PartKey& k) const {
    std::size_t off = 0;
    for (std::size_t i = 0; i < k.n; ++i) {
      const std::string_view f = k.fields[i];
      if (lengths[i] != f.size() || text.size() < off + f.size() ||
          !SameBytes(text.data() + off, f.data(), f.size())) {
        return false;
      }
      off += f.size();
    }
    return off == text.size();
  }
  void Set(const PartKey& k) {
    text.clear();
    for (std::size_t i = 0; i < k.n; ++i) {
      lengths[i] = static_cast<uint32_t>(k.fields[i].size());
      text.append(k.fields[i]);
    }
  }
};
struct WebKind::PartMemo {
  std::unordered_map<uint64_t, PartEntry> parts;  // by PartKey::hash (already mixed)
  // The last line's entry: a source's lines come in runs with the same user agent (83% of
  // the benchmark's lines) and often the same referer, and that entry is still in cache.
  // Node pointers stay valid until parts is cleared.
  const PartEntry* last = nullptr;
  uint64_t last_hash = 0;
};

// The per-thread part of the web kind: the file's parser, detector scratch, the CRS
// evaluator and its memo of request parts, and the last address parsed.
struct WebKind::Worker {
  explicit Worker(const detect::DetectorSet& det) : scratch(det.NewScratch()) {}
  std::unique_ptr<ingest::LineParser> parser;
  std::unique_ptr<detect::DetectorSet::Scratch, void (*)(detect::DetectorSet::Scratch*)> scratch;
  std::unique_ptr<rules::Evaluator> rules;
  PartMemo request_parts, ua_parts, referer_parts;
  std::string rest_fields[3];  // method, protocol, host of rest_hash
  uint64_t rest_hash = 0;
  bool rest_valid = false;
  std::string last_ip_text;
  http::IpAddr last_ip;
  bool last_ip_ok = false;
};

WebKind::WebKind(Context& ctx, const detect::DetectorSet& det) : ctx_(ctx), det_(det) {
  if (ctx.opt.behavior) tracker_ = std::make_unique<detect::BehaviorTracker>(ctx.opt.behavior_options, det);
  workers_.push_back(NewWorker());
}

std::unique_ptr<WebKind::Worker> WebKind::NewWorker() {
  auto w = std::make_unique<Worker>(det_);
  if (ctx_.opt.rules) w->rules = std::make_unique<rules::Evaluator>(ctx_.opt.rules);
  return w;
}

WebKind::~WebKind() = default;

// An interrupted scan left the behaviour state of its last commit: continue from it, so that
// the verdicts are those one uninterrupted scan gives. A checkpoint taken with other options
// (or by another build) is concluded first: its verdicts are committed, then this scan starts
// afresh.
Status WebKind::Start() {
  if (!tracker_) return Status::Ok();
  auto cp = ctx_.store.LoadBehaviorCheckpoint();
  if (!cp.ok()) return ctx_.Fatal(cp.status());
  if (!cp.value()) return Status::Ok();
  const store::BehaviorCheckpoint& c = *cp.value();
  ScanMeta sm;
  sm.magic = 0;
  std::string tmeta;
  if (c.meta.size() >= sizeof sm) {
    std::memcpy(&sm, c.meta.data(), sizeof sm);
    tmeta = c.meta.substr(sizeof sm);
  }
  if (sm.magic == kScanMetaMagic && tracker_->Restore(tmeta, c.states)) {
    ctx_.agg.set_findings_kept(sm.findings_kept);
    return Status::Ok();
  }
  store::Batch b;
  detect::BehaviorOptions old;
  if (sm.magic == kScanMetaMagic && detect::BehaviorTracker::CheckpointOptions(tmeta, old)) {
    detect::BehaviorTracker t(old, det_);
    if (t.Restore(tmeta, c.states)) {
      std::vector<detect::SourceVerdict> verdicts;
      t.Drain(verdicts, true);
      AddVerdicts(b, verdicts);
    }
  }
  b.behavior_checkpoint = store::BehaviorCheckpointDelta{};
  b.behavior_checkpoint->clear = true;
  Status st = ctx_.store.Commit(b);
  return st.ok() ? st : ctx_.Fatal(st);
}


Result<std::string> WebKind::Detect(std::span<const std::string_view> head, const Context&) {
  return ingest::DetectFormat(head);
}

Status WebKind::BeginFile(const std::string& format, bool given, FileRow& row) {
  format_ = format;
  given_ = given;
  std::unique_ptr<ingest::LineParser> parser;
  if (given) {
    auto p = ingest::MakeParser(format);
    if (!p.ok()) return p.status();
    parser = std::move(p).value();
    row.format = std::string(parser->name());
    if (row.format == "nginx" || row.format == "apache") row.format += " (custom)";
    if (ingest::FindFormat(format) != nullptr) row.format = format;
  } else {
    parser = ingest::FindFormat(format)->factory();
    row.format = format;
  }
  const ingest::FormatInfo* info = ingest::FindFormat(format);
  chunkable_ = info == nullptr || !info->stateful;
  workers_[0]->parser = std::move(parser);
  for (std::size_t i = 1; i < workers_.size(); ++i) workers_[i]->parser.reset();
  return Status::Ok();
}

Status WebKind::SetWorkers(std::size_t n) {
  while (workers_.size() < n) workers_.push_back(NewWorker());
  for (std::size_t i = 1; i < n; ++i) {
    if (workers_[i]->parser) continue;
    if (given_) {
      auto p = ingest::MakeParser(format_);
      if (!p.ok()) return p.status();
      workers_[i]->parser = std::move(p).value();
    } else {
      workers_[i]->parser = ingest::FindFormat(format_)->factory();
    }
  }
  return Status::Ok();
}

ingest::LineKind WebKind::Parse(std::string_view line, ingest::ParseError& err) {
  seq_.line = line;
  return seq_.kind = workers_[0]->parser->Parse(line, seq_.req, err);
}

void WebKind::Accept(uint64_t line_no) {
  seq_.line_no = line_no;
  Prepare(*workers_[0], seq_);
  MergeLine(seq_);
}

namespace {

// Points v into own when it is not inside line (the parser's scratch, which its next line
// overwrites); own has room reserved for all of them.
void Own(std::string_view& v, std::string_view line, std::string& own) {
  if (v.empty()) return;
  if (v.data() >= line.data() && v.data() + v.size() <= line.data() + line.size()) return;
  const std::size_t at = own.size();
  own.append(v);
  v = std::string_view(own.data() + at, v.size());
}

}  // namespace

// Parse, the parser's scratch copied, the client and the request's keys; whether s is a
// record (to be judged).
bool WebKind::ParseSlot(Worker& wk, Slot& s, const Slot* prev) {
  if (const char* bad = UnreadableLine(s.line, s.too_long, s.may_have_nul); bad != nullptr) {
    s.kind = ingest::LineKind::kBad;
    s.err.code = bad;
    s.err.column = 0;
    return false;
  }
  s.kind = wk.parser->Parse(s.line, s.req, s.err);
  if (s.kind != ingest::LineKind::kRecord) return false;
  http::Request& r = s.req;
  std::string_view* fields[] = {&r.site, &r.client_ip, &r.peer_ip, &r.forwarded_for, &r.method, &r.target,
                                &r.protocol, &r.referer, &r.user_agent, &r.host};
  std::size_t need = 0;
  for (std::string_view* f : fields) need += f->size();
  s.own.clear();
  s.own.reserve(need);
  for (std::string_view* f : fields) Own(*f, s.line, s.own);
  ResolveClient(r);
  // A source's lines come in runs with the same user agent (83% of the benchmark's lines): its
  // hash is then the previous line's, found by one compare of bytes still in the cache.
  static_assert(sizeof(http::RequestKeys) == 3 * sizeof(HashedView), "RequestKeys: a key is set below");
  if (prev != nullptr && prev->req.user_agent == r.user_agent) {
    s.keys.target = HashedView(r.target);
    s.keys.referer = HashedView(r.referer);
    s.keys.user_agent.text = r.user_agent;
    s.keys.user_agent.hash = prev->keys.user_agent.hash;
  } else {
    s.keys = http::RequestKeys(r);
  }
  det_.Prefetch(s.keys, *wk.scratch);
  return true;
}

void WebKind::PrepareLine(std::size_t w, Slot& s) {
  Worker& wk = *workers_[w];
  if (ParseSlot(wk, s, nullptr)) Judge(wk, s);
}

void WebKind::PrepareLines(std::size_t w, std::span<Slot> slots) {
  // Three lines in flight: line i is parsed (its memo slots asked for), line i-1's slots have
  // arrived and the texts they point to are asked for, line i-2 is judged from the cache.
  Worker& wk = *workers_[w];
  Slot* pending[2] = {nullptr, nullptr};
  const Slot* prev = nullptr;  // the last record parsed in this chunk
  for (Slot& s : slots) {
    if (!ParseSlot(wk, s, prev)) continue;
    prev = &s;
    if (pending[0] != nullptr) Judge(wk, *pending[0]);
    pending[0] = pending[1];
    pending[1] = &s;
    if (pending[0] != nullptr) det_.PrefetchKept(pending[0]->keys, *wk.scratch);
  }
  for (Slot* p : pending) {
    if (p != nullptr) Judge(wk, *p);
  }
}

WebKind::Slot& WebKind::PrepareAgain(std::string_view line, uint64_t line_no) {
  held_.line = line;
  held_.line_no = line_no;
  PrepareLine(0, held_);
  return held_;
}

void WebKind::ResolveClient(http::Request& req) const {
  if (ctx_.opt.trusted_proxies.empty() || req.forwarded_for.empty()) return;
  http::IpAddr peer;
  if (!http::IpAddr::Parse(req.peer_ip, peer)) return;
  auto trusted = [&](const http::IpAddr& a) {
    return std::any_of(ctx_.opt.trusted_proxies.begin(), ctx_.opt.trusted_proxies.end(),
                       [&](const http::IpPrefix& p) { return p.Contains(a); });
  };
  if (!trusted(peer)) return;
  std::string_view xff = req.forwarded_for;
  // Right to left: the first address not added by one of our proxies is the client.
  while (!xff.empty()) {
    const std::size_t comma = xff.rfind(',');
    std::string_view part = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    http::IpAddr a;
    if (!http::IpAddr::Parse(part, a)) return;
    req.client_ip = part;
    if (!trusted(a)) return;
    if (comma == std::string_view::npos) return;
    xff = xff.substr(0, comma);
  }
}

// The site of a line: --site, else the vhost field or Host header (a host name, lower-cased,
// port dropped), else the file's site. A Host that is no host name (attackers send any bytes)
// counts for the file's site. Sites are bounded: once max_sites distinct sites are known (in
// the store and this run), further ones are counted together as "(other)", so a log with a
// hundred thousand Host names cannot make a hundred thousand sites.
std::string_view WebKind::SiteOf(const http::Request& req) {
  if (!ctx_.opt.site.empty()) return ctx_.opt.site;
  std::string_view s = !req.site.empty() ? req.site : req.host;
  if (s.empty()) return ctx_.file_site;
  // Host headers may carry a port; names are case-insensitive.
  if (s.front() != '[') {
    const std::size_t colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
      s = s.substr(0, colon);
    }
  }
  if (!IsHostName(s)) return ctx_.file_site;
  site_buf_.assign(s);
  for (char& c : site_buf_) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return ctx_.agg.Bounded(site_buf_);
}

bool WebKind::IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.front() == '[') {  // an IPv6 literal
    return s.back() == ']' && s.find_first_not_of("0123456789abcdefABCDEF:.", 1) == s.size() - 1;
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}


// The part of a line that depends on it alone.
void WebKind::Prepare(Worker& w, Slot& s) {
  ResolveClient(s.req);
  s.keys = http::RequestKeys(s.req);
  Judge(w, s);
}

// Detectors, CRS and the address of a parsed line (its keys computed).
void WebKind::Judge(Worker& w, Slot& s) {
  http::Request& req = s.req;
  const PartEntry* request_part = w.rules ? &RequestPart(w, req, s.keys) : nullptr;
  det_.Detect(req, s.keys, *w.scratch, s.det, request_part ? &request_part->target_hits : nullptr);
  s.rule_hits.clear();
  s.crs_budget = s.crs_limit = false;
  s.request_part_hit = request_part != nullptr && request_part->part.mask != 0;
  if (w.rules) s.det.class_mask |= RuleClasses(w, s, *request_part);
  // A source's requests come in runs: the last address text is parsed once per run.
  if (req.client_ip != w.last_ip_text) {
    w.last_ip_ok = http::IpAddr::Parse(req.client_ip, w.last_ip);
    w.last_ip_text.assign(req.client_ip);
  }
  s.ip_ok = w.last_ip_ok;
  if (s.ip_ok) s.ip = w.last_ip;
}

// The part that depends on order: the site and its bound, counts, behaviour, sources,
// attacks, findings.
void WebKind::MergeLine(Slot& s) {
  const http::Request& req = s.req;
  const uint64_t line_no = s.line_no;
  const std::string_view site = SiteOf(req);
  const uint32_t site_id = ctx_.SiteId(site);
  ctx_.agg.Count(site_id, req.time, kKind, req.logged_offset);
  if (s.crs_budget) ++ctx_.res.crs_budget_exceeded;
  if (s.crs_limit) ++ctx_.res.crs_limit_hit;
  uint32_t scenarios = 0;
  if (tracker_ && s.ip_ok) {
    // Behaviour: a source whose behaviour scenarios have triggered makes attacks of its
    // requests, whatever they look like one by one.
    s.det.class_mask |= tracker_->Observe(req, s.keys, s.ip, site, s.det, &scenarios);
  }
  if (!s.det.any()) return;

  // The source: normalised address text, country once per address.
  const std::string ip_text = s.ip_ok ? s.ip.ToString() : std::string(req.client_ip);
  const uint32_t ip_id = ctx_.agg.Source(ip_text, s.ip_ok ? &s.ip : nullptr, req.time);
  ctx_.agg.Attack(site_id, req.time, ip_id, s.det.class_mask);

  const DetectionEvent event{&ctx_.file, line_no, &req, site, ctx_.agg.source(ip_id).country,
                             &s.det, &det_, scenarios, &s.rule_hits};
  if (ctx_.opt.on_detection) ctx_.opt.on_detection(event);
  if (!ctx_.agg.ReserveFinding()) return;
  store::Finding f;
  f.site = std::string(site);
  f.time = req.time;
  f.ip = ip_text;
  f.classes = event::ClassList(s.det.class_mask);
  std::string ev = "[";
  ForEachEvidence(event, [&](std::string_view id, std::string_view e, const rules::RuleMatch* m) {
    if (!f.detectors.empty()) f.detectors += ',';
    f.detectors += id;
    if (ev.size() > 1) ev += ',';
    if (m == nullptr || m->matched_var_name.empty()) {
      AppendJsonString(ev, e);
      return;
    }
    AppendJsonString(ev, std::string(e) + " [" + m->matched_var_name + ": " + Excerpt(m->matched_var, 120) + "]");
  });
  ev += ']';
  f.evidence = std::move(ev);
  f.method = Excerpt(req.method, 32);
  f.target = Excerpt(req.target, 2048);
  f.user_agent = Excerpt(req.user_agent, 512);
  f.status = req.status;
  f.file = ctx_.file;
  f.line = line_no;
  // Whether the request itself was judged an attack (a signature on its target, or a CRS
  // match of its request part), not only its user agent or its source's behaviour.
  f.target_hit = s.request_part_hit;
  for (const detect::Hit& h : s.det.hits) {
    if (det_.specs()[h.detector].field != detect::Field::kUserAgent) f.target_hit = true;
  }
  f.kind = static_cast<uint8_t>(kKind);
  ctx_.agg.AddFinding(std::move(f));
}

void WebKind::Commit(store::Batch& b, bool final) {
  if (!tracker_) return;
  std::vector<detect::SourceVerdict> verdicts;
  tracker_->Drain(verdicts, final);
  AddVerdicts(b, verdicts);
  b.behavior_checkpoint = store::BehaviorCheckpointDelta{};
  if (final) {
    b.behavior_checkpoint->clear = true;
    return;
  }
  detect::BehaviorTracker::CheckpointDelta d;
  tracker_->TakeCheckpoint(d);
  ScanMeta sm;
  sm.findings_kept = ctx_.agg.findings_kept();
  b.behavior_checkpoint->meta.assign(reinterpret_cast<const char*>(&sm), sizeof sm);
  b.behavior_checkpoint->meta += d.meta;
  b.behavior_checkpoint->states = std::move(d.states);
  b.behavior_checkpoint->freed = std::move(d.freed);
}

void WebKind::AddVerdicts(store::Batch& b, const std::vector<detect::SourceVerdict>& verdicts) {
  for (const detect::SourceVerdict& v : verdicts) {
    if (v.cls != detect::SourceClass::kScanner && v.cls != detect::SourceClass::kBadBot &&
        v.cls != detect::SourceClass::kCrawler && v.cls != detect::SourceClass::kShared) {
      continue;  // humans and unknowns are not kept
    }
    store::SourceBehavior sb;
    sb.ip = v.key;
    sb.classification = std::string(detect::SourceClassName(v.cls));
    for (const std::string& id : v.scenario_ids()) sb.scenarios += (sb.scenarios.empty() ? "" : ",") + id;
    sb.evidence = nlohmann::json(v.evidence).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace);
    sb.requests = v.requests;
    sb.first_seen = v.first_seen;
    sb.last_seen = v.last_seen;
    sb.crawler = v.claimed_crawler;
    sb.verified = v.crawler_verified;
    b.behaviors.push_back(std::move(sb));
  }
}


// Appends the matches of a part not yet in the line's; returns the part's classes.
uint32_t WebKind::Merge(const RulePart& p, Slot& s) {
  s.crs_budget = s.crs_budget || p.budget_exceeded;
  s.crs_limit = s.crs_limit || p.limit_hit;
  for (const rules::RuleMatch& m : p.matches) {
    bool seen = false;
    for (const rules::RuleMatch& h : s.rule_hits) seen = seen || h.id == m.id;
    if (!seen) s.rule_hits.push_back(m);
  }
  return p.mask;
}

WebKind::RulePart WebKind::EvaluatePart(Worker& w, const http::FullRequest& part) {
  RulePart p;
  rules::Verdict v = w.rules->Evaluate(part);
  p.budget_exceeded = v.budget_exceeded;
  p.limit_hit = v.limit_hit;
  for (rules::RuleMatch& m : v.matches) {
    const uint32_t mask = m.logged ? RuleMatchClasses(m) : 0;
    if (mask == 0) continue;
    p.mask |= mask;
    p.matches.push_back(std::move(m));
  }
  return p;
}


// The part's entry; build(FullRequest&) fills the part's request when key is new, and
// fill(PartEntry&) adds what else is kept with it. The entry stays valid until the next
// lookup in the same memo.
template <class Build, class Fill>
const WebKind::PartEntry& WebKind::MemoEntry(Worker& w, PartMemo& m, const PartKey& key, Build&& build,
                                             Fill&& fill) {
  if (m.last != nullptr && m.last_hash == key.hash && m.last->Is(key)) return *m.last;
  auto it = m.parts.find(key.hash);
  if (it == m.parts.end() || !it->second.Is(key)) {
    if (it == m.parts.end()) {
      if (m.parts.size() >= kRulePartCacheMax) m.parts.clear();  // bounded memory
      it = m.parts.try_emplace(key.hash).first;
    }
    http::FullRequest fr;
    build(fr);
    it->second.Set(key);
    it->second.part = EvaluatePart(w, fr);
    fill(it->second);
  }
  m.last = &it->second;
  m.last_hash = key.hash;
  return it->second;
}


// The request part's entry (method, target, protocol, Host), which also keeps the signature
// detectors' target hits: one lookup of the target per line serves both.
const WebKind::PartEntry& WebKind::RequestPart(Worker& w, const http::Request& req,
                                              const http::RequestKeys& keys) {
  const std::string_view method = req.method.empty() ? std::string_view("GET") : req.method;
  const std::string_view target = req.target.empty() ? std::string_view("/") : req.target;
  const std::string_view host = !req.host.empty() ? req.host : req.site;
  PartKey rk;
  rk.fields = {method, target, req.protocol, host};
  rk.n = 4;
  // Method, protocol and host change rarely from line to line: their hash is kept.
  if (!w.rest_valid || method != w.rest_fields[0] || req.protocol != w.rest_fields[1] ||
      host != w.rest_fields[2]) {
    w.rest_valid = true;
    w.rest_hash = 0;
    int k = 0;
    for (std::string_view f : {method, req.protocol, host}) {
      w.rest_fields[k++].assign(f);
      w.rest_hash = Mix64(w.rest_hash ^ FastHash64(f));
    }
  }
  rk.hash = Mix64(keys.target.hash ^ w.rest_hash);
  return MemoEntry(
      w, w.request_parts, rk,
      [&](http::FullRequest& fr) {
        fr.method = std::string(method);
        fr.uri = std::string(target);
        fr.protocol = std::string(req.protocol);
        if (!host.empty()) fr.headers.emplace_back("Host", std::string(host));
      },
      [&](PartEntry& e) { det_.TargetHits(req, *w.scratch, e.target_hits); });
}


// The classes of the CRS matches of the line's parts: the request part's (from RequestPart)
// and each client header's.
uint32_t WebKind::RuleClasses(Worker& w, Slot& s, const PartEntry& request_part) {
  const http::RequestKeys& keys = s.keys;
  uint32_t mask = Merge(request_part.part, s);
  struct Header {
    std::string_view name;
    HashedView value;
    PartMemo& memo;
  };
  for (const Header& h : {Header{"User-Agent", keys.user_agent, w.ua_parts},
                          Header{"Referer", keys.referer, w.referer_parts}}) {
    if (h.value.text.empty() || h.value.text == "-") continue;
    PartKey k;
    k.fields[0] = h.value.text;
    k.n = 1;
    k.hash = h.value.hash;
    mask |= Merge(MemoEntry(
                      w, h.memo, k,
                      [&](http::FullRequest& fr) {
                        fr.protocol = "HTTP/1.1";
                        fr.headers.emplace_back("Host", "localhost");
                        fr.headers.emplace_back(std::string(h.name), std::string(h.value.text));
                      },
                      [](PartEntry&) {})
                      .part,
                  s);
  }
  return mask;
}


}  // namespace keikai::pipeline
