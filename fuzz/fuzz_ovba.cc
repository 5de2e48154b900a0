// MS-OVBA decompression (inspect/vba.h) on arbitrary bytes: output bounded by max_out, copies
// never reach before the chunk; and the VBA keyword analysis on the result.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/inspect/vba.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::inspect;
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  std::string out;
  (void)OvbaDecompress(d, out, 1u << 20);
  if (out.size() > (1u << 20)) __builtin_trap();
  (void)AnalyzeVba(out);
  (void)AnalyzeVba(d);
  return 0;
}
