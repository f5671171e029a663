// SPDX-License-Identifier: MIT
/*
 * fence.c: the asymmetric fence of the wake-up protocol.
 *
 * A publisher stores its index, then looks for a waiter; a waiter stores
 * what it waits for, then looks at the index. Each side needs a full
 * fence between its store and its load, or both may miss the other and a
 * wake-up is lost. The publisher is the fast path and runs for every
 * commit; the waiter runs only before it sleeps. So the waiter pays for
 * both: membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) executes a full memory
 * barrier on every CPU that runs a thread of a registered process, and
 * every process that opens a handle registers. The publisher then needs
 * only a compiler barrier between its store and its load (ring.h).
 *
 * Where membarrier is missing or forbidden (before Linux 4.16, or a
 * seccomp filter), a handle's publisher fences itself with a seq_cst
 * exchange instead (r->publish_fence), and a waiter that cannot call it
 * sleeps in short slices, so that a wake-up lost to a fence-less peer
 * costs at most a millisecond.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

static int membarrier(int cmd)
{
    return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

/* 0: not tried yet, 1: registered, -errno: cannot. */
static _Atomic int registered;

int ringi_fence_register(void)
{
    int state = atomic_load_explicit(&registered, memory_order_relaxed);
    int query;

    if (state != 0)
        return state > 0 ? 0 : state;
    query = membarrier(MEMBARRIER_CMD_QUERY);
    if (query < 0)
        state = -errno;
    else if (!(query & MEMBARRIER_CMD_GLOBAL_EXPEDITED))
        state = -ENOSYS;
    else if (membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0)
        state = -errno;
    else
        state = 1;
    /* Relaxed: registering twice is harmless, and the kernel call itself
       is what matters. */
    atomic_store_explicit(&registered, state, memory_order_relaxed);
    return state > 0 ? 0 : state;
}

int ringi_fence_peers(void)
{
    /* model/wake.pml: W5 */
    return membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0 ? 0 : -errno;
}

void ringi_fence_forget(void)
{
    /* Relaxed: called in a forked child, which has one thread. */
    atomic_store_explicit(&registered, 0, memory_order_relaxed);
}
