/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The profile runner (profile-runner.h): one profile on its kdamond, from its spec (Region=auto, followed
 * processes) to start, stop, adoption, online updates (or a restart where the kernel has no online commit),
 * reloads, restarts after the kdamond stopped by itself, and why a profile does not run.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "damon-modules.h"
#include "iomem.h"
#include "config-load.h"
#include "log.h"
#include "kdamond-slots.h"
#include "manager-follow.h"
#include "manager-tune.h"
#include "manager.h"
#include "message-ids.h"
#include "observe.h"
#include "proc-scan.h"
#include "profile-runner.h"

static const char * const run_state_table[_PROFILE_RUN_STATE_MAX] = {
        [PROFILE_RUN_DISABLED] = "disabled",
        [PROFILE_RUN_RUNNING] = "running",
        [PROFILE_RUN_BLOCKED] = "blocked",
        [PROFILE_RUN_WAITING] = "waiting",
        [PROFILE_RUN_FAILED] = "failed",
        [PROFILE_RUN_STOPPED] = "stopped",
        [PROFILE_RUN_OVER_LIMIT] = "over-limit",
};

const char *profile_run_state_to_string(ProfileRunState s) {
        if (s < 0 || s >= _PROFILE_RUN_STATE_MAX)
                return NULL;
        return run_state_table[s];
}

ManagedProfile *managed_profile_free(ManagedProfile *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->path);
        compiled_profile_done(&p->compiled);
        free(p->fingerprint);
        if (p->has_applied)
                damon_spec_done(&p->applied);
        free(p->reason);
        tune_status_done(&p->tune);
        profile_tuner_free(p->tuner);
        profile_tuning_done(&p->tuning);
        profile_observe_free(p->observe);
        return mfree(p);
}

