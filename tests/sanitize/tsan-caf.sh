#!/usr/bin/env bash
# Builds libcaf_core 0.17.6 with ThreadSanitizer from Debian's source of the installed package
# into build-tsan/caf/ (once; later runs reuse it) and prints the folder holding the library.
#
# Why: TSan sees the happens-before edges of instrumented code only. Debian's libcaf_core is not
# instrumented, so every message handed from one thread to another through an actor's mailbox
# looks like a data race (hundreds of false reports in the actor tests). With this build
# loaded in its place (same version and soname, so libcaf_io finds it too) they are gone.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=0.17.6
tarball=actor-framework_${version}.orig.tar.gz
# From actor-framework_0.17.6-2.1.dsc, the source of Debian 12's libcaf-dev.
sha256=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c
url=${CAF_SOURCE_URL:-http://deb.debian.org/debian/pool/main/a/actor-framework/$tarball}
out=build-tsan/caf
lib=$out/build/lib/libcaf_core.so.$version

if [ ! -f "$lib" ]; then
  mkdir -p "$out"
  if [ ! -f "$out/$tarball" ] || ! echo "$sha256  $out/$tarball" | sha256sum -c --quiet; then
    curl -fsSL --retry 3 -o "$out/$tarball" "$url"
    echo "$sha256  $out/$tarball" | sha256sum -c --quiet
  fi
  rm -rf "$out/src" && mkdir -p "$out/src"
  tar xzf "$out/$tarball" -C "$out/src" --strip-components=1
  cmake -S "$out/src" -B "$out/build" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g1" \
        -DCAF_NO_IO=ON -DCAF_NO_EXAMPLES=ON -DCAF_NO_UNIT_TESTS=ON -DCAF_NO_OPENSSL=ON \
        -DCAF_NO_OPENCL=ON -DCAF_NO_PYTHON=ON -DCAF_NO_TOOLS=ON -DCAF_NO_SUMMARY=ON \
        -DCAF_NO_COMPILER_CHECK=ON >"$out/configure.log" 2>&1
  cmake --build "$out/build" -j"$(nproc)" --target libcaf_core_shared >"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log" >&2; exit 1; }
fi
realpath "$(dirname "$lib")"
