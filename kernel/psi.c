/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "psi.h"

static const char * const psi_kind_table[_PSI_KIND_MAX] = {
        [PSI_SOME] = "some",
        [PSI_FULL] = "full",
};

const char *psi_kind_to_string(PsiKind k) {
        return (int) k >= 0 && k < _PSI_KIND_MAX ? psi_kind_table[k] : NULL;
}

PsiKind psi_kind_from_string(const char *s) {
        for (size_t i = 0; i < _PSI_KIND_MAX; i++)
                if (s && streq(psi_kind_table[i], s))
                        return (PsiKind) i;
        return _PSI_KIND_INVALID;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "12.34" -> 1234 hundredths. At most 9 decimals; digits past the second are dropped (the kernel
 * prints two), except that they may not push a value past 100.00. */
static int parse_avg(const char *p, size_t len, uint32_t *ret) {
        uint64_t ip = 0, frac = 0;
        size_t i = 0, nfrac = 0;
        bool excess = false;

        if (len == 0 || p[0] < '0' || p[0] > '9')
                return -EINVAL;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
                if (ip <= PSI_AVG_MAX)          /* saturate: anything above 100 is out of range anyway */
                        ip = ip * 10 + (uint64_t) (p[i] - '0');
        if (i < len) {
                if (p[i] != '.')
                        return -EINVAL;
                i++;
                for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, nfrac++) {
                        if (nfrac < 2)
                                frac = frac * 10 + (uint64_t) (p[i] - '0');
                        else if (p[i] != '0')
                                excess = true;
                }
                if (i < len || nfrac == 0 || nfrac > 9)
                        return -EINVAL;
        }
        if (nfrac < 2)
                frac *= nfrac == 1 ? 10 : 100;
        if (ip * 100 + frac > PSI_AVG_MAX || (ip * 100 + frac == PSI_AVG_MAX && excess))
                return -ERANGE;
        *ret = (uint32_t) (ip * 100 + frac);
        return 0;
}

static int parse_total(const char *p, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (p[i] < '0' || p[i] > '9')
                        return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned d = (unsigned) (p[i] - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

enum {
        FIELD_AVG10,
        FIELD_AVG60,
        FIELD_AVG300,
        FIELD_TOTAL,
        _FIELD_MAX,
};

static const char * const field_names[_FIELD_MAX] = {
        [FIELD_AVG10] = "avg10",
        [FIELD_AVG60] = "avg60",
        [FIELD_AVG300] = "avg300",
        [FIELD_TOTAL] = "total",
};

/* Parses the fields after "some"/"full" in [p, end). */
static int parse_fields(const char *p, const char *end, PsiLine *ret) {
        PsiLine l = {};
        unsigned seen = 0;
        int r;

        for (;;) {
                const char *name, *eq, *value;
                size_t nlen, vlen;
                int f = -1;

                while (p < end && is_blank(*p))
                        p++;
                if (p >= end)
                        break;

                name = p;
                while (p < end && !is_blank(*p))
                        p++;
                eq = memchr(name, '=', (size_t) (p - name));
                if (!eq || eq == name)
                        return -EINVAL;
                nlen = (size_t) (eq - name);
                for (size_t i = 0; i < nlen; i++)
                        if (!is_word_char(name[i]))
                                return -EINVAL;
                value = eq + 1;
                vlen = (size_t) (p - value);
                if (vlen == 0)
                        return -EINVAL;

                for (size_t i = 0; i < _FIELD_MAX; i++)
                        if (strlen(field_names[i]) == nlen && strneq(field_names[i], name, nlen))
                                f = (int) i;
                if (f < 0)
                        continue;       /* a field a newer kernel added */
                if (seen & (1U << f))
                        return -EINVAL;
                seen |= 1U << f;

                switch (f) {
                case FIELD_AVG10:
                        r = parse_avg(value, vlen, &l.avg10);
                        break;
                case FIELD_AVG60:
                        r = parse_avg(value, vlen, &l.avg60);
                        break;
                case FIELD_AVG300:
                        r = parse_avg(value, vlen, &l.avg300);
                        break;
                default:
                        r = parse_total(value, vlen, &l.total_usec);
                        break;
                }
                if (r < 0)
                        return r;
        }

        if (seen != (1U << _FIELD_MAX) - 1)
                return -EINVAL;         /* a truncated line, or not a PSI line at all */
        *ret = l;
        return 0;
}

static int psi_parse_len(const char *text, size_t len, PsiStats *ret) {
        const char *p = text, *end = text + len;
        PsiStats s = {};
        bool has_some = false;
        int r;

        if (!text || !ret)
                return -EINVAL;
        if (memchr(text, '\0', len))
                return -EINVAL;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)), *w = p;
                size_t wlen;

                if (!eol)
                        eol = end;
                if (eol == p) {         /* tolerate blank lines */
                        p++;
                        continue;
                }
                while (w < eol && is_word_char(*w))
                        w++;
                wlen = (size_t) (w - p);
                if (wlen == 0 || p[0] < 'a' || p[0] > 'z' || (w < eol && !is_blank(*w)))
                        return -EINVAL;

                if (wlen == 4 && strneq(p, "some", 4)) {
                        if (has_some)
                                return -EINVAL;
                        r = parse_fields(w, eol, &s.some);
                        if (r < 0)
                                return r;
                        has_some = true;
                } else if (wlen == 4 && strneq(p, "full", 4)) {
                        if (s.has_full)
                                return -EINVAL;
                        r = parse_fields(w, eol, &s.full);
                        if (r < 0)
                                return r;
                        s.has_full = true;
                }
                /* else: a line kind a newer kernel added */

                p = eol < end ? eol + 1 : end;
        }

        if (!has_some)
                return -EINVAL;
        *ret = s;
        return 0;
}

