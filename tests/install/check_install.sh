#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` into a temporary P: the three programs in P/bin, the chat
# page and the official client in P/share/atrium/chat, `P/bin/atrium --help` runs, and the
# installed atrium serves the installed page with --static.
# usage: check_install.sh CMAKE BUILD_DIR
set -euo pipefail
cmake=$1
build=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/atrium-install.XXXXXX")
server=
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$prefix"
}
trap cleanup EXIT
fail() { echo "install_prefix: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log" >&2; rm -f "$prefix.log"; fail "cmake --install failed"; }
rm -f "$prefix.log"

for program in atrium atrium-bench atrium-scenario; do
  [[ -f $prefix/bin/$program && -x $prefix/bin/$program ]] || fail "no executable $prefix/bin/$program"
done
chat=$prefix/share/atrium/chat
for file in index.html chat.js chat.css socket.io.min.js socket.io-client.LICENSE; do
  [[ -s $chat/$file ]] || fail "no $chat/$file"
done
grep -q 'Socket.IO v4' "$chat/socket.io.min.js" || fail "$chat/socket.io.min.js is not the official client"

help=$("$prefix/bin/atrium" --help) || fail "$prefix/bin/atrium --help exited $?"
grep -q -- '^usage: atrium' <<<"$help" || fail "atrium --help printed no usage"
grep -q -- '--static DIR' <<<"$help" || fail "atrium --help does not list --static"

# The installed binary serving the installed page, as README.md says to try it.
out=$prefix/atrium.out
"$prefix/bin/atrium" --host 127.0.0.1 --port 0 --static "$chat" >"$out" 2>&1 &
server=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$out" | sed 's/listening on //' || true)
  [[ -n $url ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$out" >&2; fail "atrium exited before listening"; }
  sleep 0.1
done
[[ -n $url ]] || { cat "$out" >&2; fail "atrium printed no listening line in 10 s"; }
# python3 rather than curl: it is among what the build itself needs (tools/install-deps.sh).
get() {
  python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    body = r.read()
    print(r.status, r.headers.get("Content-Type"), len(body))
    sys.stdout.write(body.decode("utf-8", "replace") if b"<title>" in body else "")
PY
}
page=$(get "$url/") || fail "GET $url/ failed"
grep -q '<title>Atrium chat</title>' <<<"$page" || fail "GET / is not the chat page: $(head -1 <<<"$page")"
client=$(get "$url/socket.io.min.js") || fail "GET $url/socket.io.min.js failed"
[[ $client == "200 text/javascript; charset=utf-8 $(stat -c %s "$chat/socket.io.min.js")" ]] \
  || fail "GET /socket.io.min.js: $client"
echo "install_prefix: ok ($prefix)"
