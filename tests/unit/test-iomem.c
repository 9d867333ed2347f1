/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc/iomem: the System RAM range that paddr profiles with Region=auto monitor. */
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

static Suite *suite(void) {
        Suite *s = suite_create("iomem");
        TCase *tc = tcase_create("iomem");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_largest_top_level);
        tcase_add_test(tc, test_none_or_unprivileged);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
