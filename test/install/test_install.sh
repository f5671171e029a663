#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_install.sh SOURCE CC CXX LIBDIR INCLUDEDIR BINDIR MANDIR DOCDIR
#
# Builds ring afresh from SOURCE configured for one prefix and installs it
# into another with `cmake --install --prefix`, as the README suggests,
# checks what landed where (the GNUInstallDirs places given), then builds
# the programs in this directory against the installed ring as an outside
# user would: with find_package(ring) (shared, static, libring-ffi and
# C++), with plain pkg-config (shared and --static), and libring-ffi from
# Python's ctypes. Then the whole prefix moves to a third place and the
# outside builds are done again there: ring.pc and the CMake package find
# their files from where they are. Each program runs and must print what
# it checked. Everything lives in one temporary directory, removed at the
# end.
set -euo pipefail
src=$1 cc=$2 cxx=$3 libdir=$4 includedir=$5 bindir=$6 mandir=$7 docdir=$8
here=$src/test/install
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
configured=$tmp/configured # what CMAKE_INSTALL_PREFIX says; never used
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

# The libring*.so.N a binary needs, or nothing.
needed_ring() {
  readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libring[^]]*\.so[^]]*\)\].*/\1/p'
}

# 1. A fresh build, configured for one prefix and installed into another.
quiet cmake -S "$src" -B "$tmp/ring-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_INSTALL_PREFIX="$configured" -DCMAKE_INSTALL_LIBDIR="$libdir" \
  -DCMAKE_INSTALL_INCLUDEDIR="$includedir" -DCMAKE_INSTALL_BINDIR="$bindir" \
  -DCMAKE_INSTALL_MANDIR="$mandir" -DCMAKE_INSTALL_DOCDIR="$docdir" \
  -DRING_WERROR=ON -DRING_BUILD_TESTS=OFF -DRING_BUILD_BENCH=OFF \
  -DRING_BUILD_EXAMPLES=OFF
quiet cmake --build "$tmp/ring-build" -j2
quiet cmake --install "$tmp/ring-build" --prefix "$prefix"
[ ! -e "$configured" ] || fail "cmake --install --prefix wrote to $configured"

# 2. What landed where.
lib=$prefix/$libdir
cmp -s "$src/include/ring.h" "$prefix/$includedir/ring.h" ||
  fail "$includedir/ring.h is missing or differs from include/ring.h"
cmp -s "$src/include/ring_ffi.h" "$prefix/$includedir/ring_ffi.h" ||
  fail "$includedir/ring_ffi.h is missing or differs from include/ring_ffi.h"
[ -f "$prefix/$includedir/ring_version.h" ] ||
  fail "no $includedir/ring_version.h"
for name in ring ring-ffi; do
  [ -f "$lib/lib$name.a" ] || fail "no $libdir/lib$name.a"
  real=$(readlink -f "$lib/lib$name.so")
  [ -f "$real" ] && [ -L "$lib/lib$name.so" ] && [ -L "$lib/lib$name.so.1" ] ||
    fail "$libdir/lib$name.so and lib$name.so.1 must be links to the library"
  soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
  [ "$soname" = "lib$name.so.1" ] ||
    fail "soname is '$soname', not lib$name.so.1"
  [ "$(readlink -f "$lib/lib$name.so.1")" = "$real" ] ||
    fail "lib$name.so.1 does not lead to $real"
  [ -f "$lib/pkgconfig/$name.pc" ] || fail "no $libdir/pkgconfig/$name.pc"
done
for f in ring-config.cmake ring-config-version.cmake ring-targets.cmake; do
  [ -f "$lib/cmake/ring/$f" ] || fail "no $libdir/cmake/ring/$f"
done
! grep -rq 'ring_warnings\|ring_sanitize' "$lib/cmake/ring" ||
  fail "the exported targets name the build-only ring_warnings/ring_sanitize"
! grep -rq "$tmp" "$lib/pkgconfig" "$lib/cmake/ring" ||
  fail "ring.pc or the CMake package names a path of this install"
for f in LICENSE LICENSES/MIT LICENSES/GPL-2.0-only; do
  cmp -s "$src/$f" "$prefix/$docdir/$f" || fail "no $docdir/$f"
done
for tool in ringcat ringbench; do
  [ -x "$prefix/$bindir/$tool" ] || fail "no $bindir/$tool"
  quiet "$prefix/$bindir/$tool" --help
