// SPDX-License-Identifier: MIT
/*
 * event.c: a descriptor an event loop can poll for one side of a handle.
 *
 * The descriptor is an eventfd. The peer's wake-up writes one byte of the
 * control page with pwrite (the doorbell: stores through the mapping make
 * no inotify event, a write does), and the process hears every doorbell
 * through one inotify instance that all its handles share: one per
 * process, not one per handle (a user may have 128 instances by default),
 * and closing a handle removes a watch instead of destroying an instance,
 * which waits for an RCU grace period. A small thread of libring's,
 * started with the first event descriptor of the process and stopped
 * with the last, reads that instance and writes to the eventfd of every
 * side that watches the memfd that rang; it also ticks each armed side
 * every 50 ms, so that a loop notices a peer that died without ringing.
 * Nothing is asked of the peer until ring_event_arm() announces a waiter:
 * until then it costs the peer nothing.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RING_EVENT_TICK_MS 50
/* The dispatching thread's stack: it reads 4 KiB of events at a time,
   but ThreadSanitizer asks for almost 1 MiB of any stack it is given.
   Address space only: pages are touched as used. Our own mapping,
   unmapped after the join: glibc would keep a stack of its own cached
   past the thread, a mapping that outlives the last handle. */
#define RING_EVENT_STACK (2 * 1024 * 1024)
/* The tick when membarrier() failed: a fence-less peer may miss us. */
#define RING_EVENT_SHORT_TICK_MS 1

/* One side's event descriptor, as the process's table knows it. */
struct slot {
    int used;
    int wd;       /* the watch of its memfd in the shared instance */
    int event_fd; /* what ring_event_fd returned */
    int armed;    /* ticks while armed */
    int64_t tick_ns, next_tick_ns;
};

/* The shared inotify instance and its thread. inotify_fd, kick_fd, thread
   and stack are set before the thread starts and never change; stopping
   is guarded by the table's lock. */
struct instance {
    int inotify_fd; /* the shared inotify instance */
    int kick_fd;    /* an eventfd that wakes the thread */
    int stopping;   /* the thread is to end */
    pthread_t thread;
    void *stack;
};

/* The process's table, guarded by lock. */
static struct {
    pthread_mutex_t lock;
    struct instance *instance; /* NULL while no side has a descriptor */
    int64_t thread_wakes_ns;   /* when the thread looks at the ticks next */
    struct slot *slots;
    int nslots, used;
} table = {PTHREAD_MUTEX_INITIALIZER, NULL, INT64_MAX, NULL, 0, 0};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Adds one to an eventfd. It is non-blocking and its counter cannot fill
   up with ones: nothing to do when the write fails. */
static void signal_fd(int fd)
{
    uint64_t one = 1;
    ssize_t n;

    do
        n = write(fd, &one, sizeof one);
    while (n < 0 && errno == EINTR);
}

/* Reads an eventfd back to zero; returns nonzero if it was signalled. */
static int drain(int fd)
{
    uint64_t count;
    ssize_t n;

    do
        n = read(fd, &count, sizeof count);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof count;
}

/* With the lock held: signals every side that watches wd. */
static void ring_watchers(int wd)
{
    for (int i = 0; i < table.nslots; i++)
        if (table.slots[i].used && table.slots[i].wd == wd)
            signal_fd(table.slots[i].event_fd);
}

/* With the lock held: ticks the armed sides that are due; returns when
   the next tick is due (INT64_MAX: none armed). */
static int64_t tick(int64_t now)
{
    int64_t next = INT64_MAX;

    for (int i = 0; i < table.nslots; i++) {
        struct slot *s = &table.slots[i];

        if (!s->used || !s->armed)
            continue;
        if (s->next_tick_ns <= now) {
            signal_fd(s->event_fd);
            s->next_tick_ns = now + s->tick_ns;
        }
        if (s->next_tick_ns < next)
            next = s->next_tick_ns;
    }
    return next;
}

/* Reads the doorbells heard, and rings the sides that watch them. */
static void hear(int inotify_fd)
{
    /* Aligned as inotify_event, as inotify(7) asks. */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;

    while ((n = read(inotify_fd, buf, sizeof buf)) > 0) {
        pthread_mutex_lock(&table.lock);
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;

            ring_watchers(ev->wd);
            p += sizeof *ev + ev->len;
        }
        pthread_mutex_unlock(&table.lock);
    }
}

