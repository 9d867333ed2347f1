/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiler's contract, case by case: what reaches the kernel model, what damond emulates (and says
 * so), what is refused or, with Unsupported=skip, left out. The golden tests show whole files; these
 * pin the decisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile-compile.h"
#include "profile-kernels.h"
#include "profile.h"
#include "test-util.h"

typedef struct Result {
        Profile *profile;
        CompiledProfile c;
        DiagList d;
} Result;

static void compile_text(const char *text, const char *gen, Result *ret) {
        DamonFeatures f;

        *ret = (Result) {};
        ck_assert_int_eq(profile_kernel_features(gen, &f), 0);
        ck_assert_int_eq(profile_load_string("t.conf", text, strlen(text), NULL, &ret->profile, &ret->d), 0);
        ck_assert_int_eq(profile_validate(ret->profile, NULL, &ret->d), 0);
        ck_assert_msg(!diag_list_has_errors(&ret->d), "validation failed: %s", ret->d.items[0].message);
        ck_assert_int_eq(profile_compile(ret->profile, &f, &ret->c, &ret->d), 0);
}

/* Compiles for the machine of tests/fixtures/tiers/@machine (NULL: tiers not known). */
static void compile_tiered(const char *text, const char *gen, const char *machine, Result *ret) {
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_free_ MemoryTopology *t = NULL;
        DamonFeatures f;

        *ret = (Result) {};
        if (machine) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/tiers/%s", getenv("DAMOND_TEST_DATA"), machine);
                ck_assert_ok(root_open(path, &root));
                t = calloc(1, sizeof(*t));
                ck_assert_ptr_nonnull(t);
                ck_assert_ok(memory_topology_read(root, t));
        }
        ck_assert_int_eq(profile_kernel_features(gen, &f), 0);
        ck_assert_int_eq(profile_load_string("t.conf", text, strlen(text), NULL, &ret->profile, &ret->d), 0);
        ck_assert_int_eq(profile_validate(ret->profile, NULL, &ret->d), 0);
        ck_assert_msg(!diag_list_has_errors(&ret->d), "validation failed: %s", ret->d.items[0].message);
        ck_assert_int_eq(profile_compile_tiered(ret->profile, &f, t, &ret->c, &ret->d), 0);
}

static void result_done(Result *r) {
        compiled_profile_done(&r->c);
        diag_list_done(&r->d);
        profile_free(r->profile);
}

/* The one diagnostic of @severity, which must mention @needle. */
static const Diag *only(const Result *r, DiagSeverity severity, const char *needle) {
        const Diag *found = NULL;

        for (size_t i = 0; i < r->d.n; i++)
                if (r->d.items[i].severity == severity) {
                        ck_assert_msg(!found, "two diagnostics: %s / %s", found->message, r->d.items[i].message);
                        found = &r->d.items[i];
                }
        ck_assert_msg(found, "no diagnostic of severity %d", severity);
        ck_assert_msg(strstr(found->message, needle), "'%s' does not mention '%s'", found->message, needle);
        return found;
}

#define RECLAIM "[Profile]\nOperations=paddr\n[Scheme r]\nAction=pageout\nMinAge=2min\nQuotaSize=128M\n"

START_TEST(test_units_reach_the_kernel_model) {
        Result r;

        compile_text("[Profile]\nOperations=paddr\n[Monitor]\nSampleInterval=5ms\nAggregationInterval=100ms\n"
                     "[Scheme r]\nAction=pageout\nMinSize=4K\nMinAccesses=25%\nMaxAccesses=50%\nMinAge=150ms\n"
                     "MaxAge=1s\nQuotaTime=10ms\nQuotaSize=1.5G\nQuotaResetInterval=2s\n"
                     "Watermarks=free_mem_rate\nWatermarkHigh=50%\nWatermarkMid=40.5%\nWatermarkLow=20%\n",
                     "6.18", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.n_schemes, 1);
        const DamosScheme *s = &r.c.spec.schemes[0];
        ck_assert_int_eq(s->action, DAMOS_ACTION_PAGEOUT);
        ck_assert_uint_eq(s->sz.min, 4096);
        /* 20 samples per aggregation interval: 25% -> 5, 50% -> 10 */
        ck_assert_uint_eq(s->nr_accesses.min, 5);
        ck_assert_uint_eq(s->nr_accesses.max, 10);
        /* ages in aggregation intervals: a minimum rounds up, a maximum rounds down */
        ck_assert_uint_eq(s->age.min, 2);
        ck_assert_uint_eq(s->age.max, 10);
        ck_assert_uint_eq(s->quota.ms, 10);
        ck_assert_uint_eq(s->quota.bytes, UINT64_C(1536) << 20);
        ck_assert_uint_eq(s->quota.reset_interval_ms, 2000);
        ck_assert_uint_eq(s->wmarks.mid, 405);
        ck_assert(r.c.regions_auto);
        result_done(&r);
}
END_TEST

