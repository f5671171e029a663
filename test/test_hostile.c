// SPDX-License-Identifier: MIT
/* test_hostile.c: descriptors and peers that lie. Attach refuses what is
   not a ring before mapping anything; a handle whose peer writes impossible
   values stays inside its mapping and reports -EPROTO. */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"
#include "ring_internal.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))

/* A memfd holding header, file_size bytes long, with these seals. */
static int forge(const struct ring_control *header, uint64_t file_size,
                 unsigned seals)
{
    int fd = memfd_create("forged", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)file_size), 0);
    /* Every page allocated, as an honest creator leaves it. */
    if (file_size)
        cr_assert_eq(fallocate(fd, 0, 0, (off_t)file_size), 0);
    if (file_size >= sizeof *header)
        cr_assert_eq(pwrite(fd, header, sizeof *header, 0),
                     (ssize_t)sizeof *header);
    else
        cr_assert_eq(pwrite(fd, header, file_size, 0), (ssize_t)file_size);
    if (seals)
        cr_assert_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
    return fd;
}

static struct ring_control good_header(uint64_t capacity)
{
    struct ring_control h;

    memset(&h, 0, sizeof h);
    h.magic = RING_MAGIC;
    h.layout_version = RING_LAYOUT_VERSION;
    h.capacity = capacity;
    h.data_offset = PAGE;
    return h;
}

#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static int attach_forged(const struct ring_control *h, uint64_t size,
                         unsigned seals)
{
    struct ring r;
    int fd = forge(h, size, seals);
    int rc = ring_attach(&r, fd, 0);

    if (rc == 0)
        ring_close(&r);
    close(fd);
    return rc;
}

Test(hostile, a_forged_but_correct_ring_attaches)
{
    struct ring_control h = good_header(4 * PAGE);

    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), 0);
}

Test(hostile, attach_to_things_that_are_not_rings)
{
    struct ring r;
    int fds[2];

    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(ring_attach(&r, fds[0], 0), -EINVAL);
    cr_assert_eq(ring_attach(&r, fds[1], 0), -EINVAL);
    close(fds[0]);
    close(fds[1]);

    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    cr_assert_eq(ring_attach(&r, null, 0), -EINVAL);
    close(null);

    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    cr_assert_eq(ring_attach(&r, fds[0], 0), -EINVAL);
    close(fds[0]);
    close(fds[1]);

    int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(ring_attach(&r, dir, 0), -EINVAL);
    close(dir);

    /* A regular file on tmpfs that is not a memfd cannot be sealed. */
    int shm = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (shm >= 0) {
        cr_assert_eq(ftruncate(shm, (off_t)(2 * PAGE)), 0);
        cr_assert_eq(ring_attach(&r, shm, 0), -EINVAL);
        close(shm);
    }
}

Test(hostile, unsealed_or_write_sealed_memfds_are_refused)
{
    struct ring_control h = good_header(PAGE);

    cr_assert_eq(attach_forged(&h, 2 * PAGE, 0), -EINVAL);
    cr_assert_eq(attach_forged(&h, 2 * PAGE, F_SEAL_SHRINK), -EINVAL);
    cr_assert_eq(attach_forged(&h, 2 * PAGE, F_SEAL_SHRINK | F_SEAL_GROW),
                 -EINVAL);
    cr_assert_eq(attach_forged(&h, 2 * PAGE, ALL_SEALS | F_SEAL_WRITE),
                 -EINVAL);
    cr_assert_eq(attach_forged(&h, 2 * PAGE, ALL_SEALS | F_SEAL_FUTURE_WRITE),
                 -EINVAL);
}

Test(hostile, a_memfd_shorter_or_longer_than_its_header_claims)
{
    struct ring_control h = good_header(4 * PAGE);

    cr_assert_eq(attach_forged(&h, 4 * PAGE, ALL_SEALS), -EPROTO);
    cr_assert_eq(attach_forged(&h, PAGE, ALL_SEALS), -EPROTO);
    cr_assert_eq(attach_forged(&h, 16, ALL_SEALS), -EPROTO);
    cr_assert_eq(attach_forged(&h, 0, ALL_SEALS), -EPROTO);
    cr_assert_eq(attach_forged(&h, 6 * PAGE, ALL_SEALS), -EPROTO);
}

