#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_ringcat.sh CASE RINGCAT [VERSION]: ringcat end to end, between real
# processes. Every case checks the bytes with cmp and the exit statuses;
# the time limits are generous bounds against hangs, not measurements.
# Exit status 77: the case cannot run here (ctest reports it skipped).
# shellcheck disable=SC2002 # "cat file |": a pipe on stdin, on purpose
set -u
case=$1
ringcat=$(realpath "$2")
version=${3:-}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# Waits until socket $1 exists (bound by the listener $listener).
await_socket() {
  for _ in $(seq 400); do
    [ -S "$1" ] && return
    kill -0 "$listener" 2>/dev/null || break
    sleep 0.05
  done
  fail "listener never bound $1"
}

# Runs a listener on input file $2 at socket $1 in the background.
listen() {
  "$ringcat" --listen "$1" "${@:3}" <"$2" 2>"$dir/listen.err" &
  listener=$!
  await_socket "$1"
}

# Exactly one line on stderr file $1, matching $2.
one_line() {
  local file=$1 pattern=$2 what=$3
  [ "$(wc -l <"$file")" -eq 1 ] || fail "$what: not one line: $(cat "$file")"
  grep -q -- "$pattern" "$file" || fail "$what: expected '$pattern': $(cat "$file")"
}

# Copies a file through ringcat and compares.
roundtrip() {
  local name=$1 input=$2
  local sock="$dir/$name.sock"
  listen "$sock" "$input" "${@:3}"
  timeout 120 "$ringcat" --connect "$sock" >"$dir/$name.out" 2>"$dir/connect.err"
  local rc=$?
  wait "$listener"
  local lrc=$?
  [ $rc -eq 0 ] || fail "$name: reader exited $rc: $(cat "$dir/connect.err")"
  [ $lrc -eq 0 ] || fail "$name: writer exited $lrc: $(cat "$dir/listen.err")"
  cmp -s "$input" "$dir/$name.out" || fail "$name: output differs"
}

make_random() {
  [ -f "$dir/random" ] || head -c 50000000 /dev/urandom >"$dir/random"
}

# A listener and a reader of lines, the input held open: each line must
# come out while the next is not yet written. $1 names the case; the
# listener's standard input comes from the command in $2 (given the FIFO
# it writes into, in the background).
lines_flow() {
  local name=$1 feed=$2
  local sock="$dir/$name.sock"
  rm -f "$dir/$name.fifo"
  mkfifo "$dir/$name.fifo"
  $feed "$dir/$name.fifo" &
  local feeder=$!
  "$ringcat" --connect "$sock" >"$dir/$name.out" 2>"$dir/connect.err" &
  local reader=$!
  exec 3>"$dir/$name.fifo"
  for n in 1 2 3; do
    echo "line $n" >&3
    for _ in $(seq 600); do
      [ "$(tail -n 1 "$dir/$name.out" 2>/dev/null)" = "line $n" ] && break
      sleep 0.05
    done
    [ "$(tail -n 1 "$dir/$name.out" 2>/dev/null)" = "line $n" ] ||
      fail "$name: line $n did not come out while the input was open"
  done
  exec 3>&-
  wait "$reader" || fail "$name: reader: $(cat "$dir/connect.err")"
  wait "$feeder" || fail "$name: writer: $(cat "$dir/listen.err")"
  printf 'line 1\nline 2\nline 3\n' | cmp -s - "$dir/$name.out" || fail "$name: output differs"
}

# The listener reads the FIFO as a pipe.
feed_pipe() {
  cat "$1" | "$ringcat" --listen "${1%.fifo}.sock" 2>"$dir/listen.err"
}

# The listener reads a socket (no naps: it waits in poll).
feed_socket() {
  python3 - "$1" "$ringcat" "${1%.fifo}.sock" "$dir/listen.err" <<'PY'
import socket, subprocess, sys
fifo, ringcat, sock, err = sys.argv[1:]
ours, theirs = socket.socketpair()
with open(err, "w") as e:
    p = subprocess.Popen([ringcat, "--listen", sock], stdin=theirs, stderr=e)
theirs.close()
with open(fifo, "rb") as f:
    while True:
        chunk = f.read1(4096)
        if not chunk:
            break
        ours.sendall(chunk)
ours.shutdown(socket.SHUT_WR)
sys.exit(p.wait())
PY
}

