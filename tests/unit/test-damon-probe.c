/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The feature probe against the fake kernel of each generation ($DAMOND_FAKE_KERNEL) and against a
 * checked-in 6.18 tree: the exact feature set, what is inferred, and that nothing it does not own is
 * ever written. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "damon-features.h"
#include "fake-kernel.h"
#include "fake-tree.h"
#include "test-util.h"

#define K "sys/kernel/mm/damon/admin/kdamonds/"
#define BIT(f) DAMON_FEATURE_BIT(DAMON_FEATURE_##f)
#define OPS(o) (1u << DAMON_OPS_##o)

static FakeKernelGen gen;
static FakeKernel *k;
static DamonIO *io;

/* What each generation of the fake has: the test's own copy of the release each feature came in. */
static uint64_t upto(DamonFeature last);

static uint64_t full_mask(FakeKernelGen g) {
        switch (g) {
        case FAKE_GEN_5_18:
                return BIT(SYSFS);
        case FAKE_GEN_6_1:
                return upto(DAMON_FEATURE_LRU_ACTIONS);
        case FAKE_GEN_6_12:
                return upto(DAMON_FEATURE_MIGRATE);
        case FAKE_GEN_6_17:
                return upto(DAMON_FEATURE_REFRESH_MS);
        case FAKE_GEN_6_18:
                return upto(DAMON_FEATURE_ADDR_UNIT);
        case FAKE_GEN_7_2:
                return upto(DAMON_FEATURE_GOAL_TUNER);
        default:
                ck_abort();
        }
}

/* Every feature up to and including @last (the enum is in mainline order). */
static uint64_t upto(DamonFeature last) {
        return (DAMON_FEATURE_BIT(last) << 1) - 1;
}

static void assert_features(const DamonFeatures *f, uint64_t mask, uint64_t inferred, unsigned major,
                            unsigned minor) {
        ck_assert_msg(f->mask == mask, "mask %#llx, expected %#llx (missing %#llx, extra %#llx)",
                      (unsigned long long) f->mask, (unsigned long long) mask,
                      (unsigned long long) (mask & ~f->mask), (unsigned long long) (f->mask & ~mask));
        ck_assert_msg(f->inferred == inferred, "inferred %#llx, expected %#llx",
                      (unsigned long long) f->inferred, (unsigned long long) inferred);
        ck_assert_uint_eq(f->version_major, major);
        ck_assert_uint_eq(f->version_minor, minor);
}

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, false, &k));
        io = fake_kernel_io(k);
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

START_TEST(test_strings) {
        for (DamonFeature f = 0; f < _DAMON_FEATURE_MAX; f++) {
                ck_assert_ptr_nonnull(damon_feature_to_string(f));
                ck_assert_ptr_nonnull(damon_feature_version(f));
        }
        ck_assert_str_eq(damon_feature_version(DAMON_FEATURE_QUOTA_GOALS), "6.8");
        ck_assert_str_eq(damon_feature_to_string(DAMON_FEATURE_QUOTA_GOALS), "quota goals");
        ck_assert_str_eq(damon_feature_version(DAMON_FEATURE_YOUNG_FILTER), "6.10");
        ck_assert_ptr_null(damon_feature_to_string(_DAMON_FEATURE_MAX));
        ck_assert_str_eq(damon_module_to_string(DAMON_MODULE_LRU_SORT), "damon_lru_sort");
        ck_assert_ptr_null(damon_module_to_string(_DAMON_MODULE_MAX));
}
END_TEST

START_TEST(test_no_damon) {
        char dir[] = "/tmp/damond-test-probe-XXXXXX";
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_(damon_io_freep) DamonIO *rio = NULL;
        DamonFeatures f = { .mask = 1 };

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_ok(root_open(dir, &root));
        ck_assert_ok(damon_io_new_root(root, &rio));
        ck_assert_int_eq(damon_features_probe(rio, NULL, 0, &f), -ENOENT);
        /* DAMON without DAMON_SYSFS: there is no admin directory */
        ck_assert_ok(tree_mkdir_p(root->fd, "sys/kernel/mm/damon"));
        ck_assert_int_eq(damon_features_probe(rio, NULL, 0, &f), -ENOENT);
        ck_assert_uint_eq(f.mask, 1);   /* untouched on error */
        ck_assert_ok(tree_rm_rf(AT_FDCWD, dir));
}
END_TEST

