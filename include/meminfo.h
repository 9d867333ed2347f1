/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * System and per-NUMA-node memory totals, for the tuners that feed node_mem_*_bp-like user_input goals
 * on kernels without those metrics, and for watermark decisions.
 *
 * Files, relative to the root (root.h):
 *   system: "proc/meminfo"                               "MemTotal:       24683620 kB"
 *   node N: "sys/devices/system/node/nodeN/meminfo"      "Node 0 MemTotal:        7300896 kB"
 *   nodes:  "sys/devices/system/node/online"             "0-1,3" (absent on kernels without CONFIG_NUMA)
 * The kernel prints kB (KiB); values here are bytes.
 *
 * Nothing here blocks beyond reading one small file; nothing logs.
 */

#include <stddef.h>
#include <stdint.h>

#include "root.h"

#define MEMINFO_SYSTEM_PATH "proc/meminfo"
#define MEMINFO_NODE_DIR "sys/devices/system/node"
#define MEMINFO_NODES_ONLINE_PATH "sys/devices/system/node/online"

/* Largest meminfo file read (real ones are 1.5 KiB); more gives -EFBIG. */
#define MEMINFO_FILE_MAX (64U * 1024U)

typedef struct MemInfo {
        uint64_t total;         /* MemTotal, bytes */
        uint64_t free;          /* MemFree, bytes */
        uint64_t available;     /* MemAvailable, bytes; for a node (which has no such line): = free */
} MemInfo;

/*
 * The parsers behind the readers, for tests. @node is the node number the lines must carry
 * ("Node <node> Key: ..."). Lines of other keys are ignored; each wanted key must appear once.
 * Returns 0, or -EINVAL (a wanted key missing or repeated, a value that is not "<decimal> kB", a node
 * line for another node), -ERANGE (kB × 1024 above UINT64_MAX). *ret untouched on error.
 */
int meminfo_parse_system(const char *text, MemInfo *ret);
int meminfo_parse_node(const char *text, unsigned node, MemInfo *ret);

/* Reads proc/meminfo: MemTotal, MemFree, MemAvailable (all three required; MemAvailable exists since
 * 3.14). Besides the parser's errors: -ENOENT, -EFBIG, other -errno from open/read. */
int meminfo_read_system(const Root *root, MemInfo *ret);

/* Reads sys/devices/system/node/node<node>/meminfo: MemTotal and MemFree; available = free.
 * -ENOENT when there is no such node (or no CONFIG_NUMA). */
int meminfo_read_node(const Root *root, unsigned node, MemInfo *ret);

/*
 * Ratios computed as the kernel computes them, integer division truncating (so a value damond feeds
 * as user_input matches what the kernel's own metric would say on a kernel that has it):
 *   meminfo_free_bp()     free * 10000 / total              node_mem_free_bp (mm/damon/core.c
 *   meminfo_used_bp()     (total - free) * 10000 / total    damos_get_node_mem_bp(), from si_meminfo_node)
 *   meminfo_free_permil() free * 1000 / total               the free_mem_rate watermark metric
 *                                                           (damos_wmark_metric_value(), system-wide)
 * All basis points are 0..10000 and permil 0..1000: free above total (a torn read) is capped at total.
 * A total of 0 gives 0 for all three. No overflow for any uint64_t inputs.
 */
uint64_t meminfo_free_bp(const MemInfo *m);
uint64_t meminfo_used_bp(const MemInfo *m);
uint64_t meminfo_free_permil(const MemInfo *m);

/*
 * The online NUMA nodes from sys/devices/system/node/online, a kernel cpulist ("0", "0-1,3", with one
 * trailing newline). Returns 0 and a new sorted array of unique node numbers in *ret (free() it), its
 * length in *ret_n (at least 1). -ENOENT when the file does not exist (a kernel without CONFIG_NUMA:
 * callers treat the machine as node 0 with the system meminfo); -EINVAL for an empty list, a reversed
 * range ("3-1"), signs, garbage; -ERANGE for a node number above 65535 (MAX_NUMNODES is at most 1024).
 */
int meminfo_parse_node_list(const char *text, unsigned **ret, size_t *ret_n);
int meminfo_list_nodes(const Root *root, unsigned **ret, size_t *ret_n);
