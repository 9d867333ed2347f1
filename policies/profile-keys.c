/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "profile.h"
#include "profile-internal.h"
#include "units.h"

static const char * const section_table[_PROFILE_SECTION_TYPE_MAX] = {
        [PROFILE_SECTION_PROFILE] = "Profile",
        [PROFILE_SECTION_MONITOR] = "Monitor",
        [PROFILE_SECTION_TARGET] = "Target",
        [PROFILE_SECTION_SCHEME] = "Scheme",
        [PROFILE_SECTION_GOAL] = "Goal",
        [PROFILE_SECTION_FILTER] = "Filter",
        [PROFILE_SECTION_DAEMON] = "Damond",
};

const char *profile_section_type_to_string(ProfileSectionType t) {
        if ((int) t < 0 || t >= _PROFILE_SECTION_TYPE_MAX)
                return NULL;
        return section_table[t];
}

ProfileSectionType profile_section_type_from_string(const char *s) {
        for (size_t i = 0; i < _PROFILE_SECTION_TYPE_MAX; i++)
                if (s && streq(section_table[i], s))
                        return (ProfileSectionType) i;
        return _PROFILE_SECTION_TYPE_INVALID;
}

bool profile_section_type_is_named(ProfileSectionType t) {
        return t == PROFILE_SECTION_SCHEME || t == PROFILE_SECTION_GOAL || t == PROFILE_SECTION_FILTER;
}

/* Keyword lists, in the order of the model's enums (a unit test compares them with damon-model.c). */
static const char * const ops_choices[] = { "vaddr", "fvaddr", "paddr", NULL };
static const char * const unsupported_choices[] = { "refuse", "skip", NULL };
static const char * const action_choices[] = {
        "willneed", "cold", "pageout", "hugepage", "nohugepage", "lru_prio", "lru_deprio",
        "migrate_hot", "migrate_cold", "stat", NULL
};
static const char * const metric_choices[] = {
        "user_input", "some_mem_psi_us", "node_mem_used_bp", "node_mem_free_bp", "node_memcg_used_bp",
        "node_memcg_free_bp", "active_mem_bp", "inactive_mem_bp",
        "mem_psi_full_us", "cgroup_mem_psi_us", "cgroup_mem_usage", NULL
};
static const char * const tuner_choices[] = { "consist", "temporal", NULL };
static const char * const tuned_by_choices[] = { "kernel", "damond", NULL };
static const char * const wmark_choices[] = { "none", "free_mem_rate", NULL };
static const char * const layer_choices[] = { "auto", "core", "ops", "legacy", NULL };
static const char * const filter_type_choices[] = {
        "anon", "memcg", "young", "hugepage_size", "unmapped", "active", "addr", "target", NULL
};
static const char * const nodes_choices[] = { "manual", "auto", NULL };
static const char * const log_level_choices[] = { "err", "warning", "notice", "info", "debug", NULL };

const char *profile_goal_metric_to_string(int m) {
        if (m < 0 || m >= _PROFILE_GOAL_METRIC_MAX)
                return NULL;
        return metric_choices[m];
}

#define ACCESSES_ERROR \
        "invalid access rate: expected a count per aggregation interval or a percentage of the maximum, " \
        "e.g. 5 or 50%"
#define CGROUP_ERROR \
        "invalid cgroup path: expected an absolute, normalized path such as /system.slice/foo.service"

#define UNIT_ERROR \
        "invalid unit name: expected a service, slice, scope, socket, mount or swap unit such as " \
        "postgresql.service or batch.slice"

#define U32 UINT32_MAX
#define NOF (-1)

#define KEY(sec, nm, ty, st, fld, def, un, mn, mx, stp, feat, ch)                      \
        { .section = PROFILE_SECTION_##sec, .name = nm, .type = PROFILE_VALUE_##ty,    \
          .offset = offsetof(st, fld), .default_value = def, .unit = un, .min = mn,     \
          .max = mx, .step = stp, .feature = feat, .choices = ch }

