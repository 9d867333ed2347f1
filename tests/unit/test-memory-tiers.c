/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory tiers, their nodes, distances and address ranges, from the fixture trees of
 * tests/fixtures/tiers (see each one's README) and from hostile files in a fake root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "memory-tiers.h"
#include "test-util.h"

#define GIB (UINT64_C(1) << 30)

static MemoryTopology *t;
static FakeKernel *k;

static void setup(void) {
        t = calloc(1, sizeof(*t));
        ck_assert_ptr_nonnull(t);
        ck_assert_ok(fake_kernel_new(FAKE_GEN_6_12, false, &k));
}

static void teardown(void) {
        free(t);
        k = fake_kernel_free(k);
}

static int read_fixture(const char *name, MemoryTopology *ret) {
        _cleanup_(root_freep) Root *root = NULL;
        const char *data = getenv("DAMOND_TEST_DATA");
        char path[4096];
        int r;

        ck_assert_ptr_nonnull(data);
        snprintf(path, sizeof(path), "%s/tiers/%s", data, name);
        r = root_open(path, &root);
        ck_assert_ok(r);
        return memory_topology_read(root, ret);
}

static const MemoryNode *node(const MemoryTopology *top, unsigned id) {
        int i = memory_topology_node_index(top, id);

        ck_assert_int_ge(i, 0);
        return &top->nodes[i];
}

START_TEST(test_one_tier) {
        const MemoryNode *n;
        char buf[32];

        ck_assert_ok(read_fixture("one-tier", t));
        ck_assert(t->from_kernel);
        ck_assert_uint_eq(t->n_tiers, 1);
        ck_assert_uint_eq(t->tiers[0].id, 4);
        ck_assert_uint_eq(t->n_nodes, 1);
        n = node(t, 0);
        ck_assert(n->has_cpu);
        ck_assert_uint_eq(n->total, 6 * GIB);
        ck_assert_uint_eq(n->free, 1024 * 1024 * UINT64_C(1024));
        /* blocks 0-1 and 4-7: the hole below 4 GiB stays a hole */
        ck_assert_uint_eq(n->n_ranges, 2);
        ck_assert_uint_eq(n->ranges[0].start, 0);
        ck_assert_uint_eq(n->ranges[0].end, 2 * GIB);
        ck_assert_uint_eq(n->ranges[1].start, 4 * GIB);
        ck_assert_uint_eq(n->ranges[1].end, 8 * GIB);
        ck_assert(!n->spanned);
        ck_assert_uint_eq(t->distance[0][0], 10);
        memory_tier_nodes_string(t, 0, buf, sizeof(buf));
        ck_assert_str_eq(buf, "0");
}
END_TEST

START_TEST(test_two_tiers) {
        const MemoryNode *slow;

        ck_assert_ok(read_fixture("two-tiers", t));
        ck_assert_uint_eq(t->n_tiers, 2);
        ck_assert_uint_eq(t->tiers[0].id, 4);
        ck_assert_uint_eq(t->tiers[1].id, 22);
        ck_assert_uint_eq(t->tiers[1].n_nodes, 1);
        slow = node(t, 1);
        ck_assert(!slow->has_cpu);
        ck_assert(node(t, 0)->has_cpu);
        ck_assert_uint_eq(slow->tier, 1);
        ck_assert_uint_eq(slow->n_ranges, 1);
        ck_assert_uint_eq(slow->ranges[0].start, 8 * GIB);
        ck_assert_uint_eq(slow->ranges[0].end, 12 * GIB);
        ck_assert_uint_eq(t->distance[0][1], 28);
        ck_assert_uint_eq(t->distance[1][0], 28);
        ck_assert_int_eq(memory_topology_nearest(t, 0, 1), 1);
        ck_assert_int_eq(memory_topology_nearest(t, 1, 0), 0);
        ck_assert_int_eq(memory_topology_nearest(t, 0, 2), -ENOENT);
}
END_TEST

/* A CPU-less node the kernel keeps in the DRAM tier is not a slow tier: damond follows the kernel. */
START_TEST(test_cpuless_far) {
        char buf[32];

        ck_assert_ok(read_fixture("cpuless-far", t));
        ck_assert_uint_eq(t->n_tiers, 1);
        ck_assert_uint_eq(t->n_nodes, 3);
        ck_assert(!node(t, 2)->has_cpu);
        ck_assert(node(t, 1)->has_cpu);
        ck_assert_uint_eq(t->distance[0][2], 30);
        ck_assert_uint_eq(t->distance[0][1], 21);
        memory_tier_nodes_string(t, 0, buf, sizeof(buf));
        ck_assert_str_eq(buf, "0-2");
}
END_TEST

START_TEST(test_three_tiers) {
        char buf[32];

        ck_assert_ok(read_fixture("three-tiers", t));
        ck_assert_uint_eq(t->n_tiers, 3);
        ck_assert_uint_eq(t->tiers[0].id, 4);
        ck_assert_uint_eq(t->tiers[1].id, 9);
        ck_assert_uint_eq(t->tiers[2].id, 22);
        ck_assert_uint_eq(t->n_nodes, 5);
        memory_tier_nodes_string(t, 0, buf, sizeof(buf));
        ck_assert_str_eq(buf, "0-1");
        memory_tier_nodes_string(t, 1, buf, sizeof(buf));
        ck_assert_str_eq(buf, "2-3");
        /* each socket's expander is the nearer one */
        ck_assert_uint_eq(t->nodes[memory_topology_nearest(t, node(t, 0) - t->nodes, 1)].id, 2);
        ck_assert_uint_eq(t->nodes[memory_topology_nearest(t, node(t, 1) - t->nodes, 1)].id, 3);
        ck_assert_uint_eq(t->nodes[memory_topology_nearest(t, node(t, 3) - t->nodes, 0)].id, 1);
        ck_assert_uint_eq(t->nodes[memory_topology_nearest(t, node(t, 2) - t->nodes, 2)].id, 4);
        ck_assert_uint_eq(node(t, 4)->tier, 2);
        ck_assert_uint_eq(node(t, 4)->ranges[0].start, 16 * GIB);
}
END_TEST

START_TEST(test_same_layout) {
        MemoryTopology *u = calloc(1, sizeof(*u));

        ck_assert_ptr_nonnull(u);
        ck_assert_ok(read_fixture("two-tiers", t));
        ck_assert_ok(read_fixture("two-tiers", u));
        ck_assert(memory_topology_same_layout(t, u));
        u->nodes[1].free /= 2;                  /* free memory changes all the time */
        ck_assert(memory_topology_same_layout(t, u));
        u->nodes[1].ranges[0].end += GIB;       /* hot-plug */
        ck_assert(!memory_topology_same_layout(t, u));
        ck_assert_ok(read_fixture("one-tier", u));
        ck_assert(!memory_topology_same_layout(t, u));
        free(u);
}
END_TEST

/* A fake root with two nodes; @tier1 names node 1's tier directory, NULL for none. */
static void write_two_nodes(const char *tier1) {
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/online", "0-1\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/has_cpu", "0\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node0/meminfo",
                                            "Node 0 MemTotal: 1048576 kB\nNode 0 MemFree: 4 kB\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/meminfo",
                                            "Node 1 MemTotal: 2097152 kB\nNode 1 MemFree: 8 kB\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node0/distance", "10 20\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/distance", "20 10\n"));
        if (tier1) {
                char p[128];

                ck_assert_ok(fake_kernel_write_file(k, "sys/devices/virtual/memory_tiering/memory_tier4/nodelist",
                                                    "0\n"));
                snprintf(p, sizeof(p), "sys/devices/virtual/memory_tiering/%s/nodelist", tier1);
                ck_assert_ok(fake_kernel_write_file(k, p, "1\n"));
        }
}