/* Nothing below kdamonds/ and nothing owned: only the interface itself can be seen, and nothing is
 * created to look deeper. */
START_TEST(test_fresh_tree) {
        DamonFeatures f;

        ck_assert_ok(damon_features_probe(io, NULL, 0, &f));
        assert_features(&f, BIT(SYSFS), 0, 5, 18);
        ck_assert_uint_eq(f.ops_mask, OPS(VADDR) | OPS(PADDR));
        ck_assert_uint_eq(f.modules_mask, 0);
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_int_eq(damon_io_exists(io, K "0"), 0);
}
END_TEST

/* Module parameters that came with a release are evidence for it: everything up to it is inferred. */
START_TEST(test_fresh_tree_with_modules) {
        _cleanup_(fake_kernel_freep) FakeKernel *km = NULL;
        DamonFeatures f;

        ck_assert_ok(fake_kernel_new(gen, true, &km));
        ck_assert_ok(damon_features_probe(fake_kernel_io(km), NULL, 0, &f));
        ck_assert_str_eq(fake_kernel_write_log(km), "");
        switch (gen) {
        case FAKE_GEN_5_18:     /* damon_reclaim without commit_inputs */
                assert_features(&f, BIT(SYSFS), 0, 5, 18);
                ck_assert_uint_eq(f.modules_mask, 1u << DAMON_MODULE_RECLAIM);
                ck_assert_uint_eq(f.ops_mask, OPS(VADDR) | OPS(PADDR));
                break;
        case FAKE_GEN_6_1:      /* damon_lru_sort: 6.0 */
                assert_features(&f, upto(DAMON_FEATURE_LRU_ACTIONS),
                                upto(DAMON_FEATURE_LRU_ACTIONS) & ~BIT(SYSFS), 6, 0);
                ck_assert_uint_eq(f.modules_mask, (1u << DAMON_MODULE_RECLAIM) | (1u << DAMON_MODULE_LRU_SORT));
                ck_assert_uint_eq(f.ops_mask, OPS(VADDR) | OPS(FVADDR) | OPS(PADDR));
                break;
        case FAKE_GEN_6_12:     /* quota_mem_pressure_us: 6.9 */
                assert_features(&f, upto(DAMON_FEATURE_GOAL_METRICS),
                                upto(DAMON_FEATURE_GOAL_METRICS) & ~BIT(SYSFS), 6, 9);
                break;
        case FAKE_GEN_6_17:     /* nothing newer than 6.12's in the modules */
                assert_features(&f, upto(DAMON_FEATURE_GOAL_METRICS),
                                upto(DAMON_FEATURE_GOAL_METRICS) & ~BIT(SYSFS), 6, 9);
                break;
        case FAKE_GEN_6_18:     /* addr_unit: 6.18 */
                assert_features(&f, full_mask(gen), full_mask(gen) & ~BIT(SYSFS), 6, 18);
                break;
        case FAKE_GEN_7_2:      /* damon_lru_sort's active_mem_bp: 7.0 */
                assert_features(&f, upto(DAMON_FEATURE_SNAPSHOTS), upto(DAMON_FEATURE_SNAPSHOTS) & ~BIT(SYSFS),
                                7, 0);
                break;
        default:
                ck_abort();
        }
}
END_TEST

START_TEST(test_modules_mask) {
        _cleanup_(fake_kernel_freep) FakeKernel *km = NULL;
        unsigned expected = 1u << DAMON_MODULE_RECLAIM;
        DamonFeatures f;

        ck_assert_ok(fake_kernel_new(gen, true, &km));
        if (gen >= FAKE_GEN_6_1)
                expected |= 1u << DAMON_MODULE_LRU_SORT;
        if (gen >= FAKE_GEN_6_17) {
                ck_assert_ok(fake_kernel_add_stat_module(km, false));
                expected |= 1u << DAMON_MODULE_STAT;
        }
        ck_assert_ok(damon_features_probe(fake_kernel_io(km), NULL, 0, &f));
        ck_assert_uint_eq(f.modules_mask, expected);
}
END_TEST

/* Another user's running kdamond with a scheme, a goal and filters: everything visible is read there,
 * the keyword features are inferred, and its tree is byte for byte what it was. */
