// SQL injection detection for @detectSQLi, written for keikai after the published idea behind
// libinjection (tokenize as SQL in several quoting contexts, fold, judge the shape). Neither the
// code nor the fingerprint tables come from libinjection: the shape rules below are hand-written
// and each one names the attack it stands for.
//
// The input is read three times: as-is, as if it followed a single quote, and as if it followed a
// double quote (a value pasted into '...%s...' starts inside a string, so the attacker's first
// quote closes it). Each pass turns bytes into tokens, folds them (comments become whitespace,
// "1+1" becomes one number, "union all" one union...) and keeps them in a fixed-size window; the
// rules then look at the window. Everything is bounded: at most kMaxScan bytes are read, the window
// has kWindow tokens, and no step allocates.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "keikai/core/ascii.h"
#include "keikai/rules/injection.h"

namespace keikai::rules {
namespace {

// Longer inputs are judged on their first 64 KiB; attacks hide near the start of a value, and the
// bound keeps the operator's cost predictable whatever the request carries.
constexpr std::size_t kMaxScan = 64 * 1024;
constexpr std::size_t kWindow = 64;  // folded tokens judged at once
constexpr std::size_t kKeep = 16;    // tokens carried over when the window slides
constexpr std::size_t kText = 24;    // word bytes kept (lowercased) for keyword lookups

// Token types; the character is also what the fingerprint shows.
enum : char {
  kNum = '1',      // number, or NULL / TRUE / FALSE
  kStr = 's',      // quoted string
  kWord = 'n',     // bareword (identifier, column, prose word)
  kKey = 'k',      // SQL keyword that is not a statement, logic op or union
  kStmt = 'E',     // statement start: select, insert, drop, exec...
  kFunc = 'f',     // known function name directly followed by "("
  kOp = 'o',       // operator (arithmetic, comparison, word operators such as LIKE)
  kLogic = '&',    // AND, OR, XOR, &&, ||
  kUnion = 'U',    // UNION [ALL|DISTINCT]
  kVar = 'v',      // @x, @@version
  kComment = 'c',  // comment that ends the input (truncation)
  kOpen = '(',
  kClose = ')',
  kSemi = ';',
  kComma = ',',
  kOther = 'x',  // punctuation SQL has no use for; it breaks shapes
};

struct Token {
  char type = kOther;
  bool closed = true;   // strings: the closing quote was seen
  bool empty = false;   // strings: no content
  bool cmp = false;     // operators: comparison (=, <, LIKE...)
  bool arith = false;   // operators: arithmetic / bitwise / concatenation
  bool unary = false;   // operators: may be a sign or negation (-, +, ~, !, NOT)
  bool danger = false;  // functions: typical of injection only (sleep, benchmark...)
  bool call = false;    // words: "(" follows with no space ("starts_with(")
  bool strong = false;  // comments: "#", "/*", or "--" followed by a space or the end
  bool quoted = false;  // comments: the comment text contains a quote
  uint8_t len = 0;      // bytes of text
  char text[kText] = {};
};

bool IsSpace(unsigned char c) { return c <= ' ' || c == 0x7f; }

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c >= 0x80;
}

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

std::string_view TextOf(const Token& t) { return std::string_view(t.text, t.len); }

void SetText(Token& t, std::string_view s) {
  t.len = static_cast<uint8_t>(s.size() < kText ? s.size() : kText);
  for (std::size_t i = 0; i < t.len; ++i) t.text[i] = FoldLower(s[i]);
}

// Word classes. The lists are keikai's own picks of what SQL dialects (MySQL, PostgreSQL, MSSQL,
// Oracle, SQLite) use in injections; they need not be complete, only enough for the shapes.
struct WordClass {
  std::string_view word;
  char type;
};

constexpr WordClass kWords[] = {
    {"and", kLogic},      {"or", kLogic},          {"xor", kLogic},
    {"union", kUnion},    {"select", kStmt},       {"insert", kStmt},
    {"update", kStmt},    {"delete", kStmt},       {"drop", kStmt},
    {"create", kStmt},    {"alter", kStmt},        {"truncate", kStmt},
    {"exec", kStmt},      {"execute", kStmt},      {"declare", kStmt},
    {"shutdown", kStmt},  {"null", kNum},          {"true", kNum},
    {"false", kNum},      {"from", kKey},          {"where", kKey},
    {"into", kKey},       {"table", kKey},         {"values", kKey},
    {"set", kKey},        {"order", kKey},         {"group", kKey},
    {"by", kKey},         {"having", kKey},        {"limit", kKey},
    {"offset", kKey},     {"waitfor", kKey},       {"delay", kKey},
    {"procedure", kKey},  {"outfile", kKey},       {"dumpfile", kKey},
    {"analyse", kKey},    {"case", kKey},          {"when", kKey},
    {"then", kKey},
    {"else", kKey},       {"end", kKey},           {"all", kKey},
    {"distinct", kKey},   {"top", kKey},           {"as", kKey},
    {"like", kOp},        {"rlike", kOp},          {"regexp", kOp},
    {"is", kOp},          {"in", kOp},             {"between", kOp},
    {"div", kOp},         {"mod", kOp},            {"not", kOp},
    {"sounds", kOp},      {"glob", kOp},           {"collate", kOp},
};

// Known functions: only a word in this list followed by "(" becomes a function token. The first
// group is "dangerous": calls that have no business in ordinary input (delays, XML error
// channels, file and command access), so a bare call is enough to flag.
constexpr std::string_view kDangerFuncs[] = {
    "sleep",          "benchmark",      "pg_sleep",        "extractvalue",
    "updatexml",      "load_file",      "xp_cmdshell",     "dbms_pipe.receive_message",
    "utl_inaddr.get_host_address",      "utl_http.request", "sys_eval",
    "sys_exec",       "name_const",     "randomblob",      "pg_read_file",
    "dbms_lock.sleep", "xmltype",       "load_extension",  "openrowset",
    "group_concat",   "geometrycollection", "multipoint",
};
constexpr std::string_view kFuncs[] = {
    "char",     "chr",       "concat",    "concat_ws",   "substring",  "substr",
    "mid",      "ascii",     "ord",       "hex",         "unhex",      "bin",
    "length",   "len",       "count",     "version",     "database",   "user",
    "current_user", "system_user", "session_user", "schema", "cast",  "convert",
    "if",       "iif",       "ifnull",    "nullif",      "isnull",     "coalesce",
    "md5",      "sha1",      "rand",      "floor",       "ceil",       "now",
    "sysdate",  "lower",     "upper",     "reverse",     "instr",      "locate",
    "lpad",     "rpad",      "trim",      "exists",      "db_name",    "user_name",
    "host_name", "object_id", "current_database", "to_char", "make_set", "elt",
    "json_extract", "sqlite_version", "unicode", "nchar",   "str",        "row",
    "position", "left",      "right",     "replace",     "field",      "char_length",
    "lo_get",   "lo_import", "json_search", "json_array", "json_keys",  "json_object",
    "encode",   "starts_with", "overlay", "pg_ls_dir",   "current_setting", "query_to_xml",
    "string_agg", "array_to_string", "convert_from", "abs", "max",      "min",
    "sum",      "avg",       "round",     "compress",    "uncompress", "strcmp",
    "ltrim",    "rtrim",     "soundex",   "regexp_substr",
};

void Classify(Token& t, bool before_paren) {
  const std::string_view w = TextOf(t);
  t.type = kWord;
  for (const WordClass& wc : kWords) {
    if (wc.word == w) {
      t.type = wc.type;
      break;
    }
  }
  if (t.type == kOp) {
    t.cmp = !(w == "div" || w == "mod" || w == "not" || w == "collate");
    t.arith = (w == "div" || w == "mod");
    t.unary = (w == "not");
    return;
  }
  if (t.type != kWord) return;
  for (std::string_view f : kDangerFuncs) {
    if (f == w) {
      // Without "(" it stays a word, but "select pg_sleep" still names the delay.
      if (before_paren) t.type = kFunc;
      t.danger = true;
      return;
    }
  }
  if (!before_paren) return;
  for (std::string_view f : kFuncs) {
    if (f == w) {
      t.type = kFunc;
      return;
    }
  }
}

// Reads one quoting context into folded tokens and judges each full window.
class Scanner {
 public:
  Scanner(std::string_view in, char quote) : in_(in), quote_(quote) {}

