/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's Manager against the fake kernel, once per kernel generation ($DAMOND_FAKE_KERNEL): start,
 * reload (counting every sysfs write), kdamond death, another DAMON user in the way, adoption after a
 * restart, stop, and one short run of the real event loop with sd_notify messages.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "log.h"
#include "manager.h"
#include "config-validate.h"
#include "operator-verbs.h"
#include "manager-follow.h"
#include "message-ids.h"
#include "state-file.h"
#include "test-util.h"
#include "tier-status.h"

#define SEC USEC_PER_SEC
#define BOOT_ID "6c5a2e3e-0d7e-4d6f-9c34-2b1f0a5e7c11"
#define QUOTA_32M_LOG "%u/contexts/0/schemes/0/quotas/bytes 33554432\n%u/state commit\n"
#define QUOTA_BYTES "contexts/0/schemes/0/quotas/bytes"
#define T0 (1000 * SEC)

static FakeKernelGen gen;
static FakeKernel *k;
static char confdir[PATH_MAX / 2];
static char *config_dirs[2];

/* what was logged, one "LEVEL MESSAGE_ID|- CONFIG_FILE:LINE|- message" line per message */
static char logbuf[1 << 20];

static void log_capture(int level, const LogFields *f, const char *message, void *userdata) {
        size_t n = strlen(logbuf);

        snprintf(logbuf + n, sizeof logbuf - n, "%d %s %s:%u %s\n", level,
                 f && f->message_id ? f->message_id : "-", f && f->config_file ? f->config_file : "-",
                 f ? f->config_line : 0, message);
}

static void write_conf(const char *name, const char *content) {
        char rel[PATH_MAX];

        snprintf(rel, sizeof rel, "etc/damond/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, content));
}

static void remove_conf(const char *name) {
        char p[PATH_MAX];

        snprintf(p, sizeof p, "%s/%s", confdir, name);
        ck_assert_int_eq(unlink(p), 0);
}

#define RECLAIM_CONF(quota) \
        "[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n" \
        "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=" quota "\n"
#define STAT_CONF "[Profile]\nOperations=paddr\n[Target]\nRegion=auto\n[Scheme all]\nAction=stat\n"

static void setup(void) {
        gen = fake_kernel_gen_from_env();
        ck_assert_ok(fake_kernel_new(gen, true, &k));
        ck_assert_ok(fake_kernel_write_file(k, "proc/iomem",
                "00001000-0009fbff : System RAM\n100000000-23fffffff : System RAM\n"));
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH, BOOT_ID "\n"));
        snprintf(confdir, sizeof confdir, "%s/etc/damond", fake_kernel_root_path(k));
        config_dirs[0] = confdir;
        config_dirs[1] = NULL;
        write_conf("reclaim.conf", RECLAIM_CONF("64M"));
        write_conf("stat.conf", STAT_CONF);
        logbuf[0] = '\0';
        log_set_hook(log_capture, NULL);
        log_set_max_level(LOG_DEBUG);
}

static void teardown(void) {
        log_set_hook(NULL, NULL);
        k = fake_kernel_free(k);
}

static Manager *new_manager(void) {
        ManagerOptions o = {
                .root = fake_kernel_root_path(k),
                .config_dirs = config_dirs,
                .io = fake_kernel_io(k),
        };
        Manager *m = NULL;

        ck_assert_ok(manager_new(&o, &m));
        return m;
}

/* The write log without the state commands that only refresh read-back files (the status reading
 * of every health tick): what changed the configuration of a kdamond. Returns a static buffer. */
static const char *config_writes(void) {
        static char buf[65536];
        const char *log = fake_kernel_write_log(k);
        size_t n = 0;

        buf[0] = '\0';
        while (*log) {
                const char *eol = strchr(log, '\n');
                size_t len = eol ? (size_t) (eol - log + 1) : strlen(log);
                const char *st = strstr(log, "/state update_");

                if (!(st && st < log + len) && n + len < sizeof(buf)) {
                        memcpy(buf + n, log, len);
                        n += len;
                        buf[n] = '\0';
                }
                log += len;
        }
        return buf;
}

static Manager *started_manager(void) {
        Manager *m = new_manager();

        ck_assert_int_eq(manager_start(m, T0), 0);
        return m;
}

static const char *kstate(unsigned index) {
        static char buf[32];
        char path[128];

        snprintf(path, sizeof path, DAMON_KDAMONDS_DIR "/%u/state", index);
        ck_assert_ok(damon_io_read(fake_kernel_io(k), path, buf, sizeof buf));
        return buf;
}

static ManagedProfile *profile(Manager *m, const char *name) {
        ManagedProfile *p = manager_find_profile(m, name);

        ck_assert_msg(p, "no profile '%s'", name);
        return p;
}

START_TEST(test_start_two_profiles) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        _cleanup_free_ char *status = NULL;
        _cleanup_(state_record_done) StateRecord rec = {};
        ManagedProfile *reclaim = profile(m, "reclaim"), *stat = profile(m, "stat");
        char buf[64];

        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(stat->state, PROFILE_RUN_RUNNING);
        ck_assert_int_ne(reclaim->kdamond, stat->kdamond);
        ck_assert_str_eq(kstate((unsigned) reclaim->kdamond), "on");
        ck_assert_str_eq(kstate((unsigned) stat->kdamond), "on");
        ck_assert_uint_eq(fake_kernel_n_starts(k, (unsigned) reclaim->kdamond), 1);

        /* Region=auto became every System RAM range of proc/iomem but the 636K sliver below 1M */
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond,
                                               "contexts/0/targets/0/regions/nr_regions", buf, sizeof buf));
        ck_assert_str_eq(buf, "1");
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond,
                                               "contexts/0/targets/0/regions/0/start", buf, sizeof buf));
        ck_assert_str_eq(buf, "4294967296");
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond,
                                               "contexts/0/targets/0/regions/0/end", buf, sizeof buf));
        ck_assert_str_eq(buf, "9663676416");

        status = manager_status_line(m);
        ck_assert_str_eq(status, "2 profiles running (reclaim, stat)");

        /* the record names both, with their pids, and the spares */
        ck_assert_int_eq(state_file_read(fake_kernel_root(k), &rec, NULL), 1);
        ck_assert_uint_ge(rec.n, 2);
        for (size_t i = 0; i < rec.n; i++) {
                const StateEntry *e = &rec.entries[i];

                if (e->index == (unsigned) reclaim->kdamond) {
                        ck_assert_str_eq(e->profile, "reclaim");
                        ck_assert_int_eq(e->pid, reclaim->pid);
                } else if (e->index == (unsigned) stat->kdamond)
                        ck_assert_str_eq(e->profile, "stat");
                else
                        ck_assert_ptr_null(e->profile);
        }
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_PROFILE_STARTED));
}
END_TEST

START_TEST(test_reload_unchanged_writes_nothing) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        size_t writes = fake_kernel_n_writes(k);

        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_uint_eq(fake_kernel_n_writes(k), writes);
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
}
END_TEST

START_TEST(test_reload_one_value) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        ManagedProfile *reclaim = profile(m, "reclaim"), *stat = profile(m, "stat");
        pid_t pid = reclaim->pid;
        unsigned idx = (unsigned) reclaim->kdamond;
        char expected[256], buf[64];

        fake_kernel_clear_write_log(k);
        write_conf("reclaim.conf", RECLAIM_CONF("32M"));
        ck_assert_ok(manager_reload(m, T0 + SEC));

        /* exactly the one value and "commit", nothing else, nothing of the other profile */
        snprintf(expected, sizeof expected, QUOTA_32M_LOG,
                 idx, idx);
        ck_assert_ok(fake_kernel_running_value(k, idx, QUOTA_BYTES, buf, sizeof buf));
        ck_assert_str_eq(buf, "33554432");
        if (gen == FAKE_GEN_5_18) {
                /* no online commit before 5.19: the value is staged and the kdamond restarted */
                snprintf(expected, sizeof expected, "%u/contexts/0/schemes/0/quotas/bytes 33554432\n", idx);
                ck_assert_ptr_nonnull(strstr(fake_kernel_write_log(k), expected));
                ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 2);
                ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
                ck_assert_ptr_nonnull(strstr(logbuf, "no online commit"));
                return;
        }
        ck_assert_str_eq(fake_kernel_write_log(k), expected);
        ck_assert_int_eq(reclaim->pid, pid);
        ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, idx), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, (unsigned) stat->kdamond), 0);
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_PROFILE_RELOADED));
}
END_TEST