done
# `man NAME` finds every page, and the links lead to the page that holds
# the call.
for spec in ring:RING ring_create:RING_CREATE ring_attach_max:RING_ATTACH \
  ring_recv_fd:RING_SEND_FD ring_msg_sendv:RING_MSG_SEND \
  ring_wait_writable:RING_WAIT_READABLE ringcat:RINGCAT ringbench:RINGBENCH; do
  name=${spec%%:*} title=${spec#*:}
  text=$(MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$prefix/$mandir" "$name" \
    2>&1) || fail "man $name: $text"
  grep -q "^$title(" <<<"$text" || fail "man $name does not show $title"
  grep -qi "$name" <<<"$text" || fail "man $name does not mention $name"
done

export PKG_CONFIG_PATH=$lib/pkgconfig
version=$(pkg-config --modversion ring)
grep -q "set(PACKAGE_VERSION \"$version\")" \
  "$lib/cmake/ring/ring-config-version.cmake" ||
  fail "ring.pc says version $version, the CMake package another"
[ "$(pkg-config --modversion ring-ffi)" = "$version" ] ||
  fail "ring-ffi.pc says version $(pkg-config --modversion ring-ffi)"
want="ring $version: 1000 records, then EPIPE"

# 3. find_package(ring) in an outside project (build directory $1), with
# the ring installed at $2: shared, static, libring-ffi and C++.
with_cmake() {
  quiet cmake -S "$here" -B "$1" -DCMAKE_PREFIX_PATH="$2" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx"
  quiet cmake --build "$1" -j2
  expect_output "$want" "$1/consumer_shared"
  expect_output "$want" "$1/consumer_static"
  expect_output "$want" "$1/consumer_ffi"
  expect_output "hello from C++" "$1/consumer_cxx"
  [ "$(needed_ring "$1/consumer_shared")" = libring.so.1 ] ||
    fail "consumer_shared does not load libring.so.1"
  [ "$(needed_ring "$1/consumer_ffi")" = libring-ffi.so.1 ] ||
    fail "consumer_ffi does not load libring-ffi.so.1 alone"
  [ -z "$(needed_ring "$1/consumer_static")" ] ||
    fail "consumer_static loads libring.so: ring::ring_static is not static"
}

# 4. Plain pkg-config, as a Makefile would use it, with the ring installed
# at $2 (PKG_CONFIG_PATH leads there); programs go to directory $1.
with_pkg_config() {
  mkdir -p "$1"
  # shellcheck disable=SC2046
  quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$1/pc_shared" \
    "$here/consumer.c" $(pkg-config --cflags --libs ring)
  LD_LIBRARY_PATH=$2/$libdir expect_output "$want" "$1/pc_shared"
  [ "$(needed_ring "$1/pc_shared")" = libring.so.1 ] ||
    fail "pc_shared does not load libring.so.1"
  # shellcheck disable=SC2046
  quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$1/pc_static" \
    "$here/consumer.c" $(pkg-config --cflags ring) \
    -Wl,-Bstatic $(pkg-config --static --libs ring) -Wl,-Bdynamic
  expect_output "$want" "$1/pc_static"
  [ -z "$(needed_ring "$1/pc_static")" ] || fail "pc_static loads libring.so"
  # shellcheck disable=SC2046
  quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$1/pc_ffi" \
    "$here/consumer.c" $(pkg-config --cflags --libs ring-ffi)
  LD_LIBRARY_PATH=$2/$libdir expect_output "$want" "$1/pc_ffi"
}

# 5. libring-ffi from Python's ctypes, found where pkg-config says.
with_ctypes() {
  local so
  so=$(pkg-config --variable=libdir ring-ffi)/libring-ffi.so.1
  expect_output "ring_version $version, a record through ctypes" \
    python3 - "$so" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.ring_new.restype = ctypes.c_void_p
for f in ("ring_create", "ring_msg_send", "ring_msg_recv", "ring_free"):
    getattr(lib, f).argtypes = [ctypes.c_void_p]
lib.ring_create.argtypes += [ctypes.c_size_t, ctypes.c_uint]
lib.ring_msg_send.argtypes += [ctypes.c_char_p, ctypes.c_size_t]
lib.ring_msg_recv.argtypes += [ctypes.c_char_p, ctypes.c_size_t]
lib.ring_msg_recv.restype = ctypes.c_ssize_t
r = lib.ring_new()
buf = ctypes.create_string_buffer(16)
assert lib.ring_create(r, 4096, 0) == 0
assert lib.ring_msg_send(r, b"hello", 5) == 0
assert lib.ring_msg_recv(r, buf, 16) == 5 and buf.value == b"hello"
lib.ring_free(r)
v = lib.ring_version()
print(f"ring_version {v // 1000000}.{v // 1000 % 1000}.{v % 1000}, "
      "a record through ctypes")
EOF
}

with_cmake "$tmp/cmake-user" "$prefix"
# SameMajorVersion: a 2.x request must not take this 1.x.
if cmake -S "$here" -B "$tmp/cmake-v2" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DRING_WANT_VERSION=2.0 >"$log" 2>&1; then
  fail "find_package(ring 2.0) accepted ring $version"
fi
grep -q 'considered but not accepted' "$log" ||
  fail "find_package(ring 2.0) failed for another reason: $(cat "$log")"
with_pkg_config "$tmp/pc-user" "$prefix"
with_ctypes

# 6. The prefix moves: everything must still be found from where it is.
moved=$tmp/elsewhere/moved
mkdir -p "$tmp/elsewhere"
mv "$prefix" "$moved"
export PKG_CONFIG_PATH=$moved/$libdir/pkgconfig
[ "$(pkg-config --variable=prefix ring)" -ef "$moved" ] ||
  fail "after the move, ring.pc says prefix $(pkg-config --variable=prefix ring)"
with_cmake "$tmp/cmake-moved" "$moved"
with_pkg_config "$tmp/pc-moved" "$moved"
with_ctypes

echo "install: ok (ring $version configured for one prefix, installed" \
  "into another, then moved; find_package, pkg-config shared and static," \
  "libring-ffi from C and ctypes)"
