// SPDX-License-Identifier: MIT
/* test_faults.c: every system call that ring_create, ring_attach and the
   descriptor passing make fails in turn; each failure gives a clean
   -errno and leaves no descriptor, mapping or role behind.

   Production code is untouched: this program links libring's static
   library with -Wl,--wrap=<call> for each call (see test/CMakeLists.txt),
   so libring's references reach the wrappers below. A wrapper passes the
   call through until a fault is armed, then fails the Nth matching call
   with the chosen errno. The loops arm N = 0, 1, 2, ... until the
   operation runs through without reaching the fault. The __wrap_ and
   __real_ names are the linker's convention, not ours. */
#define _GNU_SOURCE
#include "helpers.h"
#include "kit/census.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* ---------------------------------------------------------------------- */
/* The fault switch.                                                       */

enum fault_call {
    CALL_MEMFD_CREATE,
    CALL_FTRUNCATE,
    CALL_FCNTL,
    CALL_FSTAT,
    CALL_FSTATFS,
    CALL_PREAD,
    CALL_OPEN,
    CALL_MMAP,
    CALL_MPROTECT,
    CALL_MADVISE,
    CALL_SENDMSG,
    CALL_RECVMSG,
};

#define ANY_OP LONG_MIN

static struct {
    int armed;
    enum fault_call call;
    long op;        /* fcntl command or madvise advice, or ANY_OP */
    long nth;       /* the matching call to fail, counted from 0 */
    int persistent; /* fail every matching call from the nth on */
    int err;
    long seen;  /* matching calls while armed */
    int failed; /* calls failed */
} fault;

static void arm(enum fault_call call, long op, long nth, int err,
                int persistent)
{
    fault.call = call;
    fault.op = op;
    fault.nth = nth;
    fault.err = err;
    fault.persistent = persistent;
    fault.seen = 0;
    fault.failed = 0;
    fault.armed = 1;
}

static void disarm(void)
{
    fault.armed = 0;
}

/* Nonzero (and errno set) when this call is the one to fail. */
static int inject(enum fault_call call, long op)
{
    long index;

    if (!fault.armed || call != fault.call ||
        (fault.op != ANY_OP && fault.op != op))
        return 0;
    index = fault.seen++;
    if (index == fault.nth || (fault.persistent && index > fault.nth)) {
        fault.failed++;
        errno = fault.err;
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The wrappers.                                                           */

int __real_memfd_create(const char *name, unsigned flags);
int __wrap_memfd_create(const char *name, unsigned flags);
int __real_ftruncate(int fd, off_t len);
int __wrap_ftruncate(int fd, off_t len);
int __real_fcntl(int fd, int cmd, ...);
int __wrap_fcntl(int fd, int cmd, ...);
int __real_fstat(int fd, struct stat *st);
int __wrap_fstat(int fd, struct stat *st);
int __real_fstatfs(int fd, struct statfs *fs);
int __wrap_fstatfs(int fd, struct statfs *fs);
ssize_t __real_pread(int fd, void *buf, size_t len, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);
int __real_mprotect(void *addr, size_t len, int prot);
int __wrap_mprotect(void *addr, size_t len, int prot);
int __real_madvise(void *addr, size_t len, int advice);
int __wrap_madvise(void *addr, size_t len, int advice);
ssize_t __real_sendmsg(int sock, const struct msghdr *msg, int flags);
ssize_t __wrap_sendmsg(int sock, const struct msghdr *msg, int flags);
ssize_t __real_recvmsg(int sock, struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int sock, struct msghdr *msg, int flags);

int __wrap_memfd_create(const char *name, unsigned flags)
{
    if (inject(CALL_MEMFD_CREATE, ANY_OP))
        return -1;
    return __real_memfd_create(name, flags);
}

int __wrap_ftruncate(int fd, off_t len)
{
    if (inject(CALL_FTRUNCATE, ANY_OP))
        return -1;
    return __real_ftruncate(fd, len);
}

int __wrap_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    void *ptr = NULL;
    int value = 0, takes_ptr = 0;

    va_start(ap, cmd);
    switch (cmd) {
    case F_GETFD:
    case F_GETFL:
    case F_GET_SEALS:
        break; /* no argument */
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        ptr = va_arg(ap, void *);
        takes_ptr = 1;
        break;
    default:
        value = va_arg(ap, int);
        break;
    }
    va_end(ap);
    if (inject(CALL_FCNTL, cmd))
        return -1;
    return takes_ptr ? __real_fcntl(fd, cmd, ptr)
                     : __real_fcntl(fd, cmd, value);
}

int __wrap_fstat(int fd, struct stat *st)
{
    if (inject(CALL_FSTAT, ANY_OP))
        return -1;
    return __real_fstat(fd, st);
}

int __wrap_fstatfs(int fd, struct statfs *fs)
{
    if (inject(CALL_FSTATFS, ANY_OP))
        return -1;
    return __real_fstatfs(fd, fs);
}

ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off)
{
    if (inject(CALL_PREAD, ANY_OP))
        return -1;
    return __real_pread(fd, buf, len, off);
}

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, unsigned);
        va_end(ap);
    }
    if (inject(CALL_OPEN, ANY_OP))
        return -1;
    return __real_open(path, flags, mode);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    if (inject(CALL_MMAP, ANY_OP))
        return MAP_FAILED;
    return __real_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_mprotect(void *addr, size_t len, int prot)
{
    if (inject(CALL_MPROTECT, ANY_OP))
        return -1;
    return __real_mprotect(addr, len, prot);
}

