// User-given format strings (nginx log_format, Apache LogFormat, JSON mappings) are outside
// input too: compile them, and if they compile, parse the rest of the input with them.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/ingest/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = in.find('\n');
  const std::string fmt(in.substr(0, nl));
  const std::string_view rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  for (int kind = 0; kind < 3; ++kind) {
    Result<std::unique_ptr<ingest::LineParser>> p =
        kind == 0 ? ingest::CompileNginxFormat(fmt)
        : kind == 1 ? ingest::CompileApacheFormat(fmt)
                    : ingest::MakeParser("json:" + fmt);
    if (!p.ok()) continue;
    http::Request req;
    ingest::ParseError err;
    p.value()->Parse(rest, req, err);
  }
  return 0;
}
