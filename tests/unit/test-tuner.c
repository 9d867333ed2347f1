/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tuning arithmetic (include/tuner.h) against a simulated plant: a workload with a hot set it touches
 * every window and a cold set that grows by a steady inflow. A size quota q of pageout per window takes
 * cold memory first; what is left of q pages out hot memory, which faults straight back in and stalls the
 * workload in proportion. PSI is that stall per window plus a base and uniform noise. On kernels with
 * quota goals the test also plays the kernel's side: its esz_bp step over the fed values, capped by the
 * size quota damond applies. TUNER_TRACE=1 prints every window.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "profile.h"
#include "test-util.h"
#include "tuner.h"

/* TUNER_TRACE=1: the numbers behind each assertion, for the record */
#define report(...) do { if (getenv("TUNER_TRACE")) fprintf(stderr, "## " __VA_ARGS__); } while (0)

#define KiB UINT64_C(1024)
#define MiB (UINT64_C(1024) * KiB)
#define GiB (UINT64_C(1024) * MiB)
#define MSEC UINT64_C(1000)
#define SEC UINT64_C(1000000)

typedef struct Plant {
        uint64_t hot;                   /* bytes touched every window */
        uint64_t cold;                  /* cold bytes still resident */
        uint64_t swapped;               /* cold bytes paged out: the memory saved */
        uint64_t inflow;                /* bytes turning cold every window */
        uint64_t stall_per_mib;         /* µs of stall per MiB of hot memory paged out */
        uint64_t base_stall;            /* µs of stall per window the workload has anyway */
        uint64_t noise;                 /* the stall varies by up to ± this, uniformly */
        uint64_t pending_stall;         /* refaults of a hot set step, stalled in the next window */
        uint64_t usage_noise;           /* what memory.current shows varies by up to ± this */
        uint32_t rng;
} Plant;

static uint32_t plant_rand(Plant *p) {
        /* xorshift32: deterministic, so a failure reproduces */
        p->rng ^= p->rng << 13;
        p->rng ^= p->rng >> 17;
        p->rng ^= p->rng << 5;
        return p->rng;
}

static void plant_init(Plant *p) {
        *p = (Plant) {
                .hot = 512 * MiB,
                .cold = 2 * GiB,
                .inflow = 8 * MiB,
                .stall_per_mib = 1 * MSEC,
                .base_stall = 2 * MSEC,
                .noise = 2 * MSEC,
                .rng = 0x2545f491,
        };
}

/* One window with a size quota of @q bytes (0: unlimited); returns the stall in µs. */
static uint64_t plant_step(Plant *p, uint64_t q) {
        uint64_t cold_out, hot_out, stall;
        int64_t noise;

        if (q == 0)
                q = UINT64_MAX;
        p->cold += p->inflow;
        cold_out = MIN(q, p->cold);
        p->cold -= cold_out;
        p->swapped += cold_out;
        hot_out = MIN(q - cold_out, p->hot);
        stall = p->base_stall + hot_out * p->stall_per_mib / MiB + p->pending_stall;
        p->pending_stall = 0;
        noise = p->noise > 0 ? (int64_t) (plant_rand(p) % (2 * p->noise + 1)) - (int64_t) p->noise : 0;
        return (uint64_t) MAX((int64_t) stall + noise, 0);
}

static uint64_t plant_usage(const Plant *p) {
        return p->hot + p->cold;
}

/* The usage a reading of memory.current gives: allocations and frees come and go around it. */
static uint64_t plant_usage_measured(Plant *p) {
        if (p->usage_noise == 0)
                return plant_usage(p);
        return plant_usage(p) - p->usage_noise + plant_rand(p) % (2 * p->usage_noise + 1);
}

/* The hot set grows by @delta taken from swapped-out memory (which faults back in: a stall spike in the
 * next window), or shrinks by @delta that turns cold. */
static void plant_hot_step(Plant *p, int64_t delta) {
        if (delta > 0) {
                uint64_t d = (uint64_t) delta, from_swap = MIN(d, p->swapped);

                p->swapped -= from_swap;
                p->cold -= MIN(d - from_swap, p->cold);
                p->hot += d;
                p->pending_stall += from_swap * p->stall_per_mib / MiB;
        } else {
                uint64_t d = MIN((uint64_t) -delta, p->hot);

                p->hot -= d;
                p->cold += d;
        }
}

typedef struct Sim {
        SchemeTuner t;
        Plant p;
        uint64_t now;
        uint64_t window;
        TunerResult r;
        char text[512];
        /* the kernel's side */
        bool kernel_goals;              /* the kernel has quota goals (FEED or KERNEL goals) */
        uint64_t kernel_esz_bp;
        uint64_t fed[TUNER_GOALS_MAX];  /* current_value as last written */
        uint64_t last_stall;            /* what the kernel measures for some_mem_psi_us */
        uint64_t applied;               /* what the plant got in the last window */
        uint64_t stall;                 /* the last window's stall */
        unsigned n_windows;
        unsigned n_backoffs;
        unsigned n_state_changes;
        bool trace;
} Sim;

static void sim_init(Sim *s, const TunerConfig *c, const TunerGoal *goals, size_t n_goals) {
        memset(s, 0, sizeof(*s));
        plant_init(&s->p);
        ck_assert_int_eq(tuner_init(&s->t, c, goals, n_goals), 0);
        s->r.quota = tuner_start_quota(&s->t);
        s->window = c->reset_interval_usec;
        s->now = 1000 * SEC;
        s->kernel_goals = n_goals > 0 && goals[0].source != TUNER_GOAL_EMULATED;
        for (size_t i = 0; i < TUNER_GOALS_MAX; i++)
                s->fed[i] = TUNER_UNKNOWN;
        s->trace = getenv("TUNER_TRACE") != NULL;
}

