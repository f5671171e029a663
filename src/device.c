// SPDX-License-Identifier: MIT
/*
 * device.c: a ring whose producer is a kernel driver (kernel/), consumed
 * with the same inline calls as any other ring.
 *
 * ring_attach() on a character device lands here. The geometry comes from
 * the driver (RING_IOC_GEOMETRY), never from the shared pages, and the
 * driver is recognised by the magic and layout version it returns, not by
 * the ioctl succeeding. Two mappings, laid side by side in one reserved
 * range so that ringi_unmap() undoes both:
 *
 *   [ consumer page, read-write ][ control page ][ data ][ data again ]
 *                                 \______________ read-only ________/
 *
 * There are no role locks (reopening the device makes a new ring, and the
 * kernel is the only producer), no futexes (a shared futex on driver pages
 * fails, and a kthread could not wake one): a consumer waits in poll() on
 * the device after telling the driver how much it waits for (RING_IOC_ARM),
 * and wakes a producer that sleeps for room with RING_IOC_WAKE. The end of
 * the stream and a stopped ring come from the driver's stream_state word:
 * -EPIPE and -EPROTO.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct ring_dev_control *dev_control(const struct ring *r)
{
    return (struct ring_dev_control *)r->setup.control;
}

/* The consumer page is the first of the mapping. */
static struct ring_dev_consumer *dev_consumer(const struct ring *r)
{
    return (struct ring_dev_consumer *)r->setup.map_base;
}

int ringi_is_device(const struct ring *r)
{
    return (r->setup.flags & RINGI_DEVICE) != 0;
}

/* The geometry as this version of the layout defines it, whatever else
   the driver put there. */
static int check_geometry(const struct ring_dev_geometry *g, uint64_t page,
                          uint64_t max_capacity)
{
    if (g->magic != RING_DEV_MAGIC ||
        g->layout_version != RING_DEV_LAYOUT_VERSION || g->flags != 0)
        return -EPROTO;
    for (size_t i = 0; i < sizeof g->reserved / sizeof g->reserved[0]; i++)
        if (g->reserved[i] != 0)
            return -EPROTO;
    if (g->page_size != page || g->capacity < page ||
        (g->capacity & (g->capacity - 1)) != 0 ||
        g->capacity > RING_CAPACITY_MAX)
        return -EPROTO;
    if (g->capacity > max_capacity)
        return -EFBIG;
    if (g->consumer_offset % page != 0 || g->control_offset % page != 0 ||
        g->consumer_offset > INT64_MAX / 2 || g->control_offset > INT64_MAX / 2)
        return -EPROTO;
    if (g->data_offset != page || g->control_length != page + 2 * g->capacity)
        return -EPROTO;
    return 0;
}

