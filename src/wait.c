// SPDX-License-Identifier: MIT
/*
 * wait.c: waiting and waking.
 *
 * A waiter spins for a while (bounded, with the CPU's pause hint), then
 * sleeps on a futex word in the shared control page; a shared futex, not
 * a private one, because the peer is another process. Before it sleeps it
 * announces what it waits for (read_want: the tail it needs; write_want:
 * the head), then a full fence, then looks at the peer's index again. The
 * peer publishes its index, then loads the want word (ringi_publish in
 * ring.h), with a full fence between them too: its half is executed on
 * its CPU by our membarrier() (fence.c), unless it has to fence itself.
 * Of two such pairs at least one side sees the other's store, so either
 * the waiter sees the index and does not sleep, or the peer sees the
 * waiter and wakes it: no wake-up is lost. The peer wakes only a waiter
 * whose condition now holds, and makes no system call when nobody sleeps.
 *
 * The futex word is a sequence the waker bumps before FUTEX_WAKE, and the
 * waiter reads before it announces itself: a wake-up that comes between
 * its last look and its sleep changes the word, and the kernel refuses to
 * sleep on a stale value.
 *
 * A sleeping waiter wakes at least every RING_WAIT_SLICE_MS to ask the
 * kernel whether the peer still holds its role (role.c): a peer killed
 * without closing is noticed within 100 ms.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_WAIT_SLICE_MS 50
/* The slice when membarrier() failed: a fence-less peer may miss us. */
#define RING_WAIT_SHORT_SLICE_MS 1
/* The adaptive spin stays within [RING_SPIN_MIN_NS, RING_SPIN_MAX_NS]. A
   wait that slept measures the peer's answer with the kernel's wake-up in
   it, so it can only ever teach "spin less": the floor keeps a short spin
   that catches a peer which has become fast again, and lets it teach
   "spin more". */
#define RING_SPIN_MIN_NS   2000
#define RING_SPIN_MAX_NS   100000
#define RING_SPIN_START_NS 20000
/* The most ring_set_spin accepts: one second. */
#define RING_SPIN_LIMIT_NS 1000000000L
/* Polls before the first look at the clock (which costs tens of ns in a
   VM): most waits of a busy pair end within a few. About 40 ns each. */
#define RING_QUICK_POLLS   64
#define RING_QUICK_POLL_NS 40

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps while *word == expected, until the absolute CLOCK_MONOTONIC
   deadline. Returns 0 (woken, or the word changed), -ETIMEDOUT, -EINTR. */
static int futex_wait_until(_Atomic uint32_t *word, uint32_t expected,
                            int64_t deadline_ns)
{
    struct timespec ts = {
        .tv_sec = (time_t)(deadline_ns / 1000000000),
        .tv_nsec = (long)(deadline_ns % 1000000000),
    };

    if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, &ts, NULL,
                FUTEX_BITSET_MATCH_ANY) == 0)
        return 0;
    if (errno == EAGAIN)
        return 0;
    return -errno;
}

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Rings the doorbell that inotify watchers of the memfd hear (event.c).
   Through the handle's private description, opened by path: the kernel
   sends no fsnotify event for writes through the memfd's own description,
   which is a pseudo file. A doorbell that cannot ring leaves the waiter
   to the tick of its event descriptor, which makes it look again within
   50 ms: late, never lost. */
static void ring_doorbell(const struct ring *r)
{
    static const unsigned char zero;
    ssize_t n;

    do
        n = pwrite(r->setup.lock_fd, &zero, 1,
                   (off_t)offsetof(struct ring_control, doorbell));
    while (n < 0 && errno == EINTR);
}

/* Wakes whoever waits on one side: claims the wake-up by clearing want
   (so that a burst of commits makes one system call, not many), then
   bumps the futex word and wakes it, and rings the doorbell for an event
   loop. */
static void wake(struct ring *r, _Atomic uint64_t *want, uint64_t seen,
                 _Atomic uint32_t *futex, _Atomic uint32_t *notify,
                 _Atomic uint64_t *wakes)
{
    /* Relaxed CAS: the futex word below carries the ordering. If the
       waiter has re-armed with another value it is awake, and looks at
       our index itself after its fence. */
    /* model/wake.pml: P4 */
    if (!atomic_compare_exchange_strong_explicit(
            want, &seen, 0, memory_order_relaxed, memory_order_relaxed))
        return;
    /* Release pairs with the acquire load of the futex word in
       sleep_until: a waiter that sees the new sequence sees our index. */
    /* model/wake.pml: P5 */
    atomic_fetch_add_explicit(futex, 1, memory_order_release);
    atomic_fetch_add_explicit(wakes, 1, memory_order_relaxed);
    if (atomic_load_explicit(notify, memory_order_relaxed) & RING_NOTIFY_EVENT)
        ring_doorbell(r);
    /* model/wake.pml: P6 */
    futex_wake(futex);
}

