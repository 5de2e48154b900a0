#!/usr/bin/env bash
# Same answers: scans fixed inputs and writes, per input, the JSON report (timings and the
# generation time removed) and a sorted dump of what the store holds (stream ids removed), so
# that two builds can be compared byte for byte. Used before and after every restructuring of
# the pipeline (docs/ARCHITECTURE.md): `diff -r OUT_BEFORE OUT_AFTER` must be empty.
#
# Inputs: the demo's logs (4 sites, 1.68M lines), the first 300,000 lines of the benchmark's
# varied log (bench/make_varied_log.py --seed 1), and a second varied log (--seed 11) of
# 50,000 lines scanned with OWASP CRS when the CRS tree is beside the repository.
#
# Usage: [THREADS=N] scripts/same_answers.sh KEIKAI_BINARY OUT_DIR [WORK_DIR]
# (THREADS: --threads for every scan; the answers must not depend on it.)
set -euo pipefail
KEIKAI=$(realpath "$1")
OUT=$2
WORK=${3:-$(mktemp -d)}
HERE=$(cd "$(dirname "$0")/.." && pwd)
CRS_DIR=${KEIKAI_CRS_DIR:-$HERE/../shared/data/crs/v4.28.0}
mkdir -p "$OUT" "$WORK"

[ -d "$WORK/demo" ] || "$KEIKAI" demo --generate-only "$WORK/demo" >/dev/null
[ -f "$WORK/varied.log" ] || python3 "$HERE/bench/make_varied_log.py" -n 300000 --seed 1 -o "$WORK/varied.log"
[ -f "$WORK/crs.log" ] || python3 "$HERE/bench/make_varied_log.py" -n 50000 --seed 11 -o "$WORK/crs.log"

dump() {  # DB OUT: the store's rows, sorted, without random ids
  sqlite3 "$1" <<'SQL' | LC_ALL=C sort > "$2"
.mode list
SELECT 'req', site, hour, count FROM request_hours;
SELECT 'att', * FROM attack_hours;
SELECT 'cls', * FROM class_hours;
SELECT 'src', * FROM sources;
SELECT 'fnd', site, time, ip, classes, detectors, evidence, method, target, path, status, user_agent, line, target_hit FROM findings;
SELECT 'beh', * FROM source_behaviour;
SELECT 'off', site, utc_offset FROM site_meta;
SELECT 'str', key, site, sites, lines, offset FROM streams;
SELECT 'ckp', s.key, c.lines, c.offset, c.hash, hex(c.line_fps) FROM stream_checkpoints c JOIN streams s ON s.id = c.stream;
SQL
}
run() {  # NAME ARGS...: one scan into a fresh database
  local name=$1; shift
  rm -f "$WORK/$name.db"*
  LANG=C.UTF-8 "$KEIKAI" scan ${THREADS:+--threads $THREADS} --db "$WORK/$name.db" --no-progress --lang en --tz UTC --format json \
    -o "$WORK/$name.json" "$@" >/dev/null
  python3 - "$WORK/$name.json" "$OUT/$name.report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.pop("generated_at", None)
r.get("summary", {}).pop("seconds", None)
json.dump(r, open(sys.argv[2], "w"), indent=1, sort_keys=True, ensure_ascii=False)
PY
  dump "$WORK/$name.db" "$OUT/$name.store.txt"
}
run demo "$WORK"/demo/*.log
run varied --site shop "$WORK/varied.log"
# The streaming output too (one line per detected request), into a database of its own.
rm -f "$WORK/nd.db"*
"$KEIKAI" scan ${THREADS:+--threads $THREADS} --db "$WORK/nd.db" --no-progress --lang en --format ndjson --site shop \
  -o "$OUT/varied.ndjson" "$WORK/varied.log" >/dev/null
if [ -d "$CRS_DIR/rules" ]; then run crs --crs "$CRS_DIR" --site shop "$WORK/crs.log"; fi
ls -l "$OUT"
