/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "damon-modules.h"
#include "iomem.h"
#include "log.h"
#include "manager.h"
#include "message-ids.h"
#include "proc-events.h"
#include "manager-internal.h"
#include "profile-glue.h"
#include "state-file.h"

/* A profile as read from disk, before it replaces (or becomes) a ManagedProfile. */
typedef struct Loaded {
        char *path;
        Profile *profile;
        DiagList diags;
        CompiledProfile compiled;
        char *fingerprint;
        bool valid;
} Loaded;

static const char * const run_state_table[_PROFILE_RUN_STATE_MAX] = {
        [PROFILE_RUN_DISABLED] = "disabled",
        [PROFILE_RUN_RUNNING] = "running",
        [PROFILE_RUN_BLOCKED] = "blocked",
        [PROFILE_RUN_WAITING] = "waiting",
        [PROFILE_RUN_FAILED] = "failed",
};

const char *profile_run_state_to_string(ProfileRunState s) {
        if (s < 0 || s >= _PROFILE_RUN_STATE_MAX)
                return NULL;
        return run_state_table[s];
}

static void loaded_done(Loaded *l) {
        if (!l)
                return;
        free(l->path);
        profile_free(l->profile);
        diag_list_done(&l->diags);
        compiled_profile_done(&l->compiled);
        free(l->fingerprint);
        *l = (Loaded) {};
}

static void loaded_array_free(Loaded *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                loaded_done(&l[i]);
        free(l);
}

static ManagedProfile *managed_profile_free(ManagedProfile *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->path);
        compiled_profile_done(&p->compiled);
        free(p->fingerprint);
        if (p->has_applied)
                damon_spec_done(&p->applied);
        free(p->reason);
        return mfree(p);
}

/* --- logging helpers --- */

static void log_diags(DiagList *d, const char *profile) {
        (void) diag_list_sort(d);
        for (size_t i = 0; i < d->n; i++) {
                const Diag *g = &d->items[i];
                _cleanup_free_ char *line = diag_format(g);
                int level = g->severity == DIAG_ERROR ? LOG_ERR :
                            g->severity == DIAG_WARNING ? LOG_WARNING : LOG_INFO;

                if (!line) {
                        (void) log_oom();
                        return;
                }
                log_struct(level, 0,
                           LOG_FIELDS(.profile = profile, .config_file = g->file, .config_line = g->line,
                                      .message_id = g->severity == DIAG_ERROR ? DAMOND_MESSAGE_CONFIG_ERROR
                                                                               : NULL),
                           "%s", line);
        }
}

static int set_reason(ManagedProfile *p, const char *fmt, ...) _printf_(2, 3);
/* Returns 1 if the reason changed (so it is worth a warning rather than a debug line). */
static int set_reason(ManagedProfile *p, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (p->reason && streq(p->reason, s))
                return 0;
        free(p->reason);
        p->reason = TAKE_PTR(s);
        return 1;
}

static void clear_reason(ManagedProfile *p) {
        p->reason = mfree(p->reason);
}

/* --- slots --- */

static Slot *slot_by_index(Manager *m, unsigned index) {
        for (size_t i = 0; i < m->n_slots; i++)
                if (m->slots[i].index == index)
                        return &m->slots[i];
        return NULL;
}

