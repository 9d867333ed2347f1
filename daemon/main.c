/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damond's entry point. `damond [--root=DIR] [--config-dir=DIR...]` runs the daemon in the foreground
 * (always: systemd Type=notify) through the Manager (manager.h); exit codes 0, 1 and 78 (no valid
 * profile, or no DAMON). `damond --check-config [FILE...]` loads, validates and compiles profiles for the
 * running kernel (probed read-only) or a named kernel generation, prints every problem as
 * "path:line: Key=value: what is wrong" and the compiled result, and exits 0 when everything is valid.
 *
 * Built a second time with DAMOND_FAKE as damond-fake (tests only, never installed): --fake-kernel=GEN
 * runs the daemon against an in-process fake kernel (tests/fake/fake-kernel.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damon-features.h"
#include "damon-io.h"
#include "config-load.h"
#include "log.h"
#include "manager.h"
#include "profile-compile.h"
#include "profile-kernels.h"
#include "profile.h"
#include "root.h"
#ifndef DAMOND_FAKE
#define DAMOND_FAKE 0
#endif
#if DAMOND_FAKE
#include "fake-kernel.h"
#endif

#define DIRS_MAX 8

static bool arg_check_config = false;
static const char *arg_kernel = "running";
static const char *arg_root = NULL;
static char *arg_config_dirs[DIRS_MAX] = {};
static size_t arg_n_config_dirs = 0;
#if DAMOND_FAKE
static const char *arg_fake_kernel = NULL;
#endif

static void help(void) {
        printf("Usage: damond [OPTIONS...]\n"
               "       damond --check-config [OPTIONS...] [FILE...]\n\n"
               "DAMON policy daemon.\n\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "     --check-config      Validate the profiles (all of them, or the FILEs given) and\n"
               "                         damond.conf, print every problem and the compiled result,\n"
               "                         without touching the kernel; exit 0 when valid\n"
               "     --kernel=GEN        With --check-config: compile for the running kernel (running,\n"
               "                         the default, probed read-only) or for mainline %s, %s, %s or %s\n"
               "     --root=DIR          Use DIR as the root for configuration and kernel files\n"
               "     --config-dir=DIR    Read damond.conf and the profiles from DIR instead of the\n"
               "                         installed directories (repeatable, first wins)\n"
#if DAMOND_FAKE
               "     --fake-kernel=GEN   Run against an in-process fake kernel (5.18, 6.1, 6.12, 6.18)\n"
#endif
               "\n"
               "Without --check-config damond runs in the foreground until SIGTERM; SIGHUP reloads.\n"
               "See damond.conf(5).\n",
               profile_kernel_generations[0], profile_kernel_generations[1], profile_kernel_generations[2],
               profile_kernel_generations[3]);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CHECK_CONFIG,
                ARG_KERNEL,
                ARG_ROOT,
                ARG_CONFIG_DIR,
                ARG_FAKE_KERNEL,
        };
        static const struct option options[] = {
                { "help",         no_argument,       NULL, 'h'              },
                { "version",      no_argument,       NULL, ARG_VERSION      },
                { "check-config", no_argument,       NULL, ARG_CHECK_CONFIG },
                { "kernel",       required_argument, NULL, ARG_KERNEL       },
                { "root",         required_argument, NULL, ARG_ROOT         },
                { "config-dir",   required_argument, NULL, ARG_CONFIG_DIR   },
#if DAMOND_FAKE
                { "fake-kernel",  required_argument, NULL, ARG_FAKE_KERNEL  },
#endif
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("damond %s\n", DAMOND_VERSION);
                        return 0;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case ARG_KERNEL: {
                        DamonFeatures f;

                        if (!streq(optarg, "running") && profile_kernel_features(optarg, &f) < 0) {
                                fprintf(stderr, "damond: unknown kernel generation '%s'\n"
                                        "Try 'damond --help' for more information.\n", optarg);
                                return -EINVAL;
                        }
                        arg_kernel = optarg;
                        break;
                }
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_CONFIG_DIR:
                        if (arg_n_config_dirs >= DIRS_MAX - 1) {
                                fprintf(stderr, "damond: too many --config-dir= (at most %d)\n",
                                        DIRS_MAX - 1);
                                return -EINVAL;
                        }
                        arg_config_dirs[arg_n_config_dirs++] = optarg;
                        break;
#if DAMOND_FAKE
                case ARG_FAKE_KERNEL:
                        if (fake_kernel_gen_from_string(optarg) < 0) {
                                fprintf(stderr, "damond: unknown fake kernel generation '%s'\n", optarg);
                                return -EINVAL;
                        }
                        arg_fake_kernel = optarg;
                        break;
#endif
                default:
                        fprintf(stderr, "Try 'damond --help' for more information.\n");
                        return -EINVAL;
                }
        return 1;
}

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

