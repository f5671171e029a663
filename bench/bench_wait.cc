// SPDX-License-Identifier: MIT
// bench_wait.cc: what waiting costs and buys.
//
//   - round trip of a ping-pong between two processes where both sides
//     sleep in ring_wait_readable, against a pipe ping-pong, in one run;
//   - the same with spinning of several lengths, and with the adaptive
//     spin, reporting CPU time per round trip beside latency;
//   - a busy-polling ring ping-pong (no wait calls at all);
//   - the cost per commit of the wake-up check against a commit that
//     publishes tail with a plain release store and never checks.
//
// Every message is checked at the receiving end. Latencies are stated as
// ratios against the pipe measured in the same run (see README).
#include "ring.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace
{

double cpu_seconds(const struct rusage &ru)
{
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double self_cpu()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return cpu_seconds(ru);
}

// Pins the calling thread; the pair is RING_BENCH_CPUS ("0,1" by default).
void pin(int which)
{
    int cpus[2] = {0, 1};
    if (const char *env = getenv("RING_BENCH_CPUS"))
        std::sscanf(env, "%d,%d", &cpus[0], &cpus[1]);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpus[which], &set);
    sched_setaffinity(0, sizeof set, &set);
}

// Busy work standing for what a real peer does before it answers.
void work_for(long ns)
{
    if (ns <= 0)
        return;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000000000L +
               (now.tv_nsec - start.tv_nsec) <
           ns);
}

// The echo side of a ring ping-pong, in a child process that reaches the
// rings only through their descriptors. spin_ns < -1 means busy-poll;
// work_ns of busy work before each answer.
[[noreturn]] void ring_echo(int ping_fd, int pong_fd, long spin_ns,
                            long work_ns)
{
    struct ring in, out;
    uint64_t v;
    unsigned long empty = 0;
    pin(1);
    if (ring_attach(&in, ping_fd, RING_CONSUMER) != 0 ||
        ring_attach(&out, pong_fd, RING_PRODUCER) != 0)
        _exit(1);
    if (spin_ns >= -1)
        ring_set_spin(&in, spin_ns);
    for (;;) {
        ssize_t n = ring_msg_recv(&in, &v, sizeof v);
        if (n == -EAGAIN) {
            // Busy-polling: now and then look (timeout 0, a system call)
            // whether the pinger has left.
            if (spin_ns < -1 && ++empty % 65536 != 0)
                continue;
            int rc = ring_wait_readable(&in, 1, spin_ns < -1 ? 0 : -1);
            if (rc == -ETIMEDOUT)
                continue;
            if (rc == -EPIPE)
                break;
            if (rc != 0)
                _exit(2);
            continue;
        }
        work_for(work_ns);
        if (n != sizeof v || ring_msg_send(&out, &v, sizeof v) != 0)
            _exit(3);
    }
    ring_close(&in);
    ring_close(&out);
    _exit(0);
}

struct child_cost {
    double cpu;
    bool ok;
};

child_cost reap(pid_t pid)
{
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    return {cpu_seconds(ru), WIFEXITED(status) && WEXITSTATUS(status) == 0};
}

// The round trip is the benchmark's real time per iteration; beside it,
// the CPU time both processes spent per round trip.
void report(benchmark::State &state, double cpu)
{
    state.counters["cpu_us_per_rt"] =
        cpu * 1e6 / static_cast<double>(state.iterations());
}

// state.range(0): spin in ns for both sides; -1 adaptive; -2 busy-poll.
// state.range(1): busy work of the echo before each answer, in ns.
void BM_RingPingPong(benchmark::State &state)
{
    const long spin = state.range(0);
    const long work = state.range(1);
    struct ring ping, pong;
    if (ring_create(&ping, 4096, RING_PRODUCER) != 0 ||
        ring_create(&pong, 4096, RING_CONSUMER) != 0) {
        state.SkipWithError("ring_create failed");
        return;
    }
    if (spin >= -1)
        ring_set_spin(&pong, spin);
    pid_t pid = fork();
    if (pid == 0)
        ring_echo(ring_fd(&ping), ring_fd(&pong), spin, work);
    pin(0);
    double cpu0 = self_cpu();
    uint64_t seq = 0, got = 0;
    bool bad = false;
    for (auto _ : state) {
        if (ring_msg_send(&ping, &seq, sizeof seq) != 0) {
            bad = true;
            break;
        }
        for (;;) {
            ssize_t n = ring_msg_recv(&pong, &got, sizeof got);
            if (n == sizeof got)
                break;
            if (spin >= -1 && ring_wait_readable(&pong, 1, 10000) != 0) {
                bad = true;
                break;
            }
        }
        if (bad || got != seq) {
            bad = true;
            break;
        }
        seq++;
    }
    double cpu = self_cpu() - cpu0;
    ring_close(&ping); // the echo gets -EPIPE and exits
    child_cost child = reap(pid);
    ring_close(&pong);
    if (bad || !child.ok) {
        state.SkipWithError("a message was lost or corrupted");
        return;
    }
    report(state, cpu + child.cpu);
    // What waiting cost beyond the peer's own work.
    state.counters["wait_cpu_us_per_rt"] =
        state.counters["cpu_us_per_rt"] - static_cast<double>(work) / 1000;
}

