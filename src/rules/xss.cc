// XSS detection for @detectXSS: a small HTML tokenizer, written for keikai (no libinjection code
// or data). A value can land in a page in several places, so it is read in several contexts:
//   - as text between tags (the data state): "<script>", "<img src=x onerror=...>";
//   - as the inside of a double- or single-quoted attribute value: the first matching quote closes
//     the value and what follows is read as more attributes (" onfocus="alert(1));
//   - as the inside of an unquoted attribute value: the first whitespace ends the value;
//   - as a whole URL attribute value: "javascript:alert(1)".
// Outside a real tag (the attribute contexts), only attributes that are unambiguous flag (known
// event handler names with a value, script URLs, style expressions), because ordinary prose is
// full of words like "only" and "once" that would otherwise read as on* attributes.
#include <cstddef>
#include <string>
#include <string_view>

#include "keikai/core/ascii.h"
#include "keikai/rules/injection.h"

namespace keikai::rules {
namespace {

// Bound on the bytes examined, as for SQLi: predictable cost, attacks sit near the start.
constexpr std::size_t kMaxScan = 64 * 1024;

bool IsAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// HTML's whitespace plus other control bytes, which browsers skip in many of these positions.
bool IsSpace(unsigned char c) { return c <= ' ' || c == 0x7f; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// Case-insensitive search of a lowercase needle, ignoring whitespace/control bytes in the
// haystack (browsers and CSS parsers tolerate "expres\nsion(" and "java\tscript:").
bool ContainsLoose(std::string_view hay, std::string_view needle) {
  for (std::size_t i = 0; i < hay.size(); ++i) {
    std::size_t j = i, k = 0;
    while (j < hay.size() && k < needle.size()) {
      const unsigned char c = static_cast<unsigned char>(hay[j]);
      if (k > 0 && IsSpace(c) && c != ' ') {  // embedded tab/newline/control: skipped
        ++j;
        continue;
      }
      if (FoldLower(static_cast<char>(c)) != needle[k]) break;
      ++j;
      ++k;
    }
    if (k == needle.size()) return true;
  }
  return false;
}

// Tags that run script or change how the page loads or submits. "x:script" style namespaced
// names are reduced to the local part before the lookup. The first group is dangerous as soon as
// it opens (script and style take their content as code; "xss" is the customary probe tag of
// scanners). The second group acts through its attributes (src, data, href, action...), and the
// bare forms are common placeholders in documentation ("git replace <object>", "<base>"), so it
// flags only with at least one attribute.
constexpr std::string_view kDangerTags[] = {"script", "style", "xss", "noscript", "isindex"};
constexpr std::string_view kDangerWithAttrs[] = {
    "iframe", "frame",  "frameset", "object",  "embed",  "applet", "svg",      "math",
    "link",   "base",   "form",     "xml",     "import", "bgsound", "layer",   "ilayer",
    "vmlframe", "portal",
};

// Event handler attribute names, from the HTML, SVG and legacy IE event lists. Needed only
// outside real tags; inside a tag any on* attribute with a value flags.
constexpr std::string_view kEvents[] = {
    "onabort", "onactivate", "onafterprint", "onafterupdate", "onanimationcancel",
    "onanimationend", "onanimationiteration", "onanimationstart", "onauxclick", "onbegin",
    "onbeforeactivate", "onbeforecopy", "onbeforecut", "onbeforedeactivate", "onbeforeinput",
    "onbeforepaste", "onbeforeprint", "onbeforetoggle", "onbeforeunload", "onbeforeupdate",
    "onblur", "onbounce", "oncancel", "oncanplay", "oncanplaythrough", "oncellchange",
    "onchange", "onclick", "onclose", "oncontextmenu", "oncontrolselect", "oncopy",
    "oncuechange", "oncut", "ondataavailable", "ondatasetchanged", "ondatasetcomplete",
    "ondblclick", "ondeactivate", "ondrag", "ondragend", "ondragenter", "ondragleave",
    "ondragover", "ondragstart", "ondrop", "ondurationchange", "onemptied", "onend", "onended",
    "onerror", "onerrorupdate", "onfilterchange", "onfinish", "onfocus", "onfocusin",
    "onfocusout", "onformdata", "onfullscreenchange", "ongotpointercapture", "onhashchange",
    "onhelp", "oninput", "oninvalid", "onkeydown", "onkeypress", "onkeyup", "onlayoutcomplete",
    "onload", "onloadeddata", "onloadedmetadata", "onloadend", "onloadstart", "onlosecapture",
    "onlostpointercapture", "onmessage", "onmousedown", "onmouseenter", "onmouseleave",
    "onmousemove", "onmouseout", "onmouseover", "onmouseup", "onmousewheel", "onmove",
    "onmoveend", "onmovestart", "onoffline", "ononline", "onpagehide", "onpageshow", "onpaste",
    "onpause", "onplay", "onplaying", "onpointercancel", "onpointerdown", "onpointerenter",
    "onpointerleave", "onpointermove", "onpointerout", "onpointerover", "onpointerrawupdate",
    "onpointerup", "onpopstate", "onprogress", "onpropertychange", "onratechange",
    "onreadystatechange", "onrepeat", "onreset", "onresize", "onresizeend", "onresizestart",
    "onrowenter", "onrowexit", "onrowsdelete", "onrowsinserted", "onscroll", "onscrollend",
    "onsearch", "onsecuritypolicyviolation", "onseeked", "onseeking", "onselect",
    "onselectionchange", "onselectstart", "onshow", "onslotchange", "onstalled", "onstart",
    "onstorage", "onsubmit", "onsuspend", "ontimeupdate", "ontoggle", "ontouchcancel",
    "ontouchend", "ontouchmove", "ontouchstart", "ontransitioncancel", "ontransitionend",
    "ontransitionrun", "ontransitionstart", "onunload", "onvisibilitychange",
    "onvolumechange", "onwaiting", "onwebkitanimationend", "onwebkittransitionend", "onwheel",
    "onzoom",
};

// Attributes whose value the browser loads or navigates to.
constexpr std::string_view kUrlAttrs[] = {
    "href",   "src",    "action", "formaction", "data",   "background", "dynsrc", "lowsrc",
    "poster", "codebase", "code", "to",         "from",   "values",     "by",     "xlink:href",
    "ping",   "cite",   "longdesc", "usemap",   "manifest", "archive",  "classid", "icon",
};

// Appends a lowercased name to a description, cut so that MATCHED data stays short.
void AppendName(std::string& why, std::string_view name) {
  for (std::size_t i = 0; i < name.size() && i < 32; ++i) why.push_back(FoldLower(name[i]));
}

bool InList(std::string_view name, const std::string_view* list, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (IEquals(name, list[i])) return true;
  }
  return false;
}

template <std::size_t N>
bool InList(std::string_view name, const std::string_view (&list)[N]) {
  return InList(name, list, N);
}

// A URL scheme as a browser reads it: the bytes from v[i] through the first ':' (included),
// lower-cased, without the bytes skip() says the browser ignores there, at most N of them. i is
// left at the ':' (or where collection stopped).
template <std::size_t N, class Skip>
std::string_view CollectScheme(std::string_view v, std::size_t& i, char (&buf)[N], Skip skip) {
  std::size_t n = 0;
  for (; i < v.size() && n < N; ++i) {
    const char c = v[i];
    if (skip(static_cast<unsigned char>(c))) continue;
    buf[n++] = FoldLower(c);
    if (c == ':') break;
  }
  return std::string_view(buf, n);
}

// A URL value that runs script: javascript:/vbscript: and friends, or data: documents (images
// other than SVG are harmless). Leading whitespace/control bytes are ignored like browsers do.
const char* ScriptUrl(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && IsSpace(static_cast<unsigned char>(v[i]))) ++i;
  // Embedded tabs/newlines in the scheme ("jav\tascript:") are ignored.
  char scheme[16];
  const std::string_view s = CollectScheme(
      v, i, scheme, [](unsigned char c) { return c == '\t' || c == '\n' || c == '\r'; });
  if (s == "javascript:") return "javascript";
  if (s == "vbscript:") return "vbscript";
  if (s == "livescript:") return "livescript";
  if (s == "mocha:") return "mocha";
  if (s == "data:") {
    const std::string_view rest = v.substr(i < v.size() ? i + 1 : v.size());
    if (StartsWithNoCase(rest, "image/") && !StartsWithNoCase(rest, "image/svg")) return nullptr;
    if (StartsWithNoCase(rest, "audio/") || StartsWithNoCase(rest, "video/") ||
        StartsWithNoCase(rest, "font/")) {
      return nullptr;
    }
    return "data";
  }
  return nullptr;
}

// CSS that runs script (old IE expression(), behaviors, Mozilla bindings, script URLs).
const char* ScriptStyle(std::string_view v) {
  if (ContainsLoose(v, "expression(")) return "expression";
  if (ContainsLoose(v, "javascript:")) return "javascript";
  if (ContainsLoose(v, "vbscript:")) return "vbscript";
  if (ContainsLoose(v, "behavior:")) return "behavior";
  if (ContainsLoose(v, "-moz-binding")) return "moz-binding";
  if (ContainsLoose(v, "@import")) return "import";
  return nullptr;
}

class HtmlScanner {
 public:
  explicit HtmlScanner(std::string_view in) : in_(in) {}

