// HTML renderer of a report::Report: one self-contained HTML5 file with inline CSS and inline
// SVG charts, no scripts, fonts, images or network resources, so it can be mailed, archived and
// printed. Labels come from the "html.*" and "class.*" catalog entries (messages_html.inc).
// Every string from the report is untrusted (it comes from web logs): invalid UTF-8 becomes
// U+FFFD and markup characters are escaped before anything reaches the document. Numbers and
// dates are formatted without the C locale, so the output is the same whatever LC_NUMERIC says.

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keikai/core/i18n.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"
#include "keikai/report/alert.h"
#include "keikai/report/mail.h"
#include "keikai/report/model.h"
#include "keikai/report/render.h"
#include "report/format.h"

namespace keikai::report {
namespace {

// ---------------------------------------------------------------------------------------------
// Text: UTF-8 validation and HTML escaping.

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::string_view kEnDash = "\xE2\x80\x93";       // U+2013

// s as well-formed UTF-8 that HTML accepts as text: ill-formed sequences and control characters
// (C0 other than tab, line feed and carriage return; DEL; C1) become U+FFFD.
std::string CleanUtf8(std::string_view s) {
  return keikai::CleanUtf8(s, Utf8Cleaning{.keep_newlines = true, .replace_del_c1 = true, .show_bidi = true});
}

// Appends well-formed text with the five markup characters escaped (safe in text and in
// attribute values quoted with either quote).
void AppendEscaped(std::string& out, std::string_view clean) {
  for (const char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

// Untrusted text as HTML.
std::string Esc(std::string_view s) {
  std::string out;
  AppendEscaped(out, CleanUtf8(s));
  return out;
}

// Number of code points in well-formed UTF-8.
size_t CountChars(std::string_view clean) {
  size_t n = 0;
  for (const char c : clean) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

// The first max_chars code points of well-formed UTF-8, with an ellipsis when something was cut.
std::string TruncateChars(std::string_view clean, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0u) == 0x80u) continue;
    if (chars == max_chars) return std::string(clean.substr(0, i)) + std::string(kEllipsis);
    ++chars;
  }
  return std::string(clean);
}

// ---------------------------------------------------------------------------------------------
// Numbers, formatted by hand so that no locale can change them.

// 1234567 -> "1,234,567".

// Tenths of |v| rounded, clamped to a range that cannot overflow.
uint64_t Tenths(double v) {
  const double a = std::min(std::fabs(v) * 10.0, 9.0e17);
  return static_cast<uint64_t>(std::llround(a));
}

// One decimal with thousands separators: 1234.56 -> "1,234.6"; an en dash when not finite.
std::string Fixed1(double v) {
  if (!std::isfinite(v)) return std::string(kEnDash);
  const uint64_t t = Tenths(v);
  std::string out = (v < 0 && t != 0) ? "-" : "";
  out += Thousands(t / 10);
  out += '.';
  out += static_cast<char>('0' + t % 10);
  return out;
}

// part / whole as "12.3%", or an en dash when whole is 0.
std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return std::string(kEnDash);
  return Fixed1(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + "%";
}

// An SVG coordinate: at most one decimal, no separators ("12", "12.5", "-3").
std::string Num(double v) {
  if (!std::isfinite(v)) return "0";
  const uint64_t t = Tenths(v);
  std::string out = (v < 0 && t != 0) ? "-" : "";
  out += std::to_string(t / 10);
  if (t % 10 != 0) {
    out += '.';
    out += static_cast<char>('0' + t % 10);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Labels.

// A catalog message as HTML.
std::string L(std::string_view key) { return Esc(Tr(key)); }

struct Arg {
  std::string_view name;
  std::string html;  // already HTML
};

// The catalog template for key with "{name}" placeholders replaced by the arguments' HTML; the
// template text itself is escaped, an unknown placeholder is kept as written.
std::string Fill(std::string_view key, std::initializer_list<Arg> args) {
  const std::string tmpl = CleanUtf8(Tr(key));
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find('{', i);
    if (open == std::string::npos) break;
    const size_t close = tmpl.find('}', open + 1);
    if (close == std::string::npos) break;
    AppendEscaped(out, std::string_view(tmpl).substr(i, open - i));
    const std::string_view name = std::string_view(tmpl).substr(open + 1, close - open - 1);
    const Arg* found = nullptr;
    for (const Arg& a : args) {
      if (a.name == name) found = &a;
    }
    if (found != nullptr) {
      out += found->html;
    } else {
      AppendEscaped(out, std::string_view(tmpl).substr(open, close - open + 1));
    }
    i = close + 1;
  }
  AppendEscaped(out, std::string_view(tmpl).substr(i));
  return out;
}

// The translation of prefix + name, or name itself when the catalog has no such key (a class or
// error code added later still shows up, untranslated). Plain text, not escaped.
std::string LabelOr(std::string_view prefix, const std::string& name) {
  const std::string key = std::string(prefix) + name;
  const char* text = Tr(key);
  if (text == nullptr || std::string_view(text) == key) return name;
  return text;
}

std::string ClassText(const std::string& cls) {
  if (cls == "*") return Tr("html.all_classes");
  return LabelOr("class.", cls);
}
std::string ClassText(uint8_t cls) { return ClassText(ClassKey(cls)); }

std::string SiteText(const std::string& site) {
  if (site == "*") return Tr("html.all_sites");
  return site;
}

std::string SiteTitle(const std::string& site) {
  if (site == "*") return Tr("html.all_sites_title");
  return site;
}

std::string ClassificationText(const std::string& c) {
  const std::string key = "source." + c;
  const char* t = Tr(key);
  return key == t ? c : std::string(t);
}

std::string CountryText(const std::string& country, const std::string& name = "") {
  if (country.empty()) return Tr("html.country_unknown");
  return name.empty() ? country : country + " " + name;
}

// Classes sorted by count (descending, then name), as "Label (n), ...", at most `limit` of them.
std::string ClassList(const std::map<std::string, uint64_t>& classes, size_t limit) {
  std::vector<std::pair<std::string, uint64_t>> sorted(classes.begin(), classes.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  const std::string sep = L("html.list_sep");
  size_t shown = 0;
  for (const auto& [cls, n] : sorted) {
    if (shown == limit) break;
    if (shown > 0) out += sep;
    out += Fill("html.class_count", {{"class", Esc(ClassText(cls))}, {"count", Thousands(n)}});
    ++shown;
  }
  if (sorted.size() > shown) {
    out += sep;
    out += Fill("html.more", {{"count", Thousands(sorted.size() - shown)}});
  }
  return out;
}

// Strings joined by the list separator, at most `limit` of them (0 = all).
std::string JoinList(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  const std::string sep = L("html.list_sep");
  size_t shown = 0;
  for (const std::string& s : items) {
    if (limit != 0 && shown == limit) break;
    if (shown > 0) out += sep;
    out += Esc(SiteText(s));
    ++shown;
  }
  if (items.size() > shown) {
    out += sep;
    out += Fill("html.more", {{"count", Thousands(items.size() - shown)}});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Style.

constexpr std::string_view kStyle = R"css(
:root{--fg:#1c2430;--muted:#5d6675;--line:#d8dde6;--panel:#f5f7fa;--accent:#2f5d9e;
--alert:#b42318;--alert-bg:#fdf1ef;--ok:#1d7048;--ok-bg:#eef7f1;--warn:#8a5a00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;line-height:1.6;font-size:15px;
font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans",
"Hiragino Kaku Gothic ProN","Noto Sans CJK JP","Noto Sans JP","Yu Gothic",YuGothic,Meiryo,Roboto,
"Helvetica Neue",Arial,sans-serif;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK JP",
"Liberation Mono",monospace;font-size:.9em}
code{overflow-wrap:anywhere;word-break:break-all}
.page{max-width:1120px;margin:0 auto;padding:24px 28px 40px}
header.top{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:20px}
h1{font-size:1.7em;margin:0 0 8px;letter-spacing:.02em}
h2{font-size:1.2em;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:.93em}
.meta dt{color:var(--muted)}
.meta dd{margin:0}
.surge{border:1px solid #f1c4bd;border-left:6px solid var(--alert);background:var(--alert-bg);
border-radius:6px;padding:10px 14px;margin:10px 0;break-inside:avoid}
.surge.ended{border-color:#e6d3a8;border-left-color:var(--warn);background:#fdf8ec}
.surge p{margin:4px 0}
.surge .what{font-size:1.05em}
.surge .ratio{font-weight:700;color:var(--alert)}
.surge.ended .ratio{color:var(--warn)}
.surge .info{color:var(--muted);font-size:.88em}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:.8em;font-weight:700;
color:#fff;background:var(--alert);margin-right:6px;vertical-align:1px}
.surge.ended .badge{background:var(--warn)}
.banner{border:2px solid var(--alert);background:var(--alert-bg);border-radius:6px;
padding:10px 14px;margin:0 0 16px;color:var(--alert)}
.banner ul{margin:4px 0 0;padding-left:20px;color:var(--fg)}
.calm{border:1px solid #bfdcc9;border-left:6px solid var(--ok);background:var(--ok-bg);
border-radius:6px;padding:10px 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--panel);
break-inside:avoid}
.card .label{color:var(--muted);font-size:.85em}
.card .value{font-size:1.7em;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.3}
.card .sub{color:var(--muted);font-size:.8em}
.card.wide{grid-column:span 2}
.origin{display:flex;gap:14px;flex-wrap:wrap;font-variant-numeric:tabular-nums}
.origin b{font-size:1.25em}
.split{display:flex;height:8px;border-radius:4px;overflow:hidden;background:#e3e7ee;margin:6px 0 2px}
.split .dom{background:var(--accent)}
.split .ovs{background:#d9822b}
.split .unk{background:#a7adb7}
.key{display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:4px}
figure{margin:14px 0 22px;break-inside:avoid}
figcaption{font-weight:700;margin-bottom:4px}
figcaption .range{font-weight:400;color:var(--muted);font-size:.88em;margin-left:8px}
svg.chart{display:block;width:100%;height:auto}
svg.chart text{font-size:11px;fill:#4a5261}
svg.chart .legend text{font-size:12px;fill:var(--fg)}
svg.chart .grid{stroke:#e4e8ee;stroke-width:1}
svg.chart .axis{stroke:#9aa3b1;stroke-width:1}
svg.chart .bar{fill:#5a7fb8}
svg.chart .bar.hot{fill:#d0483a}
svg.chart .base{fill:none;stroke:#1c2430;stroke-width:1.6;stroke-dasharray:6 4}
svg.chart .band{fill:#f6d4cf;fill-opacity:.55}
svg.chart .band.cls{fill:#f9e6c7;fill-opacity:.5}
svg.chart .start{stroke:#b42318;stroke-width:1.2;stroke-dasharray:3 3}
svg.chart .tag{fill:#fff;fill-opacity:.85}
svg.chart .tagtext{fill:#b42318;font-weight:700}
svg.chart .lat{fill:none;stroke-width:1.5}
svg.chart .fail{fill:#b42318}
.nodata{color:var(--muted);font-style:italic;border:1px dashed var(--line);border-radius:6px;
padding:14px;text-align:center}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:4px 0 8px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nowrap{white-space:nowrap}
td.err{color:var(--alert)}
tbody tr:nth-child(even) td{background:#fafbfc}
.share{display:flex;align-items:center;gap:8px;justify-content:flex-end}
.share .bar{display:inline-block;height:8px;background:var(--accent);border-radius:2px;
min-width:1px;max-width:120px}
.tagdom{display:inline-block;padding:0 6px;border-radius:8px;background:#e3ecf8;
color:var(--accent);font-size:.85em}
.note{color:var(--muted);font-size:.85em;margin:2px 0}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);
font-size:.85em}
@page{margin:14mm}
@media print{body{font-size:10.5pt}.page{max-width:none;padding:0}
h2{break-after:avoid}tr,.card,.surge,figure{break-inside:avoid}
.scroll{overflow:visible}a{color:inherit;text-decoration:none}.surge a{display:none}}
@media (max-width:640px){.page{padding:16px}.card.wide{grid-column:auto}}
)css";

// ---------------------------------------------------------------------------------------------
// Chart.

constexpr double kW = 960;    // viewBox width
constexpr double kH = 310;    // viewBox height
constexpr double kLeft = 64;  // plot area
constexpr double kRight = 16;
constexpr double kTop = 46;
constexpr double kBottom = 46;
constexpr double kPlotW = kW - kLeft - kRight;
constexpr double kPlotH = kH - kTop - kBottom;
constexpr int64_t kMaxChartDays = 20000;  // beyond this a window is not plausible

// Rough width of text in the chart's font at `px` pixels, for placing labels: Latin glyphs are
// about 0.58 em, CJK and other wide glyphs 1 em.
double TextWidth(std::string_view clean, double px) {
  double w = 0;
  size_t i = 0;
  while (i < clean.size()) {
    char32_t cp = 0;
    size_t bad = 0;
    const size_t n = DecodeUtf8(clean, i, &cp, &bad);
    i += n == 0 ? bad : n;
    w += (n == 1) ? 0.58 * px : px;
  }
  return w;
}

// A gridline step of 1, 2, 2.5 (from 25 up) or 5 times a power of ten, at least 1, giving three
// or four intervals up to vmax; small maxima (and zero) get a 0..4 axis.
double NiceStep(double vmax) {
  if (!(vmax > 4)) return 1;
  const double raw = vmax / 4;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m == 2.5 && p < 10) continue;
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  }
  return 10 * p;
}

struct DayPoint {
  int64_t day = 0;
  uint64_t attacks = 0;
  double baseline = 0;
  bool has_baseline = false;
};

struct Band {
  int64_t first = 0, last = 0;  // clamped to the chart's days
  bool starts_inside = true;    // false when the surge began before the chart's first day
  bool all_classes = true;
  std::string label;  // plain text
};

struct Tick {
  int64_t day = 0;
  std::string label;
  std::string year;  // for a second line under day labels (shown when the year changes), or ""
};

std::string TwoDigits(unsigned v) {
  std::string s;
  s += static_cast<char>('0' + (v / 10) % 10);
  s += static_cast<char>('0' + v % 10);
  return s;
}

// X-axis ticks for days d0..d1: every day for short windows, weekly, the 1st and 15th of each
// month (about every two weeks), month starts, quarter starts or years for long windows.
std::vector<Tick> MakeTicks(int64_t d0, int64_t d1) {
  const int64_t n = d1 - d0 + 1;
  enum class Mode { kDay, kWeek, kHalfMonth, kMonth, kQuarter, kYear };
  // The finest spacing whose labels fit: {longest window in days, mode}.
  constexpr std::pair<int64_t, Mode> kModes[] = {{14, Mode::kDay},        {45, Mode::kWeek},
                                                 {200, Mode::kHalfMonth}, {800, Mode::kMonth},
                                                 {3000, Mode::kQuarter},  {INT64_MAX, Mode::kYear}};
  Mode mode = Mode::kYear;
  for (const auto& [max_days, m] : kModes) {
    if (n <= max_days) {
      mode = m;
      break;
    }
  }

  std::vector<Tick> ticks;
  for (int64_t d = d0; d <= d1; ++d) {
    int64_t y = 0;
    unsigned m = 0, dom = 0;
    CivilFromDays(d, y, m, dom);
    bool take = false;
    switch (mode) {
      case Mode::kDay:
        take = true;
        break;
      case Mode::kWeek:
        take = (d - d0) % 7 == 0 || dom == 1;
        break;
      case Mode::kHalfMonth:
        take = dom == 1 || dom == 15;
        break;
      case Mode::kMonth:
        take = dom == 1;
        break;
      case Mode::kQuarter:
        take = dom == 1 && (m - 1) % 3 == 0;
        break;
      case Mode::kYear:
        take = dom == 1 && m == 1;
        break;
    }
    if (!take) continue;
    Tick t;
    t.day = d;
    if (mode == Mode::kYear) {
      t.label = std::to_string(y);
    } else if (mode == Mode::kMonth || mode == Mode::kQuarter) {
      t.label = std::to_string(y) + "-" + TwoDigits(m);
    } else {
      t.label = TwoDigits(m) + "-" + TwoDigits(dom);
      t.year = std::to_string(y);
    }
    ticks.push_back(std::move(t));
  }
  return ticks;
}

// Daily attacks (bars), the trailing 90-day average (dashed line) and surge periods (shaded) for
// one site or "*", as an inline SVG; a note instead when there are no rows to plot. In a
// single-site report the site's chart stands for "*" too, so it also shades the "*" surges.
std::string RenderChart(const Report& r, const std::string& site, size_t index, bool only_site,
                        const std::vector<const DailyRow*>& rows) {
  std::vector<DayPoint> pts;
  for (const DailyRow* row : rows) {
    const int64_t d = row->day;
    const bool has = row->has_baseline && std::isfinite(row->baseline);
    pts.push_back({d, row->attacks, has ? row->baseline : -1.0, has});
  }
  std::stable_sort(pts.begin(), pts.end(),
                   [](const DayPoint& a, const DayPoint& b) { return a.day < b.day; });

  const std::string id = "chart-" + std::to_string(index);
  std::string out = "<figure id=\"" + id + "\"><figcaption>" + Esc(SiteTitle(site));
  if (pts.empty()) {
    out += "</figcaption><p class=\"nodata\">" + L("html.chart.no_data") + "</p></figure>\n";
    return out;
  }

  // The x range: the report window, widened to any row outside it.
  int64_t d0 = pts.front().day;
  int64_t d1 = pts.back().day;
  if (r.first_day != kNoDay && d1 - r.first_day < kMaxChartDays) d0 = std::min(d0, r.first_day);
  if (r.last_day != kNoDay && r.last_day - d0 < kMaxChartDays) d1 = std::max(d1, r.last_day);
  const int64_t ndays = d1 - d0 + 1;
  const double step = kPlotW / static_cast<double>(ndays);
  const double bar_w = std::min(step > 2.5 ? step * 0.78 : step, 48.0);
  auto x_of = [&](int64_t d) { return kLeft + static_cast<double>(d - d0) * step; };
  auto x_mid = [&](int64_t d) { return x_of(d) + step / 2; };

  // The y range.
  double vmax = 0;
  for (const DayPoint& p : pts) {
    vmax = std::max(vmax, static_cast<double>(p.attacks));
    vmax = std::max(vmax, p.baseline);
  }
  const double ystep = NiceStep(vmax);
  const double intervals = vmax > 4 ? std::max(1.0, std::ceil(vmax / ystep - 1e-9)) : 4.0;
  const double ytop = ystep * intervals;
  auto y_of = [&](double v) { return kTop + kPlotH - v / ytop * kPlotH; };
  const double y_base = kTop + kPlotH;

  // Surge periods of this site.
  std::vector<Band> bands;
  for (const Surge& s : r.surges) {
    if (s.site != site && !(only_site && s.site == "*")) continue;
    // The chart plots all attacks, so it marks the surges of all attacks; single-class surges
    // are listed in the table above it.
    if (s.cls != kAllClasses) continue;
    const int64_t s0 = s.start;
    int64_t s1 = s.end;
    if (s1 < s0) s1 = s.ongoing ? d1 : s0;
    if (s1 < d0 || s0 > d1) continue;
    Band b;
    b.first = std::max(s0, d0);
    b.last = std::min(s1, d1);
    b.starts_inside = s0 >= d0;
    b.all_classes = s.cls == kAllClasses;
    const std::string start = FormatDate(s.start);
    // Labels are built as plain text here and escaped once when written.
    b.label = b.all_classes ? Tr("html.chart.surge_from") : Tr("html.chart.surge_class_from");
    const auto put = [&b](std::string_view name, const std::string& value) {
      const std::string ph = "{" + std::string(name) + "}";
      const size_t at = b.label.find(ph);
      if (at != std::string::npos) b.label.replace(at, ph.size(), value);
    };
    put("start", start);
    put("class", CleanUtf8(ClassText(s.cls)));
    const bool same = std::any_of(bands.begin(), bands.end(), [&b](const Band& o) {
      return o.first == b.first && o.last == b.last && o.label == b.label;
    });
    if (!same) bands.push_back(std::move(b));
  }
  // Site-wide surges first: they colour the bars and get the top label rows.
  std::stable_sort(bands.begin(), bands.end(),
                   [](const Band& a, const Band& b) { return a.all_classes && !b.all_classes; });
  auto hot = [&](int64_t d) {
    for (const Band& b : bands) {
      if (b.all_classes && d >= b.first && d <= b.last) return true;
    }
    return false;
  };

  const std::string first = FormatDate(d0);
  const std::string last = FormatDate(d1);
  out += "<span class=\"range\">" +
         Fill("html.period_range", {{"first", Esc(first)}, {"last", Esc(last)}}) +
         "</span></figcaption>\n";
  out += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Num(kW) +
         " " + Num(kH) + "\" width=\"100%\" role=\"img\" aria-labelledby=\"" + id + "-t\">\n";
  out += "<title id=\"" + id + "-t\">" +
         Fill("html.chart.title",
              {{"site", Esc(SiteText(site))}, {"first", Esc(first)}, {"last", Esc(last)}}) +
         "</title>\n";

  // Legend, in the top margin.
  {
    out += "<g class=\"legend\">";
    double x = kLeft;
    const double y = 16;
    const auto item = [&](const std::string& swatch, std::string_view key, double swatch_w) {
      out += swatch;
      const std::string text = CleanUtf8(Tr(key));
      out += "<text x=\"" + Num(x + swatch_w + 5) + "\" y=\"" + Num(y + 4) + "\">";
      AppendEscaped(out, text);
      out += "</text>";
      x += swatch_w + 5 + TextWidth(text, 12) + 22;
    };
    item("<rect class=\"bar\" x=\"" + Num(x) + "\" y=\"" + Num(y - 6) +
             "\" width=\"12\" height=\"10\"/>",
         "html.chart.legend_attacks", 12);
    item("<line class=\"base\" x1=\"" + Num(x) + "\" y1=\"" + Num(y) + "\" x2=\"" + Num(x + 24) +
             "\" y2=\"" + Num(y) + "\"/>",
         "html.chart.legend_baseline", 24);
    item("<rect class=\"band\" x=\"" + Num(x) + "\" y=\"" + Num(y - 6) +
             "\" width=\"12\" height=\"10\"/><rect class=\"bar hot\" x=\"" + Num(x + 3) +
             "\" y=\"" + Num(y - 2) + "\" width=\"6\" height=\"6\"/>",
         "html.chart.legend_surge", 12);
    out += "</g>\n";
  }

  // Surge bands behind everything else.
  out += "<g class=\"bands\">";
  for (const Band& b : bands) {
    out += "<rect class=\"band" + std::string(b.all_classes ? "" : " cls") + "\" x=\"" +
           Num(x_of(b.first)) + "\" y=\"" + Num(kTop) + "\" width=\"" +
           Num(static_cast<double>(b.last - b.first + 1) * step) + "\" height=\"" + Num(kPlotH) +
           "\"/>";
  }
  out += "</g>\n";

  // Gridlines and y labels.
  out += "<g class=\"yaxis\">";
  const auto ylines = static_cast<int>(std::llround(intervals));
  for (int k = 0; k <= ylines; ++k) {
    const double v = ystep * k;
    const double y = y_of(v);
    out += "<line class=\"" + std::string(k == 0 ? "axis" : "grid") + "\" x1=\"" + Num(kLeft) +
           "\" y1=\"" + Num(y) + "\" x2=\"" + Num(kLeft + kPlotW) + "\" y2=\"" + Num(y) + "\"/>";
    out += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) + "\" text-anchor=\"end\">" +
           Thousands(static_cast<uint64_t>(std::llround(v))) + "</text>";
  }
  out += "<text x=\"4\" y=\"" + Num(kTop - 12) + "\">" + L("html.chart.y_axis") + "</text>";
  out += "</g>\n";

  // Bars, each with its numbers as a tooltip.
  out += "<g class=\"bars\">";
  for (const DayPoint& p : pts) {
    if (p.attacks == 0) continue;
    const double h = std::max(static_cast<double>(p.attacks) / ytop * kPlotH, 0.8);
    out += "<rect class=\"bar" + std::string(hot(p.day) ? " hot" : "") + "\" x=\"" +
           Num(x_mid(p.day) - bar_w / 2) + "\" y=\"" + Num(y_base - h) + "\" width=\"" +
           Num(bar_w) + "\" height=\"" + Num(h) + "\"><title>" +
           Fill(p.has_baseline ? "html.chart.tooltip" : "html.chart.tooltip_no_baseline",
                {{"date", Esc(FormatDate(p.day))},
                 {"attacks", Thousands(p.attacks)},
                 {"baseline", Fixed1(p.baseline)}}) +
           "</title></rect>";
  }
  out += "</g>\n";

  // The baseline, on the days that have one (none before min_history_days of history).
  {
    std::string d;
    size_t n = 0;
    double only_x = 0, only_y = 0;
    for (const DayPoint& p : pts) {
      if (!p.has_baseline) continue;
      only_x = x_mid(p.day);
      only_y = y_of(p.baseline);
      d += (n == 0 ? "M" : " L") + Num(only_x) + " " + Num(only_y);
      ++n;
    }
    if (n == 1) {  // a single value: a short level line across its bar
      const double half = std::max(bar_w, 16.0) / 2;
      d = "M" + Num(only_x - half) + " " + Num(only_y) + " H" + Num(only_x + half);
    }
    if (n > 0) out += "<path class=\"base\" d=\"" + d + "\"/>\n";
  }

  // X axis.
  out += "<g class=\"xaxis\">";
  double last_right = -1e9;  // right end of the previous label
  std::string last_year;
  for (const Tick& t : MakeTicks(d0, d1)) {
    const double x = x_mid(t.day);
    const double tw = TextWidth(t.label, 11);
    const char* anchor = "middle";
    double left = x - tw / 2;
    if (left < 2) {
      anchor = "start";
      left = x;
    } else if (x + tw / 2 > kW - 2) {
      anchor = "end";
      left = x - tw;
    }
    if (left < last_right + 10) continue;  // keep labels apart
    last_right = left + tw;
    out += "<line class=\"axis\" x1=\"" + Num(x) + "\" y1=\"" + Num(y_base) + "\" x2=\"" + Num(x) +
           "\" y2=\"" + Num(y_base + 5) + "\"/>";
    out += "<text x=\"" + Num(x) + "\" y=\"" + Num(y_base + 18) + "\" text-anchor=\"" + anchor +
           "\">" + t.label + "</text>";
    if (!t.year.empty() && t.year != last_year) {
      last_year = t.year;
      out += "<text x=\"" + Num(x) + "\" y=\"" + Num(y_base + 32) + "\" text-anchor=\"" + anchor +
             "\">" + t.year + "</text>";
    }
  }
  out += "</g>\n";

  // Surge starts: a dashed line and a label on a light backing, stacked when several.
  out += "<g class=\"starts\">";
  size_t row = 0;
  for (const Band& b : bands) {
    const double x = x_of(b.first);
    if (b.starts_inside) {
      out += "<line class=\"start\" x1=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" x2=\"" + Num(x) +
             "\" y2=\"" + Num(y_base) + "\"/>";
    }
    if (row >= 6) continue;                           // the surge list above names them all
    const double tw = TextWidth(b.label, 11 * 1.08);  // bold
    const double ty = kTop + 14 + 15 * static_cast<double>(row);
    double tx = x + 4;
    if (tx + tw > kLeft + kPlotW) tx = std::max(kLeft + 2, x - 4 - tw);
    out += "<rect class=\"tag\" x=\"" + Num(tx - 2) + "\" y=\"" + Num(ty - 11) + "\" width=\"" +
           Num(tw + 4) + "\" height=\"14\"/>";
    out += "<text class=\"tagtext\" x=\"" + Num(tx) + "\" y=\"" + Num(ty) + "\">";
    AppendEscaped(out, b.label);
    out += "</text>";
    ++row;
  }
  out += "</g>\n</svg></figure>\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sections.

void Heading(std::string& out, std::string_view id, std::string_view key) {
  out += "<h2 id=\"";
  out += id;
  out += "\">" + L(key) + "</h2>\n";
}

std::string Th(std::string_view key, bool numeric = false) {
  return std::string(numeric ? "<th class=\"n\">" : "<th>") + L(key) + "</th>";
}

std::string TdNum(uint64_t v) { return "<td class=\"n\">" + Thousands(v) + "</td>"; }

std::string Td(const std::string& html, std::string_view cls = {}) {
  if (cls.empty()) return "<td>" + html + "</td>";
  return "<td class=\"" + std::string(cls) + "\">" + html + "</td>";
}

void NoneNote(std::string& out) { out += "<p class=\"note\">" + L("html.none") + "</p>\n"; }

void RenderHeader(std::string& out, const Report& r) {
  out += "<header class=\"top\">\n<h1>" + L("html.title") + "</h1>\n<dl class=\"meta\">\n";
  out += "<dt>" + L("html.header.sites") + "</dt><dd>" +
         (r.sites.empty() ? L("html.no_sites") : JoinList(r.sites, 0));
  if (r.other_sites > 0) out += " " + Fill("html.other_sites", {{"n", Thousands(r.other_sites)}});
  out += "</dd>\n";
  out += "<dt>" + L("html.header.period") + "</dt><dd>";
  if (r.first_day == kNoDay && r.last_day == kNoDay) {
    out += L("html.no_period");
  } else {
    out += Fill("html.period_range", {{"first", Esc(FormatDate(r.first_day))}, {"last", Esc(FormatDate(r.last_day))}});
  }
  out += "</dd>\n";
  out += "<dt>" + L("html.header.generated_at") + "</dt><dd>" + Esc(r.generated_at) + "</dd>\n";
  out += "<dt>" + L("html.header.timezone") + "</dt><dd>" + Esc(r.timezone) + "</dd>\n";
  out += "<dt>" + L("html.header.version") + "</dt><dd>" + Esc(r.version) + "</dd>\n";
  out += "</dl>\n</header>\n";
}

// Charts: all sites together when there are several, then each site, then any site that has a
// surge but is not listed (so that every surge has a chart). A single-site report has one chart.
std::vector<std::string> ChartSites(const Report& r) {
  const bool single = r.sites.size() == 1;
  std::vector<std::string> sites;
  if (!single) sites.emplace_back("*");
  for (const std::string& s : r.sites) {
    if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
  }
  for (const Surge& s : r.surges) {
    if (single && s.site == "*") continue;
    if (std::find(sites.begin(), sites.end(), s.site) == sites.end()) sites.push_back(s.site);
  }
  return sites;
}

// The index of the chart that shows surges of `site`, or npos.
size_t ChartIndex(const Report& r, const std::vector<std::string>& chart_sites,
                  const std::string& site) {
  const auto it = std::find(chart_sites.begin(), chart_sites.end(), site);
  if (it != chart_sites.end()) return static_cast<size_t>(it - chart_sites.begin());
  if (site == "*" && r.sites.size() == 1 && r.sites.front() != "*")
    return ChartIndex(r, chart_sites, r.sites.front());
  return std::string::npos;
}


// A report that does not cover its inputs says so above everything else.
void RenderBanner(std::string& out, const Report& r) {
  if (r.status == "complete") return;
  out += "<div class=\"banner\" role=\"alert\"><p><strong>" +
         L(r.status == "failed" ? "html.banner.failed" : "html.banner.partial") + "</strong></p><ul>\n";
  for (const Problem& p : r.problems) {
    out += "<li>" + (p.file.empty() ? "" : "<code>" + Esc(p.file) + "</code>: ") + Esc(p.detail) + "</li>\n";
  }
  out += "</ul></div>\n";
}

void RenderSurges(std::string& out, const Report& r, const std::vector<std::string>& chart_sites) {
  Heading(out, "surges", "html.surges.heading");
  if (r.surges.empty()) {
    if (r.history_days > 0 && r.history_days < r.min_history_days) {
      out += "<p class=\"nodata\">" +
             Fill("html.surges.not_enough_history", {{"n", Thousands(static_cast<uint64_t>(r.history_days))},
                                                     {"min", Thousands(static_cast<uint64_t>(r.min_history_days))}}) +
             "</p>\n";
    } else if (r.status == "complete") {
      out += "<p class=\"calm\">" + L("html.surges.none") + "</p>\n";
    } else {
      out += "<p class=\"nodata\">" + L("html.surges.none_partial") + "</p>\n";
    }
    return;
  }
  // All sites and all classes first, then all classes of one site, then single classes.
  std::vector<const Surge*> order;
  for (const Surge& s : r.surges) order.push_back(&s);
  const auto rank = [](const Surge* s) {
    return (s->site == kAllSites ? 0 : 2) + (s->cls == kAllClasses ? 0 : 1);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const Surge* a, const Surge* b) { return rank(a) < rank(b); });
  // Cards for the surges of all attacks (per site and all sites); surges of single classes
  // follow in one compact table, so the headline is not buried under a card per class.
  std::vector<const Surge*> by_class;
  for (const Surge* s : order) {
    if (s->cls != kAllClasses) {
      by_class.push_back(s);
      continue;
    }
    const std::string cls = Esc(ClassText(s->cls));
    // The same sentence as the text and JSON reports (alert.cc), so the figures agree.
    const std::string sentence = Esc(SurgeAlertSentence(*s));
    out += std::string("<div class=\"surge") + (s->ongoing ? " ongoing" : " ended") + "\">\n";
    out += "<p class=\"what\"><span class=\"badge\">" +
           L(s->ongoing ? "html.surge.ongoing" : "html.surge.ended") + "</span>" + sentence +
           "</p>\n";
    out += "<p class=\"info\">" + Esc(SiteTitle(s->site)) + " · " + cls + " · " +
           Fill(s->days == 1 ? "html.surge.day" : "html.surge.days", {{"days", Thousands(s->days)}});
    const size_t chart = ChartIndex(r, chart_sites, s->site);
    if (chart != std::string::npos) {
      out += " · <a href=\"#chart-" + std::to_string(chart) + "\">" + L("html.surge.see_chart") +
             "</a>";
    }
    out += "</p>\n";
    out += "<p class=\"info\">" +
           Fill("html.surge.peak", {{"peak", Esc(FormatDate(s->peak_day))},
                                    {"attacks", Thousands(s->peak_attacks)},
                                    {"baseline", Fixed1(s->baseline)},
                                    {"period", Esc(BaselinePeriod(*s))}}) +
           "</p>\n";
    // The evidence: when the test fired, how strongly, and the sources that drove it.
    char pv[32];
    std::snprintf(pv, sizeof pv, "%.1e", s->p_value);
    out += "<p class=\"info\">" +
           Fill("html.surge.evidence", {{"first_alarm", Esc(s->first_alarm_time)},
                                        {"p", Esc(pv)},
                                        {"hour", Esc(s->peak_hour_time)},
                                        {"hour_attacks", Thousands(s->peak_hour_attacks)},
                                        {"hour_expected", Fixed1(s->peak_hour_expected)}}) +
           "</p>\n";
    if (!s->drivers.empty()) {
      out += "<p class=\"info\">" + L("html.surge.drivers") + " ";
      for (std::size_t k = 0; k < s->drivers.size(); ++k) {
        const SurgeDriver& d = s->drivers[k];
        if (k > 0) out += ", ";
        out += "<code>" + Esc(d.ip) + "</code>" +
               (d.country.empty() ? "" : " (" + Esc(CountryText(d.country, d.country_name)) + ")") +
               " " + Thousands(d.attacks);
        if (!d.classification.empty()) out += " " + Esc(ClassificationText(d.classification));
      }
      out += "</p>\n";
    }
    out += "</div>\n";
  }
  if (by_class.empty()) return;
  out += "<h3>" + L("html.surges.by_class") + "</h3>\n";
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.site") +
         Th("html.col.class") + Th("html.col.surge_start") + Th("html.col.surge_end") +
         Th("html.col.peak_date") + Th("html.col.peak_ratio", true) +
         Th("html.col.peak_attacks", true) + Th("html.col.baseline", true) +
         "</tr></thead>\n<tbody>\n";
  for (const Surge* s : by_class) {
    out += "<tr>" + Td(Esc(SiteText(s->site))) + Td(Esc(ClassText(s->cls))) + Td(Esc(FormatDate(s->start))) +
           Td(s->ongoing ? L("html.surge.ongoing") : Esc(FormatDate(s->end))) + Td(Esc(FormatDate(s->peak_day))) +
           "<td class=\"n\">" + Esc(RoundedRatio(s->peak_ratio)) + "</td>" + TdNum(s->peak_attacks) +
           "<td class=\"n\">" + Fixed1(s->baseline) + "</td></tr>\n";
  }
  out += "</tbody></table></div>\n";
}

void Card(std::string& out, std::string_view key, uint64_t value, const std::string& sub_html) {
  out += "<div class=\"card\"><div class=\"label\">" + L(key) + "</div><div class=\"value\">" +
         Thousands(value) + "</div>";
  if (!sub_html.empty()) out += "<div class=\"sub\">" + sub_html + "</div>";
  out += "</div>\n";
}

void RenderCards(std::string& out, const Report& r) {
  const Summary& s = r.summary;
  Heading(out, "summary", "html.summary.heading");
  out += "<div class=\"cards\">\n";
  if (s.only_requests()) {
    Card(out, "html.card.requests", s.requests, L("html.card.requests_sub"));
    Card(out, "html.card.attacks", s.attacks,
         Fill("html.card.attacks_sub", {{"share", Percent(s.attacks, s.requests)}}));
  } else {  // mail-log events too: no requests
    Card(out, "html.card.events", s.requests, Fill("html.card.events_sub", {{"kinds", Esc(KindCounts(s.events_by_kind))}}));
    Card(out, "html.card.attack_events", s.attacks,
         Fill("html.card.attacks_events_sub", {{"share", Percent(s.attacks, s.requests)}}));
  }
  {
    // What behaviour analysis made of the attacking sources.
    std::string sub;
    for (const char* c : {"scanner", "bad-bot", "crawler", "unclassified"}) {
      auto it = r.source_classes.find(c);
      if (it == r.source_classes.end() || it->second == 0) continue;
      if (!sub.empty()) sub += " · ";
      sub += Esc(ClassificationText(c)) + " " + Thousands(it->second);
    }
    Card(out, "html.card.sources", s.sources, sub.empty() ? L("html.card.sources_sub") : sub);
  }
  std::string lines_sub = Fill(
      "html.card.lines_sub",
      {{"files", Thousands(s.files)}, {"parsed", Thousands(s.parsed)}, {"seconds", Fixed1(s.seconds)}});
  if (s.already_ingested > 0) {
    lines_sub += "<br>" + Fill("html.card.already", {{"count", Thousands(s.already_ingested)}});
  }
  if (!r.files.empty()) {  // a report of the store alone (keikai report) read no lines
    Card(out, "html.card.lines", s.lines, lines_sub);
    Card(out, "html.card.bad_lines", s.bad_lines,
         Fill("html.card.bad_lines_sub", {{"share", Percent(s.bad_lines, s.lines)}}));
  }

  // Domestic vs overseas, with a split bar.
  const uint64_t total = r.domestic_attacks + r.overseas_attacks + r.unknown_country_attacks;
  const auto width = [&](uint64_t v) {
    return Num(total == 0 ? 0.0 : 100.0 * static_cast<double>(v) / static_cast<double>(total));
  };
  out += "<div class=\"card wide\"><div class=\"label\">" + L("html.card.origin") + "</div>";
  out += "<div class=\"origin\">";
  out += "<span><span class=\"key\" style=\"background:#2f5d9e\"></span>" +
         Fill("html.card.domestic", {{"country", Esc(r.home_country)}}) + " <b>" +
         Thousands(r.domestic_attacks) + "</b> (" + Percent(r.domestic_attacks, total) + ")</span>";
  out += "<span><span class=\"key\" style=\"background:#d9822b\"></span>" +
         L("html.card.overseas") + " <b>" + Thousands(r.overseas_attacks) + "</b> (" +
         Percent(r.overseas_attacks, total) + ")</span>";
  if (r.unknown_country_attacks > 0) {
    out += "<span><span class=\"key\" style=\"background:#a7adb7\"></span>" +
           L("html.card.unknown") + " <b>" + Thousands(r.unknown_country_attacks) + "</b> (" +
           Percent(r.unknown_country_attacks, total) + ")</span>";
  }
  out += "</div>";
  if (total > 0) {
    out += "<div class=\"split\"><span class=\"dom\" style=\"width:" + width(r.domestic_attacks) +
           "%\"></span><span class=\"ovs\" style=\"width:" + width(r.overseas_attacks) +
           "%\"></span><span class=\"unk\" style=\"width:" + width(r.unknown_country_attacks) +
           "%\"></span></div>";
  }
  out += "</div>\n</div>\n";
}

void RenderCharts(std::string& out, const Report& r, const std::vector<std::string>& chart_sites) {
  Heading(out, "daily", "html.chart.heading");
  // The rows of each site, found in one pass (not one pass per chart).
  std::map<std::string, std::vector<const DailyRow*>> by_site;
  for (const DailyRow& row : r.daily) {
    if (row.cls == kAllClasses) by_site[row.site].push_back(&row);
  }
  static const std::vector<const DailyRow*> kNone;
  for (size_t i = 0; i < chart_sites.size(); ++i) {
    const bool only_site = r.sites.size() == 1 && chart_sites[i] == r.sites.front();
    const auto it = by_site.find(chart_sites[i]);
    out += RenderChart(r, chart_sites[i], i, only_site, it != by_site.end() ? it->second : kNone);
  }
}

void RenderClasses(std::string& out, const Report& r) {
  Heading(out, "classes", "html.classes.heading");
  if (r.classes.empty()) return NoneNote(out);
  std::vector<std::pair<std::string, uint64_t>> rows(r.classes.begin(), r.classes.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.class") +
         Th("html.col.attacks", true) + Th("html.col.share", true) + "</tr></thead>\n<tbody>\n";
  for (const auto& [cls, n] : rows) {
    const double share =
        r.summary.attacks == 0
            ? 0.0
            : std::min(1.0, static_cast<double>(n) / static_cast<double>(r.summary.attacks));
    out += "<tr>" + Td(Esc(ClassText(cls))) + TdNum(n) +
           "<td class=\"n\"><span class=\"share\"><span class=\"bar\" style=\"width:" +
           Num(share * 120) + "px\"></span>" + Percent(n, r.summary.attacks) +
           "</span></td></tr>\n";
  }
  out += "</tbody></table></div>\n<p class=\"note\">" + L("html.classes.note") + "</p>\n";
}

void RenderCountries(std::string& out, const Report& r) {
  Heading(out, "countries", "html.countries.heading");
  if (r.countries.empty()) return NoneNote(out);
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.country") +
         Th("html.col.attacks", true) + Th("html.col.sources", true) + Th("html.col.domestic") +
         "</tr></thead>\n<tbody>\n";
  constexpr size_t kMaxCountries = 15;
  uint64_t rest_attacks = 0;
  size_t rest = 0;
  for (size_t i = 0; i < r.countries.size(); ++i) {
    const CountryRow& c = r.countries[i];
    if (i >= kMaxCountries) {
      rest_attacks += c.attacks;
      ++rest;
      continue;
    }
    out += "<tr>" + Td(Esc(CountryText(c.country, c.name))) +
           TdNum(c.attacks) + TdNum(c.sources) +
           Td(c.domestic ? "<span class=\"tagdom\">" + L("html.domestic_mark") + "</span>" : "") +
           "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  if (rest > 0) {
    out += "<p class=\"note\">" +
           Fill("html.countries.more", {{"n", Thousands(rest)}, {"attacks", Thousands(rest_attacks)}}) +
           "</p>\n";
  }
}

std::string JoinPlain(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// The last row of a top list: "and N other ..." with their attacks, after `before` cells and
// followed by `after` empty ones.
void RestRow(std::string& out, const char* key, const Rest& rest, int before, int after) {
  if (rest.rows == 0) return;
  out += "<tr class=\"rest\"><td colspan=\"" + std::to_string(before) + "\"><em>" +
         Esc(ReplaceAll(Tr(key), "{n}", Thousands(rest.rows))) + "</em></td>" + TdNum(rest.attacks);
  if (after > 0) out += "<td colspan=\"" + std::to_string(after) + "\"></td>";
  out += "</tr>\n";
}

void RenderSources(std::string& out, const Report& r) {
  Heading(out, "sources", "html.sources.heading");
  if (r.top_sources.empty()) return NoneNote(out);
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.ip") + Th("html.col.country") +
         Th("html.col.attacks", true) + Th("html.col.behavior") + Th("html.col.top_classes") +
         Th("html.col.sites") + Th("html.col.first_seen") + Th("html.col.last_seen") +
         "</tr></thead>\n<tbody>\n";
  for (const SourceRow& s : r.top_sources) {
    // The behaviour verdict, with the scenarios behind it on hover.
    std::string behavior;
    if (!s.classification.empty()) {
      std::string why;
      // The hover text in the reader's language; the stored evidence stays stable English.
      for (const std::string& e : s.scenario_help.empty() ? s.evidence : s.scenario_help) {
        why += (why.empty() ? "" : "\n") + e;
      }
      behavior = "<span title=\"" + Esc(why) + "\">" + Esc(ClassificationText(s.classification)) +
                 "</span>";
      if (!s.scenarios.empty()) behavior += "<br><small>" + Esc(JoinPlain(s.scenarios)) + "</small>";
    }
    std::string country = Esc(CountryText(s.country, s.country_name));
    if (s.domestic) country += " <span class=\"tagdom\">" + L("html.domestic_mark") + "</span>";
    out += "<tr>" + Td("<code>" + Esc(s.ip) + "</code>", "nowrap") + Td(country, "nowrap") +
           TdNum(s.attacks) + Td(behavior) + Td(ClassList(s.classes, 3)) + Td(JoinList(s.sites, 3)) +
           Td(Esc(s.first_seen), "nowrap") + Td(Esc(s.last_seen), "nowrap") + "</tr>\n";
  }
  RestRow(out, "html.other_sources", r.other_sources, 2, 5);
  out += "</tbody></table></div>\n";
}

void RenderPaths(std::string& out, const Report& r) {
  constexpr size_t kMaxPathChars = 120;
  Heading(out, "paths", "html.paths.heading");
  if (r.top_paths.empty()) return NoneNote(out);
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.path") +
         Th("html.col.attacks", true) + Th("html.col.classes") + "</tr></thead>\n<tbody>\n";
  for (const PathRow& p : r.top_paths) {
    const std::string clean = CleanUtf8(p.path);
    std::string cell;
    if (CountChars(clean) > kMaxPathChars) {
      cell = "<code title=\"";
      AppendEscaped(cell, clean);
      cell += "\">";
      AppendEscaped(cell, TruncateChars(clean, kMaxPathChars));
      cell += "</code>";
    } else {
      cell = "<code>";
      AppendEscaped(cell, clean);
      cell += "</code>";
    }
    out += "<tr>" + Td(cell) + TdNum(p.attacks) + Td(ClassList(p.classes, 4)) + "</tr>\n";
  }
  RestRow(out, "html.other_paths", r.other_paths, 1, 1);
  out += "</tbody></table></div>\n";
}

void RenderFiles(std::string& out, const Report& r) {
  Heading(out, "files", "html.files.heading");
  if (r.files.empty()) return NoneNote(out);
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.file") + Th("html.col.site") +
         Th("html.col.format") + Th("html.col.lines", true) + Th("html.col.parsed", true) +
         Th("html.col.bad", true) + Th("html.col.already", true) + Th("html.col.error") +
         "</tr></thead>\n<tbody>\n";
  for (const FileRow& f : r.files) {
    out += "<tr>" + Td("<code>" + Esc(f.path) + "</code>") + Td(Esc(f.site)) +
           Td(Esc(f.format), "nowrap") + TdNum(f.lines) + TdNum(f.parsed) + TdNum(f.bad_lines) +
           TdNum(f.already_ingested) +
           Td(Esc(f.error.empty() ? std::string() : LabelOr("err.code.", f.error_code) + ": " + f.error), "err") +
           "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

void RenderBadLines(std::string& out, const Report& r) {
  Heading(out, "bad-lines", "html.bad.heading");
  if (r.bad_line_samples.empty()) return NoneNote(out);
  const uint64_t shown = r.bad_line_samples.size();
  if (r.summary.bad_lines > shown) {
    out +=
        "<p class=\"note\">" +
        Fill("html.bad.shown", {{"shown", Thousands(shown)}, {"total", Thousands(r.summary.bad_lines)}}) +
        "</p>\n";
  }
  out += "<div class=\"scroll\"><table>\n<thead><tr>" + Th("html.col.file") +
         Th("html.col.line", true) + Th("html.col.column", true) + Th("html.col.problem") +
         Th("html.col.excerpt") + "</tr></thead>\n<tbody>\n";
  for (const BadLineSample& b : r.bad_line_samples) {
    out += "<tr>" + Td("<code>" + Esc(b.file) + "</code>") + TdNum(b.line) + TdNum(b.column) +
           Td(Esc(LabelOr("bad.", b.code))) + Td("<code>" + Esc(b.excerpt) + "</code>") + "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}


// ---------------------------------------------------------------------------------------------
// The mail services: latency per service and phase over time (log scale), delay incidents
// marked, then the incidents with their causes.

// "12-01 15:05" in the section's zone.
std::string ShortTime(const TimeZone& tz, int64_t t) {
  const std::string full = tz.FormatTime(t);  // "2026-12-01 15:05:07 +09:00"
  return full.size() >= 16 ? full.substr(5, 11) : full;
}

constexpr const char* kPhaseColours[] = {"#5a7fb8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"};

void RenderLatencyChart(std::string& out, const MailSection& m, const MailSection::Series& s, std::size_t index) {
  const std::string id = "mail-chart-" + std::to_string(index);
  if (s.points.empty()) return;
  const int64_t t0 = s.points.front().time, t1 = std::max(s.points.back().time, t0 + 60);
  double hi = 10;
  for (const auto& p : s.points) {
    for (double v : p.ms) hi = std::max(hi, v);
  }
  const double lo_exp = -1, hi_exp = std::ceil(std::log10(hi));
  const auto x = [&](int64_t t) { return kLeft + kPlotW * static_cast<double>(t - t0) / static_cast<double>(t1 - t0); };
  const auto y = [&](double ms) {
    const double e = std::log10(std::max(ms, 0.1));
    return kTop + kPlotH * (1 - (e - lo_exp) / (hi_exp - lo_exp));
  };
  std::string where;
  for (const mail::ServiceLatency& sl : m.services) {
    if (sl.service == s.service) where = sl.host + ":" + std::to_string(sl.port);
  }
  out += "<figure id=\"" + id + "\"><figcaption>" + Esc(s.service) + " <span class=\"range\">" + Esc(where) +
         "</span></figcaption>\n";
  out += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Num(kW) + " " + Num(kH) +
         "\" width=\"100%\" role=\"img\" aria-labelledby=\"" + id + "-t\">\n<title id=\"" + id + "-t\">" +
         Fill("html.mail.chart_title", {{"service", Esc(s.service)}}) + "</title>\n";
  // Incidents of this service as bands.
  for (const mail::LatencyIncident& li : m.latency_incidents) {
    if (li.service != s.service || li.end < t0 || li.start > t1) continue;
    const double a = x(std::max(li.start, t0)), b = std::max(a + 2, x(std::min(li.end, t1)));
    out += "<rect class=\"band\" x=\"" + Num(a) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(b - a) + "\" height=\"" +
           Num(kPlotH) + "\"><title>" + Esc(KindText(li.kind)) + "</title></rect>\n";
  }
  // Decades.
  for (double e = lo_exp; e <= hi_exp; e += 1) {
    const double ms = std::pow(10.0, e);
    const double yy = y(ms);
    out += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft + kPlotW) + "\" y1=\"" + Num(yy) + "\" y2=\"" +
           Num(yy) + "\"/>";
    char label[32];
    std::snprintf(label, sizeof label, "%g %s", ms >= 1000 ? ms / 1000 : ms, ms >= 1000 ? "s" : "ms");
    out += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(yy + 4) + "\" text-anchor=\"end\">" + Esc(label) + "</text>\n";
  }
  out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft + kPlotW) + "\" y1=\"" + Num(kTop + kPlotH) +
         "\" y2=\"" + Num(kTop + kPlotH) + "\"/>\n";
  for (int k = 0; k <= 4; ++k) {
    const int64_t t = t0 + (t1 - t0) * k / 4;
    out += "<text x=\"" + Num(x(t)) + "\" y=\"" + Num(kTop + kPlotH + 18) + "\" text-anchor=\"" +
           (k == 0 ? "start" : k == 4 ? "end" : "middle") + "\">" + Esc(ShortTime(m.tz, t)) + "</text>\n";
  }
  // One line per phase; a gap where the phase was not reached.
  for (std::size_t ph = 0; ph < s.phases.size(); ++ph) {
    const char* colour = kPhaseColours[ph % 7];
    std::string d;
    bool pen = false;
    for (const auto& p : s.points) {
      if (p.ms[ph] < 0) {
        pen = false;
        continue;
      }
      d += (pen ? " L" : " M") + Num(x(p.time)) + " " + Num(y(p.ms[ph]));
      pen = true;
    }
    if (!d.empty()) {
      out += "<path class=\"lat\" stroke=\"" + std::string(colour) + "\" d=\"" + d.substr(1) + "\"><title>" +
             Esc(PhaseText(s.phases[ph])) + "</title></path>\n";
    }
  }
  // Failed probes: a mark on the top edge.
  for (const auto& p : s.points) {
    if (!p.failed) continue;
    out += "<rect class=\"fail\" x=\"" + Num(x(p.time) - 2) + "\" y=\"" + Num(kTop - 8) + "\" width=\"4\" height=\"8\"><title>" +
           L("html.mail.failed_probe") + " " + Esc(ShortTime(m.tz, p.time)) + "</title></rect>\n";
  }
  // Legend.
  out += "<g class=\"legend\">";
  double lx = kLeft;
  for (std::size_t ph = 0; ph < s.phases.size(); ++ph) {
    out += "<rect x=\"" + Num(lx) + "\" y=\"14\" width=\"12\" height=\"4\" fill=\"" + kPhaseColours[ph % 7] + "\"/>";
    const std::string name = PhaseText(s.phases[ph]);
    out += "<text x=\"" + Num(lx + 16) + "\" y=\"20\">" + Esc(name) + "</text>";
    lx += 40 + 8.0 * static_cast<double>(name.size() > 12 ? 12 : name.size());
  }
  out += "<rect class=\"fail\" x=\"" + Num(lx) + "\" y=\"12\" width=\"4\" height=\"8\"/><text x=\"" + Num(lx + 8) +
         "\" y=\"20\">" + L("html.mail.failed_probe") + "</text>";
  out += "</g>\n</svg></figure>\n";
}

void RenderMail(std::string& out, const MailSection& m) {
  Heading(out, "mail", "html.mail.heading");
  out += "<p class=\"note\">" +
         (m.services.empty() ? L("html.mail.no_probes") : Fill("html.mail.period", {{"from", Esc(m.tz.FormatTime(m.from))}, {"to", Esc(m.tz.FormatTime(m.to))}})) + " " +
         (m.logs_read ? Fill("html.mail.logs_read", {{"from", Esc(m.tz.FormatTime(m.logs_from))}, {"to", Esc(m.tz.FormatTime(m.logs_to))}})
                      : L("html.mail.no_logs")) +
         "</p>\n";
  // Incidents first: what a reader looks for.
  if (m.latency_incidents.empty()) {
    // "No delay" only when there were probes to judge; without them the period line says so.
    if (!m.services.empty()) out += "<p class=\"calm\">" + L("html.mail.no_delays") + "</p>\n";
  } else {
    out += "<div class=\"scroll\"><table><thead><tr>" + Th("html.mail.col.service") + Th("html.mail.col.period") +
           Th("html.mail.col.kind") + Th("html.mail.col.peaks") + Th("html.mail.col.failures") + Th("html.mail.col.cause") +
           "</tr></thead><tbody>\n";
    for (const mail::LatencyIncident& li : m.latency_incidents) {
      std::string peaks, failures, cause;
      for (const auto& p : li.peaks) {
        peaks += (peaks.empty() ? "" : "<br>") + Esc(PhaseText(p.phase)) + " " + Esc(MsText(p.peak_ms)) + " ms (" +
                 Fill("html.mail.median", {{"ms", Esc(MsText(p.median_ms))}}) + ")";
      }
      for (const auto& [k, n] : li.failures) {
        failures += (failures.empty() ? "" : "<br>") + Esc(FailureText(k)) + " " + Thousands(n);
      }
      if (li.log_incident >= 0 && static_cast<std::size_t>(li.log_incident) < m.log_incidents.size()) {
        const mail::Incident& x = m.log_incidents[static_cast<std::size_t>(li.log_incident)];
        for (std::size_t i = 0; i < x.networks.size() && i < 3; ++i) {
          cause += (cause.empty() ? "" : "<br>") + Esc(x.networks[i].key) + " " +
                   Fill("html.mail.excess", {{"n", Esc(Fixed1(x.networks[i].excess))}});
        }
        for (std::size_t i = 0; i < x.countries.size() && i < 3; ++i) {
          if (x.countries[i].key.empty()) continue;
          cause += "<br>" + Esc(CountryText(x.countries[i].key)) + " " +
                   Fill("html.mail.excess", {{"n", Esc(Fixed1(x.countries[i].excess))}});
        }
        if (cause.empty()) cause = L("html.mail.no_excess");
      } else {
        cause = "-";
      }
      out += "<tr>" + Td(Esc(li.service)) + Td(Esc(m.tz.FormatTime(li.start)) + " " + std::string(kEnDash) + "<br>" + Esc(m.tz.FormatTime(li.end)), "nowrap") +
             Td(Esc(KindText(li.kind))) + Td(peaks.empty() ? "-" : peaks, "nowrap") + Td(failures.empty() ? "-" : failures) +
             Td(cause) + "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  // The log's own incidents (some come with no probe delay: a flood the server took).
  if (m.logs_read && !m.log_incidents.empty()) {
    out += "<h3>" + L("html.mail.log_incidents") + "</h3>\n<div class=\"scroll\"><table><thead><tr>" +
           Th("html.mail.col.period") + Th("html.mail.col.kind") + Th("html.mail.col.connections", true) +
           Th("html.mail.col.sources") + Th("html.mail.col.symptoms") + "</tr></thead><tbody>\n";
    for (const mail::Incident& x : m.log_incidents) {
      std::string sources;
      for (std::size_t i = 0; i < x.sources.size() && i < 5; ++i) {
        sources += (sources.empty() ? "" : "<br>") + Esc(x.sources[i].address) + " " +
                   Fill("html.mail.excess", {{"n", Esc(Fixed1(x.sources[i].excess))}}) +
                   (x.sources[i].country.empty() ? "" : " " + Esc(x.sources[i].country));
      }
      std::array<uint64_t, mail::kSymptomCount> sy = x.symptoms;
      std::string symptoms;
      for (int i = 1; i < mail::kSymptomCount; ++i) {
        if (sy[i] == 0) continue;
        const std::string name(mail::SymptomName(static_cast<mail::Symptom>(i)));
        const std::string key = "mail.symptom." + name;
        symptoms += (symptoms.empty() ? "" : "<br>") + Esc(HasMsg(key) ? Tr(key) : name) + " " + Thousands(sy[i]);
      }
      out += "<tr>" + Td(Esc(m.tz.FormatTime(x.start)) + " " + std::string(kEnDash) + "<br>" + Esc(m.tz.FormatTime(x.end)), "nowrap") +
             Td(Esc(KindText(x.kind))) + TdNum(x.connections) + Td(sources.empty() ? "-" : sources) +
             Td(symptoms.empty() ? "-" : symptoms) + "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  // Per service: the chart, then the phases' figures.
  for (std::size_t i = 0; i < m.series.size(); ++i) RenderLatencyChart(out, m, m.series[i], i);
  out += "<div class=\"scroll\"><table><thead><tr>" + Th("html.mail.col.service") + Th("html.mail.col.phase") +
         Th("html.mail.col.median", true) + Th("html.mail.col.p95", true) + Th("html.mail.col.max", true) +
         Th("html.mail.col.probes", true) + "</tr></thead><tbody>\n";
  for (const mail::ServiceLatency& s : m.services) {
    for (const mail::PhaseLatency& p : s.phases) {
      out += "<tr>" + Td(Esc(s.service)) + Td(Esc(PhaseText(p.name))) + "<td class=\"n\">" + Esc(MsText(p.median_ms)) +
             "</td><td class=\"n\">" + Esc(MsText(p.p95_ms)) + "</td><td class=\"n\">" + Esc(MsText(p.max_ms)) + "</td>" +
             TdNum(p.samples) + "</tr>\n";
    }
    if (s.failed > 0) {
      out += "<tr>" + Td(Esc(s.service)) + Td(L("html.mail.failed_probes"), "err") + "<td></td><td></td><td></td>" +
             TdNum(s.failed) + "</tr>\n";
    }
  }
  out += "</tbody></table></div>\n";
}

}  // namespace

std::string RenderHtml(const Report& r) {
  const bool ja = CurrentLang() == Lang::kJa;
  const std::vector<std::string> chart_sites = ChartSites(r);
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"";
  out += ja ? "ja" : "en";
  out +=
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"keikai " +
      Esc(r.version) + "\">\n<title>";
  out += r.sites.empty() ? L("html.title")
                         : Fill("html.doc_title",
                                {{"title", L("html.title")}, {"sites", JoinList(r.sites, 3)}});
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<div class=\"page\">\n";

  RenderHeader(out, r);
  out += "<main>\n";
  RenderBanner(out, r);
  // Notes come first, as in every output (model.h), right under any banner.
  for (const std::string& n : r.notes) out += "<p class=\"note\">" + Esc(n) + "</p>\n";
  RenderSurges(out, r, chart_sites);
  RenderCards(out, r);
  RenderCharts(out, r, chart_sites);
  RenderClasses(out, r);
  RenderSources(out, r);
  RenderCountries(out, r);
  RenderPaths(out, r);
  RenderFiles(out, r);
  RenderBadLines(out, r);
  if (!r.mail.empty()) RenderMail(out, r.mail);
  out += "</main>\n<footer>\n<p>" +
         Fill("html.footer", {{"version", Esc(r.version)},
                              {"generated_at", Esc(r.generated_at)},
                              {"timezone", Esc(r.timezone)}}) +
         "</p>\n</footer>\n</div>\n</body>\n</html>\n";
  return out;
}

std::string RenderMailHtml(const Report& r) {
  const bool ja = CurrentLang() == Lang::kJa;
  std::string out = "<!DOCTYPE html>\n<html lang=\"";
  out += ja ? "ja" : "en";
  out += "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"generator\" content=\"keikai " + Esc(r.version) + "\">\n<title>" + L("html.mail.title") +
         "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<div class=\"page\">\n<header class=\"top\">\n<h1>" + L("html.mail.title") +
         "</h1>\n<dl class=\"meta\">\n<dt>" + L("html.header.generated_at") + "</dt><dd>" + Esc(r.generated_at) +
         "</dd>\n<dt>" + L("html.header.timezone") + "</dt><dd>" + Esc(r.timezone) + "</dd>\n</dl>\n</header>\n<main>\n";
  for (const std::string& n : r.notes) out += "<p class=\"note\">" + Esc(n) + "</p>\n";
  RenderMail(out, r.mail);
  out += "</main>\n<footer>\n<p>" +
         Fill("html.footer", {{"version", Esc(r.version)}, {"generated_at", Esc(r.generated_at)}, {"timezone", Esc(r.timezone)}}) +
         "</p>\n</footer>\n</div>\n</body>\n</html>\n";
  return out;
}

}  // namespace keikai::report
