// SPDX-License-Identifier: MIT
// bench_pair.cpp: two threads, the ring against its peers: throughput
// (tput/, items per second) and round trip (rtt/, time per iteration), and
// the raw cross-core cache-line round trip every round trip is a multiple
// of.
//
// Sizes. With 8-byte items every queue holds about 4096 of them: 4096
// slots for the peers, 32 KiB for the ring carrying bytes, 64 KiB for the
// ring carrying records (16 bytes each with the header: 4095 of them). With
// 64- and 512-byte items every queue has 256 KiB of slots.
#include "pair.h"

#include <cstring>
#include <memory>
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

// Builds a fresh Queue for each run of the benchmark: no state carries over
// from the runs that size the iteration count.
template <class Queue, class... Args>
void add_throughput(const std::string &name, unsigned batch, Args... args)
{
    benchmark::RegisterBenchmark(("tput/" + name).c_str(),
                                 [=](benchmark::State &state) {
                                     Queue queue(args...);
                                     throughput(state, queue, batch, 0);
                                 })
        ->UseRealTime();
}

template <class Queue, class... Args>
void add_round_trip(const std::string &name, Args... args)
{
    benchmark::RegisterBenchmark(("rtt/" + name).c_str(),
                                 [=](benchmark::State &state) {
                                     Queue there(args...);
                                     Queue back(args...);
                                     round_trip(state, there, back);
                                 })
        ->UseRealTime();
}

// Two threads bouncing one cache line: the pinger stores 2n+1, the echo
// waits for it and stores 2n+2, the pinger waits for that. One iteration is
// one round trip: two transfers of the line between the cores, the least
// any cross-thread round trip can cost.
void cacheline_round_trip(benchmark::State &state)
{
    struct alignas(128) Line {
        std::atomic<uint64_t> value{0};
    };
    auto line = std::make_unique<Line>();
    pin_main_thread();
    const uint64_t total = static_cast<uint64_t>(state.max_iterations);
    PeerThread echo([&line, total](PeerThread &self) {
        unsigned spins = 0;
        for (uint64_t n = 0; n < total; n++) {
            // Acquire pairs with the pinger's release store of 2n+1.
            while (line->value.load(std::memory_order_acquire) != 2 * n + 1) {
                if (self.stop_requested())
                    return;
                wait_a_little(spins);
            }
            // Release pairs with the pinger's acquire load of 2n+2.
            line->value.store(2 * n + 2, std::memory_order_release);
        }
    });
    uint64_t n = 0;
    for (auto _ : state) {
        // Release pairs with the echo's acquire load of 2n+1.
        line->value.store(2 * n + 1, std::memory_order_release);
        unsigned spins = 0;
        // Acquire pairs with the echo's release store of 2n+2.
        while (line->value.load(std::memory_order_acquire) != 2 * n + 2)
            wait_a_little(spins);
        n++;
    }
    wait_peer_finished(state, echo);
}

template <size_t Size> void add_sized_throughput()
{
    const std::string size = "/" + std::to_string(Size);
    constexpr size_t slots = kBigQueueBytes / Size;
    add_throughput<RingMsg<Size>>("ring_msg" + size, 1, kBigQueueBytes);
    add_throughput<RingMsgZeroCopy<Size>>("ring_msg_zc" + size, 1,
                                          kBigQueueBytes);
    add_throughput<RingMsgSendv<Size>>(
        "ring_msg_sendv16" + size, RingMsgSendv<Size>::kBatch, kBigQueueBytes);
    add_throughput<BoostSpsc<Size, slots>>("boost_spsc" + size, 1);
    add_throughput<RwQueue<Size>>("rwqueue" + size, 1, slots);
}

} // namespace

void register_pairs()
{
    benchmark::RegisterBenchmark("rtt/cacheline", cacheline_round_trip)
        ->UseRealTime();

    // 8-byte items, every queue: round trip.
    add_round_trip<RingMsg<8>>("ring_msg/8", kRingRecords8);
    add_round_trip<RingMsgZeroCopy<8>>("ring_msg_zc/8", kRingRecords8);
    add_round_trip<RingBytes<8>>("ring_bytes/8", kRingBytes8);
    add_round_trip<RingBytesZeroCopy<8>>("ring_bytes_zc/8", kRingBytes8);
    add_round_trip<CkRing>("ck_ring/8", static_cast<unsigned>(kSlots8));
    add_round_trip<BoostSpsc<8, kSlots8>>("boost_spsc/8");
    add_round_trip<RwQueue<8>>("rwqueue/8", kSlots8);
    add_round_trip<WfcQueue>("wfcqueue/8", kSlots8);

    // 8-byte items, every queue: throughput.
    add_throughput<RingMsg<8>>("ring_msg/8", 1, kRingRecords8);
    add_throughput<RingMsgZeroCopy<8>>("ring_msg_zc/8", 1, kRingRecords8);
    add_throughput<RingMsgSendv<8>>("ring_msg_sendv16/8",
                                    RingMsgSendv<8>::kBatch, kRingRecords8);
    add_throughput<RingBytes<8>>("ring_bytes/8", 1, kRingBytes8);
    add_throughput<RingBytesZeroCopy<8>>("ring_bytes_zc/8", 1, kRingBytes8);
    add_throughput<CkRing>("ck_ring/8", 1, static_cast<unsigned>(kSlots8));
    add_throughput<BoostSpsc<8, kSlots8>>("boost_spsc/8", 1);
    add_throughput<RwQueue<8>>("rwqueue/8", 1, kSlots8);
    add_throughput<WfcQueue>("wfcqueue/8", 1, kSlots8);

    // Larger records: the ring's three ways against the peers that carry
    // values of any size (ck_ring's SPSC ring carries pointers; liburcu's
    // queue carries nodes).
    add_sized_throughput<64>();
    add_sized_throughput<512>();
}

} // namespace ringbench
