// SPDX-License-Identifier: MIT
/*
 * memory.c: may this process still allocate so many bytes of shared
 * memory? ring_create asks before it faults the ring in, so that a ring
 * too large for the machine or the process's memory cgroup is -ENOMEM
 * and not the OOM killer (which any charge past a cgroup's limit invokes,
 * the prefault's included).
 *
 * Two limits count: the system's (MemAvailable and SwapFree in
 * /proc/meminfo), and the memory cgroup's limit less its usage, for the
 * process's cgroup and each ancestor, in cgroup v2 (memory.max,
 * memory.current) and v1 (memory.limit_in_bytes, memory.usage_in_bytes);
 * page cache the cgroup could reclaim counts as available. What cannot be
 * read is no limit: the check only refuses what clearly cannot fit, and a
 * race with other allocations can still meet the OOM killer, as any
 * allocation can.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_LIMIT UINT64_MAX

/* The value of the line "key value" in a file like /proc/meminfo or
   memory.stat, times scale; NO_LIMIT when absent. */
static uint64_t keyed_value(const char *path, const char *key, uint64_t scale)
{
    char line[256];
    size_t len = strlen(key);
    uint64_t value = NO_LIMIT;
    FILE *f = fopen(path, "re");

    if (!f)
        return NO_LIMIT;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, len) == 0 &&
            (line[len] == ' ' || line[len] == ':')) {
            value = strtoull(line + len + 1, NULL, 10) * scale;
            break;
        }
    }
    fclose(f);
    return value;
}

/* The number in a file holding one ("max" and unreadable: NO_LIMIT). */
static uint64_t file_value(const char *dir, const char *name)
{
    char path[PATH_MAX], text[64];
    uint64_t value = NO_LIMIT;
    FILE *f;

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return NO_LIMIT;
    f = fopen(path, "re");
    if (!f)
        return NO_LIMIT;
    if (fgets(text, sizeof text, f) && text[0] >= '0' && text[0] <= '9')
        value = strtoull(text, NULL, 10);
    fclose(f);
    return value;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Room left in the cgroup at dir: its limit less what it uses that it
   could not reclaim (page cache other than shared memory). */
static uint64_t cgroup_room(const char *dir, int v2)
{
    char stat_path[2 * PATH_MAX + 16];
    uint64_t limit, usage, cache, shmem, held;

    limit = file_value(dir, v2 ? "memory.max" : "memory.limit_in_bytes");
    usage = file_value(dir, v2 ? "memory.current" : "memory.usage_in_bytes");
    if (limit == NO_LIMIT || usage == NO_LIMIT)
        return NO_LIMIT;
    /* cgroup v1 writes "no limit" as a page-rounded LLONG_MAX. */
    if (limit >= (uint64_t)LLONG_MAX / 2)
        return NO_LIMIT;
    if (snprintf(stat_path, sizeof stat_path, "%s/memory.stat", dir) >=
        (int)sizeof stat_path)
        return NO_LIMIT;
    cache = keyed_value(stat_path, v2 ? "file" : "cache", 1);
    shmem = keyed_value(stat_path, "shmem", 1);
    held = usage;
    if (cache != NO_LIMIT && shmem != NO_LIMIT && cache >= shmem &&
        held >= cache - shmem)
        held -= cache - shmem;
    return held >= limit ? 0 : limit - held;
}

/* Finds where the cgroup hierarchy is mounted: for v2 the cgroup2 mount,
   for v1 the cgroup mount with the memory controller. Copies the mount
   point and the mount's root (the part of the hierarchy it shows). */
static int find_mount(int v2, char *mount_point, size_t mp_size, char *root,
                      size_t root_size)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/mountinfo", "re");

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        char mroot[PATH_MAX], point[PATH_MAX], fstype[64], super[1024];
        const char *dash = strstr(line, " - ");

        if (!dash ||
            sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, point) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
            continue;
        if (v2 ? strcmp(fstype, "cgroup2") != 0
               : strcmp(fstype, "cgroup") != 0 || !strstr(super, "memory"))
            continue;
        snprintf(mount_point, mp_size, "%s", point);
        snprintf(root, root_size, "%s", mroot);
        found = 1;
    }
    fclose(f);
    return found;
}

/* The process's cgroup path in the hierarchy: v2 "0::/path", v1
   "N:...memory...:/path". */
static int own_cgroup(int v2, char *path, size_t size)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/cgroup", "re");

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *controllers = strchr(line, ':'), *cg;

        if (!controllers)
            continue;
        cg = strchr(++controllers, ':');
        if (!cg)
            continue;
        *cg++ = '\0';
        cg[strcspn(cg, "\n")] = '\0';
        if (v2 ? strncmp(line, "0:", 2) == 0 && *controllers == '\0'
               : strstr(controllers, "memory") != NULL) {
            snprintf(path, size, "%s", cg);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* The least room in the process's memory cgroup and its ancestors. */
static uint64_t hierarchy_room(int v2)
{
    char point[PATH_MAX], root[PATH_MAX], cg[PATH_MAX], dir[2 * PATH_MAX];
    const char *rel;
    uint64_t room = NO_LIMIT;
    size_t base_len;

    if (!find_mount(v2, point, sizeof point, root, sizeof root) ||
        !own_cgroup(v2, cg, sizeof cg))
        return NO_LIMIT;
    /* The mount shows the hierarchy from root on (a container sees its
       own part of it). */
    rel = cg;
    if (strcmp(root, "/") != 0 && strncmp(cg, root, strlen(root)) == 0)
        rel = cg + strlen(root);
    snprintf(dir, sizeof dir, "%s%s", point, strcmp(rel, "/") ? rel : "");
    base_len = strlen(point);
    for (;;) {
        char *slash;

        room = min_u64(room, cgroup_room(dir, v2));
        slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < base_len)
            break;
        *slash = '\0';
    }
    return room;
}

int ringi_memory_available(uint64_t bytes)
{
    uint64_t swap = keyed_value("/proc/meminfo", "SwapFree", 1024);
    uint64_t system = keyed_value("/proc/meminfo", "MemAvailable", 1024);
    uint64_t cgroup = min_u64(hierarchy_room(1), hierarchy_room(0));

    if (swap == NO_LIMIT)
        swap = 0;
    /* Shared memory can go to swap, within the cgroup too. */
    if (system != NO_LIMIT && bytes > system + swap)
        return -ENOMEM;
    if (cgroup != NO_LIMIT && bytes > cgroup + swap)
        return -ENOMEM;
    return 0;
}
