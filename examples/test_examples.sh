#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_examples.sh CASE DIR: runs the example programs built in DIR on real
# input and checks what they print against that input, byte for byte. The
# time limits are bounds against hangs, not measurements.
set -u
case=$1
bin=$2
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 60000 lines of 0 to 96 bytes (records of every padding, empty lines) and
# one of 40000 bytes: about 3 MB, far more than the producer's 64 KiB ring
# holds, so each side waits for the other many times.
make_lines() {
  awk 'BEGIN {
    for (i = 0; i < 60000; i++) {
      if (i == 30000) { s = ""; for (j = 0; j < 40000; j++) s = s "x"; print s; continue }
      n = (i * 7919) % 97
      line = ""
      for (j = 0; j < n; j++) line = line sprintf("%c", 33 + (i + j) % 94)
      print line
    }
  }' >"$1"
}

# Starts the producer on input file $1 at socket $2, waits for the socket.
start_producer() {
  "$bin/producer" "$2" <"$1" 2>"$dir/producer.err" &
  producer=$!
  for _ in $(seq 400); do
    [ -S "$2" ] && return
    kill -0 "$producer" 2>/dev/null || fail "producer exited: $(cat "$dir/producer.err")"
    sleep 0.05
  done
  fail "the producer never listened at $2"
}

# Runs producer and consumer program $1, the one named $2 first: the
# producer as the README types it (the consumer right after, not waiting
# for the socket), or the consumer, with the producer a moment later. The
# consumer's output must be the input.
pair() {
  local consumer=$1 first=$2 reader
  make_lines "$dir/input"
  if [ "$first" = consumer ]; then
    timeout 120 "$bin/$consumer" "$dir/sock" >"$dir/output" 2>"$dir/consumer.err" &
    reader=$!
    sleep 0.5
    "$bin/producer" "$dir/sock" <"$dir/input" 2>"$dir/producer.err" &
    producer=$!
    wait "$reader" || fail "$consumer (started first) exited with status $?: $(cat "$dir/consumer.err")"
  else
    "$bin/producer" "$dir/sock" <"$dir/input" 2>"$dir/producer.err" &
    producer=$!
    timeout 120 "$bin/$consumer" "$dir/sock" >"$dir/output" 2>"$dir/consumer.err" ||
      fail "$consumer exited with status $?: $(cat "$dir/consumer.err")"
  fi
  wait "$producer" || fail "producer exited with status $?: $(cat "$dir/producer.err")"
  cmp "$dir/input" "$dir/output" || fail "$consumer printed something else than the input"
  local lines bytes
  lines=$(wc -l <"$dir/input")
  bytes=$(wc -c <"$dir/input")
  grep -qx "producer: sent $lines records" "$dir/producer.err" ||
    fail "producer said: $(cat "$dir/producer.err")"
  if [ "$consumer" = consumer ]; then
    grep -qx "consumer: $lines records, $bytes bytes" "$dir/consumer.err" ||
      fail "consumer said: $(cat "$dir/consumer.err")"
  fi
}

case $case in
producer_consumer)
  pair consumer producer
  pair consumer consumer
  ;;
epoll)
  pair epoll_consumer producer
  pair epoll_consumer consumer
  ;;
threads)
  # Random bytes, several times the ring, and an empty input.
  head -c 20000000 /dev/urandom >"$dir/input"
  timeout 120 "$bin/threads" <"$dir/input" >"$dir/output" 2>"$dir/err" ||
    fail "threads exited with status $?: $(cat "$dir/err")"
  cmp "$dir/input" "$dir/output" || fail "threads copied something else"
  grep -qx "threads: copied 20000000 bytes" "$dir/err" || fail "threads said: $(cat "$dir/err")"
  : >"$dir/empty"
  timeout 60 "$bin/threads" <"$dir/empty" >"$dir/output" 2>"$dir/err" ||
    fail "threads on empty input exited with status $?"
  [ ! -s "$dir/output" ] || fail "threads made something of nothing"
  ;;
epoll_signal)
  # A producer whose input stays open: the event loop sleeps in epoll
  # until SIGTERM, which it must notice, then stop cleanly with status 1.
  mkfifo "$dir/fifo"
  printf 'one\ntwo\n' >"$dir/want"
  (cat "$dir/want"; exec sleep 60) >"$dir/fifo" &
  start_producer "$dir/fifo" "$dir/sock"
  "$bin/epoll_consumer" "$dir/sock" >"$dir/output" 2>"$dir/consumer.err" &
  consumer=$!
  for _ in $(seq 400); do
    cmp -s "$dir/want" "$dir/output" && break
    sleep 0.05
  done
  kill -TERM "$consumer"
  wait "$consumer"
  status=$?
  [ "$status" -eq 1 ] || fail "epoll_consumer exited with status $status after SIGTERM"
  grep -qx "epoll_consumer: stopped by a signal" "$dir/consumer.err" ||
    fail "epoll_consumer said: $(cat "$dir/consumer.err")"
  cmp "$dir/want" "$dir/output" || fail "epoll_consumer lost the records before the signal"
  ;;
usage)
  # Bad usage: one line on stderr, status 2. A path nobody serves: status 1.
  for program in producer consumer epoll_consumer; do
    "$bin/$program" 2>"$dir/err"
    [ $? -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "$program without arguments"
  done
  for program in consumer epoll_consumer; do
    "$bin/$program" "$dir/nobody" 2>"$dir/err"
    [ $? -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "$program on a dead path: $(cat "$dir/err")"
  done
  ;;
*)
  fail "unknown case $case"
  ;;
esac
echo "ok: $case"
