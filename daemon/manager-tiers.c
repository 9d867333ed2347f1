/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's memory tiers, for profiles with Nodes=auto: read before every compile (start-up, reload),
 * and checked every MANAGER_TIERS_CHECK_USEC while such a profile is loaded: when the tiers, their nodes
 * or the nodes' memory blocks change (memory hot-plug, a dax device turned into system RAM or back), the
 * configuration is reloaded, which recompiles those profiles and commits the difference to their running
 * kdamonds; profiles whose compiled form did not change are not touched.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "manager-internal.h"
#include "manager-tiers.h"
#include "message-ids.h"

static void describe(const MemoryTopology *t, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; t && i < t->n_tiers; i++) {
                char nodes[PROFILE_TIER_NODES_MAX];
                int n;

                memory_tier_nodes_string(t, i, nodes, sizeof(nodes));
                n = snprintf(buf + used, size - used, "%stier %u: nodes %s", i > 0 ? "; " : "", t->tiers[i].id,
                             nodes);
                if (n < 0 || (size_t) n >= size - used)
                        return;
                used += (size_t) n;
        }
        if (!t)
                snprintf(buf, size, "not readable");
}

int manager_tiers_read(Manager *m) {
        _cleanup_free_ MemoryTopology *t = NULL;
        int r;

        assert(m);

        t = calloc(1, sizeof(*t));
        if (!t)
                return log_oom();
        r = memory_topology_read(m->root, t);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                /* profiles with Nodes=auto are refused (and say so); the others do not care */
                log_full_errno(m->tiers_failed ? LOG_DEBUG : LOG_WARNING, r,
                               "Failed to read the memory tiers below %s: %m", m->root->path ?: "/");
                m->tiers_failed = true;
                m->tiers = mfree(m->tiers);
                return 0;
        }
        m->tiers_failed = false;
        if (!m->tiers || !memory_topology_same_layout(m->tiers, t)) {
                char what[256];

                describe(t, what, sizeof(what));
                log_info("Memory tiers: %s%s.", what,
                         t->from_kernel ? "" : " (the kernel shows no memory tiers: every node counts as one)");
        }
        free(m->tiers);
        m->tiers = TAKE_PTR(t);
        return 0;
}

static bool tiers_followed(const Manager *m) {
        for (size_t i = 0; i < m->n_profiles; i++)
                if (m->profiles[i]->compiled.tiering.automatic)
                        return true;
        return false;
}

int manager_tiers_check(Manager *m, uint64_t now_usec) {
        _cleanup_free_ MemoryTopology *t = NULL;
        char before[256], after[256];
        int r;

        assert(m);

        if (now_usec < m->tiers_next_check_usec || !tiers_followed(m))
                return 0;
        m->tiers_next_check_usec = now_usec + MANAGER_TIERS_CHECK_USEC;

        t = calloc(1, sizeof(*t));
        if (!t)
                return log_oom();
        r = memory_topology_read(m->root, t);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_debug_errno(r, "Failed to read the memory tiers, ignoring: %m");
                return 0;
        }
        if (m->tiers && memory_topology_same_layout(m->tiers, t))
                return 0;

        describe(m->tiers, before, sizeof(before));
        describe(t, after, sizeof(after));
        log_struct(LOG_NOTICE, 0, LOG_FIELDS(.message_id = DAMOND_MESSAGE_TIERS_CHANGED),
                   "The memory tiers changed (%s; were %s): recompiling the profiles that follow them.", after,
                   before);
        r = manager_reload(m, now_usec);
        if (r >= 0)
                (void) manager_follow_setup(m);
        return r;
}
