#pragma once
// Renderers of a report::Report. They translate labels with Tr() in the current language and
// format numbers and dates; they compute nothing (every number is in the Report).

#include <span>
#include <string>
#include <string_view>

#include "keikai/pipeline/scan.h"
#include "keikai/report/model.h"

namespace keikai::report {

// Terminal summary; color adds ANSI colours (only when stdout is a TTY).
std::string RenderText(const Report& r, bool color);
// The JSON document described in docs/json-schema.md (UTF-8, invalid bytes replaced).
std::string RenderJson(const Report& r);
// One self-contained HTML file: inline CSS and SVG, no scripts or network resources needed.
std::string RenderHtml(const Report& r);
// A page of the mail section alone (keikai mail logs --format html): r.mail with the header's
// generated_at, timezone and version, and any notes.
std::string RenderMailHtml(const Report& r);
// One NDJSON line (with its newline) for one detected request, written while the scan runs.
std::string RenderNdjsonLine(const pipeline::DetectionEvent& ev);

// The output formats (--format), one row each. A report format renders the finished report; a
// streaming format writes a line per detected request as the scan finds it (and nothing after).
struct RenderOptions {
  bool color = false;  // ANSI colours (the terminal text, only when stdout is a TTY)
};
struct Renderer {
  const char* name;
  std::string (*report)(const Report& r, const RenderOptions& o);        // null when streaming
  std::string (*detection)(const pipeline::DetectionEvent& ev);          // null for a report
};
std::span<const Renderer> Renderers();
const Renderer* FindRenderer(std::string_view name);

}  // namespace keikai::report
