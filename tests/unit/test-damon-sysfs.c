/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DAMON sysfs driver against the fake kernel, once per kernel generation ($DAMOND_FAKE_KERNEL):
 * what it writes (counts and order), what it refuses, and that another user's kdamond is never touched.
 */
#include <regex.h>
#include <string.h>

#include "damon-sysfs.h"
#include "fake-kernel.h"
#include "test-util.h"

static FakeKernelGen gen;
static FakeKernel *k;
static DamonSysfs *sysfs;
static unsigned index0;

static bool gen_at_least(FakeKernelGen g) {
        return gen >= g;
}

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        ck_assert_ok(damon_sysfs_new(fake_kernel_io(k), &sysfs));
        /* as damond does: create our kdamond, then probe inside it */
        ck_assert_ok(damon_sysfs_add_kdamonds(sysfs, 1, &index0, NULL));
        ck_assert_uint_eq(index0, 0);
        ck_assert_ok(damon_sysfs_probe(sysfs));
        {
                uint64_t nr;

                /* and probing left it so */
                ck_assert_ok(damon_io_read_u64(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/0/contexts/nr_contexts", &nr));
                ck_assert_uint_eq(nr, 1);
        }
        fake_kernel_clear_write_log(k);
}

static void teardown(void) {
        sysfs = damon_sysfs_free(sysfs);
        k = fake_kernel_free(k);
}

/* The largest paddr spec this generation takes: a pageout scheme for cold memory, with a PSI goal and
 * an anon filter where the kernel has them. */
static void cold_pageout_spec(DamonSpec *spec) {
        DamonTarget *t;
        DamosScheme *s;

        damon_spec_init(spec);
        spec->ops = DAMON_OPS_PADDR;
        spec->attrs.sample_us = 5000;
        spec->attrs.aggr_us = 100000;
        t = damon_spec_add_target(spec);
        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_nonnull(damon_target_add_region(t, 1048576, 1073610752));
        s = damon_spec_add_scheme(spec);
        ck_assert_ptr_nonnull(s);
        s->action = DAMOS_ACTION_PAGEOUT;
        s->sz = (DamonRange) { 4096, UINT64_MAX };
        s->nr_accesses = (DamonRange) { 0, 0 };
        s->age = (DamonRange) { 50, UINT32_MAX };
        s->quota.ms = 10;
        s->quota.bytes = 134217728;
        s->quota.reset_interval_ms = 1000;
        s->quota.weight_age_permil = 1000;
        if (gen_at_least(FAKE_GEN_6_12)) {
                DamosGoal *g = damos_scheme_add_goal(s);
                DamosFilter *f;

                ck_assert_ptr_nonnull(g);
                g->metric = DAMOS_GOAL_SOME_MEM_PSI_US;
                g->target_value = 1000;
                f = damos_scheme_add_filter(s, DAMOS_FILTERS_LEGACY);
                ck_assert_ptr_nonnull(f);
                f->type = DAMOS_FILTER_ANON;
                f->matching = true;
        }
}

static unsigned start_cold_pageout(DamonSpec *spec) {
        DamonError e = {};
        unsigned index;
        pid_t pid = 0;

        cold_pageout_spec(spec);
        index = index0;
        ck_assert_msg(damon_sysfs_start(sysfs, index, spec, &pid, &e) == 0, "start: %s", e.message);
        ck_assert_int_gt(pid, 0);
        return index;
}

static void assert_running_value(unsigned index, const char *rel, const char *expected) {
        char buf[256];

        ck_assert_ok(fake_kernel_running_value(k, index, rel, buf, sizeof(buf)));
        buf[strcspn(buf, "\n")] = '\0';
        ck_assert_str_eq(buf, expected);
}

START_TEST(test_start_builds_and_runs) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonKdamondState st;
        unsigned index;
        pid_t pid;

        index = start_cold_pageout(&spec);
        ck_assert_uint_eq(index, 0);
        ck_assert_ok(damon_sysfs_read_state(sysfs, index, &st, &pid));
        ck_assert_int_eq(st, DAMON_KDAMOND_ON);
        ck_assert_int_gt(pid, 0);
        ck_assert_uint_eq(fake_kernel_n_starts(k, index), 1);
        /* what the kernel took at "on" is the spec */
        assert_running_value(index, "contexts/0/operations", "paddr");
        assert_running_value(index, "contexts/0/schemes/0/action", "pageout");
        assert_running_value(index, "contexts/0/schemes/0/access_pattern/age/min", "50");
        assert_running_value(index, "contexts/0/schemes/0/access_pattern/sz/max", "18446744073709551615");
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "134217728");
        assert_running_value(index, "contexts/0/targets/0/regions/0/end", "1073610752");
        if (gen_at_least(FAKE_GEN_6_12)) {
                assert_running_value(index, "contexts/0/schemes/0/quotas/goals/0/target_metric", "some_mem_psi_us");
                assert_running_value(index, "contexts/0/schemes/0/filters/0/matching", "Y");
        }
}
END_TEST

