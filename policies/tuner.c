/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "profile.h"
#include "tuner.h"

typedef unsigned __int128 u128;

static const char * const state_table[_TUNER_STATE_MAX] = {
        [TUNER_STATE_NONE] = "none",
        [TUNER_STATE_TUNING] = "tuning",
        [TUNER_STATE_BACKED_OFF] = "backed-off",
        [TUNER_STATE_PAUSED] = "paused",
};

const char *tuner_state_to_string(TunerState s) {
        if (s < 0 || s >= _TUNER_STATE_MAX)
                return NULL;
        return state_table[s];
}

void tuner_config_init(TunerConfig *c) {
        assert(c);

        *c = (TunerConfig) {
                .reset_interval_usec = TUNER_RESET_INTERVAL_USEC_DEFAULT,
                .quota_limit_default = TUNER_QUOTA_LIMIT_DEFAULT,
                .floor = TUNER_FLOOR_DEFAULT,
                .granule = TUNER_GRANULE_DEFAULT,
                .growth_bp = TUNER_GROWTH_BP_DEFAULT,
                .backoff_stall_usec = TUNER_BACKOFF_STALL_USEC_DEFAULT,
                .backoff_window_usec = TUNER_BACKOFF_WINDOW_USEC_DEFAULT,
                .ceiling_usec = TUNER_CEILING_USEC_DEFAULT,
                .ceiling_hold_usec = TUNER_CEILING_HOLD_USEC_DEFAULT,
                .resume_hold_usec = TUNER_RESUME_HOLD_USEC_DEFAULT,
        };
}

void tuner_sample_init(TunerSample *s, uint64_t now_usec, uint64_t window_usec) {
        assert(s);

        *s = (TunerSample) {
                .now_usec = now_usec,
                .window_usec = window_usec,
                .stall_usec = TUNER_UNKNOWN,
                .effective = TUNER_UNKNOWN,
        };
        for (size_t i = 0; i < TUNER_GOALS_MAX; i++)
                s->measured[i] = TUNER_UNKNOWN;
}

/* value * mul / div, saturating at UINT64_MAX; TUNER_UNKNOWN stays unknown. */
static uint64_t scale(uint64_t value, uint64_t mul, uint64_t div) {
        u128 r;

        if (value == TUNER_UNKNOWN)
                return TUNER_UNKNOWN;
        r = (u128) value * mul / div;
        return r > UINT64_MAX ? UINT64_MAX : (uint64_t) r;
}

static uint64_t bp_of(uint64_t bytes) {
        return scale(bytes, TUNER_SCORE_GOAL, 1);
}

uint64_t tuner_kernel_next_bp(uint64_t last_bp, uint64_t score) {
        /* damon_feed_loop_next_input(), called as damos_set_effective_quota() does */
        const uint64_t goal = TUNER_SCORE_GOAL, min_input = TUNER_SCORE_GOAL;
        uint64_t last = MAX(last_bp, min_input), diff, compensation;
        bool over = score > goal;

        if (score == goal)
                return last;
        if (score >= goal * 2)
                return min_input;

        diff = over ? score - goal : goal - score;
        if (last < UINT64_MAX / diff)
                compensation = last * diff / goal;
        else
                compensation = last / goal * diff;

        if (over)
                return MAX(last - compensation, min_input);
        if (last < UINT64_MAX - compensation)
                return last + compensation;
        return UINT64_MAX;
}

uint64_t tuner_goal_score(uint64_t current, uint64_t target) {
        assert(target > 0);

        /* The kernel's unsigned long arithmetic; tuner_init() keeps targets where it cannot wrap for
         * values we feed. */
        return current * TUNER_SCORE_GOAL / target;
}

static bool metric_is_stall(int metric) {
        return metric == DAMOS_GOAL_SOME_MEM_PSI_US ||
                metric == PROFILE_GOAL_MEM_PSI_FULL_US ||
                metric == PROFILE_GOAL_CGROUP_MEM_PSI_US;
}

