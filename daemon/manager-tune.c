/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tuning loop: measures what the tuner (tuner.h) needs, runs it once per quota reset interval per
 * scheme and on PSI trigger events, writes what changed, and keeps p->tune (tune-status.h) current.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "manager-internal.h"
#include "manager-tune.h"
#include "memcg.h"
#include "meminfo.h"
#include "message-ids.h"
#include "psi.h"
#include "taskstats.h"
#include "tuner.h"

/* A cumulative stall counter read at the start of a window. */
typedef struct PsiCounter {
        uint64_t total;
        bool valid;
} PsiCounter;

typedef struct TunedGoal {
        int metric;                     /* what is measured: the feed's metric, or the kernel goal's */
        TunerGoalSource source;
        ssize_t goal;                   /* index into the scheme's quota goals; -1: emulated */
        uint64_t target;
        bool target_of_limit;           /* cgroup_mem_usage: target and value in bp of memory.high/max */
        uint64_t node;
        char *cgroup;
        char *unit;                     /* Unit=: measured on its current cgroup instead */
        char *psi_cgroup;               /* Unit=: the cgroup @psi was read from (a new one starts over) */
        PsiCounter psi;
} TunedGoal;

typedef struct TunedScheme {
        bool guarded;                   /* has a tuner: goals, or an action the pressure guard cuts */
        int refused;                    /* tuner_init() refused its goals or guard (-errno), 0: it did not */
        SchemeTuner tuner;
        TunedGoal goals[TUNER_GOALS_MAX];
        size_t n_goals;
        uint64_t window_start_usec;
        PsiCounter guard;               /* the guarding pressure's "some" total at the window's start */
        uint64_t last_log_usec;
} TunedScheme;

struct ProfileTuner {
        char *fingerprint;              /* of the compiled version this was built for */
        const DamosScheme *schemes_ptr; /* ... and its schemes (the fingerprint alone does not tell, during
                                         * a reload, the old compiled version from the new) */
        size_t n_schemes;
        TunedScheme *schemes;
        char *cgroup;                   /* the guarding pressure: a cgroup's, NULL: the system's */
        uint64_t backoff_stall_usec;    /* damond.conf's BackoffPressure= and BackoffWindow= it was built */
        uint64_t backoff_window_usec;   /* with: a reload that changes them builds it again */
        bool can_commit;                /* the kernel has online commits (5.19) */
        /* vaddr: the targets' memory delays (taskstats) */
        uint64_t delay_total;
        bool delay_valid;
        uint64_t delay_window_start_usec;
};

/* One PSI trigger, as an event source of the Manager's loop. */
typedef struct TuneTrigger {
        Manager *manager;
        char *cgroup;                   /* NULL: the system's memory pressure */
        int fd;
        sd_event_source *source;
        uint64_t stall_usec, window_usec;       /* as the kernel took them */
        uint64_t asked_stall_usec, asked_window_usec;   /* as damond.conf says */
        bool dead;                      /* the file went away (cgroup removed): opened again later */
} TuneTrigger;

static bool streq_ptr(const char *a, const char *b) {
        return (!a && !b) || (a && b && streq(a, b));
}

/* --- the tuner of one profile --- */

ProfileTuner *profile_tuner_free(ProfileTuner *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_schemes; i++)
                for (size_t g = 0; g < t->schemes[i].n_goals; g++) {
                        free(t->schemes[i].goals[g].cgroup);
                        free(t->schemes[i].goals[g].unit);
                        free(t->schemes[i].goals[g].psi_cgroup);
                }
        free(t->schemes);
        free(t->fingerprint);
        free(t->cgroup);
        return mfree(t);
}

static bool tuner_current(const ProfileTuner *t, const ManagedProfile *p) {
        return t && p->fingerprint && t->fingerprint && streq(t->fingerprint, p->fingerprint) &&
               t->schemes_ptr == p->compiled.spec.schemes && t->n_schemes == p->compiled.spec.n_schemes;
}

static bool metric_is_psi(int metric) {
        return metric == DAMOS_GOAL_SOME_MEM_PSI_US || metric == PROFILE_GOAL_MEM_PSI_FULL_US ||
               metric == PROFILE_GOAL_CGROUP_MEM_PSI_US;
}

static bool metric_has_cgroup(int metric) {
        return metric == PROFILE_GOAL_CGROUP_MEM_PSI_US || metric == PROFILE_GOAL_CGROUP_MEM_USAGE ||
               metric == DAMOS_GOAL_NODE_MEMCG_USED_BP || metric == DAMOS_GOAL_NODE_MEMCG_FREE_BP;
}

/* Actions that take memory away from its users: the pressure guard cuts them even without goals. */
static bool action_is_guarded(DamosAction a) {
        return a == DAMOS_ACTION_PAGEOUT || a == DAMOS_ACTION_COLD || a == DAMOS_ACTION_LRU_DEPRIO ||
               a == DAMOS_ACTION_MIGRATE_COLD;
}

/* The stall of the window since @c was read, and @c set to now. TUNER_UNKNOWN when it cannot be read or
 * there was no reading before. */
static uint64_t psi_window(Manager *m, const char *cgroup, PsiKind kind, PsiCounter *c) {
        uint64_t total, delta;
        bool had = c->valid;
        int r;

        r = psi_read_total_usec(m->root, cgroup, kind, &total);
        if (r < 0) {
                log_debug_errno(r, "Failed to read the memory pressure of %s, ignoring: %m",
                                cgroup ?: "the system");
                c->valid = false;
                return TUNER_UNKNOWN;
        }
        (void) psi_delta_usec(c->total, total, &delta);
        c->total = total;
        c->valid = true;
        return had ? delta : TUNER_UNKNOWN;
}

