/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>

#include "damon-modules.h"
#include "damon-sysfs-internal.h"
#include "units.h"

#define OWNED_MAX 64

struct DamonSysfs {
        DamonIO *io;
        DamonFeatures storage;
        const DamonFeatures *features;
        uint64_t owned;         /* bit K: we own kdamonds/K */
};

int damon_sysfs_new(DamonIO *io, DamonSysfs **ret) {
        DamonSysfs *s;

        if (!io || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->io = io;
        s->storage.mask = DAMON_FEATURE_BIT(DAMON_FEATURE_SYSFS);
        s->storage.ops_mask = (1u << DAMON_OPS_VADDR) | (1u << DAMON_OPS_PADDR);
        s->features = &s->storage;
        *ret = s;
        return 0;
}

int damon_sysfs_probe(DamonSysfs *s) {
        unsigned owned[OWNED_MAX];
        size_t n = 0;
        DamonFeatures f;
        int r;

        for (unsigned i = 0; i < OWNED_MAX; i++)
                if (damon_sysfs_owns(s, i))
                        owned[n++] = i;
        damon_io_lock(s->io);
        r = damon_features_probe(s->io, owned, n, &f);
        damon_io_unlock(s->io);
        if (r < 0)
                return r;
        s->storage = f;
        s->features = &s->storage;
        return 0;
}

void damon_sysfs_set_features(DamonSysfs *s, const DamonFeatures *f) {
        s->storage = *f;
        s->features = &s->storage;
}

DamonSysfs *damon_sysfs_free(DamonSysfs *s) {
        return mfree(s);
}

DamonIO *damon_sysfs_io(const DamonSysfs *s) {
        return s->io;
}

const DamonFeatures *damon_sysfs_features(const DamonSysfs *s) {
        return s->features;
}

bool damon_sysfs_owns(const DamonSysfs *s, unsigned index) {
        return index < OWNED_MAX && (s->owned & (UINT64_C(1) << index));
}

int damon_sysfs_own(DamonSysfs *s, unsigned index) {
        char p[DAMON_IMAGE_PATH_MAX];
        int r;

        if (index >= OWNED_MAX)
                return -E2BIG;
        r = damon_kdamond_path(p, sizeof(p), index, "state");
        if (r < 0)
                return r;
        r = damon_io_exists(s->io, p);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        s->owned |= UINT64_C(1) << index;
        return 0;
}

void damon_sysfs_disown(DamonSysfs *s, unsigned index) {
        if (index < OWNED_MAX)
                s->owned &= ~(UINT64_C(1) << index);
}

static int require_owned(DamonSysfs *s, unsigned index, DamonError *reterr) {
        if (damon_sysfs_owns(s, index))
                return 0;
        damon_error_set(reterr, "kdamond %u is not ours; refusing to write any of its files", index);
        return -EPERM;
}

static int kd_read(DamonSysfs *s, unsigned index, const char *rel, char *buf, size_t size) {
        char p[DAMON_IMAGE_PATH_MAX];
        int r;

        r = damon_kdamond_path(p, sizeof(p), index, rel);
        if (r < 0)
                return r;
        return damon_io_read(s->io, p, buf, size);
}

static int kd_read_u64(DamonSysfs *s, unsigned index, const char *rel, uint64_t *ret) {
        char buf[64];
        int r;

        r = kd_read(s, index, rel, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_u64_kernel(buf, ret);
}

static int kd_write(DamonSysfs *s, unsigned index, const char *rel, const char *value, DamonError *reterr) {
        char p[DAMON_IMAGE_PATH_MAX];
        int r;

        r = damon_kdamond_path(p, sizeof(p), index, rel);
        if (r < 0)
                return r;
        r = damon_io_write(s->io, p, value);
        if (r < 0)
                damon_error_set(reterr, "writing '%s' to %s failed: %s", value, p, strerror(-r));
        return r;
}

int damon_sysfs_read_state(DamonSysfs *s, unsigned index, DamonKdamondState *ret_state, pid_t *ret_pid) {
        char buf[16];
        int64_t pid = -1;
        int r;

        r = kd_read(s, index, "state", buf, sizeof(buf));
        if (r < 0)
                return r;
        if (streq(buf, "on")) {
                if (ret_state)
                        *ret_state = DAMON_KDAMOND_ON;
        } else if (streq(buf, "off")) {
                if (ret_state)
                        *ret_state = DAMON_KDAMOND_OFF;
        } else
                return -EBADMSG;

        if (ret_pid) {
                char p[DAMON_IMAGE_PATH_MAX];

                r = damon_kdamond_path(p, sizeof(p), index, "pid");
                if (r < 0)
                        return r;
                r = damon_io_read_s64(s->io, p, &pid);
                if (r < 0)
                        return r;
                *ret_pid = (pid_t) pid;
        }
        return 0;
}

int damon_sysfs_count_kdamonds(DamonSysfs *s, unsigned *ret_nr, unsigned *ret_nr_running) {
        uint64_t nr;
        unsigned running = 0;
        int r;

        r = damon_io_read_u64(s->io, DAMON_KDAMONDS_DIR "/nr_kdamonds", &nr);
        if (r < 0)
                return r;
        if (nr > OWNED_MAX * 16)
                return -EBADMSG;
        for (unsigned i = 0; i < nr; i++) {
                DamonKdamondState st;

                r = damon_sysfs_read_state(s, i, &st, NULL);
                if (r < 0)
                        return r;
                if (st == DAMON_KDAMOND_ON)
                        running++;
        }
        if (ret_nr)
                *ret_nr = (unsigned) nr;
        if (ret_nr_running)
                *ret_nr_running = running;
        return 0;
}

int damon_sysfs_add_kdamonds(DamonSysfs *s, unsigned n, unsigned *ret_first, DamonError *reterr) {
        uint64_t nr;
        int r;

        if (n == 0 || !ret_first)
                return -EINVAL;

        damon_io_lock(s->io);
        r = damon_io_read_u64(s->io, DAMON_KDAMONDS_DIR "/nr_kdamonds", &nr);
        if (r < 0) {
                damon_error_set(reterr, "cannot read %s/nr_kdamonds: %s", DAMON_KDAMONDS_DIR, strerror(-r));
                goto finish;
        }
        if (nr + n > OWNED_MAX) {
                damon_error_set(reterr, "too many kdamonds (%" PRIu64 " + %u)", nr, n);
                r = -E2BIG;
                goto finish;
        }
        /* Writing nr_kdamonds wipes every kdamond directory: only when nobody else's is there and
         * nothing runs (the kernel would refuse with EBUSY anyway). */
        for (unsigned i = 0; i < nr; i++) {
                DamonKdamondState st;
                pid_t pid;

                r = damon_sysfs_read_state(s, i, &st, &pid);
                if (r < 0) {
                        damon_error_set(reterr, "cannot read the state of kdamond %u: %s", i, strerror(-r));
                        goto finish;
                }
                if (st == DAMON_KDAMOND_ON) {
                        damon_error_set(reterr, "kdamond %u (%s, pid %d) is running; the kernel cannot add "
                                        "kdamonds while any kdamond runs",
                                        i, damon_sysfs_owns(s, i) ? "ours" : "another DAMON user's", (int) pid);
                        r = -EBUSY;
                        goto finish;
                }
                if (!damon_sysfs_owns(s, i)) {
                        /* stopped, but maybe still wanted: only its user (or the administrator) can say */
                        damon_error_set(reterr, "kdamond %u belongs to another DAMON user: it is stopped, but adding "
                                        "a kdamond for damond would wipe its configuration; if its user no longer "
                                        "needs it, remove it by writing 0 to /" DAMON_KDAMONDS_DIR "/"
                                        "nr_kdamonds (which removes every kdamond, all stopped), and damond takes "
                                        "over at its next retry", i);
                        r = -EBUSY;
                        goto finish;
                }
        }
        r = damon_io_write_u64(s->io, DAMON_KDAMONDS_DIR "/nr_kdamonds", nr + n);
        if (r < 0) {
                damon_error_set(reterr, "writing %s/nr_kdamonds failed: %s", DAMON_KDAMONDS_DIR, strerror(-r));
                goto finish;
        }
        for (unsigned i = 0; i < n; i++)
                s->owned |= UINT64_C(1) << (nr + i);
        /* Kernels before the 2026 stable fixes dereference contexts_arr[0] for commands on a kdamond
         * with nr_contexts 0 (docs/damon-abi.md, fact 10): every kdamond of ours has its one context from
         * the start, and keeps it. */
        for (unsigned i = 0; i < n; i++) {
                r = kd_write(s, (unsigned) nr + i, "contexts/nr_contexts", "1", reterr);
                if (r < 0)
                        goto finish;
        }
        *ret_first = (unsigned) nr;
        r = 0;
finish:
        damon_io_unlock(s->io);
        return r;
}

static bool entries_equal(const ImageEntry *e, const char *current) {
        switch (e->kind) {
        case IMAGE_NR:
        case IMAGE_U64: {
                uint64_t a, b;

                return parse_u64_kernel(current, &a) >= 0 && parse_u64_kernel(e->value, &b) >= 0 && a == b;
        }
        case IMAGE_S64: {
                int64_t a, b;

                return parse_s64_kernel(current, &a) >= 0 && parse_s64_kernel(e->value, &b) >= 0 && a == b;
        }
        case IMAGE_BOOL: {
                bool a, b;

                return parse_bool_kernel(current, &a) >= 0 && parse_bool_kernel(e->value, &b) >= 0 && a == b;
        }
        default:
                return streq(current, e->value);
        }
}

static bool has_prefix(const char *s, const char *prefix) {
        return prefix[0] && strneq(s, prefix, strlen(prefix));
}

/* Writes what differs. Returns the number of files written. */
static int stage_image(DamonSysfs *s, unsigned index, const DamonImage *img, bool running, DamonError *reterr) {
        char fresh[DAMON_IMAGE_PATH_MAX] = "";
        int written = 0, r;

        for (size_t i = 0; i < img->n; i++) {
                const ImageEntry *e = &img->entries[i];
                char current[DAMON_IMAGE_VALUE_MAX + 2];

                /* the file does not exist on this kernel, and the value is the default (checked) */
                if (!damon_image_entry_exists(e, s->features))
                        continue;

                if (has_prefix(e->path, fresh)) {
                        /* the kernel just recreated this subtree with its defaults */
                        if (e->is_default)
                                continue;
                } else {
                        fresh[0] = '\0';
                        if (running && e->kernel_tuned)
                                continue;
                        r = kd_read(s, index, e->path, current, sizeof(current));
                        if (r < 0) {
                                damon_error_set(reterr, "cannot read kdamonds/%u/%s: %s", index, e->path,
                                                strerror(-r));
                                return r;
                        }
                        if (entries_equal(e, current))
                                continue;
                }

                r = kd_write(s, index, e->path, e->value, reterr);
                if (r < 0)
                        return r;
                written++;

                if (e->kind == IMAGE_NR && !fresh[0]) {
                        const char *slash = strrchr(e->path, '/');
                        size_t len = slash ? (size_t) (slash - e->path + 1) : 0;

                        if (len > 0) {
                                memcpy(fresh, e->path, len);
                                fresh[len] = '\0';
                        }
                }
        }
        return written;
}

static int prepare(DamonSysfs *s, const DamonSpec *spec, DamonImage *img, DamonError *reterr) {
        int r;

        r = damon_spec_validate(spec, reterr);
        if (r < 0)
                return r;
        r = damon_image_build(spec, img);
        if (r < 0) {
                damon_error_set(reterr, "cannot lay out the configuration: %s", strerror(-r));
                return r;
        }
        r = damon_image_check(img, spec, s->features, reterr);
        if (r < 0) {
                damon_image_done(img);
                return r;
        }
        return 0;
}

int damon_sysfs_check_spec(DamonSysfs *s, const DamonSpec *spec, DamonError *reterr) {
        DamonImage img = {};
        int r;

        r = prepare(s, spec, &img, reterr);
        damon_image_done(&img);
        return r;
}

static int stage_locked(DamonSysfs *s, unsigned index, const DamonSpec *spec, bool running, DamonError *reterr) {
        DamonImage img = {};
        int r;

        r = require_owned(s, index, reterr);
        if (r < 0)
                return r;
        r = prepare(s, spec, &img, reterr);
        if (r < 0)
                return r;
        r = stage_image(s, index, &img, running, reterr);
        damon_image_done(&img);
        return r;
}

int damon_sysfs_stage(DamonSysfs *s, unsigned index, const DamonSpec *spec, DamonError *reterr) {
        DamonKdamondState st;
        int r;

        damon_io_lock(s->io);
        r = require_owned(s, index, reterr);
        if (r >= 0)
                r = damon_sysfs_read_state(s, index, &st, NULL);
        if (r >= 0)
                r = stage_locked(s, index, spec, st == DAMON_KDAMOND_ON, reterr);
        damon_io_unlock(s->io);
        return r;
}

int damon_sysfs_start(DamonSysfs *s, unsigned index, const DamonSpec *spec, pid_t *ret_pid, DamonError *reterr) {
        DamonKdamondState st;
        pid_t pid;
        int r;

        damon_io_lock(s->io);
        r = require_owned(s, index, reterr);
        if (r < 0)
                goto finish;
        r = damon_sysfs_read_state(s, index, &st, NULL);
        if (r < 0) {
                damon_error_set(reterr, "cannot read the state of kdamond %u: %s", index, strerror(-r));
                goto finish;
        }
        if (st == DAMON_KDAMOND_ON) {
                damon_error_set(reterr, "kdamond %u is already running", index);
                r = -EALREADY;
                goto finish;
        }
        r = stage_locked(s, index, spec, false, reterr);
        if (r < 0)
                goto finish;

        r = kd_write(s, index, "state", "on", reterr);
        if (r == -EBUSY) {
                DamonModule holder;

                if (damon_modules_holder(s->io, &holder) > 0)
                        damon_error_set(reterr, "%s holds DAMON exclusively (sys/module/%s/parameters/enabled); "
                                        "kdamond %u cannot start until it is disabled (kdamonds/%u/state: EBUSY)",
                                        damon_module_to_string(holder), damon_module_to_string(holder), index,
                                        index);
                goto finish;
        }
        if (r == -EINVAL) {
                damon_error_set(reterr, "the kernel refused 'on' for kdamonds/%u/state (EINVAL): a target process "
                                "may have exited, or a value is out of the kernel's range", index);
                goto finish;
        }
        if (r == -ENOMEM) {
                damon_error_set(reterr, "the kernel could not build kdamond %u on 'on' to kdamonds/%u/state (ENOMEM): "
                                "a memcg path that does not exist, or an invalid filter range", index, index);
                goto finish;
        }
        if (r < 0)
                goto finish;

        r = damon_sysfs_read_state(s, index, &st, &pid);
        if (r < 0) {
                damon_error_set(reterr, "cannot read the state of kdamond %u after start: %s", index, strerror(-r));
                goto finish;
        }
        if (st != DAMON_KDAMOND_ON) {
                damon_error_set(reterr, "kdamond %u stopped right after it started (its target processes exited?)",
                                index);
                r = -ESRCH;
                goto finish;
        }
        if (ret_pid)
                *ret_pid = pid;
        r = 0;
finish:
        damon_io_unlock(s->io);
        return r;
}

static int require_feature(DamonSysfs *s, DamonFeature f, const char *what, DamonError *reterr) {
        if (damon_features_has(s->features, f))
                return 0;
        damon_error_set(reterr, "%s need DAMON %s, Linux %s or later", what, damon_feature_to_string(f),
                        damon_feature_version(f));
        return -EOPNOTSUPP;
}

static int require_running(DamonSysfs *s, unsigned index, DamonError *reterr) {
        DamonKdamondState st;
        int r;

        r = damon_sysfs_read_state(s, index, &st, NULL);
        if (r < 0) {
                damon_error_set(reterr, "cannot read the state of kdamond %u: %s", index, strerror(-r));
                return r;
        }
        if (st != DAMON_KDAMOND_ON) {
                damon_error_set(reterr, "kdamond %u is not running", index);
                return -ESRCH;
        }
        return 0;
}

/* The watermarks' metric as the kernel computes it: free pages in permil of all RAM (MemFree and
 * MemTotal of proc/meminfo). */
static int read_free_mem_permil(DamonSysfs *s, uint64_t *ret) {
        char buf[8192];
        uint64_t total = 0, free_kb = 0;
        bool have_total = false, have_free = false;
        char *line, *saveptr = NULL;
        int r;

        r = damon_io_read(s->io, "proc/meminfo", buf, sizeof(buf));
        if (r < 0)
                return r;
        for (line = strtok_r(buf, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                if (sscanf(line, "MemTotal: %" SCNu64 " kB", &total) == 1)
                        have_total = true;
                else if (sscanf(line, "MemFree: %" SCNu64 " kB", &free_kb) == 1)
                        have_free = true;
        }
        if (!have_total || !have_free || total == 0 || free_kb > total)
                return -EBADMSG;
        *ret = free_kb * 1000 / total;
        return 0;
}

/* Whether every scheme of @running may be switched off by its watermarks right now. Only the activation
 * range [low, mid] proves a scheme active: between mid and high it keeps whatever state it had. Such a
 * kdamond only sleeps and checks the watermarks every interval_us: before 6.14 it handles commit only
 * after an aggregation (never, while inactive) and the other state commands at its next watermark check;
 * from 6.14 (damon_call()) it handles every state command at its next watermark check. */
static bool may_be_inactive(DamonSysfs *s, const DamonSpec *running, uint64_t *ret_permil) {
        uint64_t permil;

        if (running->n_schemes == 0)
                return false;
        for (size_t i = 0; i < running->n_schemes; i++)
                if (running->schemes[i].wmarks.metric == DAMOS_WMARK_NONE)
                        return false;
        if (read_free_mem_permil(s, &permil) < 0)
                /* cannot tell: a commit that may never return is worse than one deferred */
                return true;
        *ret_permil = permil;
        for (size_t i = 0; i < running->n_schemes; i++) {
                const DamosWatermarks *w = &running->schemes[i].wmarks;

                if (w->low <= permil && permil <= w->mid)
                        return false;
        }
        return true;
}

/* The longest a 6.14+ kdamond whose schemes are all inactive holds a state command: its sleep between two
 * watermark checks, the shortest interval of its schemes. */
static uint64_t wmark_check_usec(const DamonSpec *running) {
        uint64_t min = UINT64_MAX;

        for (size_t i = 0; i < running->n_schemes; i++)
                min = MIN(min, running->schemes[i].wmarks.interval_us);
        return min == UINT64_MAX ? 0 : min;
}

bool damon_sysfs_commands_may_wait(DamonSysfs *s, const DamonSpec *running) {
        uint64_t permil;

        return may_be_inactive(s, running, &permil);
}

int damon_sysfs_commit(DamonSysfs *s, unsigned index, const DamonSpec *spec, const DamonSpec *rollback,
                       DamonError *reterr) {
        int r, n;

        damon_io_lock(s->io);
        r = require_owned(s, index, reterr);
        if (r < 0)
                goto finish;
        r = require_feature(s, DAMON_FEATURE_COMMIT, "online updates", reterr);
        if (r < 0)
                goto finish;
        r = require_running(s, index, reterr);
        if (r < 0)
                goto finish;

        n = r = stage_locked(s, index, spec, true, reterr);
        if (r < 0)
                goto fail;
        if (n == 0)
                goto finish;

        /* A kdamond whose schemes are all off by their watermarks: before 6.14 (callback-driven
         * commands) the kernel takes a commit only after an aggregation, which it never does: the write
         * would block until free memory changes. From 6.14 it takes every state command at its next
         * watermark check, up to the watermark interval later, and meanwhile the writer holds the DAMON
         * sysfs lock: every other reader of state or pid (damo, an administrator's cat) gets EBUSY for
         * that long (seen on 6.17). Defer instead; the staged files go back to what runs (an inactive
         * kdamond neither monitors nor acts, so nothing is lost until a scheme may work again). */
        {
                const DamonSpec *running = rollback ?: spec;
                uint64_t permil = 0;
                char a[64];

                if (may_be_inactive(s, running, &permil)) {
                        if (damon_features_has(s->features, DAMON_FEATURE_FILTER_ALLOW))
                                damon_error_set(reterr, "kdamond %u may be inactive: free memory is %" PRIu64
                                                " permil, outside the activation range of every scheme's "
                                                "watermarks, and the kernel would take a commit only at its next "
                                                "watermark check, up to %s away, with DAMON's sysfs locked "
                                                "meanwhile; deferred", index, permil,
                                                format_duration(a, sizeof(a), wmark_check_usec(running)));
                        else
                                damon_error_set(reterr, "kdamond %u may be inactive: free memory is %" PRIu64
                                                " permil, outside the activation range of every scheme's "
                                                "watermarks, and kernels before 6.14 take a commit only from an "
                                                "active kdamond; deferred", index, permil);
                        r = -EAGAIN;
                        goto fail;
                }
        }
        /* The kernel resets tuned intervals on commit when the staged ones differ from what runs. */
        if (spec->attrs.intervals_goal.aggrs != 0 && damon_features_has(s->features, DAMON_FEATURE_INTERVALS_GOAL)) {
                r = kd_write(s, index, "state", "update_tuned_intervals", reterr);
                if (r < 0)
                        goto fail;
                n++;
        }
        r = kd_write(s, index, "state", "commit", reterr);
        if (r < 0)
                goto fail;
        r = n + 1;
        goto finish;

fail:
        if (rollback) {
                DamonError ignored;

                (void) stage_locked(s, index, rollback, true, &ignored);
        }
finish:
        damon_io_unlock(s->io);
        return r;
}

/* A goal file written for a commit_schemes_quota_goals, and the value it had before. */
typedef struct GoalUndo {
        char rel[DAMON_IMAGE_PATH_MAX];
        uint64_t old;
} GoalUndo;

int damon_sysfs_commit_goals(DamonSysfs *s, unsigned index, const DamonSpec *spec, DamonError *reterr) {
        _cleanup_free_ GoalUndo *undo = NULL;
        size_t n_undo = 0;
        int written = 0, r;

        damon_io_lock(s->io);
        r = require_owned(s, index, reterr);
        if (r < 0)
                goto finish;
        r = require_feature(s, DAMON_FEATURE_QUOTA_GOALS, "quota goals", reterr);
        if (r < 0)
                goto finish;
        r = require_running(s, index, reterr);
        if (r < 0)
                goto finish;
        {
                uint64_t permil = 0;

                if (may_be_inactive(s, spec, &permil)) {
                        damon_error_set(reterr, "kdamond %u may be inactive: free memory is %" PRIu64 " permil, "
                                        "outside the activation range of every scheme's watermarks, and the "
                                        "kernel serves commit_schemes_quota_goals only at its next watermark "
                                        "check (an inactive kdamond does not use its goals); deferred", index,
                                        permil);
                        r = -EAGAIN;
                        goto finish;
                }
        }

        for (size_t i = 0; i < spec->n_schemes; i++) {
                const DamosScheme *sc = &spec->schemes[i];
                char rel[DAMON_IMAGE_PATH_MAX];
                uint64_t nr;

                if (sc->quota.n_goals == 0)
                        continue;
                snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/quotas/goals/nr_goals", i);
                r = kd_read_u64(s, index, rel, &nr);
                if (r < 0 || nr != sc->quota.n_goals) {
                        damon_error_set(reterr, "scheme %zu of kdamond %u does not have the goals of this spec "
                                        "staged; commit the whole spec first", i, index);
                        r = r < 0 ? r : -ESTALE;
                        goto finish;
                }
                for (size_t j = 0; j < sc->quota.n_goals; j++) {
                        static const char * const files[] = { "target_value", "current_value" };
                        const uint64_t values[] = { sc->quota.goals[j].target_value, sc->quota.goals[j].current_value };

                        for (size_t k = 0; k < ELEMENTSOF(files); k++) {
                                char buf[32];
                                uint64_t cur;

                                snprintf(rel, sizeof(rel), "contexts/0/schemes/%zu/quotas/goals/%zu/%s", i, j,
                                         files[k]);
                                GoalUndo *u;

                                r = kd_read_u64(s, index, rel, &cur);
                                if (r >= 0 && cur == values[k])
                                        continue;
                                if (r >= 0) {   /* unreadable: written all the same, with nothing to undo */
                                        u = reallocarray(undo, n_undo + 1, sizeof(*undo));
                                        if (!u) {
                                                r = -ENOMEM;
                                                goto fail;
                                        }
                                        undo = u;
                                        snprintf(undo[n_undo].rel, sizeof(undo[n_undo].rel), "%s", rel);
                                        undo[n_undo++].old = cur;
                                }
                                snprintf(buf, sizeof(buf), "%" PRIu64, values[k]);
                                r = kd_write(s, index, rel, buf, reterr);
                                if (r < 0)
                                        goto fail;
                                written++;
                        }
                }
        }
        if (written > 0) {
                r = kd_write(s, index, "state", "commit_schemes_quota_goals", reterr);
                if (r < 0)
                        goto fail;
                written++;
        }
        r = written;
        goto finish;
fail:
        /* The kernel runs the goal values it had: the staged files go back to them, or the next attempt
         * with the same values would find nothing to write and take them as committed. */
        for (size_t i = n_undo; i-- > 0;) {
                char buf[32];

                snprintf(buf, sizeof(buf), "%" PRIu64, undo[i].old);
                (void) kd_write(s, index, undo[i].rel, buf, NULL);
        }
finish:
        damon_io_unlock(s->io);
        return r;
}

/* Whether kdamond @index has a non-zero refresh_ms (6.17+): the kernel refreshes its stats by itself. */
static bool kd_refreshes_itself(DamonSysfs *s, unsigned index) {
        uint64_t ms;

        return damon_features_has(s->features, DAMON_FEATURE_REFRESH_MS) &&
               kd_read_u64(s, index, "refresh_ms", &ms) >= 0 && ms > 0;
}

/* may_be_inactive() for kdamond @index as its files describe it (what runs: damond stages nothing else). */
static bool kd_may_be_inactive(DamonSysfs *s, unsigned index) {
        uint64_t n, permil;

        if (kd_read_u64(s, index, "contexts/0/schemes/nr_schemes", &n) < 0 || n == 0)
                return false;
        if (read_free_mem_permil(s, &permil) < 0)
                return true;
        for (uint64_t i = 0; i < n; i++) {
                char rel[DAMON_IMAGE_PATH_MAX], metric[32];
                uint64_t low, mid;

                if (snprintf(rel, sizeof(rel), "contexts/0/schemes/%" PRIu64 "/watermarks/metric", i) >=
                            (int) sizeof(rel) ||
                    kd_read(s, index, rel, metric, sizeof(metric)) < 0 || !streq(metric, "free_mem_rate"))
                        return false;
                if (snprintf(rel, sizeof(rel), "contexts/0/schemes/%" PRIu64 "/watermarks/low", i) >=
                            (int) sizeof(rel) || kd_read_u64(s, index, rel, &low) < 0)
                        return false;
                if (snprintf(rel, sizeof(rel), "contexts/0/schemes/%" PRIu64 "/watermarks/mid", i) >=
                            (int) sizeof(rel) || kd_read_u64(s, index, rel, &mid) < 0)
                        return false;
                if (low <= permil && permil <= mid)
                        return false;
        }
        return true;
}

int damon_sysfs_stop(DamonSysfs *s, unsigned index, DamonError *reterr) {
        DamonKdamondState st;
        int r;

        damon_io_lock(s->io);
        r = require_owned(s, index, reterr);
        if (r < 0)
                goto finish;
        r = damon_sysfs_read_state(s, index, &st, NULL);
        if (r < 0) {
                damon_error_set(reterr, "cannot read the state of kdamond %u: %s", index, strerror(-r));
                goto finish;
        }
        if (st == DAMON_KDAMOND_OFF)
                goto finish;

        /* Keep the last numbers readable after the stop; a kdamond that just exited refuses it. Not
         * where the kernel refreshes them itself (refresh_ms, 6.17+), and not while every scheme may be off
         * by its watermarks: their stats do not change then, and the kernel would hold the command until
         * its next watermark check (the watermark interval; the kthread's stop does not wait for it). */
        if (!kd_refreshes_itself(s, index) && !kd_may_be_inactive(s, index))
                (void) kd_write(s, index, "state", "update_schemes_stats", NULL);
        r = kd_write(s, index, "state", "off", reterr);
        if (r == -EPERM)        /* it stopped by itself in the meantime */
                r = 0;
finish:
        damon_io_unlock(s->io);
        return r < 0 ? r : 0;
}

int damon_sysfs_check_stopped(DamonSysfs *s, unsigned index) {
        DamonKdamondState st;
        pid_t pid;
        int r;

        r = damon_sysfs_read_state(s, index, &st, &pid);
        if (r < 0)
                return r;
        return st == DAMON_KDAMOND_OFF || pid < 0;
}
