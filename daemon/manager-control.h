/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What an operator asks of the Manager beyond signals (the D-Bus methods of docs/dbus-api.md), and what
 * the Manager keeps for them:
 *   - the record of the last start-up or reload: every profile file found, valid or not, and every
 *     diagnostic, so that status shows a profile with errors that never ran and what is wrong with it;
 *   - stopping and starting one profile by name (the profile runner makes the change:
 *     profile_operator_stop() and profile_operator_start(), profile-runner.h);
 *   - validating profiles sent by a caller without running them and without reading any path the caller
 *     names;
 *   - the change hook, which tells the D-Bus service what changed.
 * Everything here runs on the event loop; start and stop block on DAMON sysfs I/O (damon-sysfs.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include "profile-diag.h"
#include "profile.h"

typedef struct Manager Manager;

/* One profile file as the last start-up or reload found it. */
typedef struct ProfileInfo {
        char *name;
        char *path;                     /* the main file */
        char **files;                   /* every file read: main, includes, drop-ins; NULL-terminated */
        char *description;              /* Description=, or NULL */
        bool enabled;                   /* Enabled= (as parsed, even when the profile has errors) */
        bool valid;
        char *first_error;              /* the first error, formatted, or NULL */
        char *first_error_public;       /* the same for callers who are not root: hidden when its file is
                                         * not readable by everyone */
} ProfileInfo;

typedef struct LoadRecord {
        uint64_t time_usec;             /* CLOCK_REALTIME µs; 0: never */
        bool valid;                     /* no error in damond.conf nor in any profile */
        char *summary;                  /* one line */
        char **diagnostics;             /* "path:line: Key=value: what is wrong", notes prefixed "note: ",
                                         * warnings "warning: "; NULL-terminated (never NULL once finished) */
        char **public_diagnostics;      /* what callers who are not root see: the diagnostics of a file
                                         * not readable by everyone become one line saying so, with
                                         * nothing of its contents (no line, key or value) */
        ProfileInfo *profiles;
        size_t n_profiles;
        bool config_errors;             /* damond.conf had errors */
        size_t n_run_errors;            /* profiles valid but not applied (manager_load_run_error()) */
} LoadRecord;

void load_record_done(LoadRecord *r);
/* Adds what loading one file found: a profile (@path, @p may be NULL when it could not be read) or, with
 * @path and @p NULL, damond.conf. Diagnostics are formatted in @d's order. Returns 0 or -ENOMEM. */
int load_record_add(LoadRecord *r, const char *path, const Profile *p, const DiagList *d, bool valid);

/* The record of the start-up or reload that is under way: manager.c fills it, manager_finish_load()
 * dates it, summarises it and makes it the last one. */
LoadRecord *manager_load_next(Manager *m);
void manager_finish_load(Manager *m);
/* What the start-up or reload under way could not apply although the files are valid (the kernel refused a
 * profile's new version, a profile beyond MaxKdamonds=): a diagnostic "profile 'NAME': MESSAGE" that
 * everyone may see (it must hold nothing of a file), and the record is not valid. 0 or -ENOMEM. */
int manager_load_run_error(Manager *m, const char *profile, const char *fmt, ...) _printf_(3, 4);
/* The last finished record (time 0 before the first). */
const LoadRecord *manager_last_load(const Manager *m);
const ProfileInfo *manager_find_info(const Manager *m, const char *name);

/* What the change hook is told changed: groups of the D-Bus properties (docs/dbus-api.md). */
typedef enum ManagerChange {
        MANAGER_CHANGE_LOADED = 1 << 0, /* the Manager: a start-up or reload; anything but the status values
                                         * of anything may differ, and profiles came or went */
        MANAGER_CHANGE_RUN = 1 << 1,    /* a profile: its state, reason, kdamond, restarts or targets */
        MANAGER_CHANGE_STATUS = 1 << 2, /* the Manager: its status values (read from the kernel) are due;
                                         * a profile: its status values changed. At most once per
                                         * StatusInterval= */
} ManagerChange;

/* Called with @profile NULL for the Manager's own changes, and once for each profile with a change. NULL
 * removes it. */
typedef void (*ManagerChangeHook)(Manager *m, const char *profile, unsigned changes, void *userdata);
void manager_set_change_hook(Manager *m, ManagerChangeHook hook, void *userdata);
/* Tells the change hook what changed after manager_start(), manager_reload() (@changes:
 * MANAGER_CHANGE_LOADED), every health tick and a profile stopped or started here (0): each profile's
 * changes (profile-changes.h), and the status values once StatusInterval= has passed. */
void manager_changed(Manager *m, unsigned changes);

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

/*
 * Validate: loads, validates and compiles for the probed kernel the @n files given as @names (file names,
 * "web.conf") and @contents, includes resolved by name in the configuration directories; with @n == 0
 * the installed configuration (damond.conf and every profile), as a reload would read it. Nothing runs and
 * no path a caller gave is read: a content with an Include= of a path is refused. Fills *ret_valid and
 * *ret_diagnostics (formatted as in LoadRecord, NULL-terminated). Returns 0, or
 *   -EINVAL  a file name is empty, has a '/', or does not end in ".conf", or a file is too large
 *            (*reterr says which);
 *   -ENOMEM.
 */
/* The argument checks of manager_validate(), alone: returns 0 or -EINVAL (*reterr says which file). */
int manager_validate_check(const char * const *names, const char * const *contents, size_t n, char **reterr);

int manager_validate(Manager *m, char * const *names, char * const *contents, size_t n, bool *ret_valid,
                     char ***ret_diagnostics, char **reterr);

/* Current CLOCK_REALTIME µs of a CLOCK_MONOTONIC time (for D-Bus times); 0 stays 0. */
uint64_t manager_monotonic_to_realtime(uint64_t monotonic_usec);
uint64_t manager_now_monotonic(void);
