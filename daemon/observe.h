/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What DAMON sees and what damond saves, per profile: access snapshots, the working set, idle-time
 * percentiles and savings accounting (access-stats.h does the arithmetic; this file schedules and keeps).
 *
 * Snapshots: every SnapshotInterval= (damond.conf), each running profile whose applied spec has a stat
 * scheme that matches all memory (damon_snapshot_scheme_index()) gets a snapshot taken by the snapshot
 * worker (damon-snapshot.h), one profile at a time, round robin. The event loop never waits for the
 * kernel: the request is queued, the worker's eventfd wakes the loop, manager_observe_collect() takes the
 * result into the profile's AccessRing, whose ceiling is SnapshotHistoryMax=. While the worker's command
 * is pending, the manager's DamonIO answers the kernel's EBUSY with -EAGAIN at once (a deferral), never
 * with the 1.3 s back-off. Kernels without tried regions (before 6.2) have no snapshots: the profile
 * says why (ProfileObserve.unavailable).
 *
 * Savings: every StatusInterval= a SavingsSample per running profile: sz_applied per action class from
 * the stats the status refresh read, refaults, swap-ins, resident, swap and compressed memory of the
 * profile's cgroup (its only CGroup= target) or of the machine, the kdamond's CPU time, and the "some"
 * memory stall (PSI total) of the same cgroup or machine. The first sample is the baseline.
 *
 * Journal: once an hour per profile, "saved X, refaulted Y, cost Z% CPU" over that hour.
 */

#include <stdbool.h>
#include <stdint.h>

#include "access-stats.h"
#include "manager.h"

/* The working set damond reports: bytes accessed within this window (never finer than one aggregation
 * interval, access_snapshot_wss()). */
#define OBSERVE_WSS_WINDOW_USEC (10 * USEC_PER_SEC)
/* At most this many snapshots per profile, whatever SnapshotHistoryMax= allows (an hour at 1 s). */
#define OBSERVE_RING_MAX_SNAPSHOTS 3600
#define OBSERVE_SNAPSHOT_DEFAULT_USEC (30 * USEC_PER_SEC)
#define OBSERVE_HISTORY_DEFAULT_BYTES (4 * UINT64_C(1024) * 1024)
#define OBSERVE_JOURNAL_USEC (3600 * USEC_PER_SEC)

typedef struct ProfileObserve {
        AccessRing ring;
        size_t ring_max_bytes;          /* what the ring was made with */
        uint64_t next_snapshot_usec;    /* CLOCK_MONOTONIC */
        uint64_t next_cookie_pending;   /* the request in flight for this profile, 0: none */
        uint64_t n_snapshots;           /* taken (collected successfully) */
        uint64_t n_failed;
        int last_error;                 /* of the last attempt, 0 or -errno */
        uint64_t last_command_usec;     /* how long the worker's state command blocked (not the loop) */
        uint64_t max_command_usec;
        const char *unavailable;        /* why this profile has no snapshots (static string), or NULL */

        SavingsHistory savings;
        uint64_t next_sample_usec;      /* CLOCK_MONOTONIC */
        char *cgroup;                   /* what the counters are of: a cgroup path, NULL the machine */
        bool swap_counts_machine_wide;
        uint64_t next_journal_usec;
} ProfileObserve;

ProfileObserve *profile_observe_free(ProfileObserve *o);

/* Starts the snapshot worker (with a DamonIO of its own below the manager's root, or the manager's when
 * tests handed one in) and hands its busy flag to the manager's DamonIO. Called by manager_start() once
 * the kernel is probed; a kernel without tried regions gets no worker. 0 or -errno (-ENOMEM). */
int manager_observe_setup(Manager *m);
/* Stops the worker (waits for a pending command) and unsets the busy flag. */
void manager_observe_done(Manager *m);
/* Waits (blocking, at most @timeout_usec) until the worker's command in flight, if any, has ended: the
 * kernel refuses our own state writes while it holds DAMON busy, and a stop cannot be deferred as a
 * commit can. The result stays to be collected. 0 (also without a worker), or -ETIMEDOUT. */
int manager_observe_wait_idle(Manager *m, uint64_t timeout_usec);
/* The worker's eventfd (readable when a result is ready), or -EBADF without a worker. */
int manager_observe_fd(const Manager *m);

/* Per health tick: samples savings of profiles that are due, queues the next snapshot that is due,
 * writes the hourly journal lines. Never waits for the kernel. 0 or -ENOMEM. */
int manager_observe_tick(Manager *m, uint64_t now_usec);
/* Takes a finished snapshot into its profile's ring. 1 if one was collected, 0 if none was ready. */
int manager_observe_collect(Manager *m, uint64_t now_usec);

uint64_t manager_snapshot_interval(const Manager *m);
size_t manager_snapshot_history_max(const Manager *m);

/* What status shows, computed from the newest snapshot: working set over OBSERVE_WSS_WINDOW_USEC (the
 * window actually used in @ret_window_usec), idle percentiles (access_percentiles), total bytes.
 * -ENODATA without a snapshot. */
typedef struct ObserveAccess {
        uint64_t time_usec;             /* CLOCK_REALTIME of the snapshot */
        uint64_t wss_bytes, wss_window_usec;
        uint64_t total_bytes;
        uint64_t idle_usec[ACCESS_N_PERCENTILES];
        uint64_t bandwidth;             /* access_snapshot_bandwidth() */
        size_t n_regions;
} ObserveAccess;
int profile_observe_access(const ManagedProfile *p, ObserveAccess *ret);
