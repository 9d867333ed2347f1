/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdlib.h>

#include "macro.h"
#include "tune-status.h"

static const char * const tune_state_table[_TUNE_STATE_MAX] = {
        [TUNE_STATE_NONE] = "none",
        [TUNE_STATE_TUNING] = "tuning",
        [TUNE_STATE_BACKED_OFF] = "backed-off",
        [TUNE_STATE_PAUSED] = "paused",
};

const char *tune_state_to_string(TuneState s) {
        if ((int) s < 0 || s >= _TUNE_STATE_MAX)
                return NULL;
        return tune_state_table[s];
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
