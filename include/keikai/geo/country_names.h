#pragma once
// Country and region names for ISO 3166-1 alpha-2 codes, in the reader's language, from
// Debian's iso-codes package (/usr/share/iso-codes/json/iso_3166-1.json for English, and its
// gettext catalogue /usr/share/locale/ja/LC_MESSAGES/iso_3166-1.mo for Japanese). Reports show
// them beside the codes. When the package is missing, names are "" and reports show codes only.
//
// Thread-safety: the tables are loaded once (thread-safe) and read-only afterwards.

#include <string>
#include <string_view>

#include "keikai/core/i18n.h"

namespace keikai::geo {

// "China" / "中国" for "CN"; "" when unknown. The short common name where iso-codes has one
// ("South Korea" rather than "Korea, Republic of").
std::string CountryName(std::string_view alpha2, Lang lang);

// Looks a message up in a GNU gettext .mo file image; "" when absent or the image is damaged.
// (Exposed for tests and the fuzzer.)
std::string MoLookup(std::string_view mo, std::string_view msgid);

}  // namespace keikai::geo
