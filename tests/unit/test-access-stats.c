/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Working set, idle-time percentiles, heat map, the snapshot ring and savings accounting
 * (include/access-stats.h), on snapshots whose answers are worked out by hand in the comments.
 */
#include <inttypes.h>
#include <string.h>

#include "access-stats.h"
#include "test-util.h"

#define MiB (UINT64_C(1024) * 1024)
#define SEC UINT64_C(1000000)

/* 100 MiB at 0x100000000: 10 MiB hot (accessed now), then 20 MiB idle 2 s, 30 MiB idle 30 s, 40 MiB idle
 * 600 s; sample 5 ms, aggregation 100 ms, so age 20 = 2 s, 300 = 30 s, 6000 = 600 s. */
static AccessRegion regions4[] = {
        { 0x100000000, 0x100000000 + 10 * MiB, 10, 3 },
        { 0x100000000 + 10 * MiB, 0x100000000 + 30 * MiB, 0, 20 },
        { 0x100000000 + 30 * MiB, 0x100000000 + 60 * MiB, 0, 300 },
        { 0x100000000 + 60 * MiB, 0x100000000 + 100 * MiB, 0, 6000 },
};

static AccessSnapshot snap4(void) {
        return (AccessSnapshot) { .time_usec = 1000 * SEC, .sample_us = 5000, .aggr_us = 100000,
                                  .regions = regions4, .n_regions = ELEMENTSOF(regions4) };
}

START_TEST(test_idle_and_total) {
        AccessSnapshot s = snap4();

        ck_assert_uint_eq(access_snapshot_total_bytes(&s), 100 * MiB);
        ck_assert_uint_eq(access_region_idle_usec(&regions4[0], s.aggr_us), 0);     /* accessed */
        ck_assert_uint_eq(access_region_idle_usec(&regions4[1], s.aggr_us), 2 * SEC);
        ck_assert_uint_eq(access_region_idle_usec(&regions4[3], s.aggr_us), 600 * SEC);
        /* no overflow: a huge age saturates */
        AccessRegion old = { 0, 4096, 0, UINT32_MAX };
        ck_assert_uint_eq(access_region_idle_usec(&old, UINT64_MAX / 2), UINT64_MAX);
}
END_TEST

START_TEST(test_wss_windows) {
        AccessSnapshot s = snap4();
        uint64_t wss, window;

        /* below one aggregation: the window is the aggregation interval, only the hot 10 MiB */
        ck_assert_ok(access_snapshot_wss(&s, 0, &wss, &window));
        ck_assert_uint_eq(window, 100000);
        ck_assert_uint_eq(wss, 10 * MiB);
        /* idle 2 s is not < 2 s: still 10 MiB; at 2.1 s the 20 MiB join */
        ck_assert_ok(access_snapshot_wss(&s, 2 * SEC, &wss, &window));
        ck_assert_uint_eq(wss, 10 * MiB);
        ck_assert_uint_eq(window, 2 * SEC);
        ck_assert_ok(access_snapshot_wss(&s, 2 * SEC + 100000, &wss, NULL));
        ck_assert_uint_eq(wss, 30 * MiB);
        ck_assert_ok(access_snapshot_wss(&s, 60 * SEC, &wss, NULL));
        ck_assert_uint_eq(wss, 60 * MiB);
        ck_assert_ok(access_snapshot_wss(&s, 3600 * SEC, &wss, NULL));
        ck_assert_uint_eq(wss, 100 * MiB);

        s.aggr_us = 0;
        ck_assert_int_eq(access_snapshot_wss(&s, SEC, &wss, NULL), -EINVAL);
}
END_TEST

