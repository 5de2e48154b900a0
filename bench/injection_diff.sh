#!/usr/bin/env bash
# Differential test of @detectSQLi / @detectXSS: keikai's SecLang engine vs libmodsecurity 3.0.9
# (Debian, which uses libinjection), on the corpus of bench/make_injection_corpus.py (sqlmap's
# payloads and tampers, XSS templates, benign values; tune/holdout split).
#
# Each corpus value is the value of the query argument q of a GET request (percent-encoded);
# each operator runs in a one-rule configuration:
#   SecRuleEngine On / SecRequestBodyAccess On /
#   SecRule ARGS "@detectSQLi" "id:1,phase:2,pass,log,t:none"   (and @detectXSS with id:2)
# through `keikai waf-eval` and bench/modsec_driver, and bench/injection_diff.py compares the
# logged rule ids: agreement per operator and split, counts, and the disagreeing families.
#
# Usage: bench/injection_diff.sh [KEIKAI_BINARY] [MODSEC_DRIVER] [CORPUS.jsonl]
#   KEIKAI_BINARY  default build/release/keikai
#   MODSEC_DRIVER  default: built from bench/modsec_driver.cc into a temporary directory
#   CORPUS         default: generated with bench/make_injection_corpus.py --seed 1
# Needs sqlmap (Debian package, for the corpus), libmodsecurity-dev, nlohmann-json3-dev, g++.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KEIKAI=${1:-$HERE/../build/release/keikai}
DRIVER=${2:-}
CORPUS=${3:-}
EXAMPLES=${INJECTION_DIFF_EXAMPLES:-3}
[ -x "$KEIKAI" ] || { echo "no keikai binary at $KEIKAI (build first)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -z "$DRIVER" ]; then
  DRIVER="$WORK/modsec_driver"
  # shellcheck disable=SC2046
  g++ -std=c++20 -O2 "$HERE/modsec_driver.cc" $(pkg-config --cflags --libs modsecurity) -o "$DRIVER"
fi
if [ -z "$CORPUS" ]; then
  CORPUS="$WORK/corpus.jsonl"
  python3 "$HERE/make_injection_corpus.py" -o "$CORPUS"
fi

for op in sqli xss; do
  if [ "$op" = sqli ]; then rule='"@detectSQLi" "id:1,phase:2,pass,log,t:none"'
  else rule='"@detectXSS" "id:2,phase:2,pass,log,t:none"'; fi
  printf 'SecRuleEngine On\nSecRequestBodyAccess On\nSecRule ARGS %s\n' "$rule" > "$WORK/$op.conf"
  "$DRIVER" --rules "$WORK/$op.conf" --requests "$CORPUS" --out "$WORK/m_$op.jsonl" --quiet \
    2> "$WORK/m_$op.err" || { cat "$WORK/m_$op.err" >&2; exit 1; }
  "$KEIKAI" --lang en waf-eval --rules "$WORK/$op.conf" --requests "$CORPUS" \
    --out "$WORK/k_$op.jsonl" 2> "$WORK/k_$op.err" || { cat "$WORK/k_$op.err" >&2; exit 1; }
done

echo "machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "libmodsecurity: $(pkg-config --modversion modsecurity); corpus: $(wc -l < "$CORPUS") values"
python3 "$HERE/injection_diff.py" compare --corpus "$CORPUS" --examples "$EXAMPLES" \
  --modsec-sqli "$WORK/m_sqli.jsonl" --keikai-sqli "$WORK/k_sqli.jsonl" \
  --modsec-xss "$WORK/m_xss.jsonl" --keikai-xss "$WORK/k_xss.jsonl"
