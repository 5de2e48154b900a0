#!/usr/bin/env bash
# Log ingest benchmark: keikai scan vs GoAccess (Debian package goaccess) on the same
# 1,000,000-line combined logs, both pinned to the same single core, in N interleaved rounds
# after a warm-up run (page cache, keikai's compiled-pattern cache). Prints lines/s of both,
# wall and CPU (user + system) times, the ratio of the best times and the median of the
# per-round ratios (wall and CPU), for two inputs:
#   demo    the first LINES lines of `keikai demo --generate-only` (4 sites, 11,700 addresses,
#           2.5% attack lines; it repeats itself)
#   varied  bench/make_varied_log.py -n LINES --seed 1: a month of a shop with stated variety
#           (tens of thousands of addresses with a heavy tail, shared gateways, ~145,000
#           targets, ~1,400 user agents, 4% attack lines of many kinds; see its --help)
#
# keikai does strictly more work per line than GoAccess here: parsing, every detector and value
# check, country lookup of attacking sources, behaviour, aggregation, an SQLite store with resume
# checkpoints and the JSON report.
#
# Usage: bench/ingest_vs_goaccess.sh [BUILD_DIR] [LINES] [ROUNDS] [demo|varied|both]
set -euo pipefail
BUILD=${1:-build/release}
LINES=${2:-1000000}
RUNS=${3:-3}
INPUTS=${4:-both}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || KEIKAI="$BUILD/apps/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
command -v goaccess >/dev/null || { echo "goaccess is not installed (scripts/install-deps.sh)" >&2; exit 1; }
CORE=$(( $(nproc) - 1 ))
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