static int slot_add(Manager *m, unsigned index, const char *recorded_profile, pid_t recorded_pid) {
        _cleanup_free_ char *name = NULL;
        Slot *s;

        if (recorded_profile) {
                name = strdup(recorded_profile);
                if (!name)
                        return -ENOMEM;
        }
        s = reallocarray(m->slots, m->n_slots + 1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        m->slots = s;
        m->slots[m->n_slots++] = (Slot) {
                .index = index,
                .recorded_profile = TAKE_PTR(name),
                .recorded_pid = recorded_pid,
        };
        return 0;
}

static Slot *slot_free_one(Manager *m) {
        for (size_t i = 0; i < m->n_slots; i++)
                if (!m->slots[i].user && !m->slots[i].recorded_profile)
                        return &m->slots[i];
        return NULL;
}

static size_t slots_n_free(Manager *m) {
        size_t n = 0;

        for (size_t i = 0; i < m->n_slots; i++)
                if (!m->slots[i].user && !m->slots[i].recorded_profile)
                        n++;
        return n;
}

static void slot_release(Manager *m, ManagedProfile *p) {
        Slot *s;

        if (p->kdamond < 0)
                return;
        s = slot_by_index(m, (unsigned) p->kdamond);
        if (s && s->user == p)
                s->user = NULL;
        p->kdamond = -1;
}

/* Creates kdamonds so that @needed more are free (plus spares, up to MaxKdamonds=). Only possible while
 * no kdamond runs at all: 0, or -EBUSY/-ENOSPC with @reterr saying why. */
static int slots_grow(Manager *m, size_t needed, DamonError *reterr) {
        size_t have = slots_n_free(m), max = m->config.max_kdamonds, n;
        unsigned first;
        int r;

        if (have >= needed)
                return 0;
        if (m->n_slots >= max) {
                snprintf(reterr->message, sizeof reterr->message,
                         "every kdamond damond may own is in use (MaxKdamonds=%zu)", max);
                return -ENOSPC;
        }
        n = MIN(needed - have + MANAGER_SPARE_KDAMONDS, max - m->n_slots);
        r = damon_sysfs_add_kdamonds(m->sysfs, (unsigned) n, &first, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = slot_add(m, first + (unsigned) i, NULL, -1);
                if (r < 0)
                        return r;
        }
        log_info("Created kdamonds %u-%u for damond's profiles.", first, first + (unsigned) n - 1);
        if (n >= needed - have)
                return 0;
        snprintf(reterr->message, sizeof reterr->message,
                 "every kdamond damond may own is in use (MaxKdamonds=%zu)", max);
        return -ENOSPC;
}

/* --- the record --- */

int manager_write_record(Manager *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        for (size_t i = 0; i < m->n_slots; i++) {
                const Slot *s = &m->slots[i];
                const ManagedProfile *p = s->user;

                r = state_record_add(&rec, s->index,
                                     p && p->state == PROFILE_RUN_RUNNING ? p->pid : -1,
                                     p ? p->name : s->recorded_profile);
                if (r < 0)
                        return log_oom();
        }
        r = state_file_write(m->root, &rec);
        if (r < 0)
                return log_warning_errno(r, "Failed to write the ownership record '%s/%s', ignoring: %m",
                                         m->root->path, STATE_FILE_PATH);
        return 0;
}

/* --- status --- */

char *manager_status_line(const Manager *m) {
        size_t counts[_PROFILE_RUN_STATE_MAX] = {};
        char *buf = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (size_t i = 0; i < m->n_profiles; i++)
                counts[m->profiles[i]->state]++;
        fprintf(f, "%zu profile%s running", counts[PROFILE_RUN_RUNNING],
                counts[PROFILE_RUN_RUNNING] == 1 ? "" : "s");
        if (counts[PROFILE_RUN_RUNNING] > 0) {
                fputs(" (", f);
                for (size_t i = 0; i < m->n_profiles; i++) {
                        if (m->profiles[i]->state != PROFILE_RUN_RUNNING)
                                continue;
                        fprintf(f, "%s%s", first ? "" : ", ", m->profiles[i]->name);
                        first = false;
                }
                fputc(')', f);
        }
        for (ProfileRunState s = PROFILE_RUN_BLOCKED; s < _PROFILE_RUN_STATE_MAX; s++)
                if (counts[s] > 0)
                        fprintf(f, "; %zu %s", counts[s], profile_run_state_to_string(s));
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void manager_notify_status(Manager *m) {
        _cleanup_free_ char *s = manager_status_line(m);

        if (!s)
                return;
        if (m->last_status && streq(m->last_status, s))
                return;
        (void) sd_notifyf(false, "STATUS=%s", s);
        free(m->last_status);
        m->last_status = TAKE_PTR(s);
}

/* --- construction --- */

int manager_new(const ManagerOptions *o, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        assert(o);
        assert(ret);

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        r = root_open(o->root, &m->root);
        if (r < 0)
                return r;
        if (o->io)
                m->io = o->io;
        else {
                r = damon_io_new_root(m->root, &m->io);
                if (r < 0)
                        return r;
                m->own_io = true;
        }
        r = damon_sysfs_new(m->io, &m->sysfs);
        if (r < 0)
                return r;
        r = profile_dirs_build(&m->dirs, o->config_root ?: o->root, o->config_dirs);
        if (r < 0)
                return r;
        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        m->config.max_kdamonds = 8;
        m->config.stop_on_exit = true;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_profiles; i++)
                managed_profile_free(m->profiles[i]);
        free(m->profiles);
        for (size_t i = 0; i < m->n_slots; i++)
                free(m->slots[i].recorded_profile);
        free(m->slots);
        if (m->has_config)
                damond_config_done(&m->config);
        sd_event_source_unref(m->health_source);
        sd_event_source_unref(m->proc_source);
        proc_events_free(m->proc_events);
        sd_event_unref(m->event);
        damon_sysfs_free(m->sysfs);
        if (m->own_io)
                damon_io_free(m->io);
        profile_dirs_done(&m->dirs);
        root_free(m->root);
        free(m->last_status);
        return mfree(m);
}

void manager_set_feed_hook(Manager *m, ManagerFeedHook hook, void *userdata) {
        m->feed_hook = hook;
        m->feed_userdata = userdata;
}

sd_event *manager_event(Manager *m) {
        return m->event;
}

size_t manager_n_profiles(const Manager *m) {
        return m->n_profiles;
}

ManagedProfile *manager_profile(Manager *m, size_t i) {
        return i < m->n_profiles ? m->profiles[i] : NULL;
}

ManagedProfile *manager_find_profile(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_profiles; i++)
                if (streq(m->profiles[i]->name, name))
                        return m->profiles[i];
        return NULL;
}

DamonSysfs *manager_sysfs(Manager *m) {
        return m->sysfs;
}

/* --- loading --- */

static int apply_log_level(const DamondConfig *c) {
        static const int levels[_DAMOND_LOG_LEVEL_MAX] = {
                [DAMOND_LOG_ERR] = LOG_ERR,
                [DAMOND_LOG_WARNING] = LOG_WARNING,
                [DAMOND_LOG_NOTICE] = LOG_NOTICE,
                [DAMOND_LOG_INFO] = LOG_INFO,
                [DAMOND_LOG_DEBUG] = LOG_DEBUG,
        };

        if (c->log_level >= 0 && c->log_level < _DAMOND_LOG_LEVEL_MAX)
                log_set_max_level(levels[c->log_level]);
        return 0;
}

/* Reads damond.conf. A damond.conf with errors is reported and the previous settings (or the defaults)
 * stay. */
static int manager_load_config(Manager *m) {
        DamondConfig c = {};
        DiagList d = {};
        int r;

        r = damond_config_load(&m->dirs.dirs, &c, &d);
        if (r < 0) {
                diag_list_done(&d);
                damond_config_done(&c);
                return log_oom();
        }
        log_diags(&d, NULL);
        if (diag_list_has_errors(&d) && m->has_config) {
                log_warning("damond.conf has errors, keeping the previous settings.");
                damond_config_done(&c);
        } else {
                if (diag_list_has_errors(&d))
                        log_warning("damond.conf has errors, using the defaults of what did not parse.");
                if (m->has_config)
                        damond_config_done(&m->config);
                m->config = c;
                m->has_config = true;
                (void) apply_log_level(&m->config);
        }
        diag_list_done(&d);
        return 0;
}

