/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which of a profile's D-Bus properties may have changed (profile-changes.h), told by a digest of the
 * fields each group of properties is made of, compared with the digest of the last look.
 *
 * A digest rather than a flag set by every writer: the fields are written by the profile runner, the
 * tuning loop, the status refresh and the following of processes, and one look where the Manager tells
 * the D-Bus service cannot miss a writer. It costs a pass over a few hundred bytes of each profile; the
 * bus rendering and comparing every property of every object as text at each health tick was most of
 * damond's idle CPU. What a property reads outside the profile (a target process's name in Targets) is
 * not in it: such a change is announced with the next change of the profile itself.
 */
#include <string.h>

#include "manager-changes.h"
#include "manager-follow.h"
#include "manager.h"
#include "profile-changes.h"

/* FNV-1a, 64 bits: what matters is that a change changes the digest, not resistance to an adversary */
#define DIGEST_INIT UINT64_C(0xcbf29ce484222325)

static void digest_bytes(uint64_t *h, const void *data, size_t n) {
        const unsigned char *b = data;

        for (size_t i = 0; i < n; i++) {
                *h ^= b[i];
                *h *= UINT64_C(0x100000001b3);
        }
}

static void digest_u64(uint64_t *h, uint64_t v) {
        digest_bytes(h, &v, sizeof(v));
}

static void digest_u64s(uint64_t *h, const uint64_t *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                digest_u64(h, v[i]);
}

/* The numbers given, in order; field by field, since a struct's padding is not guaranteed to be copied */
#define DIGEST_U64S(h, ...)                                                                     \
        digest_u64s((h), (const uint64_t[]) { __VA_ARGS__ },                                    \
                    sizeof((const uint64_t[]) { __VA_ARGS__ }) / sizeof(uint64_t))

/* NULL and "" differ, and "ab","c" from "a","bc" */
static void digest_str(uint64_t *h, const char *s) {
        digest_u64(h, s ? strlen(s) : UINT64_MAX);
        if (s)
                digest_bytes(h, s, strlen(s));
}

static void digest_strv(uint64_t *h, char **l) {
        size_t n = 0;

        for (; l && l[n]; n++)
                digest_str(h, l[n]);
        digest_u64(h, n);
}

/* What bus-profile.c's State, StateReason, Operations, Targets, Kdamond, KdamondPid, RunningSince and
 * Restarts read of @p. */
static uint64_t run_digest(Manager *m, const ManagedProfile *p) {
        const CompiledProfile *c = &p->compiled;
        uint64_t h = DIGEST_INIT;

        DIGEST_U64S(&h, (uint64_t) p->state, (uint64_t) p->kdamond, (uint64_t) p->pid, p->running_since_usec,
                    p->n_restarts, c->enabled, (uint64_t) c->spec.ops, c->regions_auto);
        digest_str(&h, p->reason);
        digest_str(&h, p->path);
        digest_str(&h, p->fingerprint);
        digest_strv(&h, c->process_names);
        digest_strv(&h, c->cgroups);
        digest_strv(&h, c->units);
        for (size_t i = 0; c->units && c->units[i]; i++)
                digest_str(&h, manager_unit_cgroup(m, c->units[i]));
        digest_u64(&h, p->has_applied);
        if (!p->has_applied)
                return h;
        DIGEST_U64S(&h, (uint64_t) p->applied.ops, p->applied.n_targets);
        for (size_t t = 0; t < p->applied.n_targets; t++) {
                const DamonTarget *tg = &p->applied.targets[t];

                DIGEST_U64S(&h, (uint64_t) tg->pid, tg->n_regions);
                for (size_t i = 0; i < tg->n_regions; i++)
                        DIGEST_U64S(&h, tg->regions[i].start, tg->regions[i].end);
        }
        return h;
}

static void digest_scheme_status(uint64_t *h, const SchemeTuneStatus *t) {
        const DamosSchemeStats *s = &t->stats;

        digest_str(h, t->name);
        DIGEST_U64S(h, (uint64_t) t->action, t->has_stats, s->nr_tried, s->sz_tried, s->nr_applied,
                    s->sz_applied, s->sz_ops_filter_passed, s->qt_exceeds, s->nr_snapshots, t->quota_size,
                    t->quota_applied, t->effective_quota, (uint64_t) t->state, t->n_goals);
        for (size_t g = 0; g < t->n_goals; g++) {
                const GoalStatus *gs = &t->goals[g];

                DIGEST_U64S(h, (uint64_t) gs->metric, gs->fed_by_damond, gs->target, gs->current, gs->node);
                digest_str(h, gs->cgroup);
        }
        digest_u64(h, t->last_decision_usec);
        digest_str(h, t->last_decision);
}

/* What Schemes, Pressure and AppliedLastMinute read of @p (Schemes shows the compiled schemes, which the
 * fingerprint stands for, until the tuning status has them). */
static uint64_t status_digest(const ManagedProfile *p) {
        const PressureStatus *s = &p->tune.pressure;
        uint64_t h = DIGEST_INIT;

        digest_str(&h, p->fingerprint);
        DIGEST_U64S(&h, p->has_last_window, p->applied_last_window, p->tune.n_schemes);
        for (size_t i = 0; i < p->tune.n_schemes; i++)
                digest_scheme_status(&h, &p->tune.schemes[i]);
        digest_u64(&h, p->tune.has_pressure);
        if (!p->tune.has_pressure)
                return h;
        digest_str(&h, s->source);
        DIGEST_U64S(&h, s->some_avg10, s->full_avg10, s->window_stall_usec, s->window_usec, s->ceiling_usec,
                    s->task_delay_usec);
        return h;
}

unsigned profile_changes(Manager *m, ManagedProfile *p, bool with_status) {
        unsigned changes = 0;
        uint64_t h;

        h = run_digest(m, p);
        if (!p->has_run_digest || h != p->run_digest)
                changes |= MANAGER_CHANGE_RUN;
        p->run_digest = h;
        p->has_run_digest = true;
        if (!with_status)
                return changes;
        h = status_digest(p);
        if (!p->has_status_digest || h != p->status_digest)
                changes |= MANAGER_CHANGE_STATUS;
        p->status_digest = h;
        p->has_status_digest = true;
        return changes;
}