case_copy() {
  : >"$dir/empty"
  roundtrip empty "$dir/empty"
  printf 'x' >"$dir/one"
  roundtrip one-byte "$dir/one"
  make_random
  roundtrip random-50M "$dir/random"
  # Binary: every byte value, a NUL-rich tail, sizes around the ring size.
  for n in 4095 4096 4097 1048575 1048576 1048577; do
    head -c "$n" "$dir/random" >"$dir/cut"
    roundtrip "cut-$n" "$dir/cut"
  done
  python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096 + bytes(100000))' \
    >"$dir/binary"
  roundtrip binary "$dir/binary"
  # A small ring: the writer waits on the reader many times.
  roundtrip small-ring "$dir/random" --size 4K
  # A large one, 64 MiB, from a file.
  roundtrip large-ring "$dir/random" --size 64M
  # The reader maps no ring larger than --max-size (1 GiB by default).
  listen "$dir/max.sock" "$dir/random" --size 8M
  "$ringcat" --connect "$dir/max.sock" --max-size 4M >"$dir/max.out" 2>"$dir/connect.err"
  [ $? -eq 1 ] || fail "--max-size 4M took an 8 MiB ring"
  one_line "$dir/connect.err" "is larger than --max-size (4194304 bytes)" "--max-size"
  [ ! -s "$dir/max.out" ] || fail "--max-size: bytes came through"
  wait "$listener"
  [ $? -eq 1 ] || fail "--max-size: the writer should fail"
  one_line "$dir/listen.err" "the reader went away" "--max-size: writer"
  listen "$dir/max.sock" "$dir/random" --size 8MiB
  "$ringcat" --connect "$dir/max.sock" --max-size 8MB >"$dir/max.out" ||
    fail "--max-size 8M refused an 8 MiB ring"
  wait "$listener" || fail "--max-size 8M: writer"
  cmp -s "$dir/random" "$dir/max.out" || fail "--max-size 8M: output differs"

  # From a pipe, and from a pipe in small, irregular writes (the writer
  # naps and batches), into a pipe.
  local sock="$dir/pipe.sock"
  cat "$dir/random" | "$ringcat" --listen "$sock" 2>"$dir/listen.err" &
  listener=$!
  timeout 120 "$ringcat" --connect "$sock" 2>"$dir/connect.err" | cat >"$dir/pipe.out" ||
    fail "pipe: reader: $(cat "$dir/connect.err")"
  wait "$listener" || fail "pipe: writer: $(cat "$dir/listen.err")"
  cmp -s "$dir/random" "$dir/pipe.out" || fail "pipe: output differs"
  python3 - "$dir/random" <<'PY' | "$ringcat" --listen "$dir/trickle.sock" 2>"$dir/listen.err" &
import os, random, sys, time
data = open(sys.argv[1], "rb").read()[:3000000]
rng = random.Random(7)
pos = 0
while pos < len(data):
    n = rng.choice((1, 7, 512, 4096, 65536, 300000))
    os.write(1, data[pos:pos + n])
    pos += n
    if rng.random() < 0.02:
        time.sleep(0.003)
PY
  listener=$!
  timeout 120 "$ringcat" --connect "$dir/trickle.sock" >"$dir/trickle.out" 2>"$dir/connect.err" ||
    fail "trickle: reader: $(cat "$dir/connect.err")"
  wait "$listener" || fail "trickle: writer: $(cat "$dir/listen.err")"
  head -c 3000000 "$dir/random" | cmp -s - "$dir/trickle.out" || fail "trickle: output differs"

  # Slow input still flows line by line: batching never holds a line back.
  lines_flow lines-pipe feed_pipe
  lines_flow lines-socket feed_socket
}

