/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The memory counters behind savings accounting (access-stats.h SavingsSample), of one cgroup or of the
 * whole machine, and a kdamond's CPU time. Readers below a Root; nothing logs.
 *
 * Machine:  proc/vmstat  workingset_refault_anon + workingset_refault_file (5.9+; older kernels:
 *                        workingset_refault), pswpin, pswpout (pages)
 *           proc/meminfo MemTotal - MemAvailable (resident), SwapTotal - SwapFree (swap), Zswap (6.x:
 *                        the compressed pool) or, without zswap, the compr_data_size of every
 *                        sys/block/zramN/mm_stat
 * Cgroup:   memory.stat  workingset_refault_anon/_file, pswpin, pswpout (where the kernel has them; the
 *                        machine's otherwise, flagged), zswap (bytes); memory.current, memory.swap.current
 * kdamond:  proc/PID/stat utime + stime (fields 14 and 15, clock ticks), converted to µs.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "root.h"

typedef struct MemCounters {
        uint64_t refaults;              /* pages */
        uint64_t swapins;               /* pages */
        uint64_t swapouts;              /* pages */
        uint64_t resident_bytes;
        uint64_t swap_bytes;
        uint64_t compressed_bytes;
        bool has_refaults, has_swapins, has_swapouts, has_resident, has_swap, has_compressed;
        bool swap_counts_machine_wide;  /* a cgroup whose memory.stat has no pswpin: the machine's counts */
} MemCounters;

/* The value of "KEY VALUE" (vmstat, memory.stat) or "KEY: VALUE kB" (meminfo, converted to bytes) lines.
 * -ENODATA if @key is not there, -EINVAL for a malformed value, -ERANGE on overflow. */
int mem_counters_find(const char *text, const char *key, uint64_t *ret);

/* @cgroup: an absolute cgroup path ("/system.slice/x.service"), NULL or "/" for the machine. What a kernel
 * does not have is left out (has_* false). Returns 0, -ENOENT if the cgroup does not exist, -errno. */
int mem_counters_read(const Root *root, const char *cgroup, MemCounters *ret);

/* utime + stime of @stat (the text of proc/PID/stat) in µs for @clk_tck ticks per second. -EINVAL. */
int proc_stat_parse_cpu_usec(const char *stat, long clk_tck, uint64_t *ret);
/* The same from proc/PID/stat below @root. -ESRCH if there is no such process. */
int proc_pid_cpu_usec(const Root *root, pid_t pid, uint64_t *ret);
/* The resident memory of process @pid from proc/PID/statm below @root (its second field, times the page
 * size). -ESRCH if there is no such process, -EINVAL for a malformed file. */
int proc_pid_rss_bytes(const Root *root, pid_t pid, uint64_t *ret);
