// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kit/census.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One line of /proc/self/maps: is it a memfd mapping, or an anonymous
   PROT_NONE one? */
enum map_kind { MAP_OTHER, MAP_MEMFD, MAP_RESERVATION };

static enum map_kind parse_map(const char *line, unsigned long *start,
                               unsigned long *end)
{
    char perms[8];
    int path_at = 0;

    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", start, end, perms,
               &path_at) < 3)
        return MAP_OTHER;
    if (strstr(line, "/memfd:"))
        return MAP_MEMFD;
    if (strcmp(perms, "---p") == 0 &&
        (path_at == 0 || line[path_at] == '\0' || line[path_at] == '\n'))
        return MAP_RESERVATION;
    return MAP_OTHER;
}

/* Descriptors in /proc/self/fd, less the one reading it. */
int kit_count_fds(size_t *count)
{
    DIR *dir = opendir("/proc/self/fd");
    size_t n = 0;

    if (!dir)
        return -errno;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    *count = n - 1;
    return 0;
}

int kit_census_take(struct kit_census *c)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];

    memset(c, 0, sizeof *c);
    if (!f)
        return -errno;
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end;

        /* A line longer than the buffer is read in pieces: count a
           mapping once, at the end of its line. */
        if (strchr(line, '\n'))
            c->maps++;
        switch (parse_map(line, &start, &end)) {
        case MAP_MEMFD:
            c->memfd_maps++;
            break;
        case MAP_RESERVATION:
            c->none_maps++;
            c->none_bytes += end - start;
            break;
        default:
            break;
        }
    }
    fclose(f);
    /* After the file is closed: its descriptor is not counted. */
    return kit_count_fds(&c->fds);
}

int kit_census_reservations(void)
{
#ifdef RUNNING_ON_VALGRIND
    /* valgrind keeps a stack of its own, with guard pages, for every
       thread that ever ran. */
    if (RUNNING_ON_VALGRIND)
        return 0;
#endif
    return KIT_CENSUS_RESERVATIONS;
}

int kit_census_differs(const struct kit_census *before,
                       const struct kit_census *after, char *buf, size_t size)
{
    int differs = before->fds != after->fds ||
                  before->memfd_maps != after->memfd_maps ||
                  (kit_census_reservations() &&
                   (before->none_maps != after->none_maps ||
                    before->none_bytes != after->none_bytes));

    if (buf && size)
        snprintf(buf, size,
                 "descriptors %zu -> %zu, memfd mappings %zu -> %zu, "
                 "reservations %zu -> %zu (%zu -> %zu bytes)",
                 before->fds, after->fds, before->memfd_maps, after->memfd_maps,
                 before->none_maps, after->none_maps, before->none_bytes,
                 after->none_bytes);
    return differs;
}

int kit_range_has_ring_maps(const void *base, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "re");
    unsigned long lo = (unsigned long)base, hi = lo + len;
    char line[512];
    int found = 0;

    if (!f)
        return -errno;
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end;

        if (parse_map(line, &start, &end) != MAP_OTHER && start < hi &&
            end > lo)
            found = 1;
    }
    fclose(f);
    return found;
}