static uint64_t node_total_free(Manager *m, unsigned node, MemInfo *ret) {
        int r;

        r = meminfo_read_node(m->root, node, ret);
        if (r == -ENOENT && node == 0)
                /* no CONFIG_NUMA: the machine is node 0 */
                r = meminfo_read_system(m->root, ret);
        return r;
}

/* The cgroup of a goal: CGroup=, or Unit='s current one (NULL while the unit has none). */
static const char *goal_cgroup(const Manager *m, const TunedGoal *g) {
        return g->unit ? manager_unit_cgroup(m, g->unit) : g->cgroup;
}

/* One damond-measured goal value over the window, in the goal's unit. */
static uint64_t measure_goal(Manager *m, TunedGoal *g) {
        const char *cgroup = goal_cgroup(m, g);
        MemInfo mi;
        MemcgUsage u;
        uint64_t lru, limit;
        int r;

        if (g->unit) {
                if (!cgroup) {
                        log_debug("Unit %s has no cgroup now, its goal is not measured.", g->unit);
                        g->psi.valid = false;
                        return TUNER_UNKNOWN;
                }
                if (!g->psi_cgroup || !streq(g->psi_cgroup, cgroup)) {
                        /* the unit restarted elsewhere: its pressure totals start again */
                        char *c = strdup(cgroup);

                        if (!c)
                                return TUNER_UNKNOWN;
                        free(g->psi_cgroup);
                        g->psi_cgroup = c;
                        g->psi.valid = false;
                }
        }

        switch (g->metric) {
        case DAMOS_GOAL_SOME_MEM_PSI_US:
                return psi_window(m, NULL, PSI_SOME, &g->psi);
        case PROFILE_GOAL_MEM_PSI_FULL_US:
                return psi_window(m, NULL, PSI_FULL, &g->psi);
        case PROFILE_GOAL_CGROUP_MEM_PSI_US:
                return psi_window(m, cgroup, PSI_SOME, &g->psi);
        case PROFILE_GOAL_CGROUP_MEM_USAGE:
                r = memcg_read_usage(m->root, cgroup, &u);
                if (r < 0) {
                        log_debug_errno(r, "Failed to read the memory usage of cgroup '%s', ignoring: %m",
                                        cgroup);
                        return TUNER_UNKNOWN;
                }
                if (!g->target_of_limit)
                        return u.current;
                /* the limit may change while damond runs: the value is measured against it */
                limit = u.high != UINT64_MAX ? u.high : u.max;
                if (limit == UINT64_MAX || limit == 0) {
                        log_debug("Cgroup '%s' has neither memory.high nor memory.max, its usage goal "
                                  "has nothing to be a share of.", cgroup);
                        return TUNER_UNKNOWN;
                }
                return (uint64_t) ((unsigned __int128) u.current * 10000 / limit);
        case DAMOS_GOAL_NODE_MEM_USED_BP:
        case DAMOS_GOAL_NODE_MEM_FREE_BP:
                r = node_total_free(m, (unsigned) g->node, &mi);
                if (r < 0) {
                        log_debug_errno(r, "Failed to read the memory of node %" PRIu64 ", ignoring: %m",
                                        g->node);
                        return TUNER_UNKNOWN;
                }
                return g->metric == DAMOS_GOAL_NODE_MEM_USED_BP ? meminfo_used_bp(&mi)
                                                                : meminfo_free_bp(&mi);
        case DAMOS_GOAL_NODE_MEMCG_USED_BP:
        case DAMOS_GOAL_NODE_MEMCG_FREE_BP:
                r = node_total_free(m, (unsigned) g->node, &mi);
                if (r < 0 || mi.total == 0)
                        return TUNER_UNKNOWN;
                r = memcg_read_node_lru(m->root, g->cgroup, (unsigned) g->node, &lru);
                if (r == -ENOENT || r == -ENODATA)
                        lru = 0;        /* as the kernel: a missing memcg uses nothing */
                else if (r < 0) {
                        log_debug_errno(r, "Failed to read the memory of cgroup '%s' on node %" PRIu64
                                        ", ignoring: %m", g->cgroup, g->node);
                        return TUNER_UNKNOWN;
                }
                lru = MIN(lru, mi.total);
                lru = (uint64_t) ((unsigned __int128) lru * 10000 / mi.total);
                return g->metric == DAMOS_GOAL_NODE_MEMCG_USED_BP ? lru : 10000 - lru;
        default:
                /* user_input (someone else writes it), the LRU ratios: not measured */
                return TUNER_UNKNOWN;
        }
}

/* Whether filter @f confines its scheme to the memory of one cgroup: a memcg filter that rejects what is
 * not in it (Matching=no, Allow=no: every kernel with filters), or that allows what is (6.14+: memory that
 * no filter matches gets the opposite of the last filter's verdict). */
static const char *filter_confining_memcg(const DamosFilter *f) {
        if (f->type != DAMOS_FILTER_MEMCG || isempty(f->memcg_path))
                return NULL;
        return f->matching == f->allow ? f->memcg_path : NULL;
}

/* Adds @c to the one cgroup seen so far in @cg; false when it is another one. */
static bool same_cgroup(const char **cg, const char *c) {
        if (*cg && !streq(*cg, c))
                return false;
        *cg = c;
        return true;
}

/* The guarding pressure: the one cgroup the profile is about, else the system's. The cgroup comes from
 * the goals that measure a cgroup; without any, from what confines the profile to one cgroup's memory: a
 * [Target] CGroup= of its only targets, or a memcg filter on every scheme the pressure guards. The stall of
 * the memory a profile works on is the one it causes; the system's also counts stall in cgroups it never
 * touches (measured: a system-wide back-off while the workload's own cgroup had no stall at all). */