case_report() {
  printf 'x' >"$dir/one"
  # -v reports bytes and a rate at the end.
  listen "$dir/v.sock" "$dir/one"
  "$ringcat" --connect "$dir/v.sock" -v >/dev/null 2>"$dir/v.err"
  wait "$listener"
  one_line "$dir/v.err" "received 1 bytes in" "-v"

  # --progress, not on a terminal: a line a second while it runs, then
  # the total. The input stays open, 3 bytes in, until each side has
  # shown two lines.
  mkfifo "$dir/p.fifo"
  "$ringcat" --listen "$dir/p.sock" --progress <"$dir/p.fifo" 2>"$dir/p-listen.err" &
  listener=$!
  "$ringcat" --connect "$dir/p.sock" --progress >"$dir/p.out" 2>"$dir/p.err" &
  local reader=$!
  exec 3>"$dir/p.fifo"
  printf abc >&3
  await_lines 2 'received 3 bytes in .* MB/s$' "$dir/p.err"
  await_lines 2 'sent 3 bytes in .* MB/s$' "$dir/p-listen.err"
  printf def >&3
  exec 3>&-
  wait "$reader" || fail "--progress: reader: $(cat "$dir/p.err")"
  wait "$listener" || fail "--progress: writer: $(cat "$dir/p-listen.err")"
  [ "$(cat "$dir/p.out")" = abcdef ] || fail "--progress: output differs"
  tail -n 1 "$dir/p.err" | grep -q "received 6 bytes in .* s (.* MB/s)" ||
    fail "--progress: no total at the end: $(cat "$dir/p.err")"
  tail -n 1 "$dir/p-listen.err" | grep -q "sent 6 bytes in" ||
    fail "--progress: writer's total: $(cat "$dir/p-listen.err")"

  # On a terminal: one line, updated in place.
  if command -v script >/dev/null; then
    mkfifo "$dir/t.fifo"
    "$ringcat" --listen "$dir/t.sock" <"$dir/t.fifo" 2>/dev/null &
    listener=$!
    script -qec "'$ringcat' --connect '$dir/t.sock' --progress >'$dir/t.out'" \
      /dev/null >"$dir/t.tty" 2>&1 </dev/null &
    local terminal=$!
    exec 3>"$dir/t.fifo"
    printf abc >&3
    await_lines 1 $'\r\033\\[Kringcat: received 3 bytes, .* MB/s' "$dir/t.tty"
    printf def >&3
    exec 3>&-
    wait "$terminal" || fail "--progress on a terminal: $(cat "$dir/t.tty")"
    wait "$listener"
    [ "$(cat "$dir/t.out")" = abcdef ] || fail "--progress on a terminal: output differs"
    grep -q "received 6 bytes in" "$dir/t.tty" || fail "--progress on a terminal: no total"
  fi
}

# Waits (up to a minute) until file $3 has $1 lines matching $2.
await_lines() {
  local want=$1 pattern=$2 file=$3
  for _ in $(seq 1200); do
    [ "$(grep -c -- "$pattern" "$file" 2>/dev/null)" -ge "$want" ] && return
    sleep 0.05
  done
  fail "$file: fewer than $want lines like '$pattern': $(cat "$file")"
}

