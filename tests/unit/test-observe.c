/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access snapshots and savings accounting in the manager (daemon/observe.h), once per fake kernel
 * generation: snapshots arrive through the worker at SnapshotInterval=, land in a ring bounded by
 * SnapshotHistoryMax=, give the working set and idle percentiles; kernels without tried regions say why;
 * the savings samples count what the kernel's counters say.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "log.h"
#include "manager.h"
#include "observe.h"
#include "profile-runner.h"
#include "test-util.h"
#include "test-manager-util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)
#define GiB (UINT64_C(1) << 30)

static FakeKernel *k;
static TestConfigDirs confdirs;
static char **config_dirs;

static const char *profile_text =
        "[Profile]\nOperations=paddr\n"
        "[Monitor]\nSampleInterval=5ms\nAggregationInterval=100ms\n"
        "[Target]\nRegion=4G-5G\nRegion=6G-7G\nRegion=8G-9G\n"
        "[Scheme reclaim]\nAction=pageout\nMinAge=2min\nMaxAccesses=0\nQuotaSize=64M\nQuotaResetInterval=1s\n"
        "[Scheme all]\nAction=stat\n";

static void setup(void) {
        ck_assert_ok(fake_kernel_new(fake_kernel_gen_from_env(), true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem", "100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/watch.conf", profile_text));
        test_write_memory_counters(k);
        config_dirs = test_config_dirs(&confdirs, k);
        log_set_max_level(LOG_ERR);
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

static bool has_tried_regions(void) {
        return fake_kernel_gen(k) >= FAKE_GEN_6_12;     /* 6.2+: of our generations, 6.12 and 6.18 */
}

static Manager *start_manager(void) {
        Manager *m = test_manager_start(k, config_dirs, T0, "watch");

        ck_assert_ok(manager_observe_setup(m));
        return m;
}

/* Waits for the worker's result and collects it: 1 if one arrived. */
static int wait_collect(Manager *m, uint64_t now) {
        struct pollfd p = { .fd = manager_observe_fd(m), .events = POLLIN };

        ck_assert_int_ge(p.fd, 0);
        ck_assert_int_eq(poll(&p, 1, 5000), 1);
        return manager_observe_collect(m, now);
}

START_TEST(test_snapshots_arrive) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        ManagedProfile *p = manager_find_profile(m, "watch");
        const AccessSnapshot *s;
        ObserveAccess a;
        uint64_t idle0;

        ck_assert_ok(manager_health_tick(m, T0 + 1 * SEC));
        ck_assert_ptr_nonnull(p->observe);
        if (!has_tried_regions()) {
                /* no worker, and the profile says why */
                ck_assert_int_eq(manager_observe_fd(m), -EBADF);
                ck_assert_ptr_nonnull(p->observe->unavailable);
                ck_assert_ptr_nonnull(strstr(p->observe->unavailable, "6.2"));
                ck_assert_int_eq(profile_observe_access(p, &a), -ENODATA);
                return;
        }
        ck_assert_ptr_null(p->observe->unavailable);
        ck_assert_int_eq(wait_collect(m, T0 + 1 * SEC), 1);
        ck_assert_uint_eq(p->observe->n_snapshots, 1);
        ck_assert_int_eq(p->observe->last_error, 0);
        ck_assert_uint_eq(access_ring_size(&p->observe->ring), 1);

        s = access_ring_newest(&p->observe->ring);
        ck_assert_uint_eq(s->n_regions, 3);
        ck_assert_uint_eq(s->regions[0].start, 4 * GiB);
        ck_assert_uint_eq(s->regions[2].end, 9 * GiB);
        ck_assert_uint_eq(s->aggr_us, 100000);

        /* the fake gives region g nr_accesses g: regions 1 and 2 were accessed, region 0 is idle for its age */
        ck_assert_ok(profile_observe_access(p, &a));
        ck_assert_uint_eq(a.total_bytes, 3 * GiB);
        ck_assert_uint_eq(a.wss_window_usec, OBSERVE_WSS_WINDOW_USEC);
        idle0 = (uint64_t) s->regions[0].age * s->aggr_us;
        ck_assert_uint_eq(a.wss_bytes, 2 * GiB + (idle0 < OBSERVE_WSS_WINDOW_USEC ? GiB : 0));
        /* two thirds of the bytes idle for 0, the rest for its age: p50 is 0, p99 the idle region's */
        ck_assert_uint_eq(a.idle_usec[2], 0);
        ck_assert_uint_eq(a.idle_usec[ACCESS_N_PERCENTILES - 1], idle0);

        /* not again before SnapshotInterval= (30 s by default) */
        ck_assert_ok(manager_health_tick(m, T0 + 10 * SEC));
        ck_assert_int_eq(manager_observe_collect(m, T0 + 10 * SEC), 0);
        ck_assert_ok(manager_health_tick(m, T0 + 31 * SEC));
        ck_assert_int_eq(wait_collect(m, T0 + 31 * SEC), 1);
        ck_assert_uint_eq(access_ring_size(&p->observe->ring), 2);
}
END_TEST

/* The ring never holds more than SnapshotHistoryMax=, dropping the oldest. */
START_TEST(test_history_ceiling) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        uint64_t t = T0;

        if (!has_tried_regions())
                return;
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/damond.conf",
                                            "[Damond]\nSnapshotInterval=1s\nSnapshotHistoryMax=64K\n"));
        m = start_manager();
        p = manager_find_profile(m, "watch");
        for (unsigned i = 0; i < 800; i++) {
                t += SEC;
                ck_assert_ok(manager_health_tick(m, t));
                ck_assert_int_eq(wait_collect(m, t), 1);
        }
        ck_assert_uint_eq(p->observe->n_snapshots, 800);
        ck_assert_uint_le(p->observe->ring.bytes, 65536);
        ck_assert_uint_gt(p->observe->ring.n_dropped, 0);
        ck_assert_uint_eq(access_ring_size(&p->observe->ring), 800 - p->observe->ring.n_dropped);
        /* the newest is the last one taken */
        ck_assert_uint_eq(p->observe->ring.n_pushed, 800);
}
END_TEST

