/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iomem.h"
#include "macro.h"

int iomem_largest_system_ram(const Root *root, uint64_t *ret_start, uint64_t *ret_end) {
        _cleanup_free_ char *text = NULL;
        uint64_t best_start = 0, best_end = 0;
        char *line, *saveptr = NULL;
        int r;

        assert(root);
        assert(ret_start);
        assert(ret_end);

        r = root_read_file(root, "proc/iomem", 1024 * 1024, &text);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                unsigned long long s, e;
                int n = 0;

                if (line[0] == ' ')
                        continue;
                if (sscanf(line, "%llx-%llx : %n", &s, &e, &n) != 2 || n == 0)
                        continue;
                if (!streq(line + n, "System RAM") || e < s || e == UINT64_MAX)
                        continue;
                /* Without CAP_SYS_ADMIN every address reads 0: a range of one byte at 0 is not RAM. */
                if (e == 0)
                        continue;
                if (e + 1 - s > best_end - best_start) {
                        best_start = s;
                        best_end = e + 1;
                }
        }
        if (best_end == 0)
                return -ENOENT;
        *ret_start = best_start;
        *ret_end = best_end;
        return 0;
}

static int cmp_size_desc(const void *a, const void *b) {
        const IomemRange *x = a, *y = b;
        uint64_t sx = x->end - x->start, sy = y->end - y->start;

        return sx < sy ? 1 : sx > sy ? -1 : 0;
}

static int cmp_start(const void *a, const void *b) {
        const IomemRange *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

int iomem_system_ram(const Root *root, IomemRange **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ IomemRange *ranges = NULL;
        char *line, *saveptr = NULL;
        size_t n = 0;
        int r;

        assert(root);
        assert(ret);
        assert(ret_n);

        r = root_read_file(root, "proc/iomem", 1024 * 1024, &text);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                unsigned long long s, e;
                IomemRange *a;
                int k = 0;

                if (line[0] == ' ')
                        continue;
                if (sscanf(line, "%llx-%llx : %n", &s, &e, &k) != 2 || k == 0)
                        continue;
                if (!streq(line + k, "System RAM") || e < s || e == UINT64_MAX || e == 0)
                        continue;
                if (e + 1 - s < IOMEM_MIN_RANGE)
                        continue;
                a = realloc(ranges, (n + 1) * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                ranges = a;
                ranges[n++] = (IomemRange) { .start = s, .end = e + 1 };
        }
        if (n == 0)
                return -ENOENT;
        if (n > IOMEM_MAX_RANGES) {
                qsort(ranges, n, sizeof(*ranges), cmp_size_desc);
                n = IOMEM_MAX_RANGES;
        }
        qsort(ranges, n, sizeof(*ranges), cmp_start);
        *ret = TAKE_PTR(ranges);
        *ret_n = n;
        return 0;
}
