/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: the contract of include/tuner.h compiles; tuner_window() and tuner_pressure_event() land next. */
#include <string.h>

#include "tuner.h"

void tuner_config_init(TunerConfig *c) {
        *c = (TunerConfig) {
                .reset_interval_usec = TUNER_RESET_INTERVAL_USEC_DEFAULT,
                .quota_limit_default = TUNER_QUOTA_LIMIT_DEFAULT,
                .floor = TUNER_FLOOR_DEFAULT,
                .growth_bp = TUNER_GROWTH_BP_DEFAULT,
                .backoff_stall_usec = TUNER_BACKOFF_STALL_USEC_DEFAULT,
                .backoff_window_usec = TUNER_BACKOFF_WINDOW_USEC_DEFAULT,
                .ceiling_usec = TUNER_CEILING_USEC_DEFAULT,
                .ceiling_hold_usec = TUNER_CEILING_HOLD_USEC_DEFAULT,
                .resume_hold_usec = TUNER_RESUME_HOLD_USEC_DEFAULT,
        };
}

int tuner_init(SchemeTuner *t, const TunerConfig *c, const TunerGoal *goals, size_t n_goals) {
        return -EOPNOTSUPP;
}

int tuner_window(SchemeTuner *t, const TunerSample *s, TunerResult *ret, char *text, size_t text_size) {
        return -EOPNOTSUPP;
}

int tuner_pressure_event(SchemeTuner *t, uint64_t now_usec, uint64_t stall_usec, uint64_t window_usec,
                         TunerResult *ret, char *text, size_t text_size) {
        return -EOPNOTSUPP;
}

void tuner_sample_init(TunerSample *s, uint64_t now_usec, uint64_t window_usec) {
        memset(s, 0xff, sizeof(*s));
        s->now_usec = now_usec;
        s->window_usec = window_usec;
}

const char *tuner_state_to_string(TunerState s) {
        return NULL;
}

uint64_t tuner_kernel_next_bp(uint64_t last_bp, uint64_t score) {
        return 0;
}

uint64_t tuner_goal_score(uint64_t current, uint64_t target) {
        return 0;
}

uint64_t tuner_feed_value(int metric, uint64_t target, uint64_t measured, bool brake) {
        return 0;
}
