/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * taskstats.h: the reply parser on crafted kernel answers (valid, older and newer struct versions,
 * truncated, mutated, errors), and one live query of our own pid where the kernel lets us.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <linux/genetlink.h>
#include <linux/taskstats.h>

#include "taskstats.h"
#include "test-util.h"

#define NS(usec) ((uint64_t) (usec) * 1000 + 999)       /* the parser truncates to µs */

static void fill_stats(struct taskstats *ts, uint16_t version) {
        memset(ts, 0, sizeof(*ts));
        ts->version = version;
        ts->cpu_delay_total = NS(1000);
        ts->blkio_delay_total = NS(2000);
        ts->swapin_delay_total = NS(3000);
        ts->freepages_delay_total = NS(4000);
        ts->thrashing_delay_total = NS(5000);
        ts->compact_delay_total = NS(6000);
}

static size_t put_attr(uint8_t *buf, size_t off, uint16_t type, const void *data, size_t len) {
        struct nlattr a = { .nla_len = (uint16_t) (NLA_HDRLEN + len), .nla_type = type };

        memcpy(buf + off, &a, sizeof(a));
        if (len > 0)
                memcpy(buf + off + NLA_HDRLEN, data, len);
        memset(buf + off + NLA_HDRLEN + len, 0, NLA_ALIGN(NLA_HDRLEN + len) - (NLA_HDRLEN + len));
        return off + NLA_ALIGN(NLA_HDRLEN + len);
}

/*
 * A TASKSTATS_CMD_NEW answer as mk_reply() builds it: genl header, then the AGGR nest with the id, a
 * TASKSTATS_TYPE_NULL pad (nla_reserve_64bit() aligns the struct to 8 bytes) and the struct, @stats_len
 * bytes of it. @extra (if not NULL) is one more attribute inside the nest after the stats. Returns a new
 * buffer of exactly the message's size (so that ASan sees any read past it) and its length.
 */
static uint8_t *build_reply(uint16_t aggr, uint16_t id_type, uint32_t id, const void *stats, size_t stats_len,
                            const void *extra, size_t extra_len, size_t *ret_len) {
        uint8_t tmp[4096] = {};
        struct nlmsghdr h = { .nlmsg_type = 0x17, .nlmsg_seq = 7 };
        struct genlmsghdr g = { .cmd = TASKSTATS_CMD_NEW, .version = TASKSTATS_GENL_VERSION };
        struct nlattr nest = { .nla_type = aggr };
        size_t off = NLMSG_HDRLEN + GENL_HDRLEN, nest_off = off;
        uint8_t *out;

        off += NLA_HDRLEN;
        off = put_attr(tmp, off, id_type, &id, sizeof(id));
        if ((off + NLA_HDRLEN) % 8 != 0)
                off = put_attr(tmp, off, TASKSTATS_TYPE_NULL, NULL, 0);
        ck_assert_uint_eq((off + NLA_HDRLEN) % 8, 0);
        off = put_attr(tmp, off, TASKSTATS_TYPE_STATS, stats, stats_len);
        if (extra)
                off = put_attr(tmp, off, 0x7f, extra, extra_len);
        ck_assert_uint_le(off, sizeof(tmp));

        nest.nla_len = (uint16_t) (off - nest_off);
        memcpy(tmp + nest_off, &nest, sizeof(nest));
        memcpy(tmp + NLMSG_HDRLEN, &g, sizeof(g));
        h.nlmsg_len = (uint32_t) off;
        memcpy(tmp, &h, sizeof(h));

        out = malloc(off);
        ck_assert_ptr_nonnull(out);
        memcpy(out, tmp, off);
        *ret_len = off;
        return out;
}

static uint8_t *build_full_reply(uint16_t version, size_t stats_len, size_t *ret_len) {
        struct taskstats ts;

        fill_stats(&ts, version);
        return build_reply(TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 4242, &ts, stats_len, NULL, 0, ret_len);
}

