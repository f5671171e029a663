/*
 * ringbench: the ring against a pipe, a UNIX socket, a file in /dev/shm
 * and vmsplice, between two processes, at a few message sizes:
 * throughput, round-trip latency, and the state of the two CPUs.
 *
 * Each case (one transport, one size) forks a child first and only then
 * makes its channels, passing them over a UNIX socket: the child gets a
 * ring through ring_recv_fd + ring_attach alone, never through memory it
 * inherited. The parent produces (and pings), the child consumes (and
 * answers); every byte is made of a position-dependent pattern and
 * checked where it arrives, so a transport that loses, duplicates,
 * reorders or corrupts data fails the run instead of giving a figure.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

static pid_t child_pid = -1;
static int progress_shown; /* a progress line is on the terminal */

/* ---------------------------------------------------------------------- */
/* Ending.                                                                 */

static void clear_progress(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

static void stop_child(void)
{
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
    }
    child_pid = -1;
}

/* Ends the run with one line on stderr. */
static void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void fail(int status, const char *fmt, ...)
{
    va_list ap;

    clear_progress();
    fputs("ringbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    stop_child();
    exit(status);
}

#define usage_error(...) fail(BENCH_EXIT_USAGE, __VA_ARGS__)

/* The watchdog for transports that block in the kernel: a peer stuck for
   good would otherwise hang the run. Spinning transports time out in
   bench_spin() instead. */
static char watchdog_line[160];

static void watchdog_fired(int sig)
{
    ssize_t ignored;

    (void)sig;
    ignored = write(STDERR_FILENO, watchdog_line, strlen(watchdog_line));
    (void)ignored;
    if (child_pid > 0)
        kill(child_pid, SIGKILL);
    _exit(BENCH_EXIT_FAILED);
}

/* ---------------------------------------------------------------------- */
/* Options.                                                                */

static void print_help(void)
{
    char buffer[32];

    printf(
        "Usage: ringbench [OPTION]...\n"
        "Measures the ring against a pipe, a UNIX socket, a file in "
        "/dev/shm and\n"
        "vmsplice, between two processes: throughput, round-trip latency "
        "and the\n"
        "cache-line round trip between the two CPUs. With no option: "
        "every default\n"
        "transport at 64 B, 4 KiB and 64 KiB, about a minute on two "
        "cores.\n"
        "\n"
        "What to measure:\n"
        "  --sizes LIST        message sizes in bytes, comma-separated; K, M "
        "and G\n"
        "                      suffixes (binary) accepted "
        "[64,4096,65536]\n"
        "  --transports LIST   comma-separated, or 'all' [default set, "
        "below]\n"
        "  --only WHAT         'throughput' or 'latency' [both]\n"
        "  --buffer BYTES      ring capacity (rounded up to a power of "
        "two), pipe and\n"
        "                      socket buffers, /dev/shm file [%s]\n"
        "\n"
        "How long:\n"
        "  --reps N            repetitions of each measurement; figures "
        "are their\n"
        "                      median and min..max [5]\n"
        "  --duration TIME     of each repetition of each measurement, in "
        "seconds\n"
        "                      or with an 'ms' suffix [0.2]\n"
        "  --volume BYTES      bytes per throughput repetition, instead of "
        "--duration\n"
        "  --round-trips N     round trips per latency repetition, instead "
        "of\n"
        "                      --duration\n"
        "  --quick             smoke test: sizes 64,4096, 2 repetitions of "
        "20 ms\n"
        "\n"
        "Where:\n"
        "  --cpus A,B          pin the producer to CPU A and the consumer "
        "to CPU B\n"
        "                      [the first two this process may use]; "
        "'none' leaves\n"
        "                      placement to the scheduler\n"
        "  --near-ns NS        cache-line round trips up to NS are 'near', "
        "longer\n"
        "                      ones 'far' [twice the lowest of the run]\n"
        "\n"
        "Output (a table on stdout unless --json or --csv):\n"
        "  --json              one JSON object on stdout\n"
        "  --csv               one CSV row per transport and size on "
        "stdout\n"
        "  --svg FILE          also write a chart of throughput against "
        "size\n"
        "  --quiet             no progress on stderr\n"
        "  --help, --version\n"
        "\n"
        "Testing aid (proves the data check works; never for "
        "measuring):\n"
        "  --corrupt-for-testing BYTE\n"
        "                      flip one bit of byte BYTE of every stream "
        "sent; the\n"
        "                      run must then fail\n"
        "\n"
        "Transports:\n",
        bench_format_size(buffer, sizeof buffer, 1 << 20));
    for (int i = 0; i < bench_all_transport_count; i++) {
        const struct bench_transport *t = bench_all_transports[i];

        printf("  %-12s %s%s\n", t->name, t->calls,
               t->default_on ? "" : " (not in the default set)");
    }
    printf("\n"
           "ring-*, shmfile wait by spinning (pause, then sched_yield); "
           "pipe, unix and\n"
           "vmsplice sleep in the kernel. For latency the spinning ones "
           "busy-poll and\n"
           "the others block in read().\n"
           "Exit status: 0 done, 1 a run failed (wrong data, a transport "
           "error), 2 bad\n"
           "options.\n");
}

/* A size: digits, then K, M or G (optionally followed by B or iB). */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    }
    if (shift && strcmp(end, "iB") == 0)
        end += 2;
    else if (strcmp(end, "B") == 0)
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static uint64_t parse_count(const char *opt, const char *s, uint64_t lo,
                            uint64_t hi)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v < lo || v > hi)
        usage_error("%s: '%s' is not a whole number from %" PRIu64
                    " to %" PRIu64,
                    opt, s, lo, hi);
    return v;
}

