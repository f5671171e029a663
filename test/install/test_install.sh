#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_install.sh SOURCE CC CXX LIBDIR INCLUDEDIR BINDIR MANDIR
#
# Builds ring afresh from SOURCE for a scratch prefix, installs it there
# with `cmake --install`, checks what landed where (the GNUInstallDirs
# places given), then builds the program in this directory against the
# installed ring as an outside user would: with find_package(ring) (shared,
# static and C++), and with plain pkg-config (shared and static). Each
# program runs and must print what it checked. Everything lives in one
# temporary directory, removed at the end.
set -euo pipefail
src=$1 cc=$2 cxx=$3 libdir=$4 includedir=$5 bindir=$6 mandir=$7
here=$src/test/install
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
log=$tmp/log

fail() {
  echo "install: $*" >&2
  exit 1
}

# Runs a command quietly; on failure shows its output and fails.
quiet() {
  "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "failed: $*"; }
}

# Runs a program and compares its standard output with what it must say.
expect_output() {
  local want=$1 got
  shift
  got=$("$@" 2>&1) || fail "$1 exited with status $?: $got"
  [ "$got" = "$want" ] || fail "$1 said '$got', not '$want'"
}

# The libring.so.N a binary needs, or nothing.
needed_ring() {
  readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libring\.so[^]]*\)\].*/\1/p'
}

# 1. A fresh build, installed into the scratch prefix.
quiet cmake -S "$src" -B "$tmp/ring-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR="$libdir" \
  -DCMAKE_INSTALL_INCLUDEDIR="$includedir" -DCMAKE_INSTALL_BINDIR="$bindir" \
  -DCMAKE_INSTALL_MANDIR="$mandir" -DRING_WERROR=ON -DRING_BUILD_TESTS=OFF \
  -DRING_BUILD_BENCH=OFF -DRING_BUILD_EXAMPLES=OFF
quiet cmake --build "$tmp/ring-build" -j2
quiet cmake --install "$tmp/ring-build"

# 2. What landed where.
lib=$prefix/$libdir
cmp -s "$src/include/ring.h" "$prefix/$includedir/ring.h" ||
  fail "$includedir/ring.h is missing or differs from include/ring.h"
[ -f "$lib/libring.a" ] || fail "no $libdir/libring.a"
real=$(readlink -f "$lib/libring.so")
[ -f "$real" ] && [ -L "$lib/libring.so" ] && [ -L "$lib/libring.so.1" ] ||
  fail "$libdir/libring.so and libring.so.1 must be links to the library"
soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = libring.so.1 ] || fail "soname is '$soname', not libring.so.1"
[ "$(readlink -f "$lib/libring.so.1")" = "$real" ] ||
  fail "libring.so.1 does not lead to $real"
for f in ring-config.cmake ring-config-version.cmake ring-targets.cmake; do
  [ -f "$lib/cmake/ring/$f" ] || fail "no $libdir/cmake/ring/$f"
done
! grep -rq 'ring_warnings\|ring_sanitize' "$lib/cmake/ring" ||
  fail "the exported targets name the build-only ring_warnings/ring_sanitize"
[ -f "$lib/pkgconfig/ring.pc" ] || fail "no $libdir/pkgconfig/ring.pc"
for tool in ringcat ringbench; do
  [ -x "$prefix/$bindir/$tool" ] || fail "no $bindir/$tool"
  quiet "$prefix/$bindir/$tool" --help
done
# `man NAME` finds every page, and the links lead to their group's page.
for spec in ring:RING ring_setup:RING_SETUP ring_sharing:RING_SHARING \
  ring_bytes:RING_BYTES ring_records:RING_RECORDS ring_waiting:RING_WAITING \
  ring_create:RING_SETUP ring_wait_readable:RING_WAITING \
  ring_msg_sendv:RING_RECORDS ringcat:RINGCAT ringbench:RINGBENCH; do
  name=${spec%%:*} title=${spec#*:}
  text=$(MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$prefix/$mandir" "$name" \
    2>&1) || fail "man $name: $text"
  grep -q "^$title(" <<<"$text" || fail "man $name does not show $title"
  grep -qi "$name" <<<"$text" || fail "man $name does not mention $name"
done

# 3. find_package(ring): shared, static and C++, in an outside project.
quiet cmake -S "$here" -B "$tmp/cmake-user" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx"
quiet cmake --build "$tmp/cmake-user" -j2
want="1000 records, then EPIPE"
expect_output "$want" "$tmp/cmake-user/consumer_shared"
expect_output "$want" "$tmp/cmake-user/consumer_static"
expect_output "hello from C++" "$tmp/cmake-user/consumer_cxx"
[ "$(needed_ring "$tmp/cmake-user/consumer_shared")" = libring.so.1 ] ||
  fail "consumer_shared does not load libring.so.1"
[ -z "$(needed_ring "$tmp/cmake-user/consumer_static")" ] ||
  fail "consumer_static loads libring.so: ring::ring_static is not static"
# SameMajorVersion: a 2.x request must not take this 1.x.
if cmake -S "$here" -B "$tmp/cmake-v2" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DRING_WANT_VERSION=2.0 >"$log" 2>&1; then
  fail "find_package(ring 2.0) accepted ring $(pkg-config --modversion ring)"
fi
grep -q 'considered but not accepted' "$log" ||
  fail "find_package(ring 2.0) failed for another reason: $(cat "$log")"

# 4. Plain pkg-config, as a Makefile would use it.
export PKG_CONFIG_PATH=$lib/pkgconfig
version=$(pkg-config --modversion ring)
grep -q "set(PACKAGE_VERSION \"$version\")" \
  "$lib/cmake/ring/ring-config-version.cmake" ||
  fail "ring.pc says version $version, the CMake package another"
# shellcheck disable=SC2046
quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$tmp/pc_shared" \
  "$here/consumer.c" $(pkg-config --cflags --libs ring)
LD_LIBRARY_PATH=$lib expect_output "$want" "$tmp/pc_shared"
[ "$(needed_ring "$tmp/pc_shared")" = libring.so.1 ] ||
  fail "pc_shared does not load libring.so.1"
# shellcheck disable=SC2046
quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$tmp/pc_static" \
  "$here/consumer.c" $(pkg-config --cflags ring) \
  -Wl,-Bstatic $(pkg-config --static --libs ring) -Wl,-Bdynamic
expect_output "$want" "$tmp/pc_static"
[ -z "$(needed_ring "$tmp/pc_static")" ] ||
  fail "pc_static loads libring.so"

echo "install: ok (ring $version into a scratch prefix; find_package and" \
  "pkg-config, shared and static)"