START_TEST(test_parse_current) {
        _cleanup_free_ uint8_t *buf = NULL;
        TaskDelays d;
        size_t len;

        buf = build_full_reply(TASKSTATS_VERSION, sizeof(struct taskstats), &len);
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d));
        ck_assert_int_eq(d.pid, 4242);
        ck_assert_uint_eq(d.version, TASKSTATS_VERSION);
        ck_assert_uint_eq(d.cpu_usec, 1000);
        ck_assert_uint_eq(d.blkio_usec, 2000);
        ck_assert_uint_eq(d.swapin_usec, 3000);
        ck_assert_uint_eq(d.freepages_usec, 4000);
        ck_assert_uint_eq(d.thrashing_usec, 5000);
        ck_assert_uint_eq(d.compact_usec, 6000);
        ck_assert_uint_eq(d.have, TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN | TASK_DELAY_FREEPAGES |
                                  TASK_DELAY_THRASHING | TASK_DELAY_COMPACT);
        ck_assert_uint_eq(task_delays_memory_usec(&d), 3000 + 4000 + 5000 + 6000);
}
END_TEST

START_TEST(test_parse_tgid) {
        _cleanup_free_ uint8_t *buf = NULL;
        struct taskstats ts;
        TaskDelays d;
        size_t len;

        fill_stats(&ts, TASKSTATS_VERSION);
        buf = build_reply(TASKSTATS_TYPE_AGGR_TGID, TASKSTATS_TYPE_TGID, 77, &ts, sizeof(ts), NULL, 0, &len);
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d));
        ck_assert_int_eq(d.pid, 77);
        ck_assert_uint_eq(d.compact_usec, 6000);
}
END_TEST

/* Older kernels send a shorter struct: the fields it lacks read 0, and nothing past it is read (the
 * buffer ends with the attribute, so ASan would catch a read past it). */
START_TEST(test_parse_older_versions) {
        static const struct {
                uint16_t version;
                size_t len;
                unsigned have;
        } v[] = {
                /* version 1: the delay fields only, up to cpu_run_virtual_total */
                { 1, offsetof(struct taskstats, ac_comm),
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN },
                /* before freepages (2.6.27) */
                { 6, offsetof(struct taskstats, freepages_count),
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN },
                /* before thrashing (4.20) */
                { 8, offsetof(struct taskstats, thrashing_count),
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN | TASK_DELAY_FREEPAGES },
                /* before compact (version 11) */
                { 10, offsetof(struct taskstats, compact_count),
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN | TASK_DELAY_FREEPAGES |
                  TASK_DELAY_THRASHING },
                /* a struct cut inside thrashing_delay_total: that field is not read */
                { 9, offsetof(struct taskstats, thrashing_delay_total) + 4,
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN | TASK_DELAY_FREEPAGES },
                /* version 11 exactly */
                { 11, offsetof(struct taskstats, ac_tgid),
                  TASK_DELAY_CPU | TASK_DELAY_BLKIO | TASK_DELAY_SWAPIN | TASK_DELAY_FREEPAGES |
                  TASK_DELAY_THRASHING | TASK_DELAY_COMPACT },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ uint8_t *buf = NULL;
                TaskDelays d;
                size_t len;

                buf = build_full_reply(v[i].version, v[i].len, &len);
                ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d));
                ck_assert_uint_eq(d.version, v[i].version);
                ck_assert_uint_eq(d.have, v[i].have);
                ck_assert_uint_eq(d.cpu_usec, 1000);
                ck_assert_uint_eq(d.swapin_usec, 3000);
                ck_assert_uint_eq(d.freepages_usec, (v[i].have & TASK_DELAY_FREEPAGES) ? 4000 : 0);
                ck_assert_uint_eq(d.thrashing_usec, (v[i].have & TASK_DELAY_THRASHING) ? 5000 : 0);
                ck_assert_uint_eq(d.compact_usec, (v[i].have & TASK_DELAY_COMPACT) ? 6000 : 0);
        }
}
END_TEST

