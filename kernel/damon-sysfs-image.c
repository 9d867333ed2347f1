/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "damon-sysfs-internal.h"

void damon_error_set(DamonError *e, const char *fmt, ...) {
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
}

int damon_kdamond_path(char *buf, size_t size, unsigned index, const char *rel) {
        int n;

        if (isempty(rel))
                n = snprintf(buf, size, DAMON_KDAMONDS_DIR "/%u", index);
        else
                n = snprintf(buf, size, DAMON_KDAMONDS_DIR "/%u/%s", index, rel);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

bool damon_image_entry_exists(const ImageEntry *e, const DamonFeatures *f) {
        return e->file_feature < 0 || damon_features_has(f, e->file_feature);
}

void damon_image_done(DamonImage *img) {
        if (!img)
                return;
        img->entries = mfree(img->entries);
        img->n = 0;
}

typedef struct Builder {
        DamonImage img;
        size_t cap;
        int error;
} Builder;

_printf_(7, 8) static ImageEntry *add(Builder *b, ImageKind kind, int file_feature, bool is_default,
                                      const char *value, const char *what, const char *fmt, ...) {
        ImageEntry *e;
        va_list ap;
        int n;

        if (b->error < 0)
                return NULL;
        if (b->img.n == b->cap) {
                size_t ncap = b->cap ? b->cap * 2 : 64;
                ImageEntry *a = realloc(b->img.entries, ncap * sizeof(*a));

                if (!a) {
                        b->error = -ENOMEM;
                        return NULL;
                }
                b->img.entries = a;
                b->cap = ncap;
        }
        e = &b->img.entries[b->img.n];
        *e = (ImageEntry) {
                .kind = kind,
                .is_default = is_default,
                .file_feature = file_feature,
                .value_feature = -1,
                .what = what,
        };
        va_start(ap, fmt);
        n = vsnprintf(e->path, sizeof(e->path), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(e->path)) {
                b->error = -ENAMETOOLONG;
                return NULL;
        }
        if (strlen(value) >= sizeof(e->value)) {
                b->error = -ENAMETOOLONG;
                return NULL;
        }
        strcpy(e->value, value);
        b->img.n++;
        return e;
}

#define NONE (-1)

static ImageEntry *add_u64(Builder *b, int feature, uint64_t v, uint64_t def, const char *what,
                           const char *prefix, const char *name) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return add(b, IMAGE_U64, feature, v == def, buf, what, "%s%s", prefix, name);
}

static ImageEntry *add_nr(Builder *b, int feature, size_t n, const char *what, const char *prefix,
                          const char *name) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%zu", n);
        return add(b, IMAGE_NR, feature, n == 0, buf, what, "%s%s", prefix, name);
}

static void add_range(Builder *b, int feature, DamonRange r, const char *what, const char *prefix) {
        add_u64(b, feature, r.min, 0, what, prefix, "/min");
        add_u64(b, feature, r.max, 0, what, prefix, "/max");
}

