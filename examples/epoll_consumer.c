// SPDX-License-Identifier: MIT
/*
 * epoll_consumer: the consumer of producer.c in an event loop. The ring's
 * event descriptor and a signalfd share an epoll set, so one epoll_wait()
 * sleeps until a record comes or SIGINT/SIGTERM says stop.
 *
 *   producer /tmp/demo.sock < input &  epoll_consumer /tmp/demo.sock > out
 *
 * (in either order: the consumer waits a few seconds for the producer).
 */
#define _GNU_SOURCE
#include <ring.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

_Noreturn static void die(const char *what, int err)
{
    fprintf(stderr, "epoll_consumer: %s: %s\n", what, strerror(err));
    exit(1);
}

/* Connects to path and attaches to the ring the producer sends. */
static void attach_at(struct ring *r, const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int sock, fd, rc;

    if (strlen(path) >= sizeof addr.sun_path)
        die(path, ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    /* The producer may start after us: ask again every 50 ms, for up to
       5 seconds, while nobody listens at path. */
    for (int tries = 1;; tries++) {
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
            die("socket", errno);
        if (connect(sock, (struct sockaddr *)&addr, sizeof addr) == 0)
            break;
        rc = errno;
        close(sock);
        if ((rc != ENOENT && rc != ECONNREFUSED) || tries == 100)
            die(path, rc);
        nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
    }
    fd = ring_recv_fd(sock);
    if (fd < 0)
        die("ring_recv_fd", -fd);
    close(sock);
    rc = ring_attach(r, fd, RING_CONSUMER);
    close(fd);
    if (rc < 0)
        die("ring_attach", -rc);
}

int main(int argc, char **argv)
{
    struct ring c;
    struct epoll_event ev = {.events = EPOLLIN};
    sigset_t stop;
    ssize_t n;
    int ep, efd, sfd, rc, status = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: epoll_consumer SOCKET_PATH > output\n");
        return 2;
    }
    attach_at(&c, argv[1]);
    /* Room for the longest record: ring_msg_recv never says -EMSGSIZE. */
    size_t size = ring_msg_max(&c);
    char *buf = malloc(size);
    if (buf == NULL)
        die("malloc", ENOMEM);

    /* The signals become a readable descriptor instead of interrupting. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stop, NULL) != 0)
        die("sigprocmask", errno);
    sfd = signalfd(-1, &stop, SFD_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || ep < 0)
        die("signalfd or epoll_create1", errno);
    efd = ring_event_fd(&c, RING_CONSUMER); /* owned by the handle */
    if (efd < 0)
        die("ring_event_fd", -efd);
    ev.data.fd = efd;
    rc = epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    ev.data.fd = sfd;
    if (rc != 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) != 0)
        die("epoll_ctl", errno);

    /* Drain every record, then arm: 1 means more came meanwhile (drain
       again), 0 armed (sleep), -EPIPE the producer closed, all is read. */
    for (;;) {
        while ((n = ring_msg_recv(&c, buf, size)) >= 0)
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                die("writing standard output", errno);
        rc = ring_event_arm(&c, RING_CONSUMER, 1);
        if (rc == -EPIPE)
            break;
        if (rc < 0) /* -EPROTO: the peer broke the ring */
            die("ring_event_arm", -rc);
        if (rc == 1)
            continue;
        if (fflush(stdout) != 0) /* what came shows before we sleep */
            die("writing standard output", errno);
        if (epoll_wait(ep, &ev, 1, -1) < 0)
            die("epoll_wait", errno);
        if (ev.data.fd == sfd) {
            fprintf(stderr, "epoll_consumer: stopped by a signal\n");
            status = 1;
            break;
        }
    }
    close(ep);
    close(sfd);
    free(buf);
    ring_close(&c); /* closes the event descriptor too */
    if (fflush(stdout) != 0)
        die("writing standard output", errno);
    return status;
}
