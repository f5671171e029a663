// SPDX-License-Identifier: MIT
/*
 * json.c: the run as one JSON object, or as CSV rows. Every figure the
 * table shows is here, with what it rests on: how many repetitions,
 * messages and round trips, and whether a repetition stopped early. What
 * was not measured, or rests on too few samples, is null.
 */
#include "ringbench.h"

#include <math.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

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

/* A number, or null when there is none (not measured, no pipe). */
static void json_number(FILE *out, double v, int present)
{
    if (present && isfinite(v))
        bench_print_number(out, v);
    else
        fputs("null", out);
}

/* ", "name": value" */
static void json_field(FILE *out, const char *name, double v, int present)
{
    fprintf(out, ", \"%s\": ", name);
    json_number(out, v, present);
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

static void json_machine(FILE *out, const struct bench_machine *m)
{
    fputs(",\n  \"machine\": {\"cpu_model\": ", out);
    json_string(out, m->cpu_model);
    fprintf(out, ", \"cores\": %d, \"kernel\": ", m->cpus);
    json_string(out, m->kernel);
    fputs(", \"date\": ", out);
    json_string(out, m->date);
    fputs(", \"command_line\": ", out);
    json_string(out, m->command ? m->command : "");
    fputc('}', out);
}

static void json_config(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;

    fputs(",\n  \"config\": {\"sizes\": [", out);
    for (int i = 0; i < cfg->size_count; i++)
        fprintf(out, "%s%zu", i ? ", " : "", cfg->sizes[i]);
    fputs("], \"transports\": [", out);
    for (int i = 0; i < cfg->transport_count; i++) {
        fputs(i ? ", " : "", out);
        json_string(out, cfg->transports[i]->name);
    }
    fprintf(out, "], \"reps\": %d", cfg->reps);
    json_field(out, "duration_s", cfg->duration_s,
               !cfg->volume || !cfg->round_trips);
    json_field(out, "volume", (double)cfg->volume, cfg->volume != 0);
    json_field(out, "round_trips", (double)cfg->round_trips,
               cfg->round_trips != 0);
    fprintf(out,
            ",\n             \"buffer\": %zu, \"ring_capacity\": %zu, "
            "\"ring_msg_max\": %zu",
            cfg->buffer, cfg->ring_capacity, cfg->ring_msg_max);
    json_field(out, "pipe_buffer", (double)bench_granted_pipe,
               bench_granted_pipe != 0);
    json_field(out, "socket_buffer", (double)bench_granted_socket,
               bench_granted_socket != 0);
    fputs(", \"cpus\": ", out);
    if (cfg->cpus.pin)
        fprintf(out, "[%d, %d]", cfg->cpus.cpu[0], cfg->cpus.cpu[1]);
    else
        fputs("null", out);
    fputs(",\n             \"spin_then_sleep\": ", out);
    json_names(out, rep, BENCH_WAITS_RING);
    fputs(", \"spinning\": ", out);
    json_names(out, rep, BENCH_WAITS_SPIN);
    fputs(", \"sleeping\": ", out);
    json_names(out, rep, BENCH_WAITS_SLEEP);
    json_field(out, "spin_ns", (double)cfg->spin_ns, cfg->spin_ns >= 0);
    json_field(out, "peer_work_ns", (double)cfg->peer_work_ns, 1);
    json_field(out, "near_ns", rep->near_ns, rep->near_ns > 0);
    json_field(out, "lowest_cacheline_rtt_ns", rep->line_lowest_ns,
               rep->line_lowest_ns > 0);
    json_field(out, "corrupt_for_testing", (double)cfg->corrupt_at,
               cfg->corrupt_at != BENCH_NO_CORRUPTION);
    fprintf(out,
            ",\n             \"percentile_min_samples\": {\"p50\": %llu, "
            "\"p99\": %llu, \"p999\": %llu}}",
            (unsigned long long)kit_samples_for(0.5),
            (unsigned long long)kit_samples_for(0.99),
            (unsigned long long)kit_samples_for(0.999));
}

static void json_percentile(FILE *out, const char *name,
                            const struct bench_percentile *p, int measured)
{
    json_field(out, name, p->ns, measured && p->present);
}

static void json_result(FILE *out, const struct bench_report *rep,
                        const struct bench_result *r)
{
    int t = r->has_throughput, l = r->has_latency, reps = rep->cfg->reps;

    fputs("{\"transport\": ", out);
    json_string(out, r->transport->name);
    fprintf(out, ", \"size\": %zu, \"waits\": \"%s\",\n     ", r->size,
            bench_waits_name(r->transport));
    fputs("\"mb_per_s\": ", out);
    json_number(out, r->mb_per_s, t);
    json_field(out, "mb_per_s_min", r->mb_per_s_min, t);
    json_field(out, "mb_per_s_max", r->mb_per_s_max, t);
    json_field(out, "msgs_per_s", r->msgs_per_s, t);
    json_field(out, "throughput_vs_pipe", r->throughput_vs_pipe,
               r->throughput_vs_pipe > 0);
    json_field(out, "throughput_reps", reps, t);
    json_field(out, "messages", (double)r->messages, t);
    fputs(",\n     \"rtt_p50_ns\": ", out);
    json_number(out, r->rtt_p50.ns, l && r->rtt_p50.present);
    json_percentile(out, "rtt_p99_ns", &r->rtt_p99, l);
    json_percentile(out, "rtt_p999_ns", &r->rtt_p999, l);
    json_field(out, "rtt_p50_min_ns", r->rtt_p50_min_ns,
               l && r->rtt_spread_present);
    json_field(out, "rtt_p50_max_ns", r->rtt_p50_max_ns,
               l && r->rtt_spread_present);
    json_field(out, "round_trips", (double)r->round_trips, l);
    json_field(out, "latency_reps", reps, l);
    json_field(out, "rtt_vs_pipe", r->rtt_vs_pipe, r->rtt_vs_pipe > 0);
    json_field(out, "cpu_us_per_rt", r->cpu_us_per_rt, l);
    fputs(",\n     \"cacheline_rtt_ns\": ", out);
    json_number(out, r->line_median_ns, r->line_count > 0);
    json_field(out, "cacheline_probes", r->line_count, 1);
    fprintf(out, ", \"stopped_early\": %s, \"stopped_early_reps\": %d",
            bench_stopped_early(r) ? "true" : "false",
            r->throughput_early + r->latency_early);
    fputs(",\n     \"mb_per_s_each\": [", out);
    for (int j = 0; t && j < reps; j++) {
        fputs(j ? ", " : "", out);
        bench_print_number(out, r->mb_each[j]);
    }
    fputs("], \"rtt_p50_ns_each\": [", out);
    for (int j = 0; l && j < reps; j++) {
        fputs(j ? ", " : "", out);
        json_number(out, r->p50_each[j].ns, r->p50_each[j].present);
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

static void json_targets(FILE *out, const struct bench_report *rep)
{
    fputs(",\n  \"targets\": [", out);
    for (int i = 0; i < rep->target_count; i++) {
        const struct bench_target *t = &rep->targets[i];

        fputs(i ? ",\n    {\"label\": " : "\n    {\"label\": ", out);
        json_string(out, t->label);
        json_field(out, "ratio", t->ratio, t->ratio > 0);
        fprintf(out, ", \"goal\": %g, \"comparison\": \">=\", \"pass\": %s}",
                t->goal, bench_target_passes(t) ? "true" : "false");
    }
    fputs("\n  ]", out);
}

void bench_print_json(FILE *out, const struct bench_report *rep)
{
    fprintf(out, "{\n  \"ringbench_version\": ");
    json_string(out, RING_VERSION);
    json_machine(out, rep->machine);
    json_config(out, rep);
    fputs(",\n  \"results\": [", out);
    for (int i = 0; i < rep->count; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        json_result(out, rep, &rep->results[i]);
    }
    fputs("\n  ]", out);
    json_targets(out, rep);
    fprintf(out, ",\n  \"elapsed_s\": %.3f\n}\n", rep->elapsed_s);
}

static void csv_number(FILE *out, double v, int present)
{
    fputc(',', out);
    if (present && isfinite(v))
        bench_print_number(out, v);
}

void bench_print_csv(FILE *out, const struct bench_report *rep)
{
    fputs("transport,size,waits,mb_per_s,mb_per_s_min,mb_per_s_max,"
          "msgs_per_s,throughput_vs_pipe,rtt_p50_ns,rtt_p99_ns,rtt_p999_ns,"
          "rtt_p50_min_ns,rtt_p50_max_ns,round_trips,rtt_vs_pipe,"
          "cacheline_rtt_ns,state,messages,cpu_us_per_rt,stopped_early\n",
          out);
    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];
        int t = r->has_throughput, l = r->has_latency;

        fprintf(out, "%s,%zu,%s", r->transport->name, r->size,
                bench_waits_name(r->transport));
        csv_number(out, r->mb_per_s, t);
        csv_number(out, r->mb_per_s_min, t);
        csv_number(out, r->mb_per_s_max, t);
        csv_number(out, r->msgs_per_s, t);
        csv_number(out, r->throughput_vs_pipe, r->throughput_vs_pipe > 0);
        csv_number(out, r->rtt_p50.ns, l && r->rtt_p50.present);
        csv_number(out, r->rtt_p99.ns, l && r->rtt_p99.present);
        csv_number(out, r->rtt_p999.ns, l && r->rtt_p999.present);
        csv_number(out, r->rtt_p50_min_ns, l && r->rtt_spread_present);
        csv_number(out, r->rtt_p50_max_ns, l && r->rtt_spread_present);
        csv_number(out, (double)r->round_trips, l);
        csv_number(out, r->rtt_vs_pipe, r->rtt_vs_pipe > 0);
        csv_number(out, r->line_median_ns, r->line_count > 0);
        fprintf(out, ",%s", r->line_count ? r->state : "");
        csv_number(out, (double)r->messages, t);
        csv_number(out, r->cpu_us_per_rt, l);
        fprintf(out, ",%d\n", bench_stopped_early(r));
    }
}
