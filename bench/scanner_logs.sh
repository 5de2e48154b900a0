#!/usr/bin/env bash
# Real scanner traffic as outside test data: runs Debian's packaged web scanners (sqlmap,
# wapiti, wfuzz, dirb, gobuster) against a private nginx serving a small fake shop, and keeps
# the access logs nginx wrote, one set per tool:
#
#   OUTDIR/nginx-TOOL.log   nginx `combined`, escape=default (" \ and bytes <0x20, >=0x7f as \xHH)
#   OUTDIR/nginx-TOOL.json  nginx `log_format ... escape=json` (keikai's `nginx-json` keys), the
#                           same requests losslessly
#   OUTDIR/apache-TOOL.log  Apache combined, converted from the JSON log with Apache's own
#                           escaping (ap_escape_logitem: \" \\ \n \r \t \b \v, else \xhh)
#   OUTDIR/iis-TOOL.log     IIS W3C extended (IIS's default field set, UTC, spaces as '+'),
#                           converted from the JSON log (approximate: IIS never logs requests
#                           http.sys rejects; here every request is kept)
#
# Every tool sends X-Forwarded-For with its own documentation address (nginx's realip module
# trusts 127.0.0.1), so each tool appears as a distinct client address in the logs.
#
# Nothing leaves the machine: the nginx and the tools run in a private network namespace
# (`unshare -n`) whose only interface is loopback, every tool aims at http://127.0.0.1:PORT,
# wapiti runs without its internet-using modules (nikto, wapp, ssrf, xxe) and with
# --no-bugreport. Each tool run is bounded by `timeout` and by its word lists.
#
# Usage: bench/scanner_logs.sh OUTDIR        (as root; idempotent: rewrites OUTDIR's logs)
# Env:   SCANNER_TIMEOUT  seconds per tool run (default 90); SCANNER_TZ  nginx time zone
#        (default Asia/Tokyo); SCANNER_PORT  loopback port (default 8089)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
SELF=$(readlink -f "$0")
OUT=$1
PORT=${SCANNER_PORT:-8089}
TMO=${SCANNER_TIMEOUT:-90}
TZONE=${SCANNER_TZ:-Asia/Tokyo}  # nginx logs local time: a Japanese site logs +0900
TOOLS=(sqlmap wapiti wfuzz dirb gobuster)

