// SPDX-License-Identifier: MIT
/*
 * bench_output.c: what ringbench shows: the aligned table, JSON, CSV and
 * the SVG chart (written by hand: no dependency).
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <string.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

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

/* ---------------------------------------------------------------------- */
/* Ratios and states.                                                      */

static const struct bench_result *pipe_at(const struct bench_report *rep,
                                          size_t size)
{
    for (int i = 0; i < rep->count; i++)
        if (rep->results[i].transport == &bench_pipe &&
            rep->results[i].size == size)
            return &rep->results[i];
    return NULL;
}

void bench_classify(struct bench_report *rep)
{
    double lowest = 0;

    for (int i = 0; i < rep->count; i++)
        for (int j = 0; j < rep->results[i].line_count; j++)
            if (lowest == 0 || rep->results[i].line_ns[j] < lowest)
                lowest = rep->results[i].line_ns[j];
    rep->line_lowest_ns = lowest;
    rep->near_ns = rep->cfg->near_ns > 0 ? rep->cfg->near_ns : 2 * lowest;

    for (int i = 0; i < rep->count; i++) {
        struct bench_result *r = &rep->results[i];
        const struct bench_result *p = pipe_at(rep, r->size);
        int near = 0;

        if (p && r->has_throughput && p->mb_per_s > 0)
            r->throughput_vs_pipe = r->mb_per_s / p->mb_per_s;
        if (p && r->has_latency && r->rtt_p50_ns > 0)
            r->rtt_vs_pipe = p->rtt_p50_ns / r->rtt_p50_ns;
        for (int j = 0; j < r->line_count; j++)
            near += r->line_ns[j] <= rep->near_ns;
        r->state = r->line_count == 0      ? "-"
                   : near == r->line_count ? "near"
                   : near == 0             ? "far"
                                           : "mixed";
    }
}

/* ---------------------------------------------------------------------- */
/* The table.                                                              */

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

static const char *ratio(char *buf, size_t len, double v)
{
    if (v <= 0)
        snprintf(buf, len, "-");
    else if (v >= 100)
        snprintf(buf, len, "%.0fx", v);
    else if (v >= 10)
        snprintf(buf, len, "%.1fx", v);
    else
        snprintf(buf, len, "%.2fx", v);
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

static const char *waits_name(const struct bench_transport *t)
{
    return t->spins == BENCH_WAITS_RING   ? "spin-then-sleep"
           : t->spins == BENCH_WAITS_SPIN ? "spin"
                                          : "sleep";
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

static void print_header(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    const struct bench_machine *m = rep->machine;
    char a[32];

    fprintf(out,
            "ringbench %s: the ring against a pipe, a UNIX socket, a file "
            "in /dev/shm\nand vmsplice, between two processes\n\n",
            RING_VERSION);
    fprintf(out, "  machine    %s, %d CPUs, %s\n", m->cpu_model, m->cpus,
            m->kernel_short);
    fprintf(out, "  date       %s\n", m->date);
    if (cfg->pin && cfg->cpu[0] != cfg->cpu[1])
        fprintf(out, "  placement  producer on CPU %d, consumer on CPU %d\n",
                cfg->cpu[0], cfg->cpu[1]);
    else if (cfg->pin)
        fprintf(out,
                "  placement  producer and consumer share CPU %d: the "
                "spinners yield to each other\n",
                cfg->cpu[0]);
    else
        fprintf(out, "  placement  left to the scheduler\n");
    fprintf(out, "  buffers    ring %s",
            bench_format_size(a, sizeof a, rep->ring_capacity));
    if (uses(rep, &bench_pipe) || uses(rep, &bench_vmsplice))
        fprintf(out, ", pipe %s",
                bench_format_size(a, sizeof a, bench_granted_pipe));
    if (uses(rep, &bench_unix))
        fprintf(out, ", socket %s",
                bench_format_size(a, sizeof a, bench_granted_socket));
    if (uses(rep, &bench_shmfile))
        fprintf(out, ", /dev/shm file %s",
                bench_format_size(a, sizeof a, rep->ring_capacity));
    fputs("\n  waiting    ring_wait_* (adaptive spin, then a futex): ", out);
    list_transports(out, rep, BENCH_WAITS_RING);
    fputs("\n             spin (pause, then sched_yield): ", out);
    list_transports(out, rep, BENCH_WAITS_SPIN);
    fputs("\n             sleep in the kernel: ", out);
    list_transports(out, rep, BENCH_WAITS_SLEEP);
    fputs("\n             for latency the rings and shmfile busy-poll, the "
          "others block in read()\n",
          out);
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
          "             arrival, for every transport alike\n",
          out);
    if (cfg->corrupt_at != BENCH_NO_CORRUPTION)
        fputs("  TESTING    --corrupt-for-testing is on: these are not "
              "measurements\n",
              out);
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

#define ROW "%-6s %-11s %7s %8s %7s %6s  %6s %6s %6s %6s  %5s %s\n"

static void print_rows(FILE *out, const struct bench_report *rep)
{
    fputs("                   ", out);
    banner(out, 31, "throughput");
    fputs("  ", out);
    banner(out, 27, "round trip, us");
    fputs("  cache line\n", out);
    fprintf(out, ROW, "size", "transport", "MB/s", "spread", "msg/s", "x pipe",
            "p50", "p99", "p99.9", "x pipe", "ns", "");
    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];
        int first = i == 0 || rep->results[i - 1].size != r->size;
        char size[32] = "", mb[32] = "-", sp[32] = "-", msgs[32] = "-",
             tr[32] = "-", p50[32] = "-", p99[32] = "-", p999[32] = "-",
             lr[32] = "-", line[32] = "-";

        if (first && i > 0)
            fputc('\n', out);
        if (first)
            bench_format_size(size, sizeof size, r->size);
        if (r->has_throughput) {
            num(mb, sizeof mb, r->mb_per_s);
            spread(sp, sizeof sp, r->mb_per_s_min, r->mb_per_s,
                   r->mb_per_s_max);
            count_short(msgs, sizeof msgs, r->msgs_per_s);
            ratio(tr, sizeof tr, r->throughput_vs_pipe);
        }
        if (r->has_latency) {
            num(p50, sizeof p50, r->rtt_p50_ns / 1e3);
            num(p99, sizeof p99, r->rtt_p99_ns / 1e3);
            num(p999, sizeof p999, r->rtt_p999_ns / 1e3);
            ratio(lr, sizeof lr, r->rtt_vs_pipe);
        }
        if (r->line_count)
            snprintf(line, sizeof line, "%.0f", r->line_median_ns);
        fprintf(out, ROW, size, r->transport->name, mb, sp, msgs, tr, p50, p99,
                p999, lr, line, r->line_count ? r->state : "");
    }
}

