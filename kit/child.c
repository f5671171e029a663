// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kit/child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

int kit_child_start(struct kit_child *c, int type,
                    int (*body)(int sock, void *arg), void *arg)
{
    pid_t parent = getpid();
    int sv[2];

    c->pid = -1;
    c->sock = -1;
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv))
        return -errno;
    fflush(NULL);
    c->pid = fork();
    if (c->pid < 0) {
        int rc = -errno;

        close(sv[0]);
        close(sv[1]);
        return rc;
    }
    if (c->pid == 0) {
        close(sv[0]);
        /* Never outlive the parent, even if it is killed; it may have
           died before the request took effect. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
            _exit(127);
        _exit(body(sv[1], arg) & 0xff);
    }
    close(sv[1]);
    c->sock = sv[0];
    return 0;
}

static void close_sock(struct kit_child *c)
{
    if (c->sock >= 0)
        close(c->sock);
    c->sock = -1;
}

int kit_child_wait(struct kit_child *c, struct rusage *usage)
{
    struct rusage ignored;
    int status;
    pid_t got;

    close_sock(c);
    if (c->pid <= 0)
        return -ECHILD;
    do
        got = wait4(c->pid, &status, 0, usage ? usage : &ignored);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return -errno;
    c->pid = -1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

void kit_child_kill(struct kit_child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    c->pid = -1;
    close_sock(c);
}

int kit_msg_send(int sock, const void *msg, size_t len)
{
    ssize_t n;

    do
        n = send(sock, msg, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

int kit_msg_recv(int sock, void *msg, size_t len, int timeout_ms)
{
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
    struct iovec iov = {.iov_base = msg, .iov_len = len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n;
    int ready;

    do
        ready = poll(&pfd, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
        return -errno;
    if (ready == 0)
        return -ETIMEDOUT;
    do
        n = recvmsg(sock, &mh, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    /* A longer message was cut to len (MSG_TRUNC): it is not ours. */
    return (size_t)n == len && !(mh.msg_flags & MSG_TRUNC) ? 0 : -EPROTO;
}