/* A short struct followed by another attribute whose bytes would look like delays if the parser read
 * past the STATS attribute. */
START_TEST(test_parse_no_read_past_attribute) {
        _cleanup_free_ uint8_t *buf = NULL;
        struct taskstats ts;
        uint8_t poison[256];
        TaskDelays d;
        size_t len;

        fill_stats(&ts, 8);
        memset(poison, 0x11, sizeof(poison));
        buf = build_reply(TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 5, &ts,
                          offsetof(struct taskstats, thrashing_count), poison, sizeof(poison), &len);
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d));
        ck_assert_uint_eq(d.freepages_usec, 4000);
        ck_assert_uint_eq(d.thrashing_usec, 0);
        ck_assert_uint_eq(d.compact_usec, 0);
        ck_assert(!(d.have & (TASK_DELAY_THRASHING | TASK_DELAY_COMPACT)));
}
END_TEST

/* A newer kernel's longer struct: the fields we know are read, the rest ignored. */
START_TEST(test_parse_newer_version) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t big[sizeof(struct taskstats) + 96];
        struct taskstats ts;
        TaskDelays d;
        size_t len;

        fill_stats(&ts, TASKSTATS_VERSION + 3);
        memset(big, 0xee, sizeof(big));
        memcpy(big, &ts, sizeof(ts));
        buf = build_reply(TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 9, big, sizeof(big), NULL, 0, &len);
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d));
        ck_assert_uint_eq(d.version, TASKSTATS_VERSION + 3);
        ck_assert_uint_eq(d.compact_usec, 6000);
        ck_assert_uint_eq(task_delays_memory_usec(&d), 18000);
}
END_TEST

START_TEST(test_parse_refused) {
        struct taskstats ts;
        TaskDelays d = { .pid = 42 };
        size_t len;
        uint32_t zero = 0;

        /* shorter than version 1 */
        {
                _cleanup_free_ uint8_t *buf = NULL;

                buf = build_full_reply(1, offsetof(struct taskstats, ac_comm) - 8, &len);
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        }
        /* version 0 */
        {
                _cleanup_free_ uint8_t *buf = build_full_reply(0, sizeof(ts), &len);
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        }
        /* pid 0 */
        fill_stats(&ts, TASKSTATS_VERSION);
        {
                _cleanup_free_ uint8_t *buf = build_reply(TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 0, &ts,
                                                          sizeof(ts), NULL, 0, &len);
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        }
        /* no stats in the nest: an unknown type where STATS should be */
        {
                _cleanup_free_ uint8_t *buf = build_reply(TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 3,
                                                          &zero, sizeof(zero), NULL, 0, &len);
                /* turn the STATS attribute into an unknown one: it is the one right after the pad */
                buf[NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 8 + NLA_HDRLEN + 2] = 0x7e;
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        }
        /* a message with no AGGR nest */
        {
                _cleanup_free_ uint8_t *buf = build_full_reply(TASKSTATS_VERSION, sizeof(ts), &len);
                buf[NLMSG_HDRLEN + GENL_HDRLEN + 2] = TASKSTATS_TYPE_NULL;
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        }
        ck_assert_int_eq(d.pid, 42);
}
END_TEST

/* Every truncation of a valid answer is refused, whether the lengths say so or not. */
START_TEST(test_parse_truncated) {
        _cleanup_free_ uint8_t *full = NULL;
        size_t len;

        full = build_full_reply(TASKSTATS_VERSION, sizeof(struct taskstats), &len);
        for (size_t cut = 1; cut < len; cut++) {
                _cleanup_free_ uint8_t *buf = malloc(cut);
                TaskDelays d = { .pid = 42 };
                struct nlmsghdr h;

                ck_assert_ptr_nonnull(buf);
                /* the datagram was cut: nlmsg_len says more than there is */
                memcpy(buf, full, cut);
                ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, cut, &d), -EBADMSG);
                /* the message claims to end there: its attributes do not fit */
                if (cut >= sizeof(h)) {
                        memcpy(&h, buf, sizeof(h));
                        h.nlmsg_len = (uint32_t) cut;
                        memcpy(buf, &h, sizeof(h));
                        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, cut, &d),
                                         -EBADMSG);
                }
                ck_assert_int_eq(d.pid, 42);
        }
}
END_TEST

