// The XML request-body reader on arbitrary bytes: bounded depth, never a crash.
#include <cstdint>
#include <string_view>

#include "rules/xml_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const keikai::rules::XmlText x = keikai::rules::ExtractXmlText(in);
  if (x.ok && x.text.size() > in.size() * 4 + 16) __builtin_trap();
  return 0;
}