static int guard_cgroup(const ManagedProfile *p, char **ret) {
        const char *cg = NULL;
        const DamonSpec *spec = &p->compiled.spec;

        *ret = NULL;
        for (size_t i = 0; i < p->compiled.n_feeds; i++) {
                const ProfileFeed *f = &p->compiled.feeds[i];

                if (!metric_has_cgroup(f->metric) || !f->cgroup)
                        continue;
                if (!same_cgroup(&cg, f->cgroup))
                        return 0;
        }
        for (size_t i = 0; i < spec->n_schemes; i++)
                for (size_t j = 0; j < spec->schemes[i].quota.n_goals; j++) {
                        const DamosGoal *g = &spec->schemes[i].quota.goals[j];

                        if (!metric_has_cgroup(g->metric) || isempty(g->path))
                                continue;
                        if (!same_cgroup(&cg, g->path))
                                return 0;
                }

        if (!cg && p->compiled.cgroups && p->compiled.cgroups[0] && !p->compiled.cgroups[1] &&
            !(p->compiled.process_names && p->compiled.process_names[0]) && spec->n_targets == 0)
                /* vaddr: only the processes of one cgroup */
                cg = p->compiled.cgroups[0];

        if (!cg) {
                /* every scheme that takes memory away confined to one cgroup by a filter */
                bool any = false;

                for (size_t i = 0; i < spec->n_schemes; i++) {
                        const DamosScheme *sc = &spec->schemes[i];
                        const char *own = NULL;

                        if (!action_is_guarded(sc->action))
                                continue;
                        for (size_t set = 0; set < _DAMOS_FILTER_SET_MAX; set++)
                                for (size_t j = 0; j < sc->n_filters[set]; j++) {
                                        const char *c = filter_confining_memcg(&sc->filters[set][j]);

                                        if (c && !same_cgroup(&own, c))
                                                return 0;
                                }
                        if (!own || !same_cgroup(&cg, own))
                                return 0;
                        any = true;
                }
                if (!any)
                        cg = NULL;
        }
        if (!cg)
                return 0;
        *ret = strdup(cg);
        return *ret ? 0 : -ENOMEM;
}

static const ProfileFeed *feed_of_goal(const ManagedProfile *p, size_t scheme, size_t goal) {
        for (size_t i = 0; i < p->compiled.n_feeds; i++)
                if (p->compiled.feeds[i].scheme == scheme && p->compiled.feeds[i].goal == (ssize_t) goal)
                        return &p->compiled.feeds[i];
        return NULL;
}

static int tuned_goal_add(TunedScheme *ts, int metric, TunerGoalSource source, ssize_t goal, uint64_t target,
                          uint64_t node, const char *cgroup, const char *unit, bool target_of_limit) {
        TunedGoal *g;

        if (ts->n_goals >= TUNER_GOALS_MAX)
                return 0;
        g = &ts->goals[ts->n_goals];
        *g = (TunedGoal) {
                .metric = metric,
                .source = source,
                .goal = goal,
                .target = target,
                .target_of_limit = target_of_limit,
                .node = node,
        };
        if (!isempty(cgroup)) {
                g->cgroup = strdup(cgroup);
                if (!g->cgroup)
                        return -ENOMEM;
        }
        if (!isempty(unit)) {
                g->unit = strdup(unit);
                if (!g->unit) {
                        g->cgroup = mfree(g->cgroup);
                        return -ENOMEM;
                }
        }
        ts->n_goals++;
        return 0;
}

static uint64_t pressure_ceiling(const ManagedProfile *p) {
        return p->compiled.pressure_ceiling_usec;
}

/* The goals of scheme @i as the tuner sees them, and its tuner. */
static int tuned_scheme_init(Manager *m, const ManagedProfile *p, size_t i, TunedScheme *ts) {
        const DamosScheme *ds = &p->compiled.spec.schemes[i];
        TunerGoal goals[TUNER_GOALS_MAX];
        TunerConfig c;
        long page;
        int r;

        for (size_t j = 0; j < ds->quota.n_goals; j++) {
                const DamosGoal *dg = &ds->quota.goals[j];
                const ProfileFeed *f = feed_of_goal(p, i, j);

                r = f ? tuned_goal_add(ts, f->metric, TUNER_GOAL_FEED, (ssize_t) j, f->target, f->node,
                                       f->cgroup, f->unit, f->target_of_limit)
                      : tuned_goal_add(ts, dg->metric, TUNER_GOAL_KERNEL, (ssize_t) j, dg->target_value,
                                       (uint64_t) dg->nid, dg->path, NULL, false);
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < p->compiled.n_feeds; k++) {
                const ProfileFeed *f = &p->compiled.feeds[k];

                if (f->scheme != i || f->goal >= 0)
                        continue;
                r = tuned_goal_add(ts, f->metric, TUNER_GOAL_EMULATED, -1, f->target, f->node, f->cgroup,
                                   f->unit, f->target_of_limit);
                if (r < 0)
                        return r;
        }
        if (ts->n_goals == 0 && !action_is_guarded(ds->action))
                return 0;

        tuner_config_init(&c);
        page = sysconf(_SC_PAGESIZE);
        if (page > 0)
                c.granule = (uint64_t) page;
        if (ds->quota.reset_interval_ms > 0)
                c.reset_interval_usec = ds->quota.reset_interval_ms * USEC_PER_MSEC;
        c.quota_size = ds->quota.bytes;
        if (m->has_config) {
                c.backoff_stall_usec = m->config.backoff_pressure_usec;
                if (m->config.backoff_window_usec > 0)
                        c.backoff_window_usec = m->config.backoff_window_usec;
        }
        c.ceiling_usec = pressure_ceiling(p);
        for (size_t g = 0; g < ts->n_goals; g++)
                goals[g] = (TunerGoal) {
                        .metric = ts->goals[g].metric,
                        .target = ts->goals[g].target,
                        .source = ts->goals[g].source,
                };
        r = tuner_init(&ts->tuner, &c, goals, ts->n_goals);
        if (r < 0) {
                ts->refused = r;
                return 0;
        }
        ts->guarded = true;
        return 0;
}

