#include "keikai/inspect/charset.h"

#include <iconv.h>

#include <cerrno>
#include <map>
#include <string>

#include "keikai/core/utf8.h"

namespace keikai::inspect {

bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = DecodeUtf8(s, i, &cp, &bad);
    if (bad > 0 || n == 0) return false;
    i += n;
  }
  return true;
}

namespace {

// iconv_open loads the charset's gconv module and iconv_close unloads it: a descriptor per
// charset is kept for the thread (reset before each use).
iconv_t Converter(const char* charset) {
  struct Cache {
    std::map<std::string, iconv_t, std::less<>> cds;
    ~Cache() {
      for (auto& [k, cd] : cds) {
        if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
      }
    }
  };
  thread_local Cache cache;
  auto it = cache.cds.find(std::string_view(charset));
  if (it == cache.cds.end()) {
    if (cache.cds.size() > 64) return reinterpret_cast<iconv_t>(-1);  // names from files: bounded
    it = cache.cds.emplace(charset, iconv_open("UTF-8", charset)).first;
  }
  if (it->second != reinterpret_cast<iconv_t>(-1)) iconv(it->second, nullptr, nullptr, nullptr, nullptr);
  return it->second;
}

}  // namespace

bool ToUtf8(std::string_view s, const char* charset, std::string& out) {
  if (s.size() > (16u << 20)) return false;
  iconv_t cd = Converter(charset);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string result;
  result.resize(s.size() * 3 + 16);
  char* in = const_cast<char*>(s.data());
  std::size_t in_left = s.size();
  char* o = result.data();
  std::size_t o_left = result.size();
  bool ok = true;
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &o, &o_left) == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) {  // cannot happen with 3x room for the charsets above; stop rather than loop
        ok = false;
      } else {
        ok = false;  // EILSEQ or EINVAL: not this charset
      }
      break;
    }
  }
  if (ok) {  // flush a stateful encoding (ISO-2022-JP back to ASCII)
    if (iconv(cd, nullptr, nullptr, &o, &o_left) == static_cast<std::size_t>(-1)) ok = false;
  }
  if (!ok) return false;
  result.resize(result.size() - o_left);
  out = std::move(result);
  return true;
}

std::string CodePageName(int code_page) {
  switch (code_page) {
    case 65001:
      return "UTF-8";
    case 932:
      return "CP932";
    case 936:
      return "CP936";
    case 949:
      return "CP949";
    case 950:
      return "CP950";
    case 10000:
      return "MACINTOSH";
    case 20932:
      return "EUC-JP";
    case 50220:
      return "ISO-2022-JP";
    default:
      return "CP" + std::to_string(code_page);
  }
}

}  // namespace keikai::inspect
