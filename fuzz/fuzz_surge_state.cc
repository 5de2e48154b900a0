// The surge detector's stored memory (surge/state.h) on arbitrary text: decoding never crashes,
// what decodes encodes back to the same state, and the detector given it still runs (a state
// that does not fit is ignored).
#include <cstdint>
#include <string_view>
#include <vector>

#include "keikai/surge/detector.h"
#include "keikai/surge/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::surge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto st = DecodeState(text);
  if (!st) return 0;
  const std::string again = EncodeState(*st);
  const auto back = DecodeState(again);
  if (!back || EncodeState(*back) != again) __builtin_trap();
  HourlySeries s;
  s.site = "a";
  s.cls = "*";
  s.first_hour = 460000;
  for (int i = 0; i < 24 * 10; ++i) s.counts.push_back(static_cast<uint32_t>(i % 24 == 3 && i > 200 ? 90 : i % 5));
  Resume r;
  r.from = &*st;
  r.save_through = s.first_hour + 200;
  DetectSurges({s}, DetectorOptions{}, &r);
  return 0;
}
