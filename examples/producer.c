// SPDX-License-Identifier: MIT
/*
 * producer: serves a ring at a UNIX socket path and sends its standard
 * input through it, one record per line.
 *
 *   producer /tmp/demo.sock < input        then, in another shell:
 *   consumer /tmp/demo.sock > output
 *
 * The two programs share nothing but the path. The producer creates the
 * ring, waits for one consumer, hands it the ring's memfd over the socket
 * (ring_send_fd) and hangs up: from then on they talk through shared
 * memory only. Closing the ring at the end tells the consumer that
 * nothing more will come.
 */
#define _POSIX_C_SOURCE 200809L
#include <ring.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

_Noreturn static void die(const char *what, int err)
{
    fprintf(stderr, "producer: %s: %s\n", what, strerror(err));
    exit(1);
}

/* Listens at path and returns the first connection. Whoever connects gets
   the ring: put the socket in a directory only you can enter. */
static int accept_one(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int listener, conn;

    if (strlen(path) >= sizeof addr.sun_path)
        die(path, ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0)
        die("socket", errno);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0)
        die(path, errno);
    if (listen(listener, 1) != 0)
        die("listen", errno);
    conn = accept(listener, NULL, NULL);
    if (conn < 0)
        die("accept", errno);
    close(listener);
    unlink(path); /* one consumer only: the path is free again */
    return conn;
}

int main(int argc, char **argv)
{
    struct ring r;
    char *line = NULL;
    size_t line_size = 0;
    ssize_t len;
    unsigned long records = 0;
    int conn, rc;

    if (argc != 2) {
        fprintf(stderr, "usage: producer SOCKET_PATH < input\n");
        return 2;
    }

    /* 64 KiB of shared memory; when the consumer lags, we wait. */
    rc = ring_create(&r, 64 * 1024, RING_PRODUCER);
    if (rc < 0)
        die("ring_create", -rc);

    conn = accept_one(argv[1]);
    rc = ring_send_fd(conn, ring_fd(&r));
    if (rc < 0)
        die("ring_send_fd", -rc);
    close(conn); /* the consumer has its own descriptor of the ring now */

    while ((len = getline(&line, &line_size, stdin)) > 0) {
        /* One record per line, newline included. */
        while ((rc = ring_msg_send(&r, line, (size_t)len)) == -EAGAIN) {
            /* Full: sleep until this record fits. -EPIPE: the consumer
               closed or died. (-EINTR comes only with signal handlers.) */
            rc = ring_wait_writable(&r, ring_msg_space_needed((size_t)len), -1);
            if (rc < 0)
                die("ring_wait_writable", -rc);
        }
        if (rc < 0) /* -EMSGSIZE: a line longer than ring_msg_max() */
            die("ring_msg_send", -rc);
        records++;
    }
    if (ferror(stdin))
        die("reading standard input", errno);
    free(line);

    /* The end of the stream: the consumer reads what is left in the ring,
       then its wait returns -EPIPE. */
    ring_close(&r);
    fprintf(stderr, "producer: sent %lu records\n", records);
    return 0;
}
