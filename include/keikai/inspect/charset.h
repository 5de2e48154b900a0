#pragma once
// Text in a legacy encoding to UTF-8 (iconv): CP932 (Shift_JIS as Windows writes it), ISO-2022-JP,
// EUC-JP, CP437, the Windows code pages VBA projects name. Thread-safety: pure functions.
#include <string>
#include <string_view>

namespace keikai::inspect {

// Whether s is well-formed UTF-8.
bool IsUtf8(std::string_view s);
// s converted from charset to UTF-8; false (out untouched) when iconv does not know the charset
// or s is not valid in it. At most 16 MiB of input.
bool ToUtf8(std::string_view s, const char* charset, std::string& out);
// The iconv name of a Windows code page (932 -> "CP932", 1252 -> "CP1252", 65001 -> "UTF-8").
std::string CodePageName(int code_page);

}  // namespace keikai::inspect
