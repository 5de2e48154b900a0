#!/usr/bin/env python3
"""Compares keikai's @detectSQLi / @detectXSS with libmodsecurity's on one corpus.

Two ways to get the verdicts:
  compare: read the verdict files written by `keikai waf-eval` and bench/modsec_driver (one line
           per corpus line, {"i":N,"ids":[...]}); a value is flagged when the rule's id is in ids.
           This is what bench/injection_diff.sh runs, and where the reported numbers come from.
  direct:  for quick iteration only: a small C++ driver calls keikai::rules::DetectSqli/DetectXss
           (src/rules/{sqli,xss}.cc) and, for the peer, the libinjection functions that
           libmodsecurity.so exports (libinjection_sqli/libinjection_xss, the same code its
           @detectSQLi/@detectXSS call), on the raw values.

Prints, per operator and split: agreement %, counts (both, modsec-only, keikai-only, neither),
and per family the modsec-only misses and keikai-only extras, with examples.

Usage:
  injection_diff.py compare --corpus C.jsonl --modsec-sqli M1 --modsec-xss M2 \
                            --keikai-sqli K1 --keikai-xss K2 [--examples N] [--split tune]
  injection_diff.py direct --corpus C.jsonl [--examples N] [--split tune] [--show-fp]
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPS = (("sqli", 1, "@detectSQLi"), ("xss", 2, "@detectXSS"))

DIRECT_DRIVER = r'''
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <string>
#include "keikai/rules/injection.h"
extern "C" int libinjection_sqli(const char* s, std::size_t len, char fingerprint[]);
extern "C" int libinjection_xss(const char* s, std::size_t len);
static std::string Unhex(const std::string& h) {
  std::string o;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) o.push_back((char)std::stoi(h.substr(i, 2), 0, 16));
  return o;
}
int main() {
  // Each input line: hex of the value. Output: "<k_sqli> <m_sqli> <k_xss> <m_xss> <kfp> <mfp>".
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::string v = Unhex(line);
    char fp[8] = {0};
    const int ms = libinjection_sqli(v.data(), v.size(), fp);
    const int mx = libinjection_xss(v.data(), v.size());
    const auto ks = keikai::rules::DetectSqli(v);
    const auto kx = keikai::rules::DetectXss(v);
    std::cout << (ks.detected ? 1 : 0) << ' ' << (ms ? 1 : 0) << ' ' << (kx.detected ? 1 : 0)
              << ' ' << (mx ? 1 : 0) << ' ' << (ks.fingerprint.empty() ? "-" : ks.fingerprint)
              << ' ' << (fp[0] ? fp : "-") << '\n';
  }
}
'''


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_verdicts(path, rule_id, n):
    out = [False] * n
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            j = json.loads(line)
            out[j["i"]] = rule_id in j.get("ids", [])
    return out


def build_direct():
    tmp = tempfile.mkdtemp(prefix="inj_diff_")
    src = os.path.join(tmp, "d.cc")
    exe = os.path.join(tmp, "d")
    with open(src, "w") as f:
        f.write(DIRECT_DRIVER)
    cmd = ["nice", "-n", "10", "g++", "-std=c++20", "-O1", "-I" + os.path.join(ROOT, "include"),
           src, os.path.join(ROOT, "src/rules/sqli.cc"), os.path.join(ROOT, "src/rules/xss.cc"),
           "-o", exe, "-lmodsecurity"]
    subprocess.run(cmd, check=True)
    return exe


def run_direct(corpus):
    exe = build_direct()
    data = "".join(r["value"].encode("utf-8", "surrogateescape").hex() + "\n" for r in corpus)
    out = subprocess.run([exe], input=data.encode(), stdout=subprocess.PIPE, check=True).stdout
    res = {"sqli": ([], []), "xss": ([], [])}
    fps = []
    for line in out.decode("utf-8", "replace").splitlines():
        ks, ms, kx, mx, kfp, mfp = line.split(" ")
        res["sqli"][0].append(ms == "1")
        res["sqli"][1].append(ks == "1")
        res["xss"][0].append(mx == "1")
        res["xss"][1].append(kx == "1")
        fps.append((kfp, mfp))
    assert len(fps) == len(corpus)
    return res, fps


def report(corpus, res, fps, examples, only_split, show_agree_families=False):
    splits = ["tune", "holdout"] if not only_split else [only_split]
    ok = True
    for op, _rid, name in OPS:
        m, k = res[op]
        for split in splits:
            idx = [i for i, r in enumerate(corpus) if r["split"] == split]
            c = collections.Counter((m[i], k[i]) for i in idx)
            both, monly, konly, neither = c[(True, True)], c[(True, False)], c[(False, True)], \
                c[(False, False)]
            agree = 100.0 * (both + neither) / max(1, len(idx))
            print("%s %-7s n=%d agreement %.2f%%  both %d  modsec-only %d  keikai-only %d  "
                  "neither %d" % (name, split, len(idx), agree, both, monly, konly, neither))
            for kind in ("sqli", "xss", "benign"):
                kidx = [i for i in idx if corpus[i]["kind"] == kind]
                mk = sum(m[i] for i in kidx)
                kk = sum(k[i] for i in kidx)
                print("    kind %-6s n=%-5d flagged: modsec %d (%.2f%%)  keikai %d (%.2f%%)" % (
                    kind, len(kidx), mk, 100.0 * mk / max(1, len(kidx)), kk,
                    100.0 * kk / max(1, len(kidx))))
            fam = collections.defaultdict(lambda: [0, 0, 0, []])  # n, modsec-only, keikai-only
            for i in idx:
                f = fam[corpus[i]["family"]]
                f[0] += 1
                if m[i] != k[i]:
                    f[1 if m[i] else 2] += 1
                    f[3].append(i)
            bad = sorted(((v[1], v[2], f) for f, v in fam.items() if v[1] or v[2]), reverse=True)
            for monly_n, konly_n, f in bad:
                v = fam[f]
                mcaught = sum(m[i] for i in idx if corpus[i]["family"] == f)
                print("      %-70s n=%-4d modsec-flagged %-4d modsec-only %-3d keikai-only %d" % (
                    f[:70], v[0], mcaught, monly_n, konly_n))
                for i in v[3][:examples]:
                    tag = "M" if m[i] else "K"
                    fp = (" kfp=%s mfp=%s" % fps[i]) if fps else ""
                    print("         %s %r%s" % (tag, corpus[i]["value"][:220], fp))
            if agree < 99.5:
                ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--corpus", required=True)
    for op in ("sqli", "xss"):
        c.add_argument("--modsec-" + op, required=True)
        c.add_argument("--keikai-" + op, required=True)
    d = sub.add_parser("direct")
    d.add_argument("--corpus", required=True)
    for p in (c, d):
        p.add_argument("--examples", type=int, default=3)
        p.add_argument("--split", choices=["tune", "holdout"])
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    if args.cmd == "direct":
        res, fps = run_direct(corpus)
    else:
        n = len(corpus)
        res = {}
        for op, rid, _ in OPS:
            res[op] = (load_verdicts(getattr(args, "modsec_" + op), rid, n),
                       load_verdicts(getattr(args, "keikai_" + op), rid, n))
        fps = None
    report(corpus, res, fps, args.examples, args.split)
    return 0


if __name__ == "__main__":
    sys.exit(main())
