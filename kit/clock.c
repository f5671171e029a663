// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kit/clock.h"

#include <sys/resource.h>
#include <time.h>

uint64_t kit_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double kit_cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru))
        return 0; /* RUSAGE_SELF with a valid pointer cannot fail */
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void kit_busy_for(uint64_t ns)
{
    uint64_t start = kit_now_ns();

    while (kit_now_ns() - start < ns)
        ;
}
