/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition of damond's state (metrics.h). One function per metric family: the
 * format wants every sample of a family right after its # HELP and # TYPE lines, so each family walks
 * the profiles itself.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "manager-internal.h"
#include "mem-counters.h"
#include "metrics.h"
#include "observe.h"
#include "profile.h"
#include "tune-status.h"

#define METRICS_FILE "damond.prom"
#define strempty(s) ((s) ?: "")
#define METRICS_TMP_FILE ".damond.prom.tmp"

void metrics_write_label_value(FILE *f, const char *v) {
        for (; v && *v; v++)
                switch (*v) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(*v, f);
                }
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{profile="P"[,k="v"...]} as the start of a sample; @kv: pairs of label name and value, NULL-ended */
static void sample_start(FILE *f, const char *name, const char *profile, const char *const *kv) {
        bool first = true;

        fputs(name, f);
        if (!profile && (!kv || !kv[0]))
                return;
        fputc('{', f);
        if (profile) {
                fputs("profile=\"", f);
                metrics_write_label_value(f, profile);
                fputc('"', f);
                first = false;
        }
        for (; kv && kv[0]; kv += 2) {
                fprintf(f, "%s%s=\"", first ? "" : ",", kv[0]);
                metrics_write_label_value(f, kv[1]);
                fputc('"', f);
                first = false;
        }
        fputc('}', f);
}

static void sample_u64(FILE *f, const char *name, const char *profile, const char *const *kv, uint64_t v) {
        sample_start(f, name, profile, kv);
        fprintf(f, " %" PRIu64 "\n", v);
}

/* µs as seconds, exactly */
static void sample_usec(FILE *f, const char *name, const char *profile, const char *const *kv, uint64_t usec) {
        sample_start(f, name, profile, kv);
        fprintf(f, " %" PRIu64 ".%06" PRIu64 "\n", usec / USEC_PER_SEC, usec % USEC_PER_SEC);
}

static bool running(const ManagedProfile *p) {
        return p->state == PROFILE_RUN_RUNNING;
}

/* --- damond itself --- */

static void emit_damond(Manager *m, FILE *f) {
        struct utsname u;
        uint64_t v;

        family(f, "damond_info", "gauge", "damond's version and the kernel it runs on, as labels (value 1).");
        if (uname(&u) < 0)
                u.release[0] = 0;
        {
                const char *kv[] = { "version", DAMOND_VERSION, "kernel", u.release, NULL };

                sample_u64(f, "damond_info", NULL, kv, 1);
        }
        /* of damond's own process, below the root: a fake root (tests) has none, and the samples go */
        if (proc_pid_cpu_usec(m->root, getpid(), &v) >= 0) {
                family(f, "damond_cpu_seconds_total", "counter",
                       "CPU time damond has used (user and system, all its threads).");
                sample_usec(f, "damond_cpu_seconds_total", NULL, NULL, v);
        }
        if (proc_pid_rss_bytes(m->root, getpid(), &v) >= 0) {
                family(f, "damond_resident_memory_bytes", "gauge", "damond's resident memory.");
                sample_u64(f, "damond_resident_memory_bytes", NULL, NULL, v);
        }
        family(f, "damond_profiles", "gauge", "Profiles damond knows.");
        sample_u64(f, "damond_profiles", NULL, NULL, m->n_profiles);
}

/* --- per profile --- */

static void emit_state(Manager *m, FILE *f) {
        family(f, "damond_profile_state", "gauge",
               "The profile's state as a label (value 1): running, blocked, waiting, failed, stopped, disabled.");
        for (size_t i = 0; i < m->n_profiles; i++) {
                const char *kv[] = { "state", profile_run_state_to_string(m->profiles[i]->state), NULL };

                sample_u64(f, "damond_profile_state", m->profiles[i]->name, kv, 1);
        }
        family(f, "damond_profile_restarts_total", "counter", "How often the profile's kdamond was restarted.");
        for (size_t i = 0; i < m->n_profiles; i++)
                sample_u64(f, "damond_profile_restarts_total", m->profiles[i]->name, NULL,
                           m->profiles[i]->n_restarts);
}

