/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The DAMON sysfs driver: stage a DamonSpec into one kdamond directory, turn it on, update it online,
 * read back what it did. The contract:
 *
 * Ownership. A caller owns the kdamond indices it created with damon_sysfs_add_kdamond() (or recorded
 * earlier and adopts again after a restart). Every call that writes takes the index and refuses (-EPERM)
 * unless that index is in the DamonSysfs's owned set. Nothing of a kdamond that is not owned is ever
 * written. nr_kdamonds is written only by damon_sysfs_add_kdamond(), and only when that disturbs nobody:
 * no kdamond runs and every existing kdamond directory is owned (writing nr_kdamonds wipes and recreates
 * every kdamond directory, and fails with EBUSY while any kdamond runs: docs/damon-abi.md, facts 1 and 6).
 * Otherwise it returns -EBUSY and says which kdamond is in the way (DamonError).
 *
 * Writes. Staging reads each file first and writes only values that differ from the spec; nr_* files
 * are written only when the count changes (a write wipes the subtree). Numbers are decimal without
 * leading zeros. Values equal to the kernel default are not written, so they need no feature; any other
 * value that the probed kernel cannot take is refused (-EOPNOTSUPP) before anything is written, with an
 * error that names the setting, the missing feature and the Linux version that brings it. The write
 * order is that of the spec's image (damon-image.h, docs/damon-abi.md section 3).
 *
 * Blocking and EBUSY. All calls block the calling thread and are serialised on the DamonIO's lock.
 * Reads and writes retry EBUSY with a bounded back-off (damon-io.h); a call that still sees EBUSY
 * returns -EBUSY, and so does "on" when a DAMON module (damon_reclaim, damon_lru_sort, damon_stat)
 * holds DAMON exclusively. State commands (commit, update_*) block for about one sampling interval;
 * update_schemes_tried_regions for a whole apply interval.
 *
 * Errors are returned as -errno; where the kernel's errno alone would not tell a user what is wrong,
 * @reterr (may be NULL) receives one line of explanation. Nothing here logs above debug.
 */

#include <stdbool.h>
#include <stdint.h>

#include "damon-features.h"
#include "damon-io.h"
#include "damon-model.h"

#define DAMON_ADMIN_DIR "sys/kernel/mm/damon/admin"
#define DAMON_KDAMONDS_DIR DAMON_ADMIN_DIR "/kdamonds"

typedef struct DamonError {
        char message[512];
} DamonError;

typedef enum DamonKdamondState {
        DAMON_KDAMOND_OFF,
        DAMON_KDAMOND_ON,
        _DAMON_KDAMOND_STATE_MAX,
        _DAMON_KDAMOND_STATE_INVALID = -EINVAL,
} DamonKdamondState;

typedef struct DamonSysfs DamonSysfs;

/* @io must outlive the DamonSysfs. Until damon_sysfs_probe() (or damon_sysfs_set_features()) the
 * feature set is empty: only the 5.18 baseline can be staged. */