/* Loads and validates every profile (not compiled yet). */
static int load_profiles(Manager *m, Loaded **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **paths = NULL;
        Loaded *l = NULL;
        size_t n = 0;
        int r;

        r = profile_enumerate(&m->dirs.dirs, &paths);
        if (r < 0)
                return log_error_errno(r, "Failed to list the profiles: %m");
        while (paths[n])
                n++;
        l = calloc(n + 1, sizeof(*l));
        if (!l)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                l[i].path = strdup(paths[i]);
                if (!l[i].path)
                        goto oom;
                r = profile_load(paths[i], &m->dirs.dirs, &l[i].profile, &l[i].diags);
                if (r >= 0 && l[i].profile)
                        r = profile_validate(l[i].profile, m->root, &l[i].diags);
                if (r < 0)
                        goto oom;
                l[i].valid = l[i].profile && !diag_list_has_errors(&l[i].diags);
                /* Two files with the same Name= would fight over one profile. */
                for (size_t j = 0; l[i].valid && j < i; j++)
                        if (l[j].profile && streq(l[j].profile->name, l[i].profile->name)) {
                                r = diag_add(&l[i].diags, DIAG_ERROR, l[i].path, 0, NULL, NULL,
                                             "profile name '%s' is already used by '%s'",
                                             l[i].profile->name, l[j].path);
                                if (r < 0)
                                        goto oom;
                                l[i].valid = false;
                        }
        }
        *ret = l;
        *ret_n = n;
        return 0;
oom:
        loaded_array_free(l, n);
        return log_oom();
}

/* Compiles the valid ones for the probed features and logs every diagnostic. Returns the number of valid
 * profiles. */
static int compile_profiles(Manager *m, Loaded *l, size_t n) {
        const DamonFeatures *f = damon_sysfs_features(m->sysfs);
        int n_valid = 0, r;

        for (size_t i = 0; i < n; i++) {
                const char *name = l[i].profile ? l[i].profile->name : l[i].path;

                if (l[i].valid) {
                        r = profile_compile(l[i].profile, f, &l[i].compiled, &l[i].diags);
                        if (r < 0)
                                return log_oom();
                        l[i].valid = !diag_list_has_errors(&l[i].diags);
                }
                if (l[i].valid) {
                        r = compiled_profile_fingerprint(&l[i].compiled, f, &l[i].fingerprint);
                        if (r < 0)
                                return log_oom();
                }
                log_diags(&l[i].diags, name);
                if (l[i].valid)
                        n_valid++;
                else
                        log_struct(LOG_ERR, 0,
                                   LOG_FIELDS(.profile = name, .config_file = l[i].path,
                                              .message_id = DAMOND_MESSAGE_CONFIG_ERROR),
                                   "Profile '%s' (%s) is invalid, see the errors above.", name, l[i].path);
        }
        return n_valid;
}

