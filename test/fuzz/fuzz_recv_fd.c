// SPDX-License-Identifier: MIT
/* fuzz_recv_fd.c: ring_recv_fd against whatever a peer (or the caller's
   own socket options) can make arrive: any number of descriptors, several
   control messages in one message, credentials, data of 0 to 5 bytes,
   more descriptors than ring_recv_fd has room for, end of file, and a
   descriptor table with no room left.

   Checked for every call: it returns a descriptor exactly when the
   message carried exactly one (and it is close-on-exec, and the file that
   was sent); the number of open descriptors grows by one when it returns
   one and not at all otherwise; and its error is the one a model of
   AF_UNIX sockets predicts. At the end of the input the process holds
   what it held before.

   Input: one byte picks the socket type (stream, datagram, seqpacket),
   then operations, one byte each plus their arguments:
     0  send: byte b: b & 3 SCM_RIGHTS messages, bit 2 SCM_CREDENTIALS
        too, bits 3-4 where it goes among them, bits 5-7 the data length;
        then one byte per SCM_RIGHTS message: its descriptor count
     1  send something the kernel refuses or ignores: a bad descriptor,
        or a control message of another level
     2  ring_recv_fd
     3  toggle SO_PASSCRED on the receiving socket
     4  toggle SO_PASSPIDFD on the receiving socket (Linux 6.5)
     5  close the sending socket (end of file)
     6  ring_recv_fd with 0-2 descriptors free below RLIMIT_NOFILE */
#define _GNU_SOURCE
#include "fuzz.h"
#include "kit/census.h"
#include "ring.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

/* ring_recv_fd's own control buffer: room for 16 descriptors. */
#define RECV_CONTROL CMSG_SPACE(sizeof(int) * 16)

#define MAX_RIGHTS   3
#define MAX_PER_MSG  21
#define QUEUE_LENGTH 512

struct message {
    size_t bytes; /* data bytes still queued */
    size_t fds;   /* descriptors still attached */
};

struct state {
    int type;
    int sv[2];
    int files[2]; /* what is sent: a memfd and a pipe */
    int eof;
    int passcred, passpidfd;
    struct message queue[QUEUE_LENGTH];
    size_t head, count;
};

static const size_t data_lengths[8] = {0, 1, 1, 2, 1, 5, 1, 0};

static size_t count_fds(void)
{
    struct kit_census c;

    fuzz_census(&c);
    return c.fds;
}

static int is_sent_file(const struct state *s, int fd)
{
    struct stat st, sent;

    if (fstat(fd, &st) != 0)
        return 0;
    for (int i = 0; i < 2; i++)
        if (fstat(s->files[i], &sent) == 0 && sent.st_ino == st.st_ino &&
            sent.st_dev == st.st_dev)
            return 1;
    return 0;
}

static void queue_message(struct state *s, size_t bytes, size_t fds)
{
    /* A stream carries no empty message: its descriptors are dropped. */
    if (s->type == SOCK_STREAM && bytes == 0)
        return;
    FUZZ_CHECK(s->count < QUEUE_LENGTH, "queue overflow");
    s->queue[(s->head + s->count++) % QUEUE_LENGTH] =
        (struct message){bytes, fds};
}

static void add_cmsg(struct msghdr *msg, struct cmsghdr **c, int level,
                     int type, const void *data, size_t len)
{
    *c = *c ? CMSG_NXTHDR(msg, *c) : CMSG_FIRSTHDR(msg);
    FUZZ_CHECK(*c != NULL, "control buffer too small");
    (*c)->cmsg_level = level;
    (*c)->cmsg_type = type;
    (*c)->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(*c), data, len);
}

