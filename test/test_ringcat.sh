#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_ringcat.sh RINGCAT: ringcat end to end, between real processes.
# Every case checks the bytes with cmp and the exit statuses; the time
# limits are generous bounds against hangs, not measurements.
set -u
ringcat=$1
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Runs a listener on input file $2 at socket $1 in the background.
listen() {
  "$ringcat" --listen "$1" "${@:3}" <"$2" 2>"$dir/listen.err" &
  listener=$!
  for _ in $(seq 200); do [ -S "$1" ] && return; sleep 0.05; done
  fail "listener never bound $1"
}

# Copies a file through ringcat and compares.
roundtrip() {
  local name=$1 input=$2
  local sock="$dir/$name.sock"
  listen "$sock" "$input"
  timeout 120 "$ringcat" --connect "$sock" >"$dir/$name.out" 2>"$dir/connect.err"
  local rc=$?
  wait "$listener"
  local lrc=$?
  [ $rc -eq 0 ] || fail "$name: reader exited $rc: $(cat "$dir/connect.err")"
  [ $lrc -eq 0 ] || fail "$name: writer exited $lrc: $(cat "$dir/listen.err")"
  cmp -s "$input" "$dir/$name.out" || fail "$name: output differs"
}

: >"$dir/empty"
roundtrip empty "$dir/empty"
printf 'x' >"$dir/one"
roundtrip one-byte "$dir/one"
head -c 50000000 /dev/urandom >"$dir/random"
roundtrip random-50M "$dir/random"
# Binary: every byte value, a NUL-rich tail, sizes around the ring size.
for n in 4095 4096 4097 1048575 1048576 1048577; do
  head -c "$n" "$dir/random" >"$dir/cut"
  roundtrip "cut-$n" "$dir/cut"
done
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096 + bytes(100000))' \
  >"$dir/binary" 2>/dev/null || head -c 1100000 /dev/zero >"$dir/binary"
roundtrip binary "$dir/binary"

# A small ring: the writer waits on the reader many times.
sock="$dir/small.sock"
listen "$sock" "$dir/random" --size 4K
timeout 120 "$ringcat" --connect "$sock" >"$dir/small.out" || fail "small ring: reader"
wait "$listener" || fail "small ring: writer"
cmp -s "$dir/random" "$dir/small.out" || fail "small ring: output differs"

# -v reports bytes and a rate.
sock="$dir/verbose.sock"
listen "$sock" "$dir/one"
"$ringcat" --connect "$sock" -v >/dev/null 2>"$dir/v.err"
wait "$listener"
grep -q "received 1 bytes" "$dir/v.err" || fail "-v: $(cat "$dir/v.err")"

# The socket is owner-only.
sock="$dir/mode.sock"
listen "$sock" "$dir/one"
mode=$(stat -c %a "$sock")
[ "$mode" = 700 ] || [ "$mode" = 600 ] || fail "socket mode $mode"
"$ringcat" --connect "$sock" >/dev/null
wait "$listener"

# A killed writer: the reader says so in one line and fails; no hang.
sock="$dir/killw.sock"
mkfifo "$dir/slow"
( head -c 1000000 "$dir/random"; sleep 30 ) >"$dir/slow" &
feeder=$!
"$ringcat" --listen "$sock" <"$dir/slow" 2>/dev/null &
listener=$!
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
timeout 60 "$ringcat" --connect "$sock" >"$dir/killw.out" 2>"$dir/killw.err" &
reader=$!
sleep 1
kill -9 "$listener"
wait "$reader"
rc=$?
kill "$feeder" 2>/dev/null
[ $rc -eq 1 ] || fail "killed writer: reader exited $rc"
[ "$(wc -l <"$dir/killw.err")" -eq 1 ] || fail "killed writer: $(cat "$dir/killw.err")"
grep -q "writer died" "$dir/killw.err" || fail "killed writer: $(cat "$dir/killw.err")"
cmp -s "$dir/killw.out" <(head -c 1000000 "$dir/random") ||
  fail "killed writer: the bytes before the kill did not all arrive"

# A stale socket file, from a listener killed before any reader came, is
# replaced by the next listener.
sock="$dir/stale.sock"
listen "$sock" "$dir/one"
kill -9 "$listener"
wait "$listener" 2>/dev/null
[ -S "$sock" ] || fail "expected a stale socket at $sock"
stale_inode=$(stat -c %i "$sock")
"$ringcat" --listen "$sock" <"$dir/one" 2>"$dir/listen.err" &
listener=$!
for _ in $(seq 200); do
  [ -S "$sock" ] && [ "$(stat -c %i "$sock")" != "$stale_inode" ] && break
  sleep 0.05