void ringi_wake_consumer(struct ring *r, uint64_t want)
{
    struct ring_control *c = ringi_control_of(r);

    wake(r, &c->read_want, want, &c->read_futex, &c->read_notify,
         &c->read_wakes);
}

void ringi_wake_producer(struct ring *r, uint64_t want)
{
    struct ring_control *c = ringi_control_of(r);

    if (ringi_is_device(r)) {
        ringi_device_wake_producer(r);
        return;
    }
    wake(r, &c->write_want, want, &c->write_futex, &c->write_notify,
         &c->write_wakes);
}

/* At close: wakes every waiter, whatever it waits for, so that it learns
   at once that this side is gone. */
void ringi_wake_all(struct ring *r)
{
    struct ring_control *c = ringi_control_of(r);

    /* Release pairs with the acquire load in sleep_until. */
    /* model/wake.pml: P8 */
    atomic_fetch_add_explicit(&c->read_futex, 1, memory_order_release);
    atomic_fetch_add_explicit(&c->write_futex, 1, memory_order_release);
    if ((atomic_load_explicit(&c->read_notify, memory_order_relaxed) |
         atomic_load_explicit(&c->write_notify, memory_order_relaxed)) &
        RING_NOTIFY_EVENT)
        ring_doorbell(r);
    /* model/wake.pml: P9 */
    futex_wake(&c->read_futex);
    futex_wake(&c->write_futex);
}

/*
 * Is the holder of peer's role gone (closed, or dead) for good, as far as
 * this waiter is concerned? A role nobody has taken yet is not gone: its
 * holder is still to come. A holder that closed says so in the shared
 * page; one that died cannot, and then the truth is the kernel's: the
 * role's lock is free once its holder's description is closed, which
 * dying does. Asking the kernel is a system call, so only when ask_kernel.
 *
 * The shared word saying "never taken" is the peer's to write, so a free
 * lock counts as gone, whatever the word says, once this handle has seen
 * the lock held: a peer cannot lie its way into an endless wait by dying.
 */
int ringi_peer_gone(struct ring *r, enum ring_role peer, int ask_kernel)
{
    struct ring_control *c = ringi_control_of(r);
    struct ringi_waiter *w =
        peer == RING_ROLE_PRODUCER ? &r->consumer.wait : &r->producer.wait;
    /* Acquire pairs with the release stores in mark_roles (setup.c). */
    uint32_t state =
        atomic_load_explicit(&c->role_state[peer], memory_order_acquire);
    int held;

    /* A handle holding both roles is its own peer, alive while open. */
    if (r->setup.roles &
        (peer == RING_ROLE_PRODUCER ? RING_PRODUCER : RING_CONSUMER))
        return 0;
    /* model/wake.pml: W7 */
    if (state == RING_ROLE_CLOSED)
        return 1;
    if (!ask_kernel)
        return 0;
    w->asked_ns = now_ns();
    held = ringi_role_held(r, peer);
    if (held < 0)
        return 0; /* cannot tell: keep waiting, the timeout holds */
    if (held) {
        w->peer_seen = 1;
        return 0;
    }
    return state != RING_ROLE_NEVER || w->peer_seen;
}

/* ---------------------------------------------------------------------- */
/* The two conditions, seen from the waiting side.                         */

/*
 * For records: tail says bytes are there, so the header at head must be
 * too (an honest producer stores it before the tail that covers it). One
 * that reads 0 is impossible, a hole punched into the memfd included, and
 * stops the consumer; otherwise a wait would say "readable" while
 * ring_msg_recv says -EAGAIN, forever.
 */
static void check_record_at_head(struct ring *r)
{
    if (ringi_readable_cached(r) != 0 &&
        atomic_load_explicit(&ringi_control_of(r)->records,
                             memory_order_acquire))
        (void)ringi_msg_head_word(r);
}