START_TEST(test_without_sysfs_tiers) {
        write_two_nodes(NULL);
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert(!t->from_kernel);
        ck_assert_uint_eq(t->n_tiers, 1);
        ck_assert_uint_eq(t->n_nodes, 2);
        ck_assert(!node(t, 1)->has_cpu);
        /* no memory blocks in sysfs: no ranges, not an error */
        ck_assert_uint_eq(node(t, 1)->n_ranges, 0);
        ck_assert_uint_eq(node(t, 1)->total, 2 * GIB);
}
END_TEST

START_TEST(test_without_numa) {
        ck_assert_ok(fake_kernel_write_file(k, "proc/meminfo",
                                            "MemTotal: 4194304 kB\nMemFree: 1024 kB\nMemAvailable: 2048 kB\n"));
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert_uint_eq(t->n_tiers, 1);
        ck_assert_uint_eq(t->n_nodes, 1);
        ck_assert_uint_eq(t->nodes[0].id, 0);
        ck_assert_uint_eq(t->nodes[0].total, 4 * GIB);
}
END_TEST

START_TEST(test_hostile) {
        /* names that are not tiers are ignored */
        write_two_nodes("memory_tier022");
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert_uint_eq(t->n_tiers, 1);
        ck_assert_uint_eq(t->n_nodes, 1);     /* node 1 is in no tier: left out */

        write_two_nodes("memory_tier22");
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert_uint_eq(t->n_tiers, 2);

        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/virtual/memory_tiering/memory_tier22/nodelist", "1-x\n"));
        ck_assert_int_eq(memory_topology_read(fake_kernel_root(k), t), -EINVAL);
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/virtual/memory_tiering/memory_tier22/nodelist", "1\n"));

        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/distance", "20\n"));
        ck_assert_int_eq(memory_topology_read(fake_kernel_root(k), t), -EINVAL);
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/distance", "20 10\n"));

        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/memory/block_size_bytes", "3000000\n"));
        ck_assert_int_eq(memory_topology_read(fake_kernel_root(k), t), -EINVAL);
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/memory/block_size_bytes", "8000000\n"));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/memory40/uevent", ""));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/memory41/uevent", ""));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/memory43/uevent", ""));
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/node/node1/memory_failure/x", ""));
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert_uint_eq(node(t, 1)->n_ranges, 2);
        ck_assert_uint_eq(node(t, 1)->ranges[0].start, 40 * UINT64_C(0x8000000));
        ck_assert_uint_eq(node(t, 1)->ranges[0].end, 42 * UINT64_C(0x8000000));
        ck_assert_uint_eq(node(t, 1)->ranges[1].start, 43 * UINT64_C(0x8000000));
}
END_TEST

