#!/usr/bin/env bash
# Hostile inputs for `keikai scan`: far dates, a hundred thousand vhosts, regex-hostile queries
# under OWASP CRS, bad JSON numbers, and terminal/bidi control sequences. Every case runs under
# an address-space limit (prlimit --as, 1 GiB by default) and a time limit (timeout), and prints
# its lines, wall seconds, peak RSS, exit code and PASS/FAIL against its bound.
#
# Usage: tests/fault/hostile_inputs.sh KEIKAI_BINARY [CRS_DIR]
#   CRS_DIR defaults to /work/shared/data/crs/v4.28.0; the CRS case is SKIPped if it is absent.
# Exit status: 0 when every case passed, 1 when any failed, 77 when none failed but some were
# skipped. Environment: KEIKAI_HOSTILE_MEM (bytes of address space, default 1073741824).
set -u -o pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 KEIKAI_BINARY [CRS_DIR]" >&2
  exit 2
fi
CRS=${2:-/work/shared/data/crs/v4.28.0}
MEM=${KEIKAI_HOSTILE_MEM:-1073741824}
START_NS=$(date +%s%N)
for tool in prlimit timeout python3; do
  command -v "$tool" >/dev/null || { echo "FAIL  setup: $tool is missing"; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "FAIL  setup: /usr/bin/time is missing (apt-get install time)"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/keikai-hostile.XXXXXX")
trap '[[ -n "${KEEP_WORK:-}" ]] || rm -rf "$W"' EXIT
trap 'echo "FAIL  interrupted"; exit 1' TERM INT HUP
cp "$1" "$W/keikai" && chmod 0755 "$W/keikai"
K="$W/keikai"
export XDG_CACHE_HOME="$W/cache"
export LC_ALL=C
KOPT=(--lang en)

PASSES=0 FAILS=0 SKIPS=0
result() {  # STATUS NAME DETAILS
  printf '%-4s  %-30s %s\n' "$1" "$2" "$3"
  case $1 in PASS) PASSES=$((PASSES + 1)) ;; FAIL) FAILS=$((FAILS + 1)) ;; *) SKIPS=$((SKIPS + 1)) ;; esac
}
# measure NAME SECONDS CMD... : runs CMD under the memory and time limits, stdout to $W/NAME.out,
# stderr to $W/NAME.err; sets M_RC, M_SECS (wall), M_KB (peak RSS), M_CPU (user+system seconds:
# the wall time also counts waiting for a shared CPU).
measure() {
  local name=$1 limit=$2; shift 2
  /usr/bin/time -f '%e %M %U %S' -o "$W/$name.time" \
    timeout -k 2 "$limit" prlimit --as="$MEM" -- "$@" >"$W/$name.out" 2>"$W/$name.err"
  M_RC=$?
  local u s
  read -r M_SECS M_KB u s < <(tail -n 1 "$W/$name.time")
  M_SECS=${M_SECS:-?} M_KB=${M_KB:-0}
  M_CPU=$(awk -v u="${u:-0}" -v s="${s:-0}" 'BEGIN { printf "%.2f", u + s }')
}
mb() { echo $(( $1 / 1024 )); }
# within SECS LIMIT_SECS KB LIMIT_MB -> 0 if the peak memory is within LIMIT_MB. The seconds are
# printed, never judged (no timing assertions in tests): a run that hangs is stopped by measure's
# timeout and fails on its exit code (124).
within() {
  awk -v kb="$3" -v lm="$4" 'BEGIN { exit !(kb / 1024 <= lm) }'
}
lines() { wc -l <"$1" | tr -d ' '; }
errtail() { tr '\n\033\007' '   ' <"$W/$1.err" | cut -c1-160; }

# Warm the pattern caches (a first run compiles them; not what is measured).
printf '192.0.2.1 - - [10/Feb/2022:10:00:00 +0900] "GET / HTTP/1.1" 200 1 "-" "warm"\n' >"$W/warm.log"
"$K" "${KOPT[@]}" scan --no-progress --db :memory: "$W/warm.log" >/dev/null 2>&1
[[ -d "$CRS" ]] && "$K" "${KOPT[@]}" scan --no-progress --db :memory: --crs "$CRS" "$W/warm.log" >/dev/null 2>&1
echo "keikai $("$K" version 2>/dev/null | head -n 1); limits: address space $(( MEM / 1048576 )) MiB per run; work dir $W"