static void emit_access(Manager *m, FILE *f) {
        /* computed once per profile: percentiles sort the regions */
        _cleanup_free_ ObserveAccess *a = NULL;
        _cleanup_free_ bool *have = NULL;
        bool any = false;

        if (m->n_profiles == 0)
                return;
        a = calloc(m->n_profiles, sizeof(*a));
        have = calloc(m->n_profiles, sizeof(*have));
        if (!a || !have)
                return;
        for (size_t i = 0; i < m->n_profiles; i++) {
                have[i] = running(m->profiles[i]) && profile_observe_access(m->profiles[i], &a[i]) >= 0;
                any = any || have[i];
        }
        if (!any)
                return;

#define EACH for (size_t i = 0; i < m->n_profiles; i++) if (have[i])
        family(f, "damond_working_set_bytes", "gauge",
               "Bytes accessed within damond_working_set_window_seconds, from the newest access snapshot.");
        EACH sample_u64(f, "damond_working_set_bytes", m->profiles[i]->name, NULL, a[i].wss_bytes);
        family(f, "damond_working_set_window_seconds", "gauge",
               "The window of the working set (10 s, or one aggregation interval if that is longer).");
        EACH sample_usec(f, "damond_working_set_window_seconds", m->profiles[i]->name, NULL, a[i].wss_window_usec);
        family(f, "damond_monitored_bytes", "gauge", "Bytes in DAMON's regions in the newest access snapshot.");
        EACH sample_u64(f, "damond_monitored_bytes", m->profiles[i]->name, NULL, a[i].total_bytes);
        family(f, "damond_monitored_regions", "gauge", "DAMON's regions in the newest access snapshot.");
        EACH sample_u64(f, "damond_monitored_regions", m->profiles[i]->name, NULL, a[i].n_regions);
        family(f, "damond_idle_seconds", "gauge",
               "Idle-time percentiles of the monitored bytes: the given percentile of the bytes has been idle "
               "for at most this long.");
        EACH for (size_t k = 0; k < ACCESS_N_PERCENTILES; k++) {
                char pct[8];
                const char *kv[] = { "percentile", pct, NULL };

                snprintf(pct, sizeof pct, "%u", access_percentiles[k]);
                sample_usec(f, "damond_idle_seconds", m->profiles[i]->name, kv, a[i].idle_usec[k]);
        }
        family(f, "damond_access_bandwidth_bytes_per_second", "gauge",
               "Estimated bandwidth of access events as DAMON_STAT computes it (sampled: a relative figure).");
        EACH sample_u64(f, "damond_access_bandwidth_bytes_per_second", m->profiles[i]->name, NULL, a[i].bandwidth);
        family(f, "damond_snapshot_timestamp_seconds", "gauge", "When the newest access snapshot was taken.");
        EACH sample_usec(f, "damond_snapshot_timestamp_seconds", m->profiles[i]->name, NULL, a[i].time_usec);
#undef EACH
}

static void emit_snapshots(Manager *m, FILE *f) {
#define EACH for (size_t i = 0; i < m->n_profiles; i++) if (m->profiles[i]->observe)
#define O (m->profiles[i]->observe)
        bool any = false;

        for (size_t i = 0; i < m->n_profiles; i++)
                any = any || m->profiles[i]->observe;
        if (!any)
                return;
        family(f, "damond_snapshots_total", "counter", "Access snapshots taken.");
        EACH sample_u64(f, "damond_snapshots_total", m->profiles[i]->name, NULL, O->n_snapshots);
        family(f, "damond_snapshot_failures_total", "counter",
               "Access snapshots that failed (the kdamond stopped, every scheme off by its watermarks, ...).");
        EACH sample_u64(f, "damond_snapshot_failures_total", m->profiles[i]->name, NULL, O->n_failed);
        family(f, "damond_snapshot_history_bytes", "gauge", "Memory the kept access snapshots take.");
        EACH sample_u64(f, "damond_snapshot_history_bytes", m->profiles[i]->name, NULL, O->ring.bytes);
        family(f, "damond_snapshot_history_max_bytes", "gauge",
               "The ceiling of that memory (SnapshotHistoryMax=).");
        EACH sample_u64(f, "damond_snapshot_history_max_bytes", m->profiles[i]->name, NULL, O->ring.max_bytes);
        family(f, "damond_snapshot_command_seconds", "gauge",
               "How long the kernel made the last snapshot's state command wait (on damond's worker thread).");
        EACH if (O->n_snapshots > 0)
                sample_usec(f, "damond_snapshot_command_seconds", m->profiles[i]->name, NULL, O->last_command_usec);
        family(f, "damond_snapshot_command_max_seconds", "gauge",
               "The longest such wait since the profile's observation started.");
        EACH if (O->n_snapshots > 0)
                sample_usec(f, "damond_snapshot_command_max_seconds", m->profiles[i]->name, NULL, O->max_command_usec);
#undef O
#undef EACH
}

