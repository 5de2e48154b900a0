#!/usr/bin/env bash
# Installs dependencies, builds keikai (release) and runs `keikai demo` on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target keikai_cli
exec build/release/keikai demo "$@"
