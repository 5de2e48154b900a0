#!/usr/bin/env bash
# Mail gate throughput: `keikai mail scan` vs clamscan (Debian clamav) on the same generated
# mailbox (bench/make_mailbox.py: N messages as .eml files, ~50 KB each, ordinary mail, PPAP
# ZIPs with the password in the body or in the next mail, encrypted archives without one, VBA
# and XLM workbooks in password ZIPs, programs and disguised names, clean Office files).
#
# clamscan runs with the heuristics this gate is about (--alert-macros, --alert-encrypted-archive,
# --alert-encrypted-doc) and a small local signature file (no signature download here), over the
# folder; keikai opens every archive it can (with the passwords in the bodies and the mailbox),
# reads VBA and XLM, and writes its JSON. Both are pinned to the same core; ROUNDS interleaved
# rounds after a warm-up; CPU seconds (user + system). Printed: messages/s and MB/s of both per
# CPU-second, the ratio (best round of each, and the median of the per-round ratios), and per
# kind of message what each flagged.
#
# Usage: bench/mailscan_vs_clamscan.sh [BUILD_DIR] [MESSAGES] [ROUNDS]
set -euo pipefail
BUILD=${1:-build/release}
N=${2:-2000}
RUNS=${3:-3}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
command -v clamscan >/dev/null || { echo "clamscan is not installed (apt-get install clamav)" >&2; exit 1; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CORE=$(( $(nproc) - 1 ))
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)

"$PY" "$HERE/make_mailbox.py" -n "$N" --seed 1 "$WORK/mails"
mv "$WORK/mails/truth.json" "$WORK/truth.json"
MB=$(du -sm "$WORK/mails" | cut -f1)
BYTES=$(du -sb "$WORK/mails" | cut -f1)
# A small local signature database (ClamAV's .ndb: name, target type, offset, hex): the
# JScript that creates a WScript.Shell, and a marker no message carries.
cat > "$WORK/local.ndb" <<'NDB'
Bench.JS.WScriptShell:0:*:416374697665584f626a656374282757536372697074
Bench.Never.Seen:0:*:6b65696b61692d62656e63682d6e657665722d7365656e
NDB

CL_CMD=(clamscan -r -i --no-summary -d "$WORK/local.ndb" --alert-macros=yes --alert-encrypted-archive=yes
        --alert-encrypted-doc=yes "$WORK/mails")
KM_CMD=("$KEIKAI" mail scan --format json "$WORK/mails")

timed() {  # OUT CMD...: CPU seconds on stdout; the program's output in $WORK/OUT
  local out=$1; shift
  # Both exit non-zero when they flag something (clamscan 1, keikai 1 or 3); time(1) then writes
  # "Command exited with non-zero status N" first: the times are its last line.
  /usr/bin/time -f "%e %U %S" -o "$WORK/t" taskset -c "$CORE" "$@" >"$WORK/$out" 2>"$WORK/err" || true
  read -r _ u s < <(tail -n 1 "$WORK/t")
  awk "BEGIN{print $u + $s}"
}
timed cl.out "${CL_CMD[@]}" >/dev/null
timed k.json "${KM_CMD[@]}" >/dev/null
: > "$WORK/rounds"
for _ in $(seq "$RUNS"); do
  c=$(timed cl.out "${CL_CMD[@]}")
  k=$(timed k.json "${KM_CMD[@]}")
  echo "$c $k" >> "$WORK/rounds"
done

"$PY" - "$WORK" "$N" "$MB" "$BYTES" <<'EOF'
import collections, json, os, sys
work, n, mb, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rounds = [tuple(map(float, l.split())) for l in open(os.path.join(work, "rounds"))]
truth = {t["file"]: t for t in json.load(open(os.path.join(work, "truth.json")))}
k = json.load(open(os.path.join(work, "k.json")))
kv = {os.path.basename(m["source"]): m["verdict"] for m in k["messages"]}
cl = {}
for line in open(os.path.join(work, "cl.out"), errors="replace"):
    if line.rstrip().endswith(" FOUND"):
        path, what = line.rsplit(": ", 1)
        cl[os.path.basename(path)] = what.replace(" FOUND", "").strip()
best_c, best_k = min(r[0] for r in rounds), min(r[1] for r in rounds)
ratios = sorted(r[0] / r[1] for r in rounds)
med = ratios[len(ratios) // 2]
print("mailbox: %d messages, %.1f MB (bench/make_mailbox.py --seed 1); CPU seconds, best of %d rounds" % (n, size / 1e6, len(rounds)))
print("  clamscan %-8s %7.2f s  %8.0f messages/s  %6.1f MB/s" % ("", best_c, n / best_c, size / 1e6 / best_c))
print("  keikai mail scan  %7.2f s  %8.0f messages/s  %6.1f MB/s" % (best_k, n / best_k, size / 1e6 / best_k))
print("ratio (keikai's throughput / clamscan's): best %.1fx, median of rounds %.1fx (target 5x)" % (best_c / best_k, med))
rows = collections.OrderedDict()
for f, t in sorted(truth.items()):
    r = rows.setdefault(t["kind"], {"n": 0, "expect": t["expect"], "k_flag": 0, "k_right": 0, "c_flag": 0, "c_names": collections.Counter()})
    r["n"] += 1
    v = kv.get(f, "missing")
    r["k_flag"] += v in ("suspicious", "malicious")
    r["k_right"] += v == t["expect"]
    if f in cl:
        r["c_flag"] += 1
        r["c_names"][cl[f].split(".")[0] + "." + cl[f].split(".")[1] if "." in cl[f] else cl[f]] += 1
print("\n| kind | messages | should be | keikai flagged | keikai verdict as expected | clamscan flagged | clamscan said |")
print("|---|---|---|---|---|---|---|")
for kind, r in rows.items():
    said = ", ".join("%s %d" % (k2, v2) for k2, v2 in r["c_names"].most_common(3)) or "-"
    print("| %s | %d | %s | %d | %d | %d | %s |" % (kind, r["n"], r["expect"], r["k_flag"], r["k_right"], r["c_flag"], said))
EOF
