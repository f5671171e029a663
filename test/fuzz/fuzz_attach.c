// SPDX-License-Identifier: MIT
/* fuzz_attach.c: the fuzz input becomes a file, and ring_attach must take
   it exactly when it is a valid ring, with every role; a ring it takes is
   then driven by the hostile-peer calls of peer.c (its indices and data
   came from the input too) and closed. Nothing may crash, and no
   descriptor or mapping may stay behind.

   Input:
     byte 0    bits 0-4 the seals, as the kernel numbers them: 1 SEAL
               (added last), 2 SHRINK, 4 GROW, 8 WRITE, 16 FUTURE_WRITE;
               bits 5-7 the kind of file: 0-4 a sealable memfd, 5 a memfd
               without sealing, 6 a tmpfs file, 7 a pipe
     byte 1    size: 0 what the header says (page + capacity), 1 the
               contents' length, 2 bytes 2-3 times 64, 3 what the header
               says plus byte 2 (signed) times 8
     bytes 2-3 for the size
     byte 4    fixups written over the contents: bit 0 the magic, bit 1
               the layout version, bit 2 data_offset = one page, bit 3
               flags = 0
     byte 5    n: the next n bytes are calls for peer.c
     the rest  the contents, from offset 0 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "kit/census.h"
#include "peer.h"
#include "ring_internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Files are kept small: the header may claim any size. */
#define SIZE_LIMIT (4096 + 65536)

#define SEALS_REQUIRED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define SEALS_REFUSED  (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

static int make_file(unsigned kind)
{
    int fds[2];

    switch (kind) {
    case 5:
        return memfd_create("fuzz", MFD_CLOEXEC);
    case 6:
        return open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    case 7:
        if (pipe2(fds, O_CLOEXEC) != 0)
            return -1;
        close(fds[1]);
        return fds[0];
    default:
        return memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    }
}

static uint64_t header_size(int fd, uint64_t page)
{
    uint64_t capacity = 0;

    if (pread(fd, &capacity, sizeof capacity,
              offsetof(struct ring_control, capacity)) != sizeof capacity)
        return 0;
    return page + capacity;
}

/* What attach must answer for this file, by the contract in ring.h and
   DESIGN.md, worked out here on its own. */
static int oracle(int fd, uint64_t page)
{
    struct ring_control h;
    struct statfs fs;
    struct stat st;
    int seals;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return -EINVAL;
    if (fstatfs(fd, &fs) != 0 || fs.f_type != TMPFS_MAGIC)
        return -EINVAL;
    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & SEALS_REQUIRED) != SEALS_REQUIRED ||
        (seals & SEALS_REFUSED))
        return -EINVAL;
    if ((uint64_t)st.st_size < page)
        return -EPROTO;
    if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        return -EPROTO;
    if (h.magic != RING_MAGIC || h.layout_version != RING_LAYOUT_VERSION ||
        h.flags != 0 || h.data_offset != page)
        return -EPROTO;
    if (h.capacity < page || h.capacity > RING_CAPACITY_MAX ||
        (h.capacity & (h.capacity - 1)) || (h.capacity & (page - 1)))
        return -EPROTO;
    if ((uint64_t)st.st_size != page + h.capacity)
        return -EPROTO;
    if (h.capacity > RING_ATTACH_MAX_DEFAULT)
        return -EFBIG;
    /* A hole would be allocated when touched, at our expense. */
    if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size)
        return -EPROTO;
    return 0;
}

/* A closed handle: every call fails cleanly and returns nothing. */
static void closed_calls(struct ring *r)
{
    size_t len = 1;
    char buf[8];
    struct iovec iov = {buf, sizeof buf};

    FUZZ_CHECK(ring_error(r) == -EBADF, "ring_error of a closed handle");
    FUZZ_CHECK(ring_fd(r) == -EBADF, "ring_fd of a closed handle");
    FUZZ_CHECK(ring_capacity(r) == 0, "capacity of a closed handle");
    FUZZ_CHECK(ring_reserve(r, 1) == NULL, "reserve on a closed handle");
    ring_commit(r, 1);
    FUZZ_CHECK(ring_write(r, buf, sizeof buf) == 0, "write, closed");
    FUZZ_CHECK(ring_writable(r) == 0, "writable, closed");
    FUZZ_CHECK(ring_peek(r, &len) == NULL && len == 0, "peek, closed");
    ring_consume(r, 1);
    FUZZ_CHECK(ring_read(r, buf, sizeof buf) == 0, "read, closed");
    FUZZ_CHECK(ring_readable(r) == 0, "readable, closed");
    FUZZ_CHECK(ring_msg_reserve(r, 1) == NULL, "msg_reserve, closed");
    ring_msg_commit(r, 0);
    FUZZ_CHECK(ring_msg_send(r, buf, sizeof buf) == -EBADF, "msg_send, closed");
    FUZZ_CHECK(ring_msg_sendv(r, &iov, 1) == -EBADF, "msg_sendv, closed");
    FUZZ_CHECK(ring_msg_peek(r, &len) == NULL && len == 0, "msg_peek, closed");
    ring_msg_consume(r);
    FUZZ_CHECK(ring_msg_recv(r, buf, sizeof buf) == -EBADF, "msg_recv, closed");
    ring_close(r);
}