/* Every value the driver writes is decimal without leading zeros (the kernel reads 010 as 8). */
START_TEST(test_no_leading_zeros_and_write_order) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        const char *log, *on, *nr_contexts, *ops, *nr_targets, *nr_schemes, *action, *goal, *wmark;
        regex_t re;

        fake_kernel_clear_write_log(k);
        start_cold_pageout(&spec);
        log = fake_kernel_write_log(k);

        ck_assert_int_eq(regcomp(&re, "^[^ ]+ 0[0-9]", REG_EXTENDED | REG_NEWLINE), 0);
        ck_assert_msg(regexec(&re, log, 0, NULL, 0) != 0, "a value with a leading zero was written:\n%s", log);
        regfree(&re);
        ck_assert_msg(!strstr(log, "->"), "a write failed:\n%s", log);

        /* docs/damon-abi.md section 3: kdamonds first, then context, attrs, targets, schemes (action, pattern,
         * quotas, goals, watermarks, filters); "on" last */
        /* the one context exists from damon_sysfs_add_kdamonds() on (fact 10) */
        nr_contexts = strstr(log, "0/contexts/nr_contexts");
        ops = strstr(log, "0/contexts/0/operations paddr\n");
        nr_targets = strstr(log, "0/contexts/0/targets/nr_targets 1\n");
        nr_schemes = strstr(log, "0/contexts/0/schemes/nr_schemes 1\n");
        action = strstr(log, "0/contexts/0/schemes/0/action pageout\n");
        wmark = strstr(log, "0/contexts/0/schemes/0/quotas/reset_interval_ms 1000\n");
        on = strstr(log, "0/state on\n");
        ck_assert_ptr_null(nr_contexts);
        ck_assert_ptr_nonnull(ops);
        ck_assert_ptr_nonnull(nr_targets);
        ck_assert_ptr_nonnull(nr_schemes);
        ck_assert_ptr_nonnull(action);
        ck_assert_ptr_nonnull(wmark);
        ck_assert_ptr_nonnull(on);
        ck_assert(ops < nr_targets && nr_targets < nr_schemes && nr_schemes < action &&
                  action < wmark && wmark < on);
        ck_assert_str_eq(on, "0/state on\n");
        if (gen_at_least(FAKE_GEN_6_12)) {
                goal = strstr(log, "0/contexts/0/schemes/0/quotas/goals/0/target_metric some_mem_psi_us\n");
                ck_assert_ptr_nonnull(goal);
                ck_assert(strstr(log, "quotas/goals/nr_goals 1\n") < goal);
                ck_assert(goal < strstr(log, "goals/0/target_value 1000\n"));
                ck_assert(strstr(log, "filters/nr_filters 1\n") < strstr(log, "filters/0/type anon\n") ||
                          !strstr(log, "filters/0/type anon\n"));
        }
        /* defaults are never written: the fresh directory holds them already */
        ck_assert_ptr_null(strstr(log, "watermarks/metric"));
        ck_assert_ptr_null(strstr(log, "update_us"));
}
END_TEST

