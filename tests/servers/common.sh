#!/usr/bin/env bash
# Sourced by the test servers (postfix.sh, dovecot.sh).
#
# make_tls DIR writes a CA (DIR/ca.pem, valid 2 days) and a server
# certificate it signs for "localhost" and 127.0.0.1 (DIR/server.pem, DIR/server.key, 0600), so
# clients can verify the server with --ca-file / ca_file and nothing else is trusted.
make_tls() {
  local out=$1
  mkdir -p "$out"
  (
    cd "$out"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keikai test CA" \
      -keyout ca.key -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile san.ext -out server.pem >/dev/null 2>&1
    chmod 0644 server.pem ca.pem; chmod 0600 server.key
  )
}

# stop_master PIDFILE: waits up to 5 s for the server's master process (after its own stop
# command) to go, then kills it.
stop_master() {
  local pidfile=$1 pid
  for _ in $(seq 50); do
    [ -e "$pidfile" ] || return 0
    pid=$(tr -d ' ' < "$pidfile" 2>/dev/null) || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$(tr -d ' ' < "$pidfile")" 2>/dev/null || true
}
