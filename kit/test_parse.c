// SPDX-License-Identifier: MIT
/* test_parse.c: the command-line numbers both benchmark suites take:
   sizes and counts without wrap or trailing text, and CPU pairs. */
#include "kit/cpu.h"
#include "kit/parse.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static int size_of(const char *text, uint64_t *v)
{
    *v = 12345;
    return kit_parse_size(text, v);
}

Test(parse, sizes_with_and_without_suffixes)
{
    static const struct {
        const char *text;
        uint64_t value;
    } good[] = {
        {"0", 0},
        {"64", 64},
        {"64B", 64},
        {"4K", 4096},
        {"4k", 4096},
        {"4KiB", 4096},
        {"4KB", 4096},
        {"3M", 3 << 20},
        {"1G", 1u << 30},
        {"16777215G", UINT64_C(16777215) << 30},
        {"2T", UINT64_C(2) << 40},
        {"16777215TiB", UINT64_C(16777215) << 40},
        {"18446744073709551615", UINT64_MAX},
    };
    uint64_t v;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert_eq(size_of(good[i].text, &v), 0, "%s", good[i].text);
        cr_assert_eq(v, good[i].value, "%s", good[i].text);
    }
}

Test(parse, bad_sizes_are_refused_and_leave_the_value)
{
    static const char *const bad[] = {"",    "K",   "-1",   "+1",
                                      " 1",  "1 ",  "1X",   "1KK",
                                      "1iB", "1Ki", "0x10", "1.5K"};
    uint64_t v;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(size_of(bad[i], &v), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(v, 12345, "'%s' changed the value", bad[i]);
    }
}

/* What wraps in a careless parser: too many digits, or a suffix that
   shifts the value past 64 bits. */
Test(parse, sizes_past_64_bits_are_out_of_range)
{
    static const char *const big[] = {"18446744073709551616", "17179869184G",
                                      "17592186044416M", "16777216T",
                                      "99999999999999999999999"};
    uint64_t v;

    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        cr_assert_eq(size_of(big[i], &v), -ERANGE, "%s", big[i]);
        cr_assert_eq(v, 12345);
    }
}

Test(parse, counts_are_digits_only)
{
    uint64_t v = 7;

    cr_assert_eq(kit_parse_u64("42", &v), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(kit_parse_u64("4K", &v), -EINVAL);
    cr_assert_eq(kit_parse_u64("-4", &v), -EINVAL);
    cr_assert_eq(kit_parse_u64("", &v), -EINVAL);
    cr_assert_eq(kit_parse_u64("18446744073709551616", &v), -ERANGE);
    cr_assert_eq(v, 42);
}

Test(parse, cpu_pairs)
{
    struct kit_cpus c = {.pin = 0, .cpu = {7, 7}};

    cr_assert_eq(kit_cpus_parse(&c, "2,3"), 0);
    cr_assert(c.pin && c.cpu[0] == 2 && c.cpu[1] == 3);
    cr_assert_eq(kit_cpus_parse(&c, "5,5"), 0);
    cr_assert(c.pin && c.cpu[0] == 5 && c.cpu[1] == 5);
    cr_assert_eq(kit_cpus_parse(&c, "none"), 0);
    cr_assert(!c.pin);
}

Test(parse, bad_cpu_pairs_are_refused_and_change_nothing)
{
    static const char *const bad[] = {"",      "0",       "0,",   ",1",
                                      "0,1,2", "a,b",     "-1,0", "0,1 ",
                                      "0;1",   "0,99999", "None"};
    struct kit_cpus c = {.pin = 1, .cpu = {2, 3}};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(kit_cpus_parse(&c, bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_assert(c.pin && c.cpu[0] == 2 && c.cpu[1] == 3, "'%s'", bad[i]);
    }
}

/* The default is two CPUs this process may run on, and pinning to them
   works. */
Test(parse, the_default_cpus_are_usable)
{
    struct kit_cpus c;

    kit_cpus_default(&c);
    cr_assert(c.pin);
    /* Before pinning: a pinned thread may run on its one CPU only. */
    for (int i = 0; i < 2; i++)
        cr_assert_eq(kit_cpu_allowed(c.cpu[i]), 1);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(kit_pin_self(c.cpu[i]), 0);
    cr_assert_eq(kit_cpu_allowed(-1), 0);
    cr_assert_eq(kit_cpu_allowed(1 << 20), 0);
    cr_assert(strcmp(kit_cpus_relation(&c), "not pinned") != 0);
}
