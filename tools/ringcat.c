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
 * write(2): no buffer in between, one copy on each side. The end of input
 * travels as a message on the socket carrying the byte count, so the
 * reader can tell a clean end from a writer that died (both close the
 * ring): a killed peer gives the other side one error line and exit status
 * 1, never a hang.
 *
 * It is a bulk tool. The writer publishes what it has read in batches (a
 * batch is full, or the input paused for a millisecond), so that a reader
 * asleep in the kernel is woken once per batch, not once per read(2). It
 * gives a pipe it reads a large buffer, so that the program that feeds it
 * goes on writing while it copies (see struct input). Neither side spins
 * while it waits on the ring, since the other side being the bottleneck
 * is the normal case, not a moment's delay.
 *
 * Why no splice(2) or vmsplice(2): reading a pipe into the ring is one copy
 * whichever call makes it. Writing the ring to a pipe with vmsplice (or
 * splice from the memfd) would put references to ring pages into the pipe,
 * and the writer reuses those pages as soon as the reader gives them back;
 * the reader cannot know when the pipe's reader is done with them (one that
 * splices them on, to a socket say, holds them long after the pipe looks
 * empty), so the bytes could change under it. write(2) copies: once it
 * returns, the pages are ours to give back.
 */
#define _GNU_SOURCE
#include "kit/clock.h"
#include "kit/parse.h"
#include "ring.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* How long a wait lasts before the socket is asked about the peer. */
#define WAIT_SLICE_MS 200
/* The largest batch the writer publishes at once, and the largest write
   the reader makes: small next to the ring, so that the other side works
   on one batch while this side fills the next. */
#define BATCH_MAX (1u << 20)
/* Bytes that arrived are published at most this long after the first of
   them, however slowly the input trickles. */
#define FLUSH_DELAY_NS 1000000
/* The default waits for the peer, in seconds. */
#define CONNECT_WAIT_S 5.0
#define LISTEN_WAIT_S  60.0
#define MAX_ALLOWED    16

/* The byte a reader sends first. */
#define HELLO 'R'
/* The message that ends a stream: this tag and the byte count. */
#define END_TAG UINT64_C(0x646e65746163676e) /* "ngcatend" */

struct options {
    const char *listen_path;
    const char *connect_path;
    const char *size_text; /* -s as given, NULL for the default */
    size_t capacity;
    const char *mode_text;     /* --mode as given */
    const char *max_size_text; /* --max-size as given */
    size_t max_size;
    mode_t mode;
    double wait_s; /* < 0: forever */
    int wait_given;
    int verbose;
    int progress;
    int allow_any_user;
    int allowed_count;
    uid_t allowed[MAX_ALLOWED];
};

static const char *prog = "ringcat";
/* The socket this listener has bound and not yet removed. */
static const char *bound_path;

/* ---------------------------------------------------------------------- */
/* Progress on standard error.                                             */

static struct {
    int on;           /* --progress */
    int tty;          /* stderr is a terminal: one line, in place */
    int shown;        /* a progress line is on the terminal now */
    const char *verb; /* "sent" or "received" */
    int64_t start_ns;
    double last_s;       /* when the last line was shown */
    uint64_t last_bytes; /* bytes then */
} progress;
static volatile sig_atomic_t progress_due;

/* Clears a progress line from the terminal, so that what is written next
   takes its place. */
static void progress_clear(void)
{
    if (progress.shown)
        fputs("\r\033[K", stderr);
    progress.shown = 0;
}

