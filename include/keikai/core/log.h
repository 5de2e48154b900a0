#pragma once
// keikai's own messages on stderr (errors, warnings, notices): as text for a person ("keikai:
// error: ..."), or, for the daemon under a log collector (log_format: json), one JSON object per
// line: {"time":"2026-12-06T08:15:02.123Z","level":"error","program":"keikai","pid":123,
// "msg":"...","code":"full"}. Every stage writes through here, so the format is one switch.
//
// Thread-safety: Write may be called from any thread (one line is one write).
#include <string_view>

namespace keikai::log {

enum class Level { kNotice, kWarning, kError };

void SetJson(bool on);
bool Json();
// text: the line as a person reads it (without "keikai: " and the line end); code: the error's
// status code when there is one (JSON only).
void Write(Level level, std::string_view text, std::string_view code = {});

}  // namespace keikai::log
