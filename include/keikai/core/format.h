#pragma once
// Number formatting every renderer and command shares. Locale-independent on purpose (a report
// must not change with the reader's LC_NUMERIC).

#include <cstdint>
#include <cstdio>
#include <string>

namespace keikai {

// 1234567 -> "1,234,567"
inline std::string Thousands(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// "%.{digits}f"
inline std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace keikai
