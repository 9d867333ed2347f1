/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* damond's D-Bus names (docs/dbus-api.md), shared by the service (daemon/bus*.c) and damonctl. */

#define DAMOND_BUS_NAME "org.damond1"
#define DAMOND_BUS_MANAGER_PATH "/org/damond1"
#define DAMOND_BUS_MANAGER_INTERFACE "org.damond1.Manager"
/* A profile's object path is this prefix and sd_bus_path_encode() of its name; read it from Profiles. */
#define DAMOND_BUS_PROFILE_PREFIX "/org/damond1/profile"
#define DAMOND_BUS_PROFILE_INTERFACE "org.damond1.Profile"
#define DAMOND_BUS_OBSERVE_INTERFACE "org.damond1.Observe"

#define DAMOND_BUS_ERROR_NO_SUCH_PROFILE "org.damond1.Error.NoSuchProfile"
#define DAMOND_BUS_ERROR_PROFILE_INVALID "org.damond1.Error.ProfileInvalid"
