/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition (daemon/metrics.h), once per fake kernel generation: after a snapshot and
 * two savings samples, the text passes a strict parser of the format (every sample after its family's
 * # HELP and # TYPE, families contiguous and never repeated, no series twice, names and labels as the
 * format allows them, counters named *_total, numbers that parse), and `promtool check metrics` where
 * promtool is installed (Debian's prometheus package); its values are those damond shows elsewhere; label
 * values are escaped; the file in MetricsDirectory= is replaced atomically and readable by all.
 */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "observe.h"
#include "test-util.h"
#include "test-manager-util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)
#define GiB (UINT64_C(1) << 30)

static FakeKernel *k;
static TestConfigDirs confdirs;
static char **config_dirs;

static void setup(void) {
        ck_assert_ok(fake_kernel_new(fake_kernel_gen_from_env(), true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem", "100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/watch.conf",
                "[Profile]\nOperations=paddr\n"
                "[Monitor]\nSampleInterval=5ms\nAggregationInterval=100ms\n"
                "[Target]\nRegion=4G-5G\nRegion=6G-7G\nRegion=8G-9G\n"
                "[Scheme reclaim]\nAction=pageout\nMinAge=2min\nMaxAccesses=0\nQuotaSize=64M\n"
                "QuotaResetInterval=1s\n"
                "[Goal pressure]\nScheme=reclaim\nMetric=some_mem_psi_us\nTarget=1ms\n"
                "[Scheme all]\nAction=stat\n"));
        ck_assert_ok(fake_kernel_write_file(k, "etc/damond/off.conf",
                "[Profile]\nOperations=paddr\nEnabled=no\n[Scheme all]\nAction=stat\n"));
        test_write_memory_counters(k);
        config_dirs = test_config_dirs(&confdirs, k);
        log_set_max_level(LOG_ERR);
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

static bool has_tried_regions(void) {
        return fake_kernel_gen(k) >= FAKE_GEN_6_12;
}

/* A manager with a snapshot (where the kernel has tried regions) and two savings samples. */
static Manager *start_manager(void) {
        Manager *m = test_manager_start(k, config_dirs, T0, "watch");

        ck_assert_ok(manager_observe_setup(m));
        ck_assert_ok(manager_health_tick(m, T0 + 1 * SEC));
        if (has_tried_regions()) {
                struct pollfd p = { .fd = manager_observe_fd(m), .events = POLLIN };

                ck_assert_int_eq(poll(&p, 1, 5000), 1);
                ck_assert_int_eq(manager_observe_collect(m, T0 + 1 * SEC), 1);
        }
        ck_assert_ok(manager_refresh_status(m, manager_find_profile(m, "watch"), T0 + 2 * SEC, true));
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        return m;
}

/* --- a strict reader of the text format (version 0.0.4) --- */

typedef struct Family {
        char name[128];
        char type[16];
        bool help, closed;
} Family;

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static bool metric_name_ok(const char *s, size_t n) {
        if (n == 0 || !(isalpha((unsigned char) s[0]) || s[0] == '_' || s[0] == ':'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(isalnum((unsigned char) s[i]) || s[i] == '_' || s[i] == ':'))
                        return false;
        return true;
}

/* Parses {a="x",b="y"} at *p; the canonical text of the labels into @canon. false if malformed. */
static bool parse_labels(const char **p, char *canon, size_t size) {
        const char *s = *p;
        size_t o = 0;

        canon[0] = 0;
        if (*s != '{')
                return true;
        s++;
        while (*s != '}') {
                const char *n = s;

                if (!(isalpha((unsigned char) *s) || *s == '_'))
                        return false;
                while (isalnum((unsigned char) *s) || *s == '_')
                        s++;
                if (s - n >= 2 && n[0] == '_' && n[1] == '_')
                        return false;           /* reserved */
                if (*s++ != '=' || *s++ != '"')
                        return false;
                o += (size_t) snprintf(canon + o, size - MIN(o, size), "%.*s=", (int) (s - 2 - n), n);
                while (*s != '"') {
                        if (*s == 0 || *s == '\n')
                                return false;
                        if (*s == '\\') {
                                s++;
                                if (*s != '\\' && *s != '"' && *s != 'n')
                                        return false;
                        }
                        if (o + 1 < size)
                                canon[o++] = *s;
                        s++;
                }
                s++;
                if (o + 1 < size)
                        canon[o++] = ';';
                canon[MIN(o, size - 1)] = 0;
                if (*s == ',')
                        s++;
                else if (*s != '}')
                        return false;
        }
        *p = s + 1;
        return true;
}

static void check_exposition(const char *text) {
        Family fams[128] = {};
        size_t n_fams = 0;
        char **series = NULL;
        size_t n_series = 0;
        Family *cur = NULL;
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;

        ck_assert_ptr_nonnull(copy);
        ck_assert(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strneq(line, "# HELP ", 7) || strneq(line, "# TYPE ", 7)) {
                        bool help = line[2] == 'H';
                        char *name = line + 7, *rest = strchr(name, ' ');
                        size_t nl;

                        ck_assert_msg(rest, "no text after the name: %s", line);
                        nl = (size_t) (rest - name);
                        ck_assert_msg(metric_name_ok(name, nl), "bad metric name: %s", line);
                        if (!cur || strlen(cur->name) != nl || !strneq(cur->name, name, nl)) {
                                for (size_t i = 0; i < n_fams; i++)
                                        ck_assert_msg(!(strlen(fams[i].name) == nl && strneq(fams[i].name, name, nl)),
                                                      "family %.*s appears twice", (int) nl, name);
                                ck_assert(n_fams < ELEMENTSOF(fams));
                                cur = &fams[n_fams++];
                                snprintf(cur->name, sizeof cur->name, "%.*s", (int) nl, name);
                        }
                        ck_assert_msg(!cur->closed, "# line after the samples of %s", cur->name);
                        if (help) {
                                ck_assert_msg(!cur->help, "two HELP lines for %s", cur->name);
                                cur->help = true;
                        } else {
                                ck_assert_msg(!cur->type[0], "two TYPE lines for %s", cur->name);
                                ck_assert_msg(streq(rest + 1, "gauge") || streq(rest + 1, "counter"),
                                              "type %s", rest + 1);
                                snprintf(cur->type, sizeof cur->type, "%s", rest + 1);
                                if (streq(cur->type, "counter"))
                                        ck_assert_msg(endswith(cur->name, "_total"), "counter %s", cur->name);
                        }
                        continue;
                }
                ck_assert_msg(line[0] != '#', "unknown comment: %s", line);
                {
                        const char *p = line, *end;
                        char canon[1024], key[1200];
                        size_t nl;
                        double v;

                        while (metric_name_ok(line, (size_t) (p - line) + 1) && *p)
                                p++;
                        nl = (size_t) (p - line);
                        ck_assert_msg(cur && cur->help && cur->type[0], "a sample before HELP and TYPE: %s", line);
                        ck_assert_msg(strlen(cur->name) == nl && strneq(cur->name, line, nl),
                                      "sample %s outside its family (%s)", line, cur->name);
                        ck_assert_msg(parse_labels(&p, canon, sizeof canon), "bad labels: %s", line);
                        ck_assert_msg(*p == ' ', "no value: %s", line);
                        v = strtod(p + 1, (char **) &end);
                        ck_assert_msg(end != p + 1 && *end == 0, "bad value: %s", line);
                        ck_assert_msg(v >= 0, "negative value: %s", line);
                        snprintf(key, sizeof key, "%s{%s}", cur->name, canon);
                        for (size_t i = 0; i < n_series; i++)
                                ck_assert_msg(!streq(series[i], key), "series twice: %s", key);
                        series = realloc(series, (n_series + 1) * sizeof(char *));
                        ck_assert_ptr_nonnull(series);
                        series[n_series] = strdup(key);
                        ck_assert_ptr_nonnull(series[n_series++]);
                }
        }
        for (size_t i = 0; i < n_series; i++)
                free(series[i]);
        free(series);
        ck_assert_uint_gt(n_fams, 5);
}

/* promtool check metrics, where Debian's prometheus package installed it: 77 (skip) without it. */
static int promtool_check(const char *text) {
        const char *tool = getenv("PROMTOOL") ?: "promtool";
        char cmd[PATH_MAX + 64];
        FILE *f;

        snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1 || exit 77; %s check metrics", tool, tool);
        f = popen(cmd, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        return WEXITSTATUS(pclose(f));
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *s = text; (s = strstr(s, line)); s += n)
                if ((s == text || s[-1] == '\n') && s[n] == '\n')
                        return true;
        return false;
}

/* A cgroup whose memory.stat has no pswpin/pswpout (6.12 and older): its profile's swap counts are the
 * machine's, and say so with cgroup="", while its refaults and resident memory stay the cgroup's. */
START_TEST(test_swap_machine_wide) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        _cleanup_free_ char *text = NULL;
        ManagedProfile *p = manager_find_profile(m, "watch");

        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_ptr_nonnull(p->observe);
        free(p->observe->cgroup);
        p->observe->cgroup = strdup("/system.slice/w.scope");
        ck_assert_ptr_nonnull(p->observe->cgroup);
        p->observe->swap_counts_machine_wide = true;
        ck_assert_ok(manager_metrics_to_string(m, &text));
        ck_assert_msg(has_line(text, "damond_swapout_bytes_total{profile=\"watch\",cgroup=\"\"} 204800"), "%s", text);
        ck_assert(strstr(text, "damond_swapin_bytes_total{profile=\"watch\",cgroup=\"\"} "));
        ck_assert(strstr(text, "damond_refault_bytes_total{profile=\"watch\",cgroup=\"/system.slice/w.scope\"} "));
        text = mfree(text);

        p->observe->swap_counts_machine_wide = false;
        ck_assert_ok(manager_metrics_to_string(m, &text));
        ck_assert(strstr(text, "damond_swapout_bytes_total{profile=\"watch\",cgroup=\"/system.slice/w.scope\"} "));
}
END_TEST

START_TEST(test_exposition) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        _cleanup_free_ char *text = NULL;
        ManagedProfile *p = manager_find_profile(m, "watch");
        ObserveAccess a;
        char line[256];
        int r;

        ck_assert_ok(manager_metrics_to_string(m, &text));
        check_exposition(text);
        r = promtool_check(text);
        if (r != 77)
                ck_assert_msg(r == 0, "promtool check metrics failed (%d) on:\n%s", r, text);

        ck_assert(has_line(text, "damond_profile_state{profile=\"watch\",state=\"running\"} 1"));
        ck_assert(has_line(text, "damond_profile_state{profile=\"off\",state=\"disabled\"} 1"));
        ck_assert(has_line(text, "damond_applied_bytes_total{profile=\"watch\",action=\"pageout\"} 0") ||
                  strstr(text, "damond_applied_bytes_total{profile=\"watch\",action=\"pageout\"} "));
        snprintf(line, sizeof line, "damond_scheme_applied_bytes_total{profile=\"watch\",scheme=\"all\",action=\"stat\"} %"
                 PRIu64, p->tune.schemes[1].stats.sz_applied);
        ck_assert_msg(has_line(text, line), "no '%s' in:\n%s", line, text);
        ck_assert(has_line(text, "damond_scheme_quota_bytes{profile=\"watch\",scheme=\"reclaim\",action=\"pageout\"} 67108864"));
        ck_assert(strstr(text, "damond_goal_target{profile=\"watch\",scheme=\"reclaim\",goal=\"0\","
                               "metric=\"some_mem_psi_us\"} 1000\n"));
        ck_assert(has_line(text, "damond_resident_bytes{profile=\"watch\",cgroup=\"\"} 4294967296"));
        ck_assert(has_line(text, "damond_refault_bytes_total{profile=\"watch\",cgroup=\"\"} 122880"));
        /* pswpout 50 pages of the machine's vmstat */
        ck_assert(has_line(text, "damond_swapout_bytes_total{profile=\"watch\",cgroup=\"\"} 204800"));
        if (!has_tried_regions()) {
                ck_assert_ptr_null(strstr(text, "damond_working_set_bytes"));
                return;
        }
        ck_assert_ok(profile_observe_access(p, &a));
        snprintf(line, sizeof line, "damond_working_set_bytes{profile=\"watch\"} %" PRIu64, a.wss_bytes);
        ck_assert_msg(has_line(text, line), "no '%s' in:\n%s", line, text);
        ck_assert(has_line(text, "damond_working_set_window_seconds{profile=\"watch\"} 10.000000"));
        ck_assert(has_line(text, "damond_monitored_bytes{profile=\"watch\"} 3221225472"));
        ck_assert(has_line(text, "damond_idle_seconds{profile=\"watch\",percentile=\"50\"} 0.000000"));
        ck_assert(has_line(text, "damond_snapshots_total{profile=\"watch\"} 1"));
}
END_TEST

