// SPDX-License-Identifier: MIT
/*
 * bench_kernel.c: the peers ringbench measures the ring against, each used
 * the way a program would use it:
 *
 *   pipe      write / read on a pipe, its buffer set to --buffer;
 *   unix      write / read on a UNIX stream socket (socketpair);
 *   shmfile   pwrite / pread on a file in /dev/shm used as a circular
 *             buffer, the two positions in a shared page of the same
 *             file (release/acquire, as the ring does), waiting by
 *             spinning like the ring;
 *   vmsplice  vmsplice into a pipe (the sender's pages go in without a
 *             copy) / read (one copy out).
 *
 * The parent makes each channel after the fork and passes descriptors
 * over the control socket; the file is opened by name, as unrelated
 * programs would.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "bench_loops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

size_t bench_granted_pipe, bench_granted_socket;

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t any_size(size_t buffer)
{
    (void)buffer;
    return SIZE_MAX;
}

/* Keeps fds[keep], passes fds[!keep] to the child, closes it here. */
static int keep_and_pass(struct bench_endpoint *e, const int fds[2], int keep,
                         int ctl)
{
    int rc = ring_send_fd(ctl, fds[!keep]);

    close(fds[!keep]);
    if (rc) {
        close(fds[keep]);
        return rc;
    }
    e->fd = fds[keep];
    return 0;
}

static int join_fd(struct bench_endpoint *e, enum bench_end end, int ctl,
                   const struct bench_config *cfg, size_t size)
{
    int fd = ring_recv_fd(ctl);

    (void)end;
    (void)cfg;
    (void)size;
    if (fd < 0)
        return fd;
    e->fd = fd;
    return 0;
}

static void close_fd(struct bench_endpoint *e)
{
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
}

/* ---------------------------------------------------------------------- */
/* Copying through a descriptor: pipe and unix.                            */

static unsigned char *buffer_send_begin(struct bench_endpoint *e, size_t size)
{
    (void)size;
    return e->buf;
}

static int write_all(struct bench_endpoint *e, size_t size)
{
    size_t put = 0;

    while (put < size) {
        ssize_t n = write(e->fd, e->buf + put, size - put);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            e->error = -errno;
            return -1;
        }
        put += (size_t)n;
    }
    return 0;
}

/* Blocks in read() as programs do; the phase's way of waiting does not
   change that. */
static const unsigned char *read_all(struct bench_endpoint *e, size_t size,
                                     enum bench_wait wait)
{
    size_t got = 0;

    (void)wait;
    while (got < size) {
        ssize_t n = read(e->fd, e->buf + got, size - got);

        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            e->error = n == 0 ? -EPIPE : -errno;
            return NULL;
        }
        got += (size_t)n;
    }
    return e->buf;
}

static void nothing_to_release(struct bench_endpoint *e, size_t size)
{
    (void)e;
    (void)size;
}

static const struct bench_msg_ops fd_copy_ops = {
    .send_begin = buffer_send_begin,
    .send_end = write_all,
    .recv_begin = read_all,
    .recv_end = nothing_to_release,
};

static int fd_copy_run(enum bench_phase phase, struct bench_endpoint *out,
                       struct bench_endpoint *in, const struct bench_job *job,
                       struct bench_outcome *outcome)
{
    return bench_run_phase(&fd_copy_ops, phase, out, in, job, outcome);
}

/* A pipe with its buffer set to --buffer where the kernel allows it
   (/proc/sys/fs/pipe-max-size caps it for unprivileged users). */
static int make_pipe(int fds[2], const struct bench_config *cfg)
{
    int granted;

    if (pipe2(fds, O_CLOEXEC))
        return -errno;
    if (cfg->buffer <= INT32_MAX)
        fcntl(fds[1], F_SETPIPE_SZ, (int)cfg->buffer);
    granted = fcntl(fds[1], F_GETPIPE_SZ);
    if (granted > 0)
        bench_granted_pipe = (size_t)granted;
    return 0;
}

