/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake kernel must behave like the kernel's DAMON sysfs interface (docs/damon-abi.md), or every driver
 * test built on it proves nothing. Runs once per generation ($DAMOND_FAKE_KERNEL). */
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <string.h>

#include "fake-kernel.h"
#include "test-util.h"

#define K "sys/kernel/mm/damon/admin/kdamonds/"
#define C0 K "0/contexts/0/"
#define S0 C0 "schemes/0/"
#define RECLAIM "sys/module/damon_reclaim/parameters/"

static FakeKernel *k;
static DamonIO *io;
static unsigned v;      /* generation as major*100+minor */

static void setup(void) {
        static const unsigned versions[] = { 518, 601, 612, 617, 618, 702 };
        FakeKernelGen g = fake_kernel_gen_from_env();

        ck_assert_ok(fake_kernel_new(g, true, &k));
        io = fake_kernel_io(k);
        v = versions[g];
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

static const char *rd(const char *path) {
        static char buf[4096];
        int r = damon_io_read(io, path, buf, sizeof(buf));

        ck_assert_msg(r >= 0, "read %s: %s", path, strerror(-r));
        return buf;
}

static void wr(const char *path, const char *value) {
        int r = damon_io_write(io, path, value);

        ck_assert_msg(r >= 0, "write %s=%s: %s", path, value, strerror(-r));
}

static int ex(const char *path) {
        return damon_io_exists(io, path);
}

/* The permission bits of a file below the fake root. */
static unsigned mode_of(const char *path) {
        char p[PATH_MAX];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", fake_kernel_root_path(k), path);
        ck_assert_msg(stat(p, &st) == 0, "stat %s", p);
        return st.st_mode & 07777;
}

/* A valid stopped paddr kdamond 0 with one region and one scheme. */
static void stage_paddr(void) {
        wr(K "nr_kdamonds", "1");
        wr(K "0/contexts/nr_contexts", "1");
        wr(C0 "operations", "paddr");
        wr(C0 "targets/nr_targets", "1");
        wr(C0 "targets/0/regions/nr_regions", "1");
        wr(C0 "targets/0/regions/0/start", "4096");
        wr(C0 "targets/0/regions/0/end", "1048576");
        wr(C0 "schemes/nr_schemes", "1");
        wr(S0 "action", "pageout");
}

START_TEST(test_fresh_tree) {
        _cleanup_free_ char *snap = NULL;

        ck_assert_str_eq(rd(K "nr_kdamonds"), "0");
        ck_assert_int_eq(ex(K "0"), 0);
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &snap));
        ck_assert_str_eq(snap, "sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds=0\n");
        ck_assert(strstr(rd("proc/pressure/memory"), "some avg10="));
        ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/enabled"), "N");
        ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/quota_sz"), "134217728");
        ck_assert_int_eq(ex("sys/module/damon_lru_sort/parameters/hot_thres_access_freq"), v >= 600);
        ck_assert_int_eq(ex("sys/module/damon_reclaim/parameters/commit_inputs"), v >= 519);
        ck_assert_int_eq(ex("sys/module/damon_reclaim/parameters/skip_anon"), v >= 603);
        ck_assert_int_eq(ex("sys/module/damon_reclaim/parameters/quota_mem_pressure_us"), v >= 609);
        ck_assert_int_eq(ex("sys/module/damon_reclaim/parameters/addr_unit"), v >= 618);
}
END_TEST

START_TEST(test_defaults) {
        wr(K "nr_kdamonds", "1");
        ck_assert_str_eq(rd(K "0/state"), "off");
        ck_assert_str_eq(rd(K "0/pid"), "-1");
        ck_assert_str_eq(rd(K "0/contexts/nr_contexts"), "0");
        ck_assert_int_eq(ex(C0 "operations"), 0);
        wr(K "0/contexts/nr_contexts", "1");
        ck_assert_str_eq(rd(C0 "operations"), "vaddr");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "5000");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/aggr_us"), "100000");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/update_us"), "60000000");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/nr_regions/min"), "10");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/nr_regions/max"), "1000");
        ck_assert_str_eq(rd(C0 "targets/nr_targets"), "0");
        wr(C0 "schemes/nr_schemes", "1");
        ck_assert_str_eq(rd(S0 "action"), "stat");
        ck_assert_str_eq(rd(S0 "access_pattern/sz/max"), "0");
        ck_assert_str_eq(rd(S0 "access_pattern/age/max"), "0");
        ck_assert_str_eq(rd(S0 "quotas/reset_interval_ms"), "0");
        ck_assert_str_eq(rd(S0 "quotas/weights/age_permil"), "0");
        ck_assert_str_eq(rd(S0 "watermarks/metric"), "none");
        ck_assert_str_eq(rd(S0 "stats/nr_tried"), "0");
        if (v >= 612) {
                ck_assert_str_eq(rd(S0 "target_nid"), "-1");
                ck_assert_str_eq(rd(S0 "apply_interval_us"), "0");
                wr(S0 "quotas/goals/nr_goals", "1");
                ck_assert_str_eq(rd(S0 "quotas/goals/0/target_metric"), "user_input");
                ck_assert_str_eq(rd(S0 "quotas/goals/0/target_value"), "0");
                wr(S0 "filters/nr_filters", "1");
                ck_assert_str_eq(rd(S0 "filters/0/type"), "anon");
                ck_assert_str_eq(rd(S0 "filters/0/matching"), "N");
                ck_assert_str_eq(rd(S0 "filters/0/memcg_path"), "");
        }
        if (v >= 618) {
                ck_assert_str_eq(rd(C0 "addr_unit"), "1");
                ck_assert_str_eq(rd(K "0/refresh_ms"), "0");
                ck_assert_str_eq(rd(S0 "filters/0/allow"), "N");
                ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/intervals_goal/aggrs"), "0");
        }
        if (v >= 601) {
                ck_assert_str_eq(rd(C0 "avail_operations"), "vaddr\nfvaddr\npaddr");
                ck_assert_uint_eq(mode_of(C0 "avail_operations"), 0400);
        }
        /* the kernel's modes: 0400 for what it alone writes, 0600 for the rest (checked on real kernels
         * by the sysfs-tree VM scenario) */
        ck_assert_uint_eq(mode_of(K "0/pid"), 0400);
        ck_assert_uint_eq(mode_of(K "0/state"), 0600);
        ck_assert_uint_eq(mode_of(S0 "stats/nr_tried"), 0400);
        ck_assert_uint_eq(mode_of(S0 "action"), 0600);
        ck_assert_uint_eq(mode_of("sys/module/damon_reclaim/parameters/kdamond_pid"), 0400);
        ck_assert_uint_eq(mode_of("sys/module/damon_reclaim/parameters/enabled"), 0600);
}
END_TEST