const ProfileKey profile_keys[] = {
        KEY(PROFILE, "Name", NAME, ProfileGeneral, name, NULL, "name", 0, 0, 0, NOF, NULL),
        KEY(PROFILE, "Description", STRING, ProfileGeneral, description, NULL, "text", 0, 0, 0, NOF, NULL),
        KEY(PROFILE, "Enabled", BOOL, ProfileGeneral, enabled, "yes", "boolean", 0, 0, 0, NOF, NULL),
        KEY(PROFILE, "Include", INCLUDE, ProfileGeneral, head, NULL, "name or path", 0, 0, 0, NOF, NULL),
        KEY(PROFILE, "Operations", ENUM, ProfileGeneral, operations, "paddr", "keyword", 0, 0, 0, NOF,
            ops_choices),
        KEY(PROFILE, "Unsupported", ENUM, ProfileGeneral, unsupported, "refuse", "keyword", 0, 0, 0, NOF,
            unsupported_choices),
        KEY(PROFILE, "PressureCeiling", RAW, ProfileGeneral, pressure_ceiling, "200ms", "duration or ratio",
            0, 0, 0, NOF, NULL),

        KEY(MONITOR, "SampleInterval", DURATION, ProfileMonitor, sample_usec, "5ms", "duration",
            1, UINT64_MAX, 0, NOF, NULL),
        KEY(MONITOR, "AggregationInterval", DURATION, ProfileMonitor, aggr_usec, "100ms", "duration",
            1, UINT64_MAX, 0, NOF, NULL),
        KEY(MONITOR, "UpdateInterval", DURATION, ProfileMonitor, update_usec, "60s", "duration",
            1, UINT64_MAX, 0, NOF, NULL),
        KEY(MONITOR, "IntervalsGoalAccess", RATIO, ProfileMonitor, goal_access_ppm, "4%", "ratio",
            100, 1000000, 100, DAMON_FEATURE_INTERVALS_GOAL, NULL),
        KEY(MONITOR, "IntervalsGoalAggregations", UINT, ProfileMonitor, goal_aggrs, "0", "count",
            0, U32, 0, DAMON_FEATURE_INTERVALS_GOAL, NULL),
        KEY(MONITOR, "MinSampleInterval", DURATION, ProfileMonitor, min_sample_usec, "5ms", "duration",
            1, UINT64_MAX, 0, DAMON_FEATURE_INTERVALS_GOAL, NULL),
        KEY(MONITOR, "MaxSampleInterval", DURATION, ProfileMonitor, max_sample_usec, "10s", "duration",
            1, UINT64_MAX, 0, DAMON_FEATURE_INTERVALS_GOAL, NULL),
        KEY(MONITOR, "MinRegions", UINT, ProfileMonitor, min_regions, "10", "count", 3, U32, 0, NOF, NULL),
        KEY(MONITOR, "MaxRegions", UINT, ProfileMonitor, max_regions, "1000", "count", 3, U32, 0, NOF, NULL),
        KEY(MONITOR, "AddrUnit", UINT, ProfileMonitor, addr_unit, "1", "count", 1, UINT64_MAX, 0,
            DAMON_FEATURE_ADDR_UNIT, NULL),
        KEY(MONITOR, "RefreshInterval", DURATION, ProfileMonitor, refresh_usec, "0", "duration",
            0, (uint64_t) U32 * 1000, 1000, DAMON_FEATURE_REFRESH_MS, NULL),

        KEY(TARGET, "Nodes", ENUM, ProfileTarget, nodes, "manual", "keyword", 0, 0, 0, NOF, nodes_choices),
        KEY(TARGET, "Region", REGIONS, ProfileTarget, regions, NULL, "address range", 0, 0, 0, NOF, NULL),
        KEY(TARGET, "Pid", PIDS, ProfileTarget, pids, NULL, "pid", 1, INT32_MAX, 0, NOF, NULL),
        KEY(TARGET, "ProcessName", STRV, ProfileTarget, process_names, NULL, "name", 0, 0, 0, NOF, NULL),
        KEY(TARGET, "CGroup", CGROUPS, ProfileTarget, cgroups, NULL, "cgroup path", 0, 0, 0, NOF, NULL),
        KEY(TARGET, "Unit", UNITS, ProfileTarget, units, NULL, "unit name", 0, 0, 0, NOF, NULL),
        KEY(TARGET, "MaxProcesses", UINT, ProfileTarget, max_processes, "32", "count", 1,
            PROFILE_TARGETS_MAX, 0, NOF, NULL),

        KEY(SCHEME, "Action", ENUM, ProfileScheme, action, "stat", "keyword", 0, 0, 0, NOF, action_choices),
        KEY(SCHEME, "MinSize", SIZE, ProfileScheme, min_size, "0", "size", 0, 0, 0, NOF, NULL),
        KEY(SCHEME, "MaxSize", SIZE, ProfileScheme, max_size, "max", "size", 0, 0, 0, NOF, NULL),
        KEY(SCHEME, "MinAccesses", ACCESSES, ProfileScheme, min_accesses, "0", "count or ratio",
            0, U32, 0, NOF, NULL),
        KEY(SCHEME, "MaxAccesses", ACCESSES, ProfileScheme, max_accesses, "100%", "count or ratio",
            0, U32, 0, NOF, NULL),
        KEY(SCHEME, "MinAge", DURATION, ProfileScheme, min_age_usec, "0", "duration", 0, 0, 0, NOF, NULL),
        KEY(SCHEME, "MaxAge", DURATION, ProfileScheme, max_age_usec, "infinity", "duration", 0, 0, 0, NOF,
            NULL),
        KEY(SCHEME, "ApplyInterval", DURATION, ProfileScheme, apply_interval_usec, "0", "duration",
            0, 0, 0, DAMON_FEATURE_APPLY_INTERVAL, NULL),
        KEY(SCHEME, "TargetNode", UINT, ProfileScheme, target_node, NULL, "node", 0, 1023, 0,
            DAMON_FEATURE_MIGRATE, NULL),
        KEY(SCHEME, "QuotaTime", DURATION, ProfileScheme, quota_time_usec, "0", "duration",
            0, UINT64_MAX, 1000, NOF, NULL),
        KEY(SCHEME, "QuotaSize", SIZE, ProfileScheme, quota_size, "0", "size", 0, 0, 0, NOF, NULL),
        KEY(SCHEME, "QuotaResetInterval", DURATION, ProfileScheme, quota_reset_usec, "1s", "duration",
            1000, UINT64_MAX, 1000, NOF, NULL),
        KEY(SCHEME, "WeightSize", UINT, ProfileScheme, weight_size, "0", "permil", 0, 1000, 0, NOF, NULL),
        KEY(SCHEME, "WeightAccesses", UINT, ProfileScheme, weight_accesses, "1", "permil", 0, 1000, 0, NOF,
            NULL),
        KEY(SCHEME, "WeightAge", UINT, ProfileScheme, weight_age, "1", "permil", 0, 1000, 0, NOF, NULL),
        KEY(SCHEME, "GoalTuner", ENUM, ProfileScheme, goal_tuner, "consist", "keyword", 0, 0, 0,
            DAMON_FEATURE_GOAL_TUNER, tuner_choices),
        KEY(SCHEME, "QuotaTunedBy", ENUM, ProfileScheme, quota_tuned_by, "kernel", "keyword", 0, 0, 0, NOF,
            tuned_by_choices),
        KEY(SCHEME, "Watermarks", ENUM, ProfileScheme, wmark_metric, "none", "keyword", 0, 0, 0, NOF,
            wmark_choices),
        KEY(SCHEME, "WatermarkInterval", DURATION, ProfileScheme, wmark_interval_usec, "5s", "duration",
            1, UINT64_MAX, 0, NOF, NULL),
        KEY(SCHEME, "WatermarkHigh", RATIO, ProfileScheme, wmark_high_ppm, "50%", "ratio", 0, 1000000, 1000,
            NOF, NULL),
        KEY(SCHEME, "WatermarkMid", RATIO, ProfileScheme, wmark_mid_ppm, "40%", "ratio", 0, 1000000, 1000,
            NOF, NULL),
        KEY(SCHEME, "WatermarkLow", RATIO, ProfileScheme, wmark_low_ppm, "20%", "ratio", 0, 1000000, 1000,
            NOF, NULL),
        KEY(SCHEME, "MaxSnapshots", UINT, ProfileScheme, max_snapshots, "0", "count", 0, UINT64_MAX, 0,
            DAMON_FEATURE_SNAPSHOTS, NULL),
        KEY(SCHEME, "Dest", DESTS, ProfileScheme, dests, NULL, "node:weight", 0, 0, 0, DAMON_FEATURE_DESTS,
            NULL),

        KEY(GOAL, "Scheme", NAME, ProfileGoal, scheme, NULL, "name", 0, 0, 0, NOF, NULL),
        KEY(GOAL, "Metric", ENUM, ProfileGoal, metric, NULL, "keyword", 0, 0, 0, DAMON_FEATURE_QUOTA_GOALS,
            metric_choices),
        KEY(GOAL, "Target", RAW, ProfileGoal, target, NULL, "per metric", 0, 0, 0, NOF, NULL),
        KEY(GOAL, "Node", UINT, ProfileGoal, node, "0", "node", 0, 1023, 0, DAMON_FEATURE_NODE_MEM_GOALS,
            NULL),
        KEY(GOAL, "CGroup", CGROUP, ProfileGoal, cgroup, NULL, "cgroup path", 0, 0, 0, NOF, NULL),
        KEY(GOAL, "Unit", UNIT, ProfileGoal, unit, NULL, "unit name", 0, 0, 0, NOF, NULL),

        KEY(FILTER, "Scheme", NAME, ProfileFilter, scheme, NULL, "name", 0, 0, 0, NOF, NULL),
        KEY(FILTER, "Layer", ENUM, ProfileFilter, layer, "auto", "keyword", 0, 0, 0, NOF, layer_choices),
        KEY(FILTER, "Type", ENUM, ProfileFilter, type, NULL, "keyword", 0, 0, 0, DAMON_FEATURE_FILTERS,
            filter_type_choices),
        KEY(FILTER, "Matching", BOOL, ProfileFilter, matching, "yes", "boolean", 0, 0, 0, NOF, NULL),
        KEY(FILTER, "Allow", BOOL, ProfileFilter, allow, "no", "boolean", 0, 0, 0,
            DAMON_FEATURE_FILTER_ALLOW, NULL),
        KEY(FILTER, "Optional", BOOL, ProfileFilter, optional, "no", "boolean", 0, 0, 0, NOF, NULL),
        KEY(FILTER, "MemCG", CGROUP, ProfileFilter, memcg, NULL, "cgroup path", 0, 0, 0, NOF, NULL),
        KEY(FILTER, "AddrRange", RANGE, ProfileFilter, addr_range, NULL, "address range", 0, 0, 0,
            DAMON_FEATURE_TRIED_BYTES, NULL),
        KEY(FILTER, "TargetIndex", UINT, ProfileFilter, target_index, NULL, "index", 0, U32, 0,
            DAMON_FEATURE_TRIED_BYTES, NULL),
        KEY(FILTER, "HugepageSize", RANGE, ProfileFilter, hugepage_size, NULL, "size range", 0, 0, 0,
            DAMON_FEATURE_CORE_OPS_FILTERS, NULL),

        KEY(DAEMON, "LogLevel", ENUM, DamondConfig, log_level, "info", "keyword", 0, 0, 0, NOF,
            log_level_choices),
        KEY(DAEMON, "StatusInterval", DURATION, DamondConfig, status_interval_usec, "1s", "duration",
            100000, 3600 * USEC_PER_SEC, 1000, NOF, NULL),
        KEY(DAEMON, "StopOnExit", BOOL, DamondConfig, stop_on_exit, "yes", "boolean", 0, 0, 0, NOF, NULL),
        KEY(DAEMON, "MaxKdamonds", UINT, DamondConfig, max_kdamonds, "8", "count", 1, 64, 0, NOF, NULL),
        KEY(DAEMON, "BackoffPressure", DURATION, DamondConfig, backoff_pressure_usec, "100ms", "duration",
            0, 10 * USEC_PER_SEC, 0, NOF, NULL),
        KEY(DAEMON, "BackoffWindow", DURATION, DamondConfig, backoff_window_usec, "1s", "duration",
            500000, 10 * USEC_PER_SEC, 0, NOF, NULL),
        KEY(DAEMON, "SnapshotInterval", DURATION, DamondConfig, snapshot_interval_usec, "30s", "duration",
            0, 3600 * USEC_PER_SEC, 1000, NOF, NULL),
        KEY(DAEMON, "SnapshotHistoryMax", SIZE, DamondConfig, snapshot_history_max_bytes, "4M", "size",
            64 * 1024, UINT64_C(1) << 30, 0, NOF, NULL),
        KEY(DAEMON, "AllowedStall", RATIO, DamondConfig, allowed_stall_ppm, "0.1%", "ratio", 1, 100000, 0, NOF,
            NULL),
        KEY(DAEMON, "MetricsDirectory", STRING, DamondConfig, metrics_directory, NULL, "directory",
            0, 0, 0, NOF, NULL),
};

