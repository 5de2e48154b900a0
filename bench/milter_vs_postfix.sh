#!/usr/bin/env bash
# Milter throughput and added latency: the same messages through a real Postfix from Debian on
# 127.0.0.1 (tests/servers/postfix.sh), without a milter and with `keikai milter` as its
# smtpd_milters, in interleaved rounds (the order alternates). Messages: bench/make_mailbox.py
# (N generated .eml files with the variety of a company inbox: ordinary mail and attachments,
# PPAP ZIPs, encrypted archives, macro workbooks, programs), sent by bench/smtp_load.py over
# SESSIONS parallel SMTP connections; keikai runs with its default actions (tag clean and
# suspicious, reject malicious) and writes its log line per message, as in production.
#
# Printed per round and as medians: messages/s of both, the ratio (with keikai / without), the
# end-of-DATA latency (median and p95) of both and the difference (the latency keikai adds), and
# keikai's own time per message from its log ("ms": judging and acting) and its CPU seconds.
# Needs root (Postfix's master). Bounded: each load run stops after 1800 s.
#
# Usage: bench/milter_vs_postfix.sh [BUILD_DIR] [MESSAGES] [ROUNDS] [SESSIONS]
set -euo pipefail
BUILD=${1:-build/release}
N=${2:-1000}
ROUNDS=${3:-3}
SESSIONS=${4:-4}
KEIKAI="$BUILD/keikai"
[ -x "$KEIKAI" ] || { echo "no keikai binary under $BUILD (build first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (Postfix's master process)" >&2; exit 1; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d)
chmod 0755 "$WORK"  # Postfix's own users walk into it
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP=$(free_port)
MPORT=$(free_port)
MPID=""
cleanup() {
  [ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null || true
  bash "$SRC/tests/servers/postfix.sh" stop "$WORK/pf" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PY" "$HERE/make_mailbox.py" -n "$N" --seed 1 "$WORK/mails" >/dev/null
rm -f "$WORK/mails/truth.json"
echo "messages: $N, $(du -sm "$WORK/mails" | cut -f1) MB; $SESSIONS SMTP sessions; milter socket ${SOCKET:-inet}; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# SOCKET=unix: keikai on a unix socket instead of TCP on 127.0.0.1.
if [ "${SOCKET:-inet}" = unix ]; then
  mkdir -p "$WORK/milter"; chmod 0755 "$WORK/milter"
  LISTEN="unix:$WORK/milter/keikai.sock"; PF_MILTER="unix:$WORK/milter/keikai.sock"
else
  LISTEN="inet:$MPORT@127.0.0.1"; PF_MILTER="inet:127.0.0.1:$MPORT"
fi
"$KEIKAI" --lang en milter --socket "$LISTEN" --log "$WORK/milter.log" 2>"$WORK/milter.err" &
MPID=$!
for _ in $(seq 100); do grep -q listening "$WORK/milter.err" 2>/dev/null && break; sleep 0.1; done
[ "${SOCKET:-inet}" = unix ] && chmod 0666 "$WORK/milter/keikai.sock"
KEIKAI_POSTFIX_EXTRA=$'smtpd_tls_auth_only = no\nsmtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\nsmtpd_recipient_restrictions = permit_sasl_authenticated, permit\nmilter_protocol = 6\nmilter_default_action = tempfail' \
  bash "$SRC/tests/servers/postfix.sh" start "$WORK/pf" "$SMTP" bench bench-pw >/dev/null
PF="$WORK/pf/etc"

drain() {  # until Postfix's queue is empty (bounded: 5 min), then the delivered mail goes
  local i
  for i in $(seq 301); do
    [ -z "$(find "$WORK/pf/queue/active" "$WORK/pf/queue/incoming" "$WORK/pf/queue/deferred" "$WORK/pf/queue/maildrop" -type f 2>/dev/null | head -1)" ] && break
    [ "$i" -eq 301 ] && { echo "Postfix did not deliver its queue in 5 minutes:" >&2; grep -v overriding "$WORK/pf/maillog" | tail -5 >&2; exit 1; }
    sleep 1
  done
  rm -rf "$WORK/pf/maildir/new" "$WORK/pf/maildir/cur"; mkdir -p "$WORK/pf/maildir/new"; chown postfix "$WORK/pf/maildir/new"
  rm -rf "$WORK/pf/queue/hold/"*
}
with_milter() {  # on | off
  if [ "$1" = on ]; then postconf -c "$PF" -e "smtpd_milters = $PF_MILTER"; else postconf -c "$PF" -e "smtpd_milters ="; fi
  postfix -c "$PF" reload >/dev/null 2>&1
  sleep 2
}
cpu() { awk '{print $14 + $15}' "/proc/$MPID/stat"; }
load() { "$PY" "$HERE/smtp_load.py" 127.0.0.1 "$SMTP" "$WORK/mails" "$SESSIONS" 1800; }

# Warm-up (caches, Postfix's processes), then the rounds.
with_milter on; load >/dev/null; drain
: > "$WORK/rounds"
for r in $(seq "$ROUNDS"); do
  order="off on"; [ $((r % 2)) -eq 0 ] && order="on off"
  for m in $order; do
    with_milter "$m"
    lines0=$(wc -l < "$WORK/milter.log"); c0=$(cpu)
    out=$(load)
    c1=$(cpu); lines1=$(wc -l < "$WORK/milter.log")
    drain
    echo "$r $m $out" >> "$WORK/rounds"
    if [ "$m" = on ]; then
      echo "$r keikai $(( (c1 - c0) )) $((lines1 - lines0))" >> "$WORK/rounds"
    fi
    echo "round $r milter=$m: $out"
  done
done
"$PY" - "$WORK/rounds" "$WORK/milter.log" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
rounds, log, tck = sys.argv[1], sys.argv[2], int(sys.argv[3])
off, on, cpu = [], [], []
for line in open(rounds):
    r, m, rest = line.split(' ', 2)
    if m == 'keikai':
        ticks, msgs = rest.split()
        cpu.append(int(ticks) / tck / max(1, int(msgs)) * 1000)
        continue
    (on if m == 'on' else off).append(json.loads(rest))
ratios = [a['per_s'] / b['per_s'] for a, b in zip(on, off)]
added = [a['latency_ms']['median'] - b['latency_ms']['median'] for a, b in zip(on, off)]
added95 = [a['latency_ms']['p95'] - b['latency_ms']['p95'] for a, b in zip(on, off)]
ms, verdicts = [], {}
for l in open(log):
    j = json.loads(l)
    ms.append(j['ms'])
    verdicts[j['verdict'] + '/' + j['action']] = verdicts.get(j['verdict'] + '/' + j['action'], 0) + 1
ms.sort()
med = statistics.median
print('without milter: %.1f messages/s (median of rounds), end-of-DATA median %.1f ms, p95 %.1f ms' %
      (med([x['per_s'] for x in off]), med([x['latency_ms']['median'] for x in off]), med([x['latency_ms']['p95'] for x in off])))
print('with keikai:    %.1f messages/s (median of rounds), end-of-DATA median %.1f ms, p95 %.1f ms' %
      (med([x['per_s'] for x in on]), med([x['latency_ms']['median'] for x in on]), med([x['latency_ms']['p95'] for x in on])))
print('ratio with/without: %.2f (median of per-round ratios; rounds: %s)' % (med(ratios), ', '.join('%.2f' % r for r in ratios)))
print('added latency per message: median %.1f ms, p95 %.1f ms (median over rounds)' % (med(added), med(added95)))
print("keikai's own time per message (its log): median %.1f ms, p95 %.1f ms, max %.1f ms; CPU %.1f ms per message" %
      (med(ms), ms[int(len(ms) * 0.95) - 1], ms[-1], med(cpu)))
print('verdict/action over all runs: ' + ', '.join('%s %d' % kv for kv in sorted(verdicts.items())))
PY