typedef uint64_t (*StatGetter)(const SchemeTuneStatus *t);

static uint64_t st_nr_tried(const SchemeTuneStatus *t) { return t->stats.nr_tried; }
static uint64_t st_sz_tried(const SchemeTuneStatus *t) { return t->stats.sz_tried; }
static uint64_t st_nr_applied(const SchemeTuneStatus *t) { return t->stats.nr_applied; }
static uint64_t st_sz_applied(const SchemeTuneStatus *t) { return t->stats.sz_applied; }
static uint64_t st_qt_exceeds(const SchemeTuneStatus *t) { return t->stats.qt_exceeds; }

static void emit_scheme_family(Manager *m, FILE *f, const char *name, const char *type, const char *help,
                               bool need_stats, StatGetter get, bool (*known)(const SchemeTuneStatus *)) {
        bool header = false;

        for (size_t i = 0; i < m->n_profiles; i++) {
                const ManagedProfile *p = m->profiles[i];

                if (!running(p))
                        continue;
                for (size_t s = 0; s < p->tune.n_schemes; s++) {
                        const SchemeTuneStatus *t = &p->tune.schemes[s];
                        const char *kv[] = { "scheme", strempty(t->name), "action",
                                             strempty(damos_action_to_string((DamosAction) t->action)), NULL };

                        if ((need_stats && !t->has_stats) || (known && !known(t)))
                                continue;
                        if (!header) {
                                family(f, name, type, help);
                                header = true;
                        }
                        sample_u64(f, name, p->name, kv, get(t));
                }
        }
}

static bool effective_known(const SchemeTuneStatus *t) { return t->effective_quota != TUNE_UNKNOWN; }
static uint64_t st_effective(const SchemeTuneStatus *t) { return t->effective_quota; }
static bool quota_known(const SchemeTuneStatus *t) { return t->quota_size > 0; }
static uint64_t st_quota(const SchemeTuneStatus *t) { return t->quota_size; }
static bool applied_quota_known(const SchemeTuneStatus *t) { return t->quota_applied > 0; }
static uint64_t st_applied_quota(const SchemeTuneStatus *t) { return t->quota_applied; }

static void emit_schemes(Manager *m, FILE *f) {
        bool header = false;

        emit_scheme_family(m, f, "damond_scheme_tried_regions_total", "counter",
                           "Regions the scheme was tried on (DAMOS stats nr_tried, since its kdamond started).",
                           true, st_nr_tried, NULL);
        emit_scheme_family(m, f, "damond_scheme_tried_bytes_total", "counter",
                           "Bytes the scheme was tried on (sz_tried).", true, st_sz_tried, NULL);
        emit_scheme_family(m, f, "damond_scheme_applied_regions_total", "counter",
                           "Regions the scheme's action was applied to (nr_applied).", true, st_nr_applied, NULL);
        emit_scheme_family(m, f, "damond_scheme_applied_bytes_total", "counter",
                           "Bytes the scheme's action was applied to (sz_applied; for stat: all it saw).", true,
                           st_sz_applied, NULL);
        emit_scheme_family(m, f, "damond_scheme_quota_exceeds_total", "counter",
                           "How often the scheme hit its quota (qt_exceeds).", true, st_qt_exceeds, NULL);
        emit_scheme_family(m, f, "damond_scheme_effective_quota_bytes", "gauge",
                           "The size quota the kernel's tuner settled on (Linux 6.9), or damond's own.", false,
                           st_effective, effective_known);
        emit_scheme_family(m, f, "damond_scheme_quota_bytes", "gauge", "QuotaSize= as configured.", false, st_quota,
                           quota_known);
        emit_scheme_family(m, f, "damond_scheme_applied_quota_bytes", "gauge",
                           "The size quota damond has the kernel apply now (tuning, back-off).", false,
                           st_applied_quota, applied_quota_known);

        for (size_t i = 0; i < m->n_profiles; i++) {
                const ManagedProfile *p = m->profiles[i];

                for (size_t s = 0; running(p) && s < p->tune.n_schemes; s++) {
                        const SchemeTuneStatus *t = &p->tune.schemes[s];
                        const char *kv[] = { "scheme", strempty(t->name), "state",
                                             strempty(tune_state_to_string(t->state)), NULL };

                        if (!header) {
                                family(f, "damond_scheme_tuning_state", "gauge",
                                       "The scheme's tuning state as a label (value 1): none, tuning, backed-off, "
                                       "paused.");
                                header = true;
                        }
                        sample_u64(f, "damond_scheme_tuning_state", p->name, kv, 1);
                }
        }
}

