#pragma once
// UTF-8 helpers for text that comes from outside (log lines, request data) and goes into
// documents that require well-formed UTF-8: reports, stored evidence, JSON. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace keikai {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (i < s.size()) and its code point, or 0 when
// the bytes there are ill-formed; then *bad is the length of the maximal subpart to replace
// with one U+FFFD (the Unicode "substitution of maximal subparts" practice, as browsers and ICU
// do). Overlong forms, surrogates and code points above U+10FFFF are ill-formed.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* bad);

// Which control characters CleanUtf8 replaces by U+FFFD (besides every ill-formed sequence):
// all of C0 except tab (and, with keep_newlines, LF and CR); with replace_del_c1 also DEL and C1.
struct Utf8Cleaning {
  bool keep_newlines = false;
  bool replace_del_c1 = false;
  // Bidi controls (IsBidiControl) become the visible text "\u202E" instead of acting on what
  // follows.
  bool show_bidi = false;
};
// s as well-formed UTF-8: each ill-formed sequence becomes one U+FFFD (maximal subpart), and so
// does each control character `how` names (bidi controls: see show_bidi). Runs of plain ASCII
// are copied whole.
std::string CleanUtf8(std::string_view s, const Utf8Cleaning& how);
// The length of the longest prefix of s of at most max bytes that does not end inside a UTF-8
// sequence (a cut there would leave a broken character).
inline std::size_t Utf8Cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}
// The first max bytes of s, cleaned (default Utf8Cleaning): an excerpt of outside text to keep
// (findings, bad-line samples).
inline std::string Excerpt(std::string_view s, std::size_t max) { return CleanUtf8(s.substr(0, max), Utf8Cleaning{}); }

// What a peer (a mail server) said, for an error message or a probe's detail: one line (control
// characters, line ends included, become spaces), well-formed UTF-8, at most max bytes.
std::string PeerText(std::string_view s, std::size_t max = 200);

bool IsBidiControl(char32_t cp);
// Bidirectional formatting characters (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069): in
// text from logs they reverse or reorder what follows on the reader's screen ("/evil\u202Egpj.exe"
// shows as "/evilexe.jpg"), so reports never pass them through raw.
bool IsBidiControl(char32_t cp);

// Text for a terminal: nothing in s can move the cursor, set a title, make a link, ring a bell
// or reorder text. C0 controls other than tab and line feed, DEL, C1 controls, bidi controls and
// ill-formed UTF-8 are written out visibly as \xHH (bytes, C0, DEL) or \uXXXX (C1, bidi). With
// allow_sgr, keikai's own colour sequences (ESC [ digits/';' m) stay: callers escape untrusted
// fields before adding colours, so every escape left is keikai's.
std::string TerminalSafe(std::string_view s, bool allow_sgr = false);

// Appends the code point cp (below 0x110000; callers pass U+FFFD for what is not one) as UTF-8.
void AppendUtf8(std::string& out, char32_t cp);

// UTF-16LE bytes (Windows strings: shortcut targets, registry values, compound-file names) as
// UTF-8. Every code unit is decoded (a NUL too: callers cut at a terminator first); a surrogate
// pair becomes its code point, an unpaired surrogate one U+FFFD (then *bad, when given, is set),
// and an odd last byte is dropped. A strict converter (iconv) gives nothing at all for a string
// with one bad unit, which would hide the whole command an attacker wrote around it. Decoding
// stops once the output is longer than max_bytes (callers cut and mark the rest).
std::string Utf16LeToUtf8(std::string_view bytes, bool* bad = nullptr, std::size_t max_bytes = std::string::npos);
// The bytes of a UTF-16LE string up to its first NUL code unit (the whole of it without one).
std::string_view Utf16LeUntilNul(std::string_view bytes);

// JSON text with each bidi control and C1 control (U+0080..U+009F; U+009B is a CSI to some
// terminals) written as a \uXXXX escape (valid there: such characters only occur inside
// strings). The value is unchanged for a JSON reader; a person reading the
// file sees the escape instead of reordered text.
std::string EscapeBidiInJson(std::string_view json);

// Appends s to out as a JSON string literal: quotes, backslashes and C0 controls escaped
// (\b \t \n \f \r, else \u00XX), ill-formed UTF-8 replaced by U+FFFD; everything else as is.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace keikai
