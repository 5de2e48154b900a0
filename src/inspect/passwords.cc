#include "keikai/inspect/passwords.h"

#include <algorithm>
#include <cctype>

#include "keikai/core/ascii.h"
#include "keikai/core/utf8.h"

namespace keikai::inspect {
namespace {

// Markers, lowered, after FoldWidth. The Japanese ones are matched as UTF-8 bytes.
constexpr std::string_view kMarkers[] = {
    "解凍パスワード", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "暗証番号", "暗号化キー", "解凍キー", "password", "passwd",
    "passcode", "pass word", "pass", "pwd", "pw", "kennwort", "mot de passe"};

bool WordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// What may stand between a marker and the password: separators, "is", "は", brackets, quotes.
std::size_t SkipGlue(std::string_view s, std::size_t p) {
  static constexpr std::string_view kGlue[] = {"：", "】", "」", "『", "「", "』", "は", "を", "です", "以下", "の", "通り",
                                               "とおり", "となります", "になります", "。", "、", "is", "="};
  for (bool moved = true; moved && p < s.size();) {
    moved = false;
    while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == ':' || s[p] == '"' || s[p] == '\'' || s[p] == '[' ||
                            s[p] == ']' || s[p] == '(' || s[p] == ')' || s[p] == '-' || s[p] == '>')) {
      ++p;
      moved = true;
    }
    for (std::string_view g : kGlue) {
      if (s.substr(p, g.size()) == g) {
        // "is" only as a word
        if (g == "is" && p + 2 < s.size() && WordChar(s[p + 2])) continue;
        p += g.size();
        moved = true;
      }
    }
  }
  return p;
}

// A password token: printable ASCII without spaces, 4 to 64 characters, with some letter or digit;
// closing punctuation trimmed.
bool TakeToken(std::string_view s, std::size_t p, std::string& out) {
  std::size_t e = p;
  while (e < s.size() && static_cast<unsigned char>(s[e]) > 0x20 && static_cast<unsigned char>(s[e]) < 0x7F) ++e;
  std::string t(s.substr(p, e - p));
  while (!t.empty() && (t.back() == '.' || t.back() == ',' || t.back() == ')' || t.back() == ']' || t.back() == '"' ||
                        t.back() == '\'' || t.back() == ';')) {
    t.pop_back();
  }
  if (t.size() < 4 || t.size() > 64) return false;
  if (std::none_of(t.begin(), t.end(), [](char c) { return WordChar(c); })) return false;
  // Words that follow a marker but are not passwords.
  const std::string low = Lower(t);
  for (const char* no : {"http", "https", "protected", "required", "below", "follows", "will", "sent", "separately",
                         "mail", "email", "file", "zip"}) {
    if (low == no || low.starts_with(std::string(no) + ":")) return false;
  }
  out = std::move(t);
  return true;
}

}  // namespace

std::string FoldWidth(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = DecodeUtf8(s, i, &cp, &bad);
    if (n == 0) {
      out.append(s.substr(i, std::max<std::size_t>(1, bad)));
      i += std::max<std::size_t>(1, bad);
      continue;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E && cp != 0xFF1A) {  // keep the full-width colon for the glue
      out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
    } else if (cp == 0x3000) {
      out.push_back(' ');
    } else {
      AppendUtf8(out, cp);
    }
    i += n;
  }
  return out;
}

std::vector<std::string> FindPasswords(std::string_view text, std::size_t max) {
  const std::string folded = FoldWidth(text);
  const std::string low = Lower(folded);  // ASCII lowered; UTF-8 bytes of other scripts unchanged
  std::vector<std::string> out;
  const auto add = [&](const std::string& t) {
    if (out.size() < max && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  for (std::size_t line_start = 0; line_start < low.size() && out.size() < max;) {
    std::size_t line_end = low.find('\n', line_start);
    if (line_end == std::string::npos) line_end = low.size();
    const std::string_view line = std::string_view(low).substr(line_start, line_end - line_start);
    const std::string_view orig = std::string_view(folded).substr(line_start, line_end - line_start);
    for (std::string_view m : kMarkers) {
      const std::size_t at = line.find(m);
      if (at == std::string_view::npos) continue;
      // An ASCII marker must stand as a word ("pw" not inside "pwned", "pass" not in "passport").
      const bool ascii = static_cast<unsigned char>(m[0]) < 0x80;
      if (ascii && ((at > 0 && WordChar(line[at - 1])) ||
                    (at + m.size() < line.size() && WordChar(line[at + m.size()]) && m != "pass"))) {
        continue;
      }
      if (m == "pass" && at + 4 < line.size() && WordChar(line[at + 4])) continue;
      std::size_t p = SkipGlue(line, at + m.size());
      std::string token;
      if (p < line.size() && TakeToken(orig, p, token)) {
        add(token);
      } else if (p >= line.size() && line_end < low.size()) {
        // The marker ends the line: the password alone on the next non-empty line.
        std::size_t next = line_end + 1;
        while (next < low.size() && (low[next] == '\n' || low[next] == '\r')) ++next;
        std::size_t next_end = low.find('\n', next);
        if (next_end == std::string::npos) next_end = low.size();
        std::string_view nl = std::string_view(folded).substr(next, next_end - next);
        while (!nl.empty() && (nl.back() == '\r' || nl.back() == ' ')) nl.remove_suffix(1);
        const std::size_t q = SkipGlue(nl, 0);
        if (TakeToken(nl, q, token) && q + token.size() >= nl.size() - 1) add(token);
      }
      break;  // one marker per line
    }
    line_start = line_end + 1;
  }
  return out;
}

}  // namespace keikai::inspect
