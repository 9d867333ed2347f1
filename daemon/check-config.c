/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `damond --check-config` (check-config.h): damond.conf and the profiles loaded, validated and compiled as
 * the daemon would, for the running kernel (probed read-only) or a named kernel generation.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-config.h"
#include "config-load.h"
#include "damon-features.h"
#include "damon-io.h"
#include "memory-tiers.h"
#include "profile-compile.h"
#include "profile-kernels.h"
#include "profile.h"
#include "root.h"

static int print_diags(DiagList *d) {
        int r = diag_list_sort(d);

        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *line = diag_format(&d->items[i]);

                if (!line)
                        return -ENOMEM;
                fprintf(stderr, "%s\n", line);
        }
        return 0;
}

static int get_features(const Root *root, const char *kernel, DamonFeatures *ret) {
        _cleanup_(damon_io_freep) DamonIO *io = NULL;
        int r;

        if (!streq(kernel, "running"))
                return profile_kernel_features(kernel, ret);
        r = damon_io_new_root(root, &io);
        if (r < 0)
                return r;
        /* owns nothing: the probe only reads, and never stages children in anyone's kdamond */
        r = damon_features_probe(io, NULL, 0, ret);
        if (r == -ENOENT) {
                *ret = (DamonFeatures) {};
                return 0;
        }
        return r;
}

/* The machine's memory tiers, read-only, for Nodes=auto; not readable: NULL, and Nodes=auto says so. */
static int read_tiers(const Root *root, MemoryTopology **ret) {
        _cleanup_free_ MemoryTopology *t = NULL;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        if (memory_topology_read(root, t) < 0)
                t = mfree(t);
        *ret = TAKE_PTR(t);
        return 0;
}

/* Compiles and prints each profile, one at a time (freed before the next is read). Returns 1 if all are
 * valid, 0 if not, <0 on failure. */
static int check_profiles(char **files, size_t n, const ProfileDirs *dirs, const Root *root,
                          const DamonFeatures *f) {
        _cleanup_free_ MemoryTopology *tiers = NULL;
        ConfigNames names = {};
        bool valid = true;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++) {
                ConfigProfile c = {};

                r = config_profile_load(&c, files[i], NULL, 0, dirs, root);
                if (r >= 0 && c.valid && c.profile->target.nodes == PROFILE_NODES_AUTO && !tiers)
                        r = read_tiers(root, &tiers);
                if (r >= 0)
                        r = config_names_check(&names, &c);
                if (r >= 0)
                        r = config_profile_compile(&c, f, tiers);
                if (r >= 0)
                        r = print_diags(&c.diags);
                if (r >= 0 && c.valid)
                        r = compiled_profile_dump(&c.compiled, f, stdout);
                else if (r >= 0)
                        printf("# profile %s: invalid\n", c.profile ? c.profile->name : c.path);
                valid = valid && c.valid;
                config_profile_done(&c);
        }
        config_names_done(&names);
        return r < 0 ? r : valid;
}

static int check_daemon_config(const ProfileDirs *dirs) {
        DamondConfig c = {};
        DiagList d = {};
        int r;

        r = damond_config_load(dirs, &c, &d);
        if (r >= 0)
                r = print_diags(&d);
        if (r >= 0)
                profile_set_allowed_stall_ppm(c.allowed_stall_ppm);
        if (r >= 0)
                r = !diag_list_has_errors(&d);
        damond_config_done(&c);
        diag_list_done(&d);
        return r;
}

/* Profiles named on the command line are checked against the installed damond.conf's AllowedStall=
 * (the Target= of their stall goals without one), without its diagnostics. */
static int load_allowed_stall(const ProfileDirs *dirs) {
        DamondConfig c = {};
        DiagList d = {};
        int r;

        r = damond_config_load(dirs, &c, &d);
        if (r >= 0 && !diag_list_has_errors(&d))
                profile_set_allowed_stall_ppm(c.allowed_stall_ppm);
        damond_config_done(&c);
        diag_list_done(&d);
        return r;
}

int check_config_run(const CheckConfigOptions *o, char **files, size_t n_files) {
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_(profile_dirs_done) ProfileDirsBuf dirs = {};
        _cleanup_strv_free_ char **found = NULL;
        bool valid = true;
        DamonFeatures f;
        int r;

        assert(o);

        r = root_open(o->root, &root);
        if (r < 0) {
                fprintf(stderr, "damond: cannot open root %s: %s\n", o->root ?: "/", strerror(-r));
                return r;
        }
        /* the same directories as the daemon: --config-dir= replaces the config directories */
        r = profile_dirs_build(&dirs, o->root, o->config_dirs);
        if (r < 0)
                goto finish;
        r = get_features(root, o->kernel, &f);
        if (r < 0) {
                fprintf(stderr, "damond: cannot probe the kernel's DAMON features: %s\n", strerror(-r));
                goto finish;
        }
        if (f.version_major > 0)
                printf("# kernel: %s (DAMON features of Linux %u.%u)\n", o->kernel, f.version_major,
                       f.version_minor);
        else
                printf("# kernel: %s (no DAMON sysfs interface)\n", o->kernel);

        if (n_files == 0) {
                r = check_daemon_config(&dirs.dirs);
                if (r < 0)
                        goto finish;
                valid = valid && r > 0;
                r = profile_enumerate(&dirs.dirs, &found);
                if (r < 0)
                        goto finish;
                files = found;
                while (found[n_files])
                        n_files++;
                if (n_files == 0)
                        printf("# no profiles\n");
        } else {
                r = load_allowed_stall(&dirs.dirs);
                if (r < 0)
                        goto finish;
        }
        r = check_profiles(files, n_files, &dirs.dirs, root, &f);
        if (r < 0)
                goto finish;
        valid = valid && r > 0;
        r = valid ? 0 : 1;
finish:
        if (r < 0)
                fprintf(stderr, "damond: %s\n", strerror(-r));
        return r;
}
