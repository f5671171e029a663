/* SPDX-License-Identifier: MIT */
/*
 * wake.pml: ring's sleep/wake protocol on x86-TSO, for spin.
 *
 * One publisher (the producer publishing tail: ringi_publish_tail in
 * include/ring.h) and one waiter (the consumer in ring_wait_readable:
 * wait_until in src/wait.c). The other direction (head, write_want,
 * write_futex) runs the same code on disjoint words; see README.md.
 *
 * Each CPU has a FIFO store buffer: a store goes to the buffer, a load
 * reads the newest buffered store to its address or else memory, a fence
 * or a locked instruction empties the buffer into memory, and the buffer
 * drains one store at a time whenever the Drain process of its CPU runs.
 *
 * Labels P1..P9 and W1..W10 are the model steps named in README.md and in
 * the comments of src/wait.c, src/fence.c and include/ring.h.
 *
 * Configuration (spin -D...):
 *   PUBLISH_FENCE=1   the publisher's process could not register for
 *                     membarrier: r->publish_fence, xchg + seq_cst load.
 *   MEMBARRIER=0      the waiter's ringi_fence_peers() fails (fenced = 0).
 *   NO_TIMEOUT        no futex slice ever runs out, except for a dead
 *                     peer once nothing else can move: a lost wake-up is
 *                     then forever, and the assertion in W9 catches it.
 *   KILL=0            the publisher is never SIGKILLed.
 *   NO_PEER_BARRIER   negative control: membarrier() returns 0 but runs
 *                     no barrier on the publisher's CPU.
 *   NO_WAITER_FENCE   negative control: want is stored with a plain store
 *                     and the seq_cst fence is gone.
 */

#ifndef PUBLISH_FENCE
#define PUBLISH_FENCE 0
#endif
#ifndef MEMBARRIER
#define MEMBARRIER 1
#endif
#ifndef KILL
#define KILL 1
#endif

/* The publisher publishes tail = 1 .. NPUB (and may stop, or close, or
   die, after any of them); the waiter waits up to ROUNDS times, each time
   for one or two more than the last time. */
#ifndef NPUB
#define NPUB 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
/* Store buffer entries per CPU: the publisher stores at most NPUB + 1
   times in all; an assertion checks that the bound never binds. */
#define BUF (NPUB + 1)

/* Addresses in the control page. */
#define IDX  0 /* tail_shared: the published index */
#define WANT 1 /* read_want: the tail a sleeping consumer needs, 0: none */
#define ROLE 2 /* role_state[RING_ROLE_PRODUCER] */

#define HELD   1 /* RING_ROLE_HELD */
#define CLOSED 2 /* RING_ROLE_CLOSED */

#define PCPU 0 /* the publisher's CPU */
#define WCPU 1 /* the waiter's CPU */

/* futex_wait_until's answers, and the waiter's own answers. */
#define RC_OK       0 /* woken, or the word had changed (EAGAIN) */
#define RC_ASLEEP   1 /* queued on the futex */
#define RC_TIMEDOUT 2 /* -ETIMEDOUT: the slice ran out */

byte mem[3];
byte fut;          /* read_futex, only ever touched by locked instructions */
bool asleep;       /* the kernel's futex queue: the waiter is in it */
bool alive = 1;    /* the publisher's role lock is held (OFD lock, role.c) */

typedef StoreBuffer {
    byte n;
    byte addr[BUF];
    byte val[BUF]
};
StoreBuffer sb[2];
byte k; /* scratch index, used inside d_step only and reset to 0 */

/* Ghosts, for the properties. */
bool waiting;      /* the waiter is inside wait_until */
byte target;       /* what it waits for (tail >= target), 0 when not */
byte published;    /* the last tail the publisher stored, visible or not */

#define ENOUGH (mem[IDX] >= target)
#define GONE   (mem[ROLE] == CLOSED || !alive)

/* ------------------------------------------------------------------ */
/* x86-TSO                                                             */

/* A plain store: into the buffer. Use inside d_step. The assertion
   checks that BUF never binds, so no behaviour is cut off by it. */
inline sb_store(c, a, v)
{
    assert(sb[c].n < BUF);
    sb[c].addr[sb[c].n] = a;
    sb[c].val[sb[c].n] = v;
    sb[c].n++
}

/* A load: the newest buffered store to a, else memory. Use inside d_step. */
inline sb_load(c, a, dst)
{
    dst = mem[a];
    k = 0;
    do
    :: k < sb[c].n ->
        if
        :: sb[c].addr[k] == a -> dst = sb[c].val[k]
        :: else
        fi;
        k++
    :: else -> break
    od;
    k = 0
}

