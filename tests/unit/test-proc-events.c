/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "cgroup.h"
#include "proc-events.h"
#include "proc-scan.h"
#include "test-util.h"

/* ---- crafted datagrams ---------------------------------------------------------------------------- */

/* A datagram under construction; kept 8-aligned like the kernel's, parsed from any offset by tests. */
typedef struct Dgram {
        union {
                uint64_t align;
                uint8_t b[4096];
        } u;
        size_t len;
} Dgram;

/* Appends one netlink message holding a cn_msg with @payload (@plen bytes) of connector @idx/@val. */
static void dgram_add(Dgram *d, uint16_t nltype, uint32_t idx, uint32_t val, uint32_t seq, uint32_t ack,
                      const void *payload, size_t plen) {
        struct nlmsghdr h = {
                .nlmsg_len = (uint32_t) (NLMSG_HDRLEN + sizeof(struct cn_msg) + plen),
                .nlmsg_type = nltype,
        };
        struct cn_msg cn = {
                .id = { .idx = idx, .val = val },
                .seq = seq,
                .ack = ack,
                .len = (uint16_t) plen,
        };

        ck_assert_uint_le(d->len + NLMSG_ALIGN(h.nlmsg_len), sizeof(d->u.b));
        memcpy(d->u.b + d->len, &h, sizeof(h));
        memcpy(d->u.b + d->len + NLMSG_HDRLEN, &cn, sizeof(cn));
        memcpy(d->u.b + d->len + NLMSG_HDRLEN + sizeof(cn), payload, plen);
        d->len += NLMSG_ALIGN(h.nlmsg_len);
}

static void dgram_add_event(Dgram *d, const struct proc_event *ev, size_t evlen) {
        dgram_add(d, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, 7, 0, ev, evlen);
}

static struct proc_event fork_event(pid_t ppid, pid_t ptgid, pid_t pid, pid_t tgid) {
        struct proc_event ev = { .what = PROC_EVENT_FORK, .cpu = 1, .timestamp_ns = 123456789 };

        ev.event_data.fork.parent_pid = ppid;
        ev.event_data.fork.parent_tgid = ptgid;
        ev.event_data.fork.child_pid = pid;
        ev.event_data.fork.child_tgid = tgid;
        return ev;
}

/* Collects what the parser passes on. */
typedef struct Seen {
        ProcEvent ev[32];
        size_t n;
        int fail_at;    /* return -ECANCELED on this call (1-based), 0 never */
} Seen;

static int collect(const ProcEvent *ev, void *userdata) {
        Seen *s = userdata;

        if (s->n < ELEMENTSOF(s->ev))
                s->ev[s->n] = *ev;
        s->n++;
        if (s->fail_at > 0 && (size_t) s->fail_at == s->n)
                return -ECANCELED;
        return 0;
}

START_TEST(test_parse_fork) {
        struct proc_event ev = fork_event(100, 100, 201, 201);
        ProcEventsStats st = {};
        Seen s = {};
        Dgram d = {};

        dgram_add_event(&d, &ev, sizeof(ev));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 1);
        ck_assert_uint_eq(s.n, 1);
        ck_assert_int_eq(s.ev[0].kind, PROC_EVENT_KIND_FORK);
        ck_assert_int_eq(s.ev[0].pid, 201);
        ck_assert_int_eq(s.ev[0].tgid, 201);
        ck_assert_int_eq(s.ev[0].parent_pid, 100);
        ck_assert_int_eq(s.ev[0].parent_tgid, 100);
        ck_assert_uint_eq(s.ev[0].timestamp_nsec, 123456789);
        ck_assert_uint_eq(st.events, 1);
        ck_assert_uint_eq(st.malformed, 0);
        ck_assert_uint_eq(st.ignored, 0);
}
END_TEST

