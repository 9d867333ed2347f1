/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netlink-util.h"
#include "proc-events.h"
#include "proc-scan.h"

/*
 * No netlink attribute is parsed here. The proc connector (drivers/connector/cn_proc.c) sends each
 * event as one NLMSG_DONE message whose payload is a struct cn_msg followed by a fixed struct
 * proc_event (linux/cn_proc.h): plain C structs, not nlattr TLVs, so libnl's nla_parse()/
 * genlmsg_parse() have nothing to parse. libnl walks the datagram's messages (nlmsg_ok/nlmsg_next);
 * the structs are copied out with length checks below. taskstats.c, whose replies are genetlink
 * attributes, parses them with genlmsg_parse()/nla_parse_nested() and an nla_policy.
 */

/* One datagram: the connector sends one event (about 100 bytes) per datagram, but a page-sized buffer
 * costs nothing and keeps a future larger message from being truncated. */
#define PROC_EVENTS_BUF_SIZE 8192U

struct ProcEvents {
        const Root *root;
        struct nl_sock *sk;
        uint32_t listen_seq;    /* seq and ack of our LISTEN's cn_msg; the kernel's answer carries ack + 1 */
        int listening;          /* 1 acked, 0 pending, -errno refused */
        bool refusal_reported;
        ProcEventsStats stats;
        union {
                struct nlmsghdr align;
                uint8_t bytes[PROC_EVENTS_BUF_SIZE];
        } buf;
};

static const char * const proc_event_kind_table[_PROC_EVENT_KIND_MAX] = {
        [PROC_EVENT_KIND_FORK] = "fork",
        [PROC_EVENT_KIND_EXEC] = "exec",
        [PROC_EVENT_KIND_EXIT] = "exit",
        [PROC_EVENT_KIND_COMM] = "comm",
        [PROC_EVENT_KIND_ACK] = "ack",
        [PROC_EVENT_KIND_LOST] = "lost",
};

const char *proc_event_kind_to_string(ProcEventKind k) {
        return (int) k >= 0 && k < _PROC_EVENT_KIND_MAX ? proc_event_kind_table[k] : NULL;
}

/* @stats may be NULL: no &stats->field before the check */
#define STAT_INC(stats, field)                  \
        do {                                    \
                if (stats)                      \
                        (stats)->field++;       \
        } while (0)

/* The payload one kind needs after the proc_event header. Exit events grew parent_pid/parent_tgid in
 * 4.18; older kernels send 16 bytes, which is enough for what we use. */
#define EV_DATA_OFFSET offsetof(struct proc_event, event_data)
#define EXIT_MIN_SIZE offsetof(struct exit_proc_event, parent_pid)

/* Parses one cn_msg (the payload of one NLMSG_DONE message). Returns 1 when an event was passed on,
 * 0 when the message was counted and skipped, or the handler's negative value. */
static int parse_cn_msg(const uint8_t *p, size_t len, ProcEventHandler handler, void *userdata,
                        ProcEventsStats *stats) {
        struct cn_msg cn;
        const uint8_t *d;
        uint32_t what;
        size_t dlen;
        ProcEvent ev = {};
        int r;

        if (len < sizeof(cn)) {
                STAT_INC(stats, malformed);
                return 0;
        }
        memcpy(&cn, p, sizeof(cn));
        if (cn.len > len - sizeof(cn)) {
                STAT_INC(stats, malformed);
                return 0;
        }
        if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC) {
                STAT_INC(stats, ignored);
                return 0;
        }
        d = p + sizeof(cn);
        dlen = cn.len;
        if (dlen < EV_DATA_OFFSET) {
                STAT_INC(stats, malformed);
                return 0;
        }
        memcpy(&what, d + offsetof(struct proc_event, what), sizeof(what));
        memcpy(&ev.timestamp_nsec, d + offsetof(struct proc_event, timestamp_ns), sizeof(ev.timestamp_nsec));
        d += EV_DATA_OFFSET;
        dlen -= EV_DATA_OFFSET;

        switch (what) {
        case PROC_EVENT_NONE: {
                uint32_t err;

                if (dlen < sizeof(err))
                        goto short_payload;
                memcpy(&err, d, sizeof(err));
                ev.kind = PROC_EVENT_KIND_ACK;
                ev.ack_error = err;
                ev.seq = cn.seq;
                ev.ack = cn.ack;
                break;
        }
        case PROC_EVENT_FORK: {
                struct fork_proc_event f;

                if (dlen < sizeof(f))
                        goto short_payload;
                memcpy(&f, d, sizeof(f));
                ev.kind = PROC_EVENT_KIND_FORK;
                ev.pid = f.child_pid;
                ev.tgid = f.child_tgid;
                ev.parent_pid = f.parent_pid;
                ev.parent_tgid = f.parent_tgid;
                break;
        }
        case PROC_EVENT_EXEC: {
                struct exec_proc_event x;

                if (dlen < sizeof(x))
                        goto short_payload;
                memcpy(&x, d, sizeof(x));
                ev.kind = PROC_EVENT_KIND_EXEC;
                ev.pid = x.process_pid;
                ev.tgid = x.process_tgid;
                break;
        }
        case PROC_EVENT_EXIT: {
                struct exit_proc_event x = {};

                if (dlen < EXIT_MIN_SIZE)
                        goto short_payload;
                memcpy(&x, d, MIN(dlen, sizeof(x)));
                ev.kind = PROC_EVENT_KIND_EXIT;
                ev.pid = x.process_pid;
                ev.tgid = x.process_tgid;
                ev.exit_code = (int) x.exit_code;
                ev.exit_signal = x.exit_signal;
                ev.parent_pid = x.parent_pid;
                ev.parent_tgid = x.parent_tgid;
                break;
        }
        case PROC_EVENT_COMM: {
                struct comm_proc_event c;

                if (dlen < sizeof(c))
                        goto short_payload;
                memcpy(&c, d, sizeof(c));
                ev.kind = PROC_EVENT_KIND_COMM;
                ev.pid = c.process_pid;
                ev.tgid = c.process_tgid;
                /* the kernel NUL-terminates, but a message is not trusted to */
                memcpy(ev.comm, c.comm, MIN(sizeof(ev.comm), sizeof(c.comm)));
                ev.comm[sizeof(ev.comm) - 1] = '\0';
                break;
        }
        default:
                STAT_INC(stats, ignored);
                return 0;
        }

        STAT_INC(stats, events);
        r = handler(&ev, userdata);
        return r < 0 ? r : 1;