START_TEST(test_file_sets) {
        static const struct {
                const char *path;
                unsigned since;         /* 0: in no generation of the fake */
        } files[] = {
                { K "0/state", 518 },
                { K "0/refresh_ms", 617 },
                { C0 "avail_operations", 601 },
                { C0 "addr_unit", 618 },
                { C0 "monitoring_attrs/intervals/intervals_goal/access_bp", 615 },
                { C0 "targets/0/pid_target", 518 },
                { C0 "targets/0/obsolete_target", 619 },
                { S0 "apply_interval_us", 612 },
                { S0 "target_nid", 612 },
                { S0 "quotas/weights/sz_permil", 518 },
                { S0 "quotas/effective_bytes", 612 },
                { S0 "quotas/goal_tuner", 701 },
                { S0 "quotas/fail_charge_num", 702 },
                { C0 "pause", 702 },
                { C0 "monitoring_attrs/probes/nr_probes", 702 },
                { S0 "quotas/goals/nr_goals", 612 },
                { S0 "quotas/goals/0/target_metric", 612 },
                { S0 "quotas/goals/0/nid", 616 },
                { S0 "quotas/goals/0/path", 619 },
                { S0 "watermarks/interval_us", 518 },
                { S0 "filters/0/memcg_path", 612 },
                { S0 "filters/0/addr_start", 612 },
                { S0 "filters/0/damon_target_idx", 612 },
                { S0 "filters/0/allow", 614 },
                { S0 "filters/0/min", 615 },
                { S0 "core_filters/0/type", 615 },
                { S0 "ops_filters/0/type", 615 },
                { S0 "dests/0/weight", 617 },
                { S0 "stats/qt_exceeds", 518 },
                { S0 "stats/sz_ops_filter_passed", 614 },
                { S0 "stats/max_nr_snapshots", 700 },
                { S0 "tried_regions/total_bytes", 612 },
        };

        wr(K "nr_kdamonds", "1");
        wr(K "0/contexts/nr_contexts", "1");
        wr(C0 "targets/nr_targets", "1");
        wr(C0 "schemes/nr_schemes", "1");
        if (v >= 612) {
                wr(S0 "quotas/goals/nr_goals", "1");
                wr(S0 "filters/nr_filters", "1");
        }
        if (v >= 617) {
                wr(S0 "core_filters/nr_filters", "1");
                wr(S0 "ops_filters/nr_filters", "1");
                wr(S0 "dests/nr_dests", "1");
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                ck_assert_msg(ex(files[i].path) == (files[i].since != 0 && files[i].since <= v),
                              "%s: exists=%d in %u", files[i].path, ex(files[i].path), v);
}
END_TEST

static const char *listing(const char *dir) {
        _cleanup_strv_free_ char **names = NULL;
        static char joined[1024];

        ck_assert_ok(damon_io_list(io, dir, &names));
        joined[0] = '\0';
        for (char **n = names; *n; n++) {
                if (joined[0])
                        strcat(joined, " ");
                strcat(joined, *n);
        }
        return joined;
}

/* The exact directory contents of each generation: the 6.1 note (notes/kernel-6.1-damon.md) and
 * the live 6.18 tree of a development machine; 6.17 and 7.2: the sysfs-tree VM scenario's dumps of
 * Debian's kernels. */
START_TEST(test_exact_file_sets) {
        static const struct {
                const char *dir;
                const char *files[6];   /* 5.18, 6.1, 6.12, 6.17, 6.18, 7.2 */
        } sets[] = {
                { K "0", {
                        "contexts pid state",
                        "contexts pid state",
                        "contexts pid state",
                        "contexts pid refresh_ms state",
                        "contexts pid refresh_ms state",
                        "contexts pid refresh_ms state" } },
                { C0, {
                        "monitoring_attrs operations schemes targets",
                        "avail_operations monitoring_attrs operations schemes targets",
                        "avail_operations monitoring_attrs operations schemes targets",
                        "avail_operations monitoring_attrs operations schemes targets",
                        "addr_unit avail_operations monitoring_attrs operations schemes targets",
                        "addr_unit avail_operations monitoring_attrs operations pause schemes targets" } },
                { C0 "monitoring_attrs/intervals", {
                        "aggr_us sample_us update_us",
                        "aggr_us sample_us update_us",
                        "aggr_us sample_us update_us",
                        "aggr_us intervals_goal sample_us update_us",
                        "aggr_us intervals_goal sample_us update_us",
                        "aggr_us intervals_goal sample_us update_us" } },
                { C0 "targets/0", {
                        "pid_target regions", "pid_target regions", "pid_target regions",
                        "pid_target regions", "pid_target regions", "obsolete_target pid_target regions" } },
                { S0, {
                        "access_pattern action quotas stats watermarks",
                        "access_pattern action quotas stats watermarks",
                        "access_pattern action apply_interval_us filters quotas stats target_nid tried_regions "
                        "watermarks",
                        "access_pattern action apply_interval_us core_filters dests filters ops_filters quotas "
                        "stats target_nid tried_regions watermarks",
                        "access_pattern action apply_interval_us core_filters dests filters ops_filters quotas "
                        "stats target_nid tried_regions watermarks",
                        "access_pattern action apply_interval_us core_filters dests filters ops_filters quotas "
                        "stats target_nid tried_regions watermarks" } },
                { S0 "quotas", {
                        "bytes ms reset_interval_ms weights",
                        "bytes ms reset_interval_ms weights",
                        "bytes effective_bytes goals ms reset_interval_ms weights",
                        "bytes effective_bytes goals ms reset_interval_ms weights",
                        "bytes effective_bytes goals ms reset_interval_ms weights",
                        "bytes effective_bytes fail_charge_denom fail_charge_num goal_tuner goals ms "
                        "reset_interval_ms weights" } },
                { S0 "stats", {
                        "nr_applied nr_tried qt_exceeds sz_applied sz_tried",
                        "nr_applied nr_tried qt_exceeds sz_applied sz_tried",
                        "nr_applied nr_tried qt_exceeds sz_applied sz_tried",
                        "nr_applied nr_tried qt_exceeds sz_applied sz_ops_filter_passed sz_tried",
                        "nr_applied nr_tried qt_exceeds sz_applied sz_ops_filter_passed sz_tried",
                        "max_nr_snapshots nr_applied nr_snapshots nr_tried qt_exceeds sz_applied "
                        "sz_ops_filter_passed sz_tried" } },
                { S0 "watermarks", {
                        "high interval_us low metric mid", "high interval_us low metric mid",
                        "high interval_us low metric mid", "high interval_us low metric mid",
                        "high interval_us low metric mid", "high interval_us low metric mid" } },
                { S0 "quotas/goals/0", {
                        NULL, NULL,
                        "current_value target_metric target_value",
                        "current_value nid target_metric target_value",
                        "current_value nid target_metric target_value",
                        "current_value nid path target_metric target_value" } },
                { S0 "filters/0", {
                        NULL, NULL,
                        "addr_end addr_start damon_target_idx matching memcg_path type",
                        "addr_end addr_start allow damon_target_idx matching max memcg_path min type",
                        "addr_end addr_start allow damon_target_idx matching max memcg_path min type",
                        "addr_end addr_start allow damon_target_idx matching max memcg_path min type" } },
                { S0 "tried_regions", { NULL, NULL, "total_bytes", "total_bytes", "total_bytes", "total_bytes" } },
        };
        unsigned g = fake_kernel_gen(k);

        wr(K "nr_kdamonds", "1");
        ck_assert_str_eq(listing(K), "0 nr_kdamonds");
        wr(K "0/contexts/nr_contexts", "1");
        wr(C0 "targets/nr_targets", "1");
        wr(C0 "schemes/nr_schemes", "1");
        if (v >= 612) {
                wr(S0 "quotas/goals/nr_goals", "1");
                wr(S0 "filters/nr_filters", "1");
        }
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                if (!sets[i].files[g]) {
                        ck_assert_int_eq(ex(sets[i].dir), 0);
                        continue;
                }
                ck_assert_str_eq(listing(sets[i].dir), sets[i].files[g]);
        }
}
END_TEST

