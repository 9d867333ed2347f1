/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Ownership helpers in the manner of systemd's public examples: a local declared with _cleanup_free_
 * (or _cleanup_(foo_freep)) is released when it goes out of scope; TAKE_PTR() hands it over.
 * Destructors accept NULL and return NULL, so "p = foo_free(p);" is the idiom.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

/* @p, asserted not to be NULL: a callback names what it gets with it, Manager *m = ASSERT_PTR(userdata);
 * (systemd's idiom). */
#define ASSERT_PTR(p)                                           \
        ({                                                      \
                typeof(p) _assert_ptr_ = (p);                   \
                assert(_assert_ptr_);                           \
                _assert_ptr_;                                   \
        })

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_GENERIC(var, type, nullvalue)                      \
        ({                                                      \
                type *_pvar_ = &(var);                          \
                type _var_ = *_pvar_;                           \
                type _nullvalue_ = nullvalue;                   \
                *_pvar_ = _nullvalue_;                          \
                _var_;                                          \
        })
#define TAKE_PTR(p) TAKE_GENERIC((p), typeof(p), NULL)
#define TAKE_FD(fd) TAKE_GENERIC((fd), int, -EBADF)

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void strv_freep(char ***l) {
        if (!*l)
                return;
        for (char **i = *l; *i; i++)
                free(*i);
        free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Defines NAMEp(), a cleanup wrapper for a NULL-safe destructor "type *NAME(type *)". */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        *p = func(*p);                          \
        }

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')

/* snprintf() into an array, true if the whole output fit. */
#define snprintf_ok(buf, fmt, ...)                                                      \
        ({                                                                              \
                int _n = snprintf((buf), sizeof(buf), fmt, ##__VA_ARGS__);              \
                _n >= 0 && (size_t) _n < sizeof(buf);                                   \
        })

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
