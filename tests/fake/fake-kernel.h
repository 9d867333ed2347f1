/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A kernel-faithful fake of DAMON's sysfs interface and module parameters, for unit tests.
 *
 * It lives in a temporary directory laid out like a root (sys/kernel/mm/damon/admin/..., sys/module/
 * damon_*\/parameters/..., proc/pressure/memory) and gives a DamonIO whose reads are real reads of that
 * tree (the real backend, damon_io_root_ops) and whose writes behave like the kernel's:
 *   - writing any nr_* file removes every child and creates N children holding the kernel defaults of
 *     the chosen generation's file set; nr_kdamonds fails with EBUSY while any kdamond is on;
 *     nr_contexts takes only 0 or 1;
 *   - read-only files (stats, pid, effective_bytes, avail_operations, the modules' read-outs) are mode
 *     0400 and the others 0600, as the kernel's;
 *   - leaf files parse like the kernel (kstrtoul base 0, kstrtobool, keywords of that generation) and
 *     fail with EINVAL otherwise; read-only files fail with EACCES;
 *   - state keywords with their preconditions: on (EBUSY if on, or if a DAMON module is enabled;
 *     EINVAL on invalid staged input), off (EINVAL if never started, EPERM after it stopped by itself),
 *     commit and the update_* / commit_* commands (EINVAL when not running, EINVAL when the generation
 *     lacks the keyword); on and commit validate the staged tree as the kernel does and record it as
 *     the running configuration;
 *   - update_schemes_stats, update_schemes_effective_quotas, update_tuned_intervals and
 *     update_schemes_tried_regions/bytes write plausible non-zero read-back files;
 *   - modules: enabling one fails with EBUSY while any sysfs kdamond runs or another module is on;
 *     commit_inputs=Y is consumed (reads back N) while the module is enabled.
 * Errors can be injected at any write, and the lock can be made busy for the next N accesses.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "damon-features.h"
#include "damon-io.h"
#include "root.h"

typedef enum FakeKernelGen {
        FAKE_GEN_5_18,
        FAKE_GEN_6_1,
        FAKE_GEN_6_12,
        FAKE_GEN_6_17,
        FAKE_GEN_6_18,
        FAKE_GEN_7_2,
        _FAKE_GEN_MAX,
        _FAKE_GEN_INVALID = -EINVAL,
} FakeKernelGen;

typedef struct FakeKernel FakeKernel;

/* "5.18", "6.1", "6.12", "6.17", "6.18", "7.2" */
FakeKernelGen fake_kernel_gen_from_string(const char *s);
const char *fake_kernel_gen_to_string(FakeKernelGen g);
/* The generation named by $DAMOND_FAKE_KERNEL (the unit suites run once per generation), default 6.18. */
FakeKernelGen fake_kernel_gen_from_env(void);

/* A new fake kernel with nr_kdamonds=0 in a new temporary directory ($TMPDIR, else /dev/shm, else
 * /tmp). @with_modules adds the generation's damon_reclaim and damon_lru_sort (6.0+) parameters, all
 * disabled. */
int fake_kernel_new(FakeKernelGen gen, bool with_modules, FakeKernel **ret);
/* Removes the temporary directory (when called by the process that created it). A process that exits
 * without freeing its fake kernels, as a failed Check assertion does, removes their trees at exit. */
FakeKernel *fake_kernel_free(FakeKernel *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(FakeKernel *, fake_kernel_free);

FakeKernelGen fake_kernel_gen(const FakeKernel *k);
const char *fake_kernel_root_path(const FakeKernel *k);
const Root *fake_kernel_root(const FakeKernel *k);
/* The DamonIO that tests hand to the code under test. Owned by the fake kernel. Its sleep_usec does
 * not sleep; it counts (fake_kernel_slept_usec). */
DamonIO *fake_kernel_io(FakeKernel *k);
uint64_t fake_kernel_slept_usec(const FakeKernel *k);

/* Another DAMON user (damo, a script) creates a kdamond of its own at the end, stages a paddr
 * pageout scheme into it, and turns it on if @running. Goes through the fake kernel's semantics, not
 * through fake_kernel_io()'s counters or write log. Fails with -EBUSY like the kernel would when a
 * kdamond is running (nr_kdamonds). */
int fake_kernel_add_foreign_kdamond(FakeKernel *k, bool running, unsigned *ret_index);

/* A text dump "relpath=value\n" of every file below @subtree (relative to the root), sorted, for
 * "nothing changed" assertions. */
int fake_kernel_snapshot(FakeKernel *k, const char *subtree, char **ret);

/* Every write through fake_kernel_io() is logged as "relpath value\n" (relpath relative to the
 * kdamonds/ directory when below it, else to the root), with " -> -ERRNO" appended on failure. The log
 * keeps at most FAKE_KERNEL_WRITE_LOG_MAX bytes: beyond, its older half is dropped (a soak of thousands
 * of reloads must not grow it without bound; tests that read it clear it first, far below that). */
#define FAKE_KERNEL_WRITE_LOG_MAX (1024 * 1024)
const char *fake_kernel_write_log(const FakeKernel *k);
size_t fake_kernel_n_writes(const FakeKernel *k);   /* successful ones, since creation */
/* Empties the log; fake_kernel_n_writes() keeps counting. */
void fake_kernel_clear_write_log(FakeKernel *k);

/* The next write to a path ending in @suffix fails with @error (a negative errno); @count times
 * (0 = every time until cleared). Errors are injected before the fake applies any effect. */
void fake_kernel_inject_write_error(FakeKernel *k, const char *suffix, int error, unsigned count);
/* The write attempt @n (0: the next one) from now fails with @error, whatever its path: a test that
 * counted the writes of a step (fake_kernel_n_write_attempts()) walks every one of them. Once. */
void fake_kernel_inject_nth_write_error(FakeKernel *k, size_t n, int error);
/* For a test that drives another process (damond-fake): before each write, if @path exists, its lines
 * "SUFFIX ERRNO [COUNT]" (ERRNO a name: EIO, EINVAL, ENOMEM, EBUSY, ENOSPC, EPERM, ENOENT; COUNT default
 * 1, 0 = until cleared) become fake_kernel_inject_write_error() calls, and the file is removed. NULL: none. */
int fake_kernel_set_inject_file(FakeKernel *k, const char *path);
/* Writes tried through fake_kernel_io() since creation, failed ones included. */
size_t fake_kernel_n_write_attempts(const FakeKernel *k);
/* Clears the suffix injections and a pending nth-write one. */
void fake_kernel_clear_injections(FakeKernel *k);
/* The next @count accesses to nr_*, state or pid files (reads or writes) fail with -EBUSY. */
void fake_kernel_set_lock_busy(FakeKernel *k, unsigned count);

/* The running configuration of kdamond @index: the value of @relpath (relative to kdamonds/INDEX/)
 * as of the last on/commit, into @buf. -ENOENT if never started or no such file. */
int fake_kernel_running_value(FakeKernel *k, unsigned index, const char *relpath, char *buf, size_t size);
/* The whole running configuration of kdamond @index ("relpath=value\n", sorted, as of the last
 * on/commit/commit_schemes_quota_goals), NULL if never started; and whether it is on now. */
const char *fake_kernel_running_config(const FakeKernel *k, unsigned index);
bool fake_kernel_kdamond_on(const FakeKernel *k, unsigned index);
/* How many times kdamond @index was turned on, and how many commits it received. */
unsigned fake_kernel_n_starts(const FakeKernel *k, unsigned index);
unsigned fake_kernel_n_commits(const FakeKernel *k, unsigned index);

/* All vaddr targets of kdamond @index exit: it stops by itself (state off, pid -1). */
int fake_kernel_targets_exit(FakeKernel *k, unsigned index);

/* Enables or disables a module as its user would (with its exclusivity rules); -EBUSY as the kernel. */
int fake_kernel_set_module_enabled(FakeKernel *k, DamonModule m, bool enabled);

/* Writes @content to @relpath below the root, creating directories: for PSI files and fixtures. */
int fake_kernel_write_file(FakeKernel *k, const char *relpath, const char *content);

/* --- additions beyond the original contract --- */

/* Live processes. A vaddr/fvaddr pid_target is valid at on/commit only if proc/PID exists below the
 * fake root (the kernel's find_get_pid(); otherwise EINVAL). A new fake kernel has only pid 1; tests add
 * the pids they target with this (it creates proc/PID/comm). fake_kernel_targets_exit() removes the
 * proc/PID of the kdamond's targets: the processes are gone, so a later "on" with them fails. */
int fake_kernel_add_process(FakeKernel *k, pid_t pid);

/* Registered operations sets, 1 << DamonOps (default vaddr, fvaddr (5.19+) and paddr). Rewrites every
 * existing avail_operations file; "on"/"commit" with an unregistered set fail with EINVAL. */
int fake_kernel_set_avail_ops(FakeKernel *k, unsigned ops_mask);

/* Adds DAMON_STAT (damon_stat parameters: enabled, estimated_memory_bandwidth,
 * memory_idle_ms_percentiles, aggr_interval_us from 6.18, kdamond_pid from 7.2), enabled at boot if @enabled
 * (CONFIG_DAMON_STAT_ENABLED_DEFAULT=y: it then holds DAMON exclusively, so every sysfs "on" fails with
 * EBUSY until it is disabled). While enabled its read-outs are non-zero: 101 percentiles, the first ten
 * negative. -EOPNOTSUPP before 6.17, -EEXIST if already added. */
int fake_kernel_add_stat_module(FakeKernel *k, bool enabled);

/* The system's free memory in permil, as the watermarks' free_mem_rate metric sees it (default 300).
 * When every scheme of a running kdamond has free_mem_rate watermarks that deactivate it (free above
 * high or below low, as of the last on/commit), update_schemes_tried_regions and
 * update_schemes_tried_bytes fail with ECANCELED, as on the kernel. */
void fake_kernel_set_free_mem_permil(FakeKernel *k, uint64_t permil);
/* Commits a real 6.12 kernel would have blocked forever (written while every scheme of the running
 * kdamond was off by its watermarks: before 6.14 commit is handled only after an aggregation). The fake
 * fails them with -EDEADLK and counts them here. proc/meminfo follows fake_kernel_set_free_mem_permil(). */
unsigned fake_kernel_n_hung_commits(const FakeKernel *k);
/* From 6.14 the state commands (all but on and off) go through damon_call(), and a kdamond whose schemes
 * are all off by their watermarks serves them only after sleeping until its next watermark check: the
 * writer waits up to the shortest watermark interval_us of its schemes (5 s by default;
 * update_schemes_tried_regions/bytes then fail with ECANCELED, as above). The fake serves them at once
 * and counts them here, with the wait each would have cost. */
unsigned fake_kernel_n_held_commands(const FakeKernel *k);
uint64_t fake_kernel_held_usec(const FakeKernel *k);
/* From 6.14 update_schemes_tried_regions/bytes go through damos_walk(): the writer waits, holding DAMON's
 * sysfs lock (every state or pid read meanwhile fails with EBUSY), until every running scheme has been
 * applied over a whole apply interval (apply_interval_us, or the current, possibly tuned, aggregation
 * interval when 0): up to two of the longest. The fake serves them at once; it counts them and keeps the
 * longest wait one would have cost. */
unsigned fake_kernel_n_walks(const FakeKernel *k);
uint64_t fake_kernel_max_walk_usec(const FakeKernel *k);

/* How many commit_schemes_quota_goals kdamond @index handled (they are not counted as commits), and
 * how many commit_inputs requests a running module consumed. */
unsigned fake_kernel_n_goal_commits(const FakeKernel *k, unsigned index);
unsigned fake_kernel_module_n_commits(const FakeKernel *k, DamonModule m);

/*
 * Details the tests can rely on:
 *   - fake kdamond and module pids count up from 4000; pid reads -1 while off;
 *   - memcg_path (trailing newline ignored) must name a directory below sys/fs/cgroup of the fake root
 *     at on/commit, else ENOMEM; sys/fs/cgroup exists (cgroup.controllers), create sub-groups with
 *     fake_kernel_write_file();
 *   - update_schemes_stats writes, for scheme S after the Nth update_* command of that kdamond,
 *     nr_tried = 10*N*(S+1), sz_tried = nr_tried*65536, nr_applied = nr_tried/2, qt_exceeds = N;
 *     update_schemes_effective_quotas writes quotas/bytes if set, else N MiB; update_tuned_intervals
 *     writes the running intervals, doubled sample_us (within min/max_sample_us, aggr_us keeping its
 *     ratio) when intervals_goal/aggrs was non-zero at the last on/commit; update_schemes_tried_regions
 *     creates one tried region per region of target 0 (at most 3; one made-up 1 MiB region if none);
 *   - "on" starts the kernel's stats from zero again (the next update_schemes_stats reads nr_tried = 10);
 *   - refresh_ms (6.17+, read live): while a kdamond runs with a non-zero refresh_ms, every read of
 *     its stats files, quotas/effective_bytes or intervals/{sample_us,aggr_us} through fake_kernel_io()
 *     first does what update_schemes_stats, update_schemes_effective_quotas and update_tuned_intervals
 *     do, so staged intervals are overwritten as on the kernel (docs/damon-abi.md, fact 8);
 *   - a number too large for its file fails with ERANGE, as kstrto*() makes the kernel answer;
 *   - clear_schemes_tried_regions needs a running kdamond before 6.14 only (6.18 takes it when off);
 *   - fake_kernel_targets_exit() fails with -EINVAL when the kdamond is not running or monitors paddr
 *     (a paddr kdamond never stops by itself);
 *   - ≤6.14 commit errors leave the kdamond running, as 6.15+ does;
 *   - the foreign kdamond is paddr over 4 GiB..6335692800 with one pageout scheme (quota 50 ms / 128 MiB
 *     per 1000 ms), one some_mem_psi_us goal (6.8+; the metric from 6.9), and filters: 6.15+ ops_filters
 *     [anon reject, unmapped allow], 6.3-6.14 one filters/ anon reject.
 */