START_TEST(test_nr_wipes_children) {
        stage_paddr();
        wr(C0 "monitoring_attrs/intervals/sample_us", "7000");
        /* rewriting the same count still recreates the subtree with defaults */
        wr(C0 "schemes/nr_schemes", "1");
        ck_assert_str_eq(rd(S0 "action"), "stat");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "7000");
        wr(C0 "targets/0/regions/nr_regions", "2");
        ck_assert_str_eq(rd(C0 "targets/0/regions/0/end"), "0");
        ck_assert_int_eq(ex(C0 "targets/0/regions/1/start"), 1);
        wr(C0 "targets/0/regions/nr_regions", "1");
        ck_assert_int_eq(ex(C0 "targets/0/regions/1"), 0);
        wr(K "0/contexts/nr_contexts", "1");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "5000");
        ck_assert_str_eq(rd(C0 "targets/nr_targets"), "0");
        wr(K "nr_kdamonds", "2");
        ck_assert_str_eq(rd(K "0/contexts/nr_contexts"), "0");
        ck_assert_int_eq(ex(K "1/state"), 1);
        wr(K "nr_kdamonds", "0");
        ck_assert_int_eq(ex(K "0"), 0);
        /* nr_contexts takes only 0 or 1 */
        wr(K "nr_kdamonds", "1");
        ck_assert_int_eq(damon_io_write(io, K "0/contexts/nr_contexts", "2"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "0/contexts/nr_contexts", "-1"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "nr_kdamonds", "x"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "5/state", "on"), -ENOENT);
}
END_TEST

START_TEST(test_number_parsing) {
        stage_paddr();
        /* kstrtoul base 0: a leading zero is octal, printed back in decimal */
        wr(C0 "monitoring_attrs/intervals/sample_us", "010");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "8");
        wr(C0 "monitoring_attrs/intervals/aggr_us", "0x10\n");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/aggr_us"), "16");
        ck_assert_int_eq(damon_io_write(io, C0 "monitoring_attrs/intervals/aggr_us", "09"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, C0 "monitoring_attrs/intervals/aggr_us", "-1"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, C0 "monitoring_attrs/intervals/aggr_us", "1 2"), -EINVAL);
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/aggr_us"), "16");
        wr(S0 "access_pattern/sz/max", "18446744073709551615");
        ck_assert_str_eq(rd(S0 "access_pattern/sz/max"), "18446744073709551615");
        /* weights are unsigned int */
        ck_assert_int_eq(damon_io_write(io, S0 "quotas/weights/age_permil", "4294967296"), -ERANGE);
        wr(C0 "targets/0/pid_target", "-1");
        ck_assert_str_eq(rd(C0 "targets/0/pid_target"), "-1");
        if (v >= 612) {
                wr(S0 "filters/nr_filters", "1");
                wr(S0 "filters/0/matching", "1");
                ck_assert_str_eq(rd(S0 "filters/0/matching"), "Y");
                ck_assert_int_eq(damon_io_write(io, S0 "filters/0/matching", "yes"), -EINVAL);
                /* strings are kept as written */
                wr(S0 "filters/0/memcg_path", "/a.slice");
                ck_assert_str_eq(rd(S0 "filters/0/memcg_path"), "/a.slice");
        }
}
END_TEST

