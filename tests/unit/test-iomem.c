/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc/iomem: the System RAM ranges that paddr profiles with Region=auto monitor. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fake-kernel.h"
#include "iomem.h"
#include "test-util.h"

static FakeKernel *k;

static void setup(void) {
        ck_assert_ok(fake_kernel_new(FAKE_GEN_6_18, false, &k));
}

static void teardown(void) {
        k = fake_kernel_free(k);
}

START_TEST(test_largest_top_level) {
        uint64_t start = 0, end = 0;

        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00000000-00000fff : Reserved\n"
                "00001000-0009fbff : System RAM\n"
                "00100000-bffdafff : System RAM\n"
                "  01000000-01ffffff : Kernel code\n"
                "100000000-23fffffff : System RAM\n"
                "  100000000-3ffffffff : System RAM\n"
                "fee00000-fee00fff : Local APIC\n"));
        ck_assert_ok(iomem_largest_system_ram(fake_kernel_root(k), &start, &end));
        /* the nested (indented) line is larger but is not a top-level range */
        ck_assert_uint_eq(start, UINT64_C(0x100000000));
        ck_assert_uint_eq(end, UINT64_C(0x240000000));
}
END_TEST

START_TEST(test_none_or_unprivileged) {
        uint64_t start = 0, end = 0;

        ck_assert_int_eq(iomem_largest_system_ram(fake_kernel_root(k), &start, &end), -ENOENT);
        /* what a reader without CAP_SYS_ADMIN sees: every address zero */
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\nnot a line\n"));
        ck_assert_int_eq(iomem_largest_system_ram(fake_kernel_root(k), &start, &end), -ENOENT);
}
END_TEST

/* Region=auto: every top-level System RAM range but slivers, in address order. */
START_TEST(test_all_ranges) {
        _cleanup_free_ IomemRange *r = NULL;
        size_t n = 0;

        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00000000-00000fff : Reserved\n"
                "00001000-0009fbff : System RAM\n"
                "00100000-bffdafff : System RAM\n"
                "  01000000-01ffffff : Kernel code\n"
                "c0000000-c00fffff : System RAM\n"
                "100000000-23fffffff : System RAM\n"
                "  100000000-3ffffffff : System RAM\n"));
        ck_assert_ok(iomem_system_ram(fake_kernel_root(k), &r, &n));
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(r[0].start, 0x100000);
        ck_assert_uint_eq(r[0].end, 0xbffdb000);
        ck_assert_uint_eq(r[1].start, UINT64_C(0x100000000));
        ck_assert_uint_eq(r[1].end, UINT64_C(0x240000000));
}
END_TEST

/* A fragmented map keeps its largest ranges, still in address order. */
START_TEST(test_many_ranges) {
        _cleanup_free_ IomemRange *r = NULL;
        char text[16384] = "";
        bool big = false;
        size_t n = 0;

        for (unsigned i = 0; i < 80; i++) {
                char line[128];
                uint64_t start = (uint64_t) i * 0x10000000, size = (i == 3 ? 2 : 1) * IOMEM_MIN_RANGE;

                snprintf(line, sizeof line, "%" PRIx64 "-%" PRIx64 " : System RAM\n", start, start + size - 1);
                strcat(text, line);
        }
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem", text));
        ck_assert_ok(iomem_system_ram(fake_kernel_root(k), &r, &n));
        ck_assert_uint_eq(n, IOMEM_MAX_RANGES);
        for (size_t i = 1; i < n; i++)
                ck_assert_uint_lt(r[i - 1].start, r[i].start);
        for (size_t i = 0; i < n; i++)
                if (r[i].start == 3 * UINT64_C(0x10000000))
                        big = true;
        ck_assert_msg(big, "the largest range was dropped");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("iomem");
        TCase *tc = tcase_create("iomem");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_largest_top_level);
        tcase_add_test(tc, test_none_or_unprivileged);
        tcase_add_test(tc, test_all_ranges);
        tcase_add_test(tc, test_many_ranges);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
