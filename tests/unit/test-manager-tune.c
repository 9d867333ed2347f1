/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tuning loop (daemon/manager-tune.c) inside the Manager, against the fake kernel, once per kernel
 * generation ($DAMOND_FAKE_KERNEL): goals fed with commit_schemes_quota_goals once per reset interval
 * (6.8+), damond's own size quota on kernels without goals (6.1), the PSI trigger's immediate back-off,
 * nothing written when nothing changed, the pause above the pressure ceiling and the resume. The
 * pressure is the fake root's proc/pressure/memory, written by the tests.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "log.h"
#include "manager-tune.h"
#include "message-ids.h"
#include "psi.h"
#include "state-file.h"
#include "test-util.h"
#include "tune-status.h"
#include "tuner.h"

#define SEC USEC_PER_SEC
#define MSEC USEC_PER_MSEC
#define T0 (1000 * SEC)
#define BOOT_ID "6c5a2e3e-0d7e-4d6f-9c34-2b1f0a5e7c11"

static FakeKernelGen gen;
static FakeKernel *k;
static char confdir[PATH_MAX / 2];
static char *config_dirs[2];
static uint64_t psi_some, psi_full;     /* the fake's cumulative stall totals, µs */
static char logbuf[1 << 17];

static void log_capture(int level, const LogFields *f, const char *message, void *userdata) {
        size_t n = strlen(logbuf);

        if (n + 512 < sizeof logbuf)
                snprintf(logbuf + n, sizeof logbuf - n, "%d %s %s\n", level,
                         f && f->message_id ? f->message_id : "-", message);
}

static void write_conf(const char *name, const char *content) {
        char rel[PATH_MAX];

        snprintf(rel, sizeof rel, "etc/damond/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, content));
}

/* Adds stall to the fake's system memory pressure. */
static void stall(uint64_t some_usec, uint64_t full_usec) {
        char buf[256];

        psi_some += some_usec;
        psi_full += full_usec;
        snprintf(buf, sizeof buf,
                 "some avg10=1.00 avg60=0.50 avg300=0.10 total=%" PRIu64 "\n"
                 "full avg10=0.50 avg60=0.20 avg300=0.05 total=%" PRIu64 "\n", psi_some, psi_full);
        ck_assert_ok(fake_kernel_write_file(k, "proc/pressure/memory", buf));
}

static bool has_commit(void) {
        return gen != FAKE_GEN_5_18;
}

static bool has_goals(void) {
        return gen >= FAKE_GEN_6_12;
}

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem", "100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH, BOOT_ID "\n"));
        snprintf(confdir, sizeof confdir, "%s/etc/damond", fake_kernel_root_path(k));
        config_dirs[0] = confdir;
        config_dirs[1] = NULL;
        psi_some = 1000000;
        psi_full = 100000;
        stall(0, 0);
        logbuf[0] = '\0';
        log_set_hook(log_capture, NULL);
        log_set_max_level(LOG_DEBUG);
}

static void teardown(void) {
        log_set_hook(NULL, NULL);
        k = fake_kernel_free(k);
}

static Manager *started_manager(void) {
        ManagerOptions o = {
                .root = fake_kernel_root_path(k),
                .config_dirs = config_dirs,
                .io = fake_kernel_io(k),
        };
        Manager *m = NULL;

        ck_assert_ok(manager_new(&o, &m));
        ck_assert_int_eq(manager_start(m, T0), 0);
        return m;
}

static ManagedProfile *profile(Manager *m, const char *name) {
        ManagedProfile *p = manager_find_profile(m, name);

        ck_assert_msg(p, "no profile '%s'", name);
        ck_assert_int_eq(p->state, PROFILE_RUN_RUNNING);
        return p;
}

/* A file of kdamond @p's scheme 0, as staged (what the kernel was last given). */
static uint64_t scheme_file(ManagedProfile *p, const char *rel) {
        char path[PATH_MAX], buf[64];

        snprintf(path, sizeof path, DAMON_KDAMONDS_DIR "/%d/contexts/0/schemes/0/%s", p->kdamond, rel);
        ck_assert_ok(damon_io_read(fake_kernel_io(k), path, buf, sizeof buf));
        return strtoull(buf, NULL, 10);
}

