// SPDX-License-Identifier: MIT
/*
 * guest_test.c: the test of the reference driver, run as root inside the
 * VM of kernel/test/run-qemu with ringdev.ko loaded. It consumes with
 * libring's own calls (ring_attach on the device, ring_msg_recv,
 * ring_msg_peek, ring_wait_readable, ring_event_fd) and checks every byte
 * of every record against the pattern of ringdev.h. It also plays the
 * hostile consumer: impossible heads, garbage in every other shared word,
 * writes where it may not write.
 *
 * Prints one line per test and "guest_test: N passed, N failed" at the
 * end; exits 0 only when every test passed. With --fail-fast it stops at
 * the first failure.
 */
#define _GNU_SOURCE
#include "ring.h"
#include "ring_layout.h"
#include "ringdev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEVICE  "/dev/ringdev"
#define PAGE    4096u
#define WAIT_MS 30000 /* no single wait of a passing run comes near it */
static unsigned test_timeout_s = 120;

static char failure[512];

/* Records why the current test failed; the CHECK macros return -1. */
static int failed(int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(failure, sizeof failure, "line %d: ", line);

    va_start(ap, fmt);
    vsnprintf(failure + n, sizeof failure - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            return failed(__LINE__, "%s (errno %d)", #cond, errno);            \
    } while (0)
#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            return failed(__LINE__, "%s is %lld, not %lld", #a, a_, b_);       \
    } while (0)

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

/* The CPU the kernel thread runs on: 0 any, n the CPU n - 1. Set by the
   tests that pin both sides to one CPU (see pin()). */
static uint32_t producer_cpu;

/*
 * Runs this process, and the kernel thread it starts, on CPU 0 alone
 * (pin(1)), or anywhere again (pin(0)). A run that laps a small ring tens
 * of thousands of times wakes its peer on every lap; across two vCPUs of
 * a TCG guest on a loaded host each such wake-up waits for the host's
 * scheduler, milliseconds, while on one vCPU it is a context switch. The
 * runs that are not pinned test the two sides on two CPUs.
 */
static void pin(int on)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (!on)
        CPU_SET(1, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
    producer_cpu = on ? 1 : 0;
}

/* A new ring: its own open() of the device. */
static int open_ring(uint64_t capacity)
{
    struct ring_dev_create c = {.capacity = capacity};
    int fd = open(DEVICE, O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (ioctl(fd, RING_IOC_CREATE, &c) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

static int produce(int fd, uint32_t source, uint64_t count, uint64_t seed,
                   uint32_t min_len, uint32_t max_len, uint32_t flags)
{
    struct ringdev_produce p = {
        .source = source,
        .flags = flags,
        .count = count,
        .seed = seed,
        .min_len = min_len,
        .max_len = max_len,
        .period_ns = 50000,
        .batch = 16,
        .cpu = source == RINGDEV_KTHREAD ? producer_cpu : 0,
    };

    return ioctl(fd, RINGDEV_IOC_PRODUCE, &p) == 0 ? 0 : -errno;
}

static struct ringdev_stats stats_of(int fd)
{
    struct ringdev_stats s;

    memset(&s, 0xff, sizeof s);
    (void)ioctl(fd, RINGDEV_IOC_STATS, &s);
    return s;
}

/* Waits until the producer of fd has found the ring full (it waits or
   retries now); 0, or -1 after WAIT_MS. */
static int wait_full(int fd)
{
    for (int i = 0; i < WAIT_MS / 5; i++) {
        if (stats_of(fd).full > 0)
            return 0;
        sleep_ms(5);
    }
    return -1;
}

/*
 * The consumer's half of every run: takes count records of the pattern
 * (seed, lengths in [min_len, max_len]) from r, in order, waiting with
 * ring_wait_readable when there is none, and compares every byte. Odd
 * records through ring_msg_peek/consume, even ones through ring_msg_recv.
 * Counts the records that straddle the end of the data (and so lean on
 * the double mapping). Then expects the end of the stream if at_end.
 */
struct check {
    uint64_t seed, count;
    uint32_t min_len, max_len;
    bool at_end;
    uint64_t straddled, bytes; /* out */
};

static int consume(struct ring *r, struct check *c)
{
    size_t cap = ring_capacity(r);
    unsigned char *got = malloc(c->max_len + 1), *want = malloc(c->max_len + 1);
    uint64_t pos = 0;
    int rc = 0;

    CHECK(got && want);
    for (uint64_t seq = 0; seq < c->count && rc == 0; seq++) {
        uint32_t len = ringdev_len(c->seed, seq, c->min_len, c->max_len);
        const void *peeked = NULL;
        ssize_t n;
        size_t plen = 0;

        for (;;) {
            if (seq & 1) {
                peeked = ring_msg_peek(r, &plen);
                n = peeked ? (ssize_t)plen : -EAGAIN;
            } else {
                n = ring_msg_recv(r, got, c->max_len + 1);
            }
            if (n != -EAGAIN)
                break;
            int w = ring_wait_readable(r, 1, WAIT_MS);
            if (w != 0) {
                rc = failed(__LINE__, "record %llu: ring_wait_readable %d",
                            (unsigned long long)seq, w);
                break;
            }
        }
        if (rc)
            break;
        if (n != (ssize_t)len) {
            rc = failed(__LINE__, "record %llu: length %zd, not %u",
                        (unsigned long long)seq, n, len);
            break;
        }
        ringdev_fill(want, c->seed, seq, len);
        if (memcmp(peeked ? peeked : got, want, len) != 0) {
            const unsigned char *g = peeked ? peeked : got;
            uint32_t i = 0;
            while (g[i] == want[i])
                i++;
            rc = failed(__LINE__,
                        "record %llu (%u bytes at ring offset %llu): byte %u "
                        "is %#x, not %#x",
                        (unsigned long long)seq, len,
                        (unsigned long long)(pos % cap), i, g[i], want[i]);
            break;
        }
        if (peeked)
            ring_msg_consume(r);
        if (pos % cap + RING_MSG_HEADER + len > cap)
            c->straddled++;
        pos += RING_MSG_HEADER + ((len + 7u) & ~7u);
    }
    c->bytes = pos;
    if (rc == 0 && c->at_end) {
        int w = ring_wait_readable(r, 1, WAIT_MS);
        if (w != -EPIPE)
            rc = failed(__LINE__,
                        "after the last record: wait says %d, not "
                        "-EPIPE",
                        w);
        else if (ring_msg_recv(r, got, c->max_len + 1) != -EAGAIN)
            rc = failed(__LINE__, "a record after the end");
    }
    free(got);
    free(want);
    return rc;
}

/* One producer run on a new ring, consumed and checked. */
static int run(uint64_t capacity, uint32_t source, uint64_t count,
               uint32_t min_len, uint32_t max_len, struct check *out)
{
    struct ring r;
    int fd = open_ring(capacity), rc;
    struct ringdev_stats s;

    CHECK(fd >= 0);
    *out = (struct check){.seed = (uint64_t)fd * 7919 + count,
                          .count = count,
                          .min_len = min_len,
                          .max_len = max_len,
                          .at_end = true};
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    CHECK_EQ(produce(fd, source, count, out->seed, min_len, max_len,
                     RINGDEV_END_AFTER),
             0);
    rc = consume(&r, out);
    s = stats_of(fd);
    ring_close(&r);
    close(fd);
    if (rc)
        return rc;
    CHECK_EQ(s.produced, count);
    CHECK_EQ(s.error, 0);
    if (source == RINGDEV_HRTIMER) {
        CHECK(s.shots > 0);
        CHECK_EQ(s.not_hardirq, 0); /* every shot in hard-irq context */
    }
    return 0;
}

/* ---------------------------------------------------------------------- */

static char detail[256];

static int test_geometry(void)
{
    struct ring_dev_geometry g;
    struct ring r;
    int fd = open(DEVICE, O_RDWR | O_CLOEXEC), fd2;

    CHECK(fd >= 0);
    /* No ring before RING_IOC_CREATE. */
    CHECK(ioctl(fd, RING_IOC_GEOMETRY, &g) == -1 && errno == ENXIO);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
          errno == ENXIO);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), -ENXIO);
    CHECK(write(fd, "x", 1) == -1 && errno == ENXIO);

    struct ring_dev_create c = {.capacity = 5000};
    CHECK(ioctl(fd, RING_IOC_CREATE, &c) == 0);
    CHECK(ioctl(fd, RING_IOC_CREATE, &c) == -1 && errno == EBUSY);
    CHECK(ioctl(fd, RING_IOC_GEOMETRY, &g) == 0);
    CHECK(g.magic == RING_DEV_MAGIC);
    CHECK_EQ(g.layout_version, RING_DEV_LAYOUT_VERSION);
    CHECK_EQ(g.capacity, 8192); /* rounded up to a power of two */
    CHECK_EQ(g.page_size, PAGE);
    CHECK_EQ(g.consumer_offset, 0);
    CHECK_EQ(g.control_offset, PAGE);
    CHECK_EQ(g.control_length, PAGE + 2 * 8192);
    CHECK_EQ(g.data_offset, PAGE);

    /* The library: consumer only, the geometry from the driver. */
    CHECK_EQ(ring_attach(&r, fd, RING_PRODUCER), -EINVAL);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    CHECK_EQ(ring_capacity(&r), 8192);
    CHECK_EQ(ring_msg_max(&r), 8192 - 16);
    CHECK_EQ(ring_error(&r), 0);
    CHECK(ring_fd(&r) >= 0 && ring_fd(&r) != fd);
    CHECK(ring_msg_send(&r, "x", 1) != 0); /* not the producer */
    CHECK_EQ(ring_wait_writable(&r, 8, 0), -EPERM);
    ring_close(&r);
    ring_close(&r); /* twice is harmless */

    /* Every open is a ring of its own. */
    fd2 = open_ring(PAGE);
    CHECK(fd2 >= 0);
    CHECK(ioctl(fd2, RING_IOC_GEOMETRY, &g) == 0);
    CHECK_EQ(g.capacity, PAGE);
    close(fd2);

    /* Bad sizes and flags; the limit is the module's max_capacity. */
    fd2 = open(DEVICE, O_RDWR | O_CLOEXEC);
    CHECK(fd2 >= 0);
    c = (struct ring_dev_create){.capacity = 0};
    CHECK(ioctl(fd2, RING_IOC_CREATE, &c) == -1 && errno == EINVAL);
    c = (struct ring_dev_create){.capacity = PAGE, .flags = 1};
    CHECK(ioctl(fd2, RING_IOC_CREATE, &c) == -1 && errno == EINVAL);
    c = (struct ring_dev_create){.capacity = (64u << 20) + 1};
    CHECK(ioctl(fd2, RING_IOC_CREATE, &c) == -1 && errno == EFBIG);
    c = (struct ring_dev_create){.capacity = UINT64_MAX};
    CHECK(ioctl(fd2, RING_IOC_CREATE, &c) == -1 && errno == EFBIG);
    CHECK(ioctl(fd2, _IO(RING_IOC_TYPE, 0x7f)) == -1 && errno == ENXIO);
    CHECK(ioctl(fd, _IO(RING_IOC_TYPE, 0x7f)) == -1 && errno == ENOTTY);
    close(fd2);
    close(fd);
    return 0;
}

static int test_million(void)
{
    struct check c;

    if (run(16384, RINGDEV_KTHREAD, 1000000, 0, 48, &c))
        return -1;
    snprintf(detail, sizeof detail,
             "1000000 records of 0-48 bytes through a 16 KiB ring, %llu laps",
             (unsigned long long)(c.bytes / 16384));
    return 0;
}

static int test_one_page_laps(void)
{
    struct check c;
    int rc;

    pin(1);
    rc = run(PAGE, RINGDEV_KTHREAD, 260000, 1, 1000, &c);
    pin(0);
    if (rc)
        return -1;
    CHECK(c.bytes / PAGE >= 30000);
    CHECK(c.straddled >= c.bytes / PAGE / 2);
    snprintf(detail, sizeof detail,
             "a 4 KiB ring lapped %llu times, %llu records straddling the wrap",
             (unsigned long long)(c.bytes / PAGE),
             (unsigned long long)c.straddled);
    return 0;
}

static int test_sizes(void)
{
    struct check c;
    const uint32_t max = (1u << 20) - 16;

    if (run(1u << 20, RINGDEV_KTHREAD, 20000, 0, 16, &c)) /* tiny */
        return -1;
    if (run(1u << 20, RINGDEV_KTHREAD, 6, max, max, &c)) /* the largest */
        return -1;
    if (run(1u << 20, RINGDEV_KTHREAD, 40, 1, max, &c)) /* anything */
        return -1;
    if (run(PAGE, RINGDEV_KTHREAD, 64, PAGE - 16, PAGE - 16, &c))
        return -1;
    snprintf(detail, sizeof detail,
             "0-16 bytes, %u bytes (the largest of a 1 MiB ring), 1 byte to "
             "that, a whole page's worth",
             max);
    return 0;
}

static int test_hrtimer(void)
{
    struct check c;

    if (run(8192, RINGDEV_HRTIMER, 20000, 0, 200, &c))
        return -1;
    snprintf(detail, sizeof detail,
             "20000 records from hard-irq context through an 8 KiB ring");
    return 0;
}

/* The producer is another process writing to the inherited descriptor,
   one record per write(); it blocks while the ring is full. */
static int test_write(void)
{
    const uint64_t count = 30000, seed = 42;
    struct check c = {.seed = seed,
                      .count = count,
                      .min_len = 0,
                      .max_len = 3000,
                      .at_end = true};
    struct ring r;
    int fd = open_ring(8192), status;
    pid_t child;
    void *map;

    CHECK(fd >= 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
    CHECK(map != MAP_FAILED);
    pin(1); /* the child inherits it */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        unsigned char buf[3000];
        unsigned char vec;

        /* Mappings do not survive fork. */
        if (mincore(map, PAGE, &vec) == 0 || errno != ENOMEM)
            _exit(3);
        for (uint64_t seq = 0; seq < count; seq++) {
            uint32_t len = ringdev_len(seed, seq, 0, 3000);
            ringdev_fill(buf, seed, seq, len);
            if (write(fd, buf, len) != (ssize_t)len)
                _exit(4);
        }
        _exit(ioctl(fd, RINGDEV_IOC_END) == 0 ? 0 : 5);
    }
    int rc = consume(&r, &c);
    pin(0);
    if (rc)
        kill(child, SIGKILL); /* it may wait for room forever */
    CHECK(waitpid(child, &status, 0) == child);
    if (rc) {
        ring_close(&r);
        close(fd);
        return rc;
    }
    CHECK_EQ(status, 0);
    /* After the end, write() says so. */
    CHECK(write(fd, "x", 1) == -1 && errno == EPIPE);
    ring_close(&r);
    munmap(map, PAGE);
    close(fd);

    /* Too large, non-blocking when full, and a bad buffer: each refused,
       and the ring goes on as before. */
    fd = open_ring(PAGE);
    CHECK(fd >= 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    static unsigned char big[PAGE];
    CHECK(write(fd, big, PAGE - 15) == -1 && errno == EMSGSIZE);
    void *hole =
        mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(hole != MAP_FAILED);
    CHECK(write(fd, hole, 100) == -1 && errno == EFAULT);
    munmap(hole, PAGE);
    CHECK_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    int sent = 0;
    while (write(fd, big, 1000) == 1000)
        sent++;
    CHECK(errno == EAGAIN);
    CHECK_EQ(sent, 4); /* 1008 bytes each, and 8 free after the last */
    CHECK(write(fd, "", 0) == 0); /* an empty record still fits */
    for (int i = 0; i < sent; i++)
        CHECK_EQ(ring_msg_recv(&r, big, sizeof big), 1000);
    CHECK_EQ(ring_msg_recv(&r, big, sizeof big), 0);
    CHECK_EQ(ring_msg_recv(&r, big, sizeof big), -EAGAIN);
    CHECK(write(fd, "hello", 5) == 5);
    CHECK_EQ(ring_msg_recv(&r, big, 4), -EMSGSIZE); /* stays in the ring */
    CHECK_EQ(ring_msg_recv(&r, big, sizeof big), 5);
    CHECK(memcmp(big, "hello", 5) == 0);
    ring_close(&r);
    close(fd);
    snprintf(detail, sizeof detail,
             "30000 records of 0-3000 bytes from write() in another process");
    return 0;
}

/* Waiting: poll on the device, ring_wait_readable's timeouts and lengths,
   and an event loop through ring_event_fd. */
static int test_waits(void)
{
    struct ring r;
    int fd = open_ring(PAGE), efd, ep;
    struct pollfd pfd;
    double t0;
    unsigned char buf[64];

    CHECK(fd >= 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    pfd = (struct pollfd){.fd = fd, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, 0), 0);
    CHECK_EQ(ring_wait_readable(&r, 1, 0), -ETIMEDOUT);
    t0 = now_s();
    CHECK_EQ(ring_wait_readable(&r, 1, 200), -ETIMEDOUT);
    CHECK(now_s() - t0 >= 0.19);
    CHECK_EQ(ring_wait_readable(&r, PAGE + 1, 0), -EINVAL);

    /* A wait for 100 bytes is not ended by the first few. */
    CHECK(write(fd, buf, 8) == 8); /* 16 bytes in the ring */
    CHECK_EQ(ring_wait_readable(&r, 100, 100), -ETIMEDOUT);
    CHECK_EQ(ring_wait_readable(&r, 16, 0), 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        sleep_ms(100);
        for (int i = 0; i < 8; i++)
            if (write(fd, buf, 8) != 8)
                _exit(1);
        _exit(0);
    }
    CHECK_EQ(ring_wait_readable(&r, 100, WAIT_MS), 0);
    CHECK(ring_readable(&r) >= 100);
    int status;
    CHECK(waitpid(child, &status, 0) == child && status == 0);
    while (ring_msg_recv(&r, buf, sizeof buf) == 8)
        ;

    /* The event descriptor: armed, it turns readable once data comes. */
    efd = ring_event_fd(&r, RING_CONSUMER);
    CHECK(efd >= 0);
    CHECK_EQ(ring_event_fd(&r, RING_CONSUMER), efd);
    CHECK_EQ(ring_event_fd(&r, RING_PRODUCER), -EINVAL);
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
    CHECK_EQ(ring_event_arm(&r, RING_CONSUMER, 1), 0);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 50), 0);
    CHECK_EQ(produce(fd, RINGDEV_HRTIMER, 100, 9, 8, 8, RINGDEV_END_AFTER), 0);
    int got = 0;
    while (got < 100) {
        int a = ring_event_arm(&r, RING_CONSUMER, 1);
        CHECK(a == 0 || a == 1);
        if (a == 0)
            CHECK_EQ(epoll_wait(ep, &ev, 1, WAIT_MS), 1);
        while (ring_msg_recv(&r, buf, sizeof buf) == 8)
            got++;
    }
    CHECK_EQ(ring_event_arm(&r, RING_CONSUMER, 1), -EPIPE);
    pfd = (struct pollfd){.fd = fd, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, 0), 1);
    CHECK(pfd.revents & POLLHUP);
    close(ep);
    ring_close(&r);
    close(fd);
    snprintf(detail, sizeof detail,
             "timeouts, lengths, poll, ring_event_fd with epoll");
    return 0;
}

