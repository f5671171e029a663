/* SPDX-License-Identifier: MIT */
// harness.h: what every benchmark of ring_bench shares: the CPUs the two
// threads are pinned to, the two ways a thread retries, the payload every
// item carries, and how a benchmark fails. The pattern, the pinning and
// the pause hint are the kit's (kit/), the same as ringbench's and the
// tests'.
#ifndef RING_BENCH_HARNESS_H
#define RING_BENCH_HARNESS_H

#include "kit/cpu.h"
#include "kit/pattern.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace ringbench
{

// ---------------------------------------------------------------------------
// Pinning. The benchmark's own thread (producer, pinger) runs on the first
// CPU of --cpus, the thread it starts (consumer, echo) on the second.

// Reads --cpus A,B or --cpus=A,B (or none) out of argv, as ringbench
// reads it; without it, the first two CPUs this process may use. Returns
// false and sets why when the value is malformed or names a CPU this
// process may not run on.
bool configure_pinning(int &argc, char **argv, std::string &why);
const struct kit_cpus &pinning();
std::string describe_pinning();
// Pins the calling thread to the main (or peer) CPU, when pinning is on.
void pin_main_thread();
void pin_peer_thread();

// ---------------------------------------------------------------------------
// Retrying. A side that finds its queue full or empty retries in one of
// two ways, and every two-thread benchmark runs both:
//
//   tight    at once, as users write it: while (ring_msg_send(...) != 0);
//   backoff  a bounded spin of pause instructions, then sched_yield()
//            (the machine may be shared)

enum class Loop { tight, backoff };

constexpr unsigned kSpinsBeforeYield = 1u << 12;

const char *loop_name(Loop loop);

void yield_cpu(); // sched_yield(), out of line: it is the slow path

inline void wait_a_little(unsigned &spins)
{
    if (spins < kSpinsBeforeYield) {
        spins++;
        kit_cpu_relax();
        return;
    }
    yield_cpu();
}

// One failed try of a side: nothing in the tight loop, the back-off
// otherwise.
template <Loop L> inline void retry_wait(unsigned &spins)
{
    if constexpr (L == Loop::backoff)
        wait_a_little(spins);
    else
        (void)spins;
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
// The payload: the kit's pattern. Item seq of a queue of len-byte items
// is bytes seq * len .. seq * len + len - 1 of the queue's stream, so a
// lost, repeated, reordered or torn item is seen; for an 8-byte item it is
// the word kit_pattern_word(key, seq), which is what the peers that carry
// one word (ck_ring, wfcqueue) carry. Every queue gets a fresh key.

uint64_t fresh_key();

inline void fill_payload(void *dst, size_t len, uint64_t key, uint64_t seq)
{
    kit_pattern_fill(static_cast<unsigned char *>(dst), len, key, seq * len);
}

inline bool payload_ok(const void *src, size_t len, uint64_t key, uint64_t seq)
{
    return kit_pattern_check(static_cast<const unsigned char *>(src), len, key,
                             seq * len) == len;
}

// An item of Size bytes, for the queues that carry fixed-size values.
template <size_t Size> struct Item {
    static_assert(Size % 8 == 0 && Size >= 8, "whole words");
    uint64_t words[Size / 8];
};

// Bulk data (the 64 KiB copies) carries the pattern's word at the start of
// every 64-byte line: every line is written by the producer and read by
// the consumer, in every variant alike, without the check costing as much
// as the copy itself.
inline void stamp_lines(void *dst, size_t len, uint64_t key, uint64_t seq)
{
    kit_pattern_fill_lines(static_cast<unsigned char *>(dst), len, key,
                           seq * len);
}

inline bool stamps_ok(const void *src, size_t len, uint64_t key, uint64_t seq)
{
    return kit_pattern_check_lines(static_cast<const unsigned char *>(src), len,
                                   key, seq * len);
}

// ---------------------------------------------------------------------------
// The second thread of a two-thread benchmark: started pinned to the peer
// CPU before the timed loop, told to stop and joined when it is destroyed.
// Its flags sit on 128 bytes of their own: the loops read them, and they
// must not share a line (or a pair of lines) with a placed handle.

class alignas(128) PeerThread
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
    alignas(128) std::string why_;
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
void register_wake();

} // namespace ringbench

#endif
