/* SPDX-License-Identifier: MIT */
/*
 * loops.h: the four measured loops, written once. Each transport gives
 * its message calls in a static const bench_msg_ops and calls
 * bench_run_loops() from its own run function: the loops inline there and
 * the calls through ops become direct calls (mostly inlined), so no
 * indirect call sits between two messages.
 *
 * Every message is made of the pattern by its sender and checked by its
 * receiver, for every transport alike; the corruption aid (a testing aid)
 * flips one byte after the pattern is written and before it is sent.
 */
#ifndef RINGBENCH_LOOPS_H
#define RINGBENCH_LOOPS_H

#include "kit/clock.h"
#include "kit/pattern.h"
#include "ringbench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

/* Each call returns 0 or -errno; -EBADMSG from a receiving call is a
   record of the wrong length (e->record_len says which). */
struct bench_msg_ops {
    /* Sets *msg to where the next message of size bytes goes (a private
       buffer, or the transport's own memory). */
    int (*send_begin)(struct bench_endpoint *e, size_t size,
                      unsigned char **msg);
    /* Sends the message written there. */
    int (*send_end)(struct bench_endpoint *e, size_t size);
    /* Sets *msg to the next whole message. */
    int (*recv_begin)(struct bench_endpoint *e, size_t size,
                      enum bench_wait wait, const unsigned char **msg);
    /* Done with the message recv_begin gave. */
    void (*recv_end)(struct bench_endpoint *e, size_t size);
};

/* send_begin of the transports that send from the end's private buffer. */
static inline int bench_private_buffer(struct bench_endpoint *e, size_t size,
                                       unsigned char **msg)
{
    (void)size;
    *msg = e->buf;
    return 0;
}

/* recv_end of the transports that copy the message out. */
static inline void bench_nothing_to_release(struct bench_endpoint *e,
                                            size_t size)
{
    (void)e;
    (void)size;
}

/* Explains a wrong byte in outcome->detail; returns -EBADMSG. */
static inline int bench_mismatch(struct bench_outcome *outcome,
                                 const unsigned char *msg, size_t bad,
                                 uint64_t key, uint64_t pos)
{
    snprintf(outcome->detail, sizeof outcome->detail,
             "byte %" PRIu64 " of the stream is 0x%02x, expected 0x%02x "
             "(lost, duplicated, reordered or corrupted data)",
             pos + bad, msg[bad], kit_pattern_byte(key, pos + bad));
    return -EBADMSG;
}

/* The receiving call failed with rc: a record of the wrong length is bad
   data, said as such. */
static inline int bench_recv_failed(struct bench_outcome *outcome, int rc,
                                    const struct bench_endpoint *e, size_t size,
                                    uint64_t pos)
{
    if (rc == -EBADMSG)
        snprintf(outcome->detail, sizeof outcome->detail,
                 "a record of %ld bytes arrived at stream byte %" PRIu64
                 " where one of %zu was sent",
                 e->record_len, pos, size);
    return rc;
}

BENCH_ALWAYS_INLINE void bench_make_message(unsigned char *p, size_t size,
                                            uint64_t key, uint64_t pos,
                                            uint64_t corrupt_at)
{
    kit_pattern_fill(p, size, key, pos);
    if (corrupt_at - pos < size)
        p[corrupt_at - pos] ^= 0x20;
}

/* Makes message i (at stream position pos) and sends it. */
BENCH_ALWAYS_INLINE int bench_send_one(const struct bench_msg_ops *ops,
                                       struct bench_endpoint *out,
                                       const struct bench_job *job,
                                       uint64_t pos)
{
    unsigned char *p = NULL;
    int rc = ops->send_begin(out, job->size, &p);

    if (rc)
        return rc;
    bench_make_message(p, job->size, job->key_out, pos, job->corrupt_at);
    return ops->send_end(out, job->size);
}

/* Checks a message received at stream position pos, then lets it go. */
BENCH_ALWAYS_INLINE int bench_check_one(const struct bench_msg_ops *ops,
                                        struct bench_endpoint *in,
                                        const struct bench_job *job,
                                        const unsigned char *msg, uint64_t pos,
                                        struct bench_outcome *outcome)
{
    size_t bad = kit_pattern_check(msg, job->size, job->key_in, pos);

    if (bad < job->size)
        return bench_mismatch(outcome, msg, bad, job->key_in, pos);
    ops->recv_end(in, job->size);
    return 0;
}

/* The sender, before message i: past the deadline, i is the last. The
   clock is read every `every` messages (every one in a ping-pong, where
   it is read anyway). */
