/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for systemd's D-Bus API on a private bus, as much of it as Unit= targets use: the name
 * org.freedesktop.systemd1, Manager.LoadUnit(s) -> o and Manager.Subscribe(), the signals JobRemoved
 * and UnitNew, and unit objects with ControlGroup on the interface of their type (Service, Slice...).
 * Commands on stdin, one per line, change the units:
 *   set UNIT CGROUP     its ControlGroup becomes CGROUP ("-": none), with PropertiesChanged
 *   quiet UNIT CGROUP   the same without any signal
 *   job UNIT            JobRemoved(…, UNIT, "done")
 *   calls               prints to stdout the LoadUnit and Subscribe calls so far: "load N subscribe N"
 * It prints "ready" once it owns the name. Tests only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <sys/epoll.h>

#include "macro.h"

#define UNIT_PREFIX "/org/freedesktop/systemd1/unit"

typedef struct Unit {
        char *name;
        char *cgroup;
} Unit;

static Unit units[64];
static size_t n_units;
static unsigned n_load, n_subscribe;
static sd_bus *bus;

static Unit *unit_get(const char *name, bool create) {
        for (size_t i = 0; i < n_units; i++)
                if (strcmp(units[i].name, name) == 0)
                        return &units[i];
        if (!create || n_units == sizeof(units) / sizeof(units[0]))
                return NULL;
        units[n_units].name = strdup(name);
        units[n_units].cgroup = strdup("");
        return &units[n_units++];
}

static const char *iface_of(const char *name) {
        const char *dot = strrchr(name, '.');

        if (!dot)
                return NULL;
        if (strcmp(dot, ".service") == 0)
                return "org.freedesktop.systemd1.Service";
        if (strcmp(dot, ".slice") == 0)
                return "org.freedesktop.systemd1.Slice";
        if (strcmp(dot, ".scope") == 0)
                return "org.freedesktop.systemd1.Scope";
        return NULL;
}

static int method_load_unit(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        n_load++;
        if (!iface_of(name))
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loadable.",
                                         name);
        (void) unit_get(name, true);
        r = sd_bus_path_encode(UNIT_PREFIX, name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "o", path);
}

static int method_subscribe(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        n_subscribe++;
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("LoadUnit", "s", "o", method_load_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Subscribe", NULL, NULL, method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
        SD_BUS_SIGNAL("UnitNew", "so", 0),
        SD_BUS_VTABLE_END
};

static int find_unit(sd_bus *b, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Unit *u;

        if (sd_bus_path_decode(path, UNIT_PREFIX, &name) <= 0)
                return 0;
        u = unit_get(name, false);
        if (!u || !iface_of(name) || strcmp(iface_of(name), interface) != 0)
                return 0;
        *found = u;
        return 1;
}

static int get_cgroup(sd_bus *b, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Unit *u = userdata;

        return sd_bus_message_append(reply, "s", u->cgroup);
}

static const sd_bus_vtable unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("ControlGroup", "s", get_cgroup, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        char line[512], cmd[16], name[256], cg[256];
        _cleanup_free_ char *path = NULL;
        Unit *u;
        int n;

        if (!fgets(line, sizeof(line), stdin))
                return sd_event_exit(sd_event_source_get_event(s), 0);
        n = sscanf(line, "%15s %255s %255s", cmd, name, cg);
        if (n >= 1 && strcmp(cmd, "calls") == 0) {
                printf("load %u subscribe %u\n", n_load, n_subscribe);
                fflush(stdout);
                return 0;
        }
        if (n < 2 || !iface_of(name) || sd_bus_path_encode(UNIT_PREFIX, name, &path) < 0) {
                fprintf(stderr, "fake-systemd: bad command: %s", line);
                return 0;
        }
        if (strcmp(cmd, "job") == 0)
                return sd_bus_emit_signal(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                          "JobRemoved", "uoss", 1, "/org/freedesktop/systemd1/job/1", name,
                                          "done"), 0;
        if (n < 3)
                return 0;
        u = unit_get(name, true);
        free(u->cgroup);
        u->cgroup = strdup(strcmp(cg, "-") == 0 ? "" : cg);
        if (strcmp(cmd, "set") == 0)
                (void) sd_bus_emit_properties_changed(bus, path, iface_of(name), "ControlGroup", NULL);
        return 0;
}

int main(void) {
        sd_event *e = NULL;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        /* one line per wakeup: a buffered stdin would keep a second line where epoll does not see it */
        setvbuf(stdin, NULL, _IONBF, 0);
        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
                                             "org.freedesktop.systemd1.Manager", manager_vtable, NULL);
        for (const char *const *i = (const char *const[]) { "org.freedesktop.systemd1.Service",
                                                            "org.freedesktop.systemd1.Slice",
                                                            "org.freedesktop.systemd1.Scope", NULL };
             r >= 0 && *i; i++)
                r = sd_bus_add_fallback_vtable(bus, NULL, UNIT_PREFIX, *i, unit_vtable, find_unit, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
        if (r >= 0)
                r = sd_bus_attach_event(bus, e, 0);
        if (r >= 0)
                r = sd_event_add_io(e, NULL, STDIN_FILENO, EPOLLIN, on_stdin, NULL);
        if (r < 0) {
                fprintf(stderr, "fake-systemd: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        r = sd_event_loop(e);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
