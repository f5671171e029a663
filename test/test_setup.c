// SPDX-License-Identifier: MIT
/* test_setup.c: create, attach and close; roles; permissions. */
#define _GNU_SOURCE
#include "ring.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

Test(setup, capacity_rounds_up_to_a_power_of_two_of_pages)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t asked[] = {1, page - 1, page, page + 1, 3 * page, 1 << 20};
    const size_t want[] = {page, page, page, 2 * page, 4 * page, 1 << 20};
    struct ring r;

    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        cr_assert_eq(ring_create(&r, asked[i], 0), 0);
        cr_assert_eq(ring_capacity(&r), want[i], "asked %zu got %zu", asked[i],
                     ring_capacity(&r));
        cr_assert_eq(ring_writable(&r), want[i]);
        cr_assert_eq(ring_readable(&r), 0);
        ring_close(&r);
    }
}

Test(setup, bad_arguments_are_refused)
{
    struct ring r;

    cr_assert_eq(ring_create(&r, 0, 0), -EINVAL);
    cr_assert_eq(ring_create(&r, SIZE_MAX, 0), -EINVAL);
    cr_assert_eq(ring_create(&r, (size_t)1 << 41, 0), -EINVAL);
    cr_assert_eq(ring_create(&r, 4096, 0x100), -EINVAL);
    cr_assert_eq(ring_error(&r), -EBADF);
    ring_close(&r); /* a failed handle closes as a no-op */

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    struct ring other;
    cr_assert_eq(ring_attach(&other, ring_fd(&r), 8), -EINVAL);
    /* RING_HUGEPAGES at attach only permits a huge-page ring. */
    cr_assert_eq(ring_attach(&other, ring_fd(&r), RING_HUGEPAGES), -EBUSY);
    cr_assert_eq(ring_attach(&other, -1, RING_CONSUMER), -EBADF);
    ring_close(&r);
}

Test(setup, huge_pages_work_or_fail_clearly)
{
    struct ring r;
    int rc = ring_create(&r, 1, RING_HUGEPAGES);

    if (rc == 0) {
        /* Where huge pages exist, the ring is one huge page at least. */
        cr_assert_geq(ring_capacity(&r), (size_t)2 << 20);
        cr_assert_eq(ring_write(&r, "abc", 3), 3);
        char out[3];
        cr_assert_eq(ring_read(&r, out, 3), 3);
        cr_assert_arr_eq(out, "abc", 3);
        ring_close(&r);
    } else {
        cr_assert(rc == -ENOMEM || rc == -ENOSPC || rc == -EINVAL,
                  "unexpected error %d", rc);
        cr_assert_eq(ring_error(&r), -EBADF);
    }
}

Test(setup, one_live_holder_per_role)
{
    struct ring creator, p, c, c2;

    cr_assert_eq(ring_create(&creator, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&p, ring_fd(&creator), RING_PRODUCER), -EBUSY);
    cr_assert_eq(ring_attach(&p, ring_fd(&creator), 0), -EBUSY);
    cr_assert_eq(ring_attach(&c, ring_fd(&creator), RING_CONSUMER), 0);
    cr_assert_eq(ring_attach(&c2, ring_fd(&creator), RING_CONSUMER), -EBUSY);

    /* A closed role is free again, and its new holder continues. */
    cr_assert_eq(ring_write(&creator, "0123456789", 10), 10);
    char out[4];
    cr_assert_eq(ring_read(&c, out, 4), 4);
    ring_close(&c);
    cr_assert_eq(ring_attach(&c2, ring_fd(&creator), RING_CONSUMER), 0);
    cr_assert_eq(ring_readable(&c2), 6);
    cr_assert_eq(ring_read(&c2, out, 4), 4);
    cr_assert_arr_eq(out, "4567", 4);

    ring_close(&creator);
    cr_assert_eq(ring_attach(&p, ring_fd(&c2), RING_PRODUCER), 0);
    cr_assert_eq(ring_writable(&p), 4096 - 2);
    cr_assert_eq(ring_write(&p, "xy", 2), 2);
    cr_assert_eq(ring_read(&c2, out, 4), 4);
    cr_assert_arr_eq(out, "89xy", 4);
    ring_close(&p);
    ring_close(&c2);
}

