/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "damonctl-bus.h"
#include "damond-bus.h"
#include "macro.h"
#include "utf8.h"

#define CTL_ERROR_BAD_PROPERTY "org.damond1.Error.BadProperty"
/* Reload waits for every kdamond's commit. */
#define RELOAD_TIMEOUT_USEC (120 * USEC_PER_SEC)

/* Appends a zeroed element to the array *@p of *@n elements of @size bytes; NULL on -ENOMEM. */
static void *grow(void *p, size_t *n, size_t size) {
        void **pp = p;
        char *q = reallocarray(*pp, *n + 1, size);

        if (!q)
                return NULL;
        *pp = q;
        memset(q + *n * size, 0, size);
        return q + (*n)++ * size;
}

static int read_string(sd_bus_message *m, char **ret) {
        const char *s;
        char *d;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        d = string_escape(s);
        if (!d)
                return -ENOMEM;
        free(*ret);
        *ret = d;
        return 0;
}

/* A property: its name, signature, and how it is stored (at @offset of the struct, or by @parse). */
typedef struct Prop {
        const char *name;
        const char *signature;
        int (*parse)(sd_bus_message *m, void *field);
        size_t offset;
} Prop;

static int parse_s(sd_bus_message *m, void *field) {
        return read_string(m, field);
}

static int parse_as(sd_bus_message *m, void *field) {
        char ***l = field, **n = NULL;
        int r;

        r = sd_bus_message_read_strv(m, &n);
        if (r < 0)
                return r;
        if (!n) {
                n = calloc(1, sizeof(char *));
                if (!n)
                        return -ENOMEM;
        }
        for (char **i = n; *i; i++)
                if (!string_is_safe(*i)) {
                        char *e = string_escape(*i);

                        if (!e) {
                                strv_freep(&n);
                                return -ENOMEM;
                        }
                        free(*i);
                        *i = e;
                }
        strv_freep(l);
        *l = n;
        return 0;
}

static int parse_b(sd_bus_message *m, void *field) {
        int b, r;

        r = sd_bus_message_read_basic(m, 'b', &b);
        if (r >= 0)
                *(bool *) field = b;
        return r;
}

static int parse_i(sd_bus_message *m, void *field) {
        return sd_bus_message_read_basic(m, 'i', field);
}

static int parse_u(sd_bus_message *m, void *field) {
        return sd_bus_message_read_basic(m, 'u', field);
}

static int parse_t(sd_bus_message *m, void *field) {
        return sd_bus_message_read_basic(m, 't', field);
}

static int parse_goals(sd_bus_message *m, CtlScheme *s) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sbttst)");
        if (r < 0)
                return r;
        for (;;) {
                const char *metric, *cgroup;
                uint64_t target, current, node;
                CtlGoal *g;
                int fed;

                r = sd_bus_message_read(m, "(sbttst)", &metric, &fed, &target, &current, &cgroup, &node);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                g = grow(&s->goals, &s->n_goals, sizeof(CtlGoal));
                if (!g)
                        return -ENOMEM;
                *g = (CtlGoal) { string_escape(metric), fed, target, current, string_escape(cgroup), node };
                if (!g->metric || !g->cgroup)
                        return -ENOMEM;
        }
        return sd_bus_message_exit_container(m);
}

static int parse_stats(sd_bus_message *m, CtlScheme *s) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{st}");
        if (r < 0)
                return r;
        for (;;) {
                const char *name;
                uint64_t value;
                CtlStat *st;

                r = sd_bus_message_read(m, "{st}", &name, &value);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                st = grow(&s->stats, &s->n_stats, sizeof(CtlStat));
                if (!st)
                        return -ENOMEM;
                *st = (CtlStat) { string_escape(name), value };
                if (!st->name)
                        return -ENOMEM;
        }
        return sd_bus_message_exit_container(m);
}