static int managed_profile_from_loaded(Manager *m, Loaded *l, ManagedProfile **ret) {
        ManagedProfile *p;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (ManagedProfile) {
                .manager = m,
                .name = strdup(l->profile->name),
                .path = TAKE_PTR(l->path),
                .compiled = l->compiled,
                .fingerprint = TAKE_PTR(l->fingerprint),
                .kdamond = -1,
                .pid = -1,
                .state = PROFILE_RUN_DISABLED,
                .backoff_usec = MANAGER_BACKOFF_FIRST_USEC,
        };
        l->compiled = (CompiledProfile) {};
        if (!p->name) {
                managed_profile_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

static int manager_add_profile(Manager *m, ManagedProfile *p) {
        ManagedProfile **a = reallocarray(m->profiles, m->n_profiles + 1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        m->profiles = a;
        m->profiles[m->n_profiles++] = p;
        return 0;
}

/* --- running one profile --- */

static bool target_pids_exist(Manager *m, const DamonSpec *spec) {
        if (spec->n_targets == 0)
                return false;
        for (size_t i = 0; i < spec->n_targets; i++) {
                char path[64];
                int fd;

                snprintf(path, sizeof path, "proc/%d", (int) spec->targets[i].pid);
                fd = root_openat(m->root, path, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return false;
                close(fd);
        }
        return true;
}

static int pid_cmp(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return x < y ? -1 : x > y;
}

bool has_followed(const ManagedProfile *p) {
        return (p->compiled.process_names && p->compiled.process_names[0]) ||
               (p->compiled.cgroups && p->compiled.cgroups[0]);
}

/* Adds a target for every process the profile follows (ProcessName=, CGroup=) that exists now, in
 * ascending pid order after the Pid= ones, so that an unchanged set gives an unchanged spec. */
static int add_followed_targets(Manager *m, ManagedProfile *p, DamonSpec *spec) {
        _cleanup_free_ pid_t *all = NULL;
        size_t n_all = 0;
        int r;

        for (size_t kind = 0; kind < 2; kind++) {
                char **list = kind == 0 ? p->compiled.process_names : p->compiled.cgroups;

                for (size_t i = 0; list && list[i]; i++) {
                        _cleanup_free_ pid_t *pids = NULL;
                        size_t n = 0;
                        pid_t *a;

                        r = kind == 0 ? proc_scan_name(m->root, list[i], &pids, &n)
                                      : proc_scan_cgroup(m->root, list[i], true, &pids, &n);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                log_debug_errno(r, "Failed to list the processes of '%s' for profile '%s', "
                                                "ignoring: %m", list[i], p->name);
                                continue;
                        }
                        if (n == 0)
                                continue;
                        a = reallocarray(all, n_all + n, sizeof(*a));
                        if (!a)
                                return -ENOMEM;
                        all = a;
                        memcpy(all + n_all, pids, n * sizeof(*pids));
                        n_all += n;
                }
        }
        if (n_all > 1)
                qsort(all, n_all, sizeof(*all), pid_cmp);
        for (size_t i = 0; i < n_all; i++) {
                bool dup = i > 0 && all[i] == all[i - 1];
                DamonTarget *t;

                for (size_t j = 0; !dup && j < spec->n_targets; j++)
                        dup = spec->targets[j].pid == all[i];
                if (dup)
                        continue;
                t = damon_spec_add_target(spec);
                if (!t)
                        return -ENOMEM;
                t->pid = all[i];
        }
        return 0;
}

static bool same_targets(const DamonSpec *a, const DamonSpec *b) {
        if (a->n_targets != b->n_targets)
                return false;
        for (size_t i = 0; i < a->n_targets; i++)
                if (a->targets[i].pid != b->targets[i].pid)
                        return false;
        return true;
}

/* The spec to write: the compiled one with "auto" regions and followed processes resolved. */
static int build_spec(Manager *m, ManagedProfile *p, DamonSpec *ret) {
        int r;

        r = damon_spec_copy(ret, &p->compiled.spec);
        if (r < 0)
                return r;
        if (p->compiled.regions_auto) {
                DamonTarget *t = ret->n_targets > 0 ? &ret->targets[0] : damon_spec_add_target(ret);
                uint64_t start, end;

                if (!t) {
                        damon_spec_done(ret);
                        return -ENOMEM;
                }
                r = iomem_largest_system_ram(m->root, &start, &end);
                if (r < 0) {
                        damon_spec_done(ret);
                        return r;
                }
                t->n_regions = 0;
                free(t->regions);
                t->regions = NULL;
                if (!damon_target_add_region(t, start, end)) {
                        damon_spec_done(ret);
                        return -ENOMEM;
                }
        }
        if (has_followed(p)) {
                r = add_followed_targets(m, p, ret);
                if (r < 0) {
                        damon_spec_done(ret);
                        return r;
                }
        }
        return 0;
}

static void set_applied(ManagedProfile *p, DamonSpec *spec) {
        if (p->has_applied)
                damon_spec_done(&p->applied);
        p->applied = *spec;
        p->has_applied = true;
        *spec = (DamonSpec) {};
}

static void profile_blocked(ManagedProfile *p, uint64_t now_usec, const char *why) {
        int changed = set_reason(p, "%s", why);

        p->state = PROFILE_RUN_BLOCKED;
        p->retry_usec = now_usec + MANAGER_RETRY_USEC;
        log_struct(changed > 0 ? LOG_WARNING : LOG_DEBUG, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_BLOCKED),
                   "Profile '%s' cannot start: %s. Retrying every %" PRIu64 " s.", p->name, why,
                   MANAGER_RETRY_USEC / USEC_PER_SEC);
}

/* Whether a DAMON module holds DAMON; fills @why. */
static bool module_blocks(Manager *m, char *why, size_t size) {
        DamonModule mod;

        if (damon_modules_holder(m->io, &mod) <= 0)
                return false;
        snprintf(why, size, "the kernel module %s holds DAMON exclusively (its parameters/enabled is Y); "
                 "no kdamond of sysfs can start while it runs", damon_module_to_string(mod));
        return true;
}

static void profile_failed(ManagedProfile *p, uint64_t now_usec, int error, const char *detail) {
        int changed = set_reason(p, "%s", detail && detail[0] ? detail : strerror(-error));

        p->state = PROFILE_RUN_FAILED;
        p->retry_usec = now_usec + p->backoff_usec;
        log_struct(changed > 0 ? LOG_ERR : LOG_DEBUG, error,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                   "Failed to start profile '%s' on kdamond %d: %s: %m. Trying again in %" PRIu64 " s.",
                   p->name, p->kdamond, p->reason, p->backoff_usec / USEC_PER_SEC);
        p->backoff_usec = MIN(p->backoff_usec * 2, MANAGER_BACKOFF_MAX_USEC);
}

/* Starts @p if it is enabled and can run: on its kdamond, a free one, or a new one. Sets its state. */
int profile_start(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        char why[512];
        pid_t pid = -1;
        int r;

        if (!p->compiled.enabled) {
                slot_release(m, p);
                p->state = PROFILE_RUN_DISABLED;
                clear_reason(p);
                return 0;
        }
        if (module_blocks(m, why, sizeof why)) {
                profile_blocked(p, now_usec, why);
                return 0;
        }
        if (p->kdamond < 0) {
                Slot *s = slot_free_one(m);

                if (!s) {
                        r = slots_grow(m, 1, &err);
                        if (r == -ENOMEM)
                                return log_oom();
                        s = slot_free_one(m);
                }
                if (!s) {
                        profile_blocked(p, now_usec, err.message[0] ? err.message : "no free kdamond");
                        return 0;
                }
                s->user = p;
                p->kdamond = (int) s->index;
        }

        r = build_spec(m, p, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                profile_failed(p, now_usec, r,
                               "cannot find a System RAM range in proc/iomem for Region=auto");
                return 0;
        }
        if (spec.ops != DAMON_OPS_PADDR && !target_pids_exist(m, &spec)) {
                int changed = set_reason(p, "waiting for its target processes");

                p->state = PROFILE_RUN_WAITING;
                /* checked every health tick; or, for processes followed by name or cgroup, when a process
                 * event concerns the profile */
                p->retry_usec = manager_follows_by_events(m) && p->compiled.spec.n_targets == 0 ? UINT64_MAX
                                                                                                  : now_usec;
                log_struct(changed > 0 ? LOG_NOTICE : LOG_DEBUG, 0, LOG_FIELDS(.profile = p->name),
                           "Profile '%s' waits for its target processes to exist.", p->name);
                return 0;
        }

        r = damon_sysfs_start(m->sysfs, (unsigned) p->kdamond, &spec, &pid, &err);
        if (r == -EBUSY && module_blocks(m, why, sizeof why)) {
                profile_blocked(p, now_usec, why);
                return 0;
        }
        if (r == -EBUSY) {
                profile_blocked(p, now_usec, err.message[0] ? err.message : "DAMON is busy");
                return 0;
        }
        if (r < 0) {
                profile_failed(p, now_usec, r, err.message);
                return 0;
        }
        p->state = PROFILE_RUN_RUNNING;
        p->pid = pid;
        p->running_since_usec = now_usec;
        clear_reason(p);
        set_applied(p, &spec);
        /* recorded at once: were damond killed now, the next one must know this running kdamond is its */
        (void) manager_write_record(m);
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_STARTED),
                   "Started profile '%s' on kdamond %d (pid %d).", p->name, p->kdamond, (int) pid);
        return 1;
}

