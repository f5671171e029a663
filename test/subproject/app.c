// SPDX-License-Identifier: MIT
// The parent's program: links its own "ring" and ring::ring (or
// ring::ring_static), and sends one record through a ring.
#include <ring.h>

#include <stdio.h>
#include <string.h>

const char *parent_ring_name(void);

int main(void)
{
    struct ring r;
    char got[16];
    ssize_t n;

    if (ring_create(&r, 4096, 0) < 0)
        return 1;
    if (ring_msg_send(&r, "hello", 5) != 0)
        return 1;
    n = ring_msg_recv(&r, got, sizeof got);
    ring_close(&r);
    if (n != 5 || memcmp(got, "hello", 5) != 0)
        return 1;
    printf("%s and ring %s: hello\n", parent_ring_name(), RING_VERSION_STRING);
    return 0;
}