START_TEST(test_one_value_commit_writes_that_value_and_commit) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        unsigned index;
        pid_t before, after;
        int n;

        index = start_cold_pageout(&spec);
        ck_assert_ok(damon_sysfs_read_state(sysfs, index, NULL, &before));
        fake_kernel_clear_write_log(k);
        spec.schemes[0].quota.bytes = 268435456;

        n = damon_sysfs_commit(sysfs, index, &spec, NULL, &e);
        if (!gen_at_least(FAKE_GEN_6_1)) {
                /* 5.18 has no online commit */
                ck_assert_int_eq(n, -EOPNOTSUPP);
                ck_assert_msg(strstr(e.message, "5.19"), "message does not name the version: %s", e.message);
                ck_assert_str_eq(fake_kernel_write_log(k), "");
                return;
        }
        ck_assert_msg(n == 2, "commit wrote %d files: %s\n%s", n, e.message, fake_kernel_write_log(k));
        ck_assert_str_eq(fake_kernel_write_log(k),
                         "0/contexts/0/schemes/0/quotas/bytes 268435456\n"
                         "0/state commit\n");
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "268435456");
        ck_assert_ok(damon_sysfs_read_state(sysfs, index, NULL, &after));
        ck_assert_int_eq(before, after);
        ck_assert_uint_eq(fake_kernel_n_starts(k, index), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, index), 1);
}
END_TEST

START_TEST(test_unchanged_commit_writes_nothing) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        unsigned index;
        size_t before;

        index = start_cold_pageout(&spec);
        if (!gen_at_least(FAKE_GEN_6_1))
                return;
        before = fake_kernel_n_writes(k);
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_sysfs_commit(sysfs, index, &spec, NULL, &e), 0);
        ck_assert_int_eq(damon_sysfs_stage(sysfs, index, &spec, &e), 0);
        ck_assert_uint_eq(fake_kernel_n_writes(k), before);
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_uint_eq(fake_kernel_n_commits(k, index), 0);
}
END_TEST

/* Adding a scheme rewrites nr_schemes (the kernel wipes the subtree), so scheme 0 is restaged too. */
START_TEST(test_commit_new_scheme_restages_subtree) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        DamosScheme *s;
        unsigned index;
        int n;

        index = start_cold_pageout(&spec);
        if (!gen_at_least(FAKE_GEN_6_1))
                return;
        s = damon_spec_add_scheme(&spec);
        ck_assert_ptr_nonnull(s);
        s->action = DAMOS_ACTION_LRU_PRIO;
        s->sz = (DamonRange) { 4096, UINT64_MAX };
        s->nr_accesses = (DamonRange) { 10, 20 };
        s->age = (DamonRange) { 0, UINT32_MAX };
        n = damon_sysfs_commit(sysfs, index, &spec, NULL, &e);
        ck_assert_msg(n > 3, "commit: %d %s", n, e.message);
        assert_running_value(index, "contexts/0/schemes/0/action", "pageout");
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "134217728");
        assert_running_value(index, "contexts/0/schemes/1/action", "lru_prio");
        assert_running_value(index, "contexts/0/schemes/1/access_pattern/nr_accesses/max", "20");
}
END_TEST