/* quotas/bytes as the kernel runs it (the last on/commit) */
static uint64_t running_quota(ManagedProfile *p) {
        char buf[64];

        ck_assert_ok(fake_kernel_running_value(k, (unsigned) p->kdamond, "contexts/0/schemes/0/quotas/bytes",
                                               buf, sizeof buf));
        return strtoull(buf, NULL, 10);
}

/* The writes that changed a kdamond's configuration (not the status reading's update_* commands). */
static unsigned n_config_writes(void) {
        const char *log = fake_kernel_write_log(k);
        unsigned n = 0;

        while (*log) {
                const char *eol = strchr(log, '\n');
                size_t len = eol ? (size_t) (eol - log + 1) : strlen(log);
                const char *st = strstr(log, "/state update_");

                if (!(st && st < log + len))
                        n++;
                log += len;
        }
        return n;
}

#define FEED_CONF \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-8G\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaTime=10ms\nQuotaResetInterval=2s\n" \
        "[Goal full]\nScheme=cold\nMetric=mem_psi_full_us\nTarget=2ms\n"

/* A goal the kernel cannot measure: damond feeds a user_input goal once per reset interval (2 s), and
 * commits it only when the value changed; without goals (6.1) it tunes the size quota itself. */
/* The one line that says why a scheme acts or idles, for each reason, in the order they win. */
START_TEST(test_scheme_activity) {
        DamosScheme sc;
        GoalStatus goal = { .metric = DAMOS_GOAL_SOME_MEM_PSI_US, .target = 1000, .current = 3000 };
        SchemeTuneStatus st = { .state = TUNE_STATE_TUNING, .goals = &goal, .n_goals = 1 };
        char *a = NULL;

        damon_scheme_init(&sc);
        sc.wmarks = (DamosWatermarks) { .metric = DAMOS_WMARK_FREE_MEM_RATE, .high = 500, .mid = 400, .low = 0 };
        sc.age.min = 1200;      /* 2min of 100ms aggregations */
        sc.nr_accesses.max = 0;

        ck_assert_ok(scheme_activity(&sc, 100000, &st, 650, &a));
        ck_assert_str_eq(a, "idle: free memory 65% is above the 50% watermark; it resumes below 40%");
        a = mfree(a);
        ck_assert_ok(scheme_activity(&sc, 100000, &st, 300, &a));
        ck_assert_str_eq(a, "starting: no statistics read yet");
        a = mfree(a);
        st.has_stats = true;
        ck_assert_ok(scheme_activity(&sc, 100000, &st, 300, &a));
        ck_assert_str_eq(a, "waiting: no memory has been idle for 2min yet");
        a = mfree(a);
        st.stats.sz_tried = 80 << 20;
        st.stats.sz_applied = 12 << 20;
        ck_assert_ok(scheme_activity(&sc, 100000, &st, UINT64_MAX, &a));
        ck_assert_str_eq(a, "active: applied 12M of 80M tried");
        a = mfree(a);
        st.state = TUNE_STATE_BACKED_OFF;
        ck_assert_ok(scheme_activity(&sc, 100000, &st, 300, &a));
        ck_assert_str_eq(a, "backed off: stall 3.0ms/s against a 1.0ms goal");
        a = mfree(a);

}
END_TEST

