/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damonctl's rendering (daemon/damonctl-format.h) from constructed data, compared exactly with the golden
 * files in tests/damonctl/golden/: what an operator reads in `damonctl status`, `list`, `show`,
 * `features`, and what a program reads with --json. A golden file is rewritten instead of compared when
 * DAMONCTL_UPDATE_GOLDEN=1 (then review the diff with git).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "damonctl-format.h"
#include "macro.h"
#include "test-util.h"

/* Thu 2026-11-26 05:00:00 UTC */
#define NOW_USEC (UINT64_C(1795669200) * USEC_PER_SEC)
#define MIN_USEC (60 * USEC_PER_SEC)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static char *xstrdup(const char *s) {
        char *d = strdup(s);

        ck_assert_ptr_nonnull(d);
        return d;
}

static char **xstrv(const char *first, ...) {
        char **l = calloc(16, sizeof(char *));
        va_list ap;
        size_t n = 0;

        ck_assert_ptr_nonnull(l);
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *)) {
                ck_assert_uint_lt(n, 15);
                l[n++] = xstrdup(s);
        }
        va_end(ap);
        return l;
}

static void set_stats(CtlScheme *s, uint64_t nr_tried, uint64_t sz_tried, uint64_t nr_applied,
                      uint64_t sz_applied, uint64_t qt_exceeds) {
        static const char * const names[] = {
                "nr_tried", "sz_tried", "nr_applied", "sz_applied", "qt_exceeds",
        };
        uint64_t values[] = { nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds };

        s->stats = calloc(ELEMENTSOF(names), sizeof(CtlStat));
        ck_assert_ptr_nonnull(s->stats);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                s->stats[i] = (CtlStat) { .name = xstrdup(names[i]), .value = values[i] };
        s->n_stats = ELEMENTSOF(names);
}

