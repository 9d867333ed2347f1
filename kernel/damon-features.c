/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "damon-features.h"
#include "damon-sysfs.h"

#define KDAMONDS DAMON_KDAMONDS_DIR

static const struct {
        const char *name;
        const char *version;
        unsigned v;             /* major * 100 + minor, for ordering */
} feature_table[_DAMON_FEATURE_MAX] = {
        [DAMON_FEATURE_SYSFS] = { "DAMON sysfs interface", "5.18", 518 },
        [DAMON_FEATURE_COMMIT] = { "online commit", "5.19", 519 },
        [DAMON_FEATURE_FVADDR] = { "fvaddr operations", "5.19", 519 },
        [DAMON_FEATURE_LRU_ACTIONS] = { "LRU sorting actions", "6.0", 600 },
        [DAMON_FEATURE_TRIED_REGIONS] = { "tried regions", "6.2", 602 },
        [DAMON_FEATURE_FILTERS] = { "DAMOS filters", "6.3", 603 },
        [DAMON_FEATURE_TRIED_BYTES] = { "tried bytes and address/target filters", "6.6", 606 },
        [DAMON_FEATURE_APPLY_INTERVAL] = { "scheme apply interval", "6.7", 607 },
        [DAMON_FEATURE_QUOTA_GOALS] = { "quota goals", "6.8", 608 },
        [DAMON_FEATURE_GOAL_METRICS] = { "quota goal metrics and effective quota", "6.9", 609 },
        [DAMON_FEATURE_YOUNG_FILTER] = { "young page filter", "6.10", 610 },
        [DAMON_FEATURE_MIGRATE] = { "migration actions", "6.11", 611 },
        [DAMON_FEATURE_FILTER_ALLOW] = { "allow filters", "6.14", 614 },
        [DAMON_FEATURE_CORE_OPS_FILTERS] = { "core and ops filter directories", "6.15", 615 },
        [DAMON_FEATURE_INTERVALS_GOAL] = { "monitoring intervals auto-tuning", "6.15", 615 },
        [DAMON_FEATURE_NODE_MEM_GOALS] = { "node memory quota goals", "6.16", 616 },
        [DAMON_FEATURE_DESTS] = { "multiple migration destinations", "6.17", 617 },
        [DAMON_FEATURE_REFRESH_MS] = { "periodic kernel refresh", "6.17", 617 },
        [DAMON_FEATURE_ADDR_UNIT] = { "address unit", "6.18", 618 },
        [DAMON_FEATURE_MEMCG_GOALS] = { "memcg quota goals", "6.19", 619 },
        [DAMON_FEATURE_OBSOLETE_TARGET] = { "obsolete targets", "6.19", 619 },
        [DAMON_FEATURE_SNAPSHOTS] = { "snapshot-limited schemes", "7.0", 700 },
        [DAMON_FEATURE_GOAL_TUNER] = { "goal tuner selection", "7.1", 701 },
};

static const char * const module_table[_DAMON_MODULE_MAX] = {
        [DAMON_MODULE_RECLAIM] = "damon_reclaim",
        [DAMON_MODULE_LRU_SORT] = "damon_lru_sort",
        [DAMON_MODULE_STAT] = "damon_stat",
};

const char *damon_feature_to_string(DamonFeature f) {
        return (int) f >= 0 && f < _DAMON_FEATURE_MAX ? feature_table[f].name : NULL;
}

const char *damon_feature_version(DamonFeature f) {
        return (int) f >= 0 && f < _DAMON_FEATURE_MAX ? feature_table[f].version : NULL;
}

const char *damon_module_to_string(DamonModule m) {
        return (int) m >= 0 && m < _DAMON_MODULE_MAX ? module_table[m] : NULL;
}

