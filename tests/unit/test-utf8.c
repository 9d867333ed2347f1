/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "profile-diag.h"
#include "utf8.h"

START_TEST(test_multibyte) {
        /* valid: é, €, U+10FFFF, 𝄞, U+00A0 (the first after the C1 controls), U+E000 (after surrogates) */
        ck_assert_uint_eq(utf8_multibyte_len("\xc3\xa9"), 2);
        ck_assert_uint_eq(utf8_multibyte_len("\xe2\x82\xac"), 3);
        ck_assert_uint_eq(utf8_multibyte_len("\xf4\x8f\xbf\xbf"), 4);
        ck_assert_uint_eq(utf8_multibyte_len("\xf0\x9d\x84\x9e"), 4);
        ck_assert_uint_eq(utf8_multibyte_len("\xc2\xa0"), 2);
        ck_assert_uint_eq(utf8_multibyte_len("\xee\x80\x80"), 3);
        /* invalid: surrogates, overlong forms, past U+10FFFF, C1 controls, cut, lone continuation */
        ck_assert_uint_eq(utf8_multibyte_len("\xed\xa0\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xed\xbf\xbf"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xc0\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xc1\xbf"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xe0\x80\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xf0\x80\x80\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xf4\x90\x80\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xf5\x80\x80\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xc2\x9b"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\xe2\x82"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("\x80"), 0);
        ck_assert_uint_eq(utf8_multibyte_len("a"), 0);
}
END_TEST

START_TEST(test_escape) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain text", "plain text" },
                { "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
                { "caf\xe9", "caf\\xe9" },                              /* Latin-1 */
                { "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07" },           /* a terminal title */
                { "\x1b[2J\r\n\t\x7f", "\\x1b[2J\\x0d\\x0a\\x09\\x7f" },
                { "\xc2\x9b" "2J", "\\xc2\\x9b2J" },                    /* an 8-bit CSI as UTF-8 */
                { "\xed\xa0\x80", "\\xed\\xa0\\x80" },                  /* a surrogate */
                { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *e = string_escape(cases[i].in);

                ck_assert_str_eq(e, cases[i].out);
                ck_assert(string_is_safe(e));
                ck_assert_int_eq(string_is_safe(cases[i].in), streq(cases[i].in, cases[i].out));
        }
        ck_assert(string_is_safe(NULL));
}
END_TEST

/* Every part of a diagnostic is escaped, not only the value: keys, file names and what messages quote. */
START_TEST(test_diag_format_escapes_all) {
        _cleanup_(diag_list_done) DiagList l = {};
        _cleanup_free_ char *s = NULL;

        ck_assert_int_eq(diag_add(&l, DIAG_ERROR, "/etc/damond/a\x1b[2J.conf", 3, "K\x1b]0;t\x07y", "v\xe9",
                                  "section '%s' is unknown", "S\x1b" "c"), 0);
        s = diag_format(&l.items[0]);
        ck_assert_str_eq(s, "/etc/damond/a\\x1b[2J.conf:3: K\\x1b]0;t\\x07y=v\\xe9: section 'S\\x1bc' is unknown");
}
END_TEST

int main(void) {
        Suite *s = suite_create("utf8");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_multibyte);
        tcase_add_test(tc, test_escape);
        tcase_add_test(tc, test_diag_format_escapes_all);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
