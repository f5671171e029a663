// SPDX-License-Identifier: MIT
/*
 * setup.c: create, attach and close; the slow-path helpers the inline fast
 * path calls out to.
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

size_t ringi_page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

struct ring_control *ringi_control_of(const struct ring *r)
{
    return (struct ring_control *)r->control;
}

/* The closed state: every call fails cleanly, ring_close does nothing. */
static void reset(struct ring *r)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->lock_fd = -1;
    r->producer_error = -EBADF;
    r->consumer_error = -EBADF;
    ringi_waiters_reset(r);
}

/* Undoes what a handle holds: event descriptors, mapping, role locks,
   memfd; leaves it closed. */
static void release_all(struct ring *r)
{
    ringi_event_close_all(r);
    ringi_unmap(r);
    ringi_roles_release(r);
    if (r->fd >= 0)
        close(r->fd);
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

/* Sets the handle's indices from the shared ones, for the roles it holds.
   A role taken over continues where its last holder stopped. */
static void start_indices(struct ring *r)
{
    struct ring_control *c = ringi_control_of(r);

    r->producer_error = (r->roles & RING_PRODUCER) ? 0 : -EPERM;
    r->consumer_error = (r->roles & RING_CONSUMER) ? 0 : -EPERM;
    /* A side this handle does not hold looks full (or empty) forever, so
       its fast path always reaches the check of its error. */
    r->head_cache = r->tail - r->capacity;
    r->tail_cache = r->head;
    if (r->roles & RING_CONSUMER) {
        /* Acquire pairs with the release store of head by the previous
           consumer (ringi_publish_head). */
        r->head = ringi_load_acquire(r->head_shared);
        r->tail_cache = r->head;
    }
    if (r->roles & RING_PRODUCER) {
        uint64_t tail = ringi_load_acquire(r->tail_shared), scanned = 0;

        /* Acquire pairs with the release store in
           ringi_announce_records. */
        if (atomic_load_explicit(&c->records, memory_order_acquire)) {
            /* A producer that died between storing a record's header (the
               commit point) and storing tail left committed records past
               tail: step over them, as the consumer will. */
            for (;;) {
                /* Acquire pairs with the header's release store in
                   ringi_msg_store_header. */
                uint64_t word = ringi_load_acquire(ringi_data_word(r, tail));
                uint64_t size = ringi_msg_stride(word - 1);

                if (word == 0 || word - 1 > ring_msg_max(r) ||
                    scanned + size > r->capacity)
                    break;
                tail += size;
                scanned += size;
            }
            if (scanned)
                ringi_store_release(r->tail_shared, tail);
            r->producer_records = 1;
        }
        r->tail = tail;
        /* Looks full, so the first reserve reads and checks head. */
        r->head_cache = tail - r->capacity;
    }
}

/* Tells the peer which roles are held now. */
static void mark_roles(struct ring *r, enum ring_role_state state)
{
    struct ring_control *c = ringi_control_of(r);

    for (unsigned i = 0; i < 2; i++)
        if (r->roles & role_flag[i])
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

int ring_create(struct ring *r, size_t capacity, unsigned flags)
{
    struct ringi_geometry g;
    struct ring_control *c;
    uint64_t page;
    int rc;

    reset(r);
    if (flags & ~(RING_PRODUCER | RING_CONSUMER | RING_HUGEPAGES))
        return -EINVAL;
    if (capacity == 0 || capacity > RING_CAPACITY_MAX)
        return -EINVAL;
    r->roles = (flags & (RING_PRODUCER | RING_CONSUMER))
                   ? flags & (RING_PRODUCER | RING_CONSUMER)
                   : RING_PRODUCER | RING_CONSUMER;
    r->flags = flags & RING_HUGEPAGES;
    r->pid = getpid();

    rc = create_memfd(flags);
    if (rc < 0)
        return fail(r, rc);
    r->fd = rc;

    page = ringi_page_size();
    if (flags & RING_HUGEPAGES) {
        struct stat st;

        if (fstat(r->fd, &st) != 0)
            return fail(r, -errno);
        page = (uint64_t)st.st_blksize; /* the huge page size */
    }
    g.capacity = round_up_pow2(capacity < page ? page : capacity);
    g.data_offset = page;
    g.flags = (flags & RING_HUGEPAGES) ? RING_LAYOUT_HUGETLB : 0;
    if (g.capacity > RING_CAPACITY_MAX)
        return fail(r, -EINVAL);
    if (ftruncate(r->fd, (off_t)(g.data_offset + g.capacity)) != 0)
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
    if (fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) !=
        0)
        return fail(r, -errno);

    if (!(r->roles & RING_PRODUCER) &&
        mprotect(r->data, 2 * (size_t)g.capacity, PROT_READ) != 0)
        return fail(r, -errno);

    rc = ringi_roles_lock(r, r->roles);
    if (rc < 0)
        return fail(r, rc);
    /* Without the asymmetric fence, this handle fences its publishes. */
    r->publish_fence = ringi_fence_register() != 0;
    start_indices(r);
    mark_roles(r, RING_ROLE_HELD);
    return 0;
}

int ring_attach(struct ring *r, int fd, unsigned flags)
{
    struct ringi_geometry g;
    int rc;

    reset(r);
    if (flags & ~(RING_PRODUCER | RING_CONSUMER))
        return -EINVAL;
    r->roles = flags ? flags : RING_PRODUCER | RING_CONSUMER;
    r->pid = getpid();

    rc = ringi_validate_fd(fd, &g);
    if (rc < 0)
        return fail(r, rc);
    r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (r->fd < 0) {
        r->fd = -1;
        return fail(r, -errno);
    }
    r->flags = (g.flags & RING_LAYOUT_HUGETLB) ? RING_HUGEPAGES : 0;
    /* Roles first: a holder that is still alive keeps its role, and we map
       nothing. */
    rc = ringi_roles_lock(r, r->roles);
    if (rc < 0)
        return fail(r, rc);
    rc = ringi_map(r, &g, (r->roles & RING_PRODUCER) != 0,
                   (r->roles & RING_PRODUCER) != 0);
    if (rc < 0)
        return fail(r, rc);
    /* Without the asymmetric fence, this handle fences its publishes. */
    r->publish_fence = ringi_fence_register() != 0;
    start_indices(r);
    mark_roles(r, RING_ROLE_HELD);
    /* Learns whether the peer is here already (ringi_peer_gone). */
    if (!(r->roles & RING_PRODUCER))
        (void)ringi_peer_gone(r, RING_ROLE_PRODUCER, 1);
    if (!(r->roles & RING_CONSUMER))
        (void)ringi_peer_gone(r, RING_ROLE_CONSUMER, 1);
    return 0;
}

void ring_close(struct ring *r)
{
    if (r->pid != 0 && r->pid != getpid()) {
        /* A forked child's copy of the handle: it has no mapping, and the
           roles belong to the parent. Only the descriptors are its own. */
        if (r->fd >= 0)
            close(r->fd);
        if (r->lock_fd >= 0)
            close(r->lock_fd);
        ringi_event_close_all(r);
        reset(r);
        return;
    }
    if (r->control) {
        mark_roles(r, RING_ROLE_CLOSED);
        /* A peer asleep learns at once that we are gone. */
        ringi_wake_all(r);
    }
    release_all(r);
}

int ring_fd(const struct ring *r)
{
    return r->fd;
}

size_t ring_capacity(const struct ring *r)
{
    return (size_t)r->capacity;
}

/* A side's error, read from any thread: each side writes its own with
   an atomic store (the fail functions below), so a thread driving one side
   of a shared handle may ask about the other. Relaxed: only the value
   matters, it orders nothing. */
static int side_error(const int *error)
{
    return __atomic_load_n(error, __ATOMIC_RELAXED);
}

int ring_error(const struct ring *r)
{
    int rc;

    if (r->control == NULL)
        return -EBADF;
    if ((r->roles & RING_PRODUCER) && (rc = side_error(&r->producer_error)))
        return rc;
    if ((r->roles & RING_CONSUMER) && (rc = side_error(&r->consumer_error)))
        return rc;
    return 0;
}

void ringi_producer_fail(struct ring *r)
{
    __atomic_store_n(&r->producer_error, -EPROTO, __ATOMIC_RELAXED);
    /* Looks full from now on, so the fast path always takes the slow
       path, which sees the error. */
    r->head_cache = r->tail - r->capacity;
    r->reserved = 0;
    r->msg_reserved = 0;
}

void ringi_consumer_fail(struct ring *r)
{
    __atomic_store_n(&r->consumer_error, -EPROTO, __ATOMIC_RELAXED);
    /* Looks empty from now on. */
    r->tail_cache = r->head;
    r->msg_size = 0;
}

int ringi_announce_records(struct ring *r)
{
    if (r->producer_error)
        return r->producer_error;
    /* Release pairs with the acquire load in start_indices of a producer
       that takes this role over later. */
    atomic_store_explicit(&ringi_control_of(r)->records, 1,
                          memory_order_release);
    r->producer_records = 1;
    return 0;
}