static void add_filters(Builder *b, const DamosScheme *sc, const char *sp) {
        static const char * const what[_DAMOS_FILTER_SET_MAX] = {
                [DAMOS_FILTERS_LEGACY] = "filters",
                [DAMOS_FILTERS_CORE] = "core filters",
                [DAMOS_FILTERS_OPS] = "ops filters",
        };
        char p[DAMON_IMAGE_PATH_MAX];

        for (DamosFilterSet set = 0; set < _DAMOS_FILTER_SET_MAX; set++) {
                int feature = set == DAMOS_FILTERS_LEGACY ? DAMON_FEATURE_FILTERS : DAMON_FEATURE_CORE_OPS_FILTERS;
                const char *dir = damos_filter_set_to_string(set);

                if (!snprintf_ok(p, "%s/%s", sp, dir))
                        return (void) (b->error = -ENAMETOOLONG);
                add_nr(b, feature, sc->n_filters[set], what[set], p, "/nr_filters");
                for (size_t i = 0; i < sc->n_filters[set]; i++) {
                        const DamosFilter *f = &sc->filters[set][i];
                        ImageEntry *e;

                        if (!snprintf_ok(p, "%s/%s/%zu/", sp, dir, i))
                                return (void) (b->error = -ENAMETOOLONG);
                        /* type first: the kernel checks it against the directory's layer */
                        e = add(b, IMAGE_KEYWORD, feature, f->type == DAMOS_FILTER_ANON,
                                damos_filter_type_to_string(f->type) ?: "", "filter type", "%stype", p);
                        if (e)
                                e->value_feature = damon_filter_type_feature(f->type);
                        add(b, IMAGE_BOOL, feature, !f->matching, f->matching ? "Y" : "N", "filter matching",
                            "%smatching", p);
                        add(b, IMAGE_BOOL, DAMON_FEATURE_FILTER_ALLOW, !f->allow, f->allow ? "Y" : "N",
                            "allow filters", "%sallow", p);
                        add(b, IMAGE_STRING, feature, isempty(f->memcg_path), f->memcg_path ?: "",
                            "memcg filter path", "%smemcg_path", p);
                        add_u64(b, DAMON_FEATURE_TRIED_BYTES, f->addr_start, 0, "addr filters", p, "addr_start");
                        add_u64(b, DAMON_FEATURE_TRIED_BYTES, f->addr_end, 0, "addr filters", p, "addr_end");
                        add_u64(b, DAMON_FEATURE_TRIED_BYTES, f->target_idx, 0, "target filters", p,
                                "damon_target_idx");
                        add_u64(b, DAMON_FEATURE_CORE_OPS_FILTERS, f->min, 0, "hugepage_size filters", p, "min");
                        add_u64(b, DAMON_FEATURE_CORE_OPS_FILTERS, f->max, 0, "hugepage_size filters", p, "max");
                }
        }
}

