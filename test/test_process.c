// SPDX-License-Identifier: MIT
/* test_process.c: producer and consumer in separate programs. The consumer
   is started with exec and receives the memfd over a UNIX socket, exactly
   as an unrelated program would. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct peer {
    pid_t pid;
    int sock;
};

static struct peer start_consumer(const char *mode, uint64_t n, uint64_t seed,
                                  size_t max_len)
{
    struct peer peer;
    int sv[2];
    char fd_arg[16], n_arg[32], seed_arg[32], max_arg[32];

    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    snprintf(fd_arg, sizeof fd_arg, "%d", sv[1]);
    snprintf(n_arg, sizeof n_arg, "%llu", (unsigned long long)n);
    snprintf(seed_arg, sizeof seed_arg, "%llu", (unsigned long long)seed);
    snprintf(max_arg, sizeof max_arg, "%zu", max_len);
    const char *path = test_sibling("peer_consumer");
    peer.pid = fork();
    cr_assert_geq(peer.pid, 0);
    if (peer.pid == 0) {
        close(sv[0]);
        execl(path, path, fd_arg, mode, n_arg, seed_arg, max_arg, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    peer.sock = sv[0];
    return peer;
}

/* Full ring: let the consumer run, and notice if it died. */
static void idle(const struct peer *peer, unsigned long *spins)
{
    int status;

    if (++*spins % 64)
        return;
    sched_yield();
    if (*spins % 65536 == 0)
        cr_assert_eq(waitpid(peer->pid, &status, WNOHANG), 0,
                     "consumer exited early, status %#x", status);
}

static void finish(struct peer *peer)
{
    int status;
    char byte;

    cr_assert_eq(read(peer->sock, &byte, 1), 1, "consumer did not confirm");
    cr_assert_eq(waitpid(peer->pid, &status, 0), peer->pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "consumer status %#x", status);
    close(peer->sock);
}

Test(process, bytes_256_mib_checked_by_an_exec_consumer, .timeout = 600)
{
    const uint64_t volume = 256u << 20, seed = 1234;
    struct peer peer = start_consumer("bytes", volume, seed, 0);
    struct ring r;
    uint64_t pos = 0, rng = 5;
    unsigned long spins = 0;

    cr_assert_eq(ring_create(&r, 1 << 20, RING_PRODUCER), 0);
    cr_assert_eq(ring_send_fd(peer.sock, ring_fd(&r)), 0);
    while (pos < volume) {
        size_t want = (size_t)kit_rand_range(&rng, 1, 1 << 17);
        if (want > volume - pos)
            want = (size_t)(volume - pos);
        unsigned char *span = (unsigned char *)ring_reserve(&r, want);
        if (!span) {
            idle(&peer, &spins);
            continue;
        }
        test_pattern_fill(span, want, seed, pos);
        ring_commit(&r, want);
        pos += want;
    }
    finish(&peer);
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
}

Test(process, a_million_records_checked_by_an_exec_consumer, .timeout = 600)
{
    const uint64_t count = 1000000, seed = 4321;
    const size_t max_len = 2000;
    struct peer peer = start_consumer("records", count, seed, max_len);
    struct ring r;
    unsigned long spins = 0;
    unsigned char buf[2000];

    cr_assert_eq(ring_create(&r, 1 << 16, RING_PRODUCER), 0);
    cr_assert_eq(ring_send_fd(peer.sock, ring_fd(&r)), 0);
    for (uint64_t n = 0; n < count;) {
        size_t len = test_record_len(seed, n, max_len);
        if (n & 1) {
            test_pattern_fill(buf, len, seed + n, 0);
            int rc = ring_msg_send(&r, buf, len);
            if (rc == -EAGAIN) {
                idle(&peer, &spins);
                continue;
            }
            cr_assert_eq(rc, 0);
        } else {
            unsigned char *p = (unsigned char *)ring_msg_reserve(&r, len);
            if (!p) {
                idle(&peer, &spins);
                continue;
            }
            test_pattern_fill(p, len, seed + n, 0);
            ring_msg_commit(&r, len);
        }
        n++;
    }
    finish(&peer);
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
}
