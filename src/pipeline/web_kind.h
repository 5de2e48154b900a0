#pragma once
// The web kind: access-log lines (ingest's formats) -> http::Request -> signatures, value
// checks, CRS (optional) and per-source behaviour -> events and findings.

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
  WebKind(Context& ctx, const detect::DetectorSet& det);
  ~WebKind();

  // Before the first file: continue the behaviour state an interrupted scan left.
  Status Start();
  // The web kind reads every format it is given that no other kind claims.
  static int Claims(std::string_view) { return 1; }
  static Result<std::string> Detect(std::span<const std::string_view> head, const Context& ctx);
  // The parser for a file: format is a --log-format value (given) or a detected name.
  Status BeginFile(const std::string& format, bool given, FileRow& row);
  ingest::LineKind Parse(std::string_view line, ingest::ParseError& err) {
    return parser_->Parse(line, req_, err);
  }
  int64_t time() const { return req_.time; }
  void Accept(uint64_t line_no);
  // Its part of a batch: behaviour verdicts and the tracker's checkpoint (final: the last ones,
  // and the checkpoint cleared).
  void Commit(store::Batch& b, bool final);
  bool NeedsFinalCommit() const { return tracker_ != nullptr; }

 private:
  struct RulePart;
  struct PartKey;
  struct PartEntry;
  struct PartMemo;
  void ResolveClient();
  std::string_view SiteOf();
  static bool IsHostName(std::string_view s);
  static void AddVerdicts(store::Batch& b, const std::vector<detect::SourceVerdict>& verdicts);
  uint32_t Merge(const RulePart& p);
  RulePart EvaluatePart(const http::FullRequest& part);
  template <class Build, class Fill>
  const PartEntry& MemoEntry(PartMemo& m, const PartKey& key, Build&& build, Fill&& fill);
  const PartEntry& RequestPart(const http::RequestKeys& keys);
  uint32_t RuleClasses(const http::RequestKeys& keys, const PartEntry& request_part);

  Context& ctx_;
  const detect::DetectorSet& det_;
  std::unique_ptr<detect::BehaviorTracker> tracker_;
  std::unique_ptr<detect::DetectorSet::Scratch, void (*)(detect::DetectorSet::Scratch*)> scratch_;
  std::unique_ptr<ingest::LineParser> parser_;
  http::Request req_;
  detect::Detection det_out_;
  std::unique_ptr<rules::Evaluator> rules_;
  std::unique_ptr<PartMemo> request_parts_, ua_parts_, referer_parts_;
  std::string rest_fields_[3];  // method, protocol, host of rest_hash_
  uint64_t rest_hash_ = 0;
  bool rest_valid_ = false;
  std::string last_ip_text_;
  http::IpAddr last_ip_;
  bool last_ip_ok_ = false;
  std::vector<rules::RuleMatch> rule_hits_;
  std::string site_buf_;
  bool line_budget_exceeded_ = false, line_limit_hit_ = false;  // of the line's CRS parts
};

}  // namespace keikai::pipeline
