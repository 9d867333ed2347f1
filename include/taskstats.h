/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Per-task delay accounting through the kernel's taskstats generic netlink family
 * (Documentation/accounting/taskstats.rst, delay-accounting.rst; include/uapi/linux/taskstats.h), set up
 * with libnl-3 genl. For vaddr profiles: how long the monitored process stalled on
 * memory.
 *
 * Requirements, as the kernel has them:
 *   - TASKSTATS_CMD_GET is GENL_ADMIN_PERM: without CAP_NET_ADMIN the kernel answers -EPERM.
 *   - Delay totals are only counted when delay accounting is on (CONFIG_TASK_DELAY_ACCT and the
 *     delayacct boot option or kernel.task_delayacct=1 since 5.14); otherwise every delay reads 0. Nothing
 *     here can tell "off" from "no stall".
 *   - The family is registered in the initial network namespace only: in another one (a unit with
 *     PrivateNetwork=, a container) it is not found and taskstats_open() gives -EOPNOTSUPP.
 *   - Fields appeared over time (struct taskstats is versioned, fields only appended): freepages
 *     (2.6.27), thrashing (4.20), compact (version 11, 5.19). A field the kernel did not send
 *     reads 0 and its bit in TaskDelays.have is clear.
 *
 * Nothing here logs. taskstats_query_*() block for one netlink round trip (a request and its answer on
 * the caller's thread, typically well under a millisecond), bounded by TASKSTATS_TIMEOUT_USEC.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/netlink.h>

#include "macro.h"

/* How long a query waits for the kernel's answer before -ETIMEDOUT. */
#define TASKSTATS_TIMEOUT_USEC (1U * USEC_PER_SEC)

/* Bits of TaskDelays.have: which fields the kernel's struct taskstats carried. */
enum {
        TASK_DELAY_CPU       = 1U << 0,
        TASK_DELAY_BLKIO     = 1U << 1,
        TASK_DELAY_SWAPIN    = 1U << 2,
        TASK_DELAY_FREEPAGES = 1U << 3,
        TASK_DELAY_THRASHING = 1U << 4,
        TASK_DELAY_COMPACT   = 1U << 5,
};

/* Cumulative delays since the task started, in µs (the kernel reports ns; truncated). The kernel lets
 * its ns totals wrap to 0 on overflow: consumers take deltas and treat a smaller value as a reset. */
typedef struct TaskDelays {
        uint64_t swapin_usec;           /* waiting for pages to be swapped in */
        uint64_t freepages_usec;        /* direct reclaim */
        uint64_t thrashing_usec;        /* waiting for refaulting workingset pages (thrashing) */
        uint64_t compact_usec;          /* direct compaction */
        uint64_t blkio_usec;            /* waiting for block I/O */
        uint64_t cpu_usec;              /* runnable, waiting for a CPU */
        unsigned have;                  /* TASK_DELAY_* bits: fields the kernel's reply carried */
        uint16_t version;               /* struct taskstats version the kernel sent */
        pid_t pid;                      /* the pid (or tgid) the reply is about */
} TaskDelays;

/* A task's memory stall: swapin + freepages (direct reclaim) + thrashing + compact, in µs (saturating). */
uint64_t task_delays_memory_usec(const TaskDelays *d);

/* One netlink socket. Not thread-safe: one Taskstats per thread that queries. */
typedef struct Taskstats Taskstats;

/*
 * Opens a generic netlink socket and resolves the TASKSTATS family (one blocking round trip to the
 * kernel's genl controller). Needs no privilege. Returns 0, or -EOPNOTSUPP when the kernel has no
 * TASKSTATS family (CONFIG_TASKSTATS=n), -ENOMEM, other -errno from socket setup.
 */
int taskstats_open(Taskstats **ret);
Taskstats *taskstats_free(Taskstats *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Taskstats *, taskstats_free);

/*
 * The delays of a whole process @tgid, summed over its threads, live and exited (TASKSTATS_CMD_ATTR_TGID).
 * Blocking: one netlink round trip, at most TASKSTATS_TIMEOUT_USEC. Returns 0, or
 *   -ESRCH                no such task (exited, or not visible in the caller's pid namespace);
 *   -EPERM (or -EACCES)   the caller lacks CAP_NET_ADMIN;
 *   -ETIMEDOUT            no answer in time;
 *   -EBADMSG              an answer that taskstats_parse_reply() refuses;
 *   -EINVAL               tgid <= 0, t NULL;
 *   other -errno from send/receive.
 */
int taskstats_query_tgid(Taskstats *t, pid_t tgid, TaskDelays *ret);

/*
 * Parses one kernel answer of @len bytes at @nh (one or more netlink messages, as received).
 * Accepted: a TASKSTATS_CMD_NEW genl message whose TASKSTATS_TYPE_AGGR_PID or _AGGR_TGID nest holds
 * TASKSTATS_TYPE_PID/_TGID and TASKSTATS_TYPE_STATS (TASKSTATS_TYPE_NULL padding and unknown attributes
 * are skipped). The struct taskstats is read by the size the kernel sent: fields beyond the attribute's
 * payload are not read (an older, shorter struct just lacks them), fields beyond what this build knows
 * are ignored. Returns 0, or
 *   the negative error of an NLMSG_ERROR message (-ESRCH, -EPERM, ...);
 *   -EBADMSG  a truncated or malformed message or attribute, no STATS, a STATS payload shorter than the
 *             version-1 struct, a version of 0;
 *   -ENOMSG   only messages of no interest (NLMSG_NOOP, an ACK with error 0, another command).
 * *ret is left untouched on error.
 */
int taskstats_parse_reply(const struct nlmsghdr *nh, size_t len, TaskDelays *ret);
