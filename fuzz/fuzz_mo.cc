// The gettext .mo reader behind country names (geo/country_names.cc): any bytes as the image,
// looked up with a few message ids; every offset and length must be checked.
#include <cstdint>
#include <string_view>

#include "keikai/geo/country_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view mo(reinterpret_cast<const char*>(data), size);
  for (const char* id : {"", "China", "Japan", "Korea, Republic of"}) {
    if (keikai::geo::MoLookup(mo, id).size() > size) __builtin_trap();
  }
  return 0;
}
