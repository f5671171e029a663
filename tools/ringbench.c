// SPDX-License-Identifier: MIT
/*
 * ringbench: the ring against a pipe, a UNIX socket, a file in /dev/shm
 * and vmsplice, between two processes, at a few message sizes:
 * throughput, round-trip latency, and the state of the two CPUs.
 *
 * Each case (one transport, one size) forks a child first and only then
 * makes its channels, passing them over a UNIX socket: the child gets a
 * ring through ring_recv_fd + ring_attach alone, never through memory it
 * inherited. The parent produces (and pings), the child consumes (and
 * answers); every byte is made of a position-dependent pattern and
 * checked where it arrives, so a transport that loses, duplicates,
 * reorders or corrupts data fails the run instead of giving a figure.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RING_VERSION
#define RING_VERSION "unknown"
#endif

static pid_t child_pid = -1;
static int progress_shown; /* a progress line is on the terminal */

/* ---------------------------------------------------------------------- */
/* Ending.                                                                 */

/* The chart being written, removed if the run fails. */
static const char *svg_pending;

static void clear_progress(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

static void stop_child(void)
{
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
    }
    child_pid = -1;
}

void bench_fail(int status, const char *fmt, ...)
{
    va_list ap;

    clear_progress();
    fputs("ringbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    stop_child();
    if (svg_pending)
        unlink(svg_pending);
    exit(status);
}

/* The watchdog for transports that block in the kernel: a peer stuck for
   good would otherwise hang the run. Spinning transports time out in
   bench_spin() instead. */
static char watchdog_line[160];

static void watchdog_fired(int sig)
{
    ssize_t ignored;

    (void)sig;
    ignored = write(STDERR_FILENO, watchdog_line, strlen(watchdog_line));
    (void)ignored;
    if (child_pid > 0)
        kill(child_pid, SIGKILL);
    _exit(BENCH_EXIT_FAILED);
}

/* ---------------------------------------------------------------------- */
/* Talking to the child.                                                   */

enum command_op { CMD_PROBE, CMD_RUN, CMD_QUIT };

struct command {
    int op;
    int phase; /* enum bench_phase, for CMD_RUN */
    uint64_t count;
    uint64_t seed_out, seed_in;
    uint64_t corrupt_at;
    int rounds; /* CMD_PROBE */
};

enum reply_kind { REPLY_READY, REPLY_DONE };

struct reply {
    int kind;
    int rc;
    uint64_t messages; /* done: count, or fewer when stopped early */
    uint64_t t_end_ns;
    char detail[160];
};

static int send_msg(int ctl, const void *msg, size_t len)
{
    ssize_t n = send(ctl, msg, len, MSG_NOSIGNAL);

    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

/* Waits up to timeout_ms (-1: for ever) for one message of exactly len
   bytes. */
static int recv_msg(int ctl, void *msg, size_t len, int timeout_ms)
{
    struct pollfd pfd = {.fd = ctl, .events = POLLIN};
    ssize_t n;
    int ready;

    do
        ready = poll(&pfd, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
        return -errno;
    if (ready == 0)
        return -ETIMEDOUT;
    do
        n = recv(ctl, msg, len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    return (size_t)n == len ? 0 : -EPROTO;
}

/* ---------------------------------------------------------------------- */
/* One case: one transport at one size.                                    */

struct bench_case {
    const struct bench_config *cfg;
    const struct bench_transport *t;
    size_t size;
    char size_text[32];
    int index, total; /* for progress and seeds */
    int ctl;
    struct bench_endpoint out, in;  /* the parent's ends */
    struct bench_probe_line *probe; /* pages both processes map */
    struct bench_stop *stop;
    int probe_on;
    uint64_t salt;           /* differs from run to run */
    struct bench_hist *hist; /* one repetition's round trips */
    struct bench_hist *all;  /* all repetitions' */
};

/* ---------------------------------------------------------------------- */
/* The child.                                                              */

static int pin_to(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) ? -errno : 0;
}

/* Busy polling on a CPU shared with the peer must let the peer run: at
   every step when pinned together, now and then when the scheduler
   decides; never on a CPU of its own. */
static unsigned poll_yield_every(const struct bench_config *cfg)
{
    if (!cfg->pin)
        return 256;
    return cfg->cpu[0] == cfg->cpu[1] ? 1 : 0;
}

/*
 * Receives the channels the parent made (the ring through ring_recv_fd
 * and ring_attach only), then obeys commands until told to quit. After a
 * failure it reports and exits: closing its ends is what frees a parent
 * blocked in write() or spinning on a ring.
 */
static void child_main(int ctl, pid_t parent, const struct bench_case *c)
{
    const struct bench_config *cfg = c->cfg;
    const struct bench_transport *t = c->t;
    size_t size = c->size;
    struct bench_endpoint in, out;
    struct reply reply;
    struct command cmd;
    int rc;

    /* Never outlive the parent, even if it is killed. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
        _exit(BENCH_EXIT_FAILED);
    signal(SIGALRM, SIG_DFL);
    if (cfg->pin)
        pin_to(cfg->cpu[1]);

    bench_endpoint_init(&in, ctl, poll_yield_every(cfg));
    bench_endpoint_init(&out, ctl, poll_yield_every(cfg));
    rc = bench_endpoint_buffer(&in, size);
    if (rc == 0)
        rc = t->join(&in, BENCH_RECEIVER, ctl, cfg, size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(&out, size);
        if (rc == 0)
            rc = t->join(&out, BENCH_SENDER, ctl, cfg, size);
    }
    memset(&reply, 0, sizeof reply);
    reply.kind = REPLY_DONE;
    reply.rc = rc;
    if (send_msg(ctl, &reply, sizeof reply) || rc)
        _exit(BENCH_EXIT_FAILED);

    while (recv_msg(ctl, &cmd, sizeof cmd, -1) == 0 && cmd.op != CMD_QUIT) {
        struct bench_outcome outcome = {0};

        memset(&reply, 0, sizeof reply);
        if (cmd.op == CMD_PROBE) {
            rc = bench_probe_answer(c->probe, cmd.rounds, ctl);
        } else {
            struct bench_job job = {
                .count = cmd.count,
                .size = size,
                .seed_out = cmd.seed_out,
                .seed_in = cmd.seed_in,
                .corrupt_at = cmd.corrupt_at,
                .stop = c->stop,
            };

            reply.kind = REPLY_READY;
            if (send_msg(ctl, &reply, sizeof reply))
                break;
            rc = t->run((enum bench_phase)cmd.phase, &out, &in, &job, &outcome);
        }
        reply.kind = REPLY_DONE;
        reply.rc = rc;
        reply.messages = outcome.messages;
        reply.t_end_ns = outcome.t_end_ns;
        memcpy(reply.detail, outcome.detail, sizeof reply.detail);
        if (send_msg(ctl, &reply, sizeof reply) || rc)
            _exit(BENCH_EXIT_FAILED);
    }
    t->close(&in);
    t->close(&out);
    bench_endpoint_release(&in);
    bench_endpoint_release(&out);
    close(ctl);
    _exit(0);
}

static void progress(const struct bench_case *c, const char *what, int rep)
{
    if (c->cfg->quiet)
        return;
    if (!isatty(STDERR_FILENO)) {
        if (rep == 0 && strcmp(what, "setup") == 0)
            fprintf(stderr, "ringbench: [%d/%d] %s, %s\n", c->index + 1,
                    c->total, c->t->name, c->size_text);
        return;
    }
    fprintf(stderr, "\r\033[K[%2d/%d] %-11s %8s  %s", c->index + 1, c->total,
            c->t->name, c->size_text, what);
    if (rep > 0)
        fprintf(stderr, " %d/%d", rep, c->cfg->reps);
    fflush(stderr);
    progress_shown = 1;
}

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A fresh pattern for every stream: run number, direction and case. */
static uint64_t seed_for(const struct bench_case *c, unsigned run,
                         unsigned stream)
{
    return mix64(c->salt ^ ((uint64_t)c->index << 40) ^ ((uint64_t)run << 8) ^
                 stream);
}

static const char *phase_name(enum bench_phase phase)
{
    return phase == BENCH_PRODUCE || phase == BENCH_CONSUME ? "throughput"
                                                            : "latency";
}

/*
 * A phase failed on our side with rc. The child may know better (it found
 * bad data and stopped, which is why we could not go on): ask it first.
 */
static void phase_failed(struct bench_case *c, enum bench_phase phase, int rc,
                         const struct bench_outcome *ours)
{
    struct reply reply;
    int status;

    if (rc == -EBADMSG)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name,
                   c->size_text, phase_name(phase), ours->detail);
    if (recv_msg(c->ctl, &reply, sizeof reply, 2000) == 0 && reply.rc) {
        if (reply.rc == -EBADMSG)
            bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name,
                       c->size_text, phase_name(phase), reply.detail);
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s, %s: the other process failed: %s", c->t->name,
                   c->size_text, phase_name(phase), strerror(-reply.rc));
    }
    if (child_pid > 0 && waitpid(child_pid, &status, WNOHANG) == child_pid) {
        child_pid = -1;
        if (WIFSIGNALED(status))
            bench_fail(BENCH_EXIT_FAILED,
                       "%s, %s, %s: the other process died "
                       "(%s)",
                       c->t->name, c->size_text, phase_name(phase),
                       strsignal(WTERMSIG(status)));
    }
    bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
               phase_name(phase), strerror(-rc));
}