done
"$ringcat" --connect "$sock" >"$dir/stale.out" || fail "stale socket: reader"
wait "$listener" || fail "stale socket: writer"
cmp -s "$dir/one" "$dir/stale.out" || fail "stale socket: output differs"

# Not a socket: left alone.
: >"$dir/plain"
"$ringcat" --listen "$dir/plain" <"$dir/one" 2>/dev/null
[ $? -eq 1 ] || fail "a plain file at the path should be refused"
[ -f "$dir/plain" ] || fail "the plain file was removed"

# A live listener is not replaced.
sock="$dir/busy.sock"
listen "$sock" "$dir/one"
first=$listener
"$ringcat" --listen "$sock" <"$dir/one" 2>"$dir/busy.err"
[ $? -eq 1 ] || fail "second listener should fail"
grep -q "another listener" "$dir/busy.err" || fail "busy: $(cat "$dir/busy.err")"
"$ringcat" --connect "$sock" >/dev/null
wait "$first"

# A killed reader: the writer says so in one line and fails; no hang.
sock="$dir/killr.sock"
mkfifo "$dir/slow2"
( head -c 1000000 "$dir/random"; sleep 30 ) >"$dir/slow2" &
feeder=$!
"$ringcat" --listen "$sock" --size 64K <"$dir/slow2" 2>"$dir/killr.err" &
listener=$!
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
"$ringcat" --connect "$sock" >/dev/null 2>&1 &
reader=$!
sleep 0.5
kill -9 "$reader"
# The writer notices once it has something to write: feed it.
kill "$feeder" 2>/dev/null
timeout 60 tail --pid="$listener" -f /dev/null
wait "$listener"
rc=$?
[ $rc -eq 1 ] || fail "killed reader: writer exited $rc"
[ "$(wc -l <"$dir/killr.err")" -eq 1 ] || fail "killed reader: $(cat "$dir/killr.err")"

# A reader that dies after it got the ring but before it attached: the
# writer cannot learn it from the ring, and must not wait forever.
sock="$dir/noattach.sock"
listen "$sock" "$dir/random" --size 64K
python3 - "$sock" <<'PY' || fail "could not play a reader that never attaches"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"R")
s.recvmsg(1, socket.CMSG_SPACE(16))   # takes the ring's descriptor...
PY
timeout 60 tail --pid="$listener" -f /dev/null
wait "$listener"
rc=$?
[ $rc -eq 1 ] || fail "reader gone before attaching: writer exited $rc"
grep -q "reader went away" "$dir/listen.err" || fail "noattach: $(cat "$dir/listen.err")"

# A reader of another user is refused (needs root to switch users).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  sock="$dir/uid.sock"
  chmod 755 "$dir"
  "$ringcat" --listen "$sock" <"$dir/one" 2>"$dir/uid.err" &
  listener=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
  chmod 777 "$sock"
  timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$ringcat" --connect "$sock" >/dev/null 2>&1
  [ $? -eq 1 ] || fail "another user should be refused"
  grep -q "refused a reader running as uid 65534" "$dir/uid.err" || fail "uid: $(cat "$dir/uid.err")"
  "$ringcat" --connect "$sock" >/dev/null || fail "owner after a refusal"
  wait "$listener" || fail "uid: writer"
  # ...unless allowed.
  "$ringcat" --listen "$sock" --allow-uid 65534 <"$dir/one" 2>/dev/null &
  listener=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
  chmod 777 "$sock"
  timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$ringcat" --connect "$sock" >"$dir/uid.out" || fail "allowed uid refused"
  wait "$listener"
  cmp -s "$dir/one" "$dir/uid.out" || fail "allowed uid: output differs"
  chmod 700 "$dir"
fi

# Bad usage: one line, exit 2.
for args in "" "--listen" "--connect a --listen b" "--size 0 --listen x" \
  "--bogus" "--listen x extra" "--size 12Q --listen x"; do
  # shellcheck disable=SC2086
  "$ringcat" $args </dev/null >/dev/null 2>"$dir/usage.err"
  rc=$?
  [ $rc -eq 2 ] || fail "'$args': exit $rc"
  [ "$(wc -l <"$dir/usage.err")" -eq 1 ] || fail "'$args': $(cat "$dir/usage.err")"
done
"$ringcat" --help | grep -q -- "--listen PATH" || fail "--help"
"$ringcat" --connect "$dir/nobody.sock" 2>"$dir/nobody.err"
[ $? -eq 1 ] || fail "connect to nothing should exit 1"

if [ $failures -ne 0 ]; then
  echo "$failures failures" >&2
  exit 1
fi
echo "ringcat: all cases passed"
