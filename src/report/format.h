#pragma once
// The number and template formatting every renderer shares: the core's helpers
// (core/format.h, core/i18n.h), named in the report namespace.

#include <cstdint>
#include <map>
#include <string>

#include "keikai/core/format.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"

namespace keikai::report {

using keikai::FillTemplate;
using keikai::Fixed;
using keikai::FormatDate;
using keikai::ReplaceAll;
using keikai::Thousands;

// "web requests 1,000, mail-log events 20": events by kind (Summary::events_by_kind), in the
// reader's language.
inline std::string KindCounts(const std::map<std::string, uint64_t>& by_kind) {
  std::string out;
  for (const auto& [kind, n] : by_kind) {
    if (!out.empty()) out += Tr("text.list_sep");
    out += std::string(Tr("report.kind." + kind)) + " " + Thousands(n);
  }
  return out;
}

}  // namespace keikai::report