/* Arms the watchdog for a phase expected to take about expect_s. */
static void watchdog_arm(const struct bench_case *c, double expect_s)
{
    unsigned seconds = 30 + (unsigned)(10 * expect_s);

    snprintf(watchdog_line, sizeof watchdog_line,
             "ringbench: %s, %s: a run did not end within %u s; stopped\n",
             c->t->name, c->size_text, seconds);
    alarm(seconds);
}

/*
 * Runs one phase pair: the child takes the receiving side (consume or
 * pong), we take the other; past limit_s (0: no limit) we stop early.
 * expect_s is how long it should take, for the watchdog.
 * Returns the nanoseconds it took (for throughput from our first message
 * to the child's check of the last byte, for latency our own time) and
 * sets *done to the messages (round trips) done.
 */
static uint64_t run_phase(struct bench_case *c, int latency, uint64_t count,
                          unsigned run, double limit_s, double expect_s,
                          uint64_t *done)
{
    enum bench_phase mine = latency ? BENCH_PING : BENCH_PRODUCE;
    struct command cmd = {
        .op = CMD_RUN,
        .phase = latency ? BENCH_PONG : BENCH_CONSUME,
        .count = count,
        .seed_out = seed_for(c, run, 1),
        .seed_in = seed_for(c, run, 0),
        .corrupt_at = c->cfg->corrupt_at,
    };
    struct bench_job job = {
        .count = count,
        .size = c->size,
        .seed_out = cmd.seed_in,
        .seed_in = cmd.seed_out,
        .corrupt_at = c->cfg->corrupt_at,
        .hist = c->hist,
        .stop = c->stop,
    };
    struct bench_outcome outcome = {0};
    struct reply reply;
    uint64_t t0, t_end;
    int rc;

    memset(c->hist, 0, sizeof *c->hist);
    /* Relaxed: the command sent next orders it before the child's run. */
    atomic_store_explicit(&c->stop->last, UINT64_MAX, memory_order_relaxed);
    rc = send_msg(c->ctl, &cmd, sizeof cmd);
    if (rc == 0)
        rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
    if (rc == 0 && reply.kind != REPLY_READY)
        rc = reply.rc ? reply.rc : -EPROTO;
    if (rc)
        phase_failed(c, mine, rc, &outcome);

    watchdog_arm(c, limit_s > expect_s ? limit_s : expect_s);
    t0 = bench_now_ns();
    job.deadline_ns = limit_s > 0 ? t0 + (uint64_t)(limit_s * 1e9) : 0;
    rc = c->t->run(mine, &c->out, &c->in, &job, &outcome);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    t_end = bench_now_ns();
    rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
    alarm(0);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    if (reply.rc == -EBADMSG)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name,
                   c->size_text, phase_name(mine), reply.detail);
    if (reply.rc)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s, %s: the other process failed: %s", c->t->name,
                   c->size_text, phase_name(mine), strerror(-reply.rc));
    if (reply.messages != outcome.messages)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s, %s: %" PRIu64 " messages sent but %" PRIu64
                   " received",
                   c->t->name, c->size_text, phase_name(mine), outcome.messages,
                   reply.messages);
    if (!latency)
        t_end = reply.t_end_ns;
    *done = outcome.messages;
    return t_end > t0 ? t_end - t0 : 1;
}

