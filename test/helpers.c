// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "helpers.h"
#include "kit/census.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned char test_pattern_byte(uint64_t seed, uint64_t pos)
{
    return kit_pattern_byte(kit_pattern_key(seed), pos);
}

void test_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                       uint64_t pos)
{
    kit_pattern_fill(dst, len, kit_pattern_key(seed), pos);
}

size_t test_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                          uint64_t pos)
{
    return kit_pattern_check(src, len, kit_pattern_key(seed), pos);
}

size_t test_record_len(uint64_t seed, uint64_t n, size_t max_len)
{
    uint64_t state = seed ^ (n * UINT64_C(0xa0761d6478bd642f));
    uint64_t pick = kit_rand(&state);

    /* Mostly small records, some large, a few empty. */
    switch (pick % 8) {
    case 0:
        return 0;
    case 1:
        return (size_t)((pick >> 8) % (max_len + 1));
    default:
        return (size_t)((pick >> 8) % (max_len < 256 ? max_len + 1 : 257));
    }
}

static void census(struct kit_census *c)
{
    int rc = kit_census_take(c);

    if (rc) {
        fprintf(stderr, "cannot read /proc/self: %s\n", strerror(-rc));
        abort();
    }
}

size_t test_count_fds(void)
{
    size_t n;
    int rc = kit_count_fds(&n);

    if (rc) {
        fprintf(stderr, "cannot read /proc/self/fd: %s\n", strerror(-rc));
        abort();
    }
    return n;
}

size_t test_count_maps(void)
{
    struct kit_census c;

    census(&c);
    return c.maps;
}

const char *test_sibling(const char *name)
{
    static char path[PATH_MAX];
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    if (n < 0)
        return name;
    self[n] = '\0';
    snprintf(path, sizeof path, "%s/%s", dirname(self), name);
    return path;
}
