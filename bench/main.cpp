// SPDX-License-Identifier: MIT
// main.cpp: ring_bench, every microbenchmark of the ring and its peers in
// one run. Pinning: --cpus A,B (default: the first two CPUs this process
// may use) or --cpus none, as for ringbench. Turn the JSON output
// (--benchmark_out=FILE --benchmark_out_format=json) into the ratios the
// project's claims are stated in with bench/ratios.py.
//
// Exits 0, 1 when a benchmark failed (a wrong item, a failed call) or the
// run left a descriptor or a mapping behind, or 2 for bad arguments or
// environment.
#include "harness.h"
#include "kit/census.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace
{

// Short enough that a full run takes a few minutes; a --benchmark_min_time
// on the command line wins.
const char kDefaultMinTime[] = "--benchmark_min_time=0.5";

bool has_flag(int argc, char **argv, const char *flag)
{
    size_t len = std::strlen(flag);
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], flag, len) == 0 &&
            (argv[i][len] == '=' || argv[i][len] == '\0'))
            return true;
    return false;
}

void register_all()
{
    ringbench::register_single_thread();
    ringbench::register_pairs();
    ringbench::register_copies();
    ringbench::register_wake();
}

// The run's own leak check: every queue it made is gone at the end.
bool census(struct kit_census *c)
{
    int rc = kit_census_take(c);
    if (rc)
        std::fprintf(stderr, "ring_bench: cannot read /proc/self: %s\n",
                     std::strerror(-rc));
    return rc == 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string why;
    if (!ringbench::configure_pinning(argc, argv, why)) {
        std::fprintf(stderr, "ring_bench: %s\n", why.c_str());
        return 2;
    }

    std::vector<char *> args(argv, argv + argc);
    std::string min_time = kDefaultMinTime;
    if (!has_flag(argc, argv, "--benchmark_min_time"))
        args.insert(args.begin() + 1, &min_time[0]);
    int count = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data()))
        return 2;

    benchmark::AddCustomContext("pinning", ringbench::describe_pinning());
    benchmark::AddCustomContext(
        "loops", "tight: a side retries at once; backoff: it spins " +
                     std::to_string(ringbench::kSpinsBeforeYield) +
                     " pause instructions, then calls sched_yield()");
    benchmark::AddCustomContext(
        "placements", "static, stack and heap, each at 0, 8, 32, 64 and 96 "
                      "mod 128 (bench/placement.h)");
    ringbench::pin_main_thread();

    struct kit_census before, after;
    if (!census(&before))
        return 2;
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (!census(&after))
        return 2;
    // malloc's per-thread arenas reserve address space that outlives the
    // benchmarks' threads: reservations are not the run's to compare.
    after.none_maps = before.none_maps;
    after.none_bytes = before.none_bytes;
    char left[256];
    if (kit_census_differs(&before, &after, left, sizeof left)) {
        std::fprintf(stderr, "ring_bench: the run left something behind: %s\n",
                     left);
        return 1;
    }
    return ringbench::any_failed() ? 1 : 0;
}
