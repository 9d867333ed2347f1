/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles that follow processes by name (ProcessName=) or cgroup (CGroup=): the proc connector says
 * when a process starts, execs, renames itself or exits; the profiles it concerns are rescanned, and a
 * changed set of target processes is committed online.
 *
 * Anyone can fork thousands of processes of a followed name in a second. An event only marks the
 * profiles it concerns (reading at most one comm or cgroup file per profile, none for a profile already
 * marked); the rescan of /proc and the commit happen at once for the first event after a quiet window,
 * and for the rest of a burst once at the end of the window (follow_timer): at most one rescan and one
 * commit per profile per MANAGER_FOLLOW_WINDOW_USEC.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "cgroup.h"
#include "log.h"
#include "manager-follow.h"
#include "manager.h"
#include "proc-scan.h"
#include "unit-cgroups.h"

struct ManagerFollow {
        ProcEvents *proc_events;        /* the proc connector, NULL: not open (polling every health tick) */
        sd_event_source *proc_source;
        bool by_events_forced;          /* a test says the connector listens */
        sd_event_source *timer;         /* the end of a burst window of a marked profile */
        UnitCgroups *units;             /* Unit= targets: their cgroups, asked of systemd */
        sd_bus *system_bus;             /* ... on the D-Bus service's connection (borrowed), NULL: none */
};

int manager_follow_new(ManagerFollow **ret) {
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -ENOMEM;
}

ManagerFollow *manager_follow_free(ManagerFollow *f) {
        if (!f)
                return NULL;
        f->units = unit_cgroups_free(f->units);
        sd_event_source_unref(f->proc_source);
        sd_event_source_unref(f->timer);
        proc_events_free(f->proc_events);
        return mfree(f);
}

bool manager_follows_by_events(Manager *m) {
        ManagerFollow *f = manager_follow(m);

        return f->by_events_forced || (f->proc_events && proc_events_listening(f->proc_events) > 0);
}

void manager_set_follow_by_events(Manager *m, bool b) {
        manager_follow(m)->by_events_forced = b;
}

static bool pid_is_target(const ManagedProfile *p, pid_t pid) {
        if (!p->has_applied)
                return false;
        for (size_t i = 0; i < p->applied.n_targets; i++)
                if (p->applied.targets[i].pid == pid)
                        return true;
        return false;
}

const char *manager_unit_cgroup(const Manager *m, const char *unit) {
        const ManagerFollow *f = manager_follow(m);

        return f->units ? unit_cgroups_get(f->units, unit) : NULL;
}

static bool pid_matches(Manager *m, const ManagedProfile *p, pid_t pid) {
        for (size_t i = 0; p->compiled.process_names && p->compiled.process_names[i]; i++)
                if (proc_pid_matches_name(manager_root(m), pid, p->compiled.process_names[i]) > 0)
                        return true;
        if ((p->compiled.cgroups && p->compiled.cgroups[0]) || (p->compiled.units && p->compiled.units[0])) {
                _cleanup_free_ char *cg = NULL;

                if (cgroup_pid_path(manager_root(m), pid, &cg) < 0)
                        return false;
                for (size_t i = 0; p->compiled.cgroups && p->compiled.cgroups[i]; i++)
                        if (proc_cgroup_is_below(cg, p->compiled.cgroups[i]))
                                return true;
                for (size_t i = 0; p->compiled.units && p->compiled.units[i]; i++) {
                        const char *ucg = manager_unit_cgroup(m, p->compiled.units[i]);

                        if (ucg && proc_cgroup_is_below(cg, ucg))
                                return true;
                }
        }
        return false;
}

