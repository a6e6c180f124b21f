#!/usr/bin/env bash
# One atrium node against Node's socket.io on every atrium-bench workload (fanout at saturation
# and at 200 messages/s, rooms, churn, idle). Installs what is missing, builds, runs (options go
# to tools/compare/single.mjs, e.g. --runs 1 --seconds 3 --only fanout,rooms).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --with-node
bash tools/build.sh
node tools/compare/single.mjs "$@"
