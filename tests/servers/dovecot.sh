#!/usr/bin/env bash
# A private Dovecot instance from Debian's packages, for tests: its own configuration, state and
# log under DIR, POP3 and IMAP (plain with STARTTLS/STLS, and TLS from the start) listening only
# on 127.0.0.1 at the given ports, one user USER with password PASS (a passwd-file), a Maildir
# under DIR/mail. TLS with a certificate made here (DIR/tls: ca.pem signed server.pem for
# "localhost" and 127.0.0.1).
#
# Usage: dovecot.sh start DIR POP3 IMAP POP3S IMAPS USER PASS   (returns when IMAP answers)
#        dovecot.sh stop DIR
# Needs root (Dovecot starts as root and runs its logins as dovenull). Exit 77: cannot run here.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cmd=$1 dir=$2
case $cmd in
stop)
  doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
  stop_master "$dir/run/master.pid"
  exit 0 ;;
start) ;;
*) echo "usage: $0 start DIR POP3 IMAP POP3S IMAPS USER PASS | stop DIR" >&2; exit 2 ;;
esac
pop3=$3 imap=$4 pop3s=$5 imaps=$6 user=$7 pass=$8
[ "$(id -u)" -eq 0 ] || { echo "dovecot.sh: needs root" >&2; exit 77; }
command -v dovecot >/dev/null || { echo "dovecot.sh: dovecot is not installed" >&2; exit 77; }
mkdir -p "$dir/run" "$dir/mail" "$dir/tls"
chmod 0755 "$dir" "$dir/tls"
make_tls "$dir/tls"
printf '%s:{PLAIN}%s:%s:%s::%s\n' "$user" "$pass" "$(id -u nobody)" "$(id -g nobody)" "$dir/mail/$user" > "$dir/passwd"
chmod 0644 "$dir/passwd"
mkdir -p "$dir/mail/$user"; chown -R nobody "$dir/mail"
cat > "$dir/dovecot.conf" <<CONF
protocols = pop3 imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
instance_name = keikai-test-$$
ssl = yes
ssl_cert = <$dir/tls/server.pem
ssl_key = <$dir/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/passwd
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $pop3s
    ssl = yes
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
CONF
# More settings a test wants (e.g. low process limits to be hit), appended as given.
printf '%s\n' "${KEIKAI_DOVECOT_EXTRA:-}" >> "$dir/dovecot.conf"
mkdir -p "$dir/state"
dovecot -c "$dir/dovecot.conf" || { echo "dovecot.sh: dovecot did not start:" >&2; tail -n 20 "$dir/dovecot.log" >&2 2>/dev/null; exit 1; }
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$imap") 2>/dev/null && exit 0
  sleep 0.1
done
echo "dovecot.sh: nothing answers on 127.0.0.1:$imap" >&2; tail -n 20 "$dir/dovecot.log" >&2 2>/dev/null
exit 1