static int readable_holds(struct ring *r, uint64_t len)
{
    uint64_t readable = ring_readable(r);

    check_record_at_head(r);
    return readable >= len && ringi_live(&r->consumer.live);
}

static int writable_holds(struct ring *r, uint64_t len)
{
    return ring_writable(r) >= len;
}

/* ---------------------------------------------------------------------- */
/* The wait itself.                                                        */

struct wait_side {
    struct ringi_waiter *waiter;
    unsigned role;
    int (*holds)(struct ring *r, uint64_t len);
    uint64_t (*target)(const struct ring *r, uint64_t len);
    _Atomic uint64_t *want;
    _Atomic uint32_t *futex;
    _Atomic uint32_t *notify;
    _Atomic uint64_t *sleeps;
    _Atomic uint64_t *missed;
    enum ring_role peer;
};

static uint64_t read_target(const struct ring *r, uint64_t len)
{
    return r->consumer.head + len;
}

static uint64_t write_target(const struct ring *r, uint64_t len)
{
    return r->producer.tail + len - r->setup.capacity;
}

static struct wait_side side_of(struct ring *r, enum ring_role role)
{
    struct ring_control *c = ringi_control_of(r);
    struct wait_side s;

    if (role == RING_ROLE_CONSUMER) {
        s = (struct wait_side){
            &r->consumer.wait,  RING_CONSUMER,   readable_holds,
            read_target,        &c->read_want,   &c->read_futex,
            &c->read_notify,    &c->read_sleeps, &c->read_missed,
            RING_ROLE_PRODUCER,
        };
    } else {
        s = (struct wait_side){
            &r->producer.wait,  RING_PRODUCER,    writable_holds,
            write_target,       &c->write_want,   &c->write_futex,
            &c->write_notify,   &c->write_sleeps, &c->write_missed,
            RING_ROLE_CONSUMER,
        };
    }
    return s;
}

/* 0 while the waiting side may run, else its error. */
static int side_state(struct ring *r, const struct wait_side *s)
{
    return s->role == RING_PRODUCER ? ringi_producer_stop(r)
                                    : ringi_consumer_stop(r);
}

/* The answer once the peer is gone: the condition, looked at one last
   time (the peer may have committed just before it went), else -EPIPE. */
static int gone_answer(struct ring *r, const struct wait_side *s, uint64_t len)
{
    int rc;

    /* model/wake.pml: W8 */
    if (s->holds(r, len))
        return 0;
    /* A producer that died between storing a record's header (its commit
       point) and storing tail left committed records past tail. */
    if (s->peer == RING_ROLE_PRODUCER &&
        ringi_walk_records(r, r->consumer.head, r->setup.capacity) >= len)
        return 0;
    rc = side_state(r, s);
    return rc ? rc : -EPIPE;
}

/* Learns from one wait how soon the peer answered: the spin follows about
   twice that, so a peer that answers within the spin is caught spinning,
   and one that answers slowly costs little CPU. */
static void adapt_spin(struct ringi_waiter *w, int64_t answered_ns)
{
    int64_t target;

    if (w->spin_fixed)
        return;
    target = answered_ns < RING_SPIN_MAX_NS / 2 ? 2 * answered_ns : 0;
    /* Moves a quarter of the way: one odd wait does not undo the rest. */
    w->spin_ns += (target - w->spin_ns) / 4;
    if (w->spin_ns < RING_SPIN_MIN_NS)
        w->spin_ns = RING_SPIN_MIN_NS;
    if (w->spin_ns > RING_SPIN_MAX_NS)
        w->spin_ns = RING_SPIN_MAX_NS;
}

/*
 * Announces what we wait for and looks once more; returns 1 when the
 * condition holds after all. Between the store of want and the load of the
 * peer's index (inside holds) come both halves of the full fence: the
 * seq_cst fence is ours, and pairs with the seq_cst exchange of a peer
 * that fences itself; ringi_fence_peers() runs a full barrier on the
 * peer's CPU, between its publish and its load of want (ringi_publish in
 * ring.h). *fenced tells whether that second half happened.
 */
static int announce(struct ring *r, const struct wait_side *s, uint64_t len,
                    uint32_t how, int *fenced)
{
    atomic_store_explicit(s->notify, how, memory_order_relaxed);
    /* model/wake.pml: W3 */
    atomic_store_explicit(s->want, s->target(r, len), memory_order_seq_cst);
    /* model/wake.pml: W4 */
    atomic_thread_fence(memory_order_seq_cst);
    /* model/wake.pml: W5 */
    *fenced = ringi_fence_peers() == 0;
    /* model/wake.pml: W6 */
    return s->holds(r, len);
}

