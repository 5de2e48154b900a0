// Raw HTTP requests (encoded_request in CRS tests, live traffic later) through the parser and
// then the rule engine with a small rule set touching every body processor.
#include <cstdint>
#include <string_view>

#include "keikai/http/full_request.h"
#include "keikai/rules/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai;
  static const auto rules = rules::RuleSet::FromText(
      "SecRuleEngine On\nSecRequestBodyAccess On\n"
      "SecRule REQUEST_HEADERS:Content-Type \"@rx json\" \"id:1,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
      "SecRule REQUEST_HEADERS:Content-Type \"@rx xml\" \"id:2,phase:1,pass,nolog,ctl:requestBodyProcessor=XML\"\n"
      "SecRule ARGS|ARGS_NAMES|REQUEST_COOKIES|XML:/*|FILES|REQUEST_HEADERS \"@rx (?i)select|<script\" "
      "\"id:3,phase:2,pass,log,capture,t:none,t:urlDecodeUni,t:lowercase,setvar:tx.x=+1\"\n",
      "");
  if (!rules.ok()) __builtin_trap();
  static rules::Evaluator ev(rules.value());
  auto req = http::ParseRawRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!req.ok()) return 0;
  (void)ev.Evaluate(req.value());
  return 0;
}