/* A running paddr profile with two tuned schemes, a failed vaddr profile and a stopped one. */
static void make_manager(CtlManager *m) {
        CtlProfile *p;
        CtlScheme *s;
        static const struct { const char *name, *version, *state; bool used; } features[] = {
                { "sysfs", "5.18", "yes", true },
                { "quota goals", "6.8", "yes", true },
                { "some_mem_psi_us goal", "6.9", "yes", true },
                { "effective quota", "6.9", "yes", false },
                { "node_mem_used_bp goal", "6.16", "no", false },
                { "apply interval", "6.7", "inferred", false },
        };

        *m = (CtlManager) {
                .version = xstrdup("0.1.0"),
                .kernel_release = xstrdup("6.12.48+deb13-amd64"),
                .damon_version = xstrdup("6.12"),
                .last_reload_usec = NOW_USEC - 20 * MIN_USEC,
                .last_reload_valid = false,
                .last_reload_summary = xstrdup("3 profiles: 1 running, 1 failed, 1 stopped; 1 with errors"),
                .last_reload_errors = xstrv("/etc/damond/web-cache.conf:12: QuotaSize=lots: invalid size",
                                            "note: /etc/damond/batch.conf: Pid= is empty, waiting", NULL),
                .pressure = { 12, 30, 0, 123456, 7890 },
        };
        m->features = calloc(ELEMENTSOF(features), sizeof(CtlFeature));
        ck_assert_ptr_nonnull(m->features);
        for (size_t i = 0; i < ELEMENTSOF(features); i++)
                m->features[i] = (CtlFeature) { xstrdup(features[i].name), xstrdup(features[i].version),
                                                 xstrdup(features[i].state), features[i].used };
        m->n_features = ELEMENTSOF(features);

        m->profiles = calloc(3, sizeof(CtlProfile));
        ck_assert_ptr_nonnull(m->profiles);
        m->n_profiles = 3;

        p = &m->profiles[0];
        *p = (CtlProfile) {
                .name = xstrdup("batch"),
                .object_path = xstrdup("/org/damond1/profile/batch"),
                .description = xstrdup("Hugepages for the batch jobs"),
                .path = xstrdup("/etc/damond/batch.conf"),
                .files = xstrv("/etc/damond/batch.conf", NULL),
                .enabled = true,
                .state = xstrdup("stopped"),
                .state_reason = xstrdup("stopped by StopProfile"),
                .operations = xstrdup("vaddr"),
                .targets = xstrv("processes named batch-worker (none running)", NULL),
                .kdamond = -1,
                .kdamond_pid = -1,
                .applied_last_minute = CTL_UNKNOWN,
                .pressure = { .source = xstrdup(""), .window_stall_usec = CTL_UNKNOWN,
                              .task_delay_usec = CTL_UNKNOWN },
        };

        p = &m->profiles[1];
        *p = (CtlProfile) {
                .name = xstrdup("default"),
                .object_path = xstrdup("/org/damond1/profile/default"),
                .description = xstrdup("Proactive reclaim and LRU sorting of all memory"),
                .path = xstrdup("/usr/lib/damond/default.conf"),
                .files = xstrv("/usr/lib/damond/default.conf", "/usr/share/damond/policies/reclaim.conf",
                               "/etc/damond/default.conf.d/10-quota.conf", NULL),
                .enabled = true,
                .state = xstrdup("running"),
                .state_reason = xstrdup(""),
                .operations = xstrdup("paddr"),
                .targets = xstrv("all System RAM (3 ranges, 23.8G)", NULL),
                .kdamond = 0,
                .kdamond_pid = 4242,
                .running_since_usec = NOW_USEC - 19 * MIN_USEC - 7 * USEC_PER_SEC,
                .restarts = 1,
                .applied_last_minute = 512 * MIB,
                .pressure = {
                        .source = xstrdup("system"),
                        .some_avg10 = 123,
                        .full_avg10 = 10,
                        .window_stall_usec = 12000,
                        .window_usec = 10 * USEC_PER_SEC,
                        .ceiling_usec = 50 * USEC_PER_MSEC,
                        .task_delay_usec = CTL_UNKNOWN,
                },
        };
        p->schemes = calloc(2, sizeof(CtlScheme));
        ck_assert_ptr_nonnull(p->schemes);
        p->n_schemes = 2;

        s = &p->schemes[0];
        *s = (CtlScheme) {
                .name = xstrdup("cold"),
                .action = xstrdup("pageout"),
                .quota_size = GIB,
                .quota_applied = 640 * MIB,
                .effective_quota = 256 * MIB,
                .tune_state = xstrdup("tuning"),
                .last_decision_usec = NOW_USEC - 14 * USEC_PER_SEC,
                .last_decision = xstrdup("stall 1.2ms/s below 5ms/s: quota 512.0M -> 640.0M"),
        };
        set_stats(s, 9120, 7 * GIB, 412, 1288 * MIB, 7);
        s->goals = calloc(2, sizeof(CtlGoal));
        ck_assert_ptr_nonnull(s->goals);
        s->goals[0] = (CtlGoal) { xstrdup("some_mem_psi_us"), false, 1000, 312, xstrdup(""), 0 };
        s->goals[1] = (CtlGoal) { xstrdup("node_mem_free_bp"), true, 2000, 1234, xstrdup(""), 1 };
        s->n_goals = 2;

        s = &p->schemes[1];
        *s = (CtlScheme) {
                .name = xstrdup("hot"),
                .action = xstrdup("lru_prio"),
                .effective_quota = CTL_UNKNOWN,
                .tune_state = xstrdup("none"),
        };
        set_stats(s, 310, 900 * MIB, 310, 900 * MIB, 0);

        /* Nodes=auto on a machine with a CPU-less far node in a slower tier */
        p->tiers = calloc(2, sizeof(CtlTier));
        ck_assert_ptr_nonnull(p->tiers);
        p->n_tiers = 2;
        p->tiers[0] = (CtlTier) { .id = 4, .free_bytes = 1536 * MIB, .total_bytes = 8 * GIB, .free_target = 200,
                                  .promoted_in = 12 * MIB, .promoted_out = CTL_UNKNOWN,
                                  .demoted_in = CTL_UNKNOWN, .demoted_out = 340 * MIB };
        p->tiers[1] = (CtlTier) { .id = 22, .free_bytes = CTL_UNKNOWN, .total_bytes = CTL_UNKNOWN,
                                  .promoted_in = CTL_UNKNOWN, .promoted_out = 12 * MIB,
                                  .demoted_in = 340 * MIB, .demoted_out = CTL_UNKNOWN };
        for (size_t i = 0; i < 2; i++) {
                p->tiers[i].nodes = calloc(2, sizeof(uint32_t));
                ck_assert_ptr_nonnull(p->tiers[i].nodes);
        }
        p->tiers[0].nodes[0] = 0;
        p->tiers[0].n_nodes = 1;
        p->tiers[1].nodes[0] = 1;
        p->tiers[1].nodes[1] = 3;
        p->tiers[1].n_nodes = 2;

        p = &m->profiles[2];
        *p = (CtlProfile) {
                .name = xstrdup("web-cache"),
                .object_path = xstrdup("/org/damond1/profile/web_2dcache"),
                .description = xstrdup(""),
                .path = xstrdup("/etc/damond/web-cache.conf"),
                .files = xstrv("/etc/damond/web-cache.conf", NULL),
                .enabled = true,
                .state = xstrdup("failed"),
                .state_reason = xstrdup("kdamond 1 stopped by itself 5 times in a row"),
                .operations = xstrdup("vaddr"),
                .targets = xstrv("cgroup /system.slice/nginx.service", NULL),
                .kdamond = -1,
                .kdamond_pid = -1,
                .running_since_usec = 0,
                .restarts = 5,
                .applied_last_minute = CTL_UNKNOWN,
                .pressure = {
                        .source = xstrdup("/system.slice/nginx.service"),
                        .some_avg10 = 2500,
                        .full_avg10 = 800,
                        .window_stall_usec = CTL_UNKNOWN,
                        .window_usec = 0,
                        .ceiling_usec = 100 * USEC_PER_MSEC,
                        .task_delay_usec = 3 * USEC_PER_MSEC,
                },
        };
        p->schemes = calloc(1, sizeof(CtlScheme));
        ck_assert_ptr_nonnull(p->schemes);
        p->n_schemes = 1;
        s = &p->schemes[0];
        *s = (CtlScheme) {
                .name = xstrdup("cold"),
                .action = xstrdup("pageout"),
                .quota_size = 128 * MIB,
                .effective_quota = CTL_UNKNOWN,
                .tune_state = xstrdup("paused"),
        };
        s->goals = calloc(1, sizeof(CtlGoal));
        ck_assert_ptr_nonnull(s->goals);
        s->goals[0] = (CtlGoal) { xstrdup("cgroup_mem_usage"), true, 2 * GIB, CTL_UNKNOWN,
                                  xstrdup("/system.slice/nginx.service"), 0 };
        s->n_goals = 1;
}

