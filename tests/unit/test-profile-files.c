/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File-driven profile tests:
 *   - the invalid corpus: every tests/profiles/invalid/NAME.conf gives exactly the lines of NAME.expected
 *     (after load, validation against a fake root, and compile for the kernel its first line names with
 *     "# kernel: GEN", 6.18 otherwise);
 *   - the golden compile: every shipped policy, profile and example compiles without error on each kernel
 *     generation, to exactly tests/profiles/golden/NAME@GEN.out (notes, then the compiled dump).
 * DAMOND_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing (review the diff!).
 */
#include <dirent.h>
#include <fcntl.h>
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

static char *source_root;
static char fake_root[64];
static char *corpus[256];
static size_t n_corpus;
static char *golden[64];
static size_t n_golden;

static bool update_golden(void) {
        return getenv("DAMOND_UPDATE_GOLDEN") && streq(getenv("DAMOND_UPDATE_GOLDEN"), "1");
}

static char *read_all(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;
        FILE *m;
        int c;

        if (!f)
                return NULL;
        m = open_memstream(&buf, &size);
        ck_assert_ptr_nonnull(m);
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        return buf;
}

static void compare_or_update(const char *expected_path, const char *actual) {
        _cleanup_free_ char *expected = NULL;

        if (update_golden()) {
                FILE *f = fopen(expected_path, "we");

                ck_assert_ptr_nonnull(f);
                fputs(actual, f);
                ck_assert_int_eq(fclose(f), 0);
                return;
        }
        expected = read_all(expected_path);
        ck_assert_msg(expected, "missing %s (run with DAMOND_UPDATE_GOLDEN=1 and review)", expected_path);
        ck_assert_msg(streq(expected, actual), "%s differs:\n--- expected\n%s--- actual\n%s", expected_path, expected,
                      actual);
}

static void print_diags(DiagList *d, FILE *out) {
        ck_assert_int_eq(diag_list_sort(d), 0);
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *line = diag_format(&d->items[i]);

                ck_assert_ptr_nonnull(line);
                fprintf(out, "%s\n", line);
        }
}

/* The invalid corpus. */

static const char *kernel_of(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");

        snprintf(buf, size, "6.18");
        if (f) {
                char line[64];

                if (fgets(line, sizeof(line), f) && strneq(line, "# kernel: ", 10)) {
                        line[strcspn(line, "\n")] = '\0';
                        snprintf(buf, size, "%.16s", line + 10);
                }
                fclose(f);
        }
        return buf;
}

START_TEST(test_invalid_profile) {
        static const char * const inc[] = { "inc", NULL };
        const ProfileDirs dirs = { .config_dirs = inc, .policy_dirs = inc };
        const char *name = corpus[_i];
        _cleanup_(profile_freep) Profile *p = NULL;
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_free_ char *out = NULL, *expected_path = NULL;
        ProfileMachine machine;
        CompiledProfile c = {};
        DamonFeatures f;
        DiagList d = {};
        char gen[32];
        size_t size = 0;
        FILE *m;

        ck_assert_int_eq(chdir(source_root), 0);
        ck_assert_int_eq(chdir("tests/profiles/invalid"), 0);
        ck_assert_int_eq(profile_kernel_features(kernel_of(name, gen, sizeof(gen)), &f), 0);
        ck_assert_ok(root_open(fake_root, &root));

        ck_assert_ok(profile_load(name, &dirs, &p, &d));
        ck_assert_ptr_nonnull(p);
        profile_machine_root(root, &machine);
        ck_assert_ok(profile_validate(p, &machine, &d));
        if (!diag_list_has_errors(&d))
                ck_assert_ok(profile_compile(p, &f, &c, &d));
        compiled_profile_done(&c);

        /* an invalid profile must say what is wrong, and never silently pass */
        ck_assert_msg(diag_list_count(&d, DIAG_ERROR) + diag_list_count(&d, DIAG_WARNING) > 0,
                      "%s: no error and no warning", name);

        m = open_memstream(&out, &size);
        ck_assert_ptr_nonnull(m);
        print_diags(&d, m);
        fclose(m);
        ck_assert_int_gt(asprintf(&expected_path, "%.*s.expected", (int) strlen(name) - 5, name), 0);
        compare_or_update(expected_path, out);
        diag_list_done(&d);
}
END_TEST

/* The golden compile of everything shipped, for a machine with two memory tiers (DRAM on node 0, CXL
 * memory on CPU-less node 1: tests/fixtures/tiers/two-tiers), where Nodes=auto has something to do. */