/* A stall goal without Target= aims at damond.conf's AllowedStall=, a share of QuotaResetInterval=; a
 * Target= of its own overrides it. */
START_TEST(test_allowed_stall) {
        Result r;

        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=some_mem_psi_us\n", "6.12", &r);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.goals[0].target_value, 1000);  /* 0.1% of 1s */
        result_done(&r);
        profile_set_allowed_stall_ppm(5000);
        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=some_mem_psi_us\n", "6.12", &r);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.goals[0].target_value, 5000);
        result_done(&r);
        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=some_mem_psi_us\nTarget=2ms\n", "6.12", &r);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.goals[0].target_value, 2000);
        result_done(&r);
        profile_set_allowed_stall_ppm(PROFILE_ALLOWED_STALL_PPM_DEFAULT);
}
END_TEST

START_TEST(test_kernel_metric_used_where_present) {
        Result r;

        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=some_mem_psi_us\nTarget=0.1%\n", "6.12", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.n_goals, 1);
        ck_assert_int_eq(r.c.spec.schemes[0].quota.goals[0].metric, DAMOS_GOAL_SOME_MEM_PSI_US);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.goals[0].target_value, 1000);  /* 0.1% of 1s */
        ck_assert_uint_eq(r.c.n_feeds, 0);
        result_done(&r);
}
END_TEST

/* A target above what the tuner takes would pass every check and switch the guard off at run time. */
START_TEST(test_target_beyond_the_tuner_refused) {
        static const char * const targets[] = {
                "Metric=some_mem_psi_us\nTarget=1000000d\n",
                "Metric=cgroup_mem_usage\nCGroup=/\nTarget=8E\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(targets); i++) {
                _cleanup_(profile_freep) Profile *p = NULL;
                _cleanup_free_ char *text = NULL;
                DiagList d = {};
                bool found = false;

                ck_assert_int_ge(asprintf(&text, RECLAIM "[Goal g]\nScheme=r\n%s", targets[i]), 0);
                ck_assert_int_eq(profile_load_string("t.conf", text, strlen(text), NULL, &p, &d), 0);
                ck_assert_int_eq(profile_validate(p, NULL, &d), 0);
                for (size_t k = 0; k < d.n; k++)
                        if (d.items[k].severity == DIAG_ERROR && streq(d.items[k].key, "Target") &&
                            strstr(d.items[k].message, "largest target the tuner takes"))
                                found = true;
                ck_assert_msg(found, "target %zu: no error for a target beyond the tuner (%zu diagnostics, first: %s)", i, d.n,
                              d.n > 0 ? d.items[0].message : "none");
                diag_list_done(&d);
        }
}
END_TEST

START_TEST(test_missing_metric_fed_as_user_input) {
        Result r;

        /* 6.12 has quota goals but not node memory goals (6.16) */
        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=node_mem_free_bp\nNode=1\nTarget=5%\n", "6.12", &r);
        only(&r, DIAG_NOTE, "Linux 6.16");
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.n_goals, 1);
        ck_assert_int_eq(r.c.spec.schemes[0].quota.goals[0].metric, DAMOS_GOAL_USER_INPUT);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.goals[0].target_value, 500);
        ck_assert_uint_eq(r.c.n_feeds, 1);
        ck_assert_int_eq(r.c.feeds[0].goal, 0);
        ck_assert_int_eq(r.c.feeds[0].metric, DAMOS_GOAL_NODE_MEM_FREE_BP);
        ck_assert_uint_eq(r.c.feeds[0].node, 1);
        result_done(&r);
}
END_TEST

START_TEST(test_no_quota_goals_damond_tunes_the_quota) {
        Result r;

        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=some_mem_psi_us\nTarget=1ms\n", "6.1", &r);
        only(&r, DIAG_NOTE, "tunes the size quota");
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.n_goals, 0);
        ck_assert_uint_eq(r.c.n_feeds, 1);
        ck_assert_int_eq(r.c.feeds[0].goal, -1);
        ck_assert_uint_eq(r.c.feeds[0].target, 1000);
        result_done(&r);
}
END_TEST