/* What committed before the end stays readable to a consumer that comes
   later, to the last byte; then -EPIPE. */
static int test_end_of_stream(void)
{
    struct ring r;
    struct check c = {
        .seed = 5, .count = 100, .min_len = 0, .max_len = 30, .at_end = true};
    int fd = open_ring(PAGE);

    CHECK(fd >= 0);
    CHECK_EQ(produce(fd, RINGDEV_KTHREAD, 100, 5, 0, 30, RINGDEV_END_AFTER), 0);
    for (int i = 0; i < WAIT_MS / 5 && stats_of(fd).running; i++)
        sleep_ms(5);
    CHECK_EQ(stats_of(fd).running, 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    CHECK_EQ(consume(&r, &c), 0);
    CHECK_EQ(ring_wait_readable(&r, 1, 0), -EPIPE);
    ring_close(&r);
    close(fd);
    return 0;
}

static sigjmp_buf segv_jump;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(segv_jump, 1);
}

/* 1 when writing a byte at p faults. */
static int write_faults(volatile unsigned char *p)
{
    struct sigaction sa = {.sa_handler = on_segv}, old;
    int faulted = 0;

    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(segv_jump, 1) == 0)
        *p = 0x55;
    else
        faulted = 1;
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

static long module_refcount(void)
{
    FILE *f = fopen("/sys/module/ringdev/refcnt", "r");
    long n = -1;

    if (f) {
        if (fscanf(f, "%ld", &n) != 1)
            n = -1;
        fclose(f);
    }
    return n;
}

