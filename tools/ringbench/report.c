// SPDX-License-Identifier: MIT
/*
 * report.c: what the outputs share: the ratios against the pipe of the
 * same run, near and far, the project's targets checked on the run, and
 * how sizes and numbers are written.
 */
#include "ringbench.h"

#include <math.h>
#include <stdio.h>

const char *bench_format_size(char *buf, size_t len, uint64_t bytes)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB"};
    double v = (double)bytes;
    int u = 0;

    while (v >= 1024 && u < 3 && bytes % 1024 == 0) {
        v /= 1024;
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, "%.0f %s", v, unit[u]);
    return buf;
}

void bench_print_number(FILE *out, double v)
{
    if (v == trunc(v) && fabs(v) < 1e15)
        fprintf(out, "%.0f", v);
    else if (fabs(v) >= 1e5)
        fprintf(out, "%.1f", v);
    else
        fprintf(out, "%.6g", v);
}

const char *bench_waits_name(const struct bench_transport *t)
{
    return t->spins == BENCH_WAITS_RING   ? "spin-then-sleep"
           : t->spins == BENCH_WAITS_SPIN ? "spin"
                                          : "sleep";
}

int bench_stopped_early(const struct bench_result *r)
{
    return r->throughput_early + r->latency_early > 0;
}

int bench_target_passes(const struct bench_target *t)
{
    return t->ratio > 0 && t->ratio >= t->goal;
}

static const struct bench_result *result_at(const struct bench_report *rep,
                                            const struct bench_transport *t,
                                            size_t size)
{
    for (int i = 0; i < rep->count; i++)
        if (rep->results[i].transport == t && rep->results[i].size == size)
            return &rep->results[i];
    return NULL;
}

/* The lowest cache-line round trip of the run, and the threshold. */
static void find_near(struct bench_report *rep)
{
    double lowest = 0;

    for (int i = 0; i < rep->count; i++)
        for (int j = 0; j < rep->results[i].line_count; j++)
            if (lowest == 0 || rep->results[i].line_ns[j] < lowest)
                lowest = rep->results[i].line_ns[j];
    rep->line_lowest_ns = lowest;
    rep->near_ns = rep->cfg->near_ns > 0 ? rep->cfg->near_ns : 2 * lowest;
}

static const char *state_of(const struct bench_result *r, double near_ns)
{
    int near = 0;

    for (int j = 0; j < r->line_count; j++)
        near += r->line_ns[j] <= near_ns;
    return r->line_count == 0      ? "-"
           : near == r->line_count ? "near"
           : near == 0             ? "far"
                                   : "mixed";
}

/* The ratios against the pipe at the same size, where there is one. */
static void against_pipe(const struct bench_report *rep, struct bench_result *r)
{
    const struct bench_result *p = result_at(rep, &bench_pipe, r->size);

    if (p && r->has_throughput && p->mb_per_s > 0)
        r->throughput_vs_pipe = r->mb_per_s / p->mb_per_s;
    if (p && r->has_latency && r->rtt_p50.present && p->rtt_p50.present)
        r->rtt_vs_pipe = p->rtt_p50.ns / r->rtt_p50.ns;
}

/* Issue 9's target between processes: 64-byte ring_write/ring_read moves
   at least 30 times the pipe's messages per second. */
static void check_targets(struct bench_report *rep)
{
    const struct bench_result *ring = result_at(rep, &bench_ring_copy, 64);
    struct bench_target *t = &rep->targets[rep->target_count++];

    t->label = "ring-copy 64 B vs pipe, messages/s";
    t->goal = 30;
    if (!ring || !ring->has_throughput)
        t->why_not = "needs ring-copy and pipe throughput at 64 B";
    else if (ring->throughput_vs_pipe <= 0)
        t->why_not = "needs the pipe at 64 B";
    else
        t->ratio = ring->throughput_vs_pipe;
}

void bench_classify(struct bench_report *rep)
{
    find_near(rep);
    for (int i = 0; i < rep->count; i++) {
        struct bench_result *r = &rep->results[i];

        against_pipe(rep, r);
        r->state = state_of(r, rep->near_ns);
    }
    check_targets(rep);
}
