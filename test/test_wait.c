// SPDX-License-Identifier: MIT
/* test_wait.c: blocking waits, wake-ups and the peer lifecycle, across
   real processes. Time bounds are generous: these tests make no timing
   claim beyond "a deadline is not cut short" and "no hang". */
#define _GNU_SOURCE
#include "helpers.h"
#include "kit/census.h"
#include "kit/clock.h"
#include "ring.h"
#include "ring_internal.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    return (int64_t)(kit_now_ns() / 1000000);
}

/* Runs fn(fd, arg) in a child process, which exits with what it returns.
   The child reaches the ring only through the descriptor. */
static pid_t spawn(int (*fn)(int fd, long arg), int fd, long arg)
{
    pid_t pid = fork();

    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(fn(fd, arg));
    return pid;
}

static int reap(pid_t pid)
{
    int status;

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void expect_exit_zero(pid_t pid)
{
    int status = reap(pid);

    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x",
              status);
}

/* Until the consumer of this ring has announced that it sleeps. */
static void until_consumer_waits(const struct ring *r)
{
    const struct ring_control *c =
        (const struct ring_control *)r->setup.control;
    int64_t end = now_ms() + 30000;

    while (atomic_load(&c->read_want) == 0) {
        cr_assert_lt(now_ms(), end, "consumer never waited");
        sched_yield();
    }
}

/* ---------------------------------------------------------------------- */

Test(wait, timeouts_are_honoured)
{
    struct ring p, c;
    int64_t t0;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);

    cr_assert_eq(ring_wait_readable(&c, 1, 0), -ETIMEDOUT);
    t0 = now_ms();
    cr_assert_eq(ring_wait_readable(&c, 1, 200), -ETIMEDOUT);
    cr_assert_geq(now_ms() - t0, 200);

    cr_assert_eq(ring_write(&p, "x", 1), 1);
    cr_assert_eq(ring_wait_readable(&c, 1, 0), 0);
    cr_assert_eq(ring_wait_readable(&c, 2, 0), -ETIMEDOUT);
    cr_assert_eq(ring_wait_readable(&c, 0, 0), 0);

    unsigned char fill[4096] = {0};
    cr_assert_eq(ring_write(&p, fill, sizeof fill), 4095);
    cr_assert_eq(ring_wait_writable(&p, 1, 0), -ETIMEDOUT);
    t0 = now_ms();
    cr_assert_eq(ring_wait_writable(&p, 1, 150), -ETIMEDOUT);
    cr_assert_geq(now_ms() - t0, 150);

    /* Errors come before any waiting. */
    cr_assert_eq(ring_wait_readable(&c, 4097, -1), -EINVAL);
    cr_assert_eq(ring_wait_writable(&p, 4097, -1), -EINVAL);
    cr_assert_eq(ring_wait_readable(&p, 1, -1), -EPERM);
    cr_assert_eq(ring_wait_writable(&c, 1, -1), -EPERM);
    ring_close(&c);
    cr_assert_eq(ring_wait_readable(&c, 1, -1), -EBADF);
    ring_close(&p);
}

static int produce_late(int fd, long delay_ms)
{
    struct ring p;

    usleep((useconds_t)delay_ms * 1000);
    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    if (ring_msg_send(&p, "late", 4) != 0)
        return 2;
    ring_close(&p);
    return 0;
}

Test(wait, a_producer_still_to_come_is_waited_for)
{
    struct ring c;
    char buf[8];

    cr_assert_eq(ring_create(&c, 4096, RING_CONSUMER), 0);
    cr_assert_eq(ring_wait_readable(&c, 1, 100), -ETIMEDOUT);
    pid_t pid = spawn(produce_late, ring_fd(&c), 200);
    cr_assert_eq(ring_wait_readable(&c, 1, 30000), 0);
    cr_assert_eq(ring_msg_recv(&c, buf, sizeof buf), 4);
    cr_assert_arr_eq(buf, "late", 4);
    expect_exit_zero(pid);
    /* It closed after sending: the ring is drained, so now -EPIPE. */
    cr_assert_eq(ring_wait_readable(&c, 1, 30000), -EPIPE);
    ring_close(&c);
}

