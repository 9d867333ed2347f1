/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the Manager's own source files share (manager.c, the profile runner, the tuning loop, the tiers,
 * the status, metrics and observe); not a contract for others. */

#include <stdlib.h>
#include <time.h>

#include "kdamond-slots.h"
#include "load-record.h"
#include "manager-changes.h"
#include "manager-follow.h"
#include "manager.h"
#include "manager-tiers.h"
#include "manager-tune.h"
#include "memory-tiers.h"
#include "cgroup.h"
#include "config-load.h"

/* The time on @clock in µs; clock_gettime() cannot fail for these clocks. */
static inline uint64_t clock_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                abort();
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

struct Manager {
        Root *root;
        DamonIO *io;
        bool own_io;
        DamonIO *snapshot_io;           /* borrowed (ManagerOptions), NULL */
        DamonSysfs *sysfs;
        ProfileDirsBuf dirs;
        DamondConfig config;
        bool has_config;

        ManagedProfile **profiles;
        size_t n_profiles;
        Slot *slots;
        size_t n_slots;
        bool probed;

        /* load-record.h: the start-up or reload under way and the last one; manager-changes.h: the hook */
        LoadRecord load_next;
        LoadRecord last_load;
        ManagerChangeHook change_hook;
        void *change_userdata;
        uint64_t status_announced_usec; /* CLOCK_MONOTONIC; 0: never */
        /* bus.h: the D-Bus service while one is attached (not owned: bus_detach() frees it) */
        struct Bus *bus;

        sd_event *event;
        sd_event_source *health_source;
        char *last_status;

        /* manager-follow.h: following processes by name, cgroup or unit */
        ManagerFollow *follow;

        /* The tuning loop (manager-tune.c): PSI triggers of the pressures that guard running profiles,
         * and the taskstats socket of vaddr profiles' delays (opened on first use). */
        struct TuneTrigger **tune_triggers;
        size_t n_tune_triggers;
        struct Taskstats *taskstats;
        bool taskstats_failed;

        /* manager-tiers.c: the memory tiers the profiles were compiled for (NULL: not readable) */
        MemoryTopology *tiers;
        bool tiers_failed;
        uint64_t tiers_next_check_usec;

        /* observe.c: the snapshot worker, NULL until the first health tick */
        struct ManagerObserve *observe;
};



/* manager.c */