static void add_scheme(Builder *b, const DamosScheme *sc, size_t idx) {
        char sp[DAMON_IMAGE_PATH_MAX], p[DAMON_IMAGE_PATH_MAX], buf[32];
        ImageEntry *e;

        if (!snprintf_ok(sp, "contexts/0/schemes/%zu", idx))
                return (void) (b->error = -ENAMETOOLONG);

        e = add(b, IMAGE_KEYWORD, NONE, sc->action == DAMOS_ACTION_STAT,
                damos_action_to_string(sc->action) ?: "", "scheme action", "%s/action", sp);
        if (e)
                e->value_feature = damon_action_feature(sc->action);

        if (!snprintf_ok(p, "%s/access_pattern/sz", sp))
                return (void) (b->error = -ENAMETOOLONG);
        add_range(b, NONE, sc->sz, "access pattern size", p);
        if (!snprintf_ok(p, "%s/access_pattern/nr_accesses", sp))
                return (void) (b->error = -ENAMETOOLONG);
        add_range(b, NONE, sc->nr_accesses, "access pattern accesses", p);
        if (!snprintf_ok(p, "%s/access_pattern/age", sp))
                return (void) (b->error = -ENAMETOOLONG);
        add_range(b, NONE, sc->age, "access pattern age", p);

        add_u64(b, DAMON_FEATURE_APPLY_INTERVAL, sc->apply_interval_us, 0, "apply interval", sp,
                "/apply_interval_us");
        snprintf(buf, sizeof(buf), "%d", sc->target_nid);
        add(b, IMAGE_S64, DAMON_FEATURE_MIGRATE, sc->target_nid == -1, buf, "target node", "%s/target_nid", sp);
        add_nr(b, DAMON_FEATURE_DESTS, sc->n_dests, "migration destinations", sp, "/dests/nr_dests");
        for (size_t i = 0; i < sc->n_dests; i++) {
                if (!snprintf_ok(p, "%s/dests/%zu/", sp, i))
                        return (void) (b->error = -ENAMETOOLONG);
                add_u64(b, DAMON_FEATURE_DESTS, sc->dests[i].id, 0, "migration destinations", p, "id");
                add_u64(b, DAMON_FEATURE_DESTS, sc->dests[i].weight, 0, "migration destinations", p, "weight");
        }

        if (!snprintf_ok(p, "%s/quotas/", sp))
                return (void) (b->error = -ENAMETOOLONG);
        add_u64(b, NONE, sc->quota.ms, 0, "time quota", p, "ms");
        add_u64(b, NONE, sc->quota.bytes, 0, "size quota", p, "bytes");
        add_u64(b, NONE, sc->quota.reset_interval_ms, 0, "quota reset interval", p, "reset_interval_ms");
        add(b, IMAGE_KEYWORD, DAMON_FEATURE_GOAL_TUNER, sc->quota.goal_tuner == DAMOS_GOAL_TUNER_CONSIST,
            damos_goal_tuner_to_string(sc->quota.goal_tuner) ?: "", "quota goal tuner", "%sgoal_tuner", p);
        add_u64(b, NONE, sc->quota.weight_sz_permil, 0, "quota weights", p, "weights/sz_permil");
        add_u64(b, NONE, sc->quota.weight_nr_accesses_permil, 0, "quota weights", p, "weights/nr_accesses_permil");
        add_u64(b, NONE, sc->quota.weight_age_permil, 0, "quota weights", p, "weights/age_permil");
        add_nr(b, DAMON_FEATURE_QUOTA_GOALS, sc->quota.n_goals, "quota goals", p, "goals/nr_goals");
        for (size_t i = 0; i < sc->quota.n_goals; i++) {
                const DamosGoal *g = &sc->quota.goals[i];

                if (!snprintf_ok(p, "%s/quotas/goals/%zu/", sp, i))
                        return (void) (b->error = -ENAMETOOLONG);
                e = add(b, IMAGE_KEYWORD, DAMON_FEATURE_GOAL_METRICS, g->metric == DAMOS_GOAL_USER_INPUT,
                        damos_goal_metric_to_string(g->metric) ?: "", "quota goal metrics", "%starget_metric", p);
                if (e)
                        e->value_feature = damon_goal_metric_feature(g->metric);
                snprintf(buf, sizeof(buf), "%d", g->nid);
                add(b, IMAGE_S64, DAMON_FEATURE_NODE_MEM_GOALS, g->nid == 0, buf, "quota goal node", "%snid", p);
                add(b, IMAGE_STRING, DAMON_FEATURE_MEMCG_GOALS, isempty(g->path), g->path ?: "",
                    "quota goal memcg path", "%spath", p);
                add_u64(b, DAMON_FEATURE_QUOTA_GOALS, g->target_value, 0, "quota goals", p, "target_value");
                add_u64(b, DAMON_FEATURE_QUOTA_GOALS, g->current_value, 0, "quota goals", p, "current_value");
        }

        if (!snprintf_ok(p, "%s/watermarks/", sp))
                return (void) (b->error = -ENAMETOOLONG);
        add(b, IMAGE_KEYWORD, NONE, sc->wmarks.metric == DAMOS_WMARK_NONE,
            damos_wmark_metric_to_string(sc->wmarks.metric) ?: "", "watermarks", "%smetric", p);
        add_u64(b, NONE, sc->wmarks.interval_us, 0, "watermarks", p, "interval_us");
        add_u64(b, NONE, sc->wmarks.high, 0, "watermarks", p, "high");
        add_u64(b, NONE, sc->wmarks.mid, 0, "watermarks", p, "mid");
        add_u64(b, NONE, sc->wmarks.low, 0, "watermarks", p, "low");

        add_filters(b, sc, sp);

        add_u64(b, DAMON_FEATURE_SNAPSHOTS, sc->max_nr_snapshots, 0, "snapshot limit", sp,
                "/stats/max_nr_snapshots");
}

