/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/genetlink.h>
#include <linux/taskstats.h>

#include <netlink/attr.h>
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

/* One table for both levels, as the kernel's: the reply's AGGR nest, and the id and struct inside it.
 * libnl checks each attribute's length against it (a STATS shorter than version 1 is -NLE_RANGE). */
static struct nla_policy taskstats_policy[TASKSTATS_TYPE_MAX + 1] = {
        [TASKSTATS_TYPE_PID] = { .type = NLA_U32 },
        [TASKSTATS_TYPE_TGID] = { .type = NLA_U32 },
        [TASKSTATS_TYPE_STATS] = { .type = NLA_UNSPEC, .minlen = TASKSTATS_V1_SIZE },
        [TASKSTATS_TYPE_AGGR_PID] = { .type = NLA_NESTED },
        [TASKSTATS_TYPE_AGGR_TGID] = { .type = NLA_NESTED },
};

/* nla_parse() skips bytes after the last attribute that fits (a cut datagram) with a debug message;
 * here they make the answer malformed. */
static bool attrs_fill(struct nlattr *head, int len) {
        struct nlattr *a;
        int rem;

        nla_for_each_attr(a, head, len, rem)
                ;
        return rem <= 0;
}

static int nla_err(int nlerr) {
        return nlerr == -NLE_NOMEM ? -ENOMEM : -EBADMSG;
}

static int parse_aggr(struct nlattr *nest, TaskDelays *d) {
        struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
        struct nlattr *id;
        uint32_t v;
        int r;

        if (!attrs_fill(nla_data(nest), nla_len(nest)))
                return -EBADMSG;
        r = nla_parse_nested(tb, TASKSTATS_TYPE_MAX, nest, taskstats_policy);
        if (r < 0)
                return nla_err(r);
        /* one id, pid or tgid; TASKSTATS_TYPE_NULL padding and newer attributes ignored */
        if (!!tb[TASKSTATS_TYPE_PID] == !!tb[TASKSTATS_TYPE_TGID] || !tb[TASKSTATS_TYPE_STATS])
                return -EBADMSG;
        id = tb[TASKSTATS_TYPE_PID] ?: tb[TASKSTATS_TYPE_TGID];
        v = nla_get_u32(id);
        if (v == 0 || v > INT32_MAX)
                return -EBADMSG;
        r = parse_stats(nla_data(tb[TASKSTATS_TYPE_STATS]), (size_t) nla_len(tb[TASKSTATS_TYPE_STATS]), d);
        if (r < 0)
                return r;
        d->pid = (pid_t) v;
        return 0;
}

/* One TASKSTATS_CMD_NEW message: 0 and *d filled, -ENOMSG for another command, or -EBADMSG. */
static int parse_genl(struct nlmsghdr *h, TaskDelays *d) {
        struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
        struct genlmsghdr *g;
        struct nlattr *aggr;
        int r;

        if (!genlmsg_valid_hdr(h, 0))
                return -EBADMSG;
        g = genlmsg_hdr(h);
        if (g->cmd != TASKSTATS_CMD_NEW)
                return -ENOMSG;
        if (!attrs_fill(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0)))
                return -EBADMSG;
        r = genlmsg_parse(h, 0, tb, TASKSTATS_TYPE_MAX, taskstats_policy);
        if (r < 0)
                return nla_err(r);
        if (!!tb[TASKSTATS_TYPE_AGGR_PID] == !!tb[TASKSTATS_TYPE_AGGR_TGID])
                return -EBADMSG;
        aggr = tb[TASKSTATS_TYPE_AGGR_PID] ?: tb[TASKSTATS_TYPE_AGGR_TGID];
        return parse_aggr(aggr, d);
}

static int parse_messages(struct nlmsghdr *h, int rem, TaskDelays *ret) {
        for (; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
                if (h->nlmsg_type == NLMSG_ERROR) {
                        int error;

                        if (!nlmsg_valid_hdr(h, sizeof(error)))
                                return -EBADMSG;
                        error = ((struct nlmsgerr *) nlmsg_data(h))->error;
                        if (error > 0 || error < -4095)
                                return -EBADMSG;
                        if (error < 0)
                                return error;
                        /* error 0: an ACK, of no interest */
                } else if (h->nlmsg_type >= NLMSG_MIN_TYPE) {
                        TaskDelays d = {};
                        int r;

                        r = parse_genl(h, &d);
                        if (r == -ENOMSG)
                                continue;
                        if (r < 0)
                                return r;
                        *ret = d;
                        return 0;
                }
                /* NLMSG_NOOP, NLMSG_DONE: skip */
        }
        /* bytes left that hold no whole message: the datagram was cut */
        return rem > 0 ? -EBADMSG : -ENOMSG;
}

int taskstats_parse_reply(const struct nlmsghdr *nh, size_t len, TaskDelays *ret) {
        _cleanup_free_ struct nlmsghdr *copy = NULL;

        if (!nh || !ret)
                return -EINVAL;
        if (len > INT_MAX)
                return -EBADMSG;
        if (len == 0)
                return -ENOMSG;
        /* libnl reads headers in place: an unaligned buffer is copied (exactly, so that ASan sees any
         * read past it); libnl's accessors take non-const pointers but do not write */
        if ((uintptr_t) nh % NLMSG_ALIGNTO != 0) {
                copy = malloc(len);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, nh, len);
                nh = copy;
        }
        return parse_messages((struct nlmsghdr *) nh, (int) len, ret);
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

int taskstats_query_tgid(Taskstats *t, pid_t tgid, TaskDelays *ret) {
        return query(t, TASKSTATS_CMD_ATTR_TGID, tgid, ret);
}
