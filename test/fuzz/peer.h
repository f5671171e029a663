/* SPDX-License-Identifier: MIT */
/* peer.h: drives the two sides of one ring with a fuzzed sequence of
   calls, while a hostile peer may write into the shared memory between
   them, and checks after every call what the contract promises:

   - every span a call returns lies inside that handle's mapping
     (r->data to r->data + 2 * capacity), and counts never exceed the
     capacity;
   - ring_error() is 0 or -EPROTO on an open handle (-EBADF once closed),
     and -EPROTO sticks;
   - a side that failed, or a handle without that role, returns nothing:
     no span, no byte, no record, and it moves no index and writes no
     data;
   - without the hostile peer, the data and every return value agree with
     a reference FIFO.

   Every call is one entry of the table in peer.c: a new call of the API
   is one more entry there. */
#ifndef RING_FUZZ_PEER_H
#define RING_FUZZ_PEER_H

#include "fuzz.h"
#include "ring.h"

#include <stddef.h>
#include <stdint.h>

struct peer_fuzz {
    /* Set by the caller before peer_start(). */
    struct ring *prod;     /* the producer's handle */
    struct ring *cons;     /* the consumer's handle; may be prod */
    unsigned prod_roles;   /* roles each was attached with */
    unsigned cons_roles;   /* (for re-attaching) */
    int memfd;             /* the ring's memfd, or -1: no re-attaching */
    int hostile;           /* a hostile peer writes between calls */
    int records;           /* the reference FIFO carries records */
    unsigned max_reattach; /* re-attaches allowed (each maps anew) */

    /* The hostile peer's own mapping: control page, then the data once. */
    unsigned char *shared;
    size_t shared_len;
    size_t page;
    uint64_t capacity;

    /* The calls this run may pick from. */
    unsigned char allowed[64];
    size_t allowed_count;
    unsigned reattached;

    /* The reference FIFO, used only when !hostile. */
    uint64_t tail, head;   /* stream positions, as the ring's indices */
    uint64_t tail_known;   /* what the consumer last read of tail */
    uint64_t reserved;     /* the producer's byte reservation */
    int reserved_live;     /* ...still at the producer's tail */
    uint64_t msg_reserved; /* record reservation (length + 1), or 0 */
    int msg_reserved_live;
    int peeked;           /* the consumer holds a peeked record */
    uint32_t *record_len; /* queue of record lengths... */
    uint64_t *record_seq; /* ...and numbers */
    size_t queue_size, queue_head, queue_count;
    uint64_t next_seq;
};

/* Maps the hostile peer's view and picks the calls; the handles must be
   open. Returns 0, or -errno when the memfd cannot be mapped. */
int peer_start(struct peer_fuzz *f, uint64_t start_index);

/* Runs calls from the input until it is used up. */
void peer_run(struct peer_fuzz *f, struct fuzz_input *in);

/* Undoes peer_start(); the handles stay as they are. */
void peer_finish(struct peer_fuzz *f);

#endif
