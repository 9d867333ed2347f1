/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "profile-kernels.h"

/* The mainline release that brought each feature (include/damon-features.h), for messages. */
static const struct {
        unsigned major, minor;
        const char *description;
} features[_DAMON_FEATURE_MAX] = {
        [DAMON_FEATURE_SYSFS]            = { 5, 18, "the DAMON sysfs interface" },
        [DAMON_FEATURE_COMMIT]           = { 5, 19, "online commit" },
        [DAMON_FEATURE_FVADDR]           = { 5, 19, "the fvaddr operations set" },
        [DAMON_FEATURE_LRU_ACTIONS]      = { 6, 0, "the LRU sorting actions" },
        [DAMON_FEATURE_TRIED_REGIONS]    = { 6, 2, "tried regions" },
        [DAMON_FEATURE_FILTERS]          = { 6, 3, "DAMOS filters" },
        [DAMON_FEATURE_TRIED_BYTES]      = { 6, 6, "address and target filters" },
        [DAMON_FEATURE_APPLY_INTERVAL]   = { 6, 7, "per-scheme apply intervals" },
        [DAMON_FEATURE_QUOTA_GOALS]      = { 6, 8, "quota goals" },
        [DAMON_FEATURE_GOAL_METRICS]     = { 6, 9, "quota goal metrics" },
        [DAMON_FEATURE_YOUNG_FILTER]     = { 6, 10, "the young page filter" },
        [DAMON_FEATURE_MIGRATE]          = { 6, 11, "the migration actions" },
        [DAMON_FEATURE_FILTER_ALLOW]     = { 6, 14, "allow filters" },
        [DAMON_FEATURE_CORE_OPS_FILTERS] = { 6, 15, "core and ops filter sets" },
        [DAMON_FEATURE_INTERVALS_GOAL]   = { 6, 15, "monitoring intervals auto-tuning" },
        [DAMON_FEATURE_NODE_MEM_GOALS]   = { 6, 16, "node memory goals" },
        [DAMON_FEATURE_DESTS]            = { 6, 17, "multiple migration destinations" },
        [DAMON_FEATURE_REFRESH_MS]       = { 6, 17, "kernel-side status refresh" },
        [DAMON_FEATURE_ADDR_UNIT]        = { 6, 18, "the address unit" },
        [DAMON_FEATURE_MEMCG_GOALS]      = { 6, 19, "memcg goals" },
        [DAMON_FEATURE_OBSOLETE_TARGET]  = { 6, 19, "obsolete targets" },
        [DAMON_FEATURE_SNAPSHOTS]        = { 7, 0, "snapshot limits and LRU ratio goals" },
        [DAMON_FEATURE_GOAL_TUNER]       = { 7, 1, "goal tuner selection" },
};

const char * const profile_kernel_generations[] = { "5.18", "6.1", "6.12", "6.18", NULL };

void profile_feature_since(DamonFeature f, unsigned *ret_major, unsigned *ret_minor) {
        *ret_major = features[f].major;
        *ret_minor = features[f].minor;
}

const char *profile_feature_description(DamonFeature f) {
        if ((int) f < 0 || f >= _DAMON_FEATURE_MAX)
                return NULL;
        return features[f].description;
}

int profile_kernel_features(const char *generation, DamonFeatures *ret) {
        unsigned major, minor;

        if (!generation || sscanf(generation, "%u.%u", &major, &minor) != 2)
                return -EINVAL;
        if (!((major == 5 && minor == 18) || (major == 6 && (minor == 1 || minor == 12 || minor == 18))))
                return -EINVAL;

        *ret = (DamonFeatures) { .version_major = major, .version_minor = minor };
        for (int f = 0; f < _DAMON_FEATURE_MAX; f++)
                if (features[f].major < major || (features[f].major == major && features[f].minor <= minor))
                        ret->mask |= DAMON_FEATURE_BIT(f);
        ret->ops_mask = 1u << DAMON_OPS_VADDR | 1u << DAMON_OPS_PADDR;
        if (ret->mask & DAMON_FEATURE_BIT(DAMON_FEATURE_FVADDR))
                ret->ops_mask |= 1u << DAMON_OPS_FVADDR;
        ret->modules_mask = 1u << DAMON_MODULE_RECLAIM;
        if (major >= 6)
                ret->modules_mask |= 1u << DAMON_MODULE_LRU_SORT;
        if (major > 6 || (major == 6 && minor >= 17))
                ret->modules_mask |= 1u << DAMON_MODULE_STAT;
        return 0;
}
