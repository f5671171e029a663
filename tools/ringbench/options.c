// SPDX-License-Identifier: MIT
/*
 * options.c: ringbench's command line. Every mistake gets one line on
 * stderr saying what was wrong, and exit status 2. Reading goes in steps:
 * the defaults, each option as it comes, what --quick and the defaults
 * fill in, then the checks that need the whole configuration.
 */
#define _GNU_SOURCE
#include "kit/parse.h"
#include "ringbench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

#define usage_error(...) bench_fail(BENCH_EXIT_USAGE, __VA_ARGS__)

/* Messages, buffers and volumes: 1 GiB at most. */
#define BENCH_SIZE_MAX (UINT64_C(1) << 30)

/* A whole number from lo to hi, or a usage error naming opt. */
static uint64_t parse_count(const char *opt, const char *s, uint64_t lo,
                            uint64_t hi)
{
    uint64_t v;

    if (kit_parse_u64(s, &v) || v < lo || v > hi)
        usage_error("%s: '%s' is not a whole number from %" PRIu64
                    " to %" PRIu64,
                    opt, s, lo, hi);
    return v;
}

/* A size from lo to hi bytes, or a usage error naming opt. */
static uint64_t parse_size(const char *opt, const char *s, uint64_t lo,
                           uint64_t hi)
{
    char a[32], b[32];
    uint64_t v;

    if (kit_parse_size(s, &v) || v < lo || v > hi)
        usage_error("%s: '%s' is not a size from %s to %s (bytes, with an "
                    "optional K, M or G suffix)",
                    opt, s, bench_format_size(a, sizeof a, lo),
                    bench_format_size(b, sizeof b, hi));
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

static void parse_cpus(struct bench_config *cfg, const char *s)
{
    if (kit_cpus_parse(&cfg->cpus, s))
        usage_error("--cpus: '%s' is not two CPU numbers A,B (or 'none')", s);
    for (int i = 0; cfg->cpus.pin && i < 2; i++)
        if (kit_cpu_allowed(cfg->cpus.cpu[i]) == 0)
            usage_error("--cpus: CPU %d is not one this process may run on",
                        cfg->cpus.cpu[i]);
}

static long parse_spin(const char *s)
{
    if (strcmp(s, "adaptive") == 0)
        return -1;
    return (long)parse_count("--spin-ns", s, 0, 1000000000);
}

static void parse_only(struct bench_config *cfg, const char *s)
{
    if (strcmp(s, "throughput") == 0)
        cfg->latency = 0, cfg->throughput = 1;
    else if (strcmp(s, "latency") == 0)
        cfg->throughput = 0, cfg->latency = 1;
    else
        usage_error("--only: '%s' is neither 'throughput' nor 'latency'", s);
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

static void take_size(struct bench_config *cfg, const char *item)
{
    uint64_t v = parse_size("--sizes", item, 1, BENCH_SIZE_MAX);

    for (int i = 0; i < cfg->size_count; i++)
        if (cfg->sizes[i] == v)
            return;
    if (cfg->size_count == BENCH_MAX_SIZES)
        usage_error("--sizes: more than %d sizes", BENCH_MAX_SIZES);
    cfg->sizes[cfg->size_count++] = (size_t)v;
}

static void add_transport(struct bench_config *cfg,
                          const struct bench_transport *t)
{
    for (int j = 0; j < cfg->transport_count; j++)
        if (cfg->transports[j] == t)
            return;
    cfg->transports[cfg->transport_count++] = t;
}

static void take_transport(struct bench_config *cfg, const char *item)
{
    char names[256] = "";

    for (int i = 0; i < bench_all_transport_count; i++)
        if (strcmp(item, "all") == 0 ||
            strcmp(item, bench_all_transports[i]->name) == 0)
            add_transport(cfg, bench_all_transports[i]);
    if (strcmp(item, "all") == 0)
        return;
    for (int i = 0; i < bench_all_transport_count; i++)
        if (strcmp(item, bench_all_transports[i]->name) == 0)
            return;
    for (int i = 0; i < bench_all_transport_count; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, bench_all_transports[i]->name);
    }
    usage_error("--transports: no transport '%s' (there are: %s, all)", item,
                names);
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
    OPT_SPIN_NS,
    OPT_PEER_WORK_NS,
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
    {"spin-ns", required_argument, NULL, OPT_SPIN_NS},
    {"peer-work-ns", required_argument, NULL, OPT_PEER_WORK_NS},
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

/* Which of the options that have defaults were given. */
struct given {
    int quick, sizes, reps, duration;
};

static void set_defaults(struct bench_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->reps = 5;
    cfg->duration_s = 0.2;
    cfg->buffer = 1 << 20;
    cfg->throughput = cfg->latency = 1;
    cfg->spin_ns = -1;
    cfg->corrupt_at = BENCH_NO_CORRUPTION;
    kit_cpus_default(&cfg->cpus);
}

/* One option of the measurement; 0 when opt is not one of them. */
static int take_measurement_option(struct bench_config *cfg, int opt,
                                   const char *arg, struct given *given)
{
    switch (opt) {
    case OPT_SIZES:
        cfg->size_count = 0;
        for_each_item("--sizes", arg, take_size, cfg);
        given->sizes = 1;
        return 1;
    case OPT_TRANSPORTS:
        cfg->transport_count = 0;
        for_each_item("--transports", arg, take_transport, cfg);
        return 1;
    case OPT_ONLY:
        parse_only(cfg, arg);
        return 1;
    case OPT_BUFFER:
        cfg->buffer = (size_t)parse_size("--buffer", arg, 4096, BENCH_SIZE_MAX);
        return 1;
    case OPT_REPS:
        cfg->reps = (int)parse_count("--reps", arg, 1, BENCH_MAX_REPS);
        given->reps = 1;
        return 1;
    case OPT_DURATION:
        cfg->duration_s = parse_duration(arg);
        given->duration = 1;
        return 1;
    case OPT_VOLUME:
        if (kit_parse_size(arg, &cfg->volume) || cfg->volume == 0)
            usage_error("--volume: '%s' is not a size in bytes (K, M and G "
                        "suffixes accepted)",
                        arg);
        return 1;
    case OPT_ROUND_TRIPS:
        cfg->round_trips =
            parse_count("--round-trips", arg, 1, UINT64_C(1) << 40);
        return 1;
    case OPT_QUICK:
        given->quick = 1;
        return 1;
    }
    return 0;
}

/* One option of placement, waiting, output or testing; 0 when opt is
   not one of them. */
static int take_other_option(struct bench_config *cfg, int opt, const char *arg)
{
    switch (opt) {
    case OPT_CPUS:
        parse_cpus(cfg, arg);
        return 1;
    case OPT_NEAR_NS:
        cfg->near_ns = (double)parse_count("--near-ns", arg, 1, 100000000);
        return 1;
    case OPT_SPIN_NS:
        cfg->spin_ns = parse_spin(arg);
        return 1;
    case OPT_PEER_WORK_NS:
        cfg->peer_work_ns = parse_count("--peer-work-ns", arg, 0, 1000000000);
        return 1;
    case OPT_JSON:
        cfg->json = 1;
        return 1;
    case OPT_CSV:
        cfg->csv = 1;
        return 1;
    case OPT_SVG:
        cfg->svg_path = arg;
        return 1;
    case OPT_QUIET:
        cfg->quiet = 1;
        return 1;
    case OPT_CORRUPT:
        cfg->corrupt_at =
            parse_count("--corrupt-for-testing", arg, 0, UINT64_MAX - 1);
        return 1;
    case OPT_STOP_EARLY:
        cfg->stop_early = 1;
        return 1;
    }
    return 0;
}

static void read_options(struct bench_config *cfg, int argc, char **argv,
                         struct given *given)
{
    int opt;

    opterr = 0; /* our own one-line messages */
    while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        if (take_measurement_option(cfg, opt, optarg, given) ||
            take_other_option(cfg, opt, optarg))
            continue;
        switch (opt) {
        case OPT_HELP:
            bench_print_help();
            exit(0);
        case OPT_VERSION:
            printf("ringbench %s\n", RING_VERSION);
            exit(0);
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
}

/* What --quick and the defaults fill in where no option said. */
static void fill_in(struct bench_config *cfg, const struct given *given)
{
    static const size_t quick_sizes[] = {64, 4096},
                        default_sizes[] = {64, 4096, 65536};
    const size_t *sizes = given->quick ? quick_sizes : default_sizes;

    if (!given->sizes) {
        cfg->size_count = given->quick ? 2 : 3;
        memcpy(cfg->sizes, sizes, (size_t)cfg->size_count * sizeof *sizes);
    }
    if (given->quick && !given->reps)
        cfg->reps = 2;
    if (given->quick && !given->duration)
        cfg->duration_s = 0.02;
    qsort(cfg->sizes, (size_t)cfg->size_count, sizeof cfg->sizes[0],
          compare_size);
    if (cfg->transport_count == 0)
        for (int i = 0; i < bench_all_transport_count; i++)
            if (bench_all_transports[i]->default_on)
                add_transport(cfg, bench_all_transports[i]);
}

/* What a ring of --buffer is: the library says, not a rule of ours. A
   ring that cannot be made fails the run before anything is measured. */
static void learn_ring(struct bench_config *cfg)
{
    struct ring r;
    char a[32];
    int rc = ring_create(&r, cfg->buffer, 0);

    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "--buffer %s: ring_create failed: %s",
                   bench_format_size(a, sizeof a, cfg->buffer), strerror(-rc));
    cfg->ring_capacity = ring_capacity(&r);
    cfg->ring_msg_max = ring_msg_max(&r);
    ring_close(&r);
}

static void check_sizes_fit(const struct bench_config *cfg)
{
    for (int t = 0; t < cfg->transport_count; t++)
        for (int s = 0; s < cfg->size_count; s++) {
            const struct bench_transport *tr = cfg->transports[t];
            char a[32], b[32];

            if (cfg->sizes[s] > tr->max_size(cfg))
                usage_error("--sizes: %s messages do not fit %s with "
                            "--buffer %s (raise --buffer)",
                            bench_format_size(a, sizeof a, cfg->sizes[s]),
                            tr->name,
                            bench_format_size(b, sizeof b, cfg->buffer));
        }
}

static void check_outputs(struct bench_config *cfg)
{
    if (cfg->json && cfg->csv)
        usage_error("--json and --csv both write to stdout: choose one");
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

void bench_parse_options(struct bench_config *cfg, int argc, char **argv)
{
    struct given given = {0};

    set_defaults(cfg);
    read_options(cfg, argc, argv, &given);
    fill_in(cfg, &given);
    learn_ring(cfg);
    check_sizes_fit(cfg);
    check_outputs(cfg); /* last: it creates the chart's file */
}
