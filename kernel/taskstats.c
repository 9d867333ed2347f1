/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/genetlink.h>
#include <linux/taskstats.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netlink-util.h"
#include "taskstats.h"

struct Taskstats {
        struct nl_sock *sk;
        int family;
};

/* Receive buffer: a reply is about 450 bytes with its headers; anything that does not fit is not ours. */
#define TASKSTATS_RECV_MAX 8192U
/* Datagrams of no interest (stale answers to a query that timed out) skipped before giving up. */
#define TASKSTATS_SKIP_MAX 16U

uint64_t task_delays_memory_usec(const TaskDelays *d) {
        uint64_t parts[4], sum = 0;

        if (!d)
                return 0;
        parts[0] = d->swapin_usec;
        parts[1] = d->freepages_usec;
        parts[2] = d->thrashing_usec;
        parts[3] = d->compact_usec;
        for (size_t i = 0; i < ELEMENTSOF(parts); i++)
                sum = parts[i] > UINT64_MAX - sum ? UINT64_MAX : sum + parts[i];
        return sum;
}

/* The socket's SO_RCVTIMEO expiring is a timeout here, not "try again". */
static int nlerr_to_errno(int nlerr) {
        int r = nl_error_to_errno(nlerr);

        return r == -EAGAIN ? -ETIMEDOUT : r;
}

Taskstats *taskstats_free(Taskstats *t) {
        if (!t)
                return NULL;
        nl_socket_free(t->sk);
        return mfree(t);
}

