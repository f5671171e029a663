/* SPDX-License-Identifier: MIT */
/*
 * ring.h: a lock-free single-producer single-consumer ring buffer in shared
 * memory, for Linux.
 *
 * One side produces bytes or records, the other consumes them; the two may
 * be threads of one process or separate processes that share the ring's
 * memfd over a UNIX domain socket. The fast path (reserve/commit,
 * peek/consume, read/write, the msg_ calls) is inline here and makes no
 * system call; setup lives in libring.
 *
 * Contract in brief: every call that can fail for a reason returns 0 (or a
 * count) on success and -errno on failure; fast-path calls return NULL or 0
 * for "full" or "empty". The other side of a shared ring is not trusted:
 * an impossible index or record header puts this handle in an error state
 * (ring_error() returns -EPROTO) and its fast path returns "nothing" from
 * then on. No access ever leaves the mapping, whatever the peer writes.
 */
#ifndef RING_H
#define RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ring_version.h"

/*
 * The barrier layer: the only place that names an atomic type or a memory
 * order. C uses <stdatomic.h>, C++ uses <atomic>; the two types have the
 * same size and representation, so handles and the shared page are the
 * same to both.
 */
#ifdef __cplusplus
#include <atomic>
#define RING_ATOMIC(type) std::atomic<type>
#define RING_MO(order)    std::memory_order_##order
#define RING_ATOMIC_NS    std::
#else
#include <stdatomic.h>
#define RING_ATOMIC(type) _Atomic type
#define RING_MO(order)    memory_order_##order
#define RING_ATOMIC_NS
#endif

/* Marks the functions libring exports; everything else is hidden. */
#define RING_API __attribute__((visibility("default")))
/* Marks every inline function of the fast path. libring-ffi defines it
   first, to compile one out-of-line copy of each. */
#ifndef RING_INLINE
#define RING_INLINE static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Roles a handle takes. 0 means both (two threads of one process). */
#define RING_PRODUCER 1u
#define RING_CONSUMER 2u
/* ring_create: back the ring with huge pages (MFD_HUGETLB). */
#define RING_HUGEPAGES 4u

/* Bytes in front of every record, and the alignment of records. */
#define RING_MSG_HEADER 8u

/*
 * The process-local handle. Its fields are not part of the API: use the
 * calls below. A handle works wherever C puts it (static, stack, heap,
 * inside another struct) and is as fast at any 8-byte-aligned address:
 * the producer's part, the read-only setup and the consumer's part are
 * each at least RINGI_GAP bytes apart, so no 128-byte pair of cache lines
 * (a line and its prefetch buddy) ever holds fields that one side writes
 * and the other side reads, whatever the handle's alignment. A handle
 * that is all zero bytes (struct ring r = {0};) is a valid closed handle.
 * Do not copy an open handle: close it where it is.
 */

/* Internal. How one side of a handle waits: its spin and its event
   descriptor. */
struct ringi_waiter {
    int64_t spin_ns;  /* current spin before sleeping */
    int64_t asked_ns; /* when the kernel was last asked about the peer */
    int spin_fixed;   /* nonzero: spin_ns was set by ring_set_spin */
    int event_fd;     /* eventfd for event loops, or -1 (event.c) */
    int event_slot;   /* its place in the process's event table */
    int peer_seen;    /* the kernel has shown the peer's role held */
};

/* Internal. What only the producer writes. */
struct ringi_producer {
    uint64_t tail;              /* own index: bytes ever committed */
    uint64_t head_cache;        /* consumer's index, as last read */
    uint64_t reserved;          /* bytes granted by ring_reserve */
    uint64_t msg_reserved;      /* record length granted + 1, or 0 */
    RING_ATOMIC(unsigned) live; /* ringi_epoch while usable, else 0 */
    RING_ATOMIC(int) error;     /* why not live: -EPROTO, -EPERM, ... */
    int records;                /* this producer has announced records */
    int pad;
    struct ringi_waiter wait;
};

/* Internal. What only the consumer writes. */
struct ringi_consumer {
    uint64_t head;              /* own index: bytes ever consumed */
    uint64_t tail_cache;        /* producer's index, as last read */
    uint64_t msg_size;          /* bytes of the record ring_msg_peek gave */
    RING_ATOMIC(unsigned) live; /* ringi_epoch while usable, else 0 */
    RING_ATOMIC(int) error;     /* why not live: -EPROTO, -EPERM, ... */
    struct ringi_waiter wait;
};

/* Internal. Written by ring_create/ring_attach, read-only afterwards, read
   by both sides. */
struct ringi_setup {
    unsigned char *data;                /* first copy of the data pages */
    RING_ATOMIC(uint64_t) *tail_shared; /* producer's index, shared */
    RING_ATOMIC(uint64_t) *head_shared; /* consumer's index, shared */
    RING_ATOMIC(uint64_t) *read_want;   /* tail a sleeping consumer needs */
    RING_ATOMIC(uint64_t) *write_want;  /* head a sleeping producer needs */
    void *control;                      /* the shared control page */
    void *map_base;                     /* start of the whole mapping */
    size_t map_len;                     /* length of the whole mapping */
    uint64_t capacity;                  /* data bytes, a power of two */
    uint64_t mask;                      /* capacity - 1 */
    int fd;                             /* this handle's memfd */
    int lock_fd;                        /* private description holding roles */
    unsigned roles;                     /* RING_PRODUCER | RING_CONSUMER */
    unsigned flags;                     /* RING_HUGEPAGES */
    unsigned epoch;                     /* ringi_epoch of the opener */
    int publish_fence;                  /* publish with a full fence */
};