/* The size quota the kernel applies in the next window. */
static uint64_t sim_kernel_quota(Sim *s) {
        const SchemeTuner *t = &s->t;
        uint64_t cap = s->r.quota > 0 ? s->r.quota : t->config.quota_size, esz;

        if (!s->kernel_goals)
                return cap;
        if (t->n_goals > 0) {
                uint64_t score = 0;

                for (size_t i = 0; i < t->n_goals; i++) {
                        uint64_t cur = t->goals[i].source == TUNER_GOAL_KERNEL ? s->last_stall : s->fed[i];

                        if (cur == TUNER_UNKNOWN)
                                cur = 0;        /* never written: the kernel's default */
                        score = MAX(score, tuner_goal_score(cur, t->goals[i].target));
                }
                s->kernel_esz_bp = tuner_kernel_next_bp(s->kernel_esz_bp, score);
        }
        esz = s->kernel_esz_bp / 10000;
        return cap > 0 ? MIN(esz, cap) : esz;
}

static void sim_window(Sim *s) {
        TunerSample sample;
        TunerState before = s->t.state;

        s->applied = sim_kernel_quota(s);
        s->stall = plant_step(&s->p, s->applied);
        s->now += s->window;
        s->last_stall = s->stall;

        tuner_sample_init(&sample, s->now, s->window);
        sample.stall_usec = s->stall;
        if (s->kernel_goals)
                sample.effective = s->applied;  /* effective_bytes, as 6.9+ reads it back */
        for (size_t i = 0; i < s->t.n_goals; i++)
                sample.measured[i] = s->t.goals[i].metric == PROFILE_GOAL_CGROUP_MEM_USAGE ?
                        plant_usage_measured(&s->p) : s->stall;
        ck_assert_int_eq(tuner_window(&s->t, &sample, &s->r, s->text, sizeof(s->text)), 0);
        for (size_t i = 0; i < s->t.n_goals; i++)
                if (s->t.goals[i].source == TUNER_GOAL_FEED)
                        s->fed[i] = s->r.feed[i];
        s->n_windows++;
        if (s->t.state == TUNER_STATE_BACKED_OFF && strncmp(s->text, "backed off: some", 16) == 0)
                s->n_backoffs++;
        if (s->t.state != before)
                s->n_state_changes++;
        if (s->trace)
                fprintf(stderr, "%4u applied %9" PRIu64 " stall %6" PRIu64 " usage %5" PRIu64 "M swapped %5"
                        PRIu64 "M | %s\n", s->n_windows, s->applied, s->stall, plant_usage(&s->p) / MiB,
                        s->p.swapped / MiB, s->text);
}

/* Runs windows until the stall has been within ±@tol_pct % of @target for @hold windows in a row;
 * returns the number of windows it took (up to and including the last of them), or @max + 1. */
static unsigned sim_converge_stall(Sim *s, uint64_t target, unsigned tol_pct, unsigned hold, unsigned max) {
        unsigned in_a_row = 0;

        for (unsigned i = 1; i <= max; i++) {
                sim_window(s);
                if (s->stall * 100 >= target * (100 - tol_pct) && s->stall * 100 <= target * (100 + tol_pct))
                        in_a_row++;
                else
                        in_a_row = 0;
                if (in_a_row >= hold)
                        return i;
        }
        return max + 1;
}

static TunerConfig config_default(void) {
        TunerConfig c;

        tuner_config_init(&c);
        return c;
}

/* ---- the kernel's arithmetic, exactly (docs/damon-abi.md section 6) ---- */

START_TEST(test_kernel_next_bp) {
        /* met: unchanged */
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 10000), 50000);
        /* 2x the target or more: the minimum at once, whatever the last input */
        ck_assert_uint_eq(tuner_kernel_next_bp(UINT64_MAX, 20000), 10000);
        ck_assert_uint_eq(tuner_kernel_next_bp(123456789, UINT64_MAX), 10000);
        /* one below 2x: shrinks to last/10000, but never below the minimum */
        ck_assert_uint_eq(tuner_kernel_next_bp(1000000000, 19999), 100000);
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 19999), 10000);
        /* under-achieving: x + x * (10000 - s) / 10000, at most 2x */
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 0), 100000);
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 5000), 75000);
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 9999), 50005);
        /* over-achieving: x - x * (s - 10000) / 10000 */
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 15000), 25000);
        ck_assert_uint_eq(tuner_kernel_next_bp(50000, 10001), 49995);
        /* the caller's max(esz_bp, 10000): a fresh quota (0) starts at one byte */
        ck_assert_uint_eq(tuner_kernel_next_bp(0, 0), 20000);
        ck_assert_uint_eq(tuner_kernel_next_bp(0, 10000), 10000);
        ck_assert_uint_eq(tuner_kernel_next_bp(9999, 15000), 10000);
        /* large inputs: the kernel's divide-first branch, and saturation */
        ck_assert_uint_eq(tuner_kernel_next_bp(UINT64_MAX / 2, 5000),
                          UINT64_MAX / 2 + UINT64_MAX / 2 / 10000 * 5000);
        ck_assert_uint_eq(tuner_kernel_next_bp(UINT64_MAX - 5, 0), UINT64_MAX);
        ck_assert_uint_eq(tuner_kernel_next_bp(UINT64_MAX, 15000), UINT64_MAX - UINT64_MAX / 10000 * 5000);

        /* score = current * 10000 / target, truncated */
        ck_assert_uint_eq(tuner_goal_score(0, 100), 0);
        ck_assert_uint_eq(tuner_goal_score(100, 100), 10000);
        ck_assert_uint_eq(tuner_goal_score(199, 100), 19900);
        ck_assert_uint_eq(tuner_goal_score(1, 3), 3333);
}
END_TEST

