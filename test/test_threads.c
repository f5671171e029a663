// SPDX-License-Identifier: MIT
/* test_threads.c: a producer thread and a consumer thread on one handle,
   checking every byte. Built and run under ThreadSanitizer by the tsan
   preset. */
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define BYTES   (64u << 20)
#define RECORDS 500000u
#define SEED    77

static struct ring r;

static void *produce_bytes(void *arg)
{
    unsigned char *chunk = malloc(10000);
    uint64_t pos = 0, rng = 1;

    (void)arg;
    while (pos < BYTES) {
        size_t want = (size_t)kit_rand_range(&rng, 1, 10000);
        if (want > BYTES - pos)
            want = (size_t)(BYTES - pos);
        if (rng & 1) {
            test_pattern_fill(chunk, want, SEED, pos);
            size_t n = ring_write(&r, chunk, want);
            pos += n;
            if (n == 0)
                sched_yield();
        } else {
            unsigned char *span = (unsigned char *)ring_reserve(&r, want);
            if (!span) {
                sched_yield();
                continue;
            }
            test_pattern_fill(span, want, SEED, pos);
            ring_commit(&r, want);
            pos += want;
        }
    }
    free(chunk);
    return NULL;
}

Test(threads, bytes_cross_between_threads_intact, .timeout = 600)
{
    pthread_t producer;
    unsigned char *chunk = malloc(20000);
    uint64_t pos = 0, rng = 2;

    cr_assert_eq(ring_create(&r, 65536, 0), 0);
    cr_assert_eq(pthread_create(&producer, NULL, produce_bytes, NULL), 0);
    while (pos < BYTES) {
        size_t len, n;
        if (rng & 1) {
            const unsigned char *p = (const unsigned char *)ring_peek(&r, &len);
            n = len ? (size_t)kit_rand_range(&rng, 1, len) : 0;
            if (n) {
                cr_assert_eq(test_pattern_check(p, n, SEED, pos), n, "at %llu",
                             (unsigned long long)pos);
                ring_consume(&r, n);
            }
        } else {
            n = ring_read(&r, chunk, (size_t)kit_rand_range(&rng, 1, 20000));
            cr_assert_eq(test_pattern_check(chunk, n, SEED, pos), n, "at %llu",
                         (unsigned long long)pos);
        }
        kit_rand(&rng);
        pos += n;
        if (n == 0)
            sched_yield();
    }
    cr_assert_eq(pthread_join(producer, NULL), 0);
    cr_assert_eq(ring_readable(&r), 0);
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
    free(chunk);
}

static void *produce_records(void *arg)
{
    unsigned char *buf = malloc(4096);

    (void)arg;
    for (uint64_t n = 0; n < RECORDS;) {
        size_t len = test_record_len(SEED, n, 3000);
        if (n & 1) {
            test_pattern_fill(buf, len, SEED + n, 0);
            if (ring_msg_send(&r, buf, len) != 0) {
                sched_yield();
                continue;
            }
        } else {
            unsigned char *p = (unsigned char *)ring_msg_reserve(&r, len + 5);
            if (!p) {
                sched_yield();
                continue;
            }
            test_pattern_fill(p, len, SEED + n, 0);
            ring_msg_commit(&r, len);
        }
        n++;
    }
    free(buf);
    return NULL;
}

Test(threads, records_cross_between_threads_whole, .timeout = 600)
{
    pthread_t producer;
    unsigned char *buf = malloc(4096);

    cr_assert_eq(ring_create(&r, 16384, 0), 0);
    cr_assert_eq(pthread_create(&producer, NULL, produce_records, NULL), 0);
    for (uint64_t n = 0; n < RECORDS;) {
        size_t want = test_record_len(SEED, n, 3000), len;
        if (n & 1) {
            ssize_t got = ring_msg_recv(&r, buf, 4096);
            if (got == -EAGAIN) {
                sched_yield();
                continue;
            }
            cr_assert_eq(got, (ssize_t)want, "record %llu",
                         (unsigned long long)n);
            cr_assert_eq(test_pattern_check(buf, want, SEED + n, 0), want);
        } else {
            const unsigned char *p =
                (const unsigned char *)ring_msg_peek(&r, &len);
            if (!p) {
                sched_yield();
                continue;
            }
            cr_assert_eq(len, want, "record %llu", (unsigned long long)n);
            cr_assert_eq(test_pattern_check(p, len, SEED + n, 0), len);
            ring_msg_consume(&r);
        }
        n++;
    }
    cr_assert_eq(pthread_join(producer, NULL), 0);
    size_t len;
    cr_assert_null(ring_msg_peek(&r, &len));
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
    free(buf);
}