HERE=$(cd "$(dirname "$0")" && pwd)
bench_one() {  # LABEL: times the contenders on $WORK/bench.log
local LABEL=$1
N=$(wc -l < "$WORK/bench.log")
SIZE=$(du -m "$WORK/bench.log" | cut -f1)

# The contenders. The on-disk store counts a file once: each keikai run gets a fresh database.
CRS_DIR=${KEIKAI_CRS_DIR:-$(dirname "$0")/../../shared/data/crs/v4.28.0}
GA_CMD=(goaccess "$WORK/bench.log" --log-format=COMBINED --no-global-config --no-progress -o "$WORK/ga.json")
KD_CMD=(bash -c "rm -f '$WORK'/k2.db*; exec '$KEIKAI' scan --threads 1 --db '$WORK/k2.db' --no-progress --format json -o '$WORK/k2.json' --site bench '$WORK/bench.log'")
# Signatures only (the detection of issue 2), without per-source behaviour analysis.
KN_CMD=(bash -c "rm -f '$WORK'/k4.db*; exec '$KEIKAI' scan --threads 1 --no-behavior --db '$WORK/k4.db' --no-progress --format json -o '$WORK/k4.json' --site bench '$WORK/bench.log'")
# With OWASP CRS 4.28 at paranoia level 1 on every line (issue 3's log mode), when the CRS tree
# is present beside the repository.
KR_CMD=(bash -c "rm -f '$WORK'/k5.db*; exec '$KEIKAI' scan --threads 1 --crs '$CRS_DIR' --db '$WORK/k5.db' --no-progress --format json -o '$WORK/k5.json' --site bench '$WORK/bench.log'")
HAVE_CRS=0
[ -d "$CRS_DIR/rules" ] && HAVE_CRS=1

# One timed run pinned to the core: leaves "seconds maxrss_kb" in $WORK/t. A failed run stops
# the benchmark (its time would mean nothing).
timed() {
  if ! /usr/bin/time -f "%e %M %U %S" -o "$WORK/t" taskset -c "$CORE" "$@" >/dev/null 2>"$WORK/err"; then
    echo "benchmark run failed: $*" >&2
    tail -n 5 "$WORK/err" >&2
    exit 1
  fi
}
# This shared VM's speed drifts by tens of percent over minutes, so the contenders run in
# rounds, interleaved: each round times GoAccess once and each keikai variant three times
# (its runs are ~10x shorter, so a passing hiccup weighs ~10x more on one of them). Reported:
# the best round of each (a round's keikai time is the median of its three runs), and the median
# over rounds of the per-round ratio (GoAccess's time in the round / keikai's median in the same
# round), which compares them under the same conditions.
for cmd in GA_CMD KD_CMD KN_CMD KR_CMD; do  # warm-up: page cache, keikai's compiled-pattern cache
  [ "$cmd" = KR_CMD ] && [ "$HAVE_CRS" = 0 ] && continue
  declare -n c=$cmd
  "${c[@]}" >/dev/null 2>&1 || true
done
: > "$WORK/rounds"
for _ in $(seq "$RUNS"); do
  timed "${GA_CMD[@]}"
  read -r ga gm gu gs < "$WORK/t"
  row="$ga $gm $(awk "BEGIN{print $gu + $gs}")"
  for cmd in KD_CMD KN_CMD KR_CMD; do
    if [ "$cmd" = KR_CMD ] && [ "$HAVE_CRS" = 0 ]; then row="$row 0 0 0"; continue; fi
    declare -n c=$cmd
    ts="" cpus="" rss=0
    for _ in 1 2 3; do
      timed "${c[@]}"
      read -r t m u sy < "$WORK/t"
      ts="$ts $t"
      cpus="$cpus $(awk "BEGIN{print $u + $sy}")"
      [ "$m" -gt "$rss" ] && rss=$m
    done
    # The median of its three runs (not the best): GoAccess runs once a round, so keikai's best
    # of three would favour it.
    best=$(echo $ts | tr ' ' '\n' | sort -g | sed -n 2p)
    bcpu=$(echo $cpus | tr ' ' '\n' | sort -g | sed -n 2p)
    row="$row $best $rss $bcpu"
  done
  echo "$row" >> "$WORK/rounds"
done
# columns: ga ga_rss ga_cpu kd kd_rss kd_cpu kn kn_rss kn_cpu kr kr_rss kr_cpu
col_min() { awk -v c="$1" 'NR==1||$c<m{m=$c} END{print m}' "$WORK/rounds"; }
col_max() { awk -v c="$1" '$c>m{m=$c} END{print m}' "$WORK/rounds"; }
med_ratio() { awk -v c="$1" -v g="${2:-1}" '{print $g/$c}' "$WORK/rounds" | sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
GA_T=$(col_min 1); GA_M=$(col_max 2); GA_C=$(col_min 3)
KD_T=$(col_min 4); KD_M=$(col_max 5); KD_C=$(col_min 6)
KN_T=$(col_min 7); KN_M=$(col_max 8); KN_C=$(col_min 9)
KR_T=""
if [ "$HAVE_CRS" = 1 ]; then KR_T=$(col_min 10); KR_M=$(col_max 11); KR_C=$(col_min 12); fi

# Cold start: an empty cache directory, so the detector patterns are compiled and the geo table
# parsed during the run (what a first run on a new machine pays once).
rm -rf "$WORK"/k3.db* "$WORK/cold-cache"
/usr/bin/time -f "%e" -o "$WORK/cold" env XDG_CACHE_HOME="$WORK/cold-cache" taskset -c "$CORE" \
  "$KEIKAI" scan --db "$WORK/k3.db" --no-progress --format json -o "$WORK/k3.json" --site bench \
  "$WORK/bench.log" >/dev/null 2>&1
KC_T=$(cat "$WORK/cold")

rate() { awk "BEGIN{printf \"%.0f\", $N / $1}"; }
GA_R=$(rate "$GA_T"); KD_R=$(rate "$KD_T")
ATTACKS=$(python3 -c "import json;print(json.load(open('$WORK/k2.json'))['summary']['attacks'])")
echo "== input $LABEL: $N lines, ${SIZE} MB combined log; core $CORE; $RUNS interleaved rounds after a warm-up (GoAccess once, each keikai variant 3 times a round, its median counted); best rounds"
printf "%-34s %8s s %8s s CPU %12s lines/s %8s MB RSS\n" "goaccess $(goaccess --version | head -1 | awk '{print $3}')" "$GA_T" "$GA_C" "$GA_R" "$((GA_M/1024))"
printf "%-34s %8s s %8s s CPU %12s lines/s %8s MB RSS\n" "keikai scan (SQLite on disk)" "$KD_T" "$KD_C" "$KD_R" "$((KD_M/1024))"
printf "%-34s %8s s %8s s CPU %12s lines/s %8s MB RSS\n" "keikai scan --no-behavior" "$KN_T" "$KN_C" "$(rate "$KN_T")" "$((KN_M/1024))"
if [ -n "$KR_T" ]; then
  printf "%-34s %8s s %8s s CPU %12s lines/s %8s MB RSS\n" "keikai scan --crs (CRS 4.28 PL1)" "$KR_T" "$KR_C" "$(rate "$KR_T")" "$((KR_M/1024))"
fi
printf "%-34s %8s s %12s lines/s\n" "keikai scan, cold cache (1st run)" "$KC_T" "$(rate "$KC_T")"
echo "keikai detected $ATTACKS attack requests"
awk "BEGIN{printf \"ratio keikai/goaccess: %.1fx (target: 10x); signatures only: %.1fx\n\", $GA_T / $KD_T, $GA_T / $KN_T}"
echo "median per-round ratio (wall): keikai $(med_ratio 4 | awk '{printf "%.1f", $1}')x, signatures only $(med_ratio 7 | awk '{printf "%.1f", $1}')x"
echo "median per-round ratio (CPU):  keikai $(med_ratio 6 3 | awk '{printf "%.1f", $1}')x, signatures only $(med_ratio 9 3 | awk '{printf "%.1f", $1}')x"
if [ -n "$KR_T" ]; then
  awk "BEGIN{printf \"ratio keikai --crs/goaccess: %.1fx (target: 10x)\n\", $GA_T / $KR_T}"
  echo "median per-round ratio: keikai --crs $(med_ratio 10 | awk '{printf "%.1f", $1}')x wall, $(med_ratio 12 3 | awk '{printf "%.1f", $1}')x CPU"
fi
echo "rounds (seconds, wall: goaccess, keikai, --no-behavior, --crs):"
awk '{printf "  %s %s %s %s\n", $1, $4, $7, $10}' "$WORK/rounds"
}

if [ "$INPUTS" = demo ] || [ "$INPUTS" = both ]; then
  "$KEIKAI" demo --generate-only "$WORK/gen" >/dev/null 2>&1
  cat "$WORK"/gen/*.log | head -n "$LINES" > "$WORK/bench.log" || true  # cat ends on SIGPIPE
  bench_one "demo (keikai demo --generate-only, first $LINES lines)"
fi
if [ "$INPUTS" = varied ] || [ "$INPUTS" = both ]; then
  python3 "$HERE/make_varied_log.py" -n "$LINES" --seed 1 -o "$WORK/bench.log" 2>/dev/null
  bench_one "varied (bench/make_varied_log.py -n $LINES --seed 1)"
fi
