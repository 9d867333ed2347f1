/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "damon-model.h"

static const char * const ops_table[_DAMON_OPS_MAX] = {
        [DAMON_OPS_VADDR] = "vaddr",
        [DAMON_OPS_FVADDR] = "fvaddr",
        [DAMON_OPS_PADDR] = "paddr",
};

static const char * const action_table[_DAMOS_ACTION_MAX] = {
        [DAMOS_ACTION_WILLNEED] = "willneed",
        [DAMOS_ACTION_COLD] = "cold",
        [DAMOS_ACTION_PAGEOUT] = "pageout",
        [DAMOS_ACTION_HUGEPAGE] = "hugepage",
        [DAMOS_ACTION_NOHUGEPAGE] = "nohugepage",
        [DAMOS_ACTION_LRU_PRIO] = "lru_prio",
        [DAMOS_ACTION_LRU_DEPRIO] = "lru_deprio",
        [DAMOS_ACTION_MIGRATE_HOT] = "migrate_hot",
        [DAMOS_ACTION_MIGRATE_COLD] = "migrate_cold",
        [DAMOS_ACTION_STAT] = "stat",
};

static const char * const goal_metric_table[_DAMOS_GOAL_METRIC_MAX] = {
        [DAMOS_GOAL_USER_INPUT] = "user_input",
        [DAMOS_GOAL_SOME_MEM_PSI_US] = "some_mem_psi_us",
        [DAMOS_GOAL_NODE_MEM_USED_BP] = "node_mem_used_bp",
        [DAMOS_GOAL_NODE_MEM_FREE_BP] = "node_mem_free_bp",
        [DAMOS_GOAL_NODE_MEMCG_USED_BP] = "node_memcg_used_bp",
        [DAMOS_GOAL_NODE_MEMCG_FREE_BP] = "node_memcg_free_bp",
        [DAMOS_GOAL_ACTIVE_MEM_BP] = "active_mem_bp",
        [DAMOS_GOAL_INACTIVE_MEM_BP] = "inactive_mem_bp",
};

static const char * const goal_tuner_table[_DAMOS_GOAL_TUNER_MAX] = {
        [DAMOS_GOAL_TUNER_CONSIST] = "consist",
        [DAMOS_GOAL_TUNER_TEMPORAL] = "temporal",
};

static const char * const wmark_metric_table[_DAMOS_WMARK_METRIC_MAX] = {
        [DAMOS_WMARK_NONE] = "none",
        [DAMOS_WMARK_FREE_MEM_RATE] = "free_mem_rate",
};

static const char * const filter_type_table[_DAMOS_FILTER_TYPE_MAX] = {
        [DAMOS_FILTER_ANON] = "anon",
        [DAMOS_FILTER_MEMCG] = "memcg",
        [DAMOS_FILTER_YOUNG] = "young",
        [DAMOS_FILTER_HUGEPAGE_SIZE] = "hugepage_size",
        [DAMOS_FILTER_UNMAPPED] = "unmapped",
        [DAMOS_FILTER_ACTIVE] = "active",
        [DAMOS_FILTER_ADDR] = "addr",
        [DAMOS_FILTER_TARGET] = "target",
};

static const char * const filter_set_table[_DAMOS_FILTER_SET_MAX] = {
        [DAMOS_FILTERS_LEGACY] = "filters",
        [DAMOS_FILTERS_CORE] = "core_filters",
        [DAMOS_FILTERS_OPS] = "ops_filters",
};

static int lookup(const char * const *table, size_t n, const char *s) {
        size_t len;

        if (!s)
                return -EINVAL;
        /* the kernel prints keywords with a newline and sysfs_streq() accepts one */
        len = strcspn(s, "\n");
        if (s[len] == '\n' && s[len + 1] != '\0')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && strlen(table[i]) == len && strneq(table[i], s, len))
                        return (int) i;
        return -EINVAL;
}

#define DEFINE_STRING_TABLE(name, type, table, max)                     \
        const char *name##_to_string(type v) {                          \
                if ((int) v < 0 || (int) v >= (int) (max))              \
                        return NULL;                                    \
                return table[v];                                        \
        }                                                               \
        type name##_from_string(const char *s) {                        \
                return (type) lookup(table, (max), s);                  \
        }