static int profile_stop(Manager *m, ManagedProfile *p, const char *why) {
        DamonError err = {};
        int r;

        if (p->state == PROFILE_RUN_RUNNING && p->kdamond >= 0) {
                r = damon_sysfs_stop(m->sysfs, (unsigned) p->kdamond, &err);
                if (r < 0)
                        return log_struct(LOG_ERR, r,
                                          LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                                          "Failed to stop kdamond %d of profile '%s': %s%s%m", p->kdamond,
                                          p->name, err.message, err.message[0] ? ": " : "");
                log_struct(LOG_NOTICE, 0,
                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                                      .message_id = DAMOND_MESSAGE_PROFILE_STOPPED),
                           "Stopped profile '%s' (kdamond %d): %s.", p->name, p->kdamond, why);
        }
        p->state = PROFILE_RUN_DISABLED;
        p->pid = -1;
        return 0;
}

/* Brings running kdamond of @p to @spec: an online commit (writes nothing when nothing differs). Before
 * Linux 5.19 there is no online commit: the spec is staged, and only when something differed is the
 * kdamond restarted to apply it (its monitoring results are lost; there is no other way). If that start
 * fails, @rollback (may be NULL) is started again. Returns the number of files written, or -errno (then
 * @p's state says whether it still runs). */
static int profile_update_running(Manager *m, ManagedProfile *p, const DamonSpec *spec,
                                  const DamonSpec *rollback, DamonError *err) {
        unsigned idx = (unsigned) p->kdamond;
        pid_t pid = -1;
        int r, n;

        if (damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_COMMIT))
                return damon_sysfs_commit(m->sysfs, idx, spec, rollback, err);

        n = damon_sysfs_stage(m->sysfs, idx, spec, err);
        if (n <= 0)
                return n;
        r = damon_sysfs_stop(m->sysfs, idx, err);
        if (r < 0)
                return r;
        r = damon_sysfs_start(m->sysfs, idx, spec, &pid, err);
        if (r < 0 && rollback && damon_sysfs_start(m->sysfs, idx, rollback, &pid, NULL) >= 0) {
                p->pid = pid;
                return r;
        }
        if (r < 0) {
                p->state = PROFILE_RUN_WAITING;
                p->pid = -1;
                return r;
        }
        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                   "Restarted kdamond %d of profile '%s' to apply a change: this kernel has no online "
                   "commit (Linux 5.19), so its monitoring results start over.", p->kdamond, p->name);
        p->pid = pid;
        return n + 2;
}

/* Takes over a running kdamond of a previous damond: commits the compiled spec, which writes nothing when
 * it is unchanged, so the kdamond (its pid, its monitoring results) goes on as it was. */
static int profile_adopt(Manager *m, ManagedProfile *p, Slot *s, uint64_t now_usec) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        int r;

        s->user = p;
        p->kdamond = (int) s->index;
        p->state = PROFILE_RUN_RUNNING;
        p->pid = s->recorded_pid;
        r = build_spec(m, p, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                /* keep it as it runs; the next reload tries again */
                log_struct(LOG_WARNING, r, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Cannot build the spec of profile '%s', adopting kdamond %d as it runs: %m",
                           p->name, p->kdamond);
        } else {
                r = profile_update_running(m, p, &spec, NULL, &err);
                if (r == -ESRCH || p->state != PROFILE_RUN_RUNNING) {
                        log_info("Kdamond %u of profile '%s' stopped before it could be adopted, "
                                 "starting it.", s->index, p->name);
                        return profile_start(m, p, now_usec);
                }
                if (r < 0)
                        log_struct(LOG_WARNING, r, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                                   "Failed to update adopted kdamond %u of profile '%s' to its profile, "
                                   "keeping what runs: %s%s%m", s->index, p->name, err.message,
                                   err.message[0] ? ": " : "");
                else
                        set_applied(p, &spec);
        }
        p->running_since_usec = now_usec;
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_ADOPTED),
                   "Adopted running kdamond %u (pid %d) of profile '%s'%s.", s->index, (int) p->pid, p->name,
                   r > 0 ? ", updated to the profile" : "");
        return 0;
}

/* --- start-up --- */

/* Owns what the record says is ours and still is: the index exists, and a running kdamond has the pid we
 * recorded (otherwise someone else wiped and recreated the directories and started their own). */
