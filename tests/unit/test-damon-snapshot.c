/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots of DAMON's regions (include/damon-snapshot.h) against the fake kernel of each generation: the
 * scheme that sees everything, the blocking read, the worker thread with its eventfd, and the busy flag
 * that keeps the caller's DamonIO from backing off while the worker's command is pending.
 */
#include <poll.h>
#include <string.h>

#include "damon-snapshot.h"
#include "damon-sysfs.h"
#include "fake-kernel.h"
#include "test-util.h"

static FakeKernelGen gen;
static FakeKernel *k;
static DamonSysfs *sysfs;
static unsigned index0;

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        ck_assert_ok(damon_sysfs_new(fake_kernel_io(k), &sysfs));
        ck_assert_ok(damon_sysfs_add_kdamonds(sysfs, 1, &index0, NULL));
        ck_assert_ok(damon_sysfs_probe(sysfs));
}

static void teardown(void) {
        sysfs = damon_sysfs_free(sysfs);
        k = fake_kernel_free(k);
}

static bool has_tried_regions(void) {
        return damon_features_has(damon_sysfs_features(sysfs), DAMON_FEATURE_TRIED_REGIONS);
}

/* paddr over 1 GiB with a pageout scheme for cold memory, then the snapshot scheme */
static void start_spec_intervals(DamonSpec *spec, int *ret_scheme, uint64_t sample_us, uint64_t aggr_us) {
        DamonTarget *t;
        DamosScheme *s;
        DamonError e = {};

        damon_spec_init(spec);
        spec->ops = DAMON_OPS_PADDR;
        spec->attrs.sample_us = sample_us;
        spec->attrs.aggr_us = aggr_us;
        t = damon_spec_add_target(spec);
        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_nonnull(damon_target_add_region(t, 1048576, 1073741824));
        s = damon_spec_add_scheme(spec);
        ck_assert_ptr_nonnull(s);
        s->action = DAMOS_ACTION_PAGEOUT;
        s->sz = (DamonRange) { 4096, UINT64_MAX };
        s->age = (DamonRange) { 50, UINT32_MAX };
        s->quota.bytes = 134217728;
        s->quota.reset_interval_ms = 1000;
        /* the pageout scheme does not see everything; an appended stat scheme does */
        ck_assert_int_eq(damon_snapshot_scheme_index(spec), -ENOENT);
        *ret_scheme = damon_snapshot_add_scheme(spec);
        ck_assert_int_eq(*ret_scheme, 1);
        ck_assert_int_eq(damon_snapshot_scheme_index(spec), 1);
        ck_assert_msg(damon_sysfs_start(sysfs, index0, spec, NULL, &e) >= 0, "%s", e.message);
}

static void start_spec(DamonSpec *spec, int *ret_scheme) {
        start_spec_intervals(spec, ret_scheme, 5000, 100000);
}

/* 6.14+: the tried regions come through damos_walk(), which holds DAMON's sysfs lock */
static bool walks_hold_lock(void) {
        return damon_features_has(damon_sysfs_features(sysfs), DAMON_FEATURE_FILTER_ALLOW);
}

START_TEST(test_scheme_index) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamosScheme *s;

        damon_spec_init(&spec);
        s = damon_spec_add_scheme(&spec);
        ck_assert_ptr_nonnull(s);
        /* a fresh scheme (kernel defaults: all ranges 0) matches nothing */
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), -ENOENT);
        ck_assert_int_eq(damon_snapshot_add_scheme(&spec), 1);
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), 1);
        /* a quota makes its tried regions a part of the picture only */
        spec.schemes[1].quota.bytes = 1;
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), -ENOENT);
        spec.schemes[1].quota.bytes = 0;
        /* nr_accesses up to aggr/sample is everything (what a profile's stat scheme compiles to) */
        spec.attrs.sample_us = 5000;
        spec.attrs.aggr_us = 100000;
        spec.schemes[1].nr_accesses.max = 20;
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), 1);
        spec.schemes[1].nr_accesses.max = 19;
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), -ENOENT);
        spec.schemes[1].nr_accesses.max = 20;
        spec.schemes[1].age.max = 100;
        ck_assert_int_eq(damon_snapshot_scheme_index(&spec), -ENOENT);
}
END_TEST