DEFINE_STRING_TABLE(damon_ops, DamonOps, ops_table, _DAMON_OPS_MAX)
DEFINE_STRING_TABLE(damos_action, DamosAction, action_table, _DAMOS_ACTION_MAX)
DEFINE_STRING_TABLE(damos_goal_metric, DamosGoalMetric, goal_metric_table, _DAMOS_GOAL_METRIC_MAX)
DEFINE_STRING_TABLE(damos_goal_tuner, DamosGoalTuner, goal_tuner_table, _DAMOS_GOAL_TUNER_MAX)
DEFINE_STRING_TABLE(damos_wmark_metric, DamosWmarkMetric, wmark_metric_table, _DAMOS_WMARK_METRIC_MAX)
DEFINE_STRING_TABLE(damos_filter_type, DamosFilterType, filter_type_table, _DAMOS_FILTER_TYPE_MAX)
DEFINE_STRING_TABLE(damos_filter_set, DamosFilterSet, filter_set_table, _DAMOS_FILTER_SET_MAX)

bool damos_filter_type_is_core(DamosFilterType t) {
        return t == DAMOS_FILTER_ADDR || t == DAMOS_FILTER_TARGET;
}

void damon_spec_init(DamonSpec *spec) {
        *spec = (DamonSpec) {
                .ops = DAMON_OPS_VADDR,
                .addr_unit = 1,
                .attrs = {
                        .sample_us = 5000,
                        .aggr_us = 100000,
                        .update_us = 60000000,
                        .min_nr_regions = 10,
                        .max_nr_regions = 1000,
                },
        };
}

void damon_scheme_init(DamosScheme *s) {
        *s = (DamosScheme) {
                .action = DAMOS_ACTION_STAT,
                .target_nid = -1,
                .quota.goal_tuner = DAMOS_GOAL_TUNER_CONSIST,
                .wmarks.metric = DAMOS_WMARK_NONE,
        };
}

void damon_goal_init(DamosGoal *g) {
        *g = (DamosGoal) { .metric = DAMOS_GOAL_USER_INPUT };
}

void damon_filter_init(DamosFilter *f) {
        *f = (DamosFilter) { .type = DAMOS_FILTER_ANON };
}

static void scheme_done(DamosScheme *s) {
        for (size_t i = 0; i < s->quota.n_goals; i++)
                free(s->quota.goals[i].path);
        free(s->quota.goals);
        for (size_t set = 0; set < _DAMOS_FILTER_SET_MAX; set++) {
                for (size_t i = 0; i < s->n_filters[set]; i++)
                        free(s->filters[set][i].memcg_path);
                free(s->filters[set]);
        }
        free(s->dests);
}

void damon_spec_done(DamonSpec *spec) {
        if (!spec)
                return;
        for (size_t i = 0; i < spec->n_targets; i++)
                free(spec->targets[i].regions);
        free(spec->targets);
        for (size_t i = 0; i < spec->n_schemes; i++)
                scheme_done(&spec->schemes[i]);
        free(spec->schemes);
        damon_spec_init(spec);
}

static void *grow(void *array, size_t n, size_t size) {
        /* exact growth keeps the code simple; specs have a handful of elements */
        return realloc(array, (n + 1) * size);
}

DamonTarget *damon_spec_add_target(DamonSpec *spec) {
        DamonTarget *a = grow(spec->targets, spec->n_targets, sizeof(*a));

        if (!a)
                return NULL;
        spec->targets = a;
        a[spec->n_targets] = (DamonTarget) {};
        return &a[spec->n_targets++];
}

DamonRegion *damon_target_add_region(DamonTarget *t, uint64_t start, uint64_t end) {
        DamonRegion *a = grow(t->regions, t->n_regions, sizeof(*a));

        if (!a)
                return NULL;
        t->regions = a;
        a[t->n_regions] = (DamonRegion) { .start = start, .end = end };
        return &a[t->n_regions++];
}

DamosScheme *damon_spec_add_scheme(DamonSpec *spec) {
        DamosScheme *a = grow(spec->schemes, spec->n_schemes, sizeof(*a));

        if (!a)
                return NULL;
        spec->schemes = a;
        damon_scheme_init(&a[spec->n_schemes]);
        return &a[spec->n_schemes++];
}

DamosGoal *damos_scheme_add_goal(DamosScheme *s) {
        DamosGoal *a = grow(s->quota.goals, s->quota.n_goals, sizeof(*a));

        if (!a)
                return NULL;
        s->quota.goals = a;
        damon_goal_init(&a[s->quota.n_goals]);
        return &a[s->quota.n_goals++];
}