BENCH_ALWAYS_INLINE int bench_is_last(const struct bench_job *job, uint64_t i,
                                      uint64_t every, uint64_t now)
{
    if (job->deadline_ns == 0 || i % every != 0 || i + 1 >= job->count)
        return 0;
    if ((now ? now : kit_now_ns()) < job->deadline_ns)
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

/* Each step is one message (or round trip) of a phase: it returns 0 to go
   on, BENCH_LAST after the sender's last message, or -errno. */
#define BENCH_LAST 1

BENCH_ALWAYS_INLINE int
produce_step(const struct bench_msg_ops *ops, struct bench_endpoint *out,
             struct bench_endpoint *in, const struct bench_job *job, uint64_t i,
             uint64_t pos, struct bench_outcome *outcome)
{
    int last = bench_is_last(job, i, 256, 0);
    int rc = bench_send_one(ops, out, job, pos);

    (void)in;
    (void)outcome;
    return rc ? rc : last;
}

BENCH_ALWAYS_INLINE int
consume_step(const struct bench_msg_ops *ops, struct bench_endpoint *out,
             struct bench_endpoint *in, const struct bench_job *job, uint64_t i,
             uint64_t pos, struct bench_outcome *outcome)
{
    const unsigned char *msg = NULL;
    int rc = ops->recv_begin(in, job->size, BENCH_WAIT, &msg);

    (void)out;
    if (rc)
        return bench_recv_failed(outcome, rc, in, job->size, pos);
    rc = bench_check_one(ops, in, job, msg, pos, outcome);
    return rc ? rc : bench_was_last(job, i);
}

/*
 * A round trip runs from the start of making the ping to the moment the
 * whole answer is available to the program; checking the answer comes
 * after the clock stops, and the other side checks the ping after it
 * has sent its answer, so neither check is timed.
 */
BENCH_ALWAYS_INLINE int ping_step(const struct bench_msg_ops *ops,
                                  struct bench_endpoint *out,
                                  struct bench_endpoint *in,
                                  const struct bench_job *job, uint64_t i,
                                  uint64_t pos, struct bench_outcome *outcome)
{
    uint64_t t0 = kit_now_ns();
    int last = bench_is_last(job, i, 1, t0);
    const unsigned char *answer = NULL;
    int rc = bench_send_one(ops, out, job, pos);

    if (rc)
        return rc;
    rc = ops->recv_begin(in, job->size, BENCH_POLL, &answer);
    if (rc)
        return bench_recv_failed(outcome, rc, in, job->size, pos);
    kit_hist_add(job->hist, kit_now_ns() - t0);
    rc = bench_check_one(ops, in, job, answer, pos, outcome);
    return rc ? rc : last;
}

/* The answer is sent before the ping is checked, after the peer's work. */
BENCH_ALWAYS_INLINE int pong_step(const struct bench_msg_ops *ops,
                                  struct bench_endpoint *out,
                                  struct bench_endpoint *in,
                                  const struct bench_job *job, uint64_t i,
                                  uint64_t pos, struct bench_outcome *outcome)
{
    const unsigned char *ping = NULL;
    int rc = ops->recv_begin(in, job->size, BENCH_POLL, &ping);

    if (rc)
        return bench_recv_failed(outcome, rc, in, job->size, pos);
    if (job->work_ns)
        kit_busy_for(job->work_ns);
    rc = bench_send_one(ops, out, job, pos);
    if (rc)
        return rc;
    rc = bench_check_one(ops, in, job, ping, pos, outcome);
    return rc ? rc : bench_was_last(job, i);
}

typedef int bench_step(const struct bench_msg_ops *ops,
                       struct bench_endpoint *out, struct bench_endpoint *in,
                       const struct bench_job *job, uint64_t i, uint64_t pos,
                       struct bench_outcome *outcome);

/* The loop itself, once: the step is a constant at each call below, so
   it inlines and each phase gets a loop of its own. */
BENCH_ALWAYS_INLINE int
bench_loop(const struct bench_msg_ops *ops, struct bench_endpoint *out,
           struct bench_endpoint *in, const struct bench_job *job,
           struct bench_outcome *outcome, bench_step *step)
{
    uint64_t pos = 0, i;

    for (i = 0; i < job->count; i++, pos += job->size) {
        int rc = step(ops, out, in, job, i, pos, outcome);

        if (rc < 0)
            return rc;
        if (rc == BENCH_LAST) {
            i++;
            break;
        }
    }
    outcome->messages = i;
    return 0;
}

BENCH_ALWAYS_INLINE int
bench_run_loops(const struct bench_msg_ops *ops, enum bench_phase phase,
                struct bench_endpoint *out, struct bench_endpoint *in,
                const struct bench_job *job, struct bench_outcome *outcome)
{
    int rc;

    switch (phase) {
    case BENCH_PRODUCE:
        return bench_loop(ops, out, in, job, outcome, produce_step);
    case BENCH_CONSUME:
        rc = bench_loop(ops, out, in, job, outcome, consume_step);
        outcome->t_end_ns = kit_now_ns();
        return rc;
    case BENCH_PING:
        return bench_loop(ops, out, in, job, outcome, ping_step);
    case BENCH_PONG:
        return bench_loop(ops, out, in, job, outcome, pong_step);
    }
    return -EINVAL;
}

#endif /* RINGBENCH_LOOPS_H */
