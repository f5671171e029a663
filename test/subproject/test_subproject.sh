#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_subproject.sh SOURCE CC: configures the parent project in this
# directory, which adds ring (SOURCE) with add_subdirectory beside a target
# "ring" of its own, once without a build type and once with Debug (the
# parent's CMakeLists.txt checks that ring keeps either), builds it and
# runs its programs against ring::ring and ring::ring_static.
set -euo pipefail
src=$1 cc=$2
here=$src/test/subproject
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "subproject: $*" >&2
  exit 1
}

version=$(sed -n 's/^project(ring VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
want="the parent's ring and ring $version: hello"
for type in "" Debug; do
  build=$tmp/build${type:+-$type}
  cmake -S "$here" -B "$build" -DRING_SOURCE_DIR="$src" \
    -DCMAKE_C_COMPILER="$cc" ${type:+-DCMAKE_BUILD_TYPE=$type} \
    >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "configure failed (type '$type')"; }
  cmake --build "$build" -j2 >"$tmp/log" 2>&1 ||
    { cat "$tmp/log" >&2; fail "build failed (type '$type')"; }
  for app in app_static app_shared; do
    got=$("$build/$app") || fail "$app exited with status $?"
    [ "$got" = "$want" ] || fail "$app said '$got', not '$want'"
  done
done
echo "subproject: ok (beside the parent's own target ring, with and" \
  "without a build type)"