START_TEST(test_keywords) {
        stage_paddr();
        ck_assert_int_eq(damon_io_write(io, S0 "action", "lru_prio"), v >= 601 ? 0 : -EINVAL);
        ck_assert_int_eq(damon_io_write(io, S0 "action", "migrate_cold"), v >= 612 ? 0 : -EINVAL);
        ck_assert_int_eq(damon_io_write(io, S0 "action", "collapse"), -EINVAL);
        wr(S0 "action", "pageout\n");
        ck_assert_str_eq(rd(S0 "action"), "pageout");
        ck_assert_int_eq(damon_io_write(io, C0 "operations", "fvaddr"), v >= 601 ? 0 : -EINVAL);
        ck_assert_int_eq(damon_io_write(io, C0 "operations", "PADDR"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, S0 "watermarks/metric", "free_mem_rate"), 0);
        if (v >= 612) {
                wr(S0 "filters/nr_filters", "1");
                ck_assert_int_eq(damon_io_write(io, S0 "filters/0/type", "young"), 0);
                ck_assert_int_eq(damon_io_write(io, S0 "filters/0/type", "addr"), 0);
                ck_assert_int_eq(damon_io_write(io, S0 "filters/0/type", "unmapped"), v >= 615 ? 0 : -EINVAL);
                wr(S0 "quotas/goals/nr_goals", "1");
                ck_assert_int_eq(damon_io_write(io, S0 "quotas/goals/0/target_metric", "some_mem_psi_us"), 0);
                ck_assert_int_eq(damon_io_write(io, S0 "quotas/goals/0/target_metric", "node_mem_used_bp"),
                                 v >= 616 ? 0 : -EINVAL);
                ck_assert_int_eq(damon_io_write(io, S0 "quotas/goals/0/target_metric", "node_memcg_used_bp"),
                                 v >= 619 ? 0 : -EINVAL);
        }
        if (v >= 615) {
                /* each filter directory takes only the types of its layer */
                wr(S0 "core_filters/nr_filters", "1");
                wr(S0 "ops_filters/nr_filters", "1");
                ck_assert_int_eq(damon_io_write(io, S0 "core_filters/0/type", "anon"), -EINVAL);
                ck_assert_int_eq(damon_io_write(io, S0 "core_filters/0/type", "addr"), 0);
                ck_assert_int_eq(damon_io_write(io, S0 "ops_filters/0/type", "target"), -EINVAL);
                ck_assert_int_eq(damon_io_write(io, S0 "ops_filters/0/type", "hugepage_size"), 0);
        }
        ck_assert_int_eq(damon_io_write(io, K "0/state", "bogus"), -EINVAL);
}
END_TEST

START_TEST(test_read_only) {
        stage_paddr();
        ck_assert_int_eq(damon_io_write(io, K "0/pid", "1"), -EACCES);
        ck_assert_int_eq(damon_io_write(io, S0 "stats/nr_tried", "1"), -EACCES);
        if (v >= 601)
                ck_assert_int_eq(damon_io_write(io, C0 "avail_operations", "paddr"), -EACCES);
        if (v >= 612) {
                ck_assert_int_eq(damon_io_write(io, S0 "quotas/effective_bytes", "1"), -EACCES);
                ck_assert_int_eq(damon_io_write(io, S0 "tried_regions/total_bytes", "1"), -EACCES);
        }
        ck_assert_str_eq(rd(K "0/pid"), "-1");
}
END_TEST

START_TEST(test_on_off) {
        char buf[64];
        int64_t pid;

        stage_paddr();
        ck_assert_int_eq(damon_io_write(io, K "0/state", "off"), -EINVAL);     /* never started */
        ck_assert_int_eq(fake_kernel_running_value(k, 0, "contexts/0/operations", buf, sizeof(buf)), -ENOENT);
        wr(K "0/state", "on");
        ck_assert_str_eq(rd(K "0/state"), "on");
        ck_assert_ok(damon_io_read_s64(io, K "0/pid", &pid));
        ck_assert_int_ge(pid, 4000);
        ck_assert_uint_eq(fake_kernel_n_starts(k, 0), 1);
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/action", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "pageout");
        ck_assert_int_eq(damon_io_write(io, K "0/state", "on"), -EBUSY);
        ck_assert_int_eq(damon_io_write_once(io, K "nr_kdamonds", "2"), -EBUSY);
        ck_assert_str_eq(rd(K "nr_kdamonds"), "1");
        /* staging while running does not reach the running configuration */
        wr(S0 "action", "stat");
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/action", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "pageout");
        /* nr_* below a kdamond may be written while it runs */
        wr(C0 "schemes/nr_schemes", "2");
        wr(K "0/state", "off");
        ck_assert_str_eq(rd(K "0/state"), "off");
        ck_assert_str_eq(rd(K "0/pid"), "-1");
        ck_assert_int_eq(damon_io_write(io, K "0/state", "off"), -EPERM);
        wr(K "0/state", "on");
        ck_assert_uint_eq(fake_kernel_n_starts(k, 0), 2);
}
END_TEST