/* Run numbers, so that no two runs of a case share a pattern: data left
   over from one run never passes the check of the next. */
#define RUN_TPUT        0    /* + repetition */
#define RUN_RTT         100  /* + repetition (at most 64) */
#define RUN_WARM_TPUT   1000 /* + warm-up run */
#define RUN_WARM_RTT    2000
#define WARM_RUNS_LIMIT 12

/*
 * Warms the transport up and learns how long one message (or round
 * trip) takes: runs of growing length until one lasts an eighth of
 * --duration. Returns the fastest nanoseconds per message seen: a run in
 * which another program took the CPU for a while is slower, never
 * faster, and must not shrink the repetitions to a handful of messages.
 */
static double calibrate(struct bench_case *c, int latency)
{
    double target = c->cfg->duration_s * 1e9 / 8, best = 0;
    unsigned first = latency ? RUN_WARM_RTT : RUN_WARM_TPUT;
    uint64_t count = 16;

    if (target < 1e6)
        target = 1e6;
    for (unsigned run = first;; run++) {
        uint64_t done;
        double elapsed = (double)run_phase(c, latency, count, run,
                                           c->cfg->duration_s, 1, &done);
        double each = elapsed / (double)done;

        if (best == 0 || each < best)
            best = each;
        if (elapsed >= target || run >= first + WARM_RUNS_LIMIT)
            break;
        double grow = 1.5 * target / elapsed;
        count = (uint64_t)((double)count * (grow < 2    ? 2
                                            : grow > 64 ? 64
                                                        : grow));
    }
    return best;
}