START_TEST(test_percentiles) {
        AccessSnapshot s = snap4();
        uint64_t p[ACCESS_N_PERCENTILES];
        unsigned edges[] = { 0, 10, 11, 30, 31, 60, 61, 100 };
        uint64_t e[ELEMENTSOF(edges)];

        /* bytes sorted by idle: [0,10) MiB idle 0, [10,30) 2 s, [30,60) 30 s, [60,100) 600 s */
        ck_assert_ok(access_snapshot_idle_percentiles(&s, access_percentiles, ACCESS_N_PERCENTILES, p));
        ck_assert_uint_eq(p[0], 0);             /* p10: the 10th MiB is still hot */
        ck_assert_uint_eq(p[1], 2 * SEC);       /* p25 */
        ck_assert_uint_eq(p[2], 30 * SEC);      /* p50 */
        ck_assert_uint_eq(p[3], 600 * SEC);     /* p75 */
        ck_assert_uint_eq(p[6], 600 * SEC);     /* p99 */

        ck_assert_ok(access_snapshot_idle_percentiles(&s, edges, ELEMENTSOF(edges), e));
        ck_assert_uint_eq(e[0], 0);
        ck_assert_uint_eq(e[1], 0);
        ck_assert_uint_eq(e[2], 2 * SEC);
        ck_assert_uint_eq(e[3], 2 * SEC);
        ck_assert_uint_eq(e[4], 30 * SEC);
        ck_assert_uint_eq(e[5], 30 * SEC);
        ck_assert_uint_eq(e[6], 600 * SEC);
        ck_assert_uint_eq(e[7], 600 * SEC);

        /* the order of regions does not matter: reversed gives the same */
        AccessRegion rev[4];
        for (size_t i = 0; i < 4; i++)
                rev[i] = regions4[3 - i];
        AccessSnapshot r = s;
        r.regions = rev;
        uint64_t q[ACCESS_N_PERCENTILES];
        ck_assert_ok(access_snapshot_idle_percentiles(&r, access_percentiles, ACCESS_N_PERCENTILES, q));
        ck_assert_mem_eq(p, q, sizeof(p));

        unsigned bad = 101;
        ck_assert_int_eq(access_snapshot_idle_percentiles(&s, &bad, 1, e), -EINVAL);
        AccessSnapshot empty = { .aggr_us = 100000 };
        ck_assert_int_eq(access_snapshot_idle_percentiles(&empty, access_percentiles, 1, e), -ENODATA);
}
END_TEST

START_TEST(test_bandwidth_and_freq) {
        AccessSnapshot s = snap4();

        /* 10 MiB * 10 accesses per 100 ms = 1000 MiB/s of sampled access events */
        ck_assert_uint_eq(access_snapshot_bandwidth(&s), 1000 * MiB);
        /* 10 of at most 20 samples: 50% */
        ck_assert_uint_eq(access_region_freq_bp(&regions4[0], 5000, 100000), 5000);
        ck_assert_uint_eq(access_region_freq_bp(&regions4[1], 5000, 100000), 0);
        AccessRegion over = { 0, 4096, 40, 0 };
        ck_assert_uint_eq(access_region_freq_bp(&over, 5000, 100000), 10000);
}
END_TEST

START_TEST(test_heatmap) {
        /* two snapshots 10 s apart over [0, 4 MiB): the first hot in the low half, the second in the high */
        AccessRegion a[] = { { 0, 2 * MiB, 20, 1 }, { 2 * MiB, 4 * MiB, 0, 5 } };
        AccessRegion b[] = { { 0, 2 * MiB, 0, 5 }, { 2 * MiB, 3 * MiB, 10, 1 }, { 3 * MiB, 4 * MiB, 20, 1 } };
        AccessSnapshot snaps[] = {
                { .time_usec = 0, .sample_us = 5000, .aggr_us = 100000, .regions = a, .n_regions = 2 },
                { .time_usec = 10 * SEC, .sample_us = 5000, .aggr_us = 100000, .regions = b, .n_regions = 3 },
        };
        _cleanup_free_ int32_t *cells = NULL;
        uint64_t lo, hi;

        ck_assert_ok(access_heatmap(snaps, 2, 2, 4, &cells, &lo, &hi));
        ck_assert_uint_eq(lo, 0);
        ck_assert_uint_eq(hi, 4 * MiB);
        /* row 0 = first snapshot: 100% 100% 0 0 */
        ck_assert_int_eq(cells[0], 10000);
        ck_assert_int_eq(cells[1], 10000);
        ck_assert_int_eq(cells[2], 0);
        ck_assert_int_eq(cells[3], 0);
        /* row 1: 0 0 50% 100% */
        ck_assert_int_eq(cells[4], 0);
        ck_assert_int_eq(cells[5], 0);
        ck_assert_int_eq(cells[6], 5000);
        ck_assert_int_eq(cells[7], 10000);
        cells = mfree(cells);

        /* one column over everything: the size-weighted mean (first row: half at 100%) */
        ck_assert_ok(access_heatmap(snaps, 2, 3, 1, &cells, NULL, NULL));
        ck_assert_int_eq(cells[0], 5000);
        ck_assert_int_eq(cells[1], -1);         /* no snapshot fell in the middle third */
        ck_assert_int_eq(cells[2], (2 * 0 + 1 * 5000 + 1 * 10000) / 4);
        cells = mfree(cells);

        ck_assert_int_eq(access_heatmap(snaps, 2, 0, 4, &cells, NULL, NULL), -EINVAL);
        AccessSnapshot none = { .aggr_us = 100000 };
        ck_assert_int_eq(access_heatmap(&none, 1, 2, 2, &cells, NULL, NULL), -ENODATA);
}
END_TEST

