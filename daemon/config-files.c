/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-files.h"
#include "memcg.h"
#include "root.h"
#include "strv.h"

#ifndef DAMOND_SYSCONFDIR
#define DAMOND_SYSCONFDIR "/etc"
#endif
#ifndef DAMOND_LIBDIR
#define DAMOND_LIBDIR "/usr/lib"
#endif
#ifndef DAMOND_DATADIR
#define DAMOND_DATADIR "/usr/share"
#endif

static const char * const default_config_dirs[] = {
        DAMOND_SYSCONFDIR "/damond",
        "/run/damond",
        DAMOND_LIBDIR "/damond",
        NULL
};

static const char * const default_policy_dirs[] = {
        DAMOND_SYSCONFDIR "/damond/policies",
        "/run/damond/policies",
        DAMOND_LIBDIR "/damond/policies",
        DAMOND_DATADIR "/damond/policies",
        NULL
};

const ProfileDirs profile_dirs_default = {
        .config_dirs = default_config_dirs,
        .policy_dirs = default_policy_dirs,
};

static char *path_join(const char *dir, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return NULL;
        return p;
}

/*
 * Reads a regular file of at most @max bytes. The type is checked before the file is opened for reading:
 * an O_PATH descriptor opens nothing (a device's open may act, e.g. arm a watchdog; a FIFO's blocks), and
 * the file is then reopened through that descriptor, so a path swapped in between cannot slip through.
 */