START_TEST(test_foreign_running) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        DamonFeatures f;
        unsigned idx;

        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &idx));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &before));
        ck_assert_ok(damon_features_probe(io, NULL, 0, &f));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &after));
        ck_assert_str_eq(before, after);
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);

        switch (gen) {
        case FAKE_GEN_5_18:
                /* the context has no avail_operations: 5.18 */
                assert_features(&f, BIT(SYSFS), 0, 5, 18);
                ck_assert_uint_eq(f.ops_mask, OPS(VADDR) | OPS(PADDR));
                break;
        case FAKE_GEN_6_1:
                /* 5.19 is the newest thing visible and tried_regions (6.2) is absent: 5.19, 6.0 and 6.1 look
                 * the same without a staged file to test lru_prio, so LRU sorting is not claimed */
                assert_features(&f, BIT(SYSFS) | BIT(COMMIT) | BIT(FVADDR), 0, 5, 19);
                ck_assert_uint_eq(f.ops_mask, OPS(VADDR) | OPS(FVADDR) | OPS(PADDR));
                break;
        case FAKE_GEN_6_12:
                assert_features(&f, full_mask(gen), BIT(LRU_ACTIONS) | BIT(YOUNG_FILTER), 6, 11);
                break;
        case FAKE_GEN_6_17:
                assert_features(&f, full_mask(gen), BIT(LRU_ACTIONS) | BIT(YOUNG_FILTER), 6, 17);
                break;
        case FAKE_GEN_6_18:
                assert_features(&f, full_mask(gen), BIT(LRU_ACTIONS) | BIT(YOUNG_FILTER), 6, 18);
                break;
        case FAKE_GEN_7_2:
                assert_features(&f, full_mask(gen), BIT(LRU_ACTIONS) | BIT(YOUNG_FILTER), 7, 1);
                break;
        default:
                ck_abort();
        }
}
END_TEST

/* A stopped kdamond of our own with nothing staged: children are staged, keywords test-written, and
 * the directory is left as it was. The result is exact, nothing inferred. */
START_TEST(test_owned_stopped) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        const unsigned owned[] = { 0 };
        DamonFeatures f;

        ck_assert_ok(damon_io_write(io, K "nr_kdamonds", "1"));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &before));
        fake_kernel_clear_write_log(k);
        ck_assert_ok(damon_features_probe(io, owned, 1, &f));
        assert_features(&f, full_mask(gen), 0,
                        (unsigned[]) { 5, 6, 6, 6, 6, 7 }[gen],
                        (unsigned[]) { 18, 0, 11, 17, 18, 1 }[gen]);
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &after));
        ck_assert_str_eq(before, after);
        /* staged in 0/ only, created children only where there were none, and restored */
        ck_assert_ptr_nonnull(strstr(fake_kernel_write_log(k), "0/contexts/nr_contexts 1\n"));
        ck_assert(strstr(fake_kernel_write_log(k), "0/contexts/nr_contexts 0\n"));
        if (gen >= FAKE_GEN_6_1)
                ck_assert(strstr(fake_kernel_write_log(k), "0/contexts/0/schemes/0/action lru_prio\n"));
        else
                ck_assert(strstr(fake_kernel_write_log(k),
                                 "0/contexts/0/schemes/0/action lru_prio -> -EINVAL\n"));
}
END_TEST

/* What the owner staged survives the probe: only nr_* files that were 0 are raised, and put back. */
START_TEST(test_owned_staged_values_kept) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        const unsigned owned[] = { 0 };
        DamonFeatures f;

        ck_assert_ok(damon_io_write(io, K "nr_kdamonds", "1"));
        ck_assert_ok(damon_io_write(io, K "0/contexts/nr_contexts", "1"));
        ck_assert_ok(damon_io_write(io, K "0/contexts/0/operations", "paddr"));
        ck_assert_ok(damon_io_write(io, K "0/contexts/0/schemes/nr_schemes", "1"));
        ck_assert_ok(damon_io_write(io, K "0/contexts/0/schemes/0/action", "pageout"));
        ck_assert_ok(damon_io_write(io, K "0/contexts/0/schemes/0/quotas/ms", "20"));
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &before));
        ck_assert_ok(damon_features_probe(io, owned, 1, &f));
        ck_assert_uint_eq(f.mask, full_mask(gen));
        ck_assert_uint_eq(f.inferred, 0);
        ck_assert_ok(fake_kernel_snapshot(k, "sys/kernel/mm/damon", &after));
        ck_assert_str_eq(before, after);
}
END_TEST

