/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The D-Bus service's connection (bus.h): the system bus, the name, the objects, the privilege check, and
 * PropertiesChanged for what the Manager says changed and differs from what was last announced.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-internal.h"
#include "bus-polkit.h"
#include "bus-validate.h"
#include "log.h"
#include "message-ids.h"
#include "utf8.h"

int bus_append_safe(sd_bus_message *m, const char *s) {
        _cleanup_free_ char *e = NULL;

        if (string_is_safe(s))
                return sd_bus_message_append_basic(m, 's', s ?: "");
        e = string_escape(s);
        if (!e)
                return -ENOMEM;
        return sd_bus_message_append_basic(m, 's', e);
}

int bus_append_safe_strv(sd_bus_message *m, char **l) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && l && l[i]; i++)
                r = bus_append_safe(m, l[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

bool bus_reader_is_root(sd_bus *bus, sd_bus_message *reply) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        sd_bus_message *call = sd_bus_get_current_message(bus);
        uint8_t type = 0;
        uid_t euid;

        /* only the answer to a Get or GetAll: PropertiesChanged goes to every subscriber */
        if (!reply || sd_bus_message_get_type(reply, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_RETURN)
                return false;
        if (!call || sd_bus_message_is_method_call(call, "org.freedesktop.DBus.Properties", NULL) <= 0)
                return false;
        if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds) < 0 ||
            sd_bus_creds_get_euid(creds, &euid) < 0)
                return false;
        return euid == 0;
}

/* --- PropertiesChanged --- */

/* The value of a property as sd_bus_message_dump() prints it: what a client would see. */
static int property_dump(Bus *b, const char *path, const char *interface, const BusTracked *t, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        r = sd_bus_message_new_signal(b->bus, &msg, path, interface, "Compare");
        if (r < 0)
                return r;
        b->comparing = true;
        r = t->get(b->bus, path, interface, t->name, msg, b->manager, &error);
        b->comparing = false;
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        r = sd_bus_message_seal(msg, 1, 0);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = sd_bus_message_dump(msg, f, 0);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

static ssize_t cache_find(Bus *b, const char *key) {
        for (size_t i = 0; i < b->n; i++)
                if (streq(b->keys[i], key))
                        return (ssize_t) i;
        return -1;
}

/* Compares the tracked properties of one object that @changes concern (BusTracked.changes) with what was
 * last announced and emits PropertiesChanged for those that differ. A property seen for the first time is
 * only remembered: the object (or the bus) is new. With @keep, every key still in use is added to it.
 * Returns 1 if something was emitted. */
static int object_compare(Bus *b, const char *path, const char *interface, const BusTracked *tracked,
                          size_t n_tracked, unsigned changes, char **keep, size_t *n_keep) {
        const char *changed[64];
        size_t n_changed = 0;
        int r;

        for (size_t i = 0; i < n_tracked && n_changed + 1 < ELEMENTSOF(changed); i++) {
                _cleanup_free_ char *key = NULL, *value = NULL;
                ssize_t k;

                if (!keep && !(tracked[i].changes & changes))
                        continue;
                if (asprintf(&key, "%s\n%s\n%s", path, interface, tracked[i].name) < 0)
                        return -ENOMEM;
                k = cache_find(b, key);
                if (k >= 0 && !(tracked[i].changes & changes)) {
                        keep[(*n_keep)++] = b->keys[k];
                        continue;
                }
                r = property_dump(b, path, interface, &tracked[i], &value);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_debug_errno(r, "Cannot read property %s of %s, ignoring: %m", tracked[i].name,
                                        path);
                        if (k >= 0 && keep)
                                keep[(*n_keep)++] = b->keys[k];
                        continue;
                }
                if (k >= 0) {
                        if (keep)
                                keep[(*n_keep)++] = b->keys[k];
                        if (streq(b->values[k], value))
                                continue;
                        free(b->values[k]);
                        b->values[k] = TAKE_PTR(value);
                        changed[n_changed++] = tracked[i].name;
                        continue;
                }
                /* first seen: known from now on, nothing to announce (the object or the bus is new) */
                {
                        char **ks = reallocarray(b->keys, b->n + 1, sizeof(*ks)), **vs;

                        if (!ks)
                                return -ENOMEM;
                        b->keys = ks;
                        vs = reallocarray(b->values, b->n + 1, sizeof(*vs));
                        if (!vs)
                                return -ENOMEM;
                        b->values = vs;
                        b->keys[b->n] = TAKE_PTR(key);
                        b->values[b->n] = TAKE_PTR(value);
                        if (keep)
                                keep[(*n_keep)++] = b->keys[b->n];
                        b->n++;
                }
        }
        if (n_changed == 0)
                return 0;
        changed[n_changed] = NULL;
        r = sd_bus_emit_properties_changed_strv(b->bus, path, interface, (char **) changed);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged for %s, ignoring: %m", path);
        return 1;
}

