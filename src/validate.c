// SPDX-License-Identifier: MIT
/*
 * validate.c: decides whether a descriptor that came from elsewhere is a
 * ring we may map. Everything is checked with fstat, fstatfs, F_GET_SEALS
 * and pread before a single page is mapped: a bad descriptor gets a
 * negative errno, never a crash or SIGBUS.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Seals every ring has: its size can never change, nor its seals. */
#define RING_SEALS_REQUIRED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
/* Seals no ring may have: both sides write to it. */
#define RING_SEALS_REFUSED (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

int ringi_validate_geometry(const struct ringi_geometry *g, uint64_t file_size,
                            uint64_t page)
{
    uint64_t cap = g->capacity;

    if (g->flags & ~(uint32_t)RING_LAYOUT_HUGETLB)
        return -EPROTO;
    if (g->data_offset != page)
        return -EPROTO;
    if (cap < page || cap > RING_CAPACITY_MAX || (cap & (cap - 1)) != 0 ||
        (cap & (page - 1)) != 0)
        return -EPROTO;
    /* A file shorter than the header claims would raise SIGBUS in us;
       a longer one is not a ring we made. */
    if (file_size != g->data_offset + cap)
        return -EPROTO;
    return 0;
}

int ringi_validate_fd(int fd, struct ringi_geometry *g, uint64_t max_capacity,
                      int hugepages_ok)
{
    struct ring_control header;
    struct statfs fs;
    struct stat st;
    uint64_t page;
    ssize_t n;
    int seals, hugetlb, rc;

    if (fstat(fd, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (fstatfs(fd, &fs) != 0)
        return -errno;
    if (fs.f_type != TMPFS_MAGIC && fs.f_type != HUGETLBFS_MAGIC)
        return -EINVAL;
    hugetlb = fs.f_type == HUGETLBFS_MAGIC;

    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0)
        return -EINVAL; /* not a memfd */
    if ((seals & RING_SEALS_REQUIRED) != RING_SEALS_REQUIRED ||
        (seals & RING_SEALS_REFUSED) != 0)
        return -EINVAL;

    page = hugetlb ? (uint64_t)fs.f_bsize : (uint64_t)ringi_page_size();
    if ((uint64_t)st.st_size < page)
        return -EPROTO;

    n = pread(fd, &header, offsetof(struct ring_control, header_pad), 0);
    if (n < 0)
        return -errno;
    if ((size_t)n != offsetof(struct ring_control, header_pad))
        return -EPROTO;
    if (header.magic != RING_MAGIC ||
        header.layout_version != RING_LAYOUT_VERSION)
        return -EPROTO;

    g->capacity = header.capacity;
    g->data_offset = header.data_offset;
    g->flags = header.flags;
    if (((g->flags & RING_LAYOUT_HUGETLB) != 0) != hugetlb)
        return -EPROTO;
    rc = ringi_validate_geometry(g, (uint64_t)st.st_size, page);
    if (rc < 0)
        return rc;
    /* What we agreed to map, before anything is. */
    if (g->capacity > max_capacity)
        return -EFBIG;
    /* Every page must exist already: an honest creator faults them all in
       (ring_create prefaults), and paid for them. A hole would be
       allocated when we touch it, charged to us: a peer's 4 KiB file
       claiming a terabyte would cost us the terabyte. */
    if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size)
        return -EPROTO;
    /* A peer can punch a huge page out of the file and hold the pool
       empty, and our next access raises SIGBUS: only if asked for. */
    if (hugetlb && !hugepages_ok)
        return -EPERM;
    return 0;
}