START_TEST(test_reload_invalid_keeps_old) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        ManagedProfile *reclaim = profile(m, "reclaim");
        unsigned idx = (unsigned) reclaim->kdamond;
        char buf[64], expected_loc[PATH_MAX];

        fake_kernel_clear_write_log(k);
        write_conf("reclaim.conf", "[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n"
                   "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=banana\n");
        ck_assert_ok(manager_reload(m, T0 + SEC));

        ck_assert_str_eq(fake_kernel_write_log(k), "");
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_str_eq(kstate(idx), "on");
        ck_assert_ok(fake_kernel_running_value(k, idx, QUOTA_BYTES, buf, sizeof buf));
        ck_assert_str_eq(buf, "67108864");
        /* the error is logged with its file and line, under the config-error MESSAGE_ID */
        snprintf(expected_loc, sizeof expected_loc, "%d %s %s/reclaim.conf:8 ", LOG_ERR,
                 DAMOND_MESSAGE_CONFIG_ERROR, confdir);
        ck_assert_msg(strstr(logbuf, expected_loc), "no '%s' in:\n%s", expected_loc, logbuf);
        ck_assert_ptr_nonnull(strstr(logbuf, "keeping its previous version"));

        /* fixing it later applies the fixed version (the invalid one was never half-applied) */
        fake_kernel_clear_write_log(k);
        write_conf("reclaim.conf", RECLAIM_CONF("64M"));
        ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
        ck_assert_str_eq(fake_kernel_write_log(k), "");
}
END_TEST

START_TEST(test_reload_removed_and_new) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        unsigned stat_idx = (unsigned) profile(m, "stat")->kdamond;
        unsigned reclaim_idx = (unsigned) profile(m, "reclaim")->kdamond;
        ManagedProfile *n;
        char pattern[64];

        remove_conf("stat.conf");
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_ptr_null(manager_find_profile(m, "stat"));
        ck_assert_str_eq(kstate(stat_idx), "off");
        ck_assert_str_eq(kstate(reclaim_idx), "on");
        ck_assert_uint_eq(fake_kernel_n_commits(k, reclaim_idx), 0);
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_PROFILE_STOPPED));

        /* a new profile runs on a stopped kdamond we own: nr_kdamonds cannot change while one runs */
        write_conf("fresh.conf", STAT_CONF);
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
        n = profile(m, "fresh");
        ck_assert_int_eq(n->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "nr_kdamonds"));
        snprintf(pattern, sizeof pattern, "%u/state on\n", (unsigned) n->kdamond);
        ck_assert_ptr_nonnull(strstr(fake_kernel_write_log(k), pattern));
        ck_assert_uint_eq(fake_kernel_n_commits(k, reclaim_idx), 0);
}
END_TEST

START_TEST(test_reload_no_free_kdamond) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        ManagedProfile *c;

        /* two spares were made at start-up; the third new profile finds none, and nr_kdamonds cannot
         * grow while our kdamonds run */
        write_conf("a.conf", STAT_CONF);
        write_conf("b.conf", STAT_CONF);
        write_conf("c.conf", STAT_CONF);
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_int_eq(profile(m, "a")->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(profile(m, "b")->state, PROFILE_RUN_RUNNING);
        c = profile(m, "c");
        ck_assert_int_eq(c->state, PROFILE_RUN_BLOCKED);
        ck_assert_ptr_nonnull(strstr(c->reason, "running"));
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "nr_kdamonds"));

        /* a removed profile frees its kdamond: the blocked one gets it at its next retry */
        remove_conf("a.conf");
        ck_assert_ok(manager_reload(m, T0 + 2 * SEC));
        ck_assert_int_eq(c->state, PROFILE_RUN_BLOCKED);
        ck_assert_ok(manager_health_tick(m, T0 + SEC + MANAGER_RETRY_USEC));
        ck_assert_int_eq(c->state, PROFILE_RUN_RUNNING);
}
END_TEST

START_TEST(test_log_level_from_config) {
        _cleanup_(manager_freep) Manager *m = NULL;

        write_conf("damond.conf", "[Damond]\nLogLevel=warning\n");
        m = started_manager();
        ck_assert_int_eq(log_get_max_level(), LOG_WARNING);
        /* a reload takes the new level */
        write_conf("damond.conf", "[Damond]\nLogLevel=debug\n");
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_int_eq(log_get_max_level(), LOG_DEBUG);
}
END_TEST

START_TEST(test_max_kdamonds) {
        _cleanup_(manager_freep) Manager *m = NULL;

        _cleanup_free_ char *status = NULL;
        ManagedProfile *stat;
        bool said = false;

        write_conf("damond.conf", "[Damond]\nMaxKdamonds=1\n");
        m = started_manager();
        /* one of the two runs; the other is over the limit and says what to do, and so does the start-up */
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
        stat = profile(m, "stat");
        ck_assert_int_eq(stat->state, PROFILE_RUN_OVER_LIMIT);
        ck_assert_ptr_nonnull(strstr(stat->reason, "MaxKdamonds=1"));
        ck_assert_ptr_nonnull(strstr(stat->reason, "disable a profile (Enabled=no) and reload"));
        ck_assert_ptr_nonnull(strstr(logbuf, "Started with 2 valid profiles of 2: 1 running, 1 over-limit "
                                     "(more enabled profiles than MaxKdamonds=1)"));
        ck_assert(!manager_last_load(m)->valid);
        for (size_t i = 0; manager_last_load(m)->diagnostics[i]; i++)
                said = said || strncmp(manager_last_load(m)->diagnostics[i],
                                       "profile 'stat': not started: ", 29) == 0;
        ck_assert(said);
        status = manager_status_line(m);
        ck_assert_ptr_nonnull(strstr(status, "; 1 over-limit"));

        /* not retried by the health ticks */
        fake_kernel_clear_write_log(k);
        logbuf[0] = '\0';
        for (unsigned s = 1; s <= 30; s++)
                ck_assert_ok(manager_health_tick(m, T0 + s * SEC));
        ck_assert_int_eq(stat->state, PROFILE_RUN_OVER_LIMIT);
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "nr_kdamonds"));
        ck_assert_ptr_null(strstr(logbuf, "'stat'"));

        /* a reload that leaves it over the limit is not valid (damonctl reload fails) */
        ck_assert_ok(manager_reload(m, T0 + 40 * SEC));
        ck_assert_int_eq(stat->state, PROFILE_RUN_OVER_LIMIT);
        ck_assert(!manager_last_load(m)->valid);
        ck_assert_ptr_nonnull(strstr(manager_last_load(m)->summary, "1 not applied"));

        /* a profile disabled by the same reload makes room */
        write_conf("reclaim.conf", "[Profile]\nEnabled=no\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n"
                   "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=64M\n");
        ck_assert_ok(manager_reload(m, T0 + 41 * SEC));
        ck_assert_int_eq(stat->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_null(stat->reason);
        ck_assert(manager_last_load(m)->valid);
}
END_TEST

START_TEST(test_disabled_by_reload) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        ManagedProfile *stat = profile(m, "stat");
        unsigned idx = (unsigned) stat->kdamond;

        write_conf("stat.conf", "[Profile]\nEnabled=no\nOperations=paddr\n[Target]\nRegion=auto\n"
                   "[Scheme all]\nAction=stat\n");
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_int_eq(stat->state, PROFILE_RUN_DISABLED);
        ck_assert_str_eq(kstate(idx), "off");
}
END_TEST

START_TEST(test_kdamond_death) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *app, *reclaim;
        unsigned idx;

        ck_assert_ok(fake_kernel_add_process(k, 4242));
        write_conf("app.conf",
                   "[Profile]\nOperations=vaddr\n[Target]\nPid=4242\n[Scheme all]\nAction=stat\n");
        m = started_manager();
        app = profile(m, "app");
        reclaim = profile(m, "reclaim");
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        idx = (unsigned) app->kdamond;

        ck_assert_ok(fake_kernel_targets_exit(k, idx));
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_KDAMOND_DIED));
        /* the process is gone: nothing is written, nothing is retried in vain */
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);
        ck_assert_str_eq(config_writes(), "");
        ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 1);

        /* it is back: the profile restarts on its kdamond; the other profile was never disturbed */
        ck_assert_ok(fake_kernel_add_process(k, 4242));
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(app->kdamond, (int) idx);
        ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 2);
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_uint_eq(fake_kernel_n_starts(k, (unsigned) reclaim->kdamond), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, (unsigned) reclaim->kdamond), 0);
}
END_TEST