int psi_parse(const char *text, PsiStats *ret) {
        if (!text)
                return -EINVAL;
        return psi_parse_len(text, strlen(text), ret);
}

int psi_read_file(const Root *root, const char *relpath, PsiStats *ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (!root || !relpath || !ret)
                return -EINVAL;

        fd = root_openat(root, relpath, O_RDONLY);
        if (fd < 0)
                return fd;
        r = read_full_fd(fd, PSI_FILE_MAX, &buf, &len);
        if (r < 0)
                return r;
        return psi_parse_len(buf, len, ret);
}

int psi_read_system(const Root *root, PsiStats *ret) {
        return psi_read_file(root, PSI_SYSTEM_MEMORY_PATH, ret);
}

int psi_cgroup_pressure_path_at(const char *mount_relpath, const char *cgpath, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0, cap;
        const char *p;

        if (isempty(mount_relpath) || mount_relpath[0] == '/' || isempty(cgpath) || !ret)
                return -EINVAL;
        cap = strlen(mount_relpath) + strlen(cgpath) + strlen("/memory.pressure") + 2;
        if (cap > PATH_MAX)
                return -ENAMETOOLONG;
        out = malloc(cap);
        if (!out)
                return -ENOMEM;
        n = (size_t) snprintf(out, cap, "%s", mount_relpath);

        for (p = cgpath; *p;) {
                size_t l;

                while (*p == '/')
                        p++;
                l = strcspn(p, "/");
                if (l == 0)
                        break;
                if (l == 2 && strneq(p, "..", 2))
                        return -EINVAL;
                if (!(l == 1 && p[0] == '.')) {
                        out[n++] = '/';
                        memcpy(out + n, p, l);
                        n += l;
                }
                p += l;
        }
        snprintf(out + n, cap - n, "/memory.pressure");

        *ret = TAKE_PTR(out);
        return 0;
}

int psi_cgroup_pressure_path(const char *cgpath, char **ret) {
        return psi_cgroup_pressure_path_at(PSI_CGROUP_ROOT_PATH, cgpath, ret);
}

int psi_read_cgroup(const Root *root, const char *cgpath, PsiStats *ret) {
        _cleanup_free_ char *buf = NULL;
        int r;

        if (!root || !ret)
                return -EINVAL;
        r = cgroup_read_file(root, cgpath, "memory.pressure", PSI_FILE_MAX, &buf);
        if (r < 0)
                return r;
        return psi_parse_len(buf, strlen(buf), ret);
}

