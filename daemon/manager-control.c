/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operator's side of the Manager (manager-control.h): the record of the last start-up or reload,
 * StopProfile/StartProfile, Validate, and the change hook the D-Bus service listens on.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "manager-internal.h"
#include "message-ids.h"
#include "profile-changes.h"
#include "strv.h"

uint64_t manager_now_monotonic(void) {
        return clock_usec(CLOCK_MONOTONIC);
}

/* The offset between the clocks is taken once, so that a time converted twice gives the same value
 * (PropertiesChanged compares them); a step of the wall clock later is not followed. */
uint64_t manager_monotonic_to_realtime(uint64_t monotonic_usec) {
        static uint64_t offset = 0;

        if (monotonic_usec == 0)
                return 0;
        if (offset == 0)
                offset = clock_usec(CLOCK_REALTIME) - manager_now_monotonic();
        return monotonic_usec + offset;
}

/* --- the record of a start-up or reload --- */

static void profile_info_done(ProfileInfo *i) {
        free(i->name);
        free(i->path);
        strv_free(i->files);
        free(i->description);
        free(i->first_error);
        free(i->first_error_public);
        *i = (ProfileInfo) {};
}

void load_record_done(LoadRecord *r) {
        if (!r)
                return;
        free(r->summary);
        strv_free(r->diagnostics);
        strv_free(r->public_diagnostics);
        for (size_t i = 0; i < r->n_profiles; i++)
                profile_info_done(&r->profiles[i]);
        free(r->profiles);
        *r = (LoadRecord) {};
}

/* "path:line: Key=value: what is wrong", with "note: " or "warning: " before what is not an error. */
static char *format_diag(const Diag *d) {
        _cleanup_free_ char *line = diag_format(d);
        char *s;

        if (!line)
                return NULL;
        if (d->severity == DIAG_ERROR)
                return TAKE_PTR(line);
        if (asprintf(&s, "%s: %s", diag_severity_to_string(d->severity), line) < 0)
                return NULL;
        return s;
}

