/* SPDX-License-Identifier: MIT */
/*
 * ringbench.h: what the files of ringbench share. One job per file:
 *
 *   main.c             the run: options, the cases, the output, the end
 *   options.c, help.c  the command line and --help
 *   case.c             one case: the child, its channels, one phase
 *   child.c            the child's side: joining, obeying commands
 *   measure.c          warm-up, repetitions, and what they add up to
 *   loops.h            the four measured loops, for every transport
 *   endpoint.c         private buffers, waiting without the kernel
 *   probe.c            the cache-line probe between the two CPUs
 *   transport_ring.c   the ring, six ways
 *   transport_fd.c     pipe, unix socket, vmsplice
 *   transport_shm.c    the /dev/shm file
 *   machine.c          what the machine is
 *   report.c           ratios, near and far, the targets; number formats
 *   table.c, json.c, svg.c   the outputs
 *
 * The pattern, the clock, the statistics, CPU pinning, parsing and the
 * child process come from the kit (kit/), shared with bench/ and test/.
 */
#ifndef RINGBENCH_H
#define RINGBENCH_H

#include "kit/cpu.h"
#include "kit/stats.h"
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
#define BENCH_MAX_REPS       64

/* No byte is corrupted (the testing aid is off). */
#define BENCH_NO_CORRUPTION UINT64_MAX

/* ---------------------------------------------------------------------- */
/* Configuration, from the options (options.c).                            */

struct bench_config {
    size_t sizes[BENCH_MAX_SIZES];
    int size_count;
    const struct bench_transport *transports[BENCH_MAX_TRANSPORTS];
    int transport_count;
    int reps;
    double duration_s;     /* per measurement, when no volume is given */
    uint64_t volume;       /* bytes per throughput run, 0 = by duration */
    uint64_t round_trips;  /* round trips per latency run, 0 = by duration */
    size_t buffer;         /* ring capacity, pipe and socket buffers */
    size_t ring_capacity;  /* what ring_create made of buffer */
    size_t ring_msg_max;   /* and the longest record such a ring carries */
    struct kit_cpus cpus;  /* producer (pinger), consumer (ponger) */
    int throughput;        /* measure throughput */
    int latency;           /* measure round-trip latency */
    long spin_ns;          /* ring-wait's spin: ring_set_spin, -1 adaptive */
    uint64_t peer_work_ns; /* busy work of the ponger before each answer */
    double near_ns;        /* near/far threshold, 0 = twice the lowest */
    uint64_t corrupt_at;   /* testing aid: stream byte to flip */
    int stop_early;        /* testing aid: every run stops after one message */
    int quiet;             /* no progress on stderr */
    int json, csv;         /* output formats on stdout */
    const char *svg_path;  /* chart, or NULL */
    FILE *svg;             /* opened before the run, so a bad path fails
                              before a minute of measuring */
};

/* Reads the options into cfg; a mistake ends the run. */
void bench_parse_options(struct bench_config *cfg, int argc, char **argv);
void bench_print_help(void);

/* Ends the run with one line on stderr (main.c). */
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
    int poll_waits;            /* a ping-pong waits in ring_wait_readable */
    long spin_ns;              /* with this ring_set_spin */
    unsigned char *buf;        /* private message buffer (page aligned) */
    size_t buf_size;           /* bytes mapped at buf */
    size_t capacity;           /* bytes the channel buffers: ring, file */
    uint64_t index;            /* own position: shmfile, vmsplice rotation */
    uint64_t peer_cache;       /* shmfile: the other side's position, as seen */
    struct bench_shm_positions *positions; /* shmfile */
    const unsigned char *span; /* ring-zc: what the last ring_peek gave */
    size_t span_len;           /* and is not consumed yet */
    long record_len; /* ring-msg: length of a record of the wrong size */
};

