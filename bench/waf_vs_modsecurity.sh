#!/usr/bin/env bash
# Rule-engine benchmark and differential test: keikai's SecLang engine vs libmodsecurity 3.0.9
# (Debian), same rules, same requests, same single core, request phases only.
#   - corpus: bench/make_waf_corpus.py (12,000 requests, ~90% benign, deterministic)
#   - rule sets: CRS 4.28.0 PL1 (../shared/data/crs/v4.28.0) and Debian's CRS 3.3.4 PL1, each
#     loaded through the same config file by both engines (bench/waf/modsec-crs*.conf)
# Like with like: both engines load the same configuration (so the same SecPcreMatchLimit 1000
# and recursion limit), run the corpus twice with the same work per request in every pass
# (evaluate, build the output line, write it), and are timed per pass: pass 1 includes each
# engine's first-use costs (keikai compiles PCRE2 JIT code on first use), pass 2 is the steady
# state. Prints requests/s of both per pass and the ratios, the worst and 99th-percentile time
# per request, peak RSS of both, and the differential summary (bench/waf_compare.py): the share
# of requests with identical matched rule ids and score.
#
# Usage: bench/waf_vs_modsecurity.sh [BUILD_DIR] [MODSEC_DRIVER] [REQUESTS]
set -euo pipefail
BUILD=${1:-build/release}
DRIVER=${2:-$BUILD/bench/modsec_driver}
N=${3:-12000}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${KEIKAI_SHARED_DIR:-$HERE/../../shared}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
[ -x "$DRIVER" ] || { echo "no modsec_driver at $DRIVER (build the modsec_driver target)" >&2; exit 1; }
CORE=$(( $(nproc) - 1 ))
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 "$HERE/make_waf_corpus.py" -n "$N" --crs-tests "$SHARED/data/crs/v4.28.0/tests/regression/tests" \
  -o "$WORK/corpus.jsonl" 2>/dev/null
sed -e "s#@CRS4_DIR@#$SHARED/data/crs/v4.28.0#g" "$HERE/waf/modsec-crs4.conf" > "$WORK/crs4.conf"
sed -e "s#@CRS3_DIR@#/usr/share/modsecurity-crs#g; s#@CRS3_SETUP@#/etc/modsecurity/crs/crs-setup.conf#g" \
  "$HERE/waf/modsec-crs3.conf" > "$WORK/crs3.conf"

pass_rate() { sed -n "s/.*pass $2: \([0-9.]*\) req\/s.*/\1/p" "$1" | head -1; }
rss()  { sed -n 's/.*peak RSS \([0-9.]*\) MB.*/\1/p; s/^peak RSS MB: \([0-9.]*\).*/\1/p' "$1" | head -1; }
worst() { grep -v 'last pass' "$1" | sed -n 's/.*per request ms: max \([0-9.]*\) p99 \([0-9.]*\).*/\1 ms (p99 \2 ms)/p' | head -1; }
worst_last() { sed -n 's/.*last pass per request ms: max \([0-9.]*\) p99 \([0-9.]*\).*/\1 ms (p99 \2 ms)/p' "$1" | head -1; }

echo "machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); corpus: $N requests"
for v in 4 3; do
  conf="$WORK/crs$v.conf"
  taskset -c "$CORE" "$DRIVER" --rules "$conf" --requests "$WORK/corpus.jsonl" --out "$WORK/m$v.jsonl" \
    --repeat 2 --quiet > /dev/null 2> "$WORK/m$v.err" || { cat "$WORK/m$v.err" >&2; exit 1; }
  taskset -c "$CORE" "$KEIKAI" --lang en waf-eval --rules "$conf" --requests "$WORK/corpus.jsonl" --out "$WORK/k$v.jsonl" \
    --repeat 2 2> "$WORK/k$v.err" || { cat "$WORK/k$v.err" >&2; exit 1; }
  name=$([ "$v" = 4 ] && echo "CRS 4.28.0 PL1" || echo "CRS 3.3.4 PL1 ")
  for pass in 1 2; do
    m=$(pass_rate "$WORK/m$v.err" "$pass"); k=$(pass_rate "$WORK/k$v.err" "$pass")
    label=$([ "$pass" = 1 ] && echo "first pass " || echo "steady state")
    printf '%s %s  libmodsecurity %8.0f req/s | keikai %8.0f req/s | ratio %.1fx\n' \
      "$name" "$label" "$m" "$k" "$(awk -v k="$k" -v m="$m" 'BEGIN { print (m > 0 ? k / m : 0) }')"
  done
  printf '%s worst request, both passes  libmodsecurity %s | keikai %s\n' "$name" "$(worst "$WORK/m$v.err")" "$(worst "$WORK/k$v.err")"
  printf '%s worst request, steady state libmodsecurity %s | keikai %s\n' "$name" "$(worst_last "$WORK/m$v.err")" "$(worst_last "$WORK/k$v.err")"
  printf '%s peak RSS       libmodsecurity %6.1f MB | keikai %6.1f MB\n' "$name" "$(rss "$WORK/m$v.err")" "$(rss "$WORK/k$v.err")"
  echo "  differential ($name):"
  { python3 "$HERE/waf_compare.py" "$WORK/m$v.jsonl" "$WORK/k$v.jsonl" "$WORK/corpus.jsonl" 2>&1 || true; } | sed -n "1,30p" | sed "s/^/    /"
done