START_TEST(test_refuses_missing_feature_before_writing) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        DamosGoal *g;
        unsigned index;

        cold_pageout_spec(&spec);
        index = index0;
        fake_kernel_clear_write_log(k);
        /* 7.2 has every feature damond knows of: there is nothing it could refuse */
        if (gen_at_least(FAKE_GEN_7_2))
                return;
        if (gen_at_least(FAKE_GEN_6_17)) {
                /* 7.0's LRU-ratio goal metrics */
                g = damos_scheme_add_goal(&spec.schemes[0]);
                ck_assert_ptr_nonnull(g);
                g->metric = DAMOS_GOAL_ACTIVE_MEM_BP;
                g->target_value = 5000;
                ck_assert_int_eq(damon_sysfs_start(sysfs, index, &spec, NULL, &e), -EOPNOTSUPP);
                ck_assert_msg(strstr(e.message, "active_mem_bp") && strstr(e.message, "7.0"), "%s", e.message);
        } else if (gen_at_least(FAKE_GEN_6_12)) {
                spec.schemes[0].n_filters[DAMOS_FILTERS_LEGACY] = 0;
                ck_assert_ptr_nonnull(damos_scheme_add_filter(&spec.schemes[0], DAMOS_FILTERS_OPS));
                ck_assert_int_eq(damon_sysfs_start(sysfs, index, &spec, NULL, &e), -EOPNOTSUPP);
                ck_assert_msg(strstr(e.message, "6.15"), "%s", e.message);
        } else {
                g = damos_scheme_add_goal(&spec.schemes[0]);
                ck_assert_ptr_nonnull(g);
                g->target_value = 100;
                ck_assert_int_eq(damon_sysfs_start(sysfs, index, &spec, NULL, &e), -EOPNOTSUPP);
                ck_assert_msg(strstr(e.message, "quota goals") && strstr(e.message, "6.8"), "%s", e.message);
        }
        ck_assert_str_eq(fake_kernel_write_log(k), "");
}
END_TEST

START_TEST(test_refuses_invalid_values) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};

        cold_pageout_spec(&spec);
        spec.attrs.sample_us = 200000;
        ck_assert_int_eq(damon_sysfs_check_spec(sysfs, &spec, &e), -EINVAL);
        ck_assert_msg(strstr(e.message, "sampling interval"), "%s", e.message);
        spec.attrs.sample_us = 5000;
        spec.attrs.min_nr_regions = 2;
        ck_assert_int_eq(damon_sysfs_check_spec(sysfs, &spec, &e), -EINVAL);
        spec.attrs.min_nr_regions = 10;
        ck_assert_ptr_nonnull(damon_target_add_region(&spec.targets[0], 4096, 8192));
        ck_assert_int_eq(damon_sysfs_check_spec(sysfs, &spec, &e), -EINVAL);
        ck_assert_msg(strstr(e.message, "sorted"), "%s", e.message);
        spec.targets[0].n_regions = 1;
        spec.schemes[0].age = (DamonRange) { 10, 5 };
        ck_assert_int_eq(damon_sysfs_check_spec(sysfs, &spec, &e), -EINVAL);
        spec.schemes[0].age = (DamonRange) { 10, (uint64_t) UINT32_MAX + 1 };
        ck_assert_int_eq(damon_sysfs_check_spec(sysfs, &spec, &e), -EINVAL);
        spec.schemes[0].age = (DamonRange) { 10, 20 };
        ck_assert_ok(damon_sysfs_check_spec(sysfs, &spec, &e));
        ck_assert_str_eq(fake_kernel_write_log(k), "");
}
END_TEST

