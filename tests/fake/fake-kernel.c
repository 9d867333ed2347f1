/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "damon-model.h"
#include "fake-kernel.h"
#include "fake-schema.h"
#include "fake-tree.h"

#define ADMIN_DIR "sys/kernel/mm/damon/admin"
#define KDAMONDS_DIR ADMIN_DIR "/kdamonds"
#define KDAMONDS_PREFIX KDAMONDS_DIR "/"
#define MODULE_PREFIX "sys/module/"

/* Fake kdamond and module pids start here, well away from the pids tests give processes. */
#define FAKE_FIRST_PID 4000

static const char * const gen_table[_FAKE_GEN_MAX] = {
        [FAKE_GEN_5_18] = "5.18",
        [FAKE_GEN_6_1] = "6.1",
        [FAKE_GEN_6_12] = "6.12",
        [FAKE_GEN_6_17] = "6.17",
        [FAKE_GEN_6_18] = "6.18",
        [FAKE_GEN_7_2] = "7.2",
};

static const unsigned gen_version[_FAKE_GEN_MAX] = {
        [FAKE_GEN_5_18] = FAKE_V(5, 18),
        [FAKE_GEN_6_1] = FAKE_V(6, 1),
        [FAKE_GEN_6_12] = FAKE_V(6, 12),
        [FAKE_GEN_6_17] = FAKE_V(6, 17),
        [FAKE_GEN_6_18] = FAKE_V(6, 18),
        [FAKE_GEN_7_2] = FAKE_V(7, 2),
};

typedef struct FakeKdamond {
        bool on;
        bool started;           /* turned on at least once since its directory was created */
        int pid;
        unsigned n_starts;
        unsigned n_commits;
        unsigned n_goal_commits;
        unsigned n_updates;     /* update_* commands handled, to make read-back values grow */
        char *running;          /* "relpath=value\n" of kdamonds/K/ as of the last on/commit */
        uint64_t tuned_sample_us;
        uint64_t tuned_aggr_us;
} FakeKdamond;

typedef struct FakeModule {
        bool present;
        bool enabled;
        unsigned n_commits;
} FakeModule;

typedef struct FakeInjection {
        char *suffix;
        int error;
        unsigned count;         /* 0 = until cleared */
} FakeInjection;

struct FakeKernel {
        FakeKernelGen gen;
        unsigned version;
        char *path;
        Root *root;
        DamonIO *io;
        unsigned avail_ops;     /* 1 << DamonOps */

        FakeKdamond *kdamonds;
        size_t n_kdamonds;
        FakeModule modules[_DAMON_MODULE_MAX];
        int next_pid;
        uint64_t free_mem_permil;       /* the watermarks' free_mem_rate */
        unsigned n_hung_commits;        /* commits a real kernel would have blocked on forever */
        unsigned n_held_commands;       /* 6.14+: commands an inactive kdamond served after its sleep */
        uint64_t held_usec;             /* how long those held their writers, in all */
        unsigned n_walks;               /* 6.14+: update_schemes_tried_regions/bytes served (damos_walk()) */
        uint64_t max_walk_usec;         /* the longest any of them would have held DAMON's sysfs lock */

        char *log;
        size_t log_len, log_cap;
        size_t n_writes;
        FakeInjection *injections;
        size_t n_injections;
        size_t n_attempts;      /* writes tried through fake_kernel_io(), failed ones too */
        size_t fail_at;         /* fail the write attempt of this number + 1 (0: none) */
        int fail_error;
        char *inject_file;      /* fake_kernel_set_inject_file() */
        unsigned lock_busy;
        uint64_t slept_usec;

        pid_t creator;          /* only the creating process removes the tree at exit */
        FakeKernel *next_live;
};

/* Live fake kernels, removed at exit even when a failed Check assertion exits the test process before
 * its teardown could run. */
static FakeKernel *live_kernels;

static void remove_live_kernels(void) {
        for (FakeKernel *k = live_kernels; k; k = k->next_live)
                if (k->creator == getpid() && k->path)
                        (void) tree_rm_rf(AT_FDCWD, k->path);
}

static void live_add(FakeKernel *k) {
        static bool registered = false;

        if (!registered)
                registered = atexit(remove_live_kernels) == 0;
        k->creator = getpid();
        k->next_live = live_kernels;
        live_kernels = k;
}

static void live_remove(FakeKernel *k) {
        for (FakeKernel **p = &live_kernels; *p; p = &(*p)->next_live)
                if (*p == k) {
                        *p = k->next_live;
                        return;
                }
}

FakeKernelGen fake_kernel_gen_from_string(const char *s) {
        for (size_t i = 0; i < _FAKE_GEN_MAX; i++)
                if (s && streq(gen_table[i], s))
                        return (FakeKernelGen) i;
        return _FAKE_GEN_INVALID;
}

const char *fake_kernel_gen_to_string(FakeKernelGen g) {
        return (int) g >= 0 && g < _FAKE_GEN_MAX ? gen_table[g] : NULL;
}

FakeKernelGen fake_kernel_gen_from_env(void) {
        FakeKernelGen g = fake_kernel_gen_from_string(getenv("DAMOND_FAKE_KERNEL"));

        return g < 0 ? FAKE_GEN_6_18 : g;
}

static int dfd(const FakeKernel *k) {
        return k->root->fd;
}

static bool startswith(const char *s, const char *prefix) {
        return strneq(s, prefix, strlen(prefix));
}

static bool endswith(const char *s, const char *suffix) {
        size_t ls = strlen(s), lx = strlen(suffix);

        return ls >= lx && streq(s + ls - lx, suffix);
}