static bool metric_is_bp(int metric) {
        return metric >= DAMOS_GOAL_NODE_MEM_USED_BP && metric <= DAMOS_GOAL_INACTIVE_MEM_BP;
}

/* The most a fed value may be: TUNER_FEED_MAX_BP of the target, above the target and below twice it. */
static uint64_t feed_max(uint64_t target) {
        return MIN(MAX(scale(target, TUNER_FEED_MAX_BP, TUNER_SCORE_GOAL), target + 1), 2 * target - 1);
}

uint64_t tuner_feed_value(int metric, uint64_t target, uint64_t measured, bool brake) {
        uint64_t v;

        assert(target > 0);

        if (brake)
                return target > UINT64_MAX / 2 ? UINT64_MAX : 2 * target;
        if (measured == TUNER_UNKNOWN)
                return target;

        if (metric == PROFILE_GOAL_CGROUP_MEM_USAGE)
                /* Higher usage must mean "reclaim more", i.e. a value further below the target. */
                v = measured == 0 ? UINT64_MAX : scale(target, target, measured);
        else
                v = measured;

        return MIN(v, feed_max(target));
}

/* The most damond lets the scheme apply per window, and its lowest quota short of a pause. */
static uint64_t limit_of(const SchemeTuner *t) {
        return t->config.quota_size > 0 ? t->config.quota_size : t->config.quota_limit_default;
}

static uint64_t floor_of(const SchemeTuner *t) {
        return MIN(t->config.floor, limit_of(t));
}

int tuner_init(SchemeTuner *t, const TunerConfig *c, const TunerGoal *goals, size_t n_goals) {
        size_t n_emulated = 0;
        uint64_t resume;

        assert(t);
        assert(c);
        assert(goals || n_goals == 0);

        if (n_goals > TUNER_GOALS_MAX)
                return -E2BIG;
        if (c->reset_interval_usec == 0 || c->quota_limit_default == 0 || c->floor == 0 || c->granule == 0)
                return -EINVAL;
        if (c->growth_bp <= TUNER_SCORE_GOAL || c->growth_bp > 2 * TUNER_SCORE_GOAL)
                return -EINVAL;
        if (c->backoff_stall_usec > 0 && c->backoff_window_usec == 0)
                return -EINVAL;
        resume = c->resume_usec > 0 ? c->resume_usec : c->ceiling_usec / 2;
        if (c->ceiling_usec > 0 && resume >= c->ceiling_usec)
                return -EINVAL;

        for (size_t i = 0; i < n_goals; i++) {
                if (goals[i].target == 0)
                        return -EINVAL;
                if (goals[i].target > TUNER_TARGET_MAX)
                        return -ERANGE;
                if (goals[i].source < 0 || goals[i].source >= _TUNER_GOAL_SOURCE_MAX)
                        return -EINVAL;
                if (goals[i].source == TUNER_GOAL_EMULATED)
                        n_emulated++;
        }
        if (n_emulated > 0 && n_emulated != n_goals)
                return -EINVAL;

        *t = (SchemeTuner) {
                .config = *c,
                .n_goals = n_goals,
                .emulated = n_emulated > 0,
                .state = n_goals == 0 && c->backoff_stall_usec == 0 && c->ceiling_usec == 0 ?
                        TUNER_STATE_NONE : TUNER_STATE_TUNING,
                .applied = TUNER_UNKNOWN,
                .effective = TUNER_UNKNOWN,
                .stall_per_sec_usec = TUNER_UNKNOWN,
                .above_since_usec = TUNER_UNKNOWN,
                .below_since_usec = TUNER_UNKNOWN,
                .event_usec = TUNER_UNKNOWN,
        };
        t->config.resume_usec = c->ceiling_usec > 0 ? resume : 0;
        for (size_t i = 0; i < TUNER_GOALS_MAX; i++) {
                t->measured[i] = TUNER_UNKNOWN;
                t->feed[i] = TUNER_UNKNOWN;
        }
        if (t->emulated)
                t->esz_bp = bp_of(floor_of(t));
        if (n_goals > 0)
                memcpy(t->goals, goals, n_goals * sizeof(goals[0]));
        return 0;
}

