/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Readers of a cgroup v2 memory controller's files (Documentation/admin-guide/cgroup-v2.rst), for the
 * tuners: usage against memory.high/max, and the per-node LRU size that the kernel's node_memcg_*_bp
 * quota goal metrics count.
 *
 * Cgroup paths are as systemd and the DAMON memcg filters write them, relative to the cgroup2 mount
 * "sys/fs/cgroup" below the root (root.h): "system.slice/foo.service" or "/system.slice/foo.service"
 * (a leading '/' is stripped); empty components and "." are dropped; "/" is the root cgroup. NULL, ""
 * and any ".." component are refused with -EINVAL, beyond PATH_MAX -ENAMETOOLONG. This is the same
 * normalisation as psi_cgroup_pressure_path() (psi.h), so one cgroup string works for both.
 *
 * Units: bytes everywhere (cgroup v2 prints bytes; "max" is UINT64_MAX).
 * Nothing here blocks beyond reading a few small files; nothing logs.
 */

#include <stdbool.h>
#include <stdint.h>

#include "root.h"

#define MEMCG_ROOT_PATH "sys/fs/cgroup"

/* Largest memory.numa_stat we read (about 2 KiB per node on 6.x); more gives -EFBIG. */
#define MEMCG_FILE_MAX (256U * 1024U)

typedef struct MemcgUsage {
        uint64_t current;       /* memory.current */
        uint64_t high;          /* memory.high; UINT64_MAX for "max" */
        uint64_t max;           /* memory.max; UINT64_MAX for "max" */
        uint64_t swap_current;  /* memory.swap.current; 0 when !has_swap */
        bool has_swap;          /* memory.swap.current exists (swap accounting on; not the root cgroup) */
} MemcgUsage;

/*
 * The root-relative path of @file in @cgroup's directory: ("/a.slice/b.service", "memory.current") →
 * "sys/fs/cgroup/a.slice/b.service/memory.current". @file must be a plain name (no '/'), else -EINVAL.
 * Returns 0 and a new string in *ret.
 */
int memcg_file_path(const char *cgroup, const char *file, char **ret);

/*
 * Reads memory.current, memory.high, memory.max and (if present) memory.swap.current.
 * Returns 0, or
 *   -ENOENT      the cgroup's directory does not exist (never created, or removed meanwhile);
 *   -EOPNOTSUPP  the directory exists but has no memory.current: the memory controller is not enabled
 *                in the parent's cgroup.subtree_control, or this is the root cgroup (the kernel has no
 *                memory.current/high/max there), or the mount is cgroup v1;
 *   -EINVAL      a path error as above, or a file that is not one decimal number (or "max" for high
 *                and max) followed by at most one newline (an empty file, a sign, garbage, a 64-byte line);
 *   -ERANGE      a number above UINT64_MAX;
 *   other -errno from open/read.
 * On error *ret is left untouched.
 */
int memcg_read_usage(const Root *root, const char *cgroup, MemcgUsage *ret);

/*
 * The bytes of @cgroup's memory on NUMA node @node that sit on the LRU lists, from memory.numa_stat:
 * active_anon + inactive_anon + active_file + inactive_file for N<node>=. That is exactly what the
 * kernel's node_memcg_used_bp / node_memcg_free_bp quota goal metrics count (mm/damon/core.c,
 * damos_get_node_memcg_used_bp(): the lruvec's four LRU counters; docs/damon-abi.md section 6); kernels
 * whose numa_stat lacks the LRU lines fall back to "anon" + "file" (close: that also counts mlocked
 * pages, which sit on the unevictable list, and misses swap-cache pages nothing maps).
 * A node the file does not mention (offline, or a cgroup with nothing there) gives -ENODATA only when
 * no line mentions it; a line with other nodes but not @node counts as 0 for it.
 * The format (cgroup v2, bytes):  "anon N0=1234 N1=0\nfile N0=5678 N1=0\n...".
 * Returns 0, or -ENOENT/-EOPNOTSUPP as memcg_read_usage(); -EINVAL for a line that is not
 * "name N<n>=<decimal> ..." (a cgroup v1 file, "total=3582 N0=3582", is -EINVAL too), a repeated
 * line of a counter used here, or @node repeated on a line; -ERANGE for a number or sum above
 * UINT64_MAX; -EFBIG beyond MEMCG_FILE_MAX; -ENODATA as above, or when neither the four LRU lines nor
 * anon and file are there.
 */
int memcg_read_node_lru(const Root *root, const char *cgroup, unsigned node, uint64_t *ret_bytes);

/*
 * The text parser behind memcg_read_node_lru(), for tests and for callers that read the file once for
 * several nodes. Same errors, minus the file ones.
 */
int memcg_parse_node_lru(const char *numa_stat, unsigned node, uint64_t *ret_bytes);

/*
 * The root-relative path of @cgroup's memory.pressure, "sys/fs/cgroup/<cgroup>/memory.pressure":
 * what psi_read_file() and psi_trigger_open() take as @relpath (psi.h). It is
 * psi_cgroup_pressure_path(@cgroup) (note: psi_read_cgroup() and psi_read_total_usec() take the
 * cgroup path itself, not this). Returns 0 and a new string in *ret, or the path errors above.
 */
int memcg_pressure_path(const char *cgroup, char **ret);

/*
 * Whether the cgroup @path exists: a directory "sys/fs/cgroup<path>" below the root (@path absolute, as
 * a profile's CGroup= takes it). Returns 1 if it does, 0 if it does not or cannot be opened, -ENOMEM.
 */
int memcg_cgroup_exists(const Root *root, const char *path);
