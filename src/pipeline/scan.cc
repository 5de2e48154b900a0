#include "keikai/pipeline/scan.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/ingest/format.h"
#include "keikai/ingest/cursor.h"
#include "keikai/ingest/source.h"

namespace keikai::pipeline {
namespace {

constexpr const char* kOtherSite = "(other)";

constexpr uint64_t kCommitEveryLines = 2'000'000;
constexpr std::size_t kCommitEveryFindings = 10'000;
constexpr std::size_t kSampleLines = 64;

std::string Hex(uint64_t v, std::size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kHex[v & 15];
  return s + ":" + std::to_string(len);
}

std::string LineHash(std::string_view l) { return Hex(Fnv1a64(l), l.size()); }

// Well-formed UTF-8 for excerpts: ill-formed sequences and control characters (but tab) become
// U+FFFD.
std::string Excerpt(std::string_view s, std::size_t max) {
  return CleanUtf8(s.substr(0, max), Utf8Cleaning{});
}

struct AttackKey {
  uint32_t site, hour, ip;
  uint8_t cls;
  bool operator==(const AttackKey&) const = default;
};
struct AttackKeyHash {
  std::size_t operator()(const AttackKey& k) const {
    uint64_t h = (uint64_t{k.site} << 40) ^ (uint64_t{k.hour} << 8) ^ k.cls;
    h ^= uint64_t{k.ip} * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

struct Aggregates {
  std::unordered_map<std::string, uint32_t> site_ids;
  std::vector<std::string> sites;
  std::unordered_map<std::string, uint32_t> ip_ids;
  std::vector<store::SourceInfo> sources;  // by id, for the whole scan
  std::vector<uint32_t> touched;            // ids of sources seen since the last batch
  std::vector<uint8_t> is_touched;          // by id
  std::unordered_map<uint64_t, uint64_t> requests;  // site << 32 | hour
  std::unordered_map<AttackKey, uint64_t, AttackKeyHash> attacks;
  std::vector<store::Finding> findings;

  uint32_t Site(std::string_view s) {
    auto it = site_ids.find(std::string(s));
    if (it != site_ids.end()) return it->second;
    const auto id = static_cast<uint32_t>(sites.size());
    sites.emplace_back(s);
    site_ids.emplace(std::string(s), id);
    return id;
  }

  void Touch(uint32_t source_id) {
    if (is_touched.size() <= source_id) is_touched.resize(source_id + 1, 0);
    if (is_touched[source_id] != 0) return;
    is_touched[source_id] = 1;
    touched.push_back(source_id);
  }

  store::Batch TakeBatch() {  // invalidates pointers into requests
    store::Batch b;
    b.requests.reserve(requests.size());
    for (const auto& [k, n] : requests) {
      b.requests.push_back({sites[k >> 32], static_cast<int64_t>(k & 0xffffffffu), n});
    }
    b.attacks.reserve(attacks.size());
    for (const auto& [k, n] : attacks) {
      b.attacks.push_back({sites[k.site], k.hour, k.cls, sources[k.ip].ip, n});
    }
    // The sources seen since the last batch (first/last seen merge in the store); all of them
    // stay here for their ids.
    b.sources.reserve(touched.size());
    for (uint32_t id : touched) {
      b.sources.push_back(sources[id]);
      is_touched[id] = 0;
    }
    touched.clear();
    b.findings = std::move(findings);
    requests.clear();
    attacks.clear();
    findings.clear();
    return b;
  }
};

class Scanner {
 public:
  Scanner(const ScanOptions& opt, store::Store& st, const detect::DetectorSet& det,
          const geo::GeoDb* geo)
      : opt_(opt), store_(st), det_(det), geo_(geo), scratch_(det.NewScratch()) {
    max_time_ = (opt.now != 0 ? opt.now : static_cast<int64_t>(std::time(nullptr))) + 2 * 86400;
    if (opt.behavior) tracker_ = std::make_unique<detect::BehaviorTracker>(opt.behavior_options, det);
    if (opt.rules) rules_ = std::make_unique<rules::Evaluator>(opt.rules);
  }

  Result<ScanResult> Run() {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> skipped_dirs;
    auto files = ingest::ExpandInputs(opt_.inputs, &skipped_dirs);
    if (!files.ok()) return files.status();
    std::sort(skipped_dirs.begin(), skipped_dirs.end());
    for (const std::string& d : skipped_dirs) res_.notes.push_back(d + ": " + Tr("read.subdir_skipped"));
    {
      auto known = store_.Sites();
      if (!known.ok()) return Fatal(known.status());
      known_sites_.insert(known.value().begin(), known.value().end());
    }
    if (tracker_) {
      Status st = RestoreBehavior();
      if (!st.ok()) return st;
    }
    for (const std::string& f : files.value()) {
      FileRow row;
      row.path = f;
      Status st = ScanFile(f, row);
      if (fatal_) return st;  // the store failed: nothing more is committed (see CommitBatch)
      if (!st.ok()) {
        row.error = st.message();
        if (st.offset() != Status::npos) row.error += " (" + std::to_string(st.offset()) + ")";
        row.error_code = st.code();
        if (res_.first_error.empty()) res_.first_error = f + ": " + st.ToString();
      }
      res_.files.push_back(std::move(row));
      ++res_.summary.files;
    }
    if (tracker_) {
      // The last verdicts: every source still tracked; the checkpoint goes with them.
      Status c = CommitBatch(nullptr, /*final_behavior=*/true);
      if (!c.ok()) return c;
    }
    uint64_t best = 0;
    for (const auto& [off, n] : offsets_) {
      if (n > best) {
        best = n;
        res_.dominant_offset = off;
        res_.has_offset = true;
      }
    }
    // Every site seen in this run has an id in the aggregates (ids are never cleared); the sites
    // of inputs found already ingested are named too, so their report is theirs, not the store's.
    res_.sites = agg_.sites;
    for (const std::string& x : covered_sites_) {
      if (x == "*") {
        res_.all_sites = true;  // a covered input had more sites than its record names
        continue;
      }
      if (std::find(res_.sites.begin(), res_.sites.end(), x) == res_.sites.end()) res_.sites.push_back(x);
    }
    if (res_.sites.size() > opt_.max_sites) res_.all_sites = true;
    std::sort(res_.sites.begin(), res_.sites.end());
    if (res_.crs_budget_exceeded > 0) {
      res_.notes.push_back(TrFill(
          "msg.crs_budget",
          {{"{n}", std::to_string(res_.crs_budget_exceeded)},
           {"{ms}", std::to_string(opt_.rules ? opt_.rules->options().request_budget_us / 1000 : 0)}}));
    }
    if (res_.crs_limit_hit > 0) {
      res_.notes.push_back(TrFill("msg.crs_limit", {{"{n}", std::to_string(res_.crs_limit_hit)}}));
    }
    if (res_.findings_dropped > 0) {
      res_.notes.push_back(TrFill("msg.findings_dropped", {{"{n}", std::to_string(res_.findings_dropped)},
                                                           {"{max}", std::to_string(opt_.max_findings)}}));
    }
    if (res_.folded_requests > 0) {
      res_.notes.push_back(TrFill("msg.sites_folded", {{"{requests}", std::to_string(res_.folded_requests)},
                                                       {"{sites}", std::to_string(folded_sites_.size())},
                                                       {"{max}", std::to_string(opt_.max_sites)}}));
    }
    res_.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(res_);
  }

 private:
  // The scan's own part of the behaviour checkpoint, before the tracker's meta record.
  static constexpr uint32_t kScanMetaMagic = 0x4b534331;  // "KSC1"
  struct ScanMeta {
    uint32_t magic = kScanMetaMagic;
    uint32_t reserved = 0;
    uint64_t findings_kept = 0;
  };

  // An interrupted scan left the behaviour state of its last commit: continue from it, so that
  // the verdicts are those one uninterrupted scan gives. A checkpoint taken with other options
  // (or by another build) is concluded first: its verdicts are committed, then this scan starts
  // afresh.
  Status RestoreBehavior() {
    auto cp = store_.LoadBehaviorCheckpoint();
    if (!cp.ok()) return Fatal(cp.status());
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
      findings_kept_ = sm.findings_kept;
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
    Status st = store_.Commit(b);
    return st.ok() ? st : Fatal(st);
  }

  Status Fatal(Status st) {
    fatal_ = true;
    return st;
  }

  // Streams for a key, for the resume reader. A file still marked the way keikai marked files up
  // to schema version 3 is converted first: its mark is verified against the file and turned into
  // a stream with checkpoints, committed on its own.
  Result<std::vector<ingest::StreamRecord>> LoadStreams(const std::string& path,
                                                        const std::string& key) {
    auto streams = store_.FindStreams(key);
    if (!streams.ok()) return Fatal(streams.status());
    if (!streams.value().empty() || path == "-") return streams;
    auto legacy = store_.FindFile(key);
    if (!legacy.ok()) return Fatal(legacy.status());
    if (!legacy.value()) return streams;
    const store::FileMark& m = *legacy.value();
    auto src = ingest::LineSource::Open(path, opt_.max_line);
    if (!src.ok()) return src.status();
    ingest::StreamUpdate u;
    u.id = ingest::NewStreamId();
    u.key = key;
    u.path = path;
    u.site = m.site;
    u.sites = {m.site};
    std::string_view line;
    bool too_long = false;
    uint64_t n = 0, h = 0, before = 0;
    std::string fps;
    bool verified = false;
    while (n <= m.lines && src.value()->Next(line, too_long)) {
      if (src.value()->compression() == ingest::Compression::kNone &&
          !src.value()->last_line_terminated()) {
        break;
      }
      ++n;
      h = ingest::ChainLine(h, line);
      fps.push_back(static_cast<char>(h & 0xff));  // the line's fingerprint (ingest/cursor.h)
      fps.push_back(static_cast<char>((h >> 8) & 0xff));
      if (n == m.lines + 1) verified = before == m.offset && LineHash(line) == m.tail_hash;
      before = src.value()->offset();
      if (n % ingest::kCheckpointEvery == 0 || n == m.lines + 1) {
        u.checkpoints.push_back({n, before, h, std::move(fps)});
        fps.clear();
      }
    }
    if (!verified) return streams;  // the mark belongs to another file with this first line
    u.lines = n;
    u.offset = before;
    store::Batch b;
    b.streams.push_back(std::move(u));
    b.legacy_files_done.push_back(key);
    Status st = store_.Commit(b);
    if (!st.ok()) return Fatal(st);
    auto again = store_.FindStreams(key);
    if (!again.ok()) return Fatal(again.status());
    return again;
  }

  Status ScanFile(const std::string& path, FileRow& row) {
    const bool is_stdin = path == "-";
    auto s = ingest::LineSource::Open(path, opt_.max_line);
    if (!s.ok()) return s.status();
    ingest::ResumeReader::Options ro;
    ro.hold_back_unterminated = !is_stdin;
    ro.head_lines = kSampleLines;
    ingest::ResumeReader reader(std::move(s).value(), ro, [&](const std::string& key) {
      return LoadStreams(path, key);
    });
    Status started = reader.Start();
    if (!started.ok()) return started;

    // The parser: given, or detected from the first lines.
    std::unique_ptr<ingest::LineParser> parser;
    if (!opt_.log_format.empty()) {
      auto p = ingest::MakeParser(opt_.log_format);
      if (!p.ok()) return p.status();
      parser = std::move(p).value();
      row.format = std::string(parser->name());
      if (row.format == "nginx" || row.format == "apache") row.format += " (custom)";
      if (ingest::FindFormat(opt_.log_format) != nullptr) row.format = opt_.log_format;
    } else {
      std::vector<std::string_view> views(reader.head().begin(), reader.head().end());
      auto name = ingest::DetectFormat(views);
      if (!name.ok()) {
        if (reader.head().empty()) return reader.status();  // empty input: nothing to do
        return Status::Error("detect", name.status().message());
      }
      parser = ingest::FindFormat(name.value())->factory();
      row.format = name.value();
    }

    // A given format that most of the first lines do not parse as, while they look like another
    // known format: stop before anything is read or remembered, or the whole file would be
    // counted as bad lines and, once remembered, never read again.
    if (!opt_.log_format.empty()) {
      std::size_t records = 0, bad = 0;
      http::Request tmp;
      ingest::ParseError perr;
      for (const std::string& l : reader.head()) {
        const ingest::LineKind k = parser->Parse(l, tmp, perr);
        if (k == ingest::LineKind::kRecord) ++records;
        if (k == ingest::LineKind::kBad) ++bad;
      }
      if (bad > records) {
        std::vector<std::string_view> views(reader.head().begin(), reader.head().end());
        auto name = ingest::DetectFormat(views);
        if (name.ok() && name.value() != row.format) {
          row.detected_format = name.value();
          return Status::Error("format_mismatch",
                               TrFill("read.format_mismatch", {{"{bad}", std::to_string(bad)},
                                                               {"{n}", std::to_string(records + bad)},
                                                               {"{given}", row.format},
                                                               {"{format}", name.value()}}));
        }
      }
    }

    // The time lines of this file are expected near: the median of its first lines' times.
    ref_time_ = 0;
    held_ = false;
    {
      std::vector<int64_t> times;
      http::Request tmp;
      ingest::ParseError perr;
      for (const std::string& l : reader.head()) {
        if (parser->Parse(l, tmp, perr) == ingest::LineKind::kRecord && tmp.time >= kMinTime &&
            tmp.time <= max_time_) {
          times.push_back(tmp.time);
        }
      }
      if (!times.empty()) {
        std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
        ref_time_ = times[times.size() / 2];
      }
    }
    const std::string file_site = opt_.site.empty() ? SiteFromFileName(path) : opt_.site;
    row.site = file_site;
    file_ = path;
    file_site_ = file_site;
    file_site_ids_.clear();
    file_sites_overflow_ = false;
    uint64_t since_commit = 0;
    auto handle = [&](std::string_view line, bool too_long, uint64_t line_no) {
      ++row.lines;
      ++res_.summary.lines;
      if (too_long) return Bad(row, line_no, line, "line_too_long", 0);
      if (std::memchr(line.data(), 0, line.size()) != nullptr) {
        return Bad(row, line_no, line, "binary", 0);
      }
      ingest::ParseError err;
      switch (parser->Parse(line, req_, err)) {
        case ingest::LineKind::kSkip:
          ++res_.summary.skipped;
          return;
        case ingest::LineKind::kBad:
          return Bad(row, line_no, line, err.code, err.column);
        case ingest::LineKind::kRecord:
          return Record(row, *parser, line, line_no);
      }
    };

    std::string_view line;
    bool too_long = false;
    while (reader.Next(line, too_long)) {
      handle(line, too_long, reader.line_number());
      ++since_commit;
      if (opt_.on_progress && (row.lines & 0x3ffff) == 0) {
        opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), row.lines);
      }
      if (!held_ && (since_commit >= kCommitEveryLines || agg_.findings.size() >= kCommitEveryFindings)) {
        Status c = CommitBatch(&reader);
        if (!c.ok()) return c;
        since_commit = 0;
      }
    }
    EndOfFile(row);
    if (opt_.on_progress) {
      opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), row.lines);
    }
    row.already_ingested = reader.already();
    row.held_back = reader.held_back();
    if (row.lines > 0 && row.bad_lines * 2 > row.lines) {
      // Most lines were bad: say what format they look like (a wrong --log-format, or a file
      // whose format changed after its first lines).
      std::vector<std::string_view> views(reader.head().begin(), reader.head().end());
      auto name = ingest::DetectFormat(views);
      if (name.ok() && name.value() != row.format) row.detected_format = name.value();
    }
    res_.summary.already_ingested += reader.already();
    // A file with nothing new (a copy of a log read before, under another name): its site is the
    // one its lines were counted under, not one guessed from this copy's name.
    if (row.lines == 0 && reader.already() > 0 && opt_.site.empty() && !reader.matched().empty() &&
        !reader.matched().front().site.empty()) {
      row.site = reader.matched().front().site;
    }
    for (const ingest::StreamRecord& m : reader.matched()) {
      for (const std::string& x : m.sites) covered_sites_.insert(x);
      if (m.sites.empty() && !m.site.empty()) covered_sites_.insert(m.site);
      // --site names another site than the one these lines were counted under: say so, and
      // how to move them.
      if (!opt_.site.empty() && !m.site.empty() && m.site != opt_.site && reader.already() > 0 &&
          relabel_noted_.insert(m.site).second) {
        res_.notes.push_back(TrFill("msg.site_relabel", {{"{old}", m.site}, {"{new}", opt_.site}}));
      }
    }
    // What was read is committed with the stream's mark, even when reading then failed (a
    // truncated gzip): the good lines are kept, and the next scan does not count them again.
    Status c = CommitBatch(&reader);
    if (!c.ok()) return c;
    return reader.status();
  }