int managed_profile_new(Manager *m, ConfigProfile *l, ManagedProfile **ret) {
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

/* Returns 1 if the reason changed (so it is worth a warning rather than a debug line). */
int set_reason(ManagedProfile *p, const char *fmt, ...) {
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

void clear_reason(ManagedProfile *p) {
        p->reason = mfree(p->reason);
}

/* --- running one profile --- */

static bool pid_exists(Manager *m, pid_t pid) {
        char path[64];
        int fd;

        snprintf(path, sizeof path, "proc/%d", (int) pid);
        fd = root_openat(manager_root(m), path, O_PATH | O_DIRECTORY);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

/* Whether @spec can start: every Pid= target (the first ones, from the profile) exists, and of the followed
 * ones after them those that exited since the scan are dropped. A pid that is gone when the kernel reads it
 * fails the whole start, and, in an online commit on 6.1, takes every target of the running context with it
 * (the kdamond then stops): a flood of short-lived look-alikes must not keep a profile from starting on the
 * real process, nor leave it waiting for an event while that process exists. */
static bool keep_existing_targets(Manager *m, const ManagedProfile *p, DamonSpec *spec) {
        size_t n_pinned = MIN(p->compiled.spec.n_targets, spec->n_targets), n = n_pinned;
        bool pinned = true;

        for (size_t i = n_pinned; i < spec->n_targets; i++) {
                if (pid_exists(m, spec->targets[i].pid))
                        spec->targets[n++] = spec->targets[i];
                else
                        free(spec->targets[i].regions);
        }
        spec->n_targets = n;
        for (size_t i = 0; i < n_pinned; i++)
                pinned = pinned && pid_exists(m, spec->targets[i].pid);
        return pinned && n > 0;
}

static int pid_cmp(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return x < y ? -1 : x > y;
}

bool has_followed(const ManagedProfile *p) {
        return (p->compiled.process_names && p->compiled.process_names[0]) ||
               (p->compiled.cgroups && p->compiled.cgroups[0]) ||
               (p->compiled.units && p->compiled.units[0]);
}

static bool pid_in_sorted(const pid_t *a, size_t n, pid_t pid) {
        return n > 0 && bsearch(&pid, a, n, sizeof(*a), pid_cmp);
}

/* Adds a target for every process the profile follows (ProcessName=, CGroup=, Unit=) that exists now, in
 * ascending pid order after the Pid= ones, so that an unchanged set gives an unchanged spec. Anyone may
 * start processes of any name: past MaxProcesses= the ones monitored already stay and the lowest pids
 * of the others fill what is left, so that a flood of look-alikes neither displaces the real target nor
 * divides DAMON's regions without limit. */
static int add_followed_targets(Manager *m, ManagedProfile *p, DamonSpec *spec) {
        _cleanup_free_ pid_t *all = NULL, *chosen = NULL;
        size_t n_all = 0, n_unique = 0, n_chosen = 0, cap;
        int r;

        for (size_t kind = 0; kind < 3; kind++) {
                char **list = kind == 0 ? p->compiled.process_names :
                              kind == 1 ? p->compiled.cgroups : p->compiled.units;

                for (size_t i = 0; list && list[i]; i++) {
                        _cleanup_free_ pid_t *pids = NULL;
                        const char *cg = kind == 2 ? manager_unit_cgroup(m, list[i]) : list[i];
                        size_t n = 0;
                        pid_t *a;

                        if (!cg)
                                continue;       /* a unit without a cgroup now: not running */
                        r = kind == 0 ? proc_scan_name(manager_root(m), cg, &pids, &n)
                                      : cgroup_procs(manager_root(m), cg, true, &pids, &n);
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
        /* unique, and without the Pid= ones (a handful: the spec's targets before ours) */
        for (size_t i = 0; i < n_all; i++) {
                bool dup = n_unique > 0 && all[n_unique - 1] == all[i];

                for (size_t j = 0; !dup && j < spec->n_targets; j++)
                        dup = spec->targets[j].pid == all[i];
                if (!dup)
                        all[n_unique++] = all[i];
        }

        cap = p->compiled.max_followed > 0 ? p->compiled.max_followed : n_unique;
        p->follow_matched = n_unique;
        p->follow_left_out = n_unique > cap ? n_unique - cap : 0;
        if (n_unique <= cap) {
                chosen = TAKE_PTR(all);
                n_chosen = n_unique;
        } else {
                size_t n_kept;

                chosen = reallocarray(NULL, cap, sizeof(*chosen));
                if (!chosen)
                        return -ENOMEM;
                /* first those monitored now that still match (applied targets are distinct pids), then
                 * the lowest of the others */
                for (size_t i = 0; p->has_applied && i < p->applied.n_targets && n_chosen < cap; i++)
                        if (pid_in_sorted(all, n_unique, p->applied.targets[i].pid))
                                chosen[n_chosen++] = p->applied.targets[i].pid;
                qsort(chosen, n_chosen, sizeof(*chosen), pid_cmp);
                n_kept = n_chosen;
                for (size_t i = 0; i < n_unique && n_chosen < cap; i++)
                        if (!pid_in_sorted(chosen, n_kept, all[i]))
                                chosen[n_chosen++] = all[i];
                qsort(chosen, n_chosen, sizeof(*chosen), pid_cmp);
        }
        for (size_t i = 0; i < n_chosen; i++) {
                DamonTarget *t = damon_spec_add_target(spec);

                if (!t)
                        return -ENOMEM;
                t->pid = chosen[i];
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

void profile_tuning_done(ProfileTuning *t) {
        free(t->fingerprint);
        free(t->schemes);
        *t = (ProfileTuning) {};
}

bool profile_tuning_current(const ManagedProfile *p) {
        const ProfileTuning *t = &p->tuning;

        return p->fingerprint && t->fingerprint && streq(t->fingerprint, p->fingerprint) &&
               t->schemes_ptr == p->compiled.spec.schemes && t->n_schemes == p->compiled.spec.n_schemes;
}

/* Lays the tuning of @p over @spec (a spec of its compiled version). */
static void tuning_overlay(Manager *m, const ManagedProfile *p, DamonSpec *spec) {
        const ProfileTuning *t = &p->tuning;

        if (!profile_tuning_current(p)) {
                /* starting: no tuning yet, but what the tuning loop will refuse must not run meanwhile */
                for (size_t i = 0; i < spec->n_schemes && i < p->compiled.spec.n_schemes; i++)
                        if (manager_tune_kept_paused(m, p, i))
                                spec->schemes[i].quota.bytes = 1;
                return;
        }
        if (spec->n_schemes != t->n_schemes)
                return;
        for (size_t i = 0; i < t->n_schemes; i++) {
                const SchemeTuning *st = &t->schemes[i];
                DamosQuota *q = &spec->schemes[i].quota;

                if (st->kept_paused) {
                        q->bytes = 1;
                        continue;
                }
                if (!st->tuned)
                        continue;
                q->bytes = st->quota != 0 ? st->quota : p->compiled.spec.schemes[i].quota.bytes;
                for (size_t g = 0; g < st->n_goals; g++)
                        if (st->goals[g].value != TUNER_UNKNOWN && st->goals[g].index < q->n_goals)
                                q->goals[st->goals[g].index].current_value = st->goals[g].value;
        }
}

int build_spec(Manager *m, ManagedProfile *p, const DamonSpec *running, DamonSpec *ret) {
        int r;

        if (running) {
                r = damon_spec_copy(ret, running);
                if (r < 0)
                        return r;
                tuning_overlay(m, p, ret);
                return 0;
        }
        r = damon_spec_copy(ret, &p->compiled.spec);
        if (r < 0)
                return r;
        if (p->compiled.regions_auto) {
                DamonTarget *t = ret->n_targets > 0 ? &ret->targets[0] : damon_spec_add_target(ret);
                _cleanup_free_ IomemRange *ranges = NULL;
                size_t n = 0;

                if (!t) {
                        damon_spec_done(ret);
                        return -ENOMEM;
                }
                r = iomem_system_ram(manager_root(m), &ranges, &n);
                if (r < 0) {
                        damon_spec_done(ret);
                        return r;
                }
                t->n_regions = 0;
                t->regions = mfree(t->regions);
                for (size_t i = 0; i < n; i++) {
                        /* the kernel reads region addresses in units of addr_unit (paddr multiplies them
                         * back, 6.18): a byte address would name memory addr_unit times further out */
                        uint64_t u = MAX(ret->addr_unit, UINT64_C(1));
                        uint64_t start = ranges[i].start / u + (ranges[i].start % u != 0), end = ranges[i].end / u;

                        if (start >= end)
                                continue;
                        if (!damon_target_add_region(t, start, end)) {
                                damon_spec_done(ret);
                                return -ENOMEM;
                        }
                }
        }
        /* Where the kernel can keep the stats fresh by itself (refresh_ms, 6.17), let it: status then
         * costs no state command that blocks the loop. */
        if (ret->refresh_ms == 0 &&
            damon_features_has(damon_sysfs_features(manager_sysfs(m)), DAMON_FEATURE_REFRESH_MS))
                ret->refresh_ms = MAX(manager_status_interval(m) / USEC_PER_MSEC, UINT64_C(1));
        if (has_followed(p)) {
                r = add_followed_targets(m, p, ret);
                if (r < 0) {
                        damon_spec_done(ret);
                        return r;
                }
        }
        /* what the tuning loop has the kernel apply stays through every update */
        tuning_overlay(m, p, ret);
        return 0;
}

void set_applied(ManagedProfile *p, DamonSpec *spec) {
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

/* More enabled profiles than MaxKdamonds=: nothing changes that by itself, so @p is not retried until a
 * reload (or StartProfile), and the start-up or reload under way says so. */
static int profile_over_limit(Manager *m, ManagedProfile *p, const char *why) {
        int changed = set_reason(p, "not started: %s, one per enabled profile; disable a profile (Enabled=no) "
                                 "and reload, or raise MaxKdamonds= in damond.conf (at most 64) and restart "
                                 "damond (the kernel adds kdamonds only while none runs)", why);

        if (changed < 0)
                return log_oom();
        p->state = PROFILE_RUN_OVER_LIMIT;
        p->retry_usec = UINT64_MAX;
        if (manager_load_run_error(m, p->name, "%s", p->reason) < 0)
                return log_oom();
        log_struct(changed > 0 ? LOG_WARNING : LOG_DEBUG, 0,
                   LOG_FIELDS(.profile = p->name, .message_id = DAMOND_MESSAGE_BLOCKED),
                   "Profile '%s' is %s.", p->name, p->reason);
        return 0;
}

/* Whether a DAMON module holds DAMON; fills @why. */
static bool module_blocks(Manager *m, char *why, size_t size) {
        DamonIO *io = damon_sysfs_io(manager_sysfs(m));
        DamonModuleState s = {};
        DamonModule mod;
        const char *name;
        char pid[32] = "";
        int64_t kpid;

        if (damon_modules_holder(io, &mod) <= 0)
                return false;
        name = damon_module_to_string(mod);
        if (damon_module_read_state(io, mod, &s) >= 0 && damon_module_kdamond_pid(io, mod, &s, &kpid) > 0)
                snprintf(pid, sizeof pid, " (pid %" PRIi64 ")", kpid);
        /* the kernel starts a module's kdamond exclusively (damon_start(..., true)) and then refuses every
         * other one with EBUSY; the module is the administrator's, so damond only says how to turn it off */
        snprintf(why, size, "the kernel's %s runs its own kdamond%s exclusively, and while it runs the kernel "
                 "refuses every other kdamond (EBUSY); to run damond's profiles, boot with %s.enabled=N on the "
                 "kernel command line, or write N to /sys/module/%s/parameters/enabled (damond never changes "
                 "the module)", name, pid, name, name);
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
                if (p->compiled.nothing_to_tier) {
                        if (set_reason(p, "nothing to tier: %s", p->compiled.tiering.off) > 0)
                                log_struct(LOG_INFO, 0, LOG_FIELDS(.profile = p->name),
                                           "Profile '%s' stays off: nothing to tier: %s.", p->name,
                                           p->compiled.tiering.off);
                } else
                        clear_reason(p);
                return 0;
        }
        if (module_blocks(m, why, sizeof why)) {
                profile_blocked(p, now_usec, why);
                return 0;
        }
        if (p->kdamond < 0) {
                Slot *s = slot_free_one(m);

                r = 0;
                if (!s) {
                        r = slots_grow(m, 1, &err);
                        if (r == -ENOMEM)
                                return log_oom();
                        s = slot_free_one(m);
                }
                if (!s && r == -ENOSPC)
                        return profile_over_limit(m, p, err.message);
                if (!s) {
                        profile_blocked(p, now_usec, err.message[0] ? err.message : "no free kdamond");
                        return 0;
                }
                s->user = p;
                p->kdamond = (int) s->index;
        }

        r = build_spec(m, p, NULL, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                profile_failed(p, now_usec, r,
                               "cannot find a System RAM range in proc/iomem for Region=auto");
                return 0;
        }
        if (spec.ops != DAMON_OPS_PADDR && !keep_existing_targets(m, p, &spec)) {
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

        r = damon_sysfs_start(manager_sysfs(m), (unsigned) p->kdamond, &spec, &pid, &err);
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
        p->window_start_usec = 0;
        p->status_read_usec = p->stats_read_usec = 0;
        p->has_last_window = false;
        clear_reason(p);
        set_applied(p, &spec);
        /* recorded at once: were damond killed now, the next one must know this running kdamond is its */
        (void) manager_write_record(m);
        if (p->restart_quiet) {
                p->restart_quiet = false;
                log_debug("Started profile '%s' on kdamond %d (pid %d).", p->name, p->kdamond, (int) pid);
                return 1;
        }
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_STARTED),
                   "Started profile '%s' on kdamond %d (pid %d).", p->name, p->kdamond, (int) pid);
        return 1;
}

/* How long a stop waits for the snapshot worker's command in flight. The kernel ends that command within
 * one apply interval, and from 6.14 none is asked for that would take over 2 s
 * (DAMON_SNAPSHOT_MAX_HOLD_USEC); a D-Bus caller gives up after 25 s. */
#define STOP_SNAPSHOT_WAIT_USEC (5 * USEC_PER_SEC)

int profile_stop(Manager *m, ManagedProfile *p, const char *why) {
        DamonError err = {};
        int r;

        if (p->state == PROFILE_RUN_RUNNING && p->kdamond >= 0) {
                r = damon_sysfs_stop(manager_sysfs(m), (unsigned) p->kdamond, &err);
                /* "Try again later": our own snapshot worker's command holds DAMON's state files
                 * (observe.h). A commit is deferred to the next tick, but a stop is asked for now (StopProfile,
                 * a reload that removes or disables the profile) and must not fail for our own snapshot:
                 * wait for that command to end, then stop. */
                if (r == -EAGAIN && manager_observe_wait_idle(m, STOP_SNAPSHOT_WAIT_USEC) >= 0) {
                        err = (DamonError) {};
                        r = damon_sysfs_stop(manager_sysfs(m), (unsigned) p->kdamond, &err);
                }
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

/* Brings the running kdamond of @p to @spec: an online commit (writes nothing when nothing differs). Before
 * Linux 5.19 there is no online commit: the spec is staged, and only when something differed is the
 * kdamond restarted to apply it (its monitoring results are lost; there is no other way). If that start
 * fails, @rollback (may be NULL) is started again. Returns the number of files written, or -errno (then
 * @p's state says whether it still runs). */
int profile_update_running(Manager *m, ManagedProfile *p, const DamonSpec *spec, const DamonSpec *rollback,
                           DamonError *err) {
        unsigned idx = (unsigned) p->kdamond;
        pid_t pid = -1;
        int r, n;

        if (damon_features_has(damon_sysfs_features(manager_sysfs(m)), DAMON_FEATURE_COMMIT))
                return damon_sysfs_commit(manager_sysfs(m), idx, spec, rollback, err);

        n = damon_sysfs_stage(manager_sysfs(m), idx, spec, err);
        if (n == 0)
                return n;
        if (n > 0) {
                r = damon_sysfs_stop(manager_sysfs(m), idx, err);
                if (r >= 0)
                        goto start;
                n = r;
        }
        /* it still runs what it ran: the staged files go back to that, or the next attempt with the same
         * spec would find nothing to stage and take it as applied */
        if (rollback)
                (void) damon_sysfs_stage(manager_sysfs(m), idx, rollback, NULL);
        return n;
start:
        r = damon_sysfs_start(manager_sysfs(m), idx, spec, &pid, err);
        if (r < 0 && rollback && damon_sysfs_start(manager_sysfs(m), idx, rollback, &pid, NULL) >= 0) {
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
int profile_adopt(Manager *m, ManagedProfile *p, Slot *s, uint64_t now_usec) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        int r;

        s->user = p;
        p->kdamond = (int) s->index;
        p->state = PROFILE_RUN_RUNNING;
        p->pid = s->recorded_pid;
        r = build_spec(m, p, NULL, &spec);
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
        p->window_start_usec = 0;
        p->status_read_usec = p->stats_read_usec = 0;
        p->has_last_window = false;
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_ADOPTED),
                   "Adopted running kdamond %u (pid %d) of profile '%s'%s.", s->index, (int) p->pid, p->name,
                   r > 0 ? ", updated to the profile" : "");
        return 0;
}

/* Any local user can start processes of a followed name, or rename one, as often as they like: what
 * following them logs is routine (info) and rate-limited per profile. */
#define FOLLOW_LOG_INTERVAL_USEC (60 * USEC_PER_SEC)
#define FOLLOW_LOG_BURST 5
/* Stops of a followed profile's kdamond logged per interval; on kernels whose online commit drops every
 * target when one named process is gone (6.1), each look-alike that exits at the wrong time causes one. */
#define RESTART_LOG_BURST 2

void profile_follow_warn_cap(ManagedProfile *p, uint64_t now_usec) {
        if (p->follow_left_out == 0)
                return;
        if (p->follow_cap_log.burst == 0)
                p->follow_cap_log = LOG_RATELIMIT(FOLLOW_LOG_INTERVAL_USEC, 1);
        if (!log_ratelimit_below(&p->follow_cap_log, now_usec))
                return;
        log_struct(LOG_WARNING, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                   "Profile '%s': %zu processes match, monitoring %zu (MaxProcesses=%zu), ignoring the "
                   "others%s.", p->name, p->follow_matched, p->follow_matched - p->follow_left_out,
                   p->compiled.max_followed, p->follow_cap_log.suppressed > 0 ? " (still so since the last "
                   "warning)" : "");
        p->follow_cap_log.suppressed = 0;
}

/* For a running profile that follows processes by name or cgroup: when the set of matching processes
 * changed, commit the new targets online. Returns 1 if the kdamond was updated. */
int profile_follow(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        int r;

        if (!has_followed(p) || !p->has_applied)
                return 0;
        p->n_follow_rescans++;
        log_debug("Rescanning the processes of profile '%s'.", p->name);
        r = build_spec(m, p, NULL, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r >= 0) {
                profile_follow_warn_cap(p, now_usec);
                (void) keep_existing_targets(m, p, &spec);
        }
        if (r < 0 || same_targets(&spec, &p->applied))
                return 0;
        if (spec.n_targets == 0)
                return 0;       /* all gone: the kdamond stops by itself, the health check sees it */
        if (p->follow_log.burst == 0)
                p->follow_log = LOG_RATELIMIT(FOLLOW_LOG_INTERVAL_USEC, FOLLOW_LOG_BURST);
        r = profile_update_running(m, p, &spec, &p->applied, &err);
        if (r < 0) {
                /* mostly a kdamond that stopped as its targets exited: as frequent as they come and go */
                log_struct(log_ratelimit_below(&p->follow_log, now_usec) ? LOG_WARNING : LOG_DEBUG, r,
                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Failed to update the target processes of profile '%s', ignoring: %s%s%m",
                           p->name, err.message, err.message[0] ? ": " : "");
                return 0;
        }
        p->n_follow_commits++;
        if (log_ratelimit_below(&p->follow_log, now_usec)) {
                if (p->follow_log.suppressed > 0)
                        log_struct(LOG_INFO, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                                   "Profile '%s' now monitors %zu process%s (was %zu; %u similar messages "
                                   "suppressed).", p->name, spec.n_targets, spec.n_targets == 1 ? "" : "es",
                                   p->applied.n_targets, p->follow_log.suppressed);
                else
                        log_struct(LOG_INFO, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                                   "Profile '%s' now monitors %zu process%s (was %zu).", p->name,
                                   spec.n_targets, spec.n_targets == 1 ? "" : "es", p->applied.n_targets);
                p->follow_log.suppressed = 0;
        } else
                log_debug("Profile '%s' now monitors %zu process%s (was %zu).", p->name, spec.n_targets,
                          spec.n_targets == 1 ? "" : "es", p->applied.n_targets);
        set_applied(p, &spec);
        return 1;
}

/* Whether @a and @b, one a copy of the other with tuned values laid over, differ in their size quotas
 * (*ret_quota) or only in their goals' current values (*ret_goals). */
static void tuning_diff(const DamonSpec *a, const DamonSpec *b, bool *ret_quota, bool *ret_goals) {
        *ret_quota = *ret_goals = false;
        for (size_t i = 0; i < MIN(a->n_schemes, b->n_schemes); i++) {
                const DamosQuota *qa = &a->schemes[i].quota, *qb = &b->schemes[i].quota;

                if (qa->bytes != qb->bytes)
                        *ret_quota = true;
                for (size_t g = 0; g < MIN(qa->n_goals, qb->n_goals); g++)
                        if (qa->goals[g].current_value != qb->goals[g].current_value)
                                *ret_goals = true;
        }
}

int profile_commit_tuning(Manager *m, ManagedProfile *p) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        ProfileTuning *t = &p->tuning;
        bool quota, goals;
        DamonError err = {};
        int r;

        if (!profile_tuning_current(p) || p->state != PROFILE_RUN_RUNNING || !p->has_applied || p->kdamond < 0)
                return 0;
        if (p->commit_pending)
                return 0;       /* the deferred commit carries the tuned values (build_spec()) */
        if (p->applied.n_schemes != t->n_schemes)
                return 0;
        r = build_spec(m, p, &p->applied, &spec);
        if (r < 0)
                return r;
        tuning_diff(&p->applied, &spec, &quota, &goals);
        if (!quota && !goals)
                return 0;
        /* Nothing is worth tuning while every scheme is off, and staging a commit that is only refused
         * would cost writes. */
        if (damon_sysfs_commands_may_wait(manager_sysfs(m), &p->applied)) {
                log_debug("Kdamond %d of profile '%s' may be off by its watermarks, tuned values wait.",
                          p->kdamond, p->name);
                return 0;
        }
        if (quota)
                r = damon_sysfs_commit(manager_sysfs(m), (unsigned) p->kdamond, &spec, &p->applied, &err);
        else
                r = damon_sysfs_commit_goals(manager_sysfs(m), (unsigned) p->kdamond, &spec, &err);
        /* no -ENOMEM return here: it is most likely the kernel's answer to a write, not damond's memory */
        if (r == -ESRCH || r == -EAGAIN)
                return 0;       /* stopped (the health tick sees it) or deferred: tried again next tick */
        if (r < 0) {
                log_struct(t->warned_commit ? LOG_DEBUG : LOG_WARNING, r,
                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Failed to apply the tuned %s of profile '%s', trying again: %s%s%m",
                           quota ? "quotas" : "goal values", p->name, err.message,
                           err.message[0] ? ": " : "");
                t->warned_commit = true;
                return 0;
        }
        t->warned_commit = false;
        set_applied(p, &spec);
        return r;
}

/* --- reload --- */

/* Replaces the profile's compiled version by @l's. */
static void profile_take_compiled(ManagedProfile *p, ConfigProfile *l) {
        compiled_profile_done(&p->compiled);
        p->compiled = l->compiled;
        l->compiled = (CompiledProfile) {};
        free(p->fingerprint);
        p->fingerprint = TAKE_PTR(l->fingerprint);
        free(p->path);
        p->path = TAKE_PTR(l->path);
}

/* A reload could not apply @p's new version: the previous one runs on, and the profile and the reload say
 * why. The next reload tries the new version again (its fingerprint is still the previous one's). */
static int profile_kept_previous(Manager *m, ManagedProfile *p, const char *why) {
        if (set_reason(p, "running its previous version: the new one was not applied: %s", why) < 0 ||
            manager_load_run_error(m, p->name, "the new version was not applied, the previous one keeps "
                                   "running: %s", why) < 0)
                return log_oom();
        return 0;
}

int profile_reload(Manager *m, ManagedProfile *p, ConfigProfile *l, uint64_t now_usec) {
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
                r = profile_stop(m, p, l->compiled.nothing_to_tier ? "nothing to tier any more" : "disabled by a reload");
                if (r < 0)
                        return 0;
                profile_take_compiled(p, l);
                /* releases its kdamond, and says why it is off */
                return profile_start(m, p, now_usec);
        }

        /* build the new spec with the new compiled version, keep the old one for a failure */
        old = p->compiled;
        p->compiled = l->compiled;
        r = build_spec(m, p, NULL, &spec);
        p->compiled = old;
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_struct(LOG_ERR, r, LOG_FIELDS(.profile = p->name),
                           "Cannot apply the new version of profile '%s', keeping the running one: "
                           "no System RAM range in proc/iomem: %m", p->name);
                return profile_kept_previous(m, p, "no System RAM range in proc/iomem");
        }
        r = profile_update_running(m, p, &spec, p->has_applied ? &p->applied : NULL, &err);
        if (r == -EAGAIN && p->state == PROFILE_RUN_RUNNING) {
                /* the new version is what we want; what runs stays staged until the kernel takes it */
                profile_take_compiled(p, l);
                p->commit_pending = true;
                log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "Deferred the new version of profile '%s': %s. It is committed as soon as the kernel "
                           "can take it.", p->name, err.message);
                return 0;
        }
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
                return profile_kept_previous(m, p, err.message[0] ? err.message : strerror(-r));
        }
        profile_take_compiled(p, l);
        set_applied(p, &spec);
        clear_reason(p);
        p->commit_pending = false;
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_RELOADED),
                   "Reloaded profile '%s' online on kdamond %d (%d file%s written).", p->name, p->kdamond, r,
                   r == 1 ? "" : "s");
        return 0;
}

