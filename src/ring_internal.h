/* SPDX-License-Identifier: MIT */
/*
 * ring_internal.h: the helpers the files of src/ share. The shared layout
 * is in ring_layout.h: internal and versioned, attach checks
 * RING_LAYOUT_VERSION and refuses anything else.
 */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include "ring.h"
#include "ring_layout.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_HIDDEN __attribute__((visibility("hidden")))

_Static_assert(sizeof(_Atomic uint64_t) == 8, "lock-free 64-bit atomics");

/* The handle's blocks stay apart (see struct ring). */
_Static_assert(offsetof(struct ring, tail) == 128, "handle layout");
_Static_assert(offsetof(struct ring, head) == 256, "handle layout");
_Static_assert(sizeof(struct ring) == 384, "handle layout");
_Static_assert(sizeof(size_t) == 8, "64-bit only");

/* The header as attach validated it: the only copy attach trusts. */
struct ringi_geometry {
    uint64_t capacity;
    uint64_t data_offset; /* control area, one (huge) page */
    uint32_t flags;       /* RING_LAYOUT_* */
};

/* map.c: the double mapping. */
RING_HIDDEN int ringi_map(struct ring *r, const struct ringi_geometry *g,
                          int writable_data, int populate_write);
RING_HIDDEN void ringi_unmap(struct ring *r);
RING_HIDDEN int ringi_mirror_check(const struct ring *r);

/* validate.c: is this descriptor a ring we may map? */
RING_HIDDEN int ringi_validate_fd(int fd, struct ringi_geometry *g);
RING_HIDDEN int ringi_validate_geometry(const struct ringi_geometry *g,
                                        uint64_t file_size, uint64_t page);

/* role.c: one live holder per role. */
RING_HIDDEN int ringi_roles_lock(struct ring *r, unsigned roles);
RING_HIDDEN void ringi_roles_release(struct ring *r);

/* fence.c: the waiter's half of the asymmetric fence. Register once per
   process before publishing without a fence; 0 or -errno. */
RING_HIDDEN int ringi_fence_register(void);
/* A full barrier on the CPUs of every registered process; 0 or -errno. */
RING_HIDDEN int ringi_fence_peers(void);

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
RING_HIDDEN void ringi_event_close_all(struct ring *r);

/* setup.c */
RING_HIDDEN struct ring_control *ringi_control_of(const struct ring *r);
RING_HIDDEN size_t ringi_page_size(void);

#endif /* RING_INTERNAL_H */
