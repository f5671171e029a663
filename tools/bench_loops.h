/* SPDX-License-Identifier: MIT */
/*
 * bench_loops.h: the four measured loops, written once. Each transport
 * gives its message calls in a static const bench_msg_ops and calls
 * bench_run_phase() from its own run function: the loops inline there and
 * the calls through ops become direct calls (mostly inlined), so no
 * indirect call sits between two messages.
 *
 * Every message is made of the pattern by its sender and checked by its
 * receiver, for every transport alike; the corruption aid (a testing aid)
 * flips one byte after the pattern is written and before it is sent.
 */
#ifndef BENCH_LOOPS_H
#define BENCH_LOOPS_H

#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

struct bench_msg_ops {
    /* Where to write the next message of size bytes (a private buffer,
       or the transport's own memory), or NULL with e->error set. */
    unsigned char *(*send_begin)(struct bench_endpoint *e, size_t size);
    /* Sends the message written there: 0, or -1 with e->error set. */
    int (*send_end)(struct bench_endpoint *e, size_t size);
    /* The next whole message, or NULL with e->error set. */
    const unsigned char *(*recv_begin)(struct bench_endpoint *e, size_t size,
                                       enum bench_wait wait);
    /* Done with the message recv_begin returned. */
    void (*recv_end)(struct bench_endpoint *e, size_t size);
};

/* Explains a wrong byte in outcome->detail; returns -EBADMSG. */
static inline int bench_mismatch(struct bench_outcome *outcome,
                                 const unsigned char *msg, size_t bad,
                                 uint64_t seed, uint64_t pos)
{
    snprintf(outcome->detail, sizeof outcome->detail,
             "byte %" PRIu64 " of the stream is 0x%02x, expected 0x%02x "
             "(lost, duplicated, reordered or corrupted data)",
             pos + bad, msg[bad], bench_pattern_byte(seed, pos + bad));
    return -EBADMSG;
}

/* The receiving call failed: a record of the wrong length is bad data. */
static inline int bench_recv_failed(struct bench_outcome *outcome,
                                    const struct bench_endpoint *e, size_t size,
                                    uint64_t pos)
{
    if (e->error == -EBADMSG)
        snprintf(outcome->detail, sizeof outcome->detail,
                 "a record of %ld bytes arrived at stream byte %" PRIu64
                 " where one of %zu was sent",
                 e->record_len, pos, size);
    return e->error;
}

BENCH_ALWAYS_INLINE void bench_make_message(unsigned char *p, size_t size,
                                            uint64_t seed, uint64_t pos,
                                            uint64_t corrupt_at)
{
    bench_pattern_fill(p, size, seed, pos);
    if (corrupt_at - pos < size)
        p[corrupt_at - pos] ^= 0x20;
}

/* The sender, before message i: past the deadline, i is the last. The
   clock is read every `every` messages (every one in a ping-pong, where
   it is read anyway). */
BENCH_ALWAYS_INLINE int bench_is_last(const struct bench_job *job, uint64_t i,
                                      uint64_t every, uint64_t now)
{
    if (job->deadline_ns == 0 || i % every != 0 || i + 1 >= job->count)
        return 0;
    if ((now ? now : bench_now_ns()) < job->deadline_ns)
        return 0;
    /* Release pairs with the acquire in bench_was_last: the receiver that
       gets message i (through the transport, after this store) sees it. */
    atomic_store_explicit(&job->stop->last, i, memory_order_release);
    return 1;
}

/* The receiver, after message i: was it the sender's last? */
BENCH_ALWAYS_INLINE int bench_was_last(const struct bench_job *job, uint64_t i)
{
    /* Acquire pairs with the release in bench_is_last. */
    return atomic_load_explicit(&job->stop->last, memory_order_acquire) == i;
}

BENCH_ALWAYS_INLINE int bench_produce(const struct bench_msg_ops *ops,
                                      struct bench_endpoint *out,
                                      const struct bench_job *job,
                                      struct bench_outcome *outcome)
{
    const size_t size = job->size;
    uint64_t pos = 0, i;

    for (i = 0; i < job->count; i++, pos += size) {
        int last = bench_is_last(job, i, 256, 0);
        unsigned char *p = ops->send_begin(out, size);

        if (!p)
            return out->error;
        bench_make_message(p, size, job->seed_out, pos, job->corrupt_at);
        if (ops->send_end(out, size))
            return out->error;
        if (last) {
            i++;
            break;
        }
    }
    outcome->messages = i;
    return 0;
}

