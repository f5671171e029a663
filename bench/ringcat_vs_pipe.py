#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ringcat against pipes of cat, as a user runs them, with pass/miss
against the project's targets.

    bench/ringcat_vs_pipe.py [--ringcat PATH] [--size BYTES] [--rounds N]

Times three pipelines that move SIZE bytes (default 1G) from a pipe to
/dev/null, in interleaved rounds (each round runs all three, in an order
that rotates from round to round, so that a load that comes and goes
spreads over all of them):

    ringcat    head -c SIZE /dev/zero | ringcat -l S &  ringcat -c S >/dev/null
    cat | cat  head -c SIZE /dev/zero | cat | cat >/dev/null
    cat        head -c SIZE /dev/zero | cat >/dev/null

and reports the median wall time and the median CPU time (user and system,
of every process of the pipeline, head included) of each, and the ratios
of the medians. Before timing, one copy of random bytes through ringcat is
compared with its input. ringcat itself checks the byte count of every
copy (its reader fails when the count differs).

Exit status: 0 when every target passes, 1 when one misses, 2 when a
pipeline failed or the arguments are bad.
"""

import argparse
import hashlib
import os
import resource
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RINGCAT = os.path.join(HERE, "..", "build", "default", "tools",
                               "ringcat")

# (label, numerator, denominator, metric, comparison, goal): the ratio is
# numerator / denominator of the medians.
TARGETS = [
    ("ringcat vs cat | cat, speed (their time / ours)",
     "cat | cat", "ringcat", "wall", ">=", 1.5),
    ("ringcat vs cat, speed (its time / ours)",
     "cat", "ringcat", "wall", ">=", 1.0),
    ("ringcat vs cat | cat, user CPU (ours / theirs)",
     "ringcat", "cat | cat", "user", "<=", 1.0),
]


class Failed(Exception):
    pass


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    number, unit = text[:-1], text[-1:].upper()
    if unit.isdigit():
        number, unit = text, ""
    if not number.isdigit() or unit not in units or int(number) == 0:
        raise argparse.ArgumentTypeError("bad size %r" % text)
    return int(number) * units[unit]


def run(command, timeout):
    """Runs a shell command; returns wall, user and system seconds of it
    and of every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # A session of its own, so that what a failed pipeline leaves behind
    # (a listener nobody came to) goes with it.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(["sh", "-c", command], stderr=err,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        err.seek(0)
        message = err.read().decode(errors="replace").strip()
    if wall >= timeout:
        raise Failed("%s: still running after %d s" % (command, timeout))
    if proc.returncode != 0:
        raise Failed("%s: exit status %d: %s" % (command, proc.returncode,
                                                 message))
    return {"wall": wall,
            "user": after.ru_utime - before.ru_utime,
            "sys": after.ru_stime - before.ru_stime}


def ringcat_pipeline(ringcat, source, sink, sock):
    """Both ringcat commands, the listener in the background; fails when
    either fails. Either may start first (--wait)."""
    rc = shlex.quote(ringcat)
    sock = shlex.quote(sock)
    return ("%s | %s -l %s & listener=$!; %s -c %s >%s || exit 1; "
            "wait $listener" % (source, rc, sock, rc, sock, sink))


def check_bytes(ringcat, tmp):
    """One copy of random bytes through ringcat, compared with its input."""
    data = os.urandom(24 << 20)
    src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
    with open(src, "wb") as f:
        f.write(data)
    run(ringcat_pipeline(ringcat, "cat " + shlex.quote(src),
                         shlex.quote(dst), os.path.join(tmp, "check.sock")),
        timeout=120)
    with open(dst, "rb") as f:
        if hashlib.sha256(f.read()).digest() != hashlib.sha256(data).digest():
            raise Failed("ringcat changed the bytes it copied")
    os.unlink(src)
    os.unlink(dst)


def load_average():
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "?"


