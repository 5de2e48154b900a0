// The mail-log reader (mail/log.h) on arbitrary lines: the first byte picks the format, the
// rest is split into lines. Views must point into the line (for the journal format, whose fields
// are decoded from JSON, into the record's own message); error columns inside it; detection must
// not crash on the same lines.
#include <cstdint>
#include <string_view>
#include <vector>

#include "keikai/mail/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  if (size < 1) return 0;
  const auto formats = mail::Formats();
  const std::string_view format = formats[data[0] % formats.size()].name;
  const bool journal = format == "journal";
  const bool milter = format == "keikai-milter";  // its fields are decoded from JSON into the parser
  mail::LogParser parser(format, 1796000000, 9 * 3600);
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> lines;
  auto inside = [](std::string_view part, std::string_view line) {
    return part.empty() || (part.data() >= line.data() && part.data() + part.size() <= line.data() + line.size());
  };
  while (!in.empty()) {
    const std::size_t nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    if (lines.size() < 64) lines.push_back(line);
    mail::Record r;
    ingest::ParseError err;
    if (parser.Parse(line, r, err) == ingest::LineKind::kRecord && !milter) {
      const std::string_view within = journal ? r.message : line;
      if (!journal && (!inside(r.host, line) || !inside(r.program, line) || !inside(r.message, line))) __builtin_trap();
      if (!inside(r.client, within) && !(journal && inside(r.client, r.program))) __builtin_trap();
      if (!r.detail.empty() && !inside(r.detail, within) && r.detail != "no auth attempts") __builtin_trap();
    } else if (err.column > line.size() && !milter) {
      __builtin_trap();
    }
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  (void)mail::DetectFormat(lines, 1796000000, 0);
  return 0;
}