/* ---------------------------------------------------------------------- */

static int wait_for_64k(int fd, long report_fd)
{
    struct ring c;
    int rc;

    if (ring_attach(&c, fd, RING_CONSUMER) != 0)
        return 1;
    rc = ring_wait_readable(&c, 65536, 60000);
    size_t readable = ring_readable(&c);
    if (write((int)report_fd, &readable, sizeof readable) !=
        (ssize_t)sizeof readable)
        return 2;
    ring_close(&c);
    return rc == 0 ? 0 : 3;
}

Test(wait, a_waiter_for_n_bytes_is_not_released_by_fewer, .timeout = 120)
{
    struct ring p;
    struct ring_stats st;
    int report[2];
    size_t readable = 0;
    struct pollfd pfd;

    cr_assert_eq(pipe(report), 0);
    cr_assert_eq(ring_create(&p, 1 << 17, RING_PRODUCER), 0);
    pid_t pid = spawn(wait_for_64k, ring_fd(&p), report[1]);
    until_consumer_waits(&p);

    for (int i = 0; i < 65536 / 8 - 1; i++) {
        cr_assert_eq(ring_write(&p, "12345678", 8), 8);
        if (i % 512 == 0)
            sched_yield();
    }
    pfd = (struct pollfd){.fd = report[0], .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 300), 0, "released by fewer bytes");
    cr_assert_eq(ring_get_stats(&p, &st), 0);
    cr_assert_eq(st.consumer_wakes, 0, "woken %llu times for nothing",
                 (unsigned long long)st.consumer_wakes);

    cr_assert_eq(ring_write(&p, "12345678", 8), 8);
    cr_assert_eq(read(report[0], &readable, sizeof readable),
                 (ssize_t)sizeof readable);
    cr_assert_eq(readable, 65536);
    expect_exit_zero(pid);
    cr_assert_eq(ring_get_stats(&p, &st), 0);
    cr_assert_leq(st.consumer_wakes, 1);
    ring_close(&p);
    close(report[0]);
    close(report[1]);
}

/* ---------------------------------------------------------------------- */

#define STREAM_SEED 99

/* Writes the pattern stream, waiting for space, until it is killed. */
static int stream_bytes_forever(int fd, long unused)
{
    struct ring p;
    uint64_t pos = 0, rng = 3;

    (void)unused;
    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    for (;;) {
        size_t len = (size_t)kit_rand_range(&rng, 1, 5000);
        if (ring_wait_writable(&p, len, -1) != 0)
            return 2;
        unsigned char *span = (unsigned char *)ring_reserve(&p, len);
        if (!span)
            return 3;
        test_pattern_fill(span, len, STREAM_SEED, pos);
        ring_commit(&p, len);
        pos += len;
    }
}

Test(wait, a_killed_producer_leaves_every_committed_byte, .timeout = 120)
{
    struct ring c;
    unsigned char buf[8192];
    uint64_t pos = 0;
    int rc;

    cr_assert_eq(ring_create(&c, 1 << 16, RING_CONSUMER), 0);
    pid_t pid = spawn(stream_bytes_forever, ring_fd(&c), 0);
    while (pos < (8u << 20)) {
        cr_assert_eq(ring_wait_readable(&c, 1, 30000), 0);
        size_t n = ring_read(&c, buf, (size_t)(pos % 8191) + 1);
        cr_assert_eq(test_pattern_check(buf, n, STREAM_SEED, pos), n);
        pos += n;
    }
    kill(pid, SIGKILL);
    cr_assert(WIFSIGNALED(reap(pid)));

    /* Everything committed before the kill is still there, to the end. */
    while ((rc = ring_wait_readable(&c, 1, 30000)) == 0) {
        size_t n = ring_read(&c, buf, sizeof buf);
        cr_assert_eq(test_pattern_check(buf, n, STREAM_SEED, pos), n);
        pos += n;
    }
    cr_assert_eq(rc, -EPIPE);
    cr_assert_eq(pos, ringi_load_acquire(c.setup.tail_shared));
    cr_assert_eq(ring_readable(&c), 0);
    ring_close(&c);
}