/* What one phase is asked to do. */
struct bench_job {
    uint64_t count;          /* messages, or round trips, at most */
    size_t size;             /* bytes per message */
    uint64_t key_out;        /* pattern of the stream this process sends */
    uint64_t key_in;         /* pattern of the stream it receives */
    uint64_t corrupt_at;     /* testing aid, or BENCH_NO_CORRUPTION */
    uint64_t work_ns;        /* BENCH_PONG: busy work before each answer */
    struct kit_hist *hist;   /* BENCH_PING: round-trip times */
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

/* How a ring's receiver waits in a ping-pong (bench_transport.ping_waits):
   it busy-polls (the default), or waits in ring_wait_readable with the
   spin of --spin, or with none. */
#define BENCH_PING_POLLS  0
#define BENCH_PING_SPINS  1
#define BENCH_PING_SLEEPS 2

struct bench_transport {
    const char *name;  /* as --transports spells it */
    const char *calls; /* what it calls, for the legend */
    int spins;         /* how it waits: BENCH_WAITS_* */
    int default_on;    /* in the default set */
    int ping_waits;    /* rings: BENCH_PING_* */
    /* The largest message it carries with this configuration. */
    size_t (*max_size)(const struct bench_config *cfg);
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
    bench_ring_msg, bench_ring_msg_zc, bench_ring_wait, bench_ring_sleep;
extern const struct bench_transport bench_pipe, bench_unix, bench_vmsplice;
extern const struct bench_transport bench_shmfile;

/* Every transport, in the order of the table (main.c). */
extern const struct bench_transport *const bench_all_transports[];
extern const int bench_all_transport_count;

/* Buffer sizes the kernel granted, learned by create(), for the header. */
extern size_t bench_granted_pipe, bench_granted_socket;

/* Endpoint helpers shared by the transports (endpoint.c). An end of t,
   talking to the peer over ctl; how it waits comes from cfg and t. */
void bench_endpoint_init(struct bench_endpoint *e, int ctl,
                         const struct bench_config *cfg,
                         const struct bench_transport *t);
int bench_endpoint_buffer(struct bench_endpoint *e, size_t size);
void bench_endpoint_release(struct bench_endpoint *e);

/* ---------------------------------------------------------------------- */
/* Waiting without the kernel (endpoint.c).                                */

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

/* ---------------------------------------------------------------------- */
/* The cache-line probe (probe.c).                                         */

/* One cache line in memory both processes map. */
struct bench_probe_line;

struct bench_probe_line *bench_probe_map(void);
void bench_probe_unmap(struct bench_probe_line *line);
/* Parent, before it asks the child to answer. */
void bench_probe_reset(struct bench_probe_line *line);
/* Parent: runs rounds of bounces (the child answers with
   bench_probe_answer()) and sets *ns to the median round trip. Returns 0
   or -errno. */
int bench_probe_measure(struct bench_probe_line *line, int rounds, int ctl,
                        double *ns);
int bench_probe_answer(struct bench_probe_line *line, int rounds, int ctl);
#define BENCH_PROBE_ROUNDS 64 /* batches of BENCH_PROBE_BATCH round trips */
#define BENCH_PROBE_BATCH  100

/* ---------------------------------------------------------------------- */
/* One case and its child (case.c, child.c).                               */

/* Commands the parent sends its child over the control socket. */
enum bench_command_op { CMD_PROBE, CMD_RUN, CMD_QUIT };

struct bench_command {
    int op;
    int phase; /* enum bench_phase, for CMD_RUN */
    uint64_t count;
    uint64_t key_out, key_in;
    uint64_t corrupt_at;
    int rounds; /* CMD_PROBE */
};

enum bench_reply_kind { REPLY_READY, REPLY_DONE };

struct bench_reply {
    int kind;
    int rc;
    uint64_t messages; /* done: count, or fewer when stopped early */
    uint64_t t_end_ns;
    double cpu_s; /* CPU the child used in the phase */
    char detail[160];
};

/* A case: one transport at one size, measured between two processes. */
struct bench_case {
    const struct bench_config *cfg;
    const struct bench_transport *t;
    size_t size;
    char size_text[32];
    int index, total; /* for progress and seeds */
    int ctl;
    struct bench_endpoint out, in;  /* the parent's ends */
    struct bench_probe_line *probe; /* pages both processes map */
    struct bench_stop *stop;
    int probe_on;
    uint64_t salt;         /* differs from run to run */
    struct kit_hist *hist; /* one repetition's round trips */
    struct kit_hist *all;  /* all repetitions' */
};

/* What one phase pair did (case.c). */
struct bench_phase_run {
    uint64_t ns;       /* for throughput from our first message to the
                          child's check of the last byte; for latency our
                          own time */
    uint64_t done;     /* messages (round trips) done */
    int stopped_early; /* done < the count asked for */
    double cpu_s;      /* CPU both processes used, latency only */
};

struct bench_result;

/* Runs a case and fills res: forks the child, makes the channels,
   measures (measure.c), and tears all down. */
void bench_run_case(struct bench_case *c, struct bench_result *res);

/* The child's side of a case; never returns. */
void bench_child_main(int ctl, const struct bench_case *c)
    __attribute__((noreturn));

/*
 * One phase pair: the child takes the receiving side (consume or pong),
 * we take the other; past limit_s (0: no limit) we stop early. expect_s
 * is how long it should take, for the watchdog. run numbers the pattern.
 */
void bench_run_phase(struct bench_case *c, int latency, uint64_t count,
                     unsigned run, double limit_s, double expect_s,
                     struct bench_phase_run *out);

/* One cache-line probe with the child; ns is its median round trip. */
double bench_probe_once(struct bench_case *c);

/* Progress on stderr, the watchdog, the child of the case at hand when
   the run fails (case.c). */
void bench_progress(const struct bench_case *c, const char *what, int rep);
void bench_clear_progress(void);
void bench_watchdog_install(void);
void bench_stop_child(void);

/* The key of one stream of one run of a case. */
uint64_t bench_key_for(const struct bench_case *c, unsigned run,
                       unsigned stream);

/* Measures a case whose child is ready (measure.c). */
void bench_measure(struct bench_case *c, struct bench_result *res);

/* ---------------------------------------------------------------------- */
/* Results and output.                                                     */

struct bench_machine {
    char cpu_model[128];
    int cpus;               /* online */
    char kernel[256];       /* name, release and version */
    char kernel_short[160]; /* name and release */
    char date[32];          /* UTC, ISO 8601 */
    char *command;          /* the command line, shell-quoted */
};

/* A percentile, when there were enough samples for it. */
struct bench_percentile {
    double ns;
    int present;
};

/* One transport at one size. */
struct bench_result {
    const struct bench_transport *transport;
    size_t size;
    int has_throughput, has_latency;
    /* Throughput: the median of the repetitions and their spread. */
    double mb_per_s, mb_per_s_min, mb_per_s_max;
    double msgs_per_s;
    double mb_each[BENCH_MAX_REPS]; /* each repetition's MB/s */
    uint64_t messages;              /* messages of all repetitions */
    int throughput_early;           /* repetitions that stopped early */
    /* Latency: percentiles over all repetitions' round trips. */
    struct bench_percentile rtt_p50, rtt_p99, rtt_p999;
    struct bench_percentile p50_each[BENCH_MAX_REPS];
    double rtt_p50_min_ns, rtt_p50_max_ns; /* spread of the runs' p50 */
    int rtt_spread_present;                /* some repetition had a p50 */
    uint64_t round_trips;                  /* the samples behind them */
    double cpu_us_per_rt;                  /* both processes' CPU */
    int latency_early;                     /* repetitions that stopped early */
    /* Against the pipe at the same size; 0 when there is none. */
    double throughput_vs_pipe; /* mb_per_s / the pipe's */
    double rtt_vs_pipe;        /* the pipe's p50 / rtt_p50 */
    /* The cache-line round trip before each repetition. */
    double line_ns[BENCH_MAX_REPS];
    int line_count; /* 0 when not measured (one CPU) */
    double line_median_ns;
    const char *state; /* "near", "far", "mixed" or "-" */
};

/* A target of the project's (issue 9), checked on this run's figures. */
struct bench_target {
    const char *label;
    double ratio;        /* 0 when it could not be computed */
    double goal;         /* ratio >= goal passes */
    const char *why_not; /* when ratio is 0 */
};

#define BENCH_MAX_TARGETS 4

struct bench_report {
    const struct bench_config *cfg;
    const struct bench_machine *machine;
    struct bench_result *results;
    int count;
    double line_lowest_ns; /* lowest cache-line round trip of the run */
    double near_ns;        /* threshold in force */
    double elapsed_s;
    struct bench_target targets[BENCH_MAX_TARGETS];
    int target_count;
};

void bench_machine_read(struct bench_machine *m, int argc, char **argv);

/* Ratios against the pipe, near and far, the targets (report.c). */
void bench_classify(struct bench_report *rep);
int bench_stopped_early(const struct bench_result *r);
const char *bench_waits_name(const struct bench_transport *t);
int bench_target_passes(const struct bench_target *t);

void bench_print_table(FILE *out, const struct bench_report *rep);
void bench_print_json(FILE *out, const struct bench_report *rep);
void bench_print_csv(FILE *out, const struct bench_report *rep);
void bench_print_svg(FILE *out, const struct bench_report *rep);

/* "64 B", "4 KiB", "1.5 MiB" into buf. */
const char *bench_format_size(char *buf, size_t len, uint64_t bytes);
/* Whole numbers in full, others to about six significant digits. */
void bench_print_number(FILE *out, double v);

#endif /* RINGBENCH_H */
