/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cross-key checks: what no single key can know alone. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "profile-internal.h"
#include "tuner.h"
#include "units.h"

/* Reports "path:line: Key=value: message" for @key of section @s. */
_printf_(5, 6)
static int fail(const Profile *p, DiagList *d, const ProfileSection *s, const char *key,
                const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        char value[128];
        ConfigLoc l = profile_section_where(p, s, key);
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&msg, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        /* "X= is required" after "X=...: invalid" says nothing new */
        if (key && !profile_section_is_set(s, key) && profile_section_failed(s, key))
                return 0;
        profile_section_show(s, key, value, sizeof(value));
        if (key && l.file == s->loc.file && l.line == s->loc.line && !profile_section_is_set(s, key)) {
                /* not set: report at the section header */
                _cleanup_free_ char *header = NULL;

                const char *type = profile_section_type_to_string(s->type);

                if (s->name ? asprintf(&header, "[%s %s]", type, s->name) < 0 :
                              asprintf(&header, "[%s]", type) < 0)
                        return -ENOMEM;
                return diag_add(d, DIAG_ERROR, l.file, l.line, header, NULL, "%s", msg);
        }
        if (!key)
                return diag_add(d, DIAG_ERROR, l.file, l.line, NULL, NULL, "%s", msg);
        return diag_add(d, DIAG_ERROR, l.file, l.line, key, value, "%s", msg);
}

static int warn(const Profile *p, DiagList *d, const ProfileSection *s, const char *key, const char *msg) {
        char value[128];
        ConfigLoc l = profile_section_where(p, s, key);
        _cleanup_free_ char *header = NULL;

        if (profile_section_is_set(s, key)) {
                profile_section_show(s, key, value, sizeof(value));
                return diag_add(d, DIAG_WARNING, l.file, l.line, key, value, "%s", msg);
        }
        if (asprintf(&header, "[%s %s]", profile_section_type_to_string(s->type), s->name ?: "") < 0)
                return -ENOMEM;
        return diag_add(d, DIAG_WARNING, l.file, l.line, header, NULL, "%s", msg);
}

#define TRY(expr)                               \
        do {                                    \
                int _r = (expr);                \
                if (_r < 0)                     \
                        return _r;              \
        } while (0)

static int validate_monitor(Profile *p, DiagList *d) {
        const ProfileMonitor *m = &p->monitor;
        const ProfileSection *s = &m->head;
        char a[64];

        if (m->aggr_usec < m->sample_usec)
                TRY(fail(p, d, s, "AggregationInterval", "must be at least SampleInterval= (%s)",
                         format_duration(a, sizeof(a), m->sample_usec)));
        if (m->min_regions > m->max_regions)
                TRY(fail(p, d, s, "MinRegions", "must not exceed MaxRegions= (%" PRIu64 ")",
                         m->max_regions));
        if (m->goal_aggrs > 0) {
                if (m->min_sample_usec > m->max_sample_usec)
                        TRY(fail(p, d, s, "MinSampleInterval", "must not exceed MaxSampleInterval= (%s)",
                                 format_duration(a, sizeof(a), m->max_sample_usec)));
                else if (m->sample_usec < m->min_sample_usec || m->sample_usec > m->max_sample_usec)
                        TRY(fail(p, d, s, "SampleInterval",
                                 "must lie between MinSampleInterval= and MaxSampleInterval= while "
                                 "IntervalsGoalAggregations= is set"));
        }
        return 0;
}

static int check_cgroup(const Profile *p, DiagList *d, const ProfileMachine *machine, const char *path,
                        ConfigLoc l, const char *key) {
        int r;

        if (!machine || !machine->cgroup_exists || !path)
                return 0;
        r = machine->cgroup_exists(machine, path);
        if (r < 0)
                return r;
        if (r > 0)
                return 0;
        return diag_add(d, DIAG_ERROR, l.file, l.line, key, path, "no such cgroup");
}