static const CtlFormat format = { .now_usec = NOW_USEC, .color = false, .legend = true };

/* Compares @got with the golden file @name, or writes it when DAMONCTL_UPDATE_GOLDEN=1. */
static void check_golden(const char *name, const char *got) {
        const char *dir = getenv("DAMONCTL_GOLDEN_DIR");
        _cleanup_free_ char *path = NULL, *want = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;

        ck_assert_msg(dir, "DAMONCTL_GOLDEN_DIR is not set");
        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        if (getenv("DAMONCTL_UPDATE_GOLDEN") && streq(getenv("DAMONCTL_UPDATE_GOLDEN"), "1")) {
                f = fopen(path, "we");
                ck_assert_msg(f, "cannot write %s", path);
                fputs(got, f);
                return;
        }
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot read %s", path);
        ck_assert_int_ge(getdelim(&want, &n, '\0', f), 0);
        if (!streq(want, got)) {
                size_t line = 1, i = 0;

                for (; want[i] && want[i] == got[i]; i++)
                        if (want[i] == '\n')
                                line++;
                ck_abort_msg("%s differs from line %zu on:\n--- want\n%s\n--- got\n%s", name, line,
                             want + i, got + i);
        }
}

typedef int (*render_fn)(FILE *f, const CtlManager *m);

