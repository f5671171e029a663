// SPDX-License-Identifier: MIT
/* fuzz_peer.c: a producer handle and a consumer handle of one ring, driven
   by a fuzzed sequence of calls while a hostile peer may write into the
   shared memory between them (peer.h says what is checked).

   Input: one byte of mode, then the calls.
     bit 0     the hostile peer is there; without it, every result and
               every byte is checked against a reference FIFO
     bit 1     the reference FIFO carries records (else bytes)
     bits 2-3  capacity: 1, 2 or 4 pages
     bits 4-5  where both indices start: 0, half a ring before 2^64
               wraps, or anywhere (8 more bytes of input) */
#define _GNU_SOURCE
#include "fuzz.h"
#include "kit/census.h"
#include "peer.h"
#include "ring_internal.h"

#include <fcntl.h>
#include <unistd.h>

/* A fresh ring nobody holds, whose indices both stand at start. */
static int make_ring(uint64_t capacity, uint64_t start)
{
    struct ring creator;
    int fd;

    FUZZ_CHECK(ring_create(&creator, (size_t)capacity, 0) == 0,
               "ring_create failed");
    fd = fcntl(ring_fd(&creator), F_DUPFD_CLOEXEC, 3);
    FUZZ_CHECK(fd >= 0, "dup failed");
    atomic_store(&ringi_control_of(&creator)->tail, start);
    atomic_store(&ringi_control_of(&creator)->head, start);
    fuzz_close(&creator);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size, 0};
    uint8_t mode = fuzz_u8(&in);
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t capacity = page << ((mode >> 2) & 3) % 3, start;
    struct peer_fuzz f = {0};
    struct ring prod, cons;
    struct kit_census before;
    int fd;

    f.hostile = mode & 1;
    f.records = (mode >> 1) & 1;
    switch ((mode >> 4) & 3) {
    case 0:
        start = 0;
        break;
    case 1:
        start = 0 - capacity / 2;
        break;
    default:
        start = fuzz_u64(&in);
        break;
    }
    if (f.records)
        start &= ~(uint64_t)(RING_MSG_HEADER - 1);

    fuzz_census(&before);
    fd = make_ring(capacity, start);
    FUZZ_CHECK(ring_attach(&prod, fd, RING_PRODUCER) == 0, "attach producer");
    FUZZ_CHECK(ring_attach(&cons, fd, RING_CONSUMER) == 0, "attach consumer");
    f.prod = &prod;
    f.cons = &cons;
    f.prod_roles = RING_PRODUCER;
    f.cons_roles = RING_CONSUMER;
    f.memfd = fd;
    f.max_reattach = 8;
    FUZZ_CHECK(peer_start(&f, start) == 0, "cannot map the ring");
    peer_run(&f, &in);
    peer_finish(&f);
    fuzz_close(&prod);
    fuzz_close(&cons);
    close(fd);
    fuzz_census_check(&before, "a run");
    return 0;
}
