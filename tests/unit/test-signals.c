/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memcg and meminfo readers (memcg.h, meminfo.h) on a fake root.
 * Fixtures (tests/fixtures/signals/): meminfo and node0-meminfo are copies of a development machine's
 * /proc/meminfo and /sys/devices/system/node/node0/meminfo (6.18); memory.numa_stat is a two-node cgroup v2
 * file in the layout of 6.12's memory_numa_stat_show() (the development machine mounts the memory
 * controller as v1), with numbers chosen so that the LRU sum and anon + file differ (mlocked anon).
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "memcg.h"
#include "meminfo.h"
#include "psi.h"
#include "test-util.h"

#define CG "sys/fs/cgroup/system.slice/foo.service"

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

static void write_file(const char *relpath, const char *content) {
        char dst[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(content);

        snprintf(dst, sizeof(dst), "%s/%s", root_dir, relpath);
        fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(fd >= 0, "%s: %s", dst, strerror(errno));
        ck_assert_int_eq(write(fd, content, len), (ssize_t) len);
}

static void remove_file(const char *relpath) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", root_dir, relpath);
        ck_assert_int_eq(unlink(p), 0);
}

/* Copies fixture @name (tests/fixtures/signals/) to @relpath below the fake root. */
static void install_fixture(const char *name, const char *relpath) {
        const char *data = getenv("DAMOND_TEST_DATA");
        char src[PATH_MAX], dst[PATH_MAX], buf[4096];
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        ssize_t n;

        ck_assert_msg(data, "DAMOND_TEST_DATA is not set");
        snprintf(src, sizeof(src), "%s/signals/%s", data, name);
        snprintf(dst, sizeof(dst), "%s/%s", root_dir, relpath);
        in = open(src, O_RDONLY | O_CLOEXEC);
        ck_assert_msg(in >= 0, "fixture %s: %s", src, strerror(errno));
        out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(out >= 0, "%s: %s", dst, strerror(errno));
        while ((n = read(in, buf, sizeof(buf))) > 0)
                ck_assert_int_eq(write(out, buf, (size_t) n), n);
        ck_assert_int_ge(n, 0);
}