const size_t profile_keys_count = ELEMENTSOF(profile_keys);

_Static_assert(ELEMENTSOF(profile_keys) <= PROFILE_KEYS_MAX, "PROFILE_KEYS_MAX is too small");
_Static_assert(ELEMENTSOF(action_choices) == _DAMOS_ACTION_MAX + 1, "action keywords");
_Static_assert(ELEMENTSOF(metric_choices) == _PROFILE_GOAL_METRIC_MAX + 1, "metric keywords");
_Static_assert(ELEMENTSOF(filter_type_choices) == _DAMOS_FILTER_TYPE_MAX + 1, "filter keywords");
_Static_assert(ELEMENTSOF(nodes_choices) == _PROFILE_NODES_MAX + 1, "nodes keywords");
_Static_assert(ELEMENTSOF(ops_choices) == _DAMON_OPS_MAX + 1, "ops keywords");
_Static_assert(ELEMENTSOF(log_level_choices) == _DAMOND_LOG_LEVEL_MAX + 1, "log levels");

int profile_key_lookup(ProfileSectionType section, const char *name) {
        for (size_t i = 0; i < profile_keys_count; i++)
                if (profile_keys[i].section == section && streq(profile_keys[i].name, name))
                        return (int) i;
        return -ENOENT;
}

