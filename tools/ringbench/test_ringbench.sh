#!/bin/sh
# SPDX-License-Identifier: MIT
# The ctest tests of ringbench: what it does, never how fast. No test
# here looks at a time or a rate, so they pass on a loaded machine.
#
#   test_ringbench.sh TEST RINGBENCH PYTHON3
#
# TEST is quick, json, csv_svg, stop_early, bad_options, waiting or
# corrupt_TRANSPORT.
set -u
test=$1
bench=$2
python=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Runs ringbench with the given arguments; sets status, keeps stdout in
# $tmp/out and stderr in $tmp/err.
run() {
    "$bench" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
}

# The run failed with exactly one line on stderr, nothing on stdout.
expect_one_line_failure() {
    want_status=$1
    shift
    [ "$status" -eq "$want_status" ] ||
        fail "'$*' exited $status, expected $want_status: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "'$*' wrote to stdout: $(head -3 "$tmp/out")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
        fail "'$*' wrote $(wc -l <"$tmp/err") lines to stderr: $(cat "$tmp/err")"
    grep -q '^ringbench: ' "$tmp/err" ||
        fail "'$*': the error line does not start with 'ringbench: '"
}

case $test in
quick)
    # Every default transport at two sizes; one row each, and nothing
    # left behind in /dev/shm.
    "$bench" --quick --quiet >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    wait $pid
    status=$?
    [ $status -eq 0 ] || fail "--quick exited $status: $(cat "$tmp/err")"
    for t in ring-copy ring-zc ring-msg pipe unix shmfile vmsplice; do
        rows=$(grep -cE "^.{6} $t\*? +[0-9]" "$tmp/out")
        [ "$rows" -eq 2 ] || fail "$rows rows for $t, expected 2"
    done
    grep -q 'waiting    ring_wait_' "$tmp/out" || fail "no 'waiting' line"
    grep -qE 'targets    ring-copy 64 B vs pipe, messages/s +[0-9.]+x \(>= 30\)  (pass|MISS by [0-9]+%)$' \
        "$tmp/out" || fail "no pass/miss line for the 30x target"
    ! ls /dev/shm/ringbench-$pid-* >/dev/null 2>&1 ||
        fail "files left in /dev/shm"
    ;;

json)
    run --quick --quiet --json
    [ $status -eq 0 ] || fail "--json exited $status: $(cat "$tmp/err")"
    "$python" - "$tmp/out" 2 <<'EOF' || fail "bad JSON shape"
import json, sys
doc = json.load(open(sys.argv[1]))
reps = int(sys.argv[2])
m = doc["machine"]
assert isinstance(m["cpu_model"], str) and m["cpu_model"]
assert isinstance(m["cores"], int) and m["cores"] > 0
assert isinstance(m["kernel"], str) and m["kernel"].startswith("Linux")
assert isinstance(m["date"], str) and m["date"].endswith("Z")
assert "--json" in m["command_line"]
c = doc["config"]
assert c["sizes"] == [64, 4096] and c["reps"] == reps
names = {"ring-copy", "ring-zc", "ring-msg", "pipe", "unix", "shmfile",
         "vmsplice"}
assert set(c["transports"]) == names
assert set(c["spin_then_sleep"]) | set(c["spinning"]) | set(c["sleeping"]) == names
res = doc["results"]
assert sorted((r["transport"], r["size"]) for r in res) == \
    sorted((t, s) for t in names for s in (64, 4096))
need = c["percentile_min_samples"]
assert need == {"p50": 20, "p99": 1000, "p999": 10000}, need
for r in res:
    for k in ("mb_per_s", "mb_per_s_min", "mb_per_s_max", "msgs_per_s",
              "throughput_vs_pipe"):
        assert isinstance(r[k], (int, float)) and r[k] > 0, (r, k)
    assert isinstance(r["cpu_us_per_rt"], (int, float)), r
    assert r["cpu_us_per_rt"] >= 0, r
    assert r["mb_per_s_min"] <= r["mb_per_s"] <= r["mb_per_s_max"], r
    assert len(r["mb_per_s_each"]) == reps, r
    assert min(r["mb_per_s_each"]) == r["mb_per_s_min"], r
    assert r["throughput_reps"] == reps and r["latency_reps"] == reps, r
    assert r["messages"] >= reps, r
    assert len(r["rtt_p50_ns_each"]) == reps, r
    # A percentile is there exactly when its samples are.
    n = r["round_trips"]
    assert n >= reps, r
    for k, q in (("rtt_p50_ns", "p50"), ("rtt_p99_ns", "p99"),
                 ("rtt_p999_ns", "p999")):
        if n >= need[q]:
            assert isinstance(r[k], (int, float)) and r[k] > 0, (r, k)
        else:
            assert r[k] is None, (r, k)
    shown = [r[k] for k in ("rtt_p50_ns", "rtt_p99_ns", "rtt_p999_ns")
             if r[k] is not None]
    assert shown == sorted(shown), r
    mb = r["msgs_per_s"] * r["size"] / 1e6
    assert abs(mb - r["mb_per_s"]) <= 1e-3 * r["mb_per_s"], r
    assert r["waits"] in ("spin-then-sleep", "spin", "sleep")
    assert isinstance(r["stopped_early"], bool), r
    assert r["stopped_early"] == (r["stopped_early_reps"] > 0), r
    if r["transport"] == "pipe":
        assert r["throughput_vs_pipe"] == 1, r
        assert r["rtt_vs_pipe"] in (1, None), r
    assert r["cacheline_probes"] == len(r["cacheline_rtt_ns_each"]), r
    if r["cacheline_rtt_ns"] is not None:
        assert r["state"] in ("near", "far", "mixed"), r
        assert len(r["cacheline_rtt_ns_each"]) == reps, r
