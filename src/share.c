// SPDX-License-Identifier: MIT
/*
 * share.c: passing a ring's memfd over a UNIX domain socket (SCM_RIGHTS).
 * The receiving side trusts nothing: it accepts exactly one descriptor,
 * closes every other one that arrived, and reports truncated control data
 * and end of file as errors.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04 /* Linux 6.5: a pidfd of the sender (SO_PASSPIDFD) */
#endif

/* Room for more descriptors than we accept, so that extras arrive (and are
   closed) instead of being dropped as truncation. */
#define RING_RECV_FDS_MAX 16

int ring_send_fd(int sock, int fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    char byte = 'r';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *cmsg;
    ssize_t n;

    if (fd < 0)
        return -EBADF;
    memset(&control, 0, sizeof control);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0)
        return -errno;
    return n == 1 ? 0 : -EIO;
}

static void close_all(const int *fds, size_t count)
{
    for (size_t i = 0; i < count; i++)
        close(fds[i]);
}

/* After MSG_CTRUNC: was it our descriptor limit, or a peer sending more
   than we make room for? */
static int truncation_cause(int sock)
{
    int probe = fcntl(sock, F_DUPFD_CLOEXEC, 0);

    if (probe < 0)
        return errno == EMFILE ? -EMFILE : -EPROTO;
    close(probe);
    return -EPROTO;
}

int ring_recv_fd(int sock)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * RING_RECV_FDS_MAX)];
    } control;
    int fds[RING_RECV_FDS_MAX];
    size_t count = 0;
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    ssize_t n;
    int rc;

    memset(&control, 0, sizeof control);
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        const unsigned char *data = CMSG_DATA(c);
        const unsigned char *end = (const unsigned char *)c + c->cmsg_len;
        const unsigned char *limit =
            (const unsigned char *)control.buf + msg.msg_controllen;

        if (end > limit)
            end = limit;
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        /* A socket with SO_PASSPIDFD adds the sender's pidfd: ours now,
           so ours to close. */
        if (c->cmsg_type == SCM_PIDFD && data + sizeof(int) <= end) {
            int pidfd;
            memcpy(&pidfd, data, sizeof pidfd);
            close(pidfd);
            continue;
        }
        if (c->cmsg_type != SCM_RIGHTS)
            continue;
        for (; data + sizeof(int) <= end && count < RING_RECV_FDS_MAX;
             data += sizeof(int))
            memcpy(&fds[count++], data, sizeof(int));
    }

    if (msg.msg_flags & MSG_CTRUNC) {
        rc = truncation_cause(sock);
        close_all(fds, count);
        return rc;
    }
    if (n == 0 && count == 0)
        return -ECONNRESET;
    if (count != 1) {
        close_all(fds, count);
        return -EPROTO;
    }
    return fds[0];
}