static size_t key_index(const ProfileKey *key) {
        return (size_t) (key - profile_keys);
}

static int report(DiagList *diags, const ProfileKey *key, const char *value, const char *file, unsigned line,
                  const char *message) {
        int r = diag_add(diags, DIAG_ERROR, file, line, key->name, value, "%s", message);

        return r < 0 ? r : -EINVAL;
}

/* A repeatable key holding @n values already may take another only below @max (the profile budget). */
static int check_list_room(DiagList *diags, const ProfileKey *key, const char *value, const char *file,
                           unsigned line, size_t n, size_t max) {
        int r;

        if (n < max)
                return 0;
        r = diag_add(diags, DIAG_ERROR, file, line, key->name, value,
                     "too many values: at most %zu %s= per section", max, key->name);
        return r < 0 ? r : -EINVAL;
}

static const char *unit_error(const ProfileKey *key, int r) {
        switch (key->type) {
        case PROFILE_VALUE_DURATION:
                if (r == -EDOM)
                        return "finer than the kernel's resolution of 1us";
                if (r == -ERANGE)
                        return "duration too large";
                return "invalid duration: expected a number and a unit (us, ms, s, min, h, d), e.g. 5ms";
        case PROFILE_VALUE_SIZE:
                if (r == -EDOM)
                        return "not a whole number of bytes";
                if (r == -ERANGE)
                        return "size too large";
                return "invalid size: expected bytes or a number with K, M, G, T, P or E "
                       "(powers of 1024), e.g. 128M";
        case PROFILE_VALUE_RATIO:
                if (r == -EDOM)
                        return "finer than 1 part per million";
                if (r == -ERANGE)
                        return "ratio above 100%";
                return "invalid ratio: expected a percentage, e.g. 0.5%";
        default:
                if (r == -ERANGE)
                        return "number too large";
                return "invalid number: expected a non-negative integer";
        }
}