/* Where a feature shows, relative to an anchor directory that must exist for the answer to count. */
typedef enum Anchor {
        ANCHOR_KDAMOND,         /* kdamonds/K */
        ANCHOR_CONTEXT,         /* kdamonds/K/contexts/0 */
        ANCHOR_TARGET,          /* .../targets/T */
        ANCHOR_SCHEME,          /* .../schemes/S */
        ANCHOR_GOAL,            /* .../schemes/S/quotas/goals/G */
        ANCHOR_FILTER,          /* .../schemes/S/{filters,core_filters,ops_filters}/F */
        _ANCHOR_MAX,
        ANCHOR_KEYWORD,         /* no file: a keyword that only a test write can show */
} Anchor;

static const struct {
        Anchor anchor;
        const char *path;
} probe_table[_DAMON_FEATURE_MAX] = {
        [DAMON_FEATURE_SYSFS] = { ANCHOR_KDAMOND, "state" },
        [DAMON_FEATURE_COMMIT] = { ANCHOR_CONTEXT, "avail_operations" },
        [DAMON_FEATURE_FVADDR] = { ANCHOR_CONTEXT, "avail_operations" },
        [DAMON_FEATURE_LRU_ACTIONS] = { ANCHOR_KEYWORD, NULL },
        [DAMON_FEATURE_TRIED_REGIONS] = { ANCHOR_SCHEME, "tried_regions" },
        [DAMON_FEATURE_FILTERS] = { ANCHOR_SCHEME, "filters" },
        [DAMON_FEATURE_TRIED_BYTES] = { ANCHOR_SCHEME, "tried_regions/total_bytes" },
        [DAMON_FEATURE_APPLY_INTERVAL] = { ANCHOR_SCHEME, "apply_interval_us" },
        [DAMON_FEATURE_QUOTA_GOALS] = { ANCHOR_SCHEME, "quotas/goals" },
        [DAMON_FEATURE_GOAL_METRICS] = { ANCHOR_SCHEME, "quotas/effective_bytes" },
        [DAMON_FEATURE_YOUNG_FILTER] = { ANCHOR_KEYWORD, NULL },
        [DAMON_FEATURE_MIGRATE] = { ANCHOR_SCHEME, "target_nid" },
        [DAMON_FEATURE_FILTER_ALLOW] = { ANCHOR_SCHEME, "stats/sz_ops_filter_passed" },
        [DAMON_FEATURE_CORE_OPS_FILTERS] = { ANCHOR_SCHEME, "core_filters" },
        [DAMON_FEATURE_INTERVALS_GOAL] = { ANCHOR_CONTEXT, "monitoring_attrs/intervals/intervals_goal" },
        [DAMON_FEATURE_NODE_MEM_GOALS] = { ANCHOR_GOAL, "nid" },
        [DAMON_FEATURE_DESTS] = { ANCHOR_SCHEME, "dests" },
        [DAMON_FEATURE_REFRESH_MS] = { ANCHOR_KDAMOND, "refresh_ms" },
        [DAMON_FEATURE_ADDR_UNIT] = { ANCHOR_CONTEXT, "addr_unit" },
        [DAMON_FEATURE_MEMCG_GOALS] = { ANCHOR_GOAL, "path" },
        [DAMON_FEATURE_OBSOLETE_TARGET] = { ANCHOR_TARGET, "obsolete_target" },
        [DAMON_FEATURE_SNAPSHOTS] = { ANCHOR_SCHEME, "stats/max_nr_snapshots" },
        [DAMON_FEATURE_GOAL_TUNER] = { ANCHOR_SCHEME, "quotas/goal_tuner" },
};

/* Module parameters that arrived with a kernel version: evidence for the version, not features. */
static const struct {
        DamonModule module;
        const char *param;
        unsigned v;
} module_hints[] = {
        { DAMON_MODULE_RECLAIM, "commit_inputs", 519 },
        { DAMON_MODULE_LRU_SORT, "enabled", 600 },
        { DAMON_MODULE_RECLAIM, "skip_anon", 603 },
        { DAMON_MODULE_RECLAIM, "quota_mem_pressure_us", 609 },
        { DAMON_MODULE_STAT, "enabled", 617 },
        { DAMON_MODULE_RECLAIM, "addr_unit", 618 },
        { DAMON_MODULE_LRU_SORT, "addr_unit", 618 },
        { DAMON_MODULE_STAT, "aggr_interval_us", 618 },
        { DAMON_MODULE_LRU_SORT, "active_mem_bp", 700 },
};

