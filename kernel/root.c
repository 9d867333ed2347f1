/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "root.h"

int root_open(const char *path, Root **ret) {
        _cleanup_(root_freep) Root *r = NULL;
        struct stat st;

        if (!ret)
                return -EINVAL;
        if (isempty(path))
                path = "/";

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->fd = -EBADF;
        r->path = strdup(path);
        if (!r->path)
                return -ENOMEM;

        r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0)
                return -errno;
        if (fstat(r->fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        *ret = TAKE_PTR(r);
        return 0;
}

Root *root_free(Root *r) {
        if (!r)
                return NULL;
        closep(&r->fd);
        free(r->path);
        return mfree(r);
}

bool root_is_host(const Root *r) {
        struct stat a, b;

        if (!r || r->fd < 0)
                return false;
        if (fstat(r->fd, &a) < 0 || stat("/", &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int root_openat(const Root *r, const char *relpath, int flags) {
        int fd;

        if (!r || !relpath || relpath[0] == '/')
                return -EINVAL;
        fd = openat(r->fd, relpath, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        if (fd < 0 || !ret || max_size >= SIZE_MAX - 1)
                return -EINVAL;
        for (;;) {
                ssize_t n;

                if (len >= cap) {
                        size_t ncap = MIN(cap ? cap * 2 : 4096, max_size + 1);
                        char *nbuf = realloc(buf, ncap + 1);

                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max_size)
                        return -EFBIG;
        }
        buf[len] = '\0';
        if (ret_size)
                *ret_size = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int root_read_file(const Root *r, const char *relpath, size_t max_size, char **ret) {
        _cleanup_close_ int fd = -EBADF;

        if (!ret)
                return -EINVAL;
        fd = root_openat(r, relpath, O_RDONLY);
        if (fd < 0)
                return fd;
        return read_full_fd(fd, max_size, ret, NULL);
}

ssize_t root_read_head(const Root *r, const char *relpath, char *buf, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;

        if (!buf || size == 0)
                return -EINVAL;
        fd = root_openat(r, relpath, O_RDONLY);
        if (fd < 0)
                return fd;
        while (len < size - 1) {
                ssize_t n = read(fd, buf + len, size - 1 - len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        return (ssize_t) len;
}
