/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cgroup.h"

/* Real cgroup.procs files hold a few bytes per process; more than this is not a cgroup.procs file. */
#define CGROUP_PROCS_MAX (64U * 1024U * 1024U)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static const char * const cgroup_backend_table[_CGROUP_BACKEND_MAX] = {
        [CGROUP_BACKEND_ROOT_FILES] = "root files",
        [CGROUP_BACKEND_LIBCGROUP] = "libcgroup",
};

const char *cgroup_backend_to_string(CgroupBackend b) {
        return (int) b >= 0 && b < _CGROUP_BACKEND_MAX ? cgroup_backend_table[b] : NULL;
}

CgroupBackend cgroup_backend(const Root *root) {
        if (!root || !root_is_host(root))
                return CGROUP_BACKEND_ROOT_FILES;
        return cgroup_libcgroup_usable() > 0 ? CGROUP_BACKEND_LIBCGROUP : CGROUP_BACKEND_ROOT_FILES;
}

int cgroup_clean_path(const char *mount, const char *cgpath, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t len = mount ? strlen(mount) : 0;
        const char *p;

        if (isempty(cgpath) || !ret)
                return -EINVAL;
        if (len + 2 > PATH_MAX)
                return -ENAMETOOLONG;
        out = malloc(PATH_MAX);
        if (!out)
                return -ENOMEM;
        memcpy(out, mount ?: "", len + 1);

        for (p = cgpath; *p; ) {
                size_t n;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && strneq(p, "..", 2))
                        return -EINVAL;
                if (len + 1 + n + 1 > PATH_MAX)
                        return -ENAMETOOLONG;
                out[len++] = '/';
                memcpy(out + len, p, n);
                len += n;
                out[len] = '\0';
                p += n;
        }
        if (len == 0)
                memcpy(out, "/", 2);    /* the root cgroup */

        *ret = TAKE_PTR(out);
        return 0;
}

/* Root files: cgroup.procs and the controller files below the root's sys/fs/cgroup. */

static int add_procs_file(int dfd, PidSet *s) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        const char *p;
        int r;

        fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = read_full_fd(fd, CGROUP_PROCS_MAX, &text, NULL);
        if (r < 0)
                return r;

        for (p = text; *p; ) {
                size_t n = strcspn(p, "\n");
                pid_t pid;

                if (n > 0) {
                        r = parse_pid(p, n, &pid);
                        if (r < 0)
                                return r;
                        r = pidset_add(s, pid);
                        if (r < 0)
                                return r;
                }
                p += n;
                if (*p == '\n')
                        p++;
        }
        return 0;
}

static int scan_cgroup_dir(int dfd, bool recursive, unsigned depth, PidSet *s) {
        _cleanup_(closedirp) DIR *d = NULL;
        int r, fd;

        r = add_procs_file(dfd, s);
        if (r < 0 || !recursive)
                return r;

        fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void) close(fd);
                return r;
        }

        for (struct dirent *de; (errno = 0, de = readdir(d)); ) {
                _cleanup_close_ int child = -EBADF;

                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                child = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) {
                        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                                continue;       /* removed meanwhile, or not a cgroup */
                        return -errno;
                }
                if (depth + 1 > CGROUP_DEPTH_MAX)
                        return -ELOOP;
                r = scan_cgroup_dir(child, true, depth + 1, s);
                if (r == -ENOENT || r == -ENODEV || r == -EOPNOTSUPP)
                        continue;               /* removed during the walk, or a threaded leaf */
                if (r < 0)
                        return r;
        }
        return 0;
}

static int root_files_procs(const Root *root, const char *cgpath, bool recursive, PidSet *s) {
        _cleanup_free_ char *rel = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = cgroup_clean_path(CGROUP_MOUNT_RELPATH, cgpath, &rel);
        if (r < 0)
                return r;
        fd = root_openat(root, rel, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        return scan_cgroup_dir(fd, recursive, 0, s);
}

int cgroup_procs(const Root *root, const char *cgpath, bool recursive, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ char *clean = NULL;
        PidSet s = {};
        int r;

        if (!root || !ret_pids || !ret_n)
                return -EINVAL;
        r = cgroup_clean_path(NULL, cgpath, &clean);
        if (r < 0)
                return r;

        if (cgroup_backend(root) == CGROUP_BACKEND_LIBCGROUP)
                r = cgroup_libcgroup_procs(clean, recursive, &s);
        else
                r = root_files_procs(root, clean, recursive, &s);
        if (r < 0) {
                pidset_done(&s);
                return r;
        }
        pidset_finish(&s, ret_pids, ret_n);
        return 0;
}

int cgroup_read_file(const Root *root, const char *cgpath, const char *file, size_t max_size, char **ret) {
        _cleanup_free_ char *dir = NULL, *path = NULL;
        int r;

        if (!root || isempty(file) || strchr(file, '/') || !ret)
                return -EINVAL;

        if (cgroup_backend(root) == CGROUP_BACKEND_LIBCGROUP) {
                r = cgroup_clean_path(NULL, cgpath, &dir);
                if (r < 0)
                        return r;
                return cgroup_libcgroup_read_file(dir, file, max_size, ret);
        }

        r = cgroup_clean_path(CGROUP_MOUNT_RELPATH, cgpath, &dir);
        if (r < 0)
                return r;
        if (strlen(dir) + 1 + strlen(file) + 1 > PATH_MAX)
                return -ENAMETOOLONG;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = root_read_file(root, path, max_size, ret);
        return r == -ENOTDIR ? -ENOENT : r;
}

/* Root files in both implementations (cgroup.h says why). A missing proc/PID or a read on a reaped task
 * both mean "gone". */
int cgroup_pid_path(const Root *root, pid_t pid, char **ret) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        const char *p;
        int r;

        if (!root || pid <= 0 || !ret)
                return -EINVAL;
        if (!snprintf_ok(path, "proc/%d/cgroup", (int) pid))
                return -EINVAL;
        r = root_read_file(root, path, 64U * 1024U, &text);
        if (r == -ENOENT || r == -ESRCH)
                return -ESRCH;
        if (r < 0)
                return r;

        for (p = text; *p; ) {
                size_t n = strcspn(p, "\n");

                if (n > 3 && strneq(p, "0::", 3)) {
                        char *v = strndup(p + 3, n - 3);

                        if (!v)
                                return -ENOMEM;
                        *ret = v;
                        return 0;
                }
                p += n;
                if (*p == '\n')
                        p++;
        }
        return -ENODATA;
}
