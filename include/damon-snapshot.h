/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Snapshots of DAMON's regions without blocking the caller.
 *
 * What a snapshot is: the tried regions of one scheme (update_schemes_tried_regions, 6.2+). For a "stat"
 * scheme whose access pattern matches everything (no quota, no filters, no watermarks:
 * damon_snapshot_scheme_index()) the tried regions are all of DAMON's regions with their nr_accesses and
 * age: what damo calls a snapshot. On 6.1 and older there are no tried regions, and the only other way to
 * read the regions is the damon:damon_aggregated tracepoint (tracefs, root, a per-aggregation stream):
 * damond does not take snapshots there (-EOPNOTSUPP).
 *
 * Why a thread: the kernel answers update_schemes_tried_regions only after the scheme's next apply
 * interval (one aggregation interval by default; kernels before 6.14 also poll every 100 ms), so the
 * write blocks its thread for 0.1 s to, with auto-tuned intervals, minutes. The request goes to a worker
 * thread with a DamonIO of its own; the caller learns of the result when the eventfd
 * (damon_snapshotter_fd()) becomes readable, and collects it with damon_snapshotter_collect(). One
 * request at a time.
 *
 * While a request is in flight the kernel keeps DAMON busy for everyone: before 6.14 its single command
 * slot is taken (other state commands get EBUSY), from 6.14 its damon_sysfs_lock is held (nr_*, state
 * and pid accesses get EBUSY). damon_snapshotter_busy_flag() is the flag to hand to
 * damon_io_set_busy_flag() of the caller's DamonIO, so that its EBUSY is returned at once instead of
 * being retried for 1.3 s.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damon-features.h"
#include "damon-io.h"
#include "damon-model.h"

/* A snapshot: DAMON's regions at one moment, in the kernel's units (access-stats.h computes from them). */
typedef struct AccessRegion {
        uint64_t start, end;    /* bytes, [start, end) */
        uint32_t nr_accesses;   /* samples per aggregation interval */
        uint32_t age;           /* aggregation intervals */
} AccessRegion;

typedef struct AccessSnapshot {
        uint64_t time_usec;     /* CLOCK_REALTIME when it was read */
        uint64_t sample_us, aggr_us;
        AccessRegion *regions;  /* sorted by start, not overlapping (as the kernel gives them) */
        size_t n_regions;
} AccessSnapshot;

void access_snapshot_done(AccessSnapshot *s);
/* Deep copy. -ENOMEM. */
int access_snapshot_copy(const AccessSnapshot *s, AccessSnapshot *ret);
/* The bytes a snapshot takes in memory (header and regions): what the ring charges for it. */
size_t access_snapshot_footprint(const AccessSnapshot *s);

/* A snapshot with more regions than this is refused (-E2BIG): DAMON's max_nr_regions is the real bound,
 * this one protects damond's memory from a kernel bug. */
#define DAMON_SNAPSHOT_MAX_REGIONS 65536

/* The index of a scheme of @spec whose tried regions are a snapshot of all regions: action stat, access
 * pattern covering everything, no quota, no goals, no filters, no watermarks. -ENOENT if none. */
int damon_snapshot_scheme_index(const DamonSpec *spec);

/* Appends such a scheme to @spec. Returns its index, or -ENOMEM. */
int damon_snapshot_add_scheme(DamonSpec *spec);

/* The blocking form, for the worker and for tools: fills tried_regions of running kdamond @index (which
 * the caller owns: it writes state), reads scheme @scheme's regions and the kdamond's intervals into
 * @ret (time_usec: CLOCK_REALTIME after the read). @duration_usec (may be NULL) gets how long the state
 * command blocked. -EOPNOTSUPP without tried regions (6.1), -ESRCH when the kdamond is not running,
 * -ECANCELED when every scheme is off by its watermarks, -ENODATA when the kernel answered with no region
 * (its update timed out before the scheme was applied), -ETIME without asking when, from 6.14, the kernel
 * would hold DAMON's sysfs lock for longer than DAMON_SNAPSHOT_MAX_HOLD_USEC to answer (up to two of the
 * kdamond's longest apply intervals: slow auto-tuned intervals). */
#define DAMON_SNAPSHOT_MAX_HOLD_USEC UINT64_C(2000000)     /* 2 s */
int damon_snapshot_read(DamonIO *io, const DamonFeatures *f, unsigned index, size_t scheme,
                        AccessSnapshot *ret, uint64_t *ret_command_usec);

typedef struct DamonSnapshotter DamonSnapshotter;

/* Starts the worker thread. @io is the worker's own DamonIO (not the caller's: the worker holds its lock
 * for as long as the kernel makes the command wait); @f is copied. */
int damon_snapshotter_new(DamonIO *io, const DamonFeatures *f, DamonSnapshotter **ret);
/* Waits for a request in flight to end (at most one apply interval), then stops the thread. */
DamonSnapshotter *damon_snapshotter_free(DamonSnapshotter *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(DamonSnapshotter *, damon_snapshotter_free);

/* Readable (EPOLLIN) when a result is ready. */
int damon_snapshotter_fd(const DamonSnapshotter *s);
/* True while a request is in flight. */
const atomic_bool *damon_snapshotter_busy_flag(const DamonSnapshotter *s);
bool damon_snapshotter_busy(const DamonSnapshotter *s);

/* Waits until the request in flight, if any, has ended (its result then waits to be collected), for at
 * most @timeout_usec: for a caller that must write DAMON's state files itself now, which the kernel
 * refuses while the request's command holds them. 0, or -ETIMEDOUT if it is still in flight. */
int damon_snapshotter_wait(DamonSnapshotter *s, uint64_t timeout_usec);

/* Queues a snapshot of scheme @scheme of kdamond @index; @cookie comes back with the result.
 * -EBUSY if a request is in flight or its result has not been collected. */
int damon_snapshotter_request(DamonSnapshotter *s, unsigned index, size_t scheme, uint64_t cookie);

typedef struct DamonSnapshotResult {
        uint64_t cookie;
        unsigned index;
        size_t scheme;
        int error;                      /* 0 or -errno of damon_snapshot_read() */
        uint64_t command_usec;          /* how long the state command blocked the worker */
        AccessSnapshot snapshot;        /* owned by the caller after collect */
} DamonSnapshotResult;

/* Takes the result (and drains the eventfd). -EAGAIN if none is ready. */
int damon_snapshotter_collect(DamonSnapshotter *s, DamonSnapshotResult *ret);
