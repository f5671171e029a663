// SPDX-License-Identifier: MIT
/*
 * consumer: connects to a producer's socket path, takes the ring it is
 * handed, and prints every record to standard output as it comes.
 *
 *   consumer /tmp/demo.sock > output       (see producer.c; either may
 *                                          start first)
 *
 * The records are read in place (ring_msg_peek), with no copy out of the
 * shared memory. When the ring is empty the consumer sleeps in
 * ring_wait_readable; -EPIPE from it means the producer has closed the
 * ring and every record it sent has been read.
 */
#define _POSIX_C_SOURCE 200809L
#include <ring.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

_Noreturn static void die(const char *what, int err)
{
    fprintf(stderr, "consumer: %s: %s\n", what, strerror(err));
    exit(1);
}

/* Connects to path. The producer may start after us: while there is no
   socket there, or nobody listens yet, asks again every 50 ms, for up to
   5 seconds. */
static int connect_to(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct timespec pause = {.tv_nsec = 50000000};
    int sock;

    if (strlen(path) >= sizeof addr.sun_path)
        die(path, ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    for (int tries = 1;; tries++) {
        sock = socket(AF_UNIX, SOCK_STREAM, 0);
        if (sock < 0)
            die("socket", errno);
        if (connect(sock, (struct sockaddr *)&addr, sizeof addr) == 0)
            return sock;
        int err = errno;
        close(sock);
        if ((err != ENOENT && err != ECONNREFUSED) || tries == 100)
            die(path, err);
        nanosleep(&pause, NULL);
    }
}

int main(int argc, char **argv)
{
    struct ring r;
    unsigned long records = 0, bytes = 0;
    int sock, fd, rc;

    if (argc != 2) {
        fprintf(stderr, "usage: consumer SOCKET_PATH > output\n");
        return 2;
    }

    sock = connect_to(argv[1]);
    fd = ring_recv_fd(sock);
    if (fd < 0)
        die("ring_recv_fd", -fd);
    close(sock);
    /* The memfd comes from another process: attach checks it before it
       maps anything, and takes its own duplicate. */
    rc = ring_attach(&r, fd, RING_CONSUMER);
    close(fd);
    if (rc < 0)
        die("ring_attach", -rc);

    for (;;) {
        const void *record;
        size_t len;

        /* Everything there is, read in place, then given back. */
        while ((record = ring_msg_peek(&r, &len)) != NULL) {
            if (fwrite(record, 1, len, stdout) != len)
                die("writing standard output", errno);
            ring_msg_consume(&r);
            records++;
            bytes += len;
        }
        if (fflush(stdout) != 0) /* what came shows before we sleep */
            die("writing standard output", errno);
        /* Empty: sleep until a record comes, or the producer is gone. A
           producer that dies without closing also ends in -EPIPE; to tell
           the two apart, send an end-of-stream record of your own. */
        rc = ring_wait_readable(&r, 1, -1);
        if (rc == -EPIPE)
            break;
        if (rc < 0)
            die("ring_wait_readable", -rc);
    }
    ring_close(&r);
    if (fflush(stdout) != 0)
        die("writing standard output", errno);
    fprintf(stderr, "consumer: %lu records, %lu bytes\n", records, bytes);
    return 0;
}
