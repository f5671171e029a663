/* SPDX-License-Identifier: MIT */
/* fuzz.h: what the harnesses share: reading the fuzz input a field at a
   time, and the checks. A harness is built twice: with libFuzzer, and as
   a replay program (replay.c) that ctest runs over the seed corpus. */
#ifndef RING_FUZZ_H
#define RING_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, defined by each harness. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, read front to back; past its end every field reads 0. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

static inline size_t fuzz_left(const struct fuzz_input *in)
{
    return in->size - in->pos;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t lo = fuzz_u8(in);

    return (uint16_t)(lo | (uint16_t)(fuzz_u8(in) << 8));
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
    uint32_t lo = fuzz_u16(in);

    return lo | ((uint32_t)fuzz_u16(in) << 16);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t lo = fuzz_u32(in);

    return lo | ((uint64_t)fuzz_u32(in) << 32);
}

/* Takes the next len bytes (fewer at the end) as an input of their own. */
static inline struct fuzz_input fuzz_split(struct fuzz_input *in, size_t len)
{
    struct fuzz_input part = {in->data + in->pos, 0, 0};

    part.size = len < fuzz_left(in) ? len : fuzz_left(in);
    in->pos += part.size;
    return part;
}

/* Reports a broken invariant and aborts: a crash, for libFuzzer and for
   the replay alike. */
void fuzz_fail(const char *file, int line, const char *expr, const char *fmt,
               ...) __attribute__((noreturn, format(printf, 4, 5)));

#define FUZZ_CHECK(cond, ...)                                                  \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* Nonzero when RING_FUZZ_TRACE is set: the harnesses then say what they
   do, to follow an input by hand. */
int fuzz_trace(void);

/* The state of the whole process that must be the same after each input:
   see kit/census.h. Aborts when it differs. */
struct kit_census;
void fuzz_census(struct kit_census *c);
void fuzz_census_check(const struct kit_census *before, const char *what);

/* Closes a handle and checks that its mapping is gone. */
struct ring;
void fuzz_close(struct ring *r);

#endif
