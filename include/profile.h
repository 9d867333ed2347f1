/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Policy profiles: the INI files under /etc/damond that describe one kdamond each, and damond.conf.
 *
 * Life of a profile:
 *   profile_load_files()  parses the main file, its Include= chain (built-in policies or other profiles,
 *                         parsed before the including file) and its drop-ins, and fills a typed Profile in
 *                         which every set value remembers its file and line;
 *   profile_validate()    checks what one key alone cannot: min <= max, sampling <= aggregation, watermark
 *                         order, goals and filters that name existing schemes, cgroups that exist;
 *   profile_compile()     (profile-compile.h) turns it into the kernel model for the probed kernel features.
 * Each step appends every problem it finds to a DiagList ("path:line: Key=value: what is wrong") and goes
 * on, so that a user sees all errors at once. The functions return <0 only for -ENOMEM; whether the
 * profile is usable is diag_list_has_errors().
 *
 * Nothing here opens a file or asks the machine: the files' contents come through a ProfileFiles and
 * what validation needs of the machine through a ProfileMachine, both given by the caller
 * (daemon/config-files.h serves them from the disk and the kernel/ layer). Nothing logs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damon-features.h"
#include "damon-model.h"
#include "macro.h"
#include "profile-diag.h"
#include "strmap.h"

/*
 * How the parser reaches configuration files. Every path is a name the parser only passes back and shows
 * in diagnostics. Each member may be NULL: then that file cannot be read (or has no canonical name).
 */
typedef struct ProfileFiles ProfileFiles;
struct ProfileFiles {
        /* Reads the file @path: a regular file of at most @max bytes, NUL-terminated in *ret. Returns 0,
         * -EFBIG (larger than @max), -EISDIR, -EBADFD (not a regular file: a FIFO, a device), -ENOMEM or
         * another -errno (-ENOENT, -ELOOP, ...). */
        int (*read)(const ProfileFiles *f, const char *path, size_t max, char **ret, size_t *ret_size);
        /* The canonical name of @path, the same for every path that leads to one file: include cycles are
         * found and a file included twice is read once by it. *ret NULL: none (the file is not there).
         * Returns 0 or -ENOMEM. */
        int (*canonical)(const ProfileFiles *f, const char *path, char **ret);
        /* The file that Include=@name names in the file @from. Returns 0 and a new path in *ret, -EINVAL
         * (not a valid name), -ENOENT (no such policy or profile) or -ENOMEM. */
        int (*include)(const ProfileFiles *f, const char *name, const char *from, char **ret);
        const void *userdata;
};

/* What validation asks of the machine. A NULL ProfileMachine (or member) skips that check. */
typedef struct ProfileMachine ProfileMachine;
struct ProfileMachine {
        /* Whether the cgroup @path (absolute, as CGroup= takes it) exists: 1 yes, 0 no, or -ENOMEM. */
        int (*cgroup_exists)(const ProfileMachine *m, const char *path);
        const void *userdata;
};

/* Longest physical line accepted, in bytes without the newline (inih's line buffer, less its margin). */
#define PROFILE_LINE_MAX 197
/* Largest configuration file read. */
#define PROFILE_FILE_MAX (1024 * 1024)
/* Include= nesting limit; beyond it the chain is reported as too deep. */
#define PROFILE_INCLUDE_DEPTH_MAX 8
/* Longest section name after the type: "[Scheme <up to 40>]". */
#define PROFILE_NAME_MAX 40

/*
 * The budget of one profile, so that loading, validating and compiling it costs bounded time and memory
 * whatever its files hold; each limit exceeded is an error that names it. Real profiles use a small
 * fraction of each.
 */
/* Bytes read for one profile: the main file, every include each time it is read, and the drop-ins. */
#define PROFILE_BYTES_MAX (1024 * 1024)
/* Files read for one profile, counting an include each time it is read. */
#define PROFILE_FILES_MAX 256
/* Key=value lines and section headers, over all of a profile's files. */
#define PROFILE_ENTRIES_MAX 16384
/* Named sections of each kind: [Scheme NAME], [Goal NAME], [Filter NAME]. */
#define PROFILE_SCHEMES_MAX 64
#define PROFILE_GOALS_MAX 128
#define PROFILE_FILTERS_MAX 128
/* Region= values of [Target]. */
#define PROFILE_REGIONS_MAX 256
/* Targets: Pid=, ProcessName= and CGroup= values of [Target] together. */
#define PROFILE_TARGETS_MAX 256
/* Values of any other repeatable key (Dest=). */
#define PROFILE_LIST_MAX 256

