// SPDX-License-Identifier: MIT
/*
 * transport_ring.c: the ring as ringbench measures it: bytes copied in and
 * out (ring_write/ring_read), bytes in place (ring_reserve/ring_commit,
 * ring_peek/ring_consume), records copied (ring_msg_send/ring_msg_recv)
 * and records in place (ring_msg_reserve/ring_msg_commit,
 * ring_msg_peek/ring_msg_consume). The records copied come three ways,
 * for the cost of waiting: in a ping-pong the receivers busy-poll
 * (ring-msg), wait in ring_wait_readable with the adaptive spin or a
 * fixed one (ring-wait), or always sleep in it (ring-sleep).
 *
 * The parent creates each ring after the fork and passes its memfd over
 * the control socket; the child maps it with ring_recv_fd + ring_attach
 * only, exactly as an unrelated program would.
 */
#define _GNU_SOURCE
#include "loops.h"
#include "ringbench.h"

#include <errno.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Waiting: one helper per side.                                           */

/*
 * The producer's one place to wait for room: the library's own wait,
 * which spins for an adaptive while, then sleeps on the ring's futex until
 * the consumer frees len bytes; -EPIPE when it is gone.
 */
static int wait_writable(struct bench_endpoint *e, size_t len)
{
    int rc;

    do
        rc = ring_wait_writable(&e->ring, len, BENCH_STUCK_MS);
    while (rc == -EINTR);
    return rc;
}

/* The consumer's one place to wait for data, the mirror of the above. */
static int wait_readable(struct bench_endpoint *e, size_t len)
{
    int rc;

    do
        rc = ring_wait_readable(&e->ring, len, BENCH_STUCK_MS);
    while (rc == -EINTR);
    return rc;
}

/* Ping-pong: the receiver busy-polls the fast path; this is one step
   between two tries. It stays a busy poll when the waits above change. */
static int poll_step(struct bench_endpoint *e, struct bench_spin *spin)
{
    int rc = bench_poll(spin, e);

    if (rc == 0 && spin->spins % 1024 == 0)
        rc = ring_error(&e->ring);
    return rc;
}

/* Waits as the phase says: len bytes readable, or one poll step. The
   waiting transports (ring-wait, ring-sleep) wait in a ping-pong too. */
BENCH_ALWAYS_INLINE int wait_for_data(struct bench_endpoint *e, size_t len,
                                      enum bench_wait wait,
                                      struct bench_spin *spin)
{
    if (wait == BENCH_POLL && !e->poll_waits)
        return poll_step(e, spin);
    return wait_readable(e, len);
}

/* ---------------------------------------------------------------------- */
/* Setup, the same for all.                                                */

static size_t bytes_max_size(const struct bench_config *cfg)
{
    return cfg->ring_capacity;
}

static size_t records_max_size(const struct bench_config *cfg)
{
    return cfg->ring_msg_max;
}

static unsigned role_of(enum bench_end end)
{
    return end == BENCH_SENDER ? RING_PRODUCER : RING_CONSUMER;
}

static int ring_end_create(struct bench_endpoint *e, enum bench_end end,
                           int ctl, const struct bench_config *cfg, size_t size)
{
    int rc;

    (void)size;
    rc = ring_create(&e->ring, cfg->buffer, role_of(end));
    if (rc)
        return rc;
    e->ring_open = 1;
    e->capacity = ring_capacity(&e->ring);
    if (e->poll_waits && (rc = ring_set_spin(&e->ring, e->spin_ns)))
        return rc;
    return ring_send_fd(ctl, ring_fd(&e->ring));
}

static int ring_end_join(struct bench_endpoint *e, enum bench_end end, int ctl,
                         const struct bench_config *cfg, size_t size)
{
    int fd = ring_recv_fd(ctl), rc;

    (void)cfg;
    (void)size;
    if (fd < 0)
        return fd;
    rc = ring_attach(&e->ring, fd, role_of(end));
    close(fd); /* the handle holds its own duplicate */
    if (rc)
        return rc;
    e->ring_open = 1;
    e->capacity = ring_capacity(&e->ring);
    return e->poll_waits ? ring_set_spin(&e->ring, e->spin_ns) : 0;
}

static void ring_end_close(struct bench_endpoint *e)
{
    if (e->ring_open)
        ring_close(&e->ring);
    e->ring_open = 0;
}

/* ---------------------------------------------------------------------- */
/* ring-copy: ring_write / ring_read.                                      */

