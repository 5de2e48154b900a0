#!/usr/bin/env python3
"""Compare two WAF result files (libmodsecurity vs keikai) over one corpus.

  waf_compare.py MODSEC.jsonl KEIKAI.jsonl CORPUS.jsonl [--examples out.json]
                 [--ignore-ids 949110,...] [--top N]

Result lines: {"i":N,"ids":[sorted unique ints],"score":N,"status":N}
Corpus lines: as written by make_waf_corpus.py ("kind" is used if present).

Prints agreement shares (id sets, score, both), differences by rule id and
by corpus kind, and writes up to 5 example request indices per differing rule
id (to --examples, default: stdout section). Python 3 stdlib only.
Exit status: 0 if every request agrees on ids and score, 1 otherwise.
"""

import argparse
import json
import sys
from collections import Counter, defaultdict


def load_results(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError as e:
                sys.exit(f"{path}:{ln}: bad JSON: {e}")
            out[int(o["i"])] = (frozenset(int(x) for x in o.get("ids", [])),
                                int(o.get("score", 0)), int(o.get("status", 0)))
    return out


def load_kinds(path):
    kinds = {}
    with open(path, encoding="utf-8") as f:
        n = 0
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            kinds[int(o.get("i", n))] = o.get("kind", "?")
            n += 1
    return kinds


def pct(a, b):
    return f"{100.0 * a / b:6.2f}%" if b else "   n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("modsec")
    ap.add_argument("keikai")
    ap.add_argument("corpus")
    ap.add_argument("--examples", help="write {rule id: {only_in, requests:[i..]}} JSON here")
    ap.add_argument("--ignore-ids", default="",
                    help="comma-separated rule ids left out of the id-set comparison")
    ap.add_argument("--top", type=int, default=40, help="rows per difference table")
    ap.add_argument("--names", nargs=2, default=["modsec", "keikai"], metavar=("A", "B"))
    args = ap.parse_args()
    na, nb = args.names

    A = load_results(args.modsec)
    B = load_results(args.keikai)
    kinds = load_kinds(args.corpus)
    ignore = {int(x) for x in args.ignore_ids.split(",") if x.strip()}

    idx = sorted(set(A) | set(B) | set(kinds))
    missing_a = [i for i in idx if i not in A]
    missing_b = [i for i in idx if i not in B]
    if missing_a or missing_b:
        print(f"warning: requests missing in {na}: {len(missing_a)}, in {nb}: {len(missing_b)}")
    common = [i for i in idx if i in A and i in B]
    n = len(common)

    same_ids = same_score = same_both = same_status = 0
    only_a, only_b = Counter(), Counter()          # rule id -> requests
    examples = defaultdict(list)                   # (side, id) -> [i]
    kind_tot, kind_ids, kind_score, kind_both = Counter(), Counter(), Counter(), Counter()
    kind_flag_a, kind_flag_b = Counter(), Counter()
    score_delta = Counter()

    for i in common:
        ia, sa, sta = A[i]
        ib, sb, stb = B[i]
        ia_c, ib_c = ia - ignore, ib - ignore
        k = kinds.get(i, "?")
        kind_tot[k] += 1
        kind_flag_a[k] += bool(ia)
        kind_flag_b[k] += bool(ib)
        ids_eq = ia_c == ib_c
        sc_eq = sa == sb
        same_ids += ids_eq
        same_score += sc_eq
        same_both += ids_eq and sc_eq
        same_status += sta == stb
        if ids_eq:
            kind_ids[k] += 1
        if sc_eq:
            kind_score[k] += 1
        else:
            score_delta[sb - sa] += 1
        if ids_eq and sc_eq:
            kind_both[k] += 1
        for rid in ia_c - ib_c:
            only_a[rid] += 1
            if len(examples[(na, rid)]) < 5:
                examples[(na, rid)].append(i)
        for rid in ib_c - ia_c:
            only_b[rid] += 1
            if len(examples[(nb, rid)]) < 5:
                examples[(nb, rid)].append(i)

    print(f"requests compared: {n}")
    print(f"  identical id sets : {same_ids:7d} {pct(same_ids, n)}"
          + (f"  (ignoring {sorted(ignore)})" if ignore else ""))
    print(f"  identical score   : {same_score:7d} {pct(same_score, n)}")
    print(f"  both identical    : {same_both:7d} {pct(same_both, n)}")
    print(f"  identical status  : {same_status:7d} {pct(same_status, n)}")
    if score_delta:
        top = ", ".join(f"{d:+d}:{c}" for d, c in score_delta.most_common(8))
        print(f"  score delta ({nb}-{na}) histogram: {top}")

    def table(title, counter, side):
        print(f"\n{title}: {len(counter)} rule ids, {sum(counter.values())} request-hits")
        for rid, c in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:args.top]:
            ex = " ".join(str(x) for x in examples[(side, rid)])
            print(f"  {rid:7d} {c:6d}   e.g. {ex}")
        if len(counter) > args.top:
            print(f"  ... {len(counter) - args.top} more")

    table(f"ids only in {na}", only_a, na)
    table(f"ids only in {nb}", only_b, nb)

    print(f"\nby kind: {'kind':10s} {'n':>6s} {'ids=':>8s} {'score=':>8s} {'both=':>8s}"
          f" {'flag ' + na:>12s} {'flag ' + nb:>12s}")
    for k in sorted(kind_tot, key=lambda x: (x != "benign", x)):
        t = kind_tot[k]
        print(f"         {k:10s} {t:6d} {pct(kind_ids[k], t)} {pct(kind_score[k], t)}"
              f" {pct(kind_both[k], t)} {kind_flag_a[k]:12d} {kind_flag_b[k]:12d}")

    ex_out = {}
    for (side, rid), lst in sorted(examples.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ex_out[f"{rid}/only_in_{side}"] = lst
    if args.examples:
        with open(args.examples, "w", encoding="utf-8") as f:
            json.dump(ex_out, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"\nexamples written to {args.examples} ({len(ex_out)} rule ids)")
    return 0 if same_both == n and not missing_a and not missing_b else 1


if __name__ == "__main__":
    sys.exit(main())
