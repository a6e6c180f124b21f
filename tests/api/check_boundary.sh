#!/usr/bin/env bash
# The public API is a boundary: include/atrium/ must build with nothing but itself on the
# include path (plus the system's, for RapidJSON), and reach no CAF, Boost/Beast or internal
# project header; the examples must build against it alone.
#   check_boundary.sh <c++ compiler> <repository root>
set -u
cxx=$1
repo=$(cd "$2" && pwd)
flags=(-std=c++17 -I"$repo/include")
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# 1. What the umbrella header reaches: every dependency of a translation unit that includes it.
deps=$(echo '#include "atrium/atrium.hpp"' | "$cxx" "${flags[@]}" -x c++ -M -MT api - 2>&1) \
  || fail "atrium/atrium.hpp does not preprocess on its own:"$'\n'"$deps"
# One path a line, without the make rule's target and continuations.
paths=$(printf '%s\n' "$deps" | tr ' \\' '\n\n' | grep -v -e '^$' -e '^api:$' -e '^-$')
forbidden=$(printf '%s\n' "$paths" | grep -e '/caf/' -e '/boost/')
[ -z "$forbidden" ] || fail "atrium/atrium.hpp reaches CAF or Boost:"$'\n'"$forbidden"
# Every header of the repository it reaches must be a public one.
internal=$(printf '%s\n' "$paths" | grep "^$repo/" | grep -v "^$repo/include/atrium/")
[ -z "$internal" ] || fail "atrium/atrium.hpp reaches internal headers:"$'\n'"$internal"
[ "$failed" = 0 ] && echo "atrium/atrium.hpp reaches $(printf '%s\n' "$paths" | grep -c "^$repo/include/") public headers, no CAF, Boost or internal one"

# 2. Each public header is self-contained.
for h in "$repo"/include/atrium/*.hpp; do
  name=${h#"$repo/include/"}
  out=$(echo "#include \"$name\"" | "$cxx" "${flags[@]}" -x c++ -fsyntax-only - 2>&1) \
    || fail "$name does not compile on its own:"$'\n'"$out"
done

# 3. The examples use the public API alone: no repository root on the include path, so an
# internal header is not found.
for ex in "$repo"/tools/examples/*.cpp; do
  out=$("$cxx" "${flags[@]}" -fsyntax-only "$ex" 2>&1) \
    || fail "${ex#"$repo/"} does not compile against include/ alone:"$'\n'"$out"
done

[ "$failed" = 0 ] && echo "api boundary holds"
exit "$failed"