int manager_process_event(Manager *m, const ProcEvent *ev) {
        int n = 0;

        assert(m);
        assert(ev);

        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                ManagedProfile *p = manager_profile(m, i);
                bool dirty = false;

                if (!has_followed(p) || p->follow_dirty ||
                    (p->state != PROFILE_RUN_RUNNING && p->state != PROFILE_RUN_WAITING))
                        continue;
                switch (ev->kind) {
                case PROC_EVENT_KIND_LOST:
                        dirty = true;
                        break;
                case PROC_EVENT_KIND_EXIT:
                        /* the process ends with its main thread */
                        dirty = ev->pid == ev->tgid && pid_is_target(p, ev->tgid);
                        break;
                case PROC_EVENT_KIND_FORK:
                        /* a new process (not a thread) inherits its parent's name and cgroup */
                        dirty = ev->pid == ev->tgid && pid_matches(m, p, ev->tgid);
                        break;
                case PROC_EVENT_KIND_EXEC:
                case PROC_EVENT_KIND_COMM:
                        /* it may have become one of ours, or stopped being one */
                        dirty = pid_is_target(p, ev->tgid) || pid_matches(m, p, ev->tgid);
                        break;
                default:
                        break;
                }
                if (dirty) {
                        p->follow_dirty = true;
                        n++;
                }
        }
        return n;
}

int manager_follow_dirty(Manager *m, uint64_t now_usec) {
        bool changed = false;
        int r;

        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                ManagedProfile *p = manager_profile(m, i);

                if (!p->follow_dirty || now_usec < p->follow_next_usec)
                        continue;
                p->follow_dirty = false;
                p->follow_next_usec = now_usec + MANAGER_FOLLOW_WINDOW_USEC;
                if (p->state == PROFILE_RUN_RUNNING)
                        r = profile_follow(m, p, now_usec);
                else if (p->state == PROFILE_RUN_WAITING) {
                        p->n_follow_rescans++;
                        r = profile_start(m, p, now_usec);
                        if (r >= 0)
                                profile_follow_warn_cap(p, now_usec);
                } else
                        continue;
                if (r < 0)
                        return r;
                changed = changed || r > 0;
        }
        if (changed)
                (void) manager_write_record(m);
        return 0;
}

uint64_t manager_follow_next(Manager *m) {
        uint64_t next = UINT64_MAX;

        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                const ManagedProfile *p = manager_profile(m, i);

                if (p->follow_dirty)
                        next = MIN(next, p->follow_next_usec);
        }
        return next;
}

static int on_follow_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Arms follow_timer for the next marked profile that is not due yet. */
static int follow_timer_arm(Manager *m) {
        ManagerFollow *f = manager_follow(m);
        uint64_t next = manager_follow_next(m);
        int r;

        if (next == UINT64_MAX)
                return f->timer ? sd_event_source_set_enabled(f->timer, SD_EVENT_OFF) : 0;
        if (!f->timer) {
                r = sd_event_add_time(manager_event(m), &f->timer, CLOCK_MONOTONIC, next, 10 * USEC_PER_MSEC,
                                      on_follow_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(f->timer, "damond-follow");
                return 0;
        }
        r = sd_event_source_set_time(f->timer, next);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(f->timer, SD_EVENT_ONESHOT);
}

static int follow_now(Manager *m) {
        uint64_t now;
        int r;

        (void) sd_event_now(manager_event(m), CLOCK_MONOTONIC, &now);
        r = manager_follow_dirty(m, now);
        if (r < 0)
                return r;
        r = follow_timer_arm(m);
        if (r < 0)
                /* the marks stay: the next event after the window rescans them */
                log_warning_errno(r, "Failed to arm the timer of the process rescans, ignoring: %m");
        return 0;
}

static int on_follow_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
        return follow_now(m);
}

static int on_event(const ProcEvent *ev, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
        (void) manager_process_event(m, ev);
        return 0;
}

