/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What DAMON sees and what damond saved: pure arithmetic, no I/O, no logging.
 *
 * Access snapshots. A snapshot is DAMON's regions at one moment, in the kernel's units: addresses in
 * bytes, nr_accesses in samples per aggregation interval (at most aggr_us / sample_us), age in aggregation
 * intervals (how long the region has kept its access frequency). From one snapshot:
 *   - idle time of a region: 0 if it was accessed in the last aggregation interval (nr_accesses > 0), else
 *     age * aggr_us. This is DAMON_STAT's definition on 6.17 (6.18 reports accessed regions as negative
 *     -(age+1)*aggr; damond keeps 0 so that "idle" is never negative) and damo's.
 *   - working set over a window W: the bytes whose idle time is below W, i.e. accessed within the last W.
 *     W is never finer than one aggregation interval (the resolution of what DAMON saw), so the window
 *     actually used is max(W, aggr_us) and is returned with the size.
 *   - idle-time percentiles: sort the bytes by idle time; the p-th percentile is the idle time of the
 *     region in which the cumulated size first reaches p% of the total (DAMON_STAT's method, per byte,
 *     not per region).
 *   - estimated bandwidth of access events: sum(size * nr_accesses) * 1e6 / aggr_us, in "bytes per
 *     second" as DAMON_STAT reports it (sampled, so a relative figure, not a measured throughput).
 *
 * Snapshot history (AccessRing): a FIFO of snapshots with a ceiling in bytes (the region arrays plus the
 * headers); pushing beyond the ceiling drops the oldest. The ceiling is the whole memory cost.
 *
 * Savings accounting (SavingsSample, SavingsHistory): cumulative counters sampled at times; the deltas
 * over "since start", "last minute" and "last hour" come from a bounded history of one sample per 10 s.
 * Counters that go back (a kdamond restarted, a cgroup recreated) are taken as reset: the delta counts
 * from 0 (the value after the reset), never negative.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damon-model.h"
#include "damon-snapshot.h"
#include "macro.h"

uint64_t access_region_size(const AccessRegion *r);
/* 0 when accessed in the last aggregation interval, else age * aggr_us (saturating). */
uint64_t access_region_idle_usec(const AccessRegion *r, uint64_t aggr_us);

/* Total bytes of the snapshot's regions. */
uint64_t access_snapshot_total_bytes(const AccessSnapshot *s);
/* The working set: bytes accessed within the last @window_usec. @ret_window_usec (may be NULL) gets the
 * window actually used, max(@window_usec, aggr_us). -EINVAL if aggr_us is 0. */
int access_snapshot_wss(const AccessSnapshot *s, uint64_t window_usec, uint64_t *ret_bytes,
                        uint64_t *ret_window_usec);

/* The percentiles damond reports (p10 ... p99). */
#define ACCESS_N_PERCENTILES 7
extern const unsigned access_percentiles[ACCESS_N_PERCENTILES];       /* 10 25 50 75 90 95 99 */

/* Idle-time percentiles over bytes: for each of @pcts (0..100, any order) the idle time in µs. -EINVAL if
 * a percentile is above 100 or aggr_us is 0; -ENODATA if the snapshot holds no bytes; -ENOMEM. */
int access_snapshot_idle_percentiles(const AccessSnapshot *s, const unsigned *pcts, size_t n_pcts,
                                     uint64_t *ret_usec);

/* DAMON_STAT's estimated memory bandwidth, bytes per second (see above). 0 if aggr_us is 0. */
uint64_t access_snapshot_bandwidth(const AccessSnapshot *s);

/* Access frequency of a region in permyriad of the most a region can show: nr_accesses * sample_us /
 * aggr_us (10000 = accessed at every sample). */
uint64_t access_region_freq_bp(const AccessRegion *r, uint64_t sample_us, uint64_t aggr_us);

/* --- heat map: address x time --- */

/* Bins @n snapshots (oldest first) into @n_time rows (time) x @n_addr columns (address, from the lowest
 * start to the highest end over all snapshots). Each cell is the size-weighted mean access frequency in
 * permyriad (access_region_freq_bp) of the bytes it covers, or -1 where no snapshot covered it (gaps of a
 * virtual address space, rows with no snapshot). Rows split the time from the first to the last snapshot
 * evenly; a snapshot counts in the row its time falls in. @ret_cells gets n_time * n_addr values, row
 * major. @ret_addr_min/@ret_addr_max (may be NULL) the address range. -EINVAL for 0 rows or columns or
 * more than 4096 of either; -ENODATA with no regions at all; -ENOMEM. */
int access_heatmap(const AccessSnapshot *snaps, size_t n, size_t n_time, size_t n_addr, int32_t **ret_cells,
                   uint64_t *ret_addr_min, uint64_t *ret_addr_max);

/* --- bounded history of snapshots --- */

typedef struct AccessRing {
        AccessSnapshot *snaps;  /* circular */
        size_t cap, head, n;    /* head: index of the oldest */
        size_t bytes;           /* sum of access_snapshot_footprint() of what is held */
        size_t max_bytes;       /* the ceiling */
        uint64_t n_pushed, n_dropped;
} AccessRing;

