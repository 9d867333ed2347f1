/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /org/damond1/profile/NAME, org.damond1.Profile (docs/dbus-api.md): one object per profile that damond
 * manages or that the last start-up or reload found (with errors too), served by a fallback vtable. The
 * getters look the profile up by the object path, so an object never outlives its profile.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-internal.h"
#include "log.h"
#include "units.h"
#include "meminfo.h"
#include "tier-status.h"

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int bus_profile_names(Manager *m, char ***ret) {
        const LoadRecord *l = manager_last_load(m);
        size_t n = 0, n_managed = manager_n_profiles(m), max = n_managed + l->n_profiles;
        char **names;

        names = calloc(max + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < max; i++) {
                const char *name = i < n_managed ? manager_profile(m, i)->name : l->profiles[i - n_managed].name;
                bool dup = false;

                for (size_t j = 0; j < n && !dup; j++)
                        dup = streq(names[j], name);
                if (dup)
                        continue;
                names[n] = strdup(name);
                if (!names[n]) {
                        strv_free(names);
                        return -ENOMEM;
                }
                n++;
        }
        qsort(names, n, sizeof(*names), name_cmp);
        *ret = names;
        return 0;
}

/* The profile of @path: *ret_p (managed, may be NULL) and *ret_info (as last loaded, may be NULL); at
 * least one of them is set on success. Returns 0 or -ENOENT. */
static int lookup(Manager *m, const char *path, ManagedProfile **ret_p, const ProfileInfo **ret_info) {
        _cleanup_free_ char *name = NULL;
        int r;

        r = sd_bus_path_decode(path, DAMOND_BUS_PROFILE_PREFIX, &name);
        if (r < 0)
                return r;
        if (r == 0 || isempty(name))
                return -ENOENT;
        *ret_p = manager_find_profile(m, name);
        *ret_info = manager_find_info(m, name);
        return *ret_p || *ret_info ? 0 : -ENOENT;
}

#define LOOKUP(m, path, p, info)                                        \
        do {                                                            \
                int _r = lookup((m), (path), &(p), &(info));            \
                if (_r < 0)                                             \
                        return _r;                                      \
        } while (0)

int bus_profile_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        if (lookup(m, path, &p, &info) < 0)
                return 0;
        *found = m;
        return 1;
}

int bus_profile_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
                          sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        char **names = NULL;
        int r;

        r = bus_profile_names(m, &names);
        if (r < 0)
                return r;
        for (size_t i = 0; names[i]; i++) {
                char *p;

                r = sd_bus_path_encode(DAMOND_BUS_PROFILE_PREFIX, names[i], &p);
                if (r < 0) {
                        strv_free(names);
                        return r;
                }
                free(names[i]);
                names[i] = p;
        }
        *ret_nodes = names;
        return 0;
}

/* A valid compiled version is at hand (not one adopted as it ran because its profile has errors). */
static bool has_compiled(const ManagedProfile *p) {
        return p && !isempty(p->fingerprint);
}

static bool is_running(const ManagedProfile *p) {
        return p && p->state == PROFILE_RUN_RUNNING;
}

static int get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return bus_append_safe(reply, p ? p->name : info->name);
}

static int get_description(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return bus_append_safe(reply, info ? info->description : NULL);
}

static int get_path(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return bus_append_safe(reply, info ? info->path : p->path);
}

static int get_files(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        char *one[2] = {};

        LOOKUP(m, path, p, info);
        if (info)
                return bus_append_safe_strv(reply, info->files);
        one[0] = p->path;
        return bus_append_safe_strv(reply, one);
}

static int get_enabled(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return sd_bus_message_append(reply, "b", (int) (info ? info->enabled : p->compiled.enabled));
}

static int get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        /* a profile with errors that never ran (or was removed since) failed to load */
        return sd_bus_message_append(reply, "s", p ? profile_run_state_to_string(p->state) : "failed");
}