static void emit_goals(Manager *m, FILE *f, bool target) {
        const char *name = target ? "damond_goal_target" : "damond_goal_value";
        bool header = false;

        for (size_t i = 0; i < m->n_profiles; i++) {
                const ManagedProfile *p = m->profiles[i];

                for (size_t s = 0; running(p) && s < p->tune.n_schemes; s++) {
                        const SchemeTuneStatus *t = &p->tune.schemes[s];

                        for (size_t g = 0; g < t->n_goals; g++) {
                                const GoalStatus *gs = &t->goals[g];
                                char idx[24];
                                const char *kv[] = { "scheme", strempty(t->name), "goal", idx, "metric",
                                                     strempty(profile_goal_metric_to_string(gs->metric)), NULL };
                                uint64_t v = target ? gs->target : gs->current;

                                if (v == TUNE_UNKNOWN)
                                        continue;
                                snprintf(idx, sizeof idx, "%zu", g);
                                if (!header) {
                                        family(f, name, "gauge", target ?
                                               "A quota goal's target, in its metric's unit (damond.conf(5), "
                                               "Metric=)." :
                                               "A quota goal's current value, in its metric's unit.");
                                        header = true;
                                }
                                sample_u64(f, name, p->name, kv, v);
                        }
                }
        }
}

