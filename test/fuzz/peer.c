// SPDX-License-Identifier: MIT
/* peer.c: the calls, the hostile peer and the reference FIFO (peer.h). The
   checks read the state of the handle's sides (live, error)
   directly: ring_error() reports only the roles a handle holds, and the
   harness must know each side's state on its own. */
#define _GNU_SOURCE
#include "peer.h"
#include "ring_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum side { SIDE_PRODUCER, SIDE_CONSUMER, SIDE_NONE };

/* Which runs may use a call. */
#define FOR_BYTES    1u /* the reference FIFO carries bytes */
#define FOR_RECORDS  2u /* ...or records */
#define FOR_BOTH     (FOR_BYTES | FOR_RECORDS)
#define FOR_HOSTILE  4u /* only with the hostile peer */
#define FOR_REATTACH 8u /* needs the memfd and two handles */

struct peer_call {
    const char *name;
    enum side side;
    unsigned runs;
    void (*run)(struct peer_fuzz *f, struct fuzz_input *in, struct ring *h);
};

/* ---------------------------------------------------------------------- */
/* Content of the streams: a function of the position, so that a byte      */
/* delivered from the wrong place or the wrong lap is seen.               */

static uint8_t stream_byte(uint64_t pos)
{
    uint64_t x = (pos + 1) * UINT64_C(0x9e3779b97f4a7c15);

    x ^= x >> 29;
    return (uint8_t)(x * UINT64_C(0xbf58476d1ce4e5b9) >> 56);
}

static uint8_t record_byte(uint64_t seq, uint64_t i)
{
    return stream_byte(seq * UINT64_C(0x100000001) + i);
}

static void fill_stream(unsigned char *dst, size_t len, uint64_t pos)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = stream_byte(pos + i);
}

static void check_stream(const unsigned char *src, size_t len, uint64_t pos,
                         const char *what)
{
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(src[i] == stream_byte(pos + i),
                   "%s: byte %zu of %zu (stream position %llu) is wrong", what,
                   i, len, (unsigned long long)(pos + i));
}

static void fill_record(unsigned char *dst, size_t len, uint64_t seq)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = record_byte(seq, i);
}

static void check_record(const unsigned char *src, size_t len, uint64_t seq,
                         const char *what)
{
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(src[i] == record_byte(seq, i),
                   "%s: byte %zu of record %llu is wrong", what, i,
                   (unsigned long long)seq);
}

/* ---------------------------------------------------------------------- */
/* What the checks look at.                                                */

static uint64_t free_bytes(const struct peer_fuzz *f)
{
    return f->capacity - (f->tail - f->head);
}

static uint64_t msg_max(const struct peer_fuzz *f)
{
    return f->capacity - 2 * RING_MSG_HEADER;
}

/* Does a record of len fit now, by the reference FIFO? */
static int record_fits(const struct peer_fuzz *f, uint64_t used, size_t len)
{
    return len <= msg_max(f) &&
           ringi_msg_stride(len) + RING_MSG_HEADER <= f->capacity - used;
}

/* A side's error as its calls report it: 0 while live. */
static int side_error(const RING_ATOMIC(unsigned) *live,
                      const RING_ATOMIC(int) *error)
{
    int rc = ringi_load_int(error);

    return ringi_live(live) ? 0 : rc ? rc : -EBADF;
}

static int producer_error_of(const struct ring *h)
{
    return side_error(&h->producer.live, &h->producer.error);
}

static int consumer_error_of(const struct ring *h)
{
    return side_error(&h->consumer.live, &h->consumer.error);
}

static int producer_dead(const struct ring *h)
{
    return producer_error_of(h) != 0;
}

static int consumer_dead(const struct ring *h)
{
    return consumer_error_of(h) != 0;
}

/* A span a call returned lies inside that handle's own mapping. */
static void check_span(const struct ring *h, const void *p, uint64_t len,
                       const char *what)
{
    const unsigned char *s = p;

    if (!p)
        return;
    FUZZ_CHECK(h->setup.data != NULL, "%s: a span from a closed handle", what);
    FUZZ_CHECK(s >= h->setup.data && len <= 2 * h->setup.capacity &&
                   (uint64_t)(s - h->setup.data) <= 2 * h->setup.capacity - len,
               "%s: span at data%+td, %llu bytes, outside the mapping of "
               "2 x %llu",
               what, s - h->setup.data, (unsigned long long)len,
               (unsigned long long)h->setup.capacity);
}

/* Reads every byte of a span: it must be mapped. */
static unsigned touch(const void *p, size_t len)
{
    const volatile unsigned char *s = p;
    unsigned sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += s[i];
    return sum;
}

static struct ring_control *shared_control(const struct peer_fuzz *f)
{
    return (struct ring_control *)(void *)f->shared;
}

static uint64_t shared_tail(const struct peer_fuzz *f)
{
    return atomic_load_explicit(&shared_control(f)->tail, memory_order_relaxed);
}

static uint64_t shared_head(const struct peer_fuzz *f)
{
    return atomic_load_explicit(&shared_control(f)->head, memory_order_relaxed);
}

static void *alloc_exact(size_t len)
{
    /* Exactly len bytes: a copy past the end is caught by the sanitizer. */
    void *p = malloc(len ? len : 1);

    FUZZ_CHECK(p != NULL, "out of memory");
    return p;
}