# ---- phase 1 (host network): install what is missing --------------------------------------
if [ -z "${KEIKAI_SCANNER_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "run as root (apt-get, unshare)" >&2; exit 1; }
  # All six exist in Debian 12 (bookworm): nginx 1.22.1, sqlmap 1.7.2, wapiti 3.0.4,
  # wfuzz 3.1.0, dirb 2.22, gobuster 3.5.0.
  declare -A BIN=([nginx]=nginx [sqlmap]=sqlmap [wapiti]=wapiti [wfuzz]=wfuzz [dirb]=dirb [gobuster]=gobuster)
  missing=()
  for p in "${!BIN[@]}"; do command -v "${BIN[$p]}" >/dev/null 2>&1 || [ -x "/usr/sbin/${BIN[$p]}" ] || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  mkdir -p "$OUT"
  if unshare -n true 2>/dev/null; then
    exec unshare -n env KEIKAI_SCANNER_NETNS=1 bash "$SELF" "$OUT"
  fi
  echo "note: cannot create a network namespace; running on the host's loopback" >&2
  export KEIKAI_SCANNER_NETNS=host
fi

# ---- phase 2 (private network namespace): site, nginx, tools ------------------------------
if [ "$KEIKAI_SCANNER_NETNS" = 1 ]; then ip link set lo up; fi
OUT=$(readlink -f "$OUT")
WORK=$(mktemp -d /tmp/keikai-scanners.XXXXXX)
chmod 755 "$WORK"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
U="http://127.0.0.1:$PORT"

stop_nginx() {
  if [ -s "$WORK/nginx.pid" ]; then
    "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -e "$WORK/nginx.pid" ] || break; sleep 0.1; done
  fi
}
cleanup() { stop_nginx; rm -rf "$WORK"; }
trap cleanup EXIT

# The fake site: static pages with links and forms for the crawlers, dynamic "PHP" endpoints
# answered by nginx itself for any query string (reflecting a parameter, as a naive app would).
mkdir -p "$WORK/html"/{static,img,images,products,admin,backup,blog,docs}
page() {  # page FILE TITLE BODY
  printf '<!doctype html>\n<html lang="ja"><head><meta charset="utf-8"><title>%s</title>\n<link rel="stylesheet" href="/static/style.css"><script src="/static/app.js"></script></head>\n<body><header><a href="/">Home</a> | <a href="/products/">Products</a> | <a href="/blog/">Blog</a> | <a href="/about.html">About</a> | <a href="/contact.html">Contact</a> | <a href="/login.html">Login</a></header>\n%s\n<footer><img src="/img/logo.png" alt="logo"></footer></body></html>\n' "$2" "$3" > "$WORK/html/$1"
}
page index.html "Example Shop" '<h1>Example Shop</h1>
<form action="/search.php" method="get"><input name="q" value=""><select name="cat"><option>shoes</option><option>bags</option></select><input type="submit"></form>
<ul><li><a href="/item.php?id=1&amp;cat=shoes">Sneaker</a></li><li><a href="/item.php?id=2&amp;cat=bags">Tote</a></li>
<li><a href="/news.php?page=1&amp;sort=date">News</a></li><li><a href="/download.php?file=catalog.pdf">Catalog</a></li>
<li><a href="/redirect.php?url=/about.html">About (redirect)</a></li><li><a href="/view.php?lang=ja&amp;page=help">Help</a></li></ul>'
page about.html "About" '<p>About us.</p><a href="/view.php?lang=en&amp;page=company">Company</a>'
page contact.html "Contact" '<form action="/contact.php" method="post"><input name="name"><input name="email"><textarea name="message"></textarea><input type="submit"></form>'
page login.html "Login" '<form action="/login.php" method="post"><input name="user"><input type="password" name="pass"><input type="submit"></form>'
page products/index.html "Products" '<a href="/item.php?id=3&amp;cat=shoes">Boot</a> <a href="/item.php?id=4&amp;cat=hats">Cap</a> <a href="/search.php?q=sale&amp;cat=all">Sale</a>'
page blog/index.html "Blog" '<a href="/news.php?page=2&amp;sort=title">Older</a> <a href="/comment.php?post=7">Comment</a>'
page docs/index.html "Docs" '<p>Docs</p>'
printf 'body{font-family:sans-serif}\n' > "$WORK/html/static/style.css"
printf 'console.log("shop");\n' > "$WORK/html/static/app.js"
printf '\x89PNG\r\n\x1a\n' > "$WORK/html/img/logo.png"
cp "$WORK/html/img/logo.png" "$WORK/html/images/banner.png"
printf 'User-agent: *\nDisallow: /admin/\nDisallow: /backup/\n' > "$WORK/html/robots.txt"
printf '<html><body>admin</body></html>\n' > "$WORK/html/admin/index.html"
printf '<html><body>backup</body></html>\n' > "$WORK/html/backup/index.html"
mkdir -p "$WORK/logs" "$WORK/tmp"
chmod -R a+rX "$WORK/html"; chmod 777 "$WORK/tmp"

write_conf() {  # write_conf TOOL
  local t=$1
  cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 512; }
http {
  types { text/html html; text/css css; application/javascript js; image/png png; text/plain txt; }
  default_type text/html;
  client_body_temp_path $WORK/tmp/body; proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fcgi; uwsgi_temp_path $WORK/tmp/uwsgi; scgi_temp_path $WORK/tmp/scgi;
  server_tokens off;
  set_real_ip_from 127.0.0.1;
  real_ip_header X-Forwarded-For;
  log_format keikai_json escape=json '{"time_local":"\$time_local","msec":\$msec,"remote_addr":"\$remote_addr","remote_user":"\$remote_user","request":"\$request","status":\$status,"body_bytes_sent":\$body_bytes_sent,"http_referer":"\$http_referer","http_user_agent":"\$http_user_agent","request_time":\$request_time,"server_port":\$server_port}';
  server {
    listen 127.0.0.1:$PORT;
    server_name shop.example.jp;
    root $WORK/html;
    access_log $OUT/nginx-$t.log combined;
    access_log $OUT/nginx-$t.json keikai_json;
    location = /item.php     { return 200 "<html><body><h1>Item \$arg_id</h1><p>category \$arg_cat</p><a href=\"/item.php?id=5&amp;cat=shoes\">next</a></body></html>\n"; }
    location = /search.php   { return 200 "<html><body><p>Results for \$arg_q</p><a href=\"/item.php?id=6&amp;cat=bags\">hit</a></body></html>\n"; }
    location = /news.php     { return 200 "<html><body><p>News page \$arg_page sorted by \$arg_sort</p></body></html>\n"; }
    location = /view.php     { return 200 "<html><body><p>\$arg_page (\$arg_lang)</p></body></html>\n"; }
    location = /download.php { return 200 "%PDF-1.4 file \$arg_file\n"; }
    location = /comment.php  { return 200 "<html><body><form action=\"/comment.php\" method=\"post\"><input name=\"post\" value=\"7\"><textarea name=\"text\"></textarea></form></body></html>\n"; }
    location = /redirect.php { return 302 /about.html; }
    location = /login.php    { return 200 "<html><body><p>Login failed</p></body></html>\n"; }
    location = /contact.php  { return 200 "<html><body><p>Thank you</p></body></html>\n"; }
    location ^~ /admin/      { return 401; }
    location ~ /\\.          { return 403; }
    location / { try_files \$uri \$uri/ =404; }
  }
}
EOF
}