/* QuotaTunedBy=damond: no kernel goal, on a kernel that has them; damond tunes the size quota (its own
 * quota is whole pages, the kernel's goal-tuned one is not). */
START_TEST(test_quota_tuned_by_damond) {
        Result r;

        compile_text(RECLAIM "QuotaTunedBy=damond\n[Goal g]\nScheme=r\nMetric=some_mem_psi_us\nTarget=1ms\n",
                     "6.18", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].quota.n_goals, 0);
        ck_assert_uint_eq(r.c.n_feeds, 1);
        ck_assert_int_eq(r.c.feeds[0].goal, -1);
        ck_assert_int_eq(r.c.feeds[0].metric, DAMOS_GOAL_SOME_MEM_PSI_US);
        ck_assert_uint_eq(r.c.feeds[0].target, 1000);
        result_done(&r);
}
END_TEST

/* Optional=yes: a filter type the kernel lacks is dropped with a note, the scheme kept; without it the
 * scheme is refused. */
START_TEST(test_optional_filter) {
        static const char filter[] = "[Filter f]\nScheme=r\nType=anon\nMatching=no\n";
        _cleanup_free_ char *text = NULL;
        Result r;

        ck_assert_int_ge(asprintf(&text, RECLAIM "%sOptional=yes\n", filter), 0);
        compile_text(text, "6.1", &r);
        only(&r, DIAG_NOTE, "runs without this filter");
        ck_assert_uint_eq(r.c.spec.n_schemes, 1);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_LEGACY], 0);
        result_done(&r);

        compile_text(text, "6.12", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_LEGACY], 1);
        result_done(&r);

        /* without Optional=yes: refused on 6.1 */
        {
                _cleanup_free_ char *plain = NULL;
                DamonFeatures f;

                ck_assert_int_ge(asprintf(&plain, RECLAIM "%s", filter), 0);
                r = (Result) {};
                ck_assert_int_eq(profile_kernel_features("6.1", &f), 0);
                ck_assert_int_eq(profile_load_string("t.conf", plain, strlen(plain), NULL, &r.profile, &r.d), 0);
                ck_assert_int_eq(profile_validate(r.profile, NULL, &r.d), 0);
                ck_assert_int_eq(profile_compile(r.profile, &f, &r.c, &r.d), 0);
        }
        ck_assert(diag_list_has_errors(&r.d));
        result_done(&r);
}
END_TEST

START_TEST(test_own_signal_needs_no_note) {
        Result r;

        compile_text(RECLAIM "[Goal g]\nScheme=r\nMetric=cgroup_mem_psi_us\nCGroup=/a.slice\nTarget=2ms\n", "6.18",
                     &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.n_feeds, 1);
        ck_assert_str_eq(r.c.feeds[0].cgroup, "/a.slice");
        ck_assert_int_eq(r.c.spec.schemes[0].quota.goals[0].metric, DAMOS_GOAL_USER_INPUT);
        result_done(&r);
}
END_TEST

START_TEST(test_refused_names_the_version) {
        Result r;

        compile_text("[Profile]\nOperations=paddr\n[Scheme hot]\nAction=lru_prio\nQuotaTime=5ms\n", "5.18", &r);
        only(&r, DIAG_ERROR, "needs the LRU sorting actions (Linux 6.0)");
        result_done(&r);
}
END_TEST

START_TEST(test_skip_drops_the_scheme_and_its_feeds) {
        Result r;

        compile_text("[Profile]\nOperations=paddr\nUnsupported=skip\n"
                     "[Scheme hot]\nAction=lru_prio\nQuotaTime=5ms\n"
                     "[Goal g]\nScheme=hot\nMetric=some_mem_psi_us\nTarget=1ms\n"
                     "[Scheme r]\nAction=pageout\nQuotaSize=1G\n", "5.18", &r);
        ck_assert_uint_eq(diag_list_count(&r.d, DIAG_ERROR), 0);
        ck_assert_uint_eq(r.c.spec.n_schemes, 1);
        ck_assert_int_eq(r.c.spec.schemes[0].action, DAMOS_ACTION_PAGEOUT);
        ck_assert_uint_eq(r.c.n_feeds, 0);
        result_done(&r);
}
END_TEST

