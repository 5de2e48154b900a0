#!/usr/bin/env bash
# The systemd unit (dist/keikai.service) as systemd reads it: `systemd-analyze verify` on a copy
# whose commands point at this build's binary. Any complaint fails. Run by ctest as `systemd_unit`.
# Usage: scripts/check_unit.sh KEIKAI_BINARY
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "$1")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
sed "s|/usr/local/bin/keikai|$BIN|g" "$HERE/dist/keikai.service" > "$WORK/keikai.service"
out=$(cd "$WORK" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$WORK/keikai.service" 2>&1 || true)
if [ -n "$out" ]; then
  echo "systemd-analyze verify dist/keikai.service:"
  echo "$out"
  exit 1
fi
echo "dist/keikai.service: verified"