START_TEST(test_snapshots_off) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/damond.conf", "[Damond]\nSnapshotInterval=0\n"));
        m = start_manager();
        p = manager_find_profile(m, "watch");
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_ptr_nonnull(p->observe->unavailable);
        if (has_tried_regions()) {
                ck_assert_str_eq(p->observe->unavailable, "SnapshotInterval=0");
                ck_assert_int_eq(manager_observe_collect(m, T0 + SEC), 0);
                ck_assert_uint_eq(p->observe->n_snapshots, 0);
        }
}
END_TEST

/* Slow intervals (the kernel's auto-tuning reaches seconds of sampling): from 6.14 a snapshot would hold
 * DAMON's sysfs lock for up to two 10 s aggregations, so none is asked for, and the profile says why. */
START_TEST(test_slow_intervals_pause) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        const char *monitor = "SampleInterval=5ms\nAggregationInterval=100ms\n";
        const char *at = strstr(profile_text, monitor);
        char *text = NULL;

        ck_assert_ptr_nonnull(at);
        ck_assert_int_ge(asprintf(&text, "%.*sSampleInterval=500ms\nAggregationInterval=10s\n%s",
                                  (int) (at - profile_text), profile_text, at + strlen(monitor)), 0);
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/watch.conf", text));
        free(text);
        m = start_manager();
        p = manager_find_profile(m, "watch");
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        if (!has_tried_regions())
                return;
        ck_assert_int_eq(wait_collect(m, T0 + SEC), 1);
        if (fake_kernel_gen(k) >= FAKE_GEN_6_17) {
                ck_assert_uint_eq(p->observe->n_snapshots, 0);
                ck_assert_int_eq(p->observe->last_error, -ETIME);
                ck_assert_ptr_nonnull(p->observe->unavailable);
                ck_assert_ptr_nonnull(strstr(p->observe->unavailable, "paused"));
                ck_assert_uint_eq(fake_kernel_n_walks(k), 0);
                /* still said at the next tick */
                ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
                ck_assert_ptr_nonnull(p->observe->unavailable);
        } else {
                /* before 6.14 the waiter drops the lock: the snapshot is taken */
                ck_assert_uint_eq(p->observe->n_snapshots, 1);
                ck_assert_ptr_null(p->observe->unavailable);
        }
}
END_TEST