t = doc["targets"]
assert len(t) == 1 and t[0]["goal"] == 30 and t[0]["comparison"] == ">="
ring = [x for x in res if x["transport"] == "ring-copy" and x["size"] == 64]
assert t[0]["ratio"] == ring[0]["throughput_vs_pipe"], t
assert t[0]["pass"] == (t[0]["ratio"] >= 30), t
EOF
    # What was not measured is null, not a number.
    run --quick --quiet --json --only throughput --transports ring-zc
    [ $status -eq 0 ] || fail "--only throughput exited $status"
    "$python" - "$tmp/out" <<'EOF' || fail "bad JSON for --only throughput"
import json, sys
res = json.load(open(sys.argv[1]))["results"]
assert len(res) == 2
for r in res:
    assert r["mb_per_s"] > 0 and r["rtt_p50_ns"] is None, r
    assert r["rtt_p50_ns_each"] == [], r
    assert r["round_trips"] is None and r["cpu_us_per_rt"] is None, r
    assert r["throughput_vs_pipe"] is None, r  # no pipe in this run
targets = json.load(open(sys.argv[1]))["targets"]
assert targets[0]["ratio"] is None and not targets[0]["pass"], targets
EOF
    ;;

stop_early)
    # Runs that stop early (as one past its deadline does) end cleanly
    # on both sides, for every transport: one message per run.
    run --quick --quiet --json --transports all --stop-early-for-testing
    [ $status -eq 0 ] || fail "stop-early run exited $status: $(cat "$tmp/err")"
    "$python" - "$tmp/out" <<'EOF' || fail "bad JSON for a run stopped early"
import json, sys
res = json.load(open(sys.argv[1]))["results"]
assert len(res) == 20
for r in res:
    assert r["round_trips"] == 2 and r["mb_per_s"] > 0, r
    assert r["messages"] == 2, r
    # A repetition that had more than one message to send stopped
    # early, and its row says so; two round trips make no percentile.
    assert 0 <= r["stopped_early_reps"] <= 4, r
    assert r["stopped_early"] == (r["stopped_early_reps"] > 0), r
    assert r["rtt_p50_ns"] is None and r["rtt_p99_ns"] is None, r
    assert r["rtt_p50_ns_each"] == [None, None], r
assert sum(r["stopped_early"] for r in res) >= len(res) // 2, res
EOF
    # The table flags the rows too.
    run --quick --quiet --transports ring-msg,pipe --sizes 64 \
        --stop-early-for-testing
    [ $status -eq 0 ] || fail "stop-early table exited $status"
    grep -qE '^.{6} (ring-msg|pipe)\* ' "$tmp/out" ||
        fail "rows stopped early are not flagged: $(cat "$tmp/out")"
    grep -q 'a repetition stopped early' "$tmp/out" ||
        fail "no note on the flag"
    ;;

csv_svg)
    run --quick --quiet --csv --svg "$tmp/chart.svg" \
        --transports ring-copy,pipe --sizes 64,4K,16K
    [ $status -eq 0 ] || fail "--csv --svg exited $status: $(cat "$tmp/err")"
    "$python" - "$tmp/out" "$tmp/chart.svg" <<'EOF' || fail "bad CSV or SVG"
import csv, sys
import xml.etree.ElementTree as ET
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["transport"], r["size"]) for r in rows] == [
    (t, s) for s in ("64", "4096", "16384") for t in ("ring-copy", "pipe")]