START_TEST(test_foreign_kdamond_untouched) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_free_ char *before = NULL, *after = NULL;
        DamonError e = {};
        unsigned foreign, index;

        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, _i == 0, &foreign));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &before));
        fake_kernel_clear_write_log(k);
        cold_pageout_spec(&spec);

        ck_assert_int_eq(damon_sysfs_add_kdamonds(sysfs, 1, &index, &e), -EBUSY);
        ck_assert_msg(strstr(e.message, "another DAMON user"), "%s", e.message);
        ck_assert_int_eq(damon_sysfs_start(sysfs, foreign, &spec, NULL, &e), -EPERM);
        ck_assert_int_eq(damon_sysfs_stage(sysfs, foreign, &spec, &e), -EPERM);
        ck_assert_int_eq(damon_sysfs_commit(sysfs, foreign, &spec, NULL, &e), -EPERM);
        ck_assert_int_eq(damon_sysfs_stop(sysfs, foreign, &e), -EPERM);
        ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, foreign, &spec, &e), -EPERM);
        {
                DamonKdamondStatus st = {};

                /* reading is allowed and writes nothing, not even update_schemes_stats */
                ck_assert_ok(damon_sysfs_read_status(sysfs, foreign, &st));
                ck_assert_int_eq(st.state, _i == 0 ? DAMON_KDAMOND_ON : DAMON_KDAMOND_OFF);
                damon_kdamond_status_done(&st);
        }
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &after));
        ck_assert_str_eq(before, after);
}
END_TEST

/* Our own running kdamond blocks adding more: the kernel cannot change nr_kdamonds then. */
START_TEST(test_add_while_own_running) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        unsigned index;

        start_cold_pageout(&spec);
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_sysfs_add_kdamonds(sysfs, 1, &index, &e), -EBUSY);
        ck_assert_msg(strstr(e.message, "ours") && strstr(e.message, "running"), "%s", e.message);
        ck_assert_str_eq(fake_kernel_write_log(k), "");
}
END_TEST

START_TEST(test_module_holds_damon) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        DamonKdamondState st;
        unsigned index;

        cold_pageout_spec(&spec);
        index = index0;
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_sysfs_start(sysfs, index, &spec, NULL, &e), -EBUSY);
        ck_assert_msg(strstr(e.message, "damon_reclaim"), "%s", e.message);
        ck_assert_ok(damon_sysfs_read_state(sysfs, index, &st, NULL));
        ck_assert_int_eq(st, DAMON_KDAMOND_OFF);

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, false));
        ck_assert_ok(damon_sysfs_start(sysfs, index, &spec, NULL, &e));
        /* and now the module cannot start */
        ck_assert_int_eq(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true), -EBUSY);
}
END_TEST

/* Any write can fail: the error comes back with a message, and the kdamond stays off. */
START_TEST(test_injected_errors) {
        static const struct {
                const char *suffix;
                int error;
        } cases[] = {
                { "quotas/bytes", -EINVAL },
                { "schemes/nr_schemes", -ENOMEM },
                { "contexts/0/operations", -EACCES },
                { "state", -EINVAL },
                { "regions/0/end", -EBUSY },
        };
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        DamonKdamondState st;
        unsigned index;

        cold_pageout_spec(&spec);
        index = index0;
        fake_kernel_inject_write_error(k, cases[_i].suffix, cases[_i].error, 0);
        ck_assert_int_eq(damon_sysfs_start(sysfs, index, &spec, NULL, &e), cases[_i].error);
        ck_assert_msg(strstr(e.message, cases[_i].suffix), "message does not name the file: %s", e.message);
        ck_assert_ok(damon_sysfs_read_state(sysfs, index, &st, NULL));
        ck_assert_int_eq(st, DAMON_KDAMOND_OFF);

        /* once the cause is gone, the same call works from the half-staged tree */
        fake_kernel_clear_injections(k);
        ck_assert_msg(damon_sysfs_start(sysfs, index, &spec, NULL, &e) == 0, "%s", e.message);
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "134217728");
}
END_TEST