/* One line saying what went wrong, then the exit status. */
__attribute__((noreturn, format(printf, 2, 3))) static void
die(int status, const char *fmt, ...)
{
    va_list ap;

    progress_clear();
    if (bound_path)
        unlink(bound_path);
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/* Signed, for deadlines that may be INT64_MAX ("forever"). */
static int64_t now_ns(void)
{
    return (int64_t)kit_now_ns();
}

static double seconds_since(int64_t t0_ns)
{
    return (double)(now_ns() - t0_ns) / 1e9;
}

static double rate_mb(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes / seconds / 1e6 : 0.0;
}

static void on_progress_timer(int sig)
{
    (void)sig;
    progress_due = 1;
}

/* Starts the clock of the copy and, with --progress, a timer whose signal
   interrupts whatever call waits (no SA_RESTART), so that the line moves
   on while the copy stalls too. */
static void progress_start(const struct options *o, const char *verb)
{
    progress.verb = verb;
    progress.start_ns = now_ns();
    if (!o->progress)
        return;
    progress.on = 1;
    progress.tty = isatty(STDERR_FILENO);

    struct sigaction sa = {.sa_handler = on_progress_timer};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    /* In place on a terminal twice a second; otherwise a line a second. */
    struct itimerval every = {
        .it_interval = {.tv_usec = progress.tty ? 500000 : 0,
                        .tv_sec = progress.tty ? 0 : 1},
    };
    every.it_value = every.it_interval;
    setitimer(ITIMER_REAL, &every, NULL);
}

/* Shows the bytes so far and the rate since the last line, when due. */
static void progress_show(uint64_t bytes)
{
    double now, rate;

    if (!progress_due)
        return;
    progress_due = 0;
    now = seconds_since(progress.start_ns);
    rate = rate_mb(bytes - progress.last_bytes, now - progress.last_s);
    progress.last_s = now;
    progress.last_bytes = bytes;
    if (progress.tty) {
        fprintf(stderr, "\r\033[K%s: %s %" PRIu64 " bytes, %.1f s, %.1f MB/s",
                prog, progress.verb, bytes, now, rate);
        fflush(stderr);
        progress.shown = 1;
    } else {
        fprintf(stderr, "%s: %s %" PRIu64 " bytes in %.1f s, %.1f MB/s\n", prog,
                progress.verb, bytes, now, rate);
    }
}

/* Stops the timer; with -v or --progress, reports the whole copy. */
static void progress_end(const struct options *o, uint64_t bytes)
{
    double seconds = seconds_since(progress.start_ns);

    if (progress.on) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        progress.on = 0;
    }
    progress_clear();
    if (o->verbose || o->progress)
        fprintf(stderr, "%s: %s %" PRIu64 " bytes in %.3f s (%.1f MB/s)\n",
                prog, progress.verb, bytes, seconds, rate_mb(bytes, seconds));
}

/* ---------------------------------------------------------------------- */
/* Options.                                                                */

enum {
    OPT_ALLOW_UID = 256,
    OPT_ALLOW_ANY_USER,
    OPT_MODE,
    OPT_WAIT,
    OPT_PROGRESS,
    OPT_VERSION,
    OPT_MAX_SIZE,
};

static const struct option long_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"connect", required_argument, NULL, 'c'},
    {"size", required_argument, NULL, 's'},
    {"mode", required_argument, NULL, OPT_MODE},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"allow-uid", required_argument, NULL, OPT_ALLOW_UID},
    {"allow-any-user", no_argument, NULL, OPT_ALLOW_ANY_USER},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: ringcat --listen PATH [options] < input\n"
    "       ringcat --connect PATH [options] > output\n"
    "\n"
    "A pipe through a shared-memory ring between two processes that meet\n"
    "at the UNIX socket PATH; either may start first.\n"
    "\n"
    "  -l, --listen PATH     create the ring, wait for one reader at PATH,\n"
    "                        copy standard input into the ring\n"
    "  -c, --connect PATH    attach to the ring served at PATH, copy it to\n"
    "                        standard output\n"
    "  -s, --size BYTES      --listen: the ring's capacity (K, M, G or T;\n"
    "                        default 4M)\n"
    "      --mode MODE       --listen: the socket's permissions (octal;\n"
    "                        default 0600, 0666 when others are allowed)\n"
    "      --max-size BYTES  --connect: the largest ring to map (K, M, G\n"
    "                        or T; default 1G)\n"
    "      --wait SECONDS    how long to wait for the other side, or\n"
    "                        'forever': for a listener (--connect, default\n"
    "                        5), for a reader (--listen, default 60)\n"
    "      --allow-uid USER  also deal with a peer running as USER (a name\n"
    "                        or a number; may be repeated)\n"
    "      --allow-any-user  deal with a peer of any user\n"
    "      --progress        show bytes and rate while copying\n"
    "  -v, --verbose         report bytes and rate at the end\n"
    "  -h, --help            this help\n"
    "      --version         the version\n"
    "\n"
    "Each side deals only with a peer of its own user unless allowed:\n"
    "--listen checks the reader, --connect the listener.\n"
    "\n"
    "Exit status: 0 when every byte arrived, 1 on a runtime error (the peer\n"
    "died, was refused or never came, I/O failed), 2 for bad usage.\n";