START_TEST(test_parse_exec_exit_comm) {
        struct proc_event exec = { .what = PROC_EVENT_EXEC }, exit_ev = { .what = PROC_EVENT_EXIT };
        struct proc_event comm = { .what = PROC_EVENT_COMM };
        Seen s = {};
        Dgram d = {};

        exec.event_data.exec.process_pid = 300;
        exec.event_data.exec.process_tgid = 300;
        exit_ev.event_data.exit.process_pid = 301;
        exit_ev.event_data.exit.process_tgid = 300;
        exit_ev.event_data.exit.exit_code = 3 << 8;
        exit_ev.event_data.exit.exit_signal = 17;
        exit_ev.event_data.exit.parent_pid = 1;
        exit_ev.event_data.exit.parent_tgid = 1;
        comm.event_data.comm.process_pid = 300;
        comm.event_data.comm.process_tgid = 300;
        memset(comm.event_data.comm.comm, 'A', sizeof(comm.event_data.comm.comm));   /* no NUL */

        dgram_add_event(&d, &exec, sizeof(exec));
        dgram_add_event(&d, &exit_ev, sizeof(exit_ev));
        dgram_add_event(&d, &comm, sizeof(comm));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, NULL), 3);

        ck_assert_int_eq(s.ev[0].kind, PROC_EVENT_KIND_EXEC);
        ck_assert_int_eq(s.ev[0].tgid, 300);
        ck_assert_str_eq(s.ev[0].comm, "");     /* the pure parser reads no files */

        ck_assert_int_eq(s.ev[1].kind, PROC_EVENT_KIND_EXIT);
        ck_assert_int_eq(s.ev[1].pid, 301);
        ck_assert_int_eq(s.ev[1].tgid, 300);
        ck_assert(WIFEXITED(s.ev[1].exit_code));
        ck_assert_int_eq(WEXITSTATUS(s.ev[1].exit_code), 3);
        ck_assert_uint_eq(s.ev[1].exit_signal, 17);
        ck_assert_int_eq(s.ev[1].parent_tgid, 1);

        ck_assert_int_eq(s.ev[2].kind, PROC_EVENT_KIND_COMM);
        ck_assert_uint_eq(strlen(s.ev[2].comm), PROC_COMM_MAX - 1);
}
END_TEST

/* Kernels before 4.18 send exit events without parent_pid/parent_tgid. */
START_TEST(test_parse_exit_old_kernel) {
        struct proc_event ev = { .what = PROC_EVENT_EXIT };
        size_t len = offsetof(struct proc_event, event_data) + offsetof(struct exit_proc_event, parent_pid);
        Seen s = {};
        Dgram d = {};

        ev.event_data.exit.process_pid = 42;
        ev.event_data.exit.process_tgid = 42;
        ev.event_data.exit.exit_code = 9;       /* killed by SIGKILL */
        ev.event_data.exit.parent_pid = 99;     /* not sent */
        dgram_add_event(&d, &ev, len);
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, NULL), 1);
        ck_assert_int_eq(s.ev[0].kind, PROC_EVENT_KIND_EXIT);
        ck_assert(WIFSIGNALED(s.ev[0].exit_code));
        ck_assert_int_eq(WTERMSIG(s.ev[0].exit_code), 9);
        ck_assert_int_eq(s.ev[0].parent_pid, 0);

        /* one byte less than the old layout is not an exit event */
        d = (Dgram) {};
        s = (Seen) {};
        dgram_add_event(&d, &ev, len - 1);
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, NULL), 0);
}
END_TEST

START_TEST(test_parse_ack) {
        struct proc_event ev = { .what = PROC_EVENT_NONE };
        Seen s = {};
        Dgram d = {};

        ev.event_data.ack.err = EPERM;
        dgram_add(&d, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, 1000, 1001, &ev, sizeof(ev));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, NULL), 1);
        ck_assert_int_eq(s.ev[0].kind, PROC_EVENT_KIND_ACK);
        ck_assert_uint_eq(s.ev[0].ack_error, EPERM);
        ck_assert_uint_eq(s.ev[0].seq, 1000);
        ck_assert_uint_eq(s.ev[0].ack, 1001);
}
END_TEST

/* Other connectors, event types we do not follow, NOOPs: skipped, counted as ignored, not malformed. */
START_TEST(test_parse_wrong_types) {
        struct proc_event ev = fork_event(1, 1, 2, 2), uid = { .what = PROC_EVENT_UID };
        struct proc_event future = { .what = 0x00000400 };
        ProcEventsStats st = {};
        Seen s = {};
        Dgram d = {};

        dgram_add(&d, NLMSG_DONE, CN_IDX_PROC + 1, CN_VAL_PROC, 0, 0, &ev, sizeof(ev));
        dgram_add(&d, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC + 1, 0, 0, &ev, sizeof(ev));
        dgram_add_event(&d, &uid, sizeof(uid));
        dgram_add_event(&d, &future, sizeof(future));
        dgram_add(&d, NLMSG_NOOP, CN_IDX_PROC, CN_VAL_PROC, 0, 0, &ev, sizeof(ev));
        dgram_add(&d, NLMSG_ERROR, CN_IDX_PROC, CN_VAL_PROC, 0, 0, &ev, sizeof(ev));
        dgram_add_event(&d, &ev, sizeof(ev));   /* the one that counts, after all the others */

        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 1);
        ck_assert_int_eq(s.ev[0].kind, PROC_EVENT_KIND_FORK);
        ck_assert_int_eq(s.ev[0].pid, 2);
        ck_assert_uint_eq(st.ignored, 5);
        ck_assert_uint_eq(st.malformed, 1);     /* NLMSG_ERROR: the connector never sends one */
}
END_TEST