START_TEST(test_feed_value) {
        uint64_t v;

        /* PSI: as measured (µs per reset interval), clamped at 1.75 * target: the goals alone cut the
         * kernel's quota to a quarter per window at most, never collapse it (2 * target would) */
        ck_assert_uint_eq(tuner_feed_value(DAMOS_GOAL_SOME_MEM_PSI_US, 10000, 7000, false), 7000);
        ck_assert_uint_eq(tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_PSI_US, 10000, 17000, false), 17000);
        ck_assert_uint_eq(tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_PSI_US, 10000, 500000, false), 17500);
        v = tuner_feed_value(PROFILE_GOAL_MEM_PSI_FULL_US, 10000, 500000, false);
        ck_assert_uint_lt(v, 20000);
        ck_assert_uint_eq(tuner_kernel_next_bp(4000000, tuner_goal_score(v, 10000)), 1000000);
        /* tiny targets still leave room above the target and below twice it */
        ck_assert_uint_eq(tuner_feed_value(DAMOS_GOAL_SOME_MEM_PSI_US, 2, 100, false), 3);
        /* bp metrics: as measured */
        ck_assert_uint_eq(tuner_feed_value(DAMOS_GOAL_NODE_MEM_FREE_BP, 2000, 1500, false), 1500);
        ck_assert_uint_eq(tuner_feed_value(DAMOS_GOAL_NODE_MEMCG_USED_BP, 2000, 9000, false), 3500);

        /* usage above the target feeds a value below it: the kernel reclaims more */
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 800 * MiB, false);
        ck_assert_uint_eq(v, 450 * MiB);
        ck_assert_uint_gt(tuner_kernel_next_bp(1000000, tuner_goal_score(v, 600 * MiB)), 1000000);
        /* below the target: above it, the kernel reclaims less; at it: holds */
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 400 * MiB, false);
        ck_assert_uint_eq(v, 900 * MiB);
        ck_assert_uint_lt(tuner_kernel_next_bp(1000000, tuner_goal_score(v, 600 * MiB)), 1000000);
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 600 * MiB, false);
        ck_assert_uint_eq(v, 600 * MiB);
        /* far below, or nothing used: clamped, so the quota shrinks but does not collapse */
        ck_assert_uint_eq(tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 1, false), 1050 * MiB);
        ck_assert_uint_eq(tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 0, false), 1050 * MiB);
        /* huge targets do not overflow */
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, TUNER_TARGET_MAX, TUNER_TARGET_MAX / 2, false);
        ck_assert_uint_eq(v, (uint64_t) ((unsigned __int128) TUNER_TARGET_MAX * 17500 / 10000));
        ck_assert_uint_lt(tuner_goal_score(v, TUNER_TARGET_MAX), 20000);

        /* braking: exactly 2 * target, which collapses the kernel's quota */
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_USAGE, 600 * MiB, 10 * GiB, true);
        ck_assert_uint_eq(v, 1200 * MiB);
        ck_assert_uint_eq(tuner_kernel_next_bp(UINT64_MAX, tuner_goal_score(v, 600 * MiB)), 10000);
        ck_assert_uint_eq(tuner_feed_value(DAMOS_GOAL_SOME_MEM_PSI_US, 10000, 0, true), 20000);

        /* not measured: the target, so the kernel holds its quota */
        v = tuner_feed_value(PROFILE_GOAL_CGROUP_MEM_PSI_US, 10000, TUNER_UNKNOWN, false);
        ck_assert_uint_eq(tuner_kernel_next_bp(777777, tuner_goal_score(v, 10000)), 777777);
}
END_TEST

START_TEST(test_init_refuses) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 10000, TUNER_GOAL_FEED };
        TunerGoal mixed[2] = { g, { PROFILE_GOAL_CGROUP_MEM_USAGE, GiB, TUNER_GOAL_EMULATED } };
        TunerGoal many[TUNER_GOALS_MAX + 1];
        SchemeTuner t;

        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = g;
        ck_assert_int_eq(tuner_init(&t, &c, many, ELEMENTSOF(many)), -E2BIG);
        ck_assert_int_eq(tuner_init(&t, &c, mixed, 2), -EINVAL);
        g.target = 0;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -EINVAL);
        g.target = TUNER_TARGET_MAX + 1;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -ERANGE);
        g.target = 10000;
        c.growth_bp = 10000;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -EINVAL);
        c.growth_bp = 20001;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -EINVAL);
        c = config_default();
        c.resume_usec = c.ceiling_usec;       /* no hysteresis */
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -EINVAL);
        c = config_default();
        c.reset_interval_usec = 0;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), -EINVAL);

        /* the defaults: resume at half the ceiling; no goals and no guard is NONE */
        c = config_default();
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);
        ck_assert_uint_eq(t.config.resume_usec, TUNER_CEILING_USEC_DEFAULT / 2);
        ck_assert_int_eq(t.state, TUNER_STATE_TUNING);
        c.backoff_stall_usec = c.ceiling_usec = 0;
        ck_assert_int_eq(tuner_init(&t, &c, NULL, 0), 0);
        ck_assert_int_eq(t.state, TUNER_STATE_NONE);
        ck_assert_str_eq(tuner_state_to_string(TUNER_STATE_BACKED_OFF), "backed-off");
}
END_TEST

/* ---- damond's own quota tuning (6.1) against the plant ---- */

/* The growth bound, checked on every window of a run: what damond sets never grows by more than 1.5x,
 * never exceeds the cap, and never drops below the floor unless paused. */
static void check_bounds(const Sim *s, uint64_t prev, uint64_t cap) {
        if (s->r.quota == 1) {
                ck_assert_int_eq(s->r.state, TUNER_STATE_PAUSED);
                return;
        }
        if (s->r.quota == 0)
                return;
        ck_assert_uint_ge(s->r.quota, MIN(TUNER_FLOOR_DEFAULT, cap));
        ck_assert_uint_le(s->r.quota, cap);
        /* a whole number of pages, or the kernel never counts the window as used up (tuner.c) */
        if (s->r.quota >= TUNER_GRANULE_DEFAULT)
                ck_assert_msg(s->r.quota % TUNER_GRANULE_DEFAULT == 0, "window %u: quota %" PRIu64 " (%s)",
                              s->n_windows, s->r.quota, s->text);
        /* 1.5x per window, of the value before it was rounded down to whole pages */
        if (prev > 1 && prev != TUNER_UNKNOWN)
                ck_assert_msg(s->r.quota * 2 <= (prev + TUNER_GRANULE_DEFAULT) * 3, "window %u: quota %" PRIu64 " -> %" PRIu64 " (%s)",
                              s->n_windows, prev, s->r.quota, s->text);
}

