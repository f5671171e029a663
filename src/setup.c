// SPDX-License-Identifier: MIT
/*
 * setup.c: create, attach and close.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008u /* Linux 6.3 */
#endif

static const enum ring_role role_index[] = {RING_ROLE_PRODUCER,
                                            RING_ROLE_CONSUMER};
static const unsigned role_flag[] = {RING_PRODUCER, RING_CONSUMER};

/* The closed state, the same as a zeroed handle's: every call fails
   cleanly, ring_close does nothing. Descriptors read -1 for readers of
   the handle in a debugger; nothing decides by them. */
static void reset(struct ring *r)
{
    memset(r, 0, sizeof *r);
    r->setup.fd = -1;
    r->setup.lock_fd = -1;
    ringi_side_close(r);
    ringi_waiters_reset(r);
    ringi_event_reset(r);
}

/* Undoes what a handle holds: event descriptors, mapping, role locks,
   memfd; leaves it closed. */
static void release_all(struct ring *r)
{
    ringi_event_close_all(r);
    ringi_unmap(r);
    ringi_roles_release(r);
    if (r->setup.fd >= 0)
        close(r->setup.fd);
    reset(r);
}

/* Undoes a partly opened handle and returns rc. */
static int fail(struct ring *r, int rc)
{
    release_all(r);
    return rc;
}

static uint64_t round_up_pow2(uint64_t v)
{
    uint64_t p = 1;

    while (p < v)
        p <<= 1;
    return p;
}

/* Sets the handle's indices from the shared ones, for the roles it holds,
   and makes those sides live. A role taken over continues where its last
   holder stopped. */
static void start_indices(struct ring *r)
{
    struct ringi_producer *p = &r->producer;
    struct ringi_consumer *c = &r->consumer;
    unsigned roles = r->setup.roles;

    if (roles & RING_CONSUMER) {
        /* Acquire pairs with the release store of head by the previous
           consumer (ringi_publish_head). */
        c->head = ringi_load_acquire(r->setup.head_shared);
    }
    c->tail_cache = c->head;
    if (roles & RING_PRODUCER) {
        uint64_t tail = ringi_load_acquire(r->setup.tail_shared);
        /* A producer that died between storing a record's header (the
           commit point) and storing tail left committed records past
           tail: step over them, as the consumer will. */
        uint64_t past = ringi_walk_records(r, tail, r->setup.capacity);

        if (past)
            ringi_store_release(r->setup.tail_shared, tail + past);
        /* Acquire pairs with the release store in
           ringi_announce_records. */
        p->records = atomic_load_explicit(&ringi_control_of(r)->records,
                                          memory_order_acquire) != 0;
        p->tail = tail + past;
    }
    /* Looks full, so the first reserve reads and checks head; a side this
       handle does not hold looks full (or empty) forever. */
    p->head_cache = p->tail - r->setup.capacity;
    ringi_side_open(r, RING_PRODUCER, (roles & RING_PRODUCER) ? 0 : -EPERM);
    ringi_side_open(r, RING_CONSUMER, (roles & RING_CONSUMER) ? 0 : -EPERM);
}

/* Tells the peer which roles are held now. */
static void mark_roles(struct ring *r, enum ring_role_state state)
{
    struct ring_control *c = ringi_control_of(r);

    for (unsigned i = 0; i < 2; i++)
        if (r->setup.roles & role_flag[i])
            /* model/wake.pml: P7 (state RING_ROLE_CLOSED) */
            atomic_store_explicit(&c->role_state[role_index[i]], state,
                                  memory_order_release);
}

