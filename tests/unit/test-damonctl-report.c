/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damonctl report (daemon/damonctl-report.h) on made-up snapshots: a 4 MiB hot range and a 60 MiB cold
 * one. The working set is the hot range; the footprint puts the cold bytes in their idle class; the heat
 * map has one row per snapshot (up to 20), the hot columns shaded darkest, a legend; every report's JSON
 * parses; the gnuplot script draws a PNG where gnuplot is installed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "damonctl-report.h"
#include "test-util.h"

#define MiB (UINT64_C(1) << 20)
#define N 6

static AccessRegion regions[N][2];
static AccessSnapshot snaps[N];

static CtlReport report(int json) {
        for (size_t i = 0; i < N; i++) {
                regions[i][0] = (AccessRegion) { .start = 0x10000000, .end = 0x10000000 + 4 * MiB,
                                                 .nr_accesses = 20, .age = 3 };
                /* idle for 30 s, one more aggregation per snapshot */
                regions[i][1] = (AccessRegion) { .start = 0x10000000 + 4 * MiB, .end = 0x10000000 + 64 * MiB,
                                                 .nr_accesses = 0, .age = (uint32_t) (300 + i * 50) };
                snaps[i] = (AccessSnapshot) { .time_usec = 1000000000 + i * 5000000, .sample_us = 5000,
                                              .aggr_us = 100000, .regions = regions[i], .n_regions = 2 };
        }
        return (CtlReport) { .profile = "wl", .snaps = snaps, .n = N, .now_usec = 1000000000 + N * 5000000,
                             .json = json };
}

static char *render(int (*fn)(FILE *, const CtlReport *), int json) {
        CtlReport r = report(json);
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fn(f, &r), 0);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

static json_object *parse(const char *s) {
        json_object *o = json_tokener_parse(s);

        ck_assert_msg(o, "not JSON: %s", s);
        return o;
}

START_TEST(test_wss) {
        _cleanup_free_ char *text = render(ctl_report_wss, 0), *js = render(ctl_report_wss, 1);
        json_object *o = parse(js), *s, *v;

        ck_assert_ptr_nonnull(strstr(text, "distribution: p0 4.0M p25 4.0M p50 4.0M"));
        ck_assert_ptr_nonnull(strstr(text, "bytes accessed within 10s, 6 snapshots"));
        ck_assert(json_object_object_get_ex(o, "snapshots", &s));
        ck_assert_uint_eq(json_object_array_length(s), N);
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(s, 0), "wss_bytes", &v));
        ck_assert_uint_eq(json_object_get_uint64(v), 4 * MiB);
        json_object_put(o);
}
END_TEST

START_TEST(test_footprint) {
        _cleanup_free_ char *text = render(ctl_report_footprint, 0), *js = render(ctl_report_footprint, 2);
        json_object *o = parse(js), *s, *v;

        ck_assert_ptr_nonnull(strstr(text, "accessed"));
        ck_assert(json_object_object_get_ex(o, "snapshots", &s));
        /* age 300 x 100 ms = 30 s: the 10s-1min class */
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(s, 0), "idle_10s_1min_bytes", &v));
        ck_assert_uint_eq(json_object_get_uint64(v), 60 * MiB);
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(s, 0), "accessed_bytes", &v));
        ck_assert_uint_eq(json_object_get_uint64(v), 4 * MiB);
        ck_assert_ptr_null(strchr(js, '\n') == js + strlen(js) - 1 ? NULL : strchr(js, '\n'));
        json_object_put(o);
}
END_TEST

START_TEST(test_heatmap) {
        _cleanup_free_ char *text = render(ctl_report_heatmap, 0), *js = render(ctl_report_heatmap, 1);
        json_object *o = parse(js), *rows, *row;
        unsigned lines = 0;

        /* 6 rows of |...| between two borders; the first 4 of 64 columns (4 of 64 MiB) hot: '@' */
        for (const char *l = text; (l = strstr(l, "|@@@@.")); l++)
                lines++;
        ck_assert_msg(lines == N, "hot columns in %u rows, expected %d:\n%s", lines, N, text);
        ck_assert_ptr_nonnull(strstr(text, "Shading by access frequency"));
        ck_assert_ptr_nonnull(strstr(text, "1.0M per column"));
        ck_assert(json_object_object_get_ex(o, "cells_permyriad", &rows));
        ck_assert_uint_eq(json_object_array_length(rows), N);
        row = json_object_array_get_idx(rows, 0);
        ck_assert_uint_eq(json_object_array_length(row), 64);
        ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(row, 0)), 10000);
        ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(row, 63)), 0);
        json_object_put(o);
}
END_TEST

START_TEST(test_heatmap_image) {
        CtlReport r = report(0);
        char dir[] = "/tmp/damonctl-report-XXXXXX", png[64];
        struct stat st;
        FILE *gp;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(png, sizeof png, "%s/heat.png", dir);
        ck_assert_int_eq(ctl_report_heatmap_gnuplot(stdout, &r, "x.gif"), -EINVAL);
        if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
                rmdir(dir);
                return;         /* gnuplot-nox is in tools/install-deps --vm only */
        }
        gp = popen("gnuplot", "w");
        ck_assert_ptr_nonnull(gp);
        ck_assert_int_eq(ctl_report_heatmap_gnuplot(gp, &r, png), 0);
        ck_assert_int_eq(pclose(gp), 0);
        ck_assert_int_eq(stat(png, &st), 0);
        ck_assert_int_gt(st.st_size, 1000);
        unlink(png);
        rmdir(dir);
}
END_TEST

static Suite *report_suite(void) {
        Suite *s = suite_create("damonctl-report");
        TCase *tc = tcase_create("report");

        tcase_add_test(tc, test_wss);
        tcase_add_test(tc, test_footprint);
        tcase_add_test(tc, test_heatmap);
        tcase_add_test(tc, test_heatmap_image);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(report_suite());
}