START_TEST(test_read) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(access_snapshot_done) AccessSnapshot snap = {};
        uint64_t cmd_usec = UINT64_MAX;
        int scheme, r;

        start_spec(&spec, &scheme);
        fake_kernel_clear_write_log(k);
        r = damon_snapshot_read(fake_kernel_io(k), damon_sysfs_features(sysfs), index0, (size_t) scheme, &snap,
                                &cmd_usec);
        if (!has_tried_regions()) {
                /* 6.1 and older: nothing written, nothing read */
                ck_assert_int_eq(r, -EOPNOTSUPP);
                ck_assert_str_eq(fake_kernel_write_log(k), "");
                return;
        }
        ck_assert_ok(r);
        ck_assert_str_eq(fake_kernel_write_log(k), "0/state update_schemes_tried_regions\n");
        /* 6.14+: the lock is held for two 100 ms aggregations at most */
        ck_assert_uint_eq(fake_kernel_n_walks(k), walks_hold_lock() ? 1 : 0);
        ck_assert_uint_le(fake_kernel_max_walk_usec(k), DAMON_SNAPSHOT_MAX_HOLD_USEC);
        ck_assert_uint_ne(cmd_usec, UINT64_MAX);
        ck_assert_uint_gt(snap.n_regions, 0);
        ck_assert_uint_eq(snap.sample_us, 5000);
        ck_assert_uint_eq(snap.aggr_us, 100000);
        ck_assert_uint_gt(snap.time_usec, 0);
        for (size_t i = 0; i < snap.n_regions; i++)
                ck_assert_uint_lt(snap.regions[i].start, snap.regions[i].end);

        /* a stopped kdamond has no regions to give */
        ck_assert_ok(damon_sysfs_stop(sysfs, index0, NULL));
        access_snapshot_done(&snap);
        ck_assert_int_eq(damon_snapshot_read(fake_kernel_io(k), damon_sysfs_features(sysfs), index0,
                                             (size_t) scheme, &snap, NULL), -ESRCH);
}
END_TEST

/* Slow intervals (as the kernel's auto-tuning makes them: seconds of sampling, a minute of aggregation):
 * from 6.14 the kernel would answer only after one to two aggregations, holding DAMON's sysfs lock, and
 * every reader of a kdamond's state or pid meanwhile gets EBUSY. No command then; before 6.14 the waiter
 * dropped the lock, and the snapshot is taken. */
START_TEST(test_read_slow_intervals) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(access_snapshot_done) AccessSnapshot snap = {};
        int scheme, r;

        start_spec_intervals(&spec, &scheme, 500000, 10000000);
        fake_kernel_clear_write_log(k);
        r = damon_snapshot_read(fake_kernel_io(k), damon_sysfs_features(sysfs), index0, (size_t) scheme, &snap,
                                NULL);
        if (!has_tried_regions()) {
                ck_assert_int_eq(r, -EOPNOTSUPP);
                return;
        }
        if (walks_hold_lock()) {
                ck_assert_int_eq(r, -ETIME);
                ck_assert_str_eq(fake_kernel_write_log(k), "");
                ck_assert_uint_eq(fake_kernel_n_walks(k), 0);
                return;
        }
        ck_assert_ok(r);
        ck_assert_str_eq(fake_kernel_write_log(k), "0/state update_schemes_tried_regions\n");
        ck_assert_uint_eq(fake_kernel_n_walks(k), 0);
}
END_TEST

/* A scheme's own apply interval counts instead of the aggregation interval: a long one alone holds the
 * walk as long. */
START_TEST(test_read_slow_apply_interval) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(access_snapshot_done) AccessSnapshot snap = {};
        DamonError e = {};
        int scheme, r;

        start_spec(&spec, &scheme);
        if (!damon_features_has(damon_sysfs_features(sysfs), DAMON_FEATURE_APPLY_INTERVAL))
                return;
        spec.schemes[0].apply_interval_us = 5000000;
        ck_assert_msg(damon_sysfs_commit(sysfs, index0, &spec, NULL, &e) >= 0, "%s", e.message);
        fake_kernel_clear_write_log(k);
        r = damon_snapshot_read(fake_kernel_io(k), damon_sysfs_features(sysfs), index0, (size_t) scheme, &snap,
                                NULL);
        ck_assert_int_eq(r, walks_hold_lock() ? -ETIME : 0);
}
END_TEST

static void wait_readable(int fd) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        ck_assert_int_eq(poll(&p, 1, 10000), 1);
}

