/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "profile.h"
#include "unit-cgroups.h"

#define SYSTEMD_SERVICE "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

typedef struct UnitEntry {
        UnitCgroups *owner;
        char *name;
        char *path;                     /* the unit's object path, once LoadUnit answered */
        char *cgroup;                   /* NULL: none known */
        sd_bus_slot *load_slot, *get_slot, *match_slot;
        bool again;                     /* a change came while a Get was pending: ask once more */
        bool warned;                    /* systemd refused to load it: said once */
} UnitEntry;

struct UnitCgroups {
        sd_bus *bus;
        sd_bus_slot *subscribe_slot, *job_slot, *new_slot;
        UnitEntry **entries;
        size_t n;
        UnitCgroupsChanged cb;
        void *userdata;
};

static bool streq_ptr(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}

static void entry_unhook(UnitEntry *e) {
        e->load_slot = sd_bus_slot_unref(e->load_slot);
        e->get_slot = sd_bus_slot_unref(e->get_slot);
        e->match_slot = sd_bus_slot_unref(e->match_slot);
        e->again = false;
}

static UnitEntry *entry_free(UnitEntry *e) {
        if (!e)
                return NULL;
        entry_unhook(e);
        free(e->name);
        free(e->path);
        free(e->cgroup);
        return mfree(e);
}

static UnitEntry *find(const UnitCgroups *u, const char *name) {
        for (size_t i = 0; u && name && i < u->n; i++)
                if (streq(u->entries[i]->name, name))
                        return u->entries[i];
        return NULL;
}

/* Sets the entry's cgroup ("" and NULL: none) and tells the owner when it changed. */
static int entry_set_cgroup(UnitEntry *e, const char *cg) {
        char *c = NULL;

        if (isempty(cg))
                cg = NULL;
        if (streq_ptr(cg, e->cgroup))
                return 0;
        if (cg && !(c = strdup(cg)))
                return -ENOMEM;
        free(e->cgroup);
        e->cgroup = c;
        if (c)
                log_info("Unit %s is in cgroup %s.", e->name, c);
        else
                log_info("Unit %s has no cgroup now (not running, or not loaded).", e->name);
        if (e->owner->cb)
                e->owner->cb(e->owner, e->name, e->owner->userdata);
        return 0;
}

static int entry_get(UnitEntry *e);

static int on_get(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitEntry *e = ASSERT_PTR(userdata);
        const sd_bus_error *err;
        const char *cg = NULL;
        int r;

        (void) ret_error;
        e->get_slot = sd_bus_slot_unref(e->get_slot);
        err = sd_bus_message_get_error(reply);
        if (err)
                /* the unit went away (an object systemd collected): no cgroup until it is back */
                log_debug("Cannot read the ControlGroup of unit %s, taking it as none: %s", e->name,
                          err->message ?: err->name);
        else {
                r = sd_bus_message_read(reply, "v", "s", &cg);
                if (r < 0)
                        log_debug_errno(r, "Unexpected ControlGroup of unit %s, taking it as none: %m", e->name);
        }
        r = entry_set_cgroup(e, err ? NULL : cg);
        if (r < 0)
                return log_oom();
        if (e->again) {
                e->again = false;
                (void) entry_get(e);
        }
        return 0;
}

/* Asks for the unit's ControlGroup; one question at a time. */
static int entry_get(UnitEntry *e) {
        sd_bus *bus = e->owner->bus;
        int r;

        if (!bus || !e->path)
                return 0;
        if (e->get_slot) {
                e->again = true;
                return 0;
        }
        r = sd_bus_call_method_async(bus, &e->get_slot, SYSTEMD_SERVICE, e->path, "org.freedesktop.DBus.Properties",
                                     "Get", on_get, e, "ss", profile_unit_interface(e->name), "ControlGroup");
        if (r < 0)
                return log_warning_errno(r, "Cannot ask systemd for the cgroup of unit %s: %m", e->name);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        UnitEntry *e = ASSERT_PTR(userdata);
        (void) m;
        (void) ret_error;
        return entry_get(e), 0;
}