START_TEST(test_on_validation) {
        stage_paddr();
#define EXPECT_ON(err) ck_assert_int_eq(damon_io_write(io, K "0/state", "on"), (err))
        wr(C0 "monitoring_attrs/intervals/sample_us", "200000");
        EXPECT_ON(-EINVAL);
        wr(C0 "monitoring_attrs/intervals/sample_us", "100000");
        wr(C0 "monitoring_attrs/nr_regions/min", "2");
        EXPECT_ON(-EINVAL);
        wr(C0 "monitoring_attrs/nr_regions/min", "2000");
        EXPECT_ON(-EINVAL);
        wr(C0 "monitoring_attrs/nr_regions/min", "3");
        wr(C0 "targets/0/regions/nr_regions", "2");
        wr(C0 "targets/0/regions/0/start", "8192");
        wr(C0 "targets/0/regions/0/end", "4096");
        EXPECT_ON(-EINVAL);                     /* start > end */
        wr(C0 "targets/0/regions/0/start", "0");
        wr(C0 "targets/0/regions/0/end", "8192");
        wr(C0 "targets/0/regions/1/start", "4096");
        wr(C0 "targets/0/regions/1/end", "16384");
        EXPECT_ON(-EINVAL);                     /* overlap */
        wr(C0 "targets/0/regions/1/start", "8192");
        wr(C0 "targets/nr_targets", "2");
        EXPECT_ON(-EINVAL);                     /* two paddr targets */
        wr(C0 "targets/nr_targets", "1");
        wr(C0 "operations", "vaddr");
        wr(C0 "targets/0/pid_target", "4242");
        EXPECT_ON(-EINVAL);                     /* no such process */
        ck_assert_ok(fake_kernel_add_process(k, 4242));
        ck_assert_ok(fake_kernel_set_avail_ops(k, 1u << DAMON_OPS_PADDR));
        EXPECT_ON(-EINVAL);                     /* vaddr not registered */
        if (v >= 601)
                ck_assert_str_eq(rd(C0 "avail_operations"), "paddr");
        ck_assert_ok(fake_kernel_set_avail_ops(k, (1u << DAMON_OPS_PADDR) | (1u << DAMON_OPS_VADDR)));
        if (v >= 612) {
                wr(S0 "filters/nr_filters", "1");
                wr(S0 "filters/0/type", "memcg");
                wr(S0 "filters/0/memcg_path", "/system.slice/x.service");
                EXPECT_ON(-ENOMEM);             /* unresolvable memcg: the scheme cannot be built */
                ck_assert_ok(fake_kernel_write_file(k, "sys/fs/cgroup/system.slice/x.service/memory.current",
                                                    "0\n"));
                wr(S0 "filters/0/type", "addr");
                wr(S0 "filters/0/addr_start", "2");
                wr(S0 "filters/0/addr_end", "1");
                EXPECT_ON(-ENOMEM);
                wr(S0 "filters/0/type", "memcg");
        }
        if (v >= 618) {
                wr(C0 "addr_unit", "0");
                EXPECT_ON(-EINVAL);
                wr(C0 "addr_unit", "1");
                wr(C0 "monitoring_attrs/intervals/intervals_goal/aggrs", "3");
                EXPECT_ON(-EINVAL);             /* sample_us outside [min_sample_us, max_sample_us] */
                wr(C0 "monitoring_attrs/intervals/intervals_goal/max_sample_us", "1000000");
        }
        ck_assert_uint_eq(fake_kernel_n_starts(k, 0), 0);
        EXPECT_ON(0);
        wr(K "0/state", "off");
        wr(K "0/contexts/nr_contexts", "0");
        EXPECT_ON(-EINVAL);
#undef EXPECT_ON
}
END_TEST

START_TEST(test_commit) {
        char buf[64];

        stage_paddr();
        if (v < 601) {
                wr(K "0/state", "on");
                ck_assert_int_eq(damon_io_write(io, K "0/state", "commit"), -EINVAL);
                return;
        }
        ck_assert_int_eq(damon_io_write(io, K "0/state", "commit"), -EINVAL);  /* not running */
        wr(K "0/state", "on");
        wr(S0 "quotas/ms", "20");
        wr(K "0/state", "commit");
        ck_assert_uint_eq(fake_kernel_n_commits(k, 0), 1);
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/quotas/ms", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "20");
        /* a commit the kernel rejects changes nothing and the kdamond keeps running */
        wr(S0 "quotas/ms", "30");
        wr(C0 "monitoring_attrs/nr_regions/min", "1");
        ck_assert_int_eq(damon_io_write(io, K "0/state", "commit"), -EINVAL);
        ck_assert_str_eq(rd(K "0/state"), "on");
        ck_assert_uint_eq(fake_kernel_n_commits(k, 0), 1);
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/quotas/ms", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "20");
}
END_TEST

START_TEST(test_goal_commit) {
        char buf[64];

        if (v < 612)
                return;
        stage_paddr();
        wr(S0 "quotas/goals/nr_goals", "1");
        wr(S0 "quotas/goals/0/target_value", "10000");
        ck_assert_int_eq(damon_io_write(io, K "0/state", "commit_schemes_quota_goals"), -EINVAL);
        wr(K "0/state", "on");
        wr(S0 "quotas/goals/0/current_value", "5000");
        wr(S0 "quotas/ms", "77");
        wr(K "0/state", "commit_schemes_quota_goals");
        ck_assert_uint_eq(fake_kernel_n_goal_commits(k, 0), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, 0), 0);
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/quotas/goals/0/current_value",
                                               buf, sizeof(buf)));
        ck_assert_str_eq(buf, "5000");
        /* other staged edits are ignored by the goal-only commit */
        ck_assert_ok(fake_kernel_running_value(k, 0, "contexts/0/schemes/0/quotas/ms", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "0");
}
END_TEST

START_TEST(test_targets_exit) {
        wr(K "nr_kdamonds", "1");
        wr(K "0/contexts/nr_contexts", "1");
        wr(C0 "operations", "vaddr");
        wr(C0 "targets/nr_targets", "1");
        wr(C0 "targets/0/pid_target", "4242");
        ck_assert_ok(fake_kernel_add_process(k, 4242));
        wr(K "0/state", "on");
        ck_assert_ok(fake_kernel_targets_exit(k, 0));
        ck_assert_str_eq(rd(K "0/state"), "off");
        ck_assert_str_eq(rd(K "0/pid"), "-1");
        ck_assert_int_eq(ex("proc/4242"), 0);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "off"), -EPERM);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_stats"), -EINVAL);
        if (v >= 601)
                ck_assert_int_eq(damon_io_write(io, K "0/state", "commit"), -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "on"), -EINVAL);      /* the process is gone */
        ck_assert_ok(fake_kernel_add_process(k, 4242));
        wr(K "0/state", "on");
        /* paddr never stops by itself */
        wr(K "0/state", "off");
        wr(C0 "operations", "paddr");
        wr(K "0/state", "on");
        ck_assert_int_eq(fake_kernel_targets_exit(k, 0), -EINVAL);
}
END_TEST

