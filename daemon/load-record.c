/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record of a start-up or reload (load-record.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load-record.h"
#include "strv.h"

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

int diagnostics_append(char ***l, const DiagList *d) {
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

        k = diagnostics_append(&r->diagnostics, d);
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

int load_record_run_error(LoadRecord *r, const char *profile, const char *what) {
        char *line;
        int k;

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

const ProfileInfo *load_record_find(const LoadRecord *r, const char *name) {
        for (size_t i = 0; i < r->n_profiles; i++)
                if (streq(r->profiles[i].name, name))
                        return &r->profiles[i];
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

int load_record_finish(LoadRecord *r, uint64_t realtime_usec) {
        r->time_usec = realtime_usec;
        r->valid = !r->config_errors && r->n_run_errors == 0;
        for (size_t i = 0; i < r->n_profiles; i++)
                r->valid = r->valid && r->profiles[i].valid;
        if (strv_ensure(&r->diagnostics) < 0 || strv_ensure(&r->public_diagnostics) < 0 ||
            !(r->summary = load_summary(r))) {
                load_record_done(r);
                return -ENOMEM;
        }
        return 0;
}
