/* SPDX-License-Identifier: MIT */
// single.h: the cost of each fast-path call on one thread (st/), its
// payload written or read and checked, for any way of calling the fast
// path: Api is a type whose static functions are the calls (reserve,
// commit, write, peek, consume, read, readable, writable, msg_send,
// msg_sendv, msg_reserve, msg_commit, msg_peek, msg_consume, msg_recv).
// bench_single.cpp runs it on ring.h's inline calls (st/inline/...). A
// call through libring-ffi is ring_bench_ffi's (bench_ffi.cpp), which
// links that library alone, as a foreign program does; an Api over its
// copies would give st/ffi/... for every call here, in a binary of its own
// for the same reason.
//
// On one thread a ring fills up (or runs dry) after a ring's worth of
// calls, so these run in batches: a batch of calls is timed on its own
// (manual time), then the ring is put back untimed: drained, every item
// checked, after the producer calls; filled after the consumer calls. The
// ring is 16 KiB so that it stays in L1: this is the cost of the call, not
// of the memory. The time per iteration is the time per call.
#ifndef RING_BENCH_SINGLE_H
#define RING_BENCH_SINGLE_H

#include "harness.h"
#include "placement.h"
#include "ring_handle.h"

#include <sys/uio.h>

#include <cstring>
#include <string>

namespace ringbench
{

namespace single
{

constexpr size_t kCapacity = 16 * 1024;
// Single-thread calls share no line with another thread: the handle sits
// on a 128-byte boundary.
constexpr Placement kPlace = {Storage::heap, 0};

// ---------------------------------------------------------------------------
// Putting the ring back, untimed, with ring.h's calls: these are not
// measured.

// How many records of size bytes the ring takes at once: the library says
// (ring_msg_reserve refuses the next), no copy of its rounding here.
inline uint64_t records_that_fit(struct ring *r, size_t size)
{
    uint64_t n = 0;
    size_t len;

    while (ring_msg_reserve(r, size)) {
        ring_msg_commit(r, size);
        n++;
    }
    while (ring_msg_peek(r, &len))
        ring_msg_consume(r);
    return n;
}

// Takes count items out, checking each.
inline const char *drain(struct ring *r, bool records, size_t size,
                         uint64_t count, uint64_t key, uint64_t &seq)
{
    size_t len;

    if (!records) {
        const unsigned char *p =
            static_cast<const unsigned char *>(ring_peek(r, &len));
        if (len != count * size)
            return "the ring does not hold what was written";
        for (uint64_t i = 0; i < count; i++)
            if (!payload_ok(p + i * size, size, key, seq++))
                return "wrong payload in the ring";
        ring_consume(r, len);
        return nullptr;
    }
    for (uint64_t i = 0; i < count; i++) {
        const void *p = ring_msg_peek(r, &len);
        if (!p || len != size || !payload_ok(p, size, key, seq++))
            return "wrong or missing record in the ring";
        ring_msg_consume(r);
    }
    if (ring_msg_peek(r, &len))
        return "more records in the ring than were sent";
    return nullptr;
}

// Puts count items in.
inline const char *fill(struct ring *r, bool records, size_t size,
                        uint64_t count, uint64_t key, uint64_t &seq)
{
    if (!records) {
        unsigned char *p =
            static_cast<unsigned char *>(ring_reserve(r, count * size));
        if (!p)
            return "ring_reserve: no room in a drained ring";
        for (uint64_t i = 0; i < count; i++)
            fill_payload(p + i * size, size, key, seq++);
        ring_commit(r, count * size);
        return nullptr;
    }
    for (uint64_t i = 0; i < count; i++) {
        void *p = ring_msg_reserve(r, size);
        if (!p)
            return "ring_msg_reserve: no room in a drained ring";
        fill_payload(p, size, key, seq++);
        ring_msg_commit(r, size);
    }
    return nullptr;
}

// ---------------------------------------------------------------------------
// The calls. Each puts in (producer) or takes out (consumer) kBatch items
// of Size bytes starting at item seq: nullptr, or what went wrong.

template <bool Records, bool Consumer, unsigned Batch = 1> struct Kind {
    static constexpr bool kRecords = Records, kConsumer = Consumer;
    static constexpr unsigned kBatch = Batch;
};

template <size_t Size, class Api> struct ReserveCommit : Kind<false, false> {
    static constexpr const char *kName = "ring_reserve_commit";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        void *span = Api::reserve(r, Size);
        if (!span)
            return "ring_reserve: no room";
        fill_payload(span, Size, key, seq);
        Api::commit(r, Size);
        return nullptr;
    }
};

template <size_t Size, class Api> struct Write : Kind<false, false> {
    static constexpr const char *kName = "ring_write";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        Item<Size> item;
        fill_payload(&item, Size, key, seq);
        escape(&item);
        return Api::write(r, &item, Size) == Size ? nullptr
                                                  : "ring_write: no room";
    }
};

