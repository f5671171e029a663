// SPDX-License-Identifier: MIT
// bench_wake.cpp: what the wake-up check costs a commit (wake/): 8-byte
// records through ring_msg_commit, which publishes tail and looks for a
// sleeping consumer, against the same record stored and published with a
// plain release store that never looks. The one white-box benchmark: it
// reaches into the handle (ring.h's internals) to build the commit that
// does not look, as the white-box tests do. The waiting comparison
// between processes (sleeping, spinning, busy-polling against a pipe) is
// ringbench's: ring-wait, ring-sleep, --spin-ns, --peer-work-ns.
#include "harness.h"
#include "placement.h"
#include "ring_handle.h"

#include <cerrno>
#include <cstring>

namespace ringbench
{

namespace
{

// The commit without the wake-up check: what ringi_publish_tail did before
// wake-ups existed.
void commit_without_check(struct ring *r, size_t len)
{
    ringi_msg_store(r, len);
    ringi_store_release(r->setup.tail_shared, r->producer.tail);
}

// The modes, range(0): 0 the commit checks (the default: the waiter's
// membarrier makes the check cheap); 1 it checks behind a full fence of
// its own, as where membarrier() is not available; 2 it never checks.
bool checks(const benchmark::State &state)
{
    return state.range(0) != 2;
}

bool own_fence(const benchmark::State &state)
{
    return state.range(0) == 1;
}

// The handle of a mode: nullptr (and the benchmark failed) when the ring
// could not be made.
struct ring *ring_for(benchmark::State &state, const RingHandle &ring)
{
    if (int rc = ring.create_error()) {
        fail(state, std::string("ring_create: ") + std::strerror(-rc));
        return nullptr;
    }
    ring.get()->setup.publish_fence = own_fence(state);
    return ring.get();
}

// Publishes a record of len bytes reserved and written: with the check,
// or without.
void commit(struct ring *r, size_t len, bool check)
{
    if (check)
        ring_msg_commit(r, len);
    else
        commit_without_check(r, len);
}

// One thread: commit, then receive at once.
void one_thread(benchmark::State &state)
{
    Arena arena({Storage::heap, 0});
    RingHandle ring(arena, 1 << 20);
    struct ring *r = ring_for(state, ring);
    if (!r)
        return;
    const bool check = checks(state);
    const uint64_t key = fresh_key();
    uint64_t seq = 0, got;
    for (auto _ : state) {
        void *p = ring_msg_reserve(r, sizeof seq);
        if (!p) {
            fail(state, "ring_msg_reserve: no room in a drained ring");
            break;
        }
        uint64_t word = kit_pattern_word(key, seq);
        std::memcpy(p, &word, sizeof word);
        commit(r, sizeof word, check);
        if (ring_msg_recv(r, &got, sizeof got) != sizeof got || got != word) {
            fail(state, "wrong or missing record");
            break;
        }
        seq++;
    }
}

// Two threads: a producer streaming kRecords 8-byte records to a
// busy-polling consumer per iteration.
constexpr uint64_t kRecords = 1 << 22;

void two_threads(benchmark::State &state)
{
    Arena arena({Storage::heap, 0});
    RingHandle ring(arena, 1 << 16);
    struct ring *r = ring_for(state, ring);
    if (!r)
        return;
    const bool check = checks(state);
    const uint64_t key = fresh_key();
    pin_main_thread();
    for (auto _ : state) {
        PeerThread consumer([r, key](PeerThread &self) {
            uint64_t got;
            for (uint64_t i = 0; i < kRecords;) {
                ssize_t n = ring_msg_recv(r, &got, sizeof got);
                if (n == -EAGAIN) {
                    if (self.stop_requested())
                        return;
                    continue;
                }
                if (n != sizeof got || got != kit_pattern_word(key, i)) {
                    self.report_failure("wrong or missing record");
                    return;
                }
                i++;
            }
        });
        for (uint64_t i = 0; i < kRecords && !consumer.failed();) {
            void *p = ring_msg_reserve(r, sizeof i);
            if (!p)
                continue;
            uint64_t word = kit_pattern_word(key, i);
            std::memcpy(p, &word, sizeof word);
            commit(r, sizeof word, check);
            i++;
        }
        if (!wait_peer_finished(state, consumer))
            break;
    }
    state.SetItemsProcessed(
        static_cast<int64_t>(state.iterations() * kRecords));
}

} // namespace

void register_wake()
{
    benchmark::RegisterBenchmark("wake/one_thread", one_thread)
        ->ArgName("mode")
        ->DenseRange(0, 2);
    benchmark::RegisterBenchmark("wake/two_threads", two_threads)
        ->ArgName("mode")
        ->DenseRange(0, 2)
        ->UseRealTime();
}

} // namespace ringbench