for r in rows:
    assert float(r["mb_per_s"]) > 0
    # A percentile from ten samples beyond it on, else empty.
    n = int(r["round_trips"])
    for k, need in (("rtt_p50_ns", 20), ("rtt_p99_ns", 1000),
                    ("rtt_p999_ns", 10000)):
        assert (r[k] != "") == (n >= need), (k, r)
        assert r[k] == "" or float(r[k]) > 0, (k, r)
    assert int(r["messages"]) >= 2 and float(r["cpu_us_per_rt"]) >= 0, r
    assert r["stopped_early"] in ("0", "1"), r
svg = ET.parse(sys.argv[2]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert svg.tag == ns + "svg"
lines = svg.findall(".//" + ns + "polyline")
assert len(lines) == 2
for line in lines:
    assert len(line.get("points").split()) == 3
texts = [t.text for t in svg.iter(ns + "text")]
assert "ring-copy" in texts and "pipe" in texts and "16 KiB" in texts
EOF
    # A run that fails leaves no half-written chart behind.
    run --quick --quiet --transports pipe --sizes 64 --svg "$tmp/bad.svg" \
        --corrupt-for-testing 0
    [ $status -eq 1 ] || fail "the corrupted run exited $status"
    [ ! -e "$tmp/bad.svg" ] || fail "a failed run left its chart"
    ;;

bad_options)
    # Each: exit status 2, one line on stderr, nothing on stdout.
    while read -r args; do
        # shellcheck disable=SC2086 # the words are separate arguments
        run $args
        expect_one_line_failure 2 "$args"
    done <<'EOF'
--no-such-option
--sizes
--sizes 0
--sizes 12X
--sizes 64,,128
--sizes 2G
--sizes 4M
--transports carrier-pigeon
--cpus 0
--cpus 0,99999
--cpus one,two
--reps 0
--duration -1
--duration 5x
--volume 0
--only both
--buffer 100
--json --csv
--only latency --svg /tmp/never-written.svg
--svg /nonexistent-dir/chart.svg
--spin-ns fast
--spin-ns 2000000000
--peer-work-ns -5
--buffer 99999999999999999999K
--volume 16777216T
--volume 17179869184G
stray-argument
EOF
    run --help
    [ $status -eq 0 ] || fail "--help exited $status"
    grep -q -- '--corrupt-for-testing' "$tmp/out" ||
        fail "--help does not show the testing aid"
    grep -qi 'testing aid' "$tmp/out" ||
        fail "--help does not call it a testing aid"
    ;;

waiting)
    # The waiting comparison: busy-polling, waiting and sleeping rings
    # against the pipe in one run, with the peer's work and a fixed spin;
    # each latency row says what its round trips cost in CPU.
    run --quick --quiet --json --only latency --sizes 64 \
        --transports ring-msg,ring-wait,ring-sleep,pipe \
        --peer-work-ns 20000 --spin-ns 5000
    [ $status -eq 0 ] || fail "waiting run exited $status: $(cat "$tmp/err")"
    "$python" - "$tmp/out" <<'EOF' || fail "bad JSON for the waiting run"
import json, sys
doc = json.load(open(sys.argv[1]))
c = doc["config"]
assert c["peer_work_ns"] == 20000 and c["spin_ns"] == 5000, c
res = {r["transport"]: r for r in doc["results"]}
assert set(res) == {"ring-msg", "ring-wait", "ring-sleep", "pipe"}
for r in res.values():
    assert r["cpu_us_per_rt"] >= 0 and r["round_trips"] >= 2, r
    # Each round trip holds the peer's 20 us of work.
    if r["rtt_p50_ns"] is not None:
        assert r["rtt_p50_ns"] >= 20000, r
EOF
    run --quick --quiet --only latency --sizes 64 --transports ring-wait \
        --spin-ns 5000
    [ $status -eq 0 ] || fail "ring-wait run exited $status"
    grep -q 'ring-wait spins 5000 ns before it sleeps' "$tmp/out" ||
        fail "the table does not say ring-wait's spin"
    ;;

corrupt_*)
    # One flipped byte fails the run, in both directions of data: the
    # check is real. The same run without it passes: the failure is the
    # corruption's doing.
    transport=${test#corrupt_}
    for only in throughput latency; do
        set -- --transports "$transport" --sizes 64 --reps 1 \
            --duration 10ms --quiet --only "$only"
        run "$@"
        [ $status -eq 0 ] ||
            fail "clean $transport $only run exited $status: $(cat "$tmp/err")"
        run "$@" --corrupt-for-testing 100
        expect_one_line_failure 1 "$transport $only, corrupted"
        grep -q "^ringbench: $transport, 64 B, $only: byte 100 of the stream" \
            "$tmp/err" || fail "unexpected error: $(cat "$tmp/err")"
    done
    ;;

*)
    fail "no test '$test'"
    ;;
esac
