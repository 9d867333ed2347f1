/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidset.h"
#include "proc-scan.h"

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static int gone_errno(ssize_t r) {
        return r == -ENOENT || r == -ESRCH ? -ESRCH : (int) r;
}

int proc_read_comm(const Root *root, pid_t pid, char *comm, size_t size) {
        char path[64], buf[64];
        ssize_t n;
        size_t len;

        if (size == 0 || !snprintf_ok(path, "proc/%d/comm", (int) pid))
                return -EINVAL;
        n = root_read_head(root, path, buf, sizeof(buf));
        if (n < 0)
                return gone_errno(n);
        /* The kernel's comm is at most 15 bytes; a longer line (a fake root's) is cut to @size. */
        len = MIN(strcspn(buf, "\n"), size - 1);
        memcpy(comm, buf, len);
        comm[len] = '\0';
        return 0;
}

bool proc_name_is_valid(const char *name) {
        return !isempty(name) && !strchr(name, '/') && strlen(name) <= NAME_MAX;
}

bool proc_name_matches(const char *name, const char *comm, const char *argv0) {
        if (!proc_name_is_valid(name))
                return false;

        if (comm) {
                size_t n = MIN(strlen(name), (size_t) PROC_COMM_MAX - 1);

                if (strlen(comm) == n && strneq(name, comm, n))
                        return true;
        }
        if (argv0) {
                const char *base = strrchr(argv0, '/');

                base = base ? base + 1 : argv0;
                if (streq(base, name))
                        return true;
        }
        return false;
}

int proc_pid_matches_name(const Root *root, pid_t pid, const char *name) {
        char comm[PROC_COMM_MAX * 4], path[64], cmdline[PATH_MAX + 1];
        const char *argv0 = cmdline;
        ssize_t n;
        int r;

        if (!root || pid <= 0)
                return -EINVAL;
        if (!proc_name_is_valid(name))
                return -EINVAL;

        r = proc_read_comm(root, pid, comm, sizeof(comm));
        if (r < 0)
                return r;

        if (!snprintf_ok(path, "proc/%d/cmdline", (int) pid))
                return -EINVAL;
        n = root_read_head(root, path, cmdline, sizeof(cmdline));
        if (n < 0)
                return gone_errno(n);
        if (n == 0)
                return 0;       /* kernel thread or zombie: nothing DAMON could monitor */
        if (!memchr(cmdline, '\0', (size_t) n))
                argv0 = NULL;   /* argv[0] longer than we read: compare comm only */

        return proc_name_matches(name, comm, argv0);
}

int proc_scan_name(const Root *root, const char *name, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_(closedirp) DIR *d = NULL;
        PidSet s = {};
        int fd, r;

        if (!root || !ret_pids || !ret_n)
                return -EINVAL;
        if (!proc_name_is_valid(name))
                return -EINVAL;

        fd = root_openat(root, "proc", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void) close(fd);
                return r;
        }

        for (struct dirent *de; (errno = 0, de = readdir(d)); ) {
                pid_t pid;

                if (parse_pid(de->d_name, strlen(de->d_name), &pid) < 0)
                        continue;
                r = proc_pid_matches_name(root, pid, name);
                if (r == -ENOMEM) {
                        free(s.pids);
                        return r;
                }
                if (r <= 0)
                        continue;       /* gone, unreadable (hidepid=), or no match */
                r = pidset_add(&s, pid);
                if (r < 0) {
                        free(s.pids);
                        return r;
                }
        }

        pidset_finish(&s, ret_pids, ret_n);
        return 0;
}

bool proc_cgroup_is_below(const char *path, const char *ancestor) {
        size_t la;

        if (!path || !ancestor || path[0] != '/')
                return false;
        la = strlen(ancestor);
        while (la > 0 && ancestor[la - 1] == '/')
                la--;
        if (la == 0)
                return true;    /* "/" holds every cgroup */
        return strneq(path, ancestor, la) && (path[la] == '\0' || path[la] == '/');
}
