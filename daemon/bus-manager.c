/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /org/damond1, org.damond1.Manager (docs/dbus-api.md): what damond is and runs, the last reload, and the
 * methods Reload, StartProfile, StopProfile and Validate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bus-internal.h"
#include "bus-polkit.h"
#include "bus-validate.h"
#include "damon-features.h"
#include "log.h"
#include "psi.h"

#ifndef DAMOND_VERSION
#error "DAMOND_VERSION must be defined by the build"
#endif

/* At most this many files in one Validate call. */
#define BUS_VALIDATE_FILES_MAX 256

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", DAMOND_VERSION);
}

static int get_kernel_release(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct utsname u;

        if (uname(&u) < 0)
                return -errno;
        return sd_bus_message_append(reply, "s", u.release);
}

static int get_damon_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        const DamonFeatures *f = manager_features(m);
        char buf[32] = "";

        if (manager_probed(m) && f->version_major > 0)
                snprintf(buf, sizeof buf, "%u.%u", f->version_major, f->version_minor);
        return sd_bus_message_append(reply, "s", buf);
}

/* The features a compiled spec needs beyond the baseline. */
static uint64_t spec_features(const CompiledProfile *c) {
        const DamonSpec *s = &c->spec;
        uint64_t mask = DAMON_FEATURE_BIT(DAMON_FEATURE_SYSFS);

        if (s->ops == DAMON_OPS_FVADDR)
                mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_FVADDR);
        if (s->addr_unit > 1)
                mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_ADDR_UNIT);
        if (s->refresh_ms > 0)
                mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_REFRESH_MS);
        if (s->attrs.intervals_goal.aggrs > 0)
                mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_INTERVALS_GOAL);
        for (size_t i = 0; i < s->n_schemes; i++) {
                const DamosScheme *sc = &s->schemes[i];

                mask |= DAMON_FEATURE_BIT(damon_action_feature(sc->action));
                if (sc->apply_interval_us > 0)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_APPLY_INTERVAL);
                if (sc->target_nid >= 0)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_MIGRATE);
                if (sc->n_dests > 0)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_DESTS);
                if (sc->max_nr_snapshots > 0)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_SNAPSHOTS);
                if (sc->quota.goal_tuner != DAMOS_GOAL_TUNER_CONSIST)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_GOAL_TUNER);
                if (sc->quota.n_goals > 0)
                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_QUOTA_GOALS);
                for (size_t g = 0; g < sc->quota.n_goals; g++)
                        mask |= DAMON_FEATURE_BIT(damon_goal_metric_feature(sc->quota.goals[g].metric));
                for (DamosFilterSet set = 0; set < _DAMOS_FILTER_SET_MAX; set++)
                        for (size_t k = 0; k < sc->n_filters[set]; k++) {
                                const DamosFilter *f = &sc->filters[set][k];

                                mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_FILTERS) |
                                        DAMON_FEATURE_BIT(damon_filter_type_feature(f->type));
                                if (f->allow)
                                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_FILTER_ALLOW);
                                if (set != DAMOS_FILTERS_LEGACY)
                                        mask |= DAMON_FEATURE_BIT(DAMON_FEATURE_CORE_OPS_FILTERS);
                        }
        }
        return mask;
}

static int get_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        const DamonFeatures *f = manager_features(m);
        uint64_t used = 0;
        int r;

        /* "used": by an enabled profile; a disabled one needs nothing of the kernel */
        for (size_t i = 0; i < manager_n_profiles(m); i++) {
                const ManagedProfile *p = manager_profile(m, i);

                if (!isempty(p->fingerprint) && p->compiled.enabled)
                        used |= spec_features(&p->compiled);
        }
        r = sd_bus_message_open_container(reply, 'a', "(sssb)");
        if (r < 0)
                return r;
        for (DamonFeature k = 0; k < _DAMON_FEATURE_MAX; k++) {
                const char *state = !manager_probed(m) || !damon_features_has(f, k) ? "no" :
                                    f->inferred & DAMON_FEATURE_BIT(k) ? "inferred" : "yes";

                r = sd_bus_message_append(reply, "(sssb)", damon_feature_to_string(k),
                                          damon_feature_version(k), state,
                                          (int) !!(used & DAMON_FEATURE_BIT(k)));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int get_profiles(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        char **names = NULL;
        int r;

        r = bus_profile_names(m, &names);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(so)");
        for (size_t i = 0; r >= 0 && names[i]; i++) {
                _cleanup_free_ char *p = NULL;

                r = sd_bus_path_encode(DAMOND_BUS_PROFILE_PREFIX, names[i], &p);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(so)", names[i], p);
        }
        strv_free(names);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int get_last_reload(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        const LoadRecord *l = manager_last_load(m);

        return sd_bus_message_append(reply, "(tbs)", l->time_usec, (int) l->valid, l->summary ?: "");
}

static int get_last_reload_errors(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        const LoadRecord *l = manager_last_load(m);

        return bus_append_safe_strv(reply, bus_reader_is_root(bus, reply) ? l->diagnostics : l->public_diagnostics);
}

static int get_system_pressure(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        PsiStats st = {};
        int r;

        r = psi_read_system(manager_root(m), &st);
        if (r < 0) {
                log_debug_errno(r, "Failed to read the system memory pressure, ignoring: %m");
                return sd_bus_message_append(reply, "(uuutt)", 0, 0, 0, UINT64_MAX, UINT64_MAX);
        }
        return sd_bus_message_append(reply, "(uuutt)", st.some.avg10, st.some.avg60, st.full.avg10,
                                     st.some.total_usec, st.has_full ? st.full.total_usec : UINT64_MAX);
}

/* --- methods --- */

static int reply_diagnostics(sd_bus_message *msg, bool valid, char **diagnostics) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "b", (int) valid);
        if (r >= 0)
                r = bus_append_safe_strv(reply, diagnostics);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        const LoadRecord *l;
        int r;

        r = bus_verify_manage(manager_bus(m), msg, method_reload, m, error);
        if (r <= 0)
                return r < 0 ? r : 1;   /* 0: polkit was asked, the call runs again when it answers */
        log_info("Reload requested over D-Bus.");
        r = manager_reload(m, manager_now_monotonic());
        if (r < 0)
                return r;
        (void) manager_follow_setup(m);
        l = manager_last_load(m);
        return reply_diagnostics(msg, l->valid, l->diagnostics);
}