static int pipe_create(struct bench_endpoint *e, enum bench_end end, int ctl,
                       const struct bench_config *cfg, size_t size)
{
    int fds[2], rc = make_pipe(fds, cfg);

    (void)size;
    if (rc)
        return rc;
    return keep_and_pass(e, fds, end == BENCH_SENDER ? 1 : 0, ctl);
}

static int unix_create(struct bench_endpoint *e, enum bench_end end, int ctl,
                       const struct bench_config *cfg, size_t size)
{
    int fds[2],
        buffer = cfg->buffer > INT32_MAX / 2 ? INT32_MAX / 2 : (int)cfg->buffer;
    int granted = 0;
    socklen_t len = sizeof granted;

    (void)size;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
        return -errno;
    /* fds[0] sends, fds[1] receives. The kernel caps both at
       net.core.wmem_max / rmem_max (and doubles what it grants). */
    setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    if (getsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &granted, &len) == 0 &&
        granted > 0)
        bench_granted_socket = (size_t)granted;
    return keep_and_pass(e, fds, end == BENCH_SENDER ? 0 : 1, ctl);
}

/* ---------------------------------------------------------------------- */
/* vmsplice: the sender's pages go into the pipe without a copy.           */

/*
 * vmsplice() without SPLICE_F_GIFT puts references to the sender's pages
 * in the pipe; the reader copies out of those very pages later. So the
 * sender must not write a page again until the reader is past it, and the
 * kernel never says when that is. What bounds it: the pipe holds at most
 * its size in pages (one slot per page piece), so everything handed over
 * more than a pipe's size of stream ago has been read. The sender
 * therefore writes its messages round a rotation buffer of twice the pipe
 * plus two messages, and never reuses bytes younger than that. The
 * receiver's check would catch a mistake here like any other.
 */
static int vmsplice_rotation(struct bench_endpoint *e, size_t size)
{
    int pipe_size = fcntl(e->fd, F_GETPIPE_SZ);

    if (pipe_size <= 0)
        return -errno;
    bench_endpoint_release(e);
    e->capacity = 2 * (size_t)pipe_size + 2 * size + page_size();
    e->index = 0;
    return bench_endpoint_buffer(e, e->capacity);
}

static int vmsplice_create(struct bench_endpoint *e, enum bench_end end,
                           int ctl, const struct bench_config *cfg, size_t size)
{
    int rc = pipe_create(e, end, ctl, cfg, size);

    if (rc || end != BENCH_SENDER)
        return rc;
    return vmsplice_rotation(e, size);
}

static int vmsplice_join(struct bench_endpoint *e, enum bench_end end, int ctl,
                         const struct bench_config *cfg, size_t size)
{
    int rc = join_fd(e, end, ctl, cfg, size);

    if (rc || end != BENCH_SENDER)
        return rc;
    return vmsplice_rotation(e, size);
}

static unsigned char *vmsplice_send_begin(struct bench_endpoint *e, size_t size)
{
    if (e->index + size > e->capacity)
        e->index = 0;
    return e->buf + e->index;
}

static int vmsplice_send_end(struct bench_endpoint *e, size_t size)
{
    struct iovec iov = {.iov_base = e->buf + e->index, .iov_len = size};

    while (iov.iov_len) {
        ssize_t n = vmsplice(e->fd, &iov, 1, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            e->error = -errno;
            return -1;
        }
        iov.iov_base = (unsigned char *)iov.iov_base + n;
        iov.iov_len -= (size_t)n;
    }
    e->index += size;
    return 0;
}

static const struct bench_msg_ops vmsplice_ops = {
    .send_begin = vmsplice_send_begin,
    .send_end = vmsplice_send_end,
    .recv_begin = read_all,
    .recv_end = nothing_to_release,
};

