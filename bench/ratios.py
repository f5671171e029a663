#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the ratios the ring's speed claims are stated in, from one run of
ring_bench, with pass/miss against the project's targets.

    ring_bench --benchmark_out=run.json --benchmark_out_format=json
    bench/ratios.py run.json          (or: ring_bench --benchmark_format=json |
                                       bench/ratios.py -)

Every ratio compares two benchmarks of the same run. With
--benchmark_repetitions the median of the repetitions is used.

Exit status: 0 when every target passes, 1 when one misses or could not be
computed (a benchmark failed or was filtered out), 2 for unusable input.
"""

import json
import statistics
import sys

# name (as registered, without /real_time or /manual_time), metric, and
# which way is better.
THROUGHPUT = "items_per_second"
BYTES = "bytes_per_second"
TIME = "time"

# (label, numerator, denominator, metric, comparison, goal)
TARGETS = [
    ("ring 8-byte records vs ck_ring, throughput",
     "tput/ring_msg/8", "tput/ck_ring/8", THROUGHPUT, ">=", 1.3),
    ("ring record round trip vs cache-line round trip",
     "rtt/ring_msg/8", "rtt/cacheline", TIME, "<=", 2.5),
    ("ring 64 KiB write/read vs simplest byte ring",
     "copy64k/ring_write_read", "copy64k/simple_ring", BYTES, ">=", 0.9),
    ("ring 64 KiB zero-copy vs write/read",
     "copy64k/ring_zero_copy", "copy64k/ring_write_read", BYTES, ">=", 2.0),
]

# Context: every other comparison worth reading next to the targets.
ROUND_TRIPS = ["ring_msg/8", "ring_msg_zc/8", "ring_bytes/8",
               "ring_bytes_zc/8", "ck_ring/8", "boost_spsc/8", "rwqueue/8",
               "wfcqueue/8"]
THROUGHPUTS_8 = ["ring_msg/8", "ring_msg_zc/8", "ring_msg_sendv16/8",
                 "ring_bytes/8", "ring_bytes_zc/8", "boost_spsc/8",
                 "rwqueue/8", "wfcqueue/8"]
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
    return doc.get("context", {}), runs, medians, errors


class Results:
    def __init__(self, runs, medians, errors):
        self.runs, self.medians, self.errors = runs, medians, errors

    def value(self, name, metric):
        """The metric for name, or (None, why) when there is none."""
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


def describe(metric):
    return {THROUGHPUT: "items/s", BYTES: "bytes/s", TIME: "time"}[metric]


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    path = argv[1]
    try:
        if path == "-":
            context, runs, medians, errors = load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as stream:
                context, runs, medians, errors = load(stream)
    except OSError as err:
        print("ratios.py: %s: %s" % (path, err.strerror), file=sys.stderr)
        return 2
    except BadInput as err:
        print("ratios.py: %s: %s" % (path, err), file=sys.stderr)
        return 2

    results = Results(runs, medians, errors)
    try:
        return report(context, results)
    except BadInput as err:
        print("ratios.py: %s: %s" % (path, err), file=sys.stderr)
        return 2


def report(context, results):
    print("host: %s, %s CPUs at %s MHz; %s" % (
        context.get("host_name", "?"), context.get("num_cpus", "?"),
        context.get("mhz_per_cpu", "?"),
        context.get("pinning", "pinning not recorded")))
    print()
    print("Targets (ratios within one run):")
    all_pass = True
    for label, top, bottom, metric, cmp, goal in TARGETS:
        ratio, why = results.ratio(top, bottom, metric)
        if ratio is None:
            all_pass = False
            print("  %-50s    n/a  (%s %s)  MISS: %s"
                  % (label, cmp, goal, why))
            continue
        ok = ratio >= goal if cmp == ">=" else ratio <= goal
        all_pass &= ok
        print("  %-50s %6.2fx (%s %s)  %s" % (
            label, ratio, cmp, goal,
            "pass" if ok else "MISS by %.0f%%" % miss_percent(ratio, cmp,
                                                              goal)))

    print()
    print("Round trips as multiples of the cache-line round trip:")
    line, why = results.value("rtt/cacheline", TIME)
    if line is None:
        print("  n/a: %s" % why)
    else:
        print("  %-22s %8.1f ns" % ("cacheline", line))
        for name in ROUND_TRIPS:
            value, why = results.value("rtt/" + name, TIME)
            if value is None:
                print("  %-22s n/a: %s" % (name, why))
            else:
                print("  %-22s %8.1f ns  %5.2fx" % (name, value,
                                                   value / line))

    print()
    print("Throughput with 8-byte items, relative to ck_ring:")
    ck, why = results.value("tput/ck_ring/8", THROUGHPUT)
    if ck is None:
        print("  n/a: %s" % why)
    else:
        print("  %-22s %8.2f M items/s" % ("ck_ring/8", ck / 1e6))
        for name in THROUGHPUTS_8:
            value, why = results.value("tput/" + name, THROUGHPUT)
            if value is None:
                print("  %-22s n/a: %s" % (name, why))
            else:
                print("  %-22s %8.2f M items/s  %5.2fx" % (
                    name, value / 1e6, value / ck))

    print()
    print("Records by size: zero-copy and sendv relative to "
          "ring_msg_send/recv:")
    for size in SIZES:
        parts = []
        for variant in ("ring_msg_zc", "ring_msg_sendv16", "boost_spsc",
                        "rwqueue"):
            ratio, why = results.ratio("tput/%s/%d" % (variant, size),
                                       "tput/ring_msg/%d" % size, THROUGHPUT)
            parts.append("%s %s" % (variant, "n/a" if ratio is None
                                    else "%.2fx" % ratio))
        print("  %4d B: %s" % (size, ", ".join(parts)))

    print()
    print("PASS: every target met" if all_pass
          else "MISS: at least one target not met (see above)")
    return 0 if all_pass else 1


def miss_percent(ratio, cmp, goal):
    """How far the ratio falls short, as a percentage of the goal."""
    if cmp == ">=":
        return (goal - ratio) / goal * 100
    return (ratio - goal) / goal * 100


if __name__ == "__main__":
    sys.exit(main(sys.argv))
