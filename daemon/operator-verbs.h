/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The operator's verbs on one profile (the D-Bus methods StopProfile and StartProfile, docs/dbus-api.md):
 * what a caller may ask and the errors it gets. The profile runner makes the change
 * (profile_operator_stop() and profile_operator_start(), profile-runner.h), and the change hook
 * (manager-changes.h) tells the D-Bus service. Both block on DAMON sysfs I/O (damon-sysfs.h).
 */

typedef struct Manager Manager;

/*
 * StopProfile: stops @name's kdamond (if it runs) and keeps it stopped (PROFILE_RUN_STOPPED) until
 * manager_start_profile(), a restart of damond, or a reload that changes it. A profile that is not
 * running (blocked, waiting, failed) stops being retried. Stopping a stopped or disabled profile does
 * nothing. Returns 0, or
 *   -ENOENT   no such profile;
 *   -errno    the kernel refused to stop it (*reterr says why; it still runs).
 * *reterr (may be NULL) gets a message for the caller on failure.
 */
int manager_stop_profile(Manager *m, const char *name, char **reterr);

/*
 * StartProfile: starts a stopped, failed, blocked or waiting profile now (resetting its back-off); a
 * running one is left as it is. Returns 0 when it runs or waits (for its pids, say), or
 *   -EIO        it was tried and did not start: failed, blocked or over the limit (*reterr says why; it is
 *               retried as its state says);
 *   -ENOENT     no such profile;
 *   -EINVAL     its files have errors (*reterr holds the first);
 *   -EOPNOTSUPP it is disabled (Enabled=no);
 *   -ENOMEM.
 */
int manager_start_profile(Manager *m, const char *name, char **reterr);
