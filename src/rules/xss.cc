// XSS detection for @detectXSS.
//
// libmodsecurity answers @detectXSS with libinjection's HTML5 tokenizer (not packaged in Debian);
// keikai has its own implementation of the same published method, written for keikai, so that
// CRS's XSS rules agree under both engines (measured by bench/injection_diff.sh, see
// docs/injection-differential.md). The value is tokenized as HTML from five starting points,
// since a value can land in a page in five places:
//   - as text between tags (the data state): "<script>", "<img src=x onerror=...>";
//   - inside an unquoted attribute value, whose first whitespace ends it: "x onfocus=alert(1)";
//   - inside a single-, double- or backtick-quoted attribute value, whose first matching quote
//     ends it: "\" onmouseover=\"alert(1)".
// A tokenizer pass flags the value when it meets: a tag that runs or loads code (script, iframe,
// object, style, meta, link, any svg* or xsl* tag...), an event handler attribute (any "on..."
// name of five bytes or more) or another attribute that is dangerous whatever its value, a URL
// attribute whose value starts with a script-capable scheme (javascript:, vbscript:, data:,
// view-source:, HTML entities and control bytes allowed), a style attribute, an SVG
// attributeName that names one of those, a DOCTYPE, or a comment that old IE would execute
// (conditional comments, "<?import", "<!ENTITY", backticks).
// The tokenizer follows HTML5's states loosely, with the old-browser quirks (NUL bytes ignored
// in tag names, backtick-quoted values, "<% %>" comments) that matter for filter evasion.
// Pure, bounded (at most kMaxScan bytes, each pass linear), no allocation but the result text.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "keikai/core/ascii.h"
#include "keikai/rules/injection.h"

namespace keikai::rules {
namespace {

// Longer values are judged on their first MiB (each pass is linear; libinjection has no bound).
constexpr std::size_t kMaxScan = 1024 * 1024;

enum class Tok {
  kText,
  kTagOpen,     // "<name" (the name)
  kTagEnd,      // ">" closing a start tag
  kSelfClose,   // "/>"
  kCloseTag,    // "</name>"
  kAttrName,
  kAttrValue,
  kComment,     // <!-- -->, <? >, <% %>, <! > bogus comments (the inside)
  kDoctype,
};

enum class Start { kData, kUnquoted, kSingle, kDouble, kBacktick };

// HTML's whitespace as this tokenizer uses it; NUL counts as whitespace where the quirks say so.
bool IsHtmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

class Html {
 public:
  Html(std::string_view s, Start start) : s_(s) {
    switch (start) {
      case Start::kData: state_ = State::kData; break;
      case Start::kUnquoted: state_ = State::kBeforeAttrName; break;
      case Start::kSingle: state_ = State::kValueQuoted; quote_ = '\''; break;
      case Start::kDouble: state_ = State::kValueQuoted; quote_ = '"'; break;
      case Start::kBacktick: state_ = State::kValueQuoted; quote_ = '`'; break;
    }
  }

