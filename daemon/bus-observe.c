/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /org/damond1/profile/NAME, org.damond1.Observe (docs/dbus-api.md): what DAMON sees and what damond
 * saved, from daemon/observe.h. The values change with every snapshot and sample, so they are read when
 * needed and never announced with PropertiesChanged.
 */
#include <errno.h>
#include <string.h>

#include "bus-internal.h"
#include "metrics.h"
#include "observe.h"

static ManagedProfile *lookup(Manager *m, const char *path) {
        _cleanup_free_ char *name = NULL;

        if (sd_bus_path_decode(path, DAMOND_BUS_PROFILE_PREFIX, &name) <= 0 || isempty(name))
                return NULL;
        return manager_find_profile(m, name);
}

static int get_access(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p = lookup(m, path);
        ObserveAccess a = {};
        int r;

        if (!p || profile_observe_access(p, &a) < 0)
                a = (ObserveAccess) {};
        r = sd_bus_message_open_container(reply, 'r', "tttttat");
        if (r >= 0)
                r = sd_bus_message_append(reply, "ttttt", a.time_usec, a.wss_bytes, a.wss_window_usec,
                                          a.total_bytes, (uint64_t) a.n_regions);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 't', a.time_usec ? a.idle_usec : NULL,
                                                a.time_usec ? sizeof(a.idle_usec) : 0);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int get_snapshots(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p = lookup(m, path);
        const ProfileObserve *o = p ? p->observe : NULL;

        if (!o)
                return sd_bus_message_append(reply, "(ttttts)", UINT64_C(0), UINT64_C(0), UINT64_C(0),
                                             UINT64_C(0), UINT64_C(0), p ? "not running" : "");
        return sd_bus_message_append(reply, "(ttttts)", o->n_snapshots, o->n_failed,
                                     (uint64_t) access_ring_size(&o->ring), (uint64_t) o->ring.bytes,
                                     (uint64_t) o->ring.max_bytes, o->unavailable ?: "");
}

static int append_delta(sd_bus_message *reply, const char *period, const SavingsDelta *d) {
        int r;

        r = sd_bus_message_open_container(reply, 'r', "sta(st)ttttttx");
        if (r >= 0)
                r = sd_bus_message_append(reply, "st", period, d->duration_usec);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(st)");
        for (SavingsAction a = 0; r >= 0 && a < _SAVINGS_ACTION_MAX; a++)
                r = sd_bus_message_append(reply, "(st)", savings_action_to_string(a), d->applied_bytes[a]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ttttttx",
                                          d->has_refaults ? d->refault_bytes : UINT64_MAX,
                                          d->has_swapins ? d->swapin_bytes : UINT64_MAX,
                                          d->has_swapouts ? d->swapout_bytes : UINT64_MAX,
                                          d->has_cpu ? d->kdamond_cpu_usec : UINT64_MAX,
                                          d->has_cpu ? d->cpu_permyriad : UINT64_MAX,
                                          d->has_stall ? d->stall_usec : UINT64_MAX,
                                          d->has_resident ? d->resident_change_bytes : INT64_MIN);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int get_savings(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p = lookup(m, path);
        const ProfileObserve *o = p ? p->observe : NULL;
        SavingsDelta d;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sta(st)ttttttx)");
        if (r >= 0 && o && savings_history_since_start(&o->savings, &d) >= 0)
                r = append_delta(reply, "start", &d);
        if (r >= 0 && o && savings_history_window(&o->savings, 60 * USEC_PER_SEC, &d) >= 0)
                r = append_delta(reply, "minute", &d);
        if (r >= 0 && o && savings_history_window(&o->savings, 3600 * USEC_PER_SEC, &d) >= 0)
                r = append_delta(reply, "hour", &d);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int get_memory(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        ManagedProfile *p = lookup(m, path);
        const ProfileObserve *o = p ? p->observe : NULL;
        const SavingsSample *now, *first;

        if (!o || !o->savings.has_first)
                return sd_bus_message_append(reply, "(stttt)", "", UINT64_MAX, UINT64_MAX, UINT64_MAX,
                                             UINT64_MAX);
        now = &o->savings.latest;
        first = &o->savings.first;
        return sd_bus_message_append(reply, "(stttt)", o->cgroup ?: "",
                                     now->has_resident ? now->resident_bytes : UINT64_MAX,
                                     first->has_resident ? first->resident_bytes : UINT64_MAX,
                                     now->has_swap ? now->swap_bytes : UINT64_MAX,
                                     now->has_compressed ? now->compressed_bytes : UINT64_MAX);
}

static int method_get_snapshots(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ASSERT_PTR(userdata);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ManagedProfile *p = lookup(m, sd_bus_message_get_path(msg));
        const ProfileObserve *o = p ? p->observe : NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ttta(ttuu))");
        for (size_t i = 0; r >= 0 && o && i < access_ring_size(&o->ring); i++) {
                const AccessSnapshot *s = access_ring_get(&o->ring, i);

                r = sd_bus_message_open_container(reply, 'r', "ttta(ttuu)");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ttt", s->time_usec, s->sample_us, s->aggr_us);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "(ttuu)");
                for (size_t j = 0; r >= 0 && j < s->n_regions; j++)
                        r = sd_bus_message_append(reply, "(ttuu)", s->regions[j].start, s->regions[j].end,
                                                  s->regions[j].nr_accesses, s->regions[j].age);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* On /org/damond1: the metrics of every profile and of damond, as `damonctl metrics` prints them. */
static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        Manager *m = ASSERT_PTR(userdata);
        int r;

        /* the schemes' counters at most StatusInterval= old, as the Profile properties give them */
        for (size_t i = 0; i < manager_n_profiles(m); i++)
                (void) manager_refresh_status(m, manager_profile(m, i), manager_now_monotonic(), true);
        r = manager_metrics_to_string(m, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

const sd_bus_vtable bus_observe_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetMetrics", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", text), method_get_metrics,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

const sd_bus_vtable bus_observe_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Access", "(tttttat)", get_access, 0, 0),
        SD_BUS_PROPERTY("Snapshots", "(ttttts)", get_snapshots, 0, 0),
        SD_BUS_PROPERTY("Savings", "a(sta(st)ttttttx)", get_savings, 0, 0),
        SD_BUS_PROPERTY("Memory", "(stttt)", get_memory, 0, 0),
        SD_BUS_METHOD("GetSnapshots", "", "a(ttta(ttuu))", method_get_snapshots, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};
