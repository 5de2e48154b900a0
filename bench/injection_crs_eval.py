#!/usr/bin/env python3
"""Measures keikai's DetectSqli / DetectXss against the OWASP CRS go-ftw regression tests.

What it does:
  1. Reads the CRS regression YAML (v4.28.0 and v3.3.4 under /work/shared/data/crs) and, for
     every test stage, extracts the values the rules would look at: ARGS and ARGS_NAMES (query
     string and url-encoded / JSON / XML bodies), cookies and cookie names, User-Agent, Referer.
  2. Builds a tiny standalone C++ driver (src/rules/{sqli,xss,transform}.cc) that applies the
     rule's transformation chain to each value and runs the detector.
  3. Reports, per operator and CRS version:
       - tests of 942100/941100 that expect the id: how many are detected,
       - tests that list the id in no_expect_ids: how many stay clean,
       - (informational) the other rules' attack payloads in 942*/941* that the detector flags,
       - false positives on benign text: values of CRS tests that expect no alert at all,
         man page lines, /usr/share/dict words (if present), and a built-in list of tricky
         ordinary strings.

Usage: python3 bench/injection_crs_eval.py [--crs /work/shared/data/crs] [--show-misses]
       [--show-fp N] [--man-lines N]
Needs python3-yaml and g++.
"""

import argparse
import glob
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SQLI_T = ["utf8toUnicode", "urlDecodeUni", "removeNulls"]
XSS_T = ["utf8toUnicode", "urlDecodeUni", "htmlEntityDecode", "jsDecode", "cssDecode",
         "removeNulls"]

# Targets of the rules as written in the CRS versions measured (XML covers text and attributes).
TARGETS = {
    "942100": {"COOKIE", "COOKIE_NAME", "UA", "REFERER", "ARG_NAME", "ARG", "XML"},
    "941100": {"COOKIE", "COOKIE_NAME", "UA", "ARG_NAME", "ARG", "XML"},
}

DRIVER = r'''
#include <cstdio>
#include <iostream>
#include <string>
#include "keikai/rules/injection.h"
#include "keikai/rules/transform.h"
using namespace keikai::rules;
static std::string Unhex(const std::string& h) {
  std::string o;
  for (size_t i = 0; i + 1 < h.size(); i += 2) o.push_back((char)std::stoi(h.substr(i, 2), 0, 16));
  return o;
}
int main() {
  // Each line: "<op> <hex>"; op is S (sqli) or X (xss). Output: "<0|1> <fingerprint>".
  std::string line;
  const char* st[] = {"utf8toUnicode", "urlDecodeUni", "removeNulls"};
  const char* xt[] = {"utf8toUnicode", "urlDecodeUni", "htmlEntityDecode", "jsDecode",
                      "cssDecode", "removeNulls"};
  while (std::getline(std::cin, line)) {
    if (line.size() < 2) { std::cout << "0 -\n"; continue; }
    std::string v = Unhex(line.substr(2));
    bool sq = line[0] == 'S';
    if (line[0] == 'S' || line[0] == 'X') {
      const char** names = sq ? st : xt;
      int n = sq ? 3 : 6;
      for (int i = 0; i < n; ++i) {
        std::string out;
        FindTransformation(names[i])->fn(v, out);
        v.swap(out);
      }
    } else {
      sq = line[0] == 's';  // lower case: raw value, no transformations
    }
    InjectionResult r = sq ? DetectSqli(v) : DetectXss(v);
    std::cout << (r.detected ? 1 : 0) << ' ' << (r.fingerprint.empty() ? "-" : r.fingerprint)
              << '\n';
  }
}
'''


