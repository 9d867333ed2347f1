/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The tuning arithmetic, per DAMOS scheme: what damond feeds the kernel's quota goals, the size quota it
 * has the kernel apply, and the pressure guard (fast back-off, ceiling pause). Pure logic: no I/O, no
 * logging, no clock. The caller (daemon/manager-tune.c) measures, passes the time in, writes sysfs only
 * when a TunerResult says something changed, and logs the decision text it gets back.
 *
 * docs/tuning.md is the design: the three ways a goal is served (TunerGoalSource), how FEED mode steers
 * the kernel's own loop, the guard's states, and the units. Each function below states its contract.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A value not known: a measurement that failed, an effective quota not read. */
#define TUNER_UNKNOWN UINT64_MAX

/* Most goals per scheme that the tuner serves (the kernel takes the max score over any number). */
#define TUNER_GOALS_MAX 8

/* The kernel's score of a goal that is exactly met, and its bp of a byte (esz_bp / 10000 = bytes). */
#define TUNER_SCORE_GOAL UINT64_C(10000)

/* Largest target: the kernel computes current * 10000 / target in an unsigned long, and a feed value is
 * at most 2 * target. */
#define TUNER_TARGET_MAX (UINT64_MAX / 20000)

/* The most a fed value is, in bp of its target (below the 20000 that collapses the kernel's quota): a
 * score of 17500 cuts the kernel's quota to a quarter in one window. So the goals alone never cut by more
 * than 4x per window, which keeps a goal overshoot from collapsing the quota to nothing and climbing back
 * for tens of windows; cutting faster is the guard's job (back-off, pause). */
#define TUNER_FEED_MAX_BP UINT64_C(17500)

/* A usage goal (cgroup_mem_usage) is fed for the usage this many windows ahead at its last change:
 * usage + 4 * (usage - previous usage). Usage integrates the quota, and feeding it as it is makes the
 * kernel's loop overshoot the target and cycle around it; looking ahead damps that (see tuner.c). */
#define TUNER_USAGE_TREND_WINDOWS 4

/* The defaults of tuner_config_init(). */
#define TUNER_RESET_INTERVAL_USEC_DEFAULT UINT64_C(1000000)     /* the quota reset interval: 1 s */
#define TUNER_QUOTA_LIMIT_DEFAULT (UINT64_C(1) << 30)           /* 1 GiB per reset interval */
#define TUNER_FLOOR_DEFAULT UINT64_C(4096)                      /* one page */
#define TUNER_GRANULE_DEFAULT UINT64_C(4096)                    /* the page size of x86-64 */
#define TUNER_GROWTH_BP_DEFAULT UINT64_C(15000)                 /* at most 1.5x per window */
#define TUNER_BACKOFF_STALL_USEC_DEFAULT UINT64_C(100000)       /* 100 ms ... */
#define TUNER_BACKOFF_WINDOW_USEC_DEFAULT UINT64_C(1000000)     /* ... in 1 s (damond.conf's defaults) */
#define TUNER_CEILING_USEC_DEFAULT UINT64_C(200000)             /* 200 ms stall per second (20 %) ... */
#define TUNER_CEILING_HOLD_USEC_DEFAULT UINT64_C(10000000)      /* ... for 10 s pauses */
#define TUNER_RESUME_HOLD_USEC_DEFAULT UINT64_C(60000000)       /* below resume_usec for 60 s resumes */

/* Same values, in the same order, as TuneState (daemon/tune-status.h), so that one maps onto the other. */
typedef enum TunerState {
        TUNER_STATE_NONE,               /* no goals and no guard: nothing to do */
        TUNER_STATE_TUNING,             /* goals (and guard) work normally; quota as configured or tuned */
        TUNER_STATE_BACKED_OFF,         /* the guard cut the quota; one bounded step up per calm window */
        TUNER_STATE_PAUSED,             /* the stall stayed above the ceiling: the scheme applies nothing */
        _TUNER_STATE_MAX,
        _TUNER_STATE_INVALID = -EINVAL,
} TunerState;

/* "none", "tuning", "backed-off", "paused" (the strings of tune_state_to_string()) */
const char *tuner_state_to_string(TunerState s);

typedef enum TunerGoalSource {
        TUNER_GOAL_KERNEL,              /* the kernel measures it: nothing to feed; the guard still acts */
        TUNER_GOAL_FEED,                /* a user_input goal whose current_value damond writes */
        TUNER_GOAL_EMULATED,            /* no quota goals in the kernel: damond tunes quotas/bytes */
        _TUNER_GOAL_SOURCE_MAX,
        _TUNER_GOAL_SOURCE_INVALID = -EINVAL,
} TunerGoalSource;

typedef struct TunerGoal {
        int metric;                     /* DamosGoalMetric or ProfileGoalMetric (profile.h) */
        uint64_t target;                /* in the metric's unit, 1..TUNER_TARGET_MAX */
        TunerGoalSource source;
} TunerGoal;