static int parse_schemes(sd_bus_message *m, void *field) {
        CtlProfile *p = (CtlProfile *) ((char *) field - offsetof(CtlProfile, schemes));
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(ssa{st}tttsa(sbttst)ts)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'r', "ssa{st}tttsa(sbttst)ts")) > 0) {
                CtlScheme *s = grow(&p->schemes, &p->n_schemes, sizeof(CtlScheme));

                if (!s)
                        return -ENOMEM;
                r = read_string(m, &s->name);
                if (r >= 0)
                        r = read_string(m, &s->action);
                if (r >= 0)
                        r = parse_stats(m, s);
                if (r >= 0)
                        r = sd_bus_message_read(m, "ttt", &s->quota_size, &s->quota_applied,
                                                &s->effective_quota);
                if (r >= 0)
                        r = read_string(m, &s->tune_state);
                if (r >= 0)
                        r = parse_goals(m, s);
                if (r >= 0)
                        r = sd_bus_message_read_basic(m, 't', &s->last_decision_usec);
                if (r >= 0)
                        r = read_string(m, &s->last_decision);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Pressure, a{sv}: a key left out keeps its "not known" value; keys this damonctl does not know are
 * skipped, so that damond may add some. */
static int parse_pressure(sd_bus_message *m, void *field) {
        CtlPressure *p = field;
        int r;

        free(p->source);
        *p = (CtlPressure) { .window_stall_usec = CTL_UNKNOWN, .task_delay_usec = CTL_UNKNOWN };
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const struct { const char *key; uint64_t *v; } u64[] = {
                        { "WindowStallUSec", &p->window_stall_usec }, { "WindowUSec", &p->window_usec },
                        { "CeilingUSec", &p->ceiling_usec }, { "TaskDelayUSec", &p->task_delay_usec },
                };
                const char *key;
                bool done = false;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                if (streq(key, "Source")) {
                        r = sd_bus_message_enter_container(m, 'v', "s");
                        if (r >= 0)
                                r = read_string(m, &p->source);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        done = true;
                } else if (streq(key, "SomeAvg10"))
                        r = sd_bus_message_read(m, "v", "u", &p->some_avg10), done = true;
                else if (streq(key, "FullAvg10"))
                        r = sd_bus_message_read(m, "v", "u", &p->full_avg10), done = true;
                for (size_t k = 0; !done && k < ELEMENTSOF(u64); k++)
                        if (streq(key, u64[k].key))
                                r = sd_bus_message_read(m, "v", "t", u64[k].v), done = true;
                if (r >= 0 && !done)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Tiers, aa{sv}: keys this damonctl does not know are skipped, so that damond may add some. */
static int parse_tier(sd_bus_message *m, CtlTier *t) {
        int r;

        *t = (CtlTier) { .promoted_in = CTL_UNKNOWN, .promoted_out = CTL_UNKNOWN, .demoted_in = CTL_UNKNOWN,
                         .demoted_out = CTL_UNKNOWN, .free_bytes = CTL_UNKNOWN, .total_bytes = CTL_UNKNOWN };
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const struct { const char *key; uint64_t *v; } u64[] = {
                        { "PromotedInBytes", &t->promoted_in }, { "PromotedOutBytes", &t->promoted_out },
                        { "DemotedInBytes", &t->demoted_in }, { "DemotedOutBytes", &t->demoted_out },
                        { "FreeBytes", &t->free_bytes }, { "TotalBytes", &t->total_bytes },
                        { "FreeTarget", &t->free_target },
                };
                const char *key;
                bool done = false;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                if (streq(key, "Tier"))
                        r = sd_bus_message_read(m, "v", "u", &t->id), done = true;
                else if (streq(key, "Nodes")) {
                        const void *a;
                        size_t sz;

                        r = sd_bus_message_enter_container(m, 'v', "au");
                        if (r >= 0)
                                r = sd_bus_message_read_array(m, 'u', &a, &sz);
                        if (r >= 0 && sz > 0) {
                                t->nodes = malloc(sz);
                                if (!t->nodes)
                                        return -ENOMEM;
                                memcpy(t->nodes, a, sz);
                                t->n_nodes = sz / sizeof(uint32_t);
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        done = true;
                }
                for (size_t k = 0; !done && k < ELEMENTSOF(u64); k++)
                        if (streq(key, u64[k].key))
                                r = sd_bus_message_read(m, "v", "t", u64[k].v), done = true;
                if (r >= 0 && !done)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return r;
}

static int parse_tiers(sd_bus_message *m, void *field) {
        CtlProfile *p = (CtlProfile *) ((char *) field - offsetof(CtlProfile, tiers));
        int r;

        r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) > 0) {
                CtlTier *t = grow(&p->tiers, &p->n_tiers, sizeof(CtlTier));

                if (!t)
                        return -ENOMEM;
                r = parse_tier(m, t);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int parse_features(sd_bus_message *m, void *field) {
        CtlManager *mg = (CtlManager *) ((char *) field - offsetof(CtlManager, features));
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sssb)");
        if (r < 0)
                return r;
        for (;;) {
                const char *name, *version, *state;
                CtlFeature *ft;
                int used;

                r = sd_bus_message_read(m, "(sssb)", &name, &version, &state, &used);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                ft = grow(&mg->features, &mg->n_features, sizeof(CtlFeature));
                if (!ft)
                        return -ENOMEM;
                *ft = (CtlFeature) { string_escape(name), string_escape(version), string_escape(state), used };
                if (!ft->name || !ft->version || !ft->state)
                        return -ENOMEM;
        }
        return sd_bus_message_exit_container(m);
}

static int parse_profiles(sd_bus_message *m, void *field) {
        CtlManager *mg = (CtlManager *) ((char *) field - offsetof(CtlManager, profiles));
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(so)");
        if (r < 0)
                return r;
        for (;;) {
                const char *name, *path;
                CtlProfile *p;

                r = sd_bus_message_read(m, "(so)", &name, &path);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                p = grow(&mg->profiles, &mg->n_profiles, sizeof(CtlProfile));
                if (!p)
                        return -ENOMEM;
                *p = (CtlProfile) { .name = string_escape(name), .object_path = strdup(path), .kdamond = -1,
                                    .kdamond_pid = -1, .applied_last_minute = CTL_UNKNOWN };
                if (!p->name || !p->object_path)
                        return -ENOMEM;
        }
        return sd_bus_message_exit_container(m);
}

static int parse_last_reload(sd_bus_message *m, void *field) {
        CtlManager *mg = (CtlManager *) ((char *) field - offsetof(CtlManager, last_reload_usec));
        const char *summary;
        int valid, r;

        r = sd_bus_message_read(m, "(tbs)", &mg->last_reload_usec, &valid, &summary);
        if (r < 0)
                return r;
        mg->last_reload_valid = valid;
        free(mg->last_reload_summary);
        mg->last_reload_summary = string_escape(summary);
        return mg->last_reload_summary ? 0 : -ENOMEM;
}

static int parse_system_pressure(sd_bus_message *m, void *field) {
        CtlSystemPressure *p = field;

        return sd_bus_message_read(m, "(uuutt)", &p->some_avg10, &p->some_avg60, &p->full_avg10,
                                   &p->some_total_usec, &p->full_total_usec);
}

static int parse_modules(sd_bus_message *m, void *field) {
        CtlManager *mg = (CtlManager *) ((char *) field - offsetof(CtlManager, modules));
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sbx)");
        if (r < 0)
                return r;
        for (;;) {
                const char *name;
                int enabled;
                int64_t pid;
                CtlModule *mod;

                r = sd_bus_message_read(m, "(sbx)", &name, &enabled, &pid);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                mod = grow(&mg->modules, &mg->n_modules, sizeof(CtlModule));
                if (!mod)
                        return -ENOMEM;
                *mod = (CtlModule) { string_escape(name), enabled, pid };
                if (!mod->name)
                        return -ENOMEM;
        }
        return sd_bus_message_exit_container(m);
}

static int parse_damon_stat(sd_bus_message *m, void *field) {
        CtlDamonStat *d = field;
        const void *a;
        size_t n;
        int running, r;

        r = sd_bus_message_enter_container(m, 'r', "bttax");
        if (r >= 0)
                r = sd_bus_message_read(m, "btt", &running, &d->aggr_interval_us, &d->bandwidth);
        if (r >= 0)
                r = sd_bus_message_read_array(m, 'x', &a, &n);
        if (r < 0)
                return r;
        d->running = running;
        free(d->idle_ms);
        d->idle_ms = NULL;
        d->n_idle = n / sizeof(int64_t);
        if (d->n_idle > 0) {
                d->idle_ms = malloc(n);
                if (!d->idle_ms)
                        return -ENOMEM;
                memcpy(d->idle_ms, a, n);
        }
        return sd_bus_message_exit_container(m);
}

#define P(name, sig, fn, type, field) { name, sig, fn, offsetof(type, field) }

static const Prop manager_props[] = {
        P("Version", "s", parse_s, CtlManager, version),
        P("KernelRelease", "s", parse_s, CtlManager, kernel_release),
        P("DamonVersion", "s", parse_s, CtlManager, damon_version),
        P("Features", "a(sssb)", parse_features, CtlManager, features),
        P("Profiles", "a(so)", parse_profiles, CtlManager, profiles),
        P("LastReload", "(tbs)", parse_last_reload, CtlManager, last_reload_usec),
        P("LastReloadErrors", "as", parse_as, CtlManager, last_reload_errors),
        P("SystemPressure", "(uuutt)", parse_system_pressure, CtlManager, pressure),
        P("Modules", "a(sbx)", parse_modules, CtlManager, modules),
        P("DamonStat", "(bttax)", parse_damon_stat, CtlManager, damon_stat),
};

static const Prop profile_props[] = {
        P("Name", "s", parse_s, CtlProfile, name),
        P("Description", "s", parse_s, CtlProfile, description),
        P("Path", "s", parse_s, CtlProfile, path),
        P("Files", "as", parse_as, CtlProfile, files),
        P("Enabled", "b", parse_b, CtlProfile, enabled),
        P("State", "s", parse_s, CtlProfile, state),
        P("StateReason", "s", parse_s, CtlProfile, state_reason),
        P("Operations", "s", parse_s, CtlProfile, operations),
        P("Targets", "as", parse_as, CtlProfile, targets),
        P("Kdamond", "i", parse_i, CtlProfile, kdamond),
        P("KdamondPid", "i", parse_i, CtlProfile, kdamond_pid),
        P("RunningSince", "t", parse_t, CtlProfile, running_since_usec),
        P("Restarts", "u", parse_u, CtlProfile, restarts),
        P("AppliedLastMinute", "t", parse_t, CtlProfile, applied_last_minute),
        P("Schemes", "a(ssa{st}tttsa(sbttst)ts)", parse_schemes, CtlProfile, schemes),
        P("SchemeActivity", "as", parse_as, CtlProfile, scheme_activity),
        P("Pressure", "a{sv}", parse_pressure, CtlProfile, pressure),
        P("Tiers", "aa{sv}", parse_tiers, CtlProfile, tiers),
};

static int parse_access(sd_bus_message *m, void *field) {
        CtlObserve *o = field;
        const void *a;
        size_t n;
        int r;

        r = sd_bus_message_enter_container(m, 'r', "tttttat");
        if (r >= 0)
                r = sd_bus_message_read(m, "ttttt", &o->access_time_usec, &o->wss_bytes, &o->wss_window_usec,
                                        &o->total_bytes, &o->n_regions);
        if (r >= 0)
                r = sd_bus_message_read_array(m, 't', &a, &n);
        if (r < 0)
                return r;
        free(o->idle_usec);
        o->idle_usec = NULL;
        o->n_idle = n / sizeof(uint64_t);
        if (o->n_idle > 0) {
                o->idle_usec = malloc(n);
                if (!o->idle_usec)
                        return -ENOMEM;
                memcpy(o->idle_usec, a, n);
        }
        return sd_bus_message_exit_container(m);
}

static int parse_snapshots(sd_bus_message *m, void *field) {
        CtlObserve *o = field;
        const char *why;
        int r;

        r = sd_bus_message_read(m, "(ttttts)", &o->n_snapshots, &o->n_failed, &o->n_held, &o->held_bytes,
                                &o->max_bytes, &why);
        if (r < 0)
                return r;
        free(o->unavailable);
        o->unavailable = strdup(why);
        return o->unavailable ? 0 : -ENOMEM;
}

static int parse_savings(sd_bus_message *m, void *field) {
        CtlObserve *o = field;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sta(st)ttttttx)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'r', "sta(st)ttttttx")) > 0) {
                CtlSavings *s = grow(&o->savings, &o->n_savings, sizeof(CtlSavings));

                if (!s)
                        return -ENOMEM;
                r = read_string(m, &s->period);
                if (r >= 0)
                        r = sd_bus_message_read(m, "t", &s->duration_usec);
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'a', "(st)");
                while (r >= 0) {
                        const char *name;
                        uint64_t v;
                        CtlStat *st;

                        r = sd_bus_message_read(m, "(st)", &name, &v);
                        if (r <= 0)
                                break;
                        st = grow(&s->applied, &s->n_applied, sizeof(CtlStat));
                        if (!st)
                                return -ENOMEM;
                        *st = (CtlStat) { strdup(name), v };
                        if (!st->name)
                                return -ENOMEM;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_read(m, "ttttttx", &s->refault_bytes, &s->swapin_bytes, &s->swapout_bytes,
                                                &s->cpu_usec,
                                                &s->cpu_permyriad, &s->stall_usec, &s->resident_change_bytes);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int parse_memory(sd_bus_message *m, void *field) {
        CtlObserve *o = field;
        const char *cg;
        int r;

        r = sd_bus_message_read(m, "(stttt)", &cg, &o->resident_bytes, &o->baseline_bytes, &o->swap_bytes,
                                &o->compressed_bytes);
        if (r < 0)
                return r;
        free(o->cgroup);
        o->cgroup = strdup(cg);
        return o->cgroup ? 0 : -ENOMEM;
}

static const Prop observe_props[] = {
        { "Access", "(tttttat)", parse_access, 0 },
        { "Snapshots", "(ttttts)", parse_snapshots, 0 },
        { "Savings", "a(sta(st)ttttttx)", parse_savings, 0 },
        { "Memory", "(stttt)", parse_memory, 0 },
};

/* A method call to damond that never starts it: the name is bus-activatable (org.damond1(5)), but a
 * damond an administrator stopped stays stopped until systemctl starts it, and damonctl says it is not
 * running, as systemctl status would. */
static int new_call(sd_bus *bus, sd_bus_message **ret, const char *path, const char *interface,
                    const char *member) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, DAMOND_BUS_NAME, path, interface, member);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* Properties.GetAll(@interface) on @path, each known property parsed into @object. */
