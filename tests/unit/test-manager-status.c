/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How often damond reads its kdamonds' stats (manager_refresh_status()), once per fake kernel generation:
 * the state command that refreshes them blocks the event loop on kernels without refresh_ms, so it must
 * stay rare there, while kernels with refresh_ms keep the files fresh by themselves.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "log.h"
#include "manager.h"
#include "test-util.h"
#include "test-manager-util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)

static FakeKernel *k;
static TestConfigDirs confdirs;
static char **config_dirs;

static void setup(void) {
        ck_assert_ok(fake_kernel_new(fake_kernel_gen_from_env(), true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem", "100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/stat.conf",
                "[Profile]\nOperations=paddr\n[Target]\nRegion=auto\n[Scheme all]\nAction=stat\n"));
        config_dirs = test_config_dirs(&confdirs, k);
        log_set_max_level(LOG_ERR);
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

static Manager *start_manager(void) {
        return test_manager_start(k, config_dirs, T0, "stat");
}

static unsigned count_in_log(const char *needle) {
        unsigned n = 0;

        for (const char *s = fake_kernel_write_log(k); (s = strstr(s, needle)); s += strlen(needle))
                n++;
        return n;
}

static bool has_refresh_ms(void) {
        return fake_kernel_gen(k) >= FAKE_GEN_6_17;
}

/* A minute of health ticks: where a stats refresh blocks, at most one every 10 s; with refresh_ms, damond
 * sets it to StatusInterval= and never sends the command. */
START_TEST(test_periodic_refresh) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        char buf[64];

        fake_kernel_clear_write_log(k);
        for (unsigned s = 1; s <= 60; s++)
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        if (has_refresh_ms()) {
                ck_assert_ok(fake_kernel_running_value(k, 0, "refresh_ms", buf, sizeof buf));
                ck_assert_str_eq(buf, "1000");
                ck_assert_uint_eq(count_in_log("state update_schemes_stats"), 0);
        } else {
                unsigned n = count_in_log("state update_schemes_stats");

                ck_assert_uint_ge(n, 5);
                ck_assert_uint_le(n, 7);
        }
}
END_TEST

/* A reader that asks (D-Bus) gets numbers at most StatusInterval= old, and never two reads within it. */
START_TEST(test_on_demand_refresh) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        ManagedProfile *p = manager_find_profile(m, "stat");

        ck_assert_int_eq(manager_refresh_status(m, p, T0 + SEC, true), 1);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + SEC + SEC / 2, true), 0);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + 2 * SEC, true), 1);
        fake_kernel_clear_write_log(k);
        /* the periodic refresh right after an on-demand one adds nothing */
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC + SEC / 10));
        ck_assert_uint_eq(count_in_log("state update_schemes_stats"), 0);
}
END_TEST

static uint64_t sz_applied(unsigned scheme) {
        char path[PATH_MAX];
        unsigned long long v = 0;
        FILE *f;

        snprintf(path, sizeof path, "%s/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/%u/stats/sz_applied",
                 fake_kernel_root_path(k), scheme);
        f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%llu", &v), 1);
        fclose(f);
        return v;
}

/* STATUS= says what the profile did in the last minute: the growth of the kernel's sz_applied between two
 * readings a minute apart, not the total since the kdamond started, and not what a stat scheme counted
 * (it acts on nothing). */
START_TEST(test_applied_last_minute) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        ManagedProfile *p = manager_find_profile(m, "stat");
        _cleanup_free_ char *line = NULL;
        uint64_t before;

        ck_assert_int_eq(manager_refresh_status(m, p, T0 + SEC, true), 1);
        ck_assert(!p->has_last_window);
        before = sz_applied(0);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + 61 * SEC, true), 1);
        ck_assert(p->has_last_window);
        /* the stat scheme's counter grew, but it acted on nothing */
        ck_assert_uint_gt(sz_applied(0), before);
        ck_assert_uint_eq(p->applied_last_window, 0);
        line = manager_status_line(m);
        ck_assert_ptr_nonnull(strstr(line, "(stat: "));
        ck_assert_ptr_nonnull(strstr(line, " applied in the last minute)"));
}
END_TEST

/* STATUS= and damonctl print a size with the one formatter (format_bytes()): truncated, so that both show
 * 1048575 bytes as "1023.9K" (tests/damonctl/golden/units.txt pins damonctl's side), never "1024.0K". */
START_TEST(test_status_bytes_as_damonctl) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        ManagedProfile *p = manager_find_profile(m, "stat");
        _cleanup_free_ char *line = NULL;

        p->has_last_window = true;
        p->applied_last_window = 1048575;
        line = manager_status_line(m);
        ck_assert_ptr_nonnull(strstr(line, "(stat: 1023.9K applied in the last minute)"));
}
END_TEST

/* Every scheme off by its watermarks: before 6.14 a refresh would wait for the kdamond's next watermark
 * check with the loop (and every D-Bus caller) blocked, and the stats cannot change anyway: not read. */
START_TEST(test_no_refresh_while_watermarks_off) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/stat.conf",
                "[Profile]\nOperations=paddr\n[Target]\nRegion=auto\n[Scheme all]\nAction=stat\n"
                "Watermarks=free_mem_rate\nWatermarkHigh=50%\nWatermarkMid=40%\nWatermarkLow=0%\n"));
        fake_kernel_set_free_mem_permil(k, 300);
        m = start_manager();
        p = manager_find_profile(m, "stat");
        fake_kernel_set_free_mem_permil(k, 900);
        fake_kernel_clear_write_log(k);
        if (has_refresh_ms()) {
                ck_assert_int_eq(manager_refresh_status(m, p, T0 + SEC, true), 1);
                return;
        }
        if (fake_kernel_gen(k) < FAKE_GEN_6_1)
                return;         /* 5.18: no online commit, no such wait */
        /* read once while active (30% free), then 90% free: the next refresh keeps those numbers */
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + SEC / 2, true), 1);
        fake_kernel_set_free_mem_permil(k, 900);
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + 5 * SEC / 2, true), 0);
        ck_assert_uint_eq(count_in_log("state update_"), 0);
        /* the status says its numbers are as of the last read */
        ck_assert_ptr_nonnull(p->tune.schemes[0].activity);
        ck_assert_msg(strstr(p->tune.schemes[0].activity, "idle: free memory") &&
                      strstr(p->tune.schemes[0].activity, "statistics as of their last update, 2s ago"),
                      "%s", p->tune.schemes[0].activity);
        /* active again (30% free): read */
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert_int_eq(manager_refresh_status(m, p, T0 + 5 * SEC, true), 1);
        ck_assert_uint_ge(count_in_log("state update_schemes_stats"), 1);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("manager-status");
        TCase *tc = tcase_create("refresh");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_periodic_refresh);
        tcase_add_test(tc, test_on_demand_refresh);
        tcase_add_test(tc, test_applied_last_minute);
        tcase_add_test(tc, test_status_bytes_as_damonctl);
        tcase_add_test(tc, test_no_refresh_while_watermarks_off);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