/* Every prefix of a good datagram: no event from an incomplete one, no read outside the buffer (ASan). */
START_TEST(test_parse_truncated) {
        struct proc_event ev = fork_event(1, 1, 2, 2);
        Dgram d = {};
        size_t full;

        dgram_add_event(&d, &ev, sizeof(ev));
        full = d.len;
        for (size_t len = 0; len < full; len++) {
                ProcEventsStats st = {};
                uint8_t *copy = malloc(len ? len : 1);  /* exact size: ASan catches any overread */
                Seen s = {};

                ck_assert_ptr_nonnull(copy);
                memcpy(copy, d.u.b, len);
                ck_assert_int_eq(proc_events_parse(copy, len, collect, &s, &st), 0);
                ck_assert_uint_eq(s.n, 0);
                ck_assert_uint_eq(st.malformed, len == 0 ? 0 : 1);
                free(copy);
        }
}
END_TEST

START_TEST(test_parse_short_payloads) {
        struct proc_event fork = fork_event(1, 1, 2, 2), ack = { .what = PROC_EVENT_NONE };
        struct proc_event comm = { .what = PROC_EVENT_COMM };
        size_t hdr = offsetof(struct proc_event, event_data);
        ProcEventsStats st = {};
        Seen s = {};
        Dgram d = {};

        dgram_add_event(&d, &fork, hdr - 1);                                    /* no header */
        dgram_add_event(&d, &fork, hdr + sizeof(struct fork_proc_event) - 1);
        dgram_add_event(&d, &comm, hdr + sizeof(struct comm_proc_event) - 1);
        dgram_add_event(&d, &ack, hdr + 3);
        dgram_add(&d, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, 0, 0, &fork, 0);    /* empty cn_msg */
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 0);
        ck_assert_uint_eq(st.malformed, 5);
        ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* Lengths that point far past the datagram. */
START_TEST(test_parse_huge_lengths) {
        struct proc_event ev = fork_event(1, 1, 2, 2);
        ProcEventsStats st = {};
        struct nlmsghdr h;
        struct cn_msg cn;
        Seen s = {};
        Dgram d = {};

        /* nlmsg_len 4 GiB: the walk stops */
        dgram_add_event(&d, &ev, sizeof(ev));
        memcpy(&h, d.u.b, sizeof(h));
        h.nlmsg_len = UINT32_MAX;
        memcpy(d.u.b, &h, sizeof(h));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 0);
        ck_assert_uint_eq(st.malformed, 1);

        /* nlmsg_len smaller than its own header */
        h.nlmsg_len = 4;
        memcpy(d.u.b, &h, sizeof(h));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 0);
        ck_assert_uint_eq(st.malformed, 2);

        /* cn_msg.len 64 KiB in a message of 100 bytes: that message is dropped, the next one is read */
        d = (Dgram) {};
        dgram_add_event(&d, &ev, sizeof(ev));
        memcpy(&cn, d.u.b + NLMSG_HDRLEN, sizeof(cn));
        cn.len = UINT16_MAX;
        memcpy(d.u.b + NLMSG_HDRLEN, &cn, sizeof(cn));
        dgram_add_event(&d, &ev, sizeof(ev));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, &st), 1);
        ck_assert_uint_eq(st.malformed, 3);
        ck_assert_uint_eq(s.n, 1);
}
END_TEST

/* Random bytes, and random corruption of good datagrams: never a crash or an out-of-bounds read. */
START_TEST(test_parse_garbage) {
        unsigned seed = 12345;

        for (int i = 0; i < 2000; i++) {
                struct proc_event ev = fork_event(1, 1, 2, 2);
                size_t len;
                uint8_t *copy;
                Seen s = {};
                Dgram d = {};

                dgram_add_event(&d, &ev, sizeof(ev));
                dgram_add_event(&d, &ev, sizeof(ev));
                if (i % 2)
                        for (size_t k = 0; k < d.len; k++)
                                d.u.b[k] = (uint8_t) rand_r(&seed);
                else
                        for (int k = 0; k < 4; k++)
                                d.u.b[(size_t) rand_r(&seed) % d.len] = (uint8_t) rand_r(&seed);
                len = (size_t) rand_r(&seed) % (d.len + 1);
                copy = malloc(len ? len : 1);
                ck_assert_ptr_nonnull(copy);
                memcpy(copy, d.u.b, len);
                ck_assert_int_ge(proc_events_parse(copy, len, collect, &s, NULL), 0);
                ck_assert_uint_le(s.n, 2);
                free(copy);
        }
}
END_TEST