static int check_range(const ProfileKey *key, uint64_t v, const char *value, const char *file, unsigned line,
                       DiagList *diags) {
        char lo[64], hi[64];
        int r;

        if (key->step > 0 && v % key->step != 0) {
                const char *what = key->type == PROFILE_VALUE_RATIO ?
                        (key->step == 1000 ? "0.1%" : "0.01%") :
                        key->type == PROFILE_VALUE_DURATION ? "1ms" : "its step";

                r = diag_add(diags, DIAG_ERROR, file, line, key->name, value,
                             "must be a multiple of %s (the kernel's resolution)", what);
                return r < 0 ? r : -EINVAL;
        }
        if (key->min == 0 && key->max == 0)
                return 0;
        if (v >= key->min && v <= key->max)
                return 0;
        switch (key->type) {
        case PROFILE_VALUE_DURATION:
                format_duration(lo, sizeof(lo), key->min);
                if (key->max == UINT64_MAX)
                        break;
                format_duration(hi, sizeof(hi), key->max);
                break;
        case PROFILE_VALUE_RATIO:
                format_ratio(lo, sizeof(lo), key->min);
                format_ratio(hi, sizeof(hi), key->max);
                break;
        default:
                snprintf(lo, sizeof(lo), "%" PRIu64, key->min);
                snprintf(hi, sizeof(hi), "%" PRIu64, key->max);
                break;
        }
        if (key->max == UINT64_MAX)
                r = diag_add(diags, DIAG_ERROR, file, line, key->name, value, "must be at least %s", lo);
        else
                r = diag_add(diags, DIAG_ERROR, file, line, key->name, value,
                             "out of range: must be between %s and %s", lo, hi);
        return r < 0 ? r : -EINVAL;
}

/* An address: "0x..." hexadecimal, or a size ("4G"). */
static int parse_address(const char *s, uint64_t *ret) {
        while (*s == ' ' || *s == '\t')
                s++;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                uint64_t v = 0;
                const char *p = s + 2;

                if (!isxdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isxdigit((unsigned char) *p); p++) {
                        int d = isdigit((unsigned char) *p) ? *p - '0' :
                                tolower((unsigned char) *p) - 'a' + 10;

                        if (v > (UINT64_MAX >> 4))
                                return -ERANGE;
                        v = (v << 4) | (uint64_t) d;
                }
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p)
                        return -EINVAL;
                *ret = v;
                return 0;
        }
        return parse_size_bytes(s, ret);
}

/* "A-B" with addresses or sizes. */
static int parse_range(const char *s, ProfileRange *ret) {
        _cleanup_free_ char *copy = strdup(s);
        char *dash;

        if (!copy)
                return -ENOMEM;
        dash = strchr(copy, '-');
        if (!dash)
                return -EINVAL;
        *dash = '\0';
        if (parse_address(copy, &ret->min) < 0 || parse_address(dash + 1, &ret->max) < 0)
                return -EINVAL;
        return 0;
}

bool profile_name_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > PROFILE_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("_.-", *p))
                        return false;
        return true;
}

static bool valid_cgroup(const char *s) {
        if (s[0] != '/' || strstr(s, "//") || strstr(s, "/../") || strstr(s, "/./"))
                return false;
        if (strlen(s) >= 3 && streq(s + strlen(s) - 3, "/..")) /* the kernel resolves paths as written */
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

/* The unit types that have a cgroup of their own. */
static const char * const unit_suffixes[] = { ".service", ".slice", ".scope", ".socket", ".mount", ".swap", NULL };

const char *profile_unit_interface(const char *name) {
        static const char * const ifaces[] = {
                "org.freedesktop.systemd1.Service", "org.freedesktop.systemd1.Slice",
                "org.freedesktop.systemd1.Scope", "org.freedesktop.systemd1.Socket",
                "org.freedesktop.systemd1.Mount", "org.freedesktop.systemd1.Swap",
        };
        size_t n;

        if (!name)
                return NULL;
        n = strlen(name);
        for (size_t i = 0; unit_suffixes[i]; i++) {
                size_t l = strlen(unit_suffixes[i]);

                if (n > l && streq(name + n - l, unit_suffixes[i]))
                        return ifaces[i];
        }
        return NULL;
}

/* A unit name as systemd takes it (unit_name_is_valid(): at most 255 bytes of [A-Za-z0-9:_.\\@-], one
 * '@' at most, not starting with '.' or '@' when a template), with a type that has a cgroup. */
bool profile_unit_name_is_valid(const char *s) {
        const char *at;

        if (isempty(s) || strlen(s) > 255 || !profile_unit_interface(s) || s[0] == '.' || s[0] == '@')
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr(":_.\\@-", *p))
                        return false;
        at = strchr(s, '@');
        if (at && (strchr(at + 1, '@') || at[1] == '.'))
                return false;   /* a second '@', or a template ("foo@.service"), which has no cgroup */
        return true;
}

static int strv_append(ProfileStrv *l, const char *s, const char *file, unsigned line) {
        char **items;
        ConfigLoc *locs;
        char *copy;

        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        items = realloc(l->items, (l->n + 1) * sizeof(*items));
        if (!items)
                return free(copy), -ENOMEM;
        l->items = items;
        locs = realloc(l->locs, (l->n + 1) * sizeof(*locs));
        if (!locs)
                return free(copy), -ENOMEM;
        l->locs = locs;
        l->items[l->n] = copy;
        l->locs[l->n] = (ConfigLoc) { .file = file, .line = line };
        l->n++;
        return 0;
}

static void strv_clear(ProfileStrv *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
        free(l->locs);
        *l = (ProfileStrv) {};
}

