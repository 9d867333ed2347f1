/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one root. Every kernel path damond uses is relative to a root directory
 * chosen at start-up: "/" on a real machine, a temporary directory in unit tests. Paths are written
 * without a leading slash ("sys/kernel/mm/damon/admin", "proc/pressure/memory") and opened with
 * openat(root->fd, ...). No other module opens an absolute kernel path.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

typedef struct Root {
        int fd;         /* O_PATH|O_DIRECTORY fd of the root directory */
        char *path;     /* as given, for messages */
} Root;

/* Opens @path (NULL means "/") as the root. Returns 0 or -errno (-ENOTDIR if not a directory). */
int root_open(const char *path, Root **ret);
Root *root_free(Root *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Root *, root_free);

/* Whether the root is the machine's own "/" (the same directory), not a fake root. */
bool root_is_host(const Root *r);

/* Opens @relpath below the root with @flags (O_CLOEXEC is added). Returns an fd or -errno. */
int root_openat(const Root *r, const char *relpath, int flags);

/* Reads at most @size-1 bytes of the start of a file below the root into @buf and NUL-terminates
 * them (the rest of a longer file is not read). Returns the number of bytes read or -errno. */
ssize_t root_read_head(const Root *r, const char *relpath, char *buf, size_t size);

/* Reads @fd to its end into a new NUL-terminated buffer (*ret_size, if given, is its length without the
 * NUL). More than @max_size bytes give -EFBIG, and never more than @max_size + 1 are read. The one
 * read-a-whole-file loop of damond. Returns 0 or -errno. */
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);

/* Reads the whole of a small file below the root into a new NUL-terminated string (read_full_fd()).
 * Files larger than @max_size give -EFBIG. Returns 0 or -errno. */
int root_read_file(const Root *r, const char *relpath, size_t max_size, char **ret);
