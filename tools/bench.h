/* SPDX-License-Identifier: MIT */
/*
 * bench.h: what the files of ringbench share. ringbench.c runs the cases
 * (processes, warm-up, repetitions), bench_options.c reads the command
 * line, bench_ring.c and bench_kernel.c are the transports, bench_loops.h
 * the measured loops they share, bench_util.c the pattern, clock,
 * histogram and the cache-line probe, bench_output.c the table, JSON, CSV
 * and SVG.
 */
#ifndef BENCH_H
#define BENCH_H

#include "ring.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* For the few functions that must inline into the measured loops. */
#define BENCH_ALWAYS_INLINE static inline __attribute__((always_inline))

#define BENCH_EXIT_FAILED 1 /* a run failed: bad data, a transport error */
#define BENCH_EXIT_USAGE  2 /* bad options */

#define BENCH_MAX_SIZES      16
#define BENCH_MAX_TRANSPORTS 16

/* No byte is corrupted (the testing aid is off). */
#define BENCH_NO_CORRUPTION UINT64_MAX

/* ---------------------------------------------------------------------- */
/* Configuration, from the options.                                        */

struct bench_config {
    size_t sizes[BENCH_MAX_SIZES];
    int size_count;
    const struct bench_transport *transports[BENCH_MAX_TRANSPORTS];
    int transport_count;
    int reps;
    double duration_s;    /* per measurement, when no volume is given */
    uint64_t volume;      /* bytes per throughput run, 0 = by duration */
    uint64_t round_trips; /* round trips per latency run, 0 = by duration */
    size_t buffer;        /* ring capacity, pipe and socket buffers */
    int pin;              /* pin the two processes to cpu[0] and cpu[1] */
    int cpu[2];           /* producer (pinger), consumer (ponger) */
    int throughput;       /* measure throughput */
    int latency;          /* measure round-trip latency */
    double near_ns;       /* near/far threshold, 0 = twice the lowest */
    uint64_t corrupt_at;  /* testing aid: stream byte to flip */
    int stop_early;       /* testing aid: every run stops after one message */
    int quiet;            /* no progress on stderr */
    int json, csv;        /* output formats on stdout */
    const char *svg_path; /* chart, or NULL */
    FILE *svg;            /* opened before the run, so a bad path fails
                             before a minute of measuring */
};

/* Reads the options into cfg (bench_options.c); a mistake ends the run. */
void bench_parse_options(struct bench_config *cfg, int argc, char **argv);

/* Ends the run with one line on stderr (ringbench.c). */
void bench_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* ---------------------------------------------------------------------- */
/* Transports.                                                             */

/* The four things a process does with a transport. */
enum bench_phase {
    BENCH_PRODUCE, /* send job->count messages, for throughput */
    BENCH_CONSUME, /* receive and check them */
    BENCH_PING,    /* send one, wait for the answer, time it; count times */
    BENCH_PONG,    /* receive one, answer it; count times */
};

/* How a receiver waits: the transport's own way (throughput), or busy
   polling where the transport spins (latency). */
enum bench_wait { BENCH_WAIT, BENCH_POLL };

/* Which end of one direction of a transport a process holds. */
enum bench_end { BENCH_SENDER, BENCH_RECEIVER };

/* The shared page of the /dev/shm file transport: its two positions. */
struct bench_shm_positions;

/*
 * One end of one direction of a transport, in one process. Each
 * transport uses the fields it needs.
 */
struct bench_endpoint {
    struct ring ring;          /* ring transports */
    int ring_open;             /* ring is a live handle */
    int fd;                    /* pipe, socket, file; -1 when none */
    int ctl;                   /* control socket to the peer, for liveness */
    unsigned poll_yield_every; /* busy polling yields every this many
                                  steps; 0 = never (a CPU of its own) */
    unsigned char *buf;        /* private message buffer (page aligned) */
    size_t buf_size;           /* bytes mapped at buf */
    size_t capacity;           /* bytes the channel buffers: ring, file */
    uint64_t index;            /* own position: shmfile, vmsplice rotation */
    uint64_t peer_cache;       /* shmfile: the other side's position, as seen */
    struct bench_shm_positions *positions; /* shmfile */
    const unsigned char *span; /* ring-zc: what the last ring_peek gave */
    size_t span_len;           /* and is not consumed yet */
    int error;                 /* -errno of the call that failed */
    long record_len; /* ring-msg: length of a record of the wrong size */
};

/* What one phase is asked to do. */
struct bench_job {
    uint64_t count;          /* messages, or round trips, at most */
    size_t size;             /* bytes per message */
    uint64_t seed_out;       /* pattern of the stream this process sends */
    uint64_t seed_in;        /* pattern of the stream it receives */
    uint64_t corrupt_at;     /* testing aid, or BENCH_NO_CORRUPTION */
    struct bench_hist *hist; /* BENCH_PING: round-trip times */
    struct bench_stop *stop; /* where a run that stops early says so */
    uint64_t deadline_ns;    /* BENCH_PRODUCE, BENCH_PING: stop early past
                                this time; 0 = never */
};