case_failures() {
  make_random
  printf 'x' >"$dir/one"
  # A killed writer: the reader says so in one line and fails; no hang.
  local sock="$dir/killw.sock"
  mkfifo "$dir/slow"
  ( head -c 1000000 "$dir/random"; sleep 30 ) >"$dir/slow" &
  local feeder=$!
  "$ringcat" --listen "$sock" <"$dir/slow" 2>/dev/null &
  listener=$!
  await_socket "$sock"
  timeout 60 "$ringcat" --connect "$sock" >"$dir/killw.out" 2>"$dir/killw.err" &
  local reader=$!
  # Every byte before the kill arrives first (the writer hands them on
  # once its input pauses).
  for _ in $(seq 400); do
    [ "$(stat -c %s "$dir/killw.out")" -ge 1000000 ] && break
    sleep 0.05
  done
  kill -9 "$listener"
  wait "$reader"
  local rc=$?
  kill "$feeder" 2>/dev/null
  [ $rc -eq 1 ] || fail "killed writer: reader exited $rc"
  one_line "$dir/killw.err" "writer died" "killed writer"
  cmp -s "$dir/killw.out" <(head -c 1000000 "$dir/random") ||
    fail "killed writer: the bytes before the kill did not all arrive"

  # A stale socket file, from a listener killed before any reader came, is
  # replaced by the next listener.
  sock="$dir/stale.sock"
  listen "$sock" "$dir/one"
  kill -9 "$listener"
  wait "$listener" 2>/dev/null
  [ -S "$sock" ] || fail "expected a stale socket at $sock"
  local stale_inode
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
  "$ringcat" --listen "$dir/plain" <"$dir/one" 2>"$dir/plain.err"
  [ $? -eq 1 ] || fail "a plain file at the path should be refused"
  one_line "$dir/plain.err" "exists and is not a socket" "plain file"
  [ -f "$dir/plain" ] || fail "the plain file was removed"

  # A live listener is not replaced, nor its socket removed.
  sock="$dir/busy.sock"
  listen "$sock" "$dir/one"
  local first=$listener
  "$ringcat" --listen "$sock" <"$dir/one" 2>"$dir/busy.err"
  [ $? -eq 1 ] || fail "second listener should fail"
  one_line "$dir/busy.err" "another listener" "busy"
  [ -S "$sock" ] || fail "busy: the first listener's socket was removed"
  "$ringcat" --connect "$sock" >/dev/null
  wait "$first" || fail "busy: the first listener failed"

  # A killed reader: the writer says so in one line and fails; no hang.
  sock="$dir/killr.sock"
  mkfifo "$dir/slow2"
  ( head -c 1000000 "$dir/random"; sleep 30 ) >"$dir/slow2" &
  feeder=$!
  "$ringcat" --listen "$sock" --size 64K <"$dir/slow2" 2>"$dir/killr.err" &
  listener=$!
  await_socket "$sock"
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
  one_line "$dir/killr.err" "reader went away" "killed reader"

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
  one_line "$dir/listen.err" "reader went away" "noattach"

  # What the listener hands over is not a usable ring: one line each.
  fake_listener "$dir/devnull.sock" devnull "it is not a sealed ring memfd"
  fake_listener "$dir/zeros.sock" zeros "it is not a valid ring"
  fake_listener "$dir/nofd.sock" nofd "no ring came from"

  # A ring too large for the memory we may have: one line, status 1.
  # (Sanitizer runtimes need more address space than the limit leaves.)
  if (ulimit -v 1000000 && "$ringcat" --version >/dev/null 2>&1); then
    (ulimit -v 1000000 && exec "$ringcat" --listen "$dir/big.sock" --size 4G </dev/null 2>"$dir/big.err")
    rc=$?
    [ $rc -eq 1 ] || fail "too large a ring: exit $rc"
    one_line "$dir/big.err" "cannot create a ring of 4294967296 bytes: not enough memory" "too large a ring"
    [ ! -e "$dir/big.sock" ] || fail "too large a ring: a socket was left"
  fi
}

# A listener (Python) that hands the reader something else than a ring:
# the reader fails with status 1 and the one line $3.
fake_listener() {
  local sock=$1 what=$2 pattern=$3
  python3 - "$sock" "$what" <<'PY' &
import fcntl, os, socket, sys
path, what = sys.argv[1:]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
conn, _ = srv.accept()
conn.recv(1)
if what == "devnull":
    fd = os.open("/dev/null", os.O_RDWR)
elif what == "zeros":
    # Sealed like a ring, but no ring header: all zeros.
    fd = os.memfd_create("fake", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, 2 * os.sysconf("SC_PAGE_SIZE"))
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
if what == "nofd":
    conn.sendall(b"x")
else:
    socket.send_fds(conn, [b"x"], [fd])
conn.recv(1)
PY
  local fake=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
  timeout 60 "$ringcat" --connect "$sock" >/dev/null 2>"$dir/fake.err"
  local rc=$?
  kill "$fake" 2>/dev/null
  wait "$fake" 2>/dev/null
  [ $rc -eq 1 ] || fail "fake listener ($what): exit $rc"
  one_line "$dir/fake.err" "$pattern" "fake listener ($what)"
}