static void withdraw(const struct wait_side *s)
{
    atomic_store_explicit(s->want, 0, memory_order_relaxed);
}

/* A few polls first, with no clock: the answer is often that close.
   Returns 1 when the condition came. */
static int poll_quickly(struct ring *r, const struct wait_side *s, uint64_t len)
{
    if (s->waiter->spin_ns <= 0)
        return 0;
    for (int i = 1; i <= RING_QUICK_POLLS; i++) {
        cpu_relax();
        if (s->holds(r, len)) {
            adapt_spin(s->waiter, (int64_t)i * RING_QUICK_POLL_NS);
            return 1;
        }
    }
    return 0;
}

/* Spins until spin_end: looks every few pause hints, reads the clock now
   and then. Returns 1 when the condition came. */
static int spin_until(struct ring *r, const struct wait_side *s, uint64_t len,
                      int64_t start, int64_t spin_end)
{
    for (int64_t now = start; now < spin_end; now = now_ns()) {
        for (int i = 0; i < 32; i++) {
            if (s->holds(r, len)) {
                adapt_spin(s->waiter, now_ns() - start);
                return 1;
            }
            cpu_relax();
        }
    }
    return 0;
}

/*
 * Sleeps, in slices, until the condition holds, the peer goes, or the
 * deadline passes; returns what the wait returns. The kernel is asked
 * about a dead peer before the first sleep and after every slice that ran
 * out.
 */
static int sleep_until(struct ring *r, const struct wait_side *s, uint64_t len,
                       int64_t start, int64_t deadline)
{
    int rc = 0;

    /* model/wake.pml: W10 */
    for (int ask_kernel = 1;; ask_kernel = rc == -ETIMEDOUT) {
        /* Acquire pairs with the release bump in wake(): if we see the new
           sequence, we see the index it was bumped for. */
        /* model/wake.pml: W2 */
        uint32_t seq = atomic_load_explicit(s->futex, memory_order_acquire);
        int64_t now, slice_end;
        int fenced;

        if (announce(r, s, len, RING_NOTIFY_FUTEX, &fenced)) {
            withdraw(s);
            adapt_spin(s->waiter, now_ns() - start);
            return 0;
        }
        if ((rc = side_state(r, s)) != 0) {
            withdraw(s);
            return rc;
        }
        /* model/wake.pml: W7 */
        if (ringi_peer_gone(r, s->peer, ask_kernel)) {
            withdraw(s);
            return gone_answer(r, s, len);
        }
        now = now_ns();
        if (now >= deadline) {
            withdraw(s);
            return -ETIMEDOUT;
        }
        slice_end = now + (int64_t)(fenced ? RING_WAIT_SLICE_MS
                                           : RING_WAIT_SHORT_SLICE_MS) *
                              1000000;
        if (slice_end > deadline)
            slice_end = deadline;
        atomic_fetch_add_explicit(s->sleeps, 1, memory_order_relaxed);
        /* model/wake.pml: W9 */
        rc = futex_wait_until(s->futex, seq, slice_end);
        if (rc == -EINTR) {
            withdraw(s);
            return -EINTR;
        }
        /* The slice ran out with no wake-up, yet the condition holds: a
           wake-up was lost (see struct ring_stats). */
        if (rc == -ETIMEDOUT && slice_end < deadline &&
            atomic_load_explicit(s->futex, memory_order_acquire) == seq &&
            s->holds(r, len))
            atomic_fetch_add_explicit(s->missed, 1, memory_order_relaxed);
    }
}

/* What a wait answers before it waits at all: 1 when it must wait, else
   its answer (0 when the condition holds already). */
static int wait_first_look(struct ring *r, const struct wait_side *s,
                           uint64_t len, int timeout_ms)
{
    int rc;

    if ((rc = side_state(r, s)) != 0)
        return rc;
    if (len > r->setup.capacity)
        return -EINVAL;
    /* model/wake.pml: W1 */
    if (s->holds(r, len))
        return 0;
    if ((rc = side_state(r, s)) != 0)
        return rc;
    if (timeout_ms == 0)
        return ringi_peer_gone(r, s->peer, 1) ? gone_answer(r, s, len)
                                              : -ETIMEDOUT;
    return 1;
}