short_payload:
        STAT_INC(stats, malformed);
        return 0;
}

int proc_events_parse(const void *buf, size_t len, ProcEventHandler handler, void *userdata,
                      ProcEventsStats *stats) {
        _cleanup_free_ void *copy = NULL;
        struct nlmsghdr *h;
        int n = 0, r, rem;

        assert(handler);

        if (!buf || len == 0)
                return 0;
        if (len > INT_MAX) {
                STAT_INC(stats, malformed);
                return 0;
        }
        /* libnl reads headers in place: an unaligned buffer is copied, exactly, so that ASan still
         * sees a read past it. libnl's accessors take non-const pointers but do not write. */
        if ((uintptr_t) buf % NLMSG_ALIGNTO != 0) {
                copy = malloc(len);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, buf, len);
                buf = copy;
        }

        rem = (int) len;
        for (h = (struct nlmsghdr *) buf; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem))
                switch (h->nlmsg_type) {
                case NLMSG_DONE:        /* the connector sends every message as NLMSG_DONE */
                        r = parse_cn_msg(nlmsg_data(h), (size_t) nlmsg_datalen(h), handler, userdata, stats);
                        if (r < 0)
                                return r;
                        n += r;
                        break;
                case NLMSG_NOOP:
                        STAT_INC(stats, ignored);
                        break;
                default:
                        STAT_INC(stats, malformed);
                        break;
                }

        /* bytes that hold no whole message (too short for a header, or a length pointing past the
         * datagram): nothing after a bad length can be trusted */
        if (rem > 0)
                STAT_INC(stats, malformed);
        return n;
}

/* Sends one PROC_CN_MCAST_* op as a cn_msg in an NLMSG_DONE message, as the kernel expects it
 * (drivers/connector/cn_proc.c cn_proc_mcast_ctl). */
static int send_mcast_op(struct nl_sock *sk, uint32_t seq, uint32_t op) {
        uint8_t payload[sizeof(struct cn_msg) + sizeof(uint32_t)];
        struct cn_msg cn = {
                .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
                .seq = seq,
                .ack = seq,     /* the kernel answers with ack + 1 (cn_proc_ack()) */
                .len = sizeof(uint32_t),
        };
        struct nl_msg *m;
        int r;

        memcpy(payload, &cn, sizeof(cn));
        memcpy(payload + sizeof(cn), &op, sizeof(op));

        m = nlmsg_alloc_simple(NLMSG_DONE, 0);
        if (!m)
                return -ENOMEM;
        r = nlmsg_append(m, payload, sizeof(payload), NLMSG_ALIGNTO);
        if (r >= 0)
                r = nl_send_auto(sk, m);
        nlmsg_free(m);
        return r < 0 ? nl_error_to_errno(r) : 0;
}

static uint32_t pick_seq(void) {
        uint32_t seq;
        struct timespec ts;

        /* Acks are multicast to every listener, and anyone may send a LISTEN (and get an EPERM ack):
         * a random seq keeps another process's answer from being taken for ours. */
        if (getrandom(&seq, sizeof(seq), GRND_NONBLOCK) == (ssize_t) sizeof(seq))
                return seq;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint32_t) getpid() ^ (uint32_t) ts.tv_nsec;
}

