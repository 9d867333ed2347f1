/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the D-Bus service's files share (bus.c, bus-manager.c, bus-profile.c); not a contract for others. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "bus.h"
#include "damond-bus.h"
#include "config-validate.h"
#include "manager-changes.h"
#include "manager-follow.h"
#include "manager.h"
#include "operator-verbs.h"
#include "strv.h"


/* A property whose changes are announced with PropertiesChanged. */
typedef struct BusTracked {
        const char *name;
        sd_bus_property_get_t get;
        unsigned changes;       /* the ManagerChange values (manager-changes.h) after which it is read again */
} BusTracked;

struct Bus {
        Manager *manager;
        sd_bus *bus;
        /* what was last announced: "path\ninterface\nproperty" -> the value as sd_bus_message_dump()
         * prints it */
        char **keys;
        char **values;
        size_t n;
        bool comparing;                 /* getters run for a comparison, not for a caller */
        /* Validate calls running in children (bus-validate.h), and the callers' use of it */
        struct ValidateJob *validate_jobs;
        size_t n_validate_jobs;
        struct ValidateUse *validate_uses;
        size_t n_validate_uses;
        /* privileged calls waiting for polkit's answer (bus-polkit.h), and the one being run again */
        struct PolkitQuery *polkit_queries;
        size_t n_polkit_queries;
        sd_bus_message *polkit_verified;
        bool reconnecting;              /* the connection is gone; a timer replaces this Bus */
};

/* After the system bus went away: the first try to reconnect, and the longest wait between tries */
#define BUS_RECONNECT_FIRST_USEC (500 * 1000ULL)
#define BUS_RECONNECT_MAX_USEC (30 * 1000000ULL)

/* bus-manager.c */
extern const sd_bus_vtable bus_manager_vtable[];
extern const BusTracked bus_manager_tracked[];
extern const size_t bus_manager_n_tracked;

/* bus-profile.c */
extern const sd_bus_vtable bus_profile_vtable[];
extern const BusTracked bus_profile_tracked[];
extern const size_t bus_profile_n_tracked;
int bus_profile_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error);
int bus_profile_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
                          sd_bus_error *error);
/* Every profile name: the managed ones and those the last load found (with errors too), sorted. */
int bus_profile_names(Manager *m, char ***ret);

/* bus-modules.c: the Manager's Modules and DamonStat */
int bus_get_modules(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_get_damon_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* bus-observe.c: org.damond1.Observe on the profile objects */
extern const sd_bus_vtable bus_observe_vtable[];
extern const sd_bus_vtable bus_observe_manager_vtable[];

/* bus.c */
/* Append @s (NULL: "") and each string of @l (NULL: none) made safe (utf8.h): D-Bus refuses a string
 * that is not valid UTF-8, and the whole reply with it, and a terminal obeys the control characters a
 * file name, a Description= or a process name may hold. Return 0 or -errno. */
int bus_append_safe(sd_bus_message *m, const char *s);
int bus_append_safe_strv(sd_bus_message *m, char **l);
/* Whether the property getter that builds @reply answers root's Get or GetAll: only then may it show
 * what comes from files not everyone may read (LoadRecord.public_diagnostics). */
bool bus_reader_is_root(sd_bus *bus, sd_bus_message *reply);
/* The Event signal's name of a journal MESSAGE_ID (message-ids.h), or NULL for one it does not carry. */
const char *bus_event_name(const char *message_id);
