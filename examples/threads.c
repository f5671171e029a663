// SPDX-License-Identifier: MIT
/*
 * threads: copies standard input to standard output through a ring, one
 * thread reading and another writing, like a pipe inside one process.
 *
 *   threads < input > output
 *
 * Bytes go from read(2) straight into ring memory (ring_reserve) and from
 * ring memory straight to write(2) (ring_peek): no buffer in between.
 *
 * Two handles on one ring: the main thread creates it as producer and
 * attaches a second handle as consumer. Closing the producer's handle is
 * then what ends the consumer's wait (-EPIPE). A single handle with both
 * roles (flags 0) also works, but it never sees its own side close.
 */
#define _POSIX_C_SOURCE 200809L
#include <ring.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn static void die(const char *what, int err)
{
    fprintf(stderr, "threads: %s: %s\n", what, strerror(err));
    exit(1);
}

/* The producer thread: reads standard input into the ring. */
static void *produce(void *arg)
{
    struct ring *r = arg;

    for (;;) {
        size_t room = ring_writable(r);
        void *span;
        ssize_t n;

        if (room == 0) {
            /* Full: sleep until a quarter of the ring is free, not until
               the first byte is (fewer, larger reads). */
            int rc = ring_wait_writable(r, ring_capacity(r) / 4, -1);
            if (rc < 0)
                die("ring_wait_writable", -rc);
            continue;
        }
        span = ring_reserve(r, room);
        n = read(STDIN_FILENO, span, room);
        if (n < 0)
            die("reading standard input", errno);
        if (n == 0)
            break;
        ring_commit(r, (size_t)n); /* publishes n bytes, wakes the reader */
    }
    /* End of input. The consumer still reads everything committed. */
    ring_close(r);
    return NULL;
}

int main(void)
{
    struct ring producer, consumer;
    unsigned long long copied = 0;
    pthread_t thread;
    int rc;

    rc = ring_create(&producer, 256 * 1024, RING_PRODUCER);
    if (rc < 0)
        die("ring_create", -rc);
    rc = ring_attach(&consumer, ring_fd(&producer), RING_CONSUMER);
    if (rc < 0)
        die("ring_attach", -rc);
    /* From here on each handle belongs to one thread. */
    rc = pthread_create(&thread, NULL, produce, &producer);
    if (rc != 0)
        die("pthread_create", rc);

    /* This thread consumes: writes what is readable to standard output. */
    for (;;) {
        size_t len;
        const void *span = ring_peek(&consumer, &len);
        ssize_t n;

        if (span == NULL) {
            rc = ring_wait_readable(&consumer, 1, -1);
            if (rc == -EPIPE) /* producer closed, everything is read */
                break;
            if (rc < 0)
                die("ring_wait_readable", -rc);
            continue;
        }
        n = write(STDOUT_FILENO, span, len);
        if (n < 0)
            die("writing standard output", errno);
        ring_consume(&consumer, (size_t)n); /* gives the space back */
        copied += (unsigned long long)n;
    }
    rc = pthread_join(thread, NULL);
    if (rc != 0)
        die("pthread_join", rc);
    ring_close(&consumer);
    fprintf(stderr, "threads: copied %llu bytes\n", copied);
    return 0;
}
