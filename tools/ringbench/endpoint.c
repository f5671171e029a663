// SPDX-License-Identifier: MIT
/*
 * endpoint.c: what every transport's ends share: private buffers, and
 * waiting for the peer without the kernel (spinning and busy polling),
 * with an eye on whether the peer is still there.
 */
#define _GNU_SOURCE
#include "kit/clock.h"
#include "kit/cpu.h"
#include "ringbench.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Busy polling on a CPU shared with the peer must let the peer run: at
   every step when pinned together, now and then when the scheduler
   decides; never on a CPU of its own. */
static unsigned poll_yield_every(const struct bench_config *cfg)
{
    if (!cfg->cpus.pin)
        return 256;
    return cfg->cpus.cpu[0] == cfg->cpus.cpu[1] ? 1 : 0;
}

void bench_endpoint_init(struct bench_endpoint *e, int ctl,
                         const struct bench_config *cfg,
                         const struct bench_transport *t)
{
    memset(e, 0, sizeof *e);
    e->fd = -1;
    e->ctl = ctl;
    e->poll_yield_every = poll_yield_every(cfg);
    e->poll_waits = t->ping_waits != BENCH_PING_POLLS;
    e->spin_ns = t->ping_waits == BENCH_PING_SPINS ? cfg->spin_ns : 0;
}

/* A page-aligned private buffer of at least size bytes, touched now so
   that no page fault lands in a measurement. */
int bench_endpoint_buffer(struct bench_endpoint *e, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (size + page - 1) / page * page;
    void *p;

    if (len == 0)
        len = page;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
             0);
    if (p == MAP_FAILED)
        return -errno;
    memset(p, 0, len);
    e->buf = p;
    e->buf_size = len;
    return 0;
}

void bench_endpoint_release(struct bench_endpoint *e)
{
    if (e->buf)
        munmap(e->buf, e->buf_size);
    e->buf = NULL;
    e->buf_size = 0;
}

/* Pause this many steps before yielding the CPU at every step. */
#define BENCH_SPIN_PAUSES 1024
/* Ask after the peer every this many steps (a power of two). */
#define BENCH_SPIN_CHECK 1024
#define BENCH_POLL_CHECK 65536

/*
 * Is the peer still at work? It holds the other end of the control
 * socket: end of file means it is gone, and a message in the middle of a
 * phase means it stopped to report something (bad data, an error).
 */
static int peer_check(struct bench_spin *s, int ctl)
{
    char byte;
    ssize_t n = recv(ctl, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    uint64_t now = kit_now_ns();

    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return -EPIPE;
    if (s->started_ns == 0)
        s->started_ns = now;
    else if (now - s->started_ns > BENCH_STUCK_NS)
        return -ETIMEDOUT;
    return 0;
}

int bench_spin(struct bench_spin *s, int ctl)
{
    s->spins++;
    if (s->spins < BENCH_SPIN_PAUSES)
        kit_cpu_relax();
    else
        sched_yield();
    if (s->spins % BENCH_SPIN_CHECK == 0)
        return peer_check(s, ctl);
    return 0;
}

int bench_poll(struct bench_spin *s, const struct bench_endpoint *e)
{
    s->spins++;
    kit_cpu_relax();
    if (e->poll_yield_every && s->spins % e->poll_yield_every == 0)
        sched_yield();
    if (s->spins % BENCH_POLL_CHECK == 0)
        return peer_check(s, e->ctl);
    return 0;
}
