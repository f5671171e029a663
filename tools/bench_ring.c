// SPDX-License-Identifier: MIT
/*
 * bench_ring.c: the ring as ringbench measures it, four ways: bytes copied
 * in and out (ring_write/ring_read), bytes in place (ring_reserve/
 * ring_commit, ring_peek/ring_consume), records copied (ring_msg_send/
 * ring_msg_recv) and records in place (ring_msg_reserve/ring_msg_commit,
 * ring_msg_peek/ring_msg_consume).
 *
 * The parent creates each ring after the fork and passes its memfd over
 * the control socket; the child maps it with ring_recv_fd + ring_attach
 * only, exactly as an unrelated program would.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "bench_loops.h"

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
    if (rc)
        e->error = rc;
    return rc;
}

/* The consumer's one place to wait for data, the mirror of the above. */
static int wait_readable(struct bench_endpoint *e, size_t len)
{
    int rc;

    do
        rc = ring_wait_readable(&e->ring, len, BENCH_STUCK_MS);
    while (rc == -EINTR);
    if (rc)
        e->error = rc;
    return rc;
}

/* Ping-pong: the receiver busy-polls the fast path; this is one step
   between two tries. It stays a busy poll when the waits above change. */
static int poll_step(struct bench_endpoint *e, struct bench_spin *spin)
{
    int rc = bench_poll(spin, e);

    if (rc == 0 && spin->spins % 1024 == 0)
        rc = ring_error(&e->ring);
    if (rc)
        e->error = rc;
    return rc;
}

/* Waits as the phase says: len bytes readable, or one poll step. */
BENCH_ALWAYS_INLINE int wait_for_data(struct bench_endpoint *e, size_t len,
                                      enum bench_wait wait,
                                      struct bench_spin *spin)
{
    return wait == BENCH_POLL ? poll_step(e, spin) : wait_readable(e, len);
}

/* ---------------------------------------------------------------------- */
/* Setup, the same for all four.                                           */

size_t bench_ring_capacity_for(size_t buffer)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), cap = 1;

    while (cap < buffer || cap < page)
        cap <<= 1;
    return cap;
}

static size_t bytes_max_size(size_t buffer)
{
    return bench_ring_capacity_for(buffer);
}

static size_t records_max_size(size_t buffer)
{
    return bench_ring_capacity_for(buffer) - 2 * RING_MSG_HEADER;
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
    return 0;
}

static void ring_end_close(struct bench_endpoint *e)
{
    if (e->ring_open)
        ring_close(&e->ring);
    e->ring_open = 0;
}

/* ---------------------------------------------------------------------- */
/* ring-copy: ring_write / ring_read.                                      */

static unsigned char *copy_send_begin(struct bench_endpoint *e, size_t size)
{
    (void)size;
    return e->buf;
}

static int copy_send_end(struct bench_endpoint *e, size_t size)
{
    size_t put = 0;

    while ((put += ring_write(&e->ring, e->buf + put, size - put)) < size)
        if (wait_writable(e, size - put))
            return -1;
    return 0;
}

BENCH_ALWAYS_INLINE const unsigned char *
copy_recv_begin(struct bench_endpoint *e, size_t size, enum bench_wait wait)
{
    struct bench_spin spin = {0};
    size_t got = 0;

    while ((got += ring_read(&e->ring, e->buf + got, size - got)) < size)
        if (wait_for_data(e, size - got, wait, &spin))
            return NULL;
    return e->buf;
}

static void nothing_to_release(struct bench_endpoint *e, size_t size)
{
    (void)e;
    (void)size;
}

static const struct bench_msg_ops ring_copy_ops = {
    .send_begin = copy_send_begin,
    .send_end = copy_send_end,
    .recv_begin = copy_recv_begin,
    .recv_end = nothing_to_release,
};

