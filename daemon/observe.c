/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access snapshots and savings accounting per profile (observe.h): scheduling on the snapshot worker, the
 * bounded history, the savings samples and the hourly journal line.
 */

#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "damon-snapshot.h"
#include "log.h"
#include "manager-internal.h"
#include "mem-counters.h"
#include "message-ids.h"
#include "metrics.h"
#include "observe.h"
#include "psi.h"
#include "units.h"

/* The manager's side of the worker. */
typedef struct ManagerObserve {
        DamonIO *io;                    /* the worker's own DamonIO ... */
        bool own_io;                    /* ... unless tests handed the manager one */
        DamonSnapshotter *snapshotter;
        sd_event_source *source;
        uint64_t next_cookie;
        size_t next_profile;            /* round robin */
        bool setup_done;
        uint64_t next_metrics_usec;     /* CLOCK_MONOTONIC of the next MetricsDirectory= write */
        int metrics_error;              /* of the last write, logged once per change */
} ManagerObserve;

ProfileObserve *profile_observe_free(ProfileObserve *o) {
        if (!o)
                return NULL;
        access_ring_done(&o->ring);
        free(o->cgroup);
        return mfree(o);
}

uint64_t manager_snapshot_interval(const Manager *m) {
        return m->has_config ? m->config.snapshot_interval_usec : OBSERVE_SNAPSHOT_DEFAULT_USEC;
}

size_t manager_snapshot_history_max(const Manager *m) {
        uint64_t v = m->has_config && m->config.snapshot_history_max_bytes > 0 ?
                m->config.snapshot_history_max_bytes : OBSERVE_HISTORY_DEFAULT_BYTES;

        return (size_t) MIN(v, (uint64_t) SIZE_MAX);
}

/* The profile's observation state, made on first use; the ring follows SnapshotHistoryMax= changes
 * (a smaller ceiling drops the oldest at the next push). NULL on out-of-memory. */
static ProfileObserve *profile_observe(Manager *m, ManagedProfile *p) {
        size_t max = manager_snapshot_history_max(m);
        ProfileObserve *o = p->observe;

        if (!o) {
                o = calloc(1, sizeof(*o));
                if (!o)
                        return NULL;
                if (access_ring_init(&o->ring, OBSERVE_RING_MAX_SNAPSHOTS, max) < 0)
                        return mfree(o);
                o->ring_max_bytes = max;
                savings_history_init(&o->savings);
                p->observe = o;
        }
        if (o->ring_max_bytes != max) {
                o->ring.max_bytes = max;
                o->ring_max_bytes = max;
        }
        return o;
}

static ManagedProfile *profile_by_cookie(Manager *m, uint64_t cookie, ProfileObserve **ret) {
        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];

                if (p->observe && p->observe->next_cookie_pending == cookie) {
                        *ret = p->observe;
                        return p;
                }
        }
        return NULL;
}

static int on_snapshot_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = ASSERT_PTR(userdata);
        uint64_t now = clock_usec(CLOCK_MONOTONIC);
        int r;

        r = manager_observe_collect(m, now);
        if (r == -ENOMEM)
                return log_oom();
        /* the next profile that is due need not wait for the next health tick */
        return manager_observe_tick(m, now);
}

int manager_observe_setup(Manager *m) {
        _cleanup_free_ ManagerObserve *mo = NULL;
        int r;

        if (m->observe)
                return 0;
        mo = calloc(1, sizeof(*mo));
        if (!mo)
                return -ENOMEM;
        mo->setup_done = true;
        mo->next_cookie = 1;
        if (!damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_TRIED_REGIONS)) {
                m->observe = TAKE_PTR(mo);      /* no worker: every profile says why */
                return 0;
        }
        if (m->own_io) {
                r = damon_io_new_root(m->root, &mo->io);
                if (r < 0)
                        return r;
                mo->own_io = true;
        } else  /* tests: one fake kernel behind one DamonIO (its lock is recursive) */
                mo->io = m->snapshot_io ?: m->io;
        r = damon_snapshotter_new(mo->io, damon_sysfs_features(m->sysfs), &mo->snapshotter);
        if (r < 0) {
                if (mo->own_io)
                        damon_io_free(mo->io);
                return r;
        }
        /* a worker with a DamonIO apart from the manager's (its own, or the one tests hand in) runs
         * its commands beside the manager's: the manager's EBUSY then means "ours, try again later" */
        if (mo->io != m->io)
                damon_io_set_busy_flag(m->io, damon_snapshotter_busy_flag(mo->snapshotter));
        r = sd_event_add_io(m->event, &mo->source, damon_snapshotter_fd(mo->snapshotter), EPOLLIN,
                            on_snapshot_ready, m);
        if (r >= 0) {
                (void) sd_event_source_set_description(mo->source, "damond-snapshot");
                /* before the health tick: a result frees the worker for the next request */
                (void) sd_event_source_set_priority(mo->source, SD_EVENT_PRIORITY_NORMAL - 1);
        }
        m->observe = TAKE_PTR(mo);
        if (r < 0) {
                manager_observe_done(m);
                return r;
        }
        return 0;
}