/* A length for a call that copies: up to a little more than the ring.
   how picks the kind of length; the next bytes give its value. */
static size_t copy_len(struct fuzz_input *in, uint64_t capacity, uint8_t how)
{
    switch (how % 6) {
    case 0:
        return 0;
    case 1:
        return 1 + fuzz_u8(in) % 16;
    case 2:
        return fuzz_u16(in) % (capacity + 1);
    case 3:
        return (size_t)capacity - fuzz_u8(in) % 32;
    case 4:
        return (size_t)capacity + 1 + fuzz_u8(in) % 32;
    default:
        return fuzz_u16(in) % 512;
    }
}

static size_t pick_copy_len(struct fuzz_input *in, uint64_t capacity)
{
    return copy_len(in, capacity, fuzz_u8(in));
}

/* A length for a call that only reserves: anything at all. */
static size_t pick_len(struct fuzz_input *in, uint64_t capacity)
{
    uint8_t how = fuzz_u8(in);

    if (how % 8 == 6)
        return SIZE_MAX - fuzz_u8(in);
    if (how % 8 == 7)
        return (size_t)fuzz_u64(in);
    return copy_len(in, capacity, how % 8);
}

/* ---------------------------------------------------------------------- */
/* Producer: bytes.                                                        */

static void call_reserve(struct peer_fuzz *f, struct fuzz_input *in,
                         struct ring *h)
{
    size_t len = pick_len(in, f->capacity);
    int dead = producer_dead(h);
    unsigned char *p = ring_reserve(h, len);

    check_span(h, p, len, "ring_reserve");
    FUZZ_CHECK(!dead || !p, "a failed producer reserved %zu", len);
    if (dead)
        return;
    if (!f->hostile)
        FUZZ_CHECK((p != NULL) == (len <= free_bytes(f)),
                   "ring_reserve(%zu) with %llu free gave %p", len,
                   (unsigned long long)free_bytes(f), (void *)p);
    if (!p)
        return;
    fill_stream(p, len, f->tail);
    f->reserved = len;
    f->reserved_live = 1;
}

static void call_commit(struct peer_fuzz *f, struct fuzz_input *in,
                        struct ring *h)
{
    uint64_t len;

    switch (fuzz_u8(in) % 4) {
    case 0:
        len = f->reserved;
        break;
    case 1:
        len = fuzz_u16(in) % (f->reserved + 1);
        break;
    case 2:
        len = f->reserved + 1 + fuzz_u8(in);
        break;
    default:
        len = fuzz_u16(in) % (f->capacity + 1);
        break;
    }
    /* The FIFO cannot know what a stale reservation would publish: such
       commits are only made when they must be refused. */
    if (!f->hostile && !f->reserved_live && len && len <= f->reserved)
        len = f->reserved + 1;
    ring_commit(h, (size_t)len);
    if (producer_dead(h) || len > f->reserved)
        return;
    f->tail += len;
    f->reserved = 0;
    f->reserved_live = 0;
}

static void call_write(struct peer_fuzz *f, struct fuzz_input *in,
                       struct ring *h)
{
    size_t len = pick_copy_len(in, f->capacity), n;
    unsigned char *src = alloc_exact(len);
    int dead = producer_dead(h);
    uint64_t room = free_bytes(f);

    fill_stream(src, len, f->tail);
    n = ring_write(h, src, len);
    free(src);
    FUZZ_CHECK(n <= len && n <= f->capacity, "ring_write(%zu) wrote %zu", len,
               n);
    FUZZ_CHECK(!dead || n == 0, "a failed producer wrote %zu", n);
    if (dead)
        return;
    if (!f->hostile)
        FUZZ_CHECK(n == (len < room ? len : room),
                   "ring_write(%zu) with %llu free wrote %zu", len,
                   (unsigned long long)room, n);
    f->tail += n;
    if (n) {
        f->reserved_live = 0;
        f->msg_reserved_live = 0;
    }
}

static void call_writable(struct peer_fuzz *f, struct fuzz_input *in,
                          struct ring *h)
{
    int dead = producer_dead(h);
    size_t n = ring_writable(h);

    (void)in;
    FUZZ_CHECK(n <= f->capacity, "ring_writable %zu", n);
    FUZZ_CHECK(!dead || n == 0, "a failed producer has %zu writable", n);
    if (!dead && !f->hostile)
        FUZZ_CHECK(n == free_bytes(f), "ring_writable %zu, not %llu", n,
                   (unsigned long long)free_bytes(f));
}

/* ---------------------------------------------------------------------- */
/* Consumer: bytes.                                                        */

static void call_peek(struct peer_fuzz *f, struct fuzz_input *in,
                      struct ring *h)
{
    int dead = consumer_dead(h);
    size_t len = 12345;
    const unsigned char *p = ring_peek(h, &len);

    (void)in;
    check_span(h, p, len, "ring_peek");
    FUZZ_CHECK(len <= f->capacity, "ring_peek: %zu bytes", len);
    FUZZ_CHECK((p == NULL) == (len == 0), "ring_peek: %p and %zu",
               (const void *)p, len);
    FUZZ_CHECK(!dead || !p, "a failed consumer peeked %zu", len);
    touch(p, len);
    if (dead || f->hostile)
        return;
    FUZZ_CHECK(len == f->tail - f->head, "ring_peek: %zu bytes, not %llu", len,
               (unsigned long long)(f->tail - f->head));
    check_stream(p, len, f->head, "ring_peek");
    f->tail_known = f->tail;
}

