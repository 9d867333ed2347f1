/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dumps a DAMON sysfs tree and the DAMON modules' parameters in one comparable text form, so that a
 * real kernel's tree (in the VM) can be diffed against the fake kernel generation that claims to match
 * it.
 *
 *   fake-tree-dump ROOT
 *           reads the tree below ROOT as it is (ROOT/sys/kernel/mm/damon/admin and
 *           ROOT/sys/module/damon_{reclaim,lru_sort,stat}/parameters); it never writes
 *   fake-tree-dump --fake=GEN [--modules=reclaim,lru_sort,stat] [--stat-enabled]
 *           builds the fake kernel GEN in a temporary directory, with the named modules (DAMON_STAT
 *           enabled at boot with --stat-enabled), writes 1 to every nr_* file until each numbered
 *           directory has one child (as the scenario does on the real tree), and dumps it
 *
 * One line per entry, sorted: "d MODE PATH/" for a directory, "f MODE PATH = CONTENT" for a file, with
 * newlines inside CONTENT shown as \n. What a running system makes up (pids, DAMON_STAT's read-outs
 * while it runs) is shown as <pid> and <measured>: names and modes still count.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-kernel.h"

#define ADMIN "sys/kernel/mm/damon/admin"

static const char *const modules[] = { "damon_reclaim", "damon_lru_sort", "damon_stat" };

/* @a/@b into @buf; -ENAMETOOLONG when it does not fit. */
static int join(char *buf, size_t size, const char *a, const char *b) {
        int n = snprintf(buf, size, "%s/%s", a, b);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int name_cmp(const void *a, const void *b) {
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;
        char *ex, *ey;
        unsigned long nx = strtoul(x, &ex, 10), ny = strtoul(y, &ey, 10);

        /* numbered children in numeric order, like the kernel's */
        if (ex != x && !*ex && ey != y && !*ey)
                return nx < ny ? -1 : nx > ny;
        return strcmp(x, y);
}

static void print_content(const char *buf) {
        for (const char *c = buf; *c; c++)
                if (*c == '\n')
                        fputs(c[1] ? "\\n" : "", stdout);
                else
                        putchar(*c);
}

/* What depends on the running system rather than on the kernel's version. */
static const char *volatile_value(const char *path, const char *content, bool stat_enabled) {
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        if ((streq(base, "pid") || streq(base, "kdamond_pid")) && !streq(content, "-1\n"))
                return "<pid>";
        if (strstr(path, "damon_stat/") && stat_enabled &&
            (streq(base, "estimated_memory_bandwidth") || streq(base, "memory_idle_ms_percentiles") ||
             streq(base, "aggr_interval_us")))
                return "<measured>";
        return NULL;
}

static int dump(const char *root, const char *rel, bool stat_enabled) {
        char path[4096];
        _cleanup_free_ char **names = NULL;
        size_t n = 0, allocated = 0;
        DIR *d;
        struct dirent *de;
        int r = 0;

        r = join(path, sizeof(path), root, rel);
        if (r < 0)
                return r;
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n + 1 >= allocated) {
                        char **a = realloc(names, (allocated = allocated * 2 + 16) * sizeof(char *));

                        if (!a) {
                                r = -ENOMEM;
                                break;
                        }
                        names = a;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r < 0)
                goto out;
        qsort(names, n, sizeof(char *), name_cmp);
        for (size_t i = 0; i < n; i++) {
                char child[4096], buf[8192];
                struct stat st;
                const char *v;
                ssize_t len;
                int fd;

                r = join(child, sizeof(child), rel, names[i]);
                if (r >= 0)
                        r = join(path, sizeof(path), root, child);
                if (r < 0)
                        goto out;
                if (lstat(path, &st) < 0) {
                        r = -errno;
                        goto out;
                }
                if (S_ISDIR(st.st_mode)) {
                        printf("d %04o %s/\n", (unsigned) (st.st_mode & 07777), child);
                        r = dump(root, child, stat_enabled);
                        if (r < 0)
                                goto out;
                        continue;
                }
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        printf("f %04o %s ! %s\n", (unsigned) (st.st_mode & 07777), child, strerror(errno));
                        continue;
                }
                len = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                printf("f %04o %s = ", (unsigned) (st.st_mode & 07777), child);
                if (len < 0) {
                        printf("! %s\n", strerror(errno));
                        continue;
                }
                buf[len] = '\0';
                v = volatile_value(child, buf, stat_enabled);
                if (v)
                        fputs(v, stdout);
                else
                        print_content(buf);
                putchar('\n');
        }
out:
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        return r;
}

