// SPDX-License-Identifier: MIT
/*
 * measure.c: what a case measures and what the figures rest on. A warm-up
 * learns how long a message (or round trip) takes, so that each
 * repetition lasts about --duration; each repetition is preceded by a
 * cache-line probe; the figures are the median of the repetitions with
 * their spread, and the percentiles come from all repetitions' round
 * trips where there are enough of them (kit/stats.h).
 */
#include "ringbench.h"

#include <string.h>

/* Run numbers, so that no two runs of a case share a pattern: data left
   over from one run never passes the check of the next. */
#define RUN_TPUT        0    /* + repetition */
#define RUN_RTT         100  /* + repetition (at most 64) */
#define RUN_WARM_TPUT   1000 /* + warm-up run */
#define RUN_WARM_RTT    2000
#define WARM_RUNS_LIMIT 12

/* How one kind of measurement (throughput or latency) goes. */
struct plan {
    int latency;
    uint64_t count; /* messages (round trips) per repetition */
    double ns_each; /* the fastest seen in the warm-up */
    double limit_s; /* a repetition stops early past this; 0 = never */
};

/*
 * Warms the transport up and learns how long one message (or round
 * trip) takes: runs of growing length until one lasts an eighth of
 * --duration. Returns the fastest nanoseconds per message seen: a run in
 * which another program took the CPU for a while is slower, never
 * faster, and must not shrink the repetitions to a handful of messages.
 */
static double calibrate(struct bench_case *c, int latency)
{
    double target = c->cfg->duration_s * 1e9 / 8, best = 0;
    unsigned first = latency ? RUN_WARM_RTT : RUN_WARM_TPUT;
    uint64_t count = 16;

    if (target < 1e6)
        target = 1e6;
    for (unsigned run = first;; run++) {
        struct bench_phase_run got;

        bench_run_phase(c, latency, count, run, c->cfg->duration_s, 1, &got);
        double elapsed = (double)got.ns, each = elapsed / (double)got.done;

        if (best == 0 || each < best)
            best = each;
        if (elapsed >= target || run >= first + WARM_RUNS_LIMIT)
            break;
        double grow = 1.5 * target / elapsed;
        count = (uint64_t)((double)count * (grow < 2    ? 2
                                            : grow > 64 ? 64
                                                        : grow));
    }
    return best;
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

/*
 * A repetition may last three times --duration: the warm-up can be
 * luckier than the run (another program took the CPUs since), and a
 * repetition of hours helps nobody. An explicit --volume or --round-trips
 * is done in full.
 */
static double limit_for(const struct bench_case *c, int latency)
{
    if (c->cfg->stop_early)
        return 1e-9;
    if ((latency && c->cfg->round_trips) || (!latency && c->cfg->volume))
        return 0;
    return 3 * c->cfg->duration_s;
}

static struct plan plan_for(struct bench_case *c, int latency)
{
    struct plan p = {.latency = latency};

    bench_progress(c, "warming up", 0);
    p.ns_each = calibrate(c, latency);
    p.count = count_for(c, latency, p.ns_each);
    p.limit_s = limit_for(c, latency);
    return p;
}

static void run_repetition(struct bench_case *c, const struct plan *p, int rep,
                           struct bench_phase_run *got)
{
    unsigned run = (p->latency ? RUN_RTT : RUN_TPUT) + (unsigned)rep;

    bench_progress(c, p->latency ? "latency" : "throughput", rep + 1);
    bench_run_phase(c, p->latency, p->count, run, p->limit_s,
                    p->ns_each * (double)p->count / 1e9, got);
}

static void throughput_repetition(struct bench_case *c, const struct plan *p,
                                  int rep, struct bench_result *res)
{
    struct bench_phase_run got;

    run_repetition(c, p, rep, &got);
    res->mb_each[rep] =
        (double)got.done * (double)c->size * 1e3 / (double)got.ns;
    res->messages += got.done;
    res->throughput_early += got.stopped_early;
}

static void latency_repetition(struct bench_case *c, const struct plan *p,
                               int rep, struct bench_result *res, double *cpu_s)
{
    struct bench_percentile *p50 = &res->p50_each[rep];
    struct bench_phase_run got;

    run_repetition(c, p, rep, &got);
    p50->present = kit_hist_percentile(c->hist, 0.5, &p50->ns) == 0;
    kit_hist_merge(c->all, c->hist);
    res->latency_early += got.stopped_early;
    *cpu_s += got.cpu_s;
}

/* The median of a result's per-repetition figures, which stay in order. */
static double median_of(const double *v, int n)
{
    double sorted[BENCH_MAX_REPS];

    memcpy(sorted, v, (size_t)n * sizeof *v);
    return kit_median(sorted, (size_t)n);
}

static void summarise_throughput(struct bench_result *res, int reps)
{
    res->has_throughput = 1;
    res->mb_per_s = median_of(res->mb_each, reps);
    res->mb_per_s_min = kit_min(res->mb_each, (size_t)reps);
    res->mb_per_s_max = kit_max(res->mb_each, (size_t)reps);
    res->msgs_per_s = res->mb_per_s * 1e6 / (double)res->size;
}

static void percentile(const struct kit_hist *h, double q,
                       struct bench_percentile *p)
{
    p->present = kit_hist_percentile(h, q, &p->ns) == 0;
}

static void summarise_latency(const struct bench_case *c,
                              struct bench_result *res, int reps, double cpu_s)
{
    res->has_latency = 1;
    percentile(c->all, 0.5, &res->rtt_p50);
    percentile(c->all, 0.99, &res->rtt_p99);
    percentile(c->all, 0.999, &res->rtt_p999);
    res->round_trips = c->all->count;
    res->cpu_us_per_rt = cpu_s * 1e6 / (double)res->round_trips;
    for (int i = 0; i < reps; i++) {
        const struct bench_percentile *p50 = &res->p50_each[i];

        if (!p50->present)
            continue;
        if (!res->rtt_spread_present || p50->ns < res->rtt_p50_min_ns)
            res->rtt_p50_min_ns = p50->ns;
        if (!res->rtt_spread_present || p50->ns > res->rtt_p50_max_ns)
            res->rtt_p50_max_ns = p50->ns;
        res->rtt_spread_present = 1;
    }
}

void bench_measure(struct bench_case *c, struct bench_result *res)
{
    const struct bench_config *cfg = c->cfg;
    struct plan tput = {0}, rtt = {0};
    double cpu_s = 0;

    if (cfg->throughput)
        tput = plan_for(c, 0);
    if (cfg->latency)
        rtt = plan_for(c, 1);
    kit_hist_clear(c->all);
    for (int rep = 0; rep < cfg->reps; rep++) {
        if (c->probe_on) {
            bench_progress(c, "cache line", rep + 1);
            res->line_ns[res->line_count++] = bench_probe_once(c);
        }
        if (cfg->throughput)
            throughput_repetition(c, &tput, rep, res);
        if (cfg->latency)
            latency_repetition(c, &rtt, rep, res, &cpu_s);
    }
    if (cfg->throughput)
        summarise_throughput(res, cfg->reps);
    if (cfg->latency)
        summarise_latency(c, res, cfg->reps, cpu_s);
    if (res->line_count)
        res->line_median_ns = median_of(res->line_ns, res->line_count);
}
