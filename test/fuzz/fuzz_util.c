// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "fuzz.h"
#include "kit/census.h"
#include "ring.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void fuzz_fail(const char *file, int line, const char *expr, const char *fmt,
               ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: check failed: %s: ", file, line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

int fuzz_trace(void)
{
    static int on = -1;

    if (on < 0)
        on = getenv("RING_FUZZ_TRACE") != NULL;
    return on;
}

void fuzz_census(struct kit_census *c)
{
    FUZZ_CHECK(kit_census_take(c) == 0, "cannot read /proc/self");
}

void fuzz_census_check(const struct kit_census *before, const char *what)
{
    struct kit_census now;
    char diff[256];

    fuzz_census(&now);
    FUZZ_CHECK(!kit_census_differs(before, &now, diff, sizeof diff),
               "%s left something behind: %s", what, diff);
}

void fuzz_close(struct ring *r)
{
    void *base = r->setup.map_base;
    size_t len = r->setup.map_len;

    ring_close(r);
    if (base)
        FUZZ_CHECK(kit_range_has_ring_maps(base, len) == 0,
                   "ring_close left a mapping at %p (%zu bytes)", base, len);
}
