/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The Manager: damond's whole state and its event loop (sd-event).
 *
 * It owns one kdamond per enabled profile (plus a couple of stopped spares, because nr_kdamonds can only
 * grow while no kdamond runs), records what it owns in run/damond (state-file.h), adopts its running
 * kdamonds after a restart, keeps them as the profiles say through reloads (SIGHUP) and kdamond deaths
 * (a 1 s health check), and tells systemd (READY=1, RELOADING=1, STATUS=, STOPPING=1, watchdog).
 *
 * Adoption: a recorded kdamond is ours again only if its index exists and, when it runs, its pid is the
 * recorded one (a record of another boot is void). An adopted kdamond gets the compiled spec by an online
 * commit, which writes nothing when it is unchanged (before 5.19: staged, and restarted only if something
 * differed). One whose profile now has errors keeps running as it was, as on a reload.
 *
 * Restart policy (profiles have no key for it yet): a paddr kdamond that stopped is restarted with a
 * back-off doubling from 1 s to 60 s; a vaddr one when its processes exist again.
 *
 * The steps are public so that tests can drive them without the event loop: manager_start(),
 * manager_reload(), manager_health_tick() (with the time given), manager_stop(). All of them block on
 * DAMON sysfs I/O (damon-sysfs.h). Errors in one profile never stop the others: they are logged and the
 * profile's state says what happened; the functions return <0 only for what stops damond itself.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "damon-io.h"
#include "damon-sysfs.h"
#include "load-record.h"
#include "config-files.h"
#include "log.h"
#include "memory-tiers.h"
#include "profile-compile.h"
#include "profile.h"
#include "profile-runner.h"
#include "root.h"
#include "tune-status.h"

/* Exit codes of damond (style 9.8): 0, 1, and EX_CONFIG when no profile is valid. */
#define DAMOND_EXIT_CONFIG 78

#define MANAGER_HEALTH_USEC (1 * USEC_PER_SEC)
/* Stopped kdamonds created beyond the enabled profiles, for profiles added by a later reload. */
#define MANAGER_SPARE_KDAMONDS 2
/* STATUS= says what each profile did in the last minute. Reading DAMON's stats costs a state command
 * that blocks for up to one sampling interval (unless refresh_ms keeps them fresh), so once a window. */
#define MANAGER_ACTIVITY_WINDOW_USEC (60 * USEC_PER_SEC)
/* StatusInterval= (damond.conf) when unset; where reading the stats blocks the loop (no refresh_ms), the
 * periodic refresh is not more frequent than MANAGER_STATUS_BLOCKING_USEC, and readers (D-Bus) ask for
 * fresher numbers with manager_refresh_status(on_demand = true). */
#define MANAGER_STATUS_DEFAULT_USEC (1 * USEC_PER_SEC)
#define MANAGER_STATUS_BLOCKING_USEC (10 * USEC_PER_SEC)

typedef struct ManagerOptions {
        const char *root;               /* kernel files, proc, run/damond; NULL = "/" */
        const char *config_root;        /* the installed configuration layout below it; NULL = root */
        char * const *config_dirs;      /* NULL = the installed layout below config_root */
        DamonIO *io;                    /* NULL = the real backend below root; else borrowed (tests) */
        DamonIO *snapshot_io;           /* with a borrowed @io: the snapshot worker's (observe.h), borrowed;
                                         * NULL: no worker unless manager_observe_setup() is called */
} ManagerOptions;

