// SPDX-License-Identifier: MIT
/*
 * test_handle.c: the handle itself, wherever C puts it. Its layout keeps
 * the two sides apart at every 8-byte-aligned address (the property the
 * speed at any address rests on: a regression guard, computed from the
 * struct, so that a field added in the wrong place fails here); a zeroed
 * handle is a closed one; a forked child's copy of its parent's handle
 * fails cleanly and never touches the parent's ring.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "kit/census.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The 128-byte blocks (a cache line and its prefetch buddy) that bytes
   [start, start + len) of a handle at base cover, as a range. */
struct blocks {
    uint64_t first, last;
};

static struct blocks blocks_of(uint64_t base, size_t start, size_t len)
{
    struct blocks b = {(base + start) / 128, (base + start + len - 1) / 128};

    return b;
}

static int overlap(struct blocks a, struct blocks b)
{
    return a.first <= b.last && b.first <= a.last;
}

Test(handle, the_sides_never_share_a_line_pair_at_any_address)
{
    const size_t producer = offsetof(struct ring, producer);
    const size_t setup = offsetof(struct ring, setup);
    const size_t consumer = offsetof(struct ring, consumer);

    /* Every byte belongs to a part or to a gap between them. */
    cr_assert_eq(producer, 0);
    cr_assert_eq(sizeof(struct ring),
                 consumer + sizeof(((struct ring *)0)->consumer));
    for (uint64_t base = 0; base < 128; base += 8) {
        struct blocks p =
            blocks_of(base, producer, sizeof(((struct ring *)0)->producer));
        struct blocks s =
            blocks_of(base, setup, sizeof(((struct ring *)0)->setup));
        struct blocks c =
            blocks_of(base, consumer, sizeof(((struct ring *)0)->consumer));

        /* What the producer writes, against what the consumer reads (the
           setup and its own part) and writes. */
        cr_assert(!overlap(p, s), "producer and setup share a pair at %llu",
                  (unsigned long long)base);
        cr_assert(!overlap(p, c), "producer and consumer share a pair at %llu",
                  (unsigned long long)base);
        /* What the consumer writes, against what the producer reads. */
        cr_assert(!overlap(c, s), "consumer and setup share a pair at %llu",
                  (unsigned long long)base);
    }
}

/* A handle at each 8-byte offset of a static, a stack and a heap buffer
   works: the fast path does not care where it is. */
static unsigned char static_area[sizeof(struct ring) + 128]
    __attribute__((aligned(128)));

static void round_trip_at(struct ring *r)
{
    uint64_t v = 0, got;

    cr_assert_eq(ring_create(r, 4096, 0), 0);
    for (int i = 0; i < 1000; i++, v++) {
        cr_assert_eq(ring_msg_send(r, &v, sizeof v), 0);
        cr_assert_eq(ring_msg_recv(r, &got, sizeof got), (ssize_t)sizeof got);
        cr_assert_eq(got, v);
    }
    ring_close(r);
}

Test(handle, works_at_every_offset_of_static_stack_and_heap)
{
    alignas(128) unsigned char stack_area[sizeof(struct ring) + 128];
    unsigned char *heap_area = malloc(sizeof(struct ring) + 128);

    cr_assert_not_null(heap_area);
    for (size_t off = 0; off < 128; off += 8) {
        round_trip_at((struct ring *)(void *)(static_area + off));
        round_trip_at((struct ring *)(void *)(stack_area + off));
        round_trip_at((struct ring *)(void *)(heap_area + off));
    }
    free(heap_area);
}

/* Every call on h gives nothing or -EBADF, and touches nothing. */
static void all_calls_refused(struct ring *h)
{
    char buf[16] = "0123456789abcdef";
    struct iovec iov = {buf, 8};
    struct ring_stats st;
    size_t len = 99;

    cr_assert_eq(ring_error(h), -EBADF);
    cr_assert_eq(ring_capacity(h), 0);
    cr_assert_null(ring_reserve(h, 1));
    cr_assert_null(ring_reserve(h, 0));
    ring_commit(h, 0);
    ring_commit(h, 1);
    cr_assert_eq(ring_write(h, buf, sizeof buf), 0);
    cr_assert_eq(ring_writable(h), 0);
    cr_assert_null(ring_peek(h, &len));
    cr_assert_eq(len, 0);
    ring_consume(h, 1);
    cr_assert_eq(ring_read(h, buf, sizeof buf), 0);
    cr_assert_eq(ring_readable(h), 0);
    cr_assert_null(ring_msg_reserve(h, 8));
    ring_msg_commit(h, 8);
    cr_assert_eq(ring_msg_send(h, buf, 8), -EBADF);
    cr_assert_eq(ring_msg_send(h, buf, 0), -EBADF);
    cr_assert_eq(ring_msg_sendv(h, &iov, 1), -EBADF);
    len = 99;
    cr_assert_null(ring_msg_peek(h, &len));
    cr_assert_eq(len, 0);
    ring_msg_consume(h);
    cr_assert_eq(ring_msg_recv(h, buf, sizeof buf), -EBADF);
    cr_assert_eq(ring_wait_readable(h, 1, 0), -EBADF);
    cr_assert_eq(ring_wait_writable(h, 1, 0), -EBADF);
    cr_assert_eq(ring_event_fd(h, 0), -EBADF);
    cr_assert_eq(ring_event_arm(h, 0, 1), -EBADF);
    cr_assert_eq(ring_set_spin(h, 0), -EBADF);
    cr_assert_eq(ring_get_stats(h, &st), -EBADF);
}

