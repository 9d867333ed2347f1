/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>

#include "damon-sysfs-internal.h"

void damon_kdamond_status_done(DamonKdamondStatus *st) {
        if (!st)
                return;
        st->schemes = mfree(st->schemes);
        st->n_schemes = 0;
}

static int read_u64_rel(DamonIO *io, unsigned index, const char *rel, uint64_t *ret) {
        char p[DAMON_IMAGE_PATH_MAX];
        int r;

        r = damon_kdamond_path(p, sizeof(p), index, rel);
        if (r < 0)
                return r;
        return damon_io_read_u64(io, p, ret);
}

/* An optional file: missing on older kernels is not an error. Returns 1 if read, 0 if absent. */
static int read_u64_opt(DamonIO *io, unsigned index, const char *rel, uint64_t *ret) {
        int r = read_u64_rel(io, index, rel, ret);

        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

static int write_state(DamonIO *io, unsigned index, const char *keyword) {
        char p[DAMON_IMAGE_PATH_MAX];
        int r;

        r = damon_kdamond_path(p, sizeof(p), index, "state");
        if (r < 0)
                return r;
        return damon_io_write(io, p, keyword);
}

int damon_sysfs_read_status(DamonSysfs *s, unsigned index, DamonKdamondStatus *ret) {
        DamonIO *io = damon_sysfs_io(s);
        const DamonFeatures *f = damon_sysfs_features(s);
        DamonKdamondStatus st = { .pid = -1 };
        uint64_t nr_contexts, nr_schemes, refresh_ms = 0;
        int r;

        damon_io_lock(io);
        r = damon_sysfs_read_state(s, index, &st.state, &st.pid);
        if (r < 0)
                goto finish;

        if (st.state == DAMON_KDAMOND_ON && damon_sysfs_owns(s, index)) {
                if (damon_features_has(f, DAMON_FEATURE_REFRESH_MS))
                        (void) read_u64_rel(io, index, "refresh_ms", &refresh_ms);
                /* with refresh_ms the kernel keeps these files fresh by itself */
                if (refresh_ms == 0) {
                        uint64_t aggrs = 0;

                        r = write_state(io, index, "update_schemes_stats");
                        if (r == -EINVAL)       /* it stopped between the two calls */
                                r = 0;
                        if (r < 0)
                                goto finish;
                        if (damon_features_has(f, DAMON_FEATURE_GOAL_METRICS))
                                (void) write_state(io, index, "update_schemes_effective_quotas");
                        if (damon_features_has(f, DAMON_FEATURE_INTERVALS_GOAL) &&
                            read_u64_rel(io, index, "contexts/0/monitoring_attrs/intervals/intervals_goal/aggrs",
                                         &aggrs) >= 0 && aggrs > 0)
                                (void) write_state(io, index, "update_tuned_intervals");
                }
        }

        r = read_u64_rel(io, index, "contexts/nr_contexts", &nr_contexts);
        if (r < 0)
                goto finish;
        if (nr_contexts == 0) {
                r = 0;
                goto finish;
        }
        r = read_u64_rel(io, index, "contexts/0/monitoring_attrs/intervals/sample_us", &st.sample_us);
        if (r < 0)
                goto finish;
        r = read_u64_rel(io, index, "contexts/0/monitoring_attrs/intervals/aggr_us", &st.aggr_us);
        if (r < 0)
                goto finish;
        r = read_u64_rel(io, index, "contexts/0/schemes/nr_schemes", &nr_schemes);
        if (r < 0)
                goto finish;
        if (nr_schemes > 4096) {
                r = -EBADMSG;
                goto finish;
        }
        if (nr_schemes > 0) {
                st.schemes = calloc(nr_schemes, sizeof(DamosSchemeStats));
                if (!st.schemes) {
                        r = -ENOMEM;
                        goto finish;
                }
        }
        st.n_schemes = nr_schemes;
        for (size_t i = 0; i < nr_schemes; i++) {
                DamosSchemeStats *ss = &st.schemes[i];
                struct {
                        const char *name;
                        uint64_t *value;
                        bool optional;
                } files[] = {
                        { "stats/nr_tried", &ss->nr_tried, false },
                        { "stats/sz_tried", &ss->sz_tried, false },
                        { "stats/nr_applied", &ss->nr_applied, false },
                        { "stats/sz_applied", &ss->sz_applied, false },
                        { "stats/qt_exceeds", &ss->qt_exceeds, false },
                        { "stats/sz_ops_filter_passed", &ss->sz_ops_filter_passed, true },
                        { "stats/nr_snapshots", &ss->nr_snapshots, true },
                };
                char rel[DAMON_IMAGE_PATH_MAX];

                for (size_t j = 0; j < ELEMENTSOF(files); j++) {
                        snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/%s", i, files[j].name);
                        r = files[j].optional ? read_u64_opt(io, index, rel, files[j].value)
                                              : read_u64_rel(io, index, rel, files[j].value);
                        if (r < 0)
                                goto finish;
                }
                snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/quotas/effective_bytes", i);
                r = read_u64_opt(io, index, rel, &ss->effective_bytes);
                if (r < 0)
                        goto finish;
                ss->has_effective_bytes = r > 0;
        }
        r = 0;
finish:
        damon_io_unlock(io);
        if (r < 0)
                damon_kdamond_status_done(&st);
        else
                *ret = st;
        return r;
}

int damon_sysfs_read_tried_regions(DamonSysfs *s, unsigned index, size_t scheme,
                                   DamosTriedRegion **ret_regions, size_t *ret_n, uint64_t *ret_total_bytes) {
        DamonIO *io = damon_sysfs_io(s);
        const DamonFeatures *f = damon_sysfs_features(s);
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ DamosTriedRegion *regions = NULL;
        char dir[DAMON_IMAGE_PATH_MAX], rel[DAMON_IMAGE_PATH_MAX * 2];
        size_t n = 0, cap = 0;
        uint64_t total = 0;
        DamonKdamondState state;
        int r;

        if (!damon_features_has(f, DAMON_FEATURE_TRIED_REGIONS))
                return -EOPNOTSUPP;
        if (!damon_sysfs_owns(s, index))
                return -EPERM;

        damon_io_lock(io);
        r = damon_sysfs_read_state(s, index, &state, NULL);
        if (r < 0)
                goto finish;
        if (state != DAMON_KDAMOND_ON) {
                r = -ESRCH;
                goto finish;
        }
        r = write_state(io, index, "update_schemes_tried_regions");
        if (r < 0)
                goto finish;

        snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/tried_regions", scheme);
        r = damon_kdamond_path(dir, sizeof(dir), index, rel);
        if (r < 0)
                goto finish;
        r = damon_io_list(io, dir, &names);
        if (r < 0)
                goto finish;

        /* enumerate what is there: some kernels numbered these directories with gaps */
        for (char **name = names; *name; name++) {
                DamosTriedRegion *tr;

                if (strspn(*name, "0123456789") != strlen(*name))
                        continue;
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        DamosTriedRegion *a = realloc(regions, ncap * sizeof(*a));

                        if (!a) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        regions = a;
                        cap = ncap;
                }
                tr = &regions[n];
                *tr = (DamosTriedRegion) {};
                {
                        struct {
                                const char *file;
                                uint64_t *value;
                                bool optional;
                        } files[] = {
                                { "start", &tr->start, false },
                                { "end", &tr->end, false },
                                { "nr_accesses", &tr->nr_accesses, false },
                                { "age", &tr->age, false },
                                { "sz_filter_passed", &tr->sz_filter_passed, true },
                        };

                        for (size_t j = 0; j < ELEMENTSOF(files); j++) {
                                snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/tried_regions/%s/%s", scheme,
                                         *name, files[j].file);
                                r = files[j].optional ? read_u64_opt(io, index, rel, files[j].value)
                                                      : read_u64_rel(io, index, rel, files[j].value);
                                if (r < 0)
                                        goto finish;
                        }
                }
                if (tr->end > tr->start)
                        total += tr->end - tr->start;
                n++;
        }
        if (damon_features_has(f, DAMON_FEATURE_TRIED_BYTES)) {
                snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/tried_regions/total_bytes", scheme);
                r = read_u64_rel(io, index, rel, &total);
                if (r < 0)
                        goto finish;
        }
        if (ret_regions)
                *ret_regions = TAKE_PTR(regions);
        if (ret_n)
                *ret_n = n;
        if (ret_total_bytes)
                *ret_total_bytes = total;
        r = 0;
finish:
        damon_io_unlock(io);
        return r;
}
