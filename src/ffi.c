// SPDX-License-Identifier: MIT
/*
 * ffi.c: what libring-ffi adds to libring, for languages that cannot
 * compile ring.h (Python's ctypes, Rust, Go, Julia...).
 *
 * The fast path is inline in ring.h, and every inline function there is
 * marked RING_INLINE. Defined here as a plain exported definition before
 * the header is read, it makes this translation unit compile one
 * out-of-line copy of each, under its own name; libring-ffi.map exports
 * the public ones and keeps the internal helpers local. The rest of
 * libring is linked into the same library, so a foreign program loads one
 * library. test/ffi/check_exports.sh fails the build's tests when a public
 * inline call of ring.h has no exported copy.
 */
#define RING_INLINE __attribute__((visibility("default")))

/* The copies are definitions without a prior prototype, on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"

#include "ring_ffi.h"

#include <stdlib.h>

struct ring *ring_new(void)
{
    /* A zeroed handle is a closed one (ring.h): ring_close and ring_free
       leave it alone. */
    return calloc(1, sizeof(struct ring));
}

void ring_free(struct ring *r)
{
    if (r == NULL)
        return;
    ring_close(r);
    free(r);
}