# ---------------------------------------------------------------------------------------------
# 1. Far dates: 1,000 lines in February 2022, two dated 31/Dec/9999 and one 01/Jan/1971.
python3 - "$W/far.log" <<'EOF'
import random, sys, time
rnd = random.Random(1)
with open(sys.argv[1], "w") as f:
    t = 1643641200  # 2022-02-01 00:00 +09:00
    for i in range(1000):
        t += rnd.randrange(2400)
        ts = time.strftime("%d/%b/%Y:%H:%M:%S", time.gmtime(t + 9 * 3600))
        path = rnd.choice(["/", "/index.html", "/about", "/.env", "/wp-login.php"])
        f.write('198.51.100.%d - - [%s +0900] "GET %s HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'
                % (rnd.randrange(1, 200), ts, path))
    f.write('203.0.113.9 - - [31/Dec/9999:23:59:59 +0900] "GET /.env HTTP/1.1" 404 1 "-" "sqlmap/1.6"\n')
    f.write('203.0.113.9 - - [31/Dec/9999:23:59:58 +0000] "GET /.git/config HTTP/1.1" 404 1 "-" "zgrab/0.x"\n')
    f.write('203.0.113.8 - - [01/Jan/1971:00:00:00 +0900] "GET /wp-login.php HTTP/1.1" 404 1 "-" "Nikto"\n')
EOF
N1=$(lines "$W/far.log")
measure far_json 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/far.db" --format json "$W/far.log"
dates=$(python3 - "$W/far_json.out" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    fd, ld = r.get("first_date", ""), r.get("last_date", "")
    ok = all(s[:4].isdigit() and 2021 <= int(s[:4]) <= 2023 for s in (fd, ld))
    s = r.get("summary", {})
    reasons = sorted({b.get("reason", "?") for b in r.get("bad_line_samples", [])})
    print(int(ok), "first_date=%s last_date=%s parsed=%s bad=%s requests=%s bad reasons=%s"
          % (fd, ld, s.get("parsed"), s.get("bad_lines"), s.get("requests"), ",".join(reasons) or "-"))
except Exception as e:
    print(0, "no JSON report (%s)" % str(e)[:80])
EOF
)
d="$N1 lines, ${M_SECS} s, $(mb "$M_KB") MB, exit $M_RC; ${dates#? }"
if [[ ${dates%% *} == 1 && ( $M_RC -eq 0 || $M_RC -eq 1 ) ]] && within "$M_SECS" 10 "$M_KB" 500; then
  result PASS "1 far dates: json" "$d"
else
  result FAIL "1 far dates: json" "$d $(errtail far_json)"
fi
for fmt in html text; do
  measure "far_$fmt" 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/far.db" --format "$fmt" "$W/far.log"
  far=$(grep -aoE '(9999|1971)-[0-9]{2}-[0-9]{2}' "$W/far_$fmt.out" | sort -u | tr '\n' ' ')
  period=""
  [[ $fmt == text ]] && period="; $(grep -a -m1 '^Period' "$W/far_$fmt.out")"
  d="rescan of the same store, ${M_SECS} s, $(mb "$M_KB") MB, exit $M_RC, $(stat -c %s "$W/far_$fmt.out") B, far dates in output: ${far:-none}$period"
  if [[ ( $M_RC -eq 0 || $M_RC -eq 1 ) && -z "$far" ]] && within "$M_SECS" 10 "$M_KB" 500; then
    result PASS "1 far dates: $fmt" "$d"
  else
    result FAIL "1 far dates: $fmt" "$d $(errtail "far_$fmt")"
  fi
done

