/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A typed, kernel-neutral model of one kdamond (its single context), as the DAMON sysfs ABI describes it
 * (docs/damon-abi.md, section 2; the kernel's usage.rst). Units are the kernel's: intervals in µs, quota time and
 * reset interval in ms, sizes and addresses in bytes, nr_accesses in samples per aggregation interval, age
 * in aggregation intervals, watermarks in permil, goal values in the metric's unit (bp or µs).
 *
 * damon_spec_init() fills a spec with the kernel's own defaults (what a freshly created sysfs directory
 * holds), so a value left at its default is never written, and never needs a feature the kernel lacks.
 * Arrays are owned by the spec and freed by damon_spec_done().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

typedef enum DamonOps {
        DAMON_OPS_VADDR,
        DAMON_OPS_FVADDR,
        DAMON_OPS_PADDR,
        _DAMON_OPS_MAX,
        _DAMON_OPS_INVALID = -EINVAL,
} DamonOps;

typedef enum DamosAction {
        DAMOS_ACTION_WILLNEED,
        DAMOS_ACTION_COLD,
        DAMOS_ACTION_PAGEOUT,
        DAMOS_ACTION_HUGEPAGE,
        DAMOS_ACTION_NOHUGEPAGE,
        DAMOS_ACTION_LRU_PRIO,
        DAMOS_ACTION_LRU_DEPRIO,
        DAMOS_ACTION_MIGRATE_HOT,
        DAMOS_ACTION_MIGRATE_COLD,
        DAMOS_ACTION_STAT,
        _DAMOS_ACTION_MAX,
        _DAMOS_ACTION_INVALID = -EINVAL,
} DamosAction;

typedef enum DamosGoalMetric {
        DAMOS_GOAL_USER_INPUT,
        DAMOS_GOAL_SOME_MEM_PSI_US,
        DAMOS_GOAL_NODE_MEM_USED_BP,
        DAMOS_GOAL_NODE_MEM_FREE_BP,
        DAMOS_GOAL_NODE_MEMCG_USED_BP,
        DAMOS_GOAL_NODE_MEMCG_FREE_BP,
        DAMOS_GOAL_ACTIVE_MEM_BP,
        DAMOS_GOAL_INACTIVE_MEM_BP,
        _DAMOS_GOAL_METRIC_MAX,
        _DAMOS_GOAL_METRIC_INVALID = -EINVAL,
} DamosGoalMetric;

typedef enum DamosGoalTuner {
        DAMOS_GOAL_TUNER_CONSIST,       /* the kernel's default feedback loop */
        DAMOS_GOAL_TUNER_TEMPORAL,      /* 7.1: full quota until the goal is met, then zero */
        _DAMOS_GOAL_TUNER_MAX,
        _DAMOS_GOAL_TUNER_INVALID = -EINVAL,
} DamosGoalTuner;

typedef enum DamosWmarkMetric {
        DAMOS_WMARK_NONE,
        DAMOS_WMARK_FREE_MEM_RATE,
        _DAMOS_WMARK_METRIC_MAX,
        _DAMOS_WMARK_METRIC_INVALID = -EINVAL,
} DamosWmarkMetric;

typedef enum DamosFilterType {
        DAMOS_FILTER_ANON,              /* ops layer, 6.3 */
        DAMOS_FILTER_MEMCG,             /* ops layer, 6.3: memcg_path */
        DAMOS_FILTER_YOUNG,             /* ops layer, 6.10 */
        DAMOS_FILTER_HUGEPAGE_SIZE,     /* ops layer, 6.15: min, max */
        DAMOS_FILTER_UNMAPPED,          /* ops layer, 6.15 */
        DAMOS_FILTER_ACTIVE,            /* ops layer, 6.15 */
        DAMOS_FILTER_ADDR,              /* core layer, 6.6: addr_start, addr_end */
        DAMOS_FILTER_TARGET,            /* core layer, 6.6: damon_target_idx */
        _DAMOS_FILTER_TYPE_MAX,
        _DAMOS_FILTER_TYPE_INVALID = -EINVAL,
} DamosFilterType;

/* The three directories a scheme's filters can live in. */
typedef enum DamosFilterSet {
        DAMOS_FILTERS_LEGACY,           /* schemes/S/filters/ (6.3; deprecated since 6.15): any type */
        DAMOS_FILTERS_CORE,             /* schemes/S/core_filters/ (6.15): addr, target */
        DAMOS_FILTERS_OPS,              /* schemes/S/ops_filters/ (6.15): the ops-layer types */
        _DAMOS_FILTER_SET_MAX,
        _DAMOS_FILTER_SET_INVALID = -EINVAL,
} DamosFilterSet;

typedef struct DamonRange {
        uint64_t min;
        uint64_t max;
} DamonRange;

typedef struct DamonRegion {
        uint64_t start;         /* bytes, inclusive */
        uint64_t end;           /* bytes, exclusive */
} DamonRegion;

typedef struct DamonTarget {
        pid_t pid;              /* vaddr/fvaddr only; 0 for paddr */
        DamonRegion *regions;
        size_t n_regions;
        bool obsolete;          /* 6.19: the next commit removes this running target */
} DamonTarget;

typedef struct DamonIntervalsGoal {
        uint64_t access_bp;
        uint64_t aggrs;         /* 0 = auto-tuning off (the default) */
        uint64_t min_sample_us;
        uint64_t max_sample_us;
} DamonIntervalsGoal;

