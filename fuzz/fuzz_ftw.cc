// go-ftw YAML test files (CRS's regression tests, or a user's own) through the runner: parsing,
// building each stage's request (data, encoded_request, headers) and evaluating it.
#include <cstdint>
#include <string_view>

#include "keikai/crstest/ftw.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  static const auto rules = rules::RuleSet::FromText(
      rules::EngineBaseConfig() +
          "SecRule ARGS|REQUEST_HEADERS|REQUEST_BODY \"@rx (?i)select|<script\" "
          "\"id:3,phase:2,pass,log,msg:'x',t:none,t:urlDecodeUni\"\n",
      "");
  if (!rules.ok()) __builtin_trap();
  static rules::Evaluator ev(rules.value());
  crstest::FtwSummary sum;
  crstest::RunFtwDocument(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml", ev,
                        sum);
  return 0;
}