START_TEST(test_feed_once_per_reset_interval) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        unsigned idx, commits;

        write_conf("feed.conf", FEED_CONF);
        m = started_manager();
        p = profile(m, "feed");
        idx = (unsigned) p->kdamond;

        /* set up at start: the status names the scheme, its goal and who measures it */
        ck_assert_uint_eq(p->tune.n_schemes, 1);
        ck_assert_str_eq(p->tune.schemes[0].name, "cold");
        ck_assert_int_eq(p->tune.schemes[0].action, DAMOS_ACTION_PAGEOUT);
        ck_assert_uint_eq(p->tune.schemes[0].quota_size, 0);
        ck_assert_uint_eq(p->tune.schemes[0].n_goals, 1);
        ck_assert_int_eq(p->tune.schemes[0].goals[0].metric, PROFILE_GOAL_MEM_PSI_FULL_US);
        ck_assert(p->tune.schemes[0].goals[0].fed_by_damond);
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].target, 2000);
        ck_assert_str_eq(p->tune.pressure.source, "system");
        ck_assert_int_eq(p->tune.schemes[0].state, has_commit() ? TUNE_STATE_TUNING : TUNE_STATE_NONE);

        if (!has_goals()) {
                fake_kernel_clear_write_log(k);
                for (unsigned s = 1; s <= 4; s++) {
                        stall(1000, 500);
                        ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
                }
                if (!has_commit())
                        /* 5.18: no online commit, the scheme runs as configured */
                        ck_assert_uint_eq(n_config_writes(), 0);
                else {
                        /* damond's own quota, from the floor: committed at the windows' ends */
                        ck_assert_uint_lt(running_quota(p), UINT64_C(64) << 20);
                        ck_assert_uint_gt(running_quota(p), 0);
                }
                return;
        }

        commits = fake_kernel_n_goal_commits(k, idx);
        for (unsigned s = 1; s <= 8; s++) {
                uint64_t before = scheme_file(p, "quotas/goals/0/current_value");
                unsigned n = fake_kernel_n_goal_commits(k, idx);

                /* a full stall that swings around the target: the fed value moves */
                stall(3000, s % 4 == 2 ? 150 : 1700);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
                if (s % 2 == 1) {
                        /* the window ends every 2 s, never in between */
                        ck_assert_uint_eq(fake_kernel_n_goal_commits(k, idx), n);
                        ck_assert_uint_eq(scheme_file(p, "quotas/goals/0/current_value"), before);
                } else
                        /* at most one commit per window, and only with a new value */
                        ck_assert_uint_eq(fake_kernel_n_goal_commits(k, idx) - n,
                                          scheme_file(p, "quotas/goals/0/current_value") != before);
        }
        ck_assert_uint_ge(fake_kernel_n_goal_commits(k, idx) - commits, 1);
        /* the status has the last window's measurement: the stall of the last 2 s */
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].current, 1700 + 1700);
        /* no size quota, as configured: only goal values went to the kernel, no full commit */
        ck_assert_uint_eq(running_quota(p), 0);
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        ck_assert_ptr_nonnull(p->tune.schemes[0].last_decision);
}
END_TEST

/* Nothing changes, nothing is written: a steady stall feeds the same value every window. */
START_TEST(test_nothing_written_when_nothing_changed) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        unsigned commits;

        if (!has_goals())
                return;
        write_conf("feed.conf", FEED_CONF);
        m = started_manager();
        p = profile(m, "feed");
        for (unsigned s = 1; s <= 4; s++) {
                stall(1000, 600);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        }
        commits = fake_kernel_n_goal_commits(k, (unsigned) p->kdamond);
        ck_assert_uint_ge(commits, 1);
        fake_kernel_clear_write_log(k);
        for (unsigned s = 5; s <= 12; s++) {
                stall(1000, 600);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        }
        ck_assert_uint_eq(fake_kernel_n_goal_commits(k, (unsigned) p->kdamond), commits);
        ck_assert_msg(n_config_writes() == 0, "written: %s", fake_kernel_write_log(k));
}
END_TEST

#define OWN_CONF \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-8G\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=128M\nQuotaResetInterval=1s\n" \
        "[Goal psi]\nScheme=cold\nMetric=some_mem_psi_us\nTarget=10ms\n"

/* 6.1 has no quota goals: damond tunes quotas/bytes itself, up while the stall is under the goal, down
 * when it is over, never above QuotaSize=. */
