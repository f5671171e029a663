// SPDX-License-Identifier: MIT
// harness.cpp: pinning, yielding and failing for ring_bench.
#include "harness.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace ringbench
{

namespace
{

Pinning the_pinning;
std::atomic<bool> some_benchmark_failed{false};

// A CPU number: digits only, no sign, no trailing text.
bool parse_cpu(const std::string &text, int &cpu)
{
    if (text.empty() || text.size() > 6 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    cpu = std::atoi(text.c_str());
    return cpu < CPU_SETSIZE;
}

std::string read_topology(int cpu, const char *field)
{
    std::ifstream in("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
                     "/topology/" + field);
    std::string value;
    if (!(in >> value))
        return "?";
    return value;
}

// Whether the two CPUs are SMT siblings changes every cross-thread figure
// (they share L1 and L2), so the output says which it is.
std::string placement(int a, int b)
{
    std::string pkg_a = read_topology(a, "physical_package_id");
    std::string core_a = read_topology(a, "core_id");
    std::string pkg_b = read_topology(b, "physical_package_id");
    std::string core_b = read_topology(b, "core_id");
    if (core_a == "?" || core_b == "?")
        return "topology unknown";
    if (pkg_a != pkg_b)
        return "different packages";
    if (core_a == core_b)
        return "SMT siblings of one core";
    return "different cores of one package";
}

void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    // configure_pinning() checked that the CPU is ours; a failure here
    // would only make the figures noisier, so it is not fatal.
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

} // namespace

bool configure_pinning(std::string &why)
{
    const char *env = std::getenv("RING_BENCH_CPUS");
    const bool explicit_choice = env != nullptr;
    std::string spec = explicit_choice ? env : "0,1";

    the_pinning = Pinning{};
    if (spec == "none") {
        the_pinning.description = "not pinned (RING_BENCH_CPUS=none)";
        return true;
    }
    size_t comma = spec.find(',');
    int a = -1, b = -1;
    if (comma == std::string::npos || !parse_cpu(spec.substr(0, comma), a) ||
        !parse_cpu(spec.substr(comma + 1), b)) {
        why = "RING_BENCH_CPUS=" + spec +
              ": expected two CPU numbers like 0,1, or none";
        return false;
    }
    if (a == b) {
        why = "RING_BENCH_CPUS=" + spec + ": the two CPUs must differ";
        return false;
    }

    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        why = std::string("sched_getaffinity: ") + std::strerror(errno);
        return false;
    }
    for (int cpu : {a, b}) {
        if (CPU_ISSET(cpu, &allowed))
            continue;
        std::string problem =
            "CPU " + std::to_string(cpu) + " is not available to this process";
        if (explicit_choice) {
            why = "RING_BENCH_CPUS=" + spec + ": " + problem;
            return false;
        }
        the_pinning.description =
            "not pinned: " + problem + " (set RING_BENCH_CPUS=A,B)";
        return true;
    }
    the_pinning.enabled = true;
    the_pinning.main_cpu = a;
    the_pinning.peer_cpu = b;
    the_pinning.description = "producer/pinger on CPU " + std::to_string(a) +
                              ", consumer/echo on CPU " + std::to_string(b) +
                              " (" + placement(a, b) +
                              "; RING_BENCH_CPUS=" + spec + ")";
    return true;
}

const Pinning &pinning()
{
    return the_pinning;
}

void pin_main_thread()
{
    if (the_pinning.enabled)
        pin_to(the_pinning.main_cpu);
}

void pin_peer_thread()
{
    if (the_pinning.enabled)
        pin_to(the_pinning.peer_cpu);
}

WaitStyle the_wait_style = WaitStyle::pause;

bool configure_waiting(std::string &why)
{
    const char *env = std::getenv("RING_BENCH_WAIT");
    std::string style = env ? env : "pause";
    if (style == "pause") {
        the_wait_style = WaitStyle::pause;
    } else if (style == "poll") {
        the_wait_style = WaitStyle::poll;
    } else {
        why = "RING_BENCH_WAIT=" + style + ": expected pause or poll";
        return false;
    }
    return true;
}

WaitStyle wait_style()
{
    return the_wait_style;
}

void yield_cpu()
{
    sched_yield();
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