START_TEST(test_golden_compile) {
        static const char * const none[] = { NULL };
        static const char * const policies[] = { "conf/policies", NULL };
        const ProfileDirs dirs = { .config_dirs = none, .policy_dirs = policies };
        size_t gi = (size_t) _i / n_golden, fi = (size_t) _i % n_golden;
        const char *gen = profile_kernel_generations[gi];
        const char *file = golden[fi];
        _cleanup_(profile_freep) Profile *p = NULL;
        _cleanup_(root_freep) Root *tiers_root = NULL;
        _cleanup_free_ MemoryTopology *topology = NULL;
        _cleanup_free_ char *out = NULL, *expected_path = NULL, *base = NULL;
        CompiledProfile c = {};
        DamonFeatures f;
        DiagList d = {};
        size_t size = 0;
        FILE *m;

        ck_assert_int_eq(chdir(source_root), 0);
        ck_assert_int_eq(profile_kernel_features(gen, &f), 0);
        ck_assert_ok(root_open("tests/fixtures/tiers/two-tiers", &tiers_root));
        topology = calloc(1, sizeof(*topology));
        ck_assert_ptr_nonnull(topology);
        ck_assert_ok(memory_topology_read(tiers_root, topology));
        ck_assert_ok(profile_load(file, &dirs, &p, &d));
        ck_assert_ok(profile_validate(p, NULL, &d));
        if (!diag_list_has_errors(&d))
                ck_assert_ok(profile_compile_tiered(p, &f, topology, &c, &d));

        m = open_memstream(&out, &size);
        ck_assert_ptr_nonnull(m);
        print_diags(&d, m);
        ck_assert_msg(!diag_list_has_errors(&d) && diag_list_count(&d, DIAG_WARNING) == 0,
                      "%s does not compile cleanly for %s", file, gen);
        ck_assert_ok(compiled_profile_dump(&c, &f, m));
        fclose(m);
        compiled_profile_done(&c);
        diag_list_done(&d);

        base = strdup(strrchr(file, '/') + 1);
        base[strlen(base) - 5] = '\0';
        ck_assert_int_gt(asprintf(&expected_path, "tests/profiles/golden/%s-%s@%s.out",
                                  strstr(file, "examples") ? "example" : strstr(file, "policies") ? "policy" : "profile",
                                  base, gen), 0);
        compare_or_update(expected_path, out);
}
END_TEST

static int cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

static void list_conf(const char *dir, const char *prefix, char **out, size_t *n, size_t max) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)) && *n < max) {
                size_t len = strlen(de->d_name);

                if (len > 5 && streq(de->d_name + len - 5, ".conf")) {
                        if (asprintf(&out[*n], "%s%s", prefix, de->d_name) < 0)
                                abort();
                        (*n)++;
                }
        }
        closedir(d);
}

static void make_fake_root(void) {
        static const char * const dirs[] = { "sys", "sys/fs", "sys/fs/cgroup", "sys/fs/cgroup/system.slice",
                                             "sys/fs/cgroup/batch.slice" };
        char tmpl[] = "/tmp/damond-test-profile-XXXXXX";

        if (!mkdtemp(tmpl))
                abort();
        snprintf(fake_root, sizeof(fake_root), "%s", tmpl);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char p[PATH_MAX];

                snprintf(p, sizeof(p), "%s/%s", fake_root, dirs[i]);
                if (mkdir(p, 0755) < 0)
                        abort();
        }
}

static void remove_fake_root(void) {
        static const char * const dirs[] = { "sys/fs/cgroup/batch.slice", "sys/fs/cgroup/system.slice",
                                             "sys/fs/cgroup", "sys/fs", "sys", "" };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char p[PATH_MAX];

                snprintf(p, sizeof(p), "%s/%s", fake_root, dirs[i]);
                (void) rmdir(p);
        }
}

int main(void) {
        const char *data = getenv("DAMOND_TEST_DATA");
        char real[PATH_MAX];
        char *path = NULL;
        size_t n_gens = 0;
        Suite *s;
        TCase *tc;
        int r;

        if (!data || !realpath(data, real))
                return 77;
        if (asprintf(&source_root, "%s/../..", real) < 0)
                return EXIT_FAILURE;

        free(path);
        if (asprintf(&path, "%s/tests/profiles/invalid", source_root) < 0)
                return EXIT_FAILURE;
        list_conf(path, "", corpus, &n_corpus, ELEMENTSOF(corpus));
        qsort(corpus, n_corpus, sizeof(char *), cmp);
        free(path);
        if (asprintf(&path, "%s/conf/policies", source_root) < 0)
                return EXIT_FAILURE;
        list_conf(path, "conf/policies/", golden, &n_golden, ELEMENTSOF(golden));
        free(path);
        if (asprintf(&path, "%s/conf/profiles", source_root) < 0)
                return EXIT_FAILURE;
        list_conf(path, "conf/profiles/", golden, &n_golden, ELEMENTSOF(golden));
        free(path);
        if (asprintf(&path, "%s/conf/examples", source_root) < 0)
                return EXIT_FAILURE;
        list_conf(path, "conf/examples/", golden, &n_golden, ELEMENTSOF(golden));
        qsort(golden, n_golden, sizeof(char *), cmp);
        free(path);
        while (profile_kernel_generations[n_gens])
                n_gens++;

        if (n_corpus < 40 || n_golden < 9) {
                fprintf(stderr, "expected at least 40 invalid profiles and 9 shipped files, found %zu and %zu\n",
                        n_corpus, n_golden);
                return EXIT_FAILURE;
        }
        make_fake_root();

        s = suite_create("profile-files");
        tc = tcase_create("invalid");
        tcase_add_loop_test(tc, test_invalid_profile, 0, (int) n_corpus);
        suite_add_tcase(s, tc);
        tc = tcase_create("golden");
        tcase_add_loop_test(tc, test_golden_compile, 0, (int) (n_golden * n_gens));
        suite_add_tcase(s, tc);

        r = test_run_suite(s);
        remove_fake_root();
        for (size_t i = 0; i < n_corpus; i++)
                free(corpus[i]);
        for (size_t i = 0; i < n_golden; i++)
                free(golden[i]);
        return r;
}