START_TEST(test_label_escape) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        metrics_write_label_value(f, "a\"b\\c\nd/é");
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_str_eq(buf, "a\\\"b\\\\c\\nd/é");
}
END_TEST

START_TEST(test_file) {
        _cleanup_(manager_freep) Manager *m = start_manager();
        char dir[PATH_MAX], path[PATH_MAX + 32];
        struct stat st;
        mode_t old = umask(0077);       /* as the unit's UMask= */

        snprintf(dir, sizeof dir, "%s/metrics", fake_kernel_root_path(k));
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        ck_assert_ok(manager_metrics_write(m, dir));
        ck_assert_ok(manager_metrics_write(m, dir));    /* replaces it */
        umask(old);
        snprintf(path, sizeof path, "%s/damond.prom", dir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        ck_assert_int_gt(st.st_size, 0);
        snprintf(path, sizeof path, "%s/.damond.prom.tmp", dir);
        ck_assert_int_eq(access(path, F_OK), -1);
        snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/missing");
        ck_assert_int_eq(manager_metrics_write(m, dir), -ENOENT);
}
END_TEST

static Suite *metrics_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc = tcase_create("metrics");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_exposition);
        tcase_add_test(tc, test_swap_machine_wide);
        tcase_add_test(tc, test_label_escape);
        tcase_add_test(tc, test_file);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(metrics_suite());
}