  // The next token; false at the end.
  bool Next() {
    while (true) {
      switch (state_) {
        case State::kEnd: return false;
        case State::kData: {
          const std::size_t lt = s_.find('<', pos_);
          if (lt == std::string_view::npos) {
            Emit(Tok::kText, pos_, s_.size() - pos_);
            state_ = State::kEnd;
            return len_ > 0;
          }
          Emit(Tok::kText, pos_, lt - pos_);
          pos_ = lt + 1;
          state_ = State::kTagOpen;
          if (len_ > 0) return true;
          break;
        }
        case State::kTagOpen: {
          if (pos_ >= s_.size()) return false;
          const char c = s_[pos_];
          if (c == '!') {
            ++pos_;
            state_ = State::kMarkup;
          } else if (c == '/') {
            ++pos_;
            closing_ = true;
            state_ = State::kEndTagOpen;
          } else if (c == '?') {
            ++pos_;
            state_ = State::kBogusComment;
          } else if (c == '%') {
            ++pos_;
            state_ = State::kPercentComment;
          } else if (IsAsciiAlpha(c) || c == '\0') {
            state_ = State::kTagName;
          } else if (pos_ == 0) {
            state_ = State::kData;
          } else {
            Emit(Tok::kText, pos_ - 1, 1);  // a lone "<"
            state_ = State::kData;
            return true;
          }
          break;
        }
        case State::kEndTagOpen: {
          if (pos_ >= s_.size()) return false;
          const char c = s_[pos_];
          if (c == '>') {
            state_ = State::kData;
          } else if (IsAsciiAlpha(c)) {
            state_ = State::kTagName;
          } else {
            closing_ = false;
            state_ = State::kBogusComment;
          }
          break;
        }
        case State::kTagName: return TagName();
        case State::kTagEnd: {
          closing_ = false;
          Emit(Tok::kTagEnd, pos_, 1);
          ++pos_;
          state_ = pos_ < s_.size() ? State::kData : State::kEnd;
          return true;
        }
        case State::kBeforeAttrName: {
          SkipSpace();
          if (pos_ >= s_.size()) return false;
          const char c = s_[pos_];
          if (c == '/') {
            ++pos_;
            state_ = State::kSelfClosing;
          } else if (c == '>') {
            Emit(Tok::kTagEnd, pos_, 1);
            ++pos_;
            state_ = State::kData;
            return true;
          } else {
            state_ = State::kAttrName;
          }
          break;
        }
        case State::kAttrName: return AttrName();
        case State::kAfterAttrName: {
          SkipSpace();
          if (pos_ >= s_.size()) return false;
          const char c = s_[pos_];
          if (c == '/') {
            ++pos_;
            state_ = State::kSelfClosing;
          } else if (c == '=') {
            ++pos_;
            state_ = State::kBeforeAttrValue;
          } else if (c == '>') {
            state_ = State::kTagEnd;
          } else {
            state_ = State::kAttrName;
          }
          break;
        }
        case State::kBeforeAttrValue: {
          SkipSpace();
          if (pos_ >= s_.size()) {
            state_ = State::kEnd;
            return false;
          }
          const char c = s_[pos_];
          if (c == '"' || c == '\'' || c == '`') {
            quote_ = c;
            state_ = State::kValueQuoted;
          } else {
            state_ = State::kValueUnquoted;
          }
          break;
        }
        case State::kValueQuoted: {
          // Started inside a value (pos 0), there is no opening quote to skip.
          if (pos_ > 0) ++pos_;
          const std::size_t q = pos_ <= s_.size() ? s_.find(quote_, pos_) : std::string_view::npos;
          if (q == std::string_view::npos) {
            Emit(Tok::kAttrValue, pos_, s_.size() - std::min(pos_, s_.size()));
            state_ = State::kEnd;
          } else {
            Emit(Tok::kAttrValue, pos_, q - pos_);
            pos_ = q + 1;
            state_ = State::kAfterValueQuoted;
          }
          return true;
        }
        case State::kValueUnquoted: {
          std::size_t p = pos_;
          while (p < s_.size() && !IsHtmlSpace(s_[p]) && s_[p] != '>') ++p;
          Emit(Tok::kAttrValue, pos_, p - pos_);
          if (p >= s_.size()) {
            state_ = State::kEnd;
          } else if (s_[p] == '>') {
            pos_ = p;
            state_ = State::kTagEnd;
          } else {
            pos_ = p + 1;
            state_ = State::kBeforeAttrName;
          }
          return true;
        }
        case State::kAfterValueQuoted: {
          if (pos_ >= s_.size()) return false;
          const char c = s_[pos_];
          if (IsHtmlSpace(c)) {
            ++pos_;
            state_ = State::kBeforeAttrName;
          } else if (c == '/') {
            ++pos_;
            state_ = State::kSelfClosing;
          } else if (c == '>') {
            Emit(Tok::kTagEnd, pos_, 1);
            ++pos_;
            state_ = State::kData;
            return true;
          } else {
            state_ = State::kBeforeAttrName;
          }
          break;
        }
        case State::kSelfClosing: {
          if (pos_ >= s_.size()) return false;
          if (s_[pos_] == '>') {
            Emit(Tok::kSelfClose, pos_ - 1, 2);
            ++pos_;
            state_ = State::kData;
            return true;
          }
          state_ = State::kBeforeAttrName;
          break;
        }
        case State::kBogusComment: {
          const std::size_t gt = s_.find('>', pos_);
          if (gt == std::string_view::npos) {
            Emit(Tok::kComment, pos_, s_.size() - pos_);
            pos_ = s_.size();
            state_ = State::kEnd;
          } else {
            Emit(Tok::kComment, pos_, gt - pos_);
            pos_ = gt + 1;
            state_ = State::kData;
          }
          return true;
        }
        case State::kPercentComment: return PercentComment();
        case State::kMarkup: {
          const std::string_view rest = s_.substr(pos_);
          if (rest.size() >= 7 && IEquals(rest.substr(0, 7), "doctype")) {
            const std::size_t gt = s_.find('>', pos_);
            if (gt == std::string_view::npos) {
              Emit(Tok::kDoctype, pos_, s_.size() - pos_);
              state_ = State::kEnd;
            } else {
              Emit(Tok::kDoctype, pos_, gt - pos_);
              pos_ = gt + 1;
              state_ = State::kData;
            }
            return true;
          }
          if (rest.size() >= 7 && rest.substr(0, 7) == "[CDATA[") {
            pos_ += 7;
            return CData();
          }
          if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-') {
            pos_ += 2;
            return Comment();
          }
          state_ = State::kBogusComment;
          break;
        }
      }
    }
  }

