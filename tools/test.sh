#!/usr/bin/env bash
# README command 2: install what is missing, build, run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --with-node
bash tools/build.sh
# Two tests at a time: most of them wait on their servers and clients far more than they
# compute; the ones that keep every core busy (sanitizer builds, fuzzing, the bench) run alone.
ctest --test-dir build --output-on-failure --timeout 600 -j2