typedef struct TunerConfig {
        uint64_t reset_interval_usec;   /* the scheme's quota reset interval; tuner_window() is called
                                         * once per such interval; > 0 */
        uint64_t quota_size;            /* QuotaSize=, a hard cap in bytes per reset interval; 0: none */
        uint64_t quota_limit_default;   /* where damond's own quota and the back-off's rise stop when
                                         * quota_size is 0; > 0 */
        uint64_t floor;                 /* lowest quota except when paused, bytes; >= 1. A quota_size
                                         * below it wins (the cap is hard). */
        uint64_t granule;               /* the kernel's charging unit, its minimum region (the page size):
                                         * every size quota damond sets from a floor up is a whole number
                                         * of these; > 0 */
        uint64_t growth_bp;             /* most a quota damond sets may grow per window, bp: 10001..20000 */
        uint64_t backoff_stall_usec;    /* back-off when the stall reaches this within ... ; 0: never */
        uint64_t backoff_window_usec;   /* ... this window (the trigger's); > 0 with backoff_stall_usec */
        uint64_t ceiling_usec;          /* stall per second above which the scheme pauses...; 0: never */
        uint64_t ceiling_hold_usec;     /* ... when it stays above for this long */
        uint64_t resume_usec;           /* stall per second below which a paused scheme resumes ...;
                                         * < ceiling_usec; 0: ceiling_usec / 2 */
        uint64_t resume_hold_usec;      /* ... when it stays below for this long */
} TunerConfig;

/* Fills @c with the TUNER_*_DEFAULT values (quota_size 0, resume_usec 0 = half the ceiling). */
void tuner_config_init(TunerConfig *c);

/* Per scheme. Owned by the caller (no allocation); the fields are read-only outside tuner.c and are
 * what status shows. */
typedef struct SchemeTuner {
        TunerConfig config;             /* as given, resume_usec resolved */
        TunerGoal goals[TUNER_GOALS_MAX];
        size_t n_goals;
        bool emulated;                  /* the goals are EMULATED: damond tunes quotas/bytes */

        TunerState state;
        uint64_t applied;               /* the size quota damond has the kernel apply: 0 = as configured,
                                         * 1 = paused, else bytes; TUNER_UNKNOWN before the first call */
        uint64_t cap;                   /* the guard's cap while BACKED_OFF, bytes; 0 otherwise */
        uint64_t esz_bp;                /* EMULATED: damond's own effective quota in bp of a byte */
        uint64_t kernel_esz_bp;         /* FEED: the kernel's esz_bp as damond expects it from what it fed
                                         * (its step over the fed values, once per window), reset from the
                                         * effective quota read back when there is one */
        bool held;                      /* FEED: the last window steered the goals (see above) */
        uint64_t measured[TUNER_GOALS_MAX];     /* last measured, in the goal's unit; TUNER_UNKNOWN */
        uint64_t feed[TUNER_GOALS_MAX]; /* last value returned for a FEED goal; TUNER_UNKNOWN: none yet */
        uint64_t effective;             /* last effective quota the caller read, or TUNER_UNKNOWN */
        uint64_t stall_per_sec_usec;    /* the guard's last stall, µs per second, or TUNER_UNKNOWN */

        /* guard timers, µs on the caller's clock; TUNER_UNKNOWN: not running */
        uint64_t above_since_usec;      /* stall per second above the ceiling since */
        uint64_t below_since_usec;      /* stall per second below resume_usec since */
        uint64_t event_usec;            /* last back-off or trigger: a resume timer restarts there */
        bool event_since_window;        /* a trigger fired since the last window: that window is not calm */
} SchemeTuner;

/* What one window measured. */
typedef struct TunerSample {
        uint64_t now_usec;              /* the end of the window, monotonic */
        uint64_t window_usec;           /* its length (about the reset interval); > 0 */
        uint64_t stall_usec;            /* the guard's "some" stall in the window, or TUNER_UNKNOWN */
        uint64_t measured[TUNER_GOALS_MAX];     /* per goal, in its metric's unit, PSI-type ones as stall
                                                 * in this window; TUNER_UNKNOWN if not measured. KERNEL
                                                 * goals: optional, kept for status */
        uint64_t effective;             /* the kernel's effective_bytes (6.9+) in this window if read, else
                                         * TUNER_UNKNOWN; for the decision text and status, and in FEED mode
                                         * it corrects kernel_esz_bp (the model may drift from the kernel) */
} TunerSample;

/* Initialises @s for status "not measured": every value TUNER_UNKNOWN, @now_usec and @window_usec set. */
void tuner_sample_init(TunerSample *s, uint64_t now_usec, uint64_t window_usec);

typedef enum TunerChange {
        TUNER_CHANGE_QUOTA = 1 << 0,    /* quota changed: write quotas/bytes (0: QuotaSize=) and commit */
        TUNER_CHANGE_GOALS = 1 << 1,    /* a FEED value changed: write current_value(s) and
                                         * commit_schemes_quota_goals (or let the quota's commit carry it) */
        TUNER_CHANGE_STATE = 1 << 2,    /* the state changed: worth a notice in the journal */
} TunerChange;