static void op_send(struct state *s, struct fuzz_input *in, int refused)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MAX_PER_MSG) * MAX_RIGHTS +
                 CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(8)];
    } control;
    uint8_t b = fuzz_u8(in);
    size_t rights = b & 3, creds_at = (b >> 3) & 3, total = 0, space = 0;
    size_t counts[MAX_RIGHTS] = {0};
    char data[8] = "ring fd";
    struct iovec iov = {data, data_lengths[b >> 5]};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    struct cmsghdr *c = NULL;
    struct ucred creds = {getpid(), getuid(), getgid()};
    int fds[MAX_PER_MSG];
    ssize_t n;

    if (s->eof)
        return;
    if (rights > MAX_RIGHTS)
        rights = MAX_RIGHTS;
    for (size_t i = 0; i < rights; i++) {
        counts[i] = fuzz_u8(in) % (MAX_PER_MSG + 1);
        space += CMSG_SPACE(sizeof(int) * counts[i]);
    }
    if (b & 4)
        space += CMSG_SPACE(sizeof creds);
    if (refused)
        space += CMSG_SPACE(8);
    memset(&control, 0, sizeof control);
    msg.msg_control = space ? control.buf : NULL;
    msg.msg_controllen = space;

    for (size_t i = 0; i <= rights; i++) {
        if ((b & 4) && i == (creds_at > rights ? rights : creds_at))
            add_cmsg(&msg, &c, SOL_SOCKET, SCM_CREDENTIALS, &creds,
                     sizeof creds);
        if (i == rights)
            break;
        for (size_t j = 0; j < counts[i]; j++)
            fds[j] = s->files[(i + j) % 2];
        if (refused && counts[i] && (fuzz_u8(in) & 1))
            fds[counts[i] - 1] = 1000000; /* not open: EBADF */
        add_cmsg(&msg, &c, SOL_SOCKET, SCM_RIGHTS, fds,
                 sizeof(int) * counts[i]);
        total += counts[i];
    }
    if (refused) {
        uint64_t junk = fuzz_u64(in);
        add_cmsg(&msg, &c, fuzz_u8(in) & 1 ? SOL_IP : 0x1234, fuzz_u8(in),
                 &junk, sizeof junk);
    }

    n = sendmsg(s->sv[0], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    /* A message the kernel refused queued nothing, descriptors included. */
    if (n < 0)
        return;
    FUZZ_CHECK((size_t)n == iov.iov_len, "short send");
    queue_message(s, (size_t)n, total);
}

/* How many descriptors fit in ring_recv_fd's control buffer after what
   the socket's options put in front of them. */
static size_t room_for_fds(const struct state *s)
{
    size_t room = RECV_CONTROL;

    if (s->passcred)
        room -= CMSG_SPACE(sizeof(struct ucred));
    if (s->passpidfd)
        room -= CMSG_SPACE(sizeof(int));
    return room >= CMSG_LEN(0) ? (room - CMSG_LEN(0)) / sizeof(int) : 0;
}

/* What ring_recv_fd must return now, by the model (1 means "a
   descriptor"); takes the message off the model's queue. free_slots is
   how many descriptors the process may still open. */
static int expected(struct state *s, size_t free_slots)
{
    struct message *m;
    size_t fds, bytes, room = room_for_fds(s), installed;

    if (s->count == 0) {
        if (s->eof && s->type != SOCK_DGRAM)
            return -ECONNRESET;
        return -EAGAIN;
    }
    m = &s->queue[s->head];
    fds = m->fds;
    bytes = m->bytes ? 1 : 0;
    /* A stream is read a byte at a time; the descriptors come with the
       first. A datagram is read whole, the rest of its data dropped. */
    m->fds = 0;
    if (s->type == SOCK_STREAM && m->bytes > 1) {
        m->bytes--;
    } else {
        s->head = (s->head + 1) % QUEUE_LENGTH;
        s->count--;
    }
    if (fds > room || fds > free_slots) {
        /* Truncated: the kernel installed what fit, and ring_recv_fd
           tells the descriptor limit (no slot left after them) from a
           peer that sent too many. */
        installed = fds < room ? fds : room;
        if (installed > free_slots)
            installed = free_slots;
        return installed == free_slots ? -EMFILE : -EPROTO;
    }
    if (fds == 0 && bytes == 0)
        return -ECONNRESET;
    return fds == 1 ? 1 : -EPROTO;
}