# ---------------------------------------------------------------------------------------------
# 2. 100,000 lines of vhost_combined, each with its own random vhost (nine in ten of them
# attacks, so that every vhost has attacks and attacking sources), over 100 days; the HTML report.
python3 - "$W/vhosts.log" <<'EOF'
import random, sys, time
rnd = random.Random(2)
names = set()
with open(sys.argv[1], "w") as f:
    t0 = 1638284400  # 2021-12-01 00:00 +09:00
    for i in range(100000):
        while True:
            v = "%08x.%s.example.net" % (rnd.getrandbits(32), rnd.choice(["www", "shop", "api", "cdn"]))
            if v not in names:
                break
        names.add(v)
        t = t0 + rnd.randrange(100 * 86400)
        ts = time.strftime("%d/%b/%Y:%H:%M:%S", time.gmtime(t + 9 * 3600))
        ip = "%d.%d.%d.%d" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
        if i % 10 == 9:
            req, st, ua = "GET /index.html HTTP/1.1", 200, "Mozilla/5.0 (X11; Linux x86_64) Firefox/97.0"
        else:
            req = "GET %s HTTP/1.1" % rnd.choice(["/.env", "/wp-login.php", "/.git/config", "/phpmyadmin/",
                                                 "/?id=1%27%20OR%201=1--", "/cgi-bin/.%2e/.%2e/etc/passwd"])
            st, ua = 404, rnd.choice(["zgrab/0.x", "sqlmap/1.6", "Mozilla/5.0 (compatible; Nmap Scripting Engine)"])
        f.write('%s:443 %s - - [%s +0900] "%s" %d 1234 "-" "%s"\n' % (v, ip, ts, req, st, ua))
EOF
N2=$(lines "$W/vhosts.log")
measure vhosts 60 "$K" "${KOPT[@]}" scan --no-progress --db "$W/vhosts.db" --format html -o "$W/vhosts.html" "$W/vhosts.log"
hb=$(stat -c %s "$W/vhosts.html" 2>/dev/null || echo 0)
fmt2=no; grep -aq '>vhost_combined<' "$W/vhosts.html" 2>/dev/null && fmt2=yes
named=$(grep -aoE '[0-9a-f]{8}\.(www|shop|api|cdn)\.example\.net' "$W/vhosts.html" 2>/dev/null | sort -u | wc -l)
d="$N2 lines, ${M_SECS} s (cpu ${M_CPU} s), $(mb "$M_KB") MB, exit $M_RC, HTML $(( hb / 1024 )) KiB (bound 20 MiB), read as vhost_combined: $fmt2, vhosts named in the HTML: $named"
if [[ $M_RC -eq 0 && $fmt2 == yes && $hb -gt 0 && $hb -lt $(( 20 * 1048576 )) ]] && within "$M_SECS" 60 "$M_KB" 1024; then
  result PASS "2 100k vhosts: html" "$d"
else
  result FAIL "2 100k vhosts: html" "$d $(errtail vhosts)"
fi

# ---------------------------------------------------------------------------------------------
# 3. Regex-hostile query strings under OWASP CRS: "${" repeated to 1-16 KB, and five 8 KB
# pathological shapes. One line per run; "per line" is the wall time minus that of a benign
# one-line scan with the same rules (start-up and rule loading).
if [[ ! -d "$CRS/rules" ]]; then
  result SKIP "3 regex-hostile, --crs" "no CRS tree at $CRS"
else
  crs_line() {  # NAME QUERY
    printf '192.0.2.7 - - [10/Feb/2022:10:00:00 +0900] "GET /search?q=%s HTTP/1.1" 200 100 "-" "Mozilla/5.0"\n' "$2" >"$W/crs_$1.log"
  }
  rep() { python3 -c 'import sys; s, n = sys.argv[1], int(sys.argv[2]); print((s * (n // len(s) + 1))[:n])' "$1" "$2"; }
  crs_line base "hello"
  measure crs_base 30 "$K" "${KOPT[@]}" scan --no-progress --db :memory: --crs "$CRS" "$W/crs_base.log"
  BASE=$M_SECS
  echo "      CRS $(basename "$CRS"): a benign one-line scan takes ${BASE} s, $(mb "$M_KB") MB, exit $M_RC"
  CASES=()
  for kb in 1 2 4 8 16; do crs_line "dollar${kb}k" "$(rep '${' $(( kb * 1024 )))"; CASES+=("dollar${kb}k"); done
  crs_line quote8k "$(rep "'" 8192)"; CASES+=(quote8k)
  crs_line paren8k "$(rep '(' 8192)"; CASES+=(paren8k)
  crs_line u00008k "$(rep '%u0000' 8192)"; CASES+=(u00008k)
  crs_line comment8k "$(rep '/*' 8192)"; CASES+=(comment8k)
  crs_line args8k "$(rep '&a=1' 8192)"; CASES+=(args8k)
  for c in "${CASES[@]}"; do
    measure "crs_$c" 10 "$K" "${KOPT[@]}" scan --no-progress --db :memory: --crs "$CRS" --format json "$W/crs_$c.log"
    per=$(awk -v s="$M_SECS" -v b="$BASE" 'BEGIN { if (s == "?") print "?"; else printf "%.2f", s - b }')
    att=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["summary"]; print("parsed %s, bad %s, attacks %s" % (s["parsed"], s["bad_lines"], s["attacks"]))' "$W/crs_$c.out" 2>/dev/null || echo "no report")
    d="1 line of $(( $(stat -c %s "$W/crs_$c.log") / 1024 )) KiB: ${M_SECS} s (${per} s for the line; cpu ${M_CPU} s), $(mb "$M_KB") MB, exit $M_RC, $att"
    if [[ $M_RC -eq 0 ]] && within "$M_SECS" 10 "$M_KB" 1024; then
      result PASS "3 crs: $c" "$d"
    else
      result FAIL "3 crs: $c" "$d $(errtail "crs_$c")"
    fi
  done
