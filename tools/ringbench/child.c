// SPDX-License-Identifier: MIT
/*
 * child.c: the child's side of a case. It receives the channels the
 * parent made (the ring through ring_recv_fd and ring_attach only), then
 * obeys commands until told to quit. After a failure it reports and
 * exits: closing its ends is what frees a parent blocked in write() or
 * spinning on a ring.
 */
#define _GNU_SOURCE
#include "kit/child.h"
#include "kit/clock.h"
#include "ringbench.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Joins the ends the parent made: its receiving end, and for latency the
   sending one. */
static int join_ends(const struct bench_case *c, struct bench_endpoint *in,
                     struct bench_endpoint *out, int ctl)
{
    const struct bench_config *cfg = c->cfg;
    int rc;

    bench_endpoint_init(in, ctl, cfg, c->t);
    bench_endpoint_init(out, ctl, cfg, c->t);
    rc = bench_endpoint_buffer(in, c->size);
    if (rc == 0)
        rc = c->t->join(in, BENCH_RECEIVER, ctl, cfg, c->size);
    if (rc == 0 && cfg->latency) {
        rc = bench_endpoint_buffer(out, c->size);
        if (rc == 0)
            rc = c->t->join(out, BENCH_SENDER, ctl, cfg, c->size);
    }
    return rc;
}

/* Runs our side of a phase; the reply says how it went. */
static int run_side(const struct bench_case *c, const struct bench_command *cmd,
                    struct bench_endpoint *out, struct bench_endpoint *in,
                    int ctl, struct bench_reply *reply)
{
    struct bench_outcome outcome = {0};
    struct bench_job job = {
        .count = cmd->count,
        .size = c->size,
        .key_out = cmd->key_out,
        .key_in = cmd->key_in,
        .corrupt_at = cmd->corrupt_at,
        .work_ns = c->cfg->peer_work_ns,
        .stop = c->stop,
    };
    double cpu0;
    int rc;

    reply->kind = REPLY_READY;
    if ((rc = kit_msg_send(ctl, reply, sizeof *reply)))
        return rc;
    cpu0 = kit_cpu_seconds();
    rc = c->t->run((enum bench_phase)cmd->phase, out, in, &job, &outcome);
    reply->cpu_s = kit_cpu_seconds() - cpu0;
    reply->messages = outcome.messages;
    reply->t_end_ns = outcome.t_end_ns;
    memcpy(reply->detail, outcome.detail, sizeof reply->detail);
    return rc;
}

void bench_child_main(int ctl, const struct bench_case *c)
{
    struct bench_endpoint in, out;
    struct bench_reply reply = {.kind = REPLY_DONE};
    struct bench_command cmd;

    signal(SIGALRM, SIG_DFL); /* the parent's watchdog is the parent's */
    if (c->cfg->cpus.pin)
        reply.rc = kit_pin_self(c->cfg->cpus.cpu[1]);
    if (reply.rc == 0)
        reply.rc = join_ends(c, &in, &out, ctl);
    if (kit_msg_send(ctl, &reply, sizeof reply) || reply.rc)
        _exit(BENCH_EXIT_FAILED);

    while (kit_msg_recv(ctl, &cmd, sizeof cmd, -1) == 0 && cmd.op != CMD_QUIT) {
        memset(&reply, 0, sizeof reply);
        if (cmd.op == CMD_PROBE)
            reply.rc = bench_probe_answer(c->probe, cmd.rounds, ctl);
        else
            reply.rc = run_side(c, &cmd, &out, &in, ctl, &reply);
        reply.kind = REPLY_DONE;
        if (kit_msg_send(ctl, &reply, sizeof reply) || reply.rc)
            _exit(BENCH_EXIT_FAILED);
    }
    c->t->close(&in);
    c->t->close(&out);
    bench_endpoint_release(&in);
    bench_endpoint_release(&out);
    close(ctl);
    _exit(0);
}
