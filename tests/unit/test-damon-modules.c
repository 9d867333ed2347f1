/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "damon-modules.h"
#include "fake-kernel.h"
#include "test-util.h"

#define RECLAIM_DIR "sys/module/damon_reclaim/parameters/"
#define LRU_DIR "sys/module/damon_lru_sort/parameters/"

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

static bool gen_has_lru_sort(void) {
        return gen >= FAKE_GEN_6_1;             /* 6.0 */
}

static bool gen_has_commit_inputs(void) {
        return gen >= FAKE_GEN_6_1;             /* reclaim: 5.19 */
}

static void assert_log(const char *expected) {
        ck_assert_str_eq(fake_kernel_write_log(k), expected);
}

START_TEST(test_tables) {
        const DamonModuleParamInfo *t, *i;
        size_t n;

        ck_assert_int_eq(damon_module_from_name("reclaim"), DAMON_MODULE_RECLAIM);
        ck_assert_int_eq(damon_module_from_name("damon_stat"), DAMON_MODULE_STAT);
        ck_assert_int_eq(damon_module_from_name("damon_foo"), -EINVAL);

        n = damon_module_param_table(DAMON_MODULE_STAT, &t);
        ck_assert_uint_eq(n, 5);
        i = damon_module_param_info(DAMON_MODULE_RECLAIM, "kdamond_pid");
        ck_assert_ptr_nonnull(i);
        ck_assert(i->read_only && !i->stat);
        i = damon_module_param_info(DAMON_MODULE_RECLAIM, "nr_quota_exceeds");
        ck_assert(i->read_only && i->stat);
        i = damon_module_param_info(DAMON_MODULE_RECLAIM, "quota_mem_pressure_us");
        ck_assert(!i->read_only);
        ck_assert_str_eq(i->since, "6.9");
        ck_assert_str_eq(i->unit, "us");
        ck_assert_ptr_null(damon_module_param_info(DAMON_MODULE_STAT, "commit_inputs"));
}
END_TEST

START_TEST(test_present) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned mask;
        bool found_min_age = false, found_skip_anon = false;

        ck_assert_ok(damon_modules_present(io, &mask));
        ck_assert(mask & (1U << DAMON_MODULE_RECLAIM));
        ck_assert_int_eq(!!(mask & (1U << DAMON_MODULE_LRU_SORT)), gen_has_lru_sort());

        ck_assert_int_eq(damon_module_has_param(io, DAMON_MODULE_RECLAIM, "commit_inputs"),
                         gen_has_commit_inputs());
        ck_assert_int_eq(damon_module_has_param(io, DAMON_MODULE_RECLAIM, "skip_anon"), gen >= FAKE_GEN_6_12);
        ck_assert_int_eq(damon_module_has_param(io, DAMON_MODULE_RECLAIM, "addr_unit"), gen >= FAKE_GEN_6_18);
        ck_assert_int_eq(damon_module_has_param(io, DAMON_MODULE_RECLAIM, "../../x"), -EINVAL);

        ck_assert_ok(damon_module_list_params(io, DAMON_MODULE_RECLAIM, &names));
        for (char **n = names; *n; n++) {
                found_min_age = found_min_age || streq(*n, "min_age");
                found_skip_anon = found_skip_anon || streq(*n, "skip_anon");
        }
        ck_assert(found_min_age);
        ck_assert_int_eq(found_skip_anon, gen >= FAKE_GEN_6_12);
        if (!gen_has_lru_sort()) {
                char **x = NULL;

                ck_assert_int_eq(damon_module_list_params(io, DAMON_MODULE_LRU_SORT, &x), -EOPNOTSUPP);
        }
        /* looking is not touching */
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
}
END_TEST

START_TEST(test_read_params) {
        _cleanup_(damon_module_params_freep) DamonModuleParams *p = NULL;
        const DamonModuleValue *v;

        ck_assert_ok(damon_module_read_params(io, DAMON_MODULE_RECLAIM, &p));
        ck_assert_int_eq(p->module, DAMON_MODULE_RECLAIM);
        v = damon_module_params_get(p, "enabled");
        ck_assert_ptr_nonnull(v);
        ck_assert(!v->b);
        v = damon_module_params_get(p, "min_age");
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(v->u64, 120000000);
        v = damon_module_params_get(p, "quota_sz");
        ck_assert_uint_eq(v->u64, 134217728);
        v = damon_module_params_get(p, "kdamond_pid");
        ck_assert_ptr_nonnull(v->info);
        ck_assert_int_eq(v->s64, -1);
        ck_assert_str_eq(v->raw, "-1");
        v = damon_module_params_get(p, "nr_quota_exceeds");
        ck_assert_ptr_nonnull(v);
        ck_assert(v->info->stat);
        ck_assert_ptr_null(damon_module_params_get(p, "no_such_param"));
}
END_TEST

