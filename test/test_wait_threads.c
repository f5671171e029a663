// SPDX-License-Identifier: MIT
/* test_wait_threads.c: the waits between two threads of one process, so
   that ThreadSanitizer (the tsan preset) sees both sides of every
   hand-off. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static long handoffs(void)
{
    const char *env = getenv("RING_TEST_HANDOFFS");

    return env ? atol(env) : 1000000;
}

struct side {
    struct ring *r;
    long count;
    int rc;
};

static void *bursty(void *arg)
{
    struct side *s = (struct side *)arg;
    uint64_t rng = 3, seq = 0;

    while (seq < (uint64_t)s->count) {
        uint64_t burst = kit_rand_range(&rng, 1, 16);
        for (uint64_t i = 0; i < burst && seq < (uint64_t)s->count;) {
            int rc = ring_msg_send(s->r, &seq, sizeof seq);
            if (rc == -EAGAIN) {
                rc = ring_wait_writable(s->r, 24, 30000);
                if (rc != 0) {
                    s->rc = rc;
                    return NULL;
                }
                continue;
            }
            seq++;
            i++;
        }
        if (kit_rand(&rng) & 1)
            sched_yield();
    }
    s->rc = 0;
    return NULL;
}

/* One handle, both roles: the consumer thread always blocks. */
Test(wait_threads, handoffs_on_one_handle, .timeout = 900)
{
    struct ring r;
    struct side producer;
    pthread_t thread;
    uint64_t seq = 0, got;
    long count = handoffs();

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cr_assert_eq(ring_set_spin(&r, 0), 0);
    producer = (struct side){&r, count, -1};
    cr_assert_eq(pthread_create(&thread, NULL, bursty, &producer), 0);
    while (seq < (uint64_t)count) {
        cr_assert_eq(ring_wait_readable(&r, 1, 30000), 0, "at %llu",
                     (unsigned long long)seq);
        while (ring_msg_recv(&r, &got, sizeof got) == sizeof got)
            cr_assert_eq(got, seq++);
    }
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(producer.rc, 0);
    struct ring_stats st;
    cr_assert_eq(ring_get_stats(&r, &st), 0);
    cr_assert_leq(st.consumer_missed + st.producer_missed, 2);
    ring_close(&r);
}

/* Two rings, two handles each: a blocking ping-pong. */
struct pong {
    struct ring in, out;
    long rounds;
    int rc;
};

static void *ponger(void *arg)
{
    struct pong *p = (struct pong *)arg;
    uint64_t v;

    for (long i = 0; i < p->rounds; i++) {
        if (ring_wait_readable(&p->in, 1, 30000) != 0 ||
            ring_msg_recv(&p->in, &v, sizeof v) != sizeof v ||
            v != (uint64_t)i || ring_msg_send(&p->out, &v, sizeof v) != 0) {
            p->rc = 1;
            return NULL;
        }
    }
    p->rc = 0;
    return NULL;
}

Test(wait_threads, blocking_ping_pong, .timeout = 300)
{
    struct ring ping, pong;
    struct pong other;
    pthread_t thread;
    uint64_t v;
    long rounds = handoffs() / 10;

    cr_assert_eq(ring_create(&ping, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_create(&pong, 4096, RING_CONSUMER), 0);
    cr_assert_eq(ring_attach(&other.in, ring_fd(&ping), RING_CONSUMER), 0);
    cr_assert_eq(ring_attach(&other.out, ring_fd(&pong), RING_PRODUCER), 0);
    ring_set_spin(&pong, 0);
    ring_set_spin(&other.in, 0);
    other.rounds = rounds;
    cr_assert_eq(pthread_create(&thread, NULL, ponger, &other), 0);
    for (long i = 0; i < rounds; i++) {
        v = (uint64_t)i;
        cr_assert_eq(ring_msg_send(&ping, &v, sizeof v), 0);
        cr_assert_eq(ring_wait_readable(&pong, 1, 30000), 0);
        cr_assert_eq(ring_msg_recv(&pong, &v, sizeof v), sizeof v);
        cr_assert_eq(v, (uint64_t)i);
    }
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(other.rc, 0);
    ring_close(&other.in);
    ring_close(&other.out);
    ring_close(&ping);
    ring_close(&pong);
}

static void *close_soon(void *arg)
{
    usleep(100 * 1000);
    ring_close((struct ring *)arg);
    return NULL;
}

Test(wait_threads, closing_the_producer_wakes_the_consumer_with_epipe,
     .timeout = 60)
{
    struct ring p, c;
    pthread_t thread;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(ring_write(&p, "last", 4), 4);
    cr_assert_eq(pthread_create(&thread, NULL, close_soon, &p), 0);
    cr_assert_eq(ring_wait_readable(&c, 4, -1), 0);
    cr_assert_eq(ring_wait_readable(&c, 5, -1), -EPIPE);
    char buf[4];
    cr_assert_eq(ring_read(&c, buf, 4), 4);
    cr_assert_arr_eq(buf, "last", 4);
    cr_assert_eq(pthread_join(thread, NULL), 0);
    ring_close(&c);
}

static void on_signal(int sig)
{
    (void)sig;
}

struct waiting {
    struct ring *r;
    volatile int rc;
};

static void *wait_forever(void *arg)
{
    struct waiting *w = (struct waiting *)arg;

    w->rc = ring_wait_readable(w->r, 1, -1);
    return NULL;
}

Test(wait_threads, pthread_kill_interrupts_a_wait, .timeout = 60)
{
    struct ring p, c;
    struct waiting w = {&c, 1};
    struct sigaction sa = {.sa_handler = on_signal};
    pthread_t thread;
    void *ret;

    sigaction(SIGUSR1, &sa, NULL);
    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(pthread_create(&thread, NULL, wait_forever, &w), 0);
    /* Signal until the wait returns: one may land while it spins. */
    for (int i = 0; i < 3000; i++) {
        pthread_kill(thread, SIGUSR1);
        usleep(10000);
        if (pthread_tryjoin_np(thread, &ret) == 0)
            break;
    }
    cr_assert_eq(w.rc, -EINTR);
    ring_close(&c);
    ring_close(&p);
}

/* Threads opening and closing event descriptors at once: the process's
   shared instance and its thread start and stop under them, over and over
   (ThreadSanitizer watches; a stop that waited for the wrong thread would
   hang here). */
static void *event_fds_come_and_go(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        struct ring r;

        if (ring_create(&r, 4096, 0) != 0)
            return (void *)"create";
        if (ring_event_fd(&r, RING_CONSUMER) < 0)
            return (void *)"event fd";
        if (ring_event_arm(&r, RING_CONSUMER, 1) != 0)
            return (void *)"arm";
        if (ring_write(&r, "x", 1) != 1 ||
            ring_event_arm(&r, RING_CONSUMER, 1) != 1)
            return (void *)"rearm";
        ring_close(&r);
    }
    return NULL;
}

Test(wait_threads, event_fds_come_and_go_in_several_threads, .timeout = 300)
{
    pthread_t threads[3];
    void *what;

    for (int i = 0; i < 3; i++)
        cr_assert_eq(
            pthread_create(&threads[i], NULL, event_fds_come_and_go, NULL), 0);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pthread_join(threads[i], &what), 0);
        cr_assert_null(what, "thread %d failed at %s", i, (const char *)what);
    }
}
