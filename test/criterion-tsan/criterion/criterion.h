/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for <criterion/criterion.h>, used only by the ThreadSanitizer
 * build: Criterion's own runner cannot start under TSan (its inheritable
 * arena is refused: Snaipe/Criterion#274). It implements the part of
 * Criterion's interface the tests use, with the same meaning: Test() and
 * TestSuite() with .init, .fini, .timeout and .signal; the cr_assert
 * family, whose optional arguments are a printf format and its values.
 * Each test runs in a forked child, as under Criterion.
 */
#ifndef RING_CRITERION_TSAN_H
#define RING_CRITERION_TSAN_H
#pragma GCC system_header

#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct criterion_test_options {
    void (*init)(void);
    void (*fini)(void);
    double timeout; /* seconds; 0 means the runner's default */
    int signal;     /* the signal the test must die of, or 0 */
};

struct criterion_test {
    const char *suite;
    const char *name;
    void (*run)(void);
    struct criterion_test_options options;
    struct criterion_test *next;
};

struct criterion_suite {
    const char *name;
    struct criterion_test_options options;
    struct criterion_suite *next;
};

void criterion_register_test(struct criterion_test *test);
__attribute__((noreturn, format(printf, 1, 2))) void
criterion_skip(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void criterion_log(const char *fmt, ...);
void criterion_register_suite(struct criterion_suite *suite);
__attribute__((noreturn, format(printf, 4, 5))) void
criterion_fail(const char *file, int line, const char *expr, const char *fmt,
               ...);

#ifdef __cplusplus
}
#define CRITERION_OPTIONS(...)                                                 \
    {                                                                          \
    }
#else
#define CRITERION_OPTIONS(...)                                                 \
    {                                                                          \
        __VA_ARGS__                                                            \
    }
#endif

#define Test(suite, name, ...)                                                 \
    static void suite##_##name##_impl(void);                                   \
    static struct criterion_test suite##_##name##_test = {                     \
        #suite, #name, suite##_##name##_impl, CRITERION_OPTIONS(__VA_ARGS__),  \
        NULL};                                                                 \
    __attribute__((constructor)) static void suite##_##name##_reg(void)        \
    {                                                                          \
        criterion_register_test(&suite##_##name##_test);                       \
    }                                                                          \
    static void suite##_##name##_impl(void)

#define TestSuite(suite, ...)                                                  \
    static struct criterion_suite suite##_suite;                               \
    __attribute__((constructor)) static void suite##_suite_reg(void)           \
    {                                                                          \
        criterion_register_suite(&suite##_suite);                              \
    }                                                                          \
    static struct criterion_suite suite##_suite = {                            \
        #suite, CRITERION_OPTIONS(__VA_ARGS__), NULL}

#define CRITERION_CHECK(cond, expr, ...)                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            criterion_fail(__FILE__, __LINE__, expr, "" __VA_ARGS__);          \
    } while (0)

#define cr_assert(cond, ...) CRITERION_CHECK((cond), #cond, __VA_ARGS__)
#define cr_assert_fail(...)                                                    \
    criterion_fail(__FILE__, __LINE__, "fail", "" __VA_ARGS__)
#define cr_log_info(...) criterion_log(__VA_ARGS__)
/* Ends the test as skipped (what it needs is not here), as Criterion's. */
#define cr_skip_test(...) criterion_skip("" __VA_ARGS__)
#define cr_assert_eq(a, b, ...)                                                \
    CRITERION_CHECK((a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...)                                                \
    CRITERION_CHECK((a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...)                                               \
    CRITERION_CHECK((a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...)                                                \
    CRITERION_CHECK((a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...)                                               \
    CRITERION_CHECK((a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...)                                               \
    CRITERION_CHECK((a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...)                                                 \
    CRITERION_CHECK((p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...)                                             \
    CRITERION_CHECK((p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...)                                         \
    CRITERION_CHECK(memcmp((a), (b), (n)) == 0,                                \
                    #a "[0.." #n "] == " #b "[0.." #n "]", __VA_ARGS__)

#endif