case_order() {
  make_random
  head -c 300000 "$dir/random" >"$dir/part"
  # The documented pipeline, started as a user types it, many times: the
  # reader waits for the listener (--wait), whichever comes first.
  local i
  for i in $(seq 10); do
    cat "$dir/part" | "$ringcat" -l "$dir/o$i.sock" 2>"$dir/listen.err" &
    listener=$!
    timeout 60 "$ringcat" -c "$dir/o$i.sock" >"$dir/o.out" 2>"$dir/connect.err" ||
      fail "listener first, try $i: reader: $(cat "$dir/connect.err")"
    wait "$listener" || fail "listener first, try $i: writer: $(cat "$dir/listen.err")"
    cmp -s "$dir/part" "$dir/o.out" || fail "listener first, try $i: output differs"
  done
  for i in $(seq 5); do
    timeout 60 "$ringcat" -c "$dir/r$i.sock" >"$dir/o.out" 2>"$dir/connect.err" &
    local reader=$!
    sleep 0.$((i * 2))
    cat "$dir/part" | "$ringcat" -l "$dir/r$i.sock" 2>"$dir/listen.err" ||
      fail "reader first, try $i: writer: $(cat "$dir/listen.err")"
    wait "$reader" || fail "reader first, try $i: reader: $(cat "$dir/connect.err")"
    cmp -s "$dir/part" "$dir/o.out" || fail "reader first, try $i: output differs"
  done

  # A reader waiting at a stale socket gets the listener that replaces it.
  local sock="$dir/stale.sock"
  listen "$sock" "$dir/part"
  kill -9 "$listener"
  wait "$listener" 2>/dev/null
  timeout 60 "$ringcat" -c "$sock" --wait 30 >"$dir/o.out" 2>"$dir/connect.err" &
  reader=$!
  sleep 0.5
  "$ringcat" -l "$sock" <"$dir/part" 2>"$dir/listen.err" || fail "stale, reader first: writer: $(cat "$dir/listen.err")"
  wait "$reader" || fail "stale, reader first: reader: $(cat "$dir/connect.err")"
  cmp -s "$dir/part" "$dir/o.out" || fail "stale, reader first: output differs"

  # Nobody comes: each side gives up after --wait, in one line; the
  # listener removes its socket.
  "$ringcat" -l "$dir/alone.sock" --wait 0.5 <"$dir/part" 2>"$dir/alone.err"
  [ $? -eq 1 ] || fail "listener alone: exit status"
  one_line "$dir/alone.err" "no reader came within 0.5 s" "listener alone"
  [ ! -e "$dir/alone.sock" ] || fail "listener alone: the socket was left behind"
  "$ringcat" -c "$dir/nobody.sock" --wait 0.5 2>"$dir/nobody.err"
  [ $? -eq 1 ] || fail "reader alone: exit status"
  one_line "$dir/nobody.err" "no listener there (waited 0.5 s)" "reader alone"
  "$ringcat" -c "$dir/nobody.sock" --wait 0 2>"$dir/nobody.err"
  [ $? -eq 1 ] || fail "reader alone, --wait 0: exit status"
  listen "$sock" "$dir/part"
  kill -9 "$listener"
  wait "$listener" 2>/dev/null
  "$ringcat" -c "$sock" --wait 0.3 2>"$dir/stale.err"
  [ $? -eq 1 ] || fail "reader at a stale socket: exit status"
  one_line "$dir/stale.err" "nobody is listening there (waited 0.3 s)" "reader at a stale socket"
}