/* A node interleaved block by block with another: described by its span, bounded. */
START_TEST(test_fragmented) {
        write_two_nodes("memory_tier22");
        ck_assert_ok(fake_kernel_write_file(k, "sys/devices/system/memory/block_size_bytes", "8000000\n"));
        for (unsigned b = 0; b < 2 * MEMORY_NODE_RANGES_MAX + 2; b += 2) {
                char p[128];

                snprintf(p, sizeof(p), "sys/devices/system/node/node1/memory%u/uevent", 100 + b);
                ck_assert_ok(fake_kernel_write_file(k, p, ""));
        }
        ck_assert_ok(memory_topology_read(fake_kernel_root(k), t));
        ck_assert_uint_eq(node(t, 1)->n_ranges, 1);
        ck_assert(node(t, 1)->spanned);
        ck_assert_uint_eq(node(t, 1)->ranges[0].start, 100 * UINT64_C(0x8000000));
        ck_assert_uint_eq(node(t, 1)->ranges[0].end, (100 + 2 * MEMORY_NODE_RANGES_MAX + 1) * UINT64_C(0x8000000));
}
END_TEST

START_TEST(test_parse_distances) {
        unsigned d[3];

        ck_assert_ok(memory_parse_distances("10 21 30\n", d, 3));
        ck_assert_uint_eq(d[2], 30);
        ck_assert_int_eq(memory_parse_distances("10 21\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("10 21 30 40\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("10 -1 30\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("10 256 30\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("10 0 30\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("10 2x 30\n", d, 3), -EINVAL);
        ck_assert_int_eq(memory_parse_distances("", d, 3), -EINVAL);
}
END_TEST

/* The watermarks of the 6.12 VM's node 0 (bench/tiering-vm; THP raises min_free_kbytes to 47 MiB on
 * 1 GiB), trimmed: per-node stats, a pageset's "high:" and a zone without promo (before 6.1). */
START_TEST(test_parse_zoneinfo) {
        static const char zi[] =
                "Node 0, zone      DMA\n"
                "  per-node stats\n"
                "      nr_inactive_anon 1\n"
                "  pages free     3840\n"
                "        boost    0\n"
                "        min      190\n"
                "        low      237\n"
                "        high     284\n"
                "        promo    331\n"
                "  pagesets\n"
                "    cpu: 0\n"
                "              count: 0\n"
                "              high:  12\n"
                "Node 0, zone    DMA32\n"
                "  pages free     1000\n"
                "        min      6199\n"
                "        low      7748\n"
                "        high     9297\n"
                "        promo    10846\n"
                "Node 1, zone    DMA32\n"
                "  pages free     1000\n"
                "        min      5803\n"
                "        low      7253\n"
                "        high     8703\n";
        uint64_t low, high, promo;

        ck_assert_ok(memory_parse_zoneinfo(zi, 0, &low, &high, &promo));
        ck_assert_uint_eq(low, 237 + 7748);
        ck_assert_uint_eq(high, 284 + 9297);
        ck_assert_uint_eq(promo, 331 + 10846);
        /* no promo line: high plus the low-high gap, as the kernel computes it */
        ck_assert_ok(memory_parse_zoneinfo(zi, 1, &low, &high, &promo));
        ck_assert_uint_eq(high, 8703);
        ck_assert_uint_eq(promo, 8703 + 8703 - 7253);
        ck_assert_int_eq(memory_parse_zoneinfo(zi, 2, &low, &high, &promo), -ENOENT);
        ck_assert_int_eq(memory_parse_zoneinfo("", 0, &low, &high, &promo), -ENOENT);
        ck_assert_int_eq(memory_parse_zoneinfo("garbage\n\n  high x\n", 0, &low, &high, &promo), -ENOENT);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("memory-tiers");
        TCase *tc = tcase_create("memory-tiers");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_one_tier);
        tcase_add_test(tc, test_two_tiers);
        tcase_add_test(tc, test_cpuless_far);
        tcase_add_test(tc, test_three_tiers);
        tcase_add_test(tc, test_same_layout);
        tcase_add_test(tc, test_without_sysfs_tiers);
        tcase_add_test(tc, test_without_numa);
        tcase_add_test(tc, test_hostile);
        tcase_add_test(tc, test_fragmented);
        tcase_add_test(tc, test_parse_distances);
        tcase_add_test(tc, test_parse_zoneinfo);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(suite());
}