typedef struct TunerResult {
        TunerState state;
        uint64_t quota;                 /* the size quota to apply: 0 = as configured (QuotaSize=, which may
                                         * be 0 = none), 1 = paused, else bytes (never above QuotaSize=) */
        uint64_t feed[TUNER_GOALS_MAX]; /* FEED goals: current_value to write; other goals TUNER_UNKNOWN */
        unsigned changed;               /* TunerChange flags, against what the previous call returned */
} TunerResult;

/*
 * Sets up @t for a scheme with @n_goals goals (copied), in state TUNING (NONE when there are no goals,
 * no back-off and no ceiling), nothing applied yet: the first tuner_window() reports the quota and feed
 * values as changed. Use it again on reload (the state starts over).
 * Returns 0, or -EINVAL (an invalid config value as documented above; a goal target of 0 or a source
 * out of range; EMULATED goals mixed with others), -ERANGE (a target above TUNER_TARGET_MAX), -E2BIG
 * (more than TUNER_GOALS_MAX goals). On error @t is left untouched.
 */
int tuner_init(SchemeTuner *t, const TunerConfig *c, const TunerGoal *goals, size_t n_goals);

/* The size quota to start (or restart) the scheme with, before the first window: the floor when the
 * goals are EMULATED (damond's own quota starts low and rises; starting "as configured" would apply
 * QuotaSize=, or no limit at all, in the first window), else 0 = as configured. */
uint64_t tuner_start_quota(const SchemeTuner *t);

/*
 * Once per reset interval, with what the window measured: runs the guard (calm-window rise, back-off on
 * a window whose stall reaches the threshold, ceiling pause, resume) and the goals (feed values, or
 * damond's own quota step), fills @ret, and writes one line with the numbers behind the decision to
 * @text (always NUL-terminated, truncated to @text_size; may be NULL when @text_size is 0), e.g.
 *   "tuning: stall 5ms/s; score 2500 from some_mem_psi_us 5ms of 20ms; size quota 6.0K -> 9.0K"
 * Returns 0, or -EINVAL when @s->window_usec is 0 (nothing changed then).
 */
int tuner_window(SchemeTuner *t, const TunerSample *s, TunerResult *ret, char *text, size_t text_size);

/*
 * A PSI trigger fired at @now_usec: @stall_usec (the trigger's threshold, or more if the caller knows)
 * within @window_usec. Backs off at once: quota to the floor, state BACKED_OFF, FEED goals steered to
 * it (their last values, or their most while the kernel's quota is above the floor). While PAUSED it
 * only restarts the resume timer. The next window is not calm. @text gets e.g.
 *   "backed off: some stall 312ms in 1s window >= 100ms; size quota 128.0M (QuotaSize=) -> 4.0K".
 * Returns 0, or -EINVAL when @window_usec is 0.
 */
int tuner_pressure_event(SchemeTuner *t, uint64_t now_usec, uint64_t stall_usec, uint64_t window_usec,
                         TunerResult *ret, char *text, size_t text_size);

/*
 * The kernel's step (mm/damon/core.c, docs/damon-abi.md section 6), exactly, on 64-bit unsigned longs:
 * damon_feed_loop_next_input(max(@last_bp, 10000), @score). @score 10000: unchanged; >= 20000: 10000
 * (the minimum); below 10000: grows by last * (10000 - score) / 10000 (at most 2x, saturating at
 * UINT64_MAX); above: shrinks by last * (score - 10000) / 10000, never below 10000.
 */
uint64_t tuner_kernel_next_bp(uint64_t last_bp, uint64_t score);

/* The kernel's score of one goal: @current * 10000 / @target (as the kernel computes it; @target > 0).
 * A scheme's score is the maximum over its goals: the least aggressive goal wins. */
uint64_t tuner_goal_score(uint64_t current, uint64_t target);

/*
 * The current_value to feed a user_input goal standing for @metric with @target, given @measured in the
 * goal's unit (PSI-type: stall µs per reset interval). The kernel's loop grows the quota while the value
 * is below the target and shrinks it above, so the value must rise as the scheme gets too aggressive:
 *   PSI-type metrics (some_mem_psi_us, mem_psi_full_us, cgroup_mem_psi_us), bp metrics, user_input:
 *       @measured;
 *   cgroup_mem_usage (more usage must make reclaim MORE aggressive): target * target / usage, so usage
 *       above the target feeds a value below it (usage 0: the clamp below).
 * Unless @brake, the value is clamped to target * TUNER_FEED_MAX_BP / 10000 (at least target + 1, at
 * most 2 * target - 1: one sample at 2 * target would collapse the kernel's quota). With @brake the
 * result is 2 * target, the value that collapses it: for a hard stop; tuner_window() does not use it.
 * @measured TUNER_UNKNOWN (not measured) feeds @target: the kernel holds its quota. @target must be > 0.
 */
uint64_t tuner_feed_value(int metric, uint64_t target, uint64_t measured, bool brake);