START_TEST(test_worker) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        _cleanup_(damon_snapshotter_freep) DamonSnapshotter *s = NULL;
        DamonSnapshotResult res = {};
        struct pollfd p;
        int scheme;

        start_spec(&spec, &scheme);
        ck_assert_ok(damon_snapshotter_new(fake_kernel_io(k), damon_sysfs_features(sysfs), &s));
        ck_assert_int_ge(damon_snapshotter_fd(s), 0);
        ck_assert_int_eq(damon_snapshotter_collect(s, &res), -EAGAIN);

        ck_assert_ok(damon_snapshotter_request(s, index0, (size_t) scheme, 42));
        /* one at a time: a second request waits until the first was collected */
        ck_assert_int_eq(damon_snapshotter_request(s, index0, (size_t) scheme, 43), -EBUSY);
        wait_readable(damon_snapshotter_fd(s));
        ck_assert(!damon_snapshotter_busy(s));
        ck_assert_int_eq(damon_snapshotter_request(s, index0, (size_t) scheme, 43), -EBUSY);
        ck_assert_ok(damon_snapshotter_collect(s, &res));
        ck_assert_uint_eq(res.cookie, 42);
        ck_assert_uint_eq(res.index, index0);
        if (has_tried_regions()) {
                ck_assert_ok(res.error);
                ck_assert_uint_gt(res.snapshot.n_regions, 0);
        } else
                ck_assert_int_eq(res.error, -EOPNOTSUPP);
        access_snapshot_done(&res.snapshot);

        /* collected: the eventfd is drained, and the next request goes */
        p = (struct pollfd) { .fd = damon_snapshotter_fd(s), .events = POLLIN };
        ck_assert_int_eq(poll(&p, 1, 0), 0);
        ck_assert_ok(damon_snapshotter_request(s, index0, (size_t) scheme, 43));
        wait_readable(damon_snapshotter_fd(s));
        ck_assert_ok(damon_snapshotter_collect(s, &res));
        ck_assert_uint_eq(res.cookie, 43);
        access_snapshot_done(&res.snapshot);
}
END_TEST

START_TEST(test_worker_errors_and_free) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        DamonSnapshotter *s = NULL;
        DamonSnapshotResult res = {};
        int scheme;

        start_spec(&spec, &scheme);
        ck_assert_ok(damon_sysfs_stop(sysfs, index0, NULL));
        ck_assert_ok(damon_snapshotter_new(fake_kernel_io(k), damon_sysfs_features(sysfs), &s));
        ck_assert_ok(damon_snapshotter_request(s, index0, (size_t) scheme, 7));
        wait_readable(damon_snapshotter_fd(s));
        ck_assert_ok(damon_snapshotter_collect(s, &res));
        ck_assert_int_eq(res.error, has_tried_regions() ? -ESRCH : -EOPNOTSUPP);
        ck_assert_uint_eq(res.snapshot.n_regions, 0);

        /* freeing with a result not collected (and one in flight) neither leaks nor hangs */
        ck_assert_ok(damon_snapshotter_request(s, index0, (size_t) scheme, 8));
        s = damon_snapshotter_free(s);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_busy_flag) {
        atomic_bool busy;
        uint64_t v, slept;

        /* the kernel's lock is busy for the next reads: normally retried with the back-off */
        atomic_init(&busy, false);
        damon_io_set_busy_flag(fake_kernel_io(k), &busy);
        fake_kernel_set_lock_busy(k, 2);
        slept = fake_kernel_slept_usec(k);
        ck_assert_ok(damon_io_read_u64(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/nr_kdamonds", &v));
        ck_assert_uint_gt(fake_kernel_slept_usec(k), slept);

        /* with our own worker keeping the kernel busy: "try again later" at once, no sleeping */
        atomic_store(&busy, true);
        fake_kernel_set_lock_busy(k, 2);
        slept = fake_kernel_slept_usec(k);
        ck_assert_int_eq(damon_io_read_u64(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/nr_kdamonds", &v), -EAGAIN);
        ck_assert_int_eq(damon_io_write(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/0/state", "off"), -EAGAIN);
        ck_assert_uint_eq(fake_kernel_slept_usec(k), slept);
        damon_io_set_busy_flag(fake_kernel_io(k), NULL);
}
END_TEST

static Suite *snapshot_suite(void) {
        Suite *s = suite_create("damon-snapshot");
        TCase *tc = tcase_create("damon-snapshot");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_scheme_index);
        tcase_add_test(tc, test_read);
        tcase_add_test(tc, test_read_slow_intervals);
        tcase_add_test(tc, test_read_slow_apply_interval);
        tcase_add_test(tc, test_worker);
        tcase_add_test(tc, test_worker_errors_and_free);
        tcase_add_test(tc, test_busy_flag);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(snapshot_suite());
}
