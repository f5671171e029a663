/* SPDX-License-Identifier: MIT */
/*
 * kit/stats.h: what the benchmarks make of their samples: a histogram of
 * nanoseconds and its percentiles, and the median and spread of
 * repetitions.
 *
 * A percentile says something only when enough samples lie beyond it: a
 * p99.9 from 154 round trips is the slowest of them, not a p99.9. So a
 * percentile q is given only from KIT_TAIL_SAMPLES / (1 - q) samples on
 * (ten beyond it): p50 from 20, p99 from 1 000, p99.9 from 10 000.
 */
#ifndef KIT_STATS_H
#define KIT_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIT_TAIL_SAMPLES 10

/* Log-linear histogram of nanoseconds: exact below 128 ns, then 64 steps
   per power of two (within 1.6%). */
#define KIT_HIST_SUB     64
#define KIT_HIST_BUCKETS (128 + 57 * KIT_HIST_SUB)

struct kit_hist {
    uint64_t count;
    uint64_t bucket[KIT_HIST_BUCKETS];
};

static inline void kit_hist_add(struct kit_hist *h, uint64_t ns)
{
    unsigned idx;

    if (ns < 128) {
        idx = (unsigned)ns;
    } else {
        unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* >= 7 */
        idx = 128 + (e - 7) * KIT_HIST_SUB +
              (unsigned)((ns >> (e - 6)) & (KIT_HIST_SUB - 1));
    }
    h->bucket[idx]++;
    h->count++;
}

void kit_hist_clear(struct kit_hist *h);
void kit_hist_merge(struct kit_hist *into, const struct kit_hist *h);

/* The samples percentile q (0 < q < 1) needs. */
uint64_t kit_samples_for(double q);

/* Sets *ns to the value below which a fraction q of the samples lie.
   Returns 0, or -ENODATA when h holds fewer than kit_samples_for(q)
   samples (*ns is then untouched). */
int kit_hist_percentile(const struct kit_hist *h, double q, double *ns);

/* The median of n values; sorts v. 0 for n == 0. */
double kit_median(double *v, size_t n);
double kit_min(const double *v, size_t n);
double kit_max(const double *v, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KIT_STATS_H */