void manager_observe_done(Manager *m) {
        ManagerObserve *mo = m->observe;

        if (!mo)
                return;
        mo->source = sd_event_source_disable_unref(mo->source);
        /* waits for a pending command: the busy flag lives in the snapshotter, so unset it after */
        mo->snapshotter = damon_snapshotter_free(mo->snapshotter);
        if (mo->io != m->io)
                damon_io_set_busy_flag(m->io, NULL);
        if (mo->own_io)
                damon_io_free(mo->io);
        m->observe = mfree(mo);
}

int manager_observe_wait_idle(Manager *m, uint64_t timeout_usec) {
        if (!m->observe || !m->observe->snapshotter)
                return 0;
        return damon_snapshotter_wait(m->observe->snapshotter, timeout_usec);
}

int manager_observe_fd(const Manager *m) {
        return m->observe && m->observe->snapshotter ? damon_snapshotter_fd(m->observe->snapshotter) : -EBADF;
}

/* --- savings --- */

static const char *profile_cgroup(const Manager *m, const ManagedProfile *p) {
        /* one followed cgroup: its counters are the profile's; several or none: the machine's */
        size_t nc = 0, nu = 0;

        while (p->compiled.cgroups && p->compiled.cgroups[nc])
                nc++;
        while (p->compiled.units && p->compiled.units[nu])
                nu++;
        if (nc == 1 && nu == 0)
                return p->compiled.cgroups[0];
        if (nc == 0 && nu == 1)
                return manager_unit_cgroup(m, p->compiled.units[0]);    /* NULL while it has none */
        return NULL;
}

static int sample_savings(Manager *m, ManagedProfile *p, ProfileObserve *o, uint64_t now_usec) {
        SavingsSample s = { .time_usec = now_usec, .page_size = 4096 };
        const char *cg = profile_cgroup(m, p);
        MemCounters c;
        long ps;
        int r;

        ps = sysconf(_SC_PAGESIZE);
        if (ps > 0)
                s.page_size = (uint64_t) ps;

        if (!(o->cgroup == cg || (o->cgroup && cg && streq(o->cgroup, cg)))) {
                /* another cgroup: the counters of the old one are no baseline for it */
                char *copy = NULL;

                if (cg) {
                        copy = strdup(cg);
                        if (!copy)
                                return -ENOMEM;
                }
                free(o->cgroup);
                o->cgroup = copy;
                savings_history_init(&o->savings);
        }

        for (size_t i = 0; i < p->tune.n_schemes; i++) {
                const SchemeTuneStatus *t = &p->tune.schemes[i];
                SavingsAction a;

                if (!t->has_stats)
                        continue;
                a = savings_action_of((DamosAction) t->action);
                if (a >= 0)
                        s.applied_bytes[a] += t->stats.sz_applied;
        }

        r = mem_counters_read(m->root, cg, &c);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_debug_errno(r, "Failed to read the memory counters of profile '%s', ignoring: %m", p->name);
        else {
                s.refaults = c.refaults;
                s.has_refaults = c.has_refaults;
                s.swapins = c.swapins;
                s.has_swapins = c.has_swapins;
                s.swapouts = c.swapouts;
                s.has_swapouts = c.has_swapouts;
                s.resident_bytes = c.resident_bytes;
                s.has_resident = c.has_resident;
                s.swap_bytes = c.swap_bytes;
                s.has_swap = c.has_swap;
                s.compressed_bytes = c.compressed_bytes;
                s.has_compressed = c.has_compressed;
                o->swap_counts_machine_wide = c.swap_counts_machine_wide;
        }
        if (p->pid > 0) {
                r = proc_pid_cpu_usec(m->root, p->pid, &s.kdamond_cpu_usec);
                s.has_cpu = r >= 0;
        }
        r = psi_read_total_usec(m->root, cg, PSI_SOME, &s.stall_usec);
        s.has_stall = r >= 0;

        r = savings_history_add(&o->savings, &s);
        if (r < 0)
                return log_debug_errno(r, "Savings sample of profile '%s' out of order, ignoring: %m", p->name);
        return 0;
}