START_TEST(test_emulated_psi_goal_converges) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_EMULATED };
        uint64_t prev = TUNER_UNKNOWN, lo = UINT64_MAX, hi = 0, sum = 0;
        unsigned n;
        Sim s;

        sim_init(&s, &c, &g, 1);
        /* From one page, through 2 GiB of cold memory (no stall: the quota climbs to the 1 GiB limit), to
         * the point where it pages out just enough hot memory to stall 20ms per second. */
        n = sim_converge_stall(&s, 20 * MSEC, 30, 10, 200);
        report("psi goal (6.1): converged after %u windows, %" PRIu64 "M paged out\n", n, s.p.swapped / MiB);
        ck_assert_msg(n <= 80, "converged after %u windows", n);
        ck_assert_uint_ge(s.p.swapped, 2 * GiB);        /* every cold byte was paged out */

        /* Steady state with ±2ms noise: the quota stays within a band around the equilibrium
         * (8M inflow + 18M of hot memory = 26M per window), and the guard never acts. */
        for (unsigned i = 0; i < 300; i++) {
                sim_window(&s);
                check_bounds(&s, prev, TUNER_QUOTA_LIMIT_DEFAULT);
                prev = s.r.quota;
                lo = MIN(lo, s.r.quota);
                hi = MAX(hi, s.r.quota);
                sum += s.stall;
                ck_assert_int_eq(s.t.state, TUNER_STATE_TUNING);
        }
        report("psi goal (6.1): steady quota %" PRIu64 "K..%" PRIu64 "K, mean stall %" PRIu64 "us\n",
               lo / KiB, hi / KiB, sum / 300);
        ck_assert_msg(lo >= 20 * MiB && hi <= 32 * MiB, "quota between %" PRIu64 " and %" PRIu64, lo, hi);
        ck_assert_uint_le(sum / 300, 22 * MSEC);
        ck_assert_uint_ge(sum / 300, 18 * MSEC);
}
END_TEST

START_TEST(test_emulated_hot_set_steps) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_EMULATED };
        uint64_t prev;
        unsigned n, under = 0;
        Sim s;

        sim_init(&s, &c, &g, 1);
        ck_assert_uint_le(sim_converge_stall(&s, 20 * MSEC, 30, 10, 200), 80);

        /* The hot set grows by 256M, all of it swapped out: 256ms of refault stall in one window. The
         * PSI trigger fires within it and the quota is the floor in the same call. */
        plant_hot_step(&s.p, 256 * MiB);
        ck_assert_int_eq(tuner_pressure_event(&s.t, s.now + 300 * MSEC, 100 * MSEC, SEC, &s.r, s.text,
                                              sizeof(s.text)), 0);
        ck_assert_uint_eq(s.r.quota, TUNER_FLOOR_DEFAULT);
        ck_assert(s.r.changed & TUNER_CHANGE_QUOTA);
        ck_assert_int_eq(s.r.state, TUNER_STATE_BACKED_OFF);
        /* The refaults stall the window the trigger fired in; from the next window on PSI stays under
         * the back-off threshold while the quota climbs back, one bounded step per window (the cold memory
         * that piled up meanwhile is paged out on the way), and is at the goal again within 40 windows. */
        prev = s.r.quota;
        sim_window(&s);
        for (n = 1; n <= 100; n++) {
                sim_window(&s);
                check_bounds(&s, prev, TUNER_QUOTA_LIMIT_DEFAULT);
                prev = s.r.quota;
                ck_assert_uint_lt(s.stall, 100 * MSEC);
                if (s.stall <= 26 * MSEC && s.stall >= 14 * MSEC) {
                        if (++under >= 10)
                                break;
                } else
                        under = 0;
        }
        report("hot set +256M (6.1): floor in the trigger's call; re-converged %u windows later\n", n);
        ck_assert_msg(n <= 40, "re-converged %u windows after the back-off", n);
        ck_assert_int_eq(s.t.state, TUNER_STATE_TUNING);

        /* The hot set shrinks by 256M: 256M turns cold. It is paged out, PSI stays around the goal. */
        uint64_t swapped = s.p.swapped;
        plant_hot_step(&s.p, -(int64_t) (256 * MiB));
        for (unsigned i = 0; i < 60; i++) {
                sim_window(&s);
                ck_assert_uint_le(s.stall, 100 * MSEC);
        }
        ck_assert_uint_ge(s.p.swapped - swapped, 256 * MiB);
        ck_assert_uint_le(s.p.cold, 64 * MiB);
        n = sim_converge_stall(&s, 20 * MSEC, 30, 10, 200);
        report("hot set -256M (6.1): re-converged %u windows later\n", n);
        ck_assert_msg(n <= 40, "re-converged %u windows after the shrink", n);
}
END_TEST

START_TEST(test_emulated_quota_size_cap) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_EMULATED };
        uint64_t prev = TUNER_UNKNOWN;
        unsigned windows_to_cap = 0;
        Sim s;

        c.quota_size = 16 * MiB;
        sim_init(&s, &c, &g, 1);
        /* 2 GiB of cold memory: the goal wants more, QuotaSize= holds it at 16M per window */
        for (unsigned i = 0; i < 100; i++) {
                sim_window(&s);
                check_bounds(&s, prev, 16 * MiB);
                prev = s.r.quota;
                if (!windows_to_cap && s.r.quota == 16 * MiB)
                        windows_to_cap = s.n_windows;
        }
        /* 4K * 1.5^n >= 16M: n = 21 */
        ck_assert_uint_eq(windows_to_cap, 21);
        ck_assert_uint_eq(s.r.quota, 16 * MiB);
        ck_assert_uint_eq(s.t.esz_bp, 16 * MiB * 10000);  /* no wind-up past the cap */
}
END_TEST

/* ---- kernels with quota goals: the feed moves the kernel's own loop the right way ---- */

