/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every kernel write the Manager makes, failed one at a time, once per kernel generation
 * ($DAMOND_FAKE_KERNEL). For each step (a start-up; an online reload; the tuning loop's goal feedback; a
 * status refresh's update_* commands) a first run counts the writes the step makes, then the step is run
 * again once per write with that write failing. After each faulted step:
 *   - no half-applied kdamond is on: every kdamond that runs belongs to a running profile, and what the
 *     kernel runs is exactly what damond says it applied (the spec's sysfs image against the fake's
 *     running configuration);
 *   - a reload that failed leaves the previous version running, and says why (the profile's reason and
 *     the reload's diagnostics);
 *   - a profile that does not run says why;
 *   - once the fault is gone, the next retry (health ticks, or the same reload again) brings every profile
 *     to what its files say.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damon-image.h"
#include "damon-sysfs.h"
#include "fake-kernel.h"
#include "log.h"
#include "manager.h"
#include "config-validate.h"
#include "operator-verbs.h"
#include "state-file.h"
#include "test-util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)
#define BOOT_ID "6c5a2e3e-0d7e-4d6f-9c34-2b1f0a5e7c11"

static FakeKernelGen gen;
static FakeKernel *k;
static char confdir[PATH_MAX / 2];
static char *config_dirs[2];
static uint64_t psi_some, psi_full;
static char logbuf[1 << 16];
static char current_fault[512];      /* the fault of the step under way, for messages */

static void log_capture(int level, const LogFields *f, const char *message, void *userdata) {
        size_t n = strlen(logbuf);

        if (level <= LOG_WARNING)
                snprintf(logbuf + n, sizeof logbuf - n, "%s\n", message);
}

static void write_conf(const char *name, const char *content) {
        char rel[PATH_MAX];

        snprintf(rel, sizeof rel, "etc/damond/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, content));
}

static void stall(uint64_t some_usec, uint64_t full_usec) {
        char buf[256];

        psi_some += some_usec;
        psi_full += full_usec;
        snprintf(buf, sizeof buf,
                 "some avg10=1.00 avg60=0.50 avg300=0.10 total=%" PRIu64 "\n"
                 "full avg10=0.50 avg60=0.20 avg300=0.05 total=%" PRIu64 "\n", psi_some, psi_full);
        ck_assert_ok(fake_kernel_write_file(k, "proc/pressure/memory", buf));
}

#define RECLAIM_CONF(quota, age) \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=" age "\nQuotaSize=" quota "\n"
#define STAT_CONF "[Profile]\nOperations=paddr\n[Target]\nRegion=auto\n[Scheme all]\nAction=stat\n"
#define FEED_CONF \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4G-8G\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaTime=10ms\nQuotaResetInterval=2s\n" \
        "[Goal full]\nScheme=cold\nMetric=mem_psi_full_us\nTarget=2ms\n"

static void kernel_new(void) {
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00001000-0009fbff : System RAM\n100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH, BOOT_ID "\n"));
        snprintf(confdir, sizeof confdir, "%s/etc/damond", fake_kernel_root_path(k));
        config_dirs[0] = confdir;
        config_dirs[1] = NULL;
        psi_some = psi_full = 0;
        stall(0, 0);
        logbuf[0] = '\0';
}

static Manager *manager_started(void) {
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

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        log_set_hook(log_capture, NULL);
        log_set_max_level(LOG_DEBUG);
}

static void teardown(void) {
        log_set_hook(NULL, NULL);
        k = fake_kernel_free(k);
}

/* --- what the kernel runs against what damond says it applied --- */

static const char *running_value(const char *config, const char *rel, char *buf, size_t size) {
        size_t len = strlen(rel);

        for (const char *l = config; l && *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
                size_t vlen;

                if (strncmp(l, rel, len) != 0 || l[len] != '=')
                        continue;
                vlen = MIN(strcspn(l + len + 1, "\n"), size - 1);
                memcpy(buf, l + len + 1, vlen);
                buf[vlen] = '\0';
                return buf;
        }
        return NULL;
}

static bool values_equal(const ImageEntry *e, const char *running) {
        char *end;

        if (e->kind == IMAGE_BOOL) {
                bool a = strchr("Yy1", e->value[0]) != NULL, b = strchr("Yy1", running[0]) != NULL;

                return a == b;
        }
        if (e->kind == IMAGE_NR || e->kind == IMAGE_U64 || e->kind == IMAGE_S64) {
                long long a = strtoll(e->value, &end, 0), b;

                if (*end)
                        return false;
                b = strtoll(running, &end, 0);
                return !*end && a == b;
        }
        return streq(e->value, running);
}

/* Whether kdamond @index runs @spec as the kernel took it at its last on/commit; *why says what differs. */
static bool runs_spec(Manager *m, unsigned index, const DamonSpec *spec, char *why, size_t size) {
        _Static_assert(DAMON_IMAGE_PATH_MAX + 2 * DAMON_IMAGE_VALUE_MAX < 1024, "why[]");
        const char *config = fake_kernel_running_config(k, index);
        DamonImage img = {};
        bool same = true;

        ck_assert_ok(damon_image_build(spec, &img));
        for (size_t i = 0; same && i < img.n; i++) {
                const ImageEntry *e = &img.entries[i];
                char buf[DAMON_IMAGE_VALUE_MAX + 2];

                if (e->kernel_tuned ||
                    (e->file_feature >= 0 && !damon_features_has(manager_features(m), e->file_feature)))
                        continue;
                if (!running_value(config, e->path, buf, sizeof buf))
                        snprintf(why, size, "%s: not in the running configuration", e->path);
                else if (!values_equal(e, buf))
                        snprintf(why, size, "%s: runs %s, damond applied %s", e->path, buf, e->value);
                else
                        continue;
                same = false;
        }
        damon_image_done(&img);
        return same;
}

/* The invariants after any step, faulted or not. @fault names the failed write for messages. */
static void check_consistent(Manager *m, const char *fault) {
        char why[1024];
        unsigned nr = 0;

        {
                char buf[32];

                ck_assert_ok(damon_io_read(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/nr_kdamonds", buf, sizeof buf));
                nr = (unsigned) strtoul(buf, NULL, 10);
        }
        for (unsigned i = 0; i < nr; i++) {
                ManagedProfile *owner = NULL;

                for (size_t j = 0; j < manager_n_profiles(m); j++)
                        if (manager_profile(m, j)->kdamond == (int) i)
                                owner = manager_profile(m, j);
                if (!fake_kernel_kdamond_on(k, i))
                        continue;
                ck_assert_msg(owner && owner->state == PROFILE_RUN_RUNNING,
                              "%s: kdamond %u is on, but no running profile owns it (%s)", fault, i,
                              owner ? profile_run_state_to_string(owner->state) : "no owner");
                ck_assert_msg(owner->has_applied, "%s: profile '%s' runs, nothing applied", fault, owner->name);
                if (!owner->commit_pending)
                        ck_assert_msg(runs_spec(m, i, &owner->applied, why, sizeof why),
                                      "%s: profile '%s' on kdamond %u: %s", fault, owner->name, i, why);
        }
        for (size_t j = 0; j < manager_n_profiles(m); j++) {
                ManagedProfile *p = manager_profile(m, j);

                if (p->state == PROFILE_RUN_RUNNING)
                        ck_assert_msg(p->kdamond >= 0 && fake_kernel_kdamond_on(k, (unsigned) p->kdamond),
                                      "%s: profile '%s' said running, its kdamond %d is off", fault, p->name,
                                      p->kdamond);
                else
                        ck_assert_msg(p->reason && p->reason[0], "%s: profile '%s' is %s and says not why",
                                      fault, p->name, profile_run_state_to_string(p->state));
        }
}

static void check_all_running(Manager *m, const char *fault) {
        for (size_t j = 0; j < manager_n_profiles(m); j++) {
                ManagedProfile *p = manager_profile(m, j);

                ck_assert_msg(p->state == PROFILE_RUN_RUNNING, "%s: after the fault, profile '%s' is %s: %s",
                              fault, p->name, profile_run_state_to_string(p->state), p->reason ?: "");
                ck_assert_msg(!p->reason, "%s: profile '%s' runs and still says '%s'", fault, p->name,
                              p->reason);
        }
        check_consistent(m, fault);
}

/* The write @n of the step's writes, from its log, for messages. */
static void nth_line(const char *log, size_t n, char *buf, size_t size) {
        for (size_t i = 0; i < n && *log; i++)
                log += strcspn(log, "\n") + (log[strcspn(log, "\n")] == '\n');
        snprintf(buf, size, "write %zu '%.*s'", n, (int) strcspn(log, "\n"), log);
}

/* --- the walk --- */

typedef struct Step {
        const char *name;
        void (*prepare)(void);          /* configuration files, before the start */
        Manager *(*before)(void);       /* start-up and what comes before the step */
        void (*step)(Manager *m);
        void (*check)(Manager *m, const char *fault);   /* after the faulted step */
        void (*recover)(Manager *m, const char *fault); /* fault gone: back to what the files say */
} Step;

/* The kernel's answers that mean "refused": EBUSY is not among them, since damond retries it (damon-io.c);
 * ENOMEM is the kernel's (a memcg path that does not exist...), not damond's own memory. */
static const int errors[] = { -EIO, -EINVAL, -ENOMEM };

static unsigned walk(const Step *s) {
        _cleanup_free_ char *log = NULL;
        size_t n;
        Manager *m;

        /* count the step's writes */
        snprintf(current_fault, sizeof current_fault, "%s: no fault", s->name);
        kernel_new();
        s->prepare();
        m = s->before();
        fake_kernel_clear_write_log(k);
        n = fake_kernel_n_write_attempts(k);
        s->step(m);
        n = fake_kernel_n_write_attempts(k) - n;
        log = strdup(fake_kernel_write_log(k));
        if (getenv("FAULTS_DEBUG"))     /* FAULTS_DEBUG=1: the writes of each step on stderr */
                fprintf(stderr, "%s: %zu writes:\n%s", s->name, n, log);
        ck_assert_ptr_nonnull(log);
        check_consistent(m, "no fault");
        manager_free(m);
        k = fake_kernel_free(k);

        for (size_t i = 0; i < n; i++)
                for (size_t e = 0; e < ELEMENTSOF(errors); e++) {
                        char fault[512], what[400];

                        kernel_new();
                        s->prepare();
                        m = s->before();
                        nth_line(log, i, what, sizeof what);
                        snprintf(fault, sizeof fault, "%s@%s: %s failing with %s", s->name,
                                 fake_kernel_gen_to_string(gen), what, strerrorname_np(-errors[e]));
                        fake_kernel_clear_write_log(k);
                        fake_kernel_inject_nth_write_error(k, i, errors[e]);
                        snprintf(current_fault, sizeof current_fault, "%s", fault);
                        s->step(m);
                        ck_assert_msg(strstr(fake_kernel_write_log(k), " -> -"), "%s: the fault was not hit:\n%s",
                                      fault, fake_kernel_write_log(k));
                        fake_kernel_clear_injections(k);
                        s->check(m, fault);
                        s->recover(m, fault);
                        manager_free(m);
                        k = fake_kernel_free(k);
                }
        return (unsigned) n;
}

/* start-up */

static void prepare_two(void) {
        write_conf("reclaim.conf", RECLAIM_CONF("64M", "10s"));
        write_conf("stat.conf", STAT_CONF);
}

static Manager *before_nothing(void) {
        ManagerOptions o = {
                .root = fake_kernel_root_path(k),
                .config_dirs = config_dirs,
                .io = fake_kernel_io(k),
        };
        Manager *m = NULL;

        ck_assert_ok(manager_new(&o, &m));
        return m;
}

/* A failed write of the feature probe (it stages in a stopped kdamond of ours and restores it) stops damond:
 * compiling the profiles for features it could not see would be worse. systemd starts it again. */
static bool start_exited;

static void step_start(Manager *m) {
        int r = manager_start(m, T0);

        start_exited = r < 0;
        ck_assert_msg(r == 0 || (r < 0 && strstr(logbuf, "Failed to probe the kernel's DAMON features")),
                      "%s: start returned %d\n%s", current_fault, r, logbuf);
}

static void check_start(Manager *m, const char *fault) {
        check_consistent(m, fault);
        if (start_exited)
                for (unsigned i = 0; i < 8; i++)
                        ck_assert_msg(!fake_kernel_kdamond_on(k, i), "%s: damond exited, kdamond %u is on", fault, i);
}

static void recover_by_ticks(Manager *m, const char *fault) {
        if (start_exited) {
                _cleanup_(manager_freep) Manager *again = manager_started();

                check_all_running(again, fault);
                return;
        }
        ck_assert_ok(manager_health_tick(m, T0 + MANAGER_RETRY_USEC + SEC));
        ck_assert_ok(manager_health_tick(m, T0 + 2 * MANAGER_BACKOFF_MAX_USEC));
        check_all_running(m, fault);
}

START_TEST(test_fault_start) {
        Step s = { "start", prepare_two, before_nothing, step_start, check_start, recover_by_ticks };

        ck_assert_uint_gt(walk(&s), 4);
}
END_TEST

/* an online reload (a restart before 5.19) of a changed profile */

static Manager *before_started(void) {
        Manager *m = manager_started();

        ck_assert_int_eq(manager_find_profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
        write_conf("reclaim.conf", RECLAIM_CONF("32M", "20s"));
        return m;
}

static void step_reload(Manager *m) {
        int r = manager_reload(m, T0 + SEC);

        ck_assert_msg(r == 0, "%s: reload returned %d", current_fault, r);
}

static uint64_t running_quota(ManagedProfile *p) {
        char buf[64];

        ck_assert_ok(fake_kernel_running_value(k, (unsigned) p->kdamond, "contexts/0/schemes/0/quotas/bytes",
                                               buf, sizeof buf));
        return strtoull(buf, NULL, 10);
}

static void check_reload(Manager *m, const char *fault) {
        ManagedProfile *p = manager_find_profile(m, "reclaim");
        const LoadRecord *l = manager_last_load(m);
        bool said = false;

        check_consistent(m, fault);
        ck_assert_msg(p->state == PROFILE_RUN_RUNNING, "%s: reclaim is %s after a failed reload: %s", fault,
                      profile_run_state_to_string(p->state), p->reason ?: "");
        if (running_quota(p) == UINT64_C(32) << 20)
                return; /* the fault did not keep the new version from running */
        ck_assert_uint_eq(running_quota(p), UINT64_C(64) << 20);
        if (p->commit_pending)
                return; /* deferred, and retried every tick */
        /* the previous version runs: the profile and the reload say why */
        ck_assert_msg(p->reason && strstr(p->reason, "previous version"), "%s: reclaim runs its previous "
                      "version and says '%s'", fault, p->reason ?: "");
        for (size_t i = 0; l->diagnostics && l->diagnostics[i]; i++)
                said = said || strstr(l->diagnostics[i], "reclaim");
        ck_assert_msg(said && !l->valid, "%s: the reload does not say that reclaim kept its previous version",
                      fault);
}

static void recover_by_reload(Manager *m, const char *fault) {
        ManagedProfile *p;

        ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        p = manager_find_profile(m, "reclaim");
        check_all_running(m, fault);
        ck_assert_msg(running_quota(p) == UINT64_C(32) << 20, "%s: the reload after the fault runs %" PRIu64,
                      fault, running_quota(p));
        ck_assert(manager_last_load(m)->valid);
}

START_TEST(test_fault_reload) {
        Step s = { "reload", prepare_two, before_started, step_reload, check_reload, recover_by_reload };

        ck_assert_uint_gt(walk(&s), 1);
}
END_TEST

/* the tuning loop's goal feedback (commit_schemes_quota_goals; damond's own quota without goals) */

static void prepare_feed(void) {
        write_conf("feed.conf", FEED_CONF);
}

static Manager *before_fed(void) {
        Manager *m = manager_started();

        stall(3000, 1700);
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        stall(3000, 1700);
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        stall(3000, 1700);
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        /* calm windows (of QuotaResetInterval=2s) raise 6.1's emulated quota from one page to two (1.5
         * pages is still one whole page); the step's window has more stall than the goal allows: a new
         * value to feed, and on 6.1 a lower quota, each a write to fail */
        for (unsigned s = 4; s <= 9; s++) {
                stall(3000, 150);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        }
        stall(3000, 1200);
        return m;
}

static void step_feed(Manager *m) {
        int r = manager_health_tick(m, T0 + 10 * SEC);

        ck_assert_msg(r == 0, "%s: the health tick returned %d", current_fault, r);
}

static void check_feed(Manager *m, const char *fault) {
        check_consistent(m, fault);
        ck_assert_int_eq(manager_find_profile(m, "feed")->state, PROFILE_RUN_RUNNING);
}

static void recover_feed(Manager *m, const char *fault) {
        for (unsigned s = 11; s <= 15; s++) {
                stall(3000, s % 2 ? 1700 : 150);
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
                check_consistent(m, fault);
        }
        check_all_running(m, fault);
}

START_TEST(test_fault_feed) {
        Step s = { "feed", prepare_feed, before_fed, step_feed, check_feed, recover_feed };

        if (gen == FAKE_GEN_5_18)
                return; /* no online commit: nothing is fed */
        ck_assert_uint_gt(walk(&s), 0);
}
END_TEST

/* the status refresh's state commands (update_schemes_stats, ...) */

static void step_status(Manager *m) {
        for (size_t j = 0; j < manager_n_profiles(m); j++)
                (void) manager_refresh_status(m, manager_profile(m, j), T0 + 20 * SEC, true);
}

static void check_status(Manager *m, const char *fault) {
        check_consistent(m, fault);
        for (size_t j = 0; j < manager_n_profiles(m); j++)
                ck_assert_int_eq(manager_profile(m, j)->state, PROFILE_RUN_RUNNING);
}

static void recover_status(Manager *m, const char *fault) {
        step_status(m);
        ck_assert_ok(manager_health_tick(m, T0 + 21 * SEC));
        check_all_running(m, fault);
}

START_TEST(test_fault_status) {
        Step s = { "status", prepare_two, manager_started, step_status, check_status, recover_status };

        (void) walk(&s);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("manager-faults");
        TCase *tc = tcase_create("manager-faults");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_fault_start);
        tcase_add_test(tc, test_fault_reload);
        tcase_add_test(tc, test_fault_feed);
        tcase_add_test(tc, test_fault_status);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