static int validate_target(Profile *p, const ProfileMachine *machine, DiagList *d) {
        const ProfileTarget *t = &p->target;
        const ProfileSection *s = &t->head;
        int ops = p->general.operations;
        bool vaddr = ops == DAMON_OPS_VADDR || ops == DAMON_OPS_FVADDR;

        for (size_t i = 1; i < t->regions.n; i++) {
                const ProfileRegion *prev = &t->regions.items[i - 1], *r = &t->regions.items[i];

                if (r->start < prev->end) {
                        char v[96];

                        snprintf(v, sizeof(v), "0x%" PRIx64 "-0x%" PRIx64, r->start, r->end);
                        TRY(diag_add(d, DIAG_ERROR, r->loc.file, r->loc.line, "Region", v,
                                     "regions must be sorted and must not overlap "
                                     "(previous region ends at 0x%" PRIx64 ")", prev->end));
                }
        }
        if (t->regions.automatic && t->regions.n > 0)
                TRY(fail(p, d, s, "Region", "Region=auto cannot be combined with explicit regions"));
        if (t->regions.automatic && ops != DAMON_OPS_PADDR)
                TRY(fail(p, d, s, "Region", "Region=auto needs Operations=paddr"));
        if (t->nodes == PROFILE_NODES_AUTO && ops != DAMON_OPS_PADDR)
                TRY(fail(p, d, s, "Nodes", "Nodes=auto needs Operations=paddr"));
        if (t->nodes == PROFILE_NODES_AUTO && t->regions.n > 0)
                TRY(fail(p, d, s, "Nodes", "Nodes=auto monitors the memory of the tiered nodes: it cannot be "
                         "combined with explicit Region= ranges"));

        if (!vaddr) {
                if (t->pids.n > 0) {
                        char v[32];

                        snprintf(v, sizeof(v), "%" PRIu64, t->pids.items[0]);
                        TRY(diag_add(d, DIAG_ERROR, t->pids.locs[0].file, t->pids.locs[0].line, "Pid", v,
                                     "needs Operations=vaddr or fvaddr"));
                }
                if (t->process_names.n > 0)
                        TRY(diag_add(d, DIAG_ERROR, t->process_names.locs[0].file,
                                     t->process_names.locs[0].line, "ProcessName", t->process_names.items[0],
                                     "needs Operations=vaddr or fvaddr"));
                if (t->cgroups.n > 0)
                        TRY(diag_add(d, DIAG_ERROR, t->cgroups.locs[0].file, t->cgroups.locs[0].line,
                                     "CGroup", t->cgroups.items[0], "needs Operations=vaddr or fvaddr"));
                if (t->units.n > 0)
                        TRY(diag_add(d, DIAG_ERROR, t->units.locs[0].file, t->units.locs[0].line,
                                     "Unit", t->units.items[0], "needs Operations=vaddr or fvaddr"));
        } else {
                ConfigLoc l = profile_section_where(p, &p->general.head, "Operations");

                if (t->pids.n + t->process_names.n + t->cgroups.n + t->units.n == 0 &&
                    !profile_section_failed(s, "Pid") && !profile_section_failed(s, "ProcessName") &&
                    !profile_section_failed(s, "CGroup") && !profile_section_failed(s, "Unit"))
                        TRY(diag_add(d, DIAG_ERROR, l.file, l.line, "Operations",
                                     damon_ops_to_string(ops),
                                     "no process to monitor: set Pid=, ProcessName=, CGroup= or Unit= "
                                     "in [Target]"));
                if (ops == DAMON_OPS_FVADDR && t->regions.n == 0)
                        TRY(diag_add(d, DIAG_ERROR, l.file, l.line, "Operations", "fvaddr",
                                     "fvaddr monitors fixed address ranges: set Region= in [Target]"));
                if (ops == DAMON_OPS_VADDR && t->regions.n > 0)
                        TRY(fail(p, d, s, "Region", "vaddr finds its regions itself; use Operations=fvaddr "
                                 "for fixed ranges"));
        }
        if (t->pids.n + t->process_names.n + t->cgroups.n + t->units.n > PROFILE_TARGETS_MAX)
                TRY(diag_add(d, DIAG_ERROR, s->loc.file, s->loc.line, "[Target]", NULL,
                             "too many targets: Pid=, ProcessName=, CGroup= and Unit= name %zu, at most %d "
                             "per profile", t->pids.n + t->process_names.n + t->cgroups.n + t->units.n,
                             PROFILE_TARGETS_MAX));
        /* a unit need not be loaded or running now: damond asks systemd for its cgroup when the profile
         * runs and follows it as the unit starts, stops and restarts */
        for (size_t i = 0; i < t->cgroups.n; i++)
                TRY(check_cgroup(p, d, machine, t->cgroups.items[i], t->cgroups.locs[i], "CGroup"));
        return 0;
}

static const char *dest_str(const ProfileDest *dd, char *buf, size_t size) {
        snprintf(buf, size, "%" PRIu64 ":%" PRIu64, dd->node, dd->weight);
        return buf;
}

