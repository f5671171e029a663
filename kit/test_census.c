// SPDX-License-Identifier: MIT
/* test_census.c: the leak counter sees a descriptor, a memfd mapping and
   a reservation that were left behind, and nothing when all is undone. */
#define _GNU_SOURCE
#include "kit/census.h"

#include <criterion/criterion.h>
#include <sys/mman.h>
#include <unistd.h>

Test(census, sees_what_is_left_and_what_is_undone)
{
    struct kit_census before, during, after;
    char why[256];
    size_t fds;
    int fd;
    void *p, *hole;

    cr_assert_eq(kit_census_take(&before), 0);
    fd = memfd_create("census", MFD_CLOEXEC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 4096), 0);
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    hole = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(p != MAP_FAILED && hole != MAP_FAILED);

    cr_assert_eq(kit_census_take(&during), 0);
    cr_assert_eq(during.fds, before.fds + 1);
    cr_assert_eq(during.memfd_maps, before.memfd_maps + 1);
    cr_assert_geq(during.maps, before.maps + 1);
    cr_assert(kit_census_differs(&before, &during, why, sizeof why));
    cr_assert_eq(kit_count_fds(&fds), 0);
    cr_assert_eq(fds, during.fds);
    cr_assert_eq(kit_range_has_ring_maps(p, 4096), 1);
    cr_assert_eq(kit_range_has_ring_maps(hole, 1 << 20), 1);

    munmap(p, 4096);
    munmap(hole, 1 << 20);
    close(fd);
    cr_assert_eq(kit_census_take(&after), 0);
    cr_assert(!kit_census_differs(&before, &after, why, sizeof why), "%s", why);
    cr_assert_eq(kit_range_has_ring_maps(p, 4096), 0);
}
