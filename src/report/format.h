#pragma once
// The number and template formatting every renderer (and the CLI's own messages) shares.
// Locale-independent on purpose (a report must not change with the reader's LC_NUMERIC).

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

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

// Fills a message template: every occurrence of from ("{start}") becomes to.
inline std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

// Fills every placeholder of a message template: FillTemplate(Tr("msg.x"), {{"{n}", "3"}, ...}).
inline std::string FillTemplate(std::string t, std::initializer_list<std::pair<const char*, std::string>> kv) {
  for (const auto& [k, v] : kv) t = ReplaceAll(std::move(t), k, v);
  return t;
}

}  // namespace keikai::report