static bool action_needs_limit(int action) {
        return action != DAMOS_ACTION_STAT;
}

/* Whether a goal that damond or the kernel measures bounds the scheme (user_input does not: it only
 * moves when someone writes to it). */
static bool scheme_has_goal(const ProfileScheme *sc) {
        return sc->has_measured_goal;
}

static int validate_scheme(Profile *p, ProfileScheme *sc, DiagList *d) {
        const ProfileSection *s = &sc->head;
        bool migrate = sc->action == DAMOS_ACTION_MIGRATE_HOT || sc->action == DAMOS_ACTION_MIGRATE_COLD;

        if (sc->min_size > sc->max_size)
                TRY(fail(p, d, s, "MinSize", "must not exceed MaxSize="));
        if (sc->min_accesses.percent == sc->max_accesses.percent &&
            sc->min_accesses.value > sc->max_accesses.value)
                TRY(fail(p, d, s, "MinAccesses", "must not exceed MaxAccesses="));
        if (sc->min_age_usec > sc->max_age_usec)
                TRY(fail(p, d, s, "MinAge", "must not exceed MaxAge="));
        if (sc->wmark_metric == DAMOS_WMARK_FREE_MEM_RATE) {
                if (sc->wmark_high_ppm < sc->wmark_mid_ppm)
                        TRY(fail(p, d, s, "WatermarkHigh", "must be at least WatermarkMid="));
                if (sc->wmark_mid_ppm < sc->wmark_low_ppm)
                        TRY(fail(p, d, s, "WatermarkMid", "must be at least WatermarkLow="));
        } else {
                static const char * const keys[] = { "WatermarkHigh", "WatermarkMid", "WatermarkLow",
                                                     "WatermarkInterval" };

                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (profile_section_is_set(s, keys[i]))
                                TRY(fail(p, d, s, keys[i],
                                         "has no effect without Watermarks=free_mem_rate"));
        }
        if (!migrate) {
                if (profile_section_is_set(s, "TargetNode"))
                        TRY(fail(p, d, s, "TargetNode",
                                 "only migrate_hot and migrate_cold use a target node"));
                if (sc->dests.n > 0)
                        TRY(diag_add(d, DIAG_ERROR, sc->dests.items[0].loc.file, sc->dests.items[0].loc.line,
                                     "Dest", dest_str(&sc->dests.items[0], (char[48]) {}, 48),
                                     "only migrate_hot and migrate_cold use destinations"));
        } else if (p->target.nodes == PROFILE_NODES_AUTO) {
                if (profile_section_is_set(s, "TargetNode"))
                        TRY(fail(p, d, s, "TargetNode", "Nodes=auto chooses the target nodes from the memory "
                                 "tiers; set Nodes=manual in [Target] to name them"));
                if (sc->dests.n > 0)
                        TRY(diag_add(d, DIAG_ERROR, sc->dests.items[0].loc.file, sc->dests.items[0].loc.line,
                                     "Dest", dest_str(&sc->dests.items[0], (char[48]) {}, 48),
                                     "Nodes=auto chooses the destinations from the memory tiers; set "
                                     "Nodes=manual in [Target] to name them"));
        } else if (!profile_section_is_set(s, "TargetNode") && sc->dests.n == 0)
                TRY(fail(p, d, s, "Action", "migration needs TargetNode= or Dest="));
        else if (profile_section_is_set(s, "TargetNode") && sc->dests.n > 0)
                TRY(fail(p, d, s, "TargetNode", "set either TargetNode= or Dest=, not both"));

        if (action_needs_limit(sc->action) && sc->quota_time_usec == 0 && sc->quota_size == 0 &&
            !scheme_has_goal(sc) && sc->wmark_metric == DAMOS_WMARK_NONE)
                TRY(warn(p, d, s, "Action",
                         "no QuotaTime=, QuotaSize=, goal or watermarks: the action applies to every "
                         "matching region without limit"));
        return 0;
}

static ProfileScheme *find_scheme(const Profile *p, const char *name) {
        return name ? strmap_get(&p->schemes_by_name, name) : NULL;
}

static int check_scheme_ref(Profile *p, DiagList *d, const ProfileSection *s, const char *scheme) {
        if (!scheme)
                return fail(p, d, s, "Scheme", "Scheme= is required");
        if (!find_scheme(p, scheme))
                return fail(p, d, s, "Scheme", "no [Scheme %s] in this profile", scheme);
        return 0;
}

