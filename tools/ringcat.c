// SPDX-License-Identifier: MIT
/*
 * ringcat: a shared-memory pipe between two unrelated processes that meet
 * at a UNIX socket path.
 *
 *   ringcat --listen PATH  < input     creates a ring, serves its memfd to
 *                                      the one reader that connects, and
 *                                      copies standard input into it
 *   ringcat --connect PATH > output    attaches and copies the ring out
 *
 * Bytes go straight from read(2) into ring memory and from ring memory to
 * write(2): no buffer in between. The end of input travels as a message on
 * the socket carrying the byte count, so the reader can tell a clean end
 * from a writer that died (both close the ring): a killed peer gives the
 * other side one error line and exit status 1, never a hang.
 */
#define _GNU_SOURCE
#include "ring.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* How long a wait lasts before the socket is asked about the peer. */
#define WAIT_SLICE_MS 200

/* The byte a reader sends first. */
#define HELLO 'R'
/* The message that ends a stream: this tag and the byte count. */
#define END_TAG UINT64_C(0x646e65746163676e) /* "ngcatend" */

struct options {
    const char *listen_path;
    const char *connect_path;
    size_t capacity;
    int verbose;
    int allow_any_user;
    long allow_uid; /* -1: only our own user */
};

static const char *prog = "ringcat";

/* One line saying what went wrong, then the exit status. */
__attribute__((noreturn, format(printf, 2, 3))) static void
die(int status, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ringcat --listen PATH [options] < input\n"
            "       ringcat --connect PATH [options] > output\n"
            "\n"
            "A pipe through a shared-memory ring between two processes that\n"
            "meet at the UNIX socket PATH.\n"
            "\n"
            "  -l, --listen PATH      create the ring, wait for one reader "
            "at PATH,\n"
            "                         copy standard input into the ring\n"
            "  -c, --connect PATH     attach to the ring served at PATH, "
            "copy it to\n"
            "                         standard output\n"
            "  -s, --size BYTES       ring capacity for --listen (K, M, G "
            "suffixes;\n"
            "                         default 4M)\n"
            "      --allow-uid UID    --listen: also accept a reader running "
            "as UID\n"
            "      --allow-any-user   --listen: accept a reader of any user\n"
            "  -v, --verbose          report bytes and rate at the end\n"
            "  -h, --help             this help\n"
            "\n"
            "Exit status: 0 when every byte arrived, 1 on a runtime error "
            "(the peer\n"
            "died or was refused, I/O failed), 2 for bad usage.\n");
}

static size_t parse_size(const char *text)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        die(EXIT_USAGE, "bad size '%s'", text);
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10, end++;
        break;
    case 'm':
    case 'M':
        v <<= 20, end++;
        break;
    case 'g':
    case 'G':
        v <<= 30, end++;
        break;
    default:
        break;
    }
    if (*end != '\0' || v == 0)
        die(EXIT_USAGE, "bad size '%s'", text);
    return (size_t)v;
}

