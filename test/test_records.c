// SPDX-License-Identifier: MIT
/* test_records.c: records of every length, whole and in order. */
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static struct ring r;

static void open_ring(void)
{
    cr_assert_eq(ring_create(&r, 4096, 0), 0);
}

static void close_ring(void)
{
    ring_close(&r);
}

TestSuite(records, .init = open_ring, .fini = close_ring);

Test(records, every_length_from_zero_to_the_largest)
{
    size_t max = ring_msg_max(&r);
    unsigned char *in = malloc(max + 1), *out = malloc(max + 1);

    cr_assert_eq(max, ring_capacity(&r) - 2 * RING_MSG_HEADER);
    for (size_t len = 0; len <= max; len++) {
        test_pattern_fill(in, len, len, 0);
        cr_assert_eq(ring_msg_send(&r, in, len), 0, "len %zu", len);
        memset(out, 0, len);
        cr_assert_eq(ring_msg_recv(&r, out, max), (ssize_t)len);
        cr_assert_eq(test_pattern_check(out, len, len, 0), len, "len %zu", len);
    }
    cr_assert_eq(ring_msg_send(&r, in, max + 1), -EMSGSIZE);
    free(in);
    free(out);
}

Test(records, zero_length_records_are_records)
{
    size_t len = 99;
    char buf[1];

    cr_assert_eq(ring_msg_send(&r, NULL, 0), 0);
    cr_assert_eq(ring_msg_send(&r, "", 0), 0);
    cr_assert_not_null(ring_msg_peek(&r, &len));
    cr_assert_eq(len, 0);
    ring_msg_consume(&r);
    cr_assert_eq(ring_msg_recv(&r, buf, 0), 0);
    cr_assert_eq(ring_msg_recv(&r, buf, sizeof buf), -EAGAIN);
}

Test(records, fill_until_full_then_drain_in_order)
{
    uint32_t n = 0, got;

    while (ring_msg_send(&r, &n, sizeof n) == 0)
        n++;
    /* 16 bytes a record, 8 kept for the next header. */
    cr_assert_eq(n, (ring_capacity(&r) - RING_MSG_HEADER) / 16);
    cr_assert_eq(ring_msg_send(&r, &n, sizeof n), -EAGAIN);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(ring_msg_recv(&r, &got, sizeof got), sizeof got);
        cr_assert_eq(got, i);
    }
    cr_assert_eq(ring_msg_recv(&r, &got, sizeof got), -EAGAIN);
}

Test(records, a_record_too_big_for_the_buffer_stays)
{
    char buf[16];

    cr_assert_eq(ring_msg_send(&r, "0123456789", 10), 0);
    cr_assert_eq(ring_msg_recv(&r, buf, 9), -EMSGSIZE);
    cr_assert_eq(ring_msg_recv(&r, buf, 9), -EMSGSIZE);
    cr_assert_eq(ring_msg_recv(&r, buf, sizeof buf), 10);
    cr_assert_arr_eq(buf, "0123456789", 10);
}

Test(records, zero_copy_send_with_a_shorter_commit)
{
    size_t len;
    char *p = (char *)ring_msg_reserve(&r, 100);

    cr_assert_not_null(p);
    memcpy(p, "short", 5);
    cr_assert_null(ring_msg_peek(&r, &len));
    ring_msg_commit(&r, 5);
    const char *got = (const char *)ring_msg_peek(&r, &len);
    cr_assert_not_null(got);
    cr_assert_eq(len, 5);
    cr_assert_arr_eq(got, "short", 5);
    ring_msg_consume(&r);
    cr_assert_null(ring_msg_peek(&r, &len));
    /* 8 + 8 bytes went through: the ring is empty again. */
    cr_assert_eq(ring_readable(&r), 0);
    cr_assert_eq(r.consumer.head, 16);
}

Test(records, commit_without_or_beyond_a_reservation_is_rejected)
{
    size_t len;

    ring_msg_commit(&r, 0);
    cr_assert_null(ring_msg_peek(&r, &len));
    cr_assert_not_null(ring_msg_reserve(&r, 4));
    ring_msg_commit(&r, 5);
    cr_assert_null(ring_msg_peek(&r, &len));
    ring_msg_commit(&r, 4);
    cr_assert_not_null(ring_msg_peek(&r, &len));
    cr_assert_eq(len, 4);
}

