#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_pages.sh RING_H MANDIR [RINGCAT RINGBENCH]
#
# Checks the built man pages in MANDIR against the header and the tools:
#   - every function ring.h declares (RING_API or RING_INLINE) is either a
#     documented call, with a link page that `man NAME` follows to a page
#     naming it in NAME and SYNOPSIS, or marked internal in the header
#     (an "Internal" banner or comment); the exported internal ones are
#     listed in ring(7). The declarations are found here with a parser of
#     this script's own, not the generator's.
#   - every page renders with groff -ww and passes mandoc -T lint with no
#     message at all (style included); links are `.so` lines, which mandoc
#     calls fragile by design, so they are rendered through man instead.
#   - ringcat(1) and ringbench(1) name every option the tools' --help
#     lists, and no option the tools do not know.
set -u
ring_h=$1
man=$2
ringcat=${3:-}
ringbench=${4:-}
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for tool in groff mandoc man; do
  command -v $tool >/dev/null ||
    { echo "check_pages: no $tool (run scripts/install-deps)" >&2; exit 1; }
done
[ -f "$man/index.txt" ] || { echo "check_pages: $man holds no pages" >&2; exit 1; }

# Renders a page (relative to $man) as plain ASCII text.
text_of() {
  (cd "$man" && groff -man -Tascii -P-cbou "$1" 2>/dev/null)
}

# 1. Every declaration: "name public|internal exported|inline".
decls=$(awk '
  /^\/\* -+ \*\/$/ { banner = 1; next }
  banner { banner = 0; internal_section = ($0 ~ /Internal\. *\*\/$/); next }
  /^\/\*/ { first = $0; sub(/^\/\*[ *]*/, "", first); comment = first; open = ($0 !~ /\*\//); next }
  open { if (comment == "") { comment = $0; sub(/^[ *]*/, "", comment) }
         if ($0 ~ /\*\//) open = 0; next }
  /^RING_(API|INLINE) / {
    match($0, /ringi?_[a-z0-9_]+\(/)
    name = substr($0, RSTART, RLENGTH - 1)
    hidden = internal_section || comment ~ /^Internal[.,]/
    print name, (hidden ? "internal" : "public"), ($1 == "RING_API" ? "exported" : "inline")
  }
  !/^\/\*/ && !open { comment = "" }
' "$ring_h")
[ "$(wc -l <<<"$decls")" -gt 30 ] || fail "found only $(wc -l <<<"$decls") declarations in $ring_h"

while read -r name kind linkage; do
  in_index=$(awk -v n="$name" '$1 == n { print $2 }' "$man/index.txt")
  [ -n "$in_index" ] || { fail "$name: the generator never saw it"; continue; }
  if [ "$kind" = internal ]; then
    [ "$in_index" = internal ] || fail "$name: internal in ring.h, but on page $in_index"
    [ ! -e "$man/man3/$name.3" ] || fail "$name: internal, yet it has a page"
    if [ "$linkage" = exported ]; then
      grep -q "$name" "$man/man7/ring.7" ||
        fail "$name: exported (RING_API) but internal; ring(7) must list it"
    fi
    continue
  fi
  [ "$in_index" != internal ] || fail "$name: public in ring.h, internal to the generator"
  link=$man/man3/$name.3
  [ -f "$link" ] || { fail "$name: no man3/$name.3"; continue; }
  [ "$(cat "$link")" = ".so man3/$in_index.3" ] ||
    fail "$name: man3/$name.3 is not a link to man3/$in_index.3"
  page=$(text_of "man3/$in_index.3")
  sed -n '/^NAME/,/^LIBRARY/p' <<<"$page" | grep -qw "$name" ||
    fail "$name: not in the NAME section of $in_index(3)"
  sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' <<<"$page" | grep -q "$name(" ||
    fail "$name: not in the SYNOPSIS of $in_index(3)"
  # `man NAME` follows the link to the page.
  shown=$(MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$man" "$name" 2>&1)
  grep -q "^$(tr '[:lower:]' '[:upper:]' <<<"$in_index")(3)" <<<"$shown" ||
    fail "man $name does not show $in_index(3): $(head -3 <<<"$shown")"
done <<<"$decls"

# Nothing in the index that the header does not declare.
while read -r name _; do
  grep -q "^$name " <<<"$decls" || fail "$name: in the index, not in ring.h"
done <"$man/index.txt"

# 2. Every page renders without a word from groff or mandoc.
pages=$(cd "$man" && for f in man1/*.1 man3/*.3 man7/*.7; do
  [ -f "$f" ] && ! grep -q '^\.so ' "$f" && echo "$f"; done)
for must in man3/ring_setup.3 man3/ring_sharing.3 man3/ring_bytes.3 \
  man3/ring_records.3 man3/ring_waiting.3 man7/ring.7; do
  grep -qx "$must" <<<"$pages" || fail "no $must"
done
if [ -n "$ringcat" ]; then
  grep -qx man1/ringcat.1 <<<"$pages" || fail "no man1/ringcat.1"
  grep -qx man1/ringbench.1 <<<"$pages" || fail "no man1/ringbench.1"
fi
for page in $pages; do
  out=$(cd "$man" && groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -z "$out" ] || fail "groff on $page: $out"
  out=$(cd "$man" && mandoc -T lint -W all "$page" 2>&1)
  [ -z "$out" ] || fail "mandoc on $page: $out"
  out=$(cd "$man" && MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
  [ -z "$out" ] || fail "man -l $page: $out"
  [ "$(text_of "$page" | wc -l)" -gt 20 ] || fail "$page renders almost nothing"
done
for link in $(cd "$man" && grep -l '^\.so ' man3/*.3); do
  out=$(cd "$man" && groff -man -Tutf8 -ww -z "$link" 2>&1)
  [ -z "$out" ] || fail "groff on $link: $out"
done

# 3. The tools' pages and their --help name the same options.
check_options() {
  local tool=$1 page=$2 help text opt
  help=$("$tool" --help 2>&1) || { fail "$tool --help failed"; return; }
  text=$(text_of "$page")
  for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
    grep -q -- "$opt\b" <<<"$text" || fail "$page does not mention $opt"
  done
  for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$text" | sort -u); do
    grep -q -- "$opt\b" <<<"$help" || fail "$page names $opt, which ${tool##*/} does not know"
  done
}
if [ -n "$ringcat" ]; then
  check_options "$ringcat" man1/ringcat.1
  check_options "$ringbench" man1/ringbench.1
fi

if [ "$failures" -gt 0 ]; then
  echo "check_pages: $failures problems" >&2
  exit 1
fi
echo "check_pages: $(wc -l <<<"$decls") declarations, $(wc -w <<<"$pages") pages: ok"
