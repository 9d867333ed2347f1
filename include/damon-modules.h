/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The special-purpose DAMON modules (DAMON_RECLAIM, DAMON_LRU_SORT, DAMON_STAT) driven through their
 * module parameters, "sys/module/damon_<name>/parameters/<param>" below the DamonIO's root
 * (docs/damon-abi.md, fact 6 and section 5). Everything is probed by file presence.
 *
 * Writes. Nothing is written that the caller did not ask for: damon_module_write_params() writes only
 * the named parameters, and only those whose value differs from what the file holds; enabled and
 * commit_inputs are written only by the functions named for them. Numbers are written in decimal
 * without leading zeros, booleans as Y/N. The sysfs kdamonds are only ever read (their state), never
 * written.
 *
 * Applying. Runtime changes of a running module take effect only after commit_inputs=Y (5.19+ reclaim,
 * every lru_sort). On older kernels writing it returns at once; the kernel consumes it on the kdamond's
 * next damon_call or callback (after the next sampling interval, or after the watermark check interval
 * wmarks_interval while the module's scheme is deactivated by watermarks) and resets it to N. Newer
 * kernels do the same inside the write (see damon_module_commit()). damon_module_wait_commit() polls
 * for that with a bounded back-off. Invalid inputs may stop the module (the kdamond exits, kdamond_pid
 * reads -1, enabled may read N): the waits check for that and return -ESRCH, the one errno meaning "the
 * kernel took the inputs and the module is no longer running". A module without commit_inputs (reclaim
 * on 5.16-5.18) takes new values only through an off/on cycle, which damon_module_restart() does on
 * request; no function here does it implicitly.
 *
 * Exclusivity. The modules start DAMON exclusively: a module cannot be enabled while any sysfs kdamond
 * runs or another module holds DAMON, and sysfs "on" fails while a module holds it (EBUSY both ways).
 *
 * Blocking. Every call blocks the calling thread on small sysfs reads and writes (see damon-io.h for
 * the EBUSY retries). The wait and restart functions also sleep, in steps of DAMON_MODULE_POLL_FIRST_USEC
 * doubling up to DAMON_MODULE_POLL_MAX_USEC, for at most @timeout_usec in total (measured as the sum of
 * sleeps). Nothing here logs.
 *
 * Errors (besides those of the DamonIO): -EOPNOTSUPP the module or parameter does not exist on this
 * kernel; -EINVAL a parameter name this table does not know, a bad value, or a duplicate; -EPERM a
 * read-only parameter; -EBADMSG the kernel printed a value of a known parameter that does not parse;
 * -ETIMEDOUT a bounded wait ran out; -ESRCH the module stopped (see above); -EBUSY exclusivity.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damon-features.h"
#include "damon-io.h"

#define DAMON_MODULES_DIR "sys/module"

#define DAMON_MODULE_POLL_FIRST_USEC UINT64_C(5000)
#define DAMON_MODULE_POLL_MAX_USEC UINT64_C(500000)
/* A timeout that covers the default watermark check interval (5 s) of reclaim and lru_sort. */
#define DAMON_MODULE_DEFAULT_TIMEOUT_USEC (6 * USEC_PER_SEC)

/* DAMON_STAT's memory_idle_ms_percentiles: p0..p100 */
#define DAMON_STAT_N_PERCENTILES 101

typedef enum DamonModuleParamType {
        DAMON_MODULE_PARAM_BOOL,        /* Y/N */
        DAMON_MODULE_PARAM_U64,
        DAMON_MODULE_PARAM_S64,         /* kdamond_pid: -1 when not running */
        DAMON_MODULE_PARAM_STRING,      /* memory_idle_ms_percentiles */
        _DAMON_MODULE_PARAM_TYPE_MAX,
        _DAMON_MODULE_PARAM_TYPE_INVALID = -EINVAL,
} DamonModuleParamType;

typedef struct DamonModuleParamInfo {
        const char *name;
        DamonModuleParamType type;
        bool read_only;         /* the kernel refuses writes: kdamond_pid and the statistics */
        bool stat;              /* a statistic the kernel updates while the module runs */
        const char *since;      /* mainline version that added it, "5.16" */
        const char *unit;       /* "us", "ms", "bytes", "permil", "bp", "regions", "B/s", or NULL */
} DamonModuleParamInfo;

/* The directory name below sys/module is damon_module_to_string() (damon-features.h).
 * damon_module_from_name() takes that or the short form: "damon_reclaim" or "reclaim", and so on. */
DamonModule damon_module_from_name(const char *s);