START_TEST(test_own_quota_follows_pressure) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        uint64_t t = T0, q, prev;

        if (gen != FAKE_GEN_6_1)
                return;
        write_conf("own.conf", OWN_CONF);
        m = started_manager();
        p = profile(m, "own");
        ck_assert_int_eq(p->tune.schemes[0].goals[0].metric, DAMOS_GOAL_SOME_MEM_PSI_US);
        ck_assert(p->tune.schemes[0].goals[0].fed_by_damond);

        /* calm: 1 ms of stall per second, a tenth of the goal */
        stall(1000, 0);
        ck_assert_ok(manager_health_tick(m, t += SEC));
        prev = running_quota(p);
        ck_assert_uint_lt(prev, UINT64_C(128) << 20);
        for (unsigned i = 0; i < 6; i++) {
                stall(1000, 0);
                ck_assert_ok(manager_health_tick(m, t += SEC));
                q = running_quota(p);
                ck_assert_msg(q > prev, "window %u: quota %" PRIu64 " did not rise from %" PRIu64, i, q,
                              prev);
                ck_assert_uint_le(q, UINT64_C(128) << 20);
                prev = q;
        }
        ck_assert_uint_eq(p->tune.schemes[0].quota_applied, prev);
        ck_assert_uint_eq(p->tune.schemes[0].effective_quota, prev);
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].current, 1000);
        /* the applied spec is what the kernel runs */
        ck_assert_uint_eq(p->applied.schemes[0].quota.bytes, prev);

        /* 40 ms per second: four times the goal (under the back-off threshold of 100 ms) */
        stall(40000, 0);
        ck_assert_ok(manager_health_tick(m, t += SEC));
        q = running_quota(p);
        ck_assert_msg(q < prev, "quota %" PRIu64 " did not fall from %" PRIu64, q, prev);
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_TUNING));
}
END_TEST

static unsigned count(const char *haystack, const char *needle) {
        unsigned n = 0;

        for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

/* A quota that changes every window is logged at notice at most once per 10 s; back-offs that cut always. */
START_TEST(test_decisions_rate_limited) {
        _cleanup_(manager_freep) Manager *m = NULL;
        char notice[128];
        uint64_t t = T0;

        if (gen != FAKE_GEN_6_1)
                return;
        write_conf("own.conf", OWN_CONF);
        m = started_manager();
        snprintf(notice, sizeof notice, "%d %s Profile 'own', scheme 'cold': ", LOG_NOTICE,
                 DAMOND_MESSAGE_TUNING);
        logbuf[0] = '\0';
        for (unsigned i = 0; i < 25; i++) {
                stall(1000, 0);
                ck_assert_ok(manager_health_tick(m, t += SEC));
        }
        /* 25 windows, each raising the quota (the others at debug): at 1, 11 and 21 s */
        ck_assert_msg(count(logbuf, notice) == 3, "log: %s", logbuf);

        /* a back-off that cuts is told at once; the trigger firing again at the floor is not news */
        logbuf[0] = '\0';
        ck_assert_int_eq(manager_tune_pressure_event(m, NULL, t + 100 * MSEC), 1);
        ck_assert_msg(count(logbuf, notice) == 1, "log: %s", logbuf);
        ck_assert_int_eq(manager_tune_pressure_event(m, NULL, t + 600 * MSEC), 1);
        ck_assert_msg(count(logbuf, notice) == 1, "log: %s", logbuf);
}
END_TEST

/* A PSI trigger fired: every guarded scheme is cut in the same call, without waiting for a window. */
START_TEST(test_trigger_cuts_at_once) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *status = NULL;
        ManagedProfile *p;
        char line[128];
        PsiStats ps;

        write_conf("feed.conf", FEED_CONF);
        m = started_manager();
        p = profile(m, "feed");
        if (!has_commit()) {
                ck_assert_int_eq(manager_tune_pressure_event(m, NULL, T0 + 100 * MSEC), 0);
                return;
        }
        ck_assert_uint_eq(running_quota(p), 0);
        logbuf[0] = '\0';

        ck_assert_int_eq(manager_tune_pressure_event(m, NULL, T0 + 300 * MSEC), 1);
        ck_assert_uint_gt(running_quota(p), 0);
        ck_assert_uint_lt(running_quota(p), UINT64_C(64) << 10);
        ck_assert_uint_eq(p->applied.schemes[0].quota.bytes, running_quota(p));
        ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_BACKED_OFF);
        ck_assert_uint_eq(p->tune.schemes[0].quota_applied, running_quota(p));
        ck_assert_ptr_nonnull(p->tune.schemes[0].last_decision);
        ck_assert_uint_gt(p->tune.schemes[0].last_decision_usec, 0);
        /* logged at notice with its MESSAGE_ID */
        snprintf(line, sizeof line, "%d %s Profile 'feed', scheme 'cold': ", LOG_NOTICE,
                 DAMOND_MESSAGE_TUNING);
        ck_assert_msg(strstr(logbuf, line), "log: %s", logbuf);
        /* STATUS= says so */
        status = manager_status_line(m);
        ck_assert_msg(strstr(status, "feed: backed off"), "status: %s", status);
        /* a profile whose tuning is not guarded by that cgroup's pressure is not touched */
        ck_assert_int_eq(manager_tune_pressure_event(m, "/other.slice", T0 + 400 * MSEC), 0);
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        /* no trigger was written into the fake's pressure file (not procfs): it still reads */
        ck_assert_int_eq(psi_read_system(fake_kernel_root(k), &ps), 0);
        ck_assert_uint_eq(ps.some.total_usec, psi_some);
}
END_TEST