static void call_consume(struct peer_fuzz *f, struct fuzz_input *in,
                         struct ring *h)
{
    uint64_t known = f->tail_known - f->head, len;

    switch (fuzz_u8(in) % 4) {
    case 0:
        len = known;
        break;
    case 1:
        len = fuzz_u16(in) % (known + 1);
        break;
    case 2:
        len = known + 1 + fuzz_u8(in);
        break;
    default:
        len = fuzz_u16(in) % (f->capacity + 1);
        break;
    }
    ring_consume(h, (size_t)len);
    if (consumer_dead(h) || len == 0 || len > known)
        return;
    f->head += len;
}

static void call_read(struct peer_fuzz *f, struct fuzz_input *in,
                      struct ring *h)
{
    size_t len = pick_copy_len(in, f->capacity), n;
    unsigned char *dst = alloc_exact(len);
    int dead = consumer_dead(h);
    uint64_t expect;

    n = ring_read(h, dst, len);
    FUZZ_CHECK(n <= len && n <= f->capacity, "ring_read(%zu) read %zu", len, n);
    FUZZ_CHECK(!dead || n == 0, "a failed consumer read %zu", n);
    if (!dead && !f->hostile) {
        /* The consumer looks at tail again only when its cache is short. */
        if (len > f->tail_known - f->head)
            f->tail_known = f->tail;
        expect = f->tail_known - f->head;
        if (len < expect)
            expect = len;
        FUZZ_CHECK(n == expect, "ring_read(%zu) read %zu, not %llu", len, n,
                   (unsigned long long)expect);
        check_stream(dst, n, f->head, "ring_read");
        f->head += n;
    }
    free(dst);
}

static void call_readable(struct peer_fuzz *f, struct fuzz_input *in,
                          struct ring *h)
{
    int dead = consumer_dead(h);
    size_t n = ring_readable(h);

    (void)in;
    FUZZ_CHECK(n <= f->capacity, "ring_readable %zu", n);
    FUZZ_CHECK(!dead || n == 0, "a failed consumer has %zu readable", n);
    if (dead || f->hostile)
        return;
    FUZZ_CHECK(n == f->tail - f->head, "ring_readable %zu, not %llu", n,
               (unsigned long long)(f->tail - f->head));
    f->tail_known = f->tail;
}

/* ---------------------------------------------------------------------- */
/* Records.                                                                */

static void push_record(struct peer_fuzz *f, size_t len)
{
    size_t at = (f->queue_head + f->queue_count) % f->queue_size;

    FUZZ_CHECK(f->queue_count < f->queue_size, "record queue overflow");
    f->record_len[at] = (uint32_t)len;
    f->record_seq[at] = f->next_seq++;
    f->queue_count++;
    f->tail += ringi_msg_stride(len);
}

static void pop_record(struct peer_fuzz *f)
{
    f->head += ringi_msg_stride(f->record_len[f->queue_head]);
    f->queue_head = (f->queue_head + 1) % f->queue_size;
    f->queue_count--;
    f->peeked = 0;
}

static void call_msg_reserve(struct peer_fuzz *f, struct fuzz_input *in,
                             struct ring *h)
{
    size_t len = pick_len(in, f->capacity);
    int dead = producer_dead(h);
    unsigned char *p = ring_msg_reserve(h, len);

    check_span(h, p, len, "ring_msg_reserve");
    FUZZ_CHECK(!dead || !p, "a failed producer reserved a record");
    if (dead)
        return;
    if (!f->hostile)
        FUZZ_CHECK((p != NULL) == record_fits(f, f->tail - f->head, len),
                   "ring_msg_reserve(%zu) with %llu free gave %p", len,
                   (unsigned long long)free_bytes(f), (void *)p);
    if (!p)
        return;
    fill_record(p, len, f->next_seq);
    f->msg_reserved = (uint64_t)len + 1;
    f->msg_reserved_live = 1;
}

static void call_msg_commit(struct peer_fuzz *f, struct fuzz_input *in,
                            struct ring *h)
{
    uint64_t reserved = f->msg_reserved, len;

    switch (fuzz_u8(in) % 4) {
    case 0:
        len = reserved ? reserved - 1 : 0;
        break;
    case 1:
        len = reserved ? fuzz_u16(in) % reserved : 0;
        break;
    case 2:
        len = reserved + fuzz_u8(in);
        break;
    default:
        len = fuzz_u16(in) % (f->capacity + 1);
        break;
    }
    if (!f->hostile && !f->msg_reserved_live && len < reserved)
        len = reserved;
    ring_msg_commit(h, (size_t)len);
    if (producer_dead(h) || len >= reserved)
        return;
    f->msg_reserved = 0;
    f->msg_reserved_live = 0;
    if (!f->hostile)
        push_record(f, (size_t)len);
}

/* The return of ring_msg_send for a record of len, by the FIFO. */
static int send_result(const struct peer_fuzz *f, size_t len)
{
    if (len > msg_max(f))
        return -EMSGSIZE;
    return record_fits(f, f->tail - f->head, len) ? 0 : -EAGAIN;
}