typedef enum ProfileSectionType {
        PROFILE_SECTION_PROFILE,
        PROFILE_SECTION_MONITOR,
        PROFILE_SECTION_TARGET,
        PROFILE_SECTION_SCHEME,
        PROFILE_SECTION_GOAL,
        PROFILE_SECTION_FILTER,
        PROFILE_SECTION_DAEMON,         /* [Damond] in damond.conf only */
        _PROFILE_SECTION_TYPE_MAX,
        _PROFILE_SECTION_TYPE_INVALID = -EINVAL,
} ProfileSectionType;

const char *profile_section_type_to_string(ProfileSectionType t);
ProfileSectionType profile_section_type_from_string(const char *s);
/* Whether sections of this type take a name: [Scheme NAME], [Goal NAME], [Filter NAME]. */
bool profile_section_type_is_named(ProfileSectionType t);

/* Whether @s may name a profile or a section: 1 to PROFILE_NAME_MAX letters, digits, '_', '.' or '-'.
 * A profile's name reaches logs, D-Bus, terminals and the ownership record; this keeps it one plain
 * word in all of them. */
bool profile_name_is_valid(const char *s);

/* Whether @s is a unit name Unit= takes: a service, slice, scope, socket, mount or swap unit (the types
 * with a cgroup), not a template. */
bool profile_unit_name_is_valid(const char *s);
/* The systemd D-Bus interface of the unit's type that has its ControlGroup property
 * ("org.freedesktop.systemd1.Service" for "a.service"), NULL for a name without such a type. */
const char *profile_unit_interface(const char *name);

/* The profile name a file's path gives: its base name without ".conf". NULL when out of memory. */
char *profile_name_from_path(const char *path);

typedef enum ProfileValueType {
        PROFILE_VALUE_BOOL,             /* bool */
        PROFILE_VALUE_UINT,             /* uint64_t */
        PROFILE_VALUE_DURATION,         /* uint64_t, µs */
        PROFILE_VALUE_SIZE,             /* uint64_t, bytes; also "max" */
        PROFILE_VALUE_RATIO,            /* uint64_t, parts per million */
        PROFILE_VALUE_ACCESSES,         /* ProfileAccesses */
        PROFILE_VALUE_ENUM,             /* int, index into the key's choices */
        PROFILE_VALUE_STRING,           /* char * */
        PROFILE_VALUE_CGROUP,           /* char *, an absolute cgroup path */
        PROFILE_VALUE_NAME,             /* char *, a section name ([A-Za-z0-9_.-]) */
        PROFILE_VALUE_RANGE,            /* ProfileRange, "START-END" of sizes */
        PROFILE_VALUE_REGIONS,          /* ProfileRegions, repeatable, or "auto" */
        PROFILE_VALUE_DESTS,            /* ProfileDests, repeatable "NODE:WEIGHT" */
        PROFILE_VALUE_PIDS,             /* ProfileUints, repeatable */
        PROFILE_VALUE_STRV,             /* ProfileStrv, repeatable */
        PROFILE_VALUE_CGROUPS,          /* ProfileStrv of cgroup paths, repeatable */
        PROFILE_VALUE_UNITS,            /* ProfileStrv of systemd unit names, repeatable */
        PROFILE_VALUE_UNIT,             /* char *, a systemd unit name */
        PROFILE_VALUE_INCLUDE,          /* handled while loading, not stored */
        PROFILE_VALUE_RAW,              /* char *, parsed by validation (its unit depends on another key) */
        _PROFILE_VALUE_TYPE_MAX,
        _PROFILE_VALUE_TYPE_INVALID = -EINVAL,
} ProfileValueType;

typedef struct ConfigLoc {
        const char *file;       /* owned by the Profile's file list; NULL = not set (default) */
        unsigned line;
} ConfigLoc;

typedef struct ProfileAccesses {
        uint64_t value;         /* samples per aggregation interval, or ppm of the maximum if percent */
        bool percent;
} ProfileAccesses;

typedef struct ProfileRange {
        uint64_t min;
        uint64_t max;
} ProfileRange;

typedef struct ProfileRegion {
        uint64_t start;
        uint64_t end;
        ConfigLoc loc;
} ProfileRegion;

typedef struct ProfileRegions {
        ProfileRegion *items;
        size_t n;
        bool automatic;         /* Region=auto: every System RAM range, found when the profile starts */
} ProfileRegions;