int damon_image_build(const DamonSpec *spec, DamonImage *ret) {
        Builder b = {};
        const DamonAttrs *a = &spec->attrs;
        bool tuned = a->intervals_goal.aggrs != 0;
        const char *mp = "contexts/0/monitoring_attrs/";
        char p[DAMON_IMAGE_PATH_MAX];
        ImageEntry *e;

        add_nr(&b, NONE, 1, "contexts", "contexts", "/nr_contexts");
        add(&b, IMAGE_KEYWORD, NONE, spec->ops == DAMON_OPS_VADDR, damon_ops_to_string(spec->ops) ?: "",
            "operations", "contexts/0/operations");
        add_u64(&b, DAMON_FEATURE_ADDR_UNIT, spec->addr_unit, 1, "address unit", "contexts/0/", "addr_unit");

        e = add_u64(&b, NONE, a->sample_us, 5000, "sampling interval", mp, "intervals/sample_us");
        if (e)
                e->kernel_tuned = tuned;
        e = add_u64(&b, NONE, a->aggr_us, 100000, "aggregation interval", mp, "intervals/aggr_us");
        if (e)
                e->kernel_tuned = tuned;
        add_u64(&b, NONE, a->update_us, 60000000, "update interval", mp, "intervals/update_us");
        add_u64(&b, DAMON_FEATURE_INTERVALS_GOAL, a->intervals_goal.access_bp, 0, "intervals auto-tuning", mp,
                "intervals/intervals_goal/access_bp");
        add_u64(&b, DAMON_FEATURE_INTERVALS_GOAL, a->intervals_goal.aggrs, 0, "intervals auto-tuning", mp,
                "intervals/intervals_goal/aggrs");
        add_u64(&b, DAMON_FEATURE_INTERVALS_GOAL, a->intervals_goal.min_sample_us, 0, "intervals auto-tuning", mp,
                "intervals/intervals_goal/min_sample_us");
        add_u64(&b, DAMON_FEATURE_INTERVALS_GOAL, a->intervals_goal.max_sample_us, 0, "intervals auto-tuning", mp,
                "intervals/intervals_goal/max_sample_us");
        add_u64(&b, NONE, a->min_nr_regions, 10, "minimum number of regions", mp, "nr_regions/min");
        add_u64(&b, NONE, a->max_nr_regions, 1000, "maximum number of regions", mp, "nr_regions/max");

        add_nr(&b, NONE, spec->n_targets, "targets", "contexts/0/targets", "/nr_targets");
        for (size_t i = 0; i < spec->n_targets; i++) {
                const DamonTarget *t = &spec->targets[i];
                char buf[32];

                if (!snprintf_ok(p, "contexts/0/targets/%zu/", i)) {
                        b.error = -ENAMETOOLONG;
                        break;
                }
                snprintf(buf, sizeof(buf), "%d", (int) t->pid);
                add(&b, IMAGE_S64, NONE, t->pid == 0, buf, "target pid", "%spid_target", p);
                add(&b, IMAGE_BOOL, DAMON_FEATURE_OBSOLETE_TARGET, !t->obsolete, t->obsolete ? "Y" : "N",
                    "obsolete targets", "%sobsolete_target", p);
                add_nr(&b, NONE, t->n_regions, "target regions", p, "regions/nr_regions");
                for (size_t j = 0; j < t->n_regions; j++) {
                        char rp[DAMON_IMAGE_PATH_MAX];

                        if (!snprintf_ok(rp, "%sregions/%zu/", p, j)) {
                                b.error = -ENAMETOOLONG;
                                break;
                        }
                        add_u64(&b, NONE, t->regions[j].start, 0, "target regions", rp, "start");
                        add_u64(&b, NONE, t->regions[j].end, 0, "target regions", rp, "end");
                }
        }

        add_nr(&b, NONE, spec->n_schemes, "schemes", "contexts/0/schemes", "/nr_schemes");
        for (size_t i = 0; i < spec->n_schemes; i++)
                add_scheme(&b, &spec->schemes[i], i);

        add_u64(&b, DAMON_FEATURE_REFRESH_MS, spec->refresh_ms, 0, "periodic refresh", "", "refresh_ms");

        if (b.error < 0) {
                damon_image_done(&b.img);
                return b.error;
        }
        *ret = b.img;
        return 0;
}

static int check_range(const DamonRange *r, uint64_t limit, size_t idx, const char *what, DamonError *reterr) {
        if (r->min > r->max) {
                damon_error_set(reterr, "scheme %zu: %s range %" PRIu64 "-%" PRIu64
                                " is empty (min > max), so the scheme would match nothing", idx, what, r->min, r->max);
                return -EINVAL;
        }
        if (r->max > limit) {
                damon_error_set(reterr, "scheme %zu: %s maximum %" PRIu64 " is above the kernel's limit %" PRIu64,
                                idx, what, r->max, limit);
                return -EINVAL;
        }
        return 0;
}

