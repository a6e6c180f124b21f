#!/usr/bin/env bash
# tools/atrium.service: systemd-analyze verify finds nothing to say about it (with ExecStart
# pointed at the built binary: verify needs the program to exist), its hardening keeps the
# exposure systemd-analyze security computes at 2.0 or lower, it has the options README.md
# promises, and it waits longer at stop than atrium's --drain-timeout.
# usage: check_service.sh UNIT ATRIUM_BINARY
set -euo pipefail
unit=$1
atrium=$(realpath "$2") # the unit needs an absolute path
fail() { echo "install_service: $*" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null; then
  echo "install_service: skipped: systemd-analyze not found (apt-get install systemd)"
  exit 77
fi

grep -qx 'ExecStart=/usr/local/bin/atrium --config /etc/atrium/atrium.toml' "$unit" \
  || fail "ExecStart is not /usr/local/bin/atrium --config /etc/atrium/atrium.toml"
for option in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
              PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
              ProtectKernelModules=yes ProtectKernelLogs=yes CapabilityBoundingSet= \
              SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
              Restart=on-failure KillSignal=SIGTERM; do
  grep -qx -- "$option" "$unit" || fail "no line $option"
done
grep -q '^RestrictAddressFamilies=' "$unit" || fail "no RestrictAddressFamilies"
nofile=$(sed -n 's/^LimitNOFILE=//p' "$unit")
[[ $nofile =~ ^[0-9]+$ && $nofile -ge 65536 ]] || fail "LimitNOFILE=$nofile: fewer than 65536 clients"

# TimeoutStopSec above --drain-timeout's default, read off atrium --help (when it has one).
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$unit")
[[ -n $stop ]] || fail "no TimeoutStopSec in seconds"
drain=$("$atrium" --help | sed -n '/--drain-timeout/,/default/{s/.*(default \([0-9]*\).*/\1/p}' | head -1)
if [[ -n $drain ]]; then
  (( stop * 1000 > drain )) || fail "TimeoutStopSec=${stop}s is not above --drain-timeout ${drain} ms"
else
  echo "install_service: atrium has no --drain-timeout yet: TimeoutStopSec not compared"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/atrium-unit.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sed "s#^ExecStart=/usr/local/bin/atrium #ExecStart=$atrium #" "$unit" >"$dir/atrium.service"
# verify exits 0 on some findings (an unknown option, an unknown system call group): any output
# is a failure.
if ! said=$(systemd-analyze verify "$dir/atrium.service" 2>&1) || [[ -n $said ]]; then
  fail "systemd-analyze verify: $said"
fi
if ! systemd-analyze security --offline=yes --threshold=20 "$dir/atrium.service" >"$dir/security" 2>&1; then
  cat "$dir/security" >&2
  fail "systemd-analyze security: exposure above 2.0"
fi
echo "install_service: ok ($(tail -1 "$dir/security"))"
