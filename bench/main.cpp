// SPDX-License-Identifier: MIT
// main.cpp: ring_bench, every microbenchmark of the ring and its peers in
// one run. Pinning: RING_BENCH_CPUS=A,B (default 0,1) or none; waiting:
// RING_BENCH_WAIT=pause (default) or poll (see harness.h). Turn the
// JSON output (--benchmark_out=FILE --benchmark_out_format=json) into the
// ratios the project's claims are stated in with bench/ratios.py.
//
// Exits 0, 1 when a benchmark failed (a wrong item, a failed call), or 2
// for bad arguments or environment.
#include "harness.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace
{

// Short enough that a full run takes a minute or two; a --benchmark_min_time
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

} // namespace

int main(int argc, char **argv)
{
    std::string why;
    if (!ringbench::configure_pinning(why) ||
        !ringbench::configure_waiting(why)) {
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

    benchmark::AddCustomContext("pinning", ringbench::pinning().description);
    const bool pause = ringbench::wait_style() == ringbench::WaitStyle::pause;
    benchmark::AddCustomContext(
        "waiting", std::string("every queue, when full or empty, spins ") +
                       std::to_string(ringbench::kSpinsBeforeYield) +
                       " times (" + (pause ? "pause" : "no pause") +
                       " each), then calls sched_yield() (RING_BENCH_WAIT=" +
                       (pause ? "pause" : "poll") + ")");
    ringbench::pin_main_thread();

    ringbench::register_single_thread();
    ringbench::register_pairs();
    ringbench::register_copies();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return ringbench::any_failed() ? 1 : 0;
}