int taskstats_open(Taskstats **ret) {
        _cleanup_(taskstats_freep) Taskstats *t = NULL;
        struct timeval tv = {
                .tv_sec = TASKSTATS_TIMEOUT_USEC / USEC_PER_SEC,
                .tv_usec = TASKSTATS_TIMEOUT_USEC % USEC_PER_SEC,
        };
        int r;

        if (!ret)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->sk = nl_socket_alloc();
        if (!t->sk)
                return -ENOMEM;
        r = genl_connect(t->sk);
        if (r < 0)
                return nlerr_to_errno(r);
        /* bounds both the family lookup below and every query's wait */
        if (setsockopt(nl_socket_get_fd(t->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        r = genl_ctrl_resolve(t->sk, TASKSTATS_GENL_NAME);
        if (r < 0)
                return nlerr_to_errno(r);
        t->family = r;
        /* a query's answer is its reply or an error; no extra ACK to read past */
        nl_socket_disable_auto_ack(t->sk);

        *ret = TAKE_PTR(t);
        return 0;
}

/* The payload of a struct taskstats field, if the kernel's struct covers it. */
static bool field_u64(const uint8_t *stats, size_t len, size_t offset, uint64_t *ret) {
        if (offset + sizeof(uint64_t) > len)
                return false;
        memcpy(ret, stats + offset, sizeof(uint64_t));  /* the attribute need not be 8-byte aligned */
        return true;
}

#define TASKSTATS_V1_SIZE offsetof(struct taskstats, ac_comm)

static int parse_stats(const uint8_t *stats, size_t len, TaskDelays *d) {
#define FIELD(name, bit) \
        { offsetof(struct taskstats, name##_delay_total), offsetof(TaskDelays, name##_usec), bit }
        static const struct {
                size_t offset;
                size_t out;
                unsigned bit;
        } fields[] = {
                FIELD(cpu, TASK_DELAY_CPU),
                FIELD(blkio, TASK_DELAY_BLKIO),
                FIELD(swapin, TASK_DELAY_SWAPIN),
                FIELD(freepages, TASK_DELAY_FREEPAGES),
                FIELD(thrashing, TASK_DELAY_THRASHING),
                FIELD(compact, TASK_DELAY_COMPACT),
        };
#undef FIELD
        uint16_t version;

        if (len < TASKSTATS_V1_SIZE)
                return -EBADMSG;
        memcpy(&version, stats, sizeof(version));
        if (version == 0)
                return -EBADMSG;

        d->version = version;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                uint64_t ns;

                if (!field_u64(stats, len, fields[i].offset, &ns))
                        continue;
                *(uint64_t *) ((uint8_t *) d + fields[i].out) = ns / 1000;
                d->have |= fields[i].bit;
        }
        return 0;
}

/* Walks the attributes in [p, p + len). Calls back for each; a truncated attribute is -EBADMSG. */
typedef int (*AttrHandler)(uint16_t type, const uint8_t *payload, size_t plen, void *userdata);

static int walk_attrs(const uint8_t *p, size_t len, AttrHandler h, void *userdata) {
        while (len > 0) {
                struct nlattr a;
                size_t step;
                int r;

                if (len < NLA_HDRLEN)
                        return -EBADMSG;
                memcpy(&a, p, sizeof(a));
                if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
                        return -EBADMSG;
                r = h(a.nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN, a.nla_len - NLA_HDRLEN, userdata);
                if (r < 0)
                        return r;
                step = MIN((size_t) NLA_ALIGN(a.nla_len), len);
                p += step;
                len -= step;
        }
        return 0;
}

typedef struct AggrState {
        TaskDelays d;
        bool have_id;
        bool have_stats;
} AggrState;

static int on_aggr_attr(uint16_t type, const uint8_t *payload, size_t plen, void *userdata) {
        AggrState *s = userdata;
        uint32_t id;
        int r;

        switch (type) {
        case TASKSTATS_TYPE_PID:
        case TASKSTATS_TYPE_TGID:
                if (plen < sizeof(id) || s->have_id)
                        return -EBADMSG;
                memcpy(&id, payload, sizeof(id));
                if (id == 0 || id > INT32_MAX)
                        return -EBADMSG;
                s->d.pid = (pid_t) id;
                s->have_id = true;
                return 0;
        case TASKSTATS_TYPE_STATS:
                if (s->have_stats)
                        return -EBADMSG;
                r = parse_stats(payload, plen, &s->d);
                if (r < 0)
                        return r;
                s->have_stats = true;
                return 0;
        default:
                return 0;       /* TASKSTATS_TYPE_NULL padding, or something newer */
        }
}

typedef struct ReplyState {
        AggrState aggr;
        bool have_aggr;
} ReplyState;

static int on_reply_attr(uint16_t type, const uint8_t *payload, size_t plen, void *userdata) {
        ReplyState *s = userdata;
        int r;

        if (type != TASKSTATS_TYPE_AGGR_PID && type != TASKSTATS_TYPE_AGGR_TGID)
                return 0;
        if (s->have_aggr)
                return -EBADMSG;
        r = walk_attrs(payload, plen, on_aggr_attr, &s->aggr);
        if (r < 0)
                return r;
        if (!s->aggr.have_id || !s->aggr.have_stats)
                return -EBADMSG;
        s->have_aggr = true;
        return 0;
}

int taskstats_parse_reply(const struct nlmsghdr *nh, size_t len, TaskDelays *ret) {
        const uint8_t *p = (const uint8_t *) nh;

        if (!nh || !ret)
                return -EINVAL;

        while (len > 0) {
                struct nlmsghdr h;
                size_t step;

                if (len < NLMSG_HDRLEN)
                        return -EBADMSG;
                memcpy(&h, p, sizeof(h));
                if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
                        return -EBADMSG;

                if (h.nlmsg_type == NLMSG_ERROR) {
                        struct nlmsgerr e;

                        if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(e.error))
                                return -EBADMSG;
                        memcpy(&e.error, p + NLMSG_HDRLEN, sizeof(e.error));
                        if (e.error > 0 || e.error < -4095)
                                return -EBADMSG;
                        if (e.error < 0)
                                return e.error;
                        /* error 0: an ACK, of no interest */
                } else if (h.nlmsg_type >= NLMSG_MIN_TYPE) {
                        struct genlmsghdr g;
                        ReplyState s = {};
                        int r;

                        if (h.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
                                return -EBADMSG;
                        memcpy(&g, p + NLMSG_HDRLEN, sizeof(g));
                        if (g.cmd == TASKSTATS_CMD_NEW) {
                                r = walk_attrs(p + NLMSG_HDRLEN + GENL_HDRLEN,
                                               h.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
                                               on_reply_attr, &s);
                                if (r < 0)
                                        return r;
                                if (!s.have_aggr)
                                        return -EBADMSG;
                                *ret = s.aggr.d;
                                return 0;
                        }
                }
                /* NLMSG_NOOP, NLMSG_DONE, other commands: skip */

                step = MIN((size_t) NLMSG_ALIGN(h.nlmsg_len), len);
                p += step;
                len -= step;
        }
        return -ENOMSG;
}

static int query(Taskstats *t, int attr, pid_t id, TaskDelays *ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        struct nl_msg *m;
        uint32_t seq;
        int r;

        if (!t || id <= 0 || !ret)
                return -EINVAL;

        m = nlmsg_alloc();
        if (!m)
                return -ENOMEM;
        if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, 0, TASKSTATS_CMD_GET,
                         TASKSTATS_GENL_VERSION) ||
            nla_put_u32(m, attr, (uint32_t) id) < 0) {
                nlmsg_free(m);
                return -ENOMEM;
        }
        r = nl_send_auto(t->sk, m);
        seq = nlmsg_hdr(m)->nlmsg_seq;
        nlmsg_free(m);
        if (r < 0)
                return nlerr_to_errno(r);

        buf = malloc(TASKSTATS_RECV_MAX);
        if (!buf)
                return -ENOMEM;

        /* recvfrom() rather than nl_recv(): plain errno (EAGAIN is our timeout), and the sender */
        for (unsigned i = 0; i < TASKSTATS_SKIP_MAX; i++) {
                struct sockaddr_nl sa = {};
                socklen_t salen = sizeof(sa);
                struct nlmsghdr h;
                TaskDelays d;
                ssize_t n;

                n = recvfrom(nl_socket_get_fd(t->sk), buf, TASKSTATS_RECV_MAX, MSG_TRUNC,
                             (struct sockaddr *) &sa, &salen);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
                }
                if ((size_t) n > TASKSTATS_RECV_MAX)
                        return -EBADMSG;
                if (sa.nl_pid != 0 || (size_t) n < sizeof(h))
                        continue;       /* not from the kernel, or nothing */
                memcpy(&h, buf, sizeof(h));
                if (h.nlmsg_seq != seq)
                        continue;       /* a late answer to an earlier query */

                r = taskstats_parse_reply((const struct nlmsghdr *) buf, (size_t) n, &d);
                if (r == -ENOMSG)
                        continue;
                if (r < 0)
                        return r;
                if (d.pid != id)
                        return -EBADMSG;
                *ret = d;
                return 0;
        }
        return -ETIMEDOUT;
}

int taskstats_query_pid(Taskstats *t, pid_t pid, TaskDelays *ret) {
        return query(t, TASKSTATS_CMD_ATTR_PID, pid, ret);
}

int taskstats_query_tgid(Taskstats *t, pid_t tgid, TaskDelays *ret) {
        return query(t, TASKSTATS_CMD_ATTR_TGID, tgid, ret);
}