/*
 * A run stops early when its sender passes its deadline (another program
 * took the CPUs for a while, say): before it sends message `last` it
 * stores that index here, and the receiver, which checks the word after
 * each message, stops after that one. The transport itself orders the
 * store before the message (the ring's release of the message, a pipe's
 * lock), so the receiver cannot miss it. UINT64_MAX while a run goes on;
 * a page both processes map.
 */
struct bench_stop {
    _Alignas(128) _Atomic uint64_t last;
    unsigned char pad[128 - sizeof(uint64_t)];
};

/* What one phase reports. */
struct bench_outcome {
    uint64_t messages; /* messages (round trips) done: count, or fewer */
    uint64_t t_end_ns; /* BENCH_CONSUME: when the last byte was checked */
    char detail[160];  /* why the data was wrong, when it was */
};

/* How a transport waits for its peer (bench_transport.spins). */
#define BENCH_WAITS_SLEEP 0 /* blocks in the kernel (read, write) */
#define BENCH_WAITS_SPIN  1 /* spins: pause, then sched_yield */
#define BENCH_WAITS_RING  2 /* ring_wait_*: adaptive spin, then futex */

struct bench_transport {
    const char *name;  /* as --transports spells it */
    const char *calls; /* what it calls, for the legend */
    int spins;         /* how it waits: BENCH_WAITS_* */
    int default_on;    /* in the default set */
    /* The largest message it carries with this --buffer. */
    size_t (*max_size)(size_t buffer);
    /* Parent: makes one direction, keeps end, passes the other over ctl. */
    int (*create)(struct bench_endpoint *e, enum bench_end end, int ctl,
                  const struct bench_config *cfg, size_t size);
    /* Child: receives the end create() passed. */
    int (*join)(struct bench_endpoint *e, enum bench_end end, int ctl,
                const struct bench_config *cfg, size_t size);
    void (*close)(struct bench_endpoint *e);
    /* Runs a phase: out is this process's sending end, in its receiving
       end. Returns 0, -EBADMSG when the data was wrong (outcome->detail
       says how), or another -errno. */
    int (*run)(enum bench_phase phase, struct bench_endpoint *out,
               struct bench_endpoint *in, const struct bench_job *job,
               struct bench_outcome *outcome);
};

extern const struct bench_transport bench_ring_copy, bench_ring_zc,
    bench_ring_msg, bench_ring_msg_zc;
extern const struct bench_transport bench_pipe, bench_unix, bench_shmfile,
    bench_vmsplice;

/* Every transport, in the order of the table. */
extern const struct bench_transport *const bench_all_transports[];
extern const int bench_all_transport_count;

/* The capacity of a ring (and of the /dev/shm file's data) for --buffer:
   a power of two, at least a page. */
size_t bench_ring_capacity_for(size_t buffer);

/* Buffer sizes the kernel granted, learned by create(), for the header. */
extern size_t bench_granted_pipe, bench_granted_socket;

/* Endpoint helpers shared by the transports (bench_util.c). */
void bench_endpoint_init(struct bench_endpoint *e, int ctl,
                         unsigned poll_yield_every);
int bench_endpoint_buffer(struct bench_endpoint *e, size_t size);
void bench_endpoint_release(struct bench_endpoint *e);

/* ---------------------------------------------------------------------- */
/* Waiting without the kernel (bench_util.c).                              */

/* A spin-wait in progress; zero it before the first bench_spin(). */
struct bench_spin {
    uint64_t spins;
    uint64_t started_ns;
};

/* Nothing moved for this long: the peer is stuck, stop. */
#define BENCH_STUCK_MS 30000
#define BENCH_STUCK_NS ((uint64_t)BENCH_STUCK_MS * 1000000)

/*
 * One step of waiting for the peer, with a pause hint; after a while of
 * pausing, sched_yield() instead, and now and then ask the control socket
 * whether the peer is still there. Returns 0 to keep waiting, -EPIPE when
 * the peer has gone (or has reported and stopped), -ETIMEDOUT when it has
 * been stuck for BENCH_STUCK_NS.
 */
int bench_spin(struct bench_spin *s, int ctl);

/*
 * One step of busy polling: a pause hint, and a yield every
 * e->poll_yield_every steps where the two processes may share a CPU.
 * Same returns as bench_spin().
 */
int bench_poll(struct bench_spin *s, const struct bench_endpoint *e);

static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---------------------------------------------------------------------- */
/* The pattern: every byte depends on its position in the stream.          */