/* Internal. Bytes between the parts: 16 consecutive multiples of 8 always
   hold a multiple of 128, so two fields this far apart never share a
   128-byte pair at any 8-byte-aligned base. */
#define RINGI_GAP 120

struct ring {
    struct ringi_producer producer;
    unsigned char producer_gap[RINGI_GAP];
    struct ringi_setup setup;
    unsigned char consumer_gap[RINGI_GAP];
    struct ringi_consumer consumer;
};

/* ---------------------------------------------------------------------- */
/* Setup (libring). See ring_setup(3).                                    */

/*
 * Creates a ring of at least capacity data bytes (rounded up to a power of
 * two, at least one page) in a new sealed memfd and maps it. flags: the
 * roles this handle takes (RING_PRODUCER, RING_CONSUMER, or 0 for both)
 * and RING_HUGEPAGES. Returns 0, or -EINVAL for 0, absurd sizes or unknown
 * flags, -ENOMEM when memory (or, with RING_HUGEPAGES, huge pages) is
 * short: the ring would not fit in what the process's memory cgroup or
 * the system has available, checked before any page is touched, so that
 * the answer is -ENOMEM and not the OOM killer; -EIO if the mirror
 * mapping does not alias, -ENOSYS or -EPERM where memfd_create is not
 * allowed (a seccomp filter: there is no fallback, since only a memfd can
 * be sealed against shrinking), or another -errno from the system. Needs
 * /proc mounted: roles are locked through /proc/self/fd. On failure the
 * handle is closed and ring_close() on it does nothing.
 */
RING_API int ring_create(struct ring *r, size_t capacity, unsigned flags);

/*
 * Attaches to a ring whose memfd another handle created, taking the roles
 * in flags (RING_PRODUCER, RING_CONSUMER, or 0 for both), and
 * RING_HUGEPAGES to accept a huge-page ring. Validates the descriptor
 * (type, seals, size, every page allocated) and the header (magic, layout
 * version, capacity) before mapping anything; takes its own duplicate of
 * fd (the caller still owns fd). Maps at most RING_ATTACH_MAX_DEFAULT
 * (1 GiB) of data: see ring_attach_max(). Returns 0, -EINVAL for bad
 * flags or a descriptor that is not a sealed memfd, -EPROTO for a header
 * that is not a valid ring or a file whose pages were not all allocated
 * (the peer would make us pay for them), -EFBIG for a ring larger than the
 * maximum, -EPERM for a huge-page ring without RING_HUGEPAGES in flags (a
 * peer can raise SIGBUS in whoever maps one: see SECURITY.md), -EBUSY when
 * a role is already held by a live handle, or another -errno. A role whose
 * holder closed or died is taken over: the new holder continues from the
 * old one's index.
 *
 * On a character device, attaches as the consumer of a ring a kernel
 * driver produces (kernel/): the geometry comes from the driver, there are
 * no role locks, waits and ring_event_fd go through poll on the device.
 * -EINVAL with RING_PRODUCER or for a device that is not a ring driver's,
 * -ENXIO before the driver has made its ring.
 */
RING_API int ring_attach(struct ring *r, int fd, unsigned flags);

/* The largest capacity ring_attach() maps: 1 GiB. */
#define RING_ATTACH_MAX_DEFAULT ((size_t)1 << 30)

/*
 * ring_attach() with the largest capacity this process is willing to map
 * from a peer: a ring above max_capacity is refused with -EFBIG before
 * anything is mapped. An honest peer's pages are already charged to it;
 * a hostile one that punches holes into its memfd after we attached can
 * make us allocate up to the capacity we accepted, never more. Returns
 * what ring_attach returns.
 */
RING_API int ring_attach_max(struct ring *r, int fd, unsigned flags,
                             size_t max_capacity);

/*
 * Unmaps, closes the handle's descriptors and marks its roles closed, so
 * that the peer learns of it and another handle may take them. Safe on a
 * handle that failed to open, is already closed, or was zero-initialised
 * and never opened. In a forked child, on a handle the parent opened, it
 * closes only the child's copies of the descriptors: the roles stay the
 * parent's.
 */
RING_API void ring_close(struct ring *r);

/* Returns the handle's memfd, to pass to ring_send_fd(); the handle owns
   it. -EBADF on a closed handle. A forked child gets the descriptor it
   inherited, to attach from. */
RING_API int ring_fd(const struct ring *r);

/* Returns the data bytes of the ring: a power of two, a multiple of the
   page size; 0 on a closed handle. */
RING_API size_t ring_capacity(const struct ring *r);

/*
 * Returns the handle's state: 0 while it works, -EPROTO once it has seen
 * an impossible value from the peer, -EBADF when closed, never opened, or
 * opened by another process (a forked child's copy of its parent's
 * handle: every call on it fails or returns nothing, it never touches the
 * parent's ring). Any thread may ask, also about the side another thread
 * drives.
 */
