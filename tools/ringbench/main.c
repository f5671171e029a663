// SPDX-License-Identifier: MIT
/*
 * ringbench: the ring against a pipe, a UNIX socket, a file in /dev/shm
 * and vmsplice, between two processes, at a few message sizes:
 * throughput, round-trip latency and its CPU cost, and the state of the
 * two CPUs.
 *
 * Each case (one transport, one size) runs in a child of its own (case.c);
 * every byte is made of a position-dependent pattern and checked where it
 * arrives, so a transport that loses, duplicates, reorders or corrupts
 * data fails the run instead of giving a figure. The run itself must
 * leave nothing behind: a descriptor or a mapping more at the end than at
 * the start fails it too.
 */
#define _GNU_SOURCE
#include "kit/census.h"
#include "kit/clock.h"
#include "kit/pattern.h"
#include "ringbench.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const struct bench_transport *const bench_all_transports[] = {
    &bench_ring_copy, &bench_ring_zc,    &bench_ring_msg, &bench_ring_msg_zc,
    &bench_ring_wait, &bench_ring_sleep, &bench_pipe,     &bench_unix,
    &bench_shmfile,   &bench_vmsplice,
};
const int bench_all_transport_count =
    (int)(sizeof bench_all_transports / sizeof bench_all_transports[0]);

/* The chart being written, removed if the run fails. */
static const char *svg_pending;

void bench_fail(int status, const char *fmt, ...)
{
    va_list ap;

    bench_clear_progress();
    fputs("ringbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    bench_stop_child();
    if (svg_pending)
        unlink(svg_pending);
    exit(status);
}

/* What every case shares: the pages both processes map, the histograms. */
static void case_setup(struct bench_case *c, const struct bench_config *cfg,
                       int total)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->total = total;
    c->probe = bench_probe_map();
    c->stop = mmap(NULL, sizeof *c->stop, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c->hist = malloc(sizeof *c->hist);
    c->all = malloc(sizeof *c->all);
    if (!c->probe || c->stop == MAP_FAILED || !c->hist || !c->all)
        bench_fail(BENCH_EXIT_FAILED, "out of memory");
    c->probe_on = cfg->cpus.pin ? cfg->cpus.cpu[0] != cfg->cpus.cpu[1]
                                : sysconf(_SC_NPROCESSORS_ONLN) > 1;
    c->salt = kit_pattern_key(kit_now_ns() ^ (uint64_t)getpid() << 32);
}

static void case_teardown(struct bench_case *c)
{
    bench_probe_unmap(c->probe);
    munmap(c->stop, sizeof *c->stop);
    free(c->hist);
    free(c->all);
}

/* Every size, every transport: the cases in the order of the table. */
static void run_all(struct bench_report *report)
{
    const struct bench_config *cfg = report->cfg;
    struct bench_case c;
    uint64_t started = kit_now_ns();
    int n = 0;

    case_setup(&c, cfg, report->count);
    for (int s = 0; s < cfg->size_count; s++) {
        for (int t = 0; t < cfg->transport_count; t++, n++) {
            c.t = cfg->transports[t];
            c.size = cfg->sizes[s];
            c.index = n;
            bench_format_size(c.size_text, sizeof c.size_text, c.size);
            bench_run_case(&c, &report->results[n]);
        }
    }
    report->elapsed_s = (double)(kit_now_ns() - started) / 1e9;
    case_teardown(&c);
    bench_clear_progress();
}

static void print_outputs(const struct bench_config *cfg,
                          const struct bench_report *report)
{
    if (cfg->json)
        bench_print_json(stdout, report);
    else if (cfg->csv)
        bench_print_csv(stdout, report);
    else
        bench_print_table(stdout, report);
    if (cfg->svg) {
        bench_print_svg(cfg->svg, report);
        if (fclose(cfg->svg))
            bench_fail(BENCH_EXIT_FAILED, "--svg: writing '%s' failed: %s",
                       cfg->svg_path, strerror(errno));
        svg_pending = NULL;
    }
    if (!cfg->quiet)
        fprintf(stderr, "ringbench: %d cases in %.1f s\n", report->count,
                report->elapsed_s);
}

static void take_census(struct kit_census *c)
{
    int rc = kit_census_take(c);

    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "cannot read /proc/self: %s",
                   strerror(-rc));
}

int main(int argc, char **argv)
{
    struct bench_config cfg;
    struct bench_machine machine;
    struct bench_report report = {0};
    struct kit_census before, after;
    char left[256];

    bench_parse_options(&cfg, argc, argv);
    svg_pending = cfg.svg_path;
    bench_machine_read(&machine, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    bench_watchdog_install();
    if (cfg.cpus.pin) {
        int rc = kit_pin_self(cfg.cpus.cpu[0]);
        if (rc)
            bench_fail(BENCH_EXIT_FAILED, "cannot run on CPU %d: %s",
                       cfg.cpus.cpu[0], strerror(-rc));
    }

    report.cfg = &cfg;
    report.machine = &machine;
    report.count = cfg.size_count * cfg.transport_count;
    report.results = calloc((size_t)report.count, sizeof *report.results);
    if (!report.results)
        bench_fail(BENCH_EXIT_FAILED, "out of memory");
    take_census(&before);
    run_all(&report);
    take_census(&after);
    if (kit_census_differs(&before, &after, left, sizeof left))
        bench_fail(BENCH_EXIT_FAILED, "the run left something behind: %s",
                   left);

    bench_classify(&report);
    print_outputs(&cfg, &report);
    free(report.results);
    free(machine.command);
    if (fflush(stdout) || ferror(stdout))
        bench_fail(BENCH_EXIT_FAILED, "writing the output failed");
    return 0;
}
