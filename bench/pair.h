/* SPDX-License-Identifier: MIT */
// pair.h: the two drivers every two-thread benchmark goes through, whatever
// the queue (see queues.h for the interface they use).
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
#ifndef RING_BENCH_PAIR_H
#define RING_BENCH_PAIR_H

#include "harness.h"
#include "queues.h"

namespace ringbench
{

std::string describe_setup_failure(const char *queue, int rc);

template <class Queue>
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
            wait_a_little(spins);
        }
        empty_waits = waits;
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
            wait_a_little(spins);
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

// Main side: calls op() until it returns non-zero, or the peer failed.
template <class Op> int until_done(Op op, const PeerThread &peer)
{
    unsigned spins = 0;
    int rc;
    while ((rc = op()) == 0 && !peer.failed())
        wait_a_little(spins);
    return rc;
}

template <class Queue>
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
        unsigned spins = 0;
        for (uint64_t seq = 0; seq < total; seq++) {
            int rc;
            while ((rc = there.recv(seq)) == 0) {
                if (self.stop_requested())
                    return;
                wait_a_little(spins);
            }
            if (rc != 1) {
                self.report_failure(
                    describe_failure(Queue::kName, "echo recv", rc, seq));
                return;
            }
            while ((rc = back.send(seq, 1)) == 0) {
                if (self.stop_requested())
                    return;
                wait_a_little(spins);
            }
            if (rc < 0) {
                self.report_failure(
                    describe_failure(Queue::kName, "echo send", rc, seq));
                return;
            }
        }
    });

    uint64_t seq = 0;
    for (auto _ : state) {
        const char *call = "send";
        int rc = until_done([&] { return there.send(seq, 1); }, echo);
        if (rc == 1) {
            call = "recv";
            rc = until_done([&] { return back.recv(seq); }, echo);
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

} // namespace ringbench

#endif
