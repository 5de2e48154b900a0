#pragma once
// Passwords written in a mail's body for the archive it carries ("PPAP"): the words after a
// marker in Japanese or English (パスワード, 解凍パスワード, 【PW】, PW:, pass:, password is,
// 暗証番号 ...), full-width letters and digits read as ASCII, on the marker's line or alone on
// the next line. Thread-safety: pure function.
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

// Full-width ASCII (U+FF01..U+FF5E) as ASCII, the ideographic space as a space; the rest as is.
std::string FoldWidth(std::string_view utf8);
// The candidates in order of appearance, each once, at most max.
std::vector<std::string> FindPasswords(std::string_view utf8_text, std::size_t max = 20);

}  // namespace keikai::inspect