static char *render(render_fn fn, const CtlManager *m) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fn(f, m), 0);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

static char *render_json(json_object *o) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(o);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ctl_print_json(f, o, true), 0);
        ck_assert_int_eq(fclose(f), 0);
        json_object_put(o);
        return buf;
}

static int status_all(FILE *f, const CtlManager *m) {
        return ctl_print_status(f, m, NULL, &format);
}

static int list(FILE *f, const CtlManager *m) {
        return ctl_print_list(f, m, &format);
}

static int list_no_legend(FILE *f, const CtlManager *m) {
        CtlFormat fmt = format;

        fmt.legend = false;
        return ctl_print_list(f, m, &fmt);
}

static int features(FILE *f, const CtlManager *m) {
        return ctl_print_features(f, m, &format);
}

static int show_default(FILE *f, const CtlManager *m) {
        return ctl_print_show_profile(f, ctl_manager_find_profile(m, "default"));
}

static int show_failed(FILE *f, const CtlManager *m) {
        return ctl_print_show_profile(f, ctl_manager_find_profile(m, "web-cache"));
}

static int show_manager(FILE *f, const CtlManager *m) {
        return ctl_print_show_manager(f, m);
}

static void setup(void) {
        /* The goldens show timestamps in UTC whatever the machine's zone. */
        setenv("TZ", "UTC", 1);
        tzset();
}

START_TEST(test_status_text) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *out = NULL;

        make_manager(&m);
        out = render(status_all, &m);
        check_golden("status.txt", out);
}
END_TEST

START_TEST(test_status_one_profile) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_strv_free_ char **names = xstrv("web-cache", NULL);
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        make_manager(&m);
        f = open_memstream(&buf, &size);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ctl_print_status(f, &m, names, &format), 0);
        ck_assert_int_eq(fclose(f), 0);
        /* only the profile asked for, the failed marker on its first line */
        ck_assert_ptr_nonnull(strstr(buf, "\n× web-cache: failed\n"));
        ck_assert_ptr_null(strstr(buf, "default: running"));
        ck_assert_ptr_null(strstr(buf, "batch: stopped"));
}
END_TEST

/* The kernel's sz_applied can exceed sz_tried (a huge page paged out whole, seen on 6.1): the figures stay
 * the kernel's, and a line says why. */
START_TEST(test_status_applied_over_tried) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *out = NULL;
        CtlScheme *s;

        make_manager(&m);
        out = render(status_all, &m);
        ck_assert_ptr_null(strstr(out, "more applied than tried"));
        out = mfree(out);
        s = &m.profiles[1].schemes[0];     /* default's "cold" */
        for (size_t i = 0; i < s->n_stats; i++)
                free(s->stats[i].name);
        free(s->stats);
        set_stats(s, 40, 24 * MIB + 620 * 1024, 18, 26 * MIB + 110 * 1024, 0);
        out = render(status_all, &m);
        ck_assert_msg(strstr(out, "applied 26.1M (18 regions) of 24.6M tried since it started\n"), "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "(more applied than tried: the kernel counts each huge page it acted on "
                                          "whole, also its part outside the regions tried)\n"));
}
END_TEST

