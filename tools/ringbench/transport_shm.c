// SPDX-License-Identifier: MIT
/*
 * transport_shm.c: shmfile, pwrite / pread on a file in /dev/shm used as a
 * circular buffer, the two positions in a shared page of the same file
 * (release/acquire, as the ring does), waiting by spinning like the ring:
 * what a program without ring would write for shared memory that busy
 * polls. The file is opened by name, as unrelated programs would.
 */
#define _GNU_SOURCE
#include "loops.h"
#include "ringbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Page 0 of the file holds the two positions, each on its own 128 bytes
 * (the writer's tail, the reader's head: bytes ever written and read);
 * the data follows at page_size() as a circular buffer of capacity bytes,
 * as large as the ring's.
 */
struct bench_shm_positions {
    _Alignas(128) _Atomic uint64_t tail;
    unsigned char tail_pad[128 - sizeof(uint64_t)];
    _Alignas(128) _Atomic uint64_t head;
    unsigned char head_pad[128 - sizeof(uint64_t)];
};

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t shm_max_size(const struct bench_config *cfg)
{
    return cfg->ring_capacity;
}

static int shm_map_positions(struct bench_endpoint *e)
{
    void *p =
        mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);

    if (p == MAP_FAILED)
        return -errno;
    e->positions = p;
    e->index = 0;
    e->peer_cache = 0;
    return 0;
}

static void shm_close(struct bench_endpoint *e)
{
    if (e->positions)
        munmap(e->positions, page_size());
    e->positions = NULL;
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
}

/*
 * Creates the file under a fresh name, tells the child the name and
 * waits until it has opened it, then removes the name: nothing is left
 * in /dev/shm once both hold the file.
 */
static int shm_create(struct bench_endpoint *e, enum bench_end end, int ctl,
                      const struct bench_config *cfg, size_t size)
{
    static unsigned serial;
    char path[64];
    int rc = 0, ack;

    (void)end;
    (void)size;
    snprintf(path, sizeof path, "/dev/shm/ringbench-%d-%u", (int)getpid(),
             serial++);
    e->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (e->fd < 0)
        return -errno;
    e->capacity = cfg->ring_capacity;
    if (ftruncate(e->fd, (off_t)(page_size() + e->capacity)) ||
        fallocate(e->fd, 0, 0, (off_t)(page_size() + e->capacity)))
        rc = -errno;
    if (rc == 0)
        rc = shm_map_positions(e);
    if (rc == 0 && send(ctl, path, strlen(path) + 1, MSG_NOSIGNAL) < 0)
        rc = -errno;
    if (rc == 0 && recv(ctl, &ack, sizeof ack, 0) != sizeof ack)
        rc = -EPIPE;
    if (rc == 0 && ack != 0)
        rc = ack;
    if (unlink(path) && rc == 0)
        rc = -errno;
    if (rc)
        shm_close(e);
    return rc;
}

static int shm_join(struct bench_endpoint *e, enum bench_end end, int ctl,
                    const struct bench_config *cfg, size_t size)
{
    char path[64];
    ssize_t n = recv(ctl, path, sizeof path - 1, 0);
    int rc = 0;

    (void)end;
    (void)size;
    if (n <= 0)
        return n == 0 ? -EPIPE : -errno;
    path[n] = '\0';
    e->capacity = cfg->ring_capacity;
    e->fd = open(path, O_RDWR | O_CLOEXEC);
    if (e->fd < 0)
        rc = -errno;
    if (rc == 0)
        rc = shm_map_positions(e);
    if (send(ctl, &rc, sizeof rc, MSG_NOSIGNAL) < 0 && rc == 0)
        rc = -errno;
    if (rc)
        shm_close(e);
    return rc;
}

static int pwrite_all(int fd, const unsigned char *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

static int pread_all(int fd, unsigned char *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pread(fd, p, len, off);

        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return n == 0 ? -EIO : -errno;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* Copies len bytes of stream position pos in or out of the circular
   data area, in two pieces when they wrap. */
static int shm_transfer(struct bench_endpoint *e, unsigned char *p, size_t len,
                        uint64_t pos, int writing)
{
    size_t at = (size_t)(pos & (e->capacity - 1));
    size_t first = len < e->capacity - at ? len : e->capacity - at;
    off_t data = (off_t)page_size();
    int rc;

    rc = writing ? pwrite_all(e->fd, p, first, data + (off_t)at)
                 : pread_all(e->fd, p, first, data + (off_t)at);
    if (rc == 0 && len > first)
        rc = writing ? pwrite_all(e->fd, p + first, len - first, data)
                     : pread_all(e->fd, p + first, len - first, data);
    return rc;
}

static int shm_send_end(struct bench_endpoint *e, size_t size)
{
    struct bench_spin spin = {0};
    int rc;

    while (e->capacity - (e->index - e->peer_cache) < size) {
        /* Acquire pairs with the reader's release store of head in
           shm_recv_begin: its pread of those bytes is done. */
        e->peer_cache =
            atomic_load_explicit(&e->positions->head, memory_order_acquire);
        if (e->capacity - (e->index - e->peer_cache) >= size)
            break;
        if ((rc = bench_spin(&spin, e->ctl)))
            return rc;
    }
    if ((rc = shm_transfer(e, e->buf, size, e->index, 1)))
        return rc;
    e->index += size;
    /* Release pairs with the reader's acquire load of tail in
       shm_recv_begin: the pwrite above (this thread's stores, made by
       the kernel on its behalf) is ordered before the new tail. */
    atomic_store_explicit(&e->positions->tail, e->index, memory_order_release);
    return 0;
}

BENCH_ALWAYS_INLINE int shm_recv_begin(struct bench_endpoint *e, size_t size,
                                       enum bench_wait wait,
                                       const unsigned char **msg)
{
    struct bench_spin spin = {0};
    int rc;

    while (e->peer_cache - e->index < size) {
        /* Acquire pairs with the writer's release store of tail in
           shm_send_end: the bytes below it are in the file. */
        e->peer_cache =
            atomic_load_explicit(&e->positions->tail, memory_order_acquire);
        if (e->peer_cache - e->index >= size)
            break;
        rc = wait == BENCH_POLL ? bench_poll(&spin, e)
                                : bench_spin(&spin, e->ctl);
        if (rc)
            return rc;
    }
    if ((rc = shm_transfer(e, e->buf, size, e->index, 0)))
        return rc;
    e->index += size;
    /* Release pairs with the writer's acquire load of head in
       shm_send_end: the pread above is done before the space is reused. */
    atomic_store_explicit(&e->positions->head, e->index, memory_order_release);
    *msg = e->buf;
    return 0;
}

static const struct bench_msg_ops shm_ops = {
    .send_begin = bench_private_buffer,
    .send_end = shm_send_end,
    .recv_begin = shm_recv_begin,
    .recv_end = bench_nothing_to_release,
};

static int shm_run(enum bench_phase phase, struct bench_endpoint *out,
                   struct bench_endpoint *in, const struct bench_job *job,
                   struct bench_outcome *outcome)
{
    return bench_run_loops(&shm_ops, phase, out, in, job, outcome);
}

const struct bench_transport bench_shmfile = {
    .name = "shmfile",
    .calls = "pwrite / pread on a /dev/shm file, positions in shared "
             "memory",
    .spins = BENCH_WAITS_SPIN,
    .default_on = 1,
    .max_size = shm_max_size,
    .create = shm_create,
    .join = shm_join,
    .close = shm_close,
    .run = shm_run,
};