/* A scheme whose action takes nothing away and that has no goals is never touched. */
START_TEST(test_unguarded_scheme_untouched) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        write_conf("stat.conf", "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-8G\n"
                   "[Scheme all]\nAction=stat\nQuotaSize=1M\n");
        m = started_manager();
        p = profile(m, "stat");
        ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_NONE);
        ck_assert(!p->tune.has_pressure);
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(manager_tune_pressure_event(m, NULL, T0 + SEC), 0);
        for (unsigned s = 1; s <= 3; s++) {
                stall(500000, 0);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        }
        ck_assert_uint_eq(n_config_writes(), 0);
}
END_TEST

/* A goal the tuner refuses at run time (a target --check-config would refuse too; here as a value only the
 * run time sees): the pageout scheme must not run unguarded: kept paused from the first spec built, with
 * the status and an error line saying why. */
START_TEST(test_unguardable_goal_kept_paused) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        ManagedProfile *p;

        write_conf("feed.conf", FEED_CONF);
        m = started_manager();
        p = profile(m, "feed");
        ck_assert_uint_ge(p->compiled.n_feeds + p->compiled.spec.schemes[0].quota.n_goals, 1);
        for (size_t i = 0; i < p->compiled.n_feeds; i++)
                p->compiled.feeds[i].target = TUNER_TARGET_MAX + 1;
        for (size_t i = 0; i < p->compiled.spec.schemes[0].quota.n_goals; i++)
                p->compiled.spec.schemes[0].quota.goals[i].target_value = TUNER_TARGET_MAX + 1;
        p->tuner = profile_tuner_free(p->tuner);
        profile_tuning_done(&p->tuning);

        /* before any tuner exists (a start builds its spec first) */
        ck_assert_ok(build_spec(m, p, NULL, &spec));
        ck_assert_uint_eq(spec.schemes[0].quota.bytes, 1);

        /* the tuner refuses it: said at error level, the status says paused and why */
        logbuf[0] = '\0';
        ck_assert_int_ge(manager_tune_sync(m, T0 + SEC), 0);
        ck_assert_ptr_nonnull(strstr(logbuf, "3 - Scheme 'cold' of profile 'feed' is kept paused: damond cannot "
                                             "guard it"));
        ck_assert_ptr_null(strstr(logbuf, "leaving it as configured"));
        ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_PAUSED);
        ck_assert_ptr_nonnull(p->tune.schemes[0].last_decision);
        ck_assert_ptr_nonnull(strstr(p->tune.schemes[0].last_decision, "kept paused"));
        ck_assert_str_eq(manager_tune_summary(p), "paused");

        /* and the kernel runs it paused from the next tick on (5.18: no online commit, its start had it) */
        if (has_commit()) {
                for (unsigned s = 2; s <= 4; s++)
                        ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
                ck_assert_uint_eq(running_quota(p), 1);
        }
        damon_spec_done(&spec);
        ck_assert_ok(build_spec(m, p, NULL, &spec));
        ck_assert_uint_eq(spec.schemes[0].quota.bytes, 1);
}
END_TEST