static int add_diags(char ***l, const DiagList *d) {
        int r;

        for (size_t i = 0; d && i < d->n; i++) {
                r = strv_consume(l, format_diag(&d->items[i]));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether everyone may read @path: read permission for others on the file, search permission for
 * others on every directory above it. What cannot be checked counts as not readable. */
static bool file_is_public(const char *path) {
        _cleanup_free_ char *dir = NULL;
        struct stat st;
        char *slash;

        if (!path || path[0] != '/' || stat(path, &st) < 0 || !(st.st_mode & S_IROTH))
                return false;
        dir = strdup(path);
        if (!dir)
                return false;
        while ((slash = strrchr(dir, '/'))) {
                slash[slash == dir ? 1 : 0] = '\0';
                if (stat(dir, &st) < 0 || !(st.st_mode & S_IXOTH))
                        return false;
                if (slash == dir)
                        break;
        }
        return true;
}

#define HIDDEN_DETAILS "details hidden: the file is not readable by everyone (root sees them)"

/* The diagnostics of @d as callers who are not root see them (LoadRecord.public_diagnostics). */
static int add_public_diags(char ***l, const DiagList *d) {
        const char *last = NULL, *last_hidden = NULL;
        bool public = false;
        int r;

        for (size_t i = 0; d && i < d->n; i++) {
                const Diag *g = &d->items[i];
                char *s;

                if (!last || !g->file || !streq(last, g->file)) {
                        public = g->file && file_is_public(g->file);
                        last = g->file;
                }
                if (public) {
                        r = strv_consume(l, format_diag(g));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (last_hidden && g->file && streq(last_hidden, g->file))
                        continue;       /* one line per hidden file: not even how many */
                if (asprintf(&s, "%s: " HIDDEN_DETAILS, g->file ?: "?") < 0)
                        return -ENOMEM;
                r = strv_consume(l, s);
                if (r < 0)
                        return r;
                last_hidden = g->file;
        }
        return 0;
}

int load_record_add(LoadRecord *r, const char *path, const Profile *p, const DiagList *d, bool valid) {
        ProfileInfo *a, *info;
        int k;

        k = add_diags(&r->diagnostics, d);
        if (k >= 0)
                k = add_public_diags(&r->public_diagnostics, d);
        if (k < 0)
                return k;
        if (!path && !p) {
                r->config_errors = r->config_errors || !valid;
                return 0;
        }

        a = reallocarray(r->profiles, r->n_profiles + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        r->profiles = a;
        info = &r->profiles[r->n_profiles];
        *info = (ProfileInfo) {
                .name = strdup(p ? p->name : path),
                .path = strdup(p && p->path ? p->path : path),
                .description = p && p->general.description ? strdup(p->general.description) : NULL,
                .enabled = p ? p->general.enabled : false,
                .valid = valid,
        };
        r->n_profiles++;
        if (!info->name || !info->path || (p && p->general.description && !info->description))
                return -ENOMEM;
        for (size_t i = 0; p && i < p->n_files; i++) {
                k = strv_consume(&info->files, strdup(p->files[i]));
                if (k < 0)
                        return k;
        }
        if (!info->files) {
                k = strv_consume(&info->files, strdup(info->path));
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; d && i < d->n; i++)
                if (d->items[i].severity == DIAG_ERROR) {
                        info->first_error = diag_format(&d->items[i]);
                        if (!info->first_error)
                                return -ENOMEM;
                        if (file_is_public(d->items[i].file))
                                info->first_error_public = strdup(info->first_error);
                        else if (asprintf(&info->first_error_public, "%s: " HIDDEN_DETAILS,
                                          d->items[i].file ?: "?") < 0)
                                info->first_error_public = NULL;
                        if (!info->first_error_public)
                                return -ENOMEM;
                        break;
                }
        return 0;
}

int manager_load_run_error(Manager *m, const char *profile, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        LoadRecord *r = &m->load_next;
        char *line;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (k < 0) {
                what = NULL;
                return -ENOMEM;
        }
        if (asprintf(&line, "profile '%s': %s", profile, what) < 0)
                return -ENOMEM;
        if (strv_contains(r->diagnostics, line)) {      /* tried twice in one reload: said once */
                free(line);
                return 0;
        }
        k = strv_extend(&r->public_diagnostics, line);
        if (k >= 0)
                k = strv_consume(&r->diagnostics, line);
        else
                free(line);
        if (k < 0)
                return k;
        r->n_run_errors++;
        return 0;
}

LoadRecord *manager_load_next(Manager *m) {
        return &m->load_next;
}

const LoadRecord *manager_last_load(const Manager *m) {
        return &m->last_load;
}

const ProfileInfo *manager_find_info(const Manager *m, const char *name) {
        for (size_t i = 0; i < m->last_load.n_profiles; i++)
                if (streq(m->last_load.profiles[i].name, name))
                        return &m->last_load.profiles[i];
        return NULL;
}

static char *load_summary(const LoadRecord *r) {
        char *buf = NULL;
        size_t size = 0, n_invalid = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (size_t i = 0; i < r->n_profiles; i++)
                n_invalid += !r->profiles[i].valid;
        fprintf(f, "%zu profile%s", r->n_profiles, r->n_profiles == 1 ? "" : "s");
        if (n_invalid == 0)
                fputs(r->n_profiles == 0 ? "" : r->n_profiles == 1 ? ", valid" : ", all valid", f);
        else {
                bool first = true;

                fprintf(f, ", %zu with errors (", n_invalid);
                for (size_t i = 0; i < r->n_profiles; i++)
                        if (!r->profiles[i].valid) {
                                fprintf(f, "%s%s", first ? "" : ", ", r->profiles[i].name);
                                first = false;
                        }
                fputs(")", f);
        }
        if (r->config_errors)
                fputs("; damond.conf has errors", f);
        if (r->n_run_errors > 0)
                fprintf(f, "; %zu not applied", r->n_run_errors);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

void manager_finish_load(Manager *m) {
        LoadRecord *r = &m->load_next;

        r->time_usec = clock_usec(CLOCK_REALTIME);
        r->valid = !r->config_errors && r->n_run_errors == 0;
        for (size_t i = 0; i < r->n_profiles; i++)
                r->valid = r->valid && r->profiles[i].valid;
        if (strv_ensure(&r->diagnostics) < 0 || strv_ensure(&r->public_diagnostics) < 0 ||
            !(r->summary = load_summary(r))) {
                (void) log_oom();
                load_record_done(r);
                return;
        }
        load_record_done(&m->last_load);
        m->last_load = *r;
        *r = (LoadRecord) {};
}

/* --- the change hook --- */

void manager_set_change_hook(Manager *m, ManagerChangeHook hook, void *userdata) {
        m->change_hook = hook;
        m->change_userdata = userdata;
}

void manager_changed(Manager *m, unsigned changes) {
        uint64_t now = manager_now_monotonic();
        bool with_status;

        if (!m->change_hook)
                return;
        with_status = m->status_announced_usec == 0 ||
                      now - m->status_announced_usec >= manager_status_interval(m);
        if (with_status) {
                m->status_announced_usec = now;
                changes |= MANAGER_CHANGE_STATUS;
        }
        if (changes != 0)
                m->change_hook(m, NULL, changes, m->change_userdata);
        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];
                unsigned c = profile_changes(m, p, with_status);

                if (c != 0)
                        m->change_hook(m, p->name, c, m->change_userdata);
        }
}

/* --- StopProfile, StartProfile --- */

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

/* --- Validate --- */

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
        const DamonFeatures *f = damon_sysfs_features(m->sysfs);
        ConfigNames names = {};
        bool valid = true;
        int r = 0;

        /* one profile at a time, freed before the next: memory stays that of the largest one */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *d = data ? data[i] : NULL;
                ConfigProfile c = {};

                r = d ? includes_a_path(paths[i], d, &c.diags) : 0;
                if (r == 0) {
                        r = config_profile_load(&c, paths[i], d, d ? strlen(d) : 0, &m->dirs.dirs, m->root);
                        if (r >= 0)
                                r = config_names_check(&names, &c);
                        if (r >= 0)
                                r = config_profile_compile(&c, f, m->tiers);
                } else if (r > 0)
                        r = 0;  /* refused before anything was read */
                if (r >= 0)
                        r = diag_list_sort(&c.diags);
                if (r >= 0)
                        r = add_diags(l, &c.diags);
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
                        (void) set_error(reterr, "File name '%s' is not a profile's file name (NAME.conf, "
                                         "without a directory).", names[i]);
                        return -EINVAL;
                }
                if (strlen(contents[i]) > PROFILE_FILE_MAX) {
                        (void) set_error(reterr, "File '%s' is larger than %d bytes.", names[i],
                                         PROFILE_FILE_MAX);
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

                r = damond_config_load(&m->dirs.dirs, &c, &d);
                if (r >= 0) {
                        valid = !diag_list_has_errors(&d);
                        r = diag_list_sort(&d);
                }
                if (r >= 0)
                        r = add_diags(&l, &d);
                damond_config_done(&c);
                diag_list_done(&d);
                if (r >= 0)
                        r = profile_enumerate(&m->dirs.dirs, &paths);
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
