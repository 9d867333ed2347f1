/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "profile.h"
#include "tune-status.h"
#include "tuner.h"
#include "units.h"

/* One state machine (policies/tuner.c) and its status: the same values, one string table. */
_Static_assert((int) TUNE_STATE_NONE == (int) TUNER_STATE_NONE &&
               (int) TUNE_STATE_TUNING == (int) TUNER_STATE_TUNING &&
               (int) TUNE_STATE_BACKED_OFF == (int) TUNER_STATE_BACKED_OFF &&
               (int) TUNE_STATE_PAUSED == (int) TUNER_STATE_PAUSED &&
               (int) _TUNE_STATE_MAX == (int) _TUNER_STATE_MAX, "TuneState and TunerState differ");

const char *tune_state_to_string(TuneState s) {
        return tuner_state_to_string((TunerState) s);
}

void tune_status_done(ProfileTuneStatus *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_schemes; i++) {
                SchemeTuneStatus *t = &s->schemes[i];

                for (size_t j = 0; j < t->n_goals; j++)
                        free(t->goals[j].cgroup);
                free(t->goals);
                free(t->name);
                free(t->last_decision);
                free(t->activity);
        }
        free(s->schemes);
        free(s->pressure.source);
        *s = (ProfileTuneStatus) {};
}

static bool metric_is_stall(int metric) {
        return metric == DAMOS_GOAL_SOME_MEM_PSI_US || metric == PROFILE_GOAL_MEM_PSI_FULL_US ||
               metric == PROFILE_GOAL_CGROUP_MEM_PSI_US;
}

static const char *format_permil(char *buf, size_t size, uint64_t permil) {
        return format_ratio(buf, size, permil * 1000);
}

static const char *format_stall(char *buf, size_t size, uint64_t usec) {
        snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "ms", usec / 1000, usec % 1000 / 100);
        return buf;
}

int scheme_activity(const DamosScheme *sc, uint64_t aggr_us, const SchemeTuneStatus *st, uint64_t free_permil,
                    char **ret) {
        char a[64], b[64], c[64];
        const GoalStatus *stall = NULL;
        int r;

        for (size_t g = 0; g < st->n_goals && !stall; g++)
                if (metric_is_stall(st->goals[g].metric))
                        stall = &st->goals[g];

        if (sc->wmarks.metric == DAMOS_WMARK_FREE_MEM_RATE && free_permil != UINT64_MAX) {
                /* the kernel's rule (damos_wmark_wait_us()): off above high and below low, back on
                 * below mid */
                if (free_permil > sc->wmarks.high)
                        r = asprintf(ret, "idle: free memory %s is above the %s watermark; it resumes below %s",
                                     format_permil(a, sizeof(a), free_permil),
                                     format_permil(b, sizeof(b), sc->wmarks.high),
                                     format_permil(c, sizeof(c), sc->wmarks.mid));
                else if (free_permil < sc->wmarks.low)
                        r = asprintf(ret, "idle: free memory %s is below the %s low watermark; it resumes "
                                     "above it", format_permil(a, sizeof(a), free_permil),
                                     format_permil(b, sizeof(b), sc->wmarks.low));
                else
                        r = 0;
                if (r < 0)
                        return -ENOMEM;
                if (r > 0)
                        return 0;
        }
        if ((st->state == TUNE_STATE_BACKED_OFF || st->state == TUNE_STATE_PAUSED) && stall &&
            stall->current != TUNE_UNKNOWN)
                r = asprintf(ret, "%s: stall %s/s against a %s goal",
                             st->state == TUNE_STATE_PAUSED ? "paused" : "backed off",
                             format_stall(a, sizeof(a), stall->current), format_stall(b, sizeof(b), stall->target));
        else if (st->state == TUNE_STATE_BACKED_OFF || st->state == TUNE_STATE_PAUSED)
                r = asprintf(ret, "%s: memory pressure crossed the back-off threshold",
                             st->state == TUNE_STATE_PAUSED ? "paused" : "backed off");
        else if (!st->has_stats)
                r = asprintf(ret, "starting: no statistics read yet");
        else if (st->stats.sz_tried == 0 && sc->age.min > 0 && aggr_us > 0)
                r = asprintf(ret, "waiting: no memory has been %s for %s yet",
                             sc->nr_accesses.max == 0 ? "idle" : "cold enough",
                             format_duration(a, sizeof(a), sc->age.min * aggr_us));
        else if (st->stats.sz_tried == 0)
                r = asprintf(ret, "waiting: no memory has matched its access pattern yet");
        else
                r = asprintf(ret, "active: applied %s of %s tried", format_size(a, sizeof(a), st->stats.sz_applied),
                             format_size(b, sizeof(b), st->stats.sz_tried));
        return r < 0 ? -ENOMEM : 0;
}