START_TEST(test_ebusy_is_retried_then_reported) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        unsigned index;

        cold_pageout_spec(&spec);
        index = index0;

        /* a busy lock for a few accesses: retried with back-off, then it works */
        fake_kernel_set_lock_busy(k, 3);
        ck_assert_msg(damon_sysfs_start(sysfs, index, &spec, NULL, &e) == 0, "%s", e.message);
        ck_assert_uint_gt(fake_kernel_slept_usec(k), 0);
        ck_assert_uint_gt(damon_io_stats(fake_kernel_io(k))->ebusy_retries, 0);

        /* a busy "state" that never clears: bounded, then -EBUSY */
        fake_kernel_inject_write_error(k, "state", -EBUSY, 0);
        ck_assert_int_eq(damon_sysfs_stop(sysfs, index, &e), -EBUSY);
        ck_assert_uint_lt(fake_kernel_slept_usec(k), 5 * USEC_PER_SEC);
}
END_TEST

START_TEST(test_vaddr_target_exit) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        DamonTarget *t;
        DamosScheme *s;
        unsigned index;

        damon_spec_init(&spec);
        spec.ops = DAMON_OPS_VADDR;
        t = damon_spec_add_target(&spec);
        ck_assert_ptr_nonnull(t);
        t->pid = 4242;
        ck_assert_ok(fake_kernel_write_file(k, "proc/4242/comm", "worker\n"));
        s = damon_spec_add_scheme(&spec);
        ck_assert_ptr_nonnull(s);
        s->action = DAMOS_ACTION_COLD;
        s->sz = (DamonRange) { 4096, UINT64_MAX };
        s->age = (DamonRange) { 10, UINT32_MAX };
        index = index0;
        ck_assert_msg(damon_sysfs_start(sysfs, index, &spec, NULL, &e) == 0, "%s", e.message);
        ck_assert_int_eq(damon_sysfs_check_stopped(sysfs, index), 0);

        ck_assert_ok(fake_kernel_targets_exit(k, index));
        ck_assert_int_eq(damon_sysfs_check_stopped(sysfs, index), 1);
        /* stopping what already stopped is not an error (the kernel would say EPERM) */
        ck_assert_ok(damon_sysfs_stop(sysfs, index, &e));
        if (gen_at_least(FAKE_GEN_6_1))
                ck_assert_int_eq(damon_sysfs_commit(sysfs, index, &spec, NULL, &e), -ESRCH);
}
END_TEST

START_TEST(test_commit_goals) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonError e = {};
        unsigned index;

        index = start_cold_pageout(&spec);
        if (!gen_at_least(FAKE_GEN_6_12)) {
                ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, index, &spec, &e), -EOPNOTSUPP);
                ck_assert_msg(strstr(e.message, "6.8"), "%s", e.message);
                return;
        }
        spec.schemes[0].quota.goals[0].metric = DAMOS_GOAL_USER_INPUT;
        ck_assert_int_gt(damon_sysfs_commit(sysfs, index, &spec, NULL, &e), 0);
        fake_kernel_clear_write_log(k);
        spec.schemes[0].quota.goals[0].current_value = 700;
        ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, index, &spec, &e), 2);
        ck_assert_str_eq(fake_kernel_write_log(k),
                         "0/contexts/0/schemes/0/quotas/goals/0/current_value 700\n"
                         "0/state commit_schemes_quota_goals\n");
        /* the same value again: nothing to write */
        ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, index, &spec, &e), 0);

        /* every scheme off by its watermarks: before 6.14 the command waits for an active kdamond, so it is
         * deferred with nothing written; 6.14+ serves it at once */
        spec.schemes[0].wmarks = (DamosWatermarks) { DAMOS_WMARK_FREE_MEM_RATE, 5000000, 500, 400, 200 };
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert_int_gt(damon_sysfs_commit(sysfs, index, &spec, NULL, &e), 0);
        fake_kernel_set_free_mem_permil(k, 900);
        /* before 6.14 the kernel serves the command only from an active kdamond, from 6.14 at its next
         * watermark check (up to the watermark interval): either way nothing for an inactive kdamond */
        ck_assert(damon_sysfs_commands_may_wait(sysfs, &spec));
        fake_kernel_clear_write_log(k);
        spec.schemes[0].quota.goals[0].current_value = 800;
        ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, index, &spec, &e), -EAGAIN);
        ck_assert_uint_eq(fake_kernel_n_held_commands(k), 0);
        ck_assert_msg(strstr(e.message, "899 permil"), "%s", e.message);
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert(!damon_sysfs_commands_may_wait(sysfs, &spec));
        ck_assert_int_eq(damon_sysfs_commit_goals(sysfs, index, &spec, &e), 2);
}
END_TEST