START_TEST(test_feed_usage_and_psi_goals) {
        TunerConfig c = config_default();
        TunerGoal g[2] = {
                { PROFILE_GOAL_CGROUP_MEM_USAGE, 1 * GiB, TUNER_GOAL_FEED },
                { PROFILE_GOAL_CGROUP_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_FEED },
        };
        unsigned n = 0;
        uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
        Sim s;

        c.quota_size = 256 * MiB;
        sim_init(&s, &c, g, 2);
        s.p.usage_noise = 8 * MiB;
        /* usage 2.5G (512M hot, 2G cold) against a 1G target: the cold memory goes, and stops going at the
         * target; PSI stays at its base */
        for (unsigned i = 0; i < 200 && n == 0; i++) {
                sim_window(&s);
                if (plant_usage(&s.p) <= GiB + GiB / 20)
                        n = s.n_windows;
        }
        report("usage goal (fed): within 5%% of the target after %u windows\n", n);
        ck_assert_msg(n > 0 && n <= 60, "usage within 5%% of the target after %u windows", n);
        /* Then it stays close: usage integrates the quota (it falls by what is paged out and rises by the
         * inflow), and fed as it is, the kernel's loop would cycle from 0.73 to 1.37 of the target in this
         * plant; fed where it is heading (4 windows ahead), from 0.96 to 1.09, with ±8M of noise on every
         * reading. PSI stays at its base all along. */
        for (unsigned i = 0; i < 50; i++)
                sim_window(&s);
        for (unsigned i = 0; i < 400; i++) {
                sim_window(&s);
                ck_assert_uint_le(s.applied, 256 * MiB);
                lo = MIN(lo, plant_usage(&s.p));
                hi = MAX(hi, plant_usage(&s.p));
                sum += plant_usage(&s.p);
                ck_assert_uint_le(s.stall, 5 * MSEC);
                for (size_t j = 0; j < 2; j++)
                        ck_assert_uint_lt(s.r.feed[j], 2 * g[j].target);
        }
        report("usage goal (fed): usage %" PRIu64 "M..%" PRIu64 "M, mean %" PRIu64 "M\n", lo / MiB, hi / MiB,
               sum / 400 / MiB);
        ck_assert_msg(lo >= GiB * 93 / 100 && hi <= GiB * 112 / 100,
                      "usage from %" PRIu64 "M to %" PRIu64 "M", lo / MiB, hi / MiB);
        ck_assert_msg(sum / 400 >= GiB * 97 / 100 && sum / 400 <= GiB * 105 / 100, "mean usage %" PRIu64 "M",
                      sum / 400 / MiB);
        sum = 0;

        /* The hot set grows to 1.25G, above the usage target: the usage goal wants ever more, the PSI
         * goal (the highest score wins) holds the stall at its target instead. */
        plant_hot_step(&s.p, 768 * MiB);
        for (unsigned i = 0; i < 100; i++)
                sim_window(&s);
        for (unsigned i = 0; i < 200; i++) {
                sim_window(&s);
                sum += s.stall;
                ck_assert_uint_le(s.stall, 100 * MSEC);
        }
        report("usage+psi goals (fed), hot set above the usage target: mean stall %" PRIu64 "us\n",
               sum / 200);
        ck_assert_msg(sum / 200 <= 24 * MSEC && sum / 200 >= 12 * MSEC, "mean stall %" PRIu64, sum / 200);
        ck_assert_uint_eq(s.n_backoffs, 1);     /* the refaults of the step itself */
}
END_TEST

START_TEST(test_feed_steered_on_event) {
        TunerConfig c = config_default();
        TunerGoal g = { PROFILE_GOAL_CGROUP_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_FEED };
        uint64_t cap, prev;
        unsigned n, in_a_row = 0;
        Sim s;

        sim_init(&s, &c, &g, 1);
        for (unsigned i = 0; i < 100; i++)
                sim_window(&s);
        ck_assert_int_eq(s.t.state, TUNER_STATE_TUNING);
        ck_assert_uint_eq(s.r.quota, 0);        /* as configured: the kernel tunes */
        ck_assert_uint_gt(s.kernel_esz_bp, 20 * MiB * 10000);     /* about 26M: the PSI goal's equilibrium */

        /* A trigger: the size cap drops to a page at once, and the goal is fed its most, so that the
         * kernel's own quota comes down to the cap instead of staying wound up above it. */
        ck_assert_int_eq(tuner_pressure_event(&s.t, s.now + 200 * MSEC, 150 * MSEC, SEC, &s.r, s.text,
                                              sizeof(s.text)), 0);
        ck_assert_uint_eq(s.r.quota, TUNER_FLOOR_DEFAULT);
        ck_assert_uint_eq(s.r.feed[0], 35 * MSEC);
        ck_assert_uint_eq(s.r.changed, TUNER_CHANGE_QUOTA | TUNER_CHANGE_GOALS | TUNER_CHANGE_STATE);
        ck_assert_str_eq(s.text, "backed off: some stall 150ms in 1s window >= 100ms; goals steered down to "
                                 "the size cap; size quota 23.8M (kernel-tuned) -> 4.0K");
        s.fed[0] = s.r.feed[0];

        /* What the kernel applies from then on: never more than the cap, never less than a page (no
         * collapse to one byte), never 1.5x more than the window before, also when the cap is lifted;
         * and PSI is back at the goal within 40 windows, without a second back-off. */
        prev = TUNER_FLOOR_DEFAULT;
        for (n = 1; n <= 100; n++) {
                cap = s.r.quota;
                sim_window(&s);
                if (cap > 0)
                        ck_assert_uint_le(s.applied, cap);
                ck_assert_uint_ge(s.applied, TUNER_FLOOR_DEFAULT);
                ck_assert_msg(s.applied * 2 <= (prev + TUNER_GRANULE_DEFAULT) * 3 + 2, "window %u: %" PRIu64 " -> %" PRIu64, n, prev,
                              s.applied);
                ck_assert_uint_lt(s.stall, 100 * MSEC);
                prev = s.applied;
                if (s.stall >= 14 * MSEC && s.stall <= 26 * MSEC) {
                        if (++in_a_row >= 10)
                                break;
                } else
                        in_a_row = 0;
        }
        report("psi goal (fed), trigger: cap at a page in the same call; re-converged %u windows later\n",
               n);
        ck_assert_msg(n <= 45, "re-converged %u windows after the back-off", n);
        ck_assert_int_eq(s.t.state, TUNER_STATE_TUNING);
}
END_TEST

