/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ring_layout.h: the shared-memory layout of a ring, the one definition
 * that the library (user space) and the kernel driver (kernel/) both
 * include. Fixed-width fields, explicit padding, and a static check on
 * every offset: a change here is a change of RING_LAYOUT_VERSION, which
 * attach checks and refuses anything else.
 *
 * Offsets only, never pointers: every process maps the region at a
 * different address. Each block is written by one side only (the header
 * by the creator, once, before the memory is shared) and sits on its own
 * 128 bytes: two cache lines, so that the adjacent-line prefetcher does
 * not pull one side's line into the other's core either.
 *
 * Words both sides touch are RING_SHARED: _Atomic in user space, plain in
 * the kernel, which reaches them with READ_ONCE/WRITE_ONCE and
 * smp_load_acquire/smp_store_release. The representation is the same.
 */
#ifndef RING_LAYOUT_H
#define RING_LAYOUT_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
typedef __u64 ring_u64;
typedef __u32 ring_u32;
#define RING_SHARED(type)             type
#define RING_LAYOUT_ASSERT(cond, msg) static_assert(cond, msg)
#else
#include <stddef.h>
#include <stdint.h>
typedef uint64_t ring_u64;
typedef uint32_t ring_u32;
#ifdef __cplusplus
#define RING_SHARED(type)             type /* C++ never reaches the shared page */
#define RING_LAYOUT_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RING_SHARED(type)             _Atomic type
#define RING_LAYOUT_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#endif

/* "ringshm" and a zero byte, read as a little-endian 64-bit word. */
#define RING_MAGIC          0x006d6873676e6972ULL
#define RING_LAYOUT_VERSION 1u
#define RING_BLOCK          128

/* Largest capacity a ring may have: 2^40 bytes (the mapping needs twice
   that). */
#define RING_CAPACITY_MAX (1ULL << 40)

/* Flags stored in the header. */
#define RING_LAYOUT_HUGETLB 1u

/* Roles, as indices into role_state and as locked bytes of the memfd. */
enum ring_role { RING_ROLE_PRODUCER = 0, RING_ROLE_CONSUMER = 1 };

/* role_state values: never taken, held, closed by its holder. */
enum ring_role_state {
    RING_ROLE_NEVER = 0,
    RING_ROLE_HELD = 1,
    RING_ROLE_CLOSED = 2,
};

/*
 * The control page, at offset 0 of the memfd; the data follows at
 * data_offset.
 */
struct ring_control {
    /* Block 0: the header. Attach reads it with pread, validates it and
       keeps its own copy: nothing in it is read from the mapping again. */
    ring_u64 magic;
    ring_u32 layout_version;
    ring_u32 flags;       /* RING_LAYOUT_* */
    ring_u64 capacity;    /* data bytes: a power of two, page multiple */
    ring_u64 data_offset; /* size of the control area: one (huge) page */
    unsigned char header_pad[RING_BLOCK - 32];

    /* Block 1: the producer. */
    RING_SHARED(ring_u64) tail;    /* bytes ever committed */
    RING_SHARED(ring_u32) records; /* nonzero once records were sent */
    unsigned char producer_pad[RING_BLOCK - 12];

    /* Block 2: the consumer. */
    RING_SHARED(ring_u64) head; /* bytes ever consumed */
    unsigned char consumer_pad[RING_BLOCK - 8];

    /* Block 3: roles, written at attach and close. */
    RING_SHARED(ring_u32) role_state[2]; /* enum ring_role_state */
    ring_u64 doorbell; /* written with pwrite to wake inotify watchers */
    unsigned char role_pad[RING_BLOCK - 16];

    /* Block 4: a consumer waiting for data. It writes read_want and
       read_notify before it sleeps; the producer reads read_want after
       every publish of tail, and claims a wake-up by clearing it. */
    RING_SHARED(ring_u64) read_want;   /* tail it waits for; 0: nobody */
    RING_SHARED(ring_u32) read_futex;  /* bumped by the producer to wake */
    RING_SHARED(ring_u32) read_notify; /* RING_NOTIFY_* */
    RING_SHARED(ring_u64) read_sleeps; /* counters, for ring_get_stats */
    RING_SHARED(ring_u64) read_wakes;
    RING_SHARED(ring_u64) read_missed;
    unsigned char read_pad[RING_BLOCK - 40];

    /* Block 5: a producer waiting for space, the mirror of block 4. */
    RING_SHARED(ring_u64) write_want; /* head it waits for; 0: nobody */
    RING_SHARED(ring_u32) write_futex;
    RING_SHARED(ring_u32) write_notify;
    RING_SHARED(ring_u64) write_sleeps;
    RING_SHARED(ring_u64) write_wakes;
    RING_SHARED(ring_u64) write_missed;
    unsigned char write_pad[RING_BLOCK - 40];
};

/* How a waiter wants to be woken (read_notify, write_notify). */
#define RING_NOTIFY_FUTEX 1u /* FUTEX_WAKE on the futex word */
#define RING_NOTIFY_EVENT 2u /* a pwrite on the doorbell, for inotify */

RING_LAYOUT_ASSERT(offsetof(struct ring_control, magic) == 0, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, layout_version) == 8,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, flags) == 12, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, capacity) == 16, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, data_offset) == 24, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, tail) == 1 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, records) == 1 * RING_BLOCK + 8,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, head) == 2 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, role_state) == 3 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, read_want) == 4 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_control, write_want) == 5 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(sizeof(struct ring_control) == 6 * RING_BLOCK, "layout");
RING_LAYOUT_ASSERT(sizeof(struct ring_control) <= 4096, "one page at most");

#endif /* RING_LAYOUT_H */