static void print_notes(FILE *out, const struct bench_report *rep)
{
    fputs("\n  x pipe     times better than the pipe at the same size: MB/s "
          "over the pipe's,\n"
          "             the pipe's p50 over this p50\n",
          out);
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

void bench_print_table(FILE *out, const struct bench_report *rep)
{
    print_header(out, rep);
    print_rows(out, rep);
    print_notes(out, rep);
}

/* ---------------------------------------------------------------------- */
/* JSON and CSV.                                                           */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Whole numbers in full, others to about six significant digits. */
static void print_number(FILE *out, double v)
{
    if (v == trunc(v) && fabs(v) < 1e15)
        fprintf(out, "%.0f", v);
    else if (fabs(v) >= 1e5)
        fprintf(out, "%.1f", v);
    else
        fprintf(out, "%.6g", v);
}

/* A number, or null when there is none (not measured, no pipe). */
static void json_number(FILE *out, double v, int present)
{
    if (present && isfinite(v))
        print_number(out, v);
    else
        fputs("null", out);
}

static void json_names(FILE *out, const struct bench_report *rep, int spins)
{
    int any = 0;

    fputc('[', out);
    for (int t = 0; t < rep->cfg->transport_count; t++)
        if (rep->cfg->transports[t]->spins == spins) {
            fputs(any ? ", " : "", out);
            json_string(out, rep->cfg->transports[t]->name);
            any = 1;
        }
    fputc(']', out);
}

void bench_print_json(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    const struct bench_machine *m = rep->machine;

    fprintf(out, "{\n  \"ringbench_version\": ");
    json_string(out, RING_VERSION);
    fputs(",\n  \"machine\": {\"cpu_model\": ", out);
    json_string(out, m->cpu_model);
    fprintf(out, ", \"cores\": %d, \"kernel\": ", m->cpus);
    json_string(out, m->kernel);
    fputs(", \"date\": ", out);
    json_string(out, m->date);
    fputs(", \"command_line\": ", out);
    json_string(out, m->command ? m->command : "");
    fputs("},\n  \"config\": {\"sizes\": [", out);
    for (int i = 0; i < cfg->size_count; i++)
        fprintf(out, "%s%zu", i ? ", " : "", cfg->sizes[i]);
    fputs("], \"transports\": [", out);
    for (int i = 0; i < cfg->transport_count; i++) {
        fputs(i ? ", " : "", out);
        json_string(out, cfg->transports[i]->name);
    }
    fprintf(out, "], \"reps\": %d, \"duration_s\": ", cfg->reps);
    json_number(out, cfg->duration_s, !cfg->volume || !cfg->round_trips);
    fputs(", \"volume\": ", out);
    json_number(out, (double)cfg->volume, cfg->volume != 0);
    fputs(", \"round_trips\": ", out);
    json_number(out, (double)cfg->round_trips, cfg->round_trips != 0);
    fprintf(out,
            ",\n             \"buffer\": %zu, \"ring_capacity\": %zu, "
            "\"pipe_buffer\": ",
            cfg->buffer, rep->ring_capacity);
    json_number(out, (double)bench_granted_pipe, bench_granted_pipe != 0);
    fputs(", \"socket_buffer\": ", out);
    json_number(out, (double)bench_granted_socket, bench_granted_socket != 0);
    fputs(", \"cpus\": ", out);
    if (cfg->pin)
        fprintf(out, "[%d, %d]", cfg->cpu[0], cfg->cpu[1]);
    else
        fputs("null", out);
    fputs(",\n             \"spin_then_sleep\": ", out);
    json_names(out, rep, BENCH_WAITS_RING);
    fputs(", \"spinning\": ", out);
    json_names(out, rep, BENCH_WAITS_SPIN);
    fputs(", \"sleeping\": ", out);
    json_names(out, rep, BENCH_WAITS_SLEEP);
    fputs(", \"near_ns\": ", out);
    json_number(out, rep->near_ns, rep->near_ns > 0);
    fputs(", \"lowest_cacheline_rtt_ns\": ", out);
    json_number(out, rep->line_lowest_ns, rep->line_lowest_ns > 0);
    fputs(", \"corrupt_for_testing\": ", out);
    json_number(out, (double)cfg->corrupt_at,
                cfg->corrupt_at != BENCH_NO_CORRUPTION);
    fputs("},\n  \"results\": [", out);

    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];
        int t = r->has_throughput, l = r->has_latency;

        fputs(i ? ",\n    {" : "\n    {", out);
        fputs("\"transport\": ", out);
        json_string(out, r->transport->name);
        fprintf(out, ", \"size\": %zu, \"waits\": \"%s\",\n     ", r->size,
                waits_name(r->transport));
        fputs("\"mb_per_s\": ", out);
        json_number(out, r->mb_per_s, t);
        fputs(", \"mb_per_s_min\": ", out);
        json_number(out, r->mb_per_s_min, t);
        fputs(", \"mb_per_s_max\": ", out);
        json_number(out, r->mb_per_s_max, t);
        fputs(", \"msgs_per_s\": ", out);
        json_number(out, r->msgs_per_s, t);
        fputs(", \"throughput_vs_pipe\": ", out);
        json_number(out, r->throughput_vs_pipe, r->throughput_vs_pipe > 0);
        fputs(",\n     \"rtt_p50_ns\": ", out);
        json_number(out, r->rtt_p50_ns, l);
        fputs(", \"rtt_p99_ns\": ", out);
        json_number(out, r->rtt_p99_ns, l);
        fputs(", \"rtt_p999_ns\": ", out);
        json_number(out, r->rtt_p999_ns, l);
        fputs(", \"rtt_p50_min_ns\": ", out);
        json_number(out, r->rtt_p50_min_ns, l);
        fputs(", \"rtt_p50_max_ns\": ", out);
        json_number(out, r->rtt_p50_max_ns, l);
        fputs(", \"round_trips\": ", out);
        json_number(out, (double)r->round_trips, l);
        fputs(", \"rtt_vs_pipe\": ", out);
        json_number(out, r->rtt_vs_pipe, r->rtt_vs_pipe > 0);
        fputs(",\n     \"cacheline_rtt_ns\": ", out);
        json_number(out, r->line_median_ns, r->line_count > 0);
        fputs(",\n     \"mb_per_s_each\": [", out);
        for (int j = 0; t && j < rep->cfg->reps; j++) {
            fputs(j ? ", " : "", out);
            print_number(out, r->mb_each[j]);
        }
        fputs("], \"rtt_p50_ns_each\": [", out);
        for (int j = 0; l && j < rep->cfg->reps; j++) {
            fputs(j ? ", " : "", out);
            print_number(out, r->p50_each[j]);
        }
        fputs("],\n     \"cacheline_rtt_ns_each\": [", out);
        for (int j = 0; j < r->line_count; j++)
            fprintf(out, "%s%.1f", j ? ", " : "", r->line_ns[j]);
        fputs("], \"state\": ", out);
        if (r->line_count)
            json_string(out, r->state);
        else
            fputs("null", out);
        fputc('}', out);
    }
    fprintf(out, "\n  ],\n  \"elapsed_s\": %.3f\n}\n", rep->elapsed_s);
}

