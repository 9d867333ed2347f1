/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The special-purpose DAMON modules (DAMON_RECLAIM, DAMON_LRU_SORT, DAMON_STAT), read through their
 * module parameters, "sys/module/damon_<name>/parameters/<param>" below the DamonIO's root
 * (docs/damon-abi.md, fact 6 and section 5). damond never writes them: it needs to know whether one holds
 * DAMON (the kernel then refuses every sysfs kdamond with EBUSY, and enabling a module fails while a sysfs
 * kdamond runs), and what DAMON_STAT publishes for the machine. Everything is probed by file presence.
 *
 * Every call blocks the calling thread on small sysfs reads (see damon-io.h for the EBUSY retries) and
 * writes nothing. Nothing here logs. Errors (besides those of the DamonIO): -EINVAL for a bad argument,
 * -EBADMSG when the kernel printed a value that does not parse.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damon-features.h"
#include "damon-io.h"

#define DAMON_MODULES_DIR "sys/module"

/* DAMON_STAT's memory_idle_ms_percentiles: p0..p100 */
#define DAMON_STAT_N_PERCENTILES 101

/* Parses memory_idle_ms_percentiles: exactly 101 comma-separated integers in ms (negative from 6.18:
 * regions that were accessed). -EINVAL otherwise. */
int damon_stat_parse_percentiles(const char *s, int64_t ret[DAMON_STAT_N_PERCENTILES]);

typedef struct DamonModuleState {
        bool present;           /* the module exists on this kernel */
        bool enabled;           /* parameters/enabled reads Y */
        bool has_kdamond_pid;   /* damon_stat has none */
        int64_t kdamond_pid;    /* -1 when not running or !has_kdamond_pid */
} DamonModuleState;

/* The module's state; a module that does not exist gives 0 and present = false. */
int damon_module_read_state(DamonIO *io, DamonModule m, DamonModuleState *ret);
/* The pid of @m's kdamond (@s from damon_module_read_state()): its kdamond_pid parameter where the
 * kernel has one (damon_stat only from 7.2), else, while @m is enabled, the kernel thread named
 * "kdamond.N" below proc/ (an enabled module holds DAMON exclusively, so any kdamond is its own).
 * 1 and *ret_pid, or 0 and -1 when it runs none or none was found. Only reads. */
int damon_module_kdamond_pid(DamonIO *io, DamonModule m, const DamonModuleState *s, int64_t *ret_pid);

/* What DAMON_STAT publishes for the whole machine (docs/damon-abi.md, section 5). */
typedef struct DamonStatReadout {
        bool present;                   /* the kernel has DAMON_STAT */
        bool enabled;                   /* it runs: the rest is filled */
        int64_t kdamond_pid;            /* -1: not known */
        uint64_t aggr_interval_us;      /* its auto-tuned aggregation interval; UINT64_MAX before 6.18 */
        uint64_t bandwidth;             /* estimated_memory_bandwidth, bytes per second */
        bool has_percentiles;
        int64_t idle_ms[DAMON_STAT_N_PERCENTILES];      /* p0..p100; negative: accessed for that long */
} DamonStatReadout;

/* Returns 0 (present false: the kernel has no DAMON_STAT; enabled false: the rest is not read), or
 * -EBADMSG when a figure does not parse. */
int damon_stat_read(DamonIO *io, DamonStatReadout *ret);

/* Whether a module holds DAMON: 1 and *ret_module (may be NULL) if one does (the first one in enum
 * order; the kernel lets only one run), 0 if none does. */
int damon_modules_holder(DamonIO *io, DamonModule *ret_module);
