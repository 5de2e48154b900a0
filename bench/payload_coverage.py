#!/usr/bin/env python3
"""Coverage of keikai's detection on public payload lists from Debian packages (outside data).

Each payload becomes the value of a query argument of one GET request in a combined-format log
(percent-encoded as a client sends it), from its own address with a browser user agent, so that
only a rule on the request itself can catch it (no tool user agent, no behaviour). The log is
scanned twice: the default detectors, and with --crs (OWASP CRS 4.28 at paranoia level 1 when
the CRS tree is given). Prints, per list, how many payloads each catches.

The lists (Debian packages wfuzz and wapiti; their own data, read where installed, never copied):
  wfuzz   /usr/share/wfuzz/wordlist/Injections/{SQL,XSS,Traversal}.txt, vulns/sql_inj.txt,
          vulns/dirTraversal-nix.txt
  wapiti  wapitiCore/data/attacks/{blindSQLPayloads,execPayloads}.txt,
          {xssPayloads,fileHandlingPayloads}.ini
None of these was looked at while the checks were first written. After the first measurement,
each list was split before any payload was read: even positions (0, 2, ...) are the tune half,
the only one whose misses were looked at; odd positions are the holdout half, reported apart.

Usage: bench/payload_coverage.py KEIKAI [CRS_DIR] [--show-tune-misses]
"""
import configparser
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

WFUZZ = "/usr/share/wfuzz/wordlist"
WAPITI = "/usr/lib/python3/dist-packages/wapitiCore/data/attacks"


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def ini_payloads(path):
    out = []
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read(path, encoding="utf-8")
    for sec in cp.sections():
        if cp.has_option(sec, "payload"):
            out.append(cp.get(sec, "payload"))
    return out


def wapiti_fill(p):
    # wapiti's placeholders: [VALUE], [EXTERNAL_ENDPOINT], [TIME], [FILE_NAME], [LF]...
    for k, v in (("[VALUE]", "1"), ("[EXTERNAL_ENDPOINT]", "http://203.0.113.9/"), ("[TIME]", "5"),
                 ("[FILE_NAME]", "index.php"), ("[PATH_SEPARATOR]", "/"), ("[LF]", "\n"),
                 ("[TAB]", "\t"), ("[CR]", "\r"), ("[SPACE]", " "), ("[ALERT]", "1")):
        p = p.replace(k, v)
    return p


def lists():
    out = {}
    def add(name, loader, path):
        if os.path.exists(path):
            out[name] = [p for p in loader(path) if p.strip()]
    add("wfuzz SQL.txt", lines, f"{WFUZZ}/Injections/SQL.txt")
    add("wfuzz sql_inj.txt", lines, f"{WFUZZ}/vulns/sql_inj.txt")
    add("wfuzz XSS.txt", lines, f"{WFUZZ}/Injections/XSS.txt")
    add("wfuzz Traversal.txt", lines, f"{WFUZZ}/Injections/Traversal.txt")
    add("wfuzz dirTraversal-nix.txt", lines, f"{WFUZZ}/vulns/dirTraversal-nix.txt")
    add("wapiti blindSQLPayloads", lambda p: [wapiti_fill(x) for x in lines(p)], f"{WAPITI}/blindSQLPayloads.txt")
    add("wapiti execPayloads", lambda p: [wapiti_fill(x) for x in lines(p)], f"{WAPITI}/execPayloads.txt")
    add("wapiti xssPayloads", lambda p: [wapiti_fill(x) for x in ini_payloads(p)], f"{WAPITI}/xssPayloads.ini")
    add("wapiti fileHandling", lambda p: [wapiti_fill(x) for x in ini_payloads(p)], f"{WAPITI}/fileHandlingPayloads.ini")
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--show-tune-misses" in sys.argv
    keikai = args[0]
    crs = args[1] if len(args) > 1 else ""
    payloads = lists()
    if not payloads:
        sys.exit("no payload lists found: apt-get install wfuzz wapiti")
    work = tempfile.mkdtemp()
    log = os.path.join(work, "p.log")
    owner = []  # line number -> list name
    with open(log, "w", encoding="utf-8") as f:
        n = 0
        for name, ps in payloads.items():
            for p in ps:
                n += 1
                q = urllib.parse.quote(p, safe="")
                ip = "198.18.%d.%d" % (n // 250 % 250, n % 250 + 1)
                t = "01/Mar/2022:%02d:%02d:%02d +0900" % (n // 3600 % 24, n // 60 % 60, n % 60)
                f.write('%s - - [%s] "GET /item.php?id=%s HTTP/1.1" 200 512 "-" '
                        '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"\n' % (ip, t, q))
                owner.append((name, len([o for o in owner if o[0] == name]) % 2 == 0, p))
    def caught(extra):
        out = subprocess.run([keikai, "--lang", "en", "scan", "--no-progress", "--no-behavior", "--db", ":memory:",
                              "--site", "p", "--format", "ndjson"] + extra + [log],
                             capture_output=True, text=True, check=False)
        got = set()
        for l in out.stdout.splitlines():
            j = json.loads(l)
            if any(not d.startswith("ua-") for d in j["detectors"]):
                got.add(j["line"])
        return got
    default = caught([])
    withcrs = caught(["--crs", crs]) if crs else None
    for half, tune in (("tune half", True), ("holdout half", False)):
        print("%s:" % half)
        print("  %-30s %6s  %-16s %s" % ("list", "n", "default", "--crs" if crs else ""))
        tot = [0, 0, 0]
        for name in payloads:
            idx = [i + 1 for i, o in enumerate(owner) if o[0] == name and o[1] == tune]
            if not idx:
                continue
            d = sum(1 for i in idx if i in default)
            tot[0] += len(idx); tot[1] += d
            line = "  %-30s %6d  %5d %6.1f%%" % (name, len(idx), d, 100.0 * d / len(idx))
            if withcrs is not None:
                c = sum(1 for i in idx if i in withcrs)
                tot[2] += c
                line += "   %5d %6.1f%%" % (c, 100.0 * c / len(idx))
            print(line)
            if show and tune:
                for i in idx:
                    if i not in default:
                        print("      missed: %r%s" % (owner[i - 1][2], "  (crs catches)" if withcrs and i in withcrs else ""))
        line = "  %-30s %6d  %5d %6.1f%%" % ("all", tot[0], tot[1], 100.0 * tot[1] / tot[0])
        if withcrs is not None:
            line += "   %5d %6.1f%%" % (tot[2], 100.0 * tot[2] / tot[0])
        print(line)

if __name__ == "__main__":
    main()
