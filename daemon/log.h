/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damond's logging. Under systemd (stderr is the journal stream: $JOURNAL_STREAM names stderr's
 * device and inode) each message goes to the journal with sd_journal_send() as a structured entry:
 * MESSAGE=, PRIORITY= and the optional DAMOND_PROFILE=, DAMOND_KDAMOND=, CONFIG_FILE=, CONFIG_LINE=,
 * MESSAGE_ID=. Otherwise a plain "damond: message" line goes to stderr.
 *
 * The _errno variants take an error (negative or positive errno), set errno for "%m" and return the
 * negative error, so that "log and return" is one statement. Levels are syslog's (LOG_ERR..LOG_DEBUG);
 * messages above the maximum level are dropped (but the _errno variants still return the error).
 */

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "macro.h"

/* Optional structured fields; any member may be zero/NULL. */
typedef struct LogFields {
        const char *profile;
        int kdamond_1;          /* the kdamond index + 1, 0 (or a negative index) = none: LOG_KDAMOND() */
        const char *config_file;
        unsigned config_line;
        const char *message_id;
} LogFields;

#define LOG_FIELDS(...) (&(const LogFields) { __VA_ARGS__ })
#define LOG_KDAMOND(index) .kdamond_1 = (index) + 1

/* Decides between journal and stderr (call again after the environment changed; tests). */
void log_open(void);
/* Whether $JOURNAL_STREAM names the device and inode of our stderr: what log_open() goes by. */
bool log_stderr_is_journal(void);
void log_set_max_level(int level);
int log_get_max_level(void);

/* For tests: every message that passes the level filter is also handed to @hook (NULL: none). */
typedef void (*LogHook)(int level, const LogFields *fields, const char *message, void *userdata);
void log_set_hook(LogHook hook, void *userdata);

/* Every message with a MESSAGE_ID (an event: message-ids.h) is also handed to the event sink, whatever
 * the maximum level: the D-Bus Event signal (bus.c). A message logged from within the sink is not. */
void log_set_event_sink(LogHook sink, void *userdata);
void *log_get_event_sink_userdata(void);

int log_internal(int level, int error, const LogFields *fields, const char *format, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...) log_internal((level), (error), NULL, __VA_ARGS__)
#define log_full(level, ...) (void) log_internal((level), 0, NULL, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...)  log_full_errno(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* With structured fields: log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = "reclaim"), "..."). */
#define log_struct(level, error, fields, ...) log_internal((level), (error), (fields), __VA_ARGS__)

/* At most @burst messages per @interval_usec, for messages that anyone on the machine can cause at will
 * (a process renaming itself): log_ratelimit_below() says whether one more may go out at @now_usec;
 * @suppressed counts those that did not since the last one that did, for that one to say so. */
typedef struct LogRateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin_usec;
        unsigned n;
        unsigned suppressed;
} LogRateLimit;

#define LOG_RATELIMIT(interval, b) ((LogRateLimit) { .interval_usec = (interval), .burst = (b) })

/* Returns true if a message may be logged now; the caller then reads and zeroes ->suppressed. */
bool log_ratelimit_below(LogRateLimit *rl, uint64_t now_usec);

static inline int log_oom(void) {
        return log_internal(LOG_ERR, ENOMEM, NULL, "Out of memory.");
}