static int on_load(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitEntry *e = ASSERT_PTR(userdata);
        const sd_bus_error *err;
        const char *path;
        int r;

        (void) ret_error;
        e->load_slot = sd_bus_slot_unref(e->load_slot);
        err = sd_bus_message_get_error(reply);
        if (err) {
                if (!e->warned)
                        log_warning("systemd cannot load unit %s, its processes are not monitored until it "
                                    "can: %s", e->name, err->message ?: err->name);
                e->warned = true;
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_warning_errno(r, "Unexpected answer of systemd to LoadUnit(%s): %m", e->name), 0;
        free(e->path);
        e->path = strdup(path);
        if (!e->path)
                return log_oom();
        e->match_slot = sd_bus_slot_unref(e->match_slot);
        r = sd_bus_match_signal_async(e->owner->bus, &e->match_slot, SYSTEMD_SERVICE, e->path,
                                      "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                      on_properties_changed, NULL, e);
        if (r < 0)
                log_warning_errno(r, "Cannot watch unit %s for restarts, its cgroup is read at reloads only: %m",
                                  e->name);
        return entry_get(e), 0;
}

/* LoadUnit (not GetUnit: a unit that is not loaded now has an object too, whose signals say when it
 * starts), then its ControlGroup. */
static int entry_resolve(UnitEntry *e) {
        sd_bus *bus = e->owner->bus;
        int r;

        if (!bus)
                return 0;
        if (e->path)
                return entry_get(e);
        if (e->load_slot)
                return 0;
        r = sd_bus_call_method_async(bus, &e->load_slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     "LoadUnit", on_load, e, "s", e->name);
        if (r < 0)
                return log_warning_errno(r, "Cannot ask systemd for unit %s: %m", e->name);
        return 0;
}

/* JobRemoved(u id, o job, s unit, s result) and UnitNew(s id, o unit): a start, stop or restart of one
 * of ours finished, or it was loaded again. */
static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        UnitCgroups *u = ASSERT_PTR(userdata);
        const char *unit = NULL;
        UnitEntry *e;
        int r;

        (void) ret_error;
        if (sd_bus_message_is_signal(m, SYSTEMD_MANAGER, "JobRemoved"))
                r = sd_bus_message_read(m, "uos", NULL, NULL, &unit);
        else
                r = sd_bus_message_read(m, "s", &unit);
        if (r < 0)
                return 0;
        e = find(u, unit);
        if (e) {
                if (e->path)
                        (void) entry_get(e);
                else
                        (void) entry_resolve(e);
        }
        return 0;
}

static int on_subscribe(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitCgroups *u = ASSERT_PTR(userdata);
        const sd_bus_error *err = sd_bus_message_get_error(reply);

        (void) ret_error;
        u->subscribe_slot = sd_bus_slot_unref(u->subscribe_slot);
        /* AlreadySubscribed is fine; without systemd's signals, reloads still read the cgroups again */
        if (err && !sd_bus_error_has_name(err, "org.freedesktop.systemd1.AlreadySubscribed"))
                log_debug("systemd's Subscribe failed, ignoring: %s", err->message ?: err->name);
        return 0;
}

static int hook_bus(UnitCgroups *u) {
        int r;

        r = sd_bus_match_signal_async(u->bus, &u->job_slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                      "JobRemoved", on_manager_signal, NULL, u);
        if (r >= 0)
                r = sd_bus_match_signal_async(u->bus, &u->new_slot, SYSTEMD_SERVICE, SYSTEMD_PATH,
                                              SYSTEMD_MANAGER, "UnitNew", on_manager_signal, NULL, u);
        if (r >= 0)
                r = sd_bus_call_method_async(u->bus, &u->subscribe_slot, SYSTEMD_SERVICE, SYSTEMD_PATH,
                                             SYSTEMD_MANAGER, "Subscribe", on_subscribe, u, NULL);
        return r;
}

static void unhook_bus(UnitCgroups *u) {
        u->subscribe_slot = sd_bus_slot_unref(u->subscribe_slot);
        u->job_slot = sd_bus_slot_unref(u->job_slot);
        u->new_slot = sd_bus_slot_unref(u->new_slot);
        for (size_t i = 0; i < u->n; i++) {
                entry_unhook(u->entries[i]);
                u->entries[i]->path = mfree(u->entries[i]->path);
        }
        u->bus = sd_bus_unref(u->bus);
}

int unit_cgroups_new(UnitCgroupsChanged cb, void *userdata, UnitCgroups **ret) {
        UnitCgroups *u;

        assert(ret);
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->cb = cb;
        u->userdata = userdata;
        *ret = u;
        return 0;
}

UnitCgroups *unit_cgroups_free(UnitCgroups *u) {
        if (!u)
                return NULL;
        unhook_bus(u);
        for (size_t i = 0; i < u->n; i++)
                entry_free(u->entries[i]);
        free(u->entries);
        return mfree(u);
}

int unit_cgroups_set_bus(UnitCgroups *u, sd_bus *bus) {
        int r;

        if (!u || bus == u->bus)
                return 0;
        unhook_bus(u);
        if (!bus)
                /* the cgroups last known stay (the units' processes stay monitored) until the next bus
                 * says otherwise */
                return 0;
        u->bus = sd_bus_ref(bus);
        r = hook_bus(u);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_warning_errno(r, "Cannot subscribe to systemd's unit signals, unit cgroups are read at "
                                  "reloads only: %m");
        for (size_t i = 0; i < u->n; i++)
                (void) entry_resolve(u->entries[i]);
        return 0;
}

int unit_cgroups_sync(UnitCgroups *u, char * const *names) {
        size_t k = 0;

        assert(u);
        /* drop what is no longer named (names are few: a quadratic scan is fine) */
        for (size_t i = 0; i < u->n; i++) {
                bool keep = false;

                for (size_t j = 0; names && names[j] && !keep; j++)
                        keep = streq(names[j], u->entries[i]->name);
                if (keep)
                        u->entries[k++] = u->entries[i];
                else
                        entry_free(u->entries[i]);
        }
        u->n = k;

        for (size_t j = 0; names && names[j]; j++) {
                UnitEntry *e, **a;

                if (find(u, names[j])) {
                        /* a reload reads the cgroups of the units it keeps again */
                        (void) entry_resolve(find(u, names[j]));
                        continue;
                }
                e = calloc(1, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                e->owner = u;
                e->name = strdup(names[j]);
                a = reallocarray(u->entries, u->n + 1, sizeof(*a));
                if (!e->name || !a) {
                        if (a)
                                u->entries = a;
                        entry_free(e);
                        return -ENOMEM;
                }
                u->entries = a;
                u->entries[u->n++] = e;
                (void) entry_resolve(e);
        }
        return 0;
}

const char *unit_cgroups_get(const UnitCgroups *u, const char *unit) {
        UnitEntry *e = find(u, unit);

        return e ? e->cgroup : NULL;
}
