// SPDX-License-Identifier: MIT
// bench_single.cpp: the cost of each fast-path call on one thread, as a
// program that includes ring.h makes it: the inline calls (st/inline/...;
// single.h says how they are measured).
#include "single.h"

#include <chrono>

namespace ringbench
{

namespace single
{

bool setup_ok(benchmark::State &state, const RingHandle &ring)
{
    if (ring.create_error() == 0)
        return true;
    fail(state,
         std::string("ring_create: ") + std::strerror(-ring.create_error()));
    return false;
}

void in_batches(benchmark::State &state, uint64_t ops,
                const char *(*timed)(void *), const char *(*reset)(void *),
                void *arg)
{
    using Clock = std::chrono::steady_clock;
    while (
        state.KeepRunningBatch(static_cast<benchmark::IterationCount>(ops))) {
        auto start = Clock::now();
        const char *why = timed(arg);
        auto stop = Clock::now();
        if (!why)
            why = reset(arg);
        if (why) {
            fail(state, why);
            return;
        }
        state.SetIterationTime(
            std::chrono::duration<double>(stop - start).count());
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace single

namespace
{

// ring.h's inline calls, as single.h's Api.
struct InlineApi {
    static void *reserve(struct ring *r, size_t len)
    {
        return ring_reserve(r, len);
    }
    static void commit(struct ring *r, size_t len)
    {
        ring_commit(r, len);
    }
    static size_t write(struct ring *r, const void *src, size_t len)
    {
        return ring_write(r, src, len);
    }
    static const void *peek(struct ring *r, size_t *len)
    {
        return ring_peek(r, len);
    }
    static void consume(struct ring *r, size_t len)
    {
        ring_consume(r, len);
    }
    static size_t read(struct ring *r, void *dst, size_t len)
    {
        return ring_read(r, dst, len);
    }
    static size_t readable(struct ring *r)
    {
        return ring_readable(r);
    }
    static size_t writable(struct ring *r)
    {
        return ring_writable(r);
    }
    static int msg_send(struct ring *r, const void *msg, size_t len)
    {
        return ring_msg_send(r, msg, len);
    }
    static ssize_t msg_sendv(struct ring *r, const struct iovec *msgs,
                             size_t count)
    {
        return ring_msg_sendv(r, msgs, count);
    }
    static void *msg_reserve(struct ring *r, size_t len)
    {
        return ring_msg_reserve(r, len);
    }
    static void msg_commit(struct ring *r, size_t len)
    {
        ring_msg_commit(r, len);
    }
    static const void *msg_peek(struct ring *r, size_t *len)
    {
        return ring_msg_peek(r, len);
    }
    static void msg_consume(struct ring *r)
    {
        ring_msg_consume(r);
    }
    static ssize_t msg_recv(struct ring *r, void *buf, size_t size)
    {
        return ring_msg_recv(r, buf, size);
    }
};

} // namespace

void register_single_thread()
{
    single::register_api<InlineApi>("inline");
}

} // namespace ringbench
