/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The kdamonds the Manager owns, its slots (manager.c): which profile runs, or will run, on which
 * kdamond, and which ones a previous run of damond recorded. The profile runner (profile-runner.h) takes
 * a free one to start a profile, is given a recorded one to adopt, and gives its slot back when the
 * profile stops.
 */

#include <stddef.h>
#include <sys/types.h>

#include "damon-sysfs.h"
#include "profile-runner.h"

/* One owned kdamond. */
typedef struct Slot {
        unsigned index;
        ManagedProfile *user;           /* the profile that runs (or will run) on it; NULL: free */
        char *recorded_profile;         /* from the record of a previous run, until start-up matched it */
        pid_t recorded_pid;             /* ... and the pid it ran with, -1 */
} Slot;

/* A slot no profile uses and no record claims, or NULL. */
Slot *slot_free_one(Manager *m);
/* Frees the slot of @p, if it has one (p->kdamond becomes -1). */
void slot_release(Manager *m, ManagedProfile *p);
/* Creates kdamonds so that @needed more are free (plus spares, up to MaxKdamonds=). Only possible while
 * no kdamond runs at all: 0, or -EBUSY/-ENOSPC with @reterr saying why. */
int slots_grow(Manager *m, size_t needed, DamonError *reterr);
