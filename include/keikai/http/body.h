#pragma once
// Request-body parsers for the rule engine (issue 3): application/x-www-form-urlencoded, JSON
// and multipart/form-data. They turn a body into the arguments and files SecLang rules see
// (ARGS_POST, FILES, FILES_NAMES, MULTIPART_*), with limits so that no body can exhaust
// memory, and never throw. Multipart parsing is strict in the way CRS 922 and 920 rules expect:
// every irregularity sets a flag instead of being repaired silently.
// Thread-safe: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keikai/http/decode.h"

namespace keikai::http {

struct BodyLimits {
  std::size_t max_args = 1000;      // more arguments than this: the rest are dropped, flagged
  std::size_t max_json_depth = 512; // nesting deeper than this is an error
  std::size_t max_parts = 1000;     // multipart parts
};

// A body argument is a (name, value) pair like a query's.
using BodyArg = QueryArg;

struct BodyFile {
  std::string field;     // the part's name=
  std::string filename;  // the part's filename=
  std::string content_type;
  std::size_t size = 0;
};

// The MULTIPART_* flags (each true when the irregularity was seen).
struct MultipartFlags {
  bool boundary_quoted = false;
  bool boundary_whitespace = false;
  bool data_before = false;       // bytes before the first boundary
  bool data_after = false;        // bytes after the closing boundary
  bool header_folding = false;    // a part header continued on the next line
  bool lf_line = false;           // a line ended with LF alone
  bool crlf_lf_lines = false;     // both CRLF and LF line ends
  bool missing_semicolon = false; // Content-Disposition parameters without ';'
  bool invalid_quoting = false;
  bool invalid_part = false;      // a part without Content-Disposition or name
  bool unmatched_boundary = false;// a line that looks like a boundary but is not ours
  bool file_limit_exceeded = false;
  bool strict_error() const {
    return boundary_quoted || boundary_whitespace || data_before || data_after ||
           header_folding || lf_line || missing_semicolon || invalid_quoting || invalid_part ||
           unmatched_boundary || file_limit_exceeded;
  }
};

struct ParsedBody {
  std::vector<BodyArg> args;   // ARGS_POST (names as the processor names them)
  std::vector<BodyFile> files; // multipart file parts
  // MULTIPART_PART_HEADERS: (part name, whole header line) for every part header.
  std::vector<std::pair<std::string, std::string>> part_headers;
  MultipartFlags multipart;
  bool error = false;          // REQBODY_ERROR
  std::string error_message;   // REQBODY_ERROR_MSG
  bool args_truncated = false;
};

ParsedBody ParseUrlencoded(std::string_view body, const BodyLimits& limits = {});
// JSON arguments are named by their path with the "json." prefix libmodsecurity 3 and Coraza
// use: {"a":{"b":[1,2]}} gives json.a.b.0 = 1 and json.a.b.1 = 2 (array elements by index, as
// Coraza names them; to be checked against libmodsecurity in the differential test).
ParsedBody ParseJson(std::string_view body, const BodyLimits& limits = {});
// content_type is the whole Content-Type header ("multipart/form-data; boundary=...").
ParsedBody ParseMultipart(std::string_view body, std::string_view content_type,
                          const BodyLimits& limits = {});

}  // namespace keikai::http
