/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "damon-io.h"
#include "fake-tree.h"

bool is_number(const char *s) {
        return s && s[0] && strspn(s, "0123456789") == strlen(s);
}

int tree_write(int dir_fd, const char *relpath, const char *content) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(content);
        bool read_only = false;
        ssize_t n;

        fd = openat(dir_fd, relpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno == EACCES) {
                /* a read-only file (0400, as the kernel's) that the fake itself updates: only root may
                 * open it for writing as it is */
                if (fchmodat(dir_fd, relpath, 0600, 0) < 0)
                        return -errno;
                read_only = true;
                fd = openat(dir_fd, relpath, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
                return -errno;
        n = write(fd, content, len);
        if (n < 0)
                return -errno;
        if (read_only && fchmod(fd, 0400) < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

int tree_write_mode(int dir_fd, const char *relpath, const char *content, mode_t mode) {
        int r = tree_write(dir_fd, relpath, content);

        if (r >= 0 && fchmodat(dir_fd, relpath, mode, 0) < 0)
                return -errno;
        return r;
}

int tree_printf(int dir_fd, const char *relpath, const char *fmt, ...) {
        char buf[4096];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(buf))
                return -ENOBUFS;
        return tree_write(dir_fd, relpath, buf);
}

int tree_read(int dir_fd, const char *relpath, char *buf, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        fd = openat(dir_fd, relpath, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        return 0;
}

int tree_read_u64(int dir_fd, const char *relpath, uint64_t *ret) {
        char buf[64];
        int r;

        r = tree_read(dir_fd, relpath, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_u64_kernel(buf, ret);
}

int tree_read_s64(int dir_fd, const char *relpath, int64_t *ret) {
        char buf[64];
        int r;

        r = tree_read(dir_fd, relpath, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_s64_kernel(buf, ret);
}

int tree_exists(int dir_fd, const char *relpath) {
        if (faccessat(dir_fd, relpath, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 1;
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

int tree_mkdir_p(int dir_fd, const char *relpath) {
        char p[PATH_MAX];
        size_t len = strlen(relpath);

        if (len == 0 || len >= sizeof(p))
                return -EINVAL;
        memcpy(p, relpath, len + 1);
        for (char *s = p; ; s++) {
                bool end = *s == '\0';

                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                if (p[0] && mkdirat(dir_fd, p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                if (end)
                        break;
                *s = '/';
        }
        return 0;
}

static int rm_rf_at(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                if (errno == ENOTDIR || errno == ELOOP)
                        return unlinkat(dir_fd, name, 0) < 0 ? -errno : 0;
                return -errno;
        }
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = rm_rf_at(dirfd(d), de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int tree_rm_rf(int dir_fd, const char *relpath) {
        return rm_rf_at(dir_fd, relpath);
}

int tree_rm_numbered(int dir_fd, const char *relpath) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(dir_fd, relpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d)))
                if (is_number(de->d_name)) {
                        r = rm_rf_at(dirfd(d), de->d_name);
                        if (r < 0)
                                break;
                }
        closedir(d);
        return r;
}

typedef struct Lines {
        char **l;
        size_t n, cap;
        size_t total;
} Lines;

static void lines_done(Lines *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->l[i]);
        free(l->l);
}

static int lines_add(Lines *l, char *s) {
        if (l->n == l->cap) {
                size_t ncap = l->cap ? l->cap * 2 : 64;
                char **nl = realloc(l->l, ncap * sizeof(char *));

                if (!nl) {
                        free(s);
                        return -ENOMEM;
                }
                l->l = nl;
                l->cap = ncap;
        }
        l->l[l->n++] = s;
        l->total += strlen(s) + 1;
        return 0;
}

static int snapshot_walk(int dir_fd, const char *relpath, size_t strip, Lines *l) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(dir_fd, relpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                char child[PATH_MAX], value[4096];
                struct stat st;
                char *line;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if ((size_t) snprintf(child, sizeof(child), "%s/%s", relpath, de->d_name) >= sizeof(child)) {
                        r = -ENAMETOOLONG;
                        break;
                }
                if (fstatat(dir_fd, child, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                if (S_ISDIR(st.st_mode)) {
                        r = snapshot_walk(dir_fd, child, strip, l);
                        if (r < 0)
                                break;
                        continue;
                }
                r = tree_read(dir_fd, child, value, sizeof(value));
                if (r < 0)
                        break;
                if (asprintf(&line, "%s=%s", child + MIN(strip, strlen(child)), value) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = lines_add(l, line);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char * const *) a, *(const char * const *) b);
}

int tree_snapshot(int dir_fd, const char *subtree, size_t strip, char **ret) {
        Lines l = {};
        char *s, *p;
        int r;

        r = snapshot_walk(dir_fd, subtree, strip, &l);
        if (r < 0) {
                lines_done(&l);
                return r;
        }
        if (l.n > 0)
                qsort(l.l, l.n, sizeof(char *), cmp_str);
        s = p = malloc(l.total + 1);
        if (!s) {
                lines_done(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l.n; i++)
                p = stpcpy(stpcpy(p, l.l[i]), "\n");
        *p = '\0';
        lines_done(&l);
        *ret = s;
        return 0;
}
