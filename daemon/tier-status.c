/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "tier-status.h"

static void add(uint64_t *sum, uint64_t v) {
        if (*sum == TUNE_UNKNOWN)
                *sum = 0;
        *sum = v > UINT64_MAX - 1 - *sum ? UINT64_MAX - 1 : *sum + v;
}

int tier_status_build(const CompiledProfile *c, const ProfileTuneStatus *tune, const MemInfo *node_mem,
                      TierStatus **ret) {
        const ProfileTiering *t = &c->tiering;
        const MemoryTopology *topo = t->topology;
        TierStatus *l;

        *ret = NULL;
        if (!topo || !t->automatic || topo->n_tiers == 0)
                return 0;
        l = calloc(topo->n_tiers, sizeof(*l));
        if (!l)
                return -ENOMEM;

        for (size_t i = 0; i < topo->n_tiers; i++) {
                const MemoryTier *mt = &topo->tiers[i];
                TierStatus *s = &l[i];

                *s = (TierStatus) { .id = mt->id, .promoted_in = TUNE_UNKNOWN, .promoted_out = TUNE_UNKNOWN,
                                    .demoted_in = TUNE_UNKNOWN, .demoted_out = TUNE_UNKNOWN, .free_bytes = TUNE_UNKNOWN, .total_bytes = TUNE_UNKNOWN };
                /* Only a tier with a slower one below it has memory demoted out of it, and so a goal that
                 * keeps its nodes' free memory; tiering.off means no scheme runs at all. */
                for (size_t n = mt->first; n < mt->first + mt->n_nodes && n < topo->n_nodes; n++) {
                        /* the goal counts above each node's promotion watermark: the tier's largest */
                        if (!t->off && i + 1 < topo->n_tiers && t->free_target_bp > 0)
                                s->free_target_bp = MAX(s->free_target_bp,
                                                        profile_tier_free_target(&topo->nodes[n],
                                                                                 t->free_target_bp));
                        s->nodes[s->n_nodes++] = topo->nodes[n].id;
                        if (!node_mem || node_mem[n].total == 0)
                                continue;
                        add(&s->free_bytes, node_mem[n].free);
                        add(&s->total_bytes, node_mem[n].total);
                }
        }

        /* t->schemes has one entry per spec scheme; the tuning loop's status too, once it runs. */
        for (size_t i = 0; t->schemes && tune && i < tune->n_schemes && i < c->spec.n_schemes; i++) {
                const ProfileTierScheme *ts = &t->schemes[i];
                const SchemeTuneStatus *st = &tune->schemes[i];

                uint64_t v = st->has_stats ? st->stats.sz_applied : 0;

                if (ts->from_tier >= topo->n_tiers || ts->to_tier >= topo->n_tiers)
                        continue;
                if (ts->role == PROFILE_TIER_PROMOTE) {
                        add(&l[ts->to_tier].promoted_in, v);
                        add(&l[ts->from_tier].promoted_out, v);
                } else if (ts->role == PROFILE_TIER_DEMOTE) {
                        add(&l[ts->to_tier].demoted_in, v);
                        add(&l[ts->from_tier].demoted_out, v);
                }
        }
        *ret = l;
        return (int) topo->n_tiers;
}