typedef struct ProfileDest {
        uint64_t node;
        uint64_t weight;
        ConfigLoc loc;
} ProfileDest;

typedef struct ProfileDests {
        ProfileDest *items;
        size_t n;
} ProfileDests;

typedef struct ProfileUints {
        uint64_t *items;
        ConfigLoc *locs;
        size_t n;
} ProfileUints;

typedef struct ProfileStrv {
        char **items;
        ConfigLoc *locs;
        size_t n;
} ProfileStrv;

/* Room for every key of the table; checked by a static assertion in profile-keys.c. */
#define PROFILE_KEYS_MAX 128

/* The head of every section object. */
typedef struct ProfileSection {
        ProfileSectionType type;
        char *name;                     /* named sections only */
        ConfigLoc loc;                  /* the first header line that opened it */
        ConfigLoc set[PROFILE_KEYS_MAX];/* by key index: where the key was last set (file NULL: default) */
        bool failed[PROFILE_KEYS_MAX];  /* by key index: the last value given did not parse (and was
                                         * reported), so "X= is required" would only repeat it */
} ProfileSection;

typedef enum ProfileUnsupported {
        PROFILE_UNSUPPORTED_REFUSE,     /* refuse the profile (the default) */
        PROFILE_UNSUPPORTED_SKIP,       /* drop the scheme, or fall back to the kernel default, and say so */
        _PROFILE_UNSUPPORTED_MAX,
        _PROFILE_UNSUPPORTED_INVALID = -EINVAL,
} ProfileUnsupported;

typedef struct ProfileGeneral {
        ProfileSection head;
        char *name;
        char *description;
        bool enabled;
        int operations;                 /* DamonOps */
        int unsupported;                /* ProfileUnsupported */
        char *pressure_ceiling;         /* PressureCeiling= as written: a stall per second or a share */
        uint64_t pressure_ceiling_usec; /* set by profile_validate(): stall µs per second; 0: none */
} ProfileGeneral;

typedef struct ProfileMonitor {
        ProfileSection head;
        uint64_t sample_usec;
        uint64_t aggr_usec;
        uint64_t update_usec;
        uint64_t goal_access_ppm;
        uint64_t goal_aggrs;
        uint64_t min_sample_usec;
        uint64_t max_sample_usec;
        uint64_t min_regions;
        uint64_t max_regions;
        uint64_t addr_unit;
        uint64_t refresh_usec;
} ProfileMonitor;

/* QuotaTunedBy=: who turns a scheme's goals into its quota. */
typedef enum ProfileQuotaTunedBy {
        PROFILE_QUOTA_TUNED_BY_KERNEL,  /* the kernel's goals (6.8+); damond feeds or emulates the rest */
        PROFILE_QUOTA_TUNED_BY_DAMOND,  /* damond computes the size quota, in whole pages, on any kernel */
        _PROFILE_QUOTA_TUNED_BY_MAX,
        _PROFILE_QUOTA_TUNED_BY_INVALID = -EINVAL,
} ProfileQuotaTunedBy;

typedef enum ProfileNodes {
        PROFILE_NODES_MANUAL,           /* migration schemes name their nodes (TargetNode=, Dest=, Node=) */
        PROFILE_NODES_AUTO,             /* damond derives them from the machine's memory tiers */
        _PROFILE_NODES_MAX,
        _PROFILE_NODES_INVALID = -EINVAL,
} ProfileNodes;

typedef struct ProfileTarget {
        ProfileSection head;
        int nodes;                      /* ProfileNodes: Nodes= */
        ProfileRegions regions;
        ProfileUints pids;
        ProfileStrv process_names;
        ProfileStrv cgroups;
        ProfileStrv units;              /* Unit=: systemd units whose cgroup damond looks up and follows */
        uint64_t max_processes;         /* MaxProcesses=: most followed processes monitored at once */
} ProfileTarget;

typedef struct ProfileScheme {
        ProfileSection head;
        int action;                     /* DamosAction */
        uint64_t min_size;
        uint64_t max_size;
        ProfileAccesses min_accesses;
        ProfileAccesses max_accesses;
        uint64_t min_age_usec;
        uint64_t max_age_usec;          /* UINT64_MAX: no limit */
        uint64_t apply_interval_usec;
        uint64_t target_node;
        uint64_t quota_time_usec;
        uint64_t quota_size;
        uint64_t quota_reset_usec;
        uint64_t weight_size;
        uint64_t weight_accesses;
        uint64_t weight_age;
        int goal_tuner;                 /* DamosGoalTuner */
        int quota_tuned_by;             /* ProfileQuotaTunedBy */
        int wmark_metric;               /* DamosWmarkMetric */
        uint64_t wmark_interval_usec;
        uint64_t wmark_high_ppm;
        uint64_t wmark_mid_ppm;
        uint64_t wmark_low_ppm;
        uint64_t max_snapshots;
        ProfileDests dests;
        bool has_measured_goal;         /* set by profile_validate(): a goal other than user_input names it */
} ProfileScheme;