/* A scheme that changes memory (pageout, cold, ...) runs only with its guard: when the tuner refused
 * its goals or guard (a value --check-config cannot see, such as damond.conf's back-off), it is kept
 * paused (quota of one byte: the kernel applies nothing) rather than run as configured. */
static bool scheme_kept_paused(const DamosScheme *ds, const TunedScheme *ts) {
        return ts->refused < 0 && action_is_guarded(ds->action);
}

bool manager_tune_kept_paused(Manager *m, const ManagedProfile *p, size_t i) {
        TunedScheme ts = {};
        bool paused;

        if (!action_is_guarded(p->compiled.spec.schemes[i].action))
                return false;
        if (tuned_scheme_init(m, p, i, &ts) < 0)
                paused = true;  /* out of memory: err on the safe side */
        else
                paused = scheme_kept_paused(&p->compiled.spec.schemes[i], &ts);
        for (size_t g = 0; g < ts.n_goals; g++) {
                free(ts.goals[g].cgroup);
                free(ts.goals[g].unit);
                free(ts.goals[g].psi_cgroup);
        }
        return paused;
}

/* p->tune as the compiled profile describes it; the statistics already read are kept. */
static int tune_status_build(Manager *m, ManagedProfile *p, const ProfileTuner *t) {
        const DamonSpec *spec = &p->compiled.spec;
        ProfileTuneStatus s = {};
        bool has_effective = damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_GOAL_METRICS);

        if (spec->n_schemes > 0) {
                s.schemes = calloc(spec->n_schemes, sizeof(*s.schemes));
                if (!s.schemes)
                        return -ENOMEM;
        }
        s.n_schemes = spec->n_schemes;
        for (size_t i = 0; i < spec->n_schemes; i++) {
                SchemeTuneStatus *st = &s.schemes[i];
                const TunedScheme *ts = t ? &t->schemes[i] : NULL;
                const char *name = p->compiled.scheme_names ? p->compiled.scheme_names[i] : NULL;

                st->name = strdup(name ?: "");
                st->action = spec->schemes[i].action;
                st->quota_size = spec->schemes[i].quota.bytes;
                st->effective_quota = TUNE_UNKNOWN;
                st->state = ts && ts->guarded ? (TuneState) ts->tuner.state : TUNE_STATE_NONE;
                if (!st->name)
                        goto oom;
                if (ts && scheme_kept_paused(&spec->schemes[i], ts)) {
                        errno = -ts->refused;
                        st->state = TUNE_STATE_PAUSED;
                        if (asprintf(&st->last_decision, "kept paused: damond cannot guard it (the tuner "
                                     "refuses its goals: %m)") < 0) {
                                st->last_decision = NULL;
                                goto oom;
                        }
                }
                if (p->tune.n_schemes == spec->n_schemes && p->tune.schemes[i].has_stats) {
                        st->stats = p->tune.schemes[i].stats;
                        st->has_stats = true;
                        if (has_effective && st->stats.has_effective_bytes)
                                st->effective_quota = st->stats.effective_bytes;
                }
                if (!ts || ts->n_goals == 0)
                        continue;
                st->goals = calloc(ts->n_goals, sizeof(*st->goals));
                if (!st->goals)
                        goto oom;
                st->n_goals = ts->n_goals;
                for (size_t g = 0; g < ts->n_goals; g++) {
                        st->goals[g] = (GoalStatus) {
                                .metric = ts->goals[g].metric,
                                .fed_by_damond = ts->goals[g].source != TUNER_GOAL_KERNEL,
                                .target = ts->goals[g].target,
                                .current = TUNE_UNKNOWN,
                                .node = ts->goals[g].node,
                        };
                        const char *cg = goal_cgroup(m, &ts->goals[g]);


                        if (cg && !(st->goals[g].cgroup = strdup(cg)))
                                goto oom;
                }
        }
        s.pressure = (PressureStatus) {
                .window_stall_usec = TUNE_UNKNOWN,
                .ceiling_usec = pressure_ceiling(p),
                .task_delay_usec = TUNE_UNKNOWN,
        };
        s.pressure.source = strdup(t && t->cgroup ? t->cgroup : "system");
        if (!s.pressure.source)
                goto oom;
        for (size_t i = 0; t && i < t->n_schemes; i++)
                s.has_pressure = s.has_pressure || t->schemes[i].guarded;

        tune_status_done(&p->tune);
        p->tune = s;
        return 0;
oom:
        tune_status_done(&s);
        return -ENOMEM;
}

