// Value checks: detectors that judge a request's values by their structure rather than by a
// list of strings (see checks.h). Each check is keikai's own: the SQL and XSS tokenizers are the
// engine's @detectSQLi/@detectXSS (rules/injection.h); command injection, file inclusion, system
// file names and CRLF injection are decided here from the shape of the decoded value.
#include "detect/checks.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "keikai/core/ascii.h"
#include "keikai/http/decode.h"
#include "keikai/rules/injection.h"

namespace keikai::detect {
namespace {

bool IsWordChar(unsigned char c) { return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.'; }

// Decoded as a server would see it, and once more when that left escapes (double encoding:
// %250d is a CR to an application that decodes again).
void DecodeTwice(std::string_view in, std::string& out, std::string& tmp, bool plus_as_space) {
  http::PercentDecode(in, out, plus_as_space);
  if (out.find('%') != std::string::npos && http::NeedsDecode(out)) {
    tmp.swap(out);
    http::PercentDecode(tmp, out, false);
  }
}

// ---- SQL injection and XSS: the tokenizers of the rule engine. ----

// Values that cannot hold SQL are not tokenized: SQL an injection can use needs a space or
// another separator (tab, line break, a comment), a quote, a parenthesis, ';', '#', '|' or a
// backslash. Most query values and referers of a site (ids, slugs, tracking codes, URLs without
// spaces) have none of those.
bool NoSqlChars(std::string_view v) {
  static constexpr auto kTable = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view(" \t\n\r\v\f'\"();#`*|\\")) t[c] = true;
    return t;
  }();
  for (unsigned char c : v) {
    if (kTable[c]) return false;
  }
  // "--" and "%": a comment or an escape that a second decoding turns into one of the above.
  return v.find("--") == std::string_view::npos && v.find('%') == std::string_view::npos;
}

// Two shapes the tokenizer (like libinjection) lets through and that sqlmap and scanners send:
// a time delay called as a function after SQL context ("...) AND SLEEP(5) AND (1=1",
// ";waitfor/**/delay '0:0:5'"), and a quote or parenthesis closed then a boolean comparison
// ("') or ('x'='x", "' or user like '%"). The value is lower-cased with comments and runs of
// white space folded to one space.
bool SqlShapes(std::string_view v, std::string* why) {
  thread_local std::string f;
  f.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v.compare(i, 2, "/*") == 0) {
      const std::size_t e = v.find("*/", i + 2);
      i = e == std::string_view::npos ? v.size() : e + 1;
      if (f.empty() || f.back() != ' ') f += ' ';
      continue;
    }
    const char c = v[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '+' || c == '\v' || c == '\f') {
      if (f.empty() || f.back() != ' ') f += ' ';
      continue;
    }
    f += FoldLower(c);
  }
  const std::string_view s = f;
  auto word_at = [&](std::size_t p, std::string_view w) {
    return s.compare(p, w.size(), w) == 0 && (p == 0 || !IsWordChar(static_cast<unsigned char>(s[p - 1]))) &&
           (p + w.size() >= s.size() || !IsWordChar(static_cast<unsigned char>(s[p + w.size()])));
  };
  // Time delays.
  for (std::string_view fn : {"sleep", "pg_sleep", "benchmark", "randomblob", "dbms_lock.sleep",
                              "dbms_pipe.receive_message"}) {
    for (std::size_t p = s.find(fn); p != std::string_view::npos; p = s.find(fn, p + 1)) {
      if (!word_at(p, fn)) continue;
      std::size_t q = p + fn.size();
      if (q < s.size() && s[q] == ' ') ++q;
      if (q >= s.size() || s[q] != '(') continue;
      // Preceded by SQL context: an operator, a separator, a quote or parenthesis.
      std::size_t b = p;
      while (b > 0 && s[b - 1] == ' ') --b;
      const bool after_word = b >= 3 && (s.compare(b - 3, 3, "and") == 0 || s.compare(b - 2, 2, "or") == 0 ||
                                         (b >= 6 && s.compare(b - 6, 6, "select") == 0));
      if (b == 0 || after_word || std::strchr(";(,'\"|&=", s[b - 1]) != nullptr) {
        if (why != nullptr) *why = "SQL time delay " + std::string(fn);
        return true;
      }
    }
  }
  for (std::size_t p = s.find("waitfor"); p != std::string_view::npos; p = s.find("waitfor", p + 1)) {
    if (word_at(p, "waitfor") && s.compare(p + 7, 7, " delay ") == 0) {
      if (why != nullptr) *why = "SQL time delay waitfor";
      return true;
    }
  }
  // A closed quote or parenthesis, a boolean operator, then a comparison. The ')' skipped after
  // one are not looked at again (they lead to the same place): a run of ')' stays linear.
  for (std::size_t i = 0, resume = 0; i < s.size(); i = std::max(i + 1, resume)) {
    if (s[i] != '\'' && s[i] != '"' && s[i] != ')') continue;
    std::size_t p = i + 1;
    while (p < s.size() && (s[p] == ' ' || s[p] == ')')) ++p;
    resume = p;
    std::size_t op = 0;
    for (std::string_view o : {"or", "and", "xor", "||", "&&"}) {
      if (s.compare(p, o.size(), o) == 0 && (o[0] == '|' || o[0] == '&' || word_at(p, o))) op = o.size();
    }
    if (op == 0) continue;
    p += op;
    while (p < s.size() && (s[p] == ' ' || s[p] == '(')) ++p;
    // An operand: a quoted string, a number or a word.
    const std::size_t a = p;
    if (p < s.size() && (s[p] == '\'' || s[p] == '"')) {
      const std::size_t close = s.find(s[p], p + 1);
      p = close == std::string_view::npos ? s.size() : close + 1;
    } else {
      while (p < s.size() && IsWordChar(static_cast<unsigned char>(s[p]))) ++p;
    }
    if (p == a) continue;
    const std::string_view lhs = s.substr(a, p - a);
    while (p < s.size() && s[p] == ' ') ++p;
    std::size_t cl = 0;
    for (std::string_view o : {"<=>", "!=", "<>", ">=", "<=", "=", "<", ">", "like", "regexp", "between", "in"}) {
      if (cl == 0 && s.compare(p, o.size(), o) == 0) cl = o.size();
    }
    if (cl == 0) continue;
    p += cl;
    while (p < s.size() && (s[p] == ' ' || s[p] == '(')) ++p;
    // The other side is a literal (quote, number, @variable) or the same operand again.
    const bool literal = p < s.size() && (s[p] == '\'' || s[p] == '"' || s[p] == '@' || (s[p] >= '0' && s[p] <= '9'));
    if (literal || (!lhs.empty() && s.compare(p, lhs.size(), lhs) == 0)) {
      if (why != nullptr) *why = "closed quote then a boolean comparison";
      return true;
    }
  }
  return false;
}