/* The kernel's goal metrics (DamosGoalMetric, same values) and damond's own signals after them, which
 * damond measures and feeds to a user_input goal. */
typedef enum ProfileGoalMetric {
        PROFILE_GOAL_MEM_PSI_FULL_US = _DAMOS_GOAL_METRIC_MAX, /* system memory PSI "full", µs per window */
        PROFILE_GOAL_CGROUP_MEM_PSI_US,         /* a cgroup's memory PSI "some", µs per window */
        PROFILE_GOAL_CGROUP_MEM_USAGE,          /* a cgroup's memory.current against a size */
        _PROFILE_GOAL_METRIC_MAX,
        _PROFILE_GOAL_METRIC_INVALID = -EINVAL,
} ProfileGoalMetric;

const char *profile_goal_metric_to_string(int m);

typedef struct ProfileGoal {
        ProfileSection head;
        char *scheme;
        int metric;                     /* DamosGoalMetric or ProfileGoalMetric */
        char *target;                   /* as written; its unit depends on Metric= */
        uint64_t target_value;          /* set by profile_validate(), in the metric's unit: bp, µs, bytes */
        bool target_of_limit;           /* cgroup_mem_usage given as a percentage: target_value is in bp of
                                         * the cgroup's memory.high (memory.max when high is "max") */
        uint64_t node;
        char *cgroup;
        char *unit;                     /* Unit=: the cgroup is this unit's, as systemd says while it runs */
} ProfileGoal;

typedef enum ProfileFilterLayer {
        PROFILE_FILTER_LAYER_AUTO,      /* core_filters/ or ops_filters/ by type where the kernel has them */
        PROFILE_FILTER_LAYER_CORE,
        PROFILE_FILTER_LAYER_OPS,
        PROFILE_FILTER_LAYER_LEGACY,    /* filters/ */
        _PROFILE_FILTER_LAYER_MAX,
        _PROFILE_FILTER_LAYER_INVALID = -EINVAL,
} ProfileFilterLayer;

typedef struct ProfileFilter {
        ProfileSection head;
        char *scheme;
        int layer;                      /* ProfileFilterLayer */
        int type;                       /* DamosFilterType */
        bool matching;
        bool allow;
        bool optional;                  /* Optional=: where the kernel lacks the type, the scheme runs
                                         * without the filter instead of being left out */
        char *memcg;
        ProfileRange addr_range;        /* [start, end) */
        uint64_t target_index;
        ProfileRange hugepage_size;     /* [min, max] */
} ProfileFilter;

typedef struct Profile {
        char *name;                     /* Name=, else the main file's name without .conf */
        char *path;                     /* the main file */
        ProfileGeneral general;
        ProfileMonitor monitor;
        ProfileTarget target;
        ProfileScheme **schemes;        /* in order of first appearance */
        size_t n_schemes;
        StrMap schemes_by_name;         /* name -> ProfileScheme *, for lookups in O(1) */
        ProfileGoal **goals;
        size_t n_goals;
        ProfileFilter **filters;        /* in order of first appearance: the kernel's evaluation order */
        size_t n_filters;
        char **files;                   /* every file read, in order: the main file, includes, drop-ins */
        size_t n_files;
} Profile;

Profile *profile_free(Profile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Profile *, profile_free);

/*
 * Parses the profile whose main file is @path, then the files of @dropins (NULL-terminated, may be NULL)
 * in order, every file read through @files (NULL: none). Includes are resolved by @files' include(),
 * parsed before the including file, each file once, and every budget above applies. @data non-NULL: the
 * main file's contents (@size bytes, NUL-terminated), not read through @files. A main file that holds no
 * setting at all is an error (to disable a shipped profile, use Enabled=no or a link to /dev/null).
 * Always sets *ret (unless -ENOMEM), even with errors.
 */
int profile_load_files(const char *path, const char *data, size_t size, char * const *dropins,
                       const ProfileFiles *files, Profile **ret, DiagList *diags);