static void *dispatch(void *arg)
{
    const struct instance *in = arg;

    for (;;) {
        struct pollfd fds[2] = {{in->inotify_fd, POLLIN, 0},
                                {in->kick_fd, POLLIN, 0}};
        int64_t now, next;
        int timeout_ms;

        pthread_mutex_lock(&table.lock);
        if (in->stopping) {
            pthread_mutex_unlock(&table.lock);
            return NULL;
        }
        now = now_ns();
        next = tick(now);
        table.thread_wakes_ns = next;
        pthread_mutex_unlock(&table.lock);
        timeout_ms = next == INT64_MAX ? -1
                     : next - now > INT_MAX * INT64_C(1000000)
                         ? INT_MAX
                         : (int)((next - now + 999999) / 1000000);
        if (poll(fds, 2, timeout_ms) < 0 && errno != EINTR)
            timeout_ms = RING_EVENT_TICK_MS; /* cannot happen; do not spin */
        if (fds[1].revents & POLLIN)
            drain(in->kick_fd);
        if (fds[0].revents & POLLIN)
            hear(in->inotify_fd);
    }
}

/* Closes what start_instance made (any of it may be missing) and frees
   it. */
static void close_instance(struct instance *in)
{
    if (in->inotify_fd >= 0)
        close(in->inotify_fd);
    if (in->kick_fd >= 0)
        close(in->kick_fd);
    if (in->stack && in->stack != MAP_FAILED)
        munmap(in->stack, RING_EVENT_STACK);
    free(in);
}

/* With the lock held: the shared instance and its thread, started with
   every signal blocked (the thread must never take the user's). */
