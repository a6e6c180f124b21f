#!/usr/bin/env bash
# Cross-node broadcast benchmark: a cluster of three atrium nodes against three Node socket.io
# servers with @socket.io/redis-adapter and redis-server. Installs what is missing, builds,
# runs (options go to tools/compare/cluster.mjs, e.g. --runs 1 --seconds 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --with-bench
bash tools/build.sh
node tools/compare/cluster.mjs "$@"
