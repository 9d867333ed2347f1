/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "damon-modules.h"

#define P(n, t, ro, st, v, u) { .name = n, .type = DAMON_MODULE_PARAM_##t, .read_only = ro, .stat = st, \
                                .since = v, .unit = u }
#define RW(n, t, v, u) P(n, t, false, false, v, u)
#define STAT(n, t, v, u) P(n, t, true, true, v, u)

/* DAMON_RECLAIM: Documentation/admin-guide/mm/damon/reclaim.rst */
static const DamonModuleParamInfo reclaim_params[] = {
        RW("enabled", BOOL, "5.16", NULL),
        RW("commit_inputs", BOOL, "5.19", NULL),
        RW("min_age", U64, "5.16", "us"),
        RW("quota_ms", U64, "5.16", "ms"),
        RW("quota_sz", U64, "5.16", "bytes"),
        RW("quota_reset_interval_ms", U64, "5.16", "ms"),
        RW("quota_mem_pressure_us", U64, "6.9", "us"),
        RW("quota_autotune_feedback", U64, "6.9", NULL),
        RW("wmarks_interval", U64, "5.16", "us"),
        RW("wmarks_high", U64, "5.16", "permil"),
        RW("wmarks_mid", U64, "5.16", "permil"),
        RW("wmarks_low", U64, "5.16", "permil"),
        RW("sample_interval", U64, "5.16", "us"),
        RW("aggr_interval", U64, "5.16", "us"),
        RW("min_nr_regions", U64, "5.16", "regions"),
        RW("max_nr_regions", U64, "5.16", "regions"),
        RW("monitor_region_start", U64, "5.16", "bytes"),
        RW("monitor_region_end", U64, "5.16", "bytes"),
        RW("skip_anon", BOOL, "6.3", NULL),
        RW("addr_unit", U64, "6.18", NULL),
        P("kdamond_pid", S64, true, false, "5.16", NULL),
        STAT("nr_reclaim_tried_regions", U64, "5.17", "regions"),
        STAT("bytes_reclaim_tried_regions", U64, "5.17", "bytes"),
        STAT("nr_reclaimed_regions", U64, "5.17", "regions"),
        STAT("bytes_reclaimed_regions", U64, "5.17", "bytes"),
        STAT("nr_quota_exceeds", U64, "5.17", NULL),
};

/* DAMON_LRU_SORT: Documentation/admin-guide/mm/damon/lru_sort.rst */
static const DamonModuleParamInfo lru_sort_params[] = {
        RW("enabled", BOOL, "6.0", NULL),
        RW("commit_inputs", BOOL, "6.0", NULL),
        RW("hot_thres_access_freq", U64, "6.0", "permil"),
        RW("cold_min_age", U64, "6.0", "us"),
        RW("quota_ms", U64, "6.0", "ms"),
        RW("quota_reset_interval_ms", U64, "6.0", "ms"),
        RW("wmarks_interval", U64, "6.0", "us"),
        RW("wmarks_high", U64, "6.0", "permil"),
        RW("wmarks_mid", U64, "6.0", "permil"),
        RW("wmarks_low", U64, "6.0", "permil"),
        RW("sample_interval", U64, "6.0", "us"),
        RW("aggr_interval", U64, "6.0", "us"),
        RW("min_nr_regions", U64, "6.0", "regions"),
        RW("max_nr_regions", U64, "6.0", "regions"),
        RW("monitor_region_start", U64, "6.0", "bytes"),
        RW("monitor_region_end", U64, "6.0", "bytes"),
        RW("addr_unit", U64, "6.18", NULL),
        RW("active_mem_bp", U64, "7.0", "bp"),
        RW("autotune_monitoring_intervals", BOOL, "7.0", NULL),
        RW("filter_young_pages", BOOL, "7.0", NULL),
        P("kdamond_pid", S64, true, false, "6.0", NULL),
        STAT("nr_lru_sort_tried_hot_regions", U64, "6.0", "regions"),
        STAT("bytes_lru_sort_tried_hot_regions", U64, "6.0", "bytes"),
        STAT("nr_lru_sorted_hot_regions", U64, "6.0", "regions"),
        STAT("bytes_lru_sorted_hot_regions", U64, "6.0", "bytes"),
        STAT("nr_hot_quota_exceeds", U64, "6.0", NULL),
        STAT("nr_lru_sort_tried_cold_regions", U64, "6.0", "regions"),
        STAT("bytes_lru_sort_tried_cold_regions", U64, "6.0", "bytes"),
        STAT("nr_lru_sorted_cold_regions", U64, "6.0", "regions"),
        STAT("bytes_lru_sorted_cold_regions", U64, "6.0", "bytes"),
        STAT("nr_cold_quota_exceeds", U64, "6.0", NULL),
};

