/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The change hook: how the Manager tells the D-Bus service (bus.h) what changed, so that it reads again
 * and announces only that (PropertiesChanged, docs/dbus-api.md).
 */

typedef struct Manager Manager;

/* What the change hook is told changed: groups of the D-Bus properties. */
typedef enum ManagerChange {
        MANAGER_CHANGE_LOADED = 1 << 0, /* the Manager: a start-up or reload; anything but the status values
                                         * of anything may differ, and profiles came or went */
        MANAGER_CHANGE_RUN = 1 << 1,    /* a profile: its state, reason, kdamond, restarts or targets */
        MANAGER_CHANGE_STATUS = 1 << 2, /* the Manager: its status values (read from the kernel) are due;
                                         * a profile: its status values changed. At most once per
                                         * StatusInterval= */
} ManagerChange;

/* Called with @profile NULL for the Manager's own changes, and once for each profile with a change. NULL
 * removes it. */
typedef void (*ManagerChangeHook)(Manager *m, const char *profile, unsigned changes, void *userdata);
void manager_set_change_hook(Manager *m, ManagerChangeHook hook, void *userdata);
/* Tells the change hook what changed after manager_start(), manager_reload() (@changes:
 * MANAGER_CHANGE_LOADED), every health tick and a profile stopped or started (0): each profile's changes
 * (profile-changes.h), and the status values once StatusInterval= has passed. */
void manager_changed(Manager *m, unsigned changes);