START_TEST(test_update_commands) {
        uint64_t n;

        stage_paddr();
        wr(S0 "quotas/bytes", "1048576");
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_stats"), -EINVAL);
        wr(K "0/state", "on");
        wr(K "0/state", "update_schemes_stats");
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &n));
        ck_assert_uint_gt(n, 0);
        wr(K "0/state", "update_schemes_stats");
        {
                uint64_t m;

                ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &m));
                ck_assert_uint_gt(m, n);
        }
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_tried_regions"),
                         v >= 612 ? 0 : -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_effective_quotas"),
                         v >= 612 ? 0 : -EINVAL);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_tuned_intervals"), v >= 615 ? 0 : -EINVAL);
        if (v >= 612) {
                ck_assert_str_eq(rd(S0 "tried_regions/0/start"), "4096");
                ck_assert_str_eq(rd(S0 "tried_regions/0/end"), "1048576");
                ck_assert_str_eq(rd(S0 "tried_regions/total_bytes"), "1044480");
                ck_assert_str_eq(rd(S0 "quotas/effective_bytes"), "1048576");
                wr(K "0/state", "clear_schemes_tried_regions");
                ck_assert_int_eq(ex(S0 "tried_regions/0"), 0);
                ck_assert_str_eq(rd(S0 "tried_regions/total_bytes"), "0");
                wr(K "0/state", "update_schemes_tried_bytes");
                ck_assert_str_eq(rd(S0 "tried_regions/total_bytes"), "1044480");
                ck_assert_int_eq(ex(S0 "tried_regions/0"), 0);
        }
        wr(K "0/state", "off");
        /* from 6.14 clearing tried regions works on a stopped kdamond */
        if (v >= 612)
                ck_assert_int_eq(damon_io_write(io, K "0/state", "clear_schemes_tried_regions"),
                                 v >= 614 ? 0 : -EINVAL);
}
END_TEST

START_TEST(test_watermarks_cancel_tried_regions) {
        if (v < 612)
                return;
        stage_paddr();
        wr(S0 "watermarks/metric", "free_mem_rate");
        wr(S0 "watermarks/interval_us", "1000000");
        wr(S0 "watermarks/high", "500");
        wr(S0 "watermarks/mid", "400");
        wr(S0 "watermarks/low", "200");
        wr(K "0/state", "on");
        wr(K "0/state", "update_schemes_tried_regions");
        /* plenty of free memory: the reclaim scheme is off and the walk is cancelled */
        fake_kernel_set_free_mem_permil(k, 900);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_tried_regions"), -ECANCELED);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "update_schemes_tried_bytes"), -ECANCELED);
        /* 6.14+: each waited for the kdamond's next watermark check (interval_us) before it was cancelled */
        ck_assert_uint_eq(fake_kernel_n_held_commands(k), v >= 614 ? 2 : 0);
        ck_assert_uint_eq(fake_kernel_held_usec(k), v >= 614 ? 2000000 : 0);
        if (v >= 614) {
                wr(K "0/state", "update_schemes_stats");
                ck_assert_uint_eq(fake_kernel_held_usec(k), 3000000);
        }
        /* one scheme without watermarks is enough to keep the walk going */
        wr(C0 "schemes/nr_schemes", "2");
        wr(S0 "watermarks/metric", "free_mem_rate");
        wr(S0 "watermarks/high", "500");
        if (v < 614) {
                /* before 6.14 a commit to an inactive kdamond waits forever in the kernel */
                ck_assert_int_eq(damon_io_write(io, K "0/state", "commit"), -EDEADLK);
                ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 1);
                fake_kernel_set_free_mem_permil(k, 300);
        }
        wr(K "0/state", "commit");
        fake_kernel_set_free_mem_permil(k, 900);
        wr(K "0/state", "update_schemes_tried_bytes");
}
END_TEST

START_TEST(test_tuned_intervals) {
        if (v < 615)
                return;
        stage_paddr();
        wr(C0 "monitoring_attrs/intervals/intervals_goal/aggrs", "3");
        wr(C0 "monitoring_attrs/intervals/intervals_goal/access_bp", "400");
        wr(C0 "monitoring_attrs/intervals/intervals_goal/min_sample_us", "1000");
        wr(C0 "monitoring_attrs/intervals/intervals_goal/max_sample_us", "1000000");
        wr(K "0/state", "on");
        wr(C0 "monitoring_attrs/intervals/sample_us", "4000");
        wr(K "0/state", "update_tuned_intervals");
        /* what the kernel tuned to, not what was staged */
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "10000");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/aggr_us"), "200000");
}
END_TEST

START_TEST(test_refresh_ms) {
        uint64_t a, b;

        stage_paddr();
        wr(K "0/state", "on");
        if (v < 617) {
                ck_assert_int_eq(ex(K "0/refresh_ms"), 0);
                /* without refresh_ms nothing changes by itself */
                ck_assert_str_eq(rd(S0 "stats/nr_tried"), "0");
                return;
        }
        ck_assert_str_eq(rd(S0 "stats/nr_tried"), "0");
        wr(K "0/refresh_ms", "100");
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &a));
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &b));
        ck_assert_uint_gt(a, 0);
        ck_assert_uint_gt(b, a);
        /* it overwrites a staged sample_us with the running one */
        wr(C0 "monitoring_attrs/intervals/sample_us", "7000");
        ck_assert_str_eq(rd(C0 "monitoring_attrs/intervals/sample_us"), "5000");
        /* stopped: no refresh */
        wr(K "0/state", "off");
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &a));
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &b));
        ck_assert_uint_eq(a, b);
}
END_TEST

START_TEST(test_restart_resets_stats) {
        uint64_t a, b;

        stage_paddr();
        wr(K "0/state", "on");
        wr(K "0/state", "update_schemes_stats");
        wr(K "0/state", "update_schemes_stats");
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &a));
        wr(K "0/state", "off");
        wr(K "0/state", "on");
        wr(K "0/state", "update_schemes_stats");
        ck_assert_ok(damon_io_read_u64(io, S0 "stats/nr_tried", &b));
        ck_assert_uint_lt(b, a);
}
END_TEST

