#!/usr/bin/env bash
# Follow mode: keikai run (the daemon) against keikai scan on the same lines (issue 13).
#
# The data: LINES lines of the varied log (bench/make_varied_log.py --seed 2: a shop's traffic
# with 4% attacks of many kinds, not the demo's repetitive lines).
#
# 1. Throughput kept up with, end to end into the store. The daemon (read_every 1s, metrics on
#    127.0.0.1) follows an empty log; a writer appends the LINES lines in 100 pieces as fast as
#    it can; the time runs from the first append until the daemon's /metrics counts every line
#    as read and committed (keikai_lines_read_total + keikai_bad_lines_total; a line is counted
#    after the commit that stores it). Against: `keikai scan` of the whole file into a fresh
#    database, same detection, same store, same threads. Both print lines per second; the ratio
#    is follow / scan (1.0 = following costs nothing over reading once). The daemon's CPU time
#    for the burst is printed beside scan's: the wall-clock ratio of a burst this short also
#    holds the daemon's batching (a round at most once a second when changes come).
# 2. CPU at a steady RATE lines per second (1,000) for SECONDS (60): the writer appends RATE/10
#    lines every 0.1 s; the daemon's CPU time (utime + stime, /proc) over that window, as a share
#    of one core. Against: the CPU time of `keikai scan` of the same RATE*SECONDS lines once, as
#    a batch job would read them, in the same run.
#
# Usage: bench/follow.sh [BUILD_DIR] [LINES] [RATE] [SECONDS]
set -euo pipefail
BUILD=${1:-build/release}
LINES=${2:-300000}
RATE=${3:-1000}
SECONDS_STEADY=${4:-60}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
DAEMON=""
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
STEADY_LINES=$((RATE * SECONDS_STEADY))
N=$((LINES > STEADY_LINES ? LINES : STEADY_LINES))
python3 "$HERE/make_varied_log.py" -n "$N" --seed 2 -o "$WORK/all.log" 2>/dev/null
head -n "$LINES" "$WORK/all.log" > "$WORK/burst.log"
head -n "$STEADY_LINES" "$WORK/all.log" > "$WORK/steady.log"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

counted() {  # lines the daemon has read and committed, from /metrics (-1 while it is not up)
  curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics" 2>/dev/null |
    awk 'BEGIN{n=-1} /^keikai_(lines_read|bad_lines)_total /{n=(n<0?0:n)+$2} END{printf "%d\n", n}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start_daemon() {  # LOG DB
  : > "$1"
  cat > "$WORK/k.yaml" <<EOF
store: $2
read_every: 1s
metrics: {listen: "127.0.0.1:$PORT"}
sites:
  - name: bench
    logs: [$1]
EOF
  "$KEIKAI" run --config "$WORK/k.yaml" >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
  DAEMON=$!
  for _ in $(seq 200); do [ "$(counted)" -ge 0 ] && return 0; sleep 0.1; done
  echo "the daemon did not start: $(tail -n 3 "$WORK/daemon.err")" >&2; exit 1
}
stop_daemon() { kill "$DAEMON"; wait "$DAEMON" || true; DAEMON=""; }
wait_for() {  # COUNT LIMIT_S
  local t0=$SECONDS
  while [ "$(counted)" -lt "$1" ]; do
    [ $((SECONDS - t0)) -gt "$2" ] && { echo "the daemon stopped at $(counted) of $1 lines" >&2; exit 1; }
    sleep 0.1
  done
}
TCK=$(getconf CLK_TCK)

"$KEIKAI" scan --no-progress --db "$WORK/warm.db" --site bench "$WORK/steady.log" >/dev/null 2>&1  # pattern cache, page cache