typedef enum Seen {
        SEEN_UNKNOWN,
        SEEN_ABSENT,
        SEEN_PRESENT,
} Seen;

/* The directories found, per anchor kind. */
typedef struct Anchors {
        char **dirs[_ANCHOR_MAX];
        size_t n[_ANCHOR_MAX];
} Anchors;

static void anchors_done(Anchors *a) {
        for (size_t i = 0; i < _ANCHOR_MAX; i++) {
                for (size_t j = 0; j < a->n[i]; j++)
                        free(a->dirs[i][j]);
                free(a->dirs[i]);
        }
}

static int anchors_add(Anchors *a, Anchor kind, const char *dir) {
        char **l, *s;

        s = strdup(dir);
        if (!s)
                return -ENOMEM;
        l = realloc(a->dirs[kind], (a->n[kind] + 1) * sizeof(char *));
        if (!l) {
                free(s);
                return -ENOMEM;
        }
        a->dirs[kind] = l;
        l[a->n[kind]++] = s;
        return 0;
}

/* Reads dir/nr_file; a missing file or a garbage value count as 0 children. */
static uint64_t read_nr(DamonIO *io, const char *dir, const char *nr_file) {
        char p[PATH_MAX];
        uint64_t n = 0;

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", dir, nr_file) >= sizeof(p))
                return 0;
        if (damon_io_read_u64(io, p, &n) < 0)
                return 0;
        return n;
}