static int create_memfd(unsigned flags)
{
    unsigned mfd = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    int fd;

    if (flags & RING_HUGEPAGES)
        mfd |= MFD_HUGETLB;
    /* Not executable, ever, where the kernel knows the flag. */
    fd = memfd_create("ring", mfd | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("ring", mfd);
    return fd < 0 ? -errno : fd;
}

/* The roles flags ask for: 0 means both. */
static unsigned roles_of(unsigned flags)
{
    unsigned roles = flags & (RING_PRODUCER | RING_CONSUMER);

    return roles ? roles : RING_PRODUCER | RING_CONSUMER;
}

/* What every open handle does last: takes its roles, fences, starts. */
static int finish_open(struct ring *r)
{
    int rc = ringi_fork_watch();

    if (rc < 0)
        return fail(r, rc);
    r->setup.epoch = atomic_load_explicit(&ringi_epoch, memory_order_relaxed);
    /* Without the asymmetric fence, this handle fences its publishes. */
    r->setup.publish_fence = ringi_fence_register() != 0;
    start_indices(r);
    mark_roles(r, RING_ROLE_HELD);
    return 0;
}

/* The geometry of a new ring of at least capacity bytes. */
static int new_geometry(struct ring *r, size_t capacity, unsigned flags,
                        struct ringi_geometry *g)
{
    uint64_t page = ringi_page_size();

    if (flags & RING_HUGEPAGES) {
        struct stat st;

        if (fstat(r->setup.fd, &st) != 0)
            return -errno;
        page = (uint64_t)st.st_blksize; /* the huge page size */
    }
    g->capacity = round_up_pow2(capacity < page ? page : capacity);
    g->data_offset = page;
    g->flags = (flags & RING_HUGEPAGES) ? RING_LAYOUT_HUGETLB : 0;
    if (g->capacity > RING_CAPACITY_MAX)
        return -EINVAL;
    /* Huge pages come from their own pool, which mmap reserves (or
       refuses) up front. */
    if (!(flags & RING_HUGEPAGES))
        return ringi_memory_available(g->data_offset + g->capacity);
    return 0;
}

int ring_create(struct ring *r, size_t capacity, unsigned flags)
{
    struct ringi_geometry g;
    struct ring_control *c;
    int rc;

    reset(r);
    if (flags & ~(RING_PRODUCER | RING_CONSUMER | RING_HUGEPAGES))
        return -EINVAL;
    if (capacity == 0 || capacity > RING_CAPACITY_MAX)
        return -EINVAL;
    r->setup.roles = roles_of(flags);
    r->setup.flags = flags & RING_HUGEPAGES;

    rc = create_memfd(flags);
    if (rc < 0)
        return fail(r, rc);
    r->setup.fd = rc;
    rc = new_geometry(r, capacity, flags, &g);
    if (rc < 0)
        return fail(r, rc);
    if (ftruncate(r->setup.fd, (off_t)(g.data_offset + g.capacity)) != 0)
        return fail(r, -errno);

    /* Mapped writable for the mirror check; a consumer-only creator drops
       the write permission below. */
    rc = ringi_map(r, &g, 1, 1);
    if (rc < 0)
        return fail(r, rc);
    rc = ringi_mirror_check(r);
    if (rc < 0)
        return fail(r, rc);

    /* The header is written before the memfd is sealed and leaves this
       process; nobody reads it from the mapping again. hugetlbfs has no
       write(), so it is written through the mapping. */
    c = ringi_control_of(r);
    c->magic = RING_MAGIC;
    c->layout_version = RING_LAYOUT_VERSION;
    c->flags = g.flags;
    c->capacity = g.capacity;
    c->data_offset = g.data_offset;
    if (fcntl(r->setup.fd, F_ADD_SEALS,
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        return fail(r, -errno);

    if (!(r->setup.roles & RING_PRODUCER) &&
        mprotect(r->setup.data, 2 * (size_t)g.capacity, PROT_READ) != 0)
        return fail(r, -errno);

    rc = ringi_roles_lock(r, r->setup.roles);
    if (rc < 0)
        return fail(r, rc);
    return finish_open(r);
}

int ring_attach_max(struct ring *r, int fd, unsigned flags, size_t max_capacity)
{
    struct ringi_geometry g;
    int rc;

    reset(r);
    if (flags & ~(RING_PRODUCER | RING_CONSUMER | RING_HUGEPAGES))
        return -EINVAL;
    /* A character device: a ring a kernel driver produces (device.c). */
    rc = ringi_device_attach(r, fd, flags, max_capacity);
    if (rc != -ENODEV)
        return rc < 0 ? fail(r, rc) : 0;
    r->setup.roles = roles_of(flags);

    rc = ringi_validate_fd(fd, &g, max_capacity, (flags & RING_HUGEPAGES) != 0);
    if (rc < 0)
        return fail(r, rc);
    r->setup.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (r->setup.fd < 0) {
        r->setup.fd = -1;
        return fail(r, -errno);
    }
    r->setup.flags = (g.flags & RING_LAYOUT_HUGETLB) ? RING_HUGEPAGES : 0;
    /* Roles first: a holder that is still alive keeps its role, and we map
       nothing. */
    rc = ringi_roles_lock(r, r->setup.roles);
    if (rc < 0)
        return fail(r, rc);
    rc = ringi_map(r, &g, (r->setup.roles & RING_PRODUCER) != 0,
                   (r->setup.roles & RING_PRODUCER) != 0);
    if (rc < 0)
        return fail(r, rc);
    rc = finish_open(r);
    if (rc < 0)
        return rc;
    /* Learns whether the peer is here already (ringi_peer_gone). */
    if (!(r->setup.roles & RING_PRODUCER))
        (void)ringi_peer_gone(r, RING_ROLE_PRODUCER, 1);
    if (!(r->setup.roles & RING_CONSUMER))
        (void)ringi_peer_gone(r, RING_ROLE_CONSUMER, 1);
    return 0;
}

int ring_attach(struct ring *r, int fd, unsigned flags)
{
    return ring_attach_max(r, fd, flags, RING_ATTACH_MAX_DEFAULT);
}

void ring_close(struct ring *r)
{
    if (r->setup.map_base == NULL)
        return; /* closed, failed to open, or zeroed and never opened */
    if (!ringi_open_here(r)) {
        /* A forked child's copy of the handle: it has no mapping, and the
           roles belong to the parent. Only the descriptors are its own. */
        if (r->setup.fd >= 0)
            close(r->setup.fd);
        if (r->setup.lock_fd >= 0)
            close(r->setup.lock_fd);
        ringi_event_forget(r);
        reset(r);
        return;
    }
    if (!ringi_is_device(r)) {
        mark_roles(r, RING_ROLE_CLOSED);
        /* A peer asleep learns at once that we are gone. */
        ringi_wake_all(r);
    }
    release_all(r);
}

/* A forked child gets the descriptor it inherited too: that is what it
   attaches from. */
int ring_fd(const struct ring *r)
{
    return r->setup.map_base != NULL ? r->setup.fd : -EBADF;
}

size_t ring_capacity(const struct ring *r)
{
    return ringi_open_here(r) ? (size_t)r->setup.capacity : 0;
}
