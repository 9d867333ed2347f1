/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "damon-snapshot.h"
#include "damon-sysfs-internal.h"

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static bool scheme_sees_everything(const DamonSpec *spec, const DamosScheme *s) {
        /* nr_accesses never exceeds aggr/sample (the ratio stays when the kernel tunes the intervals) */
        uint64_t max_nr = spec->attrs.sample_us > 0 ? MAX(spec->attrs.aggr_us / spec->attrs.sample_us, UINT64_C(1))
                                                    : UINT32_MAX;

        if (s->action != DAMOS_ACTION_STAT)
                return false;
        if (s->sz.min != 0 || s->nr_accesses.min != 0 || s->age.min != 0)
                return false;
        /* the kernel stores age as unsigned int: UINT32_MAX is "any" */
        if (s->sz.max != UINT64_MAX || s->nr_accesses.max < max_nr || s->age.max < UINT32_MAX)
                return false;
        if (s->quota.ms != 0 || s->quota.bytes != 0 || s->quota.n_goals != 0)
                return false;
        if (s->wmarks.metric != DAMOS_WMARK_NONE)
                return false;
        for (size_t i = 0; i < _DAMOS_FILTER_SET_MAX; i++)
                if (s->n_filters[i] != 0)
                        return false;
        return true;
}

int damon_snapshot_scheme_index(const DamonSpec *spec) {
        for (size_t i = 0; i < spec->n_schemes; i++)
                if (scheme_sees_everything(spec, &spec->schemes[i]))
                        return (int) i;
        return -ENOENT;
}

int damon_snapshot_add_scheme(DamonSpec *spec) {
        DamosScheme *s = damon_spec_add_scheme(spec);

        if (!s)
                return -ENOMEM;
        s->action = DAMOS_ACTION_STAT;
        s->sz = (DamonRange) { 0, UINT64_MAX };
        s->nr_accesses = (DamonRange) { 0, UINT32_MAX };
        s->age = (DamonRange) { 0, UINT32_MAX };
        return (int) (spec->n_schemes - 1);
}

static int read_rel_u64(DamonIO *io, unsigned index, const char *rel, uint64_t *ret) {
        char p[DAMON_IMAGE_PATH_MAX * 2];
        int r;

        r = damon_kdamond_path(p, sizeof(p), index, rel);
        if (r < 0)
                return r;
        return damon_io_read_u64(io, p, ret);
}

/* From 6.14 update_schemes_tried_regions is a damos_walk(): the kernel answers only once every scheme of
 * the kdamond has been applied over a whole apply interval (its apply_interval_us, or the aggregation
 * interval when 0), that is after one to two of the longest, and the writer holds DAMON's sysfs lock all
 * that time: every other reader of a kdamond's state or pid gets EBUSY meanwhile (6.17 and 7.x trylock it
 * in state_show() too). With the kernel's interval auto-tuning an aggregation can last a minute or more.
 * The longest such hold at the kdamond's current intervals (aggr_us as last published: refresh_ms keeps it
 * fresh on 6.17+). */
static int walk_hold_usec(DamonIO *io, const DamonFeatures *f, unsigned index, uint64_t *ret) {
        char rel[DAMON_IMAGE_PATH_MAX];
        uint64_t aggr_us, nr_schemes, longest = 0;
        int r;

        r = read_rel_u64(io, index, "contexts/0/monitoring_attrs/intervals/aggr_us", &aggr_us);
        if (r < 0)
                return r;
        r = read_rel_u64(io, index, "contexts/0/schemes/nr_schemes", &nr_schemes);
        if (r < 0)
                return r;
        for (uint64_t i = 0; i < nr_schemes; i++) {
                uint64_t apply_us = 0;

                if (damon_features_has(f, DAMON_FEATURE_APPLY_INTERVAL)) {
                        snprintf(rel, sizeof(rel), "contexts/0/schemes/%" PRIu64 "/apply_interval_us", i);
                        r = read_rel_u64(io, index, rel, &apply_us);
                        if (r < 0)
                                return r;
                }
                longest = MAX(longest, apply_us > 0 ? apply_us : aggr_us);
        }
        *ret = longest > UINT64_MAX / 2 ? UINT64_MAX : 2 * longest;
        return 0;
}