static int vpathf(char *buf, size_t size, const char *fmt, va_list ap) _printf_(3, 0);
static int vpathf(char *buf, size_t size, const char *fmt, va_list ap) {
        int n = vsnprintf(buf, size, fmt, ap);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int pathf(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static int pathf(char *buf, size_t size, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vpathf(buf, size, fmt, ap);
        va_end(ap);
        return r;
}

/* Reads a number from the staged tree: relpath built from @fmt. */
static int read_u64f(FakeKernel *k, uint64_t *ret, const char *fmt, ...) _printf_(3, 4);
static int read_u64f(FakeKernel *k, uint64_t *ret, const char *fmt, ...) {
        char p[PATH_MAX];
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vpathf(p, sizeof(p), fmt, ap);
        va_end(ap);
        return r < 0 ? r : tree_read_u64(dfd(k), p, ret);
}

static int read_s64f(FakeKernel *k, int64_t *ret, const char *fmt, ...) _printf_(3, 4);
static int read_s64f(FakeKernel *k, int64_t *ret, const char *fmt, ...) {
        char p[PATH_MAX];
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vpathf(p, sizeof(p), fmt, ap);
        va_end(ap);
        return r < 0 ? r : tree_read_s64(dfd(k), p, ret);
}

static bool exists_f(FakeKernel *k, const char *fmt, ...) _printf_(2, 3);
static bool exists_f(FakeKernel *k, const char *fmt, ...) {
        char p[PATH_MAX];
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vpathf(p, sizeof(p), fmt, ap);
        va_end(ap);
        return r >= 0 && tree_exists(dfd(k), p) > 0;
}

/* ---- creating directories from the schema ---- */

static int avail_ops_content(FakeKernel *k, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (DamonOps o = 0; o < _DAMON_OPS_MAX; o++)
                if (k->avail_ops & (1u << o)) {
                        int n = snprintf(buf + len, size - len, "%s\n", damon_ops_to_string(o));

                        if (n < 0 || (size_t) n >= size - len)
                                return -ENOBUFS;
                        len += n;
                }
        return 0;
}

static int create_dir(FakeKernel *k, const char *relpath, FakeDir d) {
        const FakeDirType *t = &fake_dirs[d];
        int r;

        if (mkdirat(dfd(k), relpath, 0755) < 0 && errno != EEXIST)
                return -errno;
        for (size_t i = 0; i < t->n_entries; i++) {
                const FakeEntry *e = &t->entries[i];
                char p[PATH_MAX], buf[256];

                if (e->since > k->version)
                        continue;
                r = pathf(p, sizeof(p), "%s/%s", relpath, e->name);
                if (r < 0)
                        return r;
                /* the kernel's read-only files are 0400, the others 0600 */
                if (e->kind == FAKE_DIR)
                        r = create_dir(k, p, (FakeDir) e->arg);
                else if (e->kind == FAKE_AVAIL_OPS) {
                        r = avail_ops_content(k, buf, sizeof(buf));
                        if (r >= 0)
                                r = tree_write_mode(dfd(k), p, buf, 0400);
                } else {
                        r = snprintf(buf, sizeof(buf), "%s\n", e->def) < (int) sizeof(buf) ? 0 : -ENOBUFS;
                        if (r >= 0)
                                r = tree_write_mode(dfd(k), p, buf, e->kind == FAKE_RO ? 0400 : 0600);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static void kdamonds_reset(FakeKernel *k) {
        for (size_t i = 0; i < k->n_kdamonds; i++)
                free(k->kdamonds[i].running);
        k->kdamonds = mfree(k->kdamonds);
        k->n_kdamonds = 0;
}

/* Writing an nr_* file: every numbered child goes, @n fresh ones come, even when @n is unchanged. */
static int set_nr(FakeKernel *k, const char *dirpath, FakeDir d, const char *nr_path, unsigned n) {
        FakeDir child = fake_dirs[d].numbered;
        int r;

        assert(child >= 0);
        if (d == FAKE_DIR_KDAMONDS) {
                FakeKdamond *a = NULL;

                if (n > 0) {
                        a = calloc(n, sizeof(FakeKdamond));
                        if (!a)
                                return -ENOMEM;
                }
                kdamonds_reset(k);
                k->kdamonds = a;
                k->n_kdamonds = n;
                for (unsigned i = 0; i < n; i++)
                        k->kdamonds[i].pid = -1;
        }
        r = tree_rm_numbered(dfd(k), dirpath);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < n; i++) {
                char p[PATH_MAX];

                r = pathf(p, sizeof(p), "%s/%u", dirpath, i);
                if (r < 0)
                        return r;
                r = create_dir(k, p, child);
                if (r < 0)
                        return r;
        }
        return tree_printf(dfd(k), nr_path, "%u\n", n);
}

/* ---- resolving a path to its schema entry ---- */

typedef struct FakeFile {
        const FakeEntry *entry;
        FakeDir dir;                    /* type of the directory holding the file */
        char dirpath[PATH_MAX];         /* that directory, relative to the root */
        int kdamond;                    /* index, or -1 above the kdamond directories */
} FakeFile;

static int resolve(FakeKernel *k, const char *path, FakeFile *ret) {
        const char *p = path + strlen(KDAMONDS_PREFIX), *slash;
        FakeDir d = FAKE_DIR_KDAMONDS;
        int kdamond = -1;
        const FakeEntry *e;
        char comp[NAME_MAX + 1];
        int r;

        while ((slash = strchr(p, '/'))) {
                size_t len = slash - p;

                if (len == 0 || len > NAME_MAX)
                        return -ENOENT;
                memcpy(comp, p, len);
                comp[len] = '\0';
                if (is_number(comp)) {
                        if (fake_dirs[d].numbered < 0)
                                return -ENOENT;
                        if (d == FAKE_DIR_KDAMONDS)
                                kdamond = (int) MIN(strtoul(comp, NULL, 10), (unsigned long) INT_MAX);
                        d = fake_dirs[d].numbered;
                } else {
                        e = fake_dir_entry(d, comp, k->version);
                        if (!e)
                                return -ENOENT;
                        if (e->kind != FAKE_DIR)
                                return -ENOTDIR;
                        d = (FakeDir) e->arg;
                }
                p = slash + 1;
        }
        e = fake_dir_entry(d, p, k->version);
        if (!e)
                return -ENOENT;
        if (e->kind == FAKE_DIR)
                return -EISDIR;
        r = tree_exists(dfd(k), path);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        if (kdamond >= 0 && (size_t) kdamond >= k->n_kdamonds)
                return -ENOENT;
        if ((size_t) (p - 1 - path) >= sizeof(ret->dirpath))
                return -ENAMETOOLONG;
        *ret = (FakeFile) {
                .entry = e,
                .dir = d,
                .kdamond = kdamond,
        };
        memcpy(ret->dirpath, path, p - 1 - path);
        ret->dirpath[p - 1 - path] = '\0';
        return 0;
}

/* ---- running state ---- */

static bool any_kdamond_on(const FakeKernel *k) {
        for (size_t i = 0; i < k->n_kdamonds; i++)
                if (k->kdamonds[i].on)
                        return true;
        return false;
}

static bool any_module_enabled(const FakeKernel *k) {
        for (DamonModule m = 0; m < _DAMON_MODULE_MAX; m++)
                if (k->modules[m].enabled)
                        return true;
        return false;
}

static int kdamond_publish(FakeKernel *k, unsigned i) {
        FakeKdamond *kd = &k->kdamonds[i];
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%u/state", i);
        if (r < 0)
                return r;
        r = tree_write(dfd(k), p, kd->on ? "on\n" : "off\n");
        if (r < 0)
                return r;
        r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%u/pid", i);
        if (r < 0)
                return r;
        return tree_printf(dfd(k), p, "%d\n", kd->on ? kd->pid : -1);
}

static int kdamond_snapshot(FakeKernel *k, unsigned i, char **ret) {
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%u", i);
        if (r < 0)
                return r;
        return tree_snapshot(dfd(k), p, strlen(p) + 1, ret);
}

/* What "on" and "commit" check before they build the context, with the kernel's errno. */
static int validate(FakeKernel *k, unsigned i) {
        char base[PATH_MAX], buf[PATH_MAX], p[PATH_MAX];
        uint64_t nr, sample, aggr, min, max, nt, ns;
        DamonOps ops;
        int r;

        r = read_u64f(k, &nr, KDAMONDS_PREFIX "%u/contexts/nr_contexts", i);
        if (r < 0)
                return r;
        if (nr != 1)
                return -EINVAL;
        r = pathf(base, sizeof(base), KDAMONDS_PREFIX "%u/contexts/0", i);
        if (r < 0)
                return r;

        r = pathf(p, sizeof(p), "%s/operations", base);
        if (r < 0)
                return r;
        r = tree_read(dfd(k), p, buf, sizeof(buf));
        if (r < 0)
                return r;
        ops = damon_ops_from_string(buf);
        if (ops < 0 || !(k->avail_ops & (1u << ops)))
                return -EINVAL;

        if (exists_f(k, "%s/addr_unit", base)) {
                uint64_t unit;

                r = read_u64f(k, &unit, "%s/addr_unit", base);
                if (r < 0)
                        return r;
                if (unit == 0)
                        return -EINVAL;
        }

        r = read_u64f(k, &sample, "%s/monitoring_attrs/intervals/sample_us", base);
        if (r >= 0)
                r = read_u64f(k, &aggr, "%s/monitoring_attrs/intervals/aggr_us", base);
        if (r < 0)
                return r;
        if (sample > aggr)
                return -EINVAL;
        if (exists_f(k, "%s/monitoring_attrs/intervals/intervals_goal", base)) {
                uint64_t aggrs;

                r = read_u64f(k, &aggrs, "%s/monitoring_attrs/intervals/intervals_goal/aggrs", base);
                if (r < 0)
                        return r;
                if (aggrs != 0) {
                        r = read_u64f(k, &min, "%s/monitoring_attrs/intervals/intervals_goal/%s", base,
                                      "min_sample_us");
                        if (r >= 0)
                                r = read_u64f(k, &max, "%s/monitoring_attrs/intervals/intervals_goal/%s", base,
                                              "max_sample_us");
                        if (r < 0)
                                return r;
                        if (min > max || sample < min || sample > max)
                                return -EINVAL;
                }
        }

        r = read_u64f(k, &min, "%s/monitoring_attrs/nr_regions/min", base);
        if (r >= 0)
                r = read_u64f(k, &max, "%s/monitoring_attrs/nr_regions/max", base);
        if (r < 0)
                return r;
        if (min < 3 || min > max)
                return -EINVAL;

        r = read_u64f(k, &nt, "%s/targets/nr_targets", base);
        if (r < 0)
                return r;
        if (ops == DAMON_OPS_PADDR && nt > 1)
                return -EINVAL;
        for (uint64_t t = 0; t < nt; t++) {
                uint64_t nreg, prev_end = 0;

                if (ops != DAMON_OPS_PADDR) {
                        int64_t pid;

                        r = read_s64f(k, &pid, "%s/targets/%" PRIu64 "/pid_target", base, t);
                        if (r < 0)
                                return r;
                        /* find_get_pid() in the writer's namespace: the fake's processes are proc/PID */
                        if (pid <= 0 || !exists_f(k, "proc/%" PRIi64, pid))
                                return -EINVAL;
                }
                r = read_u64f(k, &nreg, "%s/targets/%" PRIu64 "/regions/nr_regions", base, t);
                if (r < 0)
                        return r;
                for (uint64_t g = 0; g < nreg; g++) {
                        uint64_t start, end;

                        r = read_u64f(k, &start, "%s/targets/%" PRIu64 "/regions/%" PRIu64 "/start",
                                      base, t, g);
                        if (r >= 0)
                                r = read_u64f(k, &end, "%s/targets/%" PRIu64 "/regions/%" PRIu64 "/end",
                                              base, t, g);
                        if (r < 0)
                                return r;
                        if (start > end || (g > 0 && prev_end > start))
                                return -EINVAL;
                        prev_end = end;
                }
        }

        r = read_u64f(k, &ns, "%s/schemes/nr_schemes", base);
        if (r < 0)
                return r;
        for (uint64_t s = 0; s < ns; s++) {
                static const char * const filter_dirs[] = { "core_filters", "ops_filters", "filters" };

                for (size_t fd = 0; fd < ELEMENTSOF(filter_dirs); fd++) {
                        uint64_t nf;

                        if (!exists_f(k, "%s/schemes/%" PRIu64 "/%s", base, s, filter_dirs[fd]))
                                continue;
                        r = read_u64f(k, &nf, "%s/schemes/%" PRIu64 "/%s/nr_filters",
                                      base, s, filter_dirs[fd]);
                        if (r < 0)
                                return r;
                        for (uint64_t f = 0; f < nf; f++) {
                                char fdir[PATH_MAX], type[64];

                                r = pathf(fdir, sizeof(fdir), "%s/schemes/%" PRIu64 "/%s/%" PRIu64,
                                          base, s, filter_dirs[fd], f);
                                if (r < 0)
                                        return r;
                                r = pathf(p, sizeof(p), "%s/type", fdir);
                                if (r >= 0)
                                        r = tree_read(dfd(k), p, type, sizeof(type));
                                if (r < 0)
                                        return r;
                                /* a scheme that cannot be built fails the whole on/commit with ENOMEM */
                                if (streq(type, "memcg")) {
                                        char cg[PATH_MAX];

                                        r = pathf(p, sizeof(p), "%s/memcg_path", fdir);
                                        if (r >= 0)
                                                r = tree_read(dfd(k), p, buf, sizeof(buf));
                                        if (r < 0)
                                                return r;
                                        buf[strcspn(buf, "\n")] = '\0';
                                        if (pathf(cg, sizeof(cg), "sys/fs/cgroup/%s", buf) < 0 ||
                                            buf[0] == '\0' || tree_exists(dfd(k), cg) <= 0)
                                                return -ENOMEM;
                                } else if (streq(type, "addr")) {
                                        r = read_u64f(k, &min, "%s/addr_start", fdir);
                                        if (r >= 0)
                                                r = read_u64f(k, &max, "%s/addr_end", fdir);
                                        if (r < 0)
                                                return r;
                                        if (min > max)
                                                return -ENOMEM;
                                } else if (streq(type, "hugepage_size")) {
                                        r = read_u64f(k, &min, "%s/min", fdir);
                                        if (r >= 0)
                                                r = read_u64f(k, &max, "%s/max", fdir);
                                        if (r < 0)
                                                return r;
                                        if (min > max)
                                                return -ENOMEM;
                                }
                        }
                }
        }
        return 0;
}

/* The intervals the kernel would have tuned itself to: doubled sampling within the goal's bounds. */
static void compute_tuned(FakeKernel *k, unsigned i) {
        FakeKdamond *kd = &k->kdamonds[i];
        uint64_t sample = 0, aggr = 0, aggrs = 0, min = 0, max = 0;

#define INTERVAL(name) KDAMONDS_PREFIX "%u/contexts/0/monitoring_attrs/intervals/" name
        (void) read_u64f(k, &sample, INTERVAL("sample_us"), i);
        (void) read_u64f(k, &aggr, INTERVAL("aggr_us"), i);
        kd->tuned_sample_us = sample;
        kd->tuned_aggr_us = aggr;
        if (read_u64f(k, &aggrs, INTERVAL("intervals_goal/aggrs"), i) < 0 || aggrs == 0 || sample == 0)
                return;
        (void) read_u64f(k, &min, INTERVAL("intervals_goal/min_sample_us"), i);
        (void) read_u64f(k, &max, INTERVAL("intervals_goal/max_sample_us"), i);
#undef INTERVAL
        kd->tuned_sample_us = MIN(MAX(sample * 2, min), max);
        kd->tuned_aggr_us = kd->tuned_sample_us * (aggr / sample);
}

static int turn_on(FakeKernel *k, unsigned i) {
        FakeKdamond *kd = &k->kdamonds[i];
        char *snap = NULL;
        int r;

        if (kd->on)
                return -EBUSY;
        r = validate(k, i);
        if (r < 0)
                return r;
        /* damon_start() refuses non-exclusive contexts while a module runs exclusively */
        if (any_module_enabled(k))
                return -EBUSY;
        r = kdamond_snapshot(k, i, &snap);
        if (r < 0)
                return r;
        free(kd->running);
        kd->running = snap;
        kd->on = kd->started = true;
        kd->pid = k->next_pid++;
        kd->n_starts++;
        /* a new context: the kernel's scheme stats start from zero again */
        kd->n_updates = 0;
        compute_tuned(k, i);
        return kdamond_publish(k, i);
}

static int commit(FakeKernel *k, unsigned i) {
        FakeKdamond *kd = &k->kdamonds[i];
        char *snap = NULL;
        int r;

        r = validate(k, i);
        if (r < 0)
                return r;
        r = kdamond_snapshot(k, i, &snap);
        if (r < 0)
                return r;
        free(kd->running);
        kd->running = snap;
        kd->n_commits++;
        /* the kernel restarts interval tuning from the committed values */
        compute_tuned(k, i);
        return 0;
}

static bool is_goal_line(const char *line) {
        const char *eq = strchr(line, '=');

        return eq && memmem(line, eq - line, "/quotas/goals/", strlen("/quotas/goals/"));
}

static int cmp_line(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* commit_schemes_quota_goals: only the goals of the staged tree reach the running configuration. */
static int commit_goals(FakeKernel *k, unsigned i) {
        FakeKdamond *kd = &k->kdamonds[i];
        _cleanup_free_ char *snap = NULL, *old = NULL, *merged = NULL;
        _cleanup_free_ char **lines = NULL;
        size_t n = 0, cap;
        char *m, *save;
        int r;

        r = kdamond_snapshot(k, i, &snap);
        if (r < 0)
                return r;
        old = strdup(kd->running ? kd->running : "");
        merged = malloc(strlen(snap) + strlen(old) + 1);
        cap = strlen(snap) + strlen(old) + 1;  /* more than the number of lines */
        lines = calloc(cap, sizeof(char *));
        if (!old || !merged || !lines)
                return -ENOMEM;
        for (char *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (!is_goal_line(l))
                        lines[n++] = l;
        for (char *l = strtok_r(snap, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (is_goal_line(l))
                        lines[n++] = l;
        qsort(lines, n, sizeof(char *), cmp_line);
        m = merged;
        *m = '\0';
        for (size_t j = 0; j < n; j++)
                m = stpcpy(stpcpy(m, lines[j]), "\n");
        free(kd->running);
        kd->running = TAKE_PTR(merged);
        kd->n_goal_commits++;
        return 0;
}

static int for_each_scheme(FakeKernel *k, unsigned i, int (*f)(FakeKernel *k, unsigned i, const char *sdir,
                                                               uint64_t s)) {
        uint64_t ns = 0;
        int r;

        if (read_u64f(k, &ns, KDAMONDS_PREFIX "%u/contexts/0/schemes/nr_schemes", i) < 0)
                return 0;
        for (uint64_t s = 0; s < ns; s++) {
                char sdir[PATH_MAX];

                r = pathf(sdir, sizeof(sdir), KDAMONDS_PREFIX "%u/contexts/0/schemes/%" PRIu64, i, s);
                if (r < 0)
                        return r;
                r = f(k, i, sdir, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Writes a kernel-written (read-only) file when this generation has it. */
static int publish(FakeKernel *k, FakeDir d, const char *dir, const char *name, uint64_t v) {
        char p[PATH_MAX];
        int r;

        if (!fake_dir_entry(d, name, k->version))
                return 0;
        r = pathf(p, sizeof(p), "%s/%s", dir, name);
        if (r < 0)
                return r;
        return tree_printf(dfd(k), p, "%" PRIu64 "\n", v);
}

static int scheme_update_stats(FakeKernel *k, unsigned i, const char *sdir, uint64_t s) {
        uint64_t u = k->kdamonds[i].n_updates, nr = 10 * u * (s + 1);
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), "%s/stats", sdir);
        if (r < 0)
                return r;
        r = publish(k, FAKE_DIR_STATS, p, "nr_tried", nr);
        if (r >= 0)
                r = publish(k, FAKE_DIR_STATS, p, "sz_tried", nr * 4096 * 16);
        if (r >= 0)
                r = publish(k, FAKE_DIR_STATS, p, "nr_applied", nr / 2);
        if (r >= 0)
                r = publish(k, FAKE_DIR_STATS, p, "sz_applied", nr / 2 * 4096 * 16);
        if (r >= 0)
                r = publish(k, FAKE_DIR_STATS, p, "sz_ops_filter_passed", nr / 4 * 4096 * 16);
        if (r >= 0)
                r = publish(k, FAKE_DIR_STATS, p, "qt_exceeds", u);
        return r;
}

static int scheme_update_quota(FakeKernel *k, unsigned i, const char *sdir, uint64_t s) {
        uint64_t bytes = 0;
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), "%s/quotas", sdir);
        if (r < 0)
                return r;
        (void) read_u64f(k, &bytes, "%s/bytes", p);
        return publish(k, FAKE_DIR_QUOTAS, p, "effective_bytes",
                       bytes > 0 ? bytes : k->kdamonds[i].n_updates * UINT64_C(1048576));
}

/* $DAMOND_FAKE_TRIED_REGIONS=N (1-100000): every tried-regions update publishes N regions, the first
 * target's first staged region (or a made-up 1 GiB) cut into N equal parts with varied access counts
 * and ages, as a real kernel does with MaxRegions=N; unset, at most 3. For benchmarks of the snapshot
 * history at a real kernel's region counts (bench/snapshot-load). */
static uint64_t tried_regions_wanted(void) {
        const char *e = getenv("DAMOND_FAKE_TRIED_REGIONS");
        uint64_t n = 0;

        return e && parse_u64_kernel(e, &n) >= 0 && n >= 1 && n <= 100000 ? n : 0;
}

/* The regions a scheme "tried": the first target's staged regions, or one made-up region. */
static int scheme_tried(FakeKernel *k, unsigned i, const char *sdir, uint64_t s, bool dirs) {
        uint64_t nreg = 0, total = 0, wanted = tried_regions_wanted(), base = 0, step = 0;
        char tdir[PATH_MAX];
        int r;

        r = pathf(tdir, sizeof(tdir), "%s/tried_regions", sdir);
        if (r < 0)
                return r;
        if (dirs) {
                r = tree_rm_numbered(dfd(k), tdir);
                if (r < 0)
                        return r;
        }
        (void) read_u64f(k, &nreg, KDAMONDS_PREFIX "%u/contexts/0/targets/0/regions/nr_regions", i);
#define REGION(name) KDAMONDS_PREFIX "%u/contexts/0/targets/0/regions/%" PRIu64 "/" name
        if (wanted > 0) {
                uint64_t end = 0;

                if (nreg == 0 || read_u64f(k, &base, REGION("start"), i, UINT64_C(0)) < 0 ||
                    read_u64f(k, &end, REGION("end"), i, UINT64_C(0)) < 0 || end <= base) {
                        base = UINT64_C(1) << 32;
                        end = base + (UINT64_C(1) << 30);
                }
                step = MAX((end - base) / wanted / 4096, UINT64_C(1)) * 4096;
        }
        for (uint64_t g = 0; g < (wanted > 0 ? wanted : MAX(MIN(nreg, 3), 1)); g++) {
                uint64_t start = UINT64_C(1048576) * (s + 1), end = start + UINT64_C(1048576);
                char rdir[PATH_MAX];

                if (wanted > 0) {
                        start = base + g * step;
                        end = start + step;
                } else if (nreg > 0) {
                        (void) read_u64f(k, &start, REGION("start"), i, g);
                        (void) read_u64f(k, &end, REGION("end"), i, g);
                }
                total += end - start;
                if (!dirs)
                        continue;
                r = pathf(rdir, sizeof(rdir), "%s/%" PRIu64, tdir, g);
                if (r >= 0)
                        r = create_dir(k, rdir, FAKE_DIR_TRIED_REGION);
                if (r >= 0)
                        r = publish(k, FAKE_DIR_TRIED_REGION, rdir, "start", start);
                if (r >= 0)
                        r = publish(k, FAKE_DIR_TRIED_REGION, rdir, "end", end);
                if (r >= 0)
                        r = publish(k, FAKE_DIR_TRIED_REGION, rdir, "nr_accesses", wanted > 0 ? g % 8 : g);
                if (r >= 0)
                        r = publish(k, FAKE_DIR_TRIED_REGION, rdir, "age",
                                    k->kdamonds[i].n_updates + (wanted > 0 ? g % 600 : g));
                if (r >= 0)
                        r = publish(k, FAKE_DIR_TRIED_REGION, rdir, "sz_filter_passed", (end - start) / 2);
                if (r < 0)
                        return r;
        }
#undef REGION
        return publish(k, FAKE_DIR_TRIED_REGIONS, tdir, "total_bytes", total);
}

static int scheme_tried_regions(FakeKernel *k, unsigned i, const char *sdir, uint64_t s) {
        return scheme_tried(k, i, sdir, s, true);
}

static int scheme_tried_bytes(FakeKernel *k, unsigned i, const char *sdir, uint64_t s) {
        return scheme_tried(k, i, sdir, s, false);
}

static int scheme_clear_tried(FakeKernel *k, unsigned i, const char *sdir, uint64_t s) {
        char tdir[PATH_MAX];
        int r;

        r = pathf(tdir, sizeof(tdir), "%s/tried_regions", sdir);
        if (r >= 0)
                r = tree_rm_numbered(dfd(k), tdir);
        if (r >= 0)
                r = publish(k, FAKE_DIR_TRIED_REGIONS, tdir, "total_bytes", 0);
        return r;
}

static int update_tuned_intervals(FakeKernel *k, unsigned i) {
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%u/contexts/0/monitoring_attrs/intervals", i);
        if (r >= 0)
                r = publish(k, FAKE_DIR_INTERVALS, p, "sample_us", k->kdamonds[i].tuned_sample_us);
        if (r >= 0)
                r = publish(k, FAKE_DIR_INTERVALS, p, "aggr_us", k->kdamonds[i].tuned_aggr_us);
        return r;
}

static int running_wmark(FakeKernel *k, unsigned i, uint64_t s, const char *name, char *buf, size_t size) {
        char key[PATH_MAX];
        int r;

        r = pathf(key, sizeof(key), "contexts/0/schemes/%" PRIu64 "/watermarks/%s", s, name);
        return r < 0 ? r : fake_kernel_running_value(k, i, key, buf, size);
}

/* Whether the watermarks deactivate every scheme of the running configuration: a metric above high
 * or below low deactivates; between mid and high a scheme keeps its state, initially active. */
static int write_meminfo(FakeKernel *k);

static bool all_schemes_inactive(FakeKernel *k, unsigned i) {
        char buf[64];
        uint64_t ns = 0;

        if (fake_kernel_running_value(k, i, "contexts/0/schemes/nr_schemes", buf, sizeof(buf)) < 0 ||
            parse_u64_kernel(buf, &ns) < 0 || ns == 0)
                return false;
        for (uint64_t s = 0; s < ns; s++) {
                char metric[64], hs[64], ls[64];
                uint64_t high, low;

                if (running_wmark(k, i, s, "metric", metric, sizeof(metric)) < 0 ||
                    !streq(metric, "free_mem_rate") ||
                    running_wmark(k, i, s, "high", hs, sizeof(hs)) < 0 || parse_u64_kernel(hs, &high) < 0 ||
                    running_wmark(k, i, s, "low", ls, sizeof(ls)) < 0 || parse_u64_kernel(ls, &low) < 0)
                        return false;
                if (k->free_mem_permil <= high && k->free_mem_permil >= low)
                        return false;
        }
        return true;
}

/* The sleep of an inactive kdamond between two watermark checks: the shortest interval_us of its running
 * schemes (kdamond_wait_activation()). */
static uint64_t wmark_sleep_usec(FakeKernel *k, unsigned i) {
        char buf[64];
        uint64_t ns = 0, min = UINT64_MAX;

        if (fake_kernel_running_value(k, i, "contexts/0/schemes/nr_schemes", buf, sizeof(buf)) < 0 ||
            parse_u64_kernel(buf, &ns) < 0)
                return 0;
        for (uint64_t s = 0; s < ns; s++) {
                uint64_t u;

                if (running_wmark(k, i, s, "interval_us", buf, sizeof(buf)) >= 0 && parse_u64_kernel(buf, &u) >= 0)
                        min = MIN(min, u);
        }
        return min == UINT64_MAX ? 0 : min;
}

/* How long a 6.14+ damos_walk() of kdamond @i holds its writer (and DAMON's sysfs lock): until every
 * running scheme has been applied over a whole apply interval (apply_interval_us, or the current
 * aggregation interval when 0), at most two of the longest. */
static uint64_t walk_usec(FakeKernel *k, unsigned i) {
        char buf[64], key[PATH_MAX];
        uint64_t ns = 0, longest = 0;

        if (fake_kernel_running_value(k, i, "contexts/0/schemes/nr_schemes", buf, sizeof(buf)) < 0 ||
            parse_u64_kernel(buf, &ns) < 0)
                return 0;
        for (uint64_t s = 0; s < ns; s++) {
                uint64_t u = 0;

                if (pathf(key, sizeof(key), "contexts/0/schemes/%" PRIu64 "/apply_interval_us", s) < 0 ||
                    fake_kernel_running_value(k, i, key, buf, sizeof(buf)) < 0 || parse_u64_kernel(buf, &u) < 0)
                        u = 0;
                longest = MAX(longest, u > 0 ? u : k->kdamonds[i].tuned_aggr_us);
        }
        return 2 * longest;
}

static int state_write(FakeKernel *k, unsigned i, const char *value) {
        FakeKdamond *kd = &k->kdamonds[i];
        const char *w;

        w = fake_keyword(FAKE_KW_STATE, value, k->version);
        if (!w)
                return -EINVAL;
        if (streq(w, "on"))
                return turn_on(k, i);
        if (streq(w, "off")) {
                if (!kd->on)
                        /* damon_stop() on a context whose thread is gone: EPERM; never built: EINVAL */
                        return kd->started ? -EPERM : -EINVAL;
                kd->on = false;
                return kdamond_publish(k, i);
        }
        if (fake_state_needs_running(w, k->version) && !kd->on)
                return -EINVAL;
        /* From 6.14 every other state command goes through damon_call(), which a kdamond whose schemes are
         * all off by their watermarks serves only in kdamond_wait_activation(), after sleeping until its
         * next watermark check: the writer waits up to the shortest watermark interval. The fake cannot
         * block; it serves the command at once and counts the wait. */
        if (k->version >= FAKE_V(6, 14) && kd->on && all_schemes_inactive(k, i)) {
                k->n_held_commands++;
                k->held_usec += wmark_sleep_usec(k, i);
        }
        kd->n_updates++;
        if (streq(w, "commit")) {
                /* Before 6.14 the sysfs interface handled commit only after an aggregation, which an
                 * inactive kdamond (every scheme off by its watermarks) never reaches: the writer
                 * waits in the kernel until a scheme activates. The fake cannot block; it counts. */
                if (k->version >= FAKE_V(6, 12) && k->version < FAKE_V(6, 14) && all_schemes_inactive(k, i)) {
                        k->n_hung_commits++;
                        return -EDEADLK;
                }
                return commit(k, i);
        }
        if (streq(w, "commit_schemes_quota_goals"))
                return commit_goals(k, i);
        if (streq(w, "update_schemes_stats"))
                return for_each_scheme(k, i, scheme_update_stats);
        if (streq(w, "update_schemes_effective_quotas"))
                return for_each_scheme(k, i, scheme_update_quota);
        if (streq(w, "update_schemes_tried_regions") || streq(w, "update_schemes_tried_bytes")) {
                /* the walk waits for every scheme's next apply, which never comes when all are off */
                if (all_schemes_inactive(k, i))
                        return -ECANCELED;
                /* served at once; a 6.14+ kernel holds the writer, with DAMON's sysfs lock, until the
                 * walk is done */
                if (k->version >= FAKE_V(6, 14)) {
                        k->n_walks++;
                        k->max_walk_usec = MAX(k->max_walk_usec, walk_usec(k, i));
                }
                return for_each_scheme(k, i, streq(w, "update_schemes_tried_regions") ?
                                                     scheme_tried_regions : scheme_tried_bytes);
        }
        if (streq(w, "clear_schemes_tried_regions"))
                return for_each_scheme(k, i, scheme_clear_tried);
        if (streq(w, "update_tuned_intervals"))
                return update_tuned_intervals(k, i);
        return -EINVAL;
}

static int leaf_write(FakeKernel *k, const char *path, FakeKind kind, int kwset, const char *value) {
        uint64_t u;
        int64_t s;
        bool b;
        int r;

        switch (kind) {
        case FAKE_U64:
        case FAKE_U32:
                r = parse_u64_kernel(value, &u);
                if (r < 0)
                        return r;
                if (kind == FAKE_U32 && u > UINT32_MAX)
                        return -ERANGE;
                return tree_printf(dfd(k), path, "%" PRIu64 "\n", u);
        case FAKE_S32:
                r = parse_s64_kernel(value, &s);
                if (r < 0)
                        return r;
                if (s < INT32_MIN || s > INT32_MAX)
                        return -ERANGE;
                return tree_printf(dfd(k), path, "%" PRIi64 "\n", s);
        case FAKE_BOOL:
                r = parse_bool_kernel(value, &b);
                if (r < 0)
                        return r;
                return tree_write(dfd(k), path, b ? "Y\n" : "N\n");
        case FAKE_KEYWORD: {
                const char *w = fake_keyword((FakeKeywordSet) kwset, value, k->version);

                if (!w)
                        return -EINVAL;
                return tree_printf(dfd(k), path, "%s\n", w);
        }
        case FAKE_STRING:
                /* stored as written: a trailing newline stays part of the value */
                return tree_printf(dfd(k), path, "%s\n", value);
        case FAKE_RO:
        case FAKE_AVAIL_OPS:
                /* kernfs refuses to open a file without a store method for writing */
                return -EACCES;
        default:
                return -EINVAL;
        }
}

static int damon_write(FakeKernel *k, const char *path, const char *value) {
        FakeFile f;
        int64_t n;
        int r;

        r = resolve(k, path, &f);
        if (r < 0)
                return r;

        switch (f.entry->kind) {
        case FAKE_NR:
                r = parse_s64_kernel(value, &n);
                if (r < 0)
                        return r;
                if (n < INT32_MIN || n > INT32_MAX)
                        return -ERANGE;
                if (n < 0)
                        return -EINVAL;
                if (f.dir == FAKE_DIR_CONTEXTS && n > 1)
                        return -EINVAL;
                if (f.dir == FAKE_DIR_KDAMONDS && any_kdamond_on(k))
                        return -EBUSY;
                return set_nr(k, f.dirpath, f.dir, path, (unsigned) n);
        case FAKE_STATE:
                assert(f.kdamond >= 0);
                return state_write(k, (unsigned) f.kdamond, value);
        default:
                return leaf_write(k, path, f.entry->kind, f.entry->arg, value);
        }
}

/* ---- modules ---- */

static int module_path(DamonModule m, const char *param, char *buf, size_t size) {
        return pathf(buf, size, MODULE_PREFIX "%s/parameters/%s", fake_modules[m].name, param);
}

/* Writes a kernel-maintained parameter when this module has it in this generation. */
static int module_publish(FakeKernel *k, DamonModule m, const char *param, const char *content) {
        char p[PATH_MAX];
        int r;

        if (!fake_module_param(m, param, k->version))
                return 0;
        r = module_path(m, param, p, sizeof(p));
        return r < 0 ? r : tree_write(dfd(k), p, content);
}

/* DAMON_STAT's read-outs: 101 idle-time percentiles, negative for accessed memory as of 6.18. */
static int stat_publish(FakeKernel *k, bool enabled) {
        char buf[2048];
        size_t len = 0;
        int r;

        for (int i = 0; i <= 100; i++) {
                int n = snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "",
                                 enabled ? (i - 10) * 100 : 0);

                if (n < 0 || (size_t) n >= sizeof(buf) - len)
                        return -ENOBUFS;
                len += n;
        }
        if (len + 2 > sizeof(buf))
                return -ENOBUFS;
        r = module_publish(k, DAMON_MODULE_STAT, "memory_idle_ms_percentiles", strcat(buf, "\n"));
        if (r >= 0)
                r = module_publish(k, DAMON_MODULE_STAT, "estimated_memory_bandwidth",
                                   enabled ? "123456789\n" : "0\n");
        if (r >= 0)
                r = module_publish(k, DAMON_MODULE_STAT, "aggr_interval_us", enabled ? "200000\n" : "0\n");
        return r;
}

static int module_set_enabled(FakeKernel *k, DamonModule m, bool enabled) {
        char pid[32];
        int r = 0;

        if (!k->modules[m].present)
                return -ENOENT;
        if (enabled && !k->modules[m].enabled) {
                /* damon_start(exclusive): refused while any other context runs */
                if (any_kdamond_on(k) || any_module_enabled(k))
                        return -EBUSY;
                k->modules[m].enabled = true;
                snprintf(pid, sizeof(pid), "%d\n", k->next_pid++);
                r = module_publish(k, m, "kdamond_pid", pid);
        } else if (!enabled && k->modules[m].enabled) {
                k->modules[m].enabled = false;
                r = module_publish(k, m, "kdamond_pid", "-1\n");
        }
        if (r >= 0 && m == DAMON_MODULE_STAT)
                r = stat_publish(k, enabled);
        if (r < 0)
                return r;
        return module_publish(k, m, "enabled", enabled ? "Y\n" : "N\n");
}

static int module_write(FakeKernel *k, const char *path, const char *value) {
        for (DamonModule m = 0; m < _DAMON_MODULE_MAX; m++) {
                char prefix[PATH_MAX];
                const FakeParam *p;
                bool b;
                int r;

                if (!k->modules[m].present)
                        continue;
                r = module_path(m, "", prefix, sizeof(prefix));
                if (r < 0)
                        return r;
                if (!startswith(path, prefix))
                        continue;
                p = fake_module_param(m, path + strlen(prefix), k->version);
                if (!p)
                        return -ENOENT;
                if (p->kind == FAKE_BOOL && streq(p->name, "enabled")) {
                        r = parse_bool_kernel(value, &b);
                        if (r < 0)
                                return r;
                        return module_set_enabled(k, m, b);
                }
                if (p->kind == FAKE_BOOL && streq(p->name, "commit_inputs") && k->modules[m].enabled) {
                        r = parse_bool_kernel(value, &b);
                        if (r < 0)
                                return r;
                        /* the running module consumes the request and resets it */
                        if (b)
                                k->modules[m].n_commits++;
                        return tree_write(dfd(k), path, "N\n");
                }
                return leaf_write(k, path, p->kind, 0, value);
        }
        return damon_io_root_ops.write(k->root, path, value);
}

/* Applies a write with the kernel's semantics; no log, no injection, no lock. */
static int fake_apply(FakeKernel *k, const char *path, const char *value) {
        if (startswith(path, KDAMONDS_PREFIX))
                return damon_write(k, path, value);
        if (startswith(path, MODULE_PREFIX "damon_"))
                return module_write(k, path, value);
        return damon_io_root_ops.write(k->root, path, value);
}

/* ---- the DamonIO backend ---- */

static bool is_locked_file(const char *path) {
        const char *base = strrchr(path, '/');

        if (!startswith(path, KDAMONDS_PREFIX) || !base)
                return false;
        base++;
        return startswith(base, "nr_") || streq(base, "state") || streq(base, "pid");
}

static bool lock_busy_hit(FakeKernel *k, const char *path) {
        if (k->lock_busy == 0 || !is_locked_file(path))
                return false;
        k->lock_busy--;
        return true;
}

static int injected_error(FakeKernel *k, const char *path) {
        for (size_t i = 0; i < k->n_injections; i++) {
                FakeInjection *inj = &k->injections[i];
                int error = inj->error;

                if (!endswith(path, inj->suffix))
                        continue;
                if (inj->count > 0 && --inj->count == 0) {
                        free(inj->suffix);
                        memmove(inj, inj + 1, (k->n_injections - i - 1) * sizeof(*inj));
                        k->n_injections--;
                }
                return error;
        }
        return 0;
}

static void log_append(FakeKernel *k, const char *s) {
        size_t len = strlen(s);

        /* bounded: past FAKE_KERNEL_WRITE_LOG_MAX the older half goes, at a line's start */
        if (k->log_len + len + 1 > FAKE_KERNEL_WRITE_LOG_MAX && k->log_len > 0) {
                const char *cut = strchr(k->log + k->log_len / 2, '\n');
                size_t drop = cut ? (size_t) (cut + 1 - k->log) : k->log_len;

                memmove(k->log, k->log + drop, k->log_len - drop + 1);
                k->log_len -= drop;
        }
        if (k->log_len + len + 1 > k->log_cap) {
                size_t ncap = MAX(k->log_cap * 2, k->log_len + len + 1024);
                char *n = realloc(k->log, ncap);

                if (!n)
                        return;
                k->log = n;
                k->log_cap = ncap;
        }
        memcpy(k->log + k->log_len, s, len + 1);
        k->log_len += len;
}

static void log_write(FakeKernel *k, const char *path, const char *value, int r) {
        const char *rel = startswith(path, KDAMONDS_PREFIX) ? path + strlen(KDAMONDS_PREFIX) : path;
        size_t vlen = strlen(value);
        char line[PATH_MAX + 256];
        const char *name;

        if (vlen > 0 && value[vlen - 1] == '\n')
                vlen--;
        name = r < 0 ? strerrorname_np(-r) : NULL;
        if (r >= 0)
                snprintf(line, sizeof(line), "%s %.*s\n", rel, (int) MIN(vlen, 200u), value);
        else if (name)
                snprintf(line, sizeof(line), "%s %.*s -> -%s\n", rel, (int) MIN(vlen, 200u), value, name);
        else
                snprintf(line, sizeof(line), "%s %.*s -> %d\n", rel, (int) MIN(vlen, 200u), value, r);
        log_append(k, line);
}

/* refresh_ms (6.17): a running kdamond with a non-zero refresh_ms keeps its stats, effective quotas and
 * tuned intervals current by itself. The fake refreshes them whenever one of them is read. */
static int maybe_refresh(FakeKernel *k, const char *path) {
        const char *rel = path + strlen(KDAMONDS_PREFIX);
        uint64_t refresh_ms = 0;
        char *end;
        unsigned long i;
        int r;

        if (!startswith(path, KDAMONDS_PREFIX) || !isdigit((unsigned char) rel[0]))
                return 0;
        if (!strstr(rel, "/stats/") && !endswith(rel, "/effective_bytes") &&
            !endswith(rel, "/intervals/sample_us") && !endswith(rel, "/intervals/aggr_us"))
                return 0;
        i = strtoul(rel, &end, 10);
        if (*end != '/' || i >= k->n_kdamonds || !k->kdamonds[i].on)
                return 0;
        if (read_u64f(k, &refresh_ms, KDAMONDS_PREFIX "%lu/refresh_ms", i) < 0 || refresh_ms == 0)
                return 0;
        k->kdamonds[i].n_updates++;
        r = for_each_scheme(k, (unsigned) i, scheme_update_stats);
        if (r >= 0)
                r = for_each_scheme(k, (unsigned) i, scheme_update_quota);
        if (r >= 0)
                r = update_tuned_intervals(k, (unsigned) i);
        return r;
}

static ssize_t io_read(void *userdata, const char *path, char *buf, size_t size) {
        FakeKernel *k = userdata;
        int r;

        if (lock_busy_hit(k, path))
                return -EBUSY;
        r = maybe_refresh(k, path);
        if (r < 0)
                return r;
        return damon_io_root_ops.read(k->root, path, buf, size);
}

static const struct {
        const char *name;
        int error;
} inject_errors[] = {
        { "EIO", -EIO }, { "EINVAL", -EINVAL }, { "ENOMEM", -ENOMEM }, { "EBUSY", -EBUSY },
        { "ENOSPC", -ENOSPC }, { "EPERM", -EPERM }, { "ENOENT", -ENOENT },
};

/* Takes the injections that another process wrote to the inject file, and removes it. */
static void take_inject_file(FakeKernel *k) {
        char line[512];
        FILE *f;

        if (!k->inject_file || access(k->inject_file, F_OK) < 0)
                return;
        f = fopen(k->inject_file, "re");
        if (!f)
                return;
        while (fgets(line, sizeof line, f)) {
                char suffix[256], name[32];
                unsigned count = 1;

                if (sscanf(line, "%255s %31s %u", suffix, name, &count) < 2)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(inject_errors); i++)
                        if (streq(inject_errors[i].name, name))
                                fake_kernel_inject_write_error(k, suffix, inject_errors[i].error, count);
        }
        fclose(f);
        (void) unlink(k->inject_file);
}

static int io_write(void *userdata, const char *path, const char *value) {
        FakeKernel *k = userdata;
        int r;

        take_inject_file(k);

        k->n_attempts++;
        r = k->fail_at > 0 && k->n_attempts == k->fail_at ? k->fail_error : injected_error(k, path);
        if (r == 0 && lock_busy_hit(k, path))
                r = -EBUSY;
        if (r == 0)
                r = fake_apply(k, path, value);
        log_write(k, path, value, r);
        if (r >= 0)
                k->n_writes++;
        return r < 0 ? r : 0;
}

static int io_exists(void *userdata, const char *path) {
        FakeKernel *k = userdata;

        return damon_io_root_ops.exists(k->root, path);
}

static int io_list(void *userdata, const char *path, char ***ret_names) {
        FakeKernel *k = userdata;

        return damon_io_root_ops.list(k->root, path, ret_names);
}

static void io_sleep_usec(void *userdata, uint64_t usec) {
        FakeKernel *k = userdata;

        k->slept_usec += usec;
}

static const DamonIOOps fake_io_ops = {
        .read = io_read,
        .write = io_write,
        .exists = io_exists,
        .list = io_list,
        .sleep_usec = io_sleep_usec,
};

/* ---- construction ---- */

static int create_module(FakeKernel *k, DamonModule m) {
        const FakeModuleType *t = &fake_modules[m];
        char p[PATH_MAX], buf[256];
        int r;

        r = module_path(m, "", p, sizeof(p));
        if (r >= 0)
                r = tree_mkdir_p(dfd(k), p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_params; i++) {
                if (t->params[i].since > k->version)
                        continue;
                r = module_path(m, t->params[i].name, p, sizeof(p));
                if (r >= 0)
                        r = snprintf(buf, sizeof(buf), "%s\n", t->params[i].def) < (int) sizeof(buf) ? 0 : -ENOBUFS;
                if (r >= 0)
                        r = tree_write_mode(dfd(k), p, buf, t->params[i].kind == FAKE_RO ? 0400 : 0600);
                if (r < 0)
                        return r;
        }
        k->modules[m].present = true;
        return 0;
}

int fake_kernel_new(FakeKernelGen gen, bool with_modules, FakeKernel **ret) {
        _cleanup_(fake_kernel_freep) FakeKernel *k = NULL;
        const char *tmp = getenv("TMPDIR");
        char *path;
        int r;

        if ((int) gen < 0 || gen >= _FAKE_GEN_MAX || !ret)
                return -EINVAL;
        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->gen = gen;
        k->version = gen_version[gen];
        k->next_pid = FAKE_FIRST_PID;
        k->free_mem_permil = 300;
        k->avail_ops = (1u << DAMON_OPS_VADDR) | (1u << DAMON_OPS_PADDR);
        if (k->version >= FAKE_V(5, 19))
                k->avail_ops |= 1u << DAMON_OPS_FVADDR;

        /* tmpfs when we may: creating and removing thousands of small files on a disk file system
         * mounted with "discard" takes seconds per suite */
        if (isempty(tmp))
                tmp = access("/dev/shm", W_OK) >= 0 ? "/dev/shm" : "/tmp";
        if (asprintf(&path, "%s/damond-fake-kernel-XXXXXX", tmp) < 0)
                return -ENOMEM;
        k->path = path;
        if (!mkdtemp(k->path)) {
                r = -errno;
                k->path = mfree(k->path);
                return r;
        }
        live_add(k);
        r = root_open(k->path, &k->root);
        if (r < 0)
                return r;
        r = damon_io_new(&fake_io_ops, k, &k->io);
        if (r < 0)
                return r;

        r = tree_mkdir_p(dfd(k), KDAMONDS_DIR);
        if (r < 0)
                return r;
        r = create_dir(k, KDAMONDS_DIR, FAKE_DIR_KDAMONDS);
        if (r < 0)
                return r;
        if (with_modules) {
                r = create_module(k, DAMON_MODULE_RECLAIM);
                if (r >= 0 && k->version >= fake_modules[DAMON_MODULE_LRU_SORT].since)
                        r = create_module(k, DAMON_MODULE_LRU_SORT);
                if (r < 0)
                        return r;
        }
        r = fake_kernel_write_file(k, "proc/pressure/memory",
                                   "some avg10=0.12 avg60=0.08 avg300=0.02 total=1234567\n"
                                   "full avg10=0.00 avg60=0.01 avg300=0.00 total=234567\n");
        if (r >= 0)
                r = fake_kernel_write_file(k, "sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
        if (r >= 0)
                r = fake_kernel_add_process(k, 1);
        if (r >= 0)
                r = write_meminfo(k);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(k);
        return 0;
}

FakeKernel *fake_kernel_free(FakeKernel *k) {
        if (!k)
                return NULL;
        live_remove(k);
        damon_io_free(k->io);
        root_free(k->root);
        if (k->path) {
                /* a forked child freeing its parent's fake kernel leaves the tree to the parent */
                if (k->creator == getpid())
                        (void) tree_rm_rf(AT_FDCWD, k->path);
                free(k->path);
        }
        kdamonds_reset(k);
        fake_kernel_clear_injections(k);
        free(k->log);
        free(k->inject_file);
        return mfree(k);
}

FakeKernelGen fake_kernel_gen(const FakeKernel *k) {
        return k->gen;
}

const char *fake_kernel_root_path(const FakeKernel *k) {
        return k->path;
}

const Root *fake_kernel_root(const FakeKernel *k) {
        return k->root;
}

DamonIO *fake_kernel_io(FakeKernel *k) {
        return k->io;
}

uint64_t fake_kernel_slept_usec(const FakeKernel *k) {
        return k->slept_usec;
}

/* Writes only when this generation has the file; the foreign tool stages what the kernel offers. */
static int foreign_set(FakeKernel *k, unsigned index, const char *rel, const char *value) {
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%u/%s", index, rel);
        if (r < 0)
                return r;
        if (tree_exists(dfd(k), p) <= 0)
                return 0;
        return fake_apply(k, p, value);
}

int fake_kernel_add_foreign_kdamond(FakeKernel *k, bool running, unsigned *ret_index) {
        /* the configuration seen on the development machines (a live 6.18 tree), plus a goal */
        static const struct {
                const char *rel, *value;
        } staging[] = {
                { "contexts/nr_contexts", "1" },
                { "contexts/0/operations", "paddr" },
                { "contexts/0/monitoring_attrs/intervals/sample_us", "500000" },
                { "contexts/0/monitoring_attrs/intervals/aggr_us", "5000000" },
                { "contexts/0/monitoring_attrs/intervals/update_us", "60000000" },
                { "contexts/0/monitoring_attrs/nr_regions/min", "1024" },
                { "contexts/0/monitoring_attrs/nr_regions/max", "8192" },
                { "contexts/0/targets/nr_targets", "1" },
                { "contexts/0/targets/0/regions/nr_regions", "1" },
                { "contexts/0/targets/0/regions/0/start", "4294967296" },
                { "contexts/0/targets/0/regions/0/end", "6335692800" },
                { "contexts/0/schemes/nr_schemes", "1" },
                { "contexts/0/schemes/0/action", "pageout" },
                { "contexts/0/schemes/0/access_pattern/sz/max", "18446744073709551615" },
                { "contexts/0/schemes/0/access_pattern/nr_accesses/max", "1" },
                { "contexts/0/schemes/0/access_pattern/age/min", "12" },
                { "contexts/0/schemes/0/access_pattern/age/max", "4294967295" },
                { "contexts/0/schemes/0/quotas/ms", "50" },
                { "contexts/0/schemes/0/quotas/bytes", "134217728" },
                { "contexts/0/schemes/0/quotas/reset_interval_ms", "1000" },
                { "contexts/0/schemes/0/quotas/weights/age_permil", "1000" },
                { "contexts/0/schemes/0/quotas/goals/nr_goals", "1" },
                { "contexts/0/schemes/0/quotas/goals/0/target_metric", "some_mem_psi_us" },
                { "contexts/0/schemes/0/quotas/goals/0/target_value", "1000" },
        };
        unsigned index = k->n_kdamonds;
        char p[PATH_MAX];
        int r;

        r = pathf(p, sizeof(p), "%u", index + 1);
        if (r >= 0)
                r = fake_apply(k, KDAMONDS_PREFIX "nr_kdamonds", p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(staging); i++) {
                r = foreign_set(k, index, staging[i].rel, staging[i].value);
                if (r < 0)
                        return r;
        }
        /* 6.15+: [reject anon, allow unmapped] in ops_filters; before: one anon filter */
        if (exists_f(k, KDAMONDS_PREFIX "%u/contexts/0/schemes/0/ops_filters", index)) {
                static const char * const f[][2] = {
                        { "contexts/0/schemes/0/ops_filters/nr_filters", "2" },
                        { "contexts/0/schemes/0/ops_filters/0/type", "anon" },
                        { "contexts/0/schemes/0/ops_filters/0/matching", "Y" },
                        { "contexts/0/schemes/0/ops_filters/1/type", "unmapped" },
                        { "contexts/0/schemes/0/ops_filters/1/matching", "Y" },
                        { "contexts/0/schemes/0/ops_filters/1/allow", "Y" },
                };
                for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                        r = foreign_set(k, index, f[i][0], f[i][1]);
                        if (r < 0)
                                return r;
                }
        } else {
                r = foreign_set(k, index, "contexts/0/schemes/0/filters/nr_filters", "1");
                if (r >= 0)
                        r = foreign_set(k, index, "contexts/0/schemes/0/filters/0/matching", "Y");
                if (r < 0)
                        return r;
        }
        if (running) {
                r = foreign_set(k, index, "state", "on");
                if (r < 0)
                        return r;
        }
        if (ret_index)
                *ret_index = index;
        return 0;
}

int fake_kernel_snapshot(FakeKernel *k, const char *subtree, char **ret) {
        return tree_snapshot(dfd(k), subtree, 0, ret);
}

const char *fake_kernel_write_log(const FakeKernel *k) {
        return k->log ? k->log : "";
}

size_t fake_kernel_n_writes(const FakeKernel *k) {
        return k->n_writes;
}

void fake_kernel_clear_write_log(FakeKernel *k) {
        k->log = mfree(k->log);
        k->log_len = k->log_cap = 0;
}

void fake_kernel_inject_write_error(FakeKernel *k, const char *suffix, int error, unsigned count) {
        FakeInjection *n;
        char *s;

        assert(error < 0);
        s = strdup(suffix);
        n = s ? realloc(k->injections, (k->n_injections + 1) * sizeof(FakeInjection)) : NULL;
        if (!n) {
                free(s);
                abort();        /* a test helper: failing to set up the test is fatal */
        }
        k->injections = n;
        k->injections[k->n_injections++] = (FakeInjection) { .suffix = s, .error = error, .count = count };
}

void fake_kernel_inject_nth_write_error(FakeKernel *k, size_t n, int error) {
        assert(error < 0);
        k->fail_at = k->n_attempts + n + 1;
        k->fail_error = error;
}

size_t fake_kernel_n_write_attempts(const FakeKernel *k) {
        return k->n_attempts;
}

const char *fake_kernel_running_config(const FakeKernel *k, unsigned index) {
        return index < k->n_kdamonds ? k->kdamonds[index].running : NULL;
}

bool fake_kernel_kdamond_on(const FakeKernel *k, unsigned index) {
        return index < k->n_kdamonds && k->kdamonds[index].on;
}

int fake_kernel_set_inject_file(FakeKernel *k, const char *path) {
        char *p = NULL;

        if (path && !(p = strdup(path)))
                return -ENOMEM;
        free(k->inject_file);
        k->inject_file = p;
        return 0;
}

void fake_kernel_clear_injections(FakeKernel *k) {
        k->fail_at = 0;
        for (size_t i = 0; i < k->n_injections; i++)
                free(k->injections[i].suffix);
        k->injections = mfree(k->injections);
        k->n_injections = 0;
}

void fake_kernel_set_lock_busy(FakeKernel *k, unsigned count) {
        k->lock_busy = count;
}

int fake_kernel_running_value(FakeKernel *k, unsigned index, const char *relpath, char *buf, size_t size) {
        const char *running, *l;
        size_t len = strlen(relpath);

        if (index >= k->n_kdamonds || !k->kdamonds[index].running)
                return -ENOENT;
        running = k->kdamonds[index].running;
        for (l = running; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
                size_t vlen;

                if (!strneq(l, relpath, len) || l[len] != '=')
                        continue;
                vlen = strcspn(l + len + 1, "\n");
                if (vlen + 1 > size)
                        return -ENOBUFS;
                memcpy(buf, l + len + 1, vlen);
                buf[vlen] = '\0';
                return 0;
        }
        return -ENOENT;
}

unsigned fake_kernel_n_starts(const FakeKernel *k, unsigned index) {
        return index < k->n_kdamonds ? k->kdamonds[index].n_starts : 0;
}

unsigned fake_kernel_n_commits(const FakeKernel *k, unsigned index) {
        return index < k->n_kdamonds ? k->kdamonds[index].n_commits : 0;
}

unsigned fake_kernel_n_goal_commits(const FakeKernel *k, unsigned index) {
        return index < k->n_kdamonds ? k->kdamonds[index].n_goal_commits : 0;
}

int fake_kernel_targets_exit(FakeKernel *k, unsigned index) {
        FakeKdamond *kd;
        char buf[64], key[PATH_MAX];
        uint64_t nt = 0;
        int r;

        if (index >= k->n_kdamonds)
                return -ENOENT;
        kd = &k->kdamonds[index];
        if (!kd->on)
                return -EINVAL;
        r = fake_kernel_running_value(k, index, "contexts/0/operations", buf, sizeof(buf));
        if (r < 0)
                return r;
        /* a paddr kdamond never stops by itself */
        if (streq(buf, "paddr"))
                return -EINVAL;
        if (fake_kernel_running_value(k, index, "contexts/0/targets/nr_targets", buf, sizeof(buf)) >= 0)
                (void) parse_u64_kernel(buf, &nt);
        for (uint64_t t = 0; t < nt; t++) {
                int64_t pid;

                r = pathf(key, sizeof(key), "contexts/0/targets/%" PRIu64 "/pid_target", t);
                if (r < 0)
                        return r;
                if (fake_kernel_running_value(k, index, key, buf, sizeof(buf)) < 0 ||
                    parse_s64_kernel(buf, &pid) < 0 || pid <= 0)
                        continue;
                r = pathf(key, sizeof(key), "proc/%" PRIi64, pid);
                if (r < 0)
                        return r;
                r = tree_rm_rf(dfd(k), key);
                if (r < 0)
                        return r;
        }
        kd->on = false;
        return kdamond_publish(k, index);
}

int fake_kernel_add_stat_module(FakeKernel *k, bool enabled) {
        int r;

        if (k->version < fake_modules[DAMON_MODULE_STAT].since)
                return -EOPNOTSUPP;
        if (k->modules[DAMON_MODULE_STAT].present)
                return -EEXIST;
        r = create_module(k, DAMON_MODULE_STAT);
        if (r >= 0)
                r = stat_publish(k, false);
        if (r < 0 || !enabled)
                return r;
        /* CONFIG_DAMON_STAT_ENABLED_DEFAULT=y: it starts at boot, before anyone else */
        if (any_kdamond_on(k) || any_module_enabled(k))
                return -EBUSY;
        return module_set_enabled(k, DAMON_MODULE_STAT, true);
}

int fake_kernel_set_module_enabled(FakeKernel *k, DamonModule m, bool enabled) {
        if ((int) m < 0 || m >= _DAMON_MODULE_MAX)
                return -EINVAL;
        return module_set_enabled(k, m, enabled);
}

unsigned fake_kernel_module_n_commits(const FakeKernel *k, DamonModule m) {
        return (int) m >= 0 && m < _DAMON_MODULE_MAX ? k->modules[m].n_commits : 0;
}

int fake_kernel_write_file(FakeKernel *k, const char *relpath, const char *content) {
        const char *slash = strrchr(relpath, '/');
        int r;

        if (slash) {
                char dir[PATH_MAX];

                if ((size_t) (slash - relpath) >= sizeof(dir))
                        return -ENAMETOOLONG;
                memcpy(dir, relpath, slash - relpath);
                dir[slash - relpath] = '\0';
                r = tree_mkdir_p(dfd(k), dir);
                if (r < 0)
                        return r;
        }
        return tree_write(dfd(k), relpath, content);
}

int fake_kernel_add_process(FakeKernel *k, pid_t pid) {
        char p[PATH_MAX];
        int r;

        if (pid <= 0)
                return -EINVAL;
        r = pathf(p, sizeof(p), "proc/%d/comm", (int) pid);
        if (r < 0)
                return r;
        return fake_kernel_write_file(k, p, pid == 1 ? "systemd\n" : "fake-process\n");
}

static int write_meminfo(FakeKernel *k) {
        char buf[256];
        uint64_t total_kb = 8388608;

        /* what damond reads to predict the watermarks' free_mem_rate */
        snprintf(buf, sizeof(buf), "MemTotal:       %" PRIu64 " kB\nMemFree:        %" PRIu64 " kB\n"
                 "MemAvailable:   %" PRIu64 " kB\n", total_kb, total_kb * k->free_mem_permil / 1000,
                 total_kb * k->free_mem_permil / 1000);
        return fake_kernel_write_file(k, "proc/meminfo", buf);
}

unsigned fake_kernel_n_held_commands(const FakeKernel *k) {
        return k->n_held_commands;
}

uint64_t fake_kernel_held_usec(const FakeKernel *k) {
        return k->held_usec;
}

unsigned fake_kernel_n_walks(const FakeKernel *k) {
        return k->n_walks;
}

uint64_t fake_kernel_max_walk_usec(const FakeKernel *k) {
        return k->max_walk_usec;
}

unsigned fake_kernel_n_hung_commits(const FakeKernel *k) {
        return k->n_hung_commits;
}

void fake_kernel_set_free_mem_permil(FakeKernel *k, uint64_t permil) {
        k->free_mem_permil = permil;
        (void) write_meminfo(k);
}

int fake_kernel_set_avail_ops(FakeKernel *k, unsigned ops_mask) {
        char buf[256];
        int r;

        k->avail_ops = ops_mask;
        if (k->version < FAKE_V(5, 19))
                return 0;
        r = avail_ops_content(k, buf, sizeof(buf));
        if (r < 0)
                return r;
        for (size_t i = 0; i < k->n_kdamonds; i++) {
                char p[PATH_MAX];

                r = pathf(p, sizeof(p), KDAMONDS_PREFIX "%zu/contexts/0/avail_operations", i);
                if (r < 0)
                        return r;
                if (tree_exists(dfd(k), p) > 0) {
                        r = tree_write(dfd(k), p, buf);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