  Tok type() const { return type_; }
  std::string_view text() const { return s_.substr(start_, len_); }

 private:
  enum class State {
    kEnd, kData, kTagOpen, kEndTagOpen, kTagName, kTagEnd, kBeforeAttrName, kAttrName,
    kAfterAttrName, kBeforeAttrValue, kValueQuoted, kValueUnquoted, kAfterValueQuoted,
    kSelfClosing, kBogusComment, kPercentComment, kMarkup,
  };

  void Emit(Tok t, std::size_t start, std::size_t len) {
    type_ = t;
    start_ = start;
    len_ = len;
  }

  void SkipSpace() {
    while (pos_ < s_.size() && IsHtmlSpace(s_[pos_])) ++pos_;
  }

  bool TagName() {
    std::size_t p = pos_;
    while (p < s_.size()) {
      const char c = s_[p];
      if (c == '\0') {  // old browsers ignore NUL bytes inside tag names
        ++p;
      } else if (IsHtmlSpace(c) || c == '/') {
        Emit(Tok::kTagOpen, pos_, p - pos_);
        pos_ = p + 1;
        state_ = c == '/' ? State::kSelfClosing : State::kBeforeAttrName;
        return true;
      } else if (c == '>') {
        if (closing_) {
          Emit(Tok::kCloseTag, pos_, p - pos_);
          pos_ = p + 1;
          closing_ = false;
          state_ = State::kData;
        } else {
          Emit(Tok::kTagOpen, pos_, p - pos_);
          pos_ = p;
          state_ = State::kTagEnd;
        }
        return true;
      } else {
        ++p;
      }
    }
    Emit(Tok::kTagOpen, pos_, s_.size() - pos_);
    state_ = State::kEnd;
    return true;
  }

