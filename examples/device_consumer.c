// SPDX-License-Identifier: MIT
/*
 * device_consumer: takes the records a kernel driver produces, here the
 * reference driver of kernel/ (load ringdev.ko first, see kernel/README.md).
 *
 *   device_consumer [count]        (needs read-write access to /dev/ringdev)
 *
 * It makes a ring of 64 KiB (an ioctl of the reference driver), asks the
 * driver's kernel thread for count records (100000 if not given), and
 * takes them with libring's own calls: ring_attach on the device's
 * descriptor, ring_msg_peek and ring_msg_consume in place, and
 * ring_wait_readable (a poll on the device) when the ring is empty, until
 * -EPIPE says that the stream has ended. Every byte is checked against the
 * driver's pattern (kernel/ringdev.h). Prints what arrived.
 */
#define _POSIX_C_SOURCE 200809L
#include <ring.h>

#include "ringdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

_Noreturn static void die(const char *what, int err)
{
    fprintf(stderr, "device_consumer: %s: %s\n", what, strerror(err));
    exit(1);
}

int main(int argc, char **argv)
{
    struct ring_dev_create create = {.capacity = 64 * 1024};
    struct ringdev_produce produce = {
        .source = RINGDEV_KTHREAD,
        .flags = RINGDEV_END_AFTER,
        .count = 100000,
        .seed = 1,
        .min_len = 0,
        .max_len = 256,
    };
    unsigned char want[256];
    unsigned long long records = 0, bytes = 0;
    struct ring r;
    int fd, rc;

    if (argc > 2 ||
        (argc == 2 && (produce.count = strtoull(argv[1], NULL, 10)) == 0)) {
        fprintf(stderr, "usage: device_consumer [count]\n");
        return 2;
    }
    /* The reference driver's part: one ring per open(), a producer in
       the kernel. */
    fd = open("/dev/ringdev", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die("/dev/ringdev", errno);
    if (ioctl(fd, RING_IOC_CREATE, &create) != 0)
        die("RING_IOC_CREATE", errno);

    /* libring's part: the same consumer calls as for any other ring. */
    rc = ring_attach(&r, fd, RING_CONSUMER);
    if (rc < 0)
        die("ring_attach", -rc);
    if (ioctl(fd, RINGDEV_IOC_PRODUCE, &produce) != 0)
        die("RINGDEV_IOC_PRODUCE", errno);
    for (;;) {
        size_t len;
        const void *msg = ring_msg_peek(&r, &len);

        if (msg == NULL) {
            rc = ring_wait_readable(&r, 1, -1);
            if (rc == -EPIPE)
                break; /* the stream ended, every record is read */
            if (rc < 0)
                die("ring_wait_readable", -rc);
            continue;
        }
        if (len != ringdev_len(produce.seed, records, produce.min_len,
                               produce.max_len))
            die("a record of the wrong length", EPROTO);
        ringdev_fill(want, produce.seed, records, (ring_u32)len);
        if (memcmp(msg, want, len) != 0)
            die("a record with the wrong bytes", EPROTO);
        ring_msg_consume(&r);
        records++;
        bytes += len;
    }
    ring_close(&r);
    close(fd);
    if (records != produce.count)
        die("records missing", EPROTO);
    printf("device_consumer: %llu records, %llu bytes, all as sent\n", records,
           bytes);
    return 0;
}