static int stream_records_forever(int fd, long unused)
{
    struct ring p;
    uint64_t seq = 0;
    unsigned char buf[600];

    (void)unused;
    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    for (;;) {
        size_t len = test_record_len(STREAM_SEED, seq, sizeof buf);
        test_pattern_fill(buf, len, STREAM_SEED + seq, 0);
        int rc = ring_msg_send(&p, buf, len);
        if (rc == -EAGAIN) {
            if (ring_wait_writable(&p, ring_msg_space_needed(len), -1) != 0)
                return 2;
            continue;
        }
        if (rc != 0)
            return 3;
        seq++;
    }
}

Test(wait, a_killed_producer_leaves_every_committed_record, .timeout = 120)
{
    struct ring c;
    unsigned char buf[600];
    uint64_t seq = 0;
    ssize_t n;
    int rc;

    cr_assert_eq(ring_create(&c, 1 << 14, RING_CONSUMER), 0);
    pid_t pid = spawn(stream_records_forever, ring_fd(&c), 0);
    while (seq < 100000) {
        cr_assert_eq(ring_wait_readable(&c, 1, 30000), 0);
        while ((n = ring_msg_recv(&c, buf, sizeof buf)) >= 0) {
            cr_assert_eq((size_t)n, test_record_len(STREAM_SEED, seq, 600));
            cr_assert_eq(
                test_pattern_check(buf, (size_t)n, STREAM_SEED + seq, 0),
                (size_t)n);
            seq++;
        }
        cr_assert_eq(n, -EAGAIN);
    }
    kill(pid, SIGKILL);
    cr_assert(WIFSIGNALED(reap(pid)));
    while ((rc = ring_wait_readable(&c, 1, 30000)) == 0) {
        while ((n = ring_msg_recv(&c, buf, sizeof buf)) >= 0) {
            cr_assert_eq((size_t)n, test_record_len(STREAM_SEED, seq, 600));
            seq++;
        }
    }
    cr_assert_eq(rc, -EPIPE);
    size_t len;
    cr_assert_null(ring_msg_peek(&c, &len));
    ring_close(&c);
}

/* ---------------------------------------------------------------------- */

static int consume_then_die(int fd, long how)
{
    struct ring c;
    char buf[16];

    if (ring_attach(&c, fd, RING_CONSUMER) != 0)
        return 1;
    if (ring_read(&c, buf, sizeof buf) != sizeof buf)
        return 2;
    usleep(200 * 1000); /* the producer is asleep by now */
    if (how == 0)
        raise(SIGKILL);
    ring_close(&c);
    return 0;
}

static void producer_sees_consumer_go(long how)
{
    struct ring p;
    unsigned char fill[4096] = {0};

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_write(&p, fill, sizeof fill), 4096);
    pid_t pid = spawn(consume_then_die, ring_fd(&p), how);
    /* Space for 16 bytes comes, then no more: the consumer goes. */
    cr_assert_eq(ring_wait_writable(&p, 16, 30000), 0);
    cr_assert_eq(ring_write(&p, fill, 16), 16);
    cr_assert_eq(ring_wait_writable(&p, 1, -1), -EPIPE);
    reap(pid);
    ring_close(&p);
}

Test(wait, a_killed_consumer_gives_the_producer_epipe, .timeout = 60)
{
    producer_sees_consumer_go(0);
}

