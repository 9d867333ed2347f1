/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What damonctl knows of damond: the D-Bus properties of docs/dbus-api.md, one field per property, in
 * the API's units (bytes, µs, CLOCK_REALTIME µs, hundredths of a percent) and with its "not known"
 * values (UINT64_MAX, -1, 0 for a time that never was). damonctl-bus.c fills these from the bus,
 * damonctl-format.c renders them, and the unit tests build them by hand, so rendering is tested without
 * a bus. Nothing here depends on the daemon's own structures: damonctl is a client of the API only.
 *
 * Ownership: every pointer is owned by the struct that holds it; string lists are NULL-terminated.
 * The *_done() functions free what a struct holds and leave it zeroed; they accept zeroed structs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UINT64_MAX in a 't' value: not known. */
#define CTL_UNKNOWN UINT64_MAX

typedef struct CtlStat {
        char *name;                     /* nr_tried, sz_applied, ... as the kernel names them */
        uint64_t value;
} CtlStat;

typedef struct CtlGoal {
        char *metric;                   /* some_mem_psi_us, node_mem_used_bp, cgroup_mem_usage, ... */
        bool fed_by_damond;
        uint64_t target;                /* in the metric's unit */
        uint64_t current;               /* CTL_UNKNOWN */
        char *cgroup;                   /* "" for none */
        uint64_t node;
} CtlGoal;

typedef struct CtlScheme {
        char *name;
        char *action;
        CtlStat *stats;
        size_t n_stats;
        uint64_t quota_size;            /* QuotaSize=, 0: none */
        uint64_t quota_applied;         /* 0: as configured */
        uint64_t effective_quota;       /* CTL_UNKNOWN */
        char *tune_state;               /* none, tuning, backed-off, paused */
        CtlGoal *goals;
        size_t n_goals;
        uint64_t last_decision_usec;    /* 0: none yet */
        char *last_decision;
        char *activity;                 /* SchemeActivity: why it acts or idles; NULL: not told */
} CtlScheme;

typedef struct CtlPressure {
        char *source;                   /* "system" or a cgroup path */
        uint32_t some_avg10;            /* hundredths of a percent */
        uint32_t full_avg10;
        uint64_t window_stall_usec;     /* CTL_UNKNOWN */
        uint64_t window_usec;
        uint64_t ceiling_usec;          /* stall per second above which schemes pause; 0: none */
        uint64_t task_delay_usec;       /* CTL_UNKNOWN */
} CtlPressure;

/* One memory tier of a profile with Nodes=auto (the Tiers property). */
typedef struct CtlTier {
        uint32_t id;                    /* N of memory_tier<N> */
        uint32_t *nodes;
        size_t n_nodes;
        uint64_t promoted_in;           /* bytes; CTL_UNKNOWN: no scheme promotes into it */
        uint64_t promoted_out;          /* CTL_UNKNOWN likewise */
        uint64_t demoted_in;
        uint64_t demoted_out;
        uint64_t free_bytes;            /* CTL_UNKNOWN */
        uint64_t total_bytes;           /* CTL_UNKNOWN */
        uint64_t free_target;           /* hundredths of a percent; 0: none */
} CtlTier;
/* org.damond1.Observe (docs/dbus-api.md) */
#define CTL_N_PERCENTILES 7             /* p10 p25 p50 p75 p90 p95 p99 */
typedef struct CtlSavings {
        char *period;                   /* start, minute, hour */
        uint64_t duration_usec;
        CtlStat *applied;               /* per action class */
        size_t n_applied;
        uint64_t refault_bytes, swapin_bytes, swapout_bytes, cpu_usec, cpu_permyriad, stall_usec; /* CTL_UNKNOWN */
        int64_t resident_change_bytes;  /* INT64_MIN: not known */
} CtlSavings;

