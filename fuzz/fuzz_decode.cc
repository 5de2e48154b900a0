// Request-target decoding, address parsing, UTF-8 cleaning for JSON, and log times.
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/core/time.h"
#include "keikai/core/utf8.h"

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

  // JSON string of outside text: quoted, well-formed UTF-8, no raw control character.
  std::string js;
  keikai::AppendJsonString(js, in);
  if (js.size() < 2 || js.front() != '"' || js.back() != '"') __builtin_trap();
  for (std::size_t i = 0; i < js.size();) {
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = keikai::DecodeUtf8(js, i, &cp, &bad);
    if (n == 0 || cp < 0x20) __builtin_trap();
    i += n;
  }
  // The streaming CLF time parser agrees with the plain one, after a first time and alone.
  keikai::ClfTimeParser clf;
  int64_t t1 = 0, t2 = 0, t3 = 0;
  (void)clf.Parse("16/Feb/2022:09:00:00 +0900", t1);
  const bool ok1 = keikai::ParseClfTime(in, t2);
  const bool ok2 = clf.Parse(in, t3);
  if (ok1 != ok2 || (ok1 && t2 != t3)) __builtin_trap();
  return 0;
}