static void add_named_process(pid_t pid, const char *name) {
        char rel[64], cmdline[64];

        ck_assert_ok(fake_kernel_add_process(k, pid));
        snprintf(rel, sizeof rel, "proc/%d/comm", (int) pid);
        snprintf(cmdline, sizeof cmdline, "%s\n", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, cmdline));
        snprintf(rel, sizeof rel, "proc/%d/cmdline", (int) pid);
        snprintf(cmdline, sizeof cmdline, "/usr/bin/%s", name);
        ck_assert_ok(fake_kernel_write_file(k, rel, cmdline));
}

START_TEST(test_follow_process_name) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *app;
        char buf[64];
        unsigned idx;

        write_conf("app.conf", "[Profile]\nOperations=vaddr\n[Target]\nProcessName=worker\n"
                   "[Scheme all]\nAction=stat\n");
        m = started_manager();
        app = profile(m, "app");
        /* no such process yet: it waits, and writes nothing while it waits */
        ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_str_eq(config_writes(), "");

        add_named_process(5000, "worker");
        add_named_process(5001, "other");
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        idx = (unsigned) app->kdamond;
        ck_assert_ok(fake_kernel_running_value(k, idx, "contexts/0/targets/0/pid_target", buf, sizeof buf));
        ck_assert_str_eq(buf, "5000");
        ck_assert_int_eq(fake_kernel_running_value(k, idx, "contexts/0/targets/1/pid_target", buf,
                                                   sizeof buf), -ENOENT);

        /* a second one starts: it becomes a target online (5.18: by a restart) */
        add_named_process(5002, "worker");
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        ck_assert_ok(fake_kernel_running_value(k, idx, "contexts/0/targets/1/pid_target", buf, sizeof buf));
        ck_assert_str_eq(buf, "5002");
        if (gen != FAKE_GEN_5_18) {
                ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 1);
                ck_assert_uint_eq(fake_kernel_n_commits(k, idx), 1);
        }
        /* an unchanged set writes nothing */
        fake_kernel_clear_write_log(k);
        ck_assert_ok(manager_health_tick(m, T0 + 4 * SEC));
        ck_assert_str_eq(config_writes(), "");
}
END_TEST

static void remove_process(pid_t pid) {
        char p[PATH_MAX];

        for (size_t i = 0; i < 2; i++) {
                snprintf(p, sizeof p, "%s/proc/%d/%s", fake_kernel_root_path(k), (int) pid,
                         i == 0 ? "comm" : "cmdline");
                (void) unlink(p);
        }
        snprintf(p, sizeof p, "%s/proc/%d", fake_kernel_root_path(k), (int) pid);
        ck_assert_int_eq(rmdir(p), 0);
}

START_TEST(test_follow_by_events) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *app;
        ProcEvent ev = {};
        char buf[64];
        unsigned idx;

        write_conf("app.conf", "[Profile]\nOperations=vaddr\n[Target]\nProcessName=worker\n"
                   "[Scheme all]\nAction=stat\n");
        m = new_manager();
        manager_set_follow_by_events(m, true);
        ck_assert_int_eq(manager_start(m, T0), 0);
        app = profile(m, "app");
        ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);

        /* with events, the health tick does not scan: a process that appeared silently is not seen */
        add_named_process(5000, "worker");
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);

        /* a fork of a thread, or of a process of another name, concerns nobody */
        add_named_process(5001, "other");
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_FORK, .pid = 5001, .tgid = 5001 };
        ck_assert_int_eq(manager_process_event(m, &ev), 0);
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_FORK, .pid = 5003, .tgid = 5000 };
        ck_assert_int_eq(manager_process_event(m, &ev), 0);

        /* the event of the matching process starts the profile */
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_FORK, .pid = 5000, .tgid = 5000 };
        ck_assert_int_eq(manager_process_event(m, &ev), 1);
        ck_assert_ok(manager_follow_dirty(m, T0 + 2 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        idx = (unsigned) app->kdamond;

        /* another one execs into "worker": added online */
        add_named_process(5002, "worker");
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_EXEC, .pid = 5002, .tgid = 5002 };
        ck_assert_int_eq(manager_process_event(m, &ev), 1);
        ck_assert_ok(manager_follow_dirty(m, T0 + 3 * SEC));
        ck_assert_ok(fake_kernel_running_value(k, idx, "contexts/0/targets/1/pid_target", buf, sizeof buf));
        ck_assert_str_eq(buf, "5002");

        /* the first exits: removed online, the kdamond goes on with the other */
        remove_process(5000);
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_EXIT, .pid = 5000, .tgid = 5000 };
        ck_assert_int_eq(manager_process_event(m, &ev), 1);
        ck_assert_ok(manager_follow_dirty(m, T0 + 4 * SEC));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        ck_assert_ok(fake_kernel_running_value(k, idx, "contexts/0/targets/0/pid_target", buf, sizeof buf));
        ck_assert_str_eq(buf, "5002");
        ck_assert_uint_eq(app->applied.n_targets, 1);
        if (gen != FAKE_GEN_5_18)
                ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 1);

        /* the exit of a process that is not a target concerns nobody */
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_EXIT, .pid = 5001, .tgid = 5001 };
        ck_assert_int_eq(manager_process_event(m, &ev), 0);
        /* lost events: rescan; an unchanged set writes nothing */
        fake_kernel_clear_write_log(k);
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_LOST };
        ck_assert_int_eq(manager_process_event(m, &ev), 1);
        ck_assert_ok(manager_follow_dirty(m, T0 + 5 * SEC));
        ck_assert_str_eq(fake_kernel_write_log(k), "");
}
END_TEST

static unsigned count_lines(const char *needle, int level) {
        char prefix[8];
        unsigned n = 0;

        snprintf(prefix, sizeof prefix, "%d ", level);
        for (const char *l = logbuf; *l; ) {
                const char *eol = strchr(l, '\n');
                size_t len = eol ? (size_t) (eol - l) : strlen(l);
                const char *hit = strstr(l, needle);

                if (hit && hit < l + len && strneq(l, prefix, strlen(prefix)))
                        n++;
                l += len + (eol ? 1 : 0);
        }
        return n;
}

#define STORM 1500

/* Anyone can fork thousands of processes of a followed name: a storm of process events gives one rescan
 * and at most one commit per window, the target monitored before the storm keeps its place, the targets
 * stay within MaxProcesses=, and the journal gets a few lines. */
START_TEST(test_follow_storm) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *app;
        ProcEvent ev = {};
        unsigned idx, commits_before;
        uint64_t now = T0 + SEC, next;
        char buf[64];

        write_conf("app.conf", "[Profile]\nOperations=vaddr\n[Target]\nProcessName=worker\nMaxProcesses=8\n"
                   "[Scheme all]\nAction=stat\n");
        m = new_manager();
        manager_set_follow_by_events(m, true);
        ck_assert_int_eq(manager_start(m, T0), 0);
        app = profile(m, "app");

        /* the real one (a high pid: the look-alikes get lower ones, and would come first by pid) */
        add_named_process(30000, "worker");
        ev = (ProcEvent) { .kind = PROC_EVENT_KIND_FORK, .pid = 30000, .tgid = 30000 };
        ck_assert_int_eq(manager_process_event(m, &ev), 1);
        ck_assert_ok(manager_follow_dirty(m, now));
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        idx = (unsigned) app->kdamond;
        commits_before = fake_kernel_n_commits(k, idx);
        app->n_follow_rescans = app->n_follow_commits = 0;
        logbuf[0] = '\0';

        /* the storm: STORM forks in 1.5 s, the loop handling each as it comes */
        for (unsigned i = 0; i < STORM; i++) {
                add_named_process(10000 + i, "worker");
                ev = (ProcEvent) { .kind = PROC_EVENT_KIND_FORK, .pid = 10000 + i, .tgid = 10000 + i };
                (void) manager_process_event(m, &ev);
                now += USEC_PER_MSEC;
                ck_assert_ok(manager_follow_dirty(m, now));
        }
        /* the end of the last window */
        next = manager_follow_next(m);
        if (next != UINT64_MAX) {
                ck_assert_uint_le(next, now + MANAGER_FOLLOW_WINDOW_USEC);
                now = next;
                ck_assert_ok(manager_follow_dirty(m, now));
        }
        ck_assert_uint_eq(manager_follow_next(m), UINT64_MAX);
        /* 1.5 s of events: the first at once, then one per window */
        ck_assert_uint_le(app->n_follow_rescans, 3);
        ck_assert_uint_ge(app->n_follow_rescans, 2);
        ck_assert_uint_le(app->n_follow_commits, 3);
        if (gen != FAKE_GEN_5_18)
                ck_assert_uint_le(fake_kernel_n_commits(k, idx) - commits_before, 3);
        /* at most MaxProcesses=, the real one among them */
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        ck_assert_uint_eq(app->applied.n_targets, 8);
        ck_assert_uint_eq(app->follow_matched, STORM + 1);
        ck_assert_uint_eq(app->follow_left_out, STORM + 1 - 8);
        ck_assert_int_eq(app->applied.targets[7].pid, 30000);
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) app->kdamond, "contexts/0/targets/7/pid_target",
                                               buf, sizeof buf));
        ck_assert_str_eq(buf, "30000");
        /* routine lines at info, one warning about the cap, nothing at notice */
        ck_assert_uint_le(count_lines("now monitors", LOG_INFO), 3);
        ck_assert_uint_eq(count_lines("now monitors", LOG_NOTICE), 0);
        ck_assert_uint_eq(count_lines("MaxProcesses=8", LOG_WARNING), 1);

        /* they all exit: one more rescan per window, down to the real one */
        app->n_follow_rescans = app->n_follow_commits = 0;
        for (unsigned i = 0; i < STORM; i++) {
                remove_process(10000 + i);
                ev = (ProcEvent) { .kind = PROC_EVENT_KIND_EXIT, .pid = 10000 + i, .tgid = 10000 + i };
                (void) manager_process_event(m, &ev);
                now += USEC_PER_MSEC;
                ck_assert_ok(manager_follow_dirty(m, now));
        }
        next = manager_follow_next(m);
        if (next != UINT64_MAX) {
                now = next;
                ck_assert_ok(manager_follow_dirty(m, now));
        }
        ck_assert_uint_le(app->n_follow_rescans, 3);
        ck_assert_uint_le(app->n_follow_commits, 3);
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        ck_assert_uint_eq(app->applied.n_targets, 1);
        ck_assert_int_eq(app->applied.targets[0].pid, 30000);
        ck_assert_uint_eq(app->follow_left_out, 0);
        ck_assert_uint_le(count_lines("now monitors", LOG_INFO), 5);
}
END_TEST