[[noreturn]] void pipe_echo(int in, int out)
{
    uint64_t v;
    pin(1);
    while (read(in, &v, sizeof v) == sizeof v)
        if (write(out, &v, sizeof v) != sizeof v)
            _exit(1);
    _exit(0);
}

void BM_PipePingPong(benchmark::State &state)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) {
        state.SkipWithError("pipe failed");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(to[1]);
        close(from[0]);
        pipe_echo(to[0], from[1]);
    }
    close(to[0]);
    close(from[1]);
    pin(0);
    double cpu0 = self_cpu();
    uint64_t seq = 0, got = 0;
    bool bad = false;
    for (auto _ : state) {
        if (write(to[1], &seq, sizeof seq) != sizeof seq ||
            read(from[0], &got, sizeof got) != sizeof got || got != seq) {
            bad = true;
            break;
        }
        seq++;
    }
    double cpu = self_cpu() - cpu0;
    close(to[1]);
    child_cost child = reap(pid);
    close(from[0]);
    if (bad || !child.ok) {
        state.SkipWithError("a message was lost or corrupted");
        return;
    }
    report(state, cpu + child.cpu);
}

// The cost of the wake-up check per commit, in one thread: 8-byte
// records through ring_msg_commit (which publishes tail and looks for a
// sleeper) against the same record stored and published with a plain
// release store that never looks. range(0) = 1: the handle fences its own
// publishes, as where membarrier() is not available.
void BM_CommitWithWakeCheck(benchmark::State &state)
{
    struct ring r;
    ring_create(&r, 1 << 20, 0);
    r.setup.publish_fence = static_cast<int>(state.range(0));
    uint64_t seq = 0, got;
    for (auto _ : state) {
        void *p = ring_msg_reserve(&r, sizeof seq);
        std::memcpy(p, &seq, sizeof seq);
        ring_msg_commit(&r, sizeof seq);
        if (ring_msg_recv(&r, &got, sizeof got) != sizeof got || got != seq) {
            state.SkipWithError("mismatch");
            break;
        }
        seq++;
    }
    ring_close(&r);
}

void BM_CommitWithoutWakeCheck(benchmark::State &state)
{
    struct ring r;
    ring_create(&r, 1 << 20, 0);
    uint64_t seq = 0, got;
    for (auto _ : state) {
        void *p = ring_msg_reserve(&r, sizeof seq);
        std::memcpy(p, &seq, sizeof seq);
        ringi_msg_store(&r, sizeof seq);
        // What ringi_publish_tail did before wake-ups existed.
        ringi_store_release(r.setup.tail_shared, r.producer.tail);
        if (ring_msg_recv(&r, &got, sizeof got) != sizeof got || got != seq) {
            state.SkipWithError("mismatch");
            break;
        }
        seq++;
    }
    ring_close(&r);
}

// The same across two threads: a producer streaming 8-byte records to a
// busy-polling consumer. range(0): 0 never checks, 1 checks (the default,
// asymmetric fence), 2 checks behind a full fence of its own.
void BM_StreamWakeCheck(benchmark::State &state)
{
    const bool check = state.range(0) != 0;
    struct ring r;
    ring_create(&r, 1 << 16, 0);
    r.setup.publish_fence = state.range(0) == 2;
    const uint64_t count = 1 << 22;
    for (auto _ : state) {
        bool bad = false;
        std::thread consumer([&] {
            pin(1);
            uint64_t got;
            for (uint64_t i = 0; i < count;) {
                ssize_t n = ring_msg_recv(&r, &got, sizeof got);
                if (n == -EAGAIN)
                    continue;
                if (n != sizeof got || got != i)
                    bad = true;
                i++;
            }
        });
        pin(0);
        for (uint64_t i = 0; i < count;) {
            void *p = ring_msg_reserve(&r, sizeof i);
            if (!p)
                continue;
            std::memcpy(p, &i, sizeof i);
            if (check) {
                ring_msg_commit(&r, sizeof i);
            } else {
                ringi_msg_store(&r, sizeof i);
                ringi_store_release(r.setup.tail_shared, r.producer.tail);
            }
            i++;
        }
        consumer.join();
        if (bad) {
            state.SkipWithError("mismatch");
            break;
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
    ring_close(&r);
}

} // namespace

BENCHMARK(BM_PipePingPong)->UseRealTime()->MinTime(1.0);
// Spin lengths against a peer that answers at once, and one that works
// 20 us first: spinning catches a quick answer, and burns the CPU it
// spins for when the answer is slow.
BENCHMARK(BM_RingPingPong)
    ->ArgNames({"spin_ns", "peer_work_ns"})
    ->ArgsProduct({{0, 1000, 5000, 20000, 100000, -1, -2}, {0, 20000}})
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK(BM_CommitWithWakeCheck)->ArgName("own_fence")->Arg(0)->Arg(1);
BENCHMARK(BM_CommitWithoutWakeCheck);
BENCHMARK(BM_StreamWakeCheck)
    ->ArgName("check")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime();

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    benchmark::AddCustomContext(
        "ring_ping_pong",
        "spin_ns: 0 always sleeps, -1 adaptive, -2 busy-polls (no waits)");
    benchmark::AddCustomContext(
        "cpus", getenv("RING_BENCH_CPUS") ? getenv("RING_BENCH_CPUS") : "0,1");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
