#pragma once
// The number and template formatting every renderer (and the CLI's own messages) shares.
// Locale-independent on purpose (a report must not change with the reader's LC_NUMERIC).

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

#include "keikai/core/i18n.h"

namespace keikai::report {

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

// Message templates are filled by the core's helpers (core/i18n.h), shared with every stage.
using keikai::FillTemplate;
using keikai::ReplaceAll;

}  // namespace keikai::report
