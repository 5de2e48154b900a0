// SQL injection detection for @detectSQLi.
//
// libmodsecurity answers @detectSQLi with libinjection, which Debian does not package, so keikai
// has its own implementation of the same published method, written for keikai: read the value as
// SQL in up to five contexts (as-is ANSI, as-is MySQL, after a single quote ANSI/MySQL, after a
// double quote), cut it into typed tokens, fold the tokens the way a SQL parser would merge them
// ("1+1" is one number, "union all" one union, "((" one parenthesis...), keep the first five
// folded tokens as a fingerprint such as "s&1c" (string, logic operator, number, comment), and
// judge that fingerprint. The aim is to answer as libinjection 3.9.2 inside libmodsecurity 3.0.9
// answers, so that CRS rules built on @detectSQLi behave the same under keikai; agreement is
// measured by bench/injection_diff.sh (docs/injection-differential.md).
//
// What is keikai's own here: all of the code; the keyword table (kWordTypes), whose vocabulary is
// SQL's keywords, functions and types of MySQL, PostgreSQL, SQL Server, Oracle, SQLite and the
// other dialects sqlmap targets, each given the type letter libinjection's tokenizer gives it
// (observed through libmodsecurity, word by word); and the fingerprint judge (kShapes), a small
// grammar of the token shapes of injections, written from what injections look like and checked
// on the tune half of bench/make_injection_corpus.py, instead of libinjection's list of ~9,000
// fingerprints. libinjection's extra checks of two- and three-token fingerprints (which decide
// from the tokens' text, not only their types) are reimplemented in PassesShortShapeChecks.
//
// Token type letters (the fingerprint alphabet):
//   s string   1 number   n bareword   v variable (@x, NULL)   f function   k keyword
//   E statement (SELECT...)   T T-SQL/stacked statement (DECLARE, EXEC...)   U UNION
//   B GROUP BY / ORDER BY / HAVING / LIMIT   & logic operator   o operator   t SQL type
//   A COLLATE   c comment   ( ) , ; . : { } punctuation   ? unknown   \ backslash
//   X "evil": a construct no honest value has (MySQL /*! comments, nested comments)
//
// Every function is pure and bounded: at most kMaxScan bytes are read, a context reads only as
// many tokens as folding needs (in practice a handful), and nothing is allocated.
#include <algorithm>
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

// Longer values are judged on their first MiB. Only the first few folded tokens matter, but what
// folding skips (leading parentheses, comments, long strings) can be long, and libinjection has
// no bound at all; 1 MiB is past any argument a request-body limit lets through in practice.
constexpr std::size_t kMaxScan = 1024 * 1024;
constexpr std::size_t kMaxTokens = 5;  // fingerprint length
constexpr std::size_t kTokenText = 32;  // bytes kept of a token's text (31 + NUL)

enum : int {
  kQuoteNone = 1,
  kQuoteSingle = 2,
  kQuoteDouble = 4,
  kAnsi = 8,
  kMysql = 16,
};

struct Token {
  char type = 0;
  char open = 0;   // strings: the opening quote ('\0' when the context simulated it)
  char close = 0;  // strings: the closing quote ('\0' when the value ended first)
  uint8_t len = 0;
  char text[kTokenText] = {};
};

// ---- the word table ------------------------------------------------------------------------
// Type of each SQL word (and of the multi-word phrases that folding merges: "union all",
// "order by", "not like"...). Words not listed are barewords ('n'). Intermediate phrases such as
// "is not distinct" are listed so that three-word phrases can be built two words at a time.
// The letters model libinjection's classification, which is sometimes surprising ("user" and
// "table" are barewords, NULL is a variable, SET a statement); agreeing with it matters more
// here than SQL pedantry.
struct WordGroup {
  char type;
  const char* words;  // '|'-separated, lower case
};

