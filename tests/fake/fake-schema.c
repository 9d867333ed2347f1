/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fake-schema.h"
#include "macro.h"

/* Versions: the kernel's usage.rst (files, keywords, state keywords) and module documentation, as the kernel's git history dates them.
 * FAKE_V(7, 2) marks what the sysfs-tree VM scenario found on Debian's 7.2 and in no older tree we
 * compared: the mainline release that added it may be 6.19, 7.0 or 7.1. */

static const FakeEntry kdamonds_entries[] = {
        { "nr_kdamonds", FAKE_V(5, 18), FAKE_NR, "0" },
};

static const FakeEntry kdamond_entries[] = {
        { "state", FAKE_V(5, 18), FAKE_STATE, "off" },
        { "pid", FAKE_V(5, 18), FAKE_RO, "-1" },
        { "refresh_ms", FAKE_V(6, 17), FAKE_U32, "0" },
        { "contexts", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_CONTEXTS },
};

static const FakeEntry contexts_entries[] = {
        { "nr_contexts", FAKE_V(5, 18), FAKE_NR, "0" },
};

static const FakeEntry context_entries[] = {
        { "avail_operations", FAKE_V(5, 19), FAKE_AVAIL_OPS, NULL },
        { "operations", FAKE_V(5, 18), FAKE_KEYWORD, "vaddr", FAKE_KW_OPS },
        { "addr_unit", FAKE_V(6, 18), FAKE_U64, "1" },
        { "pause", FAKE_V(7, 2), FAKE_BOOL, "N" },
        { "monitoring_attrs", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_MONITORING_ATTRS },
        { "targets", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_TARGETS },
        { "schemes", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_SCHEMES },
};

static const FakeEntry monitoring_attrs_entries[] = {
        { "intervals", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_INTERVALS },
        { "nr_regions", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_NR_REGIONS },
        { "probes", FAKE_V(7, 2), FAKE_DIR, NULL, FAKE_DIR_PROBES },
};

static const FakeEntry probes_entries[] = {
        { "nr_probes", FAKE_V(7, 2), FAKE_NR, "0" },
};

static const FakeEntry probe_entries[] = {
        { "filters", FAKE_V(7, 2), FAKE_DIR, NULL, FAKE_DIR_PROBE_FILTERS },
};

static const FakeEntry probe_filters_entries[] = {
        { "nr_filters", FAKE_V(7, 2), FAKE_NR, "0" },
};

/* The types a probe filter takes are not verified: the ops filters' are assumed. */
static const FakeEntry probe_filter_entries[] = {
        { "type", FAKE_V(7, 2), FAKE_KEYWORD, "anon", FAKE_KW_FILTER_OPS },
        { "matching", FAKE_V(7, 2), FAKE_BOOL, "N" },
        { "allow", FAKE_V(7, 2), FAKE_BOOL, "N" },
        { "path", FAKE_V(7, 2), FAKE_STRING, "" },
};

static const FakeEntry intervals_entries[] = {
        { "sample_us", FAKE_V(5, 18), FAKE_U64, "5000" },
        { "aggr_us", FAKE_V(5, 18), FAKE_U64, "100000" },
        { "update_us", FAKE_V(5, 18), FAKE_U64, "60000000" },
        { "intervals_goal", FAKE_V(6, 15), FAKE_DIR, NULL, FAKE_DIR_INTERVALS_GOAL },
};

static const FakeEntry intervals_goal_entries[] = {
        { "access_bp", FAKE_V(6, 15), FAKE_U64, "0" },
        { "aggrs", FAKE_V(6, 15), FAKE_U64, "0" },
        { "min_sample_us", FAKE_V(6, 15), FAKE_U64, "0" },
        { "max_sample_us", FAKE_V(6, 15), FAKE_U64, "0" },
};

static const FakeEntry nr_regions_entries[] = {
        { "min", FAKE_V(5, 18), FAKE_U64, "10" },
        { "max", FAKE_V(5, 18), FAKE_U64, "1000" },
};

