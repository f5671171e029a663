// SPDX-License-Identifier: MIT
/*
 * case.c: one case (one transport at one size) between two processes.
 * It forks the child first and only then makes the channels, passing them
 * over the control socket: the child gets a ring through ring_recv_fd +
 * ring_attach alone, never through memory it inherited. Then it runs the
 * phases the measurement asks for, each a pair: we produce (or ping), the
 * child consumes (or answers), and both sides' verdicts are compared.
 */
#define _GNU_SOURCE
#include "kit/child.h"
#include "kit/clock.h"
#include "kit/pattern.h"
#include "ringbench.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct kit_child child = KIT_CHILD_NONE;
static int progress_shown; /* a progress line is on the terminal */

/* ---------------------------------------------------------------------- */
/* Progress, the watchdog, and stopping the child when the run fails.      */

void bench_clear_progress(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

void bench_progress(const struct bench_case *c, const char *what, int rep)
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

void bench_stop_child(void)
{
    kit_child_kill(&child);
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
    (void)ignored; /* nothing more to do in a handler that exits */
    if (child.pid > 0)
        kill(child.pid, SIGKILL);
    _exit(BENCH_EXIT_FAILED);
}

void bench_watchdog_install(void)
{
    struct sigaction alarm_action = {.sa_handler = watchdog_fired};

    sigaction(SIGALRM, &alarm_action, NULL);
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

/* ---------------------------------------------------------------------- */
/* Phases.                                                                 */

uint64_t bench_key_for(const struct bench_case *c, unsigned run,
                       unsigned stream)
{
    return kit_pattern_key(c->salt ^ ((uint64_t)c->index << 40) ^
                           ((uint64_t)run << 8) ^ stream);
}

static const char *phase_name(enum bench_phase phase)
{
    return phase == BENCH_PRODUCE || phase == BENCH_CONSUME ? "throughput"
                                                            : "latency";
}

/* The child's verdict on a phase: fails the run when it was not ok. */
static void check_reply(const struct bench_case *c, enum bench_phase phase,
                        const struct bench_reply *reply)
{
    if (reply->rc == -EBADMSG)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name,
                   c->size_text, phase_name(phase), reply->detail);
    if (reply->rc)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s, %s: the other process failed: %s", c->t->name,
                   c->size_text, phase_name(phase), strerror(-reply->rc));
}

/*
 * A phase failed on our side with rc. The child may know better (it found
 * bad data and stopped, which is why we could not go on): ask it first,
 * then whether it died.
 */
static void phase_failed(struct bench_case *c, enum bench_phase phase, int rc,
                         const struct bench_outcome *ours)
{
    struct bench_reply reply;
    int status;

    if (rc == -EBADMSG)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name,
                   c->size_text, phase_name(phase), ours->detail);
    if (kit_msg_recv(c->ctl, &reply, sizeof reply, 2000) == 0)
        check_reply(c, phase, &reply);
    if (child.pid > 0 && waitpid(child.pid, &status, WNOHANG) == child.pid) {
        child.pid = -1;
        if (WIFSIGNALED(status))
            bench_fail(BENCH_EXIT_FAILED,
                       "%s, %s, %s: the other process died (%s)", c->t->name,
                       c->size_text, phase_name(phase),
                       strsignal(WTERMSIG(status)));
    }
    bench_fail(BENCH_EXIT_FAILED, "%s, %s, %s: %s", c->t->name, c->size_text,
               phase_name(phase), strerror(-rc));
}

/* Tells the child to run its side of a phase; returns once it is ready. */
static void start_child_side(struct bench_case *c, enum bench_phase mine,
                             const struct bench_command *cmd)
{
    struct bench_outcome none = {0};
    struct bench_reply reply;
    int rc = kit_msg_send(c->ctl, cmd, sizeof *cmd);

    if (rc == 0)
        rc = kit_msg_recv(c->ctl, &reply, sizeof reply, -1);
    if (rc == 0 && reply.kind != REPLY_READY)
        rc = reply.rc ? reply.rc : -EPROTO;
    if (rc)
        phase_failed(c, mine, rc, &none);
}

void bench_run_phase(struct bench_case *c, int latency, uint64_t count,
                     unsigned run, double limit_s, double expect_s,
                     struct bench_phase_run *out)
{
    enum bench_phase mine = latency ? BENCH_PING : BENCH_PRODUCE;
    struct bench_command cmd = {
        .op = CMD_RUN,
        .phase = latency ? BENCH_PONG : BENCH_CONSUME,
        .count = count,
        .key_out = bench_key_for(c, run, 1),
        .key_in = bench_key_for(c, run, 0),
        .corrupt_at = c->cfg->corrupt_at,
    };
    struct bench_job job = {
        .count = count,
        .size = c->size,
        .key_out = cmd.key_in,
        .key_in = cmd.key_out,
        .corrupt_at = c->cfg->corrupt_at,
        .hist = c->hist,
        .stop = c->stop,
    };
    struct bench_outcome outcome = {0};
    struct bench_reply reply;
    uint64_t t0, t_end;
    double cpu0;
    int rc;

