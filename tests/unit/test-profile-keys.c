/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Units, the key table, the search path (drop-ins, /etc over /usr, masking, includes by name), and the
 * agreement between the key table and damond.conf(5).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-files.h"
#include "profile-compile.h"
#include "profile-kernels.h"
#include "profile.h"
#include "test-util.h"
#include "units.h"

static char *source_root;

/* Units */

START_TEST(test_durations) {
        static const struct {
                const char *s;
                int r;
                uint64_t usec;
        } cases[] = {
                { "5ms", 0, 5000 }, { "5 ms", 0, 5000 }, { "2min", 0, 120000000 }, { "1.5s", 0, 1500000 },
                { "1min 30s", 0, 90000000 }, { "100us", 0, 100 }, { "100µs", 0, 100 }, { "0", 0, 0 },
                { "1h", 0, 3600000000 }, { "1d", 0, 86400000000 }, { "0.001ms", 0, 1 },
                { "5", -EINVAL, 0 }, { "5m", -EINVAL, 0 }, { "ms", -EINVAL, 0 }, { "", -EINVAL, 0 },
                { "-5ms", -EINVAL, 0 }, { "0.5us", -EDOM, 0 }, { "1.ms", -EINVAL, 0 },
                { "99999999999999999999s", -ERANGE, 0 }, { "5ms garbage", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 0;

                ck_assert_msg(parse_duration_usec(cases[i].s, &v) == cases[i].r, "'%s'", cases[i].s);
                if (cases[i].r == 0)
                        ck_assert_msg(v == cases[i].usec, "'%s' -> %" PRIu64, cases[i].s, v);
        }
}
END_TEST

START_TEST(test_sizes) {
        static const struct {
                const char *s;
                int r;
                uint64_t bytes;
        } cases[] = {
                { "4096", 0, 4096 }, { "4K", 0, 4096 }, { "4KiB", 0, 4096 }, { "128M", 0, 134217728 },
                { "1.5G", 0, 1610612736 }, { "1 G", 0, 1073741824 }, { "0", 0, 0 }, { "3B", 0, 3 },
                { "16E", -ERANGE, 0 }, { "128MB", -EINVAL, 0 }, { "1.5", -EDOM, 0 }, { "0.1K", -EDOM, 0 },
                { "12X", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 0;

                ck_assert_msg(parse_size_bytes(cases[i].s, &v) == cases[i].r, "'%s'", cases[i].s);
                if (cases[i].r == 0)
                        ck_assert_msg(v == cases[i].bytes, "'%s' -> %" PRIu64, cases[i].s, v);
        }
}
END_TEST

START_TEST(test_ratios) {
        static const struct {
                const char *s;
                int r;
                uint64_t ppm;
        } cases[] = {
                { "0.5%", 0, 5000 }, { "50%", 0, 500000 }, { "100%", 0, 1000000 }, { "500permil", 0, 500000 },
                { "40bp", 0, 4000 }, { "0", 0, 0 }, { "0.0001%", 0, 1 },
                { "50", -EINVAL, 0 }, { "101%", -ERANGE, 0 }, { "0.00001%", -EDOM, 0 }, { "%", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 0;

                ck_assert_msg(parse_ratio_ppm(cases[i].s, &v) == cases[i].r, "'%s'", cases[i].s);
                if (cases[i].r == 0)
                        ck_assert_msg(v == cases[i].ppm, "'%s' -> %" PRIu64, cases[i].s, v);
        }
}
END_TEST

START_TEST(test_format_round_trip) {
        static const uint64_t durations[] = { 1, 5000, 100000, 90000000, 3600000000, 86400000001 };
        static const uint64_t sizes[] = { 1, 4096, 134217728, 1610612736, 12345 };
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                uint64_t v;

                ck_assert_int_eq(parse_duration_usec(format_duration(buf, sizeof(buf), durations[i]), &v), 0);
                ck_assert_uint_eq(v, durations[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                uint64_t v;

                ck_assert_int_eq(parse_size_bytes(format_size(buf, sizeof(buf), sizes[i]), &v), 0);
                ck_assert_uint_eq(v, sizes[i]);
        }
        ck_assert_str_eq(format_ratio(buf, sizeof(buf), 5000), "0.5%");
        ck_assert_str_eq(format_ratio(buf, sizeof(buf), 400000), "40%");
}
END_TEST

/* The key table */

START_TEST(test_defaults_parse) {
        /* every documented default must be a value the parser takes */
        for (size_t i = 0; i < profile_keys_count; i++) {
                const ProfileKey *k = &profile_keys[i];
                uint8_t obj[4096] __attribute__((aligned(16))) = {};
                DiagList d = {};

                if (!k->default_value)
                        continue;
                ((ProfileSection *) obj)->type = k->section;
                ck_assert_int_eq(profile_key_parse(k, obj, k->default_value, "t", 1, &d), 0);
                ck_assert_msg(d.n == 0, "[%s] %s=%s does not parse", profile_section_type_to_string(k->section),
                              k->name, k->default_value);
                profile_section_done((ProfileSection *) obj);
        }
}
END_TEST

START_TEST(test_keywords_match_model) {
        int k;

        k = profile_key_lookup(PROFILE_SECTION_SCHEME, "Action");
        ck_assert_int_ge(k, 0);
        for (int i = 0; i < _DAMOS_ACTION_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damos_action_to_string(i));
        k = profile_key_lookup(PROFILE_SECTION_PROFILE, "Operations");
        for (int i = 0; i < _DAMON_OPS_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damon_ops_to_string(i));
        k = profile_key_lookup(PROFILE_SECTION_FILTER, "Type");
        for (int i = 0; i < _DAMOS_FILTER_TYPE_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damos_filter_type_to_string(i));
        k = profile_key_lookup(PROFILE_SECTION_GOAL, "Metric");
        for (int i = 0; i < _DAMOS_GOAL_METRIC_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damos_goal_metric_to_string(i));
        k = profile_key_lookup(PROFILE_SECTION_SCHEME, "GoalTuner");
        for (int i = 0; i < _DAMOS_GOAL_TUNER_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damos_goal_tuner_to_string(i));
        k = profile_key_lookup(PROFILE_SECTION_SCHEME, "Watermarks");
        for (int i = 0; i < _DAMOS_WMARK_METRIC_MAX; i++)
                ck_assert_str_eq(profile_keys[k].choices[i], damos_wmark_metric_to_string(i));
}
END_TEST

START_TEST(test_feature_versions_match_kernel_layer) {
        /* the built-in generation tables and the probe's version strings must tell the same story */
        for (int f = 0; f < _DAMON_FEATURE_MAX; f++) {
                unsigned major, minor;
                char v[16];

                profile_feature_since(f, &major, &minor);
                snprintf(v, sizeof(v), "%u.%u", major, minor);
                ck_assert_str_eq(v, damon_feature_version(f));
        }
}
END_TEST

/* Loading from directories */

static char tmp[64];

static void write_file(const char *rel, const char *text) {
        char path[256], *slash;

        snprintf(path, sizeof(path), "%s/%s", tmp, rel);
        for (slash = strchr(path + strlen(tmp) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                (void) mkdir(path, 0755);
                *slash = '/';
        }
        FILE *f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static void setup_tmp(void) {
        snprintf(tmp, sizeof(tmp), "/tmp/damond-test-keys-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown_tmp(void) {
        char cmd[128];

        /* the directory is ours and was made by mkdtemp */
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        ck_assert_int_eq(system(cmd), 0);
}

typedef struct Dirs {
        char etc[128], run[128], usr[128], pol[128];
        const char *config[4], *policy[2];
        ProfileDirs dirs;
} Dirs;

static void make_dirs(Dirs *d) {
        snprintf(d->etc, sizeof(d->etc), "%s/etc", tmp);
        snprintf(d->run, sizeof(d->run), "%s/run", tmp);
        snprintf(d->usr, sizeof(d->usr), "%s/usr", tmp);
        snprintf(d->pol, sizeof(d->pol), "%s/pol", tmp);
        d->config[0] = d->etc;
        d->config[1] = d->run;
        d->config[2] = d->usr;
        d->config[3] = NULL;
        d->policy[0] = d->pol;
        d->policy[1] = NULL;
        d->dirs = (ProfileDirs) { .config_dirs = d->config, .policy_dirs = d->policy };
}

START_TEST(test_search_path_and_dropins) {
        _cleanup_(profile_freep) Profile *p = NULL;
        _cleanup_strv_free_ char **paths = NULL;
        DiagList d = {};
        Dirs dirs;
        char path[256];

        make_dirs(&dirs);
        write_file("pol/base.conf", "[Profile]\nOperations=paddr\n[Scheme s]\nAction=pageout\nQuotaSize=1G\nMinAge=1min\n");
        write_file("usr/shipped.conf", "[Profile]\nInclude=base\n");
        write_file("usr/other.conf", "[Profile]\nInclude=base\n");
        write_file("etc/other.conf", "[Profile]\nInclude=base\nDescription=mine\n");
        write_file("usr/masked.conf", "[Profile]\nInclude=base\n");
        write_file("usr/shipped.conf.d/10-age.conf", "[Scheme s]\nMinAge=5min\n");
        write_file("usr/shipped.conf.d/20-size.conf", "[Scheme s]\nQuotaSize=2G\n");
        write_file("etc/shipped.conf.d/20-size.conf", "[Scheme s]\nQuotaSize=3G\n");
        write_file("run/shipped.conf.d/30-off.conf", "[Profile]\nEnabled=no\n");
        snprintf(path, sizeof(path), "%s/etc/masked.conf", tmp);
        ck_assert_int_eq(symlink("/dev/null", path), 0);

        /* /etc hides /usr, masked names are left out, names are sorted */
        ck_assert_int_eq(profile_enumerate(&dirs.dirs, &paths), 0);
        ck_assert_ptr_nonnull(paths[0]);
        ck_assert_ptr_nonnull(strstr(paths[0], "/etc/other.conf"));
        ck_assert_ptr_nonnull(strstr(paths[1], "/usr/shipped.conf"));
        ck_assert_ptr_null(paths[2]);

        /* drop-ins: file-name order across directories, /etc's 20-size.conf hides /usr's */
        ck_assert_int_eq(profile_load(paths[1], &dirs.dirs, &p, &d), 0);
        ck_assert_uint_eq(d.n, 0);
        ck_assert_uint_eq(p->n_schemes, 1);
        ck_assert_uint_eq(p->schemes[0]->min_age_usec, 300 * USEC_PER_SEC);
        ck_assert_uint_eq(p->schemes[0]->quota_size, UINT64_C(3) << 30);
        ck_assert(!p->general.enabled);
        ck_assert_str_eq(p->name, "shipped");
        diag_list_done(&d);
}
END_TEST

START_TEST(test_include_prefers_policy_over_itself) {
        _cleanup_(profile_freep) Profile *p = NULL;
        DiagList d = {};
        Dirs dirs;
        char path[256];

        make_dirs(&dirs);
        /* /etc/damond/reclaim.conf saying Include=reclaim means the policy, not a cycle */
        write_file("pol/reclaim.conf", "[Profile]\nOperations=paddr\n[Scheme reclaim]\nAction=pageout\nQuotaSize=1G\n");
        write_file("etc/reclaim.conf", "[Profile]\nInclude=reclaim\n[Scheme reclaim]\nQuotaSize=2G\n");
        snprintf(path, sizeof(path), "%s/etc/reclaim.conf", tmp);
        ck_assert_int_eq(profile_load(path, &dirs.dirs, &p, &d), 0);
        ck_assert_uint_eq(d.n, 0);
        ck_assert_uint_eq(p->n_schemes, 1);
        ck_assert_int_eq(p->schemes[0]->action, DAMOS_ACTION_PAGEOUT);
        ck_assert_uint_eq(p->schemes[0]->quota_size, UINT64_C(2) << 30);
        /* the value knows where it came from */
        ck_assert_str_eq(p->schemes[0]->head.set[profile_key_lookup(PROFILE_SECTION_SCHEME, "QuotaSize")].file, path);
        ck_assert_uint_eq(p->schemes[0]->head.set[profile_key_lookup(PROFILE_SECTION_SCHEME, "QuotaSize")].line, 4);
        diag_list_done(&d);
}
END_TEST

START_TEST(test_include_diamond_reads_once) {
        _cleanup_(profile_freep) Profile *p = NULL;
        DiagList d = {};
        Dirs dirs;
        char path[256];

        make_dirs(&dirs);
        write_file("pol/z.conf", "[Profile]\nOperations=paddr\n[Target]\nRegion=0x1000-0x2000\n");
        write_file("pol/x.conf", "[Profile]\nInclude=z\n");
        write_file("pol/y.conf", "[Profile]\nInclude=z\n");
        write_file("etc/a.conf", "[Profile]\nInclude=x\nInclude=y\n");
        snprintf(path, sizeof(path), "%s/etc/a.conf", tmp);
        ck_assert_int_eq(profile_load(path, &dirs.dirs, &p, &d), 0);
        ck_assert_ok(profile_validate(p, NULL, &d));
        ck_assert_uint_eq(d.n, 0);
        ck_assert_uint_eq(p->target.regions.n, 1);
        diag_list_done(&d);
}
END_TEST

START_TEST(test_empty_value_resets) {
        _cleanup_(profile_freep) Profile *p = NULL;
        static const char text[] = "[Profile]\n[Monitor]\nSampleInterval=1ms\nSampleInterval=\n"
                                   "[Target]\nRegion=0x1000-0x2000\nRegion=\nRegion=0x3000-0x4000\n";
        DiagList d = {};

        ck_assert_int_eq(profile_load_string("t.conf", text, sizeof(text) - 1, NULL, &p, &d), 0);
        ck_assert_uint_eq(d.n, 0);
        ck_assert_uint_eq(p->monitor.sample_usec, 5000);
        ck_assert_uint_eq(p->target.regions.n, 1);
        ck_assert_uint_eq(p->target.regions.items[0].start, 0x3000);
        diag_list_done(&d);
}
END_TEST

START_TEST(test_bom_crlf_comments_indent) {
        _cleanup_(profile_freep) Profile *p = NULL;
        static const char text[] = "\xef\xbb\xbf[Profile] ; the profile\r\nOperations=vaddr ; inline\r\n"
                                   "[Target]  # comment\r\n    Pid = 7\r\n\tProcessName=a;b\r\n";
        DiagList d = {};

        ck_assert_int_eq(profile_load_string("t.conf", text, sizeof(text) - 1, NULL, &p, &d), 0);
        ck_assert_uint_eq(d.n, 0);
        ck_assert_int_eq(p->general.operations, DAMON_OPS_VADDR);
        ck_assert_uint_eq(p->target.pids.n, 1);
        ck_assert_uint_eq(p->target.pids.items[0], 7);
        /* an indented key is a key, not a continuation of the previous value */
        ck_assert_uint_eq(p->target.process_names.n, 1);
        ck_assert_str_eq(p->target.process_names.items[0], "a;b");
        diag_list_done(&d);
}
END_TEST

START_TEST(test_daemon_config) {
        DamondConfig c;
        DiagList d = {};
        Dirs dirs;

        make_dirs(&dirs);
        write_file("usr/damond.conf", "[Damond]\nLogLevel=debug\nMaxKdamonds=4\n");
        write_file("etc/damond.conf.d/10.conf", "[Damond]\nMaxKdamonds=2\nBogus=1\n[Scheme x]\n");
        ck_assert_int_eq(damond_config_load(&dirs.dirs, &c, &d), 0);
        ck_assert_int_eq(c.log_level, DAMOND_LOG_DEBUG);
        ck_assert_uint_eq(c.max_kdamonds, 2);
        ck_assert(c.stop_on_exit);
        ck_assert_uint_eq(d.n, 2);      /* Bogus=, and [Scheme x] is no section of damond.conf */
        ck_assert_int_eq(d.items[0].severity, DIAG_WARNING);
        ck_assert_int_eq(d.items[1].severity, DIAG_WARNING);
        damond_config_done(&c);
        diag_list_done(&d);

        /* a bad value is an error at its line, and the default stays */
        write_file("etc/damond.conf.d/20.conf", "[Damond]\nMaxKdamonds=100\nStatusInterval=50ms\n");
        ck_assert_int_eq(damond_config_load(&dirs.dirs, &c, &d), 0);
        ck_assert_uint_eq(diag_list_count(&d, DIAG_ERROR), 2);
        ck_assert_uint_eq(d.items[2].line, 2);
        ck_assert_str_eq(d.items[2].message, "out of range: must be between 1 and 64");
        ck_assert_uint_eq(c.max_kdamonds, 2);
        ck_assert_uint_eq(c.status_interval_usec, USEC_PER_SEC);
        damond_config_done(&c);
        diag_list_done(&d);
}
END_TEST

/* The man page documents exactly the key table: every key in its section, with its default and the
 * kernel version it needs. */
START_TEST(test_man_page_agrees) {
        _cleanup_free_ char *path = NULL;
        bool seen[PROFILE_KEYS_MAX] = {};
        int section = -1, key = -1;
        char line[1024];
        FILE *f;

        ck_assert_int_gt(asprintf(&path, "%s/docs/damond.conf.5", source_root), 0);
        f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strneq(line, ".SH", 3)) {
                        char name[32] = "";

                        section = -1;
                        key = -1;
                        if (sscanf(line, ".SH \"[%31[A-Za-z]", name) == 1)
                                section = profile_section_type_from_string(name);
                        continue;
                }
                if (strneq(line, "\\fB", 3) && strstr(line, "=\\fR") && section >= 0) {
                        char name[64] = "";

                        ck_assert_int_eq(sscanf(line, "\\fB%63[A-Za-z]=", name), 1);
                        key = profile_key_lookup(section, name);
                        ck_assert_msg(key >= 0, "damond.conf.5 documents [%s] %s=, which the parser does not know",
                                      profile_section_type_to_string(section), name);
                        ck_assert_msg(!seen[key], "%s= documented twice", name);
                        seen[key] = true;
                        continue;
                }
                if (key >= 0 && strneq(line, "Default: ", 9)) {
                        const ProfileKey *k = &profile_keys[key];
                        char expect[128];
                        unsigned major, minor;

                        snprintf(expect, sizeof(expect), "Default: %s.", k->default_value ?: "unset");
                        ck_assert_msg(strneq(line, expect, strlen(expect)), "%s=: man page says '%s', table '%s'",
                                      k->name, line, expect);
                        if (k->feature >= 0) {
                                profile_feature_since(k->feature, &major, &minor);
                                snprintf(expect, sizeof(expect), "Kernel: %u.%u.", major, minor);
                        } else
                                snprintf(expect, sizeof(expect), "Kernel: any.");
                        ck_assert_msg(strstr(line, expect), "%s=: man page says '%s', table '%s'", k->name, line,
                                      expect);
                        key = -1;
                }
        }
        fclose(f);
        for (size_t i = 0; i < profile_keys_count; i++)
                ck_assert_msg(seen[i], "[%s] %s= is not in damond.conf.5",
                              profile_section_type_to_string(profile_keys[i].section), profile_keys[i].name);
}
END_TEST

int main(void) {
        const char *data = getenv("DAMOND_TEST_DATA");
        char real[PATH_MAX];
        Suite *s;
        TCase *tc;
        int r;

        if (!data || !realpath(data, real) || asprintf(&source_root, "%s/../..", real) < 0)
                return 77;

        s = suite_create("profile-keys");
        tc = tcase_create("units");
        tcase_add_test(tc, test_durations);
        tcase_add_test(tc, test_sizes);
        tcase_add_test(tc, test_ratios);
        tcase_add_test(tc, test_format_round_trip);
        suite_add_tcase(s, tc);
        tc = tcase_create("table");
        tcase_add_test(tc, test_defaults_parse);
        tcase_add_test(tc, test_keywords_match_model);
        tcase_add_test(tc, test_feature_versions_match_kernel_layer);
        tcase_add_test(tc, test_man_page_agrees);
        suite_add_tcase(s, tc);
        tc = tcase_create("load");
        tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
        tcase_add_test(tc, test_search_path_and_dropins);
        tcase_add_test(tc, test_include_prefers_policy_over_itself);
        tcase_add_test(tc, test_empty_value_resets);
        tcase_add_test(tc, test_include_diamond_reads_once);
        tcase_add_test(tc, test_daemon_config);
        tcase_add_test(tc, test_bom_crlf_comments_indent);
        suite_add_tcase(s, tc);
        r = test_run_suite(s);
        free(source_root);
        return r;
}
