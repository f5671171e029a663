// SPDX-License-Identifier: MIT
/* table.c: the aligned table ringbench prints by default: a header that
   says how the run was made, one row per transport and size, the notes,
   and the targets. */
#define _GNU_SOURCE
#include "ringbench.h"

#include <string.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

/* Three significant digits or so, never wider than the column. */
static const char *num(char *buf, size_t len, double v)
{
    if (v >= 100)
        snprintf(buf, len, "%.0f", v);
    else if (v >= 10)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.2f", v);
    return buf;
}

static const char *count_short(char *buf, size_t len, double v)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.1fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
    return buf;
}

/* A ratio as num() writes it, with an x; "-" when there is none. */
static const char *ratio(char *buf, size_t len, double v)
{
    char digits[24];

    if (v <= 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%sx", num(digits, sizeof digits, v));
    return buf;
}

static const char *spread(char *buf, size_t len, double lo, double mid,
                          double hi)
{
    if (mid <= 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    snprintf(buf, len, "-%.0f/+%.0f%%", 100 * (1 - lo / mid),
             100 * (hi / mid - 1));
    return buf;
}

static void list_transports(FILE *out, const struct bench_report *rep,
                            int spins)
{
    int any = 0;

    for (int t = 0; t < rep->cfg->transport_count; t++)
        if (rep->cfg->transports[t]->spins == spins) {
            fprintf(out, "%s%s", any ? ", " : "",
                    rep->cfg->transports[t]->name);
            any = 1;
        }
    if (!any)
        fputs("none here", out);
}

static int uses(const struct bench_report *rep, const struct bench_transport *t)
{
    for (int i = 0; i < rep->cfg->transport_count; i++)
        if (rep->cfg->transports[i] == t)
            return 1;
    return 0;
}

static void header_where(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    const struct bench_machine *m = rep->machine;

    fprintf(out, "  machine    %s, %d CPUs, %s\n", m->cpu_model, m->cpus,
            m->kernel_short);
    fprintf(out, "  date       %s\n", m->date);
    if (cfg->cpus.pin && cfg->cpus.cpu[0] != cfg->cpus.cpu[1])
        fprintf(
            out, "  placement  producer on CPU %d, consumer on CPU %d (%s)\n",
            cfg->cpus.cpu[0], cfg->cpus.cpu[1], kit_cpus_relation(&cfg->cpus));
    else if (cfg->cpus.pin)
        fprintf(out,
                "  placement  producer and consumer share CPU %d: the "
                "spinners yield to each other\n",
                cfg->cpus.cpu[0]);
    else
        fprintf(out, "  placement  left to the scheduler\n");
}

static void header_buffers(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    char a[32];

    fprintf(out, "  buffers    ring %s",
            bench_format_size(a, sizeof a, cfg->ring_capacity));
    if (uses(rep, &bench_pipe) || uses(rep, &bench_vmsplice))
        fprintf(out, ", pipe %s",
                bench_format_size(a, sizeof a, bench_granted_pipe));
    if (uses(rep, &bench_unix))
        fprintf(out, ", socket %s",
                bench_format_size(a, sizeof a, bench_granted_socket));
    if (uses(rep, &bench_shmfile))
        fprintf(out, ", /dev/shm file %s",
                bench_format_size(a, sizeof a, cfg->ring_capacity));
    fputc('\n', out);
}

static void header_waiting(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    char a[32];

    fputs("  waiting    ring_wait_* (adaptive spin, then a futex): ", out);
    list_transports(out, rep, BENCH_WAITS_RING);
    fputs("\n             spin (pause, then sched_yield): ", out);
    list_transports(out, rep, BENCH_WAITS_SPIN);
    fputs("\n             sleep in the kernel: ", out);
    list_transports(out, rep, BENCH_WAITS_SLEEP);
    fputs("\n             for latency the rings and shmfile busy-poll (but "
          "ring-wait and\n"
          "             ring-sleep wait in ring_wait_readable), the others "
          "block in read()\n",
          out);
    if (uses(rep, &bench_ring_wait) && cfg->spin_ns >= 0)
        fprintf(out, "             ring-wait spins %ld ns before it sleeps\n",
                cfg->spin_ns);
    if (cfg->peer_work_ns)
        fprintf(out,
                "  peer work  the answering side works %s us before each "
                "answer\n",
                num(a, sizeof a, (double)cfg->peer_work_ns / 1e3));
}

static void header_figures(FILE *out, const struct bench_config *cfg)
{
    char a[32];

    fprintf(out, "  figures    median of %d repetitions", cfg->reps);
    if (cfg->volume)
        fprintf(out, ", %s each for throughput",
                bench_format_size(a, sizeof a, cfg->volume));
    if (cfg->round_trips)
        fprintf(out, ", %llu round trips each for latency",
                (unsigned long long)cfg->round_trips);
    if (!cfg->volume || !cfg->round_trips)
        fprintf(out, ", %s s each", num(a, sizeof a, cfg->duration_s));
    fputs(" (spread: min and max);\n"
          "             MB = 10^6 bytes; every byte is made of a pattern "
          "and checked on\n"
          "             arrival, for every transport alike; a percentile "
          "only with ten\n"
          "             samples beyond it (p99: 1000 round trips, p99.9: "
          "10000), else -\n",
          out);
    if (cfg->corrupt_at != BENCH_NO_CORRUPTION)
        fputs("  TESTING    --corrupt-for-testing is on: these are not "
              "measurements\n",
              out);
}

static void print_header(FILE *out, const struct bench_report *rep)
{
    fprintf(out,
            "ringbench %s: the ring against a pipe, a UNIX socket, a file "
            "in /dev/shm\nand vmsplice, between two processes\n\n",
            RING_VERSION);
    header_where(out, rep);
    header_buffers(out, rep);
    header_waiting(out, rep);
    header_figures(out, rep->cfg);
    fputc('\n', out);
}

/* "--- label ---" across width columns. */
static void banner(FILE *out, int width, const char *label)
{
    int len = (int)strlen(label) + 2, left = (width - len) / 2;

    for (int i = 0; i < width; i++)
        fputc(i == left                        ? ' '
              : i == left + len - 1            ? ' '
              : i > left && i < left + len - 1 ? label[i - left - 1]
                                               : '-',
              out);
}

#define ROW "%-6s %-12s %7s %8s %7s %6s  %6s %6s %6s %6s %6s  %5s %s\n"

static const char *percentile_us(char *buf, size_t len,
                                 const struct bench_percentile *p)
{
    if (!p->present)
        return "-";
    return num(buf, len, p->ns / 1e3);
}

static void print_row(FILE *out, const struct bench_result *r, int first)
{
    char size[32] = "", name[32], mb[32] = "-", sp[32] = "-", msgs[32] = "-",
         tr[32] = "-", p50[32] = "-", p99[32] = "-", p999[32] = "-",
         lr[32] = "-", cpu[32] = "-", line[32] = "-";
    const char *p50_text = "-", *p99_text = "-", *p999_text = "-";

    if (first)
        bench_format_size(size, sizeof size, r->size);
    snprintf(name, sizeof name, "%s%s", r->transport->name,
             bench_stopped_early(r) ? "*" : "");
    if (r->has_throughput) {
        num(mb, sizeof mb, r->mb_per_s);
        spread(sp, sizeof sp, r->mb_per_s_min, r->mb_per_s, r->mb_per_s_max);
        count_short(msgs, sizeof msgs, r->msgs_per_s);
        ratio(tr, sizeof tr, r->throughput_vs_pipe);
    }
    if (r->has_latency) {
        p50_text = percentile_us(p50, sizeof p50, &r->rtt_p50);
        p99_text = percentile_us(p99, sizeof p99, &r->rtt_p99);
        p999_text = percentile_us(p999, sizeof p999, &r->rtt_p999);
        ratio(lr, sizeof lr, r->rtt_vs_pipe);
        num(cpu, sizeof cpu, r->cpu_us_per_rt);
    }
    if (r->line_count)
        snprintf(line, sizeof line, "%.0f", r->line_median_ns);
    fprintf(out, ROW, size, name, mb, sp, msgs, tr, p50_text, p99_text,
            p999_text, lr, cpu, line, r->line_count ? r->state : "");
}

static void print_rows(FILE *out, const struct bench_report *rep)
{
    fputs("                    ", out);
    banner(out, 31, "throughput");
    fputs("  ", out);
    banner(out, 34, "round trip, us");
    fputs("  cache line\n", out);
    fprintf(out, ROW, "size", "transport", "MB/s", "spread", "msg/s", "x pipe",
            "p50", "p99", "p99.9", "x pipe", "cpu", "ns", "");
    for (int i = 0; i < rep->count; i++) {
        int first = i == 0 || rep->results[i - 1].size != rep->results[i].size;

        if (first && i > 0)
            fputc('\n', out);
        print_row(out, &rep->results[i], first);
    }
}

static void print_notes(FILE *out, const struct bench_report *rep)
{
    fputs("\n  x pipe     times better than the pipe at the same size: MB/s "
          "over the pipe's,\n"
          "             the pipe's p50 over this p50\n"
          "  cpu        CPU time of both processes per round trip, us\n",
          out);
    for (int i = 0; i < rep->count; i++)
        if (bench_stopped_early(&rep->results[i])) {
            fputs("  *          a repetition stopped early (three times "
                  "--duration): its\n"
                  "             figures count what it did\n",
                  out);
            break;
        }
    if (rep->line_lowest_ns > 0) {
        fprintf(out,
                "  cache line one cache line bounced between the two CPUs "
                "before each repetition\n"
                "             (median): near = up to %.0f ns",
                rep->near_ns);
        if (rep->cfg->near_ns > 0)
            fputs(" (--near-ns);", out);
        else
            fprintf(out, " (twice this run's lowest, %.0f ns);",
                    rep->line_lowest_ns);
        fputs("\n             far = slower: the host has moved the vCPUs "
              "apart and cross-core\n"
              "             figures suffer; compare rows in the same state "
              "(mixed: it changed\n"
              "             between repetitions)\n",
              out);
    }
    fputs("  transports", out);
    for (int t = 0; t < rep->cfg->transport_count; t++)
        fprintf(out, "%s%-11s %s\n", t ? "             " : " ",
                rep->cfg->transports[t]->name, rep->cfg->transports[t]->calls);
    fprintf(out, "  run time   %.1f s\n", rep->elapsed_s);
}

/* The project's targets, in the form of bench/ratios.py. */
static void print_targets(FILE *out, const struct bench_report *rep)
{
    for (int i = 0; i < rep->target_count; i++) {
        const struct bench_target *t = &rep->targets[i];

        fprintf(out, "%s%-38s ", i ? "             " : "  targets    ",
                t->label);
        if (t->ratio <= 0)
            fprintf(out, "   n/a (>= %g)  MISS: %s\n", t->goal, t->why_not);
        else if (bench_target_passes(t))
            fprintf(out, "%6.2fx (>= %g)  pass\n", t->ratio, t->goal);
        else
            fprintf(out, "%6.2fx (>= %g)  MISS by %.0f%%\n", t->ratio, t->goal,
                    (t->goal - t->ratio) / t->goal * 100);
    }
}

void bench_print_table(FILE *out, const struct bench_report *rep)
{
    print_header(out, rep);
    print_rows(out, rep);
    print_notes(out, rep);
    print_targets(out, rep);
}
