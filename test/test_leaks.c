// SPDX-License-Identifier: MIT
/* test_leaks.c: no descriptor or mapping outlives its ring, counted from
   /proc/self over thousands of cycles, failed calls included. */
#define _GNU_SOURCE
#include "helpers.h"
#include "kit/census.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <sys/socket.h>
#include <unistd.h>

/* Descriptors, memfd mappings and reservations as before (kit/census.h), and
   all mappings within a slack for the allocator, which may map an arena of
   its own: a leak would show thousands. A sanitizer's runtime splits
   mappings of its own as the addresses in use move: there, the census
   alone. */
static void nothing_left(const struct kit_census *before, size_t maps)
{
    struct kit_census after;
    char diff[256];

    cr_assert_eq(kit_census_take(&after), 0);
    cr_assert(!kit_census_differs(before, &after, diff, sizeof diff), "%s",
              diff);
    if (kit_census_reservations())
        cr_assert_leq(test_count_maps(), maps + 4, "maps %zu -> %zu", maps,
                      test_count_maps());
}

static void one_cycle(int i)
{
    struct ring p, c, extra;
    int sv[2], fd;

    cr_assert_eq(ring_create(&p, 4096 << (i % 3), RING_PRODUCER), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    cr_assert_eq(ring_send_fd(sv[0], ring_fd(&p)), 0);
    fd = ring_recv_fd(sv[1]);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ring_attach(&c, fd, RING_CONSUMER), 0);
    /* Failed calls must undo what they did, too. */
    cr_assert_eq(ring_attach(&extra, fd, RING_CONSUMER), -EBUSY);
    cr_assert_eq(ring_attach(&extra, sv[0], 0), -EINVAL);
    cr_assert_eq(ring_create(&extra, 0, 0), -EINVAL);
    cr_assert_eq(ring_msg_send(&p, &i, sizeof i), 0);
    int got = -1;
    cr_assert_eq(ring_msg_recv(&c, &got, sizeof got), sizeof got);
    cr_assert_eq(got, i);
    ring_close(&c);
    ring_close(&p);
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

Test(leaks, thousands_of_cycles_leave_nothing_open, .timeout = 300)
{
    one_cycle(0); /* first-use allocations of libc and the runtime */
    size_t maps = test_count_maps();
    struct kit_census before;

    cr_assert_eq(kit_census_take(&before), 0);
    for (int i = 1; i <= 3000; i++)
        one_cycle(i);
    nothing_left(&before, maps);
}

Test(leaks, failed_creates_leave_nothing)
{
    struct ring r;
    size_t maps = test_count_maps();
    struct kit_census before;

    cr_assert_eq(kit_census_take(&before), 0);
    /* Without huge pages this fails after the memfd exists and the range
       is reserved; with them it succeeds. Either way nothing stays. */
    for (int i = 0; i < 200; i++) {
        int rc = ring_create(&r, 1, RING_HUGEPAGES);
        cr_assert(rc == 0 || rc == -ENOMEM, "rc %d", rc);
        ring_close(&r);
        cr_assert_eq(ring_create(&r, 4096, 0x40), -EINVAL);
    }
    nothing_left(&before, maps);
}