/* Random byte flips of a valid answer never crash the parser or make it read outside the buffer. */
START_TEST(test_parse_mutated) {
        _cleanup_free_ uint8_t *full = NULL;
        uint64_t x = 0x9e3779b97f4a7c15;
        size_t len;

        full = build_full_reply(TASKSTATS_VERSION, sizeof(struct taskstats), &len);
        for (unsigned i = 0; i < 5000; i++) {
                _cleanup_free_ uint8_t *buf = malloc(len);
                unsigned flips;
                TaskDelays d;
                int r;

                memcpy(buf, full, len);
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                flips = 1 + (unsigned) (x % 4);
                for (unsigned f = 0; f < flips; f++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        /* the headers are where lengths live: flip there more often */
                        buf[(x >> 8) % (x & 1 ? 64 : len)] ^= (uint8_t) (x >> 40);
                }
                r = taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d);
                if (r == 0) {
                        ck_assert_uint_ne(d.version, 0);
                        ck_assert(d.have & TASK_DELAY_CPU);
                } else
                        ck_assert_int_lt(r, 0);
        }
}
END_TEST

static size_t build_error(uint8_t *buf, int error) {
        struct nlmsghdr h = { .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 7 };
        struct nlmsgerr e = { .error = error, .msg = { .nlmsg_len = 28, .nlmsg_type = 0x17, .nlmsg_seq = 7 } };

        h.nlmsg_len = NLMSG_HDRLEN + sizeof(e);
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
        return h.nlmsg_len;
}

START_TEST(test_parse_errors) {
        uint8_t buf[256];
        TaskDelays d = { .pid = 42 };
        size_t len;

        len = build_error(buf, -ESRCH);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -ESRCH);
        len = build_error(buf, -EPERM);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EPERM);
        /* an error message cut before its error code */
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, NLMSG_HDRLEN + 2, &d), -EBADMSG);
        /* positive or absurd errors are not errnos */
        len = build_error(buf, 5);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        len = build_error(buf, -100000);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -EBADMSG);
        /* an ACK alone is no answer */
        len = build_error(buf, 0);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, len, &d), -ENOMSG);
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) buf, 0, &d), -ENOMSG);
        ck_assert_int_eq(d.pid, 42);
}
END_TEST

/* Several messages in one datagram: a NOOP and an ACK before the answer are skipped. */
START_TEST(test_parse_multipart) {
        _cleanup_free_ uint8_t *reply = NULL;
        uint8_t buf[4096];
        struct nlmsghdr noop = { .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP };
        TaskDelays d;
        size_t len, off = 0;

        reply = build_full_reply(TASKSTATS_VERSION, sizeof(struct taskstats), &len);
        memcpy(buf, &noop, sizeof(noop));
        off += NLMSG_HDRLEN;
        off += build_error(buf + off, 0);
        memcpy(buf + off, reply, len);
        off += len;
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) buf, off, &d));
        ck_assert_int_eq(d.pid, 4242);

        /* another genl command is of no interest */
        reply[NLMSG_HDRLEN] = TASKSTATS_CMD_GET;
        ck_assert_int_eq(taskstats_parse_reply((const struct nlmsghdr *) reply, len, &d), -ENOMSG);

        /* an unaligned buffer (the parser copies, never dereferences in place) */
        reply[NLMSG_HDRLEN] = TASKSTATS_CMD_NEW;
        memcpy(buf + 1, reply, len);
        ck_assert_ok(taskstats_parse_reply((const struct nlmsghdr *) (buf + 1), len, &d));
        ck_assert_uint_eq(d.thrashing_usec, 5000);
}
END_TEST