static int send_result_ok(int rc)
{
    return rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE || rc == -EINVAL ||
           rc == -EPROTO;
}

static void call_msg_send(struct peer_fuzz *f, struct fuzz_input *in,
                          struct ring *h)
{
    size_t len = pick_copy_len(in, f->capacity);
    unsigned char *msg = alloc_exact(len);
    int dead = producer_dead(h), rc, expect = send_result(f, len);

    fill_record(msg, len, f->next_seq);
    rc = ring_msg_send(h, msg, len);
    free(msg);
    if (dead) {
        FUZZ_CHECK(rc == producer_error_of(h),
                   "a failed producer's ring_msg_send gave %d", rc);
        return;
    }
    FUZZ_CHECK(send_result_ok(rc), "ring_msg_send gave %d", rc);
    FUZZ_CHECK(rc != -EPROTO || producer_error_of(h) == -EPROTO,
               "-EPROTO from a working producer");
    if (f->hostile)
        return;
    FUZZ_CHECK(rc == expect, "ring_msg_send(%zu) gave %d, not %d", len, rc,
               expect);
    if (rc == 0) {
        push_record(f, len);
        f->msg_reserved = 0;
        f->msg_reserved_live = 0;
        f->reserved_live = 0;
    }
}

static void call_msg_sendv(struct peer_fuzz *f, struct fuzz_input *in,
                           struct ring *h)
{
    struct iovec msgs[4];
    size_t count = fuzz_u8(in) % 5, fit = 0;
    int dead = producer_dead(h);
    uint64_t used = f->tail - f->head, seq = f->next_seq;
    ssize_t rc;

    for (size_t i = 0; i < count; i++) {
        size_t len = pick_copy_len(in, f->capacity);

        msgs[i].iov_base = alloc_exact(len);
        msgs[i].iov_len = len;
        fill_record(msgs[i].iov_base, len, seq + i);
    }
    /* By the FIFO: records go in order while they fit. */
    for (; fit < count && record_fits(f, used, msgs[fit].iov_len); fit++)
        used += ringi_msg_stride(msgs[fit].iov_len);

    rc = ring_msg_sendv(h, msgs, count);
    if (dead) {
        FUZZ_CHECK(rc == (count ? producer_error_of(h) : 0),
                   "a failed producer's ring_msg_sendv gave %zd", rc);
    } else {
        FUZZ_CHECK(rc <= (ssize_t)count, "ring_msg_sendv of %zu sent %zd",
                   count, rc);
        FUZZ_CHECK(rc > 0 || rc == 0 || send_result_ok((int)rc),
                   "ring_msg_sendv gave %zd", rc);
        FUZZ_CHECK(rc != 0 || count == 0, "ring_msg_sendv gave 0");
        if (!f->hostile) {
            ssize_t expect = fit     ? (ssize_t)fit
                             : count ? send_result(f, msgs[0].iov_len)
                                     : 0;

            FUZZ_CHECK(rc == expect, "ring_msg_sendv gave %zd, not %zd", rc,
                       expect);
            for (ssize_t i = 0; i < rc; i++)
                push_record(f, msgs[i].iov_len);
            if (rc > 0) {
                f->msg_reserved = 0;
                f->msg_reserved_live = 0;
                f->reserved_live = 0;
            }
        }
    }
    for (size_t i = 0; i < count; i++)
        free(msgs[i].iov_base);
}

static void call_msg_peek(struct peer_fuzz *f, struct fuzz_input *in,
                          struct ring *h)
{
    int dead = consumer_dead(h);
    size_t len = 12345;
    const unsigned char *p = ring_msg_peek(h, &len);

    (void)in;
    check_span(h, p, len, "ring_msg_peek");
    FUZZ_CHECK(len <= msg_max(f), "ring_msg_peek: %zu bytes", len);
    FUZZ_CHECK(p != NULL || len == 0, "ring_msg_peek: NULL and %zu", len);
    FUZZ_CHECK(!dead || !p, "a failed consumer peeked a record");
    touch(p, len);
    if (dead || f->hostile)
        return;
    if (f->queue_count == 0) {
        FUZZ_CHECK(p == NULL, "ring_msg_peek: a record in an empty ring");
        return;
    }
    FUZZ_CHECK(p != NULL, "ring_msg_peek: no record, %zu waiting",
               f->queue_count);
    FUZZ_CHECK(len == f->record_len[f->queue_head],
               "ring_msg_peek: %zu bytes, not %u", len,
               f->record_len[f->queue_head]);
    check_record(p, len, f->record_seq[f->queue_head], "ring_msg_peek");
    f->peeked = 1;
}

static void call_msg_consume(struct peer_fuzz *f, struct fuzz_input *in,
                             struct ring *h)
{
    (void)in;
    ring_msg_consume(h);
    if (!consumer_dead(h) && f->peeked)
        pop_record(f);
}

static void call_msg_recv(struct peer_fuzz *f, struct fuzz_input *in,
                          struct ring *h)
{
    size_t next = f->queue_count ? f->record_len[f->queue_head] : 0, size;
    int dead = consumer_dead(h);
    unsigned char *buf;
    ssize_t rc;