static uint64_t elapsed(uint64_t now_usec, uint64_t since_usec) {
        return now_usec > since_usec ? now_usec - since_usec : 0;
}

/* One bounded step up: by growth_bp, at least one byte. */
static uint64_t grow(const SchemeTuner *t, uint64_t v) {
        uint64_t n = scale(v, t->config.growth_bp, TUNER_SCORE_GOAL);

        return n > v ? n : (v < UINT64_MAX ? v + 1 : v);
}

/*
 * The kernel charges a window's quota in whole regions of at least a page, and it records where a window
 * stopped, for the next one to go on from there, only when the charge reaches the effective quota exactly
 * (mm/damon/core.c, damos_apply_scheme(): the last application is rounded down to whole pages). So a
 * quota that is not a whole number of pages is never used up: every window starts again at the lowest
 * address and the scheme never gets past the first quota's worth of memory. Every quota damond sets is
 * therefore rounded down to the granule (one byte, a pause, stays as it is).
 */
static uint64_t granular(const SchemeTuner *t, uint64_t q) {
        return q < t->config.granule ? q : q - q % t->config.granule;
}

static uint64_t quota_of(const SchemeTuner *t) {
        uint64_t q;

        switch (t->state) {
        case TUNER_STATE_PAUSED:
                return 1;
        case TUNER_STATE_BACKED_OFF:
                if (!t->emulated)
                        return granular(t, t->cap);
                q = MIN(t->esz_bp / TUNER_SCORE_GOAL, t->cap);
                break;
        default:
                if (!t->emulated)
                        return 0;
                q = t->esz_bp / TUNER_SCORE_GOAL;
        }
        return granular(t, MAX(MIN(q, limit_of(t)), floor_of(t)));
}

uint64_t tuner_start_quota(const SchemeTuner *t) {
        assert(t);

        return t->emulated ? floor_of(t) : 0;
}

/* Text: appends stay NUL-terminated and stop at the end of the buffer. */
typedef struct Text {
        char *buf;
        size_t size;
        size_t len;
} Text;

_printf_(2, 3)
static void text_add(Text *x, const char *fmt, ...) {
        va_list ap;
        int r;

        if (x->size == 0 || x->len >= x->size - 1)
                return;
        va_start(ap, fmt);
        r = vsnprintf(x->buf + x->len, x->size - x->len, fmt, ap);
        va_end(ap);
        if (r > 0)
                x->len = MIN(x->len + (size_t) r, x->size - 1);
}

#define FMT_MAX 32

static const char *fmt_size(char buf[static FMT_MAX], uint64_t bytes) {
        static const char units[] = "KMGTPE";
        double v = (double) bytes;
        int i = -1;

        if (bytes < 1024) {
                snprintf(buf, FMT_MAX, "%" PRIu64 "B", bytes);
                return buf;
        }
        while (v >= 1024.0 && i < 5) {
                v /= 1024.0;
                i++;
        }
        snprintf(buf, FMT_MAX, "%.1f%c", v, units[i]);
        return buf;
}