static int manager_own_recorded(Manager *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        r = state_file_read(m->root, &rec);
        if (r < 0)
                log_warning_errno(r, "Failed to read the ownership record, starting without: %m");
        for (size_t i = 0; i < rec.n; i++) {
                const StateEntry *e = &rec.entries[i];
                DamonKdamondState st;
                pid_t pid;

                r = damon_sysfs_own(m->sysfs, e->index);
                if (r < 0) {
                        log_info("Kdamond %u of the ownership record no longer exists, dropping it.",
                                 e->index);
                        continue;
                }
                r = damon_sysfs_read_state(m->sysfs, e->index, &st, &pid);
                if (r < 0 || (st == DAMON_KDAMOND_ON && (e->pid <= 0 || pid != e->pid))) {
                        damon_sysfs_disown(m->sysfs, e->index);
                        log_warning("Kdamond %u of the ownership record %s, leaving it alone.", e->index,
                                    r < 0 ? "cannot be read" : "runs with another pid than recorded");
                        continue;
                }
                r = slot_add(m, e->index, e->profile, st == DAMON_KDAMOND_ON ? pid : -1);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static bool loaded_runs(const Loaded *l, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (l[i].valid && l[i].profile && streq(l[i].profile->name, name) &&
                    l[i].profile->general.enabled)
                        return true;
        return false;
}

int manager_start(Manager *m, uint64_t now_usec) {
        Loaded *l = NULL;
        size_t n = 0, n_needed = 0;
        DamonError err = {};
        int r, n_valid;

        r = manager_load_config(m);
        if (r < 0)
                return r;
        r = load_profiles(m, &l, &n);
        if (r < 0)
                return r;

        r = damon_io_exists(m->io, DAMON_KDAMONDS_DIR "/nr_kdamonds");
        if (r <= 0) {
                log_error("This kernel has no DAMON sysfs interface (%s%s%s is missing): damond needs a "
                          "kernel built with CONFIG_DAMON_SYSFS=y (Linux 5.18 or later, e.g. Debian's "
                          "linux-image-amd64 from bookworm-backports or trixie).",
                          streq(m->root->path, "/") ? "" : m->root->path, "/", DAMON_KDAMONDS_DIR);
                (void) sd_notify(false, "STATUS=No DAMON in this kernel (needs CONFIG_DAMON_SYSFS)");
                r = DAMOND_EXIT_CONFIG;
                goto finish;
        }

        r = manager_own_recorded(m);
        if (r < 0)
                goto finish;
        /* Our running kdamonds whose profile is gone stop now, so they can serve as spares; recorded
         * names that no enabled valid profile claims become free. */
        for (size_t i = 0; i < m->n_slots; i++) {
                Slot *s = &m->slots[i];

                if (s->recorded_profile && loaded_runs(l, n, s->recorded_profile))
                        continue;
                if (s->recorded_pid > 0) {
                        r = damon_sysfs_stop(m->sysfs, s->index, &err);
                        if (r < 0)
                                log_warning_errno(r, "Failed to stop kdamond %u of removed profile '%s', "
                                                  "ignoring: %m", s->index, strna(s->recorded_profile));
                        else
                                log_notice("Stopped kdamond %u: its profile '%s' is gone, disabled or "
                                           "invalid.",
                                           s->index, strna(s->recorded_profile));
                }
                s->recorded_profile = mfree(s->recorded_profile);
                s->recorded_pid = -1;
        }
        for (size_t i = 0; i < n; i++) {
                if (!l[i].valid || !l[i].profile->general.enabled)
                        continue;
                bool recorded = false;
                for (size_t j = 0; j < m->n_slots; j++)
                        if (m->slots[j].recorded_profile &&
                            streq(m->slots[j].recorded_profile, l[i].profile->name))
                                recorded = true;
                if (!recorded)
                        n_needed++;
        }
        /* All kdamonds are created before any starts: nr_kdamonds cannot change while one runs. */
        r = slots_grow(m, n_needed, &err);
        if (r == -ENOMEM)
                goto finish;
        if (r < 0)
                log_struct(LOG_WARNING, r, LOG_FIELDS(.message_id = DAMOND_MESSAGE_BLOCKED),
                           "Cannot create kdamonds for every enabled profile: %s", err.message);

        r = damon_sysfs_probe(m->sysfs);
        if (r < 0) {
                log_error_errno(r, "Failed to probe the kernel's DAMON features: %m");
                goto finish;
        }
        m->probed = true;

        n_valid = compile_profiles(m, l, n);
        if (n_valid < 0) {
                r = n_valid;
                goto finish;
        }
        if (n_valid == 0) {
                log_struct(LOG_ERR, 0, LOG_FIELDS(.message_id = DAMOND_MESSAGE_CONFIG_ERROR),
                           "No valid profile (%zu found), nothing to do.", n);
                (void) sd_notify(false, "STATUS=No valid profile");
                r = DAMOND_EXIT_CONFIG;
                goto finish;
        }

        for (size_t i = 0; i < n; i++) {
                ManagedProfile *p;
                Slot *recorded = NULL;

                if (!l[i].valid)
                        continue;
                r = managed_profile_from_loaded(m, &l[i], &p);
                if (r < 0)
                        goto finish;
                r = manager_add_profile(m, p);
                if (r < 0) {
                        managed_profile_free(p);
                        goto finish;
                }
                for (size_t j = 0; j < m->n_slots; j++)
                        if (m->slots[j].recorded_profile && streq(m->slots[j].recorded_profile, p->name))
                                recorded = &m->slots[j];
                if (recorded) {
                        recorded->recorded_profile = mfree(recorded->recorded_profile);
                        if (recorded->recorded_pid > 0 && p->compiled.enabled)
                                r = profile_adopt(m, p, recorded, now_usec);
                        else {
                                recorded->user = p;
                                p->kdamond = (int) recorded->index;
                                r = profile_start(m, p, now_usec);
                        }
                } else
                        r = profile_start(m, p, now_usec);
                if (r < 0)
                        goto finish;
        }
        /* A recorded running kdamond whose profile turned out invalid for this kernel is ours: stop it. */
        for (size_t i = 0; i < m->n_slots; i++) {
                Slot *s = &m->slots[i];

                if (!s->recorded_profile)
                        continue;
                if (s->recorded_pid > 0 && damon_sysfs_stop(m->sysfs, s->index, &err) >= 0)
                        log_notice("Stopped kdamond %u: its profile '%s' is invalid.", s->index,
                                   s->recorded_profile);
                s->recorded_profile = mfree(s->recorded_profile);
                s->recorded_pid = -1;
        }
        (void) manager_write_record(m);
        log_info("Started with %d valid profile%s of %zu.", n_valid, n_valid == 1 ? "" : "s", n);
        r = 0;
finish:
        loaded_array_free(l, n);
        if (r == -ENOMEM)
                return log_oom();
        return r;
}

/* --- reload --- */

/* Replaces the profile's compiled version by @l's. */
static void profile_take_compiled(ManagedProfile *p, Loaded *l) {
        compiled_profile_done(&p->compiled);
        p->compiled = l->compiled;
        l->compiled = (CompiledProfile) {};
        free(p->fingerprint);
        p->fingerprint = TAKE_PTR(l->fingerprint);
        free(p->path);
        p->path = TAKE_PTR(l->path);
}

static int profile_reload_changed(Manager *m, ManagedProfile *p, Loaded *l, uint64_t now_usec) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        CompiledProfile old = {};
        DamonError err = {};
        int r;

        if (p->state != PROFILE_RUN_RUNNING) {
                profile_take_compiled(p, l);
                p->backoff_usec = MANAGER_BACKOFF_FIRST_USEC;
                return profile_start(m, p, now_usec);
        }
        if (!l->compiled.enabled) {
                r = profile_stop(m, p, "disabled by a reload");
                if (r < 0)
                        return 0;
                profile_take_compiled(p, l);
                slot_release(m, p);
                return 0;
        }

        /* build the new spec with the new compiled version, keep the old one for a failure */
        old = p->compiled;
        p->compiled = l->compiled;
        r = build_spec(m, p, &spec);
        p->compiled = old;
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_struct(LOG_ERR, r, LOG_FIELDS(.profile = p->name),
                           "Cannot apply the new version of profile '%s', keeping the running one: "
                           "no System RAM range in proc/iomem: %m", p->name);
                return 0;
        }
        r = profile_update_running(m, p, &spec, p->has_applied ? &p->applied : NULL, &err);
        if (r == -ESRCH || p->state != PROFILE_RUN_RUNNING) {
                /* it stopped by itself meanwhile: start the new version */
                profile_take_compiled(p, l);
                p->state = PROFILE_RUN_WAITING;
                return profile_start(m, p, now_usec);
        }
        if (r < 0) {
                log_struct(LOG_ERR, r, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "The kernel refused the new version of profile '%s', keeping the running one: "
                           "%s%s%m", p->name, err.message, err.message[0] ? ": " : "");
                return 0;
        }
        profile_take_compiled(p, l);
        set_applied(p, &spec);
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_RELOADED),
                   "Reloaded profile '%s' online on kdamond %d (%d file%s written).", p->name, p->kdamond, r,
                   r == 1 ? "" : "s");
        return 0;
}

