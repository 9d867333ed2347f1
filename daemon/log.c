/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "utf8.h"

static int max_level = LOG_INFO;
static bool to_journal = false;
static LogHook hook = NULL;
static void *hook_userdata = NULL;
static LogHook event_sink = NULL;
static void *event_sink_userdata = NULL;
static bool in_event_sink = false;

/* systemd's stderr_is_journal(): $JOURNAL_STREAM is inherited by children whose stderr may be
 * elsewhere, so it only counts when it names the file stderr actually is. */
bool log_stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_open(void) {
        to_journal = log_stderr_is_journal();
}

void log_set_max_level(int level) {
        assert(level >= LOG_EMERG && level <= LOG_DEBUG);
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_hook(LogHook h, void *userdata) {
        hook = h;
        hook_userdata = userdata;
}

void log_set_event_sink(LogHook sink, void *userdata) {
        event_sink = sink;
        event_sink_userdata = userdata;
}

void *log_get_event_sink_userdata(void) {
        return event_sink_userdata;
}

static void send_journal(int level, const LogFields *f, const char *message) {
        _cleanup_free_ char *profile = NULL, *config_file = NULL;
        char *fields[9] = {};
        struct iovec iov[9];
        size_t n = 0;

        if (asprintf(&fields[n++], "MESSAGE=%s", message) < 0 ||
            asprintf(&fields[n++], "PRIORITY=%d", level) < 0 ||
            asprintf(&fields[n++], "SYSLOG_IDENTIFIER=damond") < 0)
                goto finish;
        if (f && f->profile && (!(profile = string_escape(f->profile)) ||
                                asprintf(&fields[n++], "DAMOND_PROFILE=%s", profile) < 0))
                goto finish;
        if (f && f->kdamond_1 > 0 && asprintf(&fields[n++], "DAMOND_KDAMOND=%d", f->kdamond_1 - 1) < 0)
                goto finish;
        if (f && f->config_file && (!(config_file = string_escape(f->config_file)) ||
                                    asprintf(&fields[n++], "CONFIG_FILE=%s", config_file) < 0))
                goto finish;
        if (f && f->config_line > 0 && asprintf(&fields[n++], "CONFIG_LINE=%u", f->config_line) < 0)
                goto finish;
        if (f && f->message_id && asprintf(&fields[n++], "MESSAGE_ID=%s", f->message_id) < 0)
                goto finish;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        if (sd_journal_sendv(iov, (int) n) >= 0)
                goto finish;
        /* the journal went away: stderr still reaches someone */
        fprintf(stderr, "damond: %s\n", message);
finish:
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                free(fields[i]);
}

int log_internal(int level, int error, const LogFields *fields, const char *format, ...) {
        _cleanup_free_ char *escaped = NULL;
        const char *message;
        char buf[2048];
        va_list ap;
        bool event;

        if (error < 0)
                error = -error;
        event = event_sink && !in_event_sink && fields && fields->message_id;
        if (level > max_level && !event)
                return -error;

        errno = error;
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);

        /* Messages quote names, paths and values from files and processes: every one leaves damond as
         * valid UTF-8 without control characters (a newline in one would forge a line of the log). */
        message = buf;
        if (!string_is_safe(buf)) {
                escaped = string_escape(buf);
                message = escaped ?: "(a message that could not be escaped: out of memory)";
        }
        if (event) {
                in_event_sink = true;
                event_sink(level, fields, message, event_sink_userdata);
                in_event_sink = false;
        }
        if (level > max_level)
                return -error;
        if (hook)
                hook(level, fields, message, hook_userdata);
        if (to_journal)
                send_journal(level, fields, message);
        else
                fprintf(stderr, "damond: %s\n", message);
        return -error;
}

bool log_ratelimit_below(LogRateLimit *rl, uint64_t now_usec) {
        if (!rl || rl->burst == 0)
                return true;
        if (rl->n == 0 || now_usec < rl->begin_usec || now_usec - rl->begin_usec >= rl->interval_usec) {
                rl->begin_usec = now_usec;
                rl->n = 0;
        }
        if (rl->n < rl->burst) {
                rl->n++;
                return true;
        }
        rl->suppressed++;
        return false;
}