static const char *fmt_usec(char buf[static FMT_MAX], uint64_t usec) {
        if (usec == TUNER_UNKNOWN)
                snprintf(buf, FMT_MAX, "?");
        else if (usec >= USEC_PER_SEC && usec % USEC_PER_SEC == 0)
                snprintf(buf, FMT_MAX, "%" PRIu64 "s", usec / USEC_PER_SEC);
        else if (usec >= 10 * USEC_PER_SEC)
                snprintf(buf, FMT_MAX, "%.1fs", (double) usec / USEC_PER_SEC);
        else if (usec >= USEC_PER_MSEC && usec % USEC_PER_MSEC == 0)
                snprintf(buf, FMT_MAX, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
        else if (usec >= USEC_PER_MSEC)
                snprintf(buf, FMT_MAX, "%.1fms", (double) usec / USEC_PER_MSEC);
        else
                snprintf(buf, FMT_MAX, "%" PRIu64 "us", usec);
        return buf;
}

/* A goal value in its metric's unit. */
static const char *fmt_value(char buf[static FMT_MAX], int metric, uint64_t v) {
        if (v == TUNER_UNKNOWN)
                snprintf(buf, FMT_MAX, "?");
        else if (metric_is_stall(metric))
                return fmt_usec(buf, v);
        else if (metric == PROFILE_GOAL_CGROUP_MEM_USAGE)
                return fmt_size(buf, v);
        else if (metric_is_bp(metric))
                snprintf(buf, FMT_MAX, "%" PRIu64 ".%02" PRIu64 "%%", v / 100, v % 100);
        else
                snprintf(buf, FMT_MAX, "%" PRIu64, v);
        return buf;
}

/* A size and a note on where it came from: room for both, so the note is never cut. */
#define FMT_QUOTA_MAX (FMT_MAX + 16)

static const char *fmt_quota(char buf[static FMT_QUOTA_MAX], const SchemeTuner *t, uint64_t q) {
        char s[FMT_MAX];

        if (q == TUNER_UNKNOWN)
                snprintf(buf, FMT_QUOTA_MAX, "unset");
        else if (q > 0)
                return fmt_size(buf, q);
        else if (t->effective != TUNER_UNKNOWN)
                snprintf(buf, FMT_QUOTA_MAX, "%s (kernel-tuned)", fmt_size(s, t->effective));
        else if (t->config.quota_size > 0)
                snprintf(buf, FMT_QUOTA_MAX, "%s (QuotaSize=)", fmt_size(s, t->config.quota_size));
        else
                snprintf(buf, FMT_QUOTA_MAX, "unlimited");
        return buf;
}

static void text_goals(Text *x, const SchemeTuner *t, const uint64_t *values, uint64_t score) {
        char a[FMT_MAX], b[FMT_MAX], c[FMT_MAX];

        if (t->n_goals == 0)
                return;
        if (t->emulated)
                text_add(x, "; score %" PRIu64, score);
        for (size_t i = 0; i < t->n_goals; i++) {
                const TunerGoal *g = &t->goals[i];
                const char *name = profile_goal_metric_to_string(g->metric) ?: "goal";

                text_add(x, "%s %s %s of %s", i == 0 ? (t->emulated ? " from" : ";") : ",", name,
                         fmt_value(a, g->metric, t->measured[i]), fmt_value(b, g->metric, g->target));
                if (g->source == TUNER_GOAL_FEED && values[i] != TUNER_UNKNOWN)
                        text_add(x, " fed %s", fmt_value(c, g->metric, values[i]));
                else if (g->source == TUNER_GOAL_KERNEL)
                        text_add(x, " (kernel)");
        }
}

static void text_quota(Text *x, const SchemeTuner *t, uint64_t old, uint64_t new) {
        char a[FMT_QUOTA_MAX], b[FMT_QUOTA_MAX];

        if (old == new)
                text_add(x, "; size quota %s", fmt_quota(a, t, new));
        else
                text_add(x, "; size quota %s -> %s", fmt_quota(a, t, old), fmt_quota(b, t, new));
}

/* Fills @ret from the state and the feed values, and updates what the next call compares against. */
static void finish(SchemeTuner *t, TunerState old_state, const uint64_t *values, TunerResult *ret) {
        uint64_t q = quota_of(t);

        *ret = (TunerResult) {
                .state = t->state,
                .quota = q,
        };
        if (old_state != t->state)
                ret->changed |= TUNER_CHANGE_STATE;
        if (q != t->applied)
                ret->changed |= TUNER_CHANGE_QUOTA;
        t->applied = q;

        for (size_t i = 0; i < TUNER_GOALS_MAX; i++) {
                ret->feed[i] = TUNER_UNKNOWN;
                if (i >= t->n_goals || t->goals[i].source != TUNER_GOAL_FEED)
                        continue;
                ret->feed[i] = values[i];
                if (values[i] != t->feed[i])
                        ret->changed |= TUNER_CHANGE_GOALS;
                t->feed[i] = values[i];
        }
}

static void back_off(SchemeTuner *t, uint64_t now_usec) {
        t->state = TUNER_STATE_BACKED_OFF;
        t->cap = floor_of(t);
        t->event_usec = now_usec;
        t->below_since_usec = TUNER_UNKNOWN;
        if (t->emulated)
                t->esz_bp = bp_of(floor_of(t));
}

/* The kernel's score over what it will read: the fed values, and the KERNEL goals' own measurements where
 * the caller had them. */
static uint64_t kernel_score(const SchemeTuner *t, const uint64_t *values) {
        uint64_t score = 0;

        for (size_t i = 0; i < t->n_goals; i++) {
                uint64_t v = t->goals[i].source == TUNER_GOAL_FEED ? values[i] : t->measured[i];

                if (v != TUNER_UNKNOWN)
                        score = MAX(score, tuner_goal_score(v, t->goals[i].target));
        }
        return score;
}

/*
 * FEED mode: where the kernel's esz_bp should be kept, given the size quota in force: PAUSED at the floor
 * (so that a resume starts from there), BACKED_OFF at the guard's cap, TUNING at QuotaSize= (0: anywhere).
 * More than one growth step above it, the goals are fed their most (the kernel's quota shrinks 4x per
 * window) and the bytes cap applies meanwhile; at or above it, a value that would raise it is fed as the
 * target (hold: no wind-up); at the floor, one that would lower it too. So after a back-off the kernel's own
 * quota comes down to the cap and then follows it up, as damond's own quota does on 6.1, instead of
 * collapsing to one byte and taking twenty windows to apply anything again.
 * Returns what it did ("steered down to the size cap", "held at the size cap", "held at the floor"), or
 * NULL.
 */
static const char *feed_steer(const SchemeTuner *t, uint64_t *values) {
        uint64_t level, score;

        level = t->state == TUNER_STATE_PAUSED ? floor_of(t) :
                t->state == TUNER_STATE_BACKED_OFF ? t->cap : t->config.quota_size;
        score = kernel_score(t, values);

        if (level > 0 && t->kernel_esz_bp > scale(bp_of(level), t->config.growth_bp, TUNER_SCORE_GOAL)) {
                for (size_t i = 0; i < t->n_goals; i++)
                        if (t->goals[i].source == TUNER_GOAL_FEED)
                                values[i] = MAX(values[i], feed_max(t->goals[i].target));
                return "steered down to the size cap";
        }
        if (level > 0 && score < TUNER_SCORE_GOAL && t->kernel_esz_bp >= bp_of(level)) {
                for (size_t i = 0; i < t->n_goals; i++)
                        if (t->goals[i].source == TUNER_GOAL_FEED)
                                values[i] = MAX(values[i], t->goals[i].target);
                return "held at the size cap";
        }
        if (score > TUNER_SCORE_GOAL && t->kernel_esz_bp <= bp_of(floor_of(t))) {
                /* from one byte, climbing back to a page would take twenty windows */
                for (size_t i = 0; i < t->n_goals; i++)
                        if (t->goals[i].source == TUNER_GOAL_FEED)
                                values[i] = MIN(values[i], t->goals[i].target);
                return "held at the floor";
        }
        return NULL;
}

static bool has_feed(const SchemeTuner *t) {
        for (size_t i = 0; i < t->n_goals; i++)
                if (t->goals[i].source == TUNER_GOAL_FEED)
                        return true;
        return false;
}

int tuner_pressure_event(SchemeTuner *t, uint64_t now_usec, uint64_t stall_usec, uint64_t window_usec,
                         TunerResult *ret, char *text, size_t text_size) {
        Text x = { .buf = text, .size = text_size };
        uint64_t values[TUNER_GOALS_MAX], old_quota = t->applied;
        TunerState old_state = t->state;
        char a[FMT_MAX], b[FMT_MAX], c[FMT_MAX];
        const char *steered;

        assert(t);
        assert(ret);
        assert(text || text_size == 0);

        if (text_size > 0)
                text[0] = '\0';
        if (window_usec == 0)
                return -EINVAL;

        if (t->state == TUNER_STATE_PAUSED) {
                t->below_since_usec = TUNER_UNKNOWN;
                t->event_usec = now_usec;
                text_add(&x, "paused: some stall %s in %s window; resume timer restarted",
                         fmt_usec(a, stall_usec), fmt_usec(b, window_usec));
        } else {
                back_off(t, now_usec);
                text_add(&x, "backed off: some stall %s in %s window >= %s",
                         fmt_usec(a, stall_usec), fmt_usec(b, window_usec),
                         fmt_usec(c, t->config.backoff_stall_usec));
        }
        t->event_since_window = true;

        /* The bytes cap does the back-off; the goals keep their last values, steered to the new cap. The
         * estimate of the kernel's esz_bp moves on in the next window, when the kernel reads them. */
        for (size_t i = 0; i < t->n_goals; i++)
                values[i] = t->feed[i] != TUNER_UNKNOWN ? t->feed[i] : t->goals[i].target;
        if (has_feed(t) && (steered = feed_steer(t, values)))
                text_add(&x, "; goals %s", steered);
        finish(t, old_state, values, ret);
        text_quota(&x, t, old_quota, ret->quota);
        return 0;
}

/* Usage integrates the quota (it falls by what is paged out and rises by what the workload allocates), so
 * a feed of the usage alone reacts only once the target is crossed, with the quota at its largest: the
 * kernel's loop then cycles around the target (-27 %/+37 % in test-tuner's plant). Feeding where the usage
 * is heading instead damps it (-4 %/+8 %). */
static uint64_t usage_predicted(uint64_t now, uint64_t before) {
        u128 p;

        if (now == TUNER_UNKNOWN || before == TUNER_UNKNOWN)
                return now;
        if (now >= before) {
                p = (u128) now + (u128) (now - before) * TUNER_USAGE_TREND_WINDOWS;
                return p > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t) p;
        }
        p = (u128) (before - now) * TUNER_USAGE_TREND_WINDOWS;
        return p >= now ? 0 : now - (uint64_t) p;
}

