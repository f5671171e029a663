/* SPDX-License-Identifier: MIT */
/* ck_peer.h: Concurrency Kit's ck_ring (SPSC) as a queue of 8-byte items.
 *
 * ck_ring.h does not compile as C++ with g++ (a function returning void *
 * ends in "return false;", which C++11 rejects), so this peer lives in a C
 * file; ring_bench is built with link-time optimization so that these
 * calls inline into the C++ drivers like every other queue's fast path. */
#ifndef RING_BENCH_CK_PEER_H
#define RING_BENCH_CK_PEER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ck_peer;

/* A ring of slots entries (a power of two, at least 4), or NULL. */
struct ck_peer *ck_peer_create(unsigned slots);
void ck_peer_destroy(struct ck_peer *peer);

/* Producer: false when full. */
bool ck_peer_send(struct ck_peer *peer, uint64_t item);
/* Consumer: false when empty. */
bool ck_peer_recv(struct ck_peer *peer, uint64_t *item);

#ifdef __cplusplus
}
#endif

#endif