  // Times a log line cannot have: in the future (beyond two days of clock skew) or before 1990
  // (one line dated 9999 made every report of its site span eight thousand years). And a line
  // more than a year away from the accepted line before it is held until the next record
  // decides: if that one is near it, the log really jumped and both count; otherwise the held
  // line is bad. The reference starts at the median time of the file's first lines.
  static constexpr int64_t kMinTime = 631152000;  // 1990-01-01
  static constexpr int64_t kMaxJump = 366 * 86400;
  void Record(FileRow& row, ingest::LineParser& parser, std::string_view line,
              uint64_t line_no) {
    const int64_t t = req_.time;
    if (t > max_time_) return Bad(row, line_no, line, "time_future", 0);
    if (t < kMinTime) return Bad(row, line_no, line, "time_past", 0);
    if (held_) {
      held_ = false;
      if (t >= held_time_ - 86400 && t <= held_time_ + 86400) {
        ingest::ParseError err;
        if (parser.Parse(held_line_, req_, err) == ingest::LineKind::kRecord) Accept(row, held_no_);
        parser.Parse(line, req_, err);  // req_ was the held line's: this line again
        Accept(row, line_no);
        ref_time_ = t;
        return;
      }
      Bad(row, held_no_, held_line_, "time_out_of_range", 0);
    }
    if (ref_time_ != 0 && (t > ref_time_ + kMaxJump || t < ref_time_ - kMaxJump)) {
      held_ = true;
      held_line_.assign(line);
      held_no_ = line_no;
      held_time_ = t;
      return;
    }
    Accept(row, line_no);
    ref_time_ = t;
  }
  // A held line with no record after it is bad.
  void EndOfFile(FileRow& row) {
    if (!held_) return;
    held_ = false;
    Bad(row, held_no_, held_line_, "time_out_of_range", 0);
  }
  void Accept(FileRow& row, uint64_t line_no) {
    ++row.parsed;
    ++res_.summary.parsed;
    Process(line_no);
  }