def build_driver():
    tmp = tempfile.mkdtemp(prefix="inj_eval_")
    src = os.path.join(tmp, "driver.cc")
    exe = os.path.join(tmp, "driver")
    with open(src, "w") as f:
        f.write(DRIVER)
    cmd = ["nice", "g++", "-std=c++20", "-O2", "-I" + os.path.join(ROOT, "include"), src,
           os.path.join(ROOT, "src/rules/sqli.cc"), os.path.join(ROOT, "src/rules/xss.cc"),
           os.path.join(ROOT, "src/rules/transform.cc"), "-o", exe]
    subprocess.run(cmd, check=True)
    return exe


def run_driver(exe, items):
    """items: list of (op, str). Returns list of (bool, fingerprint)."""
    if not items:
        return []
    data = "".join(op + " " + v.encode("utf-8", "surrogateescape").hex() + "\n"
                   for op, v in items)
    out = subprocess.run([exe], input=data.encode(), stdout=subprocess.PIPE, check=True).stdout
    res = []
    for line in out.decode("utf-8", "replace").splitlines():
        flag, _, fp = line.partition(" ")
        res.append((flag == "1", fp))
    assert len(res) == len(items)
    return res


def unq(s):
    # Undecodable bytes survive as surrogates and are restored when the value is sent.
    return urllib.parse.unquote_plus(s, encoding="utf-8", errors="surrogateescape")


def split_form(s):
    out = []
    for part in s.split("&"):
        if part == "":
            continue
        name, eq, value = part.partition("=")
        out.append(("ARG_NAME", unq(name)))
        if eq:
            out.append(("ARG", unq(value)))
    return out


def flatten_json(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(("ARG_NAME", str(k)))
            flatten_json(v, out)
    elif isinstance(obj, list):
        for v in obj:
            flatten_json(v, out)
    elif obj is not None:
        out.append(("ARG", str(obj)))


def xml_values(body):
    out = []
    for m in re.finditer(r'\s[\w:.-]+\s*=\s*("([^"]*)"|\'([^\']*)\')', body):
        out.append(("XML", m.group(2) if m.group(2) is not None else m.group(3)))
    for m in re.finditer(r">([^<]+)<", body):
        out.append(("XML", m.group(1)))
    # XML text is entity-decoded by the parser.
    return [(k, v.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
             .replace("&apos;", "'").replace("&amp;", "&")) for k, v in out]


def stage_values(inp):
    """The (kind, value) pairs one request stage exposes to 942100/941100."""
    out = []
    headers = {str(k).lower(): str(v) for k, v in (inp.get("headers") or {}).items()}
    uri = str(inp.get("uri") or "/")
    if "?" in uri:
        out += split_form(uri.split("?", 1)[1])
    data = inp.get("data")
    if isinstance(data, list):
        data = "\r\n".join(str(x) for x in data)
    if data is not None:
        data = str(data)
        ctype = headers.get("content-type", "application/x-www-form-urlencoded").lower()
        if "json" in ctype:
            try:
                flatten_json(json.loads(data), out)
            except ValueError:
                pass
        elif "xml" in ctype:
            out += xml_values(data)
        elif "multipart" in ctype:
            # Simplified: the parts' bodies and their names.
            for m in re.finditer(r'name="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n(.*?)\r?\n--',
                                 data, re.S):
                out.append(("ARG_NAME", m.group(1)))
                out.append(("ARG", m.group(2)))
        else:
            out += split_form(data)
    if "cookie" in headers:
        for c in headers["cookie"].split(";"):
            name, eq, value = c.strip().partition("=")
            if name.startswith("__utm"):
                continue
            out.append(("COOKIE_NAME", name))
            if eq:
                out.append(("COOKIE", value))
    if "user-agent" in headers:
        out.append(("UA", headers["user-agent"]))
    if "referer" in headers:
        out.append(("REFERER", headers["referer"]))
    return out


def load_tests(crs, version):
    """Yields (rule_file_id, test_name, stage_input, expect_ids, no_expect_ids)."""
    base = os.path.join(crs, version, "tests/regression/tests")
    for path in sorted(glob.glob(base + "/*/*.yaml")):
        try:
            doc = yaml.safe_load(open(path, encoding="utf-8", errors="replace"))
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict):
            continue
        rule = str(doc.get("rule_id") or os.path.basename(path).split(".")[0])
        for t in doc.get("tests") or []:
            name = str(t.get("test_id") or t.get("test_title"))
            for st in t.get("stages") or []:
                st = st.get("stage", st)
                inp = st.get("input") or {}
                outp = st.get("output") or {}
                log = outp.get("log") or {}
                exp = {str(x) for x in (log.get("expect_ids") or [])}
                noexp = {str(x) for x in (log.get("no_expect_ids") or [])}
                for key, dest in (("log_contains", exp), ("no_log_contains", noexp)):
                    v = outp.get(key)
                    if v:
                        dest.update(re.findall(r'id "(\d+)"', str(v)))
                yield rule, name, inp, exp, noexp