Test(hostile, headers_that_lie)
{
    struct ring_control h;

    h = good_header(4 * PAGE);
    h.magic ^= 1;
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(4 * PAGE);
    h.layout_version = RING_LAYOUT_VERSION + 1;
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(3 * PAGE); /* not a power of two */
    cr_assert_eq(attach_forged(&h, 4 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(PAGE / 2); /* not a page multiple */
    cr_assert_eq(attach_forged(&h, PAGE + PAGE / 2, ALL_SEALS), -EPROTO);
    h = good_header(0);
    cr_assert_eq(attach_forged(&h, PAGE, ALL_SEALS), -EPROTO);
    h = good_header(4 * PAGE);
    h.data_offset = 2 * PAGE;
    cr_assert_eq(attach_forged(&h, 6 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(4 * PAGE);
    h.data_offset = 0;
    cr_assert_eq(attach_forged(&h, 4 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(4 * PAGE);
    h.flags = RING_LAYOUT_HUGETLB; /* but tmpfs */
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);
    h = good_header(4 * PAGE);
    h.flags = 0x80;
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);
    /* A capacity whose double mapping would wrap the address space. */
    h = good_header(UINT64_C(1) << 63);
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);

    unsigned char garbage[sizeof h];
    uint64_t rng = 1;
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (unsigned char)kit_rand(&rng);
    memcpy(&h, garbage, sizeof h);
    cr_assert_eq(attach_forged(&h, 5 * PAGE, ALL_SEALS), -EPROTO);
}

Test(hostile, randomly_mutated_headers_never_crash)
{
    uint64_t rng = 99;
    int attached = 0;

    for (int i = 0; i < 3000; i++) {
        struct ring_control h = good_header(PAGE << (i % 4));
        unsigned char *bytes = (unsigned char *)&h;
        uint64_t size = PAGE + (PAGE << (i % 4));
        int flips = (int)kit_rand_range(&rng, 1, 4);

        for (int f = 0; f < flips; f++) {
            size_t at = (size_t)kit_rand_range(&rng, 0, 31);
            bytes[at] ^= (unsigned char)(1u << (kit_rand(&rng) % 8));
        }
        if (kit_rand(&rng) % 4 == 0)
            size = kit_rand_range(&rng, 0, 8 * PAGE);
        int rc = attach_forged(&h, size, ALL_SEALS);
        cr_assert(rc == 0 || rc == -EPROTO, "rc %d at %d", rc, i);
        attached += rc == 0;
    }
    /* Flipping a bit of the header always makes it invalid, unless the
       size flip happens to agree: almost every case is refused. */
    cr_assert_lt(attached, 100);
}

/* A producer and a consumer of one ring, and the raw control page through
   which the test plays a hostile peer. */
static struct ring prod, cons;
static struct ring_control *raw;

static void open_pair(void)
{
    cr_assert_eq(ring_create(&prod, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&cons, ring_fd(&prod), RING_CONSUMER), 0);
    raw = (struct ring_control *)prod.setup.control;
}

static void close_pair(void)
{
    ring_close(&cons);
    ring_close(&prod);
}

TestSuite(peer, .init = open_pair, .fini = close_pair);

static void consumer_is_stopped(void)
{
    size_t len = 1;
    char buf[8];

    cr_assert_eq(ring_error(&cons), -EPROTO);
    cr_assert_null(ring_peek(&cons, &len));
    cr_assert_eq(len, 0);
    cr_assert_null(ring_msg_peek(&cons, &len));
    cr_assert_eq(ring_read(&cons, buf, sizeof buf), 0);
    cr_assert_eq(ring_readable(&cons), 0);
    cr_assert_eq(ring_msg_recv(&cons, buf, sizeof buf), -EPROTO);
}

static void producer_is_stopped(void)
{
    cr_assert_eq(ring_error(&prod), -EPROTO);
    cr_assert_null(ring_reserve(&prod, 1));
    cr_assert_null(ring_msg_reserve(&prod, 1));
    cr_assert_eq(ring_write(&prod, "x", 1), 0);
    cr_assert_eq(ring_writable(&prod), 0);
    cr_assert_eq(ring_msg_send(&prod, "x", 1), -EPROTO);
}

Test(peer, a_tail_beyond_capacity_stops_the_consumer)
{
    char buf[8];

    cr_assert_eq(ring_write(&prod, "abcd", 4), 4);
    cr_assert_eq(ring_read(&cons, buf, 2), 2);
    atomic_store(&raw->tail, 2 + ring_capacity(&cons) + 1);
    cr_assert_eq(ring_read(&cons, buf, 8), 0);
    consumer_is_stopped();
    /* It stays stopped even when the value looks right again. */
    atomic_store(&raw->tail, 4);
    consumer_is_stopped();
}

Test(peer, a_tail_moving_backwards_stops_the_consumer)
{
    size_t len;

    cr_assert_eq(ring_write(&prod, "abcd", 4), 4);
    cr_assert_not_null(ring_peek(&cons, &len));
    atomic_store(&raw->tail, 3);
    cr_assert_null(ring_peek(&cons, &len));
    consumer_is_stopped();
}

Test(peer, a_head_beyond_tail_stops_the_producer)
{
    atomic_store(&raw->head, 1);
    cr_assert_eq(ring_writable(&prod), 0);
    producer_is_stopped();
}

Test(peer, a_head_moving_backwards_stops_the_producer)
{
    char buf[8];
    size_t cap = ring_capacity(&prod);

    cr_assert_eq(ring_write(&prod, "abcd", 4), 4);
    cr_assert_eq(ring_read(&cons, buf, 4), 4);
    cr_assert_eq(ring_writable(&prod), cap); /* caches head = 4 */
    cr_assert_eq(ring_reserve(&prod, cap) != NULL, 1);
    ring_commit(&prod, cap);
    cr_assert_eq(ring_read(&cons, buf, 8), 8);
    atomic_store(&raw->head, 2); /* behind what the producer saw */
    cr_assert_null(ring_reserve(&prod, 1));
    producer_is_stopped();
}

Test(peer, a_huge_record_header_stops_the_consumer)
{
    uint64_t *word = (uint64_t *)(void *)prod.setup.data;

    *word = ring_msg_max(&prod) + 2; /* length max + 1 */
    size_t len;
    cr_assert_null(ring_msg_peek(&cons, &len));
    consumer_is_stopped();
}

Test(peer, a_record_header_of_all_ones_stops_the_consumer)
{
    uint64_t *word = (uint64_t *)(void *)prod.setup.data;
    size_t len;

    *word = UINT64_MAX;
    cr_assert_null(ring_msg_peek(&cons, &len));
    consumer_is_stopped();
}

/* Between every call, the peer writes random values into the indices and
   the first record header. Whatever comes back must lie inside the
   mapping; a handle either works or has stopped with -EPROTO. */
Test(peer, random_indices_never_lead_outside_the_mapping)
{
    uint64_t rng = 7;
    const unsigned char *lo = cons.setup.data,
                        *hi = cons.setup.data + 2 * cons.setup.capacity;
    unsigned char buf[8192];

    for (int round = 0; round < 20000; round++) {
        uint64_t v = kit_rand(&rng), pick = kit_rand(&rng) % 6;
        size_t len;

        if (pick == 0)
            atomic_store(&raw->tail, v);
        else if (pick == 1)
            atomic_store(&raw->tail,
                         cons.consumer.head + v % (2 * cons.setup.capacity));
        else if (pick == 2)
            atomic_store(&raw->head, v);
        else if (pick == 3)
            atomic_store(&raw->head,
                         prod.producer.tail - v % (2 * prod.setup.capacity));
        else if (pick == 4)
            *(uint64_t *)(void *)(prod.setup.data + (cons.consumer.head &
                                                     cons.setup.mask & ~7u)) =
                v % (2 * cons.setup.capacity);

        const unsigned char *p = (const unsigned char *)ring_peek(&cons, &len);
        if (p)
            cr_assert(p >= lo && p + len <= hi);
        p = (const unsigned char *)ring_msg_peek(&cons, &len);
        if (p)
            cr_assert(p >= lo && p + len <= hi);
        ring_msg_consume(&cons);
        cr_assert_leq(ring_read(&cons, buf, sizeof buf), cons.setup.capacity);
        unsigned char *w = (unsigned char *)ring_reserve(&prod, v % 5000);
        if (w)
            cr_assert(w >= prod.setup.data &&
                      w + v % 5000 <=
                          prod.setup.data + 2 * prod.setup.capacity);
        ring_commit(&prod, v % 5000);
        cr_assert_leq(ring_write(&prod, buf, sizeof buf), prod.setup.capacity);
        cr_assert(ring_error(&cons) == 0 || ring_error(&cons) == -EPROTO);
        cr_assert(ring_error(&prod) == 0 || ring_error(&prod) == -EPROTO);
        if (ring_error(&cons) && ring_error(&prod))
            break;
    }
    /* Random values are impossible ones, sooner or later. */
    cr_assert_eq(ring_error(&cons), -EPROTO);
    cr_assert_eq(ring_error(&prod), -EPROTO);
}

/* The peer publishes a tail past a record header it left at 0, which an
   honest producer never does (it stores each header before the tail that
   covers it). Every call must agree that the consumer is stopped: before
   the fix ring_msg_recv said -EAGAIN forever while the wait and the event
   said "readable", and the documented loops spun a CPU. */
static void publish_tail_past_a_zero_header(void)
{
    cr_assert_eq(ring_msg_send(&prod, "12345678", 8), 0);
    uint64_t *word = (uint64_t *)(void *)prod.setup.data;
    *word = 0; /* the header of the record tail covers */
}

Test(peer, a_tail_past_a_zero_header_stops_the_wait)
{
    char buf[16];

    publish_tail_past_a_zero_header();
    cr_assert_eq(ring_wait_readable(&cons, 1, 1000), -EPROTO);
    cr_assert_eq(ring_msg_recv(&cons, buf, sizeof buf), -EPROTO);
    consumer_is_stopped();
}

Test(peer, a_tail_past_a_zero_header_stops_the_event_loop)
{
    char buf[16];

    publish_tail_past_a_zero_header();
    cr_assert_geq(ring_event_fd(&cons, RING_CONSUMER), 0);
    cr_assert_eq(ring_event_arm(&cons, RING_CONSUMER, 1), -EPROTO);
    cr_assert_eq(ring_msg_recv(&cons, buf, sizeof buf), -EPROTO);
    consumer_is_stopped();
}

Test(peer, a_tail_past_a_zero_header_stops_the_receive)
{
    char buf[16];
    size_t len;

    publish_tail_past_a_zero_header();
    cr_assert_eq(ring_readable(&cons), 16); /* the consumer learns tail */
    cr_assert_eq(ring_msg_recv(&cons, buf, sizeof buf), -EPROTO);
    cr_assert_null(ring_msg_peek(&cons, &len));
    consumer_is_stopped();
}

/* A producer that lies that it never came, then dies: a consumer that has
   seen it alive must not wait for it forever. */
Test(hostile, a_dead_peer_cannot_lie_its_way_into_an_endless_wait,
     .timeout = 60)
{
    struct ring c;
    int ready[2], status;
    char byte;

    cr_assert_eq(ring_create(&c, 4096, RING_CONSUMER), 0);
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct ring p;
        if (ring_attach(&p, ring_fd(&c), RING_PRODUCER) != 0 ||
            ring_write(&p, "x", 1) != 1 || write(ready[1], "r", 1) != 1)
            _exit(1);
        /* Until the consumer is asleep waiting for more. */
        while (atomic_load(
                   &((struct ring_control *)p.setup.control)->read_want) == 0)
            usleep(1000);
        atomic_store(&((struct ring_control *)p.setup.control)->role_state[0],
                     RING_ROLE_NEVER);
        raise(SIGKILL);
    }
    cr_assert_eq(read(ready[0], &byte, 1), 1);
    cr_assert_eq(ring_wait_readable(&c, 1, 0), 0);
    cr_assert_eq(ring_wait_readable(&c, 2, -1), -EPIPE);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status));
    ring_close(&c);
    close(ready[0]);
    close(ready[1]);
}