static int control_error(int r, const char *message, sd_bus_error *error) {
        const char *name = r == -ENOENT ? DAMOND_BUS_ERROR_NO_SUCH_PROFILE :
                           r == -EINVAL ? DAMOND_BUS_ERROR_PROFILE_INVALID :
                           r == -EOPNOTSUPP ? SD_BUS_ERROR_INVALID_ARGS : NULL;

        if (r == -ENOMEM)
                return r;
        if (!name)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, message ?: strerror(-r));
        return sd_bus_error_set(error, name, message ?: strerror(-r));
}

static int method_start_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error);
static int method_stop_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error);

static int method_start_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error, bool start) {
        _cleanup_free_ char *message = NULL;
        Manager *m = ASSERT_PTR(userdata);
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_verify_manage(manager_bus(m), msg, start ? method_start_profile : method_stop_profile, m, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = start ? manager_start_profile(m, name, &message) : manager_stop_profile(m, name, &message);
        if (r < 0)
                return control_error(r, message, error);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_start_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        return method_start_stop(msg, m, error, true);
}

static int method_stop_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        return method_start_stop(msg, m, error, false);
}

static int method_validate(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *names[BUS_VALIDATE_FILES_MAX + 1], *contents[BUS_VALIDATE_FILES_MAX + 1];
        _cleanup_free_ char *message = NULL;
        Manager *m = ASSERT_PTR(userdata);
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "(ss)");
        if (r < 0)
                return r;
        for (;;) {
                if (n >= BUS_VALIDATE_FILES_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "At most %d files in one call.", BUS_VALIDATE_FILES_MAX);
                r = sd_bus_message_read(msg, "(ss)", &names[n], &contents[n]);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                n++;
        }
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        names[n] = contents[n] = NULL;

        r = manager_validate_check(names, contents, n, &message);
        if (r == -EINVAL)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, message ?: "Invalid file.");
        if (r < 0)
                return r;
        /* the work, and the reply, happen in a child: the event loop goes on meanwhile */
        r = bus_validate_start(manager_bus(m), msg, (char * const *) names, (char * const *) contents, n, error);
        return r < 0 ? r : 1;
}

const sd_bus_vtable bus_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("KernelRelease", "s", get_kernel_release, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("DamonVersion", "s", get_damon_version, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Features", "a(sssb)", get_features, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Profiles", "a(so)", get_profiles, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastReload", "(tbs)", get_last_reload, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastReloadErrors", "as", get_last_reload_errors, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SystemPressure", "(uuutt)", get_system_pressure, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Modules", "a(sbx)", bus_get_modules, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DamonStat", "(bttax)", bus_get_damon_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_SIGNAL_WITH_NAMES("Event", "ssis",
                                 SD_BUS_PARAM(event) SD_BUS_PARAM(profile) SD_BUS_PARAM(kdamond) SD_BUS_PARAM(message),
                                 0),
        SD_BUS_METHOD_WITH_NAMES("Reload", "", "", "bas", SD_BUS_PARAM(valid) SD_BUS_PARAM(diagnostics),
                                 method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StartProfile", "s", SD_BUS_PARAM(name), "", "",
                                 method_start_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StopProfile", "s", SD_BUS_PARAM(name), "", "",
                                 method_stop_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Validate", "a(ss)", SD_BUS_PARAM(files), "bas",
                                 SD_BUS_PARAM(valid) SD_BUS_PARAM(diagnostics), method_validate,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

#define LOADED MANAGER_CHANGE_LOADED
#define STATUS MANAGER_CHANGE_STATUS

const BusTracked bus_manager_tracked[] = {
        { "DamonVersion", get_damon_version, LOADED },
        { "Features", get_features, LOADED },
        { "Profiles", get_profiles, LOADED },
        { "LastReload", get_last_reload, LOADED },
        { "LastReloadErrors", get_last_reload_errors, LOADED },
        /* read from the kernel: nothing of damond's changes them, so they are compared when due */
        { "SystemPressure", get_system_pressure, STATUS },
        { "Modules", bus_get_modules, STATUS },
        { "DamonStat", bus_get_damon_stat, STATUS },
};
const size_t bus_manager_n_tracked = ELEMENTSOF(bus_manager_tracked);
