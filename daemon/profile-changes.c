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

        digest_u64(&h, (uint64_t) p->state);
        digest_str(&h, p->reason);
        digest_u64(&h, (uint64_t) p->kdamond);
        digest_u64(&h, (uint64_t) p->pid);
        digest_u64(&h, p->running_since_usec);
        digest_u64(&h, p->n_restarts);
        digest_str(&h, p->path);
        digest_str(&h, p->fingerprint);
        digest_u64(&h, c->enabled);
        digest_u64(&h, (uint64_t) c->spec.ops);
        digest_u64(&h, c->regions_auto);
        digest_strv(&h, c->process_names);
        digest_strv(&h, c->cgroups);
        digest_strv(&h, c->units);
        for (size_t i = 0; c->units && c->units[i]; i++)
                digest_str(&h, manager_unit_cgroup(m, c->units[i]));
        digest_u64(&h, p->has_applied);
        if (!p->has_applied)
                return h;
        digest_u64(&h, (uint64_t) p->applied.ops);
        digest_u64(&h, p->applied.n_targets);
        for (size_t t = 0; t < p->applied.n_targets; t++) {
                const DamonTarget *tg = &p->applied.targets[t];

                digest_u64(&h, (uint64_t) tg->pid);
                digest_u64(&h, tg->n_regions);
                for (size_t i = 0; i < tg->n_regions; i++) {
                        digest_u64(&h, tg->regions[i].start);
                        digest_u64(&h, tg->regions[i].end);
                }
        }
        return h;
}

static void digest_scheme_status(uint64_t *h, const SchemeTuneStatus *t) {
        const DamosSchemeStats *s = &t->stats;

        digest_str(h, t->name);
        digest_u64(h, (uint64_t) t->action);
        digest_u64(h, t->has_stats);
        /* field by field: a struct's padding is not guaranteed to be copied */
        digest_u64(h, s->nr_tried);
        digest_u64(h, s->sz_tried);
        digest_u64(h, s->nr_applied);
        digest_u64(h, s->sz_applied);
        digest_u64(h, s->sz_ops_filter_passed);
        digest_u64(h, s->qt_exceeds);
        digest_u64(h, s->nr_snapshots);
        digest_u64(h, t->quota_size);
        digest_u64(h, t->quota_applied);
        digest_u64(h, t->effective_quota);
        digest_u64(h, (uint64_t) t->state);
        digest_u64(h, t->n_goals);
        for (size_t g = 0; g < t->n_goals; g++) {
                const GoalStatus *gs = &t->goals[g];

                digest_u64(h, (uint64_t) gs->metric);
                digest_u64(h, gs->fed_by_damond);
                digest_u64(h, gs->target);
                digest_u64(h, gs->current);
                digest_str(h, gs->cgroup);
                digest_u64(h, gs->node);
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
        digest_u64(&h, p->has_last_window);
        digest_u64(&h, p->applied_last_window);
        digest_u64(&h, p->tune.n_schemes);
        for (size_t i = 0; i < p->tune.n_schemes; i++)
                digest_scheme_status(&h, &p->tune.schemes[i]);
        digest_u64(&h, p->tune.has_pressure);
        if (!p->tune.has_pressure)
                return h;
        digest_str(&h, s->source);
        digest_u64(&h, s->some_avg10);
        digest_u64(&h, s->full_avg10);
        digest_u64(&h, s->window_stall_usec);
        digest_u64(&h, s->window_usec);
        digest_u64(&h, s->ceiling_usec);
        digest_u64(&h, s->task_delay_usec);
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
