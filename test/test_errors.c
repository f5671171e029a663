// SPDX-License-Identifier: MIT
/* test_errors.c: every error return of the contract, and that a rejected
   call leaves the ring exactly as it was. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Everything a call could change: both handles' indices, the shared ones,
   and every byte of the data. */
struct snapshot {
    struct ring handle;
    uint64_t tail_shared, head_shared;
    unsigned char *data;
};

static void take(struct snapshot *s, const struct ring *r)
{
    s->handle = *r; /* a copy to compare with, never used as a handle */
    s->tail_shared = ringi_load_acquire(r->setup.tail_shared);
    s->head_shared = ringi_load_acquire(r->setup.head_shared);
    s->data = malloc(r->setup.capacity);
    memcpy(s->data, r->setup.data, r->setup.capacity);
}

static void same(struct snapshot *s, const struct ring *r, const char *what)
{
    const struct ring *was = &s->handle;

    cr_assert_eq(r->producer.tail, was->producer.tail, "%s", what);
    cr_assert_eq(r->consumer.head, was->consumer.head, "%s", what);
    cr_assert_eq(r->producer.reserved, was->producer.reserved, "%s", what);
    cr_assert_eq(r->producer.msg_reserved, was->producer.msg_reserved, "%s",
                 what);
    cr_assert_eq(r->consumer.msg_size, was->consumer.msg_size, "%s", what);
    cr_assert_eq(ringi_load_u32(&r->producer.live),
                 ringi_load_u32(&was->producer.live), "%s", what);
    cr_assert_eq(ringi_load_u32(&r->consumer.live),
                 ringi_load_u32(&was->consumer.live), "%s", what);
    cr_assert_eq(ring_error(r), 0, "%s", what);
    cr_assert_eq(ringi_load_acquire(r->setup.tail_shared), s->tail_shared, "%s",
                 what);
    cr_assert_eq(ringi_load_acquire(r->setup.head_shared), s->head_shared, "%s",
                 what);
    cr_assert_arr_eq(r->setup.data, s->data, r->setup.capacity, "%s", what);
    free(s->data);
}

Test(errors, rejected_byte_calls_change_nothing)
{
    struct ring r;
    struct snapshot s;
    size_t cap;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cap = ring_capacity(&r);
    cr_assert_eq(ring_write(&r, "0123456789", 10), 10);

    take(&s, &r);
    ring_consume(&r, 11);
    same(&s, &r, "consume more than readable");
    take(&s, &r);
    ring_commit(&r, 1);
    same(&s, &r, "commit without reservation");
    take(&s, &r);
    cr_assert_null(ring_reserve(&r, cap));
    same(&s, &r, "reserve more than free");
    take(&s, &r);
    cr_assert_null(ring_reserve(&r, cap + 1));
    same(&s, &r, "reserve more than capacity");

    cr_assert_not_null(ring_reserve(&r, 5));
    take(&s, &r);
    ring_commit(&r, 6);
    same(&s, &r, "commit more than reserved");
    ring_close(&r);
}

Test(errors, rejected_record_calls_change_nothing)
{
    struct ring r;
    struct snapshot s;
    char buf[64] = {0}; /* sent as records below: defined bytes */
    size_t len;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    take(&s, &r);
    cr_assert_eq(ring_msg_recv(&r, buf, sizeof buf), -EAGAIN);
    same(&s, &r, "recv from empty");
    cr_assert_eq(ring_msg_send(&r, "hello world", 11), 0);

    take(&s, &r);
    cr_assert_eq(ring_msg_recv(&r, buf, 10), -EMSGSIZE);
    same(&s, &r, "recv into a small buffer");
    take(&s, &r);
    cr_assert_eq(ring_msg_send(&r, buf, ring_msg_max(&r) + 1), -EMSGSIZE);
    same(&s, &r, "send more than ever fits");
    take(&s, &r);
    cr_assert_null(ring_msg_reserve(&r, SIZE_MAX));
    same(&s, &r, "reserve SIZE_MAX");
    take(&s, &r);
    ring_msg_consume(&r);
    same(&s, &r, "consume without peek");
    take(&s, &r);
    ring_msg_commit(&r, 3);
    same(&s, &r, "commit without reservation");

    /* Fill up, then a send that does not fit now. */
    while (ring_msg_send(&r, buf, sizeof buf) == 0)
        ;
    take(&s, &r);
    cr_assert_eq(ring_msg_send(&r, buf, sizeof buf), -EAGAIN);
    same(&s, &r, "send to a full ring");

    cr_assert_eq(ring_msg_recv(&r, buf, sizeof buf), 11);
    cr_assert_arr_eq(buf, "hello world", 11);
    cr_assert_not_null(ring_msg_peek(&r, &len));
    ring_close(&r);
}

Test(errors, attach_refuses_bad_descriptors_and_flags)
{
    struct ring r, a;
    int fds[2];

    cr_assert_eq(ring_create(&r, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&a, ring_fd(&r), 8), -EINVAL);
    cr_assert_eq(ring_attach(&a, ring_fd(&r), 16), -EINVAL);
    cr_assert_eq(ring_attach(&a, -1, 0), -EBADF);
    cr_assert_eq(ring_attach(&a, 1000000, 0), -EBADF);
    cr_assert_eq(ring_attach(&a, ring_fd(&r), RING_PRODUCER), -EBUSY);
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(ring_attach(&a, fds[0], 0), -EINVAL);
    cr_assert_eq(ring_error(&a), -EBADF);
    close(fds[0]);
    close(fds[1]);
    ring_close(&r);
}

Test(errors, send_fd_refuses_what_it_cannot_send)
{
    int sv[2];

    cr_assert_eq(ring_send_fd(0, -1), -EBADF);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cr_assert_eq(ring_send_fd(sv[0], 999999), -EBADF);
    close(sv[1]);
    cr_assert_eq(ring_send_fd(sv[0], sv[0]), -EPIPE);
    close(sv[0]);
    int fd = memfd_create("x", MFD_CLOEXEC);
    cr_assert_eq(ring_send_fd(fd, fd), -ENOTSOCK);
    close(fd);
}
