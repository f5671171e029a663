// SPDX-License-Identifier: MIT
/* ck_peer.c: see ck_peer.h. */
#include "ck_peer.h"

#include <ck_ring.h>
#include <stdlib.h>
#include <string.h>

struct ck_peer {
    /* ck_ring keeps its consumer and producer indices on separate cache
       lines itself; the aligned allocation keeps them off our fields. */
    ck_ring_t ring;
    ck_ring_buffer_t *slots;
};

struct ck_peer *ck_peer_create(unsigned slots)
{
    struct ck_peer *peer =
        aligned_alloc(128, 128 * ((sizeof *peer + 127) / 128));

    if (peer == NULL)
        return NULL;
    peer->slots = malloc(slots * sizeof *peer->slots);
    if (peer->slots == NULL) {
        free(peer);
        return NULL;
    }
    /* Written once so that no page fault lands in a timed loop. */
    memset(peer->slots, 0, slots * sizeof *peer->slots);
    ck_ring_init(&peer->ring, slots);
    return peer;
}

void ck_peer_destroy(struct ck_peer *peer)
{
    if (peer == NULL)
        return;
    free(peer->slots);
    free(peer);
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