/* On 6.1 an online commit naming one process that is gone drops every target, so a user whose processes
 * of the followed name come and go can stop and restart the kdamond as often as damond commits: those
 * stops and restarts reach the journal a few times a minute, the rest the debug log. */
START_TEST(test_follow_restarts_logged_rarely) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *app;
        uint64_t now = T0;
        unsigned idx;

        write_conf("app.conf", "[Profile]\nOperations=vaddr\n[Target]\nProcessName=worker\n"
                   "[Scheme all]\nAction=stat\n");
        add_named_process(5000, "worker");
        m = started_manager();
        app = profile(m, "app");
        ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        idx = (unsigned) app->kdamond;
        logbuf[0] = '\0';

        for (unsigned i = 0; i < 30; i++) {
                ck_assert_ok(fake_kernel_targets_exit(k, idx));
                now += SEC;
                ck_assert_ok(manager_health_tick(m, now));
                ck_assert_int_eq(app->state, PROFILE_RUN_WAITING);
                add_named_process(5000, "worker");
                now += SEC;
                ck_assert_ok(manager_health_tick(m, now));
                ck_assert_int_eq(app->state, PROFILE_RUN_RUNNING);
        }
        /* 30 stops and restarts in a minute, each done; two of each logged above debug */
        ck_assert_uint_eq(app->n_restarts, 30);
        if (gen != FAKE_GEN_5_18)
                ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 31);
        ck_assert_uint_eq(count_lines("stopped by itself", LOG_WARNING), 2);
        ck_assert_uint_eq(count_lines("Started profile 'app'", LOG_NOTICE), 2);

        /* a minute later the next one is logged, saying that others were not */
        logbuf[0] = '\0';
        ck_assert_ok(fake_kernel_targets_exit(k, idx));
        now += 60 * SEC;
        ck_assert_ok(manager_health_tick(m, now));
        ck_assert_uint_eq(count_lines("went to the debug log", LOG_WARNING), 1);
        add_named_process(5000, "worker");
        ck_assert_ok(manager_health_tick(m, now + SEC));
        ck_assert_uint_eq(count_lines("Started profile 'app'", LOG_NOTICE), 1);
}
END_TEST

/* Validate takes only file names that the profile name rule allows as NAME.conf: what damond would
 * load, and what the ownership record and the journal may carry. */
START_TEST(test_validate_file_names) {
        static const char * const bad[] = {
                "a b.conf", "x\nkdamond 7 -1 evil.conf", "caf\xc3\xa9.conf", "tab\t.conf", "..conf",
                "../x.conf", "damond.conf", ".conf", "x.conf.d",
                "a123456789012345678901234567890123456789X.conf",       /* 41 characters */
        };
        static const char * const good[] = { "web.conf", "a-b_c.d.conf",
                "a12345678901234567890123456789012345678X.conf" };    /* 40 */
        const char *content = "[Profile]\n";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *err = NULL;

                ck_assert_msg(manager_validate_check(&bad[i], &content, 1, &err) == -EINVAL,
                              "accepted the file name '%s'", bad[i]);
                ck_assert_ptr_nonnull(err);
        }
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ck_assert_msg(manager_validate_check(&good[i], &content, 1, NULL) == 0,
                              "refused the file name '%s'", good[i]);
}
END_TEST

START_TEST(test_restart_backoff) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        ManagedProfile *reclaim = profile(m, "reclaim");
        unsigned idx = (unsigned) reclaim->kdamond;
        char path[128];

        /* a paddr kdamond never stops by itself, but the kernel may stop it on an error: simulate it
         * by turning it off behind damond's back */
        snprintf(path, sizeof path, DAMON_KDAMONDS_DIR "/%u/state", idx);
        ck_assert_ok(damon_io_write(fake_kernel_io(k), path, "off"));
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_WAITING);
        /* back-off of 1 s: not before */
        ck_assert_ok(manager_health_tick(m, T0 + SEC + SEC / 2));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_WAITING);
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 2);
        /* the second death waits twice as long */
        ck_assert_ok(damon_io_write(fake_kernel_io(k), path, "off"));
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        ck_assert_ok(manager_health_tick(m, T0 + 4 * SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_WAITING);
        ck_assert_ok(manager_health_tick(m, T0 + 5 * SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
}
END_TEST

START_TEST(test_foreign_kdamond) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *before = NULL, *after = NULL, *status = NULL;
        unsigned foreign;

        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, true, &foreign));
        ck_assert_ok(fake_kernel_snapshot(k, DAMON_KDAMONDS_DIR, &before));
        fake_kernel_clear_write_log(k);

        m = new_manager();
        ck_assert_int_eq(manager_start(m, T0), 0);
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_BLOCKED);
        ck_assert_int_eq(profile(m, "stat")->state, PROFILE_RUN_BLOCKED);
        ck_assert_str_eq(config_writes(), "");
        ck_assert_ok(fake_kernel_snapshot(k, DAMON_KDAMONDS_DIR, &after));
        ck_assert_str_eq(before, after);
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_BLOCKED));
        status = manager_status_line(m);
        ck_assert_str_eq(status, "0 profiles running; 2 blocked");

        /* retries write nothing either, and warn only once */
        ck_assert_ok(manager_health_tick(m, T0 + 10 * SEC));
        ck_assert_str_eq(config_writes(), "");
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_BLOCKED);
}
END_TEST

/* A foreign kdamond that is stopped but configured: adding one of ours would wipe it, so damond waits, and
 * says how the administrator ends that; once it is removed, the next retry starts the profiles. */