  bool AttrName() {
    // The first byte belongs to the name whatever it is ("=x" is a name).
    std::size_t p = pos_ + 1;
    while (p < s_.size()) {
      const char c = s_[p];
      if (IsHtmlSpace(c) || c == '/' || c == '=' || c == '>') {
        Emit(Tok::kAttrName, pos_, p - pos_);
        if (c == '>') {
          pos_ = p;
          state_ = State::kTagEnd;
        } else {
          pos_ = p + 1;
          state_ = c == '/' ? State::kSelfClosing
                            : c == '=' ? State::kBeforeAttrValue : State::kAfterAttrName;
        }
        return true;
      }
      ++p;
    }
    Emit(Tok::kAttrName, pos_, s_.size() - std::min(pos_, s_.size()));
    pos_ = s_.size();
    state_ = State::kEnd;
    return true;
  }

  // "<% ... %>" (old IE and Safari).
  bool PercentComment() {
    std::size_t p = pos_;
    while (true) {
      const std::size_t pct = s_.find('%', p);
      if (pct == std::string_view::npos || pct + 1 >= s_.size()) {
        Emit(Tok::kComment, pos_, s_.size() - pos_);
        pos_ = s_.size();
        state_ = State::kEnd;
        return true;
      }
      if (s_[pct + 1] != '>') {
        p = pct + 1;
        continue;
      }
      Emit(Tok::kComment, pos_, pct - pos_);
      pos_ = pct + 2;
      state_ = State::kData;
      return true;
    }
  }

  // "<!-- ... -->" (also ended by "--!>"; NUL bytes between the dashes are ignored).
  bool Comment() {
    std::size_t p = pos_;
    const std::size_t n = s_.size();
    auto to_end = [&] {
      Emit(Tok::kComment, pos_, n - pos_);
      state_ = State::kEnd;
      return true;
    };
    while (true) {
      const std::size_t dash = p < n ? s_.find('-', p) : std::string_view::npos;
      if (dash == std::string_view::npos || dash + 3 > n) return to_end();
      std::size_t q = dash + 1;
      while (q < n && s_[q] == '\0') ++q;
      if (q == n) return to_end();
      if (s_[q] != '-' && s_[q] != '!') {
        p = dash + 1;
        continue;
      }
      ++q;
      if (q == n) return to_end();
      if (s_[q] != '>') {
        p = dash + 1;
        continue;
      }
      Emit(Tok::kComment, pos_, dash - pos_);
      pos_ = q + 1;
      state_ = State::kData;
      return true;
    }
  }

  bool CData() {
    std::size_t p = pos_;
    const std::size_t n = s_.size();
    while (true) {
      const std::size_t rb = p < n ? s_.find(']', p) : std::string_view::npos;
      if (rb == std::string_view::npos || rb + 3 > n) {
        Emit(Tok::kText, pos_, n - pos_);
        state_ = State::kEnd;
        return true;
      }
      if (s_[rb + 1] == ']' && s_[rb + 2] == '>') {
        Emit(Tok::kText, pos_, rb - pos_);
        pos_ = rb + 3;
        state_ = State::kData;
        return true;
      }
      p = rb + 1;
    }
  }

  std::string_view s_;
  State state_ = State::kData;
  std::size_t pos_ = 0;
  char quote_ = '"';
  bool closing_ = false;
  Tok type_ = Tok::kText;
  std::size_t start_ = 0;
  std::size_t len_ = 0;
};

// ---- what is dangerous -------------------------------------------------------------------------

// Whether `s`, with its NUL bytes dropped ("scr\0ipt" is "script" to old browsers), equals the
// lower-case word w, ignoring case.
bool EqualsIgnoringNuls(std::string_view s, std::string_view w) {
  std::size_t j = 0;
  for (char c : s) {
    if (c == '\0') continue;
    if (j >= w.size() || FoldLower(c) != w[j]) return false;
    ++j;
  }
  return j == w.size();
}

bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if (FoldLower(s[i]) != lower_prefix[i]) return false;
  }
  return true;
}