/* A ring that never holds more than @max_bytes (and at most @max_snapshots snapshots, >= 1). -ENOMEM. */
int access_ring_init(AccessRing *r, size_t max_snapshots, size_t max_bytes);
void access_ring_done(AccessRing *r);
/* Takes ownership of @s (on success its fields are moved and @s is zeroed). Drops the oldest snapshots
 * until it fits. -E2BIG (and @s untouched) if @s alone exceeds the ceiling. */
int access_ring_push(AccessRing *r, AccessSnapshot *s);
size_t access_ring_size(const AccessRing *r);
/* @i from 0 (oldest) to size-1 (newest); NULL out of range. */
const AccessSnapshot *access_ring_get(const AccessRing *r, size_t i);
const AccessSnapshot *access_ring_newest(const AccessRing *r);

/* --- savings accounting --- */

/* Actions whose bytes damond counts separately; anything else counts as "other". */
typedef enum SavingsAction {
        SAVINGS_ACTION_PAGEOUT,
        SAVINGS_ACTION_COLD,            /* cold, lru_deprio */
        SAVINGS_ACTION_HOT,             /* willneed, lru_prio */
        SAVINGS_ACTION_MIGRATE,         /* migrate_hot, migrate_cold */
        SAVINGS_ACTION_HUGEPAGE,        /* hugepage, nohugepage */
        SAVINGS_ACTION_STAT,
        _SAVINGS_ACTION_MAX,
        _SAVINGS_ACTION_INVALID = -EINVAL,
} SavingsAction;

const char *savings_action_to_string(SavingsAction a);

typedef struct SavingsSample {
        uint64_t time_usec;                     /* CLOCK_MONOTONIC */
        /* cumulative counters */
        uint64_t applied_bytes[_SAVINGS_ACTION_MAX];  /* DAMOS stats sz_applied, summed per action */
        uint64_t refaults;                      /* workingset_refault_anon + _file (pages), of the cgroup or
                                                 * the machine */
        uint64_t swapins;                       /* pswpin (pages), of the cgroup where memory.stat has it,
                                                 * else the machine */
        uint64_t swapouts;                      /* pswpout (pages), the same way: what was paged out to swap
                                                 * by anyone (damond's pageout, kswapd, memory.reclaim) */
        uint64_t kdamond_cpu_usec;              /* utime + stime of the kdamond */
        uint64_t stall_usec;                    /* memory "some" PSI total of the cgroup or the machine */
        /* levels */
        uint64_t resident_bytes;                /* memory.current of the cgroup, or MemTotal - MemAvailable */
        uint64_t swap_bytes;                    /* memory.swap.current, or SwapTotal - SwapFree */
        uint64_t compressed_bytes;              /* zswap/zram, 0 when neither is in use */
        uint64_t page_size;
        bool has_refaults, has_swapins, has_swapouts, has_cpu, has_stall, has_resident, has_swap, has_compressed;
} SavingsSample;

typedef struct SavingsDelta {
        uint64_t duration_usec;
        uint64_t applied_bytes[_SAVINGS_ACTION_MAX];
        uint64_t refault_bytes;
        uint64_t swapin_bytes;
        uint64_t swapout_bytes;
        uint64_t kdamond_cpu_usec;
        uint64_t cpu_permyriad;                 /* kdamond CPU time over the duration, of one CPU */
        uint64_t stall_usec;
        int64_t resident_change_bytes;          /* now - then (negative: memory freed) */
        bool has_refaults, has_swapins, has_swapouts, has_cpu, has_stall, has_resident;
} SavingsDelta;

/* The savings class of a DAMOS action. */
SavingsAction savings_action_of(DamosAction a);

/* The delta from @then to @now (counter resets count from 0). -EINVAL if @now is older than @then. */
int savings_delta(const SavingsSample *then, const SavingsSample *now, SavingsDelta *ret);

/* One sample per 10 s for an hour, plus the first sample ever: a fixed size (about 50 KiB), so "the last
 * minute" spans 60 to 70 s and "the last hour" 60 min to 60 min 10 s (the delta states its duration). */
#define SAVINGS_HISTORY_STEP_USEC (10 * UINT64_C(1000000))
#define SAVINGS_HISTORY_SLOTS 361

typedef struct SavingsHistory {
        SavingsSample first;
        SavingsSample latest;
        SavingsSample slots[SAVINGS_HISTORY_SLOTS];     /* circular, one per step at most */
        size_t head, n;
        bool has_first;
} SavingsHistory;

void savings_history_init(SavingsHistory *h);
/* Records @s as the latest; keeps it in the history when the newest kept one is a step old.
 * -EINVAL if @s is older than the latest. */
int savings_history_add(SavingsHistory *h, const SavingsSample *s);
/* The delta since the first sample (-ENODATA before two samples). */
int savings_history_since_start(const SavingsHistory *h, SavingsDelta *ret);
/* The delta over the last @window_usec: from the newest kept sample at least @window_usec older than the
 * latest (or the oldest kept, when the history is shorter: the duration says how long it really is).
 * -ENODATA before two samples. */
int savings_history_window(const SavingsHistory *h, uint64_t window_usec, SavingsDelta *ret);
