/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "damon-modules.h"
#include "fake-kernel.h"
#include "test-util.h"

#define RECLAIM_DIR "sys/module/damon_reclaim/parameters/"

static FakeKernel *k;
static DamonIO *io;
static FakeKernelGen gen;

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        io = fake_kernel_io(k);
}

static void teardown(void) {
        k = fake_kernel_free(k);
        io = NULL;
}

/* What damond reads of a module: present, enabled, its kdamond's pid. */
START_TEST(test_read_state) {
        DamonModuleState st;

        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_RECLAIM, &st));
        ck_assert(st.present && !st.enabled);
        ck_assert(st.has_kdamond_pid);
        ck_assert_int_eq(st.kdamond_pid, -1);
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_RECLAIM, &st));
        ck_assert(st.present && st.enabled);
        ck_assert_int_gt(st.kdamond_pid, 0);

        /* a module the kernel does not have */
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_STAT, &st));
        ck_assert(!st.present && !st.enabled);
        ck_assert_int_eq(damon_module_read_state(io, (DamonModule) 42, &st), -EINVAL);
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
}
END_TEST

START_TEST(test_holder) {
        DamonModule m = _DAMON_MODULE_INVALID;

        ck_assert_int_eq(damon_modules_holder(io, &m), 0);
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_int_eq(m, DAMON_MODULE_RECLAIM);
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, false));

        /* a kdamond that stopped still has a pid until it exits: it still holds DAMON */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "4242\n"));
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "-1\n"));
        ck_assert_int_eq(damon_modules_holder(io, &m), 0);
}
END_TEST

START_TEST(test_percentiles) {
        int64_t v[DAMON_STAT_N_PERCENTILES];
        char buf[2048] = "";
        size_t len = 0;

        for (int i = 0; i < DAMON_STAT_N_PERCENTILES; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "", i * 100 - 500);
        strcat(buf, "\n");
        ck_assert_ok(damon_stat_parse_percentiles(buf, v));
        ck_assert_int_eq(v[0], -500);
        ck_assert_int_eq(v[5], 0);
        ck_assert_int_eq(v[100], 9500);

        ck_assert_int_eq(damon_stat_parse_percentiles("1,2,3", v), -EINVAL);
        strcat(buf, ",1");
        ck_assert_int_eq(damon_stat_parse_percentiles(buf, v), -EINVAL);
        buf[len] = '\0';
        strcat(buf, ",");
        ck_assert_int_eq(damon_stat_parse_percentiles(buf, v), -EINVAL);
        ck_assert_int_eq(damon_stat_parse_percentiles("", v), -EINVAL);
}
END_TEST

#define STAT_DIR "sys/module/damon_stat/parameters/"

/* DAMON_STAT (6.17+) as a kernel built with CONFIG_DAMON_STAT_ENABLED_DEFAULT=y shows it: enabled at
 * boot, no kdamond_pid, no commit_inputs, results in read-only parameters. */
static void add_stat_module(bool enabled) {
        char percentiles[1024] = "";
        size_t len = 0;

        for (int i = 0; i < DAMON_STAT_N_PERCENTILES; i++)
                len += (size_t) snprintf(percentiles + len, sizeof(percentiles) - len, "%s%d",
                                         i ? "," : "", i < 10 ? -100 : i * 10);
        strcat(percentiles, "\n");
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "enabled", enabled ? "Y\n" : "N\n"));
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "estimated_memory_bandwidth", "123456789\n"));
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "memory_idle_ms_percentiles", percentiles));
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "aggr_interval_us", "100000\n"));
}

START_TEST(test_stat_module) {
        DamonModuleState st;
        DamonModule m;

        add_stat_module(true);
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_STAT, &st));
        ck_assert(st.present && st.enabled);
        ck_assert(!st.has_kdamond_pid);
        ck_assert_int_eq(st.kdamond_pid, -1);

        /* enabled by default, it holds DAMON */
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_int_eq(m, DAMON_MODULE_STAT);
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
}
END_TEST

START_TEST(test_stat_readout) {
        DamonStatReadout o;
        DamonModuleState st;
        int64_t pid;

        ck_assert_ok(damon_stat_read(io, &o));
        ck_assert(!o.present && !o.enabled && !o.has_percentiles);

        add_stat_module(true);
        ck_assert_ok(fake_kernel_write_file(k, "proc/77/comm", "kdamond.0\n"));
        ck_assert_ok(damon_stat_read(io, &o));
        ck_assert(o.present && o.enabled && o.has_percentiles);
        ck_assert_int_eq(o.kdamond_pid, 77);
        ck_assert_uint_eq(o.aggr_interval_us, 100000);
        ck_assert_uint_eq(o.bandwidth, 123456789);
        ck_assert_int_eq(o.idle_ms[0], -100);
        ck_assert_int_eq(o.idle_ms[50], 500);
        ck_assert_int_eq(o.idle_ms[100], 1000);

        /* 7.2's kdamond_pid wins over the thread's name */
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "kdamond_pid", "4242\n"));
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_STAT, &st));
        ck_assert_int_eq(damon_module_kdamond_pid(io, DAMON_MODULE_STAT, &st, &pid), 1);
        ck_assert_int_eq(pid, 4242);

        /* a percentiles file that does not parse is not passed on */
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "memory_idle_ms_percentiles", "1,2\n"));
        ck_assert_int_eq(damon_stat_read(io, &o), -EBADMSG);

        /* off: nothing but that */
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "enabled", "N\n"));
        ck_assert_ok(fake_kernel_write_file(k, STAT_DIR "kdamond_pid", "-1\n"));
        ck_assert_ok(damon_stat_read(io, &o));
        ck_assert(o.present && !o.enabled && !o.has_percentiles);
        ck_assert_int_eq(o.kdamond_pid, -1);
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
}
END_TEST

static Suite *modules_suite(void) {
        Suite *s = suite_create("damon-modules");
        TCase *tc = tcase_create("damon-modules");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_read_state);
        tcase_add_test(tc, test_holder);
        tcase_add_test(tc, test_percentiles);
        tcase_add_test(tc, test_stat_module);
        tcase_add_test(tc, test_stat_readout);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(modules_suite());
}
