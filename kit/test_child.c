// SPDX-License-Identifier: MIT
/* test_child.c: the second process of the benchmarks: it talks over its
   socket, its exit status comes back, and it never outlives its parent. */
#define _GNU_SOURCE
#include "kit/child.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Answers each number with the next one; exits with the last one got. */
static int echo_next(int sock, void *arg)
{
    unsigned char v = 0;

    (void)arg;
    while (kit_msg_recv(sock, &v, 1, -1) == 0) {
        unsigned char next = (unsigned char)(v + 1);

        if (kit_msg_send(sock, &next, 1))
            return 99;
    }
    return v;
}

Test(child, talks_over_its_socket_and_returns_its_status)
{
    struct kit_child c;

    cr_assert_eq(kit_child_start(&c, SOCK_SEQPACKET, echo_next, NULL), 0);
    for (unsigned char v = 1; v < 40; v += 2) {
        unsigned char got;

        cr_assert_eq(kit_msg_send(c.sock, &v, 1), 0);
        cr_assert_eq(kit_msg_recv(c.sock, &got, 1, 10000), 0);
        cr_assert_eq(got, v + 1);
    }
    /* Closing our end is the child's end of file: it exits with 39. */
    cr_assert_eq(kit_child_wait(&c, NULL), 39);
    cr_assert_eq(c.pid, -1);
    cr_assert_eq(c.sock, -1);
}

static int sleep_long(int sock, void *arg)
{
    (void)sock;
    (void)arg;
    pause();
    return 0;
}

Test(child, a_killed_child_says_by_what)
{
    struct kit_child c;
    struct rusage usage;
    unsigned char byte;

    cr_assert_eq(kit_child_start(&c, SOCK_STREAM, sleep_long, NULL), 0);
    cr_assert_eq(kit_msg_recv(c.sock, &byte, 1, 50), -ETIMEDOUT);
    cr_assert_eq(kill(c.pid, SIGTERM), 0);
    cr_assert_eq(kit_child_wait(&c, &usage), 128 + SIGTERM);
    cr_assert_eq(kit_child_wait(&c, NULL), -ECHILD);
    kit_child_kill(&c); /* nothing left to kill: does nothing */
}

Test(child, a_message_of_the_wrong_length_or_end_of_file_is_an_error)
{
    struct kit_child c;
    unsigned char two[2] = {1, 2}, one;

    cr_assert_eq(kit_child_start(&c, SOCK_SEQPACKET, sleep_long, NULL), 0);
    kit_child_kill(&c);
    cr_assert_eq(c.pid, -1);

    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    cr_assert_eq(kit_msg_send(sv[0], two, 2), 0);
    cr_assert_eq(kit_msg_recv(sv[1], &one, 1, 1000), -EPROTO);
    close(sv[0]);
    cr_assert_eq(kit_msg_recv(sv[1], &one, 1, 1000), -EPIPE);
    cr_assert_eq(kit_msg_send(sv[1], &one, 1), -EPIPE);
    close(sv[1]);
}

/* The middle process starts a grandchild, says its pid, and exits: the
   grandchild must die with it. */
static int start_grandchild(int sock, void *arg)
{
    struct kit_child grandchild;

    (void)arg;
    if (kit_child_start(&grandchild, SOCK_STREAM, sleep_long, NULL))
        return 1;
    if (kit_msg_send(sock, &grandchild.pid, sizeof grandchild.pid))
        return 2;
    return 0;
}

Test(child, a_child_dies_with_its_parent)
{
    struct kit_child c;
    pid_t grandchild;

    cr_assert_eq(kit_child_start(&c, SOCK_SEQPACKET, start_grandchild, NULL),
                 0);
    cr_assert_eq(kit_msg_recv(c.sock, &grandchild, sizeof grandchild, 10000),
                 0);
    cr_assert_eq(kit_child_wait(&c, NULL), 0);
    for (int i = 0; i < 1000 && kill(grandchild, 0) == 0; i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    cr_assert_eq(kill(grandchild, 0), -1, "the grandchild outlived its parent");
    cr_assert_eq(errno, ESRCH);
}
