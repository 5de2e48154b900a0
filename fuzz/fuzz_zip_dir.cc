// The ZIP central directory reader (inspect/zip.h) on arbitrary bytes: entries within the data,
// names valid UTF-8 or as given, bounded.
#include <cstdint>
#include <string_view>

#include "keikai/inspect/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  const keikai::inspect::ZipDirectory z = keikai::inspect::ReadZipDirectory(d, 1000);
  if (z.entries.size() > 1000) __builtin_trap();
  (void)keikai::inspect::LooksLikeZip(d);
  return 0;
}
