/*
 * ring_internal.h: the shared control page and the helpers the files of
 * src/ share. The layout here is internal and versioned: attach checks
 * RING_LAYOUT_VERSION and refuses anything else.
 */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include "ring.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_HIDDEN __attribute__((visibility("hidden")))

/* "ringshm" and a zero byte, read as a little-endian 64-bit word. */
#define RING_MAGIC          UINT64_C(0x006d6873676e6972)
#define RING_LAYOUT_VERSION 1u
#define RING_BLOCK          128

/* Largest capacity accepted: 2^40 bytes (the mapping needs twice that). */
#define RING_CAPACITY_MAX (UINT64_C(1) << 40)

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
 * data_offset. Offsets only, never pointers: every process maps it at a
 * different address. Each block is written by one side only (the header
 * by the creator, once, before the memfd is shared), and sits on its own
 * 128 bytes: two cache lines, so the adjacent-line prefetcher does not
 * pull a side's line into the other's core either.
 */
struct ring_control {
    /* Block 0: the header. Attach reads it with pread, validates it and
       keeps its own copy: nothing in it is read from the mapping again. */
    uint64_t magic;
    uint32_t layout_version;
    uint32_t flags;       /* RING_LAYOUT_* */
    uint64_t capacity;    /* data bytes: a power of two, page multiple */
    uint64_t data_offset; /* size of the control area: one (huge) page */
    unsigned char header_pad[RING_BLOCK - 32];

    /* Block 1: the producer. */
    _Atomic uint64_t tail;    /* bytes ever committed */
    _Atomic uint32_t records; /* nonzero once records were sent */
    unsigned char producer_pad[RING_BLOCK - 12];

    /* Block 2: the consumer. */
    _Atomic uint64_t head; /* bytes ever consumed */
    unsigned char consumer_pad[RING_BLOCK - 8];

    /* Block 3: roles, written at attach and close. */
    _Atomic uint32_t role_state[2]; /* enum ring_role_state */
    uint64_t doorbell; /* written with pwrite to wake inotify watchers */
    unsigned char role_pad[RING_BLOCK - 16];

    /* Block 4: a consumer waiting for data. It writes read_want and
       read_notify before it sleeps; the producer reads read_want after
       every publish of tail, and claims a wake-up by clearing it. */
    _Atomic uint64_t read_want;   /* tail it waits for; 0: nobody waits */
    _Atomic uint32_t read_futex;  /* bumped by the producer to wake it */
    _Atomic uint32_t read_notify; /* RING_NOTIFY_* */
    _Atomic uint64_t read_sleeps; /* counters, for ring_get_stats */
    _Atomic uint64_t read_wakes;
    _Atomic uint64_t read_missed;
    unsigned char read_pad[RING_BLOCK - 40];

    /* Block 5: a producer waiting for space, the mirror of block 4. */
    _Atomic uint64_t write_want; /* head it waits for; 0: nobody waits */
    _Atomic uint32_t write_futex;
    _Atomic uint32_t write_notify;
    _Atomic uint64_t write_sleeps;
    _Atomic uint64_t write_wakes;
    _Atomic uint64_t write_missed;
    unsigned char write_pad[RING_BLOCK - 40];
};

/* How a waiter wants to be woken (read_notify, write_notify). */
#define RING_NOTIFY_FUTEX 1u /* FUTEX_WAKE on the futex word */
#define RING_NOTIFY_EVENT 2u /* a pwrite on the doorbell, for inotify */

_Static_assert(offsetof(struct ring_control, magic) == 0, "layout");
_Static_assert(offsetof(struct ring_control, layout_version) == 8, "layout");
_Static_assert(offsetof(struct ring_control, flags) == 12, "layout");
_Static_assert(offsetof(struct ring_control, capacity) == 16, "layout");
_Static_assert(offsetof(struct ring_control, data_offset) == 24, "layout");
_Static_assert(offsetof(struct ring_control, tail) == 1 * RING_BLOCK, "layout");
_Static_assert(offsetof(struct ring_control, records) == 1 * RING_BLOCK + 8,
               "layout");
_Static_assert(offsetof(struct ring_control, head) == 2 * RING_BLOCK, "layout");
_Static_assert(offsetof(struct ring_control, role_state) == 3 * RING_BLOCK,
               "layout");
_Static_assert(offsetof(struct ring_control, read_want) == 4 * RING_BLOCK,
               "layout");
_Static_assert(offsetof(struct ring_control, write_want) == 5 * RING_BLOCK,
               "layout");
_Static_assert(sizeof(struct ring_control) == 6 * RING_BLOCK, "layout");
_Static_assert(sizeof(struct ring_control) <= 4096, "one page at most");
_Static_assert(sizeof(_Atomic uint64_t) == 8, "lock-free 64-bit atomics");

/* The handle's blocks stay apart (see struct ring). */
_Static_assert(offsetof(struct ring, tail) == 128, "handle layout");
_Static_assert(offsetof(struct ring, head) == 256, "handle layout");
_Static_assert(sizeof(struct ring) == 384, "handle layout");
_Static_assert(sizeof(size_t) == 8, "64-bit only");

/* The header as attach validated it: the only copy attach trusts. */
struct ring_geometry {
    uint64_t capacity;
    uint64_t data_offset; /* control area, one (huge) page */
    uint32_t flags;       /* RING_LAYOUT_* */
};

/* map.c: the double mapping. */
RING_HIDDEN int ring_map(struct ring *r, const struct ring_geometry *g,
                         int writable_data, int populate_write);
RING_HIDDEN void ring_unmap(struct ring *r);
RING_HIDDEN int ring_mirror_check(const struct ring *r);

/* validate.c: is this descriptor a ring we may map? */
RING_HIDDEN int ring_validate_fd(int fd, struct ring_geometry *g);
RING_HIDDEN int ring_validate_geometry(const struct ring_geometry *g,
                                       uint64_t file_size, uint64_t page);

/* role.c: one live holder per role. */
RING_HIDDEN int ring_roles_lock(struct ring *r, unsigned roles);
RING_HIDDEN void ring_roles_release(struct ring *r);

/* fence.c: the waiter's half of the asymmetric fence. Register once per
   process before publishing without a fence; 0 or -errno. */
RING_HIDDEN int ring_fence_register(void);
/* A full barrier on the CPUs of every registered process; 0 or -errno. */
RING_HIDDEN int ring_fence_peers(void);

/* wait.c: waking, and telling whether the peer is gone. */
RING_HIDDEN void ring_wake_all(struct ring *r);
RING_HIDDEN int ring_peer_gone(struct ring *r, enum ring_role peer,
                               int ask_kernel);
RING_HIDDEN void ring_waiters_reset(struct ring *r);
/* 1 when len is readable (writable) already, 0 when announced with the
   doorbell as the signal, or -errno; *fenced as in announce(). */
RING_HIDDEN int ring_event_announce(struct ring *r, enum ring_role role,
                                    uint64_t len, int ask_kernel, int *fenced);

/* event.c: descriptors for event loops. */
RING_HIDDEN void ring_event_close_all(struct ring *r);

/* setup.c */
RING_HIDDEN struct ring_control *ring_control_of(const struct ring *r);
RING_HIDDEN size_t ring_page_size(void);

#endif /* RING_INTERNAL_H */
