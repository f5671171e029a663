// SPDX-License-Identifier: MIT
/*
 * event.c: a descriptor an event loop can poll for one side of a handle.
 *
 * It is an epoll descriptor holding two others: an inotify watch on the
 * ring's memfd, which the peer's wake-up makes readable by writing one
 * byte of the control page with pwrite (the doorbell: stores through the
 * mapping make no inotify event, a write does), and a timerfd that ticks
 * while armed, so that a loop notices a peer that died without ringing.
 * Nothing is asked of the peer until ring_event_arm() announces a waiter:
 * until then it costs the peer nothing.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define RING_EVENT_TICK_MS 50

/* The waiter of the one role named (0: the handle's only role). */
static struct ringi_waiter *waiter_of(struct ring *r, unsigned role,
                                      enum ring_role *index)
{
    if (role == 0 && (r->roles == RING_PRODUCER || r->roles == RING_CONSUMER))
        role = r->roles;
    if (role == RING_CONSUMER && (r->roles & RING_CONSUMER)) {
        *index = RING_ROLE_CONSUMER;
        return &r->consumer_wait;
    }
    if (role == RING_PRODUCER && (r->roles & RING_PRODUCER)) {
        *index = RING_ROLE_PRODUCER;
        return &r->producer_wait;
    }
    return NULL;
}

static void close_waiter(struct ringi_waiter *w)
{
    int *fds[] = {&w->event_fd, &w->event_inotify, &w->event_timer};

    for (int i = 0; i < 3; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

void ringi_event_close_all(struct ring *r)
{
    close_waiter(&r->producer_wait);
    close_waiter(&r->consumer_wait);
}

static int add_to_epoll(int epoll_fd, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int ring_event_fd(struct ring *r, unsigned role)
{
    enum ring_role index;
    struct ringi_waiter *w;
    char path[64];
    int rc = 0;

    if (r->control == NULL)
        return -EBADF;
    w = waiter_of(r, role, &index);
    if (w == NULL)
        return -EINVAL;
    if (r->flags & RING_HUGEPAGES)
        return -EOPNOTSUPP; /* hugetlbfs has no write(): no doorbell */
    if (w->event_fd >= 0)
        return w->event_fd;

    w->event_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    w->event_timer =
        timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->event_fd = epoll_create1(EPOLL_CLOEXEC);
    if (w->event_inotify < 0 || w->event_timer < 0 || w->event_fd < 0)
        rc = -errno;
    snprintf(path, sizeof path, "/proc/self/fd/%d", r->fd);
    if (rc == 0 && inotify_add_watch(w->event_inotify, path, IN_MODIFY) < 0)
        rc = -errno;
    if (rc == 0)
        rc = add_to_epoll(w->event_fd, w->event_inotify);
    if (rc == 0)
        rc = add_to_epoll(w->event_fd, w->event_timer);
    if (rc < 0) {
        close_waiter(w);
        return rc;
    }
    return w->event_fd;
}

/* Reads everything queued; returns nonzero if there was anything. */
static int drain(int fd)
{
    char buf[4096];
    int any = 0;

    while (read(fd, buf, sizeof buf) > 0)
        any = 1;
    return any;
}

static int set_timer(int timer_fd, int ms)
{
    struct itimerspec its = {
        .it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L},
    };

    return timerfd_settime(timer_fd, 0, &its, NULL) == 0 ? 0 : -errno;
}

int ring_event_arm(struct ring *r, unsigned role, size_t len)
{
    enum ring_role index;
    struct ringi_waiter *w;
    int rc, fenced;

    if (r->control == NULL)
        return -EBADF;
    w = waiter_of(r, role, &index);
    if (w == NULL)
        return -EINVAL;
    if (w->event_fd < 0 && (rc = ring_event_fd(r, role)) < 0)
        return rc;
    /* Cleared before we look, so that a doorbell rung after the look is
       never drained unseen. */
    drain(w->event_inotify);
    /* The kernel is asked about a dead peer when the tick came. */
    rc = ringi_event_announce(r, index, len, drain(w->event_timer), &fenced);
    if (rc != 0) {
        set_timer(w->event_timer, 0);
        return rc;
    }
    /* Without membarrier a fence-less peer may miss us: tick sooner. */
    return set_timer(w->event_timer, fenced ? RING_EVENT_TICK_MS : 1);
}
