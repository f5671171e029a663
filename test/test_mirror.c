// SPDX-License-Identifier: MIT
/* test_mirror.c: the data is mapped twice, so spans across the wrap point
   are contiguous. */
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <unistd.h>

/* Moves both indices to before_end bytes before the end of the first
   copy. */
static void park_before_wrap(struct ring *r, size_t before_end)
{
    size_t cap = ring_capacity(r);
    size_t at = (size_t)(r->producer.tail & (cap - 1));
    size_t skip = (cap - before_end - at) & (cap - 1);
    unsigned char *span = (unsigned char *)ring_reserve(r, skip);

    cr_assert_not_null(span);
    ring_commit(r, skip);
    ring_consume(r, ring_readable(r));
    cr_assert_eq(ring_readable(r), 0);
}

Test(mirror, a_write_across_the_wrap_point_is_one_span)
{
    struct ring r;
    unsigned char in[100], out[100];
    size_t len;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    park_before_wrap(&r, 37);
    test_pattern_fill(in, sizeof in, 7, 0);

    unsigned char *span = (unsigned char *)ring_reserve(&r, sizeof in);
    cr_assert_not_null(span);
    cr_assert_eq(span, r.setup.data + ring_capacity(&r) - 37);
    memcpy(span, in, sizeof in);
    ring_commit(&r, sizeof in);

    /* The bytes past the end landed at the start of the first copy. */
    cr_assert_arr_eq(r.setup.data, in + 37, sizeof in - 37);

    const unsigned char *peeked = (const unsigned char *)ring_peek(&r, &len);
    cr_assert_eq(len, sizeof in);
    cr_assert_arr_eq(peeked, in, sizeof in);
    cr_assert_eq(ring_read(&r, out, sizeof out), sizeof out);
    cr_assert_arr_eq(out, in, sizeof in);
    ring_close(&r);
}

Test(mirror, every_byte_of_the_second_copy_aliases_the_first)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 3 * 4096, 0), 0);
    size_t cap = ring_capacity(&r);
    for (size_t i = 0; i < cap; i++)
        r.setup.data[i] = test_pattern_byte(3, i);
    for (size_t i = 0; i < cap; i++)
        cr_assert_eq(r.setup.data[cap + i], test_pattern_byte(3, i), "at %zu",
                     i);
    ring_close(&r);
}

Test(mirror, records_straddle_the_wrap_point_whole)
{
    struct ring r;
    unsigned char in[64], out[64];

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    /* Every header position from 64 bytes before the end to the end. */
    for (size_t before = 64; before >= 8; before -= 8) {
        park_before_wrap(&r, before);
        test_pattern_fill(in, sizeof in, before, 0);
        cr_assert_eq(ring_msg_send(&r, in, sizeof in), 0);
        cr_assert_eq(ring_msg_recv(&r, out, sizeof out), sizeof in);
        cr_assert_arr_eq(out, in, sizeof in);
    }
    ring_close(&r);
}

Test(mirror, a_full_ring_is_one_span_from_any_start)
{
    struct ring r;
    size_t len;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    size_t cap = ring_capacity(&r);
    for (size_t start = 1; start < cap; start += 511) {
        park_before_wrap(&r, cap - start % cap);
        unsigned char *span = (unsigned char *)ring_reserve(&r, cap);
        cr_assert_not_null(span, "start %zu", start);
        test_pattern_fill(span, cap, start, 0);
        ring_commit(&r, cap);
        cr_assert_eq(ring_writable(&r), 0);
        const unsigned char *p = (const unsigned char *)ring_peek(&r, &len);
        cr_assert_eq(len, cap);
        cr_assert_eq(test_pattern_check(p, cap, start, 0), cap);
        ring_consume(&r, cap);
    }
    ring_close(&r);
}
