// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kit/cpu.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kit_cpus_default(struct kit_cpus *c)
{
    cpu_set_t set;
    int found = 0;

    c->pin = 0;
    if (sched_getaffinity(0, sizeof set, &set))
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
        if (CPU_ISSET(cpu, &set))
            c->cpu[found++] = cpu;
    if (found == 0)
        return;
    if (found == 1)
        c->cpu[1] = c->cpu[0];
    c->pin = 1;
}

/* A CPU number: digits only, below CPU_SETSIZE; *end is what follows. */
static int parse_cpu(const char *s, const char **end, int *cpu)
{
    long v = 0;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v >= CPU_SETSIZE)
            return -EINVAL;
    }
    *end = s;
    *cpu = (int)v;
    return 0;
}

int kit_cpus_parse(struct kit_cpus *c, const char *text)
{
    const char *p = text;
    int a, b;

    if (strcmp(text, "none") == 0) {
        c->pin = 0;
        return 0;
    }
    if (parse_cpu(p, &p, &a) || *p++ != ',' || parse_cpu(p, &p, &b) || *p)
        return -EINVAL;
    c->pin = 1;
    c->cpu[0] = a;
    c->cpu[1] = b;
    return 0;
}

int kit_cpu_allowed(int cpu)
{
    cpu_set_t set;

    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return 0;
    if (sched_getaffinity(0, sizeof set, &set))
        return -errno;
    return CPU_ISSET(cpu, &set) ? 1 : 0;
}

int kit_pin_self(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* pid 0: the calling thread only. */
    return sched_setaffinity(0, sizeof set, &set) ? -errno : 0;
}

/* One topology field of a CPU, or -1 when sysfs does not say. */
static long topology(int cpu, const char *field)
{
    char path[96];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s",
             cpu, field);
    f = fopen(path, "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

const char *kit_cpus_relation(const struct kit_cpus *c)
{
    long pkg_a, pkg_b, core_a, core_b;

    if (!c->pin)
        return "not pinned";
    if (c->cpu[0] == c->cpu[1])
        return "one CPU";
    pkg_a = topology(c->cpu[0], "physical_package_id");
    pkg_b = topology(c->cpu[1], "physical_package_id");
    core_a = topology(c->cpu[0], "core_id");
    core_b = topology(c->cpu[1], "core_id");
    if (core_a < 0 || core_b < 0)
        return "topology unknown";
    if (pkg_a != pkg_b)
        return "different packages";
    if (core_a == core_b)
        return "SMT siblings of one core";
    return "different cores of one package";
}
