// SPDX-License-Identifier: MIT
#include "kit/parse.h"

#include <errno.h>
#include <string.h>

/* Leading digits of text; *end is what follows them. */
static int parse_digits(const char *text, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = text;

    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');

        if (v > (UINT64_MAX - digit) / 10)
            return -ERANGE;
        v = v * 10 + digit;
    }
    *end = p;
    *out = v;
    return 0;
}

int kit_parse_u64(const char *text, uint64_t *out)
{
    const char *end;
    uint64_t v;
    int rc = parse_digits(text, &end, &v);

    if (rc)
        return rc;
    if (*end)
        return -EINVAL;
    *out = v;
    return 0;
}

static unsigned suffix_shift(char c)
{
    switch (c) {
    case 'k':
    case 'K':
        return 10;
    case 'm':
    case 'M':
        return 20;
    case 'g':
    case 'G':
        return 30;
    case 't':
    case 'T':
        return 40;
    }
    return 0;
}

int kit_parse_size(const char *text, uint64_t *out)
{
    const char *end;
    uint64_t v;
    unsigned shift;
    int rc = parse_digits(text, &end, &v);

    if (rc)
        return rc;
    shift = suffix_shift(*end);
    if (shift)
        end++;
    if (shift && strcmp(end, "iB") == 0)
        end += 2;
    else if (strcmp(end, "B") == 0)
        end++;
    if (*end)
        return -EINVAL;
    if (v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}
