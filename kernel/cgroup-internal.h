/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The libcgroup implementation of cgroup.h (kernel/cgroup-libcgroup.c), called by kernel/cgroup.c for
 * the machine's own root once cgroup_libcgroup_usable() said yes. Paths are cgroup_clean_path()'s
 * cleaned cgroup paths ("/a/b", "/"). Not a public contract. */

#include <stdbool.h>
#include <stddef.h>

#include "pidset.h"

/* cgroup_init() and the memory controller's mount point, once: 1 when libcgroup sees the memory
 * controller on the cgroup2 mount at /sys/fs/cgroup, 0 otherwise. */
int cgroup_libcgroup_usable(void);

/* Adds the pids of @cgpath's cgroup.procs (cgroup_get_procs()) and with @recursive those of every
 * cgroup below it (cgroup_walk_tree_*()). */
int cgroup_libcgroup_procs(const char *cgpath, bool recursive, PidSet *s);

/* Reads @file of @cgpath with cgroup_read_value_begin()/_next(). */
int cgroup_libcgroup_read_file(const char *cgpath, const char *file, size_t max_size, char **ret);