static int validate_scheme(const DamosScheme *sc, size_t idx, DamonError *reterr) {
        int r;

        if (!damos_action_to_string(sc->action)) {
                damon_error_set(reterr, "scheme %zu: invalid action %d", idx, (int) sc->action);
                return -EINVAL;
        }
        r = check_range(&sc->sz, UINT64_MAX, idx, "size", reterr);
        if (r < 0)
                return r;
        /* stored as unsigned int in the kernel */
        r = check_range(&sc->nr_accesses, UINT32_MAX, idx, "accesses", reterr);
        if (r < 0)
                return r;
        r = check_range(&sc->age, UINT32_MAX, idx, "age", reterr);
        if (r < 0)
                return r;

        for (size_t i = 0; i < sc->quota.n_goals; i++) {
                const DamosGoal *g = &sc->quota.goals[i];

                if (!damos_goal_metric_to_string(g->metric)) {
                        damon_error_set(reterr, "scheme %zu goal %zu: invalid metric", idx, i);
                        return -EINVAL;
                }
                if (g->target_value == 0) {
                        damon_error_set(reterr, "scheme %zu goal %zu: target value 0 makes the kernel ignore the goal",
                                        idx, i);
                        return -EINVAL;
                }
                if ((g->metric == DAMOS_GOAL_NODE_MEMCG_USED_BP || g->metric == DAMOS_GOAL_NODE_MEMCG_FREE_BP) &&
                    isempty(g->path)) {
                        damon_error_set(reterr, "scheme %zu goal %zu: metric %s needs a memcg path", idx, i,
                                        damos_goal_metric_to_string(g->metric));
                        return -EINVAL;
                }
        }
        if (!damos_goal_tuner_to_string(sc->quota.goal_tuner)) {
                damon_error_set(reterr, "scheme %zu: invalid goal tuner", idx);
                return -EINVAL;
        }

        if (!damos_wmark_metric_to_string(sc->wmarks.metric)) {
                damon_error_set(reterr, "scheme %zu: invalid watermark metric", idx);
                return -EINVAL;
        }
        if (sc->wmarks.metric != DAMOS_WMARK_NONE) {
                if (!(sc->wmarks.high >= sc->wmarks.mid && sc->wmarks.mid >= sc->wmarks.low)) {
                        damon_error_set(reterr, "scheme %zu: watermarks must be high >= mid >= low (%" PRIu64
                                        " %" PRIu64 " %" PRIu64 ")", idx, sc->wmarks.high, sc->wmarks.mid,
                                        sc->wmarks.low);
                        return -EINVAL;
                }
                if (sc->wmarks.interval_us == 0) {
                        damon_error_set(reterr, "scheme %zu: watermarks need a check interval", idx);
                        return -EINVAL;
                }
        }

        for (DamosFilterSet set = 0; set < _DAMOS_FILTER_SET_MAX; set++)
                for (size_t i = 0; i < sc->n_filters[set]; i++) {
                        const DamosFilter *f = &sc->filters[set][i];

                        if (!damos_filter_type_to_string(f->type)) {
                                damon_error_set(reterr, "scheme %zu: invalid filter type", idx);
                                return -EINVAL;
                        }
                        if ((set == DAMOS_FILTERS_CORE && !damos_filter_type_is_core(f->type)) ||
                            (set == DAMOS_FILTERS_OPS && damos_filter_type_is_core(f->type))) {
                                damon_error_set(reterr, "scheme %zu: filter type '%s' does not belong in %s", idx,
                                                damos_filter_type_to_string(f->type),
                                                damos_filter_set_to_string(set));
                                return -EINVAL;
                        }
                        if (f->type == DAMOS_FILTER_MEMCG && isempty(f->memcg_path)) {
                                damon_error_set(reterr, "scheme %zu: memcg filter without a memcg path", idx);
                                return -EINVAL;
                        }
                        if (f->type == DAMOS_FILTER_ADDR && f->addr_start > f->addr_end) {
                                damon_error_set(reterr, "scheme %zu: addr filter start is after its end", idx);
                                return -EINVAL;
                        }
                        if (f->type == DAMOS_FILTER_HUGEPAGE_SIZE && f->min > f->max) {
                                damon_error_set(reterr, "scheme %zu: hugepage_size filter min is above max", idx);
                                return -EINVAL;
                        }
                }
        return 0;
}

