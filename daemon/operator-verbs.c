/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * StopProfile and StartProfile (operator-verbs.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load-record.h"
#include "manager-changes.h"
#include "manager.h"
#include "operator-verbs.h"

static int set_error(char **reterr, const char *fmt, ...) _printf_(2, 3);
static int set_error(char **reterr, const char *fmt, ...) {
        va_list ap;
        int r;

        if (!reterr)
                return 0;
        free(*reterr);
        *reterr = NULL;
        va_start(ap, fmt);
        r = vasprintf(reterr, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *reterr = NULL;
                return -ENOMEM;
        }
        return 0;
}

int manager_stop_profile(Manager *m, const char *name, char **reterr) {
        ManagedProfile *p = manager_find_profile(m, name);
        int r;

        if (!p) {
                if (manager_find_info(m, name))
                        return 0;       /* known, but has errors and never ran: nothing runs */
                (void) set_error(reterr, "No profile '%s'.", name);
                return -ENOENT;
        }
        r = profile_operator_stop(m, p);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void) set_error(reterr, "Failed to stop kdamond %d of profile '%s': %s", p->kdamond, p->name,
                                 strerror(-r));
                return r;
        }
        if (r > 0)
                manager_changed(m, 0);
        return 0;
}

int manager_start_profile(Manager *m, const char *name, char **reterr) {
        ManagedProfile *p = manager_find_profile(m, name);
        const ProfileInfo *info = manager_find_info(m, name);
        int r;

        if (!p && !info) {
                (void) set_error(reterr, "No profile '%s'.", name);
                return -ENOENT;
        }
        if (p && p->state == PROFILE_RUN_RUNNING)
                return 0;
        /* Its files have errors: a profile never started with errors (the version a reload kept runs, but
         * one that is not running is not brought back from an older version than its files say). */
        if (info && !info->valid) {
                (void) set_error(reterr, "Profile '%s' has errors: %s", name,
                                 info->first_error ?: "see LastReloadErrors");
                return -EINVAL;
        }
        if (!p || isempty(p->fingerprint)) {
                (void) set_error(reterr, "Profile '%s' has errors; fix them and reload.", name);
                return -EINVAL;
        }
        if (!p->compiled.enabled) {
                (void) set_error(reterr, "Profile '%s' is disabled (Enabled=no); enable it and reload.", name);
                return -EOPNOTSUPP;
        }

        r = profile_operator_start(m, p);
        if (r < 0)
                return r;
        manager_changed(m, 0);
        /* like systemctl start: the caller learns that it did not start, not only the watchers of State */
        if (r > 0) {
                (void) set_error(reterr, "Profile '%s' did not start (%s): %s", p->name,
                                 profile_run_state_to_string(p->state), p->reason ?: "see its StateReason");
                return -EIO;
        }
        return 0;
}
