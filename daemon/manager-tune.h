/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The tuning loop (docs/tuning.md): for every running profile, per scheme, once per quota
 * reset interval, damond measures the goals it serves (user_input feeds on 6.8+, its own size quota on
 * kernels without quota goals) and the pressure that guards the scheme, runs the tuner (tuner.h), and
 * writes only what changed: goal current values with commit_schemes_quota_goals, or the size quota with
 * an online commit of the applied spec. A PSI trigger on the guarding pressure file (BackoffPressure= in
 * BackoffWindow=, damond.conf) cuts every guarded scheme at once, between ticks.
 *
 * What damond has the kernel apply is always p->applied: each decision writes its values into p->tuning
 * (profile-runner.h), which the profile runner lays over every spec it builds for the profile, so that
 * reloads of other settings, followed processes and deferred commits keep them.
 *
 * Everything here blocks on DAMON sysfs I/O like the rest of the Manager; nothing returns an error for a
 * measurement or a write that failed (logged, tried again next window); <0 is -ENOMEM.
 */

#include <stdint.h>

#include "manager.h"

/* At most one tuning line per scheme in this time, unless its state changes (back-off and pause are
 * always logged). */
#define MANAGER_TUNE_LOG_INTERVAL_USEC (10 * USEC_PER_SEC)

typedef struct ProfileTuner ProfileTuner;
ProfileTuner *profile_tuner_free(ProfileTuner *t);

/* Sets up (or, after a reload changed the profile, sets up again) the tuning state and p->tune of every
 * running profile. Called after start-up and reloads; the tick does it too. */
int manager_tune_sync(Manager *m, uint64_t now_usec);

/* The health tick's part for one running profile: the pressure status, the windows that ended, the
 * commits. */
int manager_tune_tick(Manager *m, ManagedProfile *p, uint64_t now_usec);

/* A PSI trigger fired on @cgroup's memory.pressure (NULL: the system's): every guarded scheme of every
 * running profile guarded by that pressure is cut now (tuner_pressure_event()) and committed. Returns the
 * number of schemes cut, or -ENOMEM. */
int manager_tune_pressure_event(Manager *m, const char *cgroup, uint64_t now_usec);

/* Opens (or closes) the PSI triggers the running profiles need, as event sources of the Manager's loop.
 * Called after start-up and after every reload. Failures are logged once: the guard then acts at the
 * next window instead. */
int manager_tune_triggers_setup(Manager *m);
void manager_tune_triggers_free(Manager *m);

/* Whether scheme @i of @p's compiled version must not run: it changes memory and the tuner refuses its
 * goals or guard. For the spec built before the tuning loop has values for that version (a start). */
bool manager_tune_kept_paused(Manager *m, const ManagedProfile *p, size_t i);

/* For STATUS=: "backed off" or "paused" when a scheme of @p is, else NULL. */
const char *manager_tune_summary(const ManagedProfile *p);
