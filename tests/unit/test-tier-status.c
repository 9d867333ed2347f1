/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Tiers status of a Nodes=auto profile (daemon/tier-status.h): per tier, the bytes its migration
 * schemes moved in and out and its free memory, on the three-tier fixture of tests/fixtures/tiers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier-status.h"
#include "test-util.h"

#define MIB (UINT64_C(1) << 20)

static MemoryTopology *topo;

static void setup(void) {
        _cleanup_(root_freep) Root *root = NULL;
        const char *data = getenv("DAMOND_TEST_DATA");
        char path[4096];

        ck_assert_ptr_nonnull(data);
        snprintf(path, sizeof(path), "%s/tiers/three-tiers", data);
        ck_assert_ok(root_open(path, &root));
        topo = calloc(1, sizeof(*topo));
        ck_assert_ptr_nonnull(topo);
        ck_assert_ok(memory_topology_read(root, topo));
        /* nodes 0,1 in tier 4; 2,3 in tier 9; 4 in tier 22 */
        ck_assert_uint_eq(topo->n_tiers, 3);
}

static void teardown(void) {
        free(topo);
        topo = NULL;
}

/* A compiled profile whose schemes are @roles (from_tier, to_tier per scheme), as Nodes=auto expands
 * them, and the tuning loop's status with sz_applied @applied per scheme (UINT64_MAX: not read). */
static void make(CompiledProfile *c, ProfileTuneStatus *tune, const ProfileTierScheme *roles,
                 const uint64_t *applied, size_t n) {
        *c = (CompiledProfile) {};
        c->tiering.automatic = true;
        c->tiering.topology = topo;
        c->tiering.free_target_bp = 200;
        c->tiering.schemes = (ProfileTierScheme *) roles;
        c->spec.n_schemes = n;
        *tune = (ProfileTuneStatus) {};
        tune->schemes = calloc(n, sizeof(SchemeTuneStatus));
        ck_assert_ptr_nonnull(tune->schemes);
        tune->n_schemes = n;
        for (size_t i = 0; i < n; i++) {
                tune->schemes[i].has_stats = applied[i] != UINT64_MAX;
                tune->schemes[i].stats.sz_applied = applied[i] == UINT64_MAX ? 0 : applied[i];
        }
}

