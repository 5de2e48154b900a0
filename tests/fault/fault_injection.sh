#!/usr/bin/env bash
# Fault injection for keikai's store: kills at random points, a full disk, concurrent writers, a
# damaged database, rotation with look-alike copies, and a read-only database.
#
# Usage: tests/fault/fault_injection.sh KEIKAI_BINARY
#
# Prints one line per check: PASS, FAIL or SKIP, with the numbers behind it. Exit status: 0 when
# every check passed, 1 when any failed, 77 when none failed but some were skipped (the
# read-only check needs root to run as another user).
# Bounded: every keikai run has a timeout, every loop a fixed count, and a watchdog ends the
# whole script after KEIKAI_FAULT_LIMIT seconds (default 300). Work files live in a temporary
# directory that is removed on exit, with every background process and the tmpfs.
#
# Environment: KEIKAI_FAULT_SCALE (demo scale, default 0.3), KEIKAI_FAULT_SEED (default 20220216).
set -u -o pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 KEIKAI_BINARY" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DUMP="$HERE/dump_store.py"
SCALE=${KEIKAI_FAULT_SCALE:-0.3}
SEED=${KEIKAI_FAULT_SEED:-20220216}
LIMIT=${KEIKAI_FAULT_LIMIT:-300}
RUN_TIMEOUT=120                      # any single keikai run
START_NS=$(date +%s%N)

W=$(mktemp -d "${TMPDIR:-/tmp}/keikai-fault.XXXXXX")
BG=()                                # background processes started here
MNT=""                               # the tmpfs, while mounted
cleanup() {
  local p
  [[ -n "${WATCHDOG:-}" ]] && kill -TERM "$WATCHDOG" 2>/dev/null
  for p in "${BG[@]}"; do [[ "$p" != "${WATCHDOG:-}" ]] && kill -KILL "$p" 2>/dev/null; done
  for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
  if [[ -n "$MNT" ]]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; fi
  chmod -R u+rwX "$W" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'echo "FAIL  watchdog/interrupt: stopped after $(( ($(date +%s%N) - START_NS) / 1000000000 )) s"; exit 1' TERM INT HUP
( sleep "$LIMIT" & s=$!; trap 'kill "$s" 2>/dev/null; exit 0' TERM; wait "$s" && kill -TERM $$ 2>/dev/null ) &
WATCHDOG=$!
BG+=("$WATCHDOG")

# A private copy of the binary (a rebuild during the run cannot swap it; the unprivileged user of
# check g can run it) and a private cache directory (compiled pattern databases).
cp "$1" "$W/keikai" && chmod 0755 "$W/keikai"
K="$W/keikai"
export XDG_CACHE_HOME="$W/cache"
export LC_ALL=C
KOPT=(--lang en)
SOPT=(--no-progress)

PASSES=0 FAILS=0 SKIPS=0
result() {  # STATUS NAME DETAILS
  printf '%-4s  %-34s %s\n' "$1" "$2" "$3"
  case $1 in PASS) PASSES=$((PASSES + 1)) ;; FAIL) FAILS=$((FAILS + 1)) ;; *) SKIPS=$((SKIPS + 1)) ;; esac
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
scan() {  # DB ARGS... ; stdout discarded, stderr kept in $W/last.err
  local db=$1; shift
  timeout -k 5 "$RUN_TIMEOUT" "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$db" "$@" >/dev/null 2>"$W/last.err"
}
dump() { python3 "$DUMP" "$1" >"$2"; }
requests() {  # total requests stored, from dump_store --summary
  python3 "$DUMP" "$1" --summary 2>/dev/null | sed -n 's/^request_hours:.* requests=\([0-9]*\).*/\1/p'
}
marks() {  # "REQUESTS MARKED_LINES" of a store that may have been left by a killed scan
  python3 - "$1" 2>/dev/null <<'EOF'
import sqlite3, sys
try:
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    r = db.execute("SELECT COALESCE(SUM(count), 0) FROM request_hours").fetchone()[0]
    l = db.execute("SELECT COALESCE(SUM(lines), 0) FROM streams").fetchone()[0]
    print(r, l)
except Exception as e:  # a store not even created yet
    print(0, 0)
EOF
}
same() {  # DUMP_A DUMP_B -> 0 if equal; prints "equal" or "N differing lines"
  if cmp -s "$1" "$2"; then echo "equal"; return 0; fi
  echo "$(diff "$1" "$2" | grep -c '^[<>]') differing lines"
  return 1
}
rows() { wc -l <"$1" | tr -d ' '; }