template <size_t Size, class Api> struct PeekConsume : Kind<false, true> {
    static constexpr const char *kName = "ring_peek_consume";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        size_t len;
        const void *span = Api::peek(r, &len);
        if (!span || len < Size || !payload_ok(span, Size, key, seq))
            return "ring_peek: wrong or missing item";
        Api::consume(r, Size);
        return nullptr;
    }
};

template <size_t Size, class Api> struct Read : Kind<false, true> {
    static constexpr const char *kName = "ring_read";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        Item<Size> item;
        if (Api::read(r, &item, Size) != Size)
            return "ring_read: item missing";
        escape(&item);
        return payload_ok(&item, Size, key, seq) ? nullptr
                                                 : "ring_read: wrong payload";
    }
};

template <size_t Size, class Api> struct MsgSend : Kind<true, false> {
    static constexpr const char *kName = "ring_msg_send";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        Item<Size> item;
        fill_payload(&item, Size, key, seq);
        escape(&item);
        return Api::msg_send(r, &item, Size) == 0 ? nullptr
                                                  : "ring_msg_send failed";
    }
};

template <size_t Size, class Api> struct MsgRecv : Kind<true, true> {
    static constexpr const char *kName = "ring_msg_recv";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        Item<Size> item;
        if (Api::msg_recv(r, &item, Size) != Size)
            return "ring_msg_recv: record missing";
        escape(&item);
        return payload_ok(&item, Size, key, seq)
                   ? nullptr
                   : "ring_msg_recv: wrong payload";
    }
};

template <size_t Size, class Api> struct MsgReserveCommit : Kind<true, false> {
    static constexpr const char *kName = "ring_msg_reserve_commit";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        void *slot = Api::msg_reserve(r, Size);
        if (!slot)
            return "ring_msg_reserve: no room";
        fill_payload(slot, Size, key, seq);
        Api::msg_commit(r, Size);
        return nullptr;
    }
};

template <size_t Size, class Api> struct MsgPeekConsume : Kind<true, true> {
    static constexpr const char *kName = "ring_msg_peek_consume";
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        size_t len;
        const void *record = Api::msg_peek(r, &len);
        if (!record || len != Size || !payload_ok(record, Size, key, seq))
            return "ring_msg_peek: wrong or missing record";
        Api::msg_consume(r);
        return nullptr;
    }
};

// ring_msg_sendv, 16 records per call; the time is per record.
template <size_t Size, class Api> struct MsgSendv : Kind<true, false, 16> {
    static constexpr const char *kName = "ring_msg_sendv16";
    MsgSendv()
    {
        for (unsigned k = 0; k < this->kBatch; k++) {
            iov[k].iov_base = &items[k];
            iov[k].iov_len = Size;
        }
    }
    const char *run(struct ring *r, uint64_t key, uint64_t seq)
    {
        for (unsigned k = 0; k < kBatch; k++)
            fill_payload(&items[k], Size, key, seq + k);
        escape(items);
        return Api::msg_sendv(r, iov, kBatch) == kBatch
                   ? nullptr
                   : "ring_msg_sendv: not all sent";
    }
    Item<Size> items[kBatch];
    struct iovec iov[kBatch];
};

// ---------------------------------------------------------------------------
// The driver.

bool setup_ok(benchmark::State &state, const RingHandle &ring);
// Runs timed() (one batch of ops calls; nullptr or what went wrong) and
// reset() (untimed) in turns until the benchmark has its iterations.
void in_batches(benchmark::State &state, uint64_t ops,
                const char *(*timed)(void *), const char *(*reset)(void *),
                void *arg);

