#pragma once
// Decoding of request targets: percent-decoding, '+' in queries, query-argument splitting and
// path normalisation. Never throws; malformed escapes are kept literally (as servers do).
// Output goes into caller-provided strings so the hot path can reuse their capacity.

#include <string>
#include <string_view>
#include <vector>

namespace keikai::http {

// %XX -> byte; "%u1234" is left as is (see rules/ transformations for IIS-style decoding).
// plus_as_space: '+' -> ' ' (for query strings).
void PercentDecode(std::string_view in, std::string& out, bool plus_as_space = false);
// True if s contains a '%' or '+' that PercentDecode would change.
bool NeedsDecode(std::string_view s, bool plus_as_space = false);

// Calls fn(name, value, has_value) for each non-empty "name=value" pair of a query string, as
// written (not decoded); fn returns false to stop. "a=1&&b" gives ("a", "1", true), ("b", "", false).
template <class Fn>
void ForEachQueryPair(std::string_view q, Fn&& fn) {
  std::size_t pos = 0;
  while (pos < q.size()) {
    std::size_t amp = q.find('&', pos);
    if (amp == std::string_view::npos) amp = q.size();
    const std::string_view pair = q.substr(pos, amp - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const bool has_value = eq != std::string_view::npos;
      if (!fn(pair.substr(0, eq), has_value ? pair.substr(eq + 1) : std::string_view(), has_value)) return;
    }
    pos = amp + 1;
  }
}

struct QueryArg {
  std::string name;   // decoded
  std::string value;  // decoded
};
// Splits "a=1&b=%20x&c" into decoded args (c has an empty value). At most max_args are returned;
// the rest are dropped and *truncated (if given) is set.
std::vector<QueryArg> DecodeQuery(std::string_view query, std::size_t max_args = 256,
                                  bool* truncated = nullptr);

// For matching: percent-decode (twice if the first pass produced another escape), lowercase
// ASCII, turn '\\' into '/', collapse "//" runs. out is overwritten.
void NormalizeForMatch(std::string_view in, std::string& out, bool plus_as_space);

}  // namespace keikai::http
