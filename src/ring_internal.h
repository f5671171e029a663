/* SPDX-License-Identifier: MIT */
/*
 * ring_internal.h: what the files of src/ share. The shared layout is in
 * ring_layout.h: internal and versioned, attach checks RING_LAYOUT_VERSION
 * and refuses anything else.
 *
 * The files form a stack; each uses only those below it:
 *
 *   setup.c                  create, attach, close
 *   event.c                  descriptors for event loops
 *   wait.c                   waiting and waking
 *   device.c                 a ring a kernel driver produces
 *   map.c validate.c memory.c role.c fence.c share.c side.c
 *                            mapping, checking a descriptor, what memory
 *                            the process may use, role locks, the
 *                            asymmetric fence, fd passing, a side's state
 *   ring_internal.h          this header: the page size, the control page
 */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include "ring.h"
#include "ring_layout.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#define RING_HIDDEN __attribute__((visibility("hidden")))

_Static_assert(sizeof(_Atomic uint64_t) == 8, "lock-free 64-bit atomics");
_Static_assert(sizeof(size_t) == 8, "64-bit only");

/* The handle's parts stay RINGI_GAP apart (see struct ring); the
   regression test test_layout checks every 8-byte-aligned base. */
_Static_assert(offsetof(struct ring, setup) >=
                   offsetof(struct ring, producer) +
                       sizeof(struct ringi_producer) + RINGI_GAP,
               "handle layout");
_Static_assert(offsetof(struct ring, consumer) >=
                   offsetof(struct ring, setup) + sizeof(struct ringi_setup) +
                       RINGI_GAP,
               "handle layout");

static inline size_t ringi_page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static inline struct ring_control *ringi_control_of(const struct ring *r)
{
    return (struct ring_control *)r->setup.control;
}

/* Is the handle open, in the process that opened it? */
static inline int ringi_open_here(const struct ring *r)
{
    return r->setup.map_base != NULL &&
           r->setup.epoch ==
               atomic_load_explicit(&ringi_epoch, memory_order_relaxed);
}

/* The header as attach validated it: the only copy attach trusts. */
struct ringi_geometry {
    uint64_t capacity;
    uint64_t data_offset; /* control area, one (huge) page */
    uint32_t flags;       /* RING_LAYOUT_* */
};

/* side.c: a side's state, and what the fast path calls out of line. */
/* Watches for fork() once per process; 0 or -errno. */
RING_HIDDEN int ringi_fork_watch(void);
RING_HIDDEN void ringi_side_open(struct ring *r, unsigned role, int error);
RING_HIDDEN void ringi_side_close(struct ring *r);
/* Bytes of committed records from pos on, at most limit: walks headers
   that an honest producer stored (each within ring_msg_max, the walk
   within limit) and stops at the first that is 0 or impossible. */
RING_HIDDEN uint64_t ringi_walk_records(const struct ring *r, uint64_t pos,
                                        uint64_t limit);

/* map.c: the double mapping. */
RING_HIDDEN int ringi_map(struct ring *r, const struct ringi_geometry *g,
                          int writable_data, int populate_write);
RING_HIDDEN void ringi_unmap(struct ring *r);
RING_HIDDEN int ringi_mirror_check(const struct ring *r);

/* validate.c: is this descriptor a ring we may map? */
RING_HIDDEN int ringi_validate_fd(int fd, struct ringi_geometry *g,
                                  uint64_t max_capacity, int hugepages_ok);
RING_HIDDEN int ringi_validate_geometry(const struct ringi_geometry *g,
                                        uint64_t file_size, uint64_t page);

/* memory.c: may this process still allocate bytes of shared memory?
   0, or -ENOMEM when its memory cgroup or the system clearly cannot. */
RING_HIDDEN int ringi_memory_available(uint64_t bytes);

/* role.c: one live holder per role. */
RING_HIDDEN int ringi_roles_lock(struct ring *r, unsigned roles);
RING_HIDDEN void ringi_roles_release(struct ring *r);
/* 1 when some handle holds role's lock, 0 when none does, -errno when the
   kernel cannot tell. */
RING_HIDDEN int ringi_role_held(const struct ring *r, enum ring_role role);

/* fence.c: the waiter's half of the asymmetric fence. Register once per
   process before publishing without a fence; 0 or -errno. */
RING_HIDDEN int ringi_fence_register(void);
/* A full barrier on the CPUs of every registered process; 0 or -errno. */
RING_HIDDEN int ringi_fence_peers(void);
/* In a forked child: register again before the next publish. */
RING_HIDDEN void ringi_fence_forget(void);

/* wait.c: waking, and telling whether the peer is gone. */
RING_HIDDEN void ringi_wake_all(struct ring *r);
RING_HIDDEN int ringi_peer_gone(struct ring *r, enum ring_role peer,
                                int ask_kernel);
RING_HIDDEN void ringi_waiters_reset(struct ring *r);
/* 1 when len is readable (writable) already, 0 when announced with the
   doorbell as the signal, or -errno; *fenced as in announce(). */
RING_HIDDEN int ringi_event_announce(struct ring *r, enum ring_role role,
                                     uint64_t len, int ask_kernel, int *fenced);

/* event.c: descriptors for event loops. */
RING_HIDDEN void ringi_event_reset(struct ring *r);
RING_HIDDEN void ringi_event_close_all(struct ring *r);
/* In a forked child: closes the child's copies of the event descriptors
   of its parent's handle, leaving the table alone. */
RING_HIDDEN void ringi_event_forget(struct ring *r);

/* device.c: a ring produced by a kernel driver (kernel/). */
#define RINGI_DEVICE (1u << 31) /* in setup.flags */
RING_HIDDEN int ringi_is_device(const struct ring *r);
/* Attaches as the consumer of a driver's ring and opens the handle; or
   -ENODEV when fd is not a character device (the memfd path decides).
   Else 0 or -errno; on failure the caller releases what it holds. */
RING_HIDDEN int ringi_device_attach(struct ring *r, int fd, unsigned flags,
                                    uint64_t max_capacity);
RING_HIDDEN int ringi_device_wait(struct ring *r, enum ring_role role,
                                  uint64_t len, int timeout_ms);
RING_HIDDEN void ringi_device_wake_producer(struct ring *r);
RING_HIDDEN int ringi_device_event_fd(struct ring *r, unsigned role);
RING_HIDDEN int ringi_device_event_arm(struct ring *r, unsigned role,
                                       uint64_t len);
RING_HIDDEN void ringi_device_stats(const struct ring *r,
                                    struct ring_stats *stats);

#endif /* RING_INTERNAL_H */
