/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "damon-modules.h"

static bool module_valid(DamonModule m) {
        return (int) m >= 0 && m < _DAMON_MODULE_MAX;
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

/* 1 if the parameter file exists, 0 if not (or the module does not exist), -errno. */
static int has_param(DamonIO *io, DamonModule m, const char *name) {
        char p[256];
        int r;

        if (!io)
                return -EINVAL;
        r = param_path(m, name, p, sizeof(p));
        if (r < 0)
                return r;
        return damon_io_exists(io, p);
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

        r = has_param(io, m, "enabled");
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

        r = has_param(io, m, "kdamond_pid");
        if (r < 0)
                return r;
        if (r > 0) {
                s.has_kdamond_pid = true;
                r = read_s64(io, m, "kdamond_pid", &s.kdamond_pid);
                if (r < 0)
                        return r;
        }

        *ret = s;
        return 0;
}

/* A module holds DAMON when enabled=Y or its kdamond_pid is not -1 (a kdamond that is still stopping). */
static bool state_holds(const DamonModuleState *s) {
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
                if (state_holds(&s)) {
                        if (ret_module)
                                *ret_module = (DamonModule) i;
                        return 1;
                }
        }
        return 0;
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
        r = has_param(io, DAMON_MODULE_STAT, "aggr_interval_us");
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