/* Drops cached values of objects that are gone (every key not in @keep). */
static void cache_prune(Bus *b, char **keep, size_t n_keep) {
        size_t j = 0;

        for (size_t i = 0; i < b->n; i++) {
                bool kept = false;

                for (size_t k = 0; k < n_keep && !kept; k++)
                        kept = keep[k] == b->keys[i];
                if (!kept) {
                        free(b->keys[i]);
                        free(b->values[i]);
                        continue;
                }
                b->keys[j] = b->keys[i];
                b->values[j] = b->values[i];
                j++;
        }
        b->n = j;
}

/* Every object: the Manager's properties that @changes concern, each profile's that @profile_changes
 * concern; then forgets the objects that are gone. */
static int bus_compare_all(Bus *b, unsigned changes, unsigned profile_changes) {
        Manager *m = b->manager;
        _cleanup_free_ char **keep = NULL;
        char **names = NULL;
        size_t n_keep = 0, n_names = 0, cap;
        int r;

        r = bus_profile_names(m, &names);
        if (r < 0)
                return r;
        while (names[n_names])
                n_names++;
        cap = bus_manager_n_tracked + n_names * bus_profile_n_tracked + 1;
        keep = calloc(cap, sizeof(*keep));
        if (!keep) {
                strv_free(names);
                return -ENOMEM;
        }
        r = object_compare(b, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, bus_manager_tracked,
                           bus_manager_n_tracked, changes, keep, &n_keep);
        for (size_t i = 0; r >= 0 && i < n_names; i++) {
                _cleanup_free_ char *path = NULL;

                r = sd_bus_path_encode(DAMOND_BUS_PROFILE_PREFIX, names[i], &path);
                if (r >= 0)
                        r = object_compare(b, path, DAMOND_BUS_PROFILE_INTERFACE, bus_profile_tracked,
                                           bus_profile_n_tracked, profile_changes, keep, &n_keep);
        }
        strv_free(names);
        if (r < 0)
                return r;
        cache_prune(b, keep, n_keep);
        return 0;
}

/* The Manager said what changed: only those properties are read again and compared. */
static void on_change(Manager *m, const char *profile, unsigned changes, void *userdata) {
        _cleanup_free_ char *path = NULL;
        Bus *b = ASSERT_PTR(userdata);
        int r;

        if (!profile && (changes & MANAGER_CHANGE_LOADED))
                /* profiles may have come or gone: every object, and the cache of those gone dropped */
                r = bus_compare_all(b, changes, MANAGER_CHANGE_LOADED);
        else if (!profile)
                r = object_compare(b, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE,
                                   bus_manager_tracked, bus_manager_n_tracked, changes, NULL, NULL);
        else {
                r = sd_bus_path_encode(DAMOND_BUS_PROFILE_PREFIX, profile, &path);
                if (r >= 0)
                        r = object_compare(b, path, DAMOND_BUS_PROFILE_INTERFACE, bus_profile_tracked,
                                           bus_profile_n_tracked, changes, NULL, NULL);
        }
        if (r < 0)
                log_debug_errno(r, "Failed to compare D-Bus properties, ignoring: %m");
}

