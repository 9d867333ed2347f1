/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damond at scale on the fake kernel ($DAMOND_FAKE_KERNEL):
 *   - thousands of reloads: every other one commits a changed profile online, every fifth adds or removes
 *     a profile, and every tenth is followed by a health tick (status refresh, tuning). After a warm-up,
 *     damond's resident memory and its open file descriptors stay flat (within a few percent);
 *   - a profile at every budget of the checker starts and reloads: what the checker accepts, damond writes.
 */
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "profile.h"
#include "log.h"
#include "manager.h"
#include "config-validate.h"
#include "operator-verbs.h"
#include "state-file.h"
#include "test-util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)
#if defined(__SANITIZE_ADDRESS__)
#  define SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define SANITIZED 1
#  endif
#endif
#ifndef SANITIZED
#  define SANITIZED 0
#endif

#define N_RELOADS 2000
#define N_WARMUP 200

static FakeKernel *k;

static void log_discard(int level, const LogFields *f, const char *message, void *userdata) {
}

static void write_conf(const char *name, const char *content) {
        char rel[PATH_MAX];

        snprintf(rel, sizeof rel, "etc/damond/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, content));
}

static void remove_conf(const char *name) {
        char p[PATH_MAX];

        snprintf(p, sizeof p, "%s/etc/damond/%s", fake_kernel_root_path(k), name);
        ck_assert_int_eq(unlink(p), 0);
}

static uint64_t rss_kib(void) {
        unsigned long size = 0, resident = 0;
        FILE *f = fopen("/proc/self/statm", "re");

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%lu %lu", &size, &resident), 2);
        fclose(f);
        return (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE) / 1024;
}

static unsigned n_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

#define RECLAIM_CONF(quota) \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=" quota "\n"
#define STAT_CONF "[Profile]\nOperations=paddr\n[Target]\nRegion=auto\n[Scheme all]\nAction=stat\n"

START_TEST(test_reload_soak) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions o = {};
        char dir[PATH_MAX / 2], *dirs[2] = { dir, NULL };
        uint64_t rss_warm = 0, rss_end, rss_max = 0;
        unsigned fds_warm = 0, fds_end;
        size_t writes_warm = 0;

        ck_assert_ok(fake_kernel_new(fake_kernel_gen_from_env(), true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00001000-0009fbff : System RAM\n100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH, "6c5a2e3e-0d7e-4d6f-9c34-2b1f0a5e7c11\n"));
        snprintf(dir, sizeof dir, "%s/etc/damond", fake_kernel_root_path(k));
        write_conf("reclaim.conf", RECLAIM_CONF("64M"));
        write_conf("stat.conf", STAT_CONF);
        o = (ManagerOptions) { .root = fake_kernel_root_path(k), .config_dirs = dirs, .io = fake_kernel_io(k) };
        log_set_hook(log_discard, NULL);
        ck_assert_ok(manager_new(&o, &m));
        ck_assert_int_eq(manager_start(m, T0), 0);

        for (unsigned i = 1; i <= N_RELOADS; i++) {
                uint64_t now = T0 + i * SEC;

                write_conf("reclaim.conf", i % 2 ? RECLAIM_CONF("32M") : RECLAIM_CONF("64M"));
                if (i % 10 == 5)
                        write_conf("extra.conf", STAT_CONF);
                else if (i % 10 == 0)
                        remove_conf("extra.conf");
                ck_assert_ok(manager_reload(m, now));
                if (i % 10 == 0)
                        ck_assert_ok(manager_health_tick(m, now + SEC / 2));
                ck_assert_int_eq(manager_find_profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
                ck_assert_msg(manager_last_load(m)->valid, "reload %u: %s", i, manager_last_load(m)->summary);
                ck_assert_uint_le(strlen(fake_kernel_write_log(k)), FAKE_KERNEL_WRITE_LOG_MAX);
                /* damond's memory is measured, not the log's (test-fake-kernel checks that it is bounded) */
                if (i % 100 == 0)
                        fake_kernel_clear_write_log(k);
                if (i == N_WARMUP) {
                        rss_warm = rss_kib();
                        fds_warm = n_fds();
                        writes_warm = fake_kernel_n_writes(k);
                }
                if (i > N_WARMUP)
                        rss_max = MAX(rss_max, rss_kib());
        }
        rss_end = rss_kib();
        fds_end = n_fds();
        log_set_hook(NULL, NULL);
        fprintf(stderr, "%u reloads (%zu kernel writes after the warm-up): RSS %" PRIu64 " KiB after %u, %"
                PRIu64 " KiB at the end (at most %" PRIu64 " KiB), fds %u and %u, write log %zu bytes\n",
                N_RELOADS, fake_kernel_n_writes(k) - writes_warm, rss_warm, N_WARMUP, rss_end, rss_max,
                fds_warm, fds_end, strlen(fake_kernel_write_log(k)));
        /* every reload committed something: the kernel was written to throughout */
        ck_assert_uint_gt(fake_kernel_n_writes(k) - writes_warm, N_RELOADS - N_WARMUP);
        /* AddressSanitizer keeps freed memory in quarantine, so RSS grows there by design; LeakSanitizer
         * checks that build for leaks instead */
        if (!SANITIZED)
                ck_assert_uint_le(rss_max, rss_warm + rss_warm / 20);
        ck_assert_uint_eq(fds_end, fds_warm);
        k = fake_kernel_free(k);
}
END_TEST

/* A profile at every budget of the checker (include/profile.h: schemes, goals, filters, regions) is one that
 * damond can write: it starts, and a reload commits a change to it. */
START_TEST(test_budget_maximum_runs) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *conf = NULL;
        ManagerOptions o = {};
        char dir[PATH_MAX / 2], *dirs[2] = { dir, NULL }, buf[64];
        ManagedProfile *p;
        size_t size = 0;
        FILE *f;

        ck_assert_ok(fake_kernel_new(fake_kernel_gen_from_env(), true, &k));
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH, "6c5a2e3e-0d7e-4d6f-9c34-2b1f0a5e7c11\n"));
        snprintf(dir, sizeof dir, "%s/etc/damond", fake_kernel_root_path(k));
        for (unsigned version = 0; version < 2; version++) {
                f = open_memstream(&conf, &size);
                ck_assert_ptr_nonnull(f);
                fputs("[Profile]\nOperations=paddr\n[Target]\n", f);
                for (uint64_t i = 0; i < PROFILE_REGIONS_MAX; i++)
                        fprintf(f, "Region=0x%" PRIx64 "-0x%" PRIx64 "\n", (UINT64_C(4) << 30) + (i << 21),
                                (UINT64_C(4) << 30) + (i << 21) + (UINT64_C(1) << 20));
                for (unsigned i = 0; i < PROFILE_SCHEMES_MAX; i++)
                        fprintf(f, "[Scheme s%u]\nAction=pageout\nMinAge=10s\nQuotaSize=%uM\n", i,
                                version == 1 && i == 7 ? 32 : 64);
                for (unsigned i = 0; i < PROFILE_GOALS_MAX; i++)
                        fprintf(f, "[Goal g%u]\nScheme=s%u\nMetric=some_mem_psi_us\nTarget=1ms\n", i,
                                i % PROFILE_SCHEMES_MAX);
                for (unsigned i = 0; i < PROFILE_FILTERS_MAX; i++)
                        fprintf(f, "[Filter f%u]\nScheme=s%u\nType=anon\nMatching=%s\n", i, i % PROFILE_SCHEMES_MAX,
                                i < PROFILE_SCHEMES_MAX ? "yes" : "no");
                ck_assert_int_eq(fclose(f), 0);
                write_conf("big.conf", conf);
                conf = mfree(conf);
                if (version == 0) {
                        o = (ManagerOptions) { .root = fake_kernel_root_path(k), .config_dirs = dirs,
                                               .io = fake_kernel_io(k) };
                        ck_assert_ok(manager_new(&o, &m));
                        ck_assert_int_eq(manager_start(m, T0), 0);
                } else
                        ck_assert_ok(manager_reload(m, T0 + SEC));
                p = manager_find_profile(m, "big");
                ck_assert_ptr_nonnull(p);
                ck_assert_msg(p->state == PROFILE_RUN_RUNNING, "%s", p->reason ?: "");
                ck_assert_msg(manager_last_load(m)->valid, "%s", manager_last_load(m)->summary);
        }
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) p->kdamond, "contexts/0/schemes/nr_schemes", buf,
                                               sizeof buf));
        ck_assert_uint_eq(strtoul(buf, NULL, 10), PROFILE_SCHEMES_MAX);
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) p->kdamond, "contexts/0/targets/0/regions/nr_regions",
                                               buf, sizeof buf));
        ck_assert_uint_eq(strtoul(buf, NULL, 10), PROFILE_REGIONS_MAX);
        if (damon_features_has(manager_features(m), DAMON_FEATURE_COMMIT)) {
                ck_assert_ok(fake_kernel_running_value(k, (unsigned) p->kdamond, "contexts/0/schemes/7/quotas/bytes",
                                                       buf, sizeof buf));
                ck_assert_str_eq(buf, "33554432");
        }
        manager_free(TAKE_PTR(m));
        k = fake_kernel_free(k);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("manager-soak");
        TCase *tc = tcase_create("manager-soak");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_reload_soak);
        tcase_add_test(tc, test_budget_maximum_runs);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