START_TEST(test_parse_handler_error_stops) {
        struct proc_event ev = fork_event(1, 1, 2, 2);
        Seen s = { .fail_at = 2 };
        Dgram d = {};

        for (int i = 0; i < 3; i++)
                dgram_add_event(&d, &ev, sizeof(ev));
        ck_assert_int_eq(proc_events_parse(d.u.b, d.len, collect, &s, NULL), -ECANCELED);
        ck_assert_uint_eq(s.n, 2);
        ck_assert_int_eq(proc_events_parse(NULL, 0, collect, &s, NULL), 0);
}
END_TEST

START_TEST(test_kind_names) {
        ck_assert_str_eq(proc_event_kind_to_string(PROC_EVENT_KIND_LOST), "lost");
        ck_assert_str_eq(proc_event_kind_to_string(PROC_EVENT_KIND_FORK), "fork");
        ck_assert_ptr_null(proc_event_kind_to_string(_PROC_EVENT_KIND_MAX));
        ck_assert_ptr_null(proc_event_kind_to_string(_PROC_EVENT_KIND_INVALID));
}
END_TEST

/* ---- fixture proc and cgroup trees ----------------------------------------------------------------- */

static char root_dir[64];
static Root *root;

static void mkdir_p(const char *relpath) {
        char p[PATH_MAX];

        ck_assert(snprintf_ok(p, "%s/%s", root_dir, relpath));
        for (char *s = p + strlen(root_dir) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

/* Writes @len bytes (cmdline has NULs) to @relpath, creating its directory. */
static void put(const char *relpath, const char *content, size_t len) {
        char dst[PATH_MAX], dir[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        char *slash;

        snprintf(dir, sizeof(dir), "%s", relpath);
        slash = strrchr(dir, '/');
        ck_assert_ptr_nonnull(slash);
        *slash = '\0';
        mkdir_p(dir);
        snprintf(dst, sizeof(dst), "%s/%s", root_dir, relpath);
        fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, content, len), (ssize_t) len);
}
#define PUT(path, lit) put((path), (lit), sizeof(lit) - 1)

static void process(int pid, const char *comm_line, const char *cmdline, size_t cmdline_len) {
        char p[64];

        snprintf(p, sizeof(p), "proc/%d/comm", pid);
        put(p, comm_line, strlen(comm_line));
        snprintf(p, sizeof(p), "proc/%d/cmdline", pid);
        put(p, cmdline, cmdline_len);
}
#define PROCESS(pid, comm, lit) process((pid), (comm), (lit), sizeof(lit) - 1)

static void setup(void) {
        char p[PATH_MAX];

        snprintf(root_dir, sizeof(root_dir), "/tmp/damond-test-proc-events-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root_dir));

        PROCESS(1, "systemd\n", "/sbin/init\0splash\0");
        PROCESS(2, "kthreadd\n", "");                                           /* kernel thread */
        PROCESS(100, "postgres\n", "/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/pg\0");
        PROCESS(101, "postgres\n", "postgres: checkpointer \0");                /* rewritten argv */
        PROCESS(102, "postgres\n", "");                                         /* zombie */
        PROCESS(200, "averyverylongna\n", "/opt/bin/averyverylongname\0");
        PROCESS(300, "python3\n", "/usr/bin/python3\0/srv/app.py\0");
        PROCESS(123, "postgres\n", "postgres\0");
        mkdir_p("proc/400");                                                    /* exited mid-scan */
        PROCESS(7, "x\n", "x\0");
        mkdir_p("proc/0123");                                                   /* not a pid */
        put("proc/0123/comm", "postgres\n", 9);
        put("proc/0123/cmdline", "postgres\0", 9);
        snprintf(p, sizeof(p), "%s/proc/self", root_dir);
        ck_assert_int_eq(symlink("100", p), 0);

        PUT("proc/100/cgroup", "0::/system.slice/postgresql.service\n");
        PUT("proc/101/cgroup", "12:memory:/foo\n1:name=systemd:/bar\n0::/user.slice\n");
        PUT("proc/300/cgroup", "12:memory:/foo\n");
        PUT("proc/1/cgroup", "0::/\n");

        PUT("sys/fs/cgroup/cgroup.procs", "1\n2\n");
        PUT("sys/fs/cgroup/system.slice/cgroup.procs", "");
        PUT("sys/fs/cgroup/system.slice/foo.service/cgroup.procs", "11\n10\n11\n");
        PUT("sys/fs/cgroup/system.slice/foo.service/worker/cgroup.procs", "12\n");
        PUT("sys/fs/cgroup/system.slice/foo.service/worker/memory.current", "4096\n");
        PUT("sys/fs/cgroup/system.slice/foo.service/cgroup.controllers", "memory\n");
        PUT("sys/fs/cgroup/bad.slice/cgroup.procs", "10\n1x\n");
        PUT("sys/fs/cgroup/nonl.slice/cgroup.procs", "5\n6");

        ck_assert_ok(root_open(root_dir, &root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void teardown(void) {
        root = root_free(root);
        (void) nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_pids(const pid_t *got, size_t n, const pid_t *want, size_t nwant) {
        ck_assert_uint_eq(n, nwant);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(got[i], want[i]);
        if (n == 0)
                ck_assert_ptr_null(got);
}
#define ASSERT_PIDS(got, n, ...)                                                        \
        do {                                                                            \
                const pid_t _w[] = { __VA_ARGS__ };                                     \
                assert_pids((got), (n), _w, ELEMENTSOF(_w));                            \
        } while (0)

START_TEST(test_name_matches) {
        ck_assert(proc_name_matches("postgres", "postgres", NULL));
        ck_assert(proc_name_matches("postgres", "other", "/usr/bin/postgres"));
        ck_assert(proc_name_matches("postgres", NULL, "postgres"));
        ck_assert(!proc_name_matches("postgres", "postgres2", "/usr/bin/postgres2"));
        ck_assert(!proc_name_matches("postgre", "postgres", "/usr/bin/postgres"));
        ck_assert(!proc_name_matches("bin", "x", "/usr/bin/"));         /* basename "" */
        /* comm holds 15 bytes of a longer name */
        ck_assert(proc_name_matches("averyverylongname", "averyverylongna", NULL));
        ck_assert(!proc_name_matches("averyverylongname", "averyverylongn", NULL));
        ck_assert(!proc_name_matches("", "", ""));
        ck_assert(!proc_name_matches("a/b", "a/b", "a/b"));
        ck_assert(!proc_name_matches(NULL, "x", "x"));
        ck_assert(proc_name_is_valid("x"));
        ck_assert(!proc_name_is_valid(""));
        ck_assert(!proc_name_is_valid("/usr/bin/x"));
}
END_TEST

START_TEST(test_scan_name) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 99;

        /* 101 by comm (its argv[0] was rewritten), 100 and 123 by both; 102 (zombie) and "0123" never */
        ck_assert_ok(proc_scan_name(root, "postgres", &pids, &n));
        ASSERT_PIDS(pids, n, 100, 101, 123);
        pids = mfree(pids);

        ck_assert_ok(proc_scan_name(root, "init", &pids, &n));          /* argv[0]'s basename */
        ASSERT_PIDS(pids, n, 1);
        pids = mfree(pids);

        ck_assert_ok(proc_scan_name(root, "averyverylongname", &pids, &n));
        ASSERT_PIDS(pids, n, 200);
        pids = mfree(pids);

        ck_assert_ok(proc_scan_name(root, "kthreadd", &pids, &n));      /* no address space */
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(pids);

        ck_assert_ok(proc_scan_name(root, "app.py", &pids, &n));        /* only argv[0] counts */
        ck_assert_uint_eq(n, 0);

        ck_assert_int_eq(proc_scan_name(root, "", &pids, &n), -EINVAL);
        ck_assert_int_eq(proc_scan_name(root, "bin/postgres", &pids, &n), -EINVAL);
}
END_TEST

START_TEST(test_scan_name_no_proc) {
        _cleanup_(root_freep) Root *empty = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        char p[PATH_MAX];
        size_t n;

        snprintf(p, sizeof(p), "%s/sys", root_dir);
        ck_assert_ok(root_open(p, &empty));
        ck_assert_int_eq(proc_scan_name(empty, "x", &pids, &n), -ENOENT);
}
END_TEST

START_TEST(test_pid_matches_name) {
        ck_assert_int_eq(proc_pid_matches_name(root, 100, "postgres"), 1);
        ck_assert_int_eq(proc_pid_matches_name(root, 300, "postgres"), 0);
        ck_assert_int_eq(proc_pid_matches_name(root, 102, "postgres"), 0);
        ck_assert_int_eq(proc_pid_matches_name(root, 400, "postgres"), -ESRCH);
        ck_assert_int_eq(proc_pid_matches_name(root, 999, "postgres"), -ESRCH);
        ck_assert_int_eq(proc_pid_matches_name(root, 100, ""), -EINVAL);
}
END_TEST

START_TEST(test_scan_cgroup) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;

        /* duplicates in cgroup.procs are reported once, in order */
        ck_assert_ok(cgroup_procs(root, "/system.slice/foo.service", false, &pids, &n));
        ASSERT_PIDS(pids, n, 10, 11);
        pids = mfree(pids);

        ck_assert_ok(cgroup_procs(root, "system.slice//./foo.service/", true, &pids, &n));
        ASSERT_PIDS(pids, n, 10, 11, 12);
        pids = mfree(pids);

        ck_assert_ok(cgroup_procs(root, "/system.slice", false, &pids, &n));
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(pids);

        ck_assert_ok(cgroup_procs(root, "/system.slice", true, &pids, &n));
        ASSERT_PIDS(pids, n, 10, 11, 12);
        pids = mfree(pids);

        ck_assert_ok(cgroup_procs(root, "/nonl.slice", false, &pids, &n));   /* no final newline */
        ASSERT_PIDS(pids, n, 5, 6);
        pids = mfree(pids);

        ck_assert_ok(cgroup_procs(root, "/", false, &pids, &n));
        ASSERT_PIDS(pids, n, 1, 2);
        pids = mfree(pids);

        ck_assert_int_eq(cgroup_procs(root, "/", true, &pids, &n), -EINVAL);        /* bad.slice */
        ck_assert_int_eq(cgroup_procs(root, "/bad.slice", false, &pids, &n), -EINVAL);
        ck_assert_int_eq(cgroup_procs(root, "/system.slice/../bad.slice", false, &pids, &n), -EINVAL);
        ck_assert_int_eq(cgroup_procs(root, "", false, &pids, &n), -EINVAL);
        ck_assert_int_eq(cgroup_procs(root, "/gone.service", false, &pids, &n), -ENOENT);
        ck_assert_ptr_null(pids);
}
END_TEST

START_TEST(test_cgroup_files) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        char *none = NULL;

        /* a temporary directory is a fake root: never libcgroup, which reads the machine's cgroups */
        ck_assert_int_eq(cgroup_backend(root), CGROUP_BACKEND_ROOT_FILES);
        ck_assert_str_eq(cgroup_backend_to_string(CGROUP_BACKEND_LIBCGROUP), "libcgroup");

        ck_assert_ok(cgroup_read_file(root, "system.slice//./foo.service/worker/", "memory.current", 64, &a));
        ck_assert_str_eq(a, "4096\n");
        ck_assert_int_eq(cgroup_read_file(root, "/system.slice/foo.service/worker", "memory.current", 3, &none),
                         -EFBIG);
        ck_assert_int_eq(cgroup_read_file(root, "/system.slice/foo.service", "memory.current", 64, &none),
                         -ENOENT);
        ck_assert_int_eq(cgroup_read_file(root, "/gone.service", "memory.current", 64, &none), -ENOENT);
        ck_assert_int_eq(cgroup_read_file(root, "/system.slice/../x", "memory.current", 64, &none), -EINVAL);
        ck_assert_int_eq(cgroup_read_file(root, "/system.slice", "../cgroup.procs", 64, &none), -EINVAL);
        ck_assert_int_eq(cgroup_read_file(root, "/system.slice", "", 64, &none), -EINVAL);
        ck_assert_ptr_null(none);

        ck_assert_ok(cgroup_clean_path(NULL, "//a.slice/./b.service/", &b));
        ck_assert_str_eq(b, "/a.slice/b.service");
        ck_assert_ok(cgroup_clean_path(NULL, "/", &c));
        ck_assert_str_eq(c, "/");
        ck_assert_ok(cgroup_clean_path(CGROUP_MOUNT_RELPATH, "a.slice", &d));
        ck_assert_str_eq(d, "sys/fs/cgroup/a.slice");
        ck_assert_int_eq(cgroup_clean_path(NULL, "a/../b", &none), -EINVAL);
        ck_assert_int_eq(cgroup_clean_path(NULL, "", &none), -EINVAL);
}
END_TEST

START_TEST(test_pid_cgroup) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        char *none = NULL;

        ck_assert_ok(cgroup_pid_path(root, 100, &a));
        ck_assert_str_eq(a, "/system.slice/postgresql.service");
        ck_assert_ok(cgroup_pid_path(root, 101, &b));                   /* hybrid layout */
        ck_assert_str_eq(b, "/user.slice");
        ck_assert_ok(cgroup_pid_path(root, 1, &c));
        ck_assert_str_eq(c, "/");
        ck_assert_int_eq(cgroup_pid_path(root, 300, &none), -ENODATA);  /* v1 only */
        ck_assert_int_eq(cgroup_pid_path(root, 999, &none), -ESRCH);
        ck_assert_ptr_null(none);

        ck_assert(proc_cgroup_is_below("/system.slice/a.service", "/system.slice"));
        ck_assert(proc_cgroup_is_below("/system.slice", "/system.slice/"));
        ck_assert(proc_cgroup_is_below("/system.slice", "/"));
        ck_assert(!proc_cgroup_is_below("/system.slice2", "/system.slice"));
        ck_assert(!proc_cgroup_is_below("/user.slice", "/system.slice"));
        ck_assert(!proc_cgroup_is_below("system.slice", "/"));
}
END_TEST

/* ---- the real proc connector (initial namespaces, CAP_NET_ADMIN before 6.6; skips otherwise) ------- */

typedef struct LiveSeen {
        pid_t child;
        bool fork, exec, exit, lost;
        unsigned n_events;
        char exec_comm[PROC_COMM_MAX];
        int exit_code;
} LiveSeen;

static int live_handler(const ProcEvent *ev, void *userdata) {
        LiveSeen *s = userdata;

        s->n_events++;
        if (ev->kind == PROC_EVENT_KIND_LOST)
                s->lost = true;
        if (ev->tgid != s->child || s->child == 0)
                return 0;
        switch (ev->kind) {
        case PROC_EVENT_KIND_FORK:
                s->fork = true;
                break;
        case PROC_EVENT_KIND_EXEC:
                s->exec = true;
                snprintf(s->exec_comm, sizeof(s->exec_comm), "%s", ev->comm);
                break;
        case PROC_EVENT_KIND_EXIT:
                if (ev->pid == ev->tgid) {
                        s->exit = true;
                        s->exit_code = ev->exit_code;
                }
                break;
        default:
                break;
        }
        return 0;
}

static int64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls and dispatches until @done or @timeout_msec. */
static int live_pump(ProcEvents *p, LiveSeen *s, bool (*done)(const ProcEvents *, const LiveSeen *),
                     int timeout_msec) {
        int64_t end = now_msec() + timeout_msec;

        while (!done(p, s)) {
                struct pollfd pfd = { .fd = proc_events_get_fd(p), .events = POLLIN };
                int left = (int) (end - now_msec()), r;

                if (left <= 0)
                        return -ETIMEDOUT;
                (void) poll(&pfd, 1, left);
                r = proc_events_dispatch(p, live_handler, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool acked(const ProcEvents *p, const LiveSeen *s) {
        return proc_events_listening(p) != 0;
}

static bool child_done(const ProcEvents *p, const LiveSeen *s) {
        return (s->fork && s->exec && s->exit) || s->lost;
}

/* Opens the connector on the host and waits for the kernel's ack; false (after saying why) when this
 * machine cannot run live tests. */
static bool live_open(Root **ret_root, ProcEvents **ret, const char *test) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_(proc_events_freep) ProcEvents *p = NULL;
        LiveSeen s = {};
        int r;

        ck_assert_ok(root_open("/", &host));    /* only proc/PID/comm is read; nothing is written */
        r = proc_events_open(host, &p);
        if (r == -EPERM || r == -EACCES || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT) {
                fprintf(stderr, "%s: skipped, cannot open the proc connector (%s)\n", test, strerror(-r));
                return false;
        }
        ck_assert_ok(r);
        ck_assert_int_ge(proc_events_get_fd(p), 0);

        r = live_pump(p, &s, acked, 2000);
        if (r == -ETIMEDOUT || r == -EPERM) {
                /* a listener in a non-initial pid or user namespace gets no answer and no events */
                fprintf(stderr, "%s: skipped, the kernel did not take the listener (%s)\n",
                        test, strerror(-r));
                return false;
        }
        ck_assert_ok(r);
        ck_assert_int_eq(proc_events_listening(p), 1);
        *ret_root = TAKE_PTR(host);
        *ret = TAKE_PTR(p);
        return true;
}

START_TEST(test_live_connector) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_(proc_events_freep) ProcEvents *p = NULL;
        ProcEventsStats st;
        LiveSeen s = {};
        int status;

        if (!live_open(&host, &p, "test_live_connector"))
                return;

        s.child = fork();
        ck_assert_int_ge(s.child, 0);
        if (s.child == 0) {
                execl("/bin/sh", "sh", "-c", "exit 3", (char *) NULL);
                _exit(127);
        }
        ck_assert_int_eq(waitpid(s.child, &status, 0), s.child);

        ck_assert_ok(live_pump(p, &s, child_done, 5000));
        if (s.lost) {
                fprintf(stderr, "test_live_connector: skipped, this machine forked faster than we read\n");
                return;
        }
        ck_assert(WIFEXITED(s.exit_code));
        ck_assert_int_eq(WEXITSTATUS(s.exit_code), 3);
        /* comm is read after the fact: "sh", or "" when the child was already gone */
        ck_assert_msg(streq(s.exec_comm, "sh") || streq(s.exec_comm, ""), "comm '%s'", s.exec_comm);

        proc_events_get_stats(p, &st);
        ck_assert_uint_ge(st.events, 3);
        ck_assert_uint_eq(st.foreign, 0);
}
END_TEST

/* A receive buffer too small for the events: dispatch says so with one LOST event, and reads on. */
START_TEST(test_live_overflow) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_(proc_events_freep) ProcEvents *p = NULL;
        ProcEventsStats st;
        LiveSeen s = {};
        int tiny = 1;

        if (!live_open(&host, &p, "test_live_overflow"))
                return;

        /* the kernel rounds this up to its minimum, a few events' worth */
        ck_assert_int_eq(setsockopt(proc_events_get_fd(p), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
        for (int i = 0; i < 64; i++) {
                pid_t c = fork();

                ck_assert_int_ge(c, 0);
                if (c == 0)
                        _exit(0);
                ck_assert_int_eq(waitpid(c, NULL, 0), c);
        }

        ck_assert_int_ge(proc_events_dispatch(p, live_handler, &s), 1);
        ck_assert(s.lost);
        proc_events_get_stats(p, &st);
        ck_assert_uint_ge(st.lost, 1);
}
END_TEST

/* A datagram from a local process (any user can unicast to our port) is dropped unread. */
START_TEST(test_live_foreign) {
        _cleanup_(root_freep) Root *host = NULL;
        _cleanup_(proc_events_freep) ProcEvents *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_nl self = {}, to = { .nl_family = AF_NETLINK };
        struct proc_event ev = fork_event(1, 1, 4242, 4242);
        socklen_t len = sizeof(self);
        ProcEventsStats before, after;
        LiveSeen s = { .child = 4242 };
        Dgram d = {};

        if (!live_open(&host, &p, "test_live_foreign"))
                return;

        ck_assert_int_eq(getsockname(proc_events_get_fd(p), (struct sockaddr *) &self, &len), 0);
        to.nl_pid = self.nl_pid;
        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        ck_assert_int_ge(fd, 0);
        dgram_add_event(&d, &ev, sizeof(ev));
        proc_events_get_stats(p, &before);
        ck_assert_int_eq(sendto(fd, d.u.b, d.len, 0, (struct sockaddr *) &to, sizeof(to)), (ssize_t) d.len);

        for (int i = 0; i < 100; i++) {
                struct pollfd pfd = { .fd = proc_events_get_fd(p), .events = POLLIN };

                (void) poll(&pfd, 1, 10);
                ck_assert_int_ge(proc_events_dispatch(p, live_handler, &s), 0);
                proc_events_get_stats(p, &after);
                if (after.foreign > before.foreign)
                        break;
        }
        ck_assert_uint_eq(after.foreign, before.foreign + 1);
        ck_assert(!s.fork);     /* pid 4242's forged fork never reached the handler */
}
END_TEST

static Suite *proc_events_suite(void) {
        Suite *s = suite_create("proc-events");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_fork);
        tcase_add_test(tc, test_parse_exec_exit_comm);
        tcase_add_test(tc, test_parse_exit_old_kernel);
        tcase_add_test(tc, test_parse_ack);
        tcase_add_test(tc, test_parse_wrong_types);
        tcase_add_test(tc, test_parse_truncated);
        tcase_add_test(tc, test_parse_short_payloads);
        tcase_add_test(tc, test_parse_huge_lengths);
        tcase_add_test(tc, test_parse_garbage);
        tcase_add_test(tc, test_parse_handler_error_stops);
        tcase_add_test(tc, test_kind_names);
        tcase_add_test(tc, test_name_matches);
        suite_add_tcase(s, tc);

        tc = tcase_create("scan");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_scan_name);
        tcase_add_test(tc, test_scan_name_no_proc);
        tcase_add_test(tc, test_pid_matches_name);
        tcase_add_test(tc, test_cgroup_files);
        tcase_add_test(tc, test_scan_cgroup);
        tcase_add_test(tc, test_pid_cgroup);
        suite_add_tcase(s, tc);

        tc = tcase_create("live");
        tcase_set_timeout(tc, 10);
        tcase_add_test(tc, test_live_connector);
        tcase_add_test(tc, test_live_overflow);
        tcase_add_test(tc, test_live_foreign);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return test_run_suite(proc_events_suite());
}