def judge(ratio, cmp, goal):
    """(passes, "pass" or "MISS by N%", N being how far short of the goal
    the ratio falls, as a share of the goal)."""
    short = (goal - ratio) if cmp == ">=" else (ratio - goal)
    if short <= 0:
        return True, "pass"
    return False, "MISS by %.0f%%" % (short / goal * 100)


def main(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ringcat", default=DEFAULT_RINGCAT,
                        help="the ringcat to time (default: %(default)s)")
    parser.add_argument("--size", type=parse_size, default=1 << 30,
                        help="bytes per copy, with K, M or G (default 1G)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleaved rounds (default 5)")
    args = parser.parse_args(argv[1:])
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    ringcat = os.path.abspath(args.ringcat)
    if not os.access(ringcat, os.X_OK):
        print("ringcat_vs_pipe.py: %s: not an executable (build it, or give "
              "--ringcat)" % ringcat, file=sys.stderr)
        return 2

    source = "head -c %d /dev/zero" % args.size
    timeout = max(300, args.size / (1 << 30) * 300)
    with tempfile.TemporaryDirectory(prefix="ringcat-bench-") as tmp:
        pipelines = {
            "ringcat": ringcat_pipeline(ringcat, source, "/dev/null",
                                        os.path.join(tmp, "s.sock")),
            "cat | cat": source + " | cat | cat >/dev/null",
            "cat": source + " | cat >/dev/null",
        }
        names = list(pipelines)
        results = {name: [] for name in names}
        load_before = load_average()
        try:
            check_bytes(ringcat, tmp)
            for r in range(args.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                for name in order:
                    results[name].append(run(pipelines[name], timeout))
        except Failed as err:
            print("ringcat_vs_pipe.py: %s" % err, file=sys.stderr)
            return 2
    return report(args, results, load_before)


def report(args, results, load_before):
    median = {name: {metric: statistics.median(run[metric] for run in runs)
                     for metric in ("wall", "user", "sys")}
              for name, runs in results.items()}
    print("ringcat vs pipes: %d bytes from a pipe to /dev/null, %d "
          "interleaved rounds" % (args.size, args.rounds))
    print("host: %s, %d CPUs, load average %s before and %s after "
          "(a shared machine makes every figure noisier)"
          % (socket.gethostname(), os.cpu_count() or 0, load_before,
             load_average()))
    print()
    print("  %-10s %9s  %-17s %8s %8s" % ("", "median s", "range s",
                                           "user s", "sys s"))
    for name, runs in results.items():
        walls = [run["wall"] for run in runs]
        print("  %-10s %9.3f  %7.3f - %-7.3f %8.3f %8.3f" % (
            name, median[name]["wall"], min(walls), max(walls),
            median[name]["user"], median[name]["sys"]))

    print()
    print("Targets (ratios of the medians, within this run):")
    all_pass = True
    for label, top, bottom, metric, cmp, goal in TARGETS:
        denominator = median[bottom][metric]
        if denominator <= 0:
            # A CPU time too small for the clock to see: no ratio to take.
            ok = median[top][metric] <= 0 or cmp == ">="
            print("  %-50s    n/a  (%s %s)  %s" % (
                label, cmp, goal, "pass" if ok else "MISS: %s took no %s "
                "time" % (bottom, metric)))
            all_pass &= ok
            continue
        ratio = median[top][metric] / denominator
        ok, verdict = judge(ratio, cmp, goal)
        all_pass &= ok
        print("  %-50s %6.2fx (%s %s)  %s" % (label, ratio, cmp, goal,
                                             verdict))

    print()
    print("Per round, time of cat | cat / ringcat: %s" % ", ".join(
        "%.2fx" % (p["wall"] / r["wall"])
        for p, r in zip(results["cat | cat"], results["ringcat"])))
    print("Per round, time of cat / ringcat:       %s" % ", ".join(
        "%.2fx" % (p["wall"] / r["wall"])
        for p, r in zip(results["cat"], results["ringcat"])))
    print()
    print("PASS: every target met" if all_pass
          else "MISS: at least one target not met (see above)")
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