# Bad usage: exit 2 and the one line $1; the rest are the arguments.
usage_error() {
  local want=$1
  shift
  # In the scratch directory, with a bound: a usage error that is not
  # caught must not leave a listener behind.
  (cd "$dir" && exec timeout 30 "$ringcat" "$@" </dev/null >/dev/null 2>"$dir/usage.err")
  local rc=$?
  [ $rc -eq 2 ] || fail "ringcat $*: exit $rc, not 2"
  one_line "$dir/usage.err" "$want" "ringcat $*"
}

case_usage() {
  usage_error "give exactly one of"
  usage_error "give exactly one of" --connect a --listen b
  usage_error "option '--listen' needs a value" --listen
  usage_error "option '-s' needs a value" -l x -s
  usage_error "unknown option '--bogus'" --bogus
  usage_error "unknown option '-x'" -l s -x
  usage_error "unknown option '-x'" -vx
  usage_error "unexpected argument 'extra'" --listen x extra
  usage_error "option '--verbose' takes no value" --verbose=x -c s
  usage_error "option '--progress' takes no value" --progress=1 -c s
  usage_error "option '--help' takes no value" --help=x
  usage_error "option '--version' takes no value" --version=x
  usage_error "option '--allow' is ambiguous" --allow -c s
  usage_error "bad size '0'" --size 0 --listen x
  usage_error "bad size '12Q'" --size 12Q --listen x
  usage_error "bad size '17179869185G'" -s 17179869185G -l x
  usage_error "bad size '18446744073709551616'" -s 18446744073709551616 -l x
  usage_error "bad size '16777216T'" -s 16777216T -l x
  usage_error "bad size '-1'" -s -1 -l x
  usage_error "bad size '+1'" -s +1 -l x
  usage_error "bad size ' 1'" -s " 1" -l x
  usage_error "bad size '1.5M'" -s 1.5M -l x
  usage_error "bad size '1MBB'" -s 1MBB -l x
  usage_error "bad size ''" -s "" -l x
  usage_error "larger than a ring can be" -s 2T -l "$dir/huge.sock"
  usage_error "the socket path is empty" --listen ''
  usage_error "the socket path is empty" --connect ''
  usage_error "the socket path is empty" --listen=
  usage_error "socket path too long" --connect "$(printf 'x%.0s' $(seq 200))"
  usage_error "--size is for --listen" -s 1M --connect x
  usage_error "--mode is for --listen" --mode 600 --connect x
  usage_error "--max-size is for --connect" --max-size 1G --listen x
  usage_error "bad size '0'" --max-size 0 --connect x
  usage_error "bad size '1G1'" --max-size 1G1 --connect x
  usage_error "bad mode '999'" --mode 999 --listen x
  usage_error "bad mode '1777'" --mode 1777 --listen x
  usage_error "bad mode 'rw'" --mode rw --listen x
  usage_error "bad time '-1'" --wait -1 -c x
  usage_error "bad time 'soon'" --wait soon -c x
  usage_error "bad time ''" --wait '' -c x
  usage_error "no user 'no-such-user-ringcat'" --allow-uid no-such-user-ringcat -c x
  usage_error "no user '12x'" --allow-uid 12x -c x
  [ ! -e "$dir/huge.sock" ] || fail "a usage error left a socket"

  "$ringcat" --help >"$dir/help" 2>&1 || fail "--help: exit $?"
  grep -q -- "--listen PATH" "$dir/help" || fail "--help: $(cat "$dir/help")"
  "$ringcat" --version >"$dir/version" 2>&1 || fail "--version: exit $?"
  [ "$(cat "$dir/version")" = "ringcat (ring) $version" ] || fail "--version: $(cat "$dir/version")"
  "$ringcat" --connect "$dir/nobody.sock" --wait 0 2>"$dir/nobody.err"
  [ $? -eq 1 ] || fail "connect to nothing should exit 1"
}