static int vmsplice_run(enum bench_phase phase, struct bench_endpoint *out,
                        struct bench_endpoint *in, const struct bench_job *job,
                        struct bench_outcome *outcome)
{
    return bench_run_phase(&vmsplice_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */
/* shmfile: pwrite / pread through a file in /dev/shm.                     */

/*
 * Page 0 of the file holds the two positions, each on its own 128 bytes
 * (the writer's tail, the reader's head: bytes ever written and read);
 * the data follows at page_size() as a circular buffer of capacity bytes.
 */
struct bench_shm_positions {
    _Alignas(128) _Atomic uint64_t tail;
    unsigned char tail_pad[128 - sizeof(uint64_t)];
    _Alignas(128) _Atomic uint64_t head;
    unsigned char head_pad[128 - sizeof(uint64_t)];
};

static size_t shm_max_size(size_t buffer)
{
    return bench_ring_capacity_for(buffer);
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
    close_fd(e);
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
    e->capacity = bench_ring_capacity_for(cfg->buffer);
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
    unlink(path);
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
    e->capacity = bench_ring_capacity_for(cfg->buffer);
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
        rc = bench_spin(&spin, e->ctl);
        if (rc) {
            e->error = rc;
            return -1;
        }
    }
    rc = shm_transfer(e, e->buf, size, e->index, 1);
    if (rc) {
        e->error = rc;
        return -1;
    }
    e->index += size;
    /* Release pairs with the reader's acquire load of tail in
       shm_recv_begin: the pwrite above (this thread's stores, made by
       the kernel on its behalf) is ordered before the new tail. */
    atomic_store_explicit(&e->positions->tail, e->index, memory_order_release);
    return 0;
}

BENCH_ALWAYS_INLINE const unsigned char *
shm_recv_begin(struct bench_endpoint *e, size_t size, enum bench_wait wait)
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
        if (rc) {
            e->error = rc;
            return NULL;
        }
    }
    rc = shm_transfer(e, e->buf, size, e->index, 0);
    if (rc) {
        e->error = rc;
        return NULL;
    }
    e->index += size;
    /* Release pairs with the writer's acquire load of head in
       shm_send_end: the pread above is done before the space is reused. */
    atomic_store_explicit(&e->positions->head, e->index, memory_order_release);
    return e->buf;
}

static const struct bench_msg_ops shm_ops = {
    .send_begin = buffer_send_begin,
    .send_end = shm_send_end,
    .recv_begin = shm_recv_begin,
    .recv_end = nothing_to_release,
};

static int shm_run(enum bench_phase phase, struct bench_endpoint *out,
                   struct bench_endpoint *in, const struct bench_job *job,
                   struct bench_outcome *outcome)
{
    return bench_run_phase(&shm_ops, phase, out, in, job, outcome);
}

/* ---------------------------------------------------------------------- */

const struct bench_transport bench_pipe = {
    .name = "pipe",
    .calls = "write / read on a pipe",
    .spins = BENCH_WAITS_SLEEP,
    .default_on = 1,
    .max_size = any_size,
    .create = pipe_create,
    .join = join_fd,
    .close = close_fd,
    .run = fd_copy_run,
};

const struct bench_transport bench_unix = {
    .name = "unix",
    .calls = "write / read on a UNIX stream socket",
    .spins = BENCH_WAITS_SLEEP,
    .default_on = 1,
    .max_size = any_size,
    .create = unix_create,
    .join = join_fd,
    .close = close_fd,
    .run = fd_copy_run,
};

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

const struct bench_transport bench_vmsplice = {
    .name = "vmsplice",
    .calls = "vmsplice into a pipe (no copy) / read (one copy)",
    .spins = BENCH_WAITS_SLEEP,
    .default_on = 1,
    .max_size = any_size,
    .create = vmsplice_create,
    .join = vmsplice_join,
    .close = close_fd,
    .run = vmsplice_run,
};

const struct bench_transport *const bench_all_transports[] = {
    &bench_ring_copy, &bench_ring_zc, &bench_ring_msg, &bench_ring_msg_zc,
    &bench_pipe,      &bench_unix,    &bench_shmfile,  &bench_vmsplice,
};
const int bench_all_transport_count =
    (int)(sizeof bench_all_transports / sizeof bench_all_transports[0]);
