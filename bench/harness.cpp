// SPDX-License-Identifier: MIT
// harness.cpp: pinning, yielding, keys and failing for ring_bench.
#include "harness.h"

#include <sched.h>

#include <cstdlib>
#include <cstring>

namespace ringbench
{

namespace
{

struct kit_cpus the_pinning;
std::atomic<bool> some_benchmark_failed{false};
std::atomic<uint64_t> keys_made{0};

// Takes argv[i] (and the value after it, for "--cpus A,B") out of argv.
const char *take_cpus_arg(int &argc, char **argv)
{
    static const char flag[] = "--cpus";
    const size_t len = sizeof flag - 1;

    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], flag, len) != 0 ||
            (argv[i][len] != '=' && argv[i][len] != '\0'))
            continue;
        const char *value = argv[i][len] == '=' ? argv[i] + len + 1
                            : i + 1 < argc      ? argv[i + 1]
                                                : "";
        int taken = argv[i][len] == '=' || i + 1 >= argc ? 1 : 2;
        for (int j = i; j + taken <= argc; j++)
            argv[j] = argv[j + taken];
        argc -= taken;
        return value;
    }
    return nullptr;
}

} // namespace

bool configure_pinning(int &argc, char **argv, std::string &why)
{
    if (std::getenv("RING_BENCH_CPUS")) {
        why = "RING_BENCH_CPUS is no longer read: give --cpus A,B (or "
              "--cpus none), as to ringbench";
        return false;
    }
    kit_cpus_default(&the_pinning);
    const char *spec = take_cpus_arg(argc, argv);
    if (!spec)
        return true;
    if (kit_cpus_parse(&the_pinning, spec) != 0) {
        why = std::string("--cpus: '") + spec +
              "' is not two CPU numbers A,B (or 'none')";
        return false;
    }
    for (int i = 0; the_pinning.pin && i < 2; i++) {
        if (kit_cpu_allowed(the_pinning.cpu[i]) == 0) {
            why = "--cpus: CPU " + std::to_string(the_pinning.cpu[i]) +
                  " is not one this process may run on";
            return false;
        }
    }
    return true;
}

const struct kit_cpus &pinning()
{
    return the_pinning;
}

std::string describe_pinning()
{
    if (!the_pinning.pin)
        return "not pinned (--cpus none, or the affinity mask is unknown)";
    return "producer/pinger on CPU " + std::to_string(the_pinning.cpu[0]) +
           ", consumer/echo on CPU " + std::to_string(the_pinning.cpu[1]) +
           " (" + kit_cpus_relation(&the_pinning) + ")";
}

void pin_main_thread()
{
    // configure_pinning() checked that the CPU is ours; a failure here
    // would only make the figures noisier, so it is not fatal.
    if (the_pinning.pin)
        (void)kit_pin_self(the_pinning.cpu[0]);
}

void pin_peer_thread()
{
    if (the_pinning.pin)
        (void)kit_pin_self(the_pinning.cpu[1]);
}

const char *loop_name(Loop loop)
{
    return loop == Loop::tight ? "tight" : "backoff";
}

void yield_cpu()
{
    sched_yield();
}

uint64_t fresh_key()
{
    return kit_pattern_key(keys_made.fetch_add(1, std::memory_order_relaxed));
}

void fail(benchmark::State &state, const std::string &why)
{
    some_benchmark_failed.store(true, std::memory_order_relaxed);
    state.SkipWithError(why.c_str());
}

bool any_failed()
{
    return some_benchmark_failed.load(std::memory_order_relaxed);
}

bool wait_peer_finished(benchmark::State &state, PeerThread &peer)
{
    unsigned spins = 0;
    while (!peer.finished())
        wait_a_little(spins);
    if (peer.failed()) {
        fail(state, peer.failure());
        return false;
    }
    return true;
}

} // namespace ringbench