static int get_features(const Root *root, DamonFeatures *ret) {
        _cleanup_(damon_io_freep) DamonIO *io = NULL;
        int r;

        if (!streq(arg_kernel, "running"))
                return profile_kernel_features(arg_kernel, ret);
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

static int run_check_config(char **files, size_t n_files) {
        _cleanup_(root_freep) Root *root = NULL;
        _cleanup_(profile_dirs_done) ProfileDirsBuf dirs = {};
        _cleanup_strv_free_ char **found = NULL;
        bool valid = true;
        DamonFeatures f;
        int r;

        r = root_open(arg_root, &root);
        if (r < 0) {
                fprintf(stderr, "damond: cannot open root %s: %s\n", arg_root ? arg_root : "/", strerror(-r));
                return r;
        }
        /* the same directories as the daemon: --config-dir= replaces the config directories */
        r = profile_dirs_build(&dirs, arg_root, arg_n_config_dirs > 0 ? arg_config_dirs : NULL);
        if (r < 0)
                goto finish;
        r = get_features(root, &f);
        if (r < 0) {
                fprintf(stderr, "damond: cannot probe the kernel's DAMON features: %s\n", strerror(-r));
                goto finish;
        }
        if (f.version_major > 0)
                printf("# kernel: %s (DAMON features of Linux %u.%u)\n", arg_kernel, f.version_major,
                       f.version_minor);
        else
                printf("# kernel: %s (no DAMON sysfs interface)\n", arg_kernel);

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

static int run_daemon(void) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions o = {
                .root = arg_root,
                .config_dirs = arg_n_config_dirs > 0 ? arg_config_dirs : NULL,
        };
        int r;
#if DAMOND_FAKE
        _cleanup_(fake_kernel_freep) FakeKernel *k = NULL;

        /* The test build must never drive this machine's own DAMON: without a fake kernel it refuses,
         * whatever --root says (a root of "/" or a bind mount of it would reach the real sysfs). */
        if (!arg_fake_kernel) {
                log_error("damond-fake runs the daemon only against --fake-kernel=GEN.");
                return EXIT_FAILURE;
        }
        {
                r = fake_kernel_new(fake_kernel_gen_from_string(arg_fake_kernel), true, &k);
                if (r < 0) {
                        log_error_errno(r, "Failed to create the fake kernel: %m");
                        return EXIT_FAILURE;
                }
                /* kernel files from the fake, configuration from --root/--config-dir */
                o.config_root = arg_root;
                o.root = fake_kernel_root_path(k);
                o.io = fake_kernel_io(k);
                o.snapshot_io = fake_kernel_io(k);      /* nothing else touches the fake: share it */
                log_info("Running against a fake %s kernel in '%s'.", arg_fake_kernel, o.root);
        }
#endif

        r = manager_new(&o, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up damond (root '%s'): %m", arg_root ?: "/");
                return EXIT_FAILURE;
        }
        return manager_run(m);
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (arg_check_config) {
                r = run_check_config(argv + optind, (size_t) (argc - optind));
                if (fflush(stdout) != 0 || ferror(stdout))
                        return EXIT_FAILURE;
                return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        if (optind < argc) {
                fprintf(stderr, "damond: unexpected argument '%s'\nTry 'damond --help' for more information.\n",
                        argv[optind]);
                return EXIT_FAILURE;
        }
        log_open();
        return run_daemon();
}
