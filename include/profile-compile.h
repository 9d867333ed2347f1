/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compiling a validated Profile into the kernel model (DamonSpec) for a set of kernel features
 * (design decision 3). Every setting the kernel lacks is either
 *   - emulated in user space, with a DIAG_NOTE that says how ("needs quota goal metrics (Linux 6.9),
 *     which this kernel lacks; emulated: ..."), or
 *   - refused, with a DIAG_ERROR naming the missing feature and the version that brings it; with
 *     [Profile] Unsupported=skip the scheme is dropped (or a monitoring knob falls back to the kernel
 *     default) and a DIAG_NOTE says so instead.
 * Nothing here touches the kernel.
 */

#include <stdio.h>
#include <sys/types.h>

#include "damon-features.h"
#include "damon-model.h"
#include "profile.h"

/* A quota goal damond serves from user space: a metric the kernel cannot measure (damond's own signals,
 * or a kernel metric this kernel lacks), fed every quota reset interval. */
typedef struct ProfileFeed {
        size_t scheme;          /* index into spec.schemes */
        ssize_t goal;           /* index into that scheme's quota goals (a user_input goal whose
                                 * current_value damond writes), or -1: the kernel has no quota goals
                                 * and damond tunes quotas/bytes itself */
        int metric;             /* what damond measures: DamosGoalMetric or ProfileGoalMetric */
        uint64_t target;        /* in the metric's unit: bp, µs per reset interval, bytes, or a number */
        bool target_of_limit;   /* cgroup_mem_usage: @target is in bp of memory.high (or memory.max) */
        uint64_t node;
        char *cgroup;
} ProfileFeed;

/* PressureCeiling='s default ("200ms", profile-keys.c), in µs of stall per second */
#define PROFILE_PRESSURE_CEILING_DEFAULT_USEC UINT64_C(200000)

typedef struct CompiledProfile {
        char *name;
        bool enabled;
        DamonSpec spec;
        bool regions_auto;      /* paddr: damond fills the target with every System RAM range at start */
        char **process_names;   /* vaddr: targets damond resolves to pids and follows; NULL-terminated */
        char **cgroups;
        ProfileFeed *feeds;
        size_t n_feeds;
        uint64_t pressure_ceiling_usec; /* [Profile] PressureCeiling=, stall µs per second; 0: none */
        char **scheme_names;    /* [Scheme NAME] of each spec.schemes[i], spec.n_schemes of them plus a
                                 * terminating NULL (schemes left out by Unsupported=skip have none) */
        bool ages_follow_tuning;/* intervals auto-tuning is on: age thresholds were converted with the
                                 * configured aggregation interval and must be re-derived when it changes */
} CompiledProfile;

/* Fills @ret (always initialised, even on errors) and appends notes and errors to @diags. Returns 0 or
 * -ENOMEM; the compiled spec is only usable when no error was added. */
int profile_compile(const Profile *p, const DamonFeatures *features, CompiledProfile *ret, DiagList *diags);
void compiled_profile_done(CompiledProfile *c);

/* Writes a readable listing of @c: one "sysfs-path value" line per file the kernel described by
 * @features has (paths relative to kdamonds/K/ and its context), then what damond serves itself. */
int compiled_profile_dump(const CompiledProfile *c, const DamonFeatures *features, FILE *out);