static uint64_t count_for(const struct bench_case *c, int latency,
                          double ns_each)
{
    double n = c->cfg->duration_s * 1e9 / ns_each;

    if (latency && c->cfg->round_trips)
        return c->cfg->round_trips;
    if (!latency && c->cfg->volume)
        return (c->cfg->volume + c->size - 1) / c->size;
    return n < 1 ? 1 : (uint64_t)n;
}

/*
 * A repetition may last three times --duration: the warm-up can be
 * luckier than the run (another program took the CPUs since), and a
 * repetition of hours helps nobody. An explicit --volume or --round-trips
 * is done in full.
 */
static double limit_for(const struct bench_case *c, int latency)
{
    if (c->cfg->stop_early)
        return 1e-9;
    if ((latency && c->cfg->round_trips) || (!latency && c->cfg->volume))
        return 0;
    return 3 * c->cfg->duration_s;
}

/* The parent's part of a case; the child is running child_main(). */
static void measure(struct bench_case *c, struct bench_result *res)
{
    const struct bench_config *cfg = c->cfg;
    double *mb = res->mb_each, *p50 = res->p50_each;
    uint64_t count_tput = 0, count_rtt = 0;
    double ns_tput = 0, ns_rtt = 0;

    if (cfg->throughput) {
        progress(c, "warming up", 0);
        ns_tput = calibrate(c, 0);
        count_tput = count_for(c, 0, ns_tput);
    }
    if (cfg->latency) {
        progress(c, "warming up", 0);
        ns_rtt = calibrate(c, 1);
        count_rtt = count_for(c, 1, ns_rtt);
    }
    memset(c->all, 0, sizeof *c->all);
    for (int rep = 0; rep < cfg->reps; rep++) {
        if (c->probe_on) {
            struct command cmd = {.op = CMD_PROBE,
                                  .rounds = BENCH_PROBE_ROUNDS};
            struct reply reply;
            double ns;
            int rc;

            progress(c, "cache line", rep + 1);
            bench_probe_reset(c->probe);
            rc = send_msg(c->ctl, &cmd, sizeof cmd);
            if (rc)
                bench_fail(BENCH_EXIT_FAILED,
                           "%s, %s: the other process is "
                           "gone: %s",
                           c->t->name, c->size_text, strerror(-rc));
            watchdog_arm(c, 1);
            ns = bench_probe_measure(c->probe, cmd.rounds, c->ctl);
            rc = recv_msg(c->ctl, &reply, sizeof reply, -1);
            alarm(0);
            if (ns < 0 || rc || reply.rc)
                bench_fail(BENCH_EXIT_FAILED,
                           "%s, %s: the cache-line probe "
                           "failed: %s",
                           c->t->name, c->size_text,
                           strerror(ns < 0 ? (int)-ns
                                    : rc   ? -rc
                                           : -reply.rc));
            res->line_ns[res->line_count++] = ns;
        }
        if (cfg->throughput) {
            progress(c, "throughput", rep + 1);
            uint64_t done,
                ns = run_phase(c, 0, count_tput, RUN_TPUT + (unsigned)rep,
                               limit_for(c, 0), ns_tput * count_tput / 1e9,
                               &done);
            mb[rep] = (double)done * (double)c->size * 1e3 / (double)ns;
        }
        if (cfg->latency) {
            progress(c, "latency", rep + 1);
            uint64_t done;
            run_phase(c, 1, count_rtt, RUN_RTT + (unsigned)rep, limit_for(c, 1),
                      ns_rtt * count_rtt / 1e9, &done);
            p50[rep] = bench_hist_quantile(c->hist, 0.5);
            bench_hist_merge(c->all, c->hist);
        }
    }

    res->has_throughput = cfg->throughput;
    res->has_latency = cfg->latency;
    if (cfg->throughput) {
        res->mb_per_s = bench_median(mb, cfg->reps);
        res->mb_per_s_min = bench_min(mb, cfg->reps);
        res->mb_per_s_max = bench_max(mb, cfg->reps);
        res->msgs_per_s = res->mb_per_s * 1e6 / (double)c->size;
    }
    if (cfg->latency) {
        res->rtt_p50_ns = bench_hist_quantile(c->all, 0.5);
        res->rtt_p99_ns = bench_hist_quantile(c->all, 0.99);
        res->rtt_p999_ns = bench_hist_quantile(c->all, 0.999);
        res->rtt_p50_min_ns = bench_min(p50, cfg->reps);
        res->rtt_p50_max_ns = bench_max(p50, cfg->reps);
        res->round_trips = c->all->count;
    }
    if (res->line_count)
        res->line_median_ns = bench_median(res->line_ns, res->line_count);
}