static void setup(void) {
        snprintf(root_dir, sizeof(root_dir), "/tmp/damond-test-signals-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root_dir));
        mkdir_p("proc");
        mkdir_p("sys/devices/system/node/node0");
        mkdir_p(CG);
        ck_assert_ok(root_open(root_dir, &root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void teardown(void) {
        root = root_free(root);
        (void) nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- meminfo ---- */

START_TEST(test_meminfo_system_fixture) {
        MemInfo m;

        install_fixture("meminfo", "proc/meminfo");
        ck_assert_ok(meminfo_read_system(root, &m));
        ck_assert_uint_eq(m.total, UINT64_C(24683620) * 1024);
        ck_assert_uint_eq(m.free, UINT64_C(23780176) * 1024);
        ck_assert_uint_eq(m.available, UINT64_C(24207140) * 1024);
        /* free_mem_rate as the kernel's watermark computes it: 23780176 * 1000 / 24683620 = 963.4 */
        ck_assert_uint_eq(meminfo_free_permil(&m), 963);
}
END_TEST

START_TEST(test_meminfo_node_fixture) {
        MemInfo m;

        install_fixture("node0-meminfo", "sys/devices/system/node/node0/meminfo");
        ck_assert_ok(meminfo_read_node(root, 0, &m));
        ck_assert_uint_eq(m.total, UINT64_C(7300896) * 1024);
        ck_assert_uint_eq(m.free, UINT64_C(6397736) * 1024);
        ck_assert_uint_eq(m.available, m.free);
        /* 6397736 * 10000 / 7300896 = 8762.96; (7300896 - 6397736) * 10000 / 7300896 = 1237.03 */
        ck_assert_uint_eq(meminfo_free_bp(&m), 8762);
        ck_assert_uint_eq(meminfo_used_bp(&m), 1237);

        /* the same file under another node's name is refused: its lines say "Node 0" */
        mkdir_p("sys/devices/system/node/node1");
        install_fixture("node0-meminfo", "sys/devices/system/node/node1/meminfo");
        ck_assert_int_eq(meminfo_read_node(root, 1, &m), -EINVAL);
        ck_assert_int_eq(meminfo_read_node(root, 7, &m), -ENOENT);
}
END_TEST

START_TEST(test_meminfo_node_multidigit) {
        MemInfo m;

        ck_assert_ok(meminfo_parse_node("Node 12 MemTotal:       1024 kB\n"
                                        "Node 12 MemFree:         256 kB\n"
                                        "Node 12 HugePages_Total:     0\n", 12, &m));
        ck_assert_uint_eq(m.total, 1024 * 1024);
        ck_assert_uint_eq(m.free, 256 * 1024);
        ck_assert_int_eq(meminfo_parse_node("Node 12 MemTotal: 1024 kB\nNode 12 MemFree: 256 kB\n", 1, &m),
                         -EINVAL);
}
END_TEST

START_TEST(test_meminfo_missing) {
        MemInfo m = { .total = 42 };

        ck_assert_int_eq(meminfo_read_system(root, &m), -ENOENT);
        ck_assert_int_eq(meminfo_read_node(root, 0, &m), -ENOENT);
        ck_assert_uint_eq(m.total, 42);
}
END_TEST

static const struct {
        const char *text;
        int error;
} bad_meminfo[] = {
        { "", -EINVAL },
        { "MemTotal: 100 kB\nMemFree: 50 kB\n", -EINVAL },                         /* no MemAvailable */
        { "MemTotal: 100 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\nMemFree: 50 kB\n", -EINVAL },
        { "MemTotal: 100\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },       /* no unit */
        { "MemTotal: 100 MB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },
        { "MemTotal: -100 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },
        { "MemTotal: 0x100 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },
        { "MemTotal: 100 kB junk\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },
        { "MemTotal: kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -EINVAL },
        { "MemTotal: 18014398509481984 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -ERANGE }, /* ×1024 */
        { "MemTotal: 99999999999999999999999 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n", -ERANGE },
        { "\x01\xff\xfe garbage\n\n\n", -EINVAL },
};

/* One test over the table (rather than one forked check per row: ASan makes each fork slow); failures
 * name the row. */
#define ASSERT_ROW(expr, want, i)                                                               \
        do {                                                                                    \
                int _r = (expr);                                                                \
                ck_assert_msg(_r == (want), "row %zu: %s = %d (%s), expected %d",               \
                              (size_t) (i), #expr, _r, strerror(-_r), (want));                  \
        } while (0)

START_TEST(test_meminfo_malformed) {
        for (size_t i = 0; i < ELEMENTSOF(bad_meminfo); i++) {
                MemInfo m = { .total = 42 };

                ASSERT_ROW(meminfo_parse_system(bad_meminfo[i].text, &m), bad_meminfo[i].error, i);
                ck_assert_uint_eq(m.total, 42);
                /* the same through a file */
                write_file("proc/meminfo", bad_meminfo[i].text);
                ASSERT_ROW(meminfo_read_system(root, &m), bad_meminfo[i].error, i);
                ck_assert_uint_eq(m.total, 42);
        }
}
END_TEST

START_TEST(test_meminfo_tolerant) {
        MemInfo m;

        /* no final newline, tabs, unknown keys, other keys that start like ours, trailing blanks */
        ck_assert_ok(meminfo_parse_system("MemTotalX: 1 kB\nMemTotal:\t2048 kB \nMemFreeish: 7 kB\n"
                                          "MemFree: 1024 kB\nHugePages_Total: 0\nMemAvailable: 1536 kB",
                                          &m));
        ck_assert_uint_eq(m.total, 2048 * 1024);
        ck_assert_uint_eq(m.free, 1024 * 1024);
        ck_assert_uint_eq(m.available, 1536 * 1024);
        /* the largest value that fits in bytes */
        ck_assert_ok(meminfo_parse_system("MemTotal: 18014398509481983 kB\nMemFree: 0 kB\n"
                                          "MemAvailable: 0 kB\n", &m));
        ck_assert_uint_eq(m.total, UINT64_C(18014398509481983) * 1024);
}
END_TEST

START_TEST(test_meminfo_ratios) {
        MemInfo m = { .total = 1000, .free = 250 };

        ck_assert_uint_eq(meminfo_free_bp(&m), 2500);
        ck_assert_uint_eq(meminfo_used_bp(&m), 7500);
        ck_assert_uint_eq(meminfo_free_permil(&m), 250);

        /* truncating like the kernel: 1/3 */
        m = (MemInfo) { .total = 3, .free = 1 };
        ck_assert_uint_eq(meminfo_free_bp(&m), 3333);
        ck_assert_uint_eq(meminfo_used_bp(&m), 6666);
        ck_assert_uint_eq(meminfo_free_permil(&m), 333);

        /* no total: 0, not a division by zero */
        m = (MemInfo) {};
        ck_assert_uint_eq(meminfo_free_bp(&m), 0);
        ck_assert_uint_eq(meminfo_used_bp(&m), 0);
        ck_assert_uint_eq(meminfo_free_permil(&m), 0);
        ck_assert_uint_eq(meminfo_free_bp(NULL), 0);

        /* a torn read with free > total stays in range */
        m = (MemInfo) { .total = 100, .free = 200 };
        ck_assert_uint_eq(meminfo_free_bp(&m), 10000);
        ck_assert_uint_eq(meminfo_used_bp(&m), 0);
        ck_assert_uint_eq(meminfo_free_permil(&m), 1000);

        /* no overflow on huge values */
        m = (MemInfo) { .total = UINT64_MAX, .free = UINT64_MAX / 2 };
        ck_assert_uint_eq(meminfo_free_bp(&m), 4999);
        ck_assert_uint_eq(meminfo_used_bp(&m), 5000);
        ck_assert_uint_eq(meminfo_free_permil(&m), 499);
}
END_TEST

static void assert_nodes(const char *text, const unsigned *want, size_t n_want) {
        _cleanup_free_ unsigned *nodes = NULL;
        size_t n = 0;

        ck_assert_ok(meminfo_parse_node_list(text, &nodes, &n));
        ck_assert_uint_eq(n, n_want);
        for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(nodes[i], want[i]);
}

START_TEST(test_node_list) {
        _cleanup_free_ unsigned *nodes = NULL;
        size_t n = 0;

        assert_nodes("0\n", (const unsigned[]) { 0 }, 1);
        assert_nodes("0-1,3\n", (const unsigned[]) { 0, 1, 3 }, 3);
        assert_nodes("0-1,3", (const unsigned[]) { 0, 1, 3 }, 3);
        assert_nodes("2,0", (const unsigned[]) { 0, 2 }, 2);
        assert_nodes("0-3,1-2", (const unsigned[]) { 0, 1, 2, 3 }, 4);
        assert_nodes("1023", (const unsigned[]) { 1023 }, 1);

        /* through the file */
        write_file("sys/devices/system/node/online", "0-1,4-5\n");
        ck_assert_ok(meminfo_list_nodes(root, &nodes, &n));
        ck_assert_uint_eq(n, 4);
        ck_assert_uint_eq(nodes[0], 0);
        ck_assert_uint_eq(nodes[1], 1);
        ck_assert_uint_eq(nodes[2], 4);
        ck_assert_uint_eq(nodes[3], 5);
}
END_TEST

static const struct {
        const char *text;
        int error;
} bad_node_lists[] = {
        { "", -EINVAL },
        { "\n", -EINVAL },
        { "3-1\n", -EINVAL },
        { "0,,1\n", -EINVAL },
        { "0,\n", -EINVAL },
        { ",0\n", -EINVAL },
        { "0-\n", -EINVAL },
        { "-1\n", -EINVAL },
        { "+1\n", -EINVAL },
        { "0 1\n", -EINVAL },
        { "0\n\n", -EINVAL },
        { "a\n", -EINVAL },
        { "70000\n", -ERANGE },
        { "0-4294967296\n", -ERANGE },
        { "99999999999999999999999\n", -ERANGE },
};

START_TEST(test_node_list_malformed) {
        for (size_t i = 0; i < ELEMENTSOF(bad_node_lists); i++) {
                unsigned *nodes = NULL;
                size_t n = 99;

                ASSERT_ROW(meminfo_parse_node_list(bad_node_lists[i].text, &nodes, &n),
                           bad_node_lists[i].error, i);
                ck_assert_ptr_null(nodes);
                ck_assert_uint_eq(n, 99);
        }
}
END_TEST

START_TEST(test_node_list_missing) {
        unsigned *nodes = NULL;
        size_t n = 0;

        /* a kernel without CONFIG_NUMA */
        ck_assert_int_eq(meminfo_list_nodes(root, &nodes, &n), -ENOENT);
        ck_assert_ptr_null(nodes);
}
END_TEST

/* ---- memcg ---- */

static void install_cgroup(void) {
        write_file(CG "/memory.current", "268435456\n");
        write_file(CG "/memory.high", "max\n");
        write_file(CG "/memory.max", "1073741824\n");
        write_file(CG "/memory.swap.current", "4096\n");
        install_fixture("memory.numa_stat", CG "/memory.numa_stat");
}

START_TEST(test_memcg_usage) {
        MemcgUsage u;

        install_cgroup();
        ck_assert_ok(memcg_read_usage(root, "system.slice/foo.service", &u));
        ck_assert_uint_eq(u.current, 268435456);
        ck_assert_uint_eq(u.high, UINT64_MAX);
        ck_assert_uint_eq(u.max, 1073741824);
        ck_assert(u.has_swap);
        ck_assert_uint_eq(u.swap_current, 4096);

        /* every spelling of the same cgroup */
        write_file(CG "/memory.high", "536870912");
        write_file(CG "/memory.max", "max");
        ck_assert_ok(memcg_read_usage(root, "/system.slice/foo.service", &u));
        ck_assert_uint_eq(u.high, 536870912);
        ck_assert_uint_eq(u.max, UINT64_MAX);
        ck_assert_ok(memcg_read_usage(root, "//system.slice/./foo.service/", &u));
        ck_assert_uint_eq(u.current, 268435456);

        /* no swap accounting */
        remove_file(CG "/memory.swap.current");
        ck_assert_ok(memcg_read_usage(root, "system.slice/foo.service", &u));
        ck_assert(!u.has_swap);
        ck_assert_uint_eq(u.swap_current, 0);
        ck_assert_uint_eq(u.current, 268435456);
}
END_TEST

START_TEST(test_memcg_missing) {
        MemcgUsage u = { .current = 42 };
        uint64_t b = 42;

        install_cgroup();
        ck_assert_int_eq(memcg_read_usage(root, "system.slice/bar.service", &u), -ENOENT);
        ck_assert_int_eq(memcg_read_node_lru(root, "system.slice/bar.service", 0, &b), -ENOENT);
        /* a cgroup without the memory controller (here its parent, which has no memory.* files) */
        ck_assert_int_eq(memcg_read_usage(root, "system.slice", &u), -EOPNOTSUPP);
        ck_assert_int_eq(memcg_read_node_lru(root, "system.slice", 0, &b), -EOPNOTSUPP);
        /* the root cgroup: no memory.current there */
        ck_assert_int_eq(memcg_read_usage(root, "/", &u), -EOPNOTSUPP);
        /* a file where the cgroup's directory should be */
        ck_assert_int_eq(memcg_read_usage(root, "system.slice/foo.service/memory.current", &u), -ENOENT);
        ck_assert_uint_eq(u.current, 42);
        ck_assert_uint_eq(b, 42);
}
END_TEST

START_TEST(test_memcg_bad_paths) {
        MemcgUsage u;
        uint64_t b;
        char *p = NULL;

        install_cgroup();
        ck_assert_int_eq(memcg_read_usage(root, "system.slice/../system.slice/foo.service", &u), -EINVAL);
        ck_assert_int_eq(memcg_read_usage(root, "..", &u), -EINVAL);
        ck_assert_int_eq(memcg_read_usage(root, "/../../etc", &u), -EINVAL);
        ck_assert_int_eq(memcg_read_usage(root, "", &u), -EINVAL);
        ck_assert_int_eq(memcg_read_usage(root, NULL, &u), -EINVAL);
        ck_assert_int_eq(memcg_read_node_lru(root, "a/..", 0, &b), -EINVAL);
        ck_assert_int_eq(memcg_file_path("a", "memory.stat/../x", &p), -EINVAL);
        ck_assert_int_eq(memcg_file_path("a", "", &p), -EINVAL);
        ck_assert_int_eq(memcg_pressure_path("a/../b", &p), -EINVAL);
        ck_assert_ptr_null(p);
        /* beyond PATH_MAX */
        {
                char long_name[PATH_MAX + 8];

                memset(long_name, 'a', sizeof(long_name) - 1);
                long_name[sizeof(long_name) - 1] = '\0';
                ck_assert_int_eq(memcg_read_usage(root, long_name, &u), -ENAMETOOLONG);
                ck_assert_int_eq(memcg_file_path(long_name, "memory.current", &p), -ENAMETOOLONG);
        }
        /* "..." is a name like any other */
        ck_assert_ok(memcg_file_path("/.../x", "memory.current", &p));
        ck_assert_str_eq(p, "sys/fs/cgroup/.../x/memory.current");
        free(p);
}
END_TEST

static const struct {
        const char *file;
        const char *content;
        int error;
} bad_values[] = {
        { "memory.current", "", -EINVAL },
        { "memory.current", "\n", -EINVAL },
        { "memory.current", "max\n", -EINVAL },         /* only high and max may say max */
        { "memory.current", "12a\n", -EINVAL },
        { "memory.current", "-1\n", -EINVAL },
        { "memory.current", "+1\n", -EINVAL },
        { "memory.current", " 1\n", -EINVAL },
        { "memory.current", "1\n\n", -EINVAL },
        { "memory.current", "0x10\n", -EINVAL },
        { "memory.current", "18446744073709551616\n", -ERANGE },
        { "memory.current", "1111111111111111111111111111111111111111111111111111111111111111111\n", -EINVAL },
        { "memory.high", "MAX\n", -EINVAL },
        { "memory.high", "maximum\n", -EINVAL },
        { "memory.high", "max max\n", -EINVAL },
        { "memory.max", "", -EINVAL },
        { "memory.max", "1.5G\n", -EINVAL },
        { "memory.swap.current", "nope\n", -EINVAL },
};

START_TEST(test_memcg_malformed) {
        for (size_t i = 0; i < ELEMENTSOF(bad_values); i++) {
                char path[PATH_MAX];
                MemcgUsage u = { .current = 42 };

                install_cgroup();
                snprintf(path, sizeof(path), CG "/%s", bad_values[i].file);
                write_file(path, bad_values[i].content);
                ASSERT_ROW(memcg_read_usage(root, "system.slice/foo.service", &u), bad_values[i].error, i);
                ck_assert_uint_eq(u.current, 42);
        }
}
END_TEST

START_TEST(test_memcg_numa_stat) {
        uint64_t b;

        install_cgroup();
        /* the four LRU lists, as node_memcg_used_bp counts: 74 + 30 + 40 + 10 MiB on node 0 */
        ck_assert_ok(memcg_read_node_lru(root, "system.slice/foo.service", 0, &b));
        ck_assert_uint_eq(b, 161480704);
        ck_assert_ok(memcg_read_node_lru(root, "/system.slice/foo.service", 1, &b));
        ck_assert_uint_eq(b, 29360128);
        /* a node the file does not mention */
        ck_assert_int_eq(memcg_read_node_lru(root, "system.slice/foo.service", 2, &b), -ENODATA);

        /* the root cgroup has a numa_stat */
        install_fixture("memory.numa_stat", "sys/fs/cgroup/memory.numa_stat");
        ck_assert_ok(memcg_read_node_lru(root, "/", 1, &b));
        ck_assert_uint_eq(b, 29360128);
}
END_TEST

START_TEST(test_memcg_numa_stat_parse) {
        uint64_t b = 42;

        /* without the LRU lines, anon + file */
        ck_assert_ok(memcg_parse_node_lru("anon N0=4096 N1=8192\nfile N0=1 N1=2\nshmem N0=0 N1=0\n", 1, &b));
        ck_assert_uint_eq(b, 8194);
        /* LRU lines win over anon + file when all four are there */
        ck_assert_ok(memcg_parse_node_lru("anon N0=1\nfile N0=1\nactive_anon N0=10\ninactive_anon N0=20\n"
                                          "active_file N0=30\ninactive_file N0=40", 0, &b));
        ck_assert_uint_eq(b, 100);
        /* three of the four LRU lines: anon + file */
        ck_assert_ok(memcg_parse_node_lru("anon N0=1\nfile N0=1\nactive_anon N0=10\ninactive_anon N0=20\n"
                                          "active_file N0=30\n", 0, &b));
        ck_assert_uint_eq(b, 2);
        /* a node missing from one line but present on another counts 0 there */
        ck_assert_ok(memcg_parse_node_lru("anon N0=5 N1=6\nfile N0=7\n", 1, &b));
        ck_assert_uint_eq(b, 6);
        /* multi-digit nodes are not prefixes of each other */
        ck_assert_ok(memcg_parse_node_lru("anon N1=5 N10=6 N11=7\nfile N1=1 N10=1 N11=1\n", 10, &b));
        ck_assert_uint_eq(b, 7);
        /* tabs, blank lines, unknown lines */
        ck_assert_ok(memcg_parse_node_lru("\nanon\tN0=1\nzswap_new_thing N0=99\n\nfile N0=2\n", 0, &b));
        ck_assert_uint_eq(b, 3);
        /* the largest sum */
        ck_assert_ok(memcg_parse_node_lru("anon N0=18446744073709551614\nfile N0=1\n", 0, &b));
        ck_assert_uint_eq(b, UINT64_MAX);
}
END_TEST

static const struct {
        const char *text;
        int error;
} bad_numa_stat[] = {
        { "", -ENODATA },
        { "\n\n", -ENODATA },
        { "anon N0=1\n", -ENODATA },                                            /* no file line */
        { "unevictable N0=1\n", -ENODATA },
        { "anon N1=1\nfile N1=1\n", -ENODATA },                                 /* node 0 absent */
        { "total=3582 N0=3582\nfile=61 N0=61\nanon=374 N0=374\n", -EINVAL },     /* cgroup v1 */
        { "anon N0=1\nfile N0=1\nanon N0=1\n", -EINVAL },
        { "anon N0=1 N0=2\nfile N0=1\n", -EINVAL },
        { "anon N0=abc\nfile N0=1\n", -EINVAL },
        { "anon N0=\nfile N0=1\n", -EINVAL },
        { "anon N0\nfile N0=1\n", -EINVAL },
        { "anon N=1\nfile N0=1\n", -EINVAL },
        { "anon n0=1\nfile N0=1\n", -EINVAL },
        { "anon N0=-1\nfile N0=1\n", -EINVAL },
        { "anon N0=1x\nfile N0=1\n", -EINVAL },
        { "anon N0=1,N1=2\nfile N0=1\n", -EINVAL },
        { "Anon N0=1\nfile N0=1\n", -EINVAL },
        { " anon N0=1\nfile N0=1\n", -EINVAL },
        { "\x01\xff garbage\n", -EINVAL },
        { "anon N99999999999999999999999=1\nfile N0=1\n", -EINVAL },
        { "anon N0=18446744073709551616\nfile N0=1\n", -ERANGE },
        { "anon N0=18446744073709551615\nfile N0=1\n", -ERANGE },                /* the sum */
};

START_TEST(test_memcg_numa_stat_malformed) {
        for (size_t i = 0; i < ELEMENTSOF(bad_numa_stat); i++) {
                uint64_t b = 42;

                ASSERT_ROW(memcg_parse_node_lru(bad_numa_stat[i].text, 0, &b), bad_numa_stat[i].error, i);
                ck_assert_uint_eq(b, 42);
                write_file(CG "/memory.numa_stat", bad_numa_stat[i].text);
                ASSERT_ROW(memcg_read_node_lru(root, "system.slice/foo.service", 0, &b),
                           bad_numa_stat[i].error, i);
                ck_assert_uint_eq(b, 42);
        }
}
END_TEST

START_TEST(test_memcg_pressure_path) {
        static const char * const cgroups[] = {
                "/", "system.slice/foo.service", "/system.slice/foo.service", "//a/./b/", "a", "./a",
        };

        for (size_t i = 0; i < ELEMENTSOF(cgroups); i++) {
                _cleanup_free_ char *m = NULL, *p = NULL, *f = NULL;

                ck_assert_ok(memcg_pressure_path(cgroups[i], &m));
                ck_assert_ok(psi_cgroup_pressure_path(cgroups[i], &p));
                ck_assert_ok(memcg_file_path(cgroups[i], "memory.pressure", &f));
                ck_assert_str_eq(m, p);
                ck_assert_str_eq(m, f);
        }

        /* what the tuning loop does with it: read (and, on a real kernel, trigger on) the file */
        {
                _cleanup_free_ char *m = NULL;
                PsiStats s;

                ck_assert_ok(memcg_pressure_path("/system.slice/foo.service", &m));
                ck_assert_str_eq(m, CG "/memory.pressure");
                write_file(CG "/memory.pressure",
                           "some avg10=1.50 avg60=0.00 avg300=0.00 total=1234\n"
                           "full avg10=0.00 avg60=0.00 avg300=0.00 total=99\n");
                ck_assert_ok(psi_read_file(root, m, &s));
                ck_assert_uint_eq(s.some.avg10, 150);
                ck_assert_uint_eq(s.some.total_usec, 1234);
        }
}
END_TEST

/* The host's own files parse (read only; skipped where they do not exist). */
START_TEST(test_host_read_only) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_free_ unsigned *nodes = NULL;
        size_t n = 0;
        MemInfo m;
        int r;

        ck_assert_ok(root_open("/", &host));
        ck_assert_ok(meminfo_read_system(host, &m));
        ck_assert_uint_gt(m.total, 0);
        ck_assert_uint_le(m.free, m.total);
        r = meminfo_list_nodes(host, &nodes, &n);
        if (r == -ENOENT)
                return;
        ck_assert_ok(r);
        ck_assert_uint_ge(n, 1);
        ck_assert_ok(meminfo_read_node(host, nodes[0], &m));
        ck_assert_uint_gt(m.total, 0);
}
END_TEST

static Suite *signals_suite(void) {
        Suite *s = suite_create("signals");
        TCase *tc = tcase_create("meminfo");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_meminfo_system_fixture);
        tcase_add_test(tc, test_meminfo_node_fixture);
        tcase_add_test(tc, test_meminfo_node_multidigit);
        tcase_add_test(tc, test_meminfo_missing);
        tcase_add_test(tc, test_meminfo_malformed);
        tcase_add_test(tc, test_meminfo_tolerant);
        tcase_add_test(tc, test_meminfo_ratios);
        tcase_add_test(tc, test_node_list);
        tcase_add_test(tc, test_node_list_malformed);
        tcase_add_test(tc, test_node_list_missing);
        tcase_add_test(tc, test_host_read_only);
        suite_add_tcase(s, tc);

        tc = tcase_create("memcg");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_memcg_usage);
        tcase_add_test(tc, test_memcg_missing);
        tcase_add_test(tc, test_memcg_bad_paths);
        tcase_add_test(tc, test_memcg_malformed);
        tcase_add_test(tc, test_memcg_numa_stat);
        tcase_add_test(tc, test_memcg_numa_stat_parse);
        tcase_add_test(tc, test_memcg_numa_stat_malformed);
        tcase_add_test(tc, test_memcg_pressure_path);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(signals_suite());
}