START_TEST(test_filters_by_layer_and_kernel) {
        static const char text[] = RECLAIM "[Filter a]\nScheme=r\nType=anon\n"
                                           "[Filter b]\nScheme=r\nType=addr\nAddrRange=0x1000-0x2000\n";
        Result r;

        compile_text(text, "6.18", &r);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_OPS], 1);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_CORE], 1);
        ck_assert_uint_eq(r.c.spec.schemes[0].filters[DAMOS_FILTERS_CORE][0].addr_end, 0x2000);
        result_done(&r);

        compile_text(text, "6.12", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_LEGACY], 2);
        ck_assert_int_eq(r.c.spec.schemes[0].filters[DAMOS_FILTERS_LEGACY][0].type, DAMOS_FILTER_ANON);
        ck_assert(r.c.spec.schemes[0].filters[DAMOS_FILTERS_LEGACY][0].matching);
        ck_assert(!r.c.spec.schemes[0].filters[DAMOS_FILTERS_LEGACY][0].allow);
        result_done(&r);
}
END_TEST

START_TEST(test_single_dest_becomes_target_nid) {
        Result r;

        compile_text("[Profile]\nOperations=paddr\n[Scheme m]\nAction=migrate_cold\nQuotaSize=1G\nDest=2:5\n",
                     "6.12", &r);
        only(&r, DIAG_NOTE, "target_nid");
        ck_assert_int_eq(r.c.spec.schemes[0].target_nid, 2);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_dests, 0);
        result_done(&r);

        compile_text("[Profile]\nOperations=paddr\n[Scheme m]\nAction=migrate_cold\nQuotaSize=1G\nDest=2:5\n",
                     "6.18", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].n_dests, 1);
        ck_assert_uint_eq(r.c.spec.schemes[0].dests[0].weight, 5);
        result_done(&r);
}
END_TEST

START_TEST(test_vaddr_targets) {
        Result r;

        compile_text("[Profile]\nOperations=vaddr\n[Target]\nPid=42\nPid=43\nProcessName=postgres\n"
                     "CGroup=/db.slice\n[Scheme s]\nAction=stat\n", "6.1", &r);
        ck_assert_uint_eq(r.d.n, 0);
        ck_assert_int_eq(r.c.spec.ops, DAMON_OPS_VADDR);
        ck_assert_uint_eq(r.c.spec.n_targets, 2);
        ck_assert_int_eq(r.c.spec.targets[1].pid, 43);
        ck_assert_str_eq(r.c.process_names[0], "postgres");
        ck_assert_str_eq(r.c.cgroups[0], "/db.slice");
        ck_assert(!r.c.regions_auto);
        result_done(&r);
}
END_TEST

START_TEST(test_intervals_goal) {
        static const char text[] = "[Profile]\nOperations=paddr\n[Monitor]\nIntervalsGoalAggregations=3\n"
                                   "IntervalsGoalAccess=4%\n";
        Result r;

        compile_text(text, "6.18", &r);
        ck_assert_uint_eq(r.c.spec.attrs.intervals_goal.access_bp, 400);
        ck_assert_uint_eq(r.c.spec.attrs.intervals_goal.aggrs, 3);
        ck_assert(r.c.ages_follow_tuning);
        result_done(&r);

        compile_text(text, "6.12", &r);
        only(&r, DIAG_ERROR, "Linux 6.15");
        result_done(&r);
}
END_TEST

#define TIERING "[Profile]\nOperations=paddr\n[Target]\nNodes=auto\n" \
        "[Scheme up]\nAction=migrate_hot\nMinAccesses=5%\nQuotaSize=256M\n" \
        "[Scheme down]\nAction=migrate_cold\nMaxAccesses=0\nMinAge=30s\nQuotaSize=256M\n" \
        "[Goal fill]\nScheme=up\nMetric=node_mem_used_bp\nTarget=99%\n" \
        "[Goal free]\nScheme=down\nMetric=node_mem_free_bp\nTarget=2%\n"

/* One tier: nothing to tier, the profile stays off and says why. */
START_TEST(test_tiering_one_tier) {
        Result r;

        compile_tiered(TIERING, "6.18", "one-tier", &r);
        ck_assert(!r.c.enabled);
        ck_assert_uint_eq(r.c.spec.n_schemes, 0);
        ck_assert_str_eq(r.c.tiering.off, "this machine has one memory tier (node 0)");
        ck_assert_uint_eq(r.c.tiering.free_target_bp, 200);
        result_done(&r);

        /* a CPU-less far node the kernel keeps in the DRAM tier is named */
        compile_tiered(TIERING, "6.18", "cpuless-far", &r);
        ck_assert(!r.c.enabled);
        ck_assert_msg(strstr(r.c.tiering.off, "nodes 0-2") && strstr(r.c.tiering.off, "node 2 has no CPU"),
                      "%s", r.c.tiering.off);
        result_done(&r);

        /* another scheme keeps the profile on: only the migration schemes are left out */
        compile_tiered(TIERING "[Scheme s]\nAction=stat\n", "6.18", "one-tier", &r);
        ck_assert(r.c.enabled);
        ck_assert_uint_eq(r.c.spec.n_schemes, 1);
        ck_assert(r.c.regions_auto);
        result_done(&r);
}
END_TEST