fi

# ---------------------------------------------------------------------------------------------
# 4. Bad numbers in nginx JSON lines. Each line is an attack (so a parsed line shows in the
# NDJSON output with its status); a line must be either a bad line or carry a status 0..999.
python3 - "$W/numbers.log" "$W/numbers.labels" <<'EOF'
import sys
base = ('"time_iso8601":"2022-02-10T10:00:%02d+09:00","remote_addr":"203.0.113.%d",'
        '"request":"GET /.env HTTP/1.1","http_user_agent":"sqlmap/1.6","host":"json.example"')
cases = [
    ("control: status 404", '"status":404,"body_bytes_sent":12'),
    ('status "nan"', '"status":"nan","body_bytes_sent":12'),
    ("status 1e999", '"status":1e999,"body_bytes_sent":12'),
    ("status -5", '"status":-5,"body_bytes_sent":12'),
    ("status twice (200, 404)", '"status":200,"body_bytes_sent":12,"status":404'),
    ('bytes "inf"', '"status":404,"bytes":"inf"'),
    ("extra: status NaN (bare)", '"status":NaN,"body_bytes_sent":12'),
    ("extra: status 2147483648", '"status":2147483648,"body_bytes_sent":12'),
    ('extra: status "-2147483648"', '"status":"-2147483648","body_bytes_sent":12'),
    ("extra: status 1e300", '"status":1e300,"body_bytes_sent":12'),
    ("extra: status 404.5", '"status":404.5,"body_bytes_sent":12'),
    ('extra: bytes -1', '"status":404,"body_bytes_sent":-1'),
]
with open(sys.argv[1], "w") as f, open(sys.argv[2], "w") as g:
    for i, (label, extra) in enumerate(cases):
        f.write("{" + base % (i, i + 1) + "," + extra + "}\n")
        g.write(label + "\n")
