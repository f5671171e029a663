// SPDX-License-Identifier: MIT
// bench_pair.cpp: two threads, the ring against its peers: throughput
// (tput/, items per second) and round trip (rtt/, time per iteration),
// each at every placement of the handles and in both loop styles
// (tput/ring_msg/8/static+32/tight), and the bare cross-core cache-line
// round trip every round trip is a multiple of (rtt/cacheline, and again
// at the start of each placement's group: rtt/cacheline/stack+32).
//
// Placement of the peers (placement.h). ck_ring's ck_ring_t, boost's
// spsc_queue object (its buffer included) and moodycamel's queue object
// are placed like the ring's handle: they are what a user declares where
// a struct ring would go. moodycamel's queue aligns itself to 64 bytes, so
// it runs at 0 and 64 mod 128 only, where a compiler would put it. The
// wfcqueue's blocks are this benchmark's own, each aligned to 128 bytes,
// and the 64- and 512-byte boost and moodycamel queues do not fit a
// static or stack slot: those run on a 128-byte boundary of the heap only
// (heap+0), their best case.
//
// Sizes. With 8-byte items every queue holds about 4096 of them: 4096
// slots for the peers, 32 KiB for the ring carrying bytes, 64 KiB for the
// ring carrying records (16 bytes each with the header: 4095 of them). With
// 64- and 512-byte items every queue has 256 KiB of slots.
#include "pair.h"

#include <cstring>
#include <string>