DamosFilter *damos_scheme_add_filter(DamosScheme *s, DamosFilterSet set) {
        DamosFilter *a;

        if ((int) set < 0 || set >= _DAMOS_FILTER_SET_MAX)
                return NULL;
        a = grow(s->filters[set], s->n_filters[set], sizeof(*a));
        if (!a)
                return NULL;
        s->filters[set] = a;
        damon_filter_init(&a[s->n_filters[set]]);
        return &a[s->n_filters[set]++];
}

DamosDest *damos_scheme_add_dest(DamosScheme *s, uint64_t id, uint64_t weight) {
        DamosDest *a = grow(s->dests, s->n_dests, sizeof(*a));

        if (!a)
                return NULL;
        s->dests = a;
        a[s->n_dests] = (DamosDest) { .id = id, .weight = weight };
        return &a[s->n_dests++];
}

static int dup_array(void **dst, const void *src, size_t n, size_t size) {
        *dst = NULL;
        if (n == 0)
                return 0;
        *dst = malloc(n * size);
        if (!*dst)
                return -ENOMEM;
        memcpy(*dst, src, n * size);
        return 0;
}

static int dup_str(char **dst, const char *src) {
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

static int scheme_copy(DamosScheme *dst, const DamosScheme *src) {
        *dst = *src;
        dst->quota.goals = NULL;
        dst->dests = NULL;
        for (size_t set = 0; set < _DAMOS_FILTER_SET_MAX; set++)
                dst->filters[set] = NULL;

        if (dup_array((void **) &dst->quota.goals, src->quota.goals, src->quota.n_goals, sizeof(DamosGoal)) < 0)
                goto fail;
        for (size_t i = 0; i < src->quota.n_goals; i++)
                dst->quota.goals[i].path = NULL;
        for (size_t i = 0; i < src->quota.n_goals; i++)
                if (dup_str(&dst->quota.goals[i].path, src->quota.goals[i].path) < 0)
                        goto fail;
        for (size_t set = 0; set < _DAMOS_FILTER_SET_MAX; set++) {
                if (dup_array((void **) &dst->filters[set], src->filters[set], src->n_filters[set],
                              sizeof(DamosFilter)) < 0)
                        goto fail;
                for (size_t i = 0; i < src->n_filters[set]; i++)
                        dst->filters[set][i].memcg_path = NULL;
                for (size_t i = 0; i < src->n_filters[set]; i++)
                        if (dup_str(&dst->filters[set][i].memcg_path, src->filters[set][i].memcg_path) < 0)
                                goto fail;
        }
        if (dup_array((void **) &dst->dests, src->dests, src->n_dests, sizeof(DamosDest)) < 0)
                goto fail;
        return 0;

fail:
        if (!dst->quota.goals)
                dst->quota.n_goals = 0;
        for (size_t set = 0; set < _DAMOS_FILTER_SET_MAX; set++)
                if (!dst->filters[set])
                        dst->n_filters[set] = 0;
        if (!dst->dests)
                dst->n_dests = 0;
        return -ENOMEM;
}

int damon_spec_copy(DamonSpec *dst, const DamonSpec *src) {
        damon_spec_init(dst);
        dst->ops = src->ops;
        dst->addr_unit = src->addr_unit;
        dst->attrs = src->attrs;
        dst->refresh_ms = src->refresh_ms;

        for (size_t i = 0; i < src->n_targets; i++) {
                DamonTarget *t = damon_spec_add_target(dst);

                if (!t)
                        goto fail;
                t->pid = src->targets[i].pid;
                t->obsolete = src->targets[i].obsolete;
                for (size_t j = 0; j < src->targets[i].n_regions; j++)
                        if (!damon_target_add_region(t, src->targets[i].regions[j].start,
                                                     src->targets[i].regions[j].end))
                                goto fail;
        }
        if (src->n_schemes > 0) {
                dst->schemes = calloc(src->n_schemes, sizeof(DamosScheme));
                if (!dst->schemes)
                        goto fail;
                for (size_t i = 0; i < src->n_schemes; i++) {
                        int r = scheme_copy(&dst->schemes[i], &src->schemes[i]);

                        dst->n_schemes = i + 1;
                        if (r < 0)
                                goto fail;
                }
        }
        return 0;

fail:
        damon_spec_done(dst);
        return -ENOMEM;
}
