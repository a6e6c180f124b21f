#!/usr/bin/env bash
# Builds the unit tests and the atrium binary with sanitizers, in a build folder of their own,
# runs the unit tests and then the interop suites (the official client against that binary);
# any sanitizer report, from a test or from the server, fails the run.
#
#   run.sh address   ASan + UBSan, leak detection on (build-sanitize/): the protocol, actor,
#                    net and option-parser tests, then the interop suites that feed the server
#                    what it must refuse or parse (limits, attacks, binary, tokens, the API,
#                    webhooks...). The suites of room semantics (rooms, fanout, order...) are
#                    TSan's: they add minutes here and no code path the others miss. (Not the
#                    client tests: their Beast client costs this build a minute and a half to
#                    compile.)
#   run.sh thread    TSan (build-tsan/, with libcaf_core built with TSan by tsan-caf.sh): the
#                    actor and net tests, then the interop suites where many connections and
#                    actors work at once: there the actors run on CAF's workers and the
#                    connections on Asio's threads, so this is where the actor/net bridge is
#                    exercised; and the drain, where the main thread, the I/O threads and the
#                    actors all take part in the stop. (The suites of refusals and limits are
#                    ASan's.)
#
# INTEROP=0 skips the interop suites; SUITES="rooms protocol" picks others, SUITES=all all;
# SUITE_JOBS=1 runs them one at a time (2 by default).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?usage: run.sh address|thread}

case $mode in
  address)
    dir=build-sanitize
    unit_tests=(protocol_tests actors_tests net_tests atrium_options_tests boundary_tests)
    default_suites="binary protocol namespaces policy limits abuse attacks slow-consumers auth
                    http-api webhooks static-files admin-ui operations-health recovery"
    # UBSan's checks make -O1 compile twice as long as -O0 here; the tests don't need the speed.
    flags="-O0 -g1"
    configure=()
    ;;
  thread)
    dir=build-tsan
    unit_tests=(actors_tests net_tests)
    default_suites="rooms adapter-events binary fanout lifecycle protocol abuse order
                    operations-health recovery"
    flags="-O1 -g1" # TSan's own advice: -O0 runs several times slower
    caf=$(bash tests/sanitize/tsan-caf.sh)
    configure=(-DCAF_CORE_LIBRARY="$caf/libcaf_core.so")
    # libcaf_io is Debian's: it must find the TSan libcaf_core too, not the system one.
    export LD_LIBRARY_PATH=$caf${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    ;;
  *)
    echo "usage: run.sh address|thread" >&2
    exit 2
    ;;
esac

cmake -S . -B "$dir" -DATRIUM_SANITIZE="$mode" -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_CXX_FLAGS="$flags" -DBUILD_TESTING=ON "${configure[@]}" >/dev/null
SUITES_WANTED=${SUITES:-$default_suites}
targets=("${unit_tests[@]}" atrium)
# The examples only for their suite: tests/interop/examples.test.mjs starts them from the same
# bin/ as atrium.
if [[ " $SUITES_WANTED " =~ [[:space:]](examples|all)[[:space:]] ]]; then
  targets+=(atrium-chat-example atrium-notifications-example)
fi
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}"

# Reports go to files, one per process, so that the servers' reports are seen too: the interop
# tests start and stop servers of their own and never look at their stderr.
logs=$PWD/$dir/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS=detect_leaks=1:log_path=$logs/asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitize/ubsan.supp:log_path=$logs/ubsan
export TSAN_OPTIONS=second_deadlock_stack=1:log_path=$logs/tsan

failed=()
for t in "${unit_tests[@]}"; do
  echo "== $mode: $t"
  "$dir/bin/$t" -n >"$logs/$t.out" 2>&1 || { failed+=("$t"); tail -20 "$logs/$t.out"; }
done

if [ "${INTEROP:-1}" != 0 ]; then
  export ATRIUM_BIN=$PWD/$dir/bin/atrium
  export ATRIUM_SANITIZER=$mode # the suites then log the server's RSS without judging it
  if [ "$SUITES_WANTED" != all ]; then
    # Split into words by `read -a`: the lists above span lines.
    read -r -d '' -a suites <<<"$SUITES_WANTED" || true
  else
    suites=(tests/interop/*.test.mjs)
    suites=("${suites[@]##*/}")
    suites=("${suites[@]%.test.mjs}")
  fi
  # Two suites at a time: each mostly waits (on its server, its clients, its timers), and
  # every server has a port of its own; the sanitizer's slowdown then costs half the wall time.
  jobs=${SUITE_JOBS:-2}
  suite() {
    local s=$1 start=$SECONDS status=0
    node --test --test-reporter=dot "tests/interop/$s.test.mjs" >"$logs/interop-$s.out" 2>&1 ||
      status=$?
    echo "$status" >"$logs/interop-$s.status"
    echo "== $mode: interop $s: $((SECONDS - start)) s$( ((status == 0)) || echo ", FAILED")"
  }
  running=0
  for s in "${suites[@]}"; do
    suite "$s" &
    if ((++running >= jobs)); then
      wait -n || true
      ((running--))
    fi
  done
  wait
  for s in "${suites[@]}"; do
    if [ "$(cat "$logs/interop-$s.status")" != 0 ]; then
      failed+=("interop $s")
      echo "---- interop $s"
      tail -40 "$logs/interop-$s.out"
    fi
  done
fi

shopt -s nullglob
reports=("$logs"/asan.* "$logs"/ubsan.* "$logs"/tsan.*)
if ((${#reports[@]})); then
  for r in "${reports[@]}"; do
    echo "---- $r"
    head -60 "$r"
  done
  echo "$mode sanitizer: ${#reports[@]} report(s), in $logs"
  exit 1
fi
if ((${#failed[@]})); then
  echo "$mode sanitizer build: failed: ${failed[*]} (logs in $logs)"
  exit 1
fi
echo "$mode sanitizer: every test passed without a report"
