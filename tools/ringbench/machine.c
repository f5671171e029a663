// SPDX-License-Identifier: MIT
/* machine.c: what the machine is, for the header of every output: the CPU
   model, the kernel, the date and the command line. */
#define _GNU_SOURCE
#include "ringbench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void read_cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];

    snprintf(buf, len, "unknown CPU");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');

        if (!colon || (strncmp(line, "model name", 10) != 0 &&
                       strncmp(line, "Model", 5) != 0))
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(buf, len, "%s", colon);
        break;
    }
    fclose(f);
}

/* Quotes an argument for a POSIX shell, when it needs it. */
static size_t quote_arg(char *dst, const char *arg)
{
    size_t n = 0;

    if (*arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                            "WXYZ0123456789_./,=:+-@%") == strlen(arg)) {
        if (dst)
            memcpy(dst, arg, strlen(arg));
        return strlen(arg);
    }
    if (dst)
        dst[n] = '\'';
    n++;
    for (const char *p = arg; *p; p++) {
        if (*p == '\'') {
            if (dst)
                memcpy(dst + n, "'\\''", 4);
            n += 4;
        } else {
            if (dst)
                dst[n] = *p;
            n++;
        }
    }
    if (dst)
        dst[n] = '\'';
    return n + 1;
}

void bench_machine_read(struct bench_machine *m, int argc, char **argv)
{
    struct utsname u;
    time_t now = time(NULL);
    struct tm tm;
    size_t len = 1, at = 0;

    memset(m, 0, sizeof *m);
    read_cpu_model(m->cpu_model, sizeof m->cpu_model);
    m->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (uname(&u) == 0) {
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release,
                 u.version);
        snprintf(m->kernel_short, sizeof m->kernel_short, "%s %s", u.sysname,
                 u.release);
    }
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);

    for (int i = 0; i < argc; i++)
        len += quote_arg(NULL, argv[i]) + 1;
    m->command = malloc(len);
    if (!m->command)
        return;
    for (int i = 0; i < argc; i++) {
        if (i)
            m->command[at++] = ' ';
        at += quote_arg(m->command + at, argv[i]);
    }
    m->command[at] = '\0';
}