  // Data state from the start: every "<" that opens a tag is examined.
  bool ScanData(std::string& why) {
    std::size_t p = 0;
    while (p < in_.size()) {
      const std::size_t lt = in_.find('<', p);
      if (lt == std::string_view::npos) return false;
      p = lt + 1;
      const unsigned char c = At(p);
      if (IsAlpha(c)) {
        std::size_t end = p;
        while (end < in_.size() && !IsSpace(At(end)) && At(end) != '/' && At(end) != '>' &&
               At(end) != '<') {
          ++end;
        }
        // "<scr<script>ipt>": a "<" inside a would-be name starts the tag a filter leaves behind.
        // (The name stops there, so "<a<a<a..." costs one pass, not one per "<".)
        if (At(end) == '<') {
          p = end;
          continue;
        }
        std::string_view name = in_.substr(p, end - p);
        // Namespaced names ("x:script") behave like their local name in XHTML documents.
        const std::size_t colon = name.rfind(':');
        const std::string_view local = colon == std::string_view::npos ? name
                                                                       : name.substr(colon + 1);
        // <meta> is dangerous through http-equiv (refresh to a script URL, cookies) and charset
        // (UTF-7 style tricks); "<META> tags" in documentation is not.
        const bool meta = IEquals(local, "meta");
        const bool danger = meta ? MetaIsActive(end)
                                 : InList(local, kDangerTags) ||
                                       (InList(local, kDangerWithAttrs) && HasAttributes(end));
        if (danger) {
          why = "tag:";
          AppendName(why, local);
          return true;
        }
        if (ScanAttributes(end, /*real_tag=*/true, why, p)) return true;
      } else if (c == '!') {
        // IE conditional comments ("<!--[if gte IE 4]>") and "<![if" run their contents as
        // markup; "<!-->" style tricks aside, plain comments are harmless text.
        if (StartsWithNoCase(in_.substr(p), "!--[if") || StartsWithNoCase(in_.substr(p), "![if")) {
          why = "comment:conditional";
          return true;
        }
      } else if (c == '?' && StartsWithNoCase(in_.substr(p), "?import")) {
        // "<?import implementation=x.htc>" loaded IE behaviors (script) into the page.
        why = "pi:import";
        return true;
      }
      // Anything else ("a < b", "x<5", "<3", "</b>") is text.
    }
    return false;
  }

