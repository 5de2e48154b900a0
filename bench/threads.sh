#!/usr/bin/env bash
# Threads: keikai scan --threads 1 against --threads 2 (and more, up to the cores) on the same
# 1,000,000-line varied log (bench/make_varied_log.py --seed 1), in interleaved rounds, each
# run into a fresh database; prints wall and CPU time and peak memory of each, and the median
# per-round wall ratio against one thread. The answers are the same whatever the thread count
# (ctest Threads.AnswersDoNotDependOnTheThreadCount); this measures only the time.
#
# The machine's own ceiling for the same work, in the same rounds: two independent one-thread
# scans of the log at once, each into its own database (nothing shared but the machine). Two
# such runs finishing in time T against one alone in T1 give "2 * T1 / T": what two cores give
# work that needs no coordination at all. A virtual machine whose cores share a host core's
# caches or memory bandwidth shows it here, and no thread count can beat it.
#
# Usage: bench/threads.sh [BUILD_DIR] [LINES] [ROUNDS]
set -euo pipefail
BUILD=${1:-build/release}
LINES=${2:-1000000}
ROUNDS=${3:-3}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CORES=$(nproc)
python3 "$HERE/make_varied_log.py" -n "$LINES" --seed 1 -o "$WORK/v.log" 2>/dev/null
run() {  # THREADS [TAG] -> "wall cpu rss_kb"
  local tag=${2:-k}
  rm -f "$WORK/$tag".db*
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$tag.t" "$KEIKAI" scan --threads "$1" --db "$WORK/$tag.db" \
    --no-progress --format json -o "$WORK/$tag.json" --site bench "$WORK/v.log" >/dev/null 2>"$WORK/$tag.err" ||
    { echo "run failed: $(tail -n 3 "$WORK/$tag.err")" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$WORK/$tag.t"
}
pair() {  # two one-thread runs at once -> the later one's wall time
  run 1 pa > "$WORK/pa.out" & local a=$!
  run 1 pb > "$WORK/pb.out" & local b=$!
  wait "$a" "$b"
  awk '{print $1}' "$WORK/pa.out" "$WORK/pb.out" | sort -n | tail -n 1
}
run 1 >/dev/null  # warm-up: page cache, compiled-pattern cache
: > "$WORK/rounds"
: > "$WORK/pairs"
for _ in $(seq "$ROUNDS"); do
  row=""
  for t in $(seq 1 "$CORES"); do row="$row $(run "$t")"; done
  echo "$row" >> "$WORK/rounds"
  [ "$CORES" -ge 2 ] && echo "$(echo "$row" | awk '{print $1}') $(pair)" >> "$WORK/pairs"
done
echo "== keikai scan --threads N, $LINES-line varied log, $CORES cores, $ROUNDS interleaved rounds"
echo "rounds (per thread count: wall s, CPU s, peak RSS KB):"
sed 's/^/ /' "$WORK/rounds"
python3 - "$WORK/rounds" "$WORK/pairs" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
pairs = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
n = len(rows[0]) // 3
for t in range(n):
    wall = [r[3 * t] for r in rows]
    rss = max(r[3 * t + 2] for r in rows)
    line = f"threads {t + 1}: median wall {statistics.median(wall):.2f} s, peak RSS {rss / 1024:.0f} MB"
    if t > 0:
        ratio = statistics.median(r[0] / r[3 * t] for r in rows)
        line += f"; median per-round speed-up over 1 thread {ratio:.2f}x" + (" (target: 1.8x)" if t == 1 else "")
    print(line)
if pairs:
    ceiling = statistics.median(2 * a / b for a, b in pairs)
    print(f"machine ceiling (two independent 1-thread scans at once): median {ceiling:.2f}x "
          f"(rounds: {' '.join(f'{2 * a / b:.2f}' for a, b in pairs)})")
PY
