/* SPDX-License-Identifier: MIT */
// harness.h: what every benchmark of ring_bench shares: the CPUs the two
// threads are pinned to, the one way any thread waits, the payload pattern
// every item carries, and how a benchmark fails.
#ifndef RING_BENCH_HARNESS_H
#define RING_BENCH_HARNESS_H

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

namespace ringbench
{

// ---------------------------------------------------------------------------
// Pinning. The benchmark's own thread (producer, pinger) runs on the first
// CPU, the thread it starts (consumer, echo) on the second.

struct Pinning {
    bool enabled = false;
    int main_cpu = -1;
    int peer_cpu = -1;
    std::string description; // for the output's context
};

// Reads RING_BENCH_CPUS ("A,B", or "none"; default "0,1"). Returns false and
// sets why when the variable is malformed or names a CPU this process may
// not run on.
bool configure_pinning(std::string &why);
const Pinning &pinning();
// Pins the calling thread to the main (or peer) CPU, when pinning is on.
void pin_main_thread();
void pin_peer_thread();

// ---------------------------------------------------------------------------
// Waiting. Every queue, the ring included, waits through this one function
// when it finds its queue full or empty: a bounded spin, then sched_yield()
// (the machine may be shared). Each turn of the spin is a pause
// instruction (RING_BENCH_WAIT=pause, the default: what production spin
// loops do, and it keeps a waiting side from pulling the line it polls
// away from the writer on every turn) or nothing (RING_BENCH_WAIT=poll:
// the lowest latency, the most contention). When the ring's own
// ring_wait_readable/ring_wait_writable land they are not used here: a
// benchmark of the fast path measures spinning sides, as the peers do.

constexpr unsigned kSpinsBeforeYield = 1u << 12;

enum class WaitStyle { pause, poll };
// Reads RING_BENCH_WAIT; false (and why) when it is neither word.
bool configure_waiting(std::string &why);
WaitStyle wait_style();
extern WaitStyle the_wait_style; // for the inline spin below only

void yield_cpu(); // sched_yield(), out of line: it is the slow path

// The CPU's spin-loop hint.
inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

inline void wait_a_little(unsigned &spins)
{
    if (spins < kSpinsBeforeYield) {
        spins++;
        if (the_wait_style == WaitStyle::pause)
            cpu_relax();
        return;
    }
    yield_cpu();
}

// ---------------------------------------------------------------------------
// Failing. A benchmark that finds a wrong item calls fail(): the benchmark
// is reported with the error and main() exits non-zero at the end.

void fail(benchmark::State &state, const std::string &why);
bool any_failed();

// ---------------------------------------------------------------------------
// Keeping the optimizer honest. escape(p) hands the address of an object to
// an empty asm that may read and write all memory: whatever was stored to
// the object is in memory at this point, and whatever is read from it after
// this point is loaded again. It is what benchmark::DoNotOptimize does with
// a pointer; DoNotOptimize(object) itself is not used on the items here:
// with benchmark 1.7.1 and GCC 12 its "+m,r" constraint drops the stores
// made to a small object just before it (google/benchmark#2282), which
// loses the payload it was meant to keep.

inline void escape(const void *p)
{
    asm volatile("" : : "r"(p) : "memory");
}

// ---------------------------------------------------------------------------
// The payload. Word i of the item with sequence number seq holds
// seq + i * kWordStride, so a lost, repeated, reordered or torn item is
// seen. Lengths are multiples of 8; words go through memcpy because ring
// memory is untyped.

constexpr uint64_t kWordStride = 0x9e3779b97f4a7c15u;

inline void fill_payload(void *dst, size_t len, uint64_t seq)
{
    unsigned char *p = static_cast<unsigned char *>(dst);
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t word = seq + i * kWordStride;
        std::memcpy(p + 8 * i, &word, 8);
    }
}

inline bool payload_ok(const void *src, size_t len, uint64_t seq)
{
    const unsigned char *p = static_cast<const unsigned char *>(src);
    uint64_t diff = 0;
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t word;
        std::memcpy(&word, p + 8 * i, 8);
        diff |= word ^ (seq + i * kWordStride);
    }
    return diff == 0;
}

// An item of Size bytes, for the queues that carry fixed-size values.
template <size_t Size> struct Item {
    static_assert(Size % 8 == 0 && Size >= 8, "whole words");
    uint64_t words[Size / 8];
};

// Bulk data (the 64 KiB copies) carries one stamp word per 64-byte line:
// every line is written by the producer and read by the consumer, in every
// variant alike, without the check costing as much as the copy itself.
constexpr size_t kLine = 64;

inline void stamp_lines(void *dst, size_t len, uint64_t first_line)
{
    unsigned char *p = static_cast<unsigned char *>(dst);
    for (size_t i = 0; i < len / kLine; i++) {
        uint64_t stamp = first_line + i;
        std::memcpy(p + i * kLine, &stamp, 8);
    }
}

inline bool stamps_ok(const void *src, size_t len, uint64_t first_line)
{
    const unsigned char *p = static_cast<const unsigned char *>(src);
    uint64_t diff = 0;
    for (size_t i = 0; i < len / kLine; i++) {
        uint64_t stamp;
        std::memcpy(&stamp, p + i * kLine, 8);
        diff |= stamp ^ (first_line + i);
    }
    return diff == 0;
}

// ---------------------------------------------------------------------------
// The second thread of a two-thread benchmark: started pinned to the peer
// CPU before the timed loop, told to stop and joined when it is destroyed.

class PeerThread
{
  public:
    // Runs body(*this) on a new thread; returns once that thread runs.
    template <class Body> explicit PeerThread(Body body)
    {
        thread_ = std::thread([this, body] {
            pin_peer_thread();
            // Release pairs with the acquire in the wait below: the thread
            // is running (and pinned) before the timed loop starts.
            started_.store(true, std::memory_order_release);
            body(*this);
            // Release pairs with the acquire in finished(): everything the
            // body did is visible to whoever sees it finished.
            finished_.store(true, std::memory_order_release);
        });
        unsigned spins = 0;
        while (!started_.load(std::memory_order_acquire))
            wait_a_little(spins);
    }
    PeerThread(const PeerThread &) = delete;
    PeerThread &operator=(const PeerThread &) = delete;
    ~PeerThread()
    {
        stop_.store(true, std::memory_order_relaxed);
        thread_.join();
    }

    // Peer side: the main thread gave up (its benchmark failed); return.
    bool stop_requested() const
    {
        return stop_.load(std::memory_order_relaxed);
    }
    // Peer side: a wrong item; record why, then return from the body.
    void report_failure(const std::string &why)
    {
        why_ = why;
        // Release pairs with the acquire in failed(): why_ is written.
        failed_.store(true, std::memory_order_release);
    }

    // Main side.
    bool failed() const
    {
        return failed_.load(std::memory_order_acquire);
    }
    bool finished() const
    {
        return finished_.load(std::memory_order_acquire);
    }
    const std::string &failure() const
    {
        return why_;
    }

  private:
    std::atomic<bool> started_{false};
    std::atomic<bool> finished_{false};
    std::atomic<bool> failed_{false};
    std::atomic<bool> stop_{false};
    std::string why_;
    std::thread thread_;
};

// Main side: waits until the peer's body returned. False (and the
// benchmark failed) when it reported a failure.
bool wait_peer_finished(benchmark::State &state, PeerThread &peer);

// ---------------------------------------------------------------------------
// Registration, one function per file.

void register_single_thread();
void register_pairs();
void register_copies();

} // namespace ringbench

#endif
