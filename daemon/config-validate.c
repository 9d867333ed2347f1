/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validate (config-validate.h).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config-load.h"
#include "config-validate.h"
#include "load-record.h"
#include "manager.h"
#include "strv.h"

/* Refuses an Include= of a path in a caller's file: damond would read it (and show its lines in the
 * diagnostics). Loading once without directories reports every Include= as an error without reading
 * anything, and names its value. Returns 1 if the file includes a path (then @d has the error). */
static int includes_a_path(const char *name, const char *data, DiagList *d) {
        _cleanup_(profile_freep) Profile *p = NULL;
        DiagList probe = {};
        int r, found = 0;

        r = profile_load_string(name, data, strlen(data), NULL, &p, &probe);
        if (r < 0) {
                diag_list_done(&probe);
                return r;
        }
        for (size_t i = 0; i < probe.n && !found; i++) {
                const Diag *g = &probe.items[i];

                if (g->key && g->value && strcasecmp(g->key, "Include") == 0 && strchr(g->value, '/')) {
                        r = diag_add(d, DIAG_ERROR, g->file, g->line, g->key, g->value,
                                     "Validate resolves includes by name only; damond does not read a path "
                                     "sent by a caller");
                        found = r < 0 ? r : 1;
                }
        }
        diag_list_done(&probe);
        return found;
}

/* Validates like the daemon loads: @data[i] NULL reads @paths[i] from disk. Appends the diagnostics, by
 * file, to @l. Returns 1 if every profile is valid, 0 if not, or -ENOMEM. */
static int validate_profiles(Manager *m, char * const *paths, char * const *data, size_t n, char ***l) {
        const DamonFeatures *f = damon_sysfs_features(manager_sysfs(m));
        ConfigNames names = {};
        bool valid = true;
        int r = 0;

        /* one profile at a time, freed before the next: memory stays that of the largest one */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *d = data ? data[i] : NULL;
                ConfigProfile c = {};

                r = d ? includes_a_path(paths[i], d, &c.diags) : 0;
                if (r == 0) {
                        r = config_profile_load(&c, paths[i], d, d ? strlen(d) : 0, manager_config_dirs(m),
                                                manager_root(m));
                        if (r >= 0)
                                r = config_names_check(&names, &c);
                        if (r >= 0)
                                r = config_profile_compile(&c, f, manager_tiers(m));
                } else if (r > 0)
                        r = 0;  /* refused before anything was read */
                if (r >= 0)
                        r = diag_list_sort(&c.diags);
                if (r >= 0)
                        r = diagnostics_append(l, &c.diags);
                valid = valid && c.valid;
                config_profile_done(&c);
        }
        config_names_done(&names);
        return r < 0 ? r : valid;
}

/* A name the daemon would load from a config directory (profile_enumerate()) as a profile: NAME.conf
 * with NAME under the profile name rule (the ownership record and the journal carry it). */
static bool valid_file_name(const char *s) {
        size_t n = strlen(s);
        char stem[PROFILE_NAME_MAX + 1];

        if (n <= strlen(".conf") || s[0] == '.' || strchr(s, '/') ||
            !streq(s + n - strlen(".conf"), ".conf") || streq(s, "damond.conf"))
                return false;
        n -= strlen(".conf");
        if (n > PROFILE_NAME_MAX)
                return false;
        memcpy(stem, s, n);
        stem[n] = '\0';
        return profile_name_is_valid(stem);
}

int manager_validate_check(const char * const *names, const char * const *contents, size_t n, char **reterr) {
        for (size_t i = 0; i < n; i++) {
                if (!valid_file_name(names[i])) {
                        if (reterr && asprintf(reterr, "File name '%s' is not a profile's file name "
                                               "(NAME.conf, without a directory).", names[i]) < 0)
                                *reterr = NULL;
                        return -EINVAL;
                }
                if (strlen(contents[i]) > PROFILE_FILE_MAX) {
                        if (reterr && asprintf(reterr, "File '%s' is larger than %d bytes.", names[i],
                                               PROFILE_FILE_MAX) < 0)
                                *reterr = NULL;
                        return -EINVAL;
                }
        }
        return 0;
}

int manager_validate(Manager *m, char * const *names, char * const *contents, size_t n, bool *ret_valid,
                     char ***ret_diagnostics, char **reterr) {
        _cleanup_strv_free_ char **paths = NULL;
        char **l = NULL;
        bool valid = true;
        int r;

        assert(ret_valid);
        assert(ret_diagnostics);

        r = manager_validate_check((const char * const *) names, (const char * const *) contents, n, reterr);
        if (r < 0)
                return r;

        if (n == 0) {
                DamondConfig c = {};
                DiagList d = {};

                r = damond_config_load(manager_config_dirs(m), &c, &d);
                if (r >= 0) {
                        valid = !diag_list_has_errors(&d);
                        r = diag_list_sort(&d);
                }
                if (r >= 0)
                        r = diagnostics_append(&l, &d);
                damond_config_done(&c);
                diag_list_done(&d);
                if (r >= 0)
                        r = profile_enumerate(manager_config_dirs(m), &paths);
                if (r >= 0) {
                        size_t n_paths = 0;

                        while (paths[n_paths])
                                n_paths++;
                        r = validate_profiles(m, paths, NULL, n_paths, &l);
                }
        } else
                r = validate_profiles(m, names, contents, n, &l);
        if (r >= 0) {
                valid = valid && r > 0;
                r = 0;
        }
        if (r >= 0)
                r = strv_ensure(&l);
        if (r < 0) {
                strv_free(l);
                return r;
        }
        *ret_valid = valid;
        *ret_diagnostics = l;
        return 0;
}