/* A reload whose commit the kernel could not take yet (see damon_sysfs_commit()): again, quietly while
 * it still cannot. */
static void profile_retry_commit(Manager *m, ManagedProfile *p) {
        _cleanup_(damon_spec_done) DamonSpec spec = {};
        DamonError err = {};
        int r;

        if (!p->commit_pending)
                return;
        r = build_spec(m, p, NULL, &spec);
        if (r < 0) {
                log_debug_errno(r, "Cannot build the pending version of profile '%s', ignoring: %m", p->name);
                return;
        }
        r = profile_update_running(m, p, &spec, p->has_applied ? &p->applied : NULL, &err);
        if (r == -EAGAIN || p->state != PROFILE_RUN_RUNNING)
                return;
        p->commit_pending = false;
        if (r < 0) {
                log_struct(LOG_ERR, r, LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond)),
                           "The kernel refused the deferred version of profile '%s', keeping the running one: "
                           "%s%s%m", p->name, err.message, err.message[0] ? ": " : "");
                return;
        }
        set_applied(p, &spec);
        clear_reason(p);
        log_struct(LOG_NOTICE, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_PROFILE_RELOADED),
                   "Committed the deferred version of profile '%s' on kdamond %d (%d file%s written).", p->name,
                   p->kdamond, r, r == 1 ? "" : "s");
}