static double parse_duration(const char *s)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end != s && strcmp(end, "ms") == 0)
        v /= 1000;
    else if (end != s && strcmp(end, "s") == 0)
        ;
    else if (end == s || *end)
        v = -1;
    if (errno || !(v > 0 && v <= 3600))
        usage_error("--duration: '%s' is not a time from 1ms to 3600 s "
                    "(seconds, or with an 'ms' suffix)",
                    s);
    return v;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

/* Splits a comma-separated list in place; calls take() on each item. */
static void for_each_item(const char *opt, char *list,
                          void (*take)(struct bench_config *, const char *),
                          struct bench_config *cfg)
{
    char *save = NULL;
    int any = 0;

    if (list[0] == ',' || (list[0] && list[strlen(list) - 1] == ',') ||
        strstr(list, ",,"))
        usage_error("%s: empty item in '%s'", opt, list);
    for (char *item = strtok_r(list, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        take(cfg, item);
        any = 1;
    }
    if (!any)
        usage_error("%s: the list is empty", opt);
}

#define BENCH_SIZE_MAX (UINT64_C(1) << 30)

static void take_size(struct bench_config *cfg, const char *item)
{
    uint64_t v;

    if (parse_size(item, &v) || v == 0 || v > BENCH_SIZE_MAX)
        usage_error("--sizes: '%s' is not a size from 1 byte to 1G "
                    "(bytes, with an optional K, M or G suffix)",
                    item);
    for (int i = 0; i < cfg->size_count; i++)
        if (cfg->sizes[i] == v)
            return;
    if (cfg->size_count == BENCH_MAX_SIZES)
        usage_error("--sizes: more than %d sizes", BENCH_MAX_SIZES);
    cfg->sizes[cfg->size_count++] = (size_t)v;
}

static void take_transport(struct bench_config *cfg, const char *item)
{
    char names[256] = "";

    if (strcmp(item, "all") == 0) {
        cfg->transport_count = 0;
        for (int i = 0; i < bench_all_transport_count; i++)
            cfg->transports[cfg->transport_count++] = bench_all_transports[i];
        return;
    }
    for (int i = 0; i < bench_all_transport_count; i++) {
        const struct bench_transport *t = bench_all_transports[i];

        if (strcmp(item, t->name) != 0)
            continue;
        for (int j = 0; j < cfg->transport_count; j++)
            if (cfg->transports[j] == t)
                return;
        cfg->transports[cfg->transport_count++] = t;
        return;
    }
    for (int i = 0; i < bench_all_transport_count; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, bench_all_transports[i]->name);
    }
    usage_error("--transports: no transport '%s' (there are: %s, all)", item,
                names);
}

/* The first two CPUs this process may run on (one, twice, if that is
   all there is). */
static void default_cpus(struct bench_config *cfg)
{
    cpu_set_t set;
    int found = 0;

    cfg->pin = 0;
    if (sched_getaffinity(0, sizeof set, &set))
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
        if (CPU_ISSET(cpu, &set))
            cfg->cpu[found++] = cpu;
    if (found == 0)
        return;
    if (found == 1)
        cfg->cpu[1] = cfg->cpu[0];
    cfg->pin = 1;
}