RING_API int ring_error(const struct ring *r);

/*
 * Returns the version of the libring the program has loaded, encoded as
 * RING_VERSION_NUMBER is (major * 1000000 + minor * 1000 + patch). A
 * program built with this header needs ring_version() >=
 * RING_VERSION_NUMBER; the soname already guarantees the same major.
 */
RING_API int ring_version(void);

/* ---------------------------------------------------------------------- */
/* Sharing a ring between processes. See ring_sharing(3).                 */

/*
 * Sends fd over the connected UNIX socket sock with SCM_RIGHTS, with one
 * byte of data. Returns 0 or -errno (-EINTR if a signal interrupted it).
 */
RING_API int ring_send_fd(int sock, int fd);

/*
 * Receives exactly one descriptor sent by ring_send_fd() on sock; it is
 * close-on-exec. Returns the descriptor, or -ECONNRESET at end of file,
 * -EPROTO when the message carried no descriptor or more than one (all
 * received ones are closed), -EMFILE when the descriptor limit stopped the
 * kernel from passing it, -EINTR, or another -errno.
 */
RING_API int ring_recv_fd(int sock);

/* ---------------------------------------------------------------------- */
/* Waiting (libring). See ring_waiting(3).                                */

/*
 * Consumer. Waits until at least len bytes are readable (for records: len
 * bytes of records, headers included; 1 waits for any record). Spins
 * briefly, then sleeps in the kernel on a futex shared with the producer,
 * which wakes it once that much has arrived. timeout_ms < 0 waits forever,
 * 0 only looks. Returns 0 when the condition holds, -ETIMEDOUT, -EINTR
 * when a signal handler ran while it slept (with or without SA_RESTART,
 * as poll() does),
 * -EPIPE when the producer has closed or died and the condition can no
 * longer become true (what it committed before stays readable, to the last
 * byte), -EINVAL for len > capacity, or the handle's error (-EPROTO,
 * -EPERM without the consumer role, -EBADF when closed). A producer that
 * has not attached yet is waited for. A producer killed without closing is
 * noticed within 100 ms.
 */
RING_API int ring_wait_readable(struct ring *r, size_t len, int timeout_ms);

/*
 * Producer. Waits until at least len bytes are free; the mirror of
 * ring_wait_readable. Returns what ring_wait_readable returns, with -EPIPE
 * once the consumer has closed or died and len bytes are not free, and
 * -EPERM without the producer role. For a record of n bytes, wait for
 * ring_msg_space_needed(n).
 */
RING_API int ring_wait_writable(struct ring *r, size_t len, int timeout_ms);

/*
 * How long a wait spins before it sleeps, for both sides of the handle:
 * spin_ns < 0 adapts to how soon the peer usually answers (the default,
 * within 0 to 100 us), 0 never spins, > 0 spins that many nanoseconds (at
 * most one second: more is taken as one second). Spinning burns CPU to
 * save the kernel's wake-up latency. Returns 0, or -EBADF on a closed
 * handle.
 */
RING_API int ring_set_spin(struct ring *r, long spin_ns);

/*
 * A descriptor for poll/epoll, owned by the handle: readable when role
 * (RING_CONSUMER or RING_PRODUCER; 0 for a handle with one role) may make
 * progress, once armed with ring_event_arm(). It costs the peer nothing
 * until armed. While armed it also turns readable every 50 ms or so, so
 * that an event loop notices a peer that died without closing. Returns
 * the descriptor (the same one on every call), -EINVAL for a role the
 * handle does not hold, -EOPNOTSUPP for a huge-page ring, or -errno.
 */
RING_API int ring_event_fd(struct ring *r, unsigned role);

/*
 * Clears role's event descriptor and asks the peer to make it readable
 * once len bytes are readable (consumer) or free (producer). Returns 1
 * when that already holds (do not wait), 0 when armed (wait for the
 * descriptor, then call this again), or the error ring_wait_readable or
 * ring_wait_writable would return (-EPIPE once the peer is gone and the
 * condition cannot hold).
 */
RING_API int ring_event_arm(struct ring *r, unsigned role, size_t len);

/*
 * Counters kept in the shared page (the peer can lie about them). A
 * missed wake-up is a sleep that ended by its 50 ms time slice although
 * what it waited for had come and no wake-up with it: a lost wake-up, or
 * a waker preempted for that long between its publish and its wake-up.
 */
struct ring_stats {
    uint64_t consumer_sleeps; /* times the consumer slept in the kernel */
    uint64_t consumer_wakes;  /* times the producer woke it */
    uint64_t consumer_missed; /* missed wake-ups, see above */
    uint64_t producer_sleeps;
    uint64_t producer_wakes;
    uint64_t producer_missed;
};

/* Fills *stats. Returns 0, or -EBADF on a closed handle. */
RING_API int ring_get_stats(const struct ring *r, struct ring_stats *stats);

/* ---------------------------------------------------------------------- */
/* The barrier layer, used by the fast path below. Internal.              */

RING_INLINE uint64_t ringi_load_acquire(const RING_ATOMIC(uint64_t) *p)
{
    return RING_ATOMIC_NS atomic_load_explicit(p, RING_MO(acquire));
}