#define CEILING_CONF \
        "[Profile]\nOperations=paddr\nPressureCeiling=20%\n[Target]\nRegion=4G-8G\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=64M\nQuotaResetInterval=1s\n"

/* Above the ceiling for 10 s despite the back-off: paused (the kernel applies nothing), and the journal
 * says why; after a minute under half the ceiling it resumes, backed off, and the quota rises again. */
START_TEST(test_ceiling_pause_and_resume) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *status = NULL;
        ManagedProfile *p;
        uint64_t t = T0;
        unsigned s;

        if (!has_commit())
                return;
        write_conf("ceil.conf", CEILING_CONF);
        m = started_manager();
        p = profile(m, "ceil");
        ck_assert_uint_eq(p->tune.pressure.ceiling_usec, 200000);

        /* 500 ms of stall every second */
        for (s = 0; s < 30 && p->tune.schemes[0].state != TUNE_STATE_PAUSED; s++) {
                stall(500000, 0);
                ck_assert_ok(manager_health_tick(m, t += SEC));
        }
        ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_PAUSED);
        ck_assert_uint_ge(s, 10);
        ck_assert_uint_le(s, 12);
        ck_assert_uint_eq(running_quota(p), 1);
        ck_assert_uint_eq(p->tune.pressure.window_stall_usec, 500000);
        status = manager_status_line(m);
        ck_assert_msg(strstr(status, "ceil: paused"), "status: %s", status);

        /* calm */
        for (s = 0; s < 120 && p->tune.schemes[0].state == TUNE_STATE_PAUSED; s++) {
                stall(1000, 0);
                ck_assert_ok(manager_health_tick(m, t += SEC));
        }
        ck_assert_int_ne(p->tune.schemes[0].state, TUNE_STATE_PAUSED);
        ck_assert_uint_ge(s, 59);
        ck_assert_uint_gt(running_quota(p), 1);
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
}
END_TEST

#define USAGE_CONF \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-8G\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=64M\nQuotaResetInterval=1s\n" \
        "[Goal usage]\nScheme=cold\nMetric=cgroup_mem_usage\nCGroup=/work.slice\nTarget=80%\n"

static void cgroup_limits(const char *high, const char *max) {
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/work.slice/memory.high", high));
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/work.slice/memory.max", max));
}

/* A usage goal given as a share of the cgroup's memory.high (memory.max when high is "max"), measured
 * against the limit in force; the cgroup's own pressure guards the profile. */
START_TEST(test_usage_share_of_limit) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        if (!has_commit())
                return;
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/work.slice/memory.current", "943718400\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/work.slice/memory.pressure",
                                            "some avg10=0.00 avg60=0.00 avg300=0.00 total=5000\n"
                                            "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n"));
        cgroup_limits("1073741824\n", "max\n");
        write_conf("usage.conf", USAGE_CONF);
        m = started_manager();
        p = profile(m, "usage");
        ck_assert_str_eq(p->tune.pressure.source, "/work.slice");
        ck_assert_int_eq(p->tune.schemes[0].goals[0].metric, PROFILE_GOAL_CGROUP_MEM_USAGE);
        ck_assert_str_eq(p->tune.schemes[0].goals[0].cgroup, "/work.slice");
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].target, 8000);

        /* 900M of a 1G memory.high */
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].current, 8789);
        /* memory.high lifted: memory.max (2G) counts */
        cgroup_limits("max\n", "2147483648\n");
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].current, 4394);
        /* no limit at all: nothing to be a share of */
        cgroup_limits("max\n", "max\n");
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        ck_assert_uint_eq(p->tune.schemes[0].goals[0].current, TUNE_UNKNOWN);
}
END_TEST

