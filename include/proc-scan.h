/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Finding processes below the root's proc/: by name (a process's comm or its argv[0]), and the cgroup
 * rule. They give a following profile its starting set, and the set again after process events were
 * lost (proc-events.h). Nothing here logs; every function is safe against processes that exit meanwhile.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "root.h"

/* The kernel's comm: TASK_COMM_LEN (16) bytes with the terminating NUL. */
#define PROC_COMM_MAX 16

/* The comm (up to @size - 1 bytes) of process @pid below the root's proc/. Returns 0, -ESRCH when the
 * process is gone, -EINVAL, or -errno. */
int proc_read_comm(const Root *root, pid_t pid, char *comm, size_t size);

/*
 * The name rule shared by the scanner and the event side: @name matches when it equals @comm (the
 * kernel keeps the first 15 bytes of a name in comm, so a longer @name is compared on those), or when
 * it equals the last path component of @argv0 (may be NULL). An empty @name, or one with a '/', matches
 * nothing.
 */
bool proc_name_matches(const char *name, const char *comm, const char *argv0);

/* True when @name can ever match: not empty, no '/', at most NAME_MAX bytes. */
bool proc_name_is_valid(const char *name);

/*
 * Whether process @pid (below the root's proc/) matches @name by proc_name_matches(). Processes with
 * an empty cmdline (kernel threads, zombies) never match: they have no address space for DAMON to
 * monitor. Returns 1 or 0, -ESRCH when the process is gone, -EINVAL for an invalid name, or -errno.
 */
int proc_pid_matches_name(const Root *root, pid_t pid, const char *name);

/*
 * Lists the processes (tgids) below the root's proc/ that match @name (proc_pid_matches_name()),
 * ascending. Processes that vanish during the scan are skipped. Returns 0 with a new array in *ret_pids
 * (NULL when none) and its length in *ret_n; -EINVAL for an invalid name, -ENOENT when the root has no
 * proc/, -ENOMEM.
 */
int proc_scan_name(const Root *root, const char *name, pid_t **ret_pids, size_t *ret_n);

/* A cgroup's processes and a process's cgroup: cgroup.h (cgroup_procs(), cgroup_pid_path()). */

/* True when cgroup @path is @ancestor or below it ("/a/b" is below "/a", "/ab" is not; "/" holds all). */
bool proc_cgroup_is_below(const char *path, const char *ancestor);