static void manager_remove_profile(Manager *m, size_t i) {
        ManagedProfile *p = m->profiles[i];

        slot_release(m, p);
        managed_profile_free(p);
        memmove(m->profiles + i, m->profiles + i + 1, (m->n_profiles - i - 1) * sizeof(*m->profiles));
        m->n_profiles--;
}

int manager_reload(Manager *m, uint64_t now_usec) {
        Loaded *l = NULL;
        size_t n = 0;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_usec);
        log_info("Reloading the configuration.");

        r = manager_load_config(m);
        if (r < 0)
                goto finish;
        r = load_profiles(m, &l, &n);
        if (r < 0)
                goto finish;
        r = compile_profiles(m, l, n);
        if (r < 0)
                goto finish;

        /* profiles that are gone */
        for (size_t i = m->n_profiles; i-- > 0;) {
                ManagedProfile *p = m->profiles[i];
                bool found = false;

                for (size_t j = 0; j < n && !found; j++)
                        found = l[j].profile && streq(l[j].profile->name, p->name);
                if (found)
                        continue;
                r = profile_stop(m, p, "its profile was removed");
                if (r < 0)
                        continue;       /* still runs: keep it, and its kdamond, until it can be stopped */
                log_info("Profile '%s' was removed.", p->name);
                manager_remove_profile(m, i);
        }

        for (size_t j = 0; j < n; j++) {
                ManagedProfile *p;

                if (!l[j].profile)
                        continue;
                p = manager_find_profile(m, l[j].profile->name);
                if (p && !l[j].valid) {
                        log_struct(LOG_WARNING, 0,
                                   LOG_FIELDS(.profile = p->name, .config_file = p->path,
                                              .message_id = DAMOND_MESSAGE_CONFIG_ERROR),
                                   "Profile '%s' has errors, keeping its previous version (%s).", p->name,
                                   profile_run_state_to_string(p->state));
                        continue;
                }
                if (!l[j].valid)
                        continue;
                if (p && streq(p->fingerprint, l[j].fingerprint)) {
                        log_debug("Profile '%s' is unchanged.", p->name);
                        continue;
                }
                if (p) {
                        r = profile_reload_changed(m, p, &l[j], now_usec);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                r = managed_profile_from_loaded(m, &l[j], &p);
                if (r < 0)
                        goto finish;
                r = manager_add_profile(m, p);
                if (r < 0) {
                        managed_profile_free(p);
                        goto finish;
                }
                log_info("New profile '%s'.", p->name);
                r = profile_start(m, p, now_usec);
                if (r < 0)
                        goto finish;
        }
        r = 0;
finish:
        loaded_array_free(l, n);
        (void) manager_write_record(m);
        manager_notify_status(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", strna(m->last_status));
        return r;
}

/* --- health --- */

/* For a running profile that follows processes by name or cgroup: when the set of matching processes
 * changed, commit the new targets online. (Polled every health tick for now; the proc connector of
 * proc-events.h will make it immediate.) Returns 1 if the kdamond was updated. */
int profile_follow(Manager *m, ManagedProfile *p) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        int r;

        if (!has_followed(p) || !p->has_applied)
                return 0;
        r = build_spec(m, p, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || same_targets(&spec, &p->applied))
                return 0;
        if (spec.n_targets == 0)
                return 0;       /* all gone: the kdamond stops by itself, the health check sees it */
        r = profile_update_running(m, p, &spec, &p->applied, &err);
        if (r < 0) {
                log_struct(LOG_WARNING, r, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Failed to update the target processes of profile '%s', ignoring: %s%s%m",
                           p->name, err.message, err.message[0] ? ": " : "");
                return 0;
        }
        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                   "Profile '%s' now monitors %zu process%s (was %zu).", p->name, spec.n_targets,
                   spec.n_targets == 1 ? "" : "es", p->applied.n_targets);
        set_applied(p, &spec);
        return 1;
}