static const FakeEntry targets_entries[] = {
        { "nr_targets", FAKE_V(5, 18), FAKE_NR, "0" },
};

static const FakeEntry target_entries[] = {
        { "pid_target", FAKE_V(5, 18), FAKE_S32, "0" },
        { "obsolete_target", FAKE_V(6, 19), FAKE_BOOL, "N" },
        { "regions", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_REGIONS },
};

static const FakeEntry regions_entries[] = {
        { "nr_regions", FAKE_V(5, 18), FAKE_NR, "0" },
};

static const FakeEntry region_entries[] = {
        { "start", FAKE_V(5, 18), FAKE_U64, "0" },
        { "end", FAKE_V(5, 18), FAKE_U64, "0" },
};

static const FakeEntry schemes_entries[] = {
        { "nr_schemes", FAKE_V(5, 18), FAKE_NR, "0" },
};

static const FakeEntry scheme_entries[] = {
        { "action", FAKE_V(5, 18), FAKE_KEYWORD, "stat", FAKE_KW_ACTION },
        { "apply_interval_us", FAKE_V(6, 7), FAKE_U64, "0" },
        { "target_nid", FAKE_V(6, 11), FAKE_S32, "-1" },
        { "access_pattern", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_ACCESS_PATTERN },
        { "quotas", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_QUOTAS },
        { "watermarks", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_WATERMARKS },
        { "filters", FAKE_V(6, 3), FAKE_DIR, NULL, FAKE_DIR_FILTERS },
        { "core_filters", FAKE_V(6, 15), FAKE_DIR, NULL, FAKE_DIR_CORE_FILTERS },
        { "ops_filters", FAKE_V(6, 15), FAKE_DIR, NULL, FAKE_DIR_OPS_FILTERS },
        { "dests", FAKE_V(6, 17), FAKE_DIR, NULL, FAKE_DIR_DESTS },
        { "stats", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_STATS },
        { "tried_regions", FAKE_V(6, 2), FAKE_DIR, NULL, FAKE_DIR_TRIED_REGIONS },
};

static const FakeEntry access_pattern_entries[] = {
        { "sz", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_RANGE },
        { "nr_accesses", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_RANGE },
        { "age", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_RANGE },
};

/* The kernel keeps all three ranges as unsigned long (damon_sysfs_ul_range). */
static const FakeEntry range_entries[] = {
        { "min", FAKE_V(5, 18), FAKE_U64, "0" },
        { "max", FAKE_V(5, 18), FAKE_U64, "0" },
};

static const FakeEntry quotas_entries[] = {
        { "ms", FAKE_V(5, 18), FAKE_U64, "0" },
        { "bytes", FAKE_V(5, 18), FAKE_U64, "0" },
        { "reset_interval_ms", FAKE_V(5, 18), FAKE_U64, "0" },
        { "effective_bytes", FAKE_V(6, 9), FAKE_RO, "0" },
        { "goal_tuner", FAKE_V(7, 1), FAKE_STRING, "consist" },
        { "fail_charge_num", FAKE_V(7, 2), FAKE_U64, "0" },
        { "fail_charge_denom", FAKE_V(7, 2), FAKE_U64, "0" },
        { "weights", FAKE_V(5, 18), FAKE_DIR, NULL, FAKE_DIR_WEIGHTS },
        { "goals", FAKE_V(6, 8), FAKE_DIR, NULL, FAKE_DIR_GOALS },
};

static const FakeEntry weights_entries[] = {
        { "sz_permil", FAKE_V(5, 18), FAKE_U32, "0" },
        { "nr_accesses_permil", FAKE_V(5, 18), FAKE_U32, "0" },
        { "age_permil", FAKE_V(5, 18), FAKE_U32, "0" },
};

static const FakeEntry goals_entries[] = {
        { "nr_goals", FAKE_V(6, 8), FAKE_NR, "0" },
};

