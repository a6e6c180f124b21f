#!/usr/bin/env bash
# Installs what building and testing Atrium needs and is not on this machine yet
# (Debian 12, as root). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make g++ libcaf-dev rapidjson-dev libboost-dev libjwt-dev libssl-dev libtoml11-dev
          pkg-config python3)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# The tests also build libFuzzer targets, which need clang, and a TSan build of CAF from its
# Debian source, which curl fetches (tests/sanitize/tsan-caf.sh).
# The browser tests drive Debian's chromium (playwright-core, from npm, downloads no browser);
# the metrics test checks the exposition with promtool, from the prometheus package; the
# install test checks tools/atrium.service with systemd-analyze, from systemd.
[[ "${1:-}" == "--with-node" || "${1:-}" == "--with-bench" ]] &&
  packages+=(clang libclang-rt-14-dev curl chromium prometheus systemd)
# The comparison benchmarks also run Node's socket.io clustered through Redis.
[[ "${1:-}" == "--with-bench" ]] && packages+=(redis-server)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

# The official client and the reference server, pinned by package-lock.json.
if [[ "${1:-}" == "--with-node" || "${1:-}" == "--with-bench" ]]; then
  if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
