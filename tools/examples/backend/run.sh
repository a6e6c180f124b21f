#!/usr/bin/env bash
# The back-end example end to end: atrium in front of backend.py, and demo.mjs with the
# official client. Builds atrium first unless ATRIUM_BIN names one.
#
#   bash tools/examples/backend/run.sh       # ports 3000 (Socket.IO), 3001 (API), 8000 (back end)
#   PORT=4000 API_PORT=4001 BACKEND_PORT=9000 bash tools/examples/backend/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
port=${PORT:-3000} api_port=${API_PORT:-3001} backend_port=${BACKEND_PORT:-8000}
if [[ -z "${ATRIUM_BIN:-}" ]]; then
  bash "$root/tools/build.sh" >/dev/null
  ATRIUM_BIN=$root/build/bin/atrium
fi
[[ -d "$root/node_modules/socket.io-client" ]] || (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The secrets atrium and the back end share, in files (never on a command line).
for name in jwt webhook api; do head -c 32 /dev/urandom | base64 > "$work/$name.secret"; done

# Waits (at most 10 s) until `file` holds `text`, or the process `pid` has ended.
wait_for() {
  local file=$1 text=$2 pid=$3
  for _ in $(seq 200); do
    grep -q "$text" "$file" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; return 1; }
    sleep 0.05
  done
  echo "run.sh: no \"$text\" in 10 s" >&2; cat "$file" >&2; return 1
}

python3 "$here/backend.py" --port "$backend_port" --jwt-secret-file "$work/jwt.secret" \
  --webhook-secret-file "$work/webhook.secret" --api "http://127.0.0.1:$api_port" \
  --api-key-file "$work/api.secret" >"$work/backend.log" 2>&1 &
pids+=($!)
wait_for "$work/backend.log" "backend listening" "${pids[-1]}"

# Clients neither join rooms nor broadcast: their events go to the back end, which decides.
"$ATRIUM_BIN" --port "$port" --auth-jwt-secret-file "$work/jwt.secret" \
  --api-port "$api_port" --api-key-file "$work/api.secret" \
  --webhook-url "http://127.0.0.1:$backend_port/webhooks" \
  --webhook-events connect,disconnect,follow,update,direct \
  --webhook-secret-file "$work/webhook.secret" --allow-emit none >"$work/atrium.log" 2>&1 &
pids+=($!)
wait_for "$work/atrium.log" "atrium listening" "${pids[-1]}"

status=0
node "$here/demo.mjs" "http://127.0.0.1:$port" "http://127.0.0.1:$backend_port" || status=$?
echo "--- the back end saw:"; cat "$work/backend.log"
exit "$status"
