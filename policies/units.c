/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "units.h"

typedef unsigned __int128 u128;

typedef struct Unit {
        const char *suffix;
        uint64_t factor;
} Unit;

static const char *skip_space(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* Reads "123" or "1.25" at *p. The value is *ret_num / *ret_den, *ret_den a power of ten. */
static int parse_decimal(const char **p, u128 *ret_num, uint64_t *ret_den) {
        const char *s = *p;
        u128 num = 0;
        uint64_t den = 1;
        bool digits = false;

        for (; isdigit((unsigned char) *s); s++) {
                num = num * 10 + (u128) (*s - '0');
                if (num > UINT64_MAX)
                        return -ERANGE;
                digits = true;
        }
        if (*s == '.') {
                s++;
                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                for (; isdigit((unsigned char) *s); s++) {
                        /* more fraction digits than any unit needs */
                        if (den >= UINT64_C(1000000000000000000))
                                return -EDOM;
                        num = num * 10 + (u128) (*s - '0');
                        den *= 10;
                }
                digits = true;
        }
        if (!digits)
                return -EINVAL;
        *p = s;
        *ret_num = num;
        *ret_den = den;
        return 0;
}

/* num/den * factor, exactly. */
static int scale(u128 num, uint64_t den, uint64_t factor, uint64_t *ret) {
        u128 v = num * factor;  /* num < 2^64 * 10^18 fits: factors here are < 2^63 */

        if (num != 0 && v / num != factor)
                return -ERANGE;
        if (v % den != 0)
                return -EDOM;
        v /= den;
        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

static const Unit *match_unit(const Unit *units, const char **p) {
        const Unit *best = NULL;
        size_t best_len = 0;

        /* longest match, so "min" wins over "m..." prefixes and "ms" over "m" */
        for (const Unit *u = units; u->suffix; u++) {
                size_t l = strlen(u->suffix);

                if (l > best_len && strneq(*p, u->suffix, l) && !isalpha((unsigned char) (*p)[l])) {
                        best = u;
                        best_len = l;
                }
        }
        if (best)
                *p += best_len;
        return best;
}

static bool is_zero(const char *s) {
        s = skip_space(s);
        if (*s != '0')
                return false;
        while (*s == '0')
                s++;
        if (*s == '.') {
                s++;
                while (*s == '0')
                        s++;
        }
        return *skip_space(s) == '\0';
}

int parse_duration_usec(const char *s, uint64_t *ret) {
        static const Unit units[] = {
                { "us", 1 }, { "usec", 1 }, { "µs", 1 },
                { "ms", USEC_PER_MSEC }, { "msec", USEC_PER_MSEC },
                { "s", USEC_PER_SEC }, { "sec", USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "d", 86400 * USEC_PER_SEC },
                {}
        };
        uint64_t total = 0;
        const char *p;

        if (!s)
                return -EINVAL;
        if (is_zero(s)) {
                *ret = 0;
                return 0;
        }
        p = skip_space(s);
        if (*p == '\0')
                return -EINVAL;
        while (*p) {
                const Unit *u;
                uint64_t den, v;
                u128 num;
                int r;

                r = parse_decimal(&p, &num, &den);
                if (r < 0)
                        return r;
                p = skip_space(p);
                u = match_unit(units, &p);
                if (!u)
                        return -EINVAL;
                r = scale(num, den, u->factor, &v);
                if (r < 0)
                        return r;
                if (total + v < total)
                        return -ERANGE;
                total += v;
                p = skip_space(p);
        }
        *ret = total;
        return 0;
}

int parse_size_bytes(const char *s, uint64_t *ret) {
        static const Unit units[] = {
                { "B", 1 },
                { "K", UINT64_C(1) << 10 }, { "KiB", UINT64_C(1) << 10 },
                { "M", UINT64_C(1) << 20 }, { "MiB", UINT64_C(1) << 20 },
                { "G", UINT64_C(1) << 30 }, { "GiB", UINT64_C(1) << 30 },
                { "T", UINT64_C(1) << 40 }, { "TiB", UINT64_C(1) << 40 },
                { "P", UINT64_C(1) << 50 }, { "PiB", UINT64_C(1) << 50 },
                { "E", UINT64_C(1) << 60 }, { "EiB", UINT64_C(1) << 60 },
                {}
        };
        const Unit *u;
        const char *p;
        uint64_t den;
        u128 num;
        int r;

        if (!s)
                return -EINVAL;
        p = skip_space(s);
        r = parse_decimal(&p, &num, &den);
        if (r < 0)
                return r;
        p = skip_space(p);
        if (*p == '\0')
                return scale(num, den, 1, ret);
        u = match_unit(units, &p);
        if (!u || *skip_space(p) != '\0')
                return -EINVAL;
        return scale(num, den, u->factor, ret);
}

int parse_ratio_ppm(const char *s, uint64_t *ret) {
        static const Unit units[] = {
                { "%", 10000 },
                { "permil", 1000 }, { "‰", 1000 },
                { "bp", 100 },
                {}
        };
        const Unit *u = NULL;
        const char *p;
        uint64_t den, v;
        u128 num;
        int r;

        if (!s)
                return -EINVAL;
        if (is_zero(s)) {
                *ret = 0;
                return 0;
        }
        p = skip_space(s);
        r = parse_decimal(&p, &num, &den);
        if (r < 0)
                return r;
        p = skip_space(p);
        /* "%" is not alphabetic, so match it by hand: match_unit() wants a word boundary */
        if (*p == '%') {
                u = &units[0];
                p++;
        } else
                u = match_unit(units, &p);
        if (!u || *skip_space(p) != '\0')
                return -EINVAL;
        r = scale(num, den, u->factor, &v);
        if (r < 0)
                return r;
        if (v > 1000000)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_uint64(const char *s, uint64_t *ret) {
        const char *p;
        uint64_t den;
        u128 num;
        int r;

        if (!s)
                return -EINVAL;
        p = skip_space(s);
        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        r = parse_decimal(&p, &num, &den);
        if (r < 0)
                return r;
        if (den != 1 || *skip_space(p) != '\0')
                return -EINVAL;
        *ret = (uint64_t) num;
        return 0;
}

int parse_boolean(const char *s) {
        static const char * const yes[] = { "1", "yes", "y", "true", "on" };
        static const char * const no[] = { "0", "no", "n", "false", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

const char *format_duration(char *buf, size_t size, uint64_t usec) {
        static const Unit units[] = {
                { "d", 86400 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "s", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        size_t n = 0;

        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units) && usec > 0; i++) {
                if (usec < units[i].factor)
                        continue;
                n += (size_t) snprintf(buf + MIN(n, size), size - MIN(n, size), "%s%" PRIu64 "%s",
                                       n > 0 ? " " : "", usec / units[i].factor, units[i].suffix);
                usec %= units[i].factor;
        }
        return buf;
}

const char *format_size(char *buf, size_t size, uint64_t bytes) {
        static const char suffixes[] = "KMGTPE";

        for (int i = 5; i >= 0; i--) {
                uint64_t f = UINT64_C(1) << (10 * (i + 1));

                if (bytes >= f && bytes % f == 0) {
                        snprintf(buf, size, "%" PRIu64 "%c", bytes / f, suffixes[i]);
                        return buf;
                }
        }
        snprintf(buf, size, "%" PRIu64, bytes);
        return buf;
}

const char *format_bytes(char *buf, size_t size, uint64_t bytes) {
        static const char units[] = "KMGTPE";
        uint64_t unit = 1024;
        size_t i = 0;

        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return buf;
        }
        while (i + 1 < sizeof(units) - 1 && bytes / unit >= 1024) {
                unit *= 1024;
                i++;
        }
        snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%c", bytes / unit, (bytes % unit) * 10 / unit, units[i]);
        return buf;
}

const char *format_ratio(char *buf, size_t size, uint64_t ppm) {
        uint64_t frac = ppm % 10000;
        int digits = 4;

        if (frac == 0) {
                snprintf(buf, size, "%" PRIu64 "%%", ppm / 10000);
                return buf;
        }
        while (frac % 10 == 0) {
                frac /= 10;
                digits--;
        }
        snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64 "%%", ppm / 10000, digits, frac);
        return buf;
}