// Tags that run script, load documents or plugins, or change how the page is read.
bool IsDangerousTag(std::string_view name) {
  static constexpr std::string_view kTags[] = {
      "applet", "base",     "comment", "embed",  "frame",  "frameset", "handler",
      "iframe", "import",   "isindex", "link",   "listener", "meta",   "noscript",
      "object", "script",   "style",   "vmlframe", "xml",  "xss"};
  if (name.size() < 3) return false;
  for (std::string_view t : kTags) {
    if (EqualsIgnoringNuls(name, t)) return true;
  }
  // Anything SVG (svg, svg:svg...) or XSLT.
  return StartsWithNoCase(name, "svg") || StartsWithNoCase(name, "xsl");
}

enum class Attr { kNone, kAlways, kUrl, kStyle, kNamesAttribute };

Attr ClassifyAttribute(std::string_view name) {
  if (name.size() < 2) return Attr::kNone;
  if (name.size() >= 5) {
    // Event handlers: browsers keep adding them, so any on... name counts.
    if (FoldLower(name[0]) == 'o' && FoldLower(name[1]) == 'n') return Attr::kAlways;
    // Namespace declarations create arbitrary elements; xlink:* attributes load URLs.
    if (EqualsIgnoringNuls(name.substr(0, 5), "xmlns") ||
        EqualsIgnoringNuls(name.substr(0, 5), "xlink")) {
      return Attr::kAlways;
    }
  }
  struct Known {
    std::string_view name;
    Attr kind;
  };
  static constexpr Known kAttrs[] = {
      {"action", Attr::kUrl},       {"attributename", Attr::kNamesAttribute},
      {"by", Attr::kUrl},           {"background", Attr::kUrl},
      {"dataformatas", Attr::kAlways}, {"datasrc", Attr::kAlways},  // IE data binding
      {"dynsrc", Attr::kUrl},       {"filter", Attr::kStyle},
      {"formaction", Attr::kUrl},   {"folder", Attr::kUrl},
      {"from", Attr::kUrl},         {"handler", Attr::kUrl},
      {"href", Attr::kUrl},         {"lowsrc", Attr::kUrl},
      {"poster", Attr::kUrl},       {"src", Attr::kUrl},
      {"style", Attr::kStyle},      {"to", Attr::kUrl},
      {"values", Attr::kUrl},       {"xlink:href", Attr::kUrl},
  };
  for (const Known& k : kAttrs) {
    if (EqualsIgnoringNuls(name, k.name)) return k.kind;
  }
  return Attr::kNone;
}