static uint64_t allowed_stall_ppm = PROFILE_ALLOWED_STALL_PPM_DEFAULT;

void profile_set_allowed_stall_ppm(uint64_t ppm) {
        allowed_stall_ppm = ppm > 0 && ppm <= 1000000 ? ppm : PROFILE_ALLOWED_STALL_PPM_DEFAULT;
}

uint64_t profile_allowed_stall_ppm(void) {
        return allowed_stall_ppm;
}

static bool metric_is_stall(int metric) {
        return metric == DAMOS_GOAL_SOME_MEM_PSI_US || metric == PROFILE_GOAL_MEM_PSI_FULL_US ||
               metric == PROFILE_GOAL_CGROUP_MEM_PSI_US;
}

static int parse_goal_target(Profile *p, ProfileGoal *g, DiagList *d) {
        const ProfileSection *s = &g->head;
        ProfileScheme *sc = find_scheme(p, g->scheme);
        uint64_t v;
        int r;

        switch (g->metric) {
        case DAMOS_GOAL_USER_INPUT:
                if (parse_uint64(g->target, &v) < 0 || v == 0)
                        return fail(p, d, s, "Target", "expected a positive integer for Metric=user_input");
                break;
        case DAMOS_GOAL_SOME_MEM_PSI_US:
        case PROFILE_GOAL_MEM_PSI_FULL_US:
        case PROFILE_GOAL_CGROUP_MEM_PSI_US:
                /* stall time per quota reset interval, or a share of it; none: AllowedStall= */
                if (!g->target) {
                        uint64_t reset = sc ? sc->quota_reset_usec : USEC_PER_SEC;

                        v = (uint64_t) ((unsigned __int128) allowed_stall_ppm * reset / 1000000);
                        if (v == 0)
                                return fail(p, d, s, "Target", "AllowedStall= of damond.conf is less than "
                                            "1us of QuotaResetInterval=: set a Target=");
                } else if (strchr(g->target, '%')) {
                        uint64_t ppm, reset = sc ? sc->quota_reset_usec : USEC_PER_SEC;

                        r = parse_ratio_ppm(g->target, &ppm);
                        if (r < 0)
                                return fail(p, d, s, "Target", "expected a stall time (e.g. 5ms) or a share "
                                            "of QuotaResetInterval= (e.g. 0.5%%)");
                        v = (uint64_t) ((unsigned __int128) ppm * reset / 1000000);
                } else if (parse_duration_usec(g->target, &v) < 0)
                        return fail(p, d, s, "Target", "expected a stall time per QuotaResetInterval= "
                                    "(e.g. 5ms) or a share of it (e.g. 0.5%%)");
                if (v == 0)
                        return fail(p, d, s, "Target", "must be above zero");
                break;
        case DAMOS_GOAL_NODE_MEM_USED_BP:
        case DAMOS_GOAL_NODE_MEM_FREE_BP:
        case DAMOS_GOAL_NODE_MEMCG_USED_BP:
        case DAMOS_GOAL_NODE_MEMCG_FREE_BP:
        case DAMOS_GOAL_ACTIVE_MEM_BP:
        case DAMOS_GOAL_INACTIVE_MEM_BP:
                r = parse_ratio_ppm(g->target, &v);
                if (r < 0 || v % 100 != 0)
                        return fail(p, d, s, "Target", r == -ERANGE ? "above 100%%" :
                                    r < 0 ? "expected a percentage, e.g. 70%%" :
                                    "finer than the kernel's resolution of 0.01%%");
                v /= 100;
                if (v == 0)
                        return fail(p, d, s, "Target", "must be above zero");
                break;
        case PROFILE_GOAL_CGROUP_MEM_USAGE:
                g->target_of_limit = strchr(g->target, '%');
                if (g->target_of_limit) {
                        /* a share of the cgroup's limit, which may change while damond runs */
                        r = parse_ratio_ppm(g->target, &v);
                        if (r < 0 || v % 100 != 0 || v == 0)
                                return fail(p, d, s, "Target", r == -ERANGE ? "above 100%%" :
                                            r < 0 || v == 0 ? "expected a memory size (2G) or a share of "
                                            "memory.high (80%%)" : "finer than 0.01%%");
                        v /= 100;
                } else if (parse_size_bytes(g->target, &v) < 0 || v == 0)
                        return fail(p, d, s, "Target", "expected a memory size (2G) or a share of "
                                    "memory.high (80%%)");
                break;
        default:
                return 0;
        }
        /* the tuner refuses larger targets (its arithmetic would overflow): it would leave the scheme
         * unguarded at run time, so refuse it here */
        if (v > TUNER_TARGET_MAX)
                return fail(p, d, s, "Target", "above the largest target the tuner takes (%" PRIu64 " in the "
                            "metric's unit: µs or bytes)", (uint64_t) TUNER_TARGET_MAX);
        g->target_value = v;
        return 0;
}