static int test_mapping_rules(void)
{
    const size_t cap = 2 * PAGE, ro_len = PAGE + 2 * cap;
    int fd = open_ring(cap), mem;
    unsigned char *ro, *rw, vec;

    CHECK(fd >= 0);
    /* The read-only region: never writable, never private. */
    CHECK(mmap(NULL, ro_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE) ==
              MAP_FAILED &&
          errno == EPERM);
    CHECK(mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
              MAP_FAILED &&
          errno == EPERM);
    CHECK(mmap(NULL, ro_len, PROT_READ, MAP_PRIVATE, fd, PAGE) == MAP_FAILED &&
          errno == EINVAL);
    CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) ==
              MAP_FAILED &&
          errno == EINVAL);
    CHECK(mmap(NULL, ro_len + PAGE, PROT_READ, MAP_SHARED, fd, PAGE) ==
              MAP_FAILED &&
          errno == EINVAL);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE + ro_len) ==
              MAP_FAILED &&
          errno == EINVAL);
    ro = mmap(NULL, ro_len, PROT_READ, MAP_SHARED, fd, PAGE);
    CHECK(ro != MAP_FAILED);
    CHECK(mprotect(ro, ro_len, PROT_READ | PROT_WRITE) == -1 &&
          errno == EACCES);
    CHECK(mprotect(ro + PAGE, PAGE, PROT_READ | PROT_WRITE) == -1);
    CHECK(write_faults(ro));
    CHECK(write_faults(ro + PAGE));
    CHECK(write_faults(ro + ro_len - 1));
    /* Not even through /proc/self/mem, which may write where a mapping
       forbids it for a private copy-on-write mapping. */
    mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    CHECK(mem >= 0);
    CHECK(pwrite(mem, "x", 1, (off_t)(uintptr_t)(ro + PAGE)) == -1);
    close(mem);
    /* Never grown by mremap. */
    CHECK(mremap(ro, ro_len, ro_len + PAGE, 0) == MAP_FAILED);
    /* The consumer page is writable, and only it. */
    rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(rw != MAP_FAILED);
    CHECK(!write_faults(rw + 8)); /* not head: the driver ignores it */

    /* Zeroed: a new ring shows nothing of the ring before it. */
    const struct ring_dev_control *ctl = (const void *)ro;
    CHECK(ctl->magic == RING_DEV_MAGIC);
    CHECK_EQ(ctl->capacity, cap);
    CHECK_EQ(ctl->data_offset, PAGE);
    for (size_t i = PAGE; i < ro_len; i++)
        if (ro[i] != 0)
            return failed(__LINE__, "byte %zu of a new ring is %#x", i, ro[i]);
    for (size_t i = 0; i < PAGE; i++)
        if (rw[i] != (i == 8 ? 0x55 : 0))
            return failed(__LINE__, "consumer byte %zu is %#x", i, rw[i]);
    /* Mirrored: the data pages twice, the same bytes. */
    unsigned char buf[PAGE];
    memset(buf, 0xab, sizeof buf);
    CHECK(write(fd, buf, 3000) == 3000);
    CHECK(memcmp(ro + PAGE + 8, buf, 3000) == 0);
    CHECK(memcmp(ro + PAGE + cap + 8, buf, 3000) == 0);

    /* The mapping outlives close(): the pages stay, and so does the
       module, until munmap. */
    long before = module_refcount();
    close(fd);
    CHECK(ro[PAGE + 8] == 0xab && ro[PAGE + cap + 8] == 0xab);
    CHECK(module_refcount() >= 1);
    /* rmmod now would find it busy (O_NONBLOCK: never waits, never
       unloads a module in use). */
    CHECK(syscall(SYS_delete_module, "ringdev", O_NONBLOCK) == -1 &&
          (errno == EWOULDBLOCK || errno == EBUSY));
    CHECK(mincore(ro, ro_len, &vec) == -1 ? errno != ENOMEM : 1);
    munmap(rw, PAGE);
    munmap(ro, ro_len);
    CHECK(module_refcount() < before || before < 0);

    /* A new ring after that one: zero again (its freed pages may come
       back to it). */
    fd = open_ring(cap);
    CHECK(fd >= 0);
    ro = mmap(NULL, ro_len, PROT_READ, MAP_SHARED, fd, PAGE);
    CHECK(ro != MAP_FAILED);
    for (size_t i = PAGE; i < ro_len; i++)
        if (ro[i] != 0)
            return failed(__LINE__, "byte %zu of a new ring is %#x", i, ro[i]);
    munmap(ro, ro_len);
    close(fd);
    CHECK_EQ(module_refcount(), 0);
    snprintf(detail, sizeof detail,
             "read-only, shared only, no mprotect, no mremap, zeroed, "
             "mirrored, outlives close");
    return 0;
}