static int copy_send_end(struct bench_endpoint *e, size_t size)
{
    size_t put = 0;
    int rc;

    while ((put += ring_write(&e->ring, e->buf + put, size - put)) < size)
        if ((rc = wait_writable(e, size - put)))
            return rc;
    return 0;
}

BENCH_ALWAYS_INLINE int copy_recv_begin(struct bench_endpoint *e, size_t size,
                                        enum bench_wait wait,
                                        const unsigned char **msg)
{
    struct bench_spin spin = {0};
    size_t got = 0;
    int rc;

    while ((got += ring_read(&e->ring, e->buf + got, size - got)) < size)
        if ((rc = wait_for_data(e, size - got, wait, &spin)))
            return rc;
    *msg = e->buf;
    return 0;
}

static const struct bench_msg_ops ring_copy_ops = {
    .send_begin = bench_private_buffer,
    .send_end = copy_send_end,
    .recv_begin = copy_recv_begin,
    .recv_end = bench_nothing_to_release,
};

static int ring_copy_run(enum bench_phase phase, struct bench_endpoint *out,
                         struct bench_endpoint *in, const struct bench_job *job,
                         struct bench_outcome *outcome)
{
    return bench_run_loops(&ring_copy_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-zc: ring_reserve + ring_commit / ring_peek + ring_consume.         */

static int zc_send_begin(struct bench_endpoint *e, size_t size,
                         unsigned char **msg)
{
    int rc;

    while (!(*msg = ring_reserve(&e->ring, size)))
        if ((rc = wait_writable(e, size)))
            return rc;
    return 0;
}

static int zc_send_end(struct bench_endpoint *e, size_t size)
{
    ring_commit(&e->ring, size);
    return 0;
}

/* One ring_peek gives everything readable: messages are taken from that
   span until it runs short, as a program reading a stream would. */
BENCH_ALWAYS_INLINE int zc_recv_begin(struct bench_endpoint *e, size_t size,
                                      enum bench_wait wait,
                                      const unsigned char **msg)
{
    struct bench_spin spin = {0};
    const unsigned char *p;
    size_t len;
    int rc;

    if (e->span_len < size) {
        while (!(p = ring_peek(&e->ring, &len)) || len < size)
            if ((rc = wait_for_data(e, size, wait, &spin)))
                return rc;
        e->span = p;
        e->span_len = len;
    }
    *msg = e->span;
    return 0;
}

static void zc_recv_end(struct bench_endpoint *e, size_t size)
{
    ring_consume(&e->ring, size);
    e->span += size;
    e->span_len -= size;
}

static const struct bench_msg_ops ring_zc_ops = {
    .send_begin = zc_send_begin,
    .send_end = zc_send_end,
    .recv_begin = zc_recv_begin,
    .recv_end = zc_recv_end,
};

static int ring_zc_run(enum bench_phase phase, struct bench_endpoint *out,
                       struct bench_endpoint *in, const struct bench_job *job,
                       struct bench_outcome *outcome)
{
    return bench_run_loops(&ring_zc_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-msg, ring-wait, ring-sleep: ring_msg_send / ring_msg_recv.         */

static int msg_send_end(struct bench_endpoint *e, size_t size)
{
    int rc;

    /* A record of size bytes needs ring_msg_space_needed(size) bytes. */
    while ((rc = ring_msg_send(&e->ring, e->buf, size)) == -EAGAIN)
        if ((rc = wait_writable(e, ring_msg_space_needed(size))))
            return rc;
    return rc;
}

/* A record of the wrong length is bad data, reported as such. */
static int wrong_record(struct bench_endpoint *e, long len)
{
    e->record_len = len;
    return -EBADMSG;
}

BENCH_ALWAYS_INLINE int msg_recv_begin(struct bench_endpoint *e, size_t size,
                                       enum bench_wait wait,
                                       const unsigned char **msg)
{
    struct bench_spin spin = {0};
    ssize_t n;
    int rc;

    while ((n = ring_msg_recv(&e->ring, e->buf, size)) == -EAGAIN)
        if ((rc = wait_for_data(e, RING_MSG_HEADER, wait, &spin)))
            return rc;
    if (n == -EMSGSIZE) {
        size_t len;

        ring_msg_peek(&e->ring, &len);
        return wrong_record(e, (long)len);
    }
    if (n < 0)
        return (int)n;
    if ((size_t)n != size)
        return wrong_record(e, (long)n);
    *msg = e->buf;
    return 0;
}

static const struct bench_msg_ops ring_msg_ops = {
    .send_begin = bench_private_buffer,
    .send_end = msg_send_end,
    .recv_begin = msg_recv_begin,
    .recv_end = bench_nothing_to_release,
};

static int ring_msg_run(enum bench_phase phase, struct bench_endpoint *out,
                        struct bench_endpoint *in, const struct bench_job *job,
                        struct bench_outcome *outcome)
{
    return bench_run_loops(&ring_msg_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-msg-zc: ring_msg_reserve + ring_msg_commit / ring_msg_peek +       */
/* ring_msg_consume.                                                       */

static int msg_zc_send_begin(struct bench_endpoint *e, size_t size,
                             unsigned char **msg)
{
    int rc;

    while (!(*msg = ring_msg_reserve(&e->ring, size)))
        if ((rc = wait_writable(e, ring_msg_space_needed(size))))
            return rc;
    return 0;
}

static int msg_zc_send_end(struct bench_endpoint *e, size_t size)
{
    ring_msg_commit(&e->ring, size);
    return 0;
}

BENCH_ALWAYS_INLINE int msg_zc_recv_begin(struct bench_endpoint *e, size_t size,
                                          enum bench_wait wait,
                                          const unsigned char **msg)
{
    struct bench_spin spin = {0};
    const unsigned char *p;
    size_t len;
    int rc;

    while (!(p = ring_msg_peek(&e->ring, &len)))
        if ((rc = wait_for_data(e, RING_MSG_HEADER, wait, &spin)))
            return rc;
    if (len != size)
        return wrong_record(e, (long)len);
    *msg = p;
    return 0;
}

static void msg_zc_recv_end(struct bench_endpoint *e, size_t size)
{
    (void)size;
    ring_msg_consume(&e->ring);
}

static const struct bench_msg_ops ring_msg_zc_ops = {
    .send_begin = msg_zc_send_begin,
    .send_end = msg_zc_send_end,
    .recv_begin = msg_zc_recv_begin,
    .recv_end = msg_zc_recv_end,
};

static int ring_msg_zc_run(enum bench_phase phase, struct bench_endpoint *out,
                           struct bench_endpoint *in,
                           const struct bench_job *job,
                           struct bench_outcome *outcome)
{
    return bench_run_loops(&ring_msg_zc_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */

/* The ring's transports differ in their calls, their default, how the
   ping-pong waits and the largest message; they share the endpoints. */
#define RING_TRANSPORT(var, label, legend, on, waits, max, runner)             \
    const struct bench_transport var = {                                       \
        .name = label,                                                         \
        .calls = legend,                                                       \
        .spins = BENCH_WAITS_RING,                                             \
        .default_on = on,                                                      \
        .ping_waits = waits,                                                   \
        .max_size = max,                                                       \
        .create = ring_end_create,                                             \
        .join = ring_end_join,                                                 \
        .close = ring_end_close,                                               \
        .run = runner,                                                         \
    }

RING_TRANSPORT(bench_ring_copy, "ring-copy",
               "ring_write / ring_read (bytes, copied in and out)", 1,
               BENCH_PING_POLLS, bytes_max_size, ring_copy_run);
RING_TRANSPORT(bench_ring_zc, "ring-zc",
               "ring_reserve+commit / ring_peek+consume (bytes, zero-copy)", 1,
               BENCH_PING_POLLS, bytes_max_size, ring_zc_run);
RING_TRANSPORT(bench_ring_msg, "ring-msg",
               "ring_msg_send / ring_msg_recv (records, copied)", 1,
               BENCH_PING_POLLS, records_max_size, ring_msg_run);
RING_TRANSPORT(bench_ring_msg_zc, "ring-msg-zc",
               "ring_msg_reserve+commit / ring_msg_peek+consume (zero-copy)", 0,
               BENCH_PING_POLLS, records_max_size, ring_msg_zc_run);
RING_TRANSPORT(bench_ring_wait, "ring-wait",
               "ring-msg whose ping-pong waits in ring_wait_readable "
               "(--spin-ns)",
               0, BENCH_PING_SPINS, records_max_size, ring_msg_run);
RING_TRANSPORT(bench_ring_sleep, "ring-sleep",
               "ring-msg whose waits never spin: they sleep on the futex", 0,
               BENCH_PING_SLEEPS, records_max_size, ring_msg_run);