int __wrap_madvise(void *addr, size_t len, int advice)
{
    if (inject(CALL_MADVISE, advice))
        return -1;
    return __real_madvise(addr, len, advice);
}

ssize_t __wrap_sendmsg(int sock, const struct msghdr *msg, int flags)
{
    if (inject(CALL_SENDMSG, ANY_OP))
        return -1;
    return __real_sendmsg(sock, msg, flags);
}

ssize_t __wrap_recvmsg(int sock, struct msghdr *msg, int flags)
{
    if (inject(CALL_RECVMSG, ANY_OP))
        return -1;
    return __real_recvmsg(sock, msg, flags);
}

/* ---------------------------------------------------------------------- */
/* What "nothing left behind" means: see kit/census.h.                    */

static struct kit_census take_census(void)
{
    struct kit_census c;

    cr_assert_eq(kit_census_take(&c), 0);
    return c;
}

static void assert_same_census(const struct kit_census *before,
                               const char *what)
{
    struct kit_census now = take_census();
    char diff[256];

    cr_assert(!kit_census_differs(before, &now, diff, sizeof diff), "%s: %s",
              what, diff);
}

/* ---------------------------------------------------------------------- */
/* Fault points: a call (and for fcntl/madvise the command), the errors    */
/* it may fail with, and what each failure must turn into.                 */

struct fault_point {
    const char *name;
    enum fault_call call;
    long op;
    int errors[6]; /* 0-terminated */
};

static const struct fault_point points[] = {
    {"memfd_create", CALL_MEMFD_CREATE, ANY_OP, {EMFILE, ENOMEM, EINVAL}},
    {"ftruncate", CALL_FTRUNCATE, ANY_OP, {ENOMEM, EFBIG, EINTR}},
    {"fcntl(F_ADD_SEALS)", CALL_FCNTL, F_ADD_SEALS, {EPERM, EBUSY}},
    {"fcntl(F_GET_SEALS)", CALL_FCNTL, F_GET_SEALS, {EINVAL, EBADF}},
    {"fcntl(F_DUPFD_CLOEXEC)", CALL_FCNTL, F_DUPFD_CLOEXEC, {EMFILE}},
    {"fcntl(F_OFD_SETLK)", CALL_FCNTL, F_OFD_SETLK, {ENOLCK, EAGAIN, EACCES}},
    {"fstat", CALL_FSTAT, ANY_OP, {EIO, ENOMEM}},
    {"fstatfs", CALL_FSTATFS, ANY_OP, {EIO, ENOSYS}},
    {"pread", CALL_PREAD, ANY_OP, {EIO, EINTR}},
    {"open", CALL_OPEN, ANY_OP, {EMFILE, ENOENT, EACCES}},
    {"mmap", CALL_MMAP, ANY_OP, {ENOMEM, EAGAIN, EACCES}},
    {"mprotect", CALL_MPROTECT, ANY_OP, {ENOMEM, EACCES}},
    {"madvise(MADV_DONTFORK)", CALL_MADVISE, MADV_DONTFORK, {EINVAL, ENOMEM}},
    {"madvise(MADV_POPULATE_WRITE)",
     CALL_MADVISE,
     MADV_POPULATE_WRITE,
     {ENOMEM, EFAULT, EINVAL}},
    {"madvise(MADV_POPULATE_READ)",
     CALL_MADVISE,
     MADV_POPULATE_READ,
     {ENOMEM, EFAULT, EINVAL}},
};