START_TEST(test_status_and_tried_regions) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_free_ DamosTriedRegion *regions = NULL;
        DamonKdamondStatus st = {};
        size_t n = 0;
        uint64_t total = 0;
        unsigned index;
        int r;

        index = start_cold_pageout(&spec);
        ck_assert_ok(damon_sysfs_read_status(sysfs, index, &st));
        ck_assert_int_eq(st.state, DAMON_KDAMOND_ON);
        ck_assert_int_gt(st.pid, 0);
        ck_assert_uint_eq(st.n_schemes, 1);
        ck_assert_uint_gt(st.schemes[0].nr_tried, 0);
        ck_assert_uint_eq(st.sample_us, 5000);
        ck_assert_int_eq(st.schemes[0].has_effective_bytes, gen_at_least(FAKE_GEN_6_12));
        damon_kdamond_status_done(&st);

        r = damon_sysfs_read_tried_regions(sysfs, index, 0, &regions, &n, &total);
        if (!gen_at_least(FAKE_GEN_6_12)) {
                ck_assert_int_eq(r, -EOPNOTSUPP);
                return;
        }
        ck_assert_ok(r);
        ck_assert_uint_gt(n, 0);
        ck_assert_uint_gt(total, 0);
        ck_assert_uint_lt(regions[0].start, regions[0].end);
}
END_TEST

/* Read-back files that are not what the kernel prints are errors, never garbage numbers or crashes. */
START_TEST(test_status_hostile_files) {
        static const char * const bad[] = { "", "abc\n", "12 34\n", "-5\n", "99999999999999999999999\n",
                                            "0x\n", "\n\n" };
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonKdamondState st;
        DamonKdamondStatus status = {};
        unsigned index;
        pid_t pid;

        index = start_cold_pageout(&spec);
        ck_assert_ok(damon_sysfs_stop(sysfs, index, NULL));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/0/contexts/0/schemes/0/stats/nr_tried",
                                                    bad[i]));
                ck_assert_int_lt(damon_sysfs_read_status(sysfs, index, &status), 0);
                ck_assert_ptr_null(status.schemes);
        }
        ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/0/state", "maybe\n"));
        ck_assert_int_eq(damon_sysfs_read_state(sysfs, index, &st, &pid), -EBADMSG);
        ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/0/state", "off\n"));
        ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/0/pid", "12ab\n"));
        ck_assert_int_eq(damon_sysfs_read_state(sysfs, index, &st, &pid), -EINVAL);
        ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/0/pid", "-1\n"));
        ck_assert_ok(fake_kernel_write_file(k, DAMON_KDAMONDS_DIR "/nr_kdamonds", "4096\n"));
        ck_assert_int_eq(damon_sysfs_count_kdamonds(sysfs, NULL, NULL), -EBADMSG);
}
END_TEST

START_TEST(test_failed_commit_rolls_back_staged_files) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(damon_spec_done) DamonSpec next = {};
        DamonError e = {};
        unsigned index;
        char buf[64];

        index = start_cold_pageout(&spec);
        if (!gen_at_least(FAKE_GEN_6_1))
                return;
        ck_assert_ok(damon_spec_copy(&next, &spec));
        next.schemes[0].quota.bytes = 999424;
        fake_kernel_inject_write_error(k, "state", -EINVAL, 1);
        ck_assert_int_eq(damon_sysfs_commit(sysfs, index, &next, &spec, &e), -EINVAL);
        fake_kernel_clear_injections(k);
        ck_assert_ok(damon_io_read(fake_kernel_io(k),
                                   DAMON_KDAMONDS_DIR "/0/contexts/0/schemes/0/quotas/bytes", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "134217728");
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "134217728");
}
END_TEST

