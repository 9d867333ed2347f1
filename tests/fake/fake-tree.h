/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Small file-tree helpers for the fake kernel: everything relative to a directory fd. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* Creates or rewrites a file; a file made read-only (0400) stays so. */
int tree_write(int dir_fd, const char *relpath, const char *content);
/* tree_write(), then @mode: 0400 for what the kernel makes read-only, 0600 for the rest. */
int tree_write_mode(int dir_fd, const char *relpath, const char *content, mode_t mode);
int tree_printf(int dir_fd, const char *relpath, const char *fmt, ...) _printf_(3, 4);
/* Reads a small file and strips one trailing newline. */
int tree_read(int dir_fd, const char *relpath, char *buf, size_t size);
int tree_read_u64(int dir_fd, const char *relpath, uint64_t *ret);
int tree_read_s64(int dir_fd, const char *relpath, int64_t *ret);
int tree_exists(int dir_fd, const char *relpath);
int tree_mkdir_p(int dir_fd, const char *relpath);
/* Removes @relpath and everything below it. Missing is not an error. */
int tree_rm_rf(int dir_fd, const char *relpath);
/* Removes the numbered entries ("0", "1", ...) of directory @relpath. */
int tree_rm_numbered(int dir_fd, const char *relpath);

/* "relpath=value\n" lines for every file below @subtree, sorted; relpath has the first @strip
 * characters of the full relative path removed. */
int tree_snapshot(int dir_fd, const char *subtree, size_t strip, char **ret);

bool is_number(const char *s);