  void Bad(FileRow& row, uint64_t line_no, std::string_view line, const char* code,
           std::size_t col) {
    ++row.bad_lines;
    ++res_.summary.bad_lines;
    if (res_.bad_line_samples.size() < opt_.bad_line_samples) {
      res_.bad_line_samples.push_back({file_, line_no, code, col + 1, Excerpt(line, 200)});
    }
  }

  void ResolveClient() {
    if (opt_.trusted_proxies.empty() || req_.forwarded_for.empty()) return;
    http::IpAddr peer;
    if (!http::IpAddr::Parse(req_.peer_ip, peer)) return;
    auto trusted = [&](const http::IpAddr& a) {
      return std::any_of(opt_.trusted_proxies.begin(), opt_.trusted_proxies.end(),
                         [&](const http::IpPrefix& p) { return p.Contains(a); });
    };
    if (!trusted(peer)) return;
    std::string_view xff = req_.forwarded_for;
    // Right to left: the first address not added by one of our proxies is the client.
    while (!xff.empty()) {
      const std::size_t comma = xff.rfind(',');
      std::string_view part = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      http::IpAddr a;
      if (!http::IpAddr::Parse(part, a)) return;
      req_.client_ip = part;
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
  std::string_view SiteOf() {
    if (!opt_.site.empty()) return opt_.site;
    std::string_view s = !req_.site.empty() ? req_.site : req_.host;
    if (s.empty()) return file_site_;
    // Host headers may carry a port; names are case-insensitive.
    if (s.front() != '[') {
      const std::size_t colon = s.find(':');
      if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
        s = s.substr(0, colon);
      }
    }
    if (!IsHostName(s)) return file_site_;
    site_buf_.assign(s);
    for (char& c : site_buf_) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    if (known_sites_.count(site_buf_) != 0) return site_buf_;
    if (known_sites_.size() < opt_.max_sites) {
      known_sites_.insert(site_buf_);
      return site_buf_;
    }
    ++res_.folded_requests;
    if (folded_sites_.size() < 100000) folded_sites_.insert(site_buf_);
    return kOtherSite;
  }

  static bool IsHostName(std::string_view s) {
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

  void Process(uint64_t line_no) {
    ResolveClient();
    const std::string_view site = SiteOf();
    uint32_t site_id;
    if (site == last_site_name_ && last_site_id_ != UINT32_MAX) {
      site_id = last_site_id_;
    } else {
      site_id = agg_.Site(site);
      last_site_name_.assign(site);
      last_site_id_ = site_id;
      if (std::find(file_site_ids_.begin(), file_site_ids_.end(), site_id) == file_site_ids_.end()) {
        if (file_site_ids_.size() < 64) file_site_ids_.push_back(site_id);
        else file_sites_overflow_ = true;
      }
    }
    // The zone the lines carry, overall and per site (map nodes do not move; the per-site
    // counters are cleared at each commit, which resets the cached pointer).
    if (last_offset_count_ == nullptr || req_.logged_offset != last_offset_ ||
        last_offset_site_ != site_id || last_site_offset_count_ == nullptr) {
      last_offset_ = req_.logged_offset;
      last_offset_site_ = site_id;
      last_offset_count_ = &offsets_[last_offset_];
      last_site_offset_count_ = &site_offsets_[site_id][last_offset_];
    }
    ++*last_offset_count_;
    ++*last_site_offset_count_;
    const int64_t hour64 = req_.time >= 0 ? req_.time / 3600 : 0;
    const auto hour = static_cast<uint32_t>(hour64);
    // Lines come in time order: the same site-hour counter is hit again and again.
    const uint64_t rkey = uint64_t{site_id} << 32 | hour;
    if (rkey != last_rkey_ || last_rcount_ == nullptr) {
      last_rcount_ = &agg_.requests[rkey];
      last_rkey_ = rkey;
    }
    ++*last_rcount_;
    const http::RequestKeys keys(req_);
    const PartEntry* request_part = rules_ ? &RequestPart(keys) : nullptr;
    det_.Detect(req_, keys, *scratch_, det_out_, request_part ? &request_part->target_hits : nullptr);
    rule_hits_.clear();
    if (rules_) {
      line_budget_exceeded_ = line_limit_hit_ = false;
      det_out_.class_mask |= RuleClasses(keys, *request_part);
      if (line_budget_exceeded_) ++res_.crs_budget_exceeded;
      if (line_limit_hit_) ++res_.crs_limit_hit;
    }
    // A source's requests come in runs: the last address text is parsed once per run.
    if (req_.client_ip != last_ip_text_) {
      last_ip_ok_ = http::IpAddr::Parse(req_.client_ip, last_ip_);
      last_ip_text_.assign(req_.client_ip);
    }
    const bool ip_ok = last_ip_ok_;
    const http::IpAddr& ip = last_ip_;  // read only when ip_ok
    uint32_t scenarios = 0;
    if (tracker_ && ip_ok) {
      // Behaviour: a source whose behaviour scenarios have triggered makes attacks of its
      // requests, whatever they look like one by one.
      det_out_.class_mask |= tracker_->Observe(req_, keys, ip, site, det_out_, &scenarios);
    }
    if (!det_out_.any()) return;

    // The source: normalised address text, country once per address.
    std::string ip_text = ip_ok ? ip.ToString() : std::string(req_.client_ip);
    auto it = agg_.ip_ids.find(ip_text);
    uint32_t ip_id;
    if (it == agg_.ip_ids.end()) {
      ip_id = static_cast<uint32_t>(agg_.sources.size());
      store::SourceInfo si;
      si.ip = ip_text;
      if (geo_ != nullptr && ip_ok) si.country = geo_->Lookup(ip);
      si.first_seen = si.last_seen = req_.time;
      agg_.sources.push_back(std::move(si));
      agg_.ip_ids.emplace(ip_text, ip_id);
    } else {
      ip_id = it->second;
      store::SourceInfo& si = agg_.sources[ip_id];
      si.first_seen = std::min(si.first_seen, req_.time);
      si.last_seen = std::max(si.last_seen, req_.time);
    }
    agg_.Touch(ip_id);
    std::string classes;
    for (int c = 0; c < detect::kClassCount; ++c) {
      if ((det_out_.class_mask & (1u << c)) == 0) continue;
      ++agg_.attacks[{site_id, hour, ip_id, static_cast<uint8_t>(c)}];
      if (!classes.empty()) classes += ',';
      classes += detect::ClassName(static_cast<detect::AttackClass>(c));
    }
    ++agg_.attacks[{site_id, hour, ip_id, store::kAllClasses}];

    const DetectionEvent event{&file_, line_no, &req_, site, agg_.sources[ip_id].country, &det_out_,
                               &det_, scenarios, &rule_hits_};
    if (opt_.on_detection) opt_.on_detection(event);
    if (findings_kept_ >= opt_.max_findings) {
      ++res_.findings_dropped;
      return;
    }
    ++findings_kept_;
    store::Finding f;
    f.site = std::string(site);
    f.time = req_.time;
    f.ip = ip_text;
    f.classes = std::move(classes);
    std::string ev = "[";
    ForEachEvidence(event, [&](const std::string& id, std::string e, const rules::RuleMatch* m) {
      if (!f.detectors.empty()) f.detectors += ',';
      f.detectors += id;
      if (m != nullptr && !m->matched_var_name.empty()) {
        e += " [" + m->matched_var_name + ": " + Excerpt(m->matched_var, 120) + "]";
      }
      if (ev.size() > 1) ev += ',';
      AppendJsonString(ev, e);
    });
    ev += ']';
    f.evidence = std::move(ev);
    f.method = Excerpt(req_.method, 32);
    f.target = Excerpt(req_.target, 2048);
    f.user_agent = Excerpt(req_.user_agent, 512);
    f.status = req_.status;
    f.file = file_;
    f.line = line_no;
    // Whether the request itself was judged an attack (a signature on its target, or a CRS
    // match of its request part), not only its user agent or its source's behaviour.
    f.target_hit = request_part != nullptr && request_part->part.mask != 0;
    for (const detect::Hit& h : det_out_.hits) {
      if (det_.specs()[h.detector].field != detect::Field::kUserAgent) f.target_hit = true;
    }
    agg_.findings.push_back(std::move(f));
  }

  void TakeVerdicts(store::Batch& b, bool final) {
    if (!tracker_) return;
    std::vector<detect::SourceVerdict> verdicts;
    tracker_->Drain(verdicts, final);
    AddVerdicts(b, verdicts);
  }

  static void AddVerdicts(store::Batch& b, const std::vector<detect::SourceVerdict>& verdicts) {
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

  // One batch: counts, findings, sources, behaviour verdicts and state, and the input's mark,
  // in one transaction. If it fails the scan stops (fatal_): the tracker and the aggregates
  // have moved past what the store holds, so nothing after it may be committed; the next scan
  // continues from the last batch that was.
  Status CommitBatch(ingest::ResumeReader* reader, bool final_behavior = false) {
    store::Batch b = agg_.TakeBatch();
    last_rcount_ = nullptr;
    // Each site's logs carry a zone; remember it for reports of later runs.
    for (const auto& [site_id, offs] : site_offsets_) {
      int32_t best = 0;
      uint64_t n = 0;
      for (const auto& [off, k] : offs) {
        if (k > n) {
          n = k;
          best = off;
        }
      }
      if (n > 0) b.site_offsets.emplace_back(agg_.sites[site_id], best);
    }
    site_offsets_.clear();
    last_site_offset_count_ = nullptr;
    TakeVerdicts(b, final_behavior);
    if (reader != nullptr && reader->has_update()) {
      std::vector<std::string> sites;
      for (uint32_t id : file_site_ids_) sites.push_back(agg_.sites[id]);
      if (file_sites_overflow_) sites.push_back("*");
      b.streams.push_back(reader->TakeUpdate(file_, file_site_, sites));
    }
    if (tracker_) {
      b.behavior_checkpoint = store::BehaviorCheckpointDelta{};
      if (final_behavior) {
        b.behavior_checkpoint->clear = true;
      } else {
        detect::BehaviorTracker::CheckpointDelta d;
        tracker_->TakeCheckpoint(d);
        ScanMeta sm;
        sm.findings_kept = findings_kept_;
        b.behavior_checkpoint->meta.assign(reinterpret_cast<const char*>(&sm), sizeof sm);
        b.behavior_checkpoint->meta += d.meta;
        b.behavior_checkpoint->states = std::move(d.states);
        b.behavior_checkpoint->freed = std::move(d.freed);
      }
    }
    Status st = store_.Commit(b);
    // The findings buffer goes back for the next batch: regrowing it from nothing each batch
    // moved every finding several times into freshly faulted memory.
    b.findings.clear();
    if (agg_.findings.empty()) agg_.findings.swap(b.findings);
    return st.ok() ? st : Fatal(st);
  }

  const ScanOptions& opt_;
  store::Store& store_;
  const detect::DetectorSet& det_;
  const geo::GeoDb* geo_;
  std::unique_ptr<detect::BehaviorTracker> tracker_;
  std::unique_ptr<detect::DetectorSet::Scratch, void (*)(detect::DetectorSet::Scratch*)> scratch_;
  ScanResult res_;
  Aggregates agg_;
  http::Request req_;
  detect::Detection det_out_;
  // The attack-rule matches of one part of a request (see RuleClasses), and their classes.
  struct RulePart {
    std::vector<rules::RuleMatch> matches;
    uint32_t mask = 0;
    bool budget_exceeded = false;  // the evaluation ran out of time (EngineOptions)
    bool limit_hit = false;        // a regex hit its match limit
  };
  // Appends the matches of a part not yet in rule_hits_; returns the part's classes.
  uint32_t Merge(const RulePart& p) {
    line_budget_exceeded_ = line_budget_exceeded_ || p.budget_exceeded;
    line_limit_hit_ = line_limit_hit_ || p.limit_hit;
    for (const rules::RuleMatch& m : p.matches) {
      bool seen = false;
      for (const rules::RuleMatch& h : rule_hits_) seen = seen || h.id == m.id;
      if (!seen) rule_hits_.push_back(m);
    }
    return p.mask;
  }
  RulePart EvaluatePart(const http::FullRequest& part) {
    RulePart p;
    rules::Verdict v = rules_->Evaluate(part);
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
  static constexpr std::size_t kMaxPartFields = 4;
  // Short fields (method, protocol, host) are compared inline: a memcmp call costs more than
  // the compare itself, and a line compares up to six fields.
  static bool SameBytes(const char* a, const char* b, std::size_t n) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  struct PartKey {
    std::array<std::string_view, kMaxPartFields> fields{};
    std::size_t n = 0;
    uint64_t hash = 0;
  };
  struct PartEntry {
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
  struct PartMemo {
    std::unordered_map<uint64_t, PartEntry> parts;  // by PartKey::hash (already mixed)
    // The last line's entry: a source's lines come in runs with the same user agent (83% of
    // the benchmark's lines) and often the same referer, and that entry is still in cache.
    // Node pointers stay valid until parts is cleared.
    const PartEntry* last = nullptr;
    uint64_t last_hash = 0;
  };
  // The part's entry; build(FullRequest&) fills the part's request when key is new, and
  // fill(PartEntry&) adds what else is kept with it. The entry stays valid until the next
  // lookup in the same memo.
  template <class Build, class Fill>
  const PartEntry& MemoEntry(PartMemo& m, const PartKey& key, Build&& build, Fill&& fill) {
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
      it->second.part = EvaluatePart(fr);
      fill(it->second);
    }
    m.last = &it->second;
    m.last_hash = key.hash;
    return it->second;
  }

  // The request part's entry (method, target, protocol, Host), which also keeps the signature
  // detectors' target hits: one lookup of the target per line serves both.
  const PartEntry& RequestPart(const http::RequestKeys& keys) {
    const std::string_view method = req_.method.empty() ? std::string_view("GET") : req_.method;
    const std::string_view target = req_.target.empty() ? std::string_view("/") : req_.target;
    const std::string_view host = !req_.host.empty() ? req_.host : req_.site;
    PartKey rk;
    rk.fields = {method, target, req_.protocol, host};
    rk.n = 4;
    // Method, protocol and host change rarely from line to line: their hash is kept.
    if (!rest_valid_ || method != rest_fields_[0] || req_.protocol != rest_fields_[1] ||
        host != rest_fields_[2]) {
      rest_valid_ = true;
      rest_hash_ = 0;
      int k = 0;
      for (std::string_view f : {method, req_.protocol, host}) {
        rest_fields_[k++].assign(f);
        rest_hash_ = Mix64(rest_hash_ ^ FastHash64(f));
      }
    }
    rk.hash = Mix64(keys.target.hash ^ rest_hash_);
    return MemoEntry(
        request_parts_, rk,
        [&](http::FullRequest& fr) {
          fr.method = std::string(method);
          fr.uri = std::string(target);
          fr.protocol = std::string(req_.protocol);
          if (!host.empty()) fr.headers.emplace_back("Host", std::string(host));
        },
        [&](PartEntry& e) { det_.TargetHits(req_, *scratch_, e.target_hits); });
  }

  // The classes of the CRS matches of the line's parts: the request part's (from RequestPart)
  // and each client header's.
  uint32_t RuleClasses(const http::RequestKeys& keys, const PartEntry& request_part) {
    uint32_t mask = Merge(request_part.part);
    struct Header {
      std::string_view name;
      HashedView value;
      PartMemo& memo;
    };
    for (const Header& h : {Header{"User-Agent", keys.user_agent, ua_parts_},
                            Header{"Referer", HashedView(req_.referer), referer_parts_}}) {
      if (h.value.text.empty() || h.value.text == "-") continue;
      PartKey k;
      k.fields[0] = h.value.text;
      k.n = 1;
      k.hash = h.value.hash;
      mask |= Merge(MemoEntry(
                        h.memo, k,
                        [&](http::FullRequest& fr) {
                          fr.protocol = "HTTP/1.1";
                          fr.headers.emplace_back("Host", "localhost");
                          fr.headers.emplace_back(std::string(h.name), std::string(h.value.text));
                        },
                        [](PartEntry&) {})
                        .part);
    }
    return mask;
  }

  static constexpr std::size_t kRulePartCacheMax = 100000;
  std::unique_ptr<rules::Evaluator> rules_;
  PartMemo request_parts_, ua_parts_, referer_parts_;
  std::string rest_fields_[3];  // method, protocol, host of rest_hash_
  uint64_t rest_hash_ = 0;
  bool rest_valid_ = false;
  std::string last_ip_text_;
  http::IpAddr last_ip_;
  bool last_ip_ok_ = false;
  std::vector<rules::RuleMatch> rule_hits_;
  std::string file_, file_site_, site_buf_;
  std::string last_site_name_;
  uint32_t last_site_id_ = UINT32_MAX;
  uint64_t findings_kept_ = 0;
  bool fatal_ = false;
  bool line_budget_exceeded_ = false, line_limit_hit_ = false;  // of the line's CRS parts
  std::unordered_set<std::string> known_sites_;   // sites in the store and seen in this run
  std::unordered_set<std::string> folded_sites_;  // sites counted as "(other)" (bounded)
  std::set<std::string> relabel_noted_;           // sites named in a relabel note
  int64_t max_time_ = 0;                  // now + 2 days
  int64_t ref_time_ = 0, held_time_ = 0;  // see Record
  bool held_ = false;
  std::string held_line_;
  uint64_t held_no_ = 0;
  std::vector<uint32_t> file_site_ids_;   // the sites this file's lines went to (bounded)
  bool file_sites_overflow_ = false;       // ... and there were more
  std::set<std::string> covered_sites_;   // sites of streams the inputs were found in
  std::map<int32_t, uint64_t> offsets_;
  std::map<uint32_t, std::map<int32_t, uint64_t>> site_offsets_;  // by site id, since the last commit
  uint64_t* last_site_offset_count_ = nullptr;
  uint32_t last_offset_site_ = UINT32_MAX;
  uint64_t last_rkey_ = 0;
  uint64_t* last_rcount_ = nullptr;  // into agg_.requests; reset when it is taken
  int32_t last_offset_ = 0;
  uint64_t* last_offset_count_ = nullptr;
};

}  // namespace

std::string RuleMatchDetectorId(const rules::RuleMatch& m) { return "crs:" + std::to_string(m.id); }

std::string RuleMatchEvidence(const rules::RuleMatch& m) {
  return "crs " + std::to_string(m.id) + ": " + m.msg;
}

uint32_t RuleMatchClasses(const rules::RuleMatch& m) {
  using detect::AttackClass;
  auto bit = [](AttackClass c) { return 1u << static_cast<unsigned>(c); };
  uint32_t mask = 0;
  for (const std::string& t : m.tags) {
    if (t.rfind("attack-", 0) != 0) continue;
    const std::string_view a = std::string_view(t).substr(7);
    if (a == "sqli") mask |= bit(AttackClass::kSqli);
    else if (a == "xss") mask |= bit(AttackClass::kXss);
    else if (a == "lfi" || a == "rfi") mask |= bit(AttackClass::kLfi);
    else if (a == "rce" || a == "injection-php" || a == "injection-generic" || a == "ssrf" ||
             a == "injection-java" || a == "generic" || a == "ssti")
      mask |= bit(AttackClass::kRce);
    else if (a == "reputation-scanner") mask |= bit(AttackClass::kScanner);
    else if (a == "fixation" || a == "multipart-header") mask |= bit(AttackClass::kExploit);
    // attack-protocol (920/921) judges headers and framing, which a log line mostly lacks
    // (no Accept, often no Host): in log mode those matches would be artefacts.
  }
  return mask;
}

std::string SiteFromFileName(const std::string& path) {
  if (path == "-") return "default";
  std::string name = std::filesystem::path(path).filename().string();
  auto strip = [&](std::string_view suffix) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      return true;
    }
    return false;
  };
  strip(".gz") || strip(".zst") || strip(".zstd");
  // rotation: .1, .2, -20220301
  const std::size_t dot = name.find_last_of(".-");
  if (dot != std::string::npos && dot + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<long>(dot) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    name.resize(dot);
  }
  for (const char* s : {".access.log", "-access.log", "_access.log", ".access_log", "_access_log",
                        "-access_log", ".log"}) {
    if (strip(s)) break;
  }
  if (name.empty() || name == "access" || name == "access_log" || name == "ssl_access" ||
      name == "access.log" || name == "ssl_access_log" || name == "u_ex" ||
      name.rfind("u_ex", 0) == 0) {
    return "default";
  }
  return name;
}

Result<ScanResult> Scan(const ScanOptions& opt, store::Store& store,
                        const detect::DetectorSet& detectors, const geo::GeoDb* geo) {
  Scanner s(opt, store, detectors, geo);
  return s.Run();
}

}  // namespace keikai::pipeline
