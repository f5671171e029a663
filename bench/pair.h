/* SPDX-License-Identifier: MIT */
// pair.h: the two drivers every two-thread benchmark goes through, whatever
// the queue (see queues.h for the interface they use), each in both ways
// of retrying (harness.h: tight, or with the back-off).
//
// throughput: the benchmark's thread sends items 0, 1, 2, ... as fast as
// the queue takes them; a consumer thread receives and checks every one.
// One iteration is one item. The last iteration waits until the consumer
// has checked the last item, so the time covers the whole transfer, not
// just the sending. The counters waits_full and waits_empty say how often,
// per item, the producer found the queue full and the consumer found it
// empty: which side was the bottleneck, and so which regime the figure
// describes (a queue kept nearly empty moves its lines between the cores
// far more often than one kept nearly full).
//
// round_trip: the benchmark's thread sends item n on one queue and waits
// for item n back on another; an echo thread checks each item and sends it
// back. One iteration is one round trip.
//
// In the tight loop a failed try is retried at once; between tries the
// sides read only the other's failure or stop flag, on a line nobody
// writes while the benchmark runs.
#ifndef RING_BENCH_PAIR_H
#define RING_BENCH_PAIR_H

#include "harness.h"
#include "placement.h"
#include "queues.h"

#include <functional>
#include <new>
#include <vector>