/* DAMON_STAT: Documentation/admin-guide/mm/damon/stat.rst */
static const DamonModuleParamInfo stat_params[] = {
        RW("enabled", BOOL, "6.17", NULL),
        STAT("estimated_memory_bandwidth", U64, "6.17", "B/s"),
        STAT("memory_idle_ms_percentiles", STRING, "6.17", "ms"),
        STAT("aggr_interval_us", U64, "6.18", "us"),
        /* on Debian's 7.2; the mainline release that brought it is not verified */
        P("kdamond_pid", S64, true, false, "7.2", NULL),
};

static const struct {
        const char *short_name;
        const DamonModuleParamInfo *params;
        size_t n_params;
} modules[_DAMON_MODULE_MAX] = {
        [DAMON_MODULE_RECLAIM] = { "reclaim", reclaim_params, ELEMENTSOF(reclaim_params) },
        [DAMON_MODULE_LRU_SORT] = { "lru_sort", lru_sort_params, ELEMENTSOF(lru_sort_params) },
        [DAMON_MODULE_STAT] = { "stat", stat_params, ELEMENTSOF(stat_params) },
};

static bool module_valid(DamonModule m) {
        return (int) m >= 0 && m < _DAMON_MODULE_MAX;
}

DamonModule damon_module_from_name(const char *s) {
        for (size_t i = 0; i < _DAMON_MODULE_MAX; i++) {
                const char *dir = damon_module_to_string((DamonModule) i);

                if (s && (streq(s, dir) || streq(s, modules[i].short_name)))
                        return (DamonModule) i;
        }
        return _DAMON_MODULE_INVALID;
}

size_t damon_module_param_table(DamonModule m, const DamonModuleParamInfo **ret) {
        if (!module_valid(m)) {
                if (ret)
                        *ret = NULL;
                return 0;
        }
        if (ret)
                *ret = modules[m].params;
        return modules[m].n_params;
}

const DamonModuleParamInfo *damon_module_param_info(DamonModule m, const char *name) {
        if (!module_valid(m) || !name)
                return NULL;
        for (size_t i = 0; i < modules[m].n_params; i++)
                if (streq(modules[m].params[i].name, name))
                        return &modules[m].params[i];
        return NULL;
}

static int param_path(DamonModule m, const char *name, char *buf, size_t size) {
        int n;

        if (!module_valid(m) || isempty(name) || strchr(name, '/'))
                return -EINVAL;
        n = snprintf(buf, size, DAMON_MODULES_DIR "/%s/parameters/%s", damon_module_to_string(m), name);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}


int damon_module_has_param(DamonIO *io, DamonModule m, const char *name) {
        char p[256];
        int r;

        if (!io)
                return -EINVAL;
        r = param_path(m, name, p, sizeof(p));
        if (r < 0)
                return r;
        return damon_io_exists(io, p);
}

int damon_modules_present(DamonIO *io, unsigned *ret_mask) {
        unsigned mask = 0;

        if (!io || !ret_mask)
                return -EINVAL;
        for (size_t i = 0; i < _DAMON_MODULE_MAX; i++) {
                int r = damon_module_has_param(io, (DamonModule) i, "enabled");

                if (r < 0)
                        return r;
                if (r > 0)
                        mask |= 1U << i;
        }
        *ret_mask = mask;
        return 0;
}

int damon_module_list_params(DamonIO *io, DamonModule m, char ***ret_names) {
        char p[256];
        int r;

        if (!io || !ret_names || !module_valid(m))
                return -EINVAL;
        snprintf(p, sizeof(p), DAMON_MODULES_DIR "/%s/parameters", damon_module_to_string(m));
        r = damon_io_list(io, p, ret_names);
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        return r;
}

