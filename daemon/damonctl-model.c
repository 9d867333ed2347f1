/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdlib.h>
#include <string.h>

#include "damonctl-model.h"
#include "macro.h"
#include "strv.h"

void ctl_scheme_done(CtlScheme *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_stats; i++)
                free(s->stats[i].name);
        free(s->stats);
        for (size_t i = 0; i < s->n_goals; i++) {
                free(s->goals[i].metric);
                free(s->goals[i].cgroup);
        }
        free(s->goals);
        free(s->name);
        free(s->action);
        free(s->tune_state);
        free(s->last_decision);
        free(s->activity);
        *s = (CtlScheme) {};
}

void ctl_observe_done(CtlObserve *o) {
        free(o->idle_usec);
        free(o->unavailable);
        for (size_t i = 0; i < o->n_savings; i++) {
                free(o->savings[i].period);
                for (size_t k = 0; k < o->savings[i].n_applied; k++)
                        free(o->savings[i].applied[k].name);
                free(o->savings[i].applied);
        }
        free(o->savings);
        free(o->cgroup);
        *o = (CtlObserve) {};
}

const CtlSavings *ctl_observe_savings(const CtlObserve *o, const char *period) {
        for (size_t i = 0; i < o->n_savings; i++)
                if (o->savings[i].period && strcmp(o->savings[i].period, period) == 0)
                        return &o->savings[i];
        return NULL;
}

uint64_t ctl_savings_applied(const CtlSavings *s, const char *action) {
        for (size_t i = 0; i < s->n_applied; i++)
                if (s->applied[i].name && strcmp(s->applied[i].name, action) == 0)
                        return s->applied[i].value;
        return 0;
}

void ctl_profile_done(CtlProfile *p) {
        if (!p)
                return;
        free(p->name);
        free(p->object_path);
        free(p->description);
        free(p->path);
        strv_free(p->files);
        free(p->state);
        free(p->state_reason);
        free(p->operations);
        strv_free(p->targets);
        for (size_t i = 0; i < p->n_schemes; i++)
                ctl_scheme_done(&p->schemes[i]);
        free(p->schemes);
        strv_free(p->scheme_activity);
        free(p->pressure.source);
        for (size_t i = 0; i < p->n_tiers; i++)
                free(p->tiers[i].nodes);
        free(p->tiers);
        ctl_observe_done(&p->observe);
        *p = (CtlProfile) {};
}

void ctl_manager_done(CtlManager *m) {
        if (!m)
                return;
        free(m->version);
        free(m->kernel_release);
        free(m->damon_version);
        for (size_t i = 0; i < m->n_features; i++) {
                free(m->features[i].name);
                free(m->features[i].version);
                free(m->features[i].state);
        }
        free(m->features);
        free(m->last_reload_summary);
        strv_free(m->last_reload_errors);
        for (size_t i = 0; i < m->n_modules; i++)
                free(m->modules[i].name);
        free(m->modules);
        free(m->damon_stat.idle_ms);
        for (size_t i = 0; i < m->n_profiles; i++)
                ctl_profile_done(&m->profiles[i]);
        free(m->profiles);
        *m = (CtlManager) {};
}

void ctl_validation_done(CtlValidation *v) {
        if (!v)
                return;
        strv_free(v->diagnostics);
        *v = (CtlValidation) {};
}

const CtlProfile *ctl_manager_find_profile(const CtlManager *m, const char *name) {
        for (size_t i = 0; i < m->n_profiles; i++)
                if (m->profiles[i].name && streq(m->profiles[i].name, name))
                        return &m->profiles[i];
        return NULL;
}

uint64_t ctl_scheme_stat(const CtlScheme *s, const char *name) {
        for (size_t i = 0; i < s->n_stats; i++)
                if (streq(s->stats[i].name, name))
                        return s->stats[i].value;
        return CTL_UNKNOWN;
}
