#!/usr/bin/env bash
# README command 1: install what is missing, build, start atrium on port 3000.
# Extra arguments go to atrium (see `build/bin/atrium --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
exec build/bin/atrium --port 3000 "$@"
