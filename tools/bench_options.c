// SPDX-License-Identifier: MIT
/*
 * bench_options.c: ringbench's command line. Every mistake gets one line
 * on stderr saying what was wrong, and exit status 2.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

#define usage_error(...) bench_fail(BENCH_EXIT_USAGE, __VA_ARGS__)

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
        "  --transports LIST   comma-separated, or 'all' [all below but "
        "ring-msg-zc]\n"
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
        "Testing aids (they prove the tool works; never for measuring):\n"
        "  --corrupt-for-testing BYTE\n"
        "                      flip one bit of byte BYTE of every stream "
        "sent; the\n"
        "                      run must then fail\n"
        "  --stop-early-for-testing\n"
        "                      every run stops after its first message, "
        "as a run\n"
        "                      past its deadline does\n"
        "\n"
        "Transports:\n",
        bench_format_size(buffer, sizeof buffer, 1 << 20));
    for (int i = 0; i < bench_all_transport_count; i++) {
        const struct bench_transport *t = bench_all_transports[i];

        printf("  %-12s %s\n", t->name, t->calls);
    }
    printf("\n"
           "ring-* wait with ring_wait_* (an adaptive spin, then a "
           "futex); shmfile\n"
           "spins (pause, then sched_yield); pipe, unix and vmsplice sleep "
           "in the\n"
           "kernel. For latency the rings and shmfile busy-poll, the others "
           "block in\n"
           "read().\n"
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
    if (errno || !(v >= 0.001 && v <= 3600))
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

/* Calls take() on each item of a comma-separated list; the list itself
   (argv, shown again in the JSON) stays as it was. */
static void for_each_item(const char *opt, const char *list,
                          void (*take)(struct bench_config *, const char *),
                          struct bench_config *cfg)
{
    char item[64];

    if (list[0] == '\0')
        usage_error("%s: the list is empty", opt);
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");

        if (len == 0)
            usage_error("%s: empty item in '%s'", opt, list);
        if (len >= sizeof item)
            usage_error("%s: '%.*s' is too long", opt, (int)len, p);
        memcpy(item, p, len);
        item[len] = '\0';
        take(cfg, item);
        p += len;
        if (*p == '\0')
            break;
    }
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
    OPT_STOP_EARLY,
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
    {"stop-early-for-testing", no_argument, NULL, OPT_STOP_EARLY},
    {NULL, 0, NULL, 0},
};

void bench_parse_options(struct bench_config *cfg, int argc, char **argv)
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
        case OPT_STOP_EARLY:
            cfg->stop_early = 1;
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
