// SPDX-License-Identifier: MIT
/*
 * peer_consumer.c: the consumer half of test_process, a separate program
 * started with exec. It receives the ring's memfd over the UNIX socket
 * whose descriptor number is argv[1], attaches as consumer and checks
 * every byte of the stream the producer promised.
 *
 *   peer_consumer SOCKFD bytes VOLUME SEED
 *   peer_consumer SOCKFD records COUNT SEED MAXLEN
 *
 * Exits 0 when everything arrived intact; otherwise prints one line and
 * exits 1.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int fail(const char *what, unsigned long long at)
{
    fprintf(stderr, "peer_consumer: %s at %llu\n", what, at);
    return 1;
}

/* Waits until the producer has something, while it is there. */
static void idle(unsigned long *spins)
{
    if (++*spins % 64 == 0)
        sched_yield();
}

static int consume_bytes(struct ring *r, uint64_t volume, uint64_t seed)
{
    unsigned char *buf = malloc(1 << 16);
    uint64_t pos = 0, rng = seed;
    unsigned long spins = 0;

    while (pos < volume) {
        size_t len, n;
        if (kit_rand(&rng) & 1) {
            const unsigned char *p = (const unsigned char *)ring_peek(r, &len);
            n = len;
            if (n && test_pattern_check(p, n, seed, pos) != n)
                return fail("byte mismatch (peek)", pos);
            ring_consume(r, n);
        } else {
            n = ring_read(r, buf, (size_t)kit_rand_range(&rng, 1, 1 << 16));
            if (test_pattern_check(buf, n, seed, pos) != n)
                return fail("byte mismatch (read)", pos);
        }
        if (n == 0) {
            if (ring_error(r))
                return fail("ring error", pos);
            idle(&spins);
        }
        pos += n;
    }
    free(buf);
    return 0;
}

static int consume_records(struct ring *r, uint64_t count, uint64_t seed,
                           size_t max_len)
{
    unsigned char *buf = malloc(max_len + 1);
    unsigned long spins = 0;

    for (uint64_t n = 0; n < count;) {
        size_t want = test_record_len(seed, n, max_len), len;
        const unsigned char *p;

        if (n & 1) {
            ssize_t got = ring_msg_recv(r, buf, max_len);
            if (got == -EAGAIN) {
                idle(&spins);
                continue;
            }
            if (got != (ssize_t)want)
                return fail("record length", n);
            p = buf;
            len = (size_t)got;
        } else {
            p = (const unsigned char *)ring_msg_peek(r, &len);
            if (!p) {
                if (ring_error(r))
                    return fail("ring error", n);
                idle(&spins);
                continue;
            }
            if (len != want)
                return fail("record length", n);
        }
        if (test_pattern_check(p, len, seed + n, 0) != len)
            return fail("record bytes", n);
        if (!(n & 1))
            ring_msg_consume(r);
        n++;
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    struct ring r;
    int sock, fd, rc;

    if (argc < 5) {
        fprintf(stderr, "usage: peer_consumer SOCKFD bytes|records N SEED "
                        "[MAXLEN]\n");
        return 2;
    }
    /* A test that dies (its timeout, say) takes its peer along: this one
       busy-polls and would spin on alone. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return fail("the test is gone", 0);
    sock = atoi(argv[1]);
    fd = ring_recv_fd(sock);
    if (fd < 0)
        return fail(strerror(-fd), 0);
    rc = ring_attach(&r, fd, RING_CONSUMER);
    close(fd);
    if (rc < 0)
        return fail(strerror(-rc), 0);
    if (strcmp(argv[2], "bytes") == 0)
        rc = consume_bytes(&r, strtoull(argv[3], NULL, 0),
                           strtoull(argv[4], NULL, 0));
    else
        rc = consume_records(&r, strtoull(argv[3], NULL, 0),
                             strtoull(argv[4], NULL, 0),
                             argc > 5 ? strtoul(argv[5], NULL, 0) : 1000);
    /* Tell the producer we are done: it waits for this byte. */
    if (rc == 0 && write(sock, "k", 1) != 1)
        rc = fail("socket", 0);
    ring_close(&r);
    return rc;
}
