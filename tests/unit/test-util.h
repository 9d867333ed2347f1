/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Runs @s in the usual way and turns the result into the process's exit code. */
static inline int test_run_suite(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ck_assert_int_eq() for -errno returns, printing the error name on failure. */
#define ck_assert_ok(expr)                                                              \
        do {                                                                            \
                long _r = (long) (expr);                                                \
                ck_assert_msg(_r >= 0, "%s failed: %ld (%s)", #expr, _r, strerror((int) -_r)); \
        } while (0)