typedef struct DamonAttrs {
        uint64_t sample_us;
        uint64_t aggr_us;
        uint64_t update_us;
        DamonIntervalsGoal intervals_goal;      /* 6.15 */
        uint64_t min_nr_regions;
        uint64_t max_nr_regions;
} DamonAttrs;

typedef struct DamosGoal {
        DamosGoalMetric metric;
        uint64_t target_value;  /* 0 makes the kernel drop the goal */
        uint64_t current_value; /* only read by the kernel for user_input */
        int nid;                /* node_mem_* and node_memcg_* (6.16); the kernel default is 0 */
        char *path;             /* node_memcg_* (6.19): memcg path from the cgroup root; NULL = "" */
} DamosGoal;

typedef struct DamosQuota {
        uint64_t ms;                    /* time quota per reset interval; 0 = none */
        uint64_t bytes;                 /* size quota per reset interval; 0 = none */
        uint64_t reset_interval_ms;     /* charge window; 0 = every apply is a new window */
        uint64_t weight_sz_permil;
        uint64_t weight_nr_accesses_permil;
        uint64_t weight_age_permil;
        DamosGoal *goals;               /* 6.8 */
        size_t n_goals;
        DamosGoalTuner goal_tuner;      /* 7.1 */
} DamosQuota;

typedef struct DamosWatermarks {
        DamosWmarkMetric metric;
        uint64_t interval_us;
        uint64_t high;                  /* permil */
        uint64_t mid;
        uint64_t low;
} DamosWatermarks;

typedef struct DamosFilter {
        DamosFilterType type;
        bool matching;
        bool allow;                     /* 6.14; before that every filter rejects */
        char *memcg_path;               /* memcg */
        uint64_t addr_start;            /* addr, half-open */
        uint64_t addr_end;
        uint64_t target_idx;            /* target */
        uint64_t min;                   /* hugepage_size, bytes, closed */
        uint64_t max;
} DamosFilter;

typedef struct DamosDest {
        uint64_t id;                    /* NUMA node id */
        uint64_t weight;
} DamosDest;

typedef struct DamosScheme {
        DamosAction action;
        DamonRange sz;                  /* bytes */
        DamonRange nr_accesses;         /* samples per aggregation interval (≤ UINT32_MAX) */
        DamonRange age;                 /* aggregation intervals (≤ UINT32_MAX) */
        uint64_t apply_interval_us;     /* 6.7; 0 = aggr_us */
        int target_nid;                 /* 6.11; -1 = none */
        DamosQuota quota;
        DamosWatermarks wmarks;
        DamosFilter *filters[_DAMOS_FILTER_SET_MAX];
        size_t n_filters[_DAMOS_FILTER_SET_MAX];
        DamosDest *dests;               /* 6.17 */
        size_t n_dests;
        uint64_t max_nr_snapshots;      /* 7.0; 0 = no limit */
} DamosScheme;

/* One kdamond: its single context plus the kdamond-level refresh_ms. */
typedef struct DamonSpec {
        DamonOps ops;
        uint64_t addr_unit;             /* 6.18; 1 */
        DamonAttrs attrs;
        DamonTarget *targets;
        size_t n_targets;
        DamosScheme *schemes;
        size_t n_schemes;
        uint64_t refresh_ms;            /* 6.17; 0 = off */
} DamonSpec;

/* Kernel defaults, as a freshly created sysfs directory holds them (docs/damon-abi.md, section 2). */
void damon_spec_init(DamonSpec *spec);
void damon_scheme_init(DamosScheme *s);
void damon_goal_init(DamosGoal *g);
void damon_filter_init(DamosFilter *f);
void damon_spec_done(DamonSpec *spec);

/* Growing arrays: each returns a pointer to a new element initialised to the kernel default, or NULL on
 * out-of-memory. Pointers to earlier elements may move. */
DamonTarget *damon_spec_add_target(DamonSpec *spec);
DamonRegion *damon_target_add_region(DamonTarget *t, uint64_t start, uint64_t end);
DamosScheme *damon_spec_add_scheme(DamonSpec *spec);
DamosGoal *damos_scheme_add_goal(DamosScheme *s);
DamosFilter *damos_scheme_add_filter(DamosScheme *s, DamosFilterSet set);
DamosDest *damos_scheme_add_dest(DamosScheme *s, uint64_t id, uint64_t weight);

/* Deep copy. Returns 0 or -ENOMEM (then @dst is left initialised and empty). */
int damon_spec_copy(DamonSpec *dst, const DamonSpec *src);

/* Keyword tables: the exact strings the kernel reads and prints. */
const char *damon_ops_to_string(DamonOps o);
DamonOps damon_ops_from_string(const char *s);
const char *damos_action_to_string(DamosAction a);
DamosAction damos_action_from_string(const char *s);
const char *damos_goal_metric_to_string(DamosGoalMetric m);
DamosGoalMetric damos_goal_metric_from_string(const char *s);
const char *damos_goal_tuner_to_string(DamosGoalTuner t);
DamosGoalTuner damos_goal_tuner_from_string(const char *s);
const char *damos_wmark_metric_to_string(DamosWmarkMetric m);
DamosWmarkMetric damos_wmark_metric_from_string(const char *s);
const char *damos_filter_type_to_string(DamosFilterType t);
DamosFilterType damos_filter_type_from_string(const char *s);
/* The sysfs directory name of a filter set: "filters", "core_filters", "ops_filters". */
const char *damos_filter_set_to_string(DamosFilterSet s);
DamosFilterSet damos_filter_set_from_string(const char *s);

/* Whether a filter type belongs to the core layer (addr, target) rather than the ops layer. */
bool damos_filter_type_is_core(DamosFilterType t);
