// SPDX-License-Identifier: MIT
/* test_share.c: passing the memfd over a UNIX socket. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int sv[2];

static void open_pair(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void close_pair(void)
{
    close(sv[0]);
    close(sv[1]);
}

TestSuite(share, .init = open_pair, .fini = close_pair);

/* Sends count descriptors (copies of fd) with one byte of data. */
static void send_raw(int sock, int fd, int count)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } control;
    char byte = 'r';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    int fds[8];

    memset(&control, 0, sizeof control);
    if (count > 0) {
        for (int i = 0; i < count; i++)
            fds[i] = fd;
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)count);
    }
    cr_assert_eq(sendmsg(sock, &msg, 0), 1);
}

Test(share, a_ring_crosses_the_socket)
{
    struct ring p, c;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_send_fd(sv[0], ring_fd(&p)), 0);
    int fd = ring_recv_fd(sv[1]);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    cr_assert_eq(ring_attach(&c, fd, RING_CONSUMER), 0);
    close(fd); /* the handle keeps its own duplicate */
    cr_assert_eq(ring_write(&p, "shared", 6), 6);
    char out[6];
    cr_assert_eq(ring_read(&c, out, 6), 6);
    cr_assert_arr_eq(out, "shared", 6);
    ring_close(&c);
    ring_close(&p);
}

Test(share, end_of_file_is_an_error)
{
    close(sv[0]);
    sv[0] = -1;
    cr_assert_eq(ring_recv_fd(sv[1]), -ECONNRESET);
}

Test(share, a_message_without_descriptor_is_refused)
{
    send_raw(sv[0], -1, 0);
    cr_assert_eq(ring_recv_fd(sv[1]), -EPROTO);
}

Test(share, extra_descriptors_are_refused_and_closed)
{
    int fd = memfd_create("x", MFD_CLOEXEC);
    size_t before = test_count_fds();

    for (int count = 2; count <= 3; count++) {
        send_raw(sv[0], fd, count);
        cr_assert_eq(ring_recv_fd(sv[1]), -EPROTO);
        cr_assert_eq(test_count_fds(), before, "%d descriptors", count);
    }
    close(fd);
}

Test(share, the_descriptor_limit_is_reported)
{
    struct rlimit lim;
    int fd = memfd_create("x", MFD_CLOEXEC);
    int used = 0;

    send_raw(sv[0], fd, 1);
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
    /* Use every descriptor below the limit. */
    lim.rlim_cur = test_count_fds() + 4;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    while (dup(0) >= 0)
        used++;
    (void)used;
    cr_assert_eq(errno, EMFILE);
    cr_assert_eq(ring_recv_fd(sv[1]), -EMFILE);
}

Test(share, a_nonsocket_is_refused)
{
    int fd = memfd_create("x", MFD_CLOEXEC);

    cr_assert_eq(ring_recv_fd(fd), -ENOTSOCK);
    close(fd);
}
