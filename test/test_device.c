// SPDX-License-Identifier: MIT
/*
 * test_device.c: ring_attach on a character device, on the host, where no
 * ring driver is loaded (kernel/test/run-qemu tests the driver itself): a
 * device that is not a ring is refused cleanly, whatever it answers, and
 * the memfd path is untouched.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <unistd.h>

static const char *const not_rings[] = {"/dev/null", "/dev/zero", "/dev/full",
                                        "/dev/urandom"};

Test(device, a_device_that_is_not_a_ring_is_refused)
{
    for (size_t i = 0; i < sizeof not_rings / sizeof not_rings[0]; i++) {
        int fd = open(not_rings[i], O_RDWR | O_CLOEXEC);
        size_t fds, maps;
        struct ring r;

        cr_assert_geq(fd, 0, "%s", not_rings[i]);
        fds = test_count_fds();
        maps = test_count_maps();
        for (int n = 0; n < 100; n++) {
            cr_assert_eq(ring_attach(&r, fd, RING_CONSUMER), -EINVAL, "%s",
                         not_rings[i]);
            cr_assert_eq(ring_attach(&r, fd, 0), -EINVAL, "%s", not_rings[i]);
            /* Closed, and nothing left behind. */
            cr_assert_eq(ring_error(&r), -EBADF);
            cr_assert_eq(ring_wait_readable(&r, 1, 0), -EBADF);
            ring_close(&r);
        }
        cr_assert_eq(test_count_fds(), fds, "%s", not_rings[i]);
        /* A mapping left by each of the 200 attempts would show; the
           allocator's own (under valgrind, say) stay few. */
        cr_assert_leq(test_count_maps(), maps + 4, "%s", not_rings[i]);
        /* The caller's descriptor is still its own. */
        cr_assert_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
        close(fd);
    }
}

Test(device, the_kernel_is_the_producer_of_a_device_ring)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct ring r;

    cr_assert_geq(fd, 0);
    /* A producer role is refused before the device is asked anything. */
    cr_assert_eq(ring_attach(&r, fd, RING_PRODUCER), -EINVAL);
    cr_assert_eq(ring_attach(&r, fd, RING_PRODUCER | RING_CONSUMER), -EINVAL);
    close(fd);
}

Test(device, a_memfd_still_attaches)
{
    struct ring owner, peer;

    cr_assert_eq(ring_create(&owner, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&peer, ring_fd(&owner), RING_CONSUMER), 0);
    cr_assert_eq(ring_msg_send(&owner, "abc", 3), 0);
    char buf[8];
    cr_assert_eq(ring_msg_recv(&peer, buf, sizeof buf), 3);
    ring_close(&peer);
    ring_close(&owner);
}
