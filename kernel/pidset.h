/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What proc-events.c and the cgroup implementations share: a growing set of pids handed over sorted and
 * without duplicates, and the pid parser. Not a public contract. */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/types.h>

#include "macro.h"

typedef struct PidSet {
        pid_t *pids;
        size_t n, cap;
} PidSet;

static inline int pidset_add(PidSet *s, pid_t pid) {
        if (s->n == s->cap) {
                size_t ncap = s->cap ? s->cap * 2 : 64;
                pid_t *np = reallocarray(s->pids, ncap, sizeof(pid_t));

                if (!np)
                        return -ENOMEM;
                s->pids = np;
                s->cap = ncap;
        }
        s->pids[s->n++] = pid;
        return 0;
}

static inline int pid_cmp(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return x < y ? -1 : x > y;
}

/* Sorts, drops duplicates, and hands the array over (NULL when empty). */
static inline void pidset_finish(PidSet *s, pid_t **ret_pids, size_t *ret_n) {
        size_t k = 0;

        if (s->n > 0) {
                qsort(s->pids, s->n, sizeof(pid_t), pid_cmp);
                for (size_t i = 0; i < s->n; i++)
                        if (k == 0 || s->pids[k - 1] != s->pids[i])
                                s->pids[k++] = s->pids[i];
        }
        if (k == 0)
                s->pids = mfree(s->pids);
        *ret_pids = TAKE_PTR(s->pids);
        *ret_n = k;
        s->n = s->cap = 0;
}

static inline void pidset_done(PidSet *s) {
        s->pids = mfree(s->pids);
        s->n = s->cap = 0;
}

/* A decimal pid as /proc and cgroup.procs print it: digits only, no leading zero, 1..INT_MAX. */
static inline int parse_pid(const char *s, size_t len, pid_t *ret) {
        long long v = 0;

        if (len == 0 || len > 10 || s[0] == '0')
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        if (v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t) v;
        return 0;
}
