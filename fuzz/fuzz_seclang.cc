// The SecLang rule-file parser: whole files, and the variable/operator/action sub-parsers.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/rules/seclang.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::rules;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = ParseText(in, "fuzz.conf");
  if (r.ok()) {
    for (const Directive& d : r.value().directives) {
      if (d.kind == Kind::kRule && d.variables.empty()) __builtin_trap();  // a rule has targets
    }
  }
  (void)ParseVariables(in);
  (void)ParseOperator(in);
  (void)ParseActions(in);
  return 0;
}