namespace ringbench
{

std::string describe_failure(const char *queue, const char *side, int rc,
                             uint64_t seq)
{
    std::string what = rc == kWrongItem ? std::string("wrong item")
                                        : std::string(std::strerror(-rc));
    return std::string(queue) + ": " + side + " of item " +
           std::to_string(seq) + ": " + what;
}

std::string describe_setup_failure(const char *queue, int rc)
{
    return std::string(queue) + ": setup: " + std::strerror(-rc);
}

namespace
{

constexpr size_t kSlots8 = 4096;
constexpr size_t kRingBytes8 = kSlots8 * 8;
constexpr size_t kRingRecords8 = 64 * 1024;
constexpr size_t kBigQueueBytes = 256 * 1024;

// The floor: two threads bouncing one cache line, an acquire load and a
// release store and nothing else in either loop (no pause, no back-off,
// no stop flag). The pinger stores 2n+1, the echo waits for it and stores
// 2n+2, the pinger waits for that: one iteration is two transfers of the
// line between the cores, the least any cross-thread round trip can cost.
// The echo needs no stop flag: the timed loop has no way out before it
// has run all max_iterations round trips.
void cacheline_round_trip(benchmark::State &state)
{
    struct alignas(128) Line {
        std::atomic<uint64_t> value{0};
    };
    auto line = std::make_unique<Line>();
    std::atomic<uint64_t> &word = line->value;
    pin_main_thread();
    const uint64_t total = static_cast<uint64_t>(state.max_iterations);
    PeerThread echo([&word, total](PeerThread &) {
        for (uint64_t n = 0; n < total; n++) {
            // Acquire pairs with the pinger's release store of 2n+1.
            while (word.load(std::memory_order_acquire) != 2 * n + 1)
                ;
            // Release pairs with the pinger's acquire load of 2n+2.
            word.store(2 * n + 2, std::memory_order_release);
        }
    });
    uint64_t n = 0;
    for (auto _ : state) {
        // Release pairs with the echo's acquire load of 2n+1.
        word.store(2 * n + 1, std::memory_order_release);
        // Acquire pairs with the echo's release store of 2n+2.
        while (word.load(std::memory_order_acquire) != 2 * n + 2)
            ;
        n++;
    }
    wait_peer_finished(state, echo);
}

template <size_t Size> void add_sized(std::vector<PlacedCase> &cases)
{
    const std::string size = "/" + std::to_string(Size);
    constexpr size_t slots = kBigQueueBytes / Size;
    cases.push_back(throughput_case<RingMsg<Size>>(
        "tput/ring_msg" + size, Places::every, 1, 0, kBigQueueBytes));
    cases.push_back(throughput_case<RingMsgZeroCopy<Size>>(
        "tput/ring_msg_zc" + size, Places::every, 1, 0, kBigQueueBytes));
    cases.push_back(throughput_case<RingMsgSendv<Size>>(
        "tput/ring_msg_sendv16" + size, Places::every,
        RingMsgSendv<Size>::kBatch, 0, kBigQueueBytes));
    cases.push_back(throughput_case<BoostSpsc<Size, slots>>(
        "tput/boost_spsc" + size, Places::own, 1, 0));
    cases.push_back(throughput_case<RwQueue<Size>>("tput/rwqueue" + size,
                                                   Places::own, 1, 0, slots));
}

// 8-byte items, every queue: round trip, then throughput.
void add_8_bytes(std::vector<PlacedCase> &cases)
{
    const auto every = Places::every;
    cases.push_back(
        round_trip_case<RingMsg<8>>("rtt/ring_msg/8", every, kRingRecords8));
    cases.push_back(round_trip_case<RingMsgZeroCopy<8>>("rtt/ring_msg_zc/8",
                                                        every, kRingRecords8));
    cases.push_back(
        round_trip_case<RingBytes<8>>("rtt/ring_bytes/8", every, kRingBytes8));
    cases.push_back(round_trip_case<RingBytesZeroCopy<8>>("rtt/ring_bytes_zc/8",
                                                          every, kRingBytes8));
    cases.push_back(round_trip_case<CkRing>("rtt/ck_ring/8", every,
                                            static_cast<unsigned>(kSlots8)));
    cases.push_back(
        round_trip_case<BoostSpsc<8, kSlots8>>("rtt/boost_spsc/8", every));
    cases.push_back(
        round_trip_case<RwQueue<8>>("rtt/rwqueue/8", every, kSlots8));
    cases.push_back(
        round_trip_case<WfcQueue>("rtt/wfcqueue/8", Places::own, kSlots8));

    cases.push_back(throughput_case<RingMsg<8>>("tput/ring_msg/8", every, 1, 0,
                                                kRingRecords8));
    cases.push_back(throughput_case<RingMsgZeroCopy<8>>(
        "tput/ring_msg_zc/8", every, 1, 0, kRingRecords8));
    cases.push_back(throughput_case<RingMsgSendv<8>>(
        "tput/ring_msg_sendv16/8", every, RingMsgSendv<8>::kBatch, 0,
        kRingRecords8));
    cases.push_back(throughput_case<RingBytes<8>>("tput/ring_bytes/8", every, 1,
                                                  0, kRingBytes8));
    cases.push_back(throughput_case<RingBytesZeroCopy<8>>(
        "tput/ring_bytes_zc/8", every, 1, 0, kRingBytes8));
    cases.push_back(throughput_case<CkRing>("tput/ck_ring/8", every, 1, 0,
                                            static_cast<unsigned>(kSlots8)));
    cases.push_back(throughput_case<BoostSpsc<8, kSlots8>>("tput/boost_spsc/8",
                                                           every, 1, 0));
    cases.push_back(
        throughput_case<RwQueue<8>>("tput/rwqueue/8", every, 1, 0, kSlots8));
    cases.push_back(throughput_case<WfcQueue>("tput/wfcqueue/8", Places::own, 1,
                                              0, kSlots8));
}

} // namespace

void register_by_placement(const std::vector<PlacedCase> &cases,
                           const std::function<void(Placement)> &before)
{
    for (const Placement &where : all_placements()) {
        before(where);
        for (const PlacedCase &add : cases)
            add(where);
    }
}

void register_pairs()
{
    benchmark::RegisterBenchmark("rtt/cacheline", cacheline_round_trip)
        ->UseRealTime();
    std::vector<PlacedCase> cases;
    add_8_bytes(cases);
    // Larger records: the ring's three ways against the peers that carry
    // values of any size (ck_ring's SPSC ring carries pointers; liburcu's
    // queue carries nodes).
    add_sized<64>(cases);
    add_sized<512>(cases);
    // Each placement's group starts with the floor again, measured next to
    // the round trips that ratios.py divides by it (rtt/cacheline/heap+8).
    register_by_placement(cases, [](Placement where) {
        benchmark::RegisterBenchmark(("rtt/cacheline/" + where.name()).c_str(),
                                     cacheline_round_trip)
            ->UseRealTime();
    });
}

} // namespace ringbench