START_TEST(test_feed_resyncs_with_kernel) {
        TunerConfig c = config_default();
        TunerGoal g = { PROFILE_GOAL_CGROUP_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_FEED };
        unsigned n;
        Sim s;

        /* Little stall: the goal wants more, the kernel's quota reaches QuotaSize= and damond holds it
         * there by feeding the target. */
        c.quota_size = 64 * MiB;
        sim_init(&s, &c, &g, 1);
        for (unsigned i = 0; i < 60; i++)
                sim_window(&s);
        ck_assert_uint_eq(s.applied, 64 * MiB);
        ck_assert_ptr_nonnull(strstr(s.text, "held at the size cap"));

        /* The kernel's quota drops to a page behind damond's back (it read a steering value once more
         * than damond counted on, or the scheme was committed anew). Fed the target, it would hold there
         * for ever while damond believes it is at the cap: damond must take the effective quota it reads
         * back as the truth and let the kernel grow again, by at most 1.5x per window. */
        s.kernel_esz_bp = TUNER_FLOOR_DEFAULT * 10000;
        for (n = 1; n <= 40; n++) {
                sim_window(&s);
                if (n > 1 && s.applied == 64 * MiB)
                        break;
        }
        ck_assert_uint_le(n, 40);
        report("psi goal (fed), kernel quota dropped to a page: back at the cap %u windows later\n", n);
        ck_assert_msg(s.applied == 64 * MiB, "kernel quota %" PRIu64 " after 40 windows", s.applied);
        ck_assert_int_eq(s.t.state, TUNER_STATE_TUNING);
}
END_TEST

START_TEST(test_kernel_goal_guard_only) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_KERNEL };
        Sim s;

        c.quota_size = 64 * MiB;
        sim_init(&s, &c, &g, 1);
        sim_window(&s);
        ck_assert_uint_eq(s.r.quota, 0);
        ck_assert(s.r.changed & TUNER_CHANGE_QUOTA);    /* the first call says what to apply */
        ck_assert_uint_eq(s.r.feed[0], TUNER_UNKNOWN);  /* nothing to feed */
        sim_window(&s);
        ck_assert_uint_eq(s.r.changed, 0);              /* nothing to write */
}
END_TEST

/* ---- the guard ---- */

static TunerResult guard_window(SchemeTuner *t, uint64_t *now, uint64_t stall, char *text, size_t size) {
        TunerSample s;
        TunerResult r;

        *now += SEC;
        tuner_sample_init(&s, *now, SEC);
        s.stall_usec = stall;
        s.measured[0] = stall;
        ck_assert_int_eq(tuner_window(t, &s, &r, text, size), 0);
        return r;
}

START_TEST(test_backoff_and_slow_rise) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_KERNEL };
        SchemeTuner t;
        TunerResult r;
        uint64_t now = 0, prev;
        unsigned n;
        char text[256];

        c.quota_size = 128 * MiB;
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);
        r = guard_window(&t, &now, 5 * MSEC, text, sizeof(text));
        ck_assert_uint_eq(r.quota, 0);

        ck_assert_int_eq(tuner_pressure_event(&t, now + 10, 312 * MSEC, SEC, &r, text, sizeof(text)), 0);
        ck_assert_str_eq(text, "backed off: some stall 312ms in 1s window >= 100ms; "
                               "size quota 128.0M (QuotaSize=) -> 4.0K");
        ck_assert_uint_eq(r.quota, 4096);
        ck_assert_int_eq(r.state, TUNER_STATE_BACKED_OFF);
        ck_assert_uint_eq(r.changed, TUNER_CHANGE_QUOTA | TUNER_CHANGE_STATE);
        /* a second trigger changes nothing the kernel must be told */
        ck_assert_int_eq(tuner_pressure_event(&t, now + 600 * MSEC, 100 * MSEC, SEC, &r, text, sizeof(text)),
                         0);
        ck_assert_uint_eq(r.changed, 0);

        /* the window in which a trigger fired is not calm: hold */
        r = guard_window(&t, &now, 5 * MSEC, text, sizeof(text));
        ck_assert_uint_eq(r.quota, 4096);
        /* then one 1.5x step of the cap per calm window, back to QuotaSize= (as configured) after
         * ceil(log1.5(128M / 4K)) = 26 windows; the quota the kernel gets is the cap in whole pages, so the
         * first step (6K) still applies one page */
        prev = r.quota;
        for (n = 1; n < 100; n++) {
                r = guard_window(&t, &now, 5 * MSEC, text, sizeof(text));
                if (r.quota == 0)
                        break;
                ck_assert_uint_le(r.quota * 2, (prev + 4096) * 3);
                ck_assert_uint_eq(r.quota % 4096, 0);
                if (n == 1)
                        ck_assert_uint_eq(r.quota, 4096);
                else
                        ck_assert_uint_gt(r.quota, prev);
                ck_assert_uint_lt(r.quota, 128 * MiB);
                prev = r.quota;
        }
        ck_assert_uint_eq(n, 26);
        ck_assert_int_eq(r.state, TUNER_STATE_TUNING);
        ck_assert(r.changed & TUNER_CHANGE_STATE);

        /* a window whose stall reaches the threshold backs off without a trigger (none available) */
        r = guard_window(&t, &now, 150 * MSEC, text, sizeof(text));
        ck_assert_uint_eq(r.quota, 4096);
        ck_assert_int_eq(r.state, TUNER_STATE_BACKED_OFF);
        /* a window that is not calm (stall at or above the threshold) does not rise */
        r = guard_window(&t, &now, 100 * MSEC, text, sizeof(text));
        ck_assert_uint_eq(r.quota, 4096);
}
END_TEST