RING_INLINE void ringi_store_release(RING_ATOMIC(uint64_t) *p, uint64_t v)
{
    RING_ATOMIC_NS atomic_store_explicit(p, v, RING_MO(release));
}

RING_INLINE void ringi_store_relaxed(RING_ATOMIC(uint64_t) *p, uint64_t v)
{
    RING_ATOMIC_NS atomic_store_explicit(p, v, RING_MO(relaxed));
}

RING_INLINE uint64_t ringi_load_relaxed(const RING_ATOMIC(uint64_t) *p)
{
    return RING_ATOMIC_NS atomic_load_explicit(p, RING_MO(relaxed));
}

RING_INLINE unsigned ringi_load_u32(const RING_ATOMIC(unsigned) *p)
{
    return RING_ATOMIC_NS atomic_load_explicit(p, RING_MO(relaxed));
}

RING_INLINE int ringi_load_int(const RING_ATOMIC(int) *p)
{
    return RING_ATOMIC_NS atomic_load_explicit(p, RING_MO(relaxed));
}

/* Keeps the compiler from moving the store to *stored after it, or the
   load of *loaded before it; the CPU may still reorder (see ringi_publish).
   Narrower than atomic_signal_fence, which would make the compiler reload
   every field of the handle around each publish. */
RING_INLINE void ringi_compiler_order(RING_ATOMIC(uint64_t) *stored,
                                      RING_ATOMIC(uint64_t) *loaded)
{
#ifdef __cplusplus
    __asm__ __volatile__(""
                         : "+m"(*reinterpret_cast<uint64_t *>(stored)),
                           "+m"(*reinterpret_cast<uint64_t *>(loaded)));
#else
    __asm__ __volatile__(""
                         : "+m"(*(uint64_t *)(uintptr_t)stored),
                           "+m"(*(uint64_t *)(uintptr_t)loaded));
#endif
}

/* A store that is also a full fence (xchg on x86): nothing after it,
   load or store, is ordered before it. */
RING_INLINE void ringi_store_fence(RING_ATOMIC(uint64_t) *p, uint64_t v)
{
    (void)RING_ATOMIC_NS atomic_exchange_explicit(p, v, RING_MO(seq_cst));
}

RING_INLINE uint64_t ringi_load_seq_cst(const RING_ATOMIC(uint64_t) *p)
{
    return RING_ATOMIC_NS atomic_load_explicit(p, RING_MO(seq_cst));
}

/* The 8-byte word at index pos of the data: a record header. */
RING_INLINE RING_ATOMIC(uint64_t) *ringi_data_word(const struct ring *r,
                                                   uint64_t pos)
{
    unsigned char *at = r->setup.data + (pos & r->setup.mask);
#ifdef __cplusplus
    return reinterpret_cast<RING_ATOMIC(uint64_t) *>(at);
#else
    return (RING_ATOMIC(uint64_t) *)(void *)at;
#endif
}

/* ---------------------------------------------------------------------- */
/* Whether a side may run. Internal.                                      */

/*
 * The fork epoch of this process: 1 at start, a new value in every child
 * that fork() makes (libring's pthread_atfork handler). A side is live
 * while its `live` word equals it: 0 means closed, failed or never opened
 * (a zeroed handle), and a forked child's copy of its parent's handle
 * holds the parent's epoch, not its own. One relaxed load of a word no one
 * writes after start: the fast path pays a compare, nothing more.
 */
RING_API extern RING_ATOMIC(unsigned) ringi_epoch;

RING_INLINE int ringi_live(const RING_ATOMIC(unsigned) *live)
{
    return ringi_load_u32(live) == ringi_load_u32(&ringi_epoch);
}

/* Internal, out of line: a side that is not live makes its caches say
   "full" (producer) or "empty" (consumer), so the fast path gives
   nothing; in a forked child it also marks the copy closed. Returns the
   side's error (-EBADF when it has none of its own). */
RING_API int ringi_producer_stop(struct ring *r);
RING_API int ringi_consumer_stop(struct ring *r);

/* Internal, out of line: stops a side after an impossible value from the
   peer (-EPROTO): it is not live from then on. */
RING_API void ringi_producer_fail(struct ring *r);
RING_API void ringi_consumer_fail(struct ring *r);

/* ---------------------------------------------------------------------- */
/* Producer: bytes. See ring_bytes(3).                                    */

/* Internal. Free bytes as far as the producer's cache knows; never more
   than true. */
RING_INLINE uint64_t ringi_free_cached(const struct ring *r)
{
    return r->setup.capacity - (r->producer.tail - r->producer.head_cache);
}

/*
 * Internal. Re-reads the consumer's index; returns nonzero when need bytes
 * are free. A head outside [head_cache, tail] is impossible (it moved
 * backwards or past what was ever committed) and stops the producer; a
 * side that is not live reads as full.
 */
RING_INLINE int ringi_refresh_head(struct ring *r, uint64_t need)
{
    struct ringi_producer *p = &r->producer;
    uint64_t head;

    if (!ringi_live(&p->live)) {
        ringi_producer_stop(r);
        return 0;
    }
    /* Acquire pairs with the consumer's release store of head in
       ringi_publish_head: its reads of the bytes it gave back are done
       before we overwrite them. */
    head = ringi_load_acquire(r->setup.head_shared);
    if (head - p->head_cache > p->tail - p->head_cache) {
        ringi_producer_fail(r);
        return 0;
    }
    p->head_cache = head;
    return need <= ringi_free_cached(r);
}

