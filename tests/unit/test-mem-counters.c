/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The savings counters (include/mem-counters.h) below a temporary root: machine-wide from vmstat, meminfo
 * and zram; per cgroup from memory.stat; a kdamond's CPU time from proc/PID/stat (hostile comm included).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mem-counters.h"
#include "root.h"
#include "test-util.h"

static char dir[] = "/tmp/test-mem-counters-XXXXXX";
static Root *root;

static void put(const char *rel, const char *content) {
        char path[512], *slash;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                (void) mkdir(path, 0755);
                *slash = '/';
        }
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        fclose(f);
}

static void setup(void) {
        strcpy(dir, "/tmp/test-mem-counters-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        put("proc/vmstat", "nr_free_pages 1000\nworkingset_refault_anon 30\nworkingset_refault_file 70\n"
                           "workingset_refault_file_extra 5\npswpin 12\npswpout 400\n");
        put("proc/meminfo", "MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     600 kB\n"
                            "SwapTotal:       2000 kB\nSwapFree:        1500 kB\nZswap:              0 kB\n");
        ck_assert_ok(root_open(dir, &root));
}

static void teardown(void) {
        char cmd[600];

        root = root_free(root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_find) {
        uint64_t v;

        ck_assert_ok(mem_counters_find("a 1\nab 2\n", "ab", &v));
        ck_assert_uint_eq(v, 2);
        ck_assert_ok(mem_counters_find("Zswap:   3 kB\n", "Zswap", &v));
        ck_assert_uint_eq(v, 3072);
        ck_assert_int_eq(mem_counters_find("abc 1\n", "ab", &v), -ENODATA);
        ck_assert_int_eq(mem_counters_find("ab x\n", "ab", &v), -EINVAL);
        ck_assert_int_eq(mem_counters_find("ab 1x\n", "ab", &v), -EINVAL);
        ck_assert_int_eq(mem_counters_find("ab 99999999999999999999\n", "ab", &v), -ERANGE);
        ck_assert_int_eq(mem_counters_find("K: 1 MB\n", "K", &v), -EINVAL);
}
END_TEST

START_TEST(test_machine) {
        MemCounters c;

        ck_assert_ok(mem_counters_read(root, NULL, &c));
        ck_assert(c.has_refaults);
        ck_assert_uint_eq(c.refaults, 100);     /* anon + file, not the look-alike key */
        ck_assert_uint_eq(c.swapins, 12);
        ck_assert_uint_eq(c.swapouts, 400);
        ck_assert_uint_eq(c.resident_bytes, 400 * 1024);
        ck_assert_uint_eq(c.swap_bytes, 500 * 1024);
        ck_assert(!c.has_compressed);           /* zswap empty and no zram */

        /* zram: compr_data_size of each device */
        put("sys/block/zram0/mm_stat", "  4194304   1048576  1200000 0 0 0 0 0 0\n");
        put("sys/block/zram1/mm_stat", "  0 4096 8192 0 0 0 0 0 0\n");
        put("sys/block/sda/stat", "0\n");
        ck_assert_ok(mem_counters_read(root, "/", &c));
        ck_assert(c.has_compressed);
        ck_assert_uint_eq(c.compressed_bytes, 1048576 + 4096);

        /* zswap in use wins */
        put("proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 600 kB\nZswap: 10 kB\n");
        ck_assert_ok(mem_counters_read(root, NULL, &c));
        ck_assert_uint_eq(c.compressed_bytes, 10240);
        ck_assert(!c.has_swap);

        /* a kernel before 5.9 */
        put("proc/vmstat", "workingset_refault 77\n");
        ck_assert_ok(mem_counters_read(root, NULL, &c));
        ck_assert_uint_eq(c.refaults, 77);
        ck_assert(!c.has_swapins);

        put("proc/vmstat", "pswpin garbage\n");
        ck_assert_int_eq(mem_counters_read(root, NULL, &c), -EINVAL);
}
END_TEST

START_TEST(test_cgroup) {
        MemCounters c;

        put("sys/fs/cgroup/w.slice/memory.current", "1048576\n");
        put("sys/fs/cgroup/w.slice/memory.high", "max\n");
        put("sys/fs/cgroup/w.slice/memory.max", "max\n");
        put("sys/fs/cgroup/w.slice/memory.swap.current", "65536\n");
        put("sys/fs/cgroup/w.slice/memory.stat", "anon 5\nzswap 8192\nworkingset_refault_anon 3\n"
                                                "workingset_refault_file 4\n");
        ck_assert_ok(mem_counters_read(root, "/w.slice", &c));
        ck_assert_uint_eq(c.resident_bytes, 1048576);
        ck_assert_uint_eq(c.swap_bytes, 65536);
        ck_assert_uint_eq(c.refaults, 7);
        ck_assert_uint_eq(c.compressed_bytes, 8192);
        /* no pswpin in this memory.stat: the machine's, flagged */
        ck_assert(c.has_swapins);
        ck_assert(c.swap_counts_machine_wide);
        ck_assert_uint_eq(c.swapins, 12);

        put("sys/fs/cgroup/w.slice/memory.stat", "pswpin 2\npswpout 9\n");
        ck_assert_ok(mem_counters_read(root, "/w.slice", &c));
        ck_assert(!c.swap_counts_machine_wide);
        ck_assert_uint_eq(c.swapins, 2);
        ck_assert(!c.has_refaults);

        ck_assert_int_eq(mem_counters_read(root, "/gone.slice", &c), -ENOENT);
}
END_TEST

START_TEST(test_proc_stat) {
        uint64_t usec;

        /* comm with spaces and parentheses; utime 150, stime 50 ticks at 100 Hz: 2 s */
        ck_assert_ok(proc_stat_parse_cpu_usec("77 (k) (d) x) S 2 0 0 0 -1 2129984 0 0 0 0 150 50 0 0 20 0 1",
                                              100, &usec));
        ck_assert_uint_eq(usec, 2 * 1000000);
        ck_assert_int_eq(proc_stat_parse_cpu_usec("77 (kdamond.0 S 2", 100, &usec), -EINVAL);
        ck_assert_int_eq(proc_stat_parse_cpu_usec("77 (k) S 2 0", 100, &usec), -EINVAL);

        put("proc/77/stat", "77 (kdamond.0) S 2 0 0 0 -1 2129984 0 0 0 0 7 3 0 0 20 0 1 0 100\n");
        ck_assert_ok(proc_pid_cpu_usec(root, 77, &usec));
        ck_assert_uint_eq(usec, 10 * (1000000 / (uint64_t) sysconf(_SC_CLK_TCK)));
        ck_assert_int_eq(proc_pid_cpu_usec(root, 78, &usec), -ESRCH);
        ck_assert_int_eq(proc_pid_cpu_usec(root, -1, &usec), -ESRCH);
}
END_TEST

static Suite *mem_counters_suite(void) {
        Suite *s = suite_create("mem-counters");
        TCase *tc = tcase_create("mem-counters");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_find);
        tcase_add_test(tc, test_machine);
        tcase_add_test(tc, test_cgroup);
        tcase_add_test(tc, test_proc_stat);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(mem_counters_suite());
}