/* Without a goal on a cgroup, what confines a profile to one cgroup's memory names the pressure that
 * guards it: a memcg filter on its pageout scheme, or the cgroup of its only vaddr targets. Two cgroups, or
 * a scheme not confined, leave the system's. */
START_TEST(test_guard_follows_confinement) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *followed;

        if (!has_goals())
                return;
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/batch.slice/memory.pressure",
                                            "some avg10=0.00 avg60=0.00 avg300=0.00 total=5000\n"
                                            "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/other.slice/memory.pressure",
                                            "some avg10=0.00 avg60=0.00 avg300=0.00 total=5000\n"
                                            "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n"));
        write_conf("filtered.conf",
                   "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-5G\n"
                   "[Scheme cold]\nAction=pageout\nQuotaSize=1M\n"
                   "[Filter only]\nScheme=cold\nType=memcg\nMemCG=/batch.slice\nMatching=no\n"
                   "[Goal psi]\nScheme=cold\nMetric=some_mem_psi_us\nTarget=1ms\n");
        write_conf("followed.conf",
                   "[Profile]\nOperations=vaddr\n[Target]\nCGroup=/batch.slice\n"
                   "[Scheme cold]\nAction=pageout\nQuotaSize=1M\n");
        write_conf("two.conf",
                   "[Profile]\nOperations=paddr\n[Target]\nRegion=5G-6G\n"
                   "[Scheme a]\nAction=pageout\nQuotaSize=1M\n"
                   "[Filter a-only]\nScheme=a\nType=memcg\nMemCG=/batch.slice\nMatching=no\n"
                   "[Scheme b]\nAction=pageout\nQuotaSize=1M\n"
                   "[Filter b-only]\nScheme=b\nType=memcg\nMemCG=/other.slice\nMatching=no\n");
        write_conf("partial.conf",
                   "[Profile]\nOperations=paddr\n[Target]\nRegion=6G-7G\n"
                   "[Scheme a]\nAction=pageout\nQuotaSize=1M\n"
                   "[Filter a-only]\nScheme=a\nType=memcg\nMemCG=/batch.slice\nMatching=no\n"
                   "[Scheme b]\nAction=pageout\nQuotaSize=1M\n");
        m = started_manager();
        ck_assert_str_eq(profile(m, "filtered")->tune.pressure.source, "/batch.slice");
        ck_assert_str_eq(profile(m, "two")->tune.pressure.source, "system");
        ck_assert_str_eq(profile(m, "partial")->tune.pressure.source, "system");
        /* no process in the cgroup yet: the profile waits; once it has a tuner, the cgroup guards it */
        followed = manager_find_profile(m, "followed");
        ck_assert_ptr_nonnull(followed);
        if (followed->tune.pressure.source)
                ck_assert_str_eq(followed->tune.pressure.source, "/batch.slice");
}
END_TEST

static void add_named_process(pid_t pid, const char *name) {
        char rel[64], text[64];

        ck_assert_ok(fake_kernel_add_process(k, pid));
        snprintf(rel, sizeof rel, "proc/%d/comm", (int) pid);
        snprintf(text, sizeof text, "%s\n", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, text));
        snprintf(rel, sizeof rel, "proc/%d/cmdline", (int) pid);
        snprintf(text, sizeof text, "/usr/bin/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, text));
}

/* Other updates of a running kdamond (here: a followed process starts) keep what the tuning loop has the
 * kernel apply: a backed-off quota is not lifted behind the tuner's back. */
