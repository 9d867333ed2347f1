/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damond's ownership record: which kdamond indices it owns, for which profile, and
 * the kdamond pid of those it left running, in <root>/run/damond/kdamonds. sysfs has no owner tag, so
 * this record is the only thing that lets a restarted damond adopt its kdamonds instead of touching
 * someone else's. It is tied to the boot it was written in: after a reboot every kdamond is gone and the
 * record is void. Readers never trust it blindly (the manager drops indices that no longer exist and
 * kdamonds whose pid is not the recorded one).
 *
 * Format, one line each, written atomically (temporary file + rename):
 *   # a comment (first line only)
 *   boot_id BOOT-ID
 *   kdamond INDEX PID [PROFILE]          (PID -1: not running; no PROFILE: a spare)
 * PROFILE is the name with every byte outside [A-Za-z0-9_.-] written as \xNN, so no name can end a line
 * or add a field whatever it holds; a reader refuses any other byte. Anything else (an unknown or empty
 * line, a last line without its newline, an index twice) makes the record corrupt, never a shorter one.
 */

#include <stddef.h>
#include <sys/types.h>

#include "root.h"

#define STATE_FILE_DIR "run/damond"
#define STATE_FILE_PATH STATE_FILE_DIR "/kdamonds"
#define STATE_BOOT_ID_PATH "proc/sys/kernel/random/boot_id"

typedef struct StateEntry {
        unsigned index;
        pid_t pid;              /* -1: not running */
        char *profile;          /* NULL: a spare */
} StateEntry;

typedef struct StateRecord {
        StateEntry *entries;
        size_t n;
} StateRecord;

void state_record_done(StateRecord *r);
/* Copies @profile (may be NULL). Returns 0 or -ENOMEM. */
int state_record_add(StateRecord *r, unsigned index, pid_t pid, const char *profile);

/* The boot id below @root, "" if the file is missing (a fake root without it). */
int state_read_boot_id(const Root *root, char ret[64]);

/* Reads the record. Returns 1 and fills @ret when a record of this boot exists; 0 with @ret empty when
 * there is none or it is of another boot; -EBADMSG with @ret empty when it is corrupt (@ret_line, if not
 * NULL, is then the first line that is wrong, 1-based); another -errno when it cannot be read. */
int state_file_read(const Root *root, StateRecord *ret, unsigned *ret_line);

/* Replaces the record atomically, creating run/damond/ (0755) if needed. Returns 0 or -errno. */
int state_file_write(const Root *root, const StateRecord *r);
