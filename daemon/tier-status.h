/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Per memory tier, what a profile with Nodes=auto does there (the Tiers property, docs/dbus-api.md):
 * the tier's nodes, the bytes its migration schemes promoted and demoted into and out of it since the
 * kdamond started (DAMOS' sz_applied: bytes the kernel migrated or tried to, as the kernel counts them),
 * and its free memory now against the free memory the demotion goal keeps.
 *
 * Ownership: tier_status_build() returns an array the caller frees with free().
 */

#include <stddef.h>
#include <stdint.h>

#include "memory-tiers.h"
#include "meminfo.h"
#include "profile-compile.h"
#include "tune-status.h"

typedef struct TierStatus {
        unsigned id;                    /* N of memory_tier<N>; lower is faster */
        unsigned nodes[MEMORY_NODES_MAX];
        size_t n_nodes;
        uint64_t promoted_in;           /* bytes promoted into this tier from the next slower one;
                                         * TUNE_UNKNOWN: no scheme does that */
        uint64_t promoted_out;          /* bytes promoted out of it to the next faster one */
        uint64_t demoted_in;            /* bytes demoted into it from the next faster one */
        uint64_t demoted_out;           /* bytes demoted out of it to the next slower one */
        uint64_t free_bytes;            /* MemFree summed over its nodes now; TUNE_UNKNOWN: not read */
        uint64_t total_bytes;           /* MemTotal likewise */
        uint64_t free_target_bp;        /* free memory the demotion goal keeps on each of its nodes, in
                                         * hundredths of a percent; 0: none (nothing is demoted from it) */
} TierStatus;

/*
 * The tiers of @c's tiering (the topology the profile was compiled for), with the statistics
 * of @tune (the tuning loop's per-scheme status in spec order; may have no schemes yet) and the nodes'
 * memory from @node_mem (by index into the topology's nodes; NULL, or an entry with total 0: not read).
 * Returns the number of tiers (0 without Nodes=auto or without a topology) and a new array in *ret
 * (NULL for 0), or -ENOMEM.
 */
int tier_status_build(const CompiledProfile *c, const ProfileTuneStatus *tune, const MemInfo *node_mem,
                      TierStatus **ret);
