#!/usr/bin/env bash
# Builds the protocol and actor unit tests with AddressSanitizer and UndefinedBehaviorSanitizer
# in build-sanitize/ and runs them: any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-sanitize -DATRIUM_SANITIZE=ON -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_CXX_FLAGS="-O1 -g1" \
      -DBUILD_TESTING=OFF >/dev/null
cmake --build build-sanitize -j"$(nproc)" --target protocol_tests actors_tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=tests/sanitize/ubsan.supp
build-sanitize/bin/protocol_tests -n
build-sanitize/bin/actors_tests -n
echo "sanitizers: protocol and actor tests clean"
