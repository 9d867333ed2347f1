/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damond's D-Bus service (docs/dbus-api.md): the name org.damond1 on the system bus, the Manager object
 * and one Profile object per profile, on the Manager's event loop. The D-Bus API is an addition: damond's
 * kernel work never depends on it, and when the bus goes away damond reconnects. Methods that change
 * something (Reload, StartProfile, StopProfile) are for root and for whom polkit authorizes
 * (bus-polkit.h).
 *
 * PropertiesChanged: the Manager's change hook (manager-changes.h) says which object changed and what of
 * it (a reload, a profile's run or status); only those properties are read again, compared with what was
 * last announced, and what differs is emitted. The status properties (Schemes, Pressure,
 * AppliedLastMinute, SystemPressure, Modules, DamonStat) at most once per StatusInterval=.
 */

#include "manager.h"

typedef struct Bus Bus;

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS is honoured), registers the objects, takes the
 * name and attaches to manager_event(@m); the service is manager_bus(@m) until bus_detach(). When the bus
 * cannot be reached or the name cannot be taken, logs a warning and returns 0 with nothing attached:
 * damond runs without D-Bus. Returns 1 when attached, 0, or -ENOMEM. */
int bus_attach(Manager *m);
/* Frees @m's D-Bus service, if one is attached (or a reconnection replaced it), and unhooks it from @m.
 * Call it before manager_free(): the service lives on the Manager's event loop. */
void bus_detach(Manager *m);
Bus *bus_free(Bus *b);