EOF
N4=$(lines "$W/numbers.log")
measure num_nd 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/num1.db" --log-format nginx-json --format ndjson "$W/numbers.log"
rc_nd=$M_RC s_nd=$M_SECS
measure num_js 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/num2.db" --log-format nginx-json --format json "$W/numbers.log"
measure num_auto 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/num3.db" --format json "$W/numbers.log"
verdict=$(python3 - "$W/numbers.labels" "$W/num_nd.out" "$W/num_js.out" "$W/num1.db" "$W/num_auto.out" <<'EOF'
import json, sqlite3, sys
labels = open(sys.argv[1]).read().splitlines()
nd = {}
for l in open(sys.argv[2], errors="replace"):
    try:
        o = json.loads(l)
        nd[int(o["line"])] = o.get("status")
    except Exception:
        pass
bad = {}
try:
    r = json.load(open(sys.argv[3]))
    for b in r.get("bad_line_samples", []):
        bad[int(b["line"])] = b.get("reason")
    summ = r["summary"]
except Exception as e:
    summ = {}
stored = {}
try:
    db = sqlite3.connect("file:" + sys.argv[4] + "?mode=ro", uri=True)
    for line, st in db.execute("SELECT line, status FROM findings"):
        stored[int(line)] = st
except Exception:
    pass
try:
    f0 = json.load(open(sys.argv[5]))["files"][0]
    auto = f0.get("format") or "none (%s: %s)" % (f0.get("error_code", "?"), f0.get("error", "?")[:50])
except Exception:
    auto = "?"
ok = True
out = []
for i, label in enumerate(labels, 1):
    st, sst, reason = nd.get(i), stored.get(i), bad.get(i)
    garbage = [x for x in (st, sst) if x is not None and not (isinstance(x, int) and 0 <= x <= 999)]
    if i == 1 and st != 404:
        ok = False
        garbage.append("control line not reported with 404")
    if garbage:
        ok = False
    if st is None and sst is None and reason is None:
        what = "not reported at all"
        ok = False
    elif reason is not None and st is None:
        what = "bad line (%s)" % reason
    else:
        what = "ndjson status %s, stored %s" % (st, sst) + ("" if reason is None else ", also bad (%s)" % reason)
    out.append("      %-2d %-30s %s%s" % (i, label, what, "  <-- GARBAGE" if garbage else ""))
print(int(ok), "parsed %s, bad %s; without --log-format the format detected is %s" % (summ.get("parsed"), summ.get("bad_lines"), auto))
print("\n".join(out))
EOF
)
first=$(head -n 1 <<<"$verdict")
d="$N4 lines, ndjson ${s_nd} s exit $rc_nd, json ${M_SECS} s exit $M_RC; ${first#? }"
if [[ ${first%% *} == 1 && ( $rc_nd -eq 0 || $rc_nd -eq 1 ) ]]; then
  result PASS "4 bad JSON numbers" "$d"
else
  result FAIL "4 bad JSON numbers" "$d $(errtail num_nd)"
fi
tail -n +2 <<<"$verdict"

# ---------------------------------------------------------------------------------------------
# 5. Terminal and bidi controls in the vhost, Host, path, user agent, file name and bad lines
# (ESC/CSI, OSC 0 title, OSC 8 link, BEL, NUL (not in the file name: impossible), C1 U+009B,
# invalid UTF-8, U+202E). The text output must carry no ESC, BEL, C1 (encoded or raw) or U+202E;
# the JSON, HTML and NDJSON outputs no raw U+202E. Other controls are counted for information.
python3 - "$W/ctl" <<'EOF'
import json, os, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
ESC, BEL, C1, RLO = b"\x1b", b"\x07", b"\xc2\x9b", "\u202e".encode()
TITLE = ESC + b"]0;pwned" + BEL
LINK = ESC + b"]8;;http://evil.example/" + ESC + b"\\click" + ESC + b"]8;;" + ESC + b"\\"
CSI = ESC + b"[2J" + ESC + b"[31m"
BAD = b"\xff\xfe\xc0\xaf"
ts = b"[10/Feb/2022:10:%02d:00 +0900]"
paths = [b"/.env" + TITLE, b"/wp-login.php" + LINK, b"/admin" + CSI + b".php", b"/.git/config" + C1 + b"31m",
         b"/shell.php" + RLO + b"gpj.", b"/backup.sql" + BAD, b"/.env" + BEL + BEL + b"\x00nul"]
uas = [b"sqlmap/1.6 " + TITLE, b"zgrab/0.x " + LINK, b"Nikto " + CSI + b"red", b"sqlmap " + C1 + b"2J",
       b"sqlmap " + RLO + b"exe.gnp", b"sqlmap " + BAD, b"sqlmap \x00 nul " + BEL]
# A combined log whose file name carries the controls (the site is taken from it).
name = b"ctl-" + ESC + b"]0;title" + BEL + b"-" + C1 + b"-" + RLO + b"-" + BAD + b"-" + ESC + b"[31m.log"
with open(os.path.join(d.encode(), name), "wb") as f:
    for i, (p, u) in enumerate(zip(paths, uas)):
        f.write(b"198.51.100.%d - - " % (i + 1) + ts % i + b' "GET ' + p + b' HTTP/1.1" 404 9 "-" "' + u + b'"\n')
    f.write(b"garbage " + TITLE + CSI + RLO + C1 + BAD + b" not a log line\n")