static void run_case(struct bench_case *c, struct bench_result *res)
{
    const struct bench_config *cfg = c->cfg;
    struct command quit = {.op = CMD_QUIT};
    struct reply reply;
    int sv[2], rc, status;
    pid_t parent = getpid();

    memset(res, 0, sizeof *res);
    res->transport = c->t;
    res->size = c->size;
    progress(c, "setup", 0);

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
        bench_fail(BENCH_EXIT_FAILED, "socketpair: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    /* Fork first, make the channels after: the child can only get them
       through the socket. */
    child_pid = fork();
    if (child_pid < 0)
        bench_fail(BENCH_EXIT_FAILED, "fork: %s", strerror(errno));
    if (child_pid == 0) {
        close(sv[0]);
        child_main(sv[1], parent, c);
    }
    close(sv[1]);
    c->ctl = sv[0];

    bench_endpoint_init(&c->out, c->ctl, poll_yield_every(cfg));
    bench_endpoint_init(&c->in, c->ctl, poll_yield_every(cfg));
    rc = bench_endpoint_buffer(&c->out, c->size);
    if (rc == 0)
        rc = c->t->create(&c->out, BENCH_SENDER, c->ctl, cfg, c->size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(&c->in, c->size);
        if (rc == 0)
            rc = c->t->create(&c->in, BENCH_RECEIVER, c->ctl, cfg, c->size);
    }
    if (rc == 0)
        rc = recv_msg(c->ctl, &reply, sizeof reply, 30000);
    if (rc == 0 && reply.rc)
        rc = reply.rc;
    if (rc)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s: setting up the transport failed: %s", c->t->name,
                   c->size_text, strerror(-rc));
    measure(c, res);

    if (send_msg(c->ctl, &quit, sizeof quit) == 0 &&
        waitpid(child_pid, &status, 0) == child_pid) {
        child_pid = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bench_fail(BENCH_EXIT_FAILED,
                       "%s, %s: the other process ended badly", c->t->name,
                       c->size_text);
    }
    stop_child();
    c->t->close(&c->out);
    c->t->close(&c->in);
    bench_endpoint_release(&c->out);
    bench_endpoint_release(&c->in);
    close(c->ctl);
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct bench_config cfg;
    struct bench_machine machine;
    struct bench_report report = {0};
    struct bench_case c = {0};
    struct sigaction alarm_action = {.sa_handler = watchdog_fired};
    uint64_t started;
    int n = 0;

    bench_parse_options(&cfg, argc, argv);
    svg_pending = cfg.svg_path;
    bench_machine_read(&machine, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    sigaction(SIGALRM, &alarm_action, NULL);
    if (cfg.pin) {
        int rc = pin_to(cfg.cpu[0]);
        if (rc)
            bench_fail(BENCH_EXIT_FAILED, "cannot run on CPU %d: %s",
                       cfg.cpu[0], strerror(-rc));
    }

    report.cfg = &cfg;
    report.machine = &machine;
    report.count = cfg.size_count * cfg.transport_count;
    report.ring_capacity = bench_ring_capacity_for(cfg.buffer);
    report.results = calloc((size_t)report.count, sizeof *report.results);
    c.cfg = &cfg;
    c.total = report.count;
    c.probe = bench_probe_map();
    c.stop = mmap(NULL, sizeof *c.stop, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c.hist = malloc(sizeof *c.hist);
    c.all = malloc(sizeof *c.all);
    if (!report.results || !c.probe || c.stop == MAP_FAILED || !c.hist ||
        !c.all)
        bench_fail(BENCH_EXIT_FAILED, "out of memory");
    c.probe_on =
        cfg.pin ? cfg.cpu[0] != cfg.cpu[1] : sysconf(_SC_NPROCESSORS_ONLN) > 1;
    c.salt = mix64(bench_now_ns() ^ (uint64_t)getpid() << 32);

    started = bench_now_ns();
    for (int s = 0; s < cfg.size_count; s++) {
        for (int t = 0; t < cfg.transport_count; t++, n++) {
            c.t = cfg.transports[t];
            c.size = cfg.sizes[s];
            c.index = n;
            bench_format_size(c.size_text, sizeof c.size_text, c.size);
            run_case(&c, &report.results[n]);
        }
    }
    report.elapsed_s = (double)(bench_now_ns() - started) / 1e9;
    clear_progress();

    bench_classify(&report);
    if (cfg.json)
        bench_print_json(stdout, &report);
    else if (cfg.csv)
        bench_print_csv(stdout, &report);
    else
        bench_print_table(stdout, &report);
    if (cfg.svg) {
        bench_print_svg(cfg.svg, &report);
        if (fclose(cfg.svg))
            bench_fail(BENCH_EXIT_FAILED, "--svg: writing '%s' failed: %s",
                       cfg.svg_path, strerror(errno));
        svg_pending = NULL;
    }
    if (!cfg.quiet)
        fprintf(stderr, "ringbench: %d cases in %.1f s\n", report.count,
                report.elapsed_s);

    bench_probe_unmap(c.probe);
    munmap(c.stop, sizeof *c.stop);
    free(c.hist);
    free(c.all);
    free(report.results);
    free(machine.command);
    if (fflush(stdout) || ferror(stdout))
        bench_fail(BENCH_EXIT_FAILED, "writing the output failed");
    return 0;
}