static void csv_number(FILE *out, double v, int present)
{
    fputc(',', out);
    if (present && isfinite(v))
        print_number(out, v);
}

void bench_print_csv(FILE *out, const struct bench_report *rep)
{
    fputs("transport,size,waits,mb_per_s,mb_per_s_min,mb_per_s_max,"
          "msgs_per_s,throughput_vs_pipe,rtt_p50_ns,rtt_p99_ns,rtt_p999_ns,"
          "rtt_p50_min_ns,rtt_p50_max_ns,round_trips,rtt_vs_pipe,"
          "cacheline_rtt_ns,state\n",
          out);
    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];
        int t = r->has_throughput, l = r->has_latency;

        fprintf(out, "%s,%zu,%s", r->transport->name, r->size,
                waits_name(r->transport));
        csv_number(out, r->mb_per_s, t);
        csv_number(out, r->mb_per_s_min, t);
        csv_number(out, r->mb_per_s_max, t);
        csv_number(out, r->msgs_per_s, t);
        csv_number(out, r->throughput_vs_pipe, r->throughput_vs_pipe > 0);
        csv_number(out, r->rtt_p50_ns, l);
        csv_number(out, r->rtt_p99_ns, l);
        csv_number(out, r->rtt_p999_ns, l);
        csv_number(out, r->rtt_p50_min_ns, l);
        csv_number(out, r->rtt_p50_max_ns, l);
        csv_number(out, (double)r->round_trips, l);
        csv_number(out, r->rtt_vs_pipe, r->rtt_vs_pipe > 0);
        csv_number(out, r->line_median_ns, r->line_count > 0);
        fprintf(out, ",%s\n", r->line_count ? r->state : "");
    }
}

