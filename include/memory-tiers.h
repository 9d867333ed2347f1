/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The machine's memory tiers, as the kernel sorts its NUMA nodes into them (mm/memory-tiers.c, 6.1+):
 * which nodes each tier holds, which nodes have CPUs, the distances between nodes, each node's memory
 * (total, free) and the physical address ranges of its memory blocks. The tiering policy's Nodes=auto
 * is compiled from it, and status shows it.
 *
 * Files, relative to the root (root.h):
 *   tiers:     "sys/devices/virtual/memory_tiering/memory_tier<N>/nodelist"   "0-1"
 *              N is the tier's abstract distance >> 7 (DRAM: 4; dax/kmem's default: 22): lower is faster
 *   nodes:     "sys/devices/system/node/online", ".../has_cpu", ".../has_memory"
 *   node N:    "sys/devices/system/node/node<N>/distance"  "10 28": to every online node, in order
 *              "sys/devices/system/node/node<N>/meminfo"   (meminfo.h)
 *              "sys/devices/system/node/node<N>/memory<M>" one entry per memory block of the node
 *   blocks:    "sys/devices/system/memory/block_size_bytes" "8000000" (hex, no 0x)
 *   marks:     "proc/zoneinfo" each zone's min, low, high and promo (6.1+) watermarks, in pages
 *
 * Nothing here blocks beyond reading small files and listing directories; nothing logs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "root.h"

#define MEMORY_TIERS_DIR "sys/devices/virtual/memory_tiering"
#define MEMORY_NODES_HAS_CPU_PATH "sys/devices/system/node/has_cpu"
#define MEMORY_NODES_HAS_MEMORY_PATH "sys/devices/system/node/has_memory"
#define MEMORY_BLOCK_SIZE_PATH "sys/devices/system/memory/block_size_bytes"

/* Most memory nodes read; a machine with more gives -E2BIG (the kernel allows 1024; machines with
 * memory on more than 64 nodes do not exist today). */
#define MEMORY_NODES_MAX 64
/* Most tiers (the kernel creates one per abstract-distance chunk in use: a handful). */
#define MEMORY_TIERS_MAX 16
/* Most address ranges kept per node; a node whose blocks make more (memory interleaved with another
 * node's at block granularity) is described by its span, and marked so. */
#define MEMORY_NODE_RANGES_MAX 16
/* Most memory blocks counted per node: 2^22 blocks of 128 MiB are 512 TiB. */
#define MEMORY_NODE_BLOCKS_MAX (UINT32_C(1) << 22)

typedef struct MemoryRange {
        uint64_t start;         /* physical address */
        uint64_t end;           /* exclusive */
} MemoryRange;

typedef struct MemoryNode {
        unsigned id;            /* the node number */
        size_t tier;            /* index into MemoryTopology.tiers */
        bool has_cpu;
        uint64_t total;         /* MemTotal of the node, bytes */
        uint64_t free;          /* MemFree of the node, bytes */
        /* The kernel's watermarks summed over the node's zones, bytes; 0: not known (no zoneinfo).
         * Below low, allocations that may not reclaim (migration targets) fail and kswapd wakes; it
         * reclaims (or demotes) until high. NUMA balancing promotes only while free is above promo
         * (6.1+; high plus the low-high gap before). */
        uint64_t wmark_low, wmark_high, wmark_promo;
        MemoryRange ranges[MEMORY_NODE_RANGES_MAX];  /* its memory blocks, merged, by address */
        size_t n_ranges;        /* 0: the kernel shows no memory blocks (no CONFIG_MEMORY_HOTPLUG) */
        bool spanned;           /* more ranges than fit: ranges[0] is the node's span */
} MemoryNode;

typedef struct MemoryTier {
        unsigned id;            /* N of memory_tier<N> */
        size_t first;           /* its nodes: MemoryTopology.nodes[first .. first + n_nodes) */
        size_t n_nodes;
} MemoryTier;

typedef struct MemoryTopology {
        MemoryTier tiers[MEMORY_TIERS_MAX];  /* fastest (lowest id) first */
        size_t n_tiers;
        MemoryNode nodes[MEMORY_NODES_MAX];  /* grouped by tier, in tier order, by id within a tier */
        size_t n_nodes;
        unsigned distance[MEMORY_NODES_MAX][MEMORY_NODES_MAX]; /* by index into nodes; 0: not known */
        bool from_kernel;       /* the tiers are the kernel's; false: no memory_tiering in sysfs (before
                                 * 6.1, or no NUMA) and every memory node is put in one tier */
} MemoryTopology;

/*
 * Reads the topology below @root into @ret (a large struct: allocate it, or keep it static).
 * Only nodes with memory count: a tier's nodes are those of its nodelist; nodes with memory in no tier
 * (a node going online while this runs) are left out. Without sysfs memory tiers, every node of
 * has_memory (or online) forms one tier of id 0; without NUMA (no sys/devices/system/node), node 0 with
 * the system's meminfo does.
 * Returns 0, or -E2BIG (more than MEMORY_NODES_MAX memory nodes or MEMORY_TIERS_MAX tiers), -EINVAL
 * (a file that does not parse: a node list, a distance line whose length is not the number of online
 * nodes, a block size that is not a power of two), -ENOMEM, or another -errno from reading.
 */
int memory_topology_read(const Root *root, MemoryTopology *ret);

/* The parser of /proc/zoneinfo's watermarks: the sums over the zones of node @id, in pages, into
 * @ret_low, @ret_high, @ret_promo (promo: high plus the low-high gap when the kernel shows none).
 * Returns 0, -ENOENT when the node has no zone with watermarks, or -EINVAL. */
int memory_parse_zoneinfo(const char *text, unsigned id, uint64_t *ret_low, uint64_t *ret_high,
                          uint64_t *ret_promo);

/* The parser of a distance line ("10 28\n"): exactly @n decimal numbers, each 1..255, into @ret.
 * Returns 0 or -EINVAL. */
int memory_parse_distances(const char *text, unsigned *ret, size_t n);

/* Whether @a and @b have the same tiers, nodes (with CPU or not), distances, address ranges and
 * watermarks: what the compiled tiering depends on (memory free is not compared). */
bool memory_topology_same_layout(const MemoryTopology *a, const MemoryTopology *b);

/* The index of node @id in @t, or -ENOENT. */
int memory_topology_node_index(const MemoryTopology *t, unsigned id);

/* The node of tier @tier nearest to node index @from (smallest distance, then lowest id), as an index;
 * -ENOENT when the tier has no node. */
int memory_topology_nearest(const MemoryTopology *t, size_t from, size_t tier);

/* "0-1" style list of a tier's node ids into @buf (truncated, always NUL-terminated). */
void memory_tier_nodes_string(const MemoryTopology *t, size_t tier, char *buf, size_t size);
