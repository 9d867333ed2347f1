/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Small parsing helpers shared by the signal readers (meminfo.c, memcg.c); not a public contract. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

static inline int signal_is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Parses the plain decimal number that starts at @p and ends before @end or at the first non-digit:
 * no sign, no base prefix, at least one digit. Returns 0 and the end of the digits in *ret_end,
 * -EINVAL when there is no digit, -ERANGE above UINT64_MAX. */
static inline int signal_parse_dec(const char *p, const char *end, uint64_t *ret, const char **ret_end) {
        uint64_t v = 0;
        const char *s = p;

        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                unsigned d = (unsigned) (*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (p == s)
                return -EINVAL;
        *ret = v;
        *ret_end = p;
        return 0;
}

/* @a * @b / @c without overflow for any inputs, truncating; @c != 0. */
static inline uint64_t signal_mul_div(uint64_t a, uint64_t b, uint64_t c) {
        return (uint64_t) ((unsigned __int128) a * b / c);
}