/* The pages are charged to the memory cgroup of whoever creates the ring:
   a child in a cgroup of 16 MiB cannot make a 32 MiB ring. */
static int test_memcg(void)
{
    const char *cg = "/sys/fs/cgroup/ringtest";
    int status;
    pid_t child;
    char path[128];
    FILE *f;

    f = fopen("/sys/fs/cgroup/cgroup.subtree_control", "w");
    CHECK(f != NULL);
    fputs("+memory", f);
    CHECK(fclose(f) == 0);
    CHECK(mkdir(cg, 0755) == 0 || errno == EEXIST);
    snprintf(path, sizeof path, "%s/memory.max", cg);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("16M", f);
    CHECK(fclose(f) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        long long before = 0, after = 0;
        snprintf(path, sizeof path, "%s/cgroup.procs", cg);
        f = fopen(path, "w");
        if (!f || fprintf(f, "%d", getpid()) < 0 || fclose(f) != 0)
            _exit(2);
        if (open_ring(32u << 20) != -ENOMEM)
            _exit(3);
        snprintf(path, sizeof path, "%s/memory.current", cg);
        f = fopen(path, "r");
        if (!f || fscanf(f, "%lld", &before) != 1)
            _exit(4);
        fclose(f);
        int fd = open_ring(4u << 20);
        if (fd < 0)
            _exit(5);
        f = fopen(path, "r");
        if (!f || fscanf(f, "%lld", &after) != 1)
            _exit(6);
        fclose(f);
        _exit(after - before >= (4 << 20) ? 0 : 7);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK(rmdir(cg) == 0);
    snprintf(detail, sizeof detail,
             "32 MiB refused in a 16 MiB cgroup, 4 MiB charged to it");
    return 0;
}

/*
 * The hostile consumer. A producer fills the ring; garbage in every word
 * of the consumer page but head changes nothing; then an impossible head
 * stops the ring: the producer gets -EPROTO, the consumer -EPROTO, poll
 * EPOLLERR, write() EPROTO, and the kernel neither faults nor hangs.
 */
static int hostile(uint64_t (*bad_head)(uint64_t head, uint64_t tail),
                   const char *what)
{
    struct ring r;
    int fd = open_ring(PAGE);
    unsigned char buf[PAGE];
    volatile uint64_t *words;
    const struct ring_dev_control *ctl;
    struct ringdev_stats s;
    struct pollfd pfd;

    CHECK(fd >= 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
    words = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(words != MAP_FAILED);
    ctl = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
    CHECK(ctl != MAP_FAILED);
    CHECK_EQ(produce(fd, RINGDEV_KTHREAD, 1u << 30, 1, 0, 100, 0), 0);
    CHECK_EQ(wait_full(fd), 0);
    for (size_t i = 1; i < PAGE / 8; i++)
        words[i] = 0x8badf00d8badf00dULL * i;
    /* Still alive: records flow when consumed through the library. */
    uint64_t full = stats_of(fd).full;
    for (int i = 0; i < 200; i++) {
        CHECK_EQ(ring_wait_readable(&r, 1, WAIT_MS), 0);
        CHECK(ring_msg_recv(&r, buf, sizeof buf) >= 0);
    }
    for (int i = 0; i < WAIT_MS / 5 && stats_of(fd).full == full; i++)
        sleep_ms(5);
    CHECK(stats_of(fd).full > full);
    CHECK_EQ(stats_of(fd).error, 0);
    CHECK_EQ(ctl->stream_state, RING_DEV_RUNNING);
    /* Arming reads head: the driver now knows the latest one, so that
       "backwards" is backwards from what it knows. */
    CHECK(ioctl(fd, RING_IOC_ARM, 1UL) >= 0);

    uint64_t head = words[0], tail = ctl->tail;
    words[0] = bad_head(head, tail);
    /* The driver reads head again when it looks for room (its thread
       waits in slices), in poll, and when armed. */
    pfd = (struct pollfd){.fd = fd, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, WAIT_MS), 1);
    CHECK(pfd.revents & POLLERR);
    CHECK_EQ(ctl->stream_state, RING_DEV_STOPPED);
    for (int i = 0; i < WAIT_MS / 5 && stats_of(fd).running; i++)
        sleep_ms(5);
    s = stats_of(fd);
    CHECK_EQ(s.running, 0);
    CHECK_EQ(s.error, EPROTO);
    CHECK(write(fd, "x", 1) == -1 && errno == EPROTO);
    CHECK_EQ(produce(fd, RINGDEV_KTHREAD, 10, 1, 0, 100, 0), 0);
    for (int i = 0; i < WAIT_MS / 5 && stats_of(fd).running; i++)
        sleep_ms(5);
    CHECK_EQ(stats_of(fd).error, EPROTO);
    /* The library's consumer: what was readable may still be taken, then
       the wait says -EPROTO. */
    while (ring_msg_recv(&r, buf, sizeof buf) >= 0)
        ;
    CHECK_EQ(ring_wait_readable(&r, 1, WAIT_MS), -EPROTO);
    CHECK_EQ(ring_event_arm(&r, RING_CONSUMER, 1), -EPROTO);
    munmap((void *)words, PAGE);
    munmap((void *)ctl, PAGE);
    ring_close(&r);
    close(fd);
    (void)what;
    return 0;
}

static uint64_t past_tail(uint64_t head, uint64_t tail)
{
    (void)head;
    return tail + 8;
}

static uint64_t backwards(uint64_t head, uint64_t tail)
{
    (void)tail;
    return head - 8;
}

static uint64_t wrapped(uint64_t head, uint64_t tail)
{
    (void)head;
    return tail + (1ULL << 63);
}

static uint64_t far_back(uint64_t head, uint64_t tail)
{
    (void)head;
    return tail - 2 * PAGE; /* more than a ring behind */
}

static uint64_t unaligned(uint64_t head, uint64_t tail)
{
    return head + 1 < tail ? head + 1 : head - 1;
}

static uint64_t all_ones(uint64_t head, uint64_t tail)
{
    (void)head;
    (void)tail;
    return UINT64_MAX;
}

static int test_hostile(void)
{
    struct {
        uint64_t (*fn)(uint64_t, uint64_t);
        const char *what;
    } cases[] = {
        {past_tail, "past tail"}, {backwards, "backwards"},
        {wrapped, "wrapped"},     {far_back, "far back"},
        {unaligned, "unaligned"}, {all_ones, "all ones"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (hostile(cases[i].fn, cases[i].what)) {
            char why[sizeof failure];
            memcpy(why, failure, sizeof why);
            return failed(__LINE__, "head %s: %s", cases[i].what, why);
        }
    snprintf(detail, sizeof detail,
             "heads past tail, backwards, wrapped, far back, unaligned, all "
             "ones; garbage in every other word");
    return 0;
}

/* Closing while the producer waits on a full ring, or while it runs in
   the timer, or while a writer blocks: nothing hangs, nothing leaks. */
static int test_close_while_waiting(void)
{
    int fd, status;
    double t0;
    pid_t child;

    for (int source = RINGDEV_KTHREAD; source <= RINGDEV_HRTIMER; source++) {
        struct ring r;

        fd = open_ring(PAGE);
        CHECK(fd >= 0);
        CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), 0);
        CHECK_EQ(produce(fd, (uint32_t)source, 1u << 30, 3, 0, 64, 0), 0);
        CHECK_EQ(wait_full(fd), 0);
        t0 = now_s();
        ring_close(&r);
        close(fd);
        CHECK(now_s() - t0 < 5);
    }

    /* RINGDEV_IOC_STOP on a producer that waits. */
    fd = open_ring(PAGE);
    CHECK(fd >= 0);
    CHECK_EQ(produce(fd, RINGDEV_KTHREAD, 1u << 30, 3, 0, 64, 0), 0);
    CHECK_EQ(wait_full(fd), 0);
    CHECK_EQ(ioctl(fd, RINGDEV_IOC_STOP), 0);
    CHECK_EQ(stats_of(fd).running, 0);
    CHECK_EQ(stats_of(fd).error, EINTR);
    /* A writer blocked on the full ring, killed. */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char b[64] = {0};
        for (;;)
            if (write(fd, b, sizeof b) < 0)
                _exit(1);
    }
    sleep_ms(300);
    CHECK_EQ(kill(child, SIGKILL), 0);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    close(fd);
    for (int i = 0; i < WAIT_MS / 5 && module_refcount() != 0; i++)
        sleep_ms(5);
    CHECK_EQ(module_refcount(), 0);
    snprintf(detail, sizeof detail,
             "kthread and hrtimer on a full ring, STOP, a killed writer");
    return 0;
}

