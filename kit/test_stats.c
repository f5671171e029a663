// SPDX-License-Identifier: MIT
/* test_stats.c: percentiles come only from enough samples, and are
   right when they come; medians and spreads of repetitions. */
#include "kit/stats.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>

static struct kit_hist h;

Test(stats, samples_needed_leave_ten_beyond_the_percentile)
{
    cr_assert_eq(kit_samples_for(0.5), 20);
    cr_assert_eq(kit_samples_for(0.99), 1000);
    cr_assert_eq(kit_samples_for(0.999), 10000);
}

Test(stats, too_few_samples_give_no_percentile)
{
    double v = -1;

    kit_hist_clear(&h);
    cr_assert_eq(kit_hist_percentile(&h, 0.5, &v), -ENODATA);
    for (uint64_t i = 0; i < 999; i++)
        kit_hist_add(&h, 100);
    cr_assert_eq(kit_hist_percentile(&h, 0.99, &v), -ENODATA);
    cr_assert_eq(v, -1, "untouched");
    kit_hist_add(&h, 100);
    cr_assert_eq(kit_hist_percentile(&h, 0.99, &v), 0);
    cr_assert_eq(v, 100);
    cr_assert_eq(kit_hist_percentile(&h, 0.999, &v), -ENODATA);
}

/* 1..10000 ns once each: each percentile within the histogram's 1.6%. */
Test(stats, percentiles_of_a_known_spread)
{
    static const double q[] = {0.5, 0.99, 0.999};
    double v;

    kit_hist_clear(&h);
    for (uint64_t ns = 1; ns <= 10000; ns++)
        kit_hist_add(&h, ns);
    for (int i = 0; i < 3; i++) {
        double want = q[i] * 10000;

        cr_assert_eq(kit_hist_percentile(&h, q[i], &v), 0);
        cr_assert(fabs(v - want) <= 0.016 * want, "q %g: %g, want %g", q[i], v,
                  want);
    }
}

Test(stats, merged_histograms_count_both)
{
    static struct kit_hist other;
    double v;

    kit_hist_clear(&h);
    kit_hist_clear(&other);
    for (int i = 0; i < 10; i++) {
        kit_hist_add(&h, 50);
        kit_hist_add(&other, 5000);
    }
    kit_hist_merge(&h, &other);
    cr_assert_eq(h.count, 20);
    cr_assert_eq(kit_hist_percentile(&h, 0.5, &v), 0);
    cr_assert_eq(v, 50);
}

Test(stats, median_min_max)
{
    double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2};

    cr_assert_eq(kit_min(odd, 3), 1);
    cr_assert_eq(kit_max(odd, 3), 5);
    cr_assert_eq(kit_median(odd, 3), 3);
    cr_assert_eq(kit_median(even, 4), 2.5);
    cr_assert_eq(kit_median(even, 0), 0);
}