static AccessSnapshot make_snap(uint64_t t, size_t n) {
        AccessSnapshot s = { .time_usec = t, .sample_us = 5000, .aggr_us = 100000, .n_regions = n };

        s.regions = calloc(n, sizeof(AccessRegion));
        ck_assert_ptr_nonnull(s.regions);
        for (size_t i = 0; i < n; i++)
                s.regions[i] = (AccessRegion) { i * 4096, (i + 1) * 4096, 0, (uint32_t) t };
        return s;
}

START_TEST(test_ring_ceiling) {
        AccessRing r;
        size_t one = sizeof(AccessSnapshot) + 100 * sizeof(AccessRegion);

        /* room for 3 snapshots of 100 regions by bytes, 10 by count */
        ck_assert_ok(access_ring_init(&r, 10, 3 * one));
        for (uint64_t t = 1; t <= 5; t++) {
                AccessSnapshot s = make_snap(t, 100);

                ck_assert_ok(access_ring_push(&r, &s));
                ck_assert_ptr_null(s.regions);          /* moved */
                ck_assert_uint_le(r.bytes, r.max_bytes);
        }
        ck_assert_uint_eq(access_ring_size(&r), 3);
        ck_assert_uint_eq(access_ring_get(&r, 0)->time_usec, 3);
        ck_assert_uint_eq(access_ring_newest(&r)->time_usec, 5);
        ck_assert_uint_eq(r.n_dropped, 2);
        ck_assert_ptr_null(access_ring_get(&r, 3));

        /* a big one pushes out as many as it needs */
        AccessSnapshot big = make_snap(6, 250);
        ck_assert_ok(access_ring_push(&r, &big));
        ck_assert_uint_eq(access_ring_size(&r), 1);
        ck_assert_uint_le(r.bytes, r.max_bytes);

        /* one that can never fit is refused and left to the caller */
        AccessSnapshot huge = make_snap(7, 1000);
        ck_assert_int_eq(access_ring_push(&r, &huge), -E2BIG);
        ck_assert_ptr_nonnull(huge.regions);
        access_snapshot_done(&huge);
        access_ring_done(&r);

        /* the count limit holds too */
        ck_assert_ok(access_ring_init(&r, 2, SIZE_MAX));
        for (uint64_t t = 1; t <= 4; t++) {
                AccessSnapshot s = make_snap(t, 3);

                ck_assert_ok(access_ring_push(&r, &s));
        }
        ck_assert_uint_eq(access_ring_size(&r), 2);
        ck_assert_uint_eq(access_ring_get(&r, 0)->time_usec, 3);
        access_ring_done(&r);
}
END_TEST