START_TEST(test_read_params_unknown_and_bad) {
        _cleanup_(damon_module_params_freep) DamonModuleParams *p = NULL;
        DamonModuleParams *q = NULL;
        const DamonModuleValue *v;

        /* a parameter from a kernel newer than the table is kept raw */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "shiny_new_knob", "42\n"));
        ck_assert_ok(damon_module_read_params(io, DAMON_MODULE_RECLAIM, &p));
        v = damon_module_params_get(p, "shiny_new_knob");
        ck_assert_ptr_nonnull(v);
        ck_assert_ptr_null(v->info);
        ck_assert_str_eq(v->raw, "42");

        /* a known parameter that does not parse is an error, not a zero */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "quota_ms", "ten\n"));
        ck_assert_int_eq(damon_module_read_params(io, DAMON_MODULE_RECLAIM, &q), -EBADMSG);
        ck_assert_ptr_null(q);
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

START_TEST(test_write_only_what_was_asked) {
        const DamonModuleSetting s[] = {
                { "quota_ms", 20 },
                { "quota_sz", 134217728 },      /* the default: unchanged, not written */
                { "wmarks_low", 8 },            /* decimal, not "010"-style */
        };
        _cleanup_(damon_module_params_freep) DamonModuleParams *p = NULL;

        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, s, ELEMENTSOF(s), NULL), 2);
        assert_log(RECLAIM_DIR "quota_ms 20\n" RECLAIM_DIR "wmarks_low 8\n");
        ck_assert_ok(damon_module_read_params(io, DAMON_MODULE_RECLAIM, &p));
        ck_assert_uint_eq(damon_module_params_get(p, "quota_ms")->u64, 20);
        ck_assert_uint_eq(damon_module_params_get(p, "wmarks_low")->u64, 8);

        /* the same again writes nothing */
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, s, ELEMENTSOF(s), NULL), 0);
        assert_log("");
}
END_TEST

START_TEST(test_write_refusals) {
        size_t failed = 99;

        /* every refusal comes before the first write, even when earlier settings were fine */
        const DamonModuleSetting unknown[] = { { "quota_ms", 20 }, { "quota_msec", 20 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, unknown, 2, &failed), -EINVAL);
        ck_assert_uint_eq(failed, 1);

        const DamonModuleSetting ro[] = { { "quota_ms", 20 }, { "kdamond_pid", 5 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, ro, 2, &failed), -EPERM);
        ck_assert_uint_eq(failed, 1);

        const DamonModuleSetting stat[] = { { "nr_quota_exceeds", 0 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, stat, 1, &failed), -EPERM);

        const DamonModuleSetting en[] = { { "enabled", 1 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, en, 1, &failed), -EINVAL);
        const DamonModuleSetting ci[] = { { "commit_inputs", 1 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, ci, 1, &failed), -EINVAL);

        const DamonModuleSetting dup[] = { { "quota_ms", 20 }, { "quota_ms", 30 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, dup, 2, &failed), -EINVAL);
        ck_assert_uint_eq(failed, 1);

        /* a newer kernel's parameter on an older kernel */
        const DamonModuleSetting newer[] = { { "quota_ms", 20 }, { "addr_unit", 2 } };
        if (gen < FAKE_GEN_6_18) {
                ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, newer, 2, &failed),
                                 -EOPNOTSUPP);
                ck_assert_uint_eq(failed, 1);
        }
        if (gen >= FAKE_GEN_6_12) {
                const DamonModuleSetting b[] = { { "skip_anon", 2 } };
                ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, b, 1, &failed), -EINVAL);
        }

        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
        assert_log("");
}
END_TEST

START_TEST(test_bool_param) {
        const DamonModuleSetting on[] = { { "skip_anon", 1 } };

        if (gen < FAKE_GEN_6_12)
                return;         /* skip_anon is 6.3 */
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, on, 1, NULL), 1);
        assert_log(RECLAIM_DIR "skip_anon Y\n");
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, on, 1, NULL), 0);
}
END_TEST

START_TEST(test_write_error_reports_index) {
        const DamonModuleSetting s[] = { { "quota_ms", 20 }, { "min_age", 5 } };
        size_t failed = 99;

        fake_kernel_inject_write_error(k, "/min_age", -EINVAL, 1);
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, s, 2, &failed), -EINVAL);
        ck_assert_uint_eq(failed, 1);
}
END_TEST