Test(wait, a_closing_consumer_gives_the_producer_epipe, .timeout = 60)
{
    producer_sees_consumer_go(1);
}

/* ---------------------------------------------------------------------- */

#define RESTART_RECORDS 200000

static int produce_sequence(int fd, long count)
{
    struct ring p;

    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    for (uint64_t seq = 0; seq < (uint64_t)count;) {
        int rc = ring_msg_send(&p, &seq, sizeof seq);
        if (rc == -EAGAIN) {
            rc = ring_wait_writable(&p, 24, 30000);
            if (rc == -EPIPE) /* between two consumers: wait for the next */
                usleep(1000);
            else if (rc != 0)
                return 2;
            continue;
        }
        if (rc != 0)
            return 3;
        seq++;
    }
    ring_close(&p);
    return 0;
}

struct restart_plan {
    uint64_t first; /* the record this consumer must see first */
    uint64_t count; /* how many it consumes */
    int end;        /* 0: killed after a peek, 1: closes, 2: last one */
};

static int consume_part(int fd, long plan_ptr)
{
    const struct restart_plan *plan = (const struct restart_plan *)plan_ptr;
    struct ring c;
    uint64_t seq;
    size_t len;

    if (ring_attach(&c, fd, RING_CONSUMER) != 0)
        return 1;
    for (uint64_t i = 0; i < plan->count; i++) {
        int rc = ring_wait_readable(&c, 1, 30000);
        if (rc != 0)
            return 2;
        if (ring_msg_recv(&c, &seq, sizeof seq) != sizeof seq)
            return 3;
        if (seq != plan->first + i)
            return 4; /* lost or delivered twice */
    }
    if (plan->end == 0) {
        /* Seen but not consumed: the next consumer must get it. */
        if (ring_wait_readable(&c, 1, 30000) != 0 || !ring_msg_peek(&c, &len))
            return 5;
        raise(SIGKILL);
    }
    if (plan->end == 2 && ring_wait_readable(&c, 1, 30000) != -EPIPE)
        return 6;
    ring_close(&c);
    return 0;
}

Test(wait, a_restarted_consumer_resumes_without_loss_or_duplicates,
     .timeout = 300)
{
    struct ring holder;
    struct restart_plan plans[] = {
        {0, 50000, 0},
        {50000, 70000, 1},
        {120000, 33333, 0},
        {153333, RESTART_RECORDS - 153333, 2},
    };

    /* The creator keeps no role, so producer and consumers come and go. */
    cr_assert_eq(ring_create(&holder, 1 << 14, RING_CONSUMER), 0);
    int fd = ring_fd(&holder);
    int keep = dup(fd);
    ring_close(&holder);

    pid_t producer = spawn(produce_sequence, keep, RESTART_RECORDS);
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        pid_t pid = spawn(consume_part, keep, (long)&plans[i]);
        int status = reap(pid);
        if (plans[i].end == 0)
            cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "consumer %zu status %#x", i, status);
        else
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "consumer %zu status %#x", i, status);
    }
    expect_exit_zero(producer);
    close(keep);
}

/* ---------------------------------------------------------------------- */

static long handoffs(void)
{
    const char *env = getenv("RING_TEST_HANDOFFS");

    return env ? atol(env) : 1000000;
}

/* Bursts of records, with pauses of every kind between them. */
static int bursty_producer(int fd, long count)
{
    struct ring p;
    uint64_t rng = 11, seq = 0;

    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    ring_set_spin(&p, 0); /* a full ring puts it to sleep too */
    while (seq < (uint64_t)count) {
        uint64_t burst = kit_rand_range(&rng, 1, 16);
        for (uint64_t i = 0; i < burst && seq < (uint64_t)count;) {
            int rc = ring_msg_send(&p, &seq, sizeof seq);
            if (rc == -EAGAIN) {
                if (ring_wait_writable(&p, 24, 30000) != 0)
                    return 2;
                continue;
            }
            if (rc != 0)
                return 3;
            seq++;
            i++;
        }
        switch (kit_rand(&rng) % 4) {
        case 0:
            break;
        case 1:
            sched_yield();
            break;
        case 2:
            for (volatile int spin = 0; spin < 2000; spin++)
                ;
            break;
        default:
            usleep((useconds_t)kit_rand_range(&rng, 1, 50));
            break;
        }
    }
    ring_close(&p);
    return 0;
}