typedef struct CtlObserve {
        bool present;                   /* damond has the interface */
        uint64_t access_time_usec;      /* 0: no snapshot */
        uint64_t wss_bytes, wss_window_usec, total_bytes, n_regions;
        uint64_t *idle_usec;            /* CTL_N_PERCENTILES of them, or NULL */
        size_t n_idle;
        uint64_t n_snapshots, n_failed, n_held, held_bytes, max_bytes;
        char *unavailable;
        CtlSavings *savings;
        size_t n_savings;
        char *cgroup;
        uint64_t resident_bytes, baseline_bytes, swap_bytes, compressed_bytes;  /* CTL_UNKNOWN */
} CtlObserve;

typedef struct CtlProfile {
        char *name;
        char *object_path;
        char *description;
        char *path;
        char **files;
        bool enabled;
        char *state;                    /* running, stopped, blocked, waiting, failed, disabled */
        char *state_reason;
        char *operations;
        char **targets;
        int32_t kdamond;                /* -1 */
        int32_t kdamond_pid;            /* -1 */
        uint64_t running_since_usec;    /* 0: never */
        uint32_t restarts;
        uint64_t applied_last_minute;   /* CTL_UNKNOWN */
        CtlScheme *schemes;
        size_t n_schemes;
        char **scheme_activity;         /* as read; moved into schemes[].activity */
        CtlPressure pressure;
        CtlTier *tiers;
        size_t n_tiers;
        CtlObserve observe;
} CtlProfile;

typedef struct CtlFeature {
        char *name;
        char *version;
        char *state;                    /* yes, no, inferred */
        bool used;
} CtlFeature;

typedef struct CtlSystemPressure {
        uint32_t some_avg10;            /* hundredths of a percent */
        uint32_t some_avg60;
        uint32_t full_avg10;
        uint64_t some_total_usec;
        uint64_t full_total_usec;
} CtlSystemPressure;

/* A DAMON module of the kernel (Modules). */
typedef struct CtlModule {
        char *name;                     /* damon_stat */
        bool enabled;
        int64_t kdamond_pid;            /* -1: none, or not found */
} CtlModule;

/* What DAMON_STAT measures for the whole machine (DamonStat). */
typedef struct CtlDamonStat {
        bool running;
        uint64_t aggr_interval_us;      /* CTL_UNKNOWN */
        uint64_t bandwidth;             /* bytes per second, CTL_UNKNOWN */
        int64_t *idle_ms;               /* p0..p100, negative: accessed for that long */
        size_t n_idle;
} CtlDamonStat;

typedef struct CtlManager {
        char *version;
        char *kernel_release;
        char *damon_version;            /* "" without DAMON */
        CtlFeature *features;
        size_t n_features;
        uint64_t last_reload_usec;      /* 0: never */
        bool last_reload_valid;
        char *last_reload_summary;
        char **last_reload_errors;
        CtlSystemPressure pressure;
        CtlModule *modules;
        size_t n_modules;
        CtlDamonStat damon_stat;
        CtlProfile *profiles;           /* sorted by name, as Profiles lists them */
        size_t n_profiles;
} CtlManager;

/* The result of Reload and Validate. */
typedef struct CtlValidation {
        bool valid;
        char **diagnostics;
} CtlValidation;

void ctl_scheme_done(CtlScheme *s);
void ctl_observe_done(CtlObserve *o);
void ctl_profile_done(CtlProfile *p);
/* The savings entry of @period, or NULL. */
const CtlSavings *ctl_observe_savings(const CtlObserve *o, const char *period);
/* The applied bytes of action class @action in @s, or 0. */
uint64_t ctl_savings_applied(const CtlSavings *s, const char *action);
void ctl_manager_done(CtlManager *m);
void ctl_validation_done(CtlValidation *v);

/* The profile called @name, or NULL. */
const CtlProfile *ctl_manager_find_profile(const CtlManager *m, const char *name);

/* A scheme's counter by the kernel's name, or CTL_UNKNOWN when damond did not report it. */
uint64_t ctl_scheme_stat(const CtlScheme *s, const char *name);