static int wait_until(struct ring *r, enum ring_role role, uint64_t len,
                      int timeout_ms)
{
    struct wait_side s;
    int64_t start, deadline, spin_end;
    int rc;

    if (!ringi_open_here(r))
        return -EBADF;
    if (ringi_is_device(r))
        return ringi_device_wait(r, role, len, timeout_ms);
    s = side_of(r, role);
    if ((rc = wait_first_look(r, &s, len, timeout_ms)) != 1)
        return rc;
    if (poll_quickly(r, &s, len))
        return 0;

    start = now_ns();
    deadline =
        timeout_ms < 0 ? INT64_MAX : start + (int64_t)timeout_ms * 1000000;
    /* spin_ns is at most RING_SPIN_LIMIT_NS: no overflow. */
    spin_end = start + s.waiter->spin_ns;
    if (spin_end > deadline)
        spin_end = deadline;
    if (spin_until(r, &s, len, start, spin_end))
        return 0;
    if ((rc = side_state(r, &s)) != 0)
        return rc;
    return sleep_until(r, &s, len, start, deadline);
}

int ring_wait_readable(struct ring *r, size_t len, int timeout_ms)
{
    return wait_until(r, RING_ROLE_CONSUMER, len, timeout_ms);
}

int ring_wait_writable(struct ring *r, size_t len, int timeout_ms)
{
    return wait_until(r, RING_ROLE_PRODUCER, len, timeout_ms);
}

int ring_set_spin(struct ring *r, long spin_ns)
{
    struct ringi_waiter *sides[] = {&r->producer.wait, &r->consumer.wait};

    if (!ringi_open_here(r))
        return -EBADF;
    if (spin_ns > RING_SPIN_LIMIT_NS)
        spin_ns = RING_SPIN_LIMIT_NS;
    for (int i = 0; i < 2; i++) {
        sides[i]->spin_fixed = spin_ns >= 0;
        sides[i]->spin_ns = spin_ns >= 0 ? spin_ns : RING_SPIN_START_NS;
    }
    return 0;
}

void ringi_waiters_reset(struct ring *r)
{
    struct ringi_waiter *sides[] = {&r->producer.wait, &r->consumer.wait};

    for (int i = 0; i < 2; i++) {
        sides[i]->spin_ns = RING_SPIN_START_NS;
        sides[i]->spin_fixed = 0;
        sides[i]->peer_seen = 0;
        sides[i]->asked_ns = 0;
    }
}

int ring_get_stats(const struct ring *r, struct ring_stats *stats)
{
    struct ring_control *c = ringi_control_of(r);

    if (!ringi_open_here(r))
        return -EBADF;
    if (ringi_is_device(r)) {
        ringi_device_stats(r, stats);
        return 0;
    }
    stats->consumer_sleeps =
        atomic_load_explicit(&c->read_sleeps, memory_order_relaxed);
    stats->consumer_wakes =
        atomic_load_explicit(&c->read_wakes, memory_order_relaxed);
    stats->consumer_missed =
        atomic_load_explicit(&c->read_missed, memory_order_relaxed);
    stats->producer_sleeps =
        atomic_load_explicit(&c->write_sleeps, memory_order_relaxed);
    stats->producer_wakes =
        atomic_load_explicit(&c->write_wakes, memory_order_relaxed);
    stats->producer_missed =
        atomic_load_explicit(&c->write_missed, memory_order_relaxed);
    return 0;
}

/* For event.c: the same announcement, with the doorbell as the signal. */
int ringi_event_announce(struct ring *r, enum ring_role role, uint64_t len,
                         int ask_kernel, int *fenced)
{
    struct wait_side s = side_of(r, role);
    int rc = wait_first_look(r, &s, len, -1);

    if (rc != 1)
        return rc == 0 ? 1 : rc;
    *fenced = 1;
    if (announce(r, &s, len, RING_NOTIFY_EVENT, fenced)) {
        withdraw(&s);
        return 1;
    }
    if ((rc = side_state(r, &s)) != 0) {
        withdraw(&s);
        return rc;
    }
    if (ringi_peer_gone(r, s.peer, ask_kernel)) {
        withdraw(&s);
        rc = gone_answer(r, &s, len);
        return rc == 0 ? 1 : rc;
    }
    return 0;
}
