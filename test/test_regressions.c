// SPDX-License-Identifier: MIT
/* test_regressions.c: bugs found by the fuzz harnesses and the fault
   injection, each with the test that catches it. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"
#include "ring_internal.h"

#include <criterion/criterion.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76 /* Linux 6.5 */
#endif

/* Found by fuzz_recv_fd: on a socket with SO_PASSPIDFD set, every message
   arrives with an SCM_PIDFD control message holding a new descriptor (a
   pidfd of the sender). ring_recv_fd skipped every control message but
   SCM_RIGHTS, so that descriptor stayed open and nobody could close it. */
static void recv_with_options(int passcred)
{
    int sv[2], one = 1, fd = memfd_create("x", MFD_CLOEXEC);

    cr_assert_geq(fd, 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    if (setsockopt(sv[1], SOL_SOCKET, SO_PASSPIDFD, &one, sizeof one) != 0) {
        close(sv[0]);
        close(sv[1]);
        close(fd);
        cr_skip_test("a kernel before 6.5 has no pidfds to leak");
    }
    if (passcred)
        cr_assert_eq(
            setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one), 0);

    size_t before = test_count_fds();
    cr_assert_eq(ring_send_fd(sv[0], fd), 0);
    int got = ring_recv_fd(sv[1]);
    cr_assert_geq(got, 0, "ring_recv_fd: %d", got);
    cr_assert_eq(test_count_fds(), before + 1,
                 "descriptors %zu -> %zu: only the ring's may stay", before,
                 test_count_fds());
    close(got);

    /* A message without a descriptor: refused, and nothing stays. */
    char byte = 'x';
    cr_assert_eq(send(sv[0], &byte, 1, 0), 1);
    cr_assert_eq(ring_recv_fd(sv[1]), -EPROTO);
    cr_assert_eq(test_count_fds(), before, "descriptors %zu -> %zu", before,
                 test_count_fds());

    close(sv[0]);
    close(sv[1]);
    close(fd);
}

Test(regressions, recv_fd_closes_the_pidfd_of_so_passpidfd)
{
    recv_with_options(0);
}

Test(regressions, recv_fd_closes_the_pidfd_next_to_credentials)
{
    recv_with_options(1);
}

/* Found by fuzz_peer (UBSan: "applying zero offset to null pointer" in
   ring_reserve): a reservation of 0 bytes skipped the producer's error
   check, so a closed handle computed NULL + 0 and a failed producer (or a
   handle without the producer role) got a pointer back, where the
   contract says a failed side returns nothing. */
Test(regressions, reserving_nothing_on_a_closed_handle_gives_null)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    ring_close(&r);
    cr_assert_null(ring_reserve(&r, 0));
}

Test(regressions, reserving_nothing_after_eproto_gives_null)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cr_assert_eq(ring_write(&r, "abcd", 4), 4);
    /* A head past tail: impossible, the producer stops. */
    atomic_store(&((struct ring_control *)r.setup.control)->head, 1000);
    cr_assert_eq(ring_writable(&r), 0);
    cr_assert_eq(ring_error(&r), -EPROTO);
    cr_assert_null(ring_reserve(&r, 1));
    cr_assert_null(ring_reserve(&r, 0));
    ring_close(&r);
}

Test(regressions, reserving_nothing_without_the_producer_role_gives_null)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 4096, RING_CONSUMER), 0);
    cr_assert_null(ring_reserve(&r, 0));
    ring_close(&r);
}

/* Found by fuzz_peer: a reservation outlives a ring_write made after it,
   and ring_commit then publishes past the free space. The ring holds more
   than its capacity: the producer's ring_writable returns a count larger
   than the ring (capacity minus a negative number), and the consumer,
   seeing tail - head > capacity, stops with -EPROTO as if the peer had
   lied. A commit must never overfill the ring. */
Test(regressions, commit_after_a_write_cannot_overfill_the_ring)
{
    struct ring r;
    unsigned char fill[4096];
    size_t cap, len;

    memset(fill, 0x5a, sizeof fill);
    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cap = ring_capacity(&r);
    cr_assert_leq(cap, sizeof fill);
    cr_assert_not_null(ring_reserve(&r, 64));
    cr_assert_eq(ring_write(&r, fill, cap), cap); /* the ring is full */
    ring_commit(&r, 64);
    cr_assert_leq(ring_writable(&r), cap, "writable %zu", ring_writable(&r));
    cr_assert_leq(ring_readable(&r), cap);
    cr_assert_not_null(ring_peek(&r, &len));
    cr_assert_eq(ring_error(&r), 0, "the consumer stopped: %d", ring_error(&r));
    ring_close(&r);
}