/* Internal, out of line: wakes a consumer that sleeps until tail reaches
   want. */
RING_API void ringi_wake_consumer(struct ring *r, uint64_t want);

/*
 * Internal. Publishes an index, then returns what the peer's waiter wants
 * (0: none).
 *
 * Release (in both branches) pairs with the peer's acquire load of the
 * index (ringi_refresh_tail, ringi_refresh_head): what we wrote (or read)
 * before is done once the peer sees the new value.
 *
 * "Publish, then look for a waiter" must not be reordered, or a waiter
 * that announced itself just before may sleep through our publish. The
 * full fence that orders them is asymmetric: a waiter, before it sleeps,
 * runs membarrier(), which executes a full barrier on our CPU (fence.c),
 * so here a compiler barrier is enough, and a commit stays a plain store.
 * This pairs with ringi_fence_peers() in announce() (wait.c). Where
 * membarrier cannot be used, the store is a seq_cst exchange (xchg on
 * x86), a full fence of its own, and the load is seq_cst: that pairs with
 * the seq_cst store of want and fence in announce().
 */
RING_INLINE uint64_t ringi_publish(const struct ring *r,
                                   RING_ATOMIC(uint64_t) *index, uint64_t value,
                                   RING_ATOMIC(uint64_t) *want)
{
    if (r->setup.publish_fence) {
        /* model/wake.pml: P1, P2 */
        ringi_store_fence(index, value);
        return ringi_load_seq_cst(want);
    }
    /* model/wake.pml: P1, P2 */
    ringi_store_release(index, value);
    ringi_compiler_order(index, want);
    return ringi_load_relaxed(want);
}

/*
 * Internal. Makes the bytes up to tail visible to the consumer, then looks
 * for a consumer asleep until they arrive. Costs no system call when
 * nobody sleeps, and wakes a sleeper only once what it waits for is there.
 */
RING_INLINE void ringi_publish_tail(struct ring *r, uint64_t tail)
{
    uint64_t want;

    r->producer.tail = tail;
    /* model/wake.pml: P1 to P3 */
    want = ringi_publish(r, r->setup.tail_shared, tail, r->setup.read_want);
    if (want != 0 && (int64_t)(tail - want) >= 0)
        ringi_wake_consumer(r, want);
}

/*
 * Internal. Ends any reservation. Every publish of tail does: a
 * reservation made before a ring_write (or a record) points at bytes that
 * are no longer free, and committing it would overfill the ring.
 */
RING_INLINE void ringi_end_reservations(struct ring *r)
{
    r->producer.reserved = 0;
    r->producer.msg_reserved = 0;
}

/*
 * Producer. Returns a pointer to len contiguous writable bytes, or NULL
 * when fewer than len bytes are free (always NULL for len > capacity, and
 * once the handle has failed). Nothing is visible until ring_commit().
 */
RING_INLINE void *ring_reserve(struct ring *r, size_t len)
{
    /* Reserving nothing still asks the slow path, which knows whether
       this side has failed: a failed side returns nothing, ever. */
    if ((len > ringi_free_cached(r) || len == 0 ||
         !ringi_live(&r->producer.live)) &&
        !ringi_refresh_head(r, len))
        return NULL;
    r->producer.reserved = len;
    return r->setup.data + (r->producer.tail & r->setup.mask);
}

/*
 * Producer. Publishes the first len bytes of the last reservation and ends
 * it. A len larger than what was reserved, or a reservation that a later
 * write ended, is rejected: nothing changes.
 */
RING_INLINE void ring_commit(struct ring *r, size_t len)
{
    if (len > r->producer.reserved || !ringi_live(&r->producer.live))
        return;
    ringi_end_reservations(r);
    if (len)
        ringi_publish_tail(r, r->producer.tail + len);
}

/*
 * Producer. Copies as many of the len bytes at src as fit and publishes
 * them; returns the number copied (0 when full).
 */
RING_INLINE size_t ring_write(struct ring *r, const void *src, size_t len)
{
    uint64_t room = ringi_free_cached(r);

    if (len > room || !ringi_live(&r->producer.live)) {
        ringi_refresh_head(r, len);
        room = ringi_free_cached(r);
        if (len > room)
            len = (size_t)room;
    }
    if (len == 0)
        return 0;
    memcpy(r->setup.data + (r->producer.tail & r->setup.mask), src, len);
    ringi_end_reservations(r);
    ringi_publish_tail(r, r->producer.tail + len);
    return len;
}

/* Producer. Returns the bytes that could be written now. */
RING_INLINE size_t ring_writable(struct ring *r)
{
    ringi_refresh_head(r, 0);
    return (size_t)ringi_free_cached(r);
}

/* ---------------------------------------------------------------------- */
/* Consumer: bytes. See ring_bytes(3).                                    */

/*
 * Internal. Readable bytes as far as the consumer's cache knows. A record
 * consumer may run ahead of the producer's published tail for a moment (a
 * record is committed by its header, before tail moves): that reads as
 * empty.
 */
