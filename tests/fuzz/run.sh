#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 30), starting from its seed corpus in tests/fuzz/corpus/ (which also
# keeps every input that once crashed a target, as a regression test). Exits 1 when a target
# crashes, leaks, runs out of memory or hangs; the reproducer is left in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-30}
targets=(engineio socketio websocket http_request)

cmake -S . -B build-fuzz -DATRIUM_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
mkdir -p build-fuzz/artifacts

# One target: its log in build-fuzz/fuzz_TARGET.log, its exit status in build-fuzz/fuzz_TARGET.status.
fuzz() {
  local t=$1 found=build-fuzz/corpus/$1 # what this machine's runs found; the seeds stay untouched
  mkdir -p "$found"
  local status=0
  build-fuzz/bin/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -max_len=65536 -artifact_prefix="build-fuzz/artifacts/$t-" -print_final_stats=1 \
    "$found" "tests/fuzz/corpus/$t" >"build-fuzz/fuzz_$t.log" 2>&1 || status=$?
  echo "$status" >"build-fuzz/fuzz_$t.status"
}

# As many targets at once as there are CPUs: each runs on one.
running=0
for t in "${targets[@]}"; do
  echo "== fuzz_$t for ${seconds} s"
  fuzz "$t" &
  if ((++running >= $(nproc))); then
    wait -n
    ((running--))
  fi
done
wait

failed=0
for t in "${targets[@]}"; do
  log=build-fuzz/fuzz_$t.log
  status=$(cat "build-fuzz/fuzz_$t.status")
  echo "-- fuzz_$t"
  grep -E "^(INFO: seed|stat::number_of_executed_units|stat::new_units_added)" "$log" || true
  if ((status != 0)); then
    grep -E "runtime error|ERROR:|SUMMARY|#[0-9]+ 0x|Test unit written" "$log" | head -30 || true
    echo "fuzz_$t FAILED (exit $status): reproducer in build-fuzz/artifacts/; log $log"
    failed=1
  fi
done
((failed == 0)) || exit 1
echo "fuzzing: every target ran ${seconds} s without a finding"
