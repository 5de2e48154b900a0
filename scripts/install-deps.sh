#!/usr/bin/env bash
# Installs every Debian 12 package keikai needs to build, test and benchmark. Idempotent and
# quiet: packages already present are skipped by apt. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libvectorscan-dev libpcre2-dev libsqlite3-dev libcli11-dev nlohmann-json3-dev
  libzstd-dev zlib1g-dev libmaxminddb-dev tor-geoipdb libyaml-cpp-dev libmodsecurity-dev libcpp-httplib-dev libssl-dev
  libgmime-3.0-dev libarchive-dev libyara-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  goaccess modsecurity-crs zstd python3 tzdata iso-codes time systemd prometheus curl
  postfix sasl2-bin libsasl2-modules openssl dovecot-core dovecot-pop3d dovecot-imapd
  zip unzip p7zip-full python3-xlsxwriter
  libmilter-dev libhivex-dev libhivex-bin swaks
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "keikai: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Postfix without a configuration of its own: tests run private instances (tests/servers).
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