BENCH_ALWAYS_INLINE int bench_consume(const struct bench_msg_ops *ops,
                                      struct bench_endpoint *in,
                                      const struct bench_job *job,
                                      struct bench_outcome *outcome)
{
    const size_t size = job->size;
    uint64_t pos = 0, i;

    for (i = 0; i < job->count; i++, pos += size) {
        const unsigned char *p = ops->recv_begin(in, size, BENCH_WAIT);
        size_t bad;

        if (!p)
            return bench_recv_failed(outcome, in, size, pos);
        bad = bench_pattern_check(p, size, job->seed_in, pos);
        if (bad < size)
            return bench_mismatch(outcome, p, bad, job->seed_in, pos);
        ops->recv_end(in, size);
        if (bench_was_last(job, i)) {
            i++;
            break;
        }
    }
    outcome->t_end_ns = bench_now_ns();
    outcome->messages = i;
    return 0;
}

/*
 * A round trip runs from the start of making the ping to the moment the
 * whole answer is available to the program; checking the answer comes
 * after the clock stops, and the other side checks the ping after it
 * has sent its answer, so neither check is timed.
 */
BENCH_ALWAYS_INLINE int bench_ping(const struct bench_msg_ops *ops,
                                   struct bench_endpoint *out,
                                   struct bench_endpoint *in,
                                   const struct bench_job *job,
                                   struct bench_outcome *outcome)
{
    const size_t size = job->size;
    uint64_t pos = 0, i;

    for (i = 0; i < job->count; i++, pos += size) {
        uint64_t t0 = bench_now_ns();
        int last = bench_is_last(job, i, 1, t0);
        unsigned char *p = ops->send_begin(out, size);
        const unsigned char *answer;
        size_t bad;

        if (!p)
            return out->error;
        bench_make_message(p, size, job->seed_out, pos, job->corrupt_at);
        if (ops->send_end(out, size))
            return out->error;
        answer = ops->recv_begin(in, size, BENCH_POLL);
        if (!answer)
            return bench_recv_failed(outcome, in, size, pos);
        bench_hist_add(job->hist, bench_now_ns() - t0);
        bad = bench_pattern_check(answer, size, job->seed_in, pos);
        if (bad < size)
            return bench_mismatch(outcome, answer, bad, job->seed_in, pos);
        ops->recv_end(in, size);
        if (last) {
            i++;
            break;
        }
    }
    outcome->messages = i;
    return 0;
}

BENCH_ALWAYS_INLINE int bench_pong(const struct bench_msg_ops *ops,
                                   struct bench_endpoint *out,
                                   struct bench_endpoint *in,
                                   const struct bench_job *job,
                                   struct bench_outcome *outcome)
{
    const size_t size = job->size;
    uint64_t pos = 0, i;

    for (i = 0; i < job->count; i++, pos += size) {
        const unsigned char *ping = ops->recv_begin(in, size, BENCH_POLL);
        unsigned char *p;
        size_t bad;

        if (!ping)
            return bench_recv_failed(outcome, in, size, pos);
        p = ops->send_begin(out, size);
        if (!p)
            return out->error;
        bench_make_message(p, size, job->seed_out, pos, job->corrupt_at);
        if (ops->send_end(out, size))
            return out->error;
        bad = bench_pattern_check(ping, size, job->seed_in, pos);
        if (bad < size)
            return bench_mismatch(outcome, ping, bad, job->seed_in, pos);
        ops->recv_end(in, size);
        if (bench_was_last(job, i)) {
            i++;
            break;
        }
    }
    outcome->messages = i;
    return 0;
}

BENCH_ALWAYS_INLINE int
bench_run_phase(const struct bench_msg_ops *ops, enum bench_phase phase,
                struct bench_endpoint *out, struct bench_endpoint *in,
                const struct bench_job *job, struct bench_outcome *outcome)
{
    switch (phase) {
    case BENCH_PRODUCE:
        return bench_produce(ops, out, job, outcome);
    case BENCH_CONSUME:
        return bench_consume(ops, in, job, outcome);
    case BENCH_PING:
        return bench_ping(ops, out, in, job, outcome);
    case BENCH_PONG:
        return bench_pong(ops, out, in, job, outcome);
    }
    return -EINVAL;
}

#endif /* BENCH_LOOPS_H */
