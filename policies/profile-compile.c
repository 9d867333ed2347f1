/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "damon-image.h"
#include "profile-compile.h"
#include "profile-internal.h"
#include "profile-kernels.h"
#include "strv.h"
#include "units.h"

typedef struct Ctx {
        const Profile *p;
        const DamonFeatures *f;
        const MemoryTopology *topology; /* NULL: not known */
        DiagList *diags;
        bool skip;              /* Unsupported=skip */
        uint64_t span_start;    /* Nodes=auto: the monitored span, [start, end) */
        uint64_t span_end;
} Ctx;

/* A migration scheme bound to a pair of nodes by Nodes=auto. */
typedef struct TierBinding {
        ProfileTierScheme ts;
        const MemoryNode *from; /* whose memory the scheme acts on */
        const MemoryNode *fast; /* the node its node goals measure */
        unsigned fast_node;     /* ... its id */
} TierBinding;

static const char * const tier_role_table[_PROFILE_TIER_ROLE_MAX] = {
        [PROFILE_TIER_NONE] = "none",
        [PROFILE_TIER_PROMOTE] = "promote",
        [PROFILE_TIER_DEMOTE] = "demote",
};

const char *profile_tier_role_to_string(ProfileTierRole r) {
        if (r < 0 || r >= _PROFILE_TIER_ROLE_MAX)
                return NULL;
        return tier_role_table[r];
}

static bool has(const Ctx *c, DamonFeature f) {
        return damon_features_has(c->f, f);
}

/* "needs quota goals (Linux 6.8), which this kernel lacks" */
static char *lacks(DamonFeature f) {
        unsigned major, minor;
        char *s;

        profile_feature_since(f, &major, &minor);
        if (asprintf(&s, "needs %s (Linux %u.%u), which this kernel lacks", profile_feature_description(f),
                     major, minor) < 0)
                return NULL;
        return s;
}