static int set_string(char **field, const char *value) {
        char *copy = NULL;

        if (value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

static int parse_value(const ProfileKey *key, void *obj, const char *value, const char *file, unsigned line,
                       DiagList *diags) {
        void *field = (uint8_t *) obj + key->offset;
        uint64_t v;
        int r;

        switch (key->type) {

        case PROFILE_VALUE_BOOL:
                r = parse_boolean(value);
                if (r < 0)
                        return report(diags, key, value, file, line, "invalid boolean: expected yes or no");
                *(bool *) field = r;
                return 0;

        case PROFILE_VALUE_UINT:
        case PROFILE_VALUE_DURATION:
        case PROFILE_VALUE_SIZE:
        case PROFILE_VALUE_RATIO:
                if (key->type == PROFILE_VALUE_UINT)
                        r = parse_uint64(value, &v);
                else if (key->type == PROFILE_VALUE_DURATION) {
                        if (strcasecmp(value, "infinity") == 0) {
                                v = UINT64_MAX;
                                r = 0;
                        } else
                                r = parse_duration_usec(value, &v);
                } else if (key->type == PROFILE_VALUE_SIZE) {
                        if (strcasecmp(value, "max") == 0) {
                                v = UINT64_MAX;
                                r = 0;
                        } else
                                r = parse_size_bytes(value, &v);
                } else
                        r = parse_ratio_ppm(value, &v);
                if (r < 0)
                        return report(diags, key, value, file, line, unit_error(key, r));
                if (!(key->type == PROFILE_VALUE_DURATION && v == UINT64_MAX)) {
                        r = check_range(key, v, value, file, line, diags);
                        if (r < 0)
                                return r;
                } else if (!streq(key->name, "MaxAge"))
                        return report(diags, key, value, file, line, "must be a finite duration");
                *(uint64_t *) field = v;
                return 0;

        case PROFILE_VALUE_ACCESSES: {
                ProfileAccesses a = {};

                if (strchr(value, '%')) {
                        r = parse_ratio_ppm(value, &a.value);
                        if (r < 0)
                                return report(diags, key, value, file, line,
                                              r == -ERANGE ? "above 100% of the maximum" :
                                              ACCESSES_ERROR);
                        a.percent = true;
                } else {
                        r = parse_uint64(value, &a.value);
                        if (r < 0)
                                return report(diags, key, value, file, line,
                                              ACCESSES_ERROR);
                        r = check_range(key, a.value, value, file, line, diags);
                        if (r < 0)
                                return r;
                }
                *(ProfileAccesses *) field = a;
                return 0;
        }

        case PROFILE_VALUE_ENUM:
                for (size_t i = 0; key->choices[i]; i++)
                        if (streq(key->choices[i], value)) {
                                *(int *) field = (int) i;
                                return 0;
                        }
                {
                        _cleanup_free_ char *list = NULL;
                        size_t len = 0;
                        FILE *f = open_memstream(&list, &len);

                        if (!f)
                                return -ENOMEM;
                        for (size_t i = 0; key->choices[i]; i++)
                                fprintf(f, "%s%s", i > 0 ? ", " : "", key->choices[i]);
                        if (fclose(f) != 0)
                                return -ENOMEM;
                        r = diag_add(diags, DIAG_ERROR, file, line, key->name, value,
                                     "unknown %s: expected one of %s",
                                     streq(key->name, "Action") ? "action" : "keyword", list);
                        return r < 0 ? r : -EINVAL;
                }

        case PROFILE_VALUE_STRING:
                return set_string((char **) field, value);

        case PROFILE_VALUE_RAW:
                return set_string((char **) field, value);

        case PROFILE_VALUE_NAME:
                if (!profile_name_is_valid(value))
                        return report(diags, key, value, file, line,
                                      "invalid name: use up to 40 letters, digits, '_', '.' or '-'");
                return set_string((char **) field, value);

        case PROFILE_VALUE_CGROUP:
                if (!valid_cgroup(value))
                        return report(diags, key, value, file, line,
                                      CGROUP_ERROR);
                return set_string((char **) field, value);

        case PROFILE_VALUE_CGROUPS:
                if (!valid_cgroup(value))
                        return report(diags, key, value, file, line,
                                      CGROUP_ERROR);
                r = check_list_room(diags, key, value, file, line, ((ProfileStrv *) field)->n,
                                    PROFILE_TARGETS_MAX);
                return r < 0 ? r : strv_append(field, value, file, line);

        case PROFILE_VALUE_UNIT:
                if (!profile_unit_name_is_valid(value))
                        return report(diags, key, value, file, line, UNIT_ERROR);
                return set_string((char **) field, value);

        case PROFILE_VALUE_UNITS:
                if (!profile_unit_name_is_valid(value))
                        return report(diags, key, value, file, line, UNIT_ERROR);
                r = check_list_room(diags, key, value, file, line, ((ProfileStrv *) field)->n,
                                    PROFILE_TARGETS_MAX);
                return r < 0 ? r : strv_append(field, value, file, line);

        case PROFILE_VALUE_STRV:
                if (strlen(value) > 15)
                        return report(diags, key, value, file, line,
                                      "process names are at most 15 characters (the kernel's comm)");
                r = check_list_room(diags, key, value, file, line, ((ProfileStrv *) field)->n,
                                    PROFILE_TARGETS_MAX);
                return r < 0 ? r : strv_append(field, value, file, line);

        case PROFILE_VALUE_RANGE: {
                ProfileRange range;

                r = parse_range(value, &range);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return report(diags, key, value, file, line,
                                      "invalid range: expected START-END, e.g. "
                                      "0x100000000-0x140000000 or 2M-1G");
                if (range.min > range.max ||
                    (streq(key->name, "AddrRange") && range.min == range.max))
                        return report(diags, key, value, file, line,
                                      "the range's start is not below its end");
                *(ProfileRange *) field = range;
                return 0;
        }

        case PROFILE_VALUE_REGIONS: {
                ProfileRegions *l = field;
                ProfileRange range;
                ProfileRegion *a;

                if (streq(value, "auto")) {
                        l->automatic = true;
                        return 0;
                }
                r = parse_range(value, &range);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return report(diags, key, value, file, line,
                                      "invalid region: expected START-END or auto, e.g. "
                                      "0x100000000-0x140000000");
                if (range.min >= range.max)
                        return report(diags, key, value, file, line,
                                      "the region's start is not below its end");
                r = check_list_room(diags, key, value, file, line, l->n, PROFILE_REGIONS_MAX);
                if (r < 0)
                        return r;
                a = realloc(l->items, (l->n + 1) * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                l->items = a;
                l->items[l->n++] = (ProfileRegion) { range.min, range.max, { file, line } };
                return 0;
        }

        case PROFILE_VALUE_DESTS: {
                ProfileDests *l = field;
                _cleanup_free_ char *copy = strdup(value);
                uint64_t node, weight = 1;
                ProfileDest *a;
                char *colon;

                if (!copy)
                        return -ENOMEM;
                colon = strchr(copy, ':');
                if (colon)
                        *colon = '\0';
                if (parse_uint64(copy, &node) < 0 || node > 1023 ||
                    (colon && (parse_uint64(colon + 1, &weight) < 0 || weight > UINT32_MAX)))
                        return report(diags, key, value, file, line,
                                      "invalid destination: expected NODE or NODE:WEIGHT, e.g. 1:3");
                for (size_t i = 0; i < l->n; i++)
                        if (l->items[i].node == node)
                                return report(diags, key, value, file, line, "node listed twice");
                r = check_list_room(diags, key, value, file, line, l->n, PROFILE_LIST_MAX);
                if (r < 0)
                        return r;
                a = realloc(l->items, (l->n + 1) * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                l->items = a;
                l->items[l->n++] = (ProfileDest) { node, weight, { file, line } };
                return 0;
        }

        case PROFILE_VALUE_PIDS: {
                ProfileUints *l = field;
                uint64_t *items;
                ConfigLoc *locs;

                r = parse_uint64(value, &v);
                if (r < 0 || v < key->min || v > key->max)
                        return report(diags, key, value, file, line,
                                      "invalid pid: expected a positive integer");
                r = check_list_room(diags, key, value, file, line, l->n, PROFILE_TARGETS_MAX);
                if (r < 0)
                        return r;
                items = realloc(l->items, (l->n + 1) * sizeof(*items));
                if (!items)
                        return -ENOMEM;
                l->items = items;
                locs = realloc(l->locs, (l->n + 1) * sizeof(*locs));
                if (!locs)
                        return -ENOMEM;
                l->locs = locs;
                l->items[l->n] = v;
                l->locs[l->n++] = (ConfigLoc) { file, line };
                return 0;
        }

        case PROFILE_VALUE_INCLUDE:
                return 0;

        default:
                assert(false);
                return -EINVAL;
        }
}

static void clear_value(const ProfileKey *key, void *obj) {
        void *field = (uint8_t *) obj + key->offset;

        switch (key->type) {
        case PROFILE_VALUE_STRING:
        case PROFILE_VALUE_RAW:
        case PROFILE_VALUE_NAME:
        case PROFILE_VALUE_CGROUP:
        case PROFILE_VALUE_UNIT:
                *(char **) field = mfree(*(char **) field);
                break;
        case PROFILE_VALUE_STRV:
        case PROFILE_VALUE_CGROUPS:
        case PROFILE_VALUE_UNITS:
                strv_clear(field);
                break;
        case PROFILE_VALUE_REGIONS:
                free(((ProfileRegions *) field)->items);
                *(ProfileRegions *) field = (ProfileRegions) {};
                break;
        case PROFILE_VALUE_DESTS:
                free(((ProfileDests *) field)->items);
                *(ProfileDests *) field = (ProfileDests) {};
                break;
        case PROFILE_VALUE_PIDS:
                free(((ProfileUints *) field)->items);
                free(((ProfileUints *) field)->locs);
                *(ProfileUints *) field = (ProfileUints) {};
                break;
        case PROFILE_VALUE_ENUM:
                *(int *) field = -1;
                break;
        case PROFILE_VALUE_ACCESSES:
                *(ProfileAccesses *) field = (ProfileAccesses) {};
                break;
        case PROFILE_VALUE_RANGE:
                *(ProfileRange *) field = (ProfileRange) {};
                break;
        case PROFILE_VALUE_BOOL:
                *(bool *) field = false;
                break;
        case PROFILE_VALUE_INCLUDE:
                break;
        default:
                *(uint64_t *) field = 0;
                break;
        }
}

static int reset_value(const ProfileKey *key, void *obj) {
        DiagList ignored = {};
        int r;

        clear_value(key, obj);
        if (!key->default_value)
                return 0;
        /* a default that does not parse is a bug in the table: the unit tests parse every default */
        r = parse_value(key, obj, key->default_value, NULL, 0, &ignored);
        diag_list_done(&ignored);
        return r == -ENOMEM ? r : 0;
}

int profile_key_parse(const ProfileKey *key, void *obj, const char *value, const char *file, unsigned line,
                      DiagList *diags) {
        ProfileSection *head = obj;
        int r;

        assert(key);
        assert(obj);
        assert(value);

        if (isempty(value)) {
                r = reset_value(key, obj);
                if (r < 0)
                        return r;
                head->set[key_index(key)] = (ConfigLoc) {};
                head->failed[key_index(key)] = false;
                return 0;
        }
        /* a failed parse leaves the previous value in place: parse_value() only stores what parsed */
        r = parse_value(key, obj, value, file, line, diags);
        head->failed[key_index(key)] = r == -EINVAL;
        if (r < 0)
                return r;
        head->set[key_index(key)] = (ConfigLoc) { .file = file, .line = line };
        return 0;
}

int profile_section_init(ProfileSection *obj, ProfileSectionType type) {
        obj->type = type;
        for (size_t i = 0; i < profile_keys_count; i++) {
                int r;

                if (profile_keys[i].section != type)
                        continue;
                r = reset_value(&profile_keys[i], obj);
                if (r < 0)
                        return r;
        }
        return 0;
}

void profile_section_done(ProfileSection *obj) {
        if (!obj)
                return;
        for (size_t i = 0; i < profile_keys_count; i++)
                if (profile_keys[i].section == obj->type)
                        clear_value(&profile_keys[i], obj);
        obj->name = mfree(obj->name);
}

static const ConfigLoc *loc_of(const ProfileSection *s, const char *key) {
        int k = profile_key_lookup(s->type, key);

        return k >= 0 ? &s->set[k] : NULL;
}

bool profile_section_is_set(const ProfileSection *s, const char *key) {
        const ConfigLoc *l = loc_of(s, key);

        return l && l->file;
}

/* Where to report a problem with @key: where it was set, else the section header, else the main file. */
ConfigLoc profile_section_where(const Profile *p, const ProfileSection *s, const char *key) {
        const ConfigLoc *l = key ? loc_of(s, key) : NULL;

        if (l && l->file)
                return *l;
        if (s->loc.file)
                return s->loc;
        return (ConfigLoc) { .file = p->path, .line = 0 };
}

/* The value of @key as text, for messages: re-rendered from the typed value. */
void profile_section_show(const ProfileSection *s, const char *key, char *buf, size_t size) {
        int k = profile_key_lookup(s->type, key);
        const ProfileKey *pk;
        const void *field;

        buf[0] = '\0';
        if (k < 0)
                return;
        pk = &profile_keys[k];
        field = (const uint8_t *) s + pk->offset;
        switch (pk->type) {
        case PROFILE_VALUE_DURATION:
                if (*(const uint64_t *) field == UINT64_MAX)
                        snprintf(buf, size, "infinity");
                else
                        format_duration(buf, size, *(const uint64_t *) field);
                break;
        case PROFILE_VALUE_SIZE:
                if (*(const uint64_t *) field == UINT64_MAX)
                        snprintf(buf, size, "max");
                else
                        format_size(buf, size, *(const uint64_t *) field);
                break;
        case PROFILE_VALUE_RATIO:
                format_ratio(buf, size, *(const uint64_t *) field);
                break;
        case PROFILE_VALUE_UINT:
                snprintf(buf, size, "%" PRIu64, *(const uint64_t *) field);
                break;
        case PROFILE_VALUE_ACCESSES: {
                const ProfileAccesses *a = field;

                if (a->percent)
                        format_ratio(buf, size, a->value);
                else
                        snprintf(buf, size, "%" PRIu64, a->value);
                break;
        }
        case PROFILE_VALUE_ENUM: {
                int v = *(const int *) field;

                if (v >= 0)
                        snprintf(buf, size, "%s", pk->choices[v]);
                break;
        }
        case PROFILE_VALUE_STRING:
        case PROFILE_VALUE_RAW:
        case PROFILE_VALUE_NAME:
        case PROFILE_VALUE_CGROUP:
        case PROFILE_VALUE_UNIT:
                if (*(char * const *) field)
                        snprintf(buf, size, "%s", *(char * const *) field);
                break;
        case PROFILE_VALUE_BOOL:
                snprintf(buf, size, "%s", *(const bool *) field ? "yes" : "no");
                break;
        case PROFILE_VALUE_REGIONS: {
                const ProfileRegions *r = field;

                if (r->automatic)
                        snprintf(buf, size, "auto");
                else if (r->n > 0)
                        snprintf(buf, size, "0x%" PRIx64 "-0x%" PRIx64, r->items[0].start, r->items[0].end);
                break;
        }
        case PROFILE_VALUE_RANGE: {
                const ProfileRange *r = field;

                if (streq(pk->name, "AddrRange"))
                        snprintf(buf, size, "0x%" PRIx64 "-0x%" PRIx64, r->min, r->max);
                else
                        snprintf(buf, size, "%" PRIu64 "-%" PRIu64, r->min, r->max);
                break;
        }
        default:
                break;
        }
}

bool profile_section_failed(const ProfileSection *s, const char *key) {
        int k = profile_key_lookup(s->type, key);

        return k >= 0 && s->failed[k];
}

