#!/usr/bin/env bash
# A private Postfix instance from Debian's package, for tests: its own configuration, queue and
# log under DIR, listening only on 127.0.0.1:PORT, delivering every accepted message into one
# Maildir (DIR/maildir) and nowhere else. STARTTLS with a certificate made here (DIR/tls: ca.pem
# signed server.pem for "localhost" and 127.0.0.1), and SMTP AUTH (PLAIN, LOGIN; Cyrus SASL
# with a sasldb of its own) for the user USER with password PASS, required before relaying
# (here: before any mail is accepted from outside the loopback... and from it too, see below).
#
# Usage: postfix.sh start DIR PORT USER PASS     (returns when Postfix answers on the port)
#        (KEIKAI_POSTFIX_EXTRA: more main.cf lines, e.g. limits a test wants hit)
#        postfix.sh stop DIR
# Needs root (Postfix's master starts as root and drops to the postfix user).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cmd=$1 dir=$2
case $cmd in
stop)
  timeout 20 postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  stop_master "$dir/queue/pid/master.pid"
  exit 0 ;;
start) ;;
*) echo "usage: $0 start DIR PORT USER PASS | stop DIR" >&2; exit 2 ;;
esac
port=$3 user=$4 pass=$5
[ "$(id -u)" -eq 0 ] || { echo "postfix.sh: needs root" >&2; exit 77; }
command -v postfix >/dev/null || { echo "postfix.sh: postfix is not installed" >&2; exit 77; }
mkdir -p "$dir/etc/sasl" "$dir/queue" "$dir/data" "$dir/maildir" "$dir/tls"
# TLS: a CA and a server certificate it signs, for localhost and 127.0.0.1.
make_tls "$dir/tls"
# SASL: a sasldb with one user, readable by Postfix's smtpd. (Debian's Postfix reads the SASL
# configuration from $config_directory/sasl/smtpd.conf.)
echo -n "$pass" | saslpasswd2 -p -c -f "$dir/etc/sasl/sasldb2" -u localhost "$user"
chown postfix "$dir/etc/sasl/sasldb2"; chmod 0600 "$dir/etc/sasl/sasldb2"
cat > "$dir/etc/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/etc/sasl/sasldb2
mech_list: PLAIN LOGIN
CONF
chmod 0755 "$dir" "$dir/etc" "$dir/etc/sasl" "$dir/tls"; chmod 0644 "$dir/etc/sasl/smtpd.conf"
cat > "$dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
myorigin = localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
relay_domains =
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
# Every recipient in any domain goes to one Maildir: nothing leaves the machine.
virtual_mailbox_domains = static:all
virtual_mailbox_maps = static:maildir/
virtual_mailbox_base = $dir
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_transport = virtual
smtpd_tls_cert_file = $dir/tls/server.pem
smtpd_tls_key_file = $dir/tls/server.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_local_domain = localhost
cyrus_sasl_config_path = $dir/etc/sasl
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_client_connection_rate_limit = 0
alias_maps =
alias_database =
local_recipient_maps =
notify_classes =
CONF
# Set with postconf, replacing the line above rather than adding a second one: every Postfix
# process warns about a parameter given twice, and at a reload those warnings can fill postlogd's
# socket before it is running again (master then blocks on it).
while IFS= read -r line; do
  if [ -n "$line" ]; then postconf -c "$dir/etc" -e "$line"; fi
done <<< "${KEIKAI_POSTFIX_EXTRA:-}"
cat > "$dir/etc/master.cf" <<CONF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
CONF
chown postfix "$dir/maildir"
postfix -c "$dir/etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$dir/etc" check >/dev/null 2>&1 || true
postfix -c "$dir/etc" start >/dev/null 2>&1 || { echo "postfix.sh: postfix did not start:" >&2; tail -n 20 "$dir/maillog" >&2 2>/dev/null; exit 1; }
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
  sleep 0.1
done
echo "postfix.sh: nothing answers on 127.0.0.1:$port" >&2; tail -n 20 "$dir/maillog" >&2 2>/dev/null
exit 1
