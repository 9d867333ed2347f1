/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The profile runner: one profile on its kdamond. It owns a ManagedProfile's states (ProfileRunState), its
 * start, stop, adoption, online updates (or a restart where the kernel has no online commit), reloads,
 * the restart of a kdamond that stopped by itself, and the spec the kernel gets (build_spec()). The
 * Manager (manager.h) keeps the set of profiles, the kdamond slots, the event loop and the ownership
 * record, and calls in here for each profile.
 *
 * Everything here blocks on DAMON sysfs I/O (damon-sysfs.h); <0 is -ENOMEM unless a function says more.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "damon-sysfs.h"
#include "log.h"
#include "profile-compile.h"
#include "tune-status.h"
#include "tuner.h"

typedef struct Manager Manager;
struct ConfigProfile;
struct Slot;

/* How often a blocked profile is tried again. */
#define MANAGER_RETRY_USEC (5 * USEC_PER_SEC)
/* Restart back-off of a paddr kdamond that stopped by itself: doubles from the first to the last. */
#define MANAGER_BACKOFF_FIRST_USEC (1 * USEC_PER_SEC)
#define MANAGER_BACKOFF_MAX_USEC (60 * USEC_PER_SEC)

typedef enum ProfileRunState {
        PROFILE_RUN_DISABLED,   /* Enabled=no */
        PROFILE_RUN_RUNNING,
        PROFILE_RUN_BLOCKED,    /* another DAMON user, or no kdamond to run on: retried every 5 s */
        PROFILE_RUN_WAITING,    /* stopped by itself: restart back-off (paddr) or waiting for its pids */
        PROFILE_RUN_FAILED,     /* the kernel refused it: tried again after the back-off */
        PROFILE_RUN_STOPPED,    /* by the operator (operator-verbs.h): until StartProfile, a restart, or a
                                 * reload that changes it */
        PROFILE_RUN_OVER_LIMIT, /* beyond MaxKdamonds=: not retried, but at every reload and StartProfile */
        _PROFILE_RUN_STATE_MAX,
        _PROFILE_RUN_STATE_INVALID = -EINVAL,
} ProfileRunState;

const char *profile_run_state_to_string(ProfileRunState s);

/* The values the tuning loop (manager-tune.h) has the kernel apply for one scheme, laid over every spec
 * built for its profile (build_spec()), so that starts, reloads, followed processes and deferred commits
 * keep them. */
typedef struct SchemeTuning {
        bool kept_paused;               /* damond cannot guard it: it runs with a quota of one byte */
        bool tuned;                     /* the values below replace the compiled ones */
        uint64_t quota;                 /* the size quota: 0 the compiled one, 1 paused, else bytes */
        size_t n_goals;                 /* the quota goals whose current value damond feeds */
        struct {
                size_t index;           /* into the scheme's quota goals */
                uint64_t value;         /* TUNER_UNKNOWN: nothing fed yet */
        } goals[TUNER_GOALS_MAX];
} SchemeTuning;

typedef struct ProfileTuning {
        char *fingerprint;              /* of the compiled version they were made for; NULL: none */
        const DamosScheme *schemes_ptr; /* ... and its schemes (see profile_tuning_current()) */
        size_t n_schemes;
        SchemeTuning *schemes;
        bool warned_commit;             /* a failed commit of them was said at warning level */
} ProfileTuning;

void profile_tuning_done(ProfileTuning *t);

typedef struct ManagedProfile {
        Manager *manager;
        char *name;
        char *path;
        CompiledProfile compiled;       /* the version that runs (or would run) */
        char *fingerprint;              /* compiled_profile_fingerprint() of it */
        DamonSpec applied;              /* what was last started/committed (regions filled in) */
        bool has_applied;
        int kdamond;                    /* owned index it runs on, -1 none */
        pid_t pid;                      /* kdamond pid while running, else -1 */
        ProfileRunState state;
        char *reason;                   /* why it is blocked/waiting/failed, for STATUS and logs */
        uint64_t retry_usec;            /* CLOCK_MONOTONIC time of the next attempt */
        uint64_t backoff_usec;          /* the next restart back-off */
        uint64_t running_since_usec;
        unsigned n_restarts;
        bool follow_dirty;              /* a process event concerns its ProcessName=/CGroup= targets */
        uint64_t follow_next_usec;      /* the earliest next rescan of those: one per MANAGER_FOLLOW_WINDOW_USEC
                                         * however many events come */
        size_t follow_matched;          /* processes that matched at the last rescan, Pid= ones aside */
        size_t follow_left_out;         /* ... of which MaxProcesses= left out */
        unsigned n_follow_rescans;      /* rescans and online commits of the followed processes */
        unsigned n_follow_commits;
        LogRateLimit follow_log;        /* "now monitors N processes" and the MaxProcesses= warning */
        LogRateLimit follow_cap_log;
        LogRateLimit restart_log;       /* a followed profile's kdamond stopping with its processes, and its
                                         * restart: anyone can cause both by starting and ending processes */
        bool restart_quiet;             /* the last such stop went to debug: so does the restart */
        bool commit_pending;            /* @compiled is newer than @applied: the kernel could not take the
                                         * commit yet (damon_sysfs_commit() -EAGAIN); retried every tick */
        /* What its kdamond did lately (sz_applied summed over its schemes), for STATUS= */
        uint64_t window_start_usec;     /* 0: no reading yet since it started */
        uint64_t window_start_applied;
        uint64_t applied_last_window;   /* bytes acted on in the last complete window */
        bool has_last_window;
        uint64_t status_read_usec;      /* when the stats were last refreshed (manager_refresh_status()) */
        uint64_t stats_read_usec;       /* when they were last read from the kernel (0: never): the refresh
                                         * skips the read while every scheme is off by its watermarks */
        ProfileTuneStatus tune;         /* tune-status.h: filled by the tuning loop and the status refresh */
        struct ProfileTuner *tuner;     /* the tuning loop's state (manager-tune.c), NULL: none */
        ProfileTuning tuning;           /* the values it has the kernel apply, made with @tuner */
        struct ProfileObserve *observe; /* snapshots and savings (observe.h), NULL: none yet */
        /* profile-changes.h: digests of what its D-Bus properties showed at the last look */
        uint64_t run_digest;
        uint64_t status_digest;
        bool has_run_digest;
        bool has_status_digest;
} ManagedProfile;