/* --- what the operator asks (StopProfile, StartProfile) --- */

int profile_operator_stop(Manager *m, ManagedProfile *p) {
        int r;

        assert(m);
        assert(p);

        switch (p->state) {
        case PROFILE_RUN_STOPPED:
        case PROFILE_RUN_DISABLED:
                return 0;
        case PROFILE_RUN_RUNNING:
                r = profile_stop(m, p, "stopped by the operator (StopProfile)");
                if (r < 0)
                        return r;
                break;
        default:
                log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = p->name),
                           "Profile '%s' (%s) is no longer retried: stopped by the operator (StopProfile).",
                           p->name, profile_run_state_to_string(p->state));
                break;
        }
        p->state = PROFILE_RUN_STOPPED;
        p->pid = -1;
        p->retry_usec = UINT64_MAX;
        if (set_reason(p, "stopped by the operator until it is started, damond restarts, or a reload "
                       "changes it") < 0)
                return -ENOMEM;
        (void) manager_write_record(m);
        return 1;
}

int profile_operator_start(Manager *m, ManagedProfile *p) {
        int r;

        assert(m);
        assert(p);

        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.profile = p->name),
                   "Starting profile '%s' (%s) at the operator's request (StartProfile).", p->name,
                   profile_run_state_to_string(p->state));
        p->backoff_usec = MANAGER_BACKOFF_FIRST_USEC;
        p->state = PROFILE_RUN_WAITING;
        clear_reason(p);
        r = profile_start(m, p, manager_now_monotonic());
        if (r < 0)
                return r;
        (void) manager_write_record(m);
        return p->state == PROFILE_RUN_FAILED || p->state == PROFILE_RUN_BLOCKED ||
               p->state == PROFILE_RUN_OVER_LIMIT;
}