static int read_raw(DamonIO *io, DamonModule m, const char *name, char *buf, size_t size) {
        char p[256];
        int r;

        r = param_path(m, name, p, sizeof(p));
        if (r < 0)
                return r;
        return damon_io_read(io, p, buf, size);
}

static int read_bool(DamonIO *io, DamonModule m, const char *name, bool *ret) {
        char buf[16];
        int r;

        r = read_raw(io, m, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_bool_kernel(buf, ret) < 0 ? -EBADMSG : 0;
}

static int read_s64(DamonIO *io, DamonModule m, const char *name, int64_t *ret) {
        char buf[32];
        int r;

        r = read_raw(io, m, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_s64_kernel(buf, ret) < 0 ? -EBADMSG : 0;
}

static void value_done(DamonModuleValue *v) {
        free(v->name);
        free(v->raw);
}

DamonModuleParams *damon_module_params_free(DamonModuleParams *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                value_done(&p->values[i]);
        free(p->values);
        return mfree(p);
}

static int parse_value(DamonModuleValue *v) {
        int r = 0;

        if (!v->info)
                return 0;
        switch (v->info->type) {
        case DAMON_MODULE_PARAM_BOOL:
                r = parse_bool_kernel(v->raw, &v->b);
                break;
        case DAMON_MODULE_PARAM_U64:
                r = parse_u64_kernel(v->raw, &v->u64);
                break;
        case DAMON_MODULE_PARAM_S64:
                r = parse_s64_kernel(v->raw, &v->s64);
                break;
        default:
                break;
        }
        return r < 0 ? -EBADMSG : 0;
}

int damon_module_read_params(DamonIO *io, DamonModule m, DamonModuleParams **ret) {
        _cleanup_(damon_module_params_freep) DamonModuleParams *p = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *buf = NULL;
        /* the percentiles are 101 numbers; 8 KiB leaves room for whatever a newer kernel adds */
        const size_t bufsize = 8192;
        size_t n = 0;
        int r;

        if (!io || !ret || !module_valid(m))
                return -EINVAL;
        r = damon_module_list_params(io, m, &names);
        if (r < 0)
                return r;
        while (names[n])
                n++;

        p = calloc(1, sizeof(*p));
        buf = malloc(bufsize);
        if (!p || !buf)
                return -ENOMEM;
        p->module = m;
        p->values = calloc(MAX(n, (size_t) 1), sizeof(DamonModuleValue));
        if (!p->values)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                DamonModuleValue *v = &p->values[i];

                r = read_raw(io, m, names[i], buf, bufsize);
                if (r < 0)
                        return r;
                v->name = strdup(names[i]);
                v->raw = strdup(buf);
                p->n++;         /* from here on damon_module_params_free() owns the strings */
                if (!v->name || !v->raw)
                        return -ENOMEM;
                v->info = damon_module_param_info(m, names[i]);
                r = parse_value(v);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(p);
        return 0;
}

const DamonModuleValue *damon_module_params_get(const DamonModuleParams *p, const char *name) {
        if (!p || !name)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->values[i].name, name))
                        return &p->values[i];
        return NULL;
}

int damon_stat_parse_percentiles(const char *s, int64_t ret[DAMON_STAT_N_PERCENTILES]) {
        int64_t v[DAMON_STAT_N_PERCENTILES];
        size_t i = 0;

        if (!s || !ret)
                return -EINVAL;
        for (const char *p = s;; i++) {
                char num[32];
                size_t l = strcspn(p, ",");

                if (i >= DAMON_STAT_N_PERCENTILES || l == 0 || l >= sizeof(num))
                        return -EINVAL;
                memcpy(num, p, l);
                num[l] = '\0';
                /* plain decimal: the kernel prints %ld, and a leading 0 must not turn octal here */
                if ((num[0] == '0' && num[1] != '\0' && num[1] != '\n') ||
                    (num[0] == '-' && num[1] == '0'))
                        return -EINVAL;
                if (parse_s64_kernel(num, &v[i]) < 0)
                        return -EINVAL;
                if (p[l] == '\0')
                        break;
                if (num[l - 1] == '\n')         /* a newline is allowed only at the very end */
                        return -EINVAL;
                p += l + 1;
        }
        if (i + 1 != DAMON_STAT_N_PERCENTILES)
                return -EINVAL;
        memcpy(ret, v, sizeof(v));
        return 0;
}