/* The parameters this table knows for @m, every version's (sections 5.1-5.3). Returns the count. */
size_t damon_module_param_table(DamonModule m, const DamonModuleParamInfo **ret);
/* NULL if @name is not a parameter of @m that this table knows. */
const DamonModuleParamInfo *damon_module_param_info(DamonModule m, const char *name);

/* Bit (1 << DamonModule) set for every module whose parameters/enabled exists. */
int damon_modules_present(DamonIO *io, unsigned *ret_mask);
/* 1 if the parameter file exists, 0 if not (or the module does not exist), -errno. */
int damon_module_has_param(DamonIO *io, DamonModule m, const char *name);
/* The parameter files that exist, known or not, sorted. -EOPNOTSUPP if the module does not exist. */
int damon_module_list_params(DamonIO *io, DamonModule m, char ***ret_names);

typedef struct DamonModuleValue {
        char *name;
        const DamonModuleParamInfo *info;       /* NULL: a parameter newer than this table */
        char *raw;                              /* as read, trailing newline stripped */
        union {                                 /* by info->type; unset for STRING and unknown */
                bool b;
                uint64_t u64;
                int64_t s64;
        };
} DamonModuleValue;

typedef struct DamonModuleParams {
        DamonModule module;
        size_t n;
        DamonModuleValue *values;               /* in the order of damon_module_list_params() */
} DamonModuleParams;

/* Reads every parameter file of @m (a snapshot: the kernel may change statistics between reads).
 * Unknown parameters are kept raw. No partial output on error. */