  // Attribute-list state from `start` (the input began inside an attribute value whose end is at
  // start - 1). Stops at the end of the pretend tag.
  bool ScanAfterValue(std::size_t start, std::string& why) {
    std::size_t unused = 0;
    return ScanAttributes(start, /*real_tag=*/false, why, unused);
  }

 private:
  unsigned char At(std::size_t i) const {
    return i < in_.size() ? static_cast<unsigned char>(in_[i]) : 0;
  }

  // Whether anything other than the end of the tag follows its name at p.
  bool HasAttributes(std::size_t p) const {
    while (p < in_.size() && (IsSpace(At(p)) || At(p) == '/')) ++p;
    return p < in_.size() && At(p) != '>';
  }

  // Whether the <meta> tag whose attributes start at p has http-equiv or charset.
  bool MetaIsActive(std::size_t p) const {
    // Bounded look-ahead: many unterminated "<meta" must not make the scan quadratic.
    std::size_t end = in_.find('>', p);
    if (end == std::string_view::npos) end = in_.size();
    if (end - p > 1024) end = p + 1024;
    const std::string_view attrs = in_.substr(p, end - p);
    return ContainsLoose(attrs, "http-equiv") || ContainsLoose(attrs, "charset");
  }

  // Reads attributes from p until ">" or the end; `next` receives where data scanning resumes.
  bool ScanAttributes(std::size_t p, bool real_tag, std::string& why, std::size_t& next) {
    while (p < in_.size()) {
      while (p < in_.size() && (IsSpace(At(p)) || At(p) == '/')) ++p;
      if (p >= in_.size()) break;
      if (At(p) == '>') {
        next = p + 1;
        return false;
      }
      // Attribute name: up to whitespace, "/", ">" or "=" (a leading "=" belongs to the name).
      const std::size_t name_start = p;
      ++p;
      while (p < in_.size() && !IsSpace(At(p)) && At(p) != '/' && At(p) != '>' && At(p) != '=') {
        ++p;
      }
      const std::string_view name = in_.substr(name_start, p - name_start);
      std::size_t q = p;
      while (q < in_.size() && IsSpace(At(q))) ++q;
      bool has_value = false;
      std::string_view value;
      if (At(q) == '=') {
        ++q;
        while (q < in_.size() && IsSpace(At(q))) ++q;
        has_value = true;
        const unsigned char qc = At(q);
        if (qc == '"' || qc == '\'') {
          const std::size_t close = in_.find(static_cast<char>(qc), q + 1);
          const std::size_t vend = close == std::string_view::npos ? in_.size() : close;
          value = in_.substr(q + 1, vend - q - 1);
          p = close == std::string_view::npos ? in_.size() : close + 1;
        } else {
          std::size_t vend = q;
          while (vend < in_.size() && !IsSpace(At(vend)) && At(vend) != '>') ++vend;
          value = in_.substr(q, vend - q);
          p = vend;
        }
      }
      if (CheckAttribute(name, has_value, value, real_tag, why)) return true;
    }
    next = in_.size();
    return false;
  }