int manager_new(const ManagerOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Loads damond.conf and every profile, prepares kdamonds, probes, and starts or adopts every enabled
 * valid profile. Returns 0; DAMOND_EXIT_CONFIG (positive) when no profile is valid or the kernel has no
 * DAMON (restarting would not help: the unit's RestartPreventExitStatus=78); -errno when damond cannot
 * run at all. */
int manager_start(Manager *m, uint64_t now_usec);

/* SIGHUP: re-reads everything; unchanged profiles are not touched, changed ones committed online,
 * removed ones stopped, new ones started, invalid ones keep their running version. Returns 0 or -ENOMEM. */
int manager_reload(Manager *m, uint64_t now_usec);

/* Notices kdamonds that stopped by themselves, restarts or retries what is due. */
int manager_health_tick(Manager *m, uint64_t now_usec);

/* Ends the snapshot worker (observe.h), stops the owned kdamonds (unless StopOnExit=no) and writes the
 * record. */
int manager_stop(Manager *m);

/* The daemon's start: signal handling (SIGTERM and SIGINT stop, SIGHUP reloads), manager_start(), the
 * health timer and process following. Returns 0, DAMOND_EXIT_CONFIG, or -errno (logged). */
int manager_startup(Manager *m);
/* READY=1 and STATUS=, the event loop until SIGTERM/SIGINT, then manager_stop(). Returns the exit code
 * (0 or 1). */
int manager_loop(Manager *m);
/* manager_startup() and manager_loop(), with no D-Bus service between them (main.c attaches one, bus.h).
 * Returns the exit code (0, 1 or DAMOND_EXIT_CONFIG). */
int manager_run(Manager *m);

/* Writes the ownership record of the kdamonds (state-file.h). 0 or -errno (logged). */
int manager_write_record(Manager *m);
/* The state of the following of processes (manager-follow.h), never NULL. */
struct ManagerFollow *manager_follow(const Manager *m);

sd_event *manager_event(Manager *m);
size_t manager_n_profiles(const Manager *m);
ManagedProfile *manager_profile(Manager *m, size_t i);
ManagedProfile *manager_find_profile(Manager *m, const char *name);
DamonSysfs *manager_sysfs(Manager *m);

/* What the D-Bus service (bus.h) reads of the Manager, besides the profiles above. */
/* The record of the last finished start-up or reload (time 0 before the first), and one profile in it
 * (NULL: none of that name). */
const LoadRecord *manager_last_load(const Manager *m);
const ProfileInfo *manager_find_info(const Manager *m, const char *name);
/* What the start-up or reload under way could not apply although the files are valid (the kernel refused a
 * profile's new version, a profile beyond MaxKdamonds=): load_record_run_error() on it. 0 or -ENOMEM. */
int manager_load_run_error(Manager *m, const char *profile, const char *fmt, ...) _printf_(3, 4);
/* CLOCK_MONOTONIC µs now, and the CLOCK_REALTIME µs of a CLOCK_MONOTONIC time (for D-Bus times); 0
 * stays 0. */
uint64_t manager_now_monotonic(void);
uint64_t manager_monotonic_to_realtime(uint64_t monotonic_usec);
/* Where profiles and damond.conf are read from, and the memory tiers profiles are compiled for (NULL:
 * not readable): what Validate (config-validate.h) loads with. */
const ProfileDirs *manager_config_dirs(const Manager *m);
const MemoryTopology *manager_tiers(const Manager *m);
/* The root the kernel files, /proc and run/damond are read below; never NULL. */
const Root *manager_root(const Manager *m);
/* The DAMON features of the kernel; all off until manager_start() probed it (manager_probed()). */
const DamonFeatures *manager_features(const Manager *m);
bool manager_probed(const Manager *m);
/* The D-Bus service attached to the Manager (NULL: none), set and cleared by bus.c; the Manager does not
 * own it: bus_detach() frees it before the Manager, whose event loop it is attached to. */
struct Bus *manager_bus(const Manager *m);
void manager_set_bus(Manager *m, struct Bus *b);
/* Reads @p's kdamond stats into p->tune and the activity window when they are older than StatusInterval=
 * (or, when reading them blocks, MANAGER_STATUS_BLOCKING_USEC unless @on_demand). Blocks for a state
 * command on kernels without refresh_ms (damon_sysfs_read_status()). Returns 1 if read, 0 if still fresh
 * or not running, -errno (logged at debug). */
int manager_refresh_status(Manager *m, ManagedProfile *p, uint64_t now_usec, bool on_demand);
uint64_t manager_status_interval(const Manager *m);

/* The one-line STATUS= text. Returns a new string or NULL on out-of-memory. */
char *manager_status_line(const Manager *m);