int manager_health_tick(Manager *m, uint64_t now_usec) {
        bool dirty = false;
        int r;

        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];

                switch (p->state) {
                case PROFILE_RUN_RUNNING:
                        r = damon_sysfs_check_stopped(m->sysfs, (unsigned) p->kdamond);
                        if (r < 0) {
                                log_debug_errno(r, "Failed to check kdamond %d, ignoring: %m", p->kdamond);
                                break;
                        }
                        if (r == 0) {
                                r = manager_follows_by_events(m) ? 0 : profile_follow(m, p);
                                if (r < 0)
                                        return r;
                                if (r > 0)
                                        dirty = true;
                                if (p->state != PROFILE_RUN_RUNNING)
                                        break;
                                if (now_usec - p->running_since_usec >= MANAGER_BACKOFF_MAX_USEC)
                                        p->backoff_usec = MANAGER_BACKOFF_FIRST_USEC;
                                if (p->compiled.n_feeds > 0 && m->feed_hook) {
                                        p->n_feed_ticks++;
                                        r = m->feed_hook(m, p, now_usec, m->feed_userdata);
                                        if (r < 0)
                                                log_debug_errno(r, "Feeding profile '%s' failed, "
                                                                "ignoring: %m", p->name);
                                }
                                break;
                        }
                        dirty = true;
                        p->pid = -1;
                        p->n_restarts++;
                        if (p->compiled.spec.ops == DAMON_OPS_PADDR) {
                                p->state = PROFILE_RUN_WAITING;
                                p->retry_usec = now_usec + p->backoff_usec;
                                (void) set_reason(p, "stopped by itself; restarting after a back-off");
                                log_struct(LOG_WARNING, 0,
                                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                                                      .message_id = DAMOND_MESSAGE_KDAMOND_DIED),
                                           "Kdamond %d of profile '%s' stopped by itself, restarting it in "
                                           "%" PRIu64 " s.", p->kdamond, p->name,
                                           p->backoff_usec / USEC_PER_SEC);
                                p->backoff_usec = MIN(p->backoff_usec * 2, MANAGER_BACKOFF_MAX_USEC);
                        } else {
                                p->state = PROFILE_RUN_WAITING;
                                p->retry_usec = now_usec;
                                (void) set_reason(p, "waiting for its target processes");
                                log_struct(LOG_WARNING, 0,
                                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                                                      .message_id = DAMOND_MESSAGE_KDAMOND_DIED),
                                           "Kdamond %d of profile '%s' stopped by itself (its target "
                                           "processes exited); it restarts when they exist again.",
                                           p->kdamond, p->name);
                        }
                        break;
                case PROFILE_RUN_BLOCKED:
                case PROFILE_RUN_WAITING:
                case PROFILE_RUN_FAILED:
                        if (now_usec < p->retry_usec)
                                break;
                        r = profile_start(m, p, now_usec);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                dirty = true;
                        break;
                default:
                        break;
                }
        }
        if (dirty)
                (void) manager_write_record(m);
        manager_notify_status(m);
        return 0;
}

/* --- stop --- */

int manager_stop(Manager *m) {
        (void) sd_notify(false, "STOPPING=1");
        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];

                if (p->state != PROFILE_RUN_RUNNING)
                        continue;
                if (!m->config.stop_on_exit) {
                        log_info("Leaving kdamond %d of profile '%s' running (StopOnExit=no).", p->kdamond,
                                 p->name);
                        continue;
                }
                (void) profile_stop(m, p, "damond stops");
        }
        return manager_write_record(m);
}

/* --- the event loop --- */

static uint64_t now_monotonic(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                abort();
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int on_health(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        r = sd_event_source_set_time_relative(s, MANAGER_HEALTH_USEC);
        if (r < 0)
                return log_error_errno(r, "Failed to re-arm the health timer: %m");
        r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Failed to re-arm the health timer: %m");
        return manager_health_tick(m, usec);
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        int r = manager_reload(userdata, now_monotonic());

        if (r >= 0)
                (void) manager_follow_setup(userdata);
        return r;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s, stopping.", sigabbrev_np((int) si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_run(Manager *m) {
        int r;

        /* Signals first: a SIGTERM during the start-up (which may take seconds of DAMON I/O) then waits
         * in the queue and stops damond cleanly right after, instead of killing it half-way. */
        r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal,
                                        m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_reload, m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up signal handling: %m");
                return EXIT_FAILURE;
        }

        r = manager_start(m, now_monotonic());
        if (r == DAMOND_EXIT_CONFIG)
                return r;
        if (r < 0)
                return EXIT_FAILURE;

        (void) sd_event_set_watchdog(m->event, true);
        r = sd_event_add_time_relative(m->event, &m->health_source, CLOCK_MONOTONIC,
                                               MANAGER_HEALTH_USEC, 0, on_health, m);
        if (r >= 0)
                r = sd_event_source_set_exit_on_failure(m->health_source, true);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                (void) manager_stop(m);
                return EXIT_FAILURE;
        }
        (void) sd_event_source_set_description(m->health_source, "damond-health");
        (void) manager_follow_setup(m);

        manager_notify_status(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", strna(m->last_status));

        r = sd_event_loop(m->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        if (manager_stop(m) < 0 || r < 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}
