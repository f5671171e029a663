// SPDX-License-Identifier: MIT
/*
 * test_pattern.c: the claim ringbench's data check rests on: a stream
 * made of its pattern passes, and a lost, duplicated, reordered, flipped
 * or stale byte or message is caught, wherever it falls.
 */
#include "bench.h"

#include <criterion/criterion.h>
#include <string.h>

#define SEED UINT64_C(0x1234567887654321)

static unsigned char stream[4096], got[4096];

/* Positions and lengths at every alignment, and a few large ones. */
Test(pattern, a_clean_stream_passes)
{
    for (uint64_t pos = 0; pos < 24; pos++)
        for (size_t len = 0; len < 80; len++) {
            bench_pattern_fill(stream, len, SEED, pos);
            cr_assert_eq(bench_pattern_check(stream, len, SEED, pos), len,
                         "pos %llu len %zu", (unsigned long long)pos, len);
        }
    bench_pattern_fill(stream, sizeof stream, SEED, UINT64_C(1) << 40);
    cr_assert_eq(
        bench_pattern_check(stream, sizeof stream, SEED, UINT64_C(1) << 40),
        sizeof stream);
}

Test(pattern, fill_and_byte_agree)
{
    bench_pattern_fill(stream, 100, SEED, 13);
    for (size_t i = 0; i < 100; i++)
        cr_assert_eq(stream[i], bench_pattern_byte(SEED, 13 + i));
}

Test(pattern, every_flipped_bit_is_found_where_it_is)
{
    for (uint64_t pos = 0; pos < 9; pos++) {
        bench_pattern_fill(stream, 300, SEED, pos);
        for (size_t i = 0; i < 300; i++)
            for (int bit = 0; bit < 8; bit++) {
                stream[i] ^= (unsigned char)(1u << bit);
                cr_assert_eq(bench_pattern_check(stream, 300, SEED, pos), i);
                stream[i] ^= (unsigned char)(1u << bit);
            }
    }
}

/* A byte lost at k: what arrives from k on is the stream shifted by one. */
Test(pattern, a_lost_byte_is_found)
{
    bench_pattern_fill(stream, sizeof stream, SEED, 0);
    for (size_t k = 0; k < 600; k++) {
        memcpy(got, stream, k);
        memcpy(got + k, stream + k + 1, 1000 - k - 1);
        size_t bad = bench_pattern_check(got, 999, SEED, 0);

        cr_assert(bad >= k && bad < k + 8, "lost byte %zu found at %zu", k,
                  bad);
    }
}

/* Messages of each size, the second one delivered twice, or the second
   and third swapped: checking them at their stream positions fails. */
Test(pattern, duplicated_and_reordered_messages_are_found)
{
    static const size_t sizes[] = {7, 8, 64, 100, 1000};

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t size = sizes[s];

        bench_pattern_fill(stream, 4 * size, SEED, 0);
        /* m0 m1 m1: the third slot should hold m2. */
        cr_assert_lt(bench_pattern_check(stream + size, size, SEED, 2 * size),
                     size, "duplicate, size %zu", size);
        /* m0 m2 m1: both misplaced messages fail. */
        cr_assert_lt(bench_pattern_check(stream + 2 * size, size, SEED, size),
                     size, "reorder, size %zu", size);
        cr_assert_lt(bench_pattern_check(stream + size, size, SEED, 2 * size),
                     size, "reorder, size %zu", size);
    }
}

/* Data left from an earlier run (another seed) does not pass. */
Test(pattern, stale_data_is_found)
{
    bench_pattern_fill(stream, 64, SEED, 640);
    cr_assert_eq(bench_pattern_check(stream, 64, SEED + 1, 640), 0);
}