/* Savings: what went to swap (pswpout) apart from what pageout was applied to (sz_applied, which counts a
 * vaddr region each time); without a swap-out counter only the latter, never under the name "paged out". */
START_TEST(test_status_savings) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *out = NULL, *json = NULL;
        CtlObserve *o;
        CtlSavings *s;

        make_manager(&m);
        o = &m.profiles[1].observe;
        o->present = true;
        o->resident_bytes = o->baseline_bytes = o->swap_bytes = o->compressed_bytes = CTL_UNKNOWN;
        o->savings = calloc(1, sizeof(CtlSavings));
        ck_assert_ptr_nonnull(o->savings);
        o->n_savings = 1;
        s = &o->savings[0];
        *s = (CtlSavings) {
                .period = xstrdup("start"),
                .duration_usec = 5 * MIN_USEC,
                .refault_bytes = 3 * MIB,
                .swapin_bytes = 2 * MIB,
                .swapout_bytes = 200 * MIB,
                .cpu_usec = CTL_UNKNOWN,
                .cpu_permyriad = CTL_UNKNOWN,
                .stall_usec = CTL_UNKNOWN,
                .resident_change_bytes = INT64_MIN,
        };
        s->applied = calloc(1, sizeof(CtlStat));
        ck_assert_ptr_nonnull(s->applied);
        s->applied[0] = (CtlStat) { xstrdup("pageout"), 450 * MIB };
        s->n_applied = 1;

        out = render(status_all, &m);
        ck_assert_msg(strstr(out, "     Savings: since start (5min): swapped out 200.0M, pageout applied to 450.0M, "
                                  "refaulted 3.0M, swapped in 2.0M\n"), "%s", out);
        ck_assert_ptr_null(strstr(out, "paged out"));
        json = render_json(ctl_json_status(&m, NULL));
        ck_assert_msg(strstr(json, "\"swapout_bytes\": 209715200"), "%s", json);
        out = mfree(out);
        json = mfree(json);

        s->swapout_bytes = CTL_UNKNOWN;
        out = render(status_all, &m);
        ck_assert_msg(strstr(out, "     Savings: since start (5min): pageout applied to 450.0M, refaulted 3.0M, "
                                  "swapped in 2.0M\n"), "%s", out);
        json = render_json(ctl_json_status(&m, NULL));
        ck_assert_msg(strstr(json, "\"swapout_bytes\": null"), "%s", json);
}
END_TEST

/* Snapshots paused (from 6.14, at intervals that would hold DAMON's sysfs lock for seconds): the working set
 * shown is the last one taken, and the status text says why no newer one comes, as --json does. */
START_TEST(test_status_snapshots_paused) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *out = NULL, *json = NULL;
        CtlObserve *o;

        make_manager(&m);
        o = &m.profiles[1].observe;
        o->present = true;
        o->resident_bytes = o->baseline_bytes = o->swap_bytes = o->compressed_bytes = CTL_UNKNOWN;
        o->access_time_usec = NOW_USEC - 5 * MIN_USEC;
        o->wss_bytes = 64 * MIB;
        o->total_bytes = GIB;
        o->wss_window_usec = 10 * USEC_PER_SEC;
        o->n_snapshots = 12;
        o->n_held = 12;
        o->held_bytes = MIB;
        o->max_bytes = 4 * MIB;
        out = render(status_all, &m);
        ck_assert_msg(strstr(out, "   Snapshots: 12 taken, 12 kept in 1.0M of 4.0M\n"), "%s", out);
        out = mfree(out);

        o->unavailable = xstrdup("paused: at this kdamond's current intervals the kernel would lock DAMON's "
                                 "sysfs files for over 2 s per snapshot");
        out = render(status_all, &m);
        ck_assert_msg(strstr(out, "   Snapshots: 12 taken, 12 kept in 1.0M of 4.0M; paused: at this kdamond's "
                                  "current intervals"), "%s", out);
        json = render_json(ctl_json_status(&m, NULL));
        ck_assert_msg(strstr(json, "\"unavailable\": \"paused: "), "%s", json);
}
END_TEST