START_TEST(test_foreign_stopped_kdamond) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *reclaim;
        unsigned foreign;

        ck_assert_ok(fake_kernel_add_foreign_kdamond(k, false, &foreign));
        m = started_manager();
        reclaim = profile(m, "reclaim");
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_BLOCKED);
        ck_assert_msg(strstr(reclaim->reason, "it is stopped, but adding a kdamond for damond would wipe its "
                             "configuration") &&
                      strstr(reclaim->reason, "writing 0 to /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds"),
                      "%s", reclaim->reason);

        ck_assert_ok(damon_io_write(fake_kernel_io(k), DAMON_KDAMONDS_DIR "/nr_kdamonds", "0"));
        ck_assert_ok(manager_health_tick(m, T0 + MANAGER_RETRY_USEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(profile(m, "stat")->state, PROFILE_RUN_RUNNING);
}
END_TEST

START_TEST(test_module_blocks_then_retry) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *reclaim;

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, true));
        m = started_manager();
        reclaim = profile(m, "reclaim");
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_BLOCKED);
        ck_assert_ptr_nonnull(strstr(reclaim->reason, "damon_reclaim"));
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_BLOCKED));

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_RECLAIM, false));
        /* not before the retry interval */
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_BLOCKED);
        ck_assert_ok(manager_health_tick(m, T0 + MANAGER_RETRY_USEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(profile(m, "stat")->state, PROFILE_RUN_RUNNING);
        ck_assert_str_eq(kstate((unsigned) reclaim->kdamond), "on");
}
END_TEST

/* AddrUnit= (6.18): the kernel reads region addresses in units of addr_unit, so Region=auto writes the
 * System RAM ranges divided by it (a byte address would name memory 4096 times further out). */
START_TEST(test_addr_unit_regions) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *stat;
        char buf[64];

        if (gen < FAKE_GEN_6_18)
                return;
        write_conf("stat.conf", "[Profile]\nOperations=paddr\n[Monitor]\nAddrUnit=4096\n[Target]\nRegion=auto\n"
                   "[Scheme all]\nAction=stat\n");
        m = started_manager();
        stat = profile(m, "stat");
        ck_assert_int_eq(stat->state, PROFILE_RUN_RUNNING);
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond, "contexts/0/addr_unit", buf, sizeof buf));
        ck_assert_str_eq(buf, "4096");
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond,
                                               "contexts/0/targets/0/regions/0/start", buf, sizeof buf));
        ck_assert_str_eq(buf, "1048576");
        ck_assert_ok(fake_kernel_running_value(k, (unsigned) stat->kdamond,
                                               "contexts/0/targets/0/regions/0/end", buf, sizeof buf));
        ck_assert_str_eq(buf, "2359296");
}
END_TEST

/* DAMON_STAT as 6.17's CONFIG_DAMON_STAT_ENABLED_DEFAULT=y starts it: damond's profiles wait, the reason
 * names the module and how to turn it off, and nothing of the module (nor of sysfs) is written; once the
 * administrator turns it off, the profiles start at the next retry. */
START_TEST(test_damon_stat_blocks) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *reclaim;

        if (gen < FAKE_GEN_6_17)
                return;
        ck_assert_ok(fake_kernel_add_stat_module(k, true));
        fake_kernel_clear_write_log(k);
        m = started_manager();
        reclaim = profile(m, "reclaim");
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_BLOCKED);
        ck_assert_ptr_nonnull(strstr(reclaim->reason, "damon_stat runs its own kdamond"));
        ck_assert_ptr_nonnull(strstr(reclaim->reason, "(EBUSY)"));
        ck_assert_ptr_nonnull(strstr(reclaim->reason, "damon_stat.enabled=N"));
        ck_assert_ptr_nonnull(strstr(logbuf, "damon_stat.enabled=N"));
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "damon_stat"));
        ck_assert_ptr_null(strstr(config_writes(), "state"));

        ck_assert_ok(manager_health_tick(m, T0 + MANAGER_RETRY_USEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_BLOCKED);
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "damon_stat"));

        ck_assert_ok(fake_kernel_set_module_enabled(k, DAMON_MODULE_STAT, false));
        ck_assert_ok(manager_health_tick(m, T0 + 2 * MANAGER_RETRY_USEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "damon_stat"));
}
END_TEST

/* What a write log line's kdamond index is, or -1 (nr_kdamonds, modules). */
static bool log_touches(const char *log, unsigned index) {
        char prefix[16];
        const char *l;

        snprintf(prefix, sizeof prefix, "%u/", index);
        for (l = log; *l; l = strchr(l, '\n') + 1) {
                if (strneq(l, prefix, strlen(prefix)))
                        return true;
                if (!strchr(l, '\n'))
                        break;
        }
        return false;
}

START_TEST(test_adoption) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond, si = (unsigned) profile(a, "stat")->kdamond;
        pid_t rpid = profile(a, "reclaim")->pid, spid = profile(a, "stat")->pid;

        /* damond is killed: nothing is stopped */
        a = manager_free(a);
        fake_kernel_clear_write_log(k);
        logbuf[0] = '\0';

        b = started_manager();
        ck_assert_int_eq(profile(b, "reclaim")->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(profile(b, "reclaim")->kdamond, (int) ri);
        ck_assert_int_eq(profile(b, "reclaim")->pid, rpid);
        ck_assert_int_eq(profile(b, "stat")->pid, spid);
        ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 1);
        ck_assert_uint_eq(fake_kernel_n_starts(k, si), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, ri), 0);
        /* nothing of the adopted kdamonds is written, and nr_kdamonds is left alone */
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), ri) &&
                      !log_touches(fake_kernel_write_log(k), si),
                      "adoption wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_ptr_null(strstr(fake_kernel_write_log(k), "nr_kdamonds"));
        ck_assert_ptr_nonnull(strstr(logbuf, DAMOND_MESSAGE_PROFILE_ADOPTED));
        ck_assert_ptr_null(strstr(logbuf, DAMOND_MESSAGE_PROFILE_STARTED));
}
END_TEST

START_TEST(test_adoption_of_invalid_profile) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond;
        pid_t rpid = profile(a, "reclaim")->pid;
        ManagedProfile *reclaim;
        char buf[64];

        a = manager_free(a);
        write_conf("reclaim.conf", "[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n"
                   "[Scheme cold]\nAction=pageout\nMinAge=10s\nQuotaSize=banana\n");
        fake_kernel_clear_write_log(k);
        b = started_manager();
        /* the kdamond goes on running what it ran, untouched */
        reclaim = profile(b, "reclaim");
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_int_eq(reclaim->pid, rpid);
        ck_assert_str_eq(kstate(ri), "on");
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), ri), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_ok(fake_kernel_running_value(k, ri, QUOTA_BYTES, buf, sizeof buf));
        ck_assert_str_eq(buf, "67108864");

        /* fixed (and changed): a reload applies it online */
        write_conf("reclaim.conf", RECLAIM_CONF("32M"));
        ck_assert_ok(manager_reload(b, T0 + SEC));
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_ok(fake_kernel_running_value(k, ri, QUOTA_BYTES, buf, sizeof buf));
        ck_assert_str_eq(buf, "33554432");
        if (gen != FAKE_GEN_5_18) {
                ck_assert_int_eq(reclaim->pid, rpid);
                ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 1);
        }
}
END_TEST

START_TEST(test_adoption_of_changed_profile) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond;
        char expected[256];

        a = manager_free(a);
        write_conf("reclaim.conf", RECLAIM_CONF("32M"));
        fake_kernel_clear_write_log(k);
        b = started_manager();
        if (gen == FAKE_GEN_5_18) {
                /* no online commit: staged, then restarted to apply */
                ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 2);
                ck_assert_int_eq(profile(b, "reclaim")->state, PROFILE_RUN_RUNNING);
                return;
        }
        ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 1);
        ck_assert_uint_eq(fake_kernel_n_commits(k, ri), 1);
        snprintf(expected, sizeof expected, QUOTA_32M_LOG,
                 ri, ri);
        ck_assert_ptr_nonnull(strstr(fake_kernel_write_log(k), expected));
}
END_TEST

START_TEST(test_record_of_another_boot) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond;

        a = manager_free(a);
        /* a new boot id: the record is void, the running kdamonds are not ours (as far as we know) */
        ck_assert_ok(fake_kernel_write_file(k, STATE_BOOT_ID_PATH,
                                            "0d3e9f51-7a8b-4c2d-8e6f-1a2b3c4d5e6f\n"));
        fake_kernel_clear_write_log(k);
        b = started_manager();
        ck_assert_int_eq(profile(b, "reclaim")->state, PROFILE_RUN_BLOCKED);
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), ri), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 1);
}
END_TEST

START_TEST(test_record_not_trusted_blindly) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        _cleanup_free_ char *rec = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond, si = (unsigned) profile(a, "stat")->kdamond;
        char content[512];

        a = manager_free(a);
        ck_assert_ok(root_read_file(fake_kernel_root(k), STATE_FILE_PATH, 4096, &rec));
        /* kdamond 9 does not exist; "reclaim"'s pid is not what runs there (someone else's kdamond now) */
        snprintf(content, sizeof content, "boot_id " BOOT_ID "\n"
                 "kdamond %u 999 reclaim\nkdamond 9 -1\n", ri);
        ck_assert_ok(fake_kernel_write_file(k, STATE_FILE_PATH, content));
        fake_kernel_clear_write_log(k);
        b = started_manager();
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), ri), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), 9), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_int_ne(profile(b, "reclaim")->state, PROFILE_RUN_RUNNING);
        /* "stat" is not in this record: its kdamond is not ours any more either */
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), si), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_ptr_nonnull(strstr(logbuf, "runs with another pid than recorded"));
        ck_assert_ptr_nonnull(strstr(logbuf, "Kdamond 9 of the ownership record no longer exists"));
}
END_TEST