/* Parses a profile held in memory, as if read from a file named @name: for tests, the fuzzer and
 * Validate's probe. Includes are read through @files, which may be NULL (then every Include= is an
 * error). */
int profile_load_string(const char *name, const char *data, size_t size, const ProfileFiles *files,
                        Profile **ret, DiagList *diags);

/* Cross-key validation; fills the goals' target_value. @machine (may be NULL: skipped) says whether the
 * cgroups named exist. */
int profile_validate(Profile *p, const ProfileMachine *machine, DiagList *diags);

/* The key table: the one description of every key, shared by the parser, the validation, the compiler
 * and the test that the man page documents exactly these keys. */
typedef struct ProfileKey {
        ProfileSectionType section;
        const char *name;
        ProfileValueType type;
        size_t offset;                  /* of the value in the section's object */
        const char *default_value;      /* in profile syntax, parsed to initialise objects; NULL = unset */
        const char *unit;               /* for messages and documentation */
        uint64_t min, max;              /* inclusive range in the parsed unit; both 0 = any */
        uint64_t step;                  /* the value must be a multiple of it (kernel resolution); 0 = any */
        int feature;                    /* DamonFeature the kernel needs for a non-default value; -1 = any */
        const char * const *choices;    /* PROFILE_VALUE_ENUM: NULL-terminated keywords, index = value */
} ProfileKey;

extern const ProfileKey profile_keys[];
extern const size_t profile_keys_count;

/* Index into profile_keys, or -ENOENT. */
int profile_key_lookup(ProfileSectionType section, const char *name);

/* Parses @value for @key into the object @obj (a section object of the key's section type). An empty
 * value resets the key to its default (and clears lists). On error appends a diagnostic and leaves the
 * value unchanged. Returns 0, -EINVAL (reported), or -ENOMEM. */
int profile_key_parse(const ProfileKey *key, void *obj, const char *value, const char *file, unsigned line,
                      DiagList *diags);

/* Resets every key of @obj's section type to its default. Returns 0 or -ENOMEM. */
int profile_section_init(ProfileSection *obj, ProfileSectionType type);
/* Frees the strings and lists a section object owns (not the object). */
void profile_section_done(ProfileSection *obj);

/* damond.conf: daemon-wide settings. */
typedef enum DamondLogLevel {
        DAMOND_LOG_ERR,
        DAMOND_LOG_WARNING,
        DAMOND_LOG_NOTICE,
        DAMOND_LOG_INFO,
        DAMOND_LOG_DEBUG,
        _DAMOND_LOG_LEVEL_MAX,
        _DAMOND_LOG_LEVEL_INVALID = -EINVAL,
} DamondLogLevel;

typedef struct DamondConfig {
        ProfileSection head;
        int log_level;                  /* DamondLogLevel */
        uint64_t status_interval_usec;
        bool stop_on_exit;
        uint64_t max_kdamonds;
        uint64_t backoff_pressure_usec;
        uint64_t backoff_window_usec;
        uint64_t snapshot_interval_usec;        /* 0: no access snapshots */
        uint64_t snapshot_history_max_bytes;    /* per profile */
        uint64_t allowed_stall_ppm;             /* AllowedStall=: the stall goal of every PSI goal without a
                                                 * Target=, in ppm of its QuotaResetInterval= */
        char *metrics_directory;                /* node_exporter's textfile directory, NULL: none */
        char **files;
        size_t n_files;
} DamondConfig;

/* Parses damond.conf from @path (NULL: none, the defaults), then the files of @dropins (NULL-terminated,
 * may be NULL), read through @files. */
int damond_config_parse(const char *path, char * const *dropins, const ProfileFiles *files, DamondConfig *ret,
                        DiagList *diags);

/* AllowedStall= of damond.conf, which profile_validate() gives every goal on a stall metric
 * (some_mem_psi_us, mem_psi_full_us, cgroup_mem_psi_us) that has no Target= of its own: the shipped
 * policies leave Target= unset, so that one setting steers them all. Process-wide: damond sets it
 * whenever it (re)reads damond.conf, before it reads the profiles; until then it is the default,
 * PROFILE_ALLOWED_STALL_PPM_DEFAULT (0.1%). */
#define PROFILE_ALLOWED_STALL_PPM_DEFAULT 1000
void profile_set_allowed_stall_ppm(uint64_t ppm);
uint64_t profile_allowed_stall_ppm(void);
void damond_config_done(DamondConfig *c);