/* --- the Event signal: every journal event (a message with a MESSAGE_ID) as it happens --- */

static const struct {
        const char *message_id;
        const char *event;
} bus_events[] = {
        { DAMOND_MESSAGE_PROFILE_STARTED,  "profile-started" },
        { DAMOND_MESSAGE_PROFILE_STOPPED,  "profile-stopped" },
        { DAMOND_MESSAGE_PROFILE_RELOADED, "profile-reloaded" },
        { DAMOND_MESSAGE_PROFILE_ADOPTED,  "profile-adopted" },
        { DAMOND_MESSAGE_KDAMOND_DIED,     "kdamond-died" },
        { DAMOND_MESSAGE_CONFIG_ERROR,     "config-error" },
        { DAMOND_MESSAGE_BLOCKED,          "profile-blocked" },
        { DAMOND_MESSAGE_TUNING,           "tuning" },
        { DAMOND_MESSAGE_TIERS_CHANGED,    "tiers-changed" },
        { DAMOND_MESSAGE_SAVINGS_HOURLY,   "savings-hourly" },
};

const char *bus_event_name(const char *message_id) {
        for (size_t i = 0; message_id && i < ELEMENTSOF(bus_events); i++)
                if (streq(bus_events[i].message_id, message_id))
                        return bus_events[i].event;
        return NULL;
}

static void on_event(int level, const LogFields *fields, const char *message, void *userdata) {
        _cleanup_free_ char *profile = NULL;
        Bus *b = ASSERT_PTR(userdata);
        const char *event = bus_event_name(fields->message_id);
        int r;

        (void) level;
        if (!event || b->reconnecting)
                return;
        /* the message is made safe by the log already; a profile name comes from a file name */
        if (fields->profile && !string_is_safe(fields->profile) && !(profile = string_escape(fields->profile)))
                return;
        r = sd_bus_emit_signal(b->bus, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, "Event", "ssis",
                               event, profile ?: fields->profile ?: "",
                               fields->kdamond_1 > 0 ? fields->kdamond_1 - 1 : -1, message);
        if (r < 0)
                log_debug_errno(r, "Cannot emit the Event signal %s: %m", event);
}

/* --- setup --- */

Bus *bus_free(Bus *b) {
        if (!b)
                return NULL;
        if (b->manager && manager_bus(b->manager) == b) {
                manager_set_change_hook(b->manager, NULL, NULL);
                manager_set_system_bus(b->manager, NULL);
        }
        if (log_get_event_sink_userdata() == b)
                log_set_event_sink(NULL, NULL);
        bus_validate_done(b);
        bus_polkit_done(b);
        sd_bus_flush_close_unref(b->bus);
        for (size_t i = 0; i < b->n; i++) {
                free(b->keys[i]);
                free(b->values[i]);
        }
        free(b->keys);
        free(b->values);
        return mfree(b);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Bus *, bus_free);

void bus_detach(Manager *m) {
        Bus *b = manager_bus(m);

        if (!b)
                return;
        bus_free(b);            /* while it is still the Manager's: that unhooks it */
        manager_set_bus(m, NULL);
}

/* --- reconnection: the system bus restarted (or dropped damond); damond's kernel work goes on --- */