/* A profile whose schemes all act on part of memory gives no snapshot, and says so. */
START_TEST(test_no_stat_scheme) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        char *text = strdup(profile_text);

        ck_assert_ptr_nonnull(text);
        *strstr(text, "[Scheme all]") = '\0';
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/watch.conf", text));
        free(text);
        m = start_manager();
        p = manager_find_profile(m, "watch");
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        if (has_tried_regions())
                ck_assert_str_eq(p->observe->unavailable, "no stat scheme that matches all memory");
        ck_assert_int_eq(manager_observe_collect(m, T0 + SEC), 0);
        ck_assert_uint_eq(p->observe->n_snapshots, 0);
}
END_TEST

/* A profile removed while its snapshot is in flight: the result is dropped, nothing breaks. */
START_TEST(test_removed_in_flight) {
        _cleanup_(manager_freep) Manager *m = NULL;

        if (!has_tried_regions())
                return;
        m = start_manager();
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/watch.conf", "[Profile]\nEnabled=no\n"));
        ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
        ck_assert_int_eq(wait_collect(m, T0 + 2 * SEC), 1);
}
END_TEST

/* The snapshot worker's DamonIO for the tests of a stop while a snapshot is in flight: the fake kernel's
 * (every call through fake_kernel_io(), whose lock keeps the two threads apart), except that the
 * snapshot's state command waits at a gate, as the kernel keeps its writer waiting up to an apply
 * interval. While the command is in the kernel, the kernel answers EBUSY to every state, pid and nr_*
 * access (fake_kernel_set_lock_busy(), armed by the test); when it ends, it does no more. */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool entered, armed;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };

static ssize_t gated_read(void *userdata, const char *path, char *buf, size_t size) {
        int r = damon_io_read(fake_kernel_io(k), path, buf, size);

        return r < 0 ? r : (ssize_t) strlen(buf);
}

static int gated_write(void *userdata, const char *path, const char *value) {
        if (streq(value, "update_schemes_tried_regions")) {
                pthread_mutex_lock(&gate.lock);
                gate.entered = true;
                pthread_cond_broadcast(&gate.cond);
                while (!gate.armed)
                        pthread_cond_wait(&gate.cond, &gate.lock);
                pthread_mutex_unlock(&gate.lock);
                /* the kernel's wait for the apply interval: the stop comes meanwhile */
                (void) usleep(200 * 1000);
                damon_io_lock(fake_kernel_io(k));
                fake_kernel_set_lock_busy(k, 0);
                damon_io_unlock(fake_kernel_io(k));
        }
        return damon_io_write_once(fake_kernel_io(k), path, value);
}

static int gated_exists(void *userdata, const char *path) {
        return damon_io_exists(fake_kernel_io(k), path);
}

static int gated_list(void *userdata, const char *path, char ***ret_names) {
        return damon_io_list(fake_kernel_io(k), path, ret_names);
}

static void gated_sleep_usec(void *userdata, uint64_t usec) {
        damon_io_sleep_usec(fake_kernel_io(k), usec);
}

static const DamonIOOps gated_ops = {
        .read = gated_read,
        .write = gated_write,
        .exists = gated_exists,
        .list = gated_list,
        .sleep_usec = gated_sleep_usec,
};

/* Stops profile "watch" while its snapshot's state command holds DAMON busy: by StopProfile, or by a
 * reload that removes its file. The stop waits for the command and succeeds; the snapshot's result is
 * still collected. */
