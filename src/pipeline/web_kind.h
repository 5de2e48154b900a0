#pragma once
// The web kind: access-log lines (ingest's formats) -> http::Request -> signatures, value
// checks, CRS (optional) and per-source behaviour -> events and findings.
//
// A line's work has two parts. Prepare (parse, the client behind trusted proxies, the request's
// keys, the detectors and CRS, the address parsed) depends on the line alone and runs on any
// worker (each with its own parser, detector scratch and CRS memo). Merge (the site and its
// bound, counts, behaviour, sources, attacks, findings) depends on order and runs on the
// scanner's thread, line after line. The answers are the same whichever worker prepared a line.

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keikai/detect/behavior.h"
#include "keikai/detect/detector.h"
#include "keikai/http/ip.h"
#include "keikai/ingest/format.h"
#include "keikai/rules/engine.h"
#include "pipeline/context.h"

namespace keikai::pipeline {

class WebKind {
 public:
  static constexpr event::Kind kKind = event::Kind::kWeb;
  // A line prepared for the merge. Views point into the line or into own.
  struct Slot {
    std::string_view line;
    uint64_t line_no = 0;
    bool too_long = false;
    bool may_have_nul = true;  // false: the reader found no NUL byte in the line's whole chunk
    ingest::LineKind kind = ingest::LineKind::kSkip;
    ingest::ParseError err;
    http::Request req;
    http::RequestKeys keys;
    detect::Detection det;
    std::vector<rules::RuleMatch> rule_hits;  // CRS attack matches of the line's parts
    bool crs_budget = false, crs_limit = false;
    bool request_part_hit = false;  // a CRS attack rule matched the request part itself
    http::IpAddr ip;
    bool ip_ok = false;
    std::string own;  // what the parser left in its scratch, copied
  };

  WebKind(Context& ctx, const detect::DetectorSet& det);
  ~WebKind();

  // Before the first file: continue the behaviour state an interrupted scan left.
  Status Start();
  // The web kind reads every format it is given that no other kind claims.
  static int Claims(std::string_view) { return 1; }
  static Result<std::string> Detect(std::span<const std::string_view> head, const Context& ctx);
  // The parsers for a file (one per worker): format is a --log-format value (given) or a
  // detected name.
  Status BeginFile(const std::string& format, bool given, FileRow& row);
  // Line by line, on the scanner's thread: Parse, then time(), then Accept.
  ingest::LineKind Parse(std::string_view line, ingest::ParseError& err);
  int64_t time() const { return seq_.req.time; }
  void Accept(uint64_t line_no);
  // Its part of a batch: behaviour verdicts and the tracker's checkpoint (final: the last ones,
  // and the checkpoint cleared).
  void Commit(store::Batch& b, bool final);
  bool NeedsFinalCommit() const { return tracker_ != nullptr; }

  // In chunks: whether this file's lines can be prepared apart (its format keeps no state from
  // line to line; IIS follows #Fields: directives), the workers for n threads, a line prepared
  // by worker w (any thread, one at a time per worker), a prepared line merged (the scanner's
  // thread, in order), and a held line prepared again on the scanner's thread.
  bool Chunkable() const { return chunkable_; }
  Status SetWorkers(std::size_t n);
  // The lines of a chunk, by worker w: each is parsed one line ahead of its detection, so
  // that the detectors' memo lookups of a line are loaded while the next one is parsed.
  void PrepareLines(std::size_t w, std::span<Slot> slots);
  void MergeLine(Slot& s);
  Slot& PrepareAgain(std::string_view line, uint64_t line_no);

 private:
  struct Worker;
  struct RulePart;
  struct PartKey;
  struct PartEntry;
  struct PartMemo;
  void PrepareLine(std::size_t w, Slot& s);
  bool ParseSlot(Worker& w, Slot& s, const Slot* prev);
  void Prepare(Worker& w, Slot& s);
  void Judge(Worker& w, Slot& s);
  void ResolveClient(http::Request& req) const;
  std::string_view SiteOf(const http::Request& req);
  static bool IsHostName(std::string_view s);
  static void AddVerdicts(store::Batch& b, const std::vector<detect::SourceVerdict>& verdicts);
  static uint32_t Merge(const RulePart& p, Slot& s);
  RulePart EvaluatePart(Worker& w, const http::FullRequest& part);
  template <class Build, class Fill>
  const PartEntry& MemoEntry(Worker& w, PartMemo& m, const PartKey& key, Build&& build, Fill&& fill);
  const PartEntry& RequestPart(Worker& w, const http::Request& req, const http::RequestKeys& keys);
  uint32_t RuleClasses(Worker& w, Slot& s, const PartEntry& request_part);
  std::unique_ptr<Worker> NewWorker();

  Context& ctx_;
  const detect::DetectorSet& det_;
  std::unique_ptr<detect::BehaviorTracker> tracker_;
  std::vector<std::unique_ptr<Worker>> workers_;  // [0] is the scanner thread's
  std::string format_;
  bool given_ = false, chunkable_ = false;
  Slot seq_, held_;  // the line-by-line path's line; a held line prepared again
  std::string site_buf_;
};

}  // namespace keikai::pipeline
