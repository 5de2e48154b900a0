// Request-body parsers: urlencoded, JSON and multipart (the first line of the input is the
// Content-Type for multipart).
#include <cstdint>
#include <string_view>

#include "keikai/http/body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::http;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  BodyLimits lim;
  lim.max_args = 64;
  lim.max_json_depth = 32;
  lim.max_parts = 16;
  if (ParseUrlencoded(in, lim).args.size() > 64) __builtin_trap();
  if (ParseJson(in, lim).args.size() > 64) __builtin_trap();
  const std::size_t nl = in.find('\n');
  const std::string_view ct = nl == std::string_view::npos ? in : in.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  const ParsedBody m = ParseMultipart(body, ct, lim);
  if (m.args.size() > 64 || m.files.size() > 16) __builtin_trap();
  if (m.part_headers.size() > 16 * 8) __builtin_trap();  // the part-header bound (max_parts * 8)
  return 0;
}