static int get_state_reason(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        _cleanup_free_ char *s = NULL;
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        if (!p) {
                const char *e = bus_reader_is_root(bus, reply) ? info->first_error : info->first_error_public;

                if (asprintf(&s, "its profile has errors: %s", e ?: "see LastReloadErrors") < 0)
                        return -ENOMEM;
                return bus_append_safe(reply, s);
        }
        if (p->state == PROFILE_RUN_RUNNING)    /* a reason while running: a reload kept its previous version */
                return bus_append_safe(reply, p->reason ?: "");
        if (p->state == PROFILE_RUN_DISABLED)
                return bus_append_safe(reply, p->reason ?: "Enabled=no");
        return bus_append_safe(reply, p->reason);
}

static int get_operations(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        const char *ops = "";

        LOOKUP(m, path, p, info);
        if (p && p->has_applied)
                ops = damon_ops_to_string(p->applied.ops);
        else if (has_compiled(p))
                ops = damon_ops_to_string(p->compiled.spec.ops);
        return sd_bus_message_append(reply, "s", ops ?: "");
}


static int append_line(sd_bus_message *reply, const char *fmt, ...) _printf_(2, 3);
static int append_line(sd_bus_message *reply, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return bus_append_safe(reply, s);       /* a process's comm is whatever its owner set */
}