int damon_module_read_params(DamonIO *io, DamonModule m, DamonModuleParams **ret);
DamonModuleParams *damon_module_params_free(DamonModuleParams *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(DamonModuleParams *, damon_module_params_free);
const DamonModuleValue *damon_module_params_get(const DamonModuleParams *p, const char *name);

/* Parses memory_idle_ms_percentiles: exactly 101 comma-separated integers in ms (negative from 6.18:
 * regions that were accessed). -EINVAL otherwise. */
int damon_stat_parse_percentiles(const char *s, int64_t ret[DAMON_STAT_N_PERCENTILES]);

typedef struct DamonModuleState {
        bool present;           /* the module exists on this kernel */
        bool enabled;           /* parameters/enabled reads Y */
        bool has_kdamond_pid;   /* damon_stat has none */
        int64_t kdamond_pid;    /* -1 when not running or !has_kdamond_pid */
        bool has_commit_inputs; /* online commit possible (5.19+ reclaim, lru_sort) */
} DamonModuleState;

/* The module's state; a module that does not exist gives 0 and present = false. */
int damon_module_read_state(DamonIO *io, DamonModule m, DamonModuleState *ret);
/* The pid of @m's kdamond (@s from damon_module_read_state()): its kdamond_pid parameter where the
 * kernel has one (damon_stat only from 7.2), else, while @m is enabled, the kernel thread named
 * "kdamond.N" below proc/ (an enabled module holds DAMON exclusively, so any kdamond is its own).
 * 1 and *ret_pid, or 0 and -1 when it runs none or none was found. Only reads. */
int damon_module_kdamond_pid(DamonIO *io, DamonModule m, const DamonModuleState *s, int64_t *ret_pid);

/* What DAMON_STAT publishes for the whole machine (docs/damon-abi.md, section 5), read without writing anything. */
typedef struct DamonStatReadout {
        bool present;                   /* the kernel has DAMON_STAT */
        bool enabled;                   /* it runs: the rest is filled */
        int64_t kdamond_pid;            /* -1: not known */
        uint64_t aggr_interval_us;      /* its auto-tuned aggregation interval; UINT64_MAX before 6.18 */
        uint64_t bandwidth;             /* estimated_memory_bandwidth, bytes per second */
        bool has_percentiles;
        int64_t idle_ms[DAMON_STAT_N_PERCENTILES];      /* p0..p100; negative: accessed for that long */
} DamonStatReadout;

int damon_stat_read(DamonIO *io, DamonStatReadout *ret);

/* A module holds DAMON when enabled=Y or its kdamond_pid is not -1 (a kdamond that is still stopping). */
bool damon_module_state_holds(const DamonModuleState *s);

/* Whether a module holds DAMON: 1 and *ret_module (may be NULL) if one does (the first one in enum
 * order; the kernel lets only one run), 0 if none does. */
int damon_modules_holder(DamonIO *io, DamonModule *ret_module);

typedef enum DamonModuleBlockerKind {
        DAMON_MODULE_BLOCKER_NONE,
        DAMON_MODULE_BLOCKER_MODULE,    /* another module holds DAMON */
        DAMON_MODULE_BLOCKER_KDAMOND,   /* a sysfs kdamond is on */
} DamonModuleBlockerKind;

typedef struct DamonModuleBlocker {
        DamonModuleBlockerKind kind;
        DamonModule module;             /* for _MODULE */
        unsigned kdamond;               /* for _KDAMOND: the index below admin/kdamonds */
} DamonModuleBlocker;

/* Whether enabling @m would succeed as far as exclusivity goes. Reads the other modules' state and
 * kdamonds/<K>/state (never writes). Returns 1 if @m already holds DAMON, 0 if it can be enabled,
 * -EBUSY with *ret_blocker (may be NULL) saying what is in the way, -EOPNOTSUPP if @m does not exist. */
int damon_module_can_enable(DamonIO *io, DamonModule m, DamonModuleBlocker *ret_blocker);

/* Writes enabled=Y or N once (its EBUSY means exclusivity, so it is not retried) and returns without
 * waiting: on 5.16-5.18 a timer acts on it within a second; later kernels act in the write. */
int damon_module_set_enabled(DamonIO *io, DamonModule m, bool enabled);

typedef struct DamonModuleSetting {
        const char *name;
        uint64_t value;         /* booleans: 0 or 1 */
} DamonModuleSetting;

/* Writes the named parameters whose files hold a different value, in the given order. Everything is
 * validated before the first write: known, writable, not enabled/commit_inputs (-EINVAL: use the
 * functions for those), present on this kernel, booleans 0/1, no name twice. On error *ret_failed (may
 * be NULL) is the index of the setting at fault. Returns the number of files written. The values reach
 * a running module only through damon_module_commit() or damon_module_restart(); a stopped module
 * uses them when it is enabled. */
int damon_module_write_params(
                DamonIO *io,
                DamonModule m,
                const DamonModuleSetting *settings,
                size_t n,
                size_t *ret_failed);

/* Writes commit_inputs=Y if @m is enabled: 1 if written, 0 if the module is not enabled (nothing
 * written; the parameters apply when it is enabled), -EOPNOTSUPP without commit_inputs (use
 * damon_module_restart()). Older kernels store the Y and the write returns at once. Newer ones handle
 * the write with damon_call() (mm/damon/reclaim.c damon_reclaim_commit_inputs_store): it blocks until
 * the kdamond applied the inputs (a sampling interval, or up to wmarks_interval while watermarks keep
 * the scheme off) and fails with the apply error, -EINVAL or -ENOMEM, while the module keeps running
 * on its old inputs; commit_inputs then never reads Y and damon_module_wait_commit() returns at once. */
int damon_module_commit(DamonIO *io, DamonModule m);
/* Waits until the kernel consumed commit_inputs (it reads N), then checks that the module still runs.
 * 0, -ETIMEDOUT, -ESRCH. */
int damon_module_wait_commit(DamonIO *io, DamonModule m, uint64_t timeout_usec);

/* The off/on cycle for a module without commit_inputs (works with any module): enabled=N, wait for
 * its kdamond to exit (5.16-5.18 act on enabled from a 1 s timer, so Y written before the old kdamond
 * is gone would go unseen), enabled=Y, wait for a kdamond. Holds the DamonIO lock throughout, so no
 * other user of the same DamonIO starts a kdamond in the gap. Returns 1 after a restart, 0 if the
 * module was not enabled (nothing written), -ETIMEDOUT (the old kdamond did not exit, and enabled is
 * left N; or, after Y, no new kdamond showed in time and it may still come), -ESRCH (it did not come
 * back: the inputs were refused on an old kernel), or the error of the Y write (newer kernels start the
 * module inside it: -EBUSY when a sysfs kdamond or another module took DAMON in the gap, -EINVAL for
 * refused inputs), after which the module is off. */
int damon_module_restart(DamonIO *io, DamonModule m, uint64_t timeout_usec);

/* damon_module_write_params(), then, if anything was written and the module is enabled,
 * damon_module_commit() and damon_module_wait_commit(). An enabled module without commit_inputs is
 * refused with -EOPNOTSUPP before anything is written (the caller decides on a restart). Returns the
 * number of parameters written. If a previous commit timed out, the values may already be in the
 * files: call damon_module_commit() explicitly then. */
int damon_module_apply(
                DamonIO *io,
                DamonModule m,
                const DamonModuleSetting *settings,
                size_t n,
                uint64_t timeout_usec,
                size_t *ret_failed);
