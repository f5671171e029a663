/* SPDX-License-Identifier: MIT */
/*
 * kit/cpu.h: where the two sides of a benchmark run, and how a side that
 * waits tells the CPU so. ringbench (--cpus) and ring_bench (--cpus) take
 * the same words: "A,B" pins the producer (pinger) to CPU A and the
 * consumer (echo) to CPU B; "none" leaves both to the scheduler; without
 * the option, the first two CPUs this process may run on (the one CPU
 * twice where there is only one).
 */
#ifndef KIT_CPU_H
#define KIT_CPU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The CPU's spin-loop hint. */
static inline void kit_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

struct kit_cpus {
    int pin;    /* nonzero: pin to cpu[0] and cpu[1] */
    int cpu[2]; /* producer (pinger), consumer (echo) */
};

/* The default: the first two CPUs this process may run on. Leaves pin
   0 when the affinity mask cannot be read. */
void kit_cpus_default(struct kit_cpus *c);

/* Reads "A,B" or "none" into *c. Returns 0, or -EINVAL when text is
   neither (c is then unchanged). It does not check that the CPUs are
   usable: see kit_cpu_allowed. */
int kit_cpus_parse(struct kit_cpus *c, const char *text);

/* 1 when this process may run on cpu, 0 when not, or -errno when the
   affinity mask cannot be read. */
int kit_cpu_allowed(int cpu);

/* Pins the calling thread to cpu. Returns 0 or -errno. */
int kit_pin_self(int cpu);

/* How the two CPUs relate, from sysfs: "SMT siblings of one core",
   "different cores of one package", "different packages", "one CPU"
   or "topology unknown". Every cross-CPU figure depends on it. */
const char *kit_cpus_relation(const struct kit_cpus *c);

#ifdef __cplusplus
}
#endif

#endif /* KIT_CPU_H */
