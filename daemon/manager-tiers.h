/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The memory tiers that profiles with Nodes=auto are compiled for (manager-tiers.c). */

#include <stdint.h>

#include "macro.h"

struct Manager;

/* How often the tiers are read again while a profile follows them */
#define MANAGER_TIERS_CHECK_USEC (5 * USEC_PER_SEC)

/* Reads the tiers into the manager, for the compile that follows. A failure to read is logged (a warning
 * once) and leaves no tiers: profiles with Nodes=auto are then refused. Returns 0 or -ENOMEM. */
int manager_tiers_read(struct Manager *m);

/* At most every MANAGER_TIERS_CHECK_USEC, while a loaded profile has Nodes=auto: reads the tiers and,
 * when their layout differs from what the profiles were compiled for, logs it and reloads (which
 * recompiles them). Returns 0, or what manager_reload() returns. */
int manager_tiers_check(struct Manager *m, uint64_t now_usec);
