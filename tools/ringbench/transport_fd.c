// SPDX-License-Identifier: MIT
/*
 * transport_fd.c: the kernel's own channels ringbench measures the ring
 * against, each used the way a program would use it:
 *
 *   pipe      write / read on a pipe, its buffer set to --buffer;
 *   unix      write / read on a UNIX stream socket (socketpair);
 *   vmsplice  vmsplice into a pipe (the sender's pages go in without a
 *             copy) / read (one copy out).
 *
 * The parent makes each channel after the fork and passes descriptors
 * over the control socket.
 */
#define _GNU_SOURCE
#include "loops.h"
#include "ringbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

size_t bench_granted_pipe, bench_granted_socket;

static size_t any_size(const struct bench_config *cfg)
{
    (void)cfg;
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

static int write_all(struct bench_endpoint *e, size_t size)
{
    size_t put = 0;

    while (put < size) {
        ssize_t n = write(e->fd, e->buf + put, size - put);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        put += (size_t)n;
    }
    return 0;
}

/* Blocks in read() as programs do; the phase's way of waiting does not
   change that. */
static int read_all(struct bench_endpoint *e, size_t size, enum bench_wait wait,
                    const unsigned char **msg)
{
    size_t got = 0;

    (void)wait;
    while (got < size) {
        ssize_t n = read(e->fd, e->buf + got, size - got);

        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return n == 0 ? -EPIPE : -errno;
        }
        got += (size_t)n;
    }
    *msg = e->buf;
    return 0;
}

static const struct bench_msg_ops fd_copy_ops = {
    .send_begin = bench_private_buffer,
    .send_end = write_all,
    .recv_begin = read_all,
    .recv_end = bench_nothing_to_release,
};

static int fd_copy_run(enum bench_phase phase, struct bench_endpoint *out,
                       struct bench_endpoint *in, const struct bench_job *job,
                       struct bench_outcome *outcome)
{
    return bench_run_loops(&fd_copy_ops, phase, out, in, job, outcome);
}

/* A pipe with its buffer set to --buffer where the kernel allows it
   (/proc/sys/fs/pipe-max-size caps it for unprivileged users). */
static int make_pipe(int fds[2], const struct bench_config *cfg)
{
    int granted;

    if (pipe2(fds, O_CLOEXEC))
        return -errno;
    /* A refusal is no error: the pipe keeps the size it has, and the
       header says what was granted. */
    if (cfg->buffer <= INT32_MAX)
        (void)fcntl(fds[1], F_SETPIPE_SZ, (int)cfg->buffer);
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
       net.core.wmem_max / rmem_max (and doubles what it grants); a
       refusal leaves the default, and the header says what was granted. */
    (void)setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    (void)setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
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
    e->capacity =
        2 * (size_t)pipe_size + 2 * size + (size_t)sysconf(_SC_PAGESIZE);
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

static int vmsplice_send_begin(struct bench_endpoint *e, size_t size,
                               unsigned char **msg)
{
    if (e->index + size > e->capacity)
        e->index = 0;
    *msg = e->buf + e->index;
    return 0;
}

static int vmsplice_send_end(struct bench_endpoint *e, size_t size)
{
    struct iovec iov = {.iov_base = e->buf + e->index, .iov_len = size};

    while (iov.iov_len) {
        ssize_t n = vmsplice(e->fd, &iov, 1, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
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
    .recv_end = bench_nothing_to_release,
};

static int vmsplice_run(enum bench_phase phase, struct bench_endpoint *out,
                        struct bench_endpoint *in, const struct bench_job *job,
                        struct bench_outcome *outcome)
{
    return bench_run_loops(&vmsplice_ops, phase, out, in, job, outcome);
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