Test(records, consume_without_peek_does_nothing)
{
    size_t len;

    cr_assert_eq(ring_msg_send(&r, "a", 1), 0);
    ring_msg_consume(&r);
    cr_assert_not_null(ring_msg_peek(&r, &len));
    ring_msg_consume(&r);
    ring_msg_consume(&r);
    cr_assert_null(ring_msg_peek(&r, &len));
    cr_assert_eq(r.consumer.head, 16);
}

Test(records, the_largest_record_fills_the_ring)
{
    size_t max = ring_msg_max(&r), len;
    unsigned char *in = malloc(max), small[64];

    test_pattern_fill(in, max, 9, 0);
    for (size_t lap = 0; lap < 5; lap++) {
        cr_assert_eq(ring_msg_send(&r, in, max), 0);
        cr_assert_eq(ring_msg_send(&r, NULL, 0), -EAGAIN);
        const unsigned char *p = (const unsigned char *)ring_msg_peek(&r, &len);
        cr_assert_eq(len, max);
        cr_assert_eq(test_pattern_check(p, max, 9, 0), max);
        ring_msg_consume(&r);
        /* A small record moves the start of the next lap. */
        cr_assert_eq(ring_msg_send(&r, in, 8 * lap), 0);
        cr_assert_eq(ring_msg_recv(&r, small, sizeof small),
                     (ssize_t)(8 * lap));
        cr_assert_arr_eq(small, in, 8 * lap);
    }
    free(in);
}

Test(records, records_after_unaligned_bytes_are_refused)
{
    size_t len;

    cr_assert_eq(ring_write(&r, "abc", 3), 3);
    cr_assert_eq(ring_msg_send(&r, "x", 1), -EINVAL);
    cr_assert_null(ring_msg_reserve(&r, 1));
    cr_assert_eq(ring_readable(&r), 3);
    cr_assert_eq(ring_error(&r), 0);
    const char *p = (const char *)ring_peek(&r, &len);
    cr_assert_eq(len, 3);
    cr_assert_arr_eq(p, "abc", 3);
}

Test(records, a_batch_is_sent_in_order_as_far_as_it_fits)
{
    uint32_t values[600], got;
    struct iovec iov[600];

    for (uint32_t i = 0; i < 600; i++) {
        values[i] = i;
        iov[i].iov_base = &values[i];
        iov[i].iov_len = (i % 3 == 0) ? 0 : sizeof values[i];
    }
    /* 4096 bytes hold 255 records of 8 or 16 bytes plus the cleared word. */
    ssize_t sent = ring_msg_sendv(&r, iov, 600);
    cr_assert_gt(sent, 0);
    cr_assert_lt(sent, 600);
    cr_assert_eq(ring_msg_sendv(&r, iov + sent, 600 - (size_t)sent), -EAGAIN);
    for (ssize_t i = 0; i < sent; i++) {
        ssize_t n = ring_msg_recv(&r, &got, sizeof got);
        cr_assert_eq(n, (ssize_t)iov[i].iov_len, "record %zd", i);
        if (n)
            cr_assert_eq(got, (uint32_t)i);
    }
    cr_assert_eq(ring_msg_recv(&r, &got, sizeof got), -EAGAIN);
    cr_assert_eq(ring_msg_sendv(&r, iov + sent, 600 - (size_t)sent),
                 600 - sent);
    cr_assert_eq(ring_msg_sendv(&r, iov, 0), 0);
}

Test(records, a_batch_reports_why_its_first_record_failed)
{
    struct iovec big = {.iov_base = NULL, .iov_len = ring_msg_max(&r) + 1};
    size_t len;

    cr_assert_eq(ring_msg_sendv(&r, &big, 1), -EMSGSIZE);
    cr_assert_null(ring_msg_peek(&r, &len));
    cr_assert_eq(ring_write(&r, "x", 1), 1);
    struct iovec one = {.iov_base = "y", .iov_len = 1};
    cr_assert_eq(ring_msg_sendv(&r, &one, 1), -EINVAL);
}