/* Owned stopped kdamond 0 next to a foreign running kdamond 1: exact result, and 1/ is never written. */
START_TEST(test_owned_beside_foreign) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        const unsigned owned[] = { 0 };
        DamonFeatures f;
        const char *log, *l;
        unsigned idx;

        ck_assert_ok(damon_io_write(io, K "nr_kdamonds", "1"));
        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &idx));
        ck_assert_uint_eq(idx, 1);
        ck_assert_ok(fake_kernel_snapshot(k, K "1", &before));
        fake_kernel_clear_write_log(k);
        ck_assert_ok(damon_features_probe(io, owned, 1, &f));
        ck_assert_uint_eq(f.mask, full_mask(gen));
        ck_assert_uint_eq(f.inferred, 0);
        ck_assert_ok(fake_kernel_snapshot(k, K "1", &after));
        ck_assert_str_eq(before, after);
        log = fake_kernel_write_log(k);
        ck_assert(log[0] != '\0');
        for (l = log; *l; l += strcspn(l, "\n") + 1)
                ck_assert_msg(strneq(l, "0/", 2), "wrote outside the owned kdamond: %s", log);
}
END_TEST

/* A running owned kdamond, or a stopped one we do not own, is only read. */
START_TEST(test_no_writes_unless_owned_and_stopped) {
        const unsigned owned[] = { 0 };
        DamonFeatures f;
        unsigned idx;

        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, false, &idx));
        ck_assert_ok(damon_features_probe(io, NULL, 0, &f));
        ck_assert_uint_eq(fake_kernel_n_writes(k), 0);
        ck_assert_ok(damon_io_write(io, K "0/state", "on"));
        ck_assert_ok(damon_features_probe(io, owned, 1, &f));
        ck_assert_uint_eq(fake_kernel_n_writes(k), 1);
        /* an owned index that does not exist is ignored */
        ck_assert_ok(damon_features_probe(io, (const unsigned[]) { 7 }, 1, &f));
        ck_assert_uint_eq(fake_kernel_n_writes(k), 1);
}
END_TEST

START_TEST(test_ops_mask) {
        DamonFeatures f;
        unsigned idx;

        ck_assert_ok(fake_kernel_set_avail_ops(k, OPS(PADDR)));
        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &idx));
        ck_assert_ok(damon_features_probe(io, NULL, 0, &f));
        /* 5.18 has no avail_operations: vaddr and paddr are assumed */
        ck_assert_uint_eq(f.ops_mask, gen == FAKE_GEN_5_18 ? OPS(VADDR) | OPS(PADDR) : OPS(PADDR));
}
END_TEST

/* The live 6.18 tree of a development machine, read through the real backend. */
START_TEST(test_fixture_6_18_foreign) {
        const char *data = getenv("DAMOND_TEST_DATA");
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_(damon_io_freep) DamonIO *rio = NULL;
        char path[PATH_MAX];
        DamonFeatures f;

        ck_assert_ptr_nonnull(data);
        snprintf(path, sizeof(path), "%s/sysfs-6.18-foreign", data);
        ck_assert_ok(root_open(path, &root));
        ck_assert_ok(damon_io_new_root(root, &rio));
        ck_assert_ok(damon_features_probe(rio, NULL, 0, &f));
        ck_assert_uint_eq(damon_io_stats(rio)->writes + damon_io_stats(rio)->failed_writes, 0);
        /* no goals there: node memory goals (6.16) are inferred from addr_unit (6.18) */
        assert_features(&f, full_mask(FAKE_GEN_6_18),
                        BIT(LRU_ACTIONS) | BIT(YOUNG_FILTER) | BIT(NODE_MEM_GOALS), 6, 18);
        ck_assert_uint_eq(f.ops_mask, OPS(PADDR));
        ck_assert_uint_eq(f.modules_mask, 0);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("damon-probe");
        TCase *tc = tcase_create("probe");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_strings);
        tcase_add_test(tc, test_no_damon);
        tcase_add_test(tc, test_fresh_tree);
        tcase_add_test(tc, test_fresh_tree_with_modules);
        tcase_add_test(tc, test_modules_mask);
        tcase_add_test(tc, test_foreign_running);
        tcase_add_test(tc, test_owned_stopped);
        tcase_add_test(tc, test_owned_staged_values_kept);
        tcase_add_test(tc, test_owned_beside_foreign);
        tcase_add_test(tc, test_no_writes_unless_owned_and_stopped);
        tcase_add_test(tc, test_ops_mask);
        tcase_add_test(tc, test_fixture_6_18_foreign);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
