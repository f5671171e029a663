// SPDX-License-Identifier: MIT
// bench_single.cpp: the cost of each fast-path call on one thread, its
// payload written or read and checked.
//
// On one thread a ring fills up (or runs dry) after a ring's worth of
// calls, so these run in batches: a batch of calls is timed on its own
// (manual time), then the ring is put back untimed: drained, every item
// checked, after the producer calls; filled after the consumer calls. The
// ring is 16 KiB so that it stays in L1: this is the cost of the call, not
// of the memory. The time per iteration is the time per call.
#include "harness.h"
#include "ring_handle.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace ringbench
{

namespace
{

constexpr size_t kCapacity = 16 * 1024;
constexpr unsigned kSendvBatch = 16;

// Calls that fit in the ring at once: items of size bytes, or records.
constexpr uint64_t byte_items(size_t size)
{
    return kCapacity / size;
}
uint64_t record_items(size_t size)
{
    // ring_msg_max() reserves the cleared word after the last record.
    return (kCapacity - RING_MSG_HEADER) / ringi_msg_stride(size);
}

// Runs timed() (one batch of ops calls; nullptr or what went wrong) and
// reset() (untimed) in turns until the benchmark has its iterations.
template <class Timed, class Reset>
void in_batches(benchmark::State &state, uint64_t ops, Timed timed, Reset reset)
{
    using Clock = std::chrono::steady_clock;
    while (
        state.KeepRunningBatch(static_cast<benchmark::IterationCount>(ops))) {
        auto start = Clock::now();
        const char *why = timed();
        auto stop = Clock::now();
        if (!why)
            why = reset();
        if (why) {
            fail(state, why);
            return;
        }
        state.SetIterationTime(
            std::chrono::duration<double>(stop - start).count());
    }
    state.SetItemsProcessed(state.iterations());
}

bool setup_ok(benchmark::State &state, RingHandle &ring)
{
    if (ring.create_error() == 0)
        return true;
    fail(state,
         std::string("ring_create: ") + std::strerror(-ring.create_error()));
    return false;
}

// Untimed: takes every byte item out, checking each.
template <size_t Size>
const char *drain_bytes(struct ring *r, uint64_t count, uint64_t &seq)
{
    size_t len;
    const unsigned char *p =
        static_cast<const unsigned char *>(ring_peek(r, &len));
    if (len != count * Size)
        return "the ring does not hold what was written";
    for (uint64_t i = 0; i < count; i++)
        if (!payload_ok(p + i * Size, Size, seq++))
            return "wrong payload in the ring";
    ring_consume(r, len);
    return nullptr;
}

// Untimed: fills the ring with count byte items.
template <size_t Size>
const char *fill_bytes(struct ring *r, uint64_t count, uint64_t &seq)
{
    unsigned char *p =
        static_cast<unsigned char *>(ring_reserve(r, count * Size));
    if (!p)
        return "ring_reserve: no room in a drained ring";
    for (uint64_t i = 0; i < count; i++)
        fill_payload(p + i * Size, Size, seq++);
    ring_commit(r, count * Size);
    return nullptr;
}

// Untimed: takes every record out, checking each.
template <size_t Size>
const char *drain_records(struct ring *r, uint64_t count, uint64_t &seq)
{
    for (uint64_t i = 0; i < count; i++) {
        size_t len;
        const void *p = ring_msg_peek(r, &len);
        if (!p || len != Size || !payload_ok(p, Size, seq++))
            return "wrong or missing record in the ring";
        ring_msg_consume(r);
    }
    size_t extra;
    if (ring_msg_peek(r, &extra))
        return "more records in the ring than were sent";
    return nullptr;
}

// Untimed: fills the ring with count records.
template <size_t Size>
const char *fill_records(struct ring *r, uint64_t count, uint64_t &seq)
{
    for (uint64_t i = 0; i < count; i++) {
        void *p = ring_msg_reserve(r, Size);
        if (!p)
            return "ring_msg_reserve: no room in a drained ring";
        fill_payload(p, Size, seq++);
        ring_msg_commit(r, Size);
    }
    return nullptr;
}

// ---------------------------------------------------------------------------
// Bytes.

template <size_t Size> void reserve_commit(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = byte_items(Size);
    uint64_t seq = 0, checked = 0;
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                void *span = ring_reserve(r, Size);
                if (!span)
                    return "ring_reserve: no room";
                fill_payload(span, Size, seq++);
                ring_commit(r, Size);
            }
            return nullptr;
        },
        [&] { return drain_bytes<Size>(r, ops, checked); });
}

template <size_t Size> void copy_in(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = byte_items(Size);
    uint64_t seq = 0, checked = 0;
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                Item<Size> item;
                fill_payload(&item, Size, seq++);
                escape(&item);
                if (ring_write(r, &item, Size) != Size)
                    return "ring_write: no room";
            }
            return nullptr;
        },
        [&] { return drain_bytes<Size>(r, ops, checked); });
}

template <size_t Size> void peek_consume(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = byte_items(Size);
    uint64_t seq = 0, written = 0;
    if (const char *why = fill_bytes<Size>(r, ops, written)) {
        fail(state, why);
        return;
    }
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                size_t len;
                const void *span = ring_peek(r, &len);
                if (!span || len < Size || !payload_ok(span, Size, seq++))
                    return "ring_peek: wrong or missing item";
                ring_consume(r, Size);
            }
            return nullptr;
        },
        [&] { return fill_bytes<Size>(r, ops, written); });
}

