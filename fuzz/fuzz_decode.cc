// Request-target decoding and address parsing.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/http/decode.h"
#include "keikai/http/ip.h"
#include "keikai/http/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  PercentDecode(in, out, true);
  if (out.size() > in.size()) __builtin_trap();  // decoding never grows
  NormalizeForMatch(in, out, false);
  bool truncated = false;
  auto args = DecodeQuery(in, 64, &truncated);
  if (args.size() > 64) __builtin_trap();
  Request r;
  r.target = in;
  (void)r.Path();
  (void)r.Query();
  IpAddr a;
  if (IpAddr::Parse(in, a)) {
    IpAddr b;
    if (!IpAddr::Parse(a.ToString(), b) || !(a == b)) __builtin_trap();  // round trip
  }
  IpPrefix p;
  if (IpPrefix::Parse(in, p)) (void)p.Contains(a);
  return 0;
}
