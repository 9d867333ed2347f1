/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damonctl's output: human units, the text of each verb, and the JSON of each read verb (json-c). Pure
 * functions of a CtlManager (damonctl-model.h) and a CtlFormat, so that the unit tests compare them with
 * golden files (tests/damonctl/golden/) without a bus. The JSON schema is documented in damonctl(1):
 * numbers are JSON numbers in the D-Bus API's units (bytes, µs, hundredths of a percent), a value that
 * is not known (UINT64_MAX, -1, a time of 0) is null, booleans are booleans.
 *
 * The print functions return 0, or -EIO when writing to @f failed.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "damonctl-model.h"

typedef struct CtlFormat {
        uint64_t now_usec;      /* CLOCK_REALTIME µs, for "19min ago" */
        bool color;             /* ANSI colours for the state markers (a terminal) */
        bool legend;            /* table headers and the closing count line */
} CtlFormat;

#define CTL_FORMAT_MAX 96

/* Human units. Each writes into @buf (at least CTL_FORMAT_MAX bytes) and returns it.
 * Sizes: 512 -> "512B", 536870912 -> "512.0M" (powers of 1024, one decimal, truncated).
 * Durations: 312 -> "312us", 1200 -> "1.2ms", 1500000 -> "1.5s", 150000000 -> "2min 30s".
 * Hundredths of a percent: 1234 -> "12.34%", 1230 -> "12.3%", 7000 -> "70%".
 * Timestamps (CLOCK_REALTIME µs) in local time: "Thu 2026-11-26 04:59:04 UTC".
 * Time spans before @now: "19min ago", "1h 3min ago", "2d 4h ago", "450ms ago".
 * A goal value in its metric's unit: *_us metrics as durations, *_bp as percentages, cgroup_mem_usage
 * as a size, anything else as a plain number; UINT64_MAX as "unknown". */
const char *ctl_format_bytes(char *buf, size_t size, uint64_t bytes);
const char *ctl_format_usec(char *buf, size_t size, uint64_t usec);
const char *ctl_format_hundredths(char *buf, size_t size, uint64_t hundredths);
const char *ctl_format_timestamp(char *buf, size_t size, uint64_t usec);
const char *ctl_format_ago(char *buf, size_t size, uint64_t usec, uint64_t now_usec);
const char *ctl_format_goal_value(char *buf, size_t size, const char *metric, uint64_t value);

/* "●", "×" or "○" for a profile state (running/blocked/waiting, failed, stopped/disabled). */
const char *ctl_state_marker(const char *state);

/* status: a header about damond and the kernel, then one block per profile (only those in @names
 * when it is not NULL or empty, in the manager's order). */
int ctl_print_status(FILE *f, const CtlManager *m, char * const *names, const CtlFormat *fmt);
/* list: PROFILE STATE KDAMOND OPERATIONS APPLIED/MIN. */
int ctl_print_list(FILE *f, const CtlManager *m, const CtlFormat *fmt);
/* features: FEATURE VERSION STATE USED. */
int ctl_print_features(FILE *f, const CtlManager *m, const CtlFormat *fmt);
/* show: every property as Key=value lines, lists as repeated keys, schemes as Scheme.NAME.Key=. */
int ctl_print_show_profile(FILE *f, const CtlProfile *p);
int ctl_print_show_manager(FILE *f, const CtlManager *m);
/* validate and reload: the diagnostics, one per line. */
int ctl_print_validation(FILE *f, const CtlValidation *v);

/* The JSON documents; NULL on -ENOMEM. The caller owns the result (json_object_put). */
json_object *ctl_json_status(const CtlManager *m, char * const *names);
json_object *ctl_json_list(const CtlManager *m);
json_object *ctl_json_features(const CtlManager *m);
json_object *ctl_json_profile(const CtlProfile *p);
json_object *ctl_json_manager(const CtlManager *m);
json_object *ctl_json_validation(const CtlValidation *v);

/* Pretty-printed, with a final newline. */
int ctl_print_json(FILE *f, json_object *o, bool pretty);
