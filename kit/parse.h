/* SPDX-License-Identifier: MIT */
/* kit/parse.h: numbers from the command line, checked: no sign, no
   trailing text, no wrap on overflow. */
#ifndef KIT_PARSE_H
#define KIT_PARSE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decimal digits only. Returns 0, -EINVAL when text is not a whole
   number, -ERANGE when it does not fit 64 bits; *out is set on 0 only. */
int kit_parse_u64(const char *text, uint64_t *out);

/* A size: digits, then optionally K, M, G or T (binary: 2^10 ... 2^40)
   and "B" or "iB" after the suffix ("64", "64B", "4K", "4KiB", "1G").
   Returns what kit_parse_u64 returns; -ERANGE also when the suffix takes
   it past 64 bits. */
int kit_parse_size(const char *text, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* KIT_PARSE_H */