int psi_read_total_usec(const Root *root, const char *cgpath, PsiKind kind, uint64_t *ret) {
        PsiStats s;
        int r;

        if (!ret || kind < 0 || kind >= _PSI_KIND_MAX)
                return -EINVAL;
        r = cgpath ? psi_read_cgroup(root, cgpath, &s) : psi_read_system(root, &s);
        if (r < 0)
                return r;
        if (kind == PSI_FULL && !s.has_full)
                return -ENODATA;
        *ret = kind == PSI_FULL ? s.full.total_usec : s.some.total_usec;
        return 0;
}

int psi_trigger_validate(PsiKind kind, uint64_t stall_usec, uint64_t window_usec) {
        if (kind < 0 || kind >= _PSI_KIND_MAX)
                return -EINVAL;
        if (window_usec < PSI_TRIGGER_WINDOW_MIN_USEC || window_usec > PSI_TRIGGER_WINDOW_MAX_USEC)
                return -EINVAL;
        if (stall_usec == 0 || stall_usec > window_usec)
                return -EINVAL;
        return 0;
}

int psi_trigger_format(PsiKind kind, uint64_t stall_usec, uint64_t window_usec, char *buf, size_t size) {
        int r, n;

        r = psi_trigger_validate(kind, stall_usec, window_usec);
        if (r < 0)
                return r;
        if (!buf)
                return -EINVAL;
        n = snprintf(buf, size, "%s %" PRIu64 " %" PRIu64, psi_kind_to_string(kind), stall_usec, window_usec);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}

int psi_trigger_open(
                const Root *root,
                const char *relpath,
                PsiKind kind,
                uint64_t stall_usec,
                uint64_t window_usec,
                int *ret_fd) {

        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        ssize_t n;
        int len;

        if (!root || !relpath || !ret_fd)
                return -EINVAL;
        len = psi_trigger_format(kind, stall_usec, window_usec, buf, sizeof(buf));
        if (len < 0)
                return len;

        fd = root_openat(root, relpath, O_RDWR | O_NONBLOCK);
        if (fd < 0)
                return fd;
        /* psi.rst writes strlen(trig) + 1: the kernel copies the NUL-terminated buffer and parses it
         * with sscanf; one write() creates one trigger on this open file. */
        do
                n = write(fd, buf, (size_t) len + 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n != len + 1)
                return -EIO;

        *ret_fd = TAKE_FD(fd);
        return 0;
}

int psi_trigger_revents(short revents) {
        if (revents & (POLLERR | POLLNVAL))
                return -ENODEV;
        if (revents & POLLPRI)
                return 1;
        return 0;
}

int psi_delta_usec(uint64_t prev, uint64_t now, uint64_t *ret) {
        if (!ret)
                return -EINVAL;
        if (now < prev) {
                *ret = now;
                return 1;
        }
        *ret = now - prev;
        return 0;
}

int psi_stats_delta_usec(const PsiStats *prev, const PsiStats *now, PsiKind kind, uint64_t *ret) {
        if (!prev || !now || !ret)
                return -EINVAL;
        switch (kind) {
        case PSI_SOME:
                return psi_delta_usec(prev->some.total_usec, now->some.total_usec, ret);
        case PSI_FULL:
                if (!prev->has_full || !now->has_full)
                        return -ENODATA;
                return psi_delta_usec(prev->full.total_usec, now->full.total_usec, ret);
        default:
                return -EINVAL;
        }
}

uint64_t psi_stall_permyriad(uint64_t stall_usec, uint64_t interval_usec) {
        if (interval_usec == 0)
                return 0;
        if (stall_usec >= interval_usec)
                return 10000;
        /* stall < interval, so stall * 10000 overflows only for intervals beyond 58 years */
        if (stall_usec > UINT64_MAX / 10000)
                return stall_usec / (interval_usec / 10000);
        return stall_usec * 10000 / interval_usec;
}