#define POINTS (sizeof points / sizeof points[0])

/* What the operation must return when call nth of point p failed with
   err; 1 means "the library works around it: same as without faults". */
static int expected_rc(const struct fault_point *p, long nth, int err)
{
    if (p->call == CALL_MEMFD_CREATE && err == EINVAL && nth == 0)
        return 1; /* retried without MFD_NOEXEC_SEAL (kernels < 6.3) */
    if (p->call == CALL_MADVISE && p->op != MADV_DONTFORK && err == EINVAL)
        return 1; /* no MADV_POPULATE_* (kernels < 5.14): pages touched */
    if (p->call == CALL_FCNTL && p->op == F_GET_SEALS)
        return -EINVAL; /* not a memfd, as far as attach can tell */
    if (p->call == CALL_FCNTL && p->op == F_OFD_SETLK &&
        (err == EAGAIN || err == EACCES))
        return -EBUSY; /* the role is held */
    return -err;
}

/* ---------------------------------------------------------------------- */
/* Operations under test.                                                  */

struct operation {
    const char *name;
    int (*run)(struct ring *r, const struct operation *op);
    size_t capacity;
    unsigned flags;
    /* The points the operation must reach without faults, by index into
       points[]: proves the wrappers are in the path at all. */
    const char *const *reaches;
};

static int attach_fd = -1; /* a ring nobody holds, for the attach ops */

static int run_create(struct ring *r, const struct operation *op)
{
    return ring_create(r, op->capacity, op->flags);
}

static int run_attach(struct ring *r, const struct operation *op)
{
    return ring_attach(r, attach_fd, op->flags);
}

/* A handle that opened must work: a record crosses it. */
static void use(struct ring *r, const struct operation *op)
{
    unsigned roles = op->flags & (RING_PRODUCER | RING_CONSUMER);
    long out = 0, in = 0x1234567;

    cr_assert_eq(ring_error(r), 0);
    cr_assert_geq(ring_fd(r), 0);
    if (roles == 0) {
        cr_assert_eq(ring_msg_send(r, &in, sizeof in), 0);
        cr_assert_eq(ring_msg_recv(r, &out, sizeof out), (ssize_t)sizeof out);
        cr_assert_eq(out, in);
    } else if (roles == RING_PRODUCER) {
        cr_assert_gt(ring_writable(r), 0);
    } else if (op->run == run_attach) {
        /* The fixture ring holds one record nobody consumed. */
        size_t len = 0;
        cr_assert_not_null(ring_msg_peek(r, &len));
        cr_assert_eq(len, sizeof in);
    } else {
        cr_assert_eq(ring_readable(r), 0);
    }
}

/* After a failed open: the closed state, and ring_close does nothing. */
static void assert_closed(struct ring *r)
{
    cr_assert_eq(ring_fd(r), -EBADF);
    cr_assert_eq(ring_error(r), -EBADF);
    cr_assert_null(ring_reserve(r, 1));
    ring_close(r);
    ring_close(r);
}

