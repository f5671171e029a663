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
#include <linux/ioctl.h>
#include <linux/stddef.h>
#include <linux/types.h>
typedef __u64 ring_u64;
typedef __u32 ring_u32;
#define RING_SHARED(type)             type
#define RING_LAYOUT_ASSERT(cond, msg) static_assert(cond, msg)
#else
#include <linux/ioctl.h>
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

/*
 * Device rings: a kernel driver (kernel/) produces records, user space
 * consumes them. The driver allocates the pages; the consumer learns the
 * geometry from RING_IOC_GEOMETRY (never from the shared pages) and maps
 * two regions of the device, which the driver lays out as
 *
 *   mmap offset 0:          the consumer page, struct ring_dev_consumer:
 *                           the only page user space may write;
 *   mmap offset page_size:  the control page, struct ring_dev_control,
 *                           then the data pages twice: read-only.
 *
 * The driver reads exactly one word of user-writable memory, head,
 * through its own kernel mapping, and checks it; it keeps its own copies
 * of tail, capacity and every address and never reads back what it wrote.
 * Records are written as the library's producer writes them (see
 * RING_MSG_HEADER in ring.h): the payload, a zero header word after the
 * record, the header (length + 1) with release, then tail with release.
 * A separate version from RING_LAYOUT_VERSION: the memfd layout above is
 * not touched by it.
 */

/* "ringdev" and a zero byte, read as a little-endian 64-bit word. */
#define RING_DEV_MAGIC          0x00766564676e6972ULL
#define RING_DEV_LAYOUT_VERSION 1u

/* stream_state: what the consumer sees once the records run out. */
enum ring_dev_state {
    RING_DEV_RUNNING = 1, /* more may come */
    RING_DEV_ENDED = 2,   /* the producer ended the stream: -EPIPE */
    RING_DEV_STOPPED = 3, /* the driver saw an impossible head: -EPROTO */
};

/* What RING_IOC_GEOMETRY returns. Offsets and sizes in bytes. */
struct ring_dev_geometry {
    ring_u64 magic;           /* RING_DEV_MAGIC */
    ring_u32 layout_version;  /* RING_DEV_LAYOUT_VERSION */
    ring_u32 flags;           /* none yet: 0 */
    ring_u64 capacity;        /* data bytes: a power of two, page multiple */
    ring_u64 page_size;       /* the kernel's */
    ring_u64 consumer_offset; /* mmap offset of the consumer page, which
                                 is one page long and mapped read-write */
    ring_u64 control_offset;  /* mmap offset of the read-only region */
    ring_u64 control_length;  /* its length: the control page, then
                                 capacity bytes twice */
    ring_u64 data_offset;     /* where the data starts in that region */
    ring_u64 reserved[8];     /* 0 */
};

/* RING_IOC_CREATE's argument (the reference driver's way to make one). */
struct ring_dev_create {
    ring_u64 capacity; /* rounded up to a power of two, at least a page */
    ring_u64 flags;    /* none yet: 0 */
};

/*
 * The control page, read-only to user space, written only by the driver.
 * Block 0 and block 1 keep the offsets of struct ring_control.
 */
struct ring_dev_control {
    /* Block 0: the header, written once before the ring is mapped. */
    ring_u64 magic;          /* RING_DEV_MAGIC */
    ring_u32 layout_version; /* RING_DEV_LAYOUT_VERSION */
    ring_u32 flags;          /* 0 */
    ring_u64 capacity;
    ring_u64 data_offset;
    unsigned char header_pad[RING_BLOCK - 32];

    /* Block 1: the producer. */
    RING_SHARED(ring_u64) tail;    /* bytes ever committed */
    RING_SHARED(ring_u32) records; /* 1: the ring carries records */
    unsigned char producer_pad[RING_BLOCK - 12];

    /* Block 2: the stream and a waiting producer. */
    RING_SHARED(ring_u32) stream_state; /* enum ring_dev_state */
    ring_u32 state_pad;
    /* Head a producer sleeps until, 0: none. A consumer that publishes a
       head at or past it calls RING_IOC_WAKE; the driver clears it. */
    RING_SHARED(ring_u64) write_want;
    RING_SHARED(ring_u64) write_sleeps; /* counters, for ring_get_stats */
    RING_SHARED(ring_u64) write_wakes;
    RING_SHARED(ring_u64) write_missed;
    unsigned char stream_pad[RING_BLOCK - 40];
};

/*
 * The consumer page, the only one user space may write. The driver reads
 * head and nothing else from it; the rest is the consumer's own.
 */
struct ring_dev_consumer {
    RING_SHARED(ring_u64) head; /* bytes ever consumed */
    unsigned char head_pad[RING_BLOCK - 8];

    /* The consumer's wait words and counters; the driver never reads
       them (the consumer waits with poll on the device). */
    RING_SHARED(ring_u64) read_want;   /* unused: poll, not a futex */
    RING_SHARED(ring_u64) read_sleeps; /* for ring_get_stats */
    unsigned char read_pad[RING_BLOCK - 16];
};

/*
 * The ioctls. GEOMETRY, ARM and WAKE are what every driver that hands out
 * such a ring implements (ringk_ioctl in kernel/ring_kernel.c does);
 * CREATE is how the reference driver makes its ring. The type byte is not
 * registered: the magic in the geometry is what identifies a ring device.
 */
#define RING_IOC_TYPE 0xB7
/* Makes this open file's ring: 0, -EBUSY when it has one, -EINVAL for a
   capacity of 0 or bad flags, -EFBIG above the driver's limit, -ENOMEM. */
#define RING_IOC_CREATE _IOW(RING_IOC_TYPE, 0x01, struct ring_dev_create)
/* Fills struct ring_dev_geometry: 0, or -ENXIO when there is no ring. */
#define RING_IOC_GEOMETRY _IOR(RING_IOC_TYPE, 0x02, struct ring_dev_geometry)
/* Argument: bytes the consumer waits for. poll reports EPOLLIN once that
   many are readable (or the stream ended or stopped). Returns 1 when that
   holds already, 0 when armed. */
#define RING_IOC_ARM _IO(RING_IOC_TYPE, 0x03)
/* The consumer published a head at or past write_want: wake the waiting
   producer. */
#define RING_IOC_WAKE _IO(RING_IOC_TYPE, 0x04)

RING_LAYOUT_ASSERT(sizeof(struct ring_dev_geometry) == 128, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_geometry, capacity) == 16,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_geometry, data_offset) == 56,
                   "layout");
RING_LAYOUT_ASSERT(sizeof(struct ring_dev_create) == 16, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, capacity) ==
                       offsetof(struct ring_control, capacity),
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, data_offset) ==
                       offsetof(struct ring_control, data_offset),
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, tail) ==
                       offsetof(struct ring_control, tail),
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, records) ==
                       offsetof(struct ring_control, records),
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, stream_state) ==
                       2 * RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_control, write_want) ==
                       2 * RING_BLOCK + 8,
                   "layout");
RING_LAYOUT_ASSERT(sizeof(struct ring_dev_control) == 3 * RING_BLOCK, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_consumer, head) == 0, "layout");
RING_LAYOUT_ASSERT(offsetof(struct ring_dev_consumer, read_want) == RING_BLOCK,
                   "layout");
RING_LAYOUT_ASSERT(sizeof(struct ring_dev_consumer) == 2 * RING_BLOCK,
                   "layout");

#endif /* RING_LAYOUT_H */