int ringi_device_attach(struct ring *r, int fd, unsigned flags,
                        uint64_t max_capacity)
{
    struct ring_dev_geometry g;
    struct ring_dev_control *c;
    struct ring_dev_consumer *d;
    uint64_t page = ringi_page_size();
    unsigned char *base;
    struct stat st;
    size_t len;
    int rc;

    if (fstat(fd, &st) != 0)
        return -errno;
    if (!S_ISCHR(st.st_mode))
        return -ENODEV; /* not ours to judge: a memfd, or not a ring */
    /* The kernel produces: a device ring has only a consumer. */
    if (flags & ~RING_CONSUMER)
        return -EINVAL;
    if (ioctl(fd, RING_IOC_GEOMETRY, &g) != 0)
        return errno == ENOTTY || errno == EINVAL ? -EINVAL : -errno;
    rc = check_geometry(&g, page, max_capacity);
    if (rc < 0)
        return rc;

    r->setup.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (r->setup.fd < 0) {
        r->setup.fd = -1;
        return -errno;
    }
    len = (size_t)(page + g.control_length);
    base = mmap(NULL, len, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return -errno;
    r->setup.map_base = base;
    r->setup.map_len = len;
    if (mmap(base, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             r->setup.fd, (off_t)g.consumer_offset) == MAP_FAILED ||
        mmap(base + page, (size_t)g.control_length, PROT_READ,
             MAP_SHARED | MAP_FIXED, r->setup.fd,
             (off_t)g.control_offset) == MAP_FAILED)
        return -errno;

    /* The kernel is trusted, but the pages must be the ones the geometry
       describes. */
    c = (struct ring_dev_control *)(void *)(base + page);
    d = (struct ring_dev_consumer *)(void *)base;
    if (c->magic != RING_DEV_MAGIC ||
        c->layout_version != RING_DEV_LAYOUT_VERSION ||
        c->capacity != g.capacity || c->data_offset != g.data_offset)
        return -EPROTO;
    rc = ringi_fork_watch();
    if (rc < 0)
        return rc;

    r->setup.control = c;
    r->setup.data = base + page + g.data_offset;
    r->setup.tail_shared = &c->tail;
    r->setup.write_want = &c->write_want;
    r->setup.head_shared = &d->head;
    r->setup.read_want = &d->read_want;
    r->setup.capacity = g.capacity;
    r->setup.mask = g.capacity - 1;
    r->setup.roles = RING_CONSUMER;
    r->setup.flags = RINGI_DEVICE;
    r->setup.epoch = atomic_load_explicit(&ringi_epoch, memory_order_relaxed);
    /* The driver's waiting producer stores write_want, runs smp_mb(), then
       reads head; a commit of head must be a full fence too, so that one
       of the two sees the other's store (ringi_publish in ring.h). */
    r->setup.publish_fence = 1;
    /* Acquire pairs with the release store of head by a consumer of this
       descriptor before us (ringi_publish_head). */
    r->consumer.head = ringi_load_acquire(r->setup.head_shared);
    r->consumer.tail_cache = r->consumer.head;
    /* The producer side looks full forever: its calls reach -EPERM. */
    r->producer.tail = 0;
    r->producer.head_cache = r->producer.tail - r->setup.capacity;
    ringi_side_open(r, RING_PRODUCER, -EPERM);
    ringi_side_open(r, RING_CONSUMER, 0);
    return 0;
}

/* 1 when len bytes are readable, 0 when they may still come, or the end:
   -EPIPE once the stream ended short of len, -EPROTO once the ring
   stopped. */
static int device_ready(struct ring *r, uint64_t len)
{
    uint32_t state;

    if (ring_readable(r) >= len)
        return 1;
    if (!ringi_live(&r->consumer.live))
        return ringi_consumer_stop(r);
    /* Acquire pairs with the driver's release store of stream_state
       (ringk_set_state): every record committed before the end is visible
       once the end is. */
    state = atomic_load_explicit(&dev_control(r)->stream_state,
                                 memory_order_acquire);
    if (state == RING_DEV_RUNNING)
        return 0;
    if (state == RING_DEV_ENDED)
        return ring_readable(r) >= len ? 1 : -EPIPE;
    /* Stopped (the driver saw an impossible head), or a state this
       version does not know. */
    ringi_consumer_fail(r);
    return -EPROTO;
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Before a sleep costs two system calls and a wake-up, a spin as long as
   the handle's (ring_set_spin): a producer in the kernel often answers
   that soon. 1 when len became readable. */
static int device_spin(struct ring *r, uint64_t len)
{
    int64_t end = monotonic_ns() + r->consumer.wait.spin_ns;

    if (r->consumer.wait.spin_ns <= 0)
        return 0;
    do {
        for (int i = 0; i < 32; i++) {
            if (ring_readable(r) >= len)
                return 1;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    } while (monotonic_ns() < end);
    return 0;
}

int ringi_device_wait(struct ring *r, enum ring_role role, uint64_t len,
                      int timeout_ms)
{
    int64_t deadline =
        timeout_ms < 0 ? INT64_MAX : monotonic_ns() / 1000000 + timeout_ms;
    struct pollfd pfd = {.fd = r->setup.fd, .events = POLLIN};
    int rc;

    if (role != RING_ROLE_CONSUMER)
        return ringi_producer_stop(r); /* -EPERM: the kernel produces */
    if (!ringi_live(&r->consumer.live))
        return ringi_consumer_stop(r);
    if (len > r->setup.capacity)
        return -EINVAL;
    rc = device_ready(r, len);
    if (rc == 0 && timeout_ms != 0 && device_spin(r, len))
        return 0;
    for (;;) {
        int64_t left;

        rc = device_ready(r, len);
        if (rc != 0)
            return rc > 0 ? 0 : rc;
        left = deadline - monotonic_ns() / 1000000;
        if (left <= 0)
            return -ETIMEDOUT;
        /* Tell the driver what we wait for, then sleep in poll: the driver
           queues us, then looks at tail, and every commit looks at its
           queue after it moves tail (ringk_poll, ringk_commit). */
        if (ioctl(r->setup.fd, RING_IOC_ARM, (unsigned long)len) < 0)
            return -errno;
        atomic_fetch_add_explicit(&dev_consumer(r)->read_sleeps, 1,
                                  memory_order_relaxed);
        if (poll(&pfd, 1, left > INT32_MAX ? -1 : (int)left) < 0)
            return errno == EINTR ? -EINTR : -errno;
    }
}

void ringi_device_wake_producer(struct ring *r)
{
    /* The driver clears write_want and wakes its sleeping producer; it
       reads head itself. */
    (void)ioctl(r->setup.fd, RING_IOC_WAKE);
}

int ringi_device_event_fd(struct ring *r, unsigned role)
{
    if (role & ~RING_CONSUMER)
        return -EINVAL;
    /* The device itself: poll says readable once armed and ready. */
    return r->setup.fd;
}

int ringi_device_event_arm(struct ring *r, unsigned role, uint64_t len)
{
    int rc;

    if (role & ~RING_CONSUMER)
        return -EINVAL;
    if (!ringi_live(&r->consumer.live))
        return ringi_consumer_stop(r);
    if (len > r->setup.capacity)
        return -EINVAL;
    rc = device_ready(r, len);
    if (rc != 0)
        return rc > 0 ? 1 : rc;
    rc = ioctl(r->setup.fd, RING_IOC_ARM, (unsigned long)len);
    if (rc < 0)
        return -errno;
    return rc > 0 ? 1 : 0;
}

void ringi_device_stats(const struct ring *r, struct ring_stats *stats)
{
    const struct ring_dev_consumer *d = dev_consumer(r);
    const struct ring_dev_control *c = dev_control(r);

    stats->consumer_sleeps =
        atomic_load_explicit(&d->read_sleeps, memory_order_relaxed);
    stats->consumer_wakes = 0; /* the driver does not count its wake-ups */
    stats->consumer_missed = 0;
    stats->producer_sleeps =
        atomic_load_explicit(&c->write_sleeps, memory_order_relaxed);
    stats->producer_wakes =
        atomic_load_explicit(&c->write_wakes, memory_order_relaxed);
    stats->producer_missed = 0;
}