# ---------------------------------------------------------------------------------------------
# Inputs: the demo's four sites (scale $SCALE).
LOGS="$W/logs"
if ! timeout 120 "$K" "${KOPT[@]}" demo --generate-only "$LOGS" --scale "$SCALE" >/dev/null 2>"$W/gen.err"; then
  result FAIL "setup: demo --generate-only" "$(head -c 300 "$W/gen.err")"
  exit 1
fi
rm -f "$LOGS/truth.json"
FILES=("$LOGS"/*.log)               # absolute paths: the store keeps the path as given
declare -A NL
TOTAL=0
for f in "${FILES[@]}"; do NL[$f]=$(wc -l <"$f"); TOTAL=$((TOTAL + NL[$f])); done
BLOG="$LOGS/blog.example.jp.log" CALM="$LOGS/calm.example.jp.log" CORP="$LOGS/corp.example.jp.log"
echo "inputs: ${#FILES[@]} files, $TOTAL lines (demo --scale $SCALE), seed $SEED, work dir $W"

# ---------------------------------------------------------------------------------------------
# a) Reference: one clean scan. (A first run compiles the pattern cache; it is not timed.)
scan "$W/warm.db" "$CALM"; rm -f "$W"/warm.db*
t0=$(now_ms); scan "$W/ref.db" "${FILES[@]}"; rc=$?; T=$(( $(now_ms) - t0 ))
dump "$W/ref.db" "$W/A.dump"
REF_REQ=$(requests "$W/ref.db")
if [[ $rc -eq 0 && "$REF_REQ" == "$TOTAL" && -s "$W/A.dump" ]]; then
  result PASS "a reference scan" "exit 0, $TOTAL lines -> $REF_REQ requests, dump $(rows "$W/A.dump") rows, scan $(secs "$T") s"
else
  result FAIL "a reference scan" "exit $rc, $TOTAL lines -> ${REF_REQ:-?} requests, dump $(rows "$W/A.dump") rows: $(head -c 300 "$W/last.err")"
  echo "the reference failed; nothing else can be compared"; exit 1
fi
(( T < 200 )) && T=200

# ---------------------------------------------------------------------------------------------
# b) SIGKILL at random points. Each delay is drawn from its own eighth of the measured scan time
# (seeded), so the kills are spread over the whole scan. After each kill the store must be
# consistent: the stored requests equal the lines its resume marks say were ingested.
RANDOM=$SEED
kill_run() {  # DB DELAY_MS ARGS... ; sets KR_RC
  local db=$1 d=$2; shift 2
  "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$db" "$@" >/dev/null 2>>"$W/kill.err" &
  local p=$!
  BG+=("$p")
  sleep "$(secs "$d")"
  kill -KILL "$p" 2>/dev/null
  { wait "$p"; } 2>/dev/null
  KR_RC=$?
}

killed=0 finished=0 bad=0 trail=""
for i in 1 2 3 4 5 6 7 8; do
  d=$(( (i - 1) * T / 8 + RANDOM % (T / 8 + 1) ))
  kill_run "$W/b1.db" "$d" "${FILES[@]}"
  [[ $KR_RC -eq 137 ]] && killed=$((killed + 1)) || finished=$((finished + 1))
  read -r r l < <(marks "$W/b1.db")
  [[ "$r" != "$l" ]] && bad=$((bad + 1))
  trail+=" ${d}ms:$r"
done
scan "$W/b1.db" "${FILES[@]}"; rc=$?
dump "$W/b1.db" "$W/b1.dump"
cmpmsg=$(same "$W/A.dump" "$W/b1.dump"); eq=$?
detail="8 runs ($killed killed, $finished finished first; delay:stored requests$trail), then full scan exit $rc; dump vs A: $cmpmsg; stores inconsistent after a kill: $bad"
[[ $rc -eq 0 && $eq -eq 0 && $bad -eq 0 ]] && result PASS "b1 SIGKILL, all files" "$detail" || result FAIL "b1 SIGKILL, all files" "$detail"

# b2) One invocation per file, in order: two killed at random points of that file's share of
# the scan time, then one to completion; then all files at once. Scanning the sites one by one
# is not the same as scanning them together (behaviour is followed across sites in time order),
# so the reference is the same sequence of invocations without kills.
for f in "${FILES[@]}"; do scan "$W/b2ref.db" "$f"; done
scan "$W/b2ref.db" "${FILES[@]}"; rc_ref=$?
dump "$W/b2ref.db" "$W/b2ref.dump"
killed=0 finished=0 bad=0 trail="" rcs=0
for f in "${FILES[@]}"; do
  tf=$(( T * NL[$f] / TOTAL + 100 ))
  for _ in 1 2; do
    d=$(( RANDOM % tf ))
    kill_run "$W/b2.db" "$d" "$f"
    [[ $KR_RC -eq 137 ]] && killed=$((killed + 1)) || finished=$((finished + 1))
    read -r r l < <(marks "$W/b2.db")
    [[ "$r" != "$l" ]] && bad=$((bad + 1))
    trail+=" ${d}ms:$r"
  done
  scan "$W/b2.db" "$f" || rcs=$((rcs + 1))
done
scan "$W/b2.db" "${FILES[@]}" || rcs=$((rcs + 1))
dump "$W/b2.db" "$W/b2.dump"
cmpmsg=$(same "$W/b2ref.dump" "$W/b2.dump"); eq=$?
detail="8 killed runs ($killed killed, $finished finished first;$trail), completing runs failed: $rcs; dump vs per-file reference (exit $rc_ref): $cmpmsg; inconsistent after a kill: $bad"
[[ $rcs -eq 0 && $rc_ref -eq 0 && $eq -eq 0 && $bad -eq 0 ]] && result PASS "b2 SIGKILL, file by file" "$detail" || result FAIL "b2 SIGKILL, file by file" "$detail"
echo "      note: per-file reference vs A (all at once): $(same "$W/A.dump" "$W/b2ref.dump"); requests $(requests "$W/b2ref.db") vs $REF_REQ"

# b3) An attack-only input: nearly every line is a finding, so a batch is committed every
# 10,000 findings inside a file (the demo logs mostly commit at the end of a file), and the
# kills land between commits in the middle of a plain file and of a gzip stream: the resume
# marks, checkpoints and the behaviour checkpoint of an unfinished file are what is exercised.
gen_attacks() {  # SEED LINES START_EPOCH
  python3 - "$@" <<'EOF'
import random, sys, time
seed, n, t = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
paths = ["/.env", "/wp-login.php", "/phpmyadmin/index.php", "/.git/config",
         "/cgi-bin/../../../../etc/passwd", "/index.php?id=1%27%20OR%20%271%27%3D%271", "/shell.php",
         "/actuator/env", "/?q=%3Cscript%3Ealert(1)%3C/script%3E", "/backup.sql",
         "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/server-status", "/.aws/credentials",
         "/?x=${jndi:ldap://x.example/a}", "/admin/config.php"]
uas = ["zgrab/0.x", "Mozilla/5.00 (Nikto/2.1.6)", "sqlmap/1.6#stable (https://sqlmap.org)",
       "python-requests/2.27.1", "curl/7.81.0", "Go-http-client/1.1",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36"]
out = sys.stdout
for i in range(n):
    t += rnd.randrange(6)
    k = rnd.randrange(300)
    ip = "%d.%d.%d.%d" % (45 + k * 7 % 150, k * 13 % 256, k % 8, 1 + k % 30)
    ts = time.strftime("%d/%b/%Y:%H:%M:%S", time.gmtime(t + 9 * 3600))
    out.write('%s - - [%s +0900] "GET %s HTTP/1.1" %d %d "-" "%s"\n' % (
        ip, ts, rnd.choice(paths), 404 if rnd.random() < 0.8 else 200, rnd.randrange(5000), rnd.choice(uas)))
EOF
}
ATT1="$W/att/probes.log" ATT2="$W/att/probes2.log.gz"
mkdir -p "$W/att"
gen_attacks "$SEED" 30000 1643673600 >"$ATT1"
gen_attacks $((SEED + 1)) 20000 1643900000 | gzip >"$ATT2"
t0=$(now_ms); scan "$W/b3ref.db" "$ATT1" "$ATT2"; rc_ref=$?; T3=$(( $(now_ms) - t0 ))
dump "$W/b3ref.db" "$W/b3ref.dump"
(( T3 < 200 )) && T3=200
killed=0 finished=0 bad=0 trail=""
for i in 1 2 3 4 5 6 7 8; do
  d=$(( (i - 1) * T3 / 8 + RANDOM % (T3 / 8 + 1) ))
  kill_run "$W/b3.db" "$d" "$ATT1" "$ATT2"
  [[ $KR_RC -eq 137 ]] && killed=$((killed + 1)) || finished=$((finished + 1))
  read -r r l < <(marks "$W/b3.db")
  [[ "$r" != "$l" ]] && bad=$((bad + 1))
  trail+=" ${d}ms:$r"
done
scan "$W/b3.db" "$ATT1" "$ATT2"; rc=$?
dump "$W/b3.db" "$W/b3.dump"
cmpmsg=$(same "$W/b3ref.dump" "$W/b3.dump"); eq=$?
detail="50000 attack lines (plain + gzip), clean scan exit $rc_ref in $(secs "$T3") s, dump $(rows "$W/b3ref.dump") rows; 8 runs ($killed killed, $finished finished first;$trail), then full scan exit $rc; dump vs clean: $cmpmsg; inconsistent after a kill: $bad"
[[ $rc -eq 0 && $rc_ref -eq 0 && $eq -eq 0 && $bad -eq 0 ]] && result PASS "b3 SIGKILL, mid-file commits" "$detail" || result FAIL "b3 SIGKILL, mid-file commits" "$detail"

# ---------------------------------------------------------------------------------------------
# c) Full disk: the store on a 3 MB tmpfs, then the tmpfs grown and the scan repeated. Where a
# tmpfs cannot be mounted (a container without CAP_SYS_ADMIN, or not root), the file size limit
# (RLIMIT_FSIZE, with SIGXFSZ ignored) makes the writes fail the same way (EFBIG).
full_disk_check() {  # HOW: "tmpfs" or "fsize"
  local how=$1 db rc1 rc2 eq cmpmsg err1 t0 t1 full used1
  if [[ $how == tmpfs ]]; then
    db="$MNT/k.db"
    t0=$(now_ms); scan "$db" "${FILES[@]}"; rc1=$?; t1=$(( $(now_ms) - t0 ))
  else
    mkdir -p "$W/fsize"; db="$W/fsize/k.db"
    t0=$(now_ms)
    timeout -k 5 "$RUN_TIMEOUT" bash -c 'trap "" XFSZ; exec prlimit --fsize=3145728 "$@"' _ \
      "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$db" "${FILES[@]}" >/dev/null 2>"$W/last.err"
    rc1=$?; t1=$(( $(now_ms) - t0 ))
  fi
  err1=$(tr '\n' ' ' <"$W/last.err" | head -c 400)
  used1=$(du -sk "$(dirname "$db")" | cut -f1)
  full=0; grep -qi "full" "$W/last.err" && full=1
  if [[ $how == tmpfs ]]; then
    if mount -o remount,size=64m "$MNT" 2>"$W/mount.err"; then rc2=ok; else rc2="remount failed: $(head -c 200 "$W/mount.err")"; fi
  else
    rc2=ok
  fi
  if [[ $rc2 == ok ]]; then
    scan "$db" "${FILES[@]}"; rc2=$?
    dump "$db" "$W/c.dump"
    cmpmsg=$(same "$W/A.dump" "$W/c.dump"); eq=$?
  else
    eq=1; cmpmsg="-"
  fi
  detail="$how 3 MB: exit $rc1 after $(secs "$t1") s, ${used1} KB used, stderr mentions full: $full ($err1); rescan with room: exit $rc2, dump vs A: $cmpmsg"
  [[ $rc1 -eq 1 && $full -eq 1 && "$rc2" == 0 && $eq -eq 0 ]] && result PASS "c full disk" "$detail" || result FAIL "c full disk" "$detail"
}
mkdir -p "$W/mnt"
if [[ $(id -u) -eq 0 ]] && mount -t tmpfs -o size=3m,mode=0755 keikai-fault "$W/mnt" 2>"$W/mount.err"; then
  MNT="$W/mnt"
  full_disk_check tmpfs
  umount "$MNT" 2>/dev/null || umount -l "$MNT"
  MNT=""
else
  echo "  (no tmpfs: $(head -c 160 "$W/mount.err" 2>/dev/null); the file size limit stands in for a full disk)"
  full_disk_check fsize
fi

# ---------------------------------------------------------------------------------------------
# d) Two writers at once. First on a new database (different inputs, 5 tries), then on an
# existing one (the same input, and different inputs) against sequential references.
both() {  # DB ARGS_P -- ARGS_Q ; sets RC_P RC_Q
  local db=$1; shift
  local p=() q=() side=p a
  for a in "$@"; do
    if [[ $a == -- ]]; then side=q; continue; fi
    [[ $side == p ]] && p+=("$a") || q+=("$a")
  done
  timeout -k 5 "$RUN_TIMEOUT" "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$db" "${p[@]}" >/dev/null 2>"$W/p.err" &
  local pp=$!
  timeout -k 5 "$RUN_TIMEOUT" "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$db" "${q[@]}" >/dev/null 2>"$W/q.err" &
  local pq=$!
  BG+=("$pp" "$pq")
  wait "$pp"; RC_P=$?
  wait "$pq"; RC_Q=$?
}
PAIRS=("$CALM $BLOG" "$BLOG $CALM" "$CALM $CORP" "$CORP $BLOG" "$BLOG $CORP")
ok=0 trail=""
for i in 0 1 2 3 4; do
  read -r fp fq <<<"${PAIRS[$i]}"
  t0=$(now_ms); both "$W/d$i.db" "$fp" -- "$fq"; t1=$(( $(now_ms) - t0 ))
  got=$(requests "$W/d$i.db"); want=$(( NL[$fp] + NL[$fq] ))
  [[ $RC_P -eq 0 && $RC_Q -eq 0 && "$got" == "$want" ]] && ok=$((ok + 1))
  trail+=" [exit $RC_P/$RC_Q, $got/$want requests, $(secs "$t1") s]"
done
[[ $ok -eq 5 ]] && result PASS "d1 two writers, new database" "5 tries, $ok good:$trail" || result FAIL "d1 two writers, new database" "5 tries, $ok good:$trail $(head -c 200 "$W/p.err") $(head -c 200 "$W/q.err")"

# Existing database: holds the blog site. References are sequential runs (either order).
scan "$W/base.db" "$BLOG"
seqref() {  # NAME FILE_FIRST FILE_SECOND
  cp "$W/base.db" "$W/$1.db"
  scan "$W/$1.db" "$2"; scan "$W/$1.db" "$3"
  dump "$W/$1.db" "$W/$1.dump"
}
seqref r_same "$CALM" "$CALM"
seqref r_pq "$CALM" "$CORP"
seqref r_qp "$CORP" "$CALM"
cp "$W/base.db" "$W/d_same.db"
both "$W/d_same.db" "$CALM" -- "$CALM"; rs="$RC_P/$RC_Q"
dump "$W/d_same.db" "$W/d_same.dump"
m_same=$(same "$W/r_same.dump" "$W/d_same.dump"); e_same=$?
cp "$W/base.db" "$W/d_diff.db"
both "$W/d_diff.db" "$CALM" -- "$CORP"; rd="$RC_P/$RC_Q"
dump "$W/d_diff.db" "$W/d_diff.dump"
m_pq=$(same "$W/r_pq.dump" "$W/d_diff.dump"); e_pq=$?
m_qp=$(same "$W/r_qp.dump" "$W/d_diff.dump"); e_qp=$?
detail="same file: exit $rs, vs sequential: $m_same; different files: exit $rd, vs calm-then-corp: $m_pq, vs corp-then-calm: $m_qp"
[[ $rs == 0/0 && $rd == 0/0 && $e_same -eq 0 && ($e_pq -eq 0 || $e_qp -eq 0) ]] && result PASS "d2 two writers, existing database" "$detail" || result FAIL "d2 two writers, existing database" "$detail"

# ---------------------------------------------------------------------------------------------
# e) A damaged database: 4 KiB of (seeded) random bytes in the middle of a good copy.
cp "$W/ref.db" "$W/dmg.db"
[[ -f "$W/ref.db-wal" ]] && cp "$W/ref.db-wal" "$W/dmg.db-wal"
size=$(stat -c %s "$W/dmg.db")
off=$(( size / 2 / 4096 * 4096 ))
python3 -c 'import random, sys; random.seed(int(sys.argv[1])); sys.stdout.buffer.write(random.randbytes(4096))' "$SEED" >"$W/rnd.bin"
dd if="$W/rnd.bin" of="$W/dmg.db" bs=4096 seek=$(( off / 4096 )) count=1 conv=notrunc status=none
sqlite_says=$(python3 - "$W/dmg.db" <<'EOF'
import sqlite3, sys
try:
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    r = [x[0] for x in db.execute("PRAGMA quick_check(3)")]
    print("ok" if r == ["ok"] else "damaged")
except Exception as e:
    print("error: %s" % e)
EOF
)
before=$(sha256sum <"$W/dmg.db")
t0=$(now_ms); scan "$W/dmg.db" "${FILES[@]}"; rc=$?; t1=$(( $(now_ms) - t0 ))
after=$(sha256sum <"$W/dmg.db")
dmg=0; grep -qi "damaged" "$W/last.err" && dmg=1
unchanged=0; [[ "$before" == "$after" ]] && unchanged=1
detail="${size} B file, 4096 B at offset $off (sqlite quick_check: $sqlite_says); exit $rc after $(secs "$t1") s, stderr mentions damaged: $dmg, file unchanged (sha256): $unchanged ($(tr '\n' ' ' <"$W/last.err" | head -c 160))"
[[ $rc -eq 1 && $dmg -eq 1 && $unchanged -eq 1 ]] && result PASS "e damaged database" "$detail" || result FAIL "e damaged database" "$detail"

# ---------------------------------------------------------------------------------------------
# f) Rotation: access.log (N lines), access.log.bak (its first N/2 lines, so the same first
# line), access.log.1.gz (a gzip of the whole log). Three argument orders, each into a fresh
# store and all three one after another into one store: N requests every time. Then access.log
# grows by EXTRA lines: exactly EXTRA more.
R="$W/rot"; mkdir -p "$R"
cp "$CALM" "$R/access.log"
N=$(wc -l <"$R/access.log")
head -n $(( N / 2 )) "$R/access.log" >"$R/access.log.bak"
gzip -c "$R/access.log" >"$R/access.log.1.gz"
ORDERS=("$R" "$R/access.log.bak $R/access.log.1.gz $R/access.log" "$R/access.log $R/access.log.bak $R/access.log.1.gz")
fresh="" shared="" ok=0 rcs=""
for i in 0 1 2; do
  read -r -a args <<<"${ORDERS[$i]}"
  scan "$W/f$i.db" "${args[@]}"; rc=$?
  got=$(requests "$W/f$i.db"); fresh+=" $got"; rcs+=" $rc"
  [[ "$got" == "$N" && ( $rc -eq 0 ) ]] && ok=$((ok + 1))
  scan "$W/f.db" "${args[@]}"; rc=$?
  got=$(requests "$W/f.db"); shared+=" $got"; rcs+="/$rc"
  [[ "$got" == "$N" && ( $rc -eq 0 ) ]] && ok=$((ok + 1))
done
EXTRA=1000
tail -n "$EXTRA" "$BLOG" >>"$R/access.log"
scan "$W/f.db" "$R"; rcg=$?
grown=$(requests "$W/f.db")
detail="N=$N; fresh stores:$fresh; one store after each order:$shared (exit fresh/shared:$rcs); grown by $EXTRA: exit $rcg, $grown requests (want $(( N + EXTRA )))"
[[ $ok -eq 6 && $rcg -eq 0 && "$grown" == "$(( N + EXTRA ))" ]] && result PASS "f rotation and look-alike copies" "$detail" || result FAIL "f rotation and look-alike copies" "$detail"

# ---------------------------------------------------------------------------------------------
# g) A read-only database (0444). Root ignores file modes, so as root the scan runs as nobody.
# g1: the directory is the user's (the lock file can be made), only the database is 0444;
# g2: nothing in the directory is the user's. The input is large: all logs, or an endless stdin.
# The scan must end with exit 1 within 2 s, say the database cannot be written, and print no
# report.
G1="$W/ro1" G2="$W/ro2"
mkdir -p "$G1/cache" "$G2"
cp "$W/ref.db" "$G1/k.db"; cp "$W/ref.db" "$G2/k.db"; : >"$G2/k.db.lock"
chmod 0444 "$G1/k.db" "$G2/k.db"; chmod 0600 "$G2/k.db.lock"
AS=()
if [[ $(id -u) -eq 0 ]]; then
  chmod 0711 "$W"; chmod 0755 "$LOGS"; chmod 0644 "${FILES[@]}"
  chown nobody "$G1" "$G1/cache" 2>/dev/null || chown 65534 "$G1" "$G1/cache"
  chmod 0755 "$G2"
  if command -v setpriv >/dev/null; then
    AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
  who="nobody"
else
  chmod 0555 "$G2"
  who="$(id -un)"
fi
ro_run() {  # NAME DIR stdin|files ; prints "exit RC, S s, writ:0/1, stdout B"
  local dir=$2 rc t0 t1
  # The timeout is a hang guard, not a speed test: an endless stdin ends only if the read-only
  # database is found before any input is read.
  local base=(timeout -k 2 120 env XDG_CACHE_HOME="$G1/cache" "${AS[@]}" "$K" "${KOPT[@]}" scan "${SOPT[@]}" --db "$dir/k.db")
  t0=$(now_ms)
  if [[ $3 == stdin ]]; then
    local line
    line=$(head -n 1 "$BLOG")
    yes "$line" | "${base[@]}" - >"$W/$1.out" 2>"$W/$1.err"
    rc=${PIPESTATUS[1]}
  else
    "${base[@]}" "${FILES[@]}" >"$W/$1.out" 2>"$W/$1.err"
    rc=$?
  fi
  t1=$(( $(now_ms) - t0 ))
  local wr=0
  grep -qi "writ" "$W/$1.err" && wr=1
  local ok=1
  [[ $rc -eq 1 && $wr -eq 1 && ! -s "$W/$1.out" ]] || ok=0
  echo "$ok exit $rc in $(secs "$t1") s, mentions writing: $wr, stdout $(stat -c %s "$W/$1.out") B ($(tr '\n' ' ' <"$W/$1.err" | head -c 120))"
}
sum1=$(sha256sum <"$G1/k.db")
r1=$(ro_run g1f "$G1" files); r2=$(ro_run g1s "$G1" stdin); r3=$(ro_run g2f "$G2" files)
sum2=$(sha256sum <"$G1/k.db")
unchanged=0; [[ "$sum1" == "$sum2" ]] && unchanged=1
detail="as $who; 0444 db, own dir, $TOTAL-line files: ${r1#? }; endless stdin: ${r2#? }; 0444 db, root's dir: ${r3#? }; db unchanged: $unchanged"
if [[ ${r1%% *} == 1 && ${r2%% *} == 1 && ${r3%% *} == 1 && $unchanged -eq 1 ]]; then
  result PASS "g read-only database" "$detail"
else
  result FAIL "g read-only database" "$detail"
fi
chmod 0700 "$W"

# ---------------------------------------------------------------------------------------------
echo "total: $PASSES passed, $FAILS failed, $SKIPS skipped in $(( ($(date +%s%N) - START_NS) / 1000000000 )) s"
if (( FAILS > 0 )); then exit 1; fi
if (( SKIPS > 0 )); then exit 77; fi
exit 0