/* The whole buffer to memory, oldest first: mfence, or the start of a
   locked instruction. Use inside d_step. */
inline sb_flush(c)
{
    k = 0;
    do
    :: k < sb[c].n ->
        mem[sb[c].addr[k]] = sb[c].val[k];
        sb[c].addr[k] = 0;
        sb[c].val[k] = 0;
        k++
    :: else -> break
    od;
    sb[c].n = 0;
    k = 0
}

/* The oldest store to memory: the buffer draining by itself. */
proctype Drain(byte c)
{
end:
    do
    :: d_step {
        sb[c].n > 0 ->
        mem[sb[c].addr[0]] = sb[c].val[0];
        printf("   cpu %d: its oldest buffered store reaches memory\n", c);
        k = 1;
        do
        :: k < sb[c].n ->
            sb[c].addr[k - 1] = sb[c].addr[k];
            sb[c].val[k - 1] = sb[c].val[k];
            k++
        :: else -> break
        od;
        sb[c].n--;
        sb[c].addr[sb[c].n] = 0;
        sb[c].val[sb[c].n] = 0;
        k = 0
    }
    od
}

/* ------------------------------------------------------------------ */
/* The publisher: ringi_publish_tail, then perhaps ring_close.          */

proctype Publisher()
{
    byte v, seen;
    bool ok;

    {
        do
        :: v < NPUB ->
            v++;
#if PUBLISH_FENCE
P1:         d_step {
                sb_flush(PCPU); mem[IDX] = v; published = v;
                printf("P1 publisher: xchg tail = %d (in memory)\n", v)
            };
P2:         d_step {
                sb_load(PCPU, WANT, seen);
                printf("P2 publisher: seq_cst load: want = %d\n", seen)
            };
#else
P1:         d_step {
                sb_store(PCPU, IDX, v);
                published = v;
                printf("P1 publisher: tail = %d (into its store buffer)\n", v)
            };
P2:         d_step {
                sb_load(PCPU, WANT, seen);
                printf("P2 publisher: loads want = %d\n", seen)
            };
#endif
P3:         if
            :: seen != 0 && v >= seen ->
P4:             d_step {
                    sb_flush(PCPU);
                    if
                    :: mem[WANT] == seen -> mem[WANT] = 0; ok = 1
                    :: else -> ok = 0
                    fi;
                    printf("P4 publisher: CAS want %d -> 0: %d\n", seen, ok)
                };
                if
                :: ok ->
P5:                 d_step {
                        sb_flush(PCPU); fut++;
                        printf("P5 publisher: futex = %d\n", fut)
                    };
P6:                 d_step { asleep = 0; printf("P6 publisher: FUTEX_WAKE\n") }
                :: else
                fi
            :: else
            fi;
            d_step { seen = 0; ok = 0 }
        :: break /* publishes no more: idle from here on, or close */
        od;
        if
        :: true ->
P7:         d_step {
                sb_store(PCPU, ROLE, CLOSED);
                printf("P7 publisher: role = CLOSED (into its store buffer)\n")
            };
P8:         d_step {
                sb_flush(PCPU); fut++;
                printf("P8 publisher: futex = %d\n", fut)
            };
P9:         d_step { asleep = 0; printf("P9 publisher: FUTEX_WAKE\n") }
        :: true
        fi
    } unless { !alive }
}

/* SIGKILL, at any moment: the dying task's exit path releases its OFD
   lock with locked instructions on its CPU, so its store buffer is empty
   before the lock is seen free. No futex bump, no wake-up. */
proctype Killer()
{
    if
    :: d_step {
        sb_flush(PCPU); alive = 0;
        printf("killed: the publisher's role lock is free\n")
    }
    :: true
    fi
}

/* ------------------------------------------------------------------ */
/* The waiter: wait_until(r, RING_ROLE_CONSUMER, len, -1).             */

