/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the running kernel's DAMON can do, probed by file presence (docs/damon-abi.md, section 7), never
 * by comparing version strings: distribution kernels backport. The mainline version each feature arrived
 * in is kept for messages ("needs DAMON quota goals, Linux 6.8") and for an inferred version.
 *
 * Probing never writes to a kdamond the caller does not own, and works while a foreign kdamond runs:
 * nested files (a goal's nid, a filter's allow) are read in any existing kdamond tree that has them;
 * where no tree is deep enough and the caller owns no stopped kdamond to stage children in, a feature
 * that cannot be seen is inferred from the newest feature that was seen (mainline adds features in
 * order), and marked inferred.
 */

#include <stdbool.h>
#include <stdint.h>

#include "damon-io.h"
#include "damon-model.h"

typedef enum DamonFeature {
        DAMON_FEATURE_SYSFS,             /* 5.18 admin/kdamonds/nr_kdamonds */
        DAMON_FEATURE_COMMIT,            /* 5.19 state "commit"; avail_operations */
        DAMON_FEATURE_FVADDR,            /* 5.19 */
        DAMON_FEATURE_LRU_ACTIONS,       /* 6.0  lru_prio, lru_deprio */
        DAMON_FEATURE_TRIED_REGIONS,     /* 6.2  tried_regions/, update_schemes_tried_regions */
        DAMON_FEATURE_FILTERS,           /* 6.3  schemes/S/filters/ anon, memcg */
        DAMON_FEATURE_TRIED_BYTES,       /* 6.6  tried_regions/total_bytes; addr and target filters */
        DAMON_FEATURE_APPLY_INTERVAL,    /* 6.7  schemes/S/apply_interval_us */
        DAMON_FEATURE_QUOTA_GOALS,       /* 6.8  quotas/goals/, commit_schemes_quota_goals */
        DAMON_FEATURE_GOAL_METRICS,      /* 6.9  goals/G/target_metric, quotas/effective_bytes */
        DAMON_FEATURE_YOUNG_FILTER,      /* 6.10 filter type young */
        DAMON_FEATURE_MIGRATE,           /* 6.11 migrate_hot/cold, schemes/S/target_nid */
        DAMON_FEATURE_FILTER_ALLOW,      /* 6.14 F/allow, stats/sz_ops_filter_passed */
        DAMON_FEATURE_CORE_OPS_FILTERS,  /* 6.15 core_filters/, ops_filters/; hugepage_size, unmapped, active */
        DAMON_FEATURE_INTERVALS_GOAL,    /* 6.15 intervals/intervals_goal/, update_tuned_intervals */
        DAMON_FEATURE_NODE_MEM_GOALS,    /* 6.16 goals/G/nid, node_mem_{used,free}_bp */
        DAMON_FEATURE_DESTS,             /* 6.17 schemes/S/dests/ */
        DAMON_FEATURE_REFRESH_MS,        /* 6.17 kdamonds/K/refresh_ms */
        DAMON_FEATURE_ADDR_UNIT,         /* 6.18 contexts/0/addr_unit */
        DAMON_FEATURE_MEMCG_GOALS,       /* 6.19 goals/G/path, node_memcg_{used,free}_bp */
        DAMON_FEATURE_OBSOLETE_TARGET,   /* 6.19 targets/T/obsolete_target */
        DAMON_FEATURE_SNAPSHOTS,         /* 7.0  stats/max_nr_snapshots; active/inactive_mem_bp goals */
        DAMON_FEATURE_GOAL_TUNER,        /* 7.1  quotas/goal_tuner */
        _DAMON_FEATURE_MAX,
        _DAMON_FEATURE_INVALID = -EINVAL,
} DamonFeature;

typedef enum DamonModule {
        DAMON_MODULE_RECLAIM,
        DAMON_MODULE_LRU_SORT,
        DAMON_MODULE_STAT,
        _DAMON_MODULE_MAX,
        _DAMON_MODULE_INVALID = -EINVAL,
} DamonModule;

#define DAMON_FEATURE_BIT(f) (UINT64_C(1) << (f))

typedef struct DamonFeatures {
        uint64_t mask;          /* DAMON_FEATURE_BIT()s present */
        uint64_t inferred;      /* subset of mask not seen directly but implied by a newer feature */
        unsigned ops_mask;      /* 1 << DamonOps registered (avail_operations; 5.18: assume vaddr+paddr) */
        unsigned modules_mask;  /* 1 << DamonModule whose parameters exist */
        unsigned version_major; /* inferred mainline version: the newest feature seen; 0 = no DAMON */
        unsigned version_minor;
} DamonFeatures;

static inline bool damon_features_has(const DamonFeatures *f, DamonFeature feature) {
        return f->mask & DAMON_FEATURE_BIT(feature);
}

/* "quota goals", "6.8" and so on: for messages. */
const char *damon_feature_to_string(DamonFeature f);
const char *damon_feature_version(DamonFeature f);
const char *damon_module_to_string(DamonModule m);   /* "damon_reclaim", ... */

/*
 * Probes the kernel below @io's root. @owned lists the kdamond indices the caller owns (n_owned may be
 * 0): a stopped owned kdamond may be used to stage scheme, goal, filter and target children for the
 * probe; they are removed again (its nr_* files are restored) before returning. Nothing else is written.
 * Returns 0, or -ENOENT when the kernel has no DAMON sysfs interface (no
 * sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds; DAMON_SYSFS unset or DAMON absent), or -errno.
 */
int damon_features_probe(DamonIO *io, const unsigned *owned, size_t n_owned, DamonFeatures *ret);

/* The feature that brought a keyword into the kernel: a kernel must have it to accept the value.
 * Baseline (5.18) keywords give DAMON_FEATURE_SYSFS. One table for the driver and the compiler. */
DamonFeature damon_action_feature(DamosAction a);
DamonFeature damon_goal_metric_feature(DamosGoalMetric m);
DamonFeature damon_filter_type_feature(DamosFilterType t);
