#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the ratios the ring's speed claims are stated in, from one run of
ring_bench, with pass/miss against the project's targets (issue 9).

    ring_bench --benchmark_out=run.json --benchmark_out_format=json
    bench/ratios.py run.json          (or: ring_bench --benchmark_format=json |
                                       bench/ratios.py -)

Every ratio compares two benchmarks of the same run. Each two-thread case
runs at every placement of its handles (static, stack and heap, at 0, 8, 32,
64 and 96 mod 128) in both loop styles (tight: retry at once; backoff: pause,
then yield); a target must hold at every one of them, and the line shows the
worst with where it was. A peer is compared at the same placement and loop
style; one that runs on a 128-byte boundary only (heap+0) is compared there.
A round trip is divided by the cache-line floor measured at the start of its
placement's group (rtt/cacheline/PLACEMENT), or by rtt/cacheline.
With --benchmark_repetitions the median of the repetitions is used.

Exit status: 0 when every target passes, 1 when one misses or could not be
computed (a benchmark failed or was filtered out), 2 for unusable input.
With --smoke, 0 also when a target misses: only a ratio that cannot be
computed fails (what ctest's smoke run checks; it asserts no timing).
"""

import json
import statistics
import sys

THROUGHPUT = "items_per_second"
BYTES = "bytes_per_second"
TIME = "time"

LOOPS = ["tight", "backoff"]
STORAGES = ["static", "stack", "heap"]
OFFSETS = [0, 8, 32, 64, 96]
PLACEMENTS = ["%s+%d" % (s, o) for s in STORAGES for o in OFFSETS]
OWN_PLACE = "heap+0"

# (label, numerator, denominator, metric, comparison, goal); a name is
# completed with /PLACEMENT/LOOP, the denominator's at the numerator's
# placement unless it is one of ONLY_OWN_PLACE (or the cache line, which
# is not placed).
TARGETS = [
    ("8-byte records vs ck_ring, throughput",
     "tput/ring_msg/8", "tput/ck_ring/8", THROUGHPUT, ">=", 1.3),
    ("record round trip vs the cache line's",
     "rtt/ring_msg/8", "rtt/cacheline", TIME, "<=", 2.5),
    ("record round trip vs ck_ring's",
     "rtt/ring_msg/8", "rtt/ck_ring/8", TIME, "<=", 1.0),
    ("8-byte records: zero-copy vs copying",
     "tput/ring_msg_zc/8", "tput/ring_msg/8", THROUGHPUT, ">=", 1.0),
    ("8-byte bytes: zero-copy vs copying",
     "tput/ring_bytes_zc/8", "tput/ring_bytes/8", THROUGHPUT, ">=", 1.0),
    ("64 KiB zero-copy vs write/read",
     "copy64k/ring_zero_copy", "copy64k/ring_write_read", BYTES, ">=", 2.0),
    ("64 KiB write/read vs simplest byte ring",
     "copy64k/ring_write_read", "copy64k/simple_ring", BYTES, ">=", 0.9),
]
FLOOR = "rtt/cacheline"
ONLY_OWN_PLACE = {"copy64k/simple_ring", "rtt/wfcqueue/8", "tput/wfcqueue/8",
                  "tput/boost_spsc/64", "tput/boost_spsc/512",
                  "tput/rwqueue/64", "tput/rwqueue/512"}

# Context: every other comparison worth reading next to the targets.
ROUND_TRIPS = ["ring_msg/8", "ring_msg_zc/8", "ring_bytes/8",
               "ring_bytes_zc/8", "ck_ring/8", "boost_spsc/8", "rwqueue/8",
               "wfcqueue/8"]
THROUGHPUTS_8 = ["ring_msg/8", "ring_msg_zc/8", "ring_msg_sendv16/8",
                 "ring_bytes/8", "ring_bytes_zc/8", "ck_ring/8",
                 "boost_spsc/8", "rwqueue/8", "wfcqueue/8"]
SIZES = [8, 64, 512]

TIME_UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class BadInput(Exception):
    pass


def base_name(name):
    for suffix in ("/real_time", "/manual_time"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def metric_of(entry, metric):
    if metric == TIME:
        unit = entry.get("time_unit", "ns")
        if unit not in TIME_UNITS or "real_time" not in entry:
            raise BadInput("benchmark %s has no usable real_time"
                           % entry.get("name"))
        return float(entry["real_time"]) * TIME_UNITS[unit]
    if metric not in entry:
        raise BadInput("benchmark %s has no %s" % (entry.get("name"), metric))
    return float(entry[metric])


def load(stream):
    try:
        doc = json.load(stream)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadInput("not JSON from ring_bench: %s" % err)
    if not isinstance(doc, dict) or not isinstance(
            doc.get("benchmarks"), list):
        raise BadInput("no \"benchmarks\" list: not the JSON output of "
                       "ring_bench")
    runs = {}       # base name -> list of iteration entries
    medians = {}    # base name -> median aggregate entry
    errors = {}     # base name -> error message
    for entry in doc["benchmarks"]:
        if not isinstance(entry, dict) or "name" not in entry:
            raise BadInput("a benchmark entry without a name")
        name = base_name(entry.get("run_name", entry["name"]))
        if entry.get("error_occurred"):
            errors[name] = entry.get("error_message", "failed")
            continue
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") == "median":
                medians[name] = entry
            continue
        runs.setdefault(name, []).append(entry)
    return doc.get("context", {}), Results(runs, medians, errors)


class Results:
    def __init__(self, runs, medians, errors):
        self.runs, self.medians, self.errors = runs, medians, errors

    def value(self, name, metric):
        """The metric for name, or (None, why) when there is none."""
        if name.startswith(FLOOR + "/") and not self.has(name):
            name = FLOOR  # an older run: one floor for all
        if name in self.errors:
            return None, "%s failed: %s" % (name, self.errors[name])
        if name in self.medians:
            return metric_of(self.medians[name], metric), None
        if name in self.runs:
            return statistics.median(
                metric_of(e, metric) for e in self.runs[name]), None
        return None, "%s not in this run" % name

    def ratio(self, numerator, denominator, metric):
        top, why = self.value(numerator, metric)
        if why:
            return None, why
        bottom, why = self.value(denominator, metric)
        if why:
            return None, why
        if bottom == 0:
            return None, "%s is zero" % denominator
        return top / bottom, None

    def has(self, name):
        return any(name in names
                   for names in (self.runs, self.medians, self.errors))

    def has_placement(self, case, placement):
        """Whether case ran at placement (in either loop style)."""
        return any("%s/%s/%s" % (case, placement, loop) in names
                   for loop in LOOPS
                   for names in (self.runs, self.medians, self.errors))


def placed(case, placement, loop):
    """The benchmark of case at placement in loop style."""
    if case == FLOOR:
        return "%s/%s" % (FLOOR, placement)
    if case in ONLY_OWN_PLACE:
        placement = OWN_PLACE
    return "%s/%s/%s" % (case, placement, loop)


def worse(cmp, a, b):
    """Whether ratio a is worse than b for a target compared with cmp."""
    return a < b if cmp == ">=" else a > b


def passes(ratio, cmp, goal):
    return ratio >= goal if cmp == ">=" else ratio <= goal


def miss_percent(ratio, cmp, goal):
    """How far the ratio falls short, as a percentage of the goal."""
    if cmp == ">=":
        return (goal - ratio) / goal * 100
    return (ratio - goal) / goal * 100


def check_target(results, target):
    """The worst ratio over placements and loops: (ratio, where, why)."""
    _, top, bottom, metric, cmp, _ = target
    worst, where = None, None
    for placement in PLACEMENTS:
        for loop in LOOPS:
            ratio, why = results.ratio(placed(top, placement, loop),
                                       placed(bottom, placement, loop),
                                       metric)
            if ratio is None:
                return None, None, why
            if worst is None or worse(cmp, ratio, worst):
                worst, where = ratio, "%s/%s" % (placement, loop)
    return worst, where, None


def report_targets(results):
    print("Targets (ratios within one run; the worst placement and loop):")
    all_pass, all_computed = True, True
    for target in TARGETS:
        label, _, _, _, cmp, goal = target
        ratio, where, why = check_target(results, target)
        if ratio is None:
            all_pass = all_computed = False
            print("  %-42s    n/a  (%s %s)  MISS: %s" % (label, cmp, goal,
                                                        why))
            continue
        ok = passes(ratio, cmp, goal)
        all_pass &= ok
        verdict = "pass" if ok else "MISS by %.0f%%" % miss_percent(
            ratio, cmp, goal)
        print("  %-42s %6.2fx (%s %s)  %-12s at %s" % (
            label, ratio, cmp, goal, verdict, where))
    return all_pass, all_computed


def ring_against_best_peer(results, top, bottom, metric, cmp):
    """The ring's worst placement against the peer's best, per loop."""
    lines = []
    for loop in LOOPS:
        tops = [results.value(placed(top, p, loop), metric)[0]
                for p in PLACEMENTS]
        bottoms = [results.value(placed(bottom, p, loop), metric)[0]
                   for p in PLACEMENTS if results.has_placement(bottom, p)]
        tops = [v for v in tops if v is not None]
        bottoms = [v for v in bottoms if v is not None]
        if not tops or not bottoms:
            continue
        # Higher is better for rates, lower for times.
        pick_top, pick_bottom = (min, max) if cmp == ">=" else (max, min)
        lines.append("%s %.2fx" % (loop, pick_top(tops) / pick_bottom(bottoms)))
    return ", ".join(lines) or "n/a"


def report_placements(results):
    print()
    print("By placement (tight / backoff):")
    print("  %-10s %-17s %-17s %-17s" % ("", "tput ring/ck", "rtt ring/line",
                                          "rtt ring/ck"))
    for placement in PLACEMENTS:
        cells = []
        for top, bottom, metric in (
                ("tput/ring_msg/8", "tput/ck_ring/8", THROUGHPUT),
                ("rtt/ring_msg/8", "rtt/cacheline", TIME),
                ("rtt/ring_msg/8", "rtt/ck_ring/8", TIME)):
            pair = []
            for loop in LOOPS:
                ratio, _ = results.ratio(placed(top, placement, loop),
                                         placed(bottom, placement, loop),
                                         metric)
                pair.append("n/a" if ratio is None else "%.2fx" % ratio)
            cells.append(" / ".join(pair))
        print("  %-10s %-17s %-17s %-17s" % (placement, *cells))
    print("  ring's worst placement vs ck_ring's best: throughput %s; "
          "round trip %s" % (
              ring_against_best_peer(results, "tput/ring_msg/8",
                                     "tput/ck_ring/8", THROUGHPUT, ">="),
              ring_against_best_peer(results, "rtt/ring_msg/8",
                                     "rtt/ck_ring/8", TIME, "<=")))


def report_round_trips(results):
    print()
    print("Round trips as multiples of the cache-line round trip of their "
          "placement (best..worst):")
    floors = [results.value(placed(FLOOR, p, None), TIME)[0]
              for p in PLACEMENTS]
    floors = [f for f in floors if f is not None]
    if not floors:
        print("  n/a: %s" % results.value(FLOOR, TIME)[1])
        return
    print("  %-16s %.1f..%.1f ns (bare: an acquire load and a release store)"
          % ("cacheline", min(floors), max(floors)))
    for name in ROUND_TRIPS:
        parts = []
        for loop in LOOPS:
            ratios = ratios_over_placements(results, "rtt/" + name, FLOOR,
                                            TIME, loop)
            parts.append("%s n/a" % loop if not ratios else "%s %.2f..%.2fx"
                         % (loop, min(ratios), max(ratios)))
        print("  %-16s %s" % (name, ", ".join(parts)))


def ratios_over_placements(results, top, bottom, metric, loop):
    """top against bottom at each placement top ran at, in loop style."""
    ratios = []
    for placement in PLACEMENTS:
        if top not in ONLY_OWN_PLACE and not results.has_placement(
                top, placement):
            continue
        ratio, _ = results.ratio(placed(top, placement, loop),
                                 placed(bottom, placement, loop), metric)
        if ratio is not None:
            ratios.append(ratio)
    return ratios


def report_throughputs(results):
    print()
    print("Throughput with 8-byte items, relative to ck_ring at the same "
          "placement (worst..best):")
    for name in THROUGHPUTS_8:
        parts = []
        for loop in LOOPS:
            ratios = ratios_over_placements(results, "tput/" + name,
                                            "tput/ck_ring/8", THROUGHPUT,
                                            loop)
            parts.append("%s n/a" % loop if not ratios else "%s %.2f..%.2fx"
                         % (loop, min(ratios), max(ratios)))
        print("  %-20s %s" % (name, ", ".join(parts)))


def report_sizes(results):
    print()
    print("Records by size, relative to ring_msg_send/recv at the same "
          "placement (worst over placements, tight / backoff):")
    for size in SIZES:
        parts = []
        for variant in ("ring_msg_zc", "ring_msg_sendv16", "boost_spsc",
                        "rwqueue"):
            pair = []
            for loop in LOOPS:
                ratios = ratios_over_placements(
                    results, "tput/%s/%d" % (variant, size),
                    "tput/ring_msg/%d" % size, THROUGHPUT, loop)
                pair.append("n/a" if not ratios else "%.2fx" % min(ratios))
            parts.append("%s %s" % (variant, "/".join(pair)))
        print("  %4d B: %s" % (size, ", ".join(parts)))


def report(context, results, smoke):
    print("host: %s, %s CPUs at %s MHz; %s" % (
        context.get("host_name", "?"), context.get("num_cpus", "?"),
        context.get("mhz_per_cpu", "?"),
        context.get("pinning", "pinning not recorded")))
    print()
    all_pass, all_computed = report_targets(results)
    report_placements(results)
    report_round_trips(results)
    report_throughputs(results)
    report_sizes(results)
    print()
    if all_pass:
        print("PASS: every target met at every placement and in both loops")
    elif all_computed:
        print("MISS: at least one target not met (see above)")
    else:
        print("MISS: at least one target could not be computed (see above)")
    if smoke:
        return 0 if all_computed else 1
    return 0 if all_pass else 1


def main(argv):
    args = argv[1:]
    smoke = "--smoke" in args
    args = [a for a in args if a != "--smoke"]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(args) == 1 else 2
    path = args[0]
    try:
        if path == "-":
            context, results = load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as stream:
                context, results = load(stream)
        return report(context, results, smoke)
    except OSError as err:
        print("ratios.py: %s: %s" % (path, err.strerror), file=sys.stderr)
        return 2
    except BadInput as err:
        print("ratios.py: %s: %s" % (path, err), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