START_TEST(test_modules) {
        const char *lru = "sys/module/damon_lru_sort/parameters/enabled";

        stage_paddr();
        wr(K "0/state", "on");
        ck_assert_int_eq(damon_io_write_once(io, RECLAIM "enabled", "Y"), -EBUSY);
        ck_assert_int_eq(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true), -EBUSY);
        wr(K "0/state", "off");
        wr("sys/module/damon_reclaim/parameters/enabled", "Y");
        ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/enabled"), "Y");
        ck_assert_str_ne(rd("sys/module/damon_reclaim/parameters/kdamond_pid"), "-1");
        ck_assert_int_eq(damon_io_write_once(io, K "0/state", "on"), -EBUSY);
        ck_assert_str_eq(rd(K "0/state"), "off");
        if (v >= 601)
                ck_assert_int_eq(damon_io_write_once(io, lru, "Y"), -EBUSY);
        else
                ck_assert_int_eq(ex(lru), 0);
        if (v >= 601) {
                wr("sys/module/damon_reclaim/parameters/commit_inputs", "Y");
                ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/commit_inputs"), "N");
                ck_assert_uint_eq(fake_kernel_module_n_commits(k, DAMON_MODULE_RECLAIM), 1);
        }
        ck_assert_int_eq(damon_io_write(io, RECLAIM "kdamond_pid", "1"), -EACCES);
        wr("sys/module/damon_reclaim/parameters/quota_ms", "020");
        ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/quota_ms"), "16");
        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, false));
        ck_assert_str_eq(rd("sys/module/damon_reclaim/parameters/kdamond_pid"), "-1");
        wr(K "0/state", "on");
}
END_TEST

START_TEST(test_stat_module) {
        const char *stat = "sys/module/damon_stat/parameters/";
        char path[PATH_MAX];

        if (v < 617) {
                ck_assert_int_eq(fake_kernel_add_stat_module(k, true), -EOPNOTSUPP);
                return;
        }
        ck_assert_ok(fake_kernel_add_stat_module(k, true));
        ck_assert_int_eq(fake_kernel_add_stat_module(k, true), -EEXIST);
        snprintf(path, sizeof(path), "%senabled", stat);
        ck_assert_str_eq(rd(path), "Y");
        snprintf(path, sizeof(path), "%smemory_idle_ms_percentiles", stat);
        ck_assert(strneq(rd(path), "-1000,-900,", 11));
        {
                unsigned commas = 0;

                for (const char *c = rd(path); *c; c++)
                        commas += *c == ',';
                ck_assert_uint_eq(commas, 100);
        }
        snprintf(path, sizeof(path), "%saggr_interval_us", stat);
        ck_assert_int_eq(ex(path), v >= 618);
        if (v >= 618)
                ck_assert_str_eq(rd(path), "200000");
        /* the kdamond's pid is published from 7.2 on (Debian's 7.2; not in 6.17 nor 6.18) */
        snprintf(path, sizeof(path), "%skdamond_pid", stat);
        ck_assert_int_eq(ex(path), v >= 702);
        if (v >= 702)
                ck_assert_str_ne(rd(path), "-1");
        /* enabled at boot, it holds DAMON: sysfs kdamonds cannot start, nor can another module */
        stage_paddr();
        ck_assert_int_eq(damon_io_write_once(io, K "0/state", "on"), -EBUSY);
        ck_assert_int_eq(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true), -EBUSY);
        snprintf(path, sizeof(path), "%senabled", stat);
        wr(path, "N");
        snprintf(path, sizeof(path), "%sestimated_memory_bandwidth", stat);
        ck_assert_str_eq(rd(path), "0");
        wr(K "0/state", "on");
        ck_assert_int_eq(fake_kernel_set_module_enabled(k, DAMON_MODULE_STAT, true), -EBUSY);
}
END_TEST

START_TEST(test_write_log_and_injection) {
        size_t n;

        stage_paddr();
        n = fake_kernel_n_writes(k);
        ck_assert_uint_eq(n, 9);
        fake_kernel_clear_write_log(k);
        wr(K "nr_kdamonds", "1");
        wr(K "0/contexts/nr_contexts", "1\n");
        ck_assert_int_eq(damon_io_write(io, K "0/contexts/nr_contexts", "3"), -EINVAL);
        wr("proc/pressure/memory", "some 150000 1000000");
        ck_assert_str_eq(fake_kernel_write_log(k),
                         "nr_kdamonds 1\n"
                         "0/contexts/nr_contexts 1\n"
                         "0/contexts/nr_contexts 3 -> -EINVAL\n"
                         "proc/pressure/memory some 150000 1000000\n");
        ck_assert_uint_eq(fake_kernel_n_writes(k), n + 3);

        stage_paddr();
        fake_kernel_clear_write_log(k);
        fake_kernel_inject_write_error(k, "/state", -EIO, 1);
        ck_assert_int_eq(damon_io_write(io, K "0/state", "on"), -EIO);
        /* injected before any effect */
        ck_assert_str_eq(rd(K "0/state"), "off");
        wr(K "0/state", "on");
        ck_assert_str_eq(fake_kernel_write_log(k), "0/state on -> -EIO\n0/state on\n");

        fake_kernel_inject_write_error(k, "quotas/ms", -ENOMEM, 0);
        ck_assert_int_eq(damon_io_write(io, S0 "quotas/ms", "1"), -ENOMEM);
        ck_assert_int_eq(damon_io_write(io, S0 "quotas/ms", "1"), -ENOMEM);
        fake_kernel_clear_injections(k);
        wr(S0 "quotas/ms", "1");

        /* the nth write from now, whatever its path; once */
        fake_kernel_clear_write_log(k);
        n = fake_kernel_n_write_attempts(k);
        fake_kernel_inject_nth_write_error(k, 1, -EIO);
        wr(S0 "quotas/ms", "2");
        ck_assert_int_eq(damon_io_write(io, S0 "quotas/bytes", "4096"), -EIO);
        wr(S0 "quotas/bytes", "4096");
        ck_assert_uint_eq(fake_kernel_n_write_attempts(k), n + 3);
        ck_assert_str_eq(fake_kernel_write_log(k), "0/contexts/0/schemes/0/quotas/ms 2\n"
                         "0/contexts/0/schemes/0/quotas/bytes 4096 -> -EIO\n0/contexts/0/schemes/0/quotas/bytes 4096\n");

        /* bounded: the older half goes, whole lines */
        for (unsigned i = 0; i < 2 * FAKE_KERNEL_WRITE_LOG_MAX / 200; i++) {
                char val[200];

                snprintf(val, sizeof val, "%0180u", i);
                wr("proc/pressure/memory", val);
                if (i % 1024 == 0)
                        ck_assert_uint_le(strlen(fake_kernel_write_log(k)), FAKE_KERNEL_WRITE_LOG_MAX);
        }
        ck_assert_uint_le(strlen(fake_kernel_write_log(k)), FAKE_KERNEL_WRITE_LOG_MAX);
        ck_assert_uint_gt(strlen(fake_kernel_write_log(k)), FAKE_KERNEL_WRITE_LOG_MAX / 3);
        ck_assert(strncmp(fake_kernel_write_log(k), "proc/pressure/memory 0", 22) == 0);
}
END_TEST

