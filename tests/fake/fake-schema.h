/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The data that drives the fake kernel: every DAMON sysfs directory and file, every keyword and every
 * module parameter, each with the mainline version that added it (the kernel's usage.rst and module documentation; docs/damon-abi.md).
 * A generation of the fake is a version number; an item exists in it when item.since <= that version.
 * Creation (defaults), validation of writes (kind, keyword set) and read-only checks all read these
 * tables, so the generations are values, not code paths.
 */

#include <stdbool.h>
#include <stddef.h>

#include "damon-features.h"

/* major * 100 + minor: 518 = 5.18, 612 = 6.12 */
#define FAKE_V(major, minor) ((major) * 100 + (minor))

typedef enum FakeKind {
        FAKE_U64,       /* kstrtoul base 0 */
        FAKE_U32,       /* kstrtouint base 0 */
        FAKE_S32,       /* kstrtoint base 0 */
        FAKE_BOOL,      /* kstrtobool, reads back Y/N */
        FAKE_KEYWORD,   /* one word of a keyword set, sysfs_streq */
        FAKE_STRING,    /* stored as written */
        FAKE_NR,        /* nr_* file: wipes and recreates the numbered children */
        FAKE_STATE,     /* kdamonds/K/state */
        FAKE_RO,        /* read-only: EACCES on write */
        FAKE_AVAIL_OPS, /* read-only, content from the fake's registered ops */
        FAKE_DIR,       /* a fixed sub-directory */
} FakeKind;

typedef enum FakeDir {
        FAKE_DIR_KDAMONDS,
        FAKE_DIR_KDAMOND,
        FAKE_DIR_CONTEXTS,
        FAKE_DIR_CONTEXT,
        FAKE_DIR_MONITORING_ATTRS,
        FAKE_DIR_INTERVALS,
        FAKE_DIR_INTERVALS_GOAL,
        FAKE_DIR_NR_REGIONS,
        FAKE_DIR_PROBES,
        FAKE_DIR_PROBE,
        FAKE_DIR_PROBE_FILTERS,
        FAKE_DIR_PROBE_FILTER,
        FAKE_DIR_TARGETS,
        FAKE_DIR_TARGET,
        FAKE_DIR_REGIONS,
        FAKE_DIR_REGION,
        FAKE_DIR_SCHEMES,
        FAKE_DIR_SCHEME,
        FAKE_DIR_ACCESS_PATTERN,
        FAKE_DIR_RANGE,
        FAKE_DIR_QUOTAS,
        FAKE_DIR_WEIGHTS,
        FAKE_DIR_GOALS,
        FAKE_DIR_GOAL,
        FAKE_DIR_WATERMARKS,
        FAKE_DIR_FILTERS,               /* schemes/S/filters/: any type */
        FAKE_DIR_FILTER,
        FAKE_DIR_CORE_FILTERS,
        FAKE_DIR_CORE_FILTER,
        FAKE_DIR_OPS_FILTERS,
        FAKE_DIR_OPS_FILTER,
        FAKE_DIR_DESTS,
        FAKE_DIR_DEST,
        FAKE_DIR_STATS,
        FAKE_DIR_TRIED_REGIONS,
        FAKE_DIR_TRIED_REGION,
        _FAKE_DIR_MAX,
        _FAKE_DIR_NONE = -1,
} FakeDir;

typedef enum FakeKeywordSet {
        FAKE_KW_OPS,
        FAKE_KW_ACTION,
        FAKE_KW_WMARK_METRIC,
        FAKE_KW_FILTER_ANY,
        FAKE_KW_FILTER_CORE,
        FAKE_KW_FILTER_OPS,
        FAKE_KW_GOAL_METRIC,
        FAKE_KW_STATE,
        _FAKE_KW_MAX,
} FakeKeywordSet;

typedef struct FakeEntry {
        const char *name;
        unsigned since;         /* FAKE_V() of the first mainline release with it */
        FakeKind kind;
        const char *def;        /* default content, without the newline */
        int arg;                /* FAKE_KEYWORD: FakeKeywordSet; FAKE_DIR: FakeDir */
} FakeEntry;

typedef struct FakeDirType {
        const FakeEntry *entries;
        size_t n_entries;
        FakeDir numbered;       /* type of the numbered children "0".."N-1", or _FAKE_DIR_NONE */
} FakeDirType;

extern const FakeDirType fake_dirs[_FAKE_DIR_MAX];

/* Looks up @name in directory type @d for version @v. NULL if it does not exist there. */
const FakeEntry *fake_dir_entry(FakeDir d, const char *name, unsigned v);

/* Whether @word (one trailing newline allowed) is in keyword set @set at version @v; on success
 * returns the canonical word. */
const char *fake_keyword(FakeKeywordSet set, const char *word, unsigned v);

/* State commands: which need a running kdamond, as of version @v. */
bool fake_state_needs_running(const char *word, unsigned v);

/* Module parameters. */
typedef struct FakeParam {
        const char *name;
        unsigned since;
        FakeKind kind;          /* FAKE_BOOL, FAKE_U64, FAKE_S32 or FAKE_RO */
        const char *def;
} FakeParam;

typedef struct FakeModuleType {
        const char *name;       /* "damon_reclaim" */
        unsigned since;
        const FakeParam *params;
        size_t n_params;
} FakeModuleType;

extern const FakeModuleType fake_modules[_DAMON_MODULE_MAX];

const FakeParam *fake_module_param(DamonModule m, const char *name, unsigned v);
