/* SPDX-License-Identifier: GPL-2.0-or-later */
/* damond's logging: level filtering (LogLevel=), the _errno convention, and journal detection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "message-ids.h"
#include "test-util.h"

static char seen[1024];

static void hook(int level, const LogFields *f, const char *message, void *userdata) {
        size_t n = strlen(seen);

        snprintf(seen + n, sizeof seen - n, "%d:%s:%s:%d|", level, message,
                 f && f->profile ? f->profile : "-", f ? f->kdamond_1 - 1 : -1);
}

static void setup(void) {
        seen[0] = '\0';
        log_set_hook(hook, NULL);
        log_set_max_level(LOG_INFO);
}

START_TEST(test_levels) {
        log_debug("hidden");
        log_info("shown");
        log_set_max_level(LOG_WARNING);
        log_notice("hidden too");
        log_warning("warned");
        ck_assert_str_eq(seen, "6:shown:-:-1|4:warned:-:-1|");
}
END_TEST

START_TEST(test_errno) {
        /* negative or positive in, negative out, %m says what it was, even when filtered out */
        ck_assert_int_eq(log_error_errno(-ENOENT, "Failed: %m"), -ENOENT);
        ck_assert_int_eq(log_debug_errno(EBUSY, "Busy: %m"), -EBUSY);
        ck_assert_int_eq(log_oom(), -ENOMEM);
        ck_assert_str_eq(seen, "3:Failed: No such file or directory:-:-1|3:Out of memory.:-:-1|");
}
END_TEST

START_TEST(test_fields) {
        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = "reclaim", LOG_KDAMOND(0),
                                             .message_id = DAMOND_MESSAGE_PROFILE_STARTED), "Started.");
        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = "x"), "No kdamond.");
        ck_assert_str_eq(seen, "5:Started.:reclaim:0|5:No kdamond.:x:-1|");
}
END_TEST

/* A name from a file or a process cannot forge a log line or drive a terminal. */
START_TEST(test_escaped) {
        log_notice("Following '%s'.", "x\nkdamond 7 \x1b]0;t\x07 caf\xe9");
        ck_assert_str_eq(seen, "5:Following 'x\\x0akdamond 7 \\x1b]0;t\\x07 caf\\xe9'.:-:-1|");
}
END_TEST

START_TEST(test_journal_detection) {
        struct stat st;
        char buf[64];

        ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
        unsetenv("JOURNAL_STREAM");
        ck_assert(!log_stderr_is_journal());
        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino);
        ck_assert_int_eq(setenv("JOURNAL_STREAM", buf, 1), 0);
        ck_assert(log_stderr_is_journal());
        /* inherited by a child whose stderr is elsewhere: not the journal */
        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino + 1);
        ck_assert_int_eq(setenv("JOURNAL_STREAM", buf, 1), 0);
        ck_assert(!log_stderr_is_journal());
        ck_assert_int_eq(setenv("JOURNAL_STREAM", "garbage", 1), 0);
        ck_assert(!log_stderr_is_journal());
        unsetenv("JOURNAL_STREAM");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("log");
        TCase *tc = tcase_create("log");

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_levels);
        tcase_add_test(tc, test_errno);
        tcase_add_test(tc, test_fields);
        tcase_add_test(tc, test_escaped);
        tcase_add_test(tc, test_journal_detection);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