constexpr WordGroup kWordTypes[] = {
    {'E',
     "case|create|insert|select|select all|select distinct|set|update|waitfor delay|"
     "waitfor receive|waitfor time|"},
    {'T',
     "begin|call|create or replace|declare|delete|drop|exec|execute|go|goto|handler|insert into|"
     "load data|print|shutdown|try|use|while|"},
    {'U',
     "except|intersect|union|union all|union all distinct|union distinct|"},
    {'B',
     "group by|having|limit|order by|"},
    {'&',
     "and|or|xor|"},
    {'o',
     "between|div|is|is distinct from|is not|is not distinct from|like|mod|not|not between|"
     "not like|not regexp|not rlike|not similar|not similar to|regexp|rlike|similar to|sounds|"
     "sounds like|uescape|"},
    {'k',
     "against|all_users|alter|alter table|analyze|as|asc|asensitive|at time zone|before|blob|both|"
     "cascade|change|column|condition|constraint|continue|cross join|cursor|databases|day_hour|"
     "day_second|dec|default|delay|delayed|desc|describe|deterministic|distinct|distinctrow|each|"
     "else|elseif|enclosed|escaped|exit|explain|fetch|for update|force|foreign|from|full join|"
     "full outer|full outer join|fulltext|function|grant|high_priority|hour_minute|hour_second|"
     "ignore|in|in boolean mode|index|infile|inner|inner join|inout|insensitive|interval|into|"
     "into dumpfile|into outfile|iterate|join|keys|kill|leading|leave|left join|left outer|"
     "left outer join|load|lock in share mode|loop|low_priority|match|mediumblob|mediumint|merge|"
     "minute_microsecond|minute_second|modifies|natural full|natural inner|natural join|"
     "natural left|natural left outer|natural left outer join|natural right|not in|notnull|nowait|"
     "offset|open|optimize|option|outfile|partition|precision|primary|procedure|purge|range|read|"
     "reads|references|release|rename|repeat|replace|resignal|restrict|return|revoke|right join|"
     "right outer|right outer join|schema|schemas|sensitive|separator|signal|similar|spatial|"
     "specific|sql|sql_big_result|sql_cache|sql_calc_found_rows|sql_no_cache|sql_small_result|"
     "sqlexception|sqlstate|sqlwarning|ssl|straight_join|syscolumns|sysobjects|sysusers|"
     "terminated|then|time|tinyblob|tinyint|top|trigger|undo|unlock|unsigned|usage|utc_date|"
     "utc_time|utc_timestamp|values|varbinary|varying|wait|when|where|with rollup|year_month|"
     "zerofill|"},
    {'f',
     "abs|acos|adddate|addtime|aes_decrypt|aes_encrypt|age|any|array_agg|array_to_string|ascii|"
     "asin|atan|atan2|avg|benchmark|bin|bit_and|bit_count|bit_length|bit_or|bit_xor|cast|cdbl|"
     "ceil|ceiling|changes|char|char_length|character_length|charindex|charset|choose|chr|cint|"
     "coalesce|coercibility|col_length|col_name|collation|compress|concat|concat_ws|connection_id|"
     "conv|convert|convert_from|convert_to|convert_tz|cos|cot|count|crc32|ctxsys.drithsx.sn|"
     "cume_dist|curdate|current_database|current_schema|current_schemas|current_setting|"
     "currentuser|curtime|cvar|datalength|date|date_add|date_format|date_sub|datediff|day|dayname|"
     "dayofmonth|dayofweek|dayofyear|db_id|db_name|dbms_lock.sleep|dbms_pipe.receive_message|"
     "dbms_utility.sqlid_to_sqlhash|decode|degrees|dense_rank|des_decrypt|des_encrypt|difference|"
     "elt|encode|encrypt|exists|exp|export_set|extract|extractvalue|field|find_in_set|first_value|"
     "floor|format|found_rows|from_base64|from_days|from_unixtime|generate_series|get_format|"
     "get_lock|getdate|greatest|group_concat|grouping|hex|host_name|hour|identify|if|if exists|"
     "if not|if not exists|ifnull|iif|inet_aton|inet_ntoa|initcap|instr|is_free_lock|is_member|"
     "is_srvrolemember|is_used_lock|isnull|isnumeric|json_keys|lag|last_insert_id|"
     "last_insert_rowid|last_value|lcase|lead|least|left|length|ln|load_extension|load_file|"
     "locate|log|log10|log2|lower|lpad|ltrim|make_set|makedate|master_pos_wait|max|md5|"
     "microsecond|mid|min|minute|month|monthname|name_const|now|nth_value|ntile|nullif|object_id|"
     "object_name|oct|octet_length|old_password|opendatasource|openquery|openrowset|openxml|ord|"
     "overlaps|overlay|patindex|percent_rank|percentile_disc|period_add|period_diff|"
     "pg_client_encoding|pg_ls_dir|pg_read_binary_file|pg_read_file|pg_sleep|pi|position|pow|"
     "power|procedure analyse|quarter|quote|quote_ident|quote_literal|radians|rand|random|"
     "randomblob|rank|regexp_matches|regexp_replace|regexp_substr|release_lock|reverse|round|row|"
     "row_count|row_number|rpad|rtrim|schema_id|sec_to_time|serverproperty|session_user|sha|sha1|"
     "sha2|sign|sin|sleep|some|soundex|space|split_part|sqlite_version|sqrt|stddev|stddev_pop|"
     "stddev_samp|str_to_date|strcmp|string_agg|strpos|stuff|subdate|substr|substring|"
     "substring_index|subtime|sum|suser_name|suser_sname|sysdate|sysdatetime|system_user|tan|"
     "time_format|time_to_sec|timediff|timestampadd|to_base64|to_char|to_date|to_days|to_hex|"
     "to_number|to_seconds|to_timestamp|total_changes|translate|trim|truncate|try_cast|type_name|"
     "typeof|ucase|uncompress|unhex|unicode|unix_timestamp|unnest|updatexml|upper|user_lock.sleep|"
     "using|utl_http.request|utl_inaddr.get_host_address|utl_inaddr.get_host_name|uuid|uuid_short|"
     "var_pop|var_samp|variance|version|week|weekday|weekofyear|width_bucket|xmlagg|xmlcomment|"
     "xmlconcat|xmlelement|xmlexists|xmlforest|xmlpi|xmltype|xpath|year|yearweek|zeroblob|"},
    {'t',
     "bigint|binary|boolean|character|cstring|decimal|double|double precision|float|float4|float8|"
     "int|int2|int3|int4|int8|integer|money|numeric|oid|real|smallint|text|timestamp|varchar|"},
    {'v',
     "current_date|current_path|current_time|current_timestamp|current_user|localtime|"
     "localtimestamp|null|unknown|"},
    {'1',
     "false|true|"},
    {'A',
     "collate|"},
    {'n',
     "at time|by|check|create or|cross|database|do|dual|for|group|in boolean|is distinct|"
     "is not distinct|lock|lock in|lock in share|mode|natural|order|out|outer|password|right|show|"
     "sys.database_name|table|trailing|unique|user|user_id|user_name|waitfor|with|"},
};

struct WordEntry {
  std::string_view word;
  char type;
};

// Sorted view of kWordTypes, built once.
class WordTable {
 public:
  WordTable() {
    for (const WordGroup& g : kWordTypes) {
      std::string_view all(g.words);
      std::size_t start = 0;
      while (start < all.size()) {
        std::size_t bar = all.find('|', start);
        if (bar == std::string_view::npos) bar = all.size();
        if (bar > start && n_ < entries_.size()) entries_[n_++] = {all.substr(start, bar - start), g.type};
        start = bar + 1;
      }
    }
    std::sort(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n_),
              [](const WordEntry& a, const WordEntry& b) { return a.word < b.word; });
  }

  // Case-insensitive (ASCII) exact lookup; 0 when absent.
  char Find(const char* s, std::size_t len) const {
    if (len == 0 || len >= kTokenText) return 0;
    char key[kTokenText];
    for (std::size_t i = 0; i < len; ++i) key[i] = FoldLower(s[i]);
    const std::string_view k(key, len);
    std::size_t lo = 0, hi = n_;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (entries_[mid].word < k) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < n_ && entries_[lo].word == k ? entries_[lo].type : 0;
  }

 private:
  std::array<WordEntry, 1024> entries_{};  // kWordTypes has about 600 entries
  std::size_t n_ = 0;
};

