// SPDX-License-Identifier: MIT
/* test_bytes.c: the byte calls at empty, full and in between. */
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>

static struct ring r;
static size_t cap;

static void open_ring(void)
{
    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cap = ring_capacity(&r);
}

static void close_ring(void)
{
    ring_close(&r);
}

TestSuite(bytes, .init = open_ring, .fini = close_ring);

Test(bytes, empty_ring)
{
    size_t len = 123;
    char buf[8];

    cr_assert_eq(ring_readable(&r), 0);
    cr_assert_null(ring_peek(&r, &len));
    cr_assert_eq(len, 0);
    cr_assert_eq(ring_read(&r, buf, sizeof buf), 0);
    cr_assert_eq(ring_writable(&r), cap);
}

Test(bytes, the_whole_capacity_is_usable)
{
    unsigned char *span = (unsigned char *)ring_reserve(&r, cap);

    cr_assert_not_null(span);
    test_pattern_fill(span, cap, 1, 0);
    ring_commit(&r, cap);
    cr_assert_eq(ring_writable(&r), 0);
    cr_assert_eq(ring_readable(&r), cap);
    cr_assert_null(ring_reserve(&r, 1));
    cr_assert_eq(ring_write(&r, "x", 1), 0);
    /* A reservation of nothing still succeeds when full. */
    cr_assert_not_null(ring_reserve(&r, 0));
    ring_commit(&r, 0);
    cr_assert_eq(ring_readable(&r), cap);
}

Test(bytes, partial_write_fills_what_is_free)
{
    unsigned char big[8192];

    test_pattern_fill(big, sizeof big, 2, 0);
    cr_assert_eq(ring_write(&r, big, 100), 100);
    cr_assert_eq(ring_write(&r, big + 100, sizeof big - 100), cap - 100);
    cr_assert_eq(ring_writable(&r), 0);

    unsigned char out[8192];
    cr_assert_eq(ring_read(&r, out, 10), 10);
    cr_assert_eq(ring_write(&r, big + cap, 50), 10);
    cr_assert_eq(ring_read(&r, out + 10, sizeof out), cap);
    cr_assert_eq(test_pattern_check(out, cap + 10, 2, 0), cap + 10);
}

Test(bytes, partial_read_takes_what_is_there)
{
    unsigned char out[64];

    cr_assert_eq(ring_write(&r, "hello", 5), 5);
    cr_assert_eq(ring_read(&r, out, sizeof out), 5);
    cr_assert_arr_eq(out, "hello", 5);
    cr_assert_eq(ring_read(&r, out, sizeof out), 0);
}

Test(bytes, reserve_commit_publishes_only_what_is_committed)
{
    size_t len;
    unsigned char *span = (unsigned char *)ring_reserve(&r, 100);

    cr_assert_not_null(span);
    memcpy(span, "abcdef", 6);
    cr_assert_eq(ring_readable(&r), 0);
    ring_commit(&r, 4);
    cr_assert_eq(ring_readable(&r), 4);
    const char *p = (const char *)ring_peek(&r, &len);
    cr_assert_eq(len, 4);
    cr_assert_arr_eq(p, "abcd", 4);
    /* The reservation ended with the commit. */
    ring_commit(&r, 2);
    cr_assert_eq(ring_readable(&r), 4);
}

Test(bytes, commit_beyond_the_reservation_is_rejected)
{
    cr_assert_not_null(ring_reserve(&r, 10));
    ring_commit(&r, 11);
    cr_assert_eq(ring_readable(&r), 0);
    cr_assert_eq(ring_writable(&r), cap);
    /* The reservation is still there. */
    ring_commit(&r, 10);
    cr_assert_eq(ring_readable(&r), 10);
    /* Without a reservation nothing is committed. */
    ring_commit(&r, 5);
    cr_assert_eq(ring_readable(&r), 10);
}

Test(bytes, consume_beyond_what_is_readable_is_rejected)
{
    size_t len;

    cr_assert_eq(ring_write(&r, "0123456789", 10), 10);
    cr_assert_not_null(ring_peek(&r, &len));
    ring_consume(&r, 11);
    cr_assert_eq(ring_readable(&r), 10);
    ring_consume(&r, 3);
    cr_assert_eq(ring_readable(&r), 7);
    const char *p = (const char *)ring_peek(&r, &len);
    cr_assert_eq(len, 7);
    cr_assert_arr_eq(p, "3456789", 7);
}

Test(bytes, a_reservation_larger_than_the_ring_never_succeeds)
{
    cr_assert_null(ring_reserve(&r, cap + 1));
    cr_assert_null(ring_reserve(&r, SIZE_MAX));
    cr_assert_eq(ring_error(&r), 0);
    cr_assert_not_null(ring_reserve(&r, cap));
}

Test(bytes, indices_run_for_many_laps)
{
    unsigned char in[777], out[777];
    uint64_t pos = 0;

    for (int lap = 0; lap < 5000; lap++) {
        test_pattern_fill(in, sizeof in, 5, pos);
        cr_assert_eq(ring_write(&r, in, sizeof in), sizeof in);
        cr_assert_eq(ring_read(&r, out, sizeof out), sizeof out);
        cr_assert_eq(test_pattern_check(out, sizeof out, 5, pos), sizeof out);
        pos += sizeof in;
    }
    cr_assert_eq(r.producer.tail, pos);
    cr_assert_eq(r.consumer.head, pos);
}