static int test_not_a_ring(void)
{
    struct ring r;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    CHECK(fd >= 0);
    CHECK_EQ(ring_attach(&r, fd, RING_CONSUMER), -EINVAL);
    CHECK_EQ(ring_error(&r), -EBADF);
    close(fd);
    return 0;
}

/* The watchdog: a test that hangs fails on its own, with its name, long
   before the host's timeout. */
static const char *current_test;

static void on_alarm(int sig)
{
    char msg[160];
    int n = snprintf(msg, sizeof msg,
                     "guest_test: FAIL %s: still running after %u s\n",
                     current_test, test_timeout_s);

    (void)sig;
    (void)!write(STDOUT_FILENO, msg, (size_t)n);
    _exit(1);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } tests[] = {
        {"geometry", test_geometry},
        {"not a ring", test_not_a_ring},
        {"a million records", test_million},
        {"one page lapped", test_one_page_laps},
        {"tiny and large records", test_sizes},
        {"hrtimer producer", test_hrtimer},
        {"write() producer", test_write},
        {"waits", test_waits},
        {"end of stream", test_end_of_stream},
        {"mapping rules", test_mapping_rules},
        {"memory cgroup", test_memcg},
        {"hostile consumer", test_hostile},
        {"close while waiting", test_close_while_waiting},
    };
    /* --fail-fast: stop at the first failure (the negative control);
       --slow: a kernel with KASAN, four times the watchdog's time. */
    int fail_fast = argc > 1 && strcmp(argv[1], "--fail-fast") == 0;

    if (argc > 1 && strcmp(argv[1], "--slow") == 0)
        test_timeout_s *= 4;
    int passed = 0, nfailed = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        double t0 = now_s();
        detail[0] = 0;
        current_test = tests[i].name;
        alarm(test_timeout_s);
        if (tests[i].fn() == 0) {
            passed++;
            printf("guest_test: ok   %s (%.1f s)%s%s\n", tests[i].name,
                   now_s() - t0, detail[0] ? ": " : "", detail);
        } else {
            nfailed++;
            printf("guest_test: FAIL %s (%.1f s): %s\n", tests[i].name,
                   now_s() - t0, failure);
            if (fail_fast)
                break;
        }
    }
    if (fail_fast && nfailed)
        printf("guest_test: stopped at the first failure\n");
    else
        printf("guest_test: %d passed, %d failed\n", passed, nfailed);
    return nfailed ? 1 : 0;
}