/*
 * Byte p of a stream is byte p % 8 (little-endian) of the 64-bit word
 * seed + (p / 8) * BENCH_PATTERN_STEP. A lost, duplicated or reordered
 * byte or message shifts the stream and no longer matches; a new seed per
 * run catches data left over from an earlier one.
 */
#define BENCH_PATTERN_STEP UINT64_C(0x9e3779b97f4a7c15)

void bench_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                        uint64_t pos);
/* Offset of the first wrong byte, or len when all are right. */
size_t bench_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                           uint64_t pos);
unsigned char bench_pattern_byte(uint64_t seed, uint64_t pos);

/* ---------------------------------------------------------------------- */
/* Time and statistics (bench_util.c).                                     */

uint64_t bench_now_ns(void); /* CLOCK_MONOTONIC, the same in every process */

/* Log-linear histogram of nanoseconds: exact below 128 ns, then 64 steps
   per power of two (within 1.6%). */
#define BENCH_HIST_SUB     64
#define BENCH_HIST_BUCKETS (128 + 57 * BENCH_HIST_SUB)
struct bench_hist {
    uint64_t count;
    uint64_t bucket[BENCH_HIST_BUCKETS];
};

BENCH_ALWAYS_INLINE void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
    unsigned idx;

    if (ns < 128) {
        idx = (unsigned)ns;
    } else {
        unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* >= 7 */
        idx = 128 + (e - 7) * BENCH_HIST_SUB +
              (unsigned)((ns >> (e - 6)) & (BENCH_HIST_SUB - 1));
    }
    h->bucket[idx]++;
    h->count++;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *h);
/* The value below which a fraction q of the samples lie, in ns. */
double bench_hist_quantile(const struct bench_hist *h, double q);

double bench_median(const double *v, int n); /* sorts v */
double bench_min(const double *v, int n);
double bench_max(const double *v, int n);

/* ---------------------------------------------------------------------- */
/* The cache-line probe (bench_util.c).                                    */

/* One cache line in memory both processes map. */
struct bench_probe_line;

struct bench_probe_line *bench_probe_map(void);
void bench_probe_unmap(struct bench_probe_line *line);
/* Parent, before it asks the child to answer. */
void bench_probe_reset(struct bench_probe_line *line);
/* Parent: starts a round of bounces; the child answers with
   bench_probe_answer(). Returns the median round trip in ns, or a
   negative -errno. */
double bench_probe_measure(struct bench_probe_line *line, int rounds, int ctl);
int bench_probe_answer(struct bench_probe_line *line, int rounds, int ctl);
#define BENCH_PROBE_ROUNDS 64 /* batches of BENCH_PROBE_BATCH round trips */
#define BENCH_PROBE_BATCH  100

/* ---------------------------------------------------------------------- */
/* Results and output (bench_output.c).                                    */

struct bench_machine {
    char cpu_model[128];
    int cpus;               /* online */
    char kernel[256];       /* name, release and version */
    char kernel_short[160]; /* name and release */
    char date[32];          /* UTC, ISO 8601 */
    char *command;          /* the command line, shell-quoted */
};

/* One transport at one size. */
struct bench_result {
    const struct bench_transport *transport;
    size_t size;
    int has_throughput, has_latency;
    double mb_per_s, mb_per_s_min, mb_per_s_max; /* median, spread */
    double msgs_per_s;
    double rtt_p50_ns, rtt_p99_ns, rtt_p999_ns; /* all runs' samples */
    double rtt_p50_min_ns, rtt_p50_max_ns;      /* spread of the runs' p50 */
    uint64_t round_trips;
    double throughput_vs_pipe; /* mb_per_s / the pipe's; 0 = no pipe */
    double rtt_vs_pipe;        /* the pipe's p50 / rtt_p50; 0 = no pipe */
    double mb_each[64];        /* each repetition's MB/s */
    double p50_each[64];       /* each repetition's p50 round trip */
    double line_ns[64];        /* cache-line round trip before each run */
    int line_count;            /* 0 when not measured (one CPU) */
    double line_median_ns;
    const char *state; /* "near", "far", "mixed" or "-" */
};

struct bench_report {
    const struct bench_config *cfg;
    const struct bench_machine *machine;
    struct bench_result *results;
    int count;
    size_t ring_capacity;
    double line_lowest_ns; /* lowest cache-line round trip of the run */
    double near_ns;        /* threshold in force */
    double elapsed_s;
};

void bench_machine_read(struct bench_machine *m, int argc, char **argv);
void bench_classify(struct bench_report *rep);
void bench_print_table(FILE *out, const struct bench_report *rep);
void bench_print_json(FILE *out, const struct bench_report *rep);
void bench_print_csv(FILE *out, const struct bench_report *rep);
void bench_print_svg(FILE *out, const struct bench_report *rep);

/* "64 B", "4 KiB", "1.5 MiB" into buf. */
const char *bench_format_size(char *buf, size_t len, uint64_t bytes);

#endif /* BENCH_H */