int damon_module_read_state(DamonIO *io, DamonModule m, DamonModuleState *ret) {
        DamonModuleState s = { .kdamond_pid = -1 };
        int r;

        if (!io || !ret || !module_valid(m))
                return -EINVAL;

        r = damon_module_has_param(io, m, "enabled");
        if (r < 0)
                return r;
        if (r == 0) {
                *ret = s;
                return 0;
        }
        s.present = true;
        r = read_bool(io, m, "enabled", &s.enabled);
        if (r < 0)
                return r;

        r = damon_module_has_param(io, m, "kdamond_pid");
        if (r < 0)
                return r;
        if (r > 0) {
                s.has_kdamond_pid = true;
                r = read_s64(io, m, "kdamond_pid", &s.kdamond_pid);
                if (r < 0)
                        return r;
        }

        r = damon_module_has_param(io, m, "commit_inputs");
        if (r < 0)
                return r;
        s.has_commit_inputs = r > 0;

        *ret = s;
        return 0;
}

bool damon_module_state_holds(const DamonModuleState *s) {
        return s && s->present && (s->enabled || (s->has_kdamond_pid && s->kdamond_pid != -1));
}

int damon_modules_holder(DamonIO *io, DamonModule *ret_module) {
        if (!io)
                return -EINVAL;
        for (size_t i = 0; i < _DAMON_MODULE_MAX; i++) {
                DamonModuleState s;
                int r;

                r = damon_module_read_state(io, (DamonModule) i, &s);
                if (r < 0)
                        return r;
                if (damon_module_state_holds(&s)) {
                        if (ret_module)
                                *ret_module = (DamonModule) i;
                        return 1;
                }
        }
        return 0;
}

#define KDAMONDS_DIR "sys/kernel/mm/damon/admin/kdamonds"

/* The index of the first sysfs kdamond whose state reads "on": 1 and *ret_index, or 0. */
static int find_running_kdamond(DamonIO *io, unsigned *ret_index) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = damon_io_list(io, KDAMONDS_DIR, &names);
        if (r == -ENOENT)
                return 0;       /* no DAMON sysfs interface: nothing can run there */
        if (r < 0)
                return r;

        for (char **n = names; *n; n++) {
                char p[256], state[16];
                uint64_t idx;

                if (strspn(*n, "0123456789") != strlen(*n) || parse_u64_kernel(*n, &idx) < 0 ||
                    idx > UINT32_MAX)
                        continue;       /* nr_kdamonds */
                snprintf(p, sizeof(p), KDAMONDS_DIR "/%s/state", *n);
                r = damon_io_read(io, p, state, sizeof(state));
                if (r == -ENOENT)
                        continue;       /* removed under us by someone writing nr_kdamonds */
                if (r < 0)
                        return r;
                if (streq(state, "on")) {
                        *ret_index = (unsigned) idx;
                        return 1;
                }
        }
        return 0;
}

int damon_module_can_enable(DamonIO *io, DamonModule m, DamonModuleBlocker *ret_blocker) {
        DamonModuleBlocker b = { .kind = DAMON_MODULE_BLOCKER_NONE };
        DamonModuleState s;
        unsigned k = 0;
        int r;

        if (!io || !module_valid(m))
                return -EINVAL;

        r = damon_module_read_state(io, m, &s);
        if (r < 0)
                return r;
        if (!s.present)
                return -EOPNOTSUPP;
        if (damon_module_state_holds(&s)) {
                if (ret_blocker)
                        *ret_blocker = b;
                return 1;
        }

        for (size_t i = 0; i < _DAMON_MODULE_MAX; i++) {
                DamonModuleState o;

                if ((DamonModule) i == m)
                        continue;
                r = damon_module_read_state(io, (DamonModule) i, &o);
                if (r < 0)
                        return r;
                if (damon_module_state_holds(&o)) {
                        b.kind = DAMON_MODULE_BLOCKER_MODULE;
                        b.module = (DamonModule) i;
                        if (ret_blocker)
                                *ret_blocker = b;
                        return -EBUSY;
                }
        }

        r = find_running_kdamond(io, &k);
        if (r < 0)
                return r;
        if (r > 0) {
                b.kind = DAMON_MODULE_BLOCKER_KDAMOND;
                b.kdamond = k;
                if (ret_blocker)
                        *ret_blocker = b;
                return -EBUSY;
        }

        if (ret_blocker)
                *ret_blocker = b;
        return 0;
}

