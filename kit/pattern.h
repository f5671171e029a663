/* SPDX-License-Identifier: MIT */
/*
 * kit/pattern.h: the data every benchmark and test sends, and the
 * generator their seeds and random choices come from. Inline: the
 * benchmarks make and check the pattern inside their measured loops, and
 * for an 8-byte item it is one multiply and one add, the same for the
 * ring and for every peer it is compared with.
 *
 * Byte p of the stream with key K is byte p % 8 (little-endian) of the
 * word K + (p / 8) * KIT_PATTERN_STEP. A lost, duplicated or reordered
 * byte or message shifts the stream and no longer matches; a new key per
 * run catches data left over from an earlier one. The key comes from
 * kit_pattern_key(seed), so that any seed (0, 1, 2, ...) gives bytes that
 * look random: no word is mostly zero bytes, which a zeroed buffer would
 * match.
 */
#ifndef KIT_PATTERN_H
#define KIT_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The golden-ratio step: consecutive words share no byte pattern. */
#define KIT_PATTERN_STEP UINT64_C(0x9e3779b97f4a7c15)

/* splitmix64's finalizer: a bijection of 64-bit words that mixes every
   input bit into every output bit. */
static inline uint64_t kit_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* splitmix64: the next number of the sequence *state walks; small, fast,
   and the same sequence in every process. */
static inline uint64_t kit_rand(uint64_t *state)
{
    *state += KIT_PATTERN_STEP;
    return kit_mix64(*state);
}

/* A number in [lo, hi]. */
static inline uint64_t kit_rand_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    return lo + kit_rand(state) % (hi - lo + 1);
}

/* The key of the stream made from seed. */
static inline uint64_t kit_pattern_key(uint64_t seed)
{
    return kit_mix64(seed + KIT_PATTERN_STEP);
}

/* Word w of the stream (the bytes from stream position 8 * w on). */
static inline uint64_t kit_pattern_word(uint64_t key, uint64_t w)
{
    return key + w * KIT_PATTERN_STEP;
}

static inline unsigned char kit_pattern_byte(uint64_t key, uint64_t pos)
{
    return (unsigned char)(kit_pattern_word(key, pos >> 3) >> (8 * (pos & 7)));
}

/* Words are little-endian in memory on every machine. */
static inline uint64_t kit_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t kit_load_le64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    return kit_le64(v);
}

static inline void kit_store_le64(unsigned char *p, uint64_t v)
{
    v = kit_le64(v);
    memcpy(p, &v, sizeof v);
}

/* Writes bytes pos .. pos + len - 1 of the stream to dst. */
static inline void kit_pattern_fill(unsigned char *dst, size_t len,
                                    uint64_t key, uint64_t pos)
{
    size_t i = 0;
    uint64_t word;

    for (; i < len && ((pos + i) & 7); i++)
        dst[i] = kit_pattern_byte(key, pos + i);
    word = kit_pattern_word(key, (pos + i) >> 3);
    for (; i + 8 <= len; i += 8, word += KIT_PATTERN_STEP)
        kit_store_le64(dst + i, word);
    for (; i < len; i++)
        dst[i] = kit_pattern_byte(key, pos + i);
}

/* Checks src against bytes pos .. pos + len - 1 of the stream: the
   offset of the first wrong byte, or len when all are right. */
static inline size_t kit_pattern_check(const unsigned char *src, size_t len,
                                       uint64_t key, uint64_t pos)
{
    const uint64_t step = KIT_PATTERN_STEP;
    size_t i = 0;
    uint64_t word;

    for (; i < len && ((pos + i) & 7); i++)
        if (src[i] != kit_pattern_byte(key, pos + i))
            return i;
    word = kit_pattern_word(key, (pos + i) >> 3);
    /* Four words at a time while all is well; the word loop below finds
       the exact byte when something is not. */
    for (; i + 32 <= len; i += 32, word += 4 * step) {
        uint64_t diff = (kit_load_le64(src + i) ^ word) |
                        (kit_load_le64(src + i + 8) ^ (word + step)) |
                        (kit_load_le64(src + i + 16) ^ (word + 2 * step)) |
                        (kit_load_le64(src + i + 24) ^ (word + 3 * step));
        if (diff)
            break;
    }
    for (; i + 8 <= len; i += 8, word += step)
        if (kit_load_le64(src + i) != word)
            break;
    for (; i < len; i++)
        if (src[i] != kit_pattern_byte(key, pos + i))
            return i;
    return len;
}

/*
 * The same stream, sampled: only the first word of each 64-byte line
 * (stream positions that are multiples of 64) is written or checked, so
 * that bulk copies touch every line on both sides without the check
 * costing as much as the copy. pos and len are multiples of 64.
 */
#define KIT_PATTERN_LINE 64

static inline void kit_pattern_fill_lines(unsigned char *dst, size_t len,
                                          uint64_t key, uint64_t pos)
{
    for (size_t i = 0; i < len; i += KIT_PATTERN_LINE)
        kit_store_le64(dst + i, kit_pattern_word(key, (pos + i) >> 3));
}

/* 1 when every line's first word is right, else 0. */
static inline int kit_pattern_check_lines(const unsigned char *src, size_t len,
                                          uint64_t key, uint64_t pos)
{
    uint64_t diff = 0;

    for (size_t i = 0; i < len; i += KIT_PATTERN_LINE)
        diff |= kit_load_le64(src + i) ^ kit_pattern_word(key, (pos + i) >> 3);
    return diff == 0;
}

#ifdef __cplusplus
}
#endif

#endif /* KIT_PATTERN_H */
