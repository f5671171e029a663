// SPDX-License-Identifier: MIT
/* ck_peer.c: see ck_peer.h. */
#include "ck_peer.h"

#include <ck_ring.h>
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct ck_peer {
    /* ck_ring keeps its consumer and producer indices on separate 64-byte
       lines itself; where the ring_t starts is the benchmark's choice. */
    ck_ring_t ring;
    ck_ring_buffer_t *slots;
};

size_t ck_peer_size(void)
{
    return sizeof(struct ck_peer);
}

size_t ck_peer_align(void)
{
    return alignof(struct ck_peer);
}

int ck_peer_init(struct ck_peer *peer, unsigned slots)
{
    peer->slots = malloc(slots * sizeof *peer->slots);
    if (peer->slots == NULL)
        return -ENOMEM;
    /* Written once so that no page fault lands in a timed loop. */
    memset(peer->slots, 0, slots * sizeof *peer->slots);
    ck_ring_init(&peer->ring, slots);
    return 0;
}

void ck_peer_destroy(struct ck_peer *peer)
{
    free(peer->slots);
    peer->slots = NULL;
}

bool ck_peer_send(struct ck_peer *peer, uint64_t item)
{
    /* ck_ring's SPSC ring carries pointer-sized values: the item is one. */
    return ck_ring_enqueue_spsc(&peer->ring, peer->slots,
                                (void *)(uintptr_t)item);
}

bool ck_peer_recv(struct ck_peer *peer, uint64_t *item)
{
    void *value;

    if (!ck_ring_dequeue_spsc(&peer->ring, peer->slots, &value))
        return false;
    *item = (uint64_t)(uintptr_t)value;
    return true;
}
