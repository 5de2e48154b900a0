// Every built-in log format parser on arbitrary lines. The first byte picks the format; the
// rest is split into lines, as a reader would, so stateful parsers (IIS #Fields:) are exercised.
#include <cstdint>
#include <string_view>

#include "keikai/detect/behavior.h"
#include "keikai/detect/detector.h"
#include "keikai/ingest/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  if (size < 1) return 0;
  const auto formats = ingest::Formats();
  const auto& f = formats[data[0] % formats.size()];
  auto parser = f.factory();
  static const auto det = std::move(detect::DetectorSet::Build(detect::Builtins())).value();
  static auto scratch = det.NewScratch();
  // A small table so that eviction and verdicts are exercised too.
  static detect::BehaviorTracker tracker([] {
    detect::BehaviorOptions o;
    o.max_sources = 64;
    return o;
  }(), det);
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  http::Request req;
  detect::Detection d;
  while (!in.empty()) {
    const std::size_t nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    ingest::ParseError err;
    if (parser->Parse(line, req, err) == ingest::LineKind::kRecord) {
      (void)req.Path();
      (void)req.Query();
      det.Detect(req, *scratch, d);
      http::IpAddr ip;
      if (http::IpAddr::Parse(req.client_ip, ip)) tracker.Observe(req, ip, req.host, d);
    } else if (err.column > line.size()) {
      __builtin_trap();  // an error column must point inside the line
    }
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  std::vector<detect::SourceVerdict> verdicts;
  tracker.Drain(verdicts, false);
  return 0;
}