// What one benchmark's batches share: the ring, the calls, and where each
// side of the stream is (seq: the timed calls'; other: the resets').
template <class Call> struct Batch {
    struct ring *r;
    uint64_t ops, key, seq, other;
    Call call;
};

template <class Call> const char *timed_calls(void *arg)
{
    Batch<Call> &b = *static_cast<Batch<Call> *>(arg);
    for (uint64_t i = 0; i < b.ops; i += Call::kBatch, b.seq += Call::kBatch)
        if (const char *why = b.call.run(b.r, b.key, b.seq))
            return why;
    return nullptr;
}

template <size_t Size, class Call> const char *put_back(void *arg)
{
    Batch<Call> &b = *static_cast<Batch<Call> *>(arg);
    return Call::kConsumer
               ? fill(b.r, Call::kRecords, Size, b.ops, b.key, b.other)
               : drain(b.r, Call::kRecords, Size, b.ops, b.key, b.other);
}

template <size_t Size, class Call> void each_call(benchmark::State &state)
{
    Arena arena(kPlace);
    RingHandle ring(arena, kCapacity);
    if (!setup_ok(state, ring))
        return;
    Batch<Call> b = {ring.get(), 0, fresh_key(), 0, 0, Call()};
    b.ops = Call::kRecords ? records_that_fit(b.r, Size) : kCapacity / Size;
    b.ops = b.ops / Call::kBatch * Call::kBatch;
    if (Call::kConsumer) {
        if (const char *why = put_back<Size, Call>(&b)) {
            fail(state, why);
            return;
        }
    }
    in_batches(state, b.ops, timed_calls<Call>, put_back<Size, Call>, &b);
}

// The status calls: no payload; each result is checked against a ring
// holding 1000 bytes.
template <class Api, bool Readable> void status_call(benchmark::State &state)
{
    Arena arena(kPlace);
    RingHandle ring(arena, kCapacity);
    if (!setup_ok(state, ring))
        return;
    struct ring *r = ring.get();
    const size_t held = 1000, want = Readable ? held : kCapacity - held;
    unsigned char bytes[held] = {};
    if (ring_write(r, bytes, held) != held) {
        fail(state, "ring_write: no room");
        return;
    }
    for (auto _ : state) {
        if ((Readable ? Api::readable(r) : Api::writable(r)) != want) {
            fail(state, Readable ? "ring_readable: wrong count"
                                 : "ring_writable: wrong count");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

template <class Call>
void add(const std::string &api, void (*fn)(benchmark::State &), size_t size)
{
    std::string name =
        "st/" + api + "/" + Call::kName + "/" + std::to_string(size);
    benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime();
}

template <size_t Size, class Api> void add_sized(const std::string &api)
{
    add<ReserveCommit<Size, Api>>(
        api, each_call<Size, ReserveCommit<Size, Api>>, Size);
    add<Write<Size, Api>>(api, each_call<Size, Write<Size, Api>>, Size);
    add<PeekConsume<Size, Api>>(api, each_call<Size, PeekConsume<Size, Api>>,
                                Size);
    add<Read<Size, Api>>(api, each_call<Size, Read<Size, Api>>, Size);
    add<MsgSend<Size, Api>>(api, each_call<Size, MsgSend<Size, Api>>, Size);
    add<MsgRecv<Size, Api>>(api, each_call<Size, MsgRecv<Size, Api>>, Size);
    add<MsgReserveCommit<Size, Api>>(
        api, each_call<Size, MsgReserveCommit<Size, Api>>, Size);
    add<MsgPeekConsume<Size, Api>>(
        api, each_call<Size, MsgPeekConsume<Size, Api>>, Size);
    add<MsgSendv<Size, Api>>(api, each_call<Size, MsgSendv<Size, Api>>, Size);
}

// Every st/API/... benchmark of one way of calling the fast path.
template <class Api> void register_api(const std::string &api)
{
    add_sized<8, Api>(api);
    add_sized<64, Api>(api);
    benchmark::RegisterBenchmark(("st/" + api + "/ring_readable").c_str(),
                                 status_call<Api, true>);
    benchmark::RegisterBenchmark(("st/" + api + "/ring_writable").c_str(),
                                 status_call<Api, false>);
}

} // namespace single

} // namespace ringbench

#endif