int damon_module_set_enabled(DamonIO *io, DamonModule m, bool enabled) {
        char p[256];
        int r;

        if (!io)
                return -EINVAL;
        r = param_path(m, "enabled", p, sizeof(p));
        if (r < 0)
                return r;
        r = damon_io_exists(io, p);
        if (r < 0)
                return r;
        if (r == 0)
                return -EOPNOTSUPP;
        return damon_io_write_once(io, p, enabled ? "Y" : "N");
}

static int validate_settings(DamonIO *io, DamonModule m, const DamonModuleSetting *settings, size_t n,
                             size_t *ret_failed) {
        for (size_t i = 0; i < n; i++) {
                const DamonModuleParamInfo *info;
                int r;

                *ret_failed = i;
                if (isempty(settings[i].name))
                        return -EINVAL;
                info = damon_module_param_info(m, settings[i].name);
                if (!info || streq(info->name, "enabled") || streq(info->name, "commit_inputs"))
                        return -EINVAL;
                if (info->read_only)
                        return -EPERM;
                if (info->type == DAMON_MODULE_PARAM_BOOL && settings[i].value > 1)
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (streq(settings[j].name, settings[i].name))
                                return -EINVAL;
                r = damon_module_has_param(io, m, settings[i].name);
                if (r < 0)
                        return r;
                if (r == 0)
                        return -EOPNOTSUPP;
        }
        return 0;
}

/* Writes the settings that differ from the files; validated already. */
static int write_settings(DamonIO *io, DamonModule m, const DamonModuleSetting *settings, size_t n,
                          size_t *ret_failed) {
        int written = 0;

        for (size_t i = 0; i < n; i++) {
                const DamonModuleParamInfo *info = damon_module_param_info(m, settings[i].name);
                char p[256], cur[64], val[32];
                int r;

                *ret_failed = i;
                r = param_path(m, settings[i].name, p, sizeof(p));
                if (r < 0)
                        return r;
                r = damon_io_read(io, p, cur, sizeof(cur));
                if (r < 0)
                        return r;

                if (info->type == DAMON_MODULE_PARAM_BOOL) {
                        bool b;

                        if (parse_bool_kernel(cur, &b) >= 0 && b == (settings[i].value != 0))
                                continue;
                        r = damon_io_write(io, p, settings[i].value ? "Y" : "N");
                } else {
                        uint64_t v;

                        /* kernel-style parse: a file holding "0x10" equals 16 */
                        if (parse_u64_kernel(cur, &v) >= 0 && v == settings[i].value)
                                continue;
                        snprintf(val, sizeof(val), "%" PRIu64, settings[i].value);
                        r = damon_io_write(io, p, val);
                }
                if (r < 0)
                        return r;
                written++;
        }
        return written;
}

int damon_module_write_params(
                DamonIO *io,
                DamonModule m,
                const DamonModuleSetting *settings,
                size_t n,
                size_t *ret_failed) {

        size_t failed = 0;
        int r;

        if (!io || !module_valid(m) || (n > 0 && !settings))
                return -EINVAL;

        damon_io_lock(io);
        r = validate_settings(io, m, settings, n, &failed);
        if (r >= 0)
                r = write_settings(io, m, settings, n, &failed);
        damon_io_unlock(io);
        if (r < 0 && ret_failed)
                *ret_failed = failed;
        return r;
}

int damon_module_commit(DamonIO *io, DamonModule m) {
        DamonModuleState s;
        char p[256];
        int r;

        if (!io || !module_valid(m))
                return -EINVAL;
        r = damon_module_read_state(io, m, &s);
        if (r < 0)
                return r;
        if (!s.present || !s.has_commit_inputs)
                return -EOPNOTSUPP;
        if (!s.enabled)
                return 0;
        r = param_path(m, "commit_inputs", p, sizeof(p));
        if (r < 0)
                return r;
        r = damon_io_write(io, p, "Y");
        if (r < 0)
                return r;
        return 1;
}

