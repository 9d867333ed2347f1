/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compiling a validated Profile into the kernel model (DamonSpec) for a set of kernel features
 * (probed by file presence, never by version). Every setting the kernel lacks is either
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
#include "memory-tiers.h"
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
        char *unit;             /* Unit=: measured on this unit's current cgroup (NULL: @cgroup) */
} ProfileFeed;

/* What a scheme compiled from a migration scheme under [Target] Nodes=auto does: it moves memory of one
 * node (from) to another (to), between adjacent tiers. */
typedef enum ProfileTierRole {
        PROFILE_TIER_NONE,              /* not a tiering scheme */
        PROFILE_TIER_PROMOTE,           /* migrate_hot from a slower tier's node to a faster tier's */
        PROFILE_TIER_DEMOTE,            /* migrate_cold from a faster tier's node to a slower tier's */
        _PROFILE_TIER_ROLE_MAX,
        _PROFILE_TIER_ROLE_INVALID = -EINVAL,
} ProfileTierRole;

const char *profile_tier_role_to_string(ProfileTierRole r);     /* "promote", "demote" */

typedef struct ProfileTierScheme {
        int role;                       /* ProfileTierRole */
        unsigned from_node, to_node;
        size_t from_tier, to_tier;      /* indices into ProfileTiering's tiers, 0 the fastest */
} ProfileTierScheme;

/* Longest tier node list kept ("0-3,8"), with its NUL */
#define PROFILE_TIER_NODES_MAX 64

/*
 * [Target] Nodes=auto, compiled against the machine's memory tiers (memory-tiers.h). For each pair of
 * adjacent tiers and each node of the faster one, every migrate_cold scheme becomes a scheme that
 * demotes that node's cold memory (address filters keep it to the node's ranges) to the nearest node of
 * the slower tier; for each node of the slower one, every migrate_hot scheme becomes one that promotes
 * its hot memory to the nearest node of the faster tier. Their node goals (node_mem_*) are set to the
 * faster node. The target regions are the memory of every tiered node.
 */
typedef struct ProfileTiering {
        bool automatic;                 /* the profile has Nodes=auto */
        char *off;                      /* why no tiering scheme runs (one tier; no migration actions in
                                         * this kernel; node ranges unknown), NULL when they run */
        MemoryTopology *topology;       /* what it was compiled for (a copy), NULL when none was given */
        uint64_t free_target_bp;        /* the faster nodes' free memory the demotion goal keeps (bp of
                                         * the node's memory); 0: no such goal */
        ProfileTierScheme *schemes;     /* by spec scheme: spec.n_schemes of them (NULL without auto) */
} ProfileTiering;

/*
 * Nodes=auto: the targets of the node goals, as the faster node's watermarks (memory-tiers.h) allow.
 * Promotion allocates on the faster node without reclaim: below the node's low watermark it fails and
 * wakes kswapd, so a fill (node_mem_used_bp) target is capped below the high watermark. Demotion makes
 * the room promotion needs: a free (node_mem_free_bp) target counts above the node's promotion
 * watermark, the free memory the kernel's own NUMA balancing keeps to admit promotions. Both in bp of
 * the node's memory; a node whose watermarks are not known keeps the target as configured.
 */
uint64_t profile_tier_free_target(const MemoryNode *n, uint64_t target_bp);
uint64_t profile_tier_fill_target(const MemoryNode *n, uint64_t target_bp);

/* PressureCeiling='s default ("200ms", profile-keys.c), in µs of stall per second */
#define PROFILE_PRESSURE_CEILING_DEFAULT_USEC UINT64_C(200000)

typedef struct CompiledProfile {
        char *name;
        bool enabled;
        bool nothing_to_tier;   /* enabled is false only because Nodes=auto left no scheme (tiering.off) */
        DamonSpec spec;
        bool regions_auto;      /* paddr: damond fills the target with every System RAM range at start */
        char **process_names;   /* vaddr: targets damond resolves to pids and follows; NULL-terminated */
        char **cgroups;
        char **units;           /* Unit=: systemd units whose current cgroup damond follows */
        size_t max_followed;    /* MaxProcesses=: the most processes of process_names and cgroups
                                 * monitored at once */
        ProfileFeed *feeds;
        size_t n_feeds;
        uint64_t pressure_ceiling_usec; /* [Profile] PressureCeiling=, stall µs per second; 0: none */
        char **scheme_names;    /* [Scheme NAME] of each spec.schemes[i], spec.n_schemes of them plus a
                                 * terminating NULL (schemes left out by Unsupported=skip have none) */
        bool ages_follow_tuning;/* intervals auto-tuning is on: age thresholds were converted with the
                                 * configured aggregation interval and must be re-derived when it changes */
        ProfileTiering tiering;
} CompiledProfile;

/* Fills @ret (always initialised, even on errors) and appends notes and errors to @diags. Returns 0 or
 * -ENOMEM; the compiled spec is only usable when no error was added. */
int profile_compile(const Profile *p, const DamonFeatures *features, CompiledProfile *ret, DiagList *diags);
/* The same for a machine whose memory tiers are @topology (may be NULL: not known; a profile with
 * Nodes=auto is then refused). With Nodes=auto and nothing to tier (one tier, a kernel without the
 * migration actions), the migration schemes are left out with a note; when no scheme is left at all
 * the profile compiles disabled (enabled = false) and tiering.off says why. */
int profile_compile_tiered(const Profile *p, const DamonFeatures *features, const MemoryTopology *topology,
                           CompiledProfile *ret, DiagList *diags);
void compiled_profile_done(CompiledProfile *c);

/* Writes a readable listing of @c: one "sysfs-path value" line per file of the spec's image
 * (damon-image.h) that the kernel described by @features has, in the order the sysfs driver stages them
 * (paths relative to kdamonds/K/), then what damond serves itself (followed processes, fed goals,
 * tiering). Returns 0, -ENOMEM, or -EIO when writing to @out failed. */
int compiled_profile_dump(const CompiledProfile *c, const DamonFeatures *features, FILE *out);