static void parse_cpus(struct bench_config *cfg, const char *s)
{
    cpu_set_t set;
    char *end;
    long v[2];
    const char *p = s;

    if (strcmp(s, "none") == 0) {
        cfg->pin = 0;
        return;
    }
    for (int i = 0; i < 2; i++) {
        errno = 0;
        v[i] = strtol(p, &end, 10);
        if (end == p || *p < '0' || *p > '9' || errno || v[i] >= CPU_SETSIZE ||
            *end != (i == 0 ? ',' : '\0'))
            usage_error("--cpus: '%s' is not two CPU numbers A,B (or "
                        "'none')",
                        s);
        p = end + 1;
    }
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int i = 0; i < 2; i++)
            if (!CPU_ISSET((int)v[i], &set))
                usage_error("--cpus: CPU %ld is not one this process may "
                            "run on",
                            v[i]);
    cfg->cpu[0] = (int)v[0];
    cfg->cpu[1] = (int)v[1];
    cfg->pin = 1;
}

enum {
    OPT_SIZES = 256,
    OPT_TRANSPORTS,
    OPT_ONLY,
    OPT_BUFFER,
    OPT_REPS,
    OPT_DURATION,
    OPT_VOLUME,
    OPT_ROUND_TRIPS,
    OPT_QUICK,
    OPT_CPUS,
    OPT_NEAR_NS,
    OPT_JSON,
    OPT_CSV,
    OPT_SVG,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
    OPT_CORRUPT,
};

static const struct option long_options[] = {
    {"sizes", required_argument, NULL, OPT_SIZES},
    {"transports", required_argument, NULL, OPT_TRANSPORTS},
    {"only", required_argument, NULL, OPT_ONLY},
    {"buffer", required_argument, NULL, OPT_BUFFER},
    {"reps", required_argument, NULL, OPT_REPS},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"volume", required_argument, NULL, OPT_VOLUME},
    {"round-trips", required_argument, NULL, OPT_ROUND_TRIPS},
    {"quick", no_argument, NULL, OPT_QUICK},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"near-ns", required_argument, NULL, OPT_NEAR_NS},
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", no_argument, NULL, OPT_CSV},
    {"svg", required_argument, NULL, OPT_SVG},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"corrupt-for-testing", required_argument, NULL, OPT_CORRUPT},
    {NULL, 0, NULL, 0},
};