    switch (fuzz_u8(in) % 4) {
    case 0:
        size = (size_t)f->capacity;
        break;
    case 1:
        size = next;
        break;
    case 2:
        size = next ? next - 1 : 0;
        break;
    default:
        size = fuzz_u16(in) % (f->capacity + 1);
        break;
    }
    buf = alloc_exact(size);
    rc = ring_msg_recv(h, buf, size);
    if (dead) {
        FUZZ_CHECK(rc == consumer_error_of(h),
                   "a failed consumer's ring_msg_recv gave %zd", rc);
    } else {
        FUZZ_CHECK(rc <= (ssize_t)size, "ring_msg_recv(%zu) gave %zd", size,
                   rc);
        FUZZ_CHECK(rc >= 0 || rc == -EAGAIN || rc == -EMSGSIZE || rc == -EPROTO,
                   "ring_msg_recv gave %zd", rc);
        FUZZ_CHECK(rc != -EPROTO || consumer_error_of(h) == -EPROTO,
                   "-EPROTO from a working consumer");
    }
    if (!dead && !f->hostile) {
        if (f->queue_count == 0) {
            FUZZ_CHECK(rc == -EAGAIN, "ring_msg_recv: %zd from an empty ring",
                       rc);
        } else if (next > size) {
            FUZZ_CHECK(rc == -EMSGSIZE, "ring_msg_recv(%zu): %zd for %zu", size,
                       rc, next);
            f->peeked = 0;
        } else {
            FUZZ_CHECK(rc == (ssize_t)next, "ring_msg_recv: %zd, not %zu", rc,
                       next);
            check_record(buf, next, f->record_seq[f->queue_head],
                         "ring_msg_recv");
            pop_record(f);
        }
    }
    free(buf);
}

/* ---------------------------------------------------------------------- */
/* Waiting, with a zero timeout: it only looks, and says why.             */

/* What a look returns: 0 when the condition holds, -ETIMEDOUT when it
   does not (both handles are open in this process, so the peer is never
   gone), or the side's error; -EINVAL for more than the capacity. */
static void check_look(const struct peer_fuzz *f, const struct ring *h, int rc,
                       int dead, size_t len, uint64_t have, const char *what)
{
    FUZZ_CHECK(rc == 0 || rc == -ETIMEDOUT || rc == -EPROTO || rc == -EPERM ||
                   rc == -EBADF || rc == -EINVAL || rc == -EPIPE,
               "%s(%zu): %d", what, len, rc);
    if (!h->setup.control) {
        FUZZ_CHECK(rc == -EBADF, "%s on a closed handle: %d", what, rc);
        return;
    }
    if (dead) {
        FUZZ_CHECK(rc < 0 && rc != -ETIMEDOUT, "%s of a failed side: %d", what,
                   rc);
        return;
    }
    if (f->hostile)
        return;
    if (len > f->capacity)
        FUZZ_CHECK(rc == -EINVAL, "%s(%zu) beyond the capacity: %d", what, len,
                   rc);
    else
        FUZZ_CHECK(rc == (have >= len ? 0 : -ETIMEDOUT),
                   "%s(%zu) with %llu: %d", what, len, (unsigned long long)have,
                   rc);
}

static void call_wait_readable(struct peer_fuzz *f, struct fuzz_input *in,
                               struct ring *h)
{
    int dead = consumer_dead(h);
    size_t len = pick_len(in, f->capacity);
    int rc = ring_wait_readable(h, len, 0);

    check_look(f, h, rc, dead, len, f->tail - f->head, "ring_wait_readable");
    /* A look that got as far as the index read it. */
    if (!dead && h->setup.control && len <= f->capacity)
        f->tail_known = f->tail;
}

static void call_wait_writable(struct peer_fuzz *f, struct fuzz_input *in,
                               struct ring *h)
{
    int dead = producer_dead(h);
    size_t len = pick_len(in, f->capacity);
    int rc = ring_wait_writable(h, len, 0);

    check_look(f, h, rc, dead, len, free_bytes(f), "ring_wait_writable");
}

/* Arming an event descriptor: 1 when the condition holds, 0 armed. */
static void call_event_arm(struct peer_fuzz *f, struct fuzz_input *in,
                           struct ring *h, unsigned role)
{
    int dead = role == RING_CONSUMER ? consumer_dead(h) : producer_dead(h);
    size_t len = pick_len(in, f->capacity);
    uint64_t have = role == RING_CONSUMER ? f->tail - f->head : free_bytes(f);
    int rc = ring_event_arm(h, role, len);

    if (!h->setup.control) {
        FUZZ_CHECK(rc == -EBADF, "ring_event_arm closed: %d", rc);
        return;
    }
    if (!(h->setup.roles & role)) {
        FUZZ_CHECK(rc == -EINVAL, "ring_event_arm without the role: %d", rc);
        return;
    }
    FUZZ_CHECK(rc == 0 || rc == 1 || rc < 0, "ring_event_arm: %d", rc);
    if (dead) {
        FUZZ_CHECK(rc < 0, "ring_event_arm of a failed side: %d", rc);
        return;
    }
    if (f->hostile || rc == -EMFILE || rc == -ENOMEM)
        return;
    if (len > f->capacity)
        FUZZ_CHECK(rc == -EINVAL, "ring_event_arm(%zu): %d", len, rc);
    else
        FUZZ_CHECK(rc == (have >= len), "ring_event_arm(%zu) with %llu: %d",
                   len, (unsigned long long)have, rc);
    if (role == RING_CONSUMER && len <= f->capacity)
        f->tail_known = f->tail;
}