RING_INLINE uint64_t ringi_readable_cached(const struct ring *r)
{
    uint64_t n = r->consumer.tail_cache - r->consumer.head;

    return n <= r->setup.capacity ? n : 0;
}

/*
 * Internal. Re-reads the producer's index. A tail that moved backwards, or
 * that is more than capacity away from head, is impossible and stops the
 * consumer; a side that is not live reads as empty.
 */
RING_INLINE void ringi_refresh_tail(struct ring *r)
{
    struct ringi_consumer *c = &r->consumer;
    uint64_t tail;

    if (!ringi_live(&c->live)) {
        ringi_consumer_stop(r);
        return;
    }
    /* Acquire pairs with the producer's release store of tail in
       ringi_publish_tail: the bytes below the new tail are visible. */
    tail = ringi_load_acquire(r->setup.tail_shared);
    if ((int64_t)(tail - c->tail_cache) < 0 ||
        tail - c->head + r->setup.capacity > 2 * r->setup.capacity) {
        ringi_consumer_fail(r);
        return;
    }
    c->tail_cache = tail;
}

/* Internal, out of line: wakes a producer that sleeps until head reaches
   want. */
RING_API void ringi_wake_producer(struct ring *r, uint64_t want);

/*
 * Internal. Gives the bytes up to head back to the producer, then looks
 * for a producer asleep until that much space is free (see ringi_publish).
 */
RING_INLINE void ringi_publish_head(struct ring *r, uint64_t head)
{
    uint64_t want;

    r->consumer.head = head;
    /* model/wake.pml: P1 to P3, for head */
    want = ringi_publish(r, r->setup.head_shared, head, r->setup.write_want);
    if (want != 0 && (int64_t)(head - want) >= 0)
        ringi_wake_producer(r, want);
}

/*
 * Consumer. Returns all the readable bytes as one contiguous span and sets
 * *len to their number; NULL (and *len = 0) when empty. They stay in the
 * ring until ring_consume().
 */
RING_INLINE const void *ring_peek(struct ring *r, size_t *len)
{
    uint64_t n;

    ringi_refresh_tail(r);
    n = ringi_readable_cached(r);
    *len = (size_t)n;
    return n ? r->setup.data + (r->consumer.head & r->setup.mask) : NULL;
}

/*
 * Consumer. Drops the first len peeked bytes. A len larger than what is
 * known to be readable is rejected: nothing changes.
 */
RING_INLINE void ring_consume(struct ring *r, size_t len)
{
    if (len == 0 || len > ringi_readable_cached(r) ||
        !ringi_live(&r->consumer.live))
        return;
    ringi_publish_head(r, r->consumer.head + len);
}

/*
 * Consumer. Copies up to len readable bytes to dst and consumes them;
 * returns the number copied (0 when empty).
 */
RING_INLINE size_t ring_read(struct ring *r, void *dst, size_t len)
{
    uint64_t n = ringi_readable_cached(r);

    if (len > n || !ringi_live(&r->consumer.live)) {
        ringi_refresh_tail(r);
        n = ringi_readable_cached(r);
        if (len > n)
            len = (size_t)n;
    }
    if (len == 0)
        return 0;
    memcpy(dst, r->setup.data + (r->consumer.head & r->setup.mask), len);
    ringi_publish_head(r, r->consumer.head + len);
    return len;
}

/* Consumer. Returns the bytes that could be read now. */
RING_INLINE size_t ring_readable(struct ring *r)
{
    ringi_refresh_tail(r);
    return (size_t)ringi_readable_cached(r);
}

/* ---------------------------------------------------------------------- */
/* Records. See ring_records(3).                                          */
/*
 * Records are variable-length messages, each delivered whole, in order. A
 * record is a header of RING_MSG_HEADER (8) bytes (its length + 1; 0 means
 * "not yet") and the payload, padded to 8 bytes. The header is the commit
 * point: the producer writes the payload, clears the header word that
 * follows the record, then stores the header with release, then tail. So
 * the word at the consumer's head is always either 0 or a committed
 * header, and a consumer polls that word instead of the producer's index:
 * one cache miss per record, not two. A ring carries either bytes or
 * records, never both.
 */

/* Internal. The longest record a ring of capacity bytes carries. */
RING_INLINE uint64_t ringi_msg_max(uint64_t capacity)
{
    return capacity > 2 * RING_MSG_HEADER ? capacity - 2 * RING_MSG_HEADER : 0;
}

/* Returns the longest record this ring can ever carry (0 on a closed
   handle). */
RING_INLINE size_t ring_msg_max(const struct ring *r)
{
    return (size_t)ringi_msg_max(r->setup.capacity);
}

/* Internal. The bytes from one record's header to the next: the header
   and the payload padded to RING_MSG_HEADER. */
RING_INLINE uint64_t ringi_msg_stride(uint64_t len)
{
    return RING_MSG_HEADER +
           ((len + RING_MSG_HEADER - 1) & ~(uint64_t)(RING_MSG_HEADER - 1));
}

/*
 * Returns the free bytes a record of len needs before it can be sent: its
 * stride and the cleared header word after it. To wait for room for one
 * record: ring_wait_writable(r, ring_msg_space_needed(len), timeout_ms).
 */
