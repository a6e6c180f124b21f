#!/usr/bin/env bash
# Builds libcaf_core with ThreadSanitizer from Debian's source of the installed libcaf-dev into
# build-tsan/caf/ (once; later runs reuse it) and prints the folder holding the library.
#
# Why: TSan sees the happens-before edges of instrumented code only. Debian's libcaf_core is not
# instrumented, so every message handed from one thread to another through an actor's mailbox
# looks like a data race (hundreds of false reports in the actor tests). With this build
# loaded in its place (same version and soname, so libcaf_io finds it too) they are gone.
#
# The source is fetched as a Debian package, by apt: `apt-get source` with deb-src entries made
# from the machine's own deb entries, in an apt configuration of this folder (the machine's is
# left alone). apt checks the archive against the signed index of the archive it came from.
set -euo pipefail
cd "$(dirname "$0")/../.."
source_package=$(dpkg-query -W -f='${source:Package}' libcaf-dev)
source_version=$(dpkg-query -W -f='${source:Version}' libcaf-dev)
upstream=${source_version%-*}
out=build-tsan/caf
lib=$out/build/lib/libcaf_core.so.$upstream

if [ ! -f "$lib" ]; then
  apt=$PWD/$out/apt
  rm -rf "$apt" "$out/download"
  mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial" "$out/download"
  # The same archives as the machine's deb entries, as deb-src (one-line and deb822 files).
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    if [ -f "$f" ]; then
      sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$apt/sources.list.d/deb-src.list"
    fi
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -f "$f" ]; then
      sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt/sources.list.d/$(basename "$f")"
    fi
  done
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt/sources.list.d"
            -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
            -o APT::Sandbox::User=root)
  # An archive without sources may fail its part of the update; the package is looked up next.
  apt-get "${apt_opts[@]}" update >"$out/apt-update.log" 2>&1 || true
  # Only the upstream tarball: Debian's packaging is not built here, only libcaf_core.
  (cd "$out/download" &&
     apt-get "${apt_opts[@]}" source --download-only --tar-only \
             "$source_package=$source_version") >"$out/apt-source.log" 2>&1 ||
    { cat "$out/apt-update.log" "$out/apt-source.log" >&2; exit 1; }
  tarball=$(ls "$out/download/${source_package}_${upstream}".orig.tar.*)
  rm -rf "$out/src" && mkdir -p "$out/src"
  tar xf "$tarball" -C "$out/src" --strip-components=1
  cmake -S "$out/src" -B "$out/build" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g1" \
        -DCAF_NO_IO=ON -DCAF_NO_EXAMPLES=ON -DCAF_NO_UNIT_TESTS=ON -DCAF_NO_OPENSSL=ON \
        -DCAF_NO_OPENCL=ON -DCAF_NO_PYTHON=ON -DCAF_NO_TOOLS=ON -DCAF_NO_SUMMARY=ON \
        -DCAF_NO_COMPILER_CHECK=ON >"$out/configure.log" 2>&1
  cmake --build "$out/build" -j"$(nproc)" --target libcaf_core_shared >"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log" >&2; exit 1; }
fi
realpath "$(dirname "$lib")"