static void call_event_arm_consumer(struct peer_fuzz *f, struct fuzz_input *in,
                                    struct ring *h)
{
    call_event_arm(f, in, h, RING_CONSUMER);
}

static void call_event_arm_producer(struct peer_fuzz *f, struct fuzz_input *in,
                                    struct ring *h)
{
    call_event_arm(f, in, h, RING_PRODUCER);
}

static void call_stats(struct peer_fuzz *f, struct fuzz_input *in,
                       struct ring *h)
{
    struct ring_stats st;
    int rc = ring_get_stats(h, &st);

    (void)f;
    (void)in;
    FUZZ_CHECK(rc == (h->setup.control ? 0 : -EBADF), "ring_get_stats: %d", rc);
}

/* ---------------------------------------------------------------------- */
/* Handles.                                                                */

static void call_error(struct peer_fuzz *f, struct fuzz_input *in,
                       struct ring *h)
{
    int rc = ring_error(h);

    (void)f;
    (void)in;
    if (!h->setup.control)
        FUZZ_CHECK(rc == -EBADF, "ring_error of a closed handle: %d", rc);
    else
        FUZZ_CHECK(rc == 0 || rc == -EPROTO, "ring_error: %d", rc);
}

/* Closes a handle and attaches it again: the new holder of the role
   continues from the shared index. Returns nonzero when it did. */
static int reattach(struct peer_fuzz *f, struct ring *h, unsigned roles)
{
    int rc;

    if (f->reattached >= f->max_reattach)
        return 0;
    f->reattached++;
    fuzz_close(h);
    rc = ring_attach(h, f->memfd, roles);
    /* Attach reads the header again, which the hostile peer may have
       changed; a ring it refuses leaves the handle closed. */
    FUZZ_CHECK(rc == 0 || (f->hostile && rc == -EPROTO), "re-attach gave %d",
               rc);
    return 1;
}

static void call_reattach_producer(struct peer_fuzz *f, struct fuzz_input *in,
                                   struct ring *h)
{
    (void)in;
    (void)h;
    if (!reattach(f, f->prod, f->prod_roles))
        return;
    f->reserved = 0;
    f->reserved_live = 0;
    f->msg_reserved = 0;
    f->msg_reserved_live = 0;
}

static void call_reattach_consumer(struct peer_fuzz *f, struct fuzz_input *in,
                                   struct ring *h)
{
    (void)in;
    (void)h;
    if (!reattach(f, f->cons, f->cons_roles))
        return;
    f->tail_known = f->head;
    f->peeked = 0;
}

/* ---------------------------------------------------------------------- */
/* The hostile peer: writes into the shared page and the data.            */

static uint64_t pick_value(struct fuzz_input *in, uint64_t near,
                           uint64_t capacity)
{
    switch (fuzz_u8(in) % 6) {
    case 0:
        return fuzz_u64(in);
    case 1:
        return near + (uint64_t)(int64_t)(int16_t)fuzz_u16(in);
    case 2:
        return near + capacity * (fuzz_u8(in) % 4) - fuzz_u8(in) % 16;
    case 3:
        return near - capacity - 8 + 8 * (uint64_t)(fuzz_u8(in) % 4);
    case 4:
        return fuzz_u16(in);
    default:
        return near + 8 * (uint64_t)(int64_t)(int8_t)fuzz_u8(in);
    }
}

static void poke64(struct peer_fuzz *f, size_t offset, uint64_t value)
{
    memcpy(f->shared + offset, &value, sizeof value);
}

static void poke_data(struct peer_fuzz *f, uint64_t pos, uint64_t value)
{
    poke64(f, f->page + (size_t)(pos & (f->capacity - 1) & ~(uint64_t)7),
           value);
}

static void call_poke_tail(struct peer_fuzz *f, struct fuzz_input *in,
                           struct ring *h)
{
    (void)h;
    poke64(f, offsetof(struct ring_control, tail),
           pick_value(in, shared_tail(f), f->capacity));
}

static void call_poke_head(struct peer_fuzz *f, struct fuzz_input *in,
                           struct ring *h)
{
    (void)h;
    poke64(f, offsetof(struct ring_control, head),
           pick_value(in, shared_head(f), f->capacity));
}

/* A record header where the consumer will look next. */
static void call_poke_header_at_head(struct peer_fuzz *f, struct fuzz_input *in,
                                     struct ring *h)
{
    (void)h;
    poke_data(f,
              f->cons->setup.control ? f->cons->consumer.head : shared_head(f),
              pick_value(in, msg_max(f) + 1, f->capacity));
}

/* Where the producer will write next (and a restarted producer scans). */
static void call_poke_header_at_tail(struct peer_fuzz *f, struct fuzz_input *in,
                                     struct ring *h)
{
    (void)h;
    poke_data(f,
              f->prod->setup.control ? f->prod->producer.tail : shared_tail(f),
              pick_value(in, fuzz_u16(in) % f->capacity, f->capacity));
}

