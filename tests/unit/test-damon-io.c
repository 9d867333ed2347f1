/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "damon-io.h"
#include "test-util.h"

START_TEST(test_parse_u64) {
        uint64_t v;

        ck_assert_int_eq(parse_u64_kernel("0", &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(parse_u64_kernel("4096\n", &v), 0);
        ck_assert_uint_eq(v, 4096);
        /* the kernel's base 0: a leading zero is octal, 0x hex */
        ck_assert_int_eq(parse_u64_kernel("010", &v), 0);
        ck_assert_uint_eq(v, 8);
        ck_assert_int_eq(parse_u64_kernel("0x10", &v), 0);
        ck_assert_uint_eq(v, 16);
        ck_assert_int_eq(parse_u64_kernel("18446744073709551615", &v), 0);
        ck_assert_uint_eq(v, UINT64_MAX);
        ck_assert_int_eq(parse_u64_kernel("18446744073709551616", &v), -ERANGE);
        ck_assert_int_eq(parse_u64_kernel("", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel("-1", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel("09", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel("12ab", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel("12\n\n", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel("0x", &v), -EINVAL);
        ck_assert_int_eq(parse_u64_kernel(" 1", &v), -EINVAL);
}
END_TEST

START_TEST(test_parse_s64_bool) {
        int64_t s;
        bool b;

        ck_assert_int_eq(parse_s64_kernel("-1\n", &s), 0);
        ck_assert_int_eq(s, -1);
        ck_assert_int_eq(parse_s64_kernel("-9223372036854775808", &s), 0);
        ck_assert(s == INT64_MIN);
        ck_assert_int_eq(parse_s64_kernel("9223372036854775808", &s), -ERANGE);
        ck_assert_int_eq(parse_s64_kernel("--1", &s), -EINVAL);
        ck_assert_int_eq(parse_bool_kernel("Y\n", &b), 0);
        ck_assert(b);
        ck_assert_int_eq(parse_bool_kernel("0", &b), 0);
        ck_assert(!b);
        ck_assert_int_eq(parse_bool_kernel("yes", &b), -EINVAL);
        ck_assert_int_eq(parse_bool_kernel("", &b), -EINVAL);
}
END_TEST

typedef struct Recorder {
        char log[1024];
} Recorder;

static void record(void *userdata, const char *path, const char *value, int r) {
        Recorder *rec = userdata;
        size_t len = strlen(rec->log);

        snprintf(rec->log + len, sizeof(rec->log) - len, "%s=%s:%d\n", path, value, r);
}

START_TEST(test_root_backend) {
        char dir[] = "/tmp/damond-test-io-XXXXXX", buf[64], path[PATH_MAX];
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_(damon_io_freep) DamonIO *io = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Recorder rec = {};
        uint64_t v;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/d", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        for (int i = 0; i < 12; i++) {
                snprintf(path, sizeof(path), "%s/d/%d", dir, i);
                ck_assert_int_eq(mkdir(path, 0755), 0);
        }
        snprintf(path, sizeof(path), "%s/d/nr", dir);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs("12\n", f);
        fclose(f);

        ck_assert_ok(root_open(dir, &root));
        ck_assert_ok(damon_io_new_root(root, &io));
        damon_io_set_write_hook(io, record, &rec);

        ck_assert_ok(damon_io_read_u64(io, "d/nr", &v));
        ck_assert_uint_eq(v, 12);
        ck_assert_ok(damon_io_write_u64(io, "d/nr", 7));
        ck_assert_ok(damon_io_read(io, "d/nr", buf, sizeof(buf)));
        ck_assert_str_eq(buf, "7");
        ck_assert_str_eq(rec.log, "d/nr=7:0\n");
        ck_assert_int_eq(damon_io_write(io, "d/missing/x", "1"), -ENOENT);
        ck_assert_int_eq(damon_io_exists(io, "d/3"), 1);
        ck_assert_int_eq(damon_io_exists(io, "d/12"), 0);
        ck_assert_int_eq(damon_io_read(io, "/etc/passwd", buf, sizeof(buf)), -EINVAL);

        ck_assert_ok(damon_io_list(io, "d", &names));
        /* numbers in natural order, then names */
        ck_assert_str_eq(names[0], "0");
        ck_assert_str_eq(names[2], "2");
        ck_assert_str_eq(names[10], "10");
        ck_assert_str_eq(names[11], "11");
        ck_assert_str_eq(names[12], "nr");
        ck_assert_ptr_null(names[13]);

        ck_assert_uint_eq(damon_io_stats(io)->writes, 1);
        ck_assert_uint_eq(damon_io_stats(io)->failed_writes, 1);

        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("damon-io");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_parse_u64);
        tcase_add_test(tc, test_parse_s64_bool);
        tcase_add_test(tc, test_root_backend);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