static const char *const reach_create[] = {"memfd_create",
                                           "ftruncate",
                                           "fcntl(F_ADD_SEALS)",
                                           "fcntl(F_OFD_SETLK)",
                                           "open",
                                           "mmap",
                                           "madvise(MADV_DONTFORK)",
                                           "madvise(MADV_POPULATE_WRITE)",
                                           NULL};
static const char *const reach_create_consumer[] = {
    "memfd_create", "ftruncate", "fcntl(F_ADD_SEALS)",
    "mprotect",     "mmap",      NULL};
static const char *const reach_create_huge[] = {"memfd_create", "fstat", NULL};
static const char *const reach_attach_producer[] = {
    "fstat",
    "fstatfs",
    "pread",
    "fcntl(F_GET_SEALS)",
    "fcntl(F_DUPFD_CLOEXEC)",
    "fcntl(F_OFD_SETLK)",
    "open",
    "mmap",
    "madvise(MADV_DONTFORK)",
    "madvise(MADV_POPULATE_WRITE)",
    NULL};
static const char *const reach_attach_consumer[] = {
    "fstat", "pread", "open", "mmap", "madvise(MADV_POPULATE_READ)", NULL};

static const struct operation operations[] = {
    {"create, both roles", run_create, 4096, 0, reach_create},
    {"create, consumer", run_create, 8192, RING_CONSUMER,
     reach_create_consumer},
    {"create, huge pages", run_create, 1, RING_HUGEPAGES, reach_create_huge},
    {"attach, producer", run_attach, 0, RING_PRODUCER, reach_attach_producer},
    {"attach, consumer", run_attach, 0, RING_CONSUMER, reach_attach_consumer},
    {"attach, both roles", run_attach, 0, 0, reach_attach_producer},
};

/* A ring with one record in it and no holder, for the attach ops. */
static void make_attach_fixture(void)
{
    struct ring owner;
    long record = 0x1234567;

    cr_assert_eq(ring_create(&owner, 4096, 0), 0);
    cr_assert_eq(ring_msg_send(&owner, &record, sizeof record), 0);
    attach_fd = fcntl(ring_fd(&owner), F_DUPFD_CLOEXEC, 3);
    cr_assert_geq(attach_fd, 0);
    ring_close(&owner);
}

static void drop_attach_fixture(void)
{
    if (attach_fd >= 0)
        close(attach_fd);
    attach_fd = -1;
}

TestSuite(faults, .init = make_attach_fixture, .fini = drop_attach_fixture);

/* Calls the operation once without faults; counts the point's calls. */
static long count_calls(const struct operation *op, const struct fault_point *p,
                        int *rc)
{
    struct ring r;

    arm(p->call, p->op, LONG_MAX, 0, 0);
    *rc = op->run(&r, op);
    disarm();
    if (*rc == 0)
        ring_close(&r);
    return fault.seen;
}

static void fail_each_call(const struct operation *op)
{
    struct ring r;
    int baseline;

    /* The first run pays for first-use allocations of libc. */
    baseline = op->run(&r, op);
    if (baseline == 0) {
        use(&r, op);
        ring_close(&r);
    }
    struct kit_census before = take_census();

    for (const char *const *name = op->reaches; *name; name++) {
        int found = 0, rc;

        for (size_t i = 0; i < POINTS; i++)
            if (strcmp(points[i].name, *name) == 0) {
                found = 1;
                cr_assert_gt(count_calls(op, &points[i], &rc), 0,
                             "%s never calls %s", op->name, *name);
            }
        cr_assert(found, "no fault point %s", *name);
    }

    for (size_t i = 0; i < POINTS; i++) {
        const struct fault_point *p = &points[i];
        int rc;
        long calls = count_calls(op, p, &rc);

        cr_assert_eq(rc, baseline);
        for (const int *err = p->errors; *err; err++) {
            for (long nth = 0; nth < calls; nth++) {
                char what[160];
                int want = expected_rc(p, nth, *err);

                snprintf(what, sizeof what, "%s, %s call %ld fails with %s",
                         op->name, p->name, nth, strerror(*err));
                arm(p->call, p->op, nth, *err, 0);
                rc = op->run(&r, op);
                disarm();
                cr_assert_eq(fault.failed, 1, "%s: not reached", what);
                if (want == 1)
                    want = baseline;
                cr_assert_eq(rc, want, "%s: returned %d, not %d", what, rc,
                             want);
                if (rc == 0) {
                    use(&r, op);
                    ring_close(&r);
                } else {
                    assert_closed(&r);
                }
                assert_same_census(&before, what);
                /* A failed attach must not keep its role. */
                if (op->run == run_attach) {
                    cr_assert_eq(op->run(&r, op), 0, "%s: role kept", what);
                    ring_close(&r);
                }
            }
        }
    }
    assert_same_census(&before, op->name);
}

