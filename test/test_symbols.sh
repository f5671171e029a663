#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_symbols.sh STATIC SHARED INCLUDE GENERATED_INCLUDE CC [SANITIZE]:
# libring takes
# no name a user might pick. Every global it defines, in the static archive
# and in the shared library, is either a public call declared in ring.h
# (ring_*) or an internal one (ringi_*, a prefix no user picks); and a
# program with functions of its own named like libring's internals of old
# (ring_map, ring_publish, ...) links against the static library and runs.
set -euo pipefail
static=$1 shared=$2 include=$3 generated=$4 cc=$5 sanitize=${6:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "symbols: $*" >&2; exit 1; }

# The public calls: what ring.h declares with RING_API.
grep -oE '^RING_API [^(]*\bring_[a-z0-9_]+\(' "$include/ring.h" |
  grep -oE 'ring_[a-z0-9_]+' | sort -u >"$tmp/public"
[ -s "$tmp/public" ] || fail "found no public call in ring.h"

check() { # what list-of-globals
  local what=$1 list=$2
  while read -r sym; do
    case $sym in
    ringi_*) ;;
    __*) ;; # made by the compiler (a sanitizer's ODR indicators)
    ring_*) grep -qx "$sym" "$tmp/public" ||
      fail "$what defines $sym, which ring.h does not declare" ;;
    *) fail "$what defines $sym, outside the prefixes ring_ and ringi_" ;;
    esac
  done <"$list"
}
nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' | sort -u \
  >"$tmp/static"
nm -D --defined-only "$shared" | awk 'NF == 3 && $3 !~ /^LIBRING/ {print $3}' |
  sed 's/@.*//' | sort -u >"$tmp/shared"
check "$static" "$tmp/static"
check "$shared" "$tmp/shared"
# Every public call is there, in both.
for lib in static shared; do
  missing=$(comm -23 "$tmp/public" "$tmp/$lib" | tr '\n' ' ')
  [ -z "$missing" ] || fail "the $lib library lacks $missing"
done

# A user's own ring_map and friends do not clash.
cat >"$tmp/user.c" <<'C'
#include "ring.h"
#include <stdio.h>
int ring_map(void) { return 1; }
int ring_unmap(void) { return 2; }
int ring_validate_fd(void) { return 3; }
int ring_publish(void) { return 4; }
int ring_msg_size(void) { return 5; }
int ring_page_size(void) { return 6; }
int ring_wake_all(void) { return 7; }
int main(void)
{
    struct ring r;
    char out[2];
    if (ring_create(&r, 4096, 0) != 0 || ring_write(&r, "ok", 2) != 2 ||
        ring_read(&r, out, 2) != 2)
        return 1;
    ring_close(&r);
    printf("%d\n", ring_map() + ring_unmap() + ring_validate_fd() +
                       ring_publish() + ring_msg_size() + ring_page_size() +
                       ring_wake_all());
    return 0;
}
C
flags=()
[ -z "$sanitize" ] || flags=(-fsanitize="$sanitize")
"$cc" -std=c11 -Wall -Wextra -Werror -Wno-missing-prototypes "${flags[@]}" \
  -I"$include" -I"$generated" -o "$tmp/user" "$tmp/user.c" "$static" \
  -lpthread >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "a user's ring_map does not link"; }
[ "$("$tmp/user")" = 28 ] || fail "the user's program went wrong"
echo "symbols: ok ($(wc -l <"$tmp/public") public calls; every other global is ringi_)"