static const FakeEntry goal_entries[] = {
        { "target_metric", FAKE_V(6, 9), FAKE_KEYWORD, "user_input", FAKE_KW_GOAL_METRIC },
        { "target_value", FAKE_V(6, 8), FAKE_U64, "0" },
        { "current_value", FAKE_V(6, 8), FAKE_U64, "0" },
        { "nid", FAKE_V(6, 16), FAKE_S32, "0" },
        { "path", FAKE_V(6, 19), FAKE_STRING, "" },
};

static const FakeEntry watermarks_entries[] = {
        { "metric", FAKE_V(5, 18), FAKE_KEYWORD, "none", FAKE_KW_WMARK_METRIC },
        { "interval_us", FAKE_V(5, 18), FAKE_U64, "0" },
        { "high", FAKE_V(5, 18), FAKE_U64, "0" },
        { "mid", FAKE_V(5, 18), FAKE_U64, "0" },
        { "low", FAKE_V(5, 18), FAKE_U64, "0" },
};

static const FakeEntry filters_entries[] = {
        { "nr_filters", FAKE_V(6, 3), FAKE_NR, "0" },
};

/* The three filter directories hold the same files; only the accepted types differ. */
#define FILTER_ENTRIES(kwset)                                                           \
        { "type", FAKE_V(6, 3), FAKE_KEYWORD, "anon", kwset },                          \
        { "matching", FAKE_V(6, 3), FAKE_BOOL, "N" },                                   \
        { "allow", FAKE_V(6, 14), FAKE_BOOL, "N" },                                     \
        { "memcg_path", FAKE_V(6, 3), FAKE_STRING, "" },                                \
        { "addr_start", FAKE_V(6, 6), FAKE_U64, "0" },                                  \
        { "addr_end", FAKE_V(6, 6), FAKE_U64, "0" },                                    \
        { "min", FAKE_V(6, 15), FAKE_U64, "0" },                                        \
        { "max", FAKE_V(6, 15), FAKE_U64, "0" },                                        \
        { "damon_target_idx", FAKE_V(6, 6), FAKE_S32, "0" }

static const FakeEntry filter_entries[] = { FILTER_ENTRIES(FAKE_KW_FILTER_ANY) };
static const FakeEntry core_filter_entries[] = { FILTER_ENTRIES(FAKE_KW_FILTER_CORE) };
static const FakeEntry ops_filter_entries[] = { FILTER_ENTRIES(FAKE_KW_FILTER_OPS) };

static const FakeEntry dests_entries[] = {
        { "nr_dests", FAKE_V(6, 17), FAKE_NR, "0" },
};

static const FakeEntry dest_entries[] = {
        { "id", FAKE_V(6, 17), FAKE_U32, "0" },
        { "weight", FAKE_V(6, 17), FAKE_U32, "0" },
};

static const FakeEntry stats_entries[] = {
        { "nr_tried", FAKE_V(5, 18), FAKE_RO, "0" },
        { "sz_tried", FAKE_V(5, 18), FAKE_RO, "0" },
        { "nr_applied", FAKE_V(5, 18), FAKE_RO, "0" },
        { "sz_applied", FAKE_V(5, 18), FAKE_RO, "0" },
        { "sz_ops_filter_passed", FAKE_V(6, 14), FAKE_RO, "0" },
        { "qt_exceeds", FAKE_V(5, 18), FAKE_RO, "0" },
        { "nr_snapshots", FAKE_V(7, 0), FAKE_RO, "0" },
        { "max_nr_snapshots", FAKE_V(7, 0), FAKE_U64, "0" },
};

static const FakeEntry tried_regions_entries[] = {
        { "total_bytes", FAKE_V(6, 6), FAKE_RO, "0" },
};

