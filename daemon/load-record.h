/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The record of a start-up or reload: every profile file found, valid or not, and every diagnostic, so
 * that status shows a profile with errors that never ran and what is wrong with it, and so that callers
 * who are not root see nothing of a file they may not read. The Manager keeps the one under way and the
 * last finished one (manager_last_load(), manager.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "profile-diag.h"
#include "profile.h"

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
/* What could not be applied although the files are valid: a diagnostic "profile 'PROFILE': WHAT" that
 * everyone may see (it must hold nothing of a file), said once however often it is added; the record is
 * then not valid. 0 or -ENOMEM. */
int load_record_run_error(LoadRecord *r, const char *profile, const char *what);
/* Dates @r (CLOCK_REALTIME µs), says whether it is valid and summarises it. 0, or -ENOMEM (then @r is
 * emptied). */
int load_record_finish(LoadRecord *r, uint64_t realtime_usec);
/* The profile @name as @r found it, or NULL. */
const ProfileInfo *load_record_find(const LoadRecord *r, const char *name);

/* Appends each diagnostic of @d to @l as LoadRecord.diagnostics holds them. 0 or -ENOMEM. */
int diagnostics_append(char ***l, const DiagList *d);