Test(handle, a_zeroed_handle_is_a_closed_handle)
{
    struct ring zero = {0};
    struct ring *heap = calloc(1, sizeof *heap);
    struct kit_census before, after;
    struct stat st;

    cr_assert_not_null(heap);
    /* Descriptor 0 must survive: ring_close used to close it. */
    if (fcntl(0, F_GETFD) < 0)
        cr_assert_eq(open("/dev/null", O_RDONLY), 0);
    cr_assert_eq(kit_census_take(&before), 0);
    cr_assert_eq(ring_msg_max(&zero), 0);
    cr_assert_eq(ring_fd(&zero), -EBADF);
    all_calls_refused(&zero);
    all_calls_refused(heap);
    ring_close(&zero);
    ring_close(heap);
    ring_close(&zero);
    cr_assert_eq(fstat(0, &st), 0, "ring_close closed descriptor 0");
    cr_assert_eq(kit_census_take(&after), 0);
    cr_assert(!kit_census_differs(&before, &after, NULL, 0));
    /* And it opens as any other. */
    round_trip_at(heap);
    free(heap);
}

/* What a forked child must see of its parent's handle p (both roles, with
   data in it and a reservation open): the exit status says what failed. */
static int child_checks(struct ring *p, int parent_fd)
{
    struct ring c;
    char out[4];

    if (ring_error(p) != -EBADF)
        return 10;
    if (ring_fd(p) != parent_fd)
        return 11; /* the descriptor it inherited, to attach from */
    if (ring_read(p, out, sizeof out) != 0 || ring_write(p, "x", 1) != 0)
        return 12;
    ring_commit(p, 4); /* the parent's open reservation: must not publish */
    if (ring_wait_readable(p, 1, 0) != -EBADF)
        return 13;
    /* The roles are the parent's, held. */
    if (ring_attach(&c, ring_fd(p), RING_CONSUMER) != -EBUSY)
        return 14;
    ring_close(p); /* only the child's copies of the descriptors */
    if (ring_error(p) != -EBADF)
        return 15;
    return 0;
}

Test(handle, a_forked_child_fails_cleanly_on_its_parents_handle)
{
    struct ring r;
    char out[5];
    void *span;
    int status;
    pid_t pid;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cr_assert_eq(ring_write(&r, "abcd", 4), 4);
    span = ring_reserve(&r, 4);
    cr_assert_not_null(span);
    memcpy(span, "efgh", 4);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int rc = child_checks(&r, ring_fd(&r));
        all_calls_refused(&r);
        _exit(rc);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child died of signal %d",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed",
                 WEXITSTATUS(status));

    /* The parent's handle and roles are as they were. */
    cr_assert_eq(ring_error(&r), 0);
    ring_commit(&r, 1);
    cr_assert_eq(ring_read(&r, out, sizeof out), 5);
    cr_assert_arr_eq(out, "abcde", 5);
    ring_close(&r);
}

/* A grandchild too: each fork makes a new epoch. */
Test(handle, a_grandchild_fails_cleanly_as_well)
{
    struct ring r;
    int status;
    pid_t pid;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct ring own;
        pid_t grandchild;

        /* The child opens a ring of its own, which works... */
        if (ring_create(&own, 4096, 0) != 0 || ring_write(&own, "k", 1) != 1)
            _exit(20);
        grandchild = fork();
        if (grandchild == 0)
            _exit(ring_write(&own, "x", 1) == 0 &&
                          ring_write(&r, "x", 1) == 0 &&
                          ring_error(&own) == -EBADF
                      ? 0
                      : 21);
        if (grandchild < 0 || waitpid(grandchild, &status, 0) != grandchild ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            _exit(22);
        /* ...and still works after its own child came and went. */
        if (ring_error(&own) != 0 || ring_readable(&own) != 1)
            _exit(23);
        ring_close(&own);
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x",
              status);
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
}
