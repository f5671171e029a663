// SPDX-License-Identifier: MIT
/*
 * role.c: one live holder per role. A handle holds its roles as
 * open-file-description locks (F_OFD_SETLK) on one byte each of the memfd,
 * taken through a description of its own, opened again through
 * /proc/self/fd. The kernel drops such a lock when its holder closes the
 * description or dies, whatever killed it: no process id is stored, so
 * neither pid reuse nor pid namespaces can fool the check.
 *
 * The description must be private to the handle: the memfd itself is
 * shared with every process it was sent to, and a lock on it would outlive
 * its holder in them.
 */
#define _GNU_SOURCE
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int lock_byte(int fd, int type, enum ring_role role)
{
    struct flock lock = {
        .l_type = (short)type,
        .l_whence = SEEK_SET,
        .l_start = (off_t)role,
        .l_len = 1,
    };

    return fcntl(fd, F_OFD_SETLK, &lock) == 0 ? 0 : -errno;
}

int ringi_roles_lock(struct ring *r, unsigned roles)
{
    char path[64];
    int rc;

    snprintf(path, sizeof path, "/proc/self/fd/%d", r->setup.fd);
    r->setup.lock_fd = open(path, O_RDWR | O_CLOEXEC);
    if (r->setup.lock_fd < 0) {
        r->setup.lock_fd = -1;
        return -errno;
    }
    rc = 0;
    if (roles & RING_PRODUCER)
        rc = lock_byte(r->setup.lock_fd, F_WRLCK, RING_ROLE_PRODUCER);
    if (rc == 0 && (roles & RING_CONSUMER))
        rc = lock_byte(r->setup.lock_fd, F_WRLCK, RING_ROLE_CONSUMER);
    if (rc != 0) {
        close(r->setup.lock_fd); /* drops any lock taken above */
        r->setup.lock_fd = -1;
        return rc == -EAGAIN || rc == -EACCES ? -EBUSY : rc;
    }
    return 0;
}

void ringi_roles_release(struct ring *r)
{
    if (r->setup.lock_fd < 0)
        return;
    /* Unlock explicitly: a forked child may still hold a duplicate of the
       description, which would keep the locks alive past close(). */
    if (r->setup.roles & RING_PRODUCER)
        lock_byte(r->setup.lock_fd, F_UNLCK, RING_ROLE_PRODUCER);
    if (r->setup.roles & RING_CONSUMER)
        lock_byte(r->setup.lock_fd, F_UNLCK, RING_ROLE_CONSUMER);
    close(r->setup.lock_fd);
    r->setup.lock_fd = -1;
}

int ringi_role_held(const struct ring *r, enum ring_role role)
{
    struct flock lock = {
        .l_type = F_WRLCK,
        .l_whence = SEEK_SET,
        .l_start = (off_t)role,
        .l_len = 1,
    };

    /* Through our own description: a lock it holds does not conflict
       with itself, so our own roles read as free; ask only about the
       peer's. */
    if (fcntl(r->setup.lock_fd, F_OFD_GETLK, &lock) != 0)
        return -errno;
    return lock.l_type != F_UNLCK;
}