Test(wait, a_million_handoffs_to_a_blocking_consumer_lose_no_wakeup,
     .timeout = 900)
{
    struct ring c;
    struct ring_stats st;
    long count = handoffs();
    uint64_t seq = 0, got;
    ssize_t n;
    int rc;

    /* Small: the producer fills it and sleeps too. */
    cr_assert_eq(ring_create(&c, 4096, RING_CONSUMER), 0);
    cr_assert_eq(ring_set_spin(&c, 0), 0); /* always sleep */
    pid_t pid = spawn(bursty_producer, ring_fd(&c), count);
    while ((rc = ring_wait_readable(&c, 1, 30000)) == 0) {
        while ((n = ring_msg_recv(&c, &got, sizeof got)) == sizeof got) {
            cr_assert_eq(got, seq, "lost or duplicated");
            seq++;
        }
        cr_assert_eq(n, -EAGAIN);
    }
    cr_assert_eq(rc, -EPIPE);
    cr_assert_eq(seq, (uint64_t)count);
    expect_exit_zero(pid);
    cr_assert_eq(ring_get_stats(&c, &st), 0);
    cr_log_info("sleeps %llu wakes %llu missed %llu; producer sleeps %llu "
                "wakes %llu missed %llu",
                (unsigned long long)st.consumer_sleeps,
                (unsigned long long)st.consumer_wakes,
                (unsigned long long)st.consumer_missed,
                (unsigned long long)st.producer_sleeps,
                (unsigned long long)st.producer_wakes,
                (unsigned long long)st.producer_missed);
    cr_assert_gt(st.consumer_sleeps, (uint64_t)count / 100,
                 "the consumer hardly ever blocked");
    /* A missed wake-up is counted only when a sleep ran out its whole
       50 ms slice while data sat there unannounced; a waker preempted
       for 50 ms between its publish and its wake-up can cause one on a
       loaded machine, a lost wake-up causes them by the hundred. */
    cr_assert_leq(st.consumer_missed + st.producer_missed, 2);
    ring_close(&c);
}

/* ---------------------------------------------------------------------- */

static volatile sig_atomic_t signals;

static void count_signal(int sig)
{
    (void)sig;
    signals++;
}

static int wait_with_handler(int fd, long restart)
{
    struct ring c;
    struct sigaction sa = {.sa_handler = count_signal};

    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    if (ring_attach(&c, fd, RING_CONSUMER) != 0)
        return 1;
    int rc = ring_wait_readable(&c, 1, -1);
    ring_close(&c);
    return rc == -EINTR && signals > 0 ? 0 : 2;
}

/* Signals the waiting child until it returns. */
static void signal_until_exit(pid_t pid, struct ring *p)
{
    int status = 0;

    until_consumer_waits(p);
    for (int i = 0; i < 3000; i++) {
        kill(pid, SIGUSR1);
        usleep(10000);
        if (waitpid(pid, &status, WNOHANG) == pid) {
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "child status %#x", status);
            return;
        }
    }
    kill(pid, SIGKILL);
    reap(pid);
    cr_assert_fail("the wait never returned");
}

Test(wait, a_signal_interrupts_a_wait_with_eintr, .timeout = 120)
{
    struct ring p;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    signal_until_exit(spawn(wait_with_handler, ring_fd(&p), 0), &p);
    ring_close(&p);
}

/* As poll() and epoll_wait() do, a wait returns -EINTR after a handler
   ran even when it was installed with SA_RESTART. */
