// A message or an mbox (inspect/scan.h ScanBytes: GMime, the attachments' inspection, passwords
// from the text, archives opened with them) on arbitrary bytes: every message gets a verdict or
// an error, nothing crashes. Small limits keep each run short.
#include <cstdint>
#include <string_view>

#include "keikai/inspect/passwords.h"
#include "keikai/inspect/scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::inspect;
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  ScanOptions o;
  o.limits.max_entries = 50;
  o.limits.max_entry = 1 << 20;
  o.limits.max_total = 4 << 20;
  o.max_depth = 3;
  ScanBytes(d, "fuzz", o, [](MessageVerdict&& v) {
    if (v.verdict.empty()) __builtin_trap();
  });
  (void)FindPasswords(d);
  (void)InspectObject("fuzz.bin", d, {"infected"}, o);
  return 0;
}