/* Adds dir/sub/0 .. dir/sub/N-1 that exist to anchor @kind. Foreign trees are only read. */
static int collect_children(DamonIO *io, Anchors *a, Anchor kind, const char *dir, const char *sub,
                            const char *nr_file) {
        char base[PATH_MAX];
        uint64_t n;
        int r;

        if ((size_t) snprintf(base, sizeof(base), "%s/%s", dir, sub) >= sizeof(base))
                return -ENAMETOOLONG;
        n = read_nr(io, base, nr_file);
        for (uint64_t i = 0; i < n && i < 64; i++) {
                char p[PATH_MAX];

                if ((size_t) snprintf(p, sizeof(p), "%s/%" PRIu64, base, i) >= sizeof(p))
                        return -ENAMETOOLONG;
                r = damon_io_exists(io, p);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = anchors_add(a, kind, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int collect_anchors(DamonIO *io, uint64_t nr_kdamonds, Anchors *a) {
        int r;

        for (uint64_t k = 0; k < nr_kdamonds && k < 1024; k++) {
                char kd[PATH_MAX];

                if ((size_t) snprintf(kd, sizeof(kd), KDAMONDS "/%" PRIu64, k) >= sizeof(kd))
                        return -ENAMETOOLONG;
                r = damon_io_exists(io, kd);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = anchors_add(a, ANCHOR_KDAMOND, kd);
                if (r < 0)
                        return r;
                r = collect_children(io, a, ANCHOR_CONTEXT, kd, "contexts", "nr_contexts");
                if (r < 0)
                        return r;
        }
        for (size_t c = 0; c < a->n[ANCHOR_CONTEXT]; c++) {
                const char *cd = a->dirs[ANCHOR_CONTEXT][c];

                r = collect_children(io, a, ANCHOR_TARGET, cd, "targets", "nr_targets");
                if (r >= 0)
                        r = collect_children(io, a, ANCHOR_SCHEME, cd, "schemes", "nr_schemes");
                if (r < 0)
                        return r;
        }
        for (size_t s = 0; s < a->n[ANCHOR_SCHEME]; s++) {
                static const char * const filter_dirs[] = { "filters", "core_filters", "ops_filters" };
                const char *sd = a->dirs[ANCHOR_SCHEME][s];

                r = collect_children(io, a, ANCHOR_GOAL, sd, "quotas/goals", "nr_goals");
                if (r < 0)
                        return r;
                for (size_t f = 0; f < sizeof(filter_dirs) / sizeof(filter_dirs[0]); f++) {
                        r = collect_children(io, a, ANCHOR_FILTER, sd, filter_dirs[f], "nr_filters");
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- staging in an owned stopped kdamond ---- */

static bool startswith_nr(const char *name) {
        return strneq(name, "nr_", 3);
}

typedef struct Restore {
        char path[PATH_MAX];
        char value[64];
} Restore;

typedef struct Staging {
        Restore items[16];
        size_t n;
} Staging;

/* Makes dir/nr_file at least 1 (only when it is 0: existing children are kept, staged values too),
 * remembering the old value. Returns 1 if children now exist, 0 if not, -errno. */
static int stage_one(DamonIO *io, Staging *st, const char *dir, const char *nr_file) {
        char p[PATH_MAX];
        uint64_t n;
        int r;

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", dir, nr_file) >= sizeof(p))
                return -ENAMETOOLONG;
        r = damon_io_exists(io, p);
        if (r <= 0)
                return r;
        r = damon_io_read_u64(io, p, &n);
        if (r < 0)
                return r;
        if (n > 0)
                return 1;
        if (st->n >= sizeof(st->items) / sizeof(st->items[0]))
                return 0;
        r = damon_io_write(io, p, "1");
        if (r < 0)
                return r;
        memcpy(st->items[st->n].path, p, sizeof(p));
        strcpy(st->items[st->n].value, "0");
        st->n++;
        return 1;
}

/* Remembers a leaf's value so that a test write can be undone. */
static int remember(DamonIO *io, Staging *st, const char *path) {
        int r;

        if (st->n >= sizeof(st->items) / sizeof(st->items[0]))
                return -ENOBUFS;
        r = damon_io_read(io, path, st->items[st->n].value, sizeof(st->items[st->n].value));
        if (r < 0)
                return r;
        if ((size_t) snprintf(st->items[st->n].path, sizeof(st->items[st->n].path), "%s", path) >=
            sizeof(st->items[st->n].path))
                return -ENAMETOOLONG;
        st->n++;
        return 0;
}

/* Whether restoring item @i can be skipped: a later restore sets an nr_* file above it to 0, and that
 * removes the whole subtree anyway. */
static bool wiped_later(const Staging *st, size_t i) {
        for (size_t j = 0; j < i; j++) {
                const char *slash = strrchr(st->items[j].path, '/');
                size_t dirlen;

                if (!slash || !startswith_nr(slash + 1) || !streq(st->items[j].value, "0"))
                        continue;
                dirlen = slash - st->items[j].path + 1;
                if (strneq(st->items[i].path, st->items[j].path, dirlen))
                        return true;
        }
        return false;
}

/* Undoes in reverse order; the first error is returned, but every item is tried. */
static int unstage(DamonIO *io, Staging *st) {
        int ret = 0;

        while (st->n > 0) {
                Restore *it = &st->items[--st->n];
                int r;

                if (wiped_later(st, st->n))
                        continue;
                r = damon_io_write(io, it->path, it->value);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* Writes @word to @path (unstage() puts the old value back): 1 accepted, 0 EINVAL, -errno otherwise. */
static int test_keyword(DamonIO *io, Staging *st, const char *path, const char *word) {
        int r;

        r = damon_io_exists(io, path);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = remember(io, st, path);
        if (r < 0)
                return r;
        r = damon_io_write(io, path, word);
        if (r == -EINVAL)
                return 0;
        return r < 0 ? r : 1;
}

/* Creates context, target, scheme, goal and filter children in owned stopped kdamond @kd where there
 * are none, and test-writes the keyword features. */
static int stage_owned(DamonIO *io, Staging *st, const char *kd, Seen seen[_DAMON_FEATURE_MAX]) {
        char ctx[PATH_MAX], sch[PATH_MAX], p[PATH_MAX];
        int r;

        r = stage_one(io, st, kd, "contexts/nr_contexts");
        if (r <= 0)
                return r;
        if ((size_t) snprintf(ctx, sizeof(ctx), "%s/contexts/0", kd) >= sizeof(ctx))
                return -ENAMETOOLONG;
        r = stage_one(io, st, ctx, "targets/nr_targets");
        if (r < 0)
                return r;
        r = stage_one(io, st, ctx, "schemes/nr_schemes");
        if (r <= 0)
                return r;
        if ((size_t) snprintf(sch, sizeof(sch), "%s/schemes/0", ctx) >= sizeof(sch))
                return -ENAMETOOLONG;
        r = stage_one(io, st, sch, "quotas/goals/nr_goals");
        if (r < 0)
                return r;
        /* a young filter belongs to the ops layer: ops_filters/ where it exists */
        r = stage_one(io, st, sch, "ops_filters/nr_filters");
        if (r == 0)
                r = stage_one(io, st, sch, "filters/nr_filters");
        if (r < 0)
                return r;

        if ((size_t) snprintf(p, sizeof(p), "%s/action", sch) >= sizeof(p))
                return -ENAMETOOLONG;
        r = test_keyword(io, st, p, "lru_prio");
        if (r >= 0)
                seen[DAMON_FEATURE_LRU_ACTIONS] = r ? SEEN_PRESENT : SEEN_ABSENT;
        else if (r != -ENOENT)
                return r;

        if ((size_t) snprintf(p, sizeof(p), "%s/ops_filters/0/type", sch) >= sizeof(p))
                return -ENAMETOOLONG;
        if (damon_io_exists(io, p) <= 0)
                if ((size_t) snprintf(p, sizeof(p), "%s/filters/0/type", sch) >= sizeof(p))
                        return -ENAMETOOLONG;
        r = test_keyword(io, st, p, "young");
        if (r >= 0)
                seen[DAMON_FEATURE_YOUNG_FILTER] = r ? SEEN_PRESENT : SEEN_ABSENT;
        else if (r != -ENOENT)
                return r;
        return 0;
}

static int probe_files(DamonIO *io, const Anchors *a, Seen seen[_DAMON_FEATURE_MAX]) {
        for (DamonFeature f = 0; f < _DAMON_FEATURE_MAX; f++) {
                Anchor kind = probe_table[f].anchor;

                if (kind == ANCHOR_KEYWORD || seen[f] != SEEN_UNKNOWN || a->n[kind] == 0)
                        continue;
                seen[f] = SEEN_ABSENT;
                for (size_t i = 0; i < a->n[kind]; i++) {
                        char p[PATH_MAX];
                        int r;

                        if ((size_t) snprintf(p, sizeof(p), "%s/%s", a->dirs[kind][i], probe_table[f].path) >=
                            sizeof(p))
                                return -ENAMETOOLONG;
                        r = damon_io_exists(io, p);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                seen[f] = SEEN_PRESENT;
                                break;
                        }
                }
        }
        return 0;
}

static unsigned parse_ops(const char *list) {
        unsigned mask = 0;
        char buf[256], *save = NULL;

        if ((size_t) snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
                return 0;
        for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
                DamonOps o = damon_ops_from_string(w);

                if (o >= 0)
                        mask |= 1u << o;
        }
        return mask;
}

static int probe_ops(DamonIO *io, const Anchors *a, unsigned *ret) {
        for (size_t i = 0; i < a->n[ANCHOR_CONTEXT]; i++) {
                char p[PATH_MAX], buf[256];
                int r;

                if ((size_t) snprintf(p, sizeof(p), "%s/avail_operations", a->dirs[ANCHOR_CONTEXT][i]) >=
                    sizeof(p))
                        return -ENAMETOOLONG;
                r = damon_io_read(io, p, buf, sizeof(buf));
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                *ret = parse_ops(buf);
                return 1;
        }
        return 0;
}

static int probe_modules(DamonIO *io, unsigned *ret_mask, unsigned *ret_hint) {
        unsigned mask = 0, hint = 0;
        int r;

        for (DamonModule m = 0; m < _DAMON_MODULE_MAX; m++) {
                char p[PATH_MAX];

                if ((size_t) snprintf(p, sizeof(p), "sys/module/%s/parameters", module_table[m]) >=
                    sizeof(p))
                        return -ENAMETOOLONG;
                r = damon_io_exists(io, p);
                if (r < 0)
                        return r;
                if (r > 0)
                        mask |= 1u << m;
        }
        for (size_t i = 0; i < sizeof(module_hints) / sizeof(module_hints[0]); i++) {
                char p[PATH_MAX];

                if (!(mask & (1u << module_hints[i].module)))
                        continue;
                if ((size_t) snprintf(p, sizeof(p), "sys/module/%s/parameters/%s",
                                      module_table[module_hints[i].module],
                                      module_hints[i].param) >= sizeof(p))
                        return -ENAMETOOLONG;
                r = damon_io_exists(io, p);
                if (r < 0)
                        return r;
                if (r > 0)
                        hint = MAX(hint, module_hints[i].v);
        }
        *ret_mask = mask;
        *ret_hint = hint;
        return 0;
}

int damon_features_probe(DamonIO *io, const unsigned *owned, size_t n_owned, DamonFeatures *ret) {
        Seen seen[_DAMON_FEATURE_MAX] = {};
        Anchors anchors = {};
        Staging staging = {};
        DamonFeatures f = {};
        unsigned newest = 0, hint = 0, ops = 0;
        uint64_t nr_kdamonds = 0;
        int r, have_ops = 0;

        if (!io || !ret || (n_owned > 0 && !owned))
                return -EINVAL;

        r = damon_io_exists(io, KDAMONDS "/nr_kdamonds");
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;

        damon_io_lock(io);
        r = damon_io_read_u64(io, KDAMONDS "/nr_kdamonds", &nr_kdamonds);
        if (r < 0)
                goto finish;
        seen[DAMON_FEATURE_SYSFS] = SEEN_PRESENT;

        /* Stage in the first owned kdamond that is stopped; one is enough. */
        for (size_t i = 0; i < n_owned; i++) {
                char kd[PATH_MAX], p[PATH_MAX], state[16];

                if (owned[i] >= nr_kdamonds)
                        continue;
                (void) snprintf(kd, sizeof(kd), KDAMONDS "/%u", owned[i]);
                if ((size_t) snprintf(p, sizeof(p), "%s/state", kd) >= sizeof(p))
                        continue;
                if (damon_io_read(io, p, state, sizeof(state)) < 0 || !streq(state, "off"))
                        continue;
                r = stage_owned(io, &staging, kd, seen);
                if (r < 0)
                        goto finish;
                break;
        }

        r = collect_anchors(io, nr_kdamonds, &anchors);
        if (r >= 0)
                r = probe_files(io, &anchors, seen);
        if (r >= 0)
                r = have_ops = probe_ops(io, &anchors, &ops);
        if (r >= 0)
                r = probe_modules(io, &f.modules_mask, &hint);
        if (r < 0)
                goto finish;

        /* Mainline adds features in order: what a newer feature (or module parameter) proves present
         * is inferred; what was seen absent stays absent. */
        for (DamonFeature i = 0; i < _DAMON_FEATURE_MAX; i++)
                if (seen[i] == SEEN_PRESENT)
                        newest = MAX(newest, feature_table[i].v);
        newest = MAX(newest, hint);
        for (DamonFeature i = 0; i < _DAMON_FEATURE_MAX; i++) {
                if (seen[i] == SEEN_PRESENT)
                        f.mask |= DAMON_FEATURE_BIT(i);
                else if (seen[i] == SEEN_UNKNOWN && feature_table[i].v <= newest) {
                        f.mask |= DAMON_FEATURE_BIT(i);
                        f.inferred |= DAMON_FEATURE_BIT(i);
                }
        }
        /* fvaddr is a keyword of 5.19+; whether it is registered is ops_mask's business */
        if (have_ops)
                f.ops_mask = ops;
        else if (f.mask & DAMON_FEATURE_BIT(DAMON_FEATURE_FVADDR))
                f.ops_mask = (1u << DAMON_OPS_VADDR) | (1u << DAMON_OPS_FVADDR) | (1u << DAMON_OPS_PADDR);
        else
                f.ops_mask = (1u << DAMON_OPS_VADDR) | (1u << DAMON_OPS_PADDR);

        newest = 0;
        for (DamonFeature i = 0; i < _DAMON_FEATURE_MAX; i++)
                if (f.mask & DAMON_FEATURE_BIT(i))
                        newest = MAX(newest, feature_table[i].v);
        f.version_major = newest / 100;
        f.version_minor = newest % 100;
        r = 0;

finish:
        {
                int q = unstage(io, &staging);

                if (r >= 0 && q < 0)
                        r = q;
        }
        damon_io_unlock(io);
        anchors_done(&anchors);
        if (r < 0)
                return r;
        *ret = f;
        return 0;
}

DamonFeature damon_action_feature(DamosAction a) {
        switch (a) {
        case DAMOS_ACTION_LRU_PRIO:
        case DAMOS_ACTION_LRU_DEPRIO:
                return DAMON_FEATURE_LRU_ACTIONS;
        case DAMOS_ACTION_MIGRATE_HOT:
        case DAMOS_ACTION_MIGRATE_COLD:
                return DAMON_FEATURE_MIGRATE;
        default:
                return DAMON_FEATURE_SYSFS;
        }
}

DamonFeature damon_goal_metric_feature(DamosGoalMetric m) {
        switch (m) {
        case DAMOS_GOAL_USER_INPUT:
                return DAMON_FEATURE_QUOTA_GOALS;
        case DAMOS_GOAL_SOME_MEM_PSI_US:
                return DAMON_FEATURE_GOAL_METRICS;
        case DAMOS_GOAL_NODE_MEM_USED_BP:
        case DAMOS_GOAL_NODE_MEM_FREE_BP:
                return DAMON_FEATURE_NODE_MEM_GOALS;
        case DAMOS_GOAL_NODE_MEMCG_USED_BP:
        case DAMOS_GOAL_NODE_MEMCG_FREE_BP:
                return DAMON_FEATURE_MEMCG_GOALS;
        case DAMOS_GOAL_ACTIVE_MEM_BP:
        case DAMOS_GOAL_INACTIVE_MEM_BP:
                return DAMON_FEATURE_SNAPSHOTS;
        default:
                return _DAMON_FEATURE_INVALID;
        }
}

DamonFeature damon_filter_type_feature(DamosFilterType t) {
        switch (t) {
        case DAMOS_FILTER_ANON:
        case DAMOS_FILTER_MEMCG:
                return DAMON_FEATURE_FILTERS;
        case DAMOS_FILTER_ADDR:
        case DAMOS_FILTER_TARGET:
                return DAMON_FEATURE_TRIED_BYTES;
        case DAMOS_FILTER_YOUNG:
                return DAMON_FEATURE_YOUNG_FILTER;
        case DAMOS_FILTER_HUGEPAGE_SIZE:
        case DAMOS_FILTER_UNMAPPED:
        case DAMOS_FILTER_ACTIVE:
                return DAMON_FEATURE_CORE_OPS_FILTERS;
        default:
                return _DAMON_FEATURE_INVALID;
        }
}