static struct options parse_options(int argc, char **argv)
{
    static const struct option longs[] = {
        {"listen", required_argument, NULL, 'l'},
        {"connect", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},
        {"allow-uid", required_argument, NULL, 'U'},
        {"allow-any-user", no_argument, NULL, 'A'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct options o = {NULL, NULL, 4u << 20, 0, 0, -1};
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:c:s:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'l':
            o.listen_path = optarg;
            break;
        case 'c':
            o.connect_path = optarg;
            break;
        case 's':
            o.capacity = parse_size(optarg);
            break;
        case 'U': {
            char *end;
            errno = 0;
            o.allow_uid = strtol(optarg, &end, 10);
            if (errno || *end || o.allow_uid < 0)
                die(EXIT_USAGE, "bad user id '%s'", optarg);
            break;
        }
        case 'A':
            o.allow_any_user = 1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            die(EXIT_USAGE, "option '%s' needs a value (see --help)",
                argv[optind - 1]);
        default:
            die(EXIT_USAGE, "unknown option '%s' (see --help)",
                argv[optind - 1]);
        }
    }
    if (optind < argc)
        die(EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
    if (!o.listen_path == !o.connect_path)
        die(EXIT_USAGE, "give exactly one of --listen PATH or --connect "
                        "PATH (see --help)");
    return o;
}

static struct sockaddr_un socket_address(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    if (strlen(path) >= sizeof addr.sun_path)
        die(EXIT_USAGE, "%s: socket path too long", path);
    strcpy(addr.sun_path, path);
    return addr;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const struct options *o, const char *what, uint64_t bytes,
                   double seconds)
{
    if (!o->verbose)
        return;
    fprintf(stderr, "%s: %s %" PRIu64 " bytes in %.3f s (%.1f MB/s)\n", prog,
            what, bytes, seconds,
            seconds > 0 ? (double)bytes / seconds / 1e6 : 0.0);
}

/* ---------------------------------------------------------------------- */
/* --listen                                                                */

/* Binds PATH owner-only. A socket file left by a listener that died is
   replaced; a live listener, or a file that is not a socket, is not. */
static int bind_listener(const char *path)
{
    struct sockaddr_un addr = socket_address(path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old_mask;
    int rc;

    if (sock < 0)
        die(1, "socket: %s", strerror(errno));
    old_mask = umask(0077);
    rc = bind(sock, (struct sockaddr *)&addr, sizeof addr);
    if (rc != 0 && errno == EADDRINUSE) {
        struct stat st;
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
            die(1, "%s: exists and is not a socket", path);
        if (connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0)
            die(1, "%s: another listener is serving there", path);
        if (errno != ECONNREFUSED)
            die(1, "%s: %s", path, strerror(errno));
        close(probe);
        unlink(path); /* stale: its listener is gone */
        rc = bind(sock, (struct sockaddr *)&addr, sizeof addr);
    }
    umask(old_mask);
    if (rc != 0)
        die(1, "%s: %s", path, strerror(errno));
    if (listen(sock, 1) != 0)
        die(1, "listen: %s", strerror(errno));
    return sock;
}

static int peer_allowed(const struct options *o, int conn, uid_t *who)
{
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return 0;
    *who = cred.uid;
    return o->allow_any_user || cred.uid == geteuid() ||
           (o->allow_uid >= 0 && cred.uid == (uid_t)o->allow_uid);
}

/* Has the peer closed its end of the socket (or died)? */
static int hung_up(int sock)
{
    struct pollfd pfd = {.fd = sock, .events = POLLIN | POLLRDHUP};

    return poll(&pfd, 1, 0) > 0 &&
           (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/* A reader speaks first. A connection that closes without a word (as
   another listener's check for a live one does) or says nothing for a
   few seconds is not taken as the reader. */
static int reader_says_hello(int conn)
{
    struct timeval patience = {.tv_sec = 5};
    char hello;

    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    if (recv(conn, &hello, 1, 0) != 1 || hello != HELLO)
        return 0;
    patience.tv_sec = 0;
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    return 1;
}

static int run_listener(const struct options *o)
{
    struct ring r;
    uint64_t total = 0, end[2];
    int listener, conn, rc;
    uid_t who = 0;
    double start;

    rc = ring_create(&r, o->capacity, RING_PRODUCER);
    if (rc < 0)
        die(1, "cannot create a ring of %zu bytes: %s", o->capacity,
            strerror(-rc));
    listener = bind_listener(o->listen_path);
    for (;;) {
        conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR)
                continue;
            die(1, "accept: %s", strerror(errno));
        }
        if (!peer_allowed(o, conn, &who)) {
            fprintf(stderr, "%s: refused a reader running as uid %u\n", prog,
                    (unsigned)who);
            close(conn);
            continue;
        }
        if (reader_says_hello(conn))
            break;
        close(conn); /* a probe, or a client that is not a reader */
    }
    /* One reader only: nobody else can connect from here on. */
    close(listener);
    unlink(o->listen_path);
    rc = ring_send_fd(conn, ring_fd(&r));
    if (rc < 0)
        die(1, "cannot pass the ring to the reader: %s", strerror(-rc));

    start = now_s();
    for (;;) {
        size_t room = ring_writable(&r);
        if (room == 0) {
            /* Sleep until a good share is free, not for every byte. */
            size_t want = ring_capacity(&r) / 4;
            rc = ring_wait_writable(&r, want, WAIT_SLICE_MS);
            /* A reader that died before it attached never held its role:
               the ring cannot tell, its socket can. */
            if (rc == -EPIPE || (rc == -ETIMEDOUT && hung_up(conn)))
                die(1, "the reader went away after %" PRIu64 " bytes", total);
            if (rc < 0 && rc != -EINTR && rc != -ETIMEDOUT)
                die(1, "waiting for room: %s", strerror(-rc));
            continue;
        }
        void *span = ring_reserve(&r, room);
        ssize_t n = read(STDIN_FILENO, span, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die(1, "reading standard input: %s", strerror(errno));
        }
        if (n == 0)
            break;
        ring_commit(&r, (size_t)n);
        total += (uint64_t)n;
    }
    /* The end, with the count, before the ring closes: the reader checks
       it once it has drained the ring. */
    end[0] = END_TAG;
    end[1] = total;
    if (send(conn, end, sizeof end, MSG_NOSIGNAL) != (ssize_t)sizeof end)
        die(1, "the reader went away after %" PRIu64 " bytes", total);
    ring_close(&r);
    /* Wait for the reader to finish, so that a pipeline that ends with
       this command ends when the copy is complete. */
    char ack;
    if (recv(conn, &ack, 1, 0) != 1)
        die(1, "the reader went away before it had everything");
    report(o, "sent", total, now_s() - start);
    close(conn);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* --connect                                                               */

static int connect_to(const char *path)
{
    struct sockaddr_un addr = socket_address(path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (sock < 0)
        die(1, "socket: %s", strerror(errno));
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0)
        die(1, "%s: %s", path,
            errno == ECONNREFUSED ? "nobody is listening there"
                                  : strerror(errno));
    if (send(sock, &(char){HELLO}, 1, MSG_NOSIGNAL) != 1)
        die(1, "%s: the listener went away", path);
    return sock;
}

/* Writes what is readable to standard output; returns bytes written. */
static uint64_t drain_to_stdout(struct ring *r)
{
    uint64_t done = 0;
    size_t len;
    const void *span;

    while ((span = ring_peek(r, &len)) != NULL) {
        ssize_t n = write(STDOUT_FILENO, span, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die(1, "writing standard output: %s", strerror(errno));
        }
        ring_consume(r, (size_t)n);
        done += (uint64_t)n;
    }
    return done;
}

static int run_reader(const struct options *o)
{
    struct ring r;
    uint64_t total = 0, end[2];
    int sock, fd, rc;
    double start;

    sock = connect_to(o->connect_path);
    fd = ring_recv_fd(sock);
    if (fd == -ECONNRESET)
        die(1, "%s: the listener refused us or went away", o->connect_path);
    if (fd < 0)
        die(1, "no ring came from %s: %s", o->connect_path, strerror(-fd));
    rc = ring_attach(&r, fd, RING_CONSUMER);
    close(fd);
    if (rc < 0)
        die(1, "the ring from %s is not usable: %s", o->connect_path,
            strerror(-rc));

    start = now_s();
    for (;;) {
        total += drain_to_stdout(&r);
        /* Any byte will do: the writer commits once per read(2), so a
           slow, line-by-line input still flows line by line. */
        rc = ring_wait_readable(&r, 1, -1);
        if (rc == 0 || rc == -EINTR)
            continue;
        if (rc != -EPIPE)
            die(1, "waiting for data: %s", strerror(-rc));
        /* The writer closed or died: what it committed is still here. */
        total += drain_to_stdout(&r);
        break;
    }
    ssize_t n = recv(sock, end, sizeof end, MSG_WAITALL);
    if (n != (ssize_t)sizeof end || end[0] != END_TAG)
        die(1, "the writer died after %" PRIu64 " bytes", total);
    if (end[1] != total)
        die(1, "the writer sent %" PRIu64 " bytes but %" PRIu64 " arrived",
            end[1], total);
    if (send(sock, "k", 1, MSG_NOSIGNAL) != 1)
        die(1, "the writer went away at the end");
    report(o, "received", total, now_s() - start);
    ring_close(&r);
    close(sock);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);

    return o.listen_path ? run_listener(&o) : run_reader(&o);
}