/* Savings: the latest sample's cumulative counters (observe.h), of the profile's cgroup or the machine. */
static void emit_savings(Manager *m, FILE *f) {
#define EACH for (size_t i = 0; i < m->n_profiles; i++) \
        if (running(m->profiles[i]) && m->profiles[i]->observe && m->profiles[i]->observe->savings.has_first)
#define L (m->profiles[i]->observe->savings.latest)
#define F (m->profiles[i]->observe->savings.first)
#define CG (m->profiles[i]->observe->cgroup ?: "")
/* swap-ins and swap-outs are the machine's where the cgroup's memory.stat has no pswpin (6.12 and older) */
#define SWAP_CG (m->profiles[i]->observe->swap_counts_machine_wide ? "" : CG)
        bool any = false, hdr;

        for (size_t i = 0; i < m->n_profiles; i++)
                any = any || (running(m->profiles[i]) && m->profiles[i]->observe &&
                              m->profiles[i]->observe->savings.has_first);
        if (!any)
                return;

        family(f, "damond_applied_bytes_total", "counter",
               "Bytes the profile's schemes acted on, summed per kind of action (pageout, cold, hot, migrate, "
               "hugepage, stat), since its kdamond started.");
        EACH for (SavingsAction a = 0; a < _SAVINGS_ACTION_MAX; a++) {
                const char *kv[] = { "action", savings_action_to_string(a), NULL };

                sample_u64(f, "damond_applied_bytes_total", m->profiles[i]->name, kv, L.applied_bytes[a]);
        }

        hdr = false;
        EACH if (L.has_refaults) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_refault_bytes_total", "counter",
                               "Refaulted bytes (workingset_refault_anon + _file) of the profile's cgroup "
                               "(label cgroup) or of the machine (cgroup=\"\"), not attributed to damond.");
                hdr = true;
                sample_u64(f, "damond_refault_bytes_total", m->profiles[i]->name, kv, L.refaults * L.page_size);
        }
        hdr = false;
        EACH if (L.has_swapins) {
                const char *kv[] = { "cgroup", SWAP_CG, NULL };

                if (!hdr)
                        family(f, "damond_swapin_bytes_total", "counter",
                               "Swapped-in bytes (pswpin) of the cgroup, or of the machine (cgroup=\"\", also where the "
                               "cgroup's memory.stat has no pswpin).");
                hdr = true;
                sample_u64(f, "damond_swapin_bytes_total", m->profiles[i]->name, kv, L.swapins * L.page_size);
        }
        hdr = false;
        EACH if (L.has_swapouts) {
                const char *kv[] = { "cgroup", SWAP_CG, NULL };

                if (!hdr)
                        family(f, "damond_swapout_bytes_total", "counter",
                               "Swapped-out bytes (pswpout) of the cgroup, or of the machine: what left memory for "
                               "swap, by damond's pageout or any other reclaim.");
                hdr = true;
                sample_u64(f, "damond_swapout_bytes_total", m->profiles[i]->name, kv, L.swapouts * L.page_size);
        }
        hdr = false;
        EACH if (L.has_cpu) {
                if (!hdr)
                        family(f, "damond_kdamond_cpu_seconds_total", "counter",
                               "CPU time of the profile's kdamond (utime + stime), since it started.");
                hdr = true;
                sample_usec(f, "damond_kdamond_cpu_seconds_total", m->profiles[i]->name, NULL, L.kdamond_cpu_usec);
        }
        hdr = false;
        EACH if (L.has_stall) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_memory_stall_seconds_total", "counter",
                               "\"some\" memory stall (PSI total) of the cgroup, or of the machine.");
                hdr = true;
                sample_usec(f, "damond_memory_stall_seconds_total", m->profiles[i]->name, kv, L.stall_usec);
        }
        hdr = false;
        EACH if (L.has_resident) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_resident_bytes", "gauge",
                               "memory.current of the cgroup, or MemTotal - MemAvailable of the machine.");
                hdr = true;
                sample_u64(f, "damond_resident_bytes", m->profiles[i]->name, kv, L.resident_bytes);
        }
        hdr = false;
        EACH if (F.has_resident) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_resident_baseline_bytes", "gauge",
                               "The same at damond's first sample of the profile (the baseline).");
                hdr = true;
                sample_u64(f, "damond_resident_baseline_bytes", m->profiles[i]->name, kv, F.resident_bytes);
        }
        hdr = false;
        EACH if (L.has_swap) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_swap_bytes", "gauge",
                               "memory.swap.current of the cgroup, or SwapTotal - SwapFree of the machine.");
                hdr = true;
                sample_u64(f, "damond_swap_bytes", m->profiles[i]->name, kv, L.swap_bytes);
        }
        hdr = false;
        EACH if (L.has_compressed) {
                const char *kv[] = { "cgroup", CG, NULL };

                if (!hdr)
                        family(f, "damond_compressed_bytes", "gauge",
                               "Memory that compressed swap (zswap, zram) takes.");
                hdr = true;
                sample_u64(f, "damond_compressed_bytes", m->profiles[i]->name, kv, L.compressed_bytes);
        }
#undef CG
#undef F
#undef L
#undef EACH
}

int manager_metrics_format(Manager *m, FILE *f) {
        emit_damond(m, f);
        emit_state(m, f);
        emit_access(m, f);
        emit_snapshots(m, f);
        emit_schemes(m, f);
        emit_goals(m, f, false);
        emit_goals(m, f, true);
        emit_savings(m, f);
        if (fflush(f) != 0 || ferror(f))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int manager_metrics_to_string(Manager *m, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = manager_metrics_format(m, f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

int manager_metrics_write(Manager *m, const char *dir) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        size_t len, done = 0;
        int r;

        r = manager_metrics_to_string(m, &text);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        fd = openat(dfd, METRICS_TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        /* the unit's UMask=0077 would leave it unreadable for node_exporter's user */
        if (fchmod(fd, 0644) < 0) {
                r = -errno;
                goto fail;
        }
        len = strlen(text);
        while (done < len) {
                ssize_t n = write(fd, text + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        goto fail;
                }
                done += (size_t) n;
        }
        if (renameat(dfd, METRICS_TMP_FILE, dfd, METRICS_FILE) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        (void) unlinkat(dfd, METRICS_TMP_FILE, 0);
        return r;
}