/* The tuning of a new tuner: the compiled values, the schemes it cannot guard kept paused. */
static int profile_tuning_new(const ManagedProfile *p, const ProfileTuner *t, ProfileTuning *ret) {
        ProfileTuning u = {
                .fingerprint = strdup(t->fingerprint),
                .schemes_ptr = t->schemes_ptr,
                .n_schemes = t->n_schemes,
        };

        if (!u.fingerprint)
                return -ENOMEM;
        if (t->n_schemes > 0) {
                u.schemes = calloc(t->n_schemes, sizeof(*u.schemes));
                if (!u.schemes) {
                        profile_tuning_done(&u);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < t->n_schemes; i++) {
                const TunedScheme *ts = &t->schemes[i];
                SchemeTuning *st = &u.schemes[i];

                st->kept_paused = scheme_kept_paused(&p->compiled.spec.schemes[i], ts);
                st->tuned = ts->guarded;
                for (size_t g = 0; g < ts->n_goals; g++)
                        if (ts->goals[g].source == TUNER_GOAL_FEED && ts->goals[g].goal >= 0)
                                st->goals[st->n_goals++] = (typeof(st->goals[0])) {
                                        .index = (size_t) ts->goals[g].goal,
                                        .value = TUNER_UNKNOWN,
                                };
        }
        *ret = u;
        return 0;
}

/* Builds the tuner of @p for its compiled version. */
static int profile_tuner_new(Manager *m, ManagedProfile *p, uint64_t now_usec, ProfileTuner **ret) {
        const DamonSpec *spec = &p->compiled.spec;
        ProfileTuner *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->fingerprint = strdup(p->fingerprint ?: "");
        t->schemes_ptr = spec->schemes;
        t->n_schemes = spec->n_schemes;
        t->can_commit = damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_COMMIT);
        t->backoff_stall_usec = m->config.backoff_pressure_usec;
        t->backoff_window_usec = m->config.backoff_window_usec;
        if (!t->fingerprint)
                goto oom;
        if (spec->n_schemes > 0) {
                t->schemes = calloc(spec->n_schemes, sizeof(*t->schemes));
                if (!t->schemes)
                        goto oom;
        }
        r = guard_cgroup(p, &t->cgroup);
        if (r < 0)
                goto oom;
        for (size_t i = 0; i < spec->n_schemes; i++) {
                TunedScheme *ts = &t->schemes[i];

                r = tuned_scheme_init(m, p, i, ts);
                if (r < 0)
                        goto oom;
                if (scheme_kept_paused(&spec->schemes[i], ts))
                        log_struct(LOG_ERR, ts->refused, LOG_FIELDS(.profile = p->name),
                                   "Scheme '%s' of profile '%s' is kept paused: damond cannot guard it (the "
                                   "tuner refuses its goals: %m), and it does not run unguarded.",
                                   p->compiled.scheme_names && p->compiled.scheme_names[i] ?
                                   p->compiled.scheme_names[i] : "?", p->name);
                else if (ts->refused < 0)
                        log_struct(LOG_WARNING, ts->refused, LOG_FIELDS(.profile = p->name),
                                   "Cannot tune scheme %zu of profile '%s', leaving it as configured: %m", i,
                                   p->name);
                if (!ts->guarded)
                        continue;
                if (!t->can_commit) {
                        /* tuning by restarting the kdamond would lose its monitoring every window */
                        ts->guarded = false;
                        continue;
                }
                ts->window_start_usec = now_usec;
                (void) psi_window(m, t->cgroup, PSI_SOME, &ts->guard);
                for (size_t g = 0; g < ts->n_goals; g++)
                        if (metric_is_psi(ts->goals[g].metric))
                                (void) measure_goal(m, &ts->goals[g]);
        }
        *ret = t;
        return 0;
oom:
        profile_tuner_free(t);
        return -ENOMEM;
}

static int profile_tune_sync(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        ProfileTuning tuning;
        ProfileTuner *t = NULL;
        size_t n_guarded = 0;
        int r;

        if (p->state != PROFILE_RUN_RUNNING) {
                /* what it does is nothing now: the next start begins again */
                p->tuner = profile_tuner_free(p->tuner);
                profile_tuning_done(&p->tuning);
                for (size_t i = 0; i < p->tune.n_schemes; i++)
                        p->tune.schemes[i].state = TUNE_STATE_NONE;
                return 0;
        }
        if (tuner_current(p->tuner, p) && p->tuner->backoff_stall_usec == m->config.backoff_pressure_usec &&
            p->tuner->backoff_window_usec == m->config.backoff_window_usec)
                return 0;

        r = profile_tuner_new(m, p, now_usec, &t);
        if (r < 0)
                return r;
        r = profile_tuning_new(p, t, &tuning);
        if (r < 0) {
                profile_tuner_free(t);
                return r;
        }
        profile_tuner_free(p->tuner);
        p->tuner = t;
        profile_tuning_done(&p->tuning);
        p->tuning = tuning;
        r = tune_status_build(m, p, t);
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_schemes; i++)
                n_guarded += t->schemes[i].guarded;
        if (!t->can_commit && p->compiled.n_feeds > 0)
                log_struct(LOG_WARNING, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Profile '%s' has goals damond would serve, but this kernel has no online commit "
                           "(Linux 5.19): its schemes run as configured.", p->name);
        else if (n_guarded > 0)
                log_struct(LOG_INFO, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Tuning %zu scheme%s of profile '%s', guarded by the memory pressure of %s.",
                           n_guarded, n_guarded == 1 ? "" : "s", p->name, t->cgroup ?: "the system");
        return 1;
}

int manager_tune_sync(Manager *m, uint64_t now_usec) {
        int r;

        for (size_t i = 0; i < m->n_profiles; i++) {
                r = profile_tune_sync(m, m->profiles[i], now_usec);
                if (r < 0)
                        return log_oom();
        }
        /* also when only damond.conf's BackoffPressure=/BackoffWindow= changed */
        return manager_tune_triggers_setup(m);
}

/* Has the kdamond apply the tuning, where the kernel commits online. */
static int profile_tune_apply(Manager *m, ManagedProfile *p) {
        if (!tuner_current(p->tuner, p) || !p->tuner->can_commit)
                return 0;
        return profile_commit_tuning(m, p);
}

/* --- decisions --- */

