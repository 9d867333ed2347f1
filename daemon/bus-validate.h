/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The D-Bus Validate off the event loop. Anyone may call it, and checking a configuration costs up to
 * the profile budget's CPU and memory (profile.h), so each call runs manager_validate() in a forked
 * child and the event loop only reads its result from a pipe:
 *   - the child takes the caller's uid and groups before it reads anything, so it reads exactly the
 *     files the caller could read (the kernel's own checks: modes, ACLs, LSMs) and no diagnostic can
 *     quote a line of a file the caller could not read itself;
 *   - it runs with CPU and address-space limits, is the first the OOM killer picks, and is killed after
 *     VALIDATE_TIMEOUT_USEC;
 *   - per caller uid, at most VALIDATE_INFLIGHT_MAX calls run at once and VALIDATE_CALLS_MAX start per
 *     VALIDATE_WINDOW_USEC (root: no window limit); VALIDATE_INFLIGHT_TOTAL_MAX over all callers.
 * A caller over a limit gets org.freedesktop.DBus.Error.LimitsExceeded.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#define VALIDATE_TIMEOUT_USEC (20 * 1000000ULL)
#define VALIDATE_CPU_SEC 15
#define VALIDATE_AS_MAX (1024ULL * 1024 * 1024)
#define VALIDATE_OUTPUT_MAX (16 * 1024 * 1024)
#define VALIDATE_INFLIGHT_MAX 2
#define VALIDATE_INFLIGHT_TOTAL_MAX 8
#define VALIDATE_CALLS_MAX 30
#define VALIDATE_WINDOW_USEC (10 * 1000000ULL)

typedef struct Bus Bus;
typedef struct ValidateJob ValidateJob;
typedef struct ValidateUse ValidateUse;

/* Starts the Validate of @msg (its arguments already checked: @names and @contents point into it, @n
 * files, n == 0: the installed configuration). The reply is sent when the child is done. Returns 1 when
 * started (the caller must not reply), or 0 after setting @error, or <0. */
int bus_validate_start(Bus *b, sd_bus_message *msg, char * const *names, char * const *contents, size_t n,
                       sd_bus_error *error);

/* Kills and reaps every running child, with an error reply to each caller. */
void bus_validate_done(Bus *b);
