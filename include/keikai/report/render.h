#pragma once
// Renderers of a report::Report. They translate labels with Tr() in the current language and
// format numbers and dates; they compute nothing (every number is in the Report).

#include <string>

#include "keikai/report/model.h"

namespace keikai::report {

// Terminal summary; color adds ANSI colours (only when stdout is a TTY).
std::string RenderText(const Report& r, bool color);
// The JSON document described in docs/json-schema.md (UTF-8, invalid bytes replaced).
std::string RenderJson(const Report& r);
// One self-contained HTML file: inline CSS and SVG, no scripts or network resources needed.
std::string RenderHtml(const Report& r);

}  // namespace keikai::report
