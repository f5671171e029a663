// SPDX-License-Identifier: MIT
#include "kit/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void kit_hist_clear(struct kit_hist *h)
{
    memset(h, 0, sizeof *h);
}

void kit_hist_merge(struct kit_hist *into, const struct kit_hist *h)
{
    for (unsigned i = 0; i < KIT_HIST_BUCKETS; i++)
        into->bucket[i] += h->bucket[i];
    into->count += h->count;
}

/* The middle of the values bucket idx holds. */
static double bucket_value(unsigned idx)
{
    unsigned e, sub;
    uint64_t width;

    if (idx < 128)
        return idx;
    e = 7 + (idx - 128) / KIT_HIST_SUB;
    sub = (idx - 128) % KIT_HIST_SUB;
    width = UINT64_C(1) << (e - 6);
    return (double)((KIT_HIST_SUB + sub) * width) + (double)(width - 1) / 2;
}

uint64_t kit_samples_for(double q)
{
    return (uint64_t)ceil(KIT_TAIL_SAMPLES / (1 - q) - 1e-9);
}

int kit_hist_percentile(const struct kit_hist *h, double q, double *ns)
{
    uint64_t rank, seen = 0;

    if (h->count == 0 || h->count < kit_samples_for(q))
        return -ENODATA;
    /* The smallest value with at least q of the samples at or below. */
    rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
    if (rank < 1)
        rank = 1;
    for (unsigned i = 0; i < KIT_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            *ns = bucket_value(i);
            return 0;
        }
    }
    *ns = bucket_value(KIT_HIST_BUCKETS - 1);
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double kit_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double kit_min(const double *v, size_t n)
{
    double m = n > 0 ? v[0] : 0;

    for (size_t i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

double kit_max(const double *v, size_t n)
{
    double m = n > 0 ? v[0] : 0;

    for (size_t i = 1; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}
