/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the Manager's tests share: a Manager over a fake kernel, and the counters its savings accounting
 * reads. Include after fake-kernel.h, manager.h and test-util.h. */

#include <limits.h>
#include <stdio.h>

/* The configuration directory list of a Manager whose files live in the fake kernel's etc/damond. */
typedef struct TestConfigDirs {
        char dir[PATH_MAX / 2];
        char *dirs[2];
} TestConfigDirs;

static inline char **test_config_dirs(TestConfigDirs *c, FakeKernel *k) {
        snprintf(c->dir, sizeof c->dir, "%s/etc/damond", fake_kernel_root_path(k));
        c->dirs[0] = c->dir;
        c->dirs[1] = NULL;
        return c->dirs;
}

/* A Manager over @k reading @config_dirs, started at @now, with the profile @running running. */
static inline Manager *test_manager_start(FakeKernel *k, char **config_dirs, uint64_t now, const char *running) {
        ManagerOptions o = {
                .root = fake_kernel_root_path(k),
                .config_dirs = config_dirs,
                .io = fake_kernel_io(k),
        };
        Manager *m = NULL;

        ck_assert_ok(manager_new(&o, &m));
        ck_assert_int_eq(manager_start(m, now), 0);
        ck_assert_int_eq(manager_find_profile(m, running)->state, PROFILE_RUN_RUNNING);
        return m;
}

/* /proc/vmstat and /proc/meminfo as the savings accounting reads them: 8 GiB, half available, 1 GiB of
 * swap unused, some refaults and swap traffic. */
static inline void test_write_memory_counters(FakeKernel *k) {
        ck_assert_ok(fake_kernel_write_file(k, "proc/vmstat",
                                            "workingset_refault_anon 10\nworkingset_refault_file 20\n"
                                            "pswpin 5\npswpout 50\n"));
        ck_assert_ok(fake_kernel_write_file(k, "proc/meminfo",
                                            "MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n"
                                            "SwapTotal: 1048576 kB\nSwapFree: 1048576 kB\n"));
}