BENIGN_EXTRA = [
    "O'Reilly", "Tim O'Brien", "d'Artagnan", "rock 'n' roll", "It's 5 o'clock", "don't stop",
    "select a plan", "Select your country", "union station", "Union Square, New York",
    "drop me a line", "update: we moved; select a new date", "1 or 2", "2 or 3 apples",
    "5 and 6", "x<5", "a < b and c > d", "3 > 2", "1-800-555-0199", "2024-01-15",
    "2024-01-15T10:20:30Z", "john.doe+tag@example.com", "https://example.com/a?b=c&d=e#frag",
    '{"user":"bob","age":42,"tags":["a","b"]}', "C# and F# developers", "issue #42 -- fixed",
    "東京都渋谷区", "お問い合わせはこちら", "Prix: 10€ -- soldes", "first-name last-name",
    "SELECT * FROM your favorite options", "sleep well tonight", "benchmark results (2023)",
    "Tom's and Jerry's", "Mary's book", "what's up?", "I'm here; you're there",
    "version 1.2.3", "foo(bar)", "price > 100 and < 200", "10% off", "A&B Co.",
    "Mr. O'Neil's order #123", "a=b", "key: value", "we're #1", "she said \"hi\"",
    "He said 'or else'", "cats or dogs", "true or false", "yes or no", "1/2 cup",
    "Delete account", "insert coin", "Create new folder", "exec summary",
    "please, drop the table to the floor", "javascript tutorial", "<3 you", "1 < 2 > 0",
    "x => x * 2", "if (a) { b(); }", "email me at a@b.co", "user@localhost:8080",
    "<b>bold</b>", "<p>paragraph</p>", "<i>x</i> and <em>y</em>", "<br/>", "scripted",
    "onerror handling", "mailto:foo@bar.com", "data: 12345", "style: modern",
]