int damon_sysfs_new(DamonIO *io, DamonSysfs **ret);
DamonSysfs *damon_sysfs_free(DamonSysfs *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(DamonSysfs *, damon_sysfs_free);

DamonIO *damon_sysfs_io(const DamonSysfs *s);
const DamonFeatures *damon_sysfs_features(const DamonSysfs *s);

/* Probes the kernel's features (damon_features_probe()), staging probe children in an owned stopped
 * kdamond when there is one: nested files such as a goal's nid exist only below a staged scheme, so
 * callers add (or adopt) their kdamonds first and probe then. -ENOENT: no DAMON sysfs interface. */
int damon_sysfs_probe(DamonSysfs *s);
/* Uses @f instead of probing: for checking specs against another kernel generation. */
void damon_sysfs_set_features(DamonSysfs *s, const DamonFeatures *f);

/* Marks @index as owned without writing anything (adoption after a restart, from damond's own record).
 * -ENOENT if there is no such kdamond directory. */
int damon_sysfs_own(DamonSysfs *s, unsigned index);
void damon_sysfs_disown(DamonSysfs *s, unsigned index);
bool damon_sysfs_owns(const DamonSysfs *s, unsigned index);

/* Creates @n new kdamond directories at the end (the first index is the old nr_kdamonds) and owns them.
 * The kernel cannot change nr_kdamonds while any kdamond runs, so callers that will run several
 * kdamonds create them all before starting any (and may keep spares). Writing nr_kdamonds wipes the
 * staged values of existing owned stopped kdamonds; callers restage them with damon_sysfs_stage().
 * Each new kdamond gets its one context (nr_contexts 1) at once, and keeps it.
 * -EBUSY with @reterr filled when a kdamond is running or another user's kdamond is in the way. */
int damon_sysfs_add_kdamonds(DamonSysfs *s, unsigned n, unsigned *ret_first, DamonError *reterr);

/* Stages @spec into owned kdamond @index, running or not, writing only what differs. Returns the number
 * of files written (>= 0) or -errno. Nothing reaches a running kdamond until damon_sysfs_commit(). */
int damon_sysfs_stage(DamonSysfs *s, unsigned index, const DamonSpec *spec, DamonError *reterr);

/* Checks @spec against the probed features without touching anything: 0, or -EOPNOTSUPP with @reterr
 * naming the setting, the feature and its Linux version; -EINVAL for values the kernel rejects anyway
 * (sample_us > aggr_us, min_nr_regions < 3, overlapping regions, more than one paddr target, ...). */
int damon_sysfs_check_spec(DamonSysfs *s, const DamonSpec *spec, DamonError *reterr);

/* Stages @spec and turns the stopped kdamond on; then verifies state reads "on" and returns its pid in
 * @ret_pid (may be NULL). -EBUSY when a DAMON module holds DAMON, -EALREADY if it is already on. */
int damon_sysfs_start(DamonSysfs *s, unsigned index, const DamonSpec *spec, pid_t *ret_pid, DamonError *reterr);

/* Online update of a running kdamond: stages @spec and writes "commit" if anything changed. Returns the
 * number of files written including "commit" (0: nothing differed, nothing written). If staging or the
 * commit fails and @rollback (the spec the kdamond runs, may be NULL) is given, @rollback is staged
 * again so that sysfs keeps describing what runs. Needs DAMON_FEATURE_COMMIT (5.19); -ESRCH if the
 * kdamond is not running (it may have stopped by itself). -EAGAIN, with nothing committed, when every
 * scheme of the running spec (@rollback, else @spec) may be off by its watermarks: kernels before 6.14
 * handle commit only after an aggregation, which an inactive kdamond never reaches, so the write would
 * block until free memory changes; 6.14+ handle it at the kdamond's next watermark check, up to the
 * watermark interval later, with DAMON's sysfs locked for every other reader meanwhile. Callers retry
 * later. */
int damon_sysfs_commit(DamonSysfs *s, unsigned index, const DamonSpec *spec, const DamonSpec *rollback,
                       DamonError *reterr);

/* Writes the goals' current_value (and target_value) that differ from @spec and then
 * "commit_schemes_quota_goals"; nothing else is staged. Needs DAMON_FEATURE_QUOTA_GOALS and a running
 * kdamond. Returns the number of files written. -EAGAIN, with nothing written, in the case where
 * damon_sysfs_commands_may_wait() is true for @spec. */
int damon_sysfs_commit_goals(DamonSysfs *s, unsigned index, const DamonSpec *spec, DamonError *reterr);

/* Whether the kernel could hold a state command (commit, commit_schemes_quota_goals, update_*) to a
 * kdamond running @running: every scheme of @running may now be off by its free-memory watermarks (reads
 * proc/meminfo; true when it cannot tell). Such a kdamond only sleeps between watermark checks: kernels
 * before 6.14 take a commit only after an aggregation (never, while inactive) and the other commands at its
 * next watermark check; 6.14+ (damon_call()) takes every command at its next watermark check, up to the
 * shortest watermark interval later (5 s by default). Always false for a spec with a scheme without
 * watermarks. */
bool damon_sysfs_commands_may_wait(DamonSysfs *s, const DamonSpec *running);

/* Turns an owned kdamond off. Refreshes its stats first (so the last numbers stay readable). A kdamond
 * that had already stopped by itself is not an error (returns 0). */
int damon_sysfs_stop(DamonSysfs *s, unsigned index, DamonError *reterr);

/* --- read back (any kdamond, owned or not; reading never disturbs) --- */

typedef struct DamosSchemeStats {
        uint64_t nr_tried, sz_tried;
        uint64_t nr_applied, sz_applied;
        uint64_t sz_ops_filter_passed;          /* 6.14 */
        uint64_t qt_exceeds;
        uint64_t nr_snapshots;                  /* 7.0 */
        uint64_t effective_bytes;               /* 6.9: the quota the kernel's tuner settled on */
        bool has_effective_bytes;
} DamosSchemeStats;

typedef struct DamosTriedRegion {
        uint64_t start, end;
        uint64_t nr_accesses;
        uint64_t age;
        uint64_t sz_filter_passed;              /* 6.14 */
} DamosTriedRegion;

typedef struct DamonKdamondStatus {
        DamonKdamondState state;
        pid_t pid;                              /* -1 when off */
        uint64_t sample_us, aggr_us;            /* as the kernel last published them (tuned, 6.15+) */
        DamosSchemeStats *schemes;
        size_t n_schemes;
} DamonKdamondStatus;

void damon_kdamond_status_done(DamonKdamondStatus *st);

/* Reads state and pid only. */
int damon_sysfs_read_state(DamonSysfs *s, unsigned index, DamonKdamondState *ret_state, pid_t *ret_pid);

/* Refreshes (owned and running: update_schemes_stats, update_schemes_effective_quotas and
 * update_tuned_intervals where the kernel has them, or nothing when refresh_ms is set) and reads the
 * status of kdamond @index. For a kdamond not owned nothing is written: what the files hold is read. */
int damon_sysfs_read_status(DamonSysfs *s, unsigned index, DamonKdamondStatus *ret);

/* Fills tried_regions of owned running kdamond @index and reads scheme @scheme's regions and
 * total_bytes. Needs DAMON_FEATURE_TRIED_REGIONS (total_bytes: TRIED_BYTES, else the sum). Blocks for one
 * apply interval. -ECANCELED if every scheme is inactive (watermarks). */
int damon_sysfs_read_tried_regions(DamonSysfs *s, unsigned index, size_t scheme,
                                   DamosTriedRegion **ret_regions, size_t *ret_n, uint64_t *ret_total_bytes);

/* Whether a kdamond we believe running has stopped by itself (its vaddr targets all exited): returns 1 if
 * it reads off (pid -1), 0 if it still runs, -errno. */
int damon_sysfs_check_stopped(DamonSysfs *s, unsigned index);

/* Reads nr_kdamonds and the state of each: for reporting who holds DAMON. */
int damon_sysfs_count_kdamonds(DamonSysfs *s, unsigned *ret_nr, unsigned *ret_nr_running);