/* A ManagedProfile for @l (its compiled version and paths taken over), not started. */
int managed_profile_new(Manager *m, struct ConfigProfile *l, ManagedProfile **ret);
ManagedProfile *managed_profile_free(ManagedProfile *p);

/* Sets why @p does not run; returns 1 if that changed (worth a warning rather than a debug line). */
int set_reason(ManagedProfile *p, const char *fmt, ...) _printf_(2, 3);
void clear_reason(ManagedProfile *p);
bool has_followed(const ManagedProfile *p);
/* Whether p->tuning was made for the compiled version of @p (the fingerprint alone does not tell, during a
 * reload, the old compiled version from the new). */
bool profile_tuning_current(const ManagedProfile *p);

/* The one spec the kernel gets for @p. With @running NULL: the compiled spec with "auto" regions and
 * followed processes resolved and refresh_ms set; with @running (what the kdamond runs): a copy of it.
 * Either way the tuning (p->tuning, or before the tuning loop has values for this version, the schemes
 * it cannot guard kept paused) is laid over it. 0, -ENOMEM, or -errno when resolving failed. */
int build_spec(Manager *m, ManagedProfile *p, const DamonSpec *running, DamonSpec *ret);
/* Takes over @spec as what the kdamond runs. */
void set_applied(ManagedProfile *p, DamonSpec *spec);
/* Starts @p if it can run (or sets why not). <0 only for out-of-memory. 1 if it started. */
int profile_start(Manager *m, ManagedProfile *p, uint64_t now_usec);
int profile_stop(Manager *m, ManagedProfile *p, const char *why);
/* Brings the running kdamond of @p to @spec. Files written or -errno. */
int profile_update_running(Manager *m, ManagedProfile *p, const DamonSpec *spec, const DamonSpec *rollback,
                           DamonError *err);
int profile_adopt(Manager *m, ManagedProfile *p, struct Slot *s, uint64_t now_usec);
/* Rescans a running following profile's processes and commits a changed set. 1 if updated. */
int profile_follow(Manager *m, ManagedProfile *p, uint64_t now_usec);
/* Warns (at most once a minute) when MaxProcesses= left matching processes out at the last rescan. */
void profile_follow_warn_cap(ManagedProfile *p, uint64_t now_usec);

/* Has the running kdamond of @p apply p->tuning where it does not yet (an online commit, or only the goal
 * values when only they changed). Failures are logged and tried again at the next call. Returns the files
 * written, 0, or -ENOMEM. */
int profile_commit_tuning(Manager *m, ManagedProfile *p);

/* A reload gave @p the new valid version @l: started, stopped, or committed online (the running version
 * kept when the kernel refuses the new one). */
int profile_reload(Manager *m, ManagedProfile *p, struct ConfigProfile *l, uint64_t now_usec);

/* StopProfile's part: stops @p's kdamond if it runs, and keeps @p stopped (PROFILE_RUN_STOPPED) until it
 * is started, damond restarts, or a reload changes it; a profile that does not run (blocked, waiting,
 * failed) stops being retried. Returns 1 if @p changed, 0 if it was stopped or disabled already, -ENOMEM,
 * or the kernel's -errno (it still runs). */
int profile_operator_stop(Manager *m, ManagedProfile *p);
/* StartProfile's part, for a valid, enabled profile that does not run: starts it now, its back-off reset.
 * Returns 0 when it runs or waits (for its processes, say), 1 when it did not start (failed, blocked or
 * over the limit: p->reason says why; it is retried as its state says), or -ENOMEM. */
int profile_operator_start(Manager *m, ManagedProfile *p);

/* The health tick's part for @p: a kdamond that stopped by itself is restarted after a back-off (paddr) or
 * when its processes exist again (vaddr); what is due is retried; a running one is rescanned, tuned and
 * gets its deferred commit. 1 if the ownership record must be written, 0, or -ENOMEM. */
int profile_tick(Manager *m, ManagedProfile *p, uint64_t now_usec);
