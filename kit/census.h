/* SPDX-License-Identifier: MIT */
/*
 * kit/census.h: the leak counter. What a process holds that libring (or a
 * benchmark's transport) could leak, read from /proc/self: descriptors,
 * mappings, mappings of memfds, and anonymous PROT_NONE reservations.
 * The tests compare a census before and after thousands of calls;
 * ringbench and ring_bench compare one before and after their run.
 */
#ifndef KIT_CENSUS_H
#define KIT_CENSUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kit_census {
    size_t fds;        /* open descriptors */
    size_t maps;       /* mappings of any kind */
    size_t memfd_maps; /* mappings of any memfd */
    size_t none_maps;  /* anonymous PROT_NONE mappings (reservations) */
    size_t none_bytes; /* and their total size */
};

/* Under AddressSanitizer or ThreadSanitizer the runtime makes and splits
   PROT_NONE mappings of its own as it allocates: reservations are not
   compared there (the descriptors and the memfd mappings still are). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KIT_CENSUS_RESERVATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KIT_CENSUS_RESERVATIONS 0
#endif
#endif
#ifndef KIT_CENSUS_RESERVATIONS
#define KIT_CENSUS_RESERVATIONS 1
#endif

/* Whether reservations are compared here: not under a sanitizer, nor
   under valgrind, whose runtimes make PROT_NONE mappings of their own. */
int kit_census_reservations(void);

/* Returns 0, or -errno when /proc/self could not be read. */
int kit_census_take(struct kit_census *c);

/* Only the descriptors, cheaper. Returns 0 or -errno. */
int kit_count_fds(size_t *count);

/*
 * Nonzero when after holds more or fewer descriptors, memfd mappings or
 * reservations than before (all mappings are not compared: allocators
 * map and unmap as they please). Writes what differs into buf when it is
 * not NULL.
 */
int kit_census_differs(const struct kit_census *before,
                       const struct kit_census *after, char *buf, size_t size);

/* 1 when a memfd mapping or an anonymous PROT_NONE mapping overlaps
   [base, base + len): what a ring's mapping leaves behind when it is not
   undone; 0 when none does, -errno when /proc/self/maps cannot be read. */
int kit_range_has_ring_maps(const void *base, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KIT_CENSUS_H */