static int get_targets(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        const DamonSpec *spec = NULL;
        int r;

        LOOKUP(m, path, p, info);
        if (p && p->has_applied)
                spec = &p->applied;
        else if (has_compiled(p))
                spec = &p->compiled.spec;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        if (spec && spec->ops == DAMON_OPS_PADDR && p->compiled.regions_auto && !p->has_applied)
                r = append_line(reply, "every System RAM range (found when it starts)");
        for (size_t t = 0; r >= 0 && spec && t < spec->n_targets; t++) {
                const DamonTarget *tg = &spec->targets[t];

                if (spec->ops != DAMON_OPS_PADDR) {
                        char rel[64], comm[64] = "";

                        snprintf(rel, sizeof rel, "proc/%d/comm", (int) tg->pid);
                        if (root_read_head(manager_root(m), rel, comm, sizeof comm) > 0)
                                comm[strcspn(comm, "\n")] = '\0';
                        r = comm[0] == '\0' ? append_line(reply, "pid %d", (int) tg->pid)
                                          : append_line(reply, "pid %d (%s)", (int) tg->pid, comm);
                        continue;
                }
                for (size_t i = 0; r >= 0 && i < tg->n_regions; i++) {
                        const DamonRegion *g = &tg->regions[i];
                        char size[FORMAT_BYTES_MAX];

                        format_bytes(size, sizeof size, g->end - g->start);
                        r = append_line(reply, "%s 0x%" PRIx64 "-0x%" PRIx64 " (%s)",
                                        p->compiled.regions_auto ? "System RAM" : "region",
                                        g->start, g->end, size);
                }
        }
        for (size_t i = 0; r >= 0 && has_compiled(p) && p->compiled.process_names &&
                           p->compiled.process_names[i]; i++)
                r = append_line(reply, "processes named %s", p->compiled.process_names[i]);
        for (size_t i = 0; r >= 0 && has_compiled(p) && p->compiled.cgroups && p->compiled.cgroups[i]; i++)
                r = append_line(reply, "processes in cgroup %s", p->compiled.cgroups[i]);
        for (size_t i = 0; r >= 0 && has_compiled(p) && p->compiled.units && p->compiled.units[i]; i++) {
                const char *cg = manager_unit_cgroup(m, p->compiled.units[i]);

                r = cg ? append_line(reply, "processes of unit %s (cgroup %s)", p->compiled.units[i], cg)
                       : append_line(reply, "processes of unit %s (no cgroup now)", p->compiled.units[i]);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int get_kdamond(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return sd_bus_message_append(reply, "i", is_running(p) ? p->kdamond : -1);
}

static int get_kdamond_pid(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return sd_bus_message_append(reply, "i", is_running(p) ? (int) p->pid : -1);
}

static int get_running_since(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return sd_bus_message_append(reply, "t",
                                     is_running(p) ? manager_monotonic_to_realtime(p->running_since_usec) : 0);
}

static int get_restarts(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        return sd_bus_message_append(reply, "u", p ? p->n_restarts : 0);
}

/* A caller (not a comparison) reads a status value: the stats are read now if older than
 * StatusInterval= (manager_refresh_status()). */
static void refresh_for_caller(Manager *m, ManagedProfile *p) {
        Bus *b = manager_bus(m);

        if (!p || !b || b->comparing)
                return;
        (void) manager_refresh_status(m, p, manager_now_monotonic(), true);
}

static int get_applied_last_minute(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;

        LOOKUP(m, path, p, info);
        refresh_for_caller(m, p);
        return sd_bus_message_append(reply, "t", p && p->has_last_window ? p->applied_last_window : UINT64_MAX);
}

static int append_stats(Manager *m, sd_bus_message *reply, const SchemeTuneStatus *t) {
        const DamonFeatures *f = manager_features(m);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        if (t && t->has_stats) {
                const DamosSchemeStats *s = &t->stats;

                r = sd_bus_message_append(reply, "{st}{st}{st}{st}{st}", "nr_tried", s->nr_tried, "sz_tried",
                                          s->sz_tried, "nr_applied", s->nr_applied, "sz_applied",
                                          s->sz_applied, "qt_exceeds", s->qt_exceeds);
                if (r >= 0 && damon_features_has(f, DAMON_FEATURE_FILTER_ALLOW))
                        r = sd_bus_message_append(reply, "{st}", "sz_ops_filter_passed",
                                                  s->sz_ops_filter_passed);
                if (r >= 0 && damon_features_has(f, DAMON_FEATURE_SNAPSHOTS))
                        r = sd_bus_message_append(reply, "{st}", "nr_snapshots", s->nr_snapshots);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static const char *metric_name(int metric) {
        return profile_goal_metric_to_string(metric) ?: "";
}

/* The goals of scheme @i as compiled, before the tuning loop has a status for them: the kernel's goals,
 * a user_input goal shown as what damond feeds it, and what damond tunes itself without goals. */
static int append_compiled_goals(sd_bus_message *reply, const CompiledProfile *c, size_t i) {
        const DamosQuota *q = &c->spec.schemes[i].quota;
        int r = 0;

        for (size_t g = 0; r >= 0 && g < q->n_goals; g++) {
                const ProfileFeed *feed = NULL;

                for (size_t k = 0; k < c->n_feeds; k++)
                        if (c->feeds[k].scheme == i && c->feeds[k].goal == (ssize_t) g)
                                feed = &c->feeds[k];
                if (feed)
                        r = sd_bus_message_append(reply, "(sbttst)", metric_name(feed->metric), 1, feed->target,
                                                  UINT64_MAX, feed->cgroup ?: "", feed->node);
                else
                        r = sd_bus_message_append(reply, "(sbttst)", metric_name(q->goals[g].metric), 0,
                                                  q->goals[g].target_value, UINT64_MAX, q->goals[g].path ?: "",
                                                  (uint64_t) MAX(q->goals[g].nid, 0));
        }
        for (size_t k = 0; r >= 0 && k < c->n_feeds; k++)
                if (c->feeds[k].scheme == i && c->feeds[k].goal < 0)
                        r = sd_bus_message_append(reply, "(sbttst)", metric_name(c->feeds[k].metric), 1,
                                                  c->feeds[k].target, UINT64_MAX, c->feeds[k].cgroup ?: "",
                                                  c->feeds[k].node);
        return r;
}

/* The schemes Schemes and SchemeActivity list: the tuner's view once it exists, else the compiled spec's. */
static size_t schemes_count(const ManagedProfile *p) {
        if (p && p->tune.n_schemes > 0)
                return p->tune.n_schemes;
        return has_compiled(p) ? p->compiled.spec.n_schemes : 0;
}

static int get_schemes(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        size_t n;
        int r;

        LOOKUP(m, path, p, info);
        refresh_for_caller(m, p);
        n = schemes_count(p);

        r = sd_bus_message_open_container(reply, 'a', "(ssa{st}tttsa(sbttst)ts)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const SchemeTuneStatus *t = p->tune.n_schemes > 0 ? &p->tune.schemes[i] : NULL;
                const char *name = t ? t->name : p->compiled.scheme_names ? p->compiled.scheme_names[i] : NULL;
                int action = t ? t->action : (int) p->compiled.spec.schemes[i].action;

                r = sd_bus_message_open_container(reply, 'r', "ssa{st}tttsa(sbttst)ts");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ss", name ?: "", damos_action_to_string(action) ?: "");
                if (r >= 0)
                        r = append_stats(m, reply, t);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ttts",
                                                  t ? t->quota_size : p->compiled.spec.schemes[i].quota.bytes,
                                                  t ? t->quota_applied : 0,
                                                  t ? t->effective_quota : UINT64_MAX,
                                                  tune_state_to_string(t ? t->state : TUNE_STATE_NONE) ?: "none");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "(sbttst)");
                if (r >= 0 && t)
                        for (size_t g = 0; r >= 0 && g < t->n_goals; g++) {
                                const GoalStatus *gs = &t->goals[g];

                                r = sd_bus_message_append(reply, "(sbttst)", metric_name(gs->metric),
                                                          (int) gs->fed_by_damond, gs->target, gs->current,
                                                          gs->cgroup ?: "", gs->node);
                        }
                else if (r >= 0 && i < p->compiled.spec.n_schemes)
                        r = append_compiled_goals(reply, &p->compiled, i);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ts", t ? t->last_decision_usec : 0,
                                                  t && t->last_decision ? t->last_decision : "");
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* Per scheme, in the order of Schemes: why it acts or idles and what would wake it (tune-status.h). */
static int get_scheme_activity(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        size_t n;
        int r;

        LOOKUP(m, path, p, info);
        refresh_for_caller(m, p);
        n = schemes_count(p);
        r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const SchemeTuneStatus *t = p->tune.n_schemes > 0 ? &p->tune.schemes[i] : NULL;

                r = sd_bus_message_append(reply, "s", t && t->activity ? t->activity : "");
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* Nodes=auto: per memory tier its nodes, what was promoted into it and demoted out of it, and its free
 * memory now (read from the nodes' meminfo on each call: a few small sysfs files). */
static int get_tiers(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        _cleanup_free_ TierStatus *tiers = NULL;
        MemInfo mem[MEMORY_NODES_MAX] = {};
        const MemoryTopology *topo;
        ManagedProfile *p;
        const ProfileInfo *info;
        int n = 0, r;

        LOOKUP(m, path, p, info);
        refresh_for_caller(m, p);
        topo = has_compiled(p) ? p->compiled.tiering.topology : NULL;
        if (topo) {
                for (size_t i = 0; i < topo->n_nodes && i < MEMORY_NODES_MAX; i++)
                        if (meminfo_read_node(manager_root(m), topo->nodes[i].id, &mem[i]) < 0)
                                mem[i] = (MemInfo) {};
                n = tier_status_build(&p->compiled, &p->tune, mem, &tiers);
                if (n < 0)
                        return n;
        }

        r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (int i = 0; r >= 0 && i < n; i++) {
                const TierStatus *t = &tiers[i];
                const struct { const char *key; uint64_t v; } opt[] = {
                        { "PromotedInBytes", t->promoted_in },
                        { "PromotedOutBytes", t->promoted_out },
                        { "DemotedInBytes", t->demoted_in },
                        { "DemotedOutBytes", t->demoted_out },
                        { "FreeBytes", t->free_bytes },
                        { "TotalBytes", t->total_bytes },
                };

                r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{sv}", "Tier", "u", t->id);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", "Nodes");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "au");
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'u', t->nodes, t->n_nodes * sizeof(t->nodes[0]));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                /* a value that is not known is left out, so that a reader never mistakes it for a count */
                for (size_t k = 0; r >= 0 && k < ELEMENTSOF(opt); k++)
                        if (opt[k].v != TUNE_UNKNOWN)
                                r = sd_bus_message_append(reply, "{sv}", opt[k].key, "t", opt[k].v);
                if (r >= 0 && t->free_target_bp > 0)
                        r = sd_bus_message_append(reply, "{sv}", "FreeTarget", "t", t->free_target_bp);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* Pressure, a{sv}: a key whose value is not known is left out; nothing guards the profile: no keys. */
static int get_pressure(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p;
        const ProfileInfo *info;
        int r;

        LOOKUP(m, path, p, info);
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0 && p && p->tune.has_pressure) {
                const PressureStatus *s = &p->tune.pressure;
                const struct { const char *key; uint64_t v; } opt[] = {
                        { "WindowStallUSec", s->window_stall_usec },
                        { "WindowUSec", s->window_usec },
                        { "CeilingUSec", s->ceiling_usec },
                        { "TaskDelayUSec", s->task_delay_usec },
                };

                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", "Source");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "s");
                if (r >= 0)
                        r = bus_append_safe(reply, s->source);  /* a cgroup path: whatever its creator named it */
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{sv}{sv}", "SomeAvg10", "u", s->some_avg10,
                                                  "FullAvg10", "u", s->full_avg10);
                for (size_t k = 0; r >= 0 && k < ELEMENTSOF(opt); k++)
                        if (opt[k].v != UINT64_MAX)
                                r = sd_bus_message_append(reply, "{sv}", opt[k].key, "t", opt[k].v);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

#define CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

const sd_bus_vtable bus_profile_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Description", "s", get_description, 0, CHANGE),
        SD_BUS_PROPERTY("Path", "s", get_path, 0, CHANGE),
        SD_BUS_PROPERTY("Files", "as", get_files, 0, CHANGE),
        SD_BUS_PROPERTY("Enabled", "b", get_enabled, 0, CHANGE),
        SD_BUS_PROPERTY("State", "s", get_state, 0, CHANGE),
        SD_BUS_PROPERTY("StateReason", "s", get_state_reason, 0, CHANGE),
        SD_BUS_PROPERTY("Operations", "s", get_operations, 0, CHANGE),
        SD_BUS_PROPERTY("Targets", "as", get_targets, 0, CHANGE),
        SD_BUS_PROPERTY("Kdamond", "i", get_kdamond, 0, CHANGE),
        SD_BUS_PROPERTY("KdamondPid", "i", get_kdamond_pid, 0, CHANGE),
        SD_BUS_PROPERTY("RunningSince", "t", get_running_since, 0, CHANGE),
        SD_BUS_PROPERTY("Restarts", "u", get_restarts, 0, CHANGE),
        SD_BUS_PROPERTY("AppliedLastMinute", "t", get_applied_last_minute, 0, CHANGE),
        SD_BUS_PROPERTY("Schemes", "a(ssa{st}tttsa(sbttst)ts)", get_schemes, 0, CHANGE),
        SD_BUS_PROPERTY("SchemeActivity", "as", get_scheme_activity, 0, CHANGE),
        SD_BUS_PROPERTY("Pressure", "a{sv}", get_pressure, 0, CHANGE),
        SD_BUS_PROPERTY("Tiers", "aa{sv}", get_tiers, 0, 0),
        SD_BUS_VTABLE_END,
};

#define LOADED MANAGER_CHANGE_LOADED
#define RUN (MANAGER_CHANGE_LOADED | MANAGER_CHANGE_RUN)
#define STATUS MANAGER_CHANGE_STATUS

const BusTracked bus_profile_tracked[] = {
        { "Description", get_description, LOADED },
        { "Path", get_path, LOADED },
        { "Files", get_files, LOADED },
        { "Enabled", get_enabled, LOADED },
        { "State", get_state, RUN },
        { "StateReason", get_state_reason, RUN },
        { "Operations", get_operations, RUN },
        { "Targets", get_targets, RUN },
        { "Kdamond", get_kdamond, RUN },
        { "KdamondPid", get_kdamond_pid, RUN },
        { "RunningSince", get_running_since, RUN },
        { "Restarts", get_restarts, RUN },
        { "AppliedLastMinute", get_applied_last_minute, STATUS },
        { "Schemes", get_schemes, STATUS },
        { "Pressure", get_pressure, STATUS },
};
const size_t bus_profile_n_tracked = ELEMENTSOF(bus_profile_tracked);