/* --- health --- */

/* The health tick's part for @p: notices a kdamond that stopped by itself (restart after a back-off, or
 * when its processes exist again), retries what is due, and runs the following, tuning and deferred commits
 * of a running one. */
int profile_tick(Manager *m, ManagedProfile *p, uint64_t now_usec) {
        bool dirty = false;
        int r;

        switch (p->state) {
        case PROFILE_RUN_RUNNING:
                r = damon_sysfs_check_stopped(manager_sysfs(m), (unsigned) p->kdamond);
                if (r < 0) {
                        log_debug_errno(r, "Failed to check kdamond %d, ignoring: %m", p->kdamond);
                        break;
                }
                if (r == 0) {
                        r = manager_follows_by_events(m) ? 0 : profile_follow(m, p, now_usec);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                dirty = true;
                        if (p->state != PROFILE_RUN_RUNNING)
                                break;
                        if (now_usec - p->running_since_usec >= MANAGER_BACKOFF_MAX_USEC)
                                p->backoff_usec = MANAGER_BACKOFF_FIRST_USEC;
                        r = manager_tune_tick(m, p, now_usec);
                        if (r < 0)
                                return r;
                        profile_retry_commit(m, p);
                        (void) manager_refresh_status(m, p, now_usec, false);
                        break;
                }
                dirty = true;
                p->pid = -1;
                p->n_restarts++;
                if (isempty(p->fingerprint)) {
                        /* adopted as it ran, its profile has errors: nothing to restart it with */
                        p->state = PROFILE_RUN_FAILED;
                        p->retry_usec = UINT64_MAX;
                        (void) set_reason(p, "stopped by itself; its profile has errors");
                        log_struct(LOG_WARNING, 0,
                                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                                              .message_id = DAMOND_MESSAGE_KDAMOND_DIED),
                                   "Kdamond %d of profile '%s' stopped by itself; the profile has "
                                   "errors, so it stays stopped until they are fixed.", p->kdamond,
                                   p->name);
                } else if (p->compiled.spec.ops == DAMON_OPS_PADDR) {
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
                        p->restart_quiet = false;
                        if (has_followed(p)) {
                                if (p->restart_log.burst == 0)
                                        p->restart_log = LOG_RATELIMIT(FOLLOW_LOG_INTERVAL_USEC,
                                                                       RESTART_LOG_BURST);
                                p->restart_quiet = !log_ratelimit_below(&p->restart_log, now_usec);
                        }
                        if (p->restart_quiet)
                                log_debug("Kdamond %d of profile '%s' stopped by itself (its target processes "
                                          "exited).", p->kdamond, p->name);
                        else {
                                log_struct(LOG_WARNING, 0,
                                           LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                                                      .message_id = DAMOND_MESSAGE_KDAMOND_DIED),
                                           "Kdamond %d of profile '%s' stopped by itself (its target "
                                           "processes exited); it restarts when they exist again%s.",
                                           p->kdamond, p->name, p->restart_log.suppressed > 0 ?
                                           " (more stops and restarts since the last such message went to the "
                                           "debug log)" : "");
                                p->restart_log.suppressed = 0;
                        }
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
        return dirty;
}
