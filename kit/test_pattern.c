// SPDX-License-Identifier: MIT
/*
 * test_pattern.c: the claim every benchmark's and test's data check rests
 * on: a stream made of the pattern passes, and a lost, duplicated,
 * reordered, flipped or stale byte or message is caught, wherever it
 * falls; and the generator is splitmix64, the same in every process.
 */
#include "kit/pattern.h"

#include <criterion/criterion.h>
#include <string.h>

#define SEED UINT64_C(0x1234567887654321)

static unsigned char stream[4096], got[4096];

/* Positions and lengths at every alignment, and a few large ones. */
Test(pattern, a_clean_stream_passes)
{
    uint64_t key = kit_pattern_key(SEED);

    for (uint64_t pos = 0; pos < 24; pos++)
        for (size_t len = 0; len < 80; len++) {
            kit_pattern_fill(stream, len, key, pos);
            cr_assert_eq(kit_pattern_check(stream, len, key, pos), len,
                         "pos %llu len %zu", (unsigned long long)pos, len);
        }
    kit_pattern_fill(stream, sizeof stream, key, UINT64_C(1) << 40);
    cr_assert_eq(
        kit_pattern_check(stream, sizeof stream, key, UINT64_C(1) << 40),
        sizeof stream);
}

Test(pattern, fill_byte_and_word_agree)
{
    uint64_t key = kit_pattern_key(SEED);

    kit_pattern_fill(stream, 100, key, 13);
    for (size_t i = 0; i < 100; i++)
        cr_assert_eq(stream[i], kit_pattern_byte(key, 13 + i));
    kit_pattern_fill(stream, 64, key, 64);
    for (size_t w = 0; w < 8; w++)
        cr_assert_eq(kit_load_le64(stream + 8 * w),
                     kit_pattern_word(key, 8 + w));
}

Test(pattern, every_flipped_bit_is_found_where_it_is)
{
    uint64_t key = kit_pattern_key(SEED);

    for (uint64_t pos = 0; pos < 9; pos++) {
        kit_pattern_fill(stream, 300, key, pos);
        for (size_t i = 0; i < 300; i++)
            for (int bit = 0; bit < 8; bit++) {
                stream[i] ^= (unsigned char)(1u << bit);
                cr_assert_eq(kit_pattern_check(stream, 300, key, pos), i);
                stream[i] ^= (unsigned char)(1u << bit);
            }
    }
}

/* A byte lost at k: what arrives from k on is the stream shifted by one. */
Test(pattern, a_lost_byte_is_found)
{
    uint64_t key = kit_pattern_key(SEED);

    kit_pattern_fill(stream, sizeof stream, key, 0);
    for (size_t k = 0; k < 600; k++) {
        memcpy(got, stream, k);
        memcpy(got + k, stream + k + 1, 1000 - k - 1);
        size_t bad = kit_pattern_check(got, 999, key, 0);

        cr_assert(bad >= k && bad < k + 8, "lost byte %zu found at %zu", k,
                  bad);
    }
}

/* Messages of each size, the second one delivered twice, or the second
   and third swapped: checking them at their stream positions fails. */
Test(pattern, duplicated_and_reordered_messages_are_found)
{
    static const size_t sizes[] = {7, 8, 64, 100, 1000};
    uint64_t key = kit_pattern_key(SEED);

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t size = sizes[s];

        kit_pattern_fill(stream, 4 * size, key, 0);
        /* m0 m1 m1: the third slot should hold m2. */
        cr_assert_lt(kit_pattern_check(stream + size, size, key, 2 * size),
                     size, "duplicate, size %zu", size);
        /* m0 m2 m1: both misplaced messages fail. */
        cr_assert_lt(kit_pattern_check(stream + 2 * size, size, key, size),
                     size, "reorder, size %zu", size);
        cr_assert_lt(kit_pattern_check(stream + size, size, key, 2 * size),
                     size, "reorder, size %zu", size);
    }
}

/* Data left from an earlier run (another seed) does not pass. */
Test(pattern, stale_data_is_found)
{
    kit_pattern_fill(stream, 64, kit_pattern_key(SEED), 640);
    cr_assert_eq(kit_pattern_check(stream, 64, kit_pattern_key(SEED + 1), 640),
                 0);
}

/* Small seeds give no word that a zeroed buffer (or one holding only its
   first byte) would match: every byte of a message is checked. */
Test(pattern, a_zeroed_or_partly_written_buffer_is_found)
{
    for (uint64_t seed = 0; seed < 1000; seed++) {
        uint64_t key = kit_pattern_key(seed);

        memset(stream, 0, 8);
        cr_assert_lt(kit_pattern_check(stream, 8, key, 0), 8, "seed %llu",
                     (unsigned long long)seed);
        stream[0] = kit_pattern_byte(key, 0);
        cr_assert_lt(kit_pattern_check(stream, 8, key, 0), 8,
                     "seed %llu, only byte 0 written",
                     (unsigned long long)seed);
    }
}

/* The sampled form checks the first word of every 64-byte line. */
Test(pattern, the_line_stamps_catch_a_wrong_line)
{
    uint64_t key = kit_pattern_key(SEED);

    kit_pattern_fill_lines(stream, sizeof stream, key, 4096);
    cr_assert(kit_pattern_check_lines(stream, sizeof stream, key, 4096));
    cr_assert_eq(kit_load_le64(stream + 128), kit_pattern_word(key, 528));
    for (size_t line = 0; line < sizeof stream; line += 64) {
        stream[line + 3] ^= 1;
        cr_assert(!kit_pattern_check_lines(stream, sizeof stream, key, 4096),
                  "line at %zu", line);
        stream[line + 3] ^= 1;
    }
    cr_assert(!kit_pattern_check_lines(stream, sizeof stream, key, 0));
}

/* splitmix64's published first outputs from state 0: tests that replay a
   sequence get the same one everywhere. */
Test(pattern, kit_rand_is_splitmix64)
{
    uint64_t state = 0;

    cr_assert_eq(kit_rand(&state), UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(kit_rand(&state), UINT64_C(0x6e789e6aa1b965f4));
    cr_assert_eq(kit_rand(&state), UINT64_C(0x06c45d188009454f));
    for (int i = 0; i < 1000; i++) {
        uint64_t v = kit_rand_range(&state, 3, 9);
        cr_assert(v >= 3 && v <= 9);
    }
}
