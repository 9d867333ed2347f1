/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager's Modules and DamonStat properties (docs/dbus-api.md): the kernel's own DAMON modules, and
 * what DAMON_STAT measures for the whole machine. Both only read the modules' parameters: the modules
 * are the administrator's, and a kdamond of damond's would cost what DAMON_STAT already pays for.
 */
#include <errno.h>
#include <stdint.h>

#include "bus-internal.h"
#include "damon-modules.h"
#include "log.h"

int bus_get_modules(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        DamonIO *io = damon_sysfs_io(manager_sysfs(m));
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sbx)");
        if (r < 0)
                return r;
        for (DamonModule mod = 0; mod < _DAMON_MODULE_MAX; mod++) {
                DamonModuleState s;
                int64_t pid = -1;

                /* an unreadable module is left out rather than failing the whole GetAll */
                r = damon_module_read_state(io, mod, &s);
                if (r < 0) {
                        log_debug_errno(r, "Cannot read the state of %s, leaving it out: %m",
                                        damon_module_to_string(mod));
                        continue;
                }
                if (!s.present)
                        continue;
                r = damon_module_kdamond_pid(io, mod, &s, &pid);
                if (r < 0)
                        log_debug_errno(r, "Cannot find the kdamond of %s: %m", damon_module_to_string(mod));
                r = sd_bus_message_append(reply, "(sbx)", damon_module_to_string(mod), s.enabled,
                                          r > 0 ? pid : INT64_C(-1));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

int bus_get_damon_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        DamonIO *io = damon_sysfs_io(manager_sysfs(m));
        DamonStatReadout o = {};
        int r;

        r = damon_stat_read(io, &o);
        if (r < 0) {
                log_debug_errno(r, "Cannot read DAMON_STAT's parameters: %m");
                o = (DamonStatReadout) {};
        }
        if (!o.has_percentiles)
                o.enabled = false;
        r = sd_bus_message_open_container(reply, 'r', "bttax");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "btt", o.enabled, o.enabled ? o.aggr_interval_us : UINT64_MAX,
                                  o.enabled ? o.bandwidth : UINT64_MAX);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'x', o.idle_ms, o.enabled ? sizeof(o.idle_ms) : 0);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}
