/* SPDX-License-Identifier: MIT */
/* helpers.h: what the tests share beyond the kit (kit/pattern.h gives
   them kit_rand, kit/census.h the leak counter): the byte pattern of a
   stream named by its seed, the record lengths of a record stream, and
   counts of descriptors and mappings. */
#ifndef RING_TEST_HELPERS_H
#define RING_TEST_HELPERS_H

#include "kit/pattern.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes pos .. pos + len - 1 of the kit's pattern for the stream with
   this seed (its key is kit_pattern_key(seed)). */
unsigned char test_pattern_byte(uint64_t seed, uint64_t pos);
void test_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                       uint64_t pos);
/* Index of the first byte that differs from the pattern, or len. */
size_t test_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                          uint64_t pos);

/* Record number n of the record stream with this seed: its length. */
size_t test_record_len(uint64_t seed, uint64_t n, size_t max_len);

/* Open descriptors and mappings of this process (kit_census_take); a
   test cannot go on without /proc/self, so these abort when it cannot be
   read. */
size_t test_count_fds(void);
size_t test_count_maps(void);

/* Path of a program built next to the running test. */
const char *test_sibling(const char *name);

#endif