static const FakeEntry tried_region_entries[] = {
        { "start", FAKE_V(6, 2), FAKE_RO, "0" },
        { "end", FAKE_V(6, 2), FAKE_RO, "0" },
        { "nr_accesses", FAKE_V(6, 2), FAKE_RO, "0" },
        { "age", FAKE_V(6, 2), FAKE_RO, "0" },
        { "sz_filter_passed", FAKE_V(6, 14), FAKE_RO, "0" },
};

#define DIR_TYPE(e, child) { e, ELEMENTSOF(e), child }

const FakeDirType fake_dirs[_FAKE_DIR_MAX] = {
        [FAKE_DIR_KDAMONDS] = DIR_TYPE(kdamonds_entries, FAKE_DIR_KDAMOND),
        [FAKE_DIR_KDAMOND] = DIR_TYPE(kdamond_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_CONTEXTS] = DIR_TYPE(contexts_entries, FAKE_DIR_CONTEXT),
        [FAKE_DIR_CONTEXT] = DIR_TYPE(context_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_MONITORING_ATTRS] = DIR_TYPE(monitoring_attrs_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_INTERVALS] = DIR_TYPE(intervals_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_INTERVALS_GOAL] = DIR_TYPE(intervals_goal_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_NR_REGIONS] = DIR_TYPE(nr_regions_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_PROBES] = DIR_TYPE(probes_entries, FAKE_DIR_PROBE),
        [FAKE_DIR_PROBE] = DIR_TYPE(probe_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_PROBE_FILTERS] = DIR_TYPE(probe_filters_entries, FAKE_DIR_PROBE_FILTER),
        [FAKE_DIR_PROBE_FILTER] = DIR_TYPE(probe_filter_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_TARGETS] = DIR_TYPE(targets_entries, FAKE_DIR_TARGET),
        [FAKE_DIR_TARGET] = DIR_TYPE(target_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_REGIONS] = DIR_TYPE(regions_entries, FAKE_DIR_REGION),
        [FAKE_DIR_REGION] = DIR_TYPE(region_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_SCHEMES] = DIR_TYPE(schemes_entries, FAKE_DIR_SCHEME),
        [FAKE_DIR_SCHEME] = DIR_TYPE(scheme_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_ACCESS_PATTERN] = DIR_TYPE(access_pattern_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_RANGE] = DIR_TYPE(range_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_QUOTAS] = DIR_TYPE(quotas_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_WEIGHTS] = DIR_TYPE(weights_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_GOALS] = DIR_TYPE(goals_entries, FAKE_DIR_GOAL),
        [FAKE_DIR_GOAL] = DIR_TYPE(goal_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_WATERMARKS] = DIR_TYPE(watermarks_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_FILTERS] = DIR_TYPE(filters_entries, FAKE_DIR_FILTER),
        [FAKE_DIR_FILTER] = DIR_TYPE(filter_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_CORE_FILTERS] = DIR_TYPE(filters_entries, FAKE_DIR_CORE_FILTER),
        [FAKE_DIR_CORE_FILTER] = DIR_TYPE(core_filter_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_OPS_FILTERS] = DIR_TYPE(filters_entries, FAKE_DIR_OPS_FILTER),
        [FAKE_DIR_OPS_FILTER] = DIR_TYPE(ops_filter_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_DESTS] = DIR_TYPE(dests_entries, FAKE_DIR_DEST),
        [FAKE_DIR_DEST] = DIR_TYPE(dest_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_STATS] = DIR_TYPE(stats_entries, _FAKE_DIR_NONE),
        [FAKE_DIR_TRIED_REGIONS] = DIR_TYPE(tried_regions_entries, FAKE_DIR_TRIED_REGION),
        [FAKE_DIR_TRIED_REGION] = DIR_TYPE(tried_region_entries, _FAKE_DIR_NONE),
};

const FakeEntry *fake_dir_entry(FakeDir d, const char *name, unsigned v) {
        if ((int) d < 0 || d >= _FAKE_DIR_MAX)
                return NULL;
        for (size_t i = 0; i < fake_dirs[d].n_entries; i++) {
                const FakeEntry *e = &fake_dirs[d].entries[i];

                if (streq(e->name, name) && e->since <= v)
                        return e;
        }
        return NULL;
}