static int dump_root(const char *root) {
        char path[4096], buf[16] = "";
        bool stat_enabled = false;
        int r, fd;

        r = join(path, sizeof(path), root, "sys/module/damon_stat/parameters/enabled");
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                stat_enabled = read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] == 'Y';
                close(fd);
        }
        r = dump(root, ADMIN, stat_enabled);
        if (r < 0) {
                fprintf(stderr, "fake-tree-dump: %s/%s: %s\n", root, ADMIN, strerror(-r));
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                char module[256];

                r = join(module, sizeof(module), "sys/module", modules[i]);
                if (r >= 0)
                        r = join(path, sizeof(path), module, "parameters");
                if (r >= 0)
                        r = dump(root, path, stat_enabled);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        fprintf(stderr, "fake-tree-dump: %s/%s: %s\n", root, path, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static bool is_dir(FakeKernel *k, const char *rel) {
        char path[4096];
        struct stat st;

        return join(path, sizeof(path), fake_kernel_root_path(k), rel) >= 0 &&
               lstat(path, &st) >= 0 && S_ISDIR(st.st_mode);
}

/* Writes 1 into every nr_* file still at 0 below @rel, through the fake's own write semantics, then
 * descends into the directories that brought: one of every numbered directory. */
static int populate(FakeKernel *k, const char *rel) {
        _cleanup_strv_free_ char **names = NULL, **after = NULL;
        DamonIO *io = fake_kernel_io(k);
        int r;

        r = damon_io_list(io, rel, &names);
        if (r < 0)
                return r;
        for (char **n = names; *n; n++) {
                char child[4096], buf[64];

                r = join(child, sizeof(child), rel, *n);
                if (r < 0)
                        return r;
                /* stats/nr_tried and nr_applied are counters, not numbers of children */
                if (strncmp(*n, "nr_", 3) != 0 || strstr(child, "/stats/") || damon_io_read(io, child, buf, sizeof(buf)) < 0 ||
                    !streq(buf, "0"))
                        continue;
                r = damon_io_write(io, child, "1");
                if (r < 0) {
                        fprintf(stderr, "fake-tree-dump: writing 1 to %s: %s\n", child, strerror(-r));
                        return r;
                }
        }
        /* listed again: the writes made new directories */
        r = damon_io_list(io, rel, &after);
        if (r < 0)
                return r;
        for (char **n = after; *n; n++) {
                char child[4096];

                r = join(child, sizeof(child), rel, *n);
                if (r < 0)
                        return r;
                if (!is_dir(k, child))
                        continue;
                r = populate(k, child);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_modules(const char *s, bool want[static 3]) {
        _cleanup_free_ char *copy = strdup(s);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                size_t i;

                for (i = 0; i < ELEMENTSOF(modules); i++)
                        if (streq(w, modules[i] + strlen("damon_")))
                                break;
                if (i == ELEMENTSOF(modules)) {
                        fprintf(stderr, "fake-tree-dump: --modules: unknown module '%s' (reclaim, lru_sort, stat)\n", w);
                        return -EINVAL;
                }
                want[i] = true;
        }
        return 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "fake", required_argument, NULL, 'f' },
                { "modules", required_argument, NULL, 'm' },
                { "stat-enabled", no_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(fake_kernel_freep) FakeKernel *k = NULL;
        bool want[3] = {}, stat_enabled = false;
        const char *gen_name = NULL;
        FakeKernelGen gen;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        gen_name = optarg;
                        break;
                case 'm':
                        if (parse_modules(optarg, want) < 0)
                                return 2;
                        break;
                case 's':
                        stat_enabled = true;
                        break;
                case 'h':
                        printf("fake-tree-dump ROOT | --fake=GEN [--modules=reclaim,lru_sort,stat] [--stat-enabled]\n");
                        return 0;
                default:
                        return 2;
                }

        if (!gen_name) {
                if (optind + 1 != argc) {
                        fprintf(stderr, "fake-tree-dump: give ROOT or --fake=GEN (--help)\n");
                        return 2;
                }
                return dump_root(argv[optind]) < 0 ? 1 : 0;
        }
        if (optind != argc) {
                fprintf(stderr, "fake-tree-dump: --fake takes no ROOT\n");
                return 2;
        }
        if (want[0] != want[1]) {
                fprintf(stderr, "fake-tree-dump: the fake kernel has damon_reclaim and damon_lru_sort together or neither\n");
                return 2;
        }
        gen = fake_kernel_gen_from_string(gen_name);
        if (gen < 0) {
                fprintf(stderr, "fake-tree-dump: unknown fake generation '%s'\n", gen_name);
                return 2;
        }
        r = fake_kernel_new(gen, want[0], &k);
        if (r < 0) {
                fprintf(stderr, "fake-tree-dump: creating the fake kernel %s: %s\n", gen_name, strerror(-r));
                return 1;
        }
        if (want[2]) {
                r = fake_kernel_add_stat_module(k, stat_enabled);
                if (r < 0) {
                        fprintf(stderr, "fake-tree-dump: fake %s has no DAMON_STAT: %s\n", gen_name, strerror(-r));
                        return 1;
                }
        }
        r = populate(k, "sys/kernel/mm/damon/admin/kdamonds");
        if (r < 0) {
                fprintf(stderr, "fake-tree-dump: populating the fake tree: %s\n", strerror(-r));
                return 1;
        }
        return dump_root(fake_kernel_root_path(k)) < 0 ? 1 : 0;
}