START_TEST(test_flows) {
        /* promote 9>4 twice (nodes 2>0, 3>1), demote 4>9, promote 22>9, demote 9>22, and a plain scheme */
        static const ProfileTierScheme roles[] = {
                { PROFILE_TIER_PROMOTE, 2, 0, 1, 0 },
                { PROFILE_TIER_PROMOTE, 3, 1, 1, 0 },
                { PROFILE_TIER_DEMOTE, 0, 2, 0, 1 },
                { PROFILE_TIER_PROMOTE, 4, 2, 2, 1 },
                { PROFILE_TIER_DEMOTE, 2, 4, 1, 2 },
                { PROFILE_TIER_NONE, 0, 0, 0, 0 },
        };
        static const uint64_t applied[] = { 10 * MIB, 5 * MIB, 300 * MIB, 1 * MIB, 40 * MIB, 999 * MIB };
        MemInfo mem[MEMORY_NODES_MAX] = {};
        _cleanup_free_ TierStatus *l = NULL;
        ProfileTuneStatus tune;
        CompiledProfile c;

        for (size_t i = 0; i < topo->n_nodes; i++)
                mem[i] = (MemInfo) { .total = 1000 * MIB, .free = (i + 1) * 10 * MIB };
        make(&c, &tune, roles, applied, ELEMENTSOF(roles));
        ck_assert_int_eq(tier_status_build(&c, &tune, mem, &l), 3);

        ck_assert_uint_eq(l[0].id, 4);
        ck_assert_uint_eq(l[0].n_nodes, 2);
        ck_assert_uint_eq(l[0].nodes[0], 0);
        ck_assert_uint_eq(l[0].nodes[1], 1);
        ck_assert_uint_eq(l[0].promoted_in, 15 * MIB);
        ck_assert_uint_eq(l[0].demoted_out, 300 * MIB);
        ck_assert_uint_eq(l[0].promoted_out, TUNE_UNKNOWN);
        ck_assert_uint_eq(l[0].demoted_in, TUNE_UNKNOWN);
        ck_assert_uint_eq(l[0].free_bytes, 30 * MIB);
        ck_assert_uint_eq(l[0].total_bytes, 2000 * MIB);
        ck_assert_uint_eq(l[0].free_target_bp, 200);

        /* the middle tier has all four flows, and a target since it demotes further */
        ck_assert_uint_eq(l[1].id, 9);
        ck_assert_uint_eq(l[1].promoted_out, 15 * MIB);
        ck_assert_uint_eq(l[1].demoted_in, 300 * MIB);
        ck_assert_uint_eq(l[1].promoted_in, 1 * MIB);
        ck_assert_uint_eq(l[1].demoted_out, 40 * MIB);
        ck_assert_uint_eq(l[1].free_target_bp, 200);

        /* the slowest tier demotes nothing: no target */
        ck_assert_uint_eq(l[2].id, 22);
        ck_assert_uint_eq(l[2].n_nodes, 1);
        ck_assert_uint_eq(l[2].nodes[0], 4);
        ck_assert_uint_eq(l[2].promoted_out, 1 * MIB);
        ck_assert_uint_eq(l[2].demoted_in, 40 * MIB);
        ck_assert_uint_eq(l[2].free_target_bp, 0);
        ck_assert_uint_eq(l[2].free_bytes, 50 * MIB);
        free(tune.schemes);
}
END_TEST

/* Before the first status read: the flows are 0, not unknown, where a scheme exists; a node whose
 * meminfo could not be read leaves its tier's memory unknown rather than undercounted. */
START_TEST(test_not_read_yet) {
        static const ProfileTierScheme roles[] = {
                { PROFILE_TIER_PROMOTE, 4, 2, 2, 1 },
        };
        static const uint64_t applied[] = { UINT64_MAX };
        _cleanup_free_ TierStatus *l = NULL;
        ProfileTuneStatus tune;
        CompiledProfile c;

        make(&c, &tune, roles, applied, ELEMENTSOF(roles));
        ck_assert_int_eq(tier_status_build(&c, &tune, NULL, &l), 3);
        ck_assert_uint_eq(l[1].promoted_in, 0);
        ck_assert_uint_eq(l[2].promoted_out, 0);
        ck_assert_uint_eq(l[0].promoted_in, TUNE_UNKNOWN);
        ck_assert_uint_eq(l[0].free_bytes, TUNE_UNKNOWN);
        free(tune.schemes);
}
END_TEST

/* Tiering off (one tier, no migration actions): the tiers are shown, with no target anywhere; a profile
 * without Nodes=auto has no tiers at all. */
START_TEST(test_off_and_manual) {
        _cleanup_free_ TierStatus *l = NULL;
        ProfileTuneStatus tune;
        CompiledProfile c;

        make(&c, &tune, NULL, NULL, 0);
        c.tiering.off = (char *) "the kernel lacks migrate_hot";
        ck_assert_int_eq(tier_status_build(&c, &tune, NULL, &l), 3);
        for (size_t i = 0; i < 3; i++)
                ck_assert_uint_eq(l[i].free_target_bp, 0);
        free(l);
        l = NULL;

        c.tiering.automatic = false;
        ck_assert_int_eq(tier_status_build(&c, &tune, NULL, &l), 0);
        ck_assert_ptr_null(l);
        free(tune.schemes);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("tier-status");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_flows);
        tcase_add_test(tc, test_not_read_yet);
        tcase_add_test(tc, test_off_and_manual);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