static void usage(FILE *out)
{
    fputs(usage_text, out);
}

/*
 * BYTES: kit_parse_size's sizes (digits, an optional binary K, M, G or T,
 * then optionally B or iB: no sign, space or fraction; a value past 64
 * bits refused, never wrapped), and neither 0 nor more than a size_t.
 * Returns 0 and *out, or -1.
 */
static int parse_size(const char *text, uint64_t *out)
{
    uint64_t v;

    if (kit_parse_size(text, &v) != 0 || v == 0 || v > SIZE_MAX)
        return -1;
    *out = v;
    return 0;
}

/* A user by name, or else by number. */
static uid_t parse_user(const char *text)
{
    struct passwd *pw = getpwnam(text);
    const char *p;
    uint64_t v = 0;

    if (pw != NULL)
        return pw->pw_uid;
    for (p = text; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v >= (uid_t)-1)
            break;
    }
    if (p == text || *p != '\0')
        die(EXIT_USAGE, "--allow-uid: no user '%s'", text);
    return (uid_t)v;
}

static mode_t parse_mode(const char *text)
{
    const char *p;
    unsigned v = 0;

    for (p = text; *p >= '0' && *p <= '7' && v <= 0777; p++)
        v = v * 8 + (unsigned)(*p - '0');
    if (p == text || *p != '\0' || v > 0777)
        die(EXIT_USAGE, "--mode: bad mode '%s' (octal, at most 0777)", text);
    return (mode_t)v;
}

/* SECONDS: a decimal number, fractions allowed, or "forever" (-1). */
static double parse_seconds(const char *text)
{
    char *end;
    double v;

    if (strcmp(text, "forever") == 0)
        return -1;
    errno = 0;
    v = strtod(text, &end);
    if (!isdigit((unsigned char)text[0]) || *end != '\0' || errno ||
        !(v >= 0 && v <= 1e9))
        die(EXIT_USAGE, "--wait: bad time '%s' (seconds, or 'forever')", text);
    return v;
}

/* Says what getopt_long found wrong with element (the argument it was
   parsing), in one line. */
__attribute__((noreturn)) static void option_error(int c, const char *element)
{
    const struct option *o, *match = NULL;
    const char *name;
    size_t len;
    int matches = 0;

    if (strncmp(element, "--", 2) != 0) {
        if (c == ':')
            die(EXIT_USAGE, "option '-%c' needs a value (see --help)", optopt);
        if (isprint(optopt))
            die(EXIT_USAGE, "unknown option '-%c' (see --help)", optopt);
        die(EXIT_USAGE, "unknown option '%s' (see --help)", element);
    }
    name = element + 2;
    len = strcspn(name, "=");
    for (o = long_options; o->name; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        match = o;
        if (strlen(o->name) == len) {
            matches = 1;
            break;
        }
        matches++;
    }
    if (matches == 0)
        die(EXIT_USAGE, "unknown option '--%.*s' (see --help)", (int)len, name);
    if (matches > 1)
        die(EXIT_USAGE, "option '--%.*s' is ambiguous (see --help)", (int)len,
            name);
    if (c == ':')
        die(EXIT_USAGE, "option '--%s' needs a value (see --help)",
            match->name);
    if (name[len] == '=' && match->has_arg == no_argument)
        die(EXIT_USAGE, "option '--%s' takes no value (see --help)",
            match->name);
    die(EXIT_USAGE, "bad option '%s' (see --help)", element);
}