START_TEST(test_lock_busy) {
        uint64_t n;

        stage_paddr();
        fake_kernel_set_lock_busy(k, 2);
        /* damon_io retries EBUSY with a back-off the fake counts instead of sleeping */
        ck_assert_ok(damon_io_read_u64(io, K "nr_kdamonds", &n));
        ck_assert_uint_eq(n, 1);
        ck_assert_uint_eq(fake_kernel_slept_usec(k), 3 * DAMON_IO_EBUSY_FIRST_USEC);
        fake_kernel_set_lock_busy(k, 1);
        /* only nr_*, state and pid files take the lock */
        wr(S0 "quotas/ms", "5");
        ck_assert_int_eq(damon_io_write_once(io, K "0/state", "on"), -EBUSY);
        wr(K "0/state", "on");
        fake_kernel_set_lock_busy(k, 100);
        ck_assert_int_eq(damon_io_read(io, K "0/pid", (char[16]) {}, 16), -EBUSY);
}
END_TEST

START_TEST(test_foreign) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        unsigned idx;

        wr(K "nr_kdamonds", "1");
        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &idx));
        ck_assert_uint_eq(idx, 1);
        ck_assert_str_eq(rd(K "nr_kdamonds"), "2");
        ck_assert_str_eq(rd(K "1/state"), "on");
        ck_assert_str_eq(rd(K "1/contexts/0/operations"), "paddr");
        ck_assert_str_eq(rd(K "1/contexts/0/schemes/0/action"), "pageout");
        if (v >= 615) {
                ck_assert_str_eq(rd(K "1/contexts/0/schemes/0/ops_filters/1/type"), "unmapped");
                ck_assert_str_eq(rd(K "1/contexts/0/schemes/0/ops_filters/1/allow"), "Y");
                ck_assert_str_eq(rd(K "1/contexts/0/schemes/0/quotas/goals/0/target_metric"),
                                 "some_mem_psi_us");
        } else if (v >= 612)
                ck_assert_str_eq(rd(K "1/contexts/0/schemes/0/filters/0/matching"), "Y");
        ck_assert_int_eq(fake_kernel_add_foreign_kdamond(k, false, NULL), -EBUSY);
        ck_assert_int_eq(damon_io_write_once(io, K "nr_kdamonds", "3"), -EBUSY);
        ck_assert_ok(fake_kernel_snapshot(k, K "1", &before));
        (void) rd(K "1/contexts/0/schemes/0/stats/nr_tried");
        ck_assert_ok(fake_kernel_snapshot(k, K "1", &after));
        ck_assert_str_eq(before, after);
        ck_assert(strstr(before, K "1/state=on\n"));
        /* the other user's writes are not in our log */
        ck_assert_str_eq(fake_kernel_write_log(k), "nr_kdamonds 1\nnr_kdamonds 3 -> -EBUSY\n");
}
END_TEST

/* A test process that dies on a failed assertion never reaches its teardown: the tree still goes. */
START_TEST(test_tree_removed_at_exit) {
        char path[PATH_MAX] = "";
        int fds[2], status;
        pid_t pid;

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                FakeKernel *leaked = NULL;

                if (fake_kernel_new(FAKE_GEN_6_18, true, &leaked) < 0)
                        _exit(2);
                (void) write(fds[1], fake_kernel_root_path(leaked), strlen(fake_kernel_root_path(leaked)));
                exit(1);
        }
        close(fds[1]);
        ck_assert_int_gt(read(fds[0], path, sizeof(path) - 1), 0);
        close(fds[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        ck_assert_int_eq(access(path, F_OK), -1);
        /* and the parent's own fake kernel is untouched by the child's exit */
        ck_assert_str_eq(rd(K "nr_kdamonds"), "0");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("fake-kernel");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_fresh_tree);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_file_sets);
        tcase_add_test(tc, test_exact_file_sets);
        tcase_add_test(tc, test_nr_wipes_children);
        tcase_add_test(tc, test_number_parsing);
        tcase_add_test(tc, test_keywords);
        tcase_add_test(tc, test_read_only);
        tcase_add_test(tc, test_on_off);
        tcase_add_test(tc, test_on_validation);
        tcase_add_test(tc, test_commit);
        tcase_add_test(tc, test_goal_commit);
        tcase_add_test(tc, test_targets_exit);
        tcase_add_test(tc, test_update_commands);
        tcase_add_test(tc, test_watermarks_cancel_tried_regions);
        tcase_add_test(tc, test_tuned_intervals);
        tcase_add_test(tc, test_refresh_ms);
        tcase_add_test(tc, test_restart_resets_stats);
        tcase_add_test(tc, test_modules);
        tcase_add_test(tc, test_stat_module);
        tcase_add_test(tc, test_write_log_and_injection);
        tcase_add_test(tc, test_lock_busy);
        tcase_add_test(tc, test_foreign);
        tcase_add_test(tc, test_tree_removed_at_exit);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