static int on_proc_events(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
        ManagerFollow *f = manager_follow(m);
        int r;

        r = proc_events_dispatch(f->proc_events, on_event, m);
        if (r < 0 && r != -EAGAIN) {
                /* the kernel refused our listener (EPERM before 6.6 without CAP_NET_ADMIN), or the socket
                 * failed: rescan every health tick instead */
                log_notice_errno(r, "Process events failed, following processes by polling every second "
                                 "instead: %m");
                f->proc_source = sd_event_source_disable_unref(f->proc_source);
                f->proc_events = proc_events_free(f->proc_events);
                for (size_t i = 0; i < manager_n_profiles(m); i++) {
                        ManagedProfile *p = manager_profile(m, i);

                        if (p->state == PROFILE_RUN_WAITING && p->retry_usec == UINT64_MAX)
                                p->retry_usec = 0;
                }
                return 0;
        }
        return follow_now(m);
}

/* A Unit= target's cgroup changed (the unit started, stopped or restarted): the profiles that name it
 * rescan their processes now. */
static void on_unit_changed(UnitCgroups *u, const char *unit, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
        bool any = false;

        (void) u;
        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                ManagedProfile *p = manager_profile(m, i);

                for (size_t j = 0; p->compiled.units && p->compiled.units[j]; j++)
                        if (streq(p->compiled.units[j], unit) &&
                            (p->state == PROFILE_RUN_RUNNING || p->state == PROFILE_RUN_WAITING)) {
                                p->follow_dirty = true;
                                p->follow_next_usec = 0;        /* not a burst of process events: now */
                                any = true;
                        }
        }
        if (any)
                (void) follow_now(m);
}

void manager_set_system_bus(Manager *m, sd_bus *bus) {
        ManagerFollow *f = manager_follow(m);

        f->system_bus = bus;
        if (f->units && unit_cgroups_set_bus(f->units, bus) < 0)
                (void) log_oom();
}

/* The units the profiles name, to UnitCgroups (created with the first). */
static int units_setup(Manager *m) {
        ManagerFollow *f = manager_follow(m);
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        int r;

        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                const CompiledProfile *c = &manager_profile(m, i)->compiled;
                size_t nu = 0;

                while (c->units && c->units[nu])
                        nu++;
                /* the targets' units, then those of the goals damond measures (Unit= in [Goal]) */
                for (size_t j = 0; j < nu + c->n_feeds; j++) {
                        const char *name = j < nu ? c->units[j] : c->feeds[j - nu].unit;
                        char **a;

                        if (!name)
                                continue;
                        a = reallocarray(names, n + 2, sizeof(*a));
                        if (!a)
                                return log_oom();
                        names = a;
                        names[n++] = (char *) name;
                        names[n] = NULL;
                }
        }
        if (n == 0 && !f->units)
                return 0;
        if (!f->units) {
                r = unit_cgroups_new(on_unit_changed, m, &f->units);
                if (r < 0)
                        return log_oom();
                r = unit_cgroups_set_bus(f->units, f->system_bus);
                if (r < 0)
                        return log_oom();
        }
        r = unit_cgroups_sync(f->units, names);
        if (r < 0)
                return log_oom();
        return 0;
}

int manager_follow_setup(Manager *m) {
        ManagerFollow *f = manager_follow(m);
        bool needed = false;
        int r;

        (void) units_setup(m);
        for (size_t i = 0; i < manager_n_profiles(m) && !needed; i++)
                needed = has_followed(manager_profile(m, i));
        if (!needed || f->proc_events)
                return 0;

        r = proc_events_open(manager_root(m), &f->proc_events);
        if (r < 0)
                return log_notice_errno(r, "Cannot listen to process events, following processes by "
                                        "polling every second instead: %m");
        r = sd_event_add_io(manager_event(m), &f->proc_source, proc_events_get_fd(f->proc_events), EPOLLIN,
                            on_proc_events, m);
        if (r < 0) {
                f->proc_events = proc_events_free(f->proc_events);
                return log_warning_errno(r, "Failed to watch process events, polling instead: %m");
        }
        (void) sd_event_source_set_description(f->proc_source, "damond-proc-events");
        log_debug("Listening to process events for the profiles that follow processes.");
        return 0;
}