static int start_instance(void)
{
    struct instance *in = calloc(1, sizeof *in);
    pthread_attr_t attr;
    sigset_t all, old;
    int rc;

    if (!in)
        return -ENOMEM;
    in->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    in->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    in->stack =
        mmap(NULL, RING_EVENT_STACK, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (in->inotify_fd < 0 || in->kick_fd < 0 || in->stack == MAP_FAILED)
        rc = -errno;
    else
        rc = -pthread_attr_init(&attr);
    if (rc == 0) {
        table.thread_wakes_ns = INT64_MAX;
        rc = -pthread_attr_setstack(&attr, in->stack, RING_EVENT_STACK);
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        /* The thread sees every field set above: pthread_create orders
           them before its start. */
        if (rc == 0)
            rc = -pthread_create(&in->thread, &attr, dispatch, in);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
    }
    if (rc < 0) {
        close_instance(in);
        return rc;
    }
    table.instance = in;
    return 0;
}

/* Called with the lock held, returns with it released: ends the thread
   and closes the instance once no side uses it. A new instance may start
   as soon as the lock is released: this one is ours alone by then. */
static void stop_if_unused(void)
{
    struct instance *in = table.instance;

    if (table.used > 0 || in == NULL) {
        pthread_mutex_unlock(&table.lock);
        return;
    }
    in->stopping = 1;
    table.instance = NULL;
    free(table.slots);
    table.slots = NULL;
    table.nslots = 0;
    signal_fd(in->kick_fd);
    pthread_mutex_unlock(&table.lock);
    pthread_join(in->thread, NULL);
    close_instance(in);
}

/* With the lock held: a free slot (the table grows as needed), or -1. */
static int new_slot(void)
{
    struct slot *grown;
    int old = table.nslots, n;

    for (int i = 0; i < old; i++)
        if (!table.slots[i].used)
            return i;
    if (old > INT_MAX / 2)
        return -1;
    n = old ? 2 * old : 8;
    grown = realloc(table.slots, (size_t)n * sizeof *grown);
    if (!grown)
        return -1;
    memset(grown + old, 0, (size_t)(n - old) * sizeof *grown);
    table.slots = grown;
    table.nslots = n;
    return old;
}

/* The fork handlers: the table is consistent in the child, which has no
   thread and none of the parent's sides (their handles are not live in
   the child: side.c). */
static void before_fork(void)
{
    pthread_mutex_lock(&table.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&table.lock);
}

static void after_fork_child(void)
{
    /* The child's copies: its thread was not forked with it. */
    if (table.instance)
        close_instance(table.instance);
    free(table.slots);
    table.instance = NULL;
    table.slots = NULL;
    table.nslots = table.used = 0;
    pthread_mutex_unlock(&table.lock);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_error;

static void watch_forks(void)
{
    fork_error =
        -pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* The waiter of the one role named (0: the handle's only role). */
static struct ringi_waiter *waiter_of(struct ring *r, unsigned role,
                                      enum ring_role *index)
{
    unsigned roles = r->setup.roles;

    if (role == 0 && (roles == RING_PRODUCER || roles == RING_CONSUMER))
        role = roles;
    if (role == RING_CONSUMER && (roles & RING_CONSUMER)) {
        *index = RING_ROLE_CONSUMER;
        return &r->consumer.wait;
    }
    if (role == RING_PRODUCER && (roles & RING_PRODUCER)) {
        *index = RING_ROLE_PRODUCER;
        return &r->producer.wait;
    }
    return NULL;
}

/* With the lock held: removes the watch wd unless a side still uses it.
   A watch that is gone already (its memfd was freed) is fine too. */
static void unwatch_if_unshared(int wd)
{
    for (int i = 0; i < table.nslots; i++)
        if (table.slots[i].used && table.slots[i].wd == wd)
            return;
    (void)inotify_rm_watch(table.instance->inotify_fd, wd);
}

/* Registers a new eventfd for the memfd at path; returns its slot or
   -errno. */
static int watch(const char *path, int event_fd)
{
    int rc, slot, wd;

    pthread_mutex_lock(&table.lock);
    if (table.instance == NULL && (rc = start_instance()) < 0) {
        pthread_mutex_unlock(&table.lock);
        return rc;
    }
    wd = inotify_add_watch(table.instance->inotify_fd, path, IN_MODIFY);
    if (wd < 0) {
        rc = -errno;
        stop_if_unused();
        return rc;
    }
    slot = new_slot();
    if (slot < 0) {
        unwatch_if_unshared(wd);
        stop_if_unused();
        return -ENOMEM;
    }
    table.slots[slot] = (struct slot){1, wd, event_fd, 0, 0, 0};
    table.used++;
    pthread_mutex_unlock(&table.lock);
    return slot;
}

int ring_event_fd(struct ring *r, unsigned role)
{
    enum ring_role index;
    struct ringi_waiter *w;
    char path[64];
    int event_fd, slot;

    if (!ringi_open_here(r))
        return -EBADF;
    w = waiter_of(r, role, &index);
    if (w == NULL)
        return -EINVAL;
    if (ringi_is_device(r))
        return ringi_device_event_fd(r, role);
    if (r->setup.flags & RING_HUGEPAGES)
        return -EOPNOTSUPP; /* hugetlbfs has no write(): no doorbell */
    if (w->event_fd >= 0)
        return w->event_fd;
    pthread_once(&fork_once, watch_forks);
    if (fork_error < 0)
        return fork_error;

    event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd < 0)
        return -errno;
    snprintf(path, sizeof path, "/proc/self/fd/%d", r->setup.fd);
    slot = watch(path, event_fd);
    if (slot < 0) {
        close(event_fd);
        return slot;
    }
    w->event_fd = event_fd;
    w->event_slot = slot;
    return event_fd;
}

static void close_waiter(struct ringi_waiter *w)
{
    struct slot *s;
    int wd;

    if (w->event_fd < 0)
        return;
    pthread_mutex_lock(&table.lock);
    s = &table.slots[w->event_slot];
    wd = s->wd;
    *s = (struct slot){0};
    table.used--;
    unwatch_if_unshared(wd);
    close(w->event_fd);
    w->event_fd = -1;
    w->event_slot = -1;
    stop_if_unused();
}

void ringi_event_close_all(struct ring *r)
{
    close_waiter(&r->producer.wait);
    close_waiter(&r->consumer.wait);
}

void ringi_event_forget(struct ring *r)
{
    struct ringi_waiter *sides[] = {&r->producer.wait, &r->consumer.wait};

    for (int i = 0; i < 2; i++) {
        if (sides[i]->event_fd >= 0)
            close(sides[i]->event_fd);
        sides[i]->event_fd = -1;
        sides[i]->event_slot = -1;
    }
}

void ringi_event_reset(struct ring *r)
{
    r->producer.wait.event_fd = r->consumer.wait.event_fd = -1;
    r->producer.wait.event_slot = r->consumer.wait.event_slot = -1;
}

/* Arms (or disarms) a side's tick; wakes the thread if it would sleep
   past the first one. */
static void set_armed(const struct ringi_waiter *w, int armed, int fenced)
{
    struct slot *s;

    pthread_mutex_lock(&table.lock);
    s = &table.slots[w->event_slot];
    s->armed = armed;
    if (armed) {
        s->tick_ns =
            (int64_t)(fenced ? RING_EVENT_TICK_MS : RING_EVENT_SHORT_TICK_MS) *
            1000000;
        s->next_tick_ns = now_ns() + s->tick_ns;
        if (s->next_tick_ns < table.thread_wakes_ns) {
            table.thread_wakes_ns = s->next_tick_ns;
            signal_fd(table.instance->kick_fd);
        }
    }
    pthread_mutex_unlock(&table.lock);
}

int ring_event_arm(struct ring *r, unsigned role, size_t len)
{
    enum ring_role index;
    struct ringi_waiter *w;
    int rc, fenced = 1, ask_kernel;

    if (!ringi_open_here(r))
        return -EBADF;
    w = waiter_of(r, role, &index);
    if (w == NULL)
        return -EINVAL;
    if (ringi_is_device(r))
        return ringi_device_event_arm(r, role, len);
    if (w->event_fd < 0 && (rc = ring_event_fd(r, role)) < 0)
        return rc;
    /* Cleared before we look, so that a doorbell rung after the look is
       never drained unseen. */
    drain(w->event_fd);
    /* The kernel is asked about a dead peer once per tick. */
    ask_kernel =
        now_ns() - w->asked_ns >= RING_EVENT_TICK_MS * INT64_C(1000000);
    rc = ringi_event_announce(r, index, len, ask_kernel, &fenced);
    set_armed(w, rc == 0, fenced);
    return rc;
}
