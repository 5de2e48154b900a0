#pragma once
// User-visible text in Japanese and English. Every message a user reads goes through Tr() with a
// key from the catalog: each stage keeps its entries in its own src/<stage>/messages_*.inc, and
// the library's table of them (MessageTables(), src/messages.cc) lists them; core names no
// stage. A missing language or a key defined twice is a test failure (CatalogComplete). The
// current language is process-wide, set once at start-up by the CLI before any thread starts.

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <string_view>

namespace keikai {

enum class Lang { kEn, kJa };

struct Message {
  const char* key;
  const char* en;
  const char* ja;
};
// One stage's messages.
struct MessageTable {
  const char* stage;
  std::span<const Message> messages;
};
// Every stage's table. Defined once, at the top of the library (src/messages.cc), not in core.
std::span<const MessageTable> MessageTables();

// From LC_ALL / LC_MESSAGES / LANG: "ja*" -> kJa, otherwise kEn.
Lang LangFromEnvironment();
bool ParseLang(std::string_view s, Lang& out);
void SetLang(Lang lang);
Lang CurrentLang();
std::string_view LangCode(Lang lang);

// The message for key in the current language; the key itself if unknown.
const char* Tr(std::string_view key);
const char* Tr(std::string_view key, Lang lang);
// Every occurrence of from in s replaced by to.
std::string ReplaceAll(std::string s, std::string_view from, std::string_view to);
// A message template with each "{name}" placeholder replaced by its value (all occurrences, in
// one pass: values are not searched for placeholders): FillTemplate(Tr("msg.x"), {{"{n}", "3"}}).
using TemplateArgs = std::initializer_list<std::pair<std::string_view, std::string_view>>;
std::string FillTemplate(std::string t, TemplateArgs values);
// FillTemplate(Tr(key), values).
std::string TrFill(std::string_view key, TemplateArgs values);
// What goes between two sentences: a space in English, nothing after a Japanese "。".
const char* SentenceGap();
// A system error (errno) in the current language: the common ones from the catalog
// ("sys.ENOENT", ...), others as the C library words them.
std::string ErrnoText(int errnum);

// Whether the catalog has key (for text chosen at run time, such as a status code's lead-in).
bool HasMsg(std::string_view key);
// True when every catalog entry has non-empty text in both languages (used by tests).
bool CatalogComplete(std::string* missing);

}  // namespace keikai
