/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The cgroups of the systemd units that profiles name with Unit= ([Target]): asked of systemd over D-Bus
 * (org.freedesktop.systemd1: Manager.LoadUnit, then the unit type's ControlGroup property) and followed
 * while the unit starts, stops and restarts: damond subscribes to the Manager's signals and asks again
 * at every PropertiesChanged of the unit's object and every JobRemoved or UnitNew naming it. Every call
 * is asynchronous: the event loop never waits on systemd. A unit that is not loaded, not found or not
 * running has no cgroup (NULL); when a unit's cgroup changes, the change callback is called with its
 * name.
 */

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct UnitCgroups UnitCgroups;
typedef void (*UnitCgroupsChanged)(UnitCgroups *u, const char *unit, void *userdata);

int unit_cgroups_new(UnitCgroupsChanged cb, void *userdata, UnitCgroups **ret);
UnitCgroups *unit_cgroups_free(UnitCgroups *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitCgroups *, unit_cgroups_free);

/* The bus to ask systemd on (attached to the event loop), or NULL when there is none (the system bus
 * went away): the cgroups last known stay until the next bus answers. */
int unit_cgroups_set_bus(UnitCgroups *u, sd_bus *bus);

/* The units to follow: @names (NULL-terminated, may be NULL) replace the set; new ones are asked for at
 * once (when there is a bus), the others dropped. Returns 0 or -ENOMEM. */
int unit_cgroups_sync(UnitCgroups *u, char * const *names);

/* The current cgroup of @unit ("/system.slice/foo.service"), NULL when it has none or is not followed. */
const char *unit_cgroups_get(const UnitCgroups *u, const char *unit);