# Sockets and credentials, with a real second user. Needs root.
case_users() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create a second user"
  for tool in useradd userdel setpriv runuser; do
    command -v $tool >/dev/null || skip "no $tool"
  done
  local user="rcat$$"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
    skip "useradd $user failed"
  trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; userdel "'"$user"'" 2>/dev/null; rm -rf "$dir"' EXIT
  local uid
  uid=$(id -u "$user")
  local as_user=(setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups)
  # Both users reach the directory and the program; only root writes.
  chmod 755 "$dir"
  mkdir -m 755 "$dir/bin"
  cp "$ringcat" "$dir/bin/ringcat"
  local rc_bin="$dir/bin/ringcat"
  printf 'from one user to another\n' >"$dir/msg"
  chmod 644 "$dir/msg"

  # By default the socket is the owner's only: the other user cannot
  # even connect.
  local sock="$dir/own.sock"
  "$rc_bin" --listen "$sock" --wait 30 <"$dir/msg" 2>"$dir/own.err" &
  listener=$!
  await_socket "$sock"
  [ "$(stat -c %a "$sock")" = 600 ] || fail "default socket mode $(stat -c %a "$sock")"
  "${as_user[@]}" "$rc_bin" --connect "$sock" --wait 0 >/dev/null 2>"$dir/u.err"
  [ $? -eq 1 ] || fail "another user connected to an owner-only socket"
  one_line "$dir/u.err" "Permission denied" "owner-only socket"
  "$rc_bin" --connect "$sock" >"$dir/own.out" || fail "owner after a refusal"
  wait "$listener" || fail "owner-only: writer"
  cmp -s "$dir/msg" "$dir/own.out" || fail "owner-only: output differs"

  # A socket others may open (--mode) is still gated by SO_PEERCRED.
  sock="$dir/gate.sock"
  "$rc_bin" --listen "$sock" --mode 0666 --wait 30 <"$dir/msg" 2>"$dir/gate.err" &
  listener=$!
  await_socket "$sock"
  [ "$(stat -c %a "$sock")" = 666 ] || fail "--mode 0666: mode $(stat -c %a "$sock")"
  timeout 30 "${as_user[@]}" "$rc_bin" --connect "$sock" --allow-uid root >/dev/null 2>"$dir/u.err"
  [ $? -eq 1 ] || fail "another user should be refused"
  one_line "$dir/gate.err" "refused a reader running as uid $uid ($user)" "refused reader"
  one_line "$dir/u.err" "the listener refused us" "refused reader's own line"
  "$rc_bin" --connect "$sock" >"$dir/gate.out" || fail "owner after a refusal"
  wait "$listener" || fail "gate: writer"
  cmp -s "$dir/msg" "$dir/gate.out" || fail "gate: output differs"

  # Allowed, by name, by number, or any user: the socket is made so that
  # they can connect, and they get every byte.
  local how
  for how in "--allow-uid $user" "--allow-uid $uid" "--allow-any-user"; do
    sock="$dir/allowed.sock"
    # shellcheck disable=SC2086
    "$rc_bin" --listen "$sock" $how --wait 30 <"$dir/msg" 2>"$dir/allowed.err" &
    listener=$!
    await_socket "$sock"
    [ "$(stat -c %a "$sock")" = 666 ] || fail "$how: socket mode $(stat -c %a "$sock")"
    timeout 30 "${as_user[@]}" "$rc_bin" --connect "$sock" --allow-uid root >"$dir/allowed.out" 2>"$dir/u.err" ||
      fail "$how: the allowed user was refused: $(cat "$dir/u.err") $(cat "$dir/allowed.err")"
    wait "$listener" || fail "$how: writer: $(cat "$dir/allowed.err")"
    cmp -s "$dir/msg" "$dir/allowed.out" || fail "$how: output differs"
  done
  # --mode narrows it again.
  sock="$dir/narrow.sock"
  "$rc_bin" --listen "$sock" --allow-any-user --mode 0640 --wait 30 <"$dir/msg" 2>/dev/null &
  listener=$!
  await_socket "$sock"
  [ "$(stat -c %a "$sock")" = 640 ] || fail "--mode 0640: mode $(stat -c %a "$sock")"
  "$rc_bin" --connect "$sock" >/dev/null || fail "--mode 0640: owner"
  wait "$listener"

  # The reader checks the listener too: one of another user, who got to
  # the path first, is refused...
  mkdir -m 777 "$dir/shared"
  sock="$dir/shared/s.sock"
  "${as_user[@]}" "$rc_bin" --listen "$sock" --allow-any-user --wait 30 <"$dir/msg" 2>"$dir/theirs.err" &
  listener=$!
  await_socket "$sock"
  "$rc_bin" --connect "$sock" >"$dir/theirs.out" 2>"$dir/root.err"
  [ $? -eq 1 ] || fail "a listener of another user was trusted"
  one_line "$dir/root.err" "refused the listener, it runs as uid $uid ($user)" "refused listener"
  [ ! -s "$dir/theirs.out" ] || fail "refused listener: bytes came through"
  # ...unless allowed.
  "$rc_bin" --connect "$sock" --allow-uid "$user" >"$dir/theirs.out" 2>"$dir/root.err" ||
    fail "allowed listener: $(cat "$dir/root.err")"
  wait "$listener" || fail "allowed listener: writer: $(cat "$dir/theirs.err")"
  cmp -s "$dir/msg" "$dir/theirs.out" || fail "allowed listener: output differs"
  chmod 700 "$dir"
}

