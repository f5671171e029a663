// SPDX-License-Identifier: MIT
/*
 * A program outside the ring tree, built against an installed ring (by
 * test_install.sh): records through a ring from one handle to another,
 * each checked, then the end of the producer seen as -EPIPE. Prints one
 * line the test compares, with the version of the header; fails when the
 * library loaded says another.
 */
#include <ring.h>

#include <stdio.h>
#include <string.h>

#define RECORDS 1000

static int fail(const char *what, int rc)
{
    fprintf(stderr, "consumer: %s: %s\n", what, strerror(-rc));
    return 1;
}

int main(void)
{
    struct ring producer, consumer;
    char sent[64], got[64];
    int rc;

    /* The library loaded is the one the header came with. */
    if (ring_version() != RING_VERSION_NUMBER) {
        fprintf(stderr, "consumer: ring_version() is %d, the header's %d\n",
                ring_version(), RING_VERSION_NUMBER);
        return 1;
    }
    rc = ring_create(&producer, 4096, RING_PRODUCER);
    if (rc < 0)
        return fail("ring_create", rc);
    rc = ring_attach(&consumer, ring_fd(&producer), RING_CONSUMER);
    if (rc < 0)
        return fail("ring_attach", rc);

    for (int i = 0; i < RECORDS; i++) {
        int len = snprintf(sent, sizeof sent, "record %d of %d", i, RECORDS);
        ssize_t n;

        rc = ring_msg_send(&producer, sent, (size_t)len);
        if (rc < 0)
            return fail("ring_msg_send", rc);
        rc = ring_wait_readable(&consumer, 1, 1000);
        if (rc < 0)
            return fail("ring_wait_readable", rc);
        n = ring_msg_recv(&consumer, got, sizeof got);
        if (n < 0)
            return fail("ring_msg_recv", (int)n);
        if (n != len || memcmp(sent, got, (size_t)len) != 0) {
            fprintf(stderr, "consumer: record %d differs\n", i);
            return 1;
        }
    }

    ring_close(&producer);
    rc = ring_wait_readable(&consumer, 1, 1000);
    if (rc != -EPIPE)
        return fail("ring_wait_readable after close", rc);
    ring_close(&consumer);
    printf("ring %s: %d records, then EPIPE\n", RING_VERSION_STRING, RECORDS);
    return 0;
}
