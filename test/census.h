/* SPDX-License-Identifier: MIT */
/* census.h: what a process holds that libring could leak, read from
   /proc/self: descriptors, mappings of memfds, and anonymous PROT_NONE
   reservations. Only these are counted, so that an allocator or a
   sanitizer runtime mapping memory of its own does not disturb a
   before/after comparison. */
#ifndef RING_TEST_CENSUS_H
#define RING_TEST_CENSUS_H

#include <stddef.h>

struct test_census {
    size_t fds;        /* open descriptors */
    size_t memfd_maps; /* mappings of any memfd */
    size_t none_maps;  /* anonymous PROT_NONE mappings (reservations) */
    size_t none_bytes; /* and their total size */
};

/* Under AddressSanitizer or ThreadSanitizer the runtime makes and splits
   PROT_NONE mappings of its own as it allocates: reservations are not
   compared there (the descriptors and the memfd mappings still are). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_CENSUS_RESERVATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_CENSUS_RESERVATIONS 0
#endif
#endif
#ifndef TEST_CENSUS_RESERVATIONS
#define TEST_CENSUS_RESERVATIONS 1
#endif

/* 0 on success, -1 when /proc/self could not be read. */
int test_take_census(struct test_census *c);

/* Writes into buf (when non-NULL) what differs; nonzero when anything
   does. */
int test_census_differs(const struct test_census *before,
                        const struct test_census *after, char *buf,
                        size_t size);

/* Nonzero when a memfd mapping or an anonymous PROT_NONE mapping
   overlaps [base, base + len): what a ring's mapping leaves behind when
   it is not undone. -1 when /proc/self/maps cannot be read. */
int test_range_has_ring_maps(const void *base, size_t len);

#endif