/* Sleeps the next step of a bounded back-off. Returns false once @timeout_usec of sleep is used up. */
static bool backoff_sleep(DamonIO *io, uint64_t *slept, uint64_t *step, uint64_t timeout_usec) {
        uint64_t d;

        if (*slept >= timeout_usec)
                return false;
        d = MIN(*step, timeout_usec - *slept);
        damon_io_sleep_usec(io, d);
        *slept += d;
        *step = MIN(*step * 2, DAMON_MODULE_POLL_MAX_USEC);
        return true;
}

static int check_running(DamonIO *io, DamonModule m) {
        DamonModuleState s;
        int r;

        r = damon_module_read_state(io, m, &s);
        if (r < 0)
                return r;
        if (!s.present)
                return -EOPNOTSUPP;
        if (!s.enabled || (s.has_kdamond_pid && s.kdamond_pid == -1))
                return -ESRCH;
        return 0;
}

int damon_module_wait_commit(DamonIO *io, DamonModule m, uint64_t timeout_usec) {
        uint64_t slept = 0, step = DAMON_MODULE_POLL_FIRST_USEC;

        if (!io || !module_valid(m))
                return -EINVAL;
        for (;;) {
                bool pending;
                int r;

                r = read_bool(io, m, "commit_inputs", &pending);
                if (r == -ENOENT)
                        return -EOPNOTSUPP;
                if (r < 0)
                        return r;
                if (!pending)
                        break;
                /* a module stopped by an earlier bad commit never consumes it */
                r = check_running(io, m);
                if (r < 0)
                        return r;
                if (!backoff_sleep(io, &slept, &step, timeout_usec))
                        return -ETIMEDOUT;
        }
        return check_running(io, m);
}

/* Waits until the module's kdamond exists (@running) or is gone. Without kdamond_pid (damon_stat),
 * enabled is all there is to see. */
static int wait_kdamond(DamonIO *io, DamonModule m, bool running, uint64_t timeout_usec) {
        uint64_t slept = 0, step = DAMON_MODULE_POLL_FIRST_USEC;

        for (;;) {
                DamonModuleState s;
                int r;

                r = damon_module_read_state(io, m, &s);
                if (r < 0)
                        return r;
                if (!s.present)
                        return -EOPNOTSUPP;
                if (running) {
                        /* 5.16-5.18: the enable timer sets enabled back to N when starting failed */
                        if (!s.enabled)
                                return -ESRCH;
                        if (!s.has_kdamond_pid || s.kdamond_pid != -1)
                                return 0;
                } else if (!s.has_kdamond_pid || s.kdamond_pid == -1)
                        return 0;
                if (!backoff_sleep(io, &slept, &step, timeout_usec))
                        return -ETIMEDOUT;
        }
}

int damon_module_restart(DamonIO *io, DamonModule m, uint64_t timeout_usec) {
        DamonModuleState s;
        int r;

        if (!io || !module_valid(m))
                return -EINVAL;

        damon_io_lock(io);
        r = damon_module_read_state(io, m, &s);
        if (r < 0)
                goto finish;
        if (!s.present) {
                r = -EOPNOTSUPP;
                goto finish;
        }
        if (!s.enabled) {
                r = 0;
                goto finish;
        }
        r = damon_module_set_enabled(io, m, false);
        if (r < 0)
                goto finish;
        /* 5.16-5.18 act on enabled from a timer: turning it on again before the kdamond is gone would
         * not be seen as a change at all */
        r = wait_kdamond(io, m, false, timeout_usec);
        if (r < 0)
                goto finish;
        r = damon_module_set_enabled(io, m, true);
        if (r < 0)
                goto finish;
        r = wait_kdamond(io, m, true, timeout_usec);
        if (r >= 0)
                r = 1;
finish:
        damon_io_unlock(io);
        return r;
}