static void journal_hourly(ManagedProfile *p, ProfileObserve *o, uint64_t now_usec) {
        char saved[32], applied[32], refaulted[32];
        SavingsDelta d;

        if (o->next_journal_usec == 0) {
                o->next_journal_usec = now_usec + OBSERVE_JOURNAL_USEC;
                return;
        }
        if (now_usec < o->next_journal_usec)
                return;
        o->next_journal_usec = now_usec + OBSERVE_JOURNAL_USEC;
        if (savings_history_window(&o->savings, OBSERVE_JOURNAL_USEC, &d) < 0)
                return;
        log_struct(LOG_INFO, 0,
                   LOG_FIELDS(.profile = p->name, LOG_KDAMOND(p->kdamond),
                              .message_id = DAMOND_MESSAGE_SAVINGS_HOURLY),
                   "Profile '%s' in the last %" PRIu64 " min: saved %s swapped out (pageout applied to %s), "
                   "refaulted %s, cost %s%" PRIu64 ".%02" PRIu64 "%% CPU.", p->name, d.duration_usec / (60 * USEC_PER_SEC),
                   d.has_swapouts ? format_size(saved, sizeof saved, d.swapout_bytes) : "n/a",
                   format_size(applied, sizeof applied, d.applied_bytes[SAVINGS_ACTION_PAGEOUT]),
                   d.has_refaults ? format_size(refaulted, sizeof refaulted, d.refault_bytes) : "n/a",
                   d.has_cpu ? "" : "n/a ", d.cpu_permyriad / 100, d.cpu_permyriad % 100);
}

/* --- snapshots --- */

/* Why a profile has no new snapshot while its kdamond's intervals are slow (damon_snapshot_read()'s
 * -ETIME): from 6.14 the kernel would hold DAMON's sysfs lock, and every reader of a kdamond's state,
 * through a whole scan. Snapshots resume when the intervals are short again. */
#define SNAPSHOT_SLOW_WALK \
        "paused: at this kdamond's current intervals the kernel would lock DAMON's sysfs files for over 2 s " \
        "per snapshot (one to two apply intervals, Linux 6.14+)"

static bool profile_wants_snapshots(const ManagedProfile *p, ssize_t *ret_scheme) {
        int i;

        if (p->state != PROFILE_RUN_RUNNING || p->kdamond < 0 || !p->has_applied)
                return false;
        i = damon_snapshot_scheme_index(&p->applied);
        if (i < 0)
                return false;
        *ret_scheme = i;
        return true;
}

static int queue_next_snapshot(Manager *m, uint64_t now_usec) {
        ManagerObserve *mo = m->observe;
        uint64_t interval = manager_snapshot_interval(m);

        if (!mo || !mo->snapshotter || interval == 0 || damon_snapshotter_busy(mo->snapshotter))
                return 0;
        for (size_t k = 0; k < m->n_profiles; k++) {
                size_t i = (mo->next_profile + k) % m->n_profiles;
                ManagedProfile *p = m->profiles[i];
                ProfileObserve *o;
                ssize_t scheme;
                int r;

                if (!profile_wants_snapshots(p, &scheme))
                        continue;
                o = profile_observe(m, p);
                if (!o)
                        return -ENOMEM;
                if (now_usec < o->next_snapshot_usec)
                        continue;
                r = damon_snapshotter_request(mo->snapshotter, (unsigned) p->kdamond, (size_t) scheme,
                                              mo->next_cookie);
                if (r == -EBUSY)        /* a result waits to be collected */
                        return 0;
                if (r < 0)
                        return r;
                o->next_cookie_pending = mo->next_cookie++;
                o->next_snapshot_usec = now_usec + interval;
                mo->next_profile = (i + 1) % m->n_profiles;
                return 1;
        }
        return 0;
}

int manager_observe_collect(Manager *m, uint64_t now_usec) {
        _cleanup_(access_snapshot_done) AccessSnapshot snap = {};
        DamonSnapshotResult res;
        ProfileObserve *o = NULL;
        ManagedProfile *p;
        int r;

        if (!m->observe || !m->observe->snapshotter)
                return 0;
        r = damon_snapshotter_collect(m->observe->snapshotter, &res);
        if (r == -EAGAIN)
                return 0;
        if (r < 0)
                return r;
        snap = res.snapshot;
        p = profile_by_cookie(m, res.cookie, &o);
        if (!p)         /* removed by a reload meanwhile */
                return 1;
        o->next_cookie_pending = 0;
        o->last_error = res.error;
        if (res.error == 0) {
                o->last_command_usec = res.command_usec;
                o->max_command_usec = MAX(o->max_command_usec, res.command_usec);
        }
        switch (res.error) {
        case 0:
                r = access_ring_push(&o->ring, &snap);
                if (r == -E2BIG) {
                        o->n_failed++;
                        o->last_error = r;
                        log_debug("Snapshot of profile '%s' (%zu regions) exceeds SnapshotHistoryMax=, dropped.",
                                  p->name, snap.n_regions);
                        return 1;
                }
                if (r < 0)
                        return r;
                o->n_snapshots++;
                return 1;
        case -ECANCELED:        /* every scheme off by its watermarks: nothing is monitored now */
        case -ENODATA:          /* the kernel timed out before applying the scheme: none this time */
        case -ESRCH:            /* the kdamond stopped: the health check deals with it */
        case -EAGAIN:
                o->n_failed++;
                return 1;
        case -EOPNOTSUPP:
                o->unavailable = "this kernel has no tried regions (Linux 6.2)";
                o->n_failed++;
                return 1;
        case -ETIME:            /* not asked: the kernel would hold its sysfs lock too long */
                o->unavailable = SNAPSHOT_SLOW_WALK;
                return 1;
        default:
                o->n_failed++;
                log_debug_errno(res.error, "Snapshot of profile '%s' failed, ignoring: %m", p->name);
                return 1;
        }
}

