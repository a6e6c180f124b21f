#!/usr/bin/env bash
# README command 2: install what is missing, build, run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --with-node
bash tools/build.sh
ctest --test-dir build --output-on-failure --timeout 600
