/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "units.h"
#include "manager-internal.h"
#include "message-ids.h"
#include "config-load.h"
#include "observe.h"
#include "profile-changes.h"
#include "state-file.h"

/* A profile as read from disk, before it replaces (or becomes) a ManagedProfile. */
typedef ConfigProfile Loaded;

static void loaded_array_free(Loaded *l, size_t n) {
        config_profiles_free(l, n);
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

Slot *slot_free_one(Manager *m) {
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

void slot_release(Manager *m, ManagedProfile *p) {
        Slot *s;

        if (p->kdamond < 0)
                return;
        s = slot_by_index(m, (unsigned) p->kdamond);
        if (s && s->user == p)
                s->user = NULL;
        p->kdamond = -1;
}

int slots_grow(Manager *m, size_t needed, DamonError *reterr) {
        size_t have = slots_n_free(m), max = m->config.max_kdamonds, n;
        unsigned first;
        int r;

        if (have >= needed)
                return 0;
        if (m->n_slots >= max) {
                snprintf(reterr->message, sizeof reterr->message,
                         "damond may own at most MaxKdamonds=%zu kdamonds", max);
                return -ENOSPC;
        }
        n = MIN(needed - have + MANAGER_SPARE_KDAMONDS, max - m->n_slots);
        r = damon_sysfs_add_kdamonds(m->sysfs, (unsigned) n, &first, reterr);
        if (r == -ENOMEM)
                return -EIO;    /* the kernel's answer to a write (it had no memory), not damond's */
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = slot_add(m, first + (unsigned) i, NULL, -1);
                if (r < 0)
                        return r;
        }
        /* recorded at once: a damond that stops before the end of its start-up (a failed probe) must
         * not leave kdamonds that the next one takes for another DAMON user's */
        (void) manager_write_record(m);
        log_info("Created kdamonds %u-%u for damond's profiles.", first, first + (unsigned) n - 1);
        if (n >= needed - have)
                return 0;
        snprintf(reterr->message, sizeof reterr->message,
                 "damond may own at most MaxKdamonds=%zu kdamonds", max);
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

/* Reads the stats of @p's running kdamond once a window and keeps what it acted on in the last complete
 * window. Stats survive online commits; a decrease means the kernel started counting again. */
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
                        const ManagedProfile *p = m->profiles[i];
                        char b[FORMAT_BYTES_MAX];

                        if (p->state != PROFILE_RUN_RUNNING)
                                continue;
                        fprintf(f, "%s%s", first ? "" : ", ", p->name);
                        if (p->has_last_window)
                                fprintf(f, ": %s applied in the last minute",
                                        format_bytes(b, sizeof b, p->applied_last_window));
                        if (manager_tune_summary(p))
                                fprintf(f, "%s%s", p->has_last_window ? ", " : ": ", manager_tune_summary(p));
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
        r = manager_follow_new(&m->follow);
        if (r < 0)
                return r;
        r = root_open(o->root, &m->root);
        if (r < 0)
                return r;
        if (root_is_host(m->root))
                log_info("Reading cgroups through %s.", cgroup_backend_to_string(cgroup_backend(m->root)));
        m->snapshot_io = o->snapshot_io;
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
        manager_observe_done(m);        /* first: its worker may still use the kernel */
        for (size_t i = 0; i < m->n_profiles; i++)
                managed_profile_free(m->profiles[i]);
        free(m->profiles);
        for (size_t i = 0; i < m->n_slots; i++)
                free(m->slots[i].recorded_profile);
        free(m->slots);
        if (m->has_config)
                damond_config_done(&m->config);
        /* the D-Bus service is gone already (bus_detach()), and with it the units' system bus */
        assert(!m->bus);
        m->follow = manager_follow_free(m->follow);
        load_record_done(&m->load_next);
        load_record_done(&m->last_load);
        manager_tune_triggers_free(m);
        sd_event_source_unref(m->health_source);
        sd_event_unref(m->event);
        damon_sysfs_free(m->sysfs);
        if (m->own_io)
                damon_io_free(m->io);
        profile_dirs_done(&m->dirs);
        root_free(m->root);
        free(m->last_status);
        free(m->tiers);
        return mfree(m);
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

ManagerFollow *manager_follow(const Manager *m) {
        return m->follow;
}

const Root *manager_root(const Manager *m) {
        return m->root;
}

const ProfileDirs *manager_config_dirs(const Manager *m) {
        return &m->dirs.dirs;
}

const MemoryTopology *manager_tiers(const Manager *m) {
        return m->tiers;
}

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

/* --- the record of the start-up or reload under way, and of the last one --- */

const LoadRecord *manager_last_load(const Manager *m) {
        return &m->last_load;
}

const ProfileInfo *manager_find_info(const Manager *m, const char *name) {
        return load_record_find(&m->last_load, name);
}

int manager_load_run_error(Manager *m, const char *profile, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0) {
                what = NULL;
                return -ENOMEM;
        }
        return load_record_run_error(&m->load_next, profile, what);
}

/* Dates and summarises the record under way and makes it the last one. */
static void finish_load(Manager *m) {
        if (load_record_finish(&m->load_next, clock_usec(CLOCK_REALTIME)) < 0) {
                (void) log_oom();
                return;
        }
        load_record_done(&m->last_load);
        m->last_load = m->load_next;
        m->load_next = (LoadRecord) {};
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

const DamonFeatures *manager_features(const Manager *m) {
        return damon_sysfs_features(m->sysfs);
}

bool manager_probed(const Manager *m) {
        return m->probed;
}

struct Bus *manager_bus(const Manager *m) {
        return m->bus;
}

void manager_set_bus(Manager *m, struct Bus *b) {
        m->bus = b;
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
        /* a start-up or reload begins here: its record (load-record.h) starts with damond.conf */
        load_record_done(&m->load_next);
        if (load_record_add(&m->load_next, NULL, NULL, &d, !diag_list_has_errors(&d)) < 0)
                (void) log_oom();
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
                /* before the profiles are read: their stall goals without a Target= follow it */
                profile_set_allowed_stall_ppm(m->config.allowed_stall_ppm);
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
                r = config_profile_load(&l[i], paths[i], NULL, 0, &m->dirs.dirs, m->root);
                if (r < 0)
                        goto oom;
        }
        r = config_profiles_check_names(l, n);
        if (r < 0)
                goto oom;
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

        r = manager_tiers_read(m);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *name = l[i].profile ? l[i].profile->name : l[i].path;

                r = config_profile_compile(&l[i], f, m->tiers);
                if (r < 0)
                        return log_oom();
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

static int manager_add_profile(Manager *m, ManagedProfile *p) {
        ManagedProfile **a = reallocarray(m->profiles, m->n_profiles + 1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        m->profiles = a;
        m->profiles[m->n_profiles++] = p;
        return 0;
}

/* A managed profile made of @l, appended to the manager's list. */
static int manager_add_loaded(Manager *m, Loaded *l, ManagedProfile **ret) {
        ManagedProfile *p;
        int r;

        r = managed_profile_new(m, l, &p);
        if (r < 0)
                return r;
        r = manager_add_profile(m, p);
        if (r < 0) {
                managed_profile_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

/* What this start-up or reload found, for LastReload and the profiles' D-Bus objects. */
static void record_loaded(Manager *m, const Loaded *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (load_record_add(&m->load_next, l[i].path, l[i].profile, &l[i].diags,
                                    l[i].valid) < 0) {
                        (void) log_oom();
                        break;
                }
        finish_load(m);
}

/* --- start-up --- */

/* Owns what the record says is ours and still is: the index exists, and a running kdamond has the pid we
 * recorded (otherwise someone else wiped and recreated the directories and started their own). */
static int manager_own_recorded(Manager *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        unsigned line;
        int r;

        r = state_file_read(m->root, &rec, &line);
        if (r == -EBADMSG)
                /* Not silently: every kdamond it named is now left alone as someone else's. */
                log_warning("The ownership record %s/%s is corrupt (line %u), ignoring it: the kdamonds "
                            "it named are left alone as someone else's.", m->root->path, STATE_FILE_PATH,
                            line);
        else if (r < 0)
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

static bool loaded_valid(const Loaded *l, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (l[i].valid && l[i].profile && streq(l[i].profile->name, name))
                        return true;
        return false;
}

/* Whether a recorded kdamond of profile @name is still wanted: the profile is enabled and valid, or it
 * has errors (then its kdamond keeps running what it ran, as on a reload). */
static bool loaded_keeps(const Loaded *l, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (l[i].profile && streq(l[i].profile->name, name))
                        return !l[i].valid || l[i].profile->general.enabled;
        return false;
}

/* A running kdamond of ours whose profile now has errors: it keeps running what it ran (as a reload would
 * keep the old version), without a spec of ours until the profile is fixed: the next valid reload commits
 * the fixed version online. */
static int adopt_as_is(Manager *m, Slot *s, const Loaded *l, size_t n, uint64_t now_usec) {
        ManagedProfile *p;
        const char *path = NULL;
        int r;

        for (size_t i = 0; i < n; i++)
                if (l[i].profile && streq(l[i].profile->name, s->recorded_profile))
                        path = l[i].path;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (ManagedProfile) {
                .manager = m,
                .name = TAKE_PTR(s->recorded_profile),
                .path = path ? strdup(path) : NULL,
                .fingerprint = strdup(""),      /* differs from every valid version */
                .kdamond = (int) s->index,
                .pid = s->recorded_pid,
                .state = PROFILE_RUN_RUNNING,
                .running_since_usec = now_usec,
                .backoff_usec = MANAGER_BACKOFF_FIRST_USEC,
        };
        if (!p->fingerprint || (path && !p->path)) {
                managed_profile_free(p);
                return -ENOMEM;
        }
        r = manager_add_profile(m, p);
        if (r < 0) {
                managed_profile_free(p);
                return r;
        }
        s->user = p;
        s->recorded_pid = -1;
        log_struct(LOG_WARNING, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond), .config_file = p->path,
                              .message_id = DAMOND_MESSAGE_PROFILE_ADOPTED),
                   "Profile '%s' has errors: adopted its running kdamond %u (pid %d) as it runs; a reload "
                   "with the errors fixed applies the profile.", p->name, s->index, (int) p->pid);
        return 0;
}

/* "Started with N valid profiles of M: R running, ..." with every state that holds a profile; a warning
 * when some are beyond MaxKdamonds=. */
static void log_started(Manager *m, int n_valid, size_t n) {
        size_t counts[_PROFILE_RUN_STATE_MAX] = {};
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        for (size_t i = 0; i < m->n_profiles; i++)
                counts[m->profiles[i]->state]++;
        f = open_memstream(&buf, &size);
        if (!f) {
                (void) log_oom();
                return;
        }
        fprintf(f, "Started with %d valid profile%s of %zu: %zu running", n_valid, n_valid == 1 ? "" : "s", n,
                counts[PROFILE_RUN_RUNNING]);
        for (ProfileRunState s = 0; s < _PROFILE_RUN_STATE_MAX; s++)
                if (s != PROFILE_RUN_RUNNING && counts[s] > 0)
                        fprintf(f, ", %zu %s", counts[s], profile_run_state_to_string(s));
        if (counts[PROFILE_RUN_OVER_LIMIT] > 0)
                fprintf(f, " (more enabled profiles than MaxKdamonds=%" PRIu64 ")", m->config.max_kdamonds);
        if (fclose(f) != 0) {
                (void) log_oom();
                return;
        }
        if (counts[PROFILE_RUN_OVER_LIMIT] > 0)
                log_warning("%s.", buf);
        else
                log_info("%s.", buf);
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
        if (r < 0) {
                log_error_errno(r, "Cannot access the DAMON sysfs interface below '%s': %m", m->root->path);
                goto finish;
        }
        if (r == 0) {
                log_error("This kernel has no DAMON sysfs interface (%s%s%s is missing): damond needs a "
                          "kernel built with CONFIG_DAMON_SYSFS=y (Linux 5.18 or later; on Debian 12, the "
                          "newest linux-image-6.12.*+deb12-amd64, then reboot into it).",
                          streq(m->root->path, "/") ? "" : m->root->path, "/", DAMON_KDAMONDS_DIR);
                (void) sd_notify(false, "STATUS=No DAMON in this kernel: needs CONFIG_DAMON_SYSFS=y "
                                 "(Debian 12: install the newest linux-image-6.12.*+deb12-amd64, reboot)");
                /* what can be checked without the kernel is still reported */
                for (size_t i = 0; i < n; i++)
                        log_diags(&l[i].diags, l[i].profile ? l[i].profile->name : l[i].path);
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

                if (s->recorded_profile && loaded_keeps(l, n, s->recorded_profile))
                        continue;
                if (s->recorded_pid > 0) {
                        r = damon_sysfs_stop(m->sysfs, s->index, &err);
                        if (r < 0)
                                log_warning_errno(r, "Failed to stop kdamond %u of removed profile '%s', "
                                                  "ignoring: %m", s->index, strna(s->recorded_profile));
                        else
                                log_notice("Stopped kdamond %u: its profile '%s' is gone, disabled or "
                                           "invalid.", s->index, strna(s->recorded_profile));
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
                r = manager_add_loaded(m, &l[i], &p);
                if (r < 0)
                        goto finish;
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
        /* What is left of the record: kdamonds of profiles with errors. Running ones go on as they are;
         * stopped ones become spares. */
        for (size_t i = 0; i < m->n_slots; i++) {
                Slot *s = &m->slots[i];

                if (!s->recorded_profile)
                        continue;
                if (s->recorded_pid > 0) {
                        r = adopt_as_is(m, s, l, n, now_usec);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                s->recorded_profile = mfree(s->recorded_profile);
        }
        (void) manager_write_record(m);
        log_started(m, n_valid, n);
        r = manager_tune_sync(m, now_usec);
finish:
        record_loaded(m, l, n);
        loaded_array_free(l, n);
        manager_changed(m, MANAGER_CHANGE_LOADED);
        if (r == -ENOMEM)
                return log_oom();
        return r;
}

/* --- reload --- */

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
                if (p && !l[j].valid && loaded_valid(l, n, p->name))
                        continue;       /* a second file with the same Name=: reported as such */
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
                        if (p->state == PROFILE_RUN_RUNNING)
                                clear_reason(p);        /* back to what runs: nothing kept any more */
                        continue;
                }
                if (p) {
                        r = profile_reload(m, p, &l[j], now_usec);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                r = manager_add_loaded(m, &l[j], &p);
                if (r < 0)
                        goto finish;
                log_info("New profile '%s'.", p->name);
                r = profile_start(m, p, now_usec);
                if (r < 0)
                        goto finish;
        }
        /* MaxKdamonds= may be higher now, or profiles gone or disabled: those beyond it try again */
        for (size_t i = 0; i < m->n_profiles; i++)
                if (m->profiles[i]->state == PROFILE_RUN_OVER_LIMIT) {
                        r = profile_start(m, m->profiles[i], now_usec);
                        if (r < 0)
                                goto finish;
                }
        r = manager_tune_sync(m, now_usec);
finish:
        record_loaded(m, l, n);
        loaded_array_free(l, n);
        (void) manager_write_record(m);
        manager_notify_status(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", strna(m->last_status));
        manager_changed(m, MANAGER_CHANGE_LOADED);
        return r;
}

/* --- health --- */

int manager_health_tick(Manager *m, uint64_t now_usec) {
        bool dirty = false;
        int r;

        r = manager_tiers_check(m, now_usec);
        if (r == -ENOMEM)
                return r;

        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];

                r = profile_tick(m, p, now_usec);
                if (r < 0)
                        return r;
                if (r > 0)
                        dirty = true;
        }
        r = manager_observe_tick(m, now_usec);
        if (r < 0)
                return r;
        if (dirty)
                (void) manager_write_record(m);
        manager_notify_status(m);
        manager_changed(m, 0);
        return 0;
}

/* --- stop --- */

int manager_stop(Manager *m) {
        (void) sd_notify(false, "STOPPING=1");
        /* The snapshot worker first (it waits for its command in flight): while that command holds the
         * kernel's DAMON lock, our reads and writes get "try again later" (damon-io.h), and the kdamonds
         * would be left running. */
        manager_observe_done(m);
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

static int on_health(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
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
        Manager *m = ASSERT_PTR(userdata);

        /* A failed reload is logged and changes nothing; the next SIGHUP tries again (returning an error
         * here would make sd-event disable the SIGHUP source for good). */
        if (manager_reload(m, clock_usec(CLOCK_MONOTONIC)) >= 0)
                (void) manager_follow_setup(m);
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);

        log_info("Received SIG%s, stopping.", sigabbrev_np((int) si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_startup(Manager *m) {
        int r;

        assert(m);

        /* Signals first: a SIGTERM during the start-up (which may take seconds of DAMON I/O) then waits
         * in the queue and stops damond cleanly right after, instead of killing it half-way. */
        r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal,
                                        m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_reload, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up signal handling: %m");

        r = manager_start(m, clock_usec(CLOCK_MONOTONIC));
        if (r != 0)
                return r;

        (void) sd_event_set_watchdog(m->event, true);
        r = sd_event_add_time_relative(m->event, &m->health_source, CLOCK_MONOTONIC,
                                               MANAGER_HEALTH_USEC, 0, on_health, m);
        if (r >= 0)
                r = sd_event_source_set_exit_on_failure(m->health_source, true);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                (void) manager_stop(m);
                return r;
        }
        (void) sd_event_source_set_description(m->health_source, "damond-health");
        (void) manager_follow_setup(m);
        return 0;
}

int manager_loop(Manager *m) {
        int r;

        assert(m);

        manager_notify_status(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", strna(m->last_status));

        r = sd_event_loop(m->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        if (manager_stop(m) < 0 || r < 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

int manager_run(Manager *m) {
        int r;

        r = manager_startup(m);
        if (r == DAMOND_EXIT_CONFIG)
                return r;
        if (r < 0)
                return EXIT_FAILURE;
        return manager_loop(m);
}
