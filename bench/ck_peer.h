/* SPDX-License-Identifier: MIT */
/* ck_peer.h: Concurrency Kit's ck_ring (SPSC) as a queue of 8-byte items.
 *
 * ck_ring.h does not compile as C++ with g++ (a function returning void *
 * ends in "return false;", which C++11 rejects), so this peer lives in a C
 * file; ring_bench is built with link-time optimization so that these
 * calls inline into the C++ drivers like every other queue's fast path.
 *
 * The ck_ring_t itself sits where the benchmark places it, as the ring's
 * handle does: users declare a ck_ring_t where they declare a struct ring.
 * The slots are the ring's data and are allocated apart. */
#ifndef RING_BENCH_CK_PEER_H
#define RING_BENCH_CK_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ck_peer;

/* The room and alignment a ck_peer needs. */
size_t ck_peer_size(void);
size_t ck_peer_align(void);

/* Makes a ring of slots entries (a power of two, at least 4) in the
   ck_peer_size() bytes at peer.
   Returns 0 or -ENOMEM. */
int ck_peer_init(struct ck_peer *peer, unsigned slots);
void ck_peer_destroy(struct ck_peer *peer);

/* Producer: false when full. */
bool ck_peer_send(struct ck_peer *peer, uint64_t item);
/* Consumer: false when empty. */
bool ck_peer_recv(struct ck_peer *peer, uint64_t *item);

#ifdef __cplusplus
}
#endif

#endif
