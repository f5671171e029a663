// SPDX-License-Identifier: MIT
/*
 * map.c: the double mapping. The whole range is reserved first with one
 * PROT_NONE mapping, then the control page and both copies of the data are
 * mapped over it with MAP_FIXED, so no other thread's mapping can land in
 * between.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Faults in every page of [p, p + len) so the first lap takes no faults. */
static int populate(unsigned char *p, size_t len, int write, size_t page)
{
    if (madvise(p, len, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
        return 0;
    if (errno != EINVAL)
        return -errno;
    /* Kernels before 5.14: touch each page. A read maps it; a write fault
       on a shared file page later is minor and takes no copy. */
    for (size_t off = 0; off < len; off += page)
        (void)*(volatile unsigned char *)(p + off);
    return 0;
}

static int map_fixed(unsigned char *at, size_t len, int prot, int fd,
                     uint64_t offset)
{
    void *p = mmap(at, len, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)offset);

    return p == MAP_FAILED ? -errno : 0;
}

int ringi_map(struct ring *r, const struct ringi_geometry *g, int writable_data,
              int populate_write)
{
    size_t control = (size_t)g->data_offset;
    size_t capacity = (size_t)g->capacity;
    size_t len = control + 2 * capacity;
    /* Huge pages must be mapped at huge-page-aligned addresses. */
    size_t slack = (g->flags & RING_LAYOUT_HUGETLB) ? control : 0;
    int data_prot = PROT_READ | (writable_data ? PROT_WRITE : 0);
    unsigned char *reserved, *base;
    int rc;

    reserved = mmap(NULL, len + slack, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED)
        return -errno;
    base = (unsigned char *)(((uintptr_t)reserved + slack) &
                             ~((uintptr_t)(slack ? slack : 1) - 1));
    if (slack) {
        if (base > reserved)
            munmap(reserved, (size_t)(base - reserved));
        if (reserved + slack > base)
            munmap(base + len, (size_t)(reserved + slack - base));
    }

    rc = map_fixed(base, control, PROT_READ | PROT_WRITE, r->setup.fd, 0);
    if (rc == 0)
        rc = map_fixed(base + control, capacity, data_prot, r->setup.fd,
                       control);
    if (rc == 0)
        rc = map_fixed(base + control + capacity, capacity, data_prot,
                       r->setup.fd, control);
    /* A forked child attaches from the descriptor: it must never inherit
       a second producer (or consumer) by accident. */
    if (rc == 0 && madvise(base, len, MADV_DONTFORK) != 0)
        rc = -errno;
    if (rc == 0)
        rc = populate(base, control, 1, control);
    if (rc == 0)
        rc = populate(base + control, 2 * capacity, populate_write, control);
    if (rc != 0) {
        munmap(base, len);
        return rc;
    }

    r->setup.map_base = base;
    r->setup.map_len = len;
    r->setup.control = base;
    r->setup.data = base + control;
    r->setup.capacity = g->capacity;
    r->setup.mask = g->capacity - 1;
    r->setup.tail_shared = &((struct ring_control *)(void *)base)->tail;
    r->setup.head_shared = &((struct ring_control *)(void *)base)->head;
    r->setup.read_want = &((struct ring_control *)(void *)base)->read_want;
    r->setup.write_want = &((struct ring_control *)(void *)base)->write_want;
    return 0;
}

void ringi_unmap(struct ring *r)
{
    if (r->setup.map_base)
        munmap(r->setup.map_base, r->setup.map_len);
    r->setup.map_base = NULL;
    r->setup.map_len = 0;
    r->setup.control = NULL;
    r->setup.data = NULL;
}

int ringi_mirror_check(const struct ring *r)
{
    volatile unsigned char *first = r->setup.data;
    volatile unsigned char *second = r->setup.data + r->setup.capacity;
    size_t last = (size_t)r->setup.capacity - 1;
    int ok;

    first[0] = 0xa5;
    first[last] = 0x5a;
    ok = second[0] == 0xa5 && second[last] == 0x5a;
    first[0] = 0;
    first[last] = 0;
    return ok ? 0 : -EIO;
}