static void check_path(const char *option, const char *path)
{
    if (path[0] == '\0')
        die(EXIT_USAGE, "%s: the socket path is empty", option);
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = {.capacity = 4u << 20,
                        .max_size = RING_ATTACH_MAX_DEFAULT,
                        .wait_s = CONNECT_WAIT_S};
    uint64_t size;
    int c, at;

    opterr = 0;
    /* '+': no reordering, so that argv[at] is the element being parsed
       when an error comes; ':': a missing value is told apart. */
    for (;;) {
        at = optind;
        c = getopt_long(argc, argv, "+:l:c:s:vh", long_options, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'l':
            check_path("--listen", optarg);
            o.listen_path = optarg;
            break;
        case 'c':
            check_path("--connect", optarg);
            o.connect_path = optarg;
            break;
        case 's':
            if (parse_size(optarg, &size) != 0)
                die(EXIT_USAGE,
                    "--size: bad size '%s' (bytes, with K, M, G or T)", optarg);
            o.capacity = (size_t)size;
            o.size_text = optarg;
            break;
        case OPT_MAX_SIZE:
            if (parse_size(optarg, &size) != 0)
                die(EXIT_USAGE,
                    "--max-size: bad size '%s' (bytes, with K, M, G or T)",
                    optarg);
            o.max_size = (size_t)size;
            o.max_size_text = optarg;
            break;
        case OPT_MODE:
            o.mode = parse_mode(optarg);
            o.mode_text = optarg;
            break;
        case OPT_WAIT:
            o.wait_s = parse_seconds(optarg);
            o.wait_given = 1;
            break;
        case OPT_ALLOW_UID:
            if (o.allowed_count == MAX_ALLOWED)
                die(EXIT_USAGE, "--allow-uid: at most %d users", MAX_ALLOWED);
            o.allowed[o.allowed_count++] = parse_user(optarg);
            break;
        case OPT_ALLOW_ANY_USER:
            o.allow_any_user = 1;
            break;
        case OPT_PROGRESS:
            o.progress = 1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("ringcat (ring) %s\n", RING_VERSION_STRING);
            exit(0);
        default:
            option_error(c, argv[at]);
        }
    }
    if (optind < argc)
        die(EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
    if (!o.listen_path == !o.connect_path)
        die(EXIT_USAGE, "give exactly one of --listen PATH or --connect "
                        "PATH (see --help)");
    if (o.connect_path && o.size_text)
        die(EXIT_USAGE, "--size is for --listen: the listener sizes the ring");
    if (o.connect_path && o.mode_text)
        die(EXIT_USAGE, "--mode is for --listen: the listener makes the "
                        "socket");
    if (o.listen_path && o.max_size_text)
        die(EXIT_USAGE, "--max-size is for --connect: the reader decides "
                        "what it maps");
    if (o.listen_path && !o.wait_given)
        o.wait_s = LISTEN_WAIT_S;
    if (o.listen_path && !o.mode_text)
        o.mode = (o.allow_any_user || o.allowed_count) ? 0666 : 0600;
    return o;
}

/* Is a peer running as uid one we deal with? */
static int user_allowed(const struct options *o, uid_t uid)
{
    if (o->allow_any_user || uid == geteuid())
        return 1;
    for (int i = 0; i < o->allowed_count; i++)
        if (o->allowed[i] == uid)
            return 1;
    return 0;
}

/* "uid 1001 (alice)", or "uid 1001" for a user without a name. */
static const char *describe_user(uid_t uid, char *buf, size_t size)
{
    struct passwd *pw = getpwuid(uid);

    if (pw != NULL)
        snprintf(buf, size, "uid %u (%s)", (unsigned)uid, pw->pw_name);
    else
        snprintf(buf, size, "uid %u", (unsigned)uid);
    return buf;
}

static const char *describe_wait(double seconds, char *buf, size_t size)
{
    if (seconds < 0)
        snprintf(buf, size, "forever");
    else
        snprintf(buf, size, "%g s", seconds);
    return buf;
}

/* The deadline of a wait of seconds from now; INT64_MAX for forever. */
static int64_t deadline_after(double seconds)
{
    return seconds < 0 ? INT64_MAX : now_ns() + (int64_t)(seconds * 1e9);
}

/* Milliseconds left until deadline, for poll(2): -1 for forever. */
static int ms_until(int64_t deadline)
{
    int64_t left;

    if (deadline == INT64_MAX)
        return -1;
    left = (deadline - now_ns() + 999999) / 1000000;
    if (left < 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

static struct sockaddr_un socket_address(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    if (strlen(path) >= sizeof addr.sun_path)
        die(EXIT_USAGE, "%s: socket path too long", path);
    strcpy(addr.sun_path, path);
    return addr;
}

/* Has the peer closed its end of the socket (or died)? */
static int hung_up(int sock)
{
    struct pollfd pfd = {.fd = sock, .events = POLLIN | POLLRDHUP};

    return poll(&pfd, 1, 0) > 0 &&
           (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/* Sends (or receives) exactly len bytes, whatever signals come; returns 0,
   or -1 once the peer is gone (or the socket failed). */
static int exchange(int sock, void *buf, size_t len, int sending)
{
    for (size_t done = 0; done < len;) {
        char *at = (char *)buf + done;
        ssize_t n = sending ? send(sock, at, len - done, MSG_NOSIGNAL)
                            : recv(sock, at, len - done, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* --listen                                                                */

/* Binds PATH with o->mode as its permissions. A socket file left by a
   listener that died is replaced; a live listener, or a file that is not
   a socket, is not. */
static int bind_listener(const struct options *o)
{
    const char *path = o->listen_path;
    struct sockaddr_un addr = socket_address(path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old_mask;
    int rc;

    if (sock < 0)
        die(1, "socket: %s", strerror(errno));
    /* The socket's own inode is 0777, so the umask alone makes the mode
       of the file bind creates: no moment with wider permissions. */
    old_mask = umask(~o->mode & 0777);
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
    bound_path = path;
    if (listen(sock, 1) != 0)
        die(1, "listen: %s", strerror(errno));
    return sock;
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

/* Waits (up to --wait) for one reader of an allowed user; returns its
   connection. The credentials are the kernel's (SO_PEERCRED), whatever
   the socket's permissions let through. */
static int accept_reader(const struct options *o, int listener)
{
    int64_t deadline = deadline_after(o->wait_s);
    char who[64], how_long[32];

    for (;;) {
        struct pollfd pfd = {.fd = listener, .events = POLLIN};
        struct ucred cred;
        socklen_t len = sizeof cred;
        int rc = poll(&pfd, 1, ms_until(deadline));

        if (rc < 0 && errno != EINTR)
            die(1, "poll: %s", strerror(errno));
        if (rc == 0 && now_ns() >= deadline)
            die(1, "%s: no reader came within %s", o->listen_path,
                describe_wait(o->wait_s, how_long, sizeof how_long));
        if (rc <= 0)
            continue;
        int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die(1, "accept: %s", strerror(errno));
        }
        if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
            close(conn);
            continue;
        }
        if (!user_allowed(o, cred.uid)) {
            fprintf(stderr, "%s: refused a reader running as %s\n", prog,
                    describe_user(cred.uid, who, sizeof who));
            close(conn);
            continue;
        }
        if (reader_says_hello(conn))
            return conn;
        close(conn); /* a probe, or a client that is not a reader */
    }
}

/* How the writer publishes what it reads. */
enum batching {
    /* Input that never keeps us waiting (a file): publish full batches. */
    BATCH_FULL,
    /* A pipe or socket: publish full batches, or once input pauses. */
    BATCH_UNTIL_PAUSE,
    /* Anything else (a terminal): publish every read. */
    BATCH_EACH_READ,
};

static enum batching batching_for_input(void)
{
    struct stat st;

    if (fstat(STDIN_FILENO, &st) != 0)
        return BATCH_EACH_READ;
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
        return BATCH_FULL;
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return BATCH_UNTIL_PAUSE;
    return BATCH_EACH_READ;
}

/* The writer's view of the ring: a reserved span at the tail, filled by
   reads from the start, published in batches. */
struct writer {
    struct ring *ring;
    unsigned char *span; /* reserved, at the tail */
    size_t granted;      /* bytes reserved at span */
    size_t filled;       /* bytes read into span, not yet published */
    size_t batch;        /* publish once this much is filled */
    int64_t first_ns;    /* when the first of the filled bytes came */
    uint64_t total;      /* bytes published */
};

/* How much the next read may bring: the rest of the span, and no more
   than completes a batch. */
static size_t writer_room(const struct writer *w)
{
    size_t room = w->granted - w->filled, to_batch = w->batch - w->filled;

    return room < to_batch ? room : to_batch;
}

/* Publishes what was read and ends the reservation. */
static void writer_publish(struct writer *w)
{
    if (w->filled) {
        ring_commit(w->ring, w->filled);
        w->total += w->filled;
    }
    w->span = NULL;
    w->granted = w->filled = 0;
}

/* Reserves all the free space; waits (without spinning) until a batch is
   free if there is none. Exits when the reader is gone. */
static void writer_reserve(struct writer *w, int conn)
{
    for (;;) {
        size_t room = ring_writable(w->ring);

        if (room > 0) {
            w->span = ring_reserve(w->ring, room);
            w->granted = room;
            return;
        }
        int rc = ring_wait_writable(w->ring, w->batch, WAIT_SLICE_MS);
        /* A reader that died before it attached never held its role: the
           ring cannot tell, its socket can. */
        if (rc == -EPIPE || (rc == -ETIMEDOUT && hung_up(conn)))
            die(1, "the reader went away after %" PRIu64 " bytes", w->total);
        if (rc < 0 && rc != -EINTR && rc != -ETIMEDOUT)
            die(1, "waiting for room: %s", strerror(-rc));
        progress_show(w->total);
    }
}

/* How the writer reads its input. */
struct input {
    enum batching batching;
    int nowait; /* preadv2(RWF_NOWAIT) works on it */
};

/*
 * A pipe lets its writer go on without us only as far as it holds: at 64
 * KiB, each of the writer's writes wakes us. With a pipe of PIPE_BUFFER
 * it goes on for longer, and each of our reads takes more in one go.
 * (Napping while the pipe fills, tried too, lost more to the writer
 * finding the pipe full than it saved in wake-ups.)
 */
#define PIPE_BUFFER (1 << 20)

/* Gives a pipe PIPE_BUFFER bytes, if it has less; returns its size (0:
   not a pipe). The pipe is the reader's as much as the writer's; a limit
   (pipe-max-size, the user's pipe pages) that refuses leaves it as it
   was. */
static int grow_pipe(int fd)
{
    int size = fcntl(fd, F_GETPIPE_SZ);

    if (size < 0)
        return 0;
    if (size < PIPE_BUFFER && fcntl(fd, F_SETPIPE_SZ, PIPE_BUFFER) >= 0)
        size = fcntl(fd, F_GETPIPE_SZ);
    return size > 0 ? size : 0;
}

static struct input input_for_stdin(void)
{
    struct input in = {.batching = batching_for_input()};

    in.nowait = in.batching == BATCH_UNTIL_PAUSE;
    /* Larger reads; a limit that refuses leaves the pipe as it was. */
    grow_pipe(STDIN_FILENO);
    return in;
}

/*
 * Reads from a pipe or socket what it has now, without waiting. When it
 * has nothing: with bytes read but not published, the rest of the flush
 * delay (in poll), and they are published; with none, a read that waits.
 * Returns what read(2) returns, or -2 when the caller should simply go
 * round again.
 */
static ssize_t read_input(struct writer *w, struct input *in)
{
    struct iovec iov = {w->span + w->filled, writer_room(w)};
    ssize_t n;

    n = preadv2(STDIN_FILENO, &iov, 1, -1, RWF_NOWAIT);
    if (n > 0)
        return n;
    if (n == 0 || errno != EAGAIN) {
        if (n < 0 && (errno == EOPNOTSUPP || errno == EINVAL)) {
            in->nowait = 0; /* this kernel or file cannot */
            writer_publish(w);
            return -2;
        }
        return n;
    }
    if (w->filled) {
        /* The input paused: hand on what came, after waiting for more up
           to the flush delay; data ready (or a signal) sends us round to
           read it. */
        int64_t left = w->first_ns + FLUSH_DELAY_NS - now_ns();
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)((left + 999999) / 1000000)) == 0)
            writer_publish(w);
        return -2;
    }
    return read(STDIN_FILENO, iov.iov_base, iov.iov_len);
}

static int run_listener(const struct options *o)
{
    struct ring r;
    struct writer w = {.ring = &r};
    struct input in = input_for_stdin();
    uint64_t end[2];
    int listener, conn, rc;
    char ack;

    rc = ring_create(&r, o->capacity, RING_PRODUCER);
    if (rc == -EINVAL)
        die(EXIT_USAGE, "--size %s: larger than a ring can be",
            o->size_text ? o->size_text : "");
    if (rc == -ENOMEM)
        die(1,
            "cannot create a ring of %zu bytes: not enough memory "
            "(a smaller --size may do)",
            o->capacity);
    if (rc < 0)
        die(1, "cannot create a ring of %zu bytes: %s", o->capacity,
            strerror(-rc));
    /* A bulk copy: when a wait starts, the other side is the bottleneck
       and will be for a while, so sleep at once instead of spinning. */
    ring_set_spin(&r, 0);
    w.batch =
        ring_capacity(&r) / 4 < BATCH_MAX ? ring_capacity(&r) / 4 : BATCH_MAX;

    listener = bind_listener(o);
    conn = accept_reader(o, listener);
    /* One reader only: nobody else can connect from here on. */
    close(listener);
    unlink(o->listen_path);
    bound_path = NULL;
    rc = ring_send_fd(conn, ring_fd(&r));
    if (rc < 0)
        die(1, "cannot pass the ring to the reader: %s", strerror(-rc));

    progress_start(o, "sent");
    for (;;) {
        ssize_t n;

        progress_show(w.total + w.filled);
        if (w.filled == w.granted) {
            writer_publish(&w);
            writer_reserve(&w, conn);
        }
        if (in.nowait)
            n = read_input(&w, &in);
        else
            n = read(STDIN_FILENO, w.span + w.filled, writer_room(&w));
        if (n == -2)
            continue;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die(1, "reading standard input: %s", strerror(errno));
        }
        if (n == 0)
            break;
        if (in.nowait && w.filled == 0)
            w.first_ns = now_ns();
        w.filled += (size_t)n;
        /* A full batch goes; so do bytes that came a flush delay ago,
           however slowly the rest trickles in. */
        if (w.filled >= w.batch || in.batching == BATCH_EACH_READ ||
            (in.batching == BATCH_UNTIL_PAUSE &&
             (!in.nowait || now_ns() - w.first_ns >= FLUSH_DELAY_NS)))
            writer_publish(&w);
    }
    writer_publish(&w);
    /* The end, with the count, before the ring closes: the reader checks
       it once it has drained the ring. */
    end[0] = END_TAG;
    end[1] = w.total;
    if (exchange(conn, end, sizeof end, 1) != 0)
        die(1, "the reader went away after %" PRIu64 " bytes", w.total);
    ring_close(&r);
    /* Wait for the reader to finish, so that a pipeline that ends with
       this command ends when the copy is complete. */
    if (exchange(conn, &ack, 1, 0) != 0)
        die(1, "the reader went away before it had everything");
    progress_end(o, w.total);
    close(conn);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* --connect                                                               */

/* Connects to PATH, waiting up to --wait for a listener to appear there;
   checks that the listener runs as an allowed user, then says hello. */
static int connect_to(const struct options *o)
{
    const char *path = o->connect_path;
    struct sockaddr_un addr = socket_address(path);
    int64_t deadline = deadline_after(o->wait_s);
    int pause_ms = 1;
    struct ucred cred;
    socklen_t len = sizeof cred;
    char who[64], how_long[32];
    int sock;

    for (;;) {
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
            die(1, "socket: %s", strerror(errno));
        if (connect(sock, (struct sockaddr *)&addr, sizeof addr) == 0)
            break;
        int err = errno;
        close(sock);
        if (err == EINTR)
            continue;
        if (err != ENOENT && err != ECONNREFUSED)
            die(1, "%s: %s", path, strerror(err));
        /* Not there yet, or a dead listener's file that the next one
           replaces: ask again, a little less often each time. */
        int left = ms_until(deadline);
        if (left == 0)
            die(1, "%s: %s (waited %s)", path,
                err == ENOENT ? "no listener there"
                              : "nobody is listening there",
                describe_wait(o->wait_s, how_long, sizeof how_long));
        poll(NULL, 0, left < 0 || left > pause_ms ? pause_ms : left);
        if (pause_ms < 100)
            pause_ms *= 2;
    }
    /* ring(7): trust a listener only after asking the kernel who it is.
       Another user who bound the path first must not feed us. */
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        die(1, "%s: cannot learn who listens: %s", path, strerror(errno));
    if (!user_allowed(o, cred.uid))
        die(1, "%s: refused the listener, it runs as %s (see --allow-uid)",
            path, describe_user(cred.uid, who, sizeof who));
    if (exchange(sock, &(char){HELLO}, 1, 1) != 0)
        die(1, "%s: the listener refused us or went away", path);
    return sock;
}

/* One line for each way an attach can fail. */
static const char *attach_failure(int rc)
{
    switch (rc) {
    case -EINVAL:
        return "it is not a sealed ring memfd";
    case -EPROTO:
        return "it is not a valid ring (a bad header, or memory the "
               "listener never allocated)";
    case -ENOMEM:
        return "not enough memory to map it";
    case -EBUSY:
        return "another reader holds it";
    case -EPERM:
        return "it is backed by huge pages, which ringcat does not map";
    default:
        return strerror(-rc);
    }
}

/* Writes what is readable to standard output, in pieces of at most batch
   bytes, giving each back as soon as it is written; returns bytes
   written. */
static uint64_t drain_to_stdout(struct ring *r, size_t batch, uint64_t before)
{
    uint64_t done = 0;
    size_t len;
    const void *span;

    while ((span = ring_peek(r, &len)) != NULL) {
        ssize_t n = write(STDOUT_FILENO, span, len < batch ? len : batch);
        if (n < 0) {
            if (errno == EINTR) {
                progress_show(before + done);
                continue;
            }
            die(1, "writing standard output: %s", strerror(errno));
        }
        ring_consume(r, (size_t)n);
        done += (uint64_t)n;
        progress_show(before + done);
    }
    return done;
}

static int run_reader(const struct options *o)
{
    struct ring r;
    uint64_t total = 0, end[2];
    size_t batch;
    int sock, fd, rc;

    sock = connect_to(o);
    fd = ring_recv_fd(sock);
    if (fd == -ECONNRESET)
        die(1, "%s: the listener refused us or went away", o->connect_path);
    if (fd < 0)
        die(1, "no ring came from %s: %s", o->connect_path, strerror(-fd));
    /* A peer's ring costs us memory up to its capacity: map only what
       the user accepts. */
    rc = ring_attach_max(&r, fd, RING_CONSUMER, o->max_size);
    close(fd);
    if (rc == -EFBIG)
        die(1, "the ring from %s is larger than --max-size (%zu bytes)",
            o->connect_path, o->max_size);
    if (rc < 0)
        die(1, "the ring from %s is not usable: %s", o->connect_path,
            attach_failure(rc));
    ring_set_spin(&r, 0); /* a bulk copy: see run_listener */
    /* Fewer, larger wake-ups for whoever reads our output, too. */
    grow_pipe(STDOUT_FILENO);
    batch =
        ring_capacity(&r) / 4 < BATCH_MAX ? ring_capacity(&r) / 4 : BATCH_MAX;

    progress_start(o, "received");
    for (;;) {
        total += drain_to_stdout(&r, batch, total);
        /* Any byte will do: the writer publishes in batches, or when its
           input pauses, so a wake-up brings a batch in a bulk copy and a
           line in a slow, line-by-line one. */
        rc = ring_wait_readable(&r, 1, -1);
        progress_show(total);
        if (rc == 0 || rc == -EINTR)
            continue;
        if (rc != -EPIPE)
            die(1, "waiting for data: %s", strerror(-rc));
        /* The writer closed or died: what it committed is still here. */
        total += drain_to_stdout(&r, batch, total);
        break;
    }
    if (exchange(sock, end, sizeof end, 0) != 0 || end[0] != END_TAG)
        die(1, "the writer died after %" PRIu64 " bytes", total);
    if (end[1] != total)
        die(1, "the writer sent %" PRIu64 " bytes but %" PRIu64 " arrived",
            end[1], total);
    progress_end(o, total);
    if (exchange(sock, &(char){'k'}, 1, 1) != 0)
        die(1, "the writer went away at the end");
    ring_close(&r);
    close(sock);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);

    return o.listen_path ? run_listener(&o) : run_reader(&o);
}