/* Reports about @key of @s: severity, "needs X (Linux V), which this kernel lacks" and a tail. */
_printf_(6, 7)
static int say(Ctx *c, DiagSeverity sev, const ProfileSection *s, const char *key, DamonFeature f,
               const char *format, ...) {
        _cleanup_free_ char *why = NULL, *tail = NULL;
        ConfigLoc l = profile_section_where(c->p, s, key);
        char value[128];
        va_list ap;
        int r;

        why = lacks(f);
        if (!why)
                return -ENOMEM;
        va_start(ap, format);
        r = vasprintf(&tail, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        profile_section_show(s, key, value, sizeof(value));
        return diag_add(c->diags, sev, l.file, l.line, key, value, "%s%s%s", why, *tail ? "; " : "", tail);
}

static int emulate(Ctx *c, const ProfileSection *s, const char *key, DamonFeature f, const char *how) {
        return say(c, DIAG_NOTE, s, key, f, "emulated: %s", how);
}

/* Returns 1 when the caller should skip (Unsupported=skip), 0 when refused (an error was added). */
static int refuse(Ctx *c, const ProfileSection *s, const char *key, DamonFeature f, const char *skipped) {
        int r;

        if (c->skip) {
                r = say(c, DIAG_NOTE, s, key, f, "skipped: %s", skipped);
                return r < 0 ? r : 1;
        }
        r = say(c, DIAG_ERROR, s, key, f, "%s", "");
        return r < 0 ? r : 0;
}

void compiled_profile_done(CompiledProfile *c) {
        if (!c)
                return;
        free(c->name);
        damon_spec_done(&c->spec);
        strv_free(c->process_names);
        strv_free(c->cgroups);
        strv_free(c->units);
        strv_free(c->scheme_names);
        for (size_t i = 0; i < c->n_feeds; i++) {
                free(c->feeds[i].cgroup);
                free(c->feeds[i].unit);
        }
        free(c->feeds);
        free(c->tiering.off);
        free(c->tiering.topology);
        free(c->tiering.schemes);
        *c = (CompiledProfile) {};
        damon_spec_init(&c->spec);
}

#define TRY(expr)                               \
        do {                                    \
                int _r = (expr);                \
                if (_r < 0)                     \
                        return _r;              \
        } while (0)

static int compile_monitor(Ctx *c, CompiledProfile *out) {
        const ProfileMonitor *m = &c->p->monitor;
        DamonSpec *spec = &out->spec;
        int r;

        spec->attrs.sample_us = m->sample_usec;
        spec->attrs.aggr_us = m->aggr_usec;
        spec->attrs.update_us = m->update_usec;
        spec->attrs.min_nr_regions = m->min_regions;
        spec->attrs.max_nr_regions = m->max_regions;

        if (m->goal_aggrs > 0) {
                if (has(c, DAMON_FEATURE_INTERVALS_GOAL)) {
                        spec->attrs.intervals_goal = (DamonIntervalsGoal) {
                                .access_bp = m->goal_access_ppm / 100,
                                .aggrs = m->goal_aggrs,
                                .min_sample_us = m->min_sample_usec,
                                .max_sample_us = m->max_sample_usec,
                        };
                        out->ages_follow_tuning = true;
                } else {
                        r = refuse(c, &m->head, "IntervalsGoalAggregations", DAMON_FEATURE_INTERVALS_GOAL,
                                   "the intervals stay fixed");
                        if (r < 0)
                                return r;
                }
        }
        if (m->addr_unit != 1) {
                if (has(c, DAMON_FEATURE_ADDR_UNIT))
                        spec->addr_unit = m->addr_unit;
                else {
                        r = refuse(c, &m->head, "AddrUnit", DAMON_FEATURE_ADDR_UNIT, "AddrUnit=1 is used");
                        if (r < 0)
                                return r;
                }
        }
        if (m->refresh_usec > 0) {
                if (has(c, DAMON_FEATURE_REFRESH_MS))
                        spec->refresh_ms = m->refresh_usec / USEC_PER_MSEC;
                else
                        TRY(emulate(c, &m->head, "RefreshInterval", DAMON_FEATURE_REFRESH_MS,
                                    "damond asks the kernel for fresh statistics at this interval"));
        }
        return 0;
}

static int compile_target(Ctx *c, CompiledProfile *out) {
        const Profile *p = c->p;
        const ProfileTarget *t = &p->target;
        DamonSpec *spec = &out->spec;
        DamonTarget *dt;

        spec->ops = p->general.operations;
        if (spec->ops == DAMON_OPS_FVADDR && !has(c, DAMON_FEATURE_FVADDR))
                return say(c, DIAG_ERROR, &p->general.head, "Operations", DAMON_FEATURE_FVADDR, "%s", "");
        if (!(c->f->ops_mask & (1u << spec->ops))) {
                ConfigLoc l = profile_section_where(p, &p->general.head, "Operations");

                return diag_add(c->diags, DIAG_ERROR, l.file, l.line, "Operations",
                                damon_ops_to_string(spec->ops),
                                "this kernel does not have the %s operations set (CONFIG_DAMON_%s)",
                                damon_ops_to_string(spec->ops),
                                spec->ops == DAMON_OPS_PADDR ? "PADDR" : "VADDR");
        }

        if (spec->ops == DAMON_OPS_PADDR) {
                dt = damon_spec_add_target(spec);
                if (!dt)
                        return -ENOMEM;
                for (size_t i = 0; i < t->regions.n; i++)
                        if (!damon_target_add_region(dt, t->regions.items[i].start, t->regions.items[i].end))
                                return -ENOMEM;
                out->regions_auto = t->regions.n == 0;
                return 0;
        }
        for (size_t i = 0; i < t->pids.n; i++) {
                dt = damon_spec_add_target(spec);
                if (!dt)
                        return -ENOMEM;
                dt->pid = (pid_t) t->pids.items[i];
                for (size_t j = 0; spec->ops == DAMON_OPS_FVADDR && j < t->regions.n; j++)
                        if (!damon_target_add_region(dt, t->regions.items[j].start, t->regions.items[j].end))
                                return -ENOMEM;
        }
        for (size_t i = 0; i < t->process_names.n; i++)
                TRY(strv_extend(&out->process_names, t->process_names.items[i]));
        for (size_t i = 0; i < t->cgroups.n; i++)
                TRY(strv_extend(&out->cgroups, t->cgroups.items[i]));
        for (size_t i = 0; i < t->units.n; i++)
                TRY(strv_extend(&out->units, t->units.items[i]));
        out->max_followed = (size_t) t->max_processes;
        return 0;
}

/* Whether the operations set implements @action (docs/damon-abi.md, section 2.1). */
static bool ops_has_action(const Ctx *c, int ops, int action) {
        switch (action) {
        case DAMOS_ACTION_WILLNEED:
        case DAMOS_ACTION_COLD:
        case DAMOS_ACTION_HUGEPAGE:
        case DAMOS_ACTION_NOHUGEPAGE:
                return ops != DAMON_OPS_PADDR;
        case DAMOS_ACTION_LRU_PRIO:
        case DAMOS_ACTION_LRU_DEPRIO:
                return ops == DAMON_OPS_PADDR;
        case DAMOS_ACTION_MIGRATE_HOT:
        case DAMOS_ACTION_MIGRATE_COLD:
                /* vaddr migration came with multiple destinations */
                return ops == DAMON_OPS_PADDR || has(c, DAMON_FEATURE_DESTS);
        default:
                return true;
        }
}

static uint64_t accesses_to_samples(const ProfileAccesses *a, uint64_t max_nr, bool round_up) {
        unsigned __int128 v;

        if (!a->percent)
                return MIN(a->value, (uint64_t) UINT32_MAX);
        v = (unsigned __int128) a->value * max_nr;
        return (uint64_t) ((v + (round_up ? 999999 : 0)) / 1000000);
}

static uint64_t age_to_aggrs(uint64_t usec, uint64_t aggr_us, bool round_up) {
        uint64_t v;

        if (usec == UINT64_MAX)
                return UINT32_MAX;
        v = usec / aggr_us + (round_up && usec % aggr_us ? 1 : 0);
        return MIN(v, (uint64_t) UINT32_MAX);
}

/* damond's own metrics (>= _DAMOS_GOAL_METRIC_MAX) have no kernel feature: always served from user space */
static DamonFeature goal_metric_feature(int metric) {
        return metric < _DAMOS_GOAL_METRIC_MAX ? damon_goal_metric_feature(metric) : _DAMON_FEATURE_INVALID;
}

static uint64_t node_bp(const MemoryNode *n, uint64_t bytes) {
        return (uint64_t) MIN(((unsigned __int128) bytes * 10000 + n->total - 1) / n->total, (unsigned __int128) 10000);
}

uint64_t profile_tier_free_target(const MemoryNode *n, uint64_t target_bp) {
        if (!n || n->total == 0 || n->wmark_promo == 0)
                return target_bp;
        return MIN(target_bp + node_bp(n, n->wmark_promo), (uint64_t) 10000);
}

uint64_t profile_tier_fill_target(const MemoryNode *n, uint64_t target_bp) {
        if (!n || n->total == 0 || n->wmark_high == 0)
                return target_bp;
        return MAX(MIN(target_bp, 10000 - node_bp(n, n->wmark_high)), (uint64_t) 1);
}

/* A goal's target for the scheme @b binds: see profile_tier_free_target() */
static uint64_t goal_target(const ProfileGoal *g, const TierBinding *b) {
        if (!b)
                return g->target_value;
        if (g->metric == DAMOS_GOAL_NODE_MEM_FREE_BP && b->ts.role == PROFILE_TIER_DEMOTE)
                return profile_tier_free_target(b->fast, g->target_value);
        if (g->metric == DAMOS_GOAL_NODE_MEM_USED_BP && b->ts.role == PROFILE_TIER_PROMOTE)
                return profile_tier_fill_target(b->fast, g->target_value);
        return g->target_value;
}

static int add_feed(CompiledProfile *out, size_t scheme, ssize_t goal, const ProfileGoal *g, uint64_t node,
                    uint64_t target) {
        ProfileFeed *a = realloc(out->feeds, (out->n_feeds + 1) * sizeof(*a));

        if (!a)
                return -ENOMEM;
        out->feeds = a;
        a[out->n_feeds] = (ProfileFeed) {
                .scheme = scheme,
                .goal = goal,
                .metric = g->metric,
                .target = target,
                .target_of_limit = g->target_of_limit,
                .node = node,
        };
        if (g->unit && !(a[out->n_feeds].unit = strdup(g->unit)))
                return -ENOMEM;
        if (g->cgroup && !(a[out->n_feeds].cgroup = strdup(g->cgroup)))
                return -ENOMEM;
        out->n_feeds++;
        return 0;
}

/* Returns 1 if the scheme must be dropped (Unsupported=skip), 0 if compiled (possibly with errors). */
static bool metric_has_node(int metric) {
        return metric >= DAMOS_GOAL_NODE_MEM_USED_BP && metric <= DAMOS_GOAL_NODE_MEMCG_FREE_BP;
}

static int compile_goals(Ctx *c, CompiledProfile *out, const ProfileScheme *sc, DamosScheme *ds,
                         size_t index, const TierBinding *b) {
        for (size_t i = 0; i < c->p->n_goals; i++) {
                const ProfileGoal *g = c->p->goals[i];
                uint64_t node, target;
                DamonFeature need;
                DamosGoal *dg;

                if (!g->scheme || !streq(g->scheme, sc->head.name) || g->metric < 0)
                        continue;
                node = b && metric_has_node(g->metric) ? b->fast_node : g->node;
                target = goal_target(g, b);
                need = goal_metric_feature(g->metric);
                if (sc->quota_tuned_by == PROFILE_QUOTA_TUNED_BY_DAMOND) {
                        /* The kernel's goal-tuned quota is an arbitrary byte count, which the kernel never
                         * counts as used up (it charges whole pages): each window would start over at the
                         * lowest address. damond's own quota is whole pages. */
                        TRY(add_feed(out, index, -1, g, node, target));
                        continue;
                }
                if (need >= 0 && has(c, need)) {
                        dg = damos_scheme_add_goal(ds);
                        if (!dg)
                                return -ENOMEM;
                        dg->metric = g->metric;
                        dg->target_value = target;
                        dg->nid = (int) node;
                        if (g->cgroup && !(dg->path = strdup(g->cgroup)))
                                return -ENOMEM;
                        continue;
                }
                if (has(c, DAMON_FEATURE_QUOTA_GOALS)) {
                        dg = damos_scheme_add_goal(ds);
                        if (!dg)
                                return -ENOMEM;
                        dg->metric = DAMOS_GOAL_USER_INPUT;
                        dg->target_value = target;
                        TRY(add_feed(out, index, (ssize_t) ds->quota.n_goals - 1, g, node, target));
                        if (need >= 0)
                                TRY(emulate(c, &g->head, "Metric", need,
                                            "damond measures it and feeds a user_input goal every "
                                            "QuotaResetInterval="));
                        continue;
                }
                TRY(add_feed(out, index, -1, g, node, target));
                TRY(emulate(c, &g->head, "Metric", DAMON_FEATURE_QUOTA_GOALS,
                            "damond measures it and tunes the size quota itself every QuotaResetInterval="));
        }
        return 0;
}

static int compile_filters(Ctx *c, const ProfileScheme *sc, DamosScheme *ds) {
        for (size_t i = 0; i < c->p->n_filters; i++) {
                const ProfileFilter *pf = c->p->filters[i];
                DamonFeature need;
                DamosFilterSet set;
                DamosFilter *df;
                int r;

                if (!pf->scheme || !streq(pf->scheme, sc->head.name) || pf->type < 0)
                        continue;
                need = damon_filter_type_feature(pf->type);
                if (!has(c, need) && pf->optional) {
                        r = say(c, DIAG_NOTE, &pf->head, "Type", need,
                                "skipped: the scheme runs without this filter (Optional=yes)");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!has(c, need))
                        return refuse(c, &pf->head, "Type", need, "its scheme is left out");
                if (pf->allow && !has(c, DAMON_FEATURE_FILTER_ALLOW))
                        return refuse(c, &pf->head, "Allow", DAMON_FEATURE_FILTER_ALLOW,
                                      "its scheme is left out");

                if (pf->layer == PROFILE_FILTER_LAYER_LEGACY)
                        set = DAMOS_FILTERS_LEGACY;
                else if (has(c, DAMON_FEATURE_CORE_OPS_FILTERS))
                        set = damos_filter_type_is_core(pf->type) ? DAMOS_FILTERS_CORE : DAMOS_FILTERS_OPS;
                else {
                        set = DAMOS_FILTERS_LEGACY;
                        if (pf->layer != PROFILE_FILTER_LAYER_AUTO) {
                                r = emulate(c, &pf->head, "Layer", DAMON_FEATURE_CORE_OPS_FILTERS,
                                            "the filter goes to filters/, which holds every type on "
                                            "this kernel");
                                if (r < 0)
                                        return r;
                        }
                }
                df = damos_scheme_add_filter(ds, set);
                if (!df)
                        return -ENOMEM;
                df->type = pf->type;
                df->matching = pf->matching;
                df->allow = pf->allow;
                if (pf->memcg && !(df->memcg_path = strdup(pf->memcg)))
                        return -ENOMEM;
                df->addr_start = pf->addr_range.min;
                df->addr_end = pf->addr_range.max;
                df->target_idx = pf->target_index;
                df->min = pf->hugepage_size.min;
                df->max = pf->hugepage_size.max;
        }
        return 0;
}

/* Nodes=auto: address filters that keep the scheme to @b's source node, by rejecting every part of the
 * monitored span outside the node's ranges (reject filters: the semantics every kernel with address
 * filters shares). At most MEMORY_NODE_RANGES_MAX + 1 filters. */
static int add_node_filters(Ctx *c, DamosScheme *ds, const TierBinding *b) {
        DamosFilterSet set = has(c, DAMON_FEATURE_CORE_OPS_FILTERS) ? DAMOS_FILTERS_CORE : DAMOS_FILTERS_LEGACY;
        const MemoryNode *n = b->from;
        uint64_t at = c->span_start;

        for (size_t i = 0; i <= n->n_ranges; i++) {
                uint64_t end = i < n->n_ranges ? n->ranges[i].start : c->span_end;

                if (end > at) {
                        DamosFilter *df = damos_scheme_add_filter(ds, set);

                        if (!df)
                                return -ENOMEM;
                        df->type = DAMOS_FILTER_ADDR;
                        df->matching = true;
                        df->allow = false;
                        df->addr_start = at;
                        df->addr_end = end;
                }
                if (i < n->n_ranges)
                        at = MAX(at, n->ranges[i].end);
        }
        return 0;
}

/* Compiles one scheme into @ds, bound to nodes by @b (NULL: as written). Returns 1 to drop it, 0 to keep
 * it, <0 on -ENOMEM. */
static int compile_scheme(Ctx *c, CompiledProfile *out, const ProfileScheme *sc, DamosScheme *ds,
                          size_t index, const TierBinding *b) {
        const ProfileSection *s = &sc->head;
        const DamonAttrs *attrs = &out->spec.attrs;
        uint64_t max_nr = attrs->sample_us > 0 ? attrs->aggr_us / attrs->sample_us : 0;
        int r;

        if (sc->action == DAMOS_ACTION_LRU_PRIO || sc->action == DAMOS_ACTION_LRU_DEPRIO) {
                if (!has(c, DAMON_FEATURE_LRU_ACTIONS))
                        return refuse(c, s, "Action", DAMON_FEATURE_LRU_ACTIONS, "the scheme is left out");
        }
        if (sc->action == DAMOS_ACTION_MIGRATE_HOT || sc->action == DAMOS_ACTION_MIGRATE_COLD) {
                if (!has(c, DAMON_FEATURE_MIGRATE))
                        return refuse(c, s, "Action", DAMON_FEATURE_MIGRATE, "the scheme is left out");
        }
        if (!ops_has_action(c, out->spec.ops, sc->action)) {
                ConfigLoc l = profile_section_where(c->p, s, "Action");

                r = diag_add(c->diags, DIAG_ERROR, l.file, l.line, "Action",
                             damos_action_to_string(sc->action),
                             "the %s operations set does not implement this action",
                             damon_ops_to_string(out->spec.ops));
                return r < 0 ? r : 0;
        }
        ds->action = sc->action;
        ds->sz = (DamonRange) { sc->min_size, sc->max_size };
        ds->nr_accesses = (DamonRange) {
                accesses_to_samples(&sc->min_accesses, max_nr, true),
                accesses_to_samples(&sc->max_accesses, max_nr, false),
        };
        ds->age = (DamonRange) {
                age_to_aggrs(sc->min_age_usec, attrs->aggr_us, true),
                age_to_aggrs(sc->max_age_usec, attrs->aggr_us, false),
        };
        if (ds->nr_accesses.min > ds->nr_accesses.max) {
                ConfigLoc l = profile_section_where(c->p, s, "MinAccesses");
                char v[64];

                profile_section_show(s, "MinAccesses", v, sizeof(v));
                r = diag_add(c->diags, DIAG_ERROR, l.file, l.line, "MinAccesses", v,
                             "no access count lies between MinAccesses= and MaxAccesses= at these intervals "
                             "(at most %" PRIu64 " per aggregation interval)", max_nr);
                return r < 0 ? r : 0;
        }
        if (ds->age.min > ds->age.max) {
                ConfigLoc l = profile_section_where(c->p, s, "MinAge");
                char v[64];

                profile_section_show(s, "MinAge", v, sizeof(v));
                r = diag_add(c->diags, DIAG_ERROR, l.file, l.line, "MinAge", v,
                             "no whole number of aggregation intervals lies between MinAge= and MaxAge=");
                return r < 0 ? r : 0;
        }

        /* With the intervals auto-tuned (6.15+) the aggregation interval moves, and an apply interval of 0
         * moves with it: an ApplyInterval= equal to the starting AggregationInterval= is written too, so
         * that the scheme keeps the pace it names. */
        if (sc->apply_interval_usec > 0 &&
            (sc->apply_interval_usec != attrs->aggr_us || attrs->intervals_goal.aggrs > 0)) {
                if (has(c, DAMON_FEATURE_APPLY_INTERVAL))
                        ds->apply_interval_us = sc->apply_interval_usec;
                else {
                        r = refuse(c, s, "ApplyInterval", DAMON_FEATURE_APPLY_INTERVAL,
                                   "the scheme applies every aggregation interval");
                        if (r < 0)
                                return r;
                }
        }
        if (profile_section_is_set(s, "TargetNode"))
                ds->target_nid = (int) sc->target_node;
        if (b)
                ds->target_nid = (int) b->ts.to_node;

        ds->quota.ms = sc->quota_time_usec / USEC_PER_MSEC;
        ds->quota.bytes = sc->quota_size;
        ds->quota.reset_interval_ms = sc->quota_reset_usec / USEC_PER_MSEC;
        ds->quota.weight_sz_permil = sc->weight_size;
        ds->quota.weight_nr_accesses_permil = sc->weight_accesses;
        ds->quota.weight_age_permil = sc->weight_age;
        if (sc->goal_tuner == DAMOS_GOAL_TUNER_TEMPORAL) {
                if (!has(c, DAMON_FEATURE_GOAL_TUNER))
                        return refuse(c, s, "GoalTuner", DAMON_FEATURE_GOAL_TUNER, "the scheme is left out");
                ds->quota.goal_tuner = DAMOS_GOAL_TUNER_TEMPORAL;
        }

        ds->wmarks.metric = sc->wmark_metric;
        if (sc->wmark_metric != DAMOS_WMARK_NONE) {
                ds->wmarks.interval_us = sc->wmark_interval_usec;
                ds->wmarks.high = sc->wmark_high_ppm / 1000;
                ds->wmarks.mid = sc->wmark_mid_ppm / 1000;
                ds->wmarks.low = sc->wmark_low_ppm / 1000;
        }

        if (sc->max_snapshots > 0) {
                if (!has(c, DAMON_FEATURE_SNAPSHOTS))
                        return refuse(c, s, "MaxSnapshots", DAMON_FEATURE_SNAPSHOTS,
                                      "the scheme is left out");
                ds->max_nr_snapshots = sc->max_snapshots;
        }

        if (sc->dests.n > 0) {
                if (has(c, DAMON_FEATURE_DESTS)) {
                        for (size_t i = 0; i < sc->dests.n; i++) {
                                const ProfileDest *pd = &sc->dests.items[i];

                                if (!damos_scheme_add_dest(ds, pd->node, pd->weight))
                                        return -ENOMEM;
                        }
                } else if (sc->dests.n == 1) {
                        _cleanup_free_ char *why = lacks(DAMON_FEATURE_DESTS);
                        char v[48];

                        if (!why)
                                return -ENOMEM;
                        ds->target_nid = (int) sc->dests.items[0].node;
                        snprintf(v, sizeof(v), "%" PRIu64 ":%" PRIu64, sc->dests.items[0].node,
                                 sc->dests.items[0].weight);
                        r = diag_add(c->diags, DIAG_NOTE, sc->dests.items[0].loc.file,
                                     sc->dests.items[0].loc.line, "Dest", v,
                                     "%s; emulated: the single destination is written as target_nid", why);
                        if (r < 0)
                                return r;
                } else {
                        _cleanup_free_ char *why = lacks(DAMON_FEATURE_DESTS);
                        char v[48];

                        if (!why)
                                return -ENOMEM;
                        snprintf(v, sizeof(v), "%" PRIu64 ":%" PRIu64, sc->dests.items[1].node,
                                 sc->dests.items[1].weight);
                        r = diag_add(c->diags, c->skip ? DIAG_NOTE : DIAG_ERROR, sc->dests.items[1].loc.file,
                                     sc->dests.items[1].loc.line, "Dest", v, "%s%s", why,
                                     c->skip ? "; skipped: the scheme is left out" : "");
                        if (r < 0)
                                return r;
                        return c->skip ? 1 : 0;
                }
        }

        if (b)
                TRY(add_node_filters(c, ds, b));
        r = compile_filters(c, sc, ds);
        if (r != 0)
                return r;
        return compile_goals(c, out, sc, ds, index, b);
}

/* Compiles @sc (bound by @b, or as written) as the next scheme of the spec, or drops it. */
static int compile_one(Ctx *c, CompiledProfile *ret, const ProfileScheme *sc, const TierBinding *b) {
        DamosScheme *ds = damon_spec_add_scheme(&ret->spec);
        size_t n_feeds = ret->n_feeds;
        int r;

        if (!ds)
                return -ENOMEM;
        r = compile_scheme(c, ret, sc, ds, ret->spec.n_schemes - 1, b);
        if (r < 0)
                return r;
        if (r > 0) {
                /* dropped: forget it, and any feed it registered */
                DamonSpec dropped;

                damon_spec_init(&dropped);
                dropped.schemes = malloc(sizeof(DamosScheme));
                if (!dropped.schemes)
                        return -ENOMEM;
                dropped.schemes[0] = ret->spec.schemes[--ret->spec.n_schemes];
                dropped.n_schemes = 1;
                damon_spec_done(&dropped);
                for (size_t j = n_feeds; j < ret->n_feeds; j++) {
                        free(ret->feeds[j].cgroup);
                        free(ret->feeds[j].unit);
                }
                ret->n_feeds = n_feeds;
                return 0;
        }
        if (b) {
                _cleanup_free_ char *name = NULL;

                if (asprintf(&name, "%s:%u>%u", sc->head.name ?: "", b->ts.from_node, b->ts.to_node) < 0)
                        return -ENOMEM;
                TRY(strv_extend(&ret->scheme_names, name));
        } else
                TRY(strv_extend(&ret->scheme_names, sc->head.name ?: ""));
        if (ret->tiering.automatic) {
                ProfileTierScheme *a = reallocarray(ret->tiering.schemes, ret->spec.n_schemes, sizeof(*a));

                if (!a)
                        return -ENOMEM;
                ret->tiering.schemes = a;
                a[ret->spec.n_schemes - 1] = b ? b->ts : (ProfileTierScheme) { .role = PROFILE_TIER_NONE };
        }
        return 0;
}

static bool is_migration(const ProfileScheme *sc) {
        return sc->action == DAMOS_ACTION_MIGRATE_HOT || sc->action == DAMOS_ACTION_MIGRATE_COLD;
}

static int cmp_range(const void *a, const void *b) {
        const MemoryRange *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

/* Nodes=auto: checks the machine can be tiered (else fills tiering.off and says so), and makes the
 * target the memory of every tiered node. Returns 1 when the migration schemes are to be expanded. */
static int tiering_prepare(Ctx *c, CompiledProfile *ret) {
        const ProfileSection *s = &c->p->target.head;
        const MemoryTopology *t = c->topology;
        ConfigLoc l = profile_section_where(c->p, s, "Nodes");
        MemoryRange ranges[MEMORY_NODES_MAX * MEMORY_NODE_RANGES_MAX];
        DamonTarget *dt;
        size_t n = 0;
        char nodes[PROFILE_TIER_NODES_MAX];

        ret->tiering.automatic = true;
        if (!t)
                return diag_add(c->diags, DIAG_ERROR, l.file, l.line, "Nodes", "auto",
                                "the machine's memory tiers could not be read (sys/devices/system/node)");
        ret->tiering.topology = malloc(sizeof(*t));
        if (!ret->tiering.topology)
                return -ENOMEM;
        *ret->tiering.topology = *t;

        for (size_t i = 0; i < c->p->n_goals; i++) {
                const ProfileGoal *g = c->p->goals[i];

                for (size_t j = 0; j < c->p->n_schemes; j++) {
                        const ProfileScheme *sc = c->p->schemes[j];

                        if (ret->tiering.free_target_bp > 0 || sc->action != DAMOS_ACTION_MIGRATE_COLD ||
                            !g->scheme || !sc->head.name || !streq(g->scheme, sc->head.name))
                                continue;
                        if (g->metric == DAMOS_GOAL_NODE_MEM_FREE_BP)
                                ret->tiering.free_target_bp = g->target_value;
                        else if (g->metric == DAMOS_GOAL_NODE_MEM_USED_BP && g->target_value <= 10000)
                                ret->tiering.free_target_bp = 10000 - g->target_value;
                }
        }

        if (t->n_tiers < 2) {
                const char *cpuless = NULL;
                char buf[128] = "";

                memory_tier_nodes_string(t, 0, nodes, sizeof(nodes));
                for (size_t i = 0; i < t->n_nodes && !cpuless; i++)
                        if (!t->nodes[i].has_cpu) {
                                snprintf(buf, sizeof(buf), "; node %u has no CPU, but the kernel keeps it in "
                                         "the same tier", t->nodes[i].id);
                                cpuless = buf;
                        }
                if (asprintf(&ret->tiering.off, "this machine has one memory tier (node%s %s)%s",
                             strchr(nodes, ',') || strchr(nodes, '-') ? "s" : "", nodes, buf) < 0)
                        return -ENOMEM;
        } else
                for (size_t i = 0; i < t->n_nodes && !ret->tiering.off; i++)
                        if (t->nodes[i].n_ranges == 0 &&
                            asprintf(&ret->tiering.off, "the kernel shows no memory blocks of node %u "
                                     "(CONFIG_MEMORY_HOTPLUG), so its addresses are not known",
                                     t->nodes[i].id) < 0)
                                return -ENOMEM;
        if (!ret->tiering.off && !has(c, DAMON_FEATURE_MIGRATE)) {
                ret->tiering.off = lacks(DAMON_FEATURE_MIGRATE);
                if (!ret->tiering.off)
                        return -ENOMEM;
        }
        if (ret->tiering.off) {
                int r = diag_add(c->diags, DIAG_NOTE, l.file, l.line, "Nodes", "auto",
                                 "%s: the migration schemes are left out", ret->tiering.off);
                return r < 0 ? r : 0;
        }

        /* the memory of every tiered node, in address order */
        for (size_t i = 0; i < t->n_nodes; i++)
                for (size_t j = 0; j < t->nodes[i].n_ranges; j++)
                        ranges[n++] = t->nodes[i].ranges[j];
        qsort(ranges, n, sizeof(*ranges), cmp_range);
        dt = ret->spec.n_targets > 0 ? &ret->spec.targets[0] : damon_spec_add_target(&ret->spec);
        if (!dt)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                DamonRegion *last = dt->n_regions > 0 ? &dt->regions[dt->n_regions - 1] : NULL;

                if (last && last->end >= ranges[i].start) {
                        last->end = MAX(last->end, ranges[i].end);
                        continue;
                }
                if (!damon_target_add_region(dt, ranges[i].start, ranges[i].end))
                        return -ENOMEM;
        }
        ret->regions_auto = false;
        c->span_start = dt->regions[0].start;
        c->span_end = dt->regions[dt->n_regions - 1].end;
        return 1;
}

/* Nodes=auto: @sc once per pair of nodes it moves memory between, over every pair of adjacent tiers. */
static int compile_tiered(Ctx *c, CompiledProfile *ret, const ProfileScheme *sc) {
        const MemoryTopology *t = c->topology;

        for (size_t fast = 0; fast + 1 < t->n_tiers; fast++) {
                bool demote = sc->action == DAMOS_ACTION_MIGRATE_COLD;
                size_t from_tier = demote ? fast : fast + 1, to_tier = demote ? fast + 1 : fast;
                const MemoryTier *tier = &t->tiers[from_tier];

                for (size_t i = tier->first; i < tier->first + tier->n_nodes; i++) {
                        int to = memory_topology_nearest(t, i, to_tier);
                        TierBinding b;

                        if (to < 0)
                                continue;
                        b = (TierBinding) {
                                .ts = {
                                        .role = demote ? PROFILE_TIER_DEMOTE : PROFILE_TIER_PROMOTE,
                                        .from_node = t->nodes[i].id,
                                        .to_node = t->nodes[to].id,
                                        .from_tier = from_tier,
                                        .to_tier = to_tier,
                                },
                                .from = &t->nodes[i],
                                .fast = demote ? &t->nodes[i] : &t->nodes[to],
                                .fast_node = demote ? t->nodes[i].id : t->nodes[to].id,
                        };
                        TRY(compile_one(c, ret, sc, &b));
                }
        }
        return 0;
}

int profile_compile(const Profile *p, const DamonFeatures *features, CompiledProfile *ret, DiagList *diags) {
        return profile_compile_tiered(p, features, NULL, ret, diags);
}

int profile_compile_tiered(const Profile *p, const DamonFeatures *features, const MemoryTopology *topology,
                           CompiledProfile *ret, DiagList *diags) {
        Ctx c = { .p = p, .f = features, .topology = topology, .diags = diags };
        bool tiered = false;
        int r;

        assert(p);
        assert(features);
        assert(ret);

        *ret = (CompiledProfile) {
                .enabled = p->general.enabled,
                .pressure_ceiling_usec = p->general.pressure_ceiling_usec,
        };
        damon_spec_init(&ret->spec);
        ret->name = strdup(p->name);
        if (!ret->name)
                return -ENOMEM;
        c.skip = p->general.unsupported == PROFILE_UNSUPPORTED_SKIP;

        if (!has(&c, DAMON_FEATURE_SYSFS))
                return diag_add(diags, DIAG_ERROR, p->path, 0, NULL, NULL,
                                "this kernel has no DAMON sysfs interface (Linux 5.18, CONFIG_DAMON_SYSFS)");

        TRY(compile_monitor(&c, ret));
        TRY(compile_target(&c, ret));
        if (p->target.nodes == PROFILE_NODES_AUTO) {
                r = tiering_prepare(&c, ret);
                if (r < 0)
                        return r;
                tiered = r > 0;
        }

        for (size_t i = 0; i < p->n_schemes; i++) {
                if (p->target.nodes == PROFILE_NODES_AUTO && is_migration(p->schemes[i])) {
                        if (tiered)
                                TRY(compile_tiered(&c, ret, p->schemes[i]));
                        continue;
                }
                TRY(compile_one(&c, ret, p->schemes[i], NULL));
        }
        if (ret->tiering.automatic && ret->spec.n_schemes == 0 && ret->tiering.off) {
                /* nothing to do here: no kdamond, and status says why (unless Enabled=no says it first) */
                ret->nothing_to_tier = ret->enabled;
                ret->enabled = false;
                TRY(diag_add(diags, DIAG_NOTE, p->path, 0, NULL, NULL,
                             "the profile has no scheme left on this machine and stays off: %s",
                             ret->tiering.off));
        }
        return 0;
}

/* The listing */

static void dump_feed(FILE *out, const char *ctx, const ProfileFeed *fd) {
        if (fd->goal >= 0)
                fprintf(out, "%s/schemes/%zu/quotas/goals/%zd/current_value: damond feeds %s", ctx,
                        fd->scheme, fd->goal, profile_goal_metric_to_string(fd->metric));
        else
                fprintf(out, "%s/schemes/%zu/quotas/bytes: damond tunes it for %s", ctx, fd->scheme,
                        profile_goal_metric_to_string(fd->metric));
        fprintf(out, " (target %" PRIu64 "%s", fd->target, fd->target_of_limit ? " bp of memory.high" : "");
        if (fd->cgroup)
                fprintf(out, ", cgroup %s", fd->cgroup);
        if (fd->unit)
                fprintf(out, ", cgroup of unit %s", fd->unit);
        if (fd->metric >= DAMOS_GOAL_NODE_MEM_USED_BP && fd->metric <= DAMOS_GOAL_NODE_MEMCG_FREE_BP)
                fprintf(out, ", node %" PRIu64, fd->node);
        fputs(")\n", out);
}

static void dump_tiering(FILE *out, const char *ctx, const CompiledProfile *c) {
        const ProfileTiering *t = &c->tiering;

        for (size_t i = 0; t->topology && i < t->topology->n_tiers; i++) {
                char nodes[PROFILE_TIER_NODES_MAX];

                memory_tier_nodes_string(t->topology, i, nodes, sizeof(nodes));
                fprintf(out, "# memory tier %zu (memory_tier%u): nodes %s\n", i, t->topology->tiers[i].id, nodes);
                for (size_t n = t->topology->tiers[i].first;
                     n < t->topology->tiers[i].first + t->topology->tiers[i].n_nodes; n++) {
                        const MemoryNode *mn = &t->topology->nodes[n];

                        if (mn->wmark_high > 0)
                                fprintf(out, "# node %u: %" PRIu64 "M, watermarks low %" PRIu64 "K, high %"
                                        PRIu64 "K, promo %" PRIu64 "K\n", mn->id, mn->total >> 20,
                                        mn->wmark_low >> 10, mn->wmark_high >> 10, mn->wmark_promo >> 10);
                }
        }
        if (t->off)
                fprintf(out, "# tiering off: %s\n", t->off);
        for (size_t i = 0; t->schemes && i < c->spec.n_schemes; i++) {
                const ProfileTierScheme *ts = &t->schemes[i];

                if (ts->role == PROFILE_TIER_NONE)
                        continue;
                fprintf(out, "%s/schemes/%zu: %ss node %u (tier %zu) to node %u (tier %zu)\n", ctx, i,
                        profile_tier_role_to_string(ts->role), ts->from_node, ts->from_tier, ts->to_node,
                        ts->to_tier);
        }
}

/* The index T of a target whose regions damond finds at start (Region=auto) when @path is below
 * "contexts/0/targets/T/regions", or -1. */
static ssize_t auto_regions_target(const CompiledProfile *c, const char *path) {
        size_t t;
        int n = -1;

        if (!c->regions_auto || c->spec.ops != DAMON_OPS_PADDR)
                return -1;
        if (sscanf(path, "contexts/0/targets/%zu/regions/%n", &t, &n) != 1 || n < 0)
                return -1;
        return (ssize_t) t;
}

static void dump_followed(FILE *out, const char *ctx, const CompiledProfile *c) {
        for (size_t i = 0; c->process_names && c->process_names[i]; i++)
                fprintf(out, "%s/targets: damond adds the processes named %s\n", ctx, c->process_names[i]);
        for (size_t i = 0; c->cgroups && c->cgroups[i]; i++)
                fprintf(out, "%s/targets: damond adds the processes of cgroup %s\n", ctx, c->cgroups[i]);
        for (size_t i = 0; c->units && c->units[i]; i++)
                fprintf(out, "%s/targets: damond adds the processes of unit %s (its cgroup, from systemd)\n",
                        ctx, c->units[i]);
        if ((c->process_names && c->process_names[0]) || (c->cgroups && c->cgroups[0]) ||
            (c->units && c->units[0]))
                fprintf(out, "%s/targets: at most %zu of those processes at once\n", ctx, c->max_followed);
}

int compiled_profile_dump(const CompiledProfile *c, const DamonFeatures *f, FILE *out) {
        const char *ctx = "contexts/0";
        DamonImage img = {};
        int r;

        fprintf(out, "# profile %s%s\n", c->name, c->enabled ? "" : " (disabled)");

        /* the files the kernel gets, as the sysfs driver stages them */
        r = damon_image_build(&c->spec, &img);
        if (r < 0)
                return r;
        for (size_t i = 0; i < img.n; i++) {
                const ImageEntry *e = &img.entries[i];
                ssize_t t;

                if (!damon_image_entry_exists(e, f))
                        continue;
                t = auto_regions_target(c, e->path);
                if (t >= 0) {
                        if (e->kind == IMAGE_NR)
                                fprintf(out, "%s/targets/%zd/regions: every System RAM range, found at start\n",
                                        ctx, t);
                        continue;
                }
                if (streq(e->path, "contexts/0/schemes/nr_schemes"))
                        dump_followed(out, ctx, c);
                fprintf(out, "%s %s\n", e->path, e->value);
        }
        damon_image_done(&img);

        /* what damond does itself */
        for (size_t i = 0; i < c->n_feeds; i++)
                dump_feed(out, ctx, &c->feeds[i]);
        if (c->ages_follow_tuning)
                fprintf(out, "%s/schemes: age thresholds follow the tuned aggregation interval\n", ctx);
        if (c->tiering.automatic)
                dump_tiering(out, ctx, c);
        /* only when not the default, so that the listings of unchanged profiles stay as they were */
        if (c->pressure_ceiling_usec != PROFILE_PRESSURE_CEILING_DEFAULT_USEC)
                fprintf(out, "%s/schemes: damond pauses them above %" PRIu64
                        " us of memory stall per second%s\n", ctx, c->pressure_ceiling_usec,
                        c->pressure_ceiling_usec == 0 ? " (never)" : "");
        return ferror(out) ? -EIO : 0;
}
