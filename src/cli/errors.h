#pragma once
// How the CLI reports errors on stderr, in the user's language (CLI-internal).
#include <cstdio>
#include <string>

#include "keikai/core/i18n.h"
#include "keikai/core/status.h"
#include "keikai/core/utf8.h"

namespace keikai::cli {

// Messages name files, sites and addresses from the logs: nothing in them may reach the
// terminal as a control sequence.
inline void Error(const std::string& what) {
  std::fprintf(stderr, "keikai: %s: %s\n", Tr("err.prefix"), TerminalSafe(what).c_str());
}

// Something the user should know that is not an error.
inline void Notice(const std::string& what) {
  std::fprintf(stderr, "keikai: %s\n", TerminalSafe(what).c_str());
}

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
  Error(what);
}

}  // namespace keikai::cli
