// SPDX-License-Identifier: MIT
/* test_fence.c: the wake-up protocol without membarrier(). Linked with
   -Wl,--wrap=syscall against the static library, so that the test can
   make membarrier fail as a seccomp filter or an old kernel would:
   - fails from the start: every handle fences its own publishes (the
     seq_cst exchange) and no wake-up may be lost;
   - fails after the handles registered: publishers do not fence, the
     waiter cannot fence for them, so it sleeps in 1 ms slices and every
     record still arrives. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int no_membarrier;
static volatile long membarrier_calls;

long __real_syscall(long number, ...);
long __wrap_syscall(long number, ...);

long __wrap_syscall(long number, ...)
{
    va_list ap;
    long a[6];

    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_membarrier) {
        __atomic_fetch_add(&membarrier_calls, 1, __ATOMIC_RELAXED);
        if (no_membarrier) {
            errno = ENOSYS;
            return -1;
        }
    }
    return __real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

#define HANDOFFS 200000

static void *producer(void *arg)
{
    struct ring *p = (struct ring *)arg;
    uint64_t rng = 9;

    for (uint64_t seq = 0; seq < HANDOFFS;) {
        int rc = ring_msg_send(p, &seq, sizeof seq);
        if (rc == -EAGAIN) {
            if (ring_wait_writable(p, ring_msg_space_needed(sizeof seq), 30000))
                return (void *)1;
            continue;
        }
        if (rc)
            return (void *)2;
        seq++;
        if (kit_rand(&rng) % 8 == 0)
            usleep(1);
    }
    return NULL;
}

/* A consumer that always sleeps, fed by a bursty producer thread. */
static struct ring_stats handoffs(struct ring *p, struct ring *c)
{
    pthread_t thread;
    struct ring_stats st;
    uint64_t got;
    void *ret;

    ring_set_spin(c, 0);
    ring_set_spin(p, 0);
    cr_assert_eq(pthread_create(&thread, NULL, producer, p), 0);
    for (uint64_t seq = 0; seq < HANDOFFS;) {
        cr_assert_eq(ring_wait_readable(c, 1, 30000), 0, "at %llu",
                     (unsigned long long)seq);
        while (ring_msg_recv(c, &got, sizeof got) == sizeof got)
            cr_assert_eq(got, seq++, "lost or duplicated");
    }
    cr_assert_eq(pthread_join(thread, &ret), 0);
    cr_assert_null(ret);
    cr_assert_eq(ring_get_stats(c, &st), 0);
    return st;
}

Test(fence, without_membarrier_publishers_fence_themselves, .timeout = 300)
{
    struct ring p, c;

    no_membarrier = 1;
    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_gt(membarrier_calls, 0);
    cr_assert_eq(p.setup.publish_fence, 1);
    cr_assert_eq(c.setup.publish_fence, 1);
    struct ring_stats st = handoffs(&p, &c);
    cr_assert_gt(st.consumer_sleeps, 0);
    /* Both sides fence: nothing can be lost. */
    cr_assert_leq(st.consumer_missed + st.producer_missed, 2);
    ring_close(&c);
    ring_close(&p);
}

Test(fence, a_waiter_without_membarrier_still_gets_everything, .timeout = 300)
{
    struct ring p, c;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(p.setup.publish_fence, 0);
    no_membarrier = 1; /* from now on the waiters cannot fence for us */
    struct ring_stats st = handoffs(&p, &c);
    cr_assert_gt(st.consumer_sleeps, 0);
    ring_close(&c);
    ring_close(&p);
}

Test(fence, with_membarrier_a_waiter_fences_for_the_publisher)
{
    struct ring p, c;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(p.setup.publish_fence, 0);
    long before = membarrier_calls;
    cr_assert_eq(ring_wait_readable(&c, 1, 20), -ETIMEDOUT);
    cr_assert_gt(membarrier_calls, before, "the waiter did not fence");
    ring_close(&c);
    ring_close(&p);
}