static void drive(struct ring *prod, struct ring *cons, unsigned prod_roles,
                  unsigned cons_roles, int fd, struct fuzz_input calls)
{
    struct peer_fuzz f = {0};

    f.prod = prod;
    f.cons = cons;
    f.prod_roles = prod_roles;
    f.cons_roles = cons_roles;
    f.memfd = fd;
    f.hostile = 1;
    f.max_reattach = 2;
    FUZZ_CHECK(peer_start(&f, 0) == 0, "cannot map the ring");
    peer_run(&f, &calls);
    peer_finish(&f);
}

static void same_file(int a, int b)
{
    struct stat sa, sb;

    FUZZ_CHECK(fstat(a, &sa) == 0 && fstat(b, &sb) == 0, "fstat");
    FUZZ_CHECK(a != b && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev,
               "the handle's descriptor is not its own copy of the ring");
}

static void attach_all_ways(int fd, uint64_t page, struct fuzz_input calls)
{
    struct ring prod, cons, both;
    int expect = oracle(fd, page), rc;

    if (fuzz_trace())
        fprintf(stderr, "attach must give %d\n", expect);

    rc = ring_attach(&prod, fd, RING_PRODUCER);
    FUZZ_CHECK(rc == expect, "attach as producer: %d, expected %d", rc, expect);
    rc = ring_attach(&cons, fd, RING_CONSUMER);
    FUZZ_CHECK(rc == expect, "attach as consumer: %d, expected %d", rc, expect);
    rc = ring_attach(&both, fd, 0);
    FUZZ_CHECK(rc == (expect == 0 ? -EBUSY : expect),
               "attach with both roles: %d, expected %d", rc, expect);
    FUZZ_CHECK(ring_attach(&both, fd, 8) == -EINVAL, "unknown role flag");
    closed_calls(&both);
    if (expect != 0) {
        closed_calls(&prod);
        closed_calls(&cons);
        return;
    }

    FUZZ_CHECK(ring_capacity(&prod) + page == header_size(fd, page),
               "capacity %zu", ring_capacity(&prod));
    same_file(fd, ring_fd(&prod));
    same_file(fd, ring_fd(&cons));
    drive(&prod, &cons, RING_PRODUCER, RING_CONSUMER, fd, calls);
    fuzz_close(&prod);
    fuzz_close(&cons);
    closed_calls(&prod);

    /* Both roles in one handle; the calls above may have changed the
       header, so ask the oracle again. */
    expect = oracle(fd, page);
    rc = ring_attach(&both, fd, 0);
    FUZZ_CHECK(rc == expect, "attach again: %d, expected %d", rc, expect);
    if (rc == 0) {
        calls.pos = 0;
        drive(&both, &both, 0, 0, fd, calls);
        fuzz_close(&both);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size, 0};
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint8_t seal_bits = fuzz_u8(&in), size_how = fuzz_u8(&in);
    uint16_t size_arg = fuzz_u16(&in);
    uint8_t fixups = fuzz_u8(&in);
    struct fuzz_input calls = fuzz_split(&in, fuzz_u8(&in));
    size_t contents_len = fuzz_left(&in);
    unsigned kind = seal_bits >> 5;
    struct kit_census before;
    uint64_t file_size;
    int fd;

    fuzz_census(&before);
    fd = make_file(kind);
    if (fd < 0)
        return 0; /* no /dev/shm here */

    if (kind != 7) {
        size_t n = contents_len < SIZE_LIMIT ? contents_len : SIZE_LIMIT;

        FUZZ_CHECK(pwrite(fd, data + in.pos, n, 0) == (ssize_t)n, "pwrite");
        if (fixups & 1) {
            uint64_t magic = RING_MAGIC;
            FUZZ_CHECK(pwrite(fd, &magic, 8, 0) == 8, "pwrite");
        }
        if (fixups & 2) {
            uint32_t version = RING_LAYOUT_VERSION;
            FUZZ_CHECK(pwrite(fd, &version, 4, 8) == 4, "pwrite");
        }
        if (fixups & 4)
            FUZZ_CHECK(pwrite(fd, &page, 8, 24) == 8, "pwrite");
        if (fixups & 8) {
            uint32_t flags = 0;
            FUZZ_CHECK(pwrite(fd, &flags, 4, 12) == 4, "pwrite");
        }
        switch (size_how & 3) {
        case 0:
            file_size = header_size(fd, page);
            break;
        case 1:
            file_size = n;
            break;
        case 2:
            file_size = (uint64_t)size_arg * 64;
            break;
        default:
            file_size =
                header_size(fd, page) + (uint64_t)(int64_t)(int8_t)size_arg * 8;
            break;
        }
        if (file_size > SIZE_LIMIT)
            file_size = n;
        FUZZ_CHECK(ftruncate(fd, (off_t)file_size) == 0, "ftruncate");
        /* Allocated, as an honest creator leaves it, unless asked to leave
           the holes a sparse file has. */
        if (!(fixups & 16) && file_size)
            FUZZ_CHECK(fallocate(fd, 0, 0, (off_t)file_size) == 0 ||
                           errno == EOPNOTSUPP,
                       "fallocate");
        if (kind < 5) {
            /* Seals that fail to apply (a seal after F_SEAL_SEAL, say)
               are simply not there: the oracle reads what is. */
            (void)fcntl(fd, F_ADD_SEALS, seal_bits & 0x1e);
            (void)fcntl(fd, F_ADD_SEALS, seal_bits & F_SEAL_SEAL);
        }
    }

    attach_all_ways(fd, page, calls);
    close(fd);
    fuzz_census_check(&before, "an attach");
    return 0;
}
