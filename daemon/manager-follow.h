/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Following processes (ProcessName=, CGroup=, Unit=) for the Manager's profiles (manager-follow.c):
 * through the proc connector (proc-events.h), set up by manager_startup() and after every reload when a
 * profile follows processes, events that concern a profile mark it, and manager_follow_dirty() rescans
 * the marked ones (new targets committed online by the profile runner, profile_follow(); waiting
 * profiles start). Until the kernel acknowledged our listener (or when it refuses: no CAP_NET_ADMIN
 * before 6.6, another namespace), every health tick rescans instead. Unit= targets' cgroups are asked of
 * systemd on the D-Bus service's connection.
 *
 * It reads the Manager only through manager.h; its own state is a ManagerFollow the Manager holds
 * (manager_follow()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "proc-events.h"

typedef struct Manager Manager;
typedef struct ManagerFollow ManagerFollow;

#define MANAGER_FOLLOW_WINDOW_USEC USEC_PER_SEC

/* The state, created empty with the Manager and freed with it. 0 or -ENOMEM. */
int manager_follow_new(ManagerFollow **ret);
ManagerFollow *manager_follow_free(ManagerFollow *f);

/* Opens the proc connector when a profile follows processes, and tells the Unit= targets' watcher the
 * units the profiles name. Failures are logged (polling instead); returns 0. */
int manager_follow_setup(Manager *m);
/* Returns how many profiles the event newly marked. */
int manager_process_event(Manager *m, const ProcEvent *ev);
/* Rescans the marked profiles that are due: a profile is rescanned at once on the first event after a
 * quiet window, and at most once per MANAGER_FOLLOW_WINDOW_USEC while events keep coming. Writes the
 * ownership record when a profile changed. 0 or -ENOMEM. */
int manager_follow_dirty(Manager *m, uint64_t now_usec);
/* When the next marked profile is due (CLOCK_MONOTONIC µs), UINT64_MAX: none is marked. */
uint64_t manager_follow_next(Manager *m);
/* Whether process events drive the rescans (the kernel acknowledged our listener, or a test says so). */
bool manager_follows_by_events(Manager *m);
/* For tests: behave as if the proc connector listened (health ticks do not rescan). */
void manager_set_follow_by_events(Manager *m, bool b);

/* The system bus connection of the D-Bus service (NULL: none now), on which Unit= targets' cgroups are
 * asked of systemd. */
void manager_set_system_bus(Manager *m, sd_bus *bus);
/* The current cgroup of Unit= @unit, as systemd last said (NULL: none known, or not running). */
const char *manager_unit_cgroup(const Manager *m, const char *unit);
