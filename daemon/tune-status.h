/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What damond knows about a running profile beyond its sysfs spec: per scheme the last statistics read,
 * the quota the tuning loop has the kernel apply, the goals with their current values and the last tuning
 * decision; per profile the pressure signal it is guarded by. Filled by the tuning loop (manager-tune.c)
 * and the status refresh, read by STATUS=, the D-Bus objects (docs/dbus-api.md) and tests.
 *
 * Ownership: a ManagedProfile owns its ProfileTuneStatus; tune_status_done() frees what it holds.
 * Everything is in the units the D-Bus API documents: bytes, microseconds, CLOCK_REALTIME µs for times.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "damon-sysfs.h"

/* UINT64_MAX in a value: not known (yet). */
#define TUNE_UNKNOWN UINT64_MAX

typedef enum TuneState {
        TUNE_STATE_NONE,        /* nothing tunes this scheme: no goals, no guard */
        TUNE_STATE_TUNING,      /* goals and guard work normally */
        TUNE_STATE_BACKED_OFF,  /* pressure crossed the back-off threshold: quota cut, rising slowly again */
        TUNE_STATE_PAUSED,      /* pressure stayed above the ceiling: the scheme applies nothing */
        _TUNE_STATE_MAX,
        _TUNE_STATE_INVALID = -EINVAL,
} TuneState;

/* "none", "tuning", "backed-off", "paused" */
const char *tune_state_to_string(TuneState s);

typedef struct GoalStatus {
        int metric;                     /* DamosGoalMetric or ProfileGoalMetric */
        bool fed_by_damond;             /* damond measures it (user_input feed or its own quota tuning) */
        uint64_t target;                /* in the metric's unit */
        uint64_t current;               /* last value measured or read; TUNE_UNKNOWN */
        char *cgroup;                   /* the cgroup the metric is about, or NULL */
        uint64_t node;                  /* the NUMA node it is about, where it has one */
} GoalStatus;

typedef struct SchemeTuneStatus {
        char *name;                     /* [Scheme NAME] */
        int action;                     /* DamosAction */
        DamosSchemeStats stats;         /* last read (damon-sysfs.h) */
        bool has_stats;
        uint64_t quota_size;            /* QuotaSize= as configured, bytes; 0: none */
        uint64_t quota_applied;         /* the size quota damond has the kernel apply now; 0: as configured */
        uint64_t effective_quota;       /* what the kernel's tuner settled on (6.9+) or damond's own; or
                                         * TUNE_UNKNOWN */
        TuneState state;
        GoalStatus *goals;
        size_t n_goals;
        uint64_t last_decision_usec;    /* CLOCK_REALTIME µs of the last tuning decision; 0: none yet */
        char *last_decision;            /* one line with the numbers that caused it, or NULL */
        char *activity;                 /* why it acts or is idle, and what would wake it; NULL: not known */
} SchemeTuneStatus;

typedef struct PressureStatus {
        char *source;                   /* "system", or the cgroup path (relative to the cgroup root) */
        uint32_t some_avg10;            /* hundredths of a percent (psi.h) */
        uint32_t full_avg10;
        uint64_t window_stall_usec;     /* "some" stall in the last tuning window, TUNE_UNKNOWN */
        uint64_t window_usec;           /* that window's length */
        uint64_t ceiling_usec;          /* stall per second above which schemes pause; 0: no ceiling */
        uint64_t task_delay_usec;       /* vaddr: the targets' memory delays (taskstats) in the last window,
                                         * TUNE_UNKNOWN */
} PressureStatus;

typedef struct ProfileTuneStatus {
        SchemeTuneStatus *schemes;      /* one per compiled scheme, in spec order */
        size_t n_schemes;
        PressureStatus pressure;
        bool has_pressure;
} ProfileTuneStatus;

void tune_status_done(ProfileTuneStatus *s);

/* One line saying whether scheme @sc (compiled; @aggr_us its aggregation interval) acts, and if not why
 * and what would wake it, from its status @st and the free memory now (@free_permil, as the
 * free_mem_rate watermarks measure it; UINT64_MAX: not known):
 *   "idle: free memory 65% is above the 50% watermark; it resumes below 40%"
 *   "backed off: stall 3.0ms/s against a 1.0ms goal"
 *   "waiting: no memory has been idle for 2min yet"
 *   "active: applied 12.0M of 80.0M tried"
 * Returns a new string in *ret, or -ENOMEM. */
int scheme_activity(const DamosScheme *sc, uint64_t aggr_us, const SchemeTuneStatus *st, uint64_t free_permil,
                    char **ret);