namespace ringbench
{

std::string describe_setup_failure(const char *queue, int rc);

// The consumer of throughput(): receives total items, checking each, and
// counts the tries that found the queue empty.
template <Loop L, class Queue>
void consume_all(PeerThread &self, Queue &queue, uint64_t total,
                 uint64_t &empty_waits)
{
    unsigned spins = 0;
    uint64_t waits = 0;
    for (uint64_t seq = 0; seq < total;) {
        int rc = queue.recv(seq);
        if (rc == 1) {
            seq++;
            spins = 0;
            continue;
        }
        if (rc != 0) {
            self.report_failure(
                describe_failure(Queue::kName, "recv", rc, seq));
            return;
        }
        if (self.stop_requested())
            return;
        waits++;
        retry_wait<L>(spins);
    }
    empty_waits = waits;
}

template <Loop L, class Queue>
void throughput(benchmark::State &state, Queue &queue, unsigned batch,
                size_t bytes_per_item)
{
    if (int rc = queue.setup_error()) {
        fail(state, describe_setup_failure(Queue::kName, rc));
        return;
    }
    pin_main_thread();
    // KeepRunningBatch runs whole batches.
    const uint64_t total =
        (static_cast<uint64_t>(state.max_iterations) + batch - 1) / batch *
        batch;
    uint64_t empty_waits = 0; // written by the consumer before it finishes
    PeerThread consumer([&queue, total, &empty_waits](PeerThread &self) {
        consume_all<L>(self, queue, total, empty_waits);
    });

    uint64_t seq = 0, full_waits = 0;
    unsigned spins = 0;
    while (state.KeepRunningBatch(batch)) {
        for (const uint64_t end = seq + batch; seq < end;) {
            int rc = queue.send(seq, static_cast<unsigned>(end - seq));
            if (rc > 0) {
                seq += static_cast<unsigned>(rc);
                spins = 0;
                continue;
            }
            if (rc < 0) {
                fail(state, describe_failure(Queue::kName, "send", rc, seq));
                return;
            }
            if (consumer.failed()) {
                fail(state, consumer.failure());
                return;
            }
            full_waits++;
            retry_wait<L>(spins);
        }
        if (seq == total && !wait_peer_finished(state, consumer))
            return;
    }
    // The consumer finished (wait_peer_finished above): empty_waits is set.
    const double items = static_cast<double>(state.iterations());
    state.counters["waits_full"] = static_cast<double>(full_waits) / items;
    state.counters["waits_empty"] = static_cast<double>(empty_waits) / items;
    state.SetItemsProcessed(state.iterations());
    if (bytes_per_item)
        state.SetBytesProcessed(state.iterations() *
                                static_cast<int64_t>(bytes_per_item));
}

// Calls op() until it returns non-zero, or stopped() says to give up
// (then 0).
template <Loop L, class Op, class Stopped>
int until_done(Op op, Stopped stopped)
{
    unsigned spins = 0;
    int rc;
    while ((rc = op()) == 0) {
        if (stopped())
            return 0;
        retry_wait<L>(spins);
    }
    return rc;
}

// The echo of round_trip(): sends each of total items back.
template <Loop L, class Queue>
void echo_all(PeerThread &self, Queue &there, Queue &back, uint64_t total)
{
    auto stopped = [&self] { return self.stop_requested(); };
    for (uint64_t seq = 0; seq < total; seq++) {
        int rc = until_done<L>([&] { return there.recv(seq); }, stopped);
        if (rc == 0)
            return;
        if (rc != 1) {
            self.report_failure(
                describe_failure(Queue::kName, "echo recv", rc, seq));
            return;
        }
        rc = until_done<L>([&] { return back.send(seq, 1); }, stopped);
        if (rc == 0)
            return;
        if (rc < 0) {
            self.report_failure(
                describe_failure(Queue::kName, "echo send", rc, seq));
            return;
        }
    }
}

template <Loop L, class Queue>
void round_trip(benchmark::State &state, Queue &there, Queue &back)
{
    for (Queue *queue : {&there, &back}) {
        if (int rc = queue->setup_error()) {
            fail(state, describe_setup_failure(Queue::kName, rc));
            return;
        }
    }
    pin_main_thread();
    const uint64_t total = static_cast<uint64_t>(state.max_iterations);
    PeerThread echo([&there, &back, total](PeerThread &self) {
        echo_all<L>(self, there, back, total);
    });
    auto stopped = [&echo] { return echo.failed(); };

    uint64_t seq = 0;
    for (auto _ : state) {
        const char *call = "send";
        int rc = until_done<L>([&] { return there.send(seq, 1); }, stopped);
        if (rc == 1) {
            call = "recv";
            rc = until_done<L>([&] { return back.recv(seq); }, stopped);
        }
        if (rc != 1) {
            fail(state, echo.failed()
                            ? echo.failure()
                            : describe_failure(Queue::kName, call, rc, seq));
            break;
        }
        seq++;
    }
    if (!state.error_occurred())
        wait_peer_finished(state, echo);
}

// ---------------------------------------------------------------------------
// Registration: one benchmark per placement and loop style, each building
// fresh queues in a fresh arena, so that no state carries over from the
// runs that size the iteration count.

template <class Run>
void register_placed(const std::string &name, Placement where, Loop loop,
                     Run run)
{
    benchmark::RegisterBenchmark(
        (name + "/" + where.name() + "/" + loop_name(loop)).c_str(),
        [=](benchmark::State &state) {
            try {
                Arena arena(where);
                run(state, arena);
            } catch (const std::bad_alloc &) {
                fail(state, "no room for the queue at " + where.name());
            }
        })
        ->UseRealTime();
}

// Throughput of Queue(arena, args...) at where, both loop styles.
template <class Queue, class... Args>
void add_throughput_at(const std::string &name, Placement where, unsigned batch,
                       size_t bytes_per_item, Args... args)
{
    register_placed(
        name, where, Loop::tight, [=](benchmark::State &state, Arena &arena) {
            Queue queue(arena, args...);
            throughput<Loop::tight>(state, queue, batch, bytes_per_item);
        });
    register_placed(
        name, where, Loop::backoff, [=](benchmark::State &state, Arena &arena) {
            Queue queue(arena, args...);
            throughput<Loop::backoff>(state, queue, batch, bytes_per_item);
        });
}

template <class Queue, class... Args>
void add_round_trip_at(const std::string &name, Placement where, Args... args)
{
    register_placed(name, where, Loop::tight,
                    [=](benchmark::State &state, Arena &arena) {
                        Queue there(arena, args...), back(arena, args...);
                        round_trip<Loop::tight>(state, there, back);
                    });
    register_placed(name, where, Loop::backoff,
                    [=](benchmark::State &state, Arena &arena) {
                        Queue there(arena, args...), back(arena, args...);
                        round_trip<Loop::backoff>(state, there, back);
                    });
}

// A peer whose structures are the benchmark's own, or too large for a
// static or stack slot: on a 128-byte boundary of the heap only.
constexpr Placement kOwnPlace = {Storage::heap, 0};

// Where a case runs: at every placement (placement.h) its alignment allows
// (a type aligned to 64, moodycamel's queue, is never at 8, 32 or 96 mod
// 128, in a user's program or here), or at kOwnPlace only.
enum class Places { every, own };

inline bool runs_at(Places places, size_t align, Placement where)
{
    if (places == Places::own)
        return where.storage == kOwnPlace.storage &&
               where.offset == kOwnPlace.offset;
    return where.offset % align == 0;
}

// A case registers its benchmarks at one placement when asked.
using PlacedCase = std::function<void(Placement)>;

template <class Queue, class... Args>
PlacedCase throughput_case(const std::string &name, Places places,
                           unsigned batch, size_t bytes_per_item, Args... args)
{
    return [=](Placement where) {
        if (runs_at(places, Queue::kAlign, where))
            add_throughput_at<Queue>(name, where, batch, bytes_per_item,
                                     args...);
    };
}

template <class Queue, class... Args>
PlacedCase round_trip_case(const std::string &name, Places places, Args... args)
{
    return [=](Placement where) {
        if (runs_at(places, Queue::kAlign, where))
            add_round_trip_at<Queue>(name, where, args...);
    };
}

// Registers the cases placement by placement, so that the benchmarks a
// target compares (the ring and a peer at one placement, zero-copy and
// copying) run next to each other in time: when the host moves the vCPUs
// (near, far), it moves them alike. before(where) registers what each
// placement's group starts with.
void register_by_placement(const std::vector<PlacedCase> &cases,
                           const std::function<void(Placement)> &before);

} // namespace ringbench

#endif
