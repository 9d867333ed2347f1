/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which of a profile's D-Bus properties (docs/dbus-api.md) may have changed since the D-Bus service was
 * last told: the Manager asks here for each profile after every health tick, start-up, reload and
 * StartProfile/StopProfile, and passes what changed to its change hook (manager-changes.h).
 */

#include <stdbool.h>

#include "profile-runner.h"

/*
 * Returns MANAGER_CHANGE_RUN when what State, StateReason, Operations, Targets, Kdamond, KdamondPid,
 * RunningSince and Restarts show of @p changed since the last call, and, with @with_status,
 * MANAGER_CHANGE_STATUS when what Schemes, Pressure and AppliedLastMinute show did (without it, a
 * status change is kept for the next call with it). The first call reports both. Never fails.
 */
unsigned profile_changes(Manager *m, ManagedProfile *p, bool with_status);