/* A kdamond whose schemes are all off by their watermarks: kernels before 6.14 would block a commit
 * forever, 6.14+ up to the watermark interval with DAMON's sysfs locked, so the driver defers it (-EAGAIN,
 * staged files back to what runs) until a scheme can be active. */
START_TEST(test_commit_deferred_while_watermarks_off) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(damon_spec_done) DamonSpec next = {};
        DamonError e = {};
        unsigned index;
        char buf[64];

        cold_pageout_spec(&spec);
        spec.schemes[0].wmarks = (DamosWatermarks) { DAMOS_WMARK_FREE_MEM_RATE, 5000000, 500, 400, 200 };
        fake_kernel_set_free_mem_permil(k, 300);
        index = index0;
        ck_assert_msg(damon_sysfs_start(sysfs, index, &spec, NULL, &e) == 0, "%s", e.message);
        if (!gen_at_least(FAKE_GEN_6_1))
                return;
        ck_assert_ok(damon_spec_copy(&next, &spec));
        next.schemes[0].quota.bytes = 268435456;

        /* 90% free: above high, the scheme is off */
        fake_kernel_set_free_mem_permil(k, 900);
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_sysfs_commit(sysfs, index, &next, &spec, &e), -EAGAIN);
        ck_assert_msg(strstr(e.message, "899 permil") &&
                      strstr(e.message, gen_at_least(FAKE_GEN_6_17) ? "watermark check, up to 5s" : "6.14"),
                      "%s", e.message);
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        ck_assert_uint_eq(fake_kernel_n_held_commands(k), 0);
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "state commit"));
        ck_assert_ok(damon_io_read(fake_kernel_io(k),
                                   DAMON_KDAMONDS_DIR "/0/contexts/0/schemes/0/quotas/bytes", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "134217728");

        /* 30% free: inside [low, mid], the scheme is active, the commit goes through */
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert_int_eq(damon_sysfs_commit(sysfs, index, &next, &spec, &e), 2);
        assert_running_value(index, "contexts/0/schemes/0/quotas/bytes", "268435456");
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        /* stopped while inactive again: no stats refresh the kernel would hold */
        fake_kernel_set_free_mem_permil(k, 900);
        ck_assert_ok(damon_sysfs_stop(sysfs, index, &e));
        ck_assert_uint_eq(fake_kernel_n_held_commands(k), 0);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("damon-sysfs");
        TCase *tc = tcase_create("driver");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_start_builds_and_runs);
        tcase_add_test(tc, test_no_leading_zeros_and_write_order);
        tcase_add_test(tc, test_one_value_commit_writes_that_value_and_commit);
        tcase_add_test(tc, test_unchanged_commit_writes_nothing);
        tcase_add_test(tc, test_commit_new_scheme_restages_subtree);
        tcase_add_test(tc, test_refuses_missing_feature_before_writing);
        tcase_add_test(tc, test_refuses_invalid_values);
        tcase_add_loop_test(tc, test_foreign_kdamond_untouched, 0, 2);
        tcase_add_test(tc, test_add_while_own_running);
        tcase_add_test(tc, test_module_holds_damon);
        tcase_add_loop_test(tc, test_injected_errors, 0, 5);
        tcase_add_test(tc, test_ebusy_is_retried_then_reported);
        tcase_add_test(tc, test_vaddr_target_exit);
        tcase_add_test(tc, test_commit_goals);
        tcase_add_test(tc, test_status_and_tried_regions);
        tcase_add_test(tc, test_status_hostile_files);
        tcase_add_test(tc, test_failed_commit_rolls_back_staged_files);
        tcase_add_test(tc, test_commit_deferred_while_watermarks_off);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
