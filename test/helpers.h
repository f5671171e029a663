/* SPDX-License-Identifier: MIT */
/* helpers.h: what the tests share: a seeded generator, the byte pattern
   every stream carries, and counters for descriptors and mappings. */
#ifndef RING_TEST_HELPERS_H
#define RING_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: small, fast, and the same sequence in every process. */
uint64_t test_rand(uint64_t *state);
/* A number in [lo, hi]. */
uint64_t test_rand_range(uint64_t *state, uint64_t lo, uint64_t hi);

/* The byte at offset pos of the test stream with this seed. */
unsigned char test_pattern_byte(uint64_t seed, uint64_t pos);
void test_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                       uint64_t pos);
/* Index of the first byte that differs from the pattern, or len. */
size_t test_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                          uint64_t pos);

/* Record number n of the record stream with this seed: its length. */
size_t test_record_len(uint64_t seed, uint64_t n, size_t max_len);

/* Open descriptors and mappings of this process, from /proc/self. */
size_t test_count_fds(void);
size_t test_count_maps(void);

/* Path of a program built next to the running test. */
const char *test_sibling(const char *name);

#endif