# 1. Throughput (waits poll /metrics with curl every 0.1 s).
start_daemon "$WORK/f.log" "$WORK/f.db"
fc0=$(cpu_ticks "$DAEMON")
python3 - "$WORK/burst.log" "$WORK/f.log" "$WORK/t0" <<'PY'
import sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
step = max(1, len(lines) // 100)
pieces = [b"".join(lines[i:i + step]) for i in range(0, len(lines), step)]
open(sys.argv[3], "w").write(f"{time.time():.6f}\n")  # the clock starts at the first append
with open(sys.argv[2], "ab", buffering=0) as out:
    for p in pieces:
        out.write(p)
PY
t0=$(cat "$WORK/t0")
wait_for "$LINES" 1800
t1=$(date +%s.%N)
fc1=$(cpu_ticks "$DAEMON")
stop_daemon
/usr/bin/time -f "%e %U %S" -o "$WORK/scan.t" "$KEIKAI" scan --no-progress --db "$WORK/s.db" --site bench \
  --format json -o /dev/null "$WORK/burst.log" 2>/dev/null
read -r swall su ss < "$WORK/scan.t"

# 2. CPU at a steady rate (the daemon's CPU from the first append until every line is counted).
start_daemon "$WORK/g.log" "$WORK/g.db"
c0=$(cpu_ticks "$DAEMON")
w0=$(date +%s.%N)
python3 - "$WORK/steady.log" "$WORK/g.log" "$RATE" <<'PY'
import sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
per_tick = max(1, int(sys.argv[3]) // 10)
start = time.monotonic()
with open(sys.argv[2], "ab", buffering=0) as out:
    for k, i in enumerate(range(0, len(lines), per_tick)):
        out.write(b"".join(lines[i:i + per_tick]))
        delay = start + (k + 1) * 0.1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
PY
wait_for "$STEADY_LINES" 120
c1=$(cpu_ticks "$DAEMON")
w1=$(date +%s.%N)
stop_daemon
/usr/bin/time -f "%e %U %S" -o "$WORK/scan2.t" "$KEIKAI" scan --no-progress --db "$WORK/s2.db" --site bench \
  --format json -o /dev/null "$WORK/steady.log" 2>/dev/null
read -r s2wall s2u s2s < "$WORK/scan2.t"

python3 - "$LINES" "$t0" "$t1" "$swall" "$su" "$ss" "$STEADY_LINES" "$RATE" "$c0" "$c1" "$TCK" "$w0" "$w1" "$s2u" "$s2s" "$(nproc)" "$fc0" "$fc1" <<'PY'
import sys
a = sys.argv[1:]
lines, t0, t1, swall, su, ss = int(a[0]), float(a[1]), float(a[2]), float(a[3]), float(a[4]), float(a[5])
steady, rate, c0, c1, tck, w0, w1, s2u, s2s, cores = int(a[6]), int(a[7]), int(a[8]), int(a[9]), int(a[10]), float(a[11]), float(a[12]), float(a[13]), float(a[14]), a[15]
fcpu = (int(a[17]) - int(a[16])) / tck
follow = lines / (t1 - t0)
scan = lines / swall
print(f"== keikai run (follow) vs keikai scan, varied log (seed 2), {cores} cores")
print(f"throughput, {lines:,} lines appended in 100 pieces: follow {follow:,.0f} lines/s end to end "
      f"({t1 - t0:.2f} s until all were committed); scan {scan:,.0f} lines/s ({swall:.2f} s); "
      f"follow/scan {follow / scan:.2f}")
print(f"  CPU for those lines: follow {fcpu:.2f} s, scan {su + ss:.2f} s; follow/scan {fcpu / (su + ss):.2f}")
cpu = (c1 - c0) / tck
wall = w1 - w0
print(f"steady {rate:,} lines/s for {steady:,} lines: daemon CPU {cpu:.2f} s over {wall:.1f} s "
      f"= {100 * cpu / wall:.1f}% of a core; scan of the same lines once: CPU {s2u + s2s:.2f} s; "
      f"daemon/scan CPU {cpu / (s2u + s2s):.2f}")
PY