int damon_spec_validate(const DamonSpec *spec, DamonError *reterr) {
        const DamonAttrs *a = &spec->attrs;
        int r;

        if (!damon_ops_to_string(spec->ops)) {
                damon_error_set(reterr, "invalid operations set %d", (int) spec->ops);
                return -EINVAL;
        }
        if (spec->addr_unit == 0) {
                damon_error_set(reterr, "addr_unit must not be 0");
                return -EINVAL;
        }
        if (a->sample_us == 0 || a->sample_us > a->aggr_us) {
                damon_error_set(reterr, "sampling interval %" PRIu64 "us must be non-zero and at most the "
                                "aggregation interval %" PRIu64 "us", a->sample_us, a->aggr_us);
                return -EINVAL;
        }
        if (a->intervals_goal.aggrs != 0 &&
            !(a->intervals_goal.min_sample_us <= a->sample_us && a->sample_us <= a->intervals_goal.max_sample_us)) {
                damon_error_set(reterr, "intervals auto-tuning needs min_sample_us <= sample_us <= max_sample_us "
                                "(%" PRIu64 " %" PRIu64 " %" PRIu64 ")", a->intervals_goal.min_sample_us,
                                a->sample_us, a->intervals_goal.max_sample_us);
                return -EINVAL;
        }
        if (a->min_nr_regions < 3 || a->min_nr_regions > a->max_nr_regions) {
                damon_error_set(reterr, "region counts must be 3 <= min <= max (min %" PRIu64 ", max %" PRIu64 ")",
                                a->min_nr_regions, a->max_nr_regions);
                return -EINVAL;
        }
        if (spec->ops == DAMON_OPS_PADDR && spec->n_targets > 1) {
                damon_error_set(reterr, "paddr monitors one target, not %zu", spec->n_targets);
                return -EINVAL;
        }
        for (size_t i = 0; i < spec->n_targets; i++) {
                const DamonTarget *t = &spec->targets[i];

                if (spec->ops != DAMON_OPS_PADDR && t->pid <= 0) {
                        damon_error_set(reterr, "target %zu: %s needs a process id", i, damon_ops_to_string(spec->ops));
                        return -EINVAL;
                }
                if (spec->ops != DAMON_OPS_VADDR && t->n_regions == 0) {
                        damon_error_set(reterr, "target %zu: %s needs at least one region (without one it monitors "
                                        "nothing)", i, damon_ops_to_string(spec->ops));
                        return -EINVAL;
                }
                for (size_t j = 0; j < t->n_regions; j++) {
                        const DamonRegion *rg = &t->regions[j];

                        if (rg->start >= rg->end) {
                                damon_error_set(reterr, "target %zu region %zu: start %" PRIu64 " is not below end %"
                                                PRIu64, i, j, rg->start, rg->end);
                                return -EINVAL;
                        }
                        if (j > 0 && t->regions[j - 1].end > rg->start) {
                                damon_error_set(reterr, "target %zu region %zu overlaps or precedes the one before it "
                                                "(regions must be sorted and disjoint)", i, j);
                                return -EINVAL;
                        }
                }
        }
        for (size_t i = 0; i < spec->n_schemes; i++) {
                r = validate_scheme(&spec->schemes[i], i, reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int refuse(DamonError *reterr, const ImageEntry *e, const char *value, int feature) {
        if (value)
                damon_error_set(reterr, "%s '%s' (%s) needs DAMON %s, Linux %s or later; this kernel does not have it",
                                e->what, value, e->path, damon_feature_to_string(feature),
                                damon_feature_version(feature));
        else
                damon_error_set(reterr, "%s (%s) needs DAMON %s, Linux %s or later; this kernel does not have it",
                                e->what, e->path, damon_feature_to_string(feature), damon_feature_version(feature));
        return -EOPNOTSUPP;
}

int damon_image_check(const DamonImage *img, const DamonSpec *spec, const DamonFeatures *f, DamonError *reterr) {
        if (!(f->ops_mask & (1u << spec->ops))) {
                damon_error_set(reterr, "operations set '%s' is not available in this kernel (it needs "
                                "CONFIG_DAMON_%s)", damon_ops_to_string(spec->ops),
                                spec->ops == DAMON_OPS_PADDR ? "PADDR" : "VADDR");
                return -EOPNOTSUPP;
        }
        if (spec->ops == DAMON_OPS_FVADDR && !damon_features_has(f, DAMON_FEATURE_FVADDR)) {
                damon_error_set(reterr, "operations set 'fvaddr' needs DAMON %s, Linux %s or later",
                                damon_feature_to_string(DAMON_FEATURE_FVADDR),
                                damon_feature_version(DAMON_FEATURE_FVADDR));
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < img->n; i++) {
                const ImageEntry *e = &img->entries[i];

                if (!damon_image_entry_exists(e, f) && !e->is_default)
                        return refuse(reterr, e, NULL, e->file_feature);
                if (e->value_feature >= 0 && !damon_features_has(f, e->value_feature))
                        return refuse(reterr, e, e->value, e->value_feature);
        }
        return 0;
}
