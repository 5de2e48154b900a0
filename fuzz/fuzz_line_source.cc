// The reader: plain, gzip and zstd streams (told by magic bytes) with a small line limit, so
// truncated and corrupt compressed data and over-long lines are all exercised.
#include <cstdint>
#include <string>

#include "keikai/ingest/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::ingest;
  auto src = LineSource::FromString(std::string(reinterpret_cast<const char*>(data), size), 64);
  std::string_view line;
  bool too_long = false;
  uint64_t total = 0;
  while (src->Next(line, too_long)) {
    if (line.size() > 64) __builtin_trap();
    total += line.size();
    if (total > (64u << 20)) break;  // bounded even for decompression bombs
  }
  return 0;
}
