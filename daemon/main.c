/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damond's entry point: the command line, then either the daemon in the foreground (always: systemd
 * Type=notify) through the Manager (manager.h), exit codes 0, 1 and 78 (no valid profile, or no DAMON),
 * or `damond --check-config [FILE...]` (check-config.h), exit 0 when everything is valid.
 *
 * Built a second time with DAMOND_FAKE as damond-fake (tests only, never installed): --fake-kernel=GEN
 * runs the daemon against an in-process fake kernel (tests/fake/fake-kernel.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "check-config.h"
#include "damon-features.h"
#include "log.h"
#include "manager.h"
#include "profile-kernels.h"
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
                /* $DAMOND_FAKE_INJECT names a file through which a test makes kernel writes fail */
                if (getenv("DAMOND_FAKE_INJECT") &&
                    fake_kernel_set_inject_file(k, getenv("DAMOND_FAKE_INJECT")) < 0) {
                        (void) log_oom();
                        return EXIT_FAILURE;
                }
                log_info("Running against a fake %s kernel in '%s'.", arg_fake_kernel, o.root);
        }
#endif

        r = manager_new(&o, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up damond (root '%s'): %m", arg_root ?: "/");
                return EXIT_FAILURE;
        }
        r = manager_startup(m);
        if (r != 0)
                return r == DAMOND_EXIT_CONFIG ? r : EXIT_FAILURE;
        /* before READY=1, so that damonctl works once systemctl start returns; without a bus damond
         * still runs (bus.h) */
        (void) bus_attach(m);
        r = manager_loop(m);
        bus_detach(m);          /* before the Manager: it runs on the Manager's event loop */
        return r;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (arg_check_config) {
                r = check_config_run(&(CheckConfigOptions) {
                                        .root = arg_root,
                                        .config_dirs = arg_n_config_dirs > 0 ? arg_config_dirs : NULL,
                                        .kernel = arg_kernel,
                                }, argv + optind, (size_t) (argc - optind));
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