START_TEST(test_tiering_two_tiers) {
        Result r;

        compile_tiered(TIERING, "6.18", "two-tiers", &r);
        ck_assert(r.c.enabled);
        ck_assert_ptr_null(r.c.tiering.off);
        ck_assert(!r.c.regions_auto);
        /* the memory of both nodes: [0, 2G) and [4G, 12G) */
        ck_assert_uint_eq(r.c.spec.targets[0].n_regions, 2);
        ck_assert_uint_eq(r.c.spec.targets[0].regions[1].end, UINT64_C(12) << 30);
        ck_assert_uint_eq(r.c.spec.n_schemes, 2);
        ck_assert_str_eq(r.c.scheme_names[0], "up:1>0");
        ck_assert_str_eq(r.c.scheme_names[1], "down:0>1");
        ck_assert_int_eq(r.c.spec.schemes[0].target_nid, 0);
        ck_assert_int_eq(r.c.spec.schemes[1].target_nid, 1);
        /* promotion sees node 1 only: everything below it is rejected */
        ck_assert_uint_eq(r.c.spec.schemes[0].n_filters[DAMOS_FILTERS_CORE], 1);
        ck_assert_uint_eq(r.c.spec.schemes[0].filters[DAMOS_FILTERS_CORE][0].addr_start, 0);
        ck_assert_uint_eq(r.c.spec.schemes[0].filters[DAMOS_FILTERS_CORE][0].addr_end, UINT64_C(8) << 30);
        ck_assert(r.c.spec.schemes[0].filters[DAMOS_FILTERS_CORE][0].matching);
        ck_assert(!r.c.spec.schemes[0].filters[DAMOS_FILTERS_CORE][0].allow);
        /* both goals measure the fast node, by the kernel on 6.16+ */
        ck_assert_int_eq(r.c.spec.schemes[0].quota.goals[0].nid, 0);
        ck_assert_int_eq(r.c.spec.schemes[1].quota.goals[0].nid, 0);
        ck_assert_int_eq(r.c.spec.schemes[1].quota.goals[0].metric, DAMOS_GOAL_NODE_MEM_FREE_BP);
        ck_assert_uint_eq(r.c.n_feeds, 0);
        ck_assert_int_eq(r.c.tiering.schemes[0].role, PROFILE_TIER_PROMOTE);
        ck_assert_int_eq(r.c.tiering.schemes[1].role, PROFILE_TIER_DEMOTE);
        result_done(&r);

        /* 6.12: damond feeds the node's free memory to user_input goals */
        compile_tiered(TIERING, "6.12", "two-tiers", &r);
        ck_assert_uint_eq(r.c.spec.n_schemes, 2);
        ck_assert_uint_eq(r.c.n_feeds, 2);
        ck_assert_int_eq(r.c.spec.schemes[1].quota.goals[0].metric, DAMOS_GOAL_USER_INPUT);
        ck_assert_uint_eq(r.c.feeds[1].node, 0);
        ck_assert_int_eq(r.c.feeds[1].metric, DAMOS_GOAL_NODE_MEM_FREE_BP);
        ck_assert_uint_eq(r.c.spec.schemes[1].n_filters[DAMOS_FILTERS_LEGACY], 2);
        result_done(&r);

        /* 6.1: no migration actions: off, and said so */
        compile_tiered(TIERING, "6.1", "two-tiers", &r);
        ck_assert(!r.c.enabled);
        ck_assert_msg(strstr(r.c.tiering.off, "migration actions (Linux 6.11)"), "%s", r.c.tiering.off);
        result_done(&r);
}
END_TEST

/* The node goals' targets against the faster node's watermarks: the 6.12 VM's node 0 (502 MiB, low
 * 31 MiB, high 37 MiB, promo 43 MiB) and a 256 GiB node whose watermarks are small. */