START_TEST(test_savings_delta) {
        SavingsSample a = { .time_usec = 10 * SEC, .page_size = 4096, .refaults = 100, .swapins = 10,
                            .swapouts = 1000, .kdamond_cpu_usec = 1 * SEC, .stall_usec = 500,
                            .resident_bytes = 800 * MiB, .has_refaults = true, .has_swapins = true,
                            .has_swapouts = true, .has_cpu = true, .has_stall = true, .has_resident = true };
        SavingsSample b = a;
        SavingsDelta d;

        a.applied_bytes[SAVINGS_ACTION_PAGEOUT] = 10 * MiB;
        b.time_usec = 70 * SEC;
        b.applied_bytes[SAVINGS_ACTION_PAGEOUT] = 110 * MiB;
        b.refaults = 100 + 256;                 /* 1 MiB of pages came back */
        b.swapins = 10 + 512;
        b.swapouts = 1000 + 25600;              /* 100 MiB went to swap */
        b.kdamond_cpu_usec = 1 * SEC + 600000;  /* 0.6 s of CPU in 60 s: 1% */
        b.stall_usec = 1500;
        b.resident_bytes = 700 * MiB;
        ck_assert_ok(savings_delta(&a, &b, &d));
        ck_assert_uint_eq(d.duration_usec, 60 * SEC);
        ck_assert_uint_eq(d.applied_bytes[SAVINGS_ACTION_PAGEOUT], 100 * MiB);
        ck_assert_uint_eq(d.refault_bytes, 1 * MiB);
        ck_assert_uint_eq(d.swapin_bytes, 2 * MiB);
        ck_assert(d.has_swapouts);
        ck_assert_uint_eq(d.swapout_bytes, 100 * MiB);
        ck_assert_uint_eq(d.cpu_permyriad, 100);
        ck_assert_uint_eq(d.stall_usec, 1000);
        ck_assert_int_eq(d.resident_change_bytes, -(int64_t) (100 * MiB));

        /* a reset counter (kdamond restarted) counts from 0, never negative */
        b.applied_bytes[SAVINGS_ACTION_PAGEOUT] = 3 * MiB;
        ck_assert_ok(savings_delta(&a, &b, &d));
        ck_assert_uint_eq(d.applied_bytes[SAVINGS_ACTION_PAGEOUT], 3 * MiB);

        /* what one side lacks is not made up */
        b.has_refaults = false;
        a.has_swapouts = false;
        ck_assert_ok(savings_delta(&a, &b, &d));
        ck_assert(!d.has_refaults);
        ck_assert_uint_eq(d.refault_bytes, 0);
        ck_assert(!d.has_swapouts);
        ck_assert_uint_eq(d.swapout_bytes, 0);

        ck_assert_int_eq(savings_delta(&b, &a, &d), -EINVAL);

        ck_assert_int_eq(savings_action_of(DAMOS_ACTION_LRU_DEPRIO), SAVINGS_ACTION_COLD);
        ck_assert_int_eq(savings_action_of(DAMOS_ACTION_MIGRATE_HOT), SAVINGS_ACTION_MIGRATE);
        ck_assert_str_eq(savings_action_to_string(SAVINGS_ACTION_PAGEOUT), "pageout");
}
END_TEST

START_TEST(test_savings_history) {
        SavingsHistory *h = malloc(sizeof(SavingsHistory));
        SavingsDelta d;

        ck_assert_ptr_nonnull(h);
        savings_history_init(h);
        ck_assert_int_eq(savings_history_since_start(h, &d), -ENODATA);

        /* two hours of one sample a second, pageout growing 1 MiB a second */
        for (uint64_t t = 0; t <= 7200; t++) {
                SavingsSample s = { .time_usec = t * SEC, .page_size = 4096 };

                s.applied_bytes[SAVINGS_ACTION_PAGEOUT] = t * MiB;
                ck_assert_ok(savings_history_add(h, &s));
                ck_assert_uint_le(h->n, SAVINGS_HISTORY_SLOTS);
        }
        ck_assert_ok(savings_history_since_start(h, &d));
        ck_assert_uint_eq(d.duration_usec, 7200 * SEC);
        ck_assert_uint_eq(d.applied_bytes[SAVINGS_ACTION_PAGEOUT], 7200 * MiB);

        /* the last minute: 60 to 70 s, and the bytes match the duration */
        ck_assert_ok(savings_history_window(h, 60 * SEC, &d));
        ck_assert_uint_ge(d.duration_usec, 60 * SEC);
        ck_assert_uint_lt(d.duration_usec, 70 * SEC);
        ck_assert_uint_eq(d.applied_bytes[SAVINGS_ACTION_PAGEOUT], d.duration_usec / SEC * MiB);

        /* the last hour: kept although two hours went by */
        ck_assert_ok(savings_history_window(h, 3600 * SEC, &d));
        ck_assert_uint_ge(d.duration_usec, 3600 * SEC);
        ck_assert_uint_lt(d.duration_usec, 3610 * SEC);

        /* asking for more than is kept gives what is kept, and says how long */
        ck_assert_ok(savings_history_window(h, 5 * 3600 * SEC, &d));
        ck_assert_uint_lt(d.duration_usec, 3620 * SEC);

        /* time going back is refused */
        SavingsSample old = { .time_usec = 5 * SEC };
        ck_assert_int_eq(savings_history_add(h, &old), -EINVAL);
        free(h);
}
END_TEST

static Suite *access_stats_suite(void) {
        Suite *s = suite_create("access-stats");
        TCase *tc = tcase_create("access-stats");

        tcase_add_test(tc, test_idle_and_total);
        tcase_add_test(tc, test_wss_windows);
        tcase_add_test(tc, test_percentiles);
        tcase_add_test(tc, test_bandwidth_and_freq);
        tcase_add_test(tc, test_heatmap);
        tcase_add_test(tc, test_ring_ceiling);
        tcase_add_test(tc, test_savings_delta);
        tcase_add_test(tc, test_savings_history);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(access_stats_suite());
}