/* MetricsDirectory=: the file every StatusInterval=; a failure is logged when it first happens and when
 * it changes, not every interval. */
static int metrics_tick(Manager *m, uint64_t now_usec) {
        ManagerObserve *mo = m->observe;
        const char *dir = m->has_config ? m->config.metrics_directory : NULL;
        int r;

        if (!mo || isempty(dir) || now_usec < mo->next_metrics_usec)
                return 0;
        mo->next_metrics_usec = now_usec + manager_status_interval(m);
        r = manager_metrics_write(m, dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != mo->metrics_error)
                log_warning_errno(r, "Failed to write the metrics to %s/damond.prom, ignoring: %m", dir);
        else if (r >= 0 && mo->metrics_error < 0)
                log_info("Writing the metrics to %s/damond.prom again.", dir);
        mo->metrics_error = r < 0 ? r : 0;
        return 0;
}

int manager_observe_tick(Manager *m, uint64_t now_usec) {
        uint64_t status = manager_status_interval(m);
        bool tried;
        int r;

        if (!m->observe && (m->own_io || m->snapshot_io)) {
                r = manager_observe_setup(m);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_warning_errno(r, "Failed to start the snapshot worker, no access snapshots: %m");
                        m->observe = calloc(1, sizeof(*m->observe));
                        if (!m->observe)
                                return -ENOMEM;
                        m->observe->setup_done = true;
                }
        }
        tried = damon_features_has(damon_sysfs_features(m->sysfs), DAMON_FEATURE_TRIED_REGIONS);

        for (size_t i = 0; i < m->n_profiles; i++) {
                ManagedProfile *p = m->profiles[i];
                ProfileObserve *o;
                ssize_t scheme;

                if (p->state != PROFILE_RUN_RUNNING)
                        continue;
                o = profile_observe(m, p);
                if (!o)
                        return -ENOMEM;
                if (!tried)
                        o->unavailable = "this kernel has no tried regions (Linux 6.2)";
                else if (manager_snapshot_interval(m) == 0)
                        o->unavailable = "SnapshotInterval=0";
                else if (!m->observe || !m->observe->snapshotter)
                        o->unavailable = "the snapshot worker did not start";
                else if (!profile_wants_snapshots(p, &scheme))
                        o->unavailable = "no stat scheme that matches all memory";
                else if (o->unavailable && o->last_error != -EOPNOTSUPP && o->last_error != -ETIME)
                        o->unavailable = NULL;

                if (now_usec >= o->next_sample_usec) {
                        r = sample_savings(m, p, o, now_usec);
                        if (r == -ENOMEM)
                                return r;
                        o->next_sample_usec = now_usec + status;
                }
                journal_hourly(p, o, now_usec);
        }
        r = metrics_tick(m, now_usec);
        if (r == -ENOMEM)
                return r;
        r = queue_next_snapshot(m, now_usec);
        return r < 0 ? r : 0;
}

int profile_observe_access(const ManagedProfile *p, ObserveAccess *ret) {
        const AccessSnapshot *s;
        int r;

        if (!p->observe)
                return -ENODATA;
        s = access_ring_newest(&p->observe->ring);
        if (!s)
                return -ENODATA;
        *ret = (ObserveAccess) {
                .time_usec = s->time_usec,
                .total_bytes = access_snapshot_total_bytes(s),
                .bandwidth = access_snapshot_bandwidth(s),
                .n_regions = s->n_regions,
        };
        r = access_snapshot_wss(s, OBSERVE_WSS_WINDOW_USEC, &ret->wss_bytes, &ret->wss_window_usec);
        if (r < 0)
                return r;
        r = access_snapshot_idle_percentiles(s, access_percentiles, ACCESS_N_PERCENTILES, ret->idle_usec);
        if (r == -ENODATA)
                memset(ret->idle_usec, 0, sizeof(ret->idle_usec));
        else if (r < 0)
                return r;
        return 0;
}
