// SPDX-License-Identifier: MIT
/* runner.c: main() for the stand-in of Criterion (see criterion.h). */
#define _GNU_SOURCE
#include "criterion/criterion.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct criterion_test *tests, **tests_end = &tests;
static struct criterion_suite *suites;

void criterion_register_test(struct criterion_test *test)
{
    /* Constructors run in file order: keep it. */
    *tests_end = test;
    tests_end = &test->next;
}

void criterion_register_suite(struct criterion_suite *suite)
{
    suite->next = suites;
    suites = suite;
}

void criterion_fail(const char *file, int line, const char *expr,
                    const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: assertion failed: %s", file, line, expr);
    if (fmt[0]) {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    _exit(1);
}

/* The exit status of a test that skipped itself. */
#define SKIPPED 77

void criterion_skip(const char *fmt, ...)
{
    va_list ap;

    fputs("skipped: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    _exit(SKIPPED);
}

void criterion_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const struct criterion_suite *suite_of(const struct criterion_test *t)
{
    for (const struct criterion_suite *s = suites; s; s = s->next)
        if (strcmp(s->name, t->suite) == 0)
            return s;
    return NULL;
}

/* 1 passed, 0 failed, SKIPPED skipped. */
static int run_one(const struct criterion_test *t)
{
    const struct criterion_suite *s = suite_of(t);
    void (*init)(void) = t->options.init ? t->options.init
                         : s             ? s->options.init
                                         : NULL;
    void (*fini)(void) = t->options.fini ? t->options.fini
                         : s             ? s->options.fini
                                         : NULL;
    double timeout = t->options.timeout > 0 ? t->options.timeout : 900;
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        alarm((unsigned)timeout + 1);
        if (init)
            init();
        t->run();
        if (fini)
            fini();
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    if (t->options.signal)
        return WIFSIGNALED(status) && WTERMSIG(status) == t->options.signal;
    if (WIFSIGNALED(status))
        fprintf(stderr, "%s::%s: killed by signal %d%s\n", t->suite, t->name,
                WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    if (WIFEXITED(status) && WEXITSTATUS(status) == SKIPPED)
        return SKIPPED;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
    int run = 0, failed = 0, skipped = 0;

    (void)argc;
    (void)argv; /* Criterion's options (--jobs) are accepted and ignored */
    for (const struct criterion_test *t = tests; t; t = t->next) {
        int ok = run_one(t);
        run++;
        failed += !ok;
        skipped += ok == SKIPPED;
        fprintf(stderr, "[%s] %s::%s\n",
                ok == SKIPPED ? "SKIP"
                : ok          ? "PASS"
                              : "FAIL",
                t->suite, t->name);
    }
    fprintf(stderr,
            "[====] Synthesis: Tested: %d | Passing: %d | Skipped: %d | "
            "Failing: %d\n",
            run, run - failed - skipped, skipped, failed);
    return failed ? 1 : 0;
}