static int ring_copy_run(enum bench_phase phase, struct bench_endpoint *out,
                         struct bench_endpoint *in, const struct bench_job *job,
                         struct bench_outcome *outcome)
{
    return bench_run_phase(&ring_copy_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-zc: ring_reserve + ring_commit / ring_peek + ring_consume.         */

static unsigned char *zc_send_begin(struct bench_endpoint *e, size_t size)
{
    unsigned char *p;

    while (!(p = ring_reserve(&e->ring, size)))
        if (wait_writable(e, size))
            return NULL;
    return p;
}

static int zc_send_end(struct bench_endpoint *e, size_t size)
{
    ring_commit(&e->ring, size);
    return 0;
}

/* One ring_peek gives everything readable: messages are taken from that
   span until it runs short, as a program reading a stream would. */
BENCH_ALWAYS_INLINE const unsigned char *
zc_recv_begin(struct bench_endpoint *e, size_t size, enum bench_wait wait)
{
    struct bench_spin spin = {0};
    const unsigned char *p;
    size_t len;

    if (e->span_len >= size)
        return e->span;
    while (!(p = ring_peek(&e->ring, &len)) || len < size)
        if (wait_for_data(e, size, wait, &spin))
            return NULL;
    e->span = p;
    e->span_len = len;
    return p;
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
    return bench_run_phase(&ring_zc_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-msg: ring_msg_send / ring_msg_recv.                                */

/* Room a record of size bytes needs: itself and the cleared header word
   that follows it (see ring_msg_reserve). */
static size_t record_room(size_t size)
{
    return ring_msg_space_needed(size);
}

static int msg_send_end(struct bench_endpoint *e, size_t size)
{
    int rc;

    while ((rc = ring_msg_send(&e->ring, e->buf, size)) == -EAGAIN)
        if (wait_writable(e, record_room(size)))
            return -1;
    if (rc) {
        e->error = rc;
        return -1;
    }
    return 0;
}

/* A record of the wrong length is bad data, reported as such. */
static void wrong_record(struct bench_endpoint *e, long len)
{
    e->error = -EBADMSG;
    e->record_len = len;
}

BENCH_ALWAYS_INLINE const unsigned char *
msg_recv_begin(struct bench_endpoint *e, size_t size, enum bench_wait wait)
{
    struct bench_spin spin = {0};
    ssize_t n;

    while ((n = ring_msg_recv(&e->ring, e->buf, size)) == -EAGAIN)
        if (wait_for_data(e, RING_MSG_HEADER, wait, &spin))
            return NULL;
    if (n == -EMSGSIZE) {
        size_t len;

        ring_msg_peek(&e->ring, &len);
        wrong_record(e, (long)len);
        return NULL;
    }
    if (n < 0) {
        e->error = (int)n;
        return NULL;
    }
    if ((size_t)n != size) {
        wrong_record(e, (long)n);
        return NULL;
    }
    return e->buf;
}

static const struct bench_msg_ops ring_msg_ops = {
    .send_begin = copy_send_begin,
    .send_end = msg_send_end,
    .recv_begin = msg_recv_begin,
    .recv_end = nothing_to_release,
};

static int ring_msg_run(enum bench_phase phase, struct bench_endpoint *out,
                        struct bench_endpoint *in, const struct bench_job *job,
                        struct bench_outcome *outcome)
{
    return bench_run_phase(&ring_msg_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* ring-msg-zc: ring_msg_reserve + ring_msg_commit / ring_msg_peek +       */
/* ring_msg_consume.                                                       */

static unsigned char *msg_zc_send_begin(struct bench_endpoint *e, size_t size)
{
    unsigned char *p;

    while (!(p = ring_msg_reserve(&e->ring, size)))
        if (wait_writable(e, record_room(size)))
            return NULL;
    return p;
}

static int msg_zc_send_end(struct bench_endpoint *e, size_t size)
{
    ring_msg_commit(&e->ring, size);
    return 0;
}

BENCH_ALWAYS_INLINE const unsigned char *
msg_zc_recv_begin(struct bench_endpoint *e, size_t size, enum bench_wait wait)
{
    struct bench_spin spin = {0};
    const unsigned char *p;
    size_t len;

    while (!(p = ring_msg_peek(&e->ring, &len)))
        if (wait_for_data(e, RING_MSG_HEADER, wait, &spin))
            return NULL;
    if (len != size) {
        wrong_record(e, (long)len);
        return NULL;
    }
    return p;
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
    return bench_run_phase(&ring_msg_zc_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */

const struct bench_transport bench_ring_copy = {
    .name = "ring-copy",
    .calls = "ring_write / ring_read (bytes, copied in and out)",
    .spins = BENCH_WAITS_RING,
    .default_on = 1,
    .max_size = bytes_max_size,
    .create = ring_end_create,
    .join = ring_end_join,
    .close = ring_end_close,
    .run = ring_copy_run,
};

const struct bench_transport bench_ring_zc = {
    .name = "ring-zc",
    .calls = "ring_reserve+commit / ring_peek+consume (bytes, zero-copy)",
    .spins = BENCH_WAITS_RING,
    .default_on = 1,
    .max_size = bytes_max_size,
    .create = ring_end_create,
    .join = ring_end_join,
    .close = ring_end_close,
    .run = ring_zc_run,
};

const struct bench_transport bench_ring_msg = {
    .name = "ring-msg",
    .calls = "ring_msg_send / ring_msg_recv (records, copied)",
    .spins = BENCH_WAITS_RING,
    .default_on = 1,
    .max_size = records_max_size,
    .create = ring_end_create,
    .join = ring_end_join,
    .close = ring_end_close,
    .run = ring_msg_run,
};

const struct bench_transport bench_ring_msg_zc = {
    .name = "ring-msg-zc",
    .calls = "ring_msg_reserve+commit / ring_msg_peek+consume (zero-copy)",
    .spins = BENCH_WAITS_RING,
    .default_on = 0,
    .max_size = records_max_size,
    .create = ring_end_create,
    .join = ring_end_join,
    .close = ring_end_close,
    .run = ring_msg_zc_run,
};