typedef struct FakeKeyword {
        const char *word;
        unsigned since;
        unsigned sets;          /* bit mask of FakeKeywordSet */
        unsigned running_until; /* FAKE_KW_STATE: needs a running kdamond below this version */
} FakeKeyword;

#define SET(s) (1u << (s))
#define ANY_FILTER SET(FAKE_KW_FILTER_ANY)
#define ALWAYS_RUNNING UINT32_MAX

static const FakeKeyword keywords[] = {
        { "vaddr", FAKE_V(5, 18), SET(FAKE_KW_OPS) },
        { "fvaddr", FAKE_V(5, 19), SET(FAKE_KW_OPS) },
        { "paddr", FAKE_V(5, 18), SET(FAKE_KW_OPS) },

        { "willneed", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },
        { "cold", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },
        { "pageout", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },
        { "hugepage", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },
        { "nohugepage", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },
        { "lru_prio", FAKE_V(6, 0), SET(FAKE_KW_ACTION) },
        { "lru_deprio", FAKE_V(6, 0), SET(FAKE_KW_ACTION) },
        { "migrate_hot", FAKE_V(6, 11), SET(FAKE_KW_ACTION) },
        { "migrate_cold", FAKE_V(6, 11), SET(FAKE_KW_ACTION) },
        { "stat", FAKE_V(5, 18), SET(FAKE_KW_ACTION) },

        { "none", FAKE_V(5, 18), SET(FAKE_KW_WMARK_METRIC) },
        { "free_mem_rate", FAKE_V(5, 18), SET(FAKE_KW_WMARK_METRIC) },

        { "anon", FAKE_V(6, 3), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "memcg", FAKE_V(6, 3), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "young", FAKE_V(6, 10), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "hugepage_size", FAKE_V(6, 15), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "unmapped", FAKE_V(6, 15), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "active", FAKE_V(6, 15), ANY_FILTER | SET(FAKE_KW_FILTER_OPS) },
        { "addr", FAKE_V(6, 6), ANY_FILTER | SET(FAKE_KW_FILTER_CORE) },
        { "target", FAKE_V(6, 6), ANY_FILTER | SET(FAKE_KW_FILTER_CORE) },

        { "user_input", FAKE_V(6, 9), SET(FAKE_KW_GOAL_METRIC) },
        { "some_mem_psi_us", FAKE_V(6, 9), SET(FAKE_KW_GOAL_METRIC) },
        { "node_mem_used_bp", FAKE_V(6, 16), SET(FAKE_KW_GOAL_METRIC) },
        { "node_mem_free_bp", FAKE_V(6, 16), SET(FAKE_KW_GOAL_METRIC) },
        { "node_memcg_used_bp", FAKE_V(6, 19), SET(FAKE_KW_GOAL_METRIC) },
        { "node_memcg_free_bp", FAKE_V(6, 19), SET(FAKE_KW_GOAL_METRIC) },
        { "active_mem_bp", FAKE_V(7, 0), SET(FAKE_KW_GOAL_METRIC) },
        { "inactive_mem_bp", FAKE_V(7, 0), SET(FAKE_KW_GOAL_METRIC) },

        { "on", FAKE_V(5, 18), SET(FAKE_KW_STATE), 0 },
        { "off", FAKE_V(5, 18), SET(FAKE_KW_STATE), 0 },
        { "commit", FAKE_V(5, 19), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        { "update_schemes_stats", FAKE_V(5, 18), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        { "update_schemes_tried_regions", FAKE_V(6, 2), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        /* runs from the sysfs context since 6.14 (≈) */
        { "clear_schemes_tried_regions", FAKE_V(6, 2), SET(FAKE_KW_STATE), FAKE_V(6, 14) },
        { "update_schemes_tried_bytes", FAKE_V(6, 6), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        { "commit_schemes_quota_goals", FAKE_V(6, 8), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        { "update_schemes_effective_quotas", FAKE_V(6, 9), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
        { "update_tuned_intervals", FAKE_V(6, 15), SET(FAKE_KW_STATE), ALWAYS_RUNNING },
};

static const FakeKeyword *keyword_find(FakeKeywordSet set, const char *word, unsigned v) {
        size_t len;

        if (!word)
                return NULL;
        len = strcspn(word, "\n");
        if (word[len] == '\n' && word[len + 1] != '\0')
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
                if ((keywords[i].sets & SET(set)) && keywords[i].since <= v &&
                    strlen(keywords[i].word) == len && strneq(keywords[i].word, word, len))
                        return &keywords[i];
        return NULL;
}

const char *fake_keyword(FakeKeywordSet set, const char *word, unsigned v) {
        const FakeKeyword *k = keyword_find(set, word, v);

        return k ? k->word : NULL;
}

bool fake_state_needs_running(const char *word, unsigned v) {
        const FakeKeyword *k = keyword_find(FAKE_KW_STATE, word, v);

        return k && v < k->running_until;
}

static const FakeParam reclaim_params[] = {
        { "enabled", FAKE_V(5, 16), FAKE_BOOL, "N" },
        { "commit_inputs", FAKE_V(5, 19), FAKE_BOOL, "N" },
        { "min_age", FAKE_V(5, 16), FAKE_U64, "120000000" },
        { "quota_ms", FAKE_V(5, 16), FAKE_U64, "10" },
        { "quota_sz", FAKE_V(5, 16), FAKE_U64, "134217728" },
        { "quota_reset_interval_ms", FAKE_V(5, 16), FAKE_U64, "1000" },
        { "quota_mem_pressure_us", FAKE_V(6, 9), FAKE_U64, "0" },
        { "quota_autotune_feedback", FAKE_V(6, 9), FAKE_U64, "0" },
        { "wmarks_interval", FAKE_V(5, 16), FAKE_U64, "5000000" },
        { "wmarks_high", FAKE_V(5, 16), FAKE_U64, "500" },
        { "wmarks_mid", FAKE_V(5, 16), FAKE_U64, "400" },
        { "wmarks_low", FAKE_V(5, 16), FAKE_U64, "200" },
        { "sample_interval", FAKE_V(5, 16), FAKE_U64, "5000" },
        { "aggr_interval", FAKE_V(5, 16), FAKE_U64, "100000" },
        { "min_nr_regions", FAKE_V(5, 16), FAKE_U64, "10" },
        { "max_nr_regions", FAKE_V(5, 16), FAKE_U64, "1000" },
        { "monitor_region_start", FAKE_V(5, 16), FAKE_U64, "0" },
        { "monitor_region_end", FAKE_V(5, 16), FAKE_U64, "0" },
        { "skip_anon", FAKE_V(6, 3), FAKE_BOOL, "N" },
        { "addr_unit", FAKE_V(6, 18), FAKE_U64, "1" },
        { "autotune_monitoring_intervals", FAKE_V(7, 2), FAKE_BOOL, "N" },
        { "kdamond_pid", FAKE_V(5, 16), FAKE_RO, "-1" },
        { "nr_reclaim_tried_regions", FAKE_V(5, 17), FAKE_RO, "0" },
        { "bytes_reclaim_tried_regions", FAKE_V(5, 17), FAKE_RO, "0" },
        { "nr_reclaimed_regions", FAKE_V(5, 17), FAKE_RO, "0" },
        { "bytes_reclaimed_regions", FAKE_V(5, 17), FAKE_RO, "0" },
        { "nr_quota_exceeds", FAKE_V(5, 17), FAKE_RO, "0" },
};

static const FakeParam lru_sort_params[] = {
        { "enabled", FAKE_V(6, 0), FAKE_BOOL, "N" },
        { "commit_inputs", FAKE_V(6, 0), FAKE_BOOL, "N" },
        { "hot_thres_access_freq", FAKE_V(6, 0), FAKE_U64, "500" },
        { "cold_min_age", FAKE_V(6, 0), FAKE_U64, "120000000" },
        { "quota_ms", FAKE_V(6, 0), FAKE_U64, "10" },
        { "quota_reset_interval_ms", FAKE_V(6, 0), FAKE_U64, "1000" },
        { "wmarks_interval", FAKE_V(6, 0), FAKE_U64, "5000000" },
        { "wmarks_high", FAKE_V(6, 0), FAKE_U64, "200" },
        { "wmarks_mid", FAKE_V(6, 0), FAKE_U64, "150" },
        { "wmarks_low", FAKE_V(6, 0), FAKE_U64, "50" },
        { "sample_interval", FAKE_V(6, 0), FAKE_U64, "5000" },
        { "aggr_interval", FAKE_V(6, 0), FAKE_U64, "100000" },
        { "min_nr_regions", FAKE_V(6, 0), FAKE_U64, "10" },
        { "max_nr_regions", FAKE_V(6, 0), FAKE_U64, "1000" },
        { "monitor_region_start", FAKE_V(6, 0), FAKE_U64, "0" },
        { "monitor_region_end", FAKE_V(6, 0), FAKE_U64, "0" },
        { "addr_unit", FAKE_V(6, 18), FAKE_U64, "1" },
        { "active_mem_bp", FAKE_V(7, 0), FAKE_U64, "0" },
        { "autotune_monitoring_intervals", FAKE_V(7, 0), FAKE_BOOL, "N" },
        { "filter_young_pages", FAKE_V(7, 0), FAKE_BOOL, "N" },
        { "kdamond_pid", FAKE_V(6, 0), FAKE_RO, "-1" },
        { "nr_lru_sort_tried_hot_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "bytes_lru_sort_tried_hot_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "nr_lru_sorted_hot_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "bytes_lru_sorted_hot_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "nr_hot_quota_exceeds", FAKE_V(6, 0), FAKE_RO, "0" },
        { "nr_lru_sort_tried_cold_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "bytes_lru_sort_tried_cold_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "nr_lru_sorted_cold_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "bytes_lru_sorted_cold_regions", FAKE_V(6, 0), FAKE_RO, "0" },
        { "nr_cold_quota_exceeds", FAKE_V(6, 0), FAKE_RO, "0" },
};

static const FakeParam stat_params[] = {
        { "enabled", FAKE_V(6, 17), FAKE_BOOL, "N" },
        { "estimated_memory_bandwidth", FAKE_V(6, 17), FAKE_RO, "0" },
        { "memory_idle_ms_percentiles", FAKE_V(6, 17), FAKE_RO, "0" },
        { "aggr_interval_us", FAKE_V(6, 18), FAKE_RO, "0" },
        { "kdamond_pid", FAKE_V(7, 2), FAKE_RO, "-1" },
};

const FakeModuleType fake_modules[_DAMON_MODULE_MAX] = {
        [DAMON_MODULE_RECLAIM] = {
                "damon_reclaim", FAKE_V(5, 16), reclaim_params, ELEMENTSOF(reclaim_params) },
        [DAMON_MODULE_LRU_SORT] = {
                "damon_lru_sort", FAKE_V(6, 0), lru_sort_params, ELEMENTSOF(lru_sort_params) },
        [DAMON_MODULE_STAT] = { "damon_stat", FAKE_V(6, 17), stat_params, ELEMENTSOF(stat_params) },
};

const FakeParam *fake_module_param(DamonModule m, const char *name, unsigned v) {
        if ((int) m < 0 || m >= _DAMON_MODULE_MAX)
                return NULL;
        for (size_t i = 0; i < fake_modules[m].n_params; i++) {
                const FakeParam *p = &fake_modules[m].params[i];

                if (streq(p->name, name) && p->since <= v)
                        return p;
        }
        return NULL;
}
