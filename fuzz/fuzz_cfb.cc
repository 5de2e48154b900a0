// The compound-file reader (inspect/cfb.h) and what reads its streams (VBA projects through
// MS-OVBA, BIFF8 workbooks, the encryption checks) on arbitrary bytes: no crash, no hang (chains
// and the directory tree are bounded), streams no larger than the file.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/inspect/cfb.h"
#include "keikai/inspect/office.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::inspect;
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  Object biff;  // the bytes as a bare BIFF8 stream too
  AnalyzeBiff8(d, biff);
  Cfb cfb;
  std::string error;
  if (!cfb.Open(d, error)) return 0;
  for (const CfbEntry& e : cfb.entries()) {
    std::string out;
    if (cfb.Read(e, out, error) && out.size() > size) __builtin_trap();
  }
  Object obj;
  AnalyzeOle(cfb, obj);
  return 0;
}
