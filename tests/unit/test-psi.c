/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "psi.h"
#include "test-util.h"

/* A fake root per test: a temporary directory with proc/pressure and sys/fs/cgroup below it. */
static char root_dir[64];
static Root *root;

static void mkdir_p(const char *relpath) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", root_dir, relpath);
        for (char *s = p + strlen(root_dir) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

static void setup(void) {
        snprintf(root_dir, sizeof(root_dir), "/tmp/damond-test-psi-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root_dir));
        mkdir_p("proc/pressure");
        mkdir_p("sys/fs/cgroup/system.slice/foo.service");
        ck_assert_ok(root_open(root_dir, &root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void teardown(void) {
        root = root_free(root);
        (void) nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copies fixture @name (tests/fixtures/psi/) to @relpath below the fake root, bytes as they are. */
static void install_fixture(const char *name, const char *relpath) {
        const char *data = getenv("DAMOND_TEST_DATA");
        char src[PATH_MAX], dst[PATH_MAX], buf[4096];
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        ssize_t n;

        ck_assert_msg(data, "DAMOND_TEST_DATA is not set");
        snprintf(src, sizeof(src), "%s/psi/%s", data, name);
        snprintf(dst, sizeof(dst), "%s/%s", root_dir, relpath);
        in = open(src, O_RDONLY | O_CLOEXEC);
        ck_assert_msg(in >= 0, "fixture %s: %s", src, strerror(errno));
        out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(out >= 0, "%s: %s", dst, strerror(errno));
        while ((n = read(in, buf, sizeof(buf))) > 0)
                ck_assert_int_eq(write(out, buf, (size_t) n), n);
        ck_assert_int_ge(n, 0);
}

static void write_file(const char *relpath, const char *content, size_t len) {
        char dst[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;

        snprintf(dst, sizeof(dst), "%s/%s", root_dir, relpath);
        fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, content, len), (ssize_t) len);
}

static int safe_close_test(int fd) {
        if (fd >= 0)
                (void) close(fd);
        return -EBADF;
}

static int read_fixture_as_system(const char *name, PsiStats *s) {
        install_fixture(name, PSI_SYSTEM_MEMORY_PATH);
        return psi_read_system(root, s);
}

START_TEST(test_system_some_full) {
        PsiStats s;
        uint64_t t;

        ck_assert_ok(read_fixture_as_system("system-memory", &s));
        ck_assert_uint_eq(s.some.avg10, 125);
        ck_assert_uint_eq(s.some.avg60, 50);
        ck_assert_uint_eq(s.some.avg300, 7);
        ck_assert_uint_eq(s.some.total_usec, 123456789);
        ck_assert(s.has_full);
        ck_assert_uint_eq(s.full.avg10, 40);
        ck_assert_uint_eq(s.full.avg60, 10);
        ck_assert_uint_eq(s.full.avg300, 1);
        ck_assert_uint_eq(s.full.total_usec, 45678);

        ck_assert_ok(psi_read_total_usec(root, NULL, PSI_SOME, &t));
        ck_assert_uint_eq(t, 123456789);
        ck_assert_ok(psi_read_total_usec(root, NULL, PSI_FULL, &t));
        ck_assert_uint_eq(t, 45678);
}
END_TEST

START_TEST(test_cgroup_file) {
        PsiStats s;
        uint64_t t;

        install_fixture("cgroup-memory.pressure", "sys/fs/cgroup/system.slice/foo.service/memory.pressure");
        ck_assert_ok(psi_read_cgroup(root, "/system.slice/foo.service", &s));
        ck_assert_uint_eq(s.some.avg10, 1234);
        ck_assert_uint_eq(s.some.avg60, 500);
        ck_assert_uint_eq(s.some.avg300, PSI_AVG_MAX);
        ck_assert_uint_eq(s.some.total_usec, UINT64_MAX);
        ck_assert(s.has_full);
        ck_assert_uint_eq(s.full.total_usec, 0);

        /* the same cgroup written the sloppy way */
        ck_assert_ok(psi_read_total_usec(root, "system.slice//./foo.service/", PSI_SOME, &t));
        ck_assert_uint_eq(t, UINT64_MAX);
        /* a cgroup that does not exist (or was removed between listing and reading) */
        ck_assert_int_eq(psi_read_cgroup(root, "/system.slice/gone.service", &s), -ENOENT);
        ck_assert_int_eq(psi_read_cgroup(root, "/system.slice/../../../etc", &s), -EINVAL);
}
END_TEST

START_TEST(test_cpu_style_without_full) {
        PsiStats s;
        uint64_t t;

        ck_assert_ok(read_fixture_as_system("cpu-some-only", &s));
        ck_assert(!s.has_full);
        ck_assert_uint_eq(s.some.avg60, 3);
        ck_assert_uint_eq(s.some.avg300, 10);
        ck_assert_uint_eq(s.some.total_usec, 987654);
        ck_assert_uint_eq(s.full.total_usec, 0);
        ck_assert_int_eq(psi_read_total_usec(root, NULL, PSI_FULL, &t), -ENODATA);
}
END_TEST

START_TEST(test_extra_fields_and_lines) {
        PsiStats s;

        ck_assert_ok(read_fixture_as_system("extra-fields", &s));
        ck_assert_uint_eq(s.some.avg10, 100);
        ck_assert_uint_eq(s.some.avg300, 300);
        ck_assert_uint_eq(s.some.total_usec, 10);
        ck_assert(s.has_full);
        ck_assert_uint_eq(s.full.total_usec, 5);

        /* a long unknown field is still just an unknown field */
        ck_assert_ok(read_fixture_as_system("long-line-extra", &s));
        ck_assert_uint_eq(s.some.total_usec, 1);
}
END_TEST

static const struct {
        const char *fixture;
        int error;
} hostile[] = {
        { "truncated-full", -EINVAL },
        { "truncated-some", -EINVAL },
        { "binary", -EINVAL },
        { "nul-byte", -EINVAL },
        { "nul-unknown-line", -EINVAL },
        { "garbage", -EINVAL },
        { "duplicate-line", -EINVAL },
        { "duplicate-field", -EINVAL },
        { "overflow-total", -ERANGE },
        { "overflow-avg", -ERANGE },
        { "negative", -EINVAL },
        { "nan", -EINVAL },
        { "empty", -EINVAL },
        { "long-line-total", -ERANGE },
};

START_TEST(test_hostile_files) {
        PsiStats s, poison;

        memset(&poison, 0xa5, sizeof(poison));
        s = poison;
        ck_assert_int_eq(read_fixture_as_system(hostile[_i].fixture, &s), hostile[_i].error);
        /* no partial output */
        ck_assert_mem_eq(&s, &poison, sizeof(s));
}
END_TEST

START_TEST(test_parse_edge_cases) {
        PsiStats s, poison;

        memset(&poison, 0x5a, sizeof(poison));
        s = poison;
        /* no trailing newline, tabs and runs of blanks, fields reordered, lines reordered */
        ck_assert_ok(psi_parse("full total=3 avg300=0.00 avg60=0.00 avg10=0.00\n"
                               "some\tavg10=99.9   avg60=1 avg300=0.5 total=4", &s));
        ck_assert_uint_eq(s.some.avg10, 9990);
        ck_assert_uint_eq(s.some.avg60, 100);
        ck_assert_uint_eq(s.some.avg300, 50);
        ck_assert_uint_eq(s.some.total_usec, 4);
        ck_assert(s.has_full);
        ck_assert_uint_eq(s.full.total_usec, 3);

        s = poison;
        ck_assert_int_eq(psi_parse("", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=1.5\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=+1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=1 junk\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=inf avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=1e2 avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=1. avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=.5 avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\r\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some=1 avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("  some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=100000000000000000000000.00 avg60=0 avg300=0 total=1", &s),
                         -ERANGE);
        ck_assert_int_eq(psi_parse("some avg10=100.001 avg60=0 avg300=0 total=1", &s), -ERANGE);
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
                                   "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
                                   "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", &s), -EINVAL);
        ck_assert_mem_eq(&s, &poison, sizeof(s));
        ck_assert_int_eq(psi_parse(NULL, &s), -EINVAL);

        ck_assert_ok(psi_parse("some avg10=100.00 avg60=0.123456789 avg300=0 total=0", &s));
        ck_assert_uint_eq(s.some.avg10, PSI_AVG_MAX);
        ck_assert_uint_eq(s.some.avg60, 12);
        ck_assert(!s.has_full);
}
END_TEST

START_TEST(test_missing_and_oversized) {
        PsiStats s;
        _cleanup_free_ char *big = NULL;

        ck_assert_int_eq(psi_read_system(root, &s), -ENOENT);

        big = malloc(PSI_FILE_MAX + 100);
        ck_assert_ptr_nonnull(big);
        memset(big, ' ', PSI_FILE_MAX + 100);
        write_file(PSI_SYSTEM_MEMORY_PATH, big, PSI_FILE_MAX + 100);
        ck_assert_int_eq(psi_read_system(root, &s), -EFBIG);
}
END_TEST

START_TEST(test_cgroup_path) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
        char *x = NULL;
        char longpath[PATH_MAX + 10];

        ck_assert_ok(psi_cgroup_pressure_path("/system.slice/foo.service", &a));
        ck_assert_str_eq(a, "sys/fs/cgroup/system.slice/foo.service/memory.pressure");
        ck_assert_ok(psi_cgroup_pressure_path("//system.slice/./foo.service//", &b));
        ck_assert_str_eq(b, a);
        ck_assert_ok(psi_cgroup_pressure_path("/", &c));
        ck_assert_str_eq(c, "sys/fs/cgroup/memory.pressure");
        /* dots inside a name are not ".." */
        ck_assert_ok(psi_cgroup_pressure_path("/a..b/...", &d));
        ck_assert_str_eq(d, "sys/fs/cgroup/a..b/.../memory.pressure");

        ck_assert_ok(psi_cgroup_pressure_path_at("sys/fs/cgroup/unified", "/system.slice/foo.service", &e));
        ck_assert_str_eq(e, "sys/fs/cgroup/unified/system.slice/foo.service/memory.pressure");
        ck_assert_int_eq(psi_cgroup_pressure_path_at("/sys/fs/cgroup", "/a", &x), -EINVAL);

        ck_assert_int_eq(psi_cgroup_pressure_path("/a/../b", &x), -EINVAL);
        ck_assert_int_eq(psi_cgroup_pressure_path("..", &x), -EINVAL);
        ck_assert_int_eq(psi_cgroup_pressure_path("/a/..", &x), -EINVAL);
        ck_assert_int_eq(psi_cgroup_pressure_path("", &x), -EINVAL);
        ck_assert_int_eq(psi_cgroup_pressure_path(NULL, &x), -EINVAL);
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[sizeof(longpath) - 1] = '\0';
        ck_assert_int_eq(psi_cgroup_pressure_path(longpath, &x), -ENAMETOOLONG);
        ck_assert_ptr_null(x);
}
END_TEST

START_TEST(test_trigger_validation) {
        char buf[64];
        int fd = -1;

        ck_assert_ok(psi_trigger_validate(PSI_SOME, 150000, 1000000));
        ck_assert_ok(psi_trigger_validate(PSI_FULL, 500000, 500000));
        ck_assert_ok(psi_trigger_validate(PSI_SOME, 1, 10000000));
        ck_assert_int_eq(psi_trigger_validate(PSI_SOME, 100000, 499999), -EINVAL);
        ck_assert_int_eq(psi_trigger_validate(PSI_SOME, 100000, 10000001), -EINVAL);
        ck_assert_int_eq(psi_trigger_validate(PSI_SOME, 0, 1000000), -EINVAL);
        ck_assert_int_eq(psi_trigger_validate(PSI_SOME, 1000001, 1000000), -EINVAL);
        ck_assert_int_eq(psi_trigger_validate(PSI_SOME, 100000, UINT64_MAX), -EINVAL);
        ck_assert_int_eq(psi_trigger_validate((PsiKind) 7, 100000, 1000000), -EINVAL);

        ck_assert_int_eq(psi_trigger_format(PSI_FULL, 100000, 2000000, buf, sizeof(buf)), 19);
        ck_assert_str_eq(buf, "full 100000 2000000");
        ck_assert_int_eq(psi_trigger_format(PSI_FULL, 100000, 2000000, buf, 5), -ENOBUFS);

        /* an invalid trigger is refused before the file is even opened: the file does not exist here,
         * so -EINVAL (not -ENOENT) proves nothing was attempted */
        ck_assert_int_eq(psi_trigger_open(root, PSI_SYSTEM_MEMORY_PATH, PSI_SOME, 150000, 100000, &fd),
                         -EINVAL);
        ck_assert_int_eq(fd, -1);
        ck_assert_int_eq(psi_trigger_open(root, PSI_SYSTEM_MEMORY_PATH, PSI_SOME, 150000, 1000000, &fd),
                         -ENOENT);
        ck_assert_int_eq(fd, -1);
}
END_TEST

START_TEST(test_trigger_write_bytes) {
        static const char expected[] = "some 150000 1000000";    /* sizeof includes the NUL */
        char path[PATH_MAX], got[64];
        _cleanup_close_ int fd = -EBADF, check = -EBADF;
        _cleanup_free_ char *cg = NULL;
        int flags;

        write_file(PSI_SYSTEM_MEMORY_PATH, "", 0);
        ck_assert_ok(psi_trigger_open(root, PSI_SYSTEM_MEMORY_PATH, PSI_SOME, 150000, 1000000, &fd));
        ck_assert_int_ge(fd, 0);
        flags = fcntl(fd, F_GETFL);
        ck_assert_int_eq(flags & O_ACCMODE, O_RDWR);
        ck_assert(flags & O_NONBLOCK);
        ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);

        snprintf(path, sizeof(path), "%s/%s", root_dir, PSI_SYSTEM_MEMORY_PATH);
        check = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(check, 0);
        ck_assert_int_eq(read(check, got, sizeof(got)), (ssize_t) sizeof(expected));
        ck_assert_mem_eq(got, expected, sizeof(expected));
        fd = safe_close_test(fd);

        /* the same through a cgroup path, full */
        ck_assert_ok(psi_cgroup_pressure_path("/system.slice/foo.service", &cg));
        write_file(cg, "", 0);
        ck_assert_ok(psi_trigger_open(root, cg, PSI_FULL, 500000, 10000000, &fd));
        check = safe_close_test(check);
        snprintf(path, sizeof(path), "%s/%s", root_dir, cg);
        check = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_eq(read(check, got, sizeof(got)), (ssize_t) sizeof("full 500000 10000000"));
        ck_assert_mem_eq(got, "full 500000 10000000", sizeof("full 500000 10000000"));
}
END_TEST

START_TEST(test_trigger_revents) {
        ck_assert_int_eq(psi_trigger_revents(0), 0);
        ck_assert_int_eq(psi_trigger_revents(POLLPRI), 1);
        ck_assert_int_eq(psi_trigger_revents(POLLPRI | POLLERR), -ENODEV);
        ck_assert_int_eq(psi_trigger_revents(POLLERR), -ENODEV);
        ck_assert_int_eq(psi_trigger_revents(POLLIN), 0);
}
END_TEST

START_TEST(test_delta) {
        PsiStats a = {}, b = {};
        uint64_t d;

        ck_assert_int_eq(psi_delta_usec(1000, 1500, &d), 0);
        ck_assert_uint_eq(d, 500);
        ck_assert_int_eq(psi_delta_usec(1500, 1500, &d), 0);
        ck_assert_uint_eq(d, 0);
        /* the counter went backwards: a new cgroup under the old path */
        ck_assert_int_eq(psi_delta_usec(1500, 200, &d), 1);
        ck_assert_uint_eq(d, 200);
        ck_assert_int_eq(psi_delta_usec(0, UINT64_MAX, &d), 0);
        ck_assert_uint_eq(d, UINT64_MAX);

        a.some.total_usec = 100;
        b.some.total_usec = 350;
        ck_assert_int_eq(psi_stats_delta_usec(&a, &b, PSI_SOME, &d), 0);
        ck_assert_uint_eq(d, 250);
        ck_assert_int_eq(psi_stats_delta_usec(&a, &b, PSI_FULL, &d), -ENODATA);
        a.has_full = b.has_full = true;
        a.full.total_usec = 90;
        b.full.total_usec = 10;
        ck_assert_int_eq(psi_stats_delta_usec(&a, &b, PSI_FULL, &d), 1);
        ck_assert_uint_eq(d, 10);

        ck_assert_uint_eq(psi_stall_permyriad(150000, 1000000), 1500);
        ck_assert_uint_eq(psi_stall_permyriad(1, 3), 3333);
        ck_assert_uint_eq(psi_stall_permyriad(2000000, 1000000), 10000);
        ck_assert_uint_eq(psi_stall_permyriad(5, 0), 0);
        ck_assert_uint_eq(psi_stall_permyriad(UINT64_MAX / 2, UINT64_MAX), 5000);
}
END_TEST

/* Reads the host's real /proc/pressure/memory through a Root of "/": read-only and harmless, and the
 * one check that the parser takes what this kernel really prints. No trigger is created here. */
START_TEST(test_host_read_only) {
        _cleanup_(root_freep) Root *host = NULL;
        PsiStats s;
        int r;

        ck_assert_ok(root_open("/", &host));
        r = psi_read_system(host, &s);
        if (r == -ENOENT || r == -EOPNOTSUPP) {
                fprintf(stderr, "test_host_read_only: skipped, this kernel has no memory PSI (%s)\n",
                        strerror(-r));
                return;
        }
        ck_assert_ok(r);
        ck_assert_uint_le(s.some.avg10, PSI_AVG_MAX);
        ck_assert(s.has_full);
}
END_TEST

/* A real trigger on the host's /proc/pressure/memory, only with DAMOND_TEST_HOST_PSI_TRIGGER=1: the
 * trigger belongs to our fd and goes away with it, nothing of the host changes, but it needs a kernel
 * with PSI and (for a 1 s window) root, so it is opt-in. Proves the kernel takes our exact bytes. */
START_TEST(test_host_trigger) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct pollfd p = {};
        int r;

        if (!getenv("DAMOND_TEST_HOST_PSI_TRIGGER")) {
                fprintf(stderr, "test_host_trigger: skipped, set DAMOND_TEST_HOST_PSI_TRIGGER=1 to run\n");
                return;
        }
        ck_assert_ok(root_open("/", &host));
        /* a 2 s window: without CAP_SYS_RESOURCE (containers, hardened units) 6.5+ takes only
         * multiples of 2 s, and says EINVAL otherwise */
        r = psi_trigger_open(host, PSI_SYSTEM_MEMORY_PATH, PSI_SOME, 150000, 2000000, &fd);
        if (r == -ENOENT || r == -EOPNOTSUPP || r == -EPERM || r == -EACCES) {
                fprintf(stderr, "test_host_trigger: skipped, no PSI trigger here (%s)\n", strerror(-r));
                return;
        }
        ck_assert_ok(r);
        p.fd = fd;
        p.events = POLLPRI;
        ck_assert_int_ge(poll(&p, 1, 0), 0);
        ck_assert_int_ge(psi_trigger_revents(p.revents), 0);
}
END_TEST

static Suite *psi_suite(void) {
        Suite *s = suite_create("psi");
        TCase *tc = tcase_create("psi");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_system_some_full);
        tcase_add_test(tc, test_cgroup_file);
        tcase_add_test(tc, test_cpu_style_without_full);
        tcase_add_test(tc, test_extra_fields_and_lines);
        tcase_add_loop_test(tc, test_hostile_files, 0, (int) ELEMENTSOF(hostile));
        tcase_add_test(tc, test_parse_edge_cases);
        tcase_add_test(tc, test_missing_and_oversized);
        tcase_add_test(tc, test_cgroup_path);
        tcase_add_test(tc, test_trigger_validation);
        tcase_add_test(tc, test_trigger_write_bytes);
        tcase_add_test(tc, test_trigger_revents);
        tcase_add_test(tc, test_delta);
        tcase_add_test(tc, test_host_read_only);
        tcase_add_test(tc, test_host_trigger);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(psi_suite());
}