START_TEST(test_ceiling_pause_resume) {
        TunerConfig c = config_default();
        TunerGoal g = { PROFILE_GOAL_CGROUP_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_FEED };
        SchemeTuner t;
        TunerResult r;
        uint64_t now = 0;
        char text[256];

        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);
        r = guard_window(&t, &now, 5 * MSEC, text, sizeof(text));

        /* 300ms/s, above the 200ms/s ceiling, for 9 windows: backed off, not paused */
        for (unsigned i = 0; i < 9; i++) {
                r = guard_window(&t, &now, 300 * MSEC, text, sizeof(text));
                ck_assert_int_eq(r.state, TUNER_STATE_BACKED_OFF);
                ck_assert_uint_eq(r.quota, 4096);
        }
        /* the 10th second: paused, 1 byte; the kernel's own quota is at the floor already (it started at
         * one byte and the goal never asked for more), and is held there */
        r = guard_window(&t, &now, 300 * MSEC, text, sizeof(text));
        ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
        ck_assert_uint_eq(r.quota, 1);
        ck_assert_uint_eq(r.feed[0], 20 * MSEC);
        ck_assert_str_eq(text, "paused: stall 300ms/s above the ceiling 200ms/s for 10s; "
                               "cgroup_mem_psi_us 300ms of 20ms fed 20ms; held at the floor; "
                               "size quota 4.0K -> 1B");

        /* pressure falls to 50ms/s, under the 100ms/s resume threshold: still paused for 59 s */
        for (unsigned i = 0; i < 59; i++) {
                r = guard_window(&t, &now, 50 * MSEC, text, sizeof(text));
                ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
                ck_assert_uint_eq(r.quota, 1);
                /* a trigger 30 s in restarts the wait */
                if (i == 29) {
                        ck_assert_int_eq(tuner_pressure_event(&t, now, 100 * MSEC, SEC, &r, text,
                                                              sizeof(text)), 0);
                        ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
                        ck_assert_uint_eq(r.changed, 0);
                }
        }
        for (unsigned i = 0; i < 30; i++) {
                r = guard_window(&t, &now, 50 * MSEC, text, sizeof(text));
                ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
        }
        /* 60 s below since the trigger: resumed, backed off at the floor */
        r = guard_window(&t, &now, 50 * MSEC, text, sizeof(text));
        ck_assert_int_eq(r.state, TUNER_STATE_BACKED_OFF);
        ck_assert_uint_eq(r.quota, 4096);
        ck_assert_uint_eq(r.feed[0], 20 * MSEC);        /* the kernel's quota is at the cap: held */
        ck_assert_str_eq(text, "resumed: stall 50ms/s below 100ms/s for 60s; cgroup_mem_psi_us 50ms of 20ms fed "
                               "20ms; held at the floor; size quota 1B -> 4.0K");
}
END_TEST

START_TEST(test_no_flapping) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_KERNEL };
        SchemeTuner t;
        TunerResult r;
        Plant p;
        uint64_t now = 0;
        unsigned pauses = 0, paused_at = 0;
        char text[256];

        plant_init(&p);
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);

        /* Noisy pressure that is above the 200ms/s ceiling every other second or so (30-200 or 201-330ms/s,
         * at random): it is rarely above for 10 s in a row, and a pause, once taken, lasts at least the 60 s
         * resume time: no flapping between paused and running. */
        for (unsigned i = 0; i < 2000; i++) {
                uint64_t stall = (plant_rand(&p) % 2 == 0) ? 30 * MSEC + plant_rand(&p) % (170 * MSEC) :
                        201 * MSEC + plant_rand(&p) % (130 * MSEC);
                TunerState before = t.state;

                r = guard_window(&t, &now, stall, text, sizeof(text));
                if (r.state == TUNER_STATE_PAUSED && before != TUNER_STATE_PAUSED) {
                        pauses++;
                        paused_at = i;
                }
                if (before == TUNER_STATE_PAUSED && r.state != TUNER_STATE_PAUSED)
                        ck_assert_uint_ge(i - paused_at, 60);
        }
        ck_assert_uint_le(pauses, 5);
        report("no flapping: %u pause(s) in 2000 windows of noise around the ceiling\n", pauses);

        /* ... and once paused, noise between the resume threshold and the ceiling (110-190ms/s) never
         * resumes it */
        for (unsigned i = 0; i < 12; i++)
                r = guard_window(&t, &now, 300 * MSEC, text, sizeof(text));
        ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
        for (unsigned i = 0; i < 1000; i++) {
                r = guard_window(&t, &now, 110 * MSEC + plant_rand(&p) % (80 * MSEC), text, sizeof(text));
                ck_assert_int_eq(r.state, TUNER_STATE_PAUSED);
                ck_assert_uint_eq(r.quota, 1);
        }
}
END_TEST

START_TEST(test_unknown_and_scaled) {
        TunerConfig c = config_default();
        TunerGoal g = { PROFILE_GOAL_CGROUP_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_FEED };
        SchemeTuner t;
        TunerSample s;
        TunerResult r;
        char text[8];

        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);
        /* a window twice as long: 30ms in 2s is 15ms per 1s reset interval */
        tuner_sample_init(&s, 10 * SEC, 2 * SEC);
        s.stall_usec = 30 * MSEC;
        s.measured[0] = 30 * MSEC;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_uint_eq(r.feed[0], 15 * MSEC);
        ck_assert_uint_eq(strlen(text), sizeof(text) - 1);      /* truncated, terminated */
        /* not measured: feed the target (the kernel holds), and the guard neither rises nor pauses */
        tuner_sample_init(&s, 11 * SEC, SEC);
        ck_assert_int_eq(tuner_window(&t, &s, &r, NULL, 0), 0);
        ck_assert_uint_eq(r.feed[0], 20 * MSEC);
        /* a zero-length window is refused and changes nothing */
        tuner_sample_init(&s, 11 * SEC, 0);
        ck_assert_int_eq(tuner_window(&t, &s, &r, NULL, 0), -EINVAL);
        ck_assert_int_eq(tuner_pressure_event(&t, 11 * SEC, 1, 0, &r, NULL, 0), -EINVAL);
        ck_assert_int_eq(t.state, TUNER_STATE_TUNING);
}
END_TEST