  static bool CheckAttribute(std::string_view name, bool has_value, std::string_view value,
                             bool real_tag, std::string& why) {
    if (name.size() > 2 && FoldLower(name[0]) == 'o' && FoldLower(name[1]) == 'n') {
      // Inside a real tag any on* handler counts (browsers add new ones all the time and
      // scanners probe made-up ones); outside, only known names with a value.
      bool is_handler = real_tag ? true : (has_value && !value.empty() && InList(name, kEvents));
      if (real_tag) {
        for (char ch : name) {
          if (!IsAlpha(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') {
            is_handler = false;
          }
        }
        is_handler = is_handler && (has_value || InList(name, kEvents));
      }
      if (is_handler) {
        why = "attr:";
        AppendName(why, name);
        return true;
      }
    }
    if (!has_value) return false;
    if (IEquals(name, "style")) {
      if (const char* s = ScriptStyle(value)) {
        why = std::string("style:") + s;
        return true;
      }
      return false;
    }
    if (IEquals(name, "srcdoc") && real_tag) {
      why = "attr:srcdoc";
      return true;
    }
    // "xlink:href", "xml:base" style names: judge by the local part as well.
    const std::size_t colon = name.rfind(':');
    const std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
    if (InList(name, kUrlAttrs) || InList(local, kUrlAttrs)) {
      if (const char* s = ScriptUrl(value)) {
        why = "attr:";
        AppendName(why, name);
        why += "=";
        why += s;
        return true;
      }
    }
    return false;
  }

  std::string_view in_;
};

// The whole value used as CSS (style="$value"): url(javascript:...), Mozilla bindings, IE
// behaviors. Each "url" occurrence is checked once, so the scan stays linear.
bool ScriptCssValue(std::string_view in, std::string& why) {
  if (ContainsLoose(in, "-moz-binding")) {
    why = "style:moz-binding";
    return true;
  }
  for (std::size_t i = 0; i + 3 <= in.size(); ++i) {
    if (!IEquals(in.substr(i, 3), "url")) continue;
    std::size_t j = i + 3;
    while (j < in.size() && (IsSpace(static_cast<unsigned char>(in[j])) || in[j] == '(' ||
                             in[j] == '"' || in[j] == '\'')) {
      ++j;
    }
    bool paren = false;
    for (std::size_t k = i + 3; k < j; ++k) paren = paren || in[k] == '(';
    if (paren) {
      // Only "url(" (possibly spaced) opens a CSS URL; strip spaces inside the scheme as CSS
      // tokenization would not, but old IE did: "url ( javascript : ...".
      char scheme[12];
      std::size_t k = j;
      const std::string_view sv =
          CollectScheme(in, k, scheme, [](unsigned char c) { return IsSpace(c); });
      if (sv == "javascript:" || sv == "vbscript:") {
        why = std::string("style:url-") + (sv[0] == 'j' ? "javascript" : "vbscript");
        return true;
      }
    }
  }
  return false;
}

// The whole value used as a URL (href="$value"): a script scheme followed by code.
bool ScriptUrlValue(std::string_view in, std::string& why) {
  const char* s = ScriptUrl(in);
  if (s == nullptr) return false;
  const std::string_view rest = in.substr(in.find(':') + 1);  // a scheme was found: there is one
  if (std::string_view(s) == "data") {
    // "data:" opening a value needs a document type to be an attack, not just any text.
    if (!(StartsWithNoCase(rest, "text/html") || StartsWithNoCase(rest, "image/svg") ||
          StartsWithNoCase(rest, "application/xhtml") || StartsWithNoCase(rest, "text/xml") ||
          StartsWithNoCase(rest, "application/x"))) {
      return false;
    }
  } else {
    // "javascript: the good parts" is a book title; code has a call, a template or an
    // assignment somewhere after the scheme.
    if (rest.find_first_of("(`=") == std::string_view::npos) return false;
    if (!rest.empty() && rest[0] == ' ') return false;
  }
  why = std::string("url:") + s;
  return true;
}

}  // namespace

InjectionResult DetectXss(std::string_view input) {
  InjectionResult r;
  if (input.size() > kMaxScan) input = input.substr(0, kMaxScan);
  if (input.empty()) return r;
  HtmlScanner scanner(input);
  std::string why;
  bool hit = scanner.ScanData(why);
  // Inside a quoted attribute value: the first matching quote ends the value.
  for (char q : {'"', '\'', '`'}) {
    if (hit) break;
    const std::size_t at = input.find(q);
    if (at != std::string_view::npos) hit = scanner.ScanAfterValue(at + 1, why);
  }
  if (!hit) {
    // Inside an unquoted value: the first whitespace ends it.
    std::size_t at = 0;
    while (at < input.size() && !IsSpace(static_cast<unsigned char>(input[at]))) ++at;
    if (at < input.size()) hit = scanner.ScanAfterValue(at + 1, why);
  }
  if (!hit) hit = ScriptUrlValue(input, why);
  if (!hit) hit = ScriptCssValue(input, why);
  if (hit) {
    r.detected = true;
    r.fingerprint = std::move(why);
  }
  return r;
}

}  // namespace keikai::rules
