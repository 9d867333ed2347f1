/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cost bounds of configuration handling: the diagnostics list (cut past DIAG_LIST_MAX, sorted in
 * O(n log n)), the string map, each limit of a profile's budget reported by name, and files whose type
 * is checked before they are opened. tests/profiles/hostile.py measures time and memory on the worst
 * whole inputs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-files.h"
#include "profile.h"
#include "strmap.h"
#include "test-util.h"

/* ---- diagnostics ------------------------------------------------------------------------------------ */

START_TEST(test_diag_sort_stable) {
        DiagList d = {};
        static const char * const files[] = { "b.conf", "a.conf", NULL, "c.conf" };

        /* files in order of first appearance (b, a, none, c), lines ascending, equal ones as added */
        for (unsigned i = 0; i < 400; i++)
                ck_assert_ok(diag_add(&d, DIAG_WARNING, files[i % 4], 100 - (i / 8) % 50, NULL, NULL, "%u", i));
        ck_assert_ok(diag_list_sort(&d));
        ck_assert_uint_eq(d.n, 400);
        for (size_t i = 1; i < d.n; i++) {
                const Diag *a = &d.items[i - 1], *b = &d.items[i];
                int fa = -1, fb = -1;

                for (int k = 0; k < 4; k++) {
                        if ((!a->file && !files[k]) || (a->file && files[k] && streq(a->file, files[k])))
                                fa = k;
                        if ((!b->file && !files[k]) || (b->file && files[k] && streq(b->file, files[k])))
                                fb = k;
                }
                ck_assert_int_le(fa, fb);
                if (fa == fb) {
                        ck_assert_uint_le(a->line, b->line);
                        if (a->line == b->line)
                                ck_assert_int_lt(atoi(a->message), atoi(b->message));
                }
        }
        diag_list_done(&d);
}
END_TEST

START_TEST(test_diag_cut) {
        DiagList d = {};

        for (unsigned i = 0; i < DIAG_LIST_MAX + 500; i++)
                ck_assert_ok(diag_add(&d, DIAG_WARNING, "x.conf", DIAG_LIST_MAX + 500 - i, "K", "v", "w"));
        ck_assert_ok(diag_add(&d, DIAG_ERROR, "x.conf", 1, "K", "v", "an error past the cut"));
        /* kept: the first DIAG_LIST_MAX and one note, which takes the worst severity it stands for */
        ck_assert_uint_eq(d.n, DIAG_LIST_MAX + 1);
        ck_assert(diag_list_full(&d));
        ck_assert_uint_eq(diag_list_count(&d, DIAG_WARNING), DIAG_LIST_MAX + 500);
        ck_assert_uint_eq(diag_list_count(&d, DIAG_ERROR), 1);
        ck_assert(diag_list_has_errors(&d));
        ck_assert_ok(diag_list_sort(&d));
        ck_assert_ptr_null(d.items[d.n - 1].file);
        ck_assert_int_eq(d.items[d.n - 1].severity, DIAG_ERROR);
        ck_assert_ptr_nonnull(strstr(d.items[d.n - 1].message, "only the first 1000"));
        ck_assert_uint_eq(d.items[0].line, 501);
        diag_list_done(&d);
}
END_TEST

/* ---- the string map --------------------------------------------------------------------------------- */

START_TEST(test_strmap) {
        StrMap m = {};
        static int values[5000];
        char k[32];

        ck_assert_ptr_null(strmap_get(&m, "x"));
        for (int i = 0; i < 5000; i++) {
                snprintf(k, sizeof(k), "key%d", i);
                ck_assert_ok(strmap_put(&m, k, &values[i]));
        }
        ck_assert_ok(strmap_put(&m, "key7", &values[8]));
        ck_assert_uint_eq(m.n, 5000);
        for (int i = 0; i < 5000; i++) {
                snprintf(k, sizeof(k), "key%d", i);
                ck_assert_ptr_eq(strmap_get(&m, k), i == 7 ? &values[8] : &values[i]);
        }
        ck_assert_ptr_null(strmap_get(&m, "key5000"));
        strmap_done(&m);
}
END_TEST

/* ---- the budget of a profile ------------------------------------------------------------------------ */

/* Loads and validates @text; returns whether any diagnostic's message contains @needle. No directories to
 * search: only an Include= by absolute path reads a file. */
static bool load_says(const char *text, const char *needle) {
        static const char * const none[] = { NULL };
        static const ProfileDirs dirs = { .config_dirs = none, .policy_dirs = none };
        _cleanup_(profile_freep) Profile *p = NULL;
        ProfileFiles files;
        DiagList d = {};
        bool found = false;

        profile_files_disk(&dirs, &files);
        ck_assert_ok(profile_load_string("t.conf", text, strlen(text), &files, &p, &d));
        ck_assert_ptr_nonnull(p);
        ck_assert_ok(profile_validate(p, NULL, &d));
        for (size_t i = 0; i < d.n; i++)
                if (strstr(d.items[i].message, needle))
                        found = true;
        if (!found)
                for (size_t i = 0; i < d.n && i < 5; i++)
                        fprintf(stderr, "  %s\n", d.items[i].message);
        diag_list_done(&d);
        return found;
}