RING_INLINE size_t ring_msg_space_needed(size_t len)
{
    return (size_t)(ringi_msg_stride(len) + RING_MSG_HEADER);
}

/*
 * Internal. Copies a record's payload; records of 8 to 16 bytes, the
 * common small case, with two overlapping 8-byte moves instead of a call.
 */
RING_INLINE void ringi_msg_copy(void *dst, const void *src, size_t len)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;

    if (len - 8 <= 8) {
        uint64_t first, last;
        memcpy(&first, s, 8);
        memcpy(&last, s + len - 8, 8);
        memcpy(d, &first, 8);
        memcpy(d + len - 8, &last, 8);
    } else if (len) {
        memcpy(d, s, len);
    }
}

/* Internal, out of line: marks the ring as carrying records, for a later
   producer. Returns 0, or the side's error. */
RING_API int ringi_announce_records(struct ring *r);

/*
 * Internal. Returns nonzero when need bytes are free for a record. The
 * fast path trusts the cache; the slow path announces records on first
 * use, refuses a tail that bytes have left unaligned (a ring carries bytes
 * or records, never both), then reads head again.
 */
RING_INLINE int ringi_msg_room(struct ring *r, uint64_t need)
{
    struct ringi_producer *p = &r->producer;

    if (need <= ringi_free_cached(r) && !(p->tail & (RING_MSG_HEADER - 1)) &&
        ringi_live(&p->live))
        return 1;
    if (!p->records && ringi_announce_records(r))
        return 0;
    if (p->tail & (RING_MSG_HEADER - 1))
        return 0;
    return ringi_refresh_head(r, need);
}

/*
 * Producer. Returns where to write a record of len bytes, or NULL when it
 * does not fit now (or ever: len > ring_msg_max()). Nothing is visible
 * until ring_msg_commit().
 */
RING_INLINE void *ring_msg_reserve(struct ring *r, size_t len)
{
    uint64_t need;

    if (len > ringi_msg_max(r->setup.capacity))
        return NULL;
    need = ring_msg_space_needed(len);
    if (!ringi_msg_room(r, need))
        return NULL;
    r->producer.msg_reserved = (uint64_t)len + 1;
    return r->setup.data + (r->producer.tail & r->setup.mask) + RING_MSG_HEADER;
}

/*
 * Internal. The first half of storing a reserved record of len bytes:
 * clears the header word after it and moves the producer's own tail past
 * it, without publishing anything. Returns where its header goes.
 */
RING_INLINE uint64_t ringi_msg_claim(struct ring *r, size_t len)
{
    uint64_t tail = r->producer.tail;
    uint64_t next = tail + ringi_msg_stride(len);

    ringi_end_reservations(r);
    /* Relaxed: the release store of this record's header publishes it. */
    ringi_store_relaxed(ringi_data_word(r, next), 0);
    /* Our own tail moves now: a consumer may be past this record as soon
       as its header is stored, and head may never pass our tail. */
    r->producer.tail = next;
    return tail;
}

/*
 * Internal. The second half: stores the header of the record at pos, its
 * commit point. Release pairs with the consumer's acquire load of the
 * header in ringi_msg_head_word: the payload, the cleared word after it
 * and every record stored before are visible to a consumer that sees it.
 */
RING_INLINE void ringi_msg_store_header(struct ring *r, uint64_t pos,
                                        size_t len)
{
    ringi_store_release(ringi_data_word(r, pos), (uint64_t)len + 1);
}

/*
 * Internal. Writes the header of the reserved record (len <= reserved) and
 * moves the producer's own tail past it, without publishing tail. The
 * header store is the record's commit point: a consumer may take the
 * record from here.
 */
RING_INLINE void ringi_msg_store(struct ring *r, size_t len)
{
    ringi_msg_store_header(r, ringi_msg_claim(r, len), len);
}

/*
 * Producer. Publishes the reserved record with its first len bytes
 * (len <= reserved) and ends the reservation. A larger len, or no
 * reservation, is rejected: nothing changes.
 */
RING_INLINE void ring_msg_commit(struct ring *r, size_t len)
{
    if ((uint64_t)len >= r->producer.msg_reserved ||
        !ringi_live(&r->producer.live))
        return;
    ringi_msg_store(r, len);
    ringi_publish_tail(r, r->producer.tail);
}

/* Internal. Why a record could not be sent now: the side's error, or
   -EINVAL when bytes left tail unaligned, else -EAGAIN. */
RING_INLINE int ringi_msg_send_error(struct ring *r)
{
    if (!ringi_live(&r->producer.live))
        return ringi_producer_stop(r);
    return (r->producer.tail & (RING_MSG_HEADER - 1)) ? -EINVAL : -EAGAIN;
}

/*
 * Producer. Copies one record in. Returns 0, -EAGAIN when it does not fit
 * now, -EMSGSIZE when it can never fit, -EINVAL when bytes were written to
 * this ring before, or the handle's error.
 */