static void scheme_status_update(Manager *m, ManagedProfile *p, size_t i) {
        const TunedScheme *ts = &p->tuner->schemes[i];
        uint64_t quota = p->tuning.schemes[i].quota;
        SchemeTuneStatus *st;

        if (i >= p->tune.n_schemes)
                return;
        st = &p->tune.schemes[i];
        st->state = ts->guarded ? (TuneState) ts->tuner.state : TUNE_STATE_NONE;
        st->quota_applied = quota;
        for (size_t g = 0; g < MIN(st->n_goals, ts->n_goals); g++)
                st->goals[g].current = ts->tuner.measured[g];
        if (!damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_GOAL_METRICS)) {
                /* no effective_bytes to read (before 6.9): what damond has the kernel apply, or where it
                 * expects the kernel's own tuner to be (6.8) under that cap */
                uint64_t cap = quota != 0 ? quota : st->quota_size, esz = 0;

                if (!ts->tuner.emulated && ts->tuner.kernel_esz_bp != 0 &&
                    ts->tuner.kernel_esz_bp != TUNER_UNKNOWN)
                        esz = MAX(ts->tuner.kernel_esz_bp / 10000, UINT64_C(1));
                if (esz > 0)
                        st->effective_quota = cap > 0 ? MIN(esz, cap) : esz;
                else
                        st->effective_quota = cap > 0 ? cap : TUNE_UNKNOWN;
        }
}

static void scheme_decided(Manager *m, ManagedProfile *p, size_t i, TunerState before,
                           const TunerResult *res, const char *text, bool event, uint64_t now_usec) {
        TunedScheme *ts = &p->tuner->schemes[i];
        SchemeTuning *tu = &p->tuning.schemes[i];
        SchemeTuneStatus *st = i < p->tune.n_schemes ? &p->tune.schemes[i] : NULL;
        bool state_changed = res->state != before;
        /* A back-off that cuts is always told; a trigger that fires again and again while the quota is
         * already at the floor is not news, and is rate-limited like any decision. */
        bool always = state_changed || (event && res->quota != tu->quota);
        bool changed = res->changed != 0 || res->quota != tu->quota || event;
        int level;

        /* the result becomes what the kernel is to apply (profile_commit_tuning()) */
        tu->quota = res->quota;
        for (size_t g = 0, k = 0; g < ts->n_goals; g++) {
                if (ts->goals[g].source != TUNER_GOAL_FEED || ts->goals[g].goal < 0)
                        continue;
                if (res->feed[g] != TUNER_UNKNOWN) {
                        changed = changed || res->feed[g] != tu->goals[k].value;
                        tu->goals[k].value = res->feed[g];
                }
                k++;
        }
        scheme_status_update(m, p, i);
        if (!changed && !always)
                return;

        if (st) {
                char *d = strdup(text);

                if (d) {
                        free(st->last_decision);
                        st->last_decision = d;
                        st->last_decision_usec = clock_usec(CLOCK_REALTIME);
                }
        }
        if (always || ts->last_log_usec == 0 ||
            now_usec - ts->last_log_usec >= MANAGER_TUNE_LOG_INTERVAL_USEC) {
                level = LOG_NOTICE;
                ts->last_log_usec = now_usec;
        } else
                level = LOG_DEBUG;
        log_struct(level, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_TUNING),
                   "Profile '%s', scheme '%s': %s", p->name, st && st->name[0] ? st->name : "?", text);
}

/* The pressure status of @p: the guarding file's averages. */
static void pressure_status_update(Manager *m, ManagedProfile *p) {
        PsiStats s;
        int r;

        if (!p->tuner)
                return;
        r = p->tuner->cgroup ? psi_read_cgroup(m->root, p->tuner->cgroup, &s) : psi_read_system(m->root, &s);
        if (r < 0)
                return;
        p->tune.pressure.some_avg10 = s.some.avg10;
        p->tune.pressure.full_avg10 = s.has_full ? s.full.avg10 : 0;
}

/* vaddr: the targets' memory delays from taskstats over the last window; TUNE_UNKNOWN when taskstats
 * cannot tell (no CAP_NET_ADMIN, another network namespace, no CONFIG_TASKSTATS). Only with the real root:
 * taskstats speaks of this kernel's tasks, which another root's proc does not list. */
static void task_delays_update(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        ProfileTuner *t = p->tuner;
        uint64_t total = 0;
        int r;

        if (!t || p->applied.ops == DAMON_OPS_PADDR || !p->has_applied || !streq(m->root->path, "/") ||
            m->taskstats_failed)
                return;
        if (t->delay_valid && now_usec - t->delay_window_start_usec < USEC_PER_SEC)
                return;
        if (!m->taskstats) {
                r = taskstats_open(&m->taskstats);
                if (r < 0) {
                        log_debug_errno(r, "Cannot open taskstats, target delays stay unknown: %m");
                        m->taskstats_failed = true;
                        return;
                }
        }
        for (size_t i = 0; i < p->applied.n_targets; i++) {
                TaskDelays d;

                r = taskstats_query_tgid(m->taskstats, p->applied.targets[i].pid, &d);
                if (r == -EPERM || r == -EACCES || r == -EOPNOTSUPP) {
                        log_debug_errno(r, "Taskstats refuses to answer, target delays stay unknown: %m");
                        m->taskstats_failed = true;
                        return;
                }
                if (r < 0)
                        continue;       /* exited meanwhile */
                total += task_delays_memory_usec(&d);
        }
        if (t->delay_valid) {
                uint64_t delta;

                (void) psi_delta_usec(t->delay_total, total, &delta);
                p->tune.pressure.task_delay_usec = delta;
        }
        t->delay_total = total;
        t->delay_valid = true;
        t->delay_window_start_usec = now_usec;
}

/* Slack on a window's end: the health tick is not exact (sd-event's accuracy), and a window due a few ms
 * after a tick must not wait a whole tick more. */
static uint64_t window_slack(uint64_t reset_usec) {
        return MIN(reset_usec / 4, 250 * USEC_PER_MSEC);
}