static void call_poke_data(struct peer_fuzz *f, struct fuzz_input *in,
                           struct ring *h)
{
    uint64_t pos = fuzz_u16(in);

    (void)h;
    poke_data(f, pos, pick_value(in, pos % 512, f->capacity));
}

static void call_poke_roles(struct peer_fuzz *f, struct fuzz_input *in,
                            struct ring *h)
{
    uint32_t value = fuzz_u32(in);
    size_t which = fuzz_u8(in) % 3;

    (void)h;
    if (which < 2)
        memcpy(f->shared + offsetof(struct ring_control, role_state) +
                   which * sizeof value,
               &value, sizeof value);
    else
        memcpy(f->shared + offsetof(struct ring_control, records), &value,
               sizeof value);
}

/* Anywhere in the control page, the header included. */
static void call_poke_control(struct peer_fuzz *f, struct fuzz_input *in,
                              struct ring *h)
{
    size_t offset = (fuzz_u16(in) % f->page) & ~(size_t)7;

    (void)h;
    poke64(f, offset, fuzz_u64(in));
}

/* ---------------------------------------------------------------------- */
/* The table: one entry per call. A new call of the API is one more line. */

static const struct peer_call calls[] = {
    {"ring_reserve", SIDE_PRODUCER, FOR_BYTES, call_reserve},
    {"ring_commit", SIDE_PRODUCER, FOR_BYTES, call_commit},
    {"ring_write", SIDE_PRODUCER, FOR_BYTES, call_write},
    {"ring_writable", SIDE_PRODUCER, FOR_BOTH, call_writable},
    {"ring_peek", SIDE_CONSUMER, FOR_BYTES, call_peek},
    {"ring_consume", SIDE_CONSUMER, FOR_BYTES, call_consume},
    {"ring_read", SIDE_CONSUMER, FOR_BYTES, call_read},
    {"ring_readable", SIDE_CONSUMER, FOR_BOTH, call_readable},
    {"ring_msg_reserve", SIDE_PRODUCER, FOR_RECORDS, call_msg_reserve},
    {"ring_msg_commit", SIDE_PRODUCER, FOR_RECORDS, call_msg_commit},
    {"ring_msg_send", SIDE_PRODUCER, FOR_RECORDS, call_msg_send},
    {"ring_msg_sendv", SIDE_PRODUCER, FOR_RECORDS, call_msg_sendv},
    {"ring_msg_peek", SIDE_CONSUMER, FOR_RECORDS, call_msg_peek},
    {"ring_msg_consume", SIDE_CONSUMER, FOR_RECORDS, call_msg_consume},
    {"ring_msg_recv", SIDE_CONSUMER, FOR_RECORDS, call_msg_recv},
    {"ring_wait_readable", SIDE_CONSUMER, FOR_BOTH, call_wait_readable},
    {"ring_wait_writable", SIDE_PRODUCER, FOR_BOTH, call_wait_writable},
    {"ring_event_arm (consumer)", SIDE_CONSUMER, FOR_BOTH,
     call_event_arm_consumer},
    {"ring_event_arm (producer)", SIDE_PRODUCER, FOR_BOTH,
     call_event_arm_producer},
    {"ring_get_stats", SIDE_CONSUMER, FOR_BOTH, call_stats},
    {"ring_error (producer)", SIDE_PRODUCER, FOR_BOTH, call_error},
    {"ring_error (consumer)", SIDE_CONSUMER, FOR_BOTH, call_error},
    {"re-attach producer", SIDE_NONE, FOR_BOTH | FOR_REATTACH,
     call_reattach_producer},
    {"re-attach consumer", SIDE_NONE, FOR_BOTH | FOR_REATTACH,
     call_reattach_consumer},
    {"peer writes tail", SIDE_NONE, FOR_HOSTILE, call_poke_tail},
    {"peer writes head", SIDE_NONE, FOR_HOSTILE, call_poke_head},
    {"peer writes header at head", SIDE_NONE, FOR_HOSTILE,
     call_poke_header_at_head},
    {"peer writes header at tail", SIDE_NONE, FOR_HOSTILE,
     call_poke_header_at_tail},
    {"peer writes data", SIDE_NONE, FOR_HOSTILE, call_poke_data},
    {"peer writes role words", SIDE_NONE, FOR_HOSTILE, call_poke_roles},
    {"peer writes control page", SIDE_NONE, FOR_HOSTILE, call_poke_control},
};

#define CALLS (sizeof calls / sizeof calls[0])

_Static_assert(CALLS <= sizeof(((struct peer_fuzz *)0)->allowed),
               "room for every call");

/* ---------------------------------------------------------------------- */
/* Driving.                                                                */

static int allowed(const struct peer_fuzz *f, const struct peer_call *c)
{
    if ((c->runs & FOR_REATTACH) && (f->memfd < 0 || f->prod == f->cons))
        return 0;
    if (f->hostile)
        return 1;
    if (c->runs & FOR_HOSTILE)
        return 0;
    return (c->runs & (f->records ? FOR_RECORDS : FOR_BYTES)) != 0;
}

