// SPDX-License-Identifier: MIT
/* test_random.c: long random sequences of mixed calls against a simple
   reference FIFO. */
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <stdlib.h>

/* The reference: a byte queue in a plain array, no cleverness. */
struct fifo {
    unsigned char *bytes;
    size_t start, len, size;
};

static void fifo_push(struct fifo *f, const unsigned char *src, size_t len)
{
    if (f->start + f->len + len > f->size) {
        memmove(f->bytes, f->bytes + f->start, f->len);
        f->start = 0;
    }
    cr_assert_leq(f->len + len, f->size);
    memcpy(f->bytes + f->start + f->len, src, len);
    f->len += len;
}

static void fifo_pop(struct fifo *f, unsigned char *dst, size_t len)
{
    cr_assert_leq(len, f->len);
    if (dst)
        memcpy(dst, f->bytes + f->start, len);
    f->start += len;
    f->len -= len;
}

#define STEPS  200000
#define MAX_OP 3000
#define STREAM (1 << 20)

Test(random, bytes_against_a_reference_fifo, .timeout = 120)
{
    struct ring r;
    struct fifo ref = {malloc(STREAM), 0, 0, STREAM};
    unsigned char *in = malloc(8192), *out = malloc(8192);
    uint64_t rng = 42;
    size_t cap, len;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cap = ring_capacity(&r);
    for (int step = 0; step < STEPS; step++) {
        size_t n = (size_t)kit_rand_range(&rng, 0, MAX_OP);
        uint64_t written = ref.start + ref.len;

        switch (kit_rand(&rng) % 8) {
        case 0: { /* write */
            size_t want = n < cap - ref.len ? n : cap - ref.len;
            test_pattern_fill(in, n, 11, written);
            cr_assert_eq(ring_write(&r, in, n), want, "step %d", step);
            fifo_push(&ref, in, want);
            break;
        }
        case 1: { /* reserve + commit of part */
            unsigned char *span = (unsigned char *)ring_reserve(&r, n);
            if (n > cap - ref.len) {
                cr_assert_null(span, "step %d", step);
                break;
            }
            cr_assert_not_null(span, "step %d", step);
            size_t part = n ? (size_t)kit_rand_range(&rng, 0, n) : 0;
            test_pattern_fill(span, part, 11, written);
            ring_commit(&r, part);
            fifo_push(&ref, span, part);
            break;
        }
        case 2: /* read */
        case 3: {
            size_t want = n < ref.len ? n : ref.len;
            cr_assert_eq(ring_read(&r, out, n), want, "step %d", step);
            unsigned char *expect = malloc(want + 1);
            fifo_pop(&ref, expect, want);
            cr_assert_arr_eq(out, expect, want, "step %d", step);
            free(expect);
            break;
        }
        case 4: { /* peek + consume of part */
            const unsigned char *p = (const unsigned char *)ring_peek(&r, &len);
            cr_assert_eq(len, ref.len, "step %d", step);
            cr_assert_eq(p == NULL, ref.len == 0);
            if (len)
                cr_assert_arr_eq(p, ref.bytes + ref.start, len);
            size_t part = len ? (size_t)kit_rand_range(&rng, 0, len) : 0;
            ring_consume(&r, part);
            fifo_pop(&ref, NULL, part);
            break;
        }
        case 5: /* rejected calls change nothing */
            ring_consume(&r, ref.len + 1 + n);
            ring_commit(&r, n + 1);
            break;
        case 6:
            cr_assert_eq(ring_readable(&r), ref.len);
            break;
        default:
            cr_assert_eq(ring_writable(&r), cap - ref.len);
            break;
        }
    }
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
    free(ref.bytes);
    free(in);
    free(out);
}

/* The reference for records: their lengths in order, and the bytes. */
Test(random, records_against_a_reference_queue, .timeout = 120)
{
    struct ring r;
    struct fifo ref = {malloc(STREAM), 0, 0, STREAM};
    size_t *lens = malloc(STEPS * sizeof *lens), first = 0, count = 0;
    unsigned char *in = malloc(8192), *out = malloc(8192);
    uint64_t rng = 4242, used = 0;
    size_t cap, max, len;

    cr_assert_eq(ring_create(&r, 8192, 0), 0);
    cap = ring_capacity(&r);
    max = ring_msg_max(&r);
    for (int step = 0; step < STEPS; step++) {
        size_t n = (size_t)kit_rand_range(&rng, 0, 700);
        int fits = used + ringi_msg_stride(n) + RING_MSG_HEADER <= cap;

        switch (kit_rand(&rng) % 6) {
        case 0: /* send */
            test_pattern_fill(in, n, 13, step);
            cr_assert_eq(ring_msg_send(&r, in, n), fits ? 0 : -EAGAIN,
                         "step %d", step);
            if (fits) {
                fifo_push(&ref, in, n);
                lens[count++] = n;
                used += ringi_msg_stride(n);
            }
            break;
        case 1: { /* reserve + shorter commit */
            unsigned char *p = (unsigned char *)ring_msg_reserve(&r, n);
            cr_assert_eq(p != NULL, fits, "step %d", step);
            if (!p)
                break;
            size_t part = (size_t)kit_rand_range(&rng, 0, n);
            test_pattern_fill(p, part, 17, step);
            ring_msg_commit(&r, part);
            fifo_push(&ref, p, part);
            lens[count++] = part;
            used += ringi_msg_stride(part);
            break;
        }
        case 2: /* receive into a buffer that may be too small */
        case 3: {
            size_t size = (size_t)kit_rand_range(&rng, 0, 800);
            ssize_t got = ring_msg_recv(&r, out, size);
            if (first == count) {
                cr_assert_eq(got, -EAGAIN, "step %d", step);
            } else if (lens[first] > size) {
                cr_assert_eq(got, -EMSGSIZE, "step %d", step);
            } else {
                cr_assert_eq(got, (ssize_t)lens[first], "step %d", step);
                cr_assert_arr_eq(out, ref.bytes + ref.start, (size_t)got);
                fifo_pop(&ref, NULL, lens[first]);
                used -= ringi_msg_stride(lens[first++]);
            }
            break;
        }
        case 4: { /* peek, maybe consume */
            const unsigned char *p =
                (const unsigned char *)ring_msg_peek(&r, &len);
            cr_assert_eq(p == NULL, first == count, "step %d", step);
            if (!p)
                break;
            cr_assert_eq(len, lens[first]);
            cr_assert_arr_eq(p, ref.bytes + ref.start, len);
            if (kit_rand(&rng) & 1) {
                ring_msg_consume(&r);
                fifo_pop(&ref, NULL, len);
                used -= ringi_msg_stride(lens[first++]);
            }
            break;
        }
        default:
            cr_assert_eq(ring_msg_send(&r, in, max + 1 + n), -EMSGSIZE);
            cr_assert_eq(ring_readable(&r), used, "step %d", step);
            break;
        }
    }
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
    free(ref.bytes);
    free(lens);
    free(in);
    free(out);
}
