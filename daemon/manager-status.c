/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <string.h>

#include "log.h"
#include "manager-internal.h"
#include "meminfo.h"
#include "units.h"

/* Whether reading the stats costs a state command that blocks the loop: kernels without refresh_ms, or
 * with it off. On kernels before 6.14 such a command waits for the kdamond's next aggregation (after a
 * 100 ms poll in the kernel), so it is not done every StatusInterval= there. */
static bool status_read_blocks(Manager *m, const ManagedProfile *p) {
        return !(p->has_applied && p->applied.refresh_ms > 0 &&
                 damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_REFRESH_MS));
}

uint64_t manager_status_interval(const Manager *m) {
        return m->has_config && m->config.status_interval_usec > 0 ? m->config.status_interval_usec
                                                                   : MANAGER_STATUS_DEFAULT_USEC;
}

static void account_window(ManagedProfile *p, uint64_t applied, uint64_t now_usec) {
        if (p->window_start_usec == 0) {
                p->window_start_usec = now_usec;
                p->window_start_applied = applied;
                return;
        }
        if (now_usec - p->window_start_usec < MANAGER_ACTIVITY_WINDOW_USEC)
                return;
        /* A counter that went back was reset (a kernel that rebuilds schemes on commit): count from 0. */
        p->applied_last_window = applied >= p->window_start_applied ? applied - p->window_start_applied : applied;
        p->has_last_window = true;
        p->window_start_usec = now_usec;
        p->window_start_applied = applied;
}

/* Why each scheme acts or idles (tune-status.h), from the stats just read and the free memory now. */
/* @stale: the stats were not read at this refresh (every scheme off by its watermarks): an idle scheme's
 * activity says how old they are. */
static void update_activity(Manager *m, ManagedProfile *p, uint64_t now_usec, bool stale) {
        const DamonSpec *spec = &p->compiled.spec;
        uint64_t free_permil = UINT64_MAX;
        MemInfo mi;

        if (p->tune.n_schemes != spec->n_schemes)
                return;
        if (meminfo_read_system(m->root, &mi) >= 0 && mi.total > 0)
                free_permil = meminfo_free_permil(&mi);
        for (size_t i = 0; i < spec->n_schemes; i++) {
                SchemeTuneStatus *t = &p->tune.schemes[i];
                char *a = NULL;

                if (scheme_activity(&spec->schemes[i], spec->attrs.aggr_us, t, free_permil, &a) < 0) {
                        (void) log_oom();
                        return;
                }
                if (stale && p->stats_read_usec != 0 && now_usec >= p->stats_read_usec && strncmp(a, "idle:", 5) == 0) {
                        char d[64], *b = NULL;

                        if (asprintf(&b, "%s; statistics as of their last update, %s ago (the kernel would "
                                     "serve a refresh only at its next watermark check)", a,
                                     format_duration(d, sizeof(d), now_usec - p->stats_read_usec)) < 0) {
                                free(a);
                                (void) log_oom();
                                return;
                        }
                        free(a);
                        a = b;
                }
                free(t->activity);
                t->activity = a;
        }
}

int manager_refresh_status(Manager *m, ManagedProfile *p, uint64_t now_usec, bool on_demand) {
        _cleanup_(damon_kdamond_status_done) DamonKdamondStatus st = {};
        uint64_t interval, applied = 0;
        int r;

        if (p->state != PROFILE_RUN_RUNNING || p->kdamond < 0)
                return 0;
        interval = manager_status_interval(m);
        if (!on_demand && status_read_blocks(m, p))
                interval = MAX(interval, MANAGER_STATUS_BLOCKING_USEC);
        if (p->status_read_usec != 0 && now_usec - p->status_read_usec < interval)
                return 0;

        /* Schemes that are all off by their watermarks do not change their stats, and before 6.14 the
         * kernel would serve the refresh only at its next watermark check (seconds, with the loop and
         * every D-Bus caller waiting; from 6.14 up to the watermark interval): keep the last numbers, and
         * say how old they are. */
        if (p->has_applied && status_read_blocks(m, p) && damon_sysfs_commands_may_wait(m->sysfs, &p->applied)) {
                p->status_read_usec = now_usec;
                update_activity(m, p, now_usec, true);
                return 0;
        }
        r = damon_sysfs_read_status(m->sysfs, (unsigned) p->kdamond, &st);
        if (r < 0)
                return log_debug_errno(r, "Failed to read the stats of kdamond %d, ignoring: %m", p->kdamond);
        p->status_read_usec = p->stats_read_usec = now_usec;

        /* a stat scheme acts on nothing: its sz_applied (all it saw, every aggregation) is no work done */
        for (size_t i = 0; i < st.n_schemes; i++)
                if (!(p->has_applied && i < p->applied.n_schemes &&
                      p->applied.schemes[i].action == DAMOS_ACTION_STAT))
                        applied += st.schemes[i].sz_applied;
        account_window(p, applied, now_usec);

        /* The tuning status describes the compiled schemes; a kdamond that runs something else (an
         * adopted one whose profile changed) has no stats that belong to them. */
        if (p->tune.n_schemes == st.n_schemes)
                for (size_t i = 0; i < st.n_schemes; i++) {
                        SchemeTuneStatus *t = &p->tune.schemes[i];

                        t->stats = st.schemes[i];
                        t->has_stats = true;
                        if (st.schemes[i].has_effective_bytes)
                                t->effective_quota = st.schemes[i].effective_bytes;
                }
        update_activity(m, p, now_usec, false);
        return 1;
}