Test(wait, eintr_also_with_sa_restart, .timeout = 120)
{
    struct ring p;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    signal_until_exit(spawn(wait_with_handler, ring_fd(&p), 1), &p);
    ring_close(&p);
}

/* ---------------------------------------------------------------------- */

/* Sends count records (then dies of SIGKILL when count < 0). */
static int epoll_records(int fd, long count)
{
    struct ring p;
    uint64_t rng = 5, total = (uint64_t)(count < 0 ? -count : count);

    if (ring_attach(&p, fd, RING_PRODUCER) != 0)
        return 1;
    for (uint64_t seq = 0; seq < total;) {
        if (ring_msg_send(&p, &seq, sizeof seq) == 0) {
            seq++;
            if (kit_rand(&rng) % 64 == 0)
                usleep((useconds_t)kit_rand_range(&rng, 1, 300));
        } else if (ring_wait_writable(&p, 24, 30000) != 0) {
            return 2;
        }
    }
    if (count < 0)
        raise(SIGKILL);
    ring_close(&p);
    return 0;
}

/* The consumer's event loop: epoll on the ring's descriptor. Returns the
   number of records received; checks their order. */
static uint64_t epoll_loop(struct ring *c, int *final_rc, uint64_t *sleeps)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int efd = ring_event_fd(c, RING_CONSUMER);
    struct epoll_event ev = {.events = EPOLLIN};
    uint64_t seq = 0, got;
    int rc;

    cr_assert_geq(ep, 0);
    cr_assert_geq(efd, 0);
    cr_assert_eq(ring_event_fd(c, RING_CONSUMER), efd);
    cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
    *sleeps = 0;
    for (;;) {
        while (ring_msg_recv(c, &got, sizeof got) == sizeof got)
            cr_assert_eq(got, seq++, "out of order");
        rc = ring_event_arm(c, RING_CONSUMER, 1);
        if (rc < 0)
            break;
        if (rc == 1)
            continue;
        cr_assert_eq(epoll_wait(ep, &ev, 1, 30000), 1, "no event in 30 s");
        ++*sleeps;
    }
    close(ep);
    *final_rc = rc;
    return seq;
}

Test(wait, an_epoll_loop_gets_every_record_then_epipe, .timeout = 120)
{
    struct ring c;
    uint64_t sleeps;
    int rc;

    cr_assert_eq(ring_create(&c, 8192, RING_CONSUMER), 0);
    pid_t pid = spawn(epoll_records, ring_fd(&c), 200000);
    cr_assert_eq(epoll_loop(&c, &rc, &sleeps), 200000);
    cr_assert_eq(rc, -EPIPE);
    cr_assert_gt(sleeps, 0);
    expect_exit_zero(pid);
    ring_close(&c);
}

Test(wait, an_epoll_loop_notices_a_killed_producer, .timeout = 120)
{
    struct ring c;
    uint64_t sleeps;
    int rc;

    cr_assert_eq(ring_create(&c, 8192, RING_CONSUMER), 0);
    pid_t pid = spawn(epoll_records, ring_fd(&c), -1000);
    (void)epoll_loop(&c, &rc, &sleeps);
    cr_assert_eq(rc, -EPIPE);
    cr_assert(WIFSIGNALED(reap(pid)));
    ring_close(&c);
}