static void check_corrupt(const char *text, unsigned line) {
        _cleanup_(state_record_done) StateRecord rec = {};
        unsigned bad = 0;

        ck_assert_ok(fake_kernel_write_file(k, STATE_FILE_PATH, text));
        ck_assert_int_eq(state_file_read(fake_kernel_root(k), &rec, &bad), -EBADMSG);
        ck_assert_uint_eq(rec.n, 0);
        ck_assert_msg(bad == line, "'%s': line %u, expected %u", text, bad, line);
}

START_TEST(test_record_garbage) {
        _cleanup_(state_record_done) StateRecord rec = {};

        check_corrupt("boot_id " BOOT_ID "\nkdamond zero 1 x\n", 2);
        check_corrupt("kdamond 0 -1\n", 1);                                     /* no boot id */
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 -1\nkdamond 0 -1\n", 3);  /* twice */
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 my profile\n", 2);   /* a raw blank */
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 x\n\nkdamond 1 -1\n", 3);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 x", 2);              /* cut short */
        check_corrupt("boot_id " BOOT_ID "\nkdamond -0 4000 x\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 +4000 x\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0  4000 x\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 0 x\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 \n", 2);             /* an empty name */
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 a\\x00b\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 a\\x4\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 a\\X41\n", 2);
        check_corrupt("boot_id " BOOT_ID "\nkdamond 0 4000 a\x1b]0;x\a\n", 2);
        check_corrupt("", 1);

        ck_assert_ok(fake_kernel_write_file(k, STATE_FILE_PATH, "# comment\nboot_id " BOOT_ID "\n"
                                            "kdamond 0 4000 my\\x20profile\nkdamond 3 -1\n"));
        ck_assert_int_eq(state_file_read(fake_kernel_root(k), &rec, NULL), 1);
        ck_assert_uint_eq(rec.n, 2);
        ck_assert_str_eq(rec.entries[0].profile, "my profile");
        ck_assert_int_eq(rec.entries[0].pid, 4000);
        ck_assert_ptr_null(rec.entries[1].profile);
        ck_assert_int_eq(rec.entries[1].pid, -1);
}
END_TEST

/* A name that holds a newline and what looks like another entry is written as one field and read back
 * as the same name: it adds no kdamond to the record. */
START_TEST(test_record_not_forged) {
        _cleanup_(state_record_done) StateRecord in = {}, out = {};
        _cleanup_free_ char *text = NULL;
        static const char *const names[] = {
                "x\nkdamond 7 -1 evil", "a b", "back\\slash", "\x1b]0;title\a", "\xe9t\xc3\xa9", "-",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                ck_assert_ok(state_record_add(&in, (unsigned) i, i % 2 ? 100 + (pid_t) i : -1, names[i]));
        ck_assert_ok(state_record_add(&in, 40, -1, NULL));
        ck_assert_ok(state_file_write(fake_kernel_root(k), &in));
        ck_assert_ok(root_read_file(fake_kernel_root(k), STATE_FILE_PATH, 65536, &text));
        ck_assert_ptr_null(strstr(text, "\nkdamond 7"));
        ck_assert_int_eq(state_file_read(fake_kernel_root(k), &out, NULL), 1);
        ck_assert_uint_eq(out.n, in.n);
        for (size_t i = 0; i < in.n; i++) {
                ck_assert_uint_eq(out.entries[i].index, in.entries[i].index);
                ck_assert_int_eq(out.entries[i].pid, in.entries[i].pid);
                if (in.entries[i].profile)
                        ck_assert_str_eq(out.entries[i].profile, in.entries[i].profile);
                else
                        ck_assert_ptr_null(out.entries[i].profile);
        }
}
END_TEST

/* A corrupt record is reported, and no kdamond of it is taken as ours. */
START_TEST(test_record_corrupt_reported) {
        Manager *a = started_manager();
        _cleanup_(manager_freep) Manager *b = NULL;
        unsigned ri = (unsigned) profile(a, "reclaim")->kdamond;

        a = manager_free(a);
        ck_assert_ok(fake_kernel_write_file(k, STATE_FILE_PATH, "boot_id " BOOT_ID "\nkdamond 0 1 x\ngarbage\n"));
        fake_kernel_clear_write_log(k);
        logbuf[0] = '\0';
        b = started_manager();
        ck_assert_msg(!log_touches(fake_kernel_write_log(k), ri), "wrote:\n%s", fake_kernel_write_log(k));
        ck_assert_msg(strstr(logbuf, "4 - -:0 The ownership record") &&
                      strstr(logbuf, "is corrupt (line 3)"), "logged:\n%s", logbuf);
}
END_TEST

/* A file name that is no valid profile name is refused where the name is taken: it never reaches the
 * record, the status or the bus. */
START_TEST(test_file_name_not_a_name) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *text = NULL;

        write_conf("x\nkdamond 7 -1 evil.conf", STAT_CONF);
        write_conf("two words.conf", STAT_CONF);
        write_conf("named\x1b[2J.conf", "[Profile]\nName=renamed\nOperations=paddr\n[Target]\nRegion=auto\n"
                                         "[Scheme all]\nAction=stat\n");
        m = started_manager();
        ck_assert_ptr_nonnull(strstr(logbuf, "the file name is not a valid profile name"));
        ck_assert_ok(root_read_file(fake_kernel_root(k), STATE_FILE_PATH, 65536, &text));
        ck_assert_msg(!strstr(text, "evil") && !strstr(text, "two"), "record:\n%s", text);
        /* Name= makes any file name usable */
        ck_assert_int_eq(profile(m, "renamed")->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_nonnull(strstr(text, " renamed\n"));
}
END_TEST

START_TEST(test_stop) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        _cleanup_(state_record_done) StateRecord rec = {};
        unsigned ri = (unsigned) profile(m, "reclaim")->kdamond;

        ck_assert_ok(manager_stop(m));
        ck_assert_str_eq(kstate(ri), "off");
        /* the record keeps the kdamonds (for the next start) but no pid */
        ck_assert_int_eq(state_file_read(fake_kernel_root(k), &rec, NULL), 1);
        for (size_t i = 0; i < rec.n; i++)
                ck_assert_int_eq(rec.entries[i].pid, -1);
}
END_TEST

START_TEST(test_stop_leaves_running) {
        _cleanup_(manager_freep) Manager *m = NULL;
        Manager *b;
        unsigned ri;
        pid_t pid;

        write_conf("damond.conf", "[Damond]\nStopOnExit=no\n");
        m = started_manager();
        ri = (unsigned) profile(m, "reclaim")->kdamond;
        pid = profile(m, "reclaim")->pid;
        ck_assert_ok(manager_stop(m));
        ck_assert_str_eq(kstate(ri), "on");

        b = started_manager();
        ck_assert_int_eq(profile(b, "reclaim")->pid, pid);
        ck_assert_uint_eq(fake_kernel_n_starts(k, ri), 1);
        manager_free(b);
}
END_TEST

START_TEST(test_no_valid_profile) {
        _cleanup_(manager_freep) Manager *m = NULL;

        write_conf("reclaim.conf", "[Profile]\nOperations=paddr\n[Scheme x]\nAction=nonsense\n");
        write_conf("stat.conf", "[Profile]\nEnabled=maybe\n");
        m = new_manager();
        ck_assert_int_eq(manager_start(m, T0), DAMOND_EXIT_CONFIG);
        ck_assert_uint_eq(fake_kernel_n_starts(k, 0), 0);
}
END_TEST

/* A kernel without DAMON: exit 78, and both the journal and STATUS= say what to install. */
START_TEST(test_no_damon) {
        _cleanup_(manager_freep) Manager *m = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char empty[] = "/tmp/test-manager-nodamon-XXXXXX", buf[1024] = "";
        ManagerOptions o = { .root = empty, .config_dirs = config_dirs };
        ssize_t n;
        int fd;

        ck_assert_ptr_nonnull(mkdtemp(empty));
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", fake_kernel_root_path(k));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        ck_assert_int_eq(setenv("NOTIFY_SOCKET", sa.sun_path, 1), 0);

        ck_assert_ok(manager_new(&o, &m));
        ck_assert_int_eq(manager_start(m, T0), DAMOND_EXIT_CONFIG);
        unsetenv("NOTIFY_SOCKET");
        n = recv(fd, buf, sizeof buf - 1, 0);
        close(fd);
        ck_assert_int_eq(rmdir(empty), 0);
        ck_assert_int_gt(n, 0);
        ck_assert_msg(strstr(buf, "STATUS=No DAMON in this kernel") && strstr(buf, "linux-image-6.12"),
                      "%s", buf);
        ck_assert_ptr_nonnull(strstr(logbuf, "no DAMON sysfs interface"));
        ck_assert_ptr_nonnull(strstr(logbuf, "linux-image-6.12"));
}
END_TEST

