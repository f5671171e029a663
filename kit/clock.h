/* SPDX-License-Identifier: MIT */
/* kit/clock.h: time as the benchmarks and tests read it. */
#ifndef KIT_CLOCK_H
#define KIT_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CLOCK_MONOTONIC in nanoseconds: the same clock in every process. */
uint64_t kit_now_ns(void);

/* CPU time (user and system) this process has used, in seconds. */
double kit_cpu_seconds(void);

/* Busy work for ns nanoseconds on the clock: what a peer does before it
   answers, without sleeping. */
void kit_busy_for(uint64_t ns);

#ifdef __cplusplus
}
#endif

#endif /* KIT_CLOCK_H */
