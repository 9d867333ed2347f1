/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How much sysfs I/O the DAMON driver does for each operation, on each kernel generation of the fake
 * kernel: counts that do not depend on the machine. Beside each, what a full restage writes (every
 * file of the spec, as a tool that restages everything before each commit does), measured in the same
 * run. Prints figures; never passes or fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "damon-image.h"
#include "damon-sysfs.h"
#include "fake-kernel.h"

/* A paddr reclaim spec of the shape damond ships: two schemes, goals and filters where the kernel has
 * them. */
static int make_spec(FakeKernelGen gen, DamonSpec *spec) {
        DamonTarget *t;

        damon_spec_init(spec);
        spec->ops = DAMON_OPS_PADDR;
        spec->attrs.min_nr_regions = 10;
        spec->attrs.max_nr_regions = 1000;
        t = damon_spec_add_target(spec);
        if (!t || !damon_target_add_region(t, 1048576, UINT64_C(17179869184)))
                return -ENOMEM;
        for (int i = 0; i < 2; i++) {
                DamosScheme *s = damon_spec_add_scheme(spec);

                if (!s)
                        return -ENOMEM;
                s->action = i == 0 ? DAMOS_ACTION_PAGEOUT : gen >= FAKE_GEN_6_1 ? DAMOS_ACTION_LRU_PRIO : DAMOS_ACTION_STAT;
                s->sz = (DamonRange) { 4096, UINT64_MAX };
                s->nr_accesses = i == 0 ? (DamonRange) { 0, 0 } : (DamonRange) { 10, 20 };
                s->age = i == 0 ? (DamonRange) { 1200, UINT32_MAX } : (DamonRange) { 0, UINT32_MAX };
                s->quota.ms = 10;
                s->quota.bytes = 134217728;
                s->quota.reset_interval_ms = 1000;
                s->quota.weight_age_permil = 1000;
                s->wmarks = (DamosWatermarks) { DAMOS_WMARK_FREE_MEM_RATE, 5000000, 500, 400, 200 };
                if (gen >= FAKE_GEN_6_12 && i == 0) {
                        DamosGoal *g = damos_scheme_add_goal(s);
                        DamosFilter *f = damos_scheme_add_filter(s, DAMOS_FILTERS_LEGACY);

                        if (!g || !f)
                                return -ENOMEM;
                        g->metric = DAMOS_GOAL_USER_INPUT;
                        g->target_value = 10000;
                        g->current_value = 5000;
                        f->type = DAMOS_FILTER_ANON;
                        f->matching = true;
                }
        }
        return 0;
}

typedef struct Counts {
        uint64_t reads, writes;
} Counts;

static Counts delta(DamonIO *io, const DamonIOStats *before) {
        const DamonIOStats *now = damon_io_stats(io);

        return (Counts) { now->reads - before->reads, now->writes - before->writes };
}

static void row(const char *gen, const char *op, Counts c, long full) {
        if (full >= 0)
                printf("%-6s %-28s %8" PRIu64 " %8" PRIu64 " %12ld\n", gen, op, c.reads, c.writes, full);
        else
                printf("%-6s %-28s %8" PRIu64 " %8" PRIu64 " %12s\n", gen, op, c.reads, c.writes, "-");
}

/* What a tool that restages everything writes: every file of the spec that this kernel has, plus the
 * state command. */
static long full_restage_writes(DamonSysfs *s, const DamonSpec *spec) {
        DamonImage img = {};
        long n = 1;

        if (damon_image_build(spec, &img) < 0)
                return -1;
        for (size_t i = 0; i < img.n; i++)
                if (img.entries[i].file_feature < 0 ||
                    damon_features_has(damon_sysfs_features(s), img.entries[i].file_feature))
                        n++;
        damon_image_done(&img);
        return n;
}

static int bench_gen(FakeKernelGen gen) {
        _cleanup_(fake_kernel_freep) FakeKernel *k = NULL;
        _cleanup_(damon_sysfs_freep) DamonSysfs *s = NULL;
        DamonSpec spec;
        DamonKdamondStatus st = {};
        DamonIOStats before;
        DamonError e = {};
        const char *g = fake_kernel_gen_to_string(gen);
        unsigned index;
        long full;
        int r;

        r = fake_kernel_new(gen, false, &k);
        if (r < 0)
                return r;
        r = damon_sysfs_new(fake_kernel_io(k), &s);
        if (r < 0)
                return r;
        r = damon_sysfs_add_kdamonds(s, 1, &index, &e);
        if (r < 0)
                return r;
        r = damon_sysfs_probe(s);
        if (r < 0)
                return r;
        r = make_spec(gen, &spec);
        if (r < 0)
                return r;

        before = *damon_io_stats(fake_kernel_io(k));
        r = damon_sysfs_start(s, index, &spec, NULL, &e);
        if (r < 0) {
                fprintf(stderr, "%s: start: %s\n", g, e.message);
                return r;
        }
        full = full_restage_writes(s, &spec);
        row(g, "start (build + on)", delta(fake_kernel_io(k), &before), full);

        if (gen >= FAKE_GEN_6_1) {
                before = *damon_io_stats(fake_kernel_io(k));
                r = damon_sysfs_commit(s, index, &spec, NULL, &e);
                row(g, "commit, nothing changed", delta(fake_kernel_io(k), &before), full);

                spec.schemes[0].quota.bytes = 268435456;
                before = *damon_io_stats(fake_kernel_io(k));
                r = damon_sysfs_commit(s, index, &spec, NULL, &e);
                if (r < 0)
                        return r;
                row(g, "commit, one value changed", delta(fake_kernel_io(k), &before), full);
        }
        if (gen >= FAKE_GEN_6_12) {
                spec.schemes[0].quota.goals[0].current_value = 7000;
                before = *damon_io_stats(fake_kernel_io(k));
                r = damon_sysfs_commit_goals(s, index, &spec, &e);
                if (r < 0)
                        return r;
                row(g, "goal feedback", delta(fake_kernel_io(k), &before), -1);
        }
        before = *damon_io_stats(fake_kernel_io(k));
        r = damon_sysfs_read_status(s, index, &st);
        if (r < 0)
                return r;
        row(g, "status read-back", delta(fake_kernel_io(k), &before), -1);
        damon_kdamond_status_done(&st);
        damon_spec_done(&spec);
        return 0;
}

int main(void) {
        printf("%-6s %-28s %8s %8s %12s\n", "kernel", "operation", "reads", "writes", "full-restage");
        for (FakeKernelGen g = 0; g < _FAKE_GEN_MAX; g++) {
                int r = bench_gen(g);

                if (r < 0) {
                        fprintf(stderr, "bench-driver: %s: %s\n", fake_kernel_gen_to_string(g), strerror(-r));
                        return 1;
                }
        }
        return 0;
}