RING_INLINE int ring_msg_send(struct ring *r, const void *msg, size_t len)
{
    uint64_t need = ring_msg_space_needed(len);

    if (len > ringi_msg_max(r->setup.capacity))
        return ringi_live(&r->producer.live) ? -EMSGSIZE
                                             : ringi_producer_stop(r);
    if (!ringi_msg_room(r, need))
        return ringi_msg_send_error(r);
    ringi_msg_copy(r->setup.data + (r->producer.tail & r->setup.mask) +
                       RING_MSG_HEADER,
                   msg, len);
    ringi_msg_store(r, len);
    ringi_publish_tail(r, r->producer.tail);
    return 0;
}

/*
 * Producer. Sends records msgs[0..count) in order, as many as fit, and
 * publishes them together: one store of tail (and one look for a sleeping
 * consumer) for the batch. Returns how many were sent (at least 1), or for
 * the first record -EAGAIN when it does not fit now, -EMSGSIZE when it can
 * never fit, -EINVAL when bytes were written to this ring before, or the
 * handle's error. Send the rest again from the count returned.
 */
RING_INLINE ssize_t ring_msg_sendv(struct ring *r, const struct iovec *msgs,
                                   size_t count)
{
    uint64_t first = 0;
    size_t sent = 0;

    for (; sent < count; sent++) {
        size_t len = msgs[sent].iov_len;
        void *dst = ring_msg_reserve(r, len);

        if (!dst)
            break;
        if (len)
            memcpy(dst, msgs[sent].iov_base, len);
        if (sent == 0)
            first = ringi_msg_claim(r, len); /* its header comes last */
        else
            ringi_msg_store(r, len);
    }
    if (sent) {
        /* The whole batch becomes visible at once. */
        ringi_msg_store_header(r, first, msgs[0].iov_len);
        ringi_publish_tail(r, r->producer.tail);
        return (ssize_t)sent;
    }
    if (count == 0)
        return 0;
    /* Tells why the first did not fit; sends it if it fits by now. */
    int rc = ring_msg_send(r, msgs[0].iov_base, msgs[0].iov_len);
    return rc == 0 ? 1 : rc;
}

/*
 * Internal. The header word of the record at the consumer's head (its
 * length + 1), or 0 when none is there or this side cannot run. An
 * impossible header stops the consumer, and so does a header of 0 below a
 * tail the producer published: an honest producer stores every header
 * before the tail that covers it (a hole punched in the memfd reads as 0
 * too).
 */
RING_INLINE uint64_t ringi_msg_head_word(struct ring *r)
{
    struct ringi_consumer *c = &r->consumer;
    uint64_t word;

    if (!ringi_live(&c->live) || (c->head & (RING_MSG_HEADER - 1))) {
        if (ringi_live(&c->live))
            ringi_consumer_fail(r);
        else
            ringi_consumer_stop(r);
        return 0;
    }
    /* Acquire pairs with the release store of the header in
       ringi_msg_store_header: the payload is visible once the header is. */
    word = ringi_load_acquire(ringi_data_word(r, c->head));
    if (word == 0) {
        /* tail_cache came from an acquire load of tail (ringi_refresh_tail)
           made before this load of the header. */
        if (c->tail_cache - c->head - 1 < r->setup.capacity)
            ringi_consumer_fail(r);
        return 0;
    }
    if (word - 1 > ringi_msg_max(r->setup.capacity)) {
        ringi_consumer_fail(r);
        return 0;
    }
    return word;
}

/*
 * Consumer. Returns the payload of the next record and sets *len to its
 * length; NULL (and *len = 0) when there is none. The record stays in the
 * ring until ring_msg_consume().
 */
RING_INLINE const void *ring_msg_peek(struct ring *r, size_t *len)
{
    uint64_t word = ringi_msg_head_word(r);

    *len = word ? (size_t)(word - 1) : 0;
    if (!word)
        return NULL;
    r->consumer.msg_size = ringi_msg_stride(word - 1);
    return r->setup.data + (r->consumer.head & r->setup.mask) + RING_MSG_HEADER;
}

/* Consumer. Drops the record ring_msg_peek() returned; else nothing. */
RING_INLINE void ring_msg_consume(struct ring *r)
{
    uint64_t size = r->consumer.msg_size;

    if (size == 0 || !ringi_live(&r->consumer.live))
        return;
    r->consumer.msg_size = 0;
    ringi_publish_head(r, r->consumer.head + size);
}

/*
 * Consumer. Copies the next record to buf and consumes it; returns its
 * length, -EAGAIN when there is none, -EMSGSIZE when it is longer than
 * size (the record stays in the ring), or the handle's error.
 */
RING_INLINE ssize_t ring_msg_recv(struct ring *r, void *buf, size_t size)
{
    uint64_t word = ringi_msg_head_word(r), head = r->consumer.head;
    size_t len = (size_t)(word - 1);

    if (!word)
        return ringi_live(&r->consumer.live) ? -EAGAIN : ringi_consumer_stop(r);
    r->consumer.msg_size = 0; /* a receive ends any peek, whatever it returns */
    if (len > size)
        return -EMSGSIZE;
    ringi_msg_copy(
        buf, r->setup.data + (head & r->setup.mask) + RING_MSG_HEADER, len);
    ringi_publish_head(r, head + ringi_msg_stride(len));
    return (ssize_t)len;
}

#ifdef __cplusplus
}
#endif

#endif /* RING_H */
