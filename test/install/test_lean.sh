#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_lean.sh SOURCE: ring where nothing but a C compiler and CMake is
# installed. Needs root (CI runs it so: .ci/run).
#
# In a private mount namespace, every file of the packages that the tests,
# benchmarks, fuzzers and man pages need (a C++ compiler, clang,
# pkg-config, Criterion, google-benchmark, Boost, liburcu, Concurrency Kit,
# readerwriterqueue, python3, awk, the man tools) is hidden: /usr gets an
# overlay whose upper layer holds a whiteout for each, so that in there
# they are gone as if never installed (checked before anything else). In
# that view, with a bare environment:
#   1. configure succeeds, and says in one status line each that the tests,
#      benchmarks and fuzzers are off (the man pages need no tool);
#   2. the libraries, tools and man pages build, install, and a program
#      builds and runs against the installed library with plain cc;
#   3. asking for each part with RING_BUILD_<PART>=ON fails, naming it.
set -euo pipefail
src=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "lean: needs root (a mount namespace)" >&2; exit 1; }

if [ "${RING_LEAN_INSIDE:-}" != 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/upper" "$tmp/work"
  packages=(g++ g++-12 libstdc++-12-dev clang clang-14 pkgconf pkgconf-bin
    pkg-config libcriterion-dev libbenchmark-dev libboost-dev
    libboost1.74-dev liburcu-dev libck-dev libreaderwriterqueue-dev python3
    python3-minimal python3.11 python3.11-minimal mawk gawk original-awk
    groff-base mandoc man-db)
  installed=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" &&
      installed+=("$p")
  done
  # Their files under /usr, and the alternatives' links to them, as
  # whiteouts (character devices 0/0) in the overlay's upper layer.
  { dpkg -L "${installed[@]}"; printf '%s\n' /usr/bin/c++ /usr/bin/awk \
    /usr/bin/nawk /usr/bin/python3; } | python3 -c '
import os, stat, sys
upper = sys.argv[1]
for path in set(line.strip() for line in sys.stdin):
    if not path.startswith("/usr/") or not os.path.lexists(path):
        continue
    if os.path.isdir(path) and not os.path.islink(path):
        continue
    out = os.path.join(upper, path[len("/usr/"):])
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if not os.path.lexists(out):
        os.mknod(out, stat.S_IFCHR | 0o600, os.makedev(0, 0))
' "$tmp/upper"
  unshare --mount --propagation private env RING_LEAN_INSIDE=1 \
    RING_LEAN_TMP="$tmp" bash "$0" "$src"
  exit
fi

tmp=$RING_LEAN_TMP
mount -t overlay overlay \
  -o "lowerdir=/usr,upperdir=$tmp/upper,workdir=$tmp/work" /usr
# From here on, a bare environment: no inherited CC, CXX or PATH.
exec env -i PATH=/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8 bash -euo pipefail \
  -s "$src" "$tmp" <<'EOF'
src=$1 tmp=$2
log=$tmp/log

fail() {
  echo "lean: $*" >&2
  exit 1
}

# The view is what it claims to be.
for tool in c++ g++ clang++ clang python3 pkg-config awk groff mandoc; do
  ! command -v "$tool" >/dev/null || fail "$tool is still there"
done
for f in criterion/criterion.h benchmark/benchmark.h boost/version.hpp \
  urcu.h ck_ring.h readerwriterqueue/readerwriterqueue.h; do
  [ ! -e "/usr/include/$f" ] || fail "/usr/include/$f is still there"
done
command -v cc >/dev/null && command -v cmake >/dev/null ||
  fail "the C compiler or CMake went too"

# 1. Configure: it succeeds and says what is off, once for each part.
cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release \
  -DRING_WERROR=ON >"$log" 2>&1 || { cat "$log" >&2; fail "configure failed"; }
for what in tests benchmarks fuzzers; do
  n=$(grep -c "^-- ring: $what off, missing " "$log" || true)
  [ "$n" = 1 ] || { cat "$log" >&2; fail "$n status lines say $what are off"; }
done
grep "^-- ring: " "$log"

# 2. The libraries and tools build and install; a program uses them.
cmake --build "$tmp/build" -j2 >"$log" 2>&1 ||
  { cat "$log" >&2; fail "build failed"; }
cmake --install "$tmp/build" --prefix "$tmp/prefix" >"$log" 2>&1 ||
  { cat "$log" >&2; fail "install failed"; }
for f in include/ring.h include/ring_version.h lib/libring.so.1 \
  lib/libring.a lib/libring-ffi.so.1 lib/pkgconfig/ring.pc bin/ringcat \
  bin/ringbench share/doc/ring/LICENSE; do
  [ -e "$tmp/prefix/$f" ] || fail "the install has no $f"
done
# The man pages need no tool to build: they are there.
[ -e "$tmp/prefix/share/man/man3/ring_attach.3" ] ||
  fail "the man pages were not installed"
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer" \
  "$src/test/install/consumer.c" -I"$tmp/prefix/include" \
  -L"$tmp/prefix/lib" -lring >"$log" 2>&1 ||
  { cat "$log" >&2; fail "a program does not build against it"; }
LD_LIBRARY_PATH=$tmp/prefix/lib "$tmp/consumer" >"$log" 2>&1 ||
  { cat "$log" >&2; fail "the program failed"; }
grep -q "1000 records, then EPIPE" "$log" || fail "the program said $(cat "$log")"

# 3. Asking for a part that cannot be built fails, and says which.
for part in TESTS BENCH FUZZERS; do
  if cmake -S "$src" -B "$tmp/on-$part" -DRING_BUILD_$part=ON >"$log" 2>&1; then
    fail "configure with RING_BUILD_$part=ON succeeded"
  fi
  grep -q "RING_BUILD_$part=ON, but" "$log" ||
    { cat "$log" >&2; fail "RING_BUILD_$part=ON failed for another reason"; }
done
echo "lean: ok (configured, built, installed and used with only cc and" \
  "cmake; each part said why it is off, and failed when asked for)"
EOF