typedef struct Reconnect {
        Manager *manager;
        uint64_t delay_usec;    /* until the next try */
} Reconnect;

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata) {
        Reconnect *rc = ASSERT_PTR(userdata);
        Manager *m = rc->manager;
        int r;

        (void) usec;
        bus_detach(m);
        r = bus_attach(m);
        if (r > 0) {
                log_info("Reconnected to the system bus.");
                /* the loop owns the timer (floating) and frees it with itself: a few hundred bytes per
                 * loss of the system bus, which only root can cause */
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        if (r < 0)
                return r;
        /* not yet: try again, backing off up to BUS_RECONNECT_MAX_USEC, so a bus that stays away costs
         * a warning every half minute at most */
        rc->delay_usec = rc->delay_usec * 2 > BUS_RECONNECT_MAX_USEC ? BUS_RECONNECT_MAX_USEC : rc->delay_usec * 2;
        r = sd_event_source_set_time_relative(s, rc->delay_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Bus *b = ASSERT_PTR(userdata);
        sd_event_source *s = NULL;
        Reconnect *rc;
        int r;

        (void) msg;
        (void) error;
        if (b->reconnecting)
                return 0;
        log_warning("Lost the system bus; reconnecting (the DAMON profiles keep running meanwhile).");
        b->reconnecting = true;
        rc = malloc(sizeof(*rc));
        if (!rc)
                return log_oom();
        *rc = (Reconnect) { .manager = b->manager, .delay_usec = BUS_RECONNECT_FIRST_USEC };
        /* not freed here, in its own connection's callback: the timer replaces it. It floats (the loop
         * owns it) and frees @rc with itself. */
        r = sd_event_add_time_relative(manager_event(b->manager), &s, CLOCK_MONOTONIC, rc->delay_usec, 0,
                                       on_reconnect, rc);
        if (r >= 0)
                r = sd_event_source_set_destroy_callback(s, free);
        if (r >= 0)
                r = sd_event_source_set_floating(s, true);
        sd_event_source_unref(s);
        if (r < 0) {
                if (!s)
                        free(rc);
                return log_error_errno(r, "Cannot schedule the reconnection to the system bus, running without "
                                       "D-Bus: %m");
        }
        return 0;
}

int bus_attach(Manager *m) {
        _cleanup_(bus_freep) Bus *b = NULL;
        int r;

        if (manager_bus(m))
                return 1;
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->manager = m;

        r = sd_bus_open_system(&b->bus);
        if (r < 0) {
                log_warning_errno(r, "Cannot connect to the system bus, running without D-Bus: %m");
                return 0;
        }
        r = sd_bus_add_object_vtable(b->bus, NULL, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE,
                                     bus_manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(b->bus, NULL, DAMOND_BUS_PROFILE_PREFIX,
                                               DAMOND_BUS_PROFILE_INTERFACE, bus_profile_vtable,
                                               bus_profile_find, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(b->bus, NULL, DAMOND_BUS_PROFILE_PREFIX,
                                               DAMOND_BUS_OBSERVE_INTERFACE, bus_observe_vtable,
                                               bus_profile_find, m);
        if (r >= 0)
                r = sd_bus_add_object_vtable(b->bus, NULL, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_OBSERVE_INTERFACE,
                                             bus_observe_manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(b->bus, NULL, DAMOND_BUS_PROFILE_PREFIX, bus_profile_enumerate,
                                               m);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus objects: %m");
        r = sd_bus_request_name(b->bus, DAMOND_BUS_NAME, 0);
        if (r < 0) {
                log_warning_errno(r, "Cannot own the name %s on the system bus, running without D-Bus "
                                  "(is the bus policy org.damond1.conf installed?): %m", DAMOND_BUS_NAME);
                return 0;
        }
        r = sd_bus_match_signal(b->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, b);
        if (r < 0)
                log_warning_errno(r, "Cannot watch for the loss of the system bus, damond will not reconnect: %m");
        r = sd_bus_attach_event(b->bus, manager_event(m), SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_warning_errno(r, "Failed to attach the bus to the event loop, running without D-Bus: %m");
                return 0;
        }
        /* what a client reads now is the baseline of PropertiesChanged */
        manager_set_bus(m, b);
        r = bus_compare_all(b, UINT_MAX, UINT_MAX);
        if (r == -ENOMEM) {
                manager_set_bus(m, NULL);
                return log_oom();
        }
        log_set_event_sink(on_event, b);
        manager_set_system_bus(m, b->bus);     /* Unit= targets ask systemd on it */
        manager_set_change_hook(m, on_change, TAKE_PTR(b));    /* manager_bus(m) now, until bus_detach() */
        log_info("Serving the D-Bus API as %s.", DAMOND_BUS_NAME);
        return 1;
}
