#include "keikai/http/decode.h"

namespace keikai::http {
namespace {

inline int Hex(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool NeedsDecode(std::string_view s, bool plus_as_space) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+' && plus_as_space) return true;
    if (c == '%' && i + 2 < s.size() && Hex(static_cast<unsigned char>(s[i + 1])) >= 0 &&
        Hex(static_cast<unsigned char>(s[i + 2])) >= 0) {
      return true;
    }
  }
  return false;
}

void PercentDecode(std::string_view in, std::string& out, bool plus_as_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int h = Hex(static_cast<unsigned char>(in[i + 1]));
      const int l = Hex(static_cast<unsigned char>(in[i + 2]));
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h << 4 | l));
        i += 2;
        continue;
      }
    }
    out.push_back(c == '+' && plus_as_space ? ' ' : c);
  }
}

std::vector<QueryArg> DecodeQuery(std::string_view q, std::size_t max_args, bool* truncated) {
  std::vector<QueryArg> args;
  if (truncated != nullptr) *truncated = false;
  ForEachQueryPair(q, [&](std::string_view name, std::string_view value, bool has_value) {
    if (args.size() >= max_args) {
      if (truncated != nullptr) *truncated = true;
      return false;
    }
    QueryArg a;
    PercentDecode(name, a.name, true);
    if (has_value) PercentDecode(value, a.value, true);
    args.push_back(std::move(a));
    return true;
  });
  return args;
}

void NormalizeForMatch(std::string_view in, std::string& out, bool plus_as_space) {
  // Fast path, one pass: most targets carry no escape, so lowercase, '\\' -> '/' and "//"
  // collapsing are done while copying; an escape sends us to the decoding path.
  out.resize(in.size());
  char* o = out.data();
  char prev = 0;
  bool escaped = false;
  for (char c : in) {
    if (c == '%' || (c == '+' && plus_as_space)) {
      escaped = true;
      break;
    }
    if (c == '\\') c = '/';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c == '/' && prev == '/') continue;
    *o++ = c;
    prev = c;
  }
  if (!escaped) {
    out.resize(static_cast<std::size_t>(o - out.data()));
    return;
  }
  thread_local std::string tmp;
  PercentDecode(in, tmp, plus_as_space);
  // Double encoding (%252e -> %2e -> .) is a classic evasion; one more pass catches it.
  if (tmp.find('%') != std::string::npos && NeedsDecode(tmp, false)) {
    std::string twice;
    PercentDecode(tmp, twice, false);
    tmp.swap(twice);
  }
  out.clear();
  out.reserve(tmp.size());
  prev = 0;
  for (char c : tmp) {
    if (c == '\\') c = '/';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c == '/' && prev == '/') continue;
    out.push_back(c);
    prev = c;
  }
}

}  // namespace keikai::http