START_TEST(test_duplicate_name) {
        _cleanup_(manager_freep) Manager *m = NULL;

        write_conf("twin.conf", "[Profile]\nName=reclaim\nOperations=paddr\n[Target]\nRegion=auto\n"
                   "[Scheme all]\nAction=stat\n");
        m = started_manager();
        ck_assert_uint_eq(manager_n_profiles(m), 2);
        ck_assert_ptr_nonnull(strstr(logbuf, "profile name 'reclaim' is already used by"));
        /* reloading reports the twin again, but does not pretend that 'reclaim' has errors */
        logbuf[0] = '\0';
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_ptr_nonnull(strstr(logbuf, "is already used by"));
        ck_assert_ptr_null(strstr(logbuf, "keeping its previous version"));
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
}
END_TEST

START_TEST(test_one_invalid_others_run) {
        _cleanup_(manager_freep) Manager *m = NULL;

        write_conf("broken.conf", "[Profile]\nOperations=paddr\n[Scheme x]\nAction=nonsense\n");
        m = started_manager();
        ck_assert_uint_eq(manager_n_profiles(m), 2);
        ck_assert_int_eq(profile(m, "reclaim")->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_nonnull(strstr(logbuf, "broken.conf:4"));
}
END_TEST

/* --- the event loop, with sd_notify going to a socket of ours --- */

static int notify_fd = -EBADF;

static int send_signal(sd_event_source *s, uint64_t usec, void *userdata) {
        return kill(getpid(), (int) (intptr_t) userdata);
}

START_TEST(test_event_loop) {
        _cleanup_(manager_freep) Manager *m = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char all[8192] = "", buf[1024];
        ssize_t n;

        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", fake_kernel_root_path(k));
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(notify_fd, 0);
        ck_assert_int_eq(bind(notify_fd, (struct sockaddr *) &sa, sizeof sa), 0);
        ck_assert_int_eq(setenv("NOTIFY_SOCKET", sa.sun_path, 1), 0);

        m = new_manager();
        ck_assert_ok(sd_event_add_time_relative(manager_event(m), NULL, CLOCK_MONOTONIC, 50000, 0,
                                                send_signal,
                                                (void *) (intptr_t) SIGHUP));
        ck_assert_ok(sd_event_add_time_relative(manager_event(m), NULL, CLOCK_MONOTONIC, 150000, 0,
                                                send_signal,
                                                (void *) (intptr_t) SIGTERM));
        ck_assert_int_eq(manager_run(m), 0);
        unsetenv("NOTIFY_SOCKET");

        while ((n = recv(notify_fd, buf, sizeof buf - 1, 0)) > 0) {
                buf[n] = '\0';
                strncat(all, buf, sizeof all - strlen(all) - 2);
                strcat(all, "|");
        }
        close(notify_fd);
        ck_assert_msg(strstr(all, "READY=1\nSTATUS=2 profiles running (reclaim, stat)"), "%s", all);
        ck_assert_msg(strstr(all, "RELOADING=1\nMONOTONIC_USEC="), "%s", all);
        ck_assert_msg(strstr(all, "STOPPING=1"), "%s", all);
        ck_assert_msg(strstr(all, "RELOADING=1") < strstr(all, "STOPPING=1"), "%s", all);
        ck_assert_str_eq(kstate((unsigned) profile(m, "reclaim")->kdamond), "off");
}
END_TEST

/* STATUS= says what each running profile acted on in the last complete minute, from DAMON's stats. */
START_TEST(test_status_says_what_they_did) {
        _cleanup_(manager_freep) Manager *m = started_manager();
        _cleanup_free_ char *first = NULL, *later = NULL;
        ManagedProfile *reclaim = profile(m, "reclaim");
        uint64_t before;

        /* the first reading opens a window: nothing to say yet */
        ck_assert_ok(manager_health_tick(m, T0 + SEC));
        first = manager_status_line(m);
        ck_assert_str_eq(first, "2 profiles running (reclaim, stat)");
        before = reclaim->window_start_applied;

        /* a minute later: the difference, in binary units */
        ck_assert_ok(manager_health_tick(m, T0 + SEC + MANAGER_ACTIVITY_WINDOW_USEC));
        ck_assert(reclaim->has_last_window);
        ck_assert_uint_eq(reclaim->applied_last_window, reclaim->window_start_applied - before);
        ck_assert_uint_gt(reclaim->applied_last_window, 0);
        later = manager_status_line(m);
        ck_assert_msg(strstr(later, "reclaim: ") && strstr(later, " applied in the last minute"), "%s", later);
}
END_TEST

/* A reload that the kernel cannot commit at once while every scheme is off by its watermarks (before
 * 6.14 the write would block damond forever, from 6.14 until the next watermark check, with DAMON's sysfs
 * locked): deferred, retried every tick, committed once a scheme can be active. */
START_TEST(test_reload_deferred_while_watermarks_off) {
#define WMARK_CONF(quota) RECLAIM_CONF(quota) "Watermarks=free_mem_rate\nWatermarkInterval=5s\n" \
        "WatermarkHigh=50%\nWatermarkMid=40%\nWatermarkLow=20%\n"
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *reclaim;
        unsigned idx;
        char buf[64];

        if (gen == FAKE_GEN_5_18)
                return;         /* no online commit at all: restarts instead */
        fake_kernel_set_free_mem_permil(k, 300);
        write_conf("reclaim.conf", WMARK_CONF("16M"));
        m = started_manager();
        reclaim = profile(m, "reclaim");
        idx = (unsigned) reclaim->kdamond;
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);

        fake_kernel_set_free_mem_permil(k, 900);
        write_conf("reclaim.conf", WMARK_CONF("32M"));
        ck_assert_ok(manager_reload(m, T0 + SEC));
        ck_assert_ok(manager_health_tick(m, T0 + 2 * SEC));
        ck_assert_uint_eq(fake_kernel_n_hung_commits(k), 0);
        ck_assert_ok(fake_kernel_running_value(k, idx, QUOTA_BYTES, buf, sizeof buf));
        /* 6.14+ (damon_call()) would take it at the kdamond's next watermark check, with DAMON's sysfs
         * locked until then: deferred there too, nothing held */
        ck_assert_uint_eq(fake_kernel_n_held_commands(k), 0);
        ck_assert_str_eq(buf, "16777216");
        ck_assert(reclaim->commit_pending);
        ck_assert_int_eq(reclaim->state, PROFILE_RUN_RUNNING);
        ck_assert_ptr_nonnull(strstr(logbuf, "Deferred the new version of profile 'reclaim'"));

        /* free memory drops into the activation range: the next tick commits it */
        fake_kernel_set_free_mem_permil(k, 300);
        ck_assert_ok(manager_health_tick(m, T0 + 3 * SEC));
        ck_assert(!reclaim->commit_pending);
        ck_assert_ok(fake_kernel_running_value(k, idx, QUOTA_BYTES, buf, sizeof buf));
        ck_assert_str_eq(buf, "33554432");
        ck_assert_uint_eq(fake_kernel_n_starts(k, idx), 1);
#undef WMARK_CONF
}
END_TEST

/* A node of the fake machine: its meminfo, distances to nodes 0-1, memory blocks [first, first + n) of
 * 128 MiB; and its tier's nodelist. */
static void write_node(unsigned node, unsigned tier, unsigned first, unsigned n, const char *distance) {
        char p[256], v[256];

        snprintf(p, sizeof p, "sys/devices/system/node/node%u/meminfo", node);
        snprintf(v, sizeof v, "Node %u MemTotal: %u kB\nNode %u MemFree: 1024 kB\n", node, n * 131072, node);
        ck_assert_ok(fake_kernel_write_file(k, p, v));
        snprintf(p, sizeof p, "sys/devices/system/node/node%u/distance", node);
        ck_assert_ok(fake_kernel_write_file(k, p, distance));
        for (unsigned b = first; b < first + n; b++) {
                snprintf(p, sizeof p, "sys/devices/system/node/node%u/memory%u/online", node, b);
                ck_assert_ok(fake_kernel_write_file(k, p, "1\n"));
        }
        snprintf(p, sizeof p, "sys/devices/virtual/memory_tiering/memory_tier%u/nodelist", tier);
        ck_assert_ok(fake_kernel_write_file(k, p, node == 1 && tier == 4 ? "0-1\n" : node == 1 ? "1\n" : "0\n"));
}