START_TEST(test_status_first_minute) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *buf = NULL;
        CtlProfile *p;

        /* a profile that just started: counters, but no complete minute yet, and no stall */
        make_manager(&m);
        p = &m.profiles[1];
        p->applied_last_minute = CTL_UNKNOWN;
        p->pressure.window_stall_usec = 0;
        buf = render(status_all, &m);
        ck_assert_ptr_nonnull(strstr(buf, "     Applied: 2.1G since it started; "
                                          "the last minute is not measured yet\n"));
        ck_assert_ptr_nonnull(strstr(buf, "    Pressure: system: some 1.23%, full 0.1% (avg10); "
                                          "no stall over the last 10s, ceiling 50ms/s\n"));
}
END_TEST

START_TEST(test_status_color) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *buf = NULL;
        CtlFormat fmt = format;
        size_t size = 0;
        FILE *f;

        make_manager(&m);
        fmt.color = true;
        f = open_memstream(&buf, &size);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ctl_print_status(f, &m, NULL, &fmt), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_ptr_nonnull(strstr(buf, "\x1b[0;1;32m●\x1b[0m default: running"));
        ck_assert_ptr_nonnull(strstr(buf, "\x1b[0;1;31m×\x1b[0m web-cache: failed"));
        ck_assert_ptr_nonnull(strstr(buf, "\n○ batch: stopped"));
}
END_TEST

START_TEST(test_status_json) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *out = NULL;

        make_manager(&m);
        out = render_json(ctl_json_status(&m, NULL));
        check_golden("status.json", out);
}
END_TEST

START_TEST(test_status_json_typed) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        json_object *o, *profiles, *p, *v;

        make_manager(&m);
        o = ctl_json_status(&m, NULL);
        ck_assert_ptr_nonnull(o);
        ck_assert(json_object_object_get_ex(o, "profiles", &profiles));
        ck_assert_int_eq(json_object_array_length(profiles), 3);
        p = json_object_array_get_idx(profiles, 1);
        ck_assert(json_object_object_get_ex(p, "kdamond_pid", &v));
        ck_assert(json_object_is_type(v, json_type_int));
        ck_assert_int_eq(json_object_get_int64(v), 4242);
        ck_assert(json_object_object_get_ex(p, "enabled", &v));
        ck_assert(json_object_is_type(v, json_type_boolean));
        ck_assert(json_object_object_get_ex(p, "applied_last_minute_bytes", &v));
        ck_assert_uint_eq(json_object_get_uint64(v), 512 * MIB);
        /* the failed profile: no kdamond and nothing measured are null, not -1 or UINT64_MAX */
        p = json_object_array_get_idx(profiles, 2);
        ck_assert(json_object_object_get_ex(p, "kdamond", &v));
        ck_assert_ptr_null(v);
        ck_assert(json_object_object_get_ex(p, "applied_last_minute_bytes", &v));
        ck_assert_ptr_null(v);
        ck_assert(json_object_object_get_ex(p, "running_since_usec", &v));
        ck_assert_ptr_null(v);
        json_object_put(o);
}
END_TEST

START_TEST(test_list) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *text = NULL, *bare = NULL, *json = NULL;

        make_manager(&m);
        text = render(list, &m);
        check_golden("list.txt", text);
        bare = render(list_no_legend, &m);
        check_golden("list-no-legend.txt", bare);
        json = render_json(ctl_json_list(&m));
        check_golden("list.json", json);
}
END_TEST

START_TEST(test_features) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *text = NULL, *json = NULL;

        make_manager(&m);
        text = render(features, &m);
        check_golden("features.txt", text);
        json = render_json(ctl_json_features(&m));
        check_golden("features.json", json);
}
END_TEST

