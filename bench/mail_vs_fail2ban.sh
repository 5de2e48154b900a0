#!/usr/bin/env bash
# Mail-log parse rate: `keikai mail logs` vs fail2ban-regex (Debian fail2ban) with its postfix and
# dovecot filters, on the same generated day of a mail server's syslog (bench/make_mail_log.py:
# Postfix and Dovecot lines of 20,000 clients with a heavy tail, guessers, rejects, postscreen,
# anvil and one flood hour). Both pinned to the same core, in ROUNDS interleaved rounds after a
# warm-up. Prints lines/s of each, and the ratios.
#
# What each does per line:
#   keikai mail logs --format json   detects the format, parses every line (time, program,
#       client, what happened, symptoms), keeps per-source and per-minute counts, finds delay
#       incidents, re-reads the log for the incident's per-source attribution when there is
#       one, and writes the JSON report (sources, incidents, every minute).
#   fail2ban-regex LOG FILTER         detects each line's date, runs the filter's prefix regex
#       and failregexes (mode=aggressive: every rule of the filter), counts matches per rule.
#       One filter per run: a user covering Postfix and Dovecot runs two passes, so both the
#       faster single-filter rate and the two-filter rate are printed. The ratio the issue
#       sets its target on is against the faster single filter (the stricter comparison).
#
# Usage: bench/mail_vs_fail2ban.sh [BUILD_DIR] [LINES] [ROUNDS]
set -euo pipefail
BUILD=${1:-build/release}
LINES=${2:-1000000}
RUNS=${3:-3}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
command -v fail2ban-regex >/dev/null || { echo "fail2ban-regex is not installed (apt-get install fail2ban)" >&2; exit 1; }
CORE=$(( $(nproc) - 1 ))
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)

python3 "$HERE/make_mail_log.py" -n "$LINES" --seed 1 > "$WORK/mail.log"
N=$(wc -l < "$WORK/mail.log")
MB=$(du -m "$WORK/mail.log" | cut -f1)

KM_CMD=("$KEIKAI" mail logs --format json --log-tz UTC "$WORK/mail.log")
FP_CMD=(fail2ban-regex --print-no-missed "$WORK/mail.log" "/etc/fail2ban/filter.d/postfix.conf[mode=aggressive]")
FD_CMD=(fail2ban-regex --print-no-missed "$WORK/mail.log" "/etc/fail2ban/filter.d/dovecot.conf[mode=aggressive]")

# One timed run pinned to the core: CPU seconds (user + system) into $WORK/t; the output kept.
timed() {
  local out=$1; shift
  if ! /usr/bin/time -f "%e %U %S" -o "$WORK/t" taskset -c "$CORE" "$@" >"$WORK/$out" 2>"$WORK/err"; then
    echo "benchmark run failed: $*" >&2
    tail -n 5 "$WORK/err" >&2
    exit 1
  fi
  read -r wall u s < "$WORK/t"
  awk "BEGIN{print $u + $s, $wall}"
}
for cmd in KM_CMD FP_CMD FD_CMD; do declare -n c=$cmd; "${c[@]}" >/dev/null 2>&1 || true; done
: > "$WORK/rounds"
for _ in $(seq "$RUNS"); do
  read -r fp _ < <(timed fp.out "${FP_CMD[@]}")
  read -r fd _ < <(timed fd.out "${FD_CMD[@]}")
  ks=""
  for _ in 1 2 3; do read -r k _ < <(timed k.json "${KM_CMD[@]}"); ks="$ks $k"; done
  km=$(echo $ks | tr ' ' '\n' | sort -g | sed -n 2p)  # the round's median of three
  echo "$fp $fd $km" >> "$WORK/rounds"
done

# What each found, so that the runs are seen to have done their work.
python3 - "$WORK" <<'EOF'
import json, re, sys
w = sys.argv[1]
k = json.load(open(w + "/k.json"))
print("keikai: %d records, %d connections, %d auth failures, %d sources, %d incident(s)%s" % (
    k["totals"]["records"], k["totals"]["connections"], k["totals"]["auth_failures"], k["source_count"],
    len(k["incidents"]), "".join(" [%s %s..%s, top %s]" % (i["kind"], i["start"], i["end"], i["sources"][0]["address"])
                                 for i in k["incidents"])))
for name in ("fp", "fd"):
    m = re.search(r"Lines: (\d+) lines, (\d+) ignored, (\d+) matched", open(w + "/" + name + ".out").read())
    print("fail2ban-regex %s: %s lines, %s matched" % ("postfix" if name == "fp" else "dovecot", m.group(1), m.group(3)))
EOF

awk -v n="$N" -v mb="$MB" '
  { fp[NR]=$1; fd[NR]=$2; km[NR]=$3; r1[NR]=($1<$2?$1:$2)/$3; r2[NR]=($1+$2)/$3 }
  function best(a,   i, b) { b=a[1]; for (i in a) if (a[i]<b) b=a[i]; return b }
  function median(a, k,   i, j, t, s) { for (i=1;i<=k;i++) s[i]=a[i];
    for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (s[j]<s[i]) { t=s[i]; s[i]=s[j]; s[j]=t }
    return k%2 ? s[(k+1)/2] : (s[k/2]+s[k/2+1])/2 }
  END {
    k=NR
    printf "input: %d lines, %d MB (bench/make_mail_log.py --seed 1); CPU seconds, best of %d rounds\n", n, mb, k
    printf "  fail2ban-regex postfix filter   %7.2f s  %10.0f lines/s\n", best(fp), n/best(fp)
    printf "  fail2ban-regex dovecot filter   %7.2f s  %10.0f lines/s\n", best(fd), n/best(fd)
    printf "  fail2ban-regex both filters     %7.2f s  %10.0f lines/s\n", best(fp)+best(fd), n/(best(fp)+best(fd))
    printf "  keikai mail logs                %7.2f s  %10.0f lines/s\n", best(km), n/best(km)
    printf "ratio vs the faster single filter: best %.1fx, median of rounds %.1fx (target 10x)\n", (best(fp)<best(fd)?best(fp):best(fd))/best(km), median(r1,k)
    printf "ratio vs both filters:             best %.1fx, median of rounds %.1fx\n", (best(fp)+best(fd))/best(km), median(r2,k)
  }' "$WORK/rounds"