START_TEST(test_follow_keeps_tuned_quota) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        uint64_t cut;

        if (!has_commit())
                return;
        add_named_process(5000, "worker");
        write_conf("app.conf", "[Profile]\nOperations=vaddr\n[Target]\nProcessName=worker\n"
                   "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=64M\n");
        m = started_manager();
        p = profile(m, "app");
        ck_assert_int_eq(manager_tune_pressure_event(m, NULL, T0 + 100 * MSEC), 1);
        cut = running_quota(p);
        ck_assert_uint_lt(cut, UINT64_C(64) << 20);

        add_named_process(5001, "worker");
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_health_tick(m, T0 + 200 * MSEC));
        ck_assert_uint_eq(p->applied.n_targets, 2);
        /* not even for a moment */
        ck_assert_msg(!strstr(fake_kernel_write_log(k), "quotas/bytes"), "written: %s",
                      fake_kernel_write_log(k));
        ck_assert_uint_eq(running_quota(p), cut);
        ck_assert_uint_eq(p->applied.schemes[0].quota.bytes, cut);
}
END_TEST

/* BackoffPressure=0 in damond.conf, by a reload: no back-off from a window's stall any more. */
START_TEST(test_backoff_off_by_reload) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        if (!has_commit())
                return;
        write_conf("plain.conf", "[Profile]\nOperations=paddr\nPressureCeiling=0\n[Target]\nRegion=4G-8G\n"
                   "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=64M\n");
        m = started_manager();
        p = profile(m, "plain");
        stall(500000, 0);
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_BACKED_OFF);
        ck_assert_uint_lt(running_quota(p), UINT64_C(64) << 20);

        write_conf("damond.conf", "[Damond]\nBackoffPressure=0\n");
        ck_assert_ok(manager_reload(m, T0 + 1500 * MSEC));
        for (unsigned s = 2; s <= 4; s++) {
                stall(500000, 0);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
                /* no goals, no back-off, no ceiling: nothing tunes it */
                ck_assert_int_eq(p->tune.schemes[0].state, TUNE_STATE_NONE);
        }
        ck_assert_uint_eq(running_quota(p), UINT64_C(64) << 20);
}
END_TEST

/* PressureCeiling= is checked like any key. */
START_TEST(test_ceiling_key) {
        _cleanup_(manager_freep) Manager *m = NULL;

        write_conf("bad.conf", "[Profile]\nOperations=paddr\nPressureCeiling=2s\n[Target]\nRegion=4G-8G\n"
                   "[Scheme cold]\nAction=pageout\nQuotaSize=1M\n");
        write_conf("off.conf", "[Profile]\nOperations=paddr\nPressureCeiling=0\n[Target]\nRegion=8G-9G\n"
                   "[Scheme cold]\nAction=pageout\nQuotaSize=1M\n");
        m = started_manager();
        ck_assert_ptr_null(manager_find_profile(m, "bad"));
        ck_assert_ptr_nonnull(strstr(logbuf, "PressureCeiling=2s: a stall per second is at most 1s"));
        ck_assert_uint_eq(profile(m, "off")->tune.pressure.ceiling_usec, 0);
}
END_TEST

int main(void) {
        Suite *s = suite_create("manager-tune");
        TCase *tc = tcase_create("tune");

        log_open();
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_scheme_activity);
        tcase_add_test(tc, test_feed_once_per_reset_interval);
        tcase_add_test(tc, test_nothing_written_when_nothing_changed);
        tcase_add_test(tc, test_own_quota_follows_pressure);
        tcase_add_test(tc, test_trigger_cuts_at_once);
        tcase_add_test(tc, test_unguarded_scheme_untouched);
        tcase_add_test(tc, test_unguardable_goal_kept_paused);
        tcase_add_test(tc, test_ceiling_pause_and_resume);
        tcase_add_test(tc, test_ceiling_key);
        tcase_add_test(tc, test_usage_share_of_limit);
        tcase_add_test(tc, test_guard_follows_confinement);
        tcase_add_test(tc, test_follow_keeps_tuned_quota);
        tcase_add_test(tc, test_decisions_rate_limited);
        tcase_add_test(tc, test_backoff_off_by_reload);
        suite_add_tcase(s, tc);
        return test_run_suite(s);
}