static void parse_options(struct bench_config *cfg, int argc, char **argv)
{
    int opt, quick = 0, sizes_given = 0, reps_given = 0, duration_given = 0;
    uint64_t v;

    memset(cfg, 0, sizeof *cfg);
    cfg->reps = 5;
    cfg->duration_s = 0.2;
    cfg->buffer = 1 << 20;
    cfg->throughput = cfg->latency = 1;
    cfg->corrupt_at = BENCH_NO_CORRUPTION;
    default_cpus(cfg);

    opterr = 0; /* our own one-line messages */
    while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (opt) {
        case OPT_SIZES:
            cfg->size_count = 0;
            for_each_item("--sizes", optarg, take_size, cfg);
            sizes_given = 1;
            break;
        case OPT_TRANSPORTS:
            cfg->transport_count = 0;
            for_each_item("--transports", optarg, take_transport, cfg);
            break;
        case OPT_ONLY:
            if (strcmp(optarg, "throughput") == 0)
                cfg->latency = 0, cfg->throughput = 1;
            else if (strcmp(optarg, "latency") == 0)
                cfg->throughput = 0, cfg->latency = 1;
            else
                usage_error("--only: '%s' is neither 'throughput' nor "
                            "'latency'",
                            optarg);
            break;
        case OPT_BUFFER:
            if (parse_size(optarg, &v) || v < 4096 || v > BENCH_SIZE_MAX)
                usage_error("--buffer: '%s' is not a size from 4K to 1G",
                            optarg);
            cfg->buffer = (size_t)v;
            break;
        case OPT_REPS:
            cfg->reps = (int)parse_count("--reps", optarg, 1, 64);
            reps_given = 1;
            break;
        case OPT_DURATION:
            cfg->duration_s = parse_duration(optarg);
            duration_given = 1;
            break;
        case OPT_VOLUME:
            if (parse_size(optarg, &v) || v == 0)
                usage_error("--volume: '%s' is not a size in bytes (K, M "
                            "and G suffixes accepted)",
                            optarg);
            cfg->volume = v;
            break;
        case OPT_ROUND_TRIPS:
            cfg->round_trips =
                parse_count("--round-trips", optarg, 1, UINT64_C(1) << 40);
            break;
        case OPT_QUICK:
            quick = 1;
            break;
        case OPT_CPUS:
            parse_cpus(cfg, optarg);
            break;
        case OPT_NEAR_NS:
            cfg->near_ns =
                (double)parse_count("--near-ns", optarg, 1, 100000000);
            break;
        case OPT_JSON:
            cfg->json = 1;
            break;
        case OPT_CSV:
            cfg->csv = 1;
            break;
        case OPT_SVG:
            cfg->svg_path = optarg;
            break;
        case OPT_QUIET:
            cfg->quiet = 1;
            break;
        case OPT_HELP:
            print_help();
            exit(0);
        case OPT_VERSION:
            printf("ringbench %s\n", RING_VERSION);
            exit(0);
        case OPT_CORRUPT:
            cfg->corrupt_at =
                parse_count("--corrupt-for-testing", optarg, 0, UINT64_MAX - 1);
            break;
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            usage_error("unknown option '%s' (see ringbench --help)",
                        argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s' (see ringbench --help)",
                    argv[optind]);
    if (cfg->json && cfg->csv)
        usage_error("--json and --csv both write to stdout: choose one");

    if (quick) {
        if (!sizes_given) {
            cfg->sizes[0] = 64;
            cfg->sizes[1] = 4096;
            cfg->size_count = 2;
        }
        if (!reps_given)
            cfg->reps = 2;
        if (!duration_given)
            cfg->duration_s = 0.02;
    }
    if (cfg->size_count == 0) {
        cfg->sizes[0] = 64;
        cfg->sizes[1] = 4096;
        cfg->sizes[2] = 65536;
        cfg->size_count = 3;
    }
    qsort(cfg->sizes, (size_t)cfg->size_count, sizeof cfg->sizes[0],
          compare_size);
    if (cfg->transport_count == 0)
        for (int i = 0; i < bench_all_transport_count; i++)
            if (bench_all_transports[i]->default_on)
                cfg->transports[cfg->transport_count++] =
                    bench_all_transports[i];

    for (int t = 0; t < cfg->transport_count; t++)
        for (int s = 0; s < cfg->size_count; s++) {
            const struct bench_transport *tr = cfg->transports[t];
            char a[32], b[32];

            if (cfg->sizes[s] > tr->max_size(cfg->buffer))
                usage_error("--sizes: %s messages do not fit %s with "
                            "--buffer %s (raise --buffer)",
                            bench_format_size(a, sizeof a, cfg->sizes[s]),
                            tr->name,
                            bench_format_size(b, sizeof b, cfg->buffer));
        }

    if (cfg->svg_path && !cfg->throughput)
        usage_error("--svg charts throughput: it cannot go with --only "
                    "latency");
    if (cfg->svg_path) {
        cfg->svg = fopen(cfg->svg_path, "w");
        if (!cfg->svg)
            usage_error("--svg: cannot write '%s': %s", cfg->svg_path,
                        strerror(errno));
    }
}

/* ---------------------------------------------------------------------- */
/* Talking to the child.                                                   */

enum command_op { CMD_PROBE, CMD_RUN, CMD_QUIT };

struct command {
    int op;
    int phase; /* enum bench_phase, for CMD_RUN */
    uint64_t count;
    uint64_t seed_out, seed_in;
    uint64_t corrupt_at;
    int rounds; /* CMD_PROBE */
};

enum reply_kind { REPLY_READY, REPLY_DONE };

struct reply {
    int kind;
    int rc;
    uint64_t t_end_ns;
    char detail[160];
};

static int send_msg(int ctl, const void *msg, size_t len)
{
    ssize_t n = send(ctl, msg, len, MSG_NOSIGNAL);

    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

/* Waits up to timeout_ms (-1: for ever) for one message of exactly len
   bytes. */
static int recv_msg(int ctl, void *msg, size_t len, int timeout_ms)
{
    struct pollfd pfd = {.fd = ctl, .events = POLLIN};
    ssize_t n;
    int ready;

    do
        ready = poll(&pfd, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
        return -errno;
    if (ready == 0)
        return -ETIMEDOUT;
    do
        n = recv(ctl, msg, len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    return (size_t)n == len ? 0 : -EPROTO;
}

/* ---------------------------------------------------------------------- */
/* The child.                                                              */

static int pin_to(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) ? -errno : 0;
}

static int poll_yields(const struct bench_config *cfg)
{
    return !cfg->pin || cfg->cpu[0] == cfg->cpu[1];
}

/*
 * Receives the channels the parent made (the ring through ring_recv_fd
 * and ring_attach only), then obeys commands until told to quit. After a
 * failure it reports and exits: closing its ends is what frees a parent
 * blocked in write() or spinning on a ring.
 */
static void child_main(int ctl, pid_t parent, const struct bench_config *cfg,
                       const struct bench_transport *t, size_t size,
                       struct bench_probe_line *probe)
{
    struct bench_endpoint in, out;
    struct reply reply;
    struct command cmd;
    int rc;

    /* Never outlive the parent, even if it is killed. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
        _exit(BENCH_EXIT_FAILED);
    signal(SIGALRM, SIG_DFL);
    if (cfg->pin)
        pin_to(cfg->cpu[1]);

    bench_endpoint_init(&in, ctl, poll_yields(cfg));
    bench_endpoint_init(&out, ctl, poll_yields(cfg));
    rc = bench_endpoint_buffer(&in, size);
    if (rc == 0)
        rc = t->join(&in, BENCH_RECEIVER, ctl, cfg, size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(&out, size);
        if (rc == 0)
            rc = t->join(&out, BENCH_SENDER, ctl, cfg, size);
    }
    memset(&reply, 0, sizeof reply);
    reply.kind = REPLY_DONE;
    reply.rc = rc;
    if (send_msg(ctl, &reply, sizeof reply) || rc)
        _exit(BENCH_EXIT_FAILED);

    while (recv_msg(ctl, &cmd, sizeof cmd, -1) == 0 && cmd.op != CMD_QUIT) {
        struct bench_outcome outcome = {0};

        memset(&reply, 0, sizeof reply);
        if (cmd.op == CMD_PROBE) {
            rc = bench_probe_answer(probe, cmd.rounds, ctl);
        } else {
            struct bench_job job = {
                .count = cmd.count,
                .size = size,
                .seed_out = cmd.seed_out,
                .seed_in = cmd.seed_in,
                .corrupt_at = cmd.corrupt_at,
            };

            reply.kind = REPLY_READY;
            if (send_msg(ctl, &reply, sizeof reply))
                break;
            rc = t->run((enum bench_phase)cmd.phase, &out, &in, &job, &outcome);
        }
        reply.kind = REPLY_DONE;
        reply.rc = rc;
        reply.t_end_ns = outcome.t_end_ns;
        memcpy(reply.detail, outcome.detail, sizeof reply.detail);
        if (send_msg(ctl, &reply, sizeof reply) || rc)
            _exit(BENCH_EXIT_FAILED);
    }
    t->close(&in);
    t->close(&out);
    bench_endpoint_release(&in);
    bench_endpoint_release(&out);
    close(ctl);
    _exit(0);
}

/* ---------------------------------------------------------------------- */
/* One case: one transport at one size.                                    */

struct bench_case {
    const struct bench_config *cfg;
    const struct bench_transport *t;
    size_t size;
    char size_text[32];
    int index, total; /* for progress and seeds */
    int ctl;
    struct bench_endpoint out, in; /* the parent's ends */
    struct bench_probe_line *probe;
    int probe_on;
    uint64_t salt;           /* differs from run to run */
    struct bench_hist *hist; /* one repetition's round trips */
    struct bench_hist *all;  /* all repetitions' */
};

static void progress(const struct bench_case *c, const char *what, int rep)
{
    if (c->cfg->quiet)
        return;
    if (!isatty(STDERR_FILENO)) {
        if (rep == 0 && strcmp(what, "setup") == 0)
            fprintf(stderr, "ringbench: [%d/%d] %s, %s\n", c->index + 1,
                    c->total, c->t->name, c->size_text);
        return;
    }
    fprintf(stderr, "\r\033[K[%2d/%d] %-11s %8s  %s", c->index + 1, c->total,
            c->t->name, c->size_text, what);
    if (rep > 0)
        fprintf(stderr, " %d/%d", rep, c->cfg->reps);
    fflush(stderr);
    progress_shown = 1;
}

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A fresh pattern for every stream: run number, direction and case. */
static uint64_t seed_for(const struct bench_case *c, unsigned run,
                         unsigned stream)
{
    return mix64(c->salt ^ ((uint64_t)c->index << 40) ^ ((uint64_t)run << 8) ^
                 stream);
}

static const char *phase_name(enum bench_phase phase)
{
    return phase == BENCH_PRODUCE || phase == BENCH_CONSUME ? "throughput"
                                                            : "latency";
}

/*
 * A phase failed on our side with rc. The child may know better (it found
 * bad data and stopped, which is why we could not go on): ask it first.
 */
static void phase_failed(struct bench_case *c, enum bench_phase phase, int rc,
                         const struct bench_outcome *ours)
{
    struct reply reply;
    int status;

    if (rc == -EBADMSG)
        fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
             phase_name(phase), ours->detail);
    if (recv_msg(c->ctl, &reply, sizeof reply, 2000) == 0 && reply.rc) {
        if (reply.rc == -EBADMSG)
            fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
                 phase_name(phase), reply.detail);
        fail(BENCH_EXIT_FAILED, "%s, %s, %s: the other process failed: %s",
             c->t->name, c->size_text, phase_name(phase), strerror(-reply.rc));
    }
    if (child_pid > 0 && waitpid(child_pid, &status, WNOHANG) == child_pid) {
        child_pid = -1;
        if (WIFSIGNALED(status))
            fail(BENCH_EXIT_FAILED,
                 "%s, %s, %s: the other process died "
                 "(%s)",
                 c->t->name, c->size_text, phase_name(phase),
                 strsignal(WTERMSIG(status)));
    }
    fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
         phase_name(phase), strerror(-rc));
}

/* Arms the watchdog for a phase expected to take about expect_s. */
static void watchdog_arm(const struct bench_case *c, double expect_s)
{
    unsigned seconds = 30 + (unsigned)(10 * expect_s);

    snprintf(watchdog_line, sizeof watchdog_line,
             "ringbench: %s, %s: no progress for %u s, stopped\n", c->t->name,
             c->size_text, seconds);
    alarm(seconds);
}

/*
 * Runs one phase pair: the child takes the receiving side (consume or
 * pong), we take the other. Returns the nanoseconds it took: for
 * throughput from our first message to the child's check of the last
 * byte, for latency our own time.
 */
static uint64_t run_phase(struct bench_case *c, int latency, uint64_t count,
                          unsigned run, double expect_s)
{
    enum bench_phase mine = latency ? BENCH_PING : BENCH_PRODUCE;
    struct command cmd = {
        .op = CMD_RUN,
        .phase = latency ? BENCH_PONG : BENCH_CONSUME,
        .count = count,
        .seed_out = seed_for(c, run, 1),
        .seed_in = seed_for(c, run, 0),
        .corrupt_at = c->cfg->corrupt_at,
    };
    struct bench_job job = {
        .count = count,
        .size = c->size,
        .seed_out = cmd.seed_in,
        .seed_in = cmd.seed_out,
        .corrupt_at = c->cfg->corrupt_at,
        .hist = c->hist,
    };
    struct bench_outcome outcome = {0};
    struct reply reply;
    uint64_t t0;
    int rc;

    memset(c->hist, 0, sizeof *c->hist);
    rc = send_msg(c->ctl, &cmd, sizeof cmd);
    if (rc == 0)
        rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
    if (rc == 0 && reply.kind != REPLY_READY)
        rc = reply.rc ? reply.rc : -EPROTO;
    if (rc)
        phase_failed(c, mine, rc, &outcome);

    watchdog_arm(c, expect_s);
    t0 = bench_now_ns();
    rc = c->t->run(mine, &c->out, &c->in, &job, &outcome);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    uint64_t t_end = bench_now_ns();
    rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
    alarm(0);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    if (reply.rc == -EBADMSG)
        fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
             phase_name(mine), reply.detail);
    if (reply.rc)
        fail(BENCH_EXIT_FAILED, "%s, %s, %s: the other process failed: %s",
             c->t->name, c->size_text, phase_name(mine), strerror(-reply.rc));
    if (!latency)
        t_end = reply.t_end_ns;
    return t_end > t0 ? t_end - t0 : 1;
}