int proc_events_open(const Root *root, ProcEvents **ret) {
        _cleanup_(proc_events_freep) ProcEvents *p = NULL;
        int r, fd, size = (int) PROC_EVENTS_RCVBUF;

        if (!root || !ret)
                return -EINVAL;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->root = root;

        p->sk = nl_socket_alloc();
        if (!p->sk)
                return -ENOMEM;
        /* events arrive unasked: no sequence checks, and the connector sends no netlink acks */
        nl_socket_disable_seq_check(p->sk);
        nl_socket_disable_auto_ack(p->sk);

        r = nl_connect(p->sk, NETLINK_CONNECTOR);
        if (r < 0)
                return nl_error_to_errno(r);
        r = nl_socket_add_membership(p->sk, CN_IDX_PROC);
        if (r < 0)
                return nl_error_to_errno(r);
        r = nl_socket_set_nonblocking(p->sk);
        if (r < 0)
                return nl_error_to_errno(r);

        fd = nl_socket_get_fd(p->sk);
        /* FORCE goes past rmem_max with CAP_NET_ADMIN (which 6.6+ no longer needs to listen); a smaller
         * buffer only means an earlier PROC_EVENT_KIND_LOST, so failures are not errors. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

        p->listen_seq = pick_seq();
        r = send_mcast_op(p->sk, p->listen_seq, PROC_CN_MCAST_LISTEN);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 0;
}

ProcEvents *proc_events_free(ProcEvents *p) {
        if (!p)
                return NULL;
        if (p->sk) {
                /* only a LISTEN that was not refused counts in the kernel */
                if (p->listening >= 0)
                        (void) send_mcast_op(p->sk, p->listen_seq + 2, PROC_CN_MCAST_IGNORE);
                nl_socket_free(p->sk);
        }
        return mfree(p);
}

int proc_events_get_fd(const ProcEvents *p) {
        return p && p->sk ? nl_socket_get_fd(p->sk) : -EBADF;
}

int proc_events_listening(const ProcEvents *p) {
        return p ? p->listening : -EINVAL;
}

void proc_events_get_stats(const ProcEvents *p, ProcEventsStats *ret) {
        if (p && ret)
                *ret = p->stats;
}

/* A process's files: a missing directory or a read on a reaped task both mean "gone". */
typedef struct DispatchContext {
        ProcEvents *p;
        ProcEventHandler handler;
        void *userdata;
        int refused;
        int delivered;
} DispatchContext;

static int dispatch_one(const ProcEvent *ev, void *userdata) {
        DispatchContext *c = userdata;
        ProcEvent copy;
        int r;

        if (ev->kind == PROC_EVENT_KIND_ACK) {
                /* only the ack field: 6.18 was seen answering with a seq of its own */
                if (ev->ack != c->p->listen_seq + 1) {
                        c->p->stats.ignored++;
                        return 0;
                }
                if (ev->ack_error == 0)
                        c->p->listening = 1;
                else {
                        c->p->listening = -(int) MIN(ev->ack_error, (uint32_t) INT_MAX);
                        if (!c->p->refusal_reported) {
                                c->p->refusal_reported = true;
                                c->refused = c->p->listening;
                        }
                }
                return 0;
        }

        copy = *ev;
        if (copy.kind == PROC_EVENT_KIND_EXEC)
                /* racing with the process: if it has exited already the caller gets "" and an exit */
                if (proc_read_comm(c->p->root, copy.tgid, copy.comm, sizeof(copy.comm)) < 0)
                        copy.comm[0] = '\0';

        c->p->stats.events++;
        c->delivered++;
        r = c->handler(&copy, c->userdata);
        return r < 0 ? r : 0;
}

int proc_events_dispatch(ProcEvents *p, ProcEventHandler handler, void *userdata) {
        DispatchContext c = { .p = p, .handler = handler, .userdata = userdata };
        int r;

        if (!p || !p->sk || !handler)
                return -EINVAL;

        for (unsigned i = 0; i < PROC_EVENTS_DISPATCH_MAX; i++) {
                struct sockaddr_nl sa = {};
                struct iovec iov = { .iov_base = p->buf.bytes, .iov_len = sizeof(p->buf.bytes) };
                struct msghdr mh = {
                        .msg_name = &sa,
                        .msg_namelen = sizeof(sa),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ProcEventsStats st = {};
                ssize_t n;

                /* recvmsg() rather than libnl's nl_recv(): nl_recv() folds ENOBUFS into NLE_NOMEM, and
                 * the difference between "events were lost" and "out of memory" is the point here. */
                n = recvmsg(nl_socket_get_fd(p->sk), &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        if (errno == ENOBUFS) {
                                ProcEvent lost = { .kind = PROC_EVENT_KIND_LOST };

                                p->stats.lost++;
                                p->stats.events++;
                                c.delivered++;
                                r = handler(&lost, userdata);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        return -errno;
                }
                if (mh.msg_flags & MSG_TRUNC) {
                        p->stats.malformed++;
                        continue;
                }
                if (mh.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0) {
                        p->stats.foreign++;
                        continue;
                }

                r = proc_events_parse(p->buf.bytes, (size_t) n, dispatch_one, &c, &st);
                p->stats.malformed += st.malformed;
                p->stats.ignored += st.ignored;
                if (r < 0)
                        return r;
        }

        if (c.refused < 0)
                return c.refused;
        return c.delivered;
}