/* A kernel that runs DAMON_STAT (6.17's default): the modules, its kdamond and its read-outs, in
 * status, features and --json. */
static void add_damon_stat(CtlManager *m) {
        static const char *names[] = { "damon_reclaim", "damon_lru_sort", "damon_stat" };

        m->modules = calloc(ELEMENTSOF(names), sizeof(CtlModule));
        ck_assert_ptr_nonnull(m->modules);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                m->modules[i] = (CtlModule) { xstrdup(names[i]), i == 2, i == 2 ? 87 : -1 };
        m->n_modules = ELEMENTSOF(names);
        m->damon_stat = (CtlDamonStat) { .running = true, .aggr_interval_us = 1600000, .bandwidth = 52428800 };
        m->damon_stat.idle_ms = calloc(101, sizeof(int64_t));
        ck_assert_ptr_nonnull(m->damon_stat.idle_ms);
        m->damon_stat.n_idle = 101;
        for (int i = 0; i < 101; i++)
                m->damon_stat.idle_ms[i] = i < 20 ? -(20 - i) * 400 : (i - 20) * 1500;
}

START_TEST(test_damon_stat) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *status = NULL, *feat = NULL, *json = NULL, *fjson = NULL;

        make_manager(&m);
        add_damon_stat(&m);
        status = render(status_all, &m);
        check_golden("status-damon-stat.txt", status);
        feat = render(features, &m);
        check_golden("features-modules.txt", feat);
        json = render_json(ctl_json_status(&m, NULL));
        ck_assert_ptr_nonnull(strstr(json, "\"estimated_bandwidth_bytes_per_sec\": 52428800"));
        ck_assert_ptr_nonnull(strstr(json, "\"name\": \"damon_stat\",\n      \"enabled\": true,\n      \"kdamond_pid\": 87"));
        fjson = render_json(ctl_json_features(&m));
        ck_assert_ptr_nonnull(strstr(fjson, "\"kdamond_pid\": 87"));

        /* not running: no read-outs */
        m.damon_stat.running = false;
        free(json);
        json = render_json(ctl_json_status(&m, NULL));
        ck_assert_ptr_nonnull(strstr(json, "\"damon_stat\": null"));
}
END_TEST

START_TEST(test_show) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

        make_manager(&m);
        a = render(show_default, &m);
        check_golden("show-default.txt", a);
        b = render(show_failed, &m);
        check_golden("show-web-cache.txt", b);
        c = render(show_manager, &m);
        check_golden("show-manager.txt", c);
        d = render_json(ctl_json_profile(ctl_manager_find_profile(&m, "default")));
        check_golden("show-default.json", d);
        e = render_json(ctl_json_manager(&m));
        check_golden("show-manager.json", e);
}
END_TEST

START_TEST(test_empty_manager) {
        CtlManager m = { .version = (char *) "0.1.0", .kernel_release = (char *) "6.1.0-27-amd64" };
        _cleanup_free_ char *text = NULL, *json = NULL;

        /* a kernel without DAMON and no profile: still a readable status, never a crash on NULLs */
        text = render(status_all, &m);
        check_golden("status-empty.txt", text);
        json = render_json(ctl_json_status(&m, NULL));
        check_golden("status-empty.json", json);
}
END_TEST

START_TEST(test_validation) {
        CtlValidation v = { .valid = false };
        _cleanup_strv_free_ char **d = xstrv("/tmp/x.conf:3: Action=eat: unknown action", NULL);
        _cleanup_free_ char *buf = NULL, *json = NULL;
        size_t size = 0;
        FILE *f;

        v.diagnostics = d;
        f = open_memstream(&buf, &size);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ctl_print_validation(f, &v), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_str_eq(buf, "/tmp/x.conf:3: Action=eat: unknown action\n");
        json = render_json(ctl_json_validation(&v));
        check_golden("validate.json", json);
}
END_TEST