int peer_start(struct peer_fuzz *f, uint64_t start_index)
{
    void *shared;

    f->page = (size_t)sysconf(_SC_PAGESIZE);
    f->capacity = f->prod->setup.capacity;
    f->shared_len = f->page + (size_t)f->capacity;
    shared = mmap(NULL, f->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                  f->prod->setup.fd, 0);
    if (shared == MAP_FAILED)
        return -errno;
    f->shared = shared;
    f->allowed_count = 0;
    for (size_t i = 0; i < CALLS; i++)
        if (allowed(f, &calls[i]))
            f->allowed[f->allowed_count++] = (unsigned char)i;
    f->reattached = 0;
    f->tail = f->head = f->tail_known = start_index;
    f->reserved = f->msg_reserved = 0;
    f->reserved_live = f->msg_reserved_live = f->peeked = 0;
    f->queue_size = (size_t)(f->capacity / RING_MSG_HEADER) + 1;
    f->queue_head = f->queue_count = 0;
    f->next_seq = 0;
    f->record_len = alloc_exact(f->queue_size * sizeof *f->record_len);
    f->record_seq = alloc_exact(f->queue_size * sizeof *f->record_seq);
    return 0;
}

void peer_finish(struct peer_fuzz *f)
{
    free(f->record_len);
    free(f->record_seq);
    f->record_len = NULL;
    f->record_seq = NULL;
    if (f->shared)
        munmap(f->shared, f->shared_len);
    f->shared = NULL;
}

/* The state of a handle's side: 0, -EPROTO, -EPERM (not its role) or
   -EBADF (closed). */
static void check_side(int before, int now, const char *side)
{
    FUZZ_CHECK(now == 0 || now == -EPROTO || now == -EPERM || now == -EBADF,
               "%s state %d", side, now);
    FUZZ_CHECK(before != -EPROTO || now == -EPROTO,
               "%s recovered from -EPROTO (now %d)", side, now);
}

static void check_handle(const struct peer_fuzz *f, const struct ring *h)
{
    int rc = ring_error(h);

    if (!h->setup.control) {
        FUZZ_CHECK(rc == -EBADF, "ring_error of a closed handle: %d", rc);
        return;
    }
    FUZZ_CHECK(rc == 0 || rc == -EPROTO, "ring_error: %d", rc);
    FUZZ_CHECK(f->hostile || rc == 0, "ring_error %d without a hostile peer",
               rc);
}

static void step(struct peer_fuzz *f, struct fuzz_input *in)
{
    uint8_t pick = fuzz_u8(in);
    const struct peer_call *c =
        &calls[f->allowed[(pick & 0x7f) % f->allowed_count]];
    /* The top bit calls a side's function on the other side's handle,
       which does not hold that role and must do nothing. */
    int other = (pick & 0x80) != 0;
    struct ring *h = c->side == SIDE_CONSUMER ? (other ? f->prod : f->cons)
                                              : (other ? f->cons : f->prod);
    int prod_before = producer_error_of(f->prod);
    int cons_before = consumer_error_of(f->cons);
    int dead = c->side == SIDE_PRODUCER   ? producer_dead(h)
               : c->side == SIDE_CONSUMER ? consumer_dead(h)
                                          : 0;
    uint64_t tail = shared_tail(f), head = shared_head(f);
    unsigned char *data = NULL;

    if (fuzz_trace())
        fprintf(stderr, "%s%s: tail %llu head %llu, producer %d consumer %d\n",
                c->name, other ? " (other handle)" : "",
                (unsigned long long)tail, (unsigned long long)head,
                producer_error_of(f->prod), consumer_error_of(f->cons));
    if (dead && c->side == SIDE_PRODUCER) {
        data = alloc_exact((size_t)f->capacity);
        memcpy(data, f->shared + f->page, (size_t)f->capacity);
    }

    c->run(f, in, h);

    if (c->side != SIDE_NONE) {
        check_side(prod_before, producer_error_of(f->prod), "producer");
        check_side(cons_before, consumer_error_of(f->cons), "consumer");
    }
    check_handle(f, f->prod);
    check_handle(f, f->cons);
    /* Each side writes only its own index; a failed side writes nothing. */
    if (c->side == SIDE_PRODUCER) {
        FUZZ_CHECK(shared_head(f) == head, "%s moved head", c->name);
        FUZZ_CHECK(!dead || shared_tail(f) == tail,
                   "%s on a failed producer moved tail", c->name);
    }
    if (c->side == SIDE_CONSUMER) {
        FUZZ_CHECK(shared_tail(f) == tail, "%s moved tail", c->name);
        FUZZ_CHECK(!dead || shared_head(f) == head,
                   "%s on a failed consumer moved head", c->name);
    }
    if (data) {
        FUZZ_CHECK(memcmp(data, f->shared + f->page, (size_t)f->capacity) == 0,
                   "%s on a failed producer wrote data", c->name);
        free(data);
    }
    if (!f->hostile) {
        FUZZ_CHECK(shared_tail(f) == f->tail,
                   "after %s: tail %llu, reference %llu", c->name,
                   (unsigned long long)shared_tail(f),
                   (unsigned long long)f->tail);
        FUZZ_CHECK(shared_head(f) == f->head,
                   "after %s: head %llu, reference %llu", c->name,
                   (unsigned long long)shared_head(f),
                   (unsigned long long)f->head);
    }
}

void peer_run(struct peer_fuzz *f, struct fuzz_input *in)
{
    while (fuzz_left(in) > 0)
        step(f, in);
}