# The reader in its own IPC, mount and PID namespaces, with a /dev/shm of
# its own, meets the writer at a socket in a directory bind-mounted in,
# as two containers sharing one volume would.
case_namespaces() {
  command -v unshare >/dev/null || skip "no unshare"
  unshare --ipc --mount --pid --fork true 2>/dev/null || skip "unshare is not permitted here"
  mkdir "$dir/volume" "$dir/mnt"
  head -c 67108864 /dev/urandom >"$dir/input"
  "$ringcat" --listen "$dir/volume/ring.sock" --size 1M <"$dir/input" 2>"$dir/listen.err" &
  listener=$!
  await_socket "$dir/volume/ring.sock"
  # shellcheck disable=SC2016 # expanded by the shell inside
  timeout 120 unshare --ipc --mount --pid --fork --mount-proc sh -c '
    set -e
    mount --make-rprivate /
    mount -t tmpfs -o size=1m tmpfs /dev/shm
    mount --bind "$1" "$2"
    # A process of its own PID namespace, beside a /dev/shm of its own.
    [ "$$" = 1 ]
    [ -z "$(ls -A /dev/shm)" ]
    echo inside >/dev/shm/marker
    exec "$3" --connect "$2/ring.sock"
  ' sh "$dir/volume" "$dir/mnt" "$ringcat" >"$dir/output" 2>"$dir/connect.err" ||
    fail "reader in namespaces: $(cat "$dir/connect.err")"
  wait "$listener" || fail "writer: $(cat "$dir/listen.err")"
  [ ! -e /dev/shm/marker ] || fail "the reader's /dev/shm was the host's"
  cmp -s "$dir/input" "$dir/output" || fail "64 MiB across namespaces: output differs"
}

# The benchmark script runs, its byte check holds, and it reports; its
# figures are not looked at here (pass and miss are both fine, 2 is not).
case_bench() {
  local script
  script="$(dirname "$(realpath "$0")")/../bench/ringcat_vs_pipe.py"
  python3 "$script" --ringcat "$ringcat" --size 4M --rounds 1 >"$dir/bench.out" 2>&1
  local rc=$?
  [ $rc -le 1 ] || fail "ringcat_vs_pipe.py exited $rc: $(cat "$dir/bench.out")"
  grep -q "^Targets (ratios" "$dir/bench.out" || fail "no report: $(cat "$dir/bench.out")"
  grep -q "^  ringcat vs cat | cat, speed" "$dir/bench.out" || fail "no target line: $(cat "$dir/bench.out")"
}

case $case in
copy | report | failures | order | usage | users | namespaces | bench) "case_$case" ;;
*)
  echo "test_ringcat.sh: unknown case $case" >&2
  exit 2
  ;;
esac

if [ $failures -ne 0 ]; then
  echo "$failures failures" >&2
  exit 1
fi
echo "ringcat $case: all passed"