/* ---------------------------------------------------------------------- */
/* The chart.                                                              */

/* One colour per transport, ring ones warm, peers cool. */
static const char *colour_of(const struct bench_transport *t)
{
    static const char *const colours[] = {
        "#d62728", "#ff7f0e", "#8c564b", "#e377c2",
        "#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f",
    };

    for (int i = 0; i < bench_all_transport_count && i < 8; i++)
        if (bench_all_transports[i] == t)
            return colours[i];
    return "#000000";
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if (*s == '&')
            fputs("&amp;", out);
        else
            fputc(*s, out);
    }
}

#define SVG_W      860
#define SVG_H      540
#define SVG_LEFT   90
#define SVG_RIGHT  (SVG_W - 170)
#define SVG_TOP    70
#define SVG_BOTTOM (SVG_H - 70)

struct svg_scale {
    double x_lo, x_hi; /* log2 of sizes */
    double y_lo, y_hi; /* log10 of MB/s, whole decades */
};

static double svg_x(const struct svg_scale *s, double size)
{
    return SVG_LEFT + (log2(size) - s->x_lo) / (s->x_hi - s->x_lo) *
                          (SVG_RIGHT - SVG_LEFT);
}

static double svg_y(const struct svg_scale *s, double mb)
{
    return SVG_BOTTOM -
           (log10(mb) - s->y_lo) / (s->y_hi - s->y_lo) * (SVG_BOTTOM - SVG_TOP);
}

