/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damonctl's side of docs/dbus-api.md: read the manager's and the profiles' properties into the model
 * (damonctl-model.h) and call the methods. Every call blocks on the bus. On failure the functions return
 * <0 and, when damond (or the bus) answered with a D-Bus error, fill @error with it, so that the caller
 * can tell "damond is not running" (ServiceUnknown, NameHasNoOwner), AccessDenied and damond's own
 * errors (org.damond1.Error.*) apart. A property with another signature than the API's is -EBADMSG and
 * names the property in @error (org.damond1.Error.BadProperty): that is a contract mismatch, not data.
 * Properties damonctl does not know are skipped, so a newer damond can add some.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "damon-snapshot.h"
#include "damonctl-model.h"

/* The manager's properties; with @profiles also every profile's (a profile that went away meanwhile is
 * left out). */
int ctl_bus_read_manager(sd_bus *bus, bool profiles, CtlManager *ret, sd_bus_error *error);

/* One profile's properties from its object @path (from Profiles). */
int ctl_bus_read_profile(sd_bus *bus, const char *path, CtlProfile *ret, sd_bus_error *error);

/* Reload: waits until damond has reloaded (up to 2 minutes). */
int ctl_bus_reload(sd_bus *bus, CtlValidation *ret, sd_bus_error *error);

/* Validate with the (name, contents) pairs given; n == 0 checks the installed configuration. */
int ctl_bus_validate(sd_bus *bus, char * const *names, char * const *contents, size_t n, CtlValidation *ret,
                     sd_bus_error *error);

/* StartProfile / StopProfile. */
int ctl_bus_start_profile(sd_bus *bus, const char *name, sd_bus_error *error);
int ctl_bus_stop_profile(sd_bus *bus, const char *name, sd_bus_error *error);

/* org.damond1.Observe.GetMetrics on the manager: the Prometheus text exposition (damond(8), METRICS). */
int ctl_bus_get_metrics(sd_bus *bus, char **ret, sd_bus_error *error);

/* org.damond1.Observe.GetSnapshots of profile @name: the snapshots damond keeps, oldest first (@ret: an
 * array of @ret_n, each to be freed with access_snapshot_done(), then the array). */
int ctl_bus_get_snapshots(sd_bus *bus, const char *name, AccessSnapshot **ret, size_t *ret_n, sd_bus_error *error);