/*
 * Warms the transport up and learns how long one message (or round
 * trip) takes: runs of growing length until one lasts an eighth of
 * --duration. Returns nanoseconds per message.
 */
static double calibrate(struct bench_case *c, int latency)
{
    double target = c->cfg->duration_s * 1e9 / 8, elapsed;
    uint64_t count = 16;

    if (target < 1e6)
        target = 1e6;
    for (unsigned run = 1000;; run++) {
        elapsed = (double)run_phase(c, latency, count, run, 1);
        if (elapsed >= target || run >= 1012)
            break;
        double grow = 1.5 * target / elapsed;
        count = (uint64_t)((double)count * (grow < 2    ? 2
                                            : grow > 64 ? 64
                                                        : grow));
    }
    return elapsed / (double)count;
}

static uint64_t count_for(const struct bench_case *c, int latency,
                          double ns_each)
{
    double n = c->cfg->duration_s * 1e9 / ns_each;

    if (latency && c->cfg->round_trips)
        return c->cfg->round_trips;
    if (!latency && c->cfg->volume)
        return (c->cfg->volume + c->size - 1) / c->size;
    return n < 1 ? 1 : (uint64_t)n;
}

/* The parent's part of a case; the child is running child_main(). */
static void measure(struct bench_case *c, struct bench_result *res)
{
    const struct bench_config *cfg = c->cfg;
    double mb[64], p50[64];
    uint64_t count_tput = 0, count_rtt = 0;
    double ns_tput = 0, ns_rtt = 0;

    if (cfg->throughput) {
        progress(c, "warming up", 0);
        ns_tput = calibrate(c, 0);
        count_tput = count_for(c, 0, ns_tput);
    }
    if (cfg->latency) {
        progress(c, "warming up", 0);
        ns_rtt = calibrate(c, 1);
        count_rtt = count_for(c, 1, ns_rtt);
    }
    memset(c->all, 0, sizeof *c->all);
    for (int rep = 0; rep < cfg->reps; rep++) {
        if (c->probe_on) {
            struct command cmd = {.op = CMD_PROBE,
                                  .rounds = BENCH_PROBE_ROUNDS};
            struct reply reply;
            double ns;
            int rc;

            progress(c, "cache line", rep + 1);
            bench_probe_reset(c->probe);
            rc = send_msg(c->ctl, &cmd, sizeof cmd);
            if (rc)
                fail(BENCH_EXIT_FAILED,
                     "%s, %s: the other process is "
                     "gone: %s",
                     c->t->name, c->size_text, strerror(-rc));
            watchdog_arm(c, 1);
            ns = bench_probe_measure(c->probe, cmd.rounds, c->ctl);
            rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
            alarm(0);
            if (ns < 0 || rc || reply.rc)
                fail(BENCH_EXIT_FAILED,
                     "%s, %s: the cache-line probe "
                     "failed: %s",
                     c->t->name, c->size_text,
                     strerror(ns < 0 ? (int)-ns
                              : rc   ? -rc
                                     : -reply.rc));
            res->line_ns[res->line_count++] = ns;
        }
        if (cfg->throughput) {
            progress(c, "throughput", rep + 1);
            uint64_t ns = run_phase(c, 0, count_tput, (unsigned)rep,
                                    ns_tput * (double)count_tput / 1e9);
            mb[rep] = (double)count_tput * (double)c->size * 1e3 / (double)ns;
        }
        if (cfg->latency) {
            progress(c, "latency", rep + 1);
            run_phase(c, 1, count_rtt, 100 + (unsigned)rep,
                      ns_rtt * (double)count_rtt / 1e9);
            p50[rep] = bench_hist_quantile(c->hist, 0.5);
            bench_hist_merge(c->all, c->hist);
        }
    }

    res->has_throughput = cfg->throughput;
    res->has_latency = cfg->latency;
    if (cfg->throughput) {
        res->mb_per_s = bench_median(mb, cfg->reps);
        res->mb_per_s_min = bench_min(mb, cfg->reps);
        res->mb_per_s_max = bench_max(mb, cfg->reps);
        res->msgs_per_s = res->mb_per_s * 1e6 / (double)c->size;
    }
    if (cfg->latency) {
        res->rtt_p50_ns = bench_hist_quantile(c->all, 0.5);
        res->rtt_p99_ns = bench_hist_quantile(c->all, 0.99);
        res->rtt_p999_ns = bench_hist_quantile(c->all, 0.999);
        res->rtt_p50_min_ns = bench_min(p50, cfg->reps);
        res->rtt_p50_max_ns = bench_max(p50, cfg->reps);
        res->round_trips = c->all->count;
    }
    if (res->line_count)
        res->line_median_ns = bench_median(res->line_ns, res->line_count);
}