const WordTable& Words() {
  static const WordTable table;
  return table;
}

// Two-byte operators ("||" and "&&" are logic operators).
char TwoByteOperator(char a, char b) {
  static constexpr std::string_view kOps[] = {"!!", "!<", "!=", "!>", "&=", "*=", "::", ":=", "<<",
                                              "<=", "<>", "<@", ">=", ">>", "|/", "|=", ""};
  if ((a == '&' && b == '&') || (a == '|' && b == '|')) return '&';
  for (std::string_view op : kOps) {
    if (!op.empty() && op[0] == a && op[1] == b) return 'o';
  }
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Whitespace as the tokenizer's number and comment rules see it (NUL and NBSP included).
bool IsWhite(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
         c == '\0' || static_cast<unsigned char>(c) == 0xa0;
}

void Assign(Token& t, char type, std::string_view text) {
  t.type = type;
  t.len = static_cast<uint8_t>(std::min(text.size(), kTokenText - 1));
  if (t.len > 0) std::memcpy(t.text, text.data(), t.len);
  t.text[t.len] = 0;
}

bool TextIs(const Token& t, std::string_view upper) {
  if (t.len != upper.size()) return false;
  for (std::size_t i = 0; i < upper.size(); ++i) {
    if (FoldUpper(t.text[i]) != upper[i]) return false;
  }
  return true;
}

bool IsUnary(const Token& t) {
  if (t.type != 'o') return false;
  if (t.len == 1) return t.text[0] == '+' || t.text[0] == '-' || t.text[0] == '!' || t.text[0] == '~';
  if (t.len == 2) return t.text[0] == '!' && t.text[1] == '!';
  return TextIs(t, "NOT");
}

bool IsArithmetic(const Token& t) {
  return t.type == 'o' && t.len == 1 &&
         (t.text[0] == '*' || t.text[0] == '/' || t.text[0] == '-' || t.text[0] == '+' ||
          t.text[0] == '%');
}

// ---- tokenizer -------------------------------------------------------------------------------

class Lexer {
 public:
  Lexer(std::string_view s, int flags) : s_(s), flags_(flags) {}

  int flags() const { return flags_; }
  int mysql_comment_hints() const { return dash_comments_ + hash_comments_; }
  int tokens() const { return tokens_; }

  // Next token into t; false at the end of the input.
  bool Next(Token& t) {
    t = Token();
    if (s_.empty()) return false;
    if (pos_ == 0 && (flags_ & (kQuoteSingle | kQuoteDouble))) {
      // The value starts inside a string: everything up to the first closing quote is its tail.
      pos_ = StringBody(0, t, (flags_ & kQuoteSingle) ? '\'' : '"', 0);
      ++tokens_;
      return true;
    }
    while (pos_ < s_.size()) {
      pos_ = Dispatch(t);
      if (t.type != 0) {
        ++tokens_;
        return true;
      }
    }
    return false;
  }

 private:
  char At(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  std::size_t Size() const { return s_.size(); }

  std::size_t Dispatch(Token& t) {
    const unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c <= 32 || c == 127 || c == 0xa0) return pos_ + 1;
    if (c >= 128) return Word(t);
    switch (c) {
      case '!': case '&': case '*': case ':': case '<': case '=': case '>': case '|':
        return Operator2(t);
      case '"': case '\'':
        return StringBody(pos_, t, static_cast<char>(c), 1);
      case '#': return Hash(t);
      case '$': return Money(t);
      case '%': case '+': case '^': case '~':
        return Operator1(t);
      case '(': case ')': case ',': case ';': case '{': case '}':
        Assign(t, static_cast<char>(c), s_.substr(pos_, 1));
        return pos_ + 1;
      case '-': return Dash(t);
      case '.': return Number(t);
      case '/': return Slash(t);
      case '?': case ']':
        Assign(t, '?', s_.substr(pos_, 1));
        return pos_ + 1;
      case '@': return Variable(t);
      case 'B': case 'b': return BitString(t);
      case 'E': case 'e': return PrefixedString(t);
      case 'N': case 'n': return NationalString(t);
      case 'Q': case 'q': return QuotedString(t, 0);
      case 'U': case 'u': return UnicodeString(t);
      case 'X': case 'x': return HexString(t);
      case '[': return BracketWord(t);
      case '\\': return Backslash(t);
      case '`': return Tick(t);
      default: break;
    }
    if (IsDigit(static_cast<char>(c))) return Number(t);
    return Word(t);  // letters, '_', and anything else
  }

  std::size_t Operator1(Token& t) {
    Assign(t, 'o', s_.substr(pos_, 1));
    return pos_ + 1;
  }

  std::size_t Operator2(Token& t) {
    if (pos_ + 1 >= Size()) return Operator1(t);
    if (At(pos_) == '<' && At(pos_ + 1) == '=' && At(pos_ + 2) == '>' && pos_ + 2 < Size()) {
      Assign(t, 'o', s_.substr(pos_, 3));
      return pos_ + 3;
    }
    if (const char type = TwoByteOperator(At(pos_), At(pos_ + 1))) {
      Assign(t, type, s_.substr(pos_, 2));
      return pos_ + 2;
    }
    if (At(pos_) == ':') {
      Assign(t, ':', s_.substr(pos_, 1));
      return pos_ + 1;
    }
    return Operator1(t);
  }

  // Comment to the end of the line.
  std::size_t LineComment(Token& t) {
    const std::size_t nl = s_.find('\n', pos_);
    if (nl == std::string_view::npos) {
      Assign(t, 'c', s_.substr(pos_));
      return Size();
    }
    Assign(t, 'c', s_.substr(pos_, nl - pos_));
    return nl + 1;
  }

  // '#': a comment for MySQL, an operator in ANSI SQL.
  std::size_t Hash(Token& t) {
    ++hash_comments_;
    if (flags_ & kMysql) return LineComment(t);
    Assign(t, 'o', "#");
    return pos_ + 1;
  }

  // "--" followed by whitespace or the end is a comment everywhere; "--x" only outside MySQL.
  std::size_t Dash(Token& t) {
    if (At(pos_ + 1) == '-' && pos_ + 1 < Size()) {
      if (pos_ + 2 < Size() && IsWhite(At(pos_ + 2))) return LineComment(t);
      if (pos_ + 2 == Size()) return LineComment(t);
      if (flags_ & kAnsi) {
        ++dash_comments_;
        return LineComment(t);
      }
    }
    Assign(t, 'o', "-");
    return pos_ + 1;
  }

  // Position of the first "ab" at or after from, or npos.
  std::size_t FindPair(std::size_t from, std::size_t end, char a, char b) const {
    if (end > Size()) end = Size();
    for (std::size_t i = from; i + 1 < end; ++i) {
      if (s_[i] == a && s_[i + 1] == b) return i;
    }
    return std::string_view::npos;
  }

  // "/*...*/" comments. A comment that contains "/*" (PostgreSQL nests them, MySQL does not) or
  // a MySQL executable comment "/*!" cannot be read the same way by every database: evil.
  std::size_t Slash(Token& t) {
    if (At(pos_ + 1) != '*' || pos_ + 1 >= Size()) return Operator1(t);
    const std::size_t close = FindPair(pos_ + 2, Size(), '*', '/');
    const std::size_t len = close == std::string_view::npos ? Size() - pos_ : close + 2 - pos_;
    char type = 'c';
    if (close != std::string_view::npos &&
        FindPair(pos_ + 2, pos_ + 2 + (close - pos_ - 1), '/', '*') != std::string_view::npos) {
      type = 'X';
    } else if (pos_ + 2 < Size() && At(pos_ + 2) == '!') {
      type = 'X';
    }
    Assign(t, type, s_.substr(pos_, len));
    return pos_ + len;
  }

  std::size_t Backslash(Token& t) {
    if (At(pos_ + 1) == 'N' && pos_ + 1 < Size()) {  // MySQL's \N is NULL
      Assign(t, '1', s_.substr(pos_, 2));
      return pos_ + 2;
    }
    Assign(t, '\\', s_.substr(pos_, 1));
    return pos_ + 1;
  }

  // Whether the quote at q is escaped by an odd run of backslashes that starts after `start`.
  bool BackslashEscaped(std::size_t q, std::size_t start) const {
    std::size_t n = 0;
    while (q > start && s_[q - 1] == '\\') {
      --q;
      ++n;
    }
    return (n & 1) != 0;
  }

  // A string from `from` (+skip opening bytes) to the matching `quote`; backslash-escaped and
  // doubled quotes do not end it.
  std::size_t StringBody(std::size_t from, Token& t, char quote, std::size_t skip) {
    const std::size_t start = from + skip;
    t.open = skip > 0 ? quote : 0;
    std::size_t q = start < Size() ? s_.find(quote, start) : std::string_view::npos;
    while (q != std::string_view::npos) {
      if (BackslashEscaped(q, start)) {
        q = s_.find(quote, q + 1);
      } else if (q + 1 < Size() && s_[q + 1] == quote) {
        q = q + 2 < Size() ? s_.find(quote, q + 2) : std::string_view::npos;
      } else {
        Assign(t, 's', s_.substr(start, q - start));
        t.close = quote;
        return q + 1;
      }
    }
    Assign(t, 's', start < Size() ? s_.substr(start) : std::string_view());
    t.close = 0;
    return Size();
  }

  // E'...' (PostgreSQL escape string) and N'...' (national string).
  std::size_t PrefixedString(Token& t) {
    if (pos_ + 2 >= Size() || At(pos_ + 1) != '\'') return Word(t);
    return StringBody(pos_, t, '\'', 2);
  }

  // U&'...' (Unicode string).
  std::size_t UnicodeString(Token& t) {
    if (pos_ + 2 < Size() && At(pos_ + 1) == '&' && At(pos_ + 2) == '\'') {
      const std::size_t end = StringBody(pos_ + 2, t, '\'', 1);
      t.open = 'u';
      if (t.close == '\'') t.close = 'u';
      return end;
    }
    return Word(t);
  }

  // Oracle's q'[...]' strings (and nq'...').
  std::size_t QuotedString(Token& t, std::size_t skip) {
    const std::size_t p = pos_ + skip;
    if (p >= Size() || (At(p) != 'q' && At(p) != 'Q') || p + 2 >= Size() || At(p + 1) != '\'') {
      return Word(t);
    }
    char close = At(p + 2);
    if (static_cast<signed char>(close) < 33) return Word(t);
    if (close == '(') close = ')';
    if (close == '[') close = ']';
    if (close == '{') close = '}';
    if (close == '<') close = '>';
    const std::size_t end = FindPair(p + 3, Size(), close, '\'');
    if (end == std::string_view::npos) {
      Assign(t, 's', s_.substr(p + 3));
      t.open = 'q';
      t.close = 0;
      return Size();
    }
    Assign(t, 's', s_.substr(p + 3, end - p - 3));
    t.open = 'q';
    t.close = 'q';
    return end + 2;
  }

  std::size_t NationalString(Token& t) {
    if (pos_ + 2 < Size() && At(pos_ + 1) == '\'') return PrefixedString(t);
    return QuotedString(t, 1);
  }

  // Length of the run of `accept` bytes at from. NUL bytes count as accepted, as in
  // libinjection (a C-string membership test finds the terminator): "0x\0" is a number there.
  std::size_t Span(std::size_t from, std::string_view accept) const {
    std::size_t i = from;
    while (i < Size() && (s_[i] == '\0' || accept.find(s_[i]) != std::string_view::npos)) ++i;
    return i - from;
  }

  // B'0101' and X'1f' literals are numbers.
  std::size_t BitString(Token& t) { return LiteralString(t, "01"); }
  std::size_t HexString(Token& t) { return LiteralString(t, "0123456789ABCDEFabcdef"); }
  std::size_t LiteralString(Token& t, std::string_view digits) {
    if (pos_ + 2 >= Size() || At(pos_ + 1) != '\'') return Word(t);
    const std::size_t n = Span(pos_ + 2, digits);
    if (pos_ + 2 + n >= Size() || At(pos_ + 2 + n) != '\'') return Word(t);
    Assign(t, '1', s_.substr(pos_, n + 3));
    return pos_ + n + 3;
  }

  // SQL Server's [bracketed name].
  std::size_t BracketWord(Token& t) {
    const std::size_t end = s_.find(']', pos_);
    if (end == std::string_view::npos) {
      Assign(t, 'n', s_.substr(pos_));
      return Size();
    }
    Assign(t, 'n', s_.substr(pos_, end - pos_ + 1));
    return end + 1;
  }

  static bool WordStop(char c) {
    static constexpr std::string_view kStops = " []{}<>:\\?=@!#~+-*/&|^%(),';\t\n\v\f\r\"\xa0";
    return c == '\0' || kStops.find(c) != std::string_view::npos;
  }

  std::size_t Word(Token& t) {
    std::size_t end = pos_;
    while (end < Size() && !WordStop(s_[end])) ++end;
    const std::size_t wlen = end - pos_;
    Assign(t, 'n', s_.substr(pos_, wlen));
    // "select.1", "union`x`": a keyword glued to a name by '.' or '`' is that keyword.
    for (std::size_t i = 0; i < t.len; ++i) {
      if (t.text[i] == '.' || t.text[i] == '`') {
        const char type = Words().Find(t.text, i);
        if (type != 0 && type != 'n') {
          Assign(t, type, s_.substr(pos_, i));
          return pos_ + i;
        }
      }
    }
    if (wlen < kTokenText) {
      const char type = Words().Find(t.text, wlen);
      if (type != 0) t.type = type;
    }
    return end;
  }

  // `name`: a function if the name is one, otherwise a bareword.
  std::size_t Tick(Token& t) {
    const std::size_t end = StringBody(pos_, t, '`', 1);
    t.type = Words().Find(t.text, t.len) == 'f' ? 'f' : 'n';
    return end;
  }

  std::size_t Variable(Token& t) {
    std::size_t p = pos_ + 1;
    if (p < Size() && At(p) == '@') ++p;
    if (p < Size() && At(p) == '`') {
      const std::size_t end = StringBody(p, t, '`', 1);
      t.type = 'v';
      return end;
    }
    if (p < Size() && (At(p) == '\'' || At(p) == '"')) {
      const std::size_t end = StringBody(p, t, At(p), 1);
      t.type = 'v';
      return end;
    }
    static constexpr std::string_view kStops = " <>:\\?=@!#~+-*/&|^%(),';\t\n\v\f\r'`\"";
    std::size_t end = p;
    while (end < Size() && At(end) != '\0' && kStops.find(At(end)) == std::string_view::npos) ++end;
    Assign(t, 'v', s_.substr(p, end - p));
    return end;
  }

  // "$1,000.00" is a number, "$$...$$" and "$tag$...$tag$" are PostgreSQL strings.
  std::size_t Money(Token& t) {
    if (pos_ + 1 == Size()) {
      Assign(t, 'n', "$");
      return Size();
    }
    const std::size_t digits = Span(pos_ + 1, "0123456789.,");
    if (digits == 0) {
      if (At(pos_ + 1) == '$') {
        const std::size_t end = FindPair(pos_ + 2, Size(), '$', '$');
        if (end == std::string_view::npos) {
          Assign(t, 's', s_.substr(pos_ + 2));
          t.open = '$';
          t.close = 0;
          return Size();
        }
        Assign(t, 's', s_.substr(pos_ + 2, end - pos_ - 2));
        t.open = '$';
        t.close = '$';
        return end + 2;
      }
      const std::size_t tag =
          Span(pos_ + 1, "abcdefghjiklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
      if (tag == 0 || pos_ + tag + 1 == Size() || At(pos_ + tag + 1) != '$') {
        Assign(t, 'n', "$");
        return pos_ + 1;
      }
      const std::string_view marker = s_.substr(pos_, tag + 2);
      const std::size_t body = pos_ + tag + 2;
      const std::size_t end = body <= Size() ? s_.find(marker, body) : std::string_view::npos;
      if (end == std::string_view::npos) {
        Assign(t, 's', s_.substr(std::min(body, Size())));
        t.open = '$';
        t.close = 0;
        return Size();
      }
      Assign(t, 's', s_.substr(body, end - body));
      t.open = '$';
      t.close = '$';
      return end + tag + 2;
    }
    if (digits == 1 && At(pos_ + 1) == '.') return Word(t);
    Assign(t, '1', s_.substr(pos_, digits + 1));
    return pos_ + digits + 1;
  }

  std::size_t Number(Token& t) {
    std::size_t p = pos_;
    if (At(p) == '0' && p + 1 < Size()) {
      std::string_view digits;
      if (At(p + 1) == 'x' || At(p + 1) == 'X') digits = "0123456789ABCDEFabcdef";
      if (At(p + 1) == 'b' || At(p + 1) == 'B') digits = "01";
      if (!digits.empty()) {
        const std::size_t n = Span(p + 2, digits);
        Assign(t, n == 0 ? 'n' : '1', s_.substr(p, n + 2));
        return p + n + 2;
      }
    }
    const std::size_t start = p;
    while (p < Size() && IsDigit(s_[p])) ++p;
    if (p < Size() && s_[p] == '.') {
      ++p;
      while (p < Size() && IsDigit(s_[p])) ++p;
      if (p - start == 1) {  // a lone "."
        Assign(t, '.', ".");
        return p;
      }
    }
    bool have_e = false, have_exp = false;
    if (p < Size() && (s_[p] == 'E' || s_[p] == 'e')) {
      have_e = true;
      ++p;
      if (p < Size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      while (p < Size() && IsDigit(s_[p])) {
        have_exp = true;
        ++p;
      }
    }
    // Oracle's 1.5f / 2d suffixes.
    if (p < Size() && (s_[p] == 'd' || s_[p] == 'D' || s_[p] == 'f' || s_[p] == 'F')) {
      if (p + 1 == Size() || IsWhite(s_[p + 1]) || s_[p + 1] == ';' || s_[p + 1] == 'u' ||
          s_[p + 1] == 'U') {
        ++p;
      }
    }
    // "1e" / "1.e" without exponent digits is not a number: a name ("1.e(1)" is a MySQL trick).
    Assign(t, have_e && !have_exp ? 'n' : '1', s_.substr(start, p - start));
    return p;
  }

  std::string_view s_;
  int flags_;
  std::size_t pos_ = 0;
  int dash_comments_ = 0;
  int hash_comments_ = 0;
  int tokens_ = 0;
};

// ---- folding -------------------------------------------------------------------------------

// Merges two adjacent words into one phrase token when the phrase is in the word table.
bool MergeWords(Token& a, const Token& b) {
  static constexpr std::string_view kFirst = "knoUfETt";
  static constexpr std::string_view kSecond = "knoUfETt&";
  if (a.type == 0 || b.type == 0 || kFirst.find(a.type) == std::string_view::npos ||
      kSecond.find(b.type) == std::string_view::npos) {
    return false;
  }
  const std::size_t n = a.len + b.len + 1u;
  if (n >= kTokenText) return false;
  char phrase[kTokenText];
  std::memcpy(phrase, a.text, a.len);
  phrase[a.len] = ' ';
  std::memcpy(phrase + a.len + 1, b.text, b.len);
  const char type = Words().Find(phrase, n);
  if (type == 0) return false;
  Assign(a, type, std::string_view(phrase, n));
  return true;
}

// Words that act as functions when "(" follows, although they are usually names.
bool NameCalledAsFunction(const Token& t) {
  static constexpr std::string_view kNames[] = {
      "USER_ID", "USER_NAME", "DATABASE", "PASSWORD", "USER", "CURRENT_USER", "CURRENT_DATE",
      "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP"};
  for (std::string_view n : kNames) {
    if (TextIs(t, n)) return true;
  }
  return false;
}

bool OneOf(char type, std::string_view types) {
  return type != 0 && types.find(type) != std::string_view::npos;
}

// Reads tokens from the lexer into v (at least 8 slots) and folds them; returns how many of
// them make the fingerprint (at most kMaxTokens).
std::size_t Fold(Lexer& lx, Token* v) {
  Token last_comment;
  std::size_t pos = 0;   // where the next token goes
  std::size_t left = 0;  // tokens already final
  bool more = true;

  // Leading comments, "(", SQL types and unary operators say nothing: skip them.
  while (more) {
    more = lx.Next(v[0]);
    if (!(v[0].type == 'c' || v[0].type == '(' || v[0].type == 't' || IsUnary(v[0]))) break;
  }
  if (!more) return 0;
  pos = 1;

  auto read_until = [&](std::size_t want) {
    while (more && pos <= kMaxTokens && pos - left < want) {
      more = lx.Next(v[pos]);
      if (more) {
        if (v[pos].type == 'c') {
          last_comment = v[pos];
        } else {
          last_comment.type = 0;
          ++pos;
        }
      }
    }
  };

  while (true) {
    if (pos >= kMaxTokens) {
      // Five tokens of a harmless list or expression ("1,(2)", "a-(b)"): start over from the
      // sixth so that what follows is what gets judged.
      const char t0 = v[0].type, t1 = v[1].type, t2 = v[2].type, t3 = v[3].type,
                 t4 = v[4].type;
      if ((t0 == '1' && (t1 == 'o' || t1 == ',') && t2 == '(' && t3 == '1' && t4 == ')') ||
          (t0 == 'n' && t1 == 'o' && t2 == '(' && (t3 == 'n' || t3 == '1') && t4 == ')') ||
          (t0 == '1' && t1 == ')' && t2 == ',' && t3 == '(' && t4 == '1') ||
          (t0 == 'n' && t1 == ')' && t2 == 'o' && t3 == '(' && t4 == 'n')) {
        if (pos > kMaxTokens) {
          v[1] = v[kMaxTokens];
          pos = 2;
        } else {
          pos = 1;
        }
        left = 0;
      }
    }
    if (!more || left >= kMaxTokens) {
      left = pos;
      break;
    }

    read_until(2);
    if (pos - left < 2) {
      left = pos;
      continue;
    }

    Token& a = v[left];
    Token& b = v[left + 1];
    // -- two-token folds
    if (a.type == 's' && b.type == 's') {  // 'a' 'b' is one string
      --pos;
      continue;
    }
    if (a.type == ';' && b.type == ';') {
      --pos;
      continue;
    }
    if ((a.type == 'o' || a.type == '&') && (IsUnary(b) || b.type == 't')) {  // "= -1", "and not"
      --pos;
      left = 0;
      continue;
    }
    if (a.type == '(' && IsUnary(b)) {
      --pos;
      if (left > 0) --left;
      continue;
    }
    if (MergeWords(a, b)) {
      --pos;
      if (left > 0) --left;
      continue;
    }
    if (a.type == ';' && b.type == 'f' && (b.text[0] == 'I' || b.text[0] == 'i') &&
        (b.text[1] == 'F' || b.text[1] == 'f')) {
      b.type = 'T';  // T-SQL's IF statement after ";"
      continue;
    }
    if ((a.type == 'n' || a.type == 'v') && b.type == '(' && NameCalledAsFunction(a)) {
      a.type = 'f';
      continue;
    }
    if (a.type == 'k' && (TextIs(a, "IN") || TextIs(a, "NOT IN"))) {
      a.type = b.type == '(' ? 'o' : 'n';
      continue;
    }
    if (a.type == 'o' && (TextIs(a, "LIKE") || TextIs(a, "NOT LIKE"))) {
      if (b.type == '(') a.type = 'f';
    } else if (a.type == 't' && OneOf(b.type, "n1t(fvs")) {
      a = b;  // "int 1", "char(": the type name goes
      --pos;
      left = 0;
      continue;
    } else if (a.type == 'A' && b.type == 'n') {
      if (std::memchr(b.text, '_', b.len) != nullptr) {
        b.type = 't';
        left = 0;
      }
    } else if (a.type == '\\') {
      if (IsArithmetic(b)) {
        a.type = '1';
      } else {
        a = b;
        --pos;
      }
      left = 0;
      continue;
    } else if (a.type == '(' && b.type == '(') {
      --pos;
      left = 0;
      continue;
    } else if (a.type == ')' && b.type == ')') {
      --pos;
      left = 0;
      continue;
    } else if (a.type == '{' && b.type == 'n') {
      if (b.len == 0) {  // MySQL's "{ ``" oddity
        b.type = 'X';
        return left + 2;
      }
      left = 0;
      pos -= 2;
      continue;
    } else if (b.type == '}') {
      --pos;
      left = 0;
      continue;
    }

    // -- three-token folds
    read_until(3);
    if (pos - left < 3) {
      left = pos;
      continue;
    }
    Token& c = v[left + 2];
    const char ta = a.type, tb = b.type, tc = c.type;
    if (ta == '1' && tb == 'o' && tc == '1') {  // 1+1
      pos -= 2;
      left = 0;
      continue;
    }
    if (ta == 'o' && tb != '(' && tc == 'o') {
      left = 0;
      pos -= 2;
      continue;
    }
    if (ta == '&' && tc == '&') {
      pos -= 2;
      left = 0;
      continue;
    }
    if (ta == 'v' && tb == 'o' && OneOf(tc, "v1n")) {
      pos -= 2;
      left = 0;
      continue;
    }
    if (OneOf(ta, "n1") && tb == 'o' && OneOf(tc, "1n")) {
      pos -= 2;
      left = 0;
      continue;
    }
    if (OneOf(ta, "n1vs") && tb == 'o' && b.len == 2 && b.text[0] == ':' && b.text[1] == ':' &&
        tc == 't') {
      pos -= 2;
      left = 0;
      continue;
    }
    if (OneOf(ta, "n1sv") && tb == ',' && OneOf(tc, "1nsv")) {  // a list
      pos -= 2;
      left = 0;
      continue;
    }
    if (OneOf(ta, "EB,") && IsUnary(b) && tc == '(') {
      b = c;
      --pos;
      left = 0;
      continue;
    }
    if (OneOf(ta, "kEB") && IsUnary(b) && OneOf(tc, "1nvsf")) {
      b = c;
      --pos;
      left = 0;
      continue;
    }
    if (ta == ',' && IsUnary(b) && OneOf(tc, "1nvs")) {
      b = c;
      left = 0;
      pos -= 3;
      continue;
    }
    if (ta == ',' && IsUnary(b) && tc == 'f') {
      b = c;
      --pos;
      left = 0;
      continue;
    }
    if (ta == 'n' && tb == '.' && tc == 'n') {  // db.table
      pos -= 2;
      left = 0;
      continue;
    }
    if (ta == 'E' && tb == '.' && tc == 'n') {
      b = c;
      --pos;
      left = 0;
      continue;
    }
    if (ta == 'f' && tb == '(' && tc != ')' && TextIs(a, "USER")) a.type = 'n';  // user(x)
    ++left;
  }

  if (left < kMaxTokens && last_comment.type == 'c') v[left++] = last_comment;
  if (left > kMaxTokens) left = kMaxTokens;
  return left;
}

// ---- judging ---------------------------------------------------------------------------------

struct Reading {
  std::string_view input;
  char fp[kMaxTokens + 1] = {};
  std::size_t len = 0;
  std::array<Token, 8> v{};
  int tokens = 0;
  bool mysql_hints = false;
};

void Fingerprint(std::string_view input, int flags, Reading& r) {
  Lexer lx(input, flags);
  r = Reading();
  r.input = input;
  std::size_t n = Fold(lx, r.v.data());
  // PHP's backtick: an unclosed, empty `` at the end acts as a comment.
  if (n > 2 && r.v[n - 1].type == 'n' && r.v[n - 1].open == '`' && r.v[n - 1].len == 0 &&
      r.v[n - 1].close == 0) {
    r.v[n - 1].type = 'c';
  }
  bool evil = false;
  for (std::size_t i = 0; i < n; ++i) {
    r.fp[i] = r.v[i].type;
    evil = evil || r.v[i].type == 'X';
  }
  r.len = n;
  if (evil) {
    r.fp[0] = 'X';
    r.fp[1] = 0;
    r.len = 1;
    r.v[0].type = 'X';
    r.v[1].type = 0;
  }
  r.tokens = lx.tokens();
  r.mysql_hints = lx.mysql_comment_hints() > 0;
}

bool ShapeIsInjection(std::string_view fp);  // the grammar, below

// libinjection-compatible refinements for short fingerprints, which are the ones ordinary text
// also produces: they decide from the tokens' text and the raw input.
bool PassesShortShapeChecks(const Reading& r) {
  const std::string_view fp(r.fp, r.len);
  const std::string_view in = r.input;
  if (r.len > 1 && fp.back() == 'c' && in.find("sp_password") != std::string_view::npos) {
    return true;  // SQL Server's audit log hides statements that mention sp_password
  }
  const Token* v = r.v.data();
  if (r.len == 2) {
    if (fp[1] == 'U') return r.tokens != 2;  // "1 union" alone is prose; folded, it is not
    if (v[1].text[0] == '#') return false;   // "#" endings are too common in text
    if (v[0].type == 'n' && v[1].type == 'c' && v[1].text[0] != '/') return false;
    if (v[0].type == '1' && v[1].type == 'c' && v[1].text[0] == '/') return true;
    if (v[0].type == '1' && v[1].type == 'c') {
      if (r.tokens > 2) return true;
      // "1234 --" and "1234--" are scans; "1234-ABCD--" (base64-like) is not.
      const std::size_t at = v[0].len;
      const char next = at < in.size() ? in[at] : '\0';
      const char after = at + 1 < in.size() ? in[at + 1] : '\0';
      if (static_cast<signed char>(next) <= 32) return true;  // a high byte counts too
      if (next == '/' && after == '*') return true;
      if (next == '-' && after == '-') return true;
      return false;
    }
    if (v[1].len > 2 && v[1].text[0] == '-') return false;  // "x -- more text"
    return true;
  }
  if (r.len == 3) {
    if (fp == "sos" || fp == "s&s") {
      // ...x' + 'y... : both strings cut by the value's ends, joined by the operator.
      return v[0].open == 0 && v[2].close == 0 && v[0].close == v[2].open;
    }
    if (fp == "s&n" || fp == "n&1" || fp == "1&1" || fp == "1&v" || fp == "1&s") {
      return r.tokens != 3;  // "sexy and 17" is text; "17 and 17<18" folded is not
    }
    if (v[1].type == 'k') {
      // Only INTO OUTFILE / INTO DUMPFILE make a keyword in the middle dangerous.
      return v[1].len >= 5 && FoldUpper(v[1].text[0]) == 'I' && FoldUpper(v[1].text[1]) == 'N' &&
             FoldUpper(v[1].text[2]) == 'T' && FoldUpper(v[1].text[3]) == 'O';
    }
  }
  return true;
}

bool Judge(const Reading& r) {
  if (r.len == 0) return false;
  return ShapeIsInjection(std::string_view(r.fp, r.len)) && PassesShortShapeChecks(r);
}

// ---- the shape grammar ------------------------------------------------------------------------
// Which folded shapes are injections. Each pattern is matched against the whole fingerprint: a
// letter matches that token type, [..] any of the listed types, and a final '*' anything further
// (including nothing). The groups name the attack each shape stands for; they generalize over
// the value types where SQL does (a number, a string and a name can stand in the same place).

constexpr std::string_view kShapes[] = {
    // Tautologies and conditions after a logic operator: ' or 1=1 ...   1 and (select ...
    "[1ns]&(E*", "[1s]&(1)", "[1ns]&f(*", "s&n", "n&1", "1&1", "1&v", "1&s", "s&1", "s&s",
    "[1ns]&[1s]c", "[1ns]&[1sv]o[(fs]", "s&1Bf",
    // The same after closing the value's parentheses: 1) and (1=1   ') or sleep(5)
    "[1ns])&(*", "[1ns])&f(", "[1ns])&1[cBfo]", "[1ns])&[1s]", "sk)&[(1f]",
    // Stacked statements: 1; select ...   '); exec ...
    "[1ns]k?);[ET][(fnosvk]", "[1ns];E(E", "[1ns];Ef(", "[1ns];Esc", "[1ns];T[(fn]*",
    "[1ns]k);[ET]", "[1ns];Tvf", "s;Tkf", "sos;[ET]", "son;n",
    // UNION [ALL] SELECT after the value: 1 union select ...   ') union all select ...
    "[1ns]UE*", "[1ns])UE*", "sk)UE", "so1UE", "s)onU",
    // ORDER BY / GROUP BY / HAVING probes: 1 order by 3--   ') group by ... having
    "1B1", "[1ns])?B1[c&o]*", "[1ns]Bf(*", "sk)B1", "nknBn", "sonBn",
    // Keywords right after the value: ') AS x WHERE 1=1 ...   1 rlike ...
    "[1ns])knk", "[1ns])k1[&o]", "[1ns]k1[&o]*", "nkn", "sk(so", "sk1Es", "sonk)",
    // Operators joining the value to a subquery, call or string: 1=(select ...   '+sleep(5)+'
    "[1nsv]o(E*", "[1ns]k?)o(E*", "sk)o(", "[1ns])?of(*", "so(n)", "no(vo", "[1ns])o1", "[1ns])on[&k]", "son&n",
    "son(1", "sos", "sos&*", "sosEs", "sosc", "v)on",
    // Calls: sleep(5)   (select ...)   ,(select ...
    "f([1nsv])", "f(1,f", "f(f(*", "f(E[fk]*", "f(Eok", "f(t,(", "[1ns])?f(f*", "[1ns]f(*", "[1ns]k)f(", "[1ns](Ef(",
    "[1ns],f(*", "[1ns],(E[(1fk]", "[1ns],(f(",
    // A statement as the value: select ...   declare ...
    "E(*", "Ef(*", "Ek[(1f]*", "E1[ko]*", "Es&*", "Tf(*",
    // Comments that cut the query short: admin'--   1/*
    "[1ns]c", "[1ns])c", "[1ns]o[1s]c", "1U", "s)Esc", "sEsc",
    // MySQL file writes and grouped probes: ' into outfile '/x'--   ' group by x having 1=1
    "sksc", "sBnB*",
    // Constructs honest values never contain (MySQL /*! */ comments, nested comments).
    "X",
};

bool MatchShape(std::string_view pat, std::string_view fp) {
  std::size_t i = 0, j = 0;
  while (i < pat.size()) {
    if (pat[i] == '*') return true;
    bool optional = false;
    std::string_view set;
    std::size_t next;
    if (pat[i] == '[') {
      const std::size_t close = pat.find(']', i);
      set = pat.substr(i + 1, close - i - 1);
      next = close + 1;
    } else {
      set = pat.substr(i, 1);
      next = i + 1;
    }
    if (next < pat.size() && pat[next] == '?') {
      optional = true;
      ++next;
    }
    if (j < fp.size() && set.find(fp[j]) != std::string_view::npos) {
      ++j;
    } else if (!optional) {
      return false;
    }
    i = next;
  }
  return j == fp.size();
}

bool ShapeIsInjection(std::string_view fp) {
  for (std::string_view pat : kShapes) {
    if (MatchShape(pat, fp)) return true;
  }
  return false;
}

}  // namespace

InjectionResult DetectSqli(std::string_view input) {
  InjectionResult out;
  if (input.size() > kMaxScan) input = input.substr(0, kMaxScan);
  if (input.empty()) return out;
  Reading r;
  auto attempt = [&](int flags) {
    Fingerprint(input, flags, r);
    if (!Judge(r)) return false;
    out.detected = true;
    out.fingerprint.assign(r.fp, r.len);
    return true;
  };
  // As-is; then, if the value has comment syntax only MySQL reads that way, as MySQL.
  if (attempt(kQuoteNone | kAnsi)) return out;
  if (r.mysql_hints && attempt(kQuoteNone | kMysql)) return out;
  if (input.find('\'') != std::string_view::npos) {
    if (attempt(kQuoteSingle | kAnsi)) return out;
    if (r.mysql_hints && attempt(kQuoteSingle | kMysql)) return out;
  }
  if (input.find('"') != std::string_view::npos && attempt(kQuoteDouble | kMysql)) return out;
  return out;
}

}  // namespace keikai::rules
