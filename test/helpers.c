// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "helpers.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

uint64_t test_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t test_rand_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    return lo + test_rand(state) % (hi - lo + 1);
}

static uint64_t pattern_word(uint64_t seed, uint64_t word)
{
    uint64_t state = seed ^ (word * UINT64_C(0xd6e8feb86659fd93));

    return test_rand(&state);
}

unsigned char test_pattern_byte(uint64_t seed, uint64_t pos)
{
    return (unsigned char)(pattern_word(seed, pos / 8) >> (8 * (pos % 8)));
}

/* Both walk the stream a word of the pattern at a time. */
void test_pattern_fill(unsigned char *dst, size_t len, uint64_t seed,
                       uint64_t pos)
{
    uint64_t word = pattern_word(seed, pos / 8);

    for (size_t i = 0; i < len; i++, pos++) {
        if (pos % 8 == 0)
            word = pattern_word(seed, pos / 8);
        dst[i] = (unsigned char)(word >> (8 * (pos % 8)));
    }
}

size_t test_pattern_check(const unsigned char *src, size_t len, uint64_t seed,
                          uint64_t pos)
{
    uint64_t word = pattern_word(seed, pos / 8);

    for (size_t i = 0; i < len; i++, pos++) {
        if (pos % 8 == 0)
            word = pattern_word(seed, pos / 8);
        if (src[i] != (unsigned char)(word >> (8 * (pos % 8))))
            return i;
    }
    return len;
}

size_t test_record_len(uint64_t seed, uint64_t n, size_t max_len)
{
    uint64_t state = seed ^ (n * UINT64_C(0xa0761d6478bd642f));
    uint64_t pick = test_rand(&state);

    /* Mostly small records, some large, a few empty. */
    switch (pick % 8) {
    case 0:
        return 0;
    case 1:
        return (size_t)((pick >> 8) % (max_len + 1));
    default:
        return (size_t)((pick >> 8) % (max_len < 256 ? max_len + 1 : 257));
    }
}

static size_t count_entries(const char *dir_path)
{
    DIR *dir = opendir(dir_path);
    size_t n = 0;

    if (!dir)
        return 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return n - 1; /* the directory's own descriptor */
}

size_t test_count_fds(void)
{
    return count_entries("/proc/self/fd");
}

size_t test_count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    size_t n = 0;
    int c;

    if (!f)
        return 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

const char *test_sibling(const char *name)
{
    static char path[PATH_MAX];
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    if (n < 0)
        return name;
    self[n] = '\0';
    snprintf(path, sizeof path, "%s/%s", dirname(self), name);
    return path;
}