int manager_tune_tick(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        ProfileTuner *t;
        int r;

        r = profile_tune_sync(m, p, now_usec);
        if (r < 0)
                return r;
        if (r > 0)
                (void) manager_tune_triggers_setup(m);
        t = p->tuner;
        if (!t)
                return 0;
        pressure_status_update(m, p);
        task_delays_update(m, p, now_usec);

        for (size_t i = 0; i < t->n_schemes; i++) {
                TunedScheme *ts = &t->schemes[i];
                uint64_t reset = ts->tuner.config.reset_interval_usec, elapsed;
                const SchemeTuneStatus *st = i < p->tune.n_schemes ? &p->tune.schemes[i] : NULL;
                TunerSample s;
                TunerResult res;
                TunerState before;
                char text[512];

                if (!ts->guarded)
                        continue;
                elapsed = now_usec - ts->window_start_usec;
                if (elapsed + window_slack(reset) < reset || elapsed == 0)
                        continue;
                tuner_sample_init(&s, now_usec, elapsed);
                s.stall_usec = psi_window(m, t->cgroup, PSI_SOME, &ts->guard);
                for (size_t g = 0; g < ts->n_goals; g++)
                        if (ts->goals[g].source != TUNER_GOAL_KERNEL || metric_is_psi(ts->goals[g].metric))
                                s.measured[g] = measure_goal(m, &ts->goals[g]);
                if (st && st->has_stats && st->stats.has_effective_bytes)
                        s.effective = st->stats.effective_bytes;
                before = ts->tuner.state;
                r = tuner_window(&ts->tuner, &s, &res, text, sizeof text);
                ts->window_start_usec = now_usec;
                if (r < 0) {
                        log_debug_errno(r, "Tuning scheme %zu of profile '%s' failed, ignoring: %m", i,
                                        p->name);
                        continue;
                }
                p->tune.pressure.window_stall_usec = s.stall_usec;
                p->tune.pressure.window_usec = elapsed;
                scheme_decided(m, p, i, before, &res, text, false, now_usec);
        }
        r = profile_tune_apply(m, p);
        return r < 0 ? r : 0;
}

int manager_tune_pressure_event(Manager *m, const char *cgroup, uint64_t now_usec) {
        uint64_t stall = m->config.backoff_pressure_usec, window = m->config.backoff_window_usec;
        int n = 0, r;

        /* not manager_tune_sync(): the triggers, one of which may be calling, stay as they are */
        for (size_t k = 0; k < m->n_profiles; k++) {
                r = profile_tune_sync(m, m->profiles[k], now_usec);
                if (r < 0)
                        return log_oom();
        }
        if (window == 0)
                window = TUNER_BACKOFF_WINDOW_USEC_DEFAULT;
        for (size_t k = 0; k < m->n_profiles; k++) {
                ManagedProfile *p = m->profiles[k];
                ProfileTuner *t = p->tuner;
                bool cut = false;

                if (p->state != PROFILE_RUN_RUNNING || !tuner_current(t, p) || !streq_ptr(t->cgroup, cgroup))
                        continue;
                for (size_t i = 0; i < t->n_schemes; i++) {
                        TunedScheme *ts = &t->schemes[i];
                        TunerResult res;
                        TunerState before;
                        char text[512];

                        if (!ts->guarded)
                                continue;
                        before = ts->tuner.state;
                        r = tuner_pressure_event(&ts->tuner, now_usec, stall, window, &res, text,
                                                 sizeof text);
                        if (r < 0)
                                continue;
                        scheme_decided(m, p, i, before, &res, text, true, now_usec);
                        cut = true;
                        n++;
                }
                if (!cut)
                        continue;
                r = profile_tune_apply(m, p);
                if (r < 0)
                        return log_oom();
        }
        return n;
}

const char *manager_tune_summary(const ManagedProfile *p) {
        TuneState worst = TUNE_STATE_NONE;

        if (p->state != PROFILE_RUN_RUNNING)
                return NULL;
        for (size_t i = 0; i < p->tune.n_schemes; i++)
                if (p->tune.schemes[i].state > worst)
                        worst = p->tune.schemes[i].state;
        return worst == TUNE_STATE_PAUSED ? "paused" : worst == TUNE_STATE_BACKED_OFF ? "backed off" : NULL;
}

/* --- PSI triggers --- */

static TuneTrigger *tune_trigger_free(TuneTrigger *t) {
        if (!t)
                return NULL;
        sd_event_source_disable_unref(t->source);
        if (t->fd >= 0)
                (void) close(t->fd);
        free(t->cgroup);
        return mfree(t);
}

void manager_tune_triggers_free(Manager *m) {
        for (size_t i = 0; i < m->n_tune_triggers; i++)
                tune_trigger_free(m->tune_triggers[i]);
        m->tune_triggers = mfree(m->tune_triggers);
        m->n_tune_triggers = 0;
        m->taskstats = taskstats_free(m->taskstats);
}

