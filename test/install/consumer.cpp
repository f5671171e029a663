// SPDX-License-Identifier: MIT
// The installed header from C++17, through the same CMake package: one
// record both ways through a handle that holds both roles.
#include <ring.h>

#include <cstdio>
#include <cstring>

int main()
{
    struct ring r;
    char got[16];

    if (ring_create(&r, 4096, 0) < 0)
        return 1;
    if (ring_msg_send(&r, "hello", 5) != 0 ||
        ring_msg_recv(&r, got, sizeof got) != 5 ||
        std::memcmp(got, "hello", 5) != 0) {
        ring_close(&r);
        return 1;
    }
    ring_close(&r);
    std::printf("hello from C++\n");
    return 0;
}