static bool goal_of_migration(const Profile *p, const ProfileGoal *g) {
        for (size_t i = 0; g->scheme && i < p->n_schemes; i++)
                if (p->schemes[i]->head.name && streq(p->schemes[i]->head.name, g->scheme))
                        return p->schemes[i]->action == DAMOS_ACTION_MIGRATE_HOT ||
                               p->schemes[i]->action == DAMOS_ACTION_MIGRATE_COLD;
        return false;
}

static int validate_goal(Profile *p, ProfileGoal *g, const ProfileMachine *machine, DiagList *d) {
        const ProfileSection *s = &g->head;
        bool node_metric, cgroup_metric;

        TRY(check_scheme_ref(p, d, s, g->scheme));
        if (g->metric < 0)
                return fail(p, d, s, "Metric", "Metric= is required");
        if (!g->target && !metric_is_stall(g->metric))
                TRY(fail(p, d, s, "Target", "Target= is required"));
        else
                TRY(parse_goal_target(p, g, d));
        if (g->metric == DAMOS_GOAL_USER_INPUT)
                TRY(warn(p, d, s, "Metric", "nothing measures this metric: until a value is written "
                         "(damonctl), the kernel reads 0 and raises the quota up to QuotaTime= and "
                         "QuotaSize="));

        node_metric = g->metric >= DAMOS_GOAL_NODE_MEM_USED_BP && g->metric <= DAMOS_GOAL_NODE_MEMCG_FREE_BP;
        cgroup_metric = g->metric == DAMOS_GOAL_NODE_MEMCG_USED_BP ||
                        g->metric == DAMOS_GOAL_NODE_MEMCG_FREE_BP ||
                        g->metric == PROFILE_GOAL_CGROUP_MEM_PSI_US ||
                        g->metric == PROFILE_GOAL_CGROUP_MEM_USAGE;
        if (!node_metric && profile_section_is_set(s, "Node"))
                TRY(fail(p, d, s, "Node", "only node_mem_* and node_memcg_* metrics use a node"));
        if (node_metric && profile_section_is_set(s, "Node") && p->target.nodes == PROFILE_NODES_AUTO &&
            goal_of_migration(p, g))
                TRY(fail(p, d, s, "Node", "Nodes=auto sets the node of a migration scheme's goal (the fast "
                         "node the scheme moves memory into or out of); set Nodes=manual in [Target] to "
                         "name it"));
        if (cgroup_metric && !g->cgroup && !g->unit && !profile_section_failed(s, "CGroup") &&
            !profile_section_failed(s, "Unit"))
                TRY(fail(p, d, s, "Metric", "this metric needs CGroup= (or Unit= for cgroup_* metrics)"));
        if (!cgroup_metric && g->cgroup)
                TRY(fail(p, d, s, "CGroup", "only node_memcg_* and cgroup_* metrics use a cgroup"));
        if (g->unit && g->cgroup)
                TRY(fail(p, d, s, "Unit", "set CGroup= or Unit=, not both"));
        /* the kernel measures node_memcg_* itself, on a path written when the scheme is committed: a unit's
         * cgroup, which comes and goes with the unit, is for the metrics damond measures */
        if (g->unit && g->metric != PROFILE_GOAL_CGROUP_MEM_PSI_US && g->metric != PROFILE_GOAL_CGROUP_MEM_USAGE)
                TRY(fail(p, d, s, "Unit", "only cgroup_mem_psi_us and cgroup_mem_usage take Unit= (node_memcg_* "
                         "need CGroup=)"));
        if (g->cgroup)
                TRY(check_cgroup(p, d, machine, g->cgroup, profile_section_where(p, s, "CGroup"), "CGroup"));
        return 0;
}

