#pragma once
// How the CLI reports errors on stderr, in the user's language (CLI-internal).
#include <cstdio>
#include <string>

#include "keikai/core/i18n.h"
#include "keikai/core/log.h"
#include "keikai/core/status.h"
#include "keikai/core/utf8.h"

namespace keikai::cli {

// Messages name files, sites and addresses from the logs: nothing in them may reach the
// terminal as a control sequence.
// (Text: "keikai: error: ..."; the daemon's JSON log format: log/core.h.)
inline void Error(const std::string& what, std::string_view code = {}) {
  log::Write(log::Level::kError, log::Json() ? what : std::string(Tr("err.prefix")) + ": " + what, code);
}

// Something that may need attention but stops nothing (a configured log not found).
inline void Warn(const std::string& what) { log::Write(log::Level::kWarning, what); }

// Something the user should know that is not an error.
inline void Notice(const std::string& what) { log::Write(log::Level::kNotice, what); }

// A library error: a lead-in in the user's language chosen by the status code (the one place
// that maps codes to words), then the detail, which names files, lines and offsets.
inline void Error(const Status& st, const std::string& context = "") {
  const std::string key = "err.code." + st.code();
  std::string what = context.empty() ? "" : context + ": ";
  if (HasMsg(key)) {
    what += std::string(Tr(key)) + ": " + st.message();
    if (st.offset() != Status::npos) what += " (" + std::to_string(st.offset()) + ")";
  } else {
    what += st.ToString();
  }
  Error(what, st.code());
}

}  // namespace keikai::cli
