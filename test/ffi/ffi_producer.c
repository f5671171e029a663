// SPDX-License-Identifier: MIT
/*
 * ffi_producer SOCKET RECORDS: the C side of the FFI test. Connects to the
 * UNIX socket at SOCKET, creates a ring, sends its memfd there and
 * produces RECORDS records into it, then closes. Record i is i as 8
 * little-endian bytes, then i % 57 bytes counting up from i & 255 (mod
 * 256): test_ffi.py checks every byte. The ring is small, so both sides
 * wait for each other many times.
 */
#include <ring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "ffi_producer: %s: %s\n", what,
            strerror(rc < 0 ? -rc : rc));
    return 1;
}

static int connect_to(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (sock < 0 || strlen(path) >= sizeof addr.sun_path)
        return -1;
    strcpy(addr.sun_path, path);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(sock);
        return -1;
    }
    return sock;
}

int main(int argc, char **argv)
{
    unsigned char record[8 + 57];
    struct ring r;
    long records;
    int sock, rc;

    if (argc != 3 || (records = strtol(argv[2], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: ffi_producer SOCKET RECORDS\n");
        return 2;
    }
    sock = connect_to(argv[1]);
    if (sock < 0)
        return fail("connect", errno);
    rc = ring_create(&r, 64 * 1024, RING_PRODUCER);
    if (rc < 0)
        return fail("ring_create", rc);
    rc = ring_send_fd(sock, ring_fd(&r));
    if (rc < 0)
        return fail("ring_send_fd", rc);
    close(sock);

    for (uint64_t i = 0; i < (uint64_t)records; i++) {
        size_t extra = (size_t)(i % 57);

        for (int b = 0; b < 8; b++)
            record[b] = (unsigned char)(i >> (8 * b));
        for (size_t j = 0; j < extra; j++)
            record[8 + j] = (unsigned char)((i + j) & 255);
        while ((rc = ring_msg_send(&r, record, 8 + extra)) == -EAGAIN) {
            rc =
                ring_wait_writable(&r, ring_msg_space_needed(8 + extra), 30000);
            if (rc < 0)
                return fail("ring_wait_writable", rc);
        }
        if (rc < 0)
            return fail("ring_msg_send", rc);
    }
    ring_close(&r);
    return 0;
}
