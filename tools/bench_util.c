// SPDX-License-Identifier: MIT
/*
 * bench_util.c: what every transport and the driver share: private
 * buffers, waiting without the kernel, the data pattern, the clock, the
 * round-trip histogram, the cache-line probe, and what the machine is.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Endpoints.                                                              */

void bench_endpoint_init(struct bench_endpoint *e, int ctl,
                         unsigned poll_yield_every)
{
    memset(e, 0, sizeof *e);
    e->fd = -1;
    e->ctl = ctl;
    e->poll_yield_every = poll_yield_every;
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

/* ---------------------------------------------------------------------- */
/* Waiting without the kernel.                                             */

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
    uint64_t now = bench_now_ns();

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
        bench_cpu_relax();
    else
        sched_yield();
    if (s->spins % BENCH_SPIN_CHECK == 0)
        return peer_check(s, ctl);
    return 0;
}

int bench_poll(struct bench_spin *s, const struct bench_endpoint *e)
{
    s->spins++;
    bench_cpu_relax();
    if (e->poll_yield_every && s->spins % e->poll_yield_every == 0)
        sched_yield();
    if (s->spins % BENCH_POLL_CHECK == 0)
        return peer_check(s, e->ctl);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The pattern.                                                            */

unsigned char bench_pattern_byte(uint64_t seed, uint64_t pos)
{
    uint64_t word = seed + (pos >> 3) * BENCH_PATTERN_STEP;

    return (unsigned char)(word >> (8 * (pos & 7)));
}

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

void bench_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                        uint64_t pos)
{
    size_t i = 0;
    uint64_t word;

    for (; i < len && ((pos + i) & 7); i++)
        dst[i] = bench_pattern_byte(seed, pos + i);
    word = seed + ((pos + i) >> 3) * BENCH_PATTERN_STEP;
    for (; i + 8 <= len; i += 8, word += BENCH_PATTERN_STEP) {
        uint64_t le = htole64(word);
        memcpy(dst + i, &le, sizeof le);
    }
    for (; i < len; i++)
        dst[i] = bench_pattern_byte(seed, pos + i);
}

size_t bench_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                           uint64_t pos)
{
    const uint64_t step = BENCH_PATTERN_STEP;
    size_t i = 0;
    uint64_t word;

    for (; i < len && ((pos + i) & 7); i++)
        if (src[i] != bench_pattern_byte(seed, pos + i))
            return i;
    word = seed + ((pos + i) >> 3) * step;
    /* Four words at a time while all is well; the word loop below finds
       the exact byte when something is not. */
    for (; i + 32 <= len; i += 32, word += 4 * step) {
        uint64_t diff = (load_le64(src + i) ^ word) |
                        (load_le64(src + i + 8) ^ (word + step)) |
                        (load_le64(src + i + 16) ^ (word + 2 * step)) |
                        (load_le64(src + i + 24) ^ (word + 3 * step));
        if (diff)
            break;
    }
    for (; i + 8 <= len; i += 8, word += step)
        if (load_le64(src + i) != word)
            break;
    for (; i < len; i++)
        if (src[i] != bench_pattern_byte(seed, pos + i))
            return i;
    return len;
}

/* ---------------------------------------------------------------------- */
/* Time and statistics.                                                    */

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *h)
{
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++)
        into->bucket[i] += h->bucket[i];
    into->count += h->count;
}

/* The middle of the values bucket idx holds. */
static double bucket_value(unsigned idx)
{
    unsigned e, sub;
    uint64_t width;

    if (idx < 128)
        return idx;
    e = 7 + (idx - 128) / BENCH_HIST_SUB;
    sub = (idx - 128) % BENCH_HIST_SUB;
    width = UINT64_C(1) << (e - 6);
    return (double)((BENCH_HIST_SUB + sub) * width) + (double)(width - 1) / 2;
}