bool SqliIn(std::string_view v, std::string* why) {
  const rules::InjectionResult r = rules::DetectSqli(v);
  if (r.detected) {
    if (why != nullptr) *why = "SQL token shape " + r.fingerprint;
    return true;
  }
  return SqlShapes(v, why);
}

// The value as the application gets it, and decoded once more when it still holds escapes
// (double encoding, as CRS's t:urlDecodeUni on an argument does).
bool CheckSqli(const CheckInput& in, std::string* why) {
  constexpr uint32_t kSql = kChSpace | kChLineBreak | kChQuote | kChParen | kChSemicolon | kChHash |
                            kChStar | kChPipe | kChBackslash | kChPercent | kChDash | kChControl;
  if ((in.chars & kSql) == 0) return false;
  if (NoSqlChars(in.value)) return false;
  if (SqliIn(in.value, why)) return true;
  if (in.value.find('%') == std::string_view::npos || !http::NeedsDecode(in.value)) return false;
  thread_local std::string again;
  http::PercentDecode(in.value, again, false);
  return SqliIn(again, why);
}

// Whether v contains needle, ASCII case-insensitively.
bool ContainsNoCase(std::string_view v, std::string_view needle) {
  if (needle.size() > v.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= v.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && FoldLower(v[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool XssIn(std::string_view v, std::string* why) {
  // Markup needs an angle bracket or a quote; without them only an attribute given unquoted
  // (x onerror=...) or a script URL can carry script.
  if (v.find_first_of("<>\"'`") == std::string_view::npos &&
      !(v.find('=') != std::string_view::npos && ContainsNoCase(v, "on")) &&
      !(v.find(':') != std::string_view::npos &&
        (ContainsNoCase(v, "script:") || ContainsNoCase(v, "data:")))) {
    return false;
  }
  const rules::InjectionResult r = rules::DetectXss(v);
  if (r.detected && why != nullptr) *why = "script in markup: " + r.fingerprint;
  return r.detected;
}

bool CheckXss(const CheckInput& in, std::string* why) {
  if ((in.chars & (kChAngle | kChQuote | kChEquals | kChColon | kChPercent)) == 0) return false;
  if (XssIn(in.value, why)) return true;
  if (in.value.find('%') == std::string_view::npos || !http::NeedsDecode(in.value)) return false;
  thread_local std::string again;
  http::PercentDecode(in.value, again, false);
  return XssIn(again, why);
}

// ---- Command injection. ----

// Shell and Windows commands an injection runs to see whether it worked or to fetch a second
// stage. "Strong" words are not ordinary language: they count after any command separator.
// "Weak" ones are also English words (id, set, type, sleep): they count only when what follows
// looks like a command's argument or its end, so "; id card" is text and ";id;" is not.
constexpr std::string_view kStrongCommands[] = {
    "whoami", "uname", "ifconfig", "ipconfig", "netstat", "nslookup", "wget", "curl", "ncat",
    "netcat", "bash", "zsh", "ksh", "dash", "powershell", "pwsh", "cmd.exe", "certutil",
    "bitsadmin", "systeminfo", "tasklist", "busybox", "python", "python2", "python3", "perl",
    "php", "ruby", "base64", "chmod", "chown", "crontab", "printenv", "xxd", "nohup", "tftp",
    "telnet", "wmic", "mshta", "rundll32", "regsvr32", "cscript", "wscript", "useradd",
    "passwd", "getent", "hostname", "lsb_release", "sysctl", "iptables", "mkfifo", "socat",
    "uuencode", "gcc", "sudo"};
constexpr std::string_view kWeakCommands[] = {
    "id", "env", "cat", "ls", "dir", "pwd", "echo", "ping", "sleep", "set", "type", "kill",
    "find", "more", "head", "tail", "net", "rm", "cp", "mv", "sh", "nc", "ps", "who", "w",
    "uptime", "touch", "mkdir", "timeout", "wait", "ver", "exit", "eval", "exec", "dig", "host",
    "awk", "sed", "grep", "tee", "xargs", "sort", "less", "od"};

bool InList(std::string_view w, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

// After a weak command word: the end of the value, a separator, a redirect, or an argument
// that starts like an option, a path, a variable, a number or a quoted string.
bool ArgumentLike(std::string_view rest) {
  if (rest.empty()) return true;
  const char c = rest[0];
  if (std::strchr(";|&`)#<>\n\r", c) != nullptr) return true;
  if (c != ' ' && c != '\t' && c != '$') return false;
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
  if (rest.compare(i, 5, "${IFS") == 0 || rest.compare(0, 5, "${IFS") == 0) return true;
  if (i >= rest.size()) return true;
  const char a = rest[i];
  return a == '-' || a == '/' || a == '$' || a == '\'' || a == '"' || a == '\\' || a == '`' ||
         (a >= '0' && a <= '9') || std::strchr(";|&)#<>", a) != nullptr;
}

// header: in a user agent, "; " separates product comments ("(compatible; Nmap Scripting
// Engine)"): there a ';' counts only before a command given with its path or with an argument.
bool FindCommand(const CheckInput& in, std::string* why, bool header) {
  const std::string_view v = in.value;
  if (v.find_first_of(";|&`\n\r$") == std::string_view::npos) return false;
  for (std::size_t i = 0, resume = 0; i < v.size(); i = std::max(i + 1, resume)) {
    // A command separator or substitution: ; | || & && newline ` $( ${
    std::size_t start;
    if (v[i] == ';' || v[i] == '|' || v[i] == '&' || v[i] == '\n' || v[i] == '\r' || v[i] == '`') {
      start = i + 1;
      while (start < v.size() && (v[start] == '|' || v[start] == '&')) ++start;
      // The '|' and '&' skipped here lead to the same command: not looked at again (a run of
      // them stays linear), except after a header's ';', which is judged by a stricter rule.
      if (!(header && v[i] == ';')) resume = start;
    } else if (v[i] == '$' && i + 1 < v.size() && v[i + 1] == '(') {
      start = i + 2;
    } else {
      continue;
    }
    // Spaces, ${IFS} and quotes people use to split a command from its separator.
    while (start < v.size()) {
      if (v[start] == ' ' || v[start] == '\t' || v[start] == '\'' || v[start] == '"' ||
          v[start] == '(' || v[start] == '{') {
        ++start;
      } else if (v.compare(start, 6, "${IFS}") == 0) {
        start += 6;
      } else {
        break;
      }
    }
    std::size_t end = start;
    while (end < v.size() && (IsWordChar(static_cast<unsigned char>(v[end])) || v[end] == '/' || v[end] == '\\')) ++end;
    if (end == start) continue;
    std::string word(v.substr(start, end - start));
    for (char& c : word) c = FoldLower(c);
    // /bin/sh, /usr/bin/id, c:\windows\system32\cmd.exe: the command is the last part.
    const std::size_t slash = word.find_last_of("/\\");
    const bool with_path = slash != std::string::npos;
    if (with_path) word = word.substr(slash + 1);
    if (word.size() > 4 && word.compare(word.size() - 4, 4, ".exe") == 0 && word != "cmd.exe") {
      word.resize(word.size() - 4);
    }
    const bool strong = InList(word, kStrongCommands) || (with_path && InList(word, kWeakCommands));
    const bool known = strong || InList(word, kWeakCommands);
    if (header && v[i] == ';') {
      // "(Windows NT 6.0; id; rv:1.9)": a language code, not the id command. A command there
      // needs its path or an option-like argument after a space.
      const std::string_view rest = v.substr(end);
      const std::size_t a = rest.find_first_not_of(" \t");
      const bool arg = a != std::string_view::npos && a > 0 && std::strchr("-/$", rest[a]) != nullptr;
      if (!(known && (with_path || arg))) continue;
    }
    if (strong || (InList(word, kWeakCommands) && ArgumentLike(v.substr(end)))) {
      if (why != nullptr) *why = "command '" + word + "' after a shell separator";
      return true;
    }
  }
  return false;
}

// PHP code ending a string or statement and calling a function that runs or reveals code
// ("';exit(md5('x'));#", "\".system('id').\"", ";phpinfo();").
constexpr std::string_view kPhpFunctions[] = {
    "system", "exec", "passthru", "shell_exec", "popen", "proc_open", "pcntl_exec", "eval",
    "assert", "exit", "die", "phpinfo", "md5", "base64_decode", "file_get_contents",
    "file_put_contents", "fopen", "include", "require", "include_once", "require_once", "print_r",
    "var_dump", "call_user_func", "create_function", "preg_replace", "str_rot13", "gzinflate",
    "readfile", "highlight_file", "show_source", "phpversion", "getcwd", "scandir", "unlink"};

bool PhpCall(std::string_view v, std::string* why) {
  for (std::size_t i = 0, resume = 0; i < v.size(); i = std::max(i + 1, resume)) {
    const char c = v[i];
    if (c != ';' && c != '.' && c != '\'' && c != '"' && c != '{' && c != '}') continue;
    std::size_t p = i + 1;
    while (p < v.size() && (v[p] == ' ' || v[p] == '.' || v[p] == '@' || v[p] == '(')) ++p;
    resume = p;  // the '.' skipped lead to the same word: a run of dots stays linear
    std::size_t e = p;
    while (e < v.size() && (std::isalnum(static_cast<unsigned char>(v[e])) != 0 || v[e] == '_')) ++e;
    if (e == p) continue;
    std::string w(v.substr(p, e - p));
    for (char& x : w) x = FoldLower(x);
    while (e < v.size() && v[e] == ' ') ++e;
    if (e < v.size() && v[e] == '(' && InList(w, kPhpFunctions)) {
      // A call with an argument or a closing: not "Q&A (see below)".
      if (why != nullptr) *why = "PHP call " + w + "()";
      return true;
    }
  }
  return false;
}

bool CheckCommand(const CheckInput& in, std::string* why) {
  if ((in.chars & (kChSemicolon | kChPipe | kChAmp | kChQuote | kChLineBreak | kChDollar | kChDot)) == 0) return false;
  return FindCommand(in, why, false) ||
         (in.value.find('(') != std::string_view::npos && PhpCall(in.value, why));
}
bool CheckCommandHeader(const CheckInput& in, std::string* why) {
  if ((in.chars & (kChSemicolon | kChPipe | kChAmp | kChQuote | kChLineBreak | kChDollar)) == 0) return false;
  return FindCommand(in, why, true);
}

// ---- File inclusion: remote URLs and stream wrappers in a parameter. ----

// Parameters that name a file or page to include (where a URL is an RFI, whatever it ends in).
constexpr std::string_view kIncludeNames[] = {
    "file", "filename", "page", "include", "inc", "path", "template", "tpl", "document", "doc",
    "folder", "root", "dir", "lang", "language", "locale", "module", "mod", "view", "layout",
    "style", "theme", "conf", "config", "load", "read", "show", "cat", "content", "pg", "site",
    "skin", "action", "src"};
// Parameters that carry URLs on ordinary sites (redirects, callbacks).
constexpr std::string_view kUrlNames[] = {
    "url", "redirect", "redirect_uri", "redirect_url", "return", "returnurl", "return_url",
    "return_to", "returnto", "next", "continue", "callback", "ref", "referer", "referrer",
    "dest", "destination", "goto", "back", "to", "target", "link", "uri", "u", "r", "origin",
    "service", "success_url", "cancel_url", "image", "img", "feed", "source", "share"};

bool CheckRemoteInclude(const CheckInput& in, std::string* why) {
  if ((in.chars & kChColon) == 0) return false;
  std::string_view v = in.value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  const std::size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 8) return false;
  std::string scheme(v.substr(0, colon));
  for (char& c : scheme) c = FoldLower(c);
  // Stream wrappers that read or run what they name.
  if (scheme == "php" || scheme == "expect" || scheme == "phar" || scheme == "zip" ||
      scheme == "glob" || scheme == "data" || scheme == "file" || scheme == "jar" ||
      scheme == "dict" || scheme == "gopher") {
    if (scheme == "data" && v.find("base64,") == std::string_view::npos &&
        v.find("text/") == std::string_view::npos) {
      return false;
    }
    if (v.compare(colon, 3, "://") != 0 && scheme != "data") return false;
    if (why != nullptr) *why = "stream wrapper " + scheme + ":";
    return true;
  }
  if (scheme != "http" && scheme != "https" && scheme != "ftp" && scheme != "ftps") return false;
  if (v.compare(colon, 3, "://") != 0) return false;
  std::string name(in.name);
  for (char& c : name) c = FoldLower(c);
  const std::string_view rest = v.substr(colon + 3);
  const std::size_t host_end = rest.find_first_of("/?#");
  const std::string_view host = rest.substr(0, host_end);
  const std::string_view path = host_end == std::string_view::npos ? std::string_view() : rest.substr(host_end);
  // An address as the host (931100), a URL ending in '?' or a NUL (931120: the rest of the
  // include path is cut off), or a URL in a parameter that names what to include (931110).
  const bool ip_host = !host.empty() && host.find_first_not_of("0123456789.:[]") == std::string_view::npos &&
                       std::count(host.begin(), host.end(), '.') >= 3;
  const bool cut = !v.empty() && (v.back() == '?' || v.find('\0') != std::string_view::npos);
  const bool include_name = InList(name, kIncludeNames);
  // A script or text file fetched from elsewhere, in a parameter that is not a redirect.
  std::string lpath(path.substr(0, path.find_first_of("?#")));
  for (char& c : lpath) c = FoldLower(c);
  bool script = false;
  for (std::string_view ext : {".php", ".txt", ".asp", ".aspx", ".jsp", ".sh", ".pl", ".cgi", ".inc", ".py"}) {
    script = script || (lpath.size() > ext.size() && lpath.compare(lpath.size() - ext.size(), ext.size(), ext) == 0);
  }
  if (ip_host || cut || include_name || (script && !InList(name, kUrlNames))) {
    if (why != nullptr) {
      *why = std::string("remote URL in '") + name + "'" +
             (ip_host ? " (an address as host)" : cut ? " (ending in ?)" : include_name ? " (an include parameter)" : " (a script)");
    }
    return true;
  }
  return false;
}

// ---- Local files: absolute paths to system files, traversal in any encoding. ----

constexpr std::string_view kSystemPrefixes[] = {
    "/etc/", "/proc/", "/sys/", "/var/log/", "/var/run/", "/var/lib/", "/dev/", "/root/", "/boot/",
    "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/etc/", "/opt/", "/var/www/",
    "/home/", "/tmp/", "c:/windows/", "c:/winnt/", "c:/boot.ini", "c:/inetpub/", "c:/users/",
    "c:/documents and settings/", "c:/program files", "/windows/", "/winnt/", "file:/"};
constexpr std::string_view kSystemFiles[] = {
    "passwd", "shadow", "group", "hosts", "issue", "services", "fstab", "crontab", "sudoers",
    "my.cnf", "php.ini", "httpd.conf", "nginx.conf", "win.ini", "boot.ini", "system.ini",
    "web.config", "environ", "cmdline", "id_rsa", "authorized_keys", ".bash_history",
    ".htpasswd", "wp-config.php", "config.php", "settings.php", "database.yml"};

// The value with %-escapes decoded up to three times, %uXXXX and overlong UTF-8 dots and
// slashes folded, '\' as '/', lower-cased: how a vulnerable application may end up reading it.
void FoldPath(std::string_view in, std::string& out, std::string& tmp) {
  out.assign(in);
  for (int round = 0; round < 3 && out.find('%') != std::string::npos; ++round) {
    tmp.clear();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const char c = out[i];
      if (c == '%' && i + 5 < out.size() && (out[i + 1] == 'u' || out[i + 1] == 'U')) {
        // %u002e %u2215 %u2216 %uff0e ...
        std::string hex(out.substr(i + 2, 4));
        const unsigned long cp = std::strtoul(hex.c_str(), nullptr, 16);
        if (cp == 0x2e || cp == 0xff0e || cp == 0x2024) { tmp += '.'; i += 5; continue; }
        if (cp == 0x2f || cp == 0x2215 || cp == 0xff0f) { tmp += '/'; i += 5; continue; }
        if (cp == 0x5c || cp == 0x2216 || cp == 0xff3c) { tmp += '\\'; i += 5; continue; }
      }
      tmp += c;
    }
    http::PercentDecode(tmp, out, false);
  }
  tmp.clear();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    // Overlong encodings of '.' and '/' (C0 AE, C0 AF, E0 80 AE, ...).
    if ((c == 0xc0 || c == 0xc1) && i + 1 < out.size()) {
      const auto n = static_cast<unsigned char>(out[i + 1]);
      if (n == 0xae || n == 0x2e) { tmp += '.'; ++i; continue; }
      if (n == 0xaf || n == 0x2f || n == 0x9c) { tmp += '/'; ++i; continue; }
    }
    if (c == 0xe0 && i + 2 < out.size() && static_cast<unsigned char>(out[i + 1]) == 0x80) {
      const auto n = static_cast<unsigned char>(out[i + 2]);
      if (n == 0xae) { tmp += '.'; i += 2; continue; }
      if (n == 0xaf) { tmp += '/'; i += 2; continue; }
    }
    tmp += c == '\\' ? '/' : static_cast<char>(FoldLower(static_cast<char>(c)));
  }
  out.swap(tmp);
}

bool CheckLocalFile(const CheckInput& in, std::string* why) {
  // Cheap exits: no slash, backslash, dot pair, escape or overlong byte: no path. The request's
  // own path is looked at for traversal only (/etc/passwd there names a file under the site's
  // root; the sensitive-file detectors judge that).
  const std::string_view raw = in.value;
  const bool own_path = in.name == "path";
  if ((in.chars & (kChDot | kChSlash | kChBackslash | kChPercent | kChHighByte)) == 0) return false;
  if (own_path ? raw.find("..") == std::string_view::npos && raw.find_first_of("%\\\xc0\xc1\xe0") == std::string_view::npos
               : raw.find_first_of("/\\%\xc0\xc1\xe0") == std::string_view::npos && raw.find("..") == std::string_view::npos) {
    return false;
  }
  thread_local std::string folded, tmp;
  FoldPath(in.value, folded, tmp);
  std::string_view v = folded;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  // Traversal: "../" (and "..;/" for Tomcat, "...//" filter bypasses) going up at least once.
  for (std::string_view t : {"../", "..;/", "....//"}) {
    const std::size_t p = v.find(t);
    if (p != std::string_view::npos && (p == 0 || v[p - 1] == '/' || v[p - 1] == '=' || v[p - 1] == '.')) {
      if (why != nullptr) *why = "path traversal";
      return true;
    }
  }
  if (v.size() >= 3 && v.compare(v.size() - 3, 3, "/..") == 0) {
    if (why != nullptr) *why = "path traversal";
    return true;
  }
  if (own_path) return false;
  // An absolute path into the system (not the site), or a well-known system file.
  for (std::string_view p : kSystemPrefixes) {
    if (v.size() > p.size() && v.compare(0, p.size(), p) == 0) {
      if (why != nullptr) *why = "system path " + std::string(p);
      return true;
    }
  }
  if (!v.empty() && (v[0] == '/' || (v.size() > 2 && v[1] == ':' && v[2] == '/'))) {
    const std::size_t slash = v.find_last_of('/');
    const std::string_view base = v.substr(slash + 1);
    if (InList(base, kSystemFiles) && slash > 0) {
      if (why != nullptr) *why = "system file " + std::string(base);
      return true;
    }
  }
  return false;
}

// ---- CRLF (HTTP response splitting, header injection). ----

bool CheckCrlf(const CheckInput& in, std::string* why) {
  // A line break, or an escape that decodes to one (%0d, %0a, %250d, ...).
  if ((in.chars & (kChLineBreak | kChPercent)) == 0) return false;
  const std::string_view v = in.value;
  bool maybe = v.find_first_of("\r\n") != std::string_view::npos;
  for (std::size_t p = v.find('%'); !maybe && p != std::string_view::npos; p = v.find('%', p + 1)) {
    std::size_t q = p + 1;
    if (v.compare(q, 2, "25") == 0) q += 2;
    maybe = q + 1 < v.size() && v[q] == '0' && (FoldLower(v[q + 1]) == 'a' || FoldLower(v[q + 1]) == 'd');
  }
  if (!maybe) return false;
  thread_local std::string dec, tmp;
  DecodeTwice(in.value, dec, tmp, false);
  for (std::size_t i = 0; i < dec.size(); ++i) {
    if (dec[i] != '\r' && dec[i] != '\n') continue;
    std::size_t j = i;
    while (j < dec.size() && (dec[j] == '\r' || dec[j] == '\n' || dec[j] == ' ' || dec[j] == '\t')) ++j;
    // A header after the line break: "Name:" with a header-like name.
    std::size_t k = j;
    while (k < dec.size() && (std::isalnum(static_cast<unsigned char>(dec[k])) != 0 || dec[k] == '-')) ++k;
    if (k > j && k < dec.size() && dec[k] == ':' && k - j <= 40) {
      if (why != nullptr) *why = "line break then header " + dec.substr(j, k - j);
      return true;
    }
    i = j;
  }
  return false;
}

// One row per place, so a finding says where it was (a header hit is not a hit on the target).
constexpr CheckSpec kChecks[] = {
    {"sqli-syntax", AttackClass::kSqli, kOnArgs,
     "a query value is SQL by its token structure", "クエリの値がトークン構造上 SQL", CheckSqli},
    {"sqli-header", AttackClass::kSqli, kOnHeaders,
     "the user agent or referer is SQL by its token structure",
     "ユーザーエージェントまたはリファラがトークン構造上 SQL", CheckSqli},
    {"xss-syntax", AttackClass::kXss, kOnArgs, "a query value is markup with script",
     "クエリの値がスクリプトを含むマークアップ", CheckXss},
    {"xss-header", AttackClass::kXss, kOnHeaders, "the user agent or referer is markup with script",
     "ユーザーエージェントまたはリファラがスクリプトを含むマークアップ", CheckXss},
    {"cmd-injection", AttackClass::kRce, kOnArgs,
     "a shell or Windows command after a command separator in a query value",
     "クエリの値にコマンド区切りに続くシェル・Windows コマンド", CheckCommand},
    {"cmd-header", AttackClass::kRce, kOnHeaders,
     "a shell or Windows command after a command separator in the user agent or referer",
     "ユーザーエージェントまたはリファラにコマンド区切りに続くシェル・Windows コマンド", CheckCommandHeader},
    {"file-inclusion", AttackClass::kLfi, kOnArgs,
     "a remote URL or a stream wrapper where a file is included",
     "ファイルを読み込む箇所のリモート URL・ストリームラッパー", CheckRemoteInclude},
    {"local-file", AttackClass::kLfi, kOnArgs | kOnPath,
     "path traversal (in any encoding) or a path to a system file",
     "パストラバーサル（エンコード問わず）またはシステムファイルへのパス", CheckLocalFile},
    {"crlf-injection", AttackClass::kCrlf, kOnArgs | kOnPath,
     "a line break followed by a header (response splitting, header injection)",
     "改行に続くヘッダ（レスポンス分割・ヘッダインジェクション）", CheckCrlf},
};

}  // namespace

uint32_t CharClasses(std::string_view v) {
  static constexpr auto kTable = [] {
    std::array<uint32_t, 256> t{};
    auto set = [&t](std::string_view chars, uint32_t bit) {
      for (unsigned char c : chars) t[c] |= bit;
    };
    set(" \t", kChSpace);
    set("\r\n\v\f", kChLineBreak);
    set("'\"`", kChQuote);
    set("()", kChParen);
    set("<>", kChAngle);
    set(";", kChSemicolon);
    set("|", kChPipe);
    set("&", kChAmp);
    set("$", kChDollar);
    set("#", kChHash);
    set("*", kChStar);
    set("%", kChPercent);
    set("/", kChSlash);
    set("\\", kChBackslash);
    set(":", kChColon);
    set("=", kChEquals);
    set(".", kChDot);
    set("-", kChDash);
    for (int c = 0x80; c < 0x100; ++c) t[static_cast<std::size_t>(c)] |= kChHighByte;
    for (int c = 0; c < 0x20; ++c) {
      if (t[static_cast<std::size_t>(c)] == 0) t[static_cast<std::size_t>(c)] = kChControl;
    }
    t[0x7f] = kChControl;
    return t;
  }();
  uint32_t m = 0;
  for (unsigned char c : v) m |= kTable[c];
  return m;
}

std::span<const CheckSpec> Checks() { return kChecks; }

}  // namespace keikai::detect