/* Nodes=auto: off with the reason on one tier; a second tier appearing (a dax device onlined as system
 * RAM) is noticed by the health tick, and the profile is recompiled and started without a restart. */
START_TEST(test_tiers_followed) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ TierStatus *tiers = NULL;
        ManagedProfile *p;
        bool migrate = gen >= FAKE_GEN_6_12;

        remove_conf("reclaim.conf");
        remove_conf("stat.conf");
        write_conf("tier.conf", "[Profile]\nOperations=paddr\n[Target]\nNodes=auto\n"
                   "[Scheme up]\nAction=migrate_hot\nMinAccesses=5%\nQuotaSize=256M\n"
                   "[Scheme down]\nAction=migrate_cold\nMaxAccesses=0\nMinAge=30s\nQuotaSize=256M\n");
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/online", "0\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/has_cpu", "0\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/memory/block_size_bytes", "8000000\n"));
        write_node(0, 4, 0, 8, "10\n");

        m = started_manager();
        p = profile(m, "tier");
        ck_assert_int_eq(p->state, PROFILE_RUN_DISABLED);
        ck_assert_ptr_nonnull(p->reason);
        ck_assert_msg(strstr(p->reason, "nothing to tier: this machine has one memory tier (node 0)"), "%s",
                      p->reason);

        /* node 1 comes online in a lower tier */
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/online", "0-1\n"));
        write_node(0, 4, 0, 8, "10 28\n");
        write_node(1, 22, 8, 8, "28 10\n");
        ck_assert_ok(manager_health_tick(m, T0 + 6 * SEC));
        ck_assert_msg(strstr(logbuf, DAMOND_MESSAGE_TIERS_CHANGED), "%s", logbuf);
        ck_assert_msg(strstr(logbuf, "The memory tiers changed (tier 4: nodes 0; tier 22: nodes 1; were tier 4: "
                                     "nodes 0)"), "%s", logbuf);
        p = profile(m, "tier");
        if (!migrate) {
                ck_assert_int_eq(p->state, PROFILE_RUN_DISABLED);
                ck_assert_msg(strstr(p->reason, "migration actions (Linux 6.11)"), "%s", p->reason);
                return;
        }
        ck_assert_int_eq(p->state, PROFILE_RUN_RUNNING);
        ck_assert_uint_eq(p->compiled.spec.n_schemes, 2);
        ck_assert_int_eq(p->compiled.spec.schemes[0].target_nid, 0);
        ck_assert_int_eq(p->compiled.spec.schemes[1].target_nid, 1);
        ck_assert_str_eq(kstate((unsigned) p->kdamond), "on");

        /* its Tiers status: promotion into tier 4 and demotion out of it, counted from the kernel's stats */
        ck_assert_int_ge(manager_refresh_status(m, p, T0 + 7 * SEC, true), 0);
        ck_assert_uint_eq(p->tune.n_schemes, 2);
        ck_assert_int_eq(tier_status_build(&p->compiled, &p->tune, NULL, &tiers), 2);
        ck_assert_uint_eq(tiers[0].id, 4);
        ck_assert(p->tune.schemes[0].has_stats && p->tune.schemes[1].has_stats);
        ck_assert_uint_eq(tiers[0].promoted_in, p->tune.schemes[0].stats.sz_applied);
        ck_assert_uint_eq(tiers[0].demoted_out, p->tune.schemes[1].stats.sz_applied);
        ck_assert_uint_eq(tiers[0].promoted_out, TUNE_UNKNOWN);
        ck_assert_uint_eq(tiers[1].id, 22);
        ck_assert_uint_eq(tiers[1].nodes[0], 1);
        ck_assert_uint_eq(tiers[1].promoted_out, p->tune.schemes[0].stats.sz_applied);
        ck_assert_uint_eq(tiers[1].demoted_in, p->tune.schemes[1].stats.sz_applied);
        ck_assert_uint_eq(tiers[1].demoted_out, TUNE_UNKNOWN);

        /* checked at most every 5 s; nothing changed: no reload */
        logbuf[0] = '\0';
        ck_assert_ok(manager_health_tick(m, T0 + 12 * SEC));
        ck_assert_ptr_null(strstr(logbuf, "Reloading"));

        /* back to one tier (the node taken offline): the profile stops, and says why */
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/virtual/memory_tiering/memory_tier22/nodelist", ""));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/virtual/memory_tiering/memory_tier4/nodelist", "0-1\n"));
        ck_assert_ok(manager_health_tick(m, T0 + 18 * SEC));
        p = profile(m, "tier");
        ck_assert_int_eq(p->state, PROFILE_RUN_DISABLED);
        ck_assert_msg(strstr(p->reason, "one memory tier (nodes 0-1)"), "%s", p->reason);
}
END_TEST

/* Enabled=no on a machine with nothing to tier: the profile is off because it says so, and status must
 * not blame the tiers. */
START_TEST(test_disabled_not_blamed_on_tiers) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagedProfile *p;

        remove_conf("reclaim.conf");
        remove_conf("stat.conf");
        write_conf("tier.conf", "[Profile]\nOperations=paddr\nEnabled=no\n[Target]\nNodes=auto\n"
                   "[Scheme up]\nAction=migrate_hot\nMinAccesses=5%\nQuotaSize=256M\n");
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/online", "0\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/has_cpu", "0\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/memory/block_size_bytes", "8000000\n"));
        write_node(0, 4, 0, 8, "10\n");

        m = started_manager();
        p = profile(m, "tier");
        ck_assert_int_eq(p->state, PROFILE_RUN_DISABLED);
        ck_assert_msg(!p->reason || !strstr(p->reason, "nothing to tier"), "%s", p->reason);
        ck_assert_ptr_null(strstr(logbuf, "nothing to tier"));
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("manager");
        TCase *tc = tcase_create("manager");
        /* Check's default of 4 s per test is too tight under ASan on a loaded 2-core host: the
         * restart-logging test (30 kdamond restarts) timed out once at load 11 */
        tcase_set_timeout(tc, 30);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_start_two_profiles);
        tcase_add_test(tc, test_reload_deferred_while_watermarks_off);
        tcase_add_test(tc, test_status_says_what_they_did);
        tcase_add_test(tc, test_reload_unchanged_writes_nothing);
        tcase_add_test(tc, test_reload_one_value);
        tcase_add_test(tc, test_reload_invalid_keeps_old);
        tcase_add_test(tc, test_reload_removed_and_new);
        tcase_add_test(tc, test_reload_no_free_kdamond);
        tcase_add_test(tc, test_max_kdamonds);
        tcase_add_test(tc, test_log_level_from_config);
        tcase_add_test(tc, test_disabled_by_reload);
        tcase_add_test(tc, test_kdamond_death);
        tcase_add_test(tc, test_restart_backoff);
        tcase_add_test(tc, test_follow_process_name);
        tcase_add_test(tc, test_follow_by_events);
        tcase_add_test(tc, test_follow_storm);
        tcase_add_test(tc, test_follow_restarts_logged_rarely);
        tcase_add_test(tc, test_validate_file_names);
        tcase_add_test(tc, test_foreign_kdamond);
        tcase_add_test(tc, test_foreign_stopped_kdamond);
        tcase_add_test(tc, test_module_blocks_then_retry);
        tcase_add_test(tc, test_damon_stat_blocks);
        tcase_add_test(tc, test_addr_unit_regions);
        tcase_add_test(tc, test_adoption);
        tcase_add_test(tc, test_adoption_of_changed_profile);
        tcase_add_test(tc, test_adoption_of_invalid_profile);
        tcase_add_test(tc, test_record_of_another_boot);
        tcase_add_test(tc, test_record_not_trusted_blindly);
        tcase_add_test(tc, test_record_garbage);
        tcase_add_test(tc, test_record_not_forged);
        tcase_add_test(tc, test_record_corrupt_reported);
        tcase_add_test(tc, test_file_name_not_a_name);
        tcase_add_test(tc, test_stop);
        tcase_add_test(tc, test_stop_leaves_running);
        tcase_add_test(tc, test_no_valid_profile);
        tcase_add_test(tc, test_one_invalid_others_run);
        tcase_add_test(tc, test_no_damon);
        tcase_add_test(tc, test_duplicate_name);
        tcase_add_test(tc, test_event_loop);
        tcase_add_test(tc, test_tiers_followed);
        tcase_add_test(tc, test_disabled_not_blamed_on_tiers);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