static int disk_read(const ProfileFiles *f, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        char proc[64];
        struct stat st, st2;

        assert(path);
        assert(ret);
        assert(ret_size);

        pfd = open(path, O_PATH | O_CLOEXEC);
        if (pfd < 0)
                return -errno;
        if (fstat(pfd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (!snprintf_ok(proc, "/proc/self/fd/%d", pfd))
                return -EINVAL;
        fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st2) < 0)
                return -errno;
        if (!S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
                return -EBADFD;
        if ((uint64_t) st2.st_size > max)
                return -EFBIG;
        /* the size may change while reading: never more than @max + 1 */
        return read_full_fd(fd, max, ret, ret_size);
}

static int disk_canonical(const ProfileFiles *f, const char *path, char **ret) {
        assert(path);
        assert(ret);

        *ret = realpath(path, NULL);
        if (!*ret && errno == ENOMEM)
                return -ENOMEM;
        return 0;
}

static bool valid_include_name(const char *s) {
        if (isempty(s) || strlen(s) > 64 || s[0] == '.')
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
                        return false;
        return true;
}

static int disk_include(const ProfileFiles *f, const char *name, const char *from, char **ret) {
        const ProfileDirs *dirs = f->userdata;
        _cleanup_free_ char *self = NULL;

        assert(dirs);
        assert(name);
        assert(from);
        assert(ret);

        *ret = NULL;
        if (strchr(name, '/')) {
                _cleanup_free_ char *dir = NULL;
                char *slash;

                if (name[0] == '/') {
                        *ret = strdup(name);
                        return *ret ? 0 : -ENOMEM;
                }
                dir = strdup(from);
                if (!dir)
                        return -ENOMEM;
                slash = strrchr(dir, '/');
                if (slash)
                        *slash = '\0';
                *ret = slash ? path_join(dir, name) : strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        if (!valid_include_name(name))
                return -EINVAL;

        self = realpath(from, NULL);
        for (int pass = 0; pass < 2; pass++) {
                const char * const *d = pass == 0 ? dirs->policy_dirs : dirs->config_dirs;

                for (size_t i = 0; d && d[i]; i++) {
                        _cleanup_free_ char *p = NULL, *conf = NULL, *real = NULL;

                        if (asprintf(&conf, "%s.conf", name) < 0)
                                return -ENOMEM;
                        p = path_join(d[i], conf);
                        if (!p)
                                return -ENOMEM;
                        if (access(p, F_OK) < 0)
                                continue;
                        /* /etc/damond/reclaim.conf saying Include=reclaim means the policy, not itself */
                        real = realpath(p, NULL);
                        if (self && real && streq(self, real))
                                continue;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENOENT;
}

void profile_files_disk(const ProfileDirs *dirs, ProfileFiles *ret) {
        assert(ret);

        *ret = (ProfileFiles) {
                .read = disk_read,
                .canonical = disk_canonical,
                .include = dirs ? disk_include : NULL,
                .userdata = dirs,
        };
}

static int root_cgroup_exists(const ProfileMachine *m, const char *path) {
        assert(m->userdata);
        return memcg_cgroup_exists(m->userdata, path);
}

void profile_machine_root(const Root *root, ProfileMachine *ret) {
        assert(ret);

        *ret = (ProfileMachine) {
                .cgroup_exists = root ? root_cgroup_exists : NULL,
                .userdata = root,
        };
}

/* Drop-ins: NAME.conf.d/ *.conf in every config directory and in @extra_dir; a file name in an earlier
 * directory hides it in later ones. Returned paths are sorted by file name, NULL-terminated. */
static int find_dropins(const ProfileDirs *dirs, const char *extra_dir, const char *name, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL;
        size_t n = 0, n_dirs = 0;
        const char *search[16];

        for (size_t i = 0; dirs && dirs->config_dirs && dirs->config_dirs[i] && n_dirs < 15; i++)
                search[n_dirs++] = dirs->config_dirs[i];
        if (extra_dir) {
                bool dup = false;

                for (size_t i = 0; i < n_dirs; i++)
                        if (streq(search[i], extra_dir))
                                dup = true;
                if (!dup)
                        search[n_dirs++] = extra_dir;
        }

        for (size_t i = 0; i < n_dirs; i++) {
                _cleanup_free_ char *d = NULL;
                DIR *dir;
                struct dirent *de;

                if (asprintf(&d, "%s/%s.conf.d", search[i], name) < 0)
                        return -ENOMEM;
                dir = opendir(d);
                if (!dir)
                        continue;
                while ((de = readdir(dir))) {
                        size_t len = strlen(de->d_name);
                        bool hidden = false;

                        if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 5, ".conf"))
                                continue;
                        for (size_t j = 0; j < n; j++)
                                if (streq(strrchr(paths[j], '/') + 1, de->d_name))
                                        hidden = true;
                        if (hidden)
                                continue;
                        if (strv_consume(&paths, path_join(d, de->d_name)) < 0) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                        n++;
                }
                closedir(dir);
        }
        /* sort by file name, not by directory */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(strrchr(paths[j - 1], '/'), strrchr(paths[j], '/')) > 0;
                     j--) {
                        char *t = paths[j];

                        paths[j] = paths[j - 1];
                        paths[j - 1] = t;
                }
        *ret = TAKE_PTR(paths);
        return 0;
}

int profile_load_data(const char *path, const char *data, size_t size, const ProfileDirs *dirs, Profile **ret,
                      DiagList *diags) {
        _cleanup_strv_free_ char **dropins = NULL;
        _cleanup_free_ char *name = NULL, *dir = NULL;
        ProfileFiles files;
        char *slash;
        int r;

        assert(path);
        assert(ret);
        assert(diags);

        name = profile_name_from_path(path);
        dir = strdup(path);
        if (!name || !dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        /* in memory: the drop-ins of the config directories only, as if the file were installed there */
        r = find_dropins(dirs, data ? NULL : slash ? dir : ".", name, &dropins);
        if (r < 0)
                return r;
        profile_files_disk(dirs, &files);
        return profile_load_files(path, data, size, dropins, &files, ret, diags);
}

int profile_load(const char *path, const ProfileDirs *dirs, Profile **ret, DiagList *diags) {
        return profile_load_data(path, NULL, 0, dirs, ret, diags);
}

int profile_enumerate(const ProfileDirs *dirs, char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        size_t n = 0;

        assert(dirs);
        assert(ret);

        for (size_t i = 0; dirs->config_dirs && dirs->config_dirs[i]; i++) {
                DIR *dir = opendir(dirs->config_dirs[i]);
                struct dirent *de;

                if (!dir)
                        continue;
                while ((de = readdir(dir))) {
                        size_t len = strlen(de->d_name);
                        bool seen = false;

                        if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 5, ".conf") ||
                            streq(de->d_name, "damond.conf"))
                                continue;
                        for (size_t j = 0; j < n; j++)
                                if (strlen(names[j]) == len - 5 && strneq(names[j], de->d_name, len - 5))
                                        seen = true;
                        if (seen)
                                continue;
                        if (strv_consume(&names, strndup(de->d_name, len - 5)) < 0 ||
                            strv_consume(&paths, path_join(dirs->config_dirs[i], de->d_name)) < 0) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                        n++;
                }
                closedir(dir);
        }

        /* drop masked names, then sort by name (the paths' base names) */
        for (size_t i = 0; i < n;) {
                _cleanup_free_ char *real = realpath(paths[i], NULL);

                if (real && streq(real, "/dev/null")) {
                        free(paths[i]);
                        free(names[i]);
                        memmove(paths + i, paths + i + 1, (n - i) * sizeof(char *));
                        memmove(names + i, names + i + 1, (n - i) * sizeof(char *));
                        n--;
                } else
                        i++;
        }
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        char *t = names[j];

                        names[j] = names[j - 1];
                        names[j - 1] = t;
                        t = paths[j];
                        paths[j] = paths[j - 1];
                        paths[j - 1] = t;
                }
        if (!paths) {
                paths = calloc(1, sizeof(char *));
                if (!paths)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int damond_config_load(const ProfileDirs *dirs, DamondConfig *ret, DiagList *diags) {
        _cleanup_strv_free_ char **dropins = NULL;
        _cleanup_free_ char *main_path = NULL;
        ProfileFiles files;
        int r;

        assert(dirs);
        assert(ret);
        assert(diags);

        *ret = (DamondConfig) {};
        for (size_t i = 0; dirs->config_dirs && dirs->config_dirs[i]; i++) {
                _cleanup_free_ char *p = path_join(dirs->config_dirs[i], "damond.conf");

                if (!p)
                        return -ENOMEM;
                if (access(p, F_OK) < 0)
                        continue;
                main_path = TAKE_PTR(p);
                break;
        }
        r = find_dropins(dirs, NULL, "damond", &dropins);
        if (r < 0)
                return r;
        profile_files_disk(dirs, &files);
        return damond_config_parse(main_path, dropins, &files, ret, diags);
}
