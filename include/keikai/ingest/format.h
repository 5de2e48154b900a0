#pragma once
// Log formats. A LineParser turns one log line into an http::Request. Parsers are compiled once
// from a format description (a registry name, an nginx log_format string, an Apache LogFormat
// string, or a JSON field mapping) and then called per line without re-reading the format.
//
// The registry (Formats()) is a plain table of {name, help, version, factory}; every built-in
// format is listed in src/ingest/formats.cc and nowhere else.
//
// Thread-safety: a LineParser is stateful (IIS W3C follows #Fields: directives) and belongs to
// one reader; make one per file.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/http/request.h"

namespace keikai::ingest {

enum class LineKind {
  kRecord,  // req is filled
  kSkip,    // a comment, directive or blank line: neither a request nor bad
  kBad,     // not a valid line in this format; see ParseError
};

struct ParseError {
  const char* code = "";     // stable machine code, e.g. "bad_time"; an i18n key "bad.<code>"
  std::size_t column = 0;    // byte offset in the line where parsing failed
};

class LineParser {
 public:
  virtual ~LineParser() = default;
  virtual std::string_view name() const = 0;
  // Parse one line (without its newline). Views in req point into line or into this parser's
  // scratch, valid until the next call.
  virtual LineKind Parse(std::string_view line, http::Request& req, ParseError& err) = 0;
};

struct FormatInfo {
  std::string_view name;
  std::string_view help_en;
  std::string_view help_ja;
  std::string_view version;
  std::function<std::unique_ptr<LineParser>()> factory;
  // The parser keeps state from line to line (IIS follows #Fields: directives): its lines must
  // be parsed in order by one parser.
  bool stateful = false;
};

// All built-in named formats, in auto-detection priority order.
std::span<const FormatInfo> Formats();
const FormatInfo* FindFormat(std::string_view name);

// Compile an nginx log_format string ("$remote_addr - $remote_user [$time_local] ...").
Result<std::unique_ptr<LineParser>> CompileNginxFormat(std::string_view format);
// Compile an Apache LogFormat string ("%h %l %u %t \"%r\" %>s %b ...").
Result<std::unique_ptr<LineParser>> CompileApacheFormat(std::string_view format);

// JSON lines with a field mapping: keys are request fields ("time", "ip", "method", "uri",
// "request", "protocol", "status", "bytes", "referer", "user_agent", "host", "xff"), values are
// dotted JSON paths ("request.headers.User-Agent"). Arrays take their first element.
struct JsonMapping {
  std::vector<std::pair<std::string, std::string>> fields;
};
// Parse "time=ts,ip=request.client_ip,..." into a mapping.
Result<JsonMapping> ParseJsonMapping(std::string_view spec);
Result<std::unique_ptr<LineParser>> MakeJsonParser(const JsonMapping& mapping,
                                                   std::string_view name = "json");

// Build a parser from the user's options: --log-format may be a registry name, an nginx format
// (contains '$'), an Apache format (contains '%'), or "json:<mapping>".
Result<std::unique_ptr<LineParser>> MakeParser(std::string_view log_format);

// Guess the format of a file from its first lines (up to 64); returns the registry name of the
// format that parses the most of them, or an error if none parses at least half.
Result<std::string> DetectFormat(std::span<const std::string_view> sample_lines);

}  // namespace keikai::ingest