static void run_case(struct bench_case *c, struct bench_result *res)
{
    const struct bench_config *cfg = c->cfg;
    struct command quit = {.op = CMD_QUIT};
    struct reply reply;
    int sv[2], rc, status;
    pid_t parent = getpid();

    memset(res, 0, sizeof *res);
    res->transport = c->t;
    res->size = c->size;
    progress(c, "setup", 0);

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
        fail(BENCH_EXIT_FAILED, "socketpair: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    /* Fork first, make the channels after: the child can only get them
       through the socket. */
    child_pid = fork();
    if (child_pid < 0)
        fail(BENCH_EXIT_FAILED, "fork: %s", strerror(errno));
    if (child_pid == 0) {
        close(sv[0]);
        child_main(sv[1], parent, cfg, c->t, c->size, c->probe);
    }
    close(sv[1]);
    c->ctl = sv[0];

    bench_endpoint_init(&c->out, c->ctl, poll_yields(cfg));
    bench_endpoint_init(&c->in, c->ctl, poll_yields(cfg));
    rc = bench_endpoint_buffer(&c->out, c->size);
    if (rc == 0)
        rc = c->t->create(&c->out, BENCH_SENDER, c->ctl, cfg, c->size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(&c->in, c->size);
        if (rc == 0)
            rc = c->t->create(&c->in, BENCH_RECEIVER, c->ctl, cfg, c->size);
    }
    if (rc == 0)
        rc = recv_msg(c->ctl, &reply, sizeof reply, 30000);
    if (rc == 0 && reply.rc)
        rc = reply.rc;
    if (rc)
        fail(BENCH_EXIT_FAILED, "%s, %s: setting up the transport failed: %s",
             c->t->name, c->size_text, strerror(-rc));
    measure(c, res);

    if (send_msg(c->ctl, &quit, sizeof quit) == 0 &&
        waitpid(child_pid, &status, 0) == child_pid) {
        child_pid = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail(BENCH_EXIT_FAILED, "%s, %s: the other process ended badly",
                 c->t->name, c->size_text);
    }
    stop_child();
    c->t->close(&c->out);
    c->t->close(&c->in);
    bench_endpoint_release(&c->out);
    bench_endpoint_release(&c->in);
    close(c->ctl);
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct bench_config cfg;
    struct bench_machine machine;
    struct bench_report report = {0};
    struct bench_case c = {0};
    struct sigaction alarm_action = {.sa_handler = watchdog_fired};
    uint64_t started;
    int n = 0;

    parse_options(&cfg, argc, argv);
    bench_machine_read(&machine, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    sigaction(SIGALRM, &alarm_action, NULL);
    if (cfg.pin) {
        int rc = pin_to(cfg.cpu[0]);
        if (rc)
            fail(BENCH_EXIT_FAILED, "cannot run on CPU %d: %s", cfg.cpu[0],
                 strerror(-rc));
    }

    report.cfg = &cfg;
    report.machine = &machine;
    report.count = cfg.size_count * cfg.transport_count;
    report.ring_capacity = bench_ring_capacity_for(cfg.buffer);
    report.results = calloc((size_t)report.count, sizeof *report.results);
    c.cfg = &cfg;
    c.total = report.count;
    c.probe = bench_probe_map();
    c.hist = malloc(sizeof *c.hist);
    c.all = malloc(sizeof *c.all);
    if (!report.results || !c.probe || !c.hist || !c.all)
        fail(BENCH_EXIT_FAILED, "out of memory");
    c.probe_on =
        cfg.pin ? cfg.cpu[0] != cfg.cpu[1] : sysconf(_SC_NPROCESSORS_ONLN) > 1;
    c.salt = mix64(bench_now_ns() ^ (uint64_t)getpid() << 32);

    started = bench_now_ns();
    for (int s = 0; s < cfg.size_count; s++) {
        for (int t = 0; t < cfg.transport_count; t++, n++) {
            c.t = cfg.transports[t];
            c.size = cfg.sizes[s];
            c.index = n;
            bench_format_size(c.size_text, sizeof c.size_text, c.size);
            run_case(&c, &report.results[n]);
        }
    }
    report.elapsed_s = (double)(bench_now_ns() - started) / 1e9;
    clear_progress();

    bench_classify(&report);
    if (cfg.json)
        bench_print_json(stdout, &report);
    else if (cfg.csv)
        bench_print_csv(stdout, &report);
    else
        bench_print_table(stdout, &report);
    if (cfg.svg) {
        bench_print_svg(cfg.svg, &report);
        if (fclose(cfg.svg))
            fail(BENCH_EXIT_FAILED, "--svg: writing '%s' failed: %s",
                 cfg.svg_path, strerror(errno));
    }
    if (!cfg.quiet)
        fprintf(stderr, "ringbench: %d cases in %.1f s\n", report.count,
                report.elapsed_s);

    bench_probe_unmap(c.probe);
    free(c.hist);
    free(c.all);
    free(report.results);
    free(machine.command);
    if (fflush(stdout) || ferror(stdout))
        fail(BENCH_EXIT_FAILED, "writing the output failed");
    return 0;
}
