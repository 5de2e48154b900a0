// DetectSqli on arbitrary bytes (see injection_check.h for what is checked).
#include "injection_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return CheckInjectionDetector(keikai::rules::DetectSqli, data, size);
}