double bench_hist_quantile(const struct bench_hist *h, double q)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    /* The smallest value with at least q of the samples at or below. */
    rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank)
            return bucket_value(i);
    }
    return bucket_value(BENCH_HIST_BUCKETS - 1);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double bench_median(const double *v, int n)
{
    double sorted[64];

    if (n <= 0)
        return 0;
    if (n > 64)
        n = 64;
    memcpy(sorted, v, (size_t)n * sizeof *v);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

double bench_min(const double *v, int n)
{
    double m = n > 0 ? v[0] : 0;

    for (int i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

double bench_max(const double *v, int n)
{
    double m = n > 0 ? v[0] : 0;

    for (int i = 1; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* ---------------------------------------------------------------------- */
/* The cache-line probe.                                                   */

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

double bench_probe_measure(struct bench_probe_line *line, int rounds, int ctl)
{
    double batch_ns[64];
    uint64_t seq = 0;

    if (rounds > 64)
        rounds = 64;
    for (int r = 0; r < rounds; r++) {
        uint64_t t0 = bench_now_ns();

        for (int b = 0; b < BENCH_PROBE_BATCH; b++) {
            /* Release pairs with the acquire in the child's probe_wait. */
            atomic_store_explicit(&line->word, ++seq, memory_order_release);
            int rc = probe_wait(line, ++seq, ctl);
            if (rc)
                return rc;
        }
        batch_ns[r] = (double)(bench_now_ns() - t0) / BENCH_PROBE_BATCH;
    }
    return bench_median(batch_ns, rounds);
}

int bench_probe_answer(struct bench_probe_line *line, int rounds, int ctl)
{
    uint64_t total = (uint64_t)(rounds > 64 ? 64 : rounds) * BENCH_PROBE_BATCH;

    for (uint64_t seq = 1; seq < 2 * total; seq += 2) {
        int rc = probe_wait(line, seq, ctl);
        if (rc)
            return rc;
        /* Release pairs with the acquire in the parent's probe_wait. */
        atomic_store_explicit(&line->word, seq + 1, memory_order_release);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The machine.                                                            */

static void read_cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];

    snprintf(buf, len, "unknown CPU");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');

        if (!colon || (strncmp(line, "model name", 10) != 0 &&
                       strncmp(line, "Model", 5) != 0))
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(buf, len, "%s", colon);
        break;
    }
    fclose(f);
}

/* Quotes an argument for a POSIX shell, when it needs it. */
static size_t quote_arg(char *dst, const char *arg)
{
    size_t n = 0;

    if (*arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                            "WXYZ0123456789_./,=:+-@%") == strlen(arg)) {
        if (dst)
            memcpy(dst, arg, strlen(arg));
        return strlen(arg);
    }
    if (dst)
        dst[n] = '\'';
    n++;
    for (const char *p = arg; *p; p++) {
        if (*p == '\'') {
            if (dst)
                memcpy(dst + n, "'\\''", 4);
            n += 4;
        } else {
            if (dst)
                dst[n] = *p;
            n++;
        }
    }
    if (dst)
        dst[n] = '\'';
    return n + 1;
}

void bench_machine_read(struct bench_machine *m, int argc, char **argv)
{
    struct utsname u;
    time_t now = time(NULL);
    struct tm tm;
    size_t len = 1, at = 0;

    memset(m, 0, sizeof *m);
    read_cpu_model(m->cpu_model, sizeof m->cpu_model);
    m->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (uname(&u) == 0) {
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release,
                 u.version);
        snprintf(m->kernel_short, sizeof m->kernel_short, "%s %s", u.sysname,
                 u.release);
    }
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);

    for (int i = 0; i < argc; i++)
        len += quote_arg(NULL, argv[i]) + 1;
    m->command = malloc(len);
    if (!m->command)
        return;
    for (int i = 0; i < argc; i++) {
        if (i)
            m->command[at++] = ' ';
        at += quote_arg(m->command + at, argv[i]);
    }
    m->command[at] = '\0';
}