static int validate_filter(Profile *p, ProfileFilter *f, const ProfileMachine *machine, DiagList *d) {
        const ProfileSection *s = &f->head;
        static const struct {
                const char *key;
                int type;
        } type_keys[] = {
                { "MemCG", DAMOS_FILTER_MEMCG },
                { "AddrRange", DAMOS_FILTER_ADDR },
                { "TargetIndex", DAMOS_FILTER_TARGET },
                { "HugepageSize", DAMOS_FILTER_HUGEPAGE_SIZE },
        };

        TRY(check_scheme_ref(p, d, s, f->scheme));
        if (f->type < 0)
                return fail(p, d, s, "Type", "Type= is required");
        for (size_t i = 0; i < ELEMENTSOF(type_keys); i++) {
                if (f->type == type_keys[i].type && !profile_section_is_set(s, type_keys[i].key) &&
                    !profile_section_failed(s, type_keys[i].key))
                        TRY(fail(p, d, s, "Type", "Type=%s needs %s=", damos_filter_type_to_string(f->type),
                                 type_keys[i].key));
                if (f->type != type_keys[i].type && profile_section_is_set(s, type_keys[i].key))
                        TRY(fail(p, d, s, type_keys[i].key, "only applies to Type=%s",
                                 damos_filter_type_to_string(type_keys[i].type)));
        }
        if (f->layer == PROFILE_FILTER_LAYER_CORE && !damos_filter_type_is_core(f->type))
                TRY(fail(p, d, s, "Layer", "Type=%s is an operations-layer filter; use Layer=ops or auto",
                         damos_filter_type_to_string(f->type)));
        if (f->layer == PROFILE_FILTER_LAYER_OPS && damos_filter_type_is_core(f->type))
                TRY(fail(p, d, s, "Layer", "Type=%s is a core-layer filter; use Layer=core or auto",
                         damos_filter_type_to_string(f->type)));
        if (f->type == DAMOS_FILTER_TARGET) {
                size_t n = p->target.pids.n + p->target.process_names.n + p->target.cgroups.n +
                           p->target.units.n;

                if (p->target.pids.n == n && f->target_index >= (n > 0 ? n : 1))
                        TRY(fail(p, d, s, "TargetIndex", "the profile has only %zu target%s", n > 0 ? n : 1,
                                 n > 1 ? "s" : ""));
        }
        if (f->memcg)
                TRY(check_cgroup(p, d, machine, f->memcg, profile_section_where(p, s, "MemCG"), "MemCG"));
        return 0;
}

/* PressureCeiling=: a stall per second (100ms) or a share of the time (10%), which is the same number in
 * µs per second as in ppm. */
static int validate_general(Profile *p, DiagList *d) {
        ProfileGeneral *g = &p->general;
        uint64_t v;

        g->pressure_ceiling_usec = 0;
        if (!g->pressure_ceiling)
                return 0;
        if (strchr(g->pressure_ceiling, '%')) {
                if (parse_ratio_ppm(g->pressure_ceiling, &v) < 0)
                        return fail(p, d, &g->head, "PressureCeiling", "expected a stall time per second "
                                    "(e.g. 200ms) or a share of the time (e.g. 20%%)");
        } else if (parse_duration_usec(g->pressure_ceiling, &v) < 0)
                return fail(p, d, &g->head, "PressureCeiling", "expected a stall time per second (e.g. "
                            "200ms) or a share of the time (e.g. 20%%)");
        else if (v > USEC_PER_SEC)
                return fail(p, d, &g->head, "PressureCeiling", "a stall per second is at most 1s");
        g->pressure_ceiling_usec = v;
        return 0;
}

int profile_validate(Profile *p, const ProfileMachine *machine, DiagList *d) {
        assert(p);
        assert(d);

        TRY(validate_general(p, d));
        TRY(validate_monitor(p, d));
        TRY(validate_target(p, machine, d));
        /* one pass over the goals marks the schemes they bound, instead of a search per scheme */
        for (size_t i = 0; i < p->n_schemes; i++)
                p->schemes[i]->has_measured_goal = false;
        for (size_t i = 0; i < p->n_goals; i++) {
                ProfileScheme *sc = find_scheme(p, p->goals[i]->scheme);

                if (sc && p->goals[i]->metric >= 0 && p->goals[i]->metric != DAMOS_GOAL_USER_INPUT)
                        sc->has_measured_goal = true;
        }
        for (size_t i = 0; i < p->n_schemes; i++)
                TRY(validate_scheme(p, p->schemes[i], d));
        for (size_t i = 0; i < p->n_goals; i++)
                TRY(validate_goal(p, p->goals[i], machine, d));
        for (size_t i = 0; i < p->n_filters; i++)
                TRY(validate_filter(p, p->filters[i], machine, d));
        return 0;
}
