/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "memcg.h"
#include "psi.h"
#include "signal-parse.h"

/* Longest value file we accept (memory.current etc. hold at most 20 digits and a newline). */
#define MEMCG_VALUE_MAX 63U

/* psi.h's cgroup path normalisation, so that memcg.h and psi.h agree on every input: its pressure path
 * with the file name replaced. @file NULL gives the cgroup's directory. */
static int cgroup_path(const char *cgroup, const char *file, char **ret) {
        static const char pressure[] = "/memory.pressure";
        _cleanup_free_ char *p = NULL;
        size_t dirlen;
        char *out;
        int r;

        if ((file && (isempty(file) || strchr(file, '/'))) || !ret)
                return -EINVAL;
        r = psi_cgroup_pressure_path_at(MEMCG_ROOT_PATH, cgroup, &p);
        if (r < 0)
                return r;
        dirlen = strlen(p) - strlen(pressure);
        if (!file) {
                p[dirlen] = '\0';
                *ret = TAKE_PTR(p);
                return 0;
        }
        if (dirlen + 1 + strlen(file) + 1 > PATH_MAX)
                return -ENAMETOOLONG;
        if (asprintf(&out, "%.*s/%s", (int) dirlen, p, file) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

int memcg_file_path(const char *cgroup, const char *file, char **ret) {
        if (!file)
                return -EINVAL;
        return cgroup_path(cgroup, file, ret);
}

int memcg_pressure_path(const char *cgroup, char **ret) {
        return psi_cgroup_pressure_path(cgroup, ret);
}

/* A missing file in an existing cgroup means the memory controller is not there (-EOPNOTSUPP); in a
 * missing (or just removed) cgroup, -ENOENT. */
static int missing_file_error(const Root *root, const char *cgroup) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = cgroup_path(cgroup, NULL, &dir);
        if (r < 0)
                return r;
        fd = root_openat(root, dir, O_PATH | O_DIRECTORY);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return -ENOENT;
        if (fd < 0)
                return fd;
        return -EOPNOTSUPP;
}

/* Through cgroup.h: libcgroup on the machine's root, the root's files on a fake one. */
static int read_cgroup_file(const Root *root, const char *cgroup, const char *file, size_t max, char **ret) {
        int r;

        r = cgroup_read_file(root, cgroup, file, max, ret);
        if (r == -ENOENT || r == -ENOTDIR)
                return missing_file_error(root, cgroup);
        return r;
}

/* One decimal number, or "max" when @allow_max, and at most one newline. */
static int parse_value(const char *text, bool allow_max, uint64_t *ret) {
        const char *end = text + strlen(text), *p;
        int r;

        if (end > text && end[-1] == '\n')
                end--;
        if (allow_max && end - text == 3 && strneq(text, "max", 3)) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = signal_parse_dec(text, end, ret, &p);
        if (r < 0)
                return r;
        return p == end ? 0 : -EINVAL;
}

static int read_value(const Root *root, const char *cgroup, const char *file, bool allow_max, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_cgroup_file(root, cgroup, file, MEMCG_VALUE_MAX, &text);
        if (r == -EFBIG)
                return -EINVAL;
        if (r < 0)
                return r;
        return parse_value(text, allow_max, ret);
}

int memcg_read_usage(const Root *root, const char *cgroup, MemcgUsage *ret) {
        MemcgUsage u = {};
        int r;

        if (!root || !ret)
                return -EINVAL;

        r = read_value(root, cgroup, "memory.current", false, &u.current);
        if (r < 0)
                return r;
        r = read_value(root, cgroup, "memory.high", true, &u.high);
        if (r < 0)
                return r;
        r = read_value(root, cgroup, "memory.max", true, &u.max);
        if (r < 0)
                return r;
        r = read_value(root, cgroup, "memory.swap.current", false, &u.swap_current);
        if (r == -EOPNOTSUPP)
                u.swap_current = 0;     /* no swap accounting: not an error */
        else if (r < 0)
                return r;
        else
                u.has_swap = true;

        *ret = u;
        return 0;
}

enum {
        LRU_ACTIVE_ANON,
        LRU_INACTIVE_ANON,
        LRU_ACTIVE_FILE,
        LRU_INACTIVE_FILE,
        STAT_ANON,
        STAT_FILE,
        _STAT_MAX,
};

static const char * const stat_names[_STAT_MAX] = {
        [LRU_ACTIVE_ANON] = "active_anon",
        [LRU_INACTIVE_ANON] = "inactive_anon",
        [LRU_ACTIVE_FILE] = "active_file",
        [LRU_INACTIVE_FILE] = "inactive_file",
        [STAT_ANON] = "anon",
        [STAT_FILE] = "file",
};

static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* One line "name N0=1 N1=2" in [p, eol). Sets *ret_stat to the index in stat_names or -1, *ret_value to
 * the value for @node (0 if absent), *ret_mentioned if the line has @node. */
static int parse_line(const char *p, const char *eol, unsigned node,
                      int *ret_stat, uint64_t *ret_value, bool *ret_mentioned) {
        const char *name = p;
        uint64_t value = 0;
        bool mentioned = false;
        size_t nlen;
        int stat = -1, r;

        while (p < eol && is_name_char(*p))
                p++;
        nlen = (size_t) (p - name);
        if (nlen == 0 || (p < eol && !signal_is_blank(*p)))
                return -EINVAL;
        for (size_t i = 0; i < _STAT_MAX; i++)
                if (strlen(stat_names[i]) == nlen && strneq(stat_names[i], name, nlen))
                        stat = (int) i;

        for (;;) {
                uint64_t n, v;

                while (p < eol && signal_is_blank(*p))
                        p++;
                if (p >= eol)
                        break;
                if (*p != 'N')
                        return -EINVAL;
                r = signal_parse_dec(p + 1, eol, &n, &p);
                if (r < 0)
                        return r == -ERANGE ? -EINVAL : r;
                if (p >= eol || *p != '=')
                        return -EINVAL;
                r = signal_parse_dec(p + 1, eol, &v, &p);
                if (r < 0)
                        return r;
                if (p < eol && !signal_is_blank(*p))
                        return -EINVAL;
                if (n == node) {
                        if (mentioned)
                                return -EINVAL;
                        mentioned = true;
                        value = v;
                }
        }

        *ret_stat = stat;
        *ret_value = value;
        *ret_mentioned = mentioned;
        return 0;
}

int memcg_parse_node_lru(const char *numa_stat, unsigned node, uint64_t *ret_bytes) {
        uint64_t v[_STAT_MAX] = {}, sum = 0;
        unsigned seen = 0, want;
        bool mentioned = false;
        size_t first, last;
        int r;

        if (!numa_stat || !ret_bytes)
                return -EINVAL;

        for (const char *p = numa_stat; *p;) {
                const char *eol = strchrnul(p, '\n');
                uint64_t value;
                bool m;
                int stat;

                if (eol > p) {
                        r = parse_line(p, eol, node, &stat, &value, &m);
                        if (r < 0)
                                return r;
                        mentioned = mentioned || m;
                        if (stat >= 0) {
                                if (seen & (1U << stat))
                                        return -EINVAL;
                                seen |= 1U << stat;
                                v[stat] = value;
                        }
                }
                p = *eol ? eol + 1 : eol;
        }

        if (!mentioned)
                return -ENODATA;
        want = (1U << (LRU_INACTIVE_FILE + 1)) - 1;
        if ((seen & want) == want) {
                first = LRU_ACTIVE_ANON;
                last = LRU_INACTIVE_FILE;
        } else if ((seen & (1U << STAT_ANON)) && (seen & (1U << STAT_FILE))) {
                first = STAT_ANON;
                last = STAT_FILE;
        } else
                return -ENODATA;

        for (size_t i = first; i <= last; i++) {
                if (sum > UINT64_MAX - v[i])
                        return -ERANGE;
                sum += v[i];
        }
        *ret_bytes = sum;
        return 0;
}

int memcg_read_node_lru(const Root *root, const char *cgroup, unsigned node, uint64_t *ret_bytes) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!root || !ret_bytes)
                return -EINVAL;
        r = read_cgroup_file(root, cgroup, "memory.numa_stat", MEMCG_FILE_MAX, &text);
        if (r < 0)
                return r;
        return memcg_parse_node_lru(text, node, ret_bytes);
}

int memcg_cgroup_exists(const Root *root, const char *path) {
        _cleanup_free_ char *rel = NULL;
        _cleanup_close_ int fd = -EBADF;

        assert(root);
        assert(path);

        if (asprintf(&rel, MEMCG_ROOT_PATH "%s", path) < 0)
                return -ENOMEM;
        fd = root_openat(root, rel, O_PATH | O_DIRECTORY);
        return fd >= 0;
}
