/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include <libcgroup.h>

#include "cgroup-internal.h"
#include "cgroup.h"

/* The controller whose hierarchy libcgroup walks: on cgroup2 every controller shares the one mount. */
static char controller[] = "memory";

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool usable;
static char *mount_point;       /* libcgroup's mount point of the memory controller, no trailing '/' */

static void probe(void) {
        _cleanup_free_ char *mp = NULL;
        struct statfs sf;
        size_t n;

        if (cgroup_init() != 0)
                return;
        if (cgroup_get_subsys_mount_point(controller, &mp) != 0 || !mp)
                return;
        n = strlen(mp);
        while (n > 1 && mp[n - 1] == '/')
                mp[--n] = '\0';
        /* damond's cgroup paths are cgroup2 paths below /sys/fs/cgroup: on systemd's hybrid layout
         * libcgroup finds memory on the v1 mount (/sys/fs/cgroup/memory), which is not where they are */
        if (!streq(mp, "/" CGROUP_MOUNT_RELPATH))
                return;
        if (statfs(mp, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
                return;
        mount_point = TAKE_PTR(mp);
        usable = true;
}

int cgroup_libcgroup_usable(void) {
        (void) pthread_once(&probe_once, probe);
        return usable;
}

/* libcgroup's ECG* codes as -errno. ECGOTHER carries the errno of the call that failed. */
static int cg_error(int cgerr) {
        int e;

        switch (cgerr) {
        case 0:
                return 0;
        case ECGOTHER:
                e = cgroup_get_last_errno();
                return e > 0 ? -e : -EIO;
        case ECGROUPUNSUPP:             /* cgroup_get_procs(): no cgroup.procs at that path */
        case ECGROUPNOTEXIST:
                return -ENOENT;
        case ECGINVAL:
                return -EINVAL;
        case ECGROUPNOTINITIALIZED:
        case ECGROUPNOTMOUNTED:
        case ECGROUPSUBSYSNOTMOUNTED:
                return -ENXIO;
        default:
                return -EIO;
        }
}

static int add_procs(const char *cgpath, PidSet *s) {
        _cleanup_free_ pid_t *pids = NULL;
        int n = 0, r;

        r = cgroup_get_procs((char *) cgpath, controller, &pids, &n);
        if (r != 0)
                return cg_error(r);
        for (int i = 0; i < n; i++) {
                if (pids[i] <= 0)
                        return -EINVAL;
                r = pidset_add(s, pids[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static unsigned components(const char *p) {
        unsigned n = 0;

        for (; *p; p++)
                if (*p == '/' && p[1] && p[1] != '/')
                        n++;
        return n;
}

/* The cgroup path of a directory the walk returned: its full path without the mount point and without
 * trailing slashes; NULL when it is not below the mount point. */
static char *walk_cgroup_path(const char *full_path) {
        size_t m = strlen(mount_point), n;
        const char *rel;
        char *out;

        if (!strneq(full_path, mount_point, m) || (full_path[m] != '/' && full_path[m] != '\0'))
                return NULL;
        rel = full_path + m;
        n = strlen(rel);
        while (n > 0 && rel[n - 1] == '/')
                n--;
        if (n == 0)
                return strdup("/");
        out = strndup(rel, n);
        return out;
}

static int walk_procs(const char *cgpath, PidSet *s) {
        struct cgroup_file_info info = {};
        unsigned base = components(cgpath);
        void *handle = NULL;
        int level = 0, r, q;

        r = cgroup_walk_tree_begin(controller, cgpath, 0, &handle, &info, &level);
        if (r != 0) {
                if (handle)
                        (void) cgroup_walk_tree_end(&handle);
                return r == ECGEOF ? -ENOENT : cg_error(r);
        }
        (void) cgroup_walk_tree_set_flags(&handle, CGROUP_WALK_TYPE_PRE_DIR);

        /* the walk starts on a missing directory too: the cgroup itself must be there */
        r = add_procs(cgpath, s);
        if (r < 0) {
                (void) cgroup_walk_tree_end(&handle);
                return r;
        }

        for (bool first = true;; first = false) {
                if (!first && info.type == CGROUP_FILE_TYPE_DIR && info.full_path) {
                        _cleanup_free_ char *p = walk_cgroup_path(info.full_path);

                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        if (components(p) > base + CGROUP_DEPTH_MAX) {
                                r = -ELOOP;
                                break;
                        }
                        q = add_procs(p, s);
                        if (q < 0 && q != -ENOENT && q != -ENODEV && q != -EOPNOTSUPP) {
                                r = q;  /* removed during the walk, or a threaded leaf, are skipped */
                                break;
                        }
                }
                q = cgroup_walk_tree_next(0, &handle, &info, level);
                if (q == ECGEOF) {
                        r = 0;
                        break;
                }
                if (q != 0) {
                        r = cg_error(q);
                        break;
                }
        }
        (void) cgroup_walk_tree_end(&handle);
        return r;
}

int cgroup_libcgroup_procs(const char *cgpath, bool recursive, PidSet *s) {
        if (cgroup_libcgroup_usable() <= 0)
                return -ENXIO;
        return recursive ? walk_procs(cgpath, s) : add_procs(cgpath, s);
}

int cgroup_libcgroup_read_file(const char *cgpath, const char *file, size_t max_size, char **ret) {
        _cleanup_free_ char *name = NULL, *out = NULL;
        char line[4096];
        void *handle = NULL;
        size_t len = 0;
        int r;

        if (cgroup_libcgroup_usable() <= 0)
                return -ENXIO;
        name = strdup(file);            /* cgroup_read_value_begin() takes a non-const name */
        out = strdup("");
        if (!name || !out)
                return -ENOMEM;

        /* one line (or a piece of a longer one) per call; ECGEOF when there is no more */
        for (r = cgroup_read_value_begin(controller, cgpath, name, &handle, line, sizeof(line));
             r == 0;
             r = cgroup_read_value_next(&handle, line, sizeof(line))) {
                size_t n = strlen(line);
                char *nout;

                if (len + n > max_size) {
                        r = -EFBIG;
                        break;
                }
                nout = realloc(out, len + n + 1);
                if (!nout) {
                        r = -ENOMEM;
                        break;
                }
                out = nout;
                memcpy(out + len, line, n + 1);
                len += n;
        }
        if (handle)
                (void) cgroup_read_value_end(&handle);
        if (r == ECGEOF)
                r = 0;
        else if (r > 0)
                r = cg_error(r);
        if (r < 0)
                return r == -ENOTDIR ? -ENOENT : r;

        *ret = TAKE_PTR(out);
        return 0;
}
