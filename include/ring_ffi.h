/* SPDX-License-Identifier: MIT */
/*
 * ring_ffi.h: what libring-ffi adds to libring, for programs in languages
 * that cannot compile ring.h.
 *
 * libring-ffi (-lring-ffi, pkg-config ring-ffi, CMake ring::ring_ffi) is
 * all of libring, plus an out-of-line copy of every inline call of ring.h
 * (ring_reserve, ring_msg_send, ring_msg_recv...) under the same name, and
 * the two calls below, so that a language that cannot allocate a struct
 * ring of the right size and alignment need not know them. A C program
 * has no reason to link it: the inline calls are faster.
 */
#ifndef RING_FFI_H
#define RING_FFI_H

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Allocates a closed handle, to pass to ring_create() or ring_attach().
 * Returns it, or NULL when memory is short.
 */
RING_API struct ring *ring_new(void);

/* Closes the handle (as ring_close() does) and frees it. NULL does
   nothing. */
RING_API void ring_free(struct ring *r);

#ifdef __cplusplus
}
#endif

#endif /* RING_FFI_H */
