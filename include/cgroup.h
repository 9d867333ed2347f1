/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The cgroup v2 hierarchy below a Root (root.h): a cgroup's processes, a process's cgroup, and the
 * files of a cgroup's controllers (memory.current, memory.high, memory.pressure, memory.stat...).
 *
 * Two implementations stand behind this one contract:
 *   - libcgroup (kernel/cgroup-libcgroup.c), for the machine's own root "/" when libcgroup's
 *     cgroup_init() succeeds and finds the memory controller on a cgroup2 mount at /sys/fs/cgroup;
 *   - root files (kernel/cgroup.c): openat() below the root's sys/fs/cgroup and proc, for a fake root
 *     (the unit tests' temporary directories) and for a machine where libcgroup does not see cgroup2
 *     there (systemd's hybrid layout puts cgroup2 at /sys/fs/cgroup/unified).
 * A process's cgroup is read from proc/PID/cgroup by the root-file code in both cases: libcgroup 2.0.2's
 * cgroup_get_current_controller_path() scans each line with "%d:%[^:]:%s", which does not match the
 * cgroup2 line "0::/PATH" (an empty controller list), so it fails on every cgroup2-only machine.
 *
 * Cgroup paths are as systemd and the DAMON memcg filters write them, relative to the cgroup2 mount:
 * "/system.slice/foo.service" (leading slash optional, "/" is the root cgroup). A ".." component is
 * -EINVAL; empty and "." components are dropped.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "root.h"

/* Where the cgroup2 hierarchy lives below the root. */
#define CGROUP_MOUNT_RELPATH "sys/fs/cgroup"

/* Cgroups nested deeper than this below the cgroup a walk starts from give -ELOOP. */
#define CGROUP_DEPTH_MAX 64U

typedef enum CgroupBackend {
        CGROUP_BACKEND_ROOT_FILES,
        CGROUP_BACKEND_LIBCGROUP,
        _CGROUP_BACKEND_MAX,
} CgroupBackend;

/* Which implementation serves @root (decided once per process for the machine's root: libcgroup's
 * state is global). */
CgroupBackend cgroup_backend(const Root *root);
const char *cgroup_backend_to_string(CgroupBackend b);

/*
 * The processes (tgids) of cgroup @cgpath, from its cgroup.procs, and with @recursive those of every
 * cgroup below it, ascending and without duplicates (cgroup.procs may repeat a pid). Child cgroups
 * removed during the walk are skipped. Returns 0 with a new array (NULL when empty) and its length;
 * -EINVAL for a path with a ".." component or garbage in cgroup.procs, -ENOENT when the cgroup does not
 * exist, -ELOOP for cgroups nested deeper than CGROUP_DEPTH_MAX below @cgpath, -ENOMEM.
 */
int cgroup_procs(const Root *root, const char *cgpath, bool recursive, pid_t **ret_pids, size_t *ret_n);

/*
 * The cgroup v2 path of process @pid ("/system.slice/a.service"), from the "0::PATH" line of
 * proc/PID/cgroup. Returns 0 and a new string; -ESRCH when the process is gone, -ENODATA when it has no
 * v2 line.
 */
int cgroup_pid_path(const Root *root, pid_t pid, char **ret);

/*
 * Reads the whole of file @file (a plain name: "memory.current") of cgroup @cgpath into a new
 * NUL-terminated string. More than @max_size bytes give -EFBIG. Returns 0; -ENOENT when the cgroup or
 * the file does not exist (memcg_cgroup_exists() tells them apart), -EINVAL for a bad path
 * or a @file with a '/', or another -errno.
 */
int cgroup_read_file(const Root *root, const char *cgpath, const char *file, size_t max_size, char **ret);

/*
 * The cleaned form of @cgpath below @mount ("sys/fs/cgroup" + "/a/b"), or, with @mount NULL, the
 * cleaned cgroup path itself ("/a/b"; "/" for the root cgroup). -EINVAL for ".." or an empty path,
 * -ENAMETOOLONG past PATH_MAX.
 */
int cgroup_clean_path(const char *mount, const char *cgpath, char **ret);
