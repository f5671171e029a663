// SPDX-License-Identifier: MIT
/*
 * side.c: the state of each side of a handle, and the slow helpers its
 * inline fast path calls out to: failing on an impossible value, stopping
 * a side that may not run, announcing records.
 *
 * A side runs while its live word equals ringi_epoch. ring_close and
 * ringi_*_fail clear it; a zeroed handle has it 0 from the start; and
 * fork() gives the child a new epoch, so a child's copy of its parent's
 * handle, whose mapping the child did not inherit (MADV_DONTFORK), stops
 * at its first call instead of touching memory that is not there.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <pthread.h>

_Atomic unsigned ringi_epoch = 1;

static void forked_child(void)
{
    unsigned next =
        atomic_load_explicit(&ringi_epoch, memory_order_relaxed) + 1;

    /* 0 is the closed state: never an epoch. */
    if (next == 0)
        next = 1;
    /* Relaxed: the child has one thread now. */
    atomic_store_explicit(&ringi_epoch, next, memory_order_relaxed);
    ringi_fence_forget();
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_watch_error;

static void watch_forks(void)
{
    fork_watch_error = -pthread_atfork(NULL, NULL, forked_child);
}

int ringi_fork_watch(void)
{
    pthread_once(&fork_once, watch_forks);
    return fork_watch_error;
}

static RING_ATOMIC(unsigned) *live_of(struct ring *r, unsigned role)
{
    return role == RING_PRODUCER ? &r->producer.live : &r->consumer.live;
}

static RING_ATOMIC(int) *error_of(struct ring *r, unsigned role)
{
    return role == RING_PRODUCER ? &r->producer.error : &r->consumer.error;
}

void ringi_side_open(struct ring *r, unsigned role, int error)
{
    atomic_store_explicit(error_of(r, role), error, memory_order_relaxed);
    /* Release pairs with the acquire load in side_error(): a thread that
       sees the side live sees its error cleared. */
    atomic_store_explicit(
        live_of(r, role),
        error ? 0 : atomic_load_explicit(&ringi_epoch, memory_order_relaxed),
        memory_order_release);
}

/* Stops a side with error: it is not live from then on. */
static void side_stop(struct ring *r, unsigned role, int error)
{
    atomic_store_explicit(error_of(r, role), error, memory_order_relaxed);
    /* Release pairs with the acquire load in side_error(): a thread that
       sees the side stopped sees why. */
    atomic_store_explicit(live_of(r, role), 0, memory_order_release);
}

void ringi_side_close(struct ring *r)
{
    side_stop(r, RING_PRODUCER, -EBADF);
    side_stop(r, RING_CONSUMER, -EBADF);
}

static int side_error(const struct ring *r, unsigned role)
{
    const RING_ATOMIC(unsigned) *live =
        role == RING_PRODUCER ? &r->producer.live : &r->consumer.live;
    const RING_ATOMIC(int) *error =
        role == RING_PRODUCER ? &r->producer.error : &r->consumer.error;
    int rc;

    /* Acquire pairs with the release stores of live in this file. */
    if (atomic_load_explicit(live, memory_order_acquire) ==
        atomic_load_explicit(&ringi_epoch, memory_order_relaxed))
        return 0;
    rc = atomic_load_explicit(error, memory_order_relaxed);
    return rc ? rc : -EBADF;
}

int ring_error(const struct ring *r)
{
    int rc;

    if (!ringi_open_here(r))
        return -EBADF;
    if ((r->setup.roles & RING_PRODUCER) &&
        (rc = side_error(r, RING_PRODUCER)) != 0)
        return rc;
    if ((r->setup.roles & RING_CONSUMER) &&
        (rc = side_error(r, RING_CONSUMER)) != 0)
        return rc;
    return 0;
}

int ringi_producer_stop(struct ring *r)
{
    struct ringi_producer *p = &r->producer;

    if (ringi_live(&p->live))
        return 0;
    /* Looks full from now on, so the fast path always comes here. */
    p->head_cache = p->tail - r->setup.capacity;
    p->reserved = 0;
    p->msg_reserved = 0;
    return side_error(r, RING_PRODUCER);
}

int ringi_consumer_stop(struct ring *r)
{
    struct ringi_consumer *c = &r->consumer;

    if (ringi_live(&c->live))
        return 0;
    /* Looks empty from now on. */
    c->tail_cache = c->head;
    c->msg_size = 0;
    return side_error(r, RING_CONSUMER);
}

void ringi_producer_fail(struct ring *r)
{
    side_stop(r, RING_PRODUCER, -EPROTO);
    ringi_producer_stop(r);
}

void ringi_consumer_fail(struct ring *r)
{
    side_stop(r, RING_CONSUMER, -EPROTO);
    ringi_consumer_stop(r);
}

int ringi_announce_records(struct ring *r)
{
    if (!ringi_live(&r->producer.live))
        return ringi_producer_stop(r);
    /* Release pairs with the acquire load in ringi_walk_records of a
       producer that takes this role over later. */
    atomic_store_explicit(&ringi_control_of(r)->records, 1,
                          memory_order_release);
    r->producer.records = 1;
    return 0;
}

uint64_t ringi_walk_records(const struct ring *r, uint64_t pos, uint64_t limit)
{
    uint64_t start = pos, max = ringi_msg_max(r->setup.capacity);

    /* Acquire pairs with the release store in ringi_announce_records. */
    if (!atomic_load_explicit(&ringi_control_of(r)->records,
                              memory_order_acquire) ||
        (pos & (RING_MSG_HEADER - 1)))
        return 0;
    while (pos - start < limit) {
        /* Acquire pairs with the header's release store in
           ringi_msg_store_header. */
        uint64_t word = ringi_load_acquire(ringi_data_word(r, pos));

        if (word == 0 || word - 1 > max ||
            pos - start + ringi_msg_stride(word - 1) > limit)
            break;
        pos += ringi_msg_stride(word - 1);
    }
    return pos - start;
}
