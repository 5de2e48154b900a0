#pragma once
// The number and template formatting every renderer shares: the core's helpers
// (core/format.h, core/i18n.h), named in the report namespace.

#include "keikai/core/format.h"
#include "keikai/core/i18n.h"
#include "keikai/core/time.h"

namespace keikai::report {

using keikai::FillTemplate;
using keikai::Fixed;
using keikai::FormatDate;
using keikai::ReplaceAll;
using keikai::Thousands;

}  // namespace keikai::report