template <size_t Size> void copy_out(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = byte_items(Size);
    uint64_t seq = 0, written = 0;
    if (const char *why = fill_bytes<Size>(r, ops, written)) {
        fail(state, why);
        return;
    }
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                Item<Size> item;
                if (ring_read(r, &item, Size) != Size)
                    return "ring_read: item missing";
                escape(&item);
                if (!payload_ok(&item, Size, seq++))
                    return "ring_read: wrong payload";
            }
            return nullptr;
        },
        [&] { return fill_bytes<Size>(r, ops, written); });
}

// ---------------------------------------------------------------------------
// Records.

template <size_t Size> void msg_send(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = record_items(Size);
    uint64_t seq = 0, checked = 0;
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                Item<Size> item;
                fill_payload(&item, Size, seq++);
                escape(&item);
                if (ring_msg_send(r, &item, Size) != 0)
                    return "ring_msg_send failed";
            }
            return nullptr;
        },
        [&] { return drain_records<Size>(r, ops, checked); });
}

template <size_t Size> void msg_recv(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = record_items(Size);
    uint64_t seq = 0, written = 0;
    if (const char *why = fill_records<Size>(r, ops, written)) {
        fail(state, why);
        return;
    }
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                Item<Size> item;
                if (ring_msg_recv(r, &item, Size) != Size)
                    return "ring_msg_recv: record missing";
                escape(&item);
                if (!payload_ok(&item, Size, seq++))
                    return "ring_msg_recv: wrong payload";
            }
            return nullptr;
        },
        [&] { return fill_records<Size>(r, ops, written); });
}

template <size_t Size> void msg_reserve_commit(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = record_items(Size);
    uint64_t seq = 0, checked = 0;
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                void *slot = ring_msg_reserve(r, Size);
                if (!slot)
                    return "ring_msg_reserve: no room";
                fill_payload(slot, Size, seq++);
                ring_msg_commit(r, Size);
            }
            return nullptr;
        },
        [&] { return drain_records<Size>(r, ops, checked); });
}

template <size_t Size> void msg_peek_consume(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = record_items(Size);
    uint64_t seq = 0, written = 0;
    if (const char *why = fill_records<Size>(r, ops, written)) {
        fail(state, why);
        return;
    }
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i++) {
                size_t len;
                const void *record = ring_msg_peek(r, &len);
                if (!record || len != Size || !payload_ok(record, Size, seq++))
                    return "ring_msg_peek: wrong or missing record";
                ring_msg_consume(r);
            }
            return nullptr;
        },
        [&] { return fill_records<Size>(r, ops, written); });
}

// ring_msg_sendv, kSendvBatch records per call; the time is per record.
template <size_t Size> void msg_sendv(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const uint64_t ops = record_items(Size) / kSendvBatch * kSendvBatch;
    Item<Size> items[kSendvBatch];
    struct iovec iov[kSendvBatch];
    for (unsigned i = 0; i < kSendvBatch; i++) {
        iov[i].iov_base = &items[i];
        iov[i].iov_len = Size;
    }
    uint64_t seq = 0, checked = 0;
    in_batches(
        state, ops,
        [&]() -> const char * {
            for (uint64_t i = 0; i < ops; i += kSendvBatch) {
                for (unsigned k = 0; k < kSendvBatch; k++)
                    fill_payload(&items[k], Size, seq++);
                escape(items);
                if (ring_msg_sendv(r, iov, kSendvBatch) != kSendvBatch)
                    return "ring_msg_sendv: not all sent";
            }
            return nullptr;
        },
        [&] { return drain_records<Size>(r, ops, checked); });
}

// ---------------------------------------------------------------------------
// Status calls: no payload; each result is checked.

void readable(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const size_t held = 1000;
    unsigned char bytes[held] = {};
    if (ring_write(r, bytes, held) != held) {
        fail(state, "ring_write: no room");
        return;
    }
    for (auto _ : state) {
        size_t n = ring_readable(r);
        if (n != held) {
            fail(state, "ring_readable: wrong count");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void writable(benchmark::State &state)
{
    RingHandle ring(kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const size_t held = 1000;
    unsigned char bytes[held] = {};
    if (ring_write(r, bytes, held) != held) {
        fail(state, "ring_write: no room");
        return;
    }
    for (auto _ : state) {
        size_t n = ring_writable(r);
        if (n != kCapacity - held) {
            fail(state, "ring_writable: wrong count");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

template <size_t Size>
void add_sized(const char *call, void (*fn)(benchmark::State &))
{
    std::string name = std::string("st/") + call + "/" + std::to_string(Size);
    benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime();
}

template <size_t Size> void add_all_calls()
{
    add_sized<Size>("ring_reserve_commit", reserve_commit<Size>);
    add_sized<Size>("ring_write", copy_in<Size>);
    add_sized<Size>("ring_peek_consume", peek_consume<Size>);
    add_sized<Size>("ring_read", copy_out<Size>);
    add_sized<Size>("ring_msg_send", msg_send<Size>);
    add_sized<Size>("ring_msg_recv", msg_recv<Size>);
    add_sized<Size>("ring_msg_reserve_commit", msg_reserve_commit<Size>);
    add_sized<Size>("ring_msg_peek_consume", msg_peek_consume<Size>);
    add_sized<Size>("ring_msg_sendv16", msg_sendv<Size>);
}

} // namespace

void register_single_thread()
{
    add_all_calls<8>();
    add_all_calls<64>();
    benchmark::RegisterBenchmark("st/ring_readable", readable);
    benchmark::RegisterBenchmark("st/ring_writable", writable);
}

} // namespace ringbench