  // Returns true on detection, with the fingerprint of the window that matched.
  bool Run(std::string& fingerprint) {
    if (quote_ != 0) {
      // The value starts inside a string: everything up to the first matching quote is its tail.
      Token t;
      t.type = kStr;
      ScanStringBody(quote_, t);
      Push(t);
    }
    Token t;
    while (Next(t)) {
      Push(t);
      if (n_ == kWindow) {
        if (Judge(fingerprint)) return true;
        // Slide: keep the tail so shapes spanning the cut still fold and match.
        std::memmove(&tok_[0], &tok_[kWindow - kKeep], kKeep * sizeof(Token));
        n_ = kKeep;
        first_window_ = false;
      }
      t = Token();
    }
    if (pending_comment_) {
      Token c;
      c.type = kComment;
      c.strong = strong_comment_;
      c.quoted = quoted_comment_;
      Append(c);
    }
    return Judge(fingerprint);
  }

 private:
  // ---- tokenizer -------------------------------------------------------------------------

  unsigned char At(std::size_t i) const {
    return i < in_.size() ? static_cast<unsigned char>(in_[i]) : 0;
  }

  // Consumes a string body up to an unescaped `q` (backslash escapes, doubled quotes).
  void ScanStringBody(char q, Token& t) {
    const std::size_t start = pos_;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == '\\' && pos_ + 1 < in_.size()) {
        pos_ += 2;
        continue;
      }
      if (c == q) {
        if (At(pos_ + 1) == static_cast<unsigned char>(q)) {
          pos_ += 2;
          continue;
        }
        SetText(t, in_.substr(start, pos_ - start));
        t.empty = pos_ == start;
        ++pos_;
        t.closed = true;
        return;
      }
      ++pos_;
    }
    SetText(t, in_.substr(start));
    t.empty = pos_ == start;
    t.closed = false;
  }

  // Skips whitespace and comments; a comment sets pending_comment_ (it counts only if nothing
  // follows it, otherwise it is whitespace: "un/**/ion" tricks aside, "1/**/or/**/1=1" folds).
  void SkipSpace() {
    while (pos_ < in_.size()) {
      const unsigned char c = At(pos_);
      if (IsSpace(c)) {
        ++pos_;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        if (At(pos_ + 2) == '!') {
          // MySQL executable comment: its body is code. Skip the marker and version digits.
          pos_ += 3;
          for (int i = 0; i < 6 && IsDigit(At(pos_)); ++i) ++pos_;
          ++exec_comment_depth_;
          continue;
        }
        const std::size_t end = in_.find("*/", pos_ + 2);
        const std::size_t stop = end == std::string_view::npos ? in_.size() : end + 2;
        quoted_comment_ = HasQuote(pos_, stop);
        pos_ = stop;
        pending_comment_ = true;
        strong_comment_ = true;
      } else if (c == '*' && At(pos_ + 1) == '/' && exec_comment_depth_ > 0) {
        pos_ += 2;
        --exec_comment_depth_;
      } else if (c == '#' || (c == '-' && At(pos_ + 1) == '-')) {
        // "--format" and "'#'" are prose or shell; SQL comments are followed by a space (MySQL
        // requires it after "--") or end the value.
        const unsigned char after = At(pos_ + (c == '#' ? 1 : 2));
        strong_comment_ = after == 0 || IsSpace(after);
        const std::size_t end = in_.find('\n', pos_);
        const std::size_t stop = end == std::string_view::npos ? in_.size() : end + 1;
        quoted_comment_ = HasQuote(pos_, stop);
        pos_ = stop;
        pending_comment_ = true;
      } else {
        return;
      }
    }
  }

  bool HasQuote(std::size_t from, std::size_t to) const {
    for (std::size_t i = from; i < to; ++i) {
      if (in_[i] == '\'' || in_[i] == '"') return true;
    }
    return false;
  }

  bool ParenFollows(std::size_t p) const {
    while (p < in_.size() && IsSpace(At(p))) ++p;
    return At(p) == '(';
  }

  bool Next(Token& t) {
    SkipSpace();
    if (pos_ >= in_.size()) return false;
    pending_comment_ = false;
    const unsigned char c = At(pos_);
    const std::size_t start = pos_;
    if (c == '\'' || c == '"') {
      t.type = kStr;
      ++pos_;
      ScanStringBody(static_cast<char>(c), t);
      return true;
    }
    if (c == '`') {
      // Backtick-quoted identifier: a name.
      t.type = kWord;
      ++pos_;
      ScanStringBody('`', t);
      return true;
    }
    if (c == '@') {
      t.type = kVar;
      ++pos_;
      if (At(pos_) == '@') ++pos_;
      while (IsWordByte(At(pos_)) || (At(pos_) == '.' && IsWordByte(At(pos_ + 1)))) ++pos_;
      SetText(t, in_.substr(start, pos_ - start));
      return true;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) {
      if (c == '0' && (At(pos_ + 1) == 'x' || At(pos_ + 1) == 'X' || At(pos_ + 1) == 'b')) {
        pos_ += 2;
        while (IsWordByte(At(pos_))) ++pos_;
        t.type = kNum;
        SetText(t, in_.substr(start, pos_ - start));
        return true;
      }
      while (IsDigit(At(pos_))) ++pos_;
      if (At(pos_) == '.') {
        ++pos_;
        while (IsDigit(At(pos_))) ++pos_;
      }
      if ((At(pos_) == 'e' || At(pos_) == 'E') &&
          (IsDigit(At(pos_ + 1)) ||
           ((At(pos_ + 1) == '-' || At(pos_ + 1) == '+') && IsDigit(At(pos_ + 2))))) {
        pos_ += 2;
        while (IsDigit(At(pos_))) ++pos_;
      }
      if (IsWordByte(At(pos_))) {
        // "2nd", "20.to_i", "3d": a name that starts with digits.
        while (IsWordByte(At(pos_)) || (At(pos_) == '.' && IsWordByte(At(pos_ + 1)))) ++pos_;
        t.type = kWord;
      } else {
        t.type = kNum;
      }
      SetText(t, in_.substr(start, pos_ - start));
      return true;
    }
    if (IsWordByte(c)) {
      while (IsWordByte(At(pos_)) || (At(pos_) == '.' && IsWordByte(At(pos_ + 1)))) ++pos_;
      // N'..', X'..', B'..', E'..': prefixed string literals.
      if (pos_ - start == 1 && At(pos_) == '\'' &&
          (c == 'n' || c == 'N' || c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'e' ||
           c == 'E')) {
        t.type = kStr;
        ++pos_;
        ScanStringBody('\'', t);
        return true;
      }
      SetText(t, in_.substr(start, pos_ - start));
      t.call = At(pos_) == '(';
      Classify(t, ParenFollows(pos_));
      return true;
    }
    ++pos_;
    switch (c) {
      case '(': t.type = kOpen; return true;
      case ')': t.type = kClose; return true;
      case ';': t.type = kSemi; return true;
      case ',': t.type = kComma; return true;
      default: break;
    }
    static constexpr std::string_view kTwo[] = {"<=", ">=", "<>", "!=", "||", "&&", "::", ":=",
                                                "<<", ">>", "->"};
    if (c == '<' && At(pos_) == '=' && At(pos_ + 1) == '>') {
      pos_ += 2;
      t.type = kOp;
      t.cmp = true;
      SetText(t, "<=>");
      return true;
    }
    for (std::string_view two : kTwo) {
      if (static_cast<unsigned char>(two[0]) == c &&
          static_cast<unsigned char>(two[1]) == At(pos_)) {
        ++pos_;
        SetText(t, two);
        if (two == "||" || two == "&&") {
          t.type = kLogic;
        } else {
          t.type = kOp;
          t.cmp = two == "<=" || two == ">=" || two == "<>" || two == "!=";
          t.arith = two == "<<" || two == ">>";
        }
        return true;
      }
    }
    if (std::strchr("+-*/%=<>!~^|&:", static_cast<char>(c)) != nullptr) {
      t.type = kOp;
      t.cmp = c == '=' || c == '<' || c == '>';
      t.arith = std::strchr("+-*/%^|&", static_cast<char>(c)) != nullptr;
      t.unary = c == '-' || c == '+' || c == '~' || c == '!';
      t.text[0] = static_cast<char>(c);
      t.len = 1;
      return true;
    }
    t.type = kOther;
    t.text[0] = static_cast<char>(c);
    t.len = 1;
    return true;
  }

  // ---- folding ---------------------------------------------------------------------------

  static bool IsValue(char type) {
    return type == kNum || type == kStr || type == kWord || type == kVar;
  }

  void Append(const Token& t) {
    if (n_ < kWindow) tok_[n_++] = t;
  }

  void Push(const Token& t) {
    // "union all" / "union distinct" are one union.
    if (n_ > 0 && tok_[n_ - 1].type == kUnion && t.type == kKey &&
        (TextOf(t) == "all" || TextOf(t) == "distinct")) {
      return;
    }
    if (t.type == kNum) {
      // A sign or NOT in front of a number, where no value precedes it, is part of the number.
      while (n_ > 0 && tok_[n_ - 1].type == kOp && tok_[n_ - 1].unary &&
             (n_ == 1 || !(IsValue(tok_[n_ - 2].type) || tok_[n_ - 2].type == kClose))) {
        --n_;
      }
      // "1 + 1", "2010-01-01", "5 div 2": arithmetic on numbers is one number.
      if (n_ >= 2 && tok_[n_ - 1].type == kOp && tok_[n_ - 1].arith && tok_[n_ - 2].type == kNum) {
        --n_;
        return;
      }
    }
    // NOT after a logic operator changes nothing about the shape: "or not 1=2".
    if (n_ > 0 && tok_[n_ - 1].type == kOp && TextOf(tok_[n_ - 1]) == "not" &&
        (n_ == 1 || tok_[n_ - 2].type == kLogic)) {
      --n_;
    }
    Append(t);
  }

  // ---- shape rules -----------------------------------------------------------------------

  char Type(std::size_t i) const { return i < n_ ? tok_[i].type : '\0'; }
  bool Text(std::size_t i, std::string_view s) const { return i < n_ && TextOf(tok_[i]) == s; }
  bool IsVal(std::size_t i) const { return i < n_ && IsValue(tok_[i].type); }
  static bool IsBareText(const Token& t) {
    if (t.len == 0 || t.len >= kText) return false;
    for (std::size_t i = 0; i < t.len; ++i) {
      if (!IsWordByte(static_cast<unsigned char>(t.text[i]))) return false;
    }
    return true;
  }
  // "REGEXP" / "LIKE" are also ordinary words; "=" and "<>" are not.
  static bool IsAlphaOp(const Token& t) {
    return t.len > 0 && t.text[0] >= 'a' && t.text[0] <= 'z';
  }
  bool IsCmp(std::size_t i) const { return i < n_ && tok_[i].type == kOp && tok_[i].cmp; }
  // Whether position i is the end of the window's content (or a trailing comment). Only the last
  // window knows where the input ends.
  bool AtEnd(std::size_t i) const { return final_ && (i == n_ || Type(i) == kComment); }

  // What may follow SELECT in an injected query: "*", a call, a variable, a subquery, or a
  // value followed by a list comma, FROM, a comment or the end ("union select null--").
  bool SelectTail(std::size_t j) const {
    while (Type(j) == kKey && (Text(j, "distinct") || Text(j, "all") || Text(j, "top"))) ++j;
    if (Type(j) == kOp && Text(j, "*")) return true;
    if (Type(j) == kFunc || Type(j) == kVar || Type(j) == kOpen) return true;
    if (IsVal(j)) {
      const char n = Type(j + 1);
      if (n == kComma || n == kComment || n == kSemi || n == kLogic) return true;
      if (n == kClose && Type(j) != kWord) return true;  // "(select one)" is prose
      if (n == kKey && (Text(j + 1, "from") || Text(j + 1, "into") || Text(j + 1, "where") ||
                        Text(j + 1, "limit") || Text(j + 1, "order"))) {
        return true;
      }
      if (Type(j) == kNum && AtEnd(j + 1)) return true;
    }
    return false;
  }

  bool SelectAt(std::size_t j) const {
    if (Type(j) == kOpen) ++j;
    return Type(j) == kStmt && Text(j, "select") && SelectTail(j + 1);
  }

  // A statement stacked after ";": each verb must be followed by what makes it a statement.
  bool StackedAt(std::size_t j) const {
    if (Type(j) == kKey && Text(j, "waitfor")) return Text(j + 1, "delay") || Text(j + 1, "time");
    if (Type(j) == kKey && Text(j, "set")) return Type(j + 1) == kVar;  // ;SET @a = 0x...
    if (Type(j) != kStmt) return false;
    if (Text(j, "select")) return SelectTail(j + 1);
    if (Text(j, "drop") || Text(j, "create") || Text(j, "alter") || Text(j, "truncate")) {
      return Text(j + 1, "table") || Text(j + 1, "database") || Text(j + 1, "procedure") ||
             Text(j + 1, "user") || Text(j + 1, "view") || Text(j + 1, "function") ||
             Text(j + 1, "schema") || Text(j + 1, "trigger") || Text(j + 1, "index");
    }
    if (Text(j, "insert")) return Text(j + 1, "into");
    if (Text(j, "delete")) return Text(j + 1, "from");
    if (Text(j, "update")) return IsVal(j + 1) && Text(j + 2, "set");
    if (Text(j, "exec") || Text(j, "execute")) {
      return Type(j + 1) == kVar || Type(j + 1) == kFunc || Type(j + 1) == kOpen ||
             (Type(j + 1) == kWord && (TextOf(tok_[j + 1]).find('_') != std::string_view::npos ||
                                       TextOf(tok_[j + 1]).find('.') != std::string_view::npos));
    }
    if (Text(j, "shutdown")) return AtEnd(j + 1) || Type(j + 1) == kSemi;
    if (Text(j, "declare")) return Type(j + 1) == kVar;
    return false;
  }

  // A condition after AND/OR: a comparison, a call, a subquery, or (loose) a lone literal at the
  // end. `loose` is used after a quote break, where the break itself is already suspicious.
  bool CondAt(std::size_t q, bool loose) const {
    while (Type(q) == kOpen) ++q;
    while (Type(q) == kOp && tok_[q].unary) ++q;
    if (Type(q) == kFunc) return Type(q + 1) == kOpen;
    // After a quote break, any call: "' and starts_with(password,...)", and snake_case names
    // that only databases use even with a space: "' or sqlite_compileoption_used (id)".
    if (loose && Type(q) == kWord &&
        (tok_[q].call ||
         (Type(q + 1) == kOpen && TextOf(tok_[q]).find('_') != std::string_view::npos))) {
      return true;
    }
    if (Type(q) == kStmt && Text(q, "select")) return q > 0 && Type(q - 1) == kOpen;
    if (Type(q) == kKey && Text(q, "exists")) return true;
    if (IsVal(q) && IsCmp(q + 1)) {
      const char r = Type(q + 2);
      if (r == kOpen || r == kFunc) return true;
      if (!IsVal(q + 2)) return loose && AtEnd(q + 2);  // "' or 'a'=" then the end
      // "' and located in the region": word IN word is prose even after a quote.
      if (loose) return !(Type(q) == kWord && r == kWord && IsAlphaOp(tok_[q + 1]));
      // Strictly, prose such as "x is invalid" or "that =0" is not enough: a literal on the
      // left, or a word compared with a literal through a symbol ("id=1").
      if (Type(q) != kWord) return r != kWord || !IsAlphaOp(tok_[q + 1]);
      return r != kWord && !IsAlphaOp(tok_[q + 1]);
    }
    if ((Type(q) == kNum || (Type(q) == kStr && loose)) && Type(q + 1) == kComment) return true;
    if (loose && Type(q) == kNum &&
        (AtEnd(q + 1) || Type(q + 1) == kClose || Type(q + 1) == kSemi)) {
      return true;
    }
    return false;
  }

  bool Judge(std::string& fingerprint) {
    final_ = pos_ >= in_.size();
    const bool hit = (first_window_ && JudgeStart()) || JudgeAnywhere();
    if (hit) {
      fingerprint.assign(1, quote_ == 0 ? '-' : quote_);
      for (std::size_t i = 0; i < n_ && i < 8; ++i) fingerprint.push_back(tok_[i].type);
    }
    return hit;
  }

  // Rules anchored at the start of the value (or at the quote the attacker used to break out).
  bool JudgeStart() const {
    if (n_ == 0) return false;
    if (Type(0) == kStr && tok_[0].closed) {
      // `loose` only in a quote context; as-is, a leading literal string is ordinary ('a' or 'b').
      const bool loose = quote_ != 0;
      std::size_t p = 1;
      while (Type(p) == kClose) ++p;
      const bool closers = p > 1;
      if (loose && IsCmp(p) && IsVal(p + 1)) {
        // "'=0-- ", "1'='1": the break only completes a comparison, then cuts or reopens.
        if (final_ && p + 3 == n_ && Type(p + 2) == kComment && tok_[p + 2].strong) return true;
        // The reopened string must be a bare token ("1", "x"), not prose: "equals ('=') sign".
        if (final_ && p + 2 == n_ && p == 1 && Type(p + 1) == kStr && !tok_[p + 1].closed &&
            !IsAlphaOp(tok_[p]) && IsBareText(tok_[p + 1])) {
          return true;
        }
      }
      // "x' = 1 or ..." : a completed comparison before the logic operator.
      if (IsCmp(p) && IsVal(p + 1) && Type(p + 2) == kLogic) p += 2;
      switch (Type(p)) {
        case kLogic:  // ' or '1'='1   ') and sleep(5)   '||(select ...
          if (CondAt(p + 1, loose)) return true;
          break;
        case kUnion:  // ') union all select null--
          if (SelectAt(p + 1) || (loose && Type(p + 1) == kStmt && Text(p + 1, "select"))) {
            return true;
          }
          break;
        case kSemi:  // '; drop table users--   admin';
          if (StackedAt(p + 1)) return true;
          if (loose && (Type(p + 1) == kStmt || AtEnd(p + 1))) return true;
          break;
        case kComment:  // admin'--   admin')#
          // A comment that itself holds quotes is prose quoting "-- something", not a cut.
          if (loose && p + 1 == n_ && final_ && tok_[p].strong && !tok_[p].quoted) return true;
          break;
        case kOpen:  // ' (select load_file(...)) '
          if (loose && Type(p + 1) == kStmt && Text(p + 1, "select")) return true;
          break;
        case kKey:  // ')waitfor delay'0:0:5'   ' order by 3--   ' having 1=1
          if (!loose) break;
          if (Text(p, "waitfor") && (Text(p + 1, "delay") || Text(p + 1, "time"))) return true;
          if ((Text(p, "order") || Text(p, "group")) && Text(p + 1, "by") &&
              (Type(p + 2) == kNum || closers ||
               (IsVal(p + 2) && (Text(p + 3, "having") ||
                                 (Type(p + 3) == kComment && tok_[p + 3].strong))))) {
            return true;
          }
          if (Text(p, "having") && CondAt(p + 1, false)) return true;
          if (Text(p, "into") && (Text(p + 1, "outfile") || Text(p + 1, "dumpfile"))) return true;
          if (Text(p, "procedure") && Type(p + 1) == kWord) return true;
          break;
        case kFunc:  // " sleep(10)   'ascii(
          if (loose && Type(p + 1) == kOpen) return true;
          break;
        case kStmt:  // ' select * from users
          if (loose && Text(p, "select") && SelectTail(p + 1)) return true;
          break;
        case kOp:
          if (!loose || !tok_[p].arith) break;
          // '+sleep(5)+'   '|(select ...)|'
          if ((Type(p + 1) == kFunc && Type(p + 2) == kOpen) ||
              (Type(p + 1) == kOpen && Type(p + 2) == kStmt)) {
            return true;
          }
          // Close the quote, concatenate an expression, reopen the quote: ' | cmd | '.
          // '|ping -c 1 host #': a piped command cut off by a comment.
          if (final_ && n_ >= p + 3 && Text(p, "|") && Type(n_ - 1) == kComment &&
              tok_[n_ - 1].strong && !tok_[n_ - 1].quoted) {
            return true;
          }
          if (final_ && n_ >= p + 3 && Type(n_ - 1) == kStr && !tok_[n_ - 1].closed &&
              tok_[n_ - 1].empty && (Type(n_ - 2) == kLogic || (Type(n_ - 2) == kOp &&
                                                                 tok_[n_ - 2].arith))) {
            return true;
          }
          break;
        default:
          break;
      }
    }
    // As-is: "1 or 1=1", "1) and sleep(5)", "x or 'a'='a'".
    if (quote_ == 0 && (Type(0) == kNum || Type(0) == kWord || Type(0) == kVar)) {
      std::size_t p = 1;
      while (Type(p) == kClose) ++p;
      if (Type(p) == kLogic && CondAt(p + 1, false)) return true;
    }
    if (quote_ != 0) return false;
    // A dangerous call as the whole value: "sleep(20)", "benchmark(1e7,md5(1))".
    if (Type(0) == kFunc && tok_[0].danger && Type(1) == kOpen) return true;
    // A condition fragment: "AND 2771=1709)", "or 1=1--".
    if (Type(0) == kLogic && Type(1) != kWord && CondAt(1, false)) return true;
    // A whole statement: "exec xp_cmdshell 'dir'", "declare @x", and the data verbs when the
    // value also terminates or comments the statement ("DELETE FROM users;--"), so that
    // "delete from cart" in prose stays clean.
    // "select sleep(5)", "select pg_sleep": a query made of a delay.
    if (Text(0, "select") && n_ > 1 && tok_[1].danger) return true;
    // "DROP sampletable;--": a drop of a bare name that the value terminates.
    if (Text(0, "drop") && Type(1) == kWord &&
        (Type(2) == kSemi || (Type(2) == kComment && tok_[2].strong))) {
      return true;
    }
    if (Type(0) == kStmt && StackedAt(0)) {
      // ("shutdown" alone is a menu item; it counts only stacked after ";".)
      if (Text(0, "exec") || Text(0, "execute") || Text(0, "declare")) {
        return true;
      }
      for (std::size_t i = 1; i < n_; ++i) {
        if (Type(i) == kSemi || (Type(i) == kComment && tok_[i].strong) || Text(i, "where")) {
          return true;
        }
        // "select * from users": FROM, a table, then the end or more clauses; "select * from
        // your favorite options" reads on as prose.
        if (Text(0, "select") && Text(i, "from") &&
            (Type(i + 1) == kOpen ||
             (IsVal(i + 1) && (AtEnd(i + 2) || Type(i + 2) == kComma || Type(i + 2) == kClose ||
                               Text(i + 2, "limit") || Text(i + 2, "order") ||
                               Text(i + 2, "group") || Type(i + 2) == kUnion)))) {
          return true;
        }
      }
    }
    return false;
  }

  // Rules that hold wherever they appear: they need several SQL-only tokens in a row.
  bool JudgeAnywhere() const {
    for (std::size_t i = 0; i < n_; ++i) {
      switch (Type(i)) {
        case kUnion:  // 1 union select 1,2,3   -1) union (select ...
          if ((i == 0 || IsVal(i - 1) || Type(i - 1) == kClose) && SelectAt(i + 1)) return true;
          break;
        case kSemi:  // 1; drop table users   ;INSERT INTO t VALUES
          if ((i == 0 || IsVal(i - 1) || Type(i - 1) == kClose) && StackedAt(i + 1)) return true;
          break;
        case kFunc:  // ...and benchmark(5000000,md5(1))   sleep(5)
          if (tok_[i].danger && Type(i + 1) == kOpen &&
              (Type(i + 2) == kNum || Type(i + 2) == kStmt || Type(i + 2) == kFunc ||
               Type(i + 2) == kVar || Type(i + 2) == kOpen) &&
              (i == 0 || Type(i - 1) != kWord) &&
              // "systemd-sleep(8)": a hyphenated name citing a man page, not a call.
              !(i >= 2 && Type(i - 1) == kOp && Text(i - 1, "-") && Type(i - 2) == kWord)) {
            return true;
          }
          break;
        case kKey:  // ;waitfor delay '0:0:5'   into outfile '/tmp/x'
          if (Text(i, "waitfor") && (Text(i + 1, "delay") || Text(i + 1, "time")) &&
              (Type(i + 2) == kStr || Type(i + 2) == kNum)) {
            return true;
          }
          if (Text(i, "into") && (Text(i + 1, "outfile") || Text(i + 1, "dumpfile")) &&
              Type(i + 2) == kStr) {
            return true;
          }
          if (Text(i, "procedure") && Text(i + 1, "analyse") && Type(i + 2) == kOpen) return true;
          break;
        case kOpen:  // (select load_file('...'))   (select*from(select(sleep(5)))x)
          if (Type(i + 1) == kStmt && Text(i + 1, "select") &&
              (Type(i + 2) == kFunc || Type(i + 2) == kVar || Text(i + 2, "*") ||
               (Type(i + 2) == kOpen && Type(i + 3) == kStmt))) {
            return true;
          }
          // 1 rlike (select (case when ...)), id=(select ...): a value compared to a subquery.
          if (i >= 2 && IsCmp(i - 1) && IsVal(i - 2) && Type(i + 1) == kStmt &&
              Text(i + 1, "select") && i + 2 < n_) {
            return true;
          }
          break;
        case kLogic:  // ... 1 and 1=1  (a literal, a logic operator, a literal comparison)
          if (i > 0 && (Type(i - 1) == kNum || Type(i - 1) == kClose) && i + 1 < n_ &&
              (Type(i + 1) == kNum || Type(i + 1) == kStr) && IsCmp(i + 2) &&
              (Type(i + 3) == kNum || Type(i + 3) == kStr)) {
            return true;
          }
          break;
        default:
          break;
      }
    }
    return false;
  }

  std::string_view in_;
  char quote_;
  std::size_t pos_ = 0;
  int exec_comment_depth_ = 0;
  bool pending_comment_ = false;
  bool strong_comment_ = false;
  bool quoted_comment_ = false;
  bool first_window_ = true;
  bool final_ = false;
  std::size_t n_ = 0;
  std::array<Token, kWindow> tok_{};
};

}  // namespace

InjectionResult DetectSqli(std::string_view input) {
  InjectionResult r;
  if (input.size() > kMaxScan) input = input.substr(0, kMaxScan);
  if (input.empty()) return r;
  // The quote contexts matter only if the value contains that quote.
  const char contexts[] = {0, '\'', '"'};
  for (char q : contexts) {
    if (q != 0 && input.find(q) == std::string_view::npos) continue;
    Scanner s(input, q);
    std::string fp;
    if (s.Run(fp)) {
      r.detected = true;
      r.fingerprint = std::move(fp);
      return r;
    }
  }
  return r;
}

}  // namespace keikai::rules