Test(wait, event_fd_arguments)
{
    struct ring p, both;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_event_fd(&p, RING_CONSUMER), -EINVAL);
    int efd = ring_event_fd(&p, 0);
    cr_assert_geq(efd, 0);
    cr_assert_eq(ring_event_fd(&p, RING_PRODUCER), efd);
    /* Space is there: no need to wait. */
    cr_assert_eq(ring_event_arm(&p, RING_PRODUCER, 100), 1);
    cr_assert_eq(ring_event_arm(&p, RING_PRODUCER, 8192), -EINVAL);
    cr_assert_eq(ring_create(&both, 4096, 0), 0);
    cr_assert_eq(ring_event_fd(&both, 0), -EINVAL);
    cr_assert_geq(ring_event_fd(&both, RING_CONSUMER), 0);
    cr_assert_eq(ring_event_arm(&both, RING_CONSUMER, 1), 0);
    cr_assert_eq(ring_write(&both, "x", 1), 1);
    struct pollfd pfd = {.fd = ring_event_fd(&both, RING_CONSUMER),
                         .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 30000), 1);
    cr_assert_eq(ring_event_arm(&both, RING_CONSUMER, 1), 1);
    ring_close(&both);
    ring_close(&p);
    cr_assert_eq(ring_event_fd(&p, 0), -EBADF);
}

/* The process's inotify instances, from /proc/self/fd. */
static int inotify_instances(void)
{
    char path[64], target[64];
    int n = 0;

    for (int fd = 0; fd < 4096; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        n += strcmp(target, "anon_inode:inotify") == 0;
    }
    return n;
}

/* More event descriptors than a user may have inotify instances (128 by
   default): they share one, which goes with the last; and a doorbell
   wakes only the descriptor of the ring that rang. */
Test(wait, event_fds_share_one_inotify_instance, .timeout = 120)
{
    enum { RINGS = 200 };
    static struct ring prod[RINGS], cons[RINGS];
    struct kit_census before, after;
    struct pollfd pfd;
    struct rlimit lim;
    int fds[RINGS];

    /* Five descriptors a ring pair: more than a soft limit of 1024. */
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_cur < 2048 && lim.rlim_max >= 2048) {
        lim.rlim_cur = 2048;
        cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    }
    if (lim.rlim_cur < 2048)
        cr_skip_test("a descriptor limit of %llu is too low",
                     (unsigned long long)lim.rlim_cur);
    cr_assert_eq(kit_census_take(&before), 0);
    for (int i = 0; i < RINGS; i++) {
        cr_assert_eq(ring_create(&prod[i], 4096, RING_PRODUCER), 0);
        cr_assert_eq(ring_attach(&cons[i], ring_fd(&prod[i]), RING_CONSUMER),
                     0);
        fds[i] = ring_event_fd(&cons[i], RING_CONSUMER);
        cr_assert_geq(fds[i], 0, "event fd %d: %d", i, fds[i]);
    }
    cr_assert_eq(inotify_instances(), 1);

    /* Ring 7 armed and rung: its descriptor turns readable, and ring 8's
       (not armed, so it has no tick either) does not. */
    cr_assert_eq(ring_event_arm(&cons[7], RING_CONSUMER, 1), 0);
    cr_assert_eq(ring_write(&prod[7], "x", 1), 1);
    pfd = (struct pollfd){.fd = fds[7], .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 30000), 1);
    pfd = (struct pollfd){.fd = fds[8], .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 0), 0, "a doorbell woke another ring");
    cr_assert_eq(ring_event_arm(&cons[7], RING_CONSUMER, 1), 1);

    for (int i = 0; i < RINGS; i++) {
        ring_close(&cons[i]);
        ring_close(&prod[i]);
    }
    cr_assert_eq(inotify_instances(), 0);
    cr_assert_eq(kit_census_take(&after), 0);
    cr_assert(!kit_census_differs(&before, &after, NULL, 0));
}

/* A spin as long as a long allows is taken as the longest there is: the
   wait's deadline arithmetic does not overflow (UBSan checks it). */
Test(wait, a_huge_spin_is_clamped, .timeout = 120)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cr_assert_eq(ring_set_spin(&r, LONG_MAX), 0);
    cr_assert_eq(ring_wait_readable(&r, 1, 20), -ETIMEDOUT);
    cr_assert_eq(ring_set_spin(&r, -1), 0);
    ring_close(&r);
}