int damon_snapshot_read(DamonIO *io, const DamonFeatures *f, unsigned index, size_t scheme,
                        AccessSnapshot *ret, uint64_t *ret_command_usec) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(access_snapshot_done) AccessSnapshot snap = {};
        char path[DAMON_IMAGE_PATH_MAX * 2], rel[DAMON_IMAGE_PATH_MAX];
        char state[16];
        size_t cap = 0;
        uint64_t t0;
        int r;

        if (!damon_features_has(f, DAMON_FEATURE_TRIED_REGIONS))
                return -EOPNOTSUPP;

        damon_io_lock(io);
        r = damon_kdamond_path(path, sizeof(path), index, "state");
        if (r < 0)
                goto finish;
        r = damon_io_read(io, path, state, sizeof(state));
        if (r < 0)
                goto finish;
        if (!streq(state, "on")) {
                r = -ESRCH;
                goto finish;
        }
        if (damon_features_has(f, DAMON_FEATURE_FILTER_ALLOW)) {    /* 6.14: damos_walk() */
                uint64_t hold;

                r = walk_hold_usec(io, f, index, &hold);
                if (r < 0)
                        goto finish;
                if (hold > DAMON_SNAPSHOT_MAX_HOLD_USEC) {
                        r = -ETIME;
                        goto finish;
                }
        }
        t0 = now_usec(CLOCK_MONOTONIC);
        r = damon_io_write(io, path, "update_schemes_tried_regions");
        if (ret_command_usec)
                *ret_command_usec = now_usec(CLOCK_MONOTONIC) - t0;
        if (r == -EINVAL)       /* it stopped between the read and the write */
                r = -ESRCH;
        if (r < 0)
                goto finish;

        /* the intervals the regions are counted in (as last published: tuned ones need
         * update_tuned_intervals or refresh_ms on 6.15+) */
        r = read_rel_u64(io, index, "contexts/0/monitoring_attrs/intervals/sample_us", &snap.sample_us);
        if (r < 0)
                goto finish;
        r = read_rel_u64(io, index, "contexts/0/monitoring_attrs/intervals/aggr_us", &snap.aggr_us);
        if (r < 0)
                goto finish;

        snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/tried_regions", scheme);
        r = damon_kdamond_path(path, sizeof(path), index, rel);
        if (r < 0)
                goto finish;
        r = damon_io_list(io, path, &names);
        if (r < 0)
                goto finish;
        /* enumerate what is there: some kernels numbered these directories with gaps */
        for (char **name = names; *name; name++) {
                uint64_t v[4];
                static const char *const files[] = { "start", "end", "nr_accesses", "age" };

                if (strspn(*name, "0123456789") != strlen(*name))
                        continue;
                if (snap.n_regions >= DAMON_SNAPSHOT_MAX_REGIONS) {
                        r = -E2BIG;
                        goto finish;
                }
                for (size_t j = 0; j < ELEMENTSOF(files); j++) {
                        snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/tried_regions/%s/%s", scheme, *name,
                                 files[j]);
                        r = read_rel_u64(io, index, rel, &v[j]);
                        if (r < 0)
                                goto finish;
                }
                if (snap.n_regions == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        AccessRegion *a = realloc(snap.regions, ncap * sizeof(AccessRegion));

                        if (!a) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        snap.regions = a;
                        cap = ncap;
                }
                snap.regions[snap.n_regions++] = (AccessRegion) {
                        .start = v[0],
                        .end = v[1],
                        .nr_accesses = (uint32_t) MIN(v[2], (uint64_t) UINT32_MAX),
                        .age = (uint32_t) MIN(v[3], (uint64_t) UINT32_MAX),
                };
        }
        /* No region at all, while the scheme matches all memory: the kernel gave up waiting for the scheme
         * to be applied (before 6.14 the update times out after two apply intervals of wall time, which a
         * kdamond slower than its intervals, under load, misses) and answered with nothing. Not a
         * snapshot of idle memory: no snapshot. */
        if (snap.n_regions == 0) {
                r = -ENODATA;
                goto finish;
        }
        if (cap > snap.n_regions) {
                /* give back the slack: the ring charges what is held */
                AccessRegion *a = realloc(snap.regions, snap.n_regions * sizeof(AccessRegion));

                if (a)
                        snap.regions = a;
        }
        snap.time_usec = now_usec(CLOCK_REALTIME);
        *ret = snap;
        snap = (AccessSnapshot) {};
        r = 0;
finish:
        damon_io_unlock(io);
        return r;
}

