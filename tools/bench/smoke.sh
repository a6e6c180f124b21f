#!/usr/bin/env bash
# CI smoke test of atrium-bench: every workload against a real atrium, briefly (fanout in both
# modes with 50 receivers, rooms with 50 clients in 10 rooms, churn with 10 clients, one second
# each; idle with 200 connections from two source addresses, held for a second; soak with 50
# clients churning, moving and receiving broadcasts for three seconds; recovery with 50 clients
# missing 100 messages, against a server with --recovery-window). Passes iff every run
# exits 0 (no loss, no duplicate, no delivery out of its publisher's order, no stray delivery,
# every ack ok, every connection kept, no setup failure). Timings are printed for the log but
# never judged: CI machines are too noisy for that.
#
#   smoke.sh ATRIUM_BIN BENCH_BIN
#   smoke.sh tools/node-server/rooms-server.js BENCH_BIN   # the same against Node's socket.io
set -u

usage="usage: smoke.sh ATRIUM_BIN|ROOMS_SERVER_JS BENCH_BIN"
server=${1:?$usage}
bench=${2:?$usage}
work=$(mktemp -d)
server_pid=

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  # Both servers exit on SIGTERM after closing their clients; give it 5 s, then no more choice.
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The reference server runs the same rooms app and is the ground truth of what a run must show.
# start_server [FLAG ...]: starts it with those flags too; sets server_pid and url.
start_server() {
  if [[ "$server" == *.js ]]; then
    node "$server" --host 127.0.0.1 --port 0 "$@" >"$work/server.out" 2>&1 &
  else
    "$server" --host 127.0.0.1 --port 0 --trusted-clients "$@" >"$work/server.out" 2>&1 &
  fi
  server_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[^ ]*' "$work/server.out" | head -n 1 | cut -d' ' -f3)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "bench_smoke: $server did not report a listening port within 10 s; its output:"
    cat "$work/server.out"
    exit 1
  fi
  echo "bench_smoke: $(basename "$server") $* pid $server_pid at $url"
}
start_server

status=0
run() {
  echo "bench_smoke: atrium-bench $*"
  timeout 90 "$bench" "$@"
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "bench_smoke: FAILED with exit status $rc: atrium-bench $*"
    status=1
  fi
}
run fanout --url "$url" --receivers 50 --seconds 1 --server-pid "$server_pid" --label smoke-saturation
run fanout --url "$url" --receivers 50 --seconds 1 --rate 100 --server-pid "$server_pid" --label smoke-rate
run rooms --url "$url" --clients 50 --rooms 10 --publishers 3 --seconds 1 \
  --server-pid "$server_pid" --label smoke-rooms
run churn --url "$url" --clients 10 --rooms 5 --seconds 1 \
  --server-pid "$server_pid" --label smoke-churn
run idle --url "$url" --connections 200 --hold 1 --source-addresses 127.0.0.1,127.0.0.2 \
  --server-pid "$server_pid" --label smoke-idle
run soak --url "$url" --clients 50 --rooms 10 --publishers 2 --churn-per-second 5 \
  --moves-per-second 5 --broadcasts-per-second 20 --seconds 3 --sample-every 1 \
  --server-pid "$server_pid" --label smoke-soak

# Connection state recovery needs the server's flag: a server of its own.
stop_server
start_server --recovery-window 60000
run recovery --url "$url" --clients 50 --messages 100 --server-pid "$server_pid" --label smoke-recovery

[ "$status" -eq 0 ] && echo "bench_smoke: passed"
exit "$status"
