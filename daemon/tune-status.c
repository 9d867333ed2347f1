/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdlib.h>

#include "macro.h"
#include "tune-status.h"
#include "tuner.h"

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
        }
        free(s->schemes);
        free(s->pressure.source);
        *s = (ProfileTuneStatus) {};
}