struct DamonSnapshotter {
        DamonIO *io;
        DamonFeatures features;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_cond_t done;            /* broadcast when a request ends (damon_snapshotter_wait()) */
        int efd;
        bool has_request, has_result, quit, started;
        atomic_bool busy;
        unsigned index;
        size_t scheme;
        uint64_t cookie;
        DamonSnapshotResult result;
};

static void *worker(void *userdata) {
        DamonSnapshotter *s = userdata;

        pthread_mutex_lock(&s->lock);
        for (;;) {
                DamonSnapshotResult res = {};
                uint64_t one = 1;

                while (!s->has_request && !s->quit)
                        pthread_cond_wait(&s->cond, &s->lock);
                if (s->quit)
                        break;
                res.cookie = s->cookie;
                res.index = s->index;
                res.scheme = s->scheme;
                pthread_mutex_unlock(&s->lock);

                res.error = damon_snapshot_read(s->io, &s->features, res.index, res.scheme, &res.snapshot,
                                                &res.command_usec);

                pthread_mutex_lock(&s->lock);
                s->result = res;
                s->has_result = true;
                s->has_request = false;
                atomic_store(&s->busy, false);
                pthread_cond_broadcast(&s->done);
                (void) !write(s->efd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

int damon_snapshotter_new(DamonIO *io, const DamonFeatures *f, DamonSnapshotter **ret) {
        pthread_condattr_t attr;
        DamonSnapshotter *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->io = io;
        s->features = *f;
        s->efd = -EBADF;
        atomic_init(&s->busy, false);
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        /* damon_snapshotter_wait()'s limit is a duration: not moved by changes of the wall clock */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&s->done, &attr);
        pthread_condattr_destroy(&attr);
        s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->efd < 0) {
                r = -errno;
                damon_snapshotter_free(s);
                return r;
        }
        r = -pthread_create(&s->thread, NULL, worker, s);
        if (r < 0) {
                damon_snapshotter_free(s);
                return r;
        }
        s->started = true;
        *ret = s;
        return 0;
}

DamonSnapshotter *damon_snapshotter_free(DamonSnapshotter *s) {
        if (!s)
                return NULL;
        if (s->started) {
                pthread_mutex_lock(&s->lock);
                s->quit = true;
                pthread_cond_signal(&s->cond);
                pthread_mutex_unlock(&s->lock);
                pthread_join(s->thread, NULL);
        }
        access_snapshot_done(&s->result.snapshot);
        if (s->efd >= 0)
                close(s->efd);
        pthread_cond_destroy(&s->cond);
        pthread_cond_destroy(&s->done);
        pthread_mutex_destroy(&s->lock);
        return mfree(s);
}

int damon_snapshotter_fd(const DamonSnapshotter *s) {
        return s->efd;
}

const atomic_bool *damon_snapshotter_busy_flag(const DamonSnapshotter *s) {
        return &s->busy;
}

bool damon_snapshotter_busy(const DamonSnapshotter *s) {
        return atomic_load(&s->busy);
}

int damon_snapshotter_wait(DamonSnapshotter *s, uint64_t timeout_usec) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
        struct timespec ts = {
                .tv_sec = (time_t) (deadline / USEC_PER_SEC),
                .tv_nsec = (long) (deadline % USEC_PER_SEC) * 1000,
        };
        int r;

        pthread_mutex_lock(&s->lock);
        while (s->has_request)
                if (pthread_cond_timedwait(&s->done, &s->lock, &ts) == ETIMEDOUT)
                        break;
        r = s->has_request ? -ETIMEDOUT : 0;
        pthread_mutex_unlock(&s->lock);
        return r;
}

int damon_snapshotter_request(DamonSnapshotter *s, unsigned index, size_t scheme, uint64_t cookie) {
        int r = 0;

        pthread_mutex_lock(&s->lock);
        if (s->has_request || s->has_result)
                r = -EBUSY;
        else {
                s->index = index;
                s->scheme = scheme;
                s->cookie = cookie;
                s->has_request = true;
                atomic_store(&s->busy, true);
                pthread_cond_signal(&s->cond);
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

int damon_snapshotter_collect(DamonSnapshotter *s, DamonSnapshotResult *ret) {
        uint64_t v;
        int r = 0;

        pthread_mutex_lock(&s->lock);
        if (!s->has_result)
                r = -EAGAIN;
        else {
                *ret = s->result;
                s->result = (DamonSnapshotResult) {};
                s->has_result = false;
                (void) !read(s->efd, &v, sizeof(v));
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}
