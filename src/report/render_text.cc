#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "keikai/core/utf8.h"
#include "keikai/report/alert.h"
#include "report/format.h"
#include "keikai/report/mail.h"
#include "keikai/report/render.h"

namespace keikai::report {
namespace {

// Every text that comes from the logs goes through T: nothing in it may reach the terminal as a
// control sequence (the CLI passes the whole text through TerminalSafe once more).
std::string T(std::string_view s) { return TerminalSafe(s); }

std::string ClassLabel(const std::string& c) {
  return c == "*" ? Tr("class.*") : Tr("class." + c);
}

// "and N other ...: M attacks" for the rows a list does not show: those past `shown` of the
// list, and those the report left out of it (rest); "" when there are none.
template <class Row>
std::string RestLine(const char* key, const std::vector<Row>& rows, std::size_t shown, Rest rest) {
  for (std::size_t i = shown; i < rows.size(); ++i) {
    ++rest.rows;
    rest.attacks += rows[i].attacks;
  }
  if (rest.rows == 0) return "";
  std::string t = Tr(key);
  t = ReplaceAll(t, "{n}", Thousands(rest.rows));
  t = ReplaceAll(t, "{attacks}", Thousands(rest.attacks));
  return "  " + t + "\n";
}

}  // namespace

std::string RenderText(const Report& r, bool color) {
  const std::string bold = color ? "\x1b[1m" : "", red = color ? "\x1b[31;1m" : "",
                    yellow = color ? "\x1b[33m" : "", reset = color ? "\x1b[0m" : "";
  std::string o;
  // A report that does not cover its inputs says so before anything else.
  if (r.status != "complete") {
    o += red + (r.status == "failed" ? Tr("text.status_failed") : Tr("text.status_partial")) + reset + "\n";
    for (const Problem& p : r.problems) {
      o += "  " + red + "!" + reset + " " + (p.file.empty() ? "" : T(p.file) + ": ") + T(p.detail) + "\n";
    }
    o += "\n";
  }
  o += bold + Tr("text.title") + reset + "\n";
  if (r.first_day != kNoDay) {
    o += std::string(Tr("text.window")) + ": " + FormatDate(r.first_day) + " .. " + FormatDate(r.last_day) + "  (" +
         r.timezone + ")\n";
  }
  std::string sites;
  for (const auto& s : r.sites) sites += (sites.empty() ? "" : ", ") + T(s);
  if (r.other_sites > 0) {
    sites += " " + ReplaceAll(Tr("text.other_sites"), "{n}", Thousands(r.other_sites));
  }
  o += std::string(Tr("text.sites")) + ": " + (sites.empty() ? "-" : sites) + "\n";
  {
    // The formats the inputs were read as.
    std::map<std::string, int> formats;
    for (const FileRow& f : r.files) {
      if (!f.format.empty()) ++formats[f.format];
    }
    std::string list;
    for (const auto& [name, n] : formats) {
      list += (list.empty() ? "" : Tr("text.list_sep")) + T(name) + (n > 1 ? " (" + std::to_string(n) + ")" : "");
    }
    if (!list.empty()) o += std::string(Tr("text.formats")) + ": " + list + "\n";
  }
  for (const std::string& n : r.notes) o += "  " + T(n) + "\n";
  o += "\n";

  const Summary& s = r.summary;
  char line[256];
  if (!r.files.empty()) {  // a report of the store alone (keikai report) read no lines
    std::snprintf(line, sizeof line, "%s: %s  %s: %s  %s: %s  %s: %s\n", Tr("text.lines"),
                  Thousands(s.lines).c_str(), Tr("text.parsed"), Thousands(s.parsed).c_str(),
                  Tr("text.bad_lines"), Thousands(s.bad_lines).c_str(), Tr("text.already"),
                  Thousands(s.already_ingested).c_str());
    o += line;
  }
  // Mail-log events are no requests: with other kinds than web the line says events, by kind.
  const std::string events =
      s.only_requests() ? Thousands(s.requests) : Thousands(s.requests) + " (" + KindCounts(s.events_by_kind) + ")";
  std::snprintf(line, sizeof line, "%s: %s  %s: %s%s%s  %s: %s\n", Tr(s.only_requests() ? "text.requests" : "text.events"),
                events.c_str(), Tr("text.attacks"), bold.c_str(),
                Thousands(s.attacks).c_str(), reset.c_str(), Tr("text.sources"),
                Thousands(s.sources).c_str());
  o += line;
  if (s.attacks > 0) {
    std::snprintf(line, sizeof line, "%s: %s  %s: %s  %s: %s\n", Tr("text.domestic"),
                  Thousands(r.domestic_attacks).c_str(), Tr("text.overseas"),
                  Thousands(r.overseas_attacks).c_str(), Tr("text.unknown_country"),
                  Thousands(r.unknown_country_attacks).c_str());
    o += line;
  }

  if (!r.source_classes.empty()) {
    std::string cls;
    for (const auto& [c, n] : r.source_classes) {
      cls += (cls.empty() ? "" : ", ") + std::string(Tr("source." + c)) + " " + Thousands(n);
    }
    o += std::string(Tr("text.source_classes")) + ": " + cls + "\n";
  }
  o += "\n" + bold + Tr("text.surges") + reset + "\n";
  bool any = false;
  std::size_t per_class = 0;
  for (const Surge& x : r.surges) {
    if (x.cls != kAllClasses) {  // per-class surges are in JSON/HTML; the summary stays short
      ++per_class;
      continue;
    }
    any = true;
    o += "  " + red + "!" + reset + " " + T(SurgeAlertSentence(x)) +
         (x.ongoing ? std::string(SentenceGap()) + Tr("text.ongoing") : "") + "\n";
    o += "    " + T(SurgeAlertDetails(x)) + "\n";
  }
  if (per_class > 0) {
    o += "  " + ReplaceAll(Tr("text.class_surges"), "{n}", std::to_string(per_class)) + "\n";
  }
  if (!any && r.history_days > 0 && r.history_days < r.min_history_days) {
    o += "  " + FillTemplate(Tr("text.not_enough_history"), {{"{n}", std::to_string(r.history_days)},
                                                            {"{min}", std::to_string(r.min_history_days)}}) + "\n";
  } else if (!any) {
    o += std::string("  ") + Tr(r.status == "complete" ? "text.no_surge" : "text.no_surge_partial") + "\n";
  }

  if (!r.classes.empty()) {
    o += "\n" + bold + Tr("text.classes") + reset + "\n";
    std::vector<std::pair<std::string, uint64_t>> cls(r.classes.begin(), r.classes.end());
    std::sort(cls.begin(), cls.end(), [](auto& a, auto& b) { return a.second > b.second; });
    for (const auto& [c, n] : cls) {
      std::snprintf(line, sizeof line, "  %12s  %s\n", Thousands(n).c_str(), ClassLabel(c).c_str());
      o += line;
    }
  }
  if (!r.top_sources.empty()) {
    o += "\n" + bold + Tr("text.top_sources") + reset + "\n";
    std::size_t k = 0;
    for (const SourceRow& x : r.top_sources) {
      if (++k > 10) break;
      // The source's classes, most attacks first, by their short names in the reader's language.
      std::vector<std::pair<std::string, uint64_t>> by_n(x.classes.begin(), x.classes.end());
      std::stable_sort(by_n.begin(), by_n.end(), [](auto& a, auto& b) { return a.second > b.second; });
      std::string cls;
      for (const auto& [c, n] : by_n) {
        const std::string key = "class_short." + c;
        cls += (cls.empty() ? "" : Tr("text.list_sep")) + (HasMsg(key) ? std::string(Tr(key)) : T(c));
      }
      const std::string who =
          x.classification.empty() ? "" : std::string(Tr("source." + x.classification)) + "  ";
      std::snprintf(line, sizeof line, "  %-39s %-2s %10s  %s%s\n", T(x.ip).c_str(),
                    x.country.empty() ? "--" : T(x.country).c_str(), Thousands(x.attacks).c_str(),
                    who.c_str(), cls.c_str());
      o += line;
    }
    o += RestLine("text.other_sources", r.top_sources, 10, r.other_sources);
  }
  if (!r.countries.empty()) {
    o += "\n" + bold + Tr("text.top_countries") + reset + "\n";
    std::size_t k = 0;
    for (const CountryRow& c : r.countries) {
      if (++k > 5) break;
      const std::string who = c.country.empty() ? std::string(Tr("text.unknown_country"))
                                                : T(c.country) + (c.name.empty() ? "" : " " + T(c.name));
      std::snprintf(line, sizeof line, "  %10s  %s%s\n", Thousands(c.attacks).c_str(), who.c_str(),
                    c.domestic ? std::string(" ").append(Tr("text.domestic_mark")).c_str() : "");
      o += line;
    }
    o += RestLine("text.other_countries", r.countries, 5, Rest{});
  }
  if (!r.top_paths.empty()) {
    o += "\n" + bold + Tr("text.top_paths") + reset + "\n";
    std::size_t k = 0;
    for (const PathRow& p : r.top_paths) {
      if (++k > 10) break;
      std::string path = T(p.path.size() > 70 ? p.path.substr(0, 67) + "..." : p.path);
      std::snprintf(line, sizeof line, "  %10s  %s\n", Thousands(p.attacks).c_str(), path.c_str());
      o += line;
    }
    o += RestLine("text.other_paths", r.top_paths, 10, r.other_paths);
  }
  if (s.bad_lines > 0) {
    o += "\n" + yellow + Tr("text.bad_samples") + reset + "\n";
    for (const BadLineSample& b : r.bad_line_samples) {
      o += "  " + T(b.file) + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
           ": " + Tr("bad." + b.code) + "\n";
    }
  }
  if (!r.mail.empty()) o += "\n" + MailText(r.mail);
  return o;
}

}  // namespace keikai::report
