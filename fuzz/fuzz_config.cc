// The daemon's configuration reader (config/config.h) on arbitrary text: never crashes, never
// recurses without bound, and every problem has a position inside the text and a reason.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<keikai::config::Problem> problems;
  keikai::config::Parse(text, "fuzz.yaml", problems);
  if (problems.size() > 101) __builtin_trap();
  int lines = 1;
  for (char c : text) lines += c == '\n';
  for (const auto& p : problems) {
    if (p.why.empty() || p.line < 0 || p.line > lines + 1) __builtin_trap();
  }
  return 0;
}