# vhost_combined: the controls in the vhost.
vh = [b"evil" + TITLE + b".example", b"link" + ESC + b"]8;;evil.example/" + ESC + b"\\x" + ESC + b"]8;;" + ESC + b"\\",
      b"csi" + CSI + b".example", b"c1" + C1 + b"31m.example", b"rlo" + RLO + b"moc.example", b"bad" + BAD + b".example",
      b"nul\x00" + BEL + b".example"]
with open(os.path.join(d, "vhosts.log"), "wb") as f:
    for i, v in enumerate(vh):
        f.write(v + b":80 203.0.113.%d - - " % (i + 1) + ts % i + b' "GET /.env HTTP/1.1" 404 9 "-" "zgrab/0.x"\n')
# nginx JSON: the controls as \u escapes (decoded by the parser) in host, request and agent.
with open(os.path.join(d, "json.log"), "w") as f:
    for i, s in enumerate(["\u001b]0;pwned\u0007", "\u009b31m", "\u202e", "\u0000", "\u001b[2J"]):
        f.write(json.dumps({"time_iso8601": "2022-02-10T11:%02d:00+09:00" % i, "remote_addr": "192.0.2.%d" % (i + 1),
                            "request": "GET /.env%s HTTP/1.1" % s.replace(" ", ""), "status": 404,
                            "body_bytes_sent": 1, "http_user_agent": "sqlmap " + s, "host": "h" + s + ".example"}) + "\n")
EOF
N5=$(cat "$W"/ctl/* | wc -l)
scan_fmt() {  # FORMAT -> stdout of the report in $W/ctl_FORMAT.out
  measure "ctl_$1" 10 "$K" "${KOPT[@]}" scan --no-progress --db "$W/ctl_$1.db" --format "$1" "$W/ctl"
}
inspect() {  # FILE -> "ESC BEL C1 RAWC1 NUL C0 RLO BIDI INVALID"
  python3 - "$1" <<'EOF'
import re, sys
b = open(sys.argv[1], "rb").read()
s = b.decode("utf-8", "surrogateescape")
c = lambda pat: len(re.findall(pat, s))
print(s.count("\x1b"), s.count("\x07"), c("[\x80-\x9f]"), c("[\udc80-\udc9f]"), s.count("\x00"),
      c("[\x01-\x06\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]"), s.count("\u202e"),
      c("[\u061c\u200e\u200f\u202a-\u202d\u2066-\u2069]"), c("[\udc80-\udcff]"))
EOF
}
describe() {  # "ESC BEL C1 RAWC1 NUL C0 RLO BIDI INVALID"
  set -- $1
  echo "ESC $1, BEL $2, C1 $3 (+$4 raw), NUL $5, other C0 $6, U+202E $7, other bidi $8, invalid UTF-8 bytes $9"
}
for fmt in text json html ndjson; do
  scan_fmt "$fmt"
  cnt=$(inspect "$W/ctl_$fmt.out")
  read -r esc bel c1 rc1 _ _ rlo _ _ <<<"$cnt"
  d="$N5 lines in 3 files, ${M_SECS} s, $(mb "$M_KB") MB, exit $M_RC, $(stat -c %s "$W/ctl_$fmt.out") B out: $(describe "$cnt")"
  case $fmt in
    text) bad=$(( esc + bel + c1 + rc1 + rlo )); rule="no ESC, BEL, C1 or U+202E" ;;
    *) bad=$rlo; rule="no raw U+202E" ;;
  esac
  if [[ $bad -eq 0 && ( $M_RC -eq 0 || $M_RC -eq 1 ) ]] && within "$M_SECS" 10 "$M_KB" 500; then
    result PASS "5 controls: $fmt" "$d ($rule)"
  else
    result FAIL "5 controls: $fmt" "$d ($rule) $(errtail "ctl_$fmt")"
  fi
done
echo "      stderr of the text run: $(describe "$(inspect "$W/ctl_text.err")")"

echo "total: $PASSES passed, $FAILS failed, $SKIPS skipped in $(( ($(date +%s%N) - START_NS) / 1000000000 )) s"
if (( FAILS > 0 )); then exit 1; fi
if (( SKIPS > 0 )); then exit 77; fi
exit 0