start_nginx() {  # start_nginx TOOL
  : > "$OUT/nginx-$1.log"; : > "$OUT/nginx-$1.json"
  write_conf "$1"
  TZ=$TZONE "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon on;' 2>>"$WORK/logs/start.err"
  for _ in $(seq 50); do
    curl -s -o /dev/null "$U/robots.txt" -H 'X-Forwarded-For: 127.0.0.1' 2>/dev/null && break
    (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
    sleep 0.1
  done
  : > "$OUT/nginx-$1.log"; : > "$OUT/nginx-$1.json"  # drop the readiness probe
}

declare -A RC
run() {  # run TOOL LABEL CMD... : bounded, quiet (output kept in $WORK/out)
  local tool=$1 label=$2; shift 2
  local rc=0
  HOME="$WORK/home" timeout -k 5 "$TMO" "$@" </dev/null >>"$WORK/out/$tool.out" 2>&1 || rc=$?
  RC[$tool]+="$label:$rc "
}
mkdir -p "$WORK/out" "$WORK/home"  # the tools' own state (sqlmap history, wapiti) stays in $WORK

# ---- sqlmap: several techniques, parameters, one --level 3 --risk 2 (User-Agent/Referer) ----
start_nginx sqlmap
SQ=(sqlmap --batch --flush-session --output-dir="$WORK/sqlmap" --time-sec=1 --timeout=5 --retries=0 --disable-coloring)
run sqlmap get-beustq "${SQ[@]}" -u "$U/item.php?id=1&cat=shoes" -p id,cat --technique=BEUSTQ \
  --headers="X-Forwarded-For: 203.0.113.10"
run sqlmap level3-risk2 "${SQ[@]}" -u "$U/news.php?page=1&sort=date" --level=3 --risk=2 --technique=BTU \
  --random-agent --referer="$U/blog/" --headers="X-Forwarded-For: 203.0.113.11"
run sqlmap tamper "${SQ[@]}" -u "$U/search.php?q=sale&cat=all" -p q --technique=BEU \
  --tamper=space2comment,randomcase,between --headers="X-Forwarded-For: 203.0.113.12"
run sqlmap post "${SQ[@]}" -u "$U/login.php" --data="user=admin&pass=secret" --technique=BT \
  --headers="X-Forwarded-For: 203.0.113.13"
stop_nginx

# ---- wapiti: crawl + sql, blindsql, exec, file, xss, crlf, ... (no internet-using modules) ----
start_nginx wapiti
run wapiti crawl+attack wapiti -u "$U/" --scope folder -d 3 --max-links-per-page 40 \
  -m sql,blindsql,exec,file,xss,permanentxss,crlf,redirect,shellshock,backup,htaccess,methods \
  --flush-session --store-session "$WORK/wapiti/session" --store-config "$WORK/wapiti/config" \
  --max-scan-time $((TMO - 10)) --max-attack-time 20 -t 5 --no-bugreport \
  --external-endpoint "$U/" --internal-endpoint "$U/" --endpoint "$U/" \
  -H "X-Forwarded-For: 198.51.100.20" -f txt -o "$WORK/wapiti/report.txt" -v 0
stop_nginx

# ---- wfuzz: its own Debian word lists against query parameters and headers ----
start_nginx wfuzz
WL=/usr/share/wfuzz/wordlist
WF=(wfuzz -Z -t 8 -H "X-Forwarded-For: 198.51.100.30")
run wfuzz sql      "${WF[@]}" -z file,$WL/Injections/SQL.txt "$U/item.php?id=FUZZ&cat=shoes"
run wfuzz sql-enc  "${WF[@]}" -z file,$WL/Injections/SQL.txt,urlencode "$U/search.php?q=FUZZ"
run wfuzz xss      "${WF[@]}" -z file,$WL/Injections/XSS.txt "$U/search.php?q=FUZZ"
run wfuzz trav     "${WF[@]}" -z file,$WL/Injections/Traversal.txt "$U/download.php?file=FUZZ"
run wfuzz trav-nix "${WF[@]}" -z file,$WL/vulns/dirTraversal-nix.txt "$U/view.php?lang=ja&page=FUZZ"
run wfuzz all      "${WF[@]}" -z file,$WL/Injections/All_attack.txt "$U/news.php?page=FUZZ"
run wfuzz badchars "${WF[@]}" -z file,$WL/Injections/bad_chars.txt "$U/item.php?id=FUZZ"
run wfuzz xml      "${WF[@]}" -z file,$WL/Injections/XML.txt "$U/comment.php?post=FUZZ"
run wfuzz sqlinj   "${WF[@]}" -z file,$WL/vulns/sql_inj.txt "$U/item.php?id=1&cat=FUZZ"
run wfuzz ua-sql   "${WF[@]}" -z file,$WL/Injections/SQL.txt -H "User-Agent: FUZZ" "$U/"
run wfuzz ref-xss  "${WF[@]}" -z file,$WL/Injections/XSS.txt -H "Referer: FUZZ" "$U/index.html"
run wfuzz dirs     "${WF[@]}" --hc 404 -z file,$WL/general/common.txt "$U/FUZZ"
run wfuzz admin    "${WF[@]}" --hc 404 -z file,$WL/general/admin-panels.txt "$U/FUZZ"
stop_nginx

# ---- dirb: directory enumeration with its small lists ----
start_nginx dirb
DL=/usr/share/dirb/wordlists
run dirb common dirb "$U/" $DL/common.txt -S -w -H "X-Forwarded-For: 192.0.2.40" -o "$WORK/dirb1.txt"
run dirb ext    dirb "$U/" $DL/small.txt -S -w -r -X .php,.bak,.old,.txt -H "X-Forwarded-For: 192.0.2.40" -o "$WORK/dirb2.txt"
run dirb apache dirb "$U/" $DL/vulns/apache.txt -S -w -r -H "X-Forwarded-For: 192.0.2.41" -o "$WORK/dirb3.txt"
stop_nginx

# ---- gobuster: directory enumeration, default and browser-looking user agent ----
start_nginx gobuster
GB=(gobuster dir -u "$U/" -q -z --no-error --no-color -t 8)
run gobuster common "${GB[@]}" -w $DL/common.txt -x php,bak,txt,zip -H "X-Forwarded-For: 192.0.2.50" -o "$WORK/gob1.txt"
run gobuster admin  "${GB[@]}" -w $WL/general/admin-panels.txt --random-agent -H "X-Forwarded-For: 192.0.2.51" -o "$WORK/gob2.txt"
run gobuster backup "${GB[@]}" -w $DL/small.txt -d -H "X-Forwarded-For: 192.0.2.52" -o "$WORK/gob3.txt"
stop_nginx

# ---- Apache combined and IIS W3C from nginx's lossless JSON log ----
python3 - "$OUT" "${TOOLS[@]}" <<'PY'
import json, sys, time
out, tools = sys.argv[1], sys.argv[2:]
APACHE_SPECIAL = {0x08: b"\\b", 0x0a: b"\\n", 0x0d: b"\\r", 0x09: b"\\t", 0x0b: b"\\v",
                  0x22: b'\\"', 0x5c: b"\\\\"}
def apache_escape(b):  # Apache httpd ap_escape_logitem(): !isprint, '"' and '\\' escaped
    o = bytearray()
    for c in b:
        if c in APACHE_SPECIAL: o += APACHE_SPECIAL[c]
        elif c < 0x20 or c >= 0x7f: o += b"\\x%02x" % c
        else: o.append(c)
    return bytes(o) or b"-"
def iis_field(b):  # IIS writes spaces as '+'; empty as '-'
    o = bytes(c if c > 0x20 and c != 0x7f else 0x2b for c in b)
    return o or b"-"
for t in tools:
    recs = []
    with open(f"{out}/nginx-{t}.json", "rb") as f:
        for line in f:
            r = json.loads(line.decode("latin-1"))  # escape=json leaves bytes >=0x80 raw
            recs.append({k: (v.encode("latin-1") if isinstance(v, str) else v) for k, v in r.items()})
    with open(f"{out}/apache-{t}.log", "wb") as f:
        for r in recs:
            size = b"-" if r["body_bytes_sent"] == 0 else str(r["body_bytes_sent"]).encode()
            f.write(b"%s - %s [%s] \"%s\" %d %s \"%s\" \"%s\"\n" % (
                r["remote_addr"], r["remote_user"] or b"-", r["time_local"],
                apache_escape(r["request"]), r["status"], size,
                apache_escape(r["http_referer"]), apache_escape(r["http_user_agent"])))
    with open(f"{out}/iis-{t}.log", "wb") as f:
        first = time.gmtime(recs[0]["msec"]) if recs else time.gmtime()
        f.write(b"#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n")
        f.write(time.strftime("#Date: %Y-%m-%d %H:%M:%S\r\n", first).encode())
        f.write(b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
                b"c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n")
        for r in recs:
            parts = r["request"].split(b" ")
            method = parts[0] if len(parts) >= 2 else b"-"
            uri = b" ".join(parts[1:-1]) if len(parts) >= 3 else (parts[1] if len(parts) == 2 else r["request"])
            stem, _, query = uri.partition(b"?")
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r["msec"])).encode()
            f.write(b" ".join([ts, b"127.0.0.1", iis_field(method), iis_field(stem), iis_field(query),
                               str(r["server_port"]).encode(), iis_field(r["remote_user"]),
                               r["remote_addr"], iis_field(r["http_user_agent"]),
                               iis_field(r["http_referer"]), str(r["status"]).encode(), b"0", b"0",
                               str(int(round(r["request_time"] * 1000))).encode()]) + b"\r\n")
PY

# ---- summary ----
printf '%-9s %8s %9s  %s\n' tool lines escaped "runs (label:exit, 124 = stopped by timeout)"
total=0; totesc=0
for t in "${TOOLS[@]}"; do
  n=$(wc -l < "$OUT/nginx-$t.log")
  e=$(grep -c -F -e '\x22' -e '\x5C' "$OUT/nginx-$t.log" || true)
  total=$((total + n)); totesc=$((totesc + e))
  printf '%-9s %8d %8.1f%%  %s\n' "$t" "$n" "$(awk -v e="$e" -v n="$n" 'BEGIN{print n?100*e/n:0}')" "${RC[$t]:-}"
done
printf '%-9s %8d %8.1f%%  (escaped = lines with \\x22 or \\x5C; logs in %s)\n' all "$total" \
  "$(awk -v e="$totesc" -v n="$total" 'BEGIN{print n?100*e/n:0}')" "$OUT"