def benign_sets(args, tests):
    sets = {}
    vals = []
    for version, rule, name, inp, exp, noexp in tests:
        if exp:
            continue
        for kind, v in stage_values(inp):
            if v and kind in ("ARG", "ARG_NAME", "COOKIE", "XML"):
                vals.append(v)
    sets["crs-no-alert-values"] = sorted(set(vals))
    words = []
    for d in glob.glob("/usr/share/dict/*"):
        if os.path.isfile(d):
            try:
                words += open(d, encoding="utf-8", errors="replace").read().split("\n")
            except OSError:
                pass
    if words:
        sets["dict-words"] = sorted({w for w in words if w})
    lines = []
    sql_lines = []
    pages = sorted(glob.glob("/usr/share/man/man1/*.gz")) + sorted(
        glob.glob("/usr/share/man/man[5-8]/*.gz"))
    rnd = random.Random(1)
    rnd.shuffle(pages)
    for p in pages:
        try:
            text = gzip.open(p).read().decode("utf-8", "replace")
        except (OSError, EOFError):
            continue
        for ln in text.split("\n"):
            if ln.startswith(".") or ln.startswith("'\\\"") or len(ln) < 8:
                continue
            # Strip roff font escapes so the lines read like prose.
            ln = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\-", lambda m: "-" if m.group() == "\\-" else "",
                        ln)
            # SQL reference pages (PostgreSQL's "ALTER_TABLE.7" and co) are real SQL statements:
            # measured apart, since flagging them is the operator doing its job.
            if os.path.basename(p).split(".")[0].isupper():
                sql_lines.append(ln)
            else:
                lines.append(ln)
        if len(lines) >= args.man_lines:
            break
    sets["man-lines"] = lines[: args.man_lines]
    sets["man-sql-reference-lines"] = sql_lines
    sets["tricky-builtin"] = BENIGN_EXTRA
    return sets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crs", default="/work/shared/data/crs")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--show-fp", type=int, default=0)
    ap.add_argument("--show-info-misses", action="store_true")
    ap.add_argument("--man-lines", type=int, default=20000)
    args = ap.parse_args()

    exe = build_driver()
    tests = []
    for version in ("v4.28.0", "v3.3.4"):
        for rule, name, inp, exp, noexp in load_tests(args.crs, version):
            tests.append((version, rule, name, inp, exp, noexp))

    # 1. The operator's own rule tests.
    for rid, op in (("942100", "S"), ("941100", "X")):
        for version in ("v4.28.0", "v3.3.4"):
            stats = {"expect": [0, 0], "no_expect": [0, 0]}
            misses = []
            for v, rule, name, inp, exp, noexp in tests:
                if v != version or (rid not in exp and rid not in noexp):
                    continue
                vals = [x for k, x in stage_values(inp) if k in TARGETS[rid] and x]
                res = run_driver(exe, [(op, x) for x in vals])
                hit = [(x, fp) for x, (d, fp) in zip(vals, res) if d]
                if rid in exp:
                    stats["expect"][1] += 1
                    stats["expect"][0] += bool(hit)
                    if not hit:
                        misses.append(("MISS", rule, name, vals))
                else:
                    stats["no_expect"][1] += 1
                    stats["no_expect"][0] += not hit
                    if hit:
                        misses.append(("FALSE", rule, name, hit))
            print("%s %s: expect_ids detected %d/%d, no_expect_ids clean %d/%d" % (
                rid, version, stats["expect"][0], stats["expect"][1], stats["no_expect"][0],
                stats["no_expect"][1]))
            if args.show_misses:
                for m in misses:
                    print("   ", m)

    # 2. Informational: other attack tests of the same family.
    for prefix, op in (("942", "S"), ("941", "X")):
        for version in ("v4.28.0", "v3.3.4"):
            tot = det = 0
            for v, rule, name, inp, exp, noexp in tests:
                if v != version or not rule.startswith(prefix) or rule in ("942100", "941100"):
                    continue
                if not any(e.startswith(prefix) for e in exp):
                    continue
                vals = [x for k, x in stage_values(inp) if x]
                res = run_driver(exe, [(op, x) for x in vals])
                tot += 1
                det += any(d for d, _ in res)
                if args.show_info_misses and not any(d for d, _ in res):
                    print("    miss", rule, name, [x[:120] for x in vals if x][:3])
            print("info: other %s* attack tests %s flagged by %s: %d/%d" % (
                prefix, version, "DetectSqli" if op == "S" else "DetectXss", det, tot))

    # 3. False positives on benign text (raw values, and with the rule's transformations).
    for set_name, vals in benign_sets(args, tests).items():
        for op, label in (("S", "DetectSqli"), ("X", "DetectXss")):
            res = run_driver(exe, [(op, x) for x in vals])
            fps = [(x, fp) for x, (d, fp) in zip(vals, res) if d]
            print("benign %-20s n=%-6d %s false positives: %d (%.3f%%)" % (
                set_name, len(vals), label, len(fps), 100.0 * len(fps) / max(1, len(vals))))
            for x, fp in fps[: args.show_fp]:
                print("    %-12s %r" % (fp, x[:160]))


if __name__ == "__main__":
    sys.exit(main())