START_TEST(test_decision_text) {
        TunerConfig c = config_default();
        TunerGoal g = { DAMOS_GOAL_SOME_MEM_PSI_US, 20 * MSEC, TUNER_GOAL_EMULATED };
        TunerGoal u = { PROFILE_GOAL_CGROUP_MEM_USAGE, GiB, TUNER_GOAL_FEED };
        SchemeTuner t;
        TunerSample s;
        TunerResult r;
        char text[256];

        /* 6.1: 5ms of 20ms is a score of 2500, which asks for 1.75x; damond grows 1.5x */
        ck_assert_int_eq(tuner_init(&t, &c, &g, 1), 0);
        ck_assert_uint_eq(tuner_start_quota(&t), 4096);
        for (unsigned i = 1; i <= 2; i++) {
                tuner_sample_init(&s, i * SEC, SEC);
                s.stall_usec = s.measured[0] = 5 * MSEC;
                ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        }
        /* the kernel is told whole pages: 6K and 9K are 4K and 8K */
        ck_assert_str_eq(text, "tuning: stall 5ms/s; score 2500 from some_mem_psi_us 5ms of 20ms; "
                               "size quota 4.0K -> 8.0K");
        ck_assert_uint_eq(r.quota, 8192);
        ck_assert_uint_eq(r.changed, TUNER_CHANGE_QUOTA);

        /* 6.8+: a usage goal, fed inverted; the quota stays as configured, the feed changes */
        ck_assert_int_eq(tuner_init(&t, &c, &u, 1), 0);
        ck_assert_uint_eq(tuner_start_quota(&t), 0);
        tuner_sample_init(&s, SEC, SEC);
        s.stall_usec = 2 * MSEC;
        s.measured[0] = 2 * GiB;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_str_eq(text, "tuning: stall 2ms/s; cgroup_mem_usage 2.0G of 1.0G fed 512.0M; "
                               "size quota unset -> unlimited");
        ck_assert_uint_eq(r.feed[0], 512 * MiB);
        ck_assert_uint_eq(r.changed, TUNER_CHANGE_QUOTA | TUNER_CHANGE_GOALS);
        tuner_sample_init(&s, 2 * SEC, SEC);
        s.stall_usec = 2 * MSEC;
        s.measured[0] = 2 * GiB;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_uint_eq(r.changed, 0);        /* same value: nothing to write */
        /* usage falling fast is fed where it is heading: 1.5G, down 512M, is 0 in 4 windows; the kernel
         * slows down before the target is crossed */
        tuner_sample_init(&s, 3 * SEC, SEC);
        s.stall_usec = 2 * MSEC;
        s.measured[0] = 1536 * MiB;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_uint_eq(t.measured[0], 1536 * MiB);
        /* ... which would be 1.75G, but the kernel's quota is still at the floor (it started at one byte
         * and has grown 1.5x twice): fed the target, it holds there */
        ck_assert_uint_eq(r.feed[0], GiB);
        ck_assert_ptr_nonnull(strstr(text, "; held at the floor"));
        /* rising slowly: 1.5G + 4 * 16M */
        tuner_sample_init(&s, 4 * SEC, SEC);
        s.stall_usec = 2 * MSEC;
        s.measured[0] = 1552 * MiB;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_uint_eq(r.feed[0], (uint64_t) GiB * GiB / (1616 * MiB));

        /* usage 4x the target would be fed a quarter of it (the kernel would grow 1.75x); fed half the
         * target, the kernel grows 1.5x at most, as damond's own quota */
        ck_assert_int_eq(tuner_init(&t, &c, &u, 1), 0);
        tuner_sample_init(&s, SEC, SEC);
        s.stall_usec = 2 * MSEC;
        s.measured[0] = 4 * GiB;
        ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        ck_assert_uint_eq(r.feed[0], 512 * MiB);
        ck_assert_uint_eq(tuner_kernel_next_bp(1000000, tuner_goal_score(r.feed[0], GiB)), 1500000);

        /* 6.1, the same usage: the score is that of where it is heading */
        u.source = TUNER_GOAL_EMULATED;
        ck_assert_int_eq(tuner_init(&t, &c, &u, 1), 0);
        for (unsigned i = 1; i <= 2; i++) {
                tuner_sample_init(&s, i * SEC, SEC);
                s.stall_usec = 2 * MSEC;
                s.measured[0] = i == 1 ? 2 * GiB : 1536 * MiB;
                ck_assert_int_eq(tuner_window(&t, &s, &r, text, sizeof(text)), 0);
        }
        ck_assert_ptr_nonnull(strstr(text, "; score 17500 from cgroup_mem_usage 1.5G of 1.0G"));
}
END_TEST

static Suite *tuner_suite(void) {
        Suite *s = suite_create("tuner");
        TCase *tc = tcase_create("tuner");

        tcase_add_test(tc, test_kernel_next_bp);
        tcase_add_test(tc, test_feed_value);
        tcase_add_test(tc, test_init_refuses);
        tcase_add_test(tc, test_emulated_psi_goal_converges);
        tcase_add_test(tc, test_emulated_hot_set_steps);
        tcase_add_test(tc, test_emulated_quota_size_cap);
        tcase_add_test(tc, test_feed_usage_and_psi_goals);
        tcase_add_test(tc, test_feed_steered_on_event);
        tcase_add_test(tc, test_feed_resyncs_with_kernel);
        tcase_add_test(tc, test_kernel_goal_guard_only);
        tcase_add_test(tc, test_backoff_and_slow_rise);
        tcase_add_test(tc, test_ceiling_pause_resume);
        tcase_add_test(tc, test_no_flapping);
        tcase_add_test(tc, test_unknown_and_scaled);
        tcase_add_test(tc, test_decision_text);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(tuner_suite());
}