START_TEST(test_commit_disabled_writes_nothing) {
        const DamonModuleSetting s[] = { { "quota_ms", 20 } };

        if (!gen_has_commit_inputs()) {
                ck_assert_int_eq(damon_module_commit(io, DAMON_MODULE_RECLAIM), -EOPNOTSUPP);
        } else
                ck_assert_int_eq(damon_module_commit(io, DAMON_MODULE_RECLAIM), 0);
        assert_log("");

        /* a stopped module takes its parameters at the next enable: apply writes them, no commit */
        ck_assert_int_eq(damon_module_apply(io, DAMON_MODULE_RECLAIM, s, 1, 0, NULL), 1);
        assert_log(RECLAIM_DIR "quota_ms 20\n");
}
END_TEST

START_TEST(test_commit_running) {
        const DamonModuleSetting s[] = { { "quota_ms", 25 }, { "min_age", 60000000 } };
        bool pending = true;

        if (!gen_has_commit_inputs())
                return;
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        fake_kernel_clear_write_log(k);

        ck_assert_int_eq(damon_module_apply(io, DAMON_MODULE_RECLAIM, s, ELEMENTSOF(s),
                                            DAMON_MODULE_DEFAULT_TIMEOUT_USEC, NULL), 2);
        assert_log(RECLAIM_DIR "quota_ms 25\n" RECLAIM_DIR "min_age 60000000\n" RECLAIM_DIR "commit_inputs Y\n");
        ck_assert_ok(damon_io_read_bool(io, RECLAIM_DIR "commit_inputs", &pending));
        ck_assert(!pending);

        /* nothing changed: no write, no commit */
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_module_apply(io, DAMON_MODULE_RECLAIM, s, ELEMENTSOF(s),
                                            DAMON_MODULE_DEFAULT_TIMEOUT_USEC, NULL), 0);
        assert_log("");

        /* the explicit pair */
        ck_assert_int_eq(damon_module_commit(io, DAMON_MODULE_RECLAIM), 1);
        ck_assert_ok(damon_module_wait_commit(io, DAMON_MODULE_RECLAIM, DAMON_MODULE_DEFAULT_TIMEOUT_USEC));
}
END_TEST

START_TEST(test_commit_stops_module) {
        if (!gen_has_commit_inputs())
                return;
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_module_commit(io, DAMON_MODULE_RECLAIM), 1);
        /* the kernel found the committed inputs invalid and stopped the module */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "-1\n"));
        ck_assert_int_eq(damon_module_wait_commit(io, DAMON_MODULE_RECLAIM, 10000), -ESRCH);
}
END_TEST

START_TEST(test_commit_timeout) {
        if (!gen_has_commit_inputs())
                return;
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        /* a kdamond that never gets to its damon_call (a pending Y nobody consumes) */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "commit_inputs", "Y\n"));
        ck_assert_int_eq(damon_module_wait_commit(io, DAMON_MODULE_RECLAIM, 20000), -ETIMEDOUT);
}
END_TEST

START_TEST(test_no_commit_inputs_needs_restart) {
        const DamonModuleSetting s[] = { { "quota_ms", 30 } };

        if (gen_has_commit_inputs())
                return;
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        fake_kernel_clear_write_log(k);

        /* never a silent off/on cycle */
        ck_assert_int_eq(damon_module_apply(io, DAMON_MODULE_RECLAIM, s, 1, 10000, NULL), -EOPNOTSUPP);
        assert_log("");

        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_RECLAIM, s, 1, NULL), 1);
        ck_assert_int_eq(damon_module_restart(io, DAMON_MODULE_RECLAIM, DAMON_MODULE_DEFAULT_TIMEOUT_USEC), 1);
        assert_log(RECLAIM_DIR "quota_ms 30\n" RECLAIM_DIR "enabled N\n" RECLAIM_DIR "enabled Y\n");
}
END_TEST

START_TEST(test_restart) {
        DamonModuleState st;

        /* not enabled: nothing to restart, nothing written */
        ck_assert_int_eq(damon_module_restart(io, DAMON_MODULE_RECLAIM, 10000), 0);
        assert_log("");

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        fake_kernel_clear_write_log(k);
        ck_assert_int_eq(damon_module_restart(io, DAMON_MODULE_RECLAIM, DAMON_MODULE_DEFAULT_TIMEOUT_USEC), 1);
        assert_log(RECLAIM_DIR "enabled N\n" RECLAIM_DIR "enabled Y\n");
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_RECLAIM, &st));
        ck_assert(st.present && st.enabled && st.has_kdamond_pid);
        ck_assert_int_ne(st.kdamond_pid, -1);
}
END_TEST