int damon_module_apply(
                DamonIO *io,
                DamonModule m,
                const DamonModuleSetting *settings,
                size_t n,
                uint64_t timeout_usec,
                size_t *ret_failed) {

        DamonModuleState s;
        int r, written;

        if (!io || !module_valid(m))
                return -EINVAL;

        damon_io_lock(io);
        r = damon_module_read_state(io, m, &s);
        if (r < 0)
                goto finish;
        if (!s.present) {
                r = -EOPNOTSUPP;
                goto finish;
        }
        if (s.enabled && !s.has_commit_inputs) {
                r = -EOPNOTSUPP;
                goto finish;
        }

        written = damon_module_write_params(io, m, settings, n, ret_failed);
        if (written <= 0 || !s.enabled) {
                r = written;
                goto finish;
        }
        r = damon_module_commit(io, m);
        if (r < 0)
                goto finish;
        if (r > 0) {
                r = damon_module_wait_commit(io, m, timeout_usec);
                if (r < 0)
                        goto finish;
        }
        r = written;
finish:
        damon_io_unlock(io);
        return r;
}

/* A kernel thread named "kdamond.N" (the kernel's own name for every kdamond): 1 and its pid, or 0. */
static int find_kdamond_thread(DamonIO *io, int64_t *ret_pid) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = damon_io_list(io, "proc", &names);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; names[i]; i++) {
                char p[64], comm[32];
                int64_t pid;

                if (parse_s64_kernel(names[i], &pid) < 0 || pid <= 0 || names[i][0] == '0')
                        continue;
                snprintf(p, sizeof(p), "proc/%s/comm", names[i]);
                /* a process that exited since the listing is skipped, as is anything unreadable */
                if (damon_io_read(io, p, comm, sizeof(comm)) < 0)
                        continue;
                if (strncmp(comm, "kdamond.", strlen("kdamond.")) == 0) {
                        *ret_pid = pid;
                        return 1;
                }
        }
        return 0;
}

int damon_module_kdamond_pid(DamonIO *io, DamonModule m, const DamonModuleState *s, int64_t *ret_pid) {
        if (!io || !s || !ret_pid || !module_valid(m))
                return -EINVAL;
        *ret_pid = -1;
        if (!s->present)
                return 0;
        if (s->has_kdamond_pid) {
                *ret_pid = s->kdamond_pid;
                return s->kdamond_pid > 0;
        }
        if (!s->enabled)
                return 0;
        /* An enabled module holds DAMON exclusively: whatever kdamond runs is its own. */
        return find_kdamond_thread(io, ret_pid);
}

int damon_stat_read(DamonIO *io, DamonStatReadout *ret) {
        DamonStatReadout o = { .kdamond_pid = -1, .aggr_interval_us = UINT64_MAX };
        DamonModuleState s;
        char buf[4096], p[256];
        int r;

        if (!io || !ret)
                return -EINVAL;
        r = damon_module_read_state(io, DAMON_MODULE_STAT, &s);
        if (r < 0)
                return r;
        o.present = s.present;
        o.enabled = s.enabled;
        if (!s.present || !s.enabled) {
                *ret = o;
                return 0;
        }
        r = damon_module_kdamond_pid(io, DAMON_MODULE_STAT, &s, &o.kdamond_pid);
        if (r < 0)
                return r;
        r = damon_module_has_param(io, DAMON_MODULE_STAT, "aggr_interval_us");
        if (r < 0)
                return r;
        if (r > 0) {
                r = param_path(DAMON_MODULE_STAT, "aggr_interval_us", p, sizeof(p));
                if (r >= 0)
                        r = damon_io_read_u64(io, p, &o.aggr_interval_us);
                if (r < 0)
                        return r;
        }
        r = param_path(DAMON_MODULE_STAT, "estimated_memory_bandwidth", p, sizeof(p));
        if (r >= 0)
                r = damon_io_read_u64(io, p, &o.bandwidth);
        if (r < 0)
                return r;
        r = read_raw(io, DAMON_MODULE_STAT, "memory_idle_ms_percentiles", buf, sizeof(buf));
        if (r < 0)
                return r;
        if (damon_stat_parse_percentiles(buf, o.idle_ms) < 0)
                return -EBADMSG;
        o.has_percentiles = true;
        *ret = o;
        return 0;
}