Test(faults, ring_create_both_roles)
{
    fail_each_call(&operations[0]);
}

Test(faults, ring_create_consumer_only)
{
    fail_each_call(&operations[1]);
}

Test(faults, ring_create_huge_pages)
{
    fail_each_call(&operations[2]);
}

Test(faults, ring_attach_producer)
{
    fail_each_call(&operations[3]);
}

Test(faults, ring_attach_consumer)
{
    fail_each_call(&operations[4]);
}

Test(faults, ring_attach_both_roles)
{
    fail_each_call(&operations[5]);
}

/* Under a seccomp filter that denies memfd_create (ENOSYS, or EPERM), a
   ring cannot exist: create refuses cleanly instead of falling back to an
   unsealable file that a peer could shrink under us. */
Test(faults, no_memfd_create_is_a_clean_refusal)
{
    static const int errors[] = {ENOSYS, EPERM};
    static const unsigned flags[] = {0, RING_PRODUCER, RING_HUGEPAGES};
    struct ring r;

    struct kit_census before = take_census();
    for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++)
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
            arm(CALL_MEMFD_CREATE, ANY_OP, 0, errors[e], 1);
            int rc = ring_create(&r, 4096, flags[f]);
            disarm();
            cr_assert_eq(rc, -errors[e], "flags %u: %d", flags[f], rc);
            cr_assert_geq(fault.failed, 1);
            assert_closed(&r);
        }
    assert_same_census(&before, "memfd_create denied");
}

/* Descriptor passing: a failing sendmsg or recvmsg, and the descriptor
   limit probe after a truncated message, leave nothing behind. */
Test(faults, descriptor_passing)
{
    int sv[2], fd = memfd_create("x", MFD_CLOEXEC);

    cr_assert_geq(fd, 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct kit_census before = take_census();

    arm(CALL_SENDMSG, ANY_OP, 0, ENOBUFS, 0);
    cr_assert_eq(ring_send_fd(sv[0], fd), -ENOBUFS);
    disarm();

    cr_assert_eq(ring_send_fd(sv[0], fd), 0);
    arm(CALL_RECVMSG, ANY_OP, 0, EINTR, 0);
    cr_assert_eq(ring_recv_fd(sv[1]), -EINTR);
    disarm();
    assert_same_census(&before, "recvmsg fails");
    int got = ring_recv_fd(sv[1]); /* the message waited */
    cr_assert_geq(got, 0);
    close(got);

    /* More descriptors than ring_recv_fd makes room for: truncated, and
       the probe that tells the descriptor limit from a hostile peer
       fails itself. */
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 32)];
    } control;
    int fds[32];
    char byte = 'x';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    memset(&control, 0, sizeof control);
    for (int i = 0; i < 32; i++)
        fds[i] = fd;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    cr_assert_eq(sendmsg(sv[0], &msg, 0), 1);
    arm(CALL_FCNTL, F_DUPFD_CLOEXEC, 0, EMFILE, 0);
    cr_assert_eq(ring_recv_fd(sv[1]), -EMFILE);
    cr_assert_eq(fault.failed, 1);
    disarm();
    assert_same_census(&before, "truncated message");

    close(sv[0]);
    close(sv[1]);
    close(fd);
}
