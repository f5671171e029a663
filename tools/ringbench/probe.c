// SPDX-License-Identifier: MIT
/*
 * probe.c: the cache-line probe. Before each repetition one cache line
 * bounces between the two pinned CPUs: its round trip says whether they
 * are near (sharing a cache) or far (the host moved the vCPUs apart), and
 * every cross-CPU figure of the repetition depends on it.
 */
#define _GNU_SOURCE
#include "kit/clock.h"
#include "ringbench.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

/*
 * One word on its own cache line, in a page both processes map. The
 * parent stores odd values, the child answers each with the next even
 * one: every round trip moves the line to the other CPU and back.
 */
struct bench_probe_line {
    _Alignas(128) _Atomic uint64_t word;
    unsigned char pad[128 - sizeof(uint64_t)];
};

/* Loads of the line before a waiting side starts to yield: on a CPU of
   its own it never gets there; sharing one, it lets the other side run. */
#define BENCH_PROBE_SPINS (1u << 16)

struct bench_probe_line *bench_probe_map(void)
{
    void *p = mmap(NULL, sizeof(struct bench_probe_line),
                   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

void bench_probe_unmap(struct bench_probe_line *line)
{
    if (line)
        munmap(line, sizeof *line);
}

void bench_probe_reset(struct bench_probe_line *line)
{
    /* Relaxed: the child reads the line only after the command that the
       parent sends next, and that send orders this store before it. */
    atomic_store_explicit(&line->word, 0, memory_order_relaxed);
}

/* Waits for the line to hold want. No pause hint: the probe measures
   the line's trip, not the pause. */
static int probe_wait(struct bench_probe_line *line, uint64_t want, int ctl)
{
    struct bench_spin spin = {0};
    unsigned loads = 0;

    /* Acquire pairs with the other side's release store below: nothing
       is published through the line, but the pair keeps the protocol
       honest under any memory model. */
    while (atomic_load_explicit(&line->word, memory_order_acquire) != want) {
        if (++loads < BENCH_PROBE_SPINS)
            continue;
        loads = 0;
        int rc = bench_spin(&spin, ctl);
        if (rc)
            return rc;
        sched_yield();
    }
    return 0;
}

static int rounds_of(int rounds)
{
    return rounds > BENCH_PROBE_ROUNDS ? BENCH_PROBE_ROUNDS : rounds;
}

int bench_probe_measure(struct bench_probe_line *line, int rounds, int ctl,
                        double *ns)
{
    double batch_ns[BENCH_PROBE_ROUNDS];
    uint64_t seq = 0;

    rounds = rounds_of(rounds);
    for (int r = 0; r < rounds; r++) {
        uint64_t t0 = kit_now_ns();

        for (int b = 0; b < BENCH_PROBE_BATCH; b++) {
            /* Release pairs with the acquire in the child's probe_wait. */
            atomic_store_explicit(&line->word, ++seq, memory_order_release);
            int rc = probe_wait(line, ++seq, ctl);
            if (rc)
                return rc;
        }
        batch_ns[r] = (double)(kit_now_ns() - t0) / BENCH_PROBE_BATCH;
    }
    *ns = kit_median(batch_ns, (size_t)rounds);
    return 0;
}

int bench_probe_answer(struct bench_probe_line *line, int rounds, int ctl)
{
    uint64_t total = (uint64_t)rounds_of(rounds) * BENCH_PROBE_BATCH;

    for (uint64_t seq = 1; seq < 2 * total; seq += 2) {
        int rc = probe_wait(line, seq, ctl);
        if (rc)
            return rc;
        /* Release pairs with the acquire in the parent's probe_wait. */
        atomic_store_explicit(&line->word, seq + 1, memory_order_release);
    }
    return 0;
}
