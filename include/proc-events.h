/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Process events: the kernel's proc connector (Documentation/driver-api/connector.rst,
 * include/uapi/linux/cn_proc.h) tells damond when processes fork, exec and exit, so that vaddr profiles
 * can follow processes by name or by cgroup. The scanners that give the starting set (and the set again
 * after events were lost) are proc-scan.h's.
 *
 * The socket is set up with libnl-3 (a NETLINK_CONNECTOR socket joined to the CN_IDX_PROC group, then
 * PROC_CN_MCAST_LISTEN sent to the kernel). Up to 6.5 both steps need CAP_NET_ADMIN in the initial user
 * namespace (joining fails with EPERM, or the LISTEN is answered with EPERM); 6.6 ("connector/cn_proc:
 * Allow non-root users access") lets any user listen (seen on 6.18 as nobody). Every kernel ignores a
 * listener in another pid or user namespace altogether (no events, no answer).
 *
 * Pids: the kernel reports a thread's id as "pid" and its process's id as "tgid" (cn_proc.h). Events of
 * threads (pid != tgid) are delivered too: a process has started when a FORK has child pid == tgid, and
 * has ended when an EXIT has pid == tgid (its main thread; other threads may outlive it briefly).
 *
 * Nothing here logs. Nothing blocks: the socket is non-blocking and proc_events_dispatch() reads only
 * what is queued. Files are read through the Root (root.h); no absolute path is opened.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc-scan.h"
#include "root.h"


/* Receive buffer asked for (SO_RCVBUFFORCE, with CAP_NET_ADMIN, else SO_RCVBUF capped by rmem_max): an
 * event is about 100 bytes with its headers, so this holds some thousands of events of a fork storm
 * before the kernel drops any (ENOBUFS, delivered as PROC_EVENT_LOST). */
#define PROC_EVENTS_RCVBUF (4U * 1024U * 1024U)

/* At most this many datagrams per proc_events_dispatch(), so that a fork storm cannot starve the rest
 * of the event loop: the fd stays readable and sd-event calls again. */
#define PROC_EVENTS_DISPATCH_MAX 256U

typedef enum ProcEventKind {
        PROC_EVENT_KIND_FORK,   /* a task was created: pid/tgid the child, parent_* its parent */
        PROC_EVENT_KIND_EXEC,   /* a process exec'd: pid == tgid; comm as read from proc/TGID/comm */
        PROC_EVENT_KIND_EXIT,   /* a task exited: exit_code; parent_* its parent (0 on kernels < 4.18) */
        PROC_EVENT_KIND_COMM,   /* a task renamed itself (prctl PR_SET_NAME): comm from the event */
        PROC_EVENT_KIND_ACK,    /* the kernel's answer to a LISTEN/IGNORE: ack_error, seq, ack */
        PROC_EVENT_KIND_LOST,   /* the receive buffer overflowed (ENOBUFS): events were lost, rescan proc/ */
        _PROC_EVENT_KIND_MAX,
        _PROC_EVENT_KIND_INVALID = -EINVAL,
} ProcEventKind;

typedef struct ProcEvent {
        ProcEventKind kind;
        pid_t pid;                      /* thread id; 0 for ACK and LOST */
        pid_t tgid;                     /* process id */
        pid_t parent_pid;               /* FORK, EXIT */
        pid_t parent_tgid;
        int exit_code;                  /* EXIT: a wait status (WIFEXITED(), WEXITSTATUS(), WTERMSIG()) */
        unsigned exit_signal;           /* EXIT: the signal sent to the parent (SIGCHLD, or 0 for threads) */
        char comm[PROC_COMM_MAX];       /* EXEC, COMM; "" when the process was gone before it was read */
        uint64_t timestamp_nsec;        /* CLOCK_MONOTONIC in ns, as the kernel stamped it (ktime_get_ns()) */
        uint32_t ack_error;             /* ACK: 0 or a positive errno (EPERM: no CAP_NET_ADMIN) */
        uint32_t seq;                   /* ACK: the cn_msg seq and ack; ack is the asker's ack + 1 */
        uint32_t ack;
} ProcEvent;

/* Returns 0 to go on, or a negative errno that stops the parse/dispatch and is returned by it. */
typedef int (*ProcEventHandler)(const ProcEvent *ev, void *userdata);

typedef struct ProcEventsStats {
        uint64_t events;        /* passed to the handler (LOST included) */
        uint64_t malformed;     /* messages dropped: short, lengths past the datagram, truncated datagrams */
        uint64_t ignored;       /* well-formed, of no interest: other connectors, uid/gid/sid/ptrace/coredump
                                 * and unknown event types, NOOPs, other listeners' acks */
        uint64_t foreign;       /* datagrams not from the kernel (sender port != 0), dropped unread */
        uint64_t lost;          /* ENOBUFS seen */
} ProcEventsStats;

const char *proc_event_kind_to_string(ProcEventKind k);  /* "fork", "exec", ... */

/*
 * The pure parser. Walks the netlink messages of one datagram (@buf, @len bytes; no alignment needed)
 * and calls @handler for each proc connector event of the kinds FORK, EXEC (comm left ""), EXIT, COMM
 * and ACK (PROC_EVENT_NONE). Everything else is counted into @stats (may be NULL) and skipped: messages
 * shorter than their headers, lengths that point past the datagram (a bad length ends the walk: nothing
 * after it can be trusted), a cn_msg of another connector, an event payload shorter than its kind needs,
 * unknown event types. Never reads outside [buf, buf + len).
 * Returns the number of events passed to @handler, or the first negative value @handler returned.
 */
int proc_events_parse(const void *buf, size_t len, ProcEventHandler handler, void *userdata,
                      ProcEventsStats *stats);

typedef struct ProcEvents ProcEvents;

/*
 * Opens the proc connector: a non-blocking, close-on-exec NETLINK_CONNECTOR socket joined to CN_IDX_PROC,
 * and sends PROC_CN_MCAST_LISTEN. @root is borrowed and must outlive the object (exec events read
 * proc/TGID/comm below it). The kernel answers the LISTEN asynchronously (see proc_events_listening()).
 * Returns 0, or -EPERM/-EACCES (no CAP_NET_ADMIN, before 6.6), -EPROTONOSUPPORT (no CONFIG_CONNECTOR),
 * -ENOMEM, -EIO (another libnl failure).
 */
int proc_events_open(const Root *root, ProcEvents **ret);

/* Sends PROC_CN_MCAST_IGNORE (best effort: the kernel counts listeners, and produces events only while
 * there is one) and closes the socket. NULL-safe, returns NULL. */
ProcEvents *proc_events_free(ProcEvents *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProcEvents *, proc_events_free);

/* The fd to poll for EPOLLIN (sd_event_add_io()). Owned by @p. */
int proc_events_get_fd(const ProcEvents *p);

/* 1 once the kernel acknowledged our LISTEN, 0 while its answer has not been dispatched yet, or the
 * negative errno the kernel answered with (-EPERM). A kernel that ignores the listener (another pid or
 * user namespace) never answers: callers should not wait for this forever. */
int proc_events_listening(const ProcEvents *p);

/*
 * Reads what is queued on the socket (at most PROC_EVENTS_DISPATCH_MAX datagrams) and passes FORK, EXEC
 * (with comm read from proc/TGID/comm below the root; "" if the process has gone already), EXIT and COMM
 * events to @handler. When the kernel dropped events (ENOBUFS) the handler gets one PROC_EVENT_KIND_LOST
 * event, in order, and should rescan (proc_scan_name(), cgroup_procs()); reading continues after it.
 * Acks are consumed here (see proc_events_listening()), never passed on. Datagrams not sent by the
 * kernel are dropped (a local process can unicast to our port).
 * Returns the number of events passed to @handler (0 when nothing was queued), the first negative value
 * @handler returned, the negative errno of our refused LISTEN (once, when its answer is read), or
 * another -errno of recvmsg().
 */
int proc_events_dispatch(ProcEvents *p, ProcEventHandler handler, void *userdata);

/* Counters since open. */
void proc_events_get_stats(const ProcEvents *p, ProcEventsStats *ret);