START_TEST(test_tiering_watermarks) {
        MemoryNode vm = { .total = UINT64_C(502) << 20, .wmark_low = UINT64_C(31) << 20,
                          .wmark_high = UINT64_C(37) << 20, .wmark_promo = UINT64_C(43) << 20 };
        MemoryNode big = { .total = UINT64_C(256) << 30, .wmark_low = UINT64_C(300) << 20,
                           .wmark_high = UINT64_C(400) << 20, .wmark_promo = UINT64_C(500) << 20 };
        MemoryNode unknown = { .total = UINT64_C(1) << 30 };

        /* demotion keeps 2% above the promotion watermark (8.57%, rounded up) */
        ck_assert_uint_eq(profile_tier_free_target(&vm, 200), 200 + 857);
        ck_assert_uint_eq(profile_tier_free_target(&big, 200), 200 + 20);
        ck_assert_uint_eq(profile_tier_free_target(&unknown, 200), 200);
        ck_assert_uint_eq(profile_tier_free_target(NULL, 200), 200);
        ck_assert_uint_eq(profile_tier_free_target(&vm, 9900), 10000);
        /* promotion fills the node up to its high watermark (7.38%, rounded up), or to 99% */
        ck_assert_uint_eq(profile_tier_fill_target(&vm, 9900), 10000 - 738);
        ck_assert_uint_eq(profile_tier_fill_target(&big, 9900), 9900);
        ck_assert_uint_eq(profile_tier_fill_target(&unknown, 9900), 9900);
        /* the promotion target stays below the demotion one */
        ck_assert_uint_lt(10000 - profile_tier_fill_target(&vm, 9900), profile_tier_free_target(&vm, 200));
        /* a node all watermark: the fill target is never 0 (the kernel divides by it) */
        vm.wmark_high = vm.total;
        ck_assert_uint_eq(profile_tier_fill_target(&vm, 9900), 1);
}
END_TEST

START_TEST(test_tiering_three_tiers) {
        static const char * const names[] = { "up:2>0", "up:3>1", "up:4>2", "down:0>2", "down:1>3", "down:2>4",
                                              "down:3>4" };
        /* the fast node of each: the one its goal measures */
        static const int goal_nid[] = { 0, 1, 2, 0, 1, 2, 3 };
        Result r;

        compile_tiered(TIERING, "6.18", "three-tiers", &r);
        ck_assert_uint_eq(r.c.spec.n_schemes, ELEMENTSOF(names));
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                ck_assert_str_eq(r.c.scheme_names[i], names[i]);
                ck_assert_int_eq(r.c.spec.schemes[i].quota.goals[0].nid, goal_nid[i]);
        }
        ck_assert_uint_eq(r.c.tiering.schemes[5].from_tier, 1);
        ck_assert_uint_eq(r.c.tiering.schemes[5].to_tier, 2);
        result_done(&r);
}
END_TEST

START_TEST(test_tiering_refused) {
        Result r;

        /* without the machine's tiers, Nodes=auto cannot compile */
        compile_tiered(TIERING, "6.18", NULL, &r);
        only(&r, DIAG_ERROR, "memory tiers could not be read (sys/devices/system/node)");
        result_done(&r);
}
END_TEST

int main(void) {
        Suite *s = suite_create("profile-compile");
        TCase *tc = tcase_create("compile");

        tcase_add_test(tc, test_units_reach_the_kernel_model);
        tcase_add_test(tc, test_kernel_metric_used_where_present);
        tcase_add_test(tc, test_missing_metric_fed_as_user_input);
        tcase_add_test(tc, test_target_beyond_the_tuner_refused);
        tcase_add_test(tc, test_no_quota_goals_damond_tunes_the_quota);
        tcase_add_test(tc, test_quota_tuned_by_damond);
        tcase_add_test(tc, test_optional_filter);
        tcase_add_test(tc, test_own_signal_needs_no_note);
        tcase_add_test(tc, test_refused_names_the_version);
        tcase_add_test(tc, test_skip_drops_the_scheme_and_its_feeds);
        tcase_add_test(tc, test_filters_by_layer_and_kernel);
        tcase_add_test(tc, test_single_dest_becomes_target_nid);
        tcase_add_test(tc, test_vaddr_targets);
        tcase_add_test(tc, test_intervals_goal);
        tcase_add_test(tc, test_allowed_stall);
        tcase_add_test(tc, test_tiering_one_tier);
        tcase_add_test(tc, test_tiering_two_tiers);
        tcase_add_test(tc, test_tiering_three_tiers);
        tcase_add_test(tc, test_tiering_watermarks);
        tcase_add_test(tc, test_tiering_refused);
        suite_add_tcase(s, tc);
        return test_run_suite(s);
}