static int get_all(sd_bus *bus, const char *path, const char *interface, const Prop *props, size_t n_props,
                   void *object, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = new_call(bus, &call, path, "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", interface);
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const Prop *prop = NULL;
                const char *name, *contents;

                r = sd_bus_message_read_basic(reply, 's', &name);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n_props; i++)
                        if (streq(props[i].name, name))
                                prop = &props[i];
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        return r;
                if (!prop)
                        r = sd_bus_message_skip(reply, "v");
                else if (!streq(contents, prop->signature)) {
                        (void) sd_bus_error_setf(error, CTL_ERROR_BAD_PROPERTY,
                                                 "%s.%s has the signature %s, not %s as in docs/dbus-api.md",
                                                 interface, name, contents, prop->signature);
                        return -EBADMSG;
                } else {
                        r = sd_bus_message_enter_container(reply, 'v', contents);
                        if (r >= 0)
                                r = prop->parse(reply, (char *) object + prop->offset);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

int ctl_bus_read_profile(sd_bus *bus, const char *path, CtlProfile *ret, sd_bus_error *error) {
        CtlProfile p = { .kdamond = -1, .kdamond_pid = -1, .applied_last_minute = CTL_UNKNOWN };
        int r;

        r = get_all(bus, path, DAMOND_BUS_PROFILE_INTERFACE, profile_props, ELEMENTSOF(profile_props), &p,
                    error);
        if (r < 0) {
                ctl_profile_done(&p);
                return r;
        }
        /* an older damond without org.damond1.Observe: no observe block */
        r = get_all(bus, path, DAMOND_BUS_OBSERVE_INTERFACE, observe_props, ELEMENTSOF(observe_props),
                    &p.observe, NULL);
        if (r == -ENOMEM) {
                ctl_profile_done(&p);
                return r;
        }
        if (r < 0)
                ctl_observe_done(&p.observe);
        else
                p.observe.present = true;
        p.object_path = strdup(path);
        if (!p.object_path) {
                ctl_profile_done(&p);
                return -ENOMEM;
        }
        if (!p.pressure.source && !(p.pressure.source = strdup(""))) {
                ctl_profile_done(&p);
                return -ENOMEM;
        }
        /* the properties arrive in any order: the activity joins its scheme once both are in (an older
         * damond has none) */
        for (size_t i = 0; p.scheme_activity && p.scheme_activity[i] && i < p.n_schemes; i++)
                if (!isempty(p.scheme_activity[i]) && !(p.schemes[i].activity = strdup(p.scheme_activity[i]))) {
                        ctl_profile_done(&p);
                        return -ENOMEM;
                }
        *ret = p;
        return 0;
}

int ctl_bus_read_manager(sd_bus *bus, bool profiles, CtlManager *ret, sd_bus_error *error) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        size_t kept = 0;
        int r;

        r = get_all(bus, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, manager_props,
                    ELEMENTSOF(manager_props), &m, error);
        if (r < 0)
                return r;

        for (size_t i = 0; profiles && i < m.n_profiles; i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                CtlProfile p;

                r = ctl_bus_read_profile(bus, m.profiles[i].object_path, &p, &e);
                if (r < 0 && sd_bus_error_has_names(&e, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_METHOD,
                                                    SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        /* removed by a reload since Profiles was read */
                        sd_bus_error_free(&e);
                        ctl_profile_done(&m.profiles[i]);
                        continue;
                }
                if (r < 0) {
                        sd_bus_error_move(error, &e);
                        return r;
                }
                ctl_profile_done(&m.profiles[i]);
                m.profiles[kept++] = p;
        }
        if (profiles)
                m.n_profiles = kept;
        *ret = m;
        m = (CtlManager) {};
        return 0;
}

static int read_validation(sd_bus_message *reply, CtlValidation *ret) {
        CtlValidation v = {};
        int valid, r;

        r = sd_bus_message_read_basic(reply, 'b', &valid);
        if (r < 0)
                return r;
        v.valid = valid;
        r = parse_as(reply, &v.diagnostics);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int ctl_bus_reload(sd_bus *bus, CtlValidation *ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = new_call(bus, &call, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, "Reload");
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, RELOAD_TIMEOUT_USEC, error, &reply);
        if (r < 0)
                return r;
        return read_validation(reply, ret);
}

int ctl_bus_validate(sd_bus *bus, char * const *names, char * const *contents, size_t n, CtlValidation *ret,
                     sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = new_call(bus, &call, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, "Validate");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = sd_bus_message_append(call, "(ss)", names[i], contents[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, RELOAD_TIMEOUT_USEC, error, &reply);
        if (r < 0)
                return r;
        return read_validation(reply, ret);
}

static int call_profile_method(sd_bus *bus, const char *method, const char *name, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = new_call(bus, &call, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_MANAGER_INTERFACE, method);
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "s", name);
        if (r < 0)
                return r;
        return sd_bus_call(bus, call, RELOAD_TIMEOUT_USEC, error, &reply);
}

int ctl_bus_start_profile(sd_bus *bus, const char *name, sd_bus_error *error) {
        return call_profile_method(bus, "StartProfile", name, error);
}

int ctl_bus_stop_profile(sd_bus *bus, const char *name, sd_bus_error *error) {
        return call_profile_method(bus, "StopProfile", name, error);
}

int ctl_bus_get_metrics(sd_bus *bus, char **ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *text;
        char *copy;
        int r;

        r = new_call(bus, &call, DAMOND_BUS_MANAGER_PATH, DAMOND_BUS_OBSERVE_INTERFACE, "GetMetrics");
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return r;
        copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

int ctl_bus_get_snapshots(sd_bus *bus, const char *name, AccessSnapshot **ret, size_t *ret_n, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_free_ char *path = NULL;
        AccessSnapshot *snaps = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_path_encode(DAMOND_BUS_PROFILE_PREFIX, name, &path);
        if (r < 0)
                return r;
        r = new_call(bus, &call, path, DAMOND_BUS_OBSERVE_INTERFACE, "GetSnapshots");
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ttta(ttuu))");
        while (r >= 0) {
                AccessSnapshot s = {};
                AccessSnapshot *t;
                size_t cap = 0;

                r = sd_bus_message_enter_container(reply, 'r', "ttta(ttuu)");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(reply, "ttt", &s.time_usec, &s.sample_us, &s.aggr_us);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ttuu)");
                while (r >= 0) {
                        AccessRegion g;

                        r = sd_bus_message_read(reply, "(ttuu)", &g.start, &g.end, &g.nr_accesses, &g.age);
                        if (r <= 0)
                                break;
                        if (s.n_regions == cap) {
                                AccessRegion *x = reallocarray(s.regions, cap ? cap * 2 : 64, sizeof(AccessRegion));

                                if (!x) {
                                        r = -ENOMEM;
                                        break;
                                }
                                s.regions = x;
                                cap = cap ? cap * 2 : 64;
                        }
                        s.regions[s.n_regions++] = g;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                t = r >= 0 ? reallocarray(snaps, n + 1, sizeof(AccessSnapshot)) : NULL;
                if (!t) {
                        access_snapshot_done(&s);
                        if (r >= 0)
                                r = -ENOMEM;
                        break;
                }
                snaps = t;
                snaps[n++] = s;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        access_snapshot_done(&snaps[i]);
                free(snaps);
                return r;
        }
        *ret = snaps;
        *ret_n = n;
        return 0;
}