proctype Waiter()
{
    byte round, last, seen, role, seq, rc;
    bool ask_kernel;

    do
    :: round < ROUNDS && last < NPUB ->
        atomic {
            if
            :: target = last + 1
            :: last + 2 <= NPUB -> target = last + 2
            fi;
            waiting = 1
        };
W1:     d_step {
            sb_load(WCPU, IDX, seen);
            printf("W1 waiter: waits for tail >= %d, loads tail = %d\n",
                   target, seen)
        };
        if
        :: seen >= target -> goto ready
        :: else
        fi;
        ask_kernel = 1;
        do
        :: true ->
W2:         d_step {
                seq = fut;
                printf("W2 waiter: loads futex = %d\n", seq)
            };
W3:         d_step {
                sb_store(WCPU, WANT, target);
                printf("W3 waiter: want = %d (into its store buffer)\n", target)
            };
#ifndef NO_WAITER_FENCE
            d_step { /* the seq_cst store's mfence (or xchg) */
                sb_flush(WCPU);
                printf("W3 waiter: mfence\n")
            };
W4:         d_step { sb_flush(WCPU); printf("W4 waiter: mfence\n") };
#endif
#if MEMBARRIER
W5:         d_step { sb_flush(WCPU) }; /* smp_mb() at syscall entry */
#if !PUBLISH_FENCE && !defined(NO_PEER_BARRIER)
            d_step {
                sb_flush(PCPU); /* the IPI: a barrier on its CPU */
                printf("W5 waiter: membarrier, the publisher's buffer drained\n")
            };
#else
            d_step {
                k = 0; /* a step of its own, for the trail */
                printf("W5 waiter: membarrier, no barrier on the publisher's CPU\n")
            };
#endif
#else
W5:         d_step {
                k = 0; /* a step of its own, for the trail */
                printf("W5 waiter: membarrier fails\n")
            };
#endif
W6:         d_step {
                sb_load(WCPU, IDX, seen);
                printf("W6 waiter: loads tail = %d\n", seen)
            };
            if
            :: seen >= target ->
                d_step { sb_store(WCPU, WANT, 0) }; /* withdraw */
                goto ready
            :: else
            fi;
W7:         d_step {
                sb_load(WCPU, ROLE, role);
                printf("W7 waiter: role = %d, lock held = %d\n", role, alive)
            };
            if
            :: role == CLOSED || (ask_kernel && !alive) ->
                d_step { sb_store(WCPU, WANT, 0) }; /* withdraw */
W8:             d_step {
                    sb_load(WCPU, IDX, seen);
                    printf("W8 waiter: peer gone, loads tail = %d\n", seen)
                };
                if
                :: seen >= target -> goto ready
                :: else -> goto epipe
                fi
            :: else
            fi;
W9:         d_step {
                if
                :: fut != seq -> rc = RC_OK
                :: else -> asleep = 1; rc = RC_ASLEEP
                fi;
                printf("W9 waiter: FUTEX_WAIT on %d: %d\n", seq, rc)
            };
            if
            :: rc == RC_ASLEEP ->
                if
                :: !asleep -> rc = RC_OK
#ifndef NO_TIMEOUT
                :: d_step {
                    asleep -> asleep = 0; rc = RC_TIMEDOUT;
                    printf("W9 waiter: the slice ran out\n")
                }
#else
                :: timeout ->
                    /* Asleep, and nothing else in the system can move: a
                       live peer that published what we wait for, or
                       closed, will never wake us. */
                    d_step {
                        printf("W9 waiter: asleep, all else stopped\n");
                        assert(!(alive && (ENOUGH || mem[ROLE] == CLOSED)))
                    };
                    if
                    :: !alive -> d_step { asleep = 0; rc = RC_TIMEDOUT }
                    :: else -> goto idle /* an idle peer: nothing came */
                    fi
#endif
                fi
            :: else
            fi;
W10:        d_step { ask_kernel = rc == RC_TIMEDOUT; rc = RC_OK }
        od;
ready:
        atomic {
            printf("   waiter: returns 0\n");
            last = target;
            round++;
            seen = 0; role = 0; seq = 0; ask_kernel = 0;
            waiting = 0; target = 0
        }
    :: else -> break
    od;
    goto end_done;
epipe:
    /* gone_answer: -EPIPE only when what we wait for never came. */
    atomic {
        printf("   waiter: returns -EPIPE\n");
        assert(published < target);
        waiting = 0
    };
    goto end_done;
#ifdef NO_TIMEOUT
idle:
end_idle:
    false;
#endif
end_done:
    skip
}

init
{
    mem[ROLE] = HELD;
    atomic {
        run Drain(PCPU);
        run Drain(WCPU);
        run Publisher();
        run Waiter();
#if KILL
        run Killer()
#endif
    }
}

/* Progress: once what it waits for is in shared memory, or the peer is
   gone, the waiter returns. Needs weak fairness (pan -f). */
ltl returns { [] ((waiting && (ENOUGH || GONE)) -> <> !waiting) }