/* Lowers RLIMIT_NOFILE so that exactly free_slots descriptors can still
   be opened; returns 0, or -1 when that cannot be arranged. */
static int starve(size_t free_slots, struct rlimit *saved)
{
    struct rlimit lim;
    int fd = 0;

    if (getrlimit(RLIMIT_NOFILE, saved) != 0)
        return -1;
    for (size_t seen = 0;; fd++) {
        if (fd >= 4096)
            return -1;
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && seen++ == free_slots)
            break;
    }
    lim = *saved;
    lim.rlim_cur = (rlim_t)fd;
    return setrlimit(RLIMIT_NOFILE, &lim);
}

static void op_recv(struct state *s, int starved, size_t free_slots)
{
    struct rlimit saved;
    size_t before = count_fds(), after;
    int rc, expect;

    if (starved && starve(free_slots, &saved) != 0)
        return;
    rc = ring_recv_fd(s->sv[1]);
    if (starved)
        FUZZ_CHECK(setrlimit(RLIMIT_NOFILE, &saved) == 0, "setrlimit");
    after = count_fds();
    expect = expected(s, starved ? free_slots : SIZE_MAX);
    if (fuzz_trace())
        fprintf(stderr, "ring_recv_fd: %d, expected %d\n", rc, expect);

    FUZZ_CHECK(after == before + (rc >= 0),
               "ring_recv_fd returned %d and descriptors went %zu -> %zu", rc,
               before, after);
    if (rc >= 0) {
        FUZZ_CHECK(fcntl(rc, F_GETFD) == FD_CLOEXEC, "not close-on-exec");
        FUZZ_CHECK(is_sent_file(s, rc), "a descriptor nobody sent");
        close(rc);
    }
    if (expect == 1)
        FUZZ_CHECK(rc >= 0, "one descriptor sent, ring_recv_fd gave %d", rc);
    else
        FUZZ_CHECK(rc == expect, "ring_recv_fd gave %d, expected %d", rc,
                   expect);
}

static void toggle(struct state *s, int option, int *on)
{
    int value = !*on;

    if (setsockopt(s->sv[1], SOL_SOCKET, option, &value, sizeof value) == 0)
        *on = value;
}

/* Under valgrind the descriptor limit is emulated, and the kernel does
   not see it when it passes descriptors. */
static int limit_is_real(void)
{
    const char *preload = getenv("LD_PRELOAD");

    return !preload || !strstr(preload, "vgpreload");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    struct fuzz_input in = {data, size, 0};
    struct kit_census before;
    struct state s;
    int pipe_fds[2];

    memset(&s, 0, sizeof s);
    s.type = types[fuzz_u8(&in) % 3];
    fuzz_census(&before);
    FUZZ_CHECK(socketpair(AF_UNIX, s.type | SOCK_CLOEXEC, 0, s.sv) == 0,
               "socketpair");
    FUZZ_CHECK(fcntl(s.sv[1], F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
    s.files[0] = memfd_create("fuzz", MFD_CLOEXEC);
    FUZZ_CHECK(s.files[0] >= 0 && pipe2(pipe_fds, O_CLOEXEC) == 0, "files");
    s.files[1] = pipe_fds[0];

    while (fuzz_left(&in) > 0) {
        switch (fuzz_u8(&in) % 7) {
        case 0:
            op_send(&s, &in, 0);
            break;
        case 1:
            op_send(&s, &in, 1);
            break;
        case 2:
            op_recv(&s, 0, 0);
            break;
        case 3:
            toggle(&s, SO_PASSCRED, &s.passcred);
            break;
        case 4:
            toggle(&s, SO_PASSPIDFD, &s.passpidfd);
            break;
        case 5:
            if (!s.eof)
                close(s.sv[0]);
            s.eof = 1;
            break;
        default:
            if (limit_is_real())
                op_recv(&s, 1, fuzz_u8(&in) % 3);
            break;
        }
    }

    if (!s.eof)
        close(s.sv[0]);
    close(s.sv[1]);
    close(s.files[0]);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    fuzz_census_check(&before, "a run");
    return 0;
}
