/* SPDX-License-Identifier: MIT */
/*
 * kit/child.h: a second process for a benchmark or a test, joined to this
 * one by a UNIX socket pair and nothing else it needs to inherit: what
 * the two share (a ring's memfd, a pipe) goes over the socket, as it would
 * between unrelated programs.
 */
#ifndef KIT_CHILD_H
#define KIT_CHILD_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kit_child {
    pid_t pid; /* -1 when there is none */
    int sock;  /* this process's end of the socket pair, or -1 */
};

/* A child that is not started: kit_child_kill on it does nothing. */
#define KIT_CHILD_NONE                                                         \
    {                                                                          \
        -1, -1                                                                 \
    }

/*
 * Forks a child joined to this process by a socket pair of type
 * (SOCK_STREAM or SOCK_SEQPACKET, close-on-exec). The child calls
 * body(sock, arg) with its own end and exits with what body returns; it
 * is killed when this process dies, and never outlives it. stdio is
 * flushed first, so that nothing buffered is written twice. Returns 0, or
 * -errno (nothing is left open then).
 */
int kit_child_start(struct kit_child *c, int type,
                    int (*body)(int sock, void *arg), void *arg);

/*
 * Waits for the child to end and closes this end of the socket. Returns
 * its exit status (0 to 255), 128 + the signal that killed it, or -errno;
 * with usage non-NULL, fills it with the CPU the child used.
 */
int kit_child_wait(struct kit_child *c, struct rusage *usage);

/* Kills the child (SIGKILL), reaps it and closes the socket; does
   nothing for a child that is not running. Safe in a signal handler only
   for the kill itself. */
void kit_child_kill(struct kit_child *c);

/* Sends one whole message on a socket (no SIGPIPE). Returns 0, -EIO when
   only part of it went, or -errno. */
int kit_msg_send(int sock, const void *msg, size_t len);

/* Receives one message of exactly len bytes, waiting up to timeout_ms
   (< 0: for ever). Returns 0, -ETIMEDOUT, -EPIPE at end of file, -EPROTO
   for a message of another length (on a stream socket: a short read), or
   -errno. */
int kit_msg_recv(int sock, void *msg, size_t len, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* KIT_CHILD_H */