    kit_hist_clear(c->hist);
    /* Relaxed: the command sent next orders it before the child's run. */
    atomic_store_explicit(&c->stop->last, UINT64_MAX, memory_order_relaxed);
    start_child_side(c, mine, &cmd);

    watchdog_arm(c, limit_s > expect_s ? limit_s : expect_s);
    cpu0 = kit_cpu_seconds();
    t0 = kit_now_ns();
    job.deadline_ns = limit_s > 0 ? t0 + (uint64_t)(limit_s * 1e9) : 0;
    rc = c->t->run(mine, &c->out, &c->in, &job, &outcome);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    t_end = kit_now_ns();
    out->cpu_s = kit_cpu_seconds() - cpu0;
    rc = kit_msg_recv(c->ctl, &reply, sizeof reply, -1);
    alarm(0);
    if (rc)
        phase_failed(c, mine, rc, &outcome);
    check_reply(c, mine, &reply);
    if (reply.messages != outcome.messages)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s, %s: %" PRIu64 " messages sent but %" PRIu64
                   " received",
                   c->t->name, c->size_text, phase_name(mine), outcome.messages,
                   reply.messages);
    if (!latency)
        t_end = reply.t_end_ns;
    out->ns = t_end > t0 ? t_end - t0 : 1;
    out->done = outcome.messages;
    out->stopped_early = outcome.messages < count;
    out->cpu_s += reply.cpu_s;
}

double bench_probe_once(struct bench_case *c)
{
    struct bench_command cmd = {.op = CMD_PROBE, .rounds = BENCH_PROBE_ROUNDS};
    struct bench_reply reply;
    double ns = 0;
    int rc;

    bench_probe_reset(c->probe);
    rc = kit_msg_send(c->ctl, &cmd, sizeof cmd);
    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s: the other process is gone: %s",
                   c->t->name, c->size_text, strerror(-rc));
    watchdog_arm(c, 1);
    rc = bench_probe_measure(c->probe, cmd.rounds, c->ctl, &ns);
    if (rc == 0)
        rc = kit_msg_recv(c->ctl, &reply, sizeof reply, -1);
    alarm(0);
    if (rc == 0)
        rc = reply.rc;
    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s: the cache-line probe failed: %s",
                   c->t->name, c->size_text, strerror(-rc));
    return ns;
}

/* ---------------------------------------------------------------------- */
/* The case.                                                               */

static int child_body(int ctl, void *arg)
{
    bench_child_main(ctl, arg);
}

/* Our ends: the sending one, and for latency the receiving one. */
static int make_ends(struct bench_case *c)
{
    const struct bench_config *cfg = c->cfg;
    struct bench_reply reply;
    int rc;

    bench_endpoint_init(&c->out, c->ctl, cfg, c->t);
    bench_endpoint_init(&c->in, c->ctl, cfg, c->t);
    rc = bench_endpoint_buffer(&c->out, c->size);
    if (rc == 0)
        rc = c->t->create(&c->out, BENCH_SENDER, c->ctl, cfg, c->size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(&c->in, c->size);
        if (rc == 0)
            rc = c->t->create(&c->in, BENCH_RECEIVER, c->ctl, cfg, c->size);
    }
    /* The child says whether it could join them. */
    if (rc == 0)
        rc = kit_msg_recv(c->ctl, &reply, sizeof reply, 30000);
    if (rc == 0)
        rc = reply.rc;
    return rc;
}

static void close_ends(struct bench_case *c)
{
    c->t->close(&c->out);
    c->t->close(&c->in);
    bench_endpoint_release(&c->out);
    bench_endpoint_release(&c->in);
}

void bench_run_case(struct bench_case *c, struct bench_result *res)
{
    struct bench_command quit = {.op = CMD_QUIT};
    int rc;

    memset(res, 0, sizeof *res);
    res->transport = c->t;
    res->size = c->size;
    bench_progress(c, "setup", 0);

    /* Fork first, make the channels after: the child can only get them
       through the socket. */
    rc = kit_child_start(&child, SOCK_SEQPACKET, child_body, c);
    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "starting the other process: %s",
                   strerror(-rc));
    c->ctl = child.sock;
    rc = make_ends(c);
    if (rc)
        bench_fail(BENCH_EXIT_FAILED,
                   "%s, %s: setting up the transport failed: %s", c->t->name,
                   c->size_text, strerror(-rc));

    bench_measure(c, res);

    rc = kit_msg_send(c->ctl, &quit, sizeof quit);
    if (rc == 0)
        rc = kit_child_wait(&child, NULL);
    if (rc)
        bench_fail(BENCH_EXIT_FAILED, "%s, %s: the other process ended badly",
                   c->t->name, c->size_text);
    close_ends(c);
}