// One character of an attribute value as the browser decodes it: "&#106;" and "&#x6a;" are
// "j" (named entities are left alone). Returns the code point and how many bytes it took.
int DecodeCharAt(std::string_view s, std::size_t i, std::size_t& used) {
  auto at = [&](std::size_t k) -> unsigned char {
    return k < s.size() ? static_cast<unsigned char>(s[k]) : 0;
  };
  used = 1;
  const std::size_t left = s.size() - i;
  if (at(i) != '&' || left < 2) return at(i);
  if (at(i + 1) != '#') return '&';
  auto hex = [](unsigned char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const bool is_hex = at(i + 2) == 'x' || at(i + 2) == 'X';
  std::size_t k = i + (is_hex ? 3 : 2);
  int val = is_hex ? hex(at(k)) : (at(k) >= '0' && at(k) <= '9' ? at(k) - '0' : -1);
  if (val < 0) return '&';
  for (++k; k < s.size(); ++k) {
    const unsigned char c = at(k);
    if (c == ';') {
      used = k + 1 - i;
      return val;
    }
    const int d = is_hex ? hex(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (d < 0) {
      used = k - i;
      return val;
    }
    val = val * (is_hex ? 16 : 10) + d;
    if (val > 0x1000FF) {
      used = 1;
      return '&';
    }
  }
  used = k - i;
  return val;
}

// Whether the entity-decoded value starts with `upper` (leading control bytes, NULs and
// newlines ignored, as browsers ignore them in a URL scheme).
bool DecodedStartsWith(std::string_view s, std::string_view upper) {
  std::size_t i = 0, j = 0;
  bool first = true;
  while (i < s.size()) {
    if (j == upper.size()) return true;
    std::size_t used = 1;
    int c = DecodeCharAt(s, i, used);
    i += used;
    if (first && c <= 32) continue;
    first = false;
    if (c == 0 || c == 10) continue;
    if (c >= 'a' && c <= 'z') c -= 32;
    if (static_cast<char>(c) != upper[j]) return false;
    ++j;
  }
  return j == upper.size();
}

// A URL whose scheme runs script or shows a document: javascript: (and java...), vbscript:,
// data:, view-source:.
const char* ScriptScheme(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && (static_cast<unsigned char>(v[i]) <= 32 ||
                          static_cast<unsigned char>(v[i]) >= 127)) {
    ++i;
  }
  v = v.substr(i);
  if (DecodedStartsWith(v, "DATA")) return "data";
  if (DecodedStartsWith(v, "VIEW-SOURCE")) return "view-source";
  if (DecodedStartsWith(v, "JAVA")) return "javascript";
  if (DecodedStartsWith(v, "VBSCRIPT")) return "vbscript";
  return nullptr;
}

void AppendName(std::string& why, std::string_view name) {
  for (std::size_t i = 0; i < name.size() && i < 32; ++i) {
    if (name[i] != '\0') why.push_back(FoldLower(name[i]));
  }
}

bool ScanContext(std::string_view in, Start start, std::string& why) {
  Html h(in, start);
  Attr attr = Attr::kNone;
  std::string_view attr_name;
  while (h.Next()) {
    const Tok t = h.type();
    if (t != Tok::kAttrValue) attr = Attr::kNone;
    switch (t) {
      case Tok::kDoctype:
        why = "doctype";
        return true;
      case Tok::kTagOpen:
        if (IsDangerousTag(h.text())) {
          why = "tag:";
          AppendName(why, h.text());
          return true;
        }
        break;
      case Tok::kAttrName:
        attr = ClassifyAttribute(h.text());
        attr_name = h.text();
        break;
      case Tok::kAttrValue: {
        const Attr a = attr;
        attr = Attr::kNone;
        if (a == Attr::kAlways || a == Attr::kStyle) {
          why = "attr:";
          AppendName(why, attr_name);
          return true;
        }
        if (a == Attr::kUrl) {
          if (const char* scheme = ScriptScheme(h.text())) {
            why = "attr:";
            AppendName(why, attr_name);
            why += '=';
            why += scheme;
            return true;
          }
        }
        if (a == Attr::kNamesAttribute && ClassifyAttribute(h.text()) != Attr::kNone) {
          why = "attr:attributename=";
          AppendName(why, h.text());
          return true;
        }
        break;
      }
      case Tok::kComment: {
        const std::string_view c = h.text();
        if (c.find('`') != std::string_view::npos) {  // IE ends tags with backticks
          why = "comment:backtick";
          return true;
        }
        if (c.size() > 3 && (StartsWithNoCase(c, "[if") || StartsWithNoCase(c, "xml"))) {
          why = "comment:conditional";  // IE conditional comments and XML islands
          return true;
        }
        if (c.size() > 5 && (EqualsIgnoringNuls(c.substr(0, 6), "import") ||
                             EqualsIgnoringNuls(c.substr(0, 6), "entity"))) {
          why = "comment:";
          AppendName(why, c.substr(0, 6));  // <?import behaviors, <!ENTITY definitions
          return true;
        }
        break;
      }
      default:
        break;
    }
  }
  return false;
}

}  // namespace

InjectionResult DetectXss(std::string_view input) {
  InjectionResult r;
  if (input.size() > kMaxScan) input = input.substr(0, kMaxScan);
  if (input.empty()) return r;
  std::string why;
  for (Start s : {Start::kData, Start::kUnquoted, Start::kSingle, Start::kDouble,
                  Start::kBacktick}) {
    if (ScanContext(input, s, why)) {
      r.detected = true;
      r.fingerprint = std::move(why);
      return r;
    }
  }
  return r;
}

}  // namespace keikai::rules