/* Human units as the status shows them, one "input -> output" line each. */
START_TEST(test_units) {
        static const uint64_t sizes[] = { 0, 512, 1023, 1024, 1536, 1048575, 512 * MIB, 1288 * MIB,
                                          (uint64_t) (23.8 * GIB), UINT64_C(5) << 60, UINT64_MAX };
        static const uint64_t usecs[] = { 0, 1, 312, 999, 1000, 1049, 1050, 1200, 12000, 999949, 999950,
                                          1500000, 59949999, 59950000, 150000000, 3600000000,
                                          3900000000, 90000000000, UINT64_MAX };
        static const uint64_t hundredths[] = { 0, 1, 10, 12, 123, 1230, 1234, 7000, 10000 };
        static const struct { const char *metric; uint64_t v; } goals[] = {
                { "some_mem_psi_us", 1000 }, { "node_mem_free_bp", 1234 }, { "cgroup_mem_usage", 512 * MIB },
                { "user_input", 8000 }, { "active_mem_bp", UINT64_MAX },
        };
        static const uint64_t ago[] = { 0, 450000, 14000000, 19 * MIN_USEC + 7000000, 63 * MIN_USEC,
                                        (2 * 24 + 4) * 60 * MIN_USEC };
        _cleanup_free_ char *buf = NULL;
        char a[CTL_FORMAT_MAX];
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++)
                fprintf(f, "bytes %ju -> %s\n", (uintmax_t) sizes[i],
                        ctl_format_bytes(a, sizeof(a), sizes[i]));
        for (size_t i = 0; i < ELEMENTSOF(usecs); i++)
                fprintf(f, "usec %ju -> %s\n", (uintmax_t) usecs[i],
                        ctl_format_usec(a, sizeof(a), usecs[i]));
        for (size_t i = 0; i < ELEMENTSOF(hundredths); i++)
                fprintf(f, "hundredths %ju -> %s\n", (uintmax_t) hundredths[i],
                        ctl_format_hundredths(a, sizeof(a), hundredths[i]));
        for (size_t i = 0; i < ELEMENTSOF(goals); i++)
                fprintf(f, "goal %s %ju -> %s\n", goals[i].metric, (uintmax_t) goals[i].v,
                        ctl_format_goal_value(a, sizeof(a), goals[i].metric, goals[i].v));
        for (size_t i = 0; i < ELEMENTSOF(ago); i++)
                fprintf(f, "ago %ju -> %s\n", (uintmax_t) ago[i],
                        ctl_format_ago(a, sizeof(a), NOW_USEC - ago[i], NOW_USEC));
        fprintf(f, "timestamp -> %s\n", ctl_format_timestamp(a, sizeof(a), NOW_USEC));
        fprintf(f, "timestamp 0 -> %s\n", ctl_format_timestamp(a, sizeof(a), 0));
        ck_assert_int_eq(fclose(f), 0);
        check_golden("units.txt", buf);
}
END_TEST

int main(void) {
        Suite *s = suite_create("damonctl-format");
        TCase *tc = tcase_create("format");

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_status_text);
        tcase_add_test(tc, test_status_one_profile);
        tcase_add_test(tc, test_status_first_minute);
        tcase_add_test(tc, test_status_applied_over_tried);
        tcase_add_test(tc, test_status_savings);
        tcase_add_test(tc, test_status_snapshots_paused);
        tcase_add_test(tc, test_status_color);
        tcase_add_test(tc, test_status_json);
        tcase_add_test(tc, test_status_json_typed);
        tcase_add_test(tc, test_list);
        tcase_add_test(tc, test_features);
        tcase_add_test(tc, test_show);
        tcase_add_test(tc, test_empty_manager);
        tcase_add_test(tc, test_validation);
        tcase_add_test(tc, test_units);
        tcase_add_test(tc, test_damon_stat);
        suite_add_tcase(s, tc);
        return test_run_suite(s);
}