/* A DamonIO over the fake kernel's that plays an older kernel's timing: after enabled=N the old
 * kdamond's pid stays visible for a few reads (5.16-5.18 stop the kdamond from a timer), and optionally
 * the module fails to come back after enabled=Y (the timer sets enabled back to N). */
typedef struct SlowModule {
        DamonIO *inner;
        unsigned stale_pid_reads;
        unsigned stale_after_off;       /* stale_pid_reads after enabled=N */
        bool fail_start;
        bool enabled_too_early;
} SlowModule;

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static ssize_t slow_read(void *userdata, const char *path, char *buf, size_t size) {
        SlowModule *sm = userdata;
        int r;

        if (sm->stale_pid_reads > 0 && endswith(path, "/kdamond_pid")) {
                sm->stale_pid_reads--;
                return snprintf(buf, size, "4242\n");
        }
        r = damon_io_read(sm->inner, path, buf, size);
        return r < 0 ? r : (ssize_t) strlen(buf);
}

static int slow_write(void *userdata, const char *path, const char *value) {
        SlowModule *sm = userdata;
        int r;

        if (endswith(path, "/enabled") && streq(value, "Y") && sm->stale_pid_reads > 0)
                sm->enabled_too_early = true;
        r = damon_io_write(sm->inner, path, value);
        if (r < 0 || !endswith(path, "/enabled"))
                return r;
        if (streq(value, "N"))
                sm->stale_pid_reads = sm->stale_after_off;
        else if (sm->fail_start) {
                ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "enabled", "N\n"));
                ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "-1\n"));
        }
        return r;
}

static int slow_exists(void *userdata, const char *path) {
        return damon_io_exists(((SlowModule *) userdata)->inner, path);
}

static int slow_list(void *userdata, const char *path, char ***ret) {
        return damon_io_list(((SlowModule *) userdata)->inner, path, ret);
}

static void slow_sleep(void *userdata, uint64_t usec) {
}

static const DamonIOOps slow_ops = {
        .read = slow_read,
        .write = slow_write,
        .exists = slow_exists,
        .list = slow_list,
        .sleep_usec = slow_sleep,
};

START_TEST(test_restart_waits_for_old_kdamond) {
        SlowModule sm = { .inner = io, .stale_after_off = 3 };
        _cleanup_(damon_io_freep) DamonIO *slow = NULL;

        ck_assert_ok(damon_io_new(&slow_ops, &sm, &slow));
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_module_restart(slow, DAMON_MODULE_RECLAIM, DAMON_MODULE_DEFAULT_TIMEOUT_USEC), 1);
        ck_assert(!sm.enabled_too_early);
        ck_assert_uint_eq(sm.stale_pid_reads, 0);

        /* an old kdamond that never goes away within the timeout: enabled stays N, no Y written */
        fake_kernel_clear_write_log(k);
        sm.stale_after_off = 1000;
        ck_assert_int_eq(damon_module_restart(slow, DAMON_MODULE_RECLAIM, 20000), -ETIMEDOUT);
        assert_log(RECLAIM_DIR "enabled N\n");
}
END_TEST

START_TEST(test_restart_module_does_not_come_back) {
        SlowModule sm = { .inner = io, .fail_start = true };
        _cleanup_(damon_io_freep) DamonIO *slow = NULL;

        ck_assert_ok(damon_io_new(&slow_ops, &sm, &slow));
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_module_restart(slow, DAMON_MODULE_RECLAIM, DAMON_MODULE_DEFAULT_TIMEOUT_USEC),
                         -ESRCH);
}
END_TEST

