// Every transformation on arbitrary bytes: the first byte picks it. Outputs stay bounded.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/rules/transform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::rules;
  if (size < 1) return 0;
  const auto all = Transformations();
  const TransformInfo& t = all[data[0] % all.size()];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string out;
  t.fn(in, out);
  if (out.size() > in.size() * 6 + 64) __builtin_trap();  // no transformation blows up
  std::string again;
  t.fn(out, again);  // and chains of them stay safe
  return 0;
}