START_TEST(test_memory_usec) {
        TaskDelays d = { .swapin_usec = 1, .freepages_usec = 2, .thrashing_usec = 4, .compact_usec = 8,
                         .blkio_usec = 100, .cpu_usec = 1000 };

        ck_assert_uint_eq(task_delays_memory_usec(&d), 15);
        d.thrashing_usec = UINT64_MAX - 1;
        ck_assert_uint_eq(task_delays_memory_usec(&d), UINT64_MAX);
        ck_assert_uint_eq(task_delays_memory_usec(NULL), 0);
}
END_TEST

/* Our own pid, then a pid that has just exited. Skipped (with a note) where the kernel has no
 * taskstats family or we lack CAP_NET_ADMIN; everything above runs regardless. */
START_TEST(test_live) {
        _cleanup_(taskstats_freep) Taskstats *t = NULL;
        TaskDelays d;
        pid_t child;
        int r, status;

        r = taskstats_open(&t);
        if (r == -EOPNOTSUPP || r == -EPERM || r == -EACCES) {
                fprintf(stderr, "taskstats live test skipped: taskstats_open(): %s\n", strerror(-r));
                return;
        }
        ck_assert_ok(r);
        r = taskstats_query_tgid(t, getpid(), &d);
        if (r == -EPERM || r == -EACCES) {
                fprintf(stderr, "taskstats live test skipped: no CAP_NET_ADMIN (%s)\n", strerror(-r));
                return;
        }
        ck_assert_ok(r);
        ck_assert_int_eq(d.pid, getpid());
        ck_assert_uint_ge(d.version, 1);
        ck_assert(d.have & TASK_DELAY_CPU);
        ck_assert(d.have & TASK_DELAY_SWAPIN);

        ck_assert_ok(taskstats_query_tgid(t, getpid(), &d));
        ck_assert_int_eq(d.pid, getpid());

        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0)
                _exit(0);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_assert_int_eq(taskstats_query_tgid(t, child, &d), -ESRCH);
        ck_assert_int_eq(taskstats_query_tgid(t, 0, &d), -EINVAL);
        /* the socket is still good after an error answer */
        ck_assert_ok(taskstats_query_tgid(t, getpid(), &d));
}
END_TEST

/* Without CAP_NET_ADMIN: opening works (resolving a family needs no privilege), the query is refused
 * with -EPERM. Needs root to drop to an unprivileged uid in a child; skipped otherwise. */
START_TEST(test_live_unprivileged) {
        pid_t child;
        int status;

        if (geteuid() != 0) {
                fprintf(stderr, "taskstats unprivileged test skipped: not root\n");
                return;
        }
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                _cleanup_(taskstats_freep) Taskstats *t = NULL;
                TaskDelays d;
                int r;

                if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        _exit(10);
                r = taskstats_open(&t);
                if (r == -EOPNOTSUPP)
                        _exit(77);
                if (r < 0)
                        _exit(11);
                r = taskstats_query_tgid(t, getpid(), &d);
                _exit(r == -EPERM || r == -EACCES ? 0 : 12);
        }
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_assert(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77) {
                fprintf(stderr, "taskstats unprivileged test skipped: no taskstats family\n");
                return;
        }
        ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *taskstats_suite(void) {
        Suite *s = suite_create("taskstats");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_parse_current);
        tcase_add_test(tc, test_parse_tgid);
        tcase_add_test(tc, test_parse_older_versions);
        tcase_add_test(tc, test_parse_no_read_past_attribute);
        tcase_add_test(tc, test_parse_newer_version);
        tcase_add_test(tc, test_parse_refused);
        tcase_add_test(tc, test_parse_truncated);
        tcase_add_test(tc, test_parse_mutated);
        tcase_add_test(tc, test_parse_errors);
        tcase_add_test(tc, test_parse_multipart);
        tcase_add_test(tc, test_memory_usec);
        suite_add_tcase(s, tc);

        tc = tcase_create("live");
        tcase_add_test(tc, test_live);
        tcase_add_test(tc, test_live_unprivileged);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return test_run_suite(taskstats_suite());
}