START_TEST(test_holder_and_exclusivity) {
        DamonModuleBlocker b;
        DamonModule m = _DAMON_MODULE_INVALID;
        _cleanup_free_ char *before = NULL, *after = NULL;
        unsigned idx;

        ck_assert_int_eq(damon_modules_holder(io, &m), 0);
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_RECLAIM, &b), 0);
        ck_assert_int_eq(b.kind, DAMON_MODULE_BLOCKER_NONE);
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_STAT, &b), -EOPNOTSUPP);

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_int_eq(m, DAMON_MODULE_RECLAIM);
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_RECLAIM, &b), 1);
        if (gen_has_lru_sort()) {
                ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_LRU_SORT, &b), -EBUSY);
                ck_assert_int_eq(b.kind, DAMON_MODULE_BLOCKER_MODULE);
                ck_assert_int_eq(b.module, DAMON_MODULE_RECLAIM);
                ck_assert_int_eq(damon_module_set_enabled(io, DAMON_MODULE_LRU_SORT, true), -EBUSY);
        }
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, false));

        /* a kdamond that stopped still has a pid until it exits: it still holds DAMON */
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "4242\n"));
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_ok(fake_kernel_write_file(k, RECLAIM_DIR "kdamond_pid", "-1\n"));
        ck_assert_int_eq(damon_modules_holder(io, &m), 0);

        /* someone else's sysfs kdamond: stopped is fine, running blocks, and it is only read */
        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, false, &idx));
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_RECLAIM, &b), 0);
        k = fake_kernel_free(k);
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        io = fake_kernel_io(k);
        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &idx));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &before));
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_RECLAIM, &b), -EBUSY);
        ck_assert_int_eq(b.kind, DAMON_MODULE_BLOCKER_KDAMOND);
        ck_assert_uint_eq(b.kdamond, idx);
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &after));
        ck_assert_str_eq(before, after);
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
        /* the kernel agrees */
        ck_assert_int_eq(damon_module_set_enabled(io, DAMON_MODULE_RECLAIM, true), -EBUSY);
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
        _cleanup_(damon_module_params_freep) DamonModuleParams *p = NULL;
        const DamonModuleValue *v;
        int64_t pct[DAMON_STAT_N_PERCENTILES];
        DamonModuleState st;
        DamonModuleBlocker b;
        DamonModule m;
        unsigned mask;

        add_stat_module(true);
        ck_assert_ok(damon_modules_present(io, &mask));
        ck_assert(mask & (1U << DAMON_MODULE_STAT));
        ck_assert_ok(damon_module_read_state(io, DAMON_MODULE_STAT, &st));
        ck_assert(st.present && st.enabled);
        ck_assert(!st.has_kdamond_pid && !st.has_commit_inputs);
        ck_assert_int_eq(st.kdamond_pid, -1);

        ck_assert_ok(damon_module_read_params(io, DAMON_MODULE_STAT, &p));
        ck_assert_uint_eq(damon_module_params_get(p, "estimated_memory_bandwidth")->u64, 123456789);
        v = damon_module_params_get(p, "memory_idle_ms_percentiles");
        ck_assert_int_eq(v->info->type, DAMON_MODULE_PARAM_STRING);
        ck_assert_ok(damon_stat_parse_percentiles(v->raw, pct));
        ck_assert_int_eq(pct[0], -100);
        ck_assert_int_eq(pct[50], 500);

        /* enabled by default, it holds DAMON and keeps every other module out */
        ck_assert_int_eq(damon_modules_holder(io, &m), 1);
        ck_assert_int_eq(m, DAMON_MODULE_STAT);
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_RECLAIM, &b), -EBUSY);
        ck_assert_int_eq(b.kind, DAMON_MODULE_BLOCKER_MODULE);
        ck_assert_int_eq(b.module, DAMON_MODULE_STAT);
        ck_assert_int_eq(damon_module_can_enable(io, DAMON_MODULE_STAT, &b), 1);

        /* it has no inputs to commit */
        ck_assert_int_eq(damon_module_commit(io, DAMON_MODULE_STAT), -EOPNOTSUPP);
        const DamonModuleSetting s[] = { { "estimated_memory_bandwidth", 0 } };
        ck_assert_int_eq(damon_module_write_params(io, DAMON_MODULE_STAT, s, 1, NULL), -EPERM);
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
}
END_TEST

/* What status shows of DAMON_STAT: read only, the kdamond found by name where the kernel has no
 * kdamond_pid (before 7.2), by kdamond_pid where it has. */
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
        tcase_add_test(tc, test_tables);
        tcase_add_test(tc, test_stat_readout);
        tcase_add_test(tc, test_present);
        tcase_add_test(tc, test_read_params);
        tcase_add_test(tc, test_read_params_unknown_and_bad);
        tcase_add_test(tc, test_percentiles);
        tcase_add_test(tc, test_write_only_what_was_asked);
        tcase_add_test(tc, test_write_refusals);
        tcase_add_test(tc, test_bool_param);
        tcase_add_test(tc, test_write_error_reports_index);
        tcase_add_test(tc, test_commit_disabled_writes_nothing);
        tcase_add_test(tc, test_commit_running);
        tcase_add_test(tc, test_commit_stops_module);
        tcase_add_test(tc, test_commit_timeout);
        tcase_add_test(tc, test_no_commit_inputs_needs_restart);
        tcase_add_test(tc, test_restart);
        tcase_add_test(tc, test_restart_waits_for_old_kdamond);
        tcase_add_test(tc, test_restart_module_does_not_come_back);
        tcase_add_test(tc, test_holder_and_exclusivity);
        tcase_add_test(tc, test_stat_module);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(modules_suite());
}