/* @fmt takes three size_t: i + 1, 2i + 1, 2i + 2 (a line may use fewer and hide the rest in a comment) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *repeat(const char *head, const char *fmt, size_t n, const char *tail) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        fputs(head, f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, fmt, i + 1, 2 * i + 1, 2 * i + 2);
        fputs(tail, f);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}
#pragma GCC diagnostic pop

START_TEST(test_budget_sections) {
        _cleanup_free_ char *ok = repeat("", "[Scheme s%zu]\nAction=stat\n#%zu%zu\n", PROFILE_SCHEMES_MAX, "");
        _cleanup_free_ char *over = repeat("", "[Scheme s%zu]\nAction=stat\n#%zu%zu\n", PROFILE_SCHEMES_MAX + 1,
                                           "");
        _cleanup_free_ char *goals = repeat("[Scheme s1]\nAction=stat\n",
                                            "[Goal g%zu]\nScheme=s1\n#%zu%zu\n", PROFILE_GOALS_MAX + 1, "");

        ck_assert(!load_says(ok, "too many"));
        ck_assert(load_says(over, "too many [Scheme] sections: at most 64 per profile"));
        ck_assert(load_says(goals, "too many [Goal] sections: at most 128 per profile"));
}
END_TEST

START_TEST(test_budget_lists) {
        _cleanup_free_ char *regions = repeat("[Profile]\nOperations=paddr\n[Target]\n",
                                              "#%zu\nRegion=%zu0000-%zu0000\n", PROFILE_REGIONS_MAX + 1,
                                              "[Scheme s]\nAction=stat\n");
        _cleanup_free_ char *pids = repeat("[Profile]\nOperations=vaddr\n[Target]\n", "Pid=%zu\n#%zu%zu\n",
                                           PROFILE_TARGETS_MAX + 1, "[Scheme s]\nAction=stat\n");
        _cleanup_free_ char *mixed = NULL;
        _cleanup_free_ char *names = repeat("", "ProcessName=p%zu\n#%zu%zu\n", PROFILE_TARGETS_MAX / 2, "");
        _cleanup_free_ char *more = repeat("", "Pid=%zu\n#%zu%zu\n", PROFILE_TARGETS_MAX / 2 + 1, "");

        ck_assert(load_says(regions, "too many values: at most 256 Region= per section"));
        ck_assert(load_says(pids, "too many values: at most 256 Pid= per section"));
        ck_assert(asprintf(&mixed, "[Profile]\nOperations=vaddr\n[Target]\n%s%s[Scheme s]\nAction=stat\n", names,
                           more) > 0);
        ck_assert(load_says(mixed, "too many targets: Pid=, ProcessName=, CGroup= and Unit= name 257, at most 256"));
}
END_TEST

START_TEST(test_budget_entries_and_bytes) {
        _cleanup_free_ char *lines = repeat("[Monitor]\n", "SampleInterval=%zums\n#%zu%zu\n",
                                            PROFILE_ENTRIES_MAX, "");
        _cleanup_free_ char *big = malloc(PROFILE_BYTES_MAX + 2);

        ck_assert(load_says(lines, "more than 16384 settings and section headers"));
        ck_assert_ptr_nonnull(big);
        memset(big, '#', PROFILE_BYTES_MAX + 1);
        big[PROFILE_BYTES_MAX + 1] = '\0';
        ck_assert(load_says(big, "exceed 1048576 bytes in total"));
}
END_TEST

/* ---- files: the type before the open ---------------------------------------------------------------- */

START_TEST(test_include_fifo_not_opened) {
        char dir[] = "/tmp/damond-budget-XXXXXX", fifo[64], text[128];
        char events[4096];
        int fd, wd;
        ssize_t n;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(fifo, sizeof(fifo), "%s/pipe.conf", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        wd = inotify_add_watch(fd, fifo, IN_OPEN);
        ck_assert_int_ge(wd, 0);

        snprintf(text, sizeof(text), "[Profile]\nInclude=%s\n", fifo);
        /* a FIFO (a device likewise) is refused from its type alone: an O_PATH descriptor opens nothing */
        ck_assert(load_says(text, "not a regular file"));
        n = read(fd, events, sizeof(events));
        ck_assert_msg(n < 0 && errno == EAGAIN, "the FIFO was opened (%zd bytes of inotify events)", n);

        close(fd);
        unlink(fifo);
        rmdir(dir);
}
END_TEST

START_TEST(test_include_regular_file) {
        char dir[] = "/tmp/damond-budget-XXXXXX", path[64], text[128];
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/inc.conf", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[Scheme s]\nAction=bogus\n", f);
        fclose(f);
        snprintf(text, sizeof(text), "[Profile]\nInclude=%s\n", path);
        /* read (through the reopened descriptor): its error is reported */
        ck_assert(load_says(text, "unknown action"));
        unlink(path);
        rmdir(dir);
}
END_TEST

int main(void) {
        Suite *s = suite_create("profile-budget");
        TCase *tc = tcase_create("budget");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_diag_sort_stable);
        tcase_add_test(tc, test_diag_cut);
        tcase_add_test(tc, test_strmap);
        tcase_add_test(tc, test_budget_sections);
        tcase_add_test(tc, test_budget_lists);
        tcase_add_test(tc, test_budget_entries_and_bytes);
        tcase_add_test(tc, test_include_fifo_not_opened);
        tcase_add_test(tc, test_include_regular_file);
        suite_add_tcase(s, tc);
        return test_run_suite(s);
}