/*
 * FEED mode: the estimate of the kernel's esz_bp is only a model (the kernel reads the goals at its own
 * quota resets, which may be one more or one fewer than damond's windows, and a scheme committed anew
 * starts over), and the steering trusts it: believing the kernel at the size cap, damond feeds the target
 * to hold it there, and a kernel quota that has in fact fallen to a page then stays there for good. So
 * the effective quota read back (6.9+) corrects it, for the window it was read in (the one just measured,
 * under the cap damond applied in it). Below that cap the kernel's esz is what it applied (exactly, unless
 * a time quota was smaller: then the estimate is low, which only makes the steering hold later, the
 * bytes cap stays hard); at the cap it is at least that.
 */
static void resync_kernel_esz(SchemeTuner *t, uint64_t effective) {
        uint64_t cap;

        if (!has_feed(t))
                return;
        cap = t->applied == TUNER_UNKNOWN || t->applied == 0 ? t->config.quota_size : t->applied;
        if (cap == 1)
                return;         /* paused: the size quota, not the goals, set what was applied */
        if (cap == 0 || effective < cap)
                t->kernel_esz_bp = bp_of(effective);
        else
                t->kernel_esz_bp = MAX(t->kernel_esz_bp, bp_of(effective));
}

int tuner_window(SchemeTuner *t, const TunerSample *s, TunerResult *ret, char *text, size_t text_size) {
        const TunerConfig *c = &t->config;
        Text x = { .buf = text, .size = text_size };
        uint64_t values[TUNER_GOALS_MAX], score = TUNER_SCORE_GOAL, old_quota = t->applied;
        uint64_t now = s->now_usec, start, per_sec, per_backoff;
        TunerState old_state = t->state;
        bool event = t->event_since_window, any = false;
        char a[FMT_MAX], b[FMT_MAX], d[FMT_MAX], e[FMT_MAX];
        const char *steered = NULL;

        assert(t);
        assert(s);
        assert(ret);
        assert(text || text_size == 0);

        if (text_size > 0)
                text[0] = '\0';
        if (s->window_usec == 0)
                return -EINVAL;

        start = now >= s->window_usec ? now - s->window_usec : 0;
        per_sec = scale(s->stall_usec, USEC_PER_SEC, s->window_usec);
        per_backoff = c->backoff_stall_usec > 0 ?
                scale(s->stall_usec, c->backoff_window_usec, s->window_usec) : TUNER_UNKNOWN;
        t->stall_per_sec_usec = per_sec;
        t->event_since_window = false;
        if (s->effective != TUNER_UNKNOWN) {
                t->effective = s->effective;
                resync_kernel_esz(t, s->effective);
        }

        /* The guard's timers. An unknown stall stops both: it proves neither pressure nor calm. */
        if (c->ceiling_usec > 0 && per_sec != TUNER_UNKNOWN && per_sec > c->ceiling_usec) {
                if (t->above_since_usec == TUNER_UNKNOWN)
                        t->above_since_usec = start;
        } else
                t->above_since_usec = TUNER_UNKNOWN;
        if (c->ceiling_usec > 0 && per_sec != TUNER_UNKNOWN && per_sec < c->resume_usec) {
                /* a trigger in this window restarted the wait at its time */
                if (event && t->event_usec != TUNER_UNKNOWN)
                        t->below_since_usec = MAX(start, t->event_usec);
                else if (t->below_since_usec == TUNER_UNKNOWN)
                        t->below_since_usec = start;
        } else
                t->below_since_usec = TUNER_UNKNOWN;

        if (t->state == TUNER_STATE_PAUSED) {
                if (t->below_since_usec != TUNER_UNKNOWN &&
                    elapsed(now, t->below_since_usec) >= c->resume_hold_usec) {
                        uint64_t calm = elapsed(now, t->below_since_usec);

                        back_off(t, now);       /* resets the timers: the calm time is taken before */
                        t->event_usec = TUNER_UNKNOWN;  /* a resume, not a new pressure */
                        text_add(&x, "resumed: stall %s/s below %s/s for %s",
                                 fmt_usec(a, per_sec), fmt_usec(b, c->resume_usec), fmt_usec(d, calm));
                        t->below_since_usec = TUNER_UNKNOWN;
                } else
                        text_add(&x, "paused: stall %s/s; resumes after %s below %s/s (%s so far)",
                                 fmt_usec(a, per_sec), fmt_usec(b, c->resume_hold_usec),
                                 fmt_usec(d, c->resume_usec),
                                 fmt_usec(e, t->below_since_usec == TUNER_UNKNOWN ? 0 :
                                          elapsed(now, t->below_since_usec)));
        } else if (t->above_since_usec != TUNER_UNKNOWN &&
                   elapsed(now, t->above_since_usec) >= c->ceiling_hold_usec) {
                t->state = TUNER_STATE_PAUSED;
                t->cap = 0;
                t->below_since_usec = TUNER_UNKNOWN;
                text_add(&x, "paused: stall %s/s above the ceiling %s/s for %s",
                         fmt_usec(a, per_sec), fmt_usec(b, c->ceiling_usec),
                         fmt_usec(d, elapsed(now, t->above_since_usec)));
        } else if (per_backoff != TUNER_UNKNOWN && per_backoff >= c->backoff_stall_usec) {
                back_off(t, now);
                text_add(&x, "backed off: some stall %s in %s window >= %s",
                         fmt_usec(a, s->stall_usec), fmt_usec(b, s->window_usec),
                         fmt_usec(d, c->backoff_stall_usec));
        } else if (t->state == TUNER_STATE_BACKED_OFF) {
                if (event || per_sec == TUNER_UNKNOWN)
                        text_add(&x, "backed off: holding (%s)",
                                 event ? "a trigger fired in this window" : "stall not measured");
                else {
                        uint64_t old_cap = t->cap;

                        t->cap = MIN(grow(t, t->cap), limit_of(t));
                        if (t->cap >= limit_of(t)) {
                                t->state = TUNER_STATE_TUNING;
                                t->cap = 0;
                                text_add(&x, "tuning again: calm (stall %s/s), the back-off cap reached %s",
                                         fmt_usec(a, per_sec), fmt_size(b, limit_of(t)));
                        } else
                                text_add(&x, "backed off: calm (stall %s/s), cap %s -> %s",
                                         fmt_usec(a, per_sec), fmt_size(b, old_cap), fmt_size(d, t->cap));
                }
        } else if (t->state == TUNER_STATE_NONE)
                text_add(&x, "not tuned");
        else
                text_add(&x, "tuning: stall %s/s", fmt_usec(a, per_sec));

        /* The goals: feed values, or damond's own step. PSI-type values are per reset interval. */
        for (size_t i = 0; i < t->n_goals; i++) {
                const TunerGoal *g = &t->goals[i];
                uint64_t m = s->measured[i];

                uint64_t fm;

                if (metric_is_stall(g->metric))
                        m = scale(m, c->reset_interval_usec, s->window_usec);
                fm = m;
                if (g->metric == PROFILE_GOAL_CGROUP_MEM_USAGE)
                        fm = usage_predicted(m, t->measured[i]);
                t->measured[i] = m;
                values[i] = tuner_feed_value(g->metric, g->target, fm, false);
                /* The kernel grows its quota by up to 2x per window; at a score of 20000 - growth_bp it
                 * grows by growth_bp, as damond's own quota does. */
                if (g->source == TUNER_GOAL_FEED)
                        values[i] = MAX(values[i], scale(g->target, 2 * TUNER_SCORE_GOAL - c->growth_bp,
                                                         TUNER_SCORE_GOAL));
                if (g->source == TUNER_GOAL_EMULATED && m != TUNER_UNKNOWN) {
                        uint64_t sc = tuner_goal_score(tuner_feed_value(g->metric, g->target, fm, false),
                                                       g->target);

                        score = any ? MAX(score, sc) : sc;
                        any = true;
                }
        }
        if (t->emulated && t->state != TUNER_STATE_PAUSED) {
                uint64_t next = tuner_kernel_next_bp(t->esz_bp, score);

                /* bounded in whole bytes, the unit the kernel is told */
                next = MIN(next, bp_of(grow(t, t->esz_bp / TUNER_SCORE_GOAL)));
                next = MIN(next, bp_of(t->state == TUNER_STATE_BACKED_OFF ? t->cap : limit_of(t)));
                t->esz_bp = MAX(next, bp_of(floor_of(t)));
        }
        t->held = false;
        if (has_feed(t)) {
                steered = feed_steer(t, values);
                t->held = steered != NULL;
                t->kernel_esz_bp = tuner_kernel_next_bp(t->kernel_esz_bp, kernel_score(t, values));
        }
        text_goals(&x, t, values, score);
        if (steered)
                text_add(&x, "; %s", steered);

        finish(t, old_state, values, ret);
        text_quota(&x, t, old_quota, ret->quota);
        return 0;
}
