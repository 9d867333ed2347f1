/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * NULL-terminated arrays of strings (char **), as systemd's strv.h: NULL is the empty list, every string
 * and the array are malloc()ed and owned by the array. The one set of these helpers that damond, its
 * policies and damonctl use.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* Frees @l and its strings; NULL-safe. Returns NULL. */
static inline char **strv_free(char **l) {
        strv_freep(&l);
        return NULL;
}

static inline size_t strv_length(char * const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

static inline bool strv_contains(char * const *l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

/* Makes @l an empty list (not NULL) if it is NULL. 0 or -ENOMEM. */
static inline int strv_ensure(char ***l) {
        if (*l)
                return 0;
        *l = calloc(1, sizeof(**l));
        return *l ? 0 : -ENOMEM;
}

/* Appends @s, taken over (freed on failure; NULL means its allocation failed). 0 or -ENOMEM. */
static inline int strv_consume(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **a;

        if (!s)
                return -ENOMEM;
        a = reallocarray(*l, n + 2, sizeof(*a));
        if (!a) {
                free(s);
                return -ENOMEM;
        }
        a[n] = s;
        a[n + 1] = NULL;
        *l = a;
        return 0;
}

/* Appends a copy of @s. 0 or -ENOMEM. */
static inline int strv_extend(char ***l, const char *s) {
        return strv_consume(l, strdup(s));
}