static int on_trigger(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        TuneTrigger *t = ASSERT_PTR(userdata);
        int r;

        r = psi_trigger_revents((short) revents);
        if (r == -ENODEV) {
                log_info("The memory pressure file of %s went away; its back-off trigger is set up again "
                         "when it exists.", t->cgroup ?: "the system");
                t->dead = true;
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        if (r > 0) {
                _cleanup_free_ char *cgroup = NULL;

                if (t->cgroup && !(cgroup = strdup(t->cgroup))) {
                        (void) log_oom();
                        return 0;       /* an error would disable the trigger for good */
                }
                (void) manager_tune_pressure_event(t->manager, cgroup, clock_usec(CLOCK_MONOTONIC));
        }
        return 0;
}

/* A trigger works only on the kernel's own pressure files (procfs, cgroup2); anything else (a test's fake
 * root) would only be overwritten by the trigger text. */
static bool is_kernel_pressure_file(Manager *m, const char *relpath) {
        struct statfs sfs;
        int fd;
        bool ok;

        fd = root_openat(m->root, relpath, O_PATH);
        if (fd < 0)
                return false;
        ok = fstatfs(fd, &sfs) >= 0 && (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC);
        (void) close(fd);
        return ok;
}

static int tune_trigger_open(Manager *m, const char *cgroup, uint64_t stall, uint64_t window,
                             TuneTrigger **ret) {
        _cleanup_free_ char *relpath = NULL;
        uint64_t asked_stall = stall, asked_window = window;
        TuneTrigger *t;
        int r, fd = -EBADF;

        if (cgroup) {
                r = psi_cgroup_pressure_path(cgroup, &relpath);
                if (r < 0)
                        return r;
        } else {
                relpath = strdup(PSI_SYSTEM_MEMORY_PATH);
                if (!relpath)
                        return -ENOMEM;
        }
        if (!is_kernel_pressure_file(m, relpath))
                return -ENOTTY;
        r = psi_trigger_open(m->root, relpath, PSI_SOME, stall, window, &fd);
        if (r == -EINVAL && window % (2 * USEC_PER_SEC) != 0) {
                /* Without CAP_SYS_RESOURCE, 6.5+ takes only windows in whole multiples of 2 s: the same
                 * share of a 2 s window */
                uint64_t w = MIN((window / (2 * USEC_PER_SEC) + 1) * 2 * USEC_PER_SEC,
                                 PSI_TRIGGER_WINDOW_MAX_USEC);
                uint64_t st = MIN(MAX(stall * w / window, UINT64_C(1)), w);

                r = psi_trigger_open(m->root, relpath, PSI_SOME, st, w, &fd);
                if (r >= 0) {
                        log_notice("The kernel refused a %" PRIu64 " ms PSI trigger window (no "
                                   "CAP_SYS_RESOURCE?); backing off at %" PRIu64 " ms stall in %" PRIu64
                                   " ms instead.", window / USEC_PER_MSEC, st / USEC_PER_MSEC,
                                   w / USEC_PER_MSEC);
                        stall = st;
                        window = w;
                }
        }
        if (r < 0)
                return r;
        t = calloc(1, sizeof(*t));
        if (!t) {
                (void) close(fd);
                return -ENOMEM;
        }
        *t = (TuneTrigger) {
                .manager = m,
                .fd = fd,
                .stall_usec = stall,
                .window_usec = window,
                .asked_stall_usec = asked_stall,
                .asked_window_usec = asked_window,
        };
        if (cgroup && !(t->cgroup = strdup(cgroup))) {
                tune_trigger_free(t);
                return -ENOMEM;
        }
        r = sd_event_add_io(m->event, &t->source, fd, EPOLLPRI, on_trigger, t);
        if (r < 0) {
                tune_trigger_free(t);
                return r;
        }
        (void) sd_event_source_set_description(t->source, "damond-psi-trigger");
        *ret = t;
        return 0;
}

/* Whether a running profile with guarded schemes is guarded by @cgroup's pressure. */
static bool trigger_wanted(Manager *m, const char *cgroup) {
        for (size_t i = 0; i < m->n_profiles; i++) {
                const ManagedProfile *p = m->profiles[i];

                if (p->state == PROFILE_RUN_RUNNING && p->tuner && p->tune.has_pressure &&
                    streq_ptr(p->tuner->cgroup, cgroup))
                        return true;
        }
        return false;
}

int manager_tune_triggers_setup(Manager *m) {
        uint64_t stall = m->config.backoff_pressure_usec, window = m->config.backoff_window_usec;

        if (window == 0)
                window = TUNER_BACKOFF_WINDOW_USEC_DEFAULT;
        stall = MIN(stall, window);
        /* the ones no longer wanted, dead, or with other settings */
        for (size_t i = m->n_tune_triggers; i-- > 0;) {
                TuneTrigger *t = m->tune_triggers[i];

                if (!t->dead && stall > 0 && trigger_wanted(m, t->cgroup) && t->asked_stall_usec == stall &&
                    t->asked_window_usec == window)
                        continue;
                tune_trigger_free(t);
                m->tune_triggers[i] = m->tune_triggers[--m->n_tune_triggers];
        }
        if (stall == 0)
                return 0;

        for (size_t i = 0; i < m->n_profiles; i++) {
                const ManagedProfile *p = m->profiles[i];
                const char *cg;
                bool have = false;
                TuneTrigger *t, **a;
                int r;

                if (p->state != PROFILE_RUN_RUNNING || !p->tuner || !p->tune.has_pressure)
                        continue;
                cg = p->tuner->cgroup;
                for (size_t j = 0; j < m->n_tune_triggers && !have; j++)
                        have = streq_ptr(m->tune_triggers[j]->cgroup, cg);
                if (have)
                        continue;
                r = tune_trigger_open(m, cg, stall, window, &t);
                if (r == -ENOMEM)
                        return log_oom();
                if (r == -ENOTTY) {
                        log_debug("The memory pressure file of %s is not the kernel's, no back-off trigger.",
                                  cg ?: "the system");
                        continue;
                }
                if (r < 0) {
                        log_struct(LOG_WARNING, r, LOG_FIELDS(.profile = p->name),
                                   "Cannot set up a PSI trigger on the memory pressure of %s, backing off "
                                   "at the next quota window instead: %m", cg ?: "the system");
                        continue;
                }
                a = reallocarray(m->tune_triggers, m->n_tune_triggers + 1, sizeof(*a));
                if (!a) {
                        tune_trigger_free(t);
                        return log_oom();
                }
                m->tune_triggers = a;
                m->tune_triggers[m->n_tune_triggers++] = t;
                log_info("Backing off as soon as the memory pressure of %s reaches %" PRIu64 " ms in %"
                         PRIu64 " ms.", cg ?: "the system", t->stall_usec / USEC_PER_MSEC,
                         t->window_usec / USEC_PER_MSEC);
        }
        return 0;
}