static void stop_in_flight(bool by_reload) {
        _cleanup_(damon_io_freep) DamonIO *io = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;
        int index;

        if (!has_tried_regions())
                return;
        ck_assert_ok(damon_io_new(&gated_ops, NULL, &io));
        ManagerOptions o = {
                .root = fake_kernel_root_path(k),
                .config_dirs = config_dirs,
                .io = fake_kernel_io(k),
                .snapshot_io = io,
        };
        ck_assert_ok(manager_new(&o, &m));
        ck_assert_int_eq(manager_start(m, T0), 0);
        p = manager_find_profile(m, "watch");
        ck_assert_int_eq(p->state, PROFILE_RUN_RUNNING);
        index = p->kdamond;
        ck_assert_ok(manager_observe_setup(m));

        /* the snapshot's command is in the kernel, which answers EBUSY meanwhile */
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        pthread_mutex_lock(&gate.lock);
        while (!gate.entered)
                pthread_cond_wait(&gate.cond, &gate.lock);
        fake_kernel_set_lock_busy(k, 1000);
        gate.armed = true;
        pthread_cond_broadcast(&gate.cond);
        pthread_mutex_unlock(&gate.lock);

        if (by_reload) {
                char path[PATH_MAX];

                snprintf(path, sizeof path, "%s/etc/damond/watch.conf", fake_kernel_root_path(k));
                ck_assert_int_eq(unlink(path), 0);
                ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
                ck_assert_ptr_null(manager_find_profile(m, "watch"));
        } else {
                ck_assert_int_eq(profile_operator_stop(m, p), 1);
                ck_assert_int_eq(p->state, PROFILE_RUN_STOPPED);
        }
        ck_assert(!fake_kernel_kdamond_on(k, (unsigned) index));
        /* the snapshot taken before the stop is collected (or dropped with its profile) */
        ck_assert_int_eq(wait_collect(m, T0 + 2 * SEC), 1);
}

START_TEST(test_operator_stop_in_flight) {
        stop_in_flight(false);
}
END_TEST

START_TEST(test_reload_remove_in_flight) {
        stop_in_flight(true);
}
END_TEST

/* Savings: the counters' deltas since the first sample, per action class and from vmstat/meminfo. */
START_TEST(test_savings) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        ManagedProfile *p = manager_find_profile(m, "watch");
        SavingsDelta d;

        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        (void) manager_observe_collect(m, T0 + SEC);
        ck_assert_int_eq(savings_history_since_start(&p->observe->savings, &d), -ENODATA);
        ck_assert_ok(fake_kernel_write_file(k, "proc/vmstat",
                                            "workingset_refault_anon 110\nworkingset_refault_file 20\n"
                                            "pswpin 7\npswpout 80\n"));
        ck_assert_ok(fake_kernel_write_file(k, "proc/meminfo",
                                            "MemTotal: 8388608 kB\nMemAvailable: 5242880 kB\n"
                                            "SwapTotal: 1048576 kB\nSwapFree: 917504 kB\n"));
        ck_assert_ok(manager_health_tick(m, T0 + 20 * SEC));
        ck_assert_ok(savings_history_since_start(&p->observe->savings, &d));
        ck_assert_uint_eq(d.duration_usec, 19 * SEC);
        ck_assert(d.has_refaults);
        ck_assert_uint_eq(d.refault_bytes, 100 * p->observe->savings.latest.page_size);
        ck_assert(d.has_swapins);
        ck_assert_uint_eq(d.swapin_bytes, 2 * p->observe->savings.latest.page_size);
        /* pswpout 50 -> 80: what went to swap, apart from what pageout was applied to */
        ck_assert(d.has_swapouts);
        ck_assert_uint_eq(d.swapout_bytes, 30 * p->observe->savings.latest.page_size);
        ck_assert(d.has_resident);
        ck_assert_int_eq(d.resident_change_bytes, -(int64_t) GiB);
        ck_assert_uint_eq(p->observe->savings.latest.swap_bytes, 128 * 1024 * 1024);
        /* sz_applied of the pageout scheme as the status refresh read it, the stat scheme's apart */
        ck_assert(p->tune.schemes[0].has_stats);
        ck_assert_uint_gt(p->tune.schemes[0].stats.sz_applied, 0);
        ck_assert_uint_eq(p->observe->savings.latest.applied_bytes[SAVINGS_ACTION_PAGEOUT],
                          p->tune.schemes[0].stats.sz_applied);
        ck_assert_uint_eq(p->observe->savings.latest.applied_bytes[SAVINGS_ACTION_STAT],
                          p->tune.schemes[1].stats.sz_applied);
}
END_TEST

static Suite *observe_suite(void) {
        Suite *s = suite_create("observe");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_snapshots_arrive);
        tcase_add_test(tc, test_history_ceiling);
        tcase_add_test(tc, test_snapshots_off);
        tcase_add_test(tc, test_slow_intervals_pause);
        tcase_add_test(tc, test_no_stat_scheme);
        tcase_add_test(tc, test_removed_in_flight);
        tcase_add_test(tc, test_operator_stop_in_flight);
        tcase_add_test(tc, test_reload_remove_in_flight);
        tcase_add_test(tc, test_savings);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(observe_suite());
}