Test(setup, the_role_of_a_dead_process_can_be_taken)
{
    struct ring r, p;
    int sv[2], status;
    pid_t pid;

    cr_assert_eq(ring_create(&r, 4096, RING_CONSUMER), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct ring child;
        if (ring_attach(&child, ring_fd(&r), RING_PRODUCER) != 0)
            _exit(1);
        if (ring_write(&child, "alive", 5) != 5)
            _exit(2);
        (void)!write(sv[1], "x", 1);
        for (;;)
            pause(); /* killed below, without ring_close */
    }
    close(sv[1]); /* a child that fails ends the read below */
    char byte;
    cr_assert_eq(read(sv[0], &byte, 1), 1);
    cr_assert_eq(ring_attach(&p, ring_fd(&r), RING_PRODUCER), -EBUSY);
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert_eq(ring_attach(&p, ring_fd(&r), RING_PRODUCER), 0);
    cr_assert_eq(ring_write(&p, "!", 1), 1);
    char out[6];
    cr_assert_eq(ring_read(&r, out, 6), 6);
    cr_assert_arr_eq(out, "alive!", 6);
    ring_close(&p);
    ring_close(&r);
    close(sv[0]);
}

Test(setup, roles_are_enforced_without_touching_the_ring)
{
    struct ring p, c;
    size_t len;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(ring_write(&p, "abc", 3), 3);

    /* Consumer calls on a producer handle do nothing. */
    cr_assert_eq(ring_readable(&p), 0);
    cr_assert_null(ring_peek(&p, &len));
    cr_assert_null(ring_msg_peek(&p, &len));
    char out[3];
    cr_assert_eq(ring_read(&p, out, 3), 0);
    ring_consume(&p, 3);
    /* Producer calls on a consumer handle do nothing. */
    cr_assert_eq(ring_write(&c, "zzz", 3), 0);
    cr_assert_null(ring_reserve(&c, 1));
    cr_assert_eq(ring_writable(&c), 0);
    cr_assert_eq(ring_msg_send(&c, "z", 1), -EPERM);

    cr_assert_eq(ring_error(&p), 0);
    cr_assert_eq(ring_error(&c), 0);
    cr_assert_eq(ring_readable(&c), 3);
    cr_assert_eq(ring_read(&c, out, 3), 3);
    cr_assert_arr_eq(out, "abc", 3);
    ring_close(&c);
    ring_close(&p);
}

Test(setup, closed_handles_fail_cleanly)
{
    struct ring r;
    size_t len;

    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    ring_close(&r);
    ring_close(&r);
    cr_assert_eq(ring_error(&r), -EBADF);
    cr_assert_eq(ring_fd(&r), -EBADF);
    cr_assert_null(ring_reserve(&r, 1));
    cr_assert_null(ring_msg_reserve(&r, 1));
    cr_assert_eq(ring_write(&r, "a", 1), 0);
    cr_assert_null(ring_peek(&r, &len));
    cr_assert_null(ring_msg_peek(&r, &len));
    cr_assert_eq(ring_msg_send(&r, "a", 1), -EBADF);
    char buf[1];
    cr_assert_eq(ring_msg_recv(&r, buf, 1), -EBADF);
}

/* A consumer's data pages are read-only: a stray write faults. */
Test(setup, consumer_data_is_read_only, .signal = SIGSEGV)
{
    struct ring p, c;
    size_t len;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    cr_assert_eq(ring_write(&p, "a", 1), 1);
    unsigned char *data = (unsigned char *)(uintptr_t)ring_peek(&c, &len);
    cr_assert_not_null(data);
    signal(SIGSEGV, SIG_DFL); /* not a sanitizer's report: the signal */
    data[0] = 'b';
}

/* A forked child inherits no mapping of the ring (MADV_DONTFORK), and
   closing the inherited handle there leaves the parent's roles alone. */
Test(setup, forked_child_has_no_mapping)
{
    struct ring r, again;
    int status;

    cr_assert_eq(ring_create(&r, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_write(&r, "a", 1), 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        (void)*(volatile unsigned char *)r.setup.data; /* must fault */
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
              "child status %#x", status);

    /* The child attaches from the descriptor instead. */
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct ring c;
        char out = 0;
        int fd = ring_fd(&r);

        if (ring_attach(&c, fd, RING_CONSUMER) != 0)
            _exit(1);
        if (ring_read(&c, &out, 1) != 1 || out != 'a')
            _exit(2);
        ring_close(&c);
        ring_close(&r); /* the parent's handle: must not touch its roles */
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x",
              status);
    cr_assert_eq(ring_attach(&again, ring_fd(&r), RING_PRODUCER), -EBUSY);
    cr_assert_eq(ring_write(&r, "b", 1), 1);
    ring_close(&r);
}