static void svg_axes(FILE *out, const struct bench_report *rep,
                     const struct svg_scale *s)
{
    char label[32];

    for (int d = (int)s->y_lo; d <= (int)s->y_hi; d++) {
        for (int k = 1; k <= 9 && (k == 1 || d < (int)s->y_hi); k++) {
            double v = k * pow(10, d), y = svg_y(s, v);

            if (k != 1 && k != 2 && k != 5)
                continue;
            fprintf(out,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                    "stroke=\"%s\"/>\n",
                    SVG_LEFT, y, SVG_RIGHT, y, k == 1 ? "#cccccc" : "#eeeeee");
            if (k == 1)
                fprintf(out,
                        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                        "%.0f</text>\n",
                        SVG_LEFT - 8, y + 4, v);
        }
    }
    for (int i = 0; i < rep->cfg->size_count; i++) {
        double x = svg_x(s, (double)rep->cfg->sizes[i]);

        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                "stroke=\"#eeeeee\"/>\n",
                x, SVG_TOP, x, SVG_BOTTOM);
        fprintf(out,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                "</text>\n",
                x, SVG_BOTTOM + 20,
                bench_format_size(label, sizeof label, rep->cfg->sizes[i]));
    }
    fprintf(out,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"none\" stroke=\"#888888\"/>\n",
            SVG_LEFT, SVG_TOP, SVG_RIGHT - SVG_LEFT, SVG_BOTTOM - SVG_TOP);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">message size "
            "(log scale)</text>\n",
            (SVG_LEFT + SVG_RIGHT) / 2, SVG_BOTTOM + 45);
    fprintf(out,
            "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 20 %d)\">throughput, MB/s (10^6 "
            "bytes/s, log scale)</text>\n",
            (SVG_TOP + SVG_BOTTOM) / 2, (SVG_TOP + SVG_BOTTOM) / 2);
}

void bench_print_svg(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    struct svg_scale s;
    double lo = 0, hi = 0;

    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];

        if (!r->has_throughput || r->mb_per_s_min <= 0)
            continue;
        if (lo == 0 || r->mb_per_s_min < lo)
            lo = r->mb_per_s_min;
        if (r->mb_per_s_max > hi)
            hi = r->mb_per_s_max;
    }
    if (lo <= 0)
        lo = hi = 1;
    s.x_lo = log2((double)cfg->sizes[0]);
    s.x_hi = log2((double)cfg->sizes[cfg->size_count - 1]);
    if (s.x_hi - s.x_lo < 1) {
        s.x_lo -= 1;
        s.x_hi += 1;
    }
    s.y_lo = floor(log10(lo));
    s.y_hi = ceil(log10(hi));
    if (s.y_hi <= s.y_lo)
        s.y_hi = s.y_lo + 1;

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fprintf(out,
            "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">"
            "ringbench: throughput against message size</text>\n",
            SVG_LEFT);
    fprintf(out, "<text x=\"%d\" y=\"48\" fill=\"#555555\">", SVG_LEFT);
    xml_text(out, rep->machine->cpu_model);
    if (cfg->pin && cfg->cpu[0] != cfg->cpu[1])
        fprintf(out, ", CPUs %d and %d", cfg->cpu[0], cfg->cpu[1]);
    fprintf(out, ", %s; median of %d, bars: min..max</text>\n",
            rep->machine->date, cfg->reps);
    svg_axes(out, rep, &s);

    for (int t = 0; t < cfg->transport_count; t++) {
        const struct bench_transport *tr = cfg->transports[t];
        const char *colour = colour_of(tr);
        int ly = SVG_TOP + 10 + 22 * t;

        fprintf(out,
                "<g stroke=\"%s\" fill=\"%s\">\n<polyline fill=\"none\" "
                "stroke-width=\"2\" points=\"",
                colour, colour);
        for (int i = 0; i < rep->count; i++) {
            const struct bench_result *r = &rep->results[i];

            if (r->transport == tr && r->mb_per_s > 0)
                fprintf(out, "%.1f,%.1f ", svg_x(&s, (double)r->size),
                        svg_y(&s, r->mb_per_s));
        }
        fputs("\"/>\n", out);
        for (int i = 0; i < rep->count; i++) {
            const struct bench_result *r = &rep->results[i];
            double x = svg_x(&s, (double)r->size);

            if (r->transport != tr || r->mb_per_s <= 0)
                continue;
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>\n", x,
                    svg_y(&s, r->mb_per_s));
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                    x, svg_y(&s, r->mb_per_s_min), x,
                    svg_y(&s, r->mb_per_s_max));
        }
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                "stroke-width=\"2\"/>\n"
                "<text x=\"%d\" y=\"%d\" stroke=\"none\" fill=\"#000000\">",
                SVG_RIGHT + 15, ly, SVG_RIGHT + 40, ly, SVG_RIGHT + 48, ly + 4);
        xml_text(out, tr->name);
        fputs("</text>\n</g>\n", out);
    }
    fputs("</svg>\n", out);
}
